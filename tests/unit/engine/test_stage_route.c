/*
 * Canceling a signal (XR_CTL_CANCEL_SIGNAL; engine/stage_route.c
 * "CANCELING A SIGNAL", docs/failover.md "Canceling a signal"), on a whole
 * engine whose stages the test runs by hand: signals and cancels are put
 * on ingress_to_validate as the serve ingress puts them, validate, route,
 * the execute stages and the aggregator run in turn on the real clock
 * against sim venues, and the results are taken off aggregate_to_output.
 * A resting order, a parent split over two venues, a partially filled
 * one, a TWAP parent with held slices, a child coming back for a re-route
 * after its cancel, an unknown signal; with and without the execute
 * stages' signal index (io.signal_cancels).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_pvt.h"
#include "fixtures.h"
#include "stage_aggregate_pvt.h"
#include "stage_execute_pvt.h"
#include "stage_route_pvt.h"
#include "stage_validate_pvt.h"
#include "xr_clock.h"
#include "xr_config.h"
#include "xr_engine.h"

/* Two venues with the same book (bids 99 and down, asks 101 and up, 10
 * a level); a DAY order rests an hour. */
#define VENUE(name)                                                              \
	"[venue " name "]\n"                                                         \
	"latency_us = 5\n"                                                           \
	"jitter_us = 0\n"                                                            \
	"session_ms = 3600000\n"                                                     \
	"book.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n"

#define USERS "[user_defaults]\nrate_per_s = 1000000\nburst = 1000000\n[user eve]\n"

#define CFG "[engine]\n" VENUE("alpha") VENUE("bravo") USERS

enum { ALPHA, BRAVO };

/* Every message the aggregator put out, in order. */
static struct xr_msg out[4096];
static unsigned n_out;

static struct xr_engine *
start(const char *cfg, bool index)
{
	struct xr_engine_io io = {
		.events_quiet = true,
		.signal_cancels = index,
	};
	struct xr_engine *e = xr_test_start(cfg, XR_TEST_SIGNAL_HEADER, io);

	xr_engine_first_snapshot(e, xr_now_ns());
	n_out = 0;
	return e;
}

/* One turn of every stage after ingress, on the clock of now. */
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

/* Results so far. */
static unsigned
results(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < n_out; i++)
		n += out[i].kind == XR_MSG_RESULT;
	return n;
}

static const struct xr_msg *
result_of(uint64_t signal_id)
{
	for (unsigned i = 0; i < n_out; i++)
		if (out[i].kind == XR_MSG_RESULT && out[i].signal_id == signal_id)
			return &out[i];
	return NULL;
}

/* Step until @p done(e) or 200000 turns (a few seconds at most). */
static void
step_until(struct xr_engine *e, bool (*done)(struct xr_engine *))
{
	for (unsigned k = 0; k < 200000 && !done(e); k++)
		step(e);
	cr_assert(done(e), "the engine did not get there");
}

/* A signal of eve on BTC-USD as the ingress makes it; px in units. */
static void
put_signal(struct xr_engine *e, uint64_t id, enum xr_side side, int64_t qty_units, int64_t px,
	   enum xr_tif tif, enum xr_strategy strategy)
{
	struct xr_msg m = {
		.kind = XR_MSG_SIGNAL,
		.signal_id = id,
		.ts_ns = (int64_t)(1000000000 + id),
		.user = (uint32_t)xr_config_user_id(e->cfg, "eve"),
		.symbol = (uint16_t)xr_config_symbol_id(e->cfg, "BTC-USD"),
		.side = (uint8_t)side,
		.qty = qty_units * XR_QTY_SCALE,
		.ord_type = px ? XR_ORD_LIMIT : XR_ORD_MARKET,
		.limit_px = px * XR_PX_SCALE,
		.tif = (uint8_t)tif,
		.signal_type = XR_SIG_ENTRY,
		.strategy = (uint8_t)strategy,
		.line = (uint32_t)id + 1,
	};
	m.t[XR_T_INGRESS] = xr_now_ns();
	cr_assert(xr_ring_enqueue(e->ingress_to_validate, &m));
}

/* The cancel the serve ingress sends for signal @p id. */
static void
put_cancel(struct xr_engine *e, uint64_t id)
{
	struct xr_msg m = {
		.kind = XR_MSG_CONTROL,
		.reason = XR_CTL_CANCEL_SIGNAL,
		.signal_id = id,
		.user = (uint32_t)xr_config_user_id(e->cfg, "eve"),
	};
	m.t[XR_T_INGRESS] = xr_now_ns();
	cr_assert(xr_ring_enqueue(e->ingress_to_validate, &m));
}

/* Children of venue @p v known live there (answered, resting). */
static unsigned
resting(const struct xr_engine *e, unsigned v)
{
	const struct xr_execute *x = &e->execute[v];
	unsigned n = 0;

	for (uint32_t t = 0; t < x->cap; t++)
		n += x->timer[t].state == XR_CS_LIVE;
	return n;
}

static bool
alpha_rests(struct xr_engine *e)
{
	return resting(e, ALPHA) == 1;
}

static bool
one_result(struct xr_engine *e)
{
	(void)e;
	return results() == 1;
}

/* Nothing in progress: no cancel at route, every ring between the stages
 * empty (the acknowledgments are through). */
static bool
settled(struct xr_engine *e)
{
	if (e->route->canceled.count != 0 || xr_ring_count(e->aggregate_to_route) != 0)
		return false;
	for (uint32_t v = 0; v < e->n_venues; v++)
		if (xr_ring_count(e->route_to_execute[v]) != 0 ||
		    xr_ring_count(e->execute_to_aggregate[v]) != 0)
			return false;
	return true;
}

static bool
one_result_settled(struct xr_engine *e)
{
	return one_result(e) && settled(e);
}

/* The books of one canceled parent: every count that must agree. */
static void
check_counts(struct xr_engine *e, uint64_t cancels, uint64_t children, uint64_t unmatched)
{
	xr_summary_collect(e);
	const struct xr_summary *s = &e->summary;
	cr_assert_eq(s->cancels, cancels, "cancels %lu", (unsigned long)s->cancels);
	cr_assert_eq(s->cancel_children, children, "children canceled %lu",
		     (unsigned long)s->cancel_children);
	cr_assert_eq(s->cancels_unmatched, unmatched, "unmatched %lu",
		     (unsigned long)s->cancels_unmatched);
	cr_assert_eq(e->validate->by_reason[XR_R_NONE], results(),
		     "a cancel is not counted as a signal");
}

static void
resting_order_is_canceled(bool index)
{
	struct xr_engine *e = start(CFG, index);

	/* Far below the bid: it rests. */
	put_signal(e, 7, XR_SIDE_BUY, 1, 50, XR_TIF_DAY, XR_STRAT_DEFAULT);
	step_until(e, alpha_rests);
	cr_assert_eq(results(), 0);
	put_cancel(e, 7);
	step_until(e, one_result_settled);
	for (int k = 0; k < 100; k++)
		step(e);
	cr_assert_eq(results(), 1, "one result");
	const struct xr_msg *r = result_of(7);
	cr_assert_not_null(r);
	cr_assert_eq(r->final, XR_FINAL_CANCELED, "final %s", xr_final_name(r->final));
	cr_assert_eq(r->cum_qty, 0);
	cr_assert_eq(resting(e, ALPHA), 0);
	cr_assert_eq(e->execute[ALPHA].cancel_requests, 1, "one cancel sent to the venue");
	check_counts(e, 1, 1, 0);
	xr_test_done(e);
}

Test(stage_route, a_resting_day_order_canceled_by_signal_ends_canceled, .init = xr_test_make_dir)
{
	resting_order_is_canceled(true);
}

Test(stage_route, without_the_index_a_cancel_finds_its_children_by_a_walk,
     .init = xr_test_make_dir)
{
	resting_order_is_canceled(false);
}

static bool
both_rest(struct xr_engine *e)
{
	return resting(e, ALPHA) + resting(e, BRAVO) == 2;
}

Test(stage_route, a_split_parent_canceled_ends_with_every_child_canceled, .init = xr_test_make_dir)
{
	/* best_liquidity spreads across venues: a resting limit of 4 lots
	 * goes to both venues (one child each). */
	struct xr_engine *e = start(CFG, true);

	put_signal(e, 9, XR_SIDE_BUY, 4, 99, XR_TIF_DAY, XR_STRAT_BEST_LIQUIDITY);
	step_until(e, both_rest);
	cr_assert_eq(resting(e, ALPHA), 1, "a child at alpha");
	cr_assert_eq(resting(e, BRAVO), 1, "a child at bravo");
	put_cancel(e, 9);
	step_until(e, one_result_settled);
	const struct xr_msg *r = result_of(9);
	cr_assert_eq(r->final, XR_FINAL_CANCELED, "final %s", xr_final_name(r->final));
	cr_assert_eq(r->n_children, 2);
	cr_assert_eq(r->cum_qty, 0);
	cr_assert_eq(resting(e, ALPHA) + resting(e, BRAVO), 0, "nothing left at the venues");
	cr_assert_eq(e->execute[ALPHA].cancel_requests, 1);
	cr_assert_eq(e->execute[BRAVO].cancel_requests, 1);
	check_counts(e, 1, 2, 0);
	xr_test_done(e);
}

Test(stage_route, a_partially_filled_parent_canceled_ends_partially_filled,
     .init = xr_test_make_dir)
{
	/* 15 lots at 101: the 10 at the ask fill, 5 rest. */
	struct xr_engine *e = start(CFG, true);

	put_signal(e, 11, XR_SIDE_BUY, 15, 101, XR_TIF_DAY, XR_STRAT_DEFAULT);
	step_until(e, alpha_rests);
	put_cancel(e, 11);
	step_until(e, one_result_settled);
	const struct xr_msg *r = result_of(11);
	cr_assert_eq(r->final, XR_FINAL_PARTIALLY_FILLED, "final %s", xr_final_name(r->final));
	cr_assert_eq(r->cum_qty, 10 * XR_QTY_SCALE, "its fills: %ld", (long)r->cum_qty);
	cr_assert_eq(r->cum_notional, 10 * 101 * XR_CASH_SCALE);
	check_counts(e, 1, 1, 0);
	xr_test_done(e);
}

static bool
slices_held(struct xr_engine *e)
{
	return xr_heap_count(&e->execute[ALPHA].held_q) == 3 && e->execute[ALPHA].submitted == 1;
}

Test(stage_route, a_twap_parent_canceled_never_sends_its_held_slices, .init = xr_test_make_dir)
{
	/* 4 slices over 10 s: the first goes at once and rests, three are
	 * held at execute for their send times. */
	struct xr_engine *e = start("[engine]\ntwap_notional = 1\ntwap_horizon_us = 10000000\n"
				    VENUE("alpha") USERS,
				    true);

	put_signal(e, 13, XR_SIDE_BUY, 4, 50, XR_TIF_DAY, XR_STRAT_DEFAULT);
	step_until(e, slices_held);
	step_until(e, alpha_rests);
	put_cancel(e, 13);
	step_until(e, one_result_settled);
	const struct xr_execute *x = &e->execute[ALPHA];
	const struct xr_msg *r = result_of(13);
	cr_assert_eq(r->final, XR_FINAL_CANCELED, "final %s", xr_final_name(r->final));
	cr_assert_eq(r->n_children, 4);
	cr_assert_eq(r->method, XR_METHOD_TWAP);
	cr_assert_eq(x->submitted, 1, "the held slices were never sent");
	cr_assert_eq(x->cancel_held, 3);
	cr_assert_eq(x->cancel_requests, 1);
	cr_assert_eq(xr_heap_count(&x->held_q), 0);
	check_counts(e, 1, 4, 0);
	xr_test_done(e);
}

static bool
acks_through(struct xr_engine *e)
{
	return settled(e) && e->route->cancels == 1;
}

Test(stage_route, a_cancel_for_an_unknown_signal_is_counted_unmatched, .init = xr_test_make_dir)
{
	struct xr_engine *e = start(CFG, true);

	put_cancel(e, 4242);
	step_until(e, acks_through);
	for (int k = 0; k < 100; k++)
		step(e);
	cr_assert_eq(n_out, 0, "nothing else: no result, no event (%u messages)", n_out);
	cr_assert_eq(e->execute[ALPHA].cancels_seen, 1);
	cr_assert_eq(e->execute[BRAVO].cancels_seen, 1);
	cr_assert_eq(e->aggregate->completed, 0);
	check_counts(e, 1, 0, 1);
	xr_test_done(e);
}

Test(stage_route, a_repeated_cancel_while_one_is_in_progress_is_unmatched,
     .init = xr_test_make_dir)
{
	struct xr_engine *e = start(CFG, true);

	put_signal(e, 7, XR_SIDE_BUY, 1, 50, XR_TIF_DAY, XR_STRAT_DEFAULT);
	step_until(e, alpha_rests);
	put_cancel(e, 7);
	put_cancel(e, 7);
	step_until(e, one_result_settled);
	cr_assert_eq(result_of(7)->final, XR_FINAL_CANCELED);
	cr_assert_eq(e->execute[ALPHA].cancel_requests, 1, "one cancel at the venue");
	check_counts(e, 2, 1, 1);
	xr_test_done(e);
}

Test(stage_route, a_child_sent_back_after_its_cancel_ends_canceled_unsent,
     .init = xr_test_make_dir)
{
	/* The cancel of signal 70 is at route; its one child failed at alpha
	 * before the cancel got there and comes back for a re-route: it must
	 * not be sent again. */
	struct xr_engine *e = start(CFG, true);
	struct xr_route *r = e->route;

	struct xr_msg cancel = {
		.kind = XR_MSG_CONTROL, .reason = XR_CTL_CANCEL_SIGNAL, .signal_id = 70,
	};
	cr_assert(xr_ring_enqueue(e->validate_to_route, &cancel));
	cr_assert_gt(r->st.do_work(&r->st), 0);
	cr_assert_eq(r->canceled.count, 1, "in progress until both venues answer");
	cr_assert_eq(xr_ring_count(e->route_to_execute[ALPHA]), 1, "to every venue");
	cr_assert_eq(xr_ring_count(e->route_to_execute[BRAVO]), 1);

	struct xr_msg c = {
		.kind = XR_MSG_CHILD, .order_id = 5, .cl_ord_id = 3, .signal_id = 70,
		.user = 0, .symbol = 0, .side = XR_SIDE_BUY, .ord_type = XR_ORD_MARKET,
		.tif = XR_TIF_IOC, .qty = XR_QTY_SCALE, .order_qty = XR_QTY_SCALE,
		.n_children = 1, .priority = 3, .venue = ALPHA, .venue_mask = 1u << ALPHA,
		.attempts = 1, .decision = XR_D_REROUTE, .reason = XR_R_VENUE_FAILURE,
	};
	cr_assert(xr_ring_enqueue(e->aggregate_to_route, &c));
	cr_assert_gt(r->st.do_work(&r->st), 0);
	cr_assert_eq(xr_ring_count(e->route_to_execute[BRAVO]), 1, "not re-routed to bravo");
	struct xr_msg rep;
	cr_assert(xr_ring_dequeue(e->route_to_aggregate, &rep));
	cr_assert_eq(rep.kind, XR_MSG_REPORT);
	cr_assert_eq(rep.ord_status, XR_OS_CANCELED);
	cr_assert_eq(rep.final, XR_FINAL_NONE);
	cr_assert_eq(rep.reason, XR_R_NONE);
	cr_assert_eq(rep.t[XR_T_EXECUTE], 0, "never sent");
	cr_assert_eq(r->cancel_children, 1);

	/* The venues find nothing; their answers end the cancel, matched by
	 * the child route ended. */
	step_until(e, settled);
	cr_assert_eq(r->cancels_unmatched, 0);
	cr_assert_eq(r->canceled.count, 0, "forgotten once both venues answered");
	xr_test_done(e);
}

static bool
two_rest(struct xr_engine *e)
{
	return resting(e, ALPHA) == 2;
}

Test(stage_route, a_cancel_leaves_other_signals_in_its_bucket_alone, .init = xr_test_make_dir)
{
	/* One bucket for every signal (white box: before any child is
	 * indexed), so the cancel's walk meets both and must pick its own. */
	struct xr_engine *e = start("[engine]\n" VENUE("alpha") USERS, true);

	e->execute[ALPHA].sig_mask = 0;
	put_signal(e, 7, XR_SIDE_BUY, 1, 50, XR_TIF_DAY, XR_STRAT_DEFAULT);
	put_signal(e, 8, XR_SIDE_BUY, 1, 51, XR_TIF_DAY, XR_STRAT_DEFAULT);
	step_until(e, two_rest);
	put_cancel(e, 8);
	step_until(e, one_result_settled);
	cr_assert_not_null(result_of(8));
	cr_assert_eq(result_of(8)->final, XR_FINAL_CANCELED);
	cr_assert_null(result_of(7), "signal 7 still rests");
	cr_assert_eq(resting(e, ALPHA), 1);
	cr_assert_eq(e->execute[ALPHA].cancel_requests, 1);
	put_cancel(e, 7);
	for (unsigned k = 0; k < 200000 && results() < 2; k++)
		step(e);
	cr_assert_eq(results(), 2);
	cr_assert_eq(result_of(7)->final, XR_FINAL_CANCELED);
	check_counts(e, 2, 2, 0);
	xr_test_done(e);
}
