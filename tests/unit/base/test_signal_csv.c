/*
 * Signal file format (base/signal_csv.c): header, every field's accepted
 * forms and exact error messages, framing, pass-through of unknown names.
 * The names tables: test_names.c; the generator: test_gen.c.
 *
 * Configs are filled by hand (tests/common/signal_fixtures.h): this test
 * does not depend on the INI loader.
 */

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xr_config.h"
#include "xr_names.h"
#include "signal_fixtures.h"
#include "xr_signal.h"

/* Shared fixture: users u001..u100, 8 symbols, canonical layout. */
static struct xr_config *g_cfg;
static struct xr_names *g_names;
static struct xr_signal_layout g_lay;

static void
setup(void)
{
	char err[256];
	g_cfg = xr_test_signal_config(100, "u", 3);
	g_names = xr_names_create(g_cfg);
	cr_assert_not_null(g_names);
	cr_assert_eq(xr_signal_header_parse(XR_SIGNAL_HEADER, strlen(XR_SIGNAL_HEADER), &g_lay,
					    err, sizeof(err)),
		     0, "%s", err);
}

static void
teardown(void)
{
	xr_names_destroy(g_names);
	xr_test_signal_config_free(g_cfg);
}

TestSuite(signal_csv, .init = setup, .fini = teardown);

static char g_err[512];

/* Parse @p row (canonical layout) as line 7. */
static int
row(const char *r, struct xr_msg *m)
{
	g_err[0] = '\0';
	return xr_signal_parse(&g_lay, g_names, r, strlen(r), 7, m, g_err, sizeof(g_err));
}

/* Build a canonical row with one field replaced. */
static const char *
row_with(enum xr_signal_col c, const char *val)
{
	static char buf[512];
	const char *def[XR_SCOL_COUNT] = {
		"1700000000000000000", "42", "u001", "BTC-USD", "buy", "0.5",
		"limit", "50000.25", "ioc", "entry", "", "",
	};
	def[c] = val;
	size_t n = 0;
	for (int i = 0; i < XR_SCOL_COUNT; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? "," : "", def[i]);
	return buf;
}

/* A rejected row keeps its identity only: nothing of what it would trade. */
static void
expect_identity_only(const struct xr_msg *m)
{
	cr_expect_eq(m->side, 0);
	cr_expect_eq(m->qty, 0);
	cr_expect_eq(m->order_qty, 0);
	cr_expect_eq(m->limit_px, 0);
	cr_expect_eq(m->ord_type, 0);
	cr_expect_eq(m->tif, 0);
	cr_expect_eq(m->signal_type, 0);
	cr_expect_eq(m->strategy, 0);
	cr_expect_eq(m->max_slippage_bps, 0);
	cr_expect_eq(m->order_id, 0);
	cr_expect_eq(m->cum_qty, 0);
}

/* Expect @p val in column @p c to fail with exactly @p msg. */
static void
expect_err(enum xr_signal_col c, const char *val, const char *msg)
{
	struct xr_msg m;
	cr_assert_eq(row(row_with(c, val), &m), -EINVAL, "%s=\"%s\" accepted",
		     xr_signal_col_name(c), val);
	cr_expect_str_eq(g_err, msg);
	cr_expect_eq(m.kind, XR_MSG_SIGNAL);
	cr_expect_eq(m.reason, XR_R_PARSE);
	cr_expect_eq(m.line, 7);
	cr_expect_eq(m.venue, XR_VENUE_NONE);
	expect_identity_only(&m);
}

static struct xr_msg
expect_ok(enum xr_signal_col c, const char *val)
{
	struct xr_msg m;
	cr_assert_eq(row(row_with(c, val), &m), 0, "%s=\"%s\": %s", xr_signal_col_name(c), val,
		     g_err);
	cr_expect_eq(m.reason, XR_R_NONE);
	return m;
}

/* ---- header -------------------------------------------------------------- */

static int
hdr(const char *h, struct xr_signal_layout *lay)
{
	g_err[0] = '\0';
	return xr_signal_header_parse(h, strlen(h), lay, g_err, sizeof(g_err));
}

Test(signal_csv, header_canonical_order)
{
	struct xr_signal_layout lay;
	cr_assert_eq(hdr(XR_SIGNAL_HEADER, &lay), 0, "%s", g_err);
	for (int c = 0; c < XR_SCOL_COUNT; c++) {
		cr_expect_eq(lay.pos[c], c);
		cr_expect_eq(lay.col[c], c);
	}
}

Test(signal_csv, header_any_order)
{
	struct xr_signal_layout lay;
	struct xr_msg m;
	const char *h = "max_slippage_bps,strategy,signal_type,tif,limit_px,order_type,"
			"qty,side,symbol,user,signal_id,ts_ns\r\n";
	cr_assert_eq(hdr(h, &lay), 0, "%s", g_err);
	cr_expect_eq(lay.pos[XR_SCOL_TS_NS], 11);
	cr_expect_eq(lay.col[0], XR_SCOL_MAX_SLIPPAGE_BPS);

	const char *r = "25,weighted_score,stop_loss,fok,3000.5,limit,1.25,SELL,ETH-USD,u042,9,123\n";
	cr_assert_eq(xr_signal_parse(&lay, g_names, r, strlen(r), 3, &m, g_err, sizeof(g_err)), 0,
		     "%s", g_err);
	cr_expect_eq(m.kind, XR_MSG_SIGNAL);
	cr_expect_eq(m.ts_ns, 123);
	cr_expect_eq(m.signal_id, 9);
	cr_expect_eq(m.user, 41);
	cr_expect_eq(m.symbol, 1);
	cr_expect_eq(m.side, XR_SIDE_SELL);
	cr_expect_eq(m.qty, 125000000);
	cr_expect_eq(m.order_qty, 125000000);
	cr_expect_eq(m.ord_type, XR_ORD_LIMIT);
	cr_expect_eq(m.limit_px, 300050000000);
	cr_expect_eq(m.tif, XR_TIF_FOK);
	cr_expect_eq(m.signal_type, XR_SIG_STOP_LOSS);
	cr_expect_eq(m.strategy, XR_STRAT_WEIGHTED_SCORE);
	cr_expect_eq(m.max_slippage_bps, 25);
	cr_expect_eq(m.line, 3);
	cr_expect_eq(m.venue, XR_VENUE_NONE);
	cr_expect_eq(m.reason, XR_R_NONE);
}

Test(signal_csv, header_bom_and_crlf)
{
	struct xr_signal_layout lay;
	cr_expect_eq(hdr("\xEF\xBB\xBF" XR_SIGNAL_HEADER "\r\n", &lay), 0, "%s", g_err);
	cr_expect_eq(hdr(XR_SIGNAL_HEADER "\n", &lay), 0, "%s", g_err);
}

Test(signal_csv, header_missing_column)
{
	struct xr_signal_layout lay;
	cr_expect_eq(hdr("ts_ns,signal_id,user,symbol,side,qty,order_type,limit_px,"
			 "signal_type,strategy,max_slippage_bps",
			 &lay),
		     -EINVAL);
	cr_expect_str_eq(g_err, "header: missing column \"tif\"");
	cr_expect_eq(hdr("ts_ns,signal_id,user,symbol,side,qty,order_type,limit_px,signal_type,"
			 "max_slippage_bps",
			 &lay),
		     -EINVAL);
	cr_expect_str_eq(g_err, "header: missing columns \"tif\", \"strategy\"");
}

Test(signal_csv, header_unknown_column)
{
	struct xr_signal_layout lay;
	cr_expect_eq(hdr("ts_ns,signal_id,user,symbol,side,qtty,order_type,limit_px,tif,"
			 "signal_type,strategy,max_slippage_bps",
			 &lay),
		     -EINVAL);
	cr_expect_str_eq(g_err, "header: unknown column \"qtty\"");
	cr_expect_eq(hdr(XR_SIGNAL_HEADER ",note", &lay), -EINVAL);
	cr_expect_str_eq(g_err, "header: unknown column \"note\"");
	/* Case matters: the format is strict. */
	cr_expect_eq(hdr("TS_NS,signal_id", &lay), -EINVAL);
	cr_expect_str_eq(g_err, "header: unknown column \"TS_NS\"");
}

Test(signal_csv, header_duplicate_empty_quoted)
{
	struct xr_signal_layout lay;
	cr_expect_eq(hdr(XR_SIGNAL_HEADER ",qty", &lay), -EINVAL);
	cr_expect_str_eq(g_err, "header: duplicate column \"qty\"");
	cr_expect_eq(hdr("ts_ns,,signal_id", &lay), -EINVAL);
	cr_expect_str_eq(g_err, "header: column 2 is empty");
	cr_expect_eq(hdr("", &lay), -EINVAL);
	cr_expect_str_eq(g_err, "header: column 1 is empty");
	cr_expect_eq(hdr("\"ts_ns\",signal_id", &lay), -EINVAL);
	cr_expect_str_eq(g_err, "header: quoted fields are not supported");
}

/* ---- rows: every field --------------------------------------------------- */

Test(signal_csv, full_row_defaults)
{
	struct xr_msg m;
	memset(&m, 0xa5, sizeof(m));
	cr_assert_eq(row("1700000000000000000,42,u001,BTC-USD,buy,0.5,limit,50000.25,,entry,,", &m),
		     0, "%s", g_err);
	cr_expect_eq(m.kind, XR_MSG_SIGNAL);
	cr_expect_eq(m.ts_ns, INT64_C(1700000000000000000));
	cr_expect_eq(m.signal_id, 42);
	cr_expect_eq(m.user, 0);
	cr_expect_eq(m.symbol, 0);
	cr_expect_eq(m.side, XR_SIDE_BUY);
	cr_expect_eq(m.qty, 50000000);
	cr_expect_eq(m.order_qty, 50000000);
	cr_expect_eq(m.ord_type, XR_ORD_LIMIT);
	cr_expect_eq(m.limit_px, INT64_C(5000025000000));
	cr_expect_eq(m.tif, XR_TIF_DAY, "empty tif is day for a limit order");
	cr_expect_eq(m.signal_type, XR_SIG_ENTRY);
	cr_expect_eq(m.strategy, XR_STRAT_DEFAULT);
	cr_expect_eq(m.max_slippage_bps, 0);
	cr_expect_eq(m.line, 7);
	cr_expect_eq(m.venue, XR_VENUE_NONE);
	cr_expect_eq(m.reason, XR_R_NONE);
	/* Everything else zeroed. */
	cr_expect_eq(m.order_id, 0);
	cr_expect_eq(m.cl_ord_id, 0);
	cr_expect_eq(m.cum_qty, 0);
	cr_expect_eq(m.t[XR_T_INGRESS], 0);
	cr_expect_eq(m.final, 0);
}

Test(signal_csv, ts_ns)
{
	cr_expect_eq(expect_ok(XR_SCOL_TS_NS, "0").ts_ns, 0);
	cr_expect_eq(expect_ok(XR_SCOL_TS_NS, "9223372036854775807").ts_ns, INT64_MAX);
	expect_err(XR_SCOL_TS_NS, "9223372036854775808",
		   "ts_ns: \"9223372036854775808\" is out of range");
	expect_err(XR_SCOL_TS_NS, "99999999999999999999999",
		   "ts_ns: \"99999999999999999999999\" is out of range");
	expect_err(XR_SCOL_TS_NS, "-1", "ts_ns: \"-1\" is not an unsigned integer");
	expect_err(XR_SCOL_TS_NS, "", "ts_ns: \"\" is not an unsigned integer");
	expect_err(XR_SCOL_TS_NS, "12a", "ts_ns: \"12a\" is not an unsigned integer");
	expect_err(XR_SCOL_TS_NS, " 12", "ts_ns: \" 12\" is not an unsigned integer");
}

Test(signal_csv, signal_id)
{
	cr_expect_eq(expect_ok(XR_SCOL_SIGNAL_ID, "1").signal_id, 1);
	cr_expect_eq(expect_ok(XR_SCOL_SIGNAL_ID, "18446744073709551615").signal_id, UINT64_MAX);
	expect_err(XR_SCOL_SIGNAL_ID, "0", "signal_id: \"0\" must be > 0");
	expect_err(XR_SCOL_SIGNAL_ID, "18446744073709551616",
		   "signal_id: \"18446744073709551616\" is out of range");
	expect_err(XR_SCOL_SIGNAL_ID, "x1", "signal_id: \"x1\" is not an unsigned integer");
	expect_err(XR_SCOL_SIGNAL_ID, "", "signal_id: \"\" is not an unsigned integer");
}

Test(signal_csv, user_and_symbol)
{
	struct xr_msg m = expect_ok(XR_SCOL_USER, "u100");
	cr_expect_eq(m.user, 99);
	m = expect_ok(XR_SCOL_SYMBOL, "LINK-USD");
	cr_expect_eq(m.symbol, 7);
	expect_err(XR_SCOL_USER, "", "user: \"\" is empty");
	expect_err(XR_SCOL_SYMBOL, "", "symbol: \"\" is empty");
}

Test(signal_csv, unknown_user_symbol_strategy_pass_through)
{
	struct xr_msg m = expect_ok(XR_SCOL_USER, "u101");
	cr_expect_eq(m.user, UINT32_MAX);
	cr_expect_eq(m.signal_id, 42);
	m = expect_ok(XR_SCOL_USER, "U001"); /* names are case-sensitive */
	cr_expect_eq(m.user, XR_SIGNAL_UNKNOWN_USER);
	m = expect_ok(XR_SCOL_USER, "a_name_much_longer_than_thirty_one_bytes");
	cr_expect_eq(m.user, XR_SIGNAL_UNKNOWN_USER);
	m = expect_ok(XR_SCOL_SYMBOL, "FOO-USD");
	cr_expect_eq(m.symbol, UINT16_MAX);
	cr_expect_eq(m.user, 0);
	m = expect_ok(XR_SCOL_STRATEGY, "twap_please");
	cr_expect_eq(m.strategy, 0xff);
	cr_expect_eq(m.strategy, XR_SIGNAL_UNKNOWN_STRATEGY);
	/* Without tables every name is unknown. */
	const char *r = row_with(XR_SCOL_USER, "u001");
	cr_assert_eq(xr_signal_parse(&g_lay, NULL, r, strlen(r), 1, &m, g_err, sizeof(g_err)), 0);
	cr_expect_eq(m.user, XR_SIGNAL_UNKNOWN_USER);
	cr_expect_eq(m.symbol, XR_SIGNAL_UNKNOWN_SYMBOL);
}

Test(signal_csv, side)
{
	const char *buys[] = { "buy", "BUY", "Buy", "b", "B" };
	const char *sells[] = { "sell", "SELL", "sElL", "s", "S" };
	for (int i = 0; i < 5; i++) {
		cr_expect_eq(expect_ok(XR_SCOL_SIDE, buys[i]).side, XR_SIDE_BUY, "%s", buys[i]);
		cr_expect_eq(expect_ok(XR_SCOL_SIDE, sells[i]).side, XR_SIDE_SELL, "%s", sells[i]);
	}
	expect_err(XR_SCOL_SIDE, "hold", "side: \"hold\" is not buy or sell");
	expect_err(XR_SCOL_SIDE, "", "side: \"\" is not buy or sell");
	expect_err(XR_SCOL_SIDE, "buyy", "side: \"buyy\" is not buy or sell");
	expect_err(XR_SCOL_SIDE, "1", "side: \"1\" is not buy or sell");
}

Test(signal_csv, qty)
{
	cr_expect_eq(expect_ok(XR_SCOL_QTY, "1").qty, 100000000);
	cr_expect_eq(expect_ok(XR_SCOL_QTY, "0.00000001").qty, 1);
	cr_expect_eq(expect_ok(XR_SCOL_QTY, "12.5").order_qty, 1250000000);
	cr_expect_eq(expect_ok(XR_SCOL_QTY, ".5").qty, 50000000);
	cr_expect_eq(expect_ok(XR_SCOL_QTY, "3.").qty, 300000000);
	cr_expect_eq(expect_ok(XR_SCOL_QTY, "92233720368.54775807").qty, INT64_MAX);
	expect_err(XR_SCOL_QTY, "abc", "qty: \"abc\" is not a decimal number");
	expect_err(XR_SCOL_QTY, "", "qty: \"\" is not a decimal number");
	expect_err(XR_SCOL_QTY, ".", "qty: \".\" is not a decimal number");
	expect_err(XR_SCOL_QTY, "1e3", "qty: \"1e3\" is not a decimal number");
	expect_err(XR_SCOL_QTY, "1.2.3", "qty: \"1.2.3\" is not a decimal number");
	expect_err(XR_SCOL_QTY, "1,5", "13 fields, expected 12");
	expect_err(XR_SCOL_QTY, "0", "qty: \"0\" must be > 0");
	expect_err(XR_SCOL_QTY, "0.000", "qty: \"0.000\" must be > 0");
	expect_err(XR_SCOL_QTY, "-1", "qty: \"-1\" must be > 0");
	expect_err(XR_SCOL_QTY, "0.123456789",
		   "qty: \"0.123456789\" has more than 8 decimals");
	expect_err(XR_SCOL_QTY, "92233720368.54775808",
		   "qty: \"92233720368.54775808\" is out of range");
}

Test(signal_csv, order_type_and_limit_px)
{
	struct xr_msg m;
	const char *r;

	r = "1,2,u001,BTC-USD,buy,1,market,,,exit,,";
	cr_assert_eq(row(r, &m), 0, "%s", g_err);
	cr_expect_eq(m.ord_type, XR_ORD_MARKET);
	cr_expect_eq(m.limit_px, 0);
	cr_expect_eq(m.tif, XR_TIF_IOC, "empty tif is ioc for a market order");
	r = "1,2,u001,BTC-USD,buy,1,MARKET,0,,exit,,";
	cr_assert_eq(row(r, &m), 0, "%s", g_err);
	cr_expect_eq(m.ord_type, XR_ORD_MARKET);
	r = "1,2,u001,BTC-USD,buy,1,Market,0.000,day,exit,,";
	cr_assert_eq(row(r, &m), 0, "%s", g_err);
	cr_expect_eq(m.tif, XR_TIF_DAY);
	r = "1,2,u001,BTC-USD,buy,1,market,5,,exit,,";
	cr_expect_eq(row(r, &m), -EINVAL);
	cr_expect_str_eq(g_err, "limit_px: \"5\" must be empty or 0 for a market order");
	r = "1,2,u001,BTC-USD,buy,1,market,x,,exit,,";
	cr_expect_eq(row(r, &m), -EINVAL);
	cr_expect_str_eq(g_err, "limit_px: \"x\" is not a decimal number");

	cr_expect_eq(expect_ok(XR_SCOL_LIMIT_PX, "0.00000001").limit_px, 1);
	cr_expect_eq(expect_ok(XR_SCOL_LIMIT_PX, "0.6").limit_px, 60000000);
	cr_expect_eq(expect_ok(XR_SCOL_ORDER_TYPE, "LIMIT").ord_type, XR_ORD_LIMIT);
	expect_err(XR_SCOL_ORDER_TYPE, "stop",
		   "order_type: \"stop\" is not market or limit");
	expect_err(XR_SCOL_ORDER_TYPE, "", "order_type: \"\" is not market or limit");
	expect_err(XR_SCOL_LIMIT_PX, "", "limit_px: \"\" is required for a limit order");
	expect_err(XR_SCOL_LIMIT_PX, "0", "limit_px: \"0\" must be > 0 for a limit order");
	expect_err(XR_SCOL_LIMIT_PX, "-3",
		   "limit_px: \"-3\" must be > 0 for a limit order");
	expect_err(XR_SCOL_LIMIT_PX, "50000.123456789",
		   "limit_px: \"50000.123456789\" has more than 8 decimals");
	expect_err(XR_SCOL_LIMIT_PX, "$50000", "limit_px: \"$50000\" is not a decimal number");
}

Test(signal_csv, tif)
{
	cr_expect_eq(expect_ok(XR_SCOL_TIF, "day").tif, XR_TIF_DAY);
	cr_expect_eq(expect_ok(XR_SCOL_TIF, "GTC").tif, XR_TIF_GTC);
	cr_expect_eq(expect_ok(XR_SCOL_TIF, "ioc").tif, XR_TIF_IOC);
	cr_expect_eq(expect_ok(XR_SCOL_TIF, "Fok").tif, XR_TIF_FOK);
	cr_expect_eq(expect_ok(XR_SCOL_TIF, "").tif, XR_TIF_DAY);
	expect_err(XR_SCOL_TIF, "gtd", "tif: \"gtd\" is not day, gtc, ioc or fok");
	expect_err(XR_SCOL_TIF, "3", "tif: \"3\" is not day, gtc, ioc or fok");
}

Test(signal_csv, signal_type)
{
	cr_expect_eq(expect_ok(XR_SCOL_SIGNAL_TYPE, "entry").signal_type, XR_SIG_ENTRY);
	cr_expect_eq(expect_ok(XR_SCOL_SIGNAL_TYPE, "exit").signal_type, XR_SIG_EXIT);
	cr_expect_eq(expect_ok(XR_SCOL_SIGNAL_TYPE, "profit_take").signal_type,
		     XR_SIG_PROFIT_TAKE);
	cr_expect_eq(expect_ok(XR_SCOL_SIGNAL_TYPE, "STOP_LOSS").signal_type, XR_SIG_STOP_LOSS);
	expect_err(XR_SCOL_SIGNAL_TYPE, "stop-loss",
		   "signal_type: \"stop-loss\" is not entry, exit, profit_take or stop_loss");
	expect_err(XR_SCOL_SIGNAL_TYPE, "",
		   "signal_type: \"\" is not entry, exit, profit_take or stop_loss");
}

Test(signal_csv, strategy)
{
	cr_expect_eq(expect_ok(XR_SCOL_STRATEGY, "").strategy, XR_STRAT_DEFAULT);
	cr_expect_eq(expect_ok(XR_SCOL_STRATEGY, "default").strategy, XR_STRAT_DEFAULT);
	cr_expect_eq(expect_ok(XR_SCOL_STRATEGY, "weighted_score").strategy,
		     XR_STRAT_WEIGHTED_SCORE);
	cr_expect_eq(expect_ok(XR_SCOL_STRATEGY, "Weighted_Score").strategy,
		     XR_STRAT_WEIGHTED_SCORE);
	cr_expect_eq(expect_ok(XR_SCOL_STRATEGY, "vwap").strategy, XR_SIGNAL_UNKNOWN_STRATEGY);
	/* Longer than 16 bytes: case-insensitive too (a property test seed). */
	cr_expect_eq(expect_ok(XR_SCOL_STRATEGY, "cost_optimization").strategy,
		     XR_STRAT_COST_OPTIMIZATION);
	cr_expect_eq(expect_ok(XR_SCOL_STRATEGY, "COST_OPTIMIZATION").strategy,
		     XR_STRAT_COST_OPTIMIZATION);
	cr_expect_eq(expect_ok(XR_SCOL_STRATEGY, "Cost_Optimization").strategy,
		     XR_STRAT_COST_OPTIMIZATION);
	cr_expect_eq(expect_ok(XR_SCOL_STRATEGY, "cost_optimization_").strategy,
		     XR_SIGNAL_UNKNOWN_STRATEGY);
	cr_expect_eq(expect_ok(XR_SCOL_STRATEGY, "cost-optimization").strategy,
		     XR_SIGNAL_UNKNOWN_STRATEGY);
	expect_err(XR_SCOL_STRATEGY, "\"vwap\"",
		   "strategy: quoted fields are not supported");
}

Test(signal_csv, max_slippage_bps)
{
	cr_expect_eq(expect_ok(XR_SCOL_MAX_SLIPPAGE_BPS, "").max_slippage_bps, 0);
	cr_expect_eq(expect_ok(XR_SCOL_MAX_SLIPPAGE_BPS, "0").max_slippage_bps, 0);
	cr_expect_eq(expect_ok(XR_SCOL_MAX_SLIPPAGE_BPS, "25").max_slippage_bps, 25);
	cr_expect_eq(expect_ok(XR_SCOL_MAX_SLIPPAGE_BPS, "10000").max_slippage_bps, 10000);
	cr_expect_eq(expect_ok(XR_SCOL_MAX_SLIPPAGE_BPS, "00050").max_slippage_bps, 50);
	/* Leading zeros of any length, as for every integer field. */
	cr_expect_eq(expect_ok(XR_SCOL_MAX_SLIPPAGE_BPS, "000050").max_slippage_bps, 50);
	cr_expect_eq(expect_ok(XR_SCOL_MAX_SLIPPAGE_BPS, "0000000000000000000000010000")
			     .max_slippage_bps,
		     10000);
	const char *bad[] = { "10001", "-1", "5.5", "abc", "100000", " 5", "99999999999999999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char msg[128];
		snprintf(msg, sizeof(msg),
			 "max_slippage_bps: \"%s\" is not an integer in 0..10000", bad[i]);
		expect_err(XR_SCOL_MAX_SLIPPAGE_BPS, bad[i], msg);
	}
}

Test(signal_csv, decimals_agree_with_xr_fixed_parse)
{
	/* The parser converts plain decimals inline; it must agree with
	 * xr_fixed_parse() on every input. Random strings over a small alphabet. */
	static const char alpha[] = "0123456789000999..+-x";
	uint64_t x = 0x9e3779b97f4a7c15u;
	char v[32];
	for (int iter = 0; iter < 200000; iter++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		size_t n = (size_t)(x % 24);
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			v[i] = alpha[x % (sizeof(alpha) - 1)];
		}
		v[n] = '\0';
		int64_t want;
		int wrc = xr_fixed_parse(v, n, 8, &want);
		struct xr_msg m;
		int rc = row(row_with(XR_SCOL_QTY, v), &m);
		if (wrc == 0 && want > 0) {
			if (rc != 0 || m.qty != want)
				cr_assert_fail("qty \"%s\": rc %d qty %" PRId64 ", want %" PRId64, v, rc,
					       m.qty, want);
		} else if (rc == 0) {
			cr_assert_fail("qty \"%s\" accepted (xr_fixed_parse rc %d)", v, wrc);
		}
		rc = row(row_with(XR_SCOL_LIMIT_PX, v), &m);
		if (wrc == 0 && want > 0) {
			if (rc != 0 || m.limit_px != want)
				cr_assert_fail("limit_px \"%s\": rc %d px %" PRId64, v, rc, m.limit_px);
		} else if (rc == 0) {
			cr_assert_fail("limit_px \"%s\" accepted", v);
		}
	}
}

Test(signal_csv, random_lines_never_crash)
{
	/* Garbage in: always 0 or -EINVAL with a terminated message, never a
	 * read outside the slice (run under ASan in CI). */
	static const char alpha[] = ",,,,0123456789.abuyselmkt-\"\r\n#_ BUYu001BTC-USD";
	uint64_t x = 12345;
	for (int iter = 0; iter < 100000; iter++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		size_t n = (size_t)(x % 120);
		char *line = malloc(n + 1); /* exact size: ASan sees overreads */
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			line[i] = alpha[x % (sizeof(alpha) - 1)];
		}
		struct xr_msg m;
		char err[128];
		err[0] = 'Z';
		int rc = xr_signal_parse(&g_lay, g_names, line, n, 1, &m, err, sizeof(err));
		cr_assert(rc == 0 || rc == -EINVAL);
		cr_assert_eq(m.kind, XR_MSG_SIGNAL);
		cr_assert_eq(m.reason, rc == 0 ? XR_R_NONE : XR_R_PARSE);
		if (rc != 0)
			cr_assert(memchr(err, '\0', sizeof(err)) != NULL && err[0] != 'Z' &&
				  err[0] != '\0');
		struct xr_signal_layout lay;
		rc = xr_signal_header_parse(line, n, &lay, err, sizeof(err));
		cr_assert(rc == 0 || rc == -EINVAL);
		free(line);
	}
}

/* ---- rows: framing ------------------------------------------------------- */

Test(signal_csv, crlf_and_lf)
{
	struct xr_msg m;
	cr_assert_eq(row("1,2,u001,BTC-USD,buy,1,market,,,exit,,17\r\n", &m), 0, "%s", g_err);
	cr_expect_eq(m.max_slippage_bps, 17);
	cr_assert_eq(row("1,2,u001,BTC-USD,buy,1,market,,,exit,weighted_score\r\n", &m), -EINVAL);
	cr_expect_str_eq(g_err, "11 fields, expected 12 (missing max_slippage_bps)");
	cr_assert_eq(row("1,2,u001,BTC-USD,buy,1,market,,,exit,,\r\n", &m), 0, "%s", g_err);
	cr_expect_eq(m.max_slippage_bps, 0);
	cr_assert_eq(row("1,2,u001,BTC-USD,buy,1,market,,,exit,default,\n", &m), 0, "%s", g_err);
	cr_expect_eq(m.strategy, XR_STRAT_DEFAULT);
	/* A stray CR inside the line is not a line ending. */
	cr_expect_eq(row("1,2,u001,BTC-USD,buy,1,market,,\r,exit,,", &m), -EINVAL);
	cr_expect_str_eq(g_err, "tif: \"\\x0d\" is not day, gtc, ioc or fok");
}

Test(signal_csv, field_count)
{
	struct xr_msg m;
	cr_expect_eq(row("1700000000000000123,77,u005,ETH-USD,buy,1,market,,,exit", &m), -EINVAL);
	cr_expect_str_eq(g_err,
			 "10 fields, expected 12 (missing strategy, max_slippage_bps)");
	/* Salvaged for the rejected result. */
	cr_expect_eq(m.signal_id, 77);
	cr_expect_eq(m.ts_ns, INT64_C(1700000000000000123));
	cr_expect_eq(m.user, 4);
	cr_expect_eq(m.symbol, 1);
	cr_expect_eq(m.kind, XR_MSG_SIGNAL);
	cr_expect_eq(m.reason, XR_R_PARSE);
	cr_expect_eq(m.line, 7);

	cr_expect_eq(row("1,2,u001,BTC-USD,buy,1,market,,,exit,,,", &m), -EINVAL);
	cr_expect_str_eq(g_err, "13 fields, expected 12");
	cr_expect_eq(m.signal_id, 2);
	cr_expect_eq(row("", &m), -EINVAL);
	cr_expect_str_eq(g_err, "1 fields, expected 12 (missing signal_id, user, symbol, "
				"side, qty, order_type, limit_px, tif, signal_type, strategy, "
				"max_slippage_bps)");
	cr_expect_eq(m.signal_id, 0);
	cr_expect_eq(m.user, XR_SIGNAL_UNKNOWN_USER);
	cr_expect_eq(m.symbol, XR_SIGNAL_UNKNOWN_SYMBOL);
}

Test(signal_csv, error_salvages_id_user_symbol)
{
	struct xr_msg m;
	/* qty is parsed after signal_id, user, symbol. */
	cr_expect_eq(row("5,99,u010,SOL-USD,buy,abc,market,,,exit,,", &m), -EINVAL);
	cr_expect_eq(m.signal_id, 99);
	cr_expect_eq(m.ts_ns, 5);
	cr_expect_eq(m.user, 9);
	cr_expect_eq(m.symbol, 2);
	cr_expect_eq(m.reason, XR_R_PARSE);
	/* ts_ns bad: user and symbol still recovered. */
	cr_expect_eq(row("x,98,u010,SOL-USD,buy,1,market,,,exit,,", &m), -EINVAL);
	cr_expect_str_eq(g_err, "ts_ns: \"x\" is not an unsigned integer");
	cr_expect_eq(m.signal_id, 98);
	cr_expect_eq(m.ts_ns, 0);
	cr_expect_eq(m.user, 9);
	cr_expect_eq(m.symbol, 2);
	/* signal_id bad: 0 means "none". */
	cr_expect_eq(row("5,x,u010,SOL-USD,buy,1,market,,,exit,,", &m), -EINVAL);
	cr_expect_eq(m.signal_id, 0);
	cr_expect_eq(m.user, 9);
	/* Column order in the file does not matter for the salvage. */
	struct xr_signal_layout lay;
	const char *h = "qty,ts_ns,signal_id,user,symbol,side,order_type,limit_px,tif,"
			"signal_type,strategy,max_slippage_bps";
	cr_assert_eq(hdr(h, &lay), 0);
	const char *r = "-1,5,1234,u002,BTC-USD,buy,market,,,exit,,";
	cr_expect_eq(xr_signal_parse(&lay, g_names, r, strlen(r), 12, &m, g_err, sizeof(g_err)),
		     -EINVAL);
	cr_expect_str_eq(g_err, "qty: \"-1\" must be > 0");
	cr_expect_eq(m.signal_id, 1234);
	cr_expect_eq(m.user, 1);
	cr_expect_eq(m.line, 12);
}

Test(signal_csv, quotes_rejected)
{
	struct xr_msg m;
	cr_expect_eq(row("1,2,\"u001\",BTC-USD,buy,1,market,,,exit,,", &m), -EINVAL);
	cr_expect_str_eq(g_err, "user: quoted fields are not supported");
	cr_expect_eq(row("1,2,u001,\"BTC-USD\",buy,1,market,,,exit,,", &m), -EINVAL);
	cr_expect_str_eq(g_err, "symbol: quoted fields are not supported");
	cr_expect_eq(row("1,2,u001,BTC-USD,buy,\"1\",market,,,exit,,", &m), -EINVAL);
	cr_expect_str_eq(g_err, "qty: quoted fields are not supported");
	cr_expect_eq(row("1,2,u001,BTC-USD,buy,\"1,5\",market,,,exit,,", &m), -EINVAL);
	cr_expect_str_eq(g_err, "qty: quoted fields are not supported");
	cr_expect_eq(m.signal_id, 2);
}

Test(signal_csv, long_value_truncated_in_message)
{
	char v[200];
	memset(v, 'x', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	char msg[256];
	snprintf(msg, sizeof(msg), "side: \"%.48s...\" is not buy or sell", v);
	expect_err(XR_SCOL_SIDE, v, msg);
	/* A tiny buffer truncates but stays terminated. */
	struct xr_msg m;
	char small[12];
	const char *r = row_with(XR_SCOL_SIDE, "hold");
	cr_expect_eq(xr_signal_parse(&g_lay, g_names, r, strlen(r), 7, &m, small, sizeof(small)),
		     -EINVAL);
	cr_expect_str_eq(small, "side: \"hold");
}

Test(signal_csv, rejected_row_carries_no_quantity_price_or_side)
{
	struct xr_msg m;
	/* Everything up to tif converts; the bad tif must not leave them. */
	cr_expect_eq(row("1700000000000000005,9,u003,ETH-USD,sell,2.5,limit,3000,gtd,entry,"
			 "weighted_score,10", &m), -EINVAL);
	cr_expect_eq(m.reason, XR_R_PARSE);
	cr_expect_eq(m.signal_id, 9);
	cr_expect_eq(m.ts_ns, INT64_C(1700000000000000005));
	cr_expect_eq(m.user, 2);
	cr_expect_eq(m.symbol, 1);
	expect_identity_only(&m);
	/* The same for the last field. */
	cr_expect_eq(row("1,9,u003,ETH-USD,buy,2.5,limit,3000,ioc,entry,,10001", &m), -EINVAL);
	expect_identity_only(&m);
	cr_expect_eq(m.user, 2);
}

Test(signal_csv, nul_byte_is_an_error_naming_the_column)
{
	static const struct {
		enum xr_signal_col c;
		const char *val; /* two bytes around a NUL: "a" "\0" "b" */
		size_t n;
		const char *msg;
	} cases[] = {
		{ XR_SCOL_TS_NS, "17\0" "1", 4, "ts_ns: \"17\\x001\" has a NUL byte" },
		{ XR_SCOL_USER, "u001\0", 5, "user: \"u001\\x00\" has a NUL byte" },
		{ XR_SCOL_SYMBOL, "BTC\0-USD", 8, "symbol: \"BTC\\x00-USD\" has a NUL byte" },
		{ XR_SCOL_QTY, "1\0" "2", 3, "qty: \"1\\x002\" has a NUL byte" },
		{ XR_SCOL_QTY, "0.5\0", 4, "qty: \"0.5\\x00\" has a NUL byte" },
		{ XR_SCOL_SIDE, "buy\0", 4, "side: \"buy\\x00\" has a NUL byte" },
		{ XR_SCOL_STRATEGY, "passive\0", 8, "strategy: \"passive\\x00\" has a NUL byte" },
		{ XR_SCOL_MAX_SLIPPAGE_BPS, "\0", 1,
		  "max_slippage_bps: \"\\x00\" has a NUL byte" },
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		/* Build the row by hand: the value holds a NUL. */
		char buf[256];
		size_t n = 0;
		const char *r = row_with(cases[k].c, "@");
		const char *at = strchr(r, '@');
		memcpy(buf, r, (size_t)(at - r));
		n = (size_t)(at - r);
		memcpy(buf + n, cases[k].val, cases[k].n);
		n += cases[k].n;
		size_t rest = strlen(at + 1);
		memcpy(buf + n, at + 1, rest);
		n += rest;
		struct xr_msg m;
		g_err[0] = '\0';
		cr_expect_eq(xr_signal_parse(&g_lay, g_names, buf, n, 7, &m, g_err, sizeof(g_err)),
			     -EINVAL, "case %zu accepted", k);
		cr_expect_str_eq(g_err, cases[k].msg, "case %zu", k);
		cr_expect_eq(m.reason, XR_R_PARSE);
		expect_identity_only(&m);
	}
	/* In the header too. */
	struct xr_signal_layout lay;
	char err[128];
	const char h[] = "ts_ns,signal\0_id";
	cr_expect_eq(xr_signal_header_parse(h, sizeof(h) - 1, &lay, err, sizeof(err)), -EINVAL);
	cr_expect_str_eq(err, "header: column 2 has a NUL byte");
}

Test(signal_csv, message_escapes_bytes_outside_printable_ascii)
{
	expect_err(XR_SCOL_SIDE, "k\xc3\xb6p", "side: \"k\\xc3\\xb6p\" is not buy or sell");
	expect_err(XR_SCOL_QTY, "1\t", "qty: \"1\\x09\" is not a decimal number");
	expect_err(XR_SCOL_TIF, "a\\b", "tif: \"a\\x5cb\" is not day, gtc, ioc or fok");
}

Test(signal_csv, not_nul_terminated)
{
	/* Lines are slices: bytes after len are never read as part of the row. */
	char buf[128];
	const char *r = "1,2,u001,BTC-USD,buy,1,market,,,exit,,5";
	size_t n = strlen(r);
	memcpy(buf, r, n);
	memcpy(buf + n, "0000,junk", 10);
	struct xr_msg m;
	cr_assert_eq(xr_signal_parse(&g_lay, g_names, buf, n, 1, &m, g_err, sizeof(g_err)), 0,
		     "%s", g_err);
	cr_expect_eq(m.max_slippage_bps, 5);
}

Test(signal_csv, blank_or_comment)
{
	cr_expect(xr_signal_line_is_blank_or_comment("", 0));
	cr_expect(xr_signal_line_is_blank_or_comment("\n", 1));
	cr_expect(xr_signal_line_is_blank_or_comment("\r\n", 2));
	cr_expect(xr_signal_line_is_blank_or_comment("  \t \r\n", 6));
	cr_expect(xr_signal_line_is_blank_or_comment("# a comment,with,commas\n", 24));
	cr_expect(xr_signal_line_is_blank_or_comment("  #indented", 11));
	cr_expect_not(xr_signal_line_is_blank_or_comment("1,2,u001", 8));
	cr_expect_not(xr_signal_line_is_blank_or_comment(" 1#", 3));
	cr_expect_not(xr_signal_line_is_blank_or_comment(",,,", 3));
}
