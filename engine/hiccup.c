/*
 * xr_hiccup: the sleeper and the spinning probe (xr_hiccup.h has the
 * contract and what each meter sees).
 *
 * DESIGN
 *   A meter is a histogram plus three totals (time observed, samples over
 *   10 us and their sum); both meters record through one inline helper, so
 *   the lost-time accounting is the same for both.
 *
 *   The probe's loop is one clock read per iteration, a subtraction and a
 *   well-predicted branch. The clock is called through a
 *   function pointer; for the default clock the pointer is a constant that
 *   the compiler propagates into the loop.
 *
 *   xr_hiccup_probe_run() places every thread (pins it, or widens an
 *   unpinned one to the process's CPUs) before any starts measuring: the threads
 *   wait on a condition variable until the caller has seen all of them
 *   placed, then start together, so concurrent probes on different CPUs
 *   observe the same interval. A thread that could not be pinned does not
 *   measure.
 *
 *   The sleeper sleeps to an absolute deadline one interval after it last
 *   woke (not after the previous deadline: a late wake is not made up by a
 *   short sleep, each wake is a sample on its own, as in jHiccup). Its stop
 *   flag carries no data: the meter is read after pthread_join(), which
 *   orders every write of the thread before the read.
 */
#include "xr_hiccup.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "xr_clock.h"
#include "xr_hist.h"

__extension__ typedef unsigned __int128 xr__u128;

/** Most probes of one xr_hiccup_probe_run() call. */
#define XR__PROBE_MAX 256u

struct xr_hiccup_meter {
	int cpu;
	uint64_t duration_ns;
	uint64_t lost_count;
	uint64_t lost_ns;
	struct xr_hist *hist;
};

/* Impossible states (a failed pthread call on valid objects): abort. */
static void
xr__die(const char *what, int rc, int line)
{
	fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, line, what, strerror(rc));
	abort();
}

struct xr_hiccup_meter *
xr_hiccup_meter_create(int cpu)
{
	if (cpu < -1 || cpu >= CPU_SETSIZE) {
		errno = EINVAL;
		return NULL;
	}
	struct xr_hiccup_meter *m = calloc(1, sizeof(*m));
	if (m == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	m->hist = xr_hist_create();
	if (m->hist == NULL) {
		free(m);
		errno = ENOMEM;
		return NULL;
	}
	m->cpu = cpu;
	return m;
}

void
xr_hiccup_meter_destroy(struct xr_hiccup_meter *m)
{
	if (m == NULL)
		return;
	xr_hist_destroy(m->hist);
	free(m);
}

void
xr_hiccup_meter_merge(struct xr_hiccup_meter *dst, const struct xr_hiccup_meter *src)
{
	xr_hist_merge(dst->hist, src->hist);
	dst->duration_ns += src->duration_ns;
	dst->lost_count += src->lost_count;
	dst->lost_ns += src->lost_ns;
	if (dst->cpu != src->cpu)
		dst->cpu = -1;
}

const struct xr_hist *
xr_hiccup_meter_hist(const struct xr_hiccup_meter *m)
{
	return m->hist;
}

void
xr_hiccup_meter_stats(const struct xr_hiccup_meter *m, struct xr_hiccup_stats *out)
{
	const struct xr_hist *h = m->hist;

	memset(out, 0, sizeof(*out));
	out->cpu = m->cpu;
	out->count = h->count;
	out->p50_ns = xr_hist_value_at_ppm(h, 500000);
	out->p99_ns = xr_hist_value_at_ppm(h, 990000);
	out->p999_ns = xr_hist_value_at_ppm(h, 999000);
	out->max_ns = h->count ? h->max : 0;
	out->duration_ns = m->duration_ns;
	out->lost_count = m->lost_count;
	out->lost_ns = m->lost_ns;
	if (m->duration_ns != 0) {
		xr__u128 ppm = (xr__u128)m->lost_ns * 1000000u / m->duration_ns;
		out->lost_ppm = ppm > 1000000u ? 1000000u : (uint32_t)ppm;
	}
}

/* One sample into @p m: the histogram, and the lost time above 10 us. */
static inline void
xr__record(struct xr_hiccup_meter *m, uint64_t v_ns)
{
	xr_hist_record(m->hist, v_ns);
	if (v_ns > XR_HICCUP_LOST_NS) {
		m->lost_count++;
		m->lost_ns += v_ns;
	}
}

static uint64_t
xr__now_default(void *arg)
{
	(void)arg;
	return xr_now_ns();
}

static void
xr__sleep_default(void *arg, uint64_t deadline_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline_ns / 1000000000u),
		.tv_nsec = (long)(deadline_ns % 1000000000u),
	};

	(void)arg;
	/* Absolute: an EINTR simply sleeps again to the same deadline. */
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* The probe loop; inlined into each caller so a constant @p now is direct. */
static inline void
xr__probe_loop(struct xr_hiccup_meter *m, uint64_t duration_ns, xr_hiccup_now_fn now,
	       void *arg)
{
	uint64_t t0 = now(arg), prev = t0, elapsed;

	do {
		uint64_t t = now(arg);
		uint64_t gap = t > prev ? t - prev : 0;
		if (__builtin_expect(gap >= XR_HICCUP_GAP_NS, 0))
			xr__record(m, gap);
		if (t > prev)
			prev = t;
		elapsed = prev - t0;
	} while (elapsed < duration_ns);
	m->duration_ns += elapsed;
}

void
xr_hiccup_probe_self(struct xr_hiccup_meter *m, const struct xr_hiccup_cfg *cfg)
{
	uint64_t duration = cfg != NULL && cfg->duration_ns ? cfg->duration_ns : XR_HICCUP_PROBE_NS;

	if (cfg == NULL || cfg->now == NULL)
		xr__probe_loop(m, duration, xr__now_default, NULL);
	else
		xr__probe_loop(m, duration, cfg->now, cfg->clock_arg);
}

/* Give the calling thread the process's CPUs: the main thread's affinity
 * (sched_getaffinity of the thread-group id), which for a process started
 * normally is every CPU of its cpuset except those isolated at boot. A
 * thread created by a pinned caller would otherwise be pinned too. */
static void
xr__unpin_self(void)
{
	cpu_set_t set;

	if (sched_getaffinity(getpid(), sizeof(set), &set) == 0)
		(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static int
xr__pin_self(int cpu)
{
	cpu_set_t set;

	if (cpu < 0) {
		xr__unpin_self();
		return 0;
	}
	CPU_ZERO(&set);
	CPU_SET((unsigned)cpu, &set);
	return -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* Start a thread with every signal blocked. @return 0 or the pthread error. */
static int
xr__start_thread(pthread_t *tid, void *(*fn)(void *), void *arg)
{
	sigset_t all, saved;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &saved);
	int rc = pthread_create(tid, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	return rc;
}

/* ---- concurrent pinned probes ---- */

/* The start line of one xr_hiccup_probe_run() call, under mu. */
struct xr__probe_gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint32_t placed; /* threads pinned (or failed to) */
	int go;		 /* 0 wait, 1 measure, -1 abort */
};

struct xr__probe_arg {
	struct xr_hiccup_meter *m;
	const struct xr_hiccup_cfg *cfg;
	struct xr__probe_gate *gate;
	int pin_rc; /* 0, or -errno of the pinning */
};

static void *
xr__probe_main(void *p)
{
	struct xr__probe_arg *a = p;
	struct xr__probe_gate *g = a->gate;

	a->pin_rc = xr__pin_self(a->m->cpu);
	pthread_mutex_lock(&g->mu);
	g->placed++;
	pthread_cond_broadcast(&g->cv);
	while (g->go == 0)
		pthread_cond_wait(&g->cv, &g->mu);
	int go = g->go;
	pthread_mutex_unlock(&g->mu);
	if (go > 0 && a->pin_rc == 0)
		xr_hiccup_probe_self(a->m, a->cfg);
	return NULL;
}

int
xr_hiccup_probe_run(struct xr_hiccup_meter *const *meters, uint32_t n,
		    const struct xr_hiccup_cfg *cfg)
{
	struct xr__probe_gate g = {
		.mu = PTHREAD_MUTEX_INITIALIZER,
		.cv = PTHREAD_COND_INITIALIZER,
	};
	pthread_t tid[XR__PROBE_MAX];
	struct xr__probe_arg arg[XR__PROBE_MAX];
	uint32_t started = 0;
	int rc = 0;

	if (n == 0 || n > XR__PROBE_MAX)
		return -EINVAL;
	for (; started < n; started++) {
		arg[started] = (struct xr__probe_arg){meters[started], cfg, &g, 0};
		int prc = xr__start_thread(&tid[started], xr__probe_main, &arg[started]);
		if (prc != 0) {
			rc = -prc;
			break;
		}
		pthread_setname_np(tid[started], "hiccup-probe");
	}
	pthread_mutex_lock(&g.mu);
	while (rc == 0 && g.placed < started)
		pthread_cond_wait(&g.cv, &g.mu);
	g.go = rc == 0 ? 1 : -1;
	pthread_cond_broadcast(&g.cv);
	pthread_mutex_unlock(&g.mu);
	for (uint32_t i = 0; i < started; i++) {
		int jrc = pthread_join(tid[i], NULL);
		if (jrc != 0)
			xr__die("pthread_join", jrc, __LINE__);
		if (rc == 0 && arg[i].pin_rc != 0)
			rc = -EINVAL;
	}
	pthread_cond_destroy(&g.cv);
	pthread_mutex_destroy(&g.mu);
	return rc;
}

/* ---- the sleeper ---- */

struct xr_hiccup_sleeper {
	pthread_t tid;
	struct xr_hiccup_meter *m;
	struct xr_hiccup_cfg cfg;
	/* Set by xr_hiccup_sleeper_stop(), read at every wake. Relaxed: it
	 * carries no data; the join orders the meter (see DESIGN). */
	atomic_bool stop;
};

static void *
xr__sleeper_main(void *p)
{
	struct xr_hiccup_sleeper *s = p;
	const struct xr_hiccup_cfg *c = &s->cfg;
	xr_hiccup_now_fn now = c->now != NULL ? c->now : xr__now_default;
	xr_hiccup_sleep_fn sleep_to = c->sleep != NULL ? c->sleep : xr__sleep_default;
	uint64_t interval = c->interval_ns ? c->interval_ns : XR_HICCUP_INTERVAL_NS;
	uint64_t wakes = 0;

	/* The default slack (50 us) would be every wake's lateness. */
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	xr__unpin_self();
	uint64_t start = now(c->clock_arg), last = start;
	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		uint64_t deadline = now(c->clock_arg) + interval;
		sleep_to(c->clock_arg, deadline);
		uint64_t t = now(c->clock_arg);
		xr__record(s->m, t > deadline ? t - deadline : 0);
		if (t > last)
			last = t;
		if (c->max_samples != 0 && ++wakes >= c->max_samples)
			break;
	}
	s->m->duration_ns += last - start;
	return NULL;
}

struct xr_hiccup_sleeper *
xr_hiccup_sleeper_start(struct xr_hiccup_meter *m, const struct xr_hiccup_cfg *cfg)
{
	struct xr_hiccup_sleeper *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	s->m = m;
	if (cfg != NULL)
		s->cfg = *cfg;
	atomic_init(&s->stop, false);
	int rc = xr__start_thread(&s->tid, xr__sleeper_main, s);
	if (rc != 0) {
		free(s);
		errno = rc;
		return NULL;
	}
	/* Not "xr-...": that prefix names stage threads (tools/syscall-audit.sh). */
	pthread_setname_np(s->tid, "hiccup-sleeper");
	return s;
}

void
xr_hiccup_sleeper_stop(struct xr_hiccup_sleeper *s)
{
	if (s == NULL)
		return;
	atomic_store_explicit(&s->stop, true, memory_order_relaxed);
	int rc = pthread_join(s->tid, NULL);
	if (rc != 0)
		xr__die("pthread_join", rc, __LINE__);
	free(s);
}

/* ---- reports ---- */

/* @p ns as "850 ns", "12.3 us" or "4.56 ms" into @p buf. */
static const char *
xr__fmt_ns(char *buf, size_t len, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 " ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1f us", (double)ns / 1e3);
	else
		snprintf(buf, len, "%.2f ms", (double)ns / 1e6);
	return buf;
}

void
xr_hiccup_print(FILE *out, const char *label, const struct xr_hiccup_stats *st)
{
	char a[24], b[24], c[24], d[24];

	if (st->duration_ns == 0) {
		fprintf(out, "  %-16s not measured\n", label);
		return;
	}
	fprintf(out, "  %-16s %8" PRIu64 "  p50 %9s  p99 %9s  p99.9 %9s  max %9s  lost %u.%02u%%"
		" (%" PRIu64 " > 10 us) of %.0f ms\n", label, st->count,
		xr__fmt_ns(a, sizeof(a), st->p50_ns), xr__fmt_ns(b, sizeof(b), st->p99_ns),
		xr__fmt_ns(c, sizeof(c), st->p999_ns), xr__fmt_ns(d, sizeof(d), st->max_ns),
		st->lost_ppm / 10000u, st->lost_ppm % 10000u / 100u, st->lost_count,
		(double)st->duration_ns / 1e6);
}

int
xr_hiccup_write_json(FILE *out, const struct xr_hiccup_stats *st)
{
	fprintf(out, "{\"cpu\":%d,\"count\":%" PRIu64 ",\"p50_ns\":%" PRIu64 ",\"p99_ns\":%" PRIu64
		",\"p999_ns\":%" PRIu64 ",\"max_ns\":%" PRIu64 ",\"duration_ns\":%" PRIu64
		",\"lost_count\":%" PRIu64 ",\"lost_ns\":%" PRIu64 ",\"lost_ppm\":%u}", st->cpu,
		st->count, st->p50_ns, st->p99_ns, st->p999_ns, st->max_ns, st->duration_ns,
		st->lost_count, st->lost_ns, st->lost_ppm);
	return ferror(out) ? -EIO : 0;
}
