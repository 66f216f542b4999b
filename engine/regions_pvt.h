/*
 * Memory regions: how a part of the engine names the memory it owns
 * without knowing who walks it. Private to engine/.
 *
 * DESIGN
 *   Each stage (and the snapshot pool) exposes one walk over its pools and
 *   tables, xr_<part>_regions(part, visit, ctx): it calls visit(ctx, p,
 *   bytes) once per region, in a fixed order, and does nothing else. The
 *   engine (engine.c) strings the walks of its parts together into one
 *   xr_regions_fn, and the colocated memory part (colocated_mem.c,
 *   xr_coloc_prefault) is the one place that walks it and prefaults every
 *   region. So the dependencies run one way: stages -> this header <-
 *   colocated_mem.c, and engine.c -> both; no stage calls the prefault code
 *   and the prefault code knows no stage.
 *
 * GUARANTEES
 *   A walk reads only its part's pointers and sizes; it neither allocates
 *   nor writes. Thread: the owner, once every part is built, before the
 *   stage threads start.
 */
#ifndef XR_REGIONS_PVT_H
#define XR_REGIONS_PVT_H

#include <stddef.h>

/**
 * Called once per region of a walk.
 * @param ctx    the walk's caller's context, passed through.
 * @param p      the region's first byte; NULL (not allocated) is allowed.
 * @param bytes  its length (bytes); 0 is allowed.
 */
typedef void (*xr_region_fn)(void *ctx, void *p, size_t bytes);

/**
 * A walk over every region of @p owner: calls @p visit(@p ctx, p, bytes)
 * for each.
 */
typedef void (*xr_regions_fn)(void *owner, xr_region_fn visit, void *ctx);

struct xr_snapshot_pool;

/**
 * The snapshot pool's regions: the buffer table and every buffer's header
 * and arrays (snapshot.c), so that colocated mode prefaults them.
 * Thread: the pool's owner, before any reader or writer thread runs.
 */
void xr_snapshot_pool_regions(struct xr_snapshot_pool *p, xr_region_fn visit, void *ctx);

#endif /* XR_REGIONS_PVT_H */
