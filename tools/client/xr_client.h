/*
 * libxroute-client: trade through a running `xroute serve` router from a
 * C or C++ strategy, over shared memory (wire format: xr_client_proto.h).
 *
 * DESIGN
 *   xr_client_connect() does the handshake on a Unix-domain socket and maps
 *   the memfd the router sends: two SPSC rings, client_to_router (signals,
 *   cancels) and router_to_client (fills, results). After that no call
 *   makes a syscall: submit and cancel copy one 128-byte record into the
 *   ring, poll copies events out. The socket stays open; the router's
 *   hang-up (it retired this client, or stopped) shows as POLLHUP on
 *   xr_client_fd().
 *
 * GUARANTEES
 *   One thread per client handle: it is the single producer of one ring
 *   and the single consumer of the other. No allocation after connect.
 *   Quantities and prices are int64 fixed point, 10^8 per unit.
 */
#ifndef XR_CLIENT_H
#define XR_CLIENT_H

#include <stdint.h>

#include "xr_client_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

struct xr_client;

/**
 * Connect to the router at @p socket_path as user @p name; blocks for the
 * handshake (one message each way).
 *
 * @param socket_path  the router's socket (< 108 bytes).
 * @param name         the client's name, 1..31 bytes: a [client NAME] of the
 *                     router's config (docs/serve.md "Clients").
 * @return a client, or NULL with errno: EINVAL (bad name or path),
 *         ECONNREFUSED / ENOENT (no router), EPROTO (a bad welcome or
 *         mapping), EACCES (no [client NAME] of that name, or this
 *         process's uid is not its uid), EALREADY (a session of that name
 *         is open), EBUSY (the router serves its maximum of clients),
 *         EPERM (the hello was refused otherwise), ENOMEM, or
 *         connect/mmap's.
 * Thread: any; control path.
 */
struct xr_client *xr_client_connect(const char *socket_path, const char *name);

/**
 * Submit one signal (kind XR_CSIG_NEW). An empty @p sig->user is filled with
 * the session's name; every other field is sent as given, and the router
 * retires a client whose record breaks a rule (xr_client_proto.h).
 *
 * @return 0, or -EAGAIN (client_to_router ring full: poll and retry),
 *         -EINVAL (kind not XR_CSIG_NEW).
 * Thread: the client's thread. Progress: wait-free; no syscalls.
 */
int xr_client_submit(struct xr_client *c, const struct xr_client_signal *sig);

/**
 * Cancel the live parent order of @p signal_id on @p symbol.
 * @return 0, -EAGAIN (ring full), -EINVAL (symbol empty or too long).
 * Thread: the client's thread. Progress: wait-free; no syscalls.
 */
int xr_client_cancel(struct xr_client *c, uint64_t signal_id, const char *symbol);

/**
 * Take up to @p n events (fills and results), oldest first.
 * @return 0..n. Thread: the client's thread. Progress: wait-free.
 */
int xr_client_poll(struct xr_client *c, struct xr_client_event *ev, int n);

/**
 * @return records submitted that the router has not taken from the ring
 *         yet (0: every one is the router's; those still here are lost if
 *         the process dies). Thread: the client's thread. Wait-free.
 */
uint32_t xr_client_pending(const struct xr_client *c);

/** @return the session socket, for poll() (POLLHUP: the router ended it). */
int xr_client_fd(const struct xr_client *c);

/** @return the mapping's header (read-only), e.g. for client_id. */
const struct xr_client_shm_hdr *xr_client_header(const struct xr_client *c);

/** Unmap, close the socket (the router retires the session), free. NULL ok. */
void xr_client_close(struct xr_client *c);

#ifdef __cplusplus
}
#endif

#endif /* XR_CLIENT_H */
