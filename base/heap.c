/*
 * Indexed binary min-heap: the control path (init, fini). The operations
 * are static inline in xr_heap.h, which has the design and its sources.
 */
#include "xr_heap.h"
#include "xr_table.h"

#include <errno.h>
#include <string.h>

int
xr_heap_init(struct xr_heap *h, uint32_t cap, bool fifo)
{
	memset(h, 0, sizeof(*h));
	if (cap == 0 || cap > (UINT32_C(1) << 31))
		return -EINVAL;
	h->ent = xr_table_calloc(cap, sizeof(*h->ent));
	h->pos = xr_table_calloc(cap, sizeof(*h->pos));
	if (h->ent == NULL || h->pos == NULL) {
		xr_heap_fini(h);
		return -ENOMEM;
	}
	memset(h->pos, 0xff, (size_t)cap * sizeof(*h->pos)); /* all XR_HEAP_NONE */
	h->cap = cap;
	h->fifo = fifo;
	return 0;
}

void
xr_heap_fini(struct xr_heap *h)
{
	xr_table_free(h->ent);
	xr_table_free(h->pos);
	memset(h, 0, sizeof(*h));
}
