/*
 * recovery: a crashed run's state put back into the stages before their
 * threads start (docs/journal.md "Recovery"). The journal says what was
 * left (journal_recover.c); this file hands each part to its owner:
 *
 *   sources    every outcome of the session back into its source's book
 *              (a re-submitted signal_id is answered with it), then every
 *              open signal as an open entry, under a new internal id of
 *              this run;
 *   validate   order ids continue past every journaled one; the open
 *              parents' quantity is reserved again and counts against
 *              max_inflight_orders;
 *   aggregate  each open parent with its fills so far and its children
 *              ended; positions per venue, as the fills left them;
 *   risk       position and released quantity per (user, symbol);
 *   output     the positions check starts from the same positions;
 *   execute.V  each child that may be live, taken back (xr_execute_adopt:
 *              never sent again; a status query settles it);
 *   ingress    the open signals count as read, so the run waits for
 *              their results.
 * A parent of which nothing can be live (accepted but never routed, or
 * every child ended, its result lost with the crash) is ended here: its
 * result (reason stopped; rejected if never routed, else by its fills)
 * goes into the journal and into its source's book, which answers the
 * source's re-submit with it. It is never routed again.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_pvt.h"
#include "journal_pvt.h"
#include "stage_aggregate_pvt.h"
#include "stage_execute_pvt.h"
#include "stage_ingress_pvt.h"
#include "stage_output_pvt.h"
#include "stage_validate_pvt.h"
#include "xr_clock.h"

/* An outcome as the book keeps it. */
static void
xr__outcome_entry(const struct xr_jrec_outcome *o, struct xr_src_entry *en)
{
	memset(en, 0, sizeof(*en));
	en->final = o->final;
	en->reason = o->reason;
	en->filled = o->filled;
	en->fees = o->fees;
	en->venue = o->venue;
	en->avg_px = o->filled > 0
			     ? (int64_t)((xr_i128)o->notional * XR_QTY_SCALE / o->filled)
			     : 0;
}

/* The books: outcomes, then open signals under new ids. */
static int
xr__books(struct xr_engine *e, struct xr_jrecovery *r, char *err, size_t err_len)
{
	struct xr_sources *s = &e->ingress->srcs;

	for (uint32_t i = 0; i < r->n_outcomes; i++) {
		struct xr_src_entry en;
		xr__outcome_entry(&r->outcomes[i], &en);
		/* A source no longer configured has no book: its outcomes
		 * have no one to answer. */
		(void)xr_sources_restore(s, r->outcomes[i].source, r->outcomes[i].client_id, &en);
	}
	for (uint32_t i = 0; i < r->n_parents; i++) {
		struct xr_jrec_parent *p = &r->parents[i];
		struct xr_src_entry done = {
			.final = p->end_final,
			.reason = XR_R_STOPPED,
			.filled = p->cum,
			.fees = p->fees,
			.venue = XR_VENUE_NONE,
			.avg_px = p->cum > 0 ? (int64_t)((xr_i128)p->notional * XR_QTY_SCALE / p->cum)
					     : 0,
		};
		uint64_t id = xr_sources_restore(s, p->source, p->client_id,
						 p->end_now ? &done : NULL);
		if (id == 0) {
			snprintf(err, err_len,
				 "journal %s: recovery: open signal %" PRIu64 " of source \"%s\" has "
				 "no book: the config has no such [client] or [fix_client], or its "
				 "idempotency_window is full of open signals; nothing was changed",
				 e->cfg->journal.path, p->client_id, p->source);
			return -ENOENT;
		}
		p->sig.signal_id = id;
	}
	for (uint32_t i = 0; i < r->n_children; i++)
		r->children[i].c.signal_id = r->parents[r->children[i].parent].sig.signal_id;
	return 0;
}

/* Exposure and positions as the crashed run's fills and open orders left
 * them (risk_pvt.h "EXPOSURE"). */
static void
xr__exposure(struct xr_engine *e, const struct xr_jrecovery *r)
{
	uint32_t nv = e->n_venues, ns = e->n_symbols;

	for (size_t k = 0; k < (size_t)e->n_users * ns; k++) {
		size_t u = k / ns, sym = k % ns;
		int64_t pos = 0;
		for (uint32_t v = 0; v < nv; v++) {
			int64_t q = r->pos[(u * nv + v) * ns + sym];
			e->aggregate->pos[(u * nv + v) * ns + sym] += q;
			pos += q;
		}
		if (pos == 0)
			continue;
		atomic_fetch_add_explicit(&e->exp_a[k].position, pos, memory_order_relaxed);
		e->output->fills_net[k] += pos;
	}
	for (uint32_t i = 0; i < r->n_parents; i++) {
		const struct xr_jrec_parent *p = &r->parents[i];
		if (p->end_now)
			continue; /* ended: nothing reserved, its fills are positions */
		size_t k = (size_t)p->sig.user * ns + p->sig.symbol;
		struct xr_exposure_v *ev = &e->validate->exp_v[k];
		bool buy = p->sig.side == XR_SIDE_BUY;
		*(buy ? &ev->reserved_buy : &ev->reserved_sell) += p->sig.order_qty;
		atomic_fetch_add_explicit(buy ? &e->exp_a[k].released_buy
					      : &e->exp_a[k].released_sell,
					  p->cum, memory_order_relaxed);
	}
}

/* Parents of which nothing can be live: ended now, not routed again. */
static void
xr__settle_ended(struct xr_jrecovery *r)
{
	for (uint32_t i = 0; i < r->n_parents; i++) {
		struct xr_jrec_parent *p = &r->parents[i];
		p->end_now = !p->routed || p->n_children == 0 || p->done >= p->n_children;
		if (!p->end_now)
			continue;
		p->end_final = !p->routed			? XR_FINAL_REJECTED
			       : p->cum == p->sig.order_qty	? XR_FINAL_FILLED
			       : p->cum > 0			? XR_FINAL_PARTIALLY_FILLED
								: XR_FINAL_CANCELED;
	}
}

int
xr_engine_recover(struct xr_engine *e, struct xr_jrecovery *r, char *err, size_t err_len)
{
	uint64_t now = xr_now_ns();
	int rc;

	/* Order ids never repeat within a journal. */
	if (r->next_order_id > e->validate->next_order_id + 1)
		e->validate->next_order_id = r->next_order_id - 1;
	if (!r->active)
		return 0;
	xr__settle_ended(r);
	if ((rc = xr__books(e, r, err, err_len)) != 0)
		return rc;
	xr__exposure(e, r);
	uint64_t ended = 0, open = 0;
	for (uint32_t i = 0; i < r->n_parents; i++) {
		const struct xr_jrec_parent *p = &r->parents[i];
		if (p->end_now) {
			ended++;
			continue;
		}
		open++;
		e->validate->accepted++;
		struct xr_parent ap = {
			.cum_qty = p->cum,
			.cum_notional = p->notional,
			.fees = p->fees,
			.venue_mask = p->venue_mask,
			.children_done = (uint8_t)p->done,
			.acked = p->cum > 0,
		};
		if (xr_aggregate_restore_parent(e->aggregate, p->sig.order_id, &ap) != 0) {
			snprintf(err, err_len,
				 "journal %s: recovery: more open orders than max_inflight_orders "
				 "(%" PRIu32 ") holds; raise it to recover; nothing was changed",
				 e->cfg->journal.path, e->cfg->engine.max_inflight_orders);
			return -ENOSPC;
		}
	}
	uint64_t adopted = 0;
	/* The acknowledged first: they are surely at the venue. */
	for (uint32_t k = 0; k < 2 * r->n_children; k++) {
		const struct xr_jrec_child *c = &r->children[k % r->n_children];
		if (c->ended || c->superseded || c->acked != (k < r->n_children))
			continue;
		struct xr_msg m = c->c;
		m.t[XR_T_INGRESS] = m.t[XR_T_VALIDATE] = m.t[XR_T_ROUTE] = now;
		rc = xr_execute_adopt(&e->execute[m.venue], &m, c->cum, c->notional, c->acked, now);
		if (rc != 0) {
			snprintf(err, err_len,
				 "journal %s: recovery: child ClOrdID %" PRIu64 " at venue %s cannot "
				 "be taken back: %s (max_open_orders of the venue); nothing was sent",
				 e->cfg->journal.path, m.cl_ord_id, e->cfg->venues[m.venue].name,
				 strerror(-rc));
			return rc;
		}
		adopted++;
	}
	/* The run waits for their results as for signals read. */
	atomic_fetch_add_explicit(&e->ingress->read, open, memory_order_relaxed);
	e->recovered_open = open;
	e->recovered_children = adopted;
	if ((rc = xr_journal_recover_note(e->journal, r, err, err_len)) != 0)
		return rc;
	fprintf(stderr,
		"xroute: recovered from %s: %" PRIu64 " open signals with %" PRIu64
		" child orders taken back to reconcile with their venues; %" PRIu64
		" ended at once (nothing of them live); %" PRIu32 " outcomes for re-submits\n",
		e->cfg->journal.path, open, adopted, ended, r->n_outcomes);
	return 0;
}
