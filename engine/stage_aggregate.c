/*
 * Aggregate stage: the single place where orders end.
 *
 *   - Rejects (from validate or route) end their signal at once.
 *   - Execution reports update the parent order: fills move the user's
 *     position (and release the same exposure); a child's terminal report
 *     updates the venue's rolling statistics (latency and success over the
 *     last 100 children, per venue and per (venue, symbol)); when every
 *     child of a parent has ended, the parent's result is emitted and its
 *     unfilled quantity's exposure released.
 *   - Market data and venue status update what the next snapshot shows.
 *   - Every snapshot_interval_us with changes (at once on a health change)
 *     a new venue metrics snapshot is published (xr_snapshot.h).
 *
 * Final status of a parent: filled (cum == qty), partially_filled
 * (0 < cum < qty), otherwise failed if every child was rejected or failed
 * and at least one failed, rejected if every child was rejected, canceled
 * if nothing filled for any other reason (IOC/FOK unfilled, expired).
 *
 * Each message in yields at most one result out; the stage takes no more
 * input than aggregate_to_output has room for.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_pvt.h"
#include "xr_table.h"
#include "xr_clock.h"

/* Outcome of a terminal child, for the venue's rate windows. */
enum xr__outcome {
	XR__OK = 0,	 /* not the venue's fault (filled, canceled, expired) */
	XR__REJECT,	 /* the venue refused it */
	XR__FAIL,	 /* failed: venue or transport */
	XR__TIMEOUT,	 /* no answer in time */
};

static void
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
static uint32_t
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
static void
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
static void
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

static void
xr__venue_sample(struct xr_aggregate *a, const struct xr_msg *m, enum xr__outcome o)
{
	struct xr_engine *e = a->st.eng;
	const struct xr_params *pp = xr_params_current(&e->params);
	struct xr_venue_stats *vs = &a->venues[m->venue];
	struct xr_pair_stats *ps = &a->pairs[(size_t)m->venue * e->n_symbols + m->symbol];
	uint64_t lat = m->t[XR_T_REPORT] > m->t[XR_T_EXECUTE]
			       ? m->t[XR_T_REPORT] - m->t[XR_T_EXECUTE] : 0;

	xr__latency_sample(vs, lat, pp);
	xr__outcome_sample(vs, o, pp);
	xr__window_push(ps->ok, &ps->ok_sum, &ps->ok_n, &ps->ok_pos, o == XR__OK);
	vs->completed++;
	vs->children++;
	xr_hist_record(a->venue_hist[m->venue], lat);
	a->dirty = true;
}

/* b - a, or 0 if the clock disagrees (stamps are taken after dequeues, so
 * this guards against nothing but a broken clock). */
static inline uint64_t
xr__since(uint64_t a, uint64_t b)
{
	return b > a ? b - a : 0;
}

/* Record a result's latencies; stamps that were never taken are 0. */
static void
xr__record_latency(struct xr_aggregate *a, const struct xr_msg *r)
{
	const uint64_t *t = r->t;
	uint64_t e2e = xr__since(t[XR_T_INGRESS], t[XR_T_AGGREGATE]);
	uint64_t venue = 0, hold = 0;

	xr_hist_record(a->hist[XR_H_E2E], e2e);
	xr_hist_record(a->hist[XR_H_QUEUE], xr__since(t[XR_T_INGRESS], t[XR_T_VALIDATE]));
	if (t[XR_T_ROUTE] != 0)
		xr_hist_record(a->hist[XR_H_VALIDATE],
			       xr__since(t[XR_T_VALIDATE], t[XR_T_ROUTE]));
	if (t[XR_T_EXECUTE] != 0) {
		/* A TWAP slice waits for its send time by design: that wait is
		 * schedule, not routing cost. */
		uint64_t from = t[XR_T_ROUTE];
		if (r->send_at_ns > from && r->send_at_ns <= t[XR_T_EXECUTE]) {
			hold = r->send_at_ns - from;
			from = r->send_at_ns;
		}
		venue = xr__since(t[XR_T_EXECUTE], t[XR_T_REPORT]);
		xr_hist_record(a->hist[XR_H_ROUTE], xr__since(from, t[XR_T_EXECUTE]));
		xr_hist_record(a->hist[XR_H_VENUE], venue);
		xr_hist_record(a->hist[XR_H_AGGREGATE],
			       xr__since(t[XR_T_REPORT], t[XR_T_AGGREGATE]));
	}
	xr_hist_record(a->hist[XR_H_ROUTER], xr__since(venue + hold, e2e));
}

/* A parent ended: counted here, published once per do_work call
 * (xr__publish_completed), so validate's credit line crosses cores once
 * per burst rather than once per order. */
static void
xr__complete(struct xr_aggregate *a)
{
	a->completed++;
}

static void
xr__publish_completed(struct xr_aggregate *a)
{
	struct xr_engine *e = a->st.eng;

	/* R4: pairs with A4, the acquire load of completed_orders in validate:
	 * the exposure released for these parents is visible before the
	 * credit. Only this thread writes it: a relaxed load of our own last
	 * store would do, but the local copy avoids touching the line. */
	atomic_store_explicit(&e->completed_orders, a->completed, memory_order_release);
}

static void
xr__emit(struct xr_aggregate *a, struct xr_msg *r, struct xr_msg *out, uint32_t *n_out)
{
	r->kind = XR_MSG_RESULT;
	a->finals[r->final]++;
	a->by_reason[r->reason < XR_R_COUNT ? r->reason : XR_R_NONE]++;
	xr__record_latency(a, r);
	out[(*n_out)++] = *r;
}

/* A whole signal ends without execution (validate or route reject). */
static void
xr__on_reject(struct xr_aggregate *a, struct xr_msg *m, uint64_t now,
	      struct xr_msg *out, uint32_t *n_out)
{
	struct xr_engine *e = a->st.eng;

	if (m->order_id != 0) {
		/* Accepted by validate, refused by route: free its exposure. */
		size_t k = (size_t)m->user * e->n_symbols + m->symbol;
		xr_exposure_release(&e->exp_a[k], m->side, m->order_qty);
		xr__complete(a);
	}
	m->t[XR_T_AGGREGATE] = now;
	m->final = XR_FINAL_REJECTED;
	m->cum_qty = m->cum_notional = m->fees = 0;
	if (m->order_qty == 0)
		m->order_qty = m->qty;
	xr__emit(a, m, out, n_out);
}

static bool
xr__terminal(const struct xr_msg *m)
{
	return m->ord_status == XR_OS_FILLED || m->ord_status == XR_OS_CANCELED ||
	       m->ord_status == XR_OS_REJECTED || m->ord_status == XR_OS_EXPIRED ||
	       m->final == XR_FINAL_FAILED || m->final == XR_FINAL_UNKNOWN ||
	       m->final == XR_FINAL_OPEN;
}

/* This attempt was sent after its last one met an open circuit: the time
 * from "open circuit and known failed" to sent elsewhere is a re-route
 * sample, and the first one after an open completes its history entry. */
static void
xr__reroute_sample(struct xr_aggregate *a, const struct xr_msg *m)
{
	unsigned n = xr_attempt_log_len(m->attempt_log), prev, outcome;

	if (n == 0 || m->send_at_ns == 0 || m->t[XR_T_EXECUTE] < m->send_at_ns)
		return;
	xr_attempt_log_get(m->attempt_log, n - 1, &prev, &outcome);
	if (outcome != XR_ATT_CIRCUIT || prev == m->venue)
		return;
	uint64_t ns = m->t[XR_T_EXECUTE] - m->send_at_ns;
	xr_hist_record(a->reroute_hist, ns);
	if (prev < a->st.eng->n_venues && a->venues[prev].history >= 0) {
		struct xr_failover_rec *h = &a->history[a->venues[prev].history];
		if (h->to == XR_VENUE_NONE) {
			h->to = m->venue;
			h->reroute_ns = ns;
		}
	}
}

/* Retries at the same venue in a row at the end of @p log. */
static unsigned
xr__tail_at(uint64_t log, unsigned venue)
{
	unsigned n = xr_attempt_log_len(log), k = 0, v, o;

	while (k < n) {
		xr_attempt_log_get(log, n - 1 - k, &v, &o);
		if (v != venue)
			break;
		k++;
	}
	return k;
}

/*
 * A child that ended without executing (failed and not live, bounced, or
 * rejected by the venue) goes back to route through the feedback ring while
 * attempts remain (max_attempts): to the same venue after a backoff if its
 * failure was transient (venue_failure, timeout), the venue's circuit is
 * closed and it has retries left (max_retries), else to the next best
 * venue not yet tried. @return true if it was sent (the child goes on).
 */
static bool
xr__resend(struct xr_aggregate *a, struct xr_parent *p, const struct xr_msg *m, uint64_t now,
	   struct xr_msg *fb, uint32_t *n_fb)
{
	const struct xr_engine *e = a->st.eng;
	const struct xr_engine_cfg *ec = &e->cfg->engine;
	bool venue_reject = m->ord_status == XR_OS_REJECTED && m->reason == XR_R_VENUE_REJECT;

	if ((m->final != XR_FINAL_FAILED && !venue_reject) || m->decision == XR_D_NO_VENUE ||
	    m->venue >= e->n_venues ||
	    m->attempts >= ec->max_attempts || m->qty <= 0)
		return false;
	/* Ending the run: nothing is sent again (enum xr_drain). */
	if (atomic_load_explicit(&e->drain, memory_order_relaxed) &
	    (XR_DRAIN_CANCEL | XR_DRAIN_END))
		return false;
	const struct xr_venue_stats *vs = &a->venues[m->venue];
	unsigned outcome = vs->circuit != XR_CIRCUIT_CLOSED ? XR_ATT_CIRCUIT
			   : venue_reject		   ? XR_ATT_REJECTED
			   : m->reason == XR_R_TIMEOUT	   ? XR_ATT_TIMEOUT
							   : XR_ATT_FAILED;
	unsigned same = xr__tail_at(m->attempt_log, m->venue);
	bool retry = (outcome == XR_ATT_FAILED || outcome == XR_ATT_TIMEOUT) &&
		     same < ec->max_retries;
	struct xr_msg *c = &fb[(*n_fb)++];

	*c = *m;
	c->kind = XR_MSG_CHILD;
	c->attempt_log = xr_attempt_log_push(m->attempt_log, m->venue, outcome);
	c->venue_mask |= UINT64_C(1) << m->venue;
	c->t[XR_T_EXECUTE] = c->t[XR_T_REPORT] = c->t[XR_T_AGGREGATE] = 0;
	c->cum_qty = c->cum_notional = c->fees = 0;
	c->final = XR_FINAL_NONE;
	c->ord_status = 0; /* reason stays: the child's fate if nothing else takes it */
	if (retry) {
		c->decision = XR_D_RETRY;
		c->send_at_ns = now + xr_backoff_ns((uint64_t)ec->retry_base_us * 1000,
						    (uint64_t)ec->retry_cap_us * 1000, same,
						    xr_splitmix64(&a->rng));
		a->retries++;
	} else {
		/* Re-routable from when it was known failed, or from when
		 * the circuit opened if that was later. */
		uint64_t from = m->t[XR_T_REPORT];
		if (outcome == XR_ATT_CIRCUIT && vs->open_ns > from)
			from = vs->open_ns;
		c->decision = XR_D_REROUTE;
		c->send_at_ns = from;
		a->failovers++;
	}
	p->attempt_log = xr_attempt_log_push(p->attempt_log, m->venue, outcome);
	return true;
}

/* Append @p m to @p f; false if it is full. */
static bool
xr__fifo_push(struct xr_msg_fifo *f, const struct xr_msg *m)
{
	if (f->n == f->cap)
		return false;
	f->m[(f->head + f->n++) % f->cap] = *m;
	return true;
}

/* Move what @p f holds into @p ring, oldest first, while it has room. */
static void
xr__fifo_drain(struct xr_msg_fifo *f, struct xr_ring *ring)
{
	while (f->n > 0) {
		uint32_t run = f->cap - f->head;
		if (run > f->n)
			run = f->n;
		uint32_t k = xr_ring_enqueue_burst(ring, &f->m[f->head], run);
		f->head = (f->head + k) % f->cap;
		f->n -= k;
		if (k < run)
			return;
	}
}

/* Queue an event for the output stage (struct xr_aggregate.evq). */
static void
xr__ev_push(struct xr_aggregate *a, const struct xr_msg *m)
{
	if (!xr__fifo_push(&a->evq, m))
		a->events_dropped++;
}

void
xr_aggregate_flush_events(struct xr_aggregate *a)
{
	xr__fifo_drain(&a->evq, a->out);
}

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

/* An operator command's record from route (struct xr_msg, XR_MSG_CONTROL). */
static void
xr__on_control(struct xr_aggregate *a, const struct xr_msg *m)
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
	xr__ev_push(a, m);
}

/* A circuit breaker transition from venue m->venue's execute stage. */
static void
xr__on_venue_event(struct xr_aggregate *a, const struct xr_msg *m)
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
	xr__ev_push(a, m);
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

static void
xr__on_report(struct xr_aggregate *a, struct xr_msg *m, uint64_t now,
	      struct xr_msg *out, uint32_t *n_out, struct xr_msg *fb, uint32_t *n_fb)
{
	struct xr_engine *e = a->st.eng;
	size_t k = (size_t)m->user * e->n_symbols + m->symbol;
	bool inserted;
	struct xr_parent *p = xr_u64map_upsert(&a->parents, m->order_id, &inserted);

	if (p == NULL) {
		/* Cannot happen: the table holds 2x max_inflight_orders. */
		fprintf(stderr, "%s:%d: parent table full\n", __FILE__, __LINE__);
		abort();
	}
	if (m->cum_qty > 0) {
		p->cum_qty += m->cum_qty;
		p->cum_notional += m->cum_notional;
		p->fees += m->fees;
		xr_exposure_fill(&e->exp_a[k], m->side, m->cum_qty);
		if (m->venue < e->n_venues)
			a->pos[((size_t)m->user * e->n_venues + m->venue) * e->n_symbols +
			       m->symbol] += m->side == XR_SIDE_BUY ? m->cum_qty : -m->cum_qty;
	}
	if (m->venue < XR_MAX_VENUES)
		p->venue_mask |= UINT64_C(1) << m->venue;
	if (!xr__terminal(m))
		return;

	bool failed = m->final == XR_FINAL_FAILED;
	bool rejected = !failed && m->ord_status == XR_OS_REJECTED;
	bool unsettled = m->final == XR_FINAL_UNKNOWN || m->final == XR_FINAL_OPEN;
	if (m->venue < e->n_venues && m->t[XR_T_EXECUTE] != 0 && !unsettled) {
		enum xr__outcome o = m->reason == XR_R_TIMEOUT ? XR__TIMEOUT
				     : failed		       ? XR__FAIL
				     : rejected		       ? XR__REJECT
							       : XR__OK;
		xr__venue_sample(a, m, o);
		struct xr_venue_stats *vs = &a->venues[m->venue];
		vs->filled += m->ord_status == XR_OS_FILLED;
		vs->rejected += rejected;
		vs->failed += failed;
		xr__reroute_sample(a, m);
	}
	if (xr__resend(a, p, m, now, fb, n_fb))
		return;
	p->est_fees += m->est_fees;
	p->children_done++;
	p->n_failed += failed;
	p->n_rejected += rejected;
	p->n_unknown += m->final == XR_FINAL_UNKNOWN;
	p->n_open += m->final == XR_FINAL_OPEN;
	if (m->reason != XR_R_NONE)
		p->last_reason = m->reason;
	if (p->children_done < m->n_children)
		return;

	/* The parent ends: build its result on the last child's message. */
	struct xr_msg r = *m;
	r.qty = m->order_qty;
	r.cum_qty = p->cum_qty;
	r.cum_notional = p->cum_notional;
	r.fees = p->fees;
	r.est_fees = p->est_fees;
	r.venue_mask = p->venue_mask;
	r.attempt_log = p->attempt_log;
	r.reason = p->last_reason;
	if (p->n_unknown != 0 && p->cum_qty < m->order_qty) {
		/* A child may still fill at its venue: not known. */
		r.final = XR_FINAL_UNKNOWN;
		r.reason = XR_R_IN_DOUBT;
	} else if (p->n_open != 0 && p->cum_qty < m->order_qty) {
		r.final = XR_FINAL_OPEN;
		r.reason = XR_R_LEFT_OPEN;
	} else if (p->cum_qty == m->order_qty) {
		r.final = XR_FINAL_FILLED;
		r.reason = XR_R_NONE;
	} else if (p->cum_qty > 0) {
		r.final = XR_FINAL_PARTIALLY_FILLED;
	} else if (p->n_failed + p->n_rejected == m->n_children) {
		r.final = p->n_failed ? XR_FINAL_FAILED : XR_FINAL_REJECTED;
	} else {
		r.final = XR_FINAL_CANCELED;
	}
	if (p->cum_qty < m->order_qty)
		xr_exposure_release(&e->exp_a[k], m->side, m->order_qty - p->cum_qty);
	xr_u64map_remove(&a->parents, m->order_id);
	r.t[XR_T_AGGREGATE] = now;
	xr__complete(a);
	xr__emit(a, &r, out, n_out);
}

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
	xr__ev_push(a, &m);
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

static uint32_t
xr__aggregate_work(struct xr_stage *st)
{
	struct xr_aggregate *a = (struct xr_aggregate *)st;
	struct xr_engine *e = st->eng;
	struct xr_msg in[XR_MAX_BURST], out[XR_MAX_BURST], fb[XR_MAX_BURST];
	uint32_t n_out = 0, n_fb = 0, work = 0;
	uint32_t room = xr_ring_room(a->out, e->cfg->engine.burst);
	uint64_t now = 0, completed_before = a->completed;

	if (room == 0)
		st->out_stalls++;
	xr__fifo_drain(&a->fb_over, a->feedback); /* waiting re-sends first */
	/* Each input message yields at most one result or one re-sent child
	 * (feedback ring, else the overflow: never full); both count against
	 * room, which also bounds out[] and fb[] (one burst in all). */
	for (uint32_t src = 0; src < 3 + e->n_venues && room > 0; src++) {
		struct xr_ring *ring = src == 0   ? a->rejects_i
				       : src == 1 ? a->rejects_v
				       : src == 2 ? a->rejects_r
						  : a->in[src - 3];
		uint32_t n = xr_ring_dequeue_burst(ring, in, room);
		if (n == 0)
			continue;
		st->doing |= 1u << XR_DO_MESSAGES;
		/* Read after the dequeue: every stamp in these messages was
		 * taken before it, so stage latencies are never negative. */
		now = xr_now_ns();
		for (uint32_t i = 0; i < n; i++) {
			struct xr_msg *m = &in[i];
			uint32_t before = n_out + n_fb;
			switch (m->kind) {
			case XR_MSG_REJECT:
				xr__on_reject(a, m, now, out, &n_out);
				break;
			case XR_MSG_REPORT:
				m->t[XR_T_AGGREGATE] = now;
				xr__on_report(a, m, now, out, &n_out, fb, &n_fb);
				break;
			case XR_MSG_MD:
			case XR_MSG_VENUE_STATUS:
				xr_aggregate_apply(a, m);
				break;
			case XR_MSG_VENUE_EVENT:
				xr__on_venue_event(a, m);
				break;
			case XR_MSG_CONTROL:
				st->doing |= 1u << XR_DO_CONTROL;
				xr__on_control(a, m);
				break;
			case XR_MSG_ALERT:
				/* One-shot, from an execute stage (a fill
				 * outside its limit): counted, logged. */
				if (m->venue < e->n_venues && m->reason < XR_ALERT_COUNT) {
					a->alerts[m->reason]++;
					a->venues[m->venue].alerts++;
					xr__ev_push(a, m);
				}
				break;
			default:
				a->bad_messages++;
				break;
			}
			room -= n_out + n_fb - before;
		}
		work += n;
	}
	xr_ring_enqueue_burst(a->out, out, n_out);
	xr_aggregate_flush_events(a);
	uint32_t sent = a->fb_over.n == 0 ? xr_ring_enqueue_burst(a->feedback, fb, n_fb) : 0;
	for (uint32_t i = sent; i < n_fb; i++) {
		/* Cannot fill: fb_over.cap bounds every child in existence. */
		xr__fifo_push(&a->fb_over, &fb[i]);
		a->fb_parked++;
	}
	if (a->completed != completed_before)
		xr__publish_completed(a);
	st->items += work;
	if (now == 0)
		now = *st->loop_ns;
	/* At once on a health change or new parameters (SIGHUP); else every
	 * snapshot_interval_us while something changed. */
	if (a->health_changed || xr_params_current(&e->params)->version != a->params_version ||
	    (a->dirty && now - a->last_publish_ns >= a->publish_interval_ns)) {
		st->doing |= 1u << XR_DO_PUBLISH;
		xr_aggregate_publish(a, now);
	}
	return work;
}

static void
xr__aggregate_thread_init(struct xr_stage *st)
{
	xr_snapshot_writer_attach(&st->eng->snaps);
}

int
xr_aggregate_init(struct xr_engine *e, char *err, size_t err_len)
{
	struct xr_aggregate *a = &e->aggregate;

	snprintf(a->st.name, sizeof(a->st.name), "aggregate");
	a->st.do_work = xr__aggregate_work;
	a->st.thread_init = xr__aggregate_thread_init;
	a->st.eng = e;
	a->in = e->execute_to_aggregate;
	a->rejects_i = e->ingress_to_aggregate;
	a->rejects_v = e->validate_to_aggregate;
	a->rejects_r = e->route_to_aggregate;
	a->out = e->aggregate_to_output;
	a->feedback = e->aggregate_to_route;
	a->publish_interval_ns = (uint64_t)e->cfg->engine.snapshot_interval_us * 1000;
	a->venues = calloc(e->n_venues, sizeof(*a->venues));
	a->pairs = calloc((size_t)e->n_venues * e->n_symbols, sizeof(*a->pairs));
	a->venue_hist = calloc(e->n_venues, sizeof(*a->venue_hist));
	if (a->venues == NULL || a->pairs == NULL || a->venue_hist == NULL)
		goto nomem;
	for (uint32_t v = 0; v < e->n_venues; v++) {
		a->venues[v].healthy = 1;
		a->venues[v].up_since_ns = 1; /* set to the start time by the engine */
		if ((a->venue_hist[v] = xr_hist_create()) == NULL)
			goto nomem;
	}
	for (int h = 0; h < XR_H_COUNT; h++)
		if ((a->hist[h] = xr_hist_create()) == NULL)
			goto nomem;
	if ((a->detect_hist = xr_hist_create()) == NULL ||
	    (a->reroute_hist = xr_hist_create()) == NULL ||
	    (a->recovery_hist = xr_hist_create()) == NULL)
		goto nomem;
	a->evq.cap = 4096;
	a->evq.m = calloc(a->evq.cap, sizeof(*a->evq.m));
	a->pos = xr_table_calloc((size_t)e->n_users * e->n_venues * e->n_symbols,
				 sizeof(*a->pos));
	if (a->evq.m == NULL || a->pos == NULL)
		goto nomem;
	for (uint32_t v = 0; v < e->n_venues; v++)
		a->venues[v].history = -1;
	a->rng = UINT64_C(0x243f6a8885a308d3);
	/* Every child outside the aggregator: route's stash, and per venue
	 * its input ring, held children, open orders, outbox and output
	 * ring; plus the feedback ring itself. */
	const struct xr_engine_cfg *ec = &e->cfg->engine;
	uint64_t bound = (uint64_t)ec->burst * 64 + ec->ring_capacity;
	for (uint32_t v = 0; v < e->n_venues; v++)
		bound += 2ull * ec->ring_capacity + 2ull * e->cfg->venues[v].max_open_orders +
			 4 * XR_MAX_BURST + 16;
	if (bound > UINT32_MAX / 2)
		goto nomem;
	a->fb_over.cap = (uint32_t)bound;
	a->fb_over.m = calloc(a->fb_over.cap, sizeof(*a->fb_over.m));
	if (a->fb_over.m == NULL)
		goto nomem;
	/* Order ids come from validate's counter: sequential slots. */
	int rc = xr_u64map_init_seq(&a->parents, e->cfg->engine.max_inflight_orders,
				sizeof(struct xr_parent));
	if (rc != 0) {
		snprintf(err, err_len, "aggregate: order table of %u: %s",
			 e->cfg->engine.max_inflight_orders, strerror(-rc));
		return rc;
	}
	return 0;
nomem:
	snprintf(err, err_len, "aggregate: out of memory");
	return -ENOMEM;
}

void
xr_aggregate_fini(struct xr_aggregate *a)
{
	struct xr_engine *e = a->st.eng;

	if (a->venue_hist != NULL && e != NULL)
		for (uint32_t v = 0; v < e->n_venues; v++)
			xr_hist_destroy(a->venue_hist[v]);
	for (int h = 0; h < XR_H_COUNT; h++)
		xr_hist_destroy(a->hist[h]);
	xr_hist_destroy(a->detect_hist);
	xr_hist_destroy(a->reroute_hist);
	xr_hist_destroy(a->recovery_hist);
	a->recovery_hist = NULL;
	free(a->evq.m);
	a->evq.m = NULL;
	xr_table_free(a->pos);
	a->pos = NULL;
	free(a->fb_over.m);
	a->fb_over.m = NULL;
	a->detect_hist = a->reroute_hist = NULL;
	free(a->venue_hist);
	free(a->venues);
	free(a->pairs);
	xr_u64map_fini(&a->parents);
	memset(a->hist, 0, sizeof(a->hist));
	a->venue_hist = NULL;
	a->venues = NULL;
	a->pairs = NULL;
}

size_t
xr_aggregate_prefault(struct xr_aggregate *a)
{
	const struct xr_engine *e = a->st.eng;
	size_t n = xr_prefault(a->venues, e->n_venues * sizeof(*a->venues)) +
		   xr_prefault(a->pairs, (size_t)e->n_venues * e->n_symbols * sizeof(*a->pairs)) +
		   xr_prefault(a->venue_hist, e->n_venues * sizeof(*a->venue_hist));

	for (uint32_t v = 0; v < e->n_venues; v++)
		n += xr_prefault(a->venue_hist[v], sizeof(*a->venue_hist[v]));
	for (int h = 0; h < XR_H_COUNT; h++)
		n += xr_prefault(a->hist[h], sizeof(*a->hist[h]));
	n += xr_prefault(a->detect_hist, sizeof(*a->detect_hist));
	n += xr_prefault(a->fb_over.m, (size_t)a->fb_over.cap * sizeof(*a->fb_over.m));
	n += xr_prefault(a->reroute_hist, sizeof(*a->reroute_hist));
	n += xr_prefault(a->recovery_hist, sizeof(*a->recovery_hist));
	n += xr_prefault(a->evq.m, (size_t)a->evq.cap * sizeof(*a->evq.m));
	n += xr_prefault(a->pos, (size_t)e->n_users * e->n_venues * e->n_symbols *
					 sizeof(*a->pos));
	return n;
}
