/*
 * ClOrdID -> slot map (xr_idmap.h has the design and its sources).
 */
#include "xr_idmap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static uint32_t
xr__home(const struct xr_idmap *m, uint64_t id)
{
	return (uint32_t)((id * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & m->mask;
}

/* The bucket holding @p id, or the empty bucket ending its run. */
static uint32_t
xr__find(const struct xr_idmap *m, uint64_t id)
{
	uint32_t i = xr__home(m, id);

	while (m->val[i] != XR_IDMAP_NONE && m->key[i] != id)
		i = (i + 1) & m->mask;
	return i;
}

int
xr_idmap_init(struct xr_idmap *m, uint32_t cap)
{
	uint32_t buckets = 2;

	memset(m, 0, sizeof(*m));
	if (cap == 0 || cap > (UINT32_C(1) << 30))
		return -EINVAL;
	while (buckets < 2 * cap)
		buckets <<= 1;
	m->key = calloc(buckets, sizeof(*m->key));
	m->val = malloc((size_t)buckets * sizeof(*m->val));
	if (m->key == NULL || m->val == NULL) {
		xr_idmap_free(m);
		return -ENOMEM;
	}
	memset(m->val, 0xff, (size_t)buckets * sizeof(*m->val)); /* all NONE */
	m->mask = buckets - 1;
	m->cap = cap;
	return 0;
}

void
xr_idmap_free(struct xr_idmap *m)
{
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}

uint32_t
xr_idmap_get(const struct xr_idmap *m, uint64_t id)
{
	return m->val[xr__find(m, id)];
}

int
xr_idmap_put(struct xr_idmap *m, uint64_t id, uint32_t slot)
{
	uint32_t i = xr__find(m, id);

	if (m->val[i] != XR_IDMAP_NONE)
		return -EEXIST;
	if (m->n == m->cap)
		return -ENOSPC;
	m->key[i] = id;
	m->val[i] = slot;
	m->n++;
	return 0;
}

int
xr_idmap_del(struct xr_idmap *m, uint64_t id)
{
	uint32_t i = xr__find(m, id), j = i;

	if (m->val[i] == XR_IDMAP_NONE)
		return -ENOENT;
	for (;;) {
		j = (j + 1) & m->mask;
		if (m->val[j] == XR_IDMAP_NONE)
			break;
		uint32_t k = xr__home(m, m->key[j]);
		/* Entry j may stay if its home k lies cyclically in (i, j]. */
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (stays)
			continue;
		m->key[i] = m->key[j];
		m->val[i] = m->val[j];
		i = j;
	}
	m->val[i] = XR_IDMAP_NONE;
	m->n--;
	return 0;
}
