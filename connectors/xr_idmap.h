/*
 * xr_idmap: a fixed-capacity map from ClOrdID (uint64_t) to an order slot
 * (uint32_t), for connectors that must find an order by the ClOrdID a
 * venue echoes. Open addressing with linear probing, at least two buckets
 * per entry, Fibonacci hashing (engine ClOrdIDs are sequential) and
 * backward-shift deletion (Knuth, TAOCP vol. 3, 6.4 Algorithm R), so there
 * are no tombstones and a lookup ends at the first empty bucket.
 *
 * GUARANTEES
 *   Allocation only in xr_idmap_init(); every other call is O(1) expected,
 *   no allocation, no syscall. Not thread-safe: one owner thread.
 */
#ifndef XR_IDMAP_H
#define XR_IDMAP_H

#include <stdint.h>

/** Value of xr_idmap_get() for a ClOrdID not in the map. */
#define XR_IDMAP_NONE UINT32_MAX

/** The map. Keys and values are stored in the buckets themselves. */
struct xr_idmap {
	uint64_t *key;	 /* mask + 1 buckets */
	uint32_t *val;	 /* slot of each bucket, XR_IDMAP_NONE if empty */
	uint32_t mask;	 /* buckets - 1 (a power of two) */
	uint32_t n, cap; /* entries; most entries */
};

/**
 * Allocate a map for @p cap entries (1..2^30).
 * @return 0, -EINVAL (cap out of range) or -ENOMEM.
 * Thread: any (control path).
 */
int xr_idmap_init(struct xr_idmap *m, uint32_t cap);

/** Free the map's memory (m may be zeroed or already freed). */
void xr_idmap_free(struct xr_idmap *m);

/** @return the slot of @p id, or XR_IDMAP_NONE. */
uint32_t xr_idmap_get(const struct xr_idmap *m, uint64_t id);

/**
 * Map @p id to @p slot (< XR_IDMAP_NONE).
 * @return 0; -EEXIST id is already mapped (unchanged); -ENOSPC cap reached.
 */
int xr_idmap_put(struct xr_idmap *m, uint64_t id, uint32_t slot);

/** Remove @p id. @return 0, or -ENOENT if it was not mapped. */
int xr_idmap_del(struct xr_idmap *m, uint64_t id);

#endif /* XR_IDMAP_H */
