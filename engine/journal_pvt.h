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
	bool after_crash;	    /* the run before ended without a clean exit */
	int64_t wall_off_ns;	    /* CLOCK_REALTIME - CLOCK_MONOTONIC at open */
	/* The ring file. */
	int ring_fd;
	unsigned char *map;
	size_t map_bytes;
	struct xr_ring *rings[XR_JR_EXECUTE + XR_MAX_VENUES];
	/* The writer's private consumer views of the rings: it dequeues
	 * from a view and publishes the view's tail to the ring only once
	 * the rows are committed (R_J3 in journal.c), so a record leaves
	 * the rings file only when it is in the journal. */
	struct xr_ring *views;		/* n_rings, XR_RING_PAD-aligned */
	uint64_t layout_id;		/* this layout of the rings file */
	uint64_t tail_saved[XR_JR_EXECUTE + XR_MAX_VENUES]; /* in meta */
	/* The layout drained at open: its id and each ring's head. */
	uint64_t drained_layout;
	uint64_t drained_head[XR_JR_EXECUTE + XR_MAX_VENUES];
	uint32_t drained_n;
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
 * The journal's record of how far each ring of a layout was committed
 * (meta 'ring_layout', 'ring_tail.R'), for xr_jrings_drain() to skip what
 * a killed writer committed but had not yet released. *layout 0: none.
 * @return 0 or -EIO. Thread: the owner, at open.
 */
int xr_jrings_saved(struct xr_journal *j, uint64_t *layout, uint64_t *tails, uint32_t max);

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

/* ---- journal_recover.c: what a crashed run left ---- */

/** An open parent of the session (a signal without a result). */
struct xr_jrec_parent {
	struct xr_msg sig;	   /* the signal as accepted; order_id, method,
				    * exp_px, arrival_px from its decision;
				    * signal_id: set when its source's book
				    * takes it back (the id it has now) */
	char source[XR_NAME_MAX + 1];
	uint64_t client_id;	   /* the source's own signal_id */
	char user[XR_NAME_MAX + 1], symbol[XR_NAME_MAX + 1];
	int64_t cum, notional, fees; /* its children's fills so far */
	uint64_t venue_mask;
	uint32_t n_children;	   /* children that count (latest attempts) */
	uint32_t done;		   /* of which ended */
	bool routed;		   /* it has a decision; else nothing was sent */
	bool end_now;		   /* nothing of it can be live (never routed,
				    * or every child ended): its result is
				    * made at recovery (end_final, reason
				    * stopped) */
	uint8_t end_final;	   /* enum xr_final of that result */
};

/** A child order of an open parent, with what its reports said. */
struct xr_jrec_child {
	struct xr_msg c;	   /* the child as routed (signal_id: as its
				    * parent's) */
	uint32_t parent;	   /* index in parents */
	int64_t cum, notional, fees; /* fills reported */
	bool ended;		   /* a terminal report is journaled */
	bool acked;		   /* the venue acknowledged it (New, fills) */
	bool superseded;	   /* ended and sent again (a later attempt) */
};

/** A signal of the session that has its result: a resubmit's answer. */
struct xr_jrec_outcome {
	char source[XR_NAME_MAX + 1];
	uint64_t client_id;
	int64_t filled, notional, fees;
	uint16_t reason;
	uint8_t final;
	uint8_t venue;		   /* first venue, XR_VENUE_NONE */
};

/**
 * What the session before this run left (journal_recover.c): every run
 * since the last clean exit. active is false when there is none (the
 * last run ended cleanly, or this is the journal's first).
 */
struct xr_jrecovery {
	bool active;
	int64_t since_run;	   /* the last clean run (0: none) */
	uint64_t next_order_id;	   /* one past every order_id journaled */
	struct xr_jrec_parent *parents;
	uint32_t n_parents, cap_parents;
	struct xr_jrec_child *children;
	uint32_t n_children, cap_children;
	struct xr_jrec_outcome *outcomes;
	uint32_t n_outcomes, cap_outcomes;
	int64_t *pos;		   /* net fills, [(user * n_venues + venue) *
				    * n_symbols + symbol] (qty scale) */
};

/**
 * Read back what the runs since the last clean exit left (the header
 * comment of journal_recover.c). next_order_id is set even when nothing
 * is to be recovered.
 * @return 0, or -errno with @p err naming the journal and the cause: a
 *         user, symbol or venue the config no longer has (-ENOENT), SQL
 *         errors (-EIO), memory. Thread: the owner, after
 *         xr_journal_open(), before the writer starts.
 */
int xr_journal_recover_load(struct xr_journal *j, struct xr_jrecovery *r, char *err,
			    size_t err_len);

/**
 * Count into @p extra (n_venues entries, zeroed) the children of @p r each
 * venue will take back: the order table slots it needs beyond its own.
 * Thread: the owner.
 */
void xr_journal_recover_extra(const struct xr_jrecovery *r, uint32_t *extra, uint32_t n_venues);

/** Free what xr_journal_recover_load() allocated. */
void xr_journal_recover_free(struct xr_jrecovery *r);

/**
 * Journal the recovery itself: a signals row in this run for every open
 * parent under the id it has now (its sig.signal_id), and an events row
 * 'recovery' with the counts. @return 0 or -EIO (err filled).
 * Thread: the owner, before the writer starts.
 */
int xr_journal_recover_note(struct xr_journal *j, const struct xr_jrecovery *r, char *err,
			    size_t err_len);

#endif /* XR_JOURNAL_PVT_H */
