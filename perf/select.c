/*
 * select: the venue selector's decision latency, xr_select() whole
 * (eligibility, the arrival price and slippage bound, every eligible
 * venue's factor scores with its depth walk, the ranking, and the
 * allocation: one venue, a greedy split, or resting children), per
 * strategy, for 2, 8, 16 and 64 venues, on one pinned thread. The issue's
 * target: p99 <= 1 us at 16 venues with splitting, 0 allocations.
 *
 * SNAPSHOT (seeded, the same for every strategy of a venue count)
 *   8 symbols, each with a mid price, a tick (0.3..1 bps of the mid) and a
 *   typical level size (about 25k of notional). Per venue: latency EWMA
 *   10..500 us (slow EWMA, mean and percentiles around it), success
 *   90..100 %, uptime 95..100 %, health and latency scores from
 *   xr_venue_derive(),
 *   demote_ppm from xr_demote_ppm() with the default thresholds (10^6
 *   except one venue in 8, whose error rate is rising), taker fee 0..5 bps,
 *   maker 0..3 bps, rate-limit headroom (10^6 for 3 venues in 4), a depth
 *   multiplier 0.2..2 (thin and deep venues), and one venue in 16 down
 *   (circuit open). Per (venue, symbol): a full XR_BOOK_LEVELS-level book
 *   on each side, best bid 0..2 ticks under the mid and best ask 1..3 ticks
 *   over it (never crossed between venues), levels 1..3 ticks apart,
 *   quantities 0.2..2.5 x the level size x the venue's multiplier; the
 *   summary fields as the aggregate stage derives them (touch = level 0,
 *   bid_qty/ask_qty = sums, n_bid/n_ask, depth within depth_bps = 10 of
 *   the venue's mid); ref_px the mid of the best bid and ask of venues up.
 *
 * ORDERS (4096, pre-drawn, cycled, so the drawing is not timed)
 *   Symbol and side uniform; quantity 0.05..1.5 level sizes (35 %),
 *   1.5..8 (30 %), 8..60 (35 %, more than most venues show); 30 % with
 *   max_slippage_bps 2..25; 25 % limit orders, -3..12 ticks through the
 *   mid (at or behind the touch: they rest); one in 8 has one venue
 *   excluded (a re-route). Every user may use every venue.
 *
 * STRATEGIES
 *   weighted_score (the old default: one venue, two_x_depth),
 *   best_execution (splits when the best venue cannot fill within the
 *   bound) and best_liquidity (always splits) at every venue count; the
 *   other strategies at 16 venues only, to keep the run short. Settings
 *   are xr_strategy_defaults(); the [engine] scales are the defaults.
 *   Within a round every strategy of a venue count runs in turn over the
 *   same orders (A B C A B C ...), so machine noise falls on all alike.
 *   --strategy and --venues keep one strategy or one venue count (for a
 *   profiler); a strategy run at 16 venues only is then run at 16 only.
 *
 * FIGURES
 *   Each decision is timed alone with the TSC (xr_perf_ticks(); the
 *   timer's own cost, measured the same way around nothing, is reported as
 *   timer_ns and not subtracted). The extras p50/p99/p99.9/worst are over
 *   all decisions of a round; the result's median/min/max are of the
 *   per-round p99.
 *   Results are named select.<strategy>.<N>v.p99 (ns); select.16v.p99 is
 *   a copy of select.best_execution.16v.p99 for older consumers. Extras:
 *   split_share (decisions with n_alloc > 1), reject_share (n_alloc == 0),
 *   eligible_per_decision (mean n_ranked), venues_per_routed (mean n_alloc
 *   of the routed ones), and alloc_bytes_per_decision: jemalloc's
 *   thread.allocatedp across all decisions (0 means no allocation at all).
 *   Every decision's allocation is checked after its timing (quantities
 *   sum to the order's, venues distinct) or the subcommand fails.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "perf_pvt.h"
#include "xr_selector.h"
#include "xr_alloc_probe.h"

#define XR__SYMBOLS 8
#define XR__ORDERS 4096
/* [engine] defaults (docs/config.md) the snapshot is derived with. */
#define XR__DEPTH_BPS 10
#define XR__LAT_THRESHOLD_NS UINT64_C(5000000)
#define XR__ERR_THRESHOLD_PPM 50000
#define XR__DEMOTE_START_PPM 500000
#define XR__DEMOTE_MAX_PPM 500000

/* One symbol of the snapshot: mid and tick (px scale), level size (qty). */
struct xr__sym {
	int64_t mid_px, tick_px, lot_qty;
};

#define XR__PX(units, frac) ((int64_t)(units) * XR_PX_SCALE + (int64_t)(frac))
static const struct xr__sym xr__syms[XR__SYMBOLS] = {
	{XR__PX(65000, 0), XR__PX(2, 50000000), XR_QTY_SCALE * 4 / 10}, /* 0.38 bps tick */
	{XR__PX(3400, 0), XR__PX(0, 10000000), XR_QTY_SCALE * 8},	/* 0.29 */
	{XR__PX(150, 0), XR__PX(0, 1000000), XR_QTY_SCALE * 150},	/* 0.67 */
	{XR__PX(0, 55000000), XR__PX(0, 5000), XR_QTY_SCALE * 50000},	/* 0.91 */
	{XR__PX(25, 0), XR__PX(0, 100000), XR_QTY_SCALE * 1000},	/* 0.40 */
	{XR__PX(600, 0), XR__PX(0, 5000000), XR_QTY_SCALE * 40},	/* 0.83 */
	{XR__PX(7, 50000000), XR__PX(0, 50000), XR_QTY_SCALE * 3000},	/* 0.67 */
	{XR__PX(1, 2000000), XR__PX(0, 10000), XR_QTY_SCALE * 25000},	/* 0.98 */
};

/* Strategies run at every venue count, then those run at 16 only. */
static const uint8_t xr__strat_all[] = {
	XR_STRAT_WEIGHTED_SCORE, XR_STRAT_BEST_EXECUTION, XR_STRAT_BEST_LIQUIDITY,
};
static const uint8_t xr__strat_16[] = {
	XR_STRAT_LOWEST_LATENCY, XR_STRAT_COST_OPTIMIZATION, XR_STRAT_AGGRESSIVE,
	XR_STRAT_PASSIVE, XR_STRAT_BALANCED, XR_STRAT_STEALTH,
};
#define XR__N_ALL (sizeof(xr__strat_all) / sizeof(xr__strat_all[0]))
#define XR__N_16 (sizeof(xr__strat_16) / sizeof(xr__strat_16[0]))
#define XR__MAX_STRATS (XR__N_ALL + XR__N_16)
#define XR__MAX_ROUNDS 64

static uint64_t
xr__rand(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in lo..hi (inclusive). */
static uint64_t
xr__range(uint64_t *s, uint64_t lo, uint64_t hi)
{
	return lo + xr__rand(s) % (hi - lo + 1);
}

/* q x ppm / 10^6 for the qty sizes used here (no overflow below 9e18 / 1e7). */
static int64_t
xr__scale(int64_t q, uint64_t ppm)
{
	int64_t r = (int64_t)((xr_i128)q * (xr_i128)ppm / 1000000);
	return r > 0 ? r : 1;
}

static int
xr__cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static void
xr__snapshot_free(struct xr_snapshot *s)
{
	free(s->ref_px);
	free(s->venues);
	free(s->vs);
	free(s->books);
}

/* Fill one venue's book for symbol @p sy and its summary fields; @p depth_ppm
 * scales the venue's level quantities. */
static void
xr__book(struct xr_book *b, struct xr_venue_sym_metrics *vs, const struct xr__sym *sy,
	 uint64_t depth_ppm, uint64_t *seed)
{
	int64_t px[2] = {
		sy->mid_px - sy->tick_px * (int64_t)xr__range(seed, 0, 2),	   /* bid */
		sy->mid_px + sy->tick_px * (int64_t)xr__range(seed, 1, 3),	   /* ask */
	};
	for (int s = 0; s < 2; s++) {
		struct xr_book_side *bs = &b->side[s];
		for (unsigned i = 0; i < XR_BOOK_LEVELS; i++) {
			if (i > 0) {
				int64_t step = sy->tick_px * (int64_t)xr__range(seed, 1, 3);
				px[s] += s == 0 ? -step : step;
			}
			bs->px[i] = px[s];
			bs->qty[i] = xr__scale(xr__scale(sy->lot_qty, depth_ppm),
					       xr__range(seed, 200000, 2500000));
		}
	}
	/* Touch, depth and half spread as the snapshot writer derives them. */
	xr_pair_derive(vs, b, XR_BOOK_LEVELS, XR_BOOK_LEVELS, XR__DEPTH_BPS);
	vs->pair_samples = (uint32_t)xr__range(seed, 0, 100);
	vs->pair_success_ppm = vs->pair_samples ? (uint32_t)xr__range(seed, 850000, 1000000) : 0;
}

/*
 * Build a snapshot of @p nv venues (see the file comment).
 * @return 0 or -ENOMEM (free with xr__snapshot_free() either way).
 */
static int
xr__snapshot(struct xr_snapshot *s, const struct xr_select_params *sp, unsigned nv,
	     const uint64_t *in_flight, uint64_t *seed)
{
	size_t npair = (size_t)nv * XR__SYMBOLS;

	memset(s, 0, sizeof(*s));
	s->seq = 1;
	s->n_venues = nv;
	s->n_symbols = XR__SYMBOLS;
	s->ref_px = calloc(XR__SYMBOLS, sizeof(*s->ref_px));
	s->venues = calloc(nv, sizeof(*s->venues));
	s->vs = calloc(npair, sizeof(*s->vs));
	s->books = calloc(npair, sizeof(*s->books));
	if (s->ref_px == NULL || s->venues == NULL || s->vs == NULL || s->books == NULL)
		return -ENOMEM;
	for (unsigned v = 0; v < nv; v++) {
		struct xr_venue_metrics *m = &s->venues[v];
		uint64_t lat = xr__range(seed, 10000, 500000);
		m->latency_ewma_ns = lat;
		m->latency_slow_ns = lat * xr__range(seed, 900, 1100) / 1000;
		m->latency_avg_ns = lat * xr__range(seed, 950, 1050) / 1000;
		m->latency_p50_ns = lat * 9 / 10;
		m->latency_p95_ns = lat * 18 / 10;
		m->latency_p99_ns = lat * 25 / 10;
		m->completed = xr__range(seed, 1000, 10000000);
		m->samples = 100;
		m->success_ppm = (uint32_t)xr__range(seed, 900000, 1000000);
		m->reject_ppm = (1000000 - m->success_ppm) * 7 / 10;
		m->timeout_ppm = 1000000 - m->success_ppm - m->reject_ppm;
		if (v % 8 == 5) {
			/* Rising errors: projected 2 fast - slow = 2.8..5.6 % against
			 * the 5 % threshold, so demote_ppm lands in 0.5..0.94 x 10^6. */
			m->error_weight_ppm = (uint32_t)xr__range(seed, 22000, 32000);
			m->error_slow_ppm = (uint32_t)xr__range(seed, 8000, 16000);
		} else {
			m->error_weight_ppm = (1000000 - m->success_ppm) / 5;
			m->error_slow_ppm = m->error_weight_ppm;
		}
		m->uptime_ppm = (uint32_t)xr__range(seed, 950000, 1000000);
		m->headroom_ppm = v % 4 == 3 ? (uint32_t)xr__range(seed, 200000, 1000000) : 1000000;
		m->queue_depth = (uint32_t)in_flight[v];
		xr_venue_derive(m, sp->latency_zero_ns); /* as the snapshot writer does */
		m->demote_ppm = xr_demote_ppm(lat, m->latency_slow_ns, XR__LAT_THRESHOLD_NS,
					      m->error_weight_ppm, m->error_slow_ppm,
					      XR__ERR_THRESHOLD_PPM, XR__DEMOTE_START_PPM,
					      XR__DEMOTE_MAX_PPM);
		m->network_distance_us = (uint32_t)(lat / 2000);
		m->fee_taker_cbps = (int64_t)xr__range(seed, 0, 500);
		m->fee_maker_cbps = (int64_t)xr__range(seed, 0, 300);
		m->healthy = (v % 16) != 15;
		m->circuit = m->healthy ? XR_CIRCUIT_CLOSED : XR_CIRCUIT_OPEN;
		uint64_t depth_ppm = xr__range(seed, 200000, 2000000);
		for (unsigned y = 0; y < XR__SYMBOLS; y++) {
			size_t k = (size_t)v * XR__SYMBOLS + y;
			xr__book(&s->books[k], &s->vs[k], &xr__syms[y], depth_ppm, seed);
		}
	}
	for (unsigned y = 0; y < XR__SYMBOLS; y++) {
		int64_t bid = 0, ask = 0;
		for (unsigned v = 0; v < nv; v++) {
			const struct xr_venue_sym_metrics *vs = &s->vs[(size_t)v * XR__SYMBOLS + y];
			if (!s->venues[v].healthy)
				continue;
			if (vs->bid_px > bid)
				bid = vs->bid_px;
			if (ask == 0 || vs->ask_px < ask)
				ask = vs->ask_px;
		}
		s->ref_px[y] = bid && ask ? bid + (ask - bid) / 2 : 0;
	}
	return 0;
}

/*
 * Draw the orders (see the file comment); @p exclude_at receives a venue
 * draw per order (UINT8_MAX: none), reduced modulo the venue count later.
 */
static void
xr__orders(struct xr_select_order *od, uint8_t *exclude_at, uint64_t *seed)
{
	for (unsigned i = 0; i < XR__ORDERS; i++) {
		struct xr_select_order *o = &od[i];
		memset(o, 0, sizeof(*o));
		o->symbol = (uint16_t)xr__range(seed, 0, XR__SYMBOLS - 1);
		o->side = xr__rand(seed) % 2 ? XR_SIDE_BUY : XR_SIDE_SELL;
		const struct xr__sym *sy = &xr__syms[o->symbol];
		uint64_t cls = xr__range(seed, 0, 99);
		uint64_t ppm = cls < 35	  ? xr__range(seed, 50000, 1500000)
			       : cls < 65 ? xr__range(seed, 1500000, 8000000)
					  : xr__range(seed, 8000000, 60000000);
		o->qty = xr__scale(sy->lot_qty, ppm);
		if (xr__range(seed, 0, 99) < 30)
			o->max_slippage_bps = (int32_t)xr__range(seed, 2, 25);
		if (xr__range(seed, 0, 99) < 25) {
			int64_t ticks = (int64_t)xr__range(seed, 0, 15) - 3;
			o->limit_px = o->side == XR_SIDE_BUY ? sy->mid_px + ticks * sy->tick_px
							     : sy->mid_px - ticks * sy->tick_px;
		}
		exclude_at[i] = xr__range(seed, 0, 7) == 0 ? (uint8_t)xr__range(seed, 0, 63)
							   : UINT8_MAX;
	}
}

/* @return 0 if @p d is a consistent answer to @p o, else -EINVAL (printed). */
static int
xr__check(const struct xr_select_order *o, const struct xr_route_decision *d, const char *sname,
	  unsigned nv)
{
	int64_t sum = 0;
	uint64_t seen = 0;

	for (unsigned i = 0; i < d->n_alloc; i++) {
		uint64_t bit = d->alloc[i].venue < nv ? UINT64_C(1) << d->alloc[i].venue : 0;
		if (d->alloc[i].qty <= 0 || bit == 0 || (seen & bit)) {
			fprintf(stderr, "xroute-perf select: %s, %u venues: allocation %u (venue %u, "
				"qty %lld) is empty, repeated or out of range\n", sname, nv, i,
				d->alloc[i].venue, (long long)d->alloc[i].qty);
			return -EINVAL;
		}
		seen |= bit;
		sum += d->alloc[i].qty;
	}
	if (d->n_alloc > 0 && sum != o->qty) {
		fprintf(stderr, "xroute-perf select: %s, %u venues: allocation sums to %lld, "
			"order qty %lld\n", sname, nv, (long long)sum, (long long)o->qty);
		return -EINVAL;
	}
	return 0;
}

/* Per-round figures of one strategy at one venue count. */
struct xr__fig {
	uint8_t strategy;
	double p50[XR__MAX_ROUNDS], p99[XR__MAX_ROUNDS], p999[XR__MAX_ROUNDS];
	double maxv[XR__MAX_ROUNDS];
	uint64_t decisions, split, reject, ranked, routed_allocs;
	double alloc_bytes;
};

int
xr_perf_select(const struct xr_perf_opts *o)
{
	static const unsigned venue_counts[] = {2, 8, 16, 64};
	unsigned rounds = o->rounds ? o->rounds : (o->quick ? 3 : 7);
	uint64_t n = o->quick ? 100000 : 1000000;
	uint32_t *t = malloc(n * sizeof(*t));
	struct xr_select_order *orders = malloc(XR__ORDERS * sizeof(*orders));
	uint8_t *exclude_at = malloc(XR__ORDERS);
	struct xr_route_decision *d = malloc(sizeof(*d));
	struct xr_engine_cfg ec = {
		.latency_zero_score_us = 1000000, .load_full_queue = 100,
		.price_zero_bps = 100, .cost_zero_bps = 100,
	};
	struct xr_select_params sp;
	struct xr__fig fig[XR__MAX_STRATS], sorted;
	uint64_t in_flight[XR_MAX_VENUES];
	int rc = 0;

	if (t == NULL || orders == NULL || exclude_at == NULL || d == NULL) {
		fprintf(stderr, "xroute-perf select: out of memory\n");
		rc = 1;
		goto out;
	}
	char title[96];
	if (xr_perf_pin_self(o->cpu_a) != 0) {
		fprintf(stderr, "xroute-perf select: cannot pin to cpu %d; running unpinned\n",
			o->cpu_a);
		snprintf(title, sizeof(title), "select: venue selector decision latency per "
			 "strategy (one unpinned thread)");
	} else {
		snprintf(title, sizeof(title), "select: venue selector decision latency per "
			 "strategy (one thread on cpu %d)", o->cpu_a);
	}
	for (int s = XR_STRAT_DEFAULT + 1; s < XR_STRAT_COUNT; s++)
		xr_strategy_defaults((enum xr_strategy)s, &ec.strategies[s]);
	xr_select_params_init(&sp, &ec);
	double tpn = xr_perf_ticks_per_ns();
	const uint64_t *allocated = xr_alloc_probe_thread();
	uint64_t seed = 42;
	xr__orders(orders, exclude_at, &seed);

	/* The timer around nothing: its cost is in every sample below. */
	for (uint64_t i = 0; i < n; i++) {
		uint64_t a = xr_perf_ticks();
		t[i] = (uint32_t)(xr_perf_ticks() - a);
	}
	qsort(t, n, sizeof(*t), xr__cmp_u32);
	double timer_ns = t[n / 2] / tpn;

	xr_perf_header(title);
	for (size_t k = 0; k < sizeof(venue_counts) / sizeof(venue_counts[0]) && rc == 0; k++) {
		unsigned nv = venue_counts[k];
		unsigned ns = 0;
		struct xr_snapshot snap;

		if (o->venues != 0 && o->venues != nv)
			continue;
		memset(fig, 0, sizeof(fig));
		for (unsigned j = 0; j < XR__N_ALL + (nv == 16 ? XR__N_16 : 0); j++) {
			uint8_t s = j < XR__N_ALL ? xr__strat_all[j] : xr__strat_16[j - XR__N_ALL];
			if (o->strategy == 0 || o->strategy == s)
				fig[ns++].strategy = s;
		}
		if (ns == 0)
			continue;

		seed = 1000 + nv;
		for (unsigned v = 0; v < nv; v++)
			in_flight[v] = xr__range(&seed, 0, 60);
		if (xr__snapshot(&snap, &sp, nv, in_flight, &seed) != 0) {
			fprintf(stderr, "xroute-perf select: out of memory\n");
			xr__snapshot_free(&snap);
			rc = 1;
			break;
		}
		for (unsigned i = 0; i < XR__ORDERS; i++) {
			orders[i].allowed_mask = nv == 64 ? ~UINT64_C(0) : (UINT64_C(1) << nv) - 1;
			orders[i].exclude_mask = exclude_at[i] == UINT8_MAX
							 ? 0 : UINT64_C(1) << (exclude_at[i] % nv);
		}
		for (unsigned r = 0; r < rounds && rc == 0; r++) {
			for (unsigned j = 0; j < ns && rc == 0; j++) {
				struct xr__fig *f = &fig[j];
				const char *sname = xr_strategy_name((enum xr_strategy)f->strategy);
				uint64_t a0 = allocated ? *allocated : 0;
				for (unsigned i = 0; i < XR__ORDERS; i++)
					orders[i].strategy = f->strategy;
				for (uint64_t i = 0; i < n; i++) {
					const struct xr_select_order *od = &orders[i % XR__ORDERS];
					uint64_t a = xr_perf_ticks();
					unsigned got = xr_select(&sp, &snap, od, in_flight, d);
					uint64_t b = xr_perf_ticks();
					t[i] = (uint32_t)(b - a);
					f->split += got > 1;
					f->reject += got == 0;
					f->routed_allocs += got;
					f->ranked += d->n_ranked;
					if (xr__check(od, d, sname, nv) != 0) {
						rc = 1;
						break;
					}
				}
				f->alloc_bytes += allocated ? (double)(*allocated - a0) : 0;
				f->decisions += n;
				qsort(t, n, sizeof(*t), xr__cmp_u32);
				f->p50[r] = t[n / 2] / tpn;
				f->p99[r] = t[n * 99 / 100] / tpn;
				f->p999[r] = t[n * 999 / 1000] / tpn;
				f->maxv[r] = t[n - 1] / tpn;
			}
		}
		for (unsigned j = 0; j < ns && rc == 0; j++) {
			struct xr__fig *f = &fig[j];
			char name[64];
			struct xr_perf_result res;
			double dn = (double)f->decisions;
			snprintf(name, sizeof(name), "select.%s.%uv.p99",
				 xr_strategy_name((enum xr_strategy)f->strategy), nv);
			/* Emitted twice at 16 venues for best_execution: its own name
			 * and select.16v.p99, the name of the pre-strategy harness. */
			for (int copy = 0; copy < 1 + (nv == 16 &&
						       f->strategy == XR_STRAT_BEST_EXECUTION); copy++) {
				sorted = *f; /* xr_perf_median() sorts in place */
				xr_perf_result_init(&res, copy ? "select.16v.p99" : name, "ns");
				xr_perf_result_stats(&res, sorted.p99, rounds);
				xr_perf_result_extra(&res, "venues", nv);
				xr_perf_result_extra(&res, "p50", xr_perf_median(sorted.p50, rounds));
				xr_perf_result_extra(&res, "p99", res.median);
				xr_perf_result_extra(&res, "p999", xr_perf_median(sorted.p999, rounds));
				/* "worst", not "max": the result has its own max
				 * (of the per-round p99), and JSON keys must be
				 * unique. */
				xr_perf_result_extra(&res, "worst", xr_perf_median(sorted.maxv, rounds));
				xr_perf_result_extra(&res, "decisions", (double)n);
				xr_perf_result_extra(&res, "timer_ns", timer_ns);
				xr_perf_result_extra(&res, "alloc_bytes_per_decision",
						     allocated ? f->alloc_bytes / dn : -1);
				xr_perf_result_extra(&res, "split_share", (double)f->split / dn);
				xr_perf_result_extra(&res, "reject_share", (double)f->reject / dn);
				xr_perf_result_extra(&res, "eligible_per_decision",
						     (double)f->ranked / dn);
				xr_perf_result_extra(&res, "venues_per_routed",
						     f->decisions > f->reject
							     ? (double)f->routed_allocs /
								       (double)(f->decisions - f->reject)
							     : 0);
				if (xr_perf_emit(o, &res))
					rc = 1;
			}
		}
		xr__snapshot_free(&snap);
	}
out:
	free(d);
	free(exclude_at);
	free(orders);
	free(t);
	return rc;
}
