/*
 * fix_config: the [venue NAME] keys of connector = fix, as the config
 * loader's schema (xr_config_schema.h): the session keys in a table;
 * time_in_force and venue_symbol.SYMBOL through the key hook; at end of
 * file the keys a FIX venue needs and each venue_symbol resolved to a book
 * of the venue. Ranges and messages are those of docs/connectors.md "FIX
 * venues".
 *
 * Control path only: every function runs inside xr_config_load(),
 * xr_config_print() or xr_config_free(), on the caller's thread.
 */
#include "xr_fix_config.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xr_types.h"

#define XR__FV(f) offsetof(struct xr_fix_venue_cfg, f)

/* BeginString values, in enum xr_fix_version order. */
static const struct xr_config_word xr__w_begin[] = {
	{ "FIX.4.2", 0 },
	{ "FIX.4.4", 1 },
	{ NULL, 0 },
};

_Static_assert(XR_PATH_MAX <= XR_CONFIG_STR_MAX && XR_HOST_MAX <= XR_CONFIG_STR_MAX,
	       "a FIX key's value must fit xr_config_print()'s buffer");

/* In the order xr_config_print() writes them (after the common keys). */
static const struct xr_config_key xr__fix_keys[] = {
	{ "host", XR_CONFIG_T_STR, 0, XR__FV(host), 0, 0, XR_HOST_MAX, NULL },
	{ "port", XR_CONFIG_T_U32, XR_CONFIG_UNSET, XR__FV(port), 0, 1, 65535, NULL },
	{ "sender_comp_id", XR_CONFIG_T_STR, 0, XR__FV(sender_comp_id), 0, 0, 31, NULL },
	{ "target_comp_id", XR_CONFIG_T_STR, 0, XR__FV(target_comp_id), 0, 0, 31, NULL },
	{ "begin_string", XR_CONFIG_T_ENUM, 0, XR__FV(begin_string), 1, 0, 0, xr__w_begin },
	{ "heartbeat_s", XR_CONFIG_T_U32, 0, XR__FV(heartbeat_s), 30, 1, 3600, NULL },
	{ "reset_on_logon", XR_CONFIG_T_ENUM, 0, XR__FV(reset_on_logon), 0, 0, 0,
	  xr_config_bool_words },
	{ "seq_store", XR_CONFIG_T_STR, 0, XR__FV(seq_store), 0, 0, XR_PATH_MAX, NULL },
	{ "market_orders", XR_CONFIG_T_ENUM, 0, XR__FV(market_orders), 1, 0, 0,
	  xr_config_bool_words },
	{ "status_requests", XR_CONFIG_T_ENUM, 0, XR__FV(status_requests), 1, 0, 0,
	  xr_config_bool_words },
	{ "mass_status", XR_CONFIG_T_ENUM, 0, XR__FV(mass_status), 0, 0, 0,
	  xr_config_bool_words },
	{ "cancel_after_ms", XR_CONFIG_T_U32, 0, XR__FV(cancel_after_ms), 0, 0, 86400000, NULL },
	{ "reconnect_min_ms", XR_CONFIG_T_U32, 0, XR__FV(reconnect_min_ms), 100, 1, 600000, NULL },
	{ "reconnect_max_ms", XR_CONFIG_T_U32, 0, XR__FV(reconnect_max_ms), 5000, 1, 3600000,
	  NULL },
	{ "logon_timeout_ms", XR_CONFIG_T_U32, 0, XR__FV(logon_timeout_ms), 5000, 1, 600000, NULL },
	{ "resend_timeout_ms", XR_CONFIG_T_U32, 0, XR__FV(resend_timeout_ms), 2000, 10, 600000,
	  NULL },
	{ "max_frame_bytes", XR_CONFIG_T_U32, 0, XR__FV(max_frame_bytes), 16384, 1024, 1048576,
	  NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

/* A FIX venue takes every TimeInForce unless time_in_force says less. */
static void
xr__fix_init(void *cc)
{
	struct xr_fix_venue_cfg *f = cc;

	f->tif_mask = (1u << XR_TIF_DAY) | (1u << XR_TIF_GTC) | (1u << XR_TIF_IOC) |
		      (1u << XR_TIF_FOK);
}

/* time_in_force = day, gtc, ioc, fok (the TimeInForce values a FIX venue takes) */
static int
xr__key_tif(struct xr_config_loader *ld, struct xr_fix_venue_cfg *f, const char *value)
{
	static const struct xr_config_word tifs[] = {
		{ "day", XR_TIF_DAY }, { "gtc", XR_TIF_GTC }, { "ioc", XR_TIF_IOC },
		{ "fok", XR_TIF_FOK }, { NULL, 0 },
	};
	const char *cur = value, *item;
	size_t len;
	uint8_t mask = 0, t;
	char tok[16], why[120];

	while ((item = xr_config_list_next(&cur, &len)) != NULL) {
		snprintf(tok, sizeof(tok), "%.*s", (int)(len < 15 ? len : 15), item);
		if (len >= sizeof(tok) || xr_config_word(tifs, tok, &t, why, sizeof(why)) != 0)
			return xr_config_value_err(
				ld, "time_in_force", value,
				"has \"%.*s\", which is not one of day, gtc, ioc, fok", (int)len,
				item);
		mask |= (uint8_t)(1u << t);
	}
	if (mask == 0)
		return xr_config_value_err(ld, "time_in_force", value,
					   "names no time in force (day, gtc, ioc, fok)");
	f->tif_mask = mask;
	f->tif_set = true;
	return 0;
}

/* venue_symbol.SYMBOL = NAME (the venue's Symbol, 55); resolved after loading. */
static int
xr__key_venue_symbol(struct xr_config_loader *ld, struct xr_fix_venue_cfg *f, const char *key,
		     const char *value)
{
	const char *sym = key + strlen("venue_symbol.");
	size_t len = strlen(value);

	if (!xr_config_valid_name(sym, strlen(sym), NULL))
		return xr_config_err(ld, xr_config_line(ld), "[%s] %s: \"%s\" is not a symbol name",
				     xr_config_label(ld), key, sym);
	if (len == 0 || len > XR_NAME_MAX || !xr_config_valid_name(value, len, "./:"))
		return xr_config_value_err(ld, key, value,
					   "must be 1..%d of A-Z a-z 0-9 _ - . / :", XR_NAME_MAX);
	for (uint32_t i = 0; i < f->n_symbols; i++)
		if (strcmp(f->symbols[i].key, sym) == 0)
			return xr_config_err(ld, xr_config_line(ld),
					     "[%s] %s: set twice (first at line %" PRIu32 ")",
					     xr_config_label(ld), key, f->symbols[i].line);
	struct xr_venue_symbol *a = realloc(f->symbols, (size_t)(f->n_symbols + 1) * sizeof(*a));
	if (a == NULL)
		return xr_config_oom(ld);
	f->symbols = a;
	struct xr_venue_symbol *e = &a[f->n_symbols++];
	memset(e, 0, sizeof(*e));
	snprintf(e->key, sizeof(e->key), "%s", sym);
	snprintf(e->name, sizeof(e->name), "%s", value);
	e->line = xr_config_line(ld);
	return 0;
}

static int
xr__fix_key(struct xr_config_loader *ld, void *cc, const char *key, const char *value)
{
	if (strncmp(key, "venue_symbol.", 13) == 0)
		return xr__key_venue_symbol(ld, cc, key, value);
	if (strcmp(key, "time_in_force") == 0)
		return xr__key_tif(ld, cc, value);
	return 1;
}

/* venue_symbol or time_in_force on a venue of another kind. */
static const char *
xr__fix_extra_set(const void *cc, char *buf, size_t len)
{
	const struct xr_fix_venue_cfg *f = cc;

	(void)buf;
	(void)len;
	return f->n_symbols > 0 ? "venue_symbol" : f->tif_set ? "time_in_force" : NULL;
}

/*
 * End of file: the keys a FIX venue needs, the reconnect backoff's order,
 * and venue_symbol keys resolved to symbol ids of the venue's books.
 */
static int
xr__fix_check(struct xr_config_loader *ld, const struct xr_config *cfg,
	      const struct xr_venue_cfg *v, void *cc)
{
	struct xr_fix_venue_cfg *f = cc;

	const char *missing = f->host[0] == '\0'	       ? "host"
			      : f->port == 0		       ? "port"
			      : f->sender_comp_id[0] == '\0' ? "sender_comp_id"
			      : f->target_comp_id[0] == '\0' ? "target_comp_id"
							       : NULL;
	if (missing != NULL)
		return xr_config_err(ld, v->line, "[venue %s]: connector = fix needs %s", v->name,
				     missing);
	if (f->reconnect_max_ms < f->reconnect_min_ms)
		return xr_config_err(ld, v->line,
				     "[venue %s]: reconnect_max_ms is below reconnect_min_ms",
				     v->name);
	for (uint32_t i = 0; i < f->n_symbols; i++) {
		struct xr_venue_symbol *e = &f->symbols[i];
		uint32_t b = 0;
		for (; b < v->n_books; b++)
			if (strcmp(cfg->symbols[v->books[b].symbol], e->key) == 0)
				break;
		if (b == v->n_books)
			return xr_config_err(ld, e->line,
					     "[venue %s] venue_symbol.%s: the venue has no "
					     "book.%s",
					     v->name, e->key, e->key);
		e->symbol = v->books[b].symbol;
	}
	return 0;
}

/* time_in_force, then venue_symbol.SYMBOL keys, before the books. */
static void
xr__fix_print(const struct xr_config *cfg, const struct xr_venue_cfg *v, const void *cc,
	      FILE *out)
{
	static const char *const tif[] = { "day", "gtc", "", "ioc", "fok" };
	const struct xr_fix_venue_cfg *f = cc;
	const char *sep = "";

	(void)cfg;
	(void)v;
	fprintf(out, "time_in_force = ");
	for (unsigned t = 0; t < 5; t++)
		if (f->tif_mask & (1u << t)) {
			fprintf(out, "%s%s", sep, tif[t]);
			sep = ", ";
		}
	fprintf(out, "\n");
	for (uint32_t j = 0; j < f->n_symbols; j++)
		fprintf(out, "venue_symbol.%s = %s\n", f->symbols[j].key, f->symbols[j].name);
}

static void
xr__fix_free(void *cc)
{
	free(((struct xr_fix_venue_cfg *)cc)->symbols);
}

const struct xr_config_schema xr_fix_config_schema = {
	.name = "fix",
	.keys = xr__fix_keys,
	.size = sizeof(struct xr_fix_venue_cfg),
	.print_after = NULL,
	.init = xr__fix_init,
	.key = xr__fix_key,
	.extra_set = xr__fix_extra_set,
	.check = xr__fix_check,
	.print = xr__fix_print,
	.free = xr__fix_free,
};
