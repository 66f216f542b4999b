/*
 * select: the venue selector's decision latency (xr_select(): eligibility,
 * the weighted score of every eligible venue, and the ranking) for 2, 8, 16
 * and 64 venues, on one pinned thread.
 *
 * The snapshot holds seeded pseudo-random metrics for 8 symbols (latency
 * 10..500 us, success 90..100 %, fees 0..5 bps, books deep enough for most
 * orders, one venue in 16 unhealthy); 4096 pre-drawn orders (symbol, side,
 * quantity, allowed venues) are cycled so the drawing is not timed. Each
 * decision is timed alone with the TSC (xr_perf_ticks(); the timer's own
 * cost, measured the same way around nothing, is reported as timer_ns and
 * not subtracted). p50/p99/p99.9 are over all decisions of a round;
 * median/min/max are of the per-round p99. Allocations: jemalloc's
 * thread.allocatedp across all decisions (bytes; 0 means no allocation).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "perf_pvt.h"
#include "selector_pvt.h"
#include "xr_alloc_probe.h"

#define XR__SYMBOLS 8
#define XR__ORDERS 4096

static uint64_t
xr__rand(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static int
xr__cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Build a snapshot of @p nv venues; the caller frees the three arrays. */
static void
xr__snapshot(struct xr_snapshot *s, unsigned nv, uint64_t *seed)
{
	memset(s, 0, sizeof(*s));
	s->n_venues = nv;
	s->n_symbols = XR__SYMBOLS;
	s->ref_px = calloc(XR__SYMBOLS, sizeof(*s->ref_px));
	s->venues = calloc(nv, sizeof(*s->venues));
	s->vs = calloc((size_t)nv * XR__SYMBOLS, sizeof(*s->vs));
	for (unsigned v = 0; v < nv; v++) {
		struct xr_venue_metrics *m = &s->venues[v];
		m->latency_avg_ns = 10000 + xr__rand(seed) % 490000;
		m->success_ppm = 900000 + (uint32_t)(xr__rand(seed) % 100001);
		m->samples = 100;
		m->fee_maker_cbps = (int64_t)(xr__rand(seed) % 300);
		m->fee_taker_cbps = (int64_t)(xr__rand(seed) % 500);
		m->healthy = (v % 16) != 15;
		for (unsigned y = 0; y < XR__SYMBOLS; y++) {
			struct xr_venue_sym_metrics *vs = &s->vs[(size_t)v * XR__SYMBOLS + y];
			int64_t mid = (int64_t)(100 + 1000 * y) * XR_PX_SCALE;
			vs->bid_px = mid - XR_PX_SCALE / 100;
			vs->ask_px = mid + XR_PX_SCALE / 100;
			vs->bid_qty = (int64_t)(50 + xr__rand(seed) % 1000) * XR_QTY_SCALE;
			vs->ask_qty = (int64_t)(50 + xr__rand(seed) % 1000) * XR_QTY_SCALE;
			vs->pair_samples = (uint32_t)(xr__rand(seed) % 101);
			vs->pair_success_ppm = 850000 + (uint32_t)(xr__rand(seed) % 150001);
		}
	}
}

int
xr_perf_select(const struct xr_perf_opts *o)
{
	static const unsigned venue_counts[] = {2, 8, 16, 64};
	unsigned rounds = o->rounds ? o->rounds : (o->quick ? 3 : 7);
	uint64_t n = o->quick ? 100000 : 1000000;
	uint32_t *t = malloc(n * sizeof(*t));
	struct xr_select_order *orders = malloc(XR__ORDERS * sizeof(*orders));
	uint64_t in_flight[XR_MAX_VENUES];
	struct xr_selection sel;
	struct xr_engine_cfg ec = {
		.w_fees = 3000, .w_latency = 2000, .w_success = 2500, .w_load = 1500,
		.w_pair = 1000, .latency_zero_score_us = 1000000, .load_full_queue = 100,
	};
	struct xr_score_params sp;
	int rc = 0;

	if (t == NULL || orders == NULL) {
		fprintf(stderr, "xroute-perf select: out of memory\n");
		free(t);
		free(orders);
		return 1;
	}
	if (xr_perf_pin_self(o->cpu_a) != 0)
		fprintf(stderr, "xroute-perf select: cannot pin to cpu %d; running unpinned\n",
			o->cpu_a);
	xr_score_params_init(&sp, &ec);
	double tpn = xr_perf_ticks_per_ns();
	const uint64_t *allocated = xr_alloc_probe_thread();

	/* The timer around nothing: its cost is in every sample below. */
	for (uint64_t i = 0; i < n; i++) {
		uint64_t a = xr_perf_ticks();
		t[i] = (uint32_t)(xr_perf_ticks() - a);
	}
	qsort(t, n, sizeof(*t), xr__cmp_u32);
	double timer_ns = t[n / 2] / tpn;

	xr_perf_header("select: venue selector decision latency (one pinned thread)");
	for (size_t k = 0; k < sizeof(venue_counts) / sizeof(venue_counts[0]); k++) {
		unsigned nv = venue_counts[k];
		uint64_t seed = 42 + nv;
		struct xr_snapshot snap;
		double p50[64], p99[64], p999[64], maxv[64], eligible = 0, alloc_bytes = 0;

		xr__snapshot(&snap, nv, &seed);
		if (snap.ref_px == NULL || snap.venues == NULL || snap.vs == NULL) {
			fprintf(stderr, "xroute-perf select: out of memory\n");
			rc = 1;
			goto next;
		}
		for (unsigned i = 0; i < XR__ORDERS; i++) {
			struct xr_select_order *od = &orders[i];
			od->symbol = (uint16_t)(xr__rand(&seed) % XR__SYMBOLS);
			od->side = xr__rand(&seed) % 2 ? XR_SIDE_BUY : XR_SIDE_SELL;
			od->qty = (int64_t)(1 + xr__rand(&seed) % 400) * (XR_QTY_SCALE / 10);
			od->allowed_mask = nv == 64 ? ~UINT64_C(0) : (UINT64_C(1) << nv) - 1;
			od->exclude_mask = xr__rand(&seed) % 8 == 0 ? UINT64_C(1) : 0;
		}
		for (unsigned v = 0; v < nv; v++)
			in_flight[v] = xr__rand(&seed) % 60;

		for (unsigned r = 0; r < rounds; r++) {
			uint64_t elig = 0, a0 = allocated ? *allocated : 0;
			for (uint64_t i = 0; i < n; i++) {
				const struct xr_select_order *od = &orders[i % XR__ORDERS];
				uint64_t a = xr_perf_ticks();
				unsigned got = xr_select(&sp, &snap, od, in_flight, &sel);
				uint64_t b = xr_perf_ticks();
				t[i] = (uint32_t)(b - a);
				elig += got;
			}
			alloc_bytes += allocated ? (double)(*allocated - a0) : 0;
			qsort(t, n, sizeof(*t), xr__cmp_u32);
			p50[r] = t[n / 2] / tpn;
			p99[r] = t[n * 99 / 100] / tpn;
			p999[r] = t[n * 999 / 1000] / tpn;
			maxv[r] = t[n - 1] / tpn;
			eligible = (double)elig / (double)n;
		}
		char name[64];
		struct xr_perf_result res;
		snprintf(name, sizeof(name), "select.%uv.p99", nv);
		xr_perf_result_init(&res, name, "ns");
		xr_perf_result_stats(&res, p99, rounds);
		xr_perf_result_extra(&res, "venues", nv);
		xr_perf_result_extra(&res, "p50", xr_perf_median(p50, rounds));
		xr_perf_result_extra(&res, "p99", res.median);
		xr_perf_result_extra(&res, "p999", xr_perf_median(p999, rounds));
		xr_perf_result_extra(&res, "max", xr_perf_median(maxv, rounds));
		xr_perf_result_extra(&res, "decisions", (double)n);
		xr_perf_result_extra(&res, "eligible_per_decision", eligible);
		xr_perf_result_extra(&res, "timer_ns", timer_ns);
		xr_perf_result_extra(&res, "alloc_bytes_per_decision",
				     allocated ? alloc_bytes / ((double)n * rounds) : -1);
		if (xr_perf_emit(o, &res))
			rc = 1;
next:
		free(snap.ref_px);
		free(snap.venues);
		free(snap.vs);
		if (rc)
			break;
	}
	free(orders);
	free(t);
	return rc;
}
