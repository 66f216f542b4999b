/*
 * ring: xr_ring against Concurrency Kit's ck_ring (SPSC), same capacity
 * and message sizes, run interleaved in one process, with an index-layout
 * ring alongside.
 *
 * Three rings:
 *   xroute        xr_ring (ring/xr_ring.h): 8-byte slots take its
 *                 sequence-word layout (a word in every cell, polled by the
 *                 consumer: one line per small message), 64-byte slots its
 *                 index layout.
 *   xroute_index  the index layout at every size (struct xr__iring below),
 *                 the comparison that justifies sequence words for small
 *                 slots: the consumer polls the producer's index, then
 *                 reads the slot it guards (two dependent line transfers
 *                 per message). At 64 bytes it is xroute's own layout,
 *                 written separately.
 *   ck_ring       ck_ring_enqueue_spsc/dequeue_spsc.
 *
 * For each round, in order: the floor RTT (floor.c), then every case with
 * each ring in turn (A B C A B C ...). The round's floor says where the
 * host placed the two vCPUs: "near" (shared cache, floor below
 * XR_PERF_FAR_NS) or "far"; placement can change between rounds, so each
 * round is printed with its floor and placement, and every figure is given
 * over all rounds and over the rounds of each placement. Cases:
 *   tput   n messages of 8 or 64 bytes from a producer on cpu_a to a
 *          consumer on cpu_b, one at a time ("single") or in bursts of 32
 *          (xr_ring_enqueue_burst/dequeue_burst; ck_ring has no SPSC burst
 *          call, so its burst case is 32 single calls, what a ck user writes);
 *          figure = messages / (consumer done - producer start), Mmsg/s.
 *   rtt    n ping-pongs of one message through two rings (cpu_a -> cpu_b
 *          -> cpu_a); figure = elapsed / n, ns.
 * Every consumer checks the sequence of what it receives (loss, duplication
 * or reordering fails the run). Ratios are the median over rounds of the
 * per-round ratio, so both sides of a ratio saw the same machine state:
 * ratio_vs_ck = xroute (or xroute_index) / ck_ring (throughput: higher is
 * better; RTT: lower is better), ratio_vs_floor = RTT / floor RTT of the
 * same round. JSON: ring.<case>.<ring> over all rounds, ring.<near|far>.
 * <case>.<ring> over one placement's rounds (only if it had any), each with
 * near_rounds and far_rounds; ring.round.<r>.<near|far> per round (the
 * floor, and far = 0 or 1).
 * 8-byte messages use 8-byte slots in xr_ring and ck_ring's pointer slots;
 * 64-byte messages use 64-byte slots and CK_RING_PROTOTYPE.
 */
#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ck_pr.h>
#include <ck_ring.h>

#include "perf_pvt.h"
#include "xr_ring.h"

#define XR_PERF_RING_CAP 4096
#define XR_PERF_BURST 32
/* Floor RTT (ns) from which a round counts as "far": this host's two
 * placements give about 65 and 330-460 ns. */
#define XR_PERF_FAR_NS 200.0

/*
 * xr__iring: the index layout at every slot size, the comparison for the
 * per-cell sequence words. Same shape rules and cached partner index; slots hold
 * only the messages, and the consumer learns of new ones from the
 * producer's index. Producer's and consumer's blocks on their own line
 * pairs, as in xr_ring.
 */
struct xr__iring_side {
	_Atomic uint64_t index;	/* head (producer) or tail (consumer) */
	uint64_t other_cache;	/* last seen partner index */
	uint64_t capacity, mask;
	unsigned char *slots;
	size_t slot_size;
};

struct xr__iring {
	alignas(128) struct xr__iring_side prod;
	alignas(128) struct xr__iring_side cons;
	alignas(128) unsigned char slot_storage[];
};

static struct xr__iring *
xr__iring_create(uint32_t capacity, uint32_t slot_size)
{
	size_t bytes = sizeof(struct xr__iring) + (size_t)capacity * slot_size;
	struct xr__iring *r = aligned_alloc(128, (bytes + 127) / 128 * 128);

	if (r == NULL)
		return NULL;
	memset(r, 0, bytes); /* prefault, as xr_ring_create does */
	struct xr__iring_side side = {
		.capacity = capacity,
		.mask = capacity - 1,
		.slots = r->slot_storage,
		.slot_size = slot_size,
	};
	r->prod = side;
	r->cons = side;
	return r;
}

/* n contiguous slots: one with xr_ring's constant-size copy, more with one
 * memcpy. */
static inline void
xr__iring_copy(unsigned char *dst, const unsigned char *src, uint64_t n, size_t ss)
{
	if (n == 1)
		xr__ring_copy1(dst, src, ss);
	else
		memcpy(dst, src, (size_t)n * ss);
}

static inline uint32_t
xr__iring_enqueue_burst(struct xr__iring *r, const void *msgs, uint32_t n)
{
	struct xr__iring_side *p = &r->prod;
	uint64_t head = atomic_load_explicit(&p->index, memory_order_relaxed);
	uint64_t cap = p->capacity;

	if (cap - (head - p->other_cache) < n) {
		/* IA0: pairs with IR1 in xr__iring_dequeue_burst. */
		p->other_cache = atomic_load_explicit(&r->cons.index,
						      memory_order_acquire);
		if (cap - (head - p->other_cache) < n)
			n = (uint32_t)(cap - (head - p->other_cache));
		if (n == 0)
			return 0;
	}
	size_t ss = p->slot_size;
	uint64_t at = head & p->mask, first = cap - at < n ? cap - at : n;
	xr__iring_copy(p->slots + at * ss, msgs, first, ss);
	if (n > first)
		xr__iring_copy(p->slots, (const unsigned char *)msgs + first * ss,
			       n - first, ss);
	/* IR0: pairs with IA1 in xr__iring_dequeue_burst. */
	atomic_store_explicit(&p->index, head + n, memory_order_release);
	return n;
}

static inline uint32_t
xr__iring_dequeue_burst(struct xr__iring *r, void *msgs, uint32_t n)
{
	struct xr__iring_side *c = &r->cons;
	uint64_t tail = atomic_load_explicit(&c->index, memory_order_relaxed);

	if (c->other_cache - tail < n) {
		/* IA1: pairs with IR0 in xr__iring_enqueue_burst. */
		c->other_cache = atomic_load_explicit(&r->prod.index,
						      memory_order_acquire);
		if (c->other_cache - tail < n)
			n = (uint32_t)(c->other_cache - tail);
		if (n == 0)
			return 0;
	}
	size_t ss = c->slot_size;
	uint64_t cap = c->capacity;
	uint64_t at = tail & c->mask, first = cap - at < n ? cap - at : n;
	xr__iring_copy(msgs, c->slots + at * ss, first, ss);
	if (n > first)
		xr__iring_copy((unsigned char *)msgs + first * ss, c->slots,
			       n - first, ss);
	/* IR1: pairs with IA0 in xr__iring_enqueue_burst. */
	atomic_store_explicit(&c->index, tail + n, memory_order_release);
	return n;
}

struct xr_perf_m64 {
	uint64_t seq;
	uint64_t body[6];
	uint64_t check; /* ~seq: a torn copy fails the sequence check */
};
_Static_assert(sizeof(struct xr_perf_m64) == 64, "64-byte message");

CK_RING_PROTOTYPE(m64, xr_perf_m64)

enum { XR_IMPL_XR, XR_IMPL_IDX, XR_IMPL_CK, XR_NIMPL };

static const char *const xr__impl_name[XR_NIMPL] = {
	[XR_IMPL_XR] = "xroute", [XR_IMPL_IDX] = "xroute_index", [XR_IMPL_CK] = "ck_ring",
};

/* One direction: an xr_ring, an xr__iring, or a ck_ring with its buffer. */
struct xr__chan {
	struct xr_ring *xr;
	struct xr__iring *ix;
	struct ck_ring *ck;
	void *ck_buf;
};

struct xr__bench {
	struct xr__chan c[2];	/* c[0] a -> b; c[1] b -> a (rtt) */
	struct xr_perf_gate gate;
	uint64_t n;
	uint32_t burst;
	uint64_t t_start, t_end;
	uint64_t errors;
};

static int
xr__chan_init(struct xr__chan *c, int impl, uint32_t size)
{
	memset(c, 0, sizeof(*c));
	if (impl == XR_IMPL_XR) {
		c->xr = xr_ring_create(XR_PERF_RING_CAP, size);
		return c->xr ? 0 : -errno;
	}
	if (impl == XR_IMPL_IDX) {
		c->ix = xr__iring_create(XR_PERF_RING_CAP, size);
		return c->ix ? 0 : -ENOMEM;
	}
	c->ck = aligned_alloc(128, (sizeof(struct ck_ring) + 127) / 128 * 128);
	size_t bytes = (size_t)XR_PERF_RING_CAP * (size == 8 ? sizeof(ck_ring_buffer_t) : 64);
	c->ck_buf = aligned_alloc(128, bytes);
	if (c->ck == NULL || c->ck_buf == NULL)
		return -ENOMEM;
	memset(c->ck_buf, 0, bytes); /* prefault, as xr_ring_create does */
	ck_ring_init(c->ck, XR_PERF_RING_CAP);
	return 0;
}

static void
xr__chan_fini(struct xr__chan *c)
{
	xr_ring_destroy(c->xr);
	free(c->ix);
	free(c->ck);
	free(c->ck_buf);
}

/* Send or receive one message of @p size with sequence @p seq. The impl
 * and size arguments are constants at every call site, so each generated
 * thread function below has only one ring's code in its loop. */
static inline __attribute__((always_inline)) bool
xr__put(struct xr__chan *c, int impl, uint32_t size, uint64_t seq)
{
	if (size == 8) {
		if (impl == XR_IMPL_XR)
			return xr_ring_enqueue(c->xr, &seq);
		if (impl == XR_IMPL_IDX)
			return xr__iring_enqueue_burst(c->ix, &seq, 1) == 1;
		return ck_ring_enqueue_spsc(c->ck, c->ck_buf, (void *)(uintptr_t)seq);
	}
	struct xr_perf_m64 m = {.seq = seq, .check = ~seq};
	if (impl == XR_IMPL_XR)
		return xr_ring_enqueue(c->xr, &m);
	if (impl == XR_IMPL_IDX)
		return xr__iring_enqueue_burst(c->ix, &m, 1) == 1;
	return ck_ring_enqueue_spsc_m64(c->ck, c->ck_buf, &m);
}

static inline __attribute__((always_inline)) bool
xr__get(struct xr__chan *c, int impl, uint32_t size, uint64_t *seq, uint64_t *errors)
{
	if (size == 8) {
		if (impl == XR_IMPL_XR)
			return xr_ring_dequeue(c->xr, seq);
		if (impl == XR_IMPL_IDX)
			return xr__iring_dequeue_burst(c->ix, seq, 1) == 1;
		void *p;
		if (!ck_ring_dequeue_spsc(c->ck, c->ck_buf, &p))
			return false;
		*seq = (uint64_t)(uintptr_t)p;
		return true;
	}
	struct xr_perf_m64 m;
	bool ok = impl == XR_IMPL_XR	? xr_ring_dequeue(c->xr, &m)
		  : impl == XR_IMPL_IDX ? xr__iring_dequeue_burst(c->ix, &m, 1) == 1
					: ck_ring_dequeue_spsc_m64(c->ck, c->ck_buf, &m);
	if (ok) {
		*seq = m.seq;
		*errors += m.check != ~m.seq;
	}
	return ok;
}

/* Bursts: xr_ring's and xr__iring's burst calls (not for ck_ring). */
static inline __attribute__((always_inline)) uint32_t
xr__put_burst(struct xr__chan *c, int impl, const void *buf, uint32_t n)
{
	return impl == XR_IMPL_XR ? xr_ring_enqueue_burst(c->xr, buf, n)
				  : xr__iring_enqueue_burst(c->ix, buf, n);
}

static inline __attribute__((always_inline)) uint32_t
xr__get_burst(struct xr__chan *c, int impl, void *buf, uint32_t n)
{
	return impl == XR_IMPL_XR ? xr_ring_dequeue_burst(c->xr, buf, n)
				  : xr__iring_dequeue_burst(c->ix, buf, n);
}

static inline __attribute__((always_inline)) void *
xr__producer(struct xr__bench *b, int impl, uint32_t size)
{
	struct xr__chan *c = &b->c[0];
	uint64_t seq = 1, n = b->n;

	xr_perf_gate_wait(&b->gate);
	b->t_start = xr_perf_now_ns();
	if (impl != XR_IMPL_CK && b->burst > 1) {
		alignas(64) unsigned char buf[XR_PERF_BURST * 64];
		while (seq <= n) {
			uint32_t k = n - seq + 1 < b->burst ? (uint32_t)(n - seq + 1) : b->burst;
			for (uint32_t j = 0; j < k; j++) {
				if (size == 8) {
					uint64_t v = seq + j;
					memcpy(buf + 8 * j, &v, 8);
				} else {
					struct xr_perf_m64 m = {.seq = seq + j, .check = ~(seq + j)};
					memcpy(buf + 64 * j, &m, 64);
				}
			}
			uint32_t sent = 0;
			while (sent < k) {
				uint32_t got = xr__put_burst(c, impl, buf + (size_t)sent * size,
							     k - sent);
				if (got == 0)
					ck_pr_stall();
				sent += got;
			}
			seq += k;
		}
		return NULL;
	}
	for (; seq <= n; seq++)
		while (!xr__put(c, impl, size, seq))
			ck_pr_stall();
	return NULL;
}

static inline __attribute__((always_inline)) void *
xr__consumer(struct xr__bench *b, int impl, uint32_t size)
{
	struct xr__chan *c = &b->c[0];
	uint64_t expect = 1, n = b->n, errors = 0;

	xr_perf_gate_wait(&b->gate);
	if (impl != XR_IMPL_CK && b->burst > 1) {
		alignas(64) unsigned char buf[XR_PERF_BURST * 64];
		while (expect <= n) {
			uint32_t got = xr__get_burst(c, impl, buf, b->burst);
			if (got == 0) {
				ck_pr_stall();
				continue;
			}
			for (uint32_t j = 0; j < got; j++, expect++) {
				uint64_t v;
				memcpy(&v, buf + (size_t)j * size, 8);
				errors += v != expect;
				if (size == 64) {
					uint64_t chk;
					memcpy(&chk, buf + (size_t)j * 64 + 56, 8);
					errors += chk != ~v;
				}
			}
		}
	} else {
		while (expect <= n) {
			uint64_t v;
			if (!xr__get(c, impl, size, &v, &errors)) {
				ck_pr_stall();
				continue;
			}
			errors += v != expect;
			expect++;
		}
	}
	b->t_end = xr_perf_now_ns();
	b->errors = errors;
	return NULL;
}

static inline __attribute__((always_inline)) void *
xr__ping(struct xr__bench *b, int impl, uint32_t size)
{
	uint64_t errors = 0;

	xr_perf_gate_wait(&b->gate);
	b->t_start = xr_perf_now_ns();
	for (uint64_t i = 1; i <= b->n; i++) {
		uint64_t v;
		while (!xr__put(&b->c[0], impl, size, i))
			ck_pr_stall();
		while (!xr__get(&b->c[1], impl, size, &v, &errors))
			ck_pr_stall();
		errors += v != i;
	}
	b->t_end = xr_perf_now_ns();
	b->errors = errors;
	return NULL;
}

static inline __attribute__((always_inline)) void *
xr__pong(struct xr__bench *b, int impl, uint32_t size)
{
	uint64_t errors = 0;

	xr_perf_gate_wait(&b->gate);
	for (uint64_t i = 1; i <= b->n; i++) {
		uint64_t v;
		while (!xr__get(&b->c[0], impl, size, &v, &errors))
			ck_pr_stall();
		while (!xr__put(&b->c[1], impl, size, v))
			ck_pr_stall();
	}
	return NULL;
}

#define XR__GEN(tag, impl, size)                                              \
	static void *xr__prod_##tag(void *a) { return xr__producer(a, impl, size); } \
	static void *xr__cons_##tag(void *a) { return xr__consumer(a, impl, size); } \
	static void *xr__ping_##tag(void *a) { return xr__ping(a, impl, size); }     \
	static void *xr__pong_##tag(void *a) { return xr__pong(a, impl, size); }

XR__GEN(xr8, XR_IMPL_XR, 8)
XR__GEN(xr64, XR_IMPL_XR, 64)
XR__GEN(ix8, XR_IMPL_IDX, 8)
XR__GEN(ix64, XR_IMPL_IDX, 64)
XR__GEN(ck8, XR_IMPL_CK, 8)
XR__GEN(ck64, XR_IMPL_CK, 64)

struct xr__fns {
	void *(*prod)(void *), *(*cons)(void *), *(*ping)(void *), *(*pong)(void *);
};

static const struct xr__fns xr__fns[XR_NIMPL][2] = {
	[XR_IMPL_XR] = {{xr__prod_xr8, xr__cons_xr8, xr__ping_xr8, xr__pong_xr8},
			{xr__prod_xr64, xr__cons_xr64, xr__ping_xr64, xr__pong_xr64}},
	[XR_IMPL_IDX] = {{xr__prod_ix8, xr__cons_ix8, xr__ping_ix8, xr__pong_ix8},
			 {xr__prod_ix64, xr__cons_ix64, xr__ping_ix64, xr__pong_ix64}},
	[XR_IMPL_CK] = {{xr__prod_ck8, xr__cons_ck8, xr__ping_ck8, xr__pong_ck8},
			{xr__prod_ck64, xr__cons_ck64, xr__ping_ck64, xr__pong_ck64}},
};

/* One measurement. @return the figure (Mmsg/s or ns), or -1 on failure. */
static double
xr__run(const struct xr_perf_opts *o, int impl, uint32_t size, uint32_t burst,
	bool rtt, uint64_t n)
{
	static struct xr__bench b;
	const struct xr__fns *f = &xr__fns[impl][size == 64];
	double fig = -1;

	memset(&b, 0, sizeof(b));
	b.n = n;
	b.burst = burst;
	if (xr__chan_init(&b.c[0], impl, size) != 0 ||
	    (rtt && xr__chan_init(&b.c[1], impl, size) != 0)) {
		fprintf(stderr, "xroute-perf ring: cannot create rings: out of memory\n");
		goto out;
	}
	int rc = rtt ? xr_perf_run_pair(o, f->ping, &b, f->pong, &b)
		     : xr_perf_run_pair(o, f->prod, &b, f->cons, &b);
	if (rc != 0) {
		fprintf(stderr, "xroute-perf ring: cannot start the thread pair: %s\n",
			strerror(-rc));
		goto out;
	}
	if (b.errors != 0) {
		fprintf(stderr, "xroute-perf ring: %s %u B: %llu messages lost, duplicated, "
			"reordered or torn\n", xr__impl_name[impl], size,
			(unsigned long long)b.errors);
		goto out;
	}
	double ns = (double)(b.t_end - b.t_start);
	fig = rtt ? ns / (double)n : (double)n / ns * 1e3;
out:
	xr__chan_fini(&b.c[0]);
	xr__chan_fini(&b.c[1]);
	return fig;
}

struct xr__case {
	const char *name;
	uint32_t size, burst;
	bool rtt;
};

static const struct xr__case xr__cases[] = {
	{"tput.8B.single", 8, 1, false},
	{"tput.8B.burst32", 8, XR_PERF_BURST, false},
	{"tput.64B.single", 64, 1, false},
	{"tput.64B.burst32", 64, XR_PERF_BURST, false},
	{"rtt.8B", 8, 1, true},
	{"rtt.64B", 64, 1, true},
};
#define XR__NCASES (sizeof(xr__cases) / sizeof(xr__cases[0]))

/* Emit one figure of case @p k and ring @p impl over the rounds r with
 * sel[r] (all rounds, or one placement's). @return 0 or 1 on a JSON error. */
static int
xr__emit_case(const struct xr_perf_opts *o, const char *place, size_t k, int impl,
	      double fig[][XR_NIMPL][64], const double *floor_ns, const bool *sel,
	      unsigned rounds, unsigned near_rounds, unsigned far_rounds, uint64_t n)
{
	const struct xr__case *c = &xr__cases[k];
	double v[64], ratio_ck[64], ratio_fl[64];
	unsigned m = 0;

	for (unsigned r = 0; r < rounds; r++) {
		if (!sel[r])
			continue;
		v[m] = fig[k][impl][r];
		ratio_ck[m] = fig[k][impl][r] / fig[k][XR_IMPL_CK][r];
		ratio_fl[m] = fig[k][impl][r] / floor_ns[r];
		m++;
	}
	if (m == 0)
		return 0;
	char name[64];
	struct xr_perf_result res;
	snprintf(name, sizeof(name), "ring.%s%s%s.%s", place, *place ? "." : "", c->name,
		 xr__impl_name[impl]);
	xr_perf_result_init(&res, name, c->rtt ? "ns" : "Mmsg/s");
	xr_perf_result_stats(&res, v, m);
	if (impl != XR_IMPL_CK)
		res.ratio_vs_ck = xr_perf_median(ratio_ck, m);
	if (c->rtt)
		res.ratio_vs_floor = xr_perf_median(ratio_fl, m);
	xr_perf_result_extra(&res, "messages", (double)n);
	xr_perf_result_extra(&res, "bytes", c->size);
	xr_perf_result_extra(&res, "capacity", XR_PERF_RING_CAP);
	xr_perf_result_extra(&res, "near_rounds", near_rounds);
	xr_perf_result_extra(&res, "far_rounds", far_rounds);
	return xr_perf_emit(o, &res) ? 1 : 0;
}

int
xr_perf_ring(const struct xr_perf_opts *o)
{
	unsigned rounds = o->rounds ? o->rounds : (o->quick ? 5 : 7);
	uint64_t n_tput = o->quick ? 1000000 : 10000000;
	uint64_t n_rtt = o->quick ? 100000 : 1000000;
	static double fig[XR__NCASES][XR_NIMPL][64], floor_ns[64];
	bool all[64], far[64], near[64];
	unsigned n_far = 0;

	if (rounds > 64)
		rounds = 64;
	if (rounds < 5 && !o->quick)
		fprintf(stderr, "xroute-perf ring: %u rounds (the comparison wants >= 5)\n",
			rounds);
	xr_perf_header("ring: xr_ring vs an index-layout ring vs ck_ring "
		       "SPSC, interleaved rounds");
	for (unsigned r = 0; r < rounds; r++) {
		floor_ns[r] = xr_perf_floor_once(o, n_rtt);
		if (floor_ns[r] < 0)
			return 1;
		all[r] = true;
		far[r] = floor_ns[r] >= XR_PERF_FAR_NS;
		near[r] = !far[r];
		n_far += far[r];
		for (size_t k = 0; k < XR__NCASES; k++) {
			const struct xr__case *c = &xr__cases[k];
			for (int impl = 0; impl < XR_NIMPL; impl++) {
				fig[k][impl][r] = xr__run(o, impl, c->size, c->burst, c->rtt,
							  c->rtt ? n_rtt : n_tput);
				if (fig[k][impl][r] < 0)
					return 1;
			}
		}
		/* The round itself: its floor names the placement. */
		char name[64];
		struct xr_perf_result res;
		snprintf(name, sizeof(name), "ring.round.%u.%s", r + 1, far[r] ? "far" : "near");
		xr_perf_result_init(&res, name, "ns");
		xr_perf_result_stats(&res, &floor_ns[r], 1);
		xr_perf_result_extra(&res, "round", r + 1);
		xr_perf_result_extra(&res, "far", far[r]);
		xr_perf_result_extra(&res, "tput_8B_single_xroute", fig[0][XR_IMPL_XR][r]);
		xr_perf_result_extra(&res, "tput_8B_single_ck_ring", fig[0][XR_IMPL_CK][r]);
		xr_perf_result_extra(&res, "rtt_8B_xroute", fig[4][XR_IMPL_XR][r]);
		xr_perf_result_extra(&res, "rtt_8B_ck_ring", fig[4][XR_IMPL_CK][r]);
		if (xr_perf_emit(o, &res))
			return 1;
	}
	unsigned n_near = rounds - n_far;
	printf("placement: %u near round(s), %u far (floor >= %.0f ns)\n", n_near, n_far,
	       XR_PERF_FAR_NS);

	static const char *const places[3] = {"", "near", "far"};
	const bool *sel[3] = {all, near, far};
	for (int pl = 0; pl < 3; pl++) {
		struct xr_perf_result res;
		unsigned m = 0;
		double v[64];
		for (unsigned r = 0; r < rounds; r++)
			if (sel[pl][r])
				v[m++] = floor_ns[r];
		if (m == 0)
			continue;
		char name[64];
		snprintf(name, sizeof(name), "ring.%s%sfloor.rtt", places[pl], *places[pl] ? "." : "");
		xr_perf_result_init(&res, name, "ns");
		xr_perf_result_stats(&res, v, m);
		xr_perf_result_extra(&res, "near_rounds", n_near);
		xr_perf_result_extra(&res, "far_rounds", n_far);
		if (xr_perf_emit(o, &res))
			return 1;
		for (size_t k = 0; k < XR__NCASES; k++)
			for (int impl = 0; impl < XR_NIMPL; impl++)
				if (xr__emit_case(o, places[pl], k, impl, fig, floor_ns, sel[pl],
						  rounds, n_near, n_far,
						  xr__cases[k].rtt ? n_rtt : n_tput))
					return 1;
	}
	return 0;
}
