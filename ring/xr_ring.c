/*
 * xr_ring control path: creation and destruction. The fast path is inline in
 * xr_ring.h.
 */
#include "xr_ring.h"

#include <errno.h>
#include <stdlib.h>

struct xr_ring *
xr_ring_create(uint32_t capacity, uint32_t slot_size)
{
	if (capacity == 0 || capacity > XR_RING_MAX_CAPACITY ||
	    (capacity & (capacity - 1)) != 0 || slot_size == 0 ||
	    slot_size % XR_CACHE_LINE != 0 || slot_size > 65536) {
		errno = EINVAL;
		return NULL;
	}
	size_t bytes = sizeof(struct xr_ring) + (size_t)capacity * slot_size;
	bytes = (bytes + XR_RING_PAD - 1) / XR_RING_PAD * XR_RING_PAD;
	struct xr_ring *r = aligned_alloc(XR_RING_PAD, bytes);
	if (r == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	/* Zeroing touches every page: the ring is prefaulted. */
	memset(r, 0, bytes);
	struct xr__ring_side side = {
		.capacity = capacity,
		.mask = capacity - 1,
		.slots = r->slot_storage,
		.slot_size = slot_size,
	};
	r->prod = side;
	r->cons = side;
	atomic_init(&r->prod.index, 0);
	atomic_init(&r->cons.index, 0);
	return r;
}

void
xr_ring_destroy(struct xr_ring *r)
{
	free(r);
}
