/*
 * config: load, validate and print the INI configuration of xr_config.h.
 * docs/config.md lists every key; this file is the implementation.
 *
 * DESIGN
 *   inih tokenizes, through ini_parse_stream() and our own line reader
 *   (xr__read_line). Debian's inih is built without INI_HANDLER_LINENO, so
 *   the reader counts lines: inih calls the handler for a key right after
 *   the reader returned that key's line, so ld->line is the key's line.
 *   The reader also
 *     - strips leading blanks, so an indented line is a key of its own and
 *       never the continuation of the previous value (inih's multi-line
 *       mode is on in the library and cannot be switched off per call);
 *     - handles every section header itself, because inih calls the
 *       handler only for keys and "[user u001]" with no key is a user;
 *     - hands inih a line longer than inih's buffer (ini_max_line, 200) as
 *       "name=\x1f" and keeps the value aside for the handler, so long stage
 *       and venue lists work; the process-wide inih settings are not touched.
 *
 *   Loading has two passes. Per line, in file order: syntax, sections, keys
 *   and values, each value parsed at once (numbers with xr_fixed_parse(),
 *   no floating point). At end of file, the whole-file checks: every venue
 *   has a book, the [engine] weights sum to 1, the strategies (weighted_score
 *   takes the [engine] weights unless its [strategy] section sets one; every
 *   strategy's weights sum to 1), the thread plan (execute.* expanded), the
 *   mode (colocated: every thread pinned, waits forced to busy_spin;
 *   lock_memory defaults to the mode), and
 *   the users, resolved against [user_defaults] (which may appear anywhere):
 *   user key > [user_defaults] key > built-in default. The first error
 *   found stops the load and is the one reported.
 *
 *   [strategy NAME] sections start from xr_strategy_defaults(); the first
 *   weight_* key of a section zeroes the weight vector, so a section's
 *   weights replace the default ones rather than mixing with them.
 *
 *   Shared limit arrays: a user that sets none of max_order_qty,
 *   max_position and their .SYMBOL forms points at the arrays built from
 *   [user_defaults] (own_limits = false), so a million users cost one pair
 *   of arrays. All sharing users point at the same pair; xr_config_free()
 *   frees it through the first of them. Users with own_limits own both
 *   arrays (a copy of the defaults for the kind they did not set).
 *
 * GUARANTEES
 *   No global state is read or written (inih's settings are left alone),
 *   so configs may be loaded on several threads at once. Printing the
 *   effective config and loading it again gives the same config.
 */
#include "xr_config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

/* Value inih sees for a line too long for its buffer (see xr__read_line). */
#define XR__LONG_MARK "\x1f"
/* Longest key remembered for duplicate detection; valid keys are shorter. */
#define XR__KEY_MAX 50
/* The accepted book value, named in its errors. */
#define XR__BOOK_FORM "(form: mid=PX tick=PX levels=N level_qty=QTY)"
/* What stage names look like, named in their errors. */
#define XR__STAGE_FORM                                                                             \
	"(stages: ingress, validate, route, execute.VENUE, execute.*, aggregate, output)"
#define XR__NAME_RULE "must be 1..31 of A-Z a-z 0-9 _ -"
#define XR__SYMBOL_RULE "must be 1..31 of A-Z a-z 0-9 _ . / -"

#if defined(__GNUC__)
#define XR__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define XR__PRINTF(f, a)
#endif

/* ------------------------------------------------------------------ */
/* Key tables: [engine] and [venue NAME] keys, their defaults and ranges. */

/** How a table key is written and stored. */
enum xr__type {
	XR__T_U32,    /* integer -> uint32_t */
	XR__T_U64,    /* integer -> uint64_t, full range */
	XR__T_CBPS,   /* decimal, 2 places (bps) -> int64_t centi-bps */
	XR__T_PPM,    /* decimal, 6 places (0..1) -> uint32_t ppm */
	XR__T_WEIGHT, /* decimal, 4 places (0..1) -> uint32_t XR_WEIGHT_ONE */
	XR__T_CASH,   /* decimal, 8 places -> int64_t cash scale */
	XR__T_QTY,    /* decimal, 8 places -> int64_t qty scale */
	XR__T_ENUM,   /* word -> uint8_t */
	XR__T_KIND,   /* word -> its text in char[16] (connector) */
	XR__T_STR,    /* text of 1..max bytes -> char[max + 1]; default "" */
};

/* Number flags. */
#define XR__POW2 1u    /* integer must be a power of two */
#define XR__NONE_OK 2u /* the word "none" means INT64_MAX (unlimited) */
/* Venue key flags: the key applies to one connector kind only. */
#define XR__SIM 4u /* connector = sim */
#define XR__FIX 8u /* connector = fix */

struct xr__word {
	const char *word;
	uint8_t value;
};

struct xr__key {
	const char *name;
	uint8_t type;  /* enum xr__type */
	uint8_t flags; /* XR__POW2 */
	size_t off;    /* of the field in its struct */
	int64_t def;   /* default, in the stored unit (ENUM/KIND: value) */
	int64_t min, max;
	const struct xr__word *words; /* ENUM/KIND: accepted words, NULL-ended */
};

/* Strategy words, in enum xr_strategy order (names as xr_strategy_name()). */
#define XR__STRATEGY_WORDS                                                                         \
	{ "weighted_score", XR_STRAT_WEIGHTED_SCORE },                                             \
	{ "best_execution", XR_STRAT_BEST_EXECUTION },                                             \
	{ "lowest_latency", XR_STRAT_LOWEST_LATENCY },                                             \
	{ "best_liquidity", XR_STRAT_BEST_LIQUIDITY },                                             \
	{ "cost_optimization", XR_STRAT_COST_OPTIMIZATION },                                       \
	{ "aggressive", XR_STRAT_AGGRESSIVE },                                                     \
	{ "passive", XR_STRAT_PASSIVE },                                                           \
	{ "balanced", XR_STRAT_BALANCED },                                                         \
	{ "stealth", XR_STRAT_STEALTH }
static const struct xr__word xr__w_engine_strategy[] = {
	XR__STRATEGY_WORDS,
	{ NULL, 0 },
};
static const struct xr__word xr__w_user_strategy[] = {
	{ "default", XR_STRAT_DEFAULT },
	XR__STRATEGY_WORDS,
	{ NULL, 0 },
};
static const struct xr__word xr__w_split[] = {
	{ "never", XR_SPLIT_NEVER },
	{ "needed", XR_SPLIT_NEEDED },
	{ "always", XR_SPLIT_ALWAYS },
	{ NULL, 0 },
};
static const struct xr__word xr__w_pricing[] = {
	{ "method", XR_PRICING_METHOD },
	{ "take", XR_PRICING_TAKE },
	{ "touch", XR_PRICING_TOUCH },
	{ "post", XR_PRICING_POST },
	{ NULL, 0 },
};
static const struct xr__word xr__w_results[] = {
	{ "csv", XR_RESULTS_CSV },
	{ "jsonl", XR_RESULTS_JSONL },
	{ NULL, 0 },
};
static const struct xr__word xr__w_timeout[] = {
	{ "query", XR_TIMEOUT_QUERY },
	{ "cancel", XR_TIMEOUT_CANCEL },
	{ NULL, 0 },
};
static const struct xr__word xr__w_stop[] = {
	{ "cancel", XR_STOP_CANCEL },
	{ "wait", XR_STOP_WAIT },
	{ NULL, 0 },
};
static const struct xr__word xr__w_exit_orders[] = {
	{ "cancel", XR_EXIT_CANCEL },
	{ "leave", XR_EXIT_LEAVE },
	{ NULL, 0 },
};
static const struct xr__word xr__w_wait[] = {
	{ "busy_spin", XR_WAIT_BUSY_SPIN },
	{ "yield", XR_WAIT_YIELD },
	{ "backoff", XR_WAIT_BACKOFF },
	{ NULL, 0 },
};
static const struct xr__word xr__w_mode[] = {
	{ "standard", XR_MODE_STANDARD },
	{ "colocated", XR_MODE_COLOCATED },
	{ NULL, 0 },
};
static const struct xr__word xr__w_huge_pages[] = {
	{ "off", XR_HUGE_PAGES_OFF },
	{ "try", XR_HUGE_PAGES_TRY },
	{ "on", XR_HUGE_PAGES_ON },
	{ NULL, 0 },
};
static const struct xr__word xr__w_lock_memory[] = {
	{ "true", XR_LOCK_MEMORY_TRUE },
	{ "false", XR_LOCK_MEMORY_FALSE },
	{ "try", XR_LOCK_MEMORY_TRY },
	{ NULL, 0 },
};
/* lock_memory until the end of the file: not given, so it follows mode. */
#define XR__LOCK_MEMORY_AUTO 0xff
static const struct xr__word xr__w_connector[] = {
	{ "sim", 0 },
	{ "fix", 1 },
	{ NULL, 0 },
};
/* BeginString values, in enum xr_fix_version order. */
static const struct xr__word xr__w_begin[] = {
	{ "FIX.4.2", 0 },
	{ "FIX.4.4", 1 },
	{ NULL, 0 },
};
static const struct xr__word xr__w_bool[] = {
	{ "true", 1 }, { "false", 0 }, { "yes", 1 }, { "no", 0 },
	{ "1", 1 },    { "0", 0 },     { NULL, 0 },
};

#define XR__E(f) offsetof(struct xr_engine_cfg, f)
#define XR__V(f) offsetof(struct xr_venue_cfg, f)
#define XR__WONE XR_WEIGHT_ONE
#define XR__CASH_MAX INT64_MAX

static const struct xr__key xr__engine_keys[] = {
	{ "ring_capacity", XR__T_U32, XR__POW2, XR__E(ring_capacity), 4096, 64, 16777216, NULL },
	{ "burst", XR__T_U32, 0, XR__E(burst), 32, 1, 256, NULL },
	{ "max_inflight_orders", XR__T_U32, 0, XR__E(max_inflight_orders), 65536, 1, 16777216,
	  NULL },
	{ "dedup_window", XR__T_U32, 0, XR__E(dedup_window), 1048576, 1024, 67108864, NULL },
	{ "twap_notional", XR__T_CASH, 0, XR__E(twap_notional), 250000 * XR_CASH_SCALE, 0,
	  XR__CASH_MAX, NULL },
	{ "twap_slices", XR__T_U32, 0, XR__E(twap_slices), 4, 1, 64, NULL },
	{ "twap_horizon_us", XR__T_U32, 0, XR__E(twap_horizon_us), 2000, 0, 60000000, NULL },
	{ "entry_collar_bps", XR__T_U32, 0, XR__E(entry_collar_bps), 50, 0, 10000, NULL },
	{ "weight_fees", XR__T_WEIGHT, 0, XR__E(w_fees), 3000, 0, XR__WONE, NULL },
	{ "weight_latency", XR__T_WEIGHT, 0, XR__E(w_latency), 2000, 0, XR__WONE, NULL },
	{ "weight_success", XR__T_WEIGHT, 0, XR__E(w_success), 2500, 0, XR__WONE, NULL },
	{ "weight_load", XR__T_WEIGHT, 0, XR__E(w_load), 1500, 0, XR__WONE, NULL },
	{ "weight_pair", XR__T_WEIGHT, 0, XR__E(w_pair), 1000, 0, XR__WONE, NULL },
	{ "latency_zero_score_us", XR__T_U32, 0, XR__E(latency_zero_score_us), 1000000, 1, 60000000,
	  NULL },
	{ "load_full_queue", XR__T_U32, 0, XR__E(load_full_queue), 100, 1, 16777216, NULL },
	{ "price_zero_bps", XR__T_U32, 0, XR__E(price_zero_bps), 100, 1, 10000, NULL },
	{ "cost_zero_bps", XR__T_U32, 0, XR__E(cost_zero_bps), 100, 1, 10000, NULL },
	{ "depth_bps", XR__T_U32, 0, XR__E(depth_bps), 10, 1, 10000, NULL },
	{ "latency_ewma_alpha", XR__T_PPM, 0, XR__E(latency_ewma_ppm), 100000, 1, 1000000, NULL },
	{ "error_ewma_alpha", XR__T_PPM, 0, XR__E(error_ewma_ppm), 50000, 1, 1000000, NULL },
	{ "latency_threshold_us", XR__T_U32, 0, XR__E(latency_threshold_us), 5000, 1, 60000000,
	  NULL },
	{ "error_rate_threshold", XR__T_PPM, 0, XR__E(error_rate_threshold_ppm), 50000, 1, 1000000,
	  NULL },
	{ "demote_start", XR__T_PPM, 0, XR__E(demote_start_ppm), 500000, 0, 999999, NULL },
	{ "demote_max", XR__T_PPM, 0, XR__E(demote_max_ppm), 500000, 0, 1000000, NULL },
	{ "snapshot_interval_us", XR__T_U32, 0, XR__E(snapshot_interval_us), 100, 1, 1000000,
	  NULL },
	{ "default_strategy", XR__T_ENUM, 0, XR__E(default_strategy), XR_STRAT_WEIGHTED_SCORE, 0, 0,
	  xr__w_engine_strategy },
	{ "results_format", XR__T_ENUM, 0, XR__E(results_format), XR_RESULTS_CSV, 0, 0,
	  xr__w_results },
	{ "backoff_spins", XR__T_U32, 0, XR__E(backoff_spins), 2000, 0, 1000000000, NULL },
	{ "backoff_yields", XR__T_U32, 0, XR__E(backoff_yields), 50, 0, 1000000000, NULL },
	{ "backoff_sleep_us", XR__T_U32, 0, XR__E(backoff_sleep_us), 50, 0, 1000000, NULL },
	{ "mode", XR__T_ENUM, 0, XR__E(mode), XR_MODE_STANDARD, 0, 0, xr__w_mode },
	{ "huge_pages", XR__T_ENUM, 0, XR__E(huge_pages), XR_HUGE_PAGES_OFF, 0, 0,
	  xr__w_huge_pages },
	{ "lock_memory", XR__T_ENUM, 0, XR__E(lock_memory), XR__LOCK_MEMORY_AUTO, 0, 0,
	  xr__w_lock_memory },
	{ "order_timeout_us", XR__T_U32, 0, XR__E(order_timeout_us), 2000, 1, 60000000, NULL },
	{ "timeout_policy", XR__T_ENUM, 0, XR__E(timeout_policy), XR_TIMEOUT_QUERY, 0, 0,
	  xr__w_timeout },
	{ "max_status_queries", XR__T_U32, 0, XR__E(max_status_queries), 32, 1, 255, NULL },
	{ "fill_collar_bps", XR__T_U32, 0, XR__E(fill_collar_bps), 1000, 0, 10000, NULL },
	{ "stop_policy", XR__T_ENUM, 0, XR__E(stop_policy), XR_STOP_CANCEL, 0, 0, xr__w_stop },
	{ "exit_orders", XR__T_ENUM, 0, XR__E(exit_orders), XR_EXIT_CANCEL, 0, 0,
	  xr__w_exit_orders },
	{ "max_attempts", XR__T_U32, 0, XR__E(max_attempts), 3, 1, 64, NULL },
	{ "max_retries", XR__T_U32, 0, XR__E(max_retries), 1, 0, 63, NULL },
	{ "retry_base_us", XR__T_U32, 0, XR__E(retry_base_us), 100, 1, 60000000, NULL },
	{ "retry_cap_us", XR__T_U32, 0, XR__E(retry_cap_us), 5000, 1, 60000000, NULL },
	{ "failure_threshold", XR__T_U32, 0, XR__E(failure_threshold), 3, 1, 1000000, NULL },
	{ "recovery_threshold", XR__T_U32, 0, XR__E(recovery_threshold), 2, 1, 1000000, NULL },
	{ "breaker_min_samples", XR__T_U32, 0, XR__E(breaker_min_samples), 20, 1, 100, NULL },
	{ "open_timeout_ms", XR__T_U32, 0, XR__E(open_timeout_ms), 100, 1, 3600000, NULL },
	{ "half_open_probes", XR__T_U32, 0, XR__E(half_open_probes), 2, 1, 1000000, NULL },
	{ "health_check_interval_us", XR__T_U32, 0, XR__E(health_check_interval_us), 1000, 1,
	  60000000, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

static const struct xr__key xr__venue_keys[] = {
	{ "connector", XR__T_KIND, 0, XR__V(connector), 0, 0, 0, xr__w_connector },
	{ "fee_maker_bps", XR__T_CBPS, 0, XR__V(fee_maker_cbps), 100, -100000, 100000, NULL },
	{ "fee_taker_bps", XR__T_CBPS, 0, XR__V(fee_taker_cbps), 250, -100000, 100000, NULL },
	{ "latency_us", XR__T_U32, XR__SIM, XR__V(latency_us), 50, 0, 10000000, NULL },
	{ "jitter_us", XR__T_U32, XR__SIM, XR__V(jitter_us), 20, 0, 10000000, NULL },
	{ "reject_prob", XR__T_PPM, XR__SIM, XR__V(reject_ppm), 0, 0, 1000000, NULL },
	{ "fail_prob", XR__T_PPM, XR__SIM, XR__V(fail_ppm), 0, 0, 1000000, NULL },
	{ "seed", XR__T_U64, XR__SIM, XR__V(seed), 1, 0, 0, NULL },
	{ "session_ms", XR__T_U32, XR__SIM, XR__V(session_ms), 100, 1, 86400000, NULL },
	{ "max_open_orders", XR__T_U32, 0, XR__V(max_open_orders), 4096, 1, 16777216, NULL },
	{ "network_distance_us", XR__T_U32, 0, XR__V(network_distance_us), 0, 0, 10000000, NULL },
	{ "rate_limit_per_s", XR__T_U32, 0, XR__V(rate_limit_per_s), 0, 0, 10000000, NULL },
	{ "rate_limit_burst", XR__T_U32, 0, XR__V(rate_limit_burst), 100, 1, 10000000, NULL },
	/* connector = fix (struct xr_fix_venue_cfg) */
	{ "host", XR__T_STR, XR__FIX, XR__V(fix.host), 0, 0, XR_HOST_MAX, NULL },
	{ "port", XR__T_U32, XR__FIX, XR__V(fix.port), 0, 1, 65535, NULL },
	{ "sender_comp_id", XR__T_STR, XR__FIX, XR__V(fix.sender_comp_id), 0, 0, 31, NULL },
	{ "target_comp_id", XR__T_STR, XR__FIX, XR__V(fix.target_comp_id), 0, 0, 31, NULL },
	{ "begin_string", XR__T_ENUM, XR__FIX, XR__V(fix.begin_string), 1, 0, 0, xr__w_begin },
	{ "heartbeat_s", XR__T_U32, XR__FIX, XR__V(fix.heartbeat_s), 30, 1, 3600, NULL },
	{ "reset_on_logon", XR__T_ENUM, XR__FIX, XR__V(fix.reset_on_logon), 0, 0, 0, xr__w_bool },
	{ "seq_store", XR__T_STR, XR__FIX, XR__V(fix.seq_store), 0, 0, XR_PATH_MAX, NULL },
	{ "market_orders", XR__T_ENUM, XR__FIX, XR__V(fix.market_orders), 1, 0, 0, xr__w_bool },
	{ "status_requests", XR__T_ENUM, XR__FIX, XR__V(fix.status_requests), 1, 0, 0, xr__w_bool },
	{ "cancel_after_ms", XR__T_U32, XR__FIX, XR__V(fix.cancel_after_ms), 0, 0, 86400000, NULL },
	{ "reconnect_min_ms", XR__T_U32, XR__FIX, XR__V(fix.reconnect_min_ms), 100, 1, 600000, NULL },
	{ "reconnect_max_ms", XR__T_U32, XR__FIX, XR__V(fix.reconnect_max_ms), 5000, 1, 3600000, NULL },
	{ "logon_timeout_ms", XR__T_U32, XR__FIX, XR__V(fix.logon_timeout_ms), 5000, 1, 600000, NULL },
	{ "resend_timeout_ms", XR__T_U32, XR__FIX, XR__V(fix.resend_timeout_ms), 2000, 10, 600000, NULL },
	{ "max_frame_bytes", XR__T_U32, XR__FIX, XR__V(fix.max_frame_bytes), 16384, 1024, 1048576, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

/* [strategy NAME] keys. Defaults come from xr_strategy_defaults() (def
 * unused); the weight keys are in enum xr_factor order. */
#define XR__S(f) offsetof(struct xr_strategy_cfg, f)
#define XR__SW(i) (XR__S(w) + (size_t)(i) * sizeof(uint32_t))

static const struct xr__key xr__strategy_keys[] = {
	{ "weight_price", XR__T_WEIGHT, 0, XR__SW(XR_F_PRICE), 0, 0, XR__WONE, NULL },
	{ "weight_liquidity", XR__T_WEIGHT, 0, XR__SW(XR_F_LIQUIDITY), 0, 0, XR__WONE, NULL },
	{ "weight_latency", XR__T_WEIGHT, 0, XR__SW(XR_F_LATENCY), 0, 0, XR__WONE, NULL },
	{ "weight_reliability", XR__T_WEIGHT, 0, XR__SW(XR_F_RELIABILITY), 0, 0, XR__WONE, NULL },
	{ "weight_fees", XR__T_WEIGHT, 0, XR__SW(XR_F_FEES), 0, 0, XR__WONE, NULL },
	{ "weight_cost", XR__T_WEIGHT, 0, XR__SW(XR_F_COST), 0, 0, XR__WONE, NULL },
	{ "weight_success", XR__T_WEIGHT, 0, XR__SW(XR_F_SUCCESS), 0, 0, XR__WONE, NULL },
	{ "weight_load", XR__T_WEIGHT, 0, XR__SW(XR_F_LOAD), 0, 0, XR__WONE, NULL },
	{ "weight_pair", XR__T_WEIGHT, 0, XR__SW(XR_F_PAIR), 0, 0, XR__WONE, NULL },
	{ "weight_headroom", XR__T_WEIGHT, 0, XR__SW(XR_F_HEADROOM), 0, 0, XR__WONE, NULL },
	{ "split", XR__T_ENUM, 0, XR__S(split), 0, 0, 0, xr__w_split },
	{ "pricing", XR__T_ENUM, 0, XR__S(pricing), 0, 0, 0, xr__w_pricing },
	{ "two_x_depth", XR__T_ENUM, 0, XR__S(two_x_depth), 0, 0, 0, xr__w_bool },
	{ "max_slice_ratio", XR__T_PPM, 0, XR__S(max_slice_ppm), 0, 1, 1000000, NULL },
	{ "min_slice_qty", XR__T_QTY, 0, XR__S(min_slice_qty), 0, 0, INT64_MAX, NULL },
	{ "max_slippage_bps", XR__T_U32, 0, XR__S(max_slippage_bps), 0, 0, 10000, NULL },
	{ "display_ratio", XR__T_PPM, 0, XR__S(display_ppm), 0, 0, 1000000, NULL },
	{ "slices", XR__T_U32, 0, XR__S(slices), 0, 1, 64, NULL },
	{ "horizon_us", XR__T_U32, 0, XR__S(horizon_us), 0, 0, 60000000, NULL },
	{ "min_health", XR__T_PPM, 0, XR__S(min_health_ppm), 0, 0, 1000000, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};
_Static_assert(XR_F_COUNT == 10, "a factor was added: add its weight_* key above");

/* [user NAME] / [user_defaults] built-in defaults and ranges. */
#define XR__USER_RATE_DEF 1000
#define XR__USER_BURST_DEF 100
#define XR__USER_RATE_MAX 10000000

/* Stages that are not execute.VENUE, in pipeline order. */
static const char *const xr__fixed_stages[] = {
	"ingress", "validate", "route", "aggregate", "output",
};
#define XR__N_FIXED_STAGES 5

/* ------------------------------------------------------------------ */
/* Load state. */

enum xr__sect {
	XR__S_NONE,
	XR__S_ENGINE,
	XR__S_THREADS,
	XR__S_USER_DEFAULTS,
	XR__S_VENUE,
	XR__S_USER,
	XR__S_STRATEGY,
	XR__S_SYMBOL,
};

/* Bits of struct xr__uraw.set: the keys a user section gave. */
enum {
	XR__U_ENABLED = 1u << 0,
	XR__U_RATE = 1u << 1,
	XR__U_BURST = 1u << 2,
	XR__U_NOTIONAL = 1u << 3,
	XR__U_STRATEGY = 1u << 4,
	XR__U_ORDER_QTY = 1u << 5, /* bare max_order_qty */
	XR__U_POSITION = 1u << 6,  /* bare max_position */
};

/** One max_order_qty.SYMBOL / max_position.SYMBOL key. */
struct xr__lim {
	char symbol[XR_NAME_MAX + 1];
	int64_t qty;
	uint32_t line;
	bool position; /* max_position, else max_order_qty */
};

/** primary_venue, failover_venues and auto_failover as written. */
struct xr__praw {
	char *primary, *failovers;	/* list values, NULL if not given */
	uint32_t primary_line, failovers_line, auto_line;
	bool auto_failover;		/* valid if auto_line != 0 */
};

/** A [symbol NAME] section, resolved at end of file. */
struct xr__sraw {
	char name[XR_NAME_MAX + 1];
	uint32_t line;
	struct xr__praw plan;
};

/** A user section's keys as written, resolved at end of file. */
struct xr__uraw {
	uint16_t set; /* XR__U_* */
	bool enabled;
	uint8_t strategy;
	uint32_t rate_per_s, burst;
	int64_t max_notional, max_order_qty, max_position;
	char *venues, *symbols; /* list values, NULL if not given */
	uint32_t venues_line, symbols_line;
	struct xr__lim *lims;
	uint32_t n_lims;
	struct xr__praw plan;
};

/** Thread keys as written. */
struct xr__traw {
	uint32_t line;        /* first key of the thread */
	uint32_t stages_line; /* 0: no NAME.stages key */
	uint32_t cpu_line;    /* 0: no NAME.cpu key */
	uint32_t wait_line;   /* 0: no NAME.wait key */
};

/** Keys seen in the current section, for duplicates. */
struct xr__seen {
	char key[XR__KEY_MAX + 1];
	uint32_t line;
};

/** Name -> index, open addressing over names stored elsewhere. */
struct xr__index {
	uint32_t *slot; /* index + 1; 0 = empty */
	uint32_t cap;   /* power of two, or 0 */
	uint32_t n;
};

struct xr__load {
	const char *path;
	FILE *f;
	char *buf; /* getline buffer */
	size_t cap;
	uint32_t line;          /* lines read so far = line of the current one */
	const char *long_value; /* value of a long line, see xr__read_line */

	bool failed;
	uint32_t err_line;
	char err[512];

	struct xr_config *cfg;
	enum xr__sect sect;
	char label[XR_NAME_MAX + 16]; /* "venue alpha", for messages */
	uint32_t cur;                 /* venue or user index of the section */
	struct xr__seen *seen;
	uint32_t n_seen, cap_seen;

	uint32_t engine_line, threads_line, defaults_line;
	uint32_t mode_line; /* [engine] mode key, 0 if not given */
	/* [strategy NAME]: bit f = weight key of factor f given (the section's
	 * weights then replace the default vector). */
	uint16_t strat_w_set[XR_STRAT_COUNT];
	struct xr__traw traw[XR_MAX_THREADS];
	uint32_t cap_venues, cap_users, cap_uraw, cap_symbols;
	struct xr__uraw *uraw; /* n_users entries */
	struct xr__uraw defaults;
	struct xr__index users_ix, symbols_ix;
	struct xr__sraw *sraw; /* [symbol NAME] sections */
	uint32_t n_sraw, cap_sraw;

	/* End of file: [user_defaults] resolved. */
	uint64_t def_venue_mask;
	uint64_t def_symbol_bits[XR_MAX_SYMBOLS / 64];
	int64_t *def_order_qty, *def_position; /* n_symbols each */
	bool def_shared;                       /* some user points at them */
};

/* ------------------------------------------------------------------ */
/* Errors. */

XR__PRINTF(3, 4)
static int
xr__err(struct xr__load *ld, uint32_t line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ld->failed)
		return -1;
	ld->failed = true;
	ld->err_line = line;
	if (line != 0)
		n = snprintf(ld->err, sizeof(ld->err), "%s:%" PRIu32 ": ", ld->path, line);
	else
		n = snprintf(ld->err, sizeof(ld->err), "%s: ", ld->path);
	if (n < 0 || (size_t)n >= sizeof(ld->err))
		return -1;
	va_start(ap, fmt);
	vsnprintf(ld->err + n, sizeof(ld->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/**
 * Error about a key's value: FILE:LINE: [LABEL] KEY: "VALUE" WHY.
 * A value longer than 80 bytes is shown cut, ending in "...".
 */
XR__PRINTF(6, 7)
static int
xr__kerr(struct xr__load *ld, uint32_t line, const char *label, const char *key, const char *v,
	 const char *fmt, ...)
{
	char why[256];
	va_list ap;
	int vlen = (int)strlen(v);

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return xr__err(ld, line, "[%s] %s: \"%.*s%s\" %s", label, key, vlen > 80 ? 77 : vlen, v,
		       vlen > 80 ? "..." : "", why);
}

#define XR__HERE(ld) (ld)->line, (ld)->label

static int
xr__oom(struct xr__load *ld)
{
	return xr__err(ld, ld->line, "out of memory");
}

/* ------------------------------------------------------------------ */
/* Small helpers. */

static bool
xr__is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static bool
xr__name_char(char c, const char *extra)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || (extra != NULL && c != '\0' && strchr(extra, c) != NULL);
}

/** @return true if s[0..len) is 1..XR_NAME_MAX name characters. */
static bool
xr__valid_name(const char *s, size_t len, const char *extra)
{
	if (len == 0 || len > XR_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!xr__name_char(s[i], extra))
			return false;
	return true;
}

/** Copy a checked name (len <= XR_NAME_MAX) into a name buffer. */
static void
xr__name_copy(char dst[XR_NAME_MAX + 1], const char *s, size_t len)
{
	memcpy(dst, s, len);
	dst[len] = '\0';
}

/** Grow *p (elements of @p size) to hold @p need; 0 or -ENOMEM. */
static int
xr__grow(void **p, uint32_t *cap, uint32_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	uint32_t c = *cap ? *cap : 8;
	while (c < need)
		c *= 2;
	void *q = realloc(*p, (size_t)c * size);
	if (q == NULL)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

/** Next list item of a comma or blank separated list; NULL at the end. */
static const char *
xr__list_next(const char **cursor, size_t *len)
{
	const char *s = *cursor;
	while (*s != '\0' && (*s == ',' || xr__is_space(*s)))
		s++;
	if (*s == '\0') {
		*cursor = s;
		return NULL;
	}
	const char *e = s;
	while (*e != '\0' && *e != ',' && !xr__is_space(*e))
		e++;
	*len = (size_t)(e - s);
	*cursor = e;
	return s;
}

static uint32_t
xr__hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/** @return index of @p name among names at base + i * stride, or -1. */
static int64_t
xr__index_find(const struct xr__index *ix, const char *base, size_t stride, const char *name)
{
	if (ix->cap == 0)
		return -1;
	for (uint32_t h = xr__hash(name) & (ix->cap - 1);; h = (h + 1) & (ix->cap - 1)) {
		uint32_t s = ix->slot[h];
		if (s == 0)
			return -1;
		if (strcmp(base + (size_t)(s - 1) * stride, name) == 0)
			return s - 1;
	}
}

static void
xr__index_put(uint32_t *slot, uint32_t cap, const char *name, uint32_t id)
{
	uint32_t h = xr__hash(name) & (cap - 1);
	while (slot[h] != 0)
		h = (h + 1) & (cap - 1);
	slot[h] = id + 1;
}

/** Add name number @p id (already stored at base + id * stride). */
static int
xr__index_add(struct xr__index *ix, const char *base, size_t stride, uint32_t id)
{
	if ((ix->n + 1) * 2 > ix->cap) {
		uint32_t cap = ix->cap ? ix->cap * 2 : 64;
		uint32_t *slot = calloc(cap, sizeof(*slot));
		if (slot == NULL)
			return -ENOMEM;
		for (uint32_t i = 0; i < ix->cap; i++)
			if (ix->slot[i] != 0)
				xr__index_put(slot, cap, base + (size_t)(ix->slot[i] - 1) * stride,
					      ix->slot[i] - 1);
		free(ix->slot);
		ix->slot = slot;
		ix->cap = cap;
	}
	xr__index_put(ix->slot, ix->cap, base + (size_t)id * stride, id);
	ix->n++;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Numbers and words. */

/** @return true if s is [+-]digits[.digits] (a digit somewhere). */
static bool
xr__is_decimal(const char *s, int *frac)
{
	bool any = false, dot = false;

	*frac = 0;
	if (*s == '+' || *s == '-')
		s++;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (dot)
				return false;
			dot = true;
		} else if (*s >= '0' && *s <= '9') {
			any = true;
			*frac += dot;
		} else {
			return false;
		}
	}
	return any;
}

/** Range of a number as its errors name it: "1..256", "> 0", ">= 0". */
static void
xr__range_text(char *buf, size_t len, int dec, int64_t min, int64_t max, unsigned flags)
{
	char a[24], b[24];

	xr_fixed_format(a, min, dec);
	xr_fixed_format(b, max, dec);
	if (max == INT64_MAX && min == 1)
		snprintf(buf, len, "> 0%s", flags & XR__NONE_OK ? " or none" : "");
	else if (max == INT64_MAX)
		snprintf(buf, len, ">= %s%s", a, flags & XR__NONE_OK ? " or none" : "");
	else
		snprintf(buf, len, "%s..%s", a, b);
}

/**
 * Parse a number with @p dec decimal places (0: an integer) in min..max.
 * @return 0, or -1 with the reason in @p why ("is not a number", ...).
 */
static int
xr__num(const char *v, int dec, int64_t min, int64_t max, unsigned flags, int64_t *out, char *why,
	size_t why_len)
{
	char range[64];
	int frac;
	int64_t x;

	if ((flags & XR__NONE_OK) && strcmp(v, "none") == 0) {
		*out = INT64_MAX;
		return 0;
	}
	xr__range_text(range, sizeof(range), dec, min, max, flags);
	if (!xr__is_decimal(v, &frac)) {
		snprintf(why, why_len, "is not a number");
		return -1;
	}
	if (dec == 0 && strchr(v, '.') != NULL) {
		snprintf(why, why_len, "is not an integer");
		return -1;
	}
	if (frac > dec) {
		snprintf(why, why_len, "has more than %d decimal places", dec);
		return -1;
	}
	if (xr_fixed_parse(v, strlen(v), dec, &x) != 0 || x < min || x > max) {
		snprintf(why, why_len, "is out of range (%s)", range);
		return -1;
	}
	if ((flags & XR__POW2) && (x & (x - 1)) != 0) {
		snprintf(why, why_len, "is not a power of two (%s)", range);
		return -1;
	}
	*out = x;
	return 0;
}

/** Parse an unsigned 64-bit integer (seed). 0 or -1 with @p why. */
static int
xr__u64(const char *v, uint64_t *out, char *why, size_t why_len)
{
	int frac;
	uint64_t x = 0;

	if (!xr__is_decimal(v, &frac)) {
		snprintf(why, why_len, "is not a number");
		return -1;
	}
	if (strchr(v, '.') != NULL) {
		snprintf(why, why_len, "is not an integer");
		return -1;
	}
	const char *s = v;
	if (*s == '+')
		s++;
	if (*s == '-')
		goto range;
	for (; *s != '\0'; s++) {
		uint64_t d = (uint64_t)(*s - '0');
		if (x > (UINT64_MAX - d) / 10)
			goto range;
		x = x * 10 + d;
	}
	*out = x;
	return 0;
range:
	snprintf(why, why_len, "is out of range (0..%" PRIu64 ")", UINT64_MAX);
	return -1;
}

/** Write @p words as "a, b, c" into @p buf (@p len bytes, > 0). */
static void
xr__word_list(const struct xr__word *words, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (const struct xr__word *w = words; w->word != NULL && n < len; w++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", w == words ? "" : ", ", w->word);
}

/** Look @p v up in @p words. 0 or -1 with "is not one of a, b" in @p why. */
static int
xr__word(const struct xr__word *words, const char *v, uint8_t *out, char *why, size_t why_len)
{
	size_t n;

	for (const struct xr__word *w = words; w->word != NULL; w++) {
		if (strcmp(w->word, v) == 0) {
			*out = w->value;
			return 0;
		}
	}
	n = (size_t)snprintf(why, why_len, "is not one of ");
	if (n < why_len)
		xr__word_list(words, why + n, why_len - n);
	return -1;
}

/** @return the word of @p value in @p words ("?" if none). */
static const char *
xr__word_name(const struct xr__word *words, uint8_t value)
{
	for (const struct xr__word *w = words; w->word != NULL; w++)
		if (w->value == value)
			return w->word;
	return "?";
}

/** Decimal places of a table key type (0 for integers and words). */
static int
xr__type_dec(uint8_t type)
{
	switch (type) {
	case XR__T_CBPS: return 2;
	case XR__T_PPM: return 6;
	case XR__T_WEIGHT: return 4;
	case XR__T_CASH:
	case XR__T_QTY: return 8;
	default: return 0;
	}
}

/** Store a table key's value @p x into @p obj. */
static void
xr__key_store(const struct xr__key *k, void *obj, int64_t x)
{
	char *p = (char *)obj + k->off;

	switch (k->type) {
	case XR__T_U32:
	case XR__T_PPM:
	case XR__T_WEIGHT: *(uint32_t *)(void *)p = (uint32_t)x; break;
	case XR__T_U64: *(uint64_t *)(void *)p = (uint64_t)x; break;
	case XR__T_CBPS:
	case XR__T_CASH:
	case XR__T_QTY: *(int64_t *)(void *)p = x; break;
	case XR__T_ENUM: *(uint8_t *)(void *)p = (uint8_t)x; break;
	case XR__T_KIND: snprintf(p, 16, "%s", xr__word_name(k->words, (uint8_t)x)); break;
	case XR__T_STR: p[0] = '\0'; break;
	}
}

/** Write every key of @p keys at its default into @p obj. */
static void
xr__keys_default(const struct xr__key *keys, void *obj)
{
	for (const struct xr__key *k = keys; k->name != NULL; k++)
		xr__key_store(k, obj, k->def);
}

static const struct xr__key *
xr__key_find(const struct xr__key *keys, const char *name)
{
	for (const struct xr__key *k = keys; k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

/** Parse @p v for table key @p k into @p obj; errors name the key. */
static int
xr__key_set(struct xr__load *ld, const struct xr__key *k, void *obj, const char *v)
{
	char why[200];
	int64_t x;
	uint64_t u;
	uint8_t w;

	switch (k->type) {
	case XR__T_U64:
		if (xr__u64(v, &u, why, sizeof(why)) != 0)
			return xr__kerr(ld, XR__HERE(ld), k->name, v, "%s", why);
		*(uint64_t *)(void *)((char *)obj + k->off) = u;
		return 0;
	case XR__T_ENUM:
	case XR__T_KIND:
		if (xr__word(k->words, v, &w, why, sizeof(why)) != 0)
			return xr__kerr(ld, XR__HERE(ld), k->name, v, "%s", why);
		xr__key_store(k, obj, w);
		return 0;
	case XR__T_STR: {
		size_t len = strlen(v);
		if (len == 0 || len > (size_t)k->max)
			return xr__kerr(ld, XR__HERE(ld), k->name, v, "must be 1..%" PRId64
					" characters", k->max);
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
				return xr__kerr(ld, XR__HERE(ld), k->name, v,
						"has a character that is not printable ASCII "
						"at position %zu", i + 1);
		memcpy((char *)obj + k->off, v, len + 1);
		return 0;
	}
	default:
		if (xr__num(v, xr__type_dec(k->type), k->min, k->max, k->flags, &x, why,
			    sizeof(why)) != 0)
			return xr__kerr(ld, XR__HERE(ld), k->name, v, "%s", why);
		xr__key_store(k, obj, x);
		return 0;
	}
}

/** Format a table key's value in @p obj as the file writes it. */
static void
xr__key_format(const struct xr__key *k, const void *obj, char *buf, size_t len)
{
	const char *p = (const char *)obj + k->off;
	int64_t x = 0;

	switch (k->type) {
	case XR__T_U32:
	case XR__T_PPM:
	case XR__T_WEIGHT: x = *(const uint32_t *)(const void *)p; break;
	case XR__T_U64: snprintf(buf, len, "%" PRIu64, *(const uint64_t *)(const void *)p); return;
	case XR__T_CBPS:
	case XR__T_CASH:
	case XR__T_QTY: x = *(const int64_t *)(const void *)p; break;
	case XR__T_ENUM:
		snprintf(buf, len, "%s", xr__word_name(k->words, *(const uint8_t *)p));
		return;
	case XR__T_KIND:
	case XR__T_STR: snprintf(buf, len, "%s", p); return;
	}
	char tmp[24];
	xr_fixed_format(tmp, x, xr__type_dec(k->type));
	snprintf(buf, len, "%s", tmp);
}

/* ------------------------------------------------------------------ */
/* Sections (seen by the reader, since inih reports only keys). */

static void
xr__label(struct xr__load *ld, const char *kind, const char *name)
{
	snprintf(ld->label, sizeof(ld->label), "%s%s%s", kind, name ? " " : "", name ? name : "");
}

/** Once-only sections: 0, or a duplicate-section error. */
static int
xr__section_once(struct xr__load *ld, uint32_t *first, enum xr__sect s)
{
	if (*first != 0)
		return xr__err(ld, ld->line, "[%s]: duplicate section (first at line %" PRIu32 ")",
			       ld->label, *first);
	*first = ld->line;
	ld->sect = s;
	return 0;
}

static int
xr__section_venue(struct xr__load *ld, const char *name)
{
	struct xr_config *cfg = ld->cfg;

	for (uint32_t i = 0; i < cfg->n_venues; i++)
		if (strcmp(cfg->venues[i].name, name) == 0)
			return xr__err(ld, ld->line,
				       "[%s]: duplicate section (first at line %" PRIu32 ")",
				       ld->label, cfg->venues[i].line);
	if (cfg->n_venues == XR_MAX_VENUES)
		return xr__err(ld, ld->line, "[%s]: too many venues (at most %d)", ld->label,
			       XR_MAX_VENUES);
	if (xr__grow((void **)&cfg->venues, &ld->cap_venues, cfg->n_venues + 1,
		     sizeof(*cfg->venues)) != 0)
		return xr__oom(ld);
	struct xr_venue_cfg *v = &cfg->venues[cfg->n_venues];
	memset(v, 0, sizeof(*v));
	xr__name_copy(v->name, name, strlen(name));
	xr__keys_default(xr__venue_keys, v);
	v->fix.tif_mask = (1u << XR_TIF_DAY) | (1u << XR_TIF_GTC) | (1u << XR_TIF_IOC) |
			  (1u << XR_TIF_FOK);
	v->line = ld->line;
	ld->cur = cfg->n_venues++;
	ld->sect = XR__S_VENUE;
	return 0;
}

static int
xr__section_user(struct xr__load *ld, const char *name)
{
	struct xr_config *cfg = ld->cfg;
	int64_t dup = cfg->users == NULL ? -1
					 : xr__index_find(&ld->users_ix, cfg->users[0].name,
							  sizeof(*cfg->users), name);

	if (dup >= 0)
		return xr__err(ld, ld->line, "[%s]: duplicate section (first at line %" PRIu32 ")",
			       ld->label, cfg->users[dup].line);
	if (cfg->n_users == UINT32_MAX - 1)
		return xr__err(ld, ld->line, "[%s]: too many users", ld->label);
	if (xr__grow((void **)&cfg->users, &ld->cap_users, cfg->n_users + 1, sizeof(*cfg->users)) ||
	    xr__grow((void **)&ld->uraw, &ld->cap_uraw, cfg->n_users + 1, sizeof(*ld->uraw)))
		return xr__oom(ld);
	struct xr_user_cfg *u = &cfg->users[cfg->n_users];
	memset(u, 0, sizeof(*u));
	memset(&ld->uraw[cfg->n_users], 0, sizeof(*ld->uraw));
	xr__name_copy(u->name, name, strlen(name));
	u->line = ld->line;
	if (xr__index_add(&ld->users_ix, cfg->users[0].name, sizeof(*cfg->users), cfg->n_users))
		return xr__oom(ld);
	ld->cur = cfg->n_users++;
	ld->sect = XR__S_USER;
	return 0;
}

/** [symbol NAME]: once per symbol; the symbol is checked at end of file. */
static int
xr__section_symbol(struct xr__load *ld, const char *name)
{
	for (uint32_t i = 0; i < ld->n_sraw; i++)
		if (strcmp(ld->sraw[i].name, name) == 0)
			return xr__err(ld, ld->line,
				       "[%s]: duplicate section (first at line %" PRIu32 ")",
				       ld->label, ld->sraw[i].line);
	if (xr__grow((void **)&ld->sraw, &ld->cap_sraw, ld->n_sraw + 1, sizeof(*ld->sraw)))
		return xr__oom(ld);
	struct xr__sraw *r = &ld->sraw[ld->n_sraw];
	memset(r, 0, sizeof(*r));
	xr__name_copy(r->name, name, strlen(name));
	r->line = ld->line;
	ld->cur = ld->n_sraw++;
	ld->sect = XR__S_SYMBOL;
	return 0;
}

/** [strategy NAME]: NAME is a strategy other than default, once. */
static int
xr__section_strategy(struct xr__load *ld, const char *name)
{
	struct xr_strategy_cfg *sc;
	int s = xr_strategy_parse(name, strlen(name));

	if (s <= XR_STRAT_DEFAULT) {
		char names[200];
		xr__word_list(xr__w_engine_strategy, names, sizeof(names));
		if (s == XR_STRAT_DEFAULT)
			return xr__err(ld, ld->line,
				       "[%s]: \"default\" has no section, it is [engine] "
				       "default_strategy (expected %s)",
				       ld->label, names);
		return xr__err(ld, ld->line, "[%s]: unknown strategy \"%s\" (expected %s)",
			       ld->label, name, names);
	}
	sc = &ld->cfg->engine.strategies[s];
	if (sc->line != 0)
		return xr__err(ld, ld->line, "[%s]: duplicate section (first at line %" PRIu32 ")",
			       ld->label, sc->line);
	sc->line = ld->line;
	ld->cur = (uint32_t)s;
	ld->sect = XR__S_STRATEGY;
	return 0;
}

/**
 * A section header "[text]" on the current line: open the section.
 * Blanks around the text and between kind and name are ignored.
 */
static int
xr__section(struct xr__load *ld, char *text)
{
	char *s = text, *e = text + strlen(text);

	while (xr__is_space(*s))
		s++;
	while (e > s && xr__is_space(e[-1]))
		*--e = '\0';
	ld->n_seen = 0;
	ld->sect = XR__S_NONE;
	xr__label(ld, s, NULL);
	if (strcmp(s, "engine") == 0)
		return xr__section_once(ld, &ld->engine_line, XR__S_ENGINE);
	if (strcmp(s, "threads") == 0)
		return xr__section_once(ld, &ld->threads_line, XR__S_THREADS);
	if (strcmp(s, "user_defaults") == 0)
		return xr__section_once(ld, &ld->defaults_line, XR__S_USER_DEFAULTS);

	bool venue = strncmp(s, "venue", 5) == 0 && (s[5] == '\0' || xr__is_space(s[5]));
	bool user = strncmp(s, "user", 4) == 0 && (s[4] == '\0' || xr__is_space(s[4]));
	bool strategy = strncmp(s, "strategy", 8) == 0 && (s[8] == '\0' || xr__is_space(s[8]));
	bool symbol = strncmp(s, "symbol", 6) == 0 && (s[6] == '\0' || xr__is_space(s[6]));
	if (!venue && !user && !strategy && !symbol) {
		snprintf(ld->label, sizeof(ld->label), "%.*s%s", XR_NAME_MAX + 8, s,
			 strlen(s) > XR_NAME_MAX + 8 ? "..." : "");
		return xr__err(ld, ld->line,
			       "[%s]: unknown section (expected engine, threads, user_defaults, "
			       "venue NAME, user NAME, strategy NAME or symbol NAME)",
			       ld->label);
	}
	const char *kind = venue ? "venue" : user ? "user" : strategy ? "strategy" : "symbol";
	char *name = s + strlen(kind);
	while (xr__is_space(*name))
		name++;
	if (*name == '\0')
		return xr__err(ld, ld->line, "[%s]: missing name ([%s NAME])", kind, kind);
	if (!xr__valid_name(name, strlen(name), symbol ? "./" : NULL)) {
		snprintf(ld->label, sizeof(ld->label), "%s %.*s%s", kind, XR_NAME_MAX, name,
			 strlen(name) > XR_NAME_MAX ? "..." : "");
		return xr__err(ld, ld->line, "[%s]: %s name \"%s\" %s", ld->label, kind, name,
			       symbol ? XR__SYMBOL_RULE : XR__NAME_RULE);
	}
	xr__label(ld, kind, name);
	if (strategy)
		return xr__section_strategy(ld, name);
	if (symbol)
		return xr__section_symbol(ld, name);
	return venue ? xr__section_venue(ld, name) : xr__section_user(ld, name);
}

/* ------------------------------------------------------------------ */
/* The line reader. */

/**
 * inih's find_chars_or_comment(): the first of @p chars, or the start of
 * an inline comment (';' after a blank), or the end of @p s.
 */
static char *
xr__find(char *s, const char *chars)
{
	bool was_space = false;

	while (*s != '\0' && (chars == NULL || strchr(chars, *s) == NULL) &&
	       !(was_space && *s == ';')) {
		was_space = xr__is_space(*s);
		s++;
	}
	return s;
}

static void
xr__rstrip(char *s)
{
	char *e = s + strlen(s);
	while (e > s && xr__is_space(e[-1]))
		*--e = '\0';
}

/**
 * A NUL byte at @p nul of line @p s (its first @p nul bytes are text): an
 * error naming the key when the line is `KEY = VALUE` with the NUL after
 * the '=' or ':', else the line: `FILE:LINE: [engine] burst: NUL byte in
 * the value (byte 10 of the line)`. @return -1.
 */
static int
xr__nul_error(struct xr__load *ld, char *s, size_t nul)
{
	char *p = s;

	while (xr__is_space(*p))
		p++;
	size_t key = strcspn(p, "=:;#[");
	if (p[key] == '=' || p[key] == ':') {
		p[key] = '\0';
		xr__rstrip(p);
		if (*p != '\0')
			return xr__err(ld, ld->line, "[%s] %s: NUL byte in the value (byte %zu of "
				       "the line)", ld->label, p, nul + 1);
	}
	return xr__err(ld, ld->line, "NUL byte in the line (byte %zu)", nul + 1);
}

/**
 * ini_reader: one physical line per call into @p str (@p num bytes), so
 * ld->line is the line inih is working on. See DESIGN for what it adds.
 */
static char *
xr__read_line(char *str, int num, void *stream)
{
	struct xr__load *ld = stream;
	ssize_t got;
	size_t n;
	char *s;

	ld->long_value = NULL;
	if (ld->failed || num < 8)
		return NULL;
	got = getline(&ld->buf, &ld->cap, ld->f);
	if (got < 0)
		return NULL;
	ld->line++;
	s = ld->buf;
	n = strlen(s);
	if (n < (size_t)got) {
		/* A NUL byte would cut the line for inih, silently. */
		xr__nul_error(ld, s, n);
		return NULL;
	}
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	if (ld->line == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		n -= 3;
	}
	while (xr__is_space(*s)) {
		s++;
		n--;
	}

	if (*s == '[') {
		char *end = xr__find(s + 1, "]");
		if (*end == ']') {
			*end = '\0';
			if (xr__section(ld, s + 1) != 0)
				return NULL;
			/* A valid header is short: kind + name. */
			snprintf(str, (size_t)num, "[%s]", ld->label);
			return str;
		}
		/* No ']': inih reports the syntax error. */
	}
	if (n + 1 <= (size_t)num) {
		memcpy(str, s, n + 1);
		return str;
	}
	/* Longer than inih's buffer. */
	if (*s == ';' || *s == '#') {
		snprintf(str, (size_t)num, ";");
		return str;
	}
	char *eq = xr__find(s, "=:");
	if (*eq != '=' && *eq != ':') {
		/* No '=' before any comment: a prefix is a syntax error too. */
		memcpy(str, s, (size_t)num - 1);
		str[num - 1] = '\0';
		return str;
	}
	*eq = '\0';
	xr__rstrip(s);
	char *value = eq + 1;
	*xr__find(value, NULL) = '\0';
	while (xr__is_space(*value))
		value++;
	xr__rstrip(value);
	if (strlen(s) + 3 > (size_t)num) {
		xr__err(ld, ld->line, "line too long");
		return NULL;
	}
	ld->long_value = value;
	snprintf(str, (size_t)num, "%s=" XR__LONG_MARK, s);
	return str;
}

/* ------------------------------------------------------------------ */
/* Keys. */

/** Record @p key as seen in this section; a duplicate is an error. */
static int
xr__seen_add(struct xr__load *ld, const char *key)
{
	for (uint32_t i = 0; i < ld->n_seen; i++)
		if (strcmp(ld->seen[i].key, key) == 0)
			return xr__err(ld, ld->line,
				       "[%s] %s: duplicate key (first at line %" PRIu32 ")",
				       ld->label, key, ld->seen[i].line);
	if (xr__grow((void **)&ld->seen, &ld->cap_seen, ld->n_seen + 1, sizeof(*ld->seen)))
		return xr__oom(ld);
	snprintf(ld->seen[ld->n_seen].key, sizeof(ld->seen[0].key), "%s", key);
	ld->seen[ld->n_seen++].line = ld->line;
	return 0;
}

static int
xr__unknown_key(struct xr__load *ld, const char *key)
{
	return xr__err(ld, ld->line, "[%s] %s: unknown key", ld->label, key);
}

/** @return the id of symbol @p name, adding it if new; -1 on error. */
static int64_t
xr__symbol_add(struct xr__load *ld, const char *key, const char *v, const char *name)
{
	struct xr_config *cfg = ld->cfg;
	int64_t id = xr__index_find(&ld->symbols_ix, cfg->symbols ? cfg->symbols[0] : NULL,
				    sizeof(*cfg->symbols), name);

	if (id >= 0)
		return id;
	if (cfg->n_symbols == XR_MAX_SYMBOLS)
		return xr__kerr(ld, XR__HERE(ld), key, v,
				"adds symbol %s, too many symbols (at most %d)", name,
				XR_MAX_SYMBOLS);
	if (xr__grow((void **)&cfg->symbols, &ld->cap_symbols, cfg->n_symbols + 1,
		     sizeof(*cfg->symbols)))
		return xr__oom(ld);
	xr__name_copy(cfg->symbols[cfg->n_symbols], name, strlen(name));
	if (xr__index_add(&ld->symbols_ix, cfg->symbols[0], sizeof(*cfg->symbols), cfg->n_symbols))
		return xr__oom(ld);
	return cfg->n_symbols++;
}

/** book.SYMBOL = mid=PX tick=PX levels=N level_qty=QTY */
static int
xr__key_book(struct xr__load *ld, struct xr_venue_cfg *v, const char *key, const char *value)
{
	static const char *const fields[4] = { "mid", "tick", "levels", "level_qty" };
	const char *sym = key + strlen("book.");
	int64_t x[4];
	bool have[4] = { false, false, false, false };
	const char *cur = value, *item;
	size_t len;
	char tok[128], why[200];

	if (!xr__valid_name(sym, strlen(sym), "./"))
		return xr__err(ld, ld->line, "[%s] %s: symbol \"%s\" " XR__SYMBOL_RULE, ld->label,
			       key, sym);
	while ((item = xr__list_next(&cur, &len)) != NULL) {
		const char *eq = memchr(item, '=', len);
		int f;
		if (len >= sizeof(tok))
			return xr__kerr(ld, XR__HERE(ld), key, value,
					"has a field longer than %zu characters", sizeof(tok) - 1);
		snprintf(tok, sizeof(tok), "%.*s", (int)len, item);
		for (f = 0; f < 4; f++)
			if (eq != NULL && (size_t)(eq - item) == strlen(fields[f]) &&
			    memcmp(item, fields[f], strlen(fields[f])) == 0)
				break;
		if (f == 4)
			return xr__kerr(ld, XR__HERE(ld), key, value,
					"has unknown field \"%s\" " XR__BOOK_FORM, tok);
		if (have[f])
			return xr__kerr(ld, XR__HERE(ld), key, value, "sets %s twice", fields[f]);
		const char *num = tok + strlen(fields[f]) + 1;
		int rc = f == 2 ? xr__num(num, 0, 1, 1000, 0, &x[f], why, sizeof(why))
				: xr__num(num, 8, 1, INT64_MAX, 0, &x[f], why, sizeof(why));
		if (rc != 0)
			return xr__kerr(ld, XR__HERE(ld), key, tok, "%s", why);
		have[f] = true;
	}
	for (int f = 0; f < 4; f++)
		if (!have[f])
			return xr__kerr(ld, XR__HERE(ld), key, value, "lacks %s= " XR__BOOK_FORM,
					fields[f]);
	if ((xr_i128)x[1] * x[2] >= x[0])
		return xr__kerr(ld, XR__HERE(ld), key, value,
				"has levels * tick >= mid (every bid price must be > 0)");
	/* A side's depth and the notional of walking it (the top ask is
	 * mid + levels * tick) must fit the fixed-point int64: the sim sums
	 * both when it fills through the book. */
	xr_i128 depth = (xr_i128)x[2] * x[3];
	xr_i128 top = (xr_i128)x[0] + (xr_i128)x[1] * x[2];
	if (depth > INT64_MAX || top > INT64_MAX || depth * top / XR_QTY_SCALE > INT64_MAX)
		return xr__kerr(ld, XR__HERE(ld), key, value,
				"has levels * level_qty, or the notional of that depth at "
				"mid + levels * tick, beyond the 64-bit fixed-point range "
				"(92233720368.54775807)");
	int64_t id = xr__symbol_add(ld, key, value, sym);
	if (id < 0)
		return -1;
	uint32_t cap = v->n_books; /* books grow one at a time; n_books is the cap */
	struct xr_sim_book_cfg *b = realloc(v->books, (size_t)(cap + 1) * sizeof(*b));
	if (b == NULL)
		return xr__oom(ld);
	v->books = b;
	b[v->n_books++] = (struct xr_sim_book_cfg){
		.symbol = (uint16_t)id,
		.mid_px = x[0],
		.tick_px = x[1],
		.levels = (uint32_t)x[2],
		.level_qty = x[3],
	};
	return 0;
}

static const struct xr__word xr__w_fault[] = {
	{ "outage", XR_FAULT_OUTAGE },
	{ "disconnect", XR_FAULT_DISCONNECT },
	{ "latency_spike", XR_FAULT_LATENCY_SPIKE },
	{ "reject_burst", XR_FAULT_REJECT_BURST },
	{ "partial_fill", XR_FAULT_PARTIAL_FILL },
	{ "drop_answers", XR_FAULT_DROP_ANSWERS },
	{ "late_answers", XR_FAULT_LATE_ANSWERS },
	{ "dup_fill", XR_FAULT_DUP_FILL },
	{ "overfill", XR_FAULT_OVERFILL },
	{ "bad_price", XR_FAULT_BAD_PRICE },
	{ "foreign_report", XR_FAULT_FOREIGN_REPORT },
	{ NULL, 0 },
};
#define XR__FAULT_FORM                                                                         \
	"(form: KIND start_ms=N end_ms=N [every_ms=N] [prob=P] [ratio=R] [extra_us=N] "         \
	"[factor=F])"

/* Fields a fault kind needs (bit i = field i of xr__key_fault's list). */
static const uint8_t xr__fault_needs[XR_FAULT_COUNT] = {
	[XR_FAULT_OUTAGE] = 0x03,
	[XR_FAULT_DISCONNECT] = 0x03,
	[XR_FAULT_LATENCY_SPIKE] = 0x03 | 0x20,
	[XR_FAULT_REJECT_BURST] = 0x03 | 0x08,
	[XR_FAULT_PARTIAL_FILL] = 0x03 | 0x10,
	[XR_FAULT_DROP_ANSWERS] = 0x03 | 0x08,
	[XR_FAULT_LATE_ANSWERS] = 0x03 | 0x08 | 0x20,
	[XR_FAULT_DUP_FILL] = 0x03 | 0x08,
	[XR_FAULT_OVERFILL] = 0x03 | 0x08,
	[XR_FAULT_BAD_PRICE] = 0x03 | 0x08 | 0x40,
	[XR_FAULT_FOREIGN_REPORT] = 0x03 | 0x08,
};

/** fault.NAME = KIND start_ms=N end_ms=N [every_ms=N] [prob=P] [ratio=R] [extra_us=N]
 *  [factor=F] */
static int
xr__key_fault(struct xr__load *ld, struct xr_venue_cfg *v, const char *key, const char *value)
{
	static const char *const fields[7] = { "start_ms", "end_ms",   "every_ms", "prob",
					       "ratio",	   "extra_us", "factor" };
	const char *name = key + strlen("fault."), *cur = value, *item;
	struct xr_sim_fault_cfg f = { .kind = XR_FAULT_COUNT };
	int64_t x[7] = { 0, 0, 0, 0, 0, 0, 0 };
	unsigned have = 0;
	size_t len;
	char tok[128], why[200];

	if (!xr__valid_name(name, strlen(name), NULL))
		return xr__err(ld, ld->line, "[%s] %s: fault name \"%s\" must be 1..31 of "
			       "A-Z a-z 0-9 _ -", ld->label, key, name);
	if (v->n_faults == XR_SIM_MAX_FAULTS)
		return xr__err(ld, ld->line, "[%s] %s: more than %d faults", ld->label, key,
			       XR_SIM_MAX_FAULTS);
	item = xr__list_next(&cur, &len);
	if (item != NULL) {
		snprintf(tok, sizeof(tok), "%.*s", (int)len, item);
		for (const struct xr__word *w = xr__w_fault; w->word != NULL; w++)
			if (strcmp(w->word, tok) == 0)
				f.kind = (uint8_t)w->value;
	}
	if (f.kind == XR_FAULT_COUNT) {
		char list[160];
		xr__word_list(xr__w_fault, list, sizeof(list));
		return xr__kerr(ld, XR__HERE(ld), key, value,
				"does not start with a fault kind (one of: %s)", list);
	}
	while ((item = xr__list_next(&cur, &len)) != NULL) {
		const char *eq = memchr(item, '=', len);
		int i;
		if (len >= sizeof(tok))
			return xr__kerr(ld, XR__HERE(ld), key, value,
					"has a field longer than %zu characters", sizeof(tok) - 1);
		snprintf(tok, sizeof(tok), "%.*s", (int)len, item);
		for (i = 0; i < 7; i++)
			if (eq != NULL && (size_t)(eq - item) == strlen(fields[i]) &&
			    memcmp(item, fields[i], strlen(fields[i])) == 0)
				break;
		if (i == 7)
			return xr__kerr(ld, XR__HERE(ld), key, value,
					"has unknown field \"%s\" " XR__FAULT_FORM, tok);
		if (have & (1u << i))
			return xr__kerr(ld, XR__HERE(ld), key, value, "sets %s twice", fields[i]);
		const char *num = tok + strlen(fields[i]) + 1;
		int rc = i == 3 || i == 4
				 ? xr__num(num, 6, 0, 1000000, 0, &x[i], why, sizeof(why))
			 : i == 6 ? xr__num(num, 6, 1000000, 1000000000, 0, &x[i], why, sizeof(why))
				  : xr__num(num, 0, 0, 86400000, 0, &x[i], why, sizeof(why));
		if (rc != 0)
			return xr__kerr(ld, XR__HERE(ld), key, tok, "%s", why);
		if (!(xr__fault_needs[f.kind] & (1u << i)) && i != 2)
			return xr__kerr(ld, XR__HERE(ld), key, value, "%s does not apply to %s",
					fields[i], xr__word_name(xr__w_fault, f.kind));
		have |= 1u << i;
	}
	for (int i = 0; i < 7; i++)
		if ((xr__fault_needs[f.kind] & (1u << i)) && !(have & (1u << i)))
			return xr__kerr(ld, XR__HERE(ld), key, value, "lacks %s= " XR__FAULT_FORM,
					fields[i]);
	if (x[1] <= x[0])
		return xr__kerr(ld, XR__HERE(ld), key, value, "has end_ms <= start_ms");
	if ((have & 4) && x[2] < x[1] - x[0])
		return xr__kerr(ld, XR__HERE(ld), key, value,
				"has every_ms shorter than the window (end_ms - start_ms)");
	xr__name_copy(f.name, name, strlen(name));
	f.start_ns = (uint64_t)x[0] * 1000000;
	f.end_ns = (uint64_t)x[1] * 1000000;
	f.every_ns = (uint64_t)x[2] * 1000000;
	f.prob_ppm = (uint32_t)x[3];
	f.ratio_ppm = (uint32_t)x[4];
	f.extra_us = (uint32_t)x[5];
	f.factor_ppm = (uint32_t)x[6];
	struct xr_sim_fault_cfg *a = realloc(v->faults, (size_t)(v->n_faults + 1) * sizeof(*a));
	if (a == NULL)
		return xr__oom(ld);
	v->faults = a;
	a[v->n_faults++] = f;
	return 0;
}

/* time_in_force = day, gtc, ioc, fok (the TimeInForce values a FIX venue takes) */
static int
xr__key_tif(struct xr__load *ld, struct xr_venue_cfg *v, const char *value)
{
	static const struct xr__word tifs[] = {
		{ "day", XR_TIF_DAY }, { "gtc", XR_TIF_GTC }, { "ioc", XR_TIF_IOC },
		{ "fok", XR_TIF_FOK }, { NULL, 0 },
	};
	const char *cur = value, *item;
	size_t len;
	uint8_t mask = 0, t;
	char tok[16], why[120];

	while ((item = xr__list_next(&cur, &len)) != NULL) {
		snprintf(tok, sizeof(tok), "%.*s", (int)(len < 15 ? len : 15), item);
		if (len >= sizeof(tok) || xr__word(tifs, tok, &t, why, sizeof(why)) != 0)
			return xr__kerr(ld, XR__HERE(ld), "time_in_force", value,
					"has \"%.*s\", which is not one of day, gtc, ioc, fok",
					(int)len, item);
		mask |= (uint8_t)(1u << t);
	}
	if (mask == 0)
		return xr__kerr(ld, XR__HERE(ld), "time_in_force", value,
				"names no time in force (day, gtc, ioc, fok)");
	v->fix.tif_mask = mask;
	v->tif_set = true;
	return 0;
}

/* venue_symbol.SYMBOL = NAME (the venue's Symbol, 55); resolved after loading. */
static int
xr__key_venue_symbol(struct xr__load *ld, struct xr_venue_cfg *v, const char *key,
		     const char *value)
{
	const char *sym = key + strlen("venue_symbol.");
	size_t len = strlen(value);
	struct xr_fix_venue_cfg *f = &v->fix;

	if (!xr__valid_name(sym, strlen(sym), NULL))
		return xr__err(ld, ld->line, "[%s] %s: \"%s\" is not a symbol name", ld->label,
			       key, sym);
	if (len == 0 || len > XR_NAME_MAX || !xr__valid_name(value, len, "./:"))
		return xr__kerr(ld, XR__HERE(ld), key, value,
				"must be 1..%d of A-Z a-z 0-9 _ - . / :", XR_NAME_MAX);
	for (uint32_t i = 0; i < f->n_symbols; i++)
		if (strcmp(f->symbols[i].key, sym) == 0)
			return xr__err(ld, ld->line, "[%s] %s: set twice (first at line %" PRIu32
				       ")", ld->label, key, f->symbols[i].line);
	struct xr_venue_symbol *a = realloc(f->symbols, (size_t)(f->n_symbols + 1) * sizeof(*a));
	if (a == NULL)
		return xr__oom(ld);
	f->symbols = a;
	struct xr_venue_symbol *e = &a[f->n_symbols++];
	memset(e, 0, sizeof(*e));
	xr__name_copy(e->key, sym, strlen(sym));
	xr__name_copy(e->name, value, len);
	e->line = ld->line;
	return 0;
}

static int
xr__key_venue(struct xr__load *ld, const char *key, const char *value)
{
	struct xr_venue_cfg *v = &ld->cfg->venues[ld->cur];
	const struct xr__key *k;

	if (strncmp(key, "book.", 5) == 0)
		return xr__key_book(ld, v, key, value);
	if (strncmp(key, "fault.", 6) == 0)
		return xr__key_fault(ld, v, key, value);
	if (strncmp(key, "venue_symbol.", 13) == 0)
		return xr__key_venue_symbol(ld, v, key, value);
	if (strcmp(key, "time_in_force") == 0)
		return xr__key_tif(ld, v, value);
	k = xr__key_find(xr__venue_keys, key);
	if (k == NULL)
		return xr__unknown_key(ld, key);
	v->set_mask |= UINT32_C(1) << (k - xr__venue_keys);
	return xr__key_set(ld, k, v, value);
}

static int
xr__key_engine(struct xr__load *ld, const char *key, const char *value)
{
	const struct xr__key *k = xr__key_find(xr__engine_keys, key);

	if (k == NULL)
		return xr__unknown_key(ld, key);
	if (strcmp(key, "mode") == 0)
		ld->mode_line = ld->line;
	return xr__key_set(ld, k, &ld->cfg->engine, value);
}

/**
 * [strategy NAME] keys. The first weight_* key of the section zeroes the
 * default weight vector, so the section's weights replace it.
 */
static int
xr__key_strategy(struct xr__load *ld, const char *key, const char *value)
{
	struct xr_strategy_cfg *sc = &ld->cfg->engine.strategies[ld->cur];
	const struct xr__key *k = xr__key_find(xr__strategy_keys, key);
	uint32_t saved[XR_F_COUNT];

	if (k == NULL)
		return xr__unknown_key(ld, key);
	if (k->type != XR__T_WEIGHT)
		return xr__key_set(ld, k, sc, value);
	size_t f = (k->off - XR__S(w)) / sizeof(uint32_t);
	memcpy(saved, sc->w, sizeof(saved));
	if (ld->strat_w_set[ld->cur] == 0)
		memset(sc->w, 0, sizeof(sc->w));
	if (xr__key_set(ld, k, sc, value) != 0) {
		memcpy(sc->w, saved, sizeof(saved));
		return -1;
	}
	ld->strat_w_set[ld->cur] |= (uint16_t)(1u << f);
	return 0;
}

/** Check a stage name's form (execute.VENUE resolved at end of file). */
static bool
xr__stage_form(const char *s, size_t len)
{
	for (int i = 0; i < XR__N_FIXED_STAGES; i++)
		if (len == strlen(xr__fixed_stages[i]) && memcmp(s, xr__fixed_stages[i], len) == 0)
			return true;
	if (len < 9 || memcmp(s, "execute.", 8) != 0)
		return false;
	return (len == 9 && s[8] == '*') || xr__valid_name(s + 8, len - 8, NULL);
}

/** [threads] NAME.stages / NAME.cpu / NAME.wait */
static int
xr__key_thread(struct xr__load *ld, const char *key, const char *value)
{
	struct xr_config *cfg = ld->cfg;
	const char *dot = strrchr(key, '.');
	char why[200];

	if (dot == NULL ||
	    (strcmp(dot, ".stages") != 0 && strcmp(dot, ".cpu") != 0 && strcmp(dot, ".wait") != 0))
		return xr__err(ld, ld->line,
			       "[%s] %s: unknown key (expected NAME.stages, NAME.cpu or NAME.wait)",
			       ld->label, key);
	size_t nlen = (size_t)(dot - key);
	if (!xr__valid_name(key, nlen, NULL))
		return xr__err(ld, ld->line, "[%s] %s: thread name \"%.*s\" " XR__NAME_RULE,
			       ld->label, key, (int)nlen, key);

	uint32_t t;
	for (t = 0; t < cfg->n_threads; t++)
		if (strlen(cfg->threads[t].name) == nlen &&
		    memcmp(cfg->threads[t].name, key, nlen) == 0)
			break;
	if (t == cfg->n_threads) {
		if (t == XR_MAX_THREADS)
			return xr__err(ld, ld->line, "[%s] %s: too many threads (at most %d)",
				       ld->label, key, XR_MAX_THREADS);
		struct xr_thread_cfg *th = &cfg->threads[t];
		memset(th, 0, sizeof(*th));
		xr__name_copy(th->name, key, nlen);
		th->cpu = -1;
		th->wait = XR_WAIT_BACKOFF;
		ld->traw[t] = (struct xr__traw){ .line = ld->line };
		cfg->n_threads++;
	}
	struct xr_thread_cfg *th = &cfg->threads[t];

	if (strcmp(dot, ".cpu") == 0) {
		int64_t cpu;
		ld->traw[t].cpu_line = ld->line;
		if (strcmp(value, "none") == 0) {
			th->cpu = -1;
			return 0;
		}
		if (xr__num(value, 0, 0, 1023, 0, &cpu, why, sizeof(why)) != 0)
			return xr__kerr(ld, XR__HERE(ld), key, value, "%s (or none)", why);
		th->cpu = (int)cpu;
		return 0;
	}
	if (strcmp(dot, ".wait") == 0) {
		ld->traw[t].wait_line = ld->line;
		if (xr__word(xr__w_wait, value, &th->wait, why, sizeof(why)) != 0)
			return xr__kerr(ld, XR__HERE(ld), key, value, "%s", why);
		return 0;
	}
	const char *cur = value, *item;
	size_t len;
	while ((item = xr__list_next(&cur, &len)) != NULL) {
		char tok[XR_NAME_MAX + 10];
		snprintf(tok, sizeof(tok), "%.*s%s", (int)(len < 36 ? len : 36), item,
			 len < 36 ? "" : "...");
		if (!xr__stage_form(item, len))
			return xr__kerr(ld, XR__HERE(ld), key, tok,
					"is not a stage " XR__STAGE_FORM);
		if (th->n_stages == XR_MAX_STAGES_PER_THREAD)
			return xr__kerr(ld, XR__HERE(ld), key, value, "lists more than %d stages",
					XR_MAX_STAGES_PER_THREAD);
		memcpy(th->stages[th->n_stages], item, len);
		th->stages[th->n_stages++][len] = '\0';
	}
	if (th->n_stages == 0)
		return xr__kerr(ld, XR__HERE(ld), key, value, "names no stage " XR__STAGE_FORM);
	ld->traw[t].stages_line = ld->line;
	return 0;
}

/**
 * primary_venue, failover_venues, auto_failover (venue plans: users and
 * symbols). @return 0 taken, 1 not a plan key, -1 error.
 */
static int
xr__key_plan(struct xr__load *ld, struct xr__praw *p, const char *key, const char *value)
{
	char why[200];
	uint8_t w;

	if (strcmp(key, "auto_failover") == 0) {
		if (xr__word(xr__w_bool, value, &w, why, sizeof(why)) != 0)
			return xr__kerr(ld, XR__HERE(ld), key, value, "%s", why);
		p->auto_failover = w != 0;
		p->auto_line = ld->line;
		return 0;
	}
	bool primary = strcmp(key, "primary_venue") == 0;
	if (!primary && strcmp(key, "failover_venues") != 0)
		return 1;
	char *copy = strdup(value);
	if (copy == NULL)
		return xr__oom(ld);
	*(primary ? &p->primary : &p->failovers) = copy;
	*(primary ? &p->primary_line : &p->failovers_line) = ld->line;
	return 0;
}

/** Keys of [symbol NAME]. */
static int
xr__key_symbol(struct xr__load *ld, const char *key, const char *value)
{
	int rc = xr__key_plan(ld, &ld->sraw[ld->cur].plan, key, value);

	return rc == 1 ? xr__unknown_key(ld, key) : rc;
}

/** Keys of [user NAME] and [user_defaults]. */
static int
xr__key_user(struct xr__load *ld, struct xr__uraw *r, const char *key, const char *value)
{
	char why[200];
	int64_t x;
	uint8_t w;
	int rc = xr__key_plan(ld, &r->plan, key, value);

	if (rc != 1)
		return rc;

	if (strcmp(key, "enabled") == 0) {
		if (xr__word(xr__w_bool, value, &w, why, sizeof(why)) != 0)
			return xr__kerr(ld, XR__HERE(ld), key, value, "%s", why);
		r->enabled = w != 0;
		r->set |= XR__U_ENABLED;
		return 0;
	}
	if (strcmp(key, "strategy") == 0) {
		if (xr__word(xr__w_user_strategy, value, &r->strategy, why, sizeof(why)) != 0)
			return xr__kerr(ld, XR__HERE(ld), key, value, "%s", why);
		r->set |= XR__U_STRATEGY;
		return 0;
	}
	if (strcmp(key, "venues") == 0 || strcmp(key, "symbols") == 0) {
		bool venues = key[0] == 'v';
		char *copy = strdup(value);
		if (copy == NULL)
			return xr__oom(ld);
		*(venues ? &r->venues : &r->symbols) = copy;
		*(venues ? &r->venues_line : &r->symbols_line) = ld->line;
		return 0;
	}
	if (strcmp(key, "rate_per_s") == 0 || strcmp(key, "burst") == 0) {
		if (xr__num(value, 0, 1, XR__USER_RATE_MAX, 0, &x, why, sizeof(why)) != 0)
			return xr__kerr(ld, XR__HERE(ld), key, value, "%s", why);
		if (key[0] == 'r') {
			r->rate_per_s = (uint32_t)x;
			r->set |= XR__U_RATE;
		} else {
			r->burst = (uint32_t)x;
			r->set |= XR__U_BURST;
		}
		return 0;
	}

	/* Limits: cash or qty, > 0 or none. */
	bool notional = strcmp(key, "max_notional") == 0;
	bool oq = strncmp(key, "max_order_qty", 13) == 0 && (key[13] == '\0' || key[13] == '.');
	bool pos = strncmp(key, "max_position", 12) == 0 && (key[12] == '\0' || key[12] == '.');
	const char *sym = oq ? key + 13 : pos ? key + 12 : "";
	if (!notional && !oq && !pos)
		return xr__unknown_key(ld, key);
	if (xr__num(value, 8, 1, INT64_MAX, XR__NONE_OK, &x, why, sizeof(why)) != 0)
		return xr__kerr(ld, XR__HERE(ld), key, value, "%s", why);
	if (notional) {
		r->max_notional = x;
		r->set |= XR__U_NOTIONAL;
	} else if (*sym == '\0') {
		*(oq ? &r->max_order_qty : &r->max_position) = x;
		r->set |= oq ? XR__U_ORDER_QTY : XR__U_POSITION;
	} else {
		sym++;
		if (!xr__valid_name(sym, strlen(sym), "./"))
			return xr__err(ld, ld->line, "[%s] %s: symbol \"%s\" " XR__SYMBOL_RULE,
				       ld->label, key, sym);
		struct xr__lim *l = realloc(r->lims, (r->n_lims + 1) * sizeof(*l));
		if (l == NULL)
			return xr__oom(ld);
		r->lims = l;
		l = &l[r->n_lims++];
		xr__name_copy(l->symbol, sym, strlen(sym));
		l->qty = x;
		l->line = ld->line;
		l->position = pos;
	}
	return 0;
}

/** ini_handler: one key of the current section (ld->sect, ld->label). */
static int
xr__handler(void *user, const char *section, const char *name, const char *value)
{
	struct xr__load *ld = user;
	int rc;

	(void)section; /* the reader tracks sections, including empty ones */
	if (ld->failed)
		return 0;
	if (ld->long_value != NULL && strcmp(value, XR__LONG_MARK) == 0)
		value = ld->long_value;
	if (ld->sect == XR__S_NONE) {
		xr__err(ld, ld->line, "%s: key before any [section]", name);
		return 0;
	}
	if (xr__seen_add(ld, name) != 0)
		return 0;
	switch (ld->sect) {
	case XR__S_ENGINE: rc = xr__key_engine(ld, name, value); break;
	case XR__S_THREADS: rc = xr__key_thread(ld, name, value); break;
	case XR__S_VENUE: rc = xr__key_venue(ld, name, value); break;
	case XR__S_USER_DEFAULTS: rc = xr__key_user(ld, &ld->defaults, name, value); break;
	case XR__S_USER: rc = xr__key_user(ld, &ld->uraw[ld->cur], name, value); break;
	case XR__S_STRATEGY: rc = xr__key_strategy(ld, name, value); break;
	case XR__S_SYMBOL: rc = xr__key_symbol(ld, name, value); break;
	default: rc = -1; break;
	}
	return rc == 0;
}

/* ------------------------------------------------------------------ */
/* Whole-file checks. */

/*
 * Keys of one connector kind set on a venue of another, and the keys a FIX
 * venue needs; venue_symbol keys resolved to symbol ids of the venue's books.
 */
static int
xr__check_connector_keys(struct xr__load *ld, struct xr_venue_cfg *v)
{
	bool fix = strcmp(v->connector, "fix") == 0;
	struct xr_fix_venue_cfg *f = &v->fix;

	for (const struct xr__key *k = xr__venue_keys; k->name != NULL; k++) {
		unsigned other = fix ? XR__SIM : XR__FIX;
		if ((k->flags & other) && (v->set_mask & (UINT32_C(1) << (k - xr__venue_keys))))
			return xr__err(ld, v->line, "[venue %s]: %s applies only to connector = %s",
				       v->name, k->name, fix ? "sim" : "fix");
	}
	if (!fix) {
		if (f->n_symbols > 0 || v->tif_set)
			return xr__err(ld, v->line, "[venue %s]: %s applies only to connector = fix",
				       v->name, f->n_symbols > 0 ? "venue_symbol" : "time_in_force");
		return 0;
	}
	if (v->n_faults > 0)
		return xr__err(ld, v->line, "[venue %s]: fault.%s applies only to connector = sim",
			       v->name, v->faults[0].name);
	const char *missing = f->host[0] == '\0'	       ? "host"
			      : f->port == 0		       ? "port"
			      : f->sender_comp_id[0] == '\0' ? "sender_comp_id"
			      : f->target_comp_id[0] == '\0' ? "target_comp_id"
							       : NULL;
	if (missing != NULL)
		return xr__err(ld, v->line, "[venue %s]: connector = fix needs %s", v->name,
			       missing);
	if (f->reconnect_max_ms < f->reconnect_min_ms)
		return xr__err(ld, v->line, "[venue %s]: reconnect_max_ms is below reconnect_min_ms",
			       v->name);
	for (uint32_t i = 0; i < f->n_symbols; i++) {
		struct xr_venue_symbol *e = &f->symbols[i];
		uint32_t b = 0;
		for (; b < v->n_books; b++)
			if (strcmp(ld->cfg->symbols[v->books[b].symbol], e->key) == 0)
				break;
		if (b == v->n_books)
			return xr__err(ld, e->line, "[venue %s] venue_symbol.%s: the venue has no "
				       "book.%s", v->name, e->key, e->key);
		e->symbol = v->books[b].symbol;
	}
	return 0;
}

static int
xr__check_venues(struct xr__load *ld)
{
	struct xr_config *cfg = ld->cfg;

	if (cfg->n_venues == 0)
		return xr__err(ld, 0, "no venue (a [venue NAME] section is needed)");
	for (uint32_t i = 0; i < cfg->n_venues; i++) {
		if (cfg->venues[i].n_books == 0)
			return xr__err(
				ld, cfg->venues[i].line,
				"[venue %s]: no book.SYMBOL key (a venue needs at least one book)",
				cfg->venues[i].name);
		if (xr__check_connector_keys(ld, &cfg->venues[i]) != 0)
			return -1;
	}
	return 0;
}

static int
xr__check_weights(struct xr__load *ld)
{
	const struct xr_engine_cfg *e = &ld->cfg->engine;
	int64_t sum = (int64_t)e->w_fees + e->w_latency + e->w_success + e->w_load + e->w_pair;
	char s[24];

	if (sum == XR_WEIGHT_ONE)
		return 0;
	xr_fixed_format(s, sum, 4);
	return xr__err(ld, ld->engine_line,
		       "[engine]: weight_fees + weight_latency + weight_success + weight_load + "
		       "weight_pair = %s, must be exactly 1",
		       s);
}

/**
 * Strategies at end of file: weighted_score takes the [engine] weight_*
 * keys unless its section set a weight; every strategy's weights sum to 1.
 * Runs after xr__check_weights.
 */
static int
xr__check_strategies(struct xr__load *ld)
{
	struct xr_engine_cfg *e = &ld->cfg->engine;

	if (ld->strat_w_set[XR_STRAT_WEIGHTED_SCORE] == 0) {
		uint32_t *w = e->strategies[XR_STRAT_WEIGHTED_SCORE].w;
		memset(w, 0, XR_F_COUNT * sizeof(*w));
		w[XR_F_FEES] = e->w_fees;
		w[XR_F_LATENCY] = e->w_latency;
		w[XR_F_SUCCESS] = e->w_success;
		w[XR_F_LOAD] = e->w_load;
		w[XR_F_PAIR] = e->w_pair;
	}
	for (int s = XR_STRAT_DEFAULT + 1; s < XR_STRAT_COUNT; s++) {
		const struct xr_strategy_cfg *sc = &e->strategies[s];
		char keys[256], sum_text[24];
		size_t n = 0;
		int64_t sum = 0;

		for (int f = 0; f < XR_F_COUNT; f++)
			sum += sc->w[f];
		if (sum == XR_WEIGHT_ONE)
			continue;
		/* Only a section's own weights can miss: name the keys it set. */
		keys[0] = '\0';
		for (int f = 0; f < XR_F_COUNT && n < sizeof(keys); f++)
			if ((ld->strat_w_set[s] >> f) & 1u)
				n += (size_t)snprintf(keys + n, sizeof(keys) - n, "%s%s",
						      n ? " + " : "", xr__strategy_keys[f].name);
		xr_fixed_format(sum_text, sum, 4);
		return xr__err(ld, sc->line,
			       "[strategy %s]: %s = %s, must be exactly 1 (weights not set in "
			       "the section are 0)",
			       xr_strategy_name((enum xr_strategy)s), keys, sum_text);
	}
	return 0;
}

/**
 * The default plan, used when the file has no [threads] section: two
 * threads for two cores. A third, unpinned output thread measured worse on
 * 2 vCPUs (it preempts a pinned thread for a whole CFS slice); deployments
 * with spare cores move `output` to a thread of its own (docs/config.md).
 */
static void
xr__default_threads(struct xr_config *cfg)
{
	static const struct {
		const char *name;
		int cpu;
		const char *stages[3];
	} plan[2] = {
		{ "front", 0, { "ingress", "validate", "route" } },
		{ "back", 1, { "execute.*", "aggregate", "output" } },
	};

	cfg->n_threads = 2;
	for (int t = 0; t < 2; t++) {
		struct xr_thread_cfg *th = &cfg->threads[t];
		memset(th, 0, sizeof(*th));
		snprintf(th->name, sizeof(th->name), "%s", plan[t].name);
		th->cpu = plan[t].cpu;
		th->wait = XR_WAIT_BACKOFF;
		for (int s = 0; s < 3 && plan[t].stages[s] != NULL; s++)
			snprintf(th->stages[th->n_stages++], sizeof(th->stages[0]), "%s",
				 plan[t].stages[s]);
	}
}

/**
 * Every stage run by exactly one thread; execute.* expanded in place into
 * the venues no thread names, in venue order.
 */
static int
xr__check_threads(struct xr__load *ld)
{
	struct xr_config *cfg = ld->cfg;
	int fixed_owner[XR__N_FIXED_STAGES], venue_owner[XR_MAX_VENUES];
	int star_owner = -1, star_pos = -1;
	bool plan_given = ld->threads_line != 0;
	uint32_t line;
	char label[] = "threads";

	for (int i = 0; i < XR__N_FIXED_STAGES; i++)
		fixed_owner[i] = -1;
	for (int i = 0; i < XR_MAX_VENUES; i++)
		venue_owner[i] = -1;
	if (!plan_given)
		xr__default_threads(cfg);

	for (uint32_t t = 0; t < cfg->n_threads; t++) {
		struct xr_thread_cfg *th = &cfg->threads[t];
		char key[XR_NAME_MAX + 8];
		snprintf(key, sizeof(key), "%s.stages", th->name);
		line = plan_given ? ld->traw[t].stages_line : 0;
		if (plan_given && line == 0)
			return xr__err(ld, ld->traw[t].line,
				       "[threads] %s: no %s key (thread %s runs no stage)",
				       th->name, key, th->name);
		for (uint32_t s = 0; s < th->n_stages; s++) {
			const char *st = th->stages[s];
			int *owner;
			if (strcmp(st, "execute.*") == 0) {
				owner = &star_owner;
				star_pos = (int)s;
			} else if (strncmp(st, "execute.", 8) == 0) {
				int v = xr_config_venue_id(cfg, st + 8);
				if (v < 0)
					return xr__kerr(ld, line, label, key, st, "names no venue");
				owner = &venue_owner[v];
			} else {
				int f = 0;
				while (strcmp(xr__fixed_stages[f], st) != 0)
					f++;
				owner = &fixed_owner[f];
			}
			if (*owner == (int)t)
				return xr__kerr(ld, line, label, key, st, "is listed twice");
			if (*owner >= 0)
				return xr__kerr(ld, line, label, key, st,
						"is also run by thread %s (line %" PRIu32 ")",
						cfg->threads[*owner].name,
						ld->traw[*owner].stages_line);
			*owner = (int)t;
		}
	}
	line = ld->threads_line;
	for (int f = 0; f < XR__N_FIXED_STAGES; f++)
		if (fixed_owner[f] < 0)
			return xr__err(ld, line, "[threads]: stage %s is run by no thread",
				       xr__fixed_stages[f]);
	if (star_owner < 0) {
		for (uint32_t v = 0; v < cfg->n_venues; v++)
			if (venue_owner[v] < 0)
				return xr__err(ld, line,
					       "[threads]: stage execute.%s is run by no thread "
					       "(name it, or use execute.*)",
					       cfg->venues[v].name);
		return 0;
	}

	/* Expand execute.* at star_pos of its thread. */
	struct xr_thread_cfg *th = &cfg->threads[star_owner];
	uint32_t add = 0;
	for (uint32_t v = 0; v < cfg->n_venues; v++)
		add += venue_owner[v] < 0;
	if (th->n_stages - 1 + add > XR_MAX_STAGES_PER_THREAD)
		return xr__err(ld, plan_given ? ld->traw[star_owner].stages_line : 0,
			       "[threads] %s.stages: execute.* makes %" PRIu32
			       " stages, more than %d",
			       th->name, th->n_stages - 1 + add, XR_MAX_STAGES_PER_THREAD);
	uint32_t tail = th->n_stages - (uint32_t)star_pos - 1;
	memmove(th->stages[star_pos + (int)add], th->stages[star_pos + 1],
		tail * sizeof(th->stages[0]));
	uint32_t at = (uint32_t)star_pos;
	for (uint32_t v = 0; v < cfg->n_venues; v++)
		if (venue_owner[v] < 0)
			snprintf(th->stages[at++], sizeof(th->stages[0]), "execute.%s",
				 cfg->venues[v].name);
	th->n_stages = th->n_stages - 1 + add;
	return 0;
}

/**
 * mode = colocated: every thread pinned, every wait busy_spin (forced where
 * the file gives no NAME.wait); lock_memory follows the mode unless given.
 * Runs after xr__check_threads (the default plan is in place).
 */
static int
xr__check_mode(struct xr__load *ld)
{
	struct xr_config *cfg = ld->cfg;
	struct xr_engine_cfg *ec = &cfg->engine;
	bool colocated = ec->mode == XR_MODE_COLOCATED;

	if (ec->lock_memory == XR__LOCK_MEMORY_AUTO)
		ec->lock_memory = colocated ? XR_LOCK_MEMORY_TRUE : XR_LOCK_MEMORY_FALSE;
	if (!colocated)
		return 0;
	for (uint32_t t = 0; t < cfg->n_threads; t++) {
		struct xr_thread_cfg *th = &cfg->threads[t];
		const struct xr__traw *raw = &ld->traw[t];
		char key[XR_NAME_MAX + 8];

		if (th->cpu < 0) {
			snprintf(key, sizeof(key), "%s.cpu", th->name);
			if (raw->cpu_line != 0)
				return xr__kerr(ld, raw->cpu_line, "threads", key, "none",
						"is not allowed with mode = colocated ([engine] "
						"line %" PRIu32 "): every thread is pinned to a CPU",
						ld->mode_line);
			return xr__err(ld, raw->line,
				       "[threads] %s: missing: mode = colocated ([engine] line "
				       "%" PRIu32 ") pins every thread to a CPU; give thread %s one",
				       key, ld->mode_line, th->name);
		}
		if (raw->wait_line != 0 && th->wait != XR_WAIT_BUSY_SPIN) {
			snprintf(key, sizeof(key), "%s.wait", th->name);
			return xr__kerr(ld, raw->wait_line, "threads", key,
					xr__word_name(xr__w_wait, th->wait),
					"is not allowed with mode = colocated ([engine] line "
					"%" PRIu32 "): colocated threads busy-spin (write busy_spin "
					"or remove the key)",
					ld->mode_line);
		}
		th->wait = XR_WAIT_BUSY_SPIN;
	}
	return 0;
}

/** Resolve a venues list into a mask; errors name @p label and @p line. */
static int
xr__venue_list(struct xr__load *ld, const char *label, uint32_t line, const char *list,
	       uint64_t *mask)
{
	const struct xr_config *cfg = ld->cfg;
	const char *cur = list, *item;
	size_t len;
	uint64_t m = 0;
	bool star = false, named = false;

	while ((item = xr__list_next(&cur, &len)) != NULL) {
		char name[XR_NAME_MAX + 4];
		if (len == 1 && *item == '*') {
			star = true;
			m = cfg->n_venues == 64 ? UINT64_MAX : (UINT64_C(1) << cfg->n_venues) - 1;
			continue;
		}
		named = true;
		snprintf(name, sizeof(name), "%.*s%s",
			 (int)(len <= XR_NAME_MAX ? len : XR_NAME_MAX), item,
			 len <= XR_NAME_MAX ? "" : "...");
		int v = len <= XR_NAME_MAX ? xr_config_venue_id(cfg, name) : -1;
		if (v < 0)
			return xr__kerr(ld, line, label, "venues", name, "is not a venue");
		m |= UINT64_C(1) << v;
	}
	if (!star && !named)
		return xr__kerr(ld, line, label, "venues", list, "names no venue (use * for all)");
	if (star && named)
		return xr__kerr(ld, line, label, "venues", list, "mixes * with names");
	*mask = m;
	return 0;
}

/** Resolve a symbols list into bits. */
static int
xr__symbol_list(struct xr__load *ld, const char *label, uint32_t line, const char *list,
		uint64_t bits[XR_MAX_SYMBOLS / 64])
{
	const struct xr_config *cfg = ld->cfg;
	const char *cur = list, *item;
	size_t len;
	bool any = false, star = false, named = false;

	memset(bits, 0, XR_MAX_SYMBOLS / 8);
	while ((item = xr__list_next(&cur, &len)) != NULL) {
		char name[XR_NAME_MAX + 4];
		any = true;
		if (len == 1 && *item == '*') {
			star = true;
			for (uint32_t s = 0; s < cfg->n_symbols; s++)
				bits[s / 64] |= UINT64_C(1) << (s % 64);
			continue;
		}
		named = true;
		snprintf(name, sizeof(name), "%.*s%s",
			 (int)(len <= XR_NAME_MAX ? len : XR_NAME_MAX), item,
			 len <= XR_NAME_MAX ? "" : "...");
		int64_t s = len <= XR_NAME_MAX ? xr__index_find(&ld->symbols_ix, cfg->symbols[0],
								sizeof(*cfg->symbols), name)
					       : -1;
		if (s < 0)
			return xr__kerr(ld, line, label, "symbols", name,
					"is not a symbol (no venue has book.%s)", name);
		bits[s / 64] |= UINT64_C(1) << (s % 64);
	}
	if (!any)
		return xr__kerr(ld, line, label, "symbols", list,
				"names no symbol (use * for all)");
	if (star && named)
		return xr__kerr(ld, line, label, "symbols", list, "mixes * with names");
	return 0;
}

/**
 * Fill a user's limit arrays: per-symbol keys of @p r, else @p r's bare
 * value, else @p base (NULL: unlimited).
 */
static int
xr__limits(struct xr__load *ld, const char *label, const struct xr__uraw *r, const int64_t *base_oq,
	   const int64_t *base_pos, int64_t *oq, int64_t *pos)
{
	const struct xr_config *cfg = ld->cfg;

	for (uint32_t s = 0; s < cfg->n_symbols; s++) {
		oq[s] = (r->set & XR__U_ORDER_QTY) ? r->max_order_qty
			: base_oq                  ? base_oq[s]
						   : INT64_MAX;
		pos[s] = (r->set & XR__U_POSITION) ? r->max_position
			 : base_pos                ? base_pos[s]
						   : INT64_MAX;
	}
	for (uint32_t i = 0; i < r->n_lims; i++) {
		const struct xr__lim *l = &r->lims[i];
		int64_t s = xr__index_find(&ld->symbols_ix, cfg->symbols[0], sizeof(*cfg->symbols),
					   l->symbol);
		if (s < 0)
			return xr__err(ld, l->line,
				       "[%s] %s.%s: \"%s\" is not a symbol (no venue has book.%s)",
				       label, l->position ? "max_position" : "max_order_qty",
				       l->symbol, l->symbol, l->symbol);
		(l->position ? pos : oq)[s] = l->qty;
	}
	return 0;
}

/** Append venue @p name of key @p key to @p out; checks the user's mask. */
static int
xr__plan_add(struct xr__load *ld, const char *label, uint32_t line, const char *key,
	     const char *item, size_t len, uint64_t allowed, struct xr_venue_plan *out)
{
	char name[XR_NAME_MAX + 4];

	snprintf(name, sizeof(name), "%.*s%s", (int)(len <= XR_NAME_MAX ? len : XR_NAME_MAX),
		 item, len <= XR_NAME_MAX ? "" : "...");
	int v = len <= XR_NAME_MAX ? xr_config_venue_id(ld->cfg, name) : -1;
	if (v < 0)
		return xr__kerr(ld, line, label, key, name, "is not a venue");
	if (!((allowed >> v) & 1))
		return xr__kerr(ld, line, label, key, name,
				"is not among the user's venues (the venues key)");
	for (unsigned i = 0; i < out->n; i++)
		if (out->venue[i] == v)
			return xr__kerr(ld, line, label, key, name,
					"is already in the plan (primary_venue, failover_venues)");
	if (out->n == XR_PLAN_MAX)
		return xr__kerr(ld, line, label, key, name,
				"makes the plan longer than %d venues", XR_PLAN_MAX);
	out->venue[out->n++] = (uint8_t)v;
	return 0;
}

/**
 * Resolve a venue plan: @p r's keys, else @p d's (defaults; NULL = none).
 * failover_venues needs a primary_venue unless @p partial ([user_defaults]
 * checked alone: its users may give the primary); venues must be allowed
 * by @p allowed. auto_failover defaults to true.
 */
static int
xr__plan_resolve(struct xr__load *ld, const char *label, const struct xr__praw *r,
		 const struct xr__praw *d, uint64_t allowed, bool partial,
		 struct xr_venue_plan *out)
{
	const char *primary = r->primary ? r->primary : d ? d->primary : NULL;
	const char *fail = r->failovers ? r->failovers : d ? d->failovers : NULL;
	uint32_t pline = r->primary ? r->primary_line : d ? d->primary_line : 0;
	uint32_t fline = r->failovers ? r->failovers_line : d ? d->failovers_line : 0;
	const char *cur, *item;
	size_t len;

	memset(out, 0, sizeof(*out));
	out->auto_failover = r->auto_line ? r->auto_failover
			     : d && d->auto_line ? d->auto_failover : true;
	if (primary == NULL) {
		if (fail != NULL && !partial)
			return xr__kerr(ld, fline, label, "failover_venues", fail,
					"needs a primary_venue");
		for (cur = fail; fail != NULL && (item = xr__list_next(&cur, &len)) != NULL;)
			if (xr__plan_add(ld, label, fline, "failover_venues", item, len, allowed,
					 out))
				return -1;
		return 0;
	}
	cur = primary;
	item = xr__list_next(&cur, &len);
	if (item == NULL || xr__list_next(&cur, &len) != NULL)
		return xr__kerr(ld, pline, label, "primary_venue", primary,
				"must name exactly one venue");
	cur = primary;
	item = xr__list_next(&cur, &len);
	if (xr__plan_add(ld, label, pline, "primary_venue", item, len, allowed, out))
		return -1;
	for (cur = fail; fail != NULL && (item = xr__list_next(&cur, &len)) != NULL;)
		if (xr__plan_add(ld, label, fline, "failover_venues", item, len, allowed, out))
			return -1;
	return 0;
}

/** [symbol NAME] sections: their symbols exist; their plans resolve. */
static int
xr__resolve_symbols(struct xr__load *ld)
{
	struct xr_config *cfg = ld->cfg;
	uint64_t all = cfg->n_venues == 64 ? UINT64_MAX : (UINT64_C(1) << cfg->n_venues) - 1;
	char label[XR_NAME_MAX + 8];

	cfg->symbol_plans = calloc(cfg->n_symbols ? cfg->n_symbols : 1, sizeof(*cfg->symbol_plans));
	if (cfg->symbol_plans == NULL)
		return xr__oom(ld);
	for (uint32_t i = 0; i < ld->n_sraw; i++) {
		const struct xr__sraw *r = &ld->sraw[i];
		int64_t s = xr__index_find(&ld->symbols_ix, cfg->symbols[0], sizeof(*cfg->symbols),
					   r->name);
		if (s < 0)
			return xr__err(ld, r->line,
				       "[symbol %s]: \"%s\" is not a symbol (no venue has book.%s)",
				       r->name, r->name, r->name);
		snprintf(label, sizeof(label), "symbol %s", r->name);
		if (xr__plan_resolve(ld, label, &r->plan, NULL, all, false, &cfg->symbol_plans[s]))
			return -1;
	}
	return 0;
}

static int
xr__resolve_users(struct xr__load *ld)
{
	struct xr_config *cfg = ld->cfg;
	const struct xr__uraw *d = &ld->defaults;
	uint32_t ns = cfg->n_symbols;
	char label[XR_NAME_MAX + 8];

	if (cfg->n_users == 0)
		return xr__err(ld, 0, "no user (a [user NAME] section is needed)");

	ld->def_venue_mask = cfg->n_venues == 64 ? UINT64_MAX : (UINT64_C(1) << cfg->n_venues) - 1;
	for (uint32_t s = 0; s < ns; s++)
		ld->def_symbol_bits[s / 64] |= UINT64_C(1) << (s % 64);
	if (d->venues != NULL &&
	    xr__venue_list(ld, "user_defaults", d->venues_line, d->venues, &ld->def_venue_mask))
		return -1;
	if (d->symbols != NULL &&
	    xr__symbol_list(ld, "user_defaults", d->symbols_line, d->symbols, ld->def_symbol_bits))
		return -1;
	/* The defaults' plan on its own, so a bad one is reported even when
	 * every user overrides it. */
	struct xr_venue_plan def_plan;
	if (xr__plan_resolve(ld, "user_defaults", &d->plan, NULL, ld->def_venue_mask, true,
			     &def_plan))
		return -1;
	ld->def_order_qty = malloc(ns * sizeof(int64_t));
	ld->def_position = malloc(ns * sizeof(int64_t));
	if (ld->def_order_qty == NULL || ld->def_position == NULL)
		return xr__err(ld, 0, "out of memory");
	if (xr__limits(ld, "user_defaults", d, NULL, NULL, ld->def_order_qty, ld->def_position))
		return -1;

	for (uint32_t i = 0; i < cfg->n_users; i++) {
		struct xr_user_cfg *u = &cfg->users[i];
		const struct xr__uraw *r = &ld->uraw[i];
		snprintf(label, sizeof(label), "user %s", u->name);

#define XR__PICK(bit, field, builtin)                                                              \
	((r->set & (bit)) ? r->field : (d->set & (bit)) ? d->field : (builtin))
		u->enabled = XR__PICK(XR__U_ENABLED, enabled, true);
		u->rate_per_s = XR__PICK(XR__U_RATE, rate_per_s, XR__USER_RATE_DEF);
		u->burst = XR__PICK(XR__U_BURST, burst, XR__USER_BURST_DEF);
		u->max_notional = XR__PICK(XR__U_NOTIONAL, max_notional, INT64_MAX);
		u->strategy = XR__PICK(XR__U_STRATEGY, strategy, XR_STRAT_DEFAULT);
#undef XR__PICK
		u->venue_mask = ld->def_venue_mask;
		memcpy(u->symbol_bits, ld->def_symbol_bits, sizeof(u->symbol_bits));
		if (r->venues != NULL &&
		    xr__venue_list(ld, label, r->venues_line, r->venues, &u->venue_mask))
			return -1;
		if (r->symbols != NULL &&
		    xr__symbol_list(ld, label, r->symbols_line, r->symbols, u->symbol_bits))
			return -1;
		/* A user with no plan key of its own takes the defaults' plan
		 * as resolved once, when its venues allow it (else resolving
		 * names the error); a million users do not re-read its lists. */
		bool own = r->plan.primary || r->plan.failovers || r->plan.auto_line;
		uint64_t plan_mask = 0;
		for (unsigned k = 0; k < def_plan.n; k++)
			plan_mask |= UINT64_C(1) << def_plan.venue[k];
		if (!own && d->plan.primary != NULL && (plan_mask & ~u->venue_mask) == 0)
			u->plan = def_plan;
		else if (xr__plan_resolve(ld, label, &r->plan, &d->plan, u->venue_mask, false,
					  &u->plan))
			return -1;
		if (r->n_lims == 0 && !(r->set & (XR__U_ORDER_QTY | XR__U_POSITION))) {
			u->max_order_qty = ld->def_order_qty;
			u->max_position = ld->def_position;
			u->own_limits = false;
			ld->def_shared = true;
			continue;
		}
		u->max_order_qty = malloc(ns * sizeof(int64_t));
		u->max_position = malloc(ns * sizeof(int64_t));
		u->own_limits = true;
		if (u->max_order_qty == NULL || u->max_position == NULL)
			return xr__err(ld, 0, "out of memory");
		if (xr__limits(ld, label, r, ld->def_order_qty, ld->def_position, u->max_order_qty,
			       u->max_position))
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Load and free. */

static void
xr__config_destroy(struct xr_config *cfg, int64_t *shared_oq, int64_t *shared_pos)
{
	for (uint32_t i = 0; i < cfg->n_venues; i++) {
		free(cfg->venues[i].books);
		free(cfg->venues[i].faults);
		free(cfg->venues[i].fix.symbols);
	}
	free(cfg->venues);
	for (uint32_t i = 0; i < cfg->n_users; i++) {
		if (cfg->users[i].own_limits) {
			free(cfg->users[i].max_order_qty);
			free(cfg->users[i].max_position);
		}
	}
	free(shared_oq);
	free(shared_pos);
	free(cfg->users);
	free(cfg->symbols);
	free(cfg->symbol_plans);
	free(cfg->threads);
	free(cfg);
}

static void
xr__praw_free(struct xr__praw *p)
{
	free(p->primary);
	free(p->failovers);
}

static void
xr__uraw_free(struct xr__uraw *r)
{
	free(r->venues);
	free(r->symbols);
	free(r->lims);
	xr__praw_free(&r->plan);
}

struct xr_config *
xr_config_load(const char *path, char *err, size_t err_len)
{
	struct xr__load ld = { .path = path };
	struct xr_config *cfg = calloc(1, sizeof(*cfg));
	int rc;

	ld.cfg = cfg;
	if (cfg == NULL || (cfg->threads = calloc(XR_MAX_THREADS, sizeof(*cfg->threads))) == NULL) {
		xr__err(&ld, 0, "out of memory");
		goto out;
	}
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	xr__keys_default(xr__engine_keys, &cfg->engine);
	for (int s = 0; s < XR_STRAT_COUNT; s++)
		xr_strategy_defaults((enum xr_strategy)s, &cfg->engine.strategies[s]);

	ld.f = fopen(path, "r");
	if (ld.f == NULL) {
		xr__err(&ld, 0, "cannot open: %s", strerror(errno));
		goto out;
	}
	rc = ini_parse_stream(xr__read_line, &ld, xr__handler, &ld);
	if (rc > 0 && (!ld.failed || (uint32_t)rc < ld.err_line)) {
		/* inih found a malformed line before any error of ours. */
		ld.failed = false;
		xr__err(&ld, (uint32_t)rc, "syntax error");
	} else if (rc == -2) {
		xr__err(&ld, 0, "out of memory");
	}
	if (!ld.failed && ferror(ld.f))
		xr__err(&ld, ld.line, "read error");
	fclose(ld.f);

	if (!ld.failed && xr__check_venues(&ld) == 0 && xr__check_weights(&ld) == 0 &&
	    xr__check_strategies(&ld) == 0 && xr__check_threads(&ld) == 0 &&
	    xr__check_mode(&ld) == 0 && xr__resolve_symbols(&ld) == 0)
		xr__resolve_users(&ld);
out:
	free(ld.buf);
	free(ld.seen);
	free(ld.users_ix.slot);
	free(ld.symbols_ix.slot);
	xr__uraw_free(&ld.defaults);
	if (cfg != NULL)
		for (uint32_t i = 0; i < cfg->n_users; i++)
			xr__uraw_free(&ld.uraw[i]);
	free(ld.uraw);
	for (uint32_t i = 0; i < ld.n_sraw; i++)
		xr__praw_free(&ld.sraw[i].plan);
	free(ld.sraw);
	if (ld.failed) {
		if (err != NULL && err_len > 0)
			snprintf(err, err_len, "%s", ld.err);
		if (cfg != NULL)
			xr__config_destroy(cfg, ld.def_order_qty, ld.def_position);
		return NULL;
	}
	if (!ld.def_shared) {
		free(ld.def_order_qty);
		free(ld.def_position);
	}
	return cfg;
}

void
xr_config_free(struct xr_config *cfg)
{
	int64_t *oq = NULL, *pos = NULL;

	if (cfg == NULL)
		return;
	/* All sharing users point at the one pair built from [user_defaults]. */
	for (uint32_t i = 0; i < cfg->n_users; i++) {
		if (!cfg->users[i].own_limits) {
			oq = cfg->users[i].max_order_qty;
			pos = cfg->users[i].max_position;
			break;
		}
	}
	xr__config_destroy(cfg, oq, pos);
}

/* ------------------------------------------------------------------ */
/* Strategy defaults (docs/config.md "[strategy NAME]"). */

/** What differs between the strategies' defaults. */
struct xr__strat_def {
	uint16_t w[XR_F_COUNT]; /* XR_WEIGHT_ONE scale */
	uint8_t split, pricing, two_x_depth;
	uint32_t display_ppm, slices, min_health_ppm;
};

static const struct xr__strat_def xr__strat_defs[XR_STRAT_COUNT] = {
	[XR_STRAT_WEIGHTED_SCORE] = {
		.w = { [XR_F_FEES] = 3000, [XR_F_LATENCY] = 2000, [XR_F_SUCCESS] = 2500,
		       [XR_F_LOAD] = 1500, [XR_F_PAIR] = 1000 },
		.split = XR_SPLIT_NEVER, .pricing = XR_PRICING_METHOD, .two_x_depth = 1,
		.slices = 1,
	},
	[XR_STRAT_BEST_EXECUTION] = {
		.w = { [XR_F_PRICE] = 4000, [XR_F_LIQUIDITY] = 3000, [XR_F_LATENCY] = 2000,
		       [XR_F_RELIABILITY] = 1000 },
		.split = XR_SPLIT_NEEDED, .pricing = XR_PRICING_TAKE, .slices = 1,
	},
	[XR_STRAT_LOWEST_LATENCY] = {
		.w = { [XR_F_LATENCY] = 10000 },
		.split = XR_SPLIT_NEEDED, .pricing = XR_PRICING_TAKE, .slices = 1,
		.min_health_ppm = 500000,
	},
	[XR_STRAT_BEST_LIQUIDITY] = {
		.w = { [XR_F_LIQUIDITY] = 10000 },
		.split = XR_SPLIT_ALWAYS, .pricing = XR_PRICING_TAKE, .slices = 1,
	},
	[XR_STRAT_COST_OPTIMIZATION] = {
		.w = { [XR_F_COST] = 10000 },
		.split = XR_SPLIT_NEEDED, .pricing = XR_PRICING_TAKE, .slices = 1,
	},
	[XR_STRAT_AGGRESSIVE] = {
		.w = { [XR_F_LATENCY] = 5000, [XR_F_LIQUIDITY] = 3000, [XR_F_SUCCESS] = 2000 },
		.split = XR_SPLIT_ALWAYS, .pricing = XR_PRICING_TAKE, .slices = 1,
	},
	[XR_STRAT_PASSIVE] = {
		.w = { [XR_F_FEES] = 5000, [XR_F_RELIABILITY] = 3000, [XR_F_LOAD] = 2000 },
		.split = XR_SPLIT_ALWAYS, .pricing = XR_PRICING_POST, .slices = 1,
	},
	[XR_STRAT_BALANCED] = {
		.w = { [XR_F_LATENCY] = 4000, [XR_F_SUCCESS] = 3000, [XR_F_COST] = 2000,
		       [XR_F_HEADROOM] = 1000 },
		.split = XR_SPLIT_NEEDED, .pricing = XR_PRICING_TOUCH, .slices = 1,
	},
	[XR_STRAT_STEALTH] = {
		.w = { [XR_F_RELIABILITY] = 4000, [XR_F_LIQUIDITY] = 3000, [XR_F_COST] = 3000 },
		.split = XR_SPLIT_ALWAYS, .pricing = XR_PRICING_TAKE, .display_ppm = 200000,
		.slices = 4,
	},
};

void
xr_strategy_defaults(enum xr_strategy s, struct xr_strategy_cfg *out)
{
	memset(out, 0, sizeof(*out));
	if (s <= XR_STRAT_DEFAULT || s >= XR_STRAT_COUNT)
		return;
	const struct xr__strat_def *d = &xr__strat_defs[s];
	for (int f = 0; f < XR_F_COUNT; f++)
		out->w[f] = d->w[f];
	out->split = d->split;
	out->pricing = d->pricing;
	out->two_x_depth = d->two_x_depth;
	out->max_slice_ppm = 300000;
	out->min_slice_qty = XR_QTY_SCALE / 100;
	out->max_slippage_bps = 0;
	out->display_ppm = d->display_ppm;
	out->slices = d->slices;
	out->horizon_us = 2000;
	out->min_health_ppm = d->min_health_ppm;
	out->line = 0;
}

/* ------------------------------------------------------------------ */
/* Lookups. */

int
xr_config_venue_id(const struct xr_config *cfg, const char *name)
{
	for (uint32_t i = 0; i < cfg->n_venues; i++)
		if (strcmp(cfg->venues[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
xr_config_user_id(const struct xr_config *cfg, const char *name)
{
	for (uint32_t i = 0; i < cfg->n_users; i++)
		if (strcmp(cfg->users[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
xr_config_symbol_id(const struct xr_config *cfg, const char *name)
{
	for (uint32_t i = 0; i < cfg->n_symbols; i++)
		if (strcmp(cfg->symbols[i], name) == 0)
			return (int)i;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Print. */

static void
xr__print_qty(FILE *out, const char *key, const char *sym, int64_t q)
{
	char b[24];

	if (q == INT64_MAX)
		snprintf(b, sizeof(b), "none");
	else
		xr_fixed_format(b, q, 8);
	fprintf(out, "%s%s%s = %s\n", key, sym ? "." : "", sym ? sym : "", b);
}

static int
xr__cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/** Most frequent value of @p a (ties: the largest), printed bare. */
static int64_t
xr__mode(const int64_t *a, uint32_t n)
{
	int64_t tmp[XR_MAX_SYMBOLS], best = INT64_MAX;
	uint32_t best_n = 0;

	memcpy(tmp, a, n * sizeof(*a));
	qsort(tmp, n, sizeof(*tmp), xr__cmp_i64);
	for (uint32_t i = 0, j; i < n; i = j) {
		for (j = i; j < n && tmp[j] == tmp[i]; j++)
			;
		if (j - i >= best_n) {
			best_n = j - i;
			best = tmp[i];
		}
	}
	return best;
}

/** A limit array as a bare value plus the symbols that differ from it. */
static void
xr__print_limits(FILE *out, const struct xr_config *cfg, const char *key, const int64_t *a)
{
	int64_t bare = a != NULL ? xr__mode(a, cfg->n_symbols) : INT64_MAX;

	xr__print_qty(out, key, NULL, bare);
	for (uint32_t s = 0; a != NULL && s < cfg->n_symbols; s++)
		if (a[s] != bare)
			xr__print_qty(out, key, cfg->symbols[s], a[s]);
}

/* A venue plan's keys; nothing for no plan. */
static void
xr__print_plan(FILE *out, const struct xr_config *cfg, const struct xr_venue_plan *p)
{
	if (p->n == 0)
		return;
	fprintf(out, "primary_venue = %s\n", cfg->venues[p->venue[0]].name);
	if (p->n > 1) {
		fprintf(out, "failover_venues = ");
		for (unsigned i = 1; i < p->n; i++)
			fprintf(out, "%s%s", i > 1 ? ", " : "", cfg->venues[p->venue[i]].name);
		fprintf(out, "\n");
	}
	fprintf(out, "auto_failover = %s\n", p->auto_failover ? "true" : "false");
}

void
xr_config_print(const struct xr_config *cfg, FILE *out)
{
	char b[64];
	const struct xr_user_cfg *shared = NULL;
	uint64_t all_venues = cfg->n_venues == 64 ? UINT64_MAX : (UINT64_C(1) << cfg->n_venues) - 1;

	fprintf(out, "; xroute effective configuration of %s\n", cfg->path);
	fprintf(out, "\n[engine]\n");
	for (const struct xr__key *k = xr__engine_keys; k->name != NULL; k++) {
		xr__key_format(k, &cfg->engine, b, sizeof(b));
		fprintf(out, "%s = %s\n", k->name, b);
	}

	for (int s = XR_STRAT_DEFAULT + 1; s < XR_STRAT_COUNT; s++) {
		const struct xr_strategy_cfg *sc = &cfg->engine.strategies[s];
		fprintf(out, "\n[strategy %s]\n", xr_strategy_name((enum xr_strategy)s));
		for (const struct xr__key *k = xr__strategy_keys; k->name != NULL; k++) {
			xr__key_format(k, sc, b, sizeof(b));
			fprintf(out, "%s = %s\n", k->name, b);
		}
	}

	fprintf(out, "\n[threads]\n");
	for (uint32_t t = 0; t < cfg->n_threads; t++) {
		const struct xr_thread_cfg *th = &cfg->threads[t];
		fprintf(out, "%s.stages = ", th->name);
		for (uint32_t s = 0; s < th->n_stages; s++)
			fprintf(out, "%s%s", s ? ", " : "", th->stages[s]);
		if (th->cpu < 0)
			fprintf(out, "\n%s.cpu = none\n", th->name);
		else
			fprintf(out, "\n%s.cpu = %d\n", th->name, th->cpu);
		fprintf(out, "%s.wait = %s\n", th->name, xr__word_name(xr__w_wait, th->wait));
	}

	for (uint32_t i = 0; i < cfg->n_venues; i++) {
		const struct xr_venue_cfg *v = &cfg->venues[i];
		fprintf(out, "\n[venue %s]\n", v->name);
		bool fix = strcmp(v->connector, "fix") == 0;
		for (const struct xr__key *k = xr__venue_keys; k->name != NULL; k++) {
			if (k->flags & (fix ? XR__SIM : XR__FIX))
				continue;
			xr__key_format(k, v, b, sizeof(b));
			if (b[0] == '\0' || (k->off == XR__V(fix.port) && v->fix.port == 0))
				continue;
			fprintf(out, "%s = %s\n", k->name, b);
		}
		if (fix) {
			static const char *const tif[] = { "day", "gtc", "", "ioc", "fok" };
			const char *sep = "";
			fprintf(out, "time_in_force = ");
			for (unsigned t = 0; t < 5; t++)
				if (v->fix.tif_mask & (1u << t)) {
					fprintf(out, "%s%s", sep, tif[t]);
					sep = ", ";
				}
			fprintf(out, "\n");
			for (uint32_t j = 0; j < v->fix.n_symbols; j++)
				fprintf(out, "venue_symbol.%s = %s\n", v->fix.symbols[j].key,
					v->fix.symbols[j].name);
		}
		for (uint32_t j = 0; j < v->n_books; j++) {
			const struct xr_sim_book_cfg *bk = &v->books[j];
			char mid[24], tick[24], qty[24];
			xr_fixed_format(mid, bk->mid_px, 8);
			xr_fixed_format(tick, bk->tick_px, 8);
			xr_fixed_format(qty, bk->level_qty, 8);
			fprintf(out, "book.%s = mid=%s tick=%s levels=%" PRIu32 " level_qty=%s\n",
				cfg->symbols[bk->symbol], mid, tick, bk->levels, qty);
		}
		for (uint32_t j = 0; j < v->n_faults; j++) {
			const struct xr_sim_fault_cfg *f = &v->faults[j];
			char pb[24];
			fprintf(out, "fault.%s = %s start_ms=%" PRIu64 " end_ms=%" PRIu64, f->name,
				xr__word_name(xr__w_fault, f->kind), f->start_ns / 1000000,
				f->end_ns / 1000000);
			if (f->every_ns != 0)
				fprintf(out, " every_ms=%" PRIu64, f->every_ns / 1000000);
			if (xr__fault_needs[f->kind] & 0x08) {
				xr_fixed_format(pb, f->prob_ppm, 6);
				fprintf(out, " prob=%s", pb);
			}
			if (xr__fault_needs[f->kind] & 0x10) {
				xr_fixed_format(pb, f->ratio_ppm, 6);
				fprintf(out, " ratio=%s", pb);
			}
			if (xr__fault_needs[f->kind] & 0x20)
				fprintf(out, " extra_us=%" PRIu32, f->extra_us);
			if (xr__fault_needs[f->kind] & 0x40) {
				xr_fixed_format(pb, f->factor_ppm, 6);
				fprintf(out, " factor=%s", pb);
			}
			fprintf(out, "\n");
		}
	}

	/* [user_defaults] carries only the limits users share; every user
	 * lists its other keys itself. */
	for (uint32_t i = 0; i < cfg->n_users && shared == NULL; i++)
		if (!cfg->users[i].own_limits)
			shared = &cfg->users[i];
	fprintf(out, "\n[user_defaults]\n");
	xr__print_limits(out, cfg, "max_order_qty", shared ? shared->max_order_qty : NULL);
	xr__print_limits(out, cfg, "max_position", shared ? shared->max_position : NULL);

	for (uint32_t i = 0; i < cfg->n_users; i++) {
		const struct xr_user_cfg *u = &cfg->users[i];
		bool all = true;
		fprintf(out, "\n[user %s]\nenabled = %s\nvenues = ", u->name,
			u->enabled ? "true" : "false");
		if (u->venue_mask == all_venues) {
			fprintf(out, "*");
		} else {
			const char *sep = "";
			for (uint32_t v = 0; v < cfg->n_venues; v++) {
				if ((u->venue_mask >> v) & 1) {
					fprintf(out, "%s%s", sep, cfg->venues[v].name);
					sep = ", ";
				}
			}
		}
		for (uint32_t s = 0; s < cfg->n_symbols; s++)
			all = all && xr_user_symbol_allowed(u, (uint16_t)s);
		fprintf(out, "\nsymbols = ");
		if (all) {
			fprintf(out, "*");
		} else {
			const char *sep = "";
			for (uint32_t s = 0; s < cfg->n_symbols; s++) {
				if (xr_user_symbol_allowed(u, (uint16_t)s)) {
					fprintf(out, "%s%s", sep, cfg->symbols[s]);
					sep = ", ";
				}
			}
		}
		fprintf(out, "\nrate_per_s = %" PRIu32 "\nburst = %" PRIu32 "\n", u->rate_per_s,
			u->burst);
		xr__print_qty(out, "max_notional", NULL, u->max_notional);
		fprintf(out, "strategy = %s\n", xr__word_name(xr__w_user_strategy, u->strategy));
		if (u->own_limits) {
			xr__print_limits(out, cfg, "max_order_qty", u->max_order_qty);
			xr__print_limits(out, cfg, "max_position", u->max_position);
		}
		xr__print_plan(out, cfg, &u->plan);
	}
	for (uint32_t s = 0; s < cfg->n_symbols; s++) {
		if (cfg->symbol_plans[s].n == 0)
			continue;
		fprintf(out, "\n[symbol %s]\n", cfg->symbols[s]);
		xr__print_plan(out, cfg, &cfg->symbol_plans[s]);
	}
}
