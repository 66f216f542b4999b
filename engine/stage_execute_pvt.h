/*
 * The execute stages' state (stage_execute.c), one per venue: the venue's
 * connector, its children and their timers, its circuit breaker.
 * Private to its stage and to the engine's assembly (engine.c, summary.c,
 * footprint.c) and tests; no other stage includes it.
 */
#ifndef XR_STAGE_EXECUTE_PVT_H
#define XR_STAGE_EXECUTE_PVT_H

#include "engine_pvt.h"
#include "xr_heap.h"
#include "xr_u64map.h"

/** Links of a child in its bucket's list (struct xr_execute.sig_live,
 * sig_held): tokens (live) or held slots, UINT32_MAX = none; prev none =
 * the bucket's head. */
struct xr_sig_link {
	uint32_t prev, next;
};

/** Where a child at the venue stands (struct xr_child_timer.state). */
enum xr_child_state {
	XR_CS_SENT = 1,	 /* sent, no answer yet; timer = order timeout */
	XR_CS_LIVE,	 /* answered, live (resting) */
	XR_CS_UNKNOWN,	 /* no answer in time: querying its status; timer =
			  * next query */
};

/**
 * Per-token timer and state of a child at the venue. A timer sits in one
 * of three queues (struct xr_execute): SENT and LIVE timers all have the
 * same length (order_timeout_us and 16 of them), so each of those queues
 * is a FIFO list in arming order, which is due order, with O(1) arm and
 * cancel; UNKNOWN timers back off with jitter and sit in a min-heap.
 */
struct xr_child_timer {
	uint64_t due_ns;	/* SENT: the order timeout; UNKNOWN: the next
				 * status query; LIVE: the next status check */
	uint32_t prev, next;	/* list links (tokens), UINT32_MAX = none */
	uint8_t queue;		/* enum xr_timer_queue */
	uint8_t state;		/* enum xr_child_state; 0 = no child */
	uint8_t probe;		/* admitted as a HALF_OPEN probe */
	uint8_t queries;	/* status queries sent */
	uint8_t adopted;	/* taken back after a crash, not answered yet */
};

/** Which queue holds a child's timer (struct xr_child_timer.queue). */
enum xr_timer_queue {
	XR_TQ_NONE = 0,
	XR_TQ_SENT,	/* FIFO list: order timeouts */
	XR_TQ_LIVE,	/* FIFO list: periodic status checks */
	XR_TQ_HEAP,	/* min-heap: status queries with backoff */
};

/** A FIFO list of tokens threaded through struct xr_child_timer. */
struct xr_timer_list {
	uint32_t head, tail;	/* tokens, UINT32_MAX = empty */
};

/** Children in doubt or left open at the end that a venue's summary
 * names one by one (the rest are counted). */
#define XR_DOUBT_RECS 32

/** A child order that ended the run unknown or open (summary, log). */
struct xr_doubt_rec {
	uint64_t signal_id;
	uint64_t cl_ord_id;	/* ClOrdID at the venue */
	uint32_t line;		/* signal file line */
	uint8_t final;		/* XR_FINAL_UNKNOWN or XR_FINAL_OPEN */
};

/** A child to take back after a crash (xr_execute_adopt()). */
struct xr_adopt {
	struct xr_msg c;
	int64_t cum_qty, cum_notional;
	bool acked;
};

/** Execute: one per venue; drives the venue's connector. */
struct xr_execute {
	struct xr_stage st;
	uint8_t venue;
	struct xr_ring *in;	    /* route_to_execute[venue] */
	struct xr_ring *out;	    /* execute_to_aggregate[venue] */
	struct xr_connector conn;
	struct xr_msg *live;	    /* children at the venue, by token */
	uint32_t *free_tokens;	    /* stack of free tokens */
	uint32_t n_free, cap;
	struct xr_msg *held;	    /* held children (TWAP slices), by slot */
	struct xr_heap held_q;	    /* their slots by send_at_ns */
	uint32_t *held_free;	    /* stack of free slots */
	uint32_t n_held_free, held_cap;
	struct xr_msg *outbox;	    /* reports not yet enqueued */
	uint32_t outbox_n, outbox_pos, outbox_cap;
	struct xr_ring *journal;    /* execute.V's journal ring, else NULL:
				     * reports are journaled from the outbox
				     * (outbox_jpos: those done) before they
				     * go to the aggregator, and the connector
				     * is polled only once every report of
				     * the last poll is in it */
	uint32_t outbox_jpos;
	uint64_t journal_stalls;    /* calls that waited: journal ring full */
	uint64_t adopted;	    /* children taken back after a crash */
	uint64_t adopted_open;	    /* of which not answered by the venue yet
				     * (published in live_gauges->recovering) */
	struct xr_venue_live *live_gauges; /* this venue's, in the engine */
	struct xr_token_bucket bucket; /* venue rate limit (rate_limit_per_s) */
	uint64_t bucket_version;    /* params version the bucket was built from */
	uint32_t bucket_rate;	    /* 0 = no venue rate limit */
	uint64_t rate_limited;	    /* children held for a token */
	uint32_t gauge_headroom, gauge_depth; /* last values published */
	int connected;		    /* last health seen */
	uint64_t last_health_ns;
	uint64_t submitted, reports, busy;
	uint64_t bad_events;	    /* events for no live order (venue error) */
	/* Fault tolerance (docs/failover.md). */
	struct xr_breaker breaker;  /* this venue's circuit breaker */
	struct xr_child_timer *timer; /* cap, by token */
	struct xr_timer_list tsent; /* SENT children, by due_ns */
	struct xr_timer_list tlive; /* LIVE children, by due_ns */
	struct xr_heap theap;	    /* UNKNOWN children's tokens by due_ns */
	uint64_t order_timeout_ns;
	bool cancel_on_timeout;	    /* timeout_policy = cancel */
	uint64_t timeout_cancels;   /* cancels sent for timed-out children */
	uint64_t health_period_ns;
	uint64_t rng;		    /* status query jitter */
	uint64_t bounced;	    /* children not sent: circuit open, session down */
	uint64_t timeouts;	    /* children unanswered within the timeout */
	uint64_t queries;	    /* status queries sent */
	uint64_t unknown_resolved; /* timed-out children the venue then answered */
	uint64_t dup_fills;	    /* fills reported twice by the venue, ignored */
	uint64_t stale_answers;	    /* "unknown" answers for ended children */
	uint64_t queries_capped;    /* children whose status queries reached
				     * max_status_queries (in doubt) */
	/* What the venue reported that cannot be right (docs/failover.md
	 * "Venue violations"). */
	uint64_t overfill_reports;  /* reports taking a child's cum qty past its
				     * qty: the excess is not booked */
	int64_t overfill_qty;	    /* the excess refused (qty scale) */
	uint64_t fills_outside_limit; /* fills at a price worse than the child's
				     * limit or the fill collar: booked */
	uint64_t outside_alert_ns;  /* last fill_outside_limit alert (1 per s) */
	int64_t collar_bps;	    /* [engine] fill_collar_bps */
	/* Ending the run (enum xr_drain). */
	bool drain_canceled;	    /* the cancels of XR_DRAIN_CANCEL were sent */
	uint32_t drain_pos;	    /* XR_DRAIN_END: next token to end */
	uint32_t max_queries;	    /* [engine] max_status_queries */
	uint64_t stop_cancels;	    /* cancels sent for live children at stop */
	uint64_t stopped;	    /* children not sent: the run was stopping */
	uint64_t in_doubt;	    /* children ended unknown at the end */
	uint64_t left_open;	    /* children left live at the end */
	struct xr_doubt_rec doubt[XR_DOUBT_RECS]; /* the first of them */
	uint32_t n_doubt;
	/* Canceling a signal (XR_CTL_CANCEL_SIGNAL, docs/failover.md). With
	 * io.signal_cancels, an index signal_id -> its children here: a
	 * chained hash table whose buckets (the mixed signal_id's low bits)
	 * head doubly linked lists threaded through live_link (tokens) and
	 * held_link (held slots), kept on every add and end of a child in
	 * O(1), no probing; a cancel walks its bucket's lists, skipping
	 * other signals. Buckets >= cap + held_cap, so a list is about one
	 * child long. Without the index, a cancel walks the order table and
	 * the held slots. */
	bool by_signal_on;
	uint32_t sig_mask;	    /* buckets - 1 */
	uint32_t *sig_live;	    /* buckets: head token + 1, 0 = empty */
	uint32_t *sig_held;	    /* buckets: head held slot + 1, 0 = empty */
	struct xr_sig_link *live_link; /* cap */
	struct xr_sig_link *held_link; /* held_cap */
	uint64_t cancels_seen;	    /* cancels that reached this stage */
	uint64_t cancel_requests;   /* of its children: cancels sent to the venue */
	uint64_t cancel_held;	    /* of its held children: ended canceled unsent */
};

/*
 * Construction (control path, the owner thread): init fills the stage the
 * engine allocated in @p e (zeroed) from e->cfg and wires its rings;
 * @return 0, or -errno with @p err filled. fini frees what init allocated
 * and accepts a half-built (or never initialised, zeroed) stage; it does
 * not free the stage itself.
 */
int xr_execute_init(struct xr_engine *e, unsigned venue, char *err, size_t err_len);
void xr_execute_fini(struct xr_execute *s);

/**
 * Its regions to prefault (regions_pvt.h): pools and tables that
 * xr_table_calloc() did not fault in. Thread: the owner, before the run.
 */
void xr_execute_regions(struct xr_execute *x, xr_region_fn visit, void *ctx);

/**
 * Poll the venue's connector once and forward what it has (used at start
 * for the initial market data). Thread: the execute stage's, or the
 * engine's before start.
 */
uint32_t xr_execute_poll(struct xr_execute *x, uint64_t now_ns);

/**
 * Take back child @p c (signal_id, order_id and fields as routed) that a
 * crashed run sent and may have left live at the venue, with @p cum_qty
 * and @p cum_notional already journaled (@p acked: the venue had
 * acknowledged it): into the live table, the connector told (its adopt
 * op), state unknown with a status query due at once. It is never sent
 * again (attempts = 255): the venue's answer, or its resent reports,
 * settle it (docs/journal.md "Recovery"). The table has a slot for each
 * (struct xr_conn_start.extra_orders, counted before the stage was built).
 * Serve's readiness waits (live_gauges->recovering) for the first answer
 * of each one never acknowledged.
 * @return 0; -EBUSY no free slot; the connector's adopt error.
 * Thread: the owner, before the stage's thread starts.
 */
int xr_execute_adopt(struct xr_execute *x, const struct xr_msg *c, int64_t cum_qty,
		     int64_t cum_notional, bool acked, uint64_t now);

#endif /* XR_STAGE_EXECUTE_PVT_H */
