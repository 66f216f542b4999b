/*
 * pipeline: the whole engine (ingress -> validate -> route -> execute ->
 * aggregate -> output) with zero-latency simulated venues, on the default
 * two-thread plan pinned to cpu_a (ingress, validate, route) and cpu_b
 * (execute.*, aggregate, output), results counted but not written.
 *
 *   closed   signals replayed as fast as the pipeline takes them:
 *            throughput (signals/s), the median over rounds. Stage threads'
 *            bytes allocated inside their loops (jemalloc thread.allocatedp,
 *            via xr_engine_io.thread_allocated) per signal.
 *   open     signals replayed at their own timestamps (pace 1.0), generated
 *            at a fixed rate (default 50% of the closed-loop median), so each
 *            signal's latency runs from its intended send time (coordinated
 *            omission corrected): e2e p50/p99/p99.9/max and the per-stage
 *            p50/p99; e2e p50 also as a multiple of the floor RTT measured
 *            at the start of this subcommand.
 *   hiccups  the platform's own stalls, measured in the same run around the
 *            open-loop rounds: the spinning probe (xr_hiccup.h) pinned to
 *            cpu_a and cpu_b at once, before and after them (200 ms each,
 *            quick 100 ms), and the 1 ms sleeper while they run; each as a
 *            result line, and e2e p99/p99.9 as multiples of the probe's and
 *            the sleeper's p99/p99.9 (pipeline.open.e2e.vs_hiccup), with
 *            the router's p99/p99.9 (e2e minus the venue round trip, so
 *            without the wait of orders resting at their venue until
 *            session_ms) against the probe's.
 *   venues   cost per signal (ns = 1 / closed-loop throughput) for 1..64
 *            venues, each listing every symbol.
 *   users    the same for 1..1,000,000 users (xroute gen's Zipf activity).
 *
 * Config and signal files are written to --tmp (default /tmp) and removed.
 * Every run must end with every signal accounted for; a run that does not
 * fails the subcommand.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "perf_pvt.h"
#include "xr_alloc_probe.h"
#include "xr_config.h"
#include "xr_connector.h"
#include "xr_engine.h"
#include "xr_gen.h"
#include "xr_hiccup.h"

static const char *const xr__books[8] = {
	"BTC-USD = mid=50000 tick=0.5 levels=40 level_qty=50",
	"ETH-USD = mid=3000 tick=0.05 levels=40 level_qty=800",
	"SOL-USD = mid=150 tick=0.01 levels=30 level_qty=16700",
	"XRP-USD = mid=0.6 tick=0.0001 levels=30 level_qty=4170000",
	"DOGE-USD = mid=0.15 tick=0.00001 levels=25 level_qty=16670000",
	"ADA-USD = mid=0.45 tick=0.0001 levels=25 level_qty=5560000",
	"AVAX-USD = mid=35 tick=0.01 levels=20 level_qty=71400",
	"LINK-USD = mid=15 tick=0.001 levels=20 level_qty=166700",
};

struct xr__files {
	char cfg[512], sig[512];
};

static int
xr__write_config(const struct xr_perf_opts *o, const char *path, unsigned venues,
		 unsigned users)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	fprintf(f, "; xroute-perf pipeline: zero-latency sim venues\n"
		   "[engine]\nring_capacity = 4096\nburst = 32\nsnapshot_interval_us = 100\n"
		   "results_format = csv\n\n"
		   "[threads]\nfront.stages = ingress, validate, route\nfront.cpu = %d\n"
		   "front.wait = backoff\nback.stages = execute.*, aggregate, output\n"
		   "back.cpu = %d\nback.wait = backoff\n\n", o->cpu_a, o->cpu_b);
	for (unsigned v = 0; v < venues; v++) {
		fprintf(f, "[venue v%02u]\nconnector = sim\nfee_maker_bps = %u.00\n"
			   "fee_taker_bps = %u.50\nlatency_us = 0\njitter_us = 0\nseed = %u\n"
			   "session_ms = 1\nmax_open_orders = 65536\n", v, v % 3, 1 + v % 4,
			1000 + v);
		for (unsigned y = 0; y < 8; y++)
			fprintf(f, "book.%s\n", xr__books[y]);
		fputc('\n', f);
	}
	fprintf(f, "[user_defaults]\nrate_per_s = 10000000\nburst = 1000000\n"
		   "max_notional = 1000000000\nmax_order_qty = 1000000000\n"
		   "max_position = 1000000000\n\n");
	for (unsigned u = 1; u <= users; u++)
		fprintf(f, "[user u%03u]\n", u);
	if (fclose(f) != 0)
		return -errno;
	return 0;
}

static int
xr__write_signals(const char *path, uint64_t n, unsigned users, double rate)
{
	char sn[32], un[32], rn[32], out[512];
	snprintf(sn, sizeof(sn), "%" PRIu64, n);
	snprintf(un, sizeof(un), "%u", users);
	snprintf(rn, sizeof(rn), "%.0f", rate);
	snprintf(out, sizeof(out), "%s", path);
	char *argv[] = {"gen", "--signals", sn, "--users", un, "--symbols", "8",
			"--seed", "42", "--rate", rn, "-o", out, NULL};
	return xr_gen_main(13, argv) == 0 ? 0 : -EIO;
}

/* One engine run. @return 0 or -1 (message printed). */
static int
xr__run(const char *cfg_path, const char *sig_path, uint32_t speed_milli,
	struct xr_summary *out)
{
	char err[512];
	struct xr_config *cfg = xr_config_load(cfg_path, xr_connector_schemas, err, sizeof(err));
	if (cfg == NULL) {
		fprintf(stderr, "xroute-perf pipeline: %s\n", err);
		return -1;
	}
	struct xr_engine_io io = {
		.signals_path = sig_path,
		.replay_speed_milli = speed_milli,
		.thread_allocated = xr_alloc_probe_thread,
		.events_quiet = true, /* alerts would land mid-report */
	};
	struct xr_engine *e = xr_engine_create(cfg, &io, err, sizeof(err));
	int rc = -1;
	if (e == NULL) {
		fprintf(stderr, "xroute-perf pipeline: %s\n", err);
		goto out;
	}
	if (xr_engine_run(e, err, sizeof(err)) != 0) {
		fprintf(stderr, "xroute-perf pipeline: run: %s\n", err);
		goto out;
	}
	*out = *xr_engine_summary(e);
	if (out->unaccounted || out->duplicates || out->overfills ||
	    out->position_mismatches) {
		fprintf(stderr, "xroute-perf pipeline: broken invariant: unaccounted %" PRIu64
			" duplicates %" PRIu64 " overfills %" PRIu64 " positions %" PRIu64 "\n",
			out->unaccounted, out->duplicates, out->overfills,
			out->position_mismatches);
		goto out;
	}
	rc = 0;
out:
	xr_engine_destroy(e);
	xr_config_free(cfg);
	return rc;
}

static double
xr__alloc_per_signal(const struct xr_summary *s)
{
	uint64_t bytes = 0;
	for (uint32_t i = 0; i < s->n_threads; i++) {
		if (!s->threads[i].alloc_measured)
			return -1;
		bytes += s->threads[i].alloc_bytes;
	}
	return s->signals_read ? (double)bytes / (double)s->signals_read : 0;
}

/* Closed-loop runs: @return median throughput (signals/s) or -1. */
static double
xr__closed(const struct xr_perf_opts *o, const struct xr__files *fl, unsigned venues,
	   unsigned users, uint64_t n, unsigned rounds, double *v, double *alloc_max)
{
	if (xr__write_config(o, fl->cfg, venues, users) != 0 ||
	    xr__write_signals(fl->sig, n, users, 50000) != 0) {
		fprintf(stderr, "xroute-perf pipeline: cannot write %s or %s\n", fl->cfg, fl->sig);
		return -1;
	}
	double amax = 0;
	for (unsigned r = 0; r < rounds; r++) {
		struct xr_summary s;
		if (xr__run(fl->cfg, fl->sig, 0, &s) != 0)
			return -1;
		v[r] = s.throughput_per_s;
		double a = xr__alloc_per_signal(&s);
		if (a > amax || a < 0)
			amax = a;
	}
	if (alloc_max != NULL)
		*alloc_max = amax;
	double tmp[64];
	memcpy(tmp, v, rounds * sizeof(double));
	return xr_perf_median(tmp, rounds);
}

double
xr_perf_pipeline_closed_once(const struct xr_perf_opts *o, uint64_t n)
{
	struct xr__files fl;
	double v[1];

	snprintf(fl.cfg, sizeof(fl.cfg), "%s/xroute-perf-closed-%d.ini", o->tmp_dir,
		 (int)getpid());
	snprintf(fl.sig, sizeof(fl.sig), "%s/xroute-perf-closed-%d.csv", o->tmp_dir,
		 (int)getpid());
	double rate = xr__closed(o, &fl, 5, 100, n, 1, v, NULL);
	unlink(fl.cfg);
	unlink(fl.sig);
	return rate;
}

static void
xr__stage(struct xr_perf_result *res, const char *p50, const char *p99,
	  const struct xr_latency *l)
{
	xr_perf_result_extra(res, p50, (double)l->p50);
	xr_perf_result_extra(res, p99, (double)l->p99);
}

/* The hiccup meters of one pipeline run: the probe on cpu_a and cpu_b
 * before and after the open-loop rounds, the sleeper during them. */
struct xr__hiccups {
	struct xr_hiccup_meter *before[2], *after[2], *sleeper;
	struct xr_hiccup_sleeper *running;
};

static void
xr__hiccups_free(struct xr__hiccups *h)
{
	xr_hiccup_sleeper_stop(h->running);
	h->running = NULL;
	for (int i = 0; i < 2; i++) {
		xr_hiccup_meter_destroy(h->before[i]);
		xr_hiccup_meter_destroy(h->after[i]);
	}
	xr_hiccup_meter_destroy(h->sleeper);
}

static int
xr__hiccups_create(const struct xr_perf_opts *o, struct xr__hiccups *h)
{
	int cpu[2] = {o->cpu_a, o->cpu_b};

	memset(h, 0, sizeof(*h));
	for (int i = 0; i < 2; i++) {
		h->before[i] = xr_hiccup_meter_create(cpu[i]);
		h->after[i] = xr_hiccup_meter_create(cpu[i]);
	}
	h->sleeper = xr_hiccup_meter_create(-1);
	if (h->before[0] == NULL || h->before[1] == NULL || h->after[0] == NULL ||
	    h->after[1] == NULL || h->sleeper == NULL) {
		fprintf(stderr, "xroute-perf pipeline: hiccup meters: %s\n", strerror(errno));
		xr__hiccups_free(h);
		return -1;
	}
	return 0;
}

/* The spinning probe on both engine CPUs at once. A CPU that cannot be
 * pinned to is reported and left unmeasured (its line says so). */
static void
xr__hiccups_probe(const struct xr_perf_opts *o, struct xr_hiccup_meter *const *m)
{
	struct xr_hiccup_cfg cfg = {.duration_ns = o->quick ? 100000000u : 200000000u};
	int rc = xr_hiccup_probe_run(m, 2, &cfg);

	if (rc != 0)
		fprintf(stderr, "xroute-perf pipeline: hiccup probe on cpus %d,%d: %s\n", o->cpu_a,
			o->cpu_b, strerror(-rc));
}

/* e2e / hiccup, or NaN if the hiccup figure is 0 (nothing recorded). */
static double
xr__vs(double e2e, uint64_t hiccup_ns)
{
	return hiccup_ns ? e2e / (double)hiccup_ns : NAN;
}

static void
xr__extra_ratio(struct xr_perf_result *r, const char *key, double v)
{
	if (!isnan(v))
		xr_perf_result_extra(r, key, v);
}

/*
 * Report the hiccup meters: a human block (before and after apart), one
 * result per CPU (before and after merged), one for both CPUs, one for
 * the sleeper, and the open loop's e2e p99/p99.9 against them, and the
 * router's (e2e minus the venue round trip: what the engine itself adds,
 * without a resting order's wait at its venue) likewise.
 * @return 0, or -1 (message printed).
 */
static int
xr__hiccups_report(const struct xr_perf_opts *o, const struct xr__hiccups *h,
		   unsigned rounds, double e2e_p99, double e2e_p999, double router_p99,
		   double router_p999)
{
	int cpu[2] = {o->cpu_a, o->cpu_b};
	struct xr_hiccup_stats st, sb, sa, probe, sleep;
	struct xr_perf_result res;
	char label[32], name[64];
	int rc = -1;

	printf("  hiccups (docs/perf.md \"Hiccups\")  samples: gaps >= 1 us (probe), "
	       "wakes (sleeper)\n");
	for (int i = 0; i < 2; i++) {
		xr_hiccup_meter_stats(h->before[i], &sb);
		xr_hiccup_meter_stats(h->after[i], &sa);
		snprintf(label, sizeof(label), "cpu %d before", cpu[i]);
		xr_hiccup_print(stdout, label, &sb);
		snprintf(label, sizeof(label), "cpu %d after", cpu[i]);
		xr_hiccup_print(stdout, label, &sa);
	}
	xr_hiccup_meter_stats(h->sleeper, &sleep);
	xr_hiccup_print(stdout, "sleeper 1 ms", &sleep);

	struct xr_hiccup_meter *all = xr_hiccup_meter_create(cpu[0]);
	struct xr_hiccup_meter *one = xr_hiccup_meter_create(cpu[0]);
	if (all == NULL || one == NULL) {
		fprintf(stderr, "xroute-perf pipeline: hiccup meters: %s\n", strerror(errno));
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		xr_hiccup_meter_destroy(one);
		one = xr_hiccup_meter_create(cpu[i]);
		if (one == NULL) {
			fprintf(stderr, "xroute-perf pipeline: hiccup meters: %s\n", strerror(errno));
			goto out;
		}
		xr_hiccup_meter_merge(one, h->before[i]);
		xr_hiccup_meter_merge(one, h->after[i]);
		xr_hiccup_meter_merge(all, h->before[i]);
		xr_hiccup_meter_merge(all, h->after[i]);
		xr_hiccup_meter_stats(one, &st);
		xr_hiccup_meter_stats(h->before[i], &sb);
		xr_hiccup_meter_stats(h->after[i], &sa);
		snprintf(name, sizeof(name), "pipeline.hiccup.probe.cpu%d", cpu[i]);
		xr_perf_result_hiccup(&res, name, &st);
		xr_perf_result_extra(&res, "before_lost_ppm", (double)sb.lost_ppm);
		xr_perf_result_extra(&res, "after_lost_ppm", (double)sa.lost_ppm);
		if (xr_perf_emit(o, &res))
			goto out;
	}
	xr_hiccup_meter_stats(all, &probe);
	xr_perf_result_hiccup(&res, "pipeline.hiccup.probe", &probe);
	if (xr_perf_emit(o, &res))
		goto out;
	xr_perf_result_hiccup(&res, "pipeline.hiccup.sleeper", &sleep);
	xr_perf_result_extra(&res, "interval_ns", (double)XR_HICCUP_INTERVAL_NS);
	if (xr_perf_emit(o, &res))
		goto out;

	/* The open loop's e2e tail as a multiple of the platform's own. */
	double p99_probe = xr__vs(e2e_p99, probe.p99_ns);
	xr_perf_result_init(&res, "pipeline.open.e2e.vs_hiccup", "x");
	res.median = res.min = res.max = isnan(p99_probe) ? 0 : p99_probe;
	res.rounds = rounds;
	xr_perf_result_extra(&res, "e2e_p99", e2e_p99);
	xr_perf_result_extra(&res, "e2e_p999", e2e_p999);
	xr_perf_result_extra(&res, "probe_p99", (double)probe.p99_ns);
	xr_perf_result_extra(&res, "probe_p999", (double)probe.p999_ns);
	xr_perf_result_extra(&res, "sleeper_p99", (double)sleep.p99_ns);
	xr_perf_result_extra(&res, "sleeper_p999", (double)sleep.p999_ns);
	xr__extra_ratio(&res, "p99_vs_probe", p99_probe);
	xr__extra_ratio(&res, "p999_vs_probe", xr__vs(e2e_p999, probe.p999_ns));
	xr__extra_ratio(&res, "p99_vs_sleeper", xr__vs(e2e_p99, sleep.p99_ns));
	xr__extra_ratio(&res, "p999_vs_sleeper", xr__vs(e2e_p999, sleep.p999_ns));
	xr_perf_result_extra(&res, "router_p99", router_p99);
	xr_perf_result_extra(&res, "router_p999", router_p999);
	xr__extra_ratio(&res, "router_p99_vs_probe", xr__vs(router_p99, probe.p99_ns));
	xr__extra_ratio(&res, "router_p999_vs_probe", xr__vs(router_p999, probe.p999_ns));
	if (xr_perf_emit(o, &res))
		goto out;
	rc = 0;
out:
	xr_hiccup_meter_destroy(one);
	xr_hiccup_meter_destroy(all);
	return rc;
}

/*
 * Cost per signal (ns = 1 / closed-loop throughput) as one dimension
 * ("venues": 100 users; "users": 5 venues) takes each of @p counts.
 * @return 0, or -1 (message printed).
 */
static int
xr__scale(const struct xr_perf_opts *o, const struct xr__files *fl, const char *dim,
	  const unsigned *counts, size_t n_counts, uint64_t n, unsigned rounds)
{
	bool venues = strcmp(dim, "venues") == 0;
	double v[64], base = 0;

	for (size_t i = 0; i < n_counts; i++) {
		if (xr__closed(o, fl, venues ? counts[i] : 5, venues ? 100 : counts[i], n,
			       rounds, v, NULL) < 0)
			return -1;
		for (unsigned r = 0; r < rounds; r++)
			v[r] = 1e9 / v[r];
		char name[64];
		struct xr_perf_result res;
		snprintf(name, sizeof(name), "pipeline.scale.%s.%u", dim, counts[i]);
		xr_perf_result_init(&res, name, "ns/signal");
		xr_perf_result_stats(&res, v, rounds);
		if (i == 0)
			base = res.median;
		xr_perf_result_extra(&res, dim, counts[i]);
		xr_perf_result_extra(&res, "vs_first", res.median / base);
		if (xr_perf_emit(o, &res))
			return -1;
	}
	return 0;
}

int
xr_perf_pipeline(const struct xr_perf_opts *o)
{
	unsigned rounds = o->rounds ? o->rounds : (o->quick ? 1 : 5);
	unsigned scale_rounds = o->rounds ? o->rounds : (o->quick ? 1 : 3);
	uint64_t n = o->signals ? o->signals : (o->quick ? 200000 : 2000000);
	uint64_t n_scale = o->quick ? 100000 : 1000000;
	struct xr__files fl;
	struct xr_perf_result res;
	struct xr__hiccups hic;
	double v[64];
	int rc = 1;

	if (xr__hiccups_create(o, &hic) != 0)
		return 1;

	snprintf(fl.cfg, sizeof(fl.cfg), "%s/xroute-perf-%d.ini", o->tmp_dir, (int)getpid());
	snprintf(fl.sig, sizeof(fl.sig), "%s/xroute-perf-%d.csv", o->tmp_dir, (int)getpid());

	double floor_ns[8];
	for (unsigned r = 0; r < 3; r++)
		floor_ns[r] = xr_perf_floor_once(o, o->quick ? 100000 : 1000000);
	double floor_rtt = xr_perf_median(floor_ns, 3);

	xr_perf_header("pipeline: whole engine, zero-latency sim venues, 2-thread plan");

	/* Closed loop: 5 venues, 100 users. */
	double alloc = 0;
	double max_rate = xr__closed(o, &fl, 5, 100, n, rounds, v, &alloc);
	if (max_rate < 0)
		goto out;
	xr_perf_result_init(&res, "pipeline.closed.throughput", "signals/s");
	xr_perf_result_stats(&res, v, rounds);
	xr_perf_result_extra(&res, "signals", (double)n);
	xr_perf_result_extra(&res, "venues", 5);
	xr_perf_result_extra(&res, "users", 100);
	xr_perf_result_extra(&res, "alloc_bytes_per_signal", alloc);
	if (xr_perf_emit(o, &res))
		goto out;

	/* Open loop at a fixed rate. */
	double rate = o->pipeline_rate > 0 ? o->pipeline_rate : max_rate / 2;
	if (xr__write_signals(fl.sig, n, 100, rate) != 0) {
		fprintf(stderr, "xroute-perf pipeline: cannot write %s\n", fl.sig);
		goto out;
	}
	double e2e50[64], e2e99[64], e2e999[64], e2emax[64], ratio[64];
	double rt99[64], rt999[64];
	struct xr_summary last;
	/* Hiccups: the probe on the engine's CPUs before and after the rounds,
	 * the sleeper during them. */
	xr__hiccups_probe(o, hic.before);
	hic.running = xr_hiccup_sleeper_start(hic.sleeper, NULL);
	if (hic.running == NULL) {
		fprintf(stderr, "xroute-perf pipeline: hiccup sleeper: %s\n", strerror(errno));
		goto out;
	}
	for (unsigned r = 0; r < rounds; r++) {
		if (xr__run(fl.cfg, fl.sig, 1000, &last) != 0)
			goto out;
		e2e50[r] = (double)last.e2e.p50;
		e2e99[r] = (double)last.e2e.p99;
		rt99[r] = (double)last.router.p99;
		rt999[r] = (double)last.router.p999;
		e2e999[r] = (double)last.e2e.p999;
		e2emax[r] = (double)last.e2e.max;
		ratio[r] = e2e50[r] / floor_rtt;
	}
	xr_hiccup_sleeper_stop(hic.running);
	hic.running = NULL;
	xr__hiccups_probe(o, hic.after);
	xr_perf_result_init(&res, "pipeline.open.e2e.p50", "ns");
	xr_perf_result_stats(&res, e2e50, rounds);
	res.ratio_vs_floor = xr_perf_median(ratio, rounds);
	xr_perf_result_extra(&res, "rate_per_s", rate);
	xr_perf_result_extra(&res, "floor_rtt_ns", floor_rtt);
	xr_perf_result_extra(&res, "e2e_p99", xr_perf_median(e2e99, rounds));
	xr_perf_result_extra(&res, "e2e_p999", xr_perf_median(e2e999, rounds));
	xr_perf_result_extra(&res, "e2e_max", xr_perf_median(e2emax, rounds));
	if (xr_perf_emit(o, &res))
		goto out;
	/* Per-stage breakdown of the last open-loop round. */
	xr_perf_result_init(&res, "pipeline.open.stages", "ns");
	res.median = res.min = res.max = (double)last.router.p50;
	res.rounds = 1;
	xr__stage(&res, "queue_p50", "queue_p99", &last.queue);
	xr__stage(&res, "validate_p50", "validate_p99", &last.validate);
	xr__stage(&res, "route_p50", "route_p99", &last.route);
	xr__stage(&res, "venue_p50", "venue_p99", &last.venue);
	xr__stage(&res, "aggregate_p50", "aggregate_p99", &last.aggregate);
	xr__stage(&res, "router_p50", "router_p99", &last.router);
	if (xr_perf_emit(o, &res))
		goto out;
	if (xr__hiccups_report(o, &hic, rounds, xr_perf_median(e2e99, rounds),
			       xr_perf_median(e2e999, rounds), xr_perf_median(rt99, rounds),
			       xr_perf_median(rt999, rounds)) != 0)
		goto out;

	/* Scaling: venues, then users. */
	static const unsigned venues_full[] = {1, 2, 4, 8, 16, 32, 64};
	static const unsigned venues_quick[] = {1, 8, 64};
	static const unsigned users_full[] = {1, 100, 10000, 1000000};
	static const unsigned users_quick[] = {1, 1000000};
	if (xr__scale(o, &fl, "venues", o->quick ? venues_quick : venues_full,
		      o->quick ? 3 : 7, n_scale, scale_rounds) != 0 ||
	    xr__scale(o, &fl, "users", o->quick ? users_quick : users_full,
		      o->quick ? 2 : 4, n_scale, scale_rounds) != 0)
		goto out;
	rc = 0;
out:
	xr__hiccups_free(&hic);
	unlink(fl.cfg);
	unlink(fl.sig);
	return rc;
}
