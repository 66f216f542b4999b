/*
 * xr_ring control path: creation and destruction. The fast path is inline in
 * xr_ring.h.
 */
#include "xr_ring.h"
#include "xr_ring_pvt.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

bool
xr_ring_shape_valid(uint32_t capacity, uint32_t slot_size)
{
	if (capacity == 0 || capacity > XR_RING_MAX_CAPACITY ||
	    (capacity & (capacity - 1)) != 0)
		return false;
	if (slot_size == 8 || slot_size == 16 || slot_size == 32)
		return true;
	return slot_size != 0 && slot_size % XR_CACHE_LINE == 0 &&
	       slot_size <= 65536;
}

/* Sequence-word layout: the message, then its 8-byte sequence word, so 8-,
 * 16- and 32-byte messages pack 4, 2 and 1 cells per line. Index layout
 * (64 bytes and up): the message alone, so cells are contiguous. */
static uint32_t
xr__ring_cell_size(uint32_t slot_size)
{
	return xr__ring_has_seq(slot_size) ? 2 * slot_size : slot_size;
}

size_t
xr_ring_memsize(uint32_t capacity, uint32_t slot_size)
{
	if (!xr_ring_shape_valid(capacity, slot_size))
		return 0;
	size_t bytes = sizeof(struct xr_ring) +
		       (size_t)capacity * xr__ring_cell_size(slot_size);
	return (bytes + XR_RING_PAD - 1) / XR_RING_PAD * XR_RING_PAD;
}

struct xr_ring *
xr_ring_init(void *mem, uint32_t capacity, uint32_t slot_size)
{
	size_t bytes = xr_ring_memsize(capacity, slot_size);

	if (bytes == 0 || mem == NULL || (uintptr_t)mem % XR_RING_PAD != 0) {
		errno = EINVAL;
		return NULL;
	}
	struct xr_ring *r = mem;
	/* Zeroing touches every page: the ring is prefaulted. */
	memset(r, 0, bytes);
	struct xr__ring_side side = {
		.capacity = capacity,
		.mask = capacity - 1,
		.cells = r->cell_storage,
		.slot_size = slot_size,
		.cell_size = xr__ring_cell_size(slot_size),
	};
	r->prod = side;
	r->cons = side;
	atomic_init(&r->prod.index, 0);
	atomic_init(&r->cons.index, 0);
	return r;
}

struct xr_ring *
xr_ring_create(uint32_t capacity, uint32_t slot_size)
{
	size_t bytes = xr_ring_memsize(capacity, slot_size);

	if (bytes == 0) {
		errno = EINVAL;
		return NULL;
	}
	void *mem = aligned_alloc(XR_RING_PAD, bytes);
	if (mem == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	return xr_ring_init(mem, capacity, slot_size);
}

void
xr__ring_start_at(struct xr_ring *r, uint64_t start)
{
	struct xr__ring_side *s = &r->prod;

	for (uint64_t j = start - s->capacity;
	     xr__ring_has_seq(s->slot_size) && j != start; j++)
		atomic_store_explicit(
			xr__ring_seq(xr__ring_cell(s->cells, s->mask, s->cell_size, j),
				     s->slot_size),
			j + 1, memory_order_relaxed);
	atomic_store_explicit(&r->prod.index, start, memory_order_relaxed);
	atomic_store_explicit(&r->cons.index, start, memory_order_relaxed);
	r->prod.other_cache = start;
	r->cons.other_cache = start;
}

void
xr_ring_rebase(struct xr_ring *r)
{
	r->prod.cells = r->cell_storage;
	r->cons.cells = r->cell_storage;
}

void
xr_ring_unbase(struct xr_ring *r)
{
	r->prod.cells = NULL;
	r->cons.cells = NULL;
}

struct xr_ring *
xr_ring_view_init(struct xr_ring *view, struct xr_ring *shared, uint32_t capacity,
		  uint32_t slot_size)
{
	if (!xr_ring_shape_valid(capacity, slot_size) || xr__ring_has_seq(slot_size) ||
	    view == NULL || shared == NULL || (uintptr_t)view % XR_RING_PAD != 0 ||
	    (uintptr_t)shared % XR_RING_PAD != 0) {
		errno = EINVAL;
		return NULL;
	}
	memset(view, 0, sizeof(*view));
	struct xr__ring_side side = {
		.capacity = capacity,
		.mask = capacity - 1,
		.cells = shared->cell_storage,
		.slot_size = slot_size,
		.cell_size = xr__ring_cell_size(slot_size),
	};
	view->prod = side;
	view->cons = side;
	atomic_init(&view->prod.index, 0);
	atomic_init(&view->cons.index, 0);
	return view;
}

void
xr_ring_destroy(struct xr_ring *r)
{
	free(r);
}
