/*
 * Client signal records (base/client_parse.c): a valid record becomes the
 * same xr_msg a CSV row would; every broken field is refused with its name
 * and value; a refused record carries only its identity.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "xr_client_parse.h"
#include "xr_signal.h"

static struct xr_client_signal
good(void)
{
	struct xr_client_signal s = {
		.signal_id = 42, .ts_ns = 1000, .qty = 150000000, .limit_px = 5000025000000,
		.kind = XR_CSIG_NEW, .max_slippage_bps = 25, .side = 1, .ord_type = 2,
		.tif = 0xff, .signal_type = 0, .strategy = 1,
	};
	strcpy(s.user, "alice");
	strcpy(s.symbol, "BTC-USD");
	return s;
}

/* Refused with @p rc (-EINVAL garbage, -ERANGE a value out of range). */
static void
refused_rc(const struct xr_client_signal *s, int rc, const char *want)
{
	struct xr_msg m;
	char err[160] = "";
	cr_assert_eq(xr_client_signal_parse(s, "alice", NULL, &m, err, sizeof(err)), rc, "%s", want);
	cr_assert_str_eq(err, want);
	cr_assert_eq(m.reason, XR_R_PARSE);
	cr_assert_eq(m.qty, 0);
	cr_assert_eq(m.side, 0);
	cr_assert_eq(m.limit_px, 0);
}

static void
refused(const struct xr_client_signal *s, const char *want)
{
	refused_rc(s, -EINVAL, want);
}

static void
out_of_range(const struct xr_client_signal *s, const char *want)
{
	refused_rc(s, -ERANGE, want);
}

Test(client_parse, valid_record_is_a_signal)
{
	struct xr_client_signal s = good();
	struct xr_msg m;
	char err[160];
	cr_assert_eq(xr_client_signal_parse(&s, "alice", NULL, &m, err, sizeof(err)), 0);
	cr_assert_eq(m.kind, XR_MSG_SIGNAL);
	cr_assert_eq(m.signal_id, 42);
	cr_assert_eq(m.qty, 150000000);
	cr_assert_eq(m.order_qty, 150000000);
	cr_assert_eq(m.limit_px, 5000025000000);
	cr_assert_eq(m.tif, XR_TIF_DAY); /* 0xff on a limit order */
	cr_assert_eq(m.side, XR_SIDE_BUY);
	cr_assert_eq(m.strategy, XR_STRAT_WEIGHTED_SCORE);
	cr_assert_eq(m.max_slippage_bps, 25);
	cr_assert_eq(m.user, XR_SIGNAL_UNKNOWN_USER); /* no names table */
	cr_assert_eq(m.symbol, XR_SIGNAL_UNKNOWN_SYMBOL);
	cr_assert_eq(m.reason, XR_R_NONE);
}

Test(client_parse, cancel_record)
{
	struct xr_client_signal s = {.kind = XR_CSIG_CANCEL, .signal_id = 7};
	strcpy(s.user, "alice");
	strcpy(s.symbol, "ETH-USD");
	struct xr_msg m;
	char err[160];
	cr_assert_eq(xr_client_signal_parse(&s, "alice", NULL, &m, err, sizeof(err)), 0);
	cr_assert_eq(m.kind, XR_MSG_CONTROL);
	cr_assert_eq(m.signal_id, 7);
	s.qty = 1;
	refused(&s, "cancel: fields other than signal_id, user and symbol must be 0");
}

Test(client_parse, each_broken_field_is_named)
{
	struct xr_client_signal s;
	s = good(); s.kind = 9;
	refused(&s, "kind: 9 is not 1 (new) or 2 (cancel)");
	s = good(); s.signal_id = 0;
	refused(&s, "signal_id: 0 is not 1..UINT64_MAX");
	s = good(); s.side = 7;
	out_of_range(&s, "side: 7 is not 1 (buy) or 2 (sell)");
	s = good(); s.qty = -5;
	out_of_range(&s, "qty: -5 is not positive");
	s = good(); s.ord_type = 3;
	out_of_range(&s, "ord_type: 3 is not 1 (market) or 2 (limit)");
	s = good(); s.limit_px = 0;
	out_of_range(&s, "limit_px: 0 is not positive for a limit order");
	s = good(); s.ord_type = 1;
	out_of_range(&s, "limit_px: 5000025000000 is not 0 for a market order");
	s = good(); s.tif = 2;
	out_of_range(&s, "tif: 2 is not 0 (day), 1 (gtc), 3 (ioc), 4 (fok) or 255");
	s = good(); s.signal_type = 4;
	out_of_range(&s, "signal_type: 4 is not 0..3");
	s = good(); s.strategy = 200;
	out_of_range(&s, "strategy: 200 is not 0..9");
	s = good(); s.max_slippage_bps = 10001;
	out_of_range(&s, "max_slippage_bps: 10001 is not 0..10000");
	s = good(); s.ts_ns = -1;
	out_of_range(&s, "ts_ns: -1 is negative");
	s = good(); s.pad1[3] = 1;
	refused(&s, "padding: not zero");
}

Test(client_parse, names_must_be_nul_padded_and_the_sessions)
{
	struct xr_client_signal s = good();
	memset(s.symbol, 'A', sizeof(s.symbol));
	refused(&s, "symbol: not a NUL-padded name of 1..31 bytes");
	s = good();
	s.symbol[10] = 'x'; /* a byte after the NUL */
	refused(&s, "symbol: not a NUL-padded name of 1..31 bytes");
	s = good();
	memset(s.user, 0, sizeof(s.user));
	refused(&s, "user: not a NUL-padded name of 1..31 bytes");
	s = good();
	strcpy(s.user, "bob"); /* leaves "e" of alice after the NUL */
	refused(&s, "user: not a NUL-padded name of 1..31 bytes");
	memset(s.user, 0, sizeof(s.user));
	strcpy(s.user, "bob");
	refused(&s, "user: \"bob\" is not this session's user \"alice\"");
}

Test(client_parse, refused_record_keeps_its_identity)
{
	struct xr_client_signal s = good();
	s.side = 0;
	struct xr_msg m;
	char err[160];
	cr_assert_eq(xr_client_signal_parse(&s, "alice", NULL, &m, err, sizeof(err)), -ERANGE);
	cr_assert_eq(m.signal_id, 42);
	cr_assert_eq(m.kind, XR_MSG_SIGNAL);
	cr_assert_eq(m.venue, XR_VENUE_NONE);
	s = good();
	s.pad0[0] = 1;
	cr_assert_eq(xr_client_signal_parse(&s, "alice", NULL, &m, err, sizeof(err)), -EINVAL);
	cr_assert_eq(m.signal_id, 42);
}

Test(client_parse, any_user_without_a_session_user)
{
	struct xr_client_signal s = good();
	memset(s.user, 0, sizeof(s.user));
	strcpy(s.user, "bob");
	struct xr_msg m;
	char err[160];
	cr_assert_eq(xr_client_signal_parse(&s, NULL, NULL, &m, err, sizeof(err)), 0);
	cr_assert_eq(m.user, XR_SIGNAL_UNKNOWN_USER); /* no names: unknown, for validate */
	cr_assert_eq(m.signal_id, 42);
}
