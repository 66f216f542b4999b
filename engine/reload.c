/*
 * Hot reload: re-read the config file and publish new route parameters
 * (params_pvt.h) while the engine routes (docs/config.md "Hot reload").
 *
 * DESIGN
 *   The owner thread loads the file with xr_config_load(), builds a
 *   struct xr_params from it, and checks that the new file describes the
 *   same engine as the running one: rings, stages, connectors, tables and
 *   risk state were sized and wired from the running config at create
 *   time and stay as they are. The check, first difference wins:
 *     1. names and order of venues, symbols, users and threads (ids);
 *     2. the effective configuration as xr_config_print() writes it, with
 *        the reloadable values of the new config replaced by the running
 *        ones and the users left out: any line still different names a
 *        key that needs a restart. Printing keeps the check complete as
 *        keys are added to the loader's tables;
 *     3. every user's keys, field by field (printing a million users
 *        would cost hundreds of MB on the owner thread).
 *   On success the new parameters replace the old with rcu_xchg_pointer()
 *   and the old go to call_rcu(): the owner never waits for a grace period
 *   (in colocated mode it is also the thread that wakes the grace-period
 *   waiter, xr_snapshot.h). The running struct xr_config is never
 *   modified; the new one is freed here.
 *
 * MEMORY ORDERING
 *   XR_SNAP_XCHG (rcu_xchg_pointer, release) pairs with XR_SNAP_DEREF
 *   (rcu_dereference) in xr_params_current() on the stage threads: the new
 *   object's contents are visible before its pointer. The reload request
 *   flag carries no data (the file is read after it is taken): relaxed.
 *
 * GUARANTEES
 *   On any failure nothing the stage threads read has changed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_pvt.h"
#include "xr_connector.h"

#define XR__RESTART "venues, symbols, users and threads need a restart"

/* ---- 1. names and order ---- */

/*
 * Compare two lists of names (each a char array at the start of a struct
 * of @p stride bytes). @return NULL if equal, else "added", "removed" or
 * "moved" with *name the name concerned. Linear in the list length.
 */
static const char *
xr__names_diff(const char *a, uint32_t na, const char *b, uint32_t nb, size_t stride,
	       const char **name)
{
	uint32_t i = 0;

	while (i < na && i < nb && strcmp(a + i * stride, b + i * stride) == 0)
		i++;
	if (i == na && i == nb)
		return NULL;
	if (i < nb) {
		bool in_a = false;
		for (uint32_t k = i; k < na && !in_a; k++)
			in_a = strcmp(a + k * stride, b + i * stride) == 0;
		if (!in_a) {
			*name = b + i * stride;
			return "added";
		}
	}
	if (i < na) {
		bool in_b = false;
		for (uint32_t k = i; k < nb && !in_b; k++)
			in_b = strcmp(b + k * stride, a + i * stride) == 0;
		if (!in_b) {
			*name = a + i * stride;
			return "removed";
		}
	}
	*name = b + i * stride; /* both lists have it, elsewhere */
	return "moved";
}

static int
xr__ids_check(const struct xr_config *a, const struct xr_config *b, char *err, size_t err_len)
{
	const char *what, *name = "";

	what = xr__names_diff(a->venues[0].name, a->n_venues, b->venues[0].name, b->n_venues,
			      sizeof(a->venues[0]), &name);
	if (what != NULL) {
		snprintf(err, err_len, "%s: [venue %s] %s; " XR__RESTART, b->path, name, what);
		return -ENOTSUP;
	}
	what = xr__names_diff(a->symbols[0], a->n_symbols, b->symbols[0], b->n_symbols,
			      sizeof(a->symbols[0]), &name);
	if (what != NULL) {
		snprintf(err, err_len, "%s: symbol %s %s; " XR__RESTART, b->path, name, what);
		return -ENOTSUP;
	}
	what = xr__names_diff(a->users[0].name, a->n_users, b->users[0].name, b->n_users,
			      sizeof(a->users[0]), &name);
	if (what != NULL) {
		snprintf(err, err_len, "%s: [user %s] %s; " XR__RESTART, b->path, name, what);
		return -ENOTSUP;
	}
	what = xr__names_diff(a->threads[0].name, a->n_threads, b->threads[0].name, b->n_threads,
			      sizeof(a->threads[0]), &name);
	if (what != NULL) {
		snprintf(err, err_len, "%s: [threads] thread %s %s; " XR__RESTART, b->path, name,
			 what);
		return -ENOTSUP;
	}
	return 0;
}

/* ---- 2. everything else but the users, as printed ---- */

/* Give @p dst (the new config) the reloadable values of @p src (the
 * running one): exactly what xr_params_create() reads. */
static void
xr__keep_reloadable(struct xr_config *dst, const struct xr_config *src)
{
	struct xr_engine_cfg *d = &dst->engine;
	const struct xr_engine_cfg *s = &src->engine;

	memcpy(d->strategies, s->strategies, sizeof(d->strategies));
	d->w_fees = s->w_fees;
	d->w_latency = s->w_latency;
	d->w_success = s->w_success;
	d->w_load = s->w_load;
	d->w_pair = s->w_pair;
	d->latency_zero_score_us = s->latency_zero_score_us;
	d->load_full_queue = s->load_full_queue;
	d->price_zero_bps = s->price_zero_bps;
	d->cost_zero_bps = s->cost_zero_bps;
	d->twap_notional = s->twap_notional;
	d->twap_slices = s->twap_slices;
	d->twap_horizon_us = s->twap_horizon_us;
	d->entry_collar_bps = s->entry_collar_bps;
	d->depth_bps = s->depth_bps;
	d->latency_ewma_ppm = s->latency_ewma_ppm;
	d->error_ewma_ppm = s->error_ewma_ppm;
	d->latency_threshold_us = s->latency_threshold_us;
	d->error_rate_threshold_ppm = s->error_rate_threshold_ppm;
	d->demote_start_ppm = s->demote_start_ppm;
	d->demote_max_ppm = s->demote_max_ppm;
	for (uint32_t v = 0; v < dst->n_venues; v++) {
		struct xr_venue_cfg *dv = &dst->venues[v];
		const struct xr_venue_cfg *sv = &src->venues[v];
		dv->fee_maker_cbps = sv->fee_maker_cbps;
		dv->fee_taker_cbps = sv->fee_taker_cbps;
		dv->network_distance_us = sv->network_distance_us;
		dv->rate_limit_per_s = sv->rate_limit_per_s;
		dv->rate_limit_burst = sv->rate_limit_burst;
	}
}

/* The effective config without its users, as text (NUL-terminated;
 * free()), or NULL (out of memory). */
static char *
xr__print_no_users(const struct xr_config *cfg)
{
	struct xr_config c = *cfg;
	char *buf = NULL;
	size_t len = 0;

	c.n_users = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL)
		return NULL;
	xr_config_print(&c, f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* One line of printed text: [p, p + n), without the newline. */
struct xr__line {
	const char *p;
	size_t n;
};

static bool
xr__next_line(const char **cur, struct xr__line *l)
{
	if (**cur == '\0')
		return false;
	const char *nl = strchr(*cur, '\n');
	l->p = *cur;
	l->n = nl != NULL ? (size_t)(nl - *cur) : strlen(*cur);
	*cur += l->n + (nl != NULL);
	return true;
}

/* Length of the key of "key = value", or 0 if @p l is not such a line. */
static size_t
xr__key_len(const struct xr__line *l)
{
	for (size_t i = 0; i + 2 < l->n; i++)
		if (l->p[i] == ' ' && l->p[i + 1] == '=' && l->p[i + 2] == ' ')
			return i;
	return 0;
}

/* First line where the printed configs differ, named by section and key;
 * comment lines (the file name) are skipped. */
static int
xr__text_check(const char *a, const char *b, const char *path, char *err, size_t err_len)
{
	struct xr__line la = {"", 0}, lb = {"", 0}, section = {"", 0};

	for (;;) {
		bool ha = xr__next_line(&a, &la), hb = xr__next_line(&b, &lb);
		if (!ha && !hb)
			return 0;
		if (ha && hb && la.n > 0 && lb.n > 0 && la.p[0] == ';' && lb.p[0] == ';')
			continue;
		if (ha && hb && la.n == lb.n && memcmp(la.p, lb.p, la.n) == 0) {
			if (la.n > 0 && la.p[0] == '[')
				section = la;
			continue;
		}
		if (!ha)
			la = (struct xr__line){"", 0};
		if (!hb)
			lb = (struct xr__line){"", 0};
		size_t ka = xr__key_len(&la), kb = xr__key_len(&lb);
		if (ka != 0 && ka == kb && memcmp(la.p, lb.p, ka) == 0) {
			snprintf(err, err_len,
				 "%s: %.*s %.*s cannot change without a restart (%.*s -> %.*s)", path,
				 (int)section.n, section.p, (int)ka, la.p, (int)(la.n - ka - 3),
				 la.p + ka + 3, (int)(lb.n - kb - 3), lb.p + kb + 3);
		} else if (ka != 0 || kb != 0) {
			const struct xr__line *l = ka != 0 ? &la : &lb;
			snprintf(err, err_len, "%s: %.*s %.*s cannot change without a restart", path,
				 (int)section.n, section.p, (int)(ka != 0 ? ka : kb), l->p);
		} else {
			snprintf(err, err_len, "%s: %.*s: \"%.*s\" cannot change without a restart",
				 path, (int)section.n, section.p, (int)(la.n ? la.n : lb.n),
				 la.n ? la.p : lb.p);
		}
		return -ENOTSUP;
	}
}

/* ---- 3. users ---- */

/* The first key of user @p ua (running) that @p ub (new) sets otherwise,
 * in @p key, or false if none. A key added to struct xr_user_cfg must be
 * compared here too. */
static bool
xr__user_diff(const struct xr_config *cfg, const struct xr_user_cfg *ua,
	      const struct xr_user_cfg *ub, char *key, size_t key_len)
{
	const char *k = NULL;

	if (ua->enabled != ub->enabled)
		k = "enabled";
	else if (ua->venue_mask != ub->venue_mask)
		k = "venues";
	else if (memcmp(ua->symbol_bits, ub->symbol_bits, sizeof(ua->symbol_bits)) != 0)
		k = "symbols";
	else if (ua->rate_per_s != ub->rate_per_s)
		k = "rate_per_s";
	else if (ua->burst != ub->burst)
		k = "burst";
	else if (ua->max_notional != ub->max_notional)
		k = "max_notional";
	else if (ua->strategy != ub->strategy)
		k = "strategy";
	if (k != NULL) {
		snprintf(key, key_len, "%s", k);
		return true;
	}
	for (uint32_t s = 0; s < cfg->n_symbols; s++) {
		if (ua->max_order_qty[s] != ub->max_order_qty[s]) {
			snprintf(key, key_len, "max_order_qty.%s", cfg->symbols[s]);
			return true;
		}
		if (ua->max_position[s] != ub->max_position[s]) {
			snprintf(key, key_len, "max_position.%s", cfg->symbols[s]);
			return true;
		}
	}
	return false;
}

static int
xr__users_check(const struct xr_config *a, const struct xr_config *b, char *err, size_t err_len)
{
	char key[XR_NAME_MAX + 32];

	for (uint32_t u = 0; u < a->n_users; u++) {
		if (xr__user_diff(a, &a->users[u], &b->users[u], key, sizeof(key))) {
			snprintf(err, err_len,
				 "%s: [user %s] %s cannot change without a restart "
				 "(from the user's keys or [user_defaults])",
				 b->path, a->users[u].name, key);
			return -ENOTSUP;
		}
	}
	return 0;
}

/* 0 if @p nc (its reloadable values overwritten here) may replace the
 * running @p rc; else -ENOTSUP or -ENOMEM with err filled. */
static int
xr__compatible(const struct xr_config *rc, struct xr_config *nc, char *err, size_t err_len)
{
	int ret = xr__ids_check(rc, nc, err, err_len);

	if (ret != 0)
		return ret;
	xr__keep_reloadable(nc, rc);
	char *ta = xr__print_no_users(rc), *tb = xr__print_no_users(nc);
	if (ta == NULL || tb == NULL) {
		snprintf(err, err_len, "%s: out of memory comparing configurations", nc->path);
		ret = -ENOMEM;
	} else {
		ret = xr__text_check(ta, tb, nc->path, err, err_len);
	}
	free(ta);
	free(tb);
	if (ret == 0)
		ret = xr__users_check(rc, nc, err, err_len);
	return ret;
}

int
xr_engine_reload(struct xr_engine *e, const char *path, char *err, size_t err_len)
{
	struct xr_config *nc = xr_config_load(path, xr_connector_schemas, err, err_len);
	int ret;

	if (nc == NULL) {
		e->reloads_rejected++;
		return -EINVAL;
	}
	/* Built before xr__compatible() overwrites nc's reloadable values. The
	 * owner is the only writer of e->params: a plain read. */
	struct xr_params *np = xr_params_create(nc, e->params->version + 1);
	if (np == NULL) {
		snprintf(err, err_len, "%s: out of memory for route parameters", path);
		ret = -ENOMEM;
	} else {
		ret = xr__compatible(e->cfg, nc, err, err_len);
	}
	xr_config_free(nc);
	if (ret != 0) {
		xr_params_free(np); /* never published */
		e->reloads_rejected++;
		return ret;
	}
	/* R: pairs with XR_SNAP_DEREF in xr_params_current() (stage threads). */
	struct xr_params *old = XR_SNAP_XCHG(e->params, np);
	xr_params_retire(old); /* call_rcu: freed after a grace period, no wait */
	e->reloads++;
	if (err_len > 0)
		err[0] = '\0';
	return 0;
}

void
xr_reload_poll(struct xr_engine *e)
{
	char err[512];

	/* Relaxed: no data travels with the flag (the file is read after it is
	 * taken); pairs with the store in the requester (tools/xroute.c). */
	if (e->io.reload_request == NULL ||
	    atomic_load_explicit(e->io.reload_request, memory_order_relaxed) == 0 ||
	    atomic_exchange_explicit(e->io.reload_request, 0, memory_order_relaxed) == 0)
		return;
	const char *path = e->io.config_path != NULL ? e->io.config_path : e->cfg->path;
	if (xr_engine_reload(e, path, err, sizeof(err)) == 0)
		fprintf(stderr, "xroute: reloaded %s (parameters version %" PRIu64 ")\n", path,
			e->params->version);
	else
		fprintf(stderr, "xroute: reload rejected: %s; running configuration unchanged\n",
			err);
	fflush(stderr);
}
