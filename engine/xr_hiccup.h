/*
 * xr_hiccup: platform hiccup meters, after jHiccup. The host stalls our
 * threads by itself (a hypervisor taking the vCPU, an interrupt, a kernel
 * thread, timer slack); a latency figure of the engine means something only
 * next to what the platform takes in the same run.
 *
 * DESIGN
 *   Two meters, both recording ns values into an xr_hist (xr_hist.h):
 *
 *   sleeper  one unpinned thread (allowed on the CPUs of the process's
 *            main thread, whoever starts it) that sleeps XR_HICCUP_INTERVAL_NS (1 ms) at a time to an
 *            absolute CLOCK_MONOTONIC deadline and records how late it
 *            woke: lateness = wake - deadline, one sample per wake. Its
 *            timer slack is set to 1 ns (prctl PR_SET_TIMERSLACK), so the
 *            kernel's default 50 us slack is not counted as a hiccup. It
 *            runs around a run of the engine and sees what a thread that
 *            wants the CPU back at a given time gets: the wake-up path,
 *            the scheduler, a busy or stolen vCPU.
 *   probe    a thread pinned to one CPU that reads the clock in a tight
 *            loop for a set time (XR_HICCUP_PROBE_NS, 200 ms) and records
 *            every gap between consecutive reads of at least
 *            XR_HICCUP_GAP_NS (1 us): a read costs 20-50 ns with the vDSO,
 *            so a gap of 1 us is 20 reads that did not happen, the thread
 *            was off the CPU (preempted, interrupted, the vCPU
 *            descheduled). It runs while the engine does not, on each of
 *            the engine's CPUs, and sees what a busy-spinning stage thread
 *            on that CPU would lose.
 *
 *   Both meters keep, beside the histogram, the time observed and the
 *   samples above XR_HICCUP_LOST_NS (10 us) with their sum: the time lost
 *   to hiccups, reported as parts per million of the time observed
 *   (integer; 10000 ppm = 1 %). For the probe this is the share of CPU
 *   time the platform took; for the sleeper, late wakes over its run time.
 *
 *   The clock (and the sleeper's sleep) can be replaced through struct
 *   xr_hiccup_cfg, so the accounting is testable with scripted times.
 *
 * GUARANTEES
 *   A meter is written by one thread at a time (the probe or sleeper
 *   thread while it runs) and read by its owner once that thread has been
 *   joined; pthread_join orders the two. Stopping the sleeper takes at
 *   most one interval plus its lateness: it checks a stop flag at every
 *   wake and is then joined. Nothing here allocates while measuring.
 */
#ifndef XR_HICCUP_H
#define XR_HICCUP_H

#include <stdint.h>
#include <stdio.h>

struct xr_hist;

/** The sleeper's default interval: 1 ms. */
#define XR_HICCUP_INTERVAL_NS UINT64_C(1000000)
/** The probe's default duration per call: 200 ms. */
#define XR_HICCUP_PROBE_NS UINT64_C(200000000)
/** Smallest gap the probe records: 1 us (about 20 clock reads). */
#define XR_HICCUP_GAP_NS UINT64_C(1000)
/** Samples above this count as time lost: 10 us. */
#define XR_HICCUP_LOST_NS UINT64_C(10000)

/**
 * A clock: the current time in ns on a monotonic scale.
 * @param arg  xr_hiccup_cfg.clock_arg.
 * Thread: the meter's thread; must not block.
 */
typedef uint64_t (*xr_hiccup_now_fn)(void *arg);

/**
 * Sleep until the clock of the same cfg reads at least @p deadline_ns
 * (absolute, ns). Returning early is allowed (the sleeper then records a
 * lateness of 0 for that wake).
 * Thread: the sleeper thread.
 */
typedef void (*xr_hiccup_sleep_fn)(void *arg, uint64_t deadline_ns);

/**
 * How a meter runs; zero-initialised means every default.
 */
struct xr_hiccup_cfg {
	uint64_t interval_ns;	/* sleeper: sleep per wake; 0 = 1 ms */
	uint64_t duration_ns;	/* probe: time per call; 0 = 200 ms */
	uint64_t max_samples;	/* sleeper: stop by itself after this many
				 * wakes; 0 = until xr_hiccup_sleeper_stop() */
	xr_hiccup_now_fn now;	/* NULL = CLOCK_MONOTONIC (xr_now_ns) */
	xr_hiccup_sleep_fn sleep; /* sleeper: NULL = clock_nanosleep to an
				 * absolute CLOCK_MONOTONIC deadline; set it
				 * whenever @c now is set */
	void *clock_arg;	/* passed to now and sleep */
};

/**
 * What a meter saw, all integers. Percentiles are of the recorded
 * samples (xr_hist_value_at_ppm(): within 1/1024 above the true value,
 * exact below 2048 ns); all 0 when nothing was recorded.
 */
struct xr_hiccup_stats {
	int cpu;		/* probe: the CPU it was pinned to; -1 unpinned
				 * (the sleeper, or a probe with cpu -1) */
	uint64_t count;		/* samples: gaps >= 1 us (probe), wakes (sleeper) */
	uint64_t p50_ns, p99_ns, p999_ns, max_ns;
	uint64_t duration_ns;	/* time observed (ns); 0 = never ran */
	uint64_t lost_count;	/* samples > XR_HICCUP_LOST_NS */
	uint64_t lost_ns;	/* their sum (ns) */
	uint32_t lost_ppm;	/* lost_ns / duration_ns in parts per million,
				 * rounded down, at most 1000000; 0 if
				 * duration_ns is 0 */
};

/** One meter: a histogram and the totals above, for one CPU or the sleeper. */
struct xr_hiccup_meter;

/**
 * Allocate an empty meter.
 *
 * @param cpu  the CPU a probe into this meter pins to, 0..CPU_SETSIZE-1;
 *             -1 = unpinned (the sleeper's meter, or an unpinned probe).
 * @return the meter, or NULL with errno = ENOMEM (or EINVAL: cpu < -1 or
 *         >= CPU_SETSIZE).
 * Thread: any (control path; allocates about 250 KiB).
 */
struct xr_hiccup_meter *xr_hiccup_meter_create(int cpu);

/** Free @p m (NULL is ignored). Thread: the owner; not while measured into. */
void xr_hiccup_meter_destroy(struct xr_hiccup_meter *m);

/**
 * Add every sample and total of @p src to @p dst (as if measured into it);
 * dst's cpu stays, or becomes -1 if the two differ.
 * Thread: the owner of both, neither being measured into.
 */
void xr_hiccup_meter_merge(struct xr_hiccup_meter *dst, const struct xr_hiccup_meter *src);

/**
 * @return the meter's histogram of samples (ns).
 * Thread: the owner, while nothing measures into @p m.
 */
const struct xr_hist *xr_hiccup_meter_hist(const struct xr_hiccup_meter *m);

/**
 * Fill @p out from @p m (see struct xr_hiccup_stats).
 * Thread: the owner, while nothing measures into @p m. O(XR_HIST_COUNTS).
 */
void xr_hiccup_meter_stats(const struct xr_hiccup_meter *m, struct xr_hiccup_stats *out);

/**
 * Spinning probe in the calling thread, without pinning it: read the
 * clock (cfg->now, or CLOCK_MONOTONIC) in a tight loop until
 * cfg->duration_ns (0 = 200 ms) have passed since the first read; every
 * gap between consecutive reads of at least XR_HICCUP_GAP_NS is recorded
 * into @p m, gaps above XR_HICCUP_LOST_NS also count as lost time. The
 * time from the first to the last read is added to m's duration. A read
 * earlier than the one before (a broken injected clock) counts as a gap
 * of 0.
 *
 * @param m    meter; not NULL.
 * @param cfg  NULL = defaults.
 * Thread: any; @p m must not be measured into by another thread meanwhile.
 * Progress: spins for the duration; no allocation, no syscalls with the
 * vDSO clock.
 */
void xr_hiccup_probe_self(struct xr_hiccup_meter *m, const struct xr_hiccup_cfg *cfg);

/**
 * Spinning probes on @p n threads at once, each pinned to its meter's CPU
 * (an unpinned meter's thread gets the CPUs of the process's main thread,
 * as the sleeper), started together
 * once every thread is placed, each running xr_hiccup_probe_self() for
 * cfg->duration_ns with every signal blocked; the threads are named
 * "hiccup-probe". Returns when all have been joined. Probes of one call
 * run concurrently, so two meters on one CPU share it.
 *
 * @param meters  n meters, distinct; not NULL.
 * @param n       1..256.
 * @param cfg     NULL = defaults.
 * @return 0; -EINVAL if n is 0 or above 256, or some meter's CPU could not
 *         be pinned to (offline or outside the process's cpuset): those
 *         meters are left unchanged, the others are measured; -errno
 *         (EAGAIN) if a thread could not be started: nothing is measured.
 * Thread: any; blocks for the duration. Control path (starts threads).
 */
int xr_hiccup_probe_run(struct xr_hiccup_meter *const *meters, uint32_t n,
			const struct xr_hiccup_cfg *cfg);

/** A running sleeper. */
struct xr_hiccup_sleeper;

/**
 * Start a sleeper thread recording into @p m (see DESIGN). The thread may
 * run on the CPUs of the process's main thread (sched_getaffinity of the
 * process id; it does not inherit a pinned caller's CPU), is named "hiccup-sleeper", has a 1 ns timer slack and blocks
 * every signal (a signal for the process goes to another thread).
 *
 * @param m    meter it records into; owned by the caller, must outlive
 *             the sleeper and not be read until xr_hiccup_sleeper_stop().
 * @param cfg  NULL = defaults (1 ms, CLOCK_MONOTONIC); copied.
 * @return the sleeper, or NULL with errno: ENOMEM, EAGAIN (no thread).
 * Thread: any (control path).
 */
struct xr_hiccup_sleeper *xr_hiccup_sleeper_start(struct xr_hiccup_meter *m,
						  const struct xr_hiccup_cfg *cfg);

/**
 * Stop the sleeper and join its thread, then free it; the meter then
 * holds every wake. Takes at most one interval plus the last wake's
 * lateness (no polling, no sleep in this thread). NULL is ignored.
 * Thread: the thread that started it. Impossible states (a failed join)
 * abort with the location.
 */
void xr_hiccup_sleeper_stop(struct xr_hiccup_sleeper *s);

/**
 * Print @p st as one human line (ns shown as us or ms, lost as a percent
 * with two decimals): "  LABEL  N samples  p50 .. p99 .. p99.9 .. max ..
 * lost X.XX% (K > 10 us) over T ms". A meter that never ran prints
 * "not measured".
 * Thread: any. Control path (stdio).
 */
void xr_hiccup_print(FILE *out, const char *label, const struct xr_hiccup_stats *st);

/**
 * Write @p st as one JSON object, no newline: {"cpu":C,"count":N,
 * "p50_ns":..,"p99_ns":..,"p999_ns":..,"max_ns":..,"duration_ns":..,
 * "lost_count":..,"lost_ns":..,"lost_ppm":..}, every value an integer
 * (docs/output.md "Hiccups").
 * @return 0 or -EIO (a write failed). Thread: any. Control path (stdio).
 */
int xr_hiccup_write_json(FILE *out, const struct xr_hiccup_stats *st);

#endif /* XR_HICCUP_H */
