/*
 * The route stage's state (stage_route.c): child orders not yet sent,
 * counters, and the operator state of xr_engine_control().
 * Private to its stage and to the engine's assembly (engine.c, summary.c,
 * footprint.c) and tests; no other stage includes it.
 */
#ifndef XR_STAGE_ROUTE_PVT_H
#define XR_STAGE_ROUTE_PVT_H

#include "engine_pvt.h"
#include "xr_u64map.h"

/** A cancel of a signal in progress (struct xr_route.canceled). */
struct xr_cancel_pending {
	uint32_t acks_left;	/* execute stages that have not answered */
	uint32_t found;		/* children it canceled so far */
};

/** Route: venue selection, execution method, child orders. */
struct xr_route {
	struct xr_stage st;
	struct xr_ring *in;		/* validate_to_route */
	struct xr_ring *feedback;	/* aggregate_to_route */
	struct xr_ring *control;	/* control_to_route (operator commands) */
	struct xr_ring *rejects;	/* route_to_aggregate */
	struct xr_ring **out;		/* route_to_execute[v] */
	uint64_t *sent;			/* children sent per venue */
	uint64_t next_cl_ord_id;
	struct xr_msg *stash;		/* children not yet enqueued */
	uint32_t stash_n, stash_pos, stash_cap;
	/* The journal ([journal] path), else NULL: children are journaled
	 * from the stash before they go to their venue (stash_jpos: those
	 * done), and ClOrdIDs are used below the writer's durable limit
	 * only (journal_pvt.h "CLORDID BLOCKS"). */
	struct xr_ring *journal;	/* route's journal ring: producer end */
	uint32_t stash_jpos;
	_Atomic uint64_t *clordid_limit; /* the writer's; acquire (A_J1) */
	_Atomic uint64_t *clordid_used;	 /* ours to the writer; relaxed */
	uint64_t limit_cache;		/* last limit read */
	uint64_t used_published;	/* last used stored */
	uint64_t journal_stalls;	/* calls that waited: journal ring full */
	uint64_t clordid_stalls;	/* calls that waited: no reserved ClOrdID */
	uint64_t no_route;
	uint64_t rerouted;
	uint64_t by_strategy[XR_STRAT_COUNT]; /* parents routed */
	uint64_t by_decision[XR_D_COUNT];     /* parents by decision code */
	uint64_t split_parents;		      /* parents on more than one venue */
	/* Operator state (xr_engine_control()). */
	uint64_t disabled_mask;		/* venues disabled: never selected */
	uint8_t *user_pin;		/* n_users: venue a manual failover put
					 * first in the user's plan, or NONE */
	uint8_t *symbol_pin;		/* n_symbols: the same for symbol plans */
	uint64_t pins;			/* entries of both that are not NONE */
	uint64_t controls;		/* commands applied */
	/* Cancels of signals (XR_CTL_CANCEL_SIGNAL, docs/failover.md
	 * "Canceling a signal"): signal_id -> struct xr_cancel_pending, from
	 * the cancel's arrival until every execute stage has answered it
	 * (its acknowledgment, relayed by the aggregator on the feedback
	 * ring). While an id is here a child of it sent back for a re-route
	 * ends canceled, unsent. */
	struct xr_u64map canceled;
	uint32_t cancel_cap;		/* most cancels in progress at once */
	uint64_t cancels;		/* cancels taken */
	uint64_t cancels_unmatched;	/* found no child anywhere, or repeated */
	uint64_t cancel_children;	/* re-routed children ended canceled */
};

/*
 * Construction (control path, the owner thread): init fills the stage the
 * engine allocated in @p e (zeroed) from e->cfg and wires its rings;
 * @return 0, or -errno with @p err filled. fini frees what init allocated
 * and accepts a half-built (or never initialised, zeroed) stage; it does
 * not free the stage itself.
 */
int xr_route_init(struct xr_engine *e, char *err, size_t err_len);
void xr_route_fini(struct xr_route *s);

/**
 * Its regions to prefault (regions_pvt.h): pools and tables that
 * xr_table_calloc() did not fault in. Thread: the owner, before the run.
 */
void xr_route_regions(struct xr_route *r, xr_region_fn visit, void *ctx);

#endif /* XR_STAGE_ROUTE_PVT_H */
