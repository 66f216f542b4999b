/*
 * Route stage: decides where and how each accepted order goes with the
 * selector (xr_selector.h) over the current venue metrics snapshot and
 * route parameters (both RCU, read once per burst), and emits the child
 * orders.
 *
 * Per parent:
 *   decision  xr_select() for the signal's strategy: one venue or a split,
 *             reason code, expected price and slippage, fees, confidence,
 *             ranked alternatives; all of it is copied onto every child
 *             and reaches the result;
 *   method    twap above twap_notional, market for stop_loss and exit,
 *             limit for entry, the signal's own type for profit_take
 *             (docs/routing.md section 6); weighted_score prices its
 *             children by it, the other strategies by their pricing;
 *   priority  stop_loss 1, exit 2, entry 3, other 4;
 *   slices    each allocation is cut into time slices: twap_slices over
 *             twap_horizon_us for twap, the strategy's slices over its
 *             horizon_us otherwise (stealth), and more if display_ratio
 *             caps a child's size; slice i is sent no earlier than
 *             i * horizon / slices. At most XR_MAX_CHILDREN per parent.
 * A TWAP parent is decided for one slice's quantity (what is sent at
 * once) and the allocation scaled back up.
 *
 * The feedback ring (aggregate_to_route) carries a child the aggregator
 * sends again (docs/failover.md): a retry (decision retry) goes back to its
 * venue, held there until its send_at_ns (the backoff); a failover goes
 * to the best venue it has not tried yet (the snapshot already avoids open
 * circuits), or ends as rejected (no_eligible_venue). Either way it gets a
 * new ClOrdID: no ClOrdID is ever sent twice.
 *
 * CANCELING A SIGNAL (XR_MSG_CONTROL, XR_CTL_CANCEL_SIGNAL, from the
 * source through validate): route sends the cancel to every execute stage
 * (it keeps no map of parents to venues), behind every child it sent there
 * before (each ring is FIFO; its priority sorts it last of its execute
 * burst), and keeps the signal_id in `canceled` until each execute stage
 * has acknowledged it. A child of the signal that comes back on the
 * feedback ring meanwhile (it failed at a venue before the cancel got
 * there) ends canceled, unsent: a report with ord_status canceled and
 * reason none to the aggregator. Each acknowledgment says how many
 * children that venue canceled; the last one ends the cancel, counted
 * unmatched if no child was found anywhere. Every child that failed
 * before the cancel reached its venue is ahead of that venue's
 * acknowledgment on every ring to route, so none is sent again after the
 * id is forgotten. Route takes no more new input than `canceled` has room
 * for (cancel_cap = ring_capacity).
 *
 * Children that do not fit in their venue's ring wait in a stash; no new
 * input is taken while the stash is not empty, so nothing is dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stage_route_pvt.h"
#include "xr_clock.h"

/** Most children one parent is cut into (venues x time slices). */
#define XR_MAX_CHILDREN 64
/* A cancel takes a stash slot per venue, as many as a parent's children. */
static_assert(XR_MAX_VENUES <= XR_MAX_CHILDREN, "stash_cap covers a burst of cancels");

/* Limit price for a market signal routed as a limit: touch +/- slippage. */
static int64_t
xr__protective_limit(int side, int64_t touch, int32_t slippage_bps)
{
	xr_i128 adj = (xr_i128)touch * slippage_bps / 10000;

	return side == XR_SIDE_BUY ? touch + (int64_t)adj : touch - (int64_t)adj;
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

/* Score in 0.01 points (0..10000) from score units. */
static inline uint16_t
xr__score_cp(int64_t total)
{
	return (uint16_t)(total <= 0 ? 0 : total >= XR_SCORE_MAX ? 10000 : total / 100);
}

/* Copy the decision onto @p m (every child carries it to the result):
 * ranked venues outside the allocation are the alternatives. */
static void
xr__decision_fields(struct xr_msg *m, const struct xr_route_decision *d)
{
	uint64_t chosen = 0;

	for (unsigned i = 0; i < d->n_alloc; i++)
		chosen |= UINT64_C(1) << d->alloc[i].venue;
	m->exp_px = d->exp_px;
	m->arrival_px = d->arrival_px;
	m->exp_slip_cbps = d->exp_slip_cbps;
	m->confidence_ppm = d->confidence_ppm;
	m->score = d->n_ranked ? xr__score_cp(d->ranked[0].total) : 0;
	m->n_venues = d->n_alloc;
	for (unsigned i = 0; i < d->n_alloc; i++) {
		m->alloc_venue[i] = d->alloc[i].venue;
		m->alloc_qty[i] = d->alloc[i].qty;
	}
	m->n_alts = 0;
	for (unsigned i = 0; i < d->n_ranked && m->n_alts < XR_MAX_ALTS; i++) {
		if ((chosen >> d->ranked[i].venue) & 1)
			continue;
		m->alt_score[m->n_alts] = xr__score_cp(d->ranked[i].total);
		m->alts[m->n_alts++] = d->ranked[i].venue;
	}
}

/* Price and time in force of a child of allocation @p a. */
static void
xr__child_price(struct xr_msg *c, const struct xr_msg *m, const struct xr_strategy_cfg *st,
		const struct xr_params *pp, const struct xr_snapshot *snap,
		const struct xr_alloc *a, enum xr_method method)
{
	int limit_signal = m->ord_type == XR_ORD_LIMIT;

	if (st->pricing == XR_PRICING_METHOD) {
		/* The method table (docs/routing.md section 6). */
		const struct xr_venue_sym_metrics *vs =
			&snap->vs[(size_t)a->venue * snap->n_symbols + m->symbol];
		int64_t touch = m->side == XR_SIDE_BUY ? vs->ask_px : vs->bid_px;
		if (method == XR_METHOD_MARKET) {
			c->ord_type = XR_ORD_MARKET;
			c->limit_px = 0;
			c->tif = XR_TIF_IOC;
		} else if (!limit_signal && method == XR_METHOD_LIMIT) {
			c->ord_type = XR_ORD_LIMIT;
			c->limit_px = xr__protective_limit(
				m->side, touch,
				m->max_slippage_bps ? m->max_slippage_bps
						    : (int32_t)pp->entry_collar_bps);
			c->tif = XR_TIF_IOC;
		}
		return;
	}
	/* Strategies: the allocation's price; a limit signal keeps its time
	 * in force, a market signal crosses IOC or rests DAY. */
	if (a->limit_px == 0) {
		c->ord_type = XR_ORD_MARKET;
		c->limit_px = 0;
		c->tif = XR_TIF_IOC;
		return;
	}
	c->ord_type = XR_ORD_LIMIT;
	c->limit_px = a->limit_px;
	if (!limit_signal)
		c->tif = a->post ? XR_TIF_DAY : XR_TIF_IOC;
}

/* Time slices for allocation @p a: TWAP's, or the strategy's, raised so no
 * child shows more than display_ratio of the venue's touch. */
static uint32_t
xr__slices(const struct xr_strategy_cfg *st, const struct xr_params *pp,
	   const struct xr_snapshot *snap, const struct xr_msg *m, const struct xr_alloc *a,
	   enum xr_method method)
{
	uint32_t k = method == XR_METHOD_TWAP ? pp->twap_slices : st->slices;

	if (st->display_ppm != 0) {
		/* An eligible venue quotes the side taken: level 0 is its touch. */
		const struct xr_book *b =
			&snap->books[(size_t)a->venue * snap->n_symbols + m->symbol];
		int64_t show = (int64_t)((xr_i128)xr_book_side_taken(b, m->side)->qty[0] *
					 st->display_ppm / 1000000);
		if (show > 0) {
			int64_t need = a->qty / show + (a->qty % show != 0);
			if (need > (int64_t)k)
				k = need > XR_MAX_CHILDREN ? XR_MAX_CHILDREN : (uint32_t)need;
		}
	}
	if (k < 1)
		k = 1;
	if (k > XR_MAX_CHILDREN)
		k = XR_MAX_CHILDREN;
	return k;
}

/* The venue plan of @p m: its user's, else its symbol's; NULL if none.
 * *pin receives the venue a manual failover put first, or NONE. */
static const struct xr_venue_plan *
xr__plan_of(const struct xr_route *r, const struct xr_engine *e, const struct xr_msg *m,
	    uint8_t *pin)
{
	const struct xr_venue_plan *p = &e->cfg->users[m->user].plan;

	if (p->n != 0) {
		*pin = r->user_pin[m->user];
		return p;
	}
	p = &e->cfg->symbol_plans[m->symbol];
	*pin = r->symbol_pin[m->symbol];
	return p->n != 0 ? p : NULL;
}

/*
 * Select through venue plan @p p (struct xr_venue_plan): the pinned venue
 * first, then the plan's venues in order, or with auto_failover off only
 * the pinned venue, else the primary. Each candidate is offered to the
 * selector alone (so price, depth and slippage rules still hold); the
 * first it accepts is the decision, marked XR_D_PRIMARY or XR_D_FAILOVER.
 * None: d->reason circuit_open if the first candidate's circuit is not
 * closed, else the selector's reason. @return d->n_alloc.
 */
static unsigned
xr__select_plan(const struct xr_venue_plan *p, uint8_t pin, const struct xr_select_params *sp,
		const struct xr_snapshot *snap, struct xr_select_order so,
		const uint64_t *in_flight, struct xr_route_decision *d)
{
	uint8_t cand[XR_PLAN_MAX + 1];
	unsigned n = 0;
	uint64_t allowed = so.allowed_mask & ~so.exclude_mask;

	if (pin != XR_VENUE_NONE)
		cand[n++] = pin;
	for (unsigned i = 0; i < p->n && (p->auto_failover || n == 0); i++)
		if (p->venue[i] != pin)
			cand[n++] = p->venue[i];
	d->n_alloc = d->n_ranked = 0;
	d->decision = XR_D_NO_VENUE;
	d->reason = XR_R_NO_VENUE;
	d->arrival_px = 0;
	for (unsigned i = 0; i < n; i++) {
		so.allowed_mask = allowed & UINT64_C(1) << cand[i];
		if (so.allowed_mask == 0)
			continue;
		if (xr_select(sp, snap, &so, in_flight, d) != 0) {
			d->decision = cand[i] == p->venue[0] ? XR_D_PRIMARY : XR_D_FAILOVER;
			return d->n_alloc;
		}
	}
	/* Disabled by the operator counts as open before the snapshot says so. */
	if (n != 0 && (((so.exclude_mask >> cand[0]) & 1) ||
		       snap->venues[cand[0]].circuit != XR_CIRCUIT_CLOSED))
		d->reason = XR_R_CIRCUIT_OPEN;
	return 0;
}

/* Route a new parent; false if the decision rejects it (d->reason). */
static bool
xr__route_parent(struct xr_route *r, const struct xr_engine *e, const struct xr_params *pp,
		 const struct xr_snapshot *snap, const uint64_t *in_flight,
		 struct xr_msg *m, uint64_t now, struct xr_route_decision *d)
{
	const struct xr_user_cfg *u = &e->cfg->users[m->user];
	const struct xr_strategy_cfg *st = &pp->sel.strat[m->strategy];
	int64_t ref = m->ord_type == XR_ORD_LIMIT ? m->limit_px : snap->ref_px[m->symbol];
	int64_t notional = xr_notional(m->qty, ref);
	enum xr_method method = xr_route_method(m->signal_type, m->ord_type, notional,
						pp->twap_notional);
	/* TWAP decides for the size sent at once, one time slice. */
	int64_t scale = method == XR_METHOD_TWAP ? pp->twap_slices : 1;
	if (m->qty / scale <= 0)
		scale = 1;
	struct xr_select_order so = {
		.symbol = m->symbol,
		.side = m->side,
		.strategy = m->strategy,
		.qty = m->qty / scale,
		.limit_px = m->ord_type == XR_ORD_LIMIT ? m->limit_px : 0,
		.max_slippage_bps = m->max_slippage_bps,
		.allowed_mask = u->venue_mask,
		.exclude_mask = r->disabled_mask,
	};
	uint8_t pin;
	const struct xr_venue_plan *plan = xr__plan_of(r, e, m, &pin);
	if ((plan != NULL ? xr__select_plan(plan, pin, &pp->sel, snap, so, in_flight, d)
			  : xr_select(&pp->sel, snap, &so, in_flight, d)) == 0)
		return false;
	if (scale > 1) {
		/* Back to the whole quantity, in the decision's proportions. */
		int64_t sum = 0;
		for (unsigned i = 0; i < d->n_alloc; i++) {
			d->alloc[i].qty *= scale;
			d->alloc[i].est_fees *= scale;
			sum += d->alloc[i].qty;
		}
		d->alloc[0].qty += m->qty - sum;
		d->est_fees *= scale;
	}

	/* Children: each allocation cut into time slices, at most
	 * XR_MAX_CHILDREN in all (the largest allocations keep theirs). */
	uint32_t k[XR_MAX_SPLIT], total = 0;
	for (unsigned i = 0; i < d->n_alloc; i++) {
		k[i] = xr__slices(st, pp, snap, m, &d->alloc[i], method);
		if (total + k[i] > XR_MAX_CHILDREN - (d->n_alloc - 1 - i))
			k[i] = XR_MAX_CHILDREN - (d->n_alloc - 1 - i) - total;
		if ((int64_t)k[i] > d->alloc[i].qty)
			k[i] = 1;
		total += k[i];
	}
	uint64_t horizon = method == XR_METHOD_TWAP ? pp->twap_horizon_ns
						    : (uint64_t)st->horizon_us * 1000;

	m->method = (uint8_t)method;
	m->priority = xr_route_priority(m->signal_type);
	m->n_children = (uint8_t)total;
	m->order_qty = m->qty;
	m->decision = method == XR_METHOD_TWAP ? XR_D_TWAP : d->decision;
	xr__decision_fields(m, d); /* after the scale-up: whole quantities */
	r->by_strategy[m->strategy]++;
	r->by_decision[m->decision]++;
	r->split_parents += d->n_alloc > 1;

	uint32_t idx = 0;
	for (unsigned i = 0; i < d->n_alloc; i++) {
		const struct xr_alloc *a = &d->alloc[i];
		const struct xr_venue_metrics *vm = &snap->venues[a->venue];
		int64_t fee_cbps = a->post ? vm->fee_maker_cbps : vm->fee_taker_cbps;
		int64_t slice = a->qty / k[i];
		uint64_t step = k[i] > 1 ? horizon / k[i] : 0;
		for (uint32_t j = 0; j < k[i]; j++) {
			struct xr_msg c = *m;
			c.kind = XR_MSG_CHILD;
			c.venue = a->venue;
			c.attempts = 1;
			c.cl_ord_id = ++r->next_cl_ord_id;
			c.child_idx = (uint8_t)idx++;
			c.qty = j + 1 == k[i] ? a->qty - slice * (k[i] - 1) : slice;
			c.send_at_ns = j == 0 ? 0 : now + j * step;
			xr__child_price(&c, m, st, pp, snap, a, method);
			int64_t px = c.ord_type == XR_ORD_LIMIT && a->post ? c.limit_px : a->exp_px;
			c.est_fees = xr_fee(xr_notional(c.qty, px), fee_cbps);
			xr__stash(r, &c);
		}
	}
	return true;
}

/* A child from the feedback ring: a retry to its venue, or a failover to
 * its best untried venue; false if there is none. */
static bool
xr__route_child(struct xr_route *r, const struct xr_engine *e, const struct xr_params *pp,
		const struct xr_snapshot *snap, const uint64_t *in_flight,
		struct xr_msg *c, struct xr_route_decision *d)
{
	if (c->decision == XR_D_RETRY && !((r->disabled_mask >> c->venue) & 1)) {
		/* Same venue, same price and quantity; send_at_ns is the
		 * backoff the aggregator chose. */
		c->attempts++;
		c->cl_ord_id = ++r->next_cl_ord_id;
		xr__stash(r, c);
		return true;
	}
	const struct xr_user_cfg *u = &e->cfg->users[c->user];
	struct xr_select_order so = {
		.symbol = c->symbol,
		.side = c->side,
		.strategy = c->strategy,
		.qty = c->qty,
		.limit_px = c->ord_type == XR_ORD_LIMIT ? c->limit_px : 0,
		.max_slippage_bps = c->max_slippage_bps,
		.allowed_mask = u->venue_mask,
		.exclude_mask = c->venue_mask | (c->venue < 64 ? UINT64_C(1) << c->venue : 0) |
				r->disabled_mask,
	};
	uint8_t pin;
	const struct xr_venue_plan *plan = xr__plan_of(r, e, c, &pin);
	if (plan != NULL) {
		/* The plan's order; a child never fails over outside it. */
		if (xr__select_plan(plan, pin, &pp->sel, snap, so, in_flight, d) == 0)
			return false;
	} else {
		xr_select(&pp->sel, snap, &so, in_flight, d);
		if (d->n_ranked == 0)
			return false;
	}
	/* The child keeps its price and quantity: only the venue changes.
	 * send_at_ns (when it became re-routable, in the past) stays: it
	 * dates the re-route latency. */
	uint8_t v = d->ranked[0].venue;
	c->venue_mask = so.exclude_mask | UINT64_C(1) << v;
	c->kind = XR_MSG_CHILD;
	c->venue = v;
	c->attempts++;
	c->decision = XR_D_REROUTE;
	c->cl_ord_id = ++r->next_cl_ord_id;
	c->est_fees = xr_fee(xr_notional(c->qty, c->limit_px ? c->limit_px
							   : snap->ref_px[c->symbol]),
			     snap->venues[v].fee_taker_cbps);
	xr__stash(r, c);
	r->rerouted++;
	return true;
}

/*
 * Apply operator command @p c (enum xr_control_op): route's own state
 * first, so the next order sees it; a disable or enable also goes to the
 * venue's execute stage (its breaker) behind the orders already sent
 * there; every command goes to the aggregator (@p rec: history, status,
 * event output).
 */
static void
xr__control(struct xr_route *r, const struct xr_engine *e, struct xr_msg *c, struct xr_msg *rec)
{
	uint8_t v = c->venue;

	if (c->reason == XR_CTL_DISABLE || c->reason == XR_CTL_ENABLE) {
		if (c->reason == XR_CTL_DISABLE)
			r->disabled_mask |= UINT64_C(1) << v;
		else
			r->disabled_mask &= ~(UINT64_C(1) << v);
		/* Behind every order routed there before it: the execute
		 * stage's priority sort keeps it last of its burst. */
		c->priority = UINT8_MAX;
		xr__stash(r, c);
	} else if (c->side == XR_SCOPE_USER || c->side == XR_SCOPE_SYMBOL) {
		uint8_t *pin = c->side == XR_SCOPE_USER ? &r->user_pin[c->user]
							: &r->symbol_pin[c->user];
		r->pins += (v != XR_VENUE_NONE) - (*pin != XR_VENUE_NONE);
		*pin = v;
	} else {
		memset(r->user_pin, v, e->n_users);
		memset(r->symbol_pin, v, e->n_symbols);
		r->pins = v != XR_VENUE_NONE ? (uint64_t)e->n_users + e->n_symbols : 0;
	}
	r->controls++;
	*rec = *c;
	rec->final = r->disabled_mask != 0; /* any venue disabled now */
	rec->attempts = r->pins != 0;	    /* any manual failover in force now */
}

/* A cancel of signal @p m->signal_id from the source: to every execute
 * stage, unless it repeats one still in progress (then it is counted
 * unmatched and dropped). */
static void
xr__cancel_take(struct xr_route *r, const struct xr_engine *e, const struct xr_msg *m)
{
	bool inserted = false;
	struct xr_cancel_pending *p;

	r->cancels++;
	if (m->reason != XR_CTL_CANCEL_SIGNAL || e->n_venues == 0 ||
	    (p = xr_u64map_upsert(&r->canceled, m->signal_id, &inserted)) == NULL ||
	    !inserted) {
		r->cancels_unmatched++;
		return;
	}
	p->acks_left = e->n_venues;
	p->found = 0;
	struct xr_msg c = *m;
	c.priority = UINT8_MAX; /* last of its execute burst: behind the children */
	c.qty = 0;
	for (uint32_t v = 0; v < e->n_venues; v++) {
		/* stash_cap: a burst of cancels fits, XR_MAX_VENUES each. */
		c.venue = (uint8_t)v;
		r->stash[r->stash_n++] = c;
	}
}

/*
 * A message of the feedback ring while some cancel is in progress: an
 * execute stage's acknowledgment of a cancel (XR_MSG_CONTROL: qty = the
 * children it canceled), or a child of a signal being canceled, which
 * ends canceled (a report to the aggregator in @p rej). @return false if
 * it is neither (an ordinary re-route).
 */
static bool
xr__cancel_feedback(struct xr_route *r, struct xr_msg *m, uint64_t now, struct xr_msg *rej,
		    uint32_t *n_rej)
{
	struct xr_cancel_pending *p = xr_u64map_find(&r->canceled, m->signal_id);

	if (m->kind == XR_MSG_CONTROL) {
		if (p == NULL)
			return true; /* cannot happen: one acknowledgment per venue */
		p->found += (uint32_t)m->qty;
		if (--p->acks_left == 0) {
			r->cancels_unmatched += p->found == 0;
			xr_u64map_remove(&r->canceled, m->signal_id);
		}
		return true;
	}
	if (p == NULL)
		return false;
	p->found++;
	r->cancel_children++;
	m->kind = XR_MSG_REPORT;
	m->ord_status = XR_OS_CANCELED;
	m->final = XR_FINAL_NONE;
	m->reason = XR_R_NONE;
	m->cum_qty = m->cum_notional = m->fees = 0;
	m->t[XR_T_EXECUTE] = 0; /* never sent: no venue sample */
	m->t[XR_T_REPORT] = now;
	rej[(*n_rej)++] = *m;
	return true;
}

/* Move stashed children into their venues' rings; true if all went. */
static bool
xr__flush_stash(struct xr_route *r)
{
	/* The children into the journal first, each before its venue's ring
	 * (journal_pvt.h): a record is made before what it describes. */
	for (; r->journal != NULL && r->stash_jpos < r->stash_n; r->stash_jpos++) {
		const struct xr_msg *c = &r->stash[r->stash_jpos];
		if (c->kind == XR_MSG_CHILD && !xr_ring_enqueue(r->journal, c)) {
			r->journal_stalls++;
			return false;
		}
	}
	while (r->stash_pos < r->stash_n) {
		struct xr_msg *c = &r->stash[r->stash_pos];
		if (!xr_ring_enqueue(r->out[c->venue], c)) {
			r->st.out_stalls++;
			return false;
		}
		r->stash_pos++;
	}
	r->stash_pos = r->stash_n = r->stash_jpos = 0;
	return true;
}

/* With a journal: true if one call's worth of ClOrdIDs (@p want parents
 * of XR_MAX_CHILDREN) is reserved; publishes how far route has got. */
static bool
xr__clordids_ready(struct xr_route *r, uint32_t want)
{
	uint64_t need = r->next_cl_ord_id + (uint64_t)want * XR_MAX_CHILDREN;

	if (need - r->used_published > 4096) {
		r->used_published = r->next_cl_ord_id;
		atomic_store_explicit(r->clordid_used, r->next_cl_ord_id, memory_order_relaxed);
	}
	if (need < r->limit_cache)
		return true;
	/* A_J1: pairs with R_J1 in the writer: ids below it are durable. */
	r->limit_cache = atomic_load_explicit(r->clordid_limit, memory_order_acquire);
	if (need < r->limit_cache)
		return true;
	r->used_published = r->next_cl_ord_id;
	atomic_store_explicit(r->clordid_used, r->next_cl_ord_id, memory_order_relaxed);
	r->clordid_stalls++;
	return false;
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
	if (r->clordid_limit != NULL && !xr__clordids_ready(r, burst))
		return 0;
	uint32_t want = xr_ring_room(r->rejects, burst);
	if (want == 0) {
		st->out_stalls++;
		return 0;
	}
	/* Operator commands first, all that are queued (each record takes
	 * one of the reject slots; the stash was just emptied and has room
	 * for a ring of them): commands given together apply together. */
	for (uint32_t k = 0; k < XR_CONTROL_RING && want > 0 &&
			     xr_ring_dequeue(r->control, &batch[0]); k++) {
		xr__control(r, e, &batch[0], &rej[n_rej++]);
		st->doing |= 1u << XR_DO_CONTROL;
		want--;
	}
	/* Re-routes first: they are older than anything in validate_to_route.
	 * New input only while cancels in progress have room (each message
	 * of it may be one). */
	uint32_t nf = xr_ring_dequeue_burst(r->feedback, batch, want);
	uint32_t want_in = want - nf, cancel_room = r->cancel_cap - (uint32_t)r->canceled.count;
	if (want_in > cancel_room)
		want_in = cancel_room;
	uint32_t n = nf + xr_ring_dequeue_burst(r->in, batch + nf, want_in);
	if (n == 0) {
		if (n_rej == 0)
			return 0;
		xr_ring_enqueue_burst(r->rejects, rej, n_rej);
		xr__flush_stash(r);
		return 1;
	}

	st->doing |= 1u << XR_DO_MESSAGES;
	uint64_t now = xr_now_ns();
	const struct xr_snapshot *snap = xr_snapshot_current(&e->snaps);
	const struct xr_params *pp = xr_params_current(&e->params);
	struct xr_route_decision d;
	xr__in_flight(r, snap, in_flight, e->n_venues);
	for (uint32_t i = 0; i < n; i++) {
		struct xr_msg *m = &batch[i];
		bool routed;
		if (i < nf) {
			if (__builtin_expect(r->canceled.count != 0, 0) &&
			    xr__cancel_feedback(r, m, now, rej, &n_rej))
				continue;
			routed = xr__route_child(r, e, pp, snap, in_flight, m, &d);
		} else {
			m->t[XR_T_ROUTE] = now;
			if (__builtin_expect(m->kind == XR_MSG_CONTROL, 0)) {
				xr__cancel_take(r, e, m);
				continue;
			}
			routed = xr__route_parent(r, e, pp, snap, in_flight, m, now, &d);
		}
		if (routed)
			continue;
		r->no_route++;
		/* A whole parent ends as a reject. A child sent back after a
		 * venue failure that finds no other venue ends with that
		 * failure (its reason is kept) as a report of its parent. */
		m->ord_status = XR_OS_REJECTED;
		if (i < nf) {
			m->kind = XR_MSG_REPORT;
			m->decision = XR_D_NO_VENUE;
			if (m->reason == XR_R_NONE)
				m->reason = XR_R_NO_VENUE;
			m->final = m->reason == XR_R_VENUE_REJECT ? XR_FINAL_REJECTED
								  : XR_FINAL_FAILED;
			rej[n_rej++] = *m; /* stamps and fills cleared by aggregate */
			continue;
		}
		m->kind = XR_MSG_REJECT;
		m->reason = d.reason ? d.reason : XR_R_NO_VENUE;
		m->decision = d.decision;
		m->arrival_px = d.arrival_px;
		r->by_decision[d.decision < XR_D_COUNT ? d.decision : 0]++;
		m->final = XR_FINAL_REJECTED;
		m->cum_qty = m->cum_notional = m->fees = 0;
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
	struct xr_route *r = e->route;
	const struct xr_engine_cfg *ec = &e->cfg->engine;

	snprintf(r->st.name, sizeof(r->st.name), "route");
	r->st.do_work = xr__route_work;
	r->st.eng = e;
	r->in = e->validate_to_route;
	r->feedback = e->aggregate_to_route;
	r->control = e->control_to_route;
	r->rejects = e->route_to_aggregate;
	r->out = e->route_to_execute;
	r->stash_cap = ec->burst * XR_MAX_CHILDREN + XR_CONTROL_RING; /* + commands */
	r->stash = calloc(r->stash_cap, sizeof(*r->stash));
	r->sent = calloc(e->n_venues, sizeof(*r->sent));
	r->user_pin = malloc(e->n_users);
	r->symbol_pin = malloc(e->n_symbols ? e->n_symbols : 1);
	r->cancel_cap = ec->ring_capacity;
	if (r->stash == NULL || r->sent == NULL || r->user_pin == NULL || r->symbol_pin == NULL ||
	    xr_u64map_init(&r->canceled, r->cancel_cap, sizeof(struct xr_cancel_pending)) != 0) {
		snprintf(err, err_len, "route: out of memory");
		return -ENOMEM;
	}
	memset(r->user_pin, XR_VENUE_NONE, e->n_users);
	memset(r->symbol_pin, XR_VENUE_NONE, e->n_symbols ? e->n_symbols : 1);
	return 0;
}

void
xr_route_fini(struct xr_route *r)
{
	free(r->stash);
	free(r->sent);
	free(r->user_pin);
	free(r->symbol_pin);
	xr_u64map_fini(&r->canceled);
	r->stash = NULL;
	r->sent = NULL;
	r->user_pin = r->symbol_pin = NULL;
}

void
xr_route_regions(struct xr_route *r, xr_region_fn visit, void *ctx)
{
	visit(ctx, r->stash, r->stash_cap * sizeof(*r->stash));
	visit(ctx, r->sent, r->st.eng->n_venues * sizeof(*r->sent));
}
