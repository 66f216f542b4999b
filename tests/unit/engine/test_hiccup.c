/*
 * Unit tests of engine/hiccup.c: the spinning probe's gap accounting and
 * the sleeper's lateness, both on scripted clocks, so every count, sum and
 * ratio is exact whatever the host does; pinned concurrent probes (each
 * thread has its own scripted clock) and a CPU that cannot be pinned to;
 * the sleeper's start/stop and join on the real clock; stats, merge, the
 * human line and the JSON object.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xr_clock.h"
#include "xr_hiccup.h"
#include "xr_hist.h"

/* ---- a stepping clock: +25 ns per read, plus jumps at given reads ---- */

struct step_clock {
	uint64_t t;	  /* last value returned */
	uint64_t reads;	  /* calls so far */
	const uint64_t *jump_at, *jump_ns; /* read number -> extra ns */
	size_t n_jumps;
};

static uint64_t
step_now(void *arg)
{
	struct step_clock *c = arg;

	c->reads++;
	c->t += 25;
	for (size_t i = 0; i < c->n_jumps; i++)
		if (c->jump_at[i] == c->reads)
			c->t += c->jump_ns[i];
	return c->t;
}

/* Jumps giving gaps of 1000 (recorded, at the threshold), 999 (not
 * recorded), 10000 (recorded, not lost: lost is > 10 us), 10001 (lost) and
 * 2 ms (lost); 10 ms in all after 319125 reads past the first. */
static const uint64_t jump_at[] = {100, 200, 300, 400, 500};
static const uint64_t jump_ns[] = {975, 974, 9975, 9976, 1999975};
#define PROBE_DURATION_NS UINT64_C(10000000)
#define PROBE_READS (1 + UINT64_C(319125))

static void
check_probe_meter(const struct xr_hiccup_meter *m, int cpu)
{
	const struct xr_hist *h = xr_hiccup_meter_hist(m);
	struct xr_hiccup_stats st;

	cr_assert_eq(h->count, 4);
	cr_assert_eq(h->min, 1000);
	cr_assert_eq(h->max, 2000000);
	cr_assert_eq(h->sum, UINT64_C(1000) + 10000 + 10001 + 2000000);
	/* 999 ns is a bucket of its own (exact below 2048): nothing there. */
	cr_assert_eq(h->counts[999], 0);
	cr_assert_eq(h->counts[1000], 1);

	xr_hiccup_meter_stats(m, &st);
	cr_assert_eq(st.cpu, cpu);
	cr_assert_eq(st.count, 4);
	cr_assert_eq(st.duration_ns, PROBE_DURATION_NS);
	cr_assert_eq(st.lost_count, 2);
	cr_assert_eq(st.lost_ns, UINT64_C(10001) + 2000000);
	/* 2010001 ns of 10 ms = 201000.1 ppm, rounded down. */
	cr_assert_eq(st.lost_ppm, 201000);
	cr_assert_eq(st.max_ns, 2000000);
	/* p50: rank 2 of 4 = 10000 ns, reported as its bucket's top (8 ns wide). */
	cr_assert(st.p50_ns >= 10000 && st.p50_ns <= 10007, "p50 %" PRIu64, st.p50_ns);
	/* p99 and p99.9: rank 4 = the 2 ms gap, capped at max. */
	cr_assert_eq(st.p99_ns, 2000000);
	cr_assert_eq(st.p999_ns, 2000000);
}

Test(hiccup, probe_records_gaps_and_lost_time_exactly)
{
	struct xr_hiccup_meter *m = xr_hiccup_meter_create(-1);
	struct step_clock c = {.t = 5000, .jump_at = jump_at, .jump_ns = jump_ns, .n_jumps = 5};
	struct xr_hiccup_cfg cfg = {.duration_ns = PROBE_DURATION_NS, .now = step_now,
				    .clock_arg = &c};

	cr_assert_not_null(m);
	xr_hiccup_probe_self(m, &cfg);
	/* It stops at the first read 10 ms after the first, not later. */
	cr_assert_eq(c.reads, PROBE_READS, "reads %" PRIu64, c.reads);
	check_probe_meter(m, -1);

	/* A second probe into the same meter adds to it. */
	c.reads = 0;
	xr_hiccup_probe_self(m, &cfg);
	struct xr_hiccup_stats st;
	xr_hiccup_meter_stats(m, &st);
	cr_assert_eq(st.count, 8);
	cr_assert_eq(st.duration_ns, 2 * PROBE_DURATION_NS);
	cr_assert_eq(st.lost_ppm, 201000);
	xr_hiccup_meter_destroy(m);
}

/* ---- a scripted clock: the values in order, then the last one + 1 s ---- */

struct script_clock {
	const uint64_t *v;
	size_t n, i;
};

static uint64_t
script_now(void *arg)
{
	struct script_clock *c = arg;

	if (c->i < c->n)
		return c->v[c->i++];
	return c->v[c->n - 1] + UINT64_C(1000000000);
}

Test(hiccup, probe_treats_a_backward_read_as_no_gap)
{
	/* t0 100 -> 90 (back: gap 0) -> 3100 (gap 3000 from 100) -> 1100 (back:
	 * gap 0, the probe keeps 3100) -> 1000000 (gap 996900, lost; elapsed
	 * 999900) -> 1000150 (gap 150; elapsed 1000050 >= 1 ms: stop). */
	static const uint64_t v[] = {100, 90, 3100, 1100, 1000000, 1000150, 7};
	struct script_clock c = {v, sizeof(v) / sizeof(v[0]), 0};
	struct xr_hiccup_meter *m = xr_hiccup_meter_create(-1);
	struct xr_hiccup_cfg cfg = {.duration_ns = 1000000, .now = script_now, .clock_arg = &c};
	struct xr_hiccup_stats st;

	xr_hiccup_probe_self(m, &cfg);
	cr_assert_eq(c.i, 6, "stopped after read %zu", c.i);
	xr_hiccup_meter_stats(m, &st);
	cr_assert_eq(st.count, 2);
	cr_assert_eq(xr_hiccup_meter_hist(m)->sum, 3000 + 996900);
	cr_assert_eq(st.lost_count, 1);
	cr_assert_eq(st.lost_ns, 996900);
	cr_assert_eq(st.duration_ns, 1000050);
	/* 996900 / 1000050 = 996850.1 ppm. */
	cr_assert_eq(st.lost_ppm, 996850);
	xr_hiccup_meter_destroy(m);
}

/* ---- concurrent pinned probes, each thread on a clock of its own ---- */

static _Thread_local struct step_clock tl_clock;

static uint64_t
tl_step_now(void *arg)
{
	(void)arg;
	if (tl_clock.jump_at == NULL)
		tl_clock = (struct step_clock){.t = 5000, .jump_at = jump_at, .jump_ns = jump_ns,
					       .n_jumps = 5};
	return step_now(&tl_clock);
}

/* @return a CPU this process may run on. */
static int
usable_cpu(void)
{
	cpu_set_t set;

	cr_assert_eq(sched_getaffinity(0, sizeof(set), &set), 0);
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			return i;
	cr_assert_fail("no usable cpu");
	return -1;
}

Test(hiccup, probe_run_pins_and_measures_every_meter)
{
	int cpu = usable_cpu();
	struct xr_hiccup_meter *m[3] = {xr_hiccup_meter_create(cpu), xr_hiccup_meter_create(-1),
					xr_hiccup_meter_create(cpu)};
	struct xr_hiccup_cfg cfg = {.duration_ns = PROBE_DURATION_NS, .now = tl_step_now};

	cr_assert_eq(xr_hiccup_probe_run(m, 3, &cfg), 0);
	for (int i = 0; i < 3; i++)
		check_probe_meter(m[i], i == 1 ? -1 : cpu);
	for (int i = 0; i < 3; i++)
		xr_hiccup_meter_destroy(m[i]);
}

Test(hiccup, probe_run_reports_a_cpu_it_cannot_pin_and_measures_the_rest)
{
	int cpu = usable_cpu();
	cpu_set_t set;
	int bad = CPU_SETSIZE - 1;

	cr_assert_eq(sched_getaffinity(0, sizeof(set), &set), 0);
	if (CPU_ISSET(bad, &set))
		cr_skip_test("cpu %d is usable here", bad);
	struct xr_hiccup_meter *m[2] = {xr_hiccup_meter_create(bad), xr_hiccup_meter_create(cpu)};
	struct xr_hiccup_cfg cfg = {.duration_ns = PROBE_DURATION_NS, .now = tl_step_now};
	struct xr_hiccup_stats st;

	cr_assert_eq(xr_hiccup_probe_run(m, 2, &cfg), -EINVAL);
	xr_hiccup_meter_stats(m[0], &st);
	cr_assert_eq(st.duration_ns, 0);
	cr_assert_eq(st.count, 0);
	check_probe_meter(m[1], cpu);
	cr_assert_eq(xr_hiccup_probe_run(m, 0, &cfg), -EINVAL);
	xr_hiccup_meter_destroy(m[0]);
	xr_hiccup_meter_destroy(m[1]);
}

/* ---- the sleeper on a scripted clock: each sleep wakes late by a script ---- */

struct late_clock {
	uint64_t t;
	const int64_t *late; /* wake - deadline per sleep; negative = early */
	size_t n, i;
	atomic_uint_fast64_t sleeps; /* read by the test thread while it runs */
};

static uint64_t
late_now(void *arg)
{
	return ((struct late_clock *)arg)->t;
}

static void
late_sleep(void *arg, uint64_t deadline_ns)
{
	struct late_clock *c = arg;
	int64_t l = c->i < c->n ? c->late[c->i++] : 0;

	atomic_fetch_add_explicit(&c->sleeps, 1, memory_order_relaxed);
	c->t = (uint64_t)((int64_t)deadline_ns + l);
}

Test(hiccup, sleeper_records_lateness_from_the_clock)
{
	/* 7 wakes: on time, 5 ns, 2 us, 10 us (not lost), 10.001 us, 3 ms, and
	 * one 500 ns early (recorded as 0). */
	static const int64_t late[] = {0, 5, 2000, 10000, 10001, 3000000, -500};
	struct late_clock c = {.t = 1000000, .late = late, .n = 7};
	struct xr_hiccup_meter *m = xr_hiccup_meter_create(-1);
	struct xr_hiccup_cfg cfg = {.interval_ns = 250000, .max_samples = 7, .now = late_now,
				    .sleep = late_sleep, .clock_arg = &c};
	struct xr_hiccup_stats st;

	struct xr_hiccup_sleeper *s = xr_hiccup_sleeper_start(m, &cfg);
	cr_assert_not_null(s);
	/* Once the 7th sleep has begun it records that wake and stops by
	 * itself (max_samples), whenever the stop flag is set. */
	while (atomic_load_explicit(&c.sleeps, memory_order_relaxed) < 7)
		sched_yield();
	xr_hiccup_sleeper_stop(s);
	cr_assert_eq(atomic_load_explicit(&c.sleeps, memory_order_relaxed), 7);

	const struct xr_hist *h = xr_hiccup_meter_hist(m);
	cr_assert_eq(h->count, 7);
	cr_assert_eq(h->counts[0], 2); /* on time and early */
	cr_assert_eq(h->counts[5], 1);
	cr_assert_eq(h->counts[2000], 1);
	cr_assert_eq(h->sum, UINT64_C(5) + 2000 + 10000 + 10001 + 3000000);
	xr_hiccup_meter_stats(m, &st);
	cr_assert_eq(st.count, 7);
	cr_assert_eq(st.max_ns, 3000000);
	cr_assert_eq(st.lost_count, 2);
	cr_assert_eq(st.lost_ns, 3010001);
	/* Start to last wake: 7 intervals plus the lateness (the early wake
	 * ends 500 ns before its deadline). */
	uint64_t dur = 7 * UINT64_C(250000) + 5 + 2000 + 10000 + 10001 + 3000000 - 500;
	cr_assert_eq(st.duration_ns, dur, "duration %" PRIu64, st.duration_ns);
	cr_assert_eq(st.lost_ppm, (uint32_t)(UINT64_C(3010001) * 1000000 / dur));
	xr_hiccup_meter_destroy(m);
}

/* ---- the sleeper on the real clock: start, some wakes, prompt stop ---- */

static atomic_uint_fast64_t real_sleeps;

static uint64_t
real_now(void *arg)
{
	(void)arg;
	return xr_now_ns();
}

static void
real_sleep(void *arg, uint64_t deadline_ns)
{
	struct timespec ts = {.tv_sec = (time_t)(deadline_ns / 1000000000u),
			      .tv_nsec = (long)(deadline_ns % 1000000000u)};

	(void)arg;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
	atomic_fetch_add_explicit(&real_sleeps, 1, memory_order_relaxed);
}

Test(hiccup, sleeper_stops_promptly_and_joins)
{
	struct xr_hiccup_meter *m = xr_hiccup_meter_create(-1);
	struct xr_hiccup_cfg cfg = {.now = real_now, .sleep = real_sleep};
	struct xr_hiccup_stats st;

	struct xr_hiccup_sleeper *s = xr_hiccup_sleeper_start(m, &cfg);
	cr_assert_not_null(s);
	/* Wait for three wakes (however long the host takes). */
	while (atomic_load_explicit(&real_sleeps, memory_order_relaxed) < 3)
		sched_yield();
	uint64_t t0 = xr_now_ns();
	xr_hiccup_sleeper_stop(s);
	uint64_t stop_ns = xr_now_ns() - t0;
	uint64_t n = atomic_load_explicit(&real_sleeps, memory_order_relaxed);

	/* Joined: every sleep it made is a recorded wake, nothing after. */
	xr_hiccup_meter_stats(m, &st);
	cr_assert_eq(st.count, n);
	cr_assert(n >= 3);
	cr_assert(st.duration_ns >= 3 * XR_HICCUP_INTERVAL_NS);
	/* One 1 ms interval plus the last wake's lateness; 1 s is far above
	 * any stall of this host, and a sleep-based stop would not hit it
	 * either, so the bound is a sanity check, the join is the test. */
	cr_assert(stop_ns < UINT64_C(1000000000), "stop took %" PRIu64 " ns", stop_ns);

	/* The default clock and sleep, started and stopped at once. */
	struct xr_hiccup_meter *m2 = xr_hiccup_meter_create(-1);
	s = xr_hiccup_sleeper_start(m2, NULL);
	cr_assert_not_null(s);
	xr_hiccup_sleeper_stop(s);
	xr_hiccup_meter_stats(m2, &st);
	cr_assert(st.count <= 1);
	xr_hiccup_sleeper_stop(NULL);
	xr_hiccup_meter_destroy(m2);
	xr_hiccup_meter_destroy(m);
}

/* ---- meters, stats, output ---- */

Test(hiccup, meter_create_checks_the_cpu)
{
	errno = 0;
	cr_assert_null(xr_hiccup_meter_create(-2));
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(xr_hiccup_meter_create(CPU_SETSIZE));
	cr_assert_eq(errno, EINVAL);
	xr_hiccup_meter_destroy(NULL);
}

Test(hiccup, empty_meter_stats_are_zero_and_print_not_measured)
{
	struct xr_hiccup_meter *m = xr_hiccup_meter_create(3);
	struct xr_hiccup_stats st;
	char *buf = NULL;
	size_t len = 0;

	xr_hiccup_meter_stats(m, &st);
	cr_assert_eq(st.cpu, 3);
	cr_assert_eq(st.count + st.p50_ns + st.p99_ns + st.p999_ns + st.max_ns, 0);
	cr_assert_eq(st.duration_ns + st.lost_count + st.lost_ns + st.lost_ppm, 0);
	FILE *f = open_memstream(&buf, &len);
	xr_hiccup_print(f, "probe cpu 3", &st);
	fclose(f);
	cr_assert_str_eq(buf, "  probe cpu 3      not measured\n");
	free(buf);
	xr_hiccup_meter_destroy(m);
}

Test(hiccup, merge_adds_everything_and_mixes_cpus_to_unpinned)
{
	struct xr_hiccup_meter *a = xr_hiccup_meter_create(0), *b = xr_hiccup_meter_create(1);
	struct step_clock c1 = {.t = 5000, .jump_at = jump_at, .jump_ns = jump_ns, .n_jumps = 5};
	struct step_clock c2 = c1;
	struct xr_hiccup_cfg cfg = {.duration_ns = PROBE_DURATION_NS, .now = step_now};
	struct xr_hiccup_stats st;

	cfg.clock_arg = &c1;
	xr_hiccup_probe_self(a, &cfg);
	cfg.clock_arg = &c2;
	xr_hiccup_probe_self(b, &cfg);
	xr_hiccup_meter_merge(a, b);
	xr_hiccup_meter_stats(a, &st);
	cr_assert_eq(st.cpu, -1);
	cr_assert_eq(st.count, 8);
	cr_assert_eq(st.lost_count, 4);
	cr_assert_eq(st.lost_ns, 2 * UINT64_C(2010001));
	cr_assert_eq(st.duration_ns, 2 * PROBE_DURATION_NS);
	cr_assert_eq(st.lost_ppm, 201000);
	cr_assert_eq(xr_hiccup_meter_hist(a)->counts[1000], 2);
	xr_hiccup_meter_stats(b, &st);
	cr_assert_eq(st.cpu, 1);
	cr_assert_eq(st.count, 4);
	xr_hiccup_meter_destroy(a);
	xr_hiccup_meter_destroy(b);
}

Test(hiccup, print_and_json_show_every_figure)
{
	struct xr_hiccup_stats st = {
		.cpu = 1, .count = 1234, .p50_ns = 850, .p99_ns = 45600, .p999_ns = 1230000,
		.max_ns = 3270000, .duration_ns = 200000000, .lost_count = 17, .lost_ns = 9876543,
		.lost_ppm = 49382,
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_eq(xr_hiccup_write_json(f, &st), 0);
	fputc('\n', f);
	xr_hiccup_print(f, "probe cpu 1", &st);
	fclose(f);
	cr_assert_str_eq(buf,
			 "{\"cpu\":1,\"count\":1234,\"p50_ns\":850,\"p99_ns\":45600,"
			 "\"p999_ns\":1230000,\"max_ns\":3270000,\"duration_ns\":200000000,"
			 "\"lost_count\":17,\"lost_ns\":9876543,\"lost_ppm\":49382}\n"
			 "  probe cpu 1          1234  p50    850 ns  p99   45.6 us  p99.9"
			 "   1.23 ms  max   3.27 ms  lost 4.93% (17 > 10 us) of 200 ms\n");
	free(buf);
}
