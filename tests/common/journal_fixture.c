/*
 * Journals with known contents, and damage to them (journal_fixture.h).
 */
#include "journal_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xr_journal_db.h"

/* JFX_T0 and one second, as SQL text. */
#define T0 "1796652000000000000"
#define SEC "1000000000"

static int
exec_all(sqlite3 *db, const char *sql, char *err, size_t n)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, n, "fixture SQL: %s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
jfx_sample(const char *path, char *err, size_t n)
{
	struct xr_jdb *j;

	if (xr_jdb_open(path, XR_JDB_CREATE, &j, err, n) != 0)
		return -1;
	int64_t r1 = xr_jdb_begin_run(j, "run", "xroute.ini", 0, err, n);
	int64_t r2 = r1 > 0 ? xr_jdb_begin_run(j, "serve", NULL, 1, err, n) : -1;
	if (r1 != 1 || r2 != 2 || xr_jdb_end_run(j, r1, 1) != 0) {
		if (r2 == 2)
			snprintf(err, n, "fixture runs: %s", xr_jdb_errmsg(j));
		xr_jdb_close(j);
		return -1;
	}
	/* Times are T0 + ns offsets; signal 8193 an hour later. */
	static const char *const sql[] = {
		"BEGIN",
		"INSERT INTO clordid_blocks VALUES (1001, 2000, 1, " T0 "), (2001, 3000, 2, " T0 " + 3600 * " SEC ")",
		"INSERT INTO signals VALUES (1, 4097, 'desk', 42, 'u1', 'BTC-USD', 'buy', 'limit', 'gtc',"
		" 'entry', 'best_execution', 150000000, 5000025000000, 10, " T0 " - 5000, 2, " T0 " + 1000)",
		"INSERT INTO decisions VALUES (1, 4097, 1, 'best_execution', 'limit', 'split_depth',"
		" 5000010000000, 5000000000000, 120, 950000, 8125, 'alpha=1;beta=0.5',"
		" 'beta=71.20;gamma=65.00', " T0 " + 2000)",
		"INSERT INTO children VALUES (1, 1001, 4097, 1, 'alpha', 'u1', 'BTC-USD', 'buy', 'limit',"
		" 'gtc', 100000000, 5000025000000, 0, 1, " T0 " + 3000, " T0 " + 3000),"
		" (1, 1002, 4097, 1, 'beta', 'u1', 'BTC-USD', 'buy', 'limit', 'gtc', 50000000,"
		" 5000025000000, 1, 1, " T0 " + 3100, " T0 " + 3100)",
		"INSERT INTO events VALUES (1, 'failover', 'beta', NULL, 1002, 'beta slow: sent on',"
		" " T0 " + 3200)",
		"INSERT INTO reports VALUES"
		" (1, 1001, 4097, 1, 'alpha', 'report', 'new', 'none', 0, 0, 0, 0, 100000000, " T0 " + 4000),"
		" (1, 1001, 4097, 1, 'alpha', 'report', 'partially_filled', 'none', 40000000,"
		" 2000008000000, 50000000, 40000000, 60000000, " T0 " + 5000),"
		" (1, 1001, 4097, 1, 'alpha', 'report', 'filled', 'none', 60000000, 3000012000000,"
		" 75000000, 100000000, 0, " T0 " + 6000),"
		" (1, 1002, 4097, 1, 'beta', 'report', 'filled', 'none', 50000000, 2500015000000, -1,"
		" 50000000, 0, " T0 " + 6500)",
		"INSERT INTO results VALUES (1, 4097, 1, 'u1', 'BTC-USD', 'buy', 'filled', 'none',"
		" 150000000, 150000000, 7500035000000, 124999999, 'alpha,beta', " T0 " + 7000)",
		/* 4098: open, a minute later. */
		"INSERT INTO signals VALUES (1, 4098, 'desk', 43, 'u2', 'ETH-USD', 'sell', 'limit', 'day',"
		" 'exit', 'default', 200000000, 300050000000, 25, " T0 " + 60 * " SEC ","
		" 3, " T0 " + 60 * " SEC " + 1000)",
		"INSERT INTO decisions VALUES (1, 4098, 2, 'weighted_score', 'limit', 'best_score',"
		" 300050000000, 300040000000, 0, 990000, 7000, 'gamma=2', '', " T0 " + 60 * " SEC " + 2000)",
		"INSERT INTO children VALUES (1, 1003, 4098, 2, 'gamma', 'u2', 'ETH-USD', 'sell', 'limit',"
		" 'day', 200000000, 300050000000, 0, 1, " T0 " + 60 * " SEC " + 3000, " T0 " + 60 * " SEC " + 3000)",
		"INSERT INTO reports VALUES (1, 1003, 4098, 2, 'gamma', 'report', 'new', 'none', 0, 0, 0,"
		" 0, 200000000, " T0 " + 60 * " SEC " + 4000)",
		"INSERT INTO events VALUES (1, 'alert', 'beta', NULL, NULL,"
		" 'high_latency raised, median \"2.5 ms\"', " T0 " + 90 * " SEC ")",
		/* 8193: rejected, in run 2, an hour later. */
		"INSERT INTO signals VALUES (2, 8193, 'file', 7, 'u1', 'BTC-USD', 'sell', 'market', 'ioc',"
		" 'stop_loss', 'aggressive', 25000000, 0, 50, " T0 " + 3600 * " SEC " - 10,"
		" 7, " T0 " + 3600 * " SEC ")",
		"INSERT INTO results VALUES (2, 8193, 3, 'u1', 'BTC-USD', 'sell', 'rejected',"
		" 'max_position', 25000000, 0, 0, 0, '', " T0 " + 3600 * " SEC " + 500)",
		"COMMIT;",
	};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof(sql) / sizeof(sql[0]); i++)
		rc = exec_all(xr_jdb_handle(j), sql[i], err, n);
	xr_jdb_close(j);
	return rc;
}

int
jfx_bulk(const char *path, int64_t nsignals, char *err, size_t n)
{
	struct xr_jdb *j;
	sqlite3_stmt *st;

	if (xr_jdb_open(path, XR_JDB_CREATE, &j, err, n) != 0)
		return -1;
	sqlite3 *db = xr_jdb_handle(j);
	if (xr_jdb_begin_run(j, "run", NULL, 0, err, n) != 1 ||
	    exec_all(db, "BEGIN", err, n) != 0) {
		xr_jdb_close(j);
		return -1;
	}
	if (sqlite3_prepare_v2(db, "INSERT INTO signals VALUES (1, ?1, 'file', ?1, 'u1', "
			       "'BTC-USD', 'buy', 'limit', 'gtc', 'entry', 'default', ?2, "
			       "5000025000000, 10, ?3, ?1, ?3)", -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, n, "fixture: %s", sqlite3_errmsg(db));
		xr_jdb_close(j);
		return -1;
	}
	for (int64_t i = 1; i <= nsignals; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, i);
		sqlite3_bind_int64(st, 2, i * 1000);
		sqlite3_bind_int64(st, 3, JFX_T0 + i * 1000);
		if (sqlite3_step(st) != SQLITE_DONE) {
			snprintf(err, n, "fixture: %s", sqlite3_errmsg(db));
			sqlite3_finalize(st);
			xr_jdb_close(j);
			return -1;
		}
	}
	sqlite3_finalize(st);
	int rc = exec_all(db, "COMMIT", err, n);
	xr_jdb_close(j);
	return rc;
}

int
jfx_leaf(const char *path, const char *table, unsigned nth, int64_t *pgno, int64_t *first,
	 int64_t *last, int64_t *page_size, char *err, size_t n)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "SELECT pageno, ncell, (SELECT page_size FROM "
					"pragma_page_size) FROM dbstat WHERE name = ?1 AND "
					"pagetype = 'leaf' ORDER BY path", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, n, "fixture dbstat: %s", sqlite3_errmsg(db));
		sqlite3_close(db);
		return -1;
	}
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	int64_t before = 0;
	unsigned i = 0;
	int found = -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t ncell = sqlite3_column_int64(st, 1);
		if (i++ == nth) {
			*pgno = sqlite3_column_int64(st, 0);
			*page_size = sqlite3_column_int64(st, 2);
			*first = before + 1; /* dense rowids from 1 */
			*last = before + ncell;
			found = 0;
			break;
		}
		before += ncell;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (found != 0)
		snprintf(err, n, "fixture: %s has fewer than %u leaf pages", table, nth + 1);
	return found;
}

int
jfx_smash(const char *path, int64_t pgno, int64_t page_size, int64_t off, int64_t len,
	  int byte, char *err, size_t n)
{
	int fd = open(path, O_WRONLY);
	char *buf = malloc((size_t)len);

	if (fd < 0 || buf == NULL) {
		snprintf(err, n, "fixture: %s: %s", path, strerror(errno));
		free(buf);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	memset(buf, byte, (size_t)len);
	ssize_t w = pwrite(fd, buf, (size_t)len, (pgno - 1) * page_size + off);
	free(buf);
	close(fd);
	if (w != len) {
		snprintf(err, n, "fixture: pwrite %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
jfx_copy(const char *from, const char *to, char *err, size_t n)
{
	FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
	char buf[65536];
	size_t got;
	int rc = 0;

	if (in == NULL || out == NULL) {
		snprintf(err, n, "fixture: copy %s -> %s: %s", from, to, strerror(errno));
		if (in)
			fclose(in);
		return -1;
	}
	while ((got = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, got, out) != got)
			rc = -1;
	if (ferror(in) || fclose(out) != 0)
		rc = -1;
	fclose(in);
	if (rc != 0)
		snprintf(err, n, "fixture: copy %s -> %s failed", from, to);
	return rc;
}
