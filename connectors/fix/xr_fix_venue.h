/*
 * xr_fix_venue: a simulated venue behind a FIX acceptor session, the
 * protocol half of `xroute sim-venue` (tools/sim_venue.c owns the socket,
 * the loop and the signals). The venue is the sim connector (connectors/
 * sim, driven through struct xr_connector_ops: submit, cancel, poll), so
 * its books, latencies and faults are those of a [venue NAME] section
 * with connector = sim; this file turns FIX messages into sim orders and
 * sim events into FIX reports. docs/connectors.md "xroute sim-venue".
 *
 * MESSAGES (FIX 4.4 Vol. 4 "Order State Changes", "Order Status Request",
 * "Order Mass Status Request"; FIX 4.2 "Execution Report")
 *   NewOrderSingle (35=D)       decoded by xr_fix_entry (its errors get
 *                               its answers); a ClOrdID used before gets
 *                               ER Rejected OrdRejReason 6, an unknown
 *                               Symbol 1, a full order table 3; otherwise
 *                               the order goes to the sim, and its events
 *                               come back as ERs.
 *   OrderCancelRequest (35=F)   the sim cancels; ER Canceled (ClOrdID =
 *                               the cancel's, OrigClOrdID the order's). An
 *                               unknown order gets OrderCancelReject (35=9)
 *                               CxlRejReason 1, an ended one 0 (too late),
 *                               one with a cancel pending 3.
 *   OrderStatusRequest (35=H)   ER ExecType I (FIX 4.2: ExecTransType 3
 *                               Status, ExecType = the order's state) with
 *                               OrdStatus, CumQty, LeavesQty, AvgPx; an
 *                               unknown ClOrdID: OrdStatus 8, OrdRejReason
 *                               5 "unknown order", CumQty 0.
 *   OrderMassStatusRequest (AF) FIX 4.4, MassStatusReqType 585 = 7 (all
 *                               orders): one ER ExecType I per open order
 *                               with MassStatusReqID 584, TotNumReports
 *                               911 and LastRptRequested 912=Y on the
 *                               last. FIX 4.4 does not say what answers a
 *                               request that matches nothing; we send one
 *                               ER ExecType I, OrdStatus 8, OrderID and
 *                               ClOrdID "NONE", 911=0, 912=Y. Other 585
 *                               values: BusinessMessageReject 380=0.
 *   ExecutionReports (35=8)     OrderID 37 and ExecID 17 from counters
 *                               that survive a restart (never reused),
 *                               ClOrdID, ExecType, OrdStatus, Side,
 *                               Symbol, OrderQty, OrdType, Price, LastQty
 *                               and LastPx on fills, CumQty, LeavesQty,
 *                               AvgPx, TransactTime. A sim event that
 *                               fills across levels is one fill at its
 *                               average price (truncated to 8 places);
 *                               one that fills and ends (an IOC
 *                               remainder canceled) is a Trade ER, then
 *                               the terminal one.
 *
 * STORE (opts.store_dir; without it the messages are kept in an unlinked
 * temporary file, for resends during the process's life, and nothing
 * survives a restart)
 *   DIR/seq       MsgSeqNums (fix_seq),
 *   DIR/messages  the outbound message store (xr_fix_store.h): a
 *                 ResendRequest gets the ERs back with 43=Y, and ERs made
 *                 while no session is logged on are stored and resent,
 *   DIR/ids       the OrderID and ExecID counters.
 *   Orders and books are the sim's, in memory: a restarted venue knows
 *   none of its earlier orders (its earlier reports are still resent).
 *
 * LOG (opts.log, CSV, one line per event, flushed per line): header
 *   unix_ns,event,clordid,orig_clordid,order_id,symbol,side,qty,price,
 *   last_qty,last_px,cum_qty,leaves_qty,ord_status,detail
 *   events: new (a NewOrderSingle taken), reject (refused, detail why),
 *   fill (LastQty at LastPx), new_ack, canceled, expired, cancel_request,
 *   cancel_reject, status, mass_status, session (logon, logout,
 *   disconnect, refused connection). Quantities and prices are fixed
 *   point with 8 places at most, no exponent; empty when not applicable.
 *
 * GUARANTEES
 *   One thread owns a venue. After create: no allocation; the only
 *   syscalls are the log's writes (stdio, fflush per line) and the
 *   session's lines to stderr (write). Time comes in as CLOCK_MONOTONIC
 *   ns (now_ns) and is never read inside.
 */
#ifndef XR_FIX_VENUE_H
#define XR_FIX_VENUE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "xr_fix_session.h"

struct xr_config;
struct xr_fix_venue;

/** How a venue runs. */
struct xr_fix_venue_opts {
	uint8_t version;		  /* enum xr_fix_version */
	char comp_id[XR_FIX_COMPID_MAX + 1];	  /* our SenderCompID (49) */
	char peer_comp_id[XR_FIX_COMPID_MAX + 1]; /* the initiator's */
	const char *store_dir;		  /* existing directory, or NULL */
	FILE *log;			  /* the venue log, or NULL */
	int64_t wall_offset_ns;		  /* CLOCK_REALTIME - CLOCK_MONOTONIC */
};

/** Counters of a venue (monotonic). */
struct xr_fix_venue_stats {
	uint64_t orders, rejects, fills, cancels, cancel_rejects;
	uint64_t status_answers, mass_status_answers;
	uint64_t reports;	  /* ERs sent or stored */
	uint64_t reports_lost;	  /* ERs that could be neither sent nor stored */
	uint64_t foreign_events;  /* sim events naming no order (fault foreign_report) */
};

/**
 * Create the venue of [venue NAME] @p venue of @p cfg (connector = sim):
 * the sim connector, the acceptor session, the store files, the order
 * table (4 x max_open_orders orders, at least 1024: ended orders are
 * remembered for status answers and duplicate ClOrdIDs until their slot
 * is reused, oldest first) and the log's header (if the log is empty).
 *
 * @param err  on failure, what and where: "venue alpha: connector is fix,
 *             sim-venue needs connector = sim", "store DIR/seq: in use by
 *             another process", the sim's own messages.
 * @return the venue, or NULL.
 * Thread: any (control path: allocates, opens files).
 */
struct xr_fix_venue *xr_fix_venue_create(const struct xr_config *cfg, unsigned venue,
					 const struct xr_fix_venue_opts *opts, char *err,
					 size_t err_len);

/** Close the store files (the mapped ones are synced) and free; nothing is
 * sent (the owner logs out first). NULL accepted. Thread: the owner. */
void xr_fix_venue_destroy(struct xr_fix_venue *v);

/**
 * The venue's session: the owner appends received bytes at rx + rx_len,
 * writes out tx (and takes what it wrote out of it), closes the
 * connection when want_close is set, and reads state.
 * Thread: the owner.
 */
struct xr_fix_session *xr_fix_venue_session(struct xr_fix_venue *v);

/** A connection was accepted: the session waits for its Logon.
 * Thread: the owner. */
void xr_fix_venue_connected(struct xr_fix_venue *v, uint64_t now_ns);

/** The connection is gone (closed by either side): the session is DOWN;
 * orders, books and timers go on. Thread: the owner. */
void xr_fix_venue_disconnected(struct xr_fix_venue *v, uint64_t now_ns);

/**
 * Process the messages in the session's rx, as far as @p max_msgs.
 * @return messages processed. Thread: the owner. No allocation.
 */
uint32_t xr_fix_venue_input(struct xr_fix_venue *v, uint64_t now_ns, uint32_t max_msgs);

/**
 * Run the venue up to @p now_ns: the session's timers (and a resend in
 * progress), then the sim's events due, each turned into its reports
 * (sent, or stored while no session is logged on).
 * @return sim events handled. Thread: the owner. No allocation.
 */
uint32_t xr_fix_venue_poll(struct xr_fix_venue *v, uint64_t now_ns);

/** @return the sim's next due time (CLOCK_MONOTONIC ns; UINT64_MAX: none),
 * so the owner knows how long it may wait. Thread: the owner. */
uint64_t xr_fix_venue_next_due_ns(const struct xr_fix_venue *v);

/**
 * Write into @p buf (@p cap bytes, at least 256) the Logout that refuses a
 * second connection while a session is live: Text @p text, addressed to
 * the peer's CompID, taking no MsgSeqNum (it carries the next without
 * consuming it, as an acceptor's refused Logon does), and log it.
 * @return its length, or 0 if it did not fit.
 * Thread: the owner.
 */
size_t xr_fix_venue_refusal(struct xr_fix_venue *v, char *buf, size_t cap, const char *text,
			    uint64_t now_ns);

/** Write a "session" log line with @p detail (logon, disconnect, ...).
 * Thread: the owner. */
void xr_fix_venue_log_session(struct xr_fix_venue *v, const char *detail, uint64_t now_ns);

/** Copy the venue's counters. Thread: the owner. */
void xr_fix_venue_stats(const struct xr_fix_venue *v, struct xr_fix_venue_stats *st);

#endif /* XR_FIX_VENUE_H */
