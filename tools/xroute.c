/*
 * xroute: the command-line launcher.
 *
 *   xroute run -c FILE --signals FILE [--out FILE] [--summary-json FILE]
 *              [--hist-dir DIR] [--pace SPEED] [--pace-max-gap-ms MS]
 *              [--drain-timeout-ms MS]
 *              [--events FILE] [--positions FILE] [--control FILE]
 *              [--overload wait|reject] [--no-hiccup] [--hiccup-probe-ms MS]
 *   xroute serve -c FILE [--signals FILE] [--summary-json FILE] [--hist-dir DIR]
 *              [--pace SPEED] [--drain-timeout-ms MS] [--events FILE]
 *              [--positions FILE] [--control FILE] [--no-hiccup]
 *   xroute check -c FILE
 *   xroute gen --signals N --users U --symbols S --seed X -o FILE
 *   xroute journal query|export|salvage|check ... (xr_journal_cli.h)
 *   xroute sim-venue -c FILE --venue NAME --listen [HOST:]PORT [options]
 *              (tools/sim_venue.c: a sim venue as a FIX acceptor process)
 *   xroute --help | --version
 *
 * run: SIGHUP re-reads the config file and publishes its route parameters
 * without stopping (docs/config.md "Hot reload"); the handler only sets a
 * flag that the engine's owner thread takes within 1 ms. --control FILE is
 * a script of operator commands, "MS COMMAND" per line, that a control
 * thread gives the engine (xr_engine_control()) MS milliseconds after the
 * run starts (docs/failover.md "Control").
 *
 * run also measures the platform's own hiccups (xr_hiccup.h, docs/perf.md
 * "Hiccups"): the spinning probe on every CPU of the thread plan at once
 * for --hiccup-probe-ms (default 50) before the engine starts and again
 * after it stops, and the 1 ms sleeper while it runs; the summary prints
 * them after the engine's figures and --summary-json adds them as
 * "hiccup". --no-hiccup leaves them out.
 *
 * serve: the same engine as a service (docs/serve.md): strategies trade
 * through it while it runs, as shared-memory clients ([client NAME]), FIX
 * sessions ([fix_client NAME]) and the signal file if given. It tells a
 * service manager it is ready once every venue's first state is known and
 * the sockets listen (sd_notify READY=1; Type=notify in docs/deploy.md's
 * unit), pings its watchdog from the owner loop when WatchdogSec is set,
 * and says STOPPING=1 when a stop signal comes. It runs until SIGTERM or
 * SIGINT, which drain it as they end a run.
 *
 * run: SIGTERM or SIGINT stops intake and ends the run in order (open
 * orders settled by [engine] stop_policy and exit_orders, bounded by the
 * drain timeout; results, summary, positions and histograms written; FIX
 * sessions log out); a second one ends the process at once.
 *
 * Exit status: 0 success, including a run ended by SIGTERM or SIGINT;
 * 1 the run failed or broke an invariant (unaccounted or duplicated
 * results, overfills, positions != fills); 2 usage or configuration error
 * (the message names file:line, section and key); 3 the books are
 * complete but some signals ended "unknown": a child order was still in
 * doubt at a venue at the end (the summary names each, by signal and
 * ClOrdID).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "xr_alloc_probe.h"
#include "xr_config.h"
#include "xr_connector.h"
#include "xr_engine.h"
#include "xr_gen.h"
#include "xr_hiccup.h"
#include "xr_journal_cli.h"
#include "xr_types.h"
#include "sim_venue.h"

#define XR_VERSION "0.1.0"

/* Reload requests: set by the SIGHUP handler, taken (exchanged to 0) by the
 * engine's owner loop through xr_engine_io.reload_request. Static storage,
 * so a signal at any time, on any thread, touches nothing that is freed. */
static _Atomic int xr__reload_request;

_Static_assert(ATOMIC_INT_LOCK_FREE == 2,
	       "a signal handler may only touch lock-free atomics (C17 7.14.1.1)");

static void
xr__on_sighup(int sig)
{
	(void)sig;
	/* Relaxed: the flag carries no data (the owner reads the file after
	 * taking it; reload.c xr_reload_poll). Async-signal-safe. */
	atomic_store_explicit(&xr__reload_request, 1, memory_order_relaxed);
}

/* SIGHUP asks for a reload instead of ending the process; SA_RESTART so
 * the owner's reads and writes are not cut short. Stage threads block
 * SIGHUP (engine/runner.c). @return 0 or -errno. */
static int
xr__install_sighup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = xr__on_sighup;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	return sigaction(SIGHUP, &sa, NULL) == 0 ? 0 : -errno;
}

/* Stop requests: the SIGTERM or SIGINT handler stores its signal number,
 * the engine's owner loop takes it (xr_engine_io.stop_request) and ends
 * the run in order: intake stops, open orders are settled, every result,
 * the summary and positions are written, FIX sessions log out. A second
 * signal of either kind ends the process at once (SA_RESETHAND). */
static _Atomic int xr__stop_request;

static void
xr__on_stop(int sig)
{
	/* Relaxed: the number is the only data. Async-signal-safe. */
	atomic_store_explicit(&xr__stop_request, sig, memory_order_relaxed);
}

/* @return 0 or -errno. */
static int
xr__install_stop(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = xr__on_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_RESETHAND;
	if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
		return -errno;
	return 0;
}

/* ---- control script (--control FILE) ---- */

/** One scripted operator command. */
struct xr__cmd {
	uint64_t at_ms;		/* after the run starts */
	char text[128];		/* the command (xr_engine_control()) */
	uint32_t line;
};

/** The control thread's state. */
struct xr__script {
	const char *path;
	struct xr__cmd *cmds;
	uint32_t n;
	struct xr_engine *e;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;		/* under mu: the run ended */
	uint64_t start_ns;	/* under mu: the run's clock origin, 0 before */
	uint32_t failed;	/* commands the engine refused */
};

/*
 * Read and check a control script: "MS COMMAND" per line, MS in ms after
 * the run starts, non-decreasing; blank lines and lines starting with '#'
 * are skipped. @return 0, or -1 with a message naming FILE:LINE.
 */
static int
xr__script_load(struct xr__script *sc, const struct xr_config *cfg)
{
	FILE *f = fopen(sc->path, "r");
	char line[256], err[256];
	uint32_t lineno = 0, cap = 0;
	uint64_t last = 0;

	if (f == NULL) {
		fprintf(stderr, "xroute: %s: %s\n", sc->path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		char *p = line, *end;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || *p == '\n' || *p == '\0')
			continue;
		errno = 0;
		unsigned long long ms = strtoull(p, &end, 10);
		if (end == p || errno != 0 || (*end != ' ' && *end != '\t') || ms < last) {
			fprintf(stderr, "xroute: %s:%u: expected \"MS COMMAND\" with MS a whole "
				"number of ms, not before the line above\n", sc->path, lineno);
			fclose(f);
			return -1;
		}
		end[strcspn(end, "\r\n")] = '\0';
		if (xr_engine_control_check(cfg, end, err, sizeof(err)) != 0) {
			fprintf(stderr, "xroute: %s:%u: %s\n", sc->path, lineno, err);
			fclose(f);
			return -1;
		}
		if (sc->n == cap) {
			cap = cap ? 2 * cap : 16;
			struct xr__cmd *c = realloc(sc->cmds, cap * sizeof(*c));
			if (c == NULL) {
				fprintf(stderr, "xroute: %s: out of memory\n", sc->path);
				fclose(f);
				return -1;
			}
			sc->cmds = c;
		}
		struct xr__cmd *c = &sc->cmds[sc->n++];
		c->at_ms = last = ms;
		c->line = lineno;
		snprintf(c->text, sizeof(c->text), "%s", end);
	}
	fclose(f);
	return 0;
}

/* xr_engine_io.on_start: the run's clock starts; wake the control thread. */
static void
xr__script_start(void *arg, uint64_t start_ns)
{
	struct xr__script *sc = arg;

	pthread_mutex_lock(&sc->mu);
	sc->start_ns = start_ns;
	pthread_cond_signal(&sc->cv);
	pthread_mutex_unlock(&sc->mu);
}

/* The control thread: each command at its time after the run's start
 * (the events' t_s origin), until the run ends. */
static void *
xr__script_main(void *arg)
{
	struct xr__script *sc = arg;
	char err[256];

	pthread_mutex_lock(&sc->mu);
	while (sc->start_ns == 0 && !sc->stop)
		pthread_cond_wait(&sc->cv, &sc->mu);
	for (uint32_t i = 0; i < sc->n && !sc->stop; i++) {
		uint64_t ns = sc->start_ns + sc->cmds[i].at_ms * 1000000;
		struct timespec due = {
			.tv_sec = (time_t)(ns / 1000000000),
			.tv_nsec = (long)(ns % 1000000000),
		};
		while (!sc->stop && pthread_cond_timedwait(&sc->cv, &sc->mu, &due) != ETIMEDOUT)
			;
		if (sc->stop)
			break;
		if (xr_engine_control(sc->e, sc->cmds[i].text, err, sizeof(err)) != 0) {
			fprintf(stderr, "xroute: %s:%u: %s\n", sc->path, sc->cmds[i].line, err);
			sc->failed++;
		}
	}
	pthread_mutex_unlock(&sc->mu);
	return NULL;
}

/* ---- platform hiccups (xr_hiccup.h) ---- */

/** Most probe CPUs: one per thread of the plan (xr_summary.threads). */
#define XR__HICCUP_CPUS 32

/** The run's hiccup meters: one probe meter per engine CPU (before and
 * after the run, merged), the sleeper's. */
struct xr__hiccup {
	uint32_t n;				/* probe meters */
	struct xr_hiccup_meter *probe[XR__HICCUP_CPUS];
	struct xr_hiccup_meter *sleeper;
	struct xr_hiccup_sleeper *running;
	struct xr_hiccup_cfg cfg;		/* probe duration per phase */
};

static void
xr__hiccup_free(struct xr__hiccup *h)
{
	xr_hiccup_sleeper_stop(h->running);
	h->running = NULL;
	for (uint32_t i = 0; i < h->n; i++)
		xr_hiccup_meter_destroy(h->probe[i]);
	xr_hiccup_meter_destroy(h->sleeper);
	memset(h, 0, sizeof(*h));
}

/*
 * Meters for the CPUs the plan pins to (each once; a CPU that is not
 * online is left out, as the runner runs its thread unpinned), or one
 * unpinned probe if the plan pins nothing. @return 0 or -1 (printed).
 */
static int
xr__hiccup_create(struct xr__hiccup *h, const struct xr_config *cfg, uint32_t probe_ms)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	int cpus[XR__HICCUP_CPUS];
	uint32_t n = 0;

	memset(h, 0, sizeof(*h));
	h->cfg.duration_ns = (uint64_t)probe_ms * 1000000u;
	for (uint32_t t = 0; t < cfg->n_threads && n < XR__HICCUP_CPUS; t++) {
		int c = cfg->threads[t].cpu;
		bool seen = c < 0 || c >= online;
		for (uint32_t i = 0; i < n && !seen; i++)
			seen = cpus[i] == c;
		if (!seen)
			cpus[n++] = c;
	}
	if (n == 0)
		cpus[n++] = -1;
	for (uint32_t i = 0; i < n; i++) {
		h->probe[i] = xr_hiccup_meter_create(cpus[i]);
		if (h->probe[i] == NULL)
			goto fail;
		h->n = i + 1;
	}
	h->sleeper = xr_hiccup_meter_create(-1);
	if (h->sleeper != NULL)
		return 0;
fail:
	fprintf(stderr, "xroute: hiccup meters: %s\n", strerror(errno));
	xr__hiccup_free(h);
	return -1;
}

/* The spinning probe on every engine CPU at once (before or after the run). */
static void
xr__hiccup_probe(struct xr__hiccup *h)
{
	int rc = xr_hiccup_probe_run(h->probe, h->n, &h->cfg);

	if (rc != 0)
		fprintf(stderr, "xroute: hiccup probe: %s (a CPU of the plan could not be "
			"pinned to; its line says not measured)\n", strerror(-rc));
}

/* The summary's hiccup section, after the engine's: a line per probe CPU
 * (before and after merged), all CPUs merged when there are several, the
 * sleeper, and e2e p99/p99.9 as multiples of the merged probe's and the
 * sleeper's. */
static void
xr__hiccup_print(const struct xr__hiccup *h, const struct xr_summary *s, FILE *out)
{
	struct xr_hiccup_stats st, all, sl;
	char label[32];

	fprintf(out, "hiccups (platform; docs/perf.md \"Hiccups\")\n"
		"  probe: %" PRIu64 " ms spinning before the run + %" PRIu64 " ms after, per cpu; "
		"samples = clock gaps >= 1 us\n"
		"  sleeper: 1 ms sleeps during the run; samples = wakes, values = lateness\n",
		h->cfg.duration_ns / 1000000u, h->cfg.duration_ns / 1000000u);
	struct xr_hiccup_meter *merged = xr_hiccup_meter_create(-1);
	for (uint32_t i = 0; i < h->n; i++) {
		xr_hiccup_meter_stats(h->probe[i], &st);
		if (st.cpu >= 0)
			snprintf(label, sizeof(label), "probe cpu %d", st.cpu);
		else
			snprintf(label, sizeof(label), "probe unpinned");
		xr_hiccup_print(out, label, &st);
		if (merged != NULL)
			xr_hiccup_meter_merge(merged, h->probe[i]);
	}
	if (merged == NULL) {
		fprintf(out, "  (no memory for the merged probe figures)\n");
		return;
	}
	xr_hiccup_meter_stats(merged, &all);
	xr_hiccup_meter_destroy(merged);
	if (h->n > 1)
		xr_hiccup_print(out, "probe all cpus", &all);
	xr_hiccup_meter_stats(h->sleeper, &sl);
	xr_hiccup_print(out, "sleeper", &sl);
	if (all.p99_ns != 0 && all.p999_ns != 0 && sl.p99_ns != 0 && sl.p999_ns != 0)
		fprintf(out, "  e2e p99 = %.1fx probe p99, %.1fx sleeper p99; "
			"e2e p99.9 = %.1fx probe p99.9, %.1fx sleeper p99.9\n",
			(double)s->e2e.p99 / (double)all.p99_ns, (double)s->e2e.p99 / (double)sl.p99_ns,
			(double)s->e2e.p999 / (double)all.p999_ns,
			(double)s->e2e.p999 / (double)sl.p999_ns);
}

/* ,"hiccup":{...} (docs/output.md "Hiccups"). @return 0 or -EIO. */
static int
xr__hiccup_json(const struct xr__hiccup *h, FILE *out)
{
	struct xr_hiccup_stats st;
	int rc = 0;

	fprintf(out, ",\"hiccup\":{\"probe_phase_ns\":%" PRIu64 ",\"sleeper_interval_ns\":%" PRIu64
		",\"probes\":[", h->cfg.duration_ns, XR_HICCUP_INTERVAL_NS);
	for (uint32_t i = 0; i < h->n; i++) {
		xr_hiccup_meter_stats(h->probe[i], &st);
		if (i)
			fputc(',', out);
		rc |= xr_hiccup_write_json(out, &st);
	}
	fprintf(out, "],\"sleeper\":");
	xr_hiccup_meter_stats(h->sleeper, &st);
	rc |= xr_hiccup_write_json(out, &st);
	fputc('}', out);
	return rc != 0 || ferror(out) ? -EIO : 0;
}

/*
 * The engine's summary JSON object, with the hiccup figures added as its
 * last key when @p h is not NULL (the engine writes one object and a
 * newline; it is built in memory and the key goes before its final '}').
 * @return 0 or -EIO (errno set).
 */
static int
xr__write_summary_json(struct xr_engine *e, const struct xr__hiccup *h, FILE *f)
{
	if (h == NULL)
		return xr_engine_write_summary_json(e, f);
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (mem == NULL)
		return -EIO;
	int rc = xr_engine_write_summary_json(e, mem);
	if (fclose(mem) != 0 || rc != 0) {
		free(buf);
		errno = EIO;
		return -EIO;
	}
	while (len > 0 && buf[len - 1] != '}')
		len--;
	if (len == 0) {
		free(buf);
		errno = EIO;
		return -EIO;
	}
	fwrite(buf, 1, len - 1, f);
	free(buf);
	rc = xr__hiccup_json(h, f);
	fputs("}\n", f);
	if (rc != 0 || ferror(f)) {
		errno = EIO;
		return -EIO;
	}
	return 0;
}

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: xroute run -c CONFIG --signals FILE [--out FILE] [--summary-json FILE]\n"
		"                  [--hist-dir DIR] [--pace SPEED] [--pace-max-gap-ms MS]\n"
		"                  [--drain-timeout-ms MS]\n"
		"                  [--events FILE] [--positions FILE] [--control FILE]\n"
		"                  [--overload wait|reject] [--no-hiccup] [--hiccup-probe-ms MS]\n"
		"                  [--deterministic]\n"
		"       xroute serve -c CONFIG [--signals FILE] [--summary-json FILE] [--hist-dir DIR]\n"
		"                  [--pace SPEED] [--drain-timeout-ms MS] [--events FILE]\n"
		"                  [--positions FILE] [--control FILE] [--no-hiccup]\n"
		"       xroute check -c CONFIG\n"
		"       xroute gen --signals N --users U --symbols S --seed X -o FILE [options]\n"
		"       xroute journal query|export|salvage|check|replay JOURNAL [options]\n"
		"       xroute sim-venue -c CONFIG --venue NAME --listen [HOST:]PORT [options]\n"
		"       xroute --help | --version\n"
		"\n"
		"  run     route every signal of FILE through the engine configured by CONFIG;\n"
		"          print a summary; write results (--out), the summary as JSON\n"
		"          (--summary-json) and latency histograms as .hgrm (--hist-dir);\n"
		"          --pace 1 replays at the signals' own ts_ns pace (open loop; 2 = twice\n"
		"          as fast), default: as fast as the engine takes them (closed loop);\n"
		"          a paced row more than --pace-max-gap-ms (default 60000) of ts_ns\n"
		"          after or before the previous row is sent without waiting;\n"
		"          SIGHUP re-reads CONFIG and applies its weights and venue fees\n"
		"          without stopping (docs/config.md \"Hot reload\"); --events writes\n"
		"          circuit transitions, alerts and commands as JSON lines, --positions\n"
		"          the positions per user, symbol and venue as CSV, --control gives\n"
		"          the operator commands of a script at their times (\"MS COMMAND\"\n"
		"          lines: disable VENUE, enable VENUE, failover [user|symbol NAME]\n"
		"          VENUE|auto; docs/failover.md \"Control\"); --overload reject makes\n"
		"          the replay act as a live feed: a signal due while the pipeline is\n"
		"          full is rejected (overloaded) instead of waiting; the platform's\n"
		"          own hiccups are measured around the run (a spinning probe on each\n"
		"          CPU of the plan for --hiccup-probe-ms before and after, default 50,\n"
		"          and a 1 ms sleeper during it) and printed after the summary\n"
		"          (docs/perf.md \"Hiccups\"); --no-hiccup leaves them out;\n"
		"          --deterministic admits one signal at a time, each once the last\n"
		"          one's result and a snapshot after it are out, with fixed venue\n"
		"          latencies: the same file on the same sim venues routes the same\n"
		"          way every run (docs/journal.md \"Replay\")\n"
		"  serve   run the router as a service: strategies connect as shared-memory\n"
		"          clients ([client NAME], libxroute-client) or FIX sessions ([fix_client\n"
		"          NAME]) and get every result and fill back; --signals adds a file as\n"
		"          one more source; ready for systemd (sd_notify) once the venues'\n"
		"          first state is known; SIGTERM or SIGINT stops intake and drains\n"
		"          (docs/serve.md)\n"
		"  check   load and validate CONFIG, print the effective configuration\n"
		"  gen     write a realistic signal file (xroute gen --help for options)\n"
		"  journal read a journal: a signal's timeline, export as CSV or JSON Lines,\n"
		"          salvage a damaged one, replay a run and compare its decisions\n"
		"          (xroute journal --help for options)\n"
		"\n"
		"Exit status: 0 ok (also after SIGTERM or SIGINT, which end the run in order),\n"
		"1 run failed or an invariant broke, 2 usage or config error, 3 complete but\n"
		"some signals ended unknown (a child order in doubt at a venue).\n"
		"Docs: docs/config.md, docs/signals.md, docs/output.md, docs/serve.md,\n"
		"docs/journal.md.\n");
}

static struct xr_config *
load_config(const char *path)
{
	char err[512];
	struct xr_config *cfg = xr_config_load(path, xr_connector_schemas, err, sizeof(err));

	if (cfg == NULL)
		fprintf(stderr, "xroute: %s\n", err);
	return cfg;
}

static int
cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (config == NULL || optind != argc) {
		fprintf(stderr, "xroute check: -c CONFIG is required\n");
		return 2;
	}
	struct xr_config *cfg = load_config(config);
	if (cfg == NULL)
		return 2;
	/* What run would need, refused here as run would refuse it. */
	struct xr_footprint fp;
	char line[512];
	int too_big = xr_engine_footprint(cfg, &fp);
	xr_footprint_format(cfg, &fp, line, sizeof(line));
	if (too_big != 0) {
		fprintf(stderr, "xroute check: %s: the config needs more memory than this "
			"machine has: %s\n", config, line);
		xr_config_free(cfg);
		return 2;
	}
	xr_config_print(cfg, stdout);
	printf("; %s\n", line);
	xr_config_free(cfg);
	return 0;
}

/* A millisecond count of option @p name in 1..@p max into @p out; false,
 * with a message naming the option, the text and the range, otherwise. */
static bool
xr__opt_ms(const char *name, const char *arg, unsigned long max, uint32_t *out)
{
	char *end;
	unsigned long ms = strtoul(arg, &end, 10);

	if (*end != '\0' || ms == 0 || ms > max) {
		fprintf(stderr, "xroute run: --%s: \"%s\" is not 1..%lu\n", name, arg, max);
		return false;
	}
	*out = (uint32_t)ms;
	return true;
}

/* ---- serve: the service manager (sd_notify; a no-op without one) ---- */

/** What serve tells systemd. Owner thread only. */
struct xr__sd {
	struct xr__script *sc;	/* the control script, started with the run */
	uint64_t watchdog_ns;	/* half of WatchdogSec, 0 = no watchdog */
	uint64_t last_ping_ns;
	bool stopping;
};

/* The run started (the sockets listen since engine create). */
static void
xr__sd_start(void *arg, uint64_t start_ns)
{
	struct xr__sd *sd = arg;
	uint64_t usec = 0;

	if (sd->sc != NULL && sd->sc->n > 0)
		xr__script_start(sd->sc, start_ns);
	/* Ping at half the interval, as sd_watchdog_enabled(3) advises. */
	if (sd_watchdog_enabled(0, &usec) > 0)
		sd->watchdog_ns = usec * 1000 / 2;
	sd_notify(0, "STATUS=connecting to the venues");
}

/* Every venue is up, or the ready timeout named those still down. */
static void
xr__sd_ready(void *arg, uint64_t now_ns, const char *down)
{
	(void)arg;
	(void)now_ns;
	if (down[0] != '\0')
		fprintf(stderr, "xroute serve: venues not up at the ready timeout: %s (their "
			"circuits are open)\n", down);
	sd_notify(0, "READY=1\nSTATUS=serving");
	fprintf(stderr, "xroute serve: ready\n");
}

/* About once a millisecond on the owner thread: the watchdog, and
 * STOPPING=1 once a stop signal has come. */
static void
xr__sd_tick(void *arg, uint64_t now_ns)
{
	struct xr__sd *sd = arg;

	if (!sd->stopping && atomic_load_explicit(&xr__stop_request, memory_order_relaxed) != 0) {
		sd->stopping = true;
		sd_notify(0, "STOPPING=1\nSTATUS=draining");
	}
	if (sd->watchdog_ns != 0 && now_ns - sd->last_ping_ns >= sd->watchdog_ns) {
		sd->last_ping_ns = now_ns;
		sd_notify(0, "WATCHDOG=1");
	}
}

static int
cmd_run(int argc, char **argv, bool serve)
{
	const char *cmd = serve ? "xroute serve" : "xroute run";
	enum { OPT_SUMMARY = 256, OPT_HIST, OPT_DRAIN, OPT_PACE, OPT_EVENTS, OPT_POS, OPT_CTL,
	       OPT_OVERLOAD, OPT_NO_HICCUP, OPT_HICCUP_MS, OPT_PACE_GAP, OPT_DET };
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"signals", required_argument, NULL, 's'},
		{"out", required_argument, NULL, 'o'},
		{"summary-json", required_argument, NULL, OPT_SUMMARY},
		{"hist-dir", required_argument, NULL, OPT_HIST},
		{"drain-timeout-ms", required_argument, NULL, OPT_DRAIN},
		{"pace", required_argument, NULL, OPT_PACE},
		{"pace-max-gap-ms", required_argument, NULL, OPT_PACE_GAP},
		{"events", required_argument, NULL, OPT_EVENTS},
		{"positions", required_argument, NULL, OPT_POS},
		{"control", required_argument, NULL, OPT_CTL},
		{"overload", required_argument, NULL, OPT_OVERLOAD},
		{"no-hiccup", no_argument, NULL, OPT_NO_HICCUP},
		{"hiccup-probe-ms", required_argument, NULL, OPT_HICCUP_MS},
		{"deterministic", no_argument, NULL, OPT_DET},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *summary_json = NULL, *hist_dir = NULL, *positions = NULL;
	struct xr__script sc = {.mu = PTHREAD_MUTEX_INITIALIZER};
	struct xr_engine_io io = {.thread_allocated = xr_alloc_probe_thread};
	bool hiccup = true;
	uint32_t hiccup_ms = 50;
	int c;

	while ((c = getopt_long(argc, argv, "c:s:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 's': io.signals_path = optarg; break;
		case 'o': io.results_path = optarg; break;
		case OPT_SUMMARY: summary_json = optarg; break;
		case OPT_HIST: hist_dir = optarg; break;
		case OPT_EVENTS: io.events_path = optarg; break;
		case OPT_POS: positions = optarg; break;
		case OPT_CTL: sc.path = optarg; break;
		case OPT_OVERLOAD:
			if (strcmp(optarg, "wait") != 0 && strcmp(optarg, "reject") != 0) {
				fprintf(stderr, "%s: --overload: \"%s\" is not wait or "
					"reject\n", cmd, optarg);
				return 2;
			}
			io.overload_reject = optarg[0] == 'r';
			break;
		case OPT_NO_HICCUP: hiccup = false; break;
		case OPT_DET: io.deterministic = true; break;
		case OPT_HICCUP_MS:
			if (!xr__opt_ms("hiccup-probe-ms", optarg, 10000, &hiccup_ms))
				return 2;
			break;
		case OPT_DRAIN:
			if (!xr__opt_ms("drain-timeout-ms", optarg, 86400000, &io.drain_timeout_ms))
				return 2;
			break;
		case OPT_PACE_GAP:
			if (!xr__opt_ms("pace-max-gap-ms", optarg, 86400000, &io.pace_max_gap_ms))
				return 2;
			break;
		case OPT_PACE: {
			int64_t milli;
			if (xr_fixed_parse(optarg, strlen(optarg), 3, &milli) != 0 || milli <= 0 ||
			    milli > 1000000000) {
				fprintf(stderr, "%s: --pace: \"%s\" is not a speed > 0 "
					"(1 = real time, at most 3 decimals)\n", cmd, optarg);
				return 2;
			}
			io.replay_speed_milli = (uint32_t)milli;
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (serve && (io.results_path != NULL || io.overload_reject)) {
		fprintf(stderr, "xroute serve: %s is for xroute run (results go back to each "
			"signal's source; a live source is never made to wait)\n",
			io.results_path != NULL ? "--out" : "--overload");
		return 2;
	}
	if (io.deterministic && (serve || io.replay_speed_milli != 0 || io.overload_reject)) {
		fprintf(stderr, "%s: --deterministic is a closed-loop file replay: not with %s\n",
			cmd, serve ? "serve" : io.replay_speed_milli ? "--pace" : "--overload reject");
		return 2;
	}
	if (config == NULL || (!serve && io.signals_path == NULL) || optind != argc) {
		fprintf(stderr, "%s: -c CONFIG%s %s required\n", cmd,
			serve ? "" : " and --signals FILE", serve ? "is" : "are");
		usage(stderr);
		return 2;
	}
	io.serve = serve;
	/* Before anything else: from here on SIGHUP is a reload request, served
	 * once the run loop starts, and harmless after it ends. */
	if (xr__install_sighup() != 0) {
		fprintf(stderr, "%s: sigaction(SIGHUP): %s\n", cmd, strerror(errno));
		return 1;
	}
	if (xr__install_stop() != 0) {
		fprintf(stderr, "%s: sigaction(SIGTERM, SIGINT): %s\n", cmd, strerror(errno));
		return 1;
	}
	io.config_path = config;
	io.reload_request = &xr__reload_request;
	io.stop_request = &xr__stop_request;
	struct xr_config *cfg = load_config(config);
	if (cfg == NULL)
		return 2;
	if (sc.path != NULL && xr__script_load(&sc, cfg) != 0) {
		free(sc.cmds);
		xr_config_free(cfg);
		return 2;
	}

	char err[512];
	struct xr__sd sd = {.sc = &sc};
	if (serve) {
		io.on_start = xr__sd_start;
		io.on_start_arg = &sd;
		io.on_tick = xr__sd_tick;
		io.on_tick_arg = &sd;
		io.on_ready = xr__sd_ready;
		io.on_ready_arg = &sd;
	} else if (sc.n > 0) {
		io.on_start = xr__script_start;
		io.on_start_arg = &sc;
	}
	struct xr_engine *e = xr_engine_create(cfg, &io, err, sizeof(err));
	if (e == NULL) {
		fprintf(stderr, "xroute: %s\n", err);
		free(sc.cmds);
		xr_config_free(cfg);
		return 2;
	}
	int status = 0;
	pthread_t ctl;
	bool ctl_started = false;
	struct xr__hiccup hic = {0};
	if (hiccup && xr__hiccup_create(&hic, cfg, hiccup_ms) != 0) {
		status = 1;
		hiccup = false;
	}
	if (hiccup) {
		/* Before any engine thread runs, on the CPUs they will take. */
		xr__hiccup_probe(&hic);
		hic.running = xr_hiccup_sleeper_start(hic.sleeper, NULL);
		if (hic.running == NULL) {
			fprintf(stderr, "xroute: hiccup sleeper: %s\n", strerror(errno));
			status = 1;
		}
	}
	sc.e = e;
	if (sc.n > 0) {
		/* The script's times are on CLOCK_MONOTONIC, as the engine's. */
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&sc.cv, &ca);
		pthread_condattr_destroy(&ca);
		int prc = pthread_create(&ctl, NULL, xr__script_main, &sc);
		if (prc != 0) {
			fprintf(stderr, "xroute: control thread: %s\n", strerror(prc));
			status = 1;
		}
		ctl_started = prc == 0;
	}
	int rc = xr_engine_run(e, err, sizeof(err));
	if (hiccup) {
		xr_hiccup_sleeper_stop(hic.running);
		hic.running = NULL;
		xr__hiccup_probe(&hic);
	}
	if (ctl_started) {
		pthread_mutex_lock(&sc.mu);
		sc.stop = true;
		pthread_cond_signal(&sc.cv);
		pthread_mutex_unlock(&sc.mu);
		pthread_join(ctl, NULL);
		pthread_cond_destroy(&sc.cv);
		if (sc.failed)
			status = 1;
	}
	free(sc.cmds);
	if (rc != 0) {
		fprintf(stderr, "xroute: %s\n", err);
		status = 1;
	}
	xr_engine_print_summary(e, stdout);
	const struct xr_summary *s = xr_engine_summary(e);
	if (hiccup)
		xr__hiccup_print(&hic, s, stdout);
	if (s->unaccounted || s->duplicates || s->overfills || s->position_mismatches ||
	    s->exposure_left || s->write_errors)
		status = 1;
	else if (status == 0 && s->unknown != 0)
		status = 3; /* complete books, but orders in doubt at a venue */
	if (s->write_errors)
		fprintf(stderr, "xroute: %" PRIu64 " write(2) calls to the results or events file "
			"failed: their lines are missing\n", s->write_errors);
	if (summary_json != NULL) {
		FILE *f = fopen(summary_json, "w");
		if (f == NULL || xr__write_summary_json(e, hiccup ? &hic : NULL, f) != 0) {
			fprintf(stderr, "xroute: %s: %s\n", summary_json, strerror(errno));
			status = 1;
		}
		if (f != NULL && fclose(f) != 0)
			status = 1;
	}
	if (hist_dir != NULL && xr_engine_write_hgrm(e, hist_dir, err, sizeof(err)) != 0) {
		fprintf(stderr, "xroute: %s\n", err);
		status = 1;
	}
	if (positions != NULL) {
		FILE *f = fopen(positions, "w");
		int wrc = f != NULL ? xr_engine_write_positions(e, f) : -errno;
		if (f != NULL && fclose(f) != 0 && wrc == 0)
			wrc = -errno;
		if (wrc != 0) {
			fprintf(stderr, "xroute: %s: %s\n", positions, strerror(-wrc));
			status = 1;
		}
	}
	xr__hiccup_free(&hic);
	xr_engine_destroy(e);
	xr_config_free(cfg);
	return status;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("xroute %s\n", XR_VERSION);
		return 0;
	}
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argc - 1, argv + 1, false);
	if (strcmp(cmd, "serve") == 0)
		return cmd_run(argc - 1, argv + 1, true);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(cmd, "gen") == 0)
		return xr_gen_main(argc - 1, argv + 1);
	if (strcmp(cmd, "journal") == 0)
		return xr_journal_main(argc - 1, argv + 1);
	if (strcmp(cmd, "sim-venue") == 0)
		return xr_sim_venue_main(argc - 1, argv + 1);
	fprintf(stderr, "xroute: unknown command \"%s\"\n", cmd);
	usage(stderr);
	return 2;
}
