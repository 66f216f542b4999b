/*
 * libxroute-client (tools/client/xr_client.h): the handshake and the
 * client's side of its two rings. The client trusts the router, so it runs
 * the ring fast path on the shared rings directly, after xr_ring_rebase().
 */
#include "xr_client.h"

#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xr_ring.h"

struct xr_client {
	int sock;
	unsigned char *map;
	size_t map_size;
	struct xr_ring *c2r; /* we produce */
	struct xr_ring *r2c; /* we consume */
	char name[XR_CLIENT_NAME_SIZE];
};

/* Receive the welcome and at most one fd; -1 if none came. */
static ssize_t
xr__recv_welcome(int sock, struct xr_client_welcome *w, int *fd)
{
	struct iovec iov = {.iov_base = w, .iov_len = sizeof(*w)};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	*fd = -1;
	ssize_t r;
	do
		r = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); r >= 0 && c != NULL; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	return r;
}

static int
xr__check_hdr(const struct xr_client_shm_hdr *h, size_t size)
{
	if (h->magic != XR_CLIENT_MAGIC || h->version != XR_CLIENT_VERSION ||
	    h->hdr_size != sizeof(*h) || h->map_size != size ||
	    h->c2r_slot_size != XR_CLIENT_SIGNAL_SIZE || h->r2c_slot_size != XR_CLIENT_EVENT_SIZE ||
	    h->c2r_offset % XR_RING_PAD != 0 || h->r2c_offset % XR_RING_PAD != 0)
		return -1;
	size_t a = xr_ring_memsize(h->c2r_capacity, h->c2r_slot_size);
	size_t b = xr_ring_memsize(h->r2c_capacity, h->r2c_slot_size);
	if (a == 0 || b == 0 || h->c2r_offset < sizeof(*h) || h->c2r_offset > size ||
	    size - h->c2r_offset < a || h->r2c_offset > size || size - h->r2c_offset < b)
		return -1;
	return 0;
}

struct xr_client *
xr_client_connect(const char *socket_path, const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t nl = name ? strlen(name) : 0;
	if (socket_path == NULL || strlen(socket_path) >= sizeof(sa.sun_path) || nl == 0 ||
	    nl >= XR_CLIENT_NAME_SIZE) {
		errno = EINVAL;
		return NULL;
	}
	memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
	struct xr_client *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	memcpy(c->name, name, nl);
	int fd = -1, e = EPROTO;
	c->sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->sock < 0 || connect(c->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		goto fail;
	}
	struct xr_client_hello hello = {.magic = XR_CLIENT_MAGIC, .version = XR_CLIENT_VERSION};
	memcpy(hello.name, name, nl);
	/* A router that refuses at once (full) may answer and close before
	 * our hello goes out; its welcome is still queued for us, so a failed
	 * send is judged by what we then receive. */
	int se = 0;
	if (send(c->sock, &hello, sizeof(hello), MSG_NOSIGNAL) != (ssize_t)sizeof(hello))
		se = errno ? errno : EPROTO;
	struct xr_client_welcome w;
	ssize_t r = xr__recv_welcome(c->sock, &w, &fd);
	if (r != (ssize_t)sizeof(w) || w.magic != XR_CLIENT_MAGIC) {
		e = se ? se : r < 0 ? errno : EPROTO;
		goto fail;
	}
	if (w.status != XR_CLIENT_OK) {
		e = w.status == XR_CLIENT_E_FULL	 ? EBUSY
		    : w.status == XR_CLIENT_E_DENIED ? EACCES
		    : w.status == XR_CLIENT_E_BUSY   ? EALREADY
						     : EPERM;
		goto fail;
	}
	if (fd < 0 || w.map_size < sizeof(struct xr_client_shm_hdr) || w.map_size > (1ull << 40))
		goto fail;
	void *m = mmap(NULL, w.map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		e = errno;
		goto fail;
	}
	close(fd);
	fd = -1;
	c->map = m;
	c->map_size = w.map_size;
	const struct xr_client_shm_hdr *h = m;
	if (xr__check_hdr(h, c->map_size) < 0)
		goto fail;
	c->c2r = (struct xr_ring *)(void *)(c->map + h->c2r_offset);
	c->r2c = (struct xr_ring *)(void *)(c->map + h->r2c_offset);
	xr_ring_rebase(c->c2r);
	xr_ring_rebase(c->r2c);
	return c;
fail:
	if (fd >= 0)
		close(fd);
	xr_client_close(c);
	errno = e;
	return NULL;
}

int
xr_client_submit(struct xr_client *c, const struct xr_client_signal *sig)
{
	if (sig->kind != XR_CSIG_NEW)
		return -EINVAL;
	if (sig->user[0] != 0)
		return xr_ring_enqueue(c->c2r, sig) ? 0 : -EAGAIN;
	alignas(64) struct xr_client_signal s = *sig;
	memcpy(s.user, c->name, sizeof(s.user));
	return xr_ring_enqueue(c->c2r, &s) ? 0 : -EAGAIN;
}

int
xr_client_cancel(struct xr_client *c, uint64_t signal_id, const char *symbol)
{
	size_t n = symbol ? strlen(symbol) : 0;
	if (n == 0 || n >= XR_CLIENT_NAME_SIZE)
		return -EINVAL;
	alignas(64) struct xr_client_signal s = {.kind = XR_CSIG_CANCEL, .signal_id = signal_id};
	memcpy(s.user, c->name, sizeof(s.user));
	memcpy(s.symbol, symbol, n);
	return xr_ring_enqueue(c->c2r, &s) ? 0 : -EAGAIN;
}

uint32_t
xr_client_pending(const struct xr_client *c)
{
	return xr_ring_count(c->c2r);
}

int
xr_client_poll(struct xr_client *c, struct xr_client_event *ev, int n)
{
	return n <= 0 ? 0 : (int)xr_ring_dequeue_burst(c->r2c, ev, (uint32_t)n);
}

int
xr_client_fd(const struct xr_client *c)
{
	return c->sock;
}

const struct xr_client_shm_hdr *
xr_client_header(const struct xr_client *c)
{
	return (const struct xr_client_shm_hdr *)(const void *)c->map;
}

void
xr_client_close(struct xr_client *c)
{
	if (c == NULL)
		return;
	if (c->map != NULL)
		munmap(c->map, c->map_size);
	if (c->sock >= 0)
		close(c->sock);
	free(c);
}
