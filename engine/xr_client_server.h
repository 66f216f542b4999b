/*
 * xr_client_server: the router's end of the shared-memory client protocol
 * (base/xr_client_proto.h): a Unix-domain listening socket, the handshake
 * (SO_PEERCRED, a sealed memfd per client sent with SCM_RIGHTS), and the
 * router's side of every client's two rings.
 *
 * DESIGN
 *   A fixed table of max_clients sessions, allocated at creation. A session
 *   is FREE, HELLO (accepted, its hello not yet read) or OPEN (mapping sent).
 *   xr_client_server_service() does all socket work without blocking:
 *   accept what is pending, read the hellos that arrived, answer them,
 *   retire sessions whose socket hung up. The ring calls touch no socket.
 *   The router never runs the ring fast path on client-writable memory: each
 *   ring has a private view (xr_ring_view_init()); the client's index is
 *   pulled and checked before every use (xr_client_server_check()).
 *
 * GUARANTEES
 *   No allocation after creation except the handshake's memfd and mapping
 *   (control path). No call blocks. A misbehaving client (impossible index,
 *   garbage record, wrong hello) is retired alone: its socket closed, its
 *   mapping unmapped, the reason kept for xr_client_server_info().
 *   Not engine-integrated yet: one thread calls everything.
 */
#ifndef XR_CLIENT_SERVER_H
#define XR_CLIENT_SERVER_H

#include <poll.h>
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
};

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
 * answer them (memfd + welcome), retire sessions whose peer hung up.
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
 * Thread: the server's thread. Progress: wait-free.
 */
int xr_client_server_check(struct xr_client_server *srv, uint32_t id);

/**
 * Take the next signal of session @p id: check the indices, dequeue one
 * record into private memory, parse it (xr_client_signal_parse()).
 *
 * @param names  user and symbol tables, or NULL (every name unknown).
 * @param out    receives the signal (or a cancel, kind XR_MSG_CONTROL).
 * @return 1 (one signal in @p out), 0 (ring empty), -ENOTCONN, -EPROTO
 *         (impossible index: retired), -EBADMSG (garbage record: retired,
 *         the parser's message in info.error).
 * Thread: the server's thread. Progress: wait-free; no allocation.
 */
int xr_client_server_next(struct xr_client_server *srv, uint32_t id,
			  const struct xr_names *names, struct xr_msg *out);

/**
 * Send one event to session @p id.
 * @return 0, -EAGAIN (its router_to_client ring is full), -ENOTCONN, or
 *         -EPROTO (impossible tail: retired).
 * Thread: the server's thread. Progress: wait-free; no allocation.
 */
int xr_client_server_send(struct xr_client_server *srv, uint32_t id,
			  const struct xr_client_event *ev);

/** Retire session @p id (if open or in hello), recording @p why. */
void xr_client_server_retire(struct xr_client_server *srv, uint32_t id, const char *why);

#endif /* XR_CLIENT_SERVER_H */
