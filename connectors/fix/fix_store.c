/*
 * The outbound message store of a FIX session (xr_fix_store.h states the
 * layout, its durability and its guarantees): open and check the file,
 * put, get, clear.
 */
#include "xr_fix_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The file's first 64 bytes. */
struct xr__store_hdr {
	uint64_t magic;	   /* XR_FIX_STORE_MAGIC */
	uint32_t version;  /* XR_FIX_STORE_VERSION */
	uint32_t slot_bytes; /* XR_FIX_STORE_SLOT */
	uint32_t n_slots;
	uint32_t pad0;
	uint64_t pad[5];
};
_Static_assert(sizeof(struct xr__store_hdr) == 64, "the header is 64 bytes");

/* One slot: 32 bytes of header, then the body. */
struct xr__store_slot {
	uint64_t seq;	     /* MsgSeqNum held, 0 = empty */
	uint64_t sending_ns; /* original SendingTime, ns since 1970 UTC */
	uint32_t len;	     /* body bytes */
	char msg_type[4];    /* NUL-ended */
	uint64_t pad;
	char body[XR_FIX_STORE_BODY_MAX];
};
_Static_assert(sizeof(struct xr__store_slot) == XR_FIX_STORE_SLOT, "a slot is 1024 bytes");

struct xr_fix_store {
	int fd;
	size_t map_len;
	struct xr__store_hdr *hdr;
	struct xr__store_slot *slots;
	uint32_t n_slots;
};

static size_t
xr__store_len(uint32_t n_slots)
{
	return sizeof(struct xr__store_hdr) + (size_t)n_slots * XR_FIX_STORE_SLOT;
}

/* Check an existing file's content; @return NULL or why it is unsound. */
static const char *
xr__store_check(const struct xr_fix_store *st, char *why, size_t why_len)
{
	for (uint32_t i = 0; i < st->n_slots; i++) {
		const struct xr__store_slot *sl = &st->slots[i];
		if (sl->seq == 0)
			continue;
		if (sl->seq % st->n_slots != i) {
			snprintf(why, why_len, "slot %u is corrupt (MsgSeqNum %llu in the slot of "
				 "%u mod %u)", i, (unsigned long long)sl->seq, i, st->n_slots);
			return why;
		}
		if (sl->len > XR_FIX_STORE_BODY_MAX || sl->msg_type[0] == '\0' ||
		    memchr(sl->msg_type, '\0', sizeof(sl->msg_type)) == NULL) {
			snprintf(why, why_len, "slot %u is corrupt (MsgSeqNum %llu: body length "
				 "%u or MsgType unreadable)", i, (unsigned long long)sl->seq,
				 sl->len);
			return why;
		}
	}
	return NULL;
}

int
xr_fix_store_open(const char *path, uint32_t n_slots, struct xr_fix_store **out, char *err,
		  size_t err_len)
{
	struct xr_fix_store *st;
	struct stat sb;
	char why[160];
	int rc;

	*out = NULL;
	if (n_slots == 0)
		n_slots = XR_FIX_STORE_DEFAULT_SLOTS;
	if (n_slots < XR_FIX_STORE_MIN_SLOTS || n_slots > XR_FIX_STORE_MAX_SLOTS) {
		snprintf(err, err_len, "%s: %u slots: not %u..%u", path, n_slots,
			 XR_FIX_STORE_MIN_SLOTS, XR_FIX_STORE_MAX_SLOTS);
		return -EINVAL;
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		snprintf(err, err_len, "%s: out of memory", path);
		return -ENOMEM;
	}
	st->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (st->fd < 0) {
		rc = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		free(st);
		return rc;
	}
	if (flock(st->fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, err_len, "%s: in use by another process (%s)", path, strerror(errno));
		rc = -EBUSY;
		goto fail;
	}
	if (fstat(st->fd, &sb) != 0) {
		rc = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (sb.st_size == 0) {
		/* New: sized and given its header; the slots are zero (empty). */
		struct xr__store_hdr h = { .magic = XR_FIX_STORE_MAGIC,
					   .version = XR_FIX_STORE_VERSION,
					   .slot_bytes = XR_FIX_STORE_SLOT,
					   .n_slots = n_slots };
		if (ftruncate(st->fd, (off_t)xr__store_len(n_slots)) != 0 ||
		    pwrite(st->fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
			rc = errno != 0 ? -errno : -EIO;
			snprintf(err, err_len, "%s: %s", path, strerror(-rc));
			goto fail;
		}
		sb.st_size = (off_t)xr__store_len(n_slots);
	} else {
		struct xr__store_hdr h;
		if (sb.st_size < (off_t)sizeof(h) ||
		    pread(st->fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
			snprintf(err, err_len, "%s: not a message store (%lld bytes, shorter than "
				 "its header)", path, (long long)sb.st_size);
			rc = -EINVAL;
			goto fail;
		}
		if (h.magic != XR_FIX_STORE_MAGIC) {
			snprintf(err, err_len, "%s: not a message store (bad magic)", path);
			rc = -EINVAL;
			goto fail;
		}
		if (h.version != XR_FIX_STORE_VERSION || h.slot_bytes != XR_FIX_STORE_SLOT) {
			snprintf(err, err_len, "%s: message store version %u with %u-byte slots, "
				 "expected version %u with %u", path, h.version, h.slot_bytes,
				 XR_FIX_STORE_VERSION, XR_FIX_STORE_SLOT);
			rc = -EINVAL;
			goto fail;
		}
		if (h.n_slots < XR_FIX_STORE_MIN_SLOTS || h.n_slots > XR_FIX_STORE_MAX_SLOTS) {
			snprintf(err, err_len, "%s: corrupt header (%u slots, not %u..%u)", path,
				 h.n_slots, XR_FIX_STORE_MIN_SLOTS, XR_FIX_STORE_MAX_SLOTS);
			rc = -EINVAL;
			goto fail;
		}
		if (sb.st_size != (off_t)xr__store_len(h.n_slots)) {
			snprintf(err, err_len, "%s: truncated or extended: %lld bytes, the header "
				 "says %zu", path, (long long)sb.st_size, xr__store_len(h.n_slots));
			rc = -EINVAL;
			goto fail;
		}
		n_slots = h.n_slots;
	}
	st->n_slots = n_slots;
	st->map_len = (size_t)sb.st_size;
	void *p = mmap(NULL, st->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, st->fd, 0);
	if (p == MAP_FAILED) {
		rc = -errno;
		snprintf(err, err_len, "%s: mmap: %s", path, strerror(errno));
		goto fail;
	}
	st->hdr = p;
	st->slots = (struct xr__store_slot *)((char *)p + sizeof(struct xr__store_hdr));
	if (xr__store_check(st, why, sizeof(why)) != NULL) {
		snprintf(err, err_len, "%s: %s", path, why);
		munmap(p, st->map_len);
		rc = -EINVAL;
		goto fail;
	}
	*out = st;
	return 0;
fail:
	close(st->fd);
	free(st);
	return rc;
}

void
xr_fix_store_close(struct xr_fix_store *st)
{
	if (st == NULL)
		return;
	munmap(st->hdr, st->map_len);
	close(st->fd);
	free(st);
}

int
xr_fix_store_put(struct xr_fix_store *st, uint64_t seq, const char *msg_type,
		 uint64_t sending_ns, const char *body, size_t len)
{
	size_t tl = msg_type != NULL ? strnlen(msg_type, 3) : 0;

	if (seq == 0 || tl == 0 || tl > 2)
		return -EINVAL;
	struct xr__store_slot *sl = &st->slots[seq % st->n_slots];
	/* Empty first, MsgSeqNum last: a put cut short leaves an empty slot.
	 * The fences keep the compiler from reordering the plain stores. */
	sl->seq = 0;
	atomic_signal_fence(memory_order_seq_cst);
	if (len > XR_FIX_STORE_BODY_MAX)
		return -EMSGSIZE;
	sl->sending_ns = sending_ns;
	sl->len = (uint32_t)len;
	memset(sl->msg_type, 0, sizeof(sl->msg_type));
	memcpy(sl->msg_type, msg_type, tl);
	memcpy(sl->body, body, len);
	atomic_signal_fence(memory_order_seq_cst);
	sl->seq = seq;
	return 0;
}

bool
xr_fix_store_get(const struct xr_fix_store *st, uint64_t seq, char msg_type[3],
		 uint64_t *sending_ns, const char **body, uint32_t *len)
{
	const struct xr__store_slot *sl;

	if (seq == 0)
		return false;
	sl = &st->slots[seq % st->n_slots];
	if (sl->seq != seq)
		return false;
	memcpy(msg_type, sl->msg_type, 3);
	msg_type[2] = '\0';
	*sending_ns = sl->sending_ns;
	*body = sl->body;
	*len = sl->len;
	return true;
}

void
xr_fix_store_clear(struct xr_fix_store *st)
{
	for (uint32_t i = 0; i < st->n_slots; i++)
		st->slots[i].seq = 0;
}

uint32_t
xr_fix_store_slots(const struct xr_fix_store *st)
{
	return st->n_slots;
}
