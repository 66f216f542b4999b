/*
 * Pre-trade risk primitives used by the validate stage: the per-user token
 * bucket, the duplicate signal_id window, and worst-case position exposure
 * shared between validate (reservations) and aggregate (fills, releases).
 *
 * EXPOSURE
 *   For user u and symbol s, validate owns reserved_buy/reserved_sell (the
 *   cumulative quantity of accepted orders) and aggregate owns position (net
 *   filled quantity) and released_buy/released_sell (cumulative quantity
 *   that stopped being open: filled, or left unfilled when the order ended).
 *   Open buy quantity = reserved_buy - released_buy. A buy of q is allowed if
 *     position + open_buy + q <= max_position
 *   and a sell of q if
 *     open_sell + q - position <= max_position,
 *   i.e. the position if every open order on that side filled.
 *   Aggregate stores position before released (R2); validate loads released
 *   (A2) before position, so a torn read can only over-count exposure: a fill
 *   seen in released is also seen in position.
 */
#ifndef XR_RISK_PVT_H
#define XR_RISK_PVT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "xr_u64map.h"

/** Nano-tokens per token: the bucket counts in 1e-9 tokens. */
#define XR_TOKEN_NANO INT64_C(1000000000)

/**
 * A token bucket (docs/risk.md): refills at
 * rate_per_s tokens/s up to burst tokens; an order takes one token.
 */
struct xr_token_bucket {
	int64_t nano_tokens;   /* current tokens * 1e9 */
	uint64_t last_ns;      /* time of the last refill (ns) */
	uint64_t full_ns;      /* time to refill from empty (ns), precomputed */
	uint32_t rate_per_s;   /* refill rate (tokens/s) */
	uint32_t burst;	       /* depth (tokens) */
};

/**
 * Start a bucket full at @p now_ns. rate_per_s and burst must be > 0.
 * Thread: the owner (validate). No allocation.
 */
void xr_token_bucket_init(struct xr_token_bucket *b, uint32_t rate_per_s,
			  uint32_t burst, uint64_t now_ns);

/**
 * Refill for the time since the last call, then take one token if there is
 * one. Time going backwards refills nothing.
 *
 * @param now_ns  the signal's time (ns); see docs/risk.md.
 * @return true if a token was taken.
 * Thread: the owner (validate). No allocation, no division: one 64-bit
 * multiply and a few compares.
 */
bool xr_token_bucket_take(struct xr_token_bucket *b, uint64_t now_ns);

/**
 * The duplicate window: the last `window` signal_ids, in an xr_u64map set
 * with a FIFO of insertion order for eviction. signal_id 0 is reserved (the
 * parser refuses it).
 */
struct xr_dedup {
	struct xr_u64map set; /* the ids in the window */
	uint64_t *fifo;	     /* window entries, insertion order */
	uint32_t window;
	uint32_t count;	     /* ids held, 0..window */
	uint32_t head;	     /* fifo index of the oldest id */
};

/**
 * Allocate a window of @p window ids (1024..2^26).
 * @return 0, -EINVAL, or -ENOMEM. Thread: any (control path).
 */
int xr_dedup_init(struct xr_dedup *d, uint32_t window);
/** Free a window. Thread: any. */
void xr_dedup_fini(struct xr_dedup *d);

/**
 * Insert @p id unless present; evicts the oldest id when full.
 * @return true if @p id was already in the window (a duplicate).
 * Thread: the owner (validate). No allocation; O(1) expected.
 */
bool xr_dedup_check_insert(struct xr_dedup *d, uint64_t id);

/**
 * Prefetch what the @p nth next xr_dedup_check_insert() of @p id will
 * touch: @p id's home slot and, when the window is full, the slot of the
 * id it will evict. A window of 10^6 ids spans 16 MiB, so each check
 * misses the cache; prefetching a whole burst first overlaps the misses.
 * Thread: the owner (validate). No effect on the window.
 */
static inline void
xr_dedup_prefetch(const struct xr_dedup *d, uint64_t id, uint32_t nth)
{
	xr_u64map_prefetch(&d->set, id);
	if (d->count == d->window) {
		uint64_t h = (uint64_t)d->head + nth;
		if (h >= d->window)
			h -= d->window;
		xr_u64map_prefetch(&d->set, d->fifo[h]);
	}
}

/** Exposure state of one (user, symbol), split by owner. */
struct xr_exposure_v {	    /* written by validate only */
	int64_t reserved_buy;
	int64_t reserved_sell;
};
struct xr_exposure_a {	    /* written by aggregate only */
	_Atomic int64_t position;      /* net filled qty, buys positive */
	_Atomic int64_t released_buy;
	_Atomic int64_t released_sell;
};

/**
 * Worst-case check of a new order of @p qty (> 0) on @p side against
 * @p max_position (qty scale), per the formula in the file comment.
 * @return true if allowed. Thread: validate. No allocation.
 */
bool xr_exposure_allows(const struct xr_exposure_v *v,
			const struct xr_exposure_a *a, int side, int64_t qty,
			int64_t max_position);

/**
 * Apply a fill of @p qty on @p side: position moves, the same quantity is
 * released. Thread: aggregate.
 */
void xr_exposure_fill(struct xr_exposure_a *a, int side, int64_t qty);

/**
 * Release @p qty of an ended order that will never fill. Thread: aggregate.
 */
void xr_exposure_release(struct xr_exposure_a *a, int side, int64_t qty);

#endif /* XR_RISK_PVT_H */
