/*
 * xr_engine: the public face of the router. Build an engine from a loaded
 * config and a signal source, run it until every signal read has its
 * terminal result, then read the summary, the histograms and the
 * invariants.
 *
 * Lifecycle (all control path, one owner thread):
 *   e = xr_engine_create(cfg, &io, err, len);
 *   xr_engine_run(e, err, len);          starts the thread plan, waits, joins;
 *                                        serves io.reload_request meanwhile
 *                                        (xr_engine_reload, hot reload)
 *   xr_engine_print_summary(e, stdout);
 *   xr_engine_write_summary_json(e, f);
 *   xr_engine_write_hgrm(e, dir, err, len);
 *   xr_engine_destroy(e);
 */
#ifndef XR_ENGINE_H
#define XR_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "xr_types.h"

struct xr_config;
struct xr_engine;

/** Where an engine reads signals and writes results. */
struct xr_engine_io {
	const char *signals_path;   /* signal CSV (docs/signals.md); required
				     * unless serve (then optional: one source) */
	const char *results_path;   /* results file, NULL = none (counted only) */
	uint32_t drain_timeout_ms;  /* give up after this long with no new
				     * result once input ended; 0 = 10000 */
	uint32_t max_parse_errors_logged; /* rows reported on stderr; 0 = 100 */
	/* Replay pace in thousandths of real time: 1000 sends each signal at
	 * its ts_ns offset from the first (open loop), 2000 twice as fast;
	 * 0 = as fast as the pipeline takes them (closed loop). Paced signals
	 * are stamped with their intended send time, so queueing behind a
	 * slow stage counts in their latency (no coordinated omission). */
	uint32_t replay_speed_milli;
	/* Paced replay: a row whose ts_ns is more than this many ms of event
	 * time after (or before) the previous row's is sent without waiting
	 * for the gap, and the replay goes on at the file's pace from it: a
	 * gap that long is a break in the file (or a bad ts_ns), not a wait.
	 * The first such row is logged on stderr with its line, the count at
	 * the end of the file. 0 = 60000 (one minute). */
	uint32_t pace_max_gap_ms;
	/* Optional allocation probe: returns a pointer to the calling
	 * thread's cumulative count of bytes allocated (jemalloc's
	 * "thread.allocatedp"), or NULL. Each stage thread calls it once after
	 * its stages' thread_init and reads the counter when its loop starts
	 * and when it stops, so the summary shows what the stage threads
	 * allocated while running (xr_summary.threads[].alloc_bytes). NULL =
	 * not measured. The engine itself stays allocator-agnostic. */
	const uint64_t *(*thread_allocated)(void);
	/* Hot reload (docs/config.md "Hot reload"). config_path: the file the
	 * owner thread re-reads when asked; NULL = the path in the running
	 * config (struct xr_config.path). reload_request: optional flag the
	 * caller sets to nonzero from any thread or from a signal handler
	 * (tools/xroute.c: SIGHUP) to ask for a reload; the owner loop of
	 * xr_engine_run() takes it (atomic exchange to 0) within 1 ms, calls
	 * xr_engine_reload() and prints one line to stderr. NULL = no
	 * requests. It must outlive the engine's run. */
	const char *config_path;
	_Atomic int *reload_request;
	/* Stop (docs/output.md "Stopping a run"): optional flag the caller
	 * sets to a signal number (tools/xroute.c: SIGTERM, SIGINT) from a
	 * signal handler or any thread. Within 1 ms the owner loop stops
	 * intake, then settles open orders by [engine] stop_policy and
	 * exit_orders, bounded by drain_timeout_ms, and xr_engine_run()
	 * returns as at the end of the file. NULL = no requests. */
	_Atomic int *stop_request;
	/* Event output (docs/output.md "Events"): circuit transitions, alerts
	 * and operator commands, one JSON object per line, written by the
	 * owner thread within a millisecond of happening (events.c); each
	 * is also logged as one line on stderr. NULL = logged only. */
	const char *events_path;
	/* true: events are not logged on stderr (the events file, if any, is
	 * still written); for benchmarks, whose output is their report. */
	bool events_quiet;
	/* Backpressure policy of the ingress (docs/failover.md
	 * "Backpressure"). false: a file replay, which waits for room in
	 * validate's ring (counted in ingress_stalls). true: a live feed,
	 * which cannot wait: a signal due while validate's ring is full ends
	 * at once, rejected with reason overloaded (counted in overloaded);
	 * it waits only if the reject ring is full too. Meant for paced
	 * replay (replay_speed_milli != 0), which stands for a live feed. */
	bool overload_reject;
	/* Optional: called once by xr_engine_run() on the owner thread when
	 * the run's clock starts (start_ns: CLOCK_MONOTONIC ns, the origin of
	 * the events' t_s), before any stage thread runs. Must not block. */
	void (*on_start)(void *arg, uint64_t start_ns);
	void *on_start_arg;
	/* `xroute serve` (docs/serve.md): the ingress serves the clients of
	 * [client NAME] on [serve] socket, the FIX sessions of [fix_client
	 * NAME] and the signal file if given, and the run lasts until
	 * stop_request; results go back to each signal's source (no results
	 * file: results_path must be NULL). It turns fill_events and
	 * signal_cancels on. */
	bool serve;
	/* Optional: called by xr_engine_run()'s owner loop about once a
	 * millisecond (now_ns: CLOCK_MONOTONIC), for a service manager's
	 * watchdog (tools/xroute.c: sd_notify WATCHDOG=1). Must not block. */
	void (*on_tick)(void *arg, uint64_t now_ns);
	void *on_tick_arg;
	/* serve: called once by the owner loop when the router is ready:
	 * every venue's connector connected (FIX venues logged on) at its
	 * last health check, or [serve] ready_timeout_ms after the start;
	 * @p down names the venues not up then, "" if none (their circuits
	 * are open). Clients are served from then on (their connections wait
	 * in the socket's backlog until then). tools/xroute.c: sd_notify
	 * READY=1. Must not block. */
	void (*on_ready)(void *arg, uint64_t now_ns, const char *down);
	void *on_ready_arg;
	/* For xroute serve, whose sources want every execution: true makes
	 * the aggregator forward one XR_MSG_FILL message per fill of a child
	 * on aggregate_to_output (LastQty, its notional and fees), preceded
	 * once per parent by one with cum_qty 0 when its first child is
	 * acknowledged by its venue (base/xr_types.h XR_MSG_FILL). The output
	 * stage counts them and passes them to no file (fills_seen); the
	 * serve ingress forwards them to its clients. false (file replay):
	 * none is made. */
	bool fill_events;
	/* For xroute serve, whose sources cancel signals (XR_CTL_CANCEL_SIGNAL
	 * on ingress_to_validate, docs/failover.md "Canceling a signal"):
	 * true makes each execute stage keep an index signal_id -> its
	 * children there, so a cancel finds them at once (about 65
	 * instructions per child: +6% on execute's work per signal). false
	 * (file replay, which never cancels):
	 * no index is kept, and a cancel that comes all the same is served by
	 * one walk of the venue's order table and hold queue. */
	bool signal_cancels;
	/* Deterministic mode (docs/journal.md "Replay"), for `xroute run
	 * --deterministic` and `xroute journal replay`: the same signal file
	 * on the same sim venues then routes every signal the same way, run
	 * after run. The ingress admits one signal at a time and the next
	 * only once every earlier one has its terminal result and the
	 * aggregator has published a venue snapshot after it (a closed loop
	 * of one, gated by the aggregator; snapshot_interval_us is not
	 * waited for); each terminal child's latency sample, in the venue's
	 * latency window and EWMAs, is the venue's prior 2 x
	 * network_distance_us instead of the measured round trip (the
	 * measured one still goes to the venue histogram and the summary).
	 * What stays timing-dependent: the rate-limit headroom (token
	 * buckets refill with time), order timeouts, sim faults (timed from
	 * the start) and uptime after a disconnect. Incompatible with serve,
	 * replay_speed_milli != 0 and overload_reject (xr_engine_create()
	 * refuses them). false: the normal pipeline, with no extra work on
	 * its hot path (the stages' do_work functions are chosen at
	 * create). */
	bool deterministic;
};

/**
 * Router status (docs/failover.md "Router status"):
 * READY: every venue's circuit closed and no manual failover in force;
 * SWITCHING: some circuit open or half-open, or a manual failover or
 * disabled venue in force, while at least one venue's circuit is closed;
 * ERROR: no venue's circuit is closed (nothing can be routed).
 */
enum xr_router_status {
	XR_STATUS_READY = 0,
	XR_STATUS_SWITCHING,
	XR_STATUS_ERROR,
	XR_STATUS_COUNT
};

/** @return "READY", "SWITCHING", "ERROR"; "invalid". Thread: any. */
const char *xr_router_status_name(enum xr_router_status s);

/** Latency percentiles of one histogram (ns). */
struct xr_latency {
	uint64_t count;
	uint64_t p50, p99, p999, max, mean;
};

/**
 * What a stage's do_work() call did, one bit each (struct
 * xr_stage_summary.slow_by counts slow calls per bit). A call can do
 * several things; a call that did none of them only polled its inputs.
 */
enum xr_doing {
	XR_DO_MESSAGES = 0, /* handled messages from its input rings */
	XR_DO_PUBLISH,	    /* built and published a venue metrics snapshot */
	XR_DO_TIMERS,	    /* ran due timers (order timeouts, status checks,
			     * held TWAP slices, retries) */
	XR_DO_CONNECTOR,    /* polled its venue connector and got events */
	XR_DO_WRITE,	    /* wrote results or events with write(2) */
	XR_DO_CONTROL,	    /* applied an operator command or new parameters */
	XR_DOING_COUNT
};

/** @return "messages", "publish", "timers", "connector", "write",
 * "control"; "invalid". Thread: any. */
const char *xr_doing_name(enum xr_doing d);

/**
 * Per-stage do_work() figures of a run: how long each call took, and the
 * calls over 100 us (XR_SLOW_CALL_NS) by what they did. A slow call is the
 * stage's own work or its thread losing the CPU (compare the run's
 * hiccup figures, docs/perf.md "Hiccups").
 */
struct xr_stage_summary {
	char name[48];		/* stage name ("route", "execute.alpha") */
	char thread[32];	/* thread that ran it */
	uint64_t items;		/* messages it handled */
	struct xr_latency work;	/* do_work() call durations (ns) */
	uint64_t slow_calls;	/* calls over 100 us */
	uint64_t slow_by[XR_DOING_COUNT]; /* of those, calls that did each */
	uint64_t slowest_ns;	/* the longest call (ns) */
	uint32_t slowest_doing;	/* its enum xr_doing bits */
};

/** Per-thread figures of a run. */
struct xr_thread_summary {
	char name[32];		/* thread name from [threads] */
	int cpu;		/* pinned CPU, -1 = unpinned */
	uint64_t loops;		/* stage-loop iterations */
	uint64_t idle_loops;	/* of which found no work */
	uint64_t cpu_ns;	/* thread CPU time (CLOCK_THREAD_CPUTIME_ID, ns) */
	uint64_t alloc_bytes;	/* bytes allocated inside the loop; 0 if the
				 * probe is absent (see alloc_measured) */
	bool alloc_measured;	/* the io probe gave this thread a counter */
};

/** Per-venue figures of a run. */
struct xr_venue_summary {
	char name[32];
	uint64_t children;	/* child orders that ended at the venue */
	uint64_t filled;	/* of which fully filled */
	uint64_t rejected;	/* rejected by the venue */
	uint64_t failed;	/* failed at the venue */
	uint64_t latency_p50_ns; /* venue round trip over the run */
	uint64_t opens;		/* circuit openings */
	uint8_t circuit;	/* enum xr_circuit at the end of the run */
	uint64_t bounced;	/* children not sent: circuit open, session down */
	uint64_t timeouts;	/* children unanswered within order_timeout_us */
	uint64_t recoveries;	/* circuit back to closed after an open */
	uint64_t mtbf_ns;	/* mean time between failures: time with the
				 * circuit closed / opens; 0 if it never opened */
	uint64_t mttr_ns;	/* mean time to repair: open -> closed, mean
				 * over recoveries; 0 if none */
	uint64_t alerts;	/* alerts raised */
	int64_t position_gross;	/* sum over users and symbols of |net qty
				 * filled here| (qty scale, 10^8) */
	/* Venue violations (docs/failover.md "Venue violations"): what the
	 * venue reported that cannot be right, counted, never booked as
	 * valid (except fills outside the limit: the venue's fill stands). */
	uint64_t fills_outside_limit; /* fills worse than the limit or collar */
	uint64_t overfill_reports; /* reports past the order's qty (the engine's
				    * and the connector's refusals) */
	uint64_t foreign_reports;  /* reports for ClOrdIDs never sent here */
	uint64_t stale_reports;	   /* reports for orders already ended */
	uint64_t qty_changed;	   /* acks of another quantity than sent */
	uint64_t frames_dropped;   /* malformed or oversize frames dropped */
	uint64_t escalations;	   /* unanswered resend requests escalated */
	uint64_t queries_capped;   /* children whose status queries ran out */
	uint64_t in_doubt;	   /* children ended unknown at the end */
	uint64_t left_open;	   /* children left live at the end */
};

/** A child order that ended the run unknown or open (summary, log). */
struct xr_doubt_summary {
	char venue[32];
	uint64_t signal_id;
	uint32_t line;		/* signal file line */
	uint64_t cl_ord_id;	/* ClOrdID at the venue */
	uint8_t final;		/* XR_FINAL_UNKNOWN or XR_FINAL_OPEN */
};

/** Most such children a summary names (in_doubt, left_open count all). */
#define XR_SUMMARY_DOUBT 64

/** One failover: a venue's circuit opened (docs/failover.md). */
struct xr_failover_summary {
	double at_s;		/* since the run started */
	char from[32];		/* venue whose circuit opened */
	char to[32];		/* venue the first child went to instead; "" */
	char cause[24];		/* consecutive_failures, error_rate, disconnected,
				 * manual */
	uint64_t detection_ns;	/* first failure -> circuit open */
	uint64_t reroute_ns;	/* open -> that first child sent, 0 if none */
	uint64_t recovery_ns;	/* open -> closed again, 0 if it did not */
};

/** Most failovers a summary lists (failover_events counts them all). */
#define XR_SUMMARY_HISTORY 64

/** Summary of a run; every count is over the whole run. */
struct xr_summary {
	uint64_t signals_read;	   /* rows read, malformed ones included */
	uint64_t parse_errors;	   /* malformed rows (rejected, reason parse_error) */
	uint64_t accepted;	   /* passed validation */
	uint64_t rejected;	   /* final status rejected */
	uint64_t filled;
	uint64_t partially_filled;
	uint64_t canceled;
	uint64_t failed;
	uint64_t unknown;	   /* final status unknown: in doubt at the end */
	uint64_t open;		   /* final status open: left live at a venue */
	uint64_t results;	   /* results written */
	uint64_t unaccounted;	   /* signals read without a terminal result */
	uint64_t duplicates;	   /* extra terminal results for a signal */
	uint64_t overfills;	   /* results with filled qty > order qty */
	uint64_t position_mismatches; /* (user, symbol) where position != fills */
	uint64_t exposure_left;	   /* (user, symbol) whose exposure reserved by
				    * validate was not all filled or released
				    * once every order ended (must be 0) */
	uint64_t write_errors;	   /* failed write(2)s of the results file and
				    * the events file: lines lost (must be 0) */
	uint64_t by_reason[XR_R_COUNT];
	uint64_t ingress_stalls;   /* ingress found validate's ring full */
	uint64_t overloaded;	   /* signals rejected: validate's ring full
				    * (io.overload_reject) */
	uint64_t credit_stalls;	   /* validate held by max_inflight_orders */
	/* The journal ([journal] path; docs/journal.md), all 0 without. */
	bool journal;		   /* a journal was written */
	uint64_t journal_records;  /* records the writer committed */
	uint64_t journal_rows;	   /* rows they made */
	uint64_t journal_commits;  /* transactions */
	uint64_t journal_syncs;	   /* of which made durable (fsync) */
	uint64_t journal_blocks;   /* ClOrdID blocks reserved this run */
	uint64_t journal_recovered; /* records a killed run left in the rings,
				    * written at this run's start */
	uint64_t journal_errors;   /* failed statements (must be 0) */
	uint64_t journal_busy_ns;  /* writer time inside transactions (ns) */
	uint64_t journal_stalls;   /* stage calls that waited for journal ring
				    * room: the writer was behind */
	uint64_t clordid_stalls;   /* route calls that waited for a ClOrdID
				    * block to be durable */
	uint64_t snapshots;	   /* venue metrics snapshots published */
	uint64_t snapshots_skipped;
	uint64_t by_strategy[XR_STRAT_COUNT]; /* parents routed, per strategy */
	uint64_t by_decision[XR_D_COUNT];     /* parents per decision code */
	uint64_t split_parents;	   /* parents allocated to more than one venue */
	uint64_t rerouted;	   /* children re-routed (feedback ring) */
	uint64_t reloads;	   /* config reloads applied (xr_engine_reload) */
	uint64_t reloads_rejected; /* reloads refused; the running one stayed */
	/* Failover (docs/failover.md). */
	uint64_t failover_events;  /* circuits opened (closed -> open) */
	struct xr_latency detection; /* first failure -> circuit open (ns) */
	struct xr_latency reroute; /* open -> child sent elsewhere (ns) */
	uint64_t retries;	   /* children sent again to the same venue */
	uint64_t failovers;	   /* children sent to another venue */
	uint64_t bounced;	   /* children not sent: circuit open, session down */
	uint64_t timeouts;	   /* children unanswered within order_timeout_us */
	uint64_t status_queries;   /* order status queries sent */
	uint64_t timeout_cancels;  /* cancels sent for timed-out children
				    * (timeout_policy = cancel) */
	uint64_t unknown_resolved; /* timed-out children the venue then answered */
	uint64_t dup_fills;	   /* fills a venue reported twice (ignored) */
	uint64_t bad_events;	   /* venue events for no live order */
	uint64_t stale_answers;	   /* "unknown" answers for children ended since */
	uint64_t parked;	   /* re-sends that waited for feedback ring room */
	struct xr_latency recovery; /* circuit open -> closed again (ns) */
	uint8_t router_status;	   /* enum xr_router_status at the end */
	uint64_t status_changes;   /* router status transitions */
	uint64_t controls;	   /* operator commands applied */
	/* Canceling a signal (XR_CTL_CANCEL_SIGNAL, docs/failover.md). */
	uint64_t cancels;	   /* cancels route took */
	uint64_t cancel_children;  /* children they canceled: cancels sent to
				    * venues, held or re-routed children ended
				    * canceled unsent */
	uint64_t cancels_unmatched; /* cancels that found no child: unknown or
				    * ended signal, or a repeat of a cancel
				    * still in progress */
	uint64_t fill_events;	   /* XR_MSG_FILL messages made (io.fill_events) */
	uint64_t alerts[XR_ALERT_COUNT]; /* alerts raised, per kind */
	uint64_t events;	   /* event lines written (events_path) */
	uint64_t events_dropped;   /* events lost: the aggregator's queue of
				    * 4096 or the owner's ring of 4096 was
				    * full (must stay 0) */
	uint32_t n_history;
	struct xr_failover_summary history[XR_SUMMARY_HISTORY];
	/* Ending the run. */
	int stop_signal;	   /* SIGTERM/SIGINT that stopped intake; 0 */
	uint64_t stop_cancels;	   /* cancels sent for live children at the end */
	uint64_t stopped;	   /* children not sent: the run was ending */
	struct xr_venue_summary violations; /* the venue violation counters
				    * (fills_outside_limit .. left_open) summed
				    * over the venues; other fields unused */
	uint32_t n_doubt;
	struct xr_doubt_summary doubt[XR_SUMMARY_DOUBT];
	double elapsed_s;	   /* first signal in to last result out */
	double throughput_per_s;   /* signals_read / elapsed_s */
	struct xr_latency e2e, router, queue, validate, route, venue, aggregate;
	uint32_t n_venues;
	struct xr_venue_summary venues[64];
	uint32_t n_threads;
	struct xr_thread_summary threads[32];
	uint32_t n_stages;
	struct xr_stage_summary stages[XR_MAX_VENUES + 8];
};

/** What a config will need in memory (xr_engine_footprint()); bytes. */
struct xr_footprint {
	uint64_t n_rings;	/* rings of ring_capacity slots */
	uint64_t ring_bytes;	/* every ring, headers included */
	uint64_t order_bytes;	/* order tables: per venue max_open_orders
				 * (live, timers, held, outbox), the
				 * aggregator's overflow and parents table */
	uint64_t table_bytes;	/* per (user, symbol) and (user, venue, symbol) */
	uint64_t serve_bytes;	/* xroute serve: books, result buffers and
				 * client mappings of [serve], [client NAME]
				 * and [fix_client NAME]; 0 without them */
	uint64_t total_bytes;	/* the four; a lower bound of the process's
				 * memory (connectors' own tables, histograms,
				 * the signal file mapping come on top) */
	uint64_t phys_bytes;	/* physical memory of this machine; 0 unknown */
};

/**
 * Compute what @p cfg needs in memory, from the sizes the stages'
 * constructors use, without allocating anything.
 * @return 0; -ENOMEM if total_bytes exceeds phys_bytes (the engine could
 *         not start: xr_engine_create() refuses it).
 * Thread: any. Pure but for sysconf(3).
 */
int xr_engine_footprint(const struct xr_config *cfg, struct xr_footprint *fp);

/**
 * One line describing @p fp ("memory: at least 21.4 MiB (rings ...);
 * this machine has 24000.0 MiB"), snprintf-style.
 * @return the length it needed. Thread: any.
 */
int xr_footprint_format(const struct xr_config *cfg, const struct xr_footprint *fp, char *buf,
			size_t len);

/**
 * Build an engine: rings, stages, connectors, snapshot pool, and the
 * thread plan of @p cfg; opens and maps the signal file and checks its
 * header.
 *
 * @param cfg  loaded config; must outlive the engine.
 * @param io   signal source and results sink.
 * @return the engine, or NULL with @p err naming the cause (unreadable
 *         signal file, bad header "signals.csv:1: ...", out of memory,
 *         connector refused its config).
 * Thread: any; the engine is then owned by that thread.
 */
struct xr_engine *xr_engine_create(const struct xr_config *cfg,
				   const struct xr_engine_io *io, char *err,
				   size_t err_len);

/**
 * Run: publish the first venue snapshot, start the threads, wait until
 * every signal read has a terminal result (or nothing new arrived for
 * drain_timeout_ms after the input ended), stop and join the threads, and
 * fill the summary.
 *
 * @return 0; -ETIMEDOUT if the drain timed out (summary.unaccounted > 0);
 *         -errno if a thread could not start (err filled).
 * Thread: the owner. Blocks (the owner is not a stage thread).
 */
int xr_engine_run(struct xr_engine *e, char *err, size_t err_len);

/** @return the summary, valid after xr_engine_run(). Thread: the owner. */
const struct xr_summary *xr_engine_summary(const struct xr_engine *e);

/** Print the human summary. Thread: the owner. */
void xr_engine_print_summary(const struct xr_engine *e, FILE *out);

/**
 * Write the summary as one JSON object (docs/output.md).
 * @return 0 or -EIO. Thread: the owner.
 */
int xr_engine_write_summary_json(const struct xr_engine *e, FILE *out);

/**
 * Write one .hgrm file per histogram into @p dir (created if missing):
 * e2e.hgrm, router.hgrm, queue.hgrm, validate.hgrm, route.hgrm,
 * venue.hgrm, aggregate.hgrm; values in microseconds.
 * @return 0 or -errno with err naming the file.
 * Thread: the owner, after xr_engine_run().
 */
int xr_engine_write_hgrm(const struct xr_engine *e, const char *dir, char *err,
			 size_t err_len);

/**
 * Hot reload: re-read the config file @p path and publish its route
 * parameters, the reloadable part of the configuration (docs/config.md
 * "Hot reload"): every [strategy NAME] key; in [engine] the weight_* keys,
 * the factor scales (latency_zero_score_us, load_full_queue,
 * price_zero_bps, cost_zero_bps), depth_bps, the latency and error EWMA
 * alphas, the health thresholds and demotion keys, twap_notional,
 * twap_slices, twap_horizon_us and entry_collar_bps; per venue
 * fee_maker_bps, fee_taker_bps, network_distance_us, rate_limit_per_s and
 * rate_limit_burst. The new parameters (version + 1) replace the current
 * ones through RCU: stage threads pick them up at their next burst with no
 * lock and no pause in routing; the old ones are freed by call_rcu after a
 * grace period (this thread never waits for one). The running struct
 * xr_config is not changed: the new file's config object is freed before
 * the call returns.
 *
 * The new file must describe the same engine: the same venues (names,
 * order, connector, books and sim keys), symbols, users (names, order,
 * every key), thread plan and every other [engine] key. The first
 * difference is reported and nothing changes.
 *
 * Every call counts in xr_summary.reloads or .reloads_rejected.
 *
 * @param e        the engine; running (from the owner loop) or not.
 * @param path     INI file to load (xr_config_load()).
 * @param err      receives the reason on failure, err_len bytes (empty on
 *                 success); e.g. "xroute.ini:14: syntax error",
 *                 "xroute.ini: [venue beta] added; venues, symbols, users
 *                 and threads need a restart", "xroute.ini: [engine]
 *                 ring_capacity cannot change without a restart (4096 ->
 *                 8192)".
 * @return 0 published; -EINVAL the file does not load (err: the loader's
 *         message with file:line); -ENOTSUP it loads but changes
 *         something that needs a restart (err names it); -ENOMEM out of
 *         memory. On failure the running parameters stay as they were.
 * Thread: the engine's owner only (the thread of xr_engine_run(), which
 *         calls it from its loop on a reload request). Control path: it
 *         allocates and reads the file; it never waits for a grace period.
 */
int xr_engine_reload(struct xr_engine *e, const char *path, char *err, size_t err_len);

/**
 * The router status now (relaxed atomic load; the aggregate stage updates
 * it on every circuit transition and operator command).
 * Thread: any, while the engine exists.
 */
enum xr_router_status xr_engine_status(const struct xr_engine *e);

/**
 * Give an operator command (docs/failover.md "Control"). It is checked
 * here and sent through the control ring to the route stage, which
 * applies it at its next burst; the venue's execute stage and the
 * aggregator hear of it from route, so it is ordered with the orders
 * around it. Commands (names as in the config):
 *   disable VENUE            route nothing to VENUE; its circuit opens
 *                            (cause manual) until enabled
 *   enable VENUE             route to VENUE again; its circuit closes
 *   failover VENUE           every venue plan uses VENUE first
 *   failover auto            every venue plan back to its own order
 *   failover user NAME VENUE|auto     one user's plan
 *   failover symbol NAME VENUE|auto   one symbol's plan
 *
 * @return 0 queued; -EINVAL bad command (err names the word and why:
 *         unknown command, unknown venue/user/symbol, missing argument);
 *         -EAGAIN the control ring is full (64 commands not yet taken:
 *         the route stage is not running); -ESHUTDOWN the engine is
 *         stopping.
 * Thread: any; calls are serialised by a mutex (control path, never a
 *         stage thread). Applies whether or not the engine runs yet.
 */
int xr_engine_control(struct xr_engine *e, const char *command, char *err, size_t err_len);

/**
 * Check an operator command against @p cfg as xr_engine_control() would,
 * without sending it (a control script is checked before the run).
 * @return 0 or -EINVAL with err naming the word and why. Thread: any.
 */
int xr_engine_control_check(const struct xr_config *cfg, const char *command, char *err,
			    size_t err_len);

/**
 * Write the positions as CSV (docs/output.md "Positions"): a header, then
 * for each user and symbol with fills, one row per venue traded
 * (user,symbol,venue,net_qty) and a total row with venue "*". net_qty is
 * a decimal with 8 places, buys positive.
 * @return 0 or -EIO. Thread: the owner, after xr_engine_run().
 */
int xr_engine_write_positions(const struct xr_engine *e, FILE *out);

/** Free an engine (threads must be stopped: run returned). NULL accepted. */
void xr_engine_destroy(struct xr_engine *e);

#endif /* XR_ENGINE_H */
