/*
 * Validate stage: every pre-trade check, in this order (the first failure
 * is the signal's reason):
 *   parse_error, duplicate_signal_id (window of dedup_window ids),
 *   unknown_user, user_disabled, unknown_symbol, symbol_not_allowed,
 *   unknown_strategy, rate_limit (per-user token bucket on the signal's
 *   ts_ns), max_order_qty, max_notional (limit px, or the snapshot's
 *   reference px for market orders; no_reference_price if none),
 *   max_position (worst-case exposure with orders in flight, risk_pvt.h).
 * Accepted signals get an order_id, reserve their exposure and go to
 * route; rejected ones go to aggregate as XR_MSG_REJECT with the reason.
 * A control message of the source (XR_MSG_CONTROL, XR_CTL_CANCEL_SIGNAL)
 * passes to route unchecked, in its place among the signals.
 *
 * Flow control: at most max_inflight_orders accepted parents may be
 * unfinished (the aggregator's completed count is the credit); the stage
 * takes no more input than its outputs and its credit can absorb, so
 * nothing is ever dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stage_validate_pvt.h"
#include "xr_table.h"
#include "xr_clock.h"

static enum xr_reason
xr__validate_one(struct xr_validate *v, const struct xr_engine *e,
		 const struct xr_snapshot *snap, struct xr_msg *m)
{
	const struct xr_config *cfg = e->cfg;

	/* Refused before validate: a malformed row (parse_error) or, in
	 * xroute serve, a user the source may not trade for. */
	if (m->reason != XR_R_NONE)
		return (enum xr_reason)m->reason;
	if (xr_dedup_check_insert(&v->dedup, m->signal_id))
		return XR_R_DUPLICATE_ID;
	if (m->user >= e->n_users)
		return XR_R_UNKNOWN_USER;
	const struct xr_user_cfg *u = &cfg->users[m->user];
	if (!u->enabled)
		return XR_R_USER_DISABLED;
	if (m->symbol >= e->n_symbols)
		return XR_R_UNKNOWN_SYMBOL;
	if (!xr_user_symbol_allowed(u, m->symbol))
		return XR_R_SYMBOL_NOT_ALLOWED;
	if (m->strategy == XR_STRAT_DEFAULT)
		m->strategy = u->strategy != XR_STRAT_DEFAULT ? u->strategy
							      : cfg->engine.default_strategy;
	if (m->strategy == XR_STRAT_DEFAULT || m->strategy >= XR_STRAT_COUNT)
		return XR_R_UNKNOWN_STRATEGY;

	struct xr_user_state *us = &v->users[m->user];
	uint64_t ts = (uint64_t)m->ts_ns;
	if (!us->bucket_started) {
		xr_token_bucket_init(&us->bucket, u->rate_per_s, u->burst, ts);
		us->bucket_started = true;
	}
	if (!xr_token_bucket_take(&us->bucket, ts))
		return XR_R_RATE_LIMIT;
	if (m->qty > u->max_order_qty[m->symbol])
		return XR_R_MAX_QTY;
	int64_t px = m->ord_type == XR_ORD_LIMIT ? m->limit_px
			: snap != NULL ? snap->ref_px[m->symbol] : 0;
	if (px <= 0)
		return XR_R_NO_REFERENCE_PX;
	if (xr_notional(m->qty, px) > u->max_notional)
		return XR_R_MAX_NOTIONAL;
	size_t k = (size_t)m->user * e->n_symbols + m->symbol;
	struct xr_exposure_v *ev = &v->exp_v[k];
	if (!xr_exposure_allows(ev, &e->exp_a[k], m->side, m->qty,
				u->max_position[m->symbol]))
		return XR_R_MAX_POSITION;

	if (m->side == XR_SIDE_BUY)
		ev->reserved_buy += m->qty;
	else
		ev->reserved_sell += m->qty;
	m->order_id = ++v->next_order_id;
	v->accepted++;
	return XR_R_NONE;
}

static uint32_t
xr__validate_work(struct xr_stage *st)
{
	struct xr_validate *v = (struct xr_validate *)st;
	struct xr_engine *e = st->eng;
	struct xr_msg in[XR_MAX_BURST], rej[XR_MAX_BURST];
	uint32_t want = e->cfg->engine.burst, n_ok = 0, n_rej = 0;

	/* Credit: accepted parents not yet ended stay under the cap. The
	 * aggregator's counter is read only when the credit from its last
	 * known value is short of a burst (the ring's cached-index idea): the
	 * line then crosses cores about once per max_inflight_orders - burst
	 * parents, not once per call. */
	uint64_t cap = e->cfg->engine.max_inflight_orders;
	uint64_t live = v->accepted - v->done_seen;
	if (cap - (live < cap ? live : cap) < want) {
		/* A4: pairs with R4 in xr__publish_completed; the exposure
		 * released for those parents is visible before their credit. */
		v->done_seen = atomic_load_explicit(&e->completed_orders,
						    memory_order_acquire);
		live = v->accepted - v->done_seen;
	}
	uint64_t credit = cap > live ? cap - live : 0;
	if (credit == 0) {
		v->credit_stalls++;
		return 0;
	}
	if (credit < want)
		want = (uint32_t)credit;
	want = xr_ring_room(v->out, want);
	want = xr_ring_room(v->rejects, want);
	if (want == 0) {
		st->out_stalls++;
		return 0;
	}
	uint32_t n = xr_ring_dequeue_burst(v->in, in, want);
	if (n == 0)
		return 0;
	st->doing |= 1u << XR_DO_MESSAGES;

	/* Issue the burst's cache misses together: the duplicate window and,
	 * with many users, the per-user and per-(user, symbol) state are far
	 * larger than the cache (DPDK's rte_hash_lookup_bulk does the same). */
	const struct xr_user_cfg *users = e->cfg->users;
	for (uint32_t i = 0; i < n; i++) {
		const struct xr_msg *m = &in[i];
		xr_dedup_prefetch(&v->dedup, m->signal_id, i);
		if (m->user < e->n_users && m->symbol < e->n_symbols) {
			size_t k = (size_t)m->user * e->n_symbols + m->symbol;
			__builtin_prefetch(&users[m->user], 0, 3);
			__builtin_prefetch(&v->users[m->user], 1, 3);
			__builtin_prefetch(&v->exp_v[k], 1, 3);
			__builtin_prefetch(&e->exp_a[k], 0, 3);
		}
	}

	uint64_t now = xr_now_ns();
	const struct xr_snapshot *snap = xr_snapshot_current(&e->snaps);
	for (uint32_t i = 0; i < n; i++) {
		struct xr_msg *m = &in[i];
		m->t[XR_T_VALIDATE] = now;
		/* A cancel of a signal (XR_MSG_CONTROL, XR_CTL_CANCEL_SIGNAL)
		 * carries its op in reason, so xr__validate_one() returns at
		 * its first test; it is told apart below, off the accepted
		 * signal's path. */
		enum xr_reason r = xr__validate_one(v, e, snap, m);
		if (r == XR_R_NONE) {
			/* Accepted messages are compacted in place: no copy while
			 * nothing before them was rejected. */
			v->by_reason[r]++;
			if (n_ok != i)
				in[n_ok] = *m;
			n_ok++;
		} else if (__builtin_expect(m->kind == XR_MSG_CONTROL, 0)) {
			/* No signal: no check, no dedup, no exposure, not
			 * counted; it goes on to route in its place. */
			if (n_ok != i)
				in[n_ok] = *m;
			n_ok++;
			v->controls++;
		} else {
			v->by_reason[r]++;
			m->kind = XR_MSG_REJECT;
			m->reason = (uint16_t)r;
			m->final = XR_FINAL_REJECTED;
			rej[n_rej++] = *m;
		}
	}
	/* Room was reserved above: both enqueues take everything. */
	xr_ring_enqueue_burst(v->out, in, n_ok);
	xr_ring_enqueue_burst(v->rejects, rej, n_rej);
	st->items += n;
	return n;
}

int
xr_validate_init(struct xr_engine *e, char *err, size_t err_len)
{
	struct xr_validate *v = e->validate;

	snprintf(v->st.name, sizeof(v->st.name), "validate");
	v->st.do_work = xr__validate_work;
	v->st.eng = e;
	v->in = e->ingress_to_validate;
	v->out = e->validate_to_route;
	v->rejects = e->validate_to_aggregate;
	v->users = xr_table_calloc(e->n_users, sizeof(*v->users));
	v->exp_v = xr_table_calloc((size_t)e->n_users * e->n_symbols, sizeof(*v->exp_v));
	if (v->users == NULL || v->exp_v == NULL) {
		snprintf(err, err_len, "validate: out of memory for %u users", e->n_users);
		return -ENOMEM;
	}
	int rc = xr_dedup_init(&v->dedup, e->cfg->engine.dedup_window);
	if (rc != 0) {
		snprintf(err, err_len, "validate: dedup window of %u ids: %s",
			 e->cfg->engine.dedup_window, strerror(-rc));
		return rc;
	}
	return 0;
}

void
xr_validate_fini(struct xr_validate *v)
{
	xr_table_free(v->users);
	xr_table_free(v->exp_v);
	xr_dedup_fini(&v->dedup);
	v->users = NULL;
	v->exp_v = NULL;
}
