/*
 * The FIX order-entry gateway (connectors/fix/xr_fix_gateway.h) over real
 * loopback TCP. The strategies are scripted raw clients in this thread:
 * their messages are built with the codec's writer (or by hand for bad
 * input), the gateway's answers framed and parsed back. The gateway and
 * the clients are polled alternately in bounded loops; time is a plain
 * counter (1 ms a poll): no sleeps.
 *
 * Rules checked: FIX 4.4 Vol. 2 "Logon" (session chosen by CompIDs,
 * refusal Logout), "ResendRequest"/"SequenceReset" (a dropped oversize
 * message asked for again); Vol. 4 "Order State Changes" and
 * "ExecutionReport" (New, Trade with CumQty/LeavesQty/AvgPx, Rejected
 * with OrdRejReason, Canceled answering a cancel), "OrderCancelReject".
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xr_config.h"
#include "xr_fix.h"
#include "xr_fix_gateway.h"
#include "xr_names.h"
#include "xr_signal.h"
#include "xr_types.h"

#define MS UINT64_C(1000000)
#define SEC (1000 * MS)
#define SPINS 3000 /* polls a wait may take at most */

static uint64_t NOW = 1000 * SEC;
static struct xr_fix_gateway *GW;
static struct xr_names *NAMES;

/* ------------------------------------------------------------ log capture */

static char LOG[256][512];
static unsigned N_LOG;

static void
on_log(void *ctx, enum xr_fix_log_level lvl, const char *line)
{
	(void)ctx, (void)lvl;
	if (getenv("XR_TEST_LOG") != NULL)
		fprintf(stderr, "log: %s\n", line);
	if (N_LOG < 256)
		snprintf(LOG[N_LOG++], sizeof(LOG[0]), "%s", line);
}

static bool
logged(const char *a, const char *b)
{
	for (unsigned i = 0; i < N_LOG; i++)
		if (strstr(LOG[i], a) != NULL && (b == NULL || strstr(LOG[i], b) != NULL))
			return true;
	return false;
}

/* ------------------------------------------------------------ the gateway */

static struct xr_user_cfg USERS[2];
static char SYMBOLS[2][XR_NAME_MAX + 1] = { "BTC-USD", "ETH-USD" };
static struct xr_config CFG;

static struct xr_fix_client_cfg
session_cfg(const char *name, const char *sender, uint32_t default_user)
{
	struct xr_fix_client_cfg c = { .default_user = default_user, .heartbeat_s = 60 };

	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.begin_string, sizeof(c.begin_string), "FIX.4.4");
	snprintf(c.sender_comp_id, sizeof(c.sender_comp_id), "%s", sender);
	snprintf(c.target_comp_id, sizeof(c.target_comp_id), "XROUTE");
	c.users.all = true;
	return c;
}

static struct xr_fix_client_cfg SESS[2];

static struct xr_fix_gateway *
gw_new(uint32_t max_orders)
{
	char err[256] = "";
	struct xr_fix_gateway *gw =
		xr_fix_gateway_create(SESS, 2, "127.0.0.1:0", NAMES, max_orders, err, sizeof(err));

	cr_assert_not_null(gw, "create: %s", err);
	cr_assert_gt(xr_fix_gateway_port(gw), 0);
	xr_fix_gateway_set_log(gw, on_log, NULL);
	return gw;
}

static void
setup(void)
{
	memset(&CFG, 0, sizeof(CFG));
	snprintf(USERS[0].name, sizeof(USERS[0].name), "alice");
	snprintf(USERS[1].name, sizeof(USERS[1].name), "bob");
	CFG.n_users = 2;
	CFG.users = USERS;
	CFG.n_symbols = 2;
	CFG.symbols = SYMBOLS;
	NAMES = xr_names_create(&CFG);
	cr_assert_not_null(NAMES);
	SESS[0] = session_cfg("alpha", "STRAT", 0);
	SESS[1] = session_cfg("beta", "STRAT2", 1);
	N_LOG = 0;
	GW = gw_new(1024);
}

static void
teardown(void)
{
	xr_fix_gateway_destroy(GW);
	xr_names_destroy(NAMES);
}

TestSuite(fix_gateway, .init = setup, .fini = teardown);

static int
pump(void)
{
	NOW += MS;
	return xr_fix_gateway_poll(GW, NOW);
}

/* ------------------------------------------------------------ the clients */

struct cli {
	int fd;
	uint64_t seq; /* next MsgSeqNum we send */
	uint8_t version; /* enum xr_fix_version, FIX 4.4 unless set */
	char sender[32], target[32];
	bool eof;
	size_t rx_len;
	char rx[1 << 16];
	char msg[1 << 14]; /* the last message read, m points into it */
	struct xr_fix_msg m;
	char wbuf[XR_FIX_MAX_MSG];
};

static struct cli *
cli_new(const char *sender)
{
	struct cli *c = calloc(1, sizeof(*c));
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(xr_fix_gateway_port(GW)),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1;

	cr_assert_not_null(c);
	c->seq = 1;
	c->version = XR_FIX_44;
	snprintf(c->sender, sizeof(c->sender), "%s", sender);
	snprintf(c->target, sizeof(c->target), "XROUTE");
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(c->fd, 0);
	cr_assert_eq(connect(c->fd, (struct sockaddr *)&a, sizeof(a)), 0, "%s", strerror(errno));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return c;
}

static void
cli_free(struct cli *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

/* Send all @p len bytes, polling the gateway while the socket is full. */
static void
cli_raw(struct cli *c, const char *b, size_t len)
{
	size_t off = 0;

	for (int k = 0; off < len && k < 100000; k++) {
		ssize_t n = send(c->fd, b + off, len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0)
			off += (size_t)n;
		else
			cr_assert(errno == EAGAIN || errno == EWOULDBLOCK, "send: %s",
				  strerror(errno));
		if (off < len)
			pump();
	}
	cr_assert_eq(off, len, "sent %zu of %zu", off, len);
}

static void
cli_begin(struct cli *c, struct xr_fix_writer *w, const char *type)
{
	xr_fix_begin(w, c->wbuf, sizeof(c->wbuf), (enum xr_fix_version)c->version, type);
	xr_fix_put_str(w, 49, c->sender, strlen(c->sender));
	xr_fix_put_str(w, 56, c->target, strlen(c->target));
	xr_fix_put_u64(w, 34, c->seq++);
	xr_fix_put_time(w, 52, UINT64_C(1767225600) * SEC);
}

static void
cli_send(struct cli *c, struct xr_fix_writer *w)
{
	const char *out;
	size_t len;

	cr_assert_eq(xr_fix_finish(w, &out, &len), 0);
	cli_raw(c, out, len);
}

static void
cli_logon(struct cli *c)
{
	struct xr_fix_writer w;

	cli_begin(c, &w, "A");
	xr_fix_put_u64(&w, 98, 0);
	xr_fix_put_u64(&w, 108, 30);
	cli_send(c, &w);
}

/* Read the next message (polling the gateway meanwhile) into c->m.
 * @return true, or false on EOF or when SPINS polls brought nothing. */
static bool
cli_read(struct cli *c)
{
	for (int k = 0; k < SPINS; k++) {
		size_t mlen = 0;
		enum xr_fix_error why;
		if (c->rx_len > 0) {
			int rc = xr_fix_frame_max(c->rx, c->rx_len, sizeof(c->msg), &mlen, &why);
			cr_assert_geq(rc, 0, "the gateway sent a malformed frame (%s)",
				      xr_fix_error_name(why));
			if (rc == 1) {
				memcpy(c->msg, c->rx, mlen);
				memmove(c->rx, c->rx + mlen, c->rx_len - mlen);
				c->rx_len -= mlen;
				cr_assert_eq(xr_fix_parse(c->msg, mlen, &c->m, &why), 0);
				return true;
			}
		}
		if (c->eof)
			return false;
		pump();
		ssize_t n = recv(c->fd, c->rx + c->rx_len, sizeof(c->rx) - c->rx_len, MSG_DONTWAIT);
		if (n > 0)
			c->rx_len += (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			c->eof = true;
	}
	return false;
}

/* The next message must be of @p type. */
static void
cli_expect(struct cli *c, const char *type)
{
	cr_assert(cli_read(c), "%s: no message (expected 35=%s)", c->sender, type);
	cr_assert_str_eq(c->m.msg_type, type, "%s: got 35=%s, expected 35=%s", c->sender,
			 c->m.msg_type, type);
}

/* Field @p tag of the last message as a string ("" if absent). */
static const char *
f(struct cli *c, uint32_t tag)
{
	static char buf[8][128];
	static unsigned k;
	const char *v;
	uint32_t len;
	char *out = buf[k++ % 8];

	out[0] = '\0';
	if (xr_fix_get_str(&c->m, tag, &v, &len)) {
		len = len < 127 ? len : 127;
		memcpy(out, v, len);
		out[len] = '\0';
	}
	return out;
}

#define EXPECT_FIELD(c, tag, want)                                                      \
	cr_assert_str_eq(f((c), (tag)), (want), "35=%s tag %u: \"%s\", expected \"%s\"", \
			 (c)->m.msg_type, (unsigned)(tag), f((c), (tag)), (want))

/* Wait until the gateway closed the connection. */
static void
cli_expect_eof(struct cli *c)
{
	for (int k = 0; k < 100 && !c->eof; k++)
		cli_read(c); /* anything still queued is skipped */
	cr_assert(c->eof, "%s: the gateway did not close", c->sender);
}

static struct cli *
cli_on(const char *sender)
{
	struct cli *c = cli_new(sender);

	cli_logon(c);
	cli_expect(c, "A");
	return c;
}

/* A NewOrderSingle; @p account NULL = none; @p px NULL = market. */
static void
cli_nos(struct cli *c, const char *clordid, const char *account, const char *symbol,
	char side, const char *qty, const char *px)
{
	struct xr_fix_writer w;

	cli_begin(c, &w, "D");
	if (account != NULL)
		xr_fix_put_str(&w, 1, account, strlen(account));
	xr_fix_put_str(&w, 11, clordid, strlen(clordid));
	xr_fix_put_char(&w, 21, '1');
	xr_fix_put_str(&w, 55, symbol, strlen(symbol));
	xr_fix_put_char(&w, 54, side);
	xr_fix_put_time(&w, 60, UINT64_C(1767225600) * SEC);
	if (qty != NULL)
		xr_fix_put_str(&w, 38, qty, strlen(qty));
	xr_fix_put_char(&w, 40, px != NULL ? '2' : '1');
	if (px != NULL)
		xr_fix_put_str(&w, 44, px, strlen(px));
	cli_send(c, &w);
}

static void
cli_cancel(struct cli *c, const char *clordid, const char *orig)
{
	struct xr_fix_writer w;

	cli_begin(c, &w, "F");
	xr_fix_put_str(&w, 41, orig, strlen(orig));
	xr_fix_put_str(&w, 11, clordid, strlen(clordid));
	xr_fix_put_str(&w, 55, "BTC-USD", 7);
	xr_fix_put_char(&w, 54, '1');
	xr_fix_put_time(&w, 60, UINT64_C(1767225600) * SEC);
	cli_send(c, &w);
}

/* Poll until next() gives a message. */
static uint32_t
next_msg(struct xr_msg *m)
{
	uint32_t session = UINT32_MAX;

	for (int k = 0; k < SPINS; k++) {
		if (xr_fix_gateway_next(GW, m, &session) == 1)
			return session;
		pump();
	}
	cr_assert_fail("next(): nothing within %d polls", SPINS);
	return session;
}

/* Nothing more for next() after a few polls. */
static void
next_none(void)
{
	struct xr_msg m;
	uint32_t s;

	for (int k = 0; k < 50; k++)
		pump();
	cr_assert_eq(xr_fix_gateway_next(GW, &m, &s), 0, "next() gave signal_id %llu",
		     (unsigned long long)m.signal_id);
}

/* The client sends a TestRequest: the next message must be its Heartbeat
 * (nothing else was pending). */
static void
cli_nothing_pending(struct cli *c, const char *id)
{
	struct xr_fix_writer w;

	cli_begin(c, &w, "1");
	xr_fix_put_str(&w, 112, id, strlen(id));
	cli_send(c, &w);
	cli_expect(c, "0");
	EXPECT_FIELD(c, 112, id);
}

static struct xr_client_event
ev(uint64_t id, uint32_t kind, int64_t qty, int64_t px)
{
	return (struct xr_client_event){ .signal_id = id, .kind = kind, .qty = qty, .px = px };
}

static struct xr_client_event
result(uint64_t id, enum xr_final final, enum xr_reason reason, int64_t qty, int64_t px)
{
	struct xr_client_event e = ev(id, XR_CEV_RESULT, qty, px);

	e.final = (uint8_t)final;
	e.reason = (uint16_t)reason;
	return e;
}

#define Q(x) ((int64_t)((x) * 100000000.0 + 0.5)) /* qty/px literal, test only */

/* --------------------------------------------------------------- Logon */

Test(fix_gateway, logon_binds_the_session_by_compids)
{
	struct xr_fix_gateway_stats st;
	struct cli *c = cli_on("STRAT");

	EXPECT_FIELD(c, 49, "XROUTE");
	EXPECT_FIELD(c, 56, "STRAT");
	EXPECT_FIELD(c, 108, "30"); /* the initiator's HeartBtInt, adopted */
	EXPECT_FIELD(c, 34, "1");
	xr_fix_gateway_stats(GW, &st);
	cr_assert_eq(st.sessions_up, 1);
	cr_assert_eq(st.sessions_bound, 1);
	cr_assert_eq(xr_fix_gateway_session(GW, 0)->state, XR_FIX_S_ACTIVE);
	cr_assert_eq(xr_fix_gateway_session(GW, 1)->state, XR_FIX_S_DOWN);
	cr_assert(logged("fix_client alpha (STRAT -> XROUTE, peer 127.0.0.1:", "logged on"));
	struct pollfd fds[80];
	cr_assert_eq(xr_fix_gateway_pollfds(GW, fds, 80), 2); /* listener + session */
	cr_assert_eq(xr_fix_gateway_pollfds(GW, NULL, 0), 1 + (int)XR_FIX_GW_MAX_PENDING + 2);
	cli_free(c);
}

Test(fix_gateway, unknown_compid_gets_logout_and_close_others_unaffected)
{
	struct cli *b = cli_on("STRAT2");
	struct cli *x = cli_new("INTRUDER");
	struct xr_fix_gateway_stats st;
	struct xr_msg m;

	cli_logon(x);
	cli_expect(x, "5");
	cr_assert(strstr(f(x, 58), "unknown SenderCompID/TargetCompID INTRUDER/XROUTE") != NULL,
		  "Text: %s", f(x, 58));
	EXPECT_FIELD(x, 56, "INTRUDER");
	cli_expect_eof(x);
	cr_assert(logged("refused", "unknown SenderCompID"));
	xr_fix_gateway_stats(GW, &st);
	cr_assert_eq(st.logons_refused, 1);

	cli_nos(b, "B1", NULL, "ETH-USD", '2', "2", "3000");
	cr_assert_eq(next_msg(&m), 1);
	cr_assert_eq(m.user, 1); /* beta's default user: bob */
	cr_assert_eq(xr_fix_gateway_session(GW, 1)->state, XR_FIX_S_ACTIVE);
	cli_free(x);
	cli_free(b);
}

Test(fix_gateway, first_message_not_logon_is_closed_without_a_message)
{
	struct cli *c = cli_new("STRAT");

	cli_nos(c, "X1", NULL, "BTC-USD", '1', "1", "100");
	cr_assert_not(cli_read(c), "a message came: 35=%s", c->m.msg_type);
	cr_assert(c->eof);
	cr_assert(logged("not Logon", NULL));
	cr_assert_eq(xr_fix_gateway_session(GW, 0)->state, XR_FIX_S_DOWN);
	cli_free(c);
}

Test(fix_gateway, second_connection_for_a_bound_session_is_refused)
{
	struct cli *a = cli_on("STRAT");
	struct cli *a2 = cli_new("STRAT");
	struct xr_msg m;

	a2->seq = 7;
	cli_logon(a2);
	cli_expect(a2, "5");
	cr_assert(strstr(f(a2, 58), "already logged on") != NULL, "Text: %s", f(a2, 58));
	cli_expect_eof(a2);
	/* The first connection goes on, its MsgSeqNums untouched. */
	cr_assert_eq(xr_fix_gateway_session(GW, 0)->seq->next_in, 2);
	cr_assert_eq(xr_fix_gateway_session(GW, 0)->seq->next_out, 2);
	cli_nos(a, "A1", NULL, "BTC-USD", '1', "1", "100");
	cr_assert_eq(next_msg(&m), 0);
	cli_free(a2);
	cli_free(a);
}

Test(fix_gateway, logon_timeout_closes)
{
	struct cli *c = cli_new("STRAT");

	for (int k = 0; k < 20; k++)
		pump();
	NOW += XR_FIX_GW_LOGON_TIMEOUT_NS;
	cr_assert_not(cli_read(c));
	cr_assert(c->eof);
	cr_assert(logged("no Logon within", NULL));
	cli_free(c);
}

/* --------------------------------------------------------------- orders */

Test(fix_gateway, nos_becomes_a_signal)
{
	struct cli *c = cli_on("STRAT");
	struct xr_msg m;

	cli_nos(c, "C1", "bob", "ETH-USD", '2', "1.5", "2500.25");
	cr_assert_eq(next_msg(&m), 0);
	cr_assert_eq(m.kind, XR_MSG_SIGNAL);
	cr_assert_eq(m.signal_id, 1);
	cr_assert_eq(m.user, 1);
	cr_assert_eq(m.symbol, 1);
	cr_assert_eq(m.side, XR_SIDE_SELL);
	cr_assert_eq(m.qty, Q(1.5));
	cr_assert_eq(m.order_qty, Q(1.5));
	cr_assert_eq(m.limit_px, Q(2500.25));
	cr_assert_eq(m.ord_type, XR_ORD_LIMIT);
	cr_assert_eq(m.tif, XR_TIF_DAY);
	cr_assert_eq(m.signal_type, XR_SIG_ENTRY);
	cr_assert_eq(m.strategy, XR_STRAT_DEFAULT);
	cr_assert_eq(m.venue, XR_VENUE_NONE);
	cr_assert_eq(m.reason, XR_R_NONE);
	cr_assert_eq(m.line, 0);
	cr_assert_gt(m.ts_ns, 0);
	cr_assert_leq((uint64_t)m.ts_ns, NOW);

	cli_nos(c, "C2", NULL, "BTC-USD", '1', "2", NULL); /* market, no Account */
	cr_assert_eq(next_msg(&m), 0);
	cr_assert_eq(m.signal_id, 2);
	cr_assert_eq(m.user, 0); /* alpha's default user: alice */
	cr_assert_eq(m.symbol, 0);
	cr_assert_eq(m.side, XR_SIDE_BUY);
	cr_assert_eq(m.ord_type, XR_ORD_MARKET);
	cr_assert_eq(m.limit_px, 0);

	cli_nos(c, "C3", "mallory", "DOGE-USD", '1', "1", "1");
	cr_assert_eq(next_msg(&m), 0);
	cr_assert_eq(m.signal_id, 3);
	cr_assert_eq(m.user, XR_SIGNAL_UNKNOWN_USER);
	cr_assert_eq(m.symbol, XR_SIGNAL_UNKNOWN_SYMBOL);
	next_none();
	struct xr_fix_gateway_stats st;
	xr_fix_gateway_stats(GW, &st);
	cr_assert_eq(st.orders, 3);
	cli_free(c);
}

Test(fix_gateway, events_become_execution_reports)
{
	struct cli *c = cli_on("STRAT");
	struct xr_msg m;

	cli_nos(c, "E1", NULL, "BTC-USD", '1', "1", "120");
	cr_assert_eq(next_msg(&m), 0);
	struct xr_client_event e = ev(m.signal_id, XR_CEV_NEW, 0, 0);
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), 0);
	cli_expect(c, "8");
	EXPECT_FIELD(c, 150, "0");
	EXPECT_FIELD(c, 39, "0");
	EXPECT_FIELD(c, 37, "1");
	EXPECT_FIELD(c, 11, "E1");
	EXPECT_FIELD(c, 14, "0");
	EXPECT_FIELD(c, 151, "1");
	char *exec1 = strdup(f(c, 17));

	e = ev(m.signal_id, XR_CEV_FILL, Q(0.4), Q(100));
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), 0);
	cli_expect(c, "8");
	EXPECT_FIELD(c, 150, "F");
	EXPECT_FIELD(c, 39, "1");
	EXPECT_FIELD(c, 32, "0.4");
	EXPECT_FIELD(c, 31, "100");
	EXPECT_FIELD(c, 14, "0.4");
	EXPECT_FIELD(c, 151, "0.6");
	EXPECT_FIELD(c, 6, "100");
	cr_assert_str_neq(f(c, 17), exec1);

	e = ev(m.signal_id, XR_CEV_FILL, Q(0.6), Q(110));
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), 0);
	cli_expect(c, "8");
	EXPECT_FIELD(c, 150, "F");
	EXPECT_FIELD(c, 39, "2");
	EXPECT_FIELD(c, 32, "0.6");
	EXPECT_FIELD(c, 31, "110");
	EXPECT_FIELD(c, 14, "1");
	EXPECT_FIELD(c, 151, "0");
	EXPECT_FIELD(c, 6, "106"); /* (0.4 * 100 + 0.6 * 110) / 1 */

	/* The result after Filled: no further report. */
	e = result(m.signal_id, XR_FINAL_FILLED, XR_R_NONE, Q(1), Q(106));
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), 0);
	cli_nothing_pending(c, "T1");
	/* Ended: a cancel is too late. */
	cli_cancel(c, "E1-C", "E1");
	cli_expect(c, "9");
	EXPECT_FIELD(c, 102, "0");
	EXPECT_FIELD(c, 39, "2");
	EXPECT_FIELD(c, 37, "1");
	EXPECT_FIELD(c, 434, "1");
	next_none();
	e = ev(m.signal_id, XR_CEV_FILL, Q(0.1), Q(100));
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), -EALREADY);
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &(struct xr_client_event){ .signal_id = 99,
								      .kind = XR_CEV_NEW }),
		     -ENOENT);
	free(exec1);
	cli_free(c);
}

Test(fix_gateway, fill_before_new_sends_new_first_and_odd_avg_px_is_exact)
{
	struct cli *c = cli_on("STRAT");
	struct xr_msg m;

	cli_nos(c, "F1", NULL, "BTC-USD", '1', "3", "200");
	cr_assert_eq(next_msg(&m), 0);
	struct xr_client_event e = ev(m.signal_id, XR_CEV_FILL, Q(1), Q(100));
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), 0);
	cli_expect(c, "8");
	EXPECT_FIELD(c, 150, "0");
	cli_expect(c, "8");
	EXPECT_FIELD(c, 39, "1");
	e = ev(m.signal_id, XR_CEV_FILL, Q(1), Q(101));
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), 0);
	cli_expect(c, "8");
	EXPECT_FIELD(c, 6, "100.5");
	e = ev(m.signal_id, XR_CEV_FILL, Q(1), Q(101));
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), 0);
	cli_expect(c, "8");
	EXPECT_FIELD(c, 39, "2");
	EXPECT_FIELD(c, 6, "100.66666666"); /* 302 / 3, truncated at 8 places */
	cli_free(c);
}

Test(fix_gateway, result_reject_before_new_is_er_rejected)
{
	struct cli *c = cli_on("STRAT");
	struct xr_msg m;

	cli_nos(c, "R1", NULL, "BTC-USD", '1', "100", "10");
	cr_assert_eq(next_msg(&m), 0);
	struct xr_client_event e = result(m.signal_id, XR_FINAL_REJECTED, XR_R_MAX_QTY, 0, 0);
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), 0);
	cli_expect(c, "8");
	EXPECT_FIELD(c, 150, "8");
	EXPECT_FIELD(c, 39, "8");
	EXPECT_FIELD(c, 103, "3");
	EXPECT_FIELD(c, 58, "max_order_qty");
	EXPECT_FIELD(c, 11, "R1");

	cli_nos(c, "R2", "mallory", "BTC-USD", '1', "1", "10");
	cr_assert_eq(next_msg(&m), 0);
	e = result(m.signal_id, XR_FINAL_REJECTED, XR_R_UNKNOWN_USER, 0, 0);
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), 0);
	cli_expect(c, "8");
	EXPECT_FIELD(c, 103, "99");
	EXPECT_FIELD(c, 58, "unknown_user");

	cli_nos(c, "R3", NULL, "DOGE-USD", '1', "1", "10");
	cr_assert_eq(next_msg(&m), 0);
	e = result(m.signal_id, XR_FINAL_REJECTED, XR_R_UNKNOWN_SYMBOL, 0, 0);
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), 0);
	cli_expect(c, "8");
	EXPECT_FIELD(c, 103, "1");
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), -EALREADY);
	cli_free(c);
}

Test(fix_gateway, result_partial_is_canceled_with_cum_qty_and_open_sends_nothing)
{
	struct cli *c = cli_on("STRAT");
	struct xr_msg m;

	cli_nos(c, "P1", NULL, "BTC-USD", '1', "2", "10");
	cr_assert_eq(next_msg(&m), 0);
	struct xr_client_event e = ev(m.signal_id, XR_CEV_NEW, 0, 0);
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), 0);
	cli_expect(c, "8");
	e = ev(m.signal_id, XR_CEV_FILL, Q(0.5), Q(10));
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), 0);
	cli_expect(c, "8");
	e = result(m.signal_id, XR_FINAL_PARTIALLY_FILLED, XR_R_NO_LIQUIDITY, Q(0.5), Q(10));
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), 0);
	cli_expect(c, "8");
	EXPECT_FIELD(c, 150, "4");
	EXPECT_FIELD(c, 39, "4");
	EXPECT_FIELD(c, 14, "0.5");
	EXPECT_FIELD(c, 151, "0");
	EXPECT_FIELD(c, 6, "10");
	EXPECT_FIELD(c, 58, "no_liquidity");
	EXPECT_FIELD(c, 11, "P1");

	cli_nos(c, "O1", NULL, "BTC-USD", '1', "2", "10");
	cr_assert_eq(next_msg(&m), 0);
	e = ev(m.signal_id, XR_CEV_NEW, 0, 0);
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), 0);
	cli_expect(c, "8");
	e = result(m.signal_id, XR_FINAL_OPEN, XR_R_LEFT_OPEN, 0, 0);
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), 0);
	cli_nothing_pending(c, "T2");
	cli_cancel(c, "O1-C", "O1");
	cli_expect(c, "9");
	EXPECT_FIELD(c, 102, "0");
	EXPECT_FIELD(c, 39, "0"); /* still New at the venue */
	cli_free(c);
}

Test(fix_gateway, result_totals_differing_from_fills_are_trusted_and_logged)
{
	struct cli *c = cli_on("STRAT");
	struct xr_msg m;
	struct xr_fix_gateway_stats st;

	cli_nos(c, "M1", NULL, "BTC-USD", '1', "2", "10");
	cr_assert_eq(next_msg(&m), 0);
	struct xr_client_event e = ev(m.signal_id, XR_CEV_FILL, Q(1), Q(10));
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), 0);
	cli_expect(c, "8"); /* New */
	cli_expect(c, "8"); /* partial */
	/* A fill was lost on the way: the result says all filled, avg 11. */
	e = result(m.signal_id, XR_FINAL_FILLED, XR_R_NONE, Q(2), Q(11));
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), 0);
	cli_expect(c, "8");
	EXPECT_FIELD(c, 39, "2");
	EXPECT_FIELD(c, 32, "1");
	EXPECT_FIELD(c, 31, "12");
	EXPECT_FIELD(c, 14, "2");
	EXPECT_FIELD(c, 6, "11");
	xr_fix_gateway_stats(GW, &st);
	cr_assert_eq(st.result_mismatches, 1);
	cr_assert(logged("the result is trusted", "M1"));
	cli_free(c);
}

Test(fix_gateway, fix42_session_uses_fix42_values)
{
	struct xr_msg m;

	xr_fix_gateway_destroy(GW);
	snprintf(SESS[1].begin_string, sizeof(SESS[1].begin_string), "FIX.4.2");
	GW = gw_new(16);
	struct cli *c = cli_new("STRAT2");
	c->version = XR_FIX_42;
	cli_logon(c);
	cli_expect(c, "A");
	cr_assert_eq(c->m.version, XR_FIX_42);
	cli_nos(c, "V1", NULL, "BTC-USD", '1', "2", "10");
	cr_assert_eq(next_msg(&m), 1);
	struct xr_client_event e = ev(m.signal_id, XR_CEV_FILL, Q(1), Q(10));
	cr_assert_eq(xr_fix_gateway_event(GW, 1, &e), 0);
	cli_expect(c, "8");
	EXPECT_FIELD(c, 150, "0");
	EXPECT_FIELD(c, 20, "0");
	cli_expect(c, "8");
	EXPECT_FIELD(c, 150, "1"); /* 4.2: Partial fill */
	EXPECT_FIELD(c, 39, "1");
	e = ev(m.signal_id, XR_CEV_FILL, Q(1), Q(10));
	cr_assert_eq(xr_fix_gateway_event(GW, 1, &e), 0);
	cli_expect(c, "8");
	EXPECT_FIELD(c, 150, "2");
	cli_nos(c, "V2", NULL, "BTC-USD", '1', "2", "10");
	cr_assert_eq(next_msg(&m), 1);
	e = result(m.signal_id, XR_FINAL_REJECTED, XR_R_NOT_AUTHORIZED, 0, 0);
	cr_assert_eq(xr_fix_gateway_event(GW, 1, &e), 0);
	cli_expect(c, "8");
	EXPECT_FIELD(c, 103, "0"); /* 4.2 lacks 99 Other */
	EXPECT_FIELD(c, 58, "not_authorized");
	/* A 4.4 Logon with beta's CompIDs is refused by the session itself. */
	cli_free(c);
	for (int k = 0; k < 50 && xr_fix_gateway_session(GW, 1)->state != XR_FIX_S_DOWN; k++)
		pump();
	c = cli_new("STRAT2");
	cli_logon(c);
	cli_expect(c, "5");
	cr_assert(strstr(f(c, 58), "BeginString") != NULL, "Text: %s", f(c, 58));
	cli_free(c);
}

Test(fix_gateway, events_while_the_session_is_down_are_dropped_and_counted)
{
	struct cli *c = cli_on("STRAT");
	struct xr_msg m;
	struct xr_fix_gateway_stats st;

	cli_nos(c, "W1", NULL, "BTC-USD", '1', "1", "10");
	cr_assert_eq(next_msg(&m), 0);
	uint64_t seq = c->seq;
	cli_free(c);
	for (int k = 0; k < 50 && xr_fix_gateway_session(GW, 0)->state != XR_FIX_S_DOWN; k++)
		pump();
	struct xr_client_event e = result(m.signal_id, XR_FINAL_CANCELED, XR_R_NO_LIQUIDITY, 0, 0);
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), -ENOTCONN);
	xr_fix_gateway_stats(GW, &st);
	cr_assert_eq(st.events_dropped, 1);
	cr_assert(logged("W1", "report not sent"));
	/* The order ended all the same: after a reconnect, a cancel is too
	 * late. */
	c = cli_new("STRAT");
	c->seq = seq;
	cli_logon(c);
	cli_expect(c, "A");
	cli_cancel(c, "W1-C", "W1");
	cli_expect(c, "9");
	EXPECT_FIELD(c, 102, "0");
	EXPECT_FIELD(c, 39, "4");
	cli_free(c);
}

/* --------------------------------------------------------------- cancels */

Test(fix_gateway, cancel_of_a_live_order_becomes_a_cancel_signal)
{
	struct cli *c = cli_on("STRAT");
	struct xr_msg m;

	cli_nos(c, "K1", "bob", "BTC-USD", '1', "1", "10");
	cr_assert_eq(next_msg(&m), 0);
	uint64_t id = m.signal_id;
	cli_cancel(c, "K1-C", "K1");
	cr_assert_eq(next_msg(&m), 0);
	cr_assert_eq(m.kind, XR_MSG_CONTROL);
	cr_assert_eq(m.reason, XR_CTL_CANCEL_SIGNAL);
	cr_assert_eq(m.signal_id, id);
	cr_assert_eq(m.user, 1);
	/* A second cancel while the first is pending. */
	cli_cancel(c, "K1-C2", "K1");
	cli_expect(c, "9");
	EXPECT_FIELD(c, 102, "3");
	next_none();
	struct xr_client_event e = result(id, XR_FINAL_CANCELED, XR_R_NONE, 0, 0);
	e.reason = XR_R_STOPPED;
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), 0);
	cli_expect(c, "8");
	EXPECT_FIELD(c, 39, "4");
	EXPECT_FIELD(c, 11, "K1-C");
	EXPECT_FIELD(c, 41, "K1");
	EXPECT_FIELD(c, 58, "stopped");
	struct xr_fix_gateway_stats st;
	xr_fix_gateway_stats(GW, &st);
	cr_assert_eq(st.cancels, 1);
	cr_assert_eq(st.cancel_rejects, 1);
	cli_free(c);
}

Test(fix_gateway, cancel_of_an_unknown_order_is_rejected)
{
	struct cli *c = cli_on("STRAT");

	cli_cancel(c, "U-C", "NOPE");
	cli_expect(c, "9");
	EXPECT_FIELD(c, 37, "NONE");
	EXPECT_FIELD(c, 11, "U-C");
	EXPECT_FIELD(c, 41, "NOPE");
	EXPECT_FIELD(c, 39, "8");
	EXPECT_FIELD(c, 434, "1");
	EXPECT_FIELD(c, 102, "1");
	next_none();
	cli_free(c);
}

Test(fix_gateway, engine_cancel_reject_answers_the_pending_cancel)
{
	struct cli *c = cli_on("STRAT");
	struct xr_msg m;

	cli_nos(c, "Z1", NULL, "BTC-USD", '1', "1", "10");
	cr_assert_eq(next_msg(&m), 0);
	cli_cancel(c, "Z1-C", "Z1");
	cr_assert_eq(next_msg(&m), 0);
	struct xr_client_event e = ev(m.signal_id, XR_CEV_CANCEL_REJECT, 0, 0);
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), 0);
	cli_expect(c, "9");
	EXPECT_FIELD(c, 11, "Z1-C");
	EXPECT_FIELD(c, 102, "0");
	cli_free(c);
}

/* --------------------------------------------------------------- bad input */

Test(fix_gateway, duplicate_clordid_is_rejected)
{
	struct cli *c = cli_on("STRAT");
	struct xr_msg m;
	struct xr_fix_gateway_stats st;

	cli_nos(c, "D1", NULL, "BTC-USD", '1', "1", "10");
	cr_assert_eq(next_msg(&m), 0);
	cli_nos(c, "D1", NULL, "BTC-USD", '1', "1", "10");
	cli_expect(c, "8");
	EXPECT_FIELD(c, 39, "8");
	EXPECT_FIELD(c, 150, "8");
	EXPECT_FIELD(c, 103, "6");
	EXPECT_FIELD(c, 11, "D1");
	cr_assert(strstr(f(c, 58), "duplicate") != NULL, "Text: %s", f(c, 58));
	next_none();
	xr_fix_gateway_stats(GW, &st);
	cr_assert_eq(st.dup_clordids, 1);
	/* Another session may use the same ClOrdID. */
	struct cli *b = cli_on("STRAT2");
	cli_nos(b, "D1", NULL, "BTC-USD", '1', "1", "10");
	cr_assert_eq(next_msg(&m), 1);
	cli_free(b);
	cli_free(c);
}

Test(fix_gateway, malformed_nos_gets_session_reject)
{
	struct cli *c = cli_on("STRAT");

	cli_nos(c, "B1", NULL, "BTC-USD", '1', NULL, "10"); /* no OrderQty */
	cli_expect(c, "3");
	EXPECT_FIELD(c, 373, "1");
	EXPECT_FIELD(c, 371, "38");
	EXPECT_FIELD(c, 45, "2");
	cli_nos(c, "B2", NULL, "BTC-USD", '7', "1", "10"); /* Side 7: valid, unsupported */
	cli_expect(c, "8");
	EXPECT_FIELD(c, 39, "8");
	EXPECT_FIELD(c, 103, "11");
	next_none();
	cr_assert(logged("fix_client alpha", "OrderQty (38): missing"));
	struct xr_fix_gateway_stats st;
	xr_fix_gateway_stats(GW, &st);
	cr_assert_eq(st.session_rejects, 1);
	cli_free(c);
}

Test(fix_gateway, unsupported_msgtype_gets_business_reject)
{
	struct cli *c = cli_on("STRAT");
	struct xr_fix_writer w;

	cli_begin(c, &w, "G"); /* OrderCancelReplaceRequest */
	xr_fix_put_str(&w, 11, "G1", 2);
	cli_send(c, &w);
	cli_expect(c, "j");
	EXPECT_FIELD(c, 380, "3");
	EXPECT_FIELD(c, 372, "G");
	cli_free(c);
}

Test(fix_gateway, one_megabyte_message_is_dropped_and_the_session_goes_on)
{
	struct cli *a = cli_on("STRAT");
	struct cli *b = cli_on("STRAT2");
	struct xr_msg m;
	size_t big = 1024 * 1024;
	char *msg = malloc(big + 256);

	/* A NOS with a 1 MB Text, framed correctly (MsgSeqNum 2). */
	char body[256];
	int hl = snprintf(body, sizeof(body), "35=D\x01" "49=STRAT\x01" "56=XROUTE\x01"
			  "34=%llu\x01" "52=20260101-00:00:00.000\x01" "58=",
			  (unsigned long long)a->seq++);
	size_t blen = (size_t)hl + big + 1;
	int n = snprintf(msg, 64, "8=FIX.4.4\x01" "9=%zu\x01", blen);
	memcpy(msg + n, body, (size_t)hl);
	memset(msg + n + hl, 'x', big);
	msg[n + hl + big] = '\x01';
	size_t len = (size_t)n + blen;
	unsigned sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += (unsigned char)msg[i];
	len += (size_t)snprintf(msg + len, 16, "10=%03u\x01", sum % 256);
	cli_raw(a, msg, len);
	free(msg);
	/* Meanwhile beta trades. */
	cli_nos(b, "BB1", NULL, "BTC-USD", '1', "1", "10");
	cr_assert_eq(next_msg(&m), 1);

	/* alpha's next NOS (MsgSeqNum 3) shows the gap: ResendRequest 2. */
	cli_nos(a, "AA1", NULL, "BTC-USD", '1', "1", "10");
	cli_expect(a, "2");
	EXPECT_FIELD(a, 7, "2");
	/* The client cannot resend it either: GapFill 2 -> 3, then the NOS
	 * again as a PossDup. */
	struct xr_fix_writer w;
	uint64_t keep = a->seq;
	a->seq = 2;
	cli_begin(a, &w, "4");
	xr_fix_put_char(&w, 43, 'Y');
	xr_fix_put_char(&w, 123, 'Y');
	xr_fix_put_u64(&w, 36, 3);
	cli_send(a, &w);
	a->seq = 3;
	cli_begin(a, &w, "D");
	xr_fix_put_char(&w, 43, 'Y');
	xr_fix_put_str(&w, 11, "AA1", 3);
	xr_fix_put_str(&w, 55, "BTC-USD", 7);
	xr_fix_put_char(&w, 54, '1');
	xr_fix_put_str(&w, 38, "1", 1);
	xr_fix_put_char(&w, 40, '2');
	xr_fix_put_str(&w, 44, "10", 2);
	cli_send(a, &w);
	a->seq = keep;
	cr_assert_eq(next_msg(&m), 0);
	cr_assert_eq(m.kind, XR_MSG_SIGNAL);
	cr_assert(logged("fix_client alpha (STRAT -> XROUTE, peer 127.0.0.1:", "oversize"));
	cr_assert_eq(xr_fix_gateway_session(GW, 0)->state, XR_FIX_S_ACTIVE);
	cr_assert_eq(xr_fix_gateway_session(GW, 1)->state, XR_FIX_S_ACTIVE);
	cli_nothing_pending(b, "TB");
	cli_free(a);
	cli_free(b);
}

Test(fix_gateway, garbage_and_bad_seq_hurt_only_their_session)
{
	struct cli *a = cli_on("STRAT");
	struct cli *b = cli_on("STRAT2");
	struct xr_msg m;

	cli_raw(a, "garbage garbage garbage\x01", 24);
	cli_nothing_pending(a, "TA"); /* dropped, the session goes on */
	/* MsgSeqNum too low without PossDupFlag: Logout and close (Vol. 2,
	 * "MsgSeqNum too low"). */
	struct xr_fix_writer w;
	a->seq = 1;
	cli_begin(a, &w, "1");
	xr_fix_put_str(&w, 112, "TA2", 3);
	cli_send(a, &w);
	cli_expect(a, "5");
	cr_assert(strstr(f(a, 58), "MsgSeqNum too low") != NULL, "Text: %s", f(a, 58));
	cli_expect_eof(a);
	cli_free(a);
	cr_assert(logged("fix_client alpha (STRAT -> XROUTE", "MsgSeqNum too low"));
	cli_nos(b, "G1", NULL, "BTC-USD", '1', "1", "10");
	cr_assert_eq(next_msg(&m), 1);
	cli_free(b);
}

/* A deterministic stream of hostile bytes: FIX-looking fragments, wrong
 * lengths and checksums, stray SOHs, binary noise. */
static uint64_t RNG = 0x9e3779b97f4a7c15u;

static uint32_t
rnd(uint32_t n)
{
	RNG ^= RNG << 13;
	RNG ^= RNG >> 7;
	RNG ^= RNG << 17;
	return (uint32_t)(RNG % n);
}

static size_t
hostile_chunk(char *buf, size_t cap)
{
	static const char *const bits[] = {
		"8=FIX.4.4\x01", "9=", "35=D\x01", "34=", "10=000\x01", "\x01", "=", "49=STRAT\x01",
		"56=XROUTE\x01", "8=FIX.4.2\x01", "9=99999999\x01", "11=\x01", "55=BTC-USD\x01",
	};
	size_t len = 0, n = 1 + rnd(40);

	for (size_t i = 0; i < n && len + 32 < cap; i++) {
		if (rnd(3) == 0) {
			size_t k = 1 + rnd(24);
			for (size_t j = 0; j < k; j++)
				buf[len++] = (char)rnd(256);
		} else {
			const char *b = bits[rnd(sizeof(bits) / sizeof(bits[0]))];
			size_t bl = strlen(b);
			memcpy(buf + len, b, bl);
			len += bl;
			if (rnd(2) == 0)
				len += (size_t)snprintf(buf + len, cap - len, "%u", rnd(100000));
		}
	}
	return len;
}

Test(fix_gateway, hostile_bytes_before_and_after_logon_leave_other_sessions_alone)
{
	struct cli *a = cli_on("STRAT");
	struct cli *b = cli_on("STRAT2");
	char buf[2048];
	struct xr_msg m;
	uint32_t s;
	unsigned orders = 0;

	for (int round = 0; round < 200; round++) {
		size_t len = hostile_chunk(buf, sizeof(buf));
		if (a != NULL && !a->eof) {
			if (send(a->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
				a->eof = true;
		}
		if (round % 20 == 0) { /* strangers before any Logon */
			struct cli *x = cli_new("STRAT");
			len = hostile_chunk(buf, sizeof(buf));
			(void)!send(x->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
			for (int k = 0; k < 5; k++)
				pump();
			cli_free(x);
		}
		char id[16];
		snprintf(id, sizeof(id), "H%d", round);
		cli_nos(b, id, NULL, "BTC-USD", '1', "1", "10");
		for (int k = 0; k < 3; k++) {
			pump();
			while (xr_fix_gateway_next(GW, &m, &s) == 1)
				orders += s == 1;
		}
		/* drain what alpha gets, if anything */
		ssize_t n = recv(a->fd, a->rx, sizeof(a->rx), MSG_DONTWAIT);
		if (n == 0)
			a->eof = true;
	}
	for (int k = 0; k < 100 && orders < 200; k++) {
		pump();
		while (xr_fix_gateway_next(GW, &m, &s) == 1)
			orders += s == 1;
	}
	cr_assert_eq(orders, 200, "beta's orders: %u of 200", orders);
	cr_assert_eq(xr_fix_gateway_session(GW, 1)->state, XR_FIX_S_ACTIVE);
	cli_nothing_pending(b, "TH");
	cli_free(a);
	cli_free(b);
}

/* --------------------------------------------------------------- fairness */

Test(fix_gateway, two_sessions_are_served_fairly)
{
	struct cli *a = cli_on("STRAT");
	struct cli *b = cli_on("STRAT2");
	const unsigned per = 2 * XR_FIX_GW_BURST + 5;
	char id[16];
	unsigned got[2] = { 0, 0 }, polls_both = 0;
	uint64_t last[2] = { 0, 0 };

	for (unsigned i = 0; i < per; i++) {
		snprintf(id, sizeof(id), "A%u", i);
		cli_nos(a, id, NULL, "BTC-USD", '1', "1", "10");
		snprintf(id, sizeof(id), "B%u", i);
		cli_nos(b, id, NULL, "BTC-USD", '1', "1", "10");
	}
	for (int k = 0; k < SPINS && (got[0] < per || got[1] < per); k++) {
		unsigned this_poll[2] = { 0, 0 };
		struct xr_msg m;
		uint32_t s;
		pump();
		while (xr_fix_gateway_next(GW, &m, &s) == 1) {
			cr_assert_lt(s, 2);
			cr_assert_gt(m.signal_id, last[s], "FIFO within a session");
			last[s] = m.signal_id;
			this_poll[s]++;
			got[s]++;
		}
		cr_assert_leq(this_poll[0], XR_FIX_GW_BURST);
		cr_assert_leq(this_poll[1], XR_FIX_GW_BURST);
		polls_both += this_poll[0] > 0 && this_poll[1] > 0;
	}
	cr_assert_eq(got[0], per);
	cr_assert_eq(got[1], per);
	cr_assert_geq(polls_both, 2, "both sessions served in the same polls");
	cli_free(a);
	cli_free(b);
}

Test(fix_gateway, an_undrained_queue_holds_input_back_without_loss)
{
	struct cli *a = cli_on("STRAT");
	const unsigned per = 3 * XR_FIX_GW_BURST;
	char id[16];
	struct xr_msg m;
	uint32_t s;
	unsigned got = 0;

	for (unsigned i = 0; i < per; i++) {
		snprintf(id, sizeof(id), "Q%u", i);
		cli_nos(a, id, NULL, "BTC-USD", '1', "1", "10");
	}
	for (int k = 0; k < 100; k++)
		pump(); /* nobody drains */
	while (xr_fix_gateway_next(GW, &m, &s) == 1)
		got++;
	cr_assert_eq(got, 2 * XR_FIX_GW_BURST); /* the queue's capacity */
	for (int k = 0; k < 100 && got < per; k++) {
		pump();
		while (xr_fix_gateway_next(GW, &m, &s) == 1)
			got++;
	}
	cr_assert_eq(got, per, "got %u of %u", got, per);
	cli_free(a);
}

Test(fix_gateway, full_order_table_reuses_ended_slots_then_rejects)
{
	struct cli *c;
	struct xr_msg m;
	char id[16];

	xr_fix_gateway_destroy(GW);
	GW = gw_new(2);
	c = cli_on("STRAT");
	cli_nos(c, "T1", NULL, "BTC-USD", '1', "1", "10");
	cr_assert_eq(next_msg(&m), 0);
	struct xr_client_event e = result(m.signal_id, XR_FINAL_REJECTED, XR_R_MAX_QTY, 0, 0);
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), 0);
	cli_expect(c, "8");
	for (int i = 2; i <= 3; i++) {
		snprintf(id, sizeof(id), "T%d", i);
		cli_nos(c, id, NULL, "BTC-USD", '1', "1", "10");
		cr_assert_eq(next_msg(&m), 0); /* T3 takes T1's slot */
	}
	cli_nos(c, "T4", NULL, "BTC-USD", '1', "1", "10");
	cli_expect(c, "8");
	EXPECT_FIELD(c, 39, "8");
	EXPECT_FIELD(c, 103, "99");
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &(struct xr_client_event){ .signal_id = 1,
								      .kind = XR_CEV_NEW }),
		     -ENOENT); /* T1 forgotten */
	cli_free(c);
}

/* --------------------------------------------------------------- MsgSeqNums */

Test(fix_gateway, msgseqnums_survive_a_reconnect_and_a_restart_with_a_store)
{
	char dir[] = "/tmp/xr_fix_gw_XXXXXX", path[64];
	struct xr_msg m;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/alpha.seq", dir);
	xr_fix_gateway_destroy(GW);
	snprintf(SESS[0].seq_store, sizeof(SESS[0].seq_store), "%s", path);
	GW = gw_new(1024);

	struct cli *c = cli_on("STRAT"); /* our 1 <- their 1 */
	cli_nos(c, "S1", NULL, "BTC-USD", '1', "1", "10"); /* their 2 */
	cr_assert_eq(next_msg(&m), 0);
	struct xr_client_event e = ev(m.signal_id, XR_CEV_NEW, 0, 0);
	cr_assert_eq(xr_fix_gateway_event(GW, 0, &e), 0);
	cli_expect(c, "8"); /* our 2 */
	EXPECT_FIELD(c, 34, "2");
	uint64_t seq = c->seq;
	cli_free(c);
	for (int k = 0; k < 50 && xr_fix_gateway_session(GW, 0)->state != XR_FIX_S_DOWN; k++)
		pump();
	cr_assert_eq(xr_fix_gateway_session(GW, 0)->state, XR_FIX_S_DOWN);

	/* Reconnect in the same gateway's life. */
	c = cli_new("STRAT");
	c->seq = seq;
	cli_logon(c);
	cli_expect(c, "A");
	EXPECT_FIELD(c, 34, "3");
	seq = c->seq;
	cli_free(c);
	for (int k = 0; k < 50 && xr_fix_gateway_session(GW, 0)->state != XR_FIX_S_DOWN; k++)
		pump();

	/* A new gateway on the same store. */
	xr_fix_gateway_destroy(GW);
	GW = gw_new(1024);
	cr_assert_eq(xr_fix_gateway_session(GW, 0)->seq->next_in, seq);
	c = cli_new("STRAT");
	c->seq = seq;
	cli_logon(c);
	cli_expect(c, "A");
	EXPECT_FIELD(c, 34, "4");
	cli_free(c);
	xr_fix_gateway_destroy(GW);
	GW = NULL;
	unlink(path);
	rmdir(dir);
}

Test(fix_gateway, msgseqnums_survive_a_reconnect_in_memory)
{
	struct cli *c = cli_on("STRAT");

	cli_nothing_pending(c, "X"); /* their 2, our 2 */
	uint64_t seq = c->seq;
	cli_free(c);
	for (int k = 0; k < 50 && xr_fix_gateway_session(GW, 0)->state != XR_FIX_S_DOWN; k++)
		pump();
	c = cli_new("STRAT");
	c->seq = seq;
	cli_logon(c);
	cli_expect(c, "A");
	EXPECT_FIELD(c, 34, "3");
	cli_free(c);
}

Test(fix_gateway, a_client_reconnecting_at_once_is_not_refused)
{
	struct cli *c = cli_on("STRAT");
	uint64_t seq = c->seq;

	cli_free(c); /* its EOF is not read before the new Logon */
	c = cli_new("STRAT");
	c->seq = seq;
	cli_logon(c);
	cli_expect(c, "A");
	EXPECT_FIELD(c, 34, "2");
	cli_free(c);
}

Test(fix_gateway, create_refuses_bad_settings)
{
	char err[256];
	struct xr_fix_client_cfg two[2] = { session_cfg("a", "S", 0), session_cfg("b", "S", 0) };

	cr_assert_null(xr_fix_gateway_create(two, 2, "127.0.0.1:0", NAMES, 8, err, sizeof(err)));
	cr_assert(strstr(err, "fix_client b") != NULL && strstr(err, "same CompIDs") != NULL,
		  "%s", err);
	cr_assert_null(xr_fix_gateway_create(two, 1, "nonsense", NAMES, 8, err, sizeof(err)));
	cr_assert(strstr(err, "HOST:PORT") != NULL, "%s", err);
	snprintf(two[0].begin_string, sizeof(two[0].begin_string), "FIX.5.0");
	cr_assert_null(xr_fix_gateway_create(two, 1, "127.0.0.1:0", NAMES, 8, err, sizeof(err)));
	cr_assert(strstr(err, "begin_string") != NULL, "%s", err);
	two[0] = session_cfg("a", "S", 0);
	snprintf(two[0].seq_store, sizeof(two[0].seq_store), "/nonexistent/dir/x.seq");
	cr_assert_null(xr_fix_gateway_create(two, 1, "127.0.0.1:0", NAMES, 8, err, sizeof(err)));
	cr_assert(strstr(err, "seq_store /nonexistent/dir/x.seq") != NULL, "%s", err);
}
