/*
 * xr_connector: the one interface between xroute and a venue. Every venue
 * has exactly one connector instance, driven by exactly one execute stage,
 * so a connector needs no internal locking: submit, cancel, poll and health
 * are all called from that stage's thread.
 *
 * A connector turns child orders into the venue's protocol and the venue's
 * answers into events: execution reports (FIX OrdStatus semantics), order
 * failures (the order is provably not live at the venue) and market data
 * (top of book and depth). Time is passed in, never read inside, so tests
 * drive a connector with an injected clock.
 *
 * Connector kinds: "sim" (connectors/sim/, deterministic in-process venue)
 * and "fix" (connectors/fix/, a FIX 4.2/4.4 initiator over TCP).
 */
#ifndef XR_CONNECTOR_H
#define XR_CONNECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xr_types.h"

struct xr_config;
struct xr_config_schema;

/**
 * The config schemas of the connector kinds, NULL-ended, the default kind
 * ("sim") first: what programs pass to xr_config_load() so that a venue's
 * `connector =` and its kind's keys are known. Static, read-only.
 * Thread: any.
 */
extern const struct xr_config_schema *const xr_connector_schemas[];

/** A child order handed to a connector. */
struct xr_conn_order {
	uint64_t cl_ord_id; /* ClOrdID, unique per engine run */
	uint32_t token;	    /* caller's handle, echoed in every event */
	uint16_t symbol;    /* symbol id (config) */
	uint8_t side;	    /* enum xr_side */
	uint8_t ord_type;   /* enum xr_ord_type */
	uint8_t tif;	    /* enum xr_tif */
	int64_t qty;	    /* > 0, qty scale */
	int64_t limit_px;   /* > 0 for limit orders, px scale; ignored for market */
};

/** Kind of a connector event. */
enum xr_conn_event_kind {
	XR_EV_EXEC_REPORT = 1, /* an execution report for an order */
	XR_EV_ORDER_FAILED,    /* the order failed and is not live */
	XR_EV_MARKET_DATA,     /* one price level of one side of one book */
	XR_EV_ORDER_UNKNOWN,   /* answer to a status query: the venue has no
				* order with this ClOrdID (it never arrived),
				* so it is not live (FIX: ExecutionReport
				* OrdStatus=Rejected, OrdRejReason 5 "unknown
				* order" to an OrderStatusRequest) */
};

/** Most levels per side a connector reports (deeper levels are not sent). */
#define XR_CONN_MD_LEVELS 10

/** An event from a connector. */
struct xr_conn_event {
	uint8_t kind;		/* enum xr_conn_event_kind */
	uint8_t ord_status;	/* reports: enum xr_ord_status after this report */
	uint16_t reason;	/* enum xr_reason for rejects, cancels, failures */
	uint16_t symbol;	/* symbol id */
	uint32_t token;		/* orders: the token given to submit */
	uint64_t cl_ord_id;	/* orders: ClOrdID */
	int64_t last_qty;	/* reports: quantity filled by this report */
	int64_t last_notional;	/* reports: sum of fill px*qty of this report (cash) */
	int64_t last_fees;	/* reports: fees of this report (cash) */
	int64_t cum_qty;	/* reports: total filled so far */
	int64_t leaves_qty;	/* reports: still live at the venue (0 if terminal) */
	/* Market data: level `level` (0 = best) of side `side` (XR_SIDE_BUY =
	 * bids, XR_SIDE_SELL = asks) is px/qty, and the side now has n_levels
	 * levels (0..XR_CONN_MD_LEVELS; levels at or past it are gone). A
	 * side's levels are sent best first, so a reader sees a whole side
	 * once its last level (level + 1 == n_levels) arrives. */
	uint8_t side;
	uint8_t level;
	uint8_t n_levels;
	int64_t px;		/* market data: level price (px scale) */
	int64_t md_qty;		/* market data: level quantity (qty scale) */
};

/**
 * A static book a connector publishes as its market data: for k = 1..levels
 * a bid at mid - k*tick and an ask at mid + k*tick, each level_qty (the sim's
 * synthetic books; a FIX venue's reference books, docs/connectors.md).
 */
struct xr_conn_book {
	int64_t mid_px;	   /* px scale */
	int64_t tick_px;   /* px scale */
	int64_t level_qty; /* qty scale */
	uint32_t levels;   /* per side */
	uint16_t symbol;   /* symbol id */
};

/** Where xr_conn_book_md() is in a list of books; zero it to start. */
struct xr_conn_md_cursor {
	uint32_t book;	/* next book */
	uint32_t level;	/* next level of it: bids 0..n-1, then asks */
};

/**
 * Write the next market-data events of @p books (n of them), best level
 * first per side, at most XR_CONN_MD_LEVELS per side, resuming at @p c.
 * @return events written, 0..max; 0 once every book was sent.
 * Thread: the connector's owner. No allocation.
 */
uint32_t xr_conn_book_md(const struct xr_conn_book *books, uint32_t n,
			 struct xr_conn_md_cursor *c, struct xr_conn_event *ev, uint32_t max);

/** Connector health, as the connector sees it. */
struct xr_conn_health {
	int connected;		/* 1 if the session is up */
	uint64_t down_since_ns;	/* connected == 0: when the session went down
				 * (CLOCK_MONOTONIC ns), 0 if unknown */
	uint32_t open_orders;	/* orders live at the venue or in transit */
	uint32_t max_open_orders; /* capacity of the connector's order table */
	/* What the venue did wrong, monotonic counts since create; 0 for a
	 * connector that does not count them (sim). */
	uint64_t foreign_reports;  /* reports for a ClOrdID this connector never sent */
	uint64_t stale_reports;    /* reports for an order already terminal here */
	uint64_t qty_changed;      /* acks whose OrderQty differs from the order's */
	uint64_t overfill_reports; /* reports refused: CumQty above OrderQty */
	uint64_t frames_dropped;   /* frames dropped: bad CheckSum, BodyLength, size, garbage */
	uint64_t escalations;      /* unanswered ResendRequests escalated (TestRequest, then Logout) */
	uint64_t dup_fills;        /* fills reported again (LastQty > 0, CumQty not
				    * advancing): ignored */
};

/** Operations of a connector kind. All take the connector's ctx. */
struct xr_connector_ops {
	/** Kind name as in the config's `connector =` key. */
	const char *kind;
	/**
	 * Send a new order.
	 * @param now_ns  CLOCK_MONOTONIC ns.
	 * @return 0 sent; -EBUSY the connector's order table is full (retry
	 *         later, nothing was sent); -ENOTCONN the venue's session is
	 *         down (nothing was sent: the order is not live); -EINVAL the
	 *         order is malformed (qty <= 0, limit without price, unknown
	 *         symbol); -EOPNOTSUPP the venue does not take its order type
	 *         or time in force (reason unsupported). Nothing is sent on
	 *         any error.
	 * Thread: the venue's execute stage. No allocation.
	 */
	int (*submit)(void *ctx, const struct xr_conn_order *o, uint64_t now_ns);
	/**
	 * Ask the venue to cancel a live order; the answer comes as a report.
	 * @return 0 sent; -ENOENT not live; -ENOTCONN session down.
	 */
	int (*cancel)(void *ctx, uint64_t cl_ord_id, uint64_t now_ns);
	/**
	 * Ask the venue for the state of an order it may or may not have
	 * (FIX OrderStatusRequest, 35=H). The answer comes from poll() as an
	 * execution report carrying whatever was not reported yet (fills,
	 * the terminal status), or as XR_EV_ORDER_UNKNOWN if the venue never
	 * received the order. Messages on a session keep their order, so an
	 * order still in transit is answered by its own report first: an
	 * "unknown" answer proves the order is not live. A query may go
	 * unanswered (the venue is unreachable): ask again later.
	 * @param token  echoed in the answer.
	 * @return 0 sent; -ENOTCONN session down (nothing sent); -ENOENT
	 *         not live (its terminal event is queued); -EOPNOTSUPP the
	 *         venue takes no status queries; -EALREADY the order is in
	 *         doubt (a report of it was refused) and has had its bounded
	 *         share of queries: nothing sent, asking again will not help.
	 * Thread: the venue's execute stage. No allocation.
	 */
	int (*status)(void *ctx, uint64_t cl_ord_id, uint32_t token, uint64_t now_ns);
	/**
	 * Ask the venue for the state of every order it holds for us (FIX
	 * 4.4 OrderMassStatusRequest, 35=AF, MassStatusReqType 7). Optional:
	 * NULL for a connector kind that cannot (sim). The answers come from
	 * poll() as status answers do: an order this connector has open gets
	 * a report of whatever was not reported yet (fills by CumQty, never
	 * twice); answers for orders it does not know are counted as foreign
	 * or stale reports; a venue that has none for us may send nothing.
	 * @return 0 sent; -ENOTCONN session down (nothing sent); -EOPNOTSUPP
	 *         the venue does not take it (fix: mass_status = false, or
	 *         FIX 4.2); -EBUSY the send buffer is full (retry after a
	 *         poll).
	 * Thread: the venue's execute stage. No allocation.
	 */
	int (*mass_status)(void *ctx, uint64_t now_ns);
	/**
	 * Collect events due by @p now_ns.
	 * @param ev   room for max events.
	 * @return number written, 0..max.
	 * Thread: the venue's execute stage. No allocation.
	 */
	uint32_t (*poll)(void *ctx, uint64_t now_ns, struct xr_conn_event *ev,
			 uint32_t max);
	/**
	 * Take back an order a previous process of xroute sent and may have
	 * left live at the venue (crash recovery, docs/journal.md
	 * "Recovery"): remember it as sent, with @p cum_qty (qty scale) and
	 * @p cum_notional (cash) already reported, so that the venue's
	 * reports of it (resent, or answers to status()) count only what is
	 * new; @p acked: the venue had acknowledged it. Nothing is sent.
	 * A connector that reconciles by its session (FIX: the venue resends
	 * what xroute may have missed) ends an order never acknowledged
	 * once that resend is complete with XR_EV_ORDER_UNKNOWN: a venue
	 * answers every order it receives, so it never arrived.
	 * Optional: NULL for a venue that cannot outlive xroute (the
	 * in-process sim), whose status() then answers XR_EV_ORDER_UNKNOWN.
	 * @return 0; -EBUSY the order table is full; -EEXIST the ClOrdID is
	 *         already known.
	 * Thread: the venue's execute stage, or the owner before it runs.
	 */
	int (*adopt)(void *ctx, const struct xr_conn_order *o, int64_t cum_qty,
		     int64_t cum_notional, bool acked, uint64_t now_ns);
	/** Fill all of @p h (counters a connector does not keep are 0).
	 * @return 0. Thread: the venue's execute stage. No allocation. */
	int (*health)(void *ctx, struct xr_conn_health *h);
	/** Free ctx. Thread: any, once the stage stopped. */
	void (*destroy)(void *ctx);
};

/** A connector instance. */
struct xr_connector {
	const struct xr_connector_ops *ops;
	void *ctx;
	uint8_t venue; /* venue id */
};

/**
 * How the engine starts a connector (xr_connector_create_ex()); zeroed,
 * or NULL, is what xr_connector_create() does.
 */
struct xr_conn_start {
	/* Put this (1..15 of A-Z a-z 0-9) and "-" before the engine's ClOrdID
	 * numbers on the wire, instead of a prefix made per run: the
	 * journal's instance, so a ClOrdID names the same order after a
	 * restart (docs/journal.md). NULL: per run. Ignored by kinds that
	 * put no prefix on the wire (sim). */
	const char *clordid_prefix;
	/* Connect (FIX: log on) at the first poll rather than in create, so
	 * orders taken back with adopt() are known before the venue's first
	 * report of them (crash recovery). */
	bool defer_connect;
	/* Order table slots beyond the venue's max_open_orders, for the
	 * orders taken back with adopt() (recovery): they count against
	 * max_open_orders only once new orders are sent. */
	uint32_t extra_orders;
};

/**
 * xr_connector_create() with start options @p start (NULL: none).
 * Same errors. Thread: any (control path, allocates).
 */
int xr_connector_create_ex(const struct xr_config *cfg, unsigned venue,
			   const struct xr_conn_start *start, struct xr_connector *out,
			   char *err, size_t err_len);

/**
 * Create the connector of venue @p venue from its config section.
 *
 * @param cfg    loaded config; must outlive the connector.
 * @param venue  venue id, < cfg->n_venues.
 * @param err    message on failure ("venue alpha: unknown connector "x"").
 * @return 0 and *out filled, or -EINVAL (unknown kind, bad parameters) or
 *         -ENOMEM.
 * Thread: any (control path, allocates).
 */
int xr_connector_create(const struct xr_config *cfg, unsigned venue,
			struct xr_connector *out, char *err, size_t err_len);

/** Destroy a connector created by xr_connector_create(). */
void xr_connector_destroy(struct xr_connector *c);

#endif /* XR_CONNECTOR_H */
