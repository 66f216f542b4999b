/*
 * xr_sim_config: the [venue NAME] keys of connector = sim (docs/connectors.md
 * "Sim venues"), declared to the config loader by xr_sim_config_schema:
 * latency_us, jitter_us, reject_prob, fail_prob, seed, session_ms and the
 * timed faults, fault.NAME. The keys every venue has (fees, max_open_orders,
 * book.SYMBOL, ...) are in struct xr_venue_cfg (xr_config.h).
 *
 * A loaded sim venue's xr_venue_cfg.conn points at its struct
 * xr_sim_venue_cfg (xr_sim_venue_cfg()); the config owns it.
 */
#ifndef XR_SIM_CONFIG_H
#define XR_SIM_CONFIG_H

#include <stdint.h>

#include "xr_config.h"
#include "xr_config_schema.h"

/** Kind of a sim venue fault (fault.NAME key; docs/connectors.md "Faults"). */
enum xr_sim_fault_kind {
	XR_FAULT_OUTAGE = 0,	/* unreachable: orders and answers are lost */
	XR_FAULT_DISCONNECT,	/* session down: submit refused, answers lost */
	XR_FAULT_LATENCY_SPIKE,	/* orders sent in the window take extra_us more */
	XR_FAULT_REJECT_BURST,	/* orders sent in the window are rejected with
				 * probability prob */
	XR_FAULT_PARTIAL_FILL,	/* orders arriving fill at most ratio of qty */
	XR_FAULT_DROP_ANSWERS,	/* an answer is lost with probability prob
				 * (the venue did the work) */
	XR_FAULT_LATE_ANSWERS,	/* a terminal answer comes extra_us late with
				 * probability prob */
	XR_FAULT_DUP_FILL,	/* a fill report is sent twice, same CumQty,
				 * with probability prob */
	XR_FAULT_OVERFILL,	/* a fill report's CumQty goes above the order
				 * qty, with probability prob */
	XR_FAULT_BAD_PRICE,	/* a fill is priced factor times worse than
				 * its own price, with probability prob */
	XR_FAULT_FOREIGN_REPORT, /* with an answer, with probability prob, a
				  * report for a ClOrdID never sent */
	XR_FAULT_COUNT
};

/** Most fault.NAME keys per venue. */
#define XR_SIM_MAX_FAULTS 32

/**
 * One timed fault of a sim venue. Times are from the venue's start (its
 * first poll): active for t in [start, end), and again every every_ns
 * after (t - start) mod every_ns < end - start) when every_ns != 0.
 */
struct xr_sim_fault_cfg {
	char name[XR_NAME_MAX + 1];
	uint8_t kind;		/* enum xr_sim_fault_kind */
	uint64_t start_ns, end_ns, every_ns;
	uint32_t prob_ppm;	/* reject_burst, drop_answers, late_answers,
				 * dup_fill, overfill, bad_price, foreign_report */
	uint32_t ratio_ppm;	/* partial_fill */
	uint32_t extra_us;	/* latency_spike, late_answers */
	uint32_t factor_ppm;	/* bad_price: price factor, 1..1000 as ppm */
};

/** The keys of one sim venue (defaults: docs/connectors.md). */
struct xr_sim_venue_cfg {
	uint32_t latency_us;	/* fixed one-way order latency (us) */
	uint32_t jitter_us;	/* uniform extra latency 0..jitter_us */
	uint32_t reject_ppm;	/* reject_prob, parts per million */
	uint32_t fail_ppm;	/* fail_prob, parts per million */
	uint64_t seed;		/* PRNG seed */
	uint32_t session_ms;	/* DAY/GTC orders expire after this (ms) */
	uint32_t n_faults;
	struct xr_sim_fault_cfg *faults; /* n_faults entries, file order */
};

/** The sim kind's keys, for xr_config_load() (xr_connector_schemas). */
extern const struct xr_config_schema xr_sim_config_schema;

/**
 * @return the sim keys of venue @p v, or NULL if @p v is not a loaded sim
 * venue (no keys, or another kind's). Thread: any.
 */
static inline const struct xr_sim_venue_cfg *
xr_sim_venue_cfg(const struct xr_venue_cfg *v)
{
	return v->schema == &xr_sim_config_schema ? (const struct xr_sim_venue_cfg *)v->conn
						  : NULL;
}

#endif /* XR_SIM_CONFIG_H */
