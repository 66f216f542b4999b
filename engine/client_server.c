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
#include <inttypes.h>
#include <fcntl.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "xr_client_parse.h"
#include "xr_clock.h"
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
	/* Who may touch the mapping (enum xr__phase): the owner writes FREE,
	 * HELLO, LIVE and CLOSING; the data thread writes RELEASED. */
	_Atomic int phase;
	uint64_t hello_by_ns;	  /* HELLO: retired if no hello by then */
	int32_t book;		  /* the authorizer's answer, for the notice */
	bool close_told;	  /* CLOSING notice sent */
	char release_why[120];	  /* the data thread's reason, read by the
				   * owner after the RELEASED acquire */
};

/*
 * A session's phase. The owner runs the socket side; the data thread the
 * rings. LIVE: the data thread may use the rings (told by an OPEN notice).
 * CLOSING: the owner saw the socket end and asks for the rings back (a
 * CLOSE notice). RELEASED: the data thread let go (release store); the
 * owner unmaps and frees the slot on its next service().
 */
enum xr__phase {
	XR__PH_FREE = 0,
	XR__PH_HELLO,
	XR__PH_LIVE,
	XR__PH_CLOSING,
	XR__PH_RELEASED,
};

struct xr_client_server {
	int listen_fd;
	uint32_t max_clients;
	uint32_t c2r_capacity;
	uint32_t r2c_capacity;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct xr__client_session *s; /* max_clients */
	struct xr_ring *views;	      /* 2 * max_clients ring headers, XR_RING_PAD-aligned */
	struct xr_ring *notices;      /* owner -> data thread, struct xr_client_notice */
	xr_client_authorize_fn authorize;
	void *auth_ctx;
	uint64_t hello_timeout_ns;
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
	/* At most an OPEN and a CLOSE per slot are ever waiting: a slot is
	 * reused only after the data thread released it, having read both. */
	uint32_t nq = 64;
	while (nq < 2 * max_clients)
		nq *= 2;
	srv->notices = xr_ring_create(nq, sizeof(struct xr_client_notice));
	if (srv->s == NULL || srv->views == NULL || srv->notices == NULL) {
		free(srv->s);
		free(srv->views);
		xr_ring_destroy(srv->notices);
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
	xr_ring_destroy(srv->notices);
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
	s->book = -1;
	s->close_told = false;
	/* Release: the slot's reset fields before anyone sees it free. */
	atomic_store_explicit(&s->phase, XR__PH_FREE, memory_order_release);
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
	xr_ring_destroy(srv->notices);
	free(srv);
}

void
xr_client_server_set_auth(struct xr_client_server *srv, xr_client_authorize_fn fn, void *ctx,
			  uint64_t hello_timeout_ns)
{
	srv->authorize = fn;
	srv->auth_ctx = ctx;
	srv->hello_timeout_ns = hello_timeout_ns;
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
	s->book = 0;
	if (srv->authorize != NULL) {
		char denied[120] = "";
		int b = srv->authorize(srv->auth_ctx, s->info.name, s->info.uid, denied,
				       sizeof(denied));
		if (b < 0) {
			w.status = b;
			xr__send_welcome(s->sock, &w, -1);
			xr_client_server_retire(srv, id, denied[0] ? denied : "hello refused");
			return 1;
		}
		s->book = b;
	}
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
	/* Release: the mapping and the views before the data thread's
	 * acquire of the phase (the notice ring orders it too). */
	atomic_store_explicit(&s->phase, XR__PH_LIVE, memory_order_release);
	struct xr_client_notice n = {.op = XR_CLIENT_NOTICE_OPEN, .id = id, .book = s->book};
	xr_ring_enqueue(srv->notices, &n); /* sized so it never fails */
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
		atomic_store_explicit(&s->phase, XR__PH_HELLO, memory_order_relaxed);
		s->hello_by_ns = srv->hello_timeout_ns ? xr_now_ns() + srv->hello_timeout_ns : 0;
		s->info.pid = cred.pid;
		s->info.uid = cred.uid;
		s->info.gid = cred.gid;
		s->sock = fd;
	}
	/* Endings first, so a client reconnecting under its name finds its
	 * old session closing (its CLOSE notice ahead of the new OPEN). */
	for (uint32_t id = 0; id < srv->max_clients; id++) {
		struct xr__client_session *s = &srv->s[id];
		int ph = atomic_load_explicit(&s->phase, memory_order_acquire);
		if (ph == XR__PH_RELEASED) {
			/* Acquire above: release_why is the data thread's. */
			xr_client_server_retire(srv, id, s->release_why);
			changed++;
		} else if (ph == XR__PH_LIVE && !s->close_told) {
			/* An open session sends nothing more: any byte or a
			 * hang-up ends it. The data thread gives the rings
			 * back first (CLOSE notice, then RELEASED). */
			char b;
			ssize_t r = recv(s->sock, &b, 1, MSG_DONTWAIT);
			const char *why = NULL;
			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
				why = "hung up";
			else if (r > 0)
				why = "sent bytes after its hello";
			if (why != NULL) {
				snprintf(s->release_why, sizeof(s->release_why), "%s", why);
				s->close_told = true;
				s->info.state = XR_CLIENT_CLOSING;
				atomic_store_explicit(&s->phase, XR__PH_CLOSING, memory_order_release);
				struct xr_client_notice n = {.op = XR_CLIENT_NOTICE_CLOSE, .id = id,
							     .book = s->book};
				xr_ring_enqueue(srv->notices, &n);
				changed++;
			}
		}
	}
	uint64_t now = srv->hello_timeout_ns ? xr_now_ns() : 0;
	for (uint32_t id = 0; id < srv->max_clients; id++) {
		struct xr__client_session *s = &srv->s[id];
		if (atomic_load_explicit(&s->phase, memory_order_relaxed) != XR__PH_HELLO)
			continue;
		int c = xr__session_hello(srv, id);
		if (c == 0 && s->hello_by_ns != 0 && now > s->hello_by_ns) {
			xr_client_server_retire(srv, id, "sent no hello in time");
			c = 1;
		}
		changed += c;
	}
	return changed;
}

bool
xr_client_server_notice(struct xr_client_server *srv, struct xr_client_notice *n)
{
	return xr_ring_dequeue(srv->notices, n);
}

void
xr_client_server_release(struct xr_client_server *srv, uint32_t id, const char *why)
{
	if (id >= srv->max_clients)
		return;
	struct xr__client_session *s = &srv->s[id];
	int ph = atomic_load_explicit(&s->phase, memory_order_acquire);
	if (ph != XR__PH_LIVE && ph != XR__PH_CLOSING)
		return;
	if (ph == XR__PH_LIVE || why != NULL)
		snprintf(s->release_why, sizeof(s->release_why), "%s", why ? why : "released");
	/* Release: our last ring access and release_why before the owner
	 * unmaps (its acquire in service()). */
	atomic_store_explicit(&s->phase, XR__PH_RELEASED, memory_order_release);
}

/* The data thread may use session @p id's rings. */
static inline bool
xr__usable(const struct xr_client_server *srv, uint32_t id)
{
	if (id >= srv->max_clients)
		return false;
	int ph = atomic_load_explicit(&srv->s[id].phase, memory_order_acquire);
	return ph == XR__PH_LIVE || ph == XR__PH_CLOSING;
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
	if (!xr__usable(srv, id))
		return -ENOTCONN;
	struct xr__client_session *s = &srv->s[id];
	if (xr_ring_view_pull_head(s->c2r_view, s->c2r) < 0) {
		xr_client_server_release(srv, id, "client_to_router head is impossible");
		return -EPROTO;
	}
	if (xr_ring_view_pull_tail(s->r2c_view, s->r2c) < 0) {
		xr_client_server_release(srv, id, "router_to_client tail is impossible");
		return -EPROTO;
	}
	return 0;
}

int
xr_client_server_next_burst(struct xr_client_server *srv, uint32_t id,
			    const struct xr_names *names, struct xr_msg *out, uint32_t n,
			    char *err, size_t err_len)
{
	if (!xr__usable(srv, id))
		return -ENOTCONN;
	struct xr__client_session *s = &srv->s[id];
	if (xr_ring_view_pull_head(s->c2r_view, s->c2r) < 0) {
		xr_client_server_release(srv, id, "client_to_router head is impossible");
		return -EPROTO;
	}
	alignas(64) struct xr_client_signal rec[XR_CLIENT_BURST_MAX];
	if (n > XR_CLIENT_BURST_MAX)
		n = XR_CLIENT_BURST_MAX;
	/* Copied out of the shared cells first: the client cannot change a
	 * record under the parse (no TOCTOU). */
	uint32_t got = xr_ring_dequeue_burst(s->c2r_view, rec, n);
	if (got == 0)
		return 0;
	xr_ring_view_push_tail(s->c2r_view, s->c2r);
	bool first = true;
	for (uint32_t i = 0; i < got; i++) {
		char e[128];
		int rc = xr_client_signal_parse(&rec[i], NULL, names, &out[i], e, sizeof(e));
		if (rc == -EINVAL) {
			char why[160];
			snprintf(why, sizeof(why), "garbage record: %s", e);
			xr_client_server_release(srv, id, why);
			if (err_len > 0)
				snprintf(err, err_len, "%s", why);
			return -EBADMSG;
		}
		if (rc != 0 && first && err_len > 0) {
			/* The first refused value of the burst, for the log. */
			snprintf(err, err_len, "signal_id %" PRIu64 ": %s", rec[i].signal_id, e);
			first = false;
		}
	}
	return (int)got;
}

int
xr_client_server_next(struct xr_client_server *srv, uint32_t id,
		      const struct xr_names *names, struct xr_msg *out)
{
	return xr_client_server_next_burst(srv, id, names, out, 1, NULL, 0);
}

int
xr_client_server_send(struct xr_client_server *srv, uint32_t id,
		      const struct xr_client_event *ev)
{
	if (!xr__usable(srv, id))
		return -ENOTCONN;
	struct xr__client_session *s = &srv->s[id];
	if (xr_ring_view_pull_tail(s->r2c_view, s->r2c) < 0) {
		xr_client_server_release(srv, id, "router_to_client tail is impossible");
		return -EPROTO;
	}
	if (!xr_ring_enqueue(s->r2c_view, ev))
		return -EAGAIN;
	xr_ring_view_push_head(s->r2c_view, s->r2c);
	return 0;
}
