/*
 * Route stage: picks the venue for each accepted order with the selector
 * (selector_pvt.h) over the current venue metrics snapshot, decides the
 * execution method and priority, and emits the child orders.
 *
 * Decision, per execution-routing-model.md:
 *   venue     best weighted score among eligible venues; the next (up to
 *             XR_MAX_ALTS) are the ranked alternatives;
 *   method    twap above twap_notional, market for stop_loss and exit,
 *             limit for entry, the signal's own type for profit_take;
 *   priority  stop_loss 1, exit 2, entry 3, other 4;
 *   fees      child notional * the venue's taker fee.
 * A market signal routed as `limit` (an entry) gets a protective limit at
 * the venue's touch moved by max_slippage_bps, or entry_collar_bps if the
 * signal gives none (market-to-limit), and time in force IOC. A twap
 * parent becomes twap_slices children of equal quantity (the last takes the
 * remainder), slice i sent no earlier than i * twap_horizon_us / slices.
 *
 * The feedback ring (aggregate_to_route) carries a child to re-route: it
 * goes to the best venue it has not tried yet, or ends as rejected
 * (no_eligible_venue). The failover policy that fills this ring comes with
 * the failover work; routing of what arrives is complete here.
 *
 * Children that do not fit in their venue's ring wait in a stash; no new
 * input is taken while the stash is not empty, so nothing is dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_pvt.h"
#include "xr_clock.h"

/* Limit price for a market signal routed as a limit: touch +/- slippage. */
static int64_t
xr__protective_limit(int side, int64_t touch, int32_t slippage_bps)
{
	xr_i128 adj = (xr_i128)touch * slippage_bps / 10000;

	return side == XR_SIDE_BUY ? touch + (int64_t)adj : touch - (int64_t)adj;
}

/* Fill the decision fields common to all children of @p m. */
static void
xr__child_common(struct xr_msg *c, const struct xr_selection *sel)
{
	c->kind = XR_MSG_CHILD;
	c->venue = sel->ranked[0].venue;
	c->n_alts = 0;
	for (unsigned i = 1; i < sel->n && c->n_alts < XR_MAX_ALTS; i++)
		c->alts[c->n_alts++] = sel->ranked[i].venue;
	c->attempts++;
}

static void
xr__stash(struct xr_route *r, const struct xr_msg *c)
{
	/* stash_cap covers a full burst of the largest split: never full. */
	r->stash[r->stash_n++] = *c;
	r->sent[c->venue]++;
}

static void
xr__in_flight(const struct xr_route *r, const struct xr_snapshot *snap,
	      uint64_t *in_flight, uint32_t n_venues)
{
	for (uint32_t v = 0; v < n_venues; v++) {
		uint64_t done = snap->venues[v].completed;
		in_flight[v] = r->sent[v] > done ? r->sent[v] - done : 0;
	}
}

/* Route a new parent; returns false if no venue is eligible. */
static bool
xr__route_parent(struct xr_route *r, const struct xr_engine *e,
		 const struct xr_snapshot *snap, const uint64_t *in_flight,
		 struct xr_msg *m, uint64_t now)
{
	const struct xr_engine_cfg *ec = &e->cfg->engine;
	const struct xr_user_cfg *u = &e->cfg->users[m->user];
	int64_t ref = m->ord_type == XR_ORD_LIMIT ? m->limit_px : snap->ref_px[m->symbol];
	int64_t notional = xr_notional(m->qty, ref);
	enum xr_method method = xr_route_method(m->signal_type, m->ord_type, notional,
						ec->twap_notional);
	uint32_t n_children = method == XR_METHOD_TWAP ? ec->twap_slices : 1;
	int64_t slice = m->qty / n_children;
	if (slice <= 0) {
		n_children = 1;
		slice = m->qty;
	}
	struct xr_select_order so = {
		.symbol = m->symbol,
		.side = m->side,
		.qty = slice + m->qty % n_children,
		.allowed_mask = u->venue_mask,
		.exclude_mask = 0,
	};
	struct xr_selection sel;
	if (xr_select(&r->sp, snap, &so, in_flight, &sel) == 0)
		return false;

	uint8_t venue = sel.ranked[0].venue;
	const struct xr_venue_sym_metrics *vs =
		&snap->vs[(size_t)venue * snap->n_symbols + m->symbol];
	int64_t touch = m->side == XR_SIDE_BUY ? vs->ask_px : vs->bid_px;
	int64_t fee_cbps = snap->venues[venue].fee_taker_cbps;

	m->method = (uint8_t)method;
	m->priority = xr_route_priority(m->signal_type);
	m->n_children = (uint8_t)n_children;
	m->order_qty = m->qty;
	if (method == XR_METHOD_MARKET) {
		m->ord_type = XR_ORD_MARKET;
		m->limit_px = 0;
		m->tif = XR_TIF_IOC;
	} else if (m->ord_type == XR_ORD_MARKET && method == XR_METHOD_LIMIT) {
		m->ord_type = XR_ORD_LIMIT;
		m->limit_px = xr__protective_limit(m->side, touch,
						   m->max_slippage_bps ? m->max_slippage_bps
								       : (int32_t)ec->entry_collar_bps);
		m->tif = XR_TIF_IOC;
	}
	int64_t px_est = m->ord_type == XR_ORD_LIMIT ? m->limit_px : touch;
	uint64_t step_ns = n_children > 1
				   ? (uint64_t)ec->twap_horizon_us * 1000 / n_children : 0;
	for (uint32_t i = 0; i < n_children; i++) {
		struct xr_msg c = *m;
		xr__child_common(&c, &sel);
		c.cl_ord_id = ++r->next_cl_ord_id;
		c.child_idx = (uint8_t)i;
		c.qty = i + 1 == n_children ? m->qty - slice * (n_children - 1) : slice;
		c.send_at_ns = i == 0 ? 0 : now + i * step_ns;
		c.est_fees = xr_fee(xr_notional(c.qty, px_est), fee_cbps);
		xr__stash(r, &c);
	}
	return true;
}

/* Re-route a child from the feedback ring; false if no untried venue. */
static bool
xr__route_child(struct xr_route *r, const struct xr_engine *e,
		const struct xr_snapshot *snap, const uint64_t *in_flight,
		struct xr_msg *c)
{
	const struct xr_user_cfg *u = &e->cfg->users[c->user];
	struct xr_select_order so = {
		.symbol = c->symbol,
		.side = c->side,
		.qty = c->qty,
		.allowed_mask = u->venue_mask,
		.exclude_mask = c->venue_mask | (c->venue < 64 ? UINT64_C(1) << c->venue : 0),
	};
	struct xr_selection sel;

	if (xr_select(&r->sp, snap, &so, in_flight, &sel) == 0)
		return false;
	so.exclude_mask |= UINT64_C(1) << sel.ranked[0].venue;
	c->venue_mask = so.exclude_mask;
	xr__child_common(c, &sel);
	c->cl_ord_id = ++r->next_cl_ord_id;
	c->send_at_ns = 0;
	c->est_fees = xr_fee(xr_notional(c->qty, c->limit_px ? c->limit_px
							   : snap->ref_px[c->symbol]),
			     snap->venues[c->venue].fee_taker_cbps);
	xr__stash(r, c);
	r->rerouted++;
	return true;
}

/* Move stashed children into their venues' rings; true if all went. */
static bool
xr__flush_stash(struct xr_route *r)
{
	while (r->stash_pos < r->stash_n) {
		struct xr_msg *c = &r->stash[r->stash_pos];
		if (!xr_ring_enqueue(r->out[c->venue], c)) {
			r->st.out_stalls++;
			return false;
		}
		r->stash_pos++;
	}
	r->stash_pos = r->stash_n = 0;
	return true;
}

static uint32_t
xr__route_work(struct xr_stage *st)
{
	struct xr_route *r = (struct xr_route *)st;
	struct xr_engine *e = st->eng;
	struct xr_msg batch[XR_MAX_BURST], rej[XR_MAX_BURST];
	uint64_t in_flight[XR_MAX_VENUES];
	uint32_t burst = e->cfg->engine.burst, n_rej = 0;

	if (!xr__flush_stash(r))
		return 0;
	uint32_t want = xr_ring_room(r->rejects, burst);
	if (want == 0) {
		st->out_stalls++;
		return 0;
	}
	/* Re-routes first: they are older than anything in validate_to_route. */
	uint32_t nf = xr_ring_dequeue_burst(r->feedback, batch, want);
	uint32_t n = nf + xr_ring_dequeue_burst(r->in, batch + nf, want - nf);
	if (n == 0)
		return 0;

	uint64_t now = xr_now_ns();
	const struct xr_snapshot *snap = xr_snapshot_current(&e->snaps);
	xr__in_flight(r, snap, in_flight, e->n_venues);
	for (uint32_t i = 0; i < n; i++) {
		struct xr_msg *m = &batch[i];
		bool routed;
		if (i < nf) {
			routed = xr__route_child(r, e, snap, in_flight, m);
		} else {
			m->t[XR_T_ROUTE] = now;
			routed = xr__route_parent(r, e, snap, in_flight, m, now);
		}
		if (routed)
			continue;
		r->no_route++;
		/* A whole parent ends as a reject; a re-routed child ends as a
		 * rejected report of its parent. */
		m->kind = i < nf ? XR_MSG_REPORT : XR_MSG_REJECT;
		m->ord_status = XR_OS_REJECTED;
		m->reason = XR_R_NO_VENUE;
		m->final = XR_FINAL_REJECTED;
		m->cum_qty = m->cum_notional = m->fees = 0;
		if (i >= nf)
			m->n_children = 1;
		rej[n_rej++] = *m;
	}
	xr_ring_enqueue_burst(r->rejects, rej, n_rej);
	xr__flush_stash(r);
	st->items += n;
	return n;
}

int
xr_route_init(struct xr_engine *e, char *err, size_t err_len)
{
	struct xr_route *r = &e->route;
	const struct xr_engine_cfg *ec = &e->cfg->engine;

	snprintf(r->st.name, sizeof(r->st.name), "route");
	r->st.do_work = xr__route_work;
	r->st.eng = e;
	r->in = e->validate_to_route;
	r->feedback = e->aggregate_to_route;
	r->rejects = e->route_to_aggregate;
	r->out = e->route_to_execute;
	xr_score_params_init(&r->sp, ec);
	r->stash_cap = ec->burst * (ec->twap_slices > 1 ? ec->twap_slices : 1);
	r->stash = calloc(r->stash_cap, sizeof(*r->stash));
	r->sent = calloc(e->n_venues, sizeof(*r->sent));
	if (r->stash == NULL || r->sent == NULL) {
		snprintf(err, err_len, "route: out of memory");
		return -ENOMEM;
	}
	return 0;
}

void
xr_route_fini(struct xr_route *r)
{
	free(r->stash);
	free(r->sent);
	r->stash = NULL;
	r->sent = NULL;
}

size_t
xr_route_prefault(struct xr_route *r)
{
	return xr_prefault(r->stash, r->stash_cap * sizeof(*r->stash)) +
	       xr_prefault(r->sent, r->st.eng->n_venues * sizeof(*r->sent));
}
