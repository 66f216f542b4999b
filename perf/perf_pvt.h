/*
 * xroute-perf internals: options, timing, thread pairs, statistics and the
 * result printer shared by the subcommands (floor, ring, select, pipeline,
 * fix, hiccup, serve).
 *
 * Every result is one line: a human table row on stdout and, with
 * --json FILE, one JSON object (name, unit, median, min, max, rounds, and
 * where they apply ratio_vs_ck, ratio_vs_floor and extra fields).
 */
#ifndef XR_PERF_PVT_H
#define XR_PERF_PVT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/** How serve's client processes wait when no event is there (--client-wait). */
enum xr_perf_client_wait {
	XR_PERF_WAIT_SLEEP = 0, /* nanosleep 1 us (the default timer slack: ~50 us):
				 * the default */
	XR_PERF_WAIT_YIELD = 1, /* sched_yield(), as tools/client/example_strategy.c */
	XR_PERF_WAIT_SPIN = 2,	/* a pause instruction */
};

/** Command-line options common to every subcommand. */
struct xr_perf_opts {
	bool quick;		/* a run of seconds: fewer messages and rounds */
	unsigned rounds;	/* rounds per measurement; 0 = default */
	int cpu_a, cpu_b;	/* the two CPUs of pinned pairs (default 0, 1) */
	FILE *json;		/* JSON lines sink, or NULL */
	const char *tmp_dir;	/* scratch files (pipeline), default /tmp */
	double pipeline_rate;	/* open-loop rate (signals/s); 0 = 50% of max */
	uint64_t signals;	/* pipeline signals per run; 0 = default */
	int strategy;		/* select: only this enum xr_strategy; 0 = all */
	unsigned venues;	/* select: only this venue count; 0 = all */
	enum xr_perf_client_wait client_wait; /* serve's clients */
};

/** Maximum extra numeric fields of one result. */
#define XR_PERF_MAX_EXTRA 16

/** One result line. Ratios are NaN when they do not apply. */
struct xr_perf_result {
	char name[64];
	const char *unit;
	double median, min, max;
	unsigned rounds;
	double ratio_vs_ck;	/* xroute / ck_ring (see the subcommand) */
	double ratio_vs_floor;	/* multiple of the floor RTT of this run */
	unsigned n_extra;
	const char *extra_key[XR_PERF_MAX_EXTRA];
	double extra_val[XR_PERF_MAX_EXTRA];
};

/** A result with no ratios or extras. Thread: any. */
void xr_perf_result_init(struct xr_perf_result *r, const char *name,
			 const char *unit);

/** Add an extra numeric field (at most XR_PERF_MAX_EXTRA, asserted); @p key must
 * not be one of the fixed JSON fields (asserted). */
void xr_perf_result_extra(struct xr_perf_result *r, const char *key, double v);

struct xr_hiccup_stats;

/**
 * A hiccup meter's figures as one result (unit ns, rounds 1): median = min
 * = max = the p99 of the samples; extras p50, p99, p999, worst (largest
 * sample), count, lost_ppm, lost_count (samples > 10 us), duration_ns and
 * cpu (-1: unpinned or several CPUs). Up to 3 more extras fit.
 * Thread: any.
 */
void xr_perf_result_hiccup(struct xr_perf_result *r, const char *name,
			   const struct xr_hiccup_stats *st);

/** Fill median/min/max/rounds from @p n samples (n > 0; sorts a copy). */
void xr_perf_result_stats(struct xr_perf_result *r, const double *v, unsigned n);

/** @return the median of @p n samples (n > 0; sorts @p v in place). */
double xr_perf_median(double *v, unsigned n);

/** Print a table header for a subcommand. */
void xr_perf_header(const char *title);

/**
 * Print @p r as a table row and, if opts->json, as one JSON line.
 * @return 0, or -EIO if the JSON sink failed. Thread: the main thread.
 */
int xr_perf_emit(const struct xr_perf_opts *o, const struct xr_perf_result *r);

/** CLOCK_MONOTONIC in ns. */
uint64_t xr_perf_now_ns(void);

/**
 * A cycle counter for timing single short operations: rdtsc on x86-64
 * (serialised with lfence), CLOCK_MONOTONIC ns elsewhere. Convert with
 * xr_perf_ticks_per_ns(), calibrated once against CLOCK_MONOTONIC.
 */
uint64_t xr_perf_ticks(void);
/** Ticks per ns of xr_perf_ticks() (measured over ~50 ms on first call). */
double xr_perf_ticks_per_ns(void);

/** Pin the calling thread to @p cpu. @return 0 or -errno. */
int xr_perf_pin_self(int cpu);

/**
 * Run @p fa and @p fb on two new threads pinned to cpu_a and cpu_b, and
 * join both. @return 0, or -errno if a thread could not start.
 */
int xr_perf_run_pair(const struct xr_perf_opts *o, void *(*fa)(void *), void *a,
		     void *(*fb)(void *), void *b);

/** A two-party start line: both threads return together. */
struct xr_perf_gate {
	_Atomic unsigned arrived;
};
void xr_perf_gate_wait(struct xr_perf_gate *g);

/** Subcommands; each returns 0 or a non-zero exit status. */
int xr_perf_floor(const struct xr_perf_opts *o);
int xr_perf_ring(const struct xr_perf_opts *o);
int xr_perf_select(const struct xr_perf_opts *o);
int xr_perf_pipeline(const struct xr_perf_opts *o);
int xr_perf_fix(const struct xr_perf_opts *o);
int xr_perf_hiccup(const struct xr_perf_opts *o);
int xr_perf_serve(const struct xr_perf_opts *o);
int xr_perf_journal(const struct xr_perf_opts *o);
/** The client processes of serve: `xroute-perf serve-client ...` (perf/serve.c). */
int xr_perf_serve_client(int argc, char **argv);

/**
 * Measure the floor RTT once: @p n cache-line ping-pongs between cpu_a
 * and cpu_b. @return mean round trip (ns), or a negative value if the
 * threads could not start.
 */
double xr_perf_floor_once(const struct xr_perf_opts *o, uint64_t n);

/**
 * One loopback TCP ping-pong round (perf/fix.c): @p n round trips of a
 * 200-byte message (TCP_NODELAY, blocking send/recv) from the calling
 * thread to an echo thread pinned to cpu_b, after 100 to warm up. With
 * @p samples (n entries) each round trip's ns is stored there.
 * @return mean round trip (ns), or -1 on a socket error.
 */
double xr_perf_tcp_rtt_once(const struct xr_perf_opts *o, uint64_t n, uint64_t *samples);

/**
 * One closed-loop run of `xroute-perf pipeline`'s workload (perf/pipeline.c:
 * 5 zero-latency sim venues, 100 users, @p n signals of `xroute gen`, files
 * in o->tmp_dir, removed after). @return signals/s, or -1 (message printed).
 */
double xr_perf_pipeline_closed_once(const struct xr_perf_opts *o, uint64_t n);

#endif /* XR_PERF_PVT_H */
