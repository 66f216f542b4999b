/*
 * Salvage of a damaged journal (docs/journal.md "Bad journals"): every row
 * that can be read is copied, with its rowid, into a new journal of the
 * same instance; what cannot be read is reported as rowid ranges.
 *
 * DESIGN
 *   SQLite finds a row by descending its table's b-tree from the root, so
 *   a damaged leaf page fails every read whose rowid falls in that leaf's
 *   key range, and no other. A table is therefore read by ranges: forward
 *   from the first rowid until a step fails at rowid N, then backward from
 *   the last down to the failure's other edge M; the rowids in [N, M] are
 *   bisected, each half read the same way, until every rowid in the region
 *   is either copied or in a range no read reaches. A region too wide to
 *   bisect (the table's last page is bad, so "the last rowid" is unknown)
 *   is probed forward at N + 2^k, and whatever a probe reads splits it.
 *   The writer's rowids are dense (inserts only, never a delete), so the
 *   rowids of an unreadable range are the rows lost.
 *
 *   The source is opened read-only with cell_size_check on, so a damaged
 *   cell is an error rather than a garbage row. The copy is one
 *   transaction on the new file.
 */
#include "xr_journal_db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Widest region bisected (rowids); wider ones are probed at 2^k steps. */
#define XR__BISECT_MAX (INT64_C(1) << 22)

struct xr__copy {
	sqlite3 *src, *dst;
	sqlite3_stmt *fwd, *back, *ins;
	unsigned ncols;
	bool explicit_rowid;	/* no INTEGER PRIMARY KEY: insert the rowid */
	struct xr_jdb_salvage_table *rep;
	char *err;
	size_t err_len;
};

static void
xr__note(struct xr__copy *c, sqlite3 *db)
{
	if (c->rep->error[0] == '\0')
		snprintf(c->rep->error, sizeof(c->rep->error), "%s", sqlite3_errmsg(db));
}

static void
xr__lost(struct xr__copy *c, int64_t first, int64_t last)
{
	struct xr_jdb_salvage_table *t = c->rep;

	if (t->nranges > 0 && t->nranges <= XR_JDB_SALVAGE_RANGES &&
	    t->range_last[t->nranges - 1] != INT64_MAX &&
	    t->range_last[t->nranges - 1] + 1 == first) {
		t->range_last[t->nranges - 1] = last;
	} else {
		if (t->nranges < XR_JDB_SALVAGE_RANGES) {
			t->range_first[t->nranges] = first;
			t->range_last[t->nranges] = last;
		}
		t->nranges++;
	}
	if (last == INT64_MAX)
		t->lost = -1;
	else if (t->lost >= 0)
		t->lost += last - first + 1;
}

/* Insert the current row of @p sel (rowid, then the columns) into the new
 * journal. @return 0 or -errno (a write failure ends the salvage). */
static int
xr__insert(struct xr__copy *c, sqlite3_stmt *sel)
{
	unsigned first = c->explicit_rowid ? 0 : 1;

	sqlite3_reset(c->ins);
	for (unsigned i = first; i <= c->ncols; i++)
		sqlite3_bind_value(c->ins, (int)(i - first + 1), sqlite3_column_value(sel, (int)i));
	int rc = sqlite3_step(c->ins);
	if (rc != SQLITE_DONE) {
		snprintf(c->err, c->err_len, "salvage: writing %s: %s", c->rep->name,
			 sqlite3_errmsg(c->dst));
		return xr_jdb_errno(rc) ? xr_jdb_errno(rc) : -EIO;
	}
	c->rep->copied++;
	return 0;
}

/* Read rowids [lo, hi] upward, copying. *next = the rowid after the last
 * copied (lo if none). @return 1 read to hi, 0 a step failed, -errno. */
static int
xr__fwd(struct xr__copy *c, int64_t lo, int64_t hi, int64_t *next)
{
	sqlite3_reset(c->fwd);
	sqlite3_bind_int64(c->fwd, 1, lo);
	sqlite3_bind_int64(c->fwd, 2, hi);
	*next = lo;
	for (;;) {
		int rc = sqlite3_step(c->fwd);
		if (rc == SQLITE_DONE)
			return 1;
		if (rc != SQLITE_ROW) {
			xr__note(c, c->src);
			sqlite3_reset(c->fwd);
			return 0;
		}
		int64_t id = sqlite3_column_int64(c->fwd, 0);
		int w = xr__insert(c, c->fwd);
		if (w < 0)
			return w;
		if (id >= hi)
			return 1;
		*next = id + 1;
	}
}

/* Read rowids [lo, hi] downward, copying. *below = the rowid under the
 * lowest copied (hi if none). @return 1 read to lo, 0 a step failed,
 * -errno. */
static int
xr__back(struct xr__copy *c, int64_t lo, int64_t hi, int64_t *below)
{
	sqlite3_reset(c->back);
	sqlite3_bind_int64(c->back, 1, lo);
	sqlite3_bind_int64(c->back, 2, hi);
	*below = hi;
	for (;;) {
		int rc = sqlite3_step(c->back);
		if (rc == SQLITE_DONE)
			return 1;
		if (rc != SQLITE_ROW) {
			xr__note(c, c->src);
			sqlite3_reset(c->back);
			return 0;
		}
		int64_t id = sqlite3_column_int64(c->back, 0);
		int w = xr__insert(c, c->back);
		if (w < 0)
			return w;
		if (id <= lo)
			return 1;
		*below = id - 1;
	}
}

/* Copy what can be read of rowids [lo, hi]. @return 0 or -errno. */
static int
xr__region(struct xr__copy *c, int64_t lo, int64_t hi)
{
	while (lo <= hi) {
		int64_t next, below;
		int r = xr__fwd(c, lo, hi, &next);
		if (r != 0)
			return r < 0 ? r : 0;
		r = xr__back(c, next, hi, &below);
		if (r != 0)
			return r < 0 ? r : 0;
		if (below < next)
			return 0;
		if (below == next) {
			xr__lost(c, next, next);
			return 0;
		}
		uint64_t span = (uint64_t)below - (uint64_t)next;
		if (span < (uint64_t)XR__BISECT_MAX) {
			int64_t m = next + (int64_t)(span / 2);
			r = xr__region(c, next, m);
			if (r < 0)
				return r;
			lo = m + 1;
			hi = below;
			continue;
		}
		/* Too wide: probe at next + 2^k. A probe that reads splits the
		 * region; the part under it is a region again (its backward
		 * read finds what lies between two probes). */
		bool split = false;
		for (unsigned k = 0; k < 63; k++) {
			uint64_t step = UINT64_C(1) << k;
			if (step > span)
				break;
			int64_t x = next + (int64_t)step, n2;
			r = xr__fwd(c, x, below, &n2);
			if (r < 0)
				return r;
			if (r == 0 && n2 == x)
				continue; /* nothing read at x */
			split = true;
			int rr = xr__region(c, next, x - 1);
			if (rr < 0)
				return rr;
			if (r == 1)
				return 0; /* [x, below] read to its end */
			lo = n2;
			hi = below;
			break;
		}
		if (!split) {
			xr__lost(c, next, below);
			return 0;
		}
	}
	return 0;
}

/* Prepare the reads and the insert of @p t. @return 0, 1 (the table cannot
 * be read at all: noted in the report), -errno (the new file). */
static int
xr__prepare(struct xr__copy *c, const struct xr_jdb_table *t)
{
	char cols[1024] = "", marks[256] = "", sql[1400];
	size_t cl = 0, ml = 0;

	for (unsigned i = 0; i < t->ncols; i++) {
		cl += (size_t)snprintf(cols + cl, sizeof(cols) - cl, "%s\"%s\"", i ? ", " : "",
				       t->cols[i].name);
		ml += (size_t)snprintf(marks + ml, sizeof(marks) - ml, "%s?", i ? ", " : "");
	}
	c->ncols = t->ncols;
	/* runs.run is its INTEGER PRIMARY KEY, the rowid itself. */
	c->explicit_rowid = strcmp(t->name, "runs") != 0;
	snprintf(sql, sizeof(sql), "SELECT rowid, %s FROM \"%s\" WHERE rowid BETWEEN ?1 "
		 "AND ?2 ORDER BY rowid", cols, t->name);
	int rc = sqlite3_prepare_v2(c->src, sql, -1, &c->fwd, NULL);
	if (rc == SQLITE_OK) {
		snprintf(sql, sizeof(sql), "SELECT rowid, %s FROM \"%s\" WHERE rowid BETWEEN "
			 "?1 AND ?2 ORDER BY rowid DESC", cols, t->name);
		rc = sqlite3_prepare_v2(c->src, sql, -1, &c->back, NULL);
	}
	if (rc != SQLITE_OK) {
		xr__note(c, c->src);
		c->rep->unreadable = true;
		c->rep->lost = -1;
		return 1;
	}
	snprintf(sql, sizeof(sql), "INSERT INTO \"%s\"(%s%s) VALUES (%s%s)", t->name,
		 c->explicit_rowid ? "rowid, " : "", cols, c->explicit_rowid ? "?, " : "",
		 marks);
	rc = sqlite3_prepare_v2(c->dst, sql, -1, &c->ins, NULL);
	if (rc != SQLITE_OK) {
		snprintf(c->err, c->err_len, "salvage: %s: %s", t->name, sqlite3_errmsg(c->dst));
		return xr_jdb_errno(rc);
	}
	return 0;
}

static void
xr__finish(struct xr__copy *c)
{
	sqlite3_finalize(c->fwd);
	sqlite3_finalize(c->back);
	sqlite3_finalize(c->ins);
	c->fwd = c->back = c->ins = NULL;
}

/* Check the source's meta: a schema_version other than 1 refuses; a meta
 * that cannot be read leaves the new journal's instance (noted). Copies
 * every key but schema_version. @return 0 or -errno. */
static int
xr__meta(sqlite3 *src, sqlite3 *dst, const char *bad, struct xr_jdb_salvage *rep,
	 char *err, size_t len)
{
	sqlite3_stmt *st, *ins;
	int rc = sqlite3_prepare_v2(src, "SELECT key, value FROM meta", -1, &st, NULL);

	if (rc != SQLITE_OK) {
		if ((rc & 0xff) == SQLITE_ERROR) {
			snprintf(err, len, "journal %s: an SQLite database but not an xroute "
				 "journal (no meta table: %s)", bad, sqlite3_errmsg(src));
			return -EBADMSG;
		}
		return 0;
	}
	rc = sqlite3_prepare_v2(dst, "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)",
				-1, &ins, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(st);
		snprintf(err, len, "salvage: meta: %s", sqlite3_errmsg(dst));
		return xr_jdb_errno(rc);
	}
	bool instance = false;
	int ret = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 1);
		if (k == NULL || v == NULL)
			continue;
		if (strcmp(k, "schema_version") == 0) {
			if (strcmp(v, "1") != 0) {
				snprintf(err, len, "journal %s: schema version %s, not this "
					 "xroute's %d: salvage it with the xroute that wrote it",
					 bad, v, XR_JDB_SCHEMA_VERSION);
				ret = -ENOTSUP;
				break;
			}
			continue;
		}
		instance |= strcmp(k, "instance") == 0;
		sqlite3_reset(ins);
		sqlite3_bind_text(ins, 1, k, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 2, v, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			snprintf(err, len, "salvage: meta: %s", sqlite3_errmsg(dst));
			ret = -EIO;
			break;
		}
	}
	rep->meta_copied = ret == 0 && rc == SQLITE_DONE && instance;
	sqlite3_finalize(st);
	sqlite3_finalize(ins);
	return ret;
}

/* The source must be a regular file that starts as SQLite files do. */
static int
xr__check_source(const char *bad, char *err, size_t len)
{
	struct stat st;
	char h[16];

	if (stat(bad, &st) != 0) {
		int e = errno;
		snprintf(err, len, "journal %s: %s", bad,
			 e == ENOENT ? "no such file" : strerror(e));
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, len, "journal %s: not a regular file", bad);
		return -ENOENT;
	}
	int fd = open(bad, O_RDONLY | O_CLOEXEC);
	ssize_t got = fd >= 0 ? pread(fd, h, sizeof(h), 0) : -1;
	int e = errno;
	if (fd >= 0)
		close(fd);
	if (fd < 0 || got < 0) {
		snprintf(err, len, "journal %s: %s", bad, strerror(e));
		return -e;
	}
	if (got < 16 || memcmp(h, "SQLite format 3", 16) != 0) {
		snprintf(err, len, "journal %s: not an SQLite database (the file does not "
			 "start with SQLite's header \"SQLite format 3\")", bad);
		return -EBADMSG;
	}
	return 0;
}

int
xr_jdb_salvage(const char *bad, const char *good, struct xr_jdb_salvage *rep, char *err,
	       size_t err_len)
{
	struct stat st;
	struct xr_jdb *out = NULL;
	sqlite3 *src = NULL;
	int rc;

	memset(rep, 0, sizeof(*rep));
	rc = xr__check_source(bad, err, err_len);
	if (rc != 0)
		return rc;
	if (stat(good, &st) == 0) {
		snprintf(err, err_len, "salvage: %s exists (salvage writes a new journal)", good);
		return -EEXIST;
	}
	rc = sqlite3_open_v2(bad, &src, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, err_len, "journal %s: %s", bad, sqlite3_errmsg(src));
		sqlite3_close_v2(src);
		return xr_jdb_errno(rc);
	}
	sqlite3_exec(src, "PRAGMA cell_size_check = ON", NULL, NULL, NULL);
	rc = xr_jdb_open(good, XR_JDB_CREATE, &out, err, err_len);
	if (rc != 0) {
		sqlite3_close_v2(src);
		return rc;
	}
	sqlite3 *dst = xr_jdb_handle(out);
	rc = xr_jdb_errno(sqlite3_exec(dst, "BEGIN IMMEDIATE", NULL, NULL, NULL));
	if (rc == 0)
		rc = xr__meta(src, dst, bad, rep, err, err_len);
	unsigned n;
	const struct xr_jdb_table *tables = xr_jdb_tables(&n);
	for (unsigned i = 0; rc == 0 && i < n; i++) {
		struct xr__copy c = {.src = src, .dst = dst, .rep = &rep->tables[i],
				     .err = err, .err_len = err_len};
		rep->tables[i].name = tables[i].name;
		rep->ntables = i + 1;
		rc = xr__prepare(&c, &tables[i]);
		if (rc == 0) {
			/* The writer's rowids start at 1; a row below (inserted
			 * by hand) is copied if its page reads, and a failure
			 * there is the same page as rowid 1's, reported below. */
			int64_t ignored;
			rc = xr__fwd(&c, INT64_MIN, 0, &ignored);
			rc = rc < 0 ? rc : xr__region(&c, 1, INT64_MAX);
			if (rc == 0 && c.rep->error[0] != '\0' && c.rep->nranges == 0)
				c.rep->error[0] = '\0';
		}
		else if (rc == 1)
			rc = 0;
		xr__finish(&c);
	}
	if (rc == 0 && sqlite3_exec(dst, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, err_len, "salvage: %s: commit: %s", good, sqlite3_errmsg(dst));
		rc = -EIO;
	}
	if (rc != 0)
		sqlite3_exec(dst, "ROLLBACK", NULL, NULL, NULL);
	xr_jdb_close(out);
	sqlite3_close_v2(src);
	if (rc != 0)
		unlink(good);
	return rc;
}
