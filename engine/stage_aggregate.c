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
 * Fill events (io.fill_events, for xroute serve): one XR_MSG_FILL per
 * report with a fill (its increment: LastQty, notional, fees), preceded
 * once per parent by one with cum_qty 0 when a child is first
 * acknowledged by its venue (ord_status new, partially filled or filled,
 * or a fill), all before the parent's result.
 *
 * An execute stage's acknowledgment of a cancel of a signal
 * (XR_MSG_CONTROL, XR_CTL_CANCEL_SIGNAL) goes on to route on the feedback
 * ring, behind every child this venue's reports before it sent back
 * (stage_route.c, "CANCELING A SIGNAL").
 *
 * Each message in yields at most one result out (three messages with fill
 * events: the acknowledgment, the fill and the result); the stage takes no
 * more input than aggregate_to_output has room for.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "venue_stats_pvt.h"
#include "xr_table.h"
#include "xr_clock.h"

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

void
xr_aggregate_push_event(struct xr_aggregate *a, const struct xr_msg *m)
{
	if (!xr__fifo_push(&a->evq, m))
		a->events_dropped++;
}

void
xr_aggregate_flush_events(struct xr_aggregate *a)
{
	if (a->journal == NULL) {
		xr__fifo_drain(&a->evq, a->out);
		return;
	}
	/* Each event into the journal before the output ring; only those
	 * journaled move on. */
	struct xr_msg_fifo *f = &a->evq;
	for (; a->evq_jn < f->n; a->evq_jn++)
		if (!xr_ring_enqueue(a->journal, &f->m[(f->head + a->evq_jn) % f->cap])) {
			a->journal_stalls++;
			break;
		}
	uint32_t later = f->n - a->evq_jn;
	f->n = a->evq_jn;
	xr__fifo_drain(f, a->out);
	a->evq_jn = f->n;
	f->n += later;
}

/*
 * Fill events of report @p m of parent @p p (io.fill_events): the
 * parent's first acknowledgment by a venue (cum_qty 0, once per parent),
 * then this report's fill if it has one. Only the fields XR_MSG_FILL
 * names are meant; the rest is the report's.
 */
static void
xr__fill_events(struct xr_aggregate *a, struct xr_parent *p, const struct xr_msg *m,
		struct xr_msg *out, uint32_t *n_out)
{
	bool ack = m->cum_qty > 0 || m->ord_status == XR_OS_NEW ||
		   m->ord_status == XR_OS_PARTIALLY_FILLED || m->ord_status == XR_OS_FILLED;

	if (!ack)
		return;
	if (!p->acked) {
		struct xr_msg *f = &out[(*n_out)++];
		*f = *m;
		f->kind = XR_MSG_FILL;
		f->cum_qty = f->cum_notional = f->fees = 0;
		p->acked = 1;
		a->fills_sent++;
	}
	if (m->cum_qty > 0) {
		struct xr_msg *f = &out[(*n_out)++];
		*f = *m;
		f->kind = XR_MSG_FILL;
		a->fills_sent++;
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
	if (__builtin_expect(a->fill_events, 0))
		xr__fill_events(a, p, m, out, n_out);
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
		xr_venue_stats_sample(a, m, o);
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

static uint32_t
xr__aggregate_work(struct xr_stage *st)
{
	struct xr_aggregate *a = (struct xr_aggregate *)st;
	struct xr_engine *e = st->eng;
	struct xr_msg in[XR_MAX_BURST], out[XR_MAX_BURST], fb[XR_MAX_BURST];
	uint32_t n_out = 0, n_fb = 0, work = 0;
	/* Messages out per message in, at most: with fill events a report
	 * may make an acknowledgment, a fill and a result (out_extra then
	 * asks room for up to three bursts, out[] holding XR_MAX_BURST). */
	uint32_t room = xr_ring_room(a->out, e->cfg->engine.burst + a->out_extra);
	uint64_t now = 0, completed_before = a->completed;
	uint32_t per = a->fill_events ? 3 : 1;

	if (room == 0)
		st->out_stalls++;
	if (a->journal != NULL) {
		/* A result per input message at most: a journal slot each. */
		uint32_t jr = xr_ring_room(a->journal, XR_MAX_BURST);
		if ((uint64_t)jr * per < room) {
			room = jr * per;
			a->journal_stalls++;
		}
	}
	xr__fifo_drain(&a->fb_over, a->feedback); /* waiting re-sends first */
	/* Each input message yields at most one result or one re-sent child
	 * (feedback ring, else the overflow: never full); both count against
	 * room, which also bounds out[] and fb[] (one burst in all). */
	for (uint32_t src = 0; src < 3 + e->n_venues && room >= per; src++) {
		struct xr_ring *ring = src == 0   ? a->rejects_i
				       : src == 1 ? a->rejects_v
				       : src == 2 ? a->rejects_r
						  : a->in[src - 3];
		uint32_t n = xr_ring_dequeue_burst(ring, in, per == 1 ? room : room / per);
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
				xr_venue_stats_on_circuit(a, m);
				break;
			case XR_MSG_CONTROL:
				st->doing |= 1u << XR_DO_CONTROL;
				if (m->reason == XR_CTL_CANCEL_SIGNAL) {
					/* A venue's answer to a cancel: for route. */
					fb[n_fb++] = *m;
					a->cancel_acks++;
					break;
				}
				xr_venue_stats_on_control(a, m);
				break;
			case XR_MSG_ALERT:
				/* One-shot, from an execute stage (a fill
				 * outside its limit): counted, logged. */
				if (m->venue < e->n_venues && m->reason < XR_ALERT_COUNT) {
					a->alerts[m->reason]++;
					a->venues[m->venue].alerts++;
					xr_aggregate_push_event(a, m);
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
	for (uint32_t i = 0; a->journal != NULL && i < n_out; i++)
		if (out[i].kind == XR_MSG_RESULT)
			xr_ring_enqueue(a->journal, &out[i]); /* room: taken above */
	xr_ring_enqueue_burst(a->out, out, n_out);
	xr_aggregate_flush_events(a);
	if (now == 0)
		now = *st->loop_ns;
	/* At once on a health change or new parameters (SIGHUP); else every
	 * snapshot_interval_us while something changed. Before the children
	 * go back to route: a re-route then sees the failure that sent it
	 * back (which deterministic mode needs, io.deterministic). */
	if (a->health_changed || xr_params_current(&e->params)->version != a->params_version ||
	    (a->dirty && now - a->last_publish_ns >= a->publish_interval_ns)) {
		st->doing |= 1u << XR_DO_PUBLISH;
		xr_aggregate_publish(a, now);
	}
	uint32_t sent = a->fb_over.n == 0 ? xr_ring_enqueue_burst(a->feedback, fb, n_fb) : 0;
	for (uint32_t i = sent; i < n_fb; i++) {
		/* Cannot fill: fb_over.cap bounds every child in existence. */
		xr__fifo_push(&a->fb_over, &fb[i]);
		a->fb_parked++;
	}
	if (a->completed != completed_before)
		xr__publish_completed(a);
	st->items += work;
	return work;
}

/*
 * Deterministic mode (io.deterministic): the stage's work, which with
 * publish_interval_ns 0 publishes a snapshot in every call that changed
 * the stats, then the count of results emitted so far, once the snapshot
 * shows them (nothing left dirty: a publication deferred for want of a
 * buffer is retried next call). The ingress admits the next row when this
 * count reaches the rows it read. A wrapper chosen at init: the normal
 * stage's do_work is unchanged.
 */
static uint32_t
xr__aggregate_det_work(struct xr_stage *st)
{
	struct xr_aggregate *a = (struct xr_aggregate *)st;
	uint32_t work = xr__aggregate_work(st);

	if (a->dirty || a->health_changed)
		return work;
	uint64_t results = 0;
	for (int f = 0; f < XR_FINAL_COUNT; f++)
		results += a->finals[f];
	if (results != a->det_settled) {
		a->det_settled = results;
		/* R5: pairs with A5 in xr__ingress_det_work; the snapshot
		 * published above and the results are visible first. */
		atomic_store_explicit(&st->eng->det_settled, results, memory_order_release);
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
	struct xr_aggregate *a = e->aggregate;

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
	a->lat_keep = UINT64_MAX;
	if (e->io.deterministic) {
		/* Publish whenever something changed; gate the ingress. */
		a->publish_interval_ns = 0;
		a->st.do_work = xr__aggregate_det_work;
		a->lat_keep = 0;
	}
	a->fill_events = e->io.fill_events;
	if (a->fill_events) {
		uint32_t b = e->cfg->engine.burst;
		a->out_extra = (b * 3 < XR_MAX_BURST ? b * 3 : XR_MAX_BURST) - b;
	}
	a->venues = calloc(e->n_venues, sizeof(*a->venues));
	a->pairs = calloc((size_t)e->n_venues * e->n_symbols, sizeof(*a->pairs));
	a->venue_hist = calloc(e->n_venues, sizeof(*a->venue_hist));
	if (a->venues == NULL || a->pairs == NULL || a->venue_hist == NULL)
		goto nomem;
	for (uint32_t v = 0; v < e->n_venues; v++) {
		a->venues[v].healthy = 1;
		a->venues[v].up_since_ns = 1; /* set to the start time by the engine */
		/* Deterministic mode's latency sample: the prior round trip
		 * the snapshot shows before any sample (ns). */
		if (e->io.deterministic)
			a->venues[v].lat_fixed_ns =
				(uint64_t)e->cfg->venues[v].network_distance_us * 2000;
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
	/* And the acknowledgments of cancels in progress: route's cancel_cap
	 * (ring_capacity) of them, one per venue each. */
	bound += (uint64_t)ec->ring_capacity * e->n_venues;
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

void
xr_aggregate_regions(struct xr_aggregate *a, xr_region_fn visit, void *ctx)
{
	const struct xr_engine *e = a->st.eng;

	visit(ctx, a->venues, e->n_venues * sizeof(*a->venues));
	visit(ctx, a->pairs, (size_t)e->n_venues * e->n_symbols * sizeof(*a->pairs));
	visit(ctx, a->venue_hist, e->n_venues * sizeof(*a->venue_hist));
	for (uint32_t v = 0; v < e->n_venues; v++)
	visit(ctx, a->venue_hist[v], sizeof(*a->venue_hist[v]));
	for (int h = 0; h < XR_H_COUNT; h++)
	visit(ctx, a->hist[h], sizeof(*a->hist[h]));
	visit(ctx, a->detect_hist, sizeof(*a->detect_hist));
	visit(ctx, a->fb_over.m, (size_t)a->fb_over.cap * sizeof(*a->fb_over.m));
	visit(ctx, a->reroute_hist, sizeof(*a->reroute_hist));
	visit(ctx, a->recovery_hist, sizeof(*a->recovery_hist));
	visit(ctx, a->evq.m, (size_t)a->evq.cap * sizeof(*a->evq.m));
	visit(ctx, a->pos, (size_t)e->n_users * e->n_venues * e->n_symbols * sizeof(*a->pos));
}

int
xr_aggregate_restore_parent(struct xr_aggregate *a, uint64_t order_id, const struct xr_parent *p)
{
	bool inserted;
	struct xr_parent *q = xr_u64map_upsert(&a->parents, order_id, &inserted);

	if (q == NULL)
		return -ENOSPC;
	*q = *p;
	return 0;
}
