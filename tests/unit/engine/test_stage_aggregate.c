/*
 * The aggregator's fill events (io.fill_events, engine/stage_aggregate.c;
 * XR_MSG_FILL in base/xr_types.h), on a whole engine whose stages the test
 * runs by hand: a filled order yields one cum_qty-0 message (the order is
 * live) and then its fills, which add up to the result; without the flag
 * none; the output stage counts them and passes them to no file.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_pvt.h"
#include "fixtures.h"
#include "stage_aggregate_pvt.h"
#include "stage_output_pvt.h"
#include "stage_execute_pvt.h"
#include "stage_route_pvt.h"
#include "stage_validate_pvt.h"
#include "xr_clock.h"
#include "xr_config.h"
#include "xr_engine.h"

/* Bids 99 and down, asks 101 and up, 10 a level. */
#define CFG "[engine]\n" VENUE

#define VENUE                                                                    \
	"[venue alpha]\n"                                                            \
	"latency_us = 5\n"                                                           \
	"jitter_us = 0\n"                                                            \
	"session_ms = 3600000\n"                                                     \
	"book.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n"                     \
	"[user_defaults]\nrate_per_s = 1000000\nburst = 1000000\n[user eve]\n"

static struct xr_msg out[4096];
static unsigned n_out;

static struct xr_engine *
start_cfg(const char *cfg, bool fill_events)
{
	struct xr_engine_io io = {.events_quiet = true, .fill_events = fill_events};
	struct xr_engine *e = xr_test_start(cfg, XR_TEST_SIGNAL_HEADER, io);

	xr_engine_first_snapshot(e, xr_now_ns());
	n_out = 0;
	return e;
}

static struct xr_engine *
start(bool fill_events)
{
	return start_cfg(CFG, fill_events);
}

static void
step(struct xr_engine *e)
{
	uint64_t now = xr_now_ns();

	for (uint32_t i = 0; i < e->n_threads; i++)
		e->threads[i].loop_ns = now;
	e->validate->st.do_work(&e->validate->st);
	e->route->st.do_work(&e->route->st);
	for (uint32_t v = 0; v < e->n_venues; v++)
		e->execute[v].st.do_work(&e->execute[v].st);
	e->aggregate->st.do_work(&e->aggregate->st);
	while (n_out < sizeof(out) / sizeof(out[0]) &&
	       xr_ring_dequeue(e->aggregate_to_output, &out[n_out]))
		n_out++;
}

static unsigned
count(uint8_t kind)
{
	unsigned n = 0;

	for (unsigned i = 0; i < n_out; i++)
		n += out[i].kind == kind;
	return n;
}

/* A buy of eve on BTC-USD; px in units. */
static void
put_buy(struct xr_engine *e, uint64_t id, int64_t qty_units, int64_t px, enum xr_tif tif)
{
	struct xr_msg m = {
		.kind = XR_MSG_SIGNAL,
		.signal_id = id,
		.ts_ns = (int64_t)(1000000000 + id),
		.user = (uint32_t)xr_config_user_id(e->cfg, "eve"),
		.symbol = (uint16_t)xr_config_symbol_id(e->cfg, "BTC-USD"),
		.side = XR_SIDE_BUY,
		.qty = qty_units * XR_QTY_SCALE,
		.ord_type = XR_ORD_LIMIT,
		.limit_px = px * XR_PX_SCALE,
		.tif = (uint8_t)tif,
		.signal_type = XR_SIG_ENTRY,
		.line = (uint32_t)id + 1,
	};
	m.t[XR_T_INGRESS] = xr_now_ns();
	cr_assert(xr_ring_enqueue(e->ingress_to_validate, &m));
}

static void
run_until_results(struct xr_engine *e, unsigned n)
{
	for (unsigned k = 0; k < 200000 && count(XR_MSG_RESULT) < n; k++)
		step(e);
	cr_assert_eq(count(XR_MSG_RESULT), n);
}

Test(stage_aggregate, a_filled_order_yields_its_ack_then_its_fills, .init = xr_test_make_dir)
{
	/* 15 lots up to 102: 10 at 101 and 5 at 102, one child. */
	struct xr_engine *e = start(true);

	put_buy(e, 21, 15, 102, XR_TIF_IOC);
	run_until_results(e, 1);
	const struct xr_msg *res = NULL;
	unsigned acks = 0, fills = 0, first_fill = 0, result_at = 0;
	int64_t qty = 0, notional = 0, fees = 0;
	for (unsigned i = 0; i < n_out; i++) {
		const struct xr_msg *m = &out[i];
		if (m->kind == XR_MSG_RESULT) {
			res = m;
			result_at = i;
			continue;
		}
		if (m->kind != XR_MSG_FILL)
			continue;
		cr_assert_eq(m->signal_id, 21);
		cr_assert_eq(m->user, (uint32_t)xr_config_user_id(e->cfg, "eve"));
		cr_assert_eq(m->side, XR_SIDE_BUY);
		cr_assert_eq(m->venue, 0);
		if (m->cum_qty == 0) {
			cr_assert_eq(fills, 0, "the cum_qty-0 message goes first");
			cr_assert_eq(m->cum_notional, 0);
			acks++;
			continue;
		}
		if (fills++ == 0)
			first_fill = i;
		qty += m->cum_qty;
		notional += m->cum_notional;
		fees += m->fees;
	}
	cr_assert_not_null(res);
	cr_assert_eq(res->final, XR_FINAL_FILLED, "final %s", xr_final_name(res->final));
	cr_assert_eq(acks, 1, "exactly one cum_qty-0 message");
	cr_assert_geq(fills, 1);
	cr_assert_lt(first_fill, result_at, "fills before the result");
	cr_assert_eq(qty, res->cum_qty, "fills add up to the result: %ld vs %ld", (long)qty,
		     (long)res->cum_qty);
	cr_assert_eq(notional, res->cum_notional);
	cr_assert_eq(fees, res->fees);
	cr_assert_eq(e->aggregate->fills_sent, acks + fills);

	/* Output counts them and writes them nowhere (no event either). */
	for (unsigned i = 0; i < n_out; i++)
		cr_assert(xr_ring_enqueue(e->aggregate_to_output, &out[i]));
	while (xr_ring_count(e->aggregate_to_output) != 0)
		e->output->st.do_work(&e->output->st);
	cr_assert_eq(e->output->fills_seen, acks + fills);
	cr_assert_eq(e->output->results, 1);
	struct xr_msg ev;
	while (xr_ring_dequeue(e->output_to_owner, &ev))
		cr_assert_neq(ev.kind, XR_MSG_FILL, "a fill reached the event log");
	xr_summary_collect(e);
	cr_assert_eq(e->summary.fill_events, acks + fills);
	xr_test_done(e);
}

Test(stage_aggregate, a_resting_order_acknowledged_once_per_parent, .init = xr_test_make_dir)
{
	/* Rests: acknowledged (ord_status new), nothing filled; still one
	 * cum_qty-0 message however many reports follow. */
	struct xr_engine *e = start(true);

	put_buy(e, 22, 1, 50, XR_TIF_DAY);
	for (unsigned k = 0; k < 200000 && count(XR_MSG_FILL) == 0; k++)
		step(e);
	for (int k = 0; k < 1000; k++)
		step(e);
	cr_assert_eq(count(XR_MSG_FILL), 1);
	cr_assert_eq(out[0].kind, XR_MSG_FILL);
	cr_assert_eq(out[0].cum_qty, 0);
	cr_assert_eq(count(XR_MSG_RESULT), 0, "still live");
	xr_test_done(e);
}

Test(stage_aggregate, without_fill_events_there_are_none, .init = xr_test_make_dir)
{
	struct xr_engine *e = start(false);

	put_buy(e, 23, 15, 102, XR_TIF_IOC);
	run_until_results(e, 1);
	cr_assert_eq(count(XR_MSG_FILL), 0);
	cr_assert_eq(e->aggregate->fills_sent, 0);
	for (unsigned i = 0; i < n_out; i++)
		if (out[i].kind == XR_MSG_RESULT)
			cr_assert_eq(out[i].final, XR_FINAL_FILLED);
	xr_test_done(e);
}

Test(stage_aggregate, fill_events_flow_with_a_burst_of_one, .init = xr_test_make_dir)
{
	/* Three messages out for one in: the aggregator still takes input
	 * when a burst is 1. */
	struct xr_engine *e = start_cfg("[engine]\nburst = 1\n" VENUE, true);

	put_buy(e, 24, 15, 102, XR_TIF_IOC);
	put_buy(e, 25, 1, 102, XR_TIF_IOC);
	run_until_results(e, 2);
	cr_assert_geq(count(XR_MSG_FILL), 4, "an acknowledgment and a fill each");
	xr_test_done(e);
}
