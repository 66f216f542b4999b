/*
 * The aggregator's venue statistics (venue_stats.c): per venue the rolling
 * latency and outcome windows of the last XR_STATS_WINDOW terminal
 * children, their EWMAs and percentiles, the circuit and reliability as
 * the execute stages' events tell them, the alerts; per (venue, symbol)
 * the book from market data and a success window. The venue metrics
 * snapshots (xr_snapshot.h) are filled from them.
 *
 * DESIGN
 *   The aggregate stage (stage_aggregate.c) does order accounting and hands
 *   each terminal child report to xr_venue_stats_sample(), which is static
 *   inline here: it runs per child on the hot path and must cost what it
 *   cost when it was a static function of the stage. What runs per market
 *   data message, per circuit event or command, and per snapshot lives in
 *   venue_stats.c.
 *
 * GUARANTEES
 *   The aggregate stage's thread is the single writer of everything here
 *   (the owner thread too, before the threads start and after they stop).
 *   Private to engine/.
 */
#ifndef XR_VENUE_STATS_PVT_H
#define XR_VENUE_STATS_PVT_H

#include <stdint.h>
#include <string.h>

#include "stage_aggregate_pvt.h"

/** Rolling window: rates and percentiles over the last 100 results. */
#define XR_STATS_WINDOW 100

/** Aggregator's view of one venue (the source of snapshots). */
struct xr_venue_stats {
	uint64_t lat_ns[XR_STATS_WINDOW];	/* ring of the last latencies */
	uint64_t lat_sorted[XR_STATS_WINDOW];	/* the same, sorted (percentiles) */
	uint64_t lat_sum;
	uint32_t lat_n, lat_pos;
	uint64_t lat_fast_ns, lat_slow_ns;	/* EWMAs (fast, quarter weight) */
	uint64_t lat_fixed_ns;			/* deterministic mode: the sample
						 * (2 x network_distance_us); 0 */
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

/* Outcome of a terminal child, for the venue's rate windows. */
enum xr__outcome {
	XR__OK = 0,	 /* not the venue's fault (filled, canceled, expired) */
	XR__REJECT,	 /* the venue refused it */
	XR__FAIL,	 /* failed: venue or transport */
	XR__TIMEOUT,	 /* no answer in time */
};

static inline void
xr__window_push(uint8_t *ok, uint32_t *sum, uint32_t *n, uint32_t *pos, uint8_t v)
{
	if (*n == XR_STATS_WINDOW)
		*sum -= ok[*pos];
	else
		(*n)++;
	ok[*pos] = v;
	*sum += v;
	*pos = *pos + 1 == XR_STATS_WINDOW ? 0 : *pos + 1;
}

/* |d| * w / 10^6, exact: in 64 bits when the product fits (a division by
 * a constant, which the compiler turns into a multiply), else in 128 bits
 * (a __divti3 call). Latencies in ns and rates in ppm always fit. */
static inline uint64_t
xr__ewma_step(uint64_t d, uint32_t w)
{
	if (d <= UINT64_MAX / 1000000)
		return d * w / 1000000;
	return (uint64_t)((xr_i128)d * w / 1000000);
}

/* x + (target - x) * w / 10^6: one EWMA step, w in ppm (0..10^6). */
static inline uint64_t
xr__ewma(uint64_t x, uint64_t target, uint32_t w)
{
	if (target >= x)
		return x + xr__ewma_step(target - x, w);
	return x - xr__ewma_step(x - target, w);
}

/*
 * First index of sorted @p a (n) holding a value >= v. Branch-free: the
 * step is a conditional move, so a sample whose rank is random costs no
 * mispredicted branch per halving (Khuong and Morin, "Array Layouts for
 * Comparison-Based Searching", ACM JEA 22, 2017, branch-free binary
 * search).
 */
static inline uint32_t
xr__lower_bound(const uint64_t *a, uint32_t n, uint64_t v)
{
	if (n == 0)
		return 0;
	const uint64_t *base = a;
	while (n > 1) {
		uint32_t half = n / 2;
		base = base[half] < v ? base + half : base;
		n -= half;
	}
	return (uint32_t)(base - a) + (*base < v);
}

/* Latency window: ring, sum, sorted copy (percentiles) and the EWMAs. */
static inline void
xr__latency_sample(struct xr_venue_stats *vs, uint64_t lat, const struct xr_params *pp)
{
	uint32_t n = vs->lat_n;

	if (n == XR_STATS_WINDOW) {
		uint64_t old = vs->lat_ns[vs->lat_pos];
		uint32_t i = xr__lower_bound(vs->lat_sorted, n, old);
		memmove(&vs->lat_sorted[i], &vs->lat_sorted[i + 1], (n - 1 - i) * sizeof(uint64_t));
		vs->lat_sum -= old;
		n--;
	} else {
		vs->lat_n++;
	}
	uint32_t i = xr__lower_bound(vs->lat_sorted, n, lat);
	memmove(&vs->lat_sorted[i + 1], &vs->lat_sorted[i], (n - i) * sizeof(uint64_t));
	vs->lat_sorted[i] = lat;
	vs->lat_ns[vs->lat_pos] = lat;
	vs->lat_sum += lat;
	vs->lat_pos = vs->lat_pos + 1 == XR_STATS_WINDOW ? 0 : vs->lat_pos + 1;
	if (vs->lat_n == 1) {
		vs->lat_fast_ns = vs->lat_slow_ns = lat;
	} else {
		vs->lat_fast_ns = xr__ewma(vs->lat_fast_ns, lat, pp->latency_ewma_ppm);
		vs->lat_slow_ns = xr__ewma(vs->lat_slow_ns, lat, pp->latency_ewma_ppm / 4);
	}
}

/* Outcome window counts and the decayed error weights. */
static inline void
xr__outcome_sample(struct xr_venue_stats *vs, enum xr__outcome o, const struct xr_params *pp)
{
	if (vs->out_n == XR_STATS_WINDOW) {
		switch (vs->outcome[vs->out_pos]) {
		case XR__OK: vs->n_ok--; break;
		case XR__REJECT: vs->n_reject--; break;
		case XR__TIMEOUT: vs->n_timeout--; break;
		default: break;
		}
	} else {
		vs->out_n++;
	}
	vs->outcome[vs->out_pos] = (uint8_t)o;
	vs->n_ok += o == XR__OK;
	vs->n_reject += o == XR__REJECT;
	vs->n_timeout += o == XR__TIMEOUT;
	vs->out_pos = vs->out_pos + 1 == XR_STATS_WINDOW ? 0 : vs->out_pos + 1;
	uint64_t err = o == XR__OK ? 0 : 1000000;
	vs->err_fast_ppm = (uint32_t)xr__ewma(vs->err_fast_ppm, err, pp->error_ewma_ppm);
	vs->err_slow_ppm = (uint32_t)xr__ewma(vs->err_slow_ppm, err, pp->error_ewma_ppm / 4);
}

/**
 * A terminal child report @p m of outcome @p o at venue m->venue (< n_venues,
 * executed: t[XR_T_EXECUTE] set): its venue round trip (t[REPORT] -
 * t[EXECUTE], ns) goes into the venue's histogram and, in deterministic
 * mode replaced by the venue's lat_fixed_ns, into its latency window and
 * EWMAs, @p o into the venue's outcome window and error weights and
 * into the (venue, symbol) success window. Marks the stats dirty (the next
 * snapshot shows them). Static inline: it runs once per terminal child, on
 * the aggregate stage's hot path, and must cost what it did inline there.
 * Thread: the aggregate stage's.
 */
static inline void
xr_venue_stats_sample(struct xr_aggregate *a, const struct xr_msg *m, enum xr__outcome o)
{
	struct xr_engine *e = a->st.eng;
	const struct xr_params *pp = xr_params_current(&e->params);
	struct xr_venue_stats *vs = &a->venues[m->venue];
	struct xr_pair_stats *ps = &a->pairs[(size_t)m->venue * e->n_symbols + m->symbol];
	uint64_t meas = m->t[XR_T_REPORT] > m->t[XR_T_EXECUTE]
				? m->t[XR_T_REPORT] - m->t[XR_T_EXECUTE] : 0;
	/* The measured round trip, or in deterministic mode the venue's
	 * fixed one: a mask and an or, no branch (io.deterministic). */
	uint64_t lat = (meas & a->lat_keep) | vs->lat_fixed_ns;

	xr__latency_sample(vs, lat, pp);
	xr__outcome_sample(vs, o, pp);
	xr__window_push(ps->ok, &ps->ok_sum, &ps->ok_n, &ps->ok_pos, o == XR__OK);
	vs->completed++;
	vs->children++;
	xr_hist_record(a->venue_hist[m->venue], meas);
	a->dirty = true;
}

/**
 * Reset every venue's clocks to @p now_ns (CLOCK_MONOTONIC ns): uptime and
 * closed time count from the start of the run.
 * Thread: the owner, before the threads start.
 */
void xr_venue_stats_start(struct xr_aggregate *a, uint64_t now_ns);

/**
 * Apply one market-data level (XR_MSG_MD: m->venue, m->symbol, m->side,
 * level m->child_idx of m->n_children, m->limit_px, m->qty) or venue status
 * (XR_MSG_VENUE_STATUS: m->ord_status 1 up, 0 down) to the stats; messages
 * for an unknown venue or symbol are ignored. Also used at start, before the
 * threads run, to build snapshot 1.
 * Thread: the aggregate stage's, or the owner before start.
 */
void xr_aggregate_apply(struct xr_aggregate *a, const struct xr_msg *m);

/**
 * A circuit breaker transition from venue m->venue's execute stage
 * (XR_MSG_VENUE_EVENT: m->side from, m->ord_status to (enum xr_circuit),
 * m->send_at_ns when, m->ts_ns first failure, m->reason enum
 * xr_breaker_cause): the venue's circuit, reliability (MTBF, MTTR), failover
 * history and detect/recovery histograms, the router status; queues the
 * event for the output stage. Unknown venues are ignored.
 * Thread: the aggregate stage's.
 */
void xr_venue_stats_on_circuit(struct xr_aggregate *a, const struct xr_msg *m);

/**
 * An operator command's record from route (XR_MSG_CONTROL: m->final
 * "some venue disabled", m->attempts "a manual failover pin in force",
 * m->reason enum xr_control_cmd, m->venue): the router status, the failover
 * history of a manual failover; queues the event for the output stage.
 * Thread: the aggregate stage's.
 */
void xr_venue_stats_on_control(struct xr_aggregate *a, const struct xr_msg *m);

/**
 * Build and publish a venue metrics snapshot from the stats (formulas in
 * xr_snapshot.h and docs/routing.md), raising or clearing alerts from it;
 * if every snapshot buffer awaits its grace period, nothing is published
 * and the next try is an interval later.
 * @param now_ns  CLOCK_MONOTONIC ns (the loop clock).
 * Thread: as xr_aggregate_apply.
 *
 * Named for the stage it serves: perf/callgrind-stages.sh leaves this
 * function's Ir (clock-driven, not per signal) out of the aggregate stage's
 * work figure by its name.
 */
void xr_aggregate_publish(struct xr_aggregate *a, uint64_t now_ns);

#endif /* XR_VENUE_STATS_PVT_H */
