/*
 * What the parts of `xroute journal` share (tools/journal_cli.c: options,
 * filters, query, salvage, check; tools/journal_export.c: export): the
 * parsed filters, the WHERE clause they make for a table, and the time
 * and decimal formats.
 */
#ifndef XR_JOURNAL_CLI_PVT_H
#define XR_JOURNAL_CLI_PVT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "xr_journal_db.h"

/** The filters of query and export (docs/journal.md "xroute journal"). */
struct xr_jq_filter {
	bool has_signal;	/* --signal: signal_id or client_id */
	int64_t signal;
	const char *source;	/* --source */
	bool has_client;	/* --client-id (with --source) */
	int64_t client_id;
	const char *user;	/* --user */
	const char *venue;	/* --venue: a child went there */
	bool has_since, has_until; /* --since, --until: ns since the epoch */
	int64_t since_ns, until_ns; /* since <= t < until */
	bool has_run;		/* --run */
	int64_t run;
	int64_t limit;		/* --limit; 0: none */
};

/** Exit statuses of every subcommand. */
enum { XR_JQ_OK = 0, XR_JQ_NONE = 1, XR_JQ_USAGE = 2 };

/**
 * Append to @p sql (@p n bytes, NUL-terminated) the WHERE conditions of
 * @p f for table @p t read as alias "t", each starting " AND ", with
 * named parameters (:sig :source :client :user :venue :since :until :run)
 * for xr_jq_bind(). A filter the table cannot take is a usage error.
 * @return 0, or -EINVAL with the message in @p err ("--user does not
 *         apply to table runs"), or -ENOSPC (@p sql too small).
 * Thread: any.
 */
int xr_jq_where(const struct xr_jq_filter *f, const struct xr_jdb_table *t, char *sql,
		size_t n, char *err, size_t err_len);

/** Bind @p f's values to the named parameters @p st has. Thread: any. */
void xr_jq_bind(const struct xr_jq_filter *f, sqlite3_stmt *st);

/** Format @p ns (since the epoch) as "2026-12-07T14:00:00.000001234Z"
 * into @p buf (40 bytes). @return buf. Thread: any. */
char *xr_jq_time(char *buf, int64_t ns);

/** Parse "2026-12-07T14:00:00Z" (UTC, optional fraction of up to 9
 * digits) or ns since the epoch into @p out. @return 0 or -EINVAL.
 * Thread: any. */
int xr_jq_parse_time(const char *s, int64_t *out);

/** Fixed point (8 decimals) as exact decimal text into @p buf (24 bytes).
 * @return buf. Thread: any. */
char *xr_jq_dec(char *buf, int64_t v);

/** The usage text of `xroute journal --help`. */
extern const char xr_jq_usage[];

/** Run `xroute journal export` on argv (argv[0] = "export"); its exit
 * status. Thread: main. */
int xr_jq_export_main(int argc, char **argv);

/** Run `xroute journal replay` on argv (argv[0] = "replay"): its exit
 * status, 0 no decision differs, 1 some differ, 2 usage error, a journal
 * that cannot be read, an unknown run, or a replay that could not run
 * (docs/journal.md "Replay"). Thread: main. */
int xr_jq_replay_main(int argc, char **argv);

/**
 * Parse one filter option (getopt_long's @p opt with @p arg) into @p f.
 * @return 1 taken, 0 not a filter option, -1 bad value (message printed,
 * prefixed with @p cmd). Thread: any.
 */
int xr_jq_filter_opt(struct xr_jq_filter *f, int opt, const char *arg, const char *cmd);

/** getopt_long codes of the filter options (beside short ones). */
enum {
	XR_JQ_OPT_SIGNAL = 256,
	XR_JQ_OPT_SOURCE,
	XR_JQ_OPT_CLIENT,
	XR_JQ_OPT_USER,
	XR_JQ_OPT_VENUE,
	XR_JQ_OPT_SINCE,
	XR_JQ_OPT_UNTIL,
	XR_JQ_OPT_RUN,
	XR_JQ_OPT_LIMIT,
	XR_JQ_OPT_FORMAT,
	XR_JQ_OPT_TABLE,
	XR_JQ_OPT_HELP,
};

/** Print a usage error for the option getopt_long just refused (unknown,
 * or missing its value): names the option. Thread: main. */
void xr_jq_bad_option(const char *cmd, char **argv, int opt);

/** Open @p path read-only, printing the error. @return the journal or
 * NULL. Thread: main. */
struct xr_jdb *xr_jq_open(const char *cmd, const char *path);

#endif /* XR_JOURNAL_CLI_PVT_H */
