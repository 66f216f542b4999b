/*
 * The aggregate stage's state (stage_aggregate.c): parent orders,
 * positions, histograms, failover history, and the venue statistics
 * (their types and code: venue_stats_pvt.h, venue_stats.c).
 * Private to its stage and to the engine's assembly (engine.c, summary.c,
 * footprint.c) and tests; no other stage includes it.
 */
#ifndef XR_STAGE_AGGREGATE_PVT_H
#define XR_STAGE_AGGREGATE_PVT_H

#include "engine_pvt.h"
#include "xr_u64map.h"

/** A parent order as the aggregator accumulates it. */
struct xr_parent {
	int64_t cum_qty;
	int64_t cum_notional;
	int64_t fees;
	int64_t est_fees;
	uint64_t venue_mask;
	uint64_t attempt_log;	/* attempts of its children sent again */
	uint8_t children_done;
	uint8_t n_rejected;
	uint8_t n_failed;
	uint8_t n_unknown;	/* children ended XR_FINAL_UNKNOWN */
	uint8_t n_open;		/* children ended XR_FINAL_OPEN */
	uint8_t acked;		/* a child was acknowledged by its venue; the
				 * cum_qty-0 XR_MSG_FILL went (io.fill_events) */
	uint16_t last_reason;
};

/** Messages waiting for room in a ring, oldest first (the aggregator's
 * re-sends and events). Thread: its one owner stage. */
struct xr_msg_fifo {
	struct xr_msg *m;	/* cap slots */
	uint32_t cap, head, n;
};

/** Histograms the aggregator records, one per stage and end to end. */
enum xr_hist_id {
	XR_H_E2E = 0,	 /* ingress -> aggregate */
	XR_H_ROUTER,	 /* e2e minus the venue round trip */
	XR_H_QUEUE,	 /* ingress -> validate dequeue */
	XR_H_VALIDATE,	 /* validate dequeue -> route dequeue */
	XR_H_ROUTE,	 /* route dequeue -> sent to the venue */
	XR_H_VENUE,	 /* sent -> terminal execution report */
	XR_H_AGGREGATE,	 /* report -> aggregate dequeue */
	XR_H_COUNT
};

/** Most failover history entries kept (the oldest stay). */
#define XR_FAILOVER_HISTORY 256

/** One failover (circuit opened on a venue) for the history. */
struct xr_failover_rec {
	uint64_t at_ns;		/* circuit opened (CLOCK_MONOTONIC ns) */
	uint64_t detect_ns;	/* first failure -> open */
	uint64_t reroute_ns;	/* open -> first child sent elsewhere, 0 if none */
	uint64_t recovery_ns;	/* open -> closed again, 0 while not */
	uint8_t from;		/* venue whose circuit opened */
	uint8_t to;		/* venue of that first child, XR_VENUE_NONE */
	uint8_t cause;		/* enum xr_breaker_cause */
};

/** Aggregate: order state, positions, venue stats, histograms, results. */
struct xr_aggregate {
	struct xr_stage st;
	struct xr_ring **in;		/* execute_to_aggregate[v] */
	struct xr_ring *rejects_i;	/* ingress_to_aggregate (overloaded) */
	struct xr_ring *rejects_v;	/* validate_to_aggregate */
	struct xr_ring *rejects_r;	/* route_to_aggregate */
	struct xr_ring *out;		/* aggregate_to_output */
	uint64_t completed;		/* parents ended; published once per call */
	struct xr_ring *feedback;	/* aggregate_to_route: producer end; the
					 * failover policy (its own issue) sends
					 * children to re-route here */
	struct xr_u64map parents;	/* order_id -> struct xr_parent */
	struct xr_venue_stats *venues;	/* n_venues */
	struct xr_pair_stats *pairs;	/* n_venues * n_symbols */
	struct xr_hist *hist[XR_H_COUNT];
	struct xr_hist **venue_hist;	/* n_venues: venue round trip (ns) */
	uint64_t last_publish_ns;
	uint64_t publish_interval_ns;
	uint64_t lat_keep;		/* mask on a measured venue latency:
					 * all ones, or 0 in deterministic
					 * mode (xr_venue_stats_sample) */
	uint64_t det_settled;		/* deterministic mode: results last
					 * told to the ingress */
	bool dirty;			/* stats changed since last publish */
	bool health_changed;
	uint64_t finals[XR_FINAL_COUNT];
	uint64_t by_reason[XR_R_COUNT];
	uint64_t published;		/* snapshots published */
	uint64_t params_version;	/* of the last snapshot */
	uint64_t start_ns;		/* uptime reference */
	uint64_t books_copied;		/* book copies into snapshot buffers */
	uint64_t bad_messages;		/* unknown message kinds (must stay 0) */
	/* Failover (docs/failover.md). */
	struct xr_hist *detect_hist;	/* first failure -> circuit open (ns) */
	struct xr_hist *reroute_hist;	/* open -> child sent elsewhere (ns) */
	struct xr_failover_rec history[XR_FAILOVER_HISTORY];
	uint32_t n_history;
	uint64_t failover_events;	/* circuits opened */
	uint64_t retries;		/* children sent again to their venue */
	uint64_t failovers;		/* children sent to another venue */
	/* Re-sent children the feedback ring had no room for, FIFO. Sized
	 * for every child that can exist outside the aggregator at once, so
	 * it never fills: the aggregator never waits on route, which breaks
	 * the cycle aggregate -> route -> execute -> aggregate. */
	struct xr_msg_fifo fb_over;
	uint64_t fb_parked;		/* re-sends that waited in fb_over */
	uint64_t rng;			/* retry backoff jitter */
	/* Router status, reliability, alerts, events (docs/failover.md). */
	struct xr_hist *recovery_hist;	/* open -> closed again (ns) */
	uint8_t status;			/* enum xr_router_status */
	uint64_t status_changes;
	bool manual_in_force;		/* a manual failover pin is set */
	bool disabled_in_force;		/* some venue is disabled */
	uint64_t controls;		/* operator commands seen */
	uint64_t cancel_acks;		/* execute stages' acknowledgments of a
					 * cancel of a signal, relayed to route */
	bool fill_events;		/* io.fill_events */
	uint32_t out_extra;		/* room asked of aggregate_to_output per
					 * call beyond a burst: 0, or 2 bursts with
					 * fill_events (at most XR_MAX_BURST in all) */
	uint64_t fills_sent;		/* XR_MSG_FILL messages made */
	uint64_t alerts[XR_ALERT_COUNT]; /* raised, per kind */
	/* Events for the output stage (circuit transitions, commands,
	 * alerts), FIFO: they wait here for room in the output ring. Events
	 * are rare; a full queue drops the newest and counts it. */
	struct xr_msg_fifo evq;
	uint64_t events_dropped;
	/* The journal ([journal] path), else NULL: results and events are
	 * journaled before they go to the output stage (evq_jn: the oldest
	 * events of evq already journaled). */
	struct xr_ring *journal;	/* aggregate's journal ring: producer end */
	uint32_t evq_jn;
	uint64_t journal_stalls;	/* calls that found the journal ring full */
	/* Net position per user, venue and symbol from fills (qty scale, buys
	 * positive): [(user * n_venues + venue) * n_symbols + symbol]. */
	int64_t *pos;
};

/*
 * Construction (control path, the owner thread): init fills the stage the
 * engine allocated in @p e (zeroed) from e->cfg and wires its rings;
 * @return 0, or -errno with @p err filled. fini frees what init allocated
 * and accepts a half-built (or never initialised, zeroed) stage; it does
 * not free the stage itself.
 */
int xr_aggregate_init(struct xr_engine *e, char *err, size_t err_len);
void xr_aggregate_fini(struct xr_aggregate *s);

/**
 * Its regions to prefault (regions_pvt.h): pools and tables that
 * xr_table_calloc() did not fault in. Thread: the owner, before the run.
 */
void xr_aggregate_regions(struct xr_aggregate *a, xr_region_fn visit, void *ctx);

/**
 * Move queued events (struct xr_aggregate.evq) into the output ring while
 * it has room. Thread: the aggregate stage's, or the owner once the
 * threads have stopped.
 */
void xr_aggregate_flush_events(struct xr_aggregate *a);

/**
 * Queue event @p m (a circuit transition, an operator command's record, an
 * alert) for the output stage: it waits in a->evq for room in
 * aggregate_to_output; a full queue drops it and counts it in
 * a->events_dropped. Thread: the aggregate stage's.
 */
void xr_aggregate_push_event(struct xr_aggregate *a, const struct xr_msg *m);

/**
 * Recovery: parent @p order_id of a crashed run, with what its children
 * did before the crash (@p p: fills so far, venues, children ended), so
 * its remaining children's reports end it as usual.
 * @return 0, or -ENOSPC if the parent table is full.
 * Thread: the owner, before the stage's thread starts.
 */
int xr_aggregate_restore_parent(struct xr_aggregate *a, uint64_t order_id,
				const struct xr_parent *p);

#endif /* XR_STAGE_AGGREGATE_PVT_H */
