/*
 * Unit tests of engine/journal_db.c and engine/journal_salvage.c: a
 * created journal (WAL, instance, meta, the catalogue against the real
 * tables, the views' decimals), runs, and every kind of bad file made for
 * real (missing, a directory, a text file, an SQLite database that is not
 * a journal, schema versions 0 and 2, a copy truncated mid-page, pages
 * overwritten in the middle), each with its code and the words of its
 * message; then salvage of journals with one, two and a last damaged page
 * (rows before and after recovered, the lost rowids counted exactly).
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "journal_fixture.h"
#include "xr_journal_db.h"

static char dir[64];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/xr_jdb_XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

static void
teardown(void)
{
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(journal_db, .init = setup, .fini = teardown);

static const char *
path_of(const char *name)
{
	static char p[4][128];
	static unsigned i;
	char *s = p[i++ % 4];
	snprintf(s, 128, "%s/%s", dir, name);
	return s;
}

static void
sample(const char *path)
{
	char err[512];
	cr_assert_eq(jfx_sample(path, err, sizeof(err)), 0, "%s", err);
}

static int64_t
one_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
		     sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: %s", sql, sqlite3_errmsg(db));
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
one_text(sqlite3 *db, const char *sql, char *out, size_t n)
{
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
		     sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: %s", sql, sqlite3_errmsg(db));
	snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* Run raw SQL on a plain SQLite file (not through xr_jdb). */
static void
raw_sql(const char *path, const char *sql)
{
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "%s",
		     sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* Open must fail with @p code and a message holding @p path and @p words. */
static void
expect_open_fails(const char *path, unsigned flags, int code, const char *words)
{
	struct xr_jdb *j = (struct xr_jdb *)1;
	char err[512] = "";
	int rc = xr_jdb_open(path, flags, &j, err, sizeof(err));
	cr_assert_eq(rc, code, "open %s: %d, not %d (%s)", path, rc, code, err);
	cr_assert_null(j);
	cr_assert(strstr(err, path) != NULL, "message does not name the file: %s", err);
	cr_assert(strstr(err, words) != NULL, "message lacks \"%s\": %s", words, err);
}

/* ---- a good journal ---- */

Test(journal_db, create_makes_wal_instance_and_meta)
{
	const char *p = path_of("j.db");
	struct xr_jdb *j;
	char err[512], inst[16], mode[16];

	cr_assert_eq(xr_jdb_open(p, XR_JDB_CREATE, &j, err, sizeof(err)), 0, "%s", err);
	const char *in = xr_jdb_instance(j);
	cr_assert_eq(strlen(in), 8);
	cr_assert_eq(strspn(in, "0123456789abcdefghijklmnopqrstuvwxyz"), 8, "%s", in);
	snprintf(inst, sizeof(inst), "%s", in);
	one_text(xr_jdb_handle(j), "PRAGMA journal_mode", mode, sizeof(mode));
	cr_assert_str_eq(mode, "wal");
	one_text(xr_jdb_handle(j), "SELECT value FROM meta WHERE key = 'schema_version'", mode,
		 sizeof(mode));
	cr_assert_str_eq(mode, "1");
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t created = one_int(xr_jdb_handle(j), "SELECT CAST(value AS INTEGER) FROM meta "
					    "WHERE key = 'created_ns'");
	int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	cr_assert(created <= now && created > now - INT64_C(60000000000), "created_ns %lld",
		  (long long)created);
	cr_assert_eq(xr_jdb_check(j, err, sizeof(err)), 0, "%s", err);
	xr_jdb_close(j);

	/* Opened again, read-only: the same instance, no new meta. */
	cr_assert_eq(xr_jdb_open(p, XR_JDB_READONLY, &j, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(xr_jdb_instance(j), inst);
	cr_assert_eq(one_int(xr_jdb_handle(j), "SELECT count(*) FROM meta"), 3);
	xr_jdb_close(j);
	/* XR_JDB_CREATE on an existing journal opens it. */
	cr_assert_eq(xr_jdb_open(p, XR_JDB_CREATE, &j, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(xr_jdb_instance(j), inst);
	xr_jdb_close(j);
	/* A copy turned to rollback mode writes in WAL mode again when opened
	 * for writing. */
	raw_sql(p, "PRAGMA journal_mode=DELETE");
	cr_assert_eq(xr_jdb_open(p, 0, &j, err, sizeof(err)), 0, "%s", err);
	one_text(xr_jdb_handle(j), "PRAGMA journal_mode", mode, sizeof(mode));
	cr_assert_str_eq(mode, "wal");
	xr_jdb_close(j);
}

Test(journal_db, two_journals_get_different_instances)
{
	struct xr_jdb *a, *b;
	char err[512];

	cr_assert_eq(xr_jdb_open(path_of("a.db"), XR_JDB_CREATE, &a, err, sizeof(err)), 0);
	cr_assert_eq(xr_jdb_open(path_of("b.db"), XR_JDB_CREATE, &b, err, sizeof(err)), 0);
	cr_assert_str_neq(xr_jdb_instance(a), xr_jdb_instance(b));
	xr_jdb_close(a);
	xr_jdb_close(b);
}

Test(journal_db, catalogue_matches_the_tables)
{
	const char *p = path_of("j.db");
	struct xr_jdb *j;
	char err[512], sql[128];
	unsigned n;
	const struct xr_jdb_table *t = xr_jdb_tables(&n);

	cr_assert_eq(xr_jdb_open(p, XR_JDB_CREATE, &j, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(n, 8);
	for (unsigned i = 0; i < n; i++) {
		sqlite3_stmt *st;
		snprintf(sql, sizeof(sql), "SELECT name, type, \"notnull\" FROM "
			 "pragma_table_info('%s') ORDER BY cid", t[i].name);
		cr_assert_eq(sqlite3_prepare_v2(xr_jdb_handle(j), sql, -1, &st, NULL), SQLITE_OK);
		unsigned c = 0;
		while (sqlite3_step(st) == SQLITE_ROW) {
			cr_assert_lt(c, t[i].ncols, "%s has more columns", t[i].name);
			const struct xr_jdb_column *col = &t[i].cols[c++];
			cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), col->name);
			cr_assert_str_eq((const char *)sqlite3_column_text(st, 1),
					 col->kind == XR_JDB_TEXT ? "TEXT" : "INTEGER", "%s.%s",
					 t[i].name, col->name);
			/* runs.run is the INTEGER PRIMARY KEY: NOT NULL by nature. */
			if (strcmp(col->name, "run") != 0 || strcmp(t[i].name, "runs") != 0)
				cr_assert_eq(sqlite3_column_int(st, 2), !col->nullable, "%s.%s",
					     t[i].name, col->name);
		}
		sqlite3_finalize(st);
		cr_assert_eq(c, t[i].ncols, "%s: %u columns", t[i].name, c);
		cr_assert_eq(xr_jdb_table_find(t[i].name), &t[i]);
	}
	cr_assert_null(xr_jdb_table_find("meta"));
	xr_jdb_close(j);
}

Test(journal_db, runs_begin_and_end)
{
	struct xr_jdb *j;
	char err[512];

	cr_assert_eq(xr_jdb_open(path_of("j.db"), XR_JDB_CREATE, &j, err, sizeof(err)), 0);
	cr_assert_eq(xr_jdb_begin_run(j, "run", "a.ini", 0, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(xr_jdb_begin_run(j, "serve", NULL, 1, err, sizeof(err)), 2, "%s", err);
	cr_assert_eq(xr_jdb_end_run(j, 2, 1), 0, "%s", xr_jdb_errmsg(j));
	sqlite3 *db = xr_jdb_handle(j);
	cr_assert_eq(one_int(db, "SELECT clean_exit FROM runs WHERE run = 2"), 1);
	cr_assert_eq(one_int(db, "SELECT recovered FROM runs WHERE run = 2"), 1);
	cr_assert_eq(one_int(db, "SELECT pid FROM runs WHERE run = 1"), getpid());
	cr_assert_eq(one_int(db, "SELECT ended_ns IS NULL FROM runs WHERE run = 1"), 1);
	cr_assert_eq(one_int(db, "SELECT config IS NULL FROM runs WHERE run = 2"), 1);
	cr_assert_eq(one_int(db, "SELECT ended_ns >= started_ns FROM runs WHERE run = 2"), 1);
	cr_assert_eq(xr_jdb_end_run(j, 99, 1), -ENOENT);
	cr_assert(strstr(xr_jdb_errmsg(j), "no run 99") != NULL, "%s", xr_jdb_errmsg(j));
	xr_jdb_close(j);

	cr_assert_eq(xr_jdb_open(path_of("j.db"), XR_JDB_READONLY, &j, err, sizeof(err)), 0);
	cr_assert_eq(xr_jdb_begin_run(j, "run", NULL, 0, err, sizeof(err)), -EROFS);
	xr_jdb_close(j);
}

Test(journal_db, views_show_exact_decimals)
{
	const char *p = path_of("j.db");
	struct xr_jdb *j;
	char err[512], v[64];

	sample(p);
	cr_assert_eq(xr_jdb_open(p, XR_JDB_READONLY, &j, err, sizeof(err)), 0, "%s", err);
	sqlite3 *db = xr_jdb_handle(j);
	one_text(db, "SELECT order_qty || '|' || cum_notional || '|' || fees FROM v_results "
		 "WHERE signal_id = 4097", v, sizeof(v));
	cr_assert_str_eq(v, "1.5|75000.35|1.24999999");
	one_text(db, "SELECT last_fees FROM v_reports WHERE cl_ord_id = 1002", v, sizeof(v));
	cr_assert_str_eq(v, "-0.00000001");
	one_text(db, "SELECT qty || '|' || limit_px || '|' || at FROM v_signals WHERE "
		 "signal_id = 4097", v, sizeof(v));
	cr_assert_str_eq(v, "1.5|50000.25|2026-12-07T14:00:00.000001000Z");
	one_text(db, "SELECT limit_px FROM v_signals WHERE signal_id = 8193", v, sizeof(v));
	cr_assert_str_eq(v, "0");
	/* Open orders: 1003 only (1001 and 1002 filled). */
	cr_assert_eq(one_int(db, "SELECT count(*) FROM v_open_children"), 1);
	cr_assert_eq(one_int(db, "SELECT cl_ord_id FROM v_open_children"), 1003);
	xr_jdb_close(j);
}

/* ---- bad journals ---- */

Test(journal_db, missing_file_and_directory)
{
	expect_open_fails(path_of("none.db"), 0, -ENOENT, "no such file");
	expect_open_fails(path_of("none.db"), XR_JDB_READONLY, -ENOENT, "no such file");
	cr_assert_eq(access(path_of("none.db"), F_OK), -1, "a failed open made the file");
	cr_assert_eq(mkdir(path_of("d.db"), 0700), 0);
	expect_open_fails(path_of("d.db"), XR_JDB_CREATE, -ENOENT, "not a regular file");
}

Test(journal_db, text_file_is_not_a_database)
{
	const char *p = path_of("t.db");
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs("ts_ns,signal_id,user\n1,2,u1\n", f);
	fclose(f);
	expect_open_fails(p, XR_JDB_READONLY, -EBADMSG, "not an SQLite database");
	/* Not even XR_JDB_CREATE touches it. */
	expect_open_fails(p, XR_JDB_CREATE, -EBADMSG, "not an SQLite database");
	struct stat st;
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_size, 28);

	/* An empty file is a journal to be made with XR_JDB_CREATE only. */
	const char *e = path_of("empty.db");
	fclose(fopen(e, "w"));
	expect_open_fails(e, XR_JDB_READONLY, -EBADMSG, "the file is empty");
	struct xr_jdb *j;
	char err[512];
	cr_assert_eq(xr_jdb_open(e, XR_JDB_CREATE, &j, err, sizeof(err)), 0, "%s", err);
	xr_jdb_close(j);
}

Test(journal_db, sqlite_database_that_is_not_a_journal)
{
	raw_sql(path_of("other.db"), "CREATE TABLE t(x); INSERT INTO t VALUES (1);");
	expect_open_fails(path_of("other.db"), XR_JDB_READONLY, -EBADMSG,
			  "not an xroute journal (no meta table");
	raw_sql(path_of("nover.db"), "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
		"INSERT INTO meta VALUES ('instance', 'abcd1234');");
	expect_open_fails(path_of("nover.db"), XR_JDB_CREATE, -EBADMSG,
			  "meta has no schema_version");
	raw_sql(path_of("nan.db"), "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
		"INSERT INTO meta VALUES ('schema_version', 'one');");
	expect_open_fails(path_of("nan.db"), 0, -EBADMSG, "\"one\" is not a number");
}

Test(journal_db, other_schema_versions)
{
	const char *p0 = path_of("v0.db"), *p2 = path_of("v2.db");

	sample(p0);
	raw_sql(p0, "UPDATE meta SET value = '0' WHERE key = 'schema_version'");
	expect_open_fails(p0, XR_JDB_READONLY, -ENOTSUP,
			  "schema version 0 is older than this xroute's 1");
	expect_open_fails(p0, XR_JDB_READONLY, -ENOTSUP, "start a new journal");
	sample(p2);
	raw_sql(p2, "UPDATE meta SET value = '2' WHERE key = 'schema_version'");
	expect_open_fails(p2, 0, -ENOTSUP, "schema version 2 is newer than this xroute's 1");
}

Test(journal_db, truncated_mid_page)
{
	const char *p = path_of("j.db"), *cut = path_of("cut.db");
	char err[512];
	struct stat st;

	cr_assert_eq(jfx_bulk(p, 3000, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(jfx_copy(p, cut, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(stat(cut, &st), 0);
	cr_assert_eq(truncate(cut, st.st_size / 2 + 1000), 0);
	expect_open_fails(cut, XR_JDB_READONLY, -EIO, "truncated");
	expect_open_fails(cut, XR_JDB_READONLY, -EIO, "not a whole number of 4096-byte pages");
	/* Cut on a page boundary: the header's page count says so. */
	cr_assert_eq(truncate(cut, 4096 * 4), 0);
	expect_open_fails(cut, XR_JDB_READONLY, -EIO, "the header says");
	/* Less than the header. */
	cr_assert_eq(truncate(cut, 60), 0);
	expect_open_fails(cut, XR_JDB_READONLY, -EIO, "100-byte header");
}

Test(journal_db, overwritten_middle_fails_check_and_reads)
{
	const char *p = path_of("j.db");
	char err[768];
	int64_t pg, first, last, psz;
	struct xr_jdb *j;

	cr_assert_eq(jfx_bulk(p, 3000, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(jfx_leaf(p, "signals", 10, &pg, &first, &last, &psz, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(jfx_smash(p, pg, psz, 0, 64, 0xa5, err, sizeof(err)), 0, "%s", err);
	/* The header and meta are intact: it opens, and says what is wrong
	 * when the damaged page is read. */
	cr_assert_eq(xr_jdb_open(p, XR_JDB_READONLY, &j, err, sizeof(err)), 0, "%s", err);
	int rc = xr_jdb_check(j, err, sizeof(err));
	cr_assert_eq(rc, -EIO, "check: %d (%s)", rc, err);
	cr_assert(strstr(err, p) != NULL && strstr(err, "corrupt") != NULL &&
		  strstr(err, "salvage") != NULL, "%s", err);
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(xr_jdb_handle(j), "SELECT qty FROM signals WHERE "
					"rowid = ?1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, first);
	rc = sqlite3_step(st);
	cr_assert_eq(xr_jdb_errno(rc), -EIO, "reading the damaged page: %d", rc);
	cr_assert_eq(rc & 0xff, SQLITE_CORRUPT);
	sqlite3_finalize(st);
	xr_jdb_close(j);
}

/* ---- salvage ---- */

static void
salvage_ok(const char *bad, const char *good, struct xr_jdb_salvage *rep)
{
	char err[512];
	int rc = xr_jdb_salvage(bad, good, rep, err, sizeof(err));
	cr_assert_eq(rc, 0, "salvage: %d (%s)", rc, err);
}

static const struct xr_jdb_salvage_table *
rep_table(const struct xr_jdb_salvage *rep, const char *name)
{
	for (unsigned i = 0; i < rep->ntables; i++)
		if (strcmp(rep->tables[i].name, name) == 0)
			return &rep->tables[i];
	cr_assert_fail("no table %s in the report", name);
	return NULL;
}

/* Rows of @p good's signals with rowid in [a, b]. */
static int64_t
rows_between(const char *good, int64_t a, int64_t b)
{
	struct xr_jdb *j;
	char err[512], sql[128];

	cr_assert_eq(xr_jdb_open(good, XR_JDB_READONLY, &j, err, sizeof(err)), 0, "%s", err);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM signals WHERE rowid BETWEEN %lld AND "
		 "%lld AND signal_id = rowid AND qty = rowid * 1000", (long long)a, (long long)b);
	int64_t n = one_int(xr_jdb_handle(j), sql);
	xr_jdb_close(j);
	return n;
}

Test(journal_db, salvage_intact_copies_everything_and_keeps_instance)
{
	const char *p = path_of("j.db"), *g = path_of("good.db");
	struct xr_jdb_salvage rep;
	struct xr_jdb *a, *b;
	char err[512];

	sample(p);
	salvage_ok(p, g, &rep);
	cr_assert(rep.meta_copied);
	cr_assert_eq(rep.ntables, 8);
	cr_assert_eq(rep_table(&rep, "runs")->copied, 2);
	cr_assert_eq(rep_table(&rep, "signals")->copied, 3);
	cr_assert_eq(rep_table(&rep, "reports")->copied, 5);
	cr_assert_eq(rep_table(&rep, "events")->copied, 2);
	for (unsigned i = 0; i < rep.ntables; i++)
		cr_assert_eq(rep.tables[i].nranges, 0, "%s", rep.tables[i].name);
	cr_assert_eq(xr_jdb_open(p, XR_JDB_READONLY, &a, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(xr_jdb_open(g, XR_JDB_READONLY, &b, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(xr_jdb_instance(a), xr_jdb_instance(b));
	cr_assert_eq(xr_jdb_check(b, err, sizeof(err)), 0, "%s", err);
	/* Row for row the same (every column, with NULLs). */
	char sql[300];
	snprintf(sql, sizeof(sql), "ATTACH DATABASE '%s' AS src", p);
	cr_assert_eq(sqlite3_exec(xr_jdb_handle(b), sql, NULL, NULL, NULL), SQLITE_OK, "%s",
		     sqlite3_errmsg(xr_jdb_handle(b)));
	cr_assert_eq(one_int(xr_jdb_handle(b), "SELECT count(*) FROM (SELECT rowid, * FROM "
			     "src.events EXCEPT SELECT rowid, * FROM main.events)"), 0);
	cr_assert_eq(one_int(xr_jdb_handle(b), "SELECT count(*) FROM (SELECT rowid, * FROM "
			     "src.reports EXCEPT SELECT rowid, * FROM main.reports)"), 0);
	xr_jdb_close(a);
	xr_jdb_close(b);
}

Test(journal_db, salvage_recovers_around_a_damaged_page)
{
	const char *p = path_of("j.db"), *g = path_of("good.db");
	struct xr_jdb_salvage rep;
	int64_t pg, first, last, psz;
	char err[512];

	cr_assert_eq(jfx_bulk(p, 3000, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(jfx_leaf(p, "signals", 12, &pg, &first, &last, &psz, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(jfx_smash(p, pg, psz, 0, psz, 0, err, sizeof(err)), 0, "%s", err);
	salvage_ok(p, g, &rep);
	const struct xr_jdb_salvage_table *s = rep_table(&rep, "signals");
	int64_t lost = last - first + 1;
	cr_assert_eq(s->nranges, 1, "%u ranges", s->nranges);
	cr_assert_eq(s->range_first[0], first);
	cr_assert_eq(s->range_last[0], last);
	cr_assert_eq(s->lost, lost);
	cr_assert_eq(s->copied, 3000 - lost);
	cr_assert_neq(s->error[0], '\0');
	cr_assert(rep.meta_copied);
	cr_assert_eq(rep_table(&rep, "runs")->copied, 1);
	/* Before and after the damage, every row, intact. */
	cr_assert_eq(rows_between(g, 1, first - 1), first - 1);
	cr_assert_eq(rows_between(g, last + 1, 3000), 3000 - last);
	cr_assert_eq(rows_between(g, first, last), 0);
	struct xr_jdb *j;
	cr_assert_eq(xr_jdb_open(g, XR_JDB_READONLY, &j, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(xr_jdb_check(j, err, sizeof(err)), 0, "%s", err);
	xr_jdb_close(j);
}

Test(journal_db, salvage_two_damaged_pages_and_the_last)
{
	const char *p = path_of("j.db"), *g = path_of("good.db");
	struct xr_jdb_salvage rep;
	int64_t pg[3], first[3], last[3], psz;
	unsigned nth[3] = {3, 20, 0};
	char err[512];

	cr_assert_eq(jfx_bulk(p, 3000, err, sizeof(err)), 0, "%s", err);
	/* The last leaf: find how many there are. */
	for (unsigned k = 0;; k++) {
		int64_t a, b, c, d;
		if (jfx_leaf(p, "signals", k, &a, &b, &c, &d, err, sizeof(err)) != 0) {
			nth[2] = k - 1;
			break;
		}
	}
	cr_assert_gt(nth[2], 21);
	for (unsigned i = 0; i < 3; i++)
		cr_assert_eq(jfx_leaf(p, "signals", nth[i], &pg[i], &first[i], &last[i], &psz, err,
				      sizeof(err)), 0, "%s", err);
	for (unsigned i = 0; i < 3; i++)
		cr_assert_eq(jfx_smash(p, pg[i], psz, 0, 16, 0xff, err, sizeof(err)), 0, "%s", err);
	salvage_ok(p, g, &rep);
	const struct xr_jdb_salvage_table *s = rep_table(&rep, "signals");
	cr_assert_eq(s->nranges, 3, "%u ranges", s->nranges);
	cr_assert_eq(s->range_first[0], first[0]);
	cr_assert_eq(s->range_last[0], last[0]);
	cr_assert_eq(s->range_first[1], first[1]);
	cr_assert_eq(s->range_last[1], last[1]);
	/* The last page: where it starts is known, where it ends is not. */
	cr_assert_eq(s->range_first[2], first[2]);
	cr_assert_eq(s->range_last[2], INT64_MAX);
	cr_assert_eq(s->lost, -1);
	int64_t kept = 3000 - (last[0] - first[0] + 1) - (last[1] - first[1] + 1) -
		       (3000 - first[2] + 1);
	cr_assert_eq(s->copied, kept);
	cr_assert_eq(rows_between(g, 1, 3000), kept);
	cr_assert_eq(rows_between(g, last[0] + 1, first[1] - 1), first[1] - last[0] - 1);
}

Test(journal_db, salvage_refuses)
{
	const char *p = path_of("j.db"), *g = path_of("good.db"), *t = path_of("t.txt");
	struct xr_jdb_salvage rep;
	char err[512];

	sample(p);
	sample(g);
	cr_assert_eq(xr_jdb_salvage(p, g, &rep, err, sizeof(err)), -EEXIST);
	cr_assert(strstr(err, g) != NULL, "%s", err);
	FILE *f = fopen(t, "w");
	fputs("not a database at all, but long enough to have a header\n", f);
	fclose(f);
	cr_assert_eq(xr_jdb_salvage(t, path_of("g2.db"), &rep, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "not an SQLite database") != NULL, "%s", err);
	cr_assert_eq(xr_jdb_salvage(path_of("none.db"), path_of("g2.db"), &rep, err,
				    sizeof(err)), -ENOENT);
	raw_sql(path_of("v2.db"), "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
		"INSERT INTO meta VALUES ('schema_version', '2');");
	cr_assert_eq(xr_jdb_salvage(path_of("v2.db"), path_of("g2.db"), &rep, err,
				    sizeof(err)), -ENOTSUP);
	cr_assert_eq(access(path_of("g2.db"), F_OK), -1, "a refused salvage left its output");
}

Test(journal_db, corrupt_meta_page_fails_open_with_sqlites_message)
{
	const char *p = path_of("j.db");
	char err[512];
	struct xr_jdb *j;

	sample(p);
	cr_assert_eq(xr_jdb_open(p, XR_JDB_READONLY, &j, err, sizeof(err)), 0, "%s", err);
	int64_t root = one_int(xr_jdb_handle(j), "SELECT rootpage FROM sqlite_schema WHERE "
				"name = 'sqlite_autoindex_meta_1'");
	xr_jdb_close(j);
	/* meta's key index is what the schema_version lookup reads. */
	cr_assert_eq(jfx_smash(p, root, 4096, 0, 8, 0xee, err, sizeof(err)), 0, "%s", err);
	expect_open_fails(p, XR_JDB_READONLY, -EIO, "corrupt: database disk image is malformed");
	expect_open_fails(p, XR_JDB_READONLY, -EIO, "salvage");
}
