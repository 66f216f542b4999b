/*
 * The journal's database layer: schema v1 and its views, opening with the
 * checks that tell a bad file from a journal, the runs table, quick_check
 * and the column catalogue (docs/journal.md "Schema", "Bad journals").
 *
 * DESIGN
 *   Opening reads as little as it can and still says precisely what is
 *   wrong: the file's type, SQLite's 16-byte header (ours to read, so "not
 *   an SQLite database" is named before sqlite is asked), the size against
 *   the page size and the header's page count (a truncated copy), then
 *   meta. Reading every page is xr_jdb_check()'s job, as it costs the whole
 *   file. Nothing here deletes, repairs or rewrites an existing file.
 */
#include "xr_journal_db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct xr_jdb {
	sqlite3 *db;
	char *path;
	char instance[9];
	char errmsg[256];
};

/* ---- schema v1 ---- */

#define XR__COLS(t) .cols = t##_cols, .ncols = sizeof(t##_cols) / sizeof(t##_cols[0])

static const struct xr_jdb_column runs_cols[] = {
	{"run", XR_JDB_INT, false}, {"started_ns", XR_JDB_INT, false},
	{"ended_ns", XR_JDB_INT, true}, {"pid", XR_JDB_INT, false},
	{"mode", XR_JDB_TEXT, false}, {"config", XR_JDB_TEXT, true},
	{"recovered", XR_JDB_INT, false}, {"clean_exit", XR_JDB_INT, false},
};
static const struct xr_jdb_column signals_cols[] = {
	{"run", XR_JDB_INT, false}, {"signal_id", XR_JDB_INT, false},
	{"source", XR_JDB_TEXT, false}, {"client_id", XR_JDB_INT, false},
	{"user", XR_JDB_TEXT, false}, {"symbol", XR_JDB_TEXT, false},
	{"side", XR_JDB_TEXT, false}, {"ord_type", XR_JDB_TEXT, false},
	{"tif", XR_JDB_TEXT, false}, {"signal_type", XR_JDB_TEXT, false},
	{"strategy", XR_JDB_TEXT, false}, {"qty", XR_JDB_FIXED, false},
	{"limit_px", XR_JDB_FIXED, false}, {"max_slippage_bps", XR_JDB_INT, false},
	{"ts_ns", XR_JDB_INT, false}, {"line", XR_JDB_INT, false},
	{"at_ns", XR_JDB_INT, false},
};
static const struct xr_jdb_column decisions_cols[] = {
	{"run", XR_JDB_INT, false}, {"signal_id", XR_JDB_INT, false},
	{"order_id", XR_JDB_INT, false}, {"strategy", XR_JDB_TEXT, false},
	{"method", XR_JDB_TEXT, false}, {"decision", XR_JDB_TEXT, false},
	{"exp_px", XR_JDB_FIXED, false}, {"arrival_px", XR_JDB_FIXED, false},
	{"exp_slip_cbps", XR_JDB_INT, false}, {"confidence_ppm", XR_JDB_INT, false},
	{"score", XR_JDB_INT, false}, {"alloc", XR_JDB_TEXT, false},
	{"alts", XR_JDB_TEXT, false}, {"at_ns", XR_JDB_INT, false},
};
static const struct xr_jdb_column children_cols[] = {
	{"run", XR_JDB_INT, false}, {"cl_ord_id", XR_JDB_INT, false},
	{"signal_id", XR_JDB_INT, false}, {"order_id", XR_JDB_INT, false},
	{"venue", XR_JDB_TEXT, false}, {"user", XR_JDB_TEXT, false},
	{"symbol", XR_JDB_TEXT, false}, {"side", XR_JDB_TEXT, false},
	{"ord_type", XR_JDB_TEXT, false}, {"tif", XR_JDB_TEXT, false},
	{"qty", XR_JDB_FIXED, false}, {"limit_px", XR_JDB_FIXED, false},
	{"child_idx", XR_JDB_INT, false}, {"attempt", XR_JDB_INT, false},
	{"send_at_ns", XR_JDB_INT, false}, {"at_ns", XR_JDB_INT, false},
};
static const struct xr_jdb_column reports_cols[] = {
	{"run", XR_JDB_INT, false}, {"cl_ord_id", XR_JDB_INT, false},
	{"signal_id", XR_JDB_INT, false}, {"order_id", XR_JDB_INT, false},
	{"venue", XR_JDB_TEXT, false}, {"kind", XR_JDB_TEXT, false},
	{"ord_status", XR_JDB_TEXT, false}, {"reason", XR_JDB_TEXT, false},
	{"last_qty", XR_JDB_FIXED, false}, {"last_notional", XR_JDB_FIXED, false},
	{"last_fees", XR_JDB_FIXED, false}, {"cum_qty", XR_JDB_FIXED, false},
	{"leaves_qty", XR_JDB_FIXED, false}, {"at_ns", XR_JDB_INT, false},
};
static const struct xr_jdb_column results_cols[] = {
	{"run", XR_JDB_INT, false}, {"signal_id", XR_JDB_INT, false},
	{"order_id", XR_JDB_INT, false}, {"user", XR_JDB_TEXT, false},
	{"symbol", XR_JDB_TEXT, false}, {"side", XR_JDB_TEXT, false},
	{"final", XR_JDB_TEXT, false}, {"reason", XR_JDB_TEXT, false},
	{"order_qty", XR_JDB_FIXED, false}, {"cum_qty", XR_JDB_FIXED, false},
	{"cum_notional", XR_JDB_FIXED, false}, {"fees", XR_JDB_FIXED, false},
	{"venues", XR_JDB_TEXT, false}, {"at_ns", XR_JDB_INT, false},
};
static const struct xr_jdb_column events_cols[] = {
	{"run", XR_JDB_INT, false}, {"kind", XR_JDB_TEXT, false},
	{"venue", XR_JDB_TEXT, true}, {"signal_id", XR_JDB_INT, true},
	{"cl_ord_id", XR_JDB_INT, true}, {"detail", XR_JDB_TEXT, false},
	{"at_ns", XR_JDB_INT, false},
};
static const struct xr_jdb_column clordid_blocks_cols[] = {
	{"first", XR_JDB_INT, false}, {"last", XR_JDB_INT, false},
	{"run", XR_JDB_INT, false}, {"at_ns", XR_JDB_INT, false},
};

static const struct xr_jdb_table xr__tables[] = {
	{.name = "runs", XR__COLS(runs), .has_run = true, .time_col = "started_ns"},
	{.name = "signals", XR__COLS(signals), .has_signal = true, .has_run = true,
	 .time_col = "at_ns"},
	{.name = "decisions", XR__COLS(decisions), .has_signal = true, .has_run = true,
	 .time_col = "at_ns"},
	{.name = "children", XR__COLS(children), .has_signal = true, .has_run = true,
	 .time_col = "at_ns"},
	{.name = "reports", XR__COLS(reports), .has_signal = true, .has_run = true,
	 .time_col = "at_ns"},
	{.name = "results", XR__COLS(results), .has_signal = true, .has_run = true,
	 .time_col = "at_ns"},
	{.name = "events", XR__COLS(events), .has_signal = true, .has_run = true,
	 .time_col = "at_ns"},
	{.name = "clordid_blocks", XR__COLS(clordid_blocks), .has_run = true,
	 .time_col = "at_ns"},
};

const struct xr_jdb_table *
xr_jdb_tables(unsigned *n)
{
	*n = sizeof(xr__tables) / sizeof(xr__tables[0]);
	return xr__tables;
}

const struct xr_jdb_table *
xr_jdb_table_find(const char *name)
{
	for (size_t i = 0; i < sizeof(xr__tables) / sizeof(xr__tables[0]); i++)
		if (strcmp(xr__tables[i].name, name) == 0)
			return &xr__tables[i];
	return NULL;
}

/* Exact decimal text of an 8-decimal fixed-point column, for the views:
 * "1.5", "-0.25", "3". */
#define XR__DEC(x)                                                                  \
	"(CASE WHEN " x " < 0 THEN '-' ELSE '' END || (abs(" x ") / 100000000) || " \
	"rtrim(rtrim('.' || printf('%08d', abs(" x ") % 100000000), '0'), '.'))"
/* ISO-8601 UTC with nanoseconds of a *_ns column. */
#define XR__TIME(x)                                                                 \
	"(strftime('%Y-%m-%dT%H:%M:%S', " x " / 1000000000, 'unixepoch') || '.' || " \
	"printf('%09d', " x " % 1000000000) || 'Z')"
/* A report after which the child is not live (docs/journal.md). */
#define XR__TERMINAL(r)                                                    \
	"(" r ".kind IN ('failed', 'unknown', 'ended') OR " r ".ord_status IN " \
	"('filled', 'canceled', 'rejected', 'expired'))"

/* The schema, one statement per string (C17 guarantees 4095-byte
 * literals only). */
static const char *const xr__schema[] = {
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
	"CREATE TABLE runs(run INTEGER PRIMARY KEY, started_ns INTEGER NOT NULL, "
	"ended_ns INTEGER, pid INTEGER NOT NULL, mode TEXT NOT NULL, config TEXT, "
	"recovered INTEGER NOT NULL DEFAULT 0, clean_exit INTEGER NOT NULL DEFAULT 0)",
	"CREATE TABLE signals(run INTEGER NOT NULL, signal_id INTEGER NOT NULL, "
	"source TEXT NOT NULL, client_id INTEGER NOT NULL, user TEXT NOT NULL, "
	"symbol TEXT NOT NULL, side TEXT NOT NULL, ord_type TEXT NOT NULL, "
	"tif TEXT NOT NULL, signal_type TEXT NOT NULL, strategy TEXT NOT NULL, "
	"qty INTEGER NOT NULL, limit_px INTEGER NOT NULL, "
	"max_slippage_bps INTEGER NOT NULL, ts_ns INTEGER NOT NULL, "
	"line INTEGER NOT NULL, at_ns INTEGER NOT NULL)",
	"CREATE TABLE decisions(run INTEGER NOT NULL, signal_id INTEGER NOT NULL, "
	"order_id INTEGER NOT NULL, strategy TEXT NOT NULL, method TEXT NOT NULL, "
	"decision TEXT NOT NULL, exp_px INTEGER NOT NULL, arrival_px INTEGER NOT NULL, "
	"exp_slip_cbps INTEGER NOT NULL, confidence_ppm INTEGER NOT NULL, "
	"score INTEGER NOT NULL, alloc TEXT NOT NULL, alts TEXT NOT NULL, "
	"at_ns INTEGER NOT NULL)",
	"CREATE TABLE children(run INTEGER NOT NULL, cl_ord_id INTEGER NOT NULL, "
	"signal_id INTEGER NOT NULL, order_id INTEGER NOT NULL, venue TEXT NOT NULL, "
	"user TEXT NOT NULL, symbol TEXT NOT NULL, side TEXT NOT NULL, "
	"ord_type TEXT NOT NULL, tif TEXT NOT NULL, qty INTEGER NOT NULL, "
	"limit_px INTEGER NOT NULL, child_idx INTEGER NOT NULL, attempt INTEGER NOT NULL, "
	"send_at_ns INTEGER NOT NULL, at_ns INTEGER NOT NULL)",
	"CREATE TABLE reports(run INTEGER NOT NULL, cl_ord_id INTEGER NOT NULL, "
	"signal_id INTEGER NOT NULL, order_id INTEGER NOT NULL, venue TEXT NOT NULL, "
	"kind TEXT NOT NULL, ord_status TEXT NOT NULL, reason TEXT NOT NULL, "
	"last_qty INTEGER NOT NULL, last_notional INTEGER NOT NULL, "
	"last_fees INTEGER NOT NULL, cum_qty INTEGER NOT NULL, "
	"leaves_qty INTEGER NOT NULL, at_ns INTEGER NOT NULL)",
	"CREATE TABLE results(run INTEGER NOT NULL, signal_id INTEGER NOT NULL, "
	"order_id INTEGER NOT NULL, user TEXT NOT NULL, symbol TEXT NOT NULL, "
	"side TEXT NOT NULL, final TEXT NOT NULL, reason TEXT NOT NULL, "
	"order_qty INTEGER NOT NULL, cum_qty INTEGER NOT NULL, "
	"cum_notional INTEGER NOT NULL, fees INTEGER NOT NULL, venues TEXT NOT NULL, "
	"at_ns INTEGER NOT NULL)",
	"CREATE TABLE events(run INTEGER NOT NULL, kind TEXT NOT NULL, venue TEXT, "
	"signal_id INTEGER, cl_ord_id INTEGER, detail TEXT NOT NULL, "
	"at_ns INTEGER NOT NULL)",
	"CREATE TABLE clordid_blocks(first INTEGER NOT NULL, last INTEGER NOT NULL, "
	"run INTEGER NOT NULL, at_ns INTEGER NOT NULL)",
	"CREATE INDEX signals_id ON signals(signal_id)",
	"CREATE INDEX signals_client ON signals(source, client_id)",
	"CREATE INDEX children_signal ON children(signal_id)",
	"CREATE INDEX children_clordid ON children(cl_ord_id)",
	"CREATE INDEX reports_clordid ON reports(cl_ord_id)",
	"CREATE INDEX results_signal ON results(signal_id)",
	"CREATE INDEX decisions_signal ON decisions(signal_id)",
	/* Views for people: decimals and times as text. */
	"CREATE VIEW v_signals AS SELECT run, signal_id, " XR__TIME("at_ns") " AS at, "
	"source, client_id, user, symbol, side, " XR__DEC("qty") " AS qty, ord_type, "
	XR__DEC("limit_px") " AS limit_px, tif, signal_type, strategy, "
	"max_slippage_bps, line FROM signals",
	"CREATE VIEW v_children AS SELECT run, cl_ord_id, signal_id, order_id, "
	XR__TIME("at_ns") " AS at, venue, user, symbol, side, " XR__DEC("qty") " AS qty, "
	"ord_type, " XR__DEC("limit_px") " AS limit_px, tif, child_idx, attempt "
	"FROM children",
	"CREATE VIEW v_reports AS SELECT run, cl_ord_id, signal_id, "
	XR__TIME("at_ns") " AS at, venue, kind, ord_status, reason, "
	XR__DEC("last_qty") " AS last_qty, " XR__DEC("last_notional") " AS last_notional, "
	XR__DEC("last_fees") " AS last_fees, " XR__DEC("cum_qty") " AS cum_qty, "
	XR__DEC("leaves_qty") " AS leaves_qty FROM reports",
	"CREATE VIEW v_results AS SELECT run, signal_id, order_id, "
	XR__TIME("at_ns") " AS at, user, symbol, side, final, reason, "
	XR__DEC("order_qty") " AS order_qty, " XR__DEC("cum_qty") " AS cum_qty, "
	XR__DEC("cum_notional") " AS cum_notional, " XR__DEC("fees") " AS fees, venues "
	"FROM results",
	"CREATE VIEW v_open_children AS SELECT c.run, c.cl_ord_id, c.signal_id, c.venue, "
	"c.user, c.symbol, c.side, " XR__DEC("c.qty") " AS qty, "
	XR__TIME("c.at_ns") " AS sent_at FROM children c WHERE NOT EXISTS (SELECT 1 "
	"FROM reports r WHERE r.run = c.run AND r.cl_ord_id = c.cl_ord_id AND "
	XR__TERMINAL("r") ")",
};

/* ---- errors ---- */

int
xr_jdb_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK: case SQLITE_ROW: case SQLITE_DONE: return 0;
	case SQLITE_NOTADB: return -EBADMSG;
	case SQLITE_CANTOPEN: return -ENOENT;
	case SQLITE_FULL: return -ENOSPC;
	case SQLITE_BUSY: case SQLITE_LOCKED: return -EBUSY;
	case SQLITE_NOMEM: return -ENOMEM;
	case SQLITE_READONLY: return -EROFS;
	case SQLITE_PERM: case SQLITE_AUTH: return -EACCES;
	default: return -EIO;
	}
}

__attribute__((format(printf, 3, 4))) static void
xr__err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* An sqlite failure of @p what on @p path as -errno with a message; a
 * corrupt file says so and what to do. */
static int
xr__sqlerr(sqlite3 *db, int rc, const char *path, const char *what, char *err,
	   size_t len)
{
	const char *msg = db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc);

	if ((rc & 0xff) == SQLITE_CORRUPT)
		xr__err(err, len, "journal %s: corrupt: %s (%s; xroute journal salvage "
			"copies what can be read into a new journal)", path, msg, what);
	else if ((rc & 0xff) == SQLITE_NOTADB)
		xr__err(err, len, "journal %s: not an SQLite database (%s)", path, msg);
	else
		xr__err(err, len, "journal %s: %s: %s", path, what, msg);
	return xr_jdb_errno(rc);
}

/* ---- opening ---- */

static int64_t
xr__wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* 8 characters of [0-9a-z] from getrandom(), unbiased (bytes of 252 and
 * above are drawn again: 252 = 7 * 36). @return 0 or -errno. */
static int
xr__make_instance(char out[9])
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	unsigned n = 0;

	while (n < 8) {
		unsigned char b[16];
		ssize_t got = getrandom(b, sizeof(b), 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (ssize_t i = 0; i < got && n < 8; i++)
			if (b[i] < 252)
				out[n++] = digits[b[i] % 36];
	}
	out[8] = '\0';
	return 0;
}

static uint32_t
xr__be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * The file's own checks: SQLite's header and a size that is a whole number
 * of pages, not below the header's page count (that count is trusted only
 * when valid, change counter == version-valid-for, and only with no WAL
 * beside the file: a checkpoint writes page 1 before the pages that extend
 * the file). An empty file is "absent". @return 0, 1 (empty), -errno.
 */
static int
xr__check_file(const char *path, off_t size, char *err, size_t len)
{
	unsigned char h[100];
	int fd;
	ssize_t got;

	if (size == 0)
		return 1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		xr__err(err, len, "journal %s: %s", path, strerror(e));
		return -e;
	}
	got = pread(fd, h, sizeof(h), 0);
	int e = errno;
	close(fd);
	if (got < 0) {
		xr__err(err, len, "journal %s: %s", path, strerror(e));
		return -e;
	}
	if (got < 16 || memcmp(h, "SQLite format 3", 16) != 0) {
		xr__err(err, len, "journal %s: not an SQLite database (the file does not "
			"start with SQLite's header \"SQLite format 3\")", path);
		return -EBADMSG;
	}
	if (got < 100) {
		xr__err(err, len, "journal %s: truncated: %lld bytes, less than SQLite's "
			"100-byte header", path, (long long)size);
		return -EIO;
	}
	uint32_t psz = (uint32_t)h[16] << 8 | h[17];
	if (psz == 1)
		psz = 65536;
	if (psz < 512 || (psz & (psz - 1)) != 0) {
		xr__err(err, len, "journal %s: corrupt: the header's page size %u is not a "
			"power of two from 512 to 65536", path, psz);
		return -EIO;
	}
	if (size % psz != 0) {
		xr__err(err, len, "journal %s: truncated: %lld bytes is not a whole number "
			"of %u-byte pages (xroute journal salvage copies what can be read)",
			path, (long long)size, psz);
		return -EIO;
	}
	uint32_t pages = xr__be32(h + 28);
	bool valid = pages != 0 && xr__be32(h + 24) == xr__be32(h + 92);
	char wal[4096];
	struct stat st;
	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (valid && stat(wal, &st) != 0 && (int64_t)size < (int64_t)pages * psz) {
		xr__err(err, len, "journal %s: truncated: %lld bytes, the header says %u "
			"pages of %u bytes (xroute journal salvage copies what can be read)",
			path, (long long)size, pages, psz);
		return -EIO;
	}
	return 0;
}

/* Create the schema and meta in one transaction, WAL first (journal_mode
 * cannot change inside a transaction). @return 0 or -errno. */
static int
xr__create(struct xr_jdb *j, char *err, size_t len)
{
	char *emsg = NULL;
	int rc = xr__make_instance(j->instance);

	if (rc != 0) {
		xr__err(err, len, "journal %s: getrandom: %s", j->path, strerror(-rc));
		return rc;
	}
	rc = sqlite3_exec(j->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(j->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < sizeof(xr__schema) / sizeof(xr__schema[0]); i++)
		rc = sqlite3_exec(j->db, xr__schema[i], NULL, NULL, &emsg);
	if (rc != SQLITE_OK) {
		int e = xr__sqlerr(j->db, rc, j->path, "creating the schema", err, len);
		sqlite3_free(emsg);
		sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
		return e;
	}
	sqlite3_stmt *st;
	rc = sqlite3_prepare_v2(j->db, "INSERT INTO meta(key, value) VALUES "
				"('schema_version', ?1), ('instance', ?2), ('created_ns', ?3)",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		char ver[16], ns[24];
		snprintf(ver, sizeof(ver), "%d", XR_JDB_SCHEMA_VERSION);
		snprintf(ns, sizeof(ns), "%lld", (long long)xr__wall_ns());
		sqlite3_bind_text(st, 1, ver, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, j->instance, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, ns, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (rc == SQLITE_DONE)
		rc = sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK && rc != SQLITE_DONE) {
		int e = xr__sqlerr(j->db, rc, j->path, "writing meta", err, len);
		sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
		return e;
	}
	return 0;
}

/* meta.@p key into @p buf. @return 1 found, 0 no such row, -errno. */
static int
xr__meta_get(struct xr_jdb *j, const char *key, char *buf, size_t n, char *err, size_t len)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(j->db, "SELECT value FROM meta WHERE key = ?1", -1, &st,
				    NULL);

	if (rc != SQLITE_OK) {
		if ((rc & 0xff) == SQLITE_ERROR) {
			xr__err(err, len, "journal %s: an SQLite database but not an xroute "
				"journal (no meta table: %s)", j->path, sqlite3_errmsg(j->db));
			return -EBADMSG;
		}
		return xr__sqlerr(j->db, rc, j->path, "reading meta", err, len);
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);
		snprintf(buf, n, "%s", v != NULL ? (const char *)v : "");
		sqlite3_finalize(st);
		return 1;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
	return xr__sqlerr(j->db, rc, j->path, "reading meta", err, len);
}

/* The version and instance of an existing journal. @return 0 or -errno. */
static int
xr__read_meta(struct xr_jdb *j, char *err, size_t len)
{
	char ver[32];
	int rc = xr__meta_get(j, "schema_version", ver, sizeof(ver), err, len);

	if (rc < 0)
		return rc;
	if (rc == 0) {
		xr__err(err, len, "journal %s: an SQLite database but not an xroute journal "
			"(meta has no schema_version)", j->path);
		return -EBADMSG;
	}
	char *end;
	errno = 0;
	long v = strtol(ver, &end, 10);
	if (end == ver || *end != '\0' || errno != 0) {
		xr__err(err, len, "journal %s: schema_version \"%s\" is not a number", j->path,
			ver);
		return -EBADMSG;
	}
	if (v < XR_JDB_SCHEMA_VERSION) {
		xr__err(err, len, "journal %s: schema version %ld is older than this "
			"xroute's %d, and xroute has no migration from it: read it with the "
			"xroute that wrote it (or with sqlite3), and start a new journal",
			j->path, v, XR_JDB_SCHEMA_VERSION);
		return -ENOTSUP;
	}
	if (v > XR_JDB_SCHEMA_VERSION) {
		xr__err(err, len, "journal %s: schema version %ld is newer than this "
			"xroute's %d: read it with the xroute that wrote it, or a newer one",
			j->path, v, XR_JDB_SCHEMA_VERSION);
		return -ENOTSUP;
	}
	rc = xr__meta_get(j, "instance", j->instance, sizeof(j->instance), err, len);
	if (rc < 0)
		return rc;
	if (rc == 0 || strlen(j->instance) != 8) {
		xr__err(err, len, "journal %s: meta has no 8-character instance", j->path);
		return -EBADMSG;
	}
	return 0;
}

/* Remove @p path and its -wal and -shm. */
static void
xr__unlink_all(const char *path)
{
	char side[4096];

	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

int
xr_jdb_open(const char *path, unsigned flags, struct xr_jdb **out, char *err,
	    size_t err_len)
{
	struct stat st;
	bool create = false, made = false;
	int rc;

	*out = NULL;
	if ((flags & XR_JDB_CREATE) && (flags & XR_JDB_READONLY)) {
		xr__err(err, err_len, "journal %s: create and read-only together", path);
		return -EINVAL;
	}
	if (stat(path, &st) != 0) {
		int e = errno;
		if (e != ENOENT || !(flags & XR_JDB_CREATE)) {
			xr__err(err, err_len, "journal %s: %s", path,
				e == ENOENT ? "no such file" : strerror(e));
			return -e;
		}
		create = made = true;
	} else if (!S_ISREG(st.st_mode)) {
		xr__err(err, err_len, "journal %s: not a regular file", path);
		return -ENOENT;
	} else {
		rc = xr__check_file(path, st.st_size, err, err_len);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			if (!(flags & XR_JDB_CREATE)) {
				xr__err(err, err_len, "journal %s: not an SQLite database (the "
					"file is empty)", path);
				return -EBADMSG;
			}
			create = true;
		}
	}

	struct xr_jdb *j = calloc(1, sizeof(*j));
	if (j == NULL || (j->path = strdup(path)) == NULL) {
		free(j);
		xr__err(err, err_len, "journal %s: out of memory", path);
		return -ENOMEM;
	}
	/* NOMUTEX: a handle is used by one thread at a time (the engine hands
	 * it from the owner to its writer thread at thread start), so
	 * SQLite's per-call mutexes would only cost. */
	int oflags = SQLITE_OPEN_NOMUTEX;
	if (flags & XR_JDB_READONLY)
		oflags |= SQLITE_OPEN_READONLY;
	else
		oflags |= SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
	rc = sqlite3_open_v2(path, &j->db, oflags, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_busy_timeout(j->db, 5000);
	if (rc != SQLITE_OK) {
		int e = xr__sqlerr(j->db, rc, path, "open", err, err_len);
		xr_jdb_close(j);
		return e;
	}
	sqlite3_extended_result_codes(j->db, 1);
	rc = create ? xr__create(j, err, err_len) : xr__read_meta(j, err, err_len);
	if (rc == 0 && !create && !(flags & XR_JDB_READONLY)) {
		/* A journal writes in WAL mode whatever was done to the file
		 * since (a copy through a tool that turned it off). */
		int wrc = sqlite3_exec(j->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
		if (wrc != SQLITE_OK)
			rc = xr__sqlerr(j->db, wrc, path, "journal_mode=WAL", err, err_len);
	}
	if (rc != 0) {
		xr_jdb_close(j);
		/* A file this call made and could not finish is removed, so a
		 * retry creates it again rather than finding a database that
		 * is not a journal. */
		if (made)
			xr__unlink_all(path);
		return rc;
	}
	*out = j;
	return 0;
}

void
xr_jdb_close(struct xr_jdb *j)
{
	if (j == NULL)
		return;
	sqlite3_close_v2(j->db);
	free(j->path);
	free(j);
}

sqlite3 *
xr_jdb_handle(struct xr_jdb *j)
{
	return j->db;
}

const char *
xr_jdb_path(const struct xr_jdb *j)
{
	return j->path;
}

const char *
xr_jdb_instance(const struct xr_jdb *j)
{
	return j->instance;
}

const char *
xr_jdb_errmsg(const struct xr_jdb *j)
{
	return j->errmsg;
}

/* ---- runs ---- */

int64_t
xr_jdb_begin_run(struct xr_jdb *j, const char *mode, const char *config, int recovered,
		 char *err, size_t err_len)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(j->db, "INSERT INTO runs(started_ns, pid, mode, config, "
				    "recovered) VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL);

	if (rc != SQLITE_OK)
		return xr__sqlerr(j->db, rc, j->path, "starting a run", err, err_len);
	sqlite3_bind_int64(st, 1, xr__wall_ns());
	sqlite3_bind_int64(st, 2, (sqlite3_int64)getpid());
	sqlite3_bind_text(st, 3, mode, -1, SQLITE_STATIC);
	if (config != NULL)
		sqlite3_bind_text(st, 4, config, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, recovered != 0);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return xr__sqlerr(j->db, rc, j->path, "starting a run", err, err_len);
	return sqlite3_last_insert_rowid(j->db);
}

int
xr_jdb_end_run(struct xr_jdb *j, int64_t run, int clean_exit)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(j->db, "UPDATE runs SET ended_ns = ?1, clean_exit = ?2 "
				    "WHERE run = ?3", -1, &st, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, xr__wall_ns());
		sqlite3_bind_int(st, 2, clean_exit != 0);
		sqlite3_bind_int64(st, 3, run);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_DONE)
		return xr__sqlerr(j->db, rc, j->path, "ending a run", j->errmsg,
				  sizeof(j->errmsg));
	if (sqlite3_changes(j->db) == 0) {
		xr__err(j->errmsg, sizeof(j->errmsg), "journal %s: no run %lld", j->path,
			(long long)run);
		return -ENOENT;
	}
	return 0;
}

/* ---- checking ---- */

int
xr_jdb_check(struct xr_jdb *j, char *err, size_t err_len)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(j->db, "PRAGMA quick_check(5)", -1, &st, NULL);
	char found[512] = "";
	size_t used = 0;
	bool ok = false;

	if (rc != SQLITE_OK)
		return xr__sqlerr(j->db, rc, j->path, "quick_check", err, err_len);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(st, 0);
		if (line == NULL)
			continue;
		if (strcmp(line, "ok") == 0) {
			ok = true;
			continue;
		}
		int w = snprintf(found + used, sizeof(found) - used, "%s%s", used ? "; " : "",
				 line);
		if (w > 0)
			used = used + (size_t)w < sizeof(found) ? used + (size_t)w
								: sizeof(found) - 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return xr__sqlerr(j->db, rc, j->path, "quick_check", err, err_len);
	if (!ok || used != 0) {
		xr__err(err, err_len, "journal %s: corrupt: quick_check found: %s (xroute "
			"journal salvage copies what can be read into a new journal)", j->path,
			used ? found : "no \"ok\"");
		return -EIO;
	}
	return 0;
}
