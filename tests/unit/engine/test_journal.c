/*
 * The journal writer (engine/journal*.c): a run writes one row per
 * signal, child, report and result that agree with the run's own books;
 * ClOrdIDs continue across runs of one journal, inside reserved blocks;
 * what a killed process left in the rings file is drained at the next
 * open; a rings file that is not ours, or whose indices are impossible,
 * is refused and kept.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixtures.h"
#include "journal_pvt.h"
#include "xr_connector.h"
#include "xr_journal_db.h"

#define VENUES                                                                   \
	"[venue alpha]\n"                                                            \
	"fee_taker_bps = 2\n"                                                        \
	"latency_us = 5\n"                                                           \
	"jitter_us = 0\n"                                                            \
	"book.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n"                     \
	"[venue bravo]\n"                                                            \
	"fee_taker_bps = 3\n"                                                        \
	"latency_us = 5\n"                                                           \
	"jitter_us = 0\n"                                                            \
	"book.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n"                     \
	"[user_defaults]\n"                                                          \
	"rate_per_s = 1000000\n"                                                     \
	"burst = 1000000\n"                                                          \
	"[user eve]\n"

static const struct xr_engine_io run_io = {.drain_timeout_ms = 5000};

static char *
signals(unsigned n, unsigned id0)
{
	size_t cap = (size_t)n * 96 + 256;
	char *buf = malloc(cap);
	size_t len = (size_t)snprintf(buf, cap, XR_TEST_SIGNAL_HEADER);

	for (unsigned i = 1; i <= n; i++)
		len += (size_t)snprintf(buf + len, cap - len,
					"%u,%u,eve,BTC-USD,%s,%s,market,,,entry,,\n", 1000 + i,
					id0 + i, i % 2 ? "buy" : "sell", i % 5 ? "0.5" : "25");
	return buf;
}

static const char *
journal_cfg(char *buf, size_t len, const char *extra)
{
	snprintf(buf, len, "[journal]\npath = %s\n%s" VENUES, xr_test_path("j.db"), extra);
	return buf;
}

static int64_t
q1(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK, "%s: %s", sql,
		     sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(s), SQLITE_ROW, "%s", sql);
	int64_t v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static sqlite3 *
open_db(void)
{
	sqlite3 *db = NULL;

	cr_assert_eq(sqlite3_open_v2(xr_test_path("j.db"), &db, SQLITE_OPEN_READONLY, NULL),
		     SQLITE_OK);
	return db;
}

Test(journal, a_run_journals_every_signal_child_report_and_result, .init = xr_test_make_dir)
{
	char cfg[2048];
	char *sig = signals(3000, 0);
	struct xr_engine *e = xr_test_run(journal_cfg(cfg, sizeof(cfg), ""), sig, run_io, 0);
	const struct xr_summary *s = xr_engine_summary(e);

	xr_test_check_invariants(s, 3000);
	cr_assert(s->journal);
	cr_assert_eq(s->journal_errors, 0);
	cr_assert_geq(s->journal_syncs, 1);
	uint64_t rows_written = s->journal_rows;
	xr_test_done(e);

	sqlite3 *db = open_db();
	cr_assert_eq(q1(db, "SELECT COUNT(*) FROM signals"), 3000);
	cr_assert_eq(q1(db, "SELECT COUNT(DISTINCT signal_id) FROM results"), 3000);
	cr_assert_eq(q1(db, "SELECT COUNT(*) FROM results"), 3000);
	cr_assert_eq(q1(db, "SELECT COUNT(*) FROM decisions"),
		     q1(db, "SELECT COUNT(DISTINCT signal_id) FROM children"));
	int64_t rows = q1(db, "SELECT (SELECT COUNT(*) FROM signals) + (SELECT COUNT(*) FROM "
			      "decisions) + (SELECT COUNT(*) FROM children) + (SELECT COUNT(*) "
			      "FROM reports) + (SELECT COUNT(*) FROM results) + (SELECT "
			      "COUNT(*) FROM events)");
	cr_assert_eq(rows, (int64_t)rows_written, "every row the writer counted is there");
	/* Every child has a terminal report, and each result's filled
	 * quantity is the sum of its children's fills. */
	cr_assert_eq(q1(db, "SELECT COUNT(*) FROM children c WHERE NOT EXISTS (SELECT 1 FROM "
			    "reports r WHERE r.cl_ord_id = c.cl_ord_id AND r.leaves_qty = 0)"),
		     0);
	cr_assert_eq(q1(db, "SELECT COUNT(*) FROM results s WHERE s.cum_qty != (SELECT "
			    "COALESCE(SUM(r.last_qty), 0) FROM reports r WHERE r.signal_id = "
			    "s.signal_id)"),
		     0);
	cr_assert_gt(q1(db, "SELECT COUNT(*) FROM results WHERE final = 'filled'"), 0);
	/* Every ClOrdID lies in a block reserved before the run used it. */
	cr_assert_eq(q1(db, "SELECT COUNT(*) FROM children c WHERE NOT EXISTS (SELECT 1 FROM "
			    "clordid_blocks b WHERE c.cl_ord_id BETWEEN b.first AND b.last)"),
		     0);
	cr_assert_eq(q1(db, "SELECT clean_exit FROM runs WHERE run = 1"), 1);
	sqlite3_close(db);
	free(sig);
}

Test(journal, clordids_continue_across_runs_of_one_journal, .init = xr_test_make_dir)
{
	char cfg[2048];
	char *sig = signals(500, 0);

	for (int run = 0; run < 2; run++) {
		struct xr_engine *e =
			xr_test_run(journal_cfg(cfg, sizeof(cfg), ""), sig, run_io, 0);
		xr_test_check_invariants(xr_engine_summary(e), 500);
		xr_test_done(e);
	}
	sqlite3 *db = open_db();
	cr_assert_eq(q1(db, "SELECT COUNT(*) FROM runs"), 2);
	cr_assert_gt(q1(db, "SELECT MIN(cl_ord_id) FROM children WHERE run = 2"),
		     q1(db, "SELECT MAX(last) FROM clordid_blocks WHERE run = 1"),
		     "run 2 starts past every ClOrdID run 1 reserved");
	cr_assert_eq(q1(db, "SELECT COUNT(*) FROM (SELECT cl_ord_id FROM children GROUP BY "
			    "cl_ord_id HAVING COUNT(*) > 1)"),
		     0, "no ClOrdID twice");
	sqlite3_close(db);
	free(sig);
}

Test(journal, sync_policies_each_write_the_same_rows, .init = xr_test_make_dir)
{
	static const char *const policies[] = { "sync = interval\nsync_interval_ms = 1\n",
						"sync = off\n", "sync = batch\nbatch_records = 7\n" };
	char cfg[2048];
	char *sig = signals(400, 0);

	for (int p = 0; p < 3; p++) {
		unlink(xr_test_path("j.db"));
		struct xr_engine *e =
			xr_test_run(journal_cfg(cfg, sizeof(cfg), policies[p]), sig, run_io, 0);
		cr_assert_eq(xr_engine_summary(e)->journal_errors, 0);
		xr_test_done(e);
		sqlite3 *db = open_db();
		cr_assert_eq(q1(db, "SELECT COUNT(*) FROM results"), 400, "%s", policies[p]);
		sqlite3_close(db);
	}
	free(sig);
}

/* ---- the rings file, driven by hand ---- */

static struct xr_config *
load(void)
{
	char cfg[2048];
	return xr_test_load_config(journal_cfg(cfg, sizeof(cfg), ""));
}

Test(journal, records_a_killed_process_left_in_the_rings_are_drained, .init = xr_test_make_dir)
{
	struct xr_config *cfg = load();
	struct xr_journal j;
	char err[512];

	cr_assert_eq(xr_journal_open(&j, cfg, cfg->n_venues, "run", err, sizeof(err)), 0, "%s", err);
	/* What the stages would have made, never taken by a writer. */
	struct xr_msg m = {.kind = XR_MSG_SIGNAL, .signal_id = 77, .qty = 50000000,
			   .side = XR_SIDE_BUY, .t = {[XR_T_INGRESS] = 1}};
	cr_assert(xr_ring_enqueue(xr_journal_ring(&j, XR_JR_INGRESS), &m));
	m.kind = XR_MSG_CHILD;
	m.cl_ord_id = xr_journal_first_clordid(&j);
	m.order_id = 1;
	m.venue = 1;
	m.attempts = 1;
	cr_assert(xr_ring_enqueue(xr_journal_ring(&j, XR_JR_ROUTE), &m));
	m.kind = XR_MSG_REPORT;
	m.ord_status = XR_OS_FILLED;
	m.cum_qty = 50000000;
	cr_assert(xr_ring_enqueue(xr_journal_ring(&j, XR_JR_EXECUTE + 1), &m));
	/* Killed: the mapping goes with the process, the file stays. */
	xr_journal_close(&j, false);

	cr_assert_eq(xr_journal_open(&j, cfg, cfg->n_venues, "run", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(j.st.recovered, 3);
	xr_journal_close(&j, true);
	sqlite3 *db = open_db();
	cr_assert_eq(q1(db, "SELECT COUNT(*) FROM signals WHERE signal_id = 77"), 1);
	cr_assert_eq(q1(db, "SELECT COUNT(*) FROM children WHERE signal_id = 77"), 1);
	cr_assert_eq(q1(db, "SELECT cum_qty FROM reports WHERE signal_id = 77"), 50000000);
	cr_assert_eq(q1(db, "SELECT venue = 'bravo' FROM reports WHERE signal_id = 77"), 1);
	cr_assert_eq(q1(db, "SELECT recovered FROM runs WHERE run = 2"), 1);
	/* Drained once: a third open finds the rings empty. */
	cr_assert_eq(xr_journal_open(&j, cfg, cfg->n_venues, "run", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(j.st.recovered, 0);
	xr_journal_close(&j, true);
	sqlite3_close(db);
	xr_config_free(cfg);
}

static void
expect_refused(struct xr_config *cfg, const char *want)
{
	struct xr_journal j;
	char err[512] = "";
	struct stat before, after;

	cr_assert_eq(stat(xr_test_path("j.db-ring"), &before), 0);
	cr_assert_eq(xr_journal_open(&j, cfg, cfg->n_venues, "run", err, sizeof(err)), -EBADMSG);
	cr_assert_not_null(strstr(err, "j.db-ring"), "names the file: %s", err);
	cr_assert_not_null(strstr(err, want), "says why (%s): %s", want, err);
	xr_journal_close(&j, false);
	cr_assert_eq(stat(xr_test_path("j.db-ring"), &after), 0);
	cr_assert_eq(after.st_size, before.st_size, "the file is kept as it was");
}

Test(journal, a_rings_file_that_is_not_ours_is_refused_and_kept, .init = xr_test_make_dir)
{
	struct xr_config *cfg = load();

	xr_test_write_file("j.db-ring", "this is not a rings file, but it is long enough......");
	expect_refused(cfg, "not a journal rings file");
	xr_config_free(cfg);
}

Test(journal, impossible_ring_indices_are_refused_and_kept, .init = xr_test_make_dir)
{
	struct xr_config *cfg = load();
	struct xr_journal j;
	char err[512];

	cr_assert_eq(xr_journal_open(&j, cfg, cfg->n_venues, "run", err, sizeof(err)), 0, "%s", err);
	xr_journal_close(&j, true);
	/* Ring 0's head (its first word, after the 4096-byte header) behind
	 * its tail (the consumer side, XR_RING_PAD bytes further). */
	int fd = open(xr_test_path("j.db-ring"), O_RDWR);
	uint64_t head = 3, tail = 9;
	cr_assert_eq(pwrite(fd, &head, sizeof(head), 4096), (ssize_t)sizeof(head));
	cr_assert_eq(pwrite(fd, &tail, sizeof(tail), 4096 + XR_RING_PAD), (ssize_t)sizeof(tail));
	close(fd);
	expect_refused(cfg, "impossible");
	xr_config_free(cfg);
}

Test(journal, a_truncated_rings_file_is_refused_and_kept, .init = xr_test_make_dir)
{
	struct xr_config *cfg = load();
	struct xr_journal j;
	char err[512];

	cr_assert_eq(xr_journal_open(&j, cfg, cfg->n_venues, "run", err, sizeof(err)), 0, "%s", err);
	xr_journal_close(&j, true);
	cr_assert_eq(truncate(xr_test_path("j.db-ring"), 8192), 0);
	expect_refused(cfg, "truncated");
	xr_config_free(cfg);
}
