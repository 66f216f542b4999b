/*
 * ring: xr_ring against Concurrency Kit's ck_ring (SPSC), same capacity
 * and message sizes, run interleaved in one process.
 *
 * For each round, in order: the floor RTT (floor.c), then every case with
 * xr_ring followed by the same case with ck_ring (A B A B ...). Cases:
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
 * ratio_vs_ck = xroute / ck_ring (throughput: higher is better; RTT: lower
 * is better), ratio_vs_floor = RTT / floor RTT of the same round.
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

struct xr_perf_m64 {
	uint64_t seq;
	uint64_t body[6];
	uint64_t check; /* ~seq: a torn copy fails the sequence check */
};
_Static_assert(sizeof(struct xr_perf_m64) == 64, "64-byte message");

CK_RING_PROTOTYPE(m64, xr_perf_m64)

enum { XR_IMPL_XR, XR_IMPL_CK };

/* One direction: an xr_ring or a ck_ring with its buffer. */
struct xr__chan {
	struct xr_ring *xr;
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
		return ck_ring_enqueue_spsc(c->ck, c->ck_buf, (void *)(uintptr_t)seq);
	}
	struct xr_perf_m64 m = {.seq = seq, .check = ~seq};
	if (impl == XR_IMPL_XR)
		return xr_ring_enqueue(c->xr, &m);
	return ck_ring_enqueue_spsc_m64(c->ck, c->ck_buf, &m);
}

static inline __attribute__((always_inline)) bool
xr__get(struct xr__chan *c, int impl, uint32_t size, uint64_t *seq, uint64_t *errors)
{
	if (size == 8) {
		if (impl == XR_IMPL_XR)
			return xr_ring_dequeue(c->xr, seq);
		void *p;
		if (!ck_ring_dequeue_spsc(c->ck, c->ck_buf, &p))
			return false;
		*seq = (uint64_t)(uintptr_t)p;
		return true;
	}
	struct xr_perf_m64 m;
	bool ok = impl == XR_IMPL_XR ? xr_ring_dequeue(c->xr, &m)
				     : ck_ring_dequeue_spsc_m64(c->ck, c->ck_buf, &m);
	if (ok) {
		*seq = m.seq;
		*errors += m.check != ~m.seq;
	}
	return ok;
}

static inline __attribute__((always_inline)) void *
xr__producer(struct xr__bench *b, int impl, uint32_t size)
{
	struct xr__chan *c = &b->c[0];
	uint64_t seq = 1, n = b->n;

	xr_perf_gate_wait(&b->gate);
	b->t_start = xr_perf_now_ns();
	if (impl == XR_IMPL_XR && b->burst > 1) {
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
				uint32_t got = xr_ring_enqueue_burst(c->xr, buf + (size_t)sent * size,
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
	if (impl == XR_IMPL_XR && b->burst > 1) {
		alignas(64) unsigned char buf[XR_PERF_BURST * 64];
		while (expect <= n) {
			uint32_t got = xr_ring_dequeue_burst(c->xr, buf, b->burst);
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
XR__GEN(ck8, XR_IMPL_CK, 8)
XR__GEN(ck64, XR_IMPL_CK, 64)

struct xr__fns {
	void *(*prod)(void *), *(*cons)(void *), *(*ping)(void *), *(*pong)(void *);
};

static const struct xr__fns xr__fns[2][2] = {
	[XR_IMPL_XR] = {{xr__prod_xr8, xr__cons_xr8, xr__ping_xr8, xr__pong_xr8},
			{xr__prod_xr64, xr__cons_xr64, xr__ping_xr64, xr__pong_xr64}},
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
			"reordered or torn\n", impl == XR_IMPL_XR ? "xr_ring" : "ck_ring", size,
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

int
xr_perf_ring(const struct xr_perf_opts *o)
{
	unsigned rounds = o->rounds ? o->rounds : (o->quick ? 5 : 7);
	uint64_t n_tput = o->quick ? 1000000 : 10000000;
	uint64_t n_rtt = o->quick ? 100000 : 1000000;
	static double fig[XR__NCASES][2][64], floor_ns[64];

	if (rounds < 5 && !o->quick)
		fprintf(stderr, "xroute-perf ring: %u rounds (the comparison wants >= 5)\n",
			rounds);
	for (unsigned r = 0; r < rounds; r++) {
		floor_ns[r] = xr_perf_floor_once(o, n_rtt);
		if (floor_ns[r] < 0)
			return 1;
		for (size_t k = 0; k < XR__NCASES; k++) {
			const struct xr__case *c = &xr__cases[k];
			for (int impl = XR_IMPL_XR; impl <= XR_IMPL_CK; impl++) {
				fig[k][impl][r] = xr__run(o, impl, c->size, c->burst, c->rtt,
							  c->rtt ? n_rtt : n_tput);
				if (fig[k][impl][r] < 0)
					return 1;
			}
		}
	}

	xr_perf_header("ring: xr_ring vs ck_ring SPSC (interleaved rounds)");
	struct xr_perf_result res;
	xr_perf_result_init(&res, "ring.floor.rtt", "ns");
	xr_perf_result_stats(&res, floor_ns, rounds);
	if (xr_perf_emit(o, &res))
		return 1;
	for (size_t k = 0; k < XR__NCASES; k++) {
		const struct xr__case *c = &xr__cases[k];
		double ratio_ck[64], ratio_fl[2][64];
		for (unsigned r = 0; r < rounds; r++) {
			ratio_ck[r] = fig[k][XR_IMPL_XR][r] / fig[k][XR_IMPL_CK][r];
			ratio_fl[0][r] = fig[k][XR_IMPL_XR][r] / floor_ns[r];
			ratio_fl[1][r] = fig[k][XR_IMPL_CK][r] / floor_ns[r];
		}
		for (int impl = XR_IMPL_XR; impl <= XR_IMPL_CK; impl++) {
			char name[64];
			snprintf(name, sizeof(name), "ring.%s.%s", c->name,
				 impl == XR_IMPL_XR ? "xroute" : "ck_ring");
			xr_perf_result_init(&res, name, c->rtt ? "ns" : "Mmsg/s");
			xr_perf_result_stats(&res, fig[k][impl], rounds);
			if (impl == XR_IMPL_XR)
				res.ratio_vs_ck = xr_perf_median(ratio_ck, rounds);
			if (c->rtt)
				res.ratio_vs_floor = xr_perf_median(ratio_fl[impl], rounds);
			xr_perf_result_extra(&res, "messages", (double)(c->rtt ? n_rtt : n_tput));
			xr_perf_result_extra(&res, "bytes", c->size);
			xr_perf_result_extra(&res, "capacity", XR_PERF_RING_CAP);
			if (xr_perf_emit(o, &res))
				return 1;
		}
	}
	return 0;
}
