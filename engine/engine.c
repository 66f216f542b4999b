/*
 * Engine assembly and lifecycle: rings and stages from the config, the
 * thread plan, the first venue snapshot, the run's supervision (the owner
 * thread waits for every signal to end), the steps that end a run (enum
 * xr_drain), and destruction. The summary and the reports made from it are
 * in summary.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_pvt.h"
#include "journal_pvt.h"
#include "xr_journal_db.h"
#include "stage_execute_pvt.h"
#include "stage_fix_entry_pvt.h"
#include "stage_ingress_pvt.h"
#include "stage_output_pvt.h"
#include "stage_route_pvt.h"
#include "stage_validate_pvt.h"
#include "venue_stats_pvt.h"
#include "xr_table.h"
#include "xr_clock.h"

/* ---- construction ---- */

static struct xr_stage *
xr__stage_by_name(struct xr_engine *e, const char *name)
{
	if (strcmp(name, "ingress") == 0)
		return &e->ingress->st;
	if (strcmp(name, "validate") == 0)
		return &e->validate->st;
	if (strcmp(name, "route") == 0)
		return &e->route->st;
	if (strcmp(name, "aggregate") == 0)
		return &e->aggregate->st;
	if (strcmp(name, "output") == 0)
		return &e->output->st;
	if (strcmp(name, XR_STAGE_FIX_ENTRY) == 0)
		return e->fix_entry != NULL ? &e->fix_entry->st : NULL;
	for (uint32_t v = 0; v < e->n_venues; v++)
		if (strcmp(name, e->execute[v].st.name) == 0)
			return &e->execute[v].st;
	return NULL;
}

static int
xr__plan_threads(struct xr_engine *e, char *err, size_t err_len)
{
	const struct xr_config *cfg = e->cfg;

	if (cfg->n_threads == 0 || cfg->n_threads > XR_MAX_THREADS) {
		snprintf(err, err_len, "thread plan: %u threads (1..%d)", cfg->n_threads,
			 XR_MAX_THREADS);
		return -EINVAL;
	}
	/* Set first: destroy frees the histograms of a half-built plan. */
	e->n_threads = cfg->n_threads;
	for (uint32_t i = 0; i < cfg->n_threads; i++) {
		struct xr_thread *t = &e->threads[i];
		t->eng = e;
		t->cfg = &cfg->threads[i];
		for (uint32_t k = 0; k < t->cfg->n_stages; k++) {
			struct xr_stage *st = xr__stage_by_name(e, t->cfg->stages[k]);
			if (st == NULL || st->assigned) {
				snprintf(err, err_len, "thread %s: stage %s %s", t->cfg->name,
					 t->cfg->stages[k], st ? "is run by two threads" : "is unknown");
				return -EINVAL;
			}
			st->assigned = true;
			st->loop_ns = &t->loop_ns;
			t->stages[t->n_stages++] = st;
			st->work_hist = xr_hist_create();
			if (st->work_hist == NULL) {
				snprintf(err, err_len, "out of memory");
				return -ENOMEM;
			}
		}
	}
	if (e->fix_entry != NULL && !e->fix_entry->st.assigned) {
		/* Not in the plan: with ingress, its source (docs/serve.md). */
		struct xr_thread *t = NULL;
		for (uint32_t i = 0; i < e->n_threads && t == NULL; i++)
			for (uint32_t k = 0; k < e->threads[i].n_stages; k++)
				if (e->threads[i].stages[k] == &e->ingress->st)
					t = &e->threads[i];
		if (t == NULL || t->n_stages == XR_MAX_STAGES_PER_THREAD) {
			snprintf(err, err_len, "thread plan: no room for stage %s",
				 XR_STAGE_FIX_ENTRY);
			return -EINVAL;
		}
		struct xr_stage *st = &e->fix_entry->st;
		st->assigned = true;
		st->loop_ns = &t->loop_ns;
		t->stages[t->n_stages++] = st;
		if ((st->work_hist = xr_hist_create()) == NULL) {
			snprintf(err, err_len, "out of memory");
			return -ENOMEM;
		}
	}
	struct xr_stage *all[] = {&e->ingress->st, &e->validate->st, &e->route->st,
				  &e->aggregate->st, &e->output->st};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!all[i]->assigned) {
			snprintf(err, err_len, "thread plan: no thread runs stage %s", all[i]->name);
			return -EINVAL;
		}
	for (uint32_t v = 0; v < e->n_venues; v++)
		if (!e->execute[v].st.assigned) {
			snprintf(err, err_len, "thread plan: no thread runs stage %s",
				 e->execute[v].st.name);
			return -EINVAL;
		}
	return 0;
}

/* A ring: from the arena when there is one (colocated mode, huge pages),
 * else on the heap. */
static struct xr_ring *
xr__ring(struct xr_engine *e)
{
	uint32_t cap = e->cfg->engine.ring_capacity;

	if (e->coloc.arena.base != NULL) {
		void *mem = xr_arena_alloc(&e->coloc.arena,
					   xr_ring_memsize(cap, sizeof(struct xr_msg)), XR_RING_PAD);
		return mem != NULL ? xr_ring_init(mem, cap, sizeof(struct xr_msg)) : NULL;
	}
	return xr_ring_create(cap, sizeof(struct xr_msg));
}

/*
 * Every region of the engine's parts to prefault (xr_regions_fn over the
 * engine, regions_pvt.h), in the order of the parts: the stages' call
 * histograms, the snapshot pool, route, each execute stage, aggregate,
 * output. Validate has none: its tables, like the duplicate window, the
 * order table, the exposure arrays and output's tables, come from
 * xr_table_calloc() (xr_table.h), which faults them in at creation in
 * every mode.
 */
static void
xr__regions(void *owner, xr_region_fn visit, void *ctx)
{
	struct xr_engine *e = owner;

	/* The stages' call histograms come from calloc, untouched. */
	for (uint32_t i = 0; i < e->n_threads; i++)
		for (uint32_t k = 0; k < e->threads[i].n_stages; k++)
			visit(ctx, e->threads[i].stages[k]->work_hist,
			      sizeof(*e->threads[i].stages[k]->work_hist));
	xr_snapshot_pool_regions(&e->snaps, visit, ctx);
	xr_route_regions(e->route, visit, ctx);
	for (uint32_t v = 0; v < e->n_venues; v++)
		xr_execute_regions(&e->execute[v], visit, ctx);
	xr_aggregate_regions(e->aggregate, visit, ctx);
	xr_output_regions(e->output, visit, ctx);
}

_Static_assert(XR_JSRC_BITS == XR_SRC_BITS, "the journal decodes serve's internal ids");

/* Give the stages their journal rings, route its ClOrdIDs, the writer the
 * sources' names. */
static int
xr__journal_wire(struct xr_engine *e, char *err, size_t err_len)
{
	struct xr_journal *j = e->journal;

	e->ingress->journal = xr_journal_ring(j, XR_JR_INGRESS);
	e->route->journal = xr_journal_ring(j, XR_JR_ROUTE);
	e->route->clordid_limit = &j->clordid_limit;
	e->route->clordid_used = &j->clordid_used;
	e->route->next_cl_ord_id = xr_journal_first_clordid(j) - 1;
	e->route->used_published = e->route->next_cl_ord_id;
	e->aggregate->journal = xr_journal_ring(j, XR_JR_AGGREGATE);
	for (uint32_t v = 0; v < e->n_venues; v++)
		e->execute[v].journal = xr_journal_ring(j, XR_JR_EXECUTE + v);
	struct xr_jrecovery r = *e->recovery;
	int rc;
	memset(e->recovery, 0, sizeof(*e->recovery));
	if (!e->io.serve) {
		/* A file replay takes nothing back; it says what is left. */
		if (r.active && r.n_parents != 0)
			fprintf(stderr,
				"xroute: warning: %s: the runs since %" PRId64 " ended without a "
				"clean exit and left %" PRIu32 " signals open (%" PRIu32 " child "
				"orders); xroute serve on this journal takes them back\n",
				e->cfg->journal.path, r.since_run, r.n_parents, r.n_children);
		r.active = false;
		rc = xr_engine_recover(e, &r, err, err_len);
		xr_journal_recover_free(&r);
		return rc;
	}
	const struct xr_sources *s = &e->ingress->srcs;
	char(*names)[XR_NAME_MAX + 1] = calloc(s->n ? s->n : 1, sizeof(*names));
	if (names == NULL) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < s->n; i++)
		snprintf(names[i], sizeof(names[i]), "%s", s->src[i].name);
	rc = xr_journal_set_sources(j, (const char(*)[XR_NAME_MAX + 1])names, s->n);
	free(names);
	if (rc != 0) {
		snprintf(err, err_len, "out of memory");
		xr_journal_recover_free(&r);
		return rc;
	}
	/* Internal ids never repeat across the journal's runs. */
	xr_sources_set_seq_base(&e->ingress->srcs, (uint64_t)j->run << 32);
	rc = xr_engine_recover(e, &r, err, err_len);
	xr_journal_recover_free(&r);
	return rc;
}

struct xr_engine *
xr_engine_create(const struct xr_config *cfg, const struct xr_engine_io *io,
		 char *err, size_t err_len)
{
	struct xr_footprint fp;
	if (xr_engine_footprint(cfg, &fp) != 0) {
		char line[512];
		xr_footprint_format(cfg, &fp, line, sizeof(line));
		snprintf(err, err_len, "%s: the config needs more memory than this machine has: %s",
			 cfg->path[0] ? cfg->path : "config", line);
		return NULL;
	}
	struct xr_engine *e = calloc(1, sizeof(*e));
	int rc;

	if (e == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	e->cfg = cfg;
	e->io = *io;
	if (e->io.serve) {
		/* Its sources want every execution and may cancel. */
		e->io.fill_events = true;
		e->io.signal_cancels = true;
	}
	/* Each stage's state, zeroed: its init fills it, and destroy may run
	 * before that. */
	e->ingress = calloc(1, sizeof(*e->ingress));
	e->validate = calloc(1, sizeof(*e->validate));
	e->route = calloc(1, sizeof(*e->route));
	e->aggregate = calloc(1, sizeof(*e->aggregate));
	e->output = calloc(1, sizeof(*e->output));
	e->events.fd = -1; /* destroy may run before its init */
	if (e->ingress == NULL || e->validate == NULL || e->route == NULL ||
	    e->aggregate == NULL || e->output == NULL) {
		snprintf(err, err_len, "out of memory");
		xr_engine_destroy(e);
		return NULL;
	}
	e->output->fd = -1; /* destroy may run before its init */
	if (e->io.drain_timeout_ms == 0)
		e->io.drain_timeout_ms = 10000;
	if (e->io.max_parse_errors_logged == 0)
		e->io.max_parse_errors_logged = 100;
	e->n_venues = cfg->n_venues;
	e->n_users = cfg->n_users;
	e->n_symbols = cfg->n_symbols;
	if (e->n_venues == 0 || e->n_venues > XR_MAX_VENUES) {
		snprintf(err, err_len, "%u venues (1..%d)", e->n_venues, XR_MAX_VENUES);
		goto fail;
	}
	/* Before anything else is allocated: mlockall(MCL_FUTURE) then
	 * populates every later allocation; the arena holds the 7 fixed rings
	 * and 2 per venue. */
	if (xr_coloc_setup(e, 7 + (e->io.serve ? 1 : 0) + 2 * e->n_venues, err, err_len) != 0)
		goto fail;
	if (e->io.serve && e->io.results_path != NULL) {
		snprintf(err, err_len, "serve: results go back to each signal's source; a results "
			 "file is for xroute run");
		goto fail;
	}

	if (e->io.deterministic &&
	    (e->io.serve || e->io.replay_speed_milli != 0 || e->io.overload_reject)) {
		snprintf(err, err_len, "deterministic mode is a closed-loop file replay: not "
			 "with %s", e->io.serve ? "serve" : e->io.replay_speed_milli ? "a pace"
			 : "overload reject");
		goto fail;
	}

	e->ingress_to_validate = xr__ring(e);
	e->ingress_to_aggregate = xr__ring(e);
	e->validate_to_route = xr__ring(e);
	e->validate_to_aggregate = xr__ring(e);
	e->route_to_aggregate = xr__ring(e);
	e->aggregate_to_route = xr__ring(e);
	e->aggregate_to_output = xr__ring(e);
	if (e->io.serve && (e->output_to_ingress = xr__ring(e)) == NULL) {
		snprintf(err, err_len, "out of memory for rings of %u slots",
			 cfg->engine.ring_capacity);
		goto fail;
	}
	if (e->io.serve && cfg->n_fix_clients != 0) {
		/* On the heap in either mode: the FIX path is not the
		 * colocated one. */
		e->fix_entry = calloc(1, sizeof(*e->fix_entry));
		e->fix_to_ingress = xr_ring_create(cfg->engine.ring_capacity, sizeof(struct xr_msg));
		e->ingress_to_fix = xr_ring_create(cfg->engine.ring_capacity,
						   sizeof(struct xr_fix_out));
		if (e->fix_entry == NULL || e->fix_to_ingress == NULL || e->ingress_to_fix == NULL) {
			snprintf(err, err_len, "out of memory for the FIX order-entry rings");
			goto fail;
		}
	}
	e->control_to_route = xr_ring_create(XR_CONTROL_RING, sizeof(struct xr_msg));
	e->output_to_owner = xr_ring_create(XR_EVENT_RING, sizeof(struct xr_msg));
	e->control_mu_ready = pthread_mutex_init(&e->control_mu, NULL) == 0;
	e->route_to_execute = calloc(e->n_venues, sizeof(struct xr_ring *));
	e->execute_to_aggregate = calloc(e->n_venues, sizeof(struct xr_ring *));
	e->execute = calloc(e->n_venues, sizeof(*e->execute));
	e->exp_a = xr_table_calloc((size_t)e->n_users * e->n_symbols, sizeof(*e->exp_a));
	e->names = xr_names_create(cfg);
	if (e->ingress_to_validate == NULL || e->ingress_to_aggregate == NULL ||
	    e->validate_to_route == NULL ||
	    e->validate_to_aggregate == NULL || e->route_to_aggregate == NULL ||
	    e->aggregate_to_route == NULL || e->aggregate_to_output == NULL ||
	    e->control_to_route == NULL || e->output_to_owner == NULL || !e->control_mu_ready ||
	    e->route_to_execute == NULL || e->execute_to_aggregate == NULL ||
	    e->execute == NULL || e->exp_a == NULL || e->names == NULL) {
		snprintf(err, err_len, "out of memory for rings of %u slots",
			 cfg->engine.ring_capacity);
		goto fail;
	}
	for (uint32_t v = 0; v < e->n_venues; v++) {
		e->route_to_execute[v] = xr__ring(e);
		e->execute_to_aggregate[v] = xr__ring(e);
		if (e->route_to_execute[v] == NULL || e->execute_to_aggregate[v] == NULL) {
			snprintf(err, err_len, "out of memory for venue rings");
			goto fail;
		}
	}
	e->params = xr_params_create(cfg, 1);
	e->venue_live = aligned_alloc(64, e->n_venues * sizeof(*e->venue_live));
	if (e->params == NULL || e->venue_live == NULL) {
		snprintf(err, err_len, "out of memory for route parameters");
		goto fail;
	}
	for (uint32_t v = 0; v < e->n_venues; v++) {
		atomic_init(&e->venue_live[v].headroom_ppm, 1000000);
		atomic_init(&e->venue_live[v].queue_depth, 0);
		atomic_init(&e->venue_live[v].health, 0);
		atomic_init(&e->venue_live[v].recovering, 0);
	}
	rc = xr_snapshot_pool_init(&e->snaps, e->n_venues, e->n_symbols,
				   (uint64_t)cfg->engine.snapshot_interval_us * 1000);
	if (rc != 0) {
		snprintf(err, err_len, "snapshot pool: %s", strerror(-rc));
		goto fail;
	}
	e->snaps_ready = true;
	if (cfg->journal.path[0] != '\0') {
		e->journal = calloc(1, sizeof(*e->journal));
		if (e->journal == NULL) {
			snprintf(err, err_len, "out of memory");
			goto fail;
		}
		if (xr_journal_open(e->journal, cfg, e->n_venues, e->io.serve ? "serve" : "run", err,
				    err_len) != 0)
			goto fail;
		/* ClOrdIDs keep their meaning across runs; after a crash the
		 * venues' first reports wait for the orders taken back. */
		e->conn_start.clordid_prefix = xr_jdb_instance(e->journal->db);
		e->conn_start.defer_connect = e->journal->after_crash && e->io.serve;
		/* What a crashed run left, before the venues' tables are sized. */
		e->recovery = calloc(1, sizeof(*e->recovery));
		e->adopt_extra = calloc(e->n_venues ? e->n_venues : 1, sizeof(*e->adopt_extra));
		if (e->recovery == NULL || e->adopt_extra == NULL) {
			snprintf(err, err_len, "out of memory");
			goto fail;
		}
		if (xr_journal_recover_load(e->journal, e->recovery, err, err_len) != 0)
			goto fail;
		if (e->io.serve)
			xr_journal_recover_extra(e->recovery, e->adopt_extra, e->n_venues);
	}
	if (xr_ingress_init(e, err, err_len) != 0 || xr_validate_init(e, err, err_len) != 0 ||
	    xr_route_init(e, err, err_len) != 0 || xr_aggregate_init(e, err, err_len) != 0 ||
	    xr_output_init(e, err, err_len) != 0 || xr_events_init(e, err, err_len) != 0 ||
	    (e->fix_entry != NULL && xr_fix_entry_init(e, err, err_len) != 0))
		goto fail;
	for (uint32_t v = 0; v < e->n_venues; v++)
		if (xr_execute_init(e, v, err, err_len) != 0)
			goto fail;
	if (e->journal != NULL && xr__journal_wire(e, err, err_len) != 0)
		goto fail;
	if (xr__plan_threads(e, err, err_len) != 0)
		goto fail;
	xr_coloc_prefault(&e->coloc, xr__regions, e);
	return e;
fail:
	xr_engine_destroy(e);
	return NULL;
}

void
xr_engine_destroy(struct xr_engine *e)
{
	if (e == NULL)
		return;
	xr_runner_stop(e);
	if (e->journal != NULL) {
		xr_journal_close(e->journal, e->journal_clean);
		free(e->journal);
		e->journal = NULL;
	}
	if (e->recovery != NULL)
		xr_journal_recover_free(e->recovery);
	free(e->recovery);
	free(e->adopt_extra);
	for (uint32_t i = 0; i < e->n_threads; i++)
		for (uint32_t k = 0; k < e->threads[i].n_stages; k++)
			xr_hist_destroy(e->threads[i].stages[k]->work_hist);
	if (e->ingress != NULL)
		xr_ingress_fini(e->ingress);
	if (e->validate != NULL)
		xr_validate_fini(e->validate);
	if (e->route != NULL)
		xr_route_fini(e->route);
	if (e->aggregate != NULL)
		xr_aggregate_fini(e->aggregate);
	if (e->output != NULL)
		xr_output_fini(e->output);
	if (e->fix_entry != NULL)
		xr_fix_entry_fini(e->fix_entry);
	free(e->fix_entry);
	xr_ring_destroy(e->fix_to_ingress);
	xr_ring_destroy(e->ingress_to_fix);
	xr_events_fini(&e->events);
	if (e->execute != NULL)
		for (uint32_t v = 0; v < e->n_venues; v++)
			xr_execute_fini(&e->execute[v]);
	if (e->snaps_ready)
		xr_snapshot_pool_fini(&e->snaps); /* rcu_barrier: retired params too */
	xr_params_free(e->params);
	free(e->venue_live);
	if (e->coloc.arena.base == NULL) {
		/* Heap rings; arena rings go with the arena (xr_coloc_teardown). */
		for (uint32_t v = 0; v < e->n_venues; v++) {
			if (e->route_to_execute != NULL)
				xr_ring_destroy(e->route_to_execute[v]);
			if (e->execute_to_aggregate != NULL)
				xr_ring_destroy(e->execute_to_aggregate[v]);
		}
		xr_ring_destroy(e->ingress_to_validate);
		xr_ring_destroy(e->ingress_to_aggregate);
		xr_ring_destroy(e->validate_to_route);
		xr_ring_destroy(e->validate_to_aggregate);
		xr_ring_destroy(e->route_to_aggregate);
		xr_ring_destroy(e->aggregate_to_route);
		xr_ring_destroy(e->aggregate_to_output);
		xr_ring_destroy(e->output_to_ingress);
	}
	xr_ring_destroy(e->control_to_route); /* on the heap in either mode */
	xr_ring_destroy(e->output_to_owner);
	if (e->control_mu_ready)
		pthread_mutex_destroy(&e->control_mu);
	free(e->route_to_execute);
	free(e->execute_to_aggregate);
	free(e->execute);
	free(e->ingress);
	free(e->validate);
	free(e->route);
	free(e->aggregate);
	free(e->output);
	xr_table_free(e->exp_a);
	xr_names_destroy(e->names);
	xr_coloc_teardown(e);
	free(e);
}

/* ---- run ---- */
/* After the threads stop: events still queued in the aggregator or in the
 * output ring are written (the owner runs the output stage's step). */
static void
xr__drain_events(struct xr_engine *e)
{
	struct xr_aggregate *a = e->aggregate;
	struct xr_stage *out = &e->output->st;

	for (;;) {
		bool more = out->do_work(out) != 0 || a->evq.n != 0;
		xr_aggregate_flush_events(a);
		/* serve: the last results and fills to their sources. */
		if (e->io.serve)
			more |= xr_sources_return(&e->ingress->srcs, xr_now_ns()) != 0;
		if (!more)
			break;
	}
	xr_events_drain(e);
}

/* Raise drain bits (owner only). Release: pairs with the relaxed loads
 * of the stages only in that a bit is seen eventually; nothing else is
 * published with it. */
static void
xr__drain_set(struct xr_engine *e, uint32_t bits)
{
	atomic_fetch_or_explicit(&e->drain, bits, memory_order_release);
}

/* A stop signal: no more intake; under stop_policy = cancel, every live
 * child is cancelled at once. */
static void
xr__stop_intake(struct xr_engine *e, int sig)
{
	const struct xr_engine_cfg *ec = &e->cfg->engine;
	bool cancel = ec->stop_policy == XR_STOP_CANCEL && ec->exit_orders == XR_EXIT_CANCEL;

	e->stop_signal = sig;
	xr__drain_set(e, XR_DRAIN_STOP_INTAKE | (cancel ? XR_DRAIN_CANCEL : 0));
	fprintf(stderr, "xroute: %s: intake stopped after %" PRIu64 " signals; %s\n",
		strsignal(sig), atomic_load_explicit(&e->ingress->read, memory_order_acquire),
		cancel ? "cancelling open orders at their venues (stop_policy = cancel)"
		       : "open orders may run for the drain timeout (stop_policy = wait)");
}

/*
 * The next step of ending the run, with @p open of @p read signals still
 * without a result: cancel the live children (unless exit_orders =
 * leave or done already), else end every child still live (unknown or
 * open). @return false if both were done: the results are missing for a
 * reason no step can settle (a bug; the run fails).
 */
static bool
xr__drain_next(struct xr_engine *e, uint64_t open, uint64_t read)
{
	uint32_t d = atomic_load_explicit(&e->drain, memory_order_relaxed);
	bool leave = e->cfg->engine.exit_orders == XR_EXIT_LEAVE;

	if (!(d & XR_DRAIN_CANCEL) && !leave) {
		fprintf(stderr, "xroute: %" PRIu64 " of %" PRIu64 " signals still open after "
			"%u ms: cancelling their child orders at the venues\n", open, read,
			e->io.drain_timeout_ms);
		xr__drain_set(e, XR_DRAIN_CANCEL);
		return true;
	}
	if (!(d & XR_DRAIN_END)) {
		fprintf(stderr, "xroute: %" PRIu64 " of %" PRIu64 " signals still open after "
			"%u ms: ending them %s\n", open, read, e->io.drain_timeout_ms,
			leave && !(d & XR_DRAIN_CANCEL)
				? "(children resting at a venue: open, left there; others: unknown)"
				: "unknown (in doubt: the venue did not settle them)");
		xr__drain_set(e, XR_DRAIN_END);
		return true;
	}
	return false;
}

/*
 * serve's readiness (owner, once a tick until ready): every venue's
 * connector reported connected at its last health check, or @p ready_by
 * passed. Then io.on_ready hears it, with the venues still down named.
 */
static bool
xr__ready_poll(struct xr_engine *e, uint64_t now, uint64_t ready_by)
{
	char down[512] = "";
	size_t len = 0;
	uint32_t up = 0;

	for (uint32_t v = 0; v < e->n_venues; v++) {
		if (atomic_load_explicit(&e->venue_live[v].health, memory_order_relaxed) == 1) {
			up++;
			continue;
		}
		int w = snprintf(down + len, sizeof(down) - len, "%s%s", len ? ", " : "",
				 e->cfg->venues[v].name);
		if (w > 0 && (size_t)w < sizeof(down) - len)
			len += (size_t)w;
	}
	/* After a crash: the children taken back must have their venues'
	 * answers first (recovery.c), or the ready timeout names how many. */
	uint32_t recovering = 0;
	for (uint32_t v = 0; v < e->n_venues; v++)
		recovering += atomic_load_explicit(&e->venue_live[v].recovering,
						   memory_order_relaxed);
	if ((up != e->n_venues || recovering != 0) && now < ready_by)
		return false;
	if (recovering != 0) {
		int w = snprintf(down + len, sizeof(down) - len,
				 "%s%" PRIu32 " recovered child orders not yet answered by their venue",
				 len ? "; " : "", recovering);
		if (w > 0 && (size_t)w < sizeof(down) - len)
			len += (size_t)w;
	}
	if (e->io.on_ready != NULL)
		e->io.on_ready(e->io.on_ready_arg, now, down);
	return true;
}

void
xr_engine_first_snapshot(struct xr_engine *e, uint64_t now_ns)
{
	xr_venue_stats_start(e->aggregate, now_ns);
	for (uint32_t v = 0; v < e->n_venues; v++) {
		struct xr_execute *x = &e->execute[v];
		/* Until a poll brings nothing: a book is 2 x levels events. */
		while (xr_execute_poll(x, now_ns) != 0) {
			for (uint32_t i = 0; i < x->outbox_n; i++)
				xr_aggregate_apply(e->aggregate, &x->outbox[i]);
			x->outbox_n = x->outbox_pos = 0;
		}
	}
	xr_aggregate_publish(e->aggregate, now_ns);
}

int
xr_engine_run(struct xr_engine *e, char *err, size_t err_len)
{
	uint64_t now = xr_now_ns();
	int rc = 0;

	xr_engine_first_snapshot(e, now);

	/* The start line and warnings (colocated mode, locking, CPUs). */
	xr_coloc_report(e, stderr);
	fflush(stderr);
	e->start_ns = xr_now_ns();
	if (e->io.on_start != NULL)
		e->io.on_start(e->io.on_start_arg, e->start_ns);
	if (e->journal != NULL && (rc = xr_journal_start(e->journal, err, err_len)) != 0)
		return rc;
	rc = xr_runner_start(e, err, err_len);
	if (rc != 0)
		return rc;

	/* The owner is not a stage: it checks progress every millisecond,
	 * and ends the run in steps (enum xr_drain) when a stop is asked or
	 * the results stop coming. */
	uint64_t last_distinct = 0, last_progress = xr_now_ns(), phase_at = 0;
	/* serve: clients are served once every venue is up (or the ready
	 * timeout named the ones still down). */
	bool ready = !e->io.serve;
	uint64_t ready_by = e->start_ns + (uint64_t)e->cfg->serve.ready_timeout_ms * 1000000;
	uint64_t drain_ns = (uint64_t)e->io.drain_timeout_ms * 1000000;
	const struct timespec tick = {.tv_sec = 0, .tv_nsec = 1000000};
	for (;;) {
		uint64_t t = xr_now_ns();
		if (e->io.stop_request != NULL && e->stop_signal == 0) {
			int sig = atomic_exchange_explicit(e->io.stop_request, 0,
							   memory_order_acq_rel);
			if (sig != 0) {
				xr__stop_intake(e, sig);
				phase_at = t;
			}
		}
		int done = atomic_load_explicit(&e->ingress->done, memory_order_acquire);
		uint64_t read = atomic_load_explicit(&e->ingress->read, memory_order_acquire);
		/* serve: results that reached their source's book. */
		uint64_t distinct =
			e->io.serve ? atomic_load_explicit(&e->ingress->srcs.answered,
							   memory_order_acquire)
				    : atomic_load_explicit(&e->output->distinct_pub,
							   memory_order_acquire);
		if (done && distinct >= read)
			break;
		if (distinct != last_distinct || !done) {
			last_distinct = distinct;
			last_progress = t;
		}
		/* The next step: when nothing has come for a drain timeout,
		 * and after a stop signal at most a drain timeout apart. */
		uint64_t since = last_progress > phase_at ? last_progress : phase_at;
		if ((done && t - since > drain_ns) ||
		    (e->stop_signal != 0 && t - phase_at > drain_ns)) {
			if (!xr__drain_next(e, read - distinct, read)) {
				snprintf(err, err_len,
					 "%" PRIu64 " of %" PRIu64 " signals have no terminal result "
					 "%u ms after every child order was ended",
					 read - distinct, read, e->io.drain_timeout_ms);
				rc = -ETIMEDOUT;
				break;
			}
			phase_at = t;
		}
		/* Colocated stage threads report quiescent states without waking
		 * a sleeping grace-period waiter (no syscall); this owner thread
		 * wakes it instead, once a tick (xr_snapshot.h). */
		if (e->coloc.active)
			xr_snapshot_gp_kick();
		/* Hot reload (SIGHUP in xroute run): control path, this thread. */
		xr_reload_poll(e);
		xr_events_drain(e);
		if (!ready)
			ready = xr__ready_poll(e, t, ready_by);
		/* serve: the clients' sockets (accept, hellos, hang-ups). */
		if (e->io.serve && ready)
			xr_sources_owner_tick(&e->ingress->srcs);
		if (e->io.on_tick != NULL)
			e->io.on_tick(e->io.on_tick_arg, t);
		nanosleep(&tick, NULL);
	}
	xr_runner_stop(e);
	e->end_ns = xr_now_ns();
	xr__drain_events(e);
	if (e->journal != NULL) {
		/* Every producer has stopped: the writer drains and syncs. */
		xr_journal_stop(e->journal);
		if (e->journal->st.errors != 0 && rc == 0) {
			snprintf(err, err_len, "%s", e->journal->first_error);
			rc = -EIO;
		}
		e->journal_clean = rc == 0;
	}
	if (xr_output_flush(e->output) != 0 && rc == 0) {
		snprintf(err, err_len, "%s: write failed", e->io.results_path);
		rc = -EIO;
	}
	xr_summary_collect(e);
	const struct xr_summary *sm = &e->summary;
	for (uint32_t i = 0; i < sm->n_doubt; i++)
		fprintf(stderr, "xroute: signal %" PRIu64 " (line %" PRIu32 "): child ClOrdID %" PRIu64
			" at venue %s %s\n", sm->doubt[i].signal_id, sm->doubt[i].line,
			sm->doubt[i].cl_ord_id, sm->doubt[i].venue,
			sm->doubt[i].final == XR_FINAL_OPEN ? "left resting there (exit_orders = leave)"
							    : "in doubt: the venue never settled it");
	return rc;
}
