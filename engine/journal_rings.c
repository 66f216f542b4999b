/*
 * journal_rings: the file the journal rings live in (journal_pvt.h "RINGS
 * THAT SURVIVE THE PROCESS"). PATH-ring is a header page and then
 * n_rings xr_rings of 320-byte slots, mapped MAP_SHARED: a stage's store
 * into a ring is a store into the page cache, so a killed process leaves
 * its records there for the next open to drain.
 *
 * LAYOUT (native byte order; the file never leaves its host)
 *   0     struct xr__jr_hdr (magic "XRJRING1", version, shape), one page
 *   4096  ring 0, then ring 1 ... each xr_ring_memsize(slots, 320) bytes
 *
 * DRAINING A PREVIOUS RUN'S RINGS
 *   The file's own header and indices are checked before any cell is read:
 *   a wrong magic, version or shape, a file shorter than its shape, or a
 *   ring whose head is behind its tail or more than its capacity ahead is
 *   refused with an error naming the file, the ring and the numbers, and
 *   nothing is drained or overwritten (the operator keeps the file). Cells
 *   are read at the offsets the index layout fixes (xr_ring.h "Index
 *   layout": cells are the messages alone, contiguous); the stale cell
 *   pointers of the old mapping are never followed.
 */
#include "journal_pvt.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define XR__JR_MAGIC "XRJRING1"
#define XR__JR_VERSION 1u
#define XR__JR_HDR 4096u
#define XR__JR_SLOT ((uint32_t)sizeof(struct xr_msg))

/* The header page's fields. */
struct xr__jr_hdr {
	char magic[8];
	uint32_t version;
	uint32_t n_rings;
	uint32_t slots;
	uint32_t slot_size;
	uint64_t ring_bytes;	/* each ring, xr_ring_memsize(slots, slot_size) */
	uint64_t pid;		/* the process that laid the rings out */
	uint64_t layout_id;	/* this layout (meta 'ring_layout' names it) */
};

static size_t
xr__jr_size(uint32_t n_rings, size_t ring_bytes)
{
	return XR__JR_HDR + (size_t)n_rings * ring_bytes;
}

/* Drain an existing file @p fd of @p size bytes; 0, or -errno with err. */
static int
xr__jr_drain(struct xr_journal *j, const char *path, int fd, size_t size,
	     int (*drain)(struct xr_journal *, unsigned, const struct xr_msg *), char *err,
	     size_t err_len)
{
	struct xr__jr_hdr h;

	if (size == 0)
		return 0; /* created and killed before its layout: nothing in it */
	if (size < sizeof(h) || pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
		snprintf(err, err_len, "journal rings %s: %zu bytes, shorter than its header", path,
			 size);
		return -EBADMSG;
	}
	static const char zero[sizeof(h.magic)];
	if (memcmp(h.magic, zero, sizeof(zero)) == 0)
		return 0; /* killed while laid out: no stage had run yet */
	if (memcmp(h.magic, XR__JR_MAGIC, sizeof(h.magic)) != 0) {
		snprintf(err, err_len, "journal rings %s: not a journal rings file (no %s magic)",
			 path, XR__JR_MAGIC);
		return -EBADMSG;
	}
	if (h.version != XR__JR_VERSION || h.slot_size != XR__JR_SLOT ||
	    !xr_ring_shape_valid(h.slots, h.slot_size) ||
	    h.ring_bytes != xr_ring_memsize(h.slots, h.slot_size) ||
	    h.n_rings == 0 || h.n_rings > XR_JR_EXECUTE + XR_MAX_VENUES) {
		snprintf(err, err_len,
			 "journal rings %s: version %" PRIu32 ", %" PRIu32 " rings of %" PRIu32
			 " slots of %" PRIu32 " bytes: not a layout this xroute wrote (version %u, "
			 "%u-byte slots); its records cannot be read",
			 path, h.version, h.n_rings, h.slots, h.slot_size, XR__JR_VERSION,
			 XR__JR_SLOT);
		return -EBADMSG;
	}
	size_t need = xr__jr_size(h.n_rings, h.ring_bytes);
	if (size < need) {
		snprintf(err, err_len,
			 "journal rings %s: %zu bytes, its header says %zu (truncated); its "
			 "records are kept in the file, nothing drained",
			 path, size, need);
		return -EBADMSG;
	}
	unsigned char *map = mmap(NULL, need, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		int e = errno;
		snprintf(err, err_len, "journal rings %s: mmap: %s", path, strerror(e));
		return -e;
	}
	int rc = 0;
	/* What the killed writer committed and had not released yet: its
	 * tails in meta, for this very layout. */
	uint64_t saved_layout = 0, saved[XR_JR_EXECUTE + XR_MAX_VENUES] = { 0 };
	if (xr_jrings_saved(j, &saved_layout, saved, XR_JR_EXECUTE + XR_MAX_VENUES) != 0) {
		snprintf(err, err_len, "journal rings %s: %s", path, j->first_error);
		munmap(map, need);
		return -EIO;
	}
	bool same = saved_layout != 0 && saved_layout == h.layout_id;
	/* Check every ring before draining any, so a bad one drains none. */
	for (uint32_t r = 0; r < h.n_rings; r++) {
		struct xr_ring *ring = (struct xr_ring *)(map + XR__JR_HDR + r * h.ring_bytes);
		uint64_t head = atomic_load_explicit(&ring->prod.index, memory_order_relaxed);
		uint64_t tail = atomic_load_explicit(&ring->cons.index, memory_order_relaxed);
		if (head - tail > h.slots) {
			snprintf(err, err_len,
				 "journal rings %s: ring %" PRIu32 " has head %" PRIu64
				 " and tail %" PRIu64 ", impossible for %" PRIu32
				 " slots; nothing drained",
				 path, r, head, tail, h.slots);
			rc = -EBADMSG;
			goto out;
		}
	}
	for (uint32_t r = 0; r < h.n_rings && rc == 0; r++) {
		struct xr_ring *ring = (struct xr_ring *)(map + XR__JR_HDR + r * h.ring_bytes);
		uint64_t head = atomic_load_explicit(&ring->prod.index, memory_order_relaxed);
		uint64_t tail = atomic_load_explicit(&ring->cons.index, memory_order_relaxed);
		/* Committed already, not yet released when it was killed. */
		if (same && saved[r] - tail <= head - tail)
			tail = saved[r];
		for (uint64_t i = tail; i != head; i++) {
			struct xr_msg m;
			memcpy(&m, ring->cell_storage + (i & (h.slots - 1)) * (size_t)h.slot_size,
			       sizeof(m));
			rc = drain(j, r, &m);
			if (rc < 0) {
				snprintf(err, err_len,
					 "journal rings %s: ring %" PRIu32 " record %" PRIu64
					 ": %s; the file is kept",
					 path, r, i - tail, j->first_error);
				break;
			}
			j->st.recovered++;
		}
		j->drained_head[r] = head;
	}
	if (rc == 0) {
		j->drained_layout = h.layout_id;
		j->drained_n = h.n_rings;
	}
out:
	munmap(map, need);
	return rc;
}

int
xr_jrings_drain(struct xr_journal *j, const char *path,
		int (*drain)(struct xr_journal *j, unsigned ring, const struct xr_msg *m),
		char *err, size_t err_len)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		int e = errno;
		snprintf(err, err_len, "journal rings %s: %s", path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	int rc = xr__jr_drain(j, path, fd, (size_t)sb.st_size, drain, err, err_len);
	close(fd);
	return rc;
}

int
xr_jrings_layout(struct xr_journal *j, const char *path, uint32_t n_rings, uint32_t slots,
		 char *err, size_t err_len)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	size_t ring_bytes = xr_ring_memsize(slots, XR__JR_SLOT);
	size_t size = xr__jr_size(n_rings, ring_bytes);

	j->ring_fd = -1;
	/* Zero length first: every page reads as zeros, the header too, until
	 * it is written last (a file killed now holds no records and no
	 * magic, which xr__jr_drain() takes as empty). */
	if (fd < 0 || ftruncate(fd, 0) != 0 || ftruncate(fd, (off_t)size) != 0) {
		int e = errno;
		snprintf(err, err_len, "journal rings %s: cannot create %zu bytes: %s", path, size,
			 strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	unsigned char *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
				  fd, 0);
	if (map == MAP_FAILED) {
		int e = errno;
		snprintf(err, err_len, "journal rings %s: mmap of %zu bytes: %s", path, size,
			 strerror(e));
		close(fd);
		return -e;
	}
	j->views = aligned_alloc(XR_RING_PAD, (size_t)n_rings * sizeof(struct xr_ring));
	if (j->views == NULL) {
		snprintf(err, err_len, "journal rings %s: out of memory", path);
		munmap(map, size);
		close(fd);
		return -ENOMEM;
	}
	for (uint32_t r = 0; r < n_rings; r++) {
		j->rings[r] = xr_ring_init(map + XR__JR_HDR + r * ring_bytes, slots, XR__JR_SLOT);
		xr_ring_view_init(&j->views[r], j->rings[r], slots, XR__JR_SLOT);
		j->tail_saved[r] = 0;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	j->layout_id = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^
		       ((uint64_t)getpid() << 48);
	if (j->layout_id == 0)
		j->layout_id = 1;
	struct xr__jr_hdr h = { .version = XR__JR_VERSION, .n_rings = n_rings, .slots = slots,
				.slot_size = XR__JR_SLOT, .ring_bytes = ring_bytes,
				.pid = (uint64_t)getpid(), .layout_id = j->layout_id };
	memcpy(h.magic, XR__JR_MAGIC, sizeof(h.magic));
	memcpy(map, &h, sizeof(h));
	j->ring_fd = fd;
	j->map = map;
	j->map_bytes = size;
	j->n_rings = n_rings;
	return 0;
}

void
xr_jrings_close(struct xr_journal *j)
{
	free(j->views);
	j->views = NULL;
	if (j->map != NULL)
		munmap(j->map, j->map_bytes);
	if (j->ring_fd >= 0)
		close(j->ring_fd);
	j->map = NULL;
	j->ring_fd = -1;
	j->n_rings = 0;
}
