/*
 * fix_conn_pvt.h: what the FIX connector's files share (private to
 * connectors/fix/): the order table, the connector state, and the
 * functions fix_conn.c (session, socket, ops, create) and
 * fix_conn_orders.c (orders and the venue's reports) call across.
 */
#ifndef XR_FIX_CONN_PVT_H
#define XR_FIX_CONN_PVT_H

#include "xr_fix_conn.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "xr_clock.h"
#include "xr_config.h"
#include "xr_fix.h"
#include "xr_fix_config.h"
#include "xr_u64map.h"

#define XR__NIL UINT32_MAX
/** Event ring room beyond one event per order slot. */
#define XR__EVQ_SLACK 1024u
/** Log lines per second per venue; more are counted, not written. */
#define XR__LOG_PER_S 20u
/** Log lines per second of one kind of bad venue report (below the venue's
 * XR__LOG_PER_S, so one flood cannot hide the others). */
#define XR__KIND_LOG_PER_S 5u
/** OrderStatusRequests an order may still get once a report of it was
 * refused as an overfill (it is in doubt); more are not sent. */
#define XR__DOUBT_QUERIES 3u
/** Least ClOrdIDs remembered as sent (xr__fix.sent): a report naming one
 * within the window is told apart exactly as foreign or stale. */
#define XR__SENT_MIN 4096u

/* Application tags (FIX 4.2/4.4). */
enum {
	XR__T_AVG_PX = 6,
	XR__T_CL_ORD_ID = 11,
	XR__T_CUM_QTY = 14,
	XR__T_HANDL_INST = 21,
	XR__T_LAST_PX = 31,
	XR__T_LAST_QTY = 32,
	XR__T_ORDER_QTY = 38,
	XR__T_ORD_STATUS = 39,
	XR__T_ORD_TYPE = 40,
	XR__T_ORIG_CL_ORD_ID = 41,
	XR__T_PRICE = 44,
	XR__T_REF_SEQ_NUM = 45,
	XR__T_SIDE = 54,
	XR__T_SYMBOL = 55,
	XR__T_TEXT = 58,
	XR__T_TIF = 59,
	XR__T_TRANSACT_TIME = 60,
	XR__T_CXL_REJ_REASON = 102,
	XR__T_ORD_REJ_REASON = 103,
	XR__T_EXEC_TYPE = 150,
	XR__T_LEAVES_QTY = 151,
	XR__T_REF_MSG_TYPE = 372,
	XR__T_SESSION_REJECT_REASON = 373,
	XR__T_BUSINESS_REJECT_REF_ID = 379,
	XR__T_BUSINESS_REJECT_REASON = 380,
	XR__T_MASS_STATUS_REQ_ID = 584,
	XR__T_MASS_STATUS_REQ_TYPE = 585,
	XR__T_TOT_NUM_REPORTS = 911,
	XR__T_LAST_LIQUIDITY_IND = 851,
};

/** Lifecycle of an order slot. */
enum xr__ostate {
	XR__O_FREE = 0,
	XR__O_SENT,  /* NewOrderSingle sent, no report yet */
	XR__O_ACKED, /* a report came: live at the venue */
};

struct xr__order {
	uint64_t cl_ord_id;
	uint64_t nos_seq;	/* MsgSeqNum of its NewOrderSingle ... */
	uint32_t epoch;		/* ... in this session epoch (xr_fix_session) */
	uint64_t cxl_seq;	/* MsgSeqNum of its last OrderCancelRequest ... */
	uint32_t cxl_epoch;	/* ... and its epoch */
	uint64_t sent_ns;	/* sent, or its last cancel_after_ms cancel */
	int64_t qty, px;
	int64_t cum_qty;	/* fills reported to the engine */
	int64_t cum_notional;	/* their cash */
	uint32_t token;
	uint32_t prev, next;	/* sent-order list, or free list (next) */
	uint16_t symbol;
	uint8_t side, ord_type, tif;
	uint8_t state;		/* enum xr__ostate */
	uint8_t cancels;	/* OrderCancelRequests sent */
	bool expiring;		/* a cancel_after_ms cancel is out */
	bool expired;		/* cancel_after_ms canceled it (reason) */
	bool queried;		/* an OrderStatusRequest is out */
	bool qty_warned;	/* the venue acknowledged another OrderQty */
	bool overfill;		/* in doubt: a report of CumQty above qty was
				 * refused, no valid report since */
	bool adopted;		/* taken back after a crash (adopt) */
	uint8_t doubt_queries;	/* OrderStatusRequests sent while in doubt */
};

/** Kinds of bad venue report, each with its own log rate limit. */
enum xr__bad_kind {
	XR__BK_FOREIGN = 0,
	XR__BK_STALE,
	XR__BK_QTY,
	XR__BK_OVERFILL,
	XR__BK_DUP,
	XR__BK_KINDS
};

/** A per-kind log limit: XR__KIND_LOG_PER_S lines per second. */
struct xr__rate {
	uint64_t window_ns;	/* start of the current second */
	uint32_t lines;		/* written in it */
	uint32_t suppressed;	/* not written since the last line */
};

struct xr__fix {
	struct xr_fix_session *s;
	struct xr_fix_seq *seq;		/* mapped store, or &mem_seq */
	struct xr_fix_seq mem_seq;
	int seq_fd;
	int fd;				/* socket, -1 if none */
	bool connecting;		/* non-blocking connect in progress */
	bool up;			/* session ACTIVE */
	bool status_ok;			/* OrderStatusRequest supported */
	uint64_t connect_ns;		/* connect started */
	uint64_t reconnect_at;		/* next connect attempt (fd < 0) */
	uint64_t backoff_ns;		/* current reconnect wait */
	uint32_t failed_connects;	/* in a row (logged at powers of two) */
	uint64_t down_since;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	/* Settings. */
	const struct xr_venue_cfg *vc;
	const struct xr_fix_venue_cfg *fc; /* vc's FIX keys */
	char venue[XR_NAME_MAX + 1];
	int64_t fee_maker_cbps, fee_taker_cbps;
	uint64_t cancel_after_ns, backoff_min_ns, backoff_max_ns;
	bool market_ok;
	uint8_t tif_mask;
	const char *sym[XR_MAX_SYMBOLS]; /* the venue's Symbol, NULL: not listed */
	uint8_t sym_len[XR_MAX_SYMBOLS];
	char prefix[16];		/* ClOrdID prefix of this run */
	uint32_t prefix_len;
	/* Orders. */
	struct xr__order *o;
	uint32_t cap, n_open, free_head, old_head, old_tail;
	struct xr_u64map ids;		/* ClOrdID -> slot (uint32_t) */
	/* ClOrdIDs sent: sent[id & sent_mask] == id for the newest ones, so a
	 * report for one of them that is not live is stale, for any other
	 * foreign (ids more than the window below sent_max: stale). */
	uint64_t *sent;
	uint32_t sent_mask;
	uint64_t sent_max;
	/* Events. */
	struct xr_conn_event *evq;
	uint32_t evq_cap, evq_head, evq_n;
	uint64_t *evq_seq;	/* evq_cap: MsgSeqNum each queued event came from */
	bool adopt_settle;	/* orders were taken back: settle the ones
				 * never acknowledged once caught up */
	uint64_t in_mark;	/* next_in once every event before it was
				 * returned by poll (xr_fix_seq.in_handed) */
	struct xr_conn_book *books;	/* reference books (book.SYMBOL) */
	uint32_t n_books;
	struct xr_conn_md_cursor md;	/* their market data still to send */
	/* Log rate limit. */
	uint64_t log_window_ns;
	uint32_t log_lines;
	struct xr__rate bad_log[XR__BK_KINDS];
	struct xr_fix_conn_stats st;
};


/* fix_conn_orders.c. Thread: the venue's execute stage, as every op. */

/** Log a formatted line at @p lvl, within the venue's log rate limit. */
__attribute__((format(printf, 3, 4))) void
xr__fix_logf(struct xr__fix *f, enum xr_fix_log_level lvl, const char *fmt, ...);
/** Log @p text at @p lvl, within the venue's log rate limit. */
void
xr__fix_say(struct xr__fix *f, enum xr_fix_log_level lvl, const char *text);
/** Our messages [begin, end) were gap-filled: their orders failed, not live. */
void
xr__fix_on_gap_fill(void *ctx, uint64_t begin, uint64_t end);
/** The session's callbacks into the order side (reports, gap fills, state). */
extern const struct xr_fix_session_ops xr__fix_session_ops;

/** @return the slot of live ClOrdID @p id, or XR__NIL. O(1) expected. */
static inline uint32_t
xr__slot_by_id(const struct xr__fix *f, uint64_t id)
{
	const uint32_t *slot = xr_u64map_find(&f->ids, id);

	return slot != NULL ? *slot : XR__NIL;
}

/** The next free event of f->evq, zeroed, its message noted (HANDED,
 * fix_conn.c). The caller checks there is room. Thread: the owner. */
struct xr_conn_event *xr__order_event(struct xr__fix *f);

/** Unlink order slot @p i from the sent-order list and free it (its
 * ClOrdID forgotten). Thread: the connector's owner. */
void xr__order_release(struct xr__fix *f, uint32_t i);

#endif /* XR_FIX_CONN_PVT_H */
