/*
 * xroute-perf journal: what the durable journal costs (docs/perf.md
 * "journal"). The whole engine on zero-latency sim venues (5 venues, 100
 * users, the 2-thread plan), each round run twice, journal off then on
 * ([journal] sync = batch, a fresh file each time), interleaved so both
 * see the same host:
 *
 *   journal.closed.throughput  signals/s with the journal on; extras: the
 *                              same with it off, their ratio, and the
 *                              journal's records/s (records over the
 *                              run's time, and over the writer's time
 *                              inside transactions: its capacity)
 *   journal.open.e2e.p99       e2e p99 with the journal on at a fixed
 *                              rate (--rate, default 100000/s); extras:
 *                              off, and the ratio on/off (median of the
 *                              per-round ratios: the target is <= 1.2)
 *
 * Every run's invariants must hold and its journal must have no errors,
 * or the benchmark fails.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "perf_pvt.h"
#include "xr_config.h"
#include "xr_connector.h"
#include "xr_engine.h"
#include "xr_gen.h"

struct xr__jfiles {
	char cfg_off[512], cfg_on[512], sig[512], db[512], ring[520];
};

static int
xr__jconfig(const struct xr_perf_opts *o, const char *path, const char *db)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -errno;
	fprintf(f, "; xroute-perf journal\n"
		   "[engine]\nring_capacity = 4096\nburst = 32\nsnapshot_interval_us = 100\n\n"
		   "[threads]\nfront.stages = ingress, validate, route\nfront.cpu = %d\n"
		   "front.wait = backoff\nback.stages = execute.*, aggregate, output\n"
		   "back.cpu = %d\nback.wait = backoff\n\n",
		o->cpu_a, o->cpu_b);
	if (db != NULL)
		fprintf(f, "[journal]\npath = %s\nsync = batch\n\n", db);
	for (unsigned v = 0; v < 5; v++) {
		fprintf(f, "[venue v%02u]\nfee_taker_bps = %u.50\nlatency_us = 0\njitter_us = 0\n"
			   "seed = %u\nsession_ms = 1\nmax_open_orders = 65536\n",
			v, 1 + v % 4, 1000 + v);
		static const char *const books[] = {
			"BTC-USD = mid=50000 tick=0.5 levels=20 level_qty=2",
			"ETH-USD = mid=3000 tick=0.05 levels=20 level_qty=30",
			"SOL-USD = mid=150 tick=0.01 levels=20 level_qty=660",
			"XRP-USD = mid=0.6 tick=0.0001 levels=25 level_qty=170000",
			"DOGE-USD = mid=0.15 tick=0.00001 levels=25 level_qty=660000",
			"ADA-USD = mid=0.45 tick=0.0001 levels=25 level_qty=220000",
			"AVAX-USD = mid=35 tick=0.01 levels=20 level_qty=2800",
			"LINK-USD = mid=15 tick=0.001 levels=20 level_qty=6600",
		};
		for (unsigned y = 0; y < 8; y++)
			fprintf(f, "book.%s\n", books[y]);
		fputc('\n', f);
	}
	fprintf(f, "[user_defaults]\nrate_per_s = 10000000\nburst = 1000000\n"
		   "max_notional = 1000000000\nmax_order_qty = 1000000000\n"
		   "max_position = 1000000000\n\n");
	for (unsigned u = 1; u <= 100; u++)
		fprintf(f, "[user u%03u]\n", u);
	return fclose(f) != 0 ? -errno : 0;
}

static int
xr__jsignals(const char *path, uint64_t n, double rate)
{
	char sn[32], rn[32], out[512];

	snprintf(sn, sizeof(sn), "%" PRIu64, n);
	snprintf(rn, sizeof(rn), "%.0f", rate);
	snprintf(out, sizeof(out), "%s", path);
	char *argv[] = {"gen", "--signals", sn, "--users", "100", "--symbols", "8",
			"--seed", "42", "--rate", rn, "-o", out, NULL};
	return xr_gen_main(13, argv) == 0 ? 0 : -EIO;
}

/* One run; a fresh journal when @p on. @return 0 or -1 (printed). */
static int
xr__jrun(const struct xr__jfiles *fl, bool on, uint32_t speed_milli, struct xr_summary *out)
{
	char err[512];

	if (on) {
		unlink(fl->db);
		unlink(fl->ring);
	}
	struct xr_config *cfg = xr_config_load(on ? fl->cfg_on : fl->cfg_off,
					       xr_connector_schemas, err, sizeof(err));
	if (cfg == NULL) {
		fprintf(stderr, "xroute-perf journal: %s\n", err);
		return -1;
	}
	struct xr_engine_io io = {
		.signals_path = fl->sig,
		.replay_speed_milli = speed_milli,
		.events_quiet = true,
	};
	struct xr_engine *e = xr_engine_create(cfg, &io, err, sizeof(err));
	int rc = -1;
	if (e == NULL || xr_engine_run(e, err, sizeof(err)) != 0) {
		fprintf(stderr, "xroute-perf journal: %s\n", err);
		goto out;
	}
	*out = *xr_engine_summary(e);
	if (out->unaccounted || out->duplicates || out->overfills || out->position_mismatches ||
	    out->journal_errors) {
		fprintf(stderr, "xroute-perf journal: broken invariant or journal error (journal %s)\n",
			on ? "on" : "off");
		goto out;
	}
	rc = 0;
out:
	xr_engine_destroy(e);
	xr_config_free(cfg);
	return rc;
}

int
xr_perf_journal(const struct xr_perf_opts *o)
{
	unsigned rounds = o->rounds ? o->rounds : (o->quick ? 1 : 5);
	uint64_t n = o->signals ? o->signals : (o->quick ? 50000 : 1000000);
	double rate = o->pipeline_rate > 0 ? o->pipeline_rate : 100000;
	struct xr__jfiles fl;
	struct xr_perf_result res;
	int pid = (int)getpid(), rc = 1;

	if (rounds > 64)
		rounds = 64;
	snprintf(fl.cfg_off, sizeof(fl.cfg_off), "%s/xroute-perf-j-%d-off.ini", o->tmp_dir, pid);
	snprintf(fl.cfg_on, sizeof(fl.cfg_on), "%s/xroute-perf-j-%d-on.ini", o->tmp_dir, pid);
	snprintf(fl.sig, sizeof(fl.sig), "%s/xroute-perf-j-%d.csv", o->tmp_dir, pid);
	snprintf(fl.db, sizeof(fl.db), "%s/xroute-perf-j-%d.db", o->tmp_dir, pid);
	snprintf(fl.ring, sizeof(fl.ring), "%s-ring", fl.db);
	if (xr__jconfig(o, fl.cfg_off, NULL) != 0 || xr__jconfig(o, fl.cfg_on, fl.db) != 0 ||
	    xr__jsignals(fl.sig, n, rate) != 0) {
		fprintf(stderr, "xroute-perf journal: cannot write its files in %s\n", o->tmp_dir);
		goto out;
	}
	xr_perf_header("journal: the whole engine with the journal off, then on (sync = batch)");

	/* Closed loop. */
	double thr_on[64], thr_off[64], ratio[64], rec_s[64], cap_s[64], stalls[64];
	for (unsigned r = 0; r < rounds; r++) {
		struct xr_summary off, on;
		if (xr__jrun(&fl, false, 0, &off) != 0 || xr__jrun(&fl, true, 0, &on) != 0)
			goto out;
		thr_off[r] = off.throughput_per_s;
		thr_on[r] = on.throughput_per_s;
		ratio[r] = thr_on[r] / thr_off[r];
		double secs = (double)on.signals_read / on.throughput_per_s;
		rec_s[r] = (double)on.journal_records / secs;
		cap_s[r] = on.journal_busy_ns
				   ? (double)on.journal_records * 1e9 / (double)on.journal_busy_ns
				   : 0;
		stalls[r] = (double)on.journal_stalls;
	}
	xr_perf_result_init(&res, "journal.closed.throughput", "signals/s");
	xr_perf_result_stats(&res, thr_on, rounds);
	xr_perf_result_extra(&res, "off_signals_per_s", xr_perf_median(thr_off, rounds));
	xr_perf_result_extra(&res, "ratio_on_off", xr_perf_median(ratio, rounds));
	xr_perf_result_extra(&res, "records_per_s", xr_perf_median(rec_s, rounds));
	xr_perf_result_extra(&res, "writer_records_per_s", xr_perf_median(cap_s, rounds));
	xr_perf_result_extra(&res, "journal_stalls", xr_perf_median(stalls, rounds));
	xr_perf_result_extra(&res, "signals", (double)n);
	if (xr_perf_emit(o, &res))
		goto out;

	/* Open loop at one rate. */
	double p99_on[64], p99_off[64], p50_on[64], p50_off[64];
	for (unsigned r = 0; r < rounds; r++) {
		struct xr_summary off, on;
		if (xr__jrun(&fl, false, 1000, &off) != 0 || xr__jrun(&fl, true, 1000, &on) != 0)
			goto out;
		p99_off[r] = (double)off.e2e.p99;
		p99_on[r] = (double)on.e2e.p99;
		p50_off[r] = (double)off.e2e.p50;
		p50_on[r] = (double)on.e2e.p50;
		ratio[r] = p99_on[r] / p99_off[r];
	}
	xr_perf_result_init(&res, "journal.open.e2e.p99", "ns");
	xr_perf_result_stats(&res, p99_on, rounds);
	xr_perf_result_extra(&res, "rate_per_s", rate);
	xr_perf_result_extra(&res, "off_p99", xr_perf_median(p99_off, rounds));
	xr_perf_result_extra(&res, "ratio_on_off", xr_perf_median(ratio, rounds));
	xr_perf_result_extra(&res, "on_p50", xr_perf_median(p50_on, rounds));
	xr_perf_result_extra(&res, "off_p50", xr_perf_median(p50_off, rounds));
	if (xr_perf_emit(o, &res))
		goto out;
	rc = 0;
out:
	unlink(fl.cfg_off);
	unlink(fl.cfg_on);
	unlink(fl.sig);
	unlink(fl.db);
	unlink(fl.ring);
	char wal[530], shm[530];
	snprintf(wal, sizeof(wal), "%s-wal", fl.db);
	snprintf(shm, sizeof(shm), "%s-shm", fl.db);
	unlink(wal);
	unlink(shm);
	return rc;
}
