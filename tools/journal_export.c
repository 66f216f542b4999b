/*
 * `xroute journal export`: every column of one journal table as CSV or
 * JSON Lines (docs/journal.md "xroute journal").
 *
 * Values are exact. Fixed-point columns (xr_jdb_kind XR_JDB_FIXED, 8
 * decimals) become decimal text ("1.5", "-0.00000001"), in JSON as strings
 * because a JSON number is read as a binary double by most parsers; other
 * integers stay integers (ns, ids, bps, ppm, score in 0.01 points); NULL
 * is an empty CSV field or JSON null. CSV: a header line of column names,
 * fields quoted when they hold a comma, a quote, CR or LF, quotes doubled
 * (RFC 4180 section 2), lines ending in LF. Rows in rowid order, which is
 * the writer's order.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "journal_cli_pvt.h"

enum xr__format { XR__CSV = 1, XR__JSONL };

static void
xr__csv_field(FILE *out, const char *s, size_t n)
{
	if (strcspn(s, ",\"\r\n") >= n) {
		fwrite(s, 1, n, out);
		return;
	}
	fputc('"', out);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			fputc('"', out);
		fputc(s[i], out);
	}
	fputc('"', out);
}

/* The text of column @p i of @p st as exported: decimals for fixed point.
 * An integer column holding something else (a hand-edited journal) is
 * exported as its text. @return the text, its length in *n. */
static const char *
xr__value(sqlite3_stmt *st, int i, enum xr_jdb_kind kind, char buf[32], size_t *n)
{
	if (kind != XR_JDB_TEXT && sqlite3_column_type(st, i) == SQLITE_INTEGER) {
		int64_t v = sqlite3_column_int64(st, i);
		if (kind == XR_JDB_FIXED)
			xr_jq_dec(buf, v);
		else
			snprintf(buf, 32, "%" PRId64, v);
		*n = strlen(buf);
		return buf;
	}
	const char *s = (const char *)sqlite3_column_text(st, i);
	*n = (size_t)sqlite3_column_bytes(st, i);
	return s != NULL ? s : "";
}

/* One row as a JSON object, keys in column order. @return 0, or -1 (a
 * text that is not UTF-8, or out of memory: message printed). */
static int
xr__json_row(FILE *out, sqlite3_stmt *st, const struct xr_jdb_table *t, int64_t row)
{
	json_t *o = json_object();
	int rc = o != NULL ? 0 : -1;

	for (unsigned i = 0; rc == 0 && i < t->ncols; i++) {
		const struct xr_jdb_column *c = &t->cols[i];
		json_t *v;
		char buf[32];
		size_t n;
		if (sqlite3_column_type(st, (int)i) == SQLITE_NULL) {
			v = json_null();
		} else if (c->kind == XR_JDB_INT &&
			   sqlite3_column_type(st, (int)i) == SQLITE_INTEGER) {
			v = json_integer(sqlite3_column_int64(st, (int)i));
		} else {
			const char *s = xr__value(st, (int)i, c->kind, buf, &n);
			v = json_stringn(s, n);
			if (v == NULL) {
				fprintf(stderr, "xroute journal export: %s row %" PRId64 " %s: "
					"not UTF-8 text\n", t->name, row, c->name);
				rc = -1;
				break;
			}
		}
		if (v == NULL || json_object_set_new(o, c->name, v) != 0)
			rc = -1;
	}
	if (rc == 0 && (json_dumpf(o, out, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0 ||
			fputc('\n', out) == EOF))
		rc = -1;
	json_decref(o);
	return rc;
}

static int
xr__export(struct xr_jdb *j, const struct xr_jdb_table *t, const struct xr_jq_filter *f,
	   enum xr__format fmt, FILE *out, const char *out_name)
{
	char sql[4096] = "SELECT ", err[256];
	size_t len = strlen(sql);

	for (unsigned i = 0; i < t->ncols; i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%st.\"%s\"", i ? ", " : "",
					t->cols[i].name);
	snprintf(sql + len, sizeof(sql) - len, " FROM \"%s\" t WHERE 1", t->name);
	if (xr_jq_where(f, t, sql, sizeof(sql), err, sizeof(err)) != 0) {
		fprintf(stderr, "xroute journal export: %s\n", err);
		return XR_JQ_USAGE;
	}
	len = strlen(sql);
	snprintf(sql + len, sizeof(sql) - len, " ORDER BY t.rowid%s",
		 f->limit ? " LIMIT :limit" : "");
	sqlite3 *db = xr_jdb_handle(j);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "xroute journal export: journal %s: %s\n", xr_jdb_path(j),
			sqlite3_errmsg(db));
		return XR_JQ_USAGE;
	}
	xr_jq_bind(f, st);
	if (f->limit)
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"), f->limit);
	if (fmt == XR__CSV) {
		for (unsigned i = 0; i < t->ncols; i++)
			fprintf(out, "%s%s", i ? "," : "", t->cols[i].name);
		fputc('\n', out);
	}
	int rc, status = XR_JQ_OK;
	int64_t row = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row++;
		if (fmt == XR__JSONL) {
			if (xr__json_row(out, st, t, row) != 0) {
				status = XR_JQ_NONE;
				break;
			}
			continue;
		}
		for (unsigned i = 0; i < t->ncols; i++) {
			char buf[32];
			size_t n;
			if (i)
				fputc(',', out);
			if (sqlite3_column_type(st, (int)i) == SQLITE_NULL)
				continue;
			const char *s = xr__value(st, (int)i, t->cols[i].kind, buf, &n);
			xr__csv_field(out, s, n);
		}
		fputc('\n', out);
	}
	if (status == XR_JQ_OK && rc != SQLITE_DONE) {
		fprintf(stderr, "xroute journal export: journal %s: %s (after %" PRId64 " rows of "
			"%s)%s\n", xr_jdb_path(j), sqlite3_errmsg(db), row,
			t->name, (rc & 0xff) == SQLITE_CORRUPT ? "; xroute journal salvage "
			"copies what can be read into a new journal" : "");
		status = XR_JQ_USAGE;
	}
	sqlite3_finalize(st);
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(stderr, "xroute journal export: %s: %s\n", out_name, strerror(errno));
		if (status == XR_JQ_OK)
			status = XR_JQ_NONE;
	}
	return status;
}

int
xr_jq_export_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"signal", required_argument, NULL, XR_JQ_OPT_SIGNAL},
		{"source", required_argument, NULL, XR_JQ_OPT_SOURCE},
		{"client-id", required_argument, NULL, XR_JQ_OPT_CLIENT},
		{"user", required_argument, NULL, XR_JQ_OPT_USER},
		{"venue", required_argument, NULL, XR_JQ_OPT_VENUE},
		{"since", required_argument, NULL, XR_JQ_OPT_SINCE},
		{"until", required_argument, NULL, XR_JQ_OPT_UNTIL},
		{"run", required_argument, NULL, XR_JQ_OPT_RUN},
		{"limit", required_argument, NULL, XR_JQ_OPT_LIMIT},
		{"format", required_argument, NULL, XR_JQ_OPT_FORMAT},
		{"table", required_argument, NULL, XR_JQ_OPT_TABLE},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, XR_JQ_OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	struct xr_jq_filter f = {0};
	enum xr__format fmt = 0;
	const char *table = "results", *out_name = NULL;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
		int r = xr_jq_filter_opt(&f, opt, optarg, "export");
		if (r < 0)
			return XR_JQ_USAGE;
		if (r > 0)
			continue;
		switch (opt) {
		case XR_JQ_OPT_FORMAT:
			if (strcmp(optarg, "csv") == 0) {
				fmt = XR__CSV;
			} else if (strcmp(optarg, "jsonl") == 0) {
				fmt = XR__JSONL;
			} else {
				fprintf(stderr, "xroute journal export: --format \"%s\": csv or "
					"jsonl\n", optarg);
				return XR_JQ_USAGE;
			}
			break;
		case XR_JQ_OPT_TABLE:
			table = optarg;
			break;
		case 'o':
			out_name = optarg;
			break;
		case XR_JQ_OPT_HELP:
			fputs(xr_jq_usage, stdout);
			return XR_JQ_OK;
		default:
			xr_jq_bad_option("export", argv, opt);
			return XR_JQ_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "xroute journal export: %s\n", optind >= argc ?
			"no JOURNAL given" : "one JOURNAL only");
		return XR_JQ_USAGE;
	}
	if (fmt == 0) {
		fprintf(stderr, "xroute journal export: --format csv|jsonl is required\n");
		return XR_JQ_USAGE;
	}
	if (f.has_client && f.source == NULL) {
		fprintf(stderr, "xroute journal export: --client-id needs --source (client "
			"ids are per source)\n");
		return XR_JQ_USAGE;
	}
	const struct xr_jdb_table *t = xr_jdb_table_find(table);
	if (t == NULL) {
		fprintf(stderr, "xroute journal export: --table \"%s\": no such table (signals, "
			"decisions, children, reports, results, events, clordid_blocks, runs)\n",
			table);
		return XR_JQ_USAGE;
	}
	struct xr_jdb *j = xr_jq_open("export", argv[optind]);
	if (j == NULL)
		return XR_JQ_USAGE;
	FILE *out = stdout;
	if (out_name != NULL && strcmp(out_name, "-") != 0) {
		out = fopen(out_name, "w");
		if (out == NULL) {
			fprintf(stderr, "xroute journal export: %s: %s\n", out_name,
				strerror(errno));
			xr_jdb_close(j);
			return XR_JQ_NONE;
		}
	}
	int status = xr__export(j, t, &f, fmt, out, out_name ? out_name : "stdout");
	if (out != stdout && fclose(out) != 0 && status == XR_JQ_OK) {
		fprintf(stderr, "xroute journal export: %s: %s\n", out_name, strerror(errno));
		status = XR_JQ_NONE;
	}
	xr_jdb_close(j);
	return status;
}
