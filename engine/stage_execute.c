/*
 * Execute stage, one per venue: submits child orders through the venue's
 * connector and turns the connector's events into messages for the
 * aggregator (execution reports, failures, market data, venue status).
 *
 * Each do_work():
 *   1. flushes reports left over from the last call (if the aggregator's
 *      ring is still full it does nothing else: backpressure, no loss);
 *   2. polls the connector for due events;
 *   3. submits held children whose send time has come (TWAP slices, or
 *      children the connector refused with -EBUSY);
 *   4. dequeues new children — no more than it has free order tokens and
 *      hold room for — highest priority first within the burst (stop_loss
 *      before exit before entry), and submits or holds them;
 *   5. every health_check_interval_us, checks the connector's health and
 *      reports a change (a session loss opens the circuit at once).
 * A child lives in `live[token]` from submit until its terminal report;
 * tokens come from a stack, so nothing allocates.
 *
 * FAULT TOLERANCE (docs/failover.md)
 *   The venue's circuit breaker (xr_breaker.h) admits each child: a child
 *   it denies, or one the connector refuses because the session is down, is
 *   bounced at once as a failed report (circuit_open, disconnected): it was
 *   never sent, so the aggregator may send it elsewhere. Every child sent has
 *   a timer: no answer within order_timeout_us and it is UNKNOWN (a breaker
 *   failure) and its status is queried, again with backoff, until the venue
 *   answers: with the order's state (its fills are never lost), or with
 *   "unknown", which proves it not live: then it ends failed (timeout) and
 *   may be sent again. A child is never re-sent blind. Breaker transitions
 *   go to the aggregator as XR_MSG_VENUE_EVENT, before the report that
 *   caused them. Queries per child are bounded (max_status_queries): then
 *   it is in doubt, asked again only when the session comes back.
 *
 * VENUE VIOLATIONS
 *   A report taking a child past its quantity books only the part that
 *   fits (overfill_reports); a fill worse than the child's limit or the
 *   fill collar is booked and counted, with a one-shot alert
 *   (fills_outside_limit).
 *
 * CANCELING A SIGNAL (XR_CTL_CANCEL_SIGNAL, from route, docs/failover.md)
 *   Each live child of the signal here gets one cancel at the venue (its
 *   answer ends it, canceled, or filled if the fill won the race); each
 *   held one ends canceled unsent, reason none, at the next call. An
 *   acknowledgment with the count goes to the aggregator for route. The
 *   children are found through the signal index (io.signal_cancels) or,
 *   without it, one walk of the order table and the held slots.
 *
 * ENDING THE RUN (enum xr_drain, set by the owner thread)
 *   CANCEL: one cancel per live child; held and new children end canceled
 *   (stopped). END: every child still live ends unknown (in_doubt) or open
 *   (left_open), a burst per call, recorded for the summary.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stage_execute_pvt.h"
#include "xr_clock.h"
#include "xr_config_schema.h"

#define XR__NIL UINT32_MAX

/* ---- children by signal: struct xr_execute.sig_* (io.signal_cancels) ---- */

/* The bucket of signal @p sid: splitmix64-mixed, so crafted ids from a
 * source do not pile into one bucket. */
static inline uint32_t
xr__sig_bucket(const struct xr_execute *x, uint64_t sid)
{
	return (uint32_t)xr_u64map_mix(sid) & x->sig_mask;
}

/* Put child @p i (a token of live[] or a slot of held[]: @p held) at the
 * head of signal @p sid's bucket. Both out of line: the callers stay
 * small enough to be inlined where the index is off (file replay). */
__attribute__((noinline)) static void
xr__sig_link(struct xr_execute *x, uint64_t sid, bool held, uint32_t i)
{
	struct xr_sig_link *l = held ? x->held_link : x->live_link;
	uint32_t *head = &(held ? x->sig_held : x->sig_live)[xr__sig_bucket(x, sid)];

	l[i].prev = XR__NIL;
	l[i].next = *head - 1; /* empty (0) gives XR__NIL */
	if (*head != 0)
		l[*head - 1].prev = i;
	*head = i + 1;
}

/* Take child @p i out of signal @p sid's bucket. */
__attribute__((noinline)) static void
xr__sig_unlink(struct xr_execute *x, uint64_t sid, bool held, uint32_t i)
{
	struct xr_sig_link *l = held ? x->held_link : x->live_link;
	uint32_t p = l[i].prev, n = l[i].next;

	if (n != XR__NIL)
		l[n].prev = p;
	if (p != XR__NIL)
		l[p].next = n;
	else
		(held ? x->sig_held : x->sig_live)[xr__sig_bucket(x, sid)] = n + 1; /* NIL: 0 */
}

/* ---- held children: slots of held[], in an xr_heap by send_at_ns ---- */

static void
xr__held_push(struct xr_execute *x, const struct xr_msg *m)
{
	uint32_t slot = x->held_free[--x->n_held_free];

	x->held[slot] = *m;
	xr_heap_push(&x->held_q, slot, m->send_at_ns);
	if (__builtin_expect(x->by_signal_on, 0))
		xr__sig_link(x, m->signal_id, true, slot);
}

static void
xr__held_pop(struct xr_execute *x, struct xr_msg *out)
{
	uint32_t slot = xr_heap_pop(&x->held_q);

	*out = x->held[slot];
	x->held_free[x->n_held_free++] = slot;
	if (__builtin_expect(x->by_signal_on, 0))
		xr__sig_unlink(x, out->signal_id, true, slot);
}

/* ---- reports to the aggregator ---- */

static bool
xr__flush_outbox(struct xr_execute *x)
{
	uint32_t left = x->outbox_n - x->outbox_pos;

	/* Reports into the journal first (journal_pvt.h): a record is made
	 * before what it describes goes on. */
	for (; x->journal != NULL && x->outbox_jpos < x->outbox_n; x->outbox_jpos++) {
		const struct xr_msg *m = &x->outbox[x->outbox_jpos];
		if (m->kind == XR_MSG_REPORT && !xr_ring_enqueue(x->journal, m)) {
			x->journal_stalls++;
			return false;
		}
	}
	if (left != 0)
		x->outbox_pos += xr_ring_enqueue_burst(x->out, x->outbox + x->outbox_pos, left);
	if (x->outbox_pos < x->outbox_n) {
		x->st.out_stalls++;
		return false;
	}
	x->outbox_pos = x->outbox_n = x->outbox_jpos = 0;
	return true;
}

static struct xr_msg *
xr__outbox_add(struct xr_execute *x)
{
	/* Room: the outbox is empty when a call starts producing, and one call
	 * produces at most a burst of events, a burst of held and a burst of
	 * new submit errors, one alert and one status message, and while the
	 * run ends a burst of ended children (outbox_cap). */
	return &x->outbox[x->outbox_n++];
}

/* ---- child timers: two FIFO lists and a heap (struct xr_child_timer) ---- */

static void
xr__tl_append(struct xr_execute *x, struct xr_timer_list *l, uint32_t tok)
{
	struct xr_child_timer *ct = &x->timer[tok];

	ct->prev = l->tail;
	ct->next = XR__NIL;
	if (l->tail == XR__NIL)
		l->head = tok;
	else
		x->timer[l->tail].next = tok;
	l->tail = tok;
}

static void
xr__tl_unlink(struct xr_execute *x, struct xr_timer_list *l, uint32_t tok)
{
	struct xr_child_timer *ct = &x->timer[tok];

	if (ct->prev == XR__NIL)
		l->head = ct->next;
	else
		x->timer[ct->prev].next = ct->next;
	if (ct->next == XR__NIL)
		l->tail = ct->prev;
	else
		x->timer[ct->next].prev = ct->prev;
}

static void
xr__timer_cancel(struct xr_execute *x, uint32_t tok)
{
	struct xr_child_timer *ct = &x->timer[tok];
	uint8_t q = ct->queue;

	ct->queue = XR_TQ_NONE;
	if (q == XR_TQ_SENT) {
		xr__tl_unlink(x, &x->tsent, tok);
	} else if (q == XR_TQ_LIVE) {
		xr__tl_unlink(x, &x->tlive, tok);
	} else if (q == XR_TQ_HEAP) {
		xr_heap_remove(&x->theap, tok);
	}
}

/*
 * Arm @p tok's timer for @p due in queue @p q. The lists stay in due order
 * because every timer in one list has the same length and the stage arms
 * them with its clock, which never goes back.
 */
static void
xr__timer_arm(struct xr_execute *x, uint32_t tok, uint8_t q, uint64_t due)
{
	xr__timer_cancel(x, tok);
	x->timer[tok].due_ns = due;
	x->timer[tok].queue = q;
	if (q == XR_TQ_SENT) {
		xr__tl_append(x, &x->tsent, tok);
	} else if (q == XR_TQ_LIVE) {
		xr__tl_append(x, &x->tlive, tok);
	} else {
		xr_heap_push(&x->theap, tok, due);
	}
}

/* The token whose timer is due first, XR__NIL if none is due at @p now. */
static uint32_t
xr__timer_due(const struct xr_execute *x, uint64_t now)
{
	uint32_t best = XR__NIL;
	uint64_t best_due = now;
	uint32_t cand[3] = { x->tsent.head, x->tlive.head, xr_heap_top(&x->theap) };

	for (int i = 0; i < 3; i++) {
		if (cand[i] != XR__NIL && x->timer[cand[i]].due_ns <= best_due) {
			best = cand[i];
			best_due = x->timer[best].due_ns;
		}
	}
	return best;
}

/* Free token @p token, whose child is not in the signal index (its
 * submit failed). */
/* A child taken back after a crash has its venue's first answer (or
 * ended): one fewer for serve's readiness to wait for. */
static void
xr__adopt_settled(struct xr_execute *x, struct xr_child_timer *ct)
{
	ct->adopted = 0;
	x->adopted_open--;
	/* Relaxed: a self-contained gauge for the owner. */
	atomic_store_explicit(&x->live_gauges->recovering, (uint32_t)x->adopted_open,
			      memory_order_relaxed);
}

static inline __attribute__((always_inline)) void
xr__free_token(struct xr_execute *x, uint32_t token)
{
	if (__builtin_expect(x->timer[token].adopted, 0))
		xr__adopt_settled(x, &x->timer[token]);
	xr__timer_cancel(x, token);
	x->timer[token].state = 0;
	x->timer[token].probe = 0;
	x->live[token].kind = 0;
	x->free_tokens[x->n_free++] = token;
}

/* Child @p token (sent) has ended. Inlined at each caller, as it is
 * without the index branch: a call per child ended costs more than the
 * ending. */
static inline __attribute__((always_inline)) void
xr__end_child(struct xr_execute *x, uint32_t token)
{
	if (__builtin_expect(x->by_signal_on, 0))
		xr__sig_unlink(x, x->live[token].signal_id, false, token);
	xr__free_token(x, token);
}

/* Interval between status checks of a child live at the venue: 16 order
 * timeouts. Checks of many children spread as their answers did. */
static uint64_t
xr__live_check_ns(const struct xr_execute *x)
{
	return 16 * x->order_timeout_ns;
}

/* ---- circuit breaker ---- */

/* A breaker transition, to the aggregator (fields: struct xr_msg). */
static void
xr__circuit_event(struct xr_execute *x, const struct xr_breaker_transition *t)
{
	struct xr_msg *m = xr__outbox_add(x);

	memset(m, 0, sizeof(*m));
	m->kind = XR_MSG_VENUE_EVENT;
	m->venue = x->venue;
	m->ord_status = t->to;
	m->side = t->from;
	m->reason = t->cause;
	m->send_at_ns = t->at_ns;
	m->ts_ns = (int64_t)t->first_fail_ns;
}

/* The first answer (or the timeout) of child @p tok: a breaker outcome. */
static void
xr__outcome(struct xr_execute *x, uint32_t tok, bool failure, uint64_t now)
{
	struct xr_breaker_transition t;

	if (xr_breaker_record(&x->breaker, failure, x->timer[tok].probe != 0, now, &t))
		xr__circuit_event(x, &t);
	x->timer[tok].probe = 0;
}

static void
xr__force_open(struct xr_execute *x, uint64_t since, uint64_t now)
{
	struct xr_breaker_transition t;

	if (xr_breaker_force_open(&x->breaker, XR_BRK_DISCONNECT, since, now, &t))
		xr__circuit_event(x, &t);
}

/* Child @p c was not sent: a report with @p ord_status, @p final and
 * @p reason and no venue sample; it is not live. */
static void
xr__not_sent(struct xr_execute *x, const struct xr_msg *c, uint8_t ord_status, uint8_t final,
	     uint16_t reason, uint64_t now)
{
	struct xr_msg *r = xr__outbox_add(x);

	*r = *c;
	r->kind = XR_MSG_REPORT;
	r->ord_status = ord_status;
	r->final = final;
	r->reason = reason;
	r->cum_qty = r->cum_notional = r->fees = 0;
	r->t[XR_T_EXECUTE] = 0; /* never reached the venue: no venue sample */
	r->t[XR_T_REPORT] = now;
}

/* Child @p c was bounced (@p reason): failed, so it may go elsewhere. */
static void
xr__bounce(struct xr_execute *x, const struct xr_msg *c, uint16_t reason, uint64_t now)
{
	xr__not_sent(x, c, XR_OS_REJECTED, XR_FINAL_FAILED, reason, now);
	x->bounced++;
}

/* Submit @p c, bounce it, or hold it: @return false if it was held for a
 * retry (the venue's rate limit had no token, or the connector said
 * -EBUSY). */
static bool
xr__submit(struct xr_execute *x, struct xr_msg *c, uint64_t now)
{
	enum xr_breaker_verdict v = xr_breaker_admit(&x->breaker);

	if (v == XR_BRK_DENY) {
		xr__bounce(x, c, XR_R_CIRCUIT_OPEN, now);
		return true;
	}
	if (x->bucket_rate != 0 && !xr_token_bucket_take(&x->bucket, now)) {
		/* Venue rate limit: wait for a token, never drop. */
		if (v == XR_BRK_PROBE)
			xr_breaker_unadmit(&x->breaker);
		x->rate_limited++;
		xr__held_push(x, c);
		return false;
	}
	uint32_t token = x->free_tokens[--x->n_free];
	struct xr_conn_order o = {
		.cl_ord_id = c->cl_ord_id,
		.token = token,
		.symbol = c->symbol,
		.side = c->side,
		.ord_type = c->ord_type,
		.tif = c->tif,
		.qty = c->qty,
		.limit_px = c->limit_px,
	};

	c->t[XR_T_EXECUTE] = now;
	x->live[token] = *c;
	x->live[token].cum_qty = 0; /* fills reported so far (duplicates) */
	int rc = x->conn.ops->submit(x->conn.ctx, &o, now);
	if (rc == 0) {
		struct xr_child_timer *ct = &x->timer[token];
		/* Indexed once sent: what is here is live at the venue. */
		if (__builtin_expect(x->by_signal_on, 0))
			xr__sig_link(x, c->signal_id, false, token);
		ct->state = XR_CS_SENT;
		ct->probe = v == XR_BRK_PROBE;
		ct->queries = 0;
		xr__timer_arm(x, token, XR_TQ_SENT, now + x->order_timeout_ns);
		x->submitted++;
		return true;
	}
	xr__free_token(x, token);
	if (rc == -EBUSY) {
		/* The venue's order table is full: hold and retry, never drop.
		 * send_at_ns stays as routed (already due), so the wait counts
		 * as route latency, not as TWAP schedule. */
		if (v == XR_BRK_PROBE)
			xr_breaker_unadmit(&x->breaker);
		x->busy++;
		xr__held_push(x, c);
		return false;
	}
	if (rc == -ENOTCONN) {
		/* The session is down: not sent, so not live; open now (from
		 * HALF_OPEN too, which also ends this probe). */
		xr__force_open(x, now, now);
		xr__bounce(x, c, XR_R_DISCONNECTED, now);
		return true;
	}
	if (v == XR_BRK_PROBE)
		xr_breaker_unadmit(&x->breaker);
	struct xr_msg *r = xr__outbox_add(x);
	*r = *c;
	r->kind = XR_MSG_REPORT;
	r->ord_status = XR_OS_REJECTED;
	r->reason = rc == -EOPNOTSUPP ? XR_R_UNSUPPORTED : XR_R_VENUE_REJECT;
	r->cum_qty = r->cum_notional = r->fees = 0;
	r->t[XR_T_REPORT] = now;
	return true;
}

/* Follow the venue's rate limit in the current parameters (reloadable). */
static void
xr__rate_limit_sync(struct xr_execute *x, uint64_t now)
{
	const struct xr_params *pp = xr_params_current(&x->st.eng->params);
	const struct xr_venue_params *vp = &pp->venue[x->venue];

	if (pp->version == x->bucket_version)
		return;
	x->bucket_version = pp->version;
	if (vp->rate_limit_per_s == x->bucket_rate && vp->rate_limit_burst == x->bucket.burst)
		return;
	x->bucket_rate = vp->rate_limit_per_s;
	if (x->bucket_rate != 0)
		xr_token_bucket_init(&x->bucket, vp->rate_limit_per_s,
				     vp->rate_limit_burst ? vp->rate_limit_burst : 1, now);
}

/* Publish the gauges the snapshot shows (struct xr_venue_live), when
 * they change. */
static void
xr__gauges(struct xr_execute *x)
{
	uint32_t headroom = 1000000, depth = xr_heap_count(&x->held_q) + (x->cap - x->n_free);

	if (x->bucket_rate != 0) {
		int64_t t = x->bucket.nano_tokens < 0 ? 0 : x->bucket.nano_tokens;
		headroom = (uint32_t)((xr_i128)t * 1000 / ((int64_t)x->bucket.burst * 1000000));
		if (headroom > 1000000)
			headroom = 1000000;
	}
	if (headroom != x->gauge_headroom) {
		x->gauge_headroom = headroom;
		atomic_store_explicit(&x->live_gauges->headroom_ppm, headroom,
				      memory_order_relaxed);
	}
	if (depth != x->gauge_depth) {
		x->gauge_depth = depth;
		atomic_store_explicit(&x->live_gauges->queue_depth, depth, memory_order_relaxed);
	}
}

static bool
xr__is_terminal(uint8_t os)
{
	return os == XR_OS_FILLED || os == XR_OS_CANCELED || os == XR_OS_REJECTED ||
	       os == XR_OS_EXPIRED;
}

/*
 * A fill of child @p c (@p qty at @p notional, this report's) at a price
 * worse than its limit, or for a market child worse than its arrival
 * price by more than fill_collar_bps, is a venue violation: the venue's
 * fill stands and is booked, but it is counted and raised as an alert
 * (at most one per venue per second). The average price is compared
 * without a division, notional * 10^8 against bound * qty in 128 bits,
 * with one unit of notional of slack for the venue's rounding.
 */
static void
xr__check_price(struct xr_execute *x, const struct xr_msg *c, int64_t qty, int64_t notional,
		uint64_t now)
{
	int64_t bound = c->limit_px;

	if (c->ord_type != XR_ORD_LIMIT || bound <= 0) {
		if (x->collar_bps == 0 || c->arrival_px <= 0)
			return;
		/* In 64 bits below 92233720368 / 10^4 (a constant divisor
		 * is a multiply); a 128-bit division is a __divti3 call. */
		int64_t d = c->arrival_px <= INT64_MAX / 10000
				    ? c->arrival_px * x->collar_bps / 10000
				    : (int64_t)((xr_i128)c->arrival_px * x->collar_bps / 10000);
		bound = c->side == XR_SIDE_BUY ? c->arrival_px + d : c->arrival_px - d;
	}
	xr_i128 paid = (xr_i128)notional * XR_QTY_SCALE, at = (xr_i128)bound * qty;
	if (c->side == XR_SIDE_BUY ? paid <= at + XR_QTY_SCALE : paid + XR_QTY_SCALE >= at)
		return;
	x->fills_outside_limit++;
	if (x->outside_alert_ns != 0 && now - x->outside_alert_ns < UINT64_C(1000000000))
		return;
	x->outside_alert_ns = now;
	struct xr_msg *m = xr__outbox_add(x);
	memset(m, 0, sizeof(*m));
	m->kind = XR_MSG_ALERT;
	m->venue = x->venue;
	m->reason = XR_ALERT_FILL_OUTSIDE_LIMIT;
	m->ord_status = 1;
	m->send_at_ns = now;
	m->qty = (int64_t)x->fills_outside_limit;
	m->limit_px = (int64_t)(paid / qty);
	m->signal_id = c->signal_id;
	m->cl_ord_id = c->cl_ord_id;
	m->line = c->line;
}

uint32_t
xr_execute_poll(struct xr_execute *x, uint64_t now_ns)
{
	struct xr_conn_event ev[XR_MAX_BURST];
	uint32_t max = x->st.eng->cfg->engine.burst;
	uint32_t n = x->conn.ops->poll(x->conn.ctx, now_ns, ev, max);

	for (uint32_t i = 0; i < n; i++) {
		const struct xr_conn_event *e = &ev[i];
		if (e->kind == XR_EV_MARKET_DATA) {
			struct xr_msg *m = xr__outbox_add(x);
			memset(m, 0, sizeof(*m));
			m->kind = XR_MSG_MD;
			m->venue = x->venue;
			m->symbol = e->symbol;
			m->side = e->side;
			m->child_idx = e->level;
			m->n_children = e->n_levels;
			m->limit_px = e->px;
			m->qty = e->md_qty;
			continue;
		}
		if (e->token >= x->cap || x->live[e->token].kind != XR_MSG_CHILD ||
		    x->live[e->token].cl_ord_id != e->cl_ord_id) {
			/* "Unknown" for no live order of ours: the answer to a
			 * second status query of a child that has ended since,
			 * expected and ignored. Any other report for no live
			 * order is a venue protocol error, counted; it cannot
			 * be attributed to a signal. */
			if (e->kind == XR_EV_ORDER_UNKNOWN)
				x->stale_answers++;
			else
				x->bad_events++;
			continue;
		}
		uint32_t tok = e->token;
		struct xr_child_timer *ct = &x->timer[tok];
		struct xr_msg *live = &x->live[tok];
		if (__builtin_expect(ct->adopted, 0))
			xr__adopt_settled(x, ct);
		bool not_live = e->kind == XR_EV_ORDER_FAILED || e->kind == XR_EV_ORDER_UNKNOWN;
		bool failure = not_live ||
			       (e->kind == XR_EV_EXEC_REPORT && e->ord_status == XR_OS_REJECTED);
		/* The breaker first: its event reaches the aggregator before
		 * the report it caused. */
		if (ct->state == XR_CS_SENT)
			xr__outcome(x, tok, failure, now_ns);
		else if (ct->state == XR_CS_UNKNOWN)
			x->unknown_resolved++;
		int64_t last = e->last_qty, notional = e->last_notional, fees = e->last_fees;
		if (last > 0 && e->cum_qty < live->cum_qty + last) {
			/* CumQty says these fills were reported before. */
			x->dup_fills++;
			last = notional = fees = 0;
		}
		if (last > live->qty - live->cum_qty) {
			/* More than the order: the excess cannot be ours. The
			 * part that fits is booked, pro rata; the rest is
			 * counted, never booked as a position. */
			int64_t fit = live->qty - live->cum_qty;
			x->overfill_reports++;
			x->overfill_qty += last - fit;
			notional = (int64_t)((xr_i128)notional * fit / last);
			fees = (int64_t)((xr_i128)fees * fit / last);
			last = fit;
		}
		if (last > 0)
			xr__check_price(x, live, last, notional, now_ns);
		live->cum_qty += last;
		struct xr_msg *m = xr__outbox_add(x);
		*m = *live;
		m->kind = XR_MSG_REPORT;
		m->t[XR_T_REPORT] = now_ns;
		m->reason = e->reason;
		m->cum_qty = last;
		m->cum_notional = notional;
		m->fees = fees;
		x->reports++;
		if (not_live) {
			/* Failed, or unknown to the venue: not live, nothing more
			 * can fill. Unfilled, it may be sent again. */
			bool unfilled = live->cum_qty == 0;
			m->ord_status = unfilled ? XR_OS_REJECTED : XR_OS_CANCELED;
			m->final = unfilled ? XR_FINAL_FAILED : XR_FINAL_NONE;
			if (m->reason == XR_R_NONE)
				m->reason = e->kind == XR_EV_ORDER_UNKNOWN ? XR_R_TIMEOUT
									   : XR_R_VENUE_FAILURE;
			xr__end_child(x, tok);
			continue;
		}
		m->ord_status = e->ord_status;
		if (xr__is_terminal(e->ord_status)) {
			xr__end_child(x, tok);
		} else {
			/* Live at the venue: check on it now and then, so a lost
			 * terminal answer is found (reconciliation). */
			ct->state = XR_CS_LIVE;
			ct->queries = 0;
			xr__timer_arm(x, tok, XR_TQ_LIVE, now_ns + xr__live_check_ns(x));
		}
	}
	return n;
}

/* Children whose timer is due: the order timeout (the child becomes
 * UNKNOWN, a breaker failure), the next status query of an UNKNOWN child,
 * with backoff (base order_timeout_us, doubling to 16x), or the periodic
 * status check of a LIVE one (xr__live_check_ns). */
static uint32_t
xr__timers(struct xr_execute *x, uint64_t now, uint32_t burst)
{
	uint32_t k = 0;

	for (uint32_t tok; k < burst && (tok = xr__timer_due(x, now)) != XR__NIL; k++) {
		struct xr_child_timer *ct = &x->timer[tok];
		if (ct->state == XR_CS_SENT) {
			x->timeouts++;
			ct->state = XR_CS_UNKNOWN;
			xr__outcome(x, tok, true, now);
			/* timeout_policy = cancel: if the order is live after
			 * all, end it; the status query below still tells. */
			if (x->cancel_on_timeout &&
			    x->conn.ops->cancel(x->conn.ctx, x->live[tok].cl_ord_id, now) == 0)
				x->timeout_cancels++;
		}
		bool sent = x->conn.ops->status(x->conn.ctx, x->live[tok].cl_ord_id, tok, now) == 0;
		x->queries += sent;
		if (ct->state == XR_CS_LIVE) {
			xr__timer_arm(x, tok, XR_TQ_LIVE, now + xr__live_check_ns(x));
			continue;
		}
		if (sent && ct->queries < UINT8_MAX)
			ct->queries++;
		if (ct->queries >= x->max_queries) {
			/* Bounded: in doubt from now on, no more queries until
			 * the venue reports on its own or its session comes
			 * back (xr__requery); the end of the run settles it. */
			x->queries_capped++;
			xr__timer_cancel(x, tok);
			continue;
		}
		/* The first 8 queries back off to 16 order timeouts (a short
		 * outage is settled within tens of ms); later ones on to 1 s,
		 * so max_status_queries spans seconds of outage, not a few
		 * hundred ms, before the child is left in doubt. */
		uint32_t nth = ct->queries ? ct->queries - 1u : 0u;
		uint64_t cap = 16 * x->order_timeout_ns;
		if (nth >= 8 && cap < UINT64_C(1000000000))
			cap = UINT64_C(1000000000);
		xr__timer_arm(x, tok, XR_TQ_HEAP,
			      now + xr_backoff_ns(x->order_timeout_ns, cap, nth,
						  xr_splitmix64(&x->rng)));
	}
	return k;
}

/* The session came back: children whose queries were used up without an
 * answer are asked again, from the start of the backoff. A walk over the
 * order table, on a reconnect only. */
static void
xr__requery(struct xr_execute *x, uint64_t now)
{
	for (uint32_t t = 0; t < x->cap; t++) {
		struct xr_child_timer *ct = &x->timer[t];
		if (ct->state == XR_CS_UNKNOWN && ct->queue == XR_TQ_NONE) {
			ct->queries = 0;
			xr__timer_arm(x, t, XR_TQ_HEAP, now + x->order_timeout_ns);
		}
	}
}

/* Child @p c is not sent: the run is stopping. Canceled, not failed, so
 * it is not sent elsewhere. */
static void
xr__stop_child(struct xr_execute *x, const struct xr_msg *c, uint64_t now)
{
	xr__not_sent(x, c, XR_OS_CANCELED, XR_FINAL_NONE, XR_R_STOPPED, now);
	x->stopped++;
}

/*
 * Ending the run (enum xr_drain): with CANCEL, one cancel per live child
 * (once); with CANCEL or END, held children end stopped, a burst per call;
 * with END, live children end unknown or open, a burst per call (the
 * outbox holds a few bursts). @return the work done.
 */
static uint32_t
xr__drain_step(struct xr_execute *x, uint32_t drain, uint64_t now, uint32_t burst)
{
	uint32_t work = 0;

	if ((drain & XR_DRAIN_CANCEL) && !x->drain_canceled) {
		x->drain_canceled = true;
		for (uint32_t t = 0; t < x->cap; t++)
			if (x->timer[t].state != 0 &&
			    x->conn.ops->cancel(x->conn.ctx, x->live[t].cl_ord_id, now) == 0)
				x->stop_cancels++;
	}
	for (uint32_t k = 0; k < burst && xr_heap_count(&x->held_q) > 0; k++, work++) {
		struct xr_msg c;
		xr__held_pop(x, &c);
		xr__stop_child(x, &c, now);
	}
	if (!(drain & XR_DRAIN_END))
		return work;
	for (uint32_t k = 0; k < burst && x->drain_pos < x->cap; x->drain_pos++) {
		uint32_t t = x->drain_pos;
		struct xr_child_timer *ct = &x->timer[t];
		if (ct->state == 0)
			continue;
		bool open = ct->state == XR_CS_LIVE && !x->drain_canceled;
		struct xr_msg *m = xr__outbox_add(x);
		*m = x->live[t];
		m->kind = XR_MSG_REPORT;
		m->t[XR_T_REPORT] = now;
		m->cum_qty = m->cum_notional = m->fees = 0;
		m->ord_status = 0;
		m->final = open ? XR_FINAL_OPEN : XR_FINAL_UNKNOWN;
		m->reason = open ? XR_R_LEFT_OPEN : XR_R_IN_DOUBT;
		if (open)
			x->left_open++;
		else
			x->in_doubt++;
		if (x->n_doubt < XR_DOUBT_RECS)
			x->doubt[x->n_doubt++] = (struct xr_doubt_rec){
				.signal_id = m->signal_id,
				.cl_ord_id = m->cl_ord_id,
				.line = m->line,
				.final = m->final,
			};
		xr__end_child(x, t);
		k++;
		work++;
	}
	return work;
}

/* Cancel child @p tok (live) of a canceled signal: the venue is asked,
 * the same cancel as the end-of-run one; its answer ends the child as
 * usual. @return 1 if the cancel was sent. */
static uint32_t
xr__cancel_live(struct xr_execute *x, uint32_t tok, uint64_t now)
{
	if (x->conn.ops->cancel(x->conn.ctx, x->live[tok].cl_ord_id, now) != 0)
		return 0;
	x->cancel_requests++;
	return 1;
}

/* Held child @p slot of a canceled signal ends canceled unsent: it is
 * marked (ord_status canceled, never set on a held child otherwise) and
 * made due now, and the held loop ends it (at most a burst a call, so
 * the outbox stays within its room). @return 1. */
static uint32_t
xr__cancel_held(struct xr_execute *x, uint32_t slot)
{
	x->held[slot].ord_status = XR_OS_CANCELED;
	xr_heap_update(&x->held_q, slot, 0);
	x->cancel_held++;
	return 1;
}

/*
 * A cancel of signal @p b->signal_id (XR_CTL_CANCEL_SIGNAL, from route):
 * each of its children live here gets a cancel at the venue, each held
 * here ends canceled unsent; then an acknowledgment goes to the
 * aggregator, which relays it to route: XR_MSG_CONTROL, reason
 * XR_CTL_CANCEL_SIGNAL, qty = the children found here. It follows every
 * report of this venue before it, so route learns of every child that
 * failed here before the cancel came before it forgets the signal.
 */
static void
xr__cancel_signal(struct xr_execute *x, const struct xr_msg *b, uint64_t now)
{
	uint64_t sid = b->signal_id;
	uint32_t found = 0;

	x->cancels_seen++;
	if (x->by_signal_on) {
		/* Neither walk changes the lists: a child ends only when its
		 * venue answers, a held one when the held loop pops it. */
		uint32_t bk = xr__sig_bucket(x, sid);
		for (uint32_t t = x->sig_live[bk] - 1; t != XR__NIL; t = x->live_link[t].next)
			if (x->live[t].signal_id == sid)
				found += xr__cancel_live(x, t, now);
		for (uint32_t h = x->sig_held[bk] - 1; h != XR__NIL; h = x->held_link[h].next)
			if (x->held[h].signal_id == sid && x->held[h].ord_status != XR_OS_CANCELED)
				found += xr__cancel_held(x, h);
	} else {
		for (uint32_t t = 0; t < x->cap; t++)
			if (x->timer[t].state != 0 && x->live[t].signal_id == sid)
				found += xr__cancel_live(x, t, now);
		for (uint32_t s = 0; s < x->held_cap; s++)
			if (xr_heap_contains(&x->held_q, s) && x->held[s].signal_id == sid &&
			    x->held[s].ord_status != XR_OS_CANCELED)
				found += xr__cancel_held(x, s);
	}
	struct xr_msg *m = xr__outbox_add(x);
	memset(m, 0, sizeof(*m));
	m->kind = XR_MSG_CONTROL;
	m->reason = XR_CTL_CANCEL_SIGNAL;
	m->signal_id = sid;
	m->user = b->user;
	m->venue = x->venue;
	m->qty = found;
}

/* The burst's order by priority (1 first), stable, into @p ord: an
 * insertion sort of indices, so no 320-byte message moves. */
static void
xr__order_by_priority(const struct xr_msg *m, uint32_t n, uint16_t *ord)
{
	for (uint32_t i = 0; i < n; i++) {
		uint8_t p = m[i].priority;
		uint32_t j = i;
		while (j > 0 && m[ord[j - 1]].priority > p) {
			ord[j] = ord[j - 1];
			j--;
		}
		ord[j] = (uint16_t)i;
	}
}

static uint32_t
xr__execute_work(struct xr_stage *st)
{
	struct xr_execute *x = (struct xr_execute *)st;
	struct xr_msg batch[XR_MAX_BURST];
	uint16_t ord[XR_MAX_BURST];
	uint32_t burst = st->eng->cfg->engine.burst, work = 0;

	if (!xr__flush_outbox(x))
		return 0;
	uint64_t now = *st->loop_ns;
	struct xr_breaker_transition bt;
	uint32_t drain = atomic_load_explicit(&st->eng->drain, memory_order_relaxed);
	bool stopping = (drain & (XR_DRAIN_CANCEL | XR_DRAIN_END)) != 0;
	if (__builtin_expect(stopping, 0))
		work += xr__drain_step(x, drain, now, burst);
	xr__rate_limit_sync(x, now);
	if (xr_breaker_tick(&x->breaker, now, &bt))
		xr__circuit_event(x, &bt);
	uint32_t polled = xr_execute_poll(x, now);
	work += polled;
	st->doing |= (uint32_t)(polled != 0) << XR_DO_CONNECTOR;
	/* Timers only once the connector had nothing more due: an answer
	 * waiting in our own input is not the venue's timeout. */
	if (polled < burst) {
		uint32_t due = xr__timers(x, now, burst);
		work += due;
		st->doing |= (uint32_t)(due != 0) << XR_DO_TIMERS;
	}

	/* Held children due now, while tokens last, at most a burst; those
	 * of a canceled signal (due at once) end canceled, unsent. */
	for (uint32_t k = 0; !stopping && k < burst && xr_heap_top_key(&x->held_q) <= now; k++) {
		struct xr_msg c;
		if (__builtin_expect(x->held[xr_heap_top(&x->held_q)].ord_status ==
					     XR_OS_CANCELED, 0)) {
			xr__held_pop(x, &c);
			work++;
			xr__not_sent(x, &c, XR_OS_CANCELED, XR_FINAL_NONE, XR_R_NONE, now);
			continue;
		}
		if (x->n_free == 0)
			break;
		xr__held_pop(x, &c);
		work++;
		if (!xr__submit(x, &c, now))
			break; /* held again (rate limit or busy): next call */
	}

	uint32_t want = burst;
	if (want > x->n_free)
		want = x->n_free;
	if (want > x->n_held_free)
		want = x->n_held_free;
	uint32_t n = want ? xr_ring_dequeue_burst(x->in, batch, want) : 0;
	xr__order_by_priority(batch, n, ord);
	if (n != 0)
		now = xr_now_ns(); /* after the dequeue: t[EXECUTE] >= t[ROUTE] */
	for (uint32_t k = 0; k < n; k++) {
		struct xr_msg *b = &batch[ord[k]];
		if (b->kind == XR_MSG_CONTROL && b->reason == XR_CTL_CANCEL_SIGNAL) {
			/* Last of its burst (priority): after the children
			 * routed here before it. */
			xr__cancel_signal(x, b, now);
			continue;
		}
		if (b->kind == XR_MSG_CONTROL) {
			/* disable: open and hold the circuit; enable: close it.
			 * Children routed here before it were sent above (its
			 * priority sorts it last); slices held for later will
			 * be bounced and fail over. */
			if (b->reason == XR_CTL_DISABLE
				    ? xr_breaker_force_open(&x->breaker, XR_BRK_MANUAL, 0, now, &bt)
				    : xr_breaker_force_close(&x->breaker, now, &bt))
				xr__circuit_event(x, &bt);
			continue;
		}
		if (__builtin_expect(stopping, 0))
			xr__stop_child(x, b, now);
		else if (b->send_at_ns > now)
			xr__held_push(x, b);
		else
			xr__submit(x, b, now);
	}
	st->items += n;
	work += n;
	st->doing |= (uint32_t)(n != 0) << XR_DO_MESSAGES;

	if (now - x->last_health_ns >= x->health_period_ns) {
		struct xr_conn_health h;
		x->last_health_ns = now;
		int hrc = x->conn.ops->health(x->conn.ctx, &h);
		if (hrc == 0)
			/* Relaxed: a self-contained gauge for the owner. */
			atomic_store_explicit(&x->live_gauges->health, h.connected ? 1u : 2u,
					      memory_order_relaxed);
		if (hrc == 0 && h.connected != x->connected) {
			x->connected = h.connected;
			if (!h.connected)
				xr__force_open(x, h.down_since_ns, now);
			else if (x->queries_capped != 0)
				xr__requery(x, now);
			struct xr_msg *m = xr__outbox_add(x);
			memset(m, 0, sizeof(*m));
			m->kind = XR_MSG_VENUE_STATUS;
			m->venue = x->venue;
			m->ord_status = (uint8_t)(h.connected != 0);
			work++;
		}
	}
	xr__gauges(x);
	xr__flush_outbox(x);
	return work;
}

int
xr_execute_init(struct xr_engine *e, unsigned venue, char *err, size_t err_len)
{
	struct xr_execute *x = &e->execute[venue];
	const struct xr_venue_cfg *vc = &e->cfg->venues[venue];

	snprintf(x->st.name, sizeof(x->st.name), "execute.%s", vc->name);
	x->st.do_work = xr__execute_work;
	x->st.eng = e;
	x->venue = (uint8_t)venue;
	x->in = e->route_to_execute[venue];
	x->out = e->execute_to_aggregate[venue];
	x->connected = 1;
	x->live_gauges = &e->venue_live[venue];
	x->gauge_headroom = 1000000;
	struct xr_conn_start start = e->conn_start;
	start.extra_orders = e->adopt_extra != NULL ? e->adopt_extra[venue] : 0;
	int rc = xr_connector_create_ex(e->cfg, venue, &start, &x->conn, err, err_len);
	if (rc != 0)
		return rc;
	/* Room for the children a crashed run left (recovery) beyond the
	 * venue's own limit: all of them are known before it answers. */
	x->cap = vc->max_open_orders + start.extra_orders;
	x->held_cap = x->cap + XR_MAX_BURST;
	/* A burst each of events, held children and new children, and a few
	 * breaker events, one alert and one status message per call; while
	 * the run ends, a burst more of children ended by xr__drain_step. */
	x->outbox_cap = 4 * XR_MAX_BURST + 16;
	x->by_signal_on = e->io.signal_cancels;
	if (x->by_signal_on) {
		uint32_t buckets = 1;
		while (buckets < x->held_cap + x->cap)
			buckets <<= 1;
		x->sig_mask = buckets - 1;
		x->sig_live = calloc(buckets, sizeof(*x->sig_live));
		x->sig_held = calloc(buckets, sizeof(*x->sig_held));
		x->live_link = calloc(x->cap, sizeof(*x->live_link));
		x->held_link = calloc(x->held_cap, sizeof(*x->held_link));
		if (x->sig_live == NULL || x->sig_held == NULL || x->live_link == NULL ||
		    x->held_link == NULL) {
			snprintf(err, err_len, "venue %s: out of memory for the signal index",
				 vc->name);
			return -ENOMEM;
		}
	}
	x->live = calloc(x->cap, sizeof(*x->live));
	x->timer = calloc(x->cap, sizeof(*x->timer));
	x->free_tokens = calloc(x->cap, sizeof(*x->free_tokens));
	x->held = calloc(x->held_cap, sizeof(*x->held));
	x->held_free = calloc(x->held_cap, sizeof(*x->held_free));
	x->outbox = calloc(x->outbox_cap, sizeof(*x->outbox));
	if (x->live == NULL || x->free_tokens == NULL || x->held == NULL ||
	    x->held_free == NULL || x->outbox == NULL || x->timer == NULL ||
	    xr_heap_init(&x->theap, x->cap, false) != 0 ||
	    xr_heap_init(&x->held_q, x->held_cap, false) != 0) {
		snprintf(err, err_len, "venue %s: out of memory for %u open orders",
			 vc->name, x->cap);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < x->cap; i++) {
		x->free_tokens[i] = x->cap - 1 - i;
		x->timer[i].prev = x->timer[i].next = XR__NIL;
	}
	for (uint32_t i = 0; i < x->held_cap; i++)
		x->held_free[i] = x->held_cap - 1 - i;
	x->n_held_free = x->held_cap;
	x->tsent.head = x->tsent.tail = XR__NIL;
	x->cancel_on_timeout = e->cfg->engine.timeout_policy == XR_TIMEOUT_CANCEL;
	x->tlive.head = x->tlive.tail = XR__NIL;
	x->n_free = x->cap;
	const struct xr_engine_cfg *ec = &e->cfg->engine;
	struct xr_breaker_cfg bc = {
		.failure_threshold = ec->failure_threshold,
		.error_rate_ppm = ec->error_rate_threshold_ppm,
		.min_samples = ec->breaker_min_samples,
		.open_timeout_ns = (uint64_t)ec->open_timeout_ms * 1000000,
		.half_open_probes = ec->half_open_probes,
		.recovery_threshold = ec->recovery_threshold,
	};
	xr_breaker_init(&x->breaker, &bc);
	x->order_timeout_ns = (uint64_t)ec->order_timeout_us * 1000;
	x->max_queries = ec->max_status_queries ? ec->max_status_queries : 32;
	x->collar_bps = ec->fill_collar_bps;
	x->health_period_ns = (uint64_t)ec->health_check_interval_us * 1000;
	x->rng = xr_config_venue_seed(vc) ^ (UINT64_C(0x9e3779b97f4a7c15) * (venue + 1));
	return 0;
}

void
xr_execute_fini(struct xr_execute *x)
{
	if (x->conn.ops != NULL)
		xr_connector_destroy(&x->conn);
	free(x->live);
	free(x->free_tokens);
	free(x->held);
	free(x->held_free);
	free(x->outbox);
	free(x->timer);
	xr_heap_fini(&x->theap);
	xr_heap_fini(&x->held_q);
	free(x->live_link);
	free(x->held_link);
	free(x->sig_live);
	free(x->sig_held);
	x->sig_live = x->sig_held = NULL;
	x->live_link = x->held_link = NULL;
	x->timer = NULL;
	x->held_free = NULL;
	x->live = NULL;
	x->free_tokens = NULL;
	x->held = NULL;
	x->outbox = NULL;
}

void
xr_execute_regions(struct xr_execute *x, xr_region_fn visit, void *ctx)
{
	/* The connector's own tables are populated by mlockall(MCL_FUTURE)
	 * only: they are behind struct xr_connector_ops. */
	visit(ctx, x->live, x->cap * sizeof(*x->live));
	visit(ctx, x->free_tokens, x->cap * sizeof(*x->free_tokens));
	visit(ctx, x->held, x->held_cap * sizeof(*x->held));
	visit(ctx, x->held_free, x->held_cap * sizeof(*x->held_free));
	visit(ctx, x->outbox, x->outbox_cap * sizeof(*x->outbox));
	visit(ctx, x->timer, x->cap * sizeof(*x->timer));
	visit(ctx, x->theap.ent, x->cap * sizeof(*x->theap.ent));
	visit(ctx, x->theap.pos, x->cap * sizeof(*x->theap.pos));
	visit(ctx, x->held_q.ent, x->held_cap * sizeof(*x->held_q.ent));
	visit(ctx, x->held_q.pos, x->held_cap * sizeof(*x->held_q.pos));
	if (x->by_signal_on) {
		visit(ctx, x->sig_live, ((size_t)x->sig_mask + 1) * sizeof(*x->sig_live));
		visit(ctx, x->sig_held, ((size_t)x->sig_mask + 1) * sizeof(*x->sig_held));
		visit(ctx, x->live_link, x->cap * sizeof(*x->live_link));
		visit(ctx, x->held_link, x->held_cap * sizeof(*x->held_link));
	}
}

/* Take back @p q now: 0, -EBUSY (no slot), or the connector's error. */
static int
xr__adopt_now(struct xr_execute *x, const struct xr_adopt *q, uint64_t now)
{
	if (x->n_free == 0)
		return -EBUSY;
	const struct xr_msg *c = &q->c;
	uint32_t token = x->free_tokens[x->n_free - 1];
	struct xr_conn_order o = {
		.cl_ord_id = c->cl_ord_id,
		.token = token,
		.symbol = c->symbol,
		.side = c->side,
		.ord_type = c->ord_type,
		.tif = c->tif,
		.qty = c->qty,
		.limit_px = c->limit_px,
	};
	if (x->conn.ops->adopt != NULL) {
		int rc = x->conn.ops->adopt(x->conn.ctx, &o, q->cum_qty, q->cum_notional, q->acked,
					    now);
		if (rc != 0)
			return rc;
	}
	x->n_free--;
	x->live[token] = *c;
	x->live[token].cum_qty = q->cum_qty;
	x->live[token].attempts = UINT8_MAX; /* never sent again */
	x->live[token].t[XR_T_EXECUTE] = now;
	if (__builtin_expect(x->by_signal_on, 0))
		xr__sig_link(x, c->signal_id, false, token);
	/* Unknown until the venue answers: a status query at once. */
	struct xr_child_timer *ct = &x->timer[token];
	ct->state = XR_CS_UNKNOWN;
	ct->queries = 0;
	ct->probe = 0;
	/* Serve waits for the answer of one the venue never acknowledged
	 * (it may not be there); one it did is live until it says not. */
	ct->adopted = !q->acked;
	xr__timer_arm(x, token, XR_TQ_HEAP, now);
	x->adopted++;
	return 0;
}

int
xr_execute_adopt(struct xr_execute *x, const struct xr_msg *c, int64_t cum_qty,
		 int64_t cum_notional, bool acked, uint64_t now)
{
	struct xr_adopt q = {.c = *c, .cum_qty = cum_qty, .cum_notional = cum_notional,
			     .acked = acked};
	int rc = xr__adopt_now(x, &q, now);

	if (rc != 0)
		return rc;
	x->adopted_open += !acked;
	atomic_store_explicit(&x->live_gauges->recovering, (uint32_t)x->adopted_open,
			      memory_order_relaxed);
	return 0;
}
