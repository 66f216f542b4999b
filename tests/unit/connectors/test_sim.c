/*
 * Unit tests of the connector factory and the sim venue
 * (connectors/connector.c, connectors/sim/sim.c).
 *
 * The config is built by hand (no xr_config_load), the clock is injected:
 * every submit/cancel/poll gets its now_ns from the test, and
 * xr_sim_next_due_ns() tells when the next order event is due, so no test
 * sleeps. Money values are checked against numbers worked out by hand in the
 * comments (8 decimal places: 1 unit = 100000000).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/xr_sim.h"
#include "xr_config.h"
#include "xr_connector.h"

/** Whole units to fixed point (qty and px share the 10^8 scale). */
#define U(x) ((int64_t)(x) * INT64_C(100000000))
/** Microseconds to ns. */
#define US(x) ((uint64_t)(x) * 1000u)
#define MS(x) ((uint64_t)(x) * 1000000u)

enum { SYM_BTC = 0, SYM_DOGE = 1, SYM_UNLISTED = 2 };

/* The fixture: one sim venue "alpha" with two books. BTC-USD: mid 50000,
 * tick 0.5, 5 levels of 1.0 (asks 50000.5 .. 50002.5, bids 49999.5 ..
 * 49997.5). DOGE-USD: mid 3, tick 0.00000001, 3 levels of 0.33333333, to
 * see the per-level truncation of notional. Taker fee 2.5 bps = 250 cbps,
 * latency 100 us, no jitter, no rejects or failures, session 1000 ms. */
static struct xr_venue_book_cfg g_books[2];
static struct xr_venue_cfg g_venue;
static struct xr_sim_venue_cfg g_sim; /* g_venue.conn: its sim keys */
static char g_symbols[3][XR_NAME_MAX + 1] = { "BTC-USD", "DOGE-USD", "SOL-USD" };
static struct xr_config g_cfg;
static struct xr_connector g_c;
static char g_err[256];

static void
fx_init(void)
{
	memset(&g_cfg, 0, sizeof(g_cfg));
	memset(&g_venue, 0, sizeof(g_venue));
	memset(&g_sim, 0, sizeof(g_sim));
	g_books[0] = (struct xr_venue_book_cfg){
		.symbol = SYM_BTC, .mid_px = U(50000), .tick_px = U(1) / 2,
		.levels = 5, .level_qty = U(1),
	};
	g_books[1] = (struct xr_venue_book_cfg){
		.symbol = SYM_DOGE, .mid_px = U(3), .tick_px = 1,
		.levels = 3, .level_qty = 33333333,
	};
	strcpy(g_venue.name, "alpha");
	strcpy(g_venue.connector, "sim");
	g_venue.fee_maker_cbps = 100;
	g_venue.fee_taker_cbps = 250;
	g_sim.latency_us = 100;
	g_sim.jitter_us = 0;
	g_sim.reject_ppm = 0;
	g_sim.fail_ppm = 0;
	g_sim.seed = 42;
	g_sim.session_ms = 1000;
	g_venue.schema = &xr_sim_config_schema;
	g_venue.conn = &g_sim;
	g_venue.max_open_orders = 64;
	g_venue.n_books = 2;
	g_venue.books = g_books;
	g_cfg.n_venues = 1;
	g_cfg.venues = &g_venue;
	g_cfg.n_symbols = 3;
	g_cfg.symbols = g_symbols;
}

/** Create the venue from the fixture; fails the test on error. */
static void
fx_create(void)
{
	int rc = xr_connector_create(&g_cfg, 0, &g_c, g_err, sizeof(g_err));
	cr_assert_eq(rc, 0, "create: %d %s", rc, g_err);
}

/** Consume the books' market data: 2 x 5 BTC levels, 2 x 3 DOGE levels. */
static void
drain_md(void)
{
	struct xr_conn_event md[32];
	cr_assert_eq(g_c.ops->poll(g_c.ctx, 0, md, 32), 16);
}

/** Create and consume the first poll's market data. */
static void
fx_start(void)
{
	struct xr_conn_event ev[32];
	fx_init();
	fx_create();
	/* BTC 2 x 5 levels, DOGE 2 x 3 levels. */
	cr_assert_eq(g_c.ops->poll(g_c.ctx, 0, ev, 32), 16);
}

static void
fx_fini(void)
{
	xr_connector_destroy(&g_c);
}

static int
submit(uint64_t id, uint16_t sym, uint8_t side, uint8_t type, uint8_t tif,
       int64_t qty, int64_t px, uint64_t now)
{
	struct xr_conn_order o = {
		.cl_ord_id = id, .token = (uint32_t)(id * 3 + 1), .symbol = sym,
		.side = side, .ord_type = type, .tif = tif, .qty = qty,
		.limit_px = px,
	};
	return g_c.ops->submit(g_c.ctx, &o, now);
}

static uint32_t
poll(uint64_t now, struct xr_conn_event *ev, uint32_t max)
{
	return g_c.ops->poll(g_c.ctx, now, ev, max);
}

/** Poll at exactly the next due time; expect exactly one event. */
static struct xr_conn_event
next_event(void)
{
	struct xr_conn_event ev;
	uint64_t due = xr_sim_next_due_ns(&g_c);
	cr_assert_neq(due, UINT64_MAX, "no event queued");
	cr_assert_eq(poll(due, &ev, 1), 1);
	return ev;
}

static uint32_t
open_orders(void)
{
	struct xr_conn_health h;
	cr_assert_eq(g_c.ops->health(g_c.ctx, &h), 0);
	return h.open_orders;
}

static bool
is_terminal(const struct xr_conn_event *e)
{
	return e->kind == XR_EV_ORDER_FAILED ||
	       (e->kind == XR_EV_EXEC_REPORT &&
		(e->ord_status == XR_OS_FILLED || e->ord_status == XR_OS_CANCELED ||
		 e->ord_status == XR_OS_REJECTED || e->ord_status == XR_OS_EXPIRED));
}

/* ---------------------------------------------------------------- factory */

Test(sim, factory_creates_sim, .fini = fx_fini)
{
	struct xr_conn_health h;
	fx_init();
	fx_create();
	cr_assert_eq(g_c.ops, &xr_sim_ops);
	cr_assert_str_eq(g_c.ops->kind, "sim");
	cr_assert_eq(g_c.venue, 0);
	memset(&h, 0xa5, sizeof(h)); /* health() must fill every field */
	cr_assert_eq(g_c.ops->health(g_c.ctx, &h), 0);
	cr_assert_eq(h.connected, 1);
	cr_assert_eq(h.open_orders, 0);
	cr_assert_eq(h.max_open_orders, 64);
	/* The sim counts no venue misbehaviour. */
	cr_assert_eq(h.foreign_reports, 0);
	cr_assert_eq(h.stale_reports, 0);
	cr_assert_eq(h.qty_changed, 0);
	cr_assert_eq(h.overfill_reports, 0);
	cr_assert_eq(h.frames_dropped, 0);
	cr_assert_eq(h.escalations, 0);
}

Test(sim, factory_unknown_connector)
{
	fx_init();
	strcpy(g_venue.connector, "ibkr");
	cr_assert_eq(xr_connector_create(&g_cfg, 0, &g_c, g_err, sizeof(g_err)),
		     -EINVAL);
	cr_assert_str_eq(g_err, "venue alpha: unknown connector \"ibkr\" (known: sim, fix)");
	cr_assert_eq(xr_connector_create(&g_cfg, 1, &g_c, g_err, sizeof(g_err)),
		     -EINVAL);
}

Test(sim, bad_parameters_einval)
{
	fx_init();
	g_books[0].levels = 0;
	cr_assert_eq(xr_connector_create(&g_cfg, 0, &g_c, g_err, sizeof(g_err)),
		     -EINVAL);
	cr_assert_str_eq(g_err, "venue alpha: book BTC-USD: levels must be 1..1000");

	fx_init();
	g_books[1].tick_px = U(1); /* bids 2, 1, 0: the last is not a price */
	cr_assert_eq(xr_connector_create(&g_cfg, 0, &g_c, g_err, sizeof(g_err)),
		     -EINVAL);
	cr_assert_str_eq(g_err, "venue alpha: book DOGE-USD: mid - levels*tick must be > 0");

	fx_init();
	g_books[1].symbol = SYM_BTC;
	cr_assert_eq(xr_connector_create(&g_cfg, 0, &g_c, g_err, sizeof(g_err)),
		     -EINVAL);
	cr_assert_str_eq(g_err, "venue alpha: book BTC-USD listed twice");

	fx_init();
	g_venue.max_open_orders = 0;
	cr_assert_eq(xr_connector_create(&g_cfg, 0, &g_c, g_err, sizeof(g_err)),
		     -EINVAL);

	fx_init();
	g_sim.reject_ppm = XR_SIM_PPM_ONE + 1;
	cr_assert_eq(xr_connector_create(&g_cfg, 0, &g_c, g_err, sizeof(g_err)),
		     -EINVAL);
}

/* ---------------------------------------------------------------- market data */

Test(sim, market_data_on_first_poll_only, .fini = fx_fini)
{
	struct xr_conn_event ev[32];
	fx_init();
	fx_create();
	/* max = 1: the rest of the levels wait for the next poll. */
	cr_assert_eq(poll(0, ev, 1), 1);
	cr_assert_eq(poll(0, ev + 1, 31), 15);
	/* BTC: bids 49999.5 .. 49997.5 best first, then asks 50000.5 .. 50002.5. */
	for (int i = 0; i < 10; i++) {
		const struct xr_conn_event *e = &ev[i];
		int lv = i % 5;
		cr_assert_eq(e->kind, XR_EV_MARKET_DATA);
		cr_assert_eq(e->symbol, SYM_BTC);
		cr_assert_eq(e->side, i < 5 ? XR_SIDE_BUY : XR_SIDE_SELL);
		cr_assert_eq(e->level, lv);
		cr_assert_eq(e->n_levels, 5);
		cr_assert_eq(e->px, i < 5 ? 4999950000000 - lv * 50000000
					  : 5000050000000 + lv * 50000000);
		cr_assert_eq(e->md_qty, U(1));
	}
	/* DOGE: 3 levels a side, one tick (10^-8) apart. */
	cr_assert_eq(ev[10].symbol, SYM_DOGE);
	cr_assert_eq(ev[10].side, XR_SIDE_BUY);
	cr_assert_eq(ev[10].px, 299999999);
	cr_assert_eq(ev[12].px, 299999997);
	cr_assert_eq(ev[13].side, XR_SIDE_SELL);
	cr_assert_eq(ev[13].px, 300000001);
	cr_assert_eq(ev[15].px, 300000003);
	cr_assert_eq(ev[15].n_levels, 3);
	cr_assert_eq(ev[15].md_qty, 33333333);
	cr_assert_eq(poll(MS(10000), ev, 8), 0);
}

/* ---------------------------------------------------------------- validation */

Test(sim, submit_validates, .init = fx_start, .fini = fx_fini)
{
	cr_assert_eq(submit(1, SYM_UNLISTED, XR_SIDE_BUY, XR_ORD_MARKET,
			    XR_TIF_IOC, U(1), 0, 0), -EINVAL);
	cr_assert_eq(submit(1, 300, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC,
			    U(1), 0, 0), -EINVAL);
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC,
			    0, 0, 0), -EINVAL);
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC,
			    -U(1), 0, 0), -EINVAL);
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_LIMIT, XR_TIF_DAY,
			    U(1), 0, 0), -EINVAL);
	cr_assert_eq(submit(1, SYM_BTC, 3, XR_ORD_MARKET, XR_TIF_IOC, U(1), 0, 0),
		     -EINVAL);
	cr_assert_eq(open_orders(), 0);
	/* A market order ignores limit_px; a live ClOrdID cannot be reused. */
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC,
			    U(1), 0, 0), 0);
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC,
			    U(1), 0, 0), -EINVAL);
	cr_assert_eq(open_orders(), 1);
}

/* ---------------------------------------------------------------- matching */

Test(sim, market_buy_walks_three_levels, .init = fx_start, .fini = fx_fini)
{
	/* Buy 2.5: 1 @ 50000.5 + 1 @ 50001.0 + 0.5 @ 50001.5
	 *   notional = 50000.5 + 50001.0 + 25000.75 = 125002.25
	 *   fees     = 125002.25 * 250 / 10^6     = 31.2505625 */
	cr_assert_eq(submit(7, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC,
			    U(5) / 2, 0, 0), 0);
	struct xr_conn_event e = next_event();
	cr_assert_eq(e.kind, XR_EV_EXEC_REPORT);
	cr_assert_eq(e.ord_status, XR_OS_FILLED);
	cr_assert_eq(e.reason, XR_R_NONE);
	cr_assert_eq(e.cl_ord_id, 7);
	cr_assert_eq(e.token, 22);
	cr_assert_eq(e.symbol, SYM_BTC);
	cr_assert_eq(e.last_qty, 250000000);
	cr_assert_eq(e.cum_qty, 250000000);
	cr_assert_eq(e.leaves_qty, 0);
	cr_assert_eq(e.last_notional, 12500225000000);
	cr_assert_eq(e.last_fees, 3125056250);

	/* Sell 2.5: 1 @ 49999.5 + 1 @ 49999.0 + 0.5 @ 49998.5
	 *   notional = 49999.5 + 49999.0 + 24999.25 = 124997.75
	 *   fees     = 124997.75 * 250 / 10^6     = 31.2494375 */
	cr_assert_eq(submit(8, SYM_BTC, XR_SIDE_SELL, XR_ORD_MARKET, XR_TIF_DAY,
			    U(5) / 2, 0, US(1000)), 0);
	e = next_event();
	cr_assert_eq(e.ord_status, XR_OS_FILLED);
	cr_assert_eq(e.last_notional, 12499775000000);
	cr_assert_eq(e.last_fees, 3124943750);
	cr_assert_eq(open_orders(), 0);
}

Test(sim, notional_truncates_per_level, .init = fx_start, .fini = fx_fini)
{
	/* Buy 0.66666666 DOGE: 0.33333333 @ 3.00000001 = 0.9999999933333333
	 * -> 0.99999999, and 0.33333333 @ 3.00000002 = 0.9999999966666666
	 * -> 0.99999999: notional 1.99999998 (per level, truncated);
	 * fees 1.99999998 * 0.00025 = 0.000499999995 -> 0.00049999. */
	cr_assert_eq(submit(1, SYM_DOGE, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC,
			    66666666, 0, 0), 0);
	struct xr_conn_event e = next_event();
	cr_assert_eq(e.ord_status, XR_OS_FILLED);
	cr_assert_eq(e.last_notional, 199999998);
	cr_assert_eq(e.last_fees, 49999);
}

Test(sim, limit_fills_only_up_to_limit, .init = fx_start, .fini = fx_fini)
{
	/* Buy 5 limit 50001.2: asks 50000.5 and 50001.0 qualify, 50001.5 not.
	 * notional 100001.5, fees 25.000375; IOC cancels the other 3. */
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_LIMIT, XR_TIF_IOC,
			    U(5), 5000120000000, 0), 0);
	struct xr_conn_event e = next_event();
	cr_assert_eq(e.ord_status, XR_OS_CANCELED);
	cr_assert_eq(e.reason, XR_R_NONE);
	cr_assert_eq(e.last_qty, U(2));
	cr_assert_eq(e.cum_qty, U(2));
	cr_assert_eq(e.leaves_qty, 0);
	cr_assert_eq(e.last_notional, 10000150000000);
	cr_assert_eq(e.last_fees, 2500037500);

	/* Sell 5 limit 49999.0 (exactly a level): bids 49999.5 and 49999.0. */
	cr_assert_eq(submit(2, SYM_BTC, XR_SIDE_SELL, XR_ORD_LIMIT, XR_TIF_IOC,
			    U(5), 4999900000000, 0), 0);
	e = next_event();
	cr_assert_eq(e.ord_status, XR_OS_CANCELED);
	cr_assert_eq(e.cum_qty, U(2));
	cr_assert_eq(e.last_notional, 9999850000000); /* 99998.5 */

	/* Buy limit 50000.4: below the best ask, nothing crosses. */
	cr_assert_eq(submit(3, SYM_BTC, XR_SIDE_BUY, XR_ORD_LIMIT, XR_TIF_IOC,
			    U(1), 5000040000000, 0), 0);
	e = next_event();
	cr_assert_eq(e.ord_status, XR_OS_CANCELED);
	cr_assert_eq(e.reason, XR_R_NO_LIQUIDITY);
	cr_assert_eq(e.cum_qty, 0);
	cr_assert_eq(e.last_notional, 0);
	cr_assert_eq(e.last_fees, 0);
}

Test(sim, ioc_remainder_canceled, .init = fx_start, .fini = fx_fini)
{
	/* Market buy 7 against 5 levels of 1: fills 5, cancels 2.
	 * notional = 50000.5+50001+50001.5+50002+50002.5 = 250007.5 */
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC,
			    U(7), 0, 0), 0);
	struct xr_conn_event e = next_event();
	cr_assert_eq(e.ord_status, XR_OS_CANCELED);
	cr_assert_eq(e.last_qty, U(5));
	cr_assert_eq(e.cum_qty, U(5));
	cr_assert_eq(e.leaves_qty, 0);
	cr_assert_eq(e.last_notional, 25000750000000);
	cr_assert_eq(xr_sim_next_due_ns(&g_c), UINT64_MAX);
	cr_assert_eq(open_orders(), 0);
}

Test(sim, fok_all_or_nothing, .init = fx_start, .fini = fx_fini)
{
	/* Limit 50001.5 reaches 3 levels: 3 fits, 4 does not. */
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_LIMIT, XR_TIF_FOK,
			    U(3), 5000150000000, 0), 0);
	struct xr_conn_event e = next_event();
	cr_assert_eq(e.ord_status, XR_OS_FILLED);
	cr_assert_eq(e.cum_qty, U(3));
	cr_assert_eq(e.last_notional, 15000300000000); /* 150003.0 */

	cr_assert_eq(submit(2, SYM_BTC, XR_SIDE_BUY, XR_ORD_LIMIT, XR_TIF_FOK,
			    U(3) + 1, 5000150000000, 0), 0);
	e = next_event();
	cr_assert_eq(e.ord_status, XR_OS_CANCELED);
	cr_assert_eq(e.reason, XR_R_NO_LIQUIDITY);
	cr_assert_eq(e.last_qty, 0);
	cr_assert_eq(e.cum_qty, 0);
	cr_assert_eq(e.last_notional, 0);
	cr_assert_eq(e.last_fees, 0);

	/* Market FOK: the whole side (5) fills, 6 does not. */
	cr_assert_eq(submit(3, SYM_BTC, XR_SIDE_SELL, XR_ORD_MARKET, XR_TIF_FOK,
			    U(6), 0, 0), 0);
	e = next_event();
	cr_assert_eq(e.ord_status, XR_OS_CANCELED);
	cr_assert_eq(e.cum_qty, 0);
	cr_assert_eq(submit(4, SYM_BTC, XR_SIDE_SELL, XR_ORD_MARKET, XR_TIF_FOK,
			    U(5), 0, 0), 0);
	e = next_event();
	cr_assert_eq(e.ord_status, XR_OS_FILLED);
	cr_assert_eq(e.cum_qty, U(5));
}

/* ---------------------------------------------------------------- resting */

Test(sim, day_rests_then_expires, .init = fx_start, .fini = fx_fini)
{
	struct xr_conn_event ev[4];
	/* Buy 3 limit 50001.0 DAY at t=0: arrives at 100 us, takes 2, rests 1. */
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_LIMIT, XR_TIF_DAY,
			    U(3), 5000100000000, 0), 0);
	cr_assert_eq(poll(US(100) - 1, ev, 4), 0);
	cr_assert_eq(poll(US(100), ev, 4), 1);
	cr_assert_eq(ev[0].ord_status, XR_OS_PARTIALLY_FILLED);
	cr_assert_eq(ev[0].last_qty, U(2));
	cr_assert_eq(ev[0].cum_qty, U(2));
	cr_assert_eq(ev[0].leaves_qty, U(1));
	cr_assert_eq(ev[0].last_notional, 10000150000000);
	cr_assert_eq(open_orders(), 1);

	/* Expires at arrival + session_ms. */
	uint64_t expiry = US(100) + MS(1000);
	cr_assert_eq(xr_sim_next_due_ns(&g_c), expiry);
	cr_assert_eq(poll(expiry - 1, ev, 4), 0);
	cr_assert_eq(poll(expiry, ev, 4), 1);
	cr_assert_eq(ev[0].kind, XR_EV_EXEC_REPORT);
	cr_assert_eq(ev[0].ord_status, XR_OS_EXPIRED);
	cr_assert_eq(ev[0].reason, XR_R_EXPIRED);
	cr_assert_eq(ev[0].last_qty, 0);
	cr_assert_eq(ev[0].cum_qty, U(2));
	cr_assert_eq(ev[0].leaves_qty, 0);
	cr_assert_eq(ev[0].token, 4);
	cr_assert_eq(open_orders(), 0);
	cr_assert_eq(g_c.ops->cancel(g_c.ctx, 1, expiry), -ENOENT);
}

Test(sim, gtc_rests_new_when_nothing_crosses, .init = fx_start, .fini = fx_fini)
{
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_SELL, XR_ORD_LIMIT, XR_TIF_GTC,
			    U(1), U(50001), 0), 0);
	struct xr_conn_event e = next_event();
	cr_assert_eq(e.ord_status, XR_OS_NEW);
	cr_assert_eq(e.last_qty, 0);
	cr_assert_eq(e.cum_qty, 0);
	cr_assert_eq(e.leaves_qty, U(1));
	e = next_event();
	cr_assert_eq(e.ord_status, XR_OS_EXPIRED);
	cr_assert_eq(e.cum_qty, 0);
}

Test(sim, day_filled_on_arrival_only_filled, .init = fx_start, .fini = fx_fini)
{
	struct xr_conn_event ev[4];
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_LIMIT, XR_TIF_DAY,
			    U(2), U(50001), 0), 0);
	struct xr_conn_event e = next_event();
	cr_assert_eq(e.ord_status, XR_OS_FILLED);
	cr_assert_eq(e.cum_qty, U(2));
	cr_assert_eq(xr_sim_next_due_ns(&g_c), UINT64_MAX);
	cr_assert_eq(poll(MS(100000), ev, 4), 0);
}

/* ---------------------------------------------------------------- cancel */

Test(sim, cancel_resting_order, .init = fx_start, .fini = fx_fini)
{
	struct xr_conn_event ev[4];
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_LIMIT, XR_TIF_DAY,
			    U(3), 5000100000000, 0), 0);
	cr_assert_eq(poll(US(100), ev, 4), 1);
	cr_assert_eq(ev[0].ord_status, XR_OS_PARTIALLY_FILLED);

	cr_assert_eq(g_c.ops->cancel(g_c.ctx, 1, MS(5)), 0);
	cr_assert_eq(g_c.ops->cancel(g_c.ctx, 1, MS(5)), 0); /* no second report */
	cr_assert_eq(xr_sim_next_due_ns(&g_c), MS(5));
	cr_assert_eq(poll(MS(5), ev, 4), 1);
	cr_assert_eq(ev[0].ord_status, XR_OS_CANCELED);
	cr_assert_eq(ev[0].reason, XR_R_NONE);
	cr_assert_eq(ev[0].last_qty, 0);
	cr_assert_eq(ev[0].cum_qty, U(2));
	cr_assert_eq(ev[0].leaves_qty, 0);
	cr_assert_eq(open_orders(), 0);
	/* Nothing else: no Expired at session end. */
	cr_assert_eq(poll(MS(100000), ev, 4), 0);
	cr_assert_eq(g_c.ops->cancel(g_c.ctx, 1, MS(100000)), -ENOENT);
}

Test(sim, cancel_before_arrival, .init = fx_start, .fini = fx_fini)
{
	struct xr_conn_event ev[4];
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC,
			    U(1), 0, 0), 0);
	cr_assert_eq(g_c.ops->cancel(g_c.ctx, 1, US(10)), 0);
	cr_assert_eq(poll(US(99), ev, 4), 0); /* still in transit */
	cr_assert_eq(poll(US(100), ev, 4), 1);
	cr_assert_eq(ev[0].ord_status, XR_OS_CANCELED);
	cr_assert_eq(ev[0].cum_qty, 0);
	cr_assert_eq(ev[0].last_qty, 0);
	cr_assert_eq(ev[0].last_notional, 0);
	cr_assert_eq(poll(MS(100000), ev, 4), 0);
}

Test(sim, cancel_unknown_enoent, .init = fx_start, .fini = fx_fini)
{
	cr_assert_eq(g_c.ops->cancel(g_c.ctx, 12345, 0), -ENOENT);
}

/* ---------------------------------------------------------------- outcomes */

static void
run_simple_orders(uint32_t n, uint8_t want_kind, uint8_t want_status,
		  uint16_t want_reason)
{
	struct xr_conn_event ev[64];
	uint32_t seen = 0;
	for (uint32_t i = 0; i < n; i++) {
		cr_assert_eq(submit(i + 1, SYM_BTC, i % 2 ? XR_SIDE_SELL : XR_SIDE_BUY,
				    XR_ORD_MARKET, XR_TIF_IOC, U(1), 0, US(i)), 0);
		uint32_t k = poll(US(i), ev, 64);
		for (uint32_t j = 0; j < k; j++, seen++) {
			cr_assert_eq(ev[j].kind, want_kind);
			cr_assert_eq(ev[j].ord_status, want_status);
			cr_assert_eq(ev[j].reason, want_reason);
			cr_assert_eq(ev[j].cum_qty, want_status == XR_OS_FILLED ? U(1) : 0);
			cr_assert_eq(ev[j].leaves_qty, 0);
		}
	}
	uint32_t k;
	while ((k = poll(MS(1000), ev, 64)) > 0)
		for (uint32_t j = 0; j < k; j++, seen++)
			cr_assert_eq(ev[j].ord_status, want_status);
	cr_assert_eq(seen, n);
}

Test(sim, reject_prob_one, .fini = fx_fini)
{
	fx_init();
	g_sim.reject_ppm = 1000000;
	g_sim.fail_ppm = 1000000; /* reject is drawn first */
	g_venue.max_open_orders = 1000;
	fx_create();
	drain_md();
	run_simple_orders(1000, XR_EV_EXEC_REPORT, XR_OS_REJECTED, XR_R_VENUE_REJECT);
}

Test(sim, fail_prob_one, .fini = fx_fini)
{
	fx_init();
	g_sim.fail_ppm = 1000000;
	g_venue.max_open_orders = 1000;
	fx_create();
	drain_md();
	run_simple_orders(1000, XR_EV_ORDER_FAILED, 0, XR_R_VENUE_FAILURE);
}

Test(sim, zero_probs_never_reject_or_fail, .fini = fx_fini)
{
	fx_init();
	g_venue.max_open_orders = 1000;
	fx_create();
	drain_md();
	run_simple_orders(1000, XR_EV_EXEC_REPORT, XR_OS_FILLED, XR_R_NONE);
}

/* ---------------------------------------------------------------- capacity */

Test(sim, busy_when_full_then_recovers, .fini = fx_fini)
{
	struct xr_conn_event ev[8];
	fx_init();
	g_venue.max_open_orders = 4;
	fx_create();
	drain_md();
	/* Two resting DAY orders and two in transit fill the table. */
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_LIMIT, XR_TIF_DAY,
			    U(1), U(40000), 0), 0);
	cr_assert_eq(submit(2, SYM_BTC, XR_SIDE_BUY, XR_ORD_LIMIT, XR_TIF_DAY,
			    U(1), U(40000), 0), 0);
	cr_assert_eq(poll(US(100), ev, 8), 2);
	cr_assert_eq(submit(3, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC,
			    U(1), 0, US(100)), 0);
	cr_assert_eq(submit(4, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC,
			    U(1), 0, US(100)), 0);
	cr_assert_eq(open_orders(), 4);
	cr_assert_eq(submit(5, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC,
			    U(1), 0, US(100)), -EBUSY);
	cr_assert_eq(open_orders(), 4);
	/* The two in transit arrive and fill: two slots free again. */
	cr_assert_eq(poll(US(200), ev, 8), 2);
	cr_assert_eq(open_orders(), 2);
	cr_assert_eq(submit(5, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC,
			    U(1), 0, US(200)), 0);
	cr_assert_eq(g_c.ops->cancel(g_c.ctx, 1, US(200)), 0);
	cr_assert_eq(poll(US(300), ev, 8), 2); /* Canceled 1, Filled 5 */
	cr_assert_eq(ev[0].cl_ord_id, 1);
	cr_assert_eq(ev[0].ord_status, XR_OS_CANCELED);
	cr_assert_eq(ev[1].cl_ord_id, 5);
	cr_assert_eq(ev[1].ord_status, XR_OS_FILLED);
	cr_assert_eq(open_orders(), 1);
}

/* ---------------------------------------------------------------- time */

/* One recorded event with the poll time it came out at. */
struct rec {
	uint64_t at_ns;
	struct xr_conn_event ev;
};

/**
 * Submit @p n mixed orders at 10 us intervals and step the clock to each
 * due time; record every event. Returns the number recorded.
 */
static uint32_t
run_recorded(uint64_t seed, uint32_t n, struct rec *out, uint32_t cap)
{
	struct xr_conn_event ev[4];
	fx_init();
	g_sim.seed = seed;
	g_sim.jitter_us = 500;
	g_sim.reject_ppm = 100000;
	g_sim.fail_ppm = 100000;
	g_sim.session_ms = 2;
	g_venue.max_open_orders = 1024;
	fx_create();
	uint32_t k = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t tif = (uint8_t[]){ XR_TIF_DAY, XR_TIF_GTC, XR_TIF_IOC,
					   XR_TIF_FOK }[i % 4];
		cr_assert_eq(submit(i + 1, (uint16_t)(i % 2),
				    i % 3 ? XR_SIDE_BUY : XR_SIDE_SELL,
				    i % 5 ? XR_ORD_LIMIT : XR_ORD_MARKET, tif,
				    i % 2 ? 50000000 : U(2), i % 2 ? U(3) : U(50001),
				    US(10) * i), 0);
		if (i % 7 == 0)
			(void)g_c.ops->cancel(g_c.ctx, i / 2 + 1, US(10) * i);
	}
	uint64_t now = US(10) * n;
	for (;;) {
		uint32_t got = poll(now, ev, 4);
		for (uint32_t j = 0; j < got; j++) {
			cr_assert_lt(k, cap);
			out[k++] = (struct rec){ .at_ns = now, .ev = ev[j] };
		}
		if (got == 4)
			continue;
		uint64_t due = xr_sim_next_due_ns(&g_c);
		if (due == UINT64_MAX)
			break;
		now = due > now ? due : now;
	}
	xr_connector_destroy(&g_c);
	return k;
}

static bool
rec_eq(const struct rec *x, const struct rec *y)
{
	const struct xr_conn_event *a = &x->ev, *b = &y->ev;
	return x->at_ns == y->at_ns && a->kind == b->kind &&
	       a->ord_status == b->ord_status && a->reason == b->reason &&
	       a->symbol == b->symbol && a->token == b->token &&
	       a->cl_ord_id == b->cl_ord_id && a->last_qty == b->last_qty &&
	       a->last_notional == b->last_notional &&
	       a->last_fees == b->last_fees && a->cum_qty == b->cum_qty &&
	       a->leaves_qty == b->leaves_qty && a->side == b->side &&
	       a->level == b->level && a->n_levels == b->n_levels && a->px == b->px &&
	       a->md_qty == b->md_qty;
}

Test(sim, deterministic_from_seed)
{
	static struct rec a[2048], b[2048], c[2048];
	uint32_t na = run_recorded(7, 500, a, 2048);
	uint32_t nb = run_recorded(7, 500, b, 2048);
	cr_assert_gt(na, 500);
	cr_assert_eq(na, nb);
	for (uint32_t i = 0; i < na; i++)
		cr_assert(rec_eq(&a[i], &b[i]),
			  "same seed, same orders: event %u differs", i);

	uint32_t nc = run_recorded(8, 500, c, 2048);
	bool differ = nc != na;
	for (uint32_t i = 0; !differ && i < na; i++)
		differ = a[i].at_ns != c[i].at_ns ||
			 a[i].ev.cl_ord_id != c[i].ev.cl_ord_id;
	cr_assert(differ, "another seed gives other latencies");
}

Test(sim, events_at_due_time_in_due_order, .fini = fx_fini)
{
	struct xr_conn_event ev[4];
	fx_init();
	g_sim.jitter_us = 50;
	g_venue.max_open_orders = 256;
	fx_create();
	drain_md();
	const uint64_t t0 = US(1000);
	for (uint32_t i = 0; i < 200; i++)
		cr_assert_eq(submit(i + 1, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET,
				    XR_TIF_IOC, U(1), 0, t0), 0);
	uint64_t last = 0, distinct = 0;
	bool seen[201] = { false };
	for (uint32_t i = 0; i < 200; i++) {
		uint64_t due = xr_sim_next_due_ns(&g_c);
		/* latency 100 us + jitter 0..50 us */
		cr_assert_geq(due, t0 + US(100));
		cr_assert_leq(due, t0 + US(150));
		cr_assert_geq(due, last, "due times never go back");
		distinct += due != last;
		last = due;
		cr_assert_eq(poll(due - 1, ev, 4), 0, "nothing before it is due");
		cr_assert_eq(poll(due, ev, 1), 1);
		cr_assert_leq(ev[0].cl_ord_id, 200);
		cr_assert(!seen[ev[0].cl_ord_id]);
		seen[ev[0].cl_ord_id] = true;
	}
	cr_assert_gt(distinct, 50, "jitter spreads the arrivals");
	cr_assert_eq(xr_sim_next_due_ns(&g_c), UINT64_MAX);

	/* Polled late, many due events come out in due order, FIFO on ties:
	 * with no jitter, equal latency means submit order. */
	fx_fini();
	fx_init();
	g_venue.max_open_orders = 256;
	fx_create();
	drain_md();
	for (uint32_t i = 0; i < 100; i++)
		cr_assert_eq(submit(100 - i, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET,
				    XR_TIF_IOC, U(1), 0, US(i / 10)), 0);
	struct xr_conn_event all[128];
	cr_assert_eq(poll(MS(1), all, 128), 100);
	for (uint32_t i = 0; i < 100; i++)
		cr_assert_eq(all[i].cl_ord_id, 100 - i);
}

/* ---------------------------------------------------------------- invariant */

static uint64_t
test_rand(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

#define N_RANDOM 100000

/* Per ClOrdID bookkeeping of the random run. */
struct track {
	int64_t qty;
	int64_t cum_qty;
	uint16_t symbol;
	uint8_t terminals;
	uint8_t canceled_by_us;
};

static struct track g_track[N_RANDOM + 1];
/* Events seen per OrdStatus (failures counted under index 0). */
static uint32_t g_by_status[256];

static void
check_events(const struct xr_conn_event *ev, uint32_t n, uint64_t *n_open)
{
	for (uint32_t j = 0; j < n; j++) {
		const struct xr_conn_event *e = &ev[j];
		cr_assert_neq(e->kind, XR_EV_MARKET_DATA);
		cr_assert(e->cl_ord_id >= 1 && e->cl_ord_id <= N_RANDOM);
		struct track *t = &g_track[e->cl_ord_id];
		cr_assert_gt(t->qty, 0, "event for an order never submitted");
		cr_assert_eq(t->terminals, 0, "event after the terminal one");
		cr_assert_eq(e->token, (uint32_t)(e->cl_ord_id * 3 + 1));
		cr_assert_eq(e->symbol, t->symbol);
		cr_assert_geq(e->last_qty, 0);
		cr_assert_eq(e->cum_qty, t->cum_qty + e->last_qty);
		cr_assert_leq(e->cum_qty, t->qty);
		t->cum_qty = e->cum_qty;
		g_by_status[e->kind == XR_EV_ORDER_FAILED ? 0 : e->ord_status]++;
		if (is_terminal(e)) {
			t->terminals++;
			(*n_open)--;
			cr_assert_eq(e->leaves_qty, 0);
			if (e->ord_status == XR_OS_FILLED)
				cr_assert_eq(e->cum_qty, t->qty);
			if (e->ord_status == XR_OS_CANCELED && e->reason == XR_R_NONE &&
			    e->cum_qty == 0)
				cr_assert(t->canceled_by_us);
		} else {
			cr_assert(e->ord_status == XR_OS_NEW ||
				  e->ord_status == XR_OS_PARTIALLY_FILLED);
			cr_assert_eq(e->leaves_qty, t->qty - e->cum_qty);
			cr_assert_gt(e->leaves_qty, 0);
		}
	}
}

Test(sim, one_terminal_event_per_order_100k, .fini = fx_fini, .timeout = 120)
{
	static const uint8_t tifs[] = { XR_TIF_DAY, XR_TIF_GTC, XR_TIF_IOC, XR_TIF_FOK };
	struct xr_conn_event ev[16];
	uint64_t rs = 20240601, now = 0, n_open = 0;
	uint32_t busy = 0;
	fx_init();
	g_sim.jitter_us = 200;
	g_sim.reject_ppm = 20000;
	g_sim.fail_ppm = 20000;
	g_sim.session_ms = 20;
	g_venue.max_open_orders = 256;
	fx_create();
	drain_md();

	uint64_t id = 0;
	while (id < N_RANDOM) {
		now += test_rand(&rs) % US(20);
		uint64_t r = test_rand(&rs);
		const struct xr_venue_book_cfg *b = &g_books[r & 1];
		struct xr_conn_order o = {
			.cl_ord_id = id + 1,
			.token = (uint32_t)((id + 1) * 3 + 1),
			.symbol = b->symbol,
			.side = (r >> 1) & 1 ? XR_SIDE_BUY : XR_SIDE_SELL,
			.ord_type = (r >> 2) % 4 == 0 ? XR_ORD_MARKET : XR_ORD_LIMIT,
			.tif = tifs[(r >> 4) % 4],
			/* 1 unit .. 3 levels' worth, not a multiple of a level */
			.qty = 1 + (int64_t)((r >> 8) % (uint64_t)(3 * b->level_qty)),
			/* -3..+5 ticks around mid */
			.limit_px = b->mid_px + ((int64_t)((r >> 40) % 9) - 3) * b->tick_px,
		};
		int rc = g_c.ops->submit(g_c.ctx, &o, now);
		if (rc == -EBUSY) {
			busy++;
		} else {
			cr_assert_eq(rc, 0);
			id++;
			g_track[id] = (struct track){ .qty = o.qty, .symbol = o.symbol };
			n_open++;
		}
		if (id > 0 && test_rand(&rs) % 8 == 0) {
			uint64_t victim = 1 + test_rand(&rs) % id;
			rc = g_c.ops->cancel(g_c.ctx, victim, now);
			cr_assert(rc == 0 || rc == -ENOENT);
			cr_assert_eq(rc == 0, g_track[victim].terminals == 0,
				     "cancel succeeds exactly for live orders");
			if (rc == 0)
				g_track[victim].canceled_by_us = 1;
		}
		uint32_t got = poll(now, ev, 1 + (uint32_t)(test_rand(&rs) % 16));
		check_events(ev, got, &n_open);
		cr_assert_eq(open_orders(), n_open);
	}
	uint32_t got;
	while ((got = poll(UINT64_MAX, ev, 16)) > 0)
		check_events(ev, got, &n_open);
	cr_assert_eq(n_open, 0);
	cr_assert_eq(open_orders(), 0);
	cr_assert_eq(xr_sim_next_due_ns(&g_c), UINT64_MAX);
	cr_assert_gt(busy, 0, "the table filled up at least once");
	/* Every path was taken. */
	static const uint8_t paths[] = { 0, XR_OS_NEW, XR_OS_PARTIALLY_FILLED,
		XR_OS_FILLED, XR_OS_CANCELED, XR_OS_REJECTED, XR_OS_EXPIRED };
	for (size_t i = 0; i < sizeof(paths); i++)
		cr_assert_gt(g_by_status[paths[i]], 100, "status '%c': %u",
			     paths[i] ? paths[i] : 'F', g_by_status[paths[i]]);
	for (uint64_t i = 1; i <= N_RANDOM; i++)
		cr_assert_eq(g_track[i].terminals, 1, "order %lu", (unsigned long)i);
}

/* ---------------------------------------------------------------- faults */

static struct xr_sim_fault_cfg g_faults[4];

/** fx_start with the faults given (kind, window in ms, prob/ratio ppm, extra us). */
static void
fx_start_faults(const struct xr_sim_fault_cfg *f, uint32_t n)
{
	struct xr_conn_event ev[32];
	fx_init();
	memcpy(g_faults, f, n * sizeof(*f));
	g_sim.faults = g_faults;
	g_sim.n_faults = n;
	fx_create();
	cr_assert_eq(g_c.ops->poll(g_c.ctx, 0, ev, 32), 16); /* t0 = 0 */
}

Test(sim_faults, outage_loses_orders_and_a_later_query_says_unknown, .fini = fx_fini)
{
	struct xr_sim_fault_cfg f = { .kind = XR_FAULT_OUTAGE, .start_ns = MS(10),
				      .end_ns = MS(20) };
	struct xr_conn_event ev[4];

	fx_start_faults(&f, 1);
	/* Sent at 9.95 ms, due at 10.05 ms: in flight when the venue went. */
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC, U(1), 0,
			    MS(10) - US(50)), 0);
	/* Sent inside the window: lost on the way in; submit cannot tell. */
	cr_assert_eq(submit(2, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC, U(1), 0, MS(12)),
		     0);
	cr_assert_eq(poll(MS(15), ev, 4), 0, "nothing answers during the outage");
	cr_assert_eq(open_orders(), 0, "neither order reached the venue");
	/* A query in the window is lost too. */
	cr_assert_eq(g_c.ops->status(g_c.ctx, 1, 4, MS(16)), 0);
	cr_assert_eq(poll(MS(19), ev, 4), 0);
	/* After it: both are unknown, the token echoed. */
	cr_assert_eq(g_c.ops->status(g_c.ctx, 1, 4, MS(21)), 0);
	cr_assert_eq(g_c.ops->status(g_c.ctx, 2, 7, MS(21)), 0);
	cr_assert_eq(poll(MS(21) + US(99), ev, 4), 0, "answers take latency_us");
	cr_assert_eq(poll(MS(21) + US(100), ev, 4), 2);
	cr_assert_eq(ev[0].kind, XR_EV_ORDER_UNKNOWN);
	cr_assert_eq(ev[0].cl_ord_id, 1);
	cr_assert_eq(ev[0].token, 4);
	cr_assert_eq(ev[1].cl_ord_id, 2);
	cr_assert_eq(ev[1].token, 7);
}

Test(sim_faults, dropped_answer_is_given_to_the_status_query_once, .fini = fx_fini)
{
	struct xr_sim_fault_cfg f = { .kind = XR_FAULT_DROP_ANSWERS, .start_ns = 0,
				      .end_ns = MS(1), .prob_ppm = 1000000 };
	struct xr_conn_event ev[4];

	fx_start_faults(&f, 1);
	/* Buy 1.5 BTC: 1 at 50000.5 + 0.5 at 50001 = 75001 USD. */
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC, U(3) / 2, 0, 0),
		     0);
	cr_assert_eq(poll(US(100), ev, 4), 0, "the fill's answer is lost");
	cr_assert_eq(open_orders(), 1, "the venue keeps the ended order for a query");
	cr_assert_eq(g_c.ops->status(g_c.ctx, 1, 4, MS(2)), 0);
	cr_assert_eq(poll(MS(2) + US(100), ev, 4), 1);
	cr_assert_eq(ev[0].kind, XR_EV_EXEC_REPORT);
	cr_assert_eq(ev[0].ord_status, XR_OS_FILLED);
	cr_assert_eq(ev[0].last_qty, U(3) / 2);
	cr_assert_eq(ev[0].last_notional, U(75001));
	cr_assert_eq(ev[0].cum_qty, U(3) / 2);
	cr_assert_eq(open_orders(), 0);
	/* Asked again: the order is gone, so it is unknown; no second fill. */
	cr_assert_eq(g_c.ops->status(g_c.ctx, 1, 4, MS(3)), 0);
	cr_assert_eq(poll(MS(3) + US(100), ev, 4), 1);
	cr_assert_eq(ev[0].kind, XR_EV_ORDER_UNKNOWN);
	cr_assert_eq(ev[0].last_qty, 0);
}

Test(sim_faults, late_answer_comes_once_even_if_a_query_overtakes_it, .fini = fx_fini)
{
	struct xr_sim_fault_cfg f = { .kind = XR_FAULT_LATE_ANSWERS, .start_ns = 0,
				      .end_ns = MS(1), .prob_ppm = 1000000,
				      .extra_us = 5000 };
	struct xr_conn_event ev[4];

	fx_start_faults(&f, 1);
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC, U(1), 0, 0), 0);
	cr_assert_eq(submit(2, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC, U(1), 0, 0), 0);
	cr_assert_eq(poll(US(100), ev, 4), 0);
	cr_assert_eq(xr_sim_next_due_ns(&g_c), US(5100), "both answers 5 ms late");
	/* Order 1 is queried before its late answer: the query answers it. */
	cr_assert_eq(g_c.ops->status(g_c.ctx, 1, 4, MS(2)), 0);
	cr_assert_eq(poll(MS(2) + US(100), ev, 4), 1);
	cr_assert_eq(ev[0].cl_ord_id, 1);
	cr_assert_eq(ev[0].ord_status, XR_OS_FILLED);
	cr_assert_eq(poll(MS(6), ev, 4), 1, "only order 2's late answer is left");
	cr_assert_eq(ev[0].cl_ord_id, 2);
	cr_assert_eq(ev[0].last_qty, U(1));
	cr_assert_eq(xr_sim_next_due_ns(&g_c), UINT64_MAX);
}

Test(sim_faults, disconnect_refuses_orders_and_health_says_since_when, .fini = fx_fini)
{
	struct xr_sim_fault_cfg f = { .kind = XR_FAULT_DISCONNECT, .start_ns = MS(5),
				      .end_ns = MS(8), .every_ns = MS(100) };
	struct xr_conn_health h;
	struct xr_conn_event ev[4];

	fx_start_faults(&f, 1);
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC, U(1), 0, MS(6)),
		     -ENOTCONN);
	cr_assert_eq(g_c.ops->status(g_c.ctx, 1, 4, MS(6)), -ENOTCONN);
	cr_assert_eq(g_c.ops->health(g_c.ctx, &h), 0);
	cr_assert_eq(h.connected, 0);
	cr_assert_eq(h.down_since_ns, MS(5));
	cr_assert_eq(submit(2, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC, U(1), 0, MS(8)),
		     0, "the window ends at end_ms");
	cr_assert_eq(poll(MS(9), ev, 4), 1);
	cr_assert_eq(g_c.ops->health(g_c.ctx, &h), 0);
	cr_assert_eq(h.connected, 1);
	/* every_ms repeats it: down again from 105 ms. */
	cr_assert_eq(submit(3, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC, U(1), 0,
			    MS(106)), -ENOTCONN);
	cr_assert_eq(g_c.ops->health(g_c.ctx, &h), 0);
	cr_assert_eq(h.down_since_ns, MS(105));
}

Test(sim_faults, partial_fill_and_reject_burst_and_latency_spike, .fini = fx_fini)
{
	struct xr_sim_fault_cfg f[3] = {
		{ .kind = XR_FAULT_PARTIAL_FILL, .start_ns = 0, .end_ns = MS(1),
		  .ratio_ppm = 250000 },
		{ .kind = XR_FAULT_REJECT_BURST, .start_ns = MS(2), .end_ns = MS(3),
		  .prob_ppm = 1000000 },
		{ .kind = XR_FAULT_LATENCY_SPIKE, .start_ns = MS(4), .end_ns = MS(5),
		  .extra_us = 700 },
	};
	fx_start_faults(f, 3);
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC, U(2), 0, 0), 0);
	struct xr_conn_event e = next_event();
	cr_assert_eq(e.ord_status, XR_OS_CANCELED, "IOC: the rest is canceled");
	cr_assert_eq(e.last_qty, U(1) / 2, "a quarter of 2 BTC");
	cr_assert_eq(submit(2, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC, U(1), 0, MS(2)),
		     0);
	e = next_event();
	cr_assert_eq(e.ord_status, XR_OS_REJECTED);
	cr_assert_eq(e.reason, XR_R_VENUE_REJECT);
	cr_assert_eq(submit(3, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC, U(1), 0, MS(4)),
		     0);
	cr_assert_eq(xr_sim_next_due_ns(&g_c), MS(4) + US(800));
	e = next_event();
	cr_assert_eq(e.ord_status, XR_OS_FILLED);
}

/* The loader (base/config.c) checks every fault.NAME field and stops at
 * 32 per venue (tests/unit/base/test_config.c); create only counts. */
Test(sim_faults, more_than_32_faults_einval)
{
	static struct xr_sim_fault_cfg f[XR_SIM_MAX_FAULTS + 1];
	for (uint32_t i = 0; i < XR_SIM_MAX_FAULTS + 1; i++)
		f[i] = (struct xr_sim_fault_cfg){ .kind = XR_FAULT_OUTAGE, .start_ns = MS(i),
						  .end_ns = MS(i + 1) };
	fx_init();
	g_sim.faults = f;
	g_sim.n_faults = XR_SIM_MAX_FAULTS + 1;
	cr_assert_eq(xr_connector_create(&g_cfg, 0, &g_c, g_err, sizeof(g_err)), -EINVAL);
	cr_assert_str_eq(g_err, "venue alpha: more than 32 faults");
	cr_assert_null(g_c.ops);

	g_sim.n_faults = XR_SIM_MAX_FAULTS;
	fx_create();
	xr_connector_destroy(&g_c);
}

/* The config's fault array may go once the venue exists (a reload frees
 * the config it came from): create keeps its own copy. */
Test(sim_faults, faults_are_copied_at_create, .fini = fx_fini)
{
	struct xr_sim_fault_cfg f = { .kind = XR_FAULT_DISCONNECT, .start_ns = MS(10),
				      .end_ns = MS(20) };
	struct xr_conn_health h;
	fx_start_faults(&f, 1);
	memset(g_faults, 0, sizeof(g_faults)); /* outage of [0, 0): never on */
	g_sim.faults = NULL;
	g_sim.n_faults = 0;

	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC, U(1), 0, MS(9)),
		     0);
	cr_assert_eq(submit(2, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC, U(1), 0, MS(10)),
		     -ENOTCONN);
	cr_assert_eq(g_c.ops->health(g_c.ctx, &h), 0);
	cr_assert_eq(h.down_since_ns, MS(10));
	cr_assert_eq(submit(3, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC, U(1), 0, MS(20)),
		     0);
}

/* The hostile faults: each changes what the venue reports, never its books.
 * Every test expects what only the fault produces, so each fails without it. */

Test(sim_faults, dup_fill_repeats_the_fill_with_the_same_cum_qty, .fini = fx_fini)
{
	struct xr_sim_fault_cfg f = { .kind = XR_FAULT_DUP_FILL, .start_ns = 0,
				      .end_ns = MS(1), .prob_ppm = 1000000 };
	struct xr_conn_event ev[4];

	fx_start_faults(&f, 1);
	/* Buy 1.5 BTC: 1 at 50000.5 + 0.5 at 50001 = 75001 USD, one report. */
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC, U(3) / 2, 0, 0),
		     0);
	cr_assert_eq(poll(US(100), ev, 4), 2, "the fill is reported twice");
	/* The copy comes first and is not terminal, so the order is still live
	 * at the client when the repeat comes. */
	cr_assert_eq(ev[0].ord_status, XR_OS_PARTIALLY_FILLED);
	cr_assert_eq(ev[1].ord_status, XR_OS_FILLED);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].cl_ord_id, 1);
		cr_assert_eq(ev[i].last_qty, U(3) / 2, "report %d", i);
		cr_assert_eq(ev[i].cum_qty, U(3) / 2, "report %d: the same CumQty", i);
		cr_assert_eq(ev[i].last_notional, U(75001));
	}
	cr_assert_eq(open_orders(), 0);
	/* Outside the window: one report. */
	cr_assert_eq(submit(2, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC, U(1), 0, MS(2)),
		     0);
	cr_assert_eq(poll(MS(3), ev, 4), 1);
}

Test(sim_faults, dup_fill_that_does_not_fit_comes_with_the_next_poll, .fini = fx_fini)
{
	struct xr_sim_fault_cfg f = { .kind = XR_FAULT_DUP_FILL, .start_ns = 0,
				      .end_ns = MS(1), .prob_ppm = 1000000 };
	struct xr_conn_event ev[4];

	fx_start_faults(&f, 1);
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC, U(1), 0, 0), 0);
	cr_assert_eq(submit(2, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC, U(1), 0, 0), 0);
	cr_assert_eq(poll(US(100), ev, 1), 1);
	cr_assert_eq(ev[0].cl_ord_id, 1);
	cr_assert_eq(ev[0].ord_status, XR_OS_PARTIALLY_FILLED);
	/* Order 1's repeat before anything of order 2. */
	cr_assert_eq(poll(US(100), ev, 4), 3);
	cr_assert_eq(ev[0].cl_ord_id, 1);
	cr_assert_eq(ev[0].ord_status, XR_OS_FILLED);
	cr_assert_eq(ev[1].cl_ord_id, 2);
	cr_assert_eq(ev[2].cl_ord_id, 2);
	cr_assert_eq(poll(MS(1), ev, 4), 0);
}

Test(sim_faults, overfill_reports_cum_qty_above_the_order, .fini = fx_fini)
{
	struct xr_sim_fault_cfg f = { .kind = XR_FAULT_OVERFILL, .start_ns = 0,
				      .end_ns = MS(1), .prob_ppm = 1000000 };
	struct xr_conn_event ev[4];

	fx_start_faults(&f, 1);
	/* Buy 1 BTC at 50000.5: reported as 2, the extra at the same price. */
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC, U(1), 0, 0), 0);
	cr_assert_eq(poll(US(100), ev, 4), 1);
	cr_assert_eq(ev[0].ord_status, XR_OS_FILLED);
	cr_assert_eq(ev[0].cum_qty, U(2), "CumQty twice the order's qty");
	cr_assert_eq(ev[0].last_qty, U(2));
	cr_assert_eq(ev[0].last_notional, U(100001));
	cr_assert_gt(ev[0].cum_qty, U(1));
}

Test(sim_faults, bad_price_fills_far_outside_the_limit, .fini = fx_fini)
{
	struct xr_sim_fault_cfg f = { .kind = XR_FAULT_BAD_PRICE, .start_ns = 0,
				      .end_ns = MS(1), .prob_ppm = 1000000,
				      .factor_ppm = 100000000 };
	struct xr_conn_event ev[4];

	fx_start_faults(&f, 1);
	/* Limit buy 1 at 50001: fills 1 at 50000.5, reported at 100x. */
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_LIMIT, XR_TIF_IOC, U(1), U(50001), 0),
		     0);
	cr_assert_eq(poll(US(100), ev, 4), 1);
	cr_assert_eq(ev[0].ord_status, XR_OS_FILLED);
	cr_assert_eq(ev[0].last_qty, U(1));
	cr_assert_eq(ev[0].last_notional, U(5000050), "50000.5 x 100");
	cr_assert_gt(ev[0].last_notional, U(50001), "above the limit");
	/* 2.5 bps of 5000050 = 1250.0125 */
	cr_assert_eq(ev[0].last_fees, U(1250) + 1250000);
	/* A sell gets a hundredth: 49999.5 / 100 = 499.995. */
	cr_assert_eq(submit(2, SYM_BTC, XR_SIDE_SELL, XR_ORD_LIMIT, XR_TIF_IOC, U(1), U(49999),
			    0), 0);
	cr_assert_eq(poll(US(200), ev, 4), 1);
	cr_assert_eq(ev[0].last_notional, 49999500000);
}

Test(sim_faults, foreign_report_names_a_clordid_never_sent, .fini = fx_fini)
{
	struct xr_sim_fault_cfg f = { .kind = XR_FAULT_FOREIGN_REPORT, .start_ns = 0,
				      .end_ns = MS(1), .prob_ppm = 1000000 };
	struct xr_conn_event ev[4];

	fx_start_faults(&f, 1);
	cr_assert_eq(submit(1, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC, U(1), 0, 0), 0);
	cr_assert_eq(submit(2, SYM_BTC, XR_SIDE_BUY, XR_ORD_MARKET, XR_TIF_IOC, U(1), 0, 0), 0);
	cr_assert_eq(poll(US(100), ev, 4), 4);
	cr_assert_eq(ev[0].cl_ord_id, 1);
	cr_assert_eq(ev[0].token, 4);
	cr_assert_eq(ev[2].cl_ord_id, 2);
	for (int i = 1; i < 4; i += 2) {
		cr_assert_eq(ev[i].kind, XR_EV_EXEC_REPORT);
		cr_assert_eq(ev[i].ord_status, XR_OS_FILLED);
		cr_assert(ev[i].cl_ord_id != 1 && ev[i].cl_ord_id != 2, "never sent");
		cr_assert_eq(ev[i].token, UINT32_MAX);
		cr_assert_eq(ev[i].cum_qty, U(1));
	}
	cr_assert_neq(ev[1].cl_ord_id, ev[3].cl_ord_id, "a new ClOrdID each time");
	cr_assert_eq(open_orders(), 0);
}
