/*
 * xr_alloc_probe: jemalloc's per-thread allocation counter
 * (jemalloc(3), "thread.allocatedp").
 */
#include "xr_alloc_probe.h"

#include <stddef.h>

#include <jemalloc/jemalloc.h>

const uint64_t *
xr_alloc_probe_thread(void)
{
	uint64_t *p = NULL;
	size_t len = sizeof(p);

	if (mallctl("thread.allocatedp", &p, &len, NULL, 0) != 0)
		return NULL;
	return p;
}
