/*
 * The thread runner: each thread of the plan runs its ordered list of
 * stages in a loop, pinned to its CPU if the plan names one.
 *
 * DESIGN
 *   A thread is a registered QSBR reader for its whole life. Every loop it
 *   calls each stage's do_work() once, then reports a quiescent state: no
 *   snapshot pointer is held across loops. When a whole loop found no work
 *   it waits per its strategy:
 *     busy_spin  a pause instruction;
 *     yield      sched_yield();
 *     backoff    pause for backoff_spins idle loops, then sched_yield() for
 *                backoff_yields more, then sleep backoff_sleep_us per loop
 *                (RCU offline while asleep so grace periods do not wait).
 *   Every do_work() call is timed with the loop clock (one read after each
 *   stage; the next stage's start is the last one's end) into the stage's
 *   work_hist, and calls over XR_SLOW_CALL_NS are counted by what they did
 *   (engine_pvt.h, "Stall attribution").
 *   Stop is a flag read once per loop (relaxed; the join that follows is the
 *   synchronisation). Threads start with SIGHUP, SIGTERM and SIGINT blocked, so a reload
 *   request never interrupts a stage (it goes to the owner thread).
 *
 *   Colocated mode (docs/deploy.md): every thread is pinned and busy-spins
 *   (the config makes it so), and the quiescent state is
 *   xr_snapshot_reader_qs_quiet(), which never wakes a sleeping
 *   grace-period waiter with futex(2); the owner thread does that
 *   (xr_snapshot_gp_kick). A colocated stage thread makes no syscall
 *   between its start-up and its stop, except output's write(2) when a
 *   results file is written.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ck_pr.h>

#include "engine_pvt.h"
#include "xr_clock.h"

/* Concurrency Kit's portable spin hint (pause on x86, yield on arm64). */
static inline void
xr__cpu_relax(void)
{
	ck_pr_stall();
}

static void
xr__wait(const struct xr_engine_cfg *ec, uint8_t wait, uint64_t idle)
{
	switch (wait) {
	case XR_WAIT_BUSY_SPIN:
		xr__cpu_relax();
		return;
	case XR_WAIT_YIELD:
		sched_yield();
		return;
	default:
		break;
	}
	if (idle < ec->backoff_spins) {
		xr__cpu_relax();
	} else if (idle < (uint64_t)ec->backoff_spins + ec->backoff_yields) {
		sched_yield();
	} else {
		struct timespec ts = {
			.tv_sec = ec->backoff_sleep_us / 1000000,
			.tv_nsec = (long)(ec->backoff_sleep_us % 1000000) * 1000,
		};
		xr_snapshot_reader_qs();
		rcu_thread_offline();
		nanosleep(&ts, NULL);
		rcu_thread_online();
	}
}

/* Record one do_work() call of @p dt_ns; a slow one is counted by what it
 * did (struct xr_stage, "Stall attribution"). */
static inline void
xr__timed(struct xr_stage *st, uint64_t dt_ns)
{
	xr_hist_record(st->work_hist, dt_ns);
	if (__builtin_expect(dt_ns <= XR_SLOW_CALL_NS, 1))
		return;
	st->slow_calls++;
	for (uint32_t b = 0; b < XR_DOING_COUNT; b++)
		st->slow_by[b] += (st->doing >> b) & 1;
	if (dt_ns > st->slowest_ns) {
		st->slowest_ns = dt_ns;
		st->slowest_doing = st->doing;
	}
}

static void *
xr__thread_main(void *arg)
{
	struct xr_thread *t = arg;
	struct xr_engine *e = t->eng;
	const struct xr_engine_cfg *ec = &e->cfg->engine;
	const bool quiet_qs = ec->mode == XR_MODE_COLOCATED;
	uint64_t idle = 0;

	rcu_register_thread();
	for (uint32_t i = 0; i < t->n_stages; i++)
		if (t->stages[i]->thread_init != NULL)
			t->stages[i]->thread_init(t->stages[i]);
	if (e->io.thread_allocated != NULL)
		t->alloc_ctr = e->io.thread_allocated();
	if (t->alloc_ctr != NULL)
		t->alloc_start = *t->alloc_ctr;

	while (!atomic_load_explicit(&e->stop, memory_order_relaxed)) {
		uint32_t work = 0;
		/* The loop clock for every stage's timers (vDSO, no syscall),
		 * and one more read after each stage to time its call. */
		uint64_t t0 = xr_now_ns();
		t->loop_ns = t0;
		for (uint32_t i = 0; i < t->n_stages; i++) {
			struct xr_stage *st = t->stages[i];
			st->doing = 0;
			work += st->do_work(st);
			uint64_t t1 = xr_now_ns();
			xr__timed(st, t1 - t0);
			t0 = t1;
		}
		xr_snapshot_reader_qs();
		if (quiet_qs)
			xr_snapshot_reader_qs_quiet();
		else
			rcu_quiescent_state();
		t->loops++;
		if (work != 0) {
			idle = 0;
			continue;
		}
		t->idle_loops++;
		xr__wait(ec, t->cfg->wait, idle++);
	}
	if (t->alloc_ctr != NULL)
		t->alloc_end = *t->alloc_ctr;
	struct timespec cpu;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu) == 0)
		t->cpu_ns = (uint64_t)cpu.tv_sec * 1000000000u + (uint64_t)cpu.tv_nsec;
	rcu_unregister_thread();
	return NULL;
}

int
xr_runner_start(struct xr_engine *e, char *err, size_t err_len)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	for (uint32_t i = 0; i < e->n_threads; i++) {
		struct xr_thread *t = &e->threads[i];
		pthread_attr_t attr;
		cpu_set_t set;

		pthread_attr_init(&attr);
		t->pinned = false;
		if (t->cfg->cpu >= 0) {
			if (t->cfg->cpu < ncpu) {
				CPU_ZERO(&set);
				CPU_SET((unsigned)t->cfg->cpu, &set);
				pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
				t->pinned = true;
			} else {
				fprintf(stderr,
					"xroute: thread %s: cpu %d is not online (%ld CPUs); running unpinned\n",
					t->cfg->name, t->cfg->cpu, ncpu);
			}
		}
		/* Stage threads never take SIGHUP, SIGTERM or SIGINT (reload
		 * and stop are the owner's, tools/xroute.c), so no handler
		 * interrupts a hot loop: they inherit the mask in force here. */
		sigset_t hup, saved;
		sigemptyset(&hup);
		sigaddset(&hup, SIGHUP);
		sigaddset(&hup, SIGTERM);
		sigaddset(&hup, SIGINT);
		pthread_sigmask(SIG_BLOCK, &hup, &saved);
		int rc = pthread_create(&t->tid, &attr, xr__thread_main, t);
		pthread_sigmask(SIG_SETMASK, &saved, NULL);
		pthread_attr_destroy(&attr);
		if (rc != 0) {
			snprintf(err, err_len, "thread %s: pthread_create: %s%s",
				 t->cfg->name, strerror(rc),
				 rc == EINVAL && t->pinned
					 ? " (its cpu is outside this process's cgroup cpuset: "
					   "docker --cpuset-cpus, systemd AllowedCPUs=)"
					 : "");
			xr_runner_stop(e);
			return -rc;
		}
		t->started = true;
		char name[16];
		snprintf(name, sizeof(name), "xr-%.12s", t->cfg->name);
		pthread_setname_np(t->tid, name);
	}
	return 0;
}

void
xr_runner_stop(struct xr_engine *e)
{
	atomic_store_explicit(&e->stop, 1, memory_order_relaxed);
	for (uint32_t i = 0; i < e->n_threads; i++) {
		struct xr_thread *t = &e->threads[i];
		if (!t->started)
			continue;
		int rc = pthread_join(t->tid, NULL);
		if (rc != 0) {
			/* Impossible state: the thread exists and is joinable. */
			fprintf(stderr, "%s:%d: pthread_join: %s\n", __FILE__, __LINE__,
				strerror(rc));
			abort();
		}
		t->started = false;
	}
}
