/*
 * The FIX session layer in the acceptor role (cfg.role
 * XR_FIX_ROLE_ACCEPTOR, connectors/fix/xr_fix_session.h "Acceptor"),
 * driven the way a strategy (the initiator) drives it: its messages are
 * built with the codec's writer (SenderCompID STRAT, TargetCompID XROUTE)
 * or, for the garbled corpus, by hand with BodyLength and CheckSum
 * computed here, and appended to rx; tx is framed and parsed back. Then
 * both roles of our own session layer talk to each other in memory.
 * Time is a plain uint64_t: no sleeps.
 *
 * Rules checked: FIX 4.4 Volume 2, "Logon", "Reject", "ResendRequest",
 * "SequenceReset", "Logout", and the session-level test cases "Receive
 * Logon message" (first message not Logon, invalid Logon).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xr_fix.h"
#include "xr_fix_entry.h"
#include "xr_fix_session.h"
#include "xr_types.h"

#define SEC UINT64_C(1000000000)
#define T0 (1000 * SEC)
#define HB_S 30

/* ------------------------------------------------------------ callbacks */

struct side {
	struct xr_fix_session *s;
	struct xr_fix_seq seq;
	char app_type[32][3];
	uint64_t app_seq[32];
	unsigned n_app;
	unsigned ups, downs;
	char log[64][256];
	unsigned n_log;
	bool answer_orders; /* acceptor of the loop test: NOS -> ER New */
	struct xr_fix_nos last_nos;
};

static struct side A, I; /* acceptor under test; initiator of the loop */

static void
on_app(void *ctx, const struct xr_fix_msg *m, uint64_t seq, bool poss_dup, uint64_t now_ns)
{
	struct side *d = ctx;
	struct xr_fix_entry_err e;

	(void)poss_dup;
	cr_assert_lt(d->n_app, 32);
	memcpy(d->app_type[d->n_app], m->msg_type, 3);
	d->app_seq[d->n_app++] = seq;
	if (!d->answer_orders || strcmp(m->msg_type, "D") != 0)
		return;
	if (xr_fix_entry_decode_nos(m, &d->last_nos, &e) != 0) {
		xr_fix_entry_answer(d->s, m, seq, &e, now_ns);
		return;
	}
	struct xr_fix_er er = {
		.kind = XR_FIX_ER_NEW, .side = d->last_nos.side, .order_id = "O1",
		.exec_id = "E1", .clordid = d->last_nos.clordid, .symbol = d->last_nos.symbol,
		.order_qty = d->last_nos.qty, .leaves_qty = d->last_nos.qty,
	};
	cr_assert_eq(xr_fix_entry_send_er(d->s, &er, now_ns), 0);
}

static void
on_gap_fill(void *ctx, uint64_t begin, uint64_t end)
{
	(void)ctx, (void)begin, (void)end;
}

static void
on_state(void *ctx, bool up, uint64_t now_ns)
{
	struct side *d = ctx;

	(void)now_ns;
	if (up)
		d->ups++;
	else
		d->downs++;
}

static void
on_log(void *ctx, enum xr_fix_log_level lvl, const char *text)
{
	struct side *d = ctx;

	(void)lvl;
	if (d->n_log < 64)
		snprintf(d->log[d->n_log++], sizeof(d->log[0]), "%s", text);
}

static const struct xr_fix_session_ops OPS = {
	.on_app = on_app, .on_gap_fill = on_gap_fill, .on_state = on_state, .on_log = on_log,
};

static bool
logged(const struct side *d, const char *needle)
{
	for (unsigned i = 0; i < d->n_log; i++)
		if (strstr(d->log[i], needle) != NULL)
			return true;
	return false;
}

static struct xr_fix_session_cfg
cfg_of(enum xr_fix_role role, const char *sender, const char *target)
{
	struct xr_fix_session_cfg c = {
		.version = XR_FIX_44,
		.role = (uint8_t)role,
		.heartbeat_s = 60, /* the acceptor adopts the initiator's */
		.logon_timeout_ns = 10 * SEC,
		.logout_timeout_ns = 5 * SEC,
	};
	strcpy(c.sender, sender);
	strcpy(c.target, target);
	return c;
}

static void
side_new(struct side *d, const struct xr_fix_session_cfg *cfg)
{
	d->s = calloc(1, xr_fix_session_size(cfg->max_frame_bytes));
	cr_assert_not_null(d->s);
	cr_assert_eq(xr_fix_session_init(d->s, cfg, &d->seq, &OPS, d), 0);
}

static void
setup(void)
{
	memset(&A, 0, sizeof(A));
	memset(&I, 0, sizeof(I));
	struct xr_fix_session_cfg c = cfg_of(XR_FIX_ROLE_ACCEPTOR, "XROUTE", "STRAT");
	side_new(&A, &c);
}

static void
teardown(void)
{
	free(A.s);
	free(I.s);
}

TestSuite(fix_acceptor, .init = setup, .fini = teardown);

/* ------------------------------------------------------------- tx side */

#define OUT_MAX 16
static char OUTBUF[XR_FIX_TX_CAP];
static struct xr_fix_msg OUT[OUT_MAX];
static const char *TX_TARGET = "STRAT"; /* 56 expected on tx */

/* Parse the acceptor's tx into OUT[] (valid FIX, 49=XROUTE 56=STRAT),
 * empty it. @return how many. */
static unsigned
take_tx(void)
{
	size_t pos = 0, len = A.s->tx_len;
	unsigned n = 0;

	memcpy(OUTBUF, A.s->tx, len);
	while (pos < len) {
		size_t mlen = 0;
		enum xr_fix_error why;
		const char *v;
		uint32_t vl;

		cr_assert_eq(xr_fix_frame(OUTBUF + pos, len - pos, &mlen, &why), 1);
		cr_assert_lt(n, OUT_MAX);
		cr_assert_eq(xr_fix_parse(OUTBUF + pos, mlen, &OUT[n], &why), 0);
		cr_assert(xr_fix_get_str(&OUT[n], 49, &v, &vl) && vl == 6 &&
			  memcmp(v, "XROUTE", 6) == 0);
		cr_assert(xr_fix_get_str(&OUT[n], 56, &v, &vl) && vl == strlen(TX_TARGET) &&
			  memcmp(v, TX_TARGET, vl) == 0, "tx[%u] TargetCompID", n);
		pos += mlen;
		n++;
	}
	A.s->tx_len = 0;
	return n;
}

static uint64_t
fu64(unsigned i, uint32_t tag)
{
	uint64_t v = 0;

	cr_assert(xr_fix_get_u64(&OUT[i], tag, &v), "tx[%u] (35=%s) lacks %u", i,
		  OUT[i].msg_type, tag);
	return v;
}

static bool
fis(unsigned i, uint32_t tag, const char *want)
{
	const char *v;
	uint32_t len;

	return xr_fix_get_str(&OUT[i], tag, &v, &len) && len == strlen(want) &&
	       memcmp(v, want, len) == 0;
}

/* ------------------------------------------------------------- rx side */

static void
rx_append(const char *b, size_t len)
{
	cr_assert_leq(A.s->rx_len + len, A.s->rx_cap);
	memcpy(A.s->rx + A.s->rx_len, b, len);
	A.s->rx_len += (uint32_t)len;
}

/*
 * A counterparty message: @p type, 49=@p sender 56=XROUTE 34=@p seq 52,
 * then @p body ("tag=value|..."), in FIX @p v; appended to rx.
 */
static void
cp_v(enum xr_fix_version v, const char *sender, const char *type, uint64_t seq,
     const char *body)
{
	static char buf[XR_FIX_MAX_MSG];
	struct xr_fix_writer w;
	const char *out;
	size_t len;
	char copy[1024];

	xr_fix_begin(&w, buf, sizeof(buf), v, type);
	xr_fix_put_str(&w, 49, sender, strlen(sender));
	xr_fix_put_str(&w, 56, "XROUTE", 6);
	xr_fix_put_u64(&w, 34, seq);
	xr_fix_put_time(&w, 52, UINT64_C(1700000000) * SEC);
	snprintf(copy, sizeof(copy), "%s", body);
	for (char *f = strtok(copy, "|"); f != NULL; f = strtok(NULL, "|")) {
		char *eq = strchr(f, '=');
		cr_assert_not_null(eq);
		*eq = '\0';
		xr_fix_put_str(&w, (uint32_t)atoi(f), eq + 1, strlen(eq + 1));
	}
	cr_assert_eq(xr_fix_finish(&w, &out, &len), 0);
	rx_append(out, len);
}

static void
cp(const char *type, uint64_t seq, const char *body)
{
	cp_v(XR_FIX_44, "STRAT", type, seq, body);
}

/* A hand-built message: @p body from 35= to the last field ('|' = SOH),
 * BodyLength and CheckSum computed (@p csum_delta spoils the CheckSum). */
static void
raw(const char *body, int csum_delta)
{
	char b[4096], msg[4200];
	size_t bl = strlen(body);
	unsigned sum = 0;

	cr_assert_lt(bl, sizeof(b));
	for (size_t i = 0; i < bl; i++)
		b[i] = body[i] == '|' ? XR_FIX_SOH : body[i];
	int n = snprintf(msg, sizeof(msg), "8=FIX.4.4\0019=%zu\001", bl);
	memcpy(msg + n, b, bl);
	n += (int)bl;
	for (int i = 0; i < n; i++)
		sum += (unsigned char)msg[i];
	n += snprintf(msg + n, sizeof(msg) - (size_t)n, "10=%03u\001",
		      (sum + (unsigned)csum_delta) % 256u);
	rx_append(msg, (size_t)n);
}

static uint32_t
input(uint64_t now)
{
	return xr_fix_session_input(A.s, now, 64);
}

/* Connect, the strategy's Logon (MsgSeqNum 1), our answer taken. */
static void
logged_on(void)
{
	xr_fix_session_connected(A.s, T0);
	cp("A", 1, "98=0|108=30");
	input(T0);
	cr_assert_eq(A.s->state, XR_FIX_S_ACTIVE);
	cr_assert_eq(take_tx(), 1);
}

/* ------------------------------------------------------------ Logon */

Test(fix_acceptor, connected_sends_nothing_and_waits)
{
	xr_fix_session_connected(A.s, T0);
	cr_assert_eq(A.s->state, XR_FIX_S_LOGON_WAIT);
	cr_assert_eq(A.s->tx_len, 0);
	cr_assert_str_eq(xr_fix_state_name(XR_FIX_S_LOGON_WAIT), "logon_wait");
	xr_fix_session_tick(A.s, T0 + 9 * SEC);
	cr_assert(!A.s->want_close);
	xr_fix_session_tick(A.s, T0 + 10 * SEC);
	cr_assert(A.s->want_close, "no Logon within logon_timeout_ns");
}

Test(fix_acceptor, good_logon_answered_with_heartbtint)
{
	xr_fix_session_connected(A.s, T0);
	cp("A", 1, "98=0|108=30");
	cr_assert_eq(input(T0 + 1), 1);
	cr_assert_eq(A.s->state, XR_FIX_S_ACTIVE);
	cr_assert_eq(A.ups, 1);
	cr_assert_eq(take_tx(), 1);
	cr_assert_str_eq(OUT[0].msg_type, "A");
	cr_assert_eq(fu64(0, 108), 30, "answers with the initiator's HeartBtInt");
	cr_assert_eq(fu64(0, 34), 1);
	cr_assert_eq(xr_fix_find(&OUT[0], 141), -1);
	cr_assert_eq(A.seq.next_in, 2);
	cr_assert_eq(A.seq.next_out, 2);
	cr_assert_eq(A.s->cfg.heartbeat_s, 30);
	/* heartbeats follow the adopted interval */
	xr_fix_session_tick(A.s, T0 + 1 + 30 * SEC);
	cr_assert_eq(take_tx(), 1);
	cr_assert_str_eq(OUT[0].msg_type, "0");
}

Test(fix_acceptor, reset_logon_is_echoed_and_restarts_numbers)
{
	A.seq = (struct xr_fix_seq){ .magic = XR_FIX_SEQ_MAGIC, .next_out = 40, .next_in = 50 };
	xr_fix_session_connected(A.s, T0);
	cp("A", 1, "98=0|108=30|141=Y");
	input(T0);
	cr_assert_eq(A.s->state, XR_FIX_S_ACTIVE);
	cr_assert_eq(take_tx(), 1);
	cr_assert(fis(0, 141, "Y"));
	cr_assert_eq(fu64(0, 34), 1);
	cr_assert_eq(A.seq.next_in, 2);
	cr_assert_eq(A.seq.next_out, 2);
}

Test(fix_acceptor, unknown_compid_gets_logout_with_text_and_close)
{
	xr_fix_session_connected(A.s, T0);
	cp_v(XR_FIX_44, "INTRUDER", "A", 1, "98=0|108=30");
	input(T0);
	cr_assert(A.s->want_close);
	cr_assert_neq(A.s->state, XR_FIX_S_ACTIVE);
	cr_assert_eq(A.ups, 0);
	TX_TARGET = "INTRUDER"; /* addressed to whoever logged on */
	cr_assert_eq(take_tx(), 1);
	TX_TARGET = "STRAT";
	cr_assert_eq(A.seq.next_out, 1, "the refusal consumes no MsgSeqNum");
	cr_assert_str_eq(OUT[0].msg_type, "5");
	cr_assert(fis(0, 58, "unknown SenderCompID/TargetCompID"));
	cr_assert_eq(A.s->st.logons_refused, 1);
}

Test(fix_acceptor, wrong_beginstring_and_bad_heartbtint_refused)
{
	xr_fix_session_connected(A.s, T0);
	cp_v(XR_FIX_42, "STRAT", "A", 1, "98=0|108=30");
	input(T0);
	cr_assert(A.s->want_close);
	cr_assert_eq(take_tx(), 1);
	cr_assert_str_eq(OUT[0].msg_type, "5");
	cr_assert(fis(0, 58, "BeginString differs from the session's"));

	xr_fix_session_disconnected(A.s, T0);
	xr_fix_session_connected(A.s, T0);
	cp("A", 1, "98=0|108=0");
	input(T0);
	cr_assert(A.s->want_close);
	cr_assert_eq(take_tx(), 1);
	cr_assert(fis(0, 58, "HeartBtInt (108) missing or not 1..3600"));
	cr_assert_eq(A.s->st.logons_refused, 2);
	cr_assert_eq(A.seq.next_out, 1);
}

Test(fix_acceptor, first_message_not_logon_disconnects_silently)
{
	xr_fix_session_connected(A.s, T0);
	cp("0", 1, "");
	input(T0);
	cr_assert(A.s->want_close);
	cr_assert_eq(A.s->tx_len, 0);
	cr_assert(logged(&A, "not Logon"));
}

Test(fix_acceptor, logon_seq_too_low_is_logout)
{
	A.seq = (struct xr_fix_seq){ .magic = XR_FIX_SEQ_MAGIC, .next_out = 5, .next_in = 10 };
	xr_fix_session_connected(A.s, T0);
	cp("A", 3, "98=0|108=30");
	input(T0);
	cr_assert(A.s->want_close);
	cr_assert_eq(take_tx(), 1);
	cr_assert_str_eq(OUT[0].msg_type, "5");
	cr_assert(fis(0, 58, "MsgSeqNum too low, expecting 10 but received 3"));
}

Test(fix_acceptor, logon_seq_high_answered_then_resend_request)
{
	xr_fix_session_connected(A.s, T0);
	cp("A", 5, "98=0|108=30");
	input(T0);
	cr_assert_eq(A.s->state, XR_FIX_S_ACTIVE);
	cr_assert_eq(take_tx(), 2);
	cr_assert_str_eq(OUT[0].msg_type, "A");
	cr_assert_str_eq(OUT[1].msg_type, "2");
	cr_assert_eq(fu64(1, 7), 1);
	cr_assert_eq(fu64(1, 16), 0);
}

/* ------------------------------------------------------- in session */

Test(fix_acceptor, gap_asks_resend_and_gapfill_closes_it)
{
	logged_on();
	cp("D", 4, "11=C4|55=X|54=1|38=1|40=1"); /* 2, 3 lost */
	input(T0 + 1);
	cr_assert_eq(take_tx(), 1);
	cr_assert_str_eq(OUT[0].msg_type, "2");
	cr_assert_eq(fu64(0, 7), 2);
	cr_assert_eq(A.n_app, 0, "too high: dropped, awaiting resend");
	cp("4", 2, "43=Y|123=Y|36=4");
	cp("D", 4, "43=Y|11=C4|55=X|54=1|38=1|40=1");
	input(T0 + 2);
	cr_assert_eq(A.n_app, 1);
	cr_assert_str_eq(A.app_type[0], "D");
	cr_assert_eq(A.seq.next_in, 5);
	cr_assert(!A.s->resend_pending);
}

Test(fix_acceptor, resend_request_answered_with_gapfill)
{
	logged_on();
	cp("2", 2, "7=1|16=0");
	input(T0 + 1);
	cr_assert_eq(take_tx(), 1);
	cr_assert_str_eq(OUT[0].msg_type, "4");
	cr_assert(fis(0, 123, "Y"));
	cr_assert(fis(0, 43, "Y"));
	cr_assert_eq(fu64(0, 34), 1);
	cr_assert_eq(fu64(0, 36), 2);
}

Test(fix_acceptor, bad_checksum_and_garbage_are_dropped_not_rejected)
{
	logged_on();
	raw("35=D|49=STRAT|56=XROUTE|34=2|52=20231114-22:13:20.000|11=C|55=X|54=1|38=1|40=1|", 1);
	input(T0 + 1);
	rx_append("garbage!", 8);
	input(T0 + 1);
	cr_assert_eq(A.s->tx_len, 0, "garbled messages are ignored (Vol. 2)");
	cr_assert_eq(A.s->st.frame_errors[XR_FIX_BAD_CHECKSUM], 1);
	cr_assert_eq(A.seq.next_in, 2, "no MsgSeqNum consumed");
	cp("0", 2, "");
	input(T0 + 2);
	cr_assert_eq(A.seq.next_in, 3, "the session goes on");
}

Test(fix_acceptor, empty_value_is_rejected_with_reftagid_and_seq_consumed)
{
	logged_on();
	raw("35=D|49=STRAT|56=XROUTE|34=2|52=20231114-22:13:20.000|11=|55=X|", 0);
	input(T0 + 1);
	cr_assert_eq(take_tx(), 1);
	cr_assert_str_eq(OUT[0].msg_type, "3");
	cr_assert_eq(fu64(0, 45), 2);
	cr_assert_eq(fu64(0, 371), 11);
	cr_assert_eq(fu64(0, 373), 4);
	cr_assert(fis(0, 372, "D"));
	cr_assert_eq(A.seq.next_in, 3);
	cr_assert_eq(A.s->st.rejects_sent, 1);
	cp("0", 3, "");
	input(T0 + 2);
	cr_assert_eq(A.s->tx_len, 0, "no ResendRequest: the sequence is consistent");
	cr_assert_eq(A.seq.next_in, 4);
}

Test(fix_acceptor, bad_tag_is_rejected_invalid_tag_number)
{
	logged_on();
	raw("35=D|49=STRAT|56=XROUTE|34=2|52=20231114-22:13:20.000|x1=C|55=X|", 0);
	input(T0 + 1);
	cr_assert_eq(take_tx(), 1);
	cr_assert_str_eq(OUT[0].msg_type, "3");
	cr_assert_eq(fu64(0, 373), 0);
	cr_assert_eq(A.seq.next_in, 3);
}

Test(fix_acceptor, oversize_dropped_with_resync)
{
	char body[2200];
	struct xr_fix_session_cfg c = cfg_of(XR_FIX_ROLE_ACCEPTOR, "XROUTE", "STRAT");

	free(A.s);
	c.max_frame_bytes = 1024;
	side_new(&A, &c);
	logged_on();
	memset(body, 'a', sizeof(body));
	int n = snprintf(body, sizeof(body), "35=D|49=STRAT|56=XROUTE|34=2|58=");
	memset(body + n, 'a', 1500);
	strcpy(body + n + 1500, "|");
	raw(body, 0);
	cp("0", 2, "");
	input(T0 + 1);
	cr_assert_eq(A.s->st.frame_errors[XR_FIX_OVERSIZE], 1);
	cr_assert_eq(A.seq.next_in, 3, "the next message after the drop is read");
	cr_assert_eq(A.s->tx_len, 0);
}

Test(fix_acceptor, nos_errors_answered_per_spec)
{
	A.answer_orders = true;
	logged_on();
	cp("D", 2, "11=C|55=X|54=1|40=2|44=1"); /* no OrderQty: Reject 373=1 */
	cp("D", 3, "11=C|55=X|54=1|38=1|40=2"); /* no Price: BMR 380=5 */
	cp("D", 4, "11=C|55=X|54=1|38=1|40=3|44=1"); /* Stop: ER rejected */
	input(T0 + 1);
	cr_assert_eq(take_tx(), 3);
	cr_assert_str_eq(OUT[0].msg_type, "3");
	cr_assert_eq(fu64(0, 371), 38);
	cr_assert_eq(fu64(0, 373), 1);
	cr_assert(fis(0, 58, "OrderQty (38): missing"));
	cr_assert_str_eq(OUT[1].msg_type, "j");
	cr_assert_eq(fu64(1, 380), 5);
	cr_assert_eq(fu64(1, 45), 3);
	cr_assert_str_eq(OUT[2].msg_type, "8");
	cr_assert(fis(2, 39, "8") && fis(2, 150, "8") && fis(2, 11, "C"));
	cr_assert_eq(fu64(2, 103), 11);
	cr_assert_eq(A.seq.next_in, 5);
}

/* ------------------------------------------- initiator <-> acceptor */

/* Move every byte of @p from's tx into @p to's rx (unless @p drop) and
 * let @p to read it. */
static void
pump(struct side *from, struct side *to, uint64_t now, bool drop)
{
	if (!drop) {
		cr_assert_leq(to->s->rx_len + from->s->tx_len, to->s->rx_cap);
		memcpy(to->s->rx + to->s->rx_len, from->s->tx, from->s->tx_len);
		to->s->rx_len += from->s->tx_len;
	}
	from->s->tx_len = 0;
	xr_fix_session_input(to->s, now, 64);
}

static void
loop_logon(void)
{
	struct xr_fix_session_cfg ic = cfg_of(XR_FIX_ROLE_INITIATOR, "STRAT", "XROUTE");

	ic.heartbeat_s = HB_S;
	side_new(&I, &ic);
	A.answer_orders = true;
	xr_fix_session_connected(A.s, T0);
	xr_fix_session_connected(I.s, T0);
	pump(&I, &A, T0, false);
	pump(&A, &I, T0, false);
	cr_assert_eq(A.s->state, XR_FIX_S_ACTIVE);
	cr_assert_eq(I.s->state, XR_FIX_S_ACTIVE);
	cr_assert_eq(A.s->cfg.heartbeat_s, HB_S);
}

static void
send_nos(struct side *d, const char *clordid, uint64_t now)
{
	struct xr_fix_writer w;

	cr_assert_eq(xr_fix_session_begin(d->s, &w, "D", now), 0);
	xr_fix_put_str(&w, 11, clordid, strlen(clordid));
	xr_fix_put_str(&w, 55, "BTC-USD", 7);
	xr_fix_put_char(&w, 54, '1');
	xr_fix_put_str(&w, 38, "0.25", 4);
	xr_fix_put_char(&w, 40, '2');
	xr_fix_put_str(&w, 44, "50000.5", 7);
	cr_assert_eq(xr_fix_session_send(d->s, &w, NULL, now), 0);
}

Test(fix_acceptor, loop_logon_order_report_heartbeat_logout)
{
	loop_logon();
	send_nos(&I, "L1", T0 + 1);
	pump(&I, &A, T0 + 1, false);
	cr_assert_eq(A.n_app, 1);
	cr_assert_str_eq(A.last_nos.clordid, "L1");
	cr_assert_eq(A.last_nos.qty, XR_QTY_SCALE / 4);
	cr_assert_eq(A.last_nos.px, INT64_C(5000050000000));
	pump(&A, &I, T0 + 1, false);
	cr_assert_eq(I.n_app, 1);
	cr_assert_str_eq(I.app_type[0], "8");

	/* quiet for HeartBtInt: both heartbeat, neither times out */
	uint64_t t = T0 + 1 + HB_S * SEC;
	xr_fix_session_tick(A.s, t);
	xr_fix_session_tick(I.s, t);
	pump(&I, &A, t, false);
	pump(&A, &I, t, false);
	cr_assert(!A.s->want_close && !I.s->want_close);
	cr_assert_eq(A.seq.next_in, I.seq.next_out);
	cr_assert_eq(I.seq.next_in, A.seq.next_out);

	xr_fix_session_logout(I.s, "done", t + 1);
	pump(&I, &A, t + 1, false);
	cr_assert(A.s->want_close);
	pump(&A, &I, t + 1, false);
	cr_assert(I.s->want_close);
	cr_assert_eq(A.s->st.logouts_received, 1);
}

Test(fix_acceptor, loop_lost_message_is_gap_filled)
{
	loop_logon();
	send_nos(&I, "L1", T0 + 1);
	pump(&I, &A, T0 + 1, true); /* lost on the way */
	send_nos(&I, "L2", T0 + 2);
	pump(&I, &A, T0 + 2, false);
	cr_assert(A.s->resend_pending);
	cr_assert_eq(A.n_app, 0);
	pump(&A, &I, T0 + 2, false); /* ResendRequest: GapFill over both */
	cr_assert_eq(I.s->st.gap_fills_sent, 1);
	pump(&I, &A, T0 + 2, false);
	cr_assert(!A.s->resend_pending);
	cr_assert_eq(A.seq.next_in, I.seq.next_out);
	cr_assert_eq(A.n_app, 0, "xroute keeps no store: the orders are gap-filled, not resent");
	send_nos(&I, "L3", T0 + 3);
	pump(&I, &A, T0 + 3, false);
	cr_assert_eq(A.n_app, 1);
	cr_assert_str_eq(A.last_nos.clordid, "L3");
}
