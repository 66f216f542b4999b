/*
 * The venue selector against hand-computed values of the
 * execution-routing-model.md score, eligibility rules, ranking, method and
 * priority.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "selector_pvt.h"

#define NV 4
#define NS 2

static struct xr_snapshot snap;
static struct xr_venue_metrics venues[NV];
static struct xr_venue_sym_metrics vs[NV * NS];
static int64_t ref_px[NS];
static struct xr_score_params sp;

static void
setup(void)
{
	struct xr_engine_cfg ec = {
		.w_fees = 3000, .w_latency = 2000, .w_success = 2500, .w_load = 1500,
		.w_pair = 1000, .latency_zero_score_us = 1000000, .load_full_queue = 100,
	};

	memset(venues, 0, sizeof(venues));
	memset(vs, 0, sizeof(vs));
	snap = (struct xr_snapshot){
		.n_venues = NV, .n_symbols = NS, .venues = venues, .vs = vs, .ref_px = ref_px,
	};
	for (int v = 0; v < NV; v++) {
		venues[v].healthy = 1;
		venues[v].success_ppm = 1000000;
		for (int s = 0; s < NS; s++) {
			struct xr_venue_sym_metrics *m = &vs[v * NS + s];
			m->bid_px = 99 * XR_PX_SCALE;
			m->ask_px = 101 * XR_PX_SCALE;
			m->bid_qty = m->ask_qty = 100 * XR_QTY_SCALE;
		}
	}
	xr_score_params_init(&sp, &ec);
}

TestSuite(selector, .init = setup);

Test(selector, score_matches_seed_formula)
{
	struct xr_venue_score s;

	/* 40 bps taker, 500 ms latency, 95% success, 20 in flight, no pair
	 * history: 60*.30 + 50*.20 + 95*.25 + 80*.15 + 50*.10 = 68.75. */
	venues[0].fee_taker_cbps = 4000;
	venues[0].latency_avg_ns = 500000000;
	venues[0].success_ppm = 950000;
	xr_score_venue(&sp, &snap, 0, 0, 20, &s);
	cr_assert_eq(s.fees, 600000);
	cr_assert_eq(s.latency, 500000);
	cr_assert_eq(s.success, 950000);
	cr_assert_eq(s.load, 800000);
	cr_assert_eq(s.pair, 500000);
	cr_assert_eq(s.total, 687500);
}

Test(selector, factors_clamp_at_zero_and_use_pair_history)
{
	struct xr_venue_score s;

	/* 150 bps fee, 2 s latency, 250 in flight: each factor floors at 0;
	 * pair success 80% over its window. */
	venues[1].fee_taker_cbps = 15000;
	venues[1].latency_avg_ns = 2000000000;
	venues[1].success_ppm = 0;
	vs[1 * NS + 1].pair_samples = 10;
	vs[1 * NS + 1].pair_success_ppm = 800000;
	xr_score_venue(&sp, &snap, 1, 1, 250, &s);
	cr_assert_eq(s.fees, 0);
	cr_assert_eq(s.latency, 0);
	cr_assert_eq(s.load, 0);
	cr_assert_eq(s.pair, 800000);
	cr_assert_eq(s.total, 80000); /* 80 * 0.10 = 8 points */
	/* A rebate cannot score above 100. */
	venues[1].fee_taker_cbps = -200;
	xr_score_venue(&sp, &snap, 1, 1, 0, &s);
	cr_assert_eq(s.fees, XR_SCORE_MAX);
}

Test(selector, ranks_by_score_then_venue_id)
{
	struct xr_select_order o = {
		.symbol = 0, .side = XR_SIDE_BUY, .qty = 10 * XR_QTY_SCALE,
		.allowed_mask = 0xf,
	};
	uint64_t in_flight[NV] = {0};
	struct xr_selection sel;

	venues[0].fee_taker_cbps = 500; /* 95 */
	venues[1].fee_taker_cbps = 100; /* 99: best */
	venues[2].fee_taker_cbps = 500; /* ties venue 0 */
	venues[3].fee_taker_cbps = 900; /* 91 */
	cr_assert_eq(xr_select(&sp, &snap, &o, in_flight, &sel), 4);
	cr_assert_eq(sel.ranked[0].venue, 1);
	cr_assert_eq(sel.ranked[1].venue, 0);
	cr_assert_eq(sel.ranked[2].venue, 2);
	cr_assert_eq(sel.ranked[3].venue, 3);
	/* Load moves the ranking: venue 1 with 100 in flight loses 15 points. */
	in_flight[1] = 100;
	xr_select(&sp, &snap, &o, in_flight, &sel);
	cr_assert_eq(sel.ranked[0].venue, 0);
}

Test(selector, eligibility_filters)
{
	struct xr_select_order o = {
		.symbol = 1, .side = XR_SIDE_SELL, .qty = 10 * XR_QTY_SCALE,
		.allowed_mask = 0xf,
	};
	uint64_t in_flight[NV] = {0};
	struct xr_selection sel;

	venues[0].healthy = 0;			     /* unhealthy */
	vs[1 * NS + 1].bid_px = 0;		     /* does not quote symbol 1 */
	vs[2 * NS + 1].bid_qty = 20 * XR_QTY_SCALE - 1; /* under 2x the qty */
	cr_assert_eq(xr_select(&sp, &snap, &o, in_flight, &sel), 1);
	cr_assert_eq(sel.ranked[0].venue, 3);
	vs[2 * NS + 1].bid_qty = 20 * XR_QTY_SCALE; /* exactly 2x is enough */
	cr_assert_eq(xr_select(&sp, &snap, &o, in_flight, &sel), 2);
	o.exclude_mask = 1u << 3;		     /* already tried */
	cr_assert_eq(xr_select(&sp, &snap, &o, in_flight, &sel), 1);
	cr_assert_eq(sel.ranked[0].venue, 2);
	o.allowed_mask = 1u << 3;		     /* user may use venue 3 only */
	cr_assert_eq(xr_select(&sp, &snap, &o, in_flight, &sel), 0);
	/* A buy looks at the asks instead. */
	o = (struct xr_select_order){.symbol = 1, .side = XR_SIDE_BUY,
				     .qty = 10 * XR_QTY_SCALE, .allowed_mask = 0xf};
	cr_assert_eq(xr_select(&sp, &snap, &o, in_flight, &sel), 3);
}

Test(selector, deterministic_for_same_inputs)
{
	struct xr_select_order o = {
		.symbol = 0, .side = XR_SIDE_BUY, .qty = XR_QTY_SCALE, .allowed_mask = 0xf,
	};
	uint64_t in_flight[NV] = {3, 1, 4, 1};
	struct xr_selection a, b;

	venues[2].latency_avg_ns = 123456;
	xr_select(&sp, &snap, &o, in_flight, &a);
	xr_select(&sp, &snap, &o, in_flight, &b);
	cr_assert_eq(a.n, b.n);
	for (unsigned i = 0; i < a.n; i++) {
		cr_assert_eq(a.ranked[i].venue, b.ranked[i].venue);
		cr_assert_eq(a.ranked[i].total, b.ranked[i].total);
	}
}

Test(selector, method_and_priority_follow_the_model)
{
	int64_t big = 250000 * XR_CASH_SCALE;

	cr_assert_eq(xr_route_method(XR_SIG_ENTRY, XR_ORD_MARKET, big + 1, big), XR_METHOD_TWAP);
	cr_assert_eq(xr_route_method(XR_SIG_ENTRY, XR_ORD_MARKET, big, big), XR_METHOD_LIMIT);
	cr_assert_eq(xr_route_method(XR_SIG_STOP_LOSS, XR_ORD_LIMIT, 1, big), XR_METHOD_MARKET);
	cr_assert_eq(xr_route_method(XR_SIG_EXIT, XR_ORD_LIMIT, 1, big), XR_METHOD_MARKET);
	cr_assert_eq(xr_route_method(XR_SIG_PROFIT_TAKE, XR_ORD_LIMIT, 1, big), XR_METHOD_LIMIT);
	cr_assert_eq(xr_route_method(XR_SIG_PROFIT_TAKE, XR_ORD_MARKET, 1, big), XR_METHOD_MARKET);
	cr_assert_eq(xr_route_method(XR_SIG_STOP_LOSS, XR_ORD_MARKET, big * 10, 0),
		     XR_METHOD_MARKET, "twap_notional 0 disables twap");
	cr_assert_eq(xr_route_priority(XR_SIG_STOP_LOSS), 1);
	cr_assert_eq(xr_route_priority(XR_SIG_EXIT), 2);
	cr_assert_eq(xr_route_priority(XR_SIG_ENTRY), 3);
	cr_assert_eq(xr_route_priority(XR_SIG_PROFIT_TAKE), 4);
}
