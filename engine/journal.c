/*
 * journal: the writer thread and the journal's life cycle (journal_pvt.h,
 * docs/journal.md). The writer takes records from every stage's journal
 * ring, inserts their rows (journal_rows.c) in transactions of at most
 * batch_records, and commits them per the sync policy; between batches it
 * reserves ClOrdID blocks ahead of route.
 *
 * SYNC POLICIES ([journal] sync; SQLite in WAL mode)
 *   batch     every commit with synchronous=FULL: the WAL is fsynced
 *             before COMMIT returns.
 *   interval  commits with synchronous=NORMAL (written, not synced); once
 *             sync_interval_ms has passed since the last full sync and
 *             something was committed since, the next commit (or a commit
 *             of meta's synced_ns alone) is FULL, which syncs every frame
 *             before it too.
 *   off       synchronous=OFF: never synced by xroute.
 *   A ClOrdID block is always committed FULL whatever the policy: route
 *   may use its ids only once it is durable.
 *
 * FAILURES
 *   A statement that fails rolls the transaction back; its records stay
 *   in the pending batch and are tried again 100 ms later, while the
 *   rings fill and the stages stall behind them (backpressure, counted).
 *   The first error is printed once and kept for the summary: a journal
 *   that cannot be written stops the pipeline, it never drops records.
 */
#include "journal_pvt.h"

#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xr_clock.h"
#include "xr_journal_db.h"

/* Records taken from a ring per dequeue. */
#define XR__JW_BURST 64u
/* Retry delay after a failed transaction (ns). */
#define XR__JW_RETRY_NS UINT64_C(100000000)

/* synchronous= levels, as SQLite numbers them. */
enum { XR__SYNC_OFF = 0, XR__SYNC_NORMAL = 1, XR__SYNC_FULL = 2 };

struct xr__jw {
	struct xr_journal *j;
	sqlite3 *db;
	int level;		/* synchronous= now in force, -1 unknown */
	struct xr_msg *pend;	/* the batch being written */
	uint8_t *pend_ring;	/* ring of each */
	uint32_t pend_n, cap;
};

static int64_t
xr__wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
xr__jerr(struct xr_journal *j, const char *what, sqlite3 *db)
{
	j->st.errors++;
	if (j->first_error[0] != '\0')
		return;
	snprintf(j->first_error, sizeof(j->first_error), "journal %s: %s: %s", j->cfg->journal.path,
		 what, sqlite3_errmsg(db));
	fprintf(stderr, "xroute: %s (the pipeline waits until it can write)\n", j->first_error);
}

static int
xr__exec(struct xr_journal *j, sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	sqlite3_free(msg);
	xr__jerr(j, sql, db);
	return -EIO;
}

/* synchronous = @p level before the next BEGIN. */
static int
xr__level(struct xr__jw *w, int level)
{
	static const char *const sql[] = { "PRAGMA synchronous=OFF", "PRAGMA synchronous=NORMAL",
					   "PRAGMA synchronous=FULL" };

	if (w->level == level)
		return 0;
	if (xr__exec(w->j, w->db, sql[level]) != 0)
		return -EIO;
	w->level = level;
	return 0;
}

static int
xr__base_level(const struct xr_journal *j)
{
	switch (j->cfg->journal.sync) {
	case XR_JSYNC_BATCH: return XR__SYNC_FULL;
	case XR_JSYNC_INTERVAL: return XR__SYNC_NORMAL;
	default: return XR__SYNC_OFF;
	}
}

/* Insert the ClOrdID block [first, first + block) (inside a transaction). */
static int
xr__block_row(struct xr_journal *j, sqlite3 *db, uint64_t first, int64_t now_wall)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "INSERT INTO clordid_blocks(first, last, run, at_ns) "
				    "VALUES(?, ?, ?, ?)",
				    -1, &s, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, (sqlite3_int64)first);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)(first + j->block - 1));
		sqlite3_bind_int64(s, 3, j->run);
		sqlite3_bind_int64(s, 4, now_wall);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		xr__jerr(j, "reserving a ClOrdID block", db);
		return -EIO;
	}
	j->st.blocks++;
	return 0;
}

/* How far each ring is taken, into meta, inside the transaction: a
 * killed writer's next open skips what is committed (xr_jrings_saved()). */
static int
xr__save_tails(struct xr_journal *j, sqlite3 *db)
{
	for (uint32_t r = 0; r < j->n_rings; r++) {
		uint64_t t = atomic_load_explicit(&j->views[r].cons.index, memory_order_relaxed);
		if (t == j->tail_saved[r])
			continue;
		char sql[128];
		snprintf(sql, sizeof(sql),
			 "INSERT OR REPLACE INTO meta(key, value) VALUES('ring_tail.%" PRIu32
			 "', '%" PRIu64 "')",
			 r, t);
		if (xr__exec(j, db, sql) != 0)
			return -EIO;
	}
	return 0;
}

/* After the commit: the rings may reuse the slots of what it holds. */
static void
xr__release(struct xr_journal *j)
{
	for (uint32_t r = 0; r < j->n_rings; r++) {
		j->tail_saved[r] = atomic_load_explicit(&j->views[r].cons.index,
							memory_order_relaxed);
		/* R_J3: pairs with A0 of the ring's producer stage; the rows of
		 * every record below it are committed. */
		xr_ring_view_push_tail(&j->views[r], j->rings[r]);
	}
}

/* One transaction: the pending batch, and a block if @p block. */
static int
xr__txn(struct xr__jw *w, bool full, bool block)
{
	struct xr_journal *j = w->j;
	int64_t now_wall = xr__wall_ns();
	uint64_t t0 = xr_now_ns();

	if (xr__level(w, full ? XR__SYNC_FULL : xr__base_level(j)) != 0 ||
	    xr__exec(j, w->db, "BEGIN") != 0)
		return -EIO;
	int rc = 0;
	for (uint32_t i = 0; i < w->pend_n && rc >= 0; i++)
		rc = xr_jrows_insert(j, w->pend_ring[i], &w->pend[i], now_wall);
	if (rc >= 0 && block)
		rc = xr__block_row(j, w->db,
				   atomic_load_explicit(&j->clordid_limit, memory_order_relaxed),
				   now_wall);
	if (rc >= 0 && j->cfg->journal.sync == XR_JSYNC_INTERVAL && full && w->pend_n == 0 &&
	    !block) {
		/* Nothing new: a row of its own so the FULL commit syncs. */
		char sql[96];
		snprintf(sql, sizeof(sql),
			 "INSERT OR REPLACE INTO meta(key, value) VALUES('synced_ns', '%" PRId64
			 "')",
			 now_wall);
		rc = xr__exec(j, w->db, sql);
	}
	if (rc >= 0 && w->pend_n != 0)
		rc = xr__save_tails(j, w->db);
	if (rc < 0 || xr__exec(j, w->db, "COMMIT") != 0) {
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
		return -EIO;
	}
	if (w->pend_n != 0)
		xr__release(j);
	j->st.commits++;
	j->st.records += w->pend_n;
	if (w->pend_n > j->st.max_batch)
		j->st.max_batch = w->pend_n;
	atomic_store_explicit(&j->records_live, j->st.records, memory_order_relaxed);
	if (full || j->cfg->journal.sync == XR_JSYNC_BATCH) {
		j->st.syncs++;
		j->last_sync_ns = xr_now_ns();
		j->unsynced = false;
	} else {
		j->unsynced = true;
	}
	if (block)
		/* R_J1: pairs with A_J1 in route; the block is durable. */
		atomic_store_explicit(&j->clordid_limit,
				      atomic_load_explicit(&j->clordid_limit, memory_order_relaxed) +
					      j->block,
				      memory_order_release);
	w->pend_n = 0;
	j->st.busy_ns += xr_now_ns() - t0;
	return 0;
}

/* Take what the rings hold into the pending batch. @return records taken. */
static uint32_t
xr__gather(struct xr__jw *w)
{
	struct xr_journal *j = w->j;
	uint32_t got = 0;

	for (uint32_t r = 0; r < j->n_rings && w->pend_n < w->cap; r++) {
		uint32_t k;
		/* The view sees what the stage published; the ring keeps it
		 * until its rows are committed (xr__release()). */
		(void)xr_ring_view_pull_head(&j->views[r], j->rings[r]);
		do {
			uint32_t want = w->cap - w->pend_n;
			if (want > XR__JW_BURST)
				want = XR__JW_BURST;
			k = xr_ring_dequeue_burst(&j->views[r], w->pend + w->pend_n, want);
			memset(w->pend_ring + w->pend_n, (int)r, k);
			w->pend_n += k;
			got += k;
		} while (k != 0 && w->pend_n < w->cap);
	}
	return got;
}

static bool
xr__block_due(struct xr_journal *j)
{
	uint64_t used = atomic_load_explicit(&j->clordid_used, memory_order_relaxed);
	uint64_t limit = atomic_load_explicit(&j->clordid_limit, memory_order_relaxed);

	return used + j->block / 2 >= limit;
}

static void
xr__idle(unsigned *idle)
{
	/* The writer's wait when every ring is empty: a short sleep that
	 * grows to 1 ms, so an idle router costs no core (not a
	 * synchronisation: the next loop looks at the rings again). */
	unsigned us = *idle < 10 ? 20u : *idle < 100 ? 200u : 1000u;
	struct timespec ts = { 0, (long)us * 1000 };

	(*idle)++;
	nanosleep(&ts, NULL);
}

static void *
xr__writer(void *arg)
{
	struct xr__jw *w = arg;
	struct xr_journal *j = w->j;
	unsigned idle = 0;
	uint64_t retry_at = 0;

	for (;;) {
		/* A_J2: pairs with R_J2 in xr_journal_stop(): every producer
		 * has stopped, so empty rings stay empty. */
		bool stop = atomic_load_explicit(&j->stop, memory_order_acquire) != 0;
		uint64_t now = xr_now_ns();
		if (retry_at != 0 && now < retry_at && !stop) {
			xr__idle(&idle);
			continue;
		}
		uint32_t got = w->pend_n == 0 ? xr__gather(w) : w->pend_n;
		bool block = xr__block_due(j);
		bool interval_due = j->cfg->journal.sync == XR_JSYNC_INTERVAL && j->unsynced &&
				    now - j->last_sync_ns >=
					    (uint64_t)j->cfg->journal.sync_interval_ms * 1000000;
		if (got == 0 && !block && !interval_due && !stop) {
			xr__idle(&idle);
			continue;
		}
		idle = 0;
		if (got != 0 || block || interval_due || (stop && j->unsynced)) {
			if (xr__txn(w, block || interval_due || stop, block) != 0) {
				retry_at = now + XR__JW_RETRY_NS;
				if (stop)
					break; /* the owner reports the error */
				continue;
			}
			retry_at = 0;
		}
		if (stop && w->pend_n == 0 && xr__gather(w) == 0) {
			if (j->unsynced && xr__txn(w, true, false) != 0)
				break;
			break;
		}
	}
	return NULL;
}

/* ---- life cycle (owner) ---- */

/* Draining a previous run's rings at open: rows of one transaction. */
static int
xr__drain_one(struct xr_journal *j, unsigned ring, const struct xr_msg *m)
{
	return xr_jrows_insert(j, ring, m, xr__wall_ns()) < 0 ? -EIO : 0;
}

uint64_t
xr_journal_first_clordid(const struct xr_journal *j)
{
	return j->clordid_first;
}

int
xr_journal_open(struct xr_journal *j, const struct xr_config *cfg, uint32_t n_venues,
		const char *mode, char *err, size_t err_len)
{
	const struct xr_journal_cfg *jc = &cfg->journal;
	char rings_path[sizeof(jc->path) + 8];
	struct timespec rt;

	memset(j, 0, sizeof(*j));
	j->cfg = cfg;
	j->ring_fd = -1;
	j->block = jc->clordid_block;
	j->serve = strcmp(mode, "serve") == 0;
	clock_gettime(CLOCK_REALTIME, &rt);
	j->wall_off_ns = (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec - (int64_t)xr_now_ns();
	snprintf(rings_path, sizeof(rings_path), "%s-ring", jc->path);

	int rc = xr_jdb_open(jc->path, XR_JDB_CREATE, &j->db, err, err_len);
	if (rc != 0)
		return rc;
	sqlite3 *db = xr_jdb_handle(j->db);
	/* The writer's pages stay in memory: 64 MiB of page cache, reads
	 * through a mapping rather than pread(). */
	if (xr__exec(j, db, "PRAGMA cache_size=-65536") != 0 ||
	    xr__exec(j, db, "PRAGMA mmap_size=1073741824") != 0)
		goto sql_err;
	if ((rc = xr_jrows_prepare(j, err, err_len)) != 0)
		return rc;

	/* What a killed process left in the rings: into the journal, durably,
	 * before the rings are laid out again; its rows belong to the run
	 * that made them, the last one. */
	sqlite3_stmt *last = NULL;
	if (sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(run), 0) FROM runs", -1, &last, NULL) !=
		    SQLITE_OK ||
	    sqlite3_step(last) != SQLITE_ROW) {
		sqlite3_finalize(last);
		xr__jerr(j, "reading the runs", db);
		goto sql_err;
	}
	j->run = sqlite3_column_int64(last, 0);
	sqlite3_finalize(last);
	if (j->run != 0) {
		/* Did the last run end cleanly? (Else this one recovers.) */
		char q[96];
		snprintf(q, sizeof(q), "SELECT clean_exit FROM runs WHERE run = %" PRId64, j->run);
		if (sqlite3_prepare_v2(db, q, -1, &last, NULL) == SQLITE_OK &&
		    sqlite3_step(last) == SQLITE_ROW)
			j->after_crash = sqlite3_column_int(last, 0) == 0;
		sqlite3_finalize(last);
	}
	if (xr__exec(j, db, "PRAGMA synchronous=FULL") != 0 || xr__exec(j, db, "BEGIN") != 0)
		goto sql_err;
	rc = xr_jrings_drain(j, rings_path, xr__drain_one, err, err_len);
	if (rc != 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	/* The old layout is drained whole, in this transaction: its tails at
	 * its heads, so a crash before the new layout drains nothing twice. */
	if (xr__exec(j, db, "DELETE FROM meta WHERE key = 'ring_layout' OR key LIKE 'ring_tail.%'") !=
	    0)
		goto sql_err;
	if (j->drained_layout != 0) {
		char sql[128];
		snprintf(sql, sizeof(sql),
			 "INSERT INTO meta(key, value) VALUES('ring_layout', '%" PRIu64 "')",
			 j->drained_layout);
		if (xr__exec(j, db, sql) != 0)
			goto sql_err;
		for (uint32_t r = 0; r < j->drained_n; r++) {
			snprintf(sql, sizeof(sql),
				 "INSERT INTO meta(key, value) VALUES('ring_tail.%" PRIu32
				 "', '%" PRIu64 "')",
				 r, j->drained_head[r]);
			if (xr__exec(j, db, sql) != 0)
				goto sql_err;
		}
	}
	/* One past every ClOrdID any run reserved. */
	sqlite3_stmt *s = NULL;
	uint64_t first = 1;
	if (sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(last), 0) FROM clordid_blocks", -1, &s,
			       NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		xr__jerr(j, "reading the ClOrdID blocks", db);
		goto sql_err;
	}
	first = (uint64_t)sqlite3_column_int64(s, 0) + 1;
	sqlite3_finalize(s);
	j->run = xr_jdb_begin_run(j->db, mode, cfg->path, j->after_crash, err, err_len);
	if (j->run < 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return (int)j->run;
	}
	j->clordid_first = first;
	atomic_store_explicit(&j->clordid_limit, first, memory_order_relaxed);
	atomic_store_explicit(&j->clordid_used, first - 1, memory_order_relaxed);
	if (xr__block_row(j, db, first, xr__wall_ns()) != 0 || xr__exec(j, db, "COMMIT") != 0)
		goto sql_err;
	atomic_store_explicit(&j->clordid_limit, first + j->block, memory_order_relaxed);
	j->st.syncs++;
	rc = xr_jrings_layout(j, rings_path, XR_JR_EXECUTE + n_venues, jc->ring_slots, err,
			      err_len);
	if (rc != 0)
		return rc;
	/* The new layout, its tails all 0: one statement, one transaction. */
	char sql[160];
	snprintf(sql, sizeof(sql),
		 "DELETE FROM meta WHERE key LIKE 'ring_tail.%%'; INSERT OR REPLACE INTO "
		 "meta(key, value) VALUES('ring_layout', '%" PRIu64 "')",
		 j->layout_id);
	if (xr__exec(j, db, "BEGIN") != 0 || xr__exec(j, db, sql) != 0 ||
	    xr__exec(j, db, "COMMIT") != 0)
		goto sql_err;
	return 0;
sql_err:
	snprintf(err, err_len, "%s", j->first_error);
	return -EIO;
}

int
xr_jrings_saved(struct xr_journal *j, uint64_t *layout, uint64_t *tails, uint32_t max)
{
	sqlite3 *db = xr_jdb_handle(j->db);
	sqlite3_stmt *s = NULL;

	*layout = 0;
	if (sqlite3_prepare_v2(db,
			       "SELECT key, value FROM meta WHERE key = 'ring_layout' OR key LIKE "
			       "'ring_tail.%'",
			       -1, &s, NULL) != SQLITE_OK) {
		xr__jerr(j, "reading the rings' tails", db);
		return -EIO;
	}
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(s, 0);
		const char *v = (const char *)sqlite3_column_text(s, 1);
		uint64_t x = v != NULL ? strtoull(v, NULL, 10) : 0;
		if (k == NULL)
			continue;
		if (strcmp(k, "ring_layout") == 0) {
			*layout = x;
		} else {
			unsigned long r = strtoul(k + strlen("ring_tail."), NULL, 10);
			if (r < max)
				tails[r] = x;
		}
	}
	sqlite3_finalize(s);
	return 0;
}

int
xr_journal_set_sources(struct xr_journal *j, const char (*names)[XR_NAME_MAX + 1], uint32_t n)
{
	free(j->src_names);
	j->src_names = calloc(n ? n : 1, sizeof(*j->src_names));
	if (j->src_names == NULL)
		return -ENOMEM;
	memcpy(j->src_names, names, n * sizeof(*names));
	j->n_src = n;
	return 0;
}

struct xr_ring *
xr_journal_ring(struct xr_journal *j, unsigned id)
{
	return id < j->n_rings ? j->rings[id] : NULL;
}

int
xr_journal_start(struct xr_journal *j, char *err, size_t err_len)
{
	struct xr__jw *w = calloc(1, sizeof(*w));

	if (w != NULL) {
		w->j = j;
		w->db = xr_jdb_handle(j->db);
		w->level = -1;
		w->cap = j->cfg->journal.batch_records;
		w->pend = calloc(w->cap, sizeof(*w->pend));
		w->pend_ring = calloc(w->cap, 1);
	}
	if (w == NULL || w->pend == NULL || w->pend_ring == NULL) {
		if (w != NULL) {
			free(w->pend);
			free(w->pend_ring);
		}
		free(w);
		snprintf(err, err_len, "journal: out of memory for a batch of %" PRIu32 " records",
			 j->cfg->journal.batch_records);
		return -ENOMEM;
	}
	j->last_sync_ns = xr_now_ns();
	int rc = pthread_create(&j->tid, NULL, xr__writer, w);
	if (rc != 0) {
		free(w->pend);
		free(w->pend_ring);
		free(w);
		snprintf(err, err_len, "journal: cannot start the writer thread: %s", strerror(rc));
		return -rc;
	}
	pthread_setname_np(j->tid, "xr-journal");
	j->worker = w;
	j->started = true;
	return 0;
}

void
xr_journal_stop(struct xr_journal *j)
{
	if (!j->started)
		return;
	/* R_J2: pairs with A_J2 in the writer; the producers are joined. */
	atomic_store_explicit(&j->stop, 1, memory_order_release);
	pthread_join(j->tid, NULL);
	struct xr__jw *w = j->worker;
	free(w->pend);
	free(w->pend_ring);
	free(w);
	j->worker = NULL;
	j->started = false;
}

void
xr_journal_close(struct xr_journal *j, bool clean)
{
	xr_journal_stop(j);
	xr_jrows_finalize(j);
	if (j->db != NULL) {
		xr_jdb_end_run(j->db, j->run, clean && j->st.errors == 0);
		xr_jdb_close(j->db);
	}
	xr_jrings_close(j);
	free(j->src_names);
	j->src_names = NULL;
	j->db = NULL;
}
