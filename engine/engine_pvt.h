/*
 * Engine internals shared by every part of engine/: the stage interface,
 * the engine that wires the stages together (its rings, its threads, the
 * state it owns and shares between stages), and the owner thread's
 * helpers. Each stage's own state is in its private header
 * (stage_ingress_pvt.h, stage_validate_pvt.h, stage_route_pvt.h,
 * stage_execute_pvt.h, stage_aggregate_pvt.h with venue_stats_pvt.h,
 * stage_output_pvt.h), included by that stage and by the engine's assembly
 * (engine.c, summary.c), never by another stage. Private to engine/ (and
 * the engine's tests).
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
 *   output --output_to_ingress (serve: results and fills)--> ingress
 *   fix_entry --fix_to_ingress--> ingress --ingress_to_fix--> fix_entry
 *     (serve with [fix_client NAME]: the FIX order-entry gateway)
 *
 * A cancel of a signal (XR_MSG_CONTROL, XR_CTL_CANCEL_SIGNAL) goes
 * ingress -> validate -> route -> every execute[v]; each execute[v]'s
 * acknowledgment goes execute_to_aggregate[v] -> aggregate ->
 * aggregate_to_route -> route (stage_route.c, "CANCELING A SIGNAL").
 * With io.fill_events, aggregate_to_output also carries XR_MSG_FILL,
 * which output counts and passes to no one.
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
#include "regions_pvt.h"
#include "risk_pvt.h"
#include "xr_selector.h"
#include "xr_snapshot.h"
#include "xr_client_proto.h"
#include "xr_config.h"
#include "xr_connector.h"
#include "xr_engine.h"
#include "xr_hist.h"
#include "xr_names.h"
#include "xr_ring.h"
#include "xr_signal.h"
#include "xr_types.h"

struct xr_engine;
struct xr_ingress;
struct xr_validate;
struct xr_route;
struct xr_execute;
struct xr_aggregate;
struct xr_output;
struct xr_fix_entry;
struct xr_journal;

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

/**
 * Gauges one execute stage publishes for the snapshot writer: relaxed
 * stores by the execute stage, relaxed loads by aggregate (no ordering is
 * implied; each is a self-contained number). One cache line per venue.
 */
struct xr_venue_live {
	_Atomic uint32_t headroom_ppm;	/* venue token bucket tokens / capacity */
	_Atomic uint32_t queue_depth;	/* children held here + open at the venue */
	_Atomic uint32_t health;	/* the connector's last health check: 0
					 * none yet, 1 connected, 2 not; read by
					 * the owner (serve's readiness) */
	_Atomic uint32_t recovering;	/* children taken back after a crash
					 * that the venue has not answered yet;
					 * serve is ready only at 0 */
	char pad_[48];
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

/**
 * An outcome for a FIX order-entry session (ring ingress_to_fix, 128
 * bytes): the event for its order (signal_id = the gateway's order
 * number) and the session ([fix_client NAME] index).
 */
struct xr_fix_out {
	struct xr_client_event ev;
	uint32_t session;
	uint8_t pad[60];
};
_Static_assert(sizeof(struct xr_fix_out) == 128, "a ring slot of two cache lines");

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
	struct xr_ring *output_to_ingress; /* serve: results and fills back to
					    * their sources (sources.c); NULL
					    * otherwise */
	struct xr_ring *fix_to_ingress;	   /* serve with [fix_client]s: the
					    * gateway's orders and cancels
					    * (xr_msg, line = its session) */
	struct xr_ring *ingress_to_fix;	   /* and their outcomes back
					    * (struct xr_fix_out); else NULL */
	struct xr_ring *control_to_route;	/* xr_engine_control() -> route */
	pthread_mutex_t control_mu;		/* serialises the ring's producers */
	bool control_mu_ready;
	_Atomic uint8_t router_status;		/* enum xr_router_status */
	struct xr_ring **route_to_execute;	/* n_venues */
	struct xr_ring **execute_to_aggregate;	/* n_venues */

	struct xr_names *names;
	/* The stages' state, each private to its stage (stage_*_pvt.h); the
	 * engine allocates them and hands each to its stage's init. A stage
	 * reaches another only through the rings above and the shared state
	 * below. */
	struct xr_ingress *ingress;
	struct xr_validate *validate;
	struct xr_route *route;
	struct xr_execute *execute;		/* n_venues */
	struct xr_aggregate *aggregate;
	struct xr_output *output;
	struct xr_fix_entry *fix_entry;		/* serve with [fix_client]s, else
						 * NULL */
	struct xr_events events;
	struct xr_journal *journal;		/* [journal] path, else NULL
						 * (journal_pvt.h) */
	bool journal_clean;			/* the run ended normally */
	struct xr_conn_start conn_start;	/* how execute.V creates its
						 * connector: with a journal, its
						 * ClOrdID prefix, and a deferred
						 * logon when recovering */
	uint64_t recovered_open;		/* signals a crashed run left open,
						 * taken back (recovery.c) */
	uint64_t recovered_children;		/* child orders taken back */
	struct xr_jrecovery *recovery;		/* what a crashed run left, read
						 * at create, handed to the stages
						 * after their init; then freed */
	uint32_t *adopt_extra;			/* n_venues: its children to take
						 * back (extra table slots) */

	/* Shared state: written by one side, read by the other, as noted. */
	uint32_t signal_lines;			/* lines in the signal file: ingress
						 * init sets it, output init sizes
						 * its seen bitmap by it */

	struct xr_exposure_a *exp_a;		/* n_users * n_symbols: validate
						 * reserves, aggregate fills and
						 * releases (risk_pvt.h) */
	struct xr_params *params;		/* RCU-protected (params_pvt.h) */
	struct xr_venue_live *venue_live;	/* n_venues gauges: execute[v]
						 * writes, aggregate reads */
	_Atomic uint64_t completed_orders;	/* parents ended: aggregate writes,
						 * validate reads (credit) */
	_Atomic uint64_t det_settled;		/* io.deterministic: results the
						 * aggregator emitted and then
						 * published a snapshot after;
						 * aggregate writes, ingress
						 * reads (its gate) */
	struct xr_snapshot_pool snaps;		/* aggregate publishes, route
						 * reads (xr_snapshot.h) */
	bool snaps_ready;
	struct xr_coloc coloc;			/* colocated mode, memory locking,
						 * the ring arena (colocated_mem.c) */

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

/**
 * Fill e->summary from every stage's counters (summary.c): the figures
 * xr_engine_summary() returns and the reports print.
 * Thread: the owner, after xr_runner_stop() and the last events drained.
 */
void xr_summary_collect(struct xr_engine *e);

/** Start every thread of the plan. @return 0 or -errno (err filled). */
int xr_runner_start(struct xr_engine *e, char *err, size_t err_len);

/**
 * Snapshot 1, before any stage thread runs: each venue's first events
 * (its books' market data) are polled until none are left and applied
 * straight to the aggregator's stats, bypassing the rings, then published.
 * @param now_ns  CLOCK_MONOTONIC ns.
 * Thread: the owner, before xr_runner_start() (xr_engine_run(); tests that
 * drive the stages by hand).
 */
void xr_engine_first_snapshot(struct xr_engine *e, uint64_t now_ns);
/** Ask every thread to stop and join them. Thread: the engine's owner. */
void xr_runner_stop(struct xr_engine *e);

/**
 * Serve a pending reload request (io.reload_request): take the flag,
 * xr_engine_reload() io.config_path, print one line to stderr. No-op
 * without a request. Thread: the engine's owner, in xr_engine_run's loop.
 */
void xr_reload_poll(struct xr_engine *e);

struct xr_jrecovery;

/**
 * Put what a crashed run left (@p r, from xr_journal_recover_load()) back
 * into the stages, and journal that it did (recovery.c). Order ids
 * continue past the journal's even when nothing is to be recovered.
 * @return 0, or -errno with @p err naming what could not be taken back
 *         (a source without a book, a venue table too small); nothing is
 *         sent either way.
 * Thread: the owner, after every stage's init, before the threads start.
 */
int xr_engine_recover(struct xr_engine *e, struct xr_jrecovery *r, char *err, size_t err_len);

#endif /* XR_ENGINE_PVT_H */
