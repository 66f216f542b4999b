/*
 * hiccup: the platform alone, nothing of xroute running (xr_hiccup.h,
 * docs/perf.md "Hiccups"). Per round, the spinning probe pinned to cpu_a
 * and cpu_b at once for 1 s (quick 200 ms), then the 1 ms sleeper alone
 * for as long; 3 rounds (quick 1, or --rounds), merged.
 *
 *   hiccup.probe.cpuN   gaps >= 1 us between clock reads on CPU N
 *   hiccup.probe        both CPUs merged
 *   hiccup.sleeper      wake lateness of 1 ms sleeps, unpinned
 *
 * Each result is the meter's p99 (ns) with p50, p999, worst, count,
 * lost_ppm (time lost to samples > 10 us, ppm), lost_count, duration_ns
 * and cpu; the probe's also the smallest and largest per-round lost_ppm.
 * These are what pipeline's and xroute run's figures are compared with:
 * what a busy-spinning thread and a sleeping thread lose on this host.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "perf_pvt.h"
#include "xr_hiccup.h"

int
xr_perf_hiccup(const struct xr_perf_opts *o)
{
	unsigned rounds = o->rounds ? o->rounds : (o->quick ? 1 : 3);
	uint64_t dur = o->quick ? UINT64_C(200000000) : UINT64_C(1000000000);
	struct xr_hiccup_cfg cfg = {.duration_ns = dur};
	int cpu[2] = {o->cpu_a, o->cpu_b};
	struct xr_hiccup_meter *m[2], *sum[2], *sleeper, *all;
	struct xr_perf_result res;
	uint32_t lost_min[2] = {UINT32_MAX, UINT32_MAX}, lost_max[2] = {0, 0};
	char name[64];
	int rc = 1;

	m[0] = xr_hiccup_meter_create(cpu[0]);
	m[1] = xr_hiccup_meter_create(cpu[1]);
	sum[0] = xr_hiccup_meter_create(cpu[0]);
	sum[1] = xr_hiccup_meter_create(cpu[1]);
	sleeper = xr_hiccup_meter_create(-1);
	all = xr_hiccup_meter_create(cpu[0]);
	if (!m[0] || !m[1] || !sum[0] || !sum[1] || !sleeper || !all) {
		fprintf(stderr, "xroute-perf hiccup: meters: %s\n", strerror(errno));
		goto out;
	}
	xr_perf_header("hiccup: the platform alone, probe pinned to each cpu, sleeper unpinned");
	for (unsigned r = 0; r < rounds; r++) {
		for (int i = 0; i < 2; i++) {
			xr_hiccup_meter_destroy(m[i]);
			m[i] = xr_hiccup_meter_create(cpu[i]);
			if (m[i] == NULL) {
				fprintf(stderr, "xroute-perf hiccup: meters: %s\n", strerror(errno));
				goto out;
			}
		}
		int prc = xr_hiccup_probe_run(m, 2, &cfg);
		if (prc != 0) {
			fprintf(stderr, "xroute-perf hiccup: probe on cpus %d,%d: %s\n", cpu[0],
				cpu[1], strerror(-prc));
			goto out;
		}
		for (int i = 0; i < 2; i++) {
			struct xr_hiccup_stats st;
			xr_hiccup_meter_stats(m[i], &st);
			lost_min[i] = st.lost_ppm < lost_min[i] ? st.lost_ppm : lost_min[i];
			lost_max[i] = st.lost_ppm > lost_max[i] ? st.lost_ppm : lost_max[i];
			xr_hiccup_meter_merge(sum[i], m[i]);
		}
		/* The sleeper alone for as long: the caller's sleep is the
		 * measurement's length, the stop flag ends it. */
		struct xr_hiccup_sleeper *s = xr_hiccup_sleeper_start(sleeper, NULL);
		if (s == NULL) {
			fprintf(stderr, "xroute-perf hiccup: sleeper: %s\n", strerror(errno));
			goto out;
		}
		struct timespec ts = {.tv_sec = (time_t)(dur / 1000000000u),
				      .tv_nsec = (long)(dur % 1000000000u)};
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		xr_hiccup_sleeper_stop(s);
	}

	struct xr_hiccup_stats st;
	for (int i = 0; i < 2; i++) {
		xr_hiccup_meter_merge(all, sum[i]);
		xr_hiccup_meter_stats(sum[i], &st);
		snprintf(name, sizeof(name), "hiccup.probe.cpu%d", cpu[i]);
		xr_perf_result_hiccup(&res, name, &st);
		res.rounds = rounds;
		xr_perf_result_extra(&res, "round_lost_ppm_min", (double)lost_min[i]);
		xr_perf_result_extra(&res, "round_lost_ppm_max", (double)lost_max[i]);
		if (xr_perf_emit(o, &res))
			goto out;
	}
	xr_hiccup_meter_stats(all, &st);
	xr_perf_result_hiccup(&res, "hiccup.probe", &st);
	res.rounds = rounds;
	if (xr_perf_emit(o, &res))
		goto out;
	xr_hiccup_meter_stats(sleeper, &st);
	xr_perf_result_hiccup(&res, "hiccup.sleeper", &st);
	res.rounds = rounds;
	xr_perf_result_extra(&res, "interval_ns", (double)XR_HICCUP_INTERVAL_NS);
	if (xr_perf_emit(o, &res))
		goto out;

	printf("  samples: gaps >= 1 us (probe), wakes (sleeper); lost: samples > 10 us\n");
	for (int i = 0; i < 2; i++) {
		char label[32];
		xr_hiccup_meter_stats(sum[i], &st);
		snprintf(label, sizeof(label), "probe cpu %d", cpu[i]);
		xr_hiccup_print(stdout, label, &st);
	}
	xr_hiccup_meter_stats(sleeper, &st);
	xr_hiccup_print(stdout, "sleeper 1 ms", &st);
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		xr_hiccup_meter_destroy(m[i]);
		xr_hiccup_meter_destroy(sum[i]);
	}
	xr_hiccup_meter_destroy(sleeper);
	xr_hiccup_meter_destroy(all);
	return rc;
}
