/*
 * The simulated venue behind a FIX acceptor (connectors/fix/xr_fix_venue.h),
 * the protocol half of `xroute sim-venue`, driven without a socket: the
 * initiator's messages are built with the codec's writer and appended to
 * the venue session's rx; everything it writes to tx is framed and parsed
 * back (it must be valid FIX from ALPHA to XROUTE). The clock is a plain
 * counter handed to input() and poll(): the sim's latency is 100 us, so
 * a poll 1 ms later sees every order arrive. No sleeps.
 *
 * The config is a real file loaded by xr_config_load(): [venue alpha],
 * connector = sim, one book BTC-USD mid 100, tick 0.5, 10 levels of 100;
 * asks 100.5, 101, ..., bids 99.5, 99, ...
 */
#include <criterion/criterion.h>
#include <ftw.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xr_config.h"
#include "xr_connector.h"
#include "xr_fix.h"
#include "xr_fix_session.h"
#include "xr_fix_venue.h"

#define SEC UINT64_C(1000000000)
#define MS UINT64_C(1000000)
#define T0 (1000 * SEC)

static char DIR[64], INI[128], LOG[128], STORE[128];
static struct xr_config *CFG;
static struct xr_fix_venue *V;
static struct xr_fix_session *S;
static FILE *LOGF;
static uint64_t NEXT_IN = 1; /* the initiator's next MsgSeqNum */
static uint64_t NOW;

static void
write_ini(const char *extra)
{
	FILE *f = fopen(INI, "w");

	cr_assert_not_null(f);
	fprintf(f, "[venue alpha]\nlatency_us = 100\njitter_us = 0\n%s\n"
		   "book.BTC-USD = mid=100 tick=0.5 levels=10 level_qty=100\n"
		   "[user u1]\n", extra != NULL ? extra : "session_ms = 60000");
	fclose(f);
}

static void
setup(void)
{
	snprintf(DIR, sizeof(DIR), "/tmp/xr_fix_venue_XXXXXX");
	cr_assert_not_null(mkdtemp(DIR));
	snprintf(INI, sizeof(INI), "%s/v.ini", DIR);
	snprintf(LOG, sizeof(LOG), "%s/venue.csv", DIR);
	snprintf(STORE, sizeof(STORE), "%s/store", DIR);
	mkdir(STORE, 0755);
	CFG = NULL;
	V = NULL;
	LOGF = NULL;
	NEXT_IN = 1;
	NOW = T0;
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
	xr_fix_venue_destroy(V);
	if (LOGF != NULL)
		fclose(LOGF);
	xr_config_free(CFG);
	rm_dir(DIR);
}

TestSuite(fix_venue, .init = setup, .fini = teardown);

/* Load INI (written with @p extra, or session_ms = 60000) and create the venue. */
static struct xr_fix_venue *
venue_new(uint8_t version, const char *store, const char *extra)
{
	char err[512];
	struct xr_fix_venue_opts o = { .version = version, .store_dir = store };

	if (CFG == NULL) {
		write_ini(extra);
		CFG = xr_config_load(INI, xr_connector_schemas, err, sizeof(err));
		cr_assert_not_null(CFG, "%s", err);
	}
	strcpy(o.comp_id, "ALPHA");
	strcpy(o.peer_comp_id, "XROUTE");
	if (LOGF == NULL)
		LOGF = fopen(LOG, "a");
	o.log = LOGF;
	struct xr_fix_venue *v = xr_fix_venue_create(CFG, 0, &o, err, sizeof(err));
	cr_assert_not_null(v, "%s", err);
	return v;
}

/* ------------------------------------------------------------- wire */

#define OUT_MAX 64
static char OUTBUF[XR_FIX_TX_CAP];
static struct xr_fix_msg OUT[OUT_MAX];

/* Parse and empty tx. @return messages. */
static unsigned
take_tx(void)
{
	size_t pos = 0, len = S->tx_len;
	unsigned n = 0;

	memcpy(OUTBUF, S->tx, len);
	while (pos < len) {
		size_t mlen = 0;
		enum xr_fix_error why;
		const char *v;
		uint32_t vl;

		cr_assert_eq(xr_fix_frame(OUTBUF + pos, len - pos, &mlen, &why), 1, "frame %u", n);
		cr_assert_lt(n, OUT_MAX);
		cr_assert_eq(xr_fix_parse(OUTBUF + pos, mlen, &OUT[n], &why), 0);
		cr_assert(xr_fix_get_str(&OUT[n], 49, &v, &vl) && vl == 5 && memcmp(v, "ALPHA", 5) == 0);
		cr_assert(xr_fix_get_str(&OUT[n], 56, &v, &vl) && vl == 6 &&
			  memcmp(v, "XROUTE", 6) == 0);
		pos += mlen;
		n++;
	}
	S->tx_len = 0;
	return n;
}

static bool
fhas(unsigned i, uint32_t tag)
{
	return xr_fix_find(&OUT[i], tag) >= 0;
}

static const char *
fstr(unsigned i, uint32_t tag)
{
	static char bufs[8][128];
	static unsigned next;
	const char *v;
	uint32_t len;

	cr_assert(xr_fix_get_str(&OUT[i], tag, &v, &len), "tx[%u] (35=%s) has no tag %u", i,
		  OUT[i].msg_type, tag);
	char *b = bufs[next++ % 8];
	cr_assert_lt(len, sizeof(bufs[0]));
	memcpy(b, v, len);
	b[len] = '\0';
	return b;
}

/* The initiator sends MsgType @p type with body @p body ("tag=value|..."). */
static void
send_msg(const char *type, const char *body, bool poss_dup)
{
	char buf[XR_FIX_MAX_MSG];
	struct xr_fix_writer w;
	const char *msg;
	size_t len;

	xr_fix_begin(&w, buf, sizeof(buf), (enum xr_fix_version)S->cfg.version, type);
	xr_fix_put_str(&w, 49, "XROUTE", 6);
	xr_fix_put_str(&w, 56, "ALPHA", 5);
	xr_fix_put_u64(&w, 34, NEXT_IN++);
	xr_fix_put_time(&w, 52, UINT64_C(1767225600) * SEC);
	if (poss_dup)
		xr_fix_put_char(&w, 43, 'Y');
	for (const char *p = body; p != NULL && *p != '\0';) {
		char *eq;
		unsigned long tag = strtoul(p, &eq, 10);
		const char *val = eq + 1, *end = strchr(val, '|');
		size_t vl = end != NULL ? (size_t)(end - val) : strlen(val);
		xr_fix_put_str(&w, (uint32_t)tag, val, vl);
		p = end != NULL ? end + 1 : val + vl;
	}
	cr_assert_eq(xr_fix_finish(&w, &msg, &len), 0);
	cr_assert_leq(S->rx_len + len, S->rx_cap);
	memcpy(S->rx + S->rx_len, msg, len);
	S->rx_len += (uint32_t)len;
	xr_fix_venue_input(V, NOW, 1000);
}

/* Connect and log on (the venue answers Logon); tx emptied. */
static void
logon(void)
{
	S = xr_fix_venue_session(V);
	xr_fix_venue_connected(V, NOW);
	send_msg("A", "98=0|108=30", false);
	cr_assert_eq(S->state, XR_FIX_S_ACTIVE);
	unsigned n = take_tx();
	cr_assert_geq(n, 1);
	cr_assert_str_eq(OUT[0].msg_type, "A");
}

/* Let the sim run 1 ms (every order arrives), then take tx. */
static unsigned
run_1ms(void)
{
	NOW += MS;
	xr_fix_venue_poll(V, NOW);
	return take_tx();
}

static void
nos(const char *id, const char *side, const char *qty, const char *px, const char *tif)
{
	char body[256];

	snprintf(body, sizeof(body), "11=%s|21=1|55=BTC-USD|54=%s|60=20260101-00:00:00|38=%s|"
		 "40=2|44=%s|59=%s", id, side, qty, px, tif);
	send_msg("D", body, false);
}

static void
expect_er(unsigned i, const char *exec_type, const char *ord_status)
{
	cr_assert_str_eq(OUT[i].msg_type, "8", "tx[%u] is 35=%s", i, OUT[i].msg_type);
	cr_assert_str_eq(fstr(i, 150), exec_type, "tx[%u] ExecType", i);
	cr_assert_str_eq(fstr(i, 39), ord_status, "tx[%u] OrdStatus", i);
}

/* The log's lines with event @p event, as read back. */
static unsigned
log_count(const char *event)
{
	char line[512], want[64];
	unsigned n = 0;
	FILE *f = fopen(LOG, "r");

	cr_assert_not_null(f);
	snprintf(want, sizeof(want), ",%s,", event);
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, want) != NULL;
	fclose(f);
	return n;
}

/* ============================================================ orders */

Test(fix_venue, a_resting_order_is_acked_answers_status_and_is_canceled)
{
	V = venue_new(XR_FIX_44, NULL, NULL);
	logon();
	nos("A1", "1", "5", "99", "0");
	cr_assert_eq(take_tx(), 0, "nothing before the sim's latency");
	cr_assert_eq(run_1ms(), 1);
	expect_er(0, "0", "0");
	cr_assert_str_eq(fstr(0, 11), "A1");
	cr_assert_str_eq(fstr(0, 37), "1");
	cr_assert_str_eq(fstr(0, 17), "1");
	cr_assert_str_eq(fstr(0, 55), "BTC-USD");
	cr_assert_str_eq(fstr(0, 54), "1");
	cr_assert_str_eq(fstr(0, 38), "5");
	cr_assert_str_eq(fstr(0, 44), "99");
	cr_assert_str_eq(fstr(0, 14), "0");
	cr_assert_str_eq(fstr(0, 151), "5");
	cr_assert_str_eq(fstr(0, 6), "0");
	cr_assert_not(fhas(0, 32), "no LastQty without a fill");

	send_msg("H", "11=A1|55=BTC-USD|54=1", false);
	cr_assert_eq(take_tx(), 1);
	expect_er(0, "I", "0");
	cr_assert_str_eq(fstr(0, 151), "5");
	cr_assert_str_eq(fstr(0, 17), "2", "a new ExecID");

	send_msg("F", "41=A1|11=A1-C1|55=BTC-USD|54=1|38=5", false);
	cr_assert_eq(run_1ms(), 1);
	expect_er(0, "4", "4");
	cr_assert_str_eq(fstr(0, 11), "A1-C1");
	cr_assert_str_eq(fstr(0, 41), "A1");
	cr_assert_str_eq(fstr(0, 151), "0");

	/* Ended: a second cancel is too late, an unknown one unknown. */
	send_msg("F", "41=A1|11=A1-C2|55=BTC-USD|54=1", false);
	send_msg("F", "41=ZZ|11=ZZ-C1|55=BTC-USD|54=1", false);
	cr_assert_eq(take_tx(), 2);
	cr_assert_str_eq(OUT[0].msg_type, "9");
	cr_assert_str_eq(fstr(0, 102), "0");
	cr_assert_str_eq(fstr(0, 39), "4");
	cr_assert_str_eq(fstr(1, 102), "1");
	cr_assert_str_eq(fstr(1, 37), "NONE");
	cr_assert_eq(log_count("new"), 1);
	cr_assert_eq(log_count("new_ack"), 1);
	cr_assert_eq(log_count("status"), 1);
	cr_assert_eq(log_count("cancel_request"), 1);
	cr_assert_eq(log_count("canceled"), 1);
	cr_assert_eq(log_count("cancel_reject"), 2);
}

Test(fix_venue, a_fill_across_levels_reports_its_average_price_exactly)
{
	V = venue_new(XR_FIX_44, NULL, NULL);
	logon();
	/* 100 at 100.5 and 50 at 101: 15100 / 150 = 100.666666666... */
	nos("F1", "1", "150", "101", "0");
	cr_assert_eq(run_1ms(), 1);
	expect_er(0, "F", "2");
	cr_assert_str_eq(fstr(0, 32), "150");
	cr_assert_str_eq(fstr(0, 31), "100.66666666");
	cr_assert_str_eq(fstr(0, 14), "150");
	cr_assert_str_eq(fstr(0, 151), "0");
	cr_assert_str_eq(fstr(0, 6), "100.66666666");

	/* The log has the fill with its LastQty and LastPx. */
	char line[512];
	FILE *f = fopen(LOG, "r");
	bool seen = false;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, ",fill,F1,,1,BTC-USD,buy,150,101,150,100.66666666,150,0,2,") != NULL)
			seen = true;
	fclose(f);
	cr_assert(seen, "fill line in the log");
}

Test(fix_venue, an_ioc_remainder_is_a_trade_then_canceled)
{
	V = venue_new(XR_FIX_44, NULL, NULL);
	logon();
	nos("I1", "2", "150", "99.5", "3"); /* a sell: only bid 99.5, 100 of it */
	cr_assert_eq(run_1ms(), 2);
	expect_er(0, "F", "1");
	cr_assert_str_eq(fstr(0, 32), "100");
	cr_assert_str_eq(fstr(0, 31), "99.5");
	cr_assert_str_eq(fstr(0, 151), "50");
	expect_er(1, "4", "4");
	cr_assert_str_eq(fstr(1, 14), "100");
	cr_assert_str_eq(fstr(1, 151), "0");
	cr_assert_str_eq(fstr(1, 11), "I1");
}

Test(fix_venue, a_clordid_used_before_is_rejected_duplicate_and_never_a_second_order)
{
	V = venue_new(XR_FIX_44, NULL, NULL);
	logon();
	nos("D1", "1", "5", "99", "0");
	run_1ms();
	nos("D1", "1", "7", "98", "0");
	cr_assert_eq(take_tx(), 1);
	expect_er(0, "8", "8");
	cr_assert_str_eq(fstr(0, 103), "6");
	cr_assert_str_eq(fstr(0, 11), "D1");
	cr_assert_str_eq(fstr(0, 37), "NONE");
	/* Even resent (PossDupFlag): still no second order. */
	send_msg("D", "11=D1|21=1|55=BTC-USD|54=1|60=20260101-00:00:00|38=5|40=2|44=99", true);
	cr_assert_eq(take_tx(), 1);
	cr_assert_str_eq(fstr(0, 103), "6");
	/* Only one order is open: the mass status says so. */
	send_msg("AF", "584=M1|585=7", false);
	cr_assert_eq(take_tx(), 1);
	cr_assert_str_eq(fstr(0, 911), "1");
	cr_assert_str_eq(fstr(0, 38), "5");
	struct xr_fix_venue_stats st;
	xr_fix_venue_stats(V, &st);
	cr_assert_eq(st.orders, 1);
	cr_assert_eq(st.rejects, 2);
	/* Unknown symbol: 103=1. */
	send_msg("D", "11=U1|21=1|55=DOGE-USD|54=1|60=20260101-00:00:00|38=5|40=2|44=1", false);
	cr_assert_eq(take_tx(), 1);
	cr_assert_str_eq(fstr(0, 103), "1");
	cr_assert_not(fhas(0, 55), "no Symbol the venue does not list");
}

Test(fix_venue, status_of_an_unknown_order_is_rejected_with_reason_5)
{
	V = venue_new(XR_FIX_44, NULL, NULL);
	logon();
	send_msg("H", "11=NEVER|55=BTC-USD|54=2", false);
	cr_assert_eq(take_tx(), 1);
	expect_er(0, "I", "8");
	cr_assert_str_eq(fstr(0, 103), "5");
	cr_assert_str_eq(fstr(0, 11), "NEVER");
	cr_assert_str_eq(fstr(0, 14), "0");
	cr_assert_str_eq(fstr(0, 37), "NONE");
	cr_assert_str_eq(fstr(0, 54), "2");
	/* Without ClOrdID: a session Reject naming tag 11. */
	send_msg("H", "55=BTC-USD", false);
	cr_assert_eq(take_tx(), 1);
	cr_assert_str_eq(OUT[0].msg_type, "3");
	cr_assert_str_eq(fstr(0, 371), "11");
}

Test(fix_venue, fix42_status_is_exec_trans_type_3_with_the_state)
{
	V = venue_new(XR_FIX_42, NULL, NULL);
	logon();
	nos("S1", "1", "5", "99", "0");
	cr_assert_eq(run_1ms(), 1);
	expect_er(0, "0", "0");
	cr_assert_str_eq(fstr(0, 20), "0");
	send_msg("H", "11=S1|55=BTC-USD|54=1", false);
	cr_assert_eq(take_tx(), 1);
	expect_er(0, "0", "0");
	cr_assert_str_eq(fstr(0, 20), "3", "ExecTransType Status");
	/* A fill in FIX 4.2 is ExecType 2 (1 if partial). */
	nos("S2", "1", "5", "101", "0");
	cr_assert_eq(run_1ms(), 1);
	expect_er(0, "2", "2");
	/* No OrderMassStatusRequest in FIX 4.2. */
	send_msg("AF", "584=M|585=7", false);
	cr_assert_eq(take_tx(), 1);
	cr_assert_str_eq(OUT[0].msg_type, "j");
}

Test(fix_venue, mass_status_reports_every_open_order_and_says_when_there_is_none)
{
	V = venue_new(XR_FIX_44, NULL, NULL);
	logon();
	nos("M1", "1", "5", "99", "0");
	nos("M2", "2", "3", "101", "1");
	nos("M3", "1", "1", "101", "0"); /* fills at once */
	run_1ms();
	send_msg("AF", "584=REQ7|585=7", false);
	cr_assert_eq(take_tx(), 2);
	for (unsigned i = 0; i < 2; i++) {
		expect_er(i, "I", "0");
		cr_assert_str_eq(fstr(i, 584), "REQ7");
		cr_assert_str_eq(fstr(i, 911), "2");
	}
	cr_assert_str_eq(fstr(0, 11), "M1", "oldest first");
	cr_assert_not(fhas(0, 912));
	cr_assert_str_eq(fstr(1, 912), "Y");
	/* Other request types are refused; a missing 584 is a Reject. */
	send_msg("AF", "584=REQ8|585=1", false);
	send_msg("AF", "585=7", false);
	cr_assert_eq(take_tx(), 2);
	cr_assert_str_eq(OUT[0].msg_type, "j");
	cr_assert_str_eq(OUT[1].msg_type, "3");
	cr_assert_str_eq(fstr(1, 371), "584");

	send_msg("F", "41=M1|11=X1|55=BTC-USD|54=1", false);
	send_msg("F", "41=M2|11=X2|55=BTC-USD|54=2", false);
	cr_assert_eq(run_1ms(), 2);
	send_msg("AF", "584=REQ9|585=7", false);
	cr_assert_eq(take_tx(), 1);
	expect_er(0, "I", "8");
	cr_assert_str_eq(fstr(0, 911), "0");
	cr_assert_str_eq(fstr(0, 912), "Y");
	cr_assert_str_eq(fstr(0, 11), "NONE");
	cr_assert_eq(log_count("mass_status"), 3);
}

/* ============================================================ store */

Test(fix_venue, reports_made_while_down_are_resent_and_ids_survive_a_restart)
{
	V = venue_new(XR_FIX_44, STORE, "session_ms = 5");
	logon();
	nos("R1", "1", "5", "99", "0");
	cr_assert_eq(run_1ms(), 1);
	expect_er(0, "0", "0");
	cr_assert_str_eq(fstr(0, 17), "1");
	/* The initiator is gone (kill -9): the order rests on and expires. */
	xr_fix_venue_disconnected(V, NOW);
	NOW += 10 * MS;
	xr_fix_venue_poll(V, NOW);
	cr_assert_eq(S->tx_len, 0, "nothing sent while down");
	cr_assert_eq(S->st.msgs_stored_only, 1);
	uint64_t next_out = S->seq->next_out;

	/* The venue itself restarts on its store. */
	xr_fix_venue_destroy(V);
	V = venue_new(XR_FIX_44, STORE, NULL);
	S = xr_fix_venue_session(V);
	cr_assert_eq(S->seq->next_out, next_out);
	xr_fix_venue_connected(V, NOW);
	send_msg("A", "98=0|108=30", false);
	cr_assert_eq(take_tx(), 1);
	cr_assert_str_eq(OUT[0].msg_type, "A");
	/* It asks for what it missed from MsgSeqNum 3 (Logon 1, New 2). */
	send_msg("2", "7=3|16=0", false);
	unsigned n = take_tx();
	cr_assert_eq(n, 2);
	expect_er(0, "C", "C");
	cr_assert_str_eq(fstr(0, 11), "R1");
	cr_assert_str_eq(fstr(0, 43), "Y");
	cr_assert(fhas(0, 122));
	cr_assert_str_eq(OUT[1].msg_type, "4", "then the new Logon, gap-filled");
	/* A new order after the restart: OrderID and ExecID go on, never reused. */
	nos("R2", "1", "5", "99", "0");
	cr_assert_eq(run_1ms(), 1);
	cr_assert_str_eq(fstr(0, 37), "2");
	cr_assert_str_eq(fstr(0, 17), "3");
}

Test(fix_venue, a_second_connection_is_refused_with_a_logout_taking_no_msg_seq_num)
{
	char buf[512];
	struct xr_fix_msg m;
	enum xr_fix_error why;
	size_t mlen;

	V = venue_new(XR_FIX_44, NULL, NULL);
	logon();
	uint64_t next_out = S->seq->next_out;
	size_t len = xr_fix_venue_refusal(V, buf, sizeof(buf), "a session is live", NOW);
	cr_assert_gt(len, 0);
	cr_assert_eq(xr_fix_frame(buf, len, &mlen, &why), 1);
	cr_assert_eq(xr_fix_parse(buf, mlen, &m, &why), 0);
	cr_assert_str_eq(m.msg_type, "5");
	const char *t;
	uint32_t tl;
	cr_assert(xr_fix_get_str(&m, 58, &t, &tl) && tl == 17);
	cr_assert_eq(S->seq->next_out, next_out);
	cr_assert_eq(log_count("session"), 2, "logon, refusal");
}

Test(fix_venue, a_venue_that_is_not_sim_is_refused_naming_its_section)
{
	char err[512];
	FILE *f = fopen(INI, "w");

	fprintf(f, "[venue gw]\nconnector = fix\nhost = 127.0.0.1\nport = 1\nsender_comp_id = A\n"
		   "target_comp_id = B\nbook.BTC-USD = mid=100 tick=0.5 levels=10 level_qty=100\n"
		   "[user u1]\n");
	fclose(f);
	CFG = xr_config_load(INI, xr_connector_schemas, err, sizeof(err));
	cr_assert_not_null(CFG, "%s", err);
	struct xr_fix_venue_opts o = { .version = XR_FIX_44 };
	strcpy(o.comp_id, "GW");
	strcpy(o.peer_comp_id, "XROUTE");
	cr_assert_null(xr_fix_venue_create(CFG, 0, &o, err, sizeof(err)));
	cr_assert_not_null(strstr(err, "[venue gw]"), "%s", err);
	cr_assert_not_null(strstr(err, "connector = sim"), "%s", err);
}

Test(fix_venue, without_a_store_directory_reports_are_still_resent)
{
	V = venue_new(XR_FIX_44, NULL, NULL);
	logon();
	nos("N1", "1", "5", "99", "0");
	cr_assert_eq(run_1ms(), 1);
	send_msg("2", "7=2|16=0", false);
	cr_assert_eq(take_tx(), 1);
	expect_er(0, "0", "0");
	cr_assert_str_eq(fstr(0, 43), "Y");
	cr_assert_str_eq(fstr(0, 11), "N1");
}
