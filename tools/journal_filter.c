/*
 * `xroute journal`'s filters, times and decimals (docs/journal.md
 * "xroute journal"): the options query and export share, the WHERE clause
 * they make for each table, ISO-8601 times with nanoseconds, and exact
 * decimal text of fixed point.
 *
 * A filter on a table that holds the column (children.venue, results.user)
 * compares it; on one that does not, it goes through the row's signal
 * ((run, signal_id) in signals) or, for --venue, the signal's children.
 */
#include "journal_cli_pvt.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xr_types.h"

char *
xr_jq_dec(char *buf, int64_t v)
{
	xr_fixed_format(buf, v, 8);
	return buf;
}

char *
xr_jq_time(char *buf, int64_t ns)
{
	int64_t s = ns / 1000000000, f = ns % 1000000000;
	struct tm tm;

	if (f < 0) {
		f += 1000000000;
		s--;
	}
	time_t t = (time_t)s;
	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, 40, "%lld", (long long)ns);
		return buf;
	}
	size_t n = strftime(buf, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, 40 - n, ".%09dZ", (int)f);
	return buf;
}

int
xr_jq_parse_time(const char *s, int64_t *out)
{
	size_t n = strlen(s);
	bool digits = n > 0;

	for (size_t i = 0; i < n; i++)
		digits &= s[i] >= '0' && s[i] <= '9';
	if (digits) {
		char *end;
		errno = 0;
		long long v = strtoll(s, &end, 10);
		if (errno != 0 || *end != '\0')
			return -EINVAL;
		*out = v;
		return 0;
	}
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL)
		return -EINVAL;
	int64_t frac = 0;
	if (*p == '.') {
		int nd = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, nd++) {
			if (nd == 9)
				return -EINVAL;
			frac = frac * 10 + (*p - '0');
		}
		if (nd == 0)
			return -EINVAL;
		for (; nd < 9; nd++)
			frac *= 10;
	}
	if (strcmp(p, "Z") != 0)
		return -EINVAL;
	/* strptime has checked every field's range; a 64-bit time_t holds
	 * any year it takes, so timegm cannot fail here. */
	time_t t = timegm(&tm);
	if (__builtin_mul_overflow((int64_t)t, INT64_C(1000000000), out) ||
	    __builtin_add_overflow(*out, frac, out))
		return -EINVAL;
	return 0;
}

static int
xr__int_arg(const char *cmd, const char *opt, const char *arg, int64_t min, int64_t *out)
{
	char *end;

	errno = 0;
	long long v = strtoll(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || errno != 0 || v < min) {
		fprintf(stderr, "xroute journal %s: %s \"%s\": not an integer%s\n", cmd, opt, arg,
			min > 0 ? " of at least 1" : min == 0 ? " of at least 0" : "");
		return -1;
	}
	*out = v;
	return 0;
}

int
xr_jq_filter_opt(struct xr_jq_filter *f, int opt, const char *arg, const char *cmd)
{
	switch (opt) {
	case XR_JQ_OPT_SIGNAL:
		f->has_signal = true;
		return xr__int_arg(cmd, "--signal", arg, INT64_MIN, &f->signal) ? -1 : 1;
	case XR_JQ_OPT_SOURCE:
		f->source = arg;
		return 1;
	case XR_JQ_OPT_CLIENT:
		f->has_client = true;
		return xr__int_arg(cmd, "--client-id", arg, INT64_MIN, &f->client_id) ? -1 : 1;
	case XR_JQ_OPT_USER:
		f->user = arg;
		return 1;
	case XR_JQ_OPT_VENUE:
		f->venue = arg;
		return 1;
	case XR_JQ_OPT_SINCE:
	case XR_JQ_OPT_UNTIL: {
		int64_t *dst = opt == XR_JQ_OPT_SINCE ? &f->since_ns : &f->until_ns;
		if (xr_jq_parse_time(arg, dst) != 0) {
			fprintf(stderr, "xroute journal %s: %s \"%s\": not a time (UTC as "
				"2026-12-07T14:00:00Z, or ns since the epoch)\n", cmd,
				opt == XR_JQ_OPT_SINCE ? "--since" : "--until", arg);
			return -1;
		}
		if (opt == XR_JQ_OPT_SINCE)
			f->has_since = true;
		else
			f->has_until = true;
		return 1;
	}
	case XR_JQ_OPT_RUN:
		f->has_run = true;
		return xr__int_arg(cmd, "--run", arg, 1, &f->run) ? -1 : 1;
	case XR_JQ_OPT_LIMIT:
		return xr__int_arg(cmd, "--limit", arg, 1, &f->limit) ? -1 : 1;
	default:
		return 0;
	}
}

void
xr_jq_bad_option(const char *cmd, char **argv, int opt)
{
	(void)opt;
	const char *bad = argv[optind - 1];

	if (optopt != 0 && optopt < 256 && bad[0] == '-' && bad[1] != '-')
		fprintf(stderr, "xroute journal %s: option \"-%c\" is unknown or needs a value\n",
			cmd, optopt);
	else
		fprintf(stderr, "xroute journal %s: option \"%s\" is unknown or needs a value\n",
			cmd, bad);
	fprintf(stderr, "(xroute journal --help lists the options)\n");
}

struct xr_jdb *
xr_jq_open(const char *cmd, const char *path)
{
	struct xr_jdb *j;
	char err[512];

	if (xr_jdb_open(path, XR_JDB_READONLY, &j, err, sizeof(err)) != 0) {
		fprintf(stderr, "xroute journal %s: %s\n", cmd, err);
		return NULL;
	}
	return j;
}

/* ---- WHERE ---- */

struct xr__sql {
	char *p;
	size_t n, len;
	bool full;
};

__attribute__((format(printf, 2, 3))) static void
xr__add(struct xr__sql *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int w = vsnprintf(s->p + s->len, s->n - s->len, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= s->n - s->len) {
		s->full = true;
		return;
	}
	s->len += (size_t)w;
}

static bool
xr__has_col(const struct xr_jdb_table *t, const char *name)
{
	for (unsigned i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return true;
	return false;
}

int
xr_jq_where(const struct xr_jq_filter *f, const struct xr_jdb_table *t, char *sql,
	    size_t n, char *err, size_t err_len)
{
	struct xr__sql s = {.p = sql, .n = n, .len = strlen(sql)};
	bool is_signals = strcmp(t->name, "signals") == 0;
	bool own_user = xr__has_col(t, "user"), own_venue = xr__has_col(t, "venue");
	const char *bad = NULL;

	if (!t->has_signal) {
		bad = f->has_signal ? "--signal" : f->source ? "--source" : f->user ? "--user"
		    : f->venue ? "--venue" : NULL;
		if (bad != NULL) {
			snprintf(err, err_len, "%s does not apply to table %s", bad, t->name);
			return -EINVAL;
		}
	}
	if (f->has_run)
		xr__add(&s, " AND t.run = :run");
	if (f->has_since)
		xr__add(&s, " AND t.%s >= :since", t->time_col);
	if (f->has_until)
		xr__add(&s, " AND t.%s < :until", t->time_col);
	if (own_user && f->user)
		xr__add(&s, " AND t.user = :user");
	if (own_venue && f->venue)
		xr__add(&s, " AND t.venue = :venue");
	if (f->venue && !own_venue)
		xr__add(&s, " AND EXISTS (SELECT 1 FROM children c WHERE c.run = t.run AND "
			"c.signal_id = t.signal_id AND c.venue = :venue)");
	/* What only the signals row holds. */
	const char *sig = is_signals ? "t" : "s";
	bool via = !is_signals && (f->has_signal || f->source || (f->user && !own_user));
	if (via)
		xr__add(&s, " AND EXISTS (SELECT 1 FROM signals s WHERE s.run = t.run AND "
			"s.signal_id = t.signal_id");
	if (f->has_signal)
		xr__add(&s, " AND (%s.signal_id = :sig OR %s.client_id = :sig)", sig, sig);
	if (f->source)
		xr__add(&s, " AND %s.source = :source", sig);
	if (f->has_client)
		xr__add(&s, " AND %s.client_id = :client", sig);
	if (f->user && !own_user)
		xr__add(&s, " AND s.user = :user");
	if (via)
		xr__add(&s, ")");
	if (s.full) {
		snprintf(err, err_len, "query too long");
		return -ENOSPC;
	}
	return 0;
}

static void
xr__bind_text(sqlite3_stmt *st, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i > 0)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void
xr__bind_int(sqlite3_stmt *st, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i > 0)
		sqlite3_bind_int64(st, i, v);
}

void
xr_jq_bind(const struct xr_jq_filter *f, sqlite3_stmt *st)
{
	if (f->has_signal)
		xr__bind_int(st, ":sig", f->signal);
	if (f->source)
		xr__bind_text(st, ":source", f->source);
	if (f->has_client)
		xr__bind_int(st, ":client", f->client_id);
	if (f->user)
		xr__bind_text(st, ":user", f->user);
	if (f->venue)
		xr__bind_text(st, ":venue", f->venue);
	if (f->has_since)
		xr__bind_int(st, ":since", f->since_ns);
	if (f->has_until)
		xr__bind_int(st, ":until", f->until_ns);
	if (f->has_run)
		xr__bind_int(st, ":run", f->run);
}
