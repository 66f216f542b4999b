/*
 * xr_table: huge-page-backed, prefaulted tables; see xr_table.h.
 */
#include "xr_table.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Kept in the 64 bytes before the table. */
struct xr__table_hdr {
	void *base;	/* what to free or unmap */
	size_t map_len; /* 0 = from malloc */
};

#define XR__HDR 64
#define XR__HUGE ((size_t)2 << 20)

void *
xr_table_calloc(size_t n, size_t size)
{
	if (size != 0 && n > (SIZE_MAX - 2 * XR__HUGE) / size) {
		errno = ENOMEM;
		return NULL;
	}
	size_t bytes = n * size;
	struct xr__table_hdr h;
	unsigned char *t;

	if (bytes < XR_TABLE_HUGE_MIN) {
		unsigned char *b = aligned_alloc(XR__HDR, XR__HDR + (bytes + 63) / 64 * 64);
		if (b == NULL) {
			errno = ENOMEM;
			return NULL;
		}
		h = (struct xr__table_hdr){ .base = b, .map_len = 0 };
		t = b + XR__HDR;
		memset(t, 0, bytes); /* zeroes and faults in */
	} else {
		/* Room for the header below a 2 MiB-aligned start. */
		size_t len = bytes + 2 * XR__HUGE;
		unsigned char *b = mmap(NULL, len, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (b == MAP_FAILED) {
			errno = ENOMEM;
			return NULL;
		}
		t = (unsigned char *)(((uintptr_t)b + XR__HDR + XR__HUGE - 1) &
				      ~(uintptr_t)(XR__HUGE - 1));
		/* Advice only: without THP the table still works in 4 KiB pages. */
		(void)madvise(t, (bytes + XR__HUGE - 1) & ~(XR__HUGE - 1), MADV_HUGEPAGE);
		h = (struct xr__table_hdr){ .base = b, .map_len = len };
		/* Anonymous memory reads as zero; writing it faults every page
		 * in now (one fault per 2 MiB when backed by a huge page). */
		memset(t, 0, bytes);
	}
	memcpy(t - XR__HDR, &h, sizeof(h));
	return t;
}

void
xr_table_free(void *p)
{
	if (p == NULL)
		return;
	struct xr__table_hdr h;
	memcpy(&h, (unsigned char *)p - XR__HDR, sizeof(h));
	if (h.map_len != 0)
		munmap(h.base, h.map_len);
	else
		free(h.base);
}
