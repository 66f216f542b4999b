/*
 * config_serve: the sections `xroute serve` reads: [serve] (its endpoints
 * and the limits it holds every source to), [client NAME] (a shared-memory
 * client) and [fix_client NAME] (a FIX order-entry session), with their
 * end-of-file resolution, printing, freeing and lookups. docs/config.md
 * has the keys; docs/serve.md how `xroute serve` uses them.
 *
 * DESIGN
 *   Plain keys go through key tables and xr__key_set() (config_keys.c), so
 *   they parse and fail like every other key. What a table cannot say is
 *   here: fix_listen's address form, the CompIDs' name rule, begin_string,
 *   and the users lists, which name [user NAME] sections that may come
 *   later in the file: the lists are kept as written (struct xr__craw) and
 *   resolved at end of file, after the users (xr__resolve_serve()), into
 *   ascending, distinct user indices (struct xr_user_set). Then the keys a
 *   section must have, each fix_client's default user, and the CompID pairs
 *   (a session is known by its pair, so two sections may not share one).
 *
 * GUARANTEES
 *   The sections print as INI that loads back to the same values
 *   (xr__print_serve()); keys whose value is "" (fix_listen, seq_store off)
 *   are not printed, as the loader's other text keys.
 */
#include "config_pvt.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define XR__SV(f) offsetof(struct xr_serve_cfg, f)
#define XR__CL(f) offsetof(struct xr_client_cfg, f)
#define XR__FC(f) offsetof(struct xr_fix_client_cfg, f)

#define XR__SOCKET_DEF "xroute.sock"
#define XR__TARGET_DEF "XROUTE"
#define XR__BEGIN_DEF "FIX.4.4"
/* What fix_listen looks like, named in its errors. */
#define XR__LISTEN_FORM "(form: [HOST:]PORT, HOST an IPv4 address or localhost, PORT 0..65535)"

/* [serve] keys but fix_listen, in print order. */
static const struct xr_config_key xr__serve_keys[] = {
	{ "socket", XR_CONFIG_T_STR, 0, XR__SV(socket), 0, 0,
	  sizeof(((struct xr_serve_cfg *)0)->socket) - 1, NULL },
	{ "max_clients", XR_CONFIG_T_U32, 0, XR__SV(max_clients), 16, 1, 1024, NULL },
	{ "client_ring", XR_CONFIG_T_U32, XR_CONFIG_POW2, XR__SV(client_ring), 4096, 64, 1048576,
	  NULL },
	{ "result_ring", XR_CONFIG_T_U32, XR_CONFIG_POW2, XR__SV(result_ring), 8192, 64, 1048576,
	  NULL },
	{ "result_buffer", XR_CONFIG_T_U32, 0, XR__SV(result_buffer), 65536, 0, 16777216, NULL },
	{ "idempotency_window", XR_CONFIG_T_U32, 0, XR__SV(idempotency_window), 1048576, 1024,
	  67108864, NULL },
	{ "source_burst", XR_CONFIG_T_U32, 0, XR__SV(source_burst), 32, 1, 256, NULL },
	{ "hello_timeout_ms", XR_CONFIG_T_U32, 0, XR__SV(hello_timeout_ms), 1000, 1, 60000, NULL },
	{ "ready_timeout_ms", XR_CONFIG_T_U32, 0, XR__SV(ready_timeout_ms), 10000, 0, 600000, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

/* [client NAME] keys but users. */
static const struct xr_config_key xr__client_keys[] = {
	{ "uid", XR_CONFIG_T_U32, 0, XR__CL(uid), 0, 0, 4294967294, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

/* [fix_client NAME] table keys, in print order (after the others). */
static const struct xr_config_key xr__fix_client_keys[] = {
	{ "seq_store", XR_CONFIG_T_STR, 0, XR__FC(seq_store), 0, 0,
	  sizeof(((struct xr_fix_client_cfg *)0)->seq_store) - 1, NULL },
	{ "heartbeat_s", XR_CONFIG_T_U32, 0, XR__FC(heartbeat_s), 30, 1, 3600, NULL },
	{ "max_frame_bytes", XR_CONFIG_T_U32, 0, XR__FC(max_frame_bytes), 16384, 1024, 1048576,
	  NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

/* The BeginString values a FIX order-entry session may use. */
static const struct xr_config_word xr__w_begin_string[] = {
	{ "FIX.4.2", 0 },
	{ "FIX.4.4", 1 },
	{ NULL, 0 },
};

_Static_assert(sizeof(((struct xr_serve_cfg *)0)->socket) - 1 <= XR_CONFIG_STR_MAX &&
		       sizeof(((struct xr_fix_client_cfg *)0)->seq_store) - 1 <= XR_CONFIG_STR_MAX,
	       "a text key's value must fit xr_config_print()'s buffer");

void
xr__serve_defaults(struct xr_serve_cfg *s)
{
	memset(s, 0, sizeof(*s));
	xr__keys_default(xr__serve_keys, s);
	snprintf(s->socket, sizeof(s->socket), "%s", XR__SOCKET_DEF);
}

/* ------------------------------------------------------------------ */
/* Sections. */

static int
xr__section_client(struct xr_config_loader *ld, const char *name)
{
	struct xr_config *cfg = ld->cfg;
	int64_t dup = cfg->clients == NULL ? -1
					   : xr__index_find(&ld->clients_ix, cfg->clients[0].name,
							    sizeof(*cfg->clients), name);

	if (dup >= 0)
		return xr_config_err(ld, ld->line,
				     "[%s]: duplicate section (first at line %" PRIu32 ")",
				     ld->label, cfg->clients[dup].line);
	if (xr__grow((void **)&cfg->clients, &ld->cap_clients, cfg->n_clients + 1,
		     sizeof(*cfg->clients)) ||
	    xr__grow((void **)&ld->craw, &ld->cap_craw, cfg->n_clients + 1, sizeof(*ld->craw)))
		return xr_config_oom(ld);
	struct xr_client_cfg *c = &cfg->clients[cfg->n_clients];
	memset(c, 0, sizeof(*c));
	memset(&ld->craw[cfg->n_clients], 0, sizeof(*ld->craw));
	xr__name_copy(c->name, name, strlen(name));
	xr__keys_default(xr__client_keys, c);
	c->line = ld->line;
	if (xr__index_add(&ld->clients_ix, cfg->clients[0].name, sizeof(*cfg->clients),
			  cfg->n_clients))
		return xr_config_oom(ld);
	ld->cur = cfg->n_clients++;
	ld->sect = XR__S_CLIENT;
	return 0;
}

static int
xr__section_fix_client(struct xr_config_loader *ld, const char *name)
{
	struct xr_config *cfg = ld->cfg;
	int64_t dup = cfg->fix_clients == NULL
			      ? -1
			      : xr__index_find(&ld->fix_clients_ix, cfg->fix_clients[0].name,
					       sizeof(*cfg->fix_clients), name);

	if (dup >= 0)
		return xr_config_err(ld, ld->line,
				     "[%s]: duplicate section (first at line %" PRIu32 ")",
				     ld->label, cfg->fix_clients[dup].line);
	if (xr__grow((void **)&cfg->fix_clients, &ld->cap_fix_clients, cfg->n_fix_clients + 1,
		     sizeof(*cfg->fix_clients)) ||
	    xr__grow((void **)&ld->fraw, &ld->cap_fraw, cfg->n_fix_clients + 1, sizeof(*ld->fraw)))
		return xr_config_oom(ld);
	struct xr_fix_client_cfg *f = &cfg->fix_clients[cfg->n_fix_clients];
	memset(f, 0, sizeof(*f));
	memset(&ld->fraw[cfg->n_fix_clients], 0, sizeof(*ld->fraw));
	xr__name_copy(f->name, name, strlen(name));
	xr__keys_default(xr__fix_client_keys, f);
	snprintf(f->begin_string, sizeof(f->begin_string), "%s", XR__BEGIN_DEF);
	snprintf(f->target_comp_id, sizeof(f->target_comp_id), "%s", XR__TARGET_DEF);
	f->line = ld->line;
	if (xr__index_add(&ld->fix_clients_ix, cfg->fix_clients[0].name,
			  sizeof(*cfg->fix_clients), cfg->n_fix_clients))
		return xr_config_oom(ld);
	ld->cur = cfg->n_fix_clients++;
	ld->sect = XR__S_FIX_CLIENT;
	return 0;
}

/** [client NAME] or [fix_client NAME] (@p kind), NAME checked: open it. */
int
xr__section_serve(struct xr_config_loader *ld, const char *kind, const char *name)
{
	return strcmp(kind, "client") == 0 ? xr__section_client(ld, name)
					   : xr__section_fix_client(ld, name);
}

/* ------------------------------------------------------------------ */
/* Keys. */

/** @return true if s[0..len) is a dotted quad a.b.c.d, each 0..255, no leading zeros. */
static bool
xr__ipv4(const char *s, size_t len)
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t start = i;
		unsigned x = 0;
		if (part > 0) {
			if (i >= len || s[i] != '.')
				return false;
			start = ++i;
		}
		while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3)
			x = x * 10 + (unsigned)(s[i++] - '0');
		if (i == start || x > 255 || (s[start] == '0' && i - start > 1))
			return false;
	}
	return i == len;
}

/**
 * fix_listen = [HOST:]PORT, or "" (no FIX order entry). HOST is a dotted
 * quad or localhost, 127.0.0.1 when omitted; PORT 0..65535 (0: ephemeral).
 * Stored as "HOST:PORT", the port without leading zeros.
 */
static int
xr__key_listen(struct xr_config_loader *ld, const char *key, const char *v, char *out,
	       size_t out_len)
{
	const char *colon = strrchr(v, ':');
	const char *port = colon != NULL ? colon + 1 : v;
	size_t hlen = colon != NULL ? (size_t)(colon - v) : 0;
	size_t plen = strlen(port);
	unsigned long p = 0;

	if (*v == '\0') {
		out[0] = '\0';
		return 0;
	}
	if (plen == 0 || strspn(port, "0123456789") != plen)
		return xr__kerr(ld, XR__HERE(ld), key, v, "has no port number " XR__LISTEN_FORM);
	for (size_t i = 0; i < plen && p <= 65535; i++)
		p = p * 10 + (unsigned long)(port[i] - '0');
	if (p > 65535)
		return xr__kerr(ld, XR__HERE(ld), key, v, "has a port out of range (0..65535)");
	if (hlen == 0)
		snprintf(out, out_len, "127.0.0.1:%lu", p);
	else if ((hlen == 9 && memcmp(v, "localhost", 9) == 0) || xr__ipv4(v, hlen))
		snprintf(out, out_len, "%.*s:%lu", (int)hlen, v, p);
	else
		return xr__kerr(ld, XR__HERE(ld), key, v,
				"has a host that is not an IPv4 address or localhost "
				XR__LISTEN_FORM);
	return 0;
}

int
xr__key_serve(struct xr_config_loader *ld, const char *key, const char *value)
{
	struct xr_serve_cfg *s = &ld->cfg->serve;
	const struct xr_config_key *k;

	if (strcmp(key, "fix_listen") == 0)
		return xr__key_listen(ld, key, value, s->fix_listen, sizeof(s->fix_listen));
	k = xr__key_find(xr__serve_keys, key);
	if (k == NULL)
		return xr__unknown_key(ld, key);
	return xr__key_set(ld, k, s, value);
}

/** users = NAME, ... or *: kept as written, resolved at end of file. */
static int
xr__key_users(struct xr_config_loader *ld, char **dst, uint32_t *line, const char *value)
{
	char *copy = strdup(value);

	if (copy == NULL)
		return xr_config_oom(ld);
	*dst = copy;
	*line = ld->line;
	return 0;
}

int
xr__key_client(struct xr_config_loader *ld, const char *key, const char *value)
{
	struct xr__craw *r = &ld->craw[ld->cur];
	const struct xr_config_key *k;

	if (strcmp(key, "users") == 0)
		return xr__key_users(ld, &r->users, &r->users_line, value);
	k = xr__key_find(xr__client_keys, key);
	if (k == NULL)
		return xr__unknown_key(ld, key);
	r->req_line = ld->line; /* uid */
	return xr__key_set(ld, k, &ld->cfg->clients[ld->cur], value);
}

/** A CompID: the name rule plus '.'. */
static int
xr__key_comp_id(struct xr_config_loader *ld, const char *key, const char *value,
		char dst[XR_NAME_MAX + 1])
{
	if (!xr_config_valid_name(value, strlen(value), "."))
		return xr__kerr(ld, XR__HERE(ld), key, value, XR__COMP_ID_RULE);
	xr__name_copy(dst, value, strlen(value));
	return 0;
}

int
xr__key_fix_client(struct xr_config_loader *ld, const char *key, const char *value)
{
	struct xr_fix_client_cfg *f = &ld->cfg->fix_clients[ld->cur];
	struct xr__craw *r = &ld->fraw[ld->cur];
	const struct xr_config_key *k;
	char why[200];
	uint8_t w;

	if (strcmp(key, "users") == 0)
		return xr__key_users(ld, &r->users, &r->users_line, value);
	if (strcmp(key, "user") == 0)
		return xr__key_users(ld, &r->user, &r->user_line, value);
	if (strcmp(key, "sender_comp_id") == 0) {
		r->req_line = ld->line;
		return xr__key_comp_id(ld, key, value, f->sender_comp_id);
	}
	if (strcmp(key, "target_comp_id") == 0)
		return xr__key_comp_id(ld, key, value, f->target_comp_id);
	if (strcmp(key, "begin_string") == 0) {
		if (xr_config_word(xr__w_begin_string, value, &w, why, sizeof(why)) != 0)
			return xr__kerr(ld, XR__HERE(ld), key, value, "%s", why);
		snprintf(f->begin_string, sizeof(f->begin_string), "%s",
			 xr_config_word_name(xr__w_begin_string, w));
		return 0;
	}
	k = xr__key_find(xr__fix_client_keys, key);
	if (k == NULL)
		return xr__unknown_key(ld, key);
	return xr__key_set(ld, k, f, value);
}

/* ------------------------------------------------------------------ */
/* End of file. */

static int
xr__cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/** @return the index of user @p item (@p len bytes), or -1. */
static int64_t
xr__user_find(struct xr_config_loader *ld, const char *item, size_t len, char name[XR_NAME_MAX + 4])
{
	const struct xr_config *cfg = ld->cfg;

	snprintf(name, XR_NAME_MAX + 4, "%.*s%s", (int)(len <= XR_NAME_MAX ? len : XR_NAME_MAX),
		 item, len <= XR_NAME_MAX ? "" : "...");
	if (len > XR_NAME_MAX)
		return -1;
	return xr__index_find(&ld->users_ix, cfg->users[0].name, sizeof(*cfg->users), name);
}

/**
 * Resolve a users list (`*`, or names of [user NAME] sections) into
 * @p set: ids ascending and distinct (a name given twice counts once).
 */
static int
xr__user_list(struct xr_config_loader *ld, const char *label, uint32_t line, const char *list,
	      struct xr_user_set *set)
{
	const char *cur = list, *item;
	size_t len;
	uint32_t n = 0;
	bool star = false;

	while ((item = xr_config_list_next(&cur, &len)) != NULL) {
		if (len == 1 && *item == '*')
			star = true;
		else
			n++;
	}
	if (!star && n == 0)
		return xr__kerr(ld, line, label, "users", list, "names no user (use * for all)");
	if (star && n > 0)
		return xr__kerr(ld, line, label, "users", list, "mixes * with names");
	if (star) {
		set->all = true;
		return 0;
	}
	set->ids = malloc((size_t)n * sizeof(*set->ids));
	if (set->ids == NULL)
		return xr_config_err(ld, line, "out of memory");
	for (cur = list; (item = xr_config_list_next(&cur, &len)) != NULL;) {
		char name[XR_NAME_MAX + 4];
		int64_t u = xr__user_find(ld, item, len, name);
		if (u < 0)
			return xr__kerr(ld, line, label, "users", name, "is not a user");
		set->ids[set->n++] = (uint32_t)u;
	}
	qsort(set->ids, set->n, sizeof(*set->ids), xr__cmp_u32);
	uint32_t m = 0;
	for (uint32_t i = 0; i < set->n; i++)
		if (m == 0 || set->ids[m - 1] != set->ids[i])
			set->ids[m++] = set->ids[i];
	set->n = m;
	return 0;
}

static int
xr__resolve_clients(struct xr_config_loader *ld)
{
	struct xr_config *cfg = ld->cfg;
	char label[XR_NAME_MAX + 16];

	for (uint32_t i = 0; i < cfg->n_clients; i++) {
		struct xr_client_cfg *c = &cfg->clients[i];
		const struct xr__craw *r = &ld->craw[i];
		snprintf(label, sizeof(label), "client %s", c->name);
		if (r->req_line == 0)
			c->uid = (uint32_t)getuid(); /* the user xroute runs as */
		if (r->users == NULL)
			return xr_config_err(ld, c->line,
					     "[%s]: no users key (the users it trades for, or *)",
					     label);
		if (xr__user_list(ld, label, r->users_line, r->users, &c->users))
			return -1;
	}
	return 0;
}

/** A fix_client's default user: `user =`, else the first of its users. */
static int
xr__default_user(struct xr_config_loader *ld, const char *label, struct xr_fix_client_cfg *f,
		 const struct xr__craw *r)
{
	char name[XR_NAME_MAX + 4];

	if (r->user == NULL) {
		f->default_user = f->users.all ? 0 : f->users.ids[0];
		return 0;
	}
	int64_t u = xr__user_find(ld, r->user, strlen(r->user), name);
	if (u < 0)
		return xr__kerr(ld, r->user_line, label, "user", name, "is not a user");
	if (!xr_user_set_has(&f->users, (uint32_t)u))
		return xr__kerr(ld, r->user_line, label, "user", name,
				"is not among the session's users (the users key)");
	f->default_user = (uint32_t)u;
	return 0;
}

/* A fix_client's CompID pair and index, sorted to find pairs used twice. */
struct xr__pair {
	const char *sender, *target;
	uint32_t i;
};

/* By CompID pair, then by index (file order). */
static int
xr__cmp_pair(const void *a, const void *b)
{
	const struct xr__pair *x = a, *y = b;
	int c = strcmp(x->sender, y->sender);

	if (c == 0)
		c = strcmp(x->target, y->target);
	return c != 0 ? c : (x->i > y->i) - (x->i < y->i);
}

/**
 * Two sessions with one (sender_comp_id, target_comp_id) pair: an acceptor
 * tells sessions apart by it. The error is at the section that repeats a
 * pair first in the file and names the first section with it.
 */
static int
xr__check_pairs(struct xr_config_loader *ld)
{
	const struct xr_config *cfg = ld->cfg;
	uint32_t n = cfg->n_fix_clients, later = UINT32_MAX, first = 0;
	struct xr__pair *p;

	if (n < 2)
		return 0;
	p = malloc((size_t)n * sizeof(*p));
	if (p == NULL)
		return xr_config_err(ld, 0, "out of memory");
	for (uint32_t i = 0; i < n; i++)
		p[i] = (struct xr__pair){ cfg->fix_clients[i].sender_comp_id,
					  cfg->fix_clients[i].target_comp_id, i };
	qsort(p, n, sizeof(*p), xr__cmp_pair);
	for (uint32_t g = 0, j; g < n; g = j) {
		for (j = g + 1; j < n && strcmp(p[j].sender, p[g].sender) == 0 &&
				strcmp(p[j].target, p[g].target) == 0;
		     j++)
			;
		/* p[g] is the group's first section, p[g + 1] its first repeat. */
		if (j > g + 1 && p[g + 1].i < later) {
			later = p[g + 1].i;
			first = p[g].i;
		}
	}
	free(p);
	if (later == UINT32_MAX)
		return 0;
	const struct xr_fix_client_cfg *f = &cfg->fix_clients[later];
	return xr_config_err(ld, f->line,
			     "[fix_client %s]: sender_comp_id \"%s\" with target_comp_id "
			     "\"%s\" is also [fix_client %s]'s (line %" PRIu32
			     "): each session needs its own CompID pair",
			     f->name, f->sender_comp_id, f->target_comp_id,
			     cfg->fix_clients[first].name, cfg->fix_clients[first].line);
}

int
xr__resolve_serve(struct xr_config_loader *ld)
{
	struct xr_config *cfg = ld->cfg;
	char label[XR_NAME_MAX + 16];

	if (xr__resolve_clients(ld) != 0)
		return -1;
	for (uint32_t i = 0; i < cfg->n_fix_clients; i++) {
		struct xr_fix_client_cfg *f = &cfg->fix_clients[i];
		const struct xr__craw *r = &ld->fraw[i];
		snprintf(label, sizeof(label), "fix_client %s", f->name);
		if (r->req_line == 0)
			return xr_config_err(ld, f->line,
					     "[%s]: no sender_comp_id key (the client's "
					     "SenderCompID)",
					     label);
		if (r->users == NULL)
			return xr_config_err(ld, f->line,
					     "[%s]: no users key (the users it trades for, or *)",
					     label);
		if (xr__user_list(ld, label, r->users_line, r->users, &f->users) ||
		    xr__default_user(ld, label, f, r))
			return -1;
	}
	return xr__check_pairs(ld);
}

void
xr__serve_load_free(struct xr_config_loader *ld)
{
	uint32_t nc = ld->cfg != NULL ? ld->cfg->n_clients : 0;
	uint32_t nf = ld->cfg != NULL ? ld->cfg->n_fix_clients : 0;

	for (uint32_t i = 0; i < nc; i++) {
		free(ld->craw[i].users);
		free(ld->craw[i].user);
	}
	for (uint32_t i = 0; i < nf; i++) {
		free(ld->fraw[i].users);
		free(ld->fraw[i].user);
	}
	free(ld->craw);
	free(ld->fraw);
	free(ld->clients_ix.slot);
	free(ld->fix_clients_ix.slot);
}

void
xr__serve_destroy(struct xr_config *cfg)
{
	for (uint32_t i = 0; i < cfg->n_clients; i++)
		free(cfg->clients[i].users.ids);
	for (uint32_t i = 0; i < cfg->n_fix_clients; i++)
		free(cfg->fix_clients[i].users.ids);
	free(cfg->clients);
	free(cfg->fix_clients);
}

/* ------------------------------------------------------------------ */
/* Print. */

void
xr__print_table(FILE *out, const struct xr_config_key *keys, const void *obj)
{
	char b[XR_CONFIG_STR_MAX + 1]; /* any value whole */

	for (const struct xr_config_key *k = keys; k->name != NULL; k++) {
		xr__key_format(k, obj, b, sizeof(b));
		if (b[0] != '\0')
			fprintf(out, "%s = %s\n", k->name, b);
	}
}

/* users = *, or the names in index order. cfg->users is read by index
 * only, so a copy of the config with n_users = 0 prints the same. */
static void
xr__print_users(FILE *out, const struct xr_config *cfg, const struct xr_user_set *set)
{
	fprintf(out, "users = ");
	if (set->all)
		fprintf(out, "*");
	for (uint32_t i = 0; !set->all && i < set->n; i++)
		fprintf(out, "%s%s", i ? ", " : "", cfg->users[set->ids[i]].name);
	fprintf(out, "\n");
}

/** [serve], every [client NAME] and every [fix_client NAME], in file order. */
void
xr__print_serve(const struct xr_config *cfg, FILE *out)
{
	const struct xr_serve_cfg *s = &cfg->serve;

	fprintf(out, "\n[serve]\n");
	xr__print_table(out, xr__serve_keys, s);
	if (s->fix_listen[0] != '\0')
		fprintf(out, "fix_listen = %s\n", s->fix_listen);
	for (uint32_t i = 0; i < cfg->n_clients; i++) {
		const struct xr_client_cfg *c = &cfg->clients[i];
		fprintf(out, "\n[client %s]\nuid = %" PRIu32 "\n", c->name, c->uid);
		xr__print_users(out, cfg, &c->users);
	}
	for (uint32_t i = 0; i < cfg->n_fix_clients; i++) {
		const struct xr_fix_client_cfg *f = &cfg->fix_clients[i];
		fprintf(out,
			"\n[fix_client %s]\nbegin_string = %s\nsender_comp_id = %s\n"
			"target_comp_id = %s\n",
			f->name, f->begin_string, f->sender_comp_id, f->target_comp_id);
		xr__print_users(out, cfg, &f->users);
		fprintf(out, "user = %s\n", cfg->users[f->default_user].name);
		xr__print_table(out, xr__fix_client_keys, f);
	}
}

/* ------------------------------------------------------------------ */
/* Lookups. */

int
xr_config_client_id(const struct xr_config *cfg, const char *name)
{
	for (uint32_t i = 0; i < cfg->n_clients; i++)
		if (strcmp(cfg->clients[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
xr_config_fix_client_id(const struct xr_config *cfg, const char *name)
{
	for (uint32_t i = 0; i < cfg->n_fix_clients; i++)
		if (strcmp(cfg->fix_clients[i].name, name) == 0)
			return (int)i;
	return -1;
}

bool
xr_user_set_has(const struct xr_user_set *set, uint32_t u)
{
	uint32_t lo = 0, hi = set->n;

	if (set->all)
		return true;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (set->ids[mid] == u)
			return true;
		if (set->ids[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}
