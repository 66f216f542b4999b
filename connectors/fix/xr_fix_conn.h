/*
 * xr_fix_conn: the FIX connector (connector kind "fix"): one FIX 4.2/4.4
 * initiator session per venue over a non-blocking TCP socket, driven
 * entirely from the venue's execute stage. docs/connectors.md "FIX venues"
 * describes the venue keys and what each venue message becomes.
 *
 * MAPPING (FIX 4.4 Volume 4 "Order Handling"; FIX 4.2 "Application Messages")
 *   submit  NewOrderSingle (35=D): ClOrdID 11 = run prefix + engine
 *           ClOrdID, HandlInst 21=1, Symbol 55 (venue_symbol or xroute's
 *           name), Side 54, TransactTime 60, OrderQty 38, OrdType 40
 *           (1 market, 2 limit), Price 44 (limit), TimeInForce 59.
 *           Market orders and time-in-force values the venue does not take
 *           (market_orders, time_in_force) are refused with -EOPNOTSUPP.
 *   cancel  OrderCancelRequest (35=F): OrigClOrdID 41, ClOrdID 11 = the
 *           order's + "-C" + count.
 *   status  OrderStatusRequest (35=H), when status_requests is true.
 *   mass_status  OrderMassStatusRequest (35=AF, FIX 4.4), when mass_status
 *           is true: MassStatusReqID 584 = run prefix + "M" + count,
 *           MassStatusReqType 585 = 7 (all orders). Its answers are
 *           ExecutionReports as any (below); one with TotNumReports 911 =
 *           0 (the venue has no order for us) is counted
 *           (mass_status_empty) and ignored.
 *   ExecutionReport (35=8) -> XR_EV_EXEC_REPORT. Fills are taken from
 *           CumQty (14), never summed from LastQty, so a report resent
 *           after a reconnect (PossDupFlag) cannot count twice: the event
 *           carries CumQty minus what was reported before, at LastPx when
 *           LastQty (32) matches it, else at the price AvgPx (6) implies.
 *           OrdStatus 39 maps 0/A/6/E -> New (or PartiallyFilled with
 *           fills), 1, 2, 4, 8, C as themselves, 3 (DoneForDay) -> Expired.
 *           Rejected with OrdRejReason 5 ("unknown order") in answer to a
 *           status query -> XR_EV_ORDER_UNKNOWN.
 *           A report naming no open order: ignored, counted (stale: a
 *           ClOrdID sent here whose order ended; foreign: never sent) and
 *           logged with its ClOrdID.
 *           OrderQty (38) other than the quantity sent: counted once per
 *           order (qty_changed) and logged; fills booked as reported.
 *           CumQty above the order's quantity: nothing booked; the first
 *           such report of an order gets a session Reject (373=5, 371=14),
 *           then the order is in doubt: repeats are counted, not refused
 *           again, at most XR__DOUBT_QUERIES (3) more status queries go
 *           out (then status() is -EALREADY), and a valid report settles
 *           it. FIX: the venue's execution reports stand; xroute never
 *           books more than it ordered.
 *   OrderCancelReject (35=9)  counted and logged; the order stays as its
 *           own reports say.
 *   Reject (35=3) of a NewOrderSingle (RefSeqNum 45) and
 *   BusinessMessageReject (35=j) of one (RefMsgType D, BusinessRejectRefID
 *           379 or RefSeqNum) -> XR_EV_ORDER_FAILED, reason
 *           venue_msg_reject: the venue refused the message, the order is
 *           not live. A BusinessMessageReject of an OrderStatusRequest
 *           turns status requests off for the session.
 *   Gap fill: an order whose NewOrderSingle we gap-filled after a
 *           reconnect never reached the venue -> XR_EV_ORDER_FAILED,
 *           reason disconnected.
 *   Reasons on reports: Rejected -> venue_reject; Canceled after
 *           cancel_after_ms -> expired, an IOC/FOK remainder ->
 *           no_liquidity; Expired -> expired.
 *
 * CONNECTION
 *   xr_fix_conn_create() connects and logs on before it returns (at most
 *   logon_timeout_ms; a venue that does not answer is reported and left
 *   to reconnect). Afterwards poll() does everything: reconnects with
 *   backoff (reconnect_min_ms doubling to reconnect_max_ms), non-blocking
 *   connect, reads, session timers, writes. destroy() logs out.
 *
 * GUARANTEES
 *   After create: no allocation, no locks, no floating point. Syscalls:
 *   send() when an order, cancel or session message is written, recv()
 *   once per poll, poll() while a connect is in progress, write() of a
 *   log line on session events and bad venue input (at most 20 per second
 *   per venue, 5 per second per kind of bad report). MsgSeqNums
 *   are in a memory-mapped store file, so keeping them costs no syscall.
 */
#ifndef XR_FIX_CONN_H
#define XR_FIX_CONN_H

#include <stddef.h>

#include "xr_connector.h"
#include "xr_fix_session.h"

struct xr_config;

/** Operations of the FIX connector kind ("fix"). */
extern const struct xr_connector_ops xr_fix_conn_ops;

/**
 * Create the FIX connector of venue @p venue: resolve host, open (or
 * create) the MsgSeqNum store, allocate the order table (max_open_orders),
 * connect and log on (at the first poll instead with start->defer_connect).
 *
 * @param cfg    loaded config; cfg->venues[venue] has connector = fix. It
 *               must outlive the connector (books and symbol names).
 * @param start  NULL, or the engine's start options (struct xr_conn_start:
 *               the journal's ClOrdID prefix, deferred logon).
 * @param err    on failure: "venue exec: seq_store state/x.seq: in use by
 *               another process".
 * @return 0; -EINVAL (host does not resolve, store not a sequence store
 *         or locked, bad session settings); -ENOMEM. A venue that refuses
 *         the connection or the Logon is not an error: a warning is
 *         printed and the connector starts disconnected.
 * Thread: any (control path: allocates, blocks up to logon_timeout_ms).
 */
int xr_fix_conn_create(const struct xr_config *cfg, unsigned venue,
		       const struct xr_conn_start *start, struct xr_connector *out, char *err,
		       size_t err_len);

/** Counters of a FIX connector (xr_fix_conn_stats()). */
struct xr_fix_conn_stats {
	uint64_t orders_sent, cancels_sent, status_sent;
	uint64_t orders_adopted;     /* orders taken back after a crash (adopt) */
	uint64_t adopted_never_arrived; /* of which ended once the venue had resent
				      * everything: never acknowledged */
	uint64_t mass_status_sent;   /* OrderMassStatusRequests (35=AF) */
	uint64_t mass_status_empty;  /* answers saying the venue has no order
				      * for us (TotNumReports 0) */
	uint64_t reports;	     /* execution reports of our live orders */
	uint64_t dup_fills;	     /* of them, repeating a fill (LastQty > 0) */
	uint64_t dup_reports;	     /* of a live order, nothing new (resent, or
				      * CumQty and OrdStatus unchanged) */
	uint64_t stale_reports;	     /* for an order this connector sent that
				      * has ended here */
	uint64_t foreign_reports;    /* ClOrdID this connector never sent (another
				      * run's prefix, not ours, or never used) */
	uint64_t qty_changed;	     /* orders the venue acknowledged with another
				      * OrderQty (38), once per order */
	uint64_t overfill_reports;   /* reports refused: CumQty above OrderQty */
	uint64_t cancel_rejects;     /* OrderCancelReject (35=9) */
	uint64_t msg_rejects;	     /* Reject (35=3) received */
	uint64_t business_rejects;   /* BusinessMessageReject (35=j) received */
	uint64_t gap_filled_orders;  /* orders failed by our GapFill */
	uint64_t bad_messages;	     /* required field missing or invalid */
	uint64_t connects, disconnects;
	uint64_t log_suppressed;     /* log lines over the rate limit */
};

/**
 * Copy the counters of FIX connector @p c and of its session.
 * @return 0, or -EINVAL if @p c is not a FIX connector.
 * Thread: the venue's execute stage, or any once it stopped.
 */
int xr_fix_conn_stats(const struct xr_connector *c, struct xr_fix_conn_stats *st,
		      struct xr_fix_session_stats *sess);

#endif /* XR_FIX_CONN_H */
