/*
 * The venue selector (engine/selector.c) against hand-computed values:
 * every factor formula, the weighted total and predictive demotion, the
 * health score, eligibility, what each strategy picks, the greedy split
 * (caps, min_slice_qty, fee-adjusted levels, the slippage bound), the
 * method/priority tables, determinism, and a seeded property test.
 *
 * Snapshots are built by hand (no RCU: the selector is a pure function of
 * snapshot, parameters and order). Parameters come from
 * xr_select_params_init() over an engine config whose strategies are the
 * built-in xr_strategy_defaults(), overridden per test.
 *
 * Units in the comments: prices in currency (px scale 10^8), quantities in
 * units (qty scale 10^8), fees and slippage in centi-bps (1 bps = 100 cbps),
 * scores in score units (1 point = 10^4, 100 points = 10^6), weights in
 * XR_WEIGHT_ONE (10^4 = 1.0). Default scales: latency_zero_score 1 s,
 * load_full_queue 100, price_zero_bps 100, cost_zero_bps 100.
 */
#include <errno.h>
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "xr_selector.h"
#include "xr_snapshot.h"
#include "xr_config.h"
#include "xr_types.h"

#define NV 12 /* venues in the hand-built snapshots */
#define NS 2  /* symbols */

/* Whole units, thousandths of a unit, and prices in cents. */
#define QTY(u) ((int64_t)(u) * XR_QTY_SCALE)
#define MQTY(m) ((int64_t)(m) * (XR_QTY_SCALE / 1000))
#define PX(c) ((int64_t)(c) * (XR_PX_SCALE / 100))
#define MS UINT64_C(1000000) /* ns */

static struct xr_snapshot snap;
static struct xr_engine_cfg ec;
static struct xr_select_params sp;
static uint64_t in_flight[NV];
static struct xr_route_decision d;

static void
venue_reset(unsigned v)
{
	snap.venues[v] = (struct xr_venue_metrics){
		.success_ppm = 1000000, .uptime_ppm = 1000000, .headroom_ppm = 1000000,
		.health_ppm = 1000000, .demote_ppm = 1000000, .healthy = 1,
		.latency_score = 1000000, /* latency 0, as xr_venue_derive gives */
		.circuit = XR_CIRCUIT_CLOSED,
	};
}

static void
setup(void)
{
	snap = (struct xr_snapshot){ .n_venues = NV, .n_symbols = NS };
	snap.ref_px = calloc(NS, sizeof(*snap.ref_px));
	snap.venues = calloc(NV, sizeof(*snap.venues));
	snap.vs = calloc(NV * NS, sizeof(*snap.vs));
	snap.books = calloc(NV * NS, sizeof(*snap.books));
	snap.book_gen = calloc(NV * NS, sizeof(*snap.book_gen));
	cr_assert(snap.ref_px && snap.venues && snap.vs && snap.books && snap.book_gen);
	for (unsigned v = 0; v < NV; v++)
		venue_reset(v);
	memset(in_flight, 0, sizeof(in_flight));
	memset(&ec, 0, sizeof(ec));
	ec.latency_zero_score_us = 1000000;
	ec.load_full_queue = 100;
	ec.price_zero_bps = 100;
	ec.cost_zero_bps = 100;
	for (int s = XR_STRAT_DEFAULT + 1; s < XR_STRAT_COUNT; s++)
		xr_strategy_defaults((enum xr_strategy)s, &ec.strategies[s]);
	memset(&d, 0, sizeof(d));
}

static void
teardown(void)
{
	free(snap.ref_px);
	free(snap.venues);
	free(snap.vs);
	free(snap.books);
	free(snap.book_gen);
}

TestSuite(selector, .init = setup, .fini = teardown);

/* Set one side (ask = 1: asks) of venue v's book for symbol s: n levels,
 * and the matching touch, depth and level count in the venue/symbol
 * metrics. */
static void
book_side(unsigned v, unsigned s, int ask, unsigned n, const int64_t *px, const int64_t *qty)
{
	size_t k = (size_t)v * NS + s;
	struct xr_book_side *b = &snap.books[k].side[ask ? 1 : 0];
	struct xr_venue_sym_metrics *m = &snap.vs[k];
	memset(b, 0, sizeof(*b));
	for (unsigned i = 0; i < n; i++) {
		b->px[i] = px[i];
		b->qty[i] = qty[i];
	}
	/* As the snapshot writer does: touch, depth, half spread. */
	xr_pair_derive(m, &snap.books[k], ask ? m->n_bid : (uint8_t)n,
		       ask ? (uint8_t)n : m->n_ask, 10);
}

/* Venue v's latency EWMA, and its latency and health scores derived from
 * it at the configured scale, as the snapshot writer does
 * (xr_venue_derive). */
static void
set_latency(unsigned v, uint64_t ns)
{
	snap.venues[v].latency_ewma_ns = ns;
	xr_venue_derive(&snap.venues[v], (uint64_t)ec.latency_zero_score_us * 1000);
}

/* One level each side on symbol 0: bid and ask with qty each. */
static void
quote(unsigned v, int64_t bid, int64_t ask, int64_t q)
{
	book_side(v, 0, 0, 1, &bid, &q);
	book_side(v, 0, 1, 1, &ask, &q);
}

static struct xr_select_order
order(enum xr_side side, enum xr_strategy st, int64_t qty)
{
	return (struct xr_select_order){
		.symbol = 0, .side = (uint8_t)side, .strategy = (uint8_t)st, .qty = qty,
		.allowed_mask = UINT64_MAX,
	};
}

/* Parameters from ec (after a test's overrides), then the selector. */
static unsigned
run(const struct xr_select_order *o)
{
	xr_select_params_init(&sp, &ec);
	memset(&d, 0, sizeof(d));
	unsigned n = xr_select(&sp, &snap, o, in_flight, &d);
	cr_assert_eq(n, d.n_alloc);
	return n;
}

/* Factor scores of ranked record @p r of the last run(@p o), through
 * xr_select_factors(), which must rebuild the record exactly and whose
 * weighted factors must give its total. */
static const int32_t *
fac(const struct xr_select_order *o, const struct xr_venue_score *r)
{
	static int32_t f[XR_F_COUNT];
	struct xr_venue_score again;
	const struct xr_venue_metrics *vm = &snap.venues[r->venue];
	const uint32_t *w = sp.strat[o->strategy].w;
	uint64_t total = 0;

	cr_assert_eq(xr_select_factors(&sp, &snap, o, in_flight, r->venue, f, &again), 0,
		     "venue %u is ranked but not eligible to explain", r->venue);
	cr_assert_eq(memcmp(&again, r, sizeof(again)), 0,
		     "venue %u: the explanation's record differs from the decision's", r->venue);
	for (int i = 0; i < XR_F_COUNT; i++) {
		cr_assert_geq(f[i], 0);
		cr_assert_leq(f[i], XR_SCORE_MAX);
		cr_assert(w[i] != 0 || f[i] == 0, "factor %d unweighted but %d", i, f[i]);
		total += (uint64_t)w[i] * (uint64_t)f[i];
	}
	cr_assert_eq((int64_t)(total / XR_WEIGHT_ONE * vm->demote_ppm / 1000000), r->total);
	return f;
}

/* Quantity allocated to venue v (0 if none). */
static int64_t
alloc_qty(unsigned v)
{
	for (unsigned i = 0; i < d.n_alloc; i++)
		if (d.alloc[i].venue == v)
			return d.alloc[i].qty;
	return 0;
}

static const struct xr_alloc *
alloc_of(unsigned v)
{
	for (unsigned i = 0; i < d.n_alloc; i++)
		if (d.alloc[i].venue == v)
			return &d.alloc[i];
	cr_assert_fail("venue %u has no allocation", v);
	return NULL;
}

static const struct xr_venue_score *
ranked_of(unsigned v)
{
	for (unsigned i = 0; i < d.n_ranked; i++)
		if (d.ranked[i].venue == v)
			return &d.ranked[i];
	cr_assert_fail("venue %u is not ranked", v);
	return NULL;
}

/* Bit mask of the ranked venues. */
static uint64_t
ranked_mask(void)
{
	uint64_t m = 0;
	for (unsigned i = 0; i < d.n_ranked; i++)
		m |= UINT64_C(1) << d.ranked[i].venue;
	return m;
}

/* A strategy slot with every weight 0.1, split never, take pricing. */
static void
all_factors(enum xr_strategy s)
{
	struct xr_strategy_cfg *st = &ec.strategies[s];
	for (int f = 0; f < XR_F_COUNT; f++)
		st->w[f] = 1000;
	st->split = XR_SPLIT_NEVER;
	st->pricing = XR_PRICING_TAKE;
}

/* ------------------------------------------------------------------ */
/* Parameters, health, demotion, method, priority. */

Test(selector, params_init_copies_strategies_and_scales)
{
	ec.latency_zero_score_us = 250;
	ec.load_full_queue = 7;
	ec.price_zero_bps = 30;
	ec.cost_zero_bps = 40;
	xr_select_params_init(&sp, &ec);
	cr_assert_eq(sp.latency_zero_ns, 250000);
	cr_assert_eq(sp.load_full_queue, 7);
	cr_assert_eq(sp.price_zero_bps, 30);
	cr_assert_eq(sp.cost_zero_bps, 40);
	cr_assert_eq(memcmp(sp.strat, ec.strategies, sizeof(sp.strat)), 0);

	/* Zero scales become 1 (no division by zero later). */
	ec.latency_zero_score_us = ec.load_full_queue = ec.price_zero_bps = ec.cost_zero_bps = 0;
	xr_select_params_init(&sp, &ec);
	cr_assert_eq(sp.latency_zero_ns, 1000);
	cr_assert_eq(sp.load_full_queue, 1);
	cr_assert_eq(sp.price_zero_bps, 1);
	cr_assert_eq(sp.cost_zero_bps, 1);
}

Test(selector, strategy_defaults_match_the_config_table)
{
	/* docs/config.md: weighted_score fees .30 latency .20 success .25
	 * load .15 pair .10, split never, pricing method, two_x_depth. */
	const struct xr_strategy_cfg *w = &ec.strategies[XR_STRAT_WEIGHTED_SCORE];
	cr_assert_eq(w->w[XR_F_FEES], 3000);
	cr_assert_eq(w->w[XR_F_LATENCY], 2000);
	cr_assert_eq(w->w[XR_F_SUCCESS], 2500);
	cr_assert_eq(w->w[XR_F_LOAD], 1500);
	cr_assert_eq(w->w[XR_F_PAIR], 1000);
	cr_assert_eq(w->split, XR_SPLIT_NEVER);
	cr_assert_eq(w->pricing, XR_PRICING_METHOD);
	cr_assert_eq(w->two_x_depth, 1);
	cr_assert_eq(ec.strategies[XR_STRAT_LOWEST_LATENCY].min_health_ppm, 500000);
	cr_assert_eq(ec.strategies[XR_STRAT_PASSIVE].pricing, XR_PRICING_POST);
	cr_assert_eq(ec.strategies[XR_STRAT_BALANCED].pricing, XR_PRICING_TOUCH);
	for (int s = 1; s < XR_STRAT_COUNT; s++) {
		uint32_t sum = 0;
		for (int f = 0; f < XR_F_COUNT; f++)
			sum += ec.strategies[s].w[f];
		cr_assert_eq(sum, XR_WEIGHT_ONE, "strategy %d weights sum %u", s, sum);
		cr_assert_eq(ec.strategies[s].max_slice_ppm, 300000);
		cr_assert_eq(ec.strategies[s].min_slice_qty, MQTY(10));
	}
}

Test(selector, health_score_is_03_latency_05_success_02_uptime)
{
	const uint64_t zero = 1000 * MS; /* 1 s: latency score 0 */

	/* Perfect venue: 0.3 x 10^6 + 0.5 x 10^6 + 0.2 x 10^6 = 10^6. */
	cr_assert_eq(xr_health_ppm(0, zero, 1000000, 1000000), 1000000);
	/* 250 ms: latency score 1 - 0.25 = 750000;
	 * (3 x 750000 + 5 x 900000 + 2 x 800000) / 10
	 * = (2250000 + 4500000 + 1600000) / 10 = 835000. */
	cr_assert_eq(xr_health_ppm(250 * MS, zero, 900000, 800000), 835000);
	/* At and past the zero latency the latency part is 0:
	 * (0 + 5 x 10^6 + 2 x 10^6) / 10 = 700000. */
	cr_assert_eq(xr_health_ppm(zero, zero, 1000000, 1000000), 700000);
	cr_assert_eq(xr_health_ppm(5 * zero, zero, 1000000, 1000000), 700000);
	/* Latency only: 500 ms -> 500000; 3 x 500000 / 10 = 150000. */
	cr_assert_eq(xr_health_ppm(500 * MS, zero, 0, 0), 150000);
	/* At the default scale (1000 ms scores 0):
	 * 45 ms, 99% success, 99.5% uptime: latency 955000;
	 * (2865000 + 4950000 + 1990000) / 10 = 980500. */
	cr_assert_eq(xr_health_ppm(45 * MS, zero, 990000, 995000), 980500);
	/* A zero scale is taken as 1 ns: any latency scores 0. */
	cr_assert_eq(xr_health_ppm(1, 0, 1000000, 1000000), 700000);
	cr_assert_eq(xr_health_ppm(0, 0, 1000000, 1000000), 1000000);
}

/* Thresholds of the demotion tests: 5 ms latency, 5% errors, demotion
 * starting at 0.5 of a threshold, 0.5 cut at the threshold. */
#define LAT_TH (5 * MS)
#define ERR_TH 50000u
#define D_START 500000u
#define D_MAX 500000u

Test(selector, demotion_below_start_between_and_over_threshold)
{
	/* Start = 0.5 x 5 ms = 2.5 ms and 0.5 x 5% = 2.5%. */
	/* Below the start: no pressure, multiplier 10^6. */
	cr_assert_eq(xr_demote_ppm(2 * MS, 2 * MS, LAT_TH, 20000, 20000, ERR_TH, D_START, D_MAX),
		     1000000);
	/* Exactly at the start: pressure 0. */
	cr_assert_eq(xr_demote_ppm(2500000, 2500000, LAT_TH, 25000, 25000, ERR_TH, D_START, D_MAX),
		     1000000);
	/* Latency 3 ms, flat trend: pressure (3 - 2.5) / (5 - 2.5) = 0.2;
	 * multiplier 10^6 - 0.2 x 0.5 x 10^6 = 900000. */
	cr_assert_eq(xr_demote_ppm(3 * MS, 3 * MS, LAT_TH, 0, 0, ERR_TH, D_START, D_MAX), 900000);
	/* Errors 3%, flat: (30000 - 25000) / 25000 = 0.2 -> 900000. */
	cr_assert_eq(xr_demote_ppm(0, 0, LAT_TH, 30000, 30000, ERR_TH, D_START, D_MAX), 900000);
	/* At the threshold: pressure 1, multiplier 10^6 - 0.5 x 10^6 = 500000;
	 * past it the same (the cut is capped at demote_max). */
	cr_assert_eq(xr_demote_ppm(5 * MS, 5 * MS, LAT_TH, 0, 0, ERR_TH, D_START, D_MAX), 500000);
	cr_assert_eq(xr_demote_ppm(9 * MS, 9 * MS, LAT_TH, 0, 0, ERR_TH, D_START, D_MAX), 500000);
	cr_assert_eq(xr_demote_ppm(0, 0, LAT_TH, 90000, 90000, ERR_TH, D_START, D_MAX), 500000);
	/* The larger pressure wins: latency 3 ms (0.2) and errors 3.5%
	 * ((35000 - 25000) / 25000 = 0.4): 10^6 - 0.4 x 0.5 x 10^6 = 800000. */
	cr_assert_eq(xr_demote_ppm(3 * MS, 3 * MS, LAT_TH, 35000, 35000, ERR_TH, D_START, D_MAX),
		     800000);
	/* demote_max 1: the threshold zeroes the score; 0: never demotes. */
	cr_assert_eq(xr_demote_ppm(5 * MS, 5 * MS, LAT_TH, 0, 0, ERR_TH, D_START, 1000000), 0);
	cr_assert_eq(xr_demote_ppm(9 * MS, 9 * MS, LAT_TH, 90000, 90000, ERR_TH, D_START, 0),
		     1000000);
	/* demote_start 0: pressure from zero, 1 ms / 5 ms = 0.2 -> 900000. */
	cr_assert_eq(xr_demote_ppm(1 * MS, 1 * MS, LAT_TH, 0, 0, ERR_TH, 0, D_MAX), 900000);
	/* A zero threshold means no pressure from that metric. */
	cr_assert_eq(xr_demote_ppm(9 * MS, 9 * MS, 0, 0, 0, 0, D_START, D_MAX), 1000000);
}

Test(selector, demotion_projects_the_trend_one_step)
{
	/* Projection = fast + max(0, fast - slow).
	 * Latency fast 3 ms, slow 2.5 ms: 3 + 0.5 = 3.5 ms;
	 * pressure (3.5 - 2.5) / 2.5 = 0.4 -> 10^6 - 0.4 x 0.5 x 10^6 = 800000. */
	cr_assert_eq(xr_demote_ppm(3 * MS, 2500000, LAT_TH, 0, 0, ERR_TH, D_START, D_MAX), 800000);
	/* Fast 2 ms is below the start, but rising from 1 ms: 2 + 1 = 3 ms
	 * -> pressure 0.2 -> 900000. */
	cr_assert_eq(xr_demote_ppm(2 * MS, 1 * MS, LAT_TH, 0, 0, ERR_TH, D_START, D_MAX), 900000);
	/* Improving (slow above fast) is not extrapolated: 3 ms -> 900000. */
	cr_assert_eq(xr_demote_ppm(3 * MS, 4 * MS, LAT_TH, 0, 0, ERR_TH, D_START, D_MAX), 900000);
	/* The trend carries it to the threshold: 4 + (4 - 3) = 5 ms -> 500000. */
	cr_assert_eq(xr_demote_ppm(4 * MS, 3 * MS, LAT_TH, 0, 0, ERR_TH, D_START, D_MAX), 500000);
	/* Errors fast 4%, slow 3%: 4 + 1 = 5% = threshold -> 500000. */
	cr_assert_eq(xr_demote_ppm(0, 0, LAT_TH, 40000, 30000, ERR_TH, D_START, D_MAX), 500000);
	/* Errors fast 2.8%, slow 2.2%: 2.8 + 0.6 = 3.4%;
	 * (34000 - 25000) / 25000 = 0.36 -> 10^6 - 0.36 x 0.5 x 10^6 = 820000. */
	cr_assert_eq(xr_demote_ppm(0, 0, LAT_TH, 28000, 22000, ERR_TH, D_START, D_MAX), 820000);
}

Test(selector, method_table)
{
	const int64_t twap = 250000 * XR_CASH_SCALE;

	/* twap above the notional (strictly). */
	cr_assert_eq(xr_route_method(XR_SIG_ENTRY, XR_ORD_LIMIT, twap + 1, twap), XR_METHOD_TWAP);
	cr_assert_eq(xr_route_method(XR_SIG_STOP_LOSS, XR_ORD_MARKET, twap + 1, twap),
		     XR_METHOD_TWAP);
	cr_assert_eq(xr_route_method(XR_SIG_ENTRY, XR_ORD_MARKET, twap, twap), XR_METHOD_LIMIT);
	/* twap_notional 0 = never. */
	cr_assert_eq(xr_route_method(XR_SIG_ENTRY, XR_ORD_MARKET, INT64_MAX, 0), XR_METHOD_LIMIT);
	cr_assert_eq(xr_route_method(XR_SIG_STOP_LOSS, XR_ORD_LIMIT, 1, twap), XR_METHOD_MARKET);
	cr_assert_eq(xr_route_method(XR_SIG_EXIT, XR_ORD_LIMIT, 1, twap), XR_METHOD_MARKET);
	cr_assert_eq(xr_route_method(XR_SIG_ENTRY, XR_ORD_MARKET, 1, twap), XR_METHOD_LIMIT);
	/* profit_take keeps the signal's own order type. */
	cr_assert_eq(xr_route_method(XR_SIG_PROFIT_TAKE, XR_ORD_MARKET, 1, twap), XR_METHOD_MARKET);
	cr_assert_eq(xr_route_method(XR_SIG_PROFIT_TAKE, XR_ORD_LIMIT, 1, twap), XR_METHOD_LIMIT);
}

Test(selector, priority_table)
{
	cr_assert_eq(xr_route_priority(XR_SIG_STOP_LOSS), 1);
	cr_assert_eq(xr_route_priority(XR_SIG_EXIT), 2);
	cr_assert_eq(xr_route_priority(XR_SIG_ENTRY), 3);
	cr_assert_eq(xr_route_priority(XR_SIG_PROFIT_TAKE), 4);
}

/* ------------------------------------------------------------------ */
/* Factors and the weighted total. */

/*
 * Venue 0, symbol 0, for the factor tests:
 *   asks 100.00 x 1, 100.10 x 1, 100.20 x 2   (ask_qty 4)
 *   bid  99.90 x 5
 *   latency_ewma 250 ms, success 90%, uptime 80%, taker 25 bps,
 *   maker 0, headroom 60%, pair 85% over 40 children, demotion 0.8,
 *   30 children in flight.
 */
static void
factor_venue(void)
{
	const int64_t apx[] = { PX(10000), PX(10010), PX(10020) };
	const int64_t aq[] = { QTY(1), QTY(1), QTY(2) };
	const int64_t bpx[] = { PX(9990) }, bq[] = { QTY(5) };
	struct xr_venue_metrics *vm = &snap.venues[0];

	book_side(0, 0, 1, 3, apx, aq);
	book_side(0, 0, 0, 1, bpx, bq);
	vm->latency_ewma_ns = 250 * MS;
	vm->latency_slow_ns = 250 * MS;
	vm->success_ppm = 900000;
	vm->uptime_ppm = 800000;
	vm->fee_taker_cbps = 2500;
	vm->fee_maker_cbps = 0;
	vm->headroom_ppm = 600000;
	xr_venue_derive(vm, 1000 * MS); /* health 0.3 x 75 + 45 + 16 = 83.5 */
	cr_assert_eq(vm->health_ppm, 835000);
	vm->demote_ppm = 800000;
	snap.vs[0].pair_success_ppm = 850000;
	snap.vs[0].pair_samples = 40;
	in_flight[0] = 30;
}

Test(selector, every_factor_and_the_weighted_total)
{
	factor_venue();
	all_factors(XR_STRAT_BEST_EXECUTION);
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_BEST_EXECUTION, MQTY(2500));

	cr_assert_eq(run(&o), 1);
	cr_assert_eq(d.n_ranked, 1);
	const struct xr_venue_score *r = &d.ranked[0];
	cr_assert_eq(r->venue, 0);
	/* Arrival: the best ask, 100.00. No bound (no slippage, no limit). */
	cr_assert_eq(d.arrival_px, PX(10000));
	cr_assert_eq(d.bound_px, 0);
	/* Depth walk for 2.5: 1 @ 100.00 + 1 @ 100.10 + 0.5 @ 100.20
	 * = 100.00 + 100.10 + 50.10 = 250.20; 250.20 / 2.5 = 100.08.
	 * Visible: all three levels, 4. */
	cr_assert_eq(r->fill_qty, MQTY(2500));
	cr_assert_eq(r->avail_qty, QTY(4));
	cr_assert_eq(r->exp_px, 10008000000);
	/* Slippage (100.08 - 100.00) / 100.00 = 8 bps = 800 cbps. */
	cr_assert_eq(r->slip_cbps, 800);
	/* price: 100 - 8 bps x 100 / price_zero_bps(100) = 92 points. */
	cr_assert_eq(fac(&o, r)[XR_F_PRICE], 920000);
	/* liquidity: 4 visible / (2 x 2.5) = 0.8 -> 80 points. */
	cr_assert_eq(fac(&o, r)[XR_F_LIQUIDITY], 800000);
	/* latency: 100 x (1 - 250 ms / 1000 ms) = 75 points. */
	cr_assert_eq(fac(&o, r)[XR_F_LATENCY], 750000);
	/* reliability: the health score, 0.3 x 75 + 0.5 x 90 + 0.2 x 80
	 * = 22.5 + 45 + 16 = 83.5 points. */
	cr_assert_eq(fac(&o, r)[XR_F_RELIABILITY], 835000);
	/* fees: 100 - 25 bps = 75 points. */
	cr_assert_eq(fac(&o, r)[XR_F_FEES], 750000);
	/* cost: half spread (100.00 - 99.90) / (100.00 + 99.90) = 0.10 / 199.90
	 * = 5.0025 bps -> 500 cbps (truncated); fee 2500 + 500 + slippage 800
	 * = 3800 cbps = 38 bps; 100 - 38 x 100 / cost_zero_bps(100) = 62. */
	cr_assert_eq(r->cost_cbps, 3800);
	cr_assert_eq(fac(&o, r)[XR_F_COST], 620000);
	/* success 90, load 100 x (1 - 30 / 100) = 70, pair 85, headroom 60. */
	cr_assert_eq(fac(&o, r)[XR_F_SUCCESS], 900000);
	cr_assert_eq(fac(&o, r)[XR_F_LOAD], 700000);
	cr_assert_eq(fac(&o, r)[XR_F_PAIR], 850000);
	cr_assert_eq(fac(&o, r)[XR_F_HEADROOM], 600000);
	/* total: 0.1 x (92 + 80 + 75 + 83.5 + 75 + 62 + 90 + 70 + 85 + 60)
	 * = 0.1 x 772.5 = 77.25 points; demoted x 0.8 = 61.8 points. */
	cr_assert_eq(r->total, 618000);

	/* One venue, split never: the whole quantity, market (no bound),
	 * expected at the walk's price. Fees: 2.5 x 100.08 = 250.20 x 25 bps
	 * = 0.62550. Confidence: health 0.835 x demotion 0.8 = 0.668, all
	 * of it visible. */
	cr_assert_eq(d.decision, XR_D_BEST_SCORE);
	cr_assert_eq(d.alloc[0].venue, 0);
	cr_assert_eq(d.alloc[0].qty, MQTY(2500));
	cr_assert_eq(d.alloc[0].limit_px, 0);
	cr_assert_eq(d.alloc[0].exp_px, 10008000000);
	cr_assert_eq(d.alloc[0].post, 0);
	cr_assert_eq(d.alloc[0].est_fees, 62550000);
	cr_assert_eq(d.est_fees, 62550000);
	cr_assert_eq(d.exp_px, 10008000000);
	cr_assert_eq(d.exp_slip_cbps, 800);
	cr_assert_eq(d.confidence_ppm, 668000);
}

Test(selector, pair_factor_is_50_points_without_history)
{
	factor_venue();
	all_factors(XR_STRAT_BEST_EXECUTION);
	snap.vs[0].pair_samples = 0; /* pair_success_ppm 85% is then ignored */
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_BEST_EXECUTION, MQTY(2500));

	run(&o);
	cr_assert_eq(fac(&o, &d.ranked[0])[XR_F_PAIR], 500000);
	/* 772.5 - 85 + 50 = 737.5; x 0.1 = 73.75 points; x 0.8 = 59.0. */
	cr_assert_eq(d.ranked[0].total, 590000);
}

Test(selector, price_factor_mirrors_for_a_sell)
{
	/* Bids 99.90 x 1, 99.80 x 1, 99.70 x 2; ask 100.00 x 5. */
	const int64_t bpx[] = { PX(9990), PX(9980), PX(9970) };
	const int64_t bq[] = { QTY(1), QTY(1), QTY(2) };
	const int64_t apx[] = { PX(10000) }, aq[] = { QTY(5) };
	book_side(0, 0, 0, 3, bpx, bq);
	book_side(0, 0, 1, 1, apx, aq);
	all_factors(XR_STRAT_BEST_EXECUTION);
	struct xr_select_order o = order(XR_SIDE_SELL, XR_STRAT_BEST_EXECUTION, MQTY(2500));

	run(&o);
	/* Arrival: the best bid, 99.90. Walk: 99.90 + 99.80 + 0.5 x 99.70
	 * = 249.55; / 2.5 = 99.82. Slippage (99.90 - 99.82) / 99.90
	 * = 8.008 bps -> 800 cbps (truncated); price 100 - 8 = 92 points.
	 * Half spread 0.10 / 199.90 -> 500 cbps; cost 0 + 500 + 800 = 1300
	 * -> 100 - 13 = 87 points. */
	cr_assert_eq(d.arrival_px, PX(9990));
	cr_assert_eq(d.ranked[0].exp_px, PX(9982));
	cr_assert_eq(d.ranked[0].slip_cbps, 800);
	cr_assert_eq(fac(&o, &d.ranked[0])[XR_F_PRICE], 920000);
	cr_assert_eq(d.ranked[0].cost_cbps, 1300);
	cr_assert_eq(fac(&o, &d.ranked[0])[XR_F_COST], 870000);
	cr_assert_eq(d.exp_slip_cbps, 800);
}

Test(selector, bound_limits_the_depth_walk_and_liquidity)
{
	factor_venue();
	all_factors(XR_STRAT_BEST_EXECUTION);
	/* Venue 1 asks 101.00 x 10 only: nothing within the bound. It is
	 * demoted to 0.5 so that venue 0 still ranks first (otherwise its
	 * perfect metrics would outscore venue 0 with no price or depth). */
	quote(1, PX(9990), PX(10100), QTY(10));
	snap.venues[1].demote_ppm = 500000;
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_BEST_EXECUTION, MQTY(2500));
	o.max_slippage_bps = 15;

	run(&o);
	/* Bound 100.00 + 100.00 x 15 / 10^4 = 100.15: levels 100.00 and
	 * 100.10 only. Venue 0 fills 2 of 2.5 at (100.00 + 100.10) / 2
	 * = 100.05: slippage 5 bps -> price 95 points; liquidity 2 / 5 = 40. */
	cr_assert_eq(d.bound_px, PX(10015));
	const struct xr_venue_score *r = ranked_of(0);
	cr_assert_eq(r->fill_qty, QTY(2));
	cr_assert_eq(r->avail_qty, QTY(2));
	cr_assert_eq(r->exp_px, 10005000000);
	cr_assert_eq(r->slip_cbps, 500);
	cr_assert_eq(fac(&o, r)[XR_F_PRICE], 950000);
	cr_assert_eq(fac(&o, r)[XR_F_LIQUIDITY], 400000);
	/* Venue 1 shows nothing within the bound: no price, no liquidity. */
	r = ranked_of(1);
	cr_assert_eq(r->fill_qty, 0);
	cr_assert_eq(r->avail_qty, 0);
	cr_assert_eq(r->exp_px, 0);
	cr_assert_eq(fac(&o, r)[XR_F_PRICE], 0);
	cr_assert_eq(fac(&o, r)[XR_F_LIQUIDITY], 0);
	/* Split never: venue 0 gets it all with its child limited at the
	 * bound, and the confidence counts only the visible 2 of 2.5:
	 * 0.668 x 2 / 2.5 = 0.5344. */
	cr_assert_eq(d.ranked[0].venue, 0);
	cr_assert_eq(d.n_alloc, 1);
	cr_assert_eq(d.alloc[0].limit_px, PX(10015));
	cr_assert_eq(d.confidence_ppm, 534400);
}

Test(selector, factor_clamps)
{
	/* Venue 0: 1 bps rebate (fees capped at 100), latency past the zero
	 * scale, load at the full queue. Venue 1: 120 bps fee (fees 0), asks
	 * 1.5% above venue 0's so price and cost are past their zero. */
	quote(0, PX(9990), PX(10000), QTY(10));
	quote(1, PX(9990), PX(10150), QTY(10));
	snap.venues[0].fee_taker_cbps = -100;
	set_latency(0, 2000 * MS);
	in_flight[0] = 100;
	snap.venues[1].fee_taker_cbps = 12000;
	in_flight[1] = 250;
	all_factors(XR_STRAT_BEST_EXECUTION);
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_BEST_EXECUTION, QTY(1));

	run(&o);
	const struct xr_venue_score *r = ranked_of(0);
	cr_assert_eq(fac(&o, r)[XR_F_FEES], 1000000); /* 100 + 1, capped at 100 */
	cr_assert_eq(fac(&o, r)[XR_F_LATENCY], 0);
	cr_assert_eq(fac(&o, r)[XR_F_LOAD], 0);
	/* Reliability without the latency part: 0.5 + 0.2 = 70 points. */
	cr_assert_eq(fac(&o, r)[XR_F_RELIABILITY], 700000);
	/* Cost: -100 + half spread 0.10 / 199.90 -> 500 + slip 0 = 400. */
	cr_assert_eq(r->cost_cbps, 400);
	cr_assert_eq(fac(&o, r)[XR_F_COST], 960000);
	r = ranked_of(1);
	cr_assert_eq(fac(&o, r)[XR_F_FEES], 0); /* 100 - 120 < 0 */
	/* Slippage (101.50 - 100.00) / 100.00 = 150 bps > price_zero 100. */
	cr_assert_eq(r->slip_cbps, 15000);
	cr_assert_eq(fac(&o, r)[XR_F_PRICE], 0);
	cr_assert_eq(fac(&o, r)[XR_F_COST], 0);
	cr_assert_eq(fac(&o, r)[XR_F_LOAD], 0);
}

Test(selector, factor_scales_come_from_the_engine_config)
{
	factor_venue();
	all_factors(XR_STRAT_BEST_EXECUTION);
	ec.price_zero_bps = 40;
	ec.cost_zero_bps = 50;
	ec.latency_zero_score_us = 500000;
	ec.load_full_queue = 60;
	set_latency(0, 250 * MS); /* the writer derives at the new scale */
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_BEST_EXECUTION, MQTY(2500));

	run(&o);
	const struct xr_venue_score *r = &d.ranked[0];
	/* price: 100 - 8 x 100 / 40 = 80; cost: 100 - 38 x 100 / 50 = 24;
	 * latency: 100 x (1 - 250 / 500) = 50; load 100 x (1 - 30 / 60) = 50;
	 * reliability 0.3 x 50 + 45 + 16 = 76. */
	cr_assert_eq(fac(&o, r)[XR_F_PRICE], 800000);
	cr_assert_eq(fac(&o, r)[XR_F_COST], 240000);
	cr_assert_eq(fac(&o, r)[XR_F_LATENCY], 500000);
	cr_assert_eq(fac(&o, r)[XR_F_LOAD], 500000);
	cr_assert_eq(fac(&o, r)[XR_F_RELIABILITY], 760000);
}

Test(selector, factors_are_explained_for_ranked_venues_only)
{
	/* Venue 1's circuit is open and venue 2 is not allowed: neither is
	 * ranked, so neither has factors to explain; venue 0 has. */
	quote(0, PX(9990), PX(10000), QTY(10));
	quote(1, PX(9990), PX(9995), QTY(10));
	quote(2, PX(9990), PX(9995), QTY(10));
	set_latency(0, 100 * MS);
	snap.venues[1].circuit = XR_CIRCUIT_OPEN;
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_LOWEST_LATENCY, QTY(1));
	o.allowed_mask = UINT64_C(1) | UINT64_C(2);
	int32_t f[XR_F_COUNT];

	run(&o);
	cr_assert_eq(d.n_ranked, 1);
	cr_assert_eq(fac(&o, &d.ranked[0])[XR_F_LATENCY], 900000);
	for (uint8_t v = 1; v <= 2; v++) {
		memset(f, 0x55, sizeof(f));
		cr_assert_eq(xr_select_factors(&sp, &snap, &o, in_flight, v, f, NULL), -ENOENT);
		for (int i = 0; i < XR_F_COUNT; i++)
			cr_assert_eq(f[i], 0, "venue %u factor %d left %d", v, i, f[i]);
	}
}

Test(selector, demotion_multiplies_the_total_and_reorders)
{
	/* Two identical venues under lowest_latency (latency weight 1):
	 * 100 ms -> 90 points each. Venue 0 demoted to 0.9: 81 points, so
	 * venue 1 (90) ranks first although its id is higher. */
	quote(0, PX(9990), PX(10000), QTY(10));
	quote(1, PX(9990), PX(10000), QTY(10));
	set_latency(0, 100 * MS);
	set_latency(1, 100 * MS);
	snap.venues[0].demote_ppm = 900000;
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_LOWEST_LATENCY, QTY(1));

	run(&o);
	cr_assert_eq(d.ranked[0].venue, 1);
	cr_assert_eq(d.ranked[0].total, 900000);
	cr_assert_eq(d.ranked[1].venue, 0);
	cr_assert_eq(fac(&o, &d.ranked[1])[XR_F_LATENCY], 900000);
	cr_assert_eq(d.ranked[1].total, 810000);
	cr_assert_eq(d.alloc[0].venue, 1);
}

Test(selector, weighted_score_worked_example)
{
	/* The weighted_score worked example of docs/routing.md:
	 * 40 bps fee, 500 ms latency, 95% success, 20 of 100 in flight, no
	 * pair history. 2 x qty = 2 is shown (two_x_depth). */
	quote(0, PX(9990), PX(10000), QTY(2));
	snap.venues[0].fee_taker_cbps = 4000;
	set_latency(0, 500 * MS);
	snap.venues[0].success_ppm = 950000;
	in_flight[0] = 20;
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_WEIGHTED_SCORE, QTY(1));

	cr_assert_eq(run(&o), 1);
	const struct xr_venue_score *r = &d.ranked[0];
	/* fees 100 - 40 = 60, latency 100 x (1 - 500 / 1000) = 50,
	 * success 95, load 100 x (1 - 20 / 100) = 80, pair 50. */
	cr_assert_eq(fac(&o, r)[XR_F_FEES], 600000);
	cr_assert_eq(fac(&o, r)[XR_F_LATENCY], 500000);
	cr_assert_eq(fac(&o, r)[XR_F_SUCCESS], 950000);
	cr_assert_eq(fac(&o, r)[XR_F_LOAD], 800000);
	cr_assert_eq(fac(&o, r)[XR_F_PAIR], 500000);
	/* Unweighted factors are not computed. */
	cr_assert_eq(fac(&o, r)[XR_F_PRICE], 0);
	cr_assert_eq(fac(&o, r)[XR_F_COST], 0);
	/* 60 x 0.30 + 50 x 0.20 + 95 x 0.25 + 80 x 0.15 + 50 x 0.10
	 * = 18 + 10 + 23.75 + 12 + 5 = 68.75 points = 687500. */
	cr_assert_eq(r->total, 687500);
	/* Split never, pricing method: one venue, the whole quantity; fees
	 * 1 x 100.00 x 40 bps = 0.40. */
	cr_assert_eq(d.decision, XR_D_BEST_SCORE);
	cr_assert_eq(d.alloc[0].qty, QTY(1));
	cr_assert_eq(d.alloc[0].est_fees, 40000000);
}

/* ------------------------------------------------------------------ */
/* Eligibility. */

/* Venues 0..7 quote 99.90 / 100.00 x 10 on symbol 0. */
static void
eight_venues(void)
{
	for (unsigned v = 0; v < 8; v++)
		quote(v, PX(9990), PX(10000), QTY(10));
}

Test(selector, eligibility_rules)
{
	eight_venues();
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_BEST_EXECUTION, QTY(1));
	o.allowed_mask = ~(UINT64_C(1) << 0);		       /* 0: not allowed */
	o.exclude_mask = UINT64_C(1) << 1;		       /* 1: already tried */
	snap.venues[2].healthy = 0;			       /* 2: connector down */
	snap.venues[3].circuit = XR_CIRCUIT_OPEN;	       /* 3: circuit open */
	snap.venues[4].circuit = XR_CIRCUIT_HALF_OPEN;	       /* 4: eligible */
	book_side(5, 0, 1, 0, NULL, NULL);		       /* 5: no ask */
	snap.venues[6].health_ppm = 100000;		       /* 6: min_health 0 */

	cr_assert_eq(run(&o), 1);
	cr_assert_eq(ranked_mask(), (1u << 4) | (1u << 6) | (1u << 7));
	/* Venue 5 still quotes bids: a sell may use it. */
	o.side = XR_SIDE_SELL;
	run(&o);
	cr_assert_eq(ranked_mask(), (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7));
}

Test(selector, eligibility_min_health)
{
	/* lowest_latency: min_health 0.5; 499999 is out, 500000 is in. */
	eight_venues();
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_LOWEST_LATENCY, QTY(1));
	o.allowed_mask = 0x7;
	snap.venues[0].health_ppm = 499999;
	snap.venues[1].health_ppm = 500000;

	run(&o);
	cr_assert_eq(ranked_mask(), 0x6);
	/* The threshold is per strategy: best_execution has none. */
	o.strategy = XR_STRAT_BEST_EXECUTION;
	run(&o);
	cr_assert_eq(ranked_mask(), 0x7);
}

Test(selector, eligibility_half_open_ignores_min_health)
{
	/* A half-open venue takes its breaker's probes whatever its score:
	 * a low success rate could not rise otherwise (a restarted FIX venue
	 * would stay half open for the rest of the run). */
	eight_venues();
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_LOWEST_LATENCY, QTY(1));
	o.allowed_mask = 0x7;
	snap.venues[0].health_ppm = 100000;
	snap.venues[0].circuit = XR_CIRCUIT_HALF_OPEN;
	snap.venues[1].health_ppm = 100000; /* closed: still out */
	run(&o);
	cr_assert_eq(ranked_mask(), 0x5);
}

Test(selector, eligibility_two_x_depth)
{
	/* weighted_score needs 2 x 1.5 = 3 on the asks. Venue 0 shows
	 * 2.99999999, venue 1 exactly 3; venue 2's bids do not count. */
	quote(0, PX(9990), PX(10000), QTY(3) - 1);
	quote(1, PX(9990), PX(10000), QTY(3));
	const int64_t bpx = PX(9990), bq = QTY(100), apx = PX(10000), aq = QTY(1);
	book_side(2, 0, 0, 1, &bpx, &bq);
	book_side(2, 0, 1, 1, &apx, &aq);
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_WEIGHTED_SCORE, MQTY(1500));

	run(&o);
	cr_assert_eq(ranked_mask(), 0x2);
	cr_assert_eq(d.alloc[0].venue, 1);
	/* For a sell the bids count: venue 0 shows 2.99999999 there too,
	 * venue 1 3, venue 2 100. */
	o.side = XR_SIDE_SELL;
	run(&o);
	cr_assert_eq(ranked_mask(), 0x6);
	/* Strategies without two_x_depth take any depth. */
	o.side = XR_SIDE_BUY;
	o.strategy = XR_STRAT_BEST_EXECUTION;
	run(&o);
	cr_assert_eq(ranked_mask(), 0x7);
}

Test(selector, nothing_eligible_rejects_no_venue)
{
	eight_venues();
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_BEST_EXECUTION, QTY(1));
	o.allowed_mask = 0xff;
	o.exclude_mask = 0xff;

	cr_assert_eq(run(&o), 0);
	cr_assert_eq(d.n_alloc, 0);
	cr_assert_eq(d.n_ranked, 0);
	cr_assert_eq(d.reason, XR_R_NO_VENUE);
	cr_assert_eq(d.decision, XR_D_NO_VENUE);
	cr_assert_eq(d.arrival_px, 0);
	/* Mask bits past n_venues are ignored. */
	o.exclude_mask = 0;
	o.allowed_mask = ~UINT64_C(0xfff);
	cr_assert_eq(run(&o), 0);
	cr_assert_eq(d.reason, XR_R_NO_VENUE);
	/* A symbol nobody quotes. */
	o.allowed_mask = UINT64_MAX;
	o.symbol = 1;
	cr_assert_eq(run(&o), 0);
	cr_assert_eq(d.decision, XR_D_NO_VENUE);
}

Test(selector, arrival_is_the_best_far_touch_of_eligible_venues)
{
	/* Venue 0 has the best ask (99.95) but is down; venue 2 has the
	 * best bid (99.98) but is excluded. */
	quote(0, PX(9985), PX(9995), QTY(10));
	quote(1, PX(9990), PX(10000), QTY(10));
	quote(2, PX(9998), PX(10008), QTY(10));
	quote(3, PX(9992), PX(10003), QTY(10));
	snap.venues[0].healthy = 0;
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_BEST_EXECUTION, QTY(1));

	run(&o);
	cr_assert_eq(d.arrival_px, PX(10000));
	o.side = XR_SIDE_SELL;
	o.exclude_mask = 1u << 2;
	run(&o);
	cr_assert_eq(d.arrival_px, PX(9992));
}

/* ------------------------------------------------------------------ */
/* What each strategy picks. */

Test(selector, lowest_latency_picks_the_fastest_healthy_venue)
{
	eight_venues();
	/* 0: 100 ms, 10 bps; 1: 20 ms, 50 bps; 2: 5 ms but health 0.4 (below
	 * min_health 0.5); 3: 50 ms. Venues 4..7 are not allowed. */
	set_latency(0, 100 * MS);
	snap.venues[0].fee_taker_cbps = 1000;
	set_latency(1, 20 * MS);
	snap.venues[1].fee_taker_cbps = 5000;
	set_latency(2, 5 * MS);
	snap.venues[2].health_ppm = 400000;
	set_latency(3, 50 * MS);
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_LOWEST_LATENCY, QTY(1));
	o.allowed_mask = 0xf;

	cr_assert_eq(run(&o), 1);
	/* Latency scores: 1 -> 98, 3 -> 95, 0 -> 90 points. */
	cr_assert_eq(d.n_ranked, 3);
	cr_assert_eq(d.ranked[0].venue, 1);
	cr_assert_eq(d.ranked[0].total, 980000);
	cr_assert_eq(d.ranked[1].venue, 3);
	cr_assert_eq(d.ranked[1].total, 950000);
	cr_assert_eq(d.ranked[2].venue, 0);
	cr_assert_eq(d.ranked[2].total, 900000);
	/* It fills there (10 visible): one venue, despite the 50 bps fee:
	 * 1 x 100.00 x 50 bps = 0.50. */
	cr_assert_eq(d.decision, XR_D_BEST_SCORE);
	cr_assert_eq(d.alloc[0].venue, 1);
	cr_assert_eq(d.alloc[0].qty, QTY(1));
	cr_assert_eq(d.alloc[0].limit_px, 0);
	cr_assert_eq(d.alloc[0].est_fees, 50000000);
}

Test(selector, best_liquidity_ranks_by_depth_and_spreads)
{
	/* Asks at 100.00: venue 0 x 4, venue 1 x 10, venue 2 x 6. Order 3:
	 * liquidity 4 / 6 = 66.67 points, 10 / 6 and 6 / 6 capped at 100. */
	quote(0, PX(9990), PX(10000), QTY(4));
	quote(1, PX(9990), PX(10000), QTY(10));
	quote(2, PX(9990), PX(10000), QTY(6));
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_BEST_LIQUIDITY, QTY(3));

	cr_assert_eq(run(&o), 3);
	cr_assert_eq(d.ranked[0].venue, 1);
	cr_assert_eq(d.ranked[1].venue, 2);
	cr_assert_eq(d.ranked[2].venue, 0);
	cr_assert_eq(d.ranked[2].total, 666666);
	/* Split always: cap max(ceil(3 x 0.30), ceil(3 / 3)) = 1 each, same
	 * price everywhere, so one each; the best fills alone: spread. */
	cr_assert_eq(d.decision, XR_D_SPLIT_SPREAD);
	for (unsigned i = 0; i < 3; i++) {
		cr_assert_eq(d.alloc[i].qty, QTY(1));
		cr_assert_eq(d.alloc[i].venue, d.ranked[i].venue, "equal sizes keep rank order");
	}
}

Test(selector, cost_optimization_picks_least_fee_spread_slippage)
{
	/* 0: 10 bps, 99.80 / 100.00: half spread 0.20 / 199.80 -> 1001 cbps,
	 *    cost 1000 + 1001 + 0 = 2001 -> 79.99 points.
	 * 1: 20 bps, 99.95 / 100.00: half 250, cost 2250 -> 77.5.
	 * 2: 5 bps (cheapest fee), 99.95 / 100.00 x 0.2 then 100.50 x 10:
	 *    walk 0.2 x 100 + 0.8 x 100.50 = 100.40, slip 40 bps = 4000;
	 *    cost 500 + 250 + 4000 = 4750 -> 52.5.
	 * 3: 15 bps, 99.99 / 100.01: half 0.02 / 200 = 100; slip vs arrival
	 *    100.00 is 1 bps = 100; cost 1500 + 100 + 100 = 1700 -> 83. */
	quote(0, PX(9980), PX(10000), QTY(10));
	quote(1, PX(9995), PX(10000), QTY(10));
	const int64_t apx[] = { PX(10000), PX(10050) }, aq[] = { MQTY(200), QTY(10) };
	const int64_t bpx = PX(9995), bq = QTY(10);
	book_side(2, 0, 1, 2, apx, aq);
	book_side(2, 0, 0, 1, &bpx, &bq);
	quote(3, PX(9999), PX(10001), QTY(10));
	snap.venues[0].fee_taker_cbps = 1000;
	snap.venues[1].fee_taker_cbps = 2000;
	snap.venues[2].fee_taker_cbps = 500;
	snap.venues[3].fee_taker_cbps = 1500;
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_COST_OPTIMIZATION, QTY(1));

	cr_assert_eq(run(&o), 1);
	cr_assert_eq(ranked_of(0)->cost_cbps, 2001);
	cr_assert_eq(ranked_of(1)->cost_cbps, 2250);
	cr_assert_eq(ranked_of(2)->cost_cbps, 4750);
	cr_assert_eq(ranked_of(3)->cost_cbps, 1700);
	cr_assert_eq(d.ranked[0].venue, 3);
	cr_assert_eq(d.ranked[0].total, 830000);
	cr_assert_eq(d.ranked[1].venue, 0);
	cr_assert_eq(d.ranked[1].total, 799900);
	cr_assert_eq(d.ranked[2].venue, 1);
	cr_assert_eq(d.ranked[2].total, 775000);
	cr_assert_eq(d.ranked[3].venue, 2);
	cr_assert_eq(d.ranked[3].total, 525000);
	/* Fills at 100.01: fees 100.01 x 15 bps = 0.1500150. */
	cr_assert_eq(d.decision, XR_D_BEST_SCORE);
	cr_assert_eq(d.alloc[0].venue, 3);
	cr_assert_eq(d.alloc[0].exp_px, PX(10001));
	cr_assert_eq(d.alloc[0].est_fees, 15001500);
	cr_assert_eq(d.exp_slip_cbps, 100);
}

Test(selector, passive_posts_at_the_near_touch_for_the_maker_fee)
{
	/* Venue 0: 99.90 / 100.00, maker 1 bps, taker 5 bps. */
	quote(0, PX(9990), PX(10000), QTY(10));
	snap.venues[0].fee_maker_cbps = 100;
	snap.venues[0].fee_taker_cbps = 500;
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_PASSIVE, QTY(1));
	o.allowed_mask = 0x1;

	cr_assert_eq(run(&o), 1);
	/* fees factor from the maker fee: 100 - 1 = 99 points; total
	 * 0.3 x 100 (reliability) + 0.5 x 99 + 0.2 x 100 (load) = 99.5. */
	cr_assert_eq(fac(&o, &d.ranked[0])[XR_F_FEES], 990000);
	cr_assert_eq(d.ranked[0].total, 995000);
	/* Rests at the best bid: limit 99.90, no bound; maker fee
	 * 99.90 x 1 bps = 0.00999; slippage vs arrival 100.00: -10 bps.
	 * Confidence: half the trust (it fills only if the market comes). */
	cr_assert_eq(d.decision, XR_D_BEST_SCORE);
	cr_assert_eq(d.alloc[0].post, 1);
	cr_assert_eq(d.alloc[0].qty, QTY(1));
	cr_assert_eq(d.alloc[0].limit_px, PX(9990));
	cr_assert_eq(d.alloc[0].exp_px, PX(9990));
	cr_assert_eq(d.alloc[0].est_fees, 999000);
	cr_assert_eq(d.bound_px, 0);
	cr_assert_eq(d.exp_slip_cbps, -1000);
	cr_assert_eq(d.confidence_ppm, 500000);
	/* passive does not weight cost, so it is not computed (0). With
	 * cost weighted, the half spread on a post is earned:
	 * cost = 100 - 500 = -400. */
	cr_assert_eq(d.ranked[0].cost_cbps, 0);
	ec.strategies[XR_STRAT_PASSIVE].w[XR_F_FEES] = 4000;
	ec.strategies[XR_STRAT_PASSIVE].w[XR_F_COST] = 1000;
	run(&o);
	cr_assert_eq(d.ranked[0].cost_cbps, -400);
	ec.strategies[XR_STRAT_PASSIVE].w[XR_F_FEES] = 5000;
	ec.strategies[XR_STRAT_PASSIVE].w[XR_F_COST] = 0;

	/* A sell rests at the best ask, 100.00. */
	o.side = XR_SIDE_SELL;
	run(&o);
	cr_assert_eq(d.alloc[0].limit_px, PX(10000));
	cr_assert_eq(d.alloc[0].est_fees, 1000000);

	/* Never through the order's own limit: buy limit 99.80 rests there. */
	o.side = XR_SIDE_BUY;
	o.limit_px = PX(9980);
	run(&o);
	cr_assert_eq(d.alloc[0].post, 1);
	cr_assert_eq(d.alloc[0].limit_px, PX(9980));
}

Test(selector, passive_spreads_each_at_its_own_bid)
{
	/* Split always: two venues, cap max(0.3, ceil(1 / 2)) = 0.5 each. */
	quote(0, PX(9990), PX(10000), QTY(10));
	quote(1, PX(9985), PX(10000), QTY(10));
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_PASSIVE, QTY(1));

	cr_assert_eq(run(&o), 2);
	cr_assert_eq(d.decision, XR_D_SPLIT_SPREAD);
	cr_assert_eq(alloc_of(0)->qty, MQTY(500));
	cr_assert_eq(alloc_of(0)->limit_px, PX(9990));
	cr_assert_eq(alloc_of(1)->qty, MQTY(500));
	cr_assert_eq(alloc_of(1)->limit_px, PX(9985));
	/* (0.5 x 99.90 + 0.5 x 99.85) / 1 = 99.875. */
	cr_assert_eq(d.exp_px, 9987500000);
}

Test(selector, balanced_takes_the_far_touch_only)
{
	/* Venue 0: 100.00 x 5 then 100.10 x 5. One venue fills 1 at the
	 * touch: its child is limited at the touch, 100.00. */
	const int64_t apx[] = { PX(10000), PX(10010) }, aq[] = { QTY(5), QTY(5) };
	const int64_t bpx = PX(9990), bq = QTY(10);
	book_side(0, 0, 1, 2, apx, aq);
	book_side(0, 0, 0, 1, &bpx, &bq);
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_BALANCED, QTY(1));

	cr_assert_eq(run(&o), 1);
	cr_assert_eq(d.decision, XR_D_BEST_SCORE);
	cr_assert_eq(d.alloc[0].limit_px, PX(10000));
	cr_assert_eq(d.alloc[0].exp_px, PX(10000));
	cr_assert_eq(d.alloc[0].post, 0);

	/* 7 with venue 1 at 100.02 x 5: the touch only shows 5 of 7 at
	 * venue 0 (no depth walk), so it splits at the touches: cap
	 * max(ceil(2.1), ceil(7 / 2)) = 3.5 each, each child at its own
	 * touch. */
	quote(1, PX(9990), PX(10002), QTY(5));
	o.qty = QTY(7);
	cr_assert_eq(run(&o), 2);
	cr_assert_eq(ranked_of(0)->fill_qty, QTY(5));
	cr_assert_eq(ranked_of(0)->avail_qty, QTY(5));
	cr_assert_eq(d.decision, XR_D_SPLIT_DEPTH);
	cr_assert_eq(alloc_of(0)->qty, MQTY(3500));
	cr_assert_eq(alloc_of(0)->limit_px, PX(10000));
	cr_assert_eq(alloc_of(1)->qty, MQTY(3500));
	cr_assert_eq(alloc_of(1)->limit_px, PX(10002));
	/* A limit order 100.01 is the bound, but the children still go at
	 * their touches (100.00), inside it: venue 0 shows 1 of 2, split
	 * 1 + 1 (cap ceil(2 / 2) = 1). */
	o.limit_px = PX(10001);
	o.qty = QTY(2);
	quote(1, PX(9990), PX(10000), QTY(5));
	quote(0, PX(9990), PX(10000), QTY(1));
	cr_assert_eq(run(&o), 2);
	cr_assert_eq(d.bound_px, PX(10001));
	for (unsigned i = 0; i < d.n_alloc; i++) {
		cr_assert_eq(d.alloc[i].qty, QTY(1));
		cr_assert_eq(d.alloc[i].limit_px, PX(10000));
	}
}

Test(selector, aggressive_spreads_and_limits_at_the_bound)
{
	eight_venues();
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_AGGRESSIVE, QTY(3));
	o.allowed_mask = 0x7;
	o.max_slippage_bps = 20;

	/* Cap max(0.9, 1) = 1: one each on three venues; bound 100.00 x
	 * (1 + 20 bps) = 100.20, every child limited there. */
	cr_assert_eq(run(&o), 3);
	cr_assert_eq(d.decision, XR_D_SPLIT_SPREAD);
	cr_assert_eq(d.bound_px, PX(10020));
	for (unsigned v = 0; v < 3; v++) {
		cr_assert_eq(alloc_qty(v), QTY(1));
		cr_assert_eq(alloc_of(v)->limit_px, PX(10020));
	}
}

Test(selector, stealth_spreads_at_max_slice_ratio)
{
	eight_venues();
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_STEALTH, QTY(10));
	o.allowed_mask = 0xf;

	/* Cap max(ceil(10 x 0.30), ceil(10 / 4)) = 3: 3, 3, 3, 1 in rank
	 * (= id) order. */
	cr_assert_eq(run(&o), 4);
	cr_assert_eq(d.decision, XR_D_SPLIT_SPREAD);
	cr_assert_eq(d.alloc[0].venue, 0);
	cr_assert_eq(d.alloc[0].qty, QTY(3));
	cr_assert_eq(d.alloc[1].venue, 1);
	cr_assert_eq(d.alloc[1].qty, QTY(3));
	cr_assert_eq(d.alloc[2].venue, 2);
	cr_assert_eq(d.alloc[2].qty, QTY(3));
	cr_assert_eq(d.alloc[3].venue, 3);
	cr_assert_eq(d.alloc[3].qty, QTY(1));
}

Test(selector, best_execution_stays_on_one_venue_when_it_fills)
{
	/* Both venues show 10 at 100.00; venue 1 is slow (500 ms).
	 * Venue 0: price 100, liquidity 100, latency 100, reliability 100
	 * -> 100 points. Venue 1: 0.4 x 100 + 0.3 x 100 + 0.2 x 50
	 * + 0.1 x (15 + 50 + 20) = 40 + 30 + 10 + 8.5 = 88.5. */
	quote(0, PX(9990), PX(10000), QTY(10));
	quote(1, PX(9990), PX(10000), QTY(10));
	set_latency(1, 500 * MS);
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_BEST_EXECUTION, QTY(2));
	o.max_slippage_bps = 10;

	cr_assert_eq(run(&o), 1);
	cr_assert_eq(d.ranked[0].total, 1000000);
	cr_assert_eq(d.ranked[1].total, 885000);
	cr_assert_eq(d.decision, XR_D_BEST_SCORE);
	cr_assert_eq(d.alloc[0].venue, 0);
	cr_assert_eq(d.alloc[0].qty, QTY(2));
	cr_assert_eq(d.alloc[0].limit_px, PX(10010)); /* the bound */
}

Test(selector, best_execution_splits_when_one_venue_cannot_fill)
{
	/* Bound 100.10 (10 bps). Venue 0: 100.00 x 1 then 100.20 x 10;
	 * venue 1: 100.05 x 1.5 then 100.30 x 10. Order 2.
	 * Venue 0: fills 1 at 100.00: price 100, liquidity 1 / 4 = 25:
	 *   40 + 7.5 + 20 + 10 = 77.5.
	 * Venue 1: fills 1.5 at 100.05 (5 bps): price 95, liquidity 1.5 / 4
	 *   = 37.5: 38 + 11.25 + 20 + 10 = 79.25 -> ranked first.
	 * Neither fills 2 within the bound: split, cap max(0.6, 1) = 1;
	 * greedy: 100.00 (venue 0) first, 1; then venue 1, 1. */
	const int64_t a0[] = { PX(10000), PX(10020) }, q0[] = { QTY(1), QTY(10) };
	const int64_t a1[] = { PX(10005), PX(10030) }, q1[] = { MQTY(1500), QTY(10) };
	const int64_t bpx = PX(9990), bq = QTY(10);
	book_side(0, 0, 1, 2, a0, q0);
	book_side(0, 0, 0, 1, &bpx, &bq);
	book_side(1, 0, 1, 2, a1, q1);
	book_side(1, 0, 0, 1, &bpx, &bq);
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_BEST_EXECUTION, QTY(2));
	o.max_slippage_bps = 10;

	cr_assert_eq(run(&o), 2);
	cr_assert_eq(d.ranked[0].venue, 1);
	cr_assert_eq(d.ranked[0].total, 792500);
	cr_assert_eq(d.ranked[1].total, 775000);
	cr_assert_eq(d.decision, XR_D_SPLIT_DEPTH);
	cr_assert_eq(alloc_qty(0), QTY(1));
	cr_assert_eq(alloc_qty(1), QTY(1));
	/* Equal sizes: rank order. Limits at the bound. */
	cr_assert_eq(d.alloc[0].venue, 1);
	cr_assert_eq(d.alloc[0].limit_px, PX(10010));
	cr_assert_eq(d.alloc[1].limit_px, PX(10010));
	/* (100.00 + 100.05) / 2 = 100.025: 2.5 bps = 250 cbps. */
	cr_assert_eq(d.exp_px, 10002500000);
	cr_assert_eq(d.exp_slip_cbps, 250);
}

/* ------------------------------------------------------------------ */
/* Splits. */

Test(selector, split_cap_is_max_slice_ratio)
{
	/* Five deep venues, order 10, cap ceil(10 x 0.30) = 3 (above
	 * ceil(10 / 5) = 2): 3, 3, 3, 1; venue 4 gets nothing. */
	eight_venues();
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_BEST_LIQUIDITY, QTY(10));
	o.allowed_mask = 0x1f;

	cr_assert_eq(run(&o), 4);
	cr_assert_eq(alloc_qty(0), QTY(3));
	cr_assert_eq(alloc_qty(1), QTY(3));
	cr_assert_eq(alloc_qty(2), QTY(3));
	cr_assert_eq(alloc_qty(3), QTY(1));
	cr_assert_eq(alloc_qty(4), 0);
	/* max_slice_ratio 0.5: 5 + 5. */
	ec.strategies[XR_STRAT_BEST_LIQUIDITY].max_slice_ppm = 500000;
	cr_assert_eq(run(&o), 2);
	cr_assert_eq(alloc_qty(0), QTY(5));
	cr_assert_eq(alloc_qty(1), QTY(5));
}

Test(selector, split_cap_raised_to_an_even_share)
{
	eight_venues();
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_BEST_LIQUIDITY, QTY(10));

	/* Two venues: 0.30 x 10 = 3 cannot hold 10; cap ceil(10 / 2) = 5. */
	o.allowed_mask = 0x3;
	cr_assert_eq(run(&o), 2);
	cr_assert_eq(alloc_qty(0), QTY(5));
	cr_assert_eq(alloc_qty(1), QTY(5));
	/* Three: ceil(10 / 3) = 3.33333334 (in 10^-8 units); the last
	 * takes the rest, 10 - 2 x 3.33333334 = 3.33333332: exact sum. */
	o.allowed_mask = 0x7;
	cr_assert_eq(run(&o), 3);
	cr_assert_eq(d.alloc[0].qty, 333333334);
	cr_assert_eq(d.alloc[1].qty, 333333334);
	cr_assert_eq(d.alloc[2].qty, 333333332);
	cr_assert_eq(d.alloc[2].venue, 2);
	/* One unit over seven venues at max_slice_ratio 0.1: cap
	 * max(0.1, ceil(10^8 / 7) = 14285715): 14285715 x 6 + 14285710. */
	ec.strategies[XR_STRAT_BEST_LIQUIDITY].max_slice_ppm = 100000;
	o.allowed_mask = 0x7f;
	o.qty = QTY(1);
	cr_assert_eq(run(&o), 7);
	int64_t sum = 0;
	for (unsigned i = 0; i < d.n_alloc; i++) {
		cr_assert_leq(d.alloc[i].qty, 14285715);
		sum += d.alloc[i].qty;
	}
	cr_assert_eq(sum, QTY(1));
	cr_assert_eq(d.alloc[6].qty, 14285710);
}

Test(selector, split_cap_raised_when_a_venue_runs_out_of_depth)
{
	/* Bound 100.10. Venue 0: 100.00 x 1.8; venue 1: 100.05 x 0.3.
	 * Order 2 (best_execution): cap ceil(2 / 2) = 1 would leave 0.7
	 * although 2.1 is visible within the bound; the cap is raised for
	 * the venue with depth left: venue 0 1.7, venue 1 0.3. */
	const int64_t a0 = PX(10000), q0 = MQTY(1800), a1 = PX(10005), q1 = MQTY(300);
	const int64_t bpx = PX(9990), bq = QTY(10);
	book_side(0, 0, 1, 1, &a0, &q0);
	book_side(0, 0, 0, 1, &bpx, &bq);
	book_side(1, 0, 1, 1, &a1, &q1);
	book_side(1, 0, 0, 1, &bpx, &bq);
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_BEST_EXECUTION, QTY(2));
	o.max_slippage_bps = 10;

	cr_assert_eq(run(&o), 2);
	cr_assert_eq(d.decision, XR_D_SPLIT_DEPTH);
	cr_assert_eq(alloc_qty(0), MQTY(1700));
	cr_assert_eq(alloc_qty(1), MQTY(300));
	/* (1.7 x 100.00 + 0.3 x 100.05) / 2 = 100.0075. */
	cr_assert_eq(d.exp_px, 10000750000);

	/* Same with best_liquidity (split always), 3 venues at 100.00 with
	 * 4, 10 and 1: order 5, cap ceil(5 / 3) = 1.66666667; venue 2 holds
	 * only 1, so the other two are raised to 2 each. */
	quote(0, PX(9990), PX(10000), QTY(4));
	quote(1, PX(9990), PX(10000), QTY(10));
	quote(2, PX(9990), PX(10000), QTY(1));
	o.strategy = XR_STRAT_BEST_LIQUIDITY;
	o.qty = QTY(5);
	cr_assert_eq(run(&o), 3);
	cr_assert_eq(alloc_qty(0), QTY(2));
	cr_assert_eq(alloc_qty(1), QTY(2));
	cr_assert_eq(alloc_qty(2), QTY(1));
}

Test(selector, split_min_slice_drops_a_venue_and_reruns)
{
	/* Venues 0 and 1: 100 at 100.00; venue 2: 0.5 at 99.99 (cheapest).
	 * min_slice_qty 1. Order 10 (best_liquidity): the first pass gives
	 * venue 2 its 0.5 (< 1): dropped; re-run over two venues, cap
	 * ceil(10 / 2) = 5: 5 + 5. */
	quote(0, PX(9980), PX(10000), QTY(100));
	quote(1, PX(9980), PX(10000), QTY(100));
	quote(2, PX(9980), PX(9999), MQTY(500));
	ec.strategies[XR_STRAT_BEST_LIQUIDITY].min_slice_qty = QTY(1);
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_BEST_LIQUIDITY, QTY(10));

	cr_assert_eq(run(&o), 2);
	cr_assert_eq(alloc_qty(0), QTY(5));
	cr_assert_eq(alloc_qty(1), QTY(5));
	cr_assert_eq(alloc_qty(2), 0);
	cr_assert_eq(d.n_ranked, 3, "a dropped venue stays ranked");

	/* An order below min_slice_qty ends on one venue: 0.005 over venues
	 * 0 and 1 (equal rank scores) is 0.0025 each, both below 0.01; the
	 * smallest goes, on a tie the lower ranked, so the top one stays. */
	ec.strategies[XR_STRAT_BEST_LIQUIDITY].min_slice_qty = MQTY(10);
	o.qty = MQTY(5);
	o.allowed_mask = 0x3;
	cr_assert_eq(run(&o), 1);
	cr_assert_eq(d.alloc[0].venue, d.ranked[0].venue);
	cr_assert_eq(d.alloc[0].qty, MQTY(5));
	cr_assert_eq(d.decision, XR_D_BEST_SCORE);
}

Test(selector, split_unbounded_rest_goes_to_the_top_venue_left)
{
	/* No bound, lowest_latency. Venue 0 (fastest, 100 points) shows 1 at
	 * 100.00, venue 1 (100 ms, 90 points) shows 1 at 100.00. Order 3:
	 * cap ceil(3 / 2) = 1.5; the books hold 1 + 1; the 1 beyond them goes
	 * to the venues in rank order up to the cap (0.5 each), priced at
	 * their last visible level. */
	quote(0, PX(9990), PX(10000), QTY(1));
	quote(1, PX(9990), PX(10000), QTY(1));
	set_latency(1, 100 * MS);
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_LOWEST_LATENCY, QTY(3));

	cr_assert_eq(run(&o), 2);
	cr_assert_eq(d.decision, XR_D_SPLIT_DEPTH);
	cr_assert_eq(alloc_qty(0), QTY(3) / 2);
	cr_assert_eq(alloc_qty(1), QTY(3) / 2);
	cr_assert_eq(d.alloc[0].limit_px, 0);
	cr_assert_eq(d.exp_px, PX(10000));
	/* Only 2 of 3 is visible: the confidence is at most trust (1) x 2 / 3. */
	cr_assert_leq(d.confidence_ppm, 666666);
	cr_assert_gt(d.confidence_ppm, 0);

	/* Venue 0 shows only 0.005: its share is below min_slice_qty (0.01),
	 * so it is dropped; the rest then goes to venue 1, the top venue
	 * left, and the allocation still sums to the order (2 + 0). */
	quote(0, PX(9990), PX(10000), MQTY(5));
	o.qty = QTY(2);
	cr_assert_eq(run(&o), 1);
	cr_assert_eq(d.ranked[0].venue, 0);
	cr_assert_eq(d.alloc[0].venue, 1);
	cr_assert_eq(d.alloc[0].qty, QTY(2));
	cr_assert_eq(d.decision, XR_D_BEST_SCORE);
}

Test(selector, split_greedy_takes_the_cheapest_fee_adjusted_levels)
{
	/* Venue 0: 100.00 x 1, 100.10 x 1, taker 50 bps;
	 * venue 1: 100.30 x 1, 100.40 x 1, taker 10 bps. Order 3, no cap
	 * (max_slice_ratio 1). Fee-adjusted buy prices:
	 *   v0: 100.00 x 1.005 = 100.5000,  100.10 x 1.005 = 100.6005
	 *   v1: 100.30 x 1.001 = 100.4003,  100.40 x 1.001 = 100.5004
	 * Cheapest three: v1 100.4003, v0 100.5000, v1 100.5004 -> venue 1
	 * gets 2, venue 0 gets 1 (by raw price it would be the reverse). */
	const int64_t a0[] = { PX(10000), PX(10010) }, a1[] = { PX(10030), PX(10040) };
	const int64_t q[] = { QTY(1), QTY(1) };
	const int64_t bpx = PX(9990), bq = QTY(10);
	book_side(0, 0, 1, 2, a0, q);
	book_side(0, 0, 0, 1, &bpx, &bq);
	book_side(1, 0, 1, 2, a1, q);
	book_side(1, 0, 0, 1, &bpx, &bq);
	snap.venues[0].fee_taker_cbps = 5000;
	snap.venues[1].fee_taker_cbps = 1000;
	ec.strategies[XR_STRAT_BEST_LIQUIDITY].max_slice_ppm = 1000000;
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_BEST_LIQUIDITY, QTY(3));

	cr_assert_eq(run(&o), 2);
	cr_assert_eq(alloc_qty(1), QTY(2));
	cr_assert_eq(alloc_qty(0), QTY(1));
	/* Largest first. Venue 1 at (100.30 + 100.40) / 2 = 100.35, fees
	 * 200.70 x 10 bps = 0.2007; venue 0 at 100.00, fees 100 x 50 bps
	 * = 0.50. Parent (200.70 + 100.00) / 3 = 100.2333333. Both venues
	 * show 2 of 3: split for depth. */
	cr_assert_eq(d.alloc[0].venue, 1);
	cr_assert_eq(d.alloc[0].exp_px, PX(10035));
	cr_assert_eq(d.alloc[0].est_fees, 20070000);
	cr_assert_eq(d.alloc[1].exp_px, PX(10000));
	cr_assert_eq(d.alloc[1].est_fees, 50000000);
	cr_assert_eq(d.est_fees, 70070000);
	cr_assert_eq(d.exp_px, 10023333333);
	cr_assert_eq(d.decision, XR_D_SPLIT_DEPTH);

	/* A sale is the mirror: bids, proceeds net of the fee, highest
	 * first. Venue 0 bids 100.30, 100.20 at 50 bps: 99.7985, 99.6990;
	 * venue 1 bids 100.10, 100.00 at 10 bps: 99.9999, 99.9000. Best
	 * three: v1 99.9999, v1 99.9000, v0 99.7985 -> 2 + 1 again. */
	const int64_t b0[] = { PX(10030), PX(10020) }, b1[] = { PX(10010), PX(10000) };
	const int64_t ask = PX(10050);
	book_side(0, 0, 0, 2, b0, q);
	book_side(0, 0, 1, 1, &ask, &bq);
	book_side(1, 0, 0, 2, b1, q);
	book_side(1, 0, 1, 1, &ask, &bq);
	o.side = XR_SIDE_SELL;
	cr_assert_eq(run(&o), 2);
	cr_assert_eq(alloc_qty(1), QTY(2));
	cr_assert_eq(alloc_qty(0), QTY(1));
}

Test(selector, max_slippage_rejects_when_no_allocation_fits)
{
	/* As best_execution_splits..., order 3: within the bound 100.10
	 * only 1 + 1.5 = 2.5 is visible: no allocation can fill 3. */
	const int64_t a0[] = { PX(10000), PX(10020) }, q0[] = { QTY(1), QTY(10) };
	const int64_t a1[] = { PX(10005), PX(10030) }, q1[] = { MQTY(1500), QTY(10) };
	const int64_t bpx = PX(9990), bq = QTY(10);
	book_side(0, 0, 1, 2, a0, q0);
	book_side(0, 0, 0, 1, &bpx, &bq);
	book_side(1, 0, 1, 2, a1, q1);
	book_side(1, 0, 0, 1, &bpx, &bq);
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_BEST_EXECUTION, QTY(3));
	o.max_slippage_bps = 10;

	cr_assert_eq(run(&o), 0);
	cr_assert_eq(d.reason, XR_R_MAX_SLIPPAGE);
	cr_assert_eq(d.decision, XR_D_MAX_SLIPPAGE);
	cr_assert_eq(d.n_ranked, 2, "ranked venues stay for a re-route");
	cr_assert_eq(d.bound_px, PX(10010));
	/* Exactly 2.5 fits: cap ceil(2.5 / 2) = 1.25, venue 0 holds only 1,
	 * so venue 1's cap rises to 1.5. */
	o.qty = MQTY(2500);
	cr_assert_eq(run(&o), 2);
	cr_assert_eq(alloc_qty(0), QTY(1));
	cr_assert_eq(alloc_qty(1), MQTY(1500));

	/* One venue: it alone must fill within the bound. */
	o.allowed_mask = 0x1;
	o.qty = QTY(2);
	cr_assert_eq(run(&o), 0);
	cr_assert_eq(d.reason, XR_R_MAX_SLIPPAGE);
	/* The strategy's max_slippage_bps applies when the signal has none;
	 * 25 bps reaches 100.20: venue 0 fills 2. */
	o.max_slippage_bps = 0;
	ec.strategies[XR_STRAT_BEST_EXECUTION].max_slippage_bps = 25;
	cr_assert_eq(run(&o), 1);
	cr_assert_eq(d.bound_px, PX(10025));
	/* The signal's 19 bps wins over the strategy's 25: the bound
	 * 100.19 misses the 100.20 level. */
	o.max_slippage_bps = 19;
	cr_assert_eq(run(&o), 0);
	cr_assert_eq(d.reason, XR_R_MAX_SLIPPAGE);
	/* Without a bound the order goes, its estimate at the visible
	 * levels. */
	ec.strategies[XR_STRAT_BEST_EXECUTION].max_slippage_bps = 0;
	o.max_slippage_bps = 0;
	o.qty = QTY(20);
	cr_assert_eq(run(&o), 1);
	cr_assert_eq(d.alloc[0].qty, QTY(20));
	cr_assert_eq(d.alloc[0].limit_px, 0);
}

Test(selector, split_never_ignores_depth_within_the_bound)
{
	/* weighted_score (split never) sends the whole order to its venue
	 * with the child limited at the bound, even where the bound shows
	 * less than the quantity (the venue is still 2x deep overall). */
	const int64_t a0[] = { PX(10000), PX(10050) }, q0[] = { QTY(1), QTY(10) };
	const int64_t bpx = PX(9990), bq = QTY(10);
	book_side(0, 0, 1, 2, a0, q0);
	book_side(0, 0, 0, 1, &bpx, &bq);
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_WEIGHTED_SCORE, QTY(2));
	o.max_slippage_bps = 10;

	cr_assert_eq(run(&o), 1);
	cr_assert_eq(d.alloc[0].qty, QTY(2));
	cr_assert_eq(d.alloc[0].limit_px, PX(10010));
	/* Confidence: 1 of 2 visible x trust 1 = 0.5. */
	cr_assert_eq(d.confidence_ppm, 500000);
}

Test(selector, limit_orders_bound_or_rest)
{
	quote(0, PX(9990), PX(10000), QTY(10));
	snap.venues[0].fee_maker_cbps = 200;
	snap.venues[0].fee_taker_cbps = 500;
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_BEST_EXECUTION, QTY(1));

	/* Marketable limit 100.05: bound = the limit (tighter than none). */
	o.limit_px = PX(10005);
	cr_assert_eq(run(&o), 1);
	cr_assert_eq(d.bound_px, PX(10005));
	cr_assert_eq(d.alloc[0].limit_px, PX(10005));
	cr_assert_eq(d.alloc[0].post, 0);
	/* A limit tighter than the slippage bound (100.00 + 10 bps = 100.10)
	 * wins; a looser one does not. */
	o.max_slippage_bps = 10;
	cr_assert_eq(run(&o), 1);
	cr_assert_eq(d.bound_px, PX(10005));
	o.limit_px = PX(10050);
	cr_assert_eq(run(&o), 1);
	cr_assert_eq(d.bound_px, PX(10010));
	/* A limit at the touch is marketable. */
	o.limit_px = PX(10000);
	cr_assert_eq(run(&o), 1);
	cr_assert_eq(d.alloc[0].post, 0);
	cr_assert_eq(d.bound_px, PX(10000));

	/* Not marketable (buy 99.95 < ask 100.00): it rests at its own
	 * limit, no bound, maker fee 99.95 x 2 bps = 0.01999. */
	o.limit_px = PX(9995);
	cr_assert_eq(run(&o), 1);
	cr_assert_eq(d.alloc[0].post, 1);
	cr_assert_eq(d.alloc[0].limit_px, PX(9995));
	cr_assert_eq(d.alloc[0].exp_px, PX(9995));
	cr_assert_eq(d.alloc[0].est_fees, 1999000);
	cr_assert_eq(d.bound_px, 0);
	cr_assert_eq(d.decision, XR_D_BEST_SCORE);
	/* Below the bid too: still at its limit. */
	o.limit_px = PX(9980);
	cr_assert_eq(run(&o), 1);
	cr_assert_eq(d.alloc[0].limit_px, PX(9980));
	/* Sell 100.05 > bid 99.90: rests at 100.05 (above the ask too). */
	o.side = XR_SIDE_SELL;
	o.limit_px = PX(10005);
	cr_assert_eq(run(&o), 1);
	cr_assert_eq(d.alloc[0].post, 1);
	cr_assert_eq(d.alloc[0].limit_px, PX(10005));
	/* Sell 99.95, between the bid and the ask: rests at 99.95, not at
	 * the ask. */
	o.limit_px = PX(9995);
	cr_assert_eq(run(&o), 1);
	cr_assert_eq(d.alloc[0].post, 1);
	cr_assert_eq(d.alloc[0].limit_px, PX(9995));
}

/* ------------------------------------------------------------------ */
/* Determinism and ties. */

/* Dirty the stack between two calls, so uninitialised state shows. */
static __attribute__((noinline)) void
scribble(unsigned char c)
{
	volatile unsigned char junk[32768];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = c;
}

Test(selector, same_inputs_same_bytes)
{
	eight_venues();
	for (unsigned v = 0; v < 8; v++) {
		set_latency(v, (v * 37 % 11) * MS);
		snap.venues[v].fee_taker_cbps = (int64_t)(v % 3) * 500;
		in_flight[v] = v;
	}
	static struct xr_route_decision d1, d2;
	for (int s = 1; s < XR_STRAT_COUNT; s++) {
		struct xr_select_order o = order(XR_SIDE_BUY, (enum xr_strategy)s, QTY(4));
		xr_select_params_init(&sp, &ec);
		memset(&d1, 0, sizeof(d1));
		memset(&d2, 0, sizeof(d2));
		scribble(0x00);
		xr_select(&sp, &snap, &o, in_flight, &d1);
		scribble(0xa5);
		xr_select(&sp, &snap, &o, in_flight, &d2);
		cr_assert_eq(memcmp(&d1, &d2, sizeof(d1)), 0, "strategy %d", s);
		cr_assert_gt(d1.n_alloc, 0);
	}
}

Test(selector, ties_go_to_the_lower_venue_id)
{
	/* Venues 1, 2, 3 identical, 0 not allowed: rank 1, 2, 3. */
	eight_venues();
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_WEIGHTED_SCORE, QTY(1));
	o.allowed_mask = 0xe;

	cr_assert_eq(run(&o), 1);
	cr_assert_eq(d.n_ranked, 3);
	for (unsigned i = 0; i < 3; i++) {
		cr_assert_eq(d.ranked[i].venue, i + 1);
		cr_assert_eq(d.ranked[i].total, d.ranked[0].total);
	}
	cr_assert_eq(d.alloc[0].venue, 1);
	/* Venues 1 and 2 pay 1 bps (fees 99 points), venue 3 none: venue 3
	 * moves ahead; 1 and 2 keep their order. */
	snap.venues[1].fee_taker_cbps = snap.venues[2].fee_taker_cbps = 100;
	run(&o);
	cr_assert_eq(d.ranked[0].venue, 3);
	cr_assert_eq(d.ranked[1].venue, 1);
	cr_assert_eq(d.ranked[2].venue, 2);
	cr_assert_eq(d.alloc[0].venue, 3);
}

/* ------------------------------------------------------------------ */
/* Property test. */

static uint64_t
splitmix64(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in lo..hi (inclusive). */
static int64_t
rnd(uint64_t *s, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(splitmix64(s) % (uint64_t)(hi - lo + 1));
}

/* A random but consistent book and venue on symbol 0. */
static void
random_venue(uint64_t *s, unsigned v)
{
	struct xr_venue_metrics *vm = &snap.venues[v];
	int64_t mid = PX(10000) + rnd(s, -50, 50) * PX(1);
	int64_t half = rnd(s, 1, 20) * (XR_PX_SCALE / 1000);
	int64_t tick = rnd(s, 1, 30) * (XR_PX_SCALE / 1000);
	int64_t px[XR_BOOK_LEVELS], qty[XR_BOOK_LEVELS];

	venue_reset(v);
	vm->healthy = rnd(s, 0, 9) != 0;
	vm->circuit = (uint8_t)(rnd(s, 0, 9) == 0 ? XR_CIRCUIT_OPEN
				: rnd(s, 0, 9) == 0 ? XR_CIRCUIT_HALF_OPEN : XR_CIRCUIT_CLOSED);
	vm->latency_ewma_ns = (uint64_t)rnd(s, 0, 1500) * MS;
	vm->success_ppm = (uint32_t)rnd(s, 500000, 1000000);
	vm->uptime_ppm = (uint32_t)rnd(s, 500000, 1000000);
	vm->headroom_ppm = (uint32_t)rnd(s, 0, 1000000);
	vm->demote_ppm = (uint32_t)rnd(s, 500000, 1000000);
	xr_venue_derive(vm, 1000 * MS);
	vm->fee_taker_cbps = rnd(s, -100, 6000);
	vm->fee_maker_cbps = rnd(s, -300, 3000);
	in_flight[v] = (uint64_t)rnd(s, 0, 150);
	snap.vs[(size_t)v * NS].pair_samples = (uint32_t)rnd(s, 0, 100);
	snap.vs[(size_t)v * NS].pair_success_ppm = (uint32_t)rnd(s, 0, 1000000);
	for (int ask = 0; ask < 2; ask++) {
		unsigned n = (unsigned)rnd(s, 0, XR_BOOK_LEVELS);
		for (unsigned i = 0; i < n; i++) {
			int64_t off = half + (int64_t)i * tick;
			px[i] = ask ? mid + off : mid - off;
			/* Mostly 0.001..5, sometimes tiny (below min_slice). */
			qty[i] = rnd(s, 0, 7) == 0 ? rnd(s, 1, MQTY(10)) : rnd(s, MQTY(1), QTY(5));
		}
		book_side(v, 0, ask, n, px, qty);
	}
}

/* The depth walk level by level, as a reference for the selector's
 * cumulative arrays: levels within @p bound (0 = none) in order until the
 * order is filled and, with @p want_avail, 2x the order is seen. */
static void
ref_walk(const struct xr_book_side *bs, unsigned n, int64_t bound, int buy, int64_t qty,
	 int want_avail, int64_t arrival, int64_t *fill, int64_t *avail, xr_i128 *excess)
{
	*fill = *avail = 0;
	*excess = 0;
	for (unsigned i = 0; i < n; i++) {
		int64_t px = bs->px[i], q = bs->qty[i];
		if (bound != 0 && (buy ? px > bound : px < bound))
			break;
		*avail += q;
		if (*fill < qty) {
			int64_t t = q < qty - *fill ? q : qty - *fill;
			*fill += t;
			*excess += (xr_i128)t * (buy ? px - arrival : arrival - px);
		}
		if (*fill >= qty && (!want_avail || *avail >= 2 * qty))
			break;
	}
}

/* floor(a / b), b > 0. */
static int64_t
floor_div(xr_i128 a, int64_t b)
{
	xr_i128 q = a / b;
	return (int64_t)(q - (a % b != 0 && a < 0));
}

Test(selector, book_sides_are_cut_at_a_malformed_level_and_cumulated)
{
	/* Asks 100.00 x 1, 100.10 x 2, then 100.10 again (not behind the
	 * level before): the side ends after two levels. */
	const int64_t apx[] = { PX(10000), PX(10010), PX(10010), PX(10030) };
	const int64_t aq[] = { QTY(1), QTY(2), QTY(3), QTY(4) };
	/* Bids 99.90 x 1, 99.80 x 0 (no quantity): one level. */
	const int64_t bpx[] = { PX(9990), PX(9980) }, bq[] = { QTY(1), 0 };
	book_side(0, 0, 1, 4, apx, aq);
	book_side(0, 0, 0, 2, bpx, bq);
	const struct xr_venue_sym_metrics *m = &snap.vs[0];
	const struct xr_book_side *a = &snap.books[0].side[1], *b = &snap.books[0].side[0];

	cr_assert_eq(m->n_ask, 2);
	cr_assert_eq(m->n_bid, 1);
	cr_assert_eq(m->ask_qty, QTY(3));
	cr_assert_eq(m->bid_qty, QTY(1));
	/* cum_qty 1, 3, then 3 repeated; cum_worse 0, 2 x 0.10 = 0.20 (qty x
	 * px units), repeated. */
	cr_assert_eq(a->cum_qty[0], QTY(1));
	cr_assert_eq(a->cum_qty[1], QTY(3));
	cr_assert_eq(a->cum_qty[XR_BOOK_LEVELS - 1], QTY(3));
	cr_assert(a->cum_worse[0] == 0);
	cr_assert(a->cum_worse[1] == (xr_i128)QTY(2) * PX(10));
	cr_assert(a->cum_worse[XR_BOOK_LEVELS - 1] == (xr_i128)QTY(2) * PX(10));
	cr_assert_eq(b->cum_qty[0], QTY(1));
	cr_assert(b->cum_worse[0] == 0);
	/* A buy of 4 sees the two well-formed levels only. */
	struct xr_select_order o = order(XR_SIDE_BUY, XR_STRAT_BEST_EXECUTION, QTY(4));
	run(&o);
	cr_assert_eq(d.ranked[0].fill_qty, QTY(3));
}

Test(selector, property_invariants_on_random_snapshots)
{
	uint64_t seed = UINT64_C(0x5eed5e1ec7);
	unsigned routed = 0, split = 0, rejected_slip = 0;

	for (int iter = 0; iter < 4000; iter++) {
		snap.n_venues = (uint32_t)rnd(&seed, 1, NV);
		for (unsigned v = 0; v < snap.n_venues; v++)
			random_venue(&seed, v);
		for (int s = 1; s < XR_STRAT_COUNT; s++) {
			xr_strategy_defaults((enum xr_strategy)s, &ec.strategies[s]);
			ec.strategies[s].max_slice_ppm = (uint32_t)rnd(&seed, 1, 1000000);
			ec.strategies[s].min_slice_qty = rnd(&seed, 0, 2) == 0 ? 0
							 : rnd(&seed, 1, MQTY(100));
			ec.strategies[s].max_slippage_bps = (uint32_t)(rnd(&seed, 0, 2) == 0
									 ? rnd(&seed, 1, 100) : 0);
		}
		struct xr_select_order o = order(rnd(&seed, 0, 1) ? XR_SIDE_BUY : XR_SIDE_SELL,
						 (enum xr_strategy)rnd(&seed, 1, XR_STRAT_COUNT - 1),
						 rnd(&seed, 1, QTY(30)));
		if (rnd(&seed, 0, 3) == 0)
			o.limit_px = PX(10000) + rnd(&seed, -100, 100) * PX(1) / 2;
		if (rnd(&seed, 0, 2) == 0)
			o.max_slippage_bps = (int32_t)rnd(&seed, 1, 200);
		if (rnd(&seed, 0, 3) == 0)
			o.allowed_mask = splitmix64(&seed);
		if (rnd(&seed, 0, 3) == 0)
			o.exclude_mask = splitmix64(&seed) & splitmix64(&seed);
		const struct xr_strategy_cfg *st = &ec.strategies[o.strategy];

		unsigned n = run(&o);
		int buy = o.side == XR_SIDE_BUY;

		/* Ranking: eligible venues only, scores non-increasing, ties by
		 * venue id, distinct. */
		cr_assert_leq(d.n_ranked, snap.n_venues);
		uint64_t seen = 0;
		for (unsigned i = 0; i < d.n_ranked; i++) {
			const struct xr_venue_score *r = &d.ranked[i];
			const struct xr_venue_metrics *vm = &snap.venues[r->venue];
			cr_assert_lt(r->venue, snap.n_venues);
			cr_assert_eq((seen >> r->venue) & 1, 0, "iter %d: venue ranked twice", iter);
			seen |= UINT64_C(1) << r->venue;
			cr_assert(((o.allowed_mask & ~o.exclude_mask) >> r->venue) & 1);
			cr_assert(vm->healthy && vm->circuit != XR_CIRCUIT_OPEN);
			cr_assert(vm->health_ppm >= st->min_health_ppm ||
				  vm->circuit == XR_CIRCUIT_HALF_OPEN);
			cr_assert_geq(r->total, 0);
			cr_assert_leq(r->total, XR_SCORE_MAX);
			/* Its factors, explained, in range and giving the total. */
			(void)fac(&o, r);
			cr_assert_leq(r->fill_qty, o.qty);
			cr_assert_leq(r->fill_qty, r->avail_qty);
			/* The cumulative-array walk equals the level-by-level
			 * walk: fill, visible quantity, expected price. */
			{
				const struct xr_venue_sym_metrics *vs = &snap.vs[(size_t)r->venue * NS];
				const struct xr_book_side *bs =
					&snap.books[(size_t)r->venue * NS].side[buy ? 1 : 0];
				unsigned nl = buy ? vs->n_ask : vs->n_bid;
				if (st->pricing == XR_PRICING_TOUCH && nl > 1)
					nl = 1;
				int64_t fill, avail;
				xr_i128 excess;
				ref_walk(bs, nl, d.bound_px, buy, o.qty, st->w[XR_F_LIQUIDITY] != 0,
					 d.arrival_px, &fill, &avail, &excess);
				cr_assert_eq(r->fill_qty, fill, "iter %d venue %u", iter, r->venue);
				cr_assert_eq(r->avail_qty, avail, "iter %d venue %u", iter, r->venue);
				if (fill > 0 && (st->w[XR_F_PRICE] || st->w[XR_F_COST]))
					cr_assert_eq(r->exp_px,
						     d.arrival_px + floor_div(buy ? excess : -excess, fill),
						     "iter %d venue %u", iter, r->venue);
			}
			if (i > 0) {
				cr_assert_leq(r->total, d.ranked[i - 1].total, "iter %d rank %u", iter, i);
				if (r->total == d.ranked[i - 1].total)
					cr_assert_gt(r->venue, d.ranked[i - 1].venue);
			}
		}
		cr_assert_leq(d.confidence_ppm, 1000000, "iter %d", iter);
		if (n == 0) {
			cr_assert(d.reason == XR_R_NO_VENUE || d.reason == XR_R_MAX_SLIPPAGE);
			cr_assert_eq(d.decision, d.reason == XR_R_NO_VENUE ? XR_D_NO_VENUE
									 : XR_D_MAX_SLIPPAGE);
			/* Nothing ranked is always no_venue; a ranked venue may
			 * still be unusable for a post (no near touch). */
			if (d.n_ranked == 0)
				cr_assert_eq(d.reason, XR_R_NO_VENUE);
			rejected_slip += d.reason == XR_R_MAX_SLIPPAGE;
			if (d.reason == XR_R_MAX_SLIPPAGE) {
				/* Rejected for the bound: the visible depth within it
				 * over the venues a split may use is short. */
				int64_t vis = 0;
				unsigned k = d.n_ranked < XR_MAX_SPLIT ? d.n_ranked : XR_MAX_SPLIT;
				if (st->split == XR_SPLIT_NEEDED || st->split == XR_SPLIT_ALWAYS) {
					for (unsigned i = 0; i < k; i++)
						vis += d.ranked[i].avail_qty;
					/* min_slice_qty may drop a contributing venue. */
					if (st->min_slice_qty == 0)
						cr_assert_lt(vis, o.qty, "iter %d", iter);
				}
			}
			continue;
		}
		routed++;
		split += n > 1;

		/* Allocation: 1..XR_MAX_SPLIT distinct ranked venues, each > 0,
		 * summing to the order, largest first. */
		cr_assert_leq(n, XR_MAX_SPLIT);
		int64_t sum = 0, max_q = 0;
		uint64_t used = 0;
		for (unsigned i = 0; i < n; i++) {
			const struct xr_alloc *a = &d.alloc[i];
			cr_assert_gt(a->qty, 0, "iter %d alloc %u", iter, i);
			cr_assert_eq((used >> a->venue) & 1, 0, "iter %d: venue twice", iter);
			cr_assert((seen >> a->venue) & 1, "iter %d: unranked venue", iter);
			used |= UINT64_C(1) << a->venue;
			if (i > 0)
				cr_assert_leq(a->qty, d.alloc[i - 1].qty);
			if (a->qty > max_q)
				max_q = a->qty;
			sum += a->qty;
			if (d.bound_px != 0 && !a->post) {
				/* Within the bound: the child limit and the estimate. */
				cr_assert_neq(a->limit_px, 0);
				if (buy) {
					cr_assert_leq(a->limit_px, d.bound_px);
					cr_assert_leq(a->exp_px, d.bound_px);
				} else {
					cr_assert_geq(a->limit_px, d.bound_px);
					cr_assert_geq(a->exp_px, d.bound_px);
				}
			}
			if (o.limit_px != 0 && a->limit_px != 0)
				cr_assert(buy ? a->limit_px <= o.limit_px : a->limit_px >= o.limit_px,
					  "iter %d: child through the order's limit", iter);
		}
		cr_assert_eq(sum, o.qty, "iter %d: allocated %ld of %ld", iter, (long)sum,
			     (long)o.qty);
		cr_assert(n == 1 || d.decision == XR_D_SPLIT_DEPTH ||
			  d.decision == XR_D_SPLIT_SPREAD, "iter %d", iter);
		if (n == 1)
			cr_assert_eq(d.decision, XR_D_BEST_SCORE);

		/* Caps: no allocation above max(ceil(qty x max_slice_ratio),
		 * ceil(qty / venues used)) unless it is the single venue, or
		 * the cap had to give because venues ran out of visible depth
		 * (then some allocated venue took all it shows within the
		 * bound, or the top one took the rest beyond the books). */
		int64_t cap = (int64_t)(((xr_i128)o.qty * st->max_slice_ppm + 999999) / 1000000);
		int64_t even = o.qty / n + (o.qty % n != 0);
		if (even > cap)
			cap = even;
		if (d.alloc[0].post && st->split == XR_SPLIT_ALWAYS && cap < st->min_slice_qty)
			cap = st->min_slice_qty < o.qty ? st->min_slice_qty : o.qty;
		/* A post skips a venue with no near touch; the top venue then
		 * takes what the caps left over. */
		int skipped = 0;
		for (unsigned i = 0; d.alloc[0].post && i < d.n_ranked && i < XR_MAX_SPLIT; i++) {
			const struct xr_venue_sym_metrics *m = &snap.vs[(size_t)d.ranked[i].venue * NS];
			if ((buy ? m->bid_px : m->ask_px) <= 0 && o.limit_px == 0)
				skipped = 1;
		}
		if (n > 1 && max_q > cap && !skipped) {
			int full = 0;
			for (unsigned i = 0; i < n; i++) {
				const struct xr_venue_score *r = ranked_of(d.alloc[i].venue);
				/* All it shows, but for the rounding of raised caps
				 * (ceil of the rest over < XR_MAX_SPLIT venues). */
				if (d.alloc[i].qty + XR_MAX_SPLIT >= r->avail_qty)
					full = 1;
			}
			cr_assert(full, "iter %d: %ld above cap %ld with depth to spare", iter,
				  (long)max_q, (long)cap);
		}
	}
	/* The generator reaches every kind of outcome. */
	cr_assert_gt(routed, 1000);
	cr_assert_gt(split, 200);
	cr_assert_gt(rejected_slip, 20);
}
