/*
 * Unit tests of the FIX venue keys (connectors/fix/fix_config.c): the FIX
 * example loads and prints back, every key's range and exact error
 * message, the keys a FIX venue needs, venue_symbol resolution, and keys
 * of one connector kind refused on a venue of the other
 * (docs/connectors.md "FIX venues").
 *
 * Helpers and the temporary directory: tests/common/config_test.h.
 */
#include "../../common/config_test.h"
#include "fix/xr_fix_config.h"

TestSuite(fix_config, .init = config_test_enter, .fini = config_test_leave);

/* connector = fix venues (docs/connectors.md "FIX venues"). */

Test(fix_config, fix_example_loads_and_prints_back)
{
	char path[PATH_MAX], err[512];
	snprintf(path, sizeof(path), "%s/docs/examples/xroute-fix.ini", getenv("XR_SOURCE_ROOT"));
	struct xr_config *a = xr_config_load(path, xr_connector_schemas, err, sizeof(err));
	cr_assert_not_null(a, "%s", err);
	cr_assert_eq(a->n_venues, 2);
	const struct xr_fix_venue_cfg *x = xr_fix_venue_cfg(&a->venues[0]);
	const struct xr_fix_venue_cfg *o = xr_fix_venue_cfg(&a->venues[1]);
	cr_assert_not_null(x);
	cr_assert_not_null(o);
	cr_assert_str_eq(a->venues[0].connector, "fix");
	cr_assert_str_eq(x->host, "127.0.0.1");
	cr_assert_eq(x->port, 9878);
	cr_assert_str_eq(x->sender_comp_id, "XROUTE");
	cr_assert_str_eq(x->target_comp_id, "EXEC");
	cr_assert_eq(x->begin_string, 1); /* FIX.4.4 */
	cr_assert_eq(o->begin_string, 0); /* FIX.4.2 */
	cr_assert_eq(x->market_orders, 0);
	cr_assert_eq(x->status_requests, 0);
	cr_assert_eq(x->tif_mask, (1u << XR_TIF_DAY) | (1u << XR_TIF_GTC) | (1u << XR_TIF_IOC) |
				  (1u << XR_TIF_FOK));
	cr_assert_eq(o->tif_mask, 1u << XR_TIF_DAY);
	cr_assert_eq(o->cancel_after_ms, 300);
	cr_assert_eq(x->reconnect_min_ms, 100); /* defaults */
	cr_assert_eq(x->reconnect_max_ms, 5000);
	cr_assert_eq(x->heartbeat_s, 30);
	cr_assert_eq(x->resend_timeout_ms, 2000);
	cr_assert_eq(x->max_frame_bytes, 16384);
	cr_assert_eq(o->n_symbols, 1);
	cr_assert_str_eq(o->symbols[0].name, "BTCUSD");
	cr_assert_str_eq(a->symbols[o->symbols[0].symbol], "BTC-USD");

	/* Printed back: FIX keys for FIX venues, no sim-only key; reloads. */
	char *p1 = print_to_string(a);
	cr_assert_null(strstr(p1, "latency_us"));
	cr_assert_not_null(strstr(p1, "\ntime_in_force = day\n"));
	cr_assert_not_null(strstr(p1, "\nvenue_symbol.BTC-USD = BTCUSD\n"));
	cr_assert_not_null(strstr(p1, "\nresend_timeout_ms = 2000\n"));
	cr_assert_not_null(strstr(p1, "\nmax_frame_bytes = 16384\n"));
	write_file("print1.ini", p1);
	struct xr_config *b = xr_config_load("print1.ini", xr_connector_schemas, err, sizeof(err));
	cr_assert_not_null(b, "%s", err);
	char *p2 = print_to_string(b);
	cr_assert_str_eq(strchr(p1, '\n'), strchr(p2, '\n'));
	free(p1);
	free(p2);
	xr_config_free(a);
	xr_config_free(b);
}

#define FIXV                                                                                       \
	"[venue f]\nconnector = fix\nhost = h\nport = 1\nsender_comp_id = A\n"                \
	"target_comp_id = B\nbook.BTC-USD = mid=1 tick=0.01 levels=2 level_qty=1\n"

/* A value longer than 63 bytes (a seq_store path of 255) prints whole, so
 * `xroute check`'s output loads back as the same config. */
Test(fix_config, long_value_prints_whole)
{
	char text[1024], path[256];
	memset(path, 'p', 255);
	path[0] = '/';
	path[255] = '\0';
	snprintf(text, sizeof(text), FIXV "seq_store = %s\n[user u]\n", path);
	struct xr_config *a = load_ok(text);
	char *p1 = print_to_string(a);
	char want[300];
	snprintf(want, sizeof(want), "\nseq_store = %s\n", path);
	cr_assert_not_null(strstr(p1, want), "%s", p1);
	free(p1);
	xr_config_free(a);
}

Test(fix_config, fix_errors)
{
	expect_error("[venue f]\nconnector = fix\nport = 1\nsender_comp_id = A\n"
		     "target_comp_id = B\nbook.X = mid=1 tick=0.01 levels=2 level_qty=1\n[user u]\n",
		     "xroute.ini:1: [venue f]: connector = fix needs host");
	expect_error("[venue f]\nconnector = fix\nhost = h\nsender_comp_id = A\n"
		     "target_comp_id = B\nbook.X = mid=1 tick=0.01 levels=2 level_qty=1\n[user u]\n",
		     "xroute.ini:1: [venue f]: connector = fix needs port");
	expect_error(FIXV "latency_us = 5\n[user u]\n",
		     "xroute.ini:1: [venue f]: latency_us applies only to connector = sim");
	expect_error(FIXV "fault.x = outage start_ms=0 end_ms=1\n[user u]\n",
		     "xroute.ini:1: [venue f]: fault.x applies only to connector = sim");
	expect_error(MINIMAL "[venue b]\nhost = h\nbook.BTC-USD = mid=1 tick=0.01 levels=2 "
		     "level_qty=1\n",
		     "xroute.ini:4: [venue b]: host applies only to connector = fix");
	expect_error(MINIMAL "[venue b]\ntime_in_force = day\nbook.BTC-USD = mid=1 tick=0.01 "
		     "levels=2 level_qty=1\n",
		     "xroute.ini:4: [venue b]: time_in_force applies only to connector = fix");
	expect_error(FIXV "time_in_force = day, opg\n[user u]\n",
		     "xroute.ini:8: [venue f] time_in_force: \"day, opg\" has \"opg\", which is "
		     "not one of day, gtc, ioc, fok");
	expect_error(FIXV "begin_string = FIX.4.3\n[user u]\n",
		     "xroute.ini:8: [venue f] begin_string: \"FIX.4.3\" is not one of FIX.4.2, "
		     "FIX.4.4");
	expect_error("[venue f]\nconnector = fix\nport = 70000\n",
		     "xroute.ini:3: [venue f] port: \"70000\" is out of range (1..65535)");
	expect_error(FIXV "venue_symbol.ETH-USD = ETHUSD\n[user u]\n",
		     "xroute.ini:8: [venue f] venue_symbol.ETH-USD: the venue has no book.ETH-USD");
	expect_error(FIXV "max_frame_bytes = 1023\n[user u]\n",
		     "xroute.ini:8: [venue f] max_frame_bytes: \"1023\" is out of range "
		     "(1024..1048576)");
	expect_error(FIXV "max_frame_bytes = 1048577\n[user u]\n",
		     "xroute.ini:8: [venue f] max_frame_bytes: \"1048577\" is out of range "
		     "(1024..1048576)");
	expect_error(FIXV "resend_timeout_ms = 9\n[user u]\n",
		     "xroute.ini:8: [venue f] resend_timeout_ms: \"9\" is out of range "
		     "(10..600000)");
	expect_error(FIXV "resend_timeout_ms = 600001\n[user u]\n",
		     "xroute.ini:8: [venue f] resend_timeout_ms: \"600001\" is out of range "
		     "(10..600000)");
	expect_error(MINIMAL "[venue b]\nmax_frame_bytes = 4096\nbook.BTC-USD = mid=1 tick=0.01 "
		     "levels=2 level_qty=1\n",
		     "xroute.ini:4: [venue b]: max_frame_bytes applies only to connector = fix");
	expect_error(FIXV "reconnect_min_ms = 10\nreconnect_max_ms = 5\n[user u]\n",
		     "xroute.ini:1: [venue f]: reconnect_max_ms is below reconnect_min_ms");
	expect_error("[venue f]\nsender_comp_id = ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456\n",
		     "xroute.ini:2: [venue f] sender_comp_id: \"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456\" "
		     "must be 1..31 characters");
}
