/*
 * xroute-perf shared parts: timing, pinned thread pairs, statistics and the
 * result printer (table and JSON lines, the latter with jansson).
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ck_pr.h>
#include <jansson.h>

#include "perf_pvt.h"
#include "xr_hiccup.h"

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

void
xr_perf_result_init(struct xr_perf_result *r, const char *name, const char *unit)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->unit = unit;
	r->ratio_vs_ck = NAN;
	r->ratio_vs_floor = NAN;
}

void
xr_perf_result_extra(struct xr_perf_result *r, const char *key, double v)
{
	static const char *const fixed[] = {
		"name", "unit", "median", "min", "max", "rounds", "ratio_vs_ck", "ratio_vs_floor",
	};

	/* An extra named like a fixed field would replace it in the JSON
	 * line (json_object_set_new keeps the last): a programming error. */
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		assert(strcmp(key, fixed[i]) != 0);
	/* More extras than room is a programming error, not a field to drop
	 * quietly (a release build still drops it rather than overrun). */
	assert(r->n_extra < XR_PERF_MAX_EXTRA);
	if (r->n_extra >= XR_PERF_MAX_EXTRA)
		return;
	r->extra_key[r->n_extra] = key;
	r->extra_val[r->n_extra] = v;
	r->n_extra++;
}

void
xr_perf_result_hiccup(struct xr_perf_result *r, const char *name,
		      const struct xr_hiccup_stats *st)
{
	xr_perf_result_init(r, name, "ns");
	r->median = r->min = r->max = (double)st->p99_ns;
	r->rounds = 1;
	xr_perf_result_extra(r, "p50", (double)st->p50_ns);
	xr_perf_result_extra(r, "p99", (double)st->p99_ns);
	xr_perf_result_extra(r, "p999", (double)st->p999_ns);
	xr_perf_result_extra(r, "worst", (double)st->max_ns);
	xr_perf_result_extra(r, "count", (double)st->count);
	xr_perf_result_extra(r, "lost_ppm", (double)st->lost_ppm);
	xr_perf_result_extra(r, "lost_count", (double)st->lost_count);
	xr_perf_result_extra(r, "duration_ns", (double)st->duration_ns);
	xr_perf_result_extra(r, "cpu", (double)st->cpu);
}

static int
xr__cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double
xr_perf_median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), xr__cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void
xr_perf_result_stats(struct xr_perf_result *r, const double *v, unsigned n)
{
	double s[64];
	unsigned m = n < 64 ? n : 64;

	memcpy(s, v, m * sizeof(*s));
	r->median = xr_perf_median(s, m);
	r->min = s[0];
	r->max = s[m - 1];
	r->rounds = m;
}

void
xr_perf_header(const char *title)
{
	printf("\n%s\n%-40s %-9s %12s %12s %12s %6s %8s %8s\n", title, "name", "unit",
	       "median", "min", "max", "rounds", "vs ck", "vs floor");
}

static void
xr__ratio(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.2fx", v);
}

int
xr_perf_emit(const struct xr_perf_opts *o, const struct xr_perf_result *r)
{
	char ck[16], fl[16];

	xr__ratio(ck, sizeof(ck), r->ratio_vs_ck);
	xr__ratio(fl, sizeof(fl), r->ratio_vs_floor);
	printf("%-40s %-9s %12.1f %12.1f %12.1f %6u %8s %8s\n", r->name, r->unit,
	       r->median, r->min, r->max, r->rounds, ck, fl);
	if (r->n_extra > 0) {
		printf("    ");
		for (unsigned i = 0; i < r->n_extra; i++)
			printf("%s=%.1f%s", r->extra_key[i], r->extra_val[i],
			       i + 1 < r->n_extra ? "  " : "\n");
	}
	fflush(stdout);
	if (o->json == NULL)
		return 0;

	json_t *j = json_object();
	json_object_set_new(j, "name", json_string(r->name));
	json_object_set_new(j, "unit", json_string(r->unit));
	json_object_set_new(j, "median", json_real(r->median));
	json_object_set_new(j, "min", json_real(r->min));
	json_object_set_new(j, "max", json_real(r->max));
	json_object_set_new(j, "rounds", json_integer(r->rounds));
	if (!isnan(r->ratio_vs_ck))
		json_object_set_new(j, "ratio_vs_ck", json_real(r->ratio_vs_ck));
	if (!isnan(r->ratio_vs_floor))
		json_object_set_new(j, "ratio_vs_floor", json_real(r->ratio_vs_floor));
	for (unsigned i = 0; i < r->n_extra; i++)
		json_object_set_new(j, r->extra_key[i], json_real(r->extra_val[i]));
	int rc = json_dumpf(j, o->json, JSON_COMPACT | JSON_REAL_PRECISION(10));
	json_decref(j);
	if (rc != 0 || fputc('\n', o->json) == EOF)
		return -EIO;
	return 0;
}

uint64_t
xr_perf_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
xr_perf_ticks(void)
{
#if defined(__x86_64__)
	_mm_lfence();
	uint64_t t = __rdtsc();
	_mm_lfence();
	return t;
#else
	return xr_perf_now_ns();
#endif
}

double
xr_perf_ticks_per_ns(void)
{
	static double tpn;

	if (tpn > 0)
		return tpn;
	uint64_t n0 = xr_perf_now_ns(), t0 = xr_perf_ticks();
	while (xr_perf_now_ns() - n0 < 50000000u)
		;
	uint64_t n1 = xr_perf_now_ns(), t1 = xr_perf_ticks();
	tpn = (double)(t1 - t0) / (double)(n1 - n0);
	return tpn;
}

int
xr_perf_pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET((unsigned)cpu, &set);
	return -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

struct xr__pinned {
	int cpu;
	void *(*fn)(void *);
	void *arg;
};

static void *
xr__pinned_main(void *p)
{
	struct xr__pinned *pp = p;

	/* An unpinnable CPU (offline, or outside the cgroup) runs unpinned. */
	(void)xr_perf_pin_self(pp->cpu);
	return pp->fn(pp->arg);
}

int
xr_perf_run_pair(const struct xr_perf_opts *o, void *(*fa)(void *), void *a,
		 void *(*fb)(void *), void *b)
{
	struct xr__pinned pa = {o->cpu_a, fa, a}, pb = {o->cpu_b, fb, b};
	pthread_t ta, tb;
	int rc;

	rc = pthread_create(&ta, NULL, xr__pinned_main, &pa);
	if (rc != 0)
		return -rc;
	rc = pthread_create(&tb, NULL, xr__pinned_main, &pb);
	if (rc != 0) {
		pthread_join(ta, NULL);
		return -rc;
	}
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	return 0;
}

void
xr_perf_gate_wait(struct xr_perf_gate *g)
{
	atomic_fetch_add_explicit(&g->arrived, 1, memory_order_acq_rel);
	while (atomic_load_explicit(&g->arrived, memory_order_acquire) < 2)
		ck_pr_stall();
}
