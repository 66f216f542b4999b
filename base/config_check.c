/*
 * config_check: the whole-file checks run at end of file, in this order:
 * every venue has a book (and its connector's keys are consistent), the
 * [engine] weights sum to 1, the strategies (weighted_score takes the
 * [engine] weights unless its [strategy] section sets one; every
 * strategy's weights sum to 1), the thread plan (execute.* expanded), the
 * mode (colocated: every thread pinned, waits forced to busy_spin;
 * lock_memory defaults to the mode), the [symbol NAME] plans, and the
 * users, resolved against [user_defaults] (which may appear anywhere):
 * user key > [user_defaults] key > built-in default.
 *
 * Shared limit arrays: a user that sets none of max_order_qty,
 * max_position and their .SYMBOL forms points at the arrays built from
 * [user_defaults] (own_limits = false), so a million users cost one pair
 * of arrays. All sharing users point at the same pair; xr_config_free()
 * frees it through the first of them. Users with own_limits own both
 * arrays (a copy of the defaults for the kind they did not set).
 */
#include "config_pvt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Whole-file checks. */

/*
 * A venue's connector keys: none of another kind set (table keys in table
 * order, then the kind's other keys, kinds in list order), then its own
 * kind's check. The venue then owns its kind's struct.
 */
static int
xr__check_connector_keys(struct xr_config_loader *ld, uint32_t venue)
{
	struct xr_venue_cfg *v = &ld->cfg->venues[venue];
	struct xr__vraw *raw = &ld->vraw[venue];
	uint32_t own = 0;
	char buf[XR_NAME_MAX + 32];

	while (strcmp(ld->schemas[own]->name, v->connector) != 0)
		own++;
	for (uint32_t i = 0; i < ld->n_schemas; i++) {
		const struct xr_config_schema *s = ld->schemas[i];
		const char *extra;
		if (i == own)
			continue;
		for (uint32_t k = 0; s->keys != NULL && s->keys[k].name != NULL; k++)
			if ((raw->set[i] >> k) & 1u)
				return xr_config_err(
					ld, v->line,
					"[venue %s]: %s applies only to connector = %s", v->name,
					s->keys[k].name, s->name);
		if (s->extra_set != NULL && (extra = s->extra_set(raw->cc[i], buf, sizeof(buf))))
			return xr_config_err(ld, v->line,
					     "[venue %s]: %s applies only to connector = %s",
					     v->name, extra, s->name);
	}
	const struct xr_config_schema *s = ld->schemas[own];
	if (s->check != NULL && s->check(ld, ld->cfg, v, raw->cc[own]) != 0)
		return -1;
	v->schema = s;
	v->conn = raw->cc[own];
	raw->cc[own] = NULL;
	return 0;
}

int
xr__check_venues(struct xr_config_loader *ld)
{
	struct xr_config *cfg = ld->cfg;

	if (cfg->n_venues == 0)
		return xr_config_err(ld, 0, "no venue (a [venue NAME] section is needed)");
	for (uint32_t i = 0; i < cfg->n_venues; i++) {
		if (cfg->venues[i].n_books == 0)
			return xr_config_err(
				ld, cfg->venues[i].line,
				"[venue %s]: no book.SYMBOL key (a venue needs at least one book)",
				cfg->venues[i].name);
		if (xr__check_connector_keys(ld, i) != 0)
			return -1;
	}
	return 0;
}

int
xr__check_weights(struct xr_config_loader *ld)
{
	const struct xr_engine_cfg *e = &ld->cfg->engine;
	int64_t sum = (int64_t)e->w_fees + e->w_latency + e->w_success + e->w_load + e->w_pair;
	char s[24];

	if (sum == XR_WEIGHT_ONE)
		return 0;
	xr_fixed_format(s, sum, 4);
	return xr_config_err(
		ld, ld->engine_line,
		"[engine]: weight_fees + weight_latency + weight_success + weight_load + "
		"weight_pair = %s, must be exactly 1",
		s);
}

/**
 * Strategies at end of file: weighted_score takes the [engine] weight_*
 * keys unless its section set a weight; every strategy's weights sum to 1.
 * Runs after xr__check_weights.
 */
int
xr__check_strategies(struct xr_config_loader *ld)
{
	struct xr_engine_cfg *e = &ld->cfg->engine;

	if (ld->strat_w_set[XR_STRAT_WEIGHTED_SCORE] == 0) {
		uint32_t *w = e->strategies[XR_STRAT_WEIGHTED_SCORE].w;
		memset(w, 0, XR_F_COUNT * sizeof(*w));
		w[XR_F_FEES] = e->w_fees;
		w[XR_F_LATENCY] = e->w_latency;
		w[XR_F_SUCCESS] = e->w_success;
		w[XR_F_LOAD] = e->w_load;
		w[XR_F_PAIR] = e->w_pair;
	}
	for (int s = XR_STRAT_DEFAULT + 1; s < XR_STRAT_COUNT; s++) {
		const struct xr_strategy_cfg *sc = &e->strategies[s];
		char keys[256], sum_text[24];
		size_t n = 0;
		int64_t sum = 0;

		for (int f = 0; f < XR_F_COUNT; f++)
			sum += sc->w[f];
		if (sum == XR_WEIGHT_ONE)
			continue;
		/* Only a section's own weights can miss: name the keys it set. */
		keys[0] = '\0';
		for (int f = 0; f < XR_F_COUNT && n < sizeof(keys); f++)
			if ((ld->strat_w_set[s] >> f) & 1u)
				n += (size_t)snprintf(keys + n, sizeof(keys) - n, "%s%s",
						      n ? " + " : "", xr__strategy_keys[f].name);
		xr_fixed_format(sum_text, sum, 4);
		return xr_config_err(
			ld, sc->line,
			"[strategy %s]: %s = %s, must be exactly 1 (weights not set in "
			"the section are 0)",
			xr_strategy_name((enum xr_strategy)s), keys, sum_text);
	}
	return 0;
}

/**
 * The default plan, used when the file has no [threads] section: two
 * threads for two cores. A third, unpinned output thread measured worse on
 * 2 vCPUs (it preempts a pinned thread for a whole CFS slice); deployments
 * with spare cores move `output` to a thread of its own (docs/config.md).
 */
static void
xr__default_threads(struct xr_config *cfg)
{
	static const struct {
		const char *name;
		int cpu;
		const char *stages[3];
	} plan[2] = {
		{ "front", 0, { "ingress", "validate", "route" } },
		{ "back", 1, { "execute.*", "aggregate", "output" } },
	};

	cfg->n_threads = 2;
	for (int t = 0; t < 2; t++) {
		struct xr_thread_cfg *th = &cfg->threads[t];
		memset(th, 0, sizeof(*th));
		snprintf(th->name, sizeof(th->name), "%s", plan[t].name);
		th->cpu = plan[t].cpu;
		th->wait = XR_WAIT_BACKOFF;
		for (int s = 0; s < 3 && plan[t].stages[s] != NULL; s++)
			snprintf(th->stages[th->n_stages++], sizeof(th->stages[0]), "%s",
				 plan[t].stages[s]);
	}
}

/**
 * Every stage run by exactly one thread; execute.* expanded in place into
 * the venues no thread names, in venue order.
 */
int
xr__check_threads(struct xr_config_loader *ld)
{
	struct xr_config *cfg = ld->cfg;
	int fixed_owner[XR__N_FIXED_STAGES], venue_owner[XR_MAX_VENUES];
	int star_owner = -1, star_pos = -1, fix_owner = -1;
	bool plan_given = ld->threads_line != 0;
	uint32_t line;
	char label[] = "threads";

	for (int i = 0; i < XR__N_FIXED_STAGES; i++)
		fixed_owner[i] = -1;
	for (int i = 0; i < XR_MAX_VENUES; i++)
		venue_owner[i] = -1;
	if (!plan_given)
		xr__default_threads(cfg);

	for (uint32_t t = 0; t < cfg->n_threads; t++) {
		struct xr_thread_cfg *th = &cfg->threads[t];
		char key[XR_NAME_MAX + 8];
		snprintf(key, sizeof(key), "%s.stages", th->name);
		line = plan_given ? ld->traw[t].stages_line : 0;
		if (plan_given && line == 0)
			return xr_config_err(ld, ld->traw[t].line,
					     "[threads] %s: no %s key (thread %s runs no stage)",
					     th->name, key, th->name);
		for (uint32_t s = 0; s < th->n_stages; s++) {
			const char *st = th->stages[s];
			int *owner;
			if (strcmp(st, "execute.*") == 0) {
				owner = &star_owner;
				star_pos = (int)s;
			} else if (strcmp(st, XR_STAGE_FIX_ENTRY) == 0) {
				if (cfg->n_fix_clients == 0)
					return xr__kerr(ld, line, label, key, st,
							"has nothing to run: no [fix_client NAME]");
				owner = &fix_owner;
			} else if (strncmp(st, "execute.", 8) == 0) {
				int v = xr_config_venue_id(cfg, st + 8);
				if (v < 0)
					return xr__kerr(ld, line, label, key, st, "names no venue");
				owner = &venue_owner[v];
			} else {
				int f = 0;
				while (strcmp(xr__fixed_stages[f], st) != 0)
					f++;
				owner = &fixed_owner[f];
			}
			if (*owner == (int)t)
				return xr__kerr(ld, line, label, key, st, "is listed twice");
			if (*owner >= 0)
				return xr__kerr(ld, line, label, key, st,
						"is also run by thread %s (line %" PRIu32 ")",
						cfg->threads[*owner].name,
						ld->traw[*owner].stages_line);
			*owner = (int)t;
		}
	}
	line = ld->threads_line;
	for (int f = 0; f < XR__N_FIXED_STAGES; f++)
		if (fixed_owner[f] < 0)
			return xr_config_err(ld, line, "[threads]: stage %s is run by no thread",
					     xr__fixed_stages[f]);
	if (star_owner < 0) {
		for (uint32_t v = 0; v < cfg->n_venues; v++)
			if (venue_owner[v] < 0)
				return xr_config_err(
					ld, line,
					"[threads]: stage execute.%s is run by no thread "
					"(name it, or use execute.*)",
					cfg->venues[v].name);
		return 0;
	}

	/* Expand execute.* at star_pos of its thread. */
	struct xr_thread_cfg *th = &cfg->threads[star_owner];
	uint32_t add = 0;
	for (uint32_t v = 0; v < cfg->n_venues; v++)
		add += venue_owner[v] < 0;
	if (th->n_stages - 1 + add > XR_MAX_STAGES_PER_THREAD)
		return xr_config_err(ld, plan_given ? ld->traw[star_owner].stages_line : 0,
				     "[threads] %s.stages: execute.* makes %" PRIu32
				     " stages, more than %d",
				     th->name, th->n_stages - 1 + add, XR_MAX_STAGES_PER_THREAD);
	uint32_t tail = th->n_stages - (uint32_t)star_pos - 1;
	memmove(th->stages[star_pos + (int)add], th->stages[star_pos + 1],
		tail * sizeof(th->stages[0]));
	uint32_t at = (uint32_t)star_pos;
	for (uint32_t v = 0; v < cfg->n_venues; v++)
		if (venue_owner[v] < 0)
			snprintf(th->stages[at++], sizeof(th->stages[0]), "execute.%s",
				 cfg->venues[v].name);
	th->n_stages = th->n_stages - 1 + add;
	return 0;
}

/**
 * mode = colocated: every thread pinned, every wait busy_spin (forced where
 * the file gives no NAME.wait); lock_memory follows the mode unless given.
 * Runs after xr__check_threads (the default plan is in place).
 */
int
xr__check_mode(struct xr_config_loader *ld)
{
	struct xr_config *cfg = ld->cfg;
	struct xr_engine_cfg *ec = &cfg->engine;
	bool colocated = ec->mode == XR_MODE_COLOCATED;

	if (ec->lock_memory == XR__LOCK_MEMORY_AUTO)
		ec->lock_memory = colocated ? XR_LOCK_MEMORY_TRUE : XR_LOCK_MEMORY_FALSE;
	if (!colocated)
		return 0;
	for (uint32_t t = 0; t < cfg->n_threads; t++) {
		struct xr_thread_cfg *th = &cfg->threads[t];
		const struct xr__traw *raw = &ld->traw[t];
		char key[XR_NAME_MAX + 8];

		if (th->cpu < 0) {
			snprintf(key, sizeof(key), "%s.cpu", th->name);
			if (raw->cpu_line != 0)
				return xr__kerr(ld, raw->cpu_line, "threads", key, "none",
						"is not allowed with mode = colocated ([engine] "
						"line %" PRIu32
						"): every thread is pinned to a CPU",
						ld->mode_line);
			return xr_config_err(
				ld, raw->line,
				"[threads] %s: missing: mode = colocated ([engine] line "
				"%" PRIu32 ") pins every thread to a CPU; give thread %s one",
				key, ld->mode_line, th->name);
		}
		if (raw->wait_line != 0 && th->wait != XR_WAIT_BUSY_SPIN) {
			snprintf(key, sizeof(key), "%s.wait", th->name);
			return xr__kerr(ld, raw->wait_line, "threads", key,
					xr_config_word_name(xr__w_wait, th->wait),
					"is not allowed with mode = colocated ([engine] line "
					"%" PRIu32
					"): colocated threads busy-spin (write busy_spin "
					"or remove the key)",
					ld->mode_line);
		}
		th->wait = XR_WAIT_BUSY_SPIN;
	}
	return 0;
}

/** Resolve a venues list into a mask; errors name @p label and @p line. */
static int
xr__venue_list(struct xr_config_loader *ld, const char *label, uint32_t line, const char *list,
	       uint64_t *mask)
{
	const struct xr_config *cfg = ld->cfg;
	const char *cur = list, *item;
	size_t len;
	uint64_t m = 0;
	bool star = false, named = false;

	while ((item = xr_config_list_next(&cur, &len)) != NULL) {
		char name[XR_NAME_MAX + 4];
		if (len == 1 && *item == '*') {
			star = true;
			m = cfg->n_venues == 64 ? UINT64_MAX : (UINT64_C(1) << cfg->n_venues) - 1;
			continue;
		}
		named = true;
		snprintf(name, sizeof(name), "%.*s%s",
			 (int)(len <= XR_NAME_MAX ? len : XR_NAME_MAX), item,
			 len <= XR_NAME_MAX ? "" : "...");
		int v = len <= XR_NAME_MAX ? xr_config_venue_id(cfg, name) : -1;
		if (v < 0)
			return xr__kerr(ld, line, label, "venues", name, "is not a venue");
		m |= UINT64_C(1) << v;
	}
	if (!star && !named)
		return xr__kerr(ld, line, label, "venues", list, "names no venue (use * for all)");
	if (star && named)
		return xr__kerr(ld, line, label, "venues", list, "mixes * with names");
	*mask = m;
	return 0;
}

/** Resolve a symbols list into bits. */
static int
xr__symbol_list(struct xr_config_loader *ld, const char *label, uint32_t line, const char *list,
		uint64_t bits[XR_MAX_SYMBOLS / 64])
{
	const struct xr_config *cfg = ld->cfg;
	const char *cur = list, *item;
	size_t len;
	bool any = false, star = false, named = false;

	memset(bits, 0, XR_MAX_SYMBOLS / 8);
	while ((item = xr_config_list_next(&cur, &len)) != NULL) {
		char name[XR_NAME_MAX + 4];
		any = true;
		if (len == 1 && *item == '*') {
			star = true;
			for (uint32_t s = 0; s < cfg->n_symbols; s++)
				bits[s / 64] |= UINT64_C(1) << (s % 64);
			continue;
		}
		named = true;
		snprintf(name, sizeof(name), "%.*s%s",
			 (int)(len <= XR_NAME_MAX ? len : XR_NAME_MAX), item,
			 len <= XR_NAME_MAX ? "" : "...");
		int64_t s = len <= XR_NAME_MAX ? xr__index_find(&ld->symbols_ix, cfg->symbols[0],
								sizeof(*cfg->symbols), name)
					       : -1;
		if (s < 0)
			return xr__kerr(ld, line, label, "symbols", name,
					"is not a symbol (no venue has book.%s)", name);
		bits[s / 64] |= UINT64_C(1) << (s % 64);
	}
	if (!any)
		return xr__kerr(ld, line, label, "symbols", list,
				"names no symbol (use * for all)");
	if (star && named)
		return xr__kerr(ld, line, label, "symbols", list, "mixes * with names");
	return 0;
}

/**
 * Fill a user's limit arrays: per-symbol keys of @p r, else @p r's bare
 * value, else @p base (NULL: unlimited).
 */
static int
xr__limits(struct xr_config_loader *ld, const char *label, const struct xr__uraw *r,
	   const int64_t *base_oq, const int64_t *base_pos, int64_t *oq, int64_t *pos)
{
	const struct xr_config *cfg = ld->cfg;

	for (uint32_t s = 0; s < cfg->n_symbols; s++) {
		oq[s] = (r->set & XR__U_ORDER_QTY) ? r->max_order_qty
			: base_oq                  ? base_oq[s]
						   : INT64_MAX;
		pos[s] = (r->set & XR__U_POSITION) ? r->max_position
			 : base_pos                ? base_pos[s]
						   : INT64_MAX;
	}
	for (uint32_t i = 0; i < r->n_lims; i++) {
		const struct xr__lim *l = &r->lims[i];
		int64_t s = xr__index_find(&ld->symbols_ix, cfg->symbols[0], sizeof(*cfg->symbols),
					   l->symbol);
		if (s < 0)
			return xr_config_err(
				ld, l->line,
				"[%s] %s.%s: \"%s\" is not a symbol (no venue has book.%s)", label,
				l->position ? "max_position" : "max_order_qty", l->symbol,
				l->symbol, l->symbol);
		(l->position ? pos : oq)[s] = l->qty;
	}
	return 0;
}

/** Append venue @p name of key @p key to @p out; checks the user's mask. */
static int
xr__plan_add(struct xr_config_loader *ld, const char *label, uint32_t line, const char *key,
	     const char *item, size_t len, uint64_t allowed, struct xr_venue_plan *out)
{
	char name[XR_NAME_MAX + 4];

	snprintf(name, sizeof(name), "%.*s%s", (int)(len <= XR_NAME_MAX ? len : XR_NAME_MAX),
		 item, len <= XR_NAME_MAX ? "" : "...");
	int v = len <= XR_NAME_MAX ? xr_config_venue_id(ld->cfg, name) : -1;
	if (v < 0)
		return xr__kerr(ld, line, label, key, name, "is not a venue");
	if (!((allowed >> v) & 1))
		return xr__kerr(ld, line, label, key, name,
				"is not among the user's venues (the venues key)");
	for (unsigned i = 0; i < out->n; i++)
		if (out->venue[i] == v)
			return xr__kerr(ld, line, label, key, name,
					"is already in the plan (primary_venue, failover_venues)");
	if (out->n == XR_PLAN_MAX)
		return xr__kerr(ld, line, label, key, name,
				"makes the plan longer than %d venues", XR_PLAN_MAX);
	out->venue[out->n++] = (uint8_t)v;
	return 0;
}

/**
 * Resolve a venue plan: @p r's keys, else @p d's (defaults; NULL = none).
 * failover_venues needs a primary_venue unless @p partial ([user_defaults]
 * checked alone: its users may give the primary); venues must be allowed
 * by @p allowed. auto_failover defaults to true.
 */
static int
xr__plan_resolve(struct xr_config_loader *ld, const char *label, const struct xr__praw *r,
		 const struct xr__praw *d, uint64_t allowed, bool partial,
		 struct xr_venue_plan *out)
{
	const char *primary = r->primary ? r->primary : d ? d->primary : NULL;
	const char *fail = r->failovers ? r->failovers : d ? d->failovers : NULL;
	uint32_t pline = r->primary ? r->primary_line : d ? d->primary_line : 0;
	uint32_t fline = r->failovers ? r->failovers_line : d ? d->failovers_line : 0;
	const char *cur, *item;
	size_t len;

	memset(out, 0, sizeof(*out));
	out->auto_failover = r->auto_line ? r->auto_failover
			     : d && d->auto_line ? d->auto_failover : true;
	if (primary == NULL) {
		if (fail != NULL && !partial)
			return xr__kerr(ld, fline, label, "failover_venues", fail,
					"needs a primary_venue");
		for (cur = fail; fail != NULL && (item = xr_config_list_next(&cur, &len)) != NULL;)
			if (xr__plan_add(ld, label, fline, "failover_venues", item, len, allowed,
					 out))
				return -1;
		return 0;
	}
	cur = primary;
	item = xr_config_list_next(&cur, &len);
	if (item == NULL || xr_config_list_next(&cur, &len) != NULL)
		return xr__kerr(ld, pline, label, "primary_venue", primary,
				"must name exactly one venue");
	cur = primary;
	item = xr_config_list_next(&cur, &len);
	if (xr__plan_add(ld, label, pline, "primary_venue", item, len, allowed, out))
		return -1;
	for (cur = fail; fail != NULL && (item = xr_config_list_next(&cur, &len)) != NULL;)
		if (xr__plan_add(ld, label, fline, "failover_venues", item, len, allowed, out))
			return -1;
	return 0;
}

/** [symbol NAME] sections: their symbols exist; their plans resolve. */
int
xr__resolve_symbols(struct xr_config_loader *ld)
{
	struct xr_config *cfg = ld->cfg;
	uint64_t all = cfg->n_venues == 64 ? UINT64_MAX : (UINT64_C(1) << cfg->n_venues) - 1;
	char label[XR_NAME_MAX + 8];

	cfg->symbol_plans = calloc(cfg->n_symbols ? cfg->n_symbols : 1, sizeof(*cfg->symbol_plans));
	if (cfg->symbol_plans == NULL)
		return xr_config_oom(ld);
	for (uint32_t i = 0; i < ld->n_sraw; i++) {
		const struct xr__sraw *r = &ld->sraw[i];
		int64_t s = xr__index_find(&ld->symbols_ix, cfg->symbols[0], sizeof(*cfg->symbols),
					   r->name);
		if (s < 0)
			return xr_config_err(
				ld, r->line,
				"[symbol %s]: \"%s\" is not a symbol (no venue has book.%s)",
				r->name, r->name, r->name);
		snprintf(label, sizeof(label), "symbol %s", r->name);
		if (xr__plan_resolve(ld, label, &r->plan, NULL, all, false, &cfg->symbol_plans[s]))
			return -1;
	}
	return 0;
}

int
xr__resolve_users(struct xr_config_loader *ld)
{
	struct xr_config *cfg = ld->cfg;
	const struct xr__uraw *d = &ld->defaults;
	uint32_t ns = cfg->n_symbols;
	char label[XR_NAME_MAX + 8];

	if (cfg->n_users == 0)
		return xr_config_err(ld, 0, "no user (a [user NAME] section is needed)");

	ld->def_venue_mask = cfg->n_venues == 64 ? UINT64_MAX : (UINT64_C(1) << cfg->n_venues) - 1;
	for (uint32_t s = 0; s < ns; s++)
		ld->def_symbol_bits[s / 64] |= UINT64_C(1) << (s % 64);
	if (d->venues != NULL &&
	    xr__venue_list(ld, "user_defaults", d->venues_line, d->venues, &ld->def_venue_mask))
		return -1;
	if (d->symbols != NULL &&
	    xr__symbol_list(ld, "user_defaults", d->symbols_line, d->symbols, ld->def_symbol_bits))
		return -1;
	/* The defaults' plan on its own, so a bad one is reported even when
	 * every user overrides it. */
	struct xr_venue_plan def_plan;
	if (xr__plan_resolve(ld, "user_defaults", &d->plan, NULL, ld->def_venue_mask, true,
			     &def_plan))
		return -1;
	ld->def_order_qty = malloc(ns * sizeof(int64_t));
	ld->def_position = malloc(ns * sizeof(int64_t));
	if (ld->def_order_qty == NULL || ld->def_position == NULL)
		return xr_config_err(ld, 0, "out of memory");
	if (xr__limits(ld, "user_defaults", d, NULL, NULL, ld->def_order_qty, ld->def_position))
		return -1;

	for (uint32_t i = 0; i < cfg->n_users; i++) {
		struct xr_user_cfg *u = &cfg->users[i];
		const struct xr__uraw *r = &ld->uraw[i];
		snprintf(label, sizeof(label), "user %s", u->name);

#define XR__PICK(bit, field, builtin)                                                              \
	((r->set & (bit)) ? r->field : (d->set & (bit)) ? d->field : (builtin))
		u->enabled = XR__PICK(XR__U_ENABLED, enabled, true);
		u->rate_per_s = XR__PICK(XR__U_RATE, rate_per_s, XR__USER_RATE_DEF);
		u->burst = XR__PICK(XR__U_BURST, burst, XR__USER_BURST_DEF);
		u->max_notional = XR__PICK(XR__U_NOTIONAL, max_notional, INT64_MAX);
		u->strategy = XR__PICK(XR__U_STRATEGY, strategy, XR_STRAT_DEFAULT);
#undef XR__PICK
		u->venue_mask = ld->def_venue_mask;
		memcpy(u->symbol_bits, ld->def_symbol_bits, sizeof(u->symbol_bits));
		if (r->venues != NULL &&
		    xr__venue_list(ld, label, r->venues_line, r->venues, &u->venue_mask))
			return -1;
		if (r->symbols != NULL &&
		    xr__symbol_list(ld, label, r->symbols_line, r->symbols, u->symbol_bits))
			return -1;
		/* A user with no plan key of its own takes the defaults' plan
		 * as resolved once, when its venues allow it (else resolving
		 * names the error); a million users do not re-read its lists. */
		bool own = r->plan.primary || r->plan.failovers || r->plan.auto_line;
		uint64_t plan_mask = 0;
		for (unsigned k = 0; k < def_plan.n; k++)
			plan_mask |= UINT64_C(1) << def_plan.venue[k];
		if (!own && d->plan.primary != NULL && (plan_mask & ~u->venue_mask) == 0)
			u->plan = def_plan;
		else if (xr__plan_resolve(ld, label, &r->plan, &d->plan, u->venue_mask, false,
					  &u->plan))
			return -1;
		if (r->n_lims == 0 && !(r->set & (XR__U_ORDER_QTY | XR__U_POSITION))) {
			u->max_order_qty = ld->def_order_qty;
			u->max_position = ld->def_position;
			u->own_limits = false;
			ld->def_shared = true;
			continue;
		}
		u->max_order_qty = malloc(ns * sizeof(int64_t));
		u->max_position = malloc(ns * sizeof(int64_t));
		u->own_limits = true;
		if (u->max_order_qty == NULL || u->max_position == NULL)
			return xr_config_err(ld, 0, "out of memory");
		if (xr__limits(ld, label, r, ld->def_order_qty, ld->def_position, u->max_order_qty,
			       u->max_position))
			return -1;
	}
	return 0;
}

