/*
 * The FIX session layer (connectors/fix/xr_fix_session.h) driven the way a
 * venue drives it: venue messages are built with the codec's writer
 * (SenderCompID = the session's target, TargetCompID = its sender) or, for
 * the malformed corpus, by hand with BodyLength and CheckSum computed here,
 * and appended to rx; everything the session writes to tx is framed and
 * parsed back (it must be valid FIX, with our CompIDs) so tests assert on
 * MsgType and fields. Time is a plain uint64_t handed to input() and
 * tick(): no sleeps.
 *
 * Protocol rules checked: FIX 4.4 Volume 2, "FIX Session Protocol" (Logon,
 * Heartbeat/TestRequest, ResendRequest, SequenceReset, Logout, Reject), as
 * xr_fix_session.h states them.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xr_fix.h"
#include "xr_fix_session.h"

#define SEC UINT64_C(1000000000)
#define T0 (1000 * SEC) /* the clock when the transport connects */
#define HB_S 30		/* HeartBtInt (s) */
#define HB (HB_S * SEC)
#define LOGON_TIMEOUT (10 * SEC)
#define LOGOUT_TIMEOUT (5 * SEC)

/* ------------------------------------------------------------ callbacks */

struct app_seen {
	uint64_t seq;
	bool poss_dup;
	char type[3];
	char clordid[32]; /* ClOrdID (11), "" if none */
};

/* Everything the session called back. */
struct seen {
	struct app_seen app[64];
	unsigned n_app;
	uint64_t gap_begin[8], gap_end[8];
	unsigned n_gap;
	bool up[8];
	unsigned n_state;
	char log[64][256];
	unsigned n_log;
};

static struct seen R;
static struct xr_fix_seq SEQ;
static struct xr_fix_session *S;

static void
on_app(void *ctx, const struct xr_fix_msg *m, uint64_t seq, bool poss_dup, uint64_t now_ns)
{
	struct seen *r = ctx;
	const char *v;
	uint32_t len;

	(void)now_ns;
	cr_assert_lt(r->n_app, 64);
	struct app_seen *a = &r->app[r->n_app++];
	a->seq = seq;
	a->poss_dup = poss_dup;
	memcpy(a->type, m->msg_type, sizeof(a->type));
	a->clordid[0] = '\0';
	if (xr_fix_get_str(m, 11, &v, &len)) {
		cr_assert_lt(len, sizeof(a->clordid));
		memcpy(a->clordid, v, len);
		a->clordid[len] = '\0';
	}
}

static void
on_gap_fill(void *ctx, uint64_t begin, uint64_t end)
{
	struct seen *r = ctx;

	cr_assert_lt(r->n_gap, 8);
	r->gap_begin[r->n_gap] = begin;
	r->gap_end[r->n_gap++] = end;
}

static void
on_state(void *ctx, bool up, uint64_t now_ns)
{
	struct seen *r = ctx;

	(void)now_ns;
	cr_assert_lt(r->n_state, 8);
	r->up[r->n_state++] = up;
}

static void
on_log(void *ctx, enum xr_fix_log_level lvl, const char *text)
{
	struct seen *r = ctx;

	(void)lvl;
	if (r->n_log < 64)
		snprintf(r->log[r->n_log++], sizeof(r->log[0]), "%s", text);
}

static const struct xr_fix_session_ops OPS = {
	.on_app = on_app,
	.on_gap_fill = on_gap_fill,
	.on_state = on_state,
	.on_log = on_log,
};

/* Was a log line containing @p needle written? */
static bool
logged(const char *needle)
{
	for (unsigned i = 0; i < R.n_log; i++)
		if (strstr(R.log[i], needle) != NULL)
			return true;
	return false;
}

static void
setup(void)
{
	memset(&R, 0, sizeof(R));
	memset(&SEQ, 0, sizeof(SEQ));
	S = NULL;
}

static void
teardown(void)
{
	free(S);
}

TestSuite(fix_session, .init = setup, .fini = teardown);

/* ------------------------------------------------------------- sessions */

static struct xr_fix_session_cfg
cfg_of(enum xr_fix_version v)
{
	struct xr_fix_session_cfg c = {
		.version = (uint8_t)v,
		.heartbeat_s = HB_S,
		.logon_timeout_ns = LOGON_TIMEOUT,
		.logout_timeout_ns = LOGOUT_TIMEOUT,
	};
	strcpy(c.sender, "XROUTE");
	strcpy(c.target, "VENUE");
	return c;
}

/* A session (state DOWN) on a store at @p next_out / @p next_in (0, 0: a
 * fresh store, which init sets to 1 / 1). */
static struct xr_fix_session *
sess_new(const struct xr_fix_session_cfg *cfg, uint64_t next_out, uint64_t next_in)
{
	struct xr_fix_session *s = calloc(1, xr_fix_session_size(cfg->max_frame_bytes));

	cr_assert_not_null(s);
	if (next_out != 0)
		SEQ = (struct xr_fix_seq){ .magic = XR_FIX_SEQ_MAGIC, .next_out = next_out,
					   .next_in = next_in };
	cr_assert_eq(xr_fix_session_init(s, cfg, &SEQ, &OPS, &R), 0);
	cr_assert_eq(s->state, XR_FIX_S_DOWN);
	return s;
}

/* ------------------------------------------------------------- tx side */

#define OUT_MAX 16
static char OUTBUF[XR_FIX_TX_CAP];
static struct xr_fix_msg OUT[OUT_MAX];

/*
 * Parse every message in s->tx into OUT[] (each must frame and parse, and
 * carry our BeginString, 49=XROUTE, 56=VENUE, 34 and 52), then empty tx as
 * if the owner had sent it. @return how many.
 */
static unsigned
take_tx(struct xr_fix_session *s)
{
	size_t pos = 0, len = s->tx_len;
	unsigned n = 0;

	memcpy(OUTBUF, s->tx, len);
	while (pos < len) {
		size_t mlen = 0;
		enum xr_fix_error why;
		const char *v;
		uint32_t vl;
		uint64_t seq;

		cr_assert_eq(xr_fix_frame(OUTBUF + pos, len - pos, &mlen, &why), 1,
			     "tx message %u does not frame (%s)", n, xr_fix_error_name(why));
		cr_assert_lt(n, OUT_MAX);
		cr_assert_eq(xr_fix_parse(OUTBUF + pos, mlen, &OUT[n], &why), 0,
			     "tx message %u does not parse (%s)", n, xr_fix_error_name(why));
		struct xr_fix_msg *m = &OUT[n];
		cr_assert_eq(m->version, s->cfg.version, "tx[%u] BeginString", n);
		cr_assert(xr_fix_get_str(m, 49, &v, &vl) && vl == 6 && memcmp(v, "XROUTE", 6) == 0,
			  "tx[%u] (35=%s) SenderCompID", n, m->msg_type);
		cr_assert(xr_fix_get_str(m, 56, &v, &vl) && vl == 5 && memcmp(v, "VENUE", 5) == 0,
			  "tx[%u] (35=%s) TargetCompID", n, m->msg_type);
		cr_assert(xr_fix_get_u64(m, 34, &seq) && seq >= 1, "tx[%u] MsgSeqNum", n);
		cr_assert_geq(xr_fix_find(m, 52), 0, "tx[%u] SendingTime", n);
		pos += mlen;
		n++;
	}
	s->tx_len = 0;
	return n;
}

static bool
fhas(unsigned i, uint32_t tag)
{
	return xr_fix_find(&OUT[i], tag) >= 0;
}

static uint64_t
fu64(unsigned i, uint32_t tag)
{
	uint64_t v = 0;

	cr_assert(xr_fix_get_u64(&OUT[i], tag, &v), "tx[%u] (35=%s) has no numeric tag %u", i,
		  OUT[i].msg_type, tag);
	return v;
}

/* Field @p tag of OUT[i] as a NUL-ended string (four rotating buffers). */
static const char *
fstr(unsigned i, uint32_t tag)
{
	static char bufs[4][256];
	static unsigned next;
	const char *v;
	uint32_t len;

	cr_assert(xr_fix_get_str(&OUT[i], tag, &v, &len), "tx[%u] (35=%s) has no tag %u", i,
		  OUT[i].msg_type, tag);
	char *b = bufs[next++ % 4];
	cr_assert_lt(len, sizeof(bufs[0]));
	memcpy(b, v, len);
	b[len] = '\0';
	return b;
}

static void
expect_type(unsigned i, const char *type)
{
	cr_assert_str_eq(OUT[i].msg_type, type, "tx[%u] is 35=%s, want 35=%s", i, OUT[i].msg_type,
			 type);
}

/* ------------------------------------------------------------- rx side */

/* Test text uses '|' for SOH; this converts a copy. */
static size_t
soh(char *dst, size_t cap, const char *text)
{
	size_t n = strlen(text);

	cr_assert_lt(n, cap);
	for (size_t i = 0; i < n; i++)
		dst[i] = text[i] == '|' ? XR_FIX_SOH : text[i];
	dst[n] = '\0';
	return n;
}

static void
rx_append(struct xr_fix_session *s, const char *bytes, size_t len)
{
	cr_assert_leq(s->rx_len + len, s->rx_cap, "rx would overflow");
	memcpy(s->rx + s->rx_len, bytes, len);
	s->rx_len += (uint32_t)len;
}

/* A message from the venue. */
struct vmsg {
	const char *type;
	uint64_t seq;	    /* MsgSeqNum; 0: left out */
	bool poss_dup;	    /* 43=Y and 122 */
	bool other_version; /* the BeginString the session does not use */
	const char *sender; /* SenderCompID; NULL: the session's target */
	const char *target; /* TargetCompID; NULL: the session's sender */
	const char *extra;  /* body fields "tag=value|tag=value", or NULL */
};

/* Build @p v with the codec's writer into @p out. @return its length. */
static size_t
vbuild(const struct xr_fix_session *s, char *out, size_t cap, const struct vmsg *v)
{
	char buf[XR_FIX_MAX_MSG];
	struct xr_fix_writer w;
	enum xr_fix_version ver = (enum xr_fix_version)s->cfg.version;
	const char *snd = v->sender != NULL ? v->sender : s->cfg.target;
	const char *tgt = v->target != NULL ? v->target : s->cfg.sender;

	if (v->other_version)
		ver = ver == XR_FIX_44 ? XR_FIX_42 : XR_FIX_44;
	xr_fix_begin(&w, buf, sizeof(buf), ver, v->type);
	xr_fix_put_str(&w, 49, snd, strlen(snd));
	xr_fix_put_str(&w, 56, tgt, strlen(tgt));
	if (v->seq != 0)
		xr_fix_put_u64(&w, 34, v->seq);
	xr_fix_put_time(&w, 52, UINT64_C(1767225600) * SEC); /* 2026-01-01 */
	if (v->poss_dup) {
		xr_fix_put_char(&w, 43, 'Y');
		xr_fix_put_time(&w, 122, UINT64_C(1767225599) * SEC);
	}
	for (const char *p = v->extra; p != NULL && *p != '\0';) {
		char *eq;
		unsigned long tag = strtoul(p, &eq, 10);
		cr_assert(tag > 0 && *eq == '=', "bad extra field text: %s", p);
		const char *val = eq + 1, *end = strchr(val, '|');
		size_t vl = end != NULL ? (size_t)(end - val) : strlen(val);
		xr_fix_put_str(&w, (uint32_t)tag, val, vl);
		p = end != NULL ? end + 1 : val + vl;
	}
	const char *msg;
	size_t len;
	cr_assert_eq(xr_fix_finish(&w, &msg, &len), 0);
	cr_assert_leq(len, cap);
	memcpy(out, msg, len);
	return len;
}

static void
vsend(struct xr_fix_session *s, const struct vmsg *v)
{
	char buf[XR_FIX_MAX_MSG];
	size_t len = vbuild(s, buf, sizeof(buf), v);

	rx_append(s, buf, len);
}

/* VENUE(S, .type = "D", .seq = 2, .extra = "11=A1") appends one message. */
#define VENUE(s, ...) vsend((s), &(struct vmsg){ __VA_ARGS__ })

/*
 * A message written by hand: "8=<begin>|9=<body length + len_delta>|" then
 * @p body ('|' for SOH, from 35= to its last SOH), then "10=" and the
 * CheckSum of the bytes as written. @return its length.
 */
static size_t
raw_msg(char *out, size_t cap, const char *begin, const char *body, int len_delta)
{
	static char b[128 * 1024];
	size_t bl = soh(b, sizeof(b), body);
	int n = snprintf(out, cap, "8=%s\x01" "9=%d\x01", begin, (int)bl + len_delta);

	cr_assert(n > 0 && (size_t)n + bl + 8 <= cap);
	memcpy(out + n, b, bl);
	size_t len = (size_t)n + bl;
	unsigned sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += (unsigned char)out[i];
	snprintf(out + len, cap - len, "10=%03u\x01", sum % 256);
	return len + 7;
}

static uint32_t
input(struct xr_fix_session *s, uint64_t now)
{
	return xr_fix_session_input(s, now, 1000);
}

/* ------------------------------------------------------------- logged on */

/*
 * S on a store at @p next_out / @p next_in, connected at T0 and logged on
 * by the venue's Logon (MsgSeqNum next_in) at T0; tx and R emptied, so
 * the test sees only what follows.
 */
static void
logged_on_at(uint64_t next_out, uint64_t next_in)
{
	struct xr_fix_session_cfg c = cfg_of(XR_FIX_44);

	S = sess_new(&c, next_out, next_in);
	xr_fix_session_connected(S, T0);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "A");
	VENUE(S, .type = "A", .seq = SEQ.next_in, .extra = "98=0|108=30");
	cr_assert_eq(input(S, T0), 1);
	cr_assert_eq(S->state, XR_FIX_S_ACTIVE);
	cr_assert_eq(take_tx(S), 0);
	cr_assert_not(S->want_close);
	memset(&R, 0, sizeof(R));
}

/* Logged on from a fresh store: next_out 2, next_in 2. */
static void
logged_on(void)
{
	logged_on_at(0, 0);
	cr_assert_eq(SEQ.next_out, 2);
	cr_assert_eq(SEQ.next_in, 2);
}

/* Send an application message (35=D, 11=@p clordid). @return its MsgSeqNum. */
static uint64_t
send_order(const char *clordid, uint64_t now)
{
	struct xr_fix_writer w;
	uint64_t seq = 0;

	cr_assert_eq(xr_fix_session_begin(S, &w, "D", now), 0);
	xr_fix_put_str(&w, 11, clordid, strlen(clordid));
	cr_assert_eq(xr_fix_session_send(S, &w, &seq, now), 0);
	return seq;
}

/* ================================================================ Logon */

Test(fix_session, connected_sends_logon_from_next_out)
{
	struct xr_fix_session_cfg c = cfg_of(XR_FIX_44);

	S = sess_new(&c, 7, 4);
	xr_fix_session_connected(S, T0);
	cr_assert_eq(S->state, XR_FIX_S_LOGON_SENT);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "A");
	cr_assert_eq(OUT[0].version, XR_FIX_44);
	cr_assert_str_eq(fstr(0, 49), "XROUTE");
	cr_assert_str_eq(fstr(0, 56), "VENUE");
	cr_assert_eq(fu64(0, 34), 7);
	cr_assert_eq(fu64(0, 98), 0);
	cr_assert_eq(fu64(0, 108), HB_S);
	cr_assert_not(fhas(0, 141), "no ResetSeqNumFlag without reset_on_logon");
	cr_assert_eq(SEQ.next_out, 8);
	cr_assert_eq(SEQ.next_in, 4);
	cr_assert_eq(R.n_state, 0, "not up before the venue's Logon");
}

Test(fix_session, fix42_session_writes_fix42)
{
	struct xr_fix_session_cfg c = cfg_of(XR_FIX_42);

	S = sess_new(&c, 0, 0);
	xr_fix_session_connected(S, T0);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "A");
	cr_assert_eq(OUT[0].version, XR_FIX_42);
	cr_assert_eq(memcmp(OUTBUF, "8=FIX.4.2\x01", 10), 0);
	cr_assert_eq(fu64(0, 34), 1);
}

Test(fix_session, reset_on_logon_restarts_both_seqs_at_1)
{
	struct xr_fix_session_cfg c = cfg_of(XR_FIX_44);

	c.reset_on_logon = true;
	S = sess_new(&c, 7, 4);
	xr_fix_session_connected(S, T0);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "A");
	cr_assert_eq(fu64(0, 34), 1);
	cr_assert_str_eq(fstr(0, 141), "Y");
	cr_assert_eq(SEQ.next_out, 2);
	cr_assert_eq(SEQ.next_in, 1);

	VENUE(S, .type = "A", .seq = 1, .extra = "98=0|108=30|141=Y");
	cr_assert_eq(input(S, T0), 1);
	cr_assert_eq(S->state, XR_FIX_S_ACTIVE);
	cr_assert_eq(SEQ.next_in, 2);
	cr_assert_eq(SEQ.next_out, 2);
	cr_assert_eq(take_tx(S), 0);
}

Test(fix_session, venue_logon_in_sequence_goes_active_once)
{
	struct xr_fix_session_cfg c = cfg_of(XR_FIX_44);

	S = sess_new(&c, 0, 0);
	xr_fix_session_connected(S, T0);
	take_tx(S);
	VENUE(S, .type = "A", .seq = 1, .extra = "98=0|108=30");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(S->state, XR_FIX_S_ACTIVE);
	cr_assert_eq(R.n_state, 1);
	cr_assert(R.up[0]);
	cr_assert_eq(S->st.logons, 1);
	cr_assert_eq(SEQ.next_in, 2);
	cr_assert_eq(SEQ.next_out, 2);
	cr_assert_eq(take_tx(S), 0, "nothing to answer");
	cr_assert_not(S->want_close);
	cr_assert_eq(R.n_app, 0, "a Logon is not an application message");

	/* A second Logon in sequence: used up, ignored, no second "up". */
	VENUE(S, .type = "A", .seq = 2, .extra = "98=0|108=30");
	cr_assert_eq(input(S, T0 + 2 * SEC), 1);
	cr_assert_eq(R.n_state, 1);
	cr_assert_eq(SEQ.next_in, 3);
	cr_assert(logged("Logon while logged on"));
	cr_assert_eq(take_tx(S), 0);
}

Test(fix_session, venue_logon_seq_too_high_goes_active_and_asks_resend)
{
	struct xr_fix_session_cfg c = cfg_of(XR_FIX_44);

	S = sess_new(&c, 0, 0);
	xr_fix_session_connected(S, T0);
	take_tx(S);
	VENUE(S, .type = "A", .seq = 5, .extra = "98=0|108=30");
	cr_assert_eq(input(S, T0), 1);
	cr_assert_eq(S->state, XR_FIX_S_ACTIVE);
	cr_assert_eq(R.n_state, 1);
	cr_assert(R.up[0]);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "2");
	cr_assert_eq(fu64(0, 7), 1);
	cr_assert_eq(fu64(0, 16), 0);
	cr_assert_eq(fu64(0, 34), 2);
	cr_assert(S->resend_pending);
	cr_assert_eq(SEQ.next_in, 1, "the gap is still open");
	cr_assert_eq(S->st.resend_requests_sent, 1);
	cr_assert_not(S->want_close);

	/* The venue answers: one GapFill over 1..5 (its Logon included). */
	VENUE(S, .type = "4", .seq = 1, .poss_dup = true, .extra = "123=Y|36=6");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(SEQ.next_in, 6);
	cr_assert_not(S->resend_pending);
	cr_assert_eq(S->st.gap_fills_received, 1);
	cr_assert_eq(take_tx(S), 0);
	VENUE(S, .type = "D", .seq = 6, .extra = "11=AFTER");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(R.n_app, 1);
	cr_assert_eq(R.app[0].seq, 6);
}

Test(fix_session, venue_logon_seq_too_low_logs_out)
{
	struct xr_fix_session_cfg c = cfg_of(XR_FIX_44);

	S = sess_new(&c, 3, 5);
	xr_fix_session_connected(S, T0);
	take_tx(S);
	VENUE(S, .type = "A", .seq = 3, .extra = "98=0|108=30");
	cr_assert_eq(input(S, T0), 1);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "5");
	cr_assert_str_eq(fstr(0, 58), "MsgSeqNum too low, expecting 5 but received 3");
	cr_assert_eq(fu64(0, 34), 4);
	cr_assert(S->want_close);
	cr_assert_eq(S->st.seq_too_low, 1);
	cr_assert_eq(SEQ.next_in, 5);
}

Test(fix_session, first_message_not_logon_logs_out)
{
	struct xr_fix_session_cfg c = cfg_of(XR_FIX_44);

	S = sess_new(&c, 0, 0);
	xr_fix_session_connected(S, T0);
	take_tx(S);
	VENUE(S, .type = "0", .seq = 1);
	cr_assert_eq(input(S, T0), 1);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "5");
	cr_assert_str_eq(fstr(0, 58), "first message is MsgType 0, not Logon");
	cr_assert(S->want_close);
	cr_assert_eq(S->state, XR_FIX_S_LOGON_SENT);
	cr_assert_eq(R.n_state, 0, "never up");
	cr_assert_eq(SEQ.next_in, 1);
}

Test(fix_session, logout_instead_of_logon_is_answered_and_closes)
{
	struct xr_fix_session_cfg c = cfg_of(XR_FIX_44);

	S = sess_new(&c, 0, 0);
	xr_fix_session_connected(S, T0);
	take_tx(S);
	VENUE(S, .type = "5", .seq = 1, .extra = "58=unknown CompID");
	cr_assert_eq(input(S, T0), 1);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "5");
	cr_assert(S->want_close);
	cr_assert_eq(S->st.logouts_received, 1);
	cr_assert(logged("unknown CompID"));
	cr_assert_eq(R.n_state, 0);
}

Test(fix_session, logon_timeout)
{
	struct xr_fix_session_cfg c = cfg_of(XR_FIX_44);

	S = sess_new(&c, 0, 0);
	xr_fix_session_connected(S, T0);
	take_tx(S);
	xr_fix_session_tick(S, T0 + LOGON_TIMEOUT - 1);
	cr_assert_not(S->want_close);
	cr_assert_eq(take_tx(S), 0);
	xr_fix_session_tick(S, T0 + LOGON_TIMEOUT);
	cr_assert(S->want_close);
	cr_assert(logged("no Logon answer within 10000 ms"));
	cr_assert_eq(take_tx(S), 0, "no Heartbeat or TestRequest before logon");
	cr_assert_eq(S->state, XR_FIX_S_LOGON_SENT);
}

Test(fix_session, disconnected_reports_down_and_clears_buffers)
{
	logged_on();
	VENUE(S, .type = "D", .seq = 2);
	send_order("O1", T0);
	xr_fix_session_disconnected(S, T0 + SEC);
	cr_assert_eq(S->state, XR_FIX_S_DOWN);
	cr_assert_eq(R.n_state, 1);
	cr_assert_not(R.up[0]);
	cr_assert_eq(S->rx_len, 0);
	cr_assert_eq(S->tx_len, 0);
	cr_assert_eq(SEQ.next_out, 3, "MsgSeqNums survive a disconnect");
	cr_assert_eq(SEQ.next_in, 2);
}

/* ============================================================= Sequence */

Test(fix_session, app_message_in_sequence_is_delivered)
{
	logged_on();
	VENUE(S, .type = "8", .seq = 2, .extra = "11=ORD-1|39=0");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(R.n_app, 1);
	cr_assert_eq(R.app[0].seq, 2);
	cr_assert_str_eq(R.app[0].type, "8");
	cr_assert_str_eq(R.app[0].clordid, "ORD-1");
	cr_assert_not(R.app[0].poss_dup);
	cr_assert_eq(SEQ.next_in, 3);
	cr_assert_eq(S->st.msgs_in, 2);
	cr_assert_eq(take_tx(S), 0);
}

Test(fix_session, gap_sends_one_resend_request_then_resend_delivers_in_order)
{
	logged_on();
	VENUE(S, .type = "8", .seq = 4, .extra = "11=C4");
	VENUE(S, .type = "8", .seq = 5, .extra = "11=C5");
	VENUE(S, .type = "8", .seq = 6, .extra = "11=C6");
	cr_assert_eq(input(S, T0 + SEC), 3);
	cr_assert_eq(take_tx(S), 1, "one ResendRequest for three messages above the gap");
	expect_type(0, "2");
	cr_assert_eq(fu64(0, 7), 2);
	cr_assert_eq(fu64(0, 16), 0);
	cr_assert_eq(fu64(0, 34), 2);
	cr_assert_eq(R.n_app, 0, "messages above the gap are dropped");
	cr_assert_eq(S->st.too_high_dropped, 3);
	cr_assert_eq(S->st.resend_requests_sent, 1);
	cr_assert(S->resend_pending);
	cr_assert_eq(SEQ.next_in, 2);

	/* Another one above the gap while the resend is outstanding: no
	 * second ResendRequest. */
	VENUE(S, .type = "8", .seq = 7, .extra = "11=C7");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(take_tx(S), 0);
	cr_assert_eq(S->st.resend_requests_sent, 1);

	/* The resend: 2..7 with PossDupFlag, in order. */
	for (uint64_t q = 2; q <= 6; q++) {
		char f[16];
		snprintf(f, sizeof(f), "11=C%llu", (unsigned long long)q);
		VENUE(S, .type = "8", .seq = q, .poss_dup = true, .extra = f);
	}
	cr_assert_eq(input(S, T0 + 2 * SEC), 5);
	cr_assert_eq(R.n_app, 5);
	cr_assert(S->resend_pending, "7 not yet received again");
	VENUE(S, .type = "8", .seq = 7, .poss_dup = true, .extra = "11=C7");
	cr_assert_eq(input(S, T0 + 2 * SEC), 1);
	cr_assert_eq(R.n_app, 6);
	for (unsigned i = 0; i < 6; i++) {
		char want[16];
		snprintf(want, sizeof(want), "C%u", i + 2);
		cr_assert_eq(R.app[i].seq, i + 2);
		cr_assert(R.app[i].poss_dup);
		cr_assert_str_eq(R.app[i].clordid, want);
	}
	cr_assert_not(S->resend_pending);
	cr_assert_eq(SEQ.next_in, 8);
	cr_assert_eq(take_tx(S), 0);
	cr_assert_eq(S->st.resend_requests_sent, 1);
}

Test(fix_session, poss_dup_below_expected_is_ignored)
{
	logged_on();
	VENUE(S, .type = "8", .seq = 2, .extra = "11=A");
	VENUE(S, .type = "8", .seq = 3, .extra = "11=B");
	cr_assert_eq(input(S, T0 + SEC), 2);
	cr_assert_eq(R.n_app, 2);
	VENUE(S, .type = "8", .seq = 3, .poss_dup = true, .extra = "11=B");
	cr_assert_eq(input(S, T0 + 2 * SEC), 1);
	cr_assert_eq(S->st.dups_ignored, 1);
	cr_assert_eq(R.n_app, 2, "not delivered twice");
	cr_assert_eq(SEQ.next_in, 4);
	cr_assert_eq(SEQ.next_out, 2);
	cr_assert_eq(take_tx(S), 0);
	cr_assert_not(S->want_close);
	cr_assert_eq(S->state, XR_FIX_S_ACTIVE);
}

Test(fix_session, seq_too_low_without_poss_dup_logs_out)
{
	logged_on();
	VENUE(S, .type = "8", .seq = 2);
	VENUE(S, .type = "8", .seq = 3);
	cr_assert_eq(input(S, T0 + SEC), 2);
	VENUE(S, .type = "8", .seq = 3, .extra = "11=AGAIN");
	cr_assert_eq(input(S, T0 + 2 * SEC), 1);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "5");
	cr_assert_str_eq(fstr(0, 58), "MsgSeqNum too low, expecting 4 but received 3");
	cr_assert(S->want_close);
	cr_assert_eq(S->st.seq_too_low, 1);
	cr_assert_eq(R.n_app, 2, "the low message is not delivered");
	cr_assert_eq(SEQ.next_in, 4);
}

Test(fix_session, missing_msg_seq_num_logs_out)
{
	logged_on();
	VENUE(S, .type = "8", .seq = 0, .extra = "11=NOSEQ");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "5");
	cr_assert_str_eq(fstr(0, 58), "MsgSeqNum (34) missing or invalid");
	cr_assert(S->want_close);
	cr_assert_eq(R.n_app, 0);
	cr_assert_eq(SEQ.next_in, 2);
}

Test(fix_session, input_stops_after_want_close)
{
	logged_on();
	VENUE(S, .type = "8", .seq = 0);
	VENUE(S, .type = "8", .seq = 2);
	cr_assert_eq(input(S, T0 + SEC), 1, "the message after the Logout waits");
	cr_assert(S->want_close);
	cr_assert_eq(R.n_app, 0);
	cr_assert_gt(S->rx_len, 0);
}

/* ======================================================== SequenceReset */

Test(fix_session, gap_fill_moves_next_in)
{
	logged_on();
	VENUE(S, .type = "4", .seq = 2, .extra = "123=Y|36=10");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(SEQ.next_in, 10);
	cr_assert_eq(S->st.gap_fills_received, 1);
	cr_assert_eq(R.n_app, 0);
	cr_assert_eq(take_tx(S), 0);
	VENUE(S, .type = "8", .seq = 10);
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(R.n_app, 1);
	cr_assert_eq(R.app[0].seq, 10);
	cr_assert_eq(take_tx(S), 0, "no gap after the GapFill");
}

Test(fix_session, gap_fill_above_expected_is_a_gap)
{
	logged_on();
	VENUE(S, .type = "4", .seq = 5, .extra = "123=Y|36=10");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(SEQ.next_in, 2);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "2");
	cr_assert_eq(fu64(0, 7), 2);
}

Test(fix_session, reset_mode_moves_next_in_whatever_msg_seq_num)
{
	logged_on();
	/* MsgSeqNum above expected: no ResendRequest in Reset mode. */
	VENUE(S, .type = "4", .seq = 50, .extra = "36=20");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(SEQ.next_in, 20);
	cr_assert_eq(S->st.seq_resets_received, 1);
	cr_assert_eq(take_tx(S), 0);
	/* MsgSeqNum below expected, no PossDup: no Logout in Reset mode. */
	VENUE(S, .type = "4", .seq = 1, .extra = "36=25|123=N");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(SEQ.next_in, 25);
	cr_assert_eq(S->st.seq_resets_received, 2);
	cr_assert_eq(take_tx(S), 0);
	cr_assert_not(S->want_close);
	cr_assert_eq(S->st.seq_too_low, 0);
	VENUE(S, .type = "8", .seq = 25);
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(R.n_app, 1);
	cr_assert_eq(R.app[0].seq, 25);
}

Test(fix_session, new_seq_no_below_expected_is_rejected)
{
	logged_on();
	VENUE(S, .type = "4", .seq = 2, .extra = "123=Y|36=10");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(SEQ.next_in, 10);

	/* Reset mode, NewSeqNo 5 < 10. */
	VENUE(S, .type = "4", .seq = 10, .extra = "36=5");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "3");
	cr_assert_eq(fu64(0, 373), 5);
	cr_assert_eq(fu64(0, 45), 10);
	cr_assert_eq(fu64(0, 371), 36);
	cr_assert_str_eq(fstr(0, 372), "4");
	cr_assert_eq(SEQ.next_in, 10);
	cr_assert_eq(S->st.rejects_sent, 1);
	cr_assert_eq(S->st.seq_resets_received, 0);
	cr_assert_not(S->want_close);

	/* GapFill mode in sequence, NewSeqNo 8 < 10: refused; the GapFill's
	 * own MsgSeqNum (10) was in sequence and is used up. */
	VENUE(S, .type = "4", .seq = 10, .extra = "123=Y|36=8");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "3");
	cr_assert_eq(fu64(0, 373), 5);
	cr_assert_eq(fu64(0, 45), 10);
	cr_assert_eq(SEQ.next_in, 11, "not lowered to 8");
	cr_assert_eq(S->st.rejects_sent, 2);
	cr_assert_eq(S->st.gap_fills_received, 1);
}

/*
 * BUG: a SequenceReset in Reset mode that answers our ResendRequest moves
 * next_in past resend_until but leaves resend_pending set (only the
 * in-sequence path clears it). The next gap then sends no ResendRequest
 * (xr__send_resend_request only raises resend_until while one is
 * pending) and every later message is dropped as too high: the session
 * never recovers.
 */
Test(fix_session, reset_mode_answering_our_resend_request_ends_it)
{
	logged_on();
	VENUE(S, .type = "8", .seq = 5);
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "2");
	/* The venue lost its store and resets us past the gap. */
	VENUE(S, .type = "4", .seq = 2, .poss_dup = true, .extra = "36=10");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(SEQ.next_in, 10);
	cr_assert_eq(take_tx(S), 0);
	/* 10 and 11 are lost (say, malformed); 12 arrives: a new gap. */
	VENUE(S, .type = "8", .seq = 12);
	cr_assert_eq(input(S, T0 + 2 * SEC), 1);
	cr_assert_eq(take_tx(S), 1, "a new gap must send a new ResendRequest");
	expect_type(0, "2");
	cr_assert_eq(fu64(0, 7), 10);
}

/* ==================================================== venue ResendRequest */

Test(fix_session, resend_request_answered_with_one_gap_fill)
{
	logged_on();
	cr_assert_eq(send_order("O1", T0), 2);
	cr_assert_eq(send_order("O2", T0), 3);
	cr_assert_eq(send_order("O3", T0), 4);
	cr_assert_eq(take_tx(S), 3);
	cr_assert_eq(SEQ.next_out, 5);

	VENUE(S, .type = "2", .seq = 2, .extra = "7=2|16=0");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(take_tx(S), 1, "one GapFill, no resent orders");
	expect_type(0, "4");
	cr_assert_str_eq(fstr(0, 43), "Y");
	cr_assert(fhas(0, 122), "OrigSendingTime");
	cr_assert_str_eq(fstr(0, 123), "Y");
	cr_assert_eq(fu64(0, 34), 2);
	cr_assert_eq(fu64(0, 36), 5);
	cr_assert_eq(SEQ.next_out, 5, "a GapFill takes no MsgSeqNum");
	cr_assert_eq(R.n_gap, 1);
	cr_assert_eq(R.gap_begin[0], 2);
	cr_assert_eq(R.gap_end[0], 5);
	cr_assert_eq(S->st.resend_requests_received, 1);
	cr_assert_eq(S->st.gap_fills_sent, 1);
	cr_assert_eq(SEQ.next_in, 3);

	/* FIX 4.2's infinity, EndSeqNo 999999: the whole range too. */
	VENUE(S, .type = "2", .seq = 3, .extra = "7=3|16=999999");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "4");
	cr_assert_eq(fu64(0, 34), 3);
	cr_assert_eq(fu64(0, 36), 5);
	cr_assert_eq(R.n_gap, 2);
	cr_assert_eq(R.gap_begin[1], 3);
	cr_assert_eq(R.gap_end[1], 5);
	cr_assert_eq(SEQ.next_out, 5);
}

Test(fix_session, resend_request_with_end_below_last_sent)
{
	logged_on();
	for (int i = 0; i < 6; i++)
		send_order("O", T0);
	take_tx(S);
	cr_assert_eq(SEQ.next_out, 8);
	VENUE(S, .type = "2", .seq = 2, .extra = "7=3|16=5");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "4");
	cr_assert_eq(fu64(0, 34), 3);
	cr_assert_eq(fu64(0, 36), 6);
	cr_assert_eq(R.n_gap, 1);
	cr_assert_eq(R.gap_begin[0], 3);
	cr_assert_eq(R.gap_end[0], 6);
	cr_assert_eq(SEQ.next_out, 8);

	/* EndSeqNo = our last sent (7): all, up to next_out. */
	VENUE(S, .type = "2", .seq = 3, .extra = "7=6|16=7");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(take_tx(S), 1);
	cr_assert_eq(fu64(0, 34), 6);
	cr_assert_eq(fu64(0, 36), 8);
}

Test(fix_session, resend_request_from_next_out_on_is_not_answered)
{
	logged_on();
	VENUE(S, .type = "2", .seq = 2, .extra = "7=2|16=0");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(take_tx(S), 0, "nothing sent from 2 on");
	cr_assert_eq(R.n_gap, 0);
	cr_assert_eq(S->st.resend_requests_received, 1);
	cr_assert_eq(SEQ.next_in, 3);
}

Test(fix_session, resend_request_with_seq_too_high_is_still_answered)
{
	logged_on();
	send_order("O1", T0);
	send_order("O2", T0);
	take_tx(S);
	cr_assert_eq(SEQ.next_out, 4);
	VENUE(S, .type = "2", .seq = 5, .extra = "7=2|16=0");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(take_tx(S), 2, "their GapFill and our ResendRequest");
	expect_type(0, "4");
	cr_assert_eq(fu64(0, 34), 2);
	cr_assert_eq(fu64(0, 36), 4);
	cr_assert_str_eq(fstr(0, 123), "Y");
	expect_type(1, "2");
	cr_assert_eq(fu64(1, 34), 4);
	cr_assert_eq(fu64(1, 7), 2);
	cr_assert_eq(fu64(1, 16), 0);
	cr_assert_eq(R.n_gap, 1);
	cr_assert_eq(R.gap_begin[0], 2);
	cr_assert_eq(R.gap_end[0], 4);
	cr_assert_eq(SEQ.next_out, 5);
	cr_assert_eq(SEQ.next_in, 2);
	cr_assert(S->resend_pending);
	cr_assert_eq(S->st.too_high_dropped, 0, "acted on, not dropped");
}

/*
 * BUG: a ResendRequest with EndSeqNo below BeginSeqNo (7=5, 16=3, our
 * next_out 8) is answered with SequenceReset-GapFill 34=5 36=4, a GapFill
 * whose NewSeqNo is below its own MsgSeqNum (the venue must refuse it:
 * "attempt to lower sequence number"), and on_gap_fill(5, 4) reports an
 * inverted range. The request is invalid: it wants a Reject (or nothing),
 * never a SequenceReset.
 */
Test(fix_session, resend_request_with_end_below_begin_gets_no_inverted_gap_fill)
{
	logged_on();
	for (int i = 0; i < 6; i++)
		send_order("O", T0);
	take_tx(S);
	cr_assert_eq(SEQ.next_out, 8);
	VENUE(S, .type = "2", .seq = 2, .extra = "7=5|16=3");
	cr_assert_eq(input(S, T0 + SEC), 1);
	unsigned n = take_tx(S);
	for (unsigned i = 0; i < n; i++)
		if (strcmp(OUT[i].msg_type, "4") == 0)
			cr_assert_fail("SequenceReset-GapFill 34=%s 36=%s sent", fstr(i, 34),
				       fstr(i, 36));
	cr_assert_eq(R.n_gap, 0, "on_gap_fill(%llu, %llu) called",
		     (unsigned long long)R.gap_begin[0], (unsigned long long)R.gap_end[0]);
	cr_assert_eq(SEQ.next_out, 8 + n);
}

/* ================================================ Heartbeat, TestRequest */

Test(fix_session, test_request_answered_with_heartbeat_echoing_id)
{
	logged_on();
	VENUE(S, .type = "1", .seq = 2, .extra = "112=PING-7");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "0");
	cr_assert_str_eq(fstr(0, 112), "PING-7");
	cr_assert_eq(fu64(0, 34), 2);
	cr_assert_eq(SEQ.next_out, 3);
	cr_assert_eq(SEQ.next_in, 3);
	cr_assert_eq(R.n_app, 0);
}

Test(fix_session, heartbeat_after_heartbt_int_without_sending)
{
	logged_on();
	xr_fix_session_tick(S, T0 + HB - 1);
	cr_assert_eq(take_tx(S), 0);
	xr_fix_session_tick(S, T0 + HB);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "0");
	cr_assert_not(fhas(0, 112), "an unsolicited Heartbeat has no TestReqID");
	cr_assert_eq(fu64(0, 34), 2);
	cr_assert_not(S->test_pending, "the venue was heard from 30 s ago: no TestRequest yet");
	/* Sending resets the interval (the venue's Heartbeat keeps the
	 * TestRequest away). */
	const uint64_t t_order = T0 + HB + 10 * SEC;
	VENUE(S, .type = "0", .seq = 2);
	cr_assert_eq(input(S, t_order), 1);
	send_order("O1", t_order);
	cr_assert_eq(take_tx(S), 1);
	xr_fix_session_tick(S, t_order + HB - 1);
	cr_assert_eq(take_tx(S), 0, "no Heartbeat 30 s - 1 ns after the order");
	xr_fix_session_tick(S, t_order + HB);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "0");
	cr_assert_eq(fu64(0, 34), 4);
}

Test(fix_session, test_request_after_silence_then_timeout)
{
	logged_on();
	const uint64_t t_test = T0 + HB + HB / 5; /* 36 s */

	xr_fix_session_tick(S, t_test - 1);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "0"); /* 30 s without sending */
	cr_assert_not(S->test_pending);
	xr_fix_session_tick(S, t_test);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "1");
	cr_assert_str_eq(fstr(0, 112), "T1");
	cr_assert(S->test_pending);
	cr_assert_eq(S->st.test_requests_sent, 1);

	xr_fix_session_tick(S, t_test + HB - 1);
	cr_assert_not(S->want_close);
	cr_assert_eq(take_tx(S), 0, "no second TestRequest while one is pending");
	xr_fix_session_tick(S, t_test + HB);
	cr_assert(S->want_close);
	cr_assert_eq(S->st.heartbeat_timeouts, 1);
	cr_assert(logged("TestRequest unanswered for 30 s"));
}

Test(fix_session, any_input_clears_the_pending_test_request)
{
	logged_on();
	const uint64_t t_test = T0 + HB + HB / 5;

	xr_fix_session_tick(S, t_test);
	unsigned n = take_tx(S);
	cr_assert_eq(n, 1, "the TestRequest (it also serves as our Heartbeat)");
	expect_type(0, "1");
	cr_assert(S->test_pending);

	/* Any message answers it, not only the Heartbeat with 112=T1. */
	VENUE(S, .type = "8", .seq = 2);
	cr_assert_eq(input(S, t_test + 4 * SEC), 1);
	cr_assert_not(S->test_pending);
	xr_fix_session_tick(S, t_test + HB);
	cr_assert_not(S->want_close);
	cr_assert_eq(S->st.heartbeat_timeouts, 0);
	/* The next TestRequest comes 36 s after that input. */
	uint64_t t_in = t_test + 4 * SEC;
	take_tx(S);
	xr_fix_session_tick(S, t_in + HB + HB / 5 - 1);
	n = take_tx(S);
	for (unsigned i = 0; i < n; i++)
		cr_assert_str_neq(OUT[i].msg_type, "1");
	xr_fix_session_tick(S, t_in + HB + HB / 5);
	n = take_tx(S);
	cr_assert_geq(n, 1);
	expect_type(0, "1");
	cr_assert_str_eq(fstr(0, 112), "T2");
	cr_assert_eq(S->st.test_requests_sent, 2);
}

/* ================================================================ Logout */

Test(fix_session, venue_logout_is_answered_and_closes)
{
	logged_on();
	VENUE(S, .type = "5", .seq = 2, .extra = "58=end of day");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "5");
	cr_assert_eq(fu64(0, 34), 2);
	cr_assert(S->want_close);
	cr_assert_eq(S->st.logouts_received, 1);
	cr_assert_eq(SEQ.next_in, 3);
	cr_assert(logged("end of day"));
}

Test(fix_session, our_logout_waits_for_the_venue_reply)
{
	logged_on();
	xr_fix_session_logout(S, "done for today", T0 + SEC);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "5");
	cr_assert_str_eq(fstr(0, 58), "done for today");
	cr_assert_eq(fu64(0, 34), 2);
	cr_assert_eq(S->state, XR_FIX_S_LOGOUT_SENT);
	cr_assert_not(S->want_close);
	cr_assert_eq(R.n_state, 0, "still up until the connection closes");

	struct xr_fix_writer w;
	cr_assert_eq(xr_fix_session_begin(S, &w, "D", T0 + SEC), -ENOTCONN);
	cr_assert_eq(S->tx_len, 0);

	VENUE(S, .type = "5", .seq = 2);
	cr_assert_eq(input(S, T0 + 2 * SEC), 1);
	cr_assert_eq(take_tx(S), 0, "the venue's Logout answers ours: no reply");
	cr_assert(S->want_close);
	cr_assert(logged("logged out"));
}

Test(fix_session, logout_timeout)
{
	logged_on();
	xr_fix_session_logout(S, NULL, T0 + SEC);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "5");
	cr_assert_not(fhas(0, 58));
	xr_fix_session_tick(S, T0 + SEC + LOGOUT_TIMEOUT - 1);
	cr_assert_not(S->want_close);
	cr_assert_eq(take_tx(S), 0);
	xr_fix_session_tick(S, T0 + SEC + LOGOUT_TIMEOUT);
	cr_assert(S->want_close);
}

Test(fix_session, logout_when_not_active_closes_at_once)
{
	struct xr_fix_session_cfg c = cfg_of(XR_FIX_44);

	S = sess_new(&c, 0, 0);
	xr_fix_session_connected(S, T0);
	take_tx(S);
	xr_fix_session_logout(S, "bye", T0 + SEC);
	cr_assert(S->want_close);
	cr_assert_eq(take_tx(S), 0);
	cr_assert_eq(S->state, XR_FIX_S_LOGON_SENT);
}

/* ================================================================ Checks */

Test(fix_session, wrong_sender_comp_id_rejected_then_logout)
{
	logged_on();
	VENUE(S, .type = "8", .seq = 2, .sender = "MALLORY", .extra = "11=X");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(take_tx(S), 2);
	expect_type(0, "3");
	cr_assert_eq(fu64(0, 373), 9);
	cr_assert_eq(fu64(0, 45), 2);
	cr_assert_eq(fu64(0, 371), 49);
	cr_assert_str_eq(fstr(0, 372), "8");
	cr_assert_eq(fu64(0, 34), 2);
	expect_type(1, "5");
	cr_assert_eq(fu64(1, 34), 3);
	cr_assert(S->want_close);
	cr_assert_eq(S->st.rejects_sent, 1);
	cr_assert_eq(R.n_app, 0);
	cr_assert_eq(SEQ.next_in, 2);
}

Test(fix_session, wrong_target_comp_id_rejected_then_logout)
{
	logged_on();
	VENUE(S, .type = "8", .seq = 2, .target = "XROUTE2");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(take_tx(S), 2);
	expect_type(0, "3");
	cr_assert_eq(fu64(0, 373), 9);
	expect_type(1, "5");
	cr_assert(S->want_close);
	cr_assert_eq(R.n_app, 0);
}

Test(fix_session, wrong_begin_string_logs_out)
{
	logged_on();
	VENUE(S, .type = "8", .seq = 2, .other_version = true);
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(take_tx(S), 1, "Logout only, no Reject");
	expect_type(0, "5");
	cr_assert_str_eq(fstr(0, 58), "BeginString differs from the session's");
	cr_assert(S->want_close);
	cr_assert_eq(R.n_app, 0);
	cr_assert_eq(SEQ.next_in, 2);
}

/* ===================================================== Malformed corpus */

#define BODY_D2 "35=D|49=VENUE|56=XROUTE|34=2|52=20260101-00:00:00.000|11=BAD|"

/*
 * Logged on, next_in 2: @p bad (@p bad_len bytes) then a valid D 34=2
 * (11=AFTER) in one read. The bad bytes are counted under @p reason and
 * nowhere else, @p dropped bytes are dropped, a log line names the reason,
 * and the valid message is processed normally.
 */
static void
malformed_then_valid(const char *bad, size_t bad_len, enum xr_fix_error reason, size_t dropped)
{
	logged_on();
	rx_append(S, bad, bad_len);
	VENUE(S, .type = "D", .seq = 2, .extra = "11=AFTER");
	cr_assert_eq(input(S, T0 + SEC), 1, "only the valid message counts");
	for (int e = 0; e < XR_FIX_ERRORS; e++)
		cr_assert_eq(S->st.frame_errors[e], e == (int)reason ? 1u : 0u,
			     "frame_errors[%s] = %llu", xr_fix_error_name((enum xr_fix_error)e),
			     (unsigned long long)S->st.frame_errors[e]);
	cr_assert_eq(S->st.bytes_dropped, dropped, "bytes_dropped %llu, want %zu",
		     (unsigned long long)S->st.bytes_dropped, dropped);
	char want[96];
	snprintf(want, sizeof(want), "(%s): %zu bytes dropped", xr_fix_error_name(reason), dropped);
	cr_assert(logged(want), "no log line with \"%s\" (%u lines, first: %s)", want, R.n_log,
		  R.n_log > 0 ? R.log[0] : "-");
	cr_assert_eq(R.n_app, 1);
	cr_assert_eq(R.app[0].seq, 2);
	cr_assert_str_eq(R.app[0].clordid, "AFTER");
	cr_assert_eq(SEQ.next_in, 3);
	cr_assert_eq(S->rx_len, 0);
	cr_assert_eq(take_tx(S), 0, "no ResendRequest, no Logout");
	cr_assert_not(S->want_close);
	cr_assert_eq(S->state, XR_FIX_S_ACTIVE);
}

Test(fix_session, malformed_bad_checksum)
{
	char bad[512];
	size_t n = raw_msg(bad, sizeof(bad), "FIX.4.4", BODY_D2, 0);
	unsigned sum = (unsigned)(bad[n - 4] - '0') * 100 + (unsigned)(bad[n - 3] - '0') * 10 +
		       (unsigned)(bad[n - 2] - '0');
	char digits[4];

	snprintf(digits, sizeof(digits), "%03u", (sum + 1) % 256);
	memcpy(bad + n - 4, digits, 3);
	malformed_then_valid(bad, n, XR_FIX_BAD_CHECKSUM, n);
}

Test(fix_session, malformed_body_length_too_small)
{
	char bad[512];
	size_t n = raw_msg(bad, sizeof(bad), "FIX.4.4", BODY_D2, -3);

	malformed_then_valid(bad, n, XR_FIX_LENGTH_MISMATCH, n);
}

Test(fix_session, malformed_body_length_too_large)
{
	char bad[512];
	size_t n = raw_msg(bad, sizeof(bad), "FIX.4.4", BODY_D2, +10);

	malformed_then_valid(bad, n, XR_FIX_LENGTH_MISMATCH, n);
}

Test(fix_session, malformed_garbage_before_a_valid_message)
{
	static const char junk[] = "GET / HTTP/1.1\r\nHost: venue\r\n\r\n";

	malformed_then_valid(junk, sizeof(junk) - 1, XR_FIX_GARBAGE, sizeof(junk) - 1);
}

Test(fix_session, malformed_unknown_begin_string)
{
	char bad[512];
	size_t n = raw_msg(bad, sizeof(bad), "FIX.4.3", BODY_D2, 0);

	malformed_then_valid(bad, n, XR_FIX_BAD_BEGIN, n);
}

Test(fix_session, malformed_oversize_message)
{
	static char body[2 * XR_FIX_FRAME_DEFAULT], bad[2 * XR_FIX_FRAME_DEFAULT + 64];
	int k = snprintf(body, sizeof(body), "%s58=", BODY_D2);

	memset(body + k, 'x', XR_FIX_FRAME_DEFAULT);
	strcpy(body + k + XR_FIX_FRAME_DEFAULT, "|");
	size_t n = raw_msg(bad, sizeof(bad), "FIX.4.4", body, 0);
	cr_assert_gt(n, XR_FIX_FRAME_DEFAULT);
	malformed_then_valid(bad, n, XR_FIX_OVERSIZE, n);
}

Test(fix_session, malformed_five_digit_body_length)
{
	char bad[512];
	/* 99999 is above the default cap of 16384: refused at once. */
	size_t n = soh(bad, sizeof(bad), "8=FIX.4.4|9=99999|35=D|34=2|");

	malformed_then_valid(bad, n, XR_FIX_OVERSIZE, n);
}

Test(fix_session, malformed_empty_field_value)
{
	char bad[512];
	size_t n = raw_msg(bad, sizeof(bad), "FIX.4.4",
			   "35=D|49=VENUE|56=XROUTE|34=2|52=20260101-00:00:00.000|58=|", 0);

	malformed_then_valid(bad, n, XR_FIX_BAD_FIELD, n);
}

Test(fix_session, malformed_tag_not_a_number)
{
	char bad[512];
	size_t n = raw_msg(bad, sizeof(bad), "FIX.4.4",
			   "35=D|49=VENUE|56=XROUTE|34=2|52=20260101-00:00:00.000|1x=5|", 0);

	malformed_then_valid(bad, n, XR_FIX_BAD_FIELD, n);
}

Test(fix_session, malformed_msg_type_not_third)
{
	char bad[512];
	size_t n = raw_msg(bad, sizeof(bad), "FIX.4.4",
			   "34=2|35=D|49=VENUE|56=XROUTE|52=20260101-00:00:00.000|", 0);

	malformed_then_valid(bad, n, XR_FIX_NO_MSGTYPE, n);
}

Test(fix_session, malformed_truncated_then_next_message)
{
	char bad[512];
	size_t n = raw_msg(bad, sizeof(bad), "FIX.4.4", BODY_D2, 0);

	/* 40 bytes of it, the rest lost: BodyLength runs into the next one. */
	cr_assert_gt(n, 40);
	malformed_then_valid(bad, 40, XR_FIX_LENGTH_MISMATCH, 40);
}

Test(fix_session, truncated_message_completed_by_a_later_read)
{
	char msg[512];

	logged_on();
	size_t n = vbuild(S, msg, sizeof(msg), &(struct vmsg){ .type = "D", .seq = 2,
							       .extra = "11=SPLIT" });
	for (size_t cut = 1; cut < n; cut += 17) {
		/* A fresh start for each cut point: rx holds just a prefix. */
		S->rx_len = 0;
		rx_append(S, msg, cut);
		cr_assert_eq(input(S, T0 + SEC), 0, "cut at %zu", cut);
		cr_assert_eq(S->rx_len, cut, "the prefix is kept");
	}
	S->rx_len = 0;
	rx_append(S, msg, n / 2);
	cr_assert_eq(input(S, T0 + SEC), 0);
	rx_append(S, msg + n / 2, n - n / 2);
	cr_assert_eq(input(S, T0 + 2 * SEC), 1);
	cr_assert_eq(R.n_app, 1);
	cr_assert_str_eq(R.app[0].clordid, "SPLIT");
	cr_assert_eq(SEQ.next_in, 3);
	cr_assert_eq(S->rx_len, 0);
	cr_assert_eq(S->st.bytes_dropped, 0);
	for (int e = 0; e < XR_FIX_ERRORS; e++)
		cr_assert_eq(S->st.frame_errors[e], 0);
	cr_assert_eq(R.n_log, 0, "a partial read is not an error");
	cr_assert_eq(take_tx(S), 0);
}

Test(fix_session, malformed_message_with_a_seq_leads_to_resend_request)
{
	char bad[512];
	size_t n = raw_msg(bad, sizeof(bad), "FIX.4.4", BODY_D2, 0);

	bad[n - 2] = bad[n - 2] == '9' ? '0' : (char)(bad[n - 2] + 1); /* CheckSum off */
	logged_on();
	rx_append(S, bad, n);
	VENUE(S, .type = "D", .seq = 3, .extra = "11=C3");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(S->st.frame_errors[XR_FIX_BAD_CHECKSUM], 1);
	cr_assert_eq(S->st.bytes_dropped, n);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "2");
	cr_assert_eq(fu64(0, 7), 2);
	cr_assert_eq(fu64(0, 16), 0);
	cr_assert_eq(R.n_app, 0);
	cr_assert_eq(S->st.too_high_dropped, 1);

	VENUE(S, .type = "D", .seq = 2, .poss_dup = true, .extra = "11=C2");
	VENUE(S, .type = "D", .seq = 3, .poss_dup = true, .extra = "11=C3");
	cr_assert_eq(input(S, T0 + 2 * SEC), 2);
	cr_assert_eq(R.n_app, 2);
	cr_assert_str_eq(R.app[0].clordid, "C2");
	cr_assert_str_eq(R.app[1].clordid, "C3");
	cr_assert_eq(SEQ.next_in, 4);
	cr_assert_not(S->resend_pending);
	cr_assert_eq(take_tx(S), 0);
}

/* ======================================================== Escalation */

#define RESEND_T (2 * SEC) /* resend_timeout_ns: the default */

static size_t big_report(char *out, size_t cap, uint64_t seq, const char *id, size_t text_len);

/* Feed @p len bytes in reads of at most 4096, processing after each, as
 * the connector does. @return messages processed. */
static uint32_t
rx_feed(const char *bytes, size_t len, uint64_t now)
{
	uint32_t n = 0;

	for (size_t off = 0; off < len; off += 4096) {
		rx_append(S, bytes + off, len - off < 4096 ? len - off : 4096);
		n += xr_fix_session_input(S, now, 1000);
	}
	return n;
}

/* Logged on, next_in 2; the venue sends 34=5: one ResendRequest at @p at. */
static void
gap_at(uint64_t at)
{
	logged_on();
	VENUE(S, .type = "8", .seq = 5, .extra = "11=C5");
	cr_assert_eq(input(S, at), 1);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "2");
	cr_assert_eq(fu64(0, 7), 2);
	cr_assert(S->resend_pending);
}

Test(fix_session, unanswered_resend_request_escalates_test_request_then_logout)
{
	uint64_t t = T0 + SEC;

	gap_at(t);
	xr_fix_session_tick(S, t + RESEND_T - 1);
	cr_assert_eq(take_tx(S), 0, "within resend_timeout: nothing");
	cr_assert_eq(S->st.escalations, 0);

	/* Step 1: a TestRequest. */
	xr_fix_session_tick(S, t + RESEND_T);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "1");
	cr_assert(fhas(0, 112));
	cr_assert_eq(S->st.escalations, 1);
	cr_assert(logged("ResendRequest from MsgSeqNum 2 unanswered"));
	cr_assert_eq(S->state, XR_FIX_S_ACTIVE);

	/* The venue answers it, above the gap again: not progress. */
	VENUE(S, .type = "0", .seq = 6, .extra = "112=T1");
	cr_assert_eq(input(S, t + RESEND_T + SEC), 1);
	cr_assert_eq(take_tx(S), 0, "no second ResendRequest while one is out");
	xr_fix_session_tick(S, t + 2 * RESEND_T - 1);
	cr_assert_eq(take_tx(S), 0);

	/* Step 2: Logout, then the connection closes (the owner reconnects). */
	xr_fix_session_tick(S, t + 2 * RESEND_T);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "5");
	cr_assert_str_eq(fstr(0, 58), "ResendRequest unanswered");
	cr_assert_eq(S->state, XR_FIX_S_LOGOUT_SENT);
	cr_assert_eq(S->st.escalations, 2);
	cr_assert_eq(S->st.resend_logouts, 1);
	cr_assert_eq(S->st.gaps_skipped, 0);
	VENUE(S, .type = "5", .seq = 7);
	cr_assert_eq(input(S, t + 2 * RESEND_T + SEC), 1);
	cr_assert(S->want_close);
	cr_assert_eq(SEQ.next_in, 2, "nothing was skipped: the next Logon asks again");
}

Test(fix_session, resend_progress_restarts_the_escalation_wait)
{
	uint64_t t = T0 + SEC;

	gap_at(t);
	/* 2 and 3 resent by t + 1.5 s: the gap narrowed, the wait restarts. */
	VENUE(S, .type = "8", .seq = 2, .poss_dup = true, .extra = "11=C2");
	VENUE(S, .type = "8", .seq = 3, .poss_dup = true, .extra = "11=C3");
	cr_assert_eq(input(S, t + RESEND_T * 3 / 4), 2);
	cr_assert(S->resend_pending);
	xr_fix_session_tick(S, t + RESEND_T);
	cr_assert_eq(take_tx(S), 0, "progress 0.5 s ago: no escalation yet");
	xr_fix_session_tick(S, t + RESEND_T * 3 / 4 + RESEND_T);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "1");
	cr_assert_eq(S->st.escalations, 1);

	/* The rest of the gap arrives: the resend is over, no more steps. */
	VENUE(S, .type = "8", .seq = 4, .poss_dup = true, .extra = "11=C4");
	VENUE(S, .type = "8", .seq = 5, .poss_dup = true, .extra = "11=C5");
	cr_assert_eq(input(S, t + 3 * RESEND_T), 2);
	cr_assert_not(S->resend_pending);
	xr_fix_session_tick(S, t + 10 * RESEND_T);
	cr_assert_eq(take_tx(S), 0);
	cr_assert_eq(S->st.escalations, 1);
	cr_assert_eq(SEQ.next_in, 6);
}

Test(fix_session, gap_never_filled_on_two_sessions_is_given_up)
{
	uint64_t t = T0 + SEC;

	gap_at(t);
	xr_fix_session_tick(S, t + RESEND_T);
	xr_fix_session_tick(S, t + 2 * RESEND_T);
	cr_assert_eq(take_tx(S), 2, "TestRequest, Logout");
	VENUE(S, .type = "5", .seq = 6);
	input(S, t + 2 * RESEND_T);
	cr_assert(S->want_close);
	xr_fix_session_disconnected(S, t + 2 * RESEND_T);

	/* The reconnect: the venue's Logon is still above next_in. */
	uint64_t t1 = t + 3 * RESEND_T;
	xr_fix_session_connected(S, t1);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "A");
	VENUE(S, .type = "A", .seq = 7, .extra = "98=0|108=30");
	cr_assert_eq(input(S, t1), 1);
	cr_assert_eq(S->state, XR_FIX_S_ACTIVE);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "2");
	cr_assert_eq(fu64(0, 7), 2, "the new session asks for the same gap");

	/* Unanswered again: TestRequest; then its first MsgSeqNum is given
	 * up and the rest asked for once more. */
	xr_fix_session_tick(S, t1 + RESEND_T);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "1");
	xr_fix_session_tick(S, t1 + 2 * RESEND_T);
	cr_assert_eq(take_tx(S), 1, "no second Logout");
	expect_type(0, "2");
	cr_assert_eq(fu64(0, 7), 3);
	cr_assert_eq(S->state, XR_FIX_S_ACTIVE);
	cr_assert_eq(SEQ.next_in, 3);
	cr_assert(logged("MsgSeqNum 2..2 never resent, also after a reconnect"));
	/* Nothing again: the whole gap is given up. */
	xr_fix_session_tick(S, t1 + 3 * RESEND_T - 1);
	cr_assert_eq(take_tx(S), 0);
	xr_fix_session_tick(S, t1 + 3 * RESEND_T);
	cr_assert_eq(take_tx(S), 0);
	cr_assert_eq(S->state, XR_FIX_S_ACTIVE);
	cr_assert_not(S->want_close);
	cr_assert_not(S->resend_pending);
	cr_assert_eq(SEQ.next_in, 8, "past the Logon, the highest MsgSeqNum received");
	cr_assert_eq(S->st.escalations, 5, "TR, Logout; TR, first given up, all given up");
	cr_assert_eq(S->st.resend_logouts, 1);
	cr_assert_eq(S->st.gaps_skipped, 2);
	cr_assert_eq(S->st.msgs_skipped, 6, "2..7");
	cr_assert(logged("MsgSeqNum 3..7 not resent either"));

	/* Not wedged: the next message is in sequence and delivered. */
	VENUE(S, .type = "8", .seq = 8, .extra = "11=C8");
	cr_assert_eq(input(S, t1 + 3 * RESEND_T + 1), 1);
	cr_assert_eq(R.n_app, 1);
	cr_assert_str_eq(R.app[0].clordid, "C8");
	cr_assert_eq(take_tx(S), 0);
	xr_fix_session_tick(S, t1 + 10 * RESEND_T);
	cr_assert_eq(S->st.escalations, 5);
}

Test(fix_session, oversize_message_resent_unchanged_costs_only_itself)
{
	static char big[80 * 1024];
	size_t n;
	uint64_t t = T0 + SEC;

	logged_on();
	n = big_report(big, sizeof(big), 2, "BIG", 60000);
	/* 34=2 is too long for the cap; 3 and 4 are fine. */
	cr_assert_eq(rx_feed(big, n, t), 0);
	VENUE(S, .type = "8", .seq = 3, .extra = "11=C3");
	VENUE(S, .type = "8", .seq = 4, .extra = "11=C4");
	cr_assert_eq(input(S, t), 2);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "2");
	/* Every resend brings 2 unchanged (dropped), then 3 and 4, which stay
	 * above the gap; TestRequest, Logout. */
	for (int k = 0; k < 2; k++) {
		cr_assert_eq(rx_feed(big, n, t + (uint64_t)k * RESEND_T + 1), 0);
		VENUE(S, .type = "8", .seq = 3, .poss_dup = true, .extra = "11=C3");
		VENUE(S, .type = "8", .seq = 4, .poss_dup = true, .extra = "11=C4");
		cr_assert_eq(input(S, t + (uint64_t)k * RESEND_T + 1), 2);
		xr_fix_session_tick(S, t + (uint64_t)(k + 1) * RESEND_T);
	}
	cr_assert_eq(take_tx(S), 2, "TestRequest, Logout");
	VENUE(S, .type = "5", .seq = 5);
	input(S, t + 2 * RESEND_T);
	cr_assert(S->want_close);
	xr_fix_session_disconnected(S, t + 2 * RESEND_T);

	uint64_t t1 = t + 3 * RESEND_T;
	xr_fix_session_connected(S, t1);
	VENUE(S, .type = "A", .seq = 6, .extra = "98=0|108=30");
	cr_assert_eq(input(S, t1), 1);
	cr_assert_eq(take_tx(S), 2, "Logon, ResendRequest");
	cr_assert_eq(rx_feed(big, n, t1 + 1), 0);
	xr_fix_session_tick(S, t1 + RESEND_T);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "1");
	xr_fix_session_tick(S, t1 + 2 * RESEND_T);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "2");
	cr_assert_eq(fu64(0, 7), 3, "2 given up, 3.. asked for");

	/* The venue resends 3..6: delivered, the gap is closed. */
	VENUE(S, .type = "8", .seq = 3, .poss_dup = true, .extra = "11=C3");
	VENUE(S, .type = "8", .seq = 4, .poss_dup = true, .extra = "11=C4");
	VENUE(S, .type = "4", .seq = 5, .poss_dup = true, .extra = "123=Y|36=7");
	cr_assert_eq(input(S, t1 + 2 * RESEND_T + 1), 3);
	cr_assert_not(S->resend_pending);
	cr_assert_eq(SEQ.next_in, 7);
	cr_assert_eq(R.n_app, 2);
	cr_assert_str_eq(R.app[0].clordid, "C3");
	cr_assert_str_eq(R.app[1].clordid, "C4");
	cr_assert_eq(S->st.msgs_skipped, 1, "only the message we cannot take is lost");
	cr_assert_eq(S->st.frame_errors[XR_FIX_OVERSIZE], 4);
	xr_fix_session_tick(S, t1 + 10 * RESEND_T);
	cr_assert_eq(take_tx(S), 0);
}

Test(fix_session, resend_timeout_is_configurable)
{
	struct xr_fix_session_cfg c = cfg_of(XR_FIX_44);

	c.resend_timeout_ns = 500 * UINT64_C(1000000);
	S = sess_new(&c, 0, 0);
	xr_fix_session_connected(S, T0);
	VENUE(S, .type = "A", .seq = 4, .extra = "98=0|108=30");
	cr_assert_eq(input(S, T0), 1);
	cr_assert_eq(take_tx(S), 2, "Logon, ResendRequest");
	xr_fix_session_tick(S, T0 + c.resend_timeout_ns - 1);
	cr_assert_eq(take_tx(S), 0);
	xr_fix_session_tick(S, T0 + c.resend_timeout_ns);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "1");
}

/* ============================================================ Frame cap */

/* A venue ExecutionReport 34=@p seq, 11=@p id, with Text of @p text_len
 * bytes, written by hand (the codec's writer stops at XR_FIX_MAX_MSG). */
static size_t
big_report(char *out, size_t cap, uint64_t seq, const char *id, size_t text_len)
{
	static char body[128 * 1024];
	int k = snprintf(body, sizeof(body),
			 "35=8|49=VENUE|56=XROUTE|34=%llu|52=20260101-00:00:00.000|11=%s|58=",
			 (unsigned long long)seq, id);

	cr_assert_lt((size_t)k + text_len + 2, sizeof(body));
	memset(body + k, 'x', text_len);
	strcpy(body + k + text_len, "|");
	return raw_msg(out, cap, "FIX.4.4", body, 0);
}

Test(fix_session, oversize_message_arriving_in_pieces_is_one_drop_then_resync)
{
	static char big[80 * 1024];
	char next[512];

	logged_on();
	size_t n = big_report(big, sizeof(big), 2, "BIG", 60000);
	size_t nn = vbuild(S, next, sizeof(next), &(struct vmsg){ .type = "8", .seq = 3,
								   .extra = "11=NEXT" });
	/* Reads of at most 4096 bytes, as a socket delivers them. */
	for (size_t off = 0; off < n; off += 4096) {
		size_t k = n - off < 4096 ? n - off : 4096;
		rx_append(S, big + off, k);
		cr_assert_eq(input(S, T0 + SEC), 0);
		cr_assert_lt(S->rx_len, 5, "the drop leaves at most a partial \"8=FIX\"");
	}
	rx_append(S, next, nn);
	cr_assert_eq(input(S, T0 + SEC), 1, "the next message frames");
	for (int e = 0; e < XR_FIX_ERRORS; e++)
		cr_assert_eq(S->st.frame_errors[e], e == XR_FIX_OVERSIZE ? 1u : 0u,
			     "frame_errors[%s] = %llu", xr_fix_error_name((enum xr_fix_error)e),
			     (unsigned long long)S->st.frame_errors[e]);
	cr_assert_eq(S->st.bytes_dropped, n);
	cr_assert_eq(S->rx_len, 0);
	/* The dropped message was 34=2: a gap, asked for. */
	cr_assert_eq(S->st.too_high_dropped, 1);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "2");
	cr_assert_eq(fu64(0, 7), 2);
	/* The venue fills the gap; 3 resent is delivered. */
	VENUE(S, .type = "4", .seq = 2, .poss_dup = true, .extra = "123=Y|36=3");
	VENUE(S, .type = "8", .seq = 3, .poss_dup = true, .extra = "11=NEXT");
	cr_assert_eq(input(S, T0 + 2 * SEC), 2);
	cr_assert_eq(R.n_app, 1);
	cr_assert_str_eq(R.app[0].clordid, "NEXT");
	cr_assert_not(S->resend_pending);
}

Test(fix_session, frame_cap_is_configurable)
{
	static char big[80 * 1024];
	struct xr_fix_session_cfg c = cfg_of(XR_FIX_44);

	c.max_frame_bytes = 65536;
	S = sess_new(&c, 0, 0);
	cr_assert_eq(S->rx_cap, 2 * 65536);
	xr_fix_session_connected(S, T0);
	VENUE(S, .type = "A", .seq = 1, .extra = "98=0|108=30");
	cr_assert_eq(input(S, T0), 1);
	take_tx(S);
	size_t n = big_report(big, sizeof(big), 2, "BIG", 60000);
	cr_assert_gt(n, XR_FIX_FRAME_DEFAULT);
	rx_append(S, big, n);
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(R.n_app, 1, "60 KB under a 64 KiB cap is a message");
	cr_assert_str_eq(R.app[0].clordid, "BIG");
	cr_assert_eq(S->st.frame_errors[XR_FIX_OVERSIZE], 0);
	cr_assert_eq(SEQ.next_in, 3);
}

Test(fix_session, frame_cap_out_of_range_is_refused)
{
	struct xr_fix_session_cfg c = cfg_of(XR_FIX_44);
	struct xr_fix_session *s = calloc(1, xr_fix_session_size(XR_FIX_FRAME_MAX));

	cr_assert_not_null(s);
	c.max_frame_bytes = XR_FIX_FRAME_MIN - 1;
	cr_assert_eq(xr_fix_session_init(s, &c, &SEQ, &OPS, &R), -EINVAL);
	c.max_frame_bytes = XR_FIX_FRAME_MAX + 1;
	cr_assert_eq(xr_fix_session_init(s, &c, &SEQ, &OPS, &R), -EINVAL);
	c.max_frame_bytes = XR_FIX_FRAME_MAX;
	cr_assert_eq(xr_fix_session_init(s, &c, &SEQ, &OPS, &R), 0);
	cr_assert_eq(s->rx_cap, 2 * XR_FIX_FRAME_MAX);
	c.max_frame_bytes = 0;
	cr_assert_eq(xr_fix_session_init(s, &c, &SEQ, &OPS, &R), 0);
	cr_assert_eq(s->cfg.max_frame_bytes, XR_FIX_FRAME_DEFAULT, "0 is the default");
	free(s);
}

Test(fix_session, garbage_then_bad_checksum_then_valid_counted_by_kind)
{
	static const char junk[] = "\r\nhello venue\r\n";
	char bad[512];
	size_t n = raw_msg(bad, sizeof(bad), "FIX.4.4", BODY_D2, 0);

	bad[n - 2] = bad[n - 2] == '9' ? '0' : (char)(bad[n - 2] + 1); /* CheckSum off */
	logged_on();
	VENUE(S, .type = "8", .seq = 2, .extra = "11=A");
	cr_assert_eq(input(S, T0 + SEC), 1);
	/* After a valid message: garbage (one read), then a bad CheckSum. */
	rx_append(S, junk, sizeof(junk) - 1);
	cr_assert_eq(input(S, T0 + SEC), 0);
	rx_append(S, bad, n);
	VENUE(S, .type = "8", .seq = 3, .extra = "11=B");
	cr_assert_eq(input(S, T0 + SEC), 1);
	cr_assert_eq(S->st.frame_errors[XR_FIX_GARBAGE], 1);
	cr_assert_eq(S->st.frame_errors[XR_FIX_BAD_CHECKSUM], 1);
	cr_assert_eq(S->st.bytes_dropped, sizeof(junk) - 1 + n);
	cr_assert_eq(R.n_app, 2);
	cr_assert_str_eq(R.app[1].clordid, "B");
}

Test(fix_session, malformed_input_logs_are_rate_limited)
{
	static const char junk[] = "junk\r\n";
	char bad[512];
	size_t n = raw_msg(bad, sizeof(bad), "FIX.4.4", BODY_D2, 0);

	bad[n - 2] = bad[n - 2] == '9' ? '0' : (char)(bad[n - 2] + 1); /* CheckSum off */
	logged_on();
	/* 20 bad frames in one second: each counted, 5 logged. */
	for (int k = 0; k < 20; k++)
		rx_append(S, bad, n);
	cr_assert_eq(input(S, T0 + SEC), 0);
	cr_assert_eq(S->st.frame_errors[XR_FIX_BAD_CHECKSUM], 20);
	cr_assert_eq(R.n_log, XR_FIX_DROP_LOG_PER_S);
	/* The next second: logged again, with the count left out. (Garbage
	 * right after a drop would be part of it, so a valid message first.) */
	VENUE(S, .type = "8", .seq = 2, .extra = "11=A");
	rx_append(S, junk, sizeof(junk) - 1);
	cr_assert_eq(input(S, T0 + 2 * SEC), 1);
	cr_assert_eq(R.n_log, XR_FIX_DROP_LOG_PER_S + 1);
	cr_assert(logged("(garbage): 6 bytes dropped (15 more not logged)"), "%s",
		  R.log[R.n_log - 1]);
	cr_assert_eq(S->st.frame_errors[XR_FIX_GARBAGE], 1);
	cr_assert_eq(R.n_app, 1, "the session goes on");
}

/* ============================================================ begin/send */

Test(fix_session, app_message_takes_next_out)
{
	logged_on();
	struct xr_fix_writer w;
	uint64_t seq = 0;

	cr_assert_eq(xr_fix_session_begin(S, &w, "D", T0 + SEC), 0);
	xr_fix_put_str(&w, 11, "ORD-42", 6);
	xr_fix_put_char(&w, 54, '1');
	cr_assert_eq(xr_fix_session_send(S, &w, &seq, T0 + SEC), 0);
	cr_assert_eq(seq, 2);
	cr_assert_eq(SEQ.next_out, 3);
	cr_assert_eq(send_order("ORD-43", T0 + SEC), 3);
	cr_assert_eq(SEQ.next_out, 4);
	cr_assert_eq(take_tx(S), 2);
	expect_type(0, "D");
	cr_assert_eq(fu64(0, 34), 2);
	cr_assert_str_eq(fstr(0, 11), "ORD-42");
	cr_assert_str_eq(fstr(0, 54), "1");
	expect_type(1, "D");
	cr_assert_eq(fu64(1, 34), 3);
	cr_assert_str_eq(fstr(1, 11), "ORD-43");
	cr_assert_eq(S->st.msgs_out, 3, "Logon, then these two");
}

Test(fix_session, begin_refused_when_not_active)
{
	struct xr_fix_session_cfg c = cfg_of(XR_FIX_44);
	struct xr_fix_writer w;

	S = sess_new(&c, 0, 0);
	cr_assert_eq(xr_fix_session_begin(S, &w, "D", T0), -ENOTCONN, "DOWN");
	xr_fix_session_connected(S, T0);
	uint32_t tx = S->tx_len;
	cr_assert_eq(xr_fix_session_begin(S, &w, "D", T0), -ENOTCONN, "LOGON_SENT");
	cr_assert_eq(S->tx_len, tx);
	cr_assert_eq(SEQ.next_out, 2);
}

Test(fix_session, begin_refused_when_tx_nearly_full)
{
	logged_on();
	struct xr_fix_writer w;
	const uint32_t full = XR_FIX_TX_CAP - XR_FIX_MAX_MSG + 1;

	memset(S->tx, 'Z', XR_FIX_TX_CAP);
	S->tx_len = full;
	cr_assert_eq(xr_fix_session_begin(S, &w, "D", T0 + SEC), -ENOBUFS);
	cr_assert_eq(S->tx_len, full);
	cr_assert_eq(SEQ.next_out, 2);
	for (size_t i = full; i < XR_FIX_TX_CAP; i++)
		cr_assert_eq(S->tx[i], 'Z', "tx[%zu] written", i);

	/* Exactly one whole message of room: accepted. */
	S->tx_len = XR_FIX_TX_CAP - XR_FIX_MAX_MSG;
	cr_assert_eq(xr_fix_session_begin(S, &w, "D", T0 + SEC), 0);
	xr_fix_put_str(&w, 11, "FITS", 4);
	uint64_t seq = 0;
	cr_assert_eq(xr_fix_session_send(S, &w, &seq, T0 + SEC), 0);
	cr_assert_eq(seq, 2);
	cr_assert_eq(SEQ.next_out, 3);
	cr_assert_gt(S->tx_len, XR_FIX_TX_CAP - XR_FIX_MAX_MSG);
}

Test(fix_session, send_refused_when_message_too_long)
{
	logged_on();
	static char big[XR_FIX_MAX_MSG + 100];
	struct xr_fix_writer w;
	uint64_t seq = 99;

	memset(big, 'x', sizeof(big));
	cr_assert_eq(xr_fix_session_begin(S, &w, "D", T0 + SEC), 0);
	xr_fix_put_str(&w, 58, big, sizeof(big));
	cr_assert_eq(xr_fix_session_send(S, &w, &seq, T0 + SEC), -ENOBUFS);
	cr_assert_eq(S->tx_len, 0);
	cr_assert_eq(SEQ.next_out, 2, "the MsgSeqNum is not used up");
	cr_assert_eq(send_order("NEXT", T0 + SEC), 2);
	cr_assert_eq(take_tx(S), 1);
	cr_assert_eq(fu64(0, 34), 2);
}

/* ============================================================== max_msgs */

Test(fix_session, input_respects_max_msgs)
{
	char third[512];

	logged_on();
	VENUE(S, .type = "8", .seq = 2, .extra = "11=M2");
	VENUE(S, .type = "8", .seq = 3, .extra = "11=M3");
	size_t n3 = vbuild(S, third, sizeof(third), &(struct vmsg){ .type = "8", .seq = 4,
								    .extra = "11=M4" });
	rx_append(S, third, n3);

	cr_assert_eq(xr_fix_session_input(S, T0 + SEC, 2), 2);
	cr_assert_eq(R.n_app, 2);
	cr_assert_eq(SEQ.next_in, 4);
	cr_assert_eq(S->rx_len, n3, "the third message is kept");
	cr_assert_eq(memcmp(S->rx, third, n3), 0);

	cr_assert_eq(xr_fix_session_input(S, T0 + SEC, 0), 0);
	cr_assert_eq(S->rx_len, n3);
	cr_assert_eq(xr_fix_session_input(S, T0 + SEC, 2), 1);
	cr_assert_eq(R.n_app, 3);
	cr_assert_str_eq(R.app[2].clordid, "M4");
	cr_assert_eq(SEQ.next_in, 5);
	cr_assert_eq(S->rx_len, 0);
}
