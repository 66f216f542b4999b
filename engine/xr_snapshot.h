/*
 * Venue metrics snapshots, published with liburcu (QSBR flavour).
 *
 * DESIGN
 *   The aggregate stage is the single writer of venue statistics. Every
 *   snapshot_interval_us (and at once when a venue's health changes) it
 *   takes a free buffer from a preallocated pool, fills it, and publishes it
 *   with rcu_xchg_pointer(). The previous snapshot goes to call_rcu(); its
 *   callback, run by a real-time call_rcu worker (URCU_CALL_RCU_RT: the
 *   worker polls, so call_rcu() never makes a futex syscall on the writer)
 *   after a grace period, marks the buffer free again. The writer never
 *   waits: if no buffer is free it skips that publication and counts it.
 *   Readers (validate, route) are registered QSBR threads: they call
 *   xr_snapshot_current() and may use the result until their thread's next
 *   quiescent state (one per runner loop), without any lock or atomic RMW.
 *
 * MEMORY ORDERING
 *   rcu_xchg_pointer() (release) pairs with rcu_dereference() (consume) in
 *   readers: a snapshot's contents are visible before its pointer.
 *   R3 (callback marks a buffer free, release) pairs with A3 (writer takes a
 *   free buffer, acquire): every reader finished with the buffer (grace
 *   period) before the writer refills it.
 */
#ifndef XR_SNAPSHOT_H
#define XR_SNAPSHOT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <urcu-qsbr.h>
#include <urcu-call-rcu.h>

#include "xr_breaker.h"
#include "xr_types.h"

/**
 * Longest time a retired snapshot waits for reclamation (ns): the RT
 * call_rcu worker polls every 10 ms, then needs a grace period. The pool
 * holds enough buffers to publish every interval for twice this long.
 */
#define XR_SNAPSHOT_RECLAIM_NS UINT64_C(20000000)
/** Fewest and most buffers in a pool. */
#define XR_SNAPSHOT_POOL_MIN 8
#define XR_SNAPSHOT_POOL_MAX 1024
/** Memory cap of a pool's buffers (bytes); fewer buffers if larger. */
#define XR_SNAPSHOT_POOL_BYTES (UINT64_C(64) << 20)

/** Book levels per side a snapshot keeps (the top of each side). */
#define XR_BOOK_LEVELS 10


/**
 * One side of one venue's book for one symbol: the top XR_BOOK_LEVELS
 * levels, best first (asks ascending, bids descending), from the
 * connector's market data. Struct of arrays so a depth walk reads one
 * line of prices and one of quantities.
 *
 * The cumulative arrays are derived by xr_pair_derive() in the snapshot's
 * copy of the book (the writer's own book leaves them 0): with them the
 * selector prices a fill of any quantity with a few comparisons and one
 * multiplication instead of a level-by-level walk (docs/routing.md
 * "Depth walk"). For i >= n they repeat the last level's value.
 */
struct xr_book_side {
	int64_t px[XR_BOOK_LEVELS];  /* px scale, > 0 for i < n */
	int64_t qty[XR_BOOK_LEVELS]; /* qty scale, > 0 for i < n */
	int64_t cum_qty[XR_BOOK_LEVELS]; /* qty[0] + ... + qty[i] (qty) */
	xr_i128 cum_worse[XR_BOOK_LEVELS]; /* sum of qty[j] x |px[j] - px[0]|
				      * for j <= i (qty x px units): what
				      * levels 0..i cost beyond the touch */
};

/** A venue's book for one symbol: [0] bids, [1] asks (xr_book_side_of). */
struct xr_book {
	struct xr_book_side side[2];
};

/** What one venue shows for one symbol. */
struct xr_venue_sym_metrics {
	int64_t bid_px, ask_px;	  /* best bid/ask (px scale); 0 = not quoted */
	int64_t bid_qty, ask_qty; /* visible depth of each side (qty scale):
				   * the sum of its levels */
	int64_t bid_depth_qty;	  /* bids within depth_bps of the mid (qty) */
	int64_t ask_depth_qty;	  /* asks within depth_bps of the mid (qty) */
	int32_t half_spread_cbps; /* (ask - bid) / (ask + bid), centi-bps; 0
				   * without both sides (xr_pair_derive) */
	uint32_t pair_success_ppm; /* success over the last <= 100 children */
	uint32_t pair_samples;	  /* children in that window, 0..100 */
	uint8_t n_bid, n_ask;	  /* levels in the book, 0..XR_BOOK_LEVELS */
};

/**
 * What the router knows of one venue. Rates are over the last
 * XR_STATS_WINDOW (100) terminal children, a rolling window; latency is
 * the venue round trip, sent -> terminal execution report.
 */
struct xr_venue_metrics {
	uint64_t latency_ewma_ns; /* EWMA, weight latency_ewma_alpha per sample;
				   * before any sample, 2 x network distance */
	uint64_t latency_slow_ns; /* EWMA at a quarter of that weight: the
				   * trend reference of predictive demotion */
	uint64_t latency_avg_ns;  /* mean of the window (ns) */
	uint64_t latency_p50_ns, latency_p95_ns, latency_p99_ns; /* window,
				   * nearest rank (ns) */
	uint64_t completed;	  /* children ended at this venue, cumulative */
	uint32_t samples;	  /* results in the window, 0..100 */
	uint32_t success_ppm;	  /* not rejected/failed; 10^6 with no samples */
	uint32_t reject_ppm;	  /* venue rejects */
	uint32_t timeout_ppm;	  /* ended by a timeout (XR_R_VENUE_FAILURE
				   * with no answer: order_timeout_us) */
	uint32_t error_weight_ppm; /* exponentially decayed error indicator:
				   * w += alpha (err - w) per result */
	uint32_t error_slow_ppm;  /* the same at a quarter of alpha (trend) */
	uint32_t uptime_ppm;	  /* time connected / time since start */
	uint32_t headroom_ppm;	  /* venue token bucket tokens / capacity;
				   * 10^6 without a rate limit */
	uint32_t queue_depth;	  /* children at the execute stage or open at
				   * the venue */
	uint32_t health_ppm;	  /* 0.3 latency_score + 0.5 success + 0.2
				   * uptime (docs/routing.md section 3) */
	int32_t latency_score;	  /* max(0, 10^6 (1 - latency_ewma_ns /
				   * latency_zero_ns)), score units (0..10^6):
				   * the selector's latency factor */
	uint32_t demote_ppm;	  /* predictive demotion: score multiplier,
				   * 10^6 = none (docs/routing.md) */
	uint32_t network_distance_us; /* configured */
	int64_t fee_maker_cbps;	  /* from config (centi-bps) */
	int64_t fee_taker_cbps;
	uint8_t healthy;	  /* 1 if the connector is up */
	uint8_t circuit;	  /* enum xr_circuit */
};

/** An immutable snapshot, once published. */
struct xr_snapshot {
	struct rcu_head rcu;	  /* for call_rcu */
	_Atomic int free;	  /* pool bookkeeping (R3/A3) */
	uint64_t seq;		  /* 1.. in publication order */
	uint64_t published_ns;	  /* CLOCK_MONOTONIC at publication */
	uint64_t params_version;  /* route parameters it was built with */
	uint32_t n_venues, n_symbols;
	int64_t *ref_px;	  /* n_symbols: mid of best bid and best ask over
				   * healthy venues (px scale); 0 = no quote */
	struct xr_venue_metrics *venues;  /* n_venues */
	struct xr_venue_sym_metrics *vs;  /* [venue * n_symbols + symbol] */
	struct xr_book *books;		  /* [venue * n_symbols + symbol] */
	uint64_t *book_gen;		  /* [venue * n_symbols + symbol]: writer's
					   * book generation copied here, so a
					   * refill copies changed books only */
};

/**
 * Fill the book-derived fields of @p vm and @p b from book @p b with
 * @p n_bid and @p n_ask levels. A side is cut at its first level that is
 * not well-formed (price or quantity not positive, or not strictly behind
 * the level before), so every published side is strictly monotone with
 * positive quantities, which the selector relies on (docs/routing.md
 * "Depth walk"). Derived: n_bid/n_ask, best bid/ask (0 for an empty
 * side), visible depth per side, depth within @p depth_bps of the mid, the
 * half spread, and each side's cum_qty/cum_worse. The snapshot writer
 * calls it on its copy of a book when the book changes, so the selector
 * reads these instead of computing them per decision.
 * Thread: any. Pure (writes only *vm and b's derived arrays).
 */
void xr_pair_derive(struct xr_venue_sym_metrics *vm, struct xr_book *b, uint8_t n_bid,
		    uint8_t n_ask, uint32_t depth_bps);

/** The side of a book an order of @p side takes (asks for a buy). */
static inline const struct xr_book_side *
xr_book_side_taken(const struct xr_book *b, int side)
{
	return &b->side[side == 1 /* XR_SIDE_BUY */ ? 1 : 0];
}

/** The pool and the published pointer. */
struct xr_snapshot_pool {
	struct xr_snapshot **bufs;	   /* n_bufs buffers */
	uint32_t n_bufs;
	struct xr_snapshot *current;	   /* RCU-protected */
	struct call_rcu_data *crdp;	   /* real-time call_rcu worker */
	uint64_t seq;			   /* writer's publication counter */
	uint64_t skipped;		   /* publications deferred, no free buffer */
	uint32_t n_venues, n_symbols;
};

/**
 * Allocate the pool (all buffers free, nothing published) and its call_rcu
 * worker: 2 * XR_SNAPSHOT_RECLAIM_NS / interval_ns + 8 buffers, clamped to
 * XR_SNAPSHOT_POOL_MIN..MAX and to XR_SNAPSHOT_POOL_BYTES of memory.
 * @return 0, -ENOMEM, or -EAGAIN (worker thread not created).
 * Thread: any (control path).
 */
int xr_snapshot_pool_init(struct xr_snapshot_pool *p, uint32_t n_venues,
			  uint32_t n_symbols, uint64_t interval_ns);

/**
 * Wait for pending callbacks (rcu_barrier) and free everything.
 * Thread: any, after every reader thread has stopped.
 */
void xr_snapshot_pool_fini(struct xr_snapshot_pool *p);

/**
 * Make the calling thread use the pool's real-time call_rcu worker.
 * Thread: the writer's thread, once, after rcu_register_thread().
 */
void xr_snapshot_writer_attach(struct xr_snapshot_pool *p);

/**
 * A free buffer to fill, or NULL (counted in p->skipped) if none is free:
 * the free one of lowest index, so the buffers in use are the few whose
 * grace periods are pending (the scan's length), kept warm in cache.
 * Thread: the single writer. No allocation, no waiting.
 */
struct xr_snapshot *xr_snapshot_take(struct xr_snapshot_pool *p);

/**
 * Publish @p s (from xr_snapshot_take, filled) and retire the previous one.
 * Thread: the single writer, a registered RCU thread (or, before any reader
 * thread starts, the thread that created the pool). No allocation, no
 * waiting, no syscall.
 */
void xr_snapshot_publish(struct xr_snapshot_pool *p, struct xr_snapshot *s,
			 uint64_t now_ns);

/**
 * A QSBR quiescent state that never makes a syscall: what
 * rcu_quiescent_state() does, minus waking a grace-period waiter that went
 * to sleep. liburcu 0.13's reader does that futex(FUTEX_WAKE) itself when
 * the waiter (here the call_rcu worker in synchronize_rcu()) gave up
 * spinning after 100 tries and slept, which on a host whose CPUs are all
 * taken by busy-spinning stage threads is nearly every grace period: the
 * waiter only runs by preempting a reader, so that reader cannot pass its
 * quiescent state while the waiter spins. Threads using this must have
 * xr_snapshot_gp_kick() called for them periodically by another thread,
 * or grace periods can stall (never a deadlock: rcu_thread_offline() and
 * rcu_unregister_thread() still wake the waiter).
 *
 * Uses liburcu's public static-inline QSBR interface
 * (<urcu/static/urcu-qsbr.h>, the code behind _LGPL_SOURCE): the reader's
 * counter and the global grace-period counter; the fences are the ones of
 * _urcu_qsbr_quiescent_state_update_and_wakeup().
 *
 * Thread: a registered, online QSBR reader (a stage thread), once per loop.
 * Progress: wait-free; no syscall, no allocation.
 */
void xr_snapshot_reader_qs_quiet(void);

/**
 * Wake liburcu's grace-period waiter if it sleeps (futex == -1): the wake
 * that xr_snapshot_reader_qs_quiet() leaves out. Waking it early is
 * harmless: the waiter checks the readers again and sleeps again if one
 * has not passed a quiescent state.
 *
 * Thread: any non-stage thread (the engine's owner calls it every 1 ms
 * while a colocated run lasts). At most one futex(FUTEX_WAKE) syscall.
 */
void xr_snapshot_gp_kick(void);

/*
 * ThreadSanitizer sees neither liburcu's inline-asm atomics nor its grace
 * periods. In a TSan build the pointer is published and read with the
 * equivalent C11 builtins, and the grace period is modelled as a
 * release by each reader at its quiescent state (xr_snapshot_reader_qs)
 * and an acquire by the reclaim callback. Other builds use liburcu as is.
 */
#if defined(__SANITIZE_THREAD__)
#define XR_TSAN 1
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define XR_SNAP_DEREF(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define XR_SNAP_XCHG(p, v) __atomic_exchange_n(&(p), (v), __ATOMIC_ACQ_REL)
#else
#define XR_TSAN 0
#define XR_SNAP_DEREF(p) rcu_dereference(p)
#define XR_SNAP_XCHG(p, v) rcu_xchg_pointer(&(p), (v))
#endif

/** The object TSan builds use to model grace periods. */
extern int xr_snapshot_gp_token;

/**
 * The current snapshot, or NULL before the first publication. Valid until
 * the calling thread's next quiescent state.
 * Thread: a registered, online QSBR reader. Wait-free.
 */
static inline const struct xr_snapshot *
xr_snapshot_current(struct xr_snapshot_pool *p)
{
	return XR_SNAP_DEREF(p->current);
}

/**
 * Call next to rcu_quiescent_state(): a no-op except in TSan builds, where
 * it tells TSan that this thread's earlier snapshot reads happen before
 * any reclamation that follows the grace period.
 * Thread: a registered QSBR thread.
 */
static inline void
xr_snapshot_reader_qs(void)
{
#if XR_TSAN
	__tsan_release(&xr_snapshot_gp_token);
#endif
}

#endif /* XR_SNAPSHOT_H */
