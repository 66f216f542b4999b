/*
 * The ingress sources of `xroute serve` (sources.c): one per shared-memory
 * client of the config ([client NAME]), one per FIX order-entry session
 * ([fix_client NAME]) and one for a signal file; the outcome books that
 * make a source's signal_id idempotent; the return path that hands each
 * result and fill back to its source. Private to the ingress stage
 * (stage_ingress.c, ingress_serve.c), the engine's assembly and tests.
 *
 * IDENTITY
 *   A source's signal_id is its own (two clients may both send 7). Inside
 *   the pipeline a signal carries an internal id instead:
 *     internal = seq << XR_SRC_BITS | source index
 *   with seq counting that source's signals from 1. The result comes back
 *   with it; the source index finds the book, seq % window the entry, and
 *   the entry's seq must match (else the result is a duplicate).
 *
 * BOOKS (docs/serve.md "Idempotency")
 *   Each source remembers its last `idempotency_window` signals: the
 *   source's signal_id -> entry (an xr_u64map), and per entry the outcome
 *   once known. A signal_id seen again within the window is never routed
 *   again: answered with its outcome if it has one, else its one result
 *   is still to come. Entries are reused oldest first; a window full of
 *   signals still open refuses new ones (reason overloaded).
 *
 * THREADS
 *   The owner thread runs the client endpoint's socket side and the
 *   authorizer (xr_sources_owner_tick()); everything else here is the
 *   ingress stage's thread. Counters the owner reads for the summary are
 *   read after the threads stop.
 */
#ifndef XR_SOURCES_PVT_H
#define XR_SOURCES_PVT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "xr_client_proto.h"
#include "xr_config.h"
#include "xr_hist.h"
#include "xr_types.h"
#include "xr_u64map.h"

struct xr_engine;
struct xr_client_server;

/** Bits of the source index in an internal signal_id (4096 sources). */
#define XR_SRC_BITS 12
#define XR_SRC_MAX (1u << XR_SRC_BITS)

/**
 * Entries of a source's book for [serve] idempotency_window @p w: w
 * rounded up to a power of two (0: the default 1048576), so a seq's entry
 * is found with a mask. Thread: any.
 */
static inline uint32_t
xr_src_window(uint32_t w)
{
	uint32_t n = 1024;
	if (w == 0)
		w = 1048576;
	while (n < w)
		n <<= 1;
	return n;
}

/** What a source is. */
enum xr_src_kind {
	XR_SRC_CLIENT = 0, /* a [client NAME]: shared-memory rings */
	XR_SRC_FIX,	   /* a [fix_client NAME]: a FIX order-entry session */
	XR_SRC_FILE,	   /* the signal file (--signals) */
};

/** An entry's state. */
enum xr_src_state {
	XR_SRC_E_FREE = 0,
	XR_SRC_E_OPEN,	/* routed, its result not back yet */
	XR_SRC_E_DONE,	/* its result is back: the outcome below */
};

/** One remembered signal of a source (48 bytes). */
struct xr_src_entry {
	uint64_t sid;	  /* the source's signal_id, 0 = free */
	uint64_t seq;	  /* its internal seq */
	int64_t filled;	  /* filled qty (qty scale) */
	int64_t avg_px;	  /* average fill price (px scale), 0 if none */
	int64_t fees;	  /* cash scale */
	uint16_t reason;  /* enum xr_reason */
	uint8_t final;	  /* enum xr_final */
	uint8_t venue;	  /* first venue, XR_VENUE_NONE if none */
	uint8_t state;	  /* enum xr_src_state */
	uint8_t cancel;	  /* a cancel was forwarded */
	uint8_t pad[2];
};

/** Per-source counters (docs/serve.md "Counters"). */
struct xr_src_counters {
	uint64_t records;	/* records taken (signals, cancels, refused) */
	uint64_t signals;	/* new signals routed (entered the pipeline) */
	uint64_t resubmits;	/* signal_ids seen again: not routed */
	uint64_t not_authorized; /* signals for a user the source may not trade for */
	uint64_t refused;	/* records with a value out of range (parse_error) */
	uint64_t stopped;	/* signals after intake stopped (reason stopped) */
	uint64_t window_full;	/* refused: the window held only open signals */
	uint64_t cancels;	/* cancels forwarded to the pipeline */
	uint64_t cancel_rejects; /* cancels that found nothing open */
	uint64_t results;	/* results back for this source */
	uint64_t fills;		/* fill events back */
	uint64_t duplicates;	/* results for no open entry (a bug if > 0) */
	uint64_t events_sent;	/* events onto the client's ring */
	uint64_t events_held;	/* events that waited in the result buffer */
	uint64_t events_dropped; /* events lost to a full result buffer (the
				 * outcome stays in the book) */
	uint64_t buffer_peak;	/* most events held at once */
	uint64_t sessions;	/* sessions opened */
	uint64_t disconnects;	/* sessions the router ended (buffer full,
				 * garbage, impossible index) */
	uint64_t burst_capped;	/* calls that left records for the next turn */
};

/** One source. */
struct xr_source {
	char name[XR_NAME_MAX + 1];
	uint8_t kind;		 /* enum xr_src_kind */
	uint32_t index;		 /* this source's index (internal id's low bits) */
	uint32_t cfg_index;	 /* [client NAME] / [fix_client NAME] index */
	uint32_t uid;		 /* clients: the uid SO_PEERCRED must show */
	const uint64_t *allowed; /* users it may trade for: bit u; NULL = all */
	int32_t session;	 /* data thread: the live session id, -1 none */
	int32_t owner_session;	 /* owner thread: the session that holds the
				  * name, -1 none */
	struct xr_u64map ids;	 /* sid -> uint32_t entry index */
	struct xr_src_entry *entries; /* window entries, by seq & mask */
	uint32_t window;	 /* entries: a power of two (xr_src_window()) */
	uint64_t mask;		 /* window - 1 */
	uint64_t next_seq;	 /* the next signal's seq (from 1) */
	/* The result buffer: events the client's ring had no room for. */
	struct xr_client_event *held;
	uint32_t held_cap, held_head, held_n;
	struct xr_src_counters c;
	struct xr_hist *rtt;	 /* ingress -> result back at ingress (ns) */
	uint64_t last_log_ns;	 /* rate limit of this source's log lines */
	uint64_t log_skipped;	 /* lines not printed since */
};

/** All sources of a serve engine. */
struct xr_sources {
	struct xr_engine *eng;
	struct xr_source *src;	   /* n entries */
	uint32_t n;
	uint32_t file;		   /* index of the file source, n if none */
	uint64_t *allow_bits;	   /* the sources' user bitmaps, one block */
	struct xr_client_server *clients; /* the endpoint, NULL if no [client] */
	int32_t *session_src;	   /* data thread: session id -> source, -1 */
	uint32_t *active;	   /* data thread: live session ids */
	uint32_t n_active, rr;	   /* round-robin start */
	uint32_t max_sessions;
	uint32_t burst;		   /* [serve] source_burst */
	/* Counted by the ingress thread, read by the owner (relaxed):
	 * results matched to an open entry (the owner's completion test). */
	_Atomic uint64_t answered;
	uint64_t duplicates;	   /* results for no open entry, all sources */
	uint64_t unrouted_answers; /* answered at the source, not routed */
};

/**
 * Build the sources of e->cfg (and the file source if e->io.signals_path),
 * listen on [serve] socket when there is a [client NAME].
 * @return 0, or -errno with @p err naming the cause (socket path, memory).
 * Thread: the owner, from xr_ingress_init().
 */
int xr_sources_init(struct xr_engine *e, struct xr_sources *s, char *err, size_t err_len);

/** Free what init allocated; a zeroed or half-built set is accepted. */
void xr_sources_fini(struct xr_sources *s);

/**
 * The owner's part: accept, hellos and the authorizer, hang-ups, retiring
 * released sessions. Control path (syscalls); a few per millisecond.
 * Thread: the owner (xr_engine_run's loop).
 */
void xr_sources_owner_tick(struct xr_sources *s);

/**
 * The ingress thread's serve step: notices, the return path, the result
 * buffers, then intake from every live session, round robin, at most
 * `source_burst` records each, into @p out (at most @p room; *n_out set):
 * signals, signals refused at the door (reason set: parse_error,
 * not_authorized; validate rejects them, so their results come back like
 * any other), and cancels (kind XR_MSG_CONTROL). Answers at the source
 * what is not routed: resubmits, a full window, cancels of nothing open,
 * and every new signal once @p stopped (intake has stopped: reason
 * stopped). @return items handled (0 = idle). Thread: the ingress stage's.
 */
uint32_t xr_sources_work(struct xr_sources *s, uint64_t now, bool stopped, struct xr_msg *out,
			 uint32_t room, uint32_t *n_out);

/**
 * Admit a signal of source @p src (the file source; the clients' go
 * through xr_sources_work()): look its signal_id up in the book, and
 * either give it an internal id (return 1: route @p m), or answer it at
 * the source (return 0: a resubmit, a full window).
 * Thread: the ingress stage's.
 */
int xr_sources_admit(struct xr_sources *s, uint32_t src, struct xr_msg *m);

/**
 * The return path: take up to a burst of results and fills from
 * output_to_ingress and hand each to its source. @return messages taken.
 * Thread: the ingress stage's, or the owner once the threads stopped.
 */
uint32_t xr_sources_return(struct xr_sources *s, uint64_t now);

/**
 * The summary's per-source table (sources_report.c): text, and the JSON
 * member "sources":[...] with its trailing comma.
 * Thread: the owner, after the threads stopped.
 */
void xr_sources_print(const struct xr_sources *s, FILE *out);
void xr_sources_write_json(const struct xr_sources *s, FILE *out);

/**
 * Each source's round trip histogram (ingress -> its result back, us) as
 * DIR/source-NAME.hgrm, beside the engine's (--hist-dir).
 * @return 0, or -errno with @p err naming the file.
 */
int xr_sources_write_hgrm(const struct xr_sources *s, const char *dir, char *err,
			  size_t err_len);

/**
 * Start every source's seqs past @p base (this run's, so that internal
 * ids never repeat across the runs of one journal: base = run << 32).
 * Thread: the owner, after xr_sources_init(), before any signal.
 */
void xr_sources_set_seq_base(struct xr_sources *s, uint64_t base);

/**
 * Recovery: take the source's signal @p client_id back into source
 * @p name's book as its next entry: done with outcome @p done (a
 * re-submit is answered with it), or open when @p done is NULL (its
 * result is still to come, and goes to the source).
 * @return its internal id now; 0 if no source has that name (its
 *         [client NAME] is gone: the caller reports it) or the window is
 *         full of open signals.
 * Thread: the owner, before the ingress thread starts.
 */
uint64_t xr_sources_restore(struct xr_sources *s, const char *name, uint64_t client_id,
			    const struct xr_src_entry *done);

#endif /* XR_SOURCES_PVT_H */
