/*
 * The journal writer (journal.c, journal_rows.c, journal_rings.c): every
 * signal, routing decision, child order, execution report, result and
 * operator event of a run, in an SQLite journal (xr_journal_db.h), with
 * the ClOrdID block reservations that make the set of possibly-live orders
 * known after any crash. docs/journal.md is the user's page. Private to
 * engine/ and its tests.
 *
 * RINGS THAT SURVIVE THE PROCESS
 *   Each producing stage has its own SPSC ring to the writer thread:
 *     ingress    signals and cancels as admitted (before validate sees them)
 *     route      child orders, each before its execute stage sees it
 *     aggregate  results, operator commands, circuit transitions, alerts
 *     execute.V  execution reports of venue V, before the aggregator's
 *   A stage enqueues the record before the message it describes goes on,
 *   and waits (stalls, counted in its journal_stalls) while its journal
 *   ring is full: a writer that falls behind slows the pipeline, it never
 *   loses a record. The rings live in one shared file mapping, PATH-ring
 *   beside the journal, so a killed process leaves every record it made in
 *   the page cache: the next open drains them into the journal before
 *   anything else (xr_journal_open()). A power failure loses the rings;
 *   docs/journal.md "Writing and durability" says what each sync policy
 *   can lose.
 *
 * CLORDID BLOCKS
 *   Route hands out ClOrdIDs below clordid_limit only. The writer reserves
 *   them clordid_block at a time: it commits the block's row with a full
 *   sync, then publishes the new limit (R_J1). It reserves the next block
 *   when route has used half of the current one, so route never waits in
 *   steady state; when it would (the writer is behind), route stalls and
 *   counts it. After any crash the possibly-live orders are the reserved
 *   ClOrdIDs that the journal does not show as terminal.
 *
 * THREADS
 *   The writer is its own thread, unpinned, outside the thread plan (it
 *   makes syscalls: SQLite, fsync). Each ring has one producer stage and
 *   the writer as its consumer. Open, start, stop and close are the
 *   owner's.
 */
#ifndef XR_JOURNAL_PVT_H
#define XR_JOURNAL_PVT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "xr_config.h"
#include "xr_ring.h"
#include "xr_types.h"
#include "xr_u64map.h"

struct xr_jdb;
struct sqlite3_stmt;

/** Bits of the source index in a serve run's internal signal_id: equal to
 * XR_SRC_BITS (sources_pvt.h), checked where the engine is assembled. */
#define XR_JSRC_BITS 12

/** The journal rings, by producer; execute.V is XR_JR_EXECUTE + V. */
enum xr_jring {
	XR_JR_INGRESS = 0,
	XR_JR_ROUTE,
	XR_JR_AGGREGATE,
	XR_JR_EXECUTE,
};

/** Prepared statements of the writer (journal_rows.c). */
enum xr_jstmt {
	XR_JS_SIGNAL = 0,
	XR_JS_DECISION,
	XR_JS_CHILD,
	XR_JS_REPORT,
	XR_JS_RESULT,
	XR_JS_EVENT,
	XR_JS_COUNT
};

/** What the writer did (struct xr_journal.st); read by the owner. */
struct xr_journal_stats {
	uint64_t records;	  /* ring records consumed */
	uint64_t rows;		  /* rows inserted */
	uint64_t commits;	  /* transactions committed */
	uint64_t syncs;		  /* commits made durable (full sync) */
	uint64_t max_batch;	  /* most records in one transaction */
	uint64_t blocks;	  /* ClOrdID blocks reserved */
	uint64_t recovered;	  /* records drained from a previous run's rings */
	uint64_t errors;	  /* failed statements (the first is kept) */
	uint64_t busy_ns;	  /* time spent writing (ns), for records/s */
};

/** The journal of an engine. */
struct xr_journal {
	const struct xr_config *cfg;
	struct xr_jdb *db;
	struct sqlite3_stmt *stmt[XR_JS_COUNT];
	bool serve;		    /* signal ids are internal (seq << 12 | source) */
	char (*src_names)[XR_NAME_MAX + 1]; /* serve: source index -> name */
	uint32_t n_src;
	int64_t run;		    /* this run's row in runs */
	int64_t wall_off_ns;	    /* CLOCK_REALTIME - CLOCK_MONOTONIC at open */
	/* The ring file. */
	int ring_fd;
	unsigned char *map;
	size_t map_bytes;
	struct xr_ring *rings[XR_JR_EXECUTE + XR_MAX_VENUES];
	uint32_t n_rings;
	/* ClOrdIDs: route may use ids below limit (A_J1 in route pairs with
	 * R_J1 here); used is route's highest, relaxed, for look-ahead. */
	_Atomic uint64_t clordid_limit;
	_Atomic uint64_t clordid_used;
	uint64_t clordid_first;	    /* first id of this run */
	uint32_t block;
	/* The writer thread. */
	pthread_t tid;
	void *worker;		    /* the writer's batch (journal.c) */
	bool started;
	_Atomic int stop;
	uint64_t last_sync_ns;	    /* sync = interval: the last full sync */
	bool unsynced;		    /* commits since the last full sync */
	struct xr_u64map cum;	    /* open ClOrdID -> cumulative qty (rows) */
	struct xr_journal_stats st;
	_Atomic uint64_t records_live; /* st.records, relaxed, for the owner */
	char first_error[1024];
};

/**
 * Open the journal of @p cfg ([journal] path, which must be set): open or
 * create the SQLite file, drain into it whatever a previous process left
 * in the rings file (a crash), start this run's row, reserve the first
 * ClOrdID block durably, and build fresh rings for @p n_venues venues.
 *
 * @param mode   "run" or "serve" (the runs row; serve: internal ids).
 * @return 0, or -errno with @p err naming the file and the cause: the
 *         journal's own errors (xr_jdb_open(): not a journal, older
 *         schema, corrupted), a rings file that is not one of ours or
 *         whose indices are impossible (-EBADMSG: nothing is drained, and
 *         nothing is discarded: the operator decides), I/O errors.
 * Thread: the owner, before any stage is built. Allocates; syscalls.
 */
int xr_journal_open(struct xr_journal *j, const struct xr_config *cfg, uint32_t n_venues,
		    const char *mode, char *err, size_t err_len);

/**
 * Name the sources of a serve run for the signals rows (index -> name,
 * @p n of them, copied). Thread: the owner, before xr_journal_start().
 * @return 0 or -ENOMEM.
 */
int xr_journal_set_sources(struct xr_journal *j, const char (*names)[XR_NAME_MAX + 1],
			   uint32_t n);

/** The ring of producer @p id (enum xr_jring; XR_JR_EXECUTE + venue). */
struct xr_ring *xr_journal_ring(struct xr_journal *j, unsigned id);

/**
 * The first ClOrdID this run may use: one past every id any earlier run
 * of this journal reserved, so a ClOrdID never repeats across restarts.
 * Thread: the owner, after xr_journal_open().
 */
uint64_t xr_journal_first_clordid(const struct xr_journal *j);

/** Start the writer thread. @return 0 or -errno (err filled). Owner. */
int xr_journal_start(struct xr_journal *j, char *err, size_t err_len);

/**
 * Stop the writer once every producer has stopped: it drains every ring,
 * commits with a full sync and exits; joined here. Thread: the owner,
 * after the stage threads stopped.
 */
void xr_journal_stop(struct xr_journal *j);

/**
 * End the run's row (clean_exit = @p clean), close the journal and unmap
 * the rings (empty after xr_journal_stop()). Accepts a half-opened or
 * zeroed journal. Thread: the owner.
 */
void xr_journal_close(struct xr_journal *j, bool clean);

/* ---- journal_rings.c: the rings file ---- */

/**
 * Drain what a previous process left in rings file @p path (absent or
 * empty: nothing) through @p drain, called per record with its ring id.
 * Nothing in the file changes.
 * @return 0, or -errno with @p err naming the file, the ring and the
 *         cause (-EBADMSG: not a rings file of this layout, truncated,
 *         impossible indices; then nothing was drained; or @p drain's
 *         error, after the records before it).
 * Thread: the owner (xr_journal_open()).
 */
int xr_jrings_drain(struct xr_journal *j, const char *path,
		    int (*drain)(struct xr_journal *j, unsigned ring, const struct xr_msg *m),
		    char *err, size_t err_len);

/**
 * Lay out @p n_rings empty rings of @p slots slots in @p path (created or
 * truncated), mapped shared into j->rings. Only once what it held is
 * drained and committed.
 * @return 0, or -errno with @p err naming the file and the cause.
 * Thread: the owner (xr_journal_open()).
 */
int xr_jrings_layout(struct xr_journal *j, const char *path, uint32_t n_rings,
		     uint32_t slots, char *err, size_t err_len);

/** Unmap the rings file. Thread: the owner. */
void xr_jrings_close(struct xr_journal *j);

/* ---- journal_rows.c: records to rows ---- */

/** Prepare the writer's statements. @return 0 or -EIO (err filled). */
int xr_jrows_prepare(struct xr_journal *j, char *err, size_t err_len);

/** Finalize them. */
void xr_jrows_finalize(struct xr_journal *j);

/**
 * Insert the rows record @p m of ring @p ring makes (none for a kind the
 * journal does not keep). @return rows inserted, or -EIO (counted in
 * st.errors, the first message kept). Thread: the writer, or the owner
 * while draining at open, inside a transaction.
 */
int xr_jrows_insert(struct xr_journal *j, unsigned ring, const struct xr_msg *m,
		    int64_t now_wall_ns);

#endif /* XR_JOURNAL_PVT_H */
