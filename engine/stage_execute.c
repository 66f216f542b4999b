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
 *   5. every 1 ms, checks the connector's health and reports a change.
 * A child lives in `live[token]` from submit until its terminal report;
 * tokens come from a stack, so nothing allocates.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_pvt.h"
#include "xr_clock.h"

#define XR_HEALTH_PERIOD_NS UINT64_C(1000000)

/* ---- held children: a binary min-heap by send_at_ns ---- */

static void
xr__held_push(struct xr_execute *x, const struct xr_msg *m)
{
	uint32_t i = x->n_held++;

	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (x->held[p].send_at_ns <= m->send_at_ns)
			break;
		x->held[i] = x->held[p];
		i = p;
	}
	x->held[i] = *m;
}

static void
xr__held_pop(struct xr_execute *x, struct xr_msg *out)
{
	*out = x->held[0];
	struct xr_msg last = x->held[--x->n_held];
	uint32_t i = 0, n = x->n_held;

	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && x->held[c + 1].send_at_ns < x->held[c].send_at_ns)
			c++;
		if (last.send_at_ns <= x->held[c].send_at_ns)
			break;
		x->held[i] = x->held[c];
		i = c;
	}
	if (n > 0)
		x->held[i] = last;
}

/* ---- reports to the aggregator ---- */

static bool
xr__flush_outbox(struct xr_execute *x)
{
	uint32_t left = x->outbox_n - x->outbox_pos;

	if (left != 0)
		x->outbox_pos += xr_ring_enqueue_burst(x->out, x->outbox + x->outbox_pos, left);
	if (x->outbox_pos < x->outbox_n) {
		x->st.out_stalls++;
		return false;
	}
	x->outbox_pos = x->outbox_n = 0;
	return true;
}

static struct xr_msg *
xr__outbox_add(struct xr_execute *x)
{
	/* Room: the outbox is empty when a call starts producing, and one call
	 * produces at most a burst of events, a burst of held and a burst of
	 * new submit errors, and one status message (outbox_cap). */
	return &x->outbox[x->outbox_n++];
}

static void
xr__end_child(struct xr_execute *x, uint32_t token)
{
	x->live[token].kind = 0;
	x->free_tokens[x->n_free++] = token;
}

/* Submit @p c, or hold it: @return false if it was held for a retry (the
 * venue's rate limit had no token, or the connector said -EBUSY). */
static bool
xr__submit(struct xr_execute *x, struct xr_msg *c, uint64_t now)
{
	if (x->bucket_rate != 0 && !xr_token_bucket_take(&x->bucket, now)) {
		/* Venue rate limit: wait for a token, never drop. */
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
	int rc = x->conn.ops->submit(x->conn.ctx, &o, now);
	if (rc == 0) {
		x->submitted++;
		return true;
	}
	xr__end_child(x, token);
	if (rc == -EBUSY) {
		/* The venue's order table is full: hold and retry, never drop.
		 * send_at_ns stays as routed (already due), so the wait counts
		 * as route latency, not as TWAP schedule. */
		x->busy++;
		xr__held_push(x, c);
		return false;
	}
	struct xr_msg *r = xr__outbox_add(x);
	*r = *c;
	r->kind = XR_MSG_REPORT;
	r->ord_status = XR_OS_REJECTED;
	r->reason = XR_R_VENUE_REJECT;
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
	uint32_t headroom = 1000000, depth = x->n_held + (x->cap - x->n_free);

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
			/* A report for no live order of ours: a venue protocol
			 * error, counted; it cannot be attributed to a signal. */
			x->bad_events++;
			continue;
		}
		struct xr_msg *m = xr__outbox_add(x);
		*m = x->live[e->token];
		m->kind = XR_MSG_REPORT;
		m->t[XR_T_REPORT] = now_ns;
		m->reason = e->reason;
		m->cum_qty = e->last_qty;
		m->cum_notional = e->last_notional;
		m->fees = e->last_fees;
		x->reports++;
		if (e->kind == XR_EV_ORDER_FAILED) {
			m->ord_status = XR_OS_REJECTED;
			m->final = XR_FINAL_FAILED;
			if (m->reason == XR_R_NONE)
				m->reason = XR_R_VENUE_FAILURE;
			xr__end_child(x, e->token);
			continue;
		}
		m->ord_status = e->ord_status;
		if (xr__is_terminal(e->ord_status))
			xr__end_child(x, e->token);
	}
	return n;
}

/* Stable insertion sort by priority (1 first); bursts are <= 256. */
static void
xr__sort_by_priority(struct xr_msg *m, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		if (m[i].priority >= m[i - 1].priority)
			continue;
		struct xr_msg t = m[i];
		uint32_t j = i;
		while (j > 0 && m[j - 1].priority > t.priority) {
			m[j] = m[j - 1];
			j--;
		}
		m[j] = t;
	}
}

static uint32_t
xr__execute_work(struct xr_stage *st)
{
	struct xr_execute *x = (struct xr_execute *)st;
	struct xr_msg batch[XR_MAX_BURST];
	uint32_t burst = st->eng->cfg->engine.burst, work = 0;

	if (!xr__flush_outbox(x))
		return 0;
	uint64_t now = *st->loop_ns;
	xr__rate_limit_sync(x, now);
	work += xr_execute_poll(x, now);

	/* Held children due now, while tokens last, at most a burst. */
	for (uint32_t k = 0; k < burst && x->n_held > 0 && x->n_free > 0 &&
			     x->held[0].send_at_ns <= now; k++) {
		struct xr_msg c;
		xr__held_pop(x, &c);
		work++;
		if (!xr__submit(x, &c, now))
			break; /* held again (rate limit or busy): next call */
	}

	uint32_t want = burst;
	if (want > x->n_free)
		want = x->n_free;
	if (want > x->held_cap - x->n_held)
		want = x->held_cap - x->n_held;
	uint32_t n = want ? xr_ring_dequeue_burst(x->in, batch, want) : 0;
	if (n > 1)
		xr__sort_by_priority(batch, n);
	if (n != 0)
		now = xr_now_ns(); /* after the dequeue: t[EXECUTE] >= t[ROUTE] */
	for (uint32_t i = 0; i < n; i++) {
		if (batch[i].send_at_ns > now)
			xr__held_push(x, &batch[i]);
		else
			xr__submit(x, &batch[i], now);
	}
	st->items += n;
	work += n;

	if (now - x->last_health_ns >= XR_HEALTH_PERIOD_NS) {
		struct xr_conn_health h;
		x->last_health_ns = now;
		if (x->conn.ops->health(x->conn.ctx, &h) == 0 && h.connected != x->connected) {
			x->connected = h.connected;
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
	int rc = xr_connector_create(e->cfg, venue, &x->conn, err, err_len);
	if (rc != 0)
		return rc;
	x->cap = vc->max_open_orders;
	x->held_cap = x->cap + XR_MAX_BURST;
	x->outbox_cap = 3 * XR_MAX_BURST + 1;
	x->live = calloc(x->cap, sizeof(*x->live));
	x->free_tokens = calloc(x->cap, sizeof(*x->free_tokens));
	x->held = calloc(x->held_cap, sizeof(*x->held));
	x->outbox = calloc(x->outbox_cap, sizeof(*x->outbox));
	if (x->live == NULL || x->free_tokens == NULL || x->held == NULL ||
	    x->outbox == NULL) {
		snprintf(err, err_len, "venue %s: out of memory for %u open orders",
			 vc->name, x->cap);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < x->cap; i++)
		x->free_tokens[i] = x->cap - 1 - i;
	x->n_free = x->cap;
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
	free(x->outbox);
	x->live = NULL;
	x->free_tokens = NULL;
	x->held = NULL;
	x->outbox = NULL;
}

size_t
xr_execute_prefault(struct xr_execute *x)
{
	/* The connector's own tables are populated by mlockall(MCL_FUTURE)
	 * only: they are behind struct xr_connector_ops. */
	return xr_prefault(x->live, x->cap * sizeof(*x->live)) +
	       xr_prefault(x->free_tokens, x->cap * sizeof(*x->free_tokens)) +
	       xr_prefault(x->held, x->held_cap * sizeof(*x->held)) +
	       xr_prefault(x->outbox, x->outbox_cap * sizeof(*x->outbox));
}
