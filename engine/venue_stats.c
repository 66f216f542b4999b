/*
 * Venue statistics: what the aggregator knows of each venue besides its
 * orders, and the venue metrics snapshots made from it (venue_stats_pvt.h).
 *
 *   - Market data and venue status (xr_aggregate_apply) update the books
 *     and the uptime the next snapshot shows.
 *   - Circuit transitions (xr_venue_stats_on_circuit) and operator commands
 *     (xr_venue_stats_on_control) update the circuit, the reliability
 *     figures, the failover history and the router status (enum
 *     xr_router_status, in the engine for xr_engine_status()).
 *   - Every snapshot (xr_aggregate_publish) fills each venue's metrics
 *     from the windows (EWMAs, percentiles, rates), each (venue, symbol)'s
 *     book and success rate, the reference prices, and raises or clears
 *     the venues' alerts.
 *
 * The per-child sampling (windows, EWMAs) is static inline in
 * venue_stats_pvt.h: it runs on the aggregate stage's hot path.
 *
 * Thread: the aggregate stage's (and the owner before start and after stop).
 */
#include <stdio.h>
#include <string.h>

#include "venue_stats_pvt.h"
#include "xr_clock.h"

/* ---- router status, circuits, commands ---- */

/*
 * Router status from the circuits and the operator state (enum
 * xr_router_status): ERROR if no circuit is closed, else SWITCHING if one
 * is not or a manual failover or disabled venue is in force, else READY.
 */
static void
xr__status_update(struct xr_aggregate *a)
{
	struct xr_engine *e = a->st.eng;
	uint32_t closed = 0;

	for (uint32_t v = 0; v < e->n_venues; v++)
		closed += a->venues[v].circuit == XR_CIRCUIT_CLOSED;
	uint8_t st = closed == 0 ? XR_STATUS_ERROR
		     : closed < e->n_venues || a->manual_in_force || a->disabled_in_force
			 ? XR_STATUS_SWITCHING
			 : XR_STATUS_READY;
	if (st == a->status)
		return;
	a->status = st;
	a->status_changes++;
	atomic_store_explicit(&e->router_status, st, memory_order_relaxed);
}

void
xr_venue_stats_on_control(struct xr_aggregate *a, const struct xr_msg *m)
{
	a->controls++;
	a->disabled_in_force = m->final != 0;
	a->manual_in_force = m->attempts != 0;
	if (m->reason == XR_CTL_FAILOVER && m->venue != XR_VENUE_NONE &&
	    a->n_history < XR_FAILOVER_HISTORY) {
		a->history[a->n_history++] = (struct xr_failover_rec){
			.at_ns = m->send_at_ns,
			.from = XR_VENUE_NONE,
			.to = m->venue,
			.cause = XR_BRK_MANUAL,
		};
	}
	xr__status_update(a);
	xr_aggregate_push_event(a, m);
}

void
xr_venue_stats_on_circuit(struct xr_aggregate *a, const struct xr_msg *m)
{
	struct xr_engine *e = a->st.eng;

	if (m->venue >= e->n_venues)
		return;
	struct xr_venue_stats *vs = &a->venues[m->venue];
	uint8_t from = m->side, to = m->ord_status;
	uint64_t at = m->send_at_ns, first = (uint64_t)m->ts_ns;
	vs->circuit = to;
	a->health_changed = true; /* the selector must see it at once */
	xr__status_update(a);
	xr_aggregate_push_event(a, m);
	if (to == XR_CIRCUIT_CLOSED && vs->fail_start_ns != 0) {
		/* The failure ends: its recovery (repair) time. The outcome
		 * and latency windows start again: measurements of the failure
		 * do not describe the recovered venue, and a success rate left
		 * low would keep it below min_health with nothing to raise it. */
		vs->out_n = vs->out_pos = vs->n_ok = vs->n_reject = vs->n_timeout = 0;
		vs->err_fast_ppm = vs->err_slow_ppm = 0;
		vs->lat_n = vs->lat_pos = 0;
		vs->lat_sum = vs->lat_fast_ns = vs->lat_slow_ns = 0;
		uint64_t rec = at > vs->fail_start_ns ? at - vs->fail_start_ns : 0;
		xr_hist_record(a->recovery_hist, rec);
		vs->recoveries++;
		vs->repair_ns += rec;
		vs->closed_since_ns = at;
		vs->fail_start_ns = 0;
		if (vs->history >= 0)
			a->history[vs->history].recovery_ns = rec;
		return;
	}
	if (to != XR_CIRCUIT_OPEN)
		return;
	uint64_t detect = at > first ? at - first : 0;
	vs->open_ns = at;
	vs->opens++;
	if (from != XR_CIRCUIT_CLOSED)
		return; /* a failed probe: the same failover goes on */
	vs->history = -1;
	vs->fail_start_ns = at;
	vs->closed_ns += at > vs->closed_since_ns ? at - vs->closed_since_ns : 0;
	a->failover_events++;
	if (m->reason != XR_BRK_MANUAL) /* an operator's: nothing to detect */
		xr_hist_record(a->detect_hist, detect);
	if (a->n_history < XR_FAILOVER_HISTORY) {
		vs->history = (int32_t)a->n_history;
		a->history[a->n_history++] = (struct xr_failover_rec){
			.at_ns = at,
			.detect_ns = detect,
			.from = m->venue,
			.to = XR_VENUE_NONE,
			.cause = (uint8_t)m->reason,
		};
	}
}

void
xr_venue_stats_start(struct xr_aggregate *a, uint64_t now_ns)
{
	a->start_ns = now_ns;
	for (uint32_t v = 0; v < a->st.eng->n_venues; v++) {
		a->venues[v].up_since_ns = now_ns;
		a->venues[v].closed_since_ns = now_ns;
	}
}

/* ---- market data, venue status ---- */

void
xr_aggregate_apply(struct xr_aggregate *a, const struct xr_msg *m)
{
	struct xr_engine *e = a->st.eng;

	if (m->venue >= e->n_venues)
		return;
	if (m->kind == XR_MSG_VENUE_STATUS) {
		struct xr_venue_stats *vs = &a->venues[m->venue];
		uint8_t up = m->ord_status != 0;
		uint64_t now = a->st.loop_ns ? *a->st.loop_ns : xr_now_ns();
		if (up == vs->healthy)
			return;
		if (!up && vs->up_since_ns != 0) {
			vs->up_ns += now > vs->up_since_ns ? now - vs->up_since_ns : 0;
			vs->up_since_ns = 0;
		} else if (up) {
			vs->up_since_ns = now ? now : 1;
		}
		vs->healthy = up;
		a->health_changed = true;
		return;
	}
	if (m->symbol >= e->n_symbols)
		return;
	/* One level of one side (xr_msg, XR_MSG_MD). */
	struct xr_pair_stats *ps = &a->pairs[(size_t)m->venue * e->n_symbols + m->symbol];
	unsigned si = m->side == XR_SIDE_BUY ? 0 : 1;
	unsigned n = m->n_children < XR_BOOK_LEVELS ? m->n_children : XR_BOOK_LEVELS;
	if (m->child_idx < n) {
		ps->book.side[si].px[m->child_idx] = m->limit_px;
		ps->book.side[si].qty[m->child_idx] = m->qty;
	}
	ps->n_lv[si] = (uint8_t)n;
	ps->book_gen++;
	a->dirty = true;
}

/* ---- snapshots and alerts ---- */

/* Fill the (venue, symbol) part of snapshot @p s from the pair stats,
 * copying a book only if the buffer holds an older generation of it. */
static void
xr__publish_pair(struct xr_aggregate *a, struct xr_snapshot *s, size_t k, uint32_t depth_bps)
{
	const struct xr_pair_stats *ps = &a->pairs[k];
	struct xr_venue_sym_metrics *vm = &s->vs[k];

	if (s->book_gen[k] != ps->book_gen || s->params_version != a->params_version) {
		if (s->book_gen[k] != ps->book_gen) {
			/* Levels only: the cumulative arrays are derived below,
			 * in the snapshot's copy. */
			for (int side = 0; side < 2; side++) {
				memcpy(s->books[k].side[side].px, ps->book.side[side].px,
				       sizeof(ps->book.side[side].px));
				memcpy(s->books[k].side[side].qty, ps->book.side[side].qty,
				       sizeof(ps->book.side[side].qty));
			}
			s->book_gen[k] = ps->book_gen;
			a->books_copied++;
		}
		xr_pair_derive(vm, &s->books[k], ps->n_lv[0], ps->n_lv[1], depth_bps);
	}
	vm->pair_samples = ps->ok_n;
	vm->pair_success_ppm = ps->ok_n ? (uint32_t)((uint64_t)ps->ok_sum * 1000000 / ps->ok_n) : 0;
}

/* Nearest-rank percentile @p pct of the sorted window. */
static uint64_t
xr__pct(const struct xr_venue_stats *vs, uint32_t pct)
{
	if (vs->lat_n == 0)
		return 0;
	uint32_t rank = (vs->lat_n * pct + 99) / 100; /* ceil(n * pct / 100) */
	return vs->lat_sorted[rank ? rank - 1 : 0];
}

/* Fill venue @p v's metrics; formulas in xr_snapshot.h / docs/routing.md. */
static void
xr__publish_venue(struct xr_aggregate *a, const struct xr_params *pp,
		  struct xr_venue_metrics *vm, uint32_t v, uint64_t now_ns)
{
	struct xr_engine *e = a->st.eng;
	const struct xr_venue_stats *vs = &a->venues[v];
	const struct xr_venue_params *vp = &pp->venue[v];
	uint64_t prior = (uint64_t)vp->network_distance_us * 2000; /* round trip */

	vm->latency_ewma_ns = vs->lat_n ? vs->lat_fast_ns : prior;
	vm->latency_slow_ns = vs->lat_n ? vs->lat_slow_ns : prior;
	vm->latency_avg_ns = vs->lat_n ? vs->lat_sum / vs->lat_n : prior;
	vm->latency_p50_ns = xr__pct(vs, 50);
	vm->latency_p95_ns = xr__pct(vs, 95);
	vm->latency_p99_ns = xr__pct(vs, 99);
	vm->completed = vs->completed;
	vm->samples = vs->out_n;
	vm->success_ppm = vs->out_n ? (uint32_t)((uint64_t)vs->n_ok * 1000000 / vs->out_n) : 1000000;
	vm->reject_ppm = vs->out_n ? (uint32_t)((uint64_t)vs->n_reject * 1000000 / vs->out_n) : 0;
	vm->timeout_ppm = vs->out_n ? (uint32_t)((uint64_t)vs->n_timeout * 1000000 / vs->out_n) : 0;
	vm->error_weight_ppm = vs->err_fast_ppm;
	vm->error_slow_ppm = vs->err_slow_ppm;
	uint64_t up = vs->up_ns + (vs->up_since_ns && now_ns > vs->up_since_ns
					   ? now_ns - vs->up_since_ns : 0);
	uint64_t life = now_ns > a->start_ns ? now_ns - a->start_ns : 0;
	vm->uptime_ppm = life ? (uint32_t)((xr_i128)(up > life ? life : up) * 1000000 / life)
			      : (vs->healthy ? 1000000 : 0);
	/* Relaxed: self-contained gauges (struct xr_venue_live). */
	vm->headroom_ppm = atomic_load_explicit(&e->venue_live[v].headroom_ppm,
						memory_order_relaxed);
	vm->queue_depth = atomic_load_explicit(&e->venue_live[v].queue_depth,
					       memory_order_relaxed);
	xr_venue_derive(vm, pp->sel.latency_zero_ns); /* latency_score, health_ppm */
	vm->demote_ppm = xr_demote_ppm(vm->latency_ewma_ns, vm->latency_slow_ns,
				       pp->latency_threshold_ns, vm->error_weight_ppm,
				       vm->error_slow_ppm, pp->error_rate_threshold_ppm,
				       pp->demote_start_ppm, pp->demote_max_ppm);
	vm->network_distance_us = vp->network_distance_us;
	vm->fee_maker_cbps = vp->fee_maker_cbps;
	vm->fee_taker_cbps = vp->fee_taker_cbps;
	vm->healthy = vs->healthy;
	vm->circuit = vs->healthy ? vs->circuit : XR_CIRCUIT_OPEN;
}

/** An alert keeps its state at least this long (no flapping). */
#define XR_ALERT_DWELL_NS UINT64_C(100000000)

/*
 * Raise or clear one alert of venue @p v: raised when @p over, cleared
 * when @p under (hysteresis between the two), and not changed again
 * within XR_ALERT_DWELL_NS; an event either way.
 */
static void
xr__alert(struct xr_aggregate *a, uint32_t v, enum xr_alert k, bool over, bool under,
	  int64_t value, int64_t threshold, uint64_t now_ns)
{
	struct xr_venue_stats *vs = &a->venues[v];
	bool on = (vs->alert_on >> k) & 1;

	if ((on ? !under : !over) || now_ns - vs->alert_at_ns[k] < XR_ALERT_DWELL_NS)
		return;
	vs->alert_on ^= (uint8_t)(1u << k);
	vs->alert_at_ns[k] = now_ns;
	if (!on) {
		vs->alerts++;
		a->alerts[k]++;
	}
	struct xr_msg m;
	memset(&m, 0, sizeof(m));
	m.kind = XR_MSG_ALERT;
	m.venue = (uint8_t)v;
	m.reason = (uint16_t)k;
	m.ord_status = !on;
	m.send_at_ns = now_ns;
	m.qty = value;
	m.limit_px = threshold;
	xr_aggregate_push_event(a, &m);
}

/*
 * Venue @p v's alerts from the metrics just published (docs/failover.md
 * "Reliability and alerts"): median latency of the last 100 answers
 * above latency_threshold_us (clears below 90% of it); error rate over
 * the last 100 outcomes above error_rate_threshold with at least
 * breaker_min_samples of them (clears below 90%); circuit not closed;
 * venue token bucket below 10% of its depth (clears above 20%).
 */
static void
xr__alerts(struct xr_aggregate *a, const struct xr_params *pp, uint32_t v,
	   const struct xr_venue_metrics *vm, uint64_t now_ns)
{
	const struct xr_venue_stats *vs = &a->venues[v];
	const struct xr_engine_cfg *ec = &a->st.eng->cfg->engine;
	int64_t lat = (int64_t)vm->latency_p50_ns, lat_t = (int64_t)pp->latency_threshold_ns;
	int64_t err = vs->out_n ? (int64_t)(vs->out_n - vs->n_ok) * 1000000 / vs->out_n : 0;
	int64_t err_t = pp->error_rate_threshold_ppm;
	bool sampled = vs->out_n >= ec->breaker_min_samples;

	xr__alert(a, v, XR_ALERT_HIGH_LATENCY, lat_t > 0 && vs->lat_n > 0 && lat > lat_t,
		  lat * 10 < lat_t * 9, lat, lat_t, now_ns);
	xr__alert(a, v, XR_ALERT_LOW_SUCCESS, sampled && err > err_t, err * 10 < err_t * 9, err,
		  err_t, now_ns);
	xr__alert(a, v, XR_ALERT_UNHEALTHY, vm->circuit != XR_CIRCUIT_CLOSED,
		  vm->circuit == XR_CIRCUIT_CLOSED, vm->circuit, XR_CIRCUIT_CLOSED, now_ns);
	bool limited = pp->venue[v].rate_limit_per_s != 0;
	xr__alert(a, v, XR_ALERT_RATE_LIMIT_NEAR, limited && vm->headroom_ppm < 100000,
		  !limited || vm->headroom_ppm > 200000, vm->headroom_ppm, 100000, now_ns);
}

void
xr_aggregate_publish(struct xr_aggregate *a, uint64_t now_ns)
{
	struct xr_engine *e = a->st.eng;
	const struct xr_params *pp = xr_params_current(&e->params);
	struct xr_snapshot *s = xr_snapshot_take(&e->snaps);

	if (s == NULL) {
		/* Every buffer awaits its grace period: try again an interval
		 * later (counted in the pool's skipped). */
		a->last_publish_ns = now_ns;
		return;
	}
	a->params_version = pp->version;
	for (uint32_t v = 0; v < e->n_venues; v++) {
		xr__publish_venue(a, pp, &s->venues[v], v, now_ns);
		xr__alerts(a, pp, v, &s->venues[v], now_ns);
	}
	for (uint32_t sym = 0; sym < e->n_symbols; sym++) {
		int64_t best_bid = 0, best_ask = 0;
		for (uint32_t v = 0; v < e->n_venues; v++) {
			size_t k = (size_t)v * e->n_symbols + sym;
			xr__publish_pair(a, s, k, pp->depth_bps);
			const struct xr_venue_sym_metrics *vm = &s->vs[k];
			if (!a->venues[v].healthy)
				continue;
			if (vm->bid_px > 0 && vm->bid_px > best_bid)
				best_bid = vm->bid_px;
			if (vm->ask_px > 0 && (best_ask == 0 || vm->ask_px < best_ask))
				best_ask = vm->ask_px;
		}
		s->ref_px[sym] = best_bid && best_ask ? best_bid + (best_ask - best_bid) / 2
						      : best_bid ? best_bid : best_ask;
	}
	s->params_version = pp->version;
	xr_snapshot_publish(&e->snaps, s, now_ns);
	a->last_publish_ns = now_ns;
	a->dirty = false;
	a->health_changed = false;
	a->published++;
}
