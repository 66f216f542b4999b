/*
 * config_print: xr_config_print(), the effective configuration as INI that
 * xr_config_load() accepts: every key, defaults included, in table order.
 * A user's limit arrays print as a bare value (the most frequent) plus the
 * symbols that differ from it.
 */
#include "config_pvt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Print. */

static void
xr__print_qty(FILE *out, const char *key, const char *sym, int64_t q)
{
	char b[24];

	if (q == INT64_MAX)
		snprintf(b, sizeof(b), "none");
	else
		xr_fixed_format(b, q, 8);
	fprintf(out, "%s%s%s = %s\n", key, sym ? "." : "", sym ? sym : "", b);
}

static int
xr__cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/** Most frequent value of @p a (ties: the largest), printed bare. */
static int64_t
xr__mode(const int64_t *a, uint32_t n)
{
	int64_t tmp[XR_MAX_SYMBOLS], best = INT64_MAX;
	uint32_t best_n = 0;

	memcpy(tmp, a, n * sizeof(*a));
	qsort(tmp, n, sizeof(*tmp), xr__cmp_i64);
	for (uint32_t i = 0, j; i < n; i = j) {
		for (j = i; j < n && tmp[j] == tmp[i]; j++)
			;
		if (j - i >= best_n) {
			best_n = j - i;
			best = tmp[i];
		}
	}
	return best;
}

/** A limit array as a bare value plus the symbols that differ from it. */
static void
xr__print_limits(FILE *out, const struct xr_config *cfg, const char *key, const int64_t *a)
{
	int64_t bare = a != NULL ? xr__mode(a, cfg->n_symbols) : INT64_MAX;

	xr__print_qty(out, key, NULL, bare);
	for (uint32_t s = 0; a != NULL && s < cfg->n_symbols; s++)
		if (a[s] != bare)
			xr__print_qty(out, key, cfg->symbols[s], a[s]);
}

/* A venue plan's keys; nothing for no plan. */
static void
xr__print_plan(FILE *out, const struct xr_config *cfg, const struct xr_venue_plan *p)
{
	if (p->n == 0)
		return;
	fprintf(out, "primary_venue = %s\n", cfg->venues[p->venue[0]].name);
	if (p->n > 1) {
		fprintf(out, "failover_venues = ");
		for (unsigned i = 1; i < p->n; i++)
			fprintf(out, "%s%s", i > 1 ? ", " : "", cfg->venues[p->venue[i]].name);
		fprintf(out, "\n");
	}
	fprintf(out, "auto_failover = %s\n", p->auto_failover ? "true" : "false");
}

/** Print the keys of @p keys in @p obj, but those at their unset default. */
static void
xr__print_keys(FILE *out, const struct xr_config_key *keys, const void *obj)
{
	char b[XR_CONFIG_STR_MAX + 1]; /* any value whole */

	for (const struct xr_config_key *k = keys; k != NULL && k->name != NULL; k++) {
		xr__key_format(k, obj, b, sizeof(b));
		if (b[0] == '\0' || ((k->flags & XR_CONFIG_UNSET) && xr__key_is_default(k, obj)))
			continue;
		fprintf(out, "%s = %s\n", k->name, b);
	}
}

/*
 * A [venue NAME] section: the common keys with the kind's table keys after
 * its print_after key, the kind's other keys, the books, the kind's keys
 * that follow the books.
 */
static void
xr__print_venue(FILE *out, const struct xr_config *cfg, const struct xr_venue_cfg *v)
{
	const struct xr_config_schema *s = v->conn != NULL ? v->schema : NULL;
	char b[XR_CONFIG_STR_MAX + 1]; /* any value whole */

	fprintf(out, "\n[venue %s]\n", v->name);
	for (const struct xr_config_key *k = xr__venue_keys; k->name != NULL; k++) {
		xr__key_format(k, v, b, sizeof(b));
		fprintf(out, "%s = %s\n", k->name, b);
		if (s != NULL && s->print_after != NULL && strcmp(k->name, s->print_after) == 0)
			xr__print_keys(out, s->keys, v->conn);
	}
	if (s != NULL && s->print_after == NULL)
		xr__print_keys(out, s->keys, v->conn);
	if (s != NULL && s->print != NULL)
		s->print(cfg, v, v->conn, out);
	for (uint32_t j = 0; j < v->n_books; j++) {
		const struct xr_venue_book_cfg *bk = &v->books[j];
		char mid[24], tick[24], qty[24];
		xr_fixed_format(mid, bk->mid_px, 8);
		xr_fixed_format(tick, bk->tick_px, 8);
		xr_fixed_format(qty, bk->level_qty, 8);
		fprintf(out, "book.%s = mid=%s tick=%s levels=%" PRIu32 " level_qty=%s\n",
			cfg->symbols[bk->symbol], mid, tick, bk->levels, qty);
	}
	if (s != NULL && s->print_tail != NULL)
		s->print_tail(cfg, v, v->conn, out);
}

void
xr_config_print(const struct xr_config *cfg, FILE *out)
{
	char b[XR_CONFIG_STR_MAX + 1];
	const struct xr_user_cfg *shared = NULL;
	uint64_t all_venues = cfg->n_venues == 64 ? UINT64_MAX : (UINT64_C(1) << cfg->n_venues) - 1;

	fprintf(out, "; xroute effective configuration of %s\n", cfg->path);
	fprintf(out, "\n[engine]\n");
	for (const struct xr_config_key *k = xr__engine_keys; k->name != NULL; k++) {
		xr__key_format(k, &cfg->engine, b, sizeof(b));
		fprintf(out, "%s = %s\n", k->name, b);
	}

	for (int s = XR_STRAT_DEFAULT + 1; s < XR_STRAT_COUNT; s++) {
		const struct xr_strategy_cfg *sc = &cfg->engine.strategies[s];
		fprintf(out, "\n[strategy %s]\n", xr_strategy_name((enum xr_strategy)s));
		for (const struct xr_config_key *k = xr__strategy_keys; k->name != NULL; k++) {
			xr__key_format(k, sc, b, sizeof(b));
			fprintf(out, "%s = %s\n", k->name, b);
		}
	}

	fprintf(out, "\n[threads]\n");
	for (uint32_t t = 0; t < cfg->n_threads; t++) {
		const struct xr_thread_cfg *th = &cfg->threads[t];
		fprintf(out, "%s.stages = ", th->name);
		for (uint32_t s = 0; s < th->n_stages; s++)
			fprintf(out, "%s%s", s ? ", " : "", th->stages[s]);
		if (th->cpu < 0)
			fprintf(out, "\n%s.cpu = none\n", th->name);
		else
			fprintf(out, "\n%s.cpu = %d\n", th->name, th->cpu);
		fprintf(out, "%s.wait = %s\n", th->name, xr_config_word_name(xr__w_wait, th->wait));
	}

	for (uint32_t i = 0; i < cfg->n_venues; i++)
		xr__print_venue(out, cfg, &cfg->venues[i]);

	/* [user_defaults] carries only the limits users share; every user
	 * lists its other keys itself. */
	for (uint32_t i = 0; i < cfg->n_users && shared == NULL; i++)
		if (!cfg->users[i].own_limits)
			shared = &cfg->users[i];
	fprintf(out, "\n[user_defaults]\n");
	xr__print_limits(out, cfg, "max_order_qty", shared ? shared->max_order_qty : NULL);
	xr__print_limits(out, cfg, "max_position", shared ? shared->max_position : NULL);

	for (uint32_t i = 0; i < cfg->n_users; i++) {
		const struct xr_user_cfg *u = &cfg->users[i];
		bool all = true;
		fprintf(out, "\n[user %s]\nenabled = %s\nvenues = ", u->name,
			u->enabled ? "true" : "false");
		if (u->venue_mask == all_venues) {
			fprintf(out, "*");
		} else {
			const char *sep = "";
			for (uint32_t v = 0; v < cfg->n_venues; v++) {
				if ((u->venue_mask >> v) & 1) {
					fprintf(out, "%s%s", sep, cfg->venues[v].name);
					sep = ", ";
				}
			}
		}
		for (uint32_t s = 0; s < cfg->n_symbols; s++)
			all = all && xr_user_symbol_allowed(u, (uint16_t)s);
		fprintf(out, "\nsymbols = ");
		if (all) {
			fprintf(out, "*");
		} else {
			const char *sep = "";
			for (uint32_t s = 0; s < cfg->n_symbols; s++) {
				if (xr_user_symbol_allowed(u, (uint16_t)s)) {
					fprintf(out, "%s%s", sep, cfg->symbols[s]);
					sep = ", ";
				}
			}
		}
		fprintf(out, "\nrate_per_s = %" PRIu32 "\nburst = %" PRIu32 "\n", u->rate_per_s,
			u->burst);
		xr__print_qty(out, "max_notional", NULL, u->max_notional);
		fprintf(out, "strategy = %s\n",
			xr_config_word_name(xr__w_user_strategy, u->strategy));
		if (u->own_limits) {
			xr__print_limits(out, cfg, "max_order_qty", u->max_order_qty);
			xr__print_limits(out, cfg, "max_position", u->max_position);
		}
		xr__print_plan(out, cfg, &u->plan);
	}
	for (uint32_t s = 0; s < cfg->n_symbols; s++) {
		if (cfg->symbol_plans[s].n == 0)
			continue;
		fprintf(out, "\n[symbol %s]\n", cfg->symbols[s]);
		xr__print_plan(out, cfg, &cfg->symbol_plans[s]);
	}
	xr__print_serve(cfg, out);
	xr__print_journal(cfg, out);
}
