/*
 * config_keys: one key's value, parsed when the reader hands it over.
 * Numbers with xr_fixed_parse() (no floating point), words against their
 * lists, table keys through struct xr_config_key (config_tables.c), and the
 * per-section handlers: [engine], [strategy NAME], [threads], [venue NAME],
 * [user NAME] / [user_defaults] and [symbol NAME].
 *
 * [strategy NAME] sections start from xr_strategy_defaults(); the first
 * weight_* key of a section zeroes the weight vector, so a section's
 * weights replace the default ones rather than mixing with them.
 *
 * Errors name the place and the cause through xr__kerr() (config_read.c).
 */
#include "config_pvt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Numbers and words. */

/** @return true if s is [+-]digits[.digits] (a digit somewhere). */
static bool
xr__is_decimal(const char *s, int *frac)
{
	bool any = false, dot = false;

	*frac = 0;
	if (*s == '+' || *s == '-')
		s++;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (dot)
				return false;
			dot = true;
		} else if (*s >= '0' && *s <= '9') {
			any = true;
			*frac += dot;
		} else {
			return false;
		}
	}
	return any;
}

/** Range of a number as its errors name it: "1..256", "> 0", ">= 0". */
static void
xr__range_text(char *buf, size_t len, int dec, int64_t min, int64_t max, unsigned flags)
{
	char a[24], b[24];

	xr_fixed_format(a, min, dec);
	xr_fixed_format(b, max, dec);
	if (max == INT64_MAX && min == 1)
		snprintf(buf, len, "> 0%s", flags & XR_CONFIG_NONE_OK ? " or none" : "");
	else if (max == INT64_MAX)
		snprintf(buf, len, ">= %s%s", a, flags & XR_CONFIG_NONE_OK ? " or none" : "");
	else
		snprintf(buf, len, "%s..%s", a, b);
}

/**
 * Parse a number with @p dec decimal places (0: an integer) in min..max.
 * @return 0, or -1 with the reason in @p why ("is not a number", ...).
 */
int
xr_config_num(const char *v, int dec, int64_t min, int64_t max, unsigned flags, int64_t *out,
	      char *why, size_t why_len)
{
	char range[64];
	int frac;
	int64_t x;

	if ((flags & XR_CONFIG_NONE_OK) && strcmp(v, "none") == 0) {
		*out = INT64_MAX;
		return 0;
	}
	xr__range_text(range, sizeof(range), dec, min, max, flags);
	if (!xr__is_decimal(v, &frac)) {
		snprintf(why, why_len, "is not a number");
		return -1;
	}
	if (dec == 0 && strchr(v, '.') != NULL) {
		snprintf(why, why_len, "is not an integer");
		return -1;
	}
	if (frac > dec) {
		snprintf(why, why_len, "has more than %d decimal places", dec);
		return -1;
	}
	if (xr_fixed_parse(v, strlen(v), dec, &x) != 0 || x < min || x > max) {
		snprintf(why, why_len, "is out of range (%s)", range);
		return -1;
	}
	if ((flags & XR_CONFIG_POW2) && (x & (x - 1)) != 0) {
		snprintf(why, why_len, "is not a power of two (%s)", range);
		return -1;
	}
	*out = x;
	return 0;
}

/** Parse an unsigned 64-bit integer (seed). 0 or -1 with @p why. */
static int
xr__u64(const char *v, uint64_t *out, char *why, size_t why_len)
{
	int frac;
	uint64_t x = 0;

	if (!xr__is_decimal(v, &frac)) {
		snprintf(why, why_len, "is not a number");
		return -1;
	}
	if (strchr(v, '.') != NULL) {
		snprintf(why, why_len, "is not an integer");
		return -1;
	}
	const char *s = v;
	if (*s == '+')
		s++;
	if (*s == '-')
		goto range;
	for (; *s != '\0'; s++) {
		uint64_t d = (uint64_t)(*s - '0');
		if (x > (UINT64_MAX - d) / 10)
			goto range;
		x = x * 10 + d;
	}
	*out = x;
	return 0;
range:
	snprintf(why, why_len, "is out of range (0..%" PRIu64 ")", UINT64_MAX);
	return -1;
}

/** Write @p words as "a, b, c" into @p buf (@p len bytes, > 0). */
void
xr_config_word_list(const struct xr_config_word *words, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (const struct xr_config_word *w = words; w->word != NULL && n < len; w++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", w == words ? "" : ", ", w->word);
}

/** Look @p v up in @p words. 0 or -1 with "is not one of a, b" in @p why. */
int
xr_config_word(const struct xr_config_word *words, const char *v, uint8_t *out, char *why,
	       size_t why_len)
{
	size_t n;

	for (const struct xr_config_word *w = words; w->word != NULL; w++) {
		if (strcmp(w->word, v) == 0) {
			*out = w->value;
			return 0;
		}
	}
	n = (size_t)snprintf(why, why_len, "is not one of ");
	if (n < why_len)
		xr_config_word_list(words, why + n, why_len - n);
	return -1;
}

/** @return the word of @p value in @p words ("?" if none). */
const char *
xr_config_word_name(const struct xr_config_word *words, uint8_t value)
{
	for (const struct xr_config_word *w = words; w->word != NULL; w++)
		if (w->value == value)
			return w->word;
	return "?";
}

/** Decimal places of a table key type (0 for integers and words). */
static int
xr__type_dec(uint8_t type)
{
	switch (type) {
	case XR_CONFIG_T_CBPS: return 2;
	case XR_CONFIG_T_PPM: return 6;
	case XR_CONFIG_T_WEIGHT: return 4;
	case XR_CONFIG_T_CASH:
	case XR_CONFIG_T_QTY: return 8;
	default: return 0;
	}
}

/** Store a table key's value @p x into @p obj. */
static void
xr__key_store(const struct xr_config_key *k, void *obj, int64_t x)
{
	char *p = (char *)obj + k->off;

	switch (k->type) {
	case XR_CONFIG_T_U32:
	case XR_CONFIG_T_PPM:
	case XR_CONFIG_T_WEIGHT: *(uint32_t *)(void *)p = (uint32_t)x; break;
	case XR_CONFIG_T_U64: *(uint64_t *)(void *)p = (uint64_t)x; break;
	case XR_CONFIG_T_CBPS:
	case XR_CONFIG_T_CASH:
	case XR_CONFIG_T_QTY: *(int64_t *)(void *)p = x; break;
	case XR_CONFIG_T_ENUM: *(uint8_t *)(void *)p = (uint8_t)x; break;
	case XR_CONFIG_T_KIND: break; /* the kind's name: xr__key_connector, the loader */
	case XR_CONFIG_T_STR: p[0] = '\0'; break;
	}
}

/** Write every key of @p keys at its default into @p obj. */
void
xr__keys_default(const struct xr_config_key *keys, void *obj)
{
	for (const struct xr_config_key *k = keys; k->name != NULL; k++)
		xr__key_store(k, obj, k->def);
}

const struct xr_config_key *
xr__key_find(const struct xr_config_key *keys, const char *name)
{
	for (const struct xr_config_key *k = keys; k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

/** Parse @p v for table key @p k into @p obj; errors name the key. */
int
xr__key_set(struct xr_config_loader *ld, const struct xr_config_key *k, void *obj, const char *v)
{
	char why[200];
	int64_t x;
	uint64_t u;
	uint8_t w;

	switch (k->type) {
	case XR_CONFIG_T_U64:
		if (xr__u64(v, &u, why, sizeof(why)) != 0)
			return xr__kerr(ld, XR__HERE(ld), k->name, v, "%s", why);
		*(uint64_t *)(void *)((char *)obj + k->off) = u;
		return 0;
	case XR_CONFIG_T_ENUM:
	case XR_CONFIG_T_KIND:
		if (xr_config_word(k->words, v, &w, why, sizeof(why)) != 0)
			return xr__kerr(ld, XR__HERE(ld), k->name, v, "%s", why);
		xr__key_store(k, obj, w);
		return 0;
	case XR_CONFIG_T_STR: {
		size_t len = strlen(v);
		if (len == 0 || len > (size_t)k->max)
			return xr__kerr(ld, XR__HERE(ld), k->name, v, "must be 1..%" PRId64
					" characters", k->max);
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
				return xr__kerr(ld, XR__HERE(ld), k->name, v,
						"has a character that is not printable ASCII "
						"at position %zu", i + 1);
		memcpy((char *)obj + k->off, v, len + 1);
		return 0;
	}
	default:
		if (xr_config_num(v, xr__type_dec(k->type), k->min, k->max, k->flags, &x, why,
			    sizeof(why)) != 0)
			return xr__kerr(ld, XR__HERE(ld), k->name, v, "%s", why);
		xr__key_store(k, obj, x);
		return 0;
	}
}

/** @return true if table key @p k holds its default in @p obj. */
bool
xr__key_is_default(const struct xr_config_key *k, const void *obj)
{
	const char *p = (const char *)obj + k->off;

	switch (k->type) {
	case XR_CONFIG_T_U32:
	case XR_CONFIG_T_PPM:
	case XR_CONFIG_T_WEIGHT: return *(const uint32_t *)(const void *)p == (uint32_t)k->def;
	case XR_CONFIG_T_U64: return *(const uint64_t *)(const void *)p == (uint64_t)k->def;
	case XR_CONFIG_T_CBPS:
	case XR_CONFIG_T_CASH:
	case XR_CONFIG_T_QTY: return *(const int64_t *)(const void *)p == k->def;
	case XR_CONFIG_T_ENUM: return *(const uint8_t *)p == (uint8_t)k->def;
	default: return p[0] == '\0';
	}
}

/** Format a table key's value in @p obj as the file writes it. */
void
xr__key_format(const struct xr_config_key *k, const void *obj, char *buf, size_t len)
{
	const char *p = (const char *)obj + k->off;
	int64_t x = 0;

	switch (k->type) {
	case XR_CONFIG_T_U32:
	case XR_CONFIG_T_PPM:
	case XR_CONFIG_T_WEIGHT: x = *(const uint32_t *)(const void *)p; break;
	case XR_CONFIG_T_U64:
		snprintf(buf, len, "%" PRIu64, *(const uint64_t *)(const void *)p);
		return;
	case XR_CONFIG_T_CBPS:
	case XR_CONFIG_T_CASH:
	case XR_CONFIG_T_QTY: x = *(const int64_t *)(const void *)p; break;
	case XR_CONFIG_T_ENUM:
		snprintf(buf, len, "%s", xr_config_word_name(k->words, *(const uint8_t *)p));
		return;
	case XR_CONFIG_T_KIND:
	case XR_CONFIG_T_STR: snprintf(buf, len, "%s", p); return;
	}
	char tmp[24];
	xr_fixed_format(tmp, x, xr__type_dec(k->type));
	snprintf(buf, len, "%s", tmp);
}
/* ------------------------------------------------------------------ */
/* Keys. */

/** Record @p key as seen in this section; a duplicate is an error. */
int
xr__seen_add(struct xr_config_loader *ld, const char *key)
{
	for (uint32_t i = 0; i < ld->n_seen; i++)
		if (strcmp(ld->seen[i].key, key) == 0)
			return xr_config_err(ld, ld->line,
					     "[%s] %s: duplicate key (first at line %" PRIu32 ")",
					     ld->label, key, ld->seen[i].line);
	if (xr__grow((void **)&ld->seen, &ld->cap_seen, ld->n_seen + 1, sizeof(*ld->seen)))
		return xr_config_oom(ld);
	snprintf(ld->seen[ld->n_seen].key, sizeof(ld->seen[0].key), "%s", key);
	ld->seen[ld->n_seen++].line = ld->line;
	return 0;
}

int
xr__unknown_key(struct xr_config_loader *ld, const char *key)
{
	return xr_config_err(ld, ld->line, "[%s] %s: unknown key", ld->label, key);
}

/** @return the id of symbol @p name, adding it if new; -1 on error. */
static int64_t
xr__symbol_add(struct xr_config_loader *ld, const char *key, const char *v, const char *name)
{
	struct xr_config *cfg = ld->cfg;
	int64_t id = xr__index_find(&ld->symbols_ix, cfg->symbols ? cfg->symbols[0] : NULL,
				    sizeof(*cfg->symbols), name);

	if (id >= 0)
		return id;
	if (cfg->n_symbols == XR_MAX_SYMBOLS)
		return xr__kerr(ld, XR__HERE(ld), key, v,
				"adds symbol %s, too many symbols (at most %d)", name,
				XR_MAX_SYMBOLS);
	if (xr__grow((void **)&cfg->symbols, &ld->cap_symbols, cfg->n_symbols + 1,
		     sizeof(*cfg->symbols)))
		return xr_config_oom(ld);
	xr__name_copy(cfg->symbols[cfg->n_symbols], name, strlen(name));
	if (xr__index_add(&ld->symbols_ix, cfg->symbols[0], sizeof(*cfg->symbols), cfg->n_symbols))
		return xr_config_oom(ld);
	return cfg->n_symbols++;
}

/** book.SYMBOL = mid=PX tick=PX levels=N level_qty=QTY */
static int
xr__key_book(struct xr_config_loader *ld, struct xr_venue_cfg *v, const char *key,
	     const char *value)
{
	static const char *const fields[4] = { "mid", "tick", "levels", "level_qty" };
	const char *sym = key + strlen("book.");
	int64_t x[4];
	bool have[4] = { false, false, false, false };
	const char *cur = value, *item;
	size_t len;
	char tok[128], why[200];

	if (!xr_config_valid_name(sym, strlen(sym), "./"))
		return xr_config_err(ld, ld->line, "[%s] %s: symbol \"%s\" " XR__SYMBOL_RULE,
				     ld->label, key, sym);
	while ((item = xr_config_list_next(&cur, &len)) != NULL) {
		const char *eq = memchr(item, '=', len);
		int f;
		if (len >= sizeof(tok))
			return xr__kerr(ld, XR__HERE(ld), key, value,
					"has a field longer than %zu characters", sizeof(tok) - 1);
		snprintf(tok, sizeof(tok), "%.*s", (int)len, item);
		for (f = 0; f < 4; f++)
			if (eq != NULL && (size_t)(eq - item) == strlen(fields[f]) &&
			    memcmp(item, fields[f], strlen(fields[f])) == 0)
				break;
		if (f == 4)
			return xr__kerr(ld, XR__HERE(ld), key, value,
					"has unknown field \"%s\" " XR__BOOK_FORM, tok);
		if (have[f])
			return xr__kerr(ld, XR__HERE(ld), key, value, "sets %s twice", fields[f]);
		const char *num = tok + strlen(fields[f]) + 1;
		int rc = f == 2 ? xr_config_num(num, 0, 1, 1000, 0, &x[f], why, sizeof(why))
				: xr_config_num(num, 8, 1, INT64_MAX, 0, &x[f], why, sizeof(why));
		if (rc != 0)
			return xr__kerr(ld, XR__HERE(ld), key, tok, "%s", why);
		have[f] = true;
	}
	for (int f = 0; f < 4; f++)
		if (!have[f])
			return xr__kerr(ld, XR__HERE(ld), key, value, "lacks %s= " XR__BOOK_FORM,
					fields[f]);
	if ((xr_i128)x[1] * x[2] >= x[0])
		return xr__kerr(ld, XR__HERE(ld), key, value,
				"has levels * tick >= mid (every bid price must be > 0)");
	/* A side's depth and the notional of walking it (the top ask is
	 * mid + levels * tick) must fit the fixed-point int64: the sim sums
	 * both when it fills through the book. */
	xr_i128 depth = (xr_i128)x[2] * x[3];
	xr_i128 top = (xr_i128)x[0] + (xr_i128)x[1] * x[2];
	if (depth > INT64_MAX || top > INT64_MAX || depth * top / XR_QTY_SCALE > INT64_MAX)
		return xr__kerr(ld, XR__HERE(ld), key, value,
				"has levels * level_qty, or the notional of that depth at "
				"mid + levels * tick, beyond the 64-bit fixed-point range "
				"(92233720368.54775807)");
	int64_t id = xr__symbol_add(ld, key, value, sym);
	if (id < 0)
		return -1;
	uint32_t cap = v->n_books; /* books grow one at a time; n_books is the cap */
	struct xr_venue_book_cfg *b = realloc(v->books, (size_t)(cap + 1) * sizeof(*b));
	if (b == NULL)
		return xr_config_oom(ld);
	v->books = b;
	b[v->n_books++] = (struct xr_venue_book_cfg){
		.symbol = (uint16_t)id,
		.mid_px = x[0],
		.tick_px = x[1],
		.levels = (uint32_t)x[2],
		.level_qty = x[3],
	};
	return 0;
}


/** connector = NAME: one of the schemas' names, in list order. */
static int
xr__key_connector(struct xr_config_loader *ld, struct xr_venue_cfg *v, const char *key,
		  const char *value)
{
	struct xr_config_word words[XR_CONFIG_MAX_SCHEMAS + 1];
	char why[200];
	uint8_t w;

	/* n_schemas <= XR_CONFIG_MAX_SCHEMAS (xr_config_load() checks); the
	 * bound is said again so the compiler sees the array holds it. */
	uint32_t n = ld->n_schemas < XR_CONFIG_MAX_SCHEMAS ? ld->n_schemas : XR_CONFIG_MAX_SCHEMAS;
	for (uint32_t i = 0; i <= n; i++)
		words[i] = (struct xr_config_word){ i < n ? ld->schemas[i]->name : NULL, (uint8_t)i };
	if (xr_config_word(words, value, &w, why, sizeof(why)) != 0)
		return xr__kerr(ld, XR__HERE(ld), key, value, "%s", why);
	snprintf(v->connector, sizeof(v->connector), "%s", ld->schemas[w]->name);
	return 0;
}

/*
 * [venue NAME] keys: book.SYMBOL and the common table, then every
 * connector kind's keys in list order (each kind's struct takes its own
 * keys, whatever the venue's connector; config_check.c refuses a key of
 * another kind at end of file).
 */
int
xr__key_venue(struct xr_config_loader *ld, const char *key, const char *value)
{
	struct xr_venue_cfg *v = &ld->cfg->venues[ld->cur];
	struct xr__vraw *raw = &ld->vraw[ld->cur];
	const struct xr_config_key *k;

	if (strncmp(key, "book.", 5) == 0)
		return xr__key_book(ld, v, key, value);
	k = xr__key_find(xr__venue_keys, key);
	if (k != NULL)
		return k->type == XR_CONFIG_T_KIND ? xr__key_connector(ld, v, key, value)
						   : xr__key_set(ld, k, v, value);
	for (uint32_t i = 0; i < ld->n_schemas; i++) {
		const struct xr_config_schema *s = ld->schemas[i];
		if (s->key != NULL) {
			int rc = s->key(ld, raw->cc[i], key, value);
			if (rc != 1)
				return rc;
		}
		if (s->keys != NULL && (k = xr__key_find(s->keys, key)) != NULL) {
			raw->set[i] |= UINT64_C(1) << (k - s->keys);
			return xr__key_set(ld, k, raw->cc[i], value);
		}
	}
	return xr__unknown_key(ld, key);
}

int
xr__key_engine(struct xr_config_loader *ld, const char *key, const char *value)
{
	const struct xr_config_key *k = xr__key_find(xr__engine_keys, key);

	if (k == NULL)
		return xr__unknown_key(ld, key);
	if (strcmp(key, "mode") == 0)
		ld->mode_line = ld->line;
	return xr__key_set(ld, k, &ld->cfg->engine, value);
}

/**
 * [strategy NAME] keys. The first weight_* key of the section zeroes the
 * default weight vector, so the section's weights replace it.
 */
int
xr__key_strategy(struct xr_config_loader *ld, const char *key, const char *value)
{
	struct xr_strategy_cfg *sc = &ld->cfg->engine.strategies[ld->cur];
	const struct xr_config_key *k = xr__key_find(xr__strategy_keys, key);
	uint32_t saved[XR_F_COUNT];

	if (k == NULL)
		return xr__unknown_key(ld, key);
	if (k->type != XR_CONFIG_T_WEIGHT)
		return xr__key_set(ld, k, sc, value);
	size_t f = (k->off - XR__S(w)) / sizeof(uint32_t);
	memcpy(saved, sc->w, sizeof(saved));
	if (ld->strat_w_set[ld->cur] == 0)
		memset(sc->w, 0, sizeof(sc->w));
	if (xr__key_set(ld, k, sc, value) != 0) {
		memcpy(sc->w, saved, sizeof(saved));
		return -1;
	}
	ld->strat_w_set[ld->cur] |= (uint16_t)(1u << f);
	return 0;
}

/** Check a stage name's form (execute.VENUE resolved at end of file). */
static bool
xr__stage_form(const char *s, size_t len)
{
	for (int i = 0; i < XR__N_FIXED_STAGES; i++)
		if (len == strlen(xr__fixed_stages[i]) && memcmp(s, xr__fixed_stages[i], len) == 0)
			return true;
	if (len == strlen(XR_STAGE_FIX_ENTRY) && memcmp(s, XR_STAGE_FIX_ENTRY, len) == 0)
		return true;
	if (len < 9 || memcmp(s, "execute.", 8) != 0)
		return false;
	return (len == 9 && s[8] == '*') || xr_config_valid_name(s + 8, len - 8, NULL);
}

/** [threads] NAME.stages / NAME.cpu / NAME.wait */
int
xr__key_thread(struct xr_config_loader *ld, const char *key, const char *value)
{
	struct xr_config *cfg = ld->cfg;
	const char *dot = strrchr(key, '.');
	char why[200];

	if (dot == NULL ||
	    (strcmp(dot, ".stages") != 0 && strcmp(dot, ".cpu") != 0 && strcmp(dot, ".wait") != 0))
		return xr_config_err(
			ld, ld->line,
			"[%s] %s: unknown key (expected NAME.stages, NAME.cpu or NAME.wait)",
			ld->label, key);
	size_t nlen = (size_t)(dot - key);
	if (!xr_config_valid_name(key, nlen, NULL))
		return xr_config_err(ld, ld->line, "[%s] %s: thread name \"%.*s\" " XR__NAME_RULE,
				     ld->label, key, (int)nlen, key);

	uint32_t t;
	for (t = 0; t < cfg->n_threads; t++)
		if (strlen(cfg->threads[t].name) == nlen &&
		    memcmp(cfg->threads[t].name, key, nlen) == 0)
			break;
	if (t == cfg->n_threads) {
		if (t == XR_MAX_THREADS)
			return xr_config_err(ld, ld->line, "[%s] %s: too many threads (at most %d)",
					     ld->label, key, XR_MAX_THREADS);
		struct xr_thread_cfg *th = &cfg->threads[t];
		memset(th, 0, sizeof(*th));
		xr__name_copy(th->name, key, nlen);
		th->cpu = -1;
		th->wait = XR_WAIT_BACKOFF;
		ld->traw[t] = (struct xr__traw){ .line = ld->line };
		cfg->n_threads++;
	}
	struct xr_thread_cfg *th = &cfg->threads[t];

	if (strcmp(dot, ".cpu") == 0) {
		int64_t cpu;
		ld->traw[t].cpu_line = ld->line;
		if (strcmp(value, "none") == 0) {
			th->cpu = -1;
			return 0;
		}
		if (xr_config_num(value, 0, 0, 1023, 0, &cpu, why, sizeof(why)) != 0)
			return xr__kerr(ld, XR__HERE(ld), key, value, "%s (or none)", why);
		th->cpu = (int)cpu;
		return 0;
	}
	if (strcmp(dot, ".wait") == 0) {
		ld->traw[t].wait_line = ld->line;
		if (xr_config_word(xr__w_wait, value, &th->wait, why, sizeof(why)) != 0)
			return xr__kerr(ld, XR__HERE(ld), key, value, "%s", why);
		return 0;
	}
	const char *cur = value, *item;
	size_t len;
	while ((item = xr_config_list_next(&cur, &len)) != NULL) {
		char tok[XR_NAME_MAX + 10];
		snprintf(tok, sizeof(tok), "%.*s%s", (int)(len < 36 ? len : 36), item,
			 len < 36 ? "" : "...");
		if (!xr__stage_form(item, len))
			return xr__kerr(ld, XR__HERE(ld), key, tok,
					"is not a stage " XR__STAGE_FORM);
		if (th->n_stages == XR_MAX_STAGES_PER_THREAD)
			return xr__kerr(ld, XR__HERE(ld), key, value, "lists more than %d stages",
					XR_MAX_STAGES_PER_THREAD);
		memcpy(th->stages[th->n_stages], item, len);
		th->stages[th->n_stages++][len] = '\0';
	}
	if (th->n_stages == 0)
		return xr__kerr(ld, XR__HERE(ld), key, value, "names no stage " XR__STAGE_FORM);
	ld->traw[t].stages_line = ld->line;
	return 0;
}

/**
 * primary_venue, failover_venues, auto_failover (venue plans: users and
 * symbols). @return 0 taken, 1 not a plan key, -1 error.
 */
static int
xr__key_plan(struct xr_config_loader *ld, struct xr__praw *p, const char *key, const char *value)
{
	char why[200];
	uint8_t w;

	if (strcmp(key, "auto_failover") == 0) {
		if (xr_config_word(xr_config_bool_words, value, &w, why, sizeof(why)) != 0)
			return xr__kerr(ld, XR__HERE(ld), key, value, "%s", why);
		p->auto_failover = w != 0;
		p->auto_line = ld->line;
		return 0;
	}
	bool primary = strcmp(key, "primary_venue") == 0;
	if (!primary && strcmp(key, "failover_venues") != 0)
		return 1;
	char *copy = strdup(value);
	if (copy == NULL)
		return xr_config_oom(ld);
	*(primary ? &p->primary : &p->failovers) = copy;
	*(primary ? &p->primary_line : &p->failovers_line) = ld->line;
	return 0;
}

/** Keys of [symbol NAME]. */
int
xr__key_symbol(struct xr_config_loader *ld, const char *key, const char *value)
{
	int rc = xr__key_plan(ld, &ld->sraw[ld->cur].plan, key, value);

	return rc == 1 ? xr__unknown_key(ld, key) : rc;
}

/** Keys of [user NAME] and [user_defaults]. */
int
xr__key_user(struct xr_config_loader *ld, struct xr__uraw *r, const char *key, const char *value)
{
	char why[200];
	int64_t x;
	uint8_t w;
	int rc = xr__key_plan(ld, &r->plan, key, value);

	if (rc != 1)
		return rc;

	if (strcmp(key, "enabled") == 0) {
		if (xr_config_word(xr_config_bool_words, value, &w, why, sizeof(why)) != 0)
			return xr__kerr(ld, XR__HERE(ld), key, value, "%s", why);
		r->enabled = w != 0;
		r->set |= XR__U_ENABLED;
		return 0;
	}
	if (strcmp(key, "strategy") == 0) {
		if (xr_config_word(xr__w_user_strategy, value, &r->strategy, why, sizeof(why)) != 0)
			return xr__kerr(ld, XR__HERE(ld), key, value, "%s", why);
		r->set |= XR__U_STRATEGY;
		return 0;
	}
	if (strcmp(key, "venues") == 0 || strcmp(key, "symbols") == 0) {
		bool venues = key[0] == 'v';
		char *copy = strdup(value);
		if (copy == NULL)
			return xr_config_oom(ld);
		*(venues ? &r->venues : &r->symbols) = copy;
		*(venues ? &r->venues_line : &r->symbols_line) = ld->line;
		return 0;
	}
	if (strcmp(key, "rate_per_s") == 0 || strcmp(key, "burst") == 0) {
		if (xr_config_num(value, 0, 1, XR__USER_RATE_MAX, 0, &x, why, sizeof(why)) != 0)
			return xr__kerr(ld, XR__HERE(ld), key, value, "%s", why);
		if (key[0] == 'r') {
			r->rate_per_s = (uint32_t)x;
			r->set |= XR__U_RATE;
		} else {
			r->burst = (uint32_t)x;
			r->set |= XR__U_BURST;
		}
		return 0;
	}

	/* Limits: cash or qty, > 0 or none. */
	bool notional = strcmp(key, "max_notional") == 0;
	bool oq = strncmp(key, "max_order_qty", 13) == 0 && (key[13] == '\0' || key[13] == '.');
	bool pos = strncmp(key, "max_position", 12) == 0 && (key[12] == '\0' || key[12] == '.');
	const char *sym = oq ? key + 13 : pos ? key + 12 : "";
	if (!notional && !oq && !pos)
		return xr__unknown_key(ld, key);
	if (xr_config_num(value, 8, 1, INT64_MAX, XR_CONFIG_NONE_OK, &x, why, sizeof(why)) != 0)
		return xr__kerr(ld, XR__HERE(ld), key, value, "%s", why);
	if (notional) {
		r->max_notional = x;
		r->set |= XR__U_NOTIONAL;
	} else if (*sym == '\0') {
		*(oq ? &r->max_order_qty : &r->max_position) = x;
		r->set |= oq ? XR__U_ORDER_QTY : XR__U_POSITION;
	} else {
		sym++;
		if (!xr_config_valid_name(sym, strlen(sym), "./"))
			return xr_config_err(ld, ld->line,
					     "[%s] %s: symbol \"%s\" " XR__SYMBOL_RULE, ld->label,
					     key, sym);
		struct xr__lim *l = realloc(r->lims, (r->n_lims + 1) * sizeof(*l));
		if (l == NULL)
			return xr_config_oom(ld);
		r->lims = l;
		l = &l[r->n_lims++];
		xr__name_copy(l->symbol, sym, strlen(sym));
		l->qty = x;
		l->line = ld->line;
		l->position = pos;
	}
	return 0;
}

