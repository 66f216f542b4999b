/*
 * Stress: the whole engine, multi-threaded, on a generated signal flow,
 * under every thread plan shape (one thread; the default 3-thread plan;
 * one thread per stage) with small rings so backpressure is exercised.
 * Checks the invariants after each run and exits non-zero on a violation.
 *
 * This is also the engine test of the ThreadSanitizer job: Criterion's
 * runner cannot start under TSan (Snaipe/Criterion issue #274), so the
 * threaded paths run here as a plain program.
 *
 * usage: stress_engine_pipeline [SIGNALS]   (default 200000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xr_config.h"
#include "xr_connector.h"
#include "xr_engine.h"

static const char *const plans[] = {
	"[threads]\nall.stages = ingress, validate, route, execute.*, aggregate, output\n"
	"all.wait = yield\n",
	"[threads]\nfront.stages = ingress, validate, route\nfront.wait = yield\n"
	"back.stages = execute.*, aggregate\nback.wait = yield\n"
	"io.stages = output\nio.wait = backoff\n",
	"[threads]\na.stages = ingress\nb.stages = validate\nc.stages = route\n"
	"d.stages = execute.v0\ne.stages = execute.v1\nf.stages = execute.v2\n"
	"g.stages = aggregate\nh.stages = output\n"
	"a.wait = yield\nb.wait = yield\nc.wait = yield\nd.wait = yield\n"
	"e.wait = yield\nf.wait = yield\ng.wait = yield\nh.wait = backoff\n",
};

static int
write_inputs(const char *dir, const char *plan, unsigned n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/xroute.ini", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "[engine]\nring_capacity = 64\nburst = 16\nmax_inflight_orders = 256\n"
		   "twap_notional = 50000\nsnapshot_interval_us = 50\n%s", plan);
	for (int v = 0; v < 3; v++)
		fprintf(f, "[venue v%d]\nfee_taker_bps = %d\nlatency_us = %d\njitter_us = 10\n"
			   "reject_prob = 0.01\nfail_prob = 0.005\nseed = %d\nsession_ms = 2\n"
			   "max_open_orders = 64\n"
			   "book.BTC-USD = mid=50000 tick=0.5 levels=20 level_qty=1\n"
			   "book.ETH-USD = mid=3000 tick=0.05 levels=20 level_qty=10\n",
			v, 1 + v, 5 + 10 * v, 7 + v);
	fprintf(f, "[user_defaults]\nrate_per_s = 100000\nburst = 1000\n"
		   "max_position = 400\n");
	for (int u = 0; u < 20; u++)
		fprintf(f, "[user u%02d]\n", u);
	fclose(f);

	snprintf(path, sizeof(path), "%s/signals.csv", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "ts_ns,signal_id,user,symbol,side,qty,order_type,limit_px,tif,"
		   "signal_type,strategy,max_slippage_bps\n");
	uint64_t x = 12345;
	static const char *const types[] = {"entry", "exit", "profit_take", "stop_loss"};
	static const char *const tifs[] = {"ioc", "day", "fok", "ioc"};
	for (unsigned i = 1; i <= n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		unsigned u = (unsigned)(x % 20), kind = (unsigned)(x >> 8) % 4;
		bool btc = (x >> 12) & 1, buy = (x >> 13) & 1, limit = (x >> 14) & 1;
		unsigned qty = 1 + (unsigned)((x >> 16) % 300);
		if (i % 997 == 0) {
			fprintf(f, "%u,%u,u%02u,BTC-USD,buy,not-a-number,market,,,entry,,\n",
				1000 + i, i, u);
			continue;
		}
		fprintf(f, "%u,%u,u%02u,%s,%s,%s%u.%02u,%s,", 1000 + i, i % 50000 ? i : 1, u,
			btc ? "BTC-USD" : "ETH-USD", buy ? "buy" : "sell", "", qty / 100, qty % 100,
			limit ? "limit" : "market");
		if (limit)
			fprintf(f, "%s,%s,", btc ? (buy ? "50001" : "49999") : (buy ? "3000.1" : "2999.9"),
				tifs[kind]);
		else
			fprintf(f, ",,");
		fprintf(f, "%s,,\n", types[kind]);
	}
	fclose(f);
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 200000;
	char dir[] = "/tmp/xr_stress_engine_XXXXXX", path[512], sig[512], err[512];
	int failures = 0;

	if (n == 0 || mkdtemp(dir) == NULL) {
		fprintf(stderr, "usage: %s [SIGNALS > 0]\n", argv[0]);
		return 2;
	}
	for (size_t p = 0; p < sizeof(plans) / sizeof(plans[0]); p++) {
		if (write_inputs(dir, plans[p], n) != 0) {
			perror(dir);
			return 2;
		}
		snprintf(path, sizeof(path), "%s/xroute.ini", dir);
		snprintf(sig, sizeof(sig), "%s/signals.csv", dir);
		struct xr_config *cfg = xr_config_load(path, xr_connector_schemas, err, sizeof(err));
		if (cfg == NULL) {
			fprintf(stderr, "%s\n", err);
			return 2;
		}
		struct xr_engine_io io = {.signals_path = sig, .max_parse_errors_logged = 1,
					  .drain_timeout_ms = 30000};
		struct xr_engine *e = xr_engine_create(cfg, &io, err, sizeof(err));
		if (e == NULL) {
			fprintf(stderr, "%s\n", err);
			return 2;
		}
		int rc = xr_engine_run(e, err, sizeof(err));
		const struct xr_summary *s = xr_engine_summary(e);
		uint64_t finals = s->filled + s->partially_filled + s->canceled + s->rejected +
				  s->failed;
		bool ok = rc == 0 && s->signals_read == n && s->unaccounted == 0 &&
			  s->duplicates == 0 && s->overfills == 0 && s->position_mismatches == 0 &&
			  finals == n && s->results == n;
		printf("plan %zu: %s  read %lu results %lu filled %lu partial %lu canceled %lu "
		       "rejected %lu failed %lu unaccounted %lu duplicates %lu overfills %lu "
		       "position_mismatches %lu stalls %lu/%lu %.0f signals/s\n",
		       p, ok ? "ok" : "VIOLATION", (unsigned long)s->signals_read,
		       (unsigned long)s->results, (unsigned long)s->filled,
		       (unsigned long)s->partially_filled, (unsigned long)s->canceled,
		       (unsigned long)s->rejected, (unsigned long)s->failed,
		       (unsigned long)s->unaccounted, (unsigned long)s->duplicates,
		       (unsigned long)s->overfills, (unsigned long)s->position_mismatches,
		       (unsigned long)s->ingress_stalls, (unsigned long)s->credit_stalls,
		       s->throughput_per_s);
		if (!ok) {
			if (rc != 0)
				fprintf(stderr, "plan %zu: %s\n", p, err);
			failures++;
		}
		xr_engine_destroy(e);
		xr_config_free(cfg);
	}
	unlink(path);
	unlink(sig);
	rmdir(dir);
	return failures ? 1 : 0;
}
