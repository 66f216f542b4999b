/*
 * Route parameters: the part of the configuration that can change while
 * the engine runs (SIGHUP, docs/config.md "Hot reload"), published as one
 * immutable object through liburcu like the venue metrics snapshots.
 *
 * DESIGN
 *   The engine's owner thread builds a new object from a freshly loaded
 *   config (control path: it allocates), publishes it with
 *   rcu_xchg_pointer() and hands the old one to call_rcu(), whose callback
 *   frees it after a grace period. Stage threads read the pointer once per
 *   burst (route, execute) or per publication (aggregate) with
 *   rcu_dereference() and use it until their next quiescent state: no
 *   lock, no pause in routing.
 *
 * MEMORY ORDERING
 *   rcu_xchg_pointer() (release) pairs with rcu_dereference() (consume):
 *   the object's contents are visible before its pointer. The grace period
 *   orders every reader's last use before the free (modelled for TSan as in
 *   xr_snapshot.h).
 */
#ifndef XR_PARAMS_PVT_H
#define XR_PARAMS_PVT_H

#include <stdint.h>

#include <urcu-qsbr.h>

#include "xr_selector.h"
#include "xr_snapshot.h"
#include "xr_config.h"

/** Per-venue parameters that reload. */
struct xr_venue_params {
	int64_t fee_maker_cbps, fee_taker_cbps; /* centi-bps */
	uint32_t network_distance_us;		 /* latency prior (us) */
	uint32_t rate_limit_per_s;		 /* venue token bucket, 0 = none */
	uint32_t rate_limit_burst;		 /* its depth (orders) */
};

/** One immutable set of route parameters. */
struct xr_params {
	struct rcu_head rcu;		/* for call_rcu */
	uint64_t version;		/* 1 at start, +1 per reload */
	struct xr_select_params sel;	/* strategies and factor scales */
	int64_t twap_notional;		/* cash; 0 = never */
	uint32_t twap_slices;		/* 1..64 */
	uint64_t twap_horizon_ns;
	uint32_t entry_collar_bps;
	uint32_t depth_bps;		/* "depth within N bps" of the mid */
	uint32_t latency_ewma_ppm;	/* fast latency EWMA weight */
	uint32_t error_ewma_ppm;	/* fast error weight EWMA weight */
	uint64_t latency_threshold_ns;	/* health threshold (demotion) */
	uint32_t error_rate_threshold_ppm;
	uint32_t demote_start_ppm, demote_max_ppm;
	uint32_t n_venues;
	struct xr_venue_params venue[]; /* n_venues */
};

/**
 * Build parameters from @p cfg.
 * @return the object (free with xr_params_free), or NULL (out of memory).
 * Thread: any (control path, allocates).
 */
struct xr_params *xr_params_create(const struct xr_config *cfg, uint64_t version);

/** Free @p p; NULL accepted. Thread: any, once no reader can hold it. */
void xr_params_free(struct xr_params *p);

/**
 * Hand @p p to call_rcu: freed after a grace period.
 * Thread: a registered RCU thread, or one that is not a reader (the
 * engine's owner). No waiting.
 */
void xr_params_retire(struct xr_params *p);

/**
 * The current parameters of the engine whose pointer is @p slot.
 * Valid until the calling thread's next quiescent state.
 * Thread: a registered, online QSBR reader. Wait-free.
 */
static inline const struct xr_params *
xr_params_current(struct xr_params **slot)
{
	return XR_SNAP_DEREF(*slot);
}

#endif /* XR_PARAMS_PVT_H */
