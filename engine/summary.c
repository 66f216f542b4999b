/*
 * The run's summary: what xr_engine_summary() returns, and the reports made
 * from it and from the aggregator's books once the run is over (the text
 * summary, the JSON summary, the positions file, the .hgrm histograms).
 *
 * DESIGN
 *   xr_summary_collect() reads every stage's counters once, after the stage
 *   threads have stopped, into the engine's struct xr_summary; the printers
 *   read only that struct, except the positions file (the aggregator's
 *   position table) and the .hgrm files (its histograms).
 *
 * GUARANTEES
 *   Owner thread only, after xr_runner_stop(): no stage thread runs, so the
 *   stages' plain counters are read without ordering.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine_pvt.h"
#include "journal_pvt.h"
#include "stage_execute_pvt.h"
#include "stage_ingress_pvt.h"
#include "stage_output_pvt.h"
#include "stage_route_pvt.h"
#include "stage_validate_pvt.h"
#include "venue_stats_pvt.h"

/* ---- collecting ---- */

static void
xr__latency(struct xr_latency *l, const struct xr_hist *h)
{
	l->count = h->count;
	l->p50 = xr_hist_value_at_ppm(h, 500000);
	l->p99 = xr_hist_value_at_ppm(h, 990000);
	l->p999 = xr_hist_value_at_ppm(h, 999000);
	l->max = xr_hist_value_at_ppm(h, 1000000);
	l->mean = xr_hist_mean(h);
}

/* Venue @p x's violation counters: the execute stage's and what its
 * connector counted (struct xr_conn_health). Owner thread, after the
 * stage threads stopped; the connector's repeated fills go to s->dup_fills. */
static void
xr__violations(struct xr_summary *s, struct xr_venue_summary *vs, const struct xr_execute *x)
{
	struct xr_conn_health h = {0};
	if (x->conn.ops != NULL && x->conn.ops->health(x->conn.ctx, &h) != 0)
		memset(&h, 0, sizeof(h));
	vs->fills_outside_limit = x->fills_outside_limit;
	/* Disjoint: the connector refuses the reports it can judge (FIX
	 * CumQty above OrderQty), the stage clamps what reaches it. */
	vs->overfill_reports = x->overfill_reports + h.overfill_reports;
	vs->foreign_reports = h.foreign_reports;
	vs->stale_reports = h.stale_reports;
	vs->qty_changed = h.qty_changed;
	vs->frames_dropped = h.frames_dropped;
	vs->escalations = h.escalations;
	/* Repeats the connector dropped itself (FIX: CumQty not advancing)
	 * never reach the stage's own dup_fills. */
	s->dup_fills += h.dup_fills;
	vs->queries_capped = x->queries_capped;
	vs->in_doubt = x->in_doubt;
	vs->left_open = x->left_open;
}

void
xr_summary_collect(struct xr_engine *e)
{
	struct xr_summary *s = &e->summary;
	const struct xr_aggregate *a = e->aggregate;
	const struct xr_output *o = e->output;

	memset(s, 0, sizeof(*s));
	s->signals_read = atomic_load_explicit(&e->ingress->read, memory_order_acquire);
	s->parse_errors = e->ingress->parse_errors;
	s->accepted = e->validate->accepted;
	s->rejected = a->finals[XR_FINAL_REJECTED];
	s->filled = a->finals[XR_FINAL_FILLED];
	s->partially_filled = a->finals[XR_FINAL_PARTIALLY_FILLED];
	s->canceled = a->finals[XR_FINAL_CANCELED];
	s->failed = a->finals[XR_FINAL_FAILED];
	s->unknown = a->finals[XR_FINAL_UNKNOWN];
	s->open = a->finals[XR_FINAL_OPEN];
	s->stop_signal = e->stop_signal;
	s->results = o->results;
	if (e->io.serve) {
		/* The books matched each result to its signal. */
		uint64_t answered = atomic_load_explicit(&e->ingress->srcs.answered,
							 memory_order_acquire);
		s->unaccounted = s->signals_read > answered ? s->signals_read - answered : 0;
		s->duplicates = e->ingress->srcs.duplicates;
	} else {
		s->unaccounted = s->signals_read > o->distinct ? s->signals_read - o->distinct : 0;
		s->duplicates = o->duplicates;
	}
	s->overfills = o->overfills;
	memcpy(s->by_reason, a->by_reason, sizeof(s->by_reason));
	s->ingress_stalls = e->ingress->st.out_stalls;
	s->overloaded = e->ingress->overloaded;
	s->credit_stalls = e->validate->credit_stalls;
	if (e->journal != NULL) {
		const struct xr_journal_stats *js = &e->journal->st;
		s->journal = true;
		s->journal_records = js->records;
		s->journal_rows = js->rows;
		s->journal_commits = js->commits;
		s->journal_syncs = js->syncs;
		s->journal_blocks = js->blocks;
		s->journal_recovered = js->recovered;
		s->journal_errors = js->errors;
		s->journal_busy_ns = js->busy_ns;
		s->journal_stalls = e->ingress->journal_stalls + e->route->journal_stalls +
				    e->aggregate->journal_stalls;
		for (uint32_t v = 0; v < e->n_venues; v++)
			s->journal_stalls += e->execute[v].journal_stalls;
		s->clordid_stalls = e->route->clordid_stalls;
	}
	s->snapshots = e->snaps.seq;
	s->snapshots_skipped = e->snaps.skipped;
	s->reloads = e->reloads;
	memcpy(s->by_strategy, e->route->by_strategy, sizeof(s->by_strategy));
	memcpy(s->by_decision, e->route->by_decision, sizeof(s->by_decision));
	s->split_parents = e->route->split_parents;
	s->rerouted = e->route->rerouted;
	s->failover_events = a->failover_events;
	xr__latency(&s->detection, a->detect_hist);
	xr__latency(&s->reroute, a->reroute_hist);
	s->retries = a->retries;
	s->failovers = a->failovers;
	for (uint32_t v = 0; v < e->n_venues; v++) {
		const struct xr_execute *x = &e->execute[v];
		s->bounced += x->bounced;
		s->timeouts += x->timeouts;
		s->status_queries += x->queries;
		s->timeout_cancels += x->timeout_cancels;
		s->unknown_resolved += x->unknown_resolved;
		s->dup_fills += x->dup_fills;
		s->bad_events += x->bad_events;
		s->stale_answers += x->stale_answers;
		s->stop_cancels += x->stop_cancels;
		s->stopped += x->stopped;
		for (uint32_t i = 0; i < x->n_doubt && s->n_doubt < XR_SUMMARY_DOUBT; i++) {
			struct xr_doubt_summary *d = &s->doubt[s->n_doubt++];
			snprintf(d->venue, sizeof(d->venue), "%s", e->cfg->venues[v].name);
			d->signal_id = x->doubt[i].signal_id;
			d->line = x->doubt[i].line;
			d->cl_ord_id = x->doubt[i].cl_ord_id;
			d->final = x->doubt[i].final;
		}
	}
	s->parked = a->fb_parked;
	xr__latency(&s->recovery, a->recovery_hist);
	s->router_status = a->status;
	s->status_changes = a->status_changes;
	s->controls = a->controls;
	s->cancels = e->route->cancels;
	s->cancels_unmatched = e->route->cancels_unmatched;
	s->cancel_children = e->route->cancel_children;
	for (uint32_t v = 0; v < e->n_venues; v++)
		s->cancel_children += e->execute[v].cancel_requests + e->execute[v].cancel_held;
	s->fill_events = a->fills_sent;
	memcpy(s->alerts, a->alerts, sizeof(s->alerts));
	s->events = e->events.written;
	s->write_errors = o->write_errors + e->events.write_errors;
	s->events_dropped = a->events_dropped + o->events_dropped;
	for (uint32_t i = 0; i < a->n_history && i < XR_SUMMARY_HISTORY; i++) {
		const struct xr_failover_rec *h = &a->history[i];
		struct xr_failover_summary *fs = &s->history[s->n_history++];
		fs->at_s = h->at_ns > e->start_ns ? (double)(h->at_ns - e->start_ns) / 1e9 : 0;
		snprintf(fs->from, sizeof(fs->from), "%s",
			 h->from < e->n_venues ? e->cfg->venues[h->from].name : "");
		snprintf(fs->to, sizeof(fs->to), "%s",
			 h->to < e->n_venues ? e->cfg->venues[h->to].name : "");
		snprintf(fs->cause, sizeof(fs->cause), "%s",
			 xr_breaker_cause_name((enum xr_breaker_cause)h->cause));
		fs->detection_ns = h->detect_ns;
		fs->reroute_ns = h->reroute_ns;
		fs->recovery_ns = h->recovery_ns;
	}
	s->reloads_rejected = e->reloads_rejected;
	s->n_threads = e->n_threads;
	for (uint32_t i = 0; i < e->n_threads; i++) {
		const struct xr_thread *t = &e->threads[i];
		struct xr_thread_summary *ts = &s->threads[i];

		snprintf(ts->name, sizeof(ts->name), "%s", t->cfg->name);
		ts->cpu = t->pinned ? t->cfg->cpu : -1;
		ts->loops = t->loops;
		ts->idle_loops = t->idle_loops;
		ts->cpu_ns = t->cpu_ns;
		ts->alloc_measured = t->alloc_ctr != NULL;
		ts->alloc_bytes = t->alloc_end - t->alloc_start;
	}
	s->n_stages = 0;
	for (uint32_t i = 0; i < e->n_threads; i++) {
		const struct xr_thread *t = &e->threads[i];
		for (uint32_t k = 0; k < t->n_stages; k++) {
			const struct xr_stage *st = t->stages[k];
			struct xr_stage_summary *ss = &s->stages[s->n_stages++];
			snprintf(ss->name, sizeof(ss->name), "%s", st->name);
			snprintf(ss->thread, sizeof(ss->thread), "%s", t->cfg->name);
			ss->items = st->items;
			xr__latency(&ss->work, st->work_hist);
			ss->slow_calls = st->slow_calls;
			memcpy(ss->slow_by, st->slow_by, sizeof(ss->slow_by));
			ss->slowest_ns = st->slowest_ns;
			ss->slowest_doing = st->slowest_doing;
		}
	}
	/* Positions three ways: risk's, the sum over venues of the
	 * aggregator's per-venue ones, and the results' fills. */
	for (size_t k = 0; k < (size_t)e->n_users * e->n_symbols; k++) {
		int64_t pos = atomic_load_explicit(&e->exp_a[k].position, memory_order_relaxed);
		int64_t by_venue = 0;
		size_t u = k / e->n_symbols, sym = k % e->n_symbols;
		for (uint32_t v = 0; v < e->n_venues; v++)
			by_venue += a->pos[(u * e->n_venues + v) * e->n_symbols + sym];
		if (pos != o->fills_net[k] || by_venue != pos)
			s->position_mismatches++;
		/* Every order ended: what validate reserved was filled or
		 * released, to the unit. */
		const struct xr_exposure_v *ev = &e->validate->exp_v[k];
		if (ev->reserved_buy != atomic_load_explicit(&e->exp_a[k].released_buy,
							     memory_order_relaxed) ||
		    ev->reserved_sell != atomic_load_explicit(&e->exp_a[k].released_sell,
							      memory_order_relaxed))
			s->exposure_left++;
	}
	uint64_t last = atomic_load_explicit(&o->last_result_ns, memory_order_relaxed);
	uint64_t span = last > e->start_ns ? last - e->start_ns : 0;
	s->elapsed_s = (double)span / 1e9;
	s->throughput_per_s = span ? (double)s->signals_read / s->elapsed_s : 0;
	xr__latency(&s->e2e, a->hist[XR_H_E2E]);
	xr__latency(&s->router, a->hist[XR_H_ROUTER]);
	xr__latency(&s->queue, a->hist[XR_H_QUEUE]);
	xr__latency(&s->validate, a->hist[XR_H_VALIDATE]);
	xr__latency(&s->route, a->hist[XR_H_ROUTE]);
	xr__latency(&s->venue, a->hist[XR_H_VENUE]);
	xr__latency(&s->aggregate, a->hist[XR_H_AGGREGATE]);
	s->n_venues = e->n_venues;
	for (uint32_t v = 0; v < e->n_venues; v++) {
		struct xr_venue_summary *vs = &s->venues[v];
		snprintf(vs->name, sizeof(vs->name), "%s", e->cfg->venues[v].name);
		vs->children = a->venues[v].children;
		vs->filled = a->venues[v].filled;
		vs->rejected = a->venues[v].rejected;
		vs->failed = a->venues[v].failed;
		vs->latency_p50_ns = xr_hist_value_at_ppm(a->venue_hist[v], 500000);
		vs->opens = a->venues[v].opens;
		vs->circuit = a->venues[v].circuit;
		vs->bounced = e->execute[v].bounced;
		vs->timeouts = e->execute[v].timeouts;
		xr__violations(s, vs, &e->execute[v]);
		struct xr_venue_summary *all = &s->violations;
		all->fills_outside_limit += vs->fills_outside_limit;
		all->overfill_reports += vs->overfill_reports;
		all->foreign_reports += vs->foreign_reports;
		all->stale_reports += vs->stale_reports;
		all->qty_changed += vs->qty_changed;
		all->frames_dropped += vs->frames_dropped;
		all->escalations += vs->escalations;
		all->queries_capped += vs->queries_capped;
		all->in_doubt += vs->in_doubt;
		all->left_open += vs->left_open;
		const struct xr_venue_stats *st = &a->venues[v];
		uint64_t end = e->end_ns, closed = st->closed_ns;
		if (st->fail_start_ns == 0 && end > st->closed_since_ns)
			closed += end - st->closed_since_ns;
		uint64_t failures = st->recoveries + (st->fail_start_ns != 0);
		vs->recoveries = st->recoveries;
		vs->mtbf_ns = failures ? closed / failures : 0;
		vs->mttr_ns = st->recoveries ? st->repair_ns / st->recoveries : 0;
		vs->alerts = st->alerts;
		for (size_t k = 0; k < (size_t)e->n_users * e->n_symbols; k++) {
			int64_t p = a->pos[((k / e->n_symbols) * e->n_venues + v) * e->n_symbols +
					   k % e->n_symbols];
			vs->position_gross += p < 0 ? -p : p;
		}
	}
}

/* ---- the summary and its reports ---- */

int
xr_engine_write_positions(const struct xr_engine *e, FILE *out)
{
	const struct xr_config *cfg = e->cfg;
	const int64_t *pos = e->aggregate->pos;
	char q[32];

	fprintf(out, "user,symbol,venue,net_qty\n");
	for (uint32_t u = 0; u < e->n_users; u++) {
		for (uint32_t sym = 0; sym < e->n_symbols; sym++) {
			int64_t total = 0;
			bool traded = false;
			for (uint32_t v = 0; v < e->n_venues; v++) {
				int64_t p = pos[((size_t)u * e->n_venues + v) * e->n_symbols + sym];
				if (p == 0)
					continue;
				traded = true;
				total += p;
				xr_fixed_format(q, p, 8);
				fprintf(out, "%s,%s,%s,%s\n", cfg->users[u].name, cfg->symbols[sym],
					cfg->venues[v].name, q);
			}
			if (!traded)
				continue;
			xr_fixed_format(q, total, 8);
			fprintf(out, "%s,%s,*,%s\n", cfg->users[u].name, cfg->symbols[sym], q);
		}
	}
	return ferror(out) ? -EIO : 0;
}

const struct xr_summary *
xr_engine_summary(const struct xr_engine *e)
{
	return &e->summary;
}

/* ---- reports ---- */

static const char *const xr__hist_names[XR_H_COUNT] = {
	[XR_H_E2E] = "e2e",
	[XR_H_ROUTER] = "router",
	[XR_H_QUEUE] = "queue",
	[XR_H_VALIDATE] = "validate",
	[XR_H_ROUTE] = "route",
	[XR_H_VENUE] = "venue",
	[XR_H_AGGREGATE] = "aggregate",
};

static void
xr__print_latency(FILE *out, const char *name, const struct xr_latency *l)
{
	fprintf(out, "  %-10s %10" PRIu64 " %10.1f %10.1f %10.1f %10.1f\n", name, l->count,
		(double)l->p50 / 1e3, (double)l->p99 / 1e3, (double)l->p999 / 1e3,
		(double)l->max / 1e3);
}

void
xr_engine_print_summary(const struct xr_engine *e, FILE *out)
{
	const struct xr_summary *s = &e->summary;

	fprintf(out, "xroute summary\n");
	fprintf(out, "  signals read      %12" PRIu64 "   (%" PRIu64 " malformed)\n",
		s->signals_read, s->parse_errors);
	fprintf(out, "  accepted          %12" PRIu64 "\n", s->accepted);
	fprintf(out, "  filled            %12" PRIu64 "\n", s->filled);
	fprintf(out, "  partially filled  %12" PRIu64 "\n", s->partially_filled);
	fprintf(out, "  canceled          %12" PRIu64 "\n", s->canceled);
	fprintf(out, "  rejected          %12" PRIu64 "\n", s->rejected);
	fprintf(out, "  failed            %12" PRIu64 "\n", s->failed);
	fprintf(out, "  unknown           %12" PRIu64 "%s\n", s->unknown,
		s->unknown ? "   in doubt: a venue never settled them (listed below)" : "");
	if (s->open)
		fprintf(out, "  open              %12" PRIu64 "   left live at a venue "
			"(exit_orders = leave; listed below)\n", s->open);
	fprintf(out, "  elapsed           %12.3f s\n", s->elapsed_s);
	fprintf(out, "  throughput        %12.0f signals/s\n", s->throughput_per_s);
	fprintf(out, "invariants\n");
	fprintf(out, "  unaccounted       %12" PRIu64 "   %s\n", s->unaccounted,
		s->unaccounted ? "VIOLATED" : "ok");
	fprintf(out, "  duplicates        %12" PRIu64 "   %s\n", s->duplicates,
		s->duplicates ? "VIOLATED" : "ok");
	fprintf(out, "  overfills         %12" PRIu64 "   %s\n", s->overfills,
		s->overfills ? "VIOLATED" : "ok");
	fprintf(out, "  position != fills %12" PRIu64 "   %s\n", s->position_mismatches,
		s->position_mismatches ? "VIOLATED" : "ok");
	fprintf(out, "  exposure left     %12" PRIu64 "   %s\n", s->exposure_left,
		s->exposure_left ? "VIOLATED" : "ok");
	fprintf(out, "  write errors      %12" PRIu64 "   %s\n", s->write_errors,
		s->write_errors ? "VIOLATED" : "ok");
	fprintf(out, "latency (us)        count        p50        p99      p99.9        max\n");
	const struct xr_latency *ls[XR_H_COUNT] = {&s->e2e, &s->router, &s->queue,
		&s->validate, &s->route, &s->venue, &s->aggregate};
	for (int h = 0; h < XR_H_COUNT; h++)
		xr__print_latency(out, xr__hist_names[h], ls[h]);
	fprintf(out, "reasons\n");
	for (int r = 1; r < XR_R_COUNT; r++)
		if (s->by_reason[r])
			fprintf(out, "  %-20s %10" PRIu64 "\n", xr_reason_name((enum xr_reason)r),
				s->by_reason[r]);
	fprintf(out, "routing             routed  (split %" PRIu64 ", re-routed children %" PRIu64 ")\n",
		s->split_parents, s->rerouted);
	for (int k = 1; k < XR_STRAT_COUNT; k++)
		if (s->by_strategy[k])
			fprintf(out, "  %-20s %10" PRIu64 "\n", xr_strategy_name((enum xr_strategy)k),
				s->by_strategy[k]);
	fprintf(out, "decisions\n");
	for (int k = 1; k < XR_D_COUNT; k++)
		if (s->by_decision[k])
			fprintf(out, "  %-20s %10" PRIu64 "\n", xr_decision_name((enum xr_decision)k),
				s->by_decision[k]);
	fprintf(out, "venues              children     filled   rejected     failed  p50 (us)\n");
	for (uint32_t v = 0; v < s->n_venues; v++) {
		const struct xr_venue_summary *vs = &s->venues[v];
		fprintf(out, "  %-14s %11" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64
			" %9.1f\n", vs->name, vs->children, vs->filled, vs->rejected, vs->failed,
			(double)vs->latency_p50_ns / 1e3);
	}
	fprintf(out, "failover: %" PRIu64 " circuits opened, detection p50 %.3f ms p99 %.3f ms, "
		"re-route p50 %.1f us p99 %.1f us\n", s->failover_events,
		(double)s->detection.p50 / 1e6, (double)s->detection.p99 / 1e6,
		(double)s->reroute.p50 / 1e3, (double)s->reroute.p99 / 1e3);
	fprintf(out, "  retries %" PRIu64 ", failovers %" PRIu64 ", bounced %" PRIu64
		", timeouts %" PRIu64 ", status queries %" PRIu64 " (%" PRIu64
		" unknown resolved), duplicate fills ignored %" PRIu64 "\n", s->retries,
		s->failovers, s->bounced, s->timeouts, s->status_queries, s->unknown_resolved,
		s->dup_fills);
	fprintf(out, "  router status %s (%" PRIu64 " changes), operator commands %" PRIu64
		", recovery p50 %.3f ms p99 %.3f ms (%" PRIu64 "), alerts",
		xr_router_status_name((enum xr_router_status)s->router_status), s->status_changes,
		s->controls, (double)s->recovery.p50 / 1e6, (double)s->recovery.p99 / 1e6,
		s->recovery.count);
	for (int k = 0; k < XR_ALERT_COUNT; k++)
		fprintf(out, " %s %" PRIu64, xr_alert_name((enum xr_alert)k), s->alerts[k]);
	fprintf(out, "\n");
	fprintf(out, "  signal cancels %" PRIu64 " (%" PRIu64 " children canceled, %" PRIu64
		" unmatched), fill events %" PRIu64 "\n", s->cancels, s->cancel_children,
		s->cancels_unmatched, s->fill_events);
	for (uint32_t i = 0; i < s->n_history; i++) {
		const struct xr_failover_summary *h = &s->history[i];
		fprintf(out, "  %9.3f s  %-12s -> %-12s %-20s detect %.3f ms, re-route %.1f us, "
			"recovery %.3f ms\n", h->at_s, h->from[0] ? h->from : "-",
			h->to[0] ? h->to : "-", h->cause, (double)h->detection_ns / 1e6,
			(double)h->reroute_ns / 1e3, (double)h->recovery_ns / 1e6);
	}
	fprintf(out, "venues              opens   MTBF (ms)   MTTR (ms)  alerts  |position|\n");
	for (uint32_t v = 0; v < s->n_venues; v++) {
		const struct xr_venue_summary *vs = &s->venues[v];
		char gross[32];
		xr_fixed_format(gross, vs->position_gross, 8);
		fprintf(out, "  %-14s %8" PRIu64 " %11.3f %11.3f %7" PRIu64 "  %s\n", vs->name,
			vs->opens, (double)vs->mtbf_ns / 1e6, (double)vs->mttr_ns / 1e6, vs->alerts,
			gross);
	}
	const struct xr_venue_summary *vt = &s->violations;
	fprintf(out, "venue violations: fills outside limit %" PRIu64 ", overfill reports %" PRIu64
		", foreign reports %" PRIu64 ", stale reports %" PRIu64 ", quantity changed %" PRIu64
		", frames dropped %" PRIu64 ", resend escalations %" PRIu64
		", status queries exhausted %" PRIu64 "\n", vt->fills_outside_limit,
		vt->overfill_reports, vt->foreign_reports, vt->stale_reports, vt->qty_changed,
		vt->frames_dropped, vt->escalations, vt->queries_capped);
	for (uint32_t v = 0; v < s->n_venues; v++) {
		const struct xr_venue_summary *vs = &s->venues[v];
		if (vs->fills_outside_limit + vs->overfill_reports + vs->foreign_reports +
			    vs->stale_reports + vs->qty_changed + vs->frames_dropped +
			    vs->escalations + vs->queries_capped == 0)
			continue;
		fprintf(out, "  %-14s outside limit %" PRIu64 ", overfill %" PRIu64 ", foreign %" PRIu64
			", stale %" PRIu64 ", qty changed %" PRIu64 ", frames dropped %" PRIu64
			", escalations %" PRIu64 ", queries exhausted %" PRIu64 "\n", vs->name,
			vs->fills_outside_limit, vs->overfill_reports, vs->foreign_reports,
			vs->stale_reports, vs->qty_changed, vs->frames_dropped, vs->escalations,
			vs->queries_capped);
	}
	fprintf(out, "end of run: %s; %" PRIu64 " cancels sent at the end, %" PRIu64
		" children not sent (stopped), %" PRIu64 " children in doubt, %" PRIu64
		" left open\n", s->stop_signal ? strsignal(s->stop_signal) : "end of input",
		s->stop_cancels, s->stopped, vt->in_doubt, vt->left_open);
	for (uint32_t i = 0; i < s->n_doubt; i++) {
		const struct xr_doubt_summary *d = &s->doubt[i];
		fprintf(out, "  signal %" PRIu64 " (line %" PRIu32 ")  venue %s  ClOrdID %" PRIu64
			"  %s\n", d->signal_id, d->line, d->venue, d->cl_ord_id,
			d->final == XR_FINAL_OPEN ? "open: left resting" : "unknown: in doubt");
	}
	if (vt->in_doubt + vt->left_open > s->n_doubt)
		fprintf(out, "  ... and %" PRIu64 " more\n",
			vt->in_doubt + vt->left_open - s->n_doubt);
	fprintf(out, "backpressure: ingress stalls %" PRIu64 ", overloaded %" PRIu64
		", credit stalls %" PRIu64 "; snapshots %" PRIu64 " (%" PRIu64 " skipped)\n",
		s->ingress_stalls, s->overloaded, s->credit_stalls, s->snapshots,
		s->snapshots_skipped);
	if (s->journal)
		fprintf(out,
			"journal: %s, %" PRIu64 " records (%" PRIu64 " rows) in %" PRIu64
			" transactions, %" PRIu64 " synced; %" PRIu64 " ClOrdID blocks; %" PRIu64
			" recovered from a killed run; stalls %" PRIu64 " (ClOrdID %" PRIu64
			"); errors %" PRIu64 "\n",
			e->cfg->journal.path, s->journal_records, s->journal_rows,
			s->journal_commits, s->journal_syncs, s->journal_blocks,
			s->journal_recovered, s->journal_stalls, s->clordid_stalls,
			s->journal_errors);
	fprintf(out, "config reloads: %" PRIu64 " applied, %" PRIu64 " rejected\n", s->reloads,
		s->reloads_rejected);
	if (e->io.serve)
		xr_sources_print(&e->ingress->srcs, out);
	fprintf(out, "threads             cpu        loops   idle %%   cpu (s)  alloc (B)\n");
	for (uint32_t i = 0; i < s->n_threads; i++) {
		const struct xr_thread_summary *ts = &s->threads[i];
		char alloc[24] = "-";
		if (ts->alloc_measured)
			snprintf(alloc, sizeof(alloc), "%" PRIu64, ts->alloc_bytes);
		fprintf(out, "  %-14s %6d %12" PRIu64 " %8.1f %9.3f %10s\n", ts->name, ts->cpu,
			ts->loops, ts->loops ? 100.0 * (double)ts->idle_loops / (double)ts->loops : 0.0,
			(double)ts->cpu_ns / 1e9, alloc);
	}
	fprintf(out, "stages (do_work calls)   thread         items  busy (ms)  p50 (ns)  p99 (ns)"
		" p99.9 (ns)   max (us)  > 100 us  slowest did\n");
	for (uint32_t i = 0; i < s->n_stages; i++) {
		const struct xr_stage_summary *ss = &s->stages[i];
		char did[96] = "";
		size_t l = 0;
		for (int b = 0; b < XR_DOING_COUNT && ss->slow_calls; b++)
			if (ss->slowest_doing >> b & 1)
				l += (size_t)snprintf(did + l, sizeof(did) - l, "%s%s", l ? "+" : "",
						      xr_doing_name((enum xr_doing)b));
		/* Busy: the calls' summed time (count x mean), so the stages
		 * of a thread can be weighed against each other natively. */
		double busy_ms = (double)ss->work.count * (double)ss->work.mean / 1e6;
		fprintf(out, "  %-22s %-10s %10" PRIu64 " %10.1f %9" PRIu64 " %9" PRIu64 " %10" PRIu64
			" %10.1f %9" PRIu64 "  %s\n", ss->name, ss->thread, ss->items, busy_ms,
			ss->work.p50, ss->work.p99, ss->work.p999,
			(double)ss->work.max / 1e3, ss->slow_calls,
			ss->slow_calls ? (l ? did : "poll") : "-");
	}
}

static void
xr__json_latency(FILE *out, const char *name, const struct xr_latency *l, bool last)
{
	fprintf(out, "\"%s\":{\"count\":%" PRIu64 ",\"p50\":%" PRIu64 ",\"p99\":%" PRIu64
		",\"p999\":%" PRIu64 ",\"max\":%" PRIu64 ",\"mean\":%" PRIu64 "}%s",
		name, l->count, l->p50, l->p99, l->p999, l->max, l->mean, last ? "" : ",");
}

int
xr_engine_write_summary_json(const struct xr_engine *e, FILE *out)
{
	const struct xr_summary *s = &e->summary;

	fprintf(out, "{\"signals_read\":%" PRIu64 ",\"parse_errors\":%" PRIu64
		",\"accepted\":%" PRIu64 ",\"rejected\":%" PRIu64 ",\"filled\":%" PRIu64
		",\"partially_filled\":%" PRIu64 ",\"canceled\":%" PRIu64 ",\"failed\":%" PRIu64
		",\"results\":%" PRIu64 ",\"unaccounted\":%" PRIu64 ",\"duplicates\":%" PRIu64
		",\"overfills\":%" PRIu64 ",\"position_mismatches\":%" PRIu64
		",\"exposure_left\":%" PRIu64 ",\"write_errors\":%" PRIu64
		",\"elapsed_s\":%.6f,\"throughput_per_s\":%.1f,",
		s->signals_read, s->parse_errors, s->accepted, s->rejected, s->filled,
		s->partially_filled, s->canceled, s->failed, s->results, s->unaccounted,
		s->duplicates, s->overfills, s->position_mismatches, s->exposure_left,
		s->write_errors, s->elapsed_s, s->throughput_per_s);
	const struct xr_venue_summary *vt = &s->violations;
	fprintf(out, "\"unknown\":%" PRIu64 ",\"open\":%" PRIu64 ",\"stop_signal\":\"%s\""
		",\"stop_cancels\":%" PRIu64 ",\"stopped\":%" PRIu64 ",\"in_doubt\":%" PRIu64
		",\"left_open\":%" PRIu64 ",\"fills_outside_limit\":%" PRIu64
		",\"overfill_reports\":%" PRIu64 ",\"foreign_reports\":%" PRIu64
		",\"stale_reports\":%" PRIu64 ",\"qty_changed\":%" PRIu64
		",\"frames_dropped\":%" PRIu64 ",\"escalations\":%" PRIu64
		",\"queries_capped\":%" PRIu64 ",\"unsettled\":[",
		s->unknown, s->open,
		s->stop_signal == SIGTERM ? "SIGTERM" : s->stop_signal == SIGINT ? "SIGINT"
		: s->stop_signal ? "other" : "",
		s->stop_cancels, s->stopped, vt->in_doubt, vt->left_open, vt->fills_outside_limit,
		vt->overfill_reports, vt->foreign_reports, vt->stale_reports, vt->qty_changed,
		vt->frames_dropped, vt->escalations, vt->queries_capped);
	for (uint32_t i = 0; i < s->n_doubt; i++) {
		const struct xr_doubt_summary *d = &s->doubt[i];
		fprintf(out, "%s{\"signal_id\":%" PRIu64 ",\"line\":%" PRIu32 ",\"venue\":\"%s\""
			",\"cl_ord_id\":%" PRIu64 ",\"status\":\"%s\"}", i ? "," : "",
			d->signal_id, d->line, d->venue, d->cl_ord_id,
			xr_final_name((enum xr_final)d->final));
	}
	fprintf(out, "],");
	fprintf(out, "\"failover_events\":%" PRIu64
		",\"detection_ms\":{\"p50\":%.6f,\"p99\":%.6f,\"max\":%.6f}"
		",\"reroute_us\":{\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f,\"count\":%" PRIu64 "}"
		",\"recovery_ms\":{\"p50\":%.6f,\"p99\":%.6f,\"max\":%.6f,\"count\":%" PRIu64 "}"
		",\"router_status\":\"%s\",\"status_changes\":%" PRIu64 ",\"controls\":%" PRIu64
		",\"cancels\":%" PRIu64 ",\"cancel_children\":%" PRIu64
		",\"cancels_unmatched\":%" PRIu64 ",\"fill_events\":%" PRIu64
		",\"events\":%" PRIu64 ",\"events_dropped\":%" PRIu64 ",\"alerts\":{",
		s->failover_events, (double)s->detection.p50 / 1e6, (double)s->detection.p99 / 1e6,
		(double)s->detection.max / 1e6, (double)s->reroute.p50 / 1e3,
		(double)s->reroute.p99 / 1e3, (double)s->reroute.max / 1e3, s->reroute.count,
		(double)s->recovery.p50 / 1e6, (double)s->recovery.p99 / 1e6,
		(double)s->recovery.max / 1e6, s->recovery.count,
		xr_router_status_name((enum xr_router_status)s->router_status), s->status_changes,
		s->controls, s->cancels, s->cancel_children, s->cancels_unmatched, s->fill_events,
		s->events, s->events_dropped);
	for (int k = 0; k < XR_ALERT_COUNT; k++)
		fprintf(out, "%s\"%s\":%" PRIu64, k ? "," : "", xr_alert_name((enum xr_alert)k),
			s->alerts[k]);
	fprintf(out, "},");
	fprintf(out, "\"failover\":{\"retries\":%" PRIu64 ",\"failovers\":%" PRIu64
		",\"bounced\":%" PRIu64 ",\"timeouts\":%" PRIu64 ",\"status_queries\":%" PRIu64
		",\"unknown_resolved\":%" PRIu64 ",\"dup_fills\":%" PRIu64
		",\"bad_events\":%" PRIu64 ",\"stale_answers\":%" PRIu64 ",\"parked\":%" PRIu64
		",\"timeout_cancels\":%" PRIu64 ",\"history\":[",
		s->retries, s->failovers, s->bounced, s->timeouts, s->status_queries,
		s->unknown_resolved, s->dup_fills, s->bad_events, s->stale_answers, s->parked,
		s->timeout_cancels);
	for (uint32_t i = 0; i < s->n_history; i++) {
		const struct xr_failover_summary *h = &s->history[i];
		fprintf(out, "%s{\"at_s\":%.6f,\"from\":\"%s\",\"to\":\"%s\",\"cause\":\"%s\""
			",\"detection_ms\":%.6f,\"reroute_us\":%.3f,\"recovery_ms\":%.6f}",
			i ? "," : "", h->at_s, h->from, h->to, h->cause,
			(double)h->detection_ns / 1e6, (double)h->reroute_ns / 1e3,
			(double)h->recovery_ns / 1e6);
	}
	fprintf(out, "]},");
	xr__json_latency(out, "e2e_ns", &s->e2e, false);
	fprintf(out, "\"stages_ns\":{");
	xr__json_latency(out, "router", &s->router, false);
	xr__json_latency(out, "queue", &s->queue, false);
	xr__json_latency(out, "validate", &s->validate, false);
	xr__json_latency(out, "route", &s->route, false);
	xr__json_latency(out, "venue", &s->venue, false);
	xr__json_latency(out, "aggregate", &s->aggregate, true);
	fprintf(out, "},\"stage_calls\":[");
	for (uint32_t i = 0; i < s->n_stages; i++) {
		const struct xr_stage_summary *ss = &s->stages[i];
		fprintf(out, "%s{\"stage\":\"%s\",\"thread\":\"%s\",\"items\":%" PRIu64 ",",
			i ? "," : "", ss->name, ss->thread, ss->items);
		xr__json_latency(out, "work_ns", &ss->work, false);
		fprintf(out, "\"slow_calls\":%" PRIu64 ",\"slow_by\":{", ss->slow_calls);
		for (int b = 0; b < XR_DOING_COUNT; b++)
			fprintf(out, "%s\"%s\":%" PRIu64, b ? "," : "",
				xr_doing_name((enum xr_doing)b), ss->slow_by[b]);
		fprintf(out, "},\"slowest_ns\":%" PRIu64 "}", ss->slowest_ns);
	}
	fprintf(out, "],\"reasons\":{");
	bool first = true;
	for (int r = 1; r < XR_R_COUNT; r++) {
		if (!s->by_reason[r])
			continue;
		fprintf(out, "%s\"%s\":%" PRIu64, first ? "" : ",",
			xr_reason_name((enum xr_reason)r), s->by_reason[r]);
		first = false;
	}
	fprintf(out, "},\"strategies\":{");
	first = true;
	for (int k = 1; k < XR_STRAT_COUNT; k++) {
		if (!s->by_strategy[k])
			continue;
		fprintf(out, "%s\"%s\":%" PRIu64, first ? "" : ",",
			xr_strategy_name((enum xr_strategy)k), s->by_strategy[k]);
		first = false;
	}
	fprintf(out, "},\"decisions\":{");
	first = true;
	for (int k = 1; k < XR_D_COUNT; k++) {
		if (!s->by_decision[k])
			continue;
		fprintf(out, "%s\"%s\":%" PRIu64, first ? "" : ",",
			xr_decision_name((enum xr_decision)k), s->by_decision[k]);
		first = false;
	}
	fprintf(out, "},\"split_parents\":%" PRIu64 ",\"rerouted\":%" PRIu64, s->split_parents,
		s->rerouted);
	fprintf(out, ",\"venues\":[");
	for (uint32_t v = 0; v < s->n_venues; v++) {
		const struct xr_venue_summary *vs = &s->venues[v];
		fprintf(out, "%s{\"name\":\"%s\",\"children\":%" PRIu64 ",\"filled\":%" PRIu64
			",\"rejected\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"latency_p50_ns\":%" PRIu64
			",\"circuit\":\"%s\",\"opens\":%" PRIu64 ",\"bounced\":%" PRIu64
			",\"timeouts\":%" PRIu64 ",\"recoveries\":%" PRIu64 ",\"mtbf_ms\":%.3f"
			",\"mttr_ms\":%.3f,\"alerts\":%" PRIu64 ",\"position_gross\":",
			v ? "," : "", vs->name, vs->children, vs->filled, vs->rejected, vs->failed,
			vs->latency_p50_ns, xr_circuit_name((enum xr_circuit)vs->circuit),
			vs->opens, vs->bounced, vs->timeouts, vs->recoveries, (double)vs->mtbf_ns / 1e6,
			(double)vs->mttr_ns / 1e6, vs->alerts);
		char gross[32];
		xr_fixed_format(gross, vs->position_gross, 8);
		fprintf(out, "\"%s\",\"fills_outside_limit\":%" PRIu64 ",\"overfill_reports\":%" PRIu64
			",\"foreign_reports\":%" PRIu64 ",\"stale_reports\":%" PRIu64
			",\"qty_changed\":%" PRIu64 ",\"frames_dropped\":%" PRIu64
			",\"escalations\":%" PRIu64 ",\"queries_capped\":%" PRIu64
			",\"in_doubt\":%" PRIu64 ",\"left_open\":%" PRIu64 "}", gross,
			vs->fills_outside_limit, vs->overfill_reports, vs->foreign_reports,
			vs->stale_reports, vs->qty_changed, vs->frames_dropped, vs->escalations,
			vs->queries_capped, vs->in_doubt, vs->left_open);
	}
	fprintf(out, "],\"threads\":[");
	for (uint32_t i = 0; i < s->n_threads; i++) {
		const struct xr_thread_summary *ts = &s->threads[i];
		fprintf(out, "%s{\"name\":\"%s\",\"cpu\":%d,\"loops\":%" PRIu64
			",\"idle_loops\":%" PRIu64 ",\"cpu_ns\":%" PRIu64, i ? "," : "",
			ts->name, ts->cpu, ts->loops, ts->idle_loops, ts->cpu_ns);
		if (ts->alloc_measured)
			fprintf(out, ",\"alloc_bytes\":%" PRIu64, ts->alloc_bytes);
		fprintf(out, "}");
	}
	fprintf(out, "],");
	if (e->io.serve)
		xr_sources_write_json(&e->ingress->srcs, out);
	if (s->journal)
		fprintf(out,
			"\"journal\":{\"records\":%" PRIu64 ",\"rows\":%" PRIu64
			",\"commits\":%" PRIu64 ",\"syncs\":%" PRIu64 ",\"clordid_blocks\":%" PRIu64
			",\"recovered\":%" PRIu64 ",\"stalls\":%" PRIu64
			",\"clordid_stalls\":%" PRIu64 ",\"errors\":%" PRIu64
			",\"busy_ns\":%" PRIu64 "},",
			s->journal_records, s->journal_rows, s->journal_commits, s->journal_syncs,
			s->journal_blocks, s->journal_recovered, s->journal_stalls,
			s->clordid_stalls, s->journal_errors, s->journal_busy_ns);
	fprintf(out, "\"backpressure\":{\"ingress_stalls\":%" PRIu64
		",\"overloaded\":%" PRIu64 ",\"credit_stalls\":%" PRIu64 "},\"snapshots\":%" PRIu64
		",\"snapshots_skipped\":%" PRIu64 ",\"reloads\":%" PRIu64
		",\"reloads_rejected\":%" PRIu64 "}\n",
		s->ingress_stalls, s->overloaded, s->credit_stalls, s->snapshots,
		s->snapshots_skipped,
		s->reloads, s->reloads_rejected);
	return ferror(out) ? -EIO : 0;
}

int
xr_engine_write_hgrm(const struct xr_engine *e, const char *dir, char *err,
		     size_t err_len)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		int rc = errno;
		snprintf(err, err_len, "%s: %s", dir, strerror(rc));
		return -rc;
	}
	for (int h = 0; h < XR_H_COUNT; h++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s.hgrm", dir, xr__hist_names[h]);
		FILE *f = fopen(path, "w");
		if (f == NULL) {
			int rc = errno;
			snprintf(err, err_len, "%s: %s", path, strerror(rc));
			return -rc;
		}
		int rc = xr_hist_write_hgrm(e->aggregate->hist[h], f, 1000.0);
		if (fclose(f) != 0 && rc == 0)
			rc = -errno;
		if (rc != 0) {
			snprintf(err, err_len, "%s: %s", path, strerror(-rc));
			return rc;
		}
	}
	if (e->io.serve)
		return xr_sources_write_hgrm(&e->ingress->srcs, dir, err, err_len);
	return 0;
}
