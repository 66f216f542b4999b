/*
 * The outbound message store (connectors/fix/xr_fix_store.h) and the
 * session's resend from it (xr_fix_session.h "Resend"): a session with a
 * store answers a ResendRequest message by message, FIX 4.4 Vol. 2
 * "Message Recovery": stored application messages again with their
 * MsgSeqNum, PossDupFlag 43=Y, OrigSendingTime 122 = the first SendingTime
 * and a new SendingTime; runs of admin or evicted MsgSeqNums as one
 * SequenceReset-GapFill each. The store is a real file in a temporary
 * directory; the session is driven as in test_fix_session.c (the
 * counterparty's messages appended to rx, everything in tx parsed back),
 * with a plain counter for the clock.
 */
#include <criterion/criterion.h>
#include <ftw.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xr_fix.h"
#include "xr_fix_session.h"
#include "xr_fix_store.h"

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
static struct xr_fix_store *ST; /* the store of the test, at PATH */
static char DIR[64], PATH[128];

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

static void
setup(void)
{
	memset(&R, 0, sizeof(R));
	memset(&SEQ, 0, sizeof(SEQ));
	S = NULL;
	ST = NULL;
	snprintf(DIR, sizeof(DIR), "/tmp/xr_fix_store_XXXXXX");
	cr_assert_not_null(mkdtemp(DIR));
	snprintf(PATH, sizeof(PATH), "%s/messages", DIR);
}

/* Remove the test's directory and what it holds (nftw, depth first). */
static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
rm_dir(const char *dir)
{
	if (dir[0] != '\0')
		nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void
teardown(void)
{
	free(S);
	xr_fix_store_close(ST);
	ST = NULL;
	rm_dir(DIR);
}

TestSuite(fix_store, .init = setup, .fini = teardown);

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

#define OUT_MAX 512
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

static uint32_t
input(struct xr_fix_session *s, uint64_t now)
{
	return xr_fix_session_input(s, now, 1000);
}

/* ------------------------------------------------------------- logged on */

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

/* ------------------------------------------------------------- stores */

/* Open PATH with @p n_slots into ST; it must succeed. */
static void
store_open(uint32_t n_slots)
{
	char err[256] = "";

	cr_assert_eq(xr_fix_store_open(PATH, n_slots, &ST, err, sizeof(err)), 0, "%s", err);
}

/* S logged on (next_out 2, next_in 2) with a store of @p n_slots at PATH. */
static void
logged_on_with_store(uint32_t n_slots)
{
	struct xr_fix_session_cfg c = cfg_of(XR_FIX_44);

	store_open(n_slots);
	S = sess_new(&c, 0, 0);
	xr_fix_session_set_store(S, ST);
	xr_fix_session_connected(S, T0);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "A");
	VENUE(S, .type = "A", .seq = 1, .extra = "98=0|108=30");
	cr_assert_eq(input(S, T0), 1);
	cr_assert_eq(S->state, XR_FIX_S_ACTIVE);
	cr_assert_eq(take_tx(S), 0);
	memset(&R, 0, sizeof(R));
}

/* A ResendRequest [begin, end] from the counterparty at MsgSeqNum SEQ.next_in. */
static void
resend_request(uint64_t begin, uint64_t end, uint64_t now)
{
	char extra[64];

	snprintf(extra, sizeof(extra), "7=%llu|16=%llu", (unsigned long long)begin,
		 (unsigned long long)end);
	VENUE(S, .type = "2", .seq = SEQ.next_in, .extra = extra);
	cr_assert_eq(input(S, now), 1);
}

/* OUT[i] is the resend of our ExecutionReport with MsgSeqNum @p seq and
 * ClOrdID @p id: 43=Y, 122 = the first SendingTime @p first_ns. */
static void
expect_resent(unsigned i, uint64_t seq, const char *id, const char *first_time)
{
	expect_type(i, "D");
	cr_assert_eq(fu64(i, 34), seq, "tx[%u] MsgSeqNum", i);
	cr_assert_str_eq(fstr(i, 43), "Y", "tx[%u] PossDupFlag", i);
	cr_assert_str_eq(fstr(i, 11), id, "tx[%u] body", i);
	cr_assert_str_eq(fstr(i, 122), first_time, "tx[%u] OrigSendingTime", i);
}

/* OUT[i] is a GapFill with MsgSeqNum @p from and NewSeqNo @p to. */
static void
expect_gap_fill(unsigned i, uint64_t from, uint64_t to)
{
	expect_type(i, "4");
	cr_assert_eq(fu64(i, 34), from, "tx[%u] MsgSeqNum", i);
	cr_assert_str_eq(fstr(i, 123), "Y", "tx[%u] GapFillFlag", i);
	cr_assert_str_eq(fstr(i, 43), "Y", "tx[%u] PossDupFlag", i);
	cr_assert_eq(fu64(i, 36), to, "tx[%u] NewSeqNo", i);
}

/* UTCTimestamp text of @p ns as the session writes it at SendingTime. */
static const char *
utc(uint64_t ns)
{
	static char bufs[4][32];
	static unsigned next;
	char tmp[128];
	struct xr_fix_writer w;
	const char *out;
	size_t len;

	xr_fix_begin(&w, tmp, sizeof(tmp), XR_FIX_44, "0");
	xr_fix_put_time(&w, 52, ns);
	char *b = bufs[next++ % 4];
	/* "35=0|52=" is 8 bytes from the writer's body start; 21 of time. */
	cr_assert_eq(xr_fix_finish(&w, &out, &len), 0);
	const char *t = strstr(out, "\x01" "52=");
	cr_assert_not_null(t);
	memcpy(b, t + 4, 21);
	b[21] = '\0';
	return b;
}

/* ================================================================ resend */

Test(fix_store, resend_of_a_stored_range)
{
	logged_on_with_store(64);
	cr_assert_eq(send_order("A1", T0 + 1 * SEC), 2);
	cr_assert_eq(send_order("A2", T0 + 2 * SEC), 3);
	cr_assert_eq(send_order("A3", T0 + 3 * SEC), 4);
	cr_assert_eq(take_tx(S), 3);
	const char *t1 = utc(T0 + 1 * SEC), *t2 = utc(T0 + 2 * SEC);
	char first[3][32];
	snprintf(first[0], 32, "%s", fstr(0, 52));
	snprintf(first[1], 32, "%s", fstr(1, 52));
	snprintf(first[2], 32, "%s", fstr(2, 52));
	cr_assert_str_eq(first[0], t1);
	cr_assert_str_eq(first[1], t2);

	resend_request(2, 3, T0 + 10 * SEC);
	cr_assert_eq(take_tx(S), 2, "EndSeqNo 3: only 2 and 3");
	expect_resent(0, 2, "A1", first[0]);
	expect_resent(1, 3, "A2", first[1]);
	cr_assert_str_eq(fstr(0, 52), utc(T0 + 10 * SEC), "a new SendingTime");
	cr_assert_eq(SEQ.next_out, 5, "a resend takes no MsgSeqNum");
	cr_assert_eq(S->st.msgs_resent, 2);
	cr_assert_eq(R.n_gap, 0);

	resend_request(4, 0, T0 + 11 * SEC);
	cr_assert_eq(take_tx(S), 1, "EndSeqNo 0: up to the last");
	expect_resent(0, 4, "A3", first[2]);
}

Test(fix_store, admin_messages_in_the_range_become_gap_fills)
{
	logged_on_with_store(64);
	cr_assert_eq(send_order("B2", T0 + 1), 2);
	xr_fix_session_tick(S, T0 + 1 + HB); /* Heartbeat 3 */
	cr_assert_eq(send_order("B4", T0 + 2 + HB), 4);
	xr_fix_session_tick(S, T0 + 2 + 2 * HB); /* Heartbeat 5 (and TestRequest?) */
	unsigned n = take_tx(S);
	uint64_t next = SEQ.next_out;
	cr_assert_geq(n, 3);
	cr_assert_eq(send_order("B_LAST", T0 + 3 * HB), next);
	take_tx(S);

	resend_request(1, 0, T0 + 4 * HB);
	n = take_tx(S);
	/* 1 (our Logon) gap, 2 resent, 3 gap, 4 resent, 5.. gap, last resent. */
	cr_assert_eq(n, 6, "got %u messages", n);
	expect_gap_fill(0, 1, 2);
	expect_type(1, "D");
	cr_assert_eq(fu64(1, 34), 2);
	expect_gap_fill(2, 3, 4);
	expect_type(3, "D");
	cr_assert_eq(fu64(3, 34), 4);
	expect_gap_fill(4, 5, next);
	expect_type(5, "D");
	cr_assert_str_eq(fstr(5, 11), "B_LAST");
	cr_assert_eq(R.n_gap, 3, "on_gap_fill once per run");
	cr_assert_eq(R.gap_begin[1], 3);
	cr_assert_eq(R.gap_end[1], 4);
}

Test(fix_store, evicted_messages_are_gap_filled)
{
	logged_on_with_store(16);
	for (int i = 0; i < 20; i++) {
		char id[8];
		snprintf(id, sizeof(id), "E%d", i + 2);
		cr_assert_eq(send_order(id, T0 + (uint64_t)i), (uint64_t)i + 2);
	}
	take_tx(S);
	resend_request(2, 0, T0 + SEC);
	unsigned n = take_tx(S);
	/* 2..5 were overwritten by 18..21: one GapFill, then 6..21. */
	cr_assert_eq(n, 17);
	expect_gap_fill(0, 2, 6);
	for (unsigned i = 1; i < n; i++) {
		char id[8];
		snprintf(id, sizeof(id), "E%u", i + 5);
		cr_assert_eq(fu64(i, 34), i + 5);
		cr_assert_str_eq(fstr(i, 11), id);
	}
}

Test(fix_store, a_large_resend_continues_on_tick_and_keeps_new_messages_in_order)
{
	char body[900];

	memset(body, 'x', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	logged_on_with_store(1024);
	for (int i = 0; i < 400; i++) {
		struct xr_fix_writer w;
		cr_assert_eq(xr_fix_session_begin(S, &w, "8", T0 + (uint64_t)i), 0);
		xr_fix_put_u64(&w, 11, (uint64_t)i + 2);
		xr_fix_put_str(&w, 58, body, strlen(body));
		cr_assert_eq(xr_fix_session_send(S, &w, NULL, T0 + (uint64_t)i), 0);
		S->tx_len = 0; /* sent */
	}
	cr_assert_eq(SEQ.next_out, 402);
	resend_request(2, 0, T0 + SEC);
	cr_assert_neq(S->rs_stop, 0, "tx could not hold 400 resends at once");
	uint64_t want = 2;
	/* A message begun during the resend is stored only, taking 402. */
	uint64_t live = send_order("LIVE", T0 + SEC);
	cr_assert_eq(live, 402);
	cr_assert_eq(S->st.msgs_stored_only, 1);
	for (int round = 0; round < 10 && want <= 402; round++) {
		unsigned n = take_tx(S);
		for (unsigned i = 0; i < n; i++) {
			if (strcmp(OUT[i].msg_type, "0") == 0 || strcmp(OUT[i].msg_type, "1") == 0)
				continue;
			cr_assert_eq(fu64(i, 34), want, "resends in MsgSeqNum order");
			cr_assert_str_eq(fstr(i, 43), "Y");
			if (want == 402)
				cr_assert_str_eq(fstr(i, 11), "LIVE");
			want++;
		}
		xr_fix_session_tick(S, T0 + SEC + (uint64_t)round);
	}
	cr_assert_eq(want, 403, "all 400 and the live one came out");
	cr_assert_eq(S->rs_stop, 0, "the resend is done");
	/* After it, messages go out live again. */
	cr_assert_eq(send_order("AFTER", T0 + 2 * SEC), 403);
	cr_assert_eq(take_tx(S), 1);
	cr_assert_not(fhas(0, 43));
}

Test(fix_store, messages_sent_while_down_are_stored_and_resent_after_logon)
{
	struct xr_fix_session_cfg c = cfg_of(XR_FIX_44);
	struct xr_fix_writer w;
	uint64_t seq = 0;

	store_open(64);
	S = sess_new(&c, 0, 0);
	xr_fix_session_set_store(S, ST);
	/* DOWN: a report is stored, takes its MsgSeqNum, nothing in tx. */
	cr_assert_eq(xr_fix_session_begin(S, &w, "8", T0), 0);
	xr_fix_put_str(&w, 11, "D1", 2);
	cr_assert_eq(xr_fix_session_send(S, &w, &seq, T0), 0);
	cr_assert_eq(seq, 1);
	cr_assert_eq(S->tx_len, 0);
	cr_assert_eq(SEQ.next_out, 2);

	/* Without a store the same is refused. */
	struct xr_fix_session *plain = calloc(1, xr_fix_session_size(0));
	struct xr_fix_seq seq2 = { 0 };
	cr_assert_eq(xr_fix_session_init(plain, &c, &seq2, &OPS, &R), 0);
	cr_assert_eq(xr_fix_session_begin(plain, &w, "8", T0), -ENOTCONN);
	free(plain);

	xr_fix_session_connected(S, T0 + SEC);
	cr_assert_eq(take_tx(S), 1);
	expect_type(0, "A");
	cr_assert_eq(fu64(0, 34), 2);
	VENUE(S, .type = "A", .seq = 1, .extra = "98=0|108=30");
	input(S, T0 + SEC);
	resend_request(1, 0, T0 + SEC);
	cr_assert_eq(take_tx(S), 2);
	expect_type(0, "8");
	cr_assert_eq(fu64(0, 34), 1);
	cr_assert_str_eq(fstr(0, 43), "Y");
	cr_assert_str_eq(fstr(0, 122), utc(T0));
	expect_gap_fill(1, 2, 3);
}

Test(fix_store, reset_seq_num_flag_clears_the_store)
{
	logged_on_with_store(64);
	send_order("R1", T0);
	take_tx(S);
	char type[3];
	uint64_t ns;
	const char *b;
	uint32_t len;
	cr_assert(xr_fix_store_get(ST, 2, type, &ns, &b, &len));
	xr_fix_session_disconnected(S, T0 + SEC);
	S->cfg.reset_on_logon = true;
	xr_fix_session_connected(S, T0 + 2 * SEC);
	cr_assert_not(xr_fix_store_get(ST, 2, type, &ns, &b, &len));
}

/* ================================================================ file */

Test(fix_store, reopened_after_restart_keeps_its_messages)
{
	char type[3];
	uint64_t ns;
	const char *b;
	uint32_t len;
	char err[256];

	store_open(32);
	cr_assert_eq(xr_fix_store_slots(ST), 32);
	cr_assert_eq(xr_fix_store_put(ST, 7, "8", 123456789, "11=X\x01", 5), 0);
	cr_assert_eq(xr_fix_store_put(ST, 8, "9", 5, "11=Y\x01", 5), 0);
	cr_assert_eq(xr_fix_store_put(ST, 0, "8", 5, "", 0), -EINVAL);
	xr_fix_store_close(ST);
	ST = NULL;
	/* Reopened with another slot count: the file keeps its own. */
	cr_assert_eq(xr_fix_store_open(PATH, 64, &ST, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(xr_fix_store_slots(ST), 32);
	cr_assert(xr_fix_store_get(ST, 7, type, &ns, &b, &len));
	cr_assert_str_eq(type, "8");
	cr_assert_eq(ns, 123456789);
	cr_assert_eq(len, 5);
	cr_assert_eq(memcmp(b, "11=X\x01", 5), 0);
	cr_assert(xr_fix_store_get(ST, 8, type, &ns, &b, &len));
	cr_assert_str_eq(type, "9");
	cr_assert_not(xr_fix_store_get(ST, 9, type, &ns, &b, &len));
	cr_assert_not(xr_fix_store_get(ST, 7 + 32, type, &ns, &b, &len), "another MsgSeqNum");

	/* A body too long for a slot empties the slot. */
	static char big[XR_FIX_STORE_BODY_MAX + 1];
	memset(big, 'z', sizeof(big));
	cr_assert_eq(xr_fix_store_put(ST, 7, "8", 1, big, sizeof(big)), -EMSGSIZE);
	cr_assert_not(xr_fix_store_get(ST, 7, type, &ns, &b, &len));
}

Test(fix_store, a_session_on_a_reopened_store_resends_what_it_sent_before)
{
	logged_on_with_store(64);
	send_order("P2", T0);
	send_order("P3", T0);
	take_tx(S);
	struct xr_fix_seq saved = SEQ;
	free(S);
	S = NULL;
	xr_fix_store_close(ST);
	ST = NULL;

	/* "Restart": the same MsgSeqNums, the store file opened again. */
	struct xr_fix_session_cfg c = cfg_of(XR_FIX_44);
	store_open(0);
	S = sess_new(&c, saved.next_out, saved.next_in);
	xr_fix_session_set_store(S, ST);
	xr_fix_session_connected(S, T0 + SEC);
	take_tx(S);
	VENUE(S, .type = "A", .seq = SEQ.next_in, .extra = "98=0|108=30");
	input(S, T0 + SEC);
	resend_request(2, 0, T0 + SEC);
	cr_assert_eq(take_tx(S), 3);
	cr_assert_str_eq(fstr(0, 11), "P2");
	cr_assert_str_eq(fstr(1, 11), "P3");
	expect_gap_fill(2, 4, 5); /* the second Logon */
}

/* Write @p len bytes of @p bytes to PATH (a new file). */
static void
write_file(const void *bytes, size_t len)
{
	FILE *f = fopen(PATH, "wb");

	cr_assert_not_null(f);
	cr_assert_eq(fwrite(bytes, 1, len, f), len);
	fclose(f);
}

/* Opening PATH fails with @p rc and a message naming the file and @p why. */
static void
expect_open_fails(int rc, const char *why)
{
	char err[256] = "";

	cr_assert_eq(xr_fix_store_open(PATH, 0, &ST, err, sizeof(err)), rc, "%s", err);
	cr_assert_null(ST);
	cr_assert(strstr(err, PATH) == err, "names the file: %s", err);
	cr_assert_not_null(strstr(err, why), "says \"%s\": %s", why, err);
}

Test(fix_store, bad_files_are_refused_naming_the_file_and_why)
{
	write_file("hello", 5);
	expect_open_fails(-EINVAL, "shorter than its header");

	char junk[64 + 16 * 1024];
	memset(junk, 7, sizeof(junk));
	write_file(junk, sizeof(junk));
	expect_open_fails(-EINVAL, "not a message store (bad magic)");

	/* A good store, then cut short. */
	unlink(PATH);
	store_open(16);
	xr_fix_store_close(ST);
	ST = NULL;
	cr_assert_eq(truncate(PATH, 64 + 1000), 0);
	expect_open_fails(-EINVAL, "truncated or extended");

	/* A good store whose slot 3 holds MsgSeqNum 4. */
	unlink(PATH);
	store_open(16);
	cr_assert_eq(xr_fix_store_put(ST, 3, "8", 1, "11=A\x01", 5), 0);
	xr_fix_store_close(ST);
	ST = NULL;
	int fd = open(PATH, O_RDWR);
	uint64_t four = 4;
	cr_assert_eq(pwrite(fd, &four, sizeof(four), 64 + 3 * XR_FIX_STORE_SLOT), 8);
	close(fd);
	expect_open_fails(-EINVAL, "slot 3 is corrupt");

	/* A bad version. */
	unlink(PATH);
	store_open(16);
	xr_fix_store_close(ST);
	ST = NULL;
	fd = open(PATH, O_RDWR);
	uint32_t v = 7;
	cr_assert_eq(pwrite(fd, &v, sizeof(v), 8), 4);
	close(fd);
	expect_open_fails(-EINVAL, "version 7");

	/* Locked by another open store. */
	unlink(PATH);
	struct xr_fix_store *other = NULL;
	char err[256];
	cr_assert_eq(xr_fix_store_open(PATH, 16, &other, err, sizeof(err)), 0);
	expect_open_fails(-EBUSY, "in use by another process");
	xr_fix_store_close(other);

	/* A bad slot count for a new file. */
	unlink(PATH);
	cr_assert_eq(xr_fix_store_open(PATH, 3, &ST, err, sizeof(err)), -EINVAL);
	cr_assert_not_null(strstr(err, "3 slots"), "%s", err);
}
