/*
 * config_read: xr_config_load() and xr_config_free(), the INI reader and the
 * section headers. docs/config.md lists every key; config_pvt.h has the
 * load state the config_*.c files share.
 *
 * DESIGN
 *   inih tokenizes, through ini_parse_stream() and our own line reader
 *   (xr__read_line). Debian's inih is built without INI_HANDLER_LINENO, so
 *   the reader counts lines: inih calls the handler for a key right after
 *   the reader returned that key's line, so ld->line is the key's line.
 *   The reader also
 *     - strips leading blanks, so an indented line is a key of its own and
 *       never the continuation of the previous value (inih's multi-line
 *       mode is on in the library and cannot be switched off per call);
 *     - handles every section header itself, because inih calls the
 *       handler only for keys and "[user u001]" with no key is a user;
 *     - hands inih a line longer than inih's buffer (ini_max_line, 200) as
 *       "name=\x1f" and keeps the value aside for the handler, so long stage
 *       and venue lists work; the process-wide inih settings are not touched.
 *
 *   Loading has two passes. Per line, in file order: syntax, sections, keys
 *   and values, each value parsed at once (config_keys.c). At end of file,
 *   the whole-file checks and the user and plan resolution (config_check.c).
 *   The first error found stops the load and is the one reported.
 *
 * GUARANTEES
 *   No global state is read or written (inih's settings are left alone),
 *   so configs may be loaded on several threads at once. Printing the
 *   effective config (config_print.c) and loading it again gives the same
 *   config.
 */
#include "config_pvt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

/* ------------------------------------------------------------------ */
/* Errors. */

XR__PRINTF(3, 4)
int
xr_config_err(struct xr_config_loader *ld, uint32_t line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ld->failed)
		return -1;
	ld->failed = true;
	ld->err_line = line;
	if (line != 0)
		n = snprintf(ld->err, sizeof(ld->err), "%s:%" PRIu32 ": ", ld->path, line);
	else
		n = snprintf(ld->err, sizeof(ld->err), "%s: ", ld->path);
	if (n < 0 || (size_t)n >= sizeof(ld->err))
		return -1;
	va_start(ap, fmt);
	vsnprintf(ld->err + n, sizeof(ld->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/**
 * Error about a key's value: FILE:LINE: [LABEL] KEY: "VALUE" WHY.
 * A value longer than 80 bytes is shown cut, ending in "...".
 */
XR__PRINTF(6, 7)
int
xr__kerr(struct xr_config_loader *ld, uint32_t line, const char *label, const char *key,
	 const char *v, const char *fmt, ...)
{
	char why[256];
	va_list ap;
	int vlen = (int)strlen(v);

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return xr_config_err(ld, line, "[%s] %s: \"%.*s%s\" %s", label, key, vlen > 80 ? 77 : vlen,
			     v, vlen > 80 ? "..." : "", why);
}

int
xr_config_value_err(struct xr_config_loader *ld, const char *key, const char *value,
		    const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return xr__kerr(ld, XR__HERE(ld), key, value, "%s", why);
}

uint32_t
xr_config_line(const struct xr_config_loader *ld)
{
	return ld->line;
}

const char *
xr_config_label(const struct xr_config_loader *ld)
{
	return ld->label;
}

int
xr_config_oom(struct xr_config_loader *ld)
{
	return xr_config_err(ld, ld->line, "out of memory");
}

/* ------------------------------------------------------------------ */
/* Small helpers. */

static bool
xr__is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static bool
xr__name_char(char c, const char *extra)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || (extra != NULL && c != '\0' && strchr(extra, c) != NULL);
}

/** @return true if s[0..len) is 1..XR_NAME_MAX name characters. */
bool
xr_config_valid_name(const char *s, size_t len, const char *extra)
{
	if (len == 0 || len > XR_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!xr__name_char(s[i], extra))
			return false;
	return true;
}

/** Copy a checked name (len <= XR_NAME_MAX) into a name buffer. */
void
xr__name_copy(char dst[XR_NAME_MAX + 1], const char *s, size_t len)
{
	memcpy(dst, s, len);
	dst[len] = '\0';
}

/** Grow *p (elements of @p size) to hold @p need; 0 or -ENOMEM. */
int
xr__grow(void **p, uint32_t *cap, uint32_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	uint32_t c = *cap ? *cap : 8;
	while (c < need)
		c *= 2;
	void *q = realloc(*p, (size_t)c * size);
	if (q == NULL)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

/** Next list item of a comma or blank separated list; NULL at the end. */
const char *
xr_config_list_next(const char **cursor, size_t *len)
{
	const char *s = *cursor;
	while (*s != '\0' && (*s == ',' || xr__is_space(*s)))
		s++;
	if (*s == '\0') {
		*cursor = s;
		return NULL;
	}
	const char *e = s;
	while (*e != '\0' && *e != ',' && !xr__is_space(*e))
		e++;
	*len = (size_t)(e - s);
	*cursor = e;
	return s;
}

static uint32_t
xr__hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/** @return index of @p name among names at base + i * stride, or -1. */
int64_t
xr__index_find(const struct xr__index *ix, const char *base, size_t stride, const char *name)
{
	if (ix->cap == 0)
		return -1;
	for (uint32_t h = xr__hash(name) & (ix->cap - 1);; h = (h + 1) & (ix->cap - 1)) {
		uint32_t s = ix->slot[h];
		if (s == 0)
			return -1;
		if (strcmp(base + (size_t)(s - 1) * stride, name) == 0)
			return s - 1;
	}
}

static void
xr__index_put(uint32_t *slot, uint32_t cap, const char *name, uint32_t id)
{
	uint32_t h = xr__hash(name) & (cap - 1);
	while (slot[h] != 0)
		h = (h + 1) & (cap - 1);
	slot[h] = id + 1;
}

/** Add name number @p id (already stored at base + id * stride). */
int
xr__index_add(struct xr__index *ix, const char *base, size_t stride, uint32_t id)
{
	if ((ix->n + 1) * 2 > ix->cap) {
		uint32_t cap = ix->cap ? ix->cap * 2 : 64;
		uint32_t *slot = calloc(cap, sizeof(*slot));
		if (slot == NULL)
			return -ENOMEM;
		for (uint32_t i = 0; i < ix->cap; i++)
			if (ix->slot[i] != 0)
				xr__index_put(slot, cap, base + (size_t)(ix->slot[i] - 1) * stride,
					      ix->slot[i] - 1);
		free(ix->slot);
		ix->slot = slot;
		ix->cap = cap;
	}
	xr__index_put(ix->slot, ix->cap, base + (size_t)id * stride, id);
	ix->n++;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Sections (seen by the reader, since inih reports only keys). */

static void
xr__label(struct xr_config_loader *ld, const char *kind, const char *name)
{
	snprintf(ld->label, sizeof(ld->label), "%s%s%s", kind, name ? " " : "", name ? name : "");
}

/** Once-only sections: 0, or a duplicate-section error. */
static int
xr__section_once(struct xr_config_loader *ld, uint32_t *first, enum xr__sect s)
{
	if (*first != 0)
		return xr_config_err(ld, ld->line,
				     "[%s]: duplicate section (first at line %" PRIu32 ")",
				     ld->label, *first);
	*first = ld->line;
	ld->sect = s;
	return 0;
}

static int
xr__section_venue(struct xr_config_loader *ld, const char *name)
{
	struct xr_config *cfg = ld->cfg;

	for (uint32_t i = 0; i < cfg->n_venues; i++)
		if (strcmp(cfg->venues[i].name, name) == 0)
			return xr_config_err(ld, ld->line,
					     "[%s]: duplicate section (first at line %" PRIu32 ")",
					     ld->label, cfg->venues[i].line);
	if (cfg->n_venues == XR_MAX_VENUES)
		return xr_config_err(ld, ld->line, "[%s]: too many venues (at most %d)", ld->label,
				     XR_MAX_VENUES);
	if (xr__grow((void **)&cfg->venues, &ld->cap_venues, cfg->n_venues + 1,
		     sizeof(*cfg->venues)) != 0 ||
	    xr__grow((void **)&ld->vraw, &ld->cap_vraw, cfg->n_venues + 1, sizeof(*ld->vraw)) != 0)
		return xr_config_oom(ld);
	struct xr_venue_cfg *v = &cfg->venues[cfg->n_venues];
	struct xr__vraw *raw = &ld->vraw[cfg->n_venues];
	memset(v, 0, sizeof(*v));
	memset(raw, 0, sizeof(*raw));
	xr__name_copy(v->name, name, strlen(name));
	xr__keys_default(xr__venue_keys, v);
	snprintf(v->connector, sizeof(v->connector), "%s", ld->schemas[0]->name);
	v->line = ld->line;
	ld->cur = cfg->n_venues++;
	/* One struct per kind at its defaults: connector = may come last. */
	for (uint32_t i = 0; i < ld->n_schemas; i++) {
		const struct xr_config_schema *s = ld->schemas[i];
		raw->cc[i] = calloc(1, s->size ? s->size : 1);
		if (raw->cc[i] == NULL)
			return xr_config_oom(ld);
		if (s->keys != NULL)
			xr__keys_default(s->keys, raw->cc[i]);
		if (s->init != NULL)
			s->init(raw->cc[i]);
	}
	ld->sect = XR__S_VENUE;
	return 0;
}

static int
xr__section_user(struct xr_config_loader *ld, const char *name)
{
	struct xr_config *cfg = ld->cfg;
	int64_t dup = cfg->users == NULL ? -1
					 : xr__index_find(&ld->users_ix, cfg->users[0].name,
							  sizeof(*cfg->users), name);

	if (dup >= 0)
		return xr_config_err(ld, ld->line,
				     "[%s]: duplicate section (first at line %" PRIu32 ")",
				     ld->label, cfg->users[dup].line);
	if (cfg->n_users == UINT32_MAX - 1)
		return xr_config_err(ld, ld->line, "[%s]: too many users", ld->label);
	if (xr__grow((void **)&cfg->users, &ld->cap_users, cfg->n_users + 1, sizeof(*cfg->users)) ||
	    xr__grow((void **)&ld->uraw, &ld->cap_uraw, cfg->n_users + 1, sizeof(*ld->uraw)))
		return xr_config_oom(ld);
	struct xr_user_cfg *u = &cfg->users[cfg->n_users];
	memset(u, 0, sizeof(*u));
	memset(&ld->uraw[cfg->n_users], 0, sizeof(*ld->uraw));
	xr__name_copy(u->name, name, strlen(name));
	u->line = ld->line;
	if (xr__index_add(&ld->users_ix, cfg->users[0].name, sizeof(*cfg->users), cfg->n_users))
		return xr_config_oom(ld);
	ld->cur = cfg->n_users++;
	ld->sect = XR__S_USER;
	return 0;
}

/** [symbol NAME]: once per symbol; the symbol is checked at end of file. */
static int
xr__section_symbol(struct xr_config_loader *ld, const char *name)
{
	for (uint32_t i = 0; i < ld->n_sraw; i++)
		if (strcmp(ld->sraw[i].name, name) == 0)
			return xr_config_err(ld, ld->line,
					     "[%s]: duplicate section (first at line %" PRIu32 ")",
					     ld->label, ld->sraw[i].line);
	if (xr__grow((void **)&ld->sraw, &ld->cap_sraw, ld->n_sraw + 1, sizeof(*ld->sraw)))
		return xr_config_oom(ld);
	struct xr__sraw *r = &ld->sraw[ld->n_sraw];
	memset(r, 0, sizeof(*r));
	xr__name_copy(r->name, name, strlen(name));
	r->line = ld->line;
	ld->cur = ld->n_sraw++;
	ld->sect = XR__S_SYMBOL;
	return 0;
}

/** [strategy NAME]: NAME is a strategy other than default, once. */
static int
xr__section_strategy(struct xr_config_loader *ld, const char *name)
{
	struct xr_strategy_cfg *sc;
	int s = xr_strategy_parse(name, strlen(name));

	if (s <= XR_STRAT_DEFAULT) {
		char names[200];
		xr_config_word_list(xr__w_engine_strategy, names, sizeof(names));
		if (s == XR_STRAT_DEFAULT)
			return xr_config_err(ld, ld->line,
					     "[%s]: \"default\" has no section, it is [engine] "
					     "default_strategy (expected %s)",
					     ld->label, names);
		return xr_config_err(ld, ld->line, "[%s]: unknown strategy \"%s\" (expected %s)",
				     ld->label, name, names);
	}
	sc = &ld->cfg->engine.strategies[s];
	if (sc->line != 0)
		return xr_config_err(ld, ld->line,
				     "[%s]: duplicate section (first at line %" PRIu32 ")",
				     ld->label, sc->line);
	sc->line = ld->line;
	ld->cur = (uint32_t)s;
	ld->sect = XR__S_STRATEGY;
	return 0;
}

/**
 * A section header "[text]" on the current line: open the section.
 * Blanks around the text and between kind and name are ignored.
 */
static int
xr__section(struct xr_config_loader *ld, char *text)
{
	char *s = text, *e = text + strlen(text);

	while (xr__is_space(*s))
		s++;
	while (e > s && xr__is_space(e[-1]))
		*--e = '\0';
	ld->n_seen = 0;
	ld->sect = XR__S_NONE;
	xr__label(ld, s, NULL);
	if (strcmp(s, "engine") == 0)
		return xr__section_once(ld, &ld->engine_line, XR__S_ENGINE);
	if (strcmp(s, "threads") == 0)
		return xr__section_once(ld, &ld->threads_line, XR__S_THREADS);
	if (strcmp(s, "user_defaults") == 0)
		return xr__section_once(ld, &ld->defaults_line, XR__S_USER_DEFAULTS);
	if (strcmp(s, "serve") == 0)
		return xr__section_once(ld, &ld->cfg->serve.line, XR__S_SERVE);
	if (strcmp(s, "journal") == 0)
		return xr__section_once(ld, &ld->cfg->journal.line, XR__S_JOURNAL);

	static const char *const kinds[] = { "venue", "user", "strategy", "symbol", "client",
					     "fix_client" };
	const char *kind = NULL;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && kind == NULL; i++) {
		size_t k = strlen(kinds[i]);
		if (strncmp(s, kinds[i], k) == 0 && (s[k] == '\0' || xr__is_space(s[k])))
			kind = kinds[i];
	}
	if (kind == NULL) {
		snprintf(ld->label, sizeof(ld->label), "%.*s%s", XR_NAME_MAX + 8, s,
			 strlen(s) > XR_NAME_MAX + 8 ? "..." : "");
		return xr_config_err(
			ld, ld->line,
			"[%s]: unknown section (expected engine, threads, user_defaults, "
			"serve, journal, venue NAME, user NAME, strategy NAME, symbol NAME, client NAME "
			"or fix_client NAME)",
			ld->label);
	}
	bool venue = kind == kinds[0], strategy = kind == kinds[2], symbol = kind == kinds[3];
	char *name = s + strlen(kind);
	while (xr__is_space(*name))
		name++;
	if (*name == '\0')
		return xr_config_err(ld, ld->line, "[%s]: missing name ([%s NAME])", kind, kind);
	if (!xr_config_valid_name(name, strlen(name), symbol ? "./" : NULL)) {
		snprintf(ld->label, sizeof(ld->label), "%s %.*s%s", kind, XR_NAME_MAX, name,
			 strlen(name) > XR_NAME_MAX ? "..." : "");
		return xr_config_err(ld, ld->line, "[%s]: %s name \"%s\" %s", ld->label, kind, name,
				     symbol ? XR__SYMBOL_RULE : XR__NAME_RULE);
	}
	xr__label(ld, kind, name);
	if (strategy)
		return xr__section_strategy(ld, name);
	if (symbol)
		return xr__section_symbol(ld, name);
	if (kind == kinds[4] || kind == kinds[5])
		return xr__section_serve(ld, kind, name);
	return venue ? xr__section_venue(ld, name) : xr__section_user(ld, name);
}

/* ------------------------------------------------------------------ */
/* The line reader. */

/**
 * inih's find_chars_or_comment(): the first of @p chars, or the start of
 * an inline comment (';' after a blank), or the end of @p s.
 */
static char *
xr__find(char *s, const char *chars)
{
	bool was_space = false;

	while (*s != '\0' && (chars == NULL || strchr(chars, *s) == NULL) &&
	       !(was_space && *s == ';')) {
		was_space = xr__is_space(*s);
		s++;
	}
	return s;
}

static void
xr__rstrip(char *s)
{
	char *e = s + strlen(s);
	while (e > s && xr__is_space(e[-1]))
		*--e = '\0';
}

/**
 * A NUL byte at @p nul of line @p s (its first @p nul bytes are text): an
 * error naming the key when the line is `KEY = VALUE` with the NUL after
 * the '=' or ':', else the line: `FILE:LINE: [engine] burst: NUL byte in
 * the value (byte 10 of the line)`. @return -1.
 */
static int
xr__nul_error(struct xr_config_loader *ld, char *s, size_t nul)
{
	char *p = s;

	while (xr__is_space(*p))
		p++;
	size_t key = strcspn(p, "=:;#[");
	if (p[key] == '=' || p[key] == ':') {
		p[key] = '\0';
		xr__rstrip(p);
		if (*p != '\0')
			return xr_config_err(ld, ld->line,
					     "[%s] %s: NUL byte in the value (byte %zu of "
					     "the line)",
					     ld->label, p, nul + 1);
	}
	return xr_config_err(ld, ld->line, "NUL byte in the line (byte %zu)", nul + 1);
}

/**
 * ini_reader: one physical line per call into @p str (@p num bytes), so
 * ld->line is the line inih is working on. See DESIGN for what it adds.
 */
static char *
xr__read_line(char *str, int num, void *stream)
{
	struct xr_config_loader *ld = stream;
	ssize_t got;
	size_t n;
	char *s;

	ld->long_value = NULL;
	if (ld->failed || num < 8)
		return NULL;
	got = getline(&ld->buf, &ld->cap, ld->f);
	if (got < 0)
		return NULL;
	ld->line++;
	s = ld->buf;
	n = strlen(s);
	if (n < (size_t)got) {
		/* A NUL byte would cut the line for inih, silently. */
		xr__nul_error(ld, s, n);
		return NULL;
	}
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	if (ld->line == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		n -= 3;
	}
	while (xr__is_space(*s)) {
		s++;
		n--;
	}

	if (*s == '[') {
		char *end = xr__find(s + 1, "]");
		if (*end == ']') {
			*end = '\0';
			if (xr__section(ld, s + 1) != 0)
				return NULL;
			/* A valid header is short: kind + name. */
			snprintf(str, (size_t)num, "[%s]", ld->label);
			return str;
		}
		/* No ']': inih reports the syntax error. */
	}
	if (n + 1 <= (size_t)num) {
		memcpy(str, s, n + 1);
		return str;
	}
	/* Longer than inih's buffer. */
	if (*s == ';' || *s == '#') {
		snprintf(str, (size_t)num, ";");
		return str;
	}
	char *eq = xr__find(s, "=:");
	if (*eq != '=' && *eq != ':') {
		/* No '=' before any comment: a prefix is a syntax error too. */
		memcpy(str, s, (size_t)num - 1);
		str[num - 1] = '\0';
		return str;
	}
	*eq = '\0';
	xr__rstrip(s);
	char *value = eq + 1;
	*xr__find(value, NULL) = '\0';
	while (xr__is_space(*value))
		value++;
	xr__rstrip(value);
	if (strlen(s) + 3 > (size_t)num) {
		xr_config_err(ld, ld->line, "line too long");
		return NULL;
	}
	ld->long_value = value;
	snprintf(str, (size_t)num, "%s=" XR__LONG_MARK, s);
	return str;
}

/** ini_handler: one key of the current section (ld->sect, ld->label). */
static int
xr__handler(void *user, const char *section, const char *name, const char *value)
{
	struct xr_config_loader *ld = user;
	int rc;

	(void)section; /* the reader tracks sections, including empty ones */
	if (ld->failed)
		return 0;
	if (ld->long_value != NULL && strcmp(value, XR__LONG_MARK) == 0)
		value = ld->long_value;
	if (ld->sect == XR__S_NONE) {
		xr_config_err(ld, ld->line, "%s: key before any [section]", name);
		return 0;
	}
	if (xr__seen_add(ld, name) != 0)
		return 0;
	switch (ld->sect) {
	case XR__S_ENGINE: rc = xr__key_engine(ld, name, value); break;
	case XR__S_THREADS: rc = xr__key_thread(ld, name, value); break;
	case XR__S_VENUE: rc = xr__key_venue(ld, name, value); break;
	case XR__S_USER_DEFAULTS: rc = xr__key_user(ld, &ld->defaults, name, value); break;
	case XR__S_USER: rc = xr__key_user(ld, &ld->uraw[ld->cur], name, value); break;
	case XR__S_STRATEGY: rc = xr__key_strategy(ld, name, value); break;
	case XR__S_SYMBOL: rc = xr__key_symbol(ld, name, value); break;
	case XR__S_SERVE: rc = xr__key_serve(ld, name, value); break;
	case XR__S_CLIENT: rc = xr__key_client(ld, name, value); break;
	case XR__S_FIX_CLIENT: rc = xr__key_fix_client(ld, name, value); break;
	case XR__S_JOURNAL: rc = xr__key_journal(ld, name, value); break;
	default: rc = -1; break;
	}
	return rc == 0;
}

/* ------------------------------------------------------------------ */
/* Load and free. */

static void
xr__config_destroy(struct xr_config *cfg, int64_t *shared_oq, int64_t *shared_pos)
{
	for (uint32_t i = 0; i < cfg->n_venues; i++) {
		struct xr_venue_cfg *v = &cfg->venues[i];
		free(v->books);
		if (v->conn != NULL && v->schema != NULL && v->schema->free != NULL)
			v->schema->free(v->conn);
		free(v->conn);
	}
	free(cfg->venues);
	for (uint32_t i = 0; i < cfg->n_users; i++) {
		if (cfg->users[i].own_limits) {
			free(cfg->users[i].max_order_qty);
			free(cfg->users[i].max_position);
		}
	}
	free(shared_oq);
	free(shared_pos);
	free(cfg->users);
	free(cfg->symbols);
	free(cfg->symbol_plans);
	free(cfg->threads);
	xr__serve_destroy(cfg);
	free(cfg);
}

/** The schema list: 1..XR_CONFIG_MAX_SCHEMAS kinds, each named, <= 64 keys. */
static int
xr__schemas_check(struct xr_config_loader *ld)
{
	while (ld->schemas != NULL && ld->schemas[ld->n_schemas] != NULL) {
		const struct xr_config_schema *s = ld->schemas[ld->n_schemas];
		uint32_t n = 0;
		while (s->keys != NULL && s->keys[n].name != NULL)
			n++;
		if (ld->n_schemas == XR_CONFIG_MAX_SCHEMAS || s->name == NULL ||
		    s->name[0] == '\0' || strlen(s->name) > 15 || n > 64)
			return xr_config_err(ld, 0,
					     "bad connector schema list (at most %d kinds, "
					     "each named, at most 64 keys)",
					     XR_CONFIG_MAX_SCHEMAS);
		ld->n_schemas++;
	}
	if (ld->n_schemas == 0)
		return xr_config_err(ld, 0, "no connector kind (the schema list is empty)");
	return 0;
}

/** Free the connector structs still held by the load (not given to a venue). */
static void
xr__vraw_free(struct xr_config_loader *ld)
{
	uint32_t n = ld->cfg != NULL ? ld->cfg->n_venues : 0;

	for (uint32_t v = 0; v < n; v++)
		for (uint32_t i = 0; i < ld->n_schemas; i++) {
			if (ld->vraw[v].cc[i] == NULL)
				continue;
			if (ld->schemas[i]->free != NULL)
				ld->schemas[i]->free(ld->vraw[v].cc[i]);
			free(ld->vraw[v].cc[i]);
		}
	free(ld->vraw);
}

static void
xr__praw_free(struct xr__praw *p)
{
	free(p->primary);
	free(p->failovers);
}

static void
xr__uraw_free(struct xr__uraw *r)
{
	free(r->venues);
	free(r->symbols);
	free(r->lims);
	xr__praw_free(&r->plan);
}

struct xr_config *
xr_config_load(const char *path, const struct xr_config_schema *const *schemas, char *err,
	       size_t err_len)
{
	struct xr_config_loader ld = { .path = path, .schemas = schemas };
	struct xr_config *cfg = calloc(1, sizeof(*cfg));
	int rc;

	ld.cfg = cfg;
	if (cfg == NULL || (cfg->threads = calloc(XR_MAX_THREADS, sizeof(*cfg->threads))) == NULL) {
		xr_config_err(&ld, 0, "out of memory");
		goto out;
	}
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	xr__keys_default(xr__engine_keys, &cfg->engine);
	xr__serve_defaults(&cfg->serve);
	xr__journal_defaults(&cfg->journal);
	for (int s = 0; s < XR_STRAT_COUNT; s++)
		xr_strategy_defaults((enum xr_strategy)s, &cfg->engine.strategies[s]);
	if (xr__schemas_check(&ld) != 0)
		goto out;

	ld.f = fopen(path, "r");
	if (ld.f == NULL) {
		xr_config_err(&ld, 0, "cannot open: %s", strerror(errno));
		goto out;
	}
	rc = ini_parse_stream(xr__read_line, &ld, xr__handler, &ld);
	if (rc > 0 && (!ld.failed || (uint32_t)rc < ld.err_line)) {
		/* inih found a malformed line before any error of ours. */
		ld.failed = false;
		xr_config_err(&ld, (uint32_t)rc, "syntax error");
	} else if (rc == -2) {
		xr_config_err(&ld, 0, "out of memory");
	}
	if (!ld.failed && ferror(ld.f))
		xr_config_err(&ld, ld.line, "read error");
	fclose(ld.f);

	if (!ld.failed && xr__check_venues(&ld) == 0 && xr__check_weights(&ld) == 0 &&
	    xr__check_strategies(&ld) == 0 && xr__check_threads(&ld) == 0 &&
	    xr__check_mode(&ld) == 0 && xr__resolve_symbols(&ld) == 0 &&
	    xr__resolve_users(&ld) == 0)
		xr__resolve_serve(&ld);
out:
	free(ld.buf);
	free(ld.seen);
	free(ld.users_ix.slot);
	free(ld.symbols_ix.slot);
	xr__uraw_free(&ld.defaults);
	if (cfg != NULL)
		for (uint32_t i = 0; i < cfg->n_users; i++)
			xr__uraw_free(&ld.uraw[i]);
	free(ld.uraw);
	for (uint32_t i = 0; i < ld.n_sraw; i++)
		xr__praw_free(&ld.sraw[i].plan);
	free(ld.sraw);
	xr__serve_load_free(&ld);
	xr__vraw_free(&ld);
	if (ld.failed) {
		if (err != NULL && err_len > 0)
			snprintf(err, err_len, "%s", ld.err);
		if (cfg != NULL)
			xr__config_destroy(cfg, ld.def_order_qty, ld.def_position);
		return NULL;
	}
	if (!ld.def_shared) {
		free(ld.def_order_qty);
		free(ld.def_position);
	}
	return cfg;
}

void
xr_config_free(struct xr_config *cfg)
{
	int64_t *oq = NULL, *pos = NULL;

	if (cfg == NULL)
		return;
	/* All sharing users point at the one pair built from [user_defaults]. */
	for (uint32_t i = 0; i < cfg->n_users; i++) {
		if (!cfg->users[i].own_limits) {
			oq = cfg->users[i].max_order_qty;
			pos = cfg->users[i].max_position;
			break;
		}
	}
	xr__config_destroy(cfg, oq, pos);
}

/* ------------------------------------------------------------------ */
/* Lookups. */

int
xr_config_venue_id(const struct xr_config *cfg, const char *name)
{
	for (uint32_t i = 0; i < cfg->n_venues; i++)
		if (strcmp(cfg->venues[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
xr_config_user_id(const struct xr_config *cfg, const char *name)
{
	for (uint32_t i = 0; i < cfg->n_users; i++)
		if (strcmp(cfg->users[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
xr_config_symbol_id(const struct xr_config *cfg, const char *name)
{
	for (uint32_t i = 0; i < cfg->n_symbols; i++)
		if (strcmp(cfg->symbols[i], name) == 0)
			return (int)i;
	return -1;
}

uint64_t
xr_config_venue_seed(const struct xr_venue_cfg *v)
{
	if (v->schema != NULL && v->conn != NULL && v->schema->seed != NULL)
		return v->schema->seed(v->conn);
	return 1;
}
