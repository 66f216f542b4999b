/*
 * Open-addressing uint64_t map with backward-shift deletion: the control
 * path (init, fini). The lookups are static inline in xr_u64map.h.
 */
#include "xr_u64map.h"
#include "xr_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
xr_u64map_init(struct xr_u64map *m, uint64_t max_keys, size_t val_size)
{
	memset(m, 0, sizeof(*m));
	if (max_keys == 0 || max_keys > (UINT64_C(1) << 40))
		return -EINVAL;
	uint64_t size = 2;
	while (size < max_keys * 2)
		size <<= 1;
	m->keys = xr_table_calloc(size, sizeof(uint64_t));
	if (val_size != 0)
		m->vals = xr_table_calloc(size, val_size);
	if (m->keys == NULL || (val_size != 0 && m->vals == NULL)) {
		xr_u64map_fini(m);
		return -ENOMEM;
	}
	m->val_size = val_size;
	m->mask = size - 1;
	return 0;
}

int
xr_u64map_init_seq(struct xr_u64map *m, uint64_t max_keys, size_t val_size)
{
	int rc = xr_u64map_init(m, max_keys, val_size);
	m->sequential = rc == 0;
	return rc;
}

void
xr_u64map_fini(struct xr_u64map *m)
{
	xr_table_free(m->keys);
	xr_table_free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
}
