/*
 * Engine internals: the stage interface, each stage's state, and the engine
 * that wires them together. Private to engine/ (and the engine's tests).
 *
 * PIPELINE (rings named <from>_to_<to>; each has one producer stage and one
 * consumer stage)
 *
 *   ingress --ingress_to_validate--> validate --validate_to_route--> route
 *   ingress --ingress_to_aggregate (overloaded: live ingress only)--> aggregate
 *   validate --validate_to_aggregate (rejects)--------------------> aggregate
 *   route --route_to_aggregate (no venue)-------------------------> aggregate
 *   route --route_to_execute[v]--> execute[v] --execute_to_aggregate[v]--> aggregate
 *   aggregate --aggregate_to_route (feedback: re-route a child)--> route
 *   aggregate --aggregate_to_output--> output
 *
 * A thread runs an ordered list of stages (runner.c); stages never block,
 * never allocate and never log per signal once running.
 */
#ifndef XR_ENGINE_PVT_H
#define XR_ENGINE_PVT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "colocated_pvt.h"
#include "params_pvt.h"
#include "risk_pvt.h"
#include "xr_selector.h"
#include "xr_snapshot.h"
#include "xr_heap.h"
#include "xr_u64map.h"
#include "xr_config.h"
#include "xr_connector.h"
#include "xr_engine.h"
#include "xr_hist.h"
#include "xr_names.h"
#include "xr_ring.h"
#include "xr_signal.h"
#include "xr_types.h"

struct xr_engine;

/** Slots of the control ring (operator commands not yet taken by route). */
#define XR_CONTROL_RING 64
/** Slots of output_to_owner, the events ring (events.c). */
#define XR_EVENT_RING 4096

/** Most messages a stage handles per do_work call. */
#define XR_MAX_BURST 256

/** A do_work() call longer than this is a slow call (ns). */
#define XR_SLOW_CALL_NS UINT64_C(100000)

/**
 * A stage: do_work() handles what is ready and returns how many items it
 * handled (0 = idle; the thread's wait strategy uses it).
 *
 * Stall attribution: the thread runner times every do_work() call (two
 * reads of the loop clock it already takes) into work_hist, and counts the
 * calls over XR_SLOW_CALL_NS per bit of what the call did: a stage ORs
 * enum xr_doing bits into `doing` as it works, the runner clears it before
 * each call.
 */
struct xr_stage {
	char name[XR_NAME_MAX + 10];
	uint32_t (*do_work)(struct xr_stage *st);
	/** Optional: called once on the running thread before the loop. */
	void (*thread_init)(struct xr_stage *st);
	struct xr_engine *eng;
	/* The running thread's loop clock: CLOCK_MONOTONIC ns read once at
	 * the top of each loop, for timers (held children, health, publish
	 * interval). Stamps on messages are read after their dequeue instead,
	 * so a stamp is never earlier than the producer's. */
	const uint64_t *loop_ns;
	uint64_t items;	      /* messages handled */
	uint64_t out_stalls;  /* calls that found an output ring full */
	bool assigned;	      /* placed on a thread */
	uint32_t doing;	      /* enum xr_doing bits of the current call */
	struct xr_hist *work_hist; /* do_work() call durations (ns) */
	uint64_t slow_calls;  /* calls over XR_SLOW_CALL_NS */
	uint64_t slow_by[XR_DOING_COUNT]; /* slow calls that did each thing */
	uint64_t slowest_ns;  /* the longest call */
	uint32_t slowest_doing; /* what it did (enum xr_doing bits) */
};

/** Ingress: replays a signal file (mmap), one CSV row per signal. */
struct xr_ingress {
	struct xr_stage st;
	struct xr_ring *out;	/* ingress_to_validate */
	struct xr_ring *rejects; /* ingress_to_aggregate: overloaded signals */
	bool live;		/* io.overload_reject: a full ring rejects */
	uint64_t overloaded;	/* signals rejected for a full ring */
	const char *path;
	const char *data;	/* mapped file */
	size_t size, pos;
	uint32_t lineno;	/* lines consumed so far */
	uint32_t max_lines;	/* lines in the file (bounds the seen bitmap) */
	struct xr_signal_layout lay;
	const struct xr_names *names;
	uint64_t parse_errors;
	uint32_t errors_printed;
	struct xr_msg next;	/* paced replay: parsed, not yet due */
	bool has_next;
	uint64_t t0_wall_ns;	/* paced replay: when the first signal went */
	int64_t prev_ts_ns;	/* paced replay: ts_ns of the last paced row */
	xr_i128 pos_ns;		/* paced replay: its event time after t0, gaps
				 * over max_gap_ns taken out (ns, may be < 0) */
	int64_t max_gap_ns;	/* paced replay: io.pace_max_gap_ms (ns) */
	uint64_t gaps;		/* paced replay: rows sent without their gap */
	uint32_t first_gap_line; /* the first such row's line */
	bool started;
	_Atomic uint64_t read;	/* signals read (rows, incl. malformed) */
	_Atomic int done;	/* whole file read */
};

/** Per-user validate state. */
struct xr_user_state {
	struct xr_token_bucket bucket;
	bool bucket_started;
};

/** Validate: permissions, limits, duplicates. */
struct xr_validate {
	struct xr_stage st;
	struct xr_ring *in;	  /* ingress_to_validate */
	struct xr_ring *out;	  /* validate_to_route */
	struct xr_ring *rejects;  /* validate_to_aggregate */
	struct xr_user_state *users;	/* n_users */
	struct xr_exposure_v *exp_v;	/* n_users * n_symbols */
	struct xr_dedup dedup;
	uint64_t next_order_id;
	uint64_t accepted;		/* parents accepted (credit use) */
	uint64_t done_seen;		/* completed_orders as last read */
	uint64_t credit_stalls;		/* loops held by max_inflight_orders */
	uint64_t by_reason[XR_R_COUNT];
};

/** Route: venue selection, execution method, child orders. */
struct xr_route {
	struct xr_stage st;
	struct xr_ring *in;		/* validate_to_route */
	struct xr_ring *feedback;	/* aggregate_to_route */
	struct xr_ring *control;	/* control_to_route (operator commands) */
	struct xr_ring *rejects;	/* route_to_aggregate */
	struct xr_ring **out;		/* route_to_execute[v] */
	uint64_t *sent;			/* children sent per venue */
	uint64_t next_cl_ord_id;
	struct xr_msg *stash;		/* children not yet enqueued */
	uint32_t stash_n, stash_pos, stash_cap;
	uint64_t no_route;
	uint64_t rerouted;
	uint64_t by_strategy[XR_STRAT_COUNT]; /* parents routed */
	uint64_t by_decision[XR_D_COUNT];     /* parents by decision code */
	uint64_t split_parents;		      /* parents on more than one venue */
	/* Operator state (xr_engine_control()). */
	uint64_t disabled_mask;		/* venues disabled: never selected */
	uint8_t *user_pin;		/* n_users: venue a manual failover put
					 * first in the user's plan, or NONE */
	uint8_t *symbol_pin;		/* n_symbols: the same for symbol plans */
	uint64_t pins;			/* entries of both that are not NONE */
	uint64_t controls;		/* commands applied */
};

/**
 * Gauges one execute stage publishes for the snapshot writer: relaxed
 * stores by the execute stage, relaxed loads by aggregate (no ordering is
 * implied; each is a self-contained number). One cache line per venue.
 */
struct xr_venue_live {
	_Atomic uint32_t headroom_ppm;	/* venue token bucket tokens / capacity */
	_Atomic uint32_t queue_depth;	/* children held here + open at the venue */
	char pad_[56];
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

/**
 * How a run is being ended (struct xr_engine.drain, a set of these bits).
 * The owner thread sets bits, never clears them; stages read the word
 * once per do_work (relaxed: a bit seen one loop late changes nothing).
 *   STOP_INTAKE  ingress reads no more signals (SIGTERM, SIGINT);
 *   CANCEL       each execute stage asks its venue once to cancel every
 *                live child; from then on children not yet sent (held, or
 *                arriving) end canceled, reason stopped, and the aggregator
 *                sends nothing again;
 *   END          each execute stage ends every child still live: unknown
 *                (reason in_doubt) unless it is known to rest at the venue
 *                and no cancel was asked (exit_orders = leave): open
 *                (reason left_open). Nothing is sent from then on.
 */
enum xr_drain {
	XR_DRAIN_STOP_INTAKE = 1u << 0,
	XR_DRAIN_CANCEL = 1u << 1,
	XR_DRAIN_END = 1u << 2,
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
};

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
	uint16_t last_reason;
};

/** Messages waiting for room in a ring, oldest first (the aggregator's
 * re-sends and events). Thread: its one owner stage. */
struct xr_msg_fifo {
	struct xr_msg *m;	/* cap slots */
	uint32_t cap, head, n;
};

/** Rolling window: rates and percentiles over the last 100 results. */
#define XR_STATS_WINDOW 100

/** Aggregator's view of one venue (the source of snapshots). */
struct xr_venue_stats {
	uint64_t lat_ns[XR_STATS_WINDOW];	/* ring of the last latencies */
	uint64_t lat_sorted[XR_STATS_WINDOW];	/* the same, sorted (percentiles) */
	uint64_t lat_sum;
	uint32_t lat_n, lat_pos;
	uint64_t lat_fast_ns, lat_slow_ns;	/* EWMAs (fast, quarter weight) */
	uint8_t outcome[XR_STATS_WINDOW];	/* enum xr__outcome, ring */
	uint32_t out_n, out_pos;
	uint32_t n_ok, n_reject, n_timeout;	/* counts in the outcome window */
	uint32_t err_fast_ppm, err_slow_ppm;	/* decayed error weight, trend */
	uint64_t completed;
	uint8_t healthy;
	uint64_t up_ns;				/* connected time before up_since */
	uint64_t up_since_ns;			/* last connect, 0 while down */
	/* Lifetime counters for the summary. */
	uint64_t children, filled, rejected, failed;
	/* Circuit, as the execute stage's events tell it. */
	uint8_t circuit;			/* enum xr_circuit */
	uint64_t open_ns;			/* last CLOSED -> OPEN */
	uint64_t opens;
	int32_t history;			/* failover history entry of the
						 * current failure, -1 if none */
	/* Reliability (MTBF, MTTR): a failure runs from CLOSED -> OPEN to
	 * the next -> CLOSED (failed probes re-open within it). */
	uint64_t fail_start_ns;			/* its CLOSED -> OPEN */
	uint64_t closed_since_ns;		/* last -> CLOSED (or start) */
	uint64_t closed_ns;			/* closed time before that */
	uint64_t recoveries;			/* failures ended (-> CLOSED) */
	uint64_t repair_ns;			/* sum of their durations */
	uint8_t alert_on;			/* bit per enum xr_alert raised */
	uint64_t alert_at_ns[XR_ALERT_COUNT];	/* its last change */
	uint64_t alerts;			/* alerts raised */
};

/** Aggregator's view of one (venue, symbol). */
struct xr_pair_stats {
	struct xr_book book;		/* from market data */
	uint8_t n_lv[2];		/* levels per side ([0] bids, [1] asks) */
	uint64_t book_gen;		/* bumped per book change (snapshot copy) */
	uint8_t ok[XR_STATS_WINDOW];
	uint32_t ok_sum, ok_n, ok_pos;
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
	uint64_t alerts[XR_ALERT_COUNT]; /* raised, per kind */
	/* Events for the output stage (circuit transitions, commands,
	 * alerts), FIFO: they wait here for room in the output ring. Events
	 * are rare; a full queue drops the newest and counts it. */
	struct xr_msg_fifo evq;
	uint64_t events_dropped;
	/* Net position per user, venue and symbol from fills (qty scale, buys
	 * positive): [(user * n_venues + venue) * n_symbols + symbol]. */
	int64_t *pos;
};

/** Output: formats results and writes them; counts the invariants. */
struct xr_output {
	struct xr_stage st;
	struct xr_ring *in;		/* aggregate_to_output */
	int fd;				/* -1: count only */
	char *buf;
	size_t buf_len, buf_cap;
	uint8_t format;			/* enum xr_results_format */
	uint64_t *seen;			/* bitmap by source line */
	uint32_t seen_bits;
	uint64_t results;		/* results received */
	uint64_t distinct;		/* distinct signals with a result */
	uint64_t duplicates;		/* results for a signal already done */
	uint64_t write_errors;
	uint64_t overfills;		/* results with filled qty > order qty */
	int64_t *fills_net;		/* n_users * n_symbols, from results */
	uint64_t events_dropped;	/* output_to_owner was full */
	_Atomic uint64_t distinct_pub;	/* distinct, for the main thread */
	_Atomic uint64_t last_result_ns;
};

/**
 * The event log (events.c): circuit transitions, alerts and operator
 * commands reach the owner thread through output_to_owner; the owner
 * formats each as a JSON line for the events file and a line on stderr.
 * Owned by the owner thread; nothing here is touched by a stage thread.
 */
struct xr_events {
	int fd;			/* events file, -1: none */
	bool quiet;		/* no stderr lines (xr_engine_io.events_quiet) */
	uint64_t written;	/* events handled */
	uint64_t write_errors;	/* failed writes to the events file */
};

/**
 * Open the events file of e->io.events_path (none if NULL).
 * @return 0, or -errno with @p err naming the file and the cause.
 * Thread: the owner, from xr_engine_create().
 */
int xr_events_init(struct xr_engine *e, char *err, size_t err_len);

/**
 * Format and write every event waiting in e->output_to_owner (its single
 * consumer). @return events handled. Thread: the owner (xr_engine_run's
 * loop, once a tick, and after the threads stop).
 */
uint32_t xr_events_drain(struct xr_engine *e);

/** Close the events file. Thread: the owner. */
void xr_events_fini(struct xr_events *ev);

/** A thread of the plan. */
struct xr_thread {
	struct xr_engine *eng;
	const struct xr_thread_cfg *cfg;
	struct xr_stage *stages[XR_MAX_STAGES_PER_THREAD];
	uint32_t n_stages;
	pthread_t tid;
	bool started;
	bool pinned;
	uint64_t loops, idle_loops;
	uint64_t loop_ns;		/* loop clock (struct xr_stage.loop_ns) */
	const uint64_t *alloc_ctr;	/* io.thread_allocated(), or NULL */
	uint64_t alloc_start, alloc_end; /* *alloc_ctr at loop start and stop */
	uint64_t cpu_ns;		/* thread CPU time at loop stop (ns) */
};

/** The engine. */
struct xr_engine {
	const struct xr_config *cfg;
	struct xr_engine_io io;
	uint32_t n_venues, n_users, n_symbols;

	struct xr_ring *ingress_to_validate;
	struct xr_ring *ingress_to_aggregate;
	struct xr_ring *validate_to_route;
	struct xr_ring *validate_to_aggregate;
	struct xr_ring *route_to_aggregate;
	struct xr_ring *aggregate_to_route;
	struct xr_ring *aggregate_to_output;
	struct xr_ring *output_to_owner; /* events: output -> owner (events.c) */
	struct xr_ring *control_to_route;	/* xr_engine_control() -> route */
	pthread_mutex_t control_mu;		/* serialises the ring's producers */
	bool control_mu_ready;
	_Atomic uint8_t router_status;		/* enum xr_router_status */
	struct xr_ring **route_to_execute;	/* n_venues */
	struct xr_ring **execute_to_aggregate;	/* n_venues */

	struct xr_names *names;
	struct xr_ingress ingress;
	struct xr_validate validate;
	struct xr_route route;
	struct xr_execute *execute;		/* n_venues */
	struct xr_aggregate aggregate;
	struct xr_output output;
	struct xr_events events;

	struct xr_exposure_a *exp_a;		/* n_users * n_symbols */
	struct xr_params *params;		/* RCU-protected (params_pvt.h) */
	struct xr_venue_live *venue_live;	/* n_venues gauges */
	_Atomic uint64_t completed_orders;	/* parents ended (aggregate) */
	struct xr_snapshot_pool snaps;
	bool snaps_ready;
	struct xr_coloc coloc;			/* colocated mode, memory locking,
						 * the ring arena (colocated.c) */

	struct xr_thread threads[XR_MAX_THREADS];
	uint32_t n_threads;
	_Atomic int stop;
	_Atomic uint32_t drain;			/* enum xr_drain bits; owner sets */
	int stop_signal;			/* the signal that stopped intake,
						 * 0 if none (owner thread) */

	uint64_t start_ns, end_ns;
	uint64_t reloads, reloads_rejected;	/* owner thread only (reload.c) */
	struct xr_summary summary;
};

/* Stage constructors (control path). Each returns 0 or -errno and fills
 * err; each destructor accepts a half-built stage. */
int xr_ingress_init(struct xr_engine *e, char *err, size_t err_len);
void xr_ingress_fini(struct xr_ingress *s);
int xr_validate_init(struct xr_engine *e, char *err, size_t err_len);
void xr_validate_fini(struct xr_validate *s);
int xr_route_init(struct xr_engine *e, char *err, size_t err_len);
void xr_route_fini(struct xr_route *s);
int xr_execute_init(struct xr_engine *e, unsigned venue, char *err, size_t err_len);
void xr_execute_fini(struct xr_execute *s);
int xr_aggregate_init(struct xr_engine *e, char *err, size_t err_len);
void xr_aggregate_fini(struct xr_aggregate *s);
int xr_output_init(struct xr_engine *e, char *err, size_t err_len);
void xr_output_fini(struct xr_output *s);

/**
 * Apply one market-data or venue-status message to the aggregator's stats
 * (also used at start, before the threads run, to build snapshot 1).
 * Thread: the aggregate stage's, or the engine's before start.
 */
void xr_aggregate_apply(struct xr_aggregate *a, const struct xr_msg *m);

/**
 * Move queued events (struct xr_aggregate.evq) into the output ring while
 * it has room. Thread: the aggregate stage's, or the owner once the
 * threads have stopped.
 */
void xr_aggregate_flush_events(struct xr_aggregate *a);

/**
 * Build and publish a snapshot from the aggregator's stats.
 * Thread: as xr_aggregate_apply.
 */
void xr_aggregate_publish(struct xr_aggregate *a, uint64_t now_ns);

/**
 * Poll the venue's connector once and forward what it has (used at start
 * for the initial market data). Thread: the execute stage's, or the
 * engine's before start.
 */
uint32_t xr_execute_poll(struct xr_execute *x, uint64_t now_ns);

/** Flush the output buffer to the file. @return 0 or -errno. */
int xr_output_flush(struct xr_output *o);

/** Start every thread of the plan. @return 0 or -errno (err filled). */
int xr_runner_start(struct xr_engine *e, char *err, size_t err_len);
/** Ask every thread to stop and join them. Thread: the engine's owner. */
void xr_runner_stop(struct xr_engine *e);

/**
 * Serve a pending reload request (io.reload_request): take the flag,
 * xr_engine_reload() io.config_path, print one line to stderr. No-op
 * without a request. Thread: the engine's owner, in xr_engine_run's loop.
 */
void xr_reload_poll(struct xr_engine *e);

#endif /* XR_ENGINE_PVT_H */
