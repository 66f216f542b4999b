/*
 * xroute journal replay: re-run one journaled run through the engine on sim
 * venues in deterministic mode and compare each signal's routing decision
 * with the journaled one (docs/journal.md "Replay").
 *
 * DESIGN
 *   1. The run's signals, in journal order (signals rowid), become a signal
 *      file (docs/signals.md) in the output directory: the journaled fields
 *      are exactly a file row's (ts_ns, signal_id, user, symbol, side, qty,
 *      order_type, limit_px, tif, signal_type, strategy, max_slippage_bps).
 *   2. CONFIG is loaded and changed in memory, never on disk: every venue
 *      becomes a sim venue (a FIX venue gets the sim's defaults, its own
 *      book.SYMBOL keys and fees kept; a sim venue keeps its keys and seed),
 *      with jitter_us 0 and no timed faults, and [journal] path is the
 *      replay's own journal in the output directory (sync off: a scratch
 *      record).
 *   3. The engine runs the file with io.deterministic (xr_engine.h): one
 *      signal at a time, each decided on a snapshot that shows every
 *      earlier one ended, venue latencies fixed at their prior.
 *   4. Both journals are read signal by signal in the same order, each
 *      signal with its decision and result, and the fields compared.
 *
 * GUARANTEES
 *   The journal is only read. The output directory gets signals.csv,
 *   results.csv and replay.journal (with its -ring file); without --out a
 *   temporary directory is used and removed at the end.
 *   Thread: the process's main thread.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal_cli_pvt.h"
#include "xr_config.h"
#include "xr_connector.h"
#include "xr_engine.h"
#include "sim/xr_sim_config.h"

/** Difference lines printed by default (--limit). */
#define XR__REPLAY_LIMIT 20

/* The files the replay writes into its directory. */
static const char *const xr__replay_files[] = {
	"signals.csv", "results.csv", "replay.journal", "replay.journal-wal",
	"replay.journal-shm", "replay.journal-ring",
};

/* The signal columns a file row has, in the file's header order. */
#define XR__SIG_COLS                                                                        \
	"ts_ns, signal_id, user, symbol, side, qty, ord_type, limit_px, tif, signal_type, " \
	"strategy, max_slippage_bps"

/* One int64 from @p sql with the run bound as ?1; @return 0 found, 1 no
 * row or NULL, -1 error (printed). */
static int
xr__one(sqlite3 *db, const char *path, const char *sql, int64_t run, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "xroute journal replay: journal %s: %s\n", path, sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, run);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*out = sqlite3_column_int64(st, 0);
		rc = 0;
	} else if (s == SQLITE_ROW || s == SQLITE_DONE) {
		rc = 1;
	} else {
		fprintf(stderr, "xroute journal replay: journal %s: %s\n", path, sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	return rc;
}

/* A TEXT column, "" for NULL. */
static const char *
xr__text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t != NULL ? (const char *)t : "";
}

/* Write run @p run's signals of @p db as a signal file @p out_path.
 * @return the rows written, or -1 (printed). */
static int64_t
xr__write_signals(sqlite3 *db, const char *jpath, int64_t run, const char *out_path)
{
	sqlite3_stmt *st = NULL;
	FILE *f = fopen(out_path, "w");
	int64_t rows = 0;

	if (f == NULL) {
		fprintf(stderr, "xroute journal replay: %s: %s\n", out_path, strerror(errno));
		return -1;
	}
	if (sqlite3_prepare_v2(db, "SELECT " XR__SIG_COLS " FROM signals WHERE run = ?1 "
				   "ORDER BY rowid", -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "xroute journal replay: journal %s: %s\n", jpath, sqlite3_errmsg(db));
		fclose(f);
		return -1;
	}
	sqlite3_bind_int64(st, 1, run);
	fputs("ts_ns,signal_id,user,symbol,side,qty,order_type,limit_px,tif,signal_type,"
	      "strategy,max_slippage_bps\n", f);
	int rc;
	char qty[24], px[24];
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t limit_px = sqlite3_column_int64(st, 7);
		/* A market order's limit is empty in a file (0 in the journal). */
		fprintf(f, "%" PRId64 ",%" PRIu64 ",%s,%s,%s,%s,%s,%s,%s,%s,%s,%" PRId64 "\n",
			(int64_t)sqlite3_column_int64(st, 0), (uint64_t)sqlite3_column_int64(st, 1),
			xr__text(st, 2), xr__text(st, 3), xr__text(st, 4),
			xr_jq_dec(qty, sqlite3_column_int64(st, 5)), xr__text(st, 6),
			limit_px != 0 ? xr_jq_dec(px, limit_px) : "", xr__text(st, 8),
			xr__text(st, 9), xr__text(st, 10), (int64_t)sqlite3_column_int64(st, 11));
		rows++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "xroute journal replay: journal %s: %s\n", jpath, sqlite3_errmsg(db));
		fclose(f);
		return -1;
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "xroute journal replay: %s: %s\n", out_path, strerror(errno));
		return -1;
	}
	return rows;
}

/*
 * Make every venue of @p cfg a sim venue with zero jitter and no timed
 * faults, and point its journal at @p journal. @return 0, -ENOMEM or
 * -ENAMETOOLONG (printed).
 */
static int
xr__sim_config(struct xr_config *cfg, const char *journal)
{
	if (strlen(journal) >= sizeof(cfg->journal.path)) {
		fprintf(stderr, "xroute journal replay: %s: path too long for [journal] path "
			"(%zu bytes at most)\n", journal, sizeof(cfg->journal.path) - 1);
		return -ENAMETOOLONG;
	}
	snprintf(cfg->journal.path, sizeof(cfg->journal.path), "%s", journal);
	/* A scratch record, read once the run ended: never forced to disk,
	 * and rings of the least size (one signal is in flight at a time). */
	cfg->journal.sync = XR_JSYNC_OFF;
	cfg->journal.ring_slots = 1024;
	for (uint32_t v = 0; v < cfg->n_venues; v++) {
		struct xr_venue_cfg *vc = &cfg->venues[v];
		/* The config owns its venues' keys: ours to change here. */
		struct xr_sim_venue_cfg *sim =
			vc->schema == &xr_sim_config_schema ? vc->conn : NULL;
		if (sim == NULL) {
			/* Another kind (FIX): the sim's defaults (docs/connectors.md),
			 * its books and fees as they are in xr_venue_cfg. */
			sim = calloc(1, sizeof(*sim));
			if (sim == NULL) {
				fprintf(stderr, "xroute journal replay: out of memory\n");
				return -ENOMEM;
			}
			sim->latency_us = 50;
			sim->seed = 1;
			sim->session_ms = 100;
			if (vc->conn != NULL && vc->schema != NULL && vc->schema->free != NULL)
				vc->schema->free(vc->conn);
			free(vc->conn);
			vc->conn = sim;
			vc->schema = &xr_sim_config_schema;
			snprintf(vc->connector, sizeof(vc->connector), "sim");
		}
		/* Timing only: a replay's answers come in the order they are
		 * due, and timed faults are windows of wall-clock time. */
		sim->jitter_us = 0;
		free(sim->faults);
		sim->faults = NULL;
		sim->n_faults = 0;
	}
	return 0;
}

/* What is compared of one signal: its decision and its result. */
struct xr__row {
	int64_t signal_id;
	bool has_dec, has_res;
	char strategy[32], method[16], decision[32];
	int64_t exp_px, arrival_px, exp_slip_cbps, confidence_ppm, score;
	char alloc[1024], alts[1024];
	char venue[64];		/* the first venue of alloc: the chosen one */
	char result[64];	/* "final/reason" */
};

#define XR__ROW_SQL                                                                      \
	"SELECT s.signal_id, d.signal_id, d.strategy, d.method, d.decision, d.exp_px, "   \
	"d.arrival_px, d.exp_slip_cbps, d.confidence_ppm, d.score, d.alloc, d.alts, "     \
	"r.signal_id, r.final, r.reason FROM signals s "                                  \
	"LEFT JOIN decisions d ON d.run = s.run AND d.signal_id = s.signal_id "           \
	"LEFT JOIN results r ON r.run = s.run AND r.signal_id = s.signal_id "             \
	"WHERE s.run = ?1 ORDER BY s.rowid, d.rowid, r.rowid"

static void
xr__row_read(sqlite3_stmt *st, struct xr__row *r)
{
	memset(r, 0, sizeof(*r));
	r->signal_id = sqlite3_column_int64(st, 0);
	r->has_dec = sqlite3_column_type(st, 1) != SQLITE_NULL;
	if (r->has_dec) {
		snprintf(r->strategy, sizeof(r->strategy), "%s", xr__text(st, 2));
		snprintf(r->method, sizeof(r->method), "%s", xr__text(st, 3));
		snprintf(r->decision, sizeof(r->decision), "%s", xr__text(st, 4));
		r->exp_px = sqlite3_column_int64(st, 5);
		r->arrival_px = sqlite3_column_int64(st, 6);
		r->exp_slip_cbps = sqlite3_column_int64(st, 7);
		r->confidence_ppm = sqlite3_column_int64(st, 8);
		r->score = sqlite3_column_int64(st, 9);
		snprintf(r->alloc, sizeof(r->alloc), "%s", xr__text(st, 10));
		snprintf(r->alts, sizeof(r->alts), "%s", xr__text(st, 11));
		size_t n = strcspn(r->alloc, "=");
		snprintf(r->venue, sizeof(r->venue), "%.*s", (int)(n < 63 ? n : 63), r->alloc);
	}
	r->has_res = sqlite3_column_type(st, 12) != SQLITE_NULL;
	if (r->has_res)
		snprintf(r->result, sizeof(r->result), "%s/%s", xr__text(st, 13), xr__text(st, 14));
}

/* The fields compared, in the order a difference line names them. */
struct xr__diff {
	const char *field;
	char was[1040], now[1040];
};

/* Compare @p a (journaled) with @p b (replayed); @return the differences
 * written to @p d (at most @p max). */
static unsigned
xr__compare(const struct xr__row *a, const struct xr__row *b, struct xr__diff *d, unsigned max)
{
	unsigned n = 0;
#define XR__S(name, fa, fb)                                                        \
	do {                                                                      \
		if (strcmp(fa, fb) != 0 && n < max) {                              \
			d[n].field = name;                                         \
			snprintf(d[n].was, sizeof(d[n].was), "%s", fa);            \
			snprintf(d[n].now, sizeof(d[n].now), "%s", fb);            \
			n++;                                                       \
		}                                                                 \
	} while (0)
#define XR__I(name, fa, fb)                                                        \
	do {                                                                      \
		if ((fa) != (fb) && n < max) {                                     \
			d[n].field = name;                                         \
			snprintf(d[n].was, sizeof(d[n].was), "%" PRId64, fa);      \
			snprintf(d[n].now, sizeof(d[n].now), "%" PRId64, fb);      \
			n++;                                                       \
		}                                                                 \
	} while (0)
	if (a->has_dec != b->has_dec) {
		XR__S("decision", a->has_dec ? a->decision : "(none)",
		      b->has_dec ? b->decision : "(none)");
	} else if (a->has_dec) {
		XR__S("decision", a->decision, b->decision);
		XR__S("strategy", a->strategy, b->strategy);
		XR__S("method", a->method, b->method);
		XR__S("venue", a->venue, b->venue);
		XR__S("alloc", a->alloc, b->alloc);
		XR__I("exp_px", a->exp_px, b->exp_px);
		XR__I("arrival_px", a->arrival_px, b->arrival_px);
		XR__I("exp_slip_cbps", a->exp_slip_cbps, b->exp_slip_cbps);
		XR__I("score", a->score, b->score);
		XR__I("confidence_ppm", a->confidence_ppm, b->confidence_ppm);
		XR__S("alts", a->alts, b->alts);
	}
	XR__S("result", a->has_res ? a->result : "(none)", b->has_res ? b->result : "(none)");
#undef XR__S
#undef XR__I
	return n;
}

/* Remove the replay's files from @p dir, then @p dir itself. */
static void
xr__cleanup(const char *dir)
{
	char p[PATH_MAX];

	for (size_t i = 0; i < sizeof(xr__replay_files) / sizeof(xr__replay_files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, xr__replay_files[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* Parse a positive count for --NAME. @return 0 or -1 (printed). */
static int
xr__count(const char *name, const char *arg, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v <= 0) {
		fprintf(stderr, "xroute journal replay: --%s: \"%s\" is not a number > 0\n", name,
			arg);
		return -1;
	}
	*out = v;
	return 0;
}

/*
 * Compare the journaled run @p run of @p j with the replayed run of @p r,
 * printing up to @p limit difference lines and the summary line.
 * @return XR_JQ_OK, XR_JQ_NONE (some differ) or XR_JQ_USAGE (read error).
 */
static int
xr__compare_runs(struct xr_jdb *j, const char *jpath, int64_t run, struct xr_jdb *r,
		 const char *rpath, int64_t rrun, int64_t limit)
{
	sqlite3_stmt *sa = NULL, *sb = NULL;
	sqlite3 *da = xr_jdb_handle(j), *db = xr_jdb_handle(r);
	int status = XR_JQ_USAGE;
	int64_t signals = 0, compared = 0, differ = 0;
	struct xr__row a, b;
	struct xr__diff d[16];

	if (sqlite3_prepare_v2(da, XR__ROW_SQL, -1, &sa, NULL) != SQLITE_OK) {
		fprintf(stderr, "xroute journal replay: journal %s: %s\n", jpath, sqlite3_errmsg(da));
		goto out;
	}
	if (sqlite3_prepare_v2(db, XR__ROW_SQL, -1, &sb, NULL) != SQLITE_OK) {
		fprintf(stderr, "xroute journal replay: journal %s: %s\n", rpath, sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_bind_int64(sa, 1, run);
	sqlite3_bind_int64(sb, 1, rrun);
	for (;;) {
		int ra = sqlite3_step(sa), rb = sqlite3_step(sb);
		if (ra == SQLITE_DONE && rb == SQLITE_DONE)
			break;
		if ((ra != SQLITE_ROW && ra != SQLITE_DONE) || (rb != SQLITE_ROW && rb != SQLITE_DONE)) {
			fprintf(stderr, "xroute journal replay: journal %s: %s\n",
				ra != SQLITE_ROW && ra != SQLITE_DONE ? jpath : rpath,
				ra != SQLITE_ROW && ra != SQLITE_DONE ? sqlite3_errmsg(da)
								      : sqlite3_errmsg(db));
			goto out;
		}
		if (ra != rb) {
			/* The replay took every row of the file: only a replay that
			 * did not finish has fewer. */
			fprintf(stderr, "xroute journal replay: the replay journaled %s signals "
				"than run %" PRId64 " (%" PRId64 " compared)\n",
				ra == SQLITE_DONE ? "more" : "fewer", run, signals);
			goto out;
		}
		xr__row_read(sa, &a);
		xr__row_read(sb, &b);
		if (a.signal_id != b.signal_id) {
			fprintf(stderr, "xroute journal replay: signal %" PRId64 " of run %" PRId64
				" replayed as signal %" PRId64 ": the journals are not in the same "
				"order\n", a.signal_id, run, b.signal_id);
			goto out;
		}
		signals++;
		compared += a.has_dec && b.has_dec;
		unsigned n = xr__compare(&a, &b, d, sizeof(d) / sizeof(d[0]));
		if (n == 0)
			continue;
		if (differ++ < limit) {
			printf("signal %" PRId64 ": %s: journaled %s, replayed %s", a.signal_id,
			       d[0].field, d[0].was, d[0].now);
			if (n > 1) {
				printf(" (and");
				for (unsigned i = 1; i < n; i++)
					printf(" %s", d[i].field);
				printf(")");
			}
			printf("\n");
		}
	}
	if (differ > limit)
		printf("... %" PRId64 " more differing signals not shown (--limit %" PRId64 ")\n",
		       differ - limit, limit);
	printf("replay: %" PRId64 " signals, %" PRId64 " decisions compared, %" PRId64
	       " differ\n", signals, compared, differ);
	status = differ == 0 ? XR_JQ_OK : XR_JQ_NONE;
out:
	sqlite3_finalize(sa);
	sqlite3_finalize(sb);
	return status;
}

int
xr_jq_replay_main(int argc, char **argv)
{
	enum { OPT_RUN = 256, OPT_OUT, OPT_LIMIT, OPT_HELP };
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"run", required_argument, NULL, OPT_RUN},
		{"out", required_argument, NULL, OPT_OUT},
		{"limit", required_argument, NULL, OPT_LIMIT},
		{"help", no_argument, NULL, OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *out_dir = NULL;
	int64_t run = 0, limit = XR__REPLAY_LIMIT;
	bool has_run = false;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":c:", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': config = optarg; break;
		case OPT_OUT: out_dir = optarg; break;
		case OPT_RUN:
			if (xr__count("run", optarg, &run) != 0)
				return XR_JQ_USAGE;
			has_run = true;
			break;
		case OPT_LIMIT:
			if (xr__count("limit", optarg, &limit) != 0)
				return XR_JQ_USAGE;
			break;
		case OPT_HELP: fputs(xr_jq_usage, stdout); return XR_JQ_OK;
		default: xr_jq_bad_option("replay", argv, opt); return XR_JQ_USAGE;
		}
	}
	if (optind != argc - 1 || config == NULL) {
		fprintf(stderr, "xroute journal replay: %s\n",
			config == NULL ? "-c CONFIG is required"
			: optind >= argc ? "no JOURNAL given" : "one JOURNAL only");
		fprintf(stderr, "(xroute journal --help lists the options)\n");
		return XR_JQ_USAGE;
	}
	const char *path = argv[optind];
	struct xr_jdb *j = xr_jq_open("replay", path);
	if (j == NULL)
		return XR_JQ_USAGE;
	sqlite3 *db = xr_jdb_handle(j);
	int status = XR_JQ_USAGE;
	struct xr_config *cfg = NULL;
	struct xr_engine *e = NULL;
	struct xr_jdb *rj = NULL;
	char dir[PATH_MAX - 32] = "" /* room for a file name after it */, sig_path[PATH_MAX], res_path[PATH_MAX], jr_path[PATH_MAX];
	bool temp = out_dir == NULL;

	/* The run: the one asked for, else the last. */
	int64_t last = 0;
	if (xr__one(db, path, "SELECT MAX(run) FROM runs WHERE ?1 = ?1", 0, &last) < 0)
		goto out;
	if (last == 0) {
		fprintf(stderr, "xroute journal replay: journal %s has no run\n", path);
		goto out;
	}
	if (!has_run)
		run = last;
	int64_t found = 0;
	int rc = xr__one(db, path, "SELECT run FROM runs WHERE run = ?1", run, &found);
	if (rc < 0)
		goto out;
	if (rc > 0) {
		fprintf(stderr, "xroute journal replay: journal %s has no run %" PRId64 " (runs 1..%"
			PRId64 ")\n", path, run, last);
		goto out;
	}

	if (temp) {
		snprintf(dir, sizeof(dir), "/tmp/xroute-replay-XXXXXX");
		if (mkdtemp(dir) == NULL) {
			fprintf(stderr, "xroute journal replay: mkdtemp: %s\n", strerror(errno));
			dir[0] = '\0';
			goto out;
		}
	} else {
		snprintf(dir, sizeof(dir), "%s", out_dir);
		if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
			fprintf(stderr, "xroute journal replay: --out %s: %s\n", dir, strerror(errno));
			goto out;
		}
	}
	snprintf(sig_path, sizeof(sig_path), "%s/signals.csv", dir);
	snprintf(res_path, sizeof(res_path), "%s/results.csv", dir);
	snprintf(jr_path, sizeof(jr_path), "%s/replay.journal", dir);
	if (access(jr_path, F_OK) == 0) {
		/* A second run in it would be compared with the wrong one. */
		fprintf(stderr, "xroute journal replay: %s exists: name another --out\n", jr_path);
		goto out;
	}
	int64_t n = xr__write_signals(db, path, run, sig_path);
	if (n < 0)
		goto out;
	if (n == 0) {
		fprintf(stderr, "xroute journal replay: run %" PRId64 " of %s has no signals\n", run,
			path);
		goto out;
	}

	char err[512];
	cfg = xr_config_load(config, xr_connector_schemas, err, sizeof(err));
	if (cfg == NULL) {
		fprintf(stderr, "xroute journal replay: %s\n", err);
		goto out;
	}
	if (xr__sim_config(cfg, jr_path) != 0)
		goto out;
	struct xr_engine_io io = {
		.signals_path = sig_path,
		.results_path = res_path,
		.deterministic = true,
		.events_quiet = true,
	};
	e = xr_engine_create(cfg, &io, err, sizeof(err));
	if (e == NULL) {
		fprintf(stderr, "xroute journal replay: %s\n", err);
		goto out;
	}
	rc = xr_engine_run(e, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "xroute journal replay: the replay run failed: %s\n",
			err[0] ? err : strerror(-rc));
		goto out;
	}
	const struct xr_summary *sum = xr_engine_summary(e);
	if (sum->snapshots_skipped != 0)
		fprintf(stderr, "xroute journal replay: %" PRIu64 " snapshots were deferred for "
			"want of a buffer: decisions after them may differ\n",
			sum->snapshots_skipped);
	xr_engine_destroy(e);
	e = NULL;

	rj = xr_jq_open("replay", jr_path);
	if (rj == NULL)
		goto out;
	int64_t rrun = 0;
	if (xr__one(xr_jdb_handle(rj), jr_path, "SELECT MAX(run) FROM runs WHERE ?1 = ?1", 0,
		    &rrun) != 0)
		goto out;
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	status = xr__compare_runs(j, path, run, rj, jr_path, rrun, limit);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (!temp)
		fprintf(stderr, "xroute journal replay: the replay's signals, results and journal "
			"are in %s\n", dir);
out:
	if (rj != NULL)
		xr_jdb_close(rj);
	xr_engine_destroy(e);
	if (cfg != NULL)
		xr_config_free(cfg);
	xr_jdb_close(j);
	if (temp && dir[0] != '\0')
		xr__cleanup(dir);
	return status;
}
