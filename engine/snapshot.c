/*
 * Venue metrics snapshot pool: preallocated buffers recycled through
 * call_rcu. See xr_snapshot.h for the design and the R3/A3 pair.
 *
 * Colocated mode adds a syscall-free quiescent state for stage threads
 * and a kick of the grace-period waiter from the owner thread
 * (xr_snapshot_reader_qs_quiet, xr_snapshot_gp_kick; the F1/F2 fences).
 */
#include "xr_snapshot.h"
#include "xr_types.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

/* liburcu's static-inline QSBR internals (reader counter, gp counter and
 * futex), for the two colocated-mode functions at the end of this file. */
#include <urcu/static/urcu-qsbr.h>

#include "regions_pvt.h"

int xr_snapshot_gp_token;

static void
xr__snapshot_release(struct rcu_head *head)
{
	struct xr_snapshot *s = caa_container_of(head, struct xr_snapshot, rcu);

#if XR_TSAN
	/* A grace period has passed: every reader's release at its quiescent
	 * state happens before this. */
	__tsan_acquire(&xr_snapshot_gp_token);
#endif
	/* R3: pairs with A3 in xr_snapshot_take; every reader that could see
	 * this buffer has passed a quiescent state. */
	atomic_store_explicit(&s->free, 1, memory_order_release);
}

static void
xr__snapshot_free(struct xr_snapshot *s)
{
	if (s == NULL)
		return;
	free(s->ref_px);
	free(s->venues);
	free(s->vs);
	free(s->books);
	free(s->book_gen);
	free(s);
}

static struct xr_snapshot *
xr__snapshot_alloc(uint32_t n_venues, uint32_t n_symbols)
{
	struct xr_snapshot *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->n_venues = n_venues;
	s->n_symbols = n_symbols;
	s->ref_px = calloc(n_symbols, sizeof(*s->ref_px));
	s->venues = calloc(n_venues, sizeof(*s->venues));
	s->vs = calloc((size_t)n_venues * n_symbols, sizeof(*s->vs));
	s->books = calloc((size_t)n_venues * n_symbols, sizeof(*s->books));
	s->book_gen = calloc((size_t)n_venues * n_symbols, sizeof(*s->book_gen));
	if (s->ref_px == NULL || s->venues == NULL || s->vs == NULL || s->books == NULL ||
	    s->book_gen == NULL) {
		xr__snapshot_free(s);
		return NULL;
	}
	atomic_init(&s->free, 1);
	return s;
}

int
xr_snapshot_pool_init(struct xr_snapshot_pool *p, uint32_t n_venues,
		      uint32_t n_symbols, uint64_t interval_ns)
{
	uint64_t bytes = sizeof(struct xr_snapshot) + (uint64_t)n_symbols * 8 +
			 (uint64_t)n_venues * sizeof(struct xr_venue_metrics) +
			 (uint64_t)n_venues * n_symbols *
				 (sizeof(struct xr_venue_sym_metrics) + sizeof(struct xr_book) + 8);
	uint64_t n = 2 * XR_SNAPSHOT_RECLAIM_NS / (interval_ns ? interval_ns : 1) + 8;

	if (n > XR_SNAPSHOT_POOL_BYTES / bytes)
		n = XR_SNAPSHOT_POOL_BYTES / bytes;
	if (n > XR_SNAPSHOT_POOL_MAX)
		n = XR_SNAPSHOT_POOL_MAX;
	if (n < XR_SNAPSHOT_POOL_MIN)
		n = XR_SNAPSHOT_POOL_MIN;
	memset(p, 0, sizeof(*p));
	p->n_venues = n_venues;
	p->n_symbols = n_symbols;
	p->bufs = calloc(n, sizeof(*p->bufs));
	if (p->bufs == NULL)
		return -ENOMEM;
	p->n_bufs = (uint32_t)n;
	for (uint32_t i = 0; i < p->n_bufs; i++) {
		p->bufs[i] = xr__snapshot_alloc(n_venues, n_symbols);
		if (p->bufs[i] == NULL) {
			xr_snapshot_pool_fini(p);
			return -ENOMEM;
		}
	}
	p->crdp = create_call_rcu_data(URCU_CALL_RCU_RT, -1);
	if (p->crdp == NULL) {
		xr_snapshot_pool_fini(p);
		return -EAGAIN;
	}
	return 0;
}

void
xr_snapshot_pool_fini(struct xr_snapshot_pool *p)
{
	if (p->crdp != NULL) {
		/* Runs every queued callback; the readers are gone. */
		rcu_barrier();
		call_rcu_data_free(p->crdp);
		p->crdp = NULL;
		/* A3': pairs with R3; every callback's store is done before the
		 * buffers are freed (rcu_barrier guarantees it; this load lets
		 * ThreadSanitizer see it too). */
		for (uint32_t i = 0; p->bufs != NULL && i < p->n_bufs; i++)
			(void)atomic_load_explicit(&p->bufs[i]->free, memory_order_acquire);
	}
	for (uint32_t i = 0; p->bufs != NULL && i < p->n_bufs; i++)
		xr__snapshot_free(p->bufs[i]);
	free(p->bufs);
	p->bufs = NULL;
	p->current = NULL;
}

void
xr_snapshot_writer_attach(struct xr_snapshot_pool *p)
{
	set_thread_call_rcu_data(p->crdp);
}

struct xr_snapshot *
xr_snapshot_take(struct xr_snapshot_pool *p)
{
	/* Lowest free index first: the buffers in use stay the few whose
	 * grace periods are pending, warm in this core's cache, with books
	 * of recent generations (few to copy). Taking them round-robin
	 * instead walks every buffer of the pool (18 MiB at 5 venues x 8
	 * symbols), each cold, each copying every book. */
	for (uint32_t i = 0; i < p->n_bufs; i++) {
		struct xr_snapshot *s = p->bufs[i];
		/* A3: pairs with R3 in xr__snapshot_release. */
		if (atomic_load_explicit(&s->free, memory_order_acquire)) {
			atomic_store_explicit(&s->free, 0, memory_order_relaxed);
			return s;
		}
	}
	p->skipped++;
	return NULL;
}

void
xr_snapshot_publish(struct xr_snapshot_pool *p, struct xr_snapshot *s,
		    uint64_t now_ns)
{
	s->seq = ++p->seq;
	s->published_ns = now_ns;
	/* Release: pairs with rcu_dereference() in xr_snapshot_current. */
	struct xr_snapshot *old = XR_SNAP_XCHG(p->current, s);
	if (old != NULL)
		call_rcu(&old->rcu, xr__snapshot_release);
}

/* Depth of one side within @p bps of @p mid (px scale; 0 = no mid, none
 * within). Its whole visible depth is cum_qty[n - 1] (xr__side_cum). */
static int64_t
xr__side_within(const struct xr_book_side *bs, uint32_t n, int bid_side, int64_t mid,
		uint32_t bps)
{
	int64_t w = 0;
	int64_t adj = (int64_t)((xr_i128)mid * bps / 10000);
	int64_t lim = bid_side ? mid - adj : mid + adj;

	for (uint32_t i = 0; mid > 0 && i < n; i++)
		if (bid_side ? bs->px[i] >= lim : bs->px[i] <= lim)
			w += bs->qty[i];
	return w;
}

/* cum_qty and cum_worse of one side with @p n levels (bid_side: prices
 * fall away from the touch). */
static void
xr__side_cum(struct xr_book_side *bs, uint32_t n, int bid_side)
{
	int64_t q = 0;
	xr_i128 w = 0;

	for (uint32_t i = 0; i < XR_BOOK_LEVELS; i++) {
		if (i < n) {
			int64_t d = bid_side ? bs->px[0] - bs->px[i] : bs->px[i] - bs->px[0];
			q += bs->qty[i];
			w += (xr_i128)bs->qty[i] * d;
		}
		bs->cum_qty[i] = q;
		bs->cum_worse[i] = w;
	}
}

/* How many of the first @p n levels form a well-formed side: each with a
 * positive price and quantity, each strictly behind the one before
 * (bid_side: lower prices). A garbled update ends the side there. */
static uint8_t
xr__side_levels(const struct xr_book_side *bs, uint32_t n, int bid_side)
{
	uint32_t i = 0;

	if (n > XR_BOOK_LEVELS)
		n = XR_BOOK_LEVELS;
	for (; i < n; i++) {
		if (bs->px[i] <= 0 || bs->qty[i] <= 0)
			break;
		if (i > 0 && (bid_side ? bs->px[i] >= bs->px[i - 1] : bs->px[i] <= bs->px[i - 1]))
			break;
	}
	return (uint8_t)i;
}

void
xr_pair_derive(struct xr_venue_sym_metrics *vm, struct xr_book *b, uint8_t n_bid,
	       uint8_t n_ask, uint32_t depth_bps)
{
	n_bid = xr__side_levels(&b->side[0], n_bid, 1);
	n_ask = xr__side_levels(&b->side[1], n_ask, 0);
	vm->n_bid = n_bid;
	vm->n_ask = n_ask;
	vm->bid_px = n_bid ? b->side[0].px[0] : 0;
	vm->ask_px = n_ask ? b->side[1].px[0] : 0;
	int64_t mid = vm->bid_px && vm->ask_px ? vm->bid_px + (vm->ask_px - vm->bid_px) / 2 : 0;
	xr__side_cum(&b->side[0], n_bid, 1);
	xr__side_cum(&b->side[1], n_ask, 0);
	vm->bid_qty = n_bid ? b->side[0].cum_qty[n_bid - 1] : 0;
	vm->ask_qty = n_ask ? b->side[1].cum_qty[n_ask - 1] : 0;
	vm->bid_depth_qty = xr__side_within(&b->side[0], n_bid, 1, mid, depth_bps);
	vm->ask_depth_qty = xr__side_within(&b->side[1], n_ask, 0, mid, depth_bps);
	vm->half_spread_cbps =
		vm->bid_px > 0 && vm->ask_px > vm->bid_px
			? (int32_t)((xr_i128)(vm->ask_px - vm->bid_px) * XR_CBPS_PER_ONE /
				    (vm->ask_px + vm->bid_px))
			: 0;
}

void
xr_snapshot_pool_regions(struct xr_snapshot_pool *p, xr_region_fn visit, void *ctx)
{
	visit(ctx, p->bufs, p->n_bufs * sizeof(*p->bufs));
	for (uint32_t i = 0; p->bufs != NULL && i < p->n_bufs; i++) {
		struct xr_snapshot *s = p->bufs[i];
		/* The buffer's header holds the R3/A3 flag: written back as read,
		 * before any thread that uses it exists. */
		visit(ctx, s, sizeof(*s));
		visit(ctx, s->ref_px, p->n_symbols * sizeof(*s->ref_px));
		visit(ctx, s->venues, p->n_venues * sizeof(*s->venues));
		visit(ctx, s->vs, (size_t)p->n_venues * p->n_symbols * sizeof(*s->vs));
		visit(ctx, s->books, (size_t)p->n_venues * p->n_symbols * sizeof(*s->books));
		visit(ctx, s->book_gen,
		      (size_t)p->n_venues * p->n_symbols * sizeof(*s->book_gen));
	}
}

void
xr_snapshot_reader_qs_quiet(void)
{
	unsigned long gp_ctr = CMM_LOAD_SHARED(urcu_qsbr_gp.ctr);

	if (gp_ctr == URCU_TLS(urcu_qsbr_reader).ctr)
		return; /* no grace period started since our last report */
	/* F1: full fence; our read-side accesses of this loop complete before
	 * the counter store that lets the waiter reclaim. Pairs with the
	 * waiter's cmm_smp_mb() before it reads the readers' counters
	 * (liburcu src/urcu-qsbr.c, wait_for_readers()). */
	cmm_smp_mb();
	_CMM_STORE_SHARED(URCU_TLS(urcu_qsbr_reader).ctr, gp_ctr);
	/* F1': the counter store is visible before this thread's next
	 * read-side accesses, as in liburcu's own quiescent state. */
	cmm_smp_mb();
}

void
xr_snapshot_gp_kick(void)
{
	/* F2: readers' counter stores (F1) that happened before this point
	 * are seen by the waiter after it wakes: the wake is ordered after
	 * them, and the waiter re-reads every counter (wait_for_readers). */
	cmm_smp_mb();
	if (uatomic_read(&urcu_qsbr_gp.futex) != -1)
		return;
	uatomic_set(&urcu_qsbr_gp.futex, 0);
	/* As liburcu's urcu_qsbr_wake_up_gp(); its return is ignored there too
	 * (a failed wake leaves the waiter to the next kick). */
	(void)futex_noasync(&urcu_qsbr_gp.futex, FUTEX_WAKE, 1, NULL, NULL, 0);
}
