/*
 * xr_journal_db: the journal's database layer (docs/journal.md): opening,
 * creating and checking an SQLite journal of schema version 1, the runs
 * table, the column catalogue the tools read it by, and salvage of a
 * damaged journal into a fresh one. It knows the schema and nothing of
 * the pipeline: the writer thread (engine/journal.c) fills the tables.
 *
 * A journal is one SQLite file in WAL mode. Money, quantities and prices
 * are INTEGER fixed point with 8 decimals (XR_QTY_SCALE); every *_ns is
 * CLOCK_REALTIME ns since the epoch. A bad file is never repaired or
 * discarded here: xr_jdb_open() says what is wrong with it, naming the
 * file, and xr_jdb_salvage() copies what can be read into a new file.
 */
#ifndef XR_JOURNAL_DB_H
#define XR_JOURNAL_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/** The schema version this xroute reads and writes (meta.schema_version). */
#define XR_JDB_SCHEMA_VERSION 1

/** xr_jdb_open() flags. */
enum {
	/** Create the file and the schema if the file is absent (or empty),
	 * in WAL mode, with a new random instance. */
	XR_JDB_CREATE = 1u << 0,
	/** Open read-only (the tools); excludes XR_JDB_CREATE. */
	XR_JDB_READONLY = 1u << 1,
};

/** An open journal: the sqlite3 connection and what was read from meta. */
struct xr_jdb;

/**
 * Open the journal at @p path, checking that it is one this xroute reads.
 *
 * Checks, in order: the file exists and is a regular file; its first 16
 * bytes are SQLite's header; its size is a whole number of pages and not
 * less than the header's page count (truncation); it has a meta table
 * with schema_version = XR_JDB_SCHEMA_VERSION and an instance. It does not
 * read every page: xr_jdb_check() does. The connection waits up to 5 s
 * for a lock another connection holds (sqlite3_busy_timeout), then fails
 * with -EBUSY. A file this call created and could not finish is removed.
 * Opened for writing, a journal is put in WAL mode if it is not.
 *
 * @param path     file name.
 * @param flags    XR_JDB_CREATE, XR_JDB_READONLY, or 0 (read-write, the
 *                 file must exist).
 * @param out      the journal, on success; close with xr_jdb_close().
 * @param err      on failure, a message naming @p path and the cause
 *                 ("journal j.db: not an SQLite database (...)").
 * @param err_len  bytes of @p err.
 * @return 0, or
 *         -ENOENT   missing without XR_JDB_CREATE, or not a regular file;
 *         -EBADMSG  not an SQLite database, or an SQLite database that is
 *                   not a journal (no meta table, no schema_version, an
 *                   unreadable version or no instance);
 *         -ENOTSUP  schema_version older or newer than
 *                   XR_JDB_SCHEMA_VERSION (the message names both);
 *         -EIO      truncated or corrupt (sqlite's message), or an I/O
 *                   error;
 *         -EACCES, -EROFS, -ENOSPC, -EBUSY, -ENOMEM, -EINVAL (both
 *                   XR_JDB_CREATE and XR_JDB_READONLY).
 * Thread: any; the journal is then used by one thread at a time.
 */
int xr_jdb_open(const char *path, unsigned flags, struct xr_jdb **out, char *err,
		size_t err_len);

/** Close @p j (NULL accepted); a read-write journal checkpoints its WAL.
 * Thread: the one using @p j. */
void xr_jdb_close(struct xr_jdb *j);

/** @return the sqlite3 connection of @p j, for the writer's statements and
 * the tools' queries; owned by @p j. Thread: the one using @p j. */
sqlite3 *xr_jdb_handle(struct xr_jdb *j);

/** @return the file name @p j was opened with. Thread: any. */
const char *xr_jdb_path(const struct xr_jdb *j);

/** @return meta.instance: 8 characters of [0-9a-z], the ClOrdID prefix of
 * this journal, made when the journal was created. Thread: any. */
const char *xr_jdb_instance(const struct xr_jdb *j);

/** @return the last error message of a call on @p j that has no err
 * buffer (xr_jdb_end_run()); "" if none. Thread: the one using @p j. */
const char *xr_jdb_errmsg(const struct xr_jdb *j);

/**
 * Start a run: insert a runs row (started_ns = now, CLOCK_REALTIME; pid =
 * getpid(); ended_ns NULL; clean_exit 0).
 *
 * @param mode       "run" or "serve" (free text, NOT NULL).
 * @param config     the config file's path or text; NULL stored as NULL.
 * @param recovered  1 if this run recovered a crashed run's open orders.
 * @return the run number (>= 1), or -EROFS (read-only), -EIO, -ENOSPC,
 *         -EBUSY; the message in @p err.
 * Thread: the one using @p j.
 */
int64_t xr_jdb_begin_run(struct xr_jdb *j, const char *mode, const char *config,
			 int recovered, char *err, size_t err_len);

/**
 * End run @p run: ended_ns = now (CLOCK_REALTIME), clean_exit = @p
 * clean_exit != 0.
 * @return 0, -ENOENT (no such run), -EROFS, -EIO, -ENOSPC, -EBUSY; the
 *         message in xr_jdb_errmsg().
 * Thread: the one using @p j.
 */
int xr_jdb_end_run(struct xr_jdb *j, int64_t run, int clean_exit);

/**
 * Read every page: PRAGMA quick_check.
 * @return 0, or -EIO with quick_check's first findings (or sqlite's
 *         error) in @p err, naming the file. Thread: the one using @p j.
 */
int xr_jdb_check(struct xr_jdb *j, char *err, size_t err_len);

/* ---- the column catalogue ---- */

/** How a column's INTEGER or TEXT is to be read. */
enum xr_jdb_kind {
	XR_JDB_INT = 0,	  /* an integer: ids, counts, *_ns, bps, ppm, score */
	XR_JDB_FIXED,	  /* fixed point, 8 decimals: qty, px, cash */
	XR_JDB_TEXT,	  /* text: names, details */
};

/** One column of a schema v1 table. */
struct xr_jdb_column {
	const char *name;
	enum xr_jdb_kind kind;
	bool nullable;
};

/** One schema v1 table, columns in declaration order. */
struct xr_jdb_table {
	const char *name;
	const struct xr_jdb_column *cols;
	unsigned ncols;
	/** Which filters of the tools apply: it has signal_id, run, at_ns. */
	bool has_signal, has_run;
	/** The column the tools' --since/--until compare; NULL if none. */
	const char *time_col;
};

/** @return the tables of schema v1 (meta excluded), @p *n of them, in the
 * order salvage copies them. Thread: any. */
const struct xr_jdb_table *xr_jdb_tables(unsigned *n);

/** @return the table named @p name, or NULL. Thread: any. */
const struct xr_jdb_table *xr_jdb_table_find(const char *name);

/* ---- salvage ---- */

/** Most unreadable rowid ranges salvage lists per table (more are
 * counted, not listed). */
#define XR_JDB_SALVAGE_RANGES 16

/** What salvage did with one table. */
struct xr_jdb_salvage_table {
	const char *name;
	int64_t copied;		/* rows copied */
	int64_t lost;		/* rowids in the unreadable ranges (rows, as
				 * the writer's rowids are dense); -1 when a
				 * range runs to the end of the table, whose
				 * last rowid could not be read */
	unsigned nranges;	/* unreadable ranges, all of them */
	int64_t range_first[XR_JDB_SALVAGE_RANGES];
	int64_t range_last[XR_JDB_SALVAGE_RANGES]; /* INT64_MAX: to the end */
	bool unreadable;	/* the table could not be read at all */
	char error[160];	/* sqlite's message for the first failure */
};

/** What salvage did: meta and every table of xr_jdb_tables(). */
struct xr_jdb_salvage {
	bool meta_copied;	/* instance and created_ns kept; false: the new
				 * journal has a new instance */
	unsigned ntables;
	struct xr_jdb_salvage_table tables[16];
};

/**
 * Copy every readable row of the journal @p bad into a new journal @p
 * good, table by table. Each table is read by rowid ranges: forward from
 * the start until a read fails, backward from the end, and the region
 * between bisected, so one bad page costs the rows on it and no others.
 * meta's instance and created_ns are copied (the ClOrdID prefix stays).
 *
 * @param bad      the damaged journal, opened read-only; of xr_jdb_open()'s
 *                 checks only the file type, SQLite's header and the
 *                 schema version (when meta can be read) are made.
 * @param good     a file that must not exist; created with the schema.
 * @param rep      filled on success.
 * @param err      message naming the file, on failure.
 * @return 0 (see @p rep for what was lost), or -EEXIST (@p good exists),
 *         -ENOENT, -EBADMSG, -ENOTSUP (as xr_jdb_open()), -EIO (the
 *         table list itself cannot be read, or writing @p good failed).
 * Thread: any.
 */
int xr_jdb_salvage(const char *bad, const char *good, struct xr_jdb_salvage *rep,
		   char *err, size_t err_len);

/**
 * -errno for an sqlite result code: SQLITE_CORRUPT, SQLITE_IOERR -> -EIO;
 * SQLITE_NOTADB -> -EBADMSG; SQLITE_CANTOPEN -> -ENOENT; SQLITE_FULL ->
 * -ENOSPC; SQLITE_BUSY, SQLITE_LOCKED -> -EBUSY; SQLITE_NOMEM -> -ENOMEM;
 * SQLITE_READONLY -> -EROFS; SQLITE_PERM, SQLITE_AUTH -> -EACCES; other
 * errors -EIO; SQLITE_OK, SQLITE_ROW, SQLITE_DONE -> 0. Thread: any. Pure.
 */
int xr_jdb_errno(int sqlite_rc);

#endif /* XR_JOURNAL_DB_H */
