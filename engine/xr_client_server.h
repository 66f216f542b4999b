/*
 * xr_client_server: the router's end of the shared-memory client protocol
 * (base/xr_client_proto.h): a Unix-domain listening socket, the handshake
 * (SO_PEERCRED, a sealed memfd per client sent with SCM_RIGHTS), and the
 * router's side of every client's two rings.
 *
 * DESIGN
 *   A fixed table of max_clients sessions, allocated at creation. A session
 *   is FREE, HELLO (accepted, its hello not read yet), OPEN (mapping sent)
 *   or CLOSING (its socket ended; the data thread is giving it back).
 *   xr_client_server_service() does all socket work without blocking:
 *   accept what is pending, read the hellos that arrived, answer them,
 *   retire sessions whose socket hung up. The ring calls touch no socket.
 *   The router never runs the ring fast path on client-writable memory: each
 *   ring has a private view (xr_ring_view_init()); the client's index is
 *   pulled and checked before every use (xr_client_server_check()).
 *
 * THREADS
 *   Two: the owner (control path: create, set_auth, service, info, retire,
 *   destroy) and the data thread (the ingress stage's: notice, check,
 *   next, next_burst, send, release). The owner opens a session and tells
 *   the data thread with an OPEN notice; when its socket ends, a CLOSE
 *   notice asks for the rings back. The data thread answers either by
 *   xr_client_server_release(), or releases a session on its own (garbage,
 *   impossible index); the owner unmaps and frees the slot on its next
 *   service(). The mapping is never unmapped under the data thread. One
 *   thread may be both (the unit tests).
 *
 * GUARANTEES
 *   No allocation after creation except the handshake's memfd and mapping
 *   (control path). No call blocks. A misbehaving client (impossible index,
 *   garbage record, wrong hello, no hello in time) is retired alone: its
 *   socket closed, its mapping unmapped, the reason kept for
 *   xr_client_server_info().
 */
#ifndef XR_CLIENT_SERVER_H
#define XR_CLIENT_SERVER_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "xr_client_proto.h"
#include "xr_types.h"

struct xr_client_server;
struct xr_names;

/** Session states (struct xr_client_info.state). */
enum xr_client_state {
	XR_CLIENT_FREE = 0,  /* no session; retired ones come back here */
	XR_CLIENT_HELLO = 1, /* accepted, hello not read yet */
	XR_CLIENT_OPEN = 2,  /* mapping sent; rings live */
	XR_CLIENT_CLOSING = 3, /* its socket ended; the data thread is giving
				* the rings back */
};

/** Most records one xr_client_server_next_burst() call takes. */
#define XR_CLIENT_BURST_MAX 256

/** Owner -> data thread (struct xr_client_notice.op). */
enum xr_client_notice_op {
	XR_CLIENT_NOTICE_OPEN = 1,  /* session id is live: use its rings */
	XR_CLIENT_NOTICE_CLOSE = 2, /* its socket ended: release it */
};

/** A notice: a session opened or closing. */
struct xr_client_notice {
	uint32_t op;	/* enum xr_client_notice_op */
	uint32_t id;	/* session id */
	int32_t book;	/* the authorizer's answer for the session (0 without one) */
	uint32_t pad;
};

/**
 * Decide a hello: @p name (NUL-terminated) from a peer of user id @p uid.
 * @return a value >= 0 the data thread receives with the session (its
 *         `book`), or a negative enum xr_client_status (XR_CLIENT_E_DENIED,
 *         XR_CLIENT_E_BUSY) with @p why (why_len bytes) saying why.
 * Called on the owner thread, from xr_client_server_service().
 */
typedef int (*xr_client_authorize_fn)(void *ctx, const char *name, uid_t uid, char *why,
				      size_t why_len);

/** What the router knows of a session. */
struct xr_client_info {
	int state;			/* enum xr_client_state */
	pid_t pid;			/* SO_PEERCRED */
	uid_t uid;
	gid_t gid;
	uint64_t memfd_ino;		/* the memfd's inode (distinct per session) */
	char name[XR_CLIENT_NAME_SIZE]; /* the hello's user name */
	char error[160];		/* why the last session of this slot was
					 * retired, "" if none */
};

/**
 * Listen on a Unix-domain socket (SOCK_SEQPACKET, non-blocking).
 *
 * @param path          socket path (< 108 bytes); an existing socket file
 *                      there is replaced.
 * @param max_clients   sessions, 1..1024.
 * @param c2r_capacity  slots of every client_to_router ring (power of two).
 * @param r2c_capacity  slots of every router_to_client ring (power of two).
 * @return the server, or NULL with errno: EINVAL (bad argument), ENAMETOOLONG,
 *         ENOMEM, or socket/bind/listen's.
 * Thread: any; control path.
 */
struct xr_client_server *xr_client_server_create(const char *path, uint32_t max_clients,
						 uint32_t c2r_capacity, uint32_t r2c_capacity);

/**
 * Set the hello's authorizer (NULL: every name, book 0) and the time a
 * connection has to send its hello (ns; 0 = no limit). Thread: the owner,
 * before the first service().
 */
void xr_client_server_set_auth(struct xr_client_server *srv, xr_client_authorize_fn fn, void *ctx,
			       uint64_t hello_timeout_ns);

/** Retire every session, close and unlink the socket, free. NULL is accepted. */
void xr_client_server_destroy(struct xr_client_server *srv);

/**
 * Fill @p fds with the listening socket and every session's socket (events
 * POLLIN), for the caller's poll() before xr_client_server_service().
 * @return the number filled, 1..n.
 */
int xr_client_server_pollfds(const struct xr_client_server *srv, struct pollfd *fds, int n);

/**
 * Socket work, non-blocking: accept pending connections, read hellos and
 * answer them (authorizer, memfd, welcome, OPEN notice), close connections
 * past their hello deadline, send a CLOSE notice for sessions whose peer
 * hung up, and retire the sessions the data thread released.
 *
 * @return number of sessions opened or retired by this call, 0.., or
 *         -errno if accept() failed other than EAGAIN.
 * Thread: the server's thread; control path (the handshake allocates).
 */
int xr_client_server_service(struct xr_client_server *srv);

/** @return 0 and fills @p info, or -EINVAL for an id out of range. */
int xr_client_server_info(const struct xr_client_server *srv, uint32_t id,
			  struct xr_client_info *info);

/**
 * Check the indices session @p id controls: its client_to_router head
 * (not behind the last seen, at most capacity past the router's tail) and
 * its router_to_client tail (not behind the last seen, not past the
 * router's head). An impossible one retires the session.
 * @return 0, -ENOTCONN (not open), or -EPROTO (retired; reason in info).
 * Thread: the data thread. Progress: wait-free.
 */
int xr_client_server_check(struct xr_client_server *srv, uint32_t id);

/**
 * Take up to @p n records of session @p id: pull and check its head once,
 * copy the records into private memory, free their cells, parse each
 * (xr_client_signal_parse(), any user: the caller authorizes).
 *
 * @param names  user and symbol tables, or NULL (every name unknown).
 * @param out    n messages: signals, cancels (kind XR_MSG_CONTROL), or a
 *               refused value (kind XR_MSG_SIGNAL, reason XR_R_PARSE, its
 *               signal_id, user and symbol kept): the caller answers it.
 * @param n      1..XR_CLIENT_BURST_MAX (larger is cut to it).
 * @param err    receives the first refused value's message, or the
 *               garbage reason; err_len bytes (0: none).
 * @return messages in @p out (0: ring empty), -ENOTCONN (not live),
 *         -EPROTO (impossible head: released), -EBADMSG (a garbage record:
 *         released; the burst is dropped with the session).
 * Thread: the data thread. Progress: wait-free; no allocation.
 */
int xr_client_server_next_burst(struct xr_client_server *srv, uint32_t id,
				const struct xr_names *names, struct xr_msg *out, uint32_t n,
				char *err, size_t err_len);

/** xr_client_server_next_burst() of one record; @return 1, 0 or as it. */
int xr_client_server_next(struct xr_client_server *srv, uint32_t id,
			  const struct xr_names *names, struct xr_msg *out);

/**
 * The next owner notice for the data thread. @return true and fills @p n,
 * or false if none. Thread: the data thread. Progress: wait-free.
 */
bool xr_client_server_notice(struct xr_client_server *srv, struct xr_client_notice *n);

/**
 * The data thread gives session @p id back (after a CLOSE notice, or on
 * its own with @p why saying why: kept as the retire reason). It must not
 * touch the session's rings afterwards. No-op unless live or closing.
 * Thread: the data thread. Progress: wait-free.
 */
void xr_client_server_release(struct xr_client_server *srv, uint32_t id, const char *why);

/**
 * Send one event to session @p id.
 * @return 0, -EAGAIN (its router_to_client ring is full), -ENOTCONN, or
 *         -EPROTO (impossible tail: retired).
 * Thread: the data thread. Progress: wait-free; no allocation.
 */
int xr_client_server_send(struct xr_client_server *srv, uint32_t id,
			  const struct xr_client_event *ev);

/** Retire session @p id now (if open or in hello), recording @p why: only
 * when no data thread uses it (destroy, single-thread tests). Thread: the
 * owner. */
void xr_client_server_retire(struct xr_client_server *srv, uint32_t id, const char *why);

#endif /* XR_CLIENT_SERVER_H */
