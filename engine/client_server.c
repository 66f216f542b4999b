/*
 * client_server: the router's end of the shared-memory client protocol
 * (engine/xr_client_server.h, base/xr_client_proto.h).
 *
 * DESIGN
 *   Sessions live in one array allocated at creation, each with the private
 *   views of its two rings (XR_RING_PAD-aligned). The handshake is the only
 *   place that allocates: memfd_create, ftruncate, mmap, seals. Nothing read
 *   from the mapping is used before it is checked: indices by
 *   xr_ring_view_pull_head/_tail, records by xr_client_signal_parse() on a
 *   private copy.
 */
#include "xr_client_server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "xr_client_parse.h"
#include "xr_ring.h"

struct xr__client_session {
	struct xr_ring *c2r_view; /* private (views[]): router is the consumer */
	struct xr_ring *r2c_view; /* private (views[]): router is the producer */
	struct xr_ring *c2r;	 /* shared, in map */
	struct xr_ring *r2c;	 /* shared, in map */
	unsigned char *map;
	size_t map_size;
	int sock;
	int memfd;
	struct xr_client_info info;
};

struct xr_client_server {
	int listen_fd;
	uint32_t max_clients;
	uint32_t c2r_capacity;
	uint32_t r2c_capacity;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct xr__client_session *s; /* max_clients */
	struct xr_ring *views;	      /* 2 * max_clients ring headers, XR_RING_PAD-aligned */
};

/*
 * Close a session socket so the peer still reads what we sent. A Unix
 * socket closed with unread data in its queue makes the peer's next recv
 * fail with ECONNRESET, dropping our queued welcome; shutting our read side
 * first stops new data (the peer's send gets EPIPE), then the queue is
 * drained (bounded: a queue holds few messages) and the close is clean.
 */
static void
xr__sock_close(int fd)
{
	char buf[sizeof(struct xr_client_hello)];

	shutdown(fd, SHUT_RD);
	for (int i = 0; i < 256 && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0; i++)
		;
	close(fd);
}

static int
xr__pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0 && v <= XR_RING_MAX_CAPACITY;
}

struct xr_client_server *
xr_client_server_create(const char *path, uint32_t max_clients, uint32_t c2r_capacity,
			uint32_t r2c_capacity)
{
	if (path == NULL || max_clients == 0 || max_clients > 1024 || !xr__pow2(c2r_capacity) ||
	    !xr__pow2(r2c_capacity)) {
		errno = EINVAL;
		return NULL;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	struct xr_client_server *srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return NULL;
	srv->s = calloc(max_clients, sizeof(struct xr__client_session));
	/* sizeof(struct xr_ring) is a multiple of XR_RING_PAD (its members'
	 * alignment), so every header of the array is aligned. */
	srv->views = aligned_alloc(XR_RING_PAD, 2 * (size_t)max_clients * sizeof(struct xr_ring));
	if (srv->s == NULL || srv->views == NULL) {
		free(srv->s);
		free(srv->views);
		free(srv);
		errno = ENOMEM;
		return NULL;
	}
	for (uint32_t i = 0; i < max_clients; i++) {
		srv->s[i].sock = -1;
		srv->s[i].memfd = -1;
		srv->s[i].c2r_view = &srv->views[2 * i];
		srv->s[i].r2c_view = &srv->views[2 * i + 1];
	}
	srv->max_clients = max_clients;
	srv->c2r_capacity = c2r_capacity;
	srv->r2c_capacity = r2c_capacity;
	snprintf(srv->path, sizeof(srv->path), "%s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);

	srv->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->listen_fd < 0)
		goto fail;
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	if (bind(srv->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(srv->listen_fd, 64) < 0)
		goto fail;
	return srv;
fail:;
	int e = errno;
	if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	free(srv->s);
	free(srv->views);
	free(srv);
	errno = e;
	return NULL;
}

void
xr_client_server_retire(struct xr_client_server *srv, uint32_t id, const char *why)
{
	if (srv == NULL || id >= srv->max_clients)
		return;
	struct xr__client_session *s = &srv->s[id];
	if (s->info.state == XR_CLIENT_FREE)
		return;
	if (s->map != NULL)
		munmap(s->map, s->map_size);
	if (s->memfd >= 0)
		close(s->memfd);
	if (s->sock >= 0)
		xr__sock_close(s->sock);
	s->map = NULL;
	s->c2r = s->r2c = NULL;
	s->memfd = s->sock = -1;
	struct xr_client_info keep = s->info;
	memset(&s->info, 0, sizeof(s->info));
	s->info.state = XR_CLIENT_FREE;
	snprintf(s->info.error, sizeof(s->info.error), "client %u (pid %ld, user \"%s\"): %s", id,
		 (long)keep.pid, keep.name, why ? why : "retired");
}

void
xr_client_server_destroy(struct xr_client_server *srv)
{
	if (srv == NULL)
		return;
	for (uint32_t i = 0; i < srv->max_clients; i++)
		xr_client_server_retire(srv, i, "server stopped");
	close(srv->listen_fd);
	unlink(srv->path);
	free(srv->s);
	free(srv->views);
	free(srv);
}

int
xr_client_server_pollfds(const struct xr_client_server *srv, struct pollfd *fds, int n)
{
	int k = 0;
	if (n < 1)
		return 0;
	fds[k++] = (struct pollfd){.fd = srv->listen_fd, .events = POLLIN};
	for (uint32_t i = 0; i < srv->max_clients && k < n; i++)
		if (srv->s[i].sock >= 0)
			fds[k++] = (struct pollfd){.fd = srv->s[i].sock, .events = POLLIN};
	return k;
}

/* Send a welcome, with @p fd as SCM_RIGHTS when fd >= 0. */
static int
xr__send_welcome(int sock, const struct xr_client_welcome *w, int fd)
{
	struct iovec iov = {.iov_base = (void *)(uintptr_t)w, .iov_len = sizeof(*w)};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		m.msg_control = u.buf;
		m.msg_controllen = sizeof(u.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	ssize_t r = sendmsg(sock, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
	return r == (ssize_t)sizeof(*w) ? 0 : -1;
}

/* Build the mapping of session @p s; 0 or -1 (errno set). */
static int
xr__session_map(struct xr_client_server *srv, struct xr__client_session *s, uint32_t id)
{
	size_t c2r_bytes = xr_ring_memsize(srv->c2r_capacity, XR_CLIENT_SIGNAL_SIZE);
	size_t r2c_bytes = xr_ring_memsize(srv->r2c_capacity, XR_CLIENT_EVENT_SIZE);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t c2r_off = XR_RING_PAD; /* header is 128 bytes */
	size_t r2c_off = c2r_off + c2r_bytes;
	size_t size = (r2c_off + r2c_bytes + page - 1) / page * page;

	s->memfd = memfd_create("xroute-client", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (s->memfd < 0 || ftruncate(s->memfd, (off_t)size) < 0)
		return -1;
	/* A client could shrink the file under our mapping (SIGBUS here). */
	if (fcntl(s->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return -1;
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, s->memfd, 0);
	if (m == MAP_FAILED)
		return -1;
	s->map = m;
	s->map_size = size;
	struct stat st;
	if (fstat(s->memfd, &st) == 0)
		s->info.memfd_ino = (uint64_t)st.st_ino;

	struct xr_client_shm_hdr *h = m;
	*h = (struct xr_client_shm_hdr){
		.magic = XR_CLIENT_MAGIC,
		.version = XR_CLIENT_VERSION,
		.hdr_size = sizeof(*h),
		.map_size = size,
		.c2r_offset = c2r_off,
		.r2c_offset = r2c_off,
		.c2r_capacity = srv->c2r_capacity,
		.c2r_slot_size = XR_CLIENT_SIGNAL_SIZE,
		.r2c_capacity = srv->r2c_capacity,
		.r2c_slot_size = XR_CLIENT_EVENT_SIZE,
		.client_id = id,
		.peer_uid = (uint32_t)s->info.uid,
	};
	memcpy(h->name, s->info.name, sizeof(h->name));
	s->c2r = xr_ring_init(s->map + c2r_off, srv->c2r_capacity, XR_CLIENT_SIGNAL_SIZE);
	s->r2c = xr_ring_init(s->map + r2c_off, srv->r2c_capacity, XR_CLIENT_EVENT_SIZE);
	if (s->c2r == NULL || s->r2c == NULL ||
	    !xr_ring_view_init(s->c2r_view, s->c2r, srv->c2r_capacity, XR_CLIENT_SIGNAL_SIZE) ||
	    !xr_ring_view_init(s->r2c_view, s->r2c, srv->r2c_capacity, XR_CLIENT_EVENT_SIZE))
		return -1;
	/* The shared blocks hold our addresses after xr_ring_init(): clear
	 * them (ASLR); the client rebases them to its own, and we never read
	 * them (the views hold our pointers). */
	xr_ring_unbase(s->c2r);
	xr_ring_unbase(s->r2c);
	return 0;
}

/* Read session @p id's hello and answer it; 1 if it changed state. */
static int
xr__session_hello(struct xr_client_server *srv, uint32_t id)
{
	struct xr__client_session *s = &srv->s[id];
	struct xr_client_hello hello;
	ssize_t r = recv(s->sock, &hello, sizeof(hello), MSG_DONTWAIT);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (r <= 0) {
		xr_client_server_retire(srv, id, r == 0 ? "hung up before its hello"
							: "recv of the hello failed");
		return 1;
	}
	struct xr_client_welcome w = {.magic = XR_CLIENT_MAGIC, .version = XR_CLIENT_VERSION,
				      .client_id = id, .peer_uid = (uint32_t)s->info.uid};
	const char *why = NULL;
	size_t nl = strnlen(hello.name, sizeof(hello.name));
	if (r != (ssize_t)sizeof(hello) || hello.magic != XR_CLIENT_MAGIC ||
	    hello.version != XR_CLIENT_VERSION) {
		w.status = XR_CLIENT_E_VERSION;
		why = "hello: wrong size, magic or version";
	} else if (nl == 0 || nl == sizeof(hello.name)) {
		w.status = XR_CLIENT_E_NAME;
		why = "hello: name empty or not NUL-terminated";
	}
	if (why != NULL) {
		xr__send_welcome(s->sock, &w, -1);
		xr_client_server_retire(srv, id, why);
		return 1;
	}
	memset(s->info.name, 0, sizeof(s->info.name));
	memcpy(s->info.name, hello.name, nl);
	if (xr__session_map(srv, s, id) < 0) {
		w.status = XR_CLIENT_E_INTERNAL;
		xr__send_welcome(s->sock, &w, -1);
		xr_client_server_retire(srv, id, "memfd or mmap failed");
		return 1;
	}
	w.map_size = s->map_size;
	if (xr__send_welcome(s->sock, &w, s->memfd) < 0) {
		xr_client_server_retire(srv, id, "sendmsg of the welcome failed");
		return 1;
	}
	s->info.state = XR_CLIENT_OPEN;
	return 1;
}

int
xr_client_server_service(struct xr_client_server *srv)
{
	int changed = 0;

	for (;;) {
		int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ECONNABORTED || errno == EINTR)
				continue;
			return -errno;
		}
		uint32_t id = 0;
		while (id < srv->max_clients && srv->s[id].info.state != XR_CLIENT_FREE)
			id++;
		struct ucred cred;
		socklen_t cl = sizeof(cred);
		if (id == srv->max_clients ||
		    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0) {
			struct xr_client_welcome w = {.magic = XR_CLIENT_MAGIC,
						      .version = XR_CLIENT_VERSION,
						      .status = XR_CLIENT_E_FULL};
			xr__send_welcome(fd, &w, -1);
			xr__sock_close(fd);
			continue;
		}
		struct xr__client_session *s = &srv->s[id];
		memset(&s->info, 0, sizeof(s->info));
		s->info.state = XR_CLIENT_HELLO;
		s->info.pid = cred.pid;
		s->info.uid = cred.uid;
		s->info.gid = cred.gid;
		s->sock = fd;
	}
	for (uint32_t id = 0; id < srv->max_clients; id++) {
		struct xr__client_session *s = &srv->s[id];
		if (s->info.state == XR_CLIENT_HELLO) {
			changed += xr__session_hello(srv, id);
		} else if (s->info.state == XR_CLIENT_OPEN) {
			/* An open session sends nothing more: any byte or a
			 * hang-up ends it. */
			char b;
			ssize_t r = recv(s->sock, &b, 1, MSG_DONTWAIT);
			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
				xr_client_server_retire(srv, id, "hung up");
				changed++;
			} else if (r > 0) {
				xr_client_server_retire(srv, id, "sent bytes after its hello");
				changed++;
			}
		}
	}
	return changed;
}

int
xr_client_server_info(const struct xr_client_server *srv, uint32_t id,
		      struct xr_client_info *info)
{
	if (srv == NULL || id >= srv->max_clients)
		return -EINVAL;
	*info = srv->s[id].info;
	return 0;
}

int
xr_client_server_check(struct xr_client_server *srv, uint32_t id)
{
	if (id >= srv->max_clients || srv->s[id].info.state != XR_CLIENT_OPEN)
		return -ENOTCONN;
	struct xr__client_session *s = &srv->s[id];
	if (xr_ring_view_pull_head(s->c2r_view, s->c2r) < 0) {
		xr_client_server_retire(srv, id, "client_to_router head is impossible");
		return -EPROTO;
	}
	if (xr_ring_view_pull_tail(s->r2c_view, s->r2c) < 0) {
		xr_client_server_retire(srv, id, "router_to_client tail is impossible");
		return -EPROTO;
	}
	return 0;
}

int
xr_client_server_next(struct xr_client_server *srv, uint32_t id,
		      const struct xr_names *names, struct xr_msg *out)
{
	int rc = xr_client_server_check(srv, id);
	if (rc < 0)
		return rc;
	struct xr__client_session *s = &srv->s[id];
	alignas(64) struct xr_client_signal rec;
	if (!xr_ring_dequeue(s->c2r_view, &rec))
		return 0;
	xr_ring_view_push_tail(s->c2r_view, s->c2r);
	char err[128];
	if (xr_client_signal_parse(&rec, s->info.name, names, out, err, sizeof(err)) < 0) {
		char why[160];
		snprintf(why, sizeof(why), "garbage record: %s", err);
		xr_client_server_retire(srv, id, why);
		return -EBADMSG;
	}
	return 1;
}

int
xr_client_server_send(struct xr_client_server *srv, uint32_t id,
		      const struct xr_client_event *ev)
{
	if (id >= srv->max_clients || srv->s[id].info.state != XR_CLIENT_OPEN)
		return -ENOTCONN;
	struct xr__client_session *s = &srv->s[id];
	if (xr_ring_view_pull_tail(s->r2c_view, s->r2c) < 0) {
		xr_client_server_retire(srv, id, "router_to_client tail is impossible");
		return -EPROTO;
	}
	if (!xr_ring_enqueue(s->r2c_view, ev))
		return -EAGAIN;
	xr_ring_view_push_head(s->r2c_view, s->r2c);
	return 0;
}
