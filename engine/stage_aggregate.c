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
 *     a new venue metrics snapshot is published (snapshot_pvt.h).
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
#include "xr_clock.h"

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

static void
xr__venue_sample(struct xr_aggregate *a, const struct xr_msg *m, bool ok)
{
	struct xr_venue_stats *vs = &a->venues[m->venue];
	struct xr_pair_stats *ps =
		&a->pairs[(size_t)m->venue * a->st.eng->n_symbols + m->symbol];
	uint64_t lat = m->t[XR_T_REPORT] > m->t[XR_T_EXECUTE]
			       ? m->t[XR_T_REPORT] - m->t[XR_T_EXECUTE] : 0;

	if (vs->lat_n == XR_STATS_WINDOW)
		vs->lat_sum -= vs->lat_ns[vs->lat_pos];
	else
		vs->lat_n++;
	vs->lat_ns[vs->lat_pos] = lat;
	vs->lat_sum += lat;
	vs->lat_pos = vs->lat_pos + 1 == XR_STATS_WINDOW ? 0 : vs->lat_pos + 1;
	xr__window_push(vs->ok, &vs->ok_sum, &vs->ok_n, &vs->ok_pos, ok);
	xr__window_push(ps->ok, &ps->ok_sum, &ps->ok_n, &ps->ok_pos, ok);
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
	if (r->cum_qty > r->order_qty)
		a->overfills++;
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
	return m->final == XR_FINAL_FAILED || m->ord_status == XR_OS_FILLED ||
	       m->ord_status == XR_OS_CANCELED || m->ord_status == XR_OS_REJECTED ||
	       m->ord_status == XR_OS_EXPIRED;
}

static void
xr__on_report(struct xr_aggregate *a, struct xr_msg *m, uint64_t now,
	      struct xr_msg *out, uint32_t *n_out)
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
	}
	if (m->venue < XR_MAX_VENUES)
		p->venue_mask |= UINT64_C(1) << m->venue;
	if (!xr__terminal(m))
		return;

	bool failed = m->final == XR_FINAL_FAILED;
	bool rejected = !failed && m->ord_status == XR_OS_REJECTED;
	if (m->venue < e->n_venues && m->t[XR_T_EXECUTE] != 0) {
		xr__venue_sample(a, m, !failed && !rejected);
		struct xr_venue_stats *vs = &a->venues[m->venue];
		vs->filled += m->ord_status == XR_OS_FILLED;
		vs->rejected += rejected;
		vs->failed += failed;
	}
	p->est_fees += m->est_fees;
	p->children_done++;
	p->n_failed += failed;
	p->n_rejected += rejected;
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
	r.reason = p->last_reason;
	if (p->cum_qty == m->order_qty) {
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
		a->venues[m->venue].healthy = m->ord_status != 0;
		a->health_changed = true;
		return;
	}
	if (m->symbol >= e->n_symbols)
		return;
	struct xr_pair_stats *ps = &a->pairs[(size_t)m->venue * e->n_symbols + m->symbol];
	ps->bid_px = m->limit_px;
	ps->ask_px = m->est_fees;
	ps->bid_qty = m->qty;
	ps->ask_qty = m->order_qty;
	a->dirty = true;
}

void
xr_aggregate_publish(struct xr_aggregate *a, uint64_t now_ns)
{
	struct xr_engine *e = a->st.eng;
	struct xr_snapshot *s = xr_snapshot_take(&e->snaps);

	if (s == NULL) {
		/* Every buffer awaits its grace period: try again an interval
		 * later (counted in the pool's skipped). */
		a->last_publish_ns = now_ns;
		return;
	}
	for (uint32_t v = 0; v < e->n_venues; v++) {
		const struct xr_venue_stats *vs = &a->venues[v];
		struct xr_venue_metrics *vm = &s->venues[v];
		vm->latency_avg_ns = vs->lat_n ? vs->lat_sum / vs->lat_n : 0;
		vm->success_ppm = vs->ok_n ? (uint32_t)((uint64_t)vs->ok_sum * 1000000 / vs->ok_n)
					   : 1000000;
		vm->samples = vs->ok_n;
		vm->completed = vs->completed;
		vm->fee_maker_cbps = e->cfg->venues[v].fee_maker_cbps;
		vm->fee_taker_cbps = e->cfg->venues[v].fee_taker_cbps;
		vm->healthy = vs->healthy;
	}
	for (uint32_t sym = 0; sym < e->n_symbols; sym++) {
		int64_t best_bid = 0, best_ask = 0;
		for (uint32_t v = 0; v < e->n_venues; v++) {
			size_t k = (size_t)v * e->n_symbols + sym;
			const struct xr_pair_stats *ps = &a->pairs[k];
			struct xr_venue_sym_metrics *vm = &s->vs[k];
			vm->bid_px = ps->bid_px;
			vm->ask_px = ps->ask_px;
			vm->bid_qty = ps->bid_qty;
			vm->ask_qty = ps->ask_qty;
			vm->pair_samples = ps->ok_n;
			vm->pair_success_ppm = ps->ok_n
				? (uint32_t)((uint64_t)ps->ok_sum * 1000000 / ps->ok_n) : 0;
			if (!a->venues[v].healthy)
				continue;
			if (ps->bid_px > 0 && ps->bid_px > best_bid)
				best_bid = ps->bid_px;
			if (ps->ask_px > 0 && (best_ask == 0 || ps->ask_px < best_ask))
				best_ask = ps->ask_px;
		}
		s->ref_px[sym] = best_bid && best_ask ? best_bid + (best_ask - best_bid) / 2
						      : best_bid ? best_bid : best_ask;
	}
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
	struct xr_msg in[XR_MAX_BURST], out[XR_MAX_BURST];
	uint32_t n_out = 0, work = 0;
	uint32_t room = xr_ring_room(a->out, e->cfg->engine.burst);
	uint64_t now = 0, completed_before = a->completed;

	if (room == 0)
		st->out_stalls++;
	/* Each input message yields at most one result: take <= room. */
	for (uint32_t src = 0; src < 2 + e->n_venues && room > 0; src++) {
		struct xr_ring *ring = src == 0 ? a->rejects_v
				       : src == 1 ? a->rejects_r : a->in[src - 2];
		uint32_t n = xr_ring_dequeue_burst(ring, in, room);
		if (n == 0)
			continue;
		/* Read after the dequeue: every stamp in these messages was
		 * taken before it, so stage latencies are never negative. */
		now = xr_now_ns();
		for (uint32_t i = 0; i < n; i++) {
			struct xr_msg *m = &in[i];
			uint32_t before = n_out;
			switch (m->kind) {
			case XR_MSG_REJECT:
				xr__on_reject(a, m, now, out, &n_out);
				break;
			case XR_MSG_REPORT:
				m->t[XR_T_AGGREGATE] = now;
				xr__on_report(a, m, now, out, &n_out);
				break;
			case XR_MSG_MD:
			case XR_MSG_VENUE_STATUS:
				xr_aggregate_apply(a, m);
				break;
			default:
				a->bad_messages++;
				break;
			}
			room -= n_out - before;
		}
		work += n;
	}
	xr_ring_enqueue_burst(a->out, out, n_out);
	if (a->completed != completed_before)
		xr__publish_completed(a);
	st->items += work;
	if (now == 0)
		now = *st->loop_ns;
	if (a->health_changed ||
	    (a->dirty && now - a->last_publish_ns >= a->publish_interval_ns))
		xr_aggregate_publish(a, now);
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
		if ((a->venue_hist[v] = xr_hist_create()) == NULL)
			goto nomem;
	}
	for (int h = 0; h < XR_H_COUNT; h++)
		if ((a->hist[h] = xr_hist_create()) == NULL)
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
	return n;
}
