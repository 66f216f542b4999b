/*
 * The validate stage's state (stage_validate.c): per-user limits, the
 * duplicate window, the exposure reservations.
 * Private to its stage and to the engine's assembly (engine.c, summary.c,
 * footprint.c) and tests; no other stage includes it.
 */
#ifndef XR_STAGE_VALIDATE_PVT_H
#define XR_STAGE_VALIDATE_PVT_H

#include "engine_pvt.h"

/** Per-user validate state. */
struct xr_user_state {
	struct xr_token_bucket bucket;
	bool bucket_started;
};

/** Validate: permissions, limits, duplicates. */
struct xr_validate {
	struct xr_stage st;
	struct xr_ring *in;	  /* ingress_to_validate */
	struct xr_ring *out;	  /* validate_to_route */
	struct xr_ring *rejects;  /* validate_to_aggregate */
	struct xr_user_state *users;	/* n_users */
	struct xr_exposure_v *exp_v;	/* n_users * n_symbols */
	struct xr_dedup dedup;
	uint64_t next_order_id;
	uint64_t accepted;		/* parents accepted (credit use) */
	uint64_t done_seen;		/* completed_orders as last read */
	uint64_t credit_stalls;		/* loops held by max_inflight_orders */
	uint64_t controls;		/* control messages passed on (cancels) */
	uint64_t by_reason[XR_R_COUNT];
};

/*
 * Construction (control path, the owner thread): init fills the stage the
 * engine allocated in @p e (zeroed) from e->cfg and wires its rings;
 * @return 0, or -errno with @p err filled. fini frees what init allocated
 * and accepts a half-built (or never initialised, zeroed) stage; it does
 * not free the stage itself.
 */
int xr_validate_init(struct xr_engine *e, char *err, size_t err_len);
void xr_validate_fini(struct xr_validate *s);

#endif /* XR_STAGE_VALIDATE_PVT_H */
