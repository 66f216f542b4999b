/*
 * What a config will need in memory before any of it is allocated: the
 * rings, the order tables of every stage and the per-user tables, from
 * the same sizes the stages' constructors use. `xroute check` prints it
 * and refuses a config that needs more than the machine has;
 * xr_engine_create() refuses it too, with the same line, instead of being
 * killed by the kernel halfway through faulting the tables in.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "engine_pvt.h"
#include "stage_aggregate_pvt.h"
#include "stage_execute_pvt.h"
#include "stage_route_pvt.h"
#include "stage_validate_pvt.h"
#include "sources_pvt.h"
#include "xr_client_proto.h"

/* Bytes of an xr_u64map of @p max_keys keys with @p val values
 * (u64map.c: the next power of two >= 2 x max_keys slots). */
static uint64_t
xr__map_bytes(uint64_t max_keys, uint64_t val)
{
	uint64_t size = 2;

	while (size < max_keys * 2)
		size <<= 1;
	return size * (sizeof(uint64_t) + val);
}

int
xr_engine_footprint(const struct xr_config *cfg, struct xr_footprint *fp)
{
	const struct xr_engine_cfg *ec = &cfg->engine;
	uint64_t msg = sizeof(struct xr_msg), v = cfg->n_venues;
	uint64_t us = (uint64_t)cfg->n_users * cfg->n_symbols;

	*fp = (struct xr_footprint){0};
	/* 7 + 2 per venue rings of ring_capacity, and two small ones. */
	fp->n_rings = 7 + 2 * v;
	fp->ring_bytes = fp->n_rings * ((uint64_t)ec->ring_capacity * msg + 256) +
			 (XR_CONTROL_RING + XR_EVENT_RING) * msg;
	/* Per venue: open orders (live, timers, timer heap, tokens), held
	 * children (one more burst: slots, their heap, free slots), the outbox. */
	uint64_t per_order = msg + sizeof(struct xr_child_timer) + xr_heap_bytes(1) +
			     sizeof(uint32_t);
	uint64_t per_held = msg + xr_heap_bytes(1) + sizeof(uint32_t);
	uint64_t bound = (uint64_t)ec->burst * 64 + ec->ring_capacity;
	for (uint32_t i = 0; i < cfg->n_venues; i++) {
		uint64_t cap = cfg->venues[i].max_open_orders;
		fp->order_bytes += cap * per_order + (cap + XR_MAX_BURST) * per_held +
				   (4 * XR_MAX_BURST + 16) * msg;
		bound += 2ull * ec->ring_capacity + 2ull * cap + 4 * XR_MAX_BURST + 16;
	}
	/* And a cancel's acknowledgment per venue for each cancel of a signal
	 * in progress (route's cancel_cap = ring_capacity), whose ids route
	 * keeps in its own table. */
	bound += (uint64_t)ec->ring_capacity * v;
	fp->order_bytes += xr__map_bytes(ec->ring_capacity, sizeof(struct xr_cancel_pending));
	/* Aggregate: every child in existence may park in its overflow
	 * (stage_aggregate.c), and the parents table. The execute stages'
	 * signal index (io.signal_cancels, not part of a config) is not
	 * counted. */
	fp->order_bytes += bound * msg + xr__map_bytes(ec->max_inflight_orders,
						       sizeof(struct xr_parent));
	/* Per (user, symbol) and (user, venue, symbol): exposure (both
	 * sides), positions, fills. */
	fp->table_bytes = us * (sizeof(struct xr_exposure_a) + sizeof(struct xr_exposure_v) +
				sizeof(int64_t)) +
			  us * v * sizeof(int64_t) +
			  (uint64_t)cfg->n_users * sizeof(struct xr_user_state);
	/* xroute serve: each client's and FIX session's book (window entries,
	 * the signal_id map) and result buffer, and every client session's
	 * mapping (both rings). One more book for a file is not counted. */
	const struct xr_serve_cfg *sc = &cfg->serve;
	uint64_t books = (uint64_t)cfg->n_clients + cfg->n_fix_clients;
	if (books != 0)
		fp->serve_bytes =
			books * ((uint64_t)xr_src_window(sc->idempotency_window) *
					 sizeof(struct xr_src_entry) +
				 xr__map_bytes(xr_src_window(sc->idempotency_window), sizeof(uint32_t)) +
				 (uint64_t)sc->result_buffer * sizeof(struct xr_client_event)) +
			(cfg->n_clients != 0 ? (uint64_t)sc->max_clients *
						       ((uint64_t)sc->client_ring * XR_CLIENT_SIGNAL_SIZE +
							(uint64_t)sc->result_ring * XR_CLIENT_EVENT_SIZE)
					     : 0);
	fp->total_bytes = fp->ring_bytes + fp->order_bytes + fp->table_bytes + fp->serve_bytes;
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	fp->phys_bytes = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
	return fp->phys_bytes != 0 && fp->total_bytes > fp->phys_bytes ? -ENOMEM : 0;
}

int
xr_footprint_format(const struct xr_config *cfg, const struct xr_footprint *fp, char *buf,
		    size_t len)
{
	const double mib = 1024.0 * 1024.0;

	return snprintf(buf, len,
			"memory: at least %.1f MiB (rings %.1f MiB: %" PRIu64
			" of ring_capacity %" PRIu32 " x %zu bytes; order tables %.1f MiB "
			"(max_open_orders, max_inflight_orders); user tables %.1f MiB; "
			"serve books and client rings %.1f MiB (idempotency_window, "
			"result_buffer, client_ring, result_ring)); this machine has %.1f MiB",
			(double)fp->total_bytes / mib, (double)fp->ring_bytes / mib, fp->n_rings,
			cfg->engine.ring_capacity, sizeof(struct xr_msg),
			(double)fp->order_bytes / mib, (double)fp->table_bytes / mib,
			(double)fp->serve_bytes / mib, (double)fp->phys_bytes / mib);
}
