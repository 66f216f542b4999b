/*
 * config_tables: the key tables of the config reader ([engine], [venue
 * NAME], [strategy NAME]) with their defaults and ranges, the word lists
 * of enum keys, and the built-in strategy settings (xr_strategy_defaults()).
 *
 * Tables only: parsing is config_keys.c, printing config_print.c. Every
 * table is const; nothing here has state.
 */
#include "config_pvt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

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
const struct xr_config_word xr__w_engine_strategy[] = {
	XR__STRATEGY_WORDS,
	{ NULL, 0 },
};
const struct xr_config_word xr__w_user_strategy[] = {
	{ "default", XR_STRAT_DEFAULT },
	XR__STRATEGY_WORDS,
	{ NULL, 0 },
};
static const struct xr_config_word xr__w_split[] = {
	{ "never", XR_SPLIT_NEVER },
	{ "needed", XR_SPLIT_NEEDED },
	{ "always", XR_SPLIT_ALWAYS },
	{ NULL, 0 },
};
static const struct xr_config_word xr__w_pricing[] = {
	{ "method", XR_PRICING_METHOD },
	{ "take", XR_PRICING_TAKE },
	{ "touch", XR_PRICING_TOUCH },
	{ "post", XR_PRICING_POST },
	{ NULL, 0 },
};
static const struct xr_config_word xr__w_results[] = {
	{ "csv", XR_RESULTS_CSV },
	{ "jsonl", XR_RESULTS_JSONL },
	{ NULL, 0 },
};
static const struct xr_config_word xr__w_timeout[] = {
	{ "query", XR_TIMEOUT_QUERY },
	{ "cancel", XR_TIMEOUT_CANCEL },
	{ NULL, 0 },
};
static const struct xr_config_word xr__w_stop[] = {
	{ "cancel", XR_STOP_CANCEL },
	{ "wait", XR_STOP_WAIT },
	{ NULL, 0 },
};
static const struct xr_config_word xr__w_exit_orders[] = {
	{ "cancel", XR_EXIT_CANCEL },
	{ "leave", XR_EXIT_LEAVE },
	{ NULL, 0 },
};
const struct xr_config_word xr__w_wait[] = {
	{ "busy_spin", XR_WAIT_BUSY_SPIN },
	{ "yield", XR_WAIT_YIELD },
	{ "backoff", XR_WAIT_BACKOFF },
	{ NULL, 0 },
};
static const struct xr_config_word xr__w_mode[] = {
	{ "standard", XR_MODE_STANDARD },
	{ "colocated", XR_MODE_COLOCATED },
	{ NULL, 0 },
};
static const struct xr_config_word xr__w_huge_pages[] = {
	{ "off", XR_HUGE_PAGES_OFF },
	{ "try", XR_HUGE_PAGES_TRY },
	{ "on", XR_HUGE_PAGES_ON },
	{ NULL, 0 },
};
static const struct xr_config_word xr__w_lock_memory[] = {
	{ "true", XR_LOCK_MEMORY_TRUE },
	{ "false", XR_LOCK_MEMORY_FALSE },
	{ "try", XR_LOCK_MEMORY_TRY },
	{ NULL, 0 },
};
const struct xr_config_word xr_config_bool_words[] = {
	{ "true", 1 }, { "false", 0 }, { "yes", 1 }, { "no", 0 },
	{ "1", 1 },    { "0", 0 },     { NULL, 0 },
};



const struct xr_config_key xr__engine_keys[] = {
	{ "ring_capacity", XR_CONFIG_T_U32, XR_CONFIG_POW2, XR__E(ring_capacity), 4096, 64, 16777216,
	  NULL },
	{ "burst", XR_CONFIG_T_U32, 0, XR__E(burst), 32, 1, 256, NULL },
	{ "max_inflight_orders", XR_CONFIG_T_U32, 0, XR__E(max_inflight_orders), 65536, 1, 16777216,
	  NULL },
	{ "dedup_window", XR_CONFIG_T_U32, 0, XR__E(dedup_window), 1048576, 1024, 67108864, NULL },
	{ "twap_notional", XR_CONFIG_T_CASH, 0, XR__E(twap_notional), 250000 * XR_CASH_SCALE, 0,
	  XR__CASH_MAX, NULL },
	{ "twap_slices", XR_CONFIG_T_U32, 0, XR__E(twap_slices), 4, 1, 64, NULL },
	{ "twap_horizon_us", XR_CONFIG_T_U32, 0, XR__E(twap_horizon_us), 2000, 0, 60000000, NULL },
	{ "entry_collar_bps", XR_CONFIG_T_U32, 0, XR__E(entry_collar_bps), 50, 0, 10000, NULL },
	{ "weight_fees", XR_CONFIG_T_WEIGHT, 0, XR__E(w_fees), 3000, 0, XR__WONE, NULL },
	{ "weight_latency", XR_CONFIG_T_WEIGHT, 0, XR__E(w_latency), 2000, 0, XR__WONE, NULL },
	{ "weight_success", XR_CONFIG_T_WEIGHT, 0, XR__E(w_success), 2500, 0, XR__WONE, NULL },
	{ "weight_load", XR_CONFIG_T_WEIGHT, 0, XR__E(w_load), 1500, 0, XR__WONE, NULL },
	{ "weight_pair", XR_CONFIG_T_WEIGHT, 0, XR__E(w_pair), 1000, 0, XR__WONE, NULL },
	{ "latency_zero_score_us", XR_CONFIG_T_U32, 0, XR__E(latency_zero_score_us), 1000000, 1, 60000000,
	  NULL },
	{ "load_full_queue", XR_CONFIG_T_U32, 0, XR__E(load_full_queue), 100, 1, 16777216, NULL },
	{ "price_zero_bps", XR_CONFIG_T_U32, 0, XR__E(price_zero_bps), 100, 1, 10000, NULL },
	{ "cost_zero_bps", XR_CONFIG_T_U32, 0, XR__E(cost_zero_bps), 100, 1, 10000, NULL },
	{ "depth_bps", XR_CONFIG_T_U32, 0, XR__E(depth_bps), 10, 1, 10000, NULL },
	{ "latency_ewma_alpha", XR_CONFIG_T_PPM, 0, XR__E(latency_ewma_ppm), 100000, 1, 1000000, NULL },
	{ "error_ewma_alpha", XR_CONFIG_T_PPM, 0, XR__E(error_ewma_ppm), 50000, 1, 1000000, NULL },
	{ "latency_threshold_us", XR_CONFIG_T_U32, 0, XR__E(latency_threshold_us), 5000, 1, 60000000,
	  NULL },
	{ "error_rate_threshold", XR_CONFIG_T_PPM, 0, XR__E(error_rate_threshold_ppm), 50000, 1, 1000000,
	  NULL },
	{ "demote_start", XR_CONFIG_T_PPM, 0, XR__E(demote_start_ppm), 500000, 0, 999999, NULL },
	{ "demote_max", XR_CONFIG_T_PPM, 0, XR__E(demote_max_ppm), 500000, 0, 1000000, NULL },
	{ "snapshot_interval_us", XR_CONFIG_T_U32, 0, XR__E(snapshot_interval_us), 100, 1, 1000000,
	  NULL },
	{ "default_strategy", XR_CONFIG_T_ENUM, 0, XR__E(default_strategy), XR_STRAT_WEIGHTED_SCORE, 0, 0,
	  xr__w_engine_strategy },
	{ "results_format", XR_CONFIG_T_ENUM, 0, XR__E(results_format), XR_RESULTS_CSV, 0, 0,
	  xr__w_results },
	{ "backoff_spins", XR_CONFIG_T_U32, 0, XR__E(backoff_spins), 2000, 0, 1000000000, NULL },
	{ "backoff_yields", XR_CONFIG_T_U32, 0, XR__E(backoff_yields), 50, 0, 1000000000, NULL },
	{ "backoff_sleep_us", XR_CONFIG_T_U32, 0, XR__E(backoff_sleep_us), 50, 0, 1000000, NULL },
	{ "mode", XR_CONFIG_T_ENUM, 0, XR__E(mode), XR_MODE_STANDARD, 0, 0, xr__w_mode },
	{ "huge_pages", XR_CONFIG_T_ENUM, 0, XR__E(huge_pages), XR_HUGE_PAGES_OFF, 0, 0,
	  xr__w_huge_pages },
	{ "lock_memory", XR_CONFIG_T_ENUM, 0, XR__E(lock_memory), XR__LOCK_MEMORY_AUTO, 0, 0,
	  xr__w_lock_memory },
	{ "order_timeout_us", XR_CONFIG_T_U32, 0, XR__E(order_timeout_us), 2000, 1, 60000000, NULL },
	{ "timeout_policy", XR_CONFIG_T_ENUM, 0, XR__E(timeout_policy), XR_TIMEOUT_QUERY, 0, 0,
	  xr__w_timeout },
	{ "max_status_queries", XR_CONFIG_T_U32, 0, XR__E(max_status_queries), 32, 1, 255, NULL },
	{ "fill_collar_bps", XR_CONFIG_T_U32, 0, XR__E(fill_collar_bps), 1000, 0, 10000, NULL },
	{ "stop_policy", XR_CONFIG_T_ENUM, 0, XR__E(stop_policy), XR_STOP_CANCEL, 0, 0, xr__w_stop },
	{ "exit_orders", XR_CONFIG_T_ENUM, 0, XR__E(exit_orders), XR_EXIT_CANCEL, 0, 0,
	  xr__w_exit_orders },
	{ "max_attempts", XR_CONFIG_T_U32, 0, XR__E(max_attempts), 3, 1, 64, NULL },
	{ "max_retries", XR_CONFIG_T_U32, 0, XR__E(max_retries), 1, 0, 63, NULL },
	{ "retry_base_us", XR_CONFIG_T_U32, 0, XR__E(retry_base_us), 100, 1, 60000000, NULL },
	{ "retry_cap_us", XR_CONFIG_T_U32, 0, XR__E(retry_cap_us), 5000, 1, 60000000, NULL },
	{ "failure_threshold", XR_CONFIG_T_U32, 0, XR__E(failure_threshold), 3, 1, 1000000, NULL },
	{ "recovery_threshold", XR_CONFIG_T_U32, 0, XR__E(recovery_threshold), 2, 1, 1000000, NULL },
	{ "breaker_min_samples", XR_CONFIG_T_U32, 0, XR__E(breaker_min_samples), 20, 1, 100, NULL },
	{ "open_timeout_ms", XR_CONFIG_T_U32, 0, XR__E(open_timeout_ms), 100, 1, 3600000, NULL },
	{ "half_open_probes", XR_CONFIG_T_U32, 0, XR__E(half_open_probes), 2, 1, 1000000, NULL },
	{ "health_check_interval_us", XR_CONFIG_T_U32, 0, XR__E(health_check_interval_us), 1000, 1,
	  60000000, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

/* The keys every [venue NAME] has; a connector kind's own keys are in its
 * struct xr_config_schema (connectors/). */
const struct xr_config_key xr__venue_keys[] = {
	{ "connector", XR_CONFIG_T_KIND, 0, XR__V(connector), 0, 0, 0, NULL },
	{ "fee_maker_bps", XR_CONFIG_T_CBPS, 0, XR__V(fee_maker_cbps), 100, -100000, 100000, NULL },
	{ "fee_taker_bps", XR_CONFIG_T_CBPS, 0, XR__V(fee_taker_cbps), 250, -100000, 100000, NULL },
	{ "max_open_orders", XR_CONFIG_T_U32, 0, XR__V(max_open_orders), 4096, 1, 16777216, NULL },
	{ "network_distance_us", XR_CONFIG_T_U32, 0, XR__V(network_distance_us), 0, 0, 10000000,
	  NULL },
	{ "rate_limit_per_s", XR_CONFIG_T_U32, 0, XR__V(rate_limit_per_s), 0, 0, 10000000, NULL },
	{ "rate_limit_burst", XR_CONFIG_T_U32, 0, XR__V(rate_limit_burst), 100, 1, 10000000, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

/* [strategy NAME] keys. Defaults come from xr_strategy_defaults() (def
 * unused); the weight keys are in enum xr_factor order. */

const struct xr_config_key xr__strategy_keys[] = {
	{ "weight_price", XR_CONFIG_T_WEIGHT, 0, XR__SW(XR_F_PRICE), 0, 0, XR__WONE, NULL },
	{ "weight_liquidity", XR_CONFIG_T_WEIGHT, 0, XR__SW(XR_F_LIQUIDITY), 0, 0, XR__WONE, NULL },
	{ "weight_latency", XR_CONFIG_T_WEIGHT, 0, XR__SW(XR_F_LATENCY), 0, 0, XR__WONE, NULL },
	{ "weight_reliability", XR_CONFIG_T_WEIGHT, 0, XR__SW(XR_F_RELIABILITY), 0, 0, XR__WONE, NULL },
	{ "weight_fees", XR_CONFIG_T_WEIGHT, 0, XR__SW(XR_F_FEES), 0, 0, XR__WONE, NULL },
	{ "weight_cost", XR_CONFIG_T_WEIGHT, 0, XR__SW(XR_F_COST), 0, 0, XR__WONE, NULL },
	{ "weight_success", XR_CONFIG_T_WEIGHT, 0, XR__SW(XR_F_SUCCESS), 0, 0, XR__WONE, NULL },
	{ "weight_load", XR_CONFIG_T_WEIGHT, 0, XR__SW(XR_F_LOAD), 0, 0, XR__WONE, NULL },
	{ "weight_pair", XR_CONFIG_T_WEIGHT, 0, XR__SW(XR_F_PAIR), 0, 0, XR__WONE, NULL },
	{ "weight_headroom", XR_CONFIG_T_WEIGHT, 0, XR__SW(XR_F_HEADROOM), 0, 0, XR__WONE, NULL },
	{ "split", XR_CONFIG_T_ENUM, 0, XR__S(split), 0, 0, 0, xr__w_split },
	{ "pricing", XR_CONFIG_T_ENUM, 0, XR__S(pricing), 0, 0, 0, xr__w_pricing },
	{ "two_x_depth", XR_CONFIG_T_ENUM, 0, XR__S(two_x_depth), 0, 0, 0, xr_config_bool_words },
	{ "max_slice_ratio", XR_CONFIG_T_PPM, 0, XR__S(max_slice_ppm), 0, 1, 1000000, NULL },
	{ "min_slice_qty", XR_CONFIG_T_QTY, 0, XR__S(min_slice_qty), 0, 0, INT64_MAX, NULL },
	{ "max_slippage_bps", XR_CONFIG_T_U32, 0, XR__S(max_slippage_bps), 0, 0, 10000, NULL },
	{ "display_ratio", XR_CONFIG_T_PPM, 0, XR__S(display_ppm), 0, 0, 1000000, NULL },
	{ "slices", XR_CONFIG_T_U32, 0, XR__S(slices), 0, 1, 64, NULL },
	{ "horizon_us", XR_CONFIG_T_U32, 0, XR__S(horizon_us), 0, 0, 60000000, NULL },
	{ "min_health", XR_CONFIG_T_PPM, 0, XR__S(min_health_ppm), 0, 0, 1000000, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};
_Static_assert(XR_F_COUNT == 10, "a factor was added: add its weight_* key above");

/* Stages that are not execute.VENUE, in pipeline order. */
const char *const xr__fixed_stages[] = {
	"ingress", "validate", "route", "aggregate", "output",
};

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
