/*
 * The fix_entry stage's state (stage_fix_entry.c): `xroute serve`'s FIX
 * order-entry gateway (connectors/fix/xr_fix_gateway.h) as a stage.
 * Private to its stage and to the engine's assembly (engine.c, summary.c)
 * and tests.
 */
#ifndef XR_STAGE_FIX_ENTRY_PVT_H
#define XR_STAGE_FIX_ENTRY_PVT_H

#include "engine_pvt.h"
#include "xr_fix_gateway.h"

/** fix_entry: the gateway's sockets, sessions and order tables. */
struct xr_fix_entry {
	struct xr_stage st;
	struct xr_fix_gateway *gw;
	struct xr_ring *to_ingress;	/* fix_to_ingress */
	struct xr_ring *from_ingress;	/* ingress_to_fix */
	uint64_t events;		/* outcomes handed to the gateway */
	uint64_t events_refused;	/* of which it could not send (counted
					 * in its stats, logged by it) */
};

/*
 * Construction (control path, the owner thread): init listens on [serve]
 * fix_listen for the [fix_client NAME] sessions and wires the rings;
 * @return 0, or -errno with @p err filled (the address, the cause). fini
 * accepts a zeroed stage.
 */
int xr_fix_entry_init(struct xr_engine *e, char *err, size_t err_len);
void xr_fix_entry_fini(struct xr_fix_entry *f);

#endif /* XR_STAGE_FIX_ENTRY_PVT_H */
