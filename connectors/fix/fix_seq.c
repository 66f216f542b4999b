/*
 * The MsgSeqNum store file of a FIX session (fix_seq_pvt.h): open, lock,
 * size, map; and the reverse. Shared by the venue connector and the
 * order-entry gateway.
 */
#include "fix_seq_pvt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int
xr__fix_seq_open(const char *path, int *fd_out, struct xr_fix_seq **seq_out, char *why,
		 size_t why_len)
{
	struct stat sb;
	void *p = MAP_FAILED;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0) {
		snprintf(why, why_len, "%s", strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(why, why_len, "in use by another process (%s)", strerror(errno));
		goto fail;
	}
	if (fstat(fd, &sb) != 0) {
		snprintf(why, why_len, "%s", strerror(errno));
		goto fail;
	}
	if (sb.st_size != 0 && sb.st_size != (off_t)sizeof(struct xr_fix_seq)) {
		snprintf(why, why_len, "not a sequence store (%lld bytes, expected %zu)",
			 (long long)sb.st_size, sizeof(struct xr_fix_seq));
		goto fail;
	}
	if (sb.st_size == 0 && ftruncate(fd, sizeof(struct xr_fix_seq)) != 0) {
		snprintf(why, why_len, "%s", strerror(errno));
		goto fail;
	}
	p = mmap(NULL, sizeof(struct xr_fix_seq), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		snprintf(why, why_len, "mmap: %s", strerror(errno));
		goto fail;
	}
	if (sb.st_size != 0 && ((struct xr_fix_seq *)p)->magic != XR_FIX_SEQ_MAGIC) {
		snprintf(why, why_len, "not a sequence store (bad magic)");
		goto fail;
	}
	*fd_out = fd;
	*seq_out = p;
	return 0;
fail:
	if (p != MAP_FAILED)
		munmap(p, sizeof(struct xr_fix_seq));
	close(fd);
	return -1;
}

void
xr__fix_seq_close(int fd, struct xr_fix_seq *seq)
{
	if (seq != NULL) {
		msync(seq, sizeof(*seq), MS_SYNC);
		munmap(seq, sizeof(*seq));
	}
	if (fd >= 0)
		close(fd);
}
