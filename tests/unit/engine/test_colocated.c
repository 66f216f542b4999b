/*
 * Unit tests of engine/colocated_cpu.c's pure parts and colocated_mem.c's
 * memory helpers: the kernel cpulist parser and formatter, the CPU warning
 * rules given an isolated set and a plan (with their exact texts), prefaulting, the ring
 * arena with base pages, and lock_memory = false; then a colocated engine
 * end to end: rings in the arena, tables prefaulted, the start line, and a
 * run whose stage threads use the syscall-free quiescent state.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "colocated_pvt.h"
#include "engine_pvt.h"
#include "fixtures.h"
#include "stage_aggregate_pvt.h"
#include "xr_config.h"
#include "xr_connector.h"
#include "xr_engine.h"

/* Parse @p s, which must succeed, into a set. */
static struct xr_cpuset
parse_ok(const char *s)
{
	struct xr_cpuset set;
	int rc = xr_cpulist_parse(s, &set);
	cr_assert_eq(rc, 0, "\"%s\": rc %d", s, rc);
	return set;
}

/* The set as "0,1,5" text. */
static const char *
fmt(const struct xr_cpuset *set)
{
	static char buf[4096];
	xr_cpuset_format(set, buf, sizeof(buf));
	return buf;
}

static struct xr_cpuset
set_of(const char *list)
{
	return parse_ok(list);
}

Test(colocated, cpulist_ranges_and_singles)
{
	struct xr_cpuset s = parse_ok("0-3,8,10-11");
	cr_assert_str_eq(fmt(&s), "0,1,2,3,8,10,11");
	for (int c = 0; c < 16; c++)
		cr_assert_eq(xr_cpuset_has(&s, c), c <= 3 || c == 8 || c == 10 || c == 11, "cpu %d",
			     c);
	cr_assert_not(xr_cpuset_has(&s, -1));
	cr_assert_not(xr_cpuset_has(&s, XR_CPUSET_MAX));
}

Test(colocated, cpulist_sysfs_forms)
{
	/* As the kernel writes them: a trailing newline; empty when off. */
	cr_assert_str_eq(fmt((struct xr_cpuset[]){ parse_ok("2-3\n") }), "2,3");
	cr_assert_str_eq(fmt((struct xr_cpuset[]){ parse_ok("") }), "none");
	cr_assert_str_eq(fmt((struct xr_cpuset[]){ parse_ok("\n") }), "none");
	cr_assert_str_eq(fmt((struct xr_cpuset[]){ parse_ok(" 1 , 3-4 ") }), "1,3,4");
	cr_assert_str_eq(fmt((struct xr_cpuset[]){ parse_ok("5") }), "5");
	cr_assert_str_eq(fmt((struct xr_cpuset[]){ parse_ok("7-7") }), "7");
	cr_assert_str_eq(fmt((struct xr_cpuset[]){ parse_ok("1023") }), "1023");
	struct xr_cpuset all = parse_ok("0-1023");
	for (int c = 0; c < XR_CPUSET_MAX; c++)
		cr_assert(xr_cpuset_has(&all, c));
}

Test(colocated, cpulist_groups)
{
	/* N-M:USED/GROUP, as isolcpus= accepts it: the first USED of every
	 * GROUP CPUs from N to M. */
	cr_assert_str_eq(fmt((struct xr_cpuset[]){ parse_ok("0-7:2/4") }), "0,1,4,5");
	cr_assert_str_eq(fmt((struct xr_cpuset[]){ parse_ok("2-9:1/3") }), "2,5,8");
	cr_assert_str_eq(fmt((struct xr_cpuset[]){ parse_ok("0-3:4/4") }), "0,1,2,3");
}

Test(colocated, cpulist_errors)
{
	static const char *const bad[] = {
		"a", "1,", ",1", "1-", "-1", "3-1", "1--2", "1 2", "1-3:", "1-3:1", "1-3:1/",
		"0-7:3/2", "0-7:0/2", "0-7:1/0", "1;2",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct xr_cpuset s;
		memset(&s, 0xff, sizeof(s));
		cr_assert_eq(xr_cpulist_parse(bad[i], &s), -EINVAL, "\"%s\"", bad[i]);
		cr_assert_str_eq(fmt(&s), "none", "\"%s\" left CPUs in the set", bad[i]);
	}
	struct xr_cpuset s;
	cr_assert_eq(xr_cpulist_parse("1024", &s), -ERANGE);
	cr_assert_eq(xr_cpulist_parse("0-1024", &s), -ERANGE);
	cr_assert_eq(xr_cpulist_parse("99999999999999999999999", &s), -ERANGE);
	cr_assert_str_eq(fmt(&s), "none");
}

Test(colocated, cpulist_read_file)
{
	char path[] = "/tmp/xr_test_cpulist_XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "0,2-3\n", 6), 6);
	close(fd);
	struct xr_cpuset s;
	cr_assert_eq(xr_cpulist_read(path, &s), 0);
	cr_assert_str_eq(fmt(&s), "0,2,3");
	unlink(path);
	/* A missing file is the feature switched off: no CPU. */
	cr_assert_eq(xr_cpulist_read(path, &s), 0);
	cr_assert_str_eq(fmt(&s), "none");
}

Test(colocated, cpuset_format_cut_short)
{
	struct xr_cpuset s = parse_ok("0-99");
	char buf[8];
	xr_cpuset_format(&s, buf, sizeof(buf));
	cr_assert_eq(strlen(buf), 7);
	cr_assert_eq(strncmp(buf, "0,1,2,3", 7), 0);
}

/* ------------------------------------------------------------------ */
/* Warnings: a plan, an isolated set, a nohz_full set. */

static struct xr_thread_cfg plan_threads[XR_MAX_THREADS];
static struct xr_config plan = { .threads = plan_threads };

static void
plan_reset(void)
{
	memset(plan_threads, 0, sizeof(plan_threads));
	plan.n_threads = 0;
}

static void
plan_add(const char *name, int cpu, uint8_t wait)
{
	struct xr_thread_cfg *t = &plan_threads[plan.n_threads++];
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->cpu = cpu;
	t->wait = wait;
}

static uint32_t
warnings(const char *isolated, const char *nohz, struct xr_cpu_warning *w)
{
	struct xr_cpuset iso = set_of(isolated), nz = set_of(nohz);
	return xr_cpu_warnings(&plan, &iso, &nz, w, XR_CPU_WARNINGS_MAX);
}

static const char *
text(const struct xr_cpu_warning *w)
{
	static char buf[512];
	xr_cpu_warning_format(&plan, w, buf, sizeof(buf));
	return buf;
}

Test(colocated, warn_not_isolated, .init = plan_reset)
{
	struct xr_cpu_warning w[XR_CPU_WARNINGS_MAX];

	plan_add("front", 0, XR_WAIT_BUSY_SPIN);
	plan_add("back", 1, XR_WAIT_BUSY_SPIN);
	cr_assert_eq(warnings("", "", w), 2);
	cr_assert_eq(w[0].kind, XR_CPUW_NOT_ISOLATED);
	cr_assert_eq(w[0].thread, 0);
	cr_assert_eq(w[0].cpu, 0);
	cr_assert_eq(w[1].thread, 1);
	cr_assert_eq(w[1].cpu, 1);
	cr_assert_str_eq(text(&w[0]),
			 "thread front busy-spins on cpu 0, which is not isolated (in neither "
			 "isolcpus nor nohz_full): other tasks, interrupts and the scheduler tick "
			 "will preempt it (docs/deploy.md)");

	/* Isolated on both counts: nothing to say. */
	cr_assert_eq(warnings("0-1", "0-1", w), 0);
	/* A CPU isolated elsewhere does not count. */
	cr_assert_eq(warnings("2-3", "2-3", w), 2);
}

Test(colocated, warn_partly_isolated, .init = plan_reset)
{
	struct xr_cpu_warning w[XR_CPU_WARNINGS_MAX];

	plan_add("front", 2, XR_WAIT_BUSY_SPIN);
	cr_assert_eq(warnings("2", "", w), 1);
	cr_assert(w[0].in_isolated);
	cr_assert_not(w[0].in_nohz_full);
	cr_assert_str_eq(text(&w[0]),
			 "thread front busy-spins on cpu 2, which is in isolcpus but not "
			 "nohz_full: the scheduler tick still interrupts it (docs/deploy.md)");
	cr_assert_eq(warnings("", "2", w), 1);
	cr_assert_str_eq(text(&w[0]),
			 "thread front busy-spins on cpu 2, which is in nohz_full but not isolcpus: "
			 "the scheduler may still place other tasks on it (docs/deploy.md)");
}

Test(colocated, warn_only_busy_spinning_pinned_threads, .init = plan_reset)
{
	struct xr_cpu_warning w[XR_CPU_WARNINGS_MAX];

	/* Standard mode's plans: pinned backoff/yield threads on ordinary
	 * CPUs, an unpinned spinner (the scheduler places it). */
	plan_add("front", 0, XR_WAIT_BACKOFF);
	plan_add("back", 1, XR_WAIT_YIELD);
	plan_add("free", -1, XR_WAIT_BUSY_SPIN);
	plan_add("io", 1, XR_WAIT_BACKOFF);
	cr_assert_eq(warnings("", "", w), 0);
}

Test(colocated, warn_spinners_share_a_cpu, .init = plan_reset)
{
	struct xr_cpu_warning w[XR_CPU_WARNINGS_MAX];

	plan_add("a", 2, XR_WAIT_BUSY_SPIN);
	plan_add("b", 3, XR_WAIT_BUSY_SPIN);
	plan_add("c", 2, XR_WAIT_BUSY_SPIN);
	cr_assert_eq(warnings("2-3", "2-3", w), 1);
	cr_assert_eq(w[0].kind, XR_CPUW_SPIN_SHARED);
	cr_assert_eq(w[0].thread, 0);
	cr_assert_eq(w[0].other, 2);
	cr_assert_eq(w[0].cpu, 2);
	cr_assert_str_eq(text(&w[0]),
			 "threads a and c both busy-spin on cpu 2: each runs only when the "
			 "scheduler preempts the other (a time slice, milliseconds); give each its "
			 "own cpu");

	/* Three on one CPU: every pair, after the isolation warnings. */
	plan_threads[1].cpu = 2;
	cr_assert_eq(warnings("", "", w), 6);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(w[i].kind, XR_CPUW_NOT_ISOLATED);
	cr_assert_eq(w[3].thread, 0);
	cr_assert_eq(w[3].other, 1);
	cr_assert_eq(w[4].thread, 0);
	cr_assert_eq(w[4].other, 2);
	cr_assert_eq(w[5].thread, 1);
	cr_assert_eq(w[5].other, 2);
}

Test(colocated, warn_spinner_shares_with_a_waiting_thread, .init = plan_reset)
{
	struct xr_cpu_warning w[XR_CPU_WARNINGS_MAX];

	/* The spinner is named first whatever the order in the plan. */
	plan_add("io", 4, XR_WAIT_BACKOFF);
	plan_add("hot", 4, XR_WAIT_BUSY_SPIN);
	cr_assert_eq(warnings("4", "4", w), 1);
	cr_assert_eq(w[0].kind, XR_CPUW_CPU_SHARED);
	cr_assert_eq(w[0].thread, 1);
	cr_assert_eq(w[0].other, 0);
	cr_assert_str_eq(text(&w[0]),
			 "thread hot busy-spins on cpu 4, which thread io (backoff) also uses: io "
			 "runs only when hot is preempted; give them different cpus");
	/* Two waiting threads may share a CPU: no spinner, no warning. */
	plan_threads[1].wait = XR_WAIT_YIELD;
	cr_assert_eq(warnings("", "", w), 0);
}

Test(colocated, warn_count_beyond_max, .init = plan_reset)
{
	struct xr_cpu_warning w[2];
	struct xr_cpuset none = set_of("");

	for (int i = 0; i < 4; i++)
		plan_add((const char *[]){ "a", "b", "c", "d" }[i], 0, XR_WAIT_BUSY_SPIN);
	memset(w, 0, sizeof(w));
	/* 4 isolation warnings + 6 pairs; only the first 2 written. */
	cr_assert_eq(xr_cpu_warnings(&plan, &none, &none, w, 2), 10);
	cr_assert_eq(w[1].thread, 1);
}

/* ------------------------------------------------------------------ */
/* Memory helpers. */

Test(colocated, prefault_keeps_contents)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), len = 5 * page + 123;
	unsigned char *p = malloc(len);
	cr_assert_not_null(p);
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 7);
	/* An unaligned start and end. */
	cr_assert_eq(xr_prefault(p + 3, len - 3), len - 3);
	for (size_t i = 0; i < len; i++)
		cr_assert_eq(p[i], (unsigned char)(i * 7));
	cr_assert_eq(xr_prefault(NULL, 100), 0);
	cr_assert_eq(xr_prefault(p, 0), 0);
	free(p);
}

Test(colocated, arena_base_pages)
{
	struct xr_arena a;
	char note[256], err[256];
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	cr_assert_eq(xr_arena_create(&a, 3 * page + 1, XR_HUGE_PAGES_OFF, note, sizeof(note), err,
				     sizeof(err)),
		     0, "%s", err);
	cr_assert_str_eq(note, "");
	cr_assert_eq(a.pages, XR_ARENA_SMALL);
	cr_assert_eq(a.page_bytes, page);
	cr_assert_eq(a.len, 4 * page);
	cr_assert_eq((uintptr_t)a.base % page, 0);

	unsigned char *x = xr_arena_alloc(&a, 100, 128);
	unsigned char *y = xr_arena_alloc(&a, 100, 128);
	cr_assert_eq(x, a.base);
	cr_assert_eq(y, a.base + 128);
	memset(y, 0xab, 100);
	cr_assert_null(xr_arena_alloc(&a, 4 * page, 128), "more than the arena holds");
	cr_assert_not_null(xr_arena_alloc(&a, 4 * page - 256, 128), "exactly the rest");
	cr_assert_null(xr_arena_alloc(&a, 1, 1));
	xr_arena_destroy(&a);
	cr_assert_null(a.base);
	xr_arena_destroy(&a); /* twice is harmless */
}

Test(colocated, lock_memory_false_does_nothing)
{
	bool locked = true;
	char msg[256] = "stale";
	cr_assert_eq(xr_memory_lock(XR_LOCK_MEMORY_FALSE, &locked, msg, sizeof(msg)), 0);
	cr_assert_not(locked);
	cr_assert_str_eq(msg, "");
}

Test(colocated, lock_memory_try_never_fails)
{
	/* Locked where the process may (root, or LimitMEMLOCK=infinity), or a
	 * warning naming the cause and the fix: never an error. */
	bool locked;
	char msg[512];
	cr_assert_eq(xr_memory_lock(XR_LOCK_MEMORY_TRY, &locked, msg, sizeof(msg)), 0);
	if (locked)
		cr_assert_str_eq(msg, "");
	else
		cr_assert_not_null(strstr(msg, "ulimit -l unlimited"), "%s", msg);
}

/* ------------------------------------------------------------------ */
/* A colocated engine. */

static bool
cpus_0_and_1(void)
{
	cpu_set_t s;
	return sched_getaffinity(0, sizeof(s), &s) == 0 && CPU_ISSET(0, &s) && CPU_ISSET(1, &s);
}

#define COLOC_CONFIG                                                                               \
	"[engine]\n"                                                                               \
	"mode = colocated\n"                                                                       \
	"lock_memory = false\n" /* leave the test process unlocked */                              \
	"ring_capacity = 64\n"                                                                     \
	"snapshot_interval_us = 1\n"                                                               \
	"[venue alpha]\n"                                                                          \
	"latency_us = 0\n"                                                                         \
	"jitter_us = 0\n"                                                                          \
	"book.BTC-USD = mid=100 tick=1 levels=10 level_qty=1000\n"                                 \
	"[venue bravo]\n"                                                                          \
	"latency_us = 0\n"                                                                         \
	"jitter_us = 0\n"                                                                          \
	"book.BTC-USD = mid=100 tick=1 levels=10 level_qty=1000\n"                                 \
	"[user_defaults]\n"                                                                        \
	"rate_per_s = 10000000\n"                                                                  \
	"burst = 10000000\n"                                                                       \
	"[user ann]\n"


Test(colocated, engine_rings_in_arena_and_run, .init = xr_test_make_dir)
{
	if (!cpus_0_and_1())
		cr_skip_test("cpus 0 and 1 are not both usable here");
	/* 20000 signals: a few thousand snapshot publications, so grace
	 * periods must keep completing (the owner's kick) for buffers to come
	 * back. */
	enum { N = 20000 };
	size_t cap = strlen(XR_TEST_SIGNAL_HEADER) + (size_t)N * 64;
	char *sig = malloc(cap), err[512];
	cr_assert_not_null(sig);
	size_t len = (size_t)snprintf(sig, cap, XR_TEST_SIGNAL_HEADER);
	for (int i = 1; i <= N; i++)
		len += (size_t)snprintf(sig + len, cap - len,
					"%d,%d,ann,BTC-USD,%s,1,market,,,entry,,\n",
					1000000 + i, i, i % 2 ? "buy" : "sell");
	struct xr_config *cfg = xr_test_load_config(COLOC_CONFIG);
	struct xr_engine_io io = { .signals_path = xr_test_write_file("signals.csv", sig),
				   .drain_timeout_ms = 10000 };
	free(sig);
	struct xr_engine *e = xr_engine_create(cfg, &io, err, sizeof(err));
	cr_assert_not_null(e, "%s", err);

	/* Every ring in the one arena, tables prefaulted. */
	const struct xr_coloc *c = &e->coloc;
	cr_assert(c->active);
	cr_assert_not(c->locked);
	cr_assert_not_null(c->arena.base);
	size_t one = xr_ring_memsize(64, sizeof(struct xr_msg));
	cr_assert_eq(c->ring_bytes, (7 + 2 * 2) * one);
	cr_assert_eq(c->arena.used, c->ring_bytes);
	struct xr_ring *rings[] = { e->ingress_to_validate,  e->ingress_to_aggregate,
				    e->validate_to_route,
				    e->validate_to_aggregate, e->route_to_aggregate,
				    e->aggregate_to_route,    e->aggregate_to_output,
				    e->route_to_execute[0],   e->route_to_execute[1],
				    e->execute_to_aggregate[0], e->execute_to_aggregate[1] };
	for (size_t i = 0; i < sizeof(rings) / sizeof(rings[0]); i++) {
		unsigned char *r = (unsigned char *)rings[i];
		cr_assert(r >= c->arena.base && r + one <= c->arena.base + c->arena.len, "ring %zu",
			  i);
		cr_assert_eq(xr_ring_capacity(rings[i]), 64);
	}
	cr_assert_gt(c->prefault_bytes, sizeof(struct xr_hist) * XR_H_COUNT);

	/* The start line, as xr_engine_run prints it. */
	char *text = NULL;
	size_t text_len = 0;
	FILE *out = open_memstream(&text, &text_len);
	cr_assert_not_null(out);
	xr_coloc_report(e, out);
	cr_assert_eq(fclose(out), 0);
	const char *head = "xroute: colocated: memory not locked (lock_memory = false), rings ";
	cr_assert_eq(strncmp(text, head, strlen(head)), 0, "%s", text);
	cr_assert_not_null(strstr(text, " MiB of pools and tables prefaulted, 2 threads "
					"busy-spinning on cpus 0,1\n"),
			   "%s", text);
	free(text);

	cr_assert_eq(xr_engine_run(e, err, sizeof(err)), 0, "%s", err);
	const struct xr_summary *s = xr_engine_summary(e);
	cr_assert_eq(s->signals_read, N);
	cr_assert_eq(s->unaccounted, 0);
	cr_assert_eq(s->duplicates, 0);
	cr_assert_gt(s->snapshots, 1);
	xr_engine_destroy(e);
	xr_config_free(cfg);
	xr_test_remove_dir();
}

Test(colocated, engine_refuses_offline_cpu, .init = xr_test_make_dir)
{
	char err[512];
	struct xr_config *cfg = xr_test_load_config(COLOC_CONFIG "[threads]\n"
							     "a.stages = ingress, validate, route\n"
							     "a.cpu = 1023\n"
							     "b.stages = execute.*, aggregate, output\n"
							     "b.cpu = 0\n");
	struct xr_engine_io io = { .signals_path =
					   xr_test_write_file("signals.csv", XR_TEST_SIGNAL_HEADER) };
	cr_assert_null(xr_engine_create(cfg, &io, err, sizeof(err)));
	const char *head = "mode = colocated: thread a: cpu 1023 is not online (online: ";
	cr_assert_eq(strncmp(err, head, strlen(head)), 0, "%s", err);
	xr_config_free(cfg);
	xr_test_remove_dir();
}
