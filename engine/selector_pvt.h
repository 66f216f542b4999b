/*
 * The venue selector: a pure function of (snapshot, order, parameters) to a
 * ranked decision. No allocation, no locks, no floating point; callable from
 * any registered RCU reader thread; deterministic for the same inputs.
 *
 * SCORE (execution-routing-model.md, ExecutionRouter._score_broker)
 *   Each factor is 0..100 points, held as points * 10^4 (0..1,000,000):
 *     fees     = max(0, 100 - fee_bps)                 (taker fee, see below)
 *     latency  = 100 * max(0, 1 - latency / latency_zero_score)
 *     success  = 100 * success rate over the venue's last 100 children
 *     load     = 100 * max(0, 1 - in_flight / load_full_queue)
 *     pair     = 100 * success rate of this (venue, symbol) over its last
 *                100 children, or 50 with no history
 *   total = (0.30 fees + 0.20 latency + 0.25 success + 0.15 load + 0.10 pair)
 *   with the weights from [engine] (XR_WEIGHT_ONE scale, sum 1.0).
 *   The seed scores the maker fee; xroute scores the taker fee because
 *   every order it sends is meant to execute on arrival (IOC, market, or a
 *   marketable limit), which pays the taker fee. See docs/routing.md.
 *
 * ELIGIBILITY
 *   A venue is scored only if the user may trade there, it lists the
 *   symbol, it is healthy, it is not excluded (already tried), and the side
 *   the order takes shows at least 2x the order quantity (asks for a buy).
 */
#ifndef XR_SELECTOR_PVT_H
#define XR_SELECTOR_PVT_H

#include <stdint.h>

#include "snapshot_pvt.h"
#include "xr_config.h"
#include "xr_types.h"

/** One score point in score units: a factor spans 0..100 points. */
#define XR_SCORE_POINT 10000
/** Full score (100 points). */
#define XR_SCORE_MAX (100 * XR_SCORE_POINT)

/** Scoring parameters, precomputed from [engine] at start. */
struct xr_score_params {
	uint32_t w_fees, w_latency, w_success, w_load, w_pair; /* XR_WEIGHT_ONE */
	uint64_t latency_zero_ns;   /* latency with score 0 (ns), > 0 */
	uint32_t load_full_queue;   /* in-flight children with score 0, > 0 */
};

/** An order as the selector sees it. */
struct xr_select_order {
	uint16_t symbol;
	uint8_t side;		   /* enum xr_side */
	int64_t qty;		   /* quantity to place (qty scale), > 0 */
	uint64_t allowed_mask;	   /* venues the user may use */
	uint64_t exclude_mask;	   /* venues already tried */
};

/** Factor scores of one venue (score units, 0..XR_SCORE_MAX). */
struct xr_venue_score {
	uint8_t venue;
	int64_t total;
	int64_t fees, latency, success, load, pair;
};

/** The selector's answer. */
struct xr_selection {
	uint8_t n;			      /* eligible venues, ranked; 0 = none */
	struct xr_venue_score ranked[XR_MAX_VENUES]; /* best first; ties by id */
};

/**
 * Fill @p sp from the engine config.
 * Thread: any (control path).
 */
void xr_score_params_init(struct xr_score_params *sp, const struct xr_engine_cfg *ec);

/**
 * Score one venue for @p o; factor formulas in the file comment.
 *
 * @param in_flight  children sent to the venue and not yet ended.
 * Thread: any. Pure; no allocation.
 */
void xr_score_venue(const struct xr_score_params *sp, const struct xr_snapshot *snap,
		    uint8_t venue, uint16_t symbol, uint64_t in_flight,
		    struct xr_venue_score *out);

/**
 * Rank every eligible venue for @p o, best first.
 *
 * @param in_flight  per venue, children sent and not yet ended (n_venues).
 * @return number of eligible venues (also out->n); 0 = no route.
 * Thread: any registered RCU reader holding @p snap. Pure; no allocation.
 */
unsigned xr_select(const struct xr_score_params *sp, const struct xr_snapshot *snap,
		   const struct xr_select_order *o, const uint64_t *in_flight,
		   struct xr_selection *out);

/**
 * Execution method (execution-routing-model.md _score_broker): twap when the
 * notional is above @p twap_notional (> 0), market for stop_loss and exit,
 * limit for entry; profit_take keeps the signal's own order type.
 * Thread: any. Pure.
 */
enum xr_method xr_route_method(enum xr_signal_type st, enum xr_ord_type ot,
			       int64_t notional, int64_t twap_notional);

/**
 * Priority: stop_loss 1, exit 2, entry 3, anything else 4
 * (execution-routing-model.md). Thread: any. Pure.
 */
uint8_t xr_route_priority(enum xr_signal_type st);

#endif /* XR_SELECTOR_PVT_H */
