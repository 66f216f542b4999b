/*
 * snapshot_torture: an RCU torture test of the venue metrics snapshot pool
 * (engine/snapshot.c), in the spirit of liburcu's rcutorture
 * (urcu:tests/regression/rcutorture.h).
 *
 *   usage: stress_snapshot_torture [--swaps N] [--readers R] [--interval-us U]
 *          --swaps N        snapshots to publish, default 1000000
 *          --readers R      reader threads, 1..64, default 2
 *          --interval-us U  snapshot interval the pool is sized for
 *                           (xr_snapshot_pool_init), default 1000: 48
 *                           buffers; 1000000 gives the smallest pool (8)
 *
 * DESIGN
 *   The real pool: xr_snapshot_pool_init() with its real-time call_rcu
 *   worker, buffers recycled only by the pool's own reclaim callback.
 *
 *   One publisher thread (registered QSBR, xr_snapshot_writer_attach) loops
 *   like the aggregate stage's thread: xr_snapshot_take(); if it gives a
 *   buffer, fill it for the next sequence number and xr_snapshot_publish()
 *   it; if not (every buffer awaits its grace period), count the skip,
 *   yield as an idle runner thread with wait = yield does, and try again;
 *   in both cases one quiescent state per loop. It never waits for a
 *   buffer: it would stall the grace periods it waits for. If no buffer
 *   comes back for STALL_S seconds it gives up (a stalled grace period).
 *
 *   Every field a reader looks at is a function of the snapshot's sequence
 *   number (fill_*() below): a stamp in the header (params_version,
 *   published_ns from an injected clock), in every venue's metrics
 *   (completed, and every other field derived from it), in every
 *   (venue, symbol) summary and book level and its book_gen, and in
 *   ref_px. Prices drift with the sequence number, so the selector's
 *   answer changes too.
 *
 *   R reader threads (registered QSBR) loop: xr_snapshot_current(); check
 *   every stamp against the snapshot's seq; xr_select() on it for one of a
 *   few orders and strategies (one venue, split when needed, always split,
 *   resting, touch only); check the decision (quantities sum to the
 *   order's, distinct venues, the arrival price is a touch of this seq);
 *   check every stamp again (a buffer recycled under the reader changes);
 *   check that seq never goes backwards; then one quiescent state
 *   (xr_snapshot_reader_qs() + rcu_quiescent_state(), as the runner does).
 *
 *   Age: the publisher stores the seq it is about to publish in pub_seq
 *   before each publication. At the end of each read a reader records
 *   pub_seq - seq. While a reader holds snapshot S (no quiescent state since
 *   it read S), each of the other n_bufs - 1 buffers can be published at
 *   most once more: reusing one needs a grace period that started after S
 *   was current, which needs this reader's quiescent state. So an age above
 *   n_bufs - 1 means a buffer was reused before its grace period ended, the
 *   analogue of rcutorture's pipe count above 1, and fails the run.
 *
 *   ThreadSanitizer: the pool models grace periods for TSan
 *   (xr_snapshot.h, XR_TSAN), so a buffer refilled while a reader still
 *   reads it is reported as a race, besides failing the stamp checks.
 *
 * OUTPUT AND EXIT STATUS
 *   The shape, swaps, skips, the time, per reader its reads, empty reads,
 *   splits, rejections and max age, then the age histogram ("Reader pipe",
 *   as rcutorture prints it) and OK or FAIL. Exit 0 if every check passed,
 *   1 on a violation (described on stderr), 2 on a usage or setup error.
 *   No sleeps: readers stop when the publisher sets the stop flag.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <urcu-qsbr.h>

#include "xr_selector.h"
#include "xr_snapshot.h"
#include "xr_config.h"
#include "xr_types.h"

#define DEFAULT_SWAPS UINT64_C(1000000)
#define DEFAULT_READERS 2
#define MAX_READERS 64
#define DEFAULT_INTERVAL_US UINT64_C(1000)
#define N_VENUES 4
#define N_SYMBOLS 2
/* Seconds without a buffer coming back before the publisher gives up. */
#define STALL_S 60
/* Age histogram: ages 0..7 exactly, then [8,16), [16,32), ..., 1024+. */
#define AGE_EXACT 8
#define AGE_BUCKETS 16
/* The injected publication clock: published_ns = seq * this. */
#define CLOCK_STEP_NS UINT64_C(1000)

/* Impossible states: print the location and abort (urcu-die.h style). */
#define DIE(what, err)                                                         \
	do {                                                                   \
		fprintf(stderr, "snapshot_torture: %s:%d: %s: %s\n", __FILE__, \
			__LINE__, (what), strerror(err));                      \
		abort();                                                       \
	} while (0)

struct reader {
	pthread_t thread;
	unsigned id;
	struct torture *t;
	/* Written by the reader, read by main after the join. */
	uint64_t reads, empty, splits, rejects, max_age;
	uint64_t hist[AGE_BUCKETS];
	char fail[512]; /* first violation, "" if none */
};

struct torture {
	struct xr_snapshot_pool pool;
	struct xr_select_params sp;
	uint64_t swaps;		/* publications to make */
	unsigned n_readers;
	pthread_barrier_t start;
	/* R1/A1: the seq the publisher is about to publish (age). */
	_Atomic uint64_t pub_seq;
	/* R2/A2: set by the publisher when it is done; readers stop. */
	atomic_bool stop;
	/* R3/A3: set by a reader on a violation; the publisher stops early. */
	atomic_bool abort;
	/* Publisher's results, read by main after the join. */
	bool stalled;
	uint64_t stall_at_seq;
	char pub_fail[256];
	struct reader readers[MAX_READERS];
};

/* ------------------------------------------------------------------ */
/* What a snapshot of sequence number seq holds. */

struct sym_def {
	int64_t base_px, tick_px, lot_qty;
};

static const struct sym_def syms[N_SYMBOLS] = {
	{50000 * XR_PX_SCALE, XR_PX_SCALE / 2, XR_QTY_SCALE},	      /* BTC-like */
	{3000 * XR_PX_SCALE, XR_PX_SCALE / 20, 10 * XR_QTY_SCALE}, /* ETH-like */
};

static int64_t
mid_px(uint64_t seq, unsigned sym)
{
	return syms[sym].base_px + (int64_t)(seq % 256) * syms[sym].tick_px;
}

/* Levels on a side, 4..XR_BOOK_LEVELS. */
static unsigned
n_levels(uint64_t seq, unsigned v, unsigned sym, int ask)
{
	return 4 + (unsigned)((seq + v + sym + (unsigned)ask * 3) % (XR_BOOK_LEVELS - 3));
}

/* Level i of one side: price and quantity, 0 beyond the side's levels. */
static void
level(uint64_t seq, unsigned v, unsigned sym, int ask, unsigned i, int64_t *px, int64_t *qty)
{
	const struct sym_def *d = &syms[sym];

	if (i >= n_levels(seq, v, sym, ask)) {
		*px = *qty = 0;
		return;
	}
	int64_t off = 1 + (int64_t)((seq + v) % (ask ? 3 : 2)) + (int64_t)i;
	*px = mid_px(seq, sym) + (ask ? off : -off) * d->tick_px;
	*qty = d->lot_qty * (1 + (int64_t)((seq + v + i) % 5)) / 2;
}

static bool
venue_healthy(uint64_t seq, unsigned v)
{
	return !(seq % 7 == 0 && v == (seq / 7) % N_VENUES);
}

static void
fill_venue(struct xr_venue_metrics *m, uint64_t seq, unsigned v, uint64_t latency_zero_ns)
{
	m->latency_ewma_ns = 20000 + 10000 * (uint64_t)v + (seq % 50) * 1000;
	m->latency_slow_ns = m->latency_ewma_ns - (seq % 3) * 500;
	m->latency_avg_ns = m->latency_ewma_ns + 100;
	m->latency_p50_ns = m->latency_ewma_ns;
	m->latency_p95_ns = m->latency_ewma_ns * 2;
	m->latency_p99_ns = m->latency_ewma_ns * 3;
	m->completed = seq; /* the stamp */
	m->samples = 100;
	m->success_ppm = 950000 + (uint32_t)((seq + v) % 50) * 1000;
	m->reject_ppm = 1000000 - m->success_ppm;
	m->timeout_ppm = 0;
	m->error_weight_ppm = (uint32_t)(seq % 10) * 1000;
	m->error_slow_ppm = m->error_weight_ppm / 2;
	m->uptime_ppm = 1000000;
	m->headroom_ppm = 1000000 - (uint32_t)(seq % 4) * 100000;
	m->queue_depth = (uint32_t)(seq % 16);
	xr_venue_derive(m, latency_zero_ns); /* latency_score, health_ppm */
	m->demote_ppm = 1000000 - (uint32_t)((seq + v) % 3) * 100000;
	m->network_distance_us = 10 + v;
	m->fee_maker_cbps = 100 * (int64_t)v - 100;
	m->fee_taker_cbps = 200 + 100 * (int64_t)v;
	m->healthy = venue_healthy(seq, v);
	m->circuit = m->healthy ? XR_CIRCUIT_CLOSED : XR_CIRCUIT_OPEN;
}

static void
fill_pair(struct xr_venue_sym_metrics *m, struct xr_book *b, uint64_t seq, unsigned v,
	  unsigned sym)
{
	int64_t sum[2] = {0, 0};

	for (int ask = 0; ask < 2; ask++) {
		xr_i128 worse = 0;
		for (unsigned i = 0; i < XR_BOOK_LEVELS; i++) {
			struct xr_book_side *bs = &b->side[ask];
			level(seq, v, sym, ask, i, &bs->px[i], &bs->qty[i]);
			sum[ask] += bs->qty[i];
			/* The derived arrays, by their definition (xr_snapshot.h). */
			if (bs->qty[i] > 0)
				worse += (xr_i128)bs->qty[i] *
					 (ask ? bs->px[i] - bs->px[0] : bs->px[0] - bs->px[i]);
			bs->cum_qty[i] = sum[ask];
			bs->cum_worse[i] = worse;
		}
	}
	m->bid_px = b->side[0].px[0];
	m->ask_px = b->side[1].px[0];
	m->bid_qty = sum[0];
	m->ask_qty = sum[1];
	m->bid_depth_qty = b->side[0].qty[0] + b->side[0].qty[1];
	m->ask_depth_qty = b->side[1].qty[0] + b->side[1].qty[1];
	m->pair_success_ppm = 900000 + (uint32_t)(seq % 100) * 1000;
	m->pair_samples = (uint32_t)(seq % 101);
	m->n_bid = (uint8_t)n_levels(seq, v, sym, 0);
	m->n_ask = (uint8_t)n_levels(seq, v, sym, 1);
	m->half_spread_cbps = (int32_t)(1000 + (seq + v + sym) % 500);
}

/* Everything but seq and published_ns, which xr_snapshot_publish() sets. */
static void
fill_snapshot(struct xr_snapshot *s, uint64_t seq, uint64_t latency_zero_ns)
{
	s->params_version = seq;
	for (unsigned v = 0; v < N_VENUES; v++)
		fill_venue(&s->venues[v], seq, v, latency_zero_ns);
	for (unsigned sym = 0; sym < N_SYMBOLS; sym++) {
		for (unsigned v = 0; v < N_VENUES; v++) {
			size_t k = (size_t)v * N_SYMBOLS + sym;
			fill_pair(&s->vs[k], &s->books[k], seq, v, sym);
			s->book_gen[k] = seq;
		}
		s->ref_px[sym] = mid_px(seq, sym);
	}
}

/* ------------------------------------------------------------------ */
/* Reader checks. */

static bool
fail_at(struct reader *r, uint64_t seq, const char *when, const char *what, unsigned a,
	unsigned b, int64_t got, int64_t want)
{
	bool decision = strcmp(when, "decision") == 0;

	snprintf(r->fail, sizeof(r->fail),
		 "reader %u: snapshot seq %" PRIu64 " %s: %s [%u][%u] = %" PRId64
		 ", want %" PRId64 " (%s)",
		 r->id, seq, when, what, a, b, got, want,
		 decision ? "the selector's answer does not fit the snapshot"
			  : "the buffer changed under a reader: recycled before its"
			    " grace period ended?");
	return false;
}

#define CHECK(what, a, b, got, want)                                              \
	do {                                                                      \
		if ((int64_t)(got) != (int64_t)(want))                            \
			return fail_at(r, seq, when, (what), (a), (b), (int64_t)(got), \
				       (int64_t)(want));                          \
	} while (0)

#define VENUE_FIELDS(X)                                                      \
	X(latency_ewma_ns) X(latency_slow_ns) X(latency_avg_ns) X(latency_p50_ns) \
	X(latency_p95_ns) X(latency_p99_ns) X(completed) X(samples)               \
	X(success_ppm) X(reject_ppm) X(timeout_ppm) X(error_weight_ppm)           \
	X(error_slow_ppm) X(uptime_ppm) X(headroom_ppm) X(queue_depth)            \
	X(health_ppm) X(latency_score) X(demote_ppm) X(network_distance_us)       \
	X(fee_maker_cbps)                                                         \
	X(fee_taker_cbps) X(healthy) X(circuit)

#define PAIR_FIELDS(X)                                                       \
	X(bid_px) X(ask_px) X(bid_qty) X(ask_qty) X(bid_depth_qty)               \
	X(ask_depth_qty) X(pair_success_ppm) X(pair_samples) X(n_bid) X(n_ask)   \
	X(half_spread_cbps)

/* Every stamp of @p s is that of @p seq; else r->fail says where. */
static bool
check_snapshot(struct reader *r, const struct xr_snapshot *s, uint64_t seq, const char *when)
{
	uint64_t lz = r->t->sp.latency_zero_ns;
	struct xr_venue_metrics vm;
	struct xr_venue_sym_metrics pm;
	struct xr_book bk;

	CHECK("seq", 0, 0, s->seq, seq);
	CHECK("published_ns", 0, 0, s->published_ns, seq * CLOCK_STEP_NS);
	CHECK("params_version", 0, 0, s->params_version, seq);
	CHECK("n_venues", 0, 0, s->n_venues, N_VENUES);
	CHECK("n_symbols", 0, 0, s->n_symbols, N_SYMBOLS);
	for (unsigned v = 0; v < N_VENUES; v++) {
		const struct xr_venue_metrics *m = &s->venues[v];
		fill_venue(&vm, seq, v, lz);
#define X(f) CHECK("venues." #f, v, 0, m->f, vm.f);
		VENUE_FIELDS(X)
#undef X
	}
	for (unsigned sym = 0; sym < N_SYMBOLS; sym++) {
		CHECK("ref_px", sym, 0, s->ref_px[sym], mid_px(seq, sym));
		for (unsigned v = 0; v < N_VENUES; v++) {
			size_t k = (size_t)v * N_SYMBOLS + sym;
			const struct xr_venue_sym_metrics *m = &s->vs[k];
			const struct xr_book *b = &s->books[k];
			fill_pair(&pm, &bk, seq, v, sym);
#define X(f) CHECK("vs." #f, v, sym, m->f, pm.f);
			PAIR_FIELDS(X)
#undef X
			CHECK("book_gen", v, sym, s->book_gen[k], seq);
			for (int side = 0; side < 2; side++)
				for (unsigned i = 0; i < XR_BOOK_LEVELS; i++) {
					CHECK(side ? "books.ask.px" : "books.bid.px", v, i,
					      b->side[side].px[i], bk.side[side].px[i]);
					CHECK(side ? "books.ask.qty" : "books.bid.qty", v, i,
					      b->side[side].qty[i], bk.side[side].qty[i]);
					CHECK(side ? "books.ask.cum_qty" : "books.bid.cum_qty", v, i,
					      b->side[side].cum_qty[i], bk.side[side].cum_qty[i]);
					CHECK(side ? "books.ask.cum_worse" : "books.bid.cum_worse",
					      v, i, b->side[side].cum_worse[i],
					      bk.side[side].cum_worse[i]);
				}
		}
	}
	return true;
}

/* The orders readers cycle through: every allocation path of xr_select. */
static const struct xr_select_order orders[] = {
	/* One venue, 2x depth required. */
	{.symbol = 0, .side = XR_SIDE_BUY, .strategy = XR_STRAT_WEIGHTED_SCORE,
	 .qty = XR_QTY_SCALE, .allowed_mask = 0xf},
	/* Always split, crossing. */
	{.symbol = 1, .side = XR_SIDE_SELL, .strategy = XR_STRAT_BEST_LIQUIDITY,
	 .qty = 60 * XR_QTY_SCALE, .allowed_mask = 0xf},
	/* Split when the best venue cannot fill within the bound; may reject. */
	{.symbol = 0, .side = XR_SIDE_BUY, .strategy = XR_STRAT_BEST_EXECUTION,
	 .qty = 40 * XR_QTY_SCALE, .max_slippage_bps = 1, .allowed_mask = 0xf},
	/* Resting children, spread. */
	{.symbol = 0, .side = XR_SIDE_SELL, .strategy = XR_STRAT_PASSIVE,
	 .qty = 3 * XR_QTY_SCALE, .allowed_mask = 0xf},
	/* Always split with a display cap. */
	{.symbol = 1, .side = XR_SIDE_BUY, .strategy = XR_STRAT_STEALTH,
	 .qty = 45 * XR_QTY_SCALE, .allowed_mask = 0xf},
	/* Touch only, one venue already tried. */
	{.symbol = 0, .side = XR_SIDE_SELL, .strategy = XR_STRAT_BALANCED,
	 .qty = 2 * XR_QTY_SCALE, .allowed_mask = 0xf, .exclude_mask = 0x2},
};
#define N_ORDERS (sizeof(orders) / sizeof(orders[0]))

/* The decision is well formed and priced from snapshot @p seq. */
static bool
check_decision(struct reader *r, const struct xr_select_order *o,
	       const struct xr_route_decision *d, uint64_t seq)
{
	const char *when = "decision";
	int64_t sum = 0;
	uint64_t seen = 0;

	CHECK("n_ranked <= venues", 0, 0, d->n_ranked <= N_VENUES, 1);
	if (d->n_alloc == 0)
		return true;
	for (unsigned i = 0; i < d->n_alloc; i++) {
		const struct xr_alloc *a = &d->alloc[i];
		CHECK("alloc venue < venues", i, a->venue, a->venue < N_VENUES, 1);
		CHECK("alloc venue distinct", i, a->venue, (seen >> a->venue) & 1, 0);
		CHECK("alloc qty > 0", i, a->venue, a->qty > 0, 1);
		seen |= UINT64_C(1) << a->venue;
		sum += a->qty;
	}
	CHECK("sum of alloc qty", 0, 0, sum, o->qty);
	/* The arrival price is the far touch of one venue at this seq. */
	for (unsigned v = 0; v < N_VENUES; v++) {
		int64_t px, qty;
		level(seq, v, o->symbol, o->side == XR_SIDE_BUY, 0, &px, &qty);
		if (px == d->arrival_px)
			return true;
	}
	return fail_at(r, seq, when, "arrival_px is no venue's touch", 0, 0, d->arrival_px, 0);
}

static unsigned
age_bucket(uint64_t age)
{
	if (age < AGE_EXACT)
		return (unsigned)age;
	unsigned b = AGE_EXACT + (unsigned)(63 - __builtin_clzll(age)) - 3;
	return b < AGE_BUCKETS ? b : AGE_BUCKETS - 1;
}

static void
start_wait(struct torture *t)
{
	/* Offline while blocked, so no grace period waits for us. */
	rcu_thread_offline();
	int err = pthread_barrier_wait(&t->start);
	if (err != 0 && err != PTHREAD_BARRIER_SERIAL_THREAD)
		DIE("pthread_barrier_wait", err);
	rcu_thread_online();
}

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	struct torture *t = r->t;
	const uint64_t bound = t->pool.n_bufs - 1;
	uint64_t in_flight[N_VENUES] = {0, 3, 10, 1};
	uint64_t last = 0, reads = 0, empty = 0;
	struct xr_route_decision d;

	rcu_register_thread();
	start_wait(t);
	/* A2: pairs with R2 in publisher_main; the publisher is done. */
	while (!atomic_load_explicit(&t->stop, memory_order_acquire)) {
		const struct xr_snapshot *s = xr_snapshot_current(&t->pool);
		if (s == NULL) {
			empty++;
			goto qs;
		}
		uint64_t seq = s->seq;
		if (seq < last) {
			snprintf(r->fail, sizeof(r->fail),
				 "reader %u: seq went backwards: %" PRIu64 " after %" PRIu64,
				 r->id, seq, last);
			break;
		}
		last = seq;
		if (!check_snapshot(r, s, seq, "before select"))
			break;
		const struct xr_select_order *o = &orders[(reads + r->id) % N_ORDERS];
		unsigned n = xr_select(&t->sp, s, o, in_flight, &d);
		if (!check_decision(r, o, &d, seq) || !check_snapshot(r, s, seq, "after select"))
			break;
		r->splits += n > 1;
		r->rejects += n == 0;
		/* A1: pairs with R1 in publisher_main. Before this thread's
		 * quiescent state, so no publication that needs it is counted. */
		uint64_t pub = atomic_load_explicit(&t->pub_seq, memory_order_acquire);
		uint64_t age = pub > seq ? pub - seq : 0;
		if (age > bound) {
			snprintf(r->fail, sizeof(r->fail),
				 "reader %u: held seq %" PRIu64 " while the publisher reached %" PRIu64
				 ": age %" PRIu64 " > %" PRIu64 " (pool buffers - 1); a buffer was"
				 " reused before a grace period this reader is part of ended",
				 r->id, seq, pub, age, bound);
			break;
		}
		if (age > r->max_age)
			r->max_age = age;
		r->hist[age_bucket(age)]++;
		reads++;
qs:
		xr_snapshot_reader_qs();
		rcu_quiescent_state();
	}
	if (r->fail[0] != '\0')
		/* R3: pairs with A3 in publisher_main. */
		atomic_store_explicit(&t->abort, true, memory_order_release);
	r->reads = reads;
	r->empty = empty;
	rcu_unregister_thread();
	return NULL;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *
publisher_main(void *arg)
{
	struct torture *t = arg;
	struct xr_snapshot_pool *p = &t->pool;
	uint64_t skip_run = 0, skip_since = 0;

	rcu_register_thread();
	xr_snapshot_writer_attach(p);
	start_wait(t);
	/* A3: pairs with R3 in reader_main; a reader found a violation. */
	while (p->seq < t->swaps && !atomic_load_explicit(&t->abort, memory_order_acquire)) {
		struct xr_snapshot *s = xr_snapshot_take(p);
		if (s == NULL) {
			/* Counted in p->skipped. Idle like a runner thread with
			 * wait = yield; a stalled grace period ends the run. */
			if (skip_run++ == 0)
				skip_since = now_ns();
			else if (skip_run % 1024 == 0 &&
				 now_ns() - skip_since > (uint64_t)STALL_S * 1000000000u) {
				t->stalled = true;
				t->stall_at_seq = p->seq;
				break;
			}
			sched_yield();
		} else {
			uint64_t seq = p->seq + 1;
			skip_run = 0;
			fill_snapshot(s, seq, t->sp.latency_zero_ns);
			/* R1: pairs with A1 in reader_main; also ordered before the
			 * pointer's publication (its release), so a reader that sees
			 * seq sees pub_seq >= seq. */
			atomic_store_explicit(&t->pub_seq, seq, memory_order_release);
			xr_snapshot_publish(p, s, seq * CLOCK_STEP_NS);
			if (s->seq != seq) {
				snprintf(t->pub_fail, sizeof(t->pub_fail),
					 "publisher: published seq %" PRIu64 ", expected %" PRIu64,
					 s->seq, seq);
				break;
			}
		}
		xr_snapshot_reader_qs();
		rcu_quiescent_state();
	}
	/* R2: pairs with A2 in reader_main. */
	atomic_store_explicit(&t->stop, true, memory_order_release);
	rcu_unregister_thread();
	return NULL;
}

/* ------------------------------------------------------------------ */

static int
parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (s == NULL || *s == '\0' || *s == '-')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: stress_snapshot_torture [--swaps N] [--readers R] [--interval-us U]\n"
		"  --swaps N        snapshots to publish, > 0 (default %" PRIu64 ")\n"
		"  --readers R      reader threads, 1..%d (default %d)\n"
		"  --interval-us U  interval the pool is sized for, > 0 (default %" PRIu64
		"; larger = fewer buffers, at least %d)\n",
		DEFAULT_SWAPS, MAX_READERS, DEFAULT_READERS, DEFAULT_INTERVAL_US,
		XR_SNAPSHOT_POOL_MIN);
}

int
main(int argc, char **argv)
{
	static struct torture t;
	uint64_t readers = DEFAULT_READERS, interval_us = DEFAULT_INTERVAL_US;
	struct xr_engine_cfg ec = {
		/* [engine] defaults (docs/config.md). */
		.latency_zero_score_us = 1000000, .load_full_queue = 100,
		.price_zero_bps = 100, .cost_zero_bps = 100,
	};
	pthread_t pub;
	int err;

	t.swaps = DEFAULT_SWAPS;
	for (int i = 1; i < argc; i++) {
		uint64_t *dst = strcmp(argv[i], "--swaps") == 0	      ? &t.swaps
				: strcmp(argv[i], "--readers") == 0     ? &readers
				: strcmp(argv[i], "--interval-us") == 0 ? &interval_us
									: NULL;
		if (dst == NULL || i + 1 >= argc || parse_u64(argv[++i], dst) != 0) {
			usage();
			return 2;
		}
	}
	if (t.swaps == 0 || readers == 0 || readers > MAX_READERS || interval_us == 0 ||
	    interval_us > UINT64_MAX / 1000) {
		usage();
		return 2;
	}
	t.n_readers = (unsigned)readers;

	for (int s = 0; s < XR_STRAT_COUNT; s++)
		xr_strategy_defaults((enum xr_strategy)s, &ec.strategies[s]);
	xr_select_params_init(&t.sp, &ec);
	err = xr_snapshot_pool_init(&t.pool, N_VENUES, N_SYMBOLS, interval_us * 1000);
	if (err != 0) {
		fprintf(stderr, "snapshot_torture: xr_snapshot_pool_init: %s\n", strerror(-err));
		return 2;
	}
	atomic_init(&t.pub_seq, 0);
	atomic_init(&t.stop, false);
	atomic_init(&t.abort, false);

	if ((err = pthread_barrier_init(&t.start, NULL, t.n_readers + 2)) != 0)
		DIE("pthread_barrier_init", err);
	for (unsigned i = 0; i < t.n_readers; i++) {
		t.readers[i].id = i;
		t.readers[i].t = &t;
		if ((err = pthread_create(&t.readers[i].thread, NULL, reader_main, &t.readers[i])) != 0)
			DIE("pthread_create", err);
	}
	if ((err = pthread_create(&pub, NULL, publisher_main, &t)) != 0)
		DIE("pthread_create", err);
	/* Main is no RCU thread: it waits at the barrier and joins. */
	err = pthread_barrier_wait(&t.start);
	if (err != 0 && err != PTHREAD_BARRIER_SERIAL_THREAD)
		DIE("pthread_barrier_wait", err);
	uint64_t t0 = now_ns();
	if ((err = pthread_join(pub, NULL)) != 0)
		DIE("pthread_join", err);
	for (unsigned i = 0; i < t.n_readers; i++)
		if ((err = pthread_join(t.readers[i].thread, NULL)) != 0)
			DIE("pthread_join", err);
	double dt = (double)(now_ns() - t0) * 1e-9;
	pthread_barrier_destroy(&t.start);

	/* Every thread joined: their results are ours to read. */
	int bad = 0;
	uint64_t swaps = t.pool.seq, skips = t.pool.skipped, max_age = 0;
	uint64_t hist[AGE_BUCKETS] = {0};
	printf("snapshot_torture: %u readers, pool %" PRIu32 " buffers (interval %" PRIu64
	       " us), %d venues x %d symbols\n",
	       t.n_readers, t.pool.n_bufs, interval_us, N_VENUES, N_SYMBOLS);
	printf("snapshot_torture: swaps %" PRIu64 " of %" PRIu64 ", skips %" PRIu64
	       " (no free buffer), %.3f s, %.0f swaps/s\n",
	       swaps, t.swaps, skips, dt, dt > 0 ? (double)swaps / dt : 0.0);
	for (unsigned i = 0; i < t.n_readers; i++) {
		struct reader *r = &t.readers[i];
		printf("snapshot_torture: reader %u: reads %" PRIu64 " (empty %" PRIu64
		       "), splits %" PRIu64 ", rejects %" PRIu64 ", max age %" PRIu64 "\n",
		       i, r->reads, r->empty, r->splits, r->rejects, r->max_age);
		for (unsigned b = 0; b < AGE_BUCKETS; b++)
			hist[b] += r->hist[b];
		if (r->max_age > max_age)
			max_age = r->max_age;
		if (r->fail[0] != '\0') {
			fprintf(stderr, "snapshot_torture: FAIL: %s\n", r->fail);
			bad = 1;
		} else if (r->reads == 0) {
			fprintf(stderr, "snapshot_torture: FAIL: reader %u read no snapshot\n", i);
			bad = 1;
		}
	}
	/* The age histogram, rcutorture's "Reader pipe" line with labels. */
	char labels[AGE_BUCKETS][24];
	for (unsigned b = 0; b < AGE_BUCKETS; b++) {
		if (b < AGE_EXACT)
			snprintf(labels[b], sizeof(labels[b]), "%u", b);
		else if (b < AGE_BUCKETS - 1)
			snprintf(labels[b], sizeof(labels[b]), "%u-%u", 1u << (b - AGE_EXACT + 3),
				 (2u << (b - AGE_EXACT + 3)) - 1);
		else
			snprintf(labels[b], sizeof(labels[b]), "%u+", 1u << (b - AGE_EXACT + 3));
	}
	unsigned last_b = age_bucket(max_age);
	printf("snapshot_torture: Reader pipe (age = published seq - seen seq, bound %" PRIu32
	       "):\n  age  ",
	       t.pool.n_bufs - 1);
	for (unsigned b = 0; b <= last_b; b++)
		printf(" %10s", labels[b]);
	printf("\n  reads");
	for (unsigned b = 0; b <= last_b; b++)
		printf(" %10" PRIu64, hist[b]);
	printf("\nsnapshot_torture: max age %" PRIu64 "\n", max_age);
	if (t.stalled) {
		fprintf(stderr,
			"snapshot_torture: FAIL: no buffer came back for %d s after seq %" PRIu64
			" (grace periods stalled)\n",
			STALL_S, t.stall_at_seq);
		bad = 1;
	}
	if (t.pub_fail[0] != '\0') {
		fprintf(stderr, "snapshot_torture: FAIL: %s\n", t.pub_fail);
		bad = 1;
	}
	if (!bad && swaps != t.swaps) {
		fprintf(stderr, "snapshot_torture: FAIL: %" PRIu64 " swaps of %" PRIu64 "\n", swaps,
			t.swaps);
		bad = 1;
	}
	xr_snapshot_pool_fini(&t.pool);
	printf("snapshot_torture: %s\n", bad ? "FAIL" : "OK");
	return bad;
}
