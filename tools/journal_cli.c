/*
 * `xroute journal`: the subcommands' dispatch and help, and `query`, a
 * readable timeline per matching signal (docs/journal.md "xroute journal").
 *
 *   xroute journal query JOURNAL [filters] [--limit N]
 *   xroute journal export JOURNAL --format csv|jsonl [--table T] [filters] [-o FILE]
 *   xroute journal salvage BAD -o GOOD
 *   xroute journal check JOURNAL
 *   xroute journal replay JOURNAL -c CONFIG [--run N] [--out DIR] [--limit N]
 *                                       (journal_replay.c)
 *
 * A query's timeline is every row that names the signal, in time order:
 * the signal, its decision, its children (venue, ClOrdID), every report
 * (fills with quantity and price as decimals), the events naming it or one
 * of its ClOrdIDs, and its result, or "no result: open" when there is none
 * (an order still live, or the state a crashed run leaves). The journal
 * is opened read-only and read in one transaction: a running writer is
 * not disturbed, and the output is one snapshot of the journal (WAL).
 */
#include "xr_journal_cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "journal_cli_pvt.h"
#include "xr_types.h"

const char xr_jq_usage[] =
	"usage: xroute journal query JOURNAL [--signal ID] [--source NAME [--client-id ID]]\n"
	"                            [--user U] [--venue V] [--since T] [--until T]\n"
	"                            [--run N] [--limit N]\n"
	"       xroute journal export JOURNAL --format csv|jsonl [--table TABLE]\n"
	"                            [the filters of query] [-o FILE]\n"
	"       xroute journal salvage BAD -o GOOD\n"
	"       xroute journal check JOURNAL\n"
	"       xroute journal replay JOURNAL -c CONFIG [--run N] [--out DIR] [--limit N]\n"
	"       xroute journal --help\n"
	"\n"
	"  query    print each matching signal's timeline in time order: the signal,\n"
	"           its decision, its children (venue, ClOrdID), every report (fills\n"
	"           with quantity and price), the events naming it, its result (or\n"
	"           \"no result: open\"); signals in the order they arrived\n"
	"  export   every column of one table (default results) as CSV (RFC 4180\n"
	"           quoting, a header line) or JSON Lines; quantities, prices and cash\n"
	"           as exact decimal text (\"1.5\"), times as integer ns; to stdout or\n"
	"           -o FILE. TABLE: signals decisions children reports results events\n"
	"           clordid_blocks runs\n"
	"  salvage  copy every row of a damaged journal BAD that can be read into a new\n"
	"           journal GOOD (same instance), reading each table by rowid ranges;\n"
	"           print per table the rows copied and the rowid ranges lost\n"
	"  check    read every page of JOURNAL (SQLite quick_check)\n"
	"  replay   re-run run N's signals (default: the last run) through the engine\n"
	"           on CONFIG with every venue a sim venue, in deterministic mode, and\n"
	"           compare each signal's decision (code, strategy, method, venue,\n"
	"           allocation, prices, score, confidence, alternatives) and result\n"
	"           with the journaled one; print up to --limit (20) differing\n"
	"           signals and \"replay: N signals, M decisions compared, D differ\";\n"
	"           --out DIR keeps the replay's signal file, results and journal\n"
	"\n"
	"Filters: --signal ID matches signal_id or client_id; --source NAME (and\n"
	"--client-id ID) the signal's source; --user U; --venue V: a child order went\n"
	"to V (children, reports and events: their own venue); --since T and --until T:\n"
	"at or after T and before T, T in UTC as 2026-12-07T14:00:00Z (a fraction of\n"
	"up to 9 digits allowed) or ns since the epoch; --run N; --limit N signals.\n"
	"\n"
	"Exit status: 0 ok (query: signals matched; salvage: nothing lost; replay: no\n"
	"difference); 1 query matched nothing, salvage lost rows, check found damage,\n"
	"the output could not be written, or replay found differences; 2 usage error,\n"
	"a journal that cannot be read, or (replay) an unknown run.\n"
	"Docs: docs/journal.md.\n";

/* ---- the timeline ---- */

/* Order of kinds at one instant: what caused comes before what followed. */
enum xr__kind { XR__SIGNAL, XR__DECISION, XR__CHILD, XR__REPORT, XR__EVENT, XR__RESULT };

struct xr__entry {
	int64_t at_ns;
	int kind;
	unsigned seq;
	char *text;
};

struct xr__timeline {
	struct xr__entry *e;
	unsigned n, cap;
	bool oom;
};

__attribute__((format(printf, 4, 5))) static void
xr__push(struct xr__timeline *tl, int64_t at_ns, int kind, const char *fmt, ...)
{
	va_list ap;
	char *text;

	if (tl->n == tl->cap) {
		unsigned cap = tl->cap ? tl->cap * 2 : 32;
		struct xr__entry *e = realloc(tl->e, cap * sizeof(*e));
		if (e == NULL) {
			tl->oom = true;
			return;
		}
		tl->e = e;
		tl->cap = cap;
	}
	va_start(ap, fmt);
	int w = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (w < 0) {
		tl->oom = true;
		return;
	}
	tl->e[tl->n] = (struct xr__entry){at_ns, kind, tl->n, text};
	tl->n++;
}

static int
xr__cmp(const void *a, const void *b)
{
	const struct xr__entry *x = a, *y = b;

	if (x->at_ns != y->at_ns)
		return x->at_ns < y->at_ns ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind - y->kind;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const char *
xr__txt(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	return v != NULL ? (const char *)v : "";
}

#define XR__I64(st, i) ((int64_t)sqlite3_column_int64((st), (i)))

/* notional * 10^8 / qty rounded to the nearest 10^-8: a price from a
 * quantity and a notional (128 bits: no overflow). */
static int64_t
xr__px(int64_t notional, int64_t qty)
{
	if (qty == 0)
		return 0;
	xr_i128 num = (xr_i128)notional * XR_PX_SCALE;
	xr_i128 q = num / qty, r = num % qty;
	if (r < 0)
		r = -r;
	if (2 * r >= (qty < 0 ? -(xr_i128)qty : (xr_i128)qty))
		q += (num < 0) != (qty < 0) ? -1 : 1;
	return q > INT64_MAX ? INT64_MAX : q < INT64_MIN ? INT64_MIN : (int64_t)q;
}

/* Prepare @p sql with ?1 = run, ?2 = signal_id. NULL: message printed. */
static sqlite3_stmt *
xr__prep(sqlite3 *db, const char *sql, int64_t run, int64_t sid)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "xroute journal query: %s\n", sqlite3_errmsg(db));
		return NULL;
	}
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, sid);
	return st;
}

/* Step @p st to its end, calling @p row for each row. @return 0, or -1
 * (message printed, naming the journal). */
static int
xr__rows(struct xr_jdb *j, sqlite3_stmt *st, struct xr__timeline *tl,
	 void (*row)(sqlite3_stmt *, struct xr__timeline *))
{
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		row(st, tl);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "xroute journal query: journal %s: %s%s\n", xr_jdb_path(j),
			sqlite3_errmsg(xr_jdb_handle(j)),
			(rc & 0xff) == SQLITE_CORRUPT ? " (xroute journal salvage copies what "
							"can be read into a new journal)" : "");
		return -1;
	}
	return 0;
}

static void
xr__decision(sqlite3_stmt *st, struct xr__timeline *tl)
{
	char a[24], b[24], sc[24];

	xr_fixed_format(sc, XR__I64(st, 8), 2);
	xr__push(tl, XR__I64(st, 11), XR__DECISION,
		 "decision  order %" PRId64 ": %s, method %s, %s; expected px %s, arrival px "
		 "%s, expected slippage %" PRId64 " cbps, confidence %" PRId64 " ppm, score "
		 "%s; alloc %s; alternatives %s",
		 XR__I64(st, 0), xr__txt(st, 1), xr__txt(st, 2), xr__txt(st, 3),
		 xr_jq_dec(a, XR__I64(st, 4)), xr_jq_dec(b, XR__I64(st, 5)), XR__I64(st, 6),
		 XR__I64(st, 7), sc,
		 xr__txt(st, 9), *xr__txt(st, 10) ? xr__txt(st, 10) : "none");
}

static void
xr__child(sqlite3_stmt *st, struct xr__timeline *tl)
{
	char q[24], px[24], send[40] = "";
	int64_t at = XR__I64(st, 11), send_at = XR__I64(st, 10);

	if (send_at > at) {
		char t[40];
		snprintf(send, sizeof(send), ", to send at %s", xr_jq_time(t, send_at));
	}
	xr__push(tl, at, XR__CHILD,
		 "child     ClOrdID %" PRId64 " -> %s: %s %s %s %s%s%s %s (child %" PRId64
		 ", attempt %" PRId64 ")%s",
		 XR__I64(st, 0), xr__txt(st, 1), xr__txt(st, 2), xr_jq_dec(q, XR__I64(st, 3)),
		 xr__txt(st, 4), xr__txt(st, 5),
		 strcmp(xr__txt(st, 5), "limit") == 0 ? " " : "",
		 strcmp(xr__txt(st, 5), "limit") == 0 ? xr_jq_dec(px, XR__I64(st, 6)) : "",
		 xr__txt(st, 7), XR__I64(st, 8), XR__I64(st, 9), send);
}

static void
xr__report(sqlite3_stmt *st, struct xr__timeline *tl)
{
	char q[24], px[24], fee[24], cum[24], lv[24], what[160];
	const char *kind = xr__txt(st, 2), *os = xr__txt(st, 3), *reason = xr__txt(st, 4);
	int64_t lq = XR__I64(st, 5);

	if (lq != 0)
		snprintf(what, sizeof(what), "fill %s @ %s, fees %s; ", xr_jq_dec(q, lq),
			 xr_jq_dec(px, xr__px(XR__I64(st, 6), lq)), xr_jq_dec(fee, XR__I64(st, 7)));
	else
		what[0] = '\0';
	xr__push(tl, XR__I64(st, 10), XR__REPORT,
		 "%-9s ClOrdID %" PRId64 " %s: %s%s, cum %s, leaves %s%s%s", kind, XR__I64(st, 0),
		 xr__txt(st, 1), what, os, xr_jq_dec(cum, XR__I64(st, 8)),
		 xr_jq_dec(lv, XR__I64(st, 9)),
		 strcmp(reason, "none") != 0 ? ", reason " : "",
		 strcmp(reason, "none") != 0 ? reason : "");
}

static void
xr__event(sqlite3_stmt *st, struct xr__timeline *tl)
{
	char venue[80] = "", clid[40] = "";

	if (sqlite3_column_type(st, 1) != SQLITE_NULL)
		snprintf(venue, sizeof(venue), " %s", xr__txt(st, 1));
	if (sqlite3_column_type(st, 2) != SQLITE_NULL)
		snprintf(clid, sizeof(clid), " ClOrdID %" PRId64, XR__I64(st, 2));
	xr__push(tl, XR__I64(st, 4), XR__EVENT, "event     %s%s%s: %s", xr__txt(st, 0), venue,
		 clid, xr__txt(st, 3));
}

static void
xr__result(sqlite3_stmt *st, struct xr__timeline *tl)
{
	char oq[24], cq[24], cn[24], px[24], fee[24], avg[48] = "";
	int64_t cum = XR__I64(st, 4);

	if (cum != 0)
		snprintf(avg, sizeof(avg), ", avg px %s",
			 xr_jq_dec(px, xr__px(XR__I64(st, 5), cum)));
	xr__push(tl, XR__I64(st, 8), XR__RESULT,
		 "result    %s (reason %s): filled %s of %s, notional %s%s, fees %s, venues %s",
		 xr__txt(st, 1), xr__txt(st, 2), xr_jq_dec(cq, cum), xr_jq_dec(oq, XR__I64(st, 3)),
		 xr_jq_dec(cn, XR__I64(st, 5)), avg, xr_jq_dec(fee, XR__I64(st, 6)),
		 *xr__txt(st, 7) ? xr__txt(st, 7) : "none");
}

/* Print one signal's timeline (the signals row is @p s). @return 0 or -1. */
static int
xr__timeline(struct xr_jdb *j, sqlite3_stmt *s)
{
	sqlite3 *db = xr_jdb_handle(j);
	int64_t run = XR__I64(s, 0), sid = XR__I64(s, 1);
	struct xr__timeline tl = {0};
	char q[24], px[24], t[40];
	int rc = 0;

	printf("signal %" PRId64 " (run %" PRId64 "): source %s client_id %" PRId64
	       ", user %s, %s %s %s %s%s%s %s, %s, strategy %s, max slippage %" PRId64
	       " bps, line %" PRId64 ", ts %s\n",
	       sid, run, xr__txt(s, 2), XR__I64(s, 3), xr__txt(s, 4), xr__txt(s, 6),
	       xr_jq_dec(q, XR__I64(s, 7)), xr__txt(s, 5), xr__txt(s, 8),
	       strcmp(xr__txt(s, 8), "limit") == 0 ? " " : "",
	       strcmp(xr__txt(s, 8), "limit") == 0 ? xr_jq_dec(px, XR__I64(s, 12)) : "",
	       xr__txt(s, 9), xr__txt(s, 10), xr__txt(s, 11), XR__I64(s, 13), XR__I64(s, 15),
	       xr_jq_time(t, XR__I64(s, 14)));
	xr__push(&tl, XR__I64(s, 16), XR__SIGNAL, "signal    received");
	rc |= xr__rows(j, xr__prep(db, "SELECT order_id, strategy, method, decision, exp_px, "
				   "arrival_px, exp_slip_cbps, confidence_ppm, score, alloc, "
				   "alts, at_ns FROM decisions WHERE run = ?1 AND signal_id "
				   "= ?2 ORDER BY rowid", run, sid), &tl, xr__decision);
	rc |= xr__rows(j, xr__prep(db, "SELECT cl_ord_id, venue, side, qty, symbol, ord_type, "
				   "limit_px, tif, child_idx, attempt, send_at_ns, at_ns FROM "
				   "children WHERE run = ?1 AND signal_id = ?2 ORDER BY rowid",
				   run, sid), &tl, xr__child);
	rc |= xr__rows(j, xr__prep(db, "SELECT cl_ord_id, venue, kind, ord_status, reason, "
				   "last_qty, last_notional, last_fees, cum_qty, leaves_qty, "
				   "at_ns FROM reports WHERE run = ?1 AND signal_id = ?2 ORDER "
				   "BY rowid", run, sid), &tl, xr__report);
	rc |= xr__rows(j, xr__prep(db, "SELECT kind, venue, cl_ord_id, detail, at_ns FROM "
				   "events e WHERE run = ?1 AND (signal_id = ?2 OR cl_ord_id IN "
				   "(SELECT cl_ord_id FROM children c WHERE c.run = ?1 AND "
				   "c.signal_id = ?2)) ORDER BY rowid", run, sid), &tl, xr__event);
	unsigned before = tl.n;
	rc |= xr__rows(j, xr__prep(db, "SELECT order_id, final, reason, order_qty, cum_qty, "
				   "cum_notional, fees, venues, at_ns FROM results WHERE run = "
				   "?1 AND signal_id = ?2 ORDER BY rowid", run, sid), &tl,
		       xr__result);
	bool has_result = tl.n > before;
	if (tl.oom) {
		fprintf(stderr, "xroute journal query: out of memory\n");
		rc = -1;
	}
	if (rc == 0) {
		qsort(tl.e, tl.n, sizeof(tl.e[0]), xr__cmp);
		for (unsigned i = 0; i < tl.n; i++)
			printf("  %s  %s\n", xr_jq_time(t, tl.e[i].at_ns), tl.e[i].text);
		if (!has_result)
			printf("  no result: open (the order was live when the journal ends; "
			       "a crashed run leaves this)\n");
		printf("\n");
	}
	for (unsigned i = 0; i < tl.n; i++)
		free(tl.e[i].text);
	free(tl.e);
	return rc == 0 ? 0 : -1;
}

static const struct option xr__filter_opts[] = {
	{"signal", required_argument, NULL, XR_JQ_OPT_SIGNAL},
	{"source", required_argument, NULL, XR_JQ_OPT_SOURCE},
	{"client-id", required_argument, NULL, XR_JQ_OPT_CLIENT},
	{"user", required_argument, NULL, XR_JQ_OPT_USER},
	{"venue", required_argument, NULL, XR_JQ_OPT_VENUE},
	{"since", required_argument, NULL, XR_JQ_OPT_SINCE},
	{"until", required_argument, NULL, XR_JQ_OPT_UNTIL},
	{"run", required_argument, NULL, XR_JQ_OPT_RUN},
	{"limit", required_argument, NULL, XR_JQ_OPT_LIMIT},
	{"help", no_argument, NULL, XR_JQ_OPT_HELP},
	{NULL, 0, NULL, 0},
};

static int
xr__query_main(int argc, char **argv)
{
	struct xr_jq_filter f = {0};
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", xr__filter_opts, NULL)) != -1) {
		if (opt == XR_JQ_OPT_HELP) {
			fputs(xr_jq_usage, stdout);
			return XR_JQ_OK;
		}
		int r = xr_jq_filter_opt(&f, opt, optarg, "query");
		if (r < 0)
			return XR_JQ_USAGE;
		if (r == 0) {
			xr_jq_bad_option("query", argv, opt);
			return XR_JQ_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "xroute journal query: %s\n", optind >= argc ?
			"no JOURNAL given" : "one JOURNAL only");
		fprintf(stderr, "(xroute journal --help lists the options)\n");
		return XR_JQ_USAGE;
	}
	if (f.has_client && f.source == NULL) {
		fprintf(stderr, "xroute journal query: --client-id needs --source (client ids "
			"are per source)\n");
		return XR_JQ_USAGE;
	}
	const char *path = argv[optind];
	struct xr_jdb *j = xr_jq_open("query", path);
	if (j == NULL)
		return XR_JQ_USAGE;

	char sql[4096] = "SELECT run, signal_id, source, client_id, user, symbol, side, "
			 "qty, ord_type, tif, signal_type, strategy, limit_px, "
			 "max_slippage_bps, ts_ns, line, at_ns FROM signals t WHERE 1";
	char err[256];
	const struct xr_jdb_table *t = xr_jdb_table_find("signals");
	int status = XR_JQ_USAGE;
	sqlite3_stmt *st = NULL;
	if (xr_jq_where(&f, t, sql, sizeof(sql), err, sizeof(err)) != 0) {
		fprintf(stderr, "xroute journal query: %s\n", err);
		goto out;
	}
	size_t len = strlen(sql);
	snprintf(sql + len, sizeof(sql) - len, " ORDER BY t.at_ns, t.run, t.signal_id%s",
		 f.limit ? " LIMIT :limit" : "");
	if (sqlite3_prepare_v2(xr_jdb_handle(j), sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "xroute journal query: journal %s: %s\n", path,
			sqlite3_errmsg(xr_jdb_handle(j)));
		goto out;
	}
	xr_jq_bind(&f, st);
	if (f.limit)
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"), f.limit);
	/* One read transaction: every statement below sees the same snapshot
	 * (WAL), so a timeline read while the writer commits is whole, not a
	 * report without the result committed a moment later. */
	sqlite3_exec(xr_jdb_handle(j), "BEGIN", NULL, NULL, NULL);
	/* Each signal's timeline is read while this cursor stays open: one
	 * connection, reads only, so SQLite allows it. */
	int64_t matched = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (xr__timeline(j, st) != 0)
			goto out;
		matched++;
	}
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "xroute journal query: journal %s: %s%s\n", path,
			sqlite3_errmsg(xr_jdb_handle(j)),
			(rc & 0xff) == SQLITE_CORRUPT ? " (xroute journal salvage copies what "
							"can be read into a new journal)" : "");
		goto out;
	}
	if (matched == 0) {
		fprintf(stderr, "xroute journal query: no signal in %s matches\n", path);
		status = XR_JQ_NONE;
	} else {
		status = fflush(stdout) == 0 ? XR_JQ_OK : XR_JQ_NONE;
	}
out:
	sqlite3_finalize(st);
	if (!sqlite3_get_autocommit(xr_jdb_handle(j)))
		sqlite3_exec(xr_jdb_handle(j), "COMMIT", NULL, NULL, NULL);
	xr_jdb_close(j);
	return status;
}

/* ---- salvage, check ---- */

static int
xr__salvage_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, XR_JQ_OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	const char *good = NULL;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
		if (opt == 'o') {
			good = optarg;
		} else if (opt == XR_JQ_OPT_HELP) {
			fputs(xr_jq_usage, stdout);
			return XR_JQ_OK;
		} else {
			xr_jq_bad_option("salvage", argv, opt);
			return XR_JQ_USAGE;
		}
	}
	if (optind != argc - 1 || good == NULL) {
		fprintf(stderr, "xroute journal salvage: %s\n", good == NULL ?
			"-o GOOD is required (a new file)" : "one BAD journal only");
		return XR_JQ_USAGE;
	}
	const char *bad = argv[optind];
	struct xr_jdb_salvage rep;
	char err[512];
	int rc = xr_jdb_salvage(bad, good, &rep, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "xroute journal salvage: %s\n", err);
		return XR_JQ_USAGE;
	}
	printf("salvage %s -> %s\n", bad, good);
	bool lost_any = !rep.meta_copied;
	printf("  %-15s %s\n", "meta", rep.meta_copied ? "instance and created_ns kept"
			: "could not be read: the new journal has a new instance (ClOrdID prefix)");
	int64_t lost_total = 0;
	bool unknown = false;
	for (unsigned i = 0; i < rep.ntables; i++) {
		const struct xr_jdb_salvage_table *t = &rep.tables[i];
		printf("  %-15s %" PRId64 " row%s copied", t->name, t->copied,
		       t->copied == 1 ? "" : "s");
		if (t->unreadable) {
			printf(", the table could not be read at all (%s)\n", t->error);
			lost_any = unknown = true;
			continue;
		}
		if (t->nranges == 0) {
			printf("\n");
			continue;
		}
		lost_any = true;
		if (t->lost < 0) {
			unknown = true;
			printf(", lost: how many is unknown (the table's end could not be read)");
		} else {
			lost_total += t->lost;
			printf(", %" PRId64 " lost", t->lost);
		}
		printf("; unreadable rowids:");
		for (unsigned r = 0; r < t->nranges && r < XR_JDB_SALVAGE_RANGES; r++) {
			if (t->range_last[r] == INT64_MAX)
				printf(" %" PRId64 "..end", t->range_first[r]);
			else if (t->range_first[r] == t->range_last[r])
				printf(" %" PRId64, t->range_first[r]);
			else
				printf(" %" PRId64 "..%" PRId64, t->range_first[r],
				       t->range_last[r]);
		}
		if (t->nranges > XR_JDB_SALVAGE_RANGES)
			printf(" and %u more ranges", t->nranges - XR_JDB_SALVAGE_RANGES);
		printf(" (%s)\n", t->error);
	}
	if (lost_any)
		printf("lost %" PRId64 " row%s%s; %s holds every row that could be read\n",
		       lost_total, lost_total == 1 ? "" : "s",
		       unknown ? " and an unknown number more" : "", good);
	else
		printf("nothing lost: %s holds every row\n", good);
	fflush(stdout);
	return lost_any ? XR_JQ_NONE : XR_JQ_OK;
}

static int
xr__check_main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		fputs(xr_jq_usage, stdout);
		return XR_JQ_OK;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "xroute journal check: %s\n", argc < 2 ? "no JOURNAL given"
			: argc > 2 ? "one JOURNAL only" : "it takes no options");
		return XR_JQ_USAGE;
	}
	struct xr_jdb *j = xr_jq_open("check", argv[1]);
	char err[768];
	if (j == NULL)
		return XR_JQ_USAGE;
	int rc = xr_jdb_check(j, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "xroute journal check: %s\n", err);
	else
		printf("journal %s: ok (schema version %d, instance %s)\n", argv[1],
		       XR_JDB_SCHEMA_VERSION, xr_jdb_instance(j));
	xr_jdb_close(j);
	return rc == 0 ? XR_JQ_OK : XR_JQ_NONE;
}

int
xr_journal_main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(xr_jq_usage, stderr);
		return XR_JQ_USAGE;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
		fputs(xr_jq_usage, stdout);
		return XR_JQ_OK;
	}
	if (strcmp(sub, "query") == 0)
		return xr__query_main(argc - 1, argv + 1);
	if (strcmp(sub, "export") == 0)
		return xr_jq_export_main(argc - 1, argv + 1);
	if (strcmp(sub, "salvage") == 0)
		return xr__salvage_main(argc - 1, argv + 1);
	if (strcmp(sub, "check") == 0)
		return xr__check_main(argc - 1, argv + 1);
	if (strcmp(sub, "replay") == 0)
		return xr_jq_replay_main(argc - 1, argv + 1);
	fprintf(stderr, "xroute journal: unknown subcommand \"%s\"\n", sub);
	fputs(xr_jq_usage, stderr);
	return XR_JQ_USAGE;
}
