/*
 * Open-addressing uint64_t map with backward-shift deletion; see
 * xr_u64map.h.
 */
#include "xr_u64map.h"
#include "xr_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static inline uint64_t
xr__home(const struct xr_u64map *m, uint64_t key)
{
	return xr_u64map_home(m, key);
}

static inline void *
xr__val(const struct xr_u64map *m, uint64_t i)
{
	return m->vals != NULL ? m->vals + i * m->val_size : (void *)&m->keys[i];
}

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

void *
xr_u64map_find(const struct xr_u64map *m, uint64_t key)
{
	uint64_t i = xr__home(m, key);

	while (m->keys[i] != 0) {
		if (m->keys[i] == key)
			return xr__val(m, i);
		i = (i + 1) & m->mask;
	}
	return NULL;
}

void *
xr_u64map_upsert(struct xr_u64map *m, uint64_t key, bool *inserted)
{
	uint64_t i = xr__home(m, key);

	*inserted = false;
	while (m->keys[i] != 0) {
		if (m->keys[i] == key)
			return xr__val(m, i);
		i = (i + 1) & m->mask;
	}
	if (m->count == m->mask)
		return NULL; /* keep one empty slot so probes terminate */
	m->keys[i] = key;
	m->count++;
	*inserted = true;
	return xr__val(m, i);
}

bool
xr_u64map_remove(struct xr_u64map *m, uint64_t key)
{
	uint64_t i = xr__home(m, key);

	while (m->keys[i] != key) {
		if (m->keys[i] == 0)
			return false;
		i = (i + 1) & m->mask;
	}
	/* Backward shift: pull later members of the probe run into the hole
	 * unless their home slot lies cyclically in (hole, j]. */
	for (uint64_t j = i;;) {
		j = (j + 1) & m->mask;
		if (m->keys[j] == 0)
			break;
		uint64_t home = xr__home(m, m->keys[j]);
		bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
		if (stays)
			continue;
		m->keys[i] = m->keys[j];
		if (m->vals != NULL)
			memcpy(xr__val(m, i), xr__val(m, j), m->val_size);
		i = j;
	}
	m->keys[i] = 0;
	if (m->vals != NULL)
		memset(xr__val(m, i), 0, m->val_size);
	m->count--;
	return true;
}
