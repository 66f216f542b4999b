/*
 * floor: the cross-core cache-line ping-pong round trip, the physical
 * lower bound of any inter-thread hand-off on this machine.
 *
 * Two threads pinned to two CPUs share one 64-bit counter alone on a
 * 128-byte block. The pinger writes an odd value and spins until it reads
 * the next even one; the ponger spins for the odd value and writes the even
 * one. Each round trip moves the line across twice, the least a request and
 * its answer can cost. Mean round trip = elapsed / n, measured on the
 * pinger; figures are the median over rounds.
 */
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>

#include <ck_pr.h>

#include "perf_pvt.h"

struct xr__floor {
	alignas(128) _Atomic uint64_t line;
	alignas(128) struct xr_perf_gate gate;
	uint64_t n;
	uint64_t elapsed_ns;
};

static void *
xr__floor_ping(void *arg)
{
	struct xr__floor *f = arg;

	xr_perf_gate_wait(&f->gate);
	uint64_t t0 = xr_perf_now_ns();
	for (uint64_t i = 0; i < f->n; i++) {
		/* R_ping: pairs with A_pong; the pong side acts only on it. */
		atomic_store_explicit(&f->line, 2 * i + 1, memory_order_release);
		/* A_ping: pairs with R_pong. */
		while (atomic_load_explicit(&f->line, memory_order_acquire) != 2 * i + 2)
			ck_pr_stall();
	}
	f->elapsed_ns = xr_perf_now_ns() - t0;
	return NULL;
}

static void *
xr__floor_pong(void *arg)
{
	struct xr__floor *f = arg;

	xr_perf_gate_wait(&f->gate);
	for (uint64_t i = 0; i < f->n; i++) {
		/* A_pong: pairs with R_ping. */
		while (atomic_load_explicit(&f->line, memory_order_acquire) != 2 * i + 1)
			ck_pr_stall();
		/* R_pong: pairs with A_ping. */
		atomic_store_explicit(&f->line, 2 * i + 2, memory_order_release);
	}
	return NULL;
}

double
xr_perf_floor_once(const struct xr_perf_opts *o, uint64_t n)
{
	static struct xr__floor f;

	atomic_store_explicit(&f.line, 0, memory_order_relaxed);
	atomic_store_explicit(&f.gate.arrived, 0, memory_order_relaxed);
	f.n = n;
	if (xr_perf_run_pair(o, xr__floor_ping, &f, xr__floor_pong, &f) != 0)
		return -1;
	return (double)f.elapsed_ns / (double)n;
}

int
xr_perf_floor(const struct xr_perf_opts *o)
{
	unsigned rounds = o->rounds ? o->rounds : (o->quick ? 3 : 7);
	uint64_t n = o->quick ? 200000 : 1000000;
	double v[64];

	xr_perf_header("floor: cache-line ping-pong between two pinned CPUs");
	for (unsigned r = 0; r < rounds; r++) {
		v[r] = xr_perf_floor_once(o, n);
		if (v[r] < 0) {
			fprintf(stderr, "xroute-perf floor: cannot start the thread pair\n");
			return 1;
		}
	}
	struct xr_perf_result res;
	xr_perf_result_init(&res, "floor.rtt", "ns");
	xr_perf_result_stats(&res, v, rounds);
	xr_perf_result_extra(&res, "round_trips", (double)n);
	xr_perf_result_extra(&res, "cpu_a", o->cpu_a);
	xr_perf_result_extra(&res, "cpu_b", o->cpu_b);
	return xr_perf_emit(o, &res) ? 1 : 0;
}
