/*
 * The venue selector: a pure function of (snapshot, parameters, order) to a
 * decision. No allocation, no locks, no floating point, no cache; callable
 * from any registered RCU reader thread; deterministic for the same inputs.
 * docs/routing.md has every formula with its source and a worked example.
 *
 * STEPS
 *   1. Eligibility: the user may trade the venue, it is not excluded
 *      (already tried), its connector is up and its circuit not open, it
 *      quotes the side the order takes, its health score is at least the
 *      strategy's min_health, and (two_x_depth) it shows 2x the quantity.
 *      The arrival price is the best far touch over eligible venues.
 *   2. Bound: the worst acceptable price, arrival +/- max_slippage_bps
 *      (the signal's, else the strategy's; none if both are 0), and never
 *      through the order's own limit.
 *   3. Factors (enum xr_factor), each 0..100 points held as points * 10^4
 *      (0..XR_SCORE_MAX), from the venue's depth walk for the whole
 *      quantity and its metrics; total = sum(weight * factor), then times
 *      the venue's predictive demotion. Ranked best first, ties by id.
 *   4. Allocation: one venue, or a split across venues by greedy marginal
 *      cost (xr__split in selector.c): the next unit always goes to the
 *      cheapest fee-adjusted level left within the bound on a venue below
 *      its cap. For these separable convex costs with a sum constraint and
 *      per-venue caps greedy is optimal; min_slice_qty (dropping venues
 *      below it and re-running) makes it a heuristic.
 *
 * SCORE UNITS
 *   A factor of 100 points is XR_SCORE_MAX = 10^6, so success rates in ppm
 *   are already factor values. Weights are XR_WEIGHT_ONE (10^4) scale.
 */
#ifndef XR_SELECTOR_H
#define XR_SELECTOR_H

#include <stdint.h>

#include "xr_snapshot.h"
#include "xr_config.h"
#include "xr_types.h"

/** One score point in score units: a factor spans 0..100 points. */
#define XR_SCORE_POINT 10000
/** Full score (100 points). */
#define XR_SCORE_MAX (100 * XR_SCORE_POINT)
/** Most venues one parent is split across (children on distinct venues). */
#define XR_MAX_SPLIT XR_MAX_ALLOC

/** Selector parameters: the strategies and the factor scales. */
struct xr_select_params {
	struct xr_strategy_cfg strat[XR_STRAT_COUNT]; /* [0] unused */
	uint64_t latency_zero_ns;  /* latency with latency score 0 (ns), > 0 */
	uint32_t load_full_queue;  /* children in flight with load score 0, > 0 */
	uint32_t price_zero_bps;   /* expected slippage with price score 0, > 0 */
	uint32_t cost_zero_bps;	   /* total cost with cost score 0, > 0 */
	uint32_t price_k, cost_k;  /* XR_SCORE_POINT / zero_bps when exact (a
				    * multiply instead of a divide), else 0 */
	uint32_t load_k;	   /* XR_SCORE_MAX / load_full_queue when exact,
				    * else 0 (the same) */
	uint32_t fmask[XR_STRAT_COUNT]; /* bit f set: strategy weights factor f */
};

/**
 * Fill @p sp from the engine config (strategies and scales; zero scales
 * become 1). Thread: any (control path).
 */
void xr_select_params_init(struct xr_select_params *sp, const struct xr_engine_cfg *ec);

/** An order as the selector sees it. */
struct xr_select_order {
	uint16_t symbol;
	uint8_t side;		   /* enum xr_side */
	uint8_t strategy;	   /* enum xr_strategy, resolved (not DEFAULT) */
	int64_t qty;		   /* quantity to place (qty scale), > 0 */
	int64_t limit_px;	   /* the order's limit (px scale); 0 = market */
	int32_t max_slippage_bps;  /* the signal's bound; 0 = strategy default */
	uint64_t allowed_mask;	   /* venues the user may use */
	uint64_t exclude_mask;	   /* venues already tried */
};

/** One eligible venue's evaluation for the whole order quantity. */
struct xr_venue_score {
	int64_t total;		   /* weighted, demoted (score units) */
	int64_t fill_qty;	   /* visible qty within the bound, <= order qty */
	int64_t avail_qty;	   /* visible qty within the bound, counted until
				    * it reaches 2x the order when liquidity is
				    * scored (the factor saturates there), else
				    * until the order is filled */
	int64_t exp_px;		   /* expected average price of fill_qty (px);
				    * 0 if nothing fills, or if the strategy
				    * scores neither price nor cost (then only
				    * the chosen venue's is computed) */
	int32_t slip_cbps;	   /* exp_px vs arrival, centi-bps (>= 0 is worse) */
	int32_t cost_cbps;	   /* fee + half spread + slippage, centi-bps;
				    * 0 unless cost is weighted */
	uint8_t venue;
	uint8_t pad_[7];	   /* explicit: the record is copied whole; 48 bytes,
				    * the factor scores are left to
				    * xr_select_factors() so ranking copies less */
};

/** One venue's part of a decision. */
struct xr_alloc {
	uint8_t venue;
	int64_t qty;	   /* qty scale, > 0 */
	int64_t limit_px;  /* child limit (px); 0 = market */
	int64_t exp_px;	   /* expected average price (px); the limit if resting */
	int64_t est_fees;  /* expected fees (cash) */
	uint8_t post;	   /* 1: rests at the near touch (maker), DAY */
};

/** The selector's answer. */
struct xr_route_decision {
	uint8_t decision;	   /* enum xr_decision */
	uint16_t reason;	   /* enum xr_reason when n_alloc == 0 */
	uint8_t n_ranked;	   /* eligible venues, ranked */
	uint8_t n_alloc;	   /* 0 = rejected */
	struct xr_alloc alloc[XR_MAX_SPLIT]; /* largest first */
	int64_t arrival_px;	   /* best far touch over eligible venues (px) */
	int64_t bound_px;	   /* worst acceptable price; 0 = none */
	int64_t exp_px;		   /* expected average price over the allocation */
	int32_t exp_slip_cbps;	   /* exp_px vs arrival_px, centi-bps */
	int64_t est_fees;	   /* sum of the allocation's (cash) */
	uint32_t confidence_ppm;   /* docs/routing.md "Confidence" */
	struct xr_venue_score ranked[XR_MAX_VENUES]; /* best first; ties by id */
};

/**
 * Decide where and how @p o goes; the steps are in the file comment.
 *
 * @param snap       current snapshot (n_venues, n_symbols > o->symbol).
 * @param in_flight  per venue, children sent and not yet ended (n_venues).
 * @param d          the decision; d->n_alloc == 0 means rejected with
 *                   d->reason XR_R_NO_VENUE or XR_R_MAX_SLIPPAGE.
 * @return d->n_alloc.
 * Thread: any registered RCU reader holding @p snap. Pure; no allocation,
 * no syscall; O(venues x book levels).
 */
unsigned xr_select(const struct xr_select_params *sp, const struct xr_snapshot *snap,
		   const struct xr_select_order *o, const uint64_t *in_flight,
		   struct xr_route_decision *d);

/**
 * Explain one venue of a decision: its factor scores, which the decision's
 * ranked records leave out (the ranking copies every record; docs/perf.md).
 * Recomputes the decision's eligibility, arrival price and bound, then
 * scores @p venue exactly as xr_select() did for the same inputs.
 *
 * @param venue  a venue of snap (< n_venues).
 * @param f      out: XR_F_COUNT factor scores, 0..XR_SCORE_MAX each; 0 for
 *               factors the strategy does not weight.
 * @param out    out, may be NULL: the venue's record, equal to its entry in
 *               d->ranked of xr_select() on the same inputs.
 * @return 0; -ENOENT if @p venue is not eligible for @p o (not ranked).
 * Thread: as xr_select(). Pure; no allocation. Not for the hot path: the
 * results and admin paths call it when a user asks why.
 */
int xr_select_factors(const struct xr_select_params *sp, const struct xr_snapshot *snap,
		      const struct xr_select_order *o, const uint64_t *in_flight, uint8_t venue,
		      int32_t f[XR_F_COUNT], struct xr_venue_score *out);

/**
 * Health score (docs/routing.md section 3, reliability):
 * 0.3 latency_score + 0.5 success + 0.2 uptime, with latency_score =
 * max(0, 1 - latency / latency_zero_ns).
 * @return ppm (0..10^6). Thread: any. Pure.
 */
uint32_t xr_health_ppm(uint64_t latency_ns, uint64_t latency_zero_ns, uint32_t success_ppm,
		       uint32_t uptime_ppm);

/**
 * The selector's per-venue inputs that depend only on the venue's metrics
 * and the latency scale: vm->latency_score = max(0, 10^6 (1 - latency_ewma
 * / @p latency_zero_ns)) and vm->health_ppm = xr_health_ppm() of the same.
 * The snapshot writer calls it for each venue it publishes, so a decision
 * reads them instead of dividing per venue; the latency and reliability
 * factors therefore use the latency scale of the snapshot's parameters
 * (a reload republishes at once). Thread: any. Pure (writes *vm only).
 */
void xr_venue_derive(struct xr_venue_metrics *vm, uint64_t latency_zero_ns);

/**
 * Predictive demotion multiplier (docs/routing.md "Predictive demotion"):
 * each of latency and error rate is projected one trend step ahead,
 * fast + max(0, fast - slow); its pressure is 0 below demote_start x its
 * threshold and rises linearly to 1 at the threshold; the multiplier is
 * 10^6 - demote_max x the larger pressure.
 *
 * @return ppm (10^6 = no demotion). Thread: any. Pure.
 */
uint32_t xr_demote_ppm(uint64_t lat_fast_ns, uint64_t lat_slow_ns, uint64_t lat_threshold_ns,
		       uint32_t err_fast_ppm, uint32_t err_slow_ppm, uint32_t err_threshold_ppm,
		       uint32_t demote_start_ppm, uint32_t demote_max_ppm);

/**
 * Execution method (docs/routing.md section 6): twap when the
 * notional is above @p twap_notional (> 0), market for stop_loss and exit,
 * limit for entry; profit_take keeps the signal's own order type.
 * Thread: any. Pure.
 */
enum xr_method xr_route_method(enum xr_signal_type st, enum xr_ord_type ot,
			       int64_t notional, int64_t twap_notional);

/**
 * Priority: stop_loss 1, exit 2, entry 3, anything else 4
 * (docs/routing.md section 6). Thread: any. Pure.
 */
uint8_t xr_route_priority(enum xr_signal_type st);

#endif /* XR_SELECTOR_H */
