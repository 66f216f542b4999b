/*
 * xr_config: the effective configuration of one xroute engine, loaded from
 * an INI file with inih. docs/config.md lists every key with its default and
 * unit; xr_config_print() writes the effective config back as INI.
 *
 * Sections: [engine], [threads], [user_defaults], one [venue NAME] per
 * venue, one [user NAME] per user and at most one [strategy NAME] per
 * strategy; for `xroute serve`, [serve], one [client NAME] per
 * shared-memory client and one [fix_client NAME] per FIX order-entry
 * session. Symbols are the union of the venues'
 * book.SYMBOL keys, indexed in order of first appearance. A venue's
 * connector kind declares the keys of its own (xr_config_schema.h); this
 * header knows no connector.
 *
 * Errors name the place: "xroute.ini:42: [venue kraken] fee_taker_bps: "abc"
 * is not a number". Loading is control-path code: it allocates, and may be
 * called from any thread, but one config object is not shared while being
 * loaded.
 */
#ifndef XR_CONFIG_H
#define XR_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "xr_types.h"

/** Longest venue, user, symbol or thread name (bytes, without NUL). */
#define XR_NAME_MAX 31
/** Most symbols (symbol ids are uint16_t; bitmaps are this wide). */
#define XR_MAX_SYMBOLS 256
/** Most threads in a plan. */
#define XR_MAX_THREADS 32
/** Most stages on one thread. */
#define XR_MAX_STAGES_PER_THREAD (XR_MAX_VENUES + 8)
/** Weight scale: 1.0 == XR_WEIGHT_ONE (weight 0.30 -> 3000). */
#define XR_WEIGHT_ONE 10000

/** Thread wait strategy when its stages found no work. */
enum xr_wait {
	XR_WAIT_BUSY_SPIN = 0, /* spin with a pause instruction */
	XR_WAIT_YIELD,	       /* sched_yield() */
	XR_WAIT_BACKOFF,       /* spin, then yield, then sleep */
};

/** Deployment mode ([engine] mode; docs/deploy.md). */
enum xr_mode {
	XR_MODE_STANDARD = 0, /* threads as the plan says */
	XR_MODE_COLOCATED,    /* every thread pinned and busy-spinning, memory
			       * locked and prefaulted, rings in one arena */
};

/** Huge pages for the ring arena ([engine] huge_pages). */
enum xr_huge_pages {
	XR_HUGE_PAGES_OFF = 0, /* 4 KiB pages */
	XR_HUGE_PAGES_TRY,     /* hugetlb, else transparent huge pages, else
				* 4 KiB pages, with a warning */
	XR_HUGE_PAGES_ON,      /* hugetlb pages or the engine does not start */
};

/** Memory locking at engine start ([engine] lock_memory). */
enum xr_lock_memory {
	XR_LOCK_MEMORY_FALSE = 0, /* no mlockall() */
	XR_LOCK_MEMORY_TRUE,	  /* mlockall() or the engine does not start */
	XR_LOCK_MEMORY_TRY,	  /* mlockall(), a warning if it fails */
};

/** What the execute stage does when a child times out (timeout_policy). */
enum xr_timeout_policy {
	XR_TIMEOUT_QUERY = 0,	/* ask the venue for its status (OrderStatusRequest) */
	XR_TIMEOUT_CANCEL,	/* ask it to cancel the order, then its status */
};

/** What a stop signal (SIGTERM, SIGINT) does to open orders (stop_policy). */
enum xr_stop_policy {
	XR_STOP_CANCEL = 0,	/* cancel every live child at its venue at once */
	XR_STOP_WAIT,		/* let them run to the drain timeout first */
};

/** What happens to child orders still live at the end of a run (exit_orders). */
enum xr_exit_orders {
	XR_EXIT_CANCEL = 0,	/* cancel them at the venue before Logout */
	XR_EXIT_LEAVE,		/* leave them resting; each ends "open" */
};

/** Format of the results output. */
enum xr_results_format {
	XR_RESULTS_CSV = 0,
	XR_RESULTS_JSONL,
};

/**
 * Scoring factors of the venue selector (docs/routing.md "Factors"); each
 * scores a venue 0..100 points for one order. A strategy weights them.
 */
enum xr_factor {
	XR_F_PRICE = 0,	  /* expected slippage of the depth walk vs arrival */
	XR_F_LIQUIDITY,	  /* depth within the slippage bound vs 2x the qty */
	XR_F_LATENCY,	  /* 1 - latency / latency_zero_score (health score's) */
	XR_F_RELIABILITY, /* health score 0.3 latency + 0.5 success + 0.2 uptime */
	XR_F_FEES,	  /* 100 - fee bps (taker, or maker when posting) */
	XR_F_COST,	  /* 1 - (fee + half spread + slippage) / cost_zero_bps */
	XR_F_SUCCESS,	  /* success rate, last 100 children */
	XR_F_LOAD,	  /* 1 - children in flight / load_full_queue */
	XR_F_PAIR,	  /* (venue, symbol) success rate, 50 with no history */
	XR_F_HEADROOM,	  /* venue rate-limit tokens / capacity */
	XR_F_COUNT
};

/** When a strategy splits a parent across venues ([strategy NAME] split). */
enum xr_split {
	XR_SPLIT_NEVER = 0,  /* one venue, whatever its depth */
	XR_SPLIT_NEEDED,     /* one venue if it fills within the bound, else split */
	XR_SPLIT_ALWAYS,     /* spread over venues, max_slice_ratio each */
};

/** How a strategy prices its children ([strategy NAME] pricing). */
enum xr_pricing {
	XR_PRICING_METHOD = 0, /* by the execution method table (weighted_score) */
	XR_PRICING_TAKE,       /* cross and walk the depth up to the bound (IOC) */
	XR_PRICING_TOUCH,      /* cross at the far touch only (IOC) */
	XR_PRICING_POST,       /* rest at the near touch (DAY), maker fee */
};

/** One [strategy NAME] section (defaults: xr_strategy_defaults(), docs/config.md). */
struct xr_strategy_cfg {
	uint32_t w[XR_F_COUNT];	  /* factor weights, XR_WEIGHT_ONE scale, sum 1 */
	uint8_t split;		  /* enum xr_split */
	uint8_t pricing;	  /* enum xr_pricing */
	uint8_t two_x_depth;	  /* eligible only with 2x the qty on the taken
				   * side (docs/routing.md section 1) */
	uint32_t max_slice_ppm;	  /* max_slice_ratio: most of a parent one venue
				   * gets, ppm; raised to 1/venues if needed */
	int64_t min_slice_qty;	  /* smallest child of a split (qty scale) */
	uint32_t max_slippage_bps; /* bound when the signal gives none; 0 = none */
	uint32_t display_ppm;	  /* child <= this x the venue's touch qty; 0 =
				   * no cap (stealth) */
	uint32_t slices;	  /* time slices per venue allocation, 1..64 */
	uint32_t horizon_us;	  /* slices are spread over this */
	uint32_t min_health_ppm;  /* venues with a lower health score are not
				   * eligible */
	uint32_t line;		  /* section header line, 0 = defaults */
};

/**
 * One book.SYMBOL key of a venue: the sim's synthetic book, a FIX venue's
 * reference book (docs/connectors.md). Every venue has at least one; the
 * config's symbols are the union of the venues' books.
 */
struct xr_venue_book_cfg {
	uint16_t symbol;   /* symbol id */
	int64_t mid_px;	   /* mid price (px scale), > 0 */
	int64_t tick_px;   /* price step between levels (px scale), > 0 */
	uint32_t levels;   /* levels per side, 1..1000 */
	int64_t level_qty; /* quantity resting at each level (qty scale), > 0 */
};

struct xr_config_schema;

/**
 * One [venue NAME] section: the keys every venue has. The keys of its
 * connector kind are in the kind's own struct at @p conn (struct
 * xr_sim_venue_cfg, struct xr_fix_venue_cfg), declared by the kind's
 * struct xr_config_schema (xr_config_schema.h).
 */
struct xr_venue_cfg {
	char name[XR_NAME_MAX + 1];
	char connector[16];	 /* connector kind: its schema's name ("sim", "fix") */
	int64_t fee_maker_cbps;	 /* fee_maker_bps, centi-bps (negative = rebate) */
	int64_t fee_taker_cbps;	 /* fee_taker_bps, centi-bps */
	uint32_t max_open_orders; /* orders the venue holds at once */
	uint32_t network_distance_us; /* configured one-way distance (us): the
				       * latency prior before measurements */
	uint32_t rate_limit_per_s; /* venue token bucket refill, 0 = none */
	uint32_t rate_limit_burst; /* its depth (orders) */
	uint32_t n_books;
	struct xr_venue_book_cfg *books; /* n_books entries */
	const struct xr_config_schema *schema; /* of the connector kind; NULL in
				 * a struct a test builds by hand */
	void *conn;		 /* the kind's keys, schema->size bytes; owned
				 * by the config (xr_config_free()) */
	uint32_t line;		 /* line of the section header */
};

/** Most venues in a venue plan: the primary and its failovers. */
#define XR_PLAN_MAX 8

/**
 * A venue plan (primary_venue, failover_venues, auto_failover;
 * docs/failover.md): route to the primary venue while it
 * is eligible, else to the first eligible failover venue in priority
 * order. With auto_failover false only the primary is used (or the venue
 * a manual failover command chose, xr_engine_control()); when it is not
 * eligible the order is rejected (circuit_open or the selector's reason).
 * Eligible: allowed for the user, circuit closed, healthy, and the
 * selector accepts it for the order (price, depth, slippage).
 */
struct xr_venue_plan {
	uint8_t n;			/* venues; 0 = no plan (rank all venues) */
	uint8_t venue[XR_PLAN_MAX];	/* [0] primary, then failovers in order */
	bool auto_failover;		/* fail over without an operator */
};

/** One [user NAME] section, defaults from [user_defaults]. */
struct xr_user_cfg {
	char name[XR_NAME_MAX + 1];
	bool enabled;
	uint64_t venue_mask;			 /* allowed venue ids (bit i = venue i) */
	uint64_t symbol_bits[XR_MAX_SYMBOLS / 64]; /* allowed symbol ids */
	uint32_t rate_per_s;			 /* token bucket refill (orders/s) */
	uint32_t burst;				 /* token bucket depth (orders) */
	/* Per-symbol limits, n_symbols entries each (qty scale). Users that set
	 * no max_order_qty.SYM / max_position.SYM key share the arrays of
	 * [user_defaults]; xr_config_free() knows which are shared. */
	int64_t *max_order_qty;			 /* largest order qty */
	int64_t *max_position;			 /* largest |net position + open| */
	bool own_limits;			 /* arrays belong to this user */
	int64_t max_notional;			 /* per order (cash scale) */
	uint8_t strategy;			 /* enum xr_strategy default */
	struct xr_venue_plan plan;		 /* primary_venue, failover_venues,
						  * auto_failover; n = 0: none */
	uint32_t line;
};

/**
 * The stage of `xroute serve`'s FIX order-entry gateway: optional in
 * [threads] (only with a [fix_client NAME]); a plan that does not name it
 * runs it on the thread of ingress.
 */
#define XR_STAGE_FIX_ENTRY "fix_entry"

/** One thread of the plan ([threads] NAME.stages / NAME.cpu / NAME.wait). */
struct xr_thread_cfg {
	char name[XR_NAME_MAX + 1];
	int cpu;	/* CPU to pin to, -1 = unpinned */
	uint8_t wait;	/* enum xr_wait */
	uint32_t n_stages;
	/* Stage names in run order: "ingress", "validate", "route",
	 * "execute.VENUE", "aggregate", "output", "fix_entry". */
	char stages[XR_MAX_STAGES_PER_THREAD][XR_NAME_MAX + 10];
};

/** [engine] section. */
struct xr_engine_cfg {
	uint32_t ring_capacity;	     /* slots per ring, power of two */
	uint32_t burst;		     /* messages per dequeue burst, 1..256 */
	uint32_t max_inflight_orders; /* accepted, unfinished parents */
	uint32_t dedup_window;	     /* signal_ids remembered for duplicates */
	int64_t twap_notional;	     /* cash; orders above it use twap */
	uint32_t twap_slices;	     /* child slices of a twap parent, 1..64 */
	uint32_t twap_horizon_us;    /* time over which slices are sent */
	uint32_t entry_collar_bps;   /* market entry routed as a limit: limit =
				      * touch +/- this, unless the signal gives
				      * max_slippage_bps */
	/* weighted_score weights (docs/routing.md), XR_WEIGHT_ONE
	 * scale: fees, latency, success rate, load, per-pair success. */
	uint32_t w_fees, w_latency, w_success, w_load, w_pair;
	uint32_t latency_zero_score_us; /* latency at which latency score is 0 */
	uint32_t load_full_queue;    /* orders in flight at which load score is 0 */
	uint32_t price_zero_bps;     /* expected slippage with price score 0 */
	uint32_t cost_zero_bps;	     /* total cost with cost score 0 */
	uint32_t depth_bps;	     /* "depth within N bps" of the venue's mid */
	uint32_t latency_ewma_ppm;   /* weight of a new latency sample, ppm */
	uint32_t error_ewma_ppm;     /* weight of a new result in the decayed
				      * error weight, ppm */
	uint32_t latency_threshold_us; /* health: latency at which a venue is
				      * unhealthy (default 5 ms) */
	uint32_t error_rate_threshold_ppm; /* health: error rate, same (5%) */
	uint32_t demote_start_ppm;   /* predictive demotion starts at this
				      * fraction of a threshold */
	uint32_t demote_max_ppm;     /* score cut at the threshold */
	struct xr_strategy_cfg strategies[XR_STRAT_COUNT]; /* [strategy NAME];
				      * [0] (default) unused */
	uint32_t snapshot_interval_us; /* venue metrics publication period */
	uint8_t default_strategy;    /* enum xr_strategy */
	uint8_t results_format;	     /* enum xr_results_format */
	uint32_t backoff_spins;	     /* backoff: idle loops spinning */
	uint32_t backoff_yields;     /* backoff: then idle loops yielding */
	uint32_t backoff_sleep_us;   /* backoff: then sleep per idle loop */
	uint8_t mode;		     /* enum xr_mode */
	uint8_t huge_pages;	     /* enum xr_huge_pages */
	uint8_t lock_memory;	     /* enum xr_lock_memory; default TRUE in
				      * colocated mode, FALSE otherwise */
	/* Failover (docs/failover.md): per child order, */
	uint32_t order_timeout_us;   /* no answer by then: unknown, query */
	uint8_t timeout_policy;	     /* enum xr_timeout_policy */
	uint32_t max_status_queries; /* status queries per unanswered child,
				      * then it is in doubt until the venue
				      * reports or reconnects */
	uint32_t fill_collar_bps;    /* a market child's fill worse than its
				      * arrival price by more is a violation;
				      * 0 = not checked */
	uint8_t stop_policy;	     /* enum xr_stop_policy */
	uint8_t exit_orders;	     /* enum xr_exit_orders */
	uint32_t max_attempts;	     /* sends in all (first, retries, failovers) */
	uint32_t max_retries;	     /* re-sends to the same venue, not-live only */
	uint32_t retry_base_us;	     /* backoff base (retries, status queries) */
	uint32_t retry_cap_us;	     /* backoff cap */
	/* per venue circuit breaker and health checks, */
	uint32_t failure_threshold;  /* consecutive failures that open */
	uint32_t recovery_threshold; /* successful probes that close */
	uint32_t breaker_min_samples; /* outcomes before the error rate counts */
	uint32_t open_timeout_ms;    /* OPEN -> HALF_OPEN */
	uint32_t half_open_probes;   /* probes in flight in HALF_OPEN */
	uint32_t health_check_interval_us; /* connector health checks */
};

/**
 * Users a client or FIX session may trade for (`users = a, b` or
 * `users = *`): all, or n user indices, ascending and distinct.
 */
struct xr_user_set {
	bool all;	  /* `*`: every user of the config */
	uint32_t n;	  /* entries of ids */
	uint32_t *ids;	  /* user indices; owned by the config */
};

/**
 * [serve] section: `xroute serve`'s listening endpoints and the limits it
 * holds every source to (docs/serve.md).
 */
struct xr_serve_cfg {
	char socket[108];	     /* Unix-domain socket path of the
				      * shared-memory clients; default
				      * "xroute.sock" (relative to the working
				      * directory) */
	uint32_t max_clients;	     /* sessions at once, 1..1024; default 16 */
	uint32_t client_ring;	     /* slots of a client's client_to_router
				      * ring, power of two, 64..1048576;
				      * default 4096 */
	uint32_t result_ring;	     /* slots of a client's router_to_client
				      * ring, power of two, 64..1048576;
				      * default 8192 */
	uint32_t result_buffer;	     /* events held for a client whose ring
				      * is full, 0..16777216; past it the
				      * client is disconnected; default 65536 */
	uint32_t idempotency_window; /* signal_ids remembered per client with
				      * their outcome, 1024..67108864; default
				      * 1048576 */
	uint32_t source_burst;	     /* most signals ingress takes from one
				      * source before serving the next,
				      * 1..256; default 32 */
	uint32_t ready_timeout_ms;   /* serve is ready once every venue is up
				      * (its connector connected, FIX logged
				      * on), or this long after the start with
				      * the venues still down named; 0..600000;
				      * default 10000 */
	uint32_t hello_timeout_ms;   /* a connection that sends no hello in
				      * this time is closed, 1..60000;
				      * default 1000 */
	char fix_listen[64];	     /* FIX order entry listen address,
				      * "HOST:PORT"; "" = no FIX order entry
				      * (default); HOST defaults to 127.0.0.1 */
	uint32_t line;		     /* line of the section, 0 if absent */
};

/** When the journal writer forces its records to disk ([journal] sync). */
enum xr_journal_sync {
	XR_JSYNC_BATCH = 0, /* every transaction commits durably (fsync) */
	XR_JSYNC_INTERVAL,  /* commits are written at once, made durable
			     * every sync_interval_ms */
	XR_JSYNC_OFF,	    /* never forced: the OS writes when it likes */
};

/**
 * [journal]: the durable journal of every signal, decision, child order,
 * execution report and result (docs/journal.md). Absent or path = "":
 * no journal.
 */
struct xr_journal_cfg {
	char path[256];		   /* SQLite file; "" = no journal (default).
				    * Relative to the working directory. Its
				    * rings are the file PATH-ring beside it */
	uint8_t sync;		   /* enum xr_journal_sync; default batch */
	uint32_t sync_interval_ms; /* sync = interval: 1..60000; default 100 */
	uint32_t batch_records;	   /* most records per transaction,
				    * 1..1048576; default 8192 */
	uint32_t ring_slots;	   /* slots of each stage's journal ring
				    * (320 bytes each), power of two,
				    * 1024..1048576; default 16384 */
	uint32_t clordid_block;	   /* ClOrdIDs reserved durably at a time,
				    * 65536..16777216 (at least twice what
				    * one route call can use: 256 parents
				    * of 64 children); default 262144 */
	uint32_t line;		   /* line of the section, 0 if absent */
};

/**
 * One [client NAME] section: a shared-memory client that may connect to
 * `xroute serve` under NAME (the name in its hello) from processes of
 * user id uid (SO_PEERCRED), trading for the users in `users`.
 */
struct xr_client_cfg {
	char name[XR_NAME_MAX + 1];
	uint32_t uid;				/* required */
	struct xr_user_set users;		/* required */
	uint32_t line;
};

/**
 * One [fix_client NAME] section: a FIX order-entry session `xroute serve`
 * accepts (docs/serve.md "FIX order entry"). CompIDs are as the client
 * sends them: its SenderCompID is sender_comp_id, and it addresses
 * TargetCompID target_comp_id (xroute's).
 */
struct xr_fix_client_cfg {
	char name[XR_NAME_MAX + 1];
	char begin_string[16];			/* "FIX.4.2" or "FIX.4.4" (default) */
	char sender_comp_id[XR_NAME_MAX + 1];	/* the client's; required */
	char target_comp_id[XR_NAME_MAX + 1];	/* xroute's; default "XROUTE" */
	struct xr_user_set users;		/* users it trades for; required */
	uint32_t default_user;			/* user index of a NewOrderSingle
						 * without Account (1); `user =`,
						 * default the first of users */
	char seq_store[256];			/* MsgSeqNum file; "" = in memory
						 * (sequence numbers restart at 1) */
	uint32_t heartbeat_s;			/* HeartBtInt accepted, max 1..3600;
						 * default 30 */
	uint32_t max_frame_bytes;		/* 1024..1048576; default 16384 */
	uint32_t line;
};

/** A loaded configuration. Free with xr_config_free(). */
struct xr_config {
	char path[256];
	struct xr_engine_cfg engine;
	uint32_t n_venues;
	struct xr_venue_cfg *venues;
	uint32_t n_users;
	struct xr_user_cfg *users;
	uint32_t n_symbols;
	char (*symbols)[XR_NAME_MAX + 1];
	/* [symbol NAME] venue plans, n_symbols entries (n = 0: none). A user's
	 * own plan comes first; a symbol's applies to users without one. */
	struct xr_venue_plan *symbol_plans;
	uint32_t n_threads;
	struct xr_thread_cfg *threads;
	struct xr_serve_cfg serve;		/* [serve], defaults if absent */
	uint32_t n_clients;
	struct xr_client_cfg *clients;		/* [client NAME] sections */
	uint32_t n_fix_clients;
	struct xr_fix_client_cfg *fix_clients;	/* [fix_client NAME] sections */
	struct xr_journal_cfg journal;		/* [journal], defaults if absent */
};

/**
 * Load and validate a config file.
 *
 * @param path     INI file.
 * @param schemas  the connector kinds a venue may name (`connector =`),
 *                 NULL-ended, at most XR_CONFIG_MAX_SCHEMAS; the first is
 *                 the default kind. Programs pass xr_connector_schemas
 *                 (connectors/xr_connector.h). Must outlive the config.
 * @param err      receives a message naming file:line, section and key on
 *                 failure; err_len bytes.
 * @return the config, or NULL on error (err filled). Errors: unreadable
 *         file, INI syntax error, unknown section or key, bad value, a
 *         reference to an unknown venue/symbol/stage, a stage run by no
 *         thread or by two, no venue, no user; with mode = colocated, a
 *         thread without a cpu or with a wait other than busy_spin; a
 *         key of another connector kind; what a kind's check refuses; a
 *         [client NAME] or [fix_client NAME] without its required keys,
 *         naming an unknown user, or two fix_clients with one
 *         (sender_comp_id, target_comp_id) pair.
 *         In colocated mode every thread's wait is busy_spin in the
 *         result.
 * Thread: any (control path, allocates).
 */
struct xr_config *xr_config_load(const char *path, const struct xr_config_schema *const *schemas,
				 char *err, size_t err_len);

/** Free a config; NULL accepted. Thread: any. */
void xr_config_free(struct xr_config *cfg);

/**
 * Write the effective configuration (every key, defaults included) to
 * @p out as INI that xr_config_load() accepts.
 * Thread: any.
 */
void xr_config_print(const struct xr_config *cfg, FILE *out);

/**
 * The built-in settings of strategy @p s, as [strategy NAME] without keys
 * gives them (docs/config.md "[strategy NAME]" has the table). Weights in
 * XR_WEIGHT_ONE units sum to 1; line is 0. weighted_score's weights are
 * the [engine] weight_* defaults; a loaded config may differ.
 *
 * @param s    strategy; XR_STRAT_DEFAULT or out of range gives all zeros.
 * @param out  receives the settings.
 * Thread: any; pure (no state read or written but @p out).
 */
void xr_strategy_defaults(enum xr_strategy s, struct xr_strategy_cfg *out);

/** @return venue id of @p name, or -1. Thread: any. */
int xr_config_venue_id(const struct xr_config *cfg, const char *name);
/** @return user index of @p name, or -1. Linear; control path only. */
int xr_config_user_id(const struct xr_config *cfg, const char *name);
/** @return index of [client NAME] @p name, or -1. Thread: any. */
int xr_config_client_id(const struct xr_config *cfg, const char *name);
/** @return index of [fix_client NAME] @p name, or -1. Thread: any. */
int xr_config_fix_client_id(const struct xr_config *cfg, const char *name);
/** @return true if @p set holds user index @p u (binary search; control
 * path, the engine builds bitmaps for the data path). Thread: any. */
bool xr_user_set_has(const struct xr_user_set *set, uint32_t u);
/** @return symbol id of @p name, or -1. Thread: any. */
int xr_config_symbol_id(const struct xr_config *cfg, const char *name);

/** @return true if user @p u may trade symbol @p s. Thread: any. */
static inline bool
xr_user_symbol_allowed(const struct xr_user_cfg *u, uint16_t s)
{
	return (u->symbol_bits[s / 64] >> (s % 64)) & 1u;
}

#endif /* XR_CONFIG_H */
