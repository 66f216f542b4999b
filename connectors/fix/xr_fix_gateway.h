/*
 * xr_fix_gateway: the FIX order-entry gateway of `xroute serve`. Strategies
 * connect over TCP as FIX initiators; each [fix_client NAME] section is one
 * session the gateway accepts (acceptor role, xr_fix_session.h). Orders
 * (NewOrderSingle 35=D) and cancels (OrderCancelRequest 35=F) come out as
 * pipeline messages (struct xr_msg); the engine's outcomes (struct
 * xr_client_event) go back as ExecutionReports (35=8) and
 * OrderCancelRejects (35=9).
 *
 * CONNECTIONS (FIX 4.4 Vol. 2, "Logon")
 *   One listening socket serves every session. A new connection has no
 *   session until its first message: it must be a Logon whose
 *   SenderCompID (49), TargetCompID (56) and BeginString (8) match one
 *   configured session (49 = sender_comp_id, 56 = target_comp_id). That
 *   session is then bound to the connection and runs its acceptor Logon
 *   (HeartBtInt, ResetSeqNumFlag, MsgSeqNum checks). A first message that
 *   is not a Logon: close without a message. Unknown CompIDs, a session
 *   already bound to another live connection, or a HeartBtInt above the
 *   session's heartbeat_s: Logout with Text naming why (it takes no
 *   MsgSeqNum of any session) and close. CompIDs of a session with
 *   another BeginString: bound, and the session's own Logon check refuses
 *   it. No Logon within XR_FIX_GW_LOGON_TIMEOUT_NS: close. Before a
 *   second connection is refused, the bound one is served once, so a
 *   client that reconnects at once (its old connection's EOF still
 *   unread) is not refused; a connection that died without an EOF holds
 *   its session until the heartbeat timeout (TestRequest unanswered).
 *   A closed connection lingers (write side shut, input drained) up to
 *   XR_FIX_GW_LINGER_NS, so the last Logout reaches the peer instead of a
 *   reset.
 *
 * ORDERS (FIX 4.4 Vol. 4, "Order State Changes"; "ExecutionReport")
 *   A NewOrderSingle gets a gateway order number (1.., unique across the
 *   gateway's sessions; OrderID 37) and becomes an XR_MSG_SIGNAL with
 *   signal_id = that number. A ClOrdID (11) the session already used
 *   (its order is remembered) is rejected: ER 39=8 OrdRejReason 6. A
 *   cancel of a live order becomes XR_MSG_CONTROL XR_CTL_CANCEL_SIGNAL; of
 *   an unknown ClOrdID: OrderCancelReject CxlRejReason 1, of an ended
 *   order: 0 "Too late to cancel", of an order with a cancel already
 *   pending: 3. Outcomes: XR_CEV_NEW → ER New; XR_CEV_FILL → ER Trade
 *   (PartiallyFilled / Filled) with CumQty, LeavesQty and AvgPx kept by
 *   the gateway in fixed point (sum of LastQty * LastPx in 128 bits);
 *   XR_CEV_RESULT → the final ER (Rejected if nothing was acknowledged,
 *   else Canceled with what filled; nothing after Filled; nothing for
 *   final open: the order was left live at the venue and the engine no
 *   longer manages it, so a later cancel is refused "too late").
 *   Each session remembers up to max_orders_per_session orders; an ended
 *   order's slot is reused, oldest ended first, only when no slot is
 *   free (its ClOrdID is then forgotten). All slots live: the NOS is
 *   rejected (OrdRejReason 99 "Other", 0 in FIX 4.2).
 *
 * BAD INPUT
 *   Framing, garbled messages, sequence faults and oversize messages are
 *   the session layer's (xr_fix_session.h: dropped, rejected or Logout).
 *   Every log line names the session, its CompIDs and the peer address
 *   and is rate-limited per session (XR_FIX_GW_LOG_PER_S a second; the
 *   next line says how many were left out). A session only ever touches
 *   its own connection, buffers and order table: one bad session cannot
 *   hurt another.
 *
 * GUARANTEES
 *   Single-threaded: one thread calls everything. Nothing blocks (every
 *   socket is non-blocking; destroy's Logout is best effort). All memory
 *   is allocated by create; no allocation per message. MsgSeqNums survive
 *   a reconnect within the gateway's life, and a restart when the
 *   session's seq_store is set. xroute keeps no message store: a
 *   ResendRequest is answered with a GapFill (xr_fix_session.h "Resend"),
 *   so an ExecutionReport the counterparty missed is not sent again.
 */
#ifndef XR_FIX_GATEWAY_H
#define XR_FIX_GATEWAY_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "xr_client_proto.h"
#include "xr_config.h"
#include "xr_fix_session.h"
#include "xr_types.h"

struct xr_names;
struct xr_fix_gateway;

/** Most messages one session turns into output per xr_fix_gateway_poll(). */
#define XR_FIX_GW_BURST 32u
/** Connections at once that have not logged on (or are lingering). More
 * are accepted and closed at once. */
#define XR_FIX_GW_MAX_PENDING 64u
/** A connection must send its Logon within this (ns); also the bound
 * session's logon_timeout_ns. */
#define XR_FIX_GW_LOGON_TIMEOUT_NS UINT64_C(5000000000)
/** A closed connection is drained this long at most (ns). */
#define XR_FIX_GW_LINGER_NS UINT64_C(1000000000)
/** Log lines a second per session (and for connections without one). */
#define XR_FIX_GW_LOG_PER_S 10u
/** Longest Logon read before a session is chosen (bytes). */
#define XR_FIX_GW_LOGON_MAX XR_FIX_FRAME_MIN

/** Counters of a gateway (monotonic except sessions_up). */
struct xr_fix_gateway_stats {
	uint64_t connections;	   /* accepted */
	uint64_t sessions_bound;   /* Logons that bound a session */
	uint32_t sessions_up;	   /* sessions bound now */
	uint64_t logons_refused;   /* connections refused: first message not a
				    * Logon, unknown CompIDs, session already
				    * bound, HeartBtInt too high, Logon timeout,
				    * too many connections, and Logons the bound
				    * session refused */
	uint64_t orders;	   /* NewOrderSingles given to next() */
	uint64_t cancels;	   /* cancels given to next() */
	uint64_t cancel_rejects;   /* OrderCancelRejects sent */
	uint64_t dup_clordids;	   /* NOS refused: ClOrdID already used */
	uint64_t order_rejects;	   /* ERs Rejected by the gateway itself
				    * (duplicates, unsupported values, table
				    * full) */
	uint64_t session_rejects;  /* session Rejects (35=3) sent, all sessions */
	uint64_t business_rejects; /* BusinessMessageRejects (35=j) sent */
	uint64_t table_full;	   /* NOS refused: every order slot live */
	uint64_t events;	   /* events taken by xr_fix_gateway_event() */
	uint64_t events_dropped;   /* ... whose report could not be sent
				    * (session down, or its send buffer full) */
	uint64_t events_ignored;   /* ... for an order already ended */
	uint64_t result_mismatches; /* results whose totals differ from the
				     * fills seen (the result is trusted) */
	uint64_t log_lines_skipped; /* rate-limited away */
};

/** Where log lines go (NUL-ended, no newline); default stderr. */
typedef void (*xr_fix_gateway_log_fn)(void *ctx, enum xr_fix_log_level lvl, const char *line);

/**
 * Create a gateway: sessions, their stores and order tables, and the
 * listening socket (TCP, non-blocking, SO_REUSEADDR, bound and
 * listening).
 *
 * @param sessions   n_sessions [fix_client] settings; read here only (the
 *                   gateway copies what it needs). CompIDs 1..31 bytes;
 *                   heartbeat_s 0 = 30; max_frame_bytes 0 = 16384;
 *                   seq_store "" = in memory.
 * @param listen     "HOST:PORT" ("[v6addr]:PORT"; HOST empty =
 *                   127.0.0.1; PORT 0 = an ephemeral port,
 *                   xr_fix_gateway_port()).
 * @param names      user and symbol tables (not owned; must outlive the
 *                   gateway); NULL makes every Account and Symbol unknown.
 * @param max_orders_per_session  orders a session remembers, 1..2^24.
 * @param err        receives the cause on failure, naming the session and
 *                   the key ("fix_client alpha: seq_store /x: in use by
 *                   another process"); err_len bytes.
 * @return the gateway, or NULL (err filled): bad arguments, two sessions
 *         with the same CompIDs and BeginString, a store that cannot be
 *         opened, an address that cannot be resolved or bound, no memory.
 * Thread: any (control path; allocates, syscalls).
 */
struct xr_fix_gateway *xr_fix_gateway_create(const struct xr_fix_client_cfg *sessions,
					     uint32_t n_sessions, const char *listen,
					     const struct xr_names *names,
					     uint32_t max_orders_per_session, char *err,
					     size_t err_len);

/**
 * Send every bound session a Logout (best effort, one non-blocking send),
 * close every socket, sync and unmap the stores, free. NULL accepted.
 * Thread: the gateway's.
 */
void xr_fix_gateway_destroy(struct xr_fix_gateway *gw);

/** @return the bound TCP port (host order). Thread: any. */
uint16_t xr_fix_gateway_port(const struct xr_fix_gateway *gw);

/** Send log lines to @p fn (NULL: stderr again). Thread: the gateway's. */
void xr_fix_gateway_set_log(struct xr_fix_gateway *gw, xr_fix_gateway_log_fn fn, void *ctx);

/**
 * Do the I/O: accept connections, read their Logons and bind sessions,
 * read and process each bound session's input (at most XR_FIX_GW_BURST
 * messages per session, and only while next()'s queue has room for them),
 * run its timers (Heartbeat, TestRequest, timeouts: xr_fix_session_tick()),
 * write its output, close what must close. Sessions are served in turn,
 * starting one further each call.
 * @param now_ns  CLOCK_MONOTONIC ns (or a test's clock).
 * @return work done: connections, messages and bytes handled (0 = idle).
 * Thread: the gateway's. Never blocks; no allocation.
 */
int xr_fix_gateway_poll(struct xr_fix_gateway *gw, uint64_t now_ns);

/**
 * Take the oldest decoded order or cancel.
 *
 * NewOrderSingle: kind XR_MSG_SIGNAL, signal_id = the order number (also
 * OrderID 37), ts_ns = poll's now_ns, user = Account (1) looked up in
 * names (unknown: XR_SIGNAL_UNKNOWN_USER), or the session's default_user
 * when Account is absent; symbol looked up (unknown:
 * XR_SIGNAL_UNKNOWN_SYMBOL); side, ord_type, limit_px (0 for market),
 * qty = order_qty, tif (absent: Day, FIX's default); signal_type entry,
 * strategy default, max_slippage_bps 0, line 0, venue XR_VENUE_NONE,
 * reason XR_R_NONE. Whether the session may trade for that user
 * ([fix_client] users) is the engine's check, by @p session.
 * OrderCancelRequest of a live order: kind XR_MSG_CONTROL, reason
 * XR_CTL_CANCEL_SIGNAL, signal_id = its order number, user and symbol =
 * its own, venue XR_VENUE_NONE.
 *
 * @param out      receives the message (zeroed first).
 * @param session  receives the session index (into create's array).
 * @return 1 filled, 0 none waiting.
 * Thread: the gateway's. No allocation.
 */
int xr_fix_gateway_next(struct xr_fix_gateway *gw, struct xr_msg *out, uint32_t *session);

/**
 * An outcome of order @p ev->signal_id (an order number from next()) of
 * @p session: XR_CEV_NEW, XR_CEV_FILL (qty = LastQty, px = LastPx),
 * XR_CEV_RESULT (final, reason, qty = filled, px = average price) or
 * XR_CEV_CANCEL_REJECT (the engine found nothing to cancel: a pending
 * OrderCancelRequest gets OrderCancelReject "too late"). The report is
 * sent at once (header comment, "ORDERS"); the order's state advances
 * whether or not it could be sent.
 * @return 0; -ENOENT unknown session or order number (never given, or
 *         forgotten); -EALREADY the order already ended (a fill or result
 *         after its final report: ignored, counted); -ENOTCONN the
 *         session is not logged on, or -ENOBUFS its send buffer is full:
 *         the report is lost (counted in events_dropped, logged), the
 *         order state still advances, nothing is resent later; -EINVAL
 *         unknown kind.
 * Thread: the gateway's. No allocation.
 */
int xr_fix_gateway_event(struct xr_fix_gateway *gw, uint32_t session,
			 const struct xr_client_event *ev);

/**
 * The descriptors an owner's poll() should wait on: the listener and each
 * connection for POLLIN, and POLLOUT where output waits.
 * @return entries written to @p fds (at most @p n); with n 0, the most
 *         ever needed (1 + XR_FIX_GW_MAX_PENDING + sessions).
 * Thread: the gateway's.
 */
int xr_fix_gateway_pollfds(const struct xr_fix_gateway *gw, struct pollfd *fds, int n);

/** Copy the counters into @p out. Thread: the gateway's. */
void xr_fix_gateway_stats(const struct xr_fix_gateway *gw, struct xr_fix_gateway_stats *out);

/**
 * Session @p session's FIX session (state, MsgSeqNums, counters), for
 * tests and status pages; NULL if out of range. Thread: the gateway's.
 */
const struct xr_fix_session *xr_fix_gateway_session(const struct xr_fix_gateway *gw,
						    uint32_t session);

#endif /* XR_FIX_GATEWAY_H */
