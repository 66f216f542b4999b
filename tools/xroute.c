/*
 * xroute: the command-line launcher.
 *
 *   xroute run -c FILE --signals FILE [--out FILE] [--summary-json FILE]
 *              [--hist-dir DIR] [--pace SPEED] [--drain-timeout-ms MS]
 *   xroute check -c FILE
 *   xroute gen --signals N --users U --symbols S --seed X -o FILE
 *   xroute --help | --version
 *
 * run: SIGHUP re-reads the config file and publishes its route parameters
 * without stopping (docs/config.md "Hot reload"); the handler only sets a
 * flag that the engine's owner thread takes within 1 ms.
 *
 * Exit status: 0 success; 1 the run failed or broke an invariant
 * (unaccounted or duplicated results, overfills, positions != fills);
 * 2 usage or configuration error (the message names file:line, section and
 * key).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xr_alloc_probe.h"
#include "xr_config.h"
#include "xr_engine.h"
#include "xr_gen.h"
#include "xr_types.h"

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

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: xroute run -c CONFIG --signals FILE [--out FILE] [--summary-json FILE]\n"
		"                  [--hist-dir DIR] [--pace SPEED] [--drain-timeout-ms MS]\n"
		"       xroute check -c CONFIG\n"
		"       xroute gen --signals N --users U --symbols S --seed X -o FILE [options]\n"
		"       xroute --help | --version\n"
		"\n"
		"  run     route every signal of FILE through the engine configured by CONFIG;\n"
		"          print a summary; write results (--out), the summary as JSON\n"
		"          (--summary-json) and latency histograms as .hgrm (--hist-dir);\n"
		"          --pace 1 replays at the signals' own ts_ns pace (open loop; 2 = twice\n"
		"          as fast), default: as fast as the engine takes them (closed loop);\n"
		"          SIGHUP re-reads CONFIG and applies its weights and venue fees\n"
		"          without stopping (docs/config.md \"Hot reload\")\n"
		"  check   load and validate CONFIG, print the effective configuration\n"
		"  gen     write a realistic signal file (xroute gen --help for options)\n"
		"\n"
		"Exit status: 0 ok, 1 run failed or an invariant broke, 2 usage or config error.\n"
		"Docs: docs/config.md, docs/signals.md, docs/output.md.\n");
}

static struct xr_config *
load_config(const char *path)
{
	char err[512];
	struct xr_config *cfg = xr_config_load(path, err, sizeof(err));

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
	xr_config_print(cfg, stdout);
	xr_config_free(cfg);
	return 0;
}

static int
cmd_run(int argc, char **argv)
{
	enum { OPT_SUMMARY = 256, OPT_HIST, OPT_DRAIN, OPT_PACE };
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"signals", required_argument, NULL, 's'},
		{"out", required_argument, NULL, 'o'},
		{"summary-json", required_argument, NULL, OPT_SUMMARY},
		{"hist-dir", required_argument, NULL, OPT_HIST},
		{"drain-timeout-ms", required_argument, NULL, OPT_DRAIN},
		{"pace", required_argument, NULL, OPT_PACE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *summary_json = NULL, *hist_dir = NULL;
	struct xr_engine_io io = {.thread_allocated = xr_alloc_probe_thread};
	int c;

	while ((c = getopt_long(argc, argv, "c:s:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 's': io.signals_path = optarg; break;
		case 'o': io.results_path = optarg; break;
		case OPT_SUMMARY: summary_json = optarg; break;
		case OPT_HIST: hist_dir = optarg; break;
		case OPT_DRAIN: {
			char *end;
			unsigned long ms = strtoul(optarg, &end, 10);
			if (*end != '\0' || ms == 0 || ms > 86400000) {
				fprintf(stderr, "xroute run: --drain-timeout-ms: \"%s\" is not 1..86400000\n",
					optarg);
				return 2;
			}
			io.drain_timeout_ms = (uint32_t)ms;
			break;
		}
		case OPT_PACE: {
			int64_t milli;
			if (xr_fixed_parse(optarg, strlen(optarg), 3, &milli) != 0 || milli <= 0 ||
			    milli > 1000000000) {
				fprintf(stderr, "xroute run: --pace: \"%s\" is not a speed > 0 "
					"(1 = real time, at most 3 decimals)\n", optarg);
				return 2;
			}
			io.replay_speed_milli = (uint32_t)milli;
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (config == NULL || io.signals_path == NULL || optind != argc) {
		fprintf(stderr, "xroute run: -c CONFIG and --signals FILE are required\n");
		usage(stderr);
		return 2;
	}
	/* Before anything else: from here on SIGHUP is a reload request, served
	 * once the run loop starts, and harmless after it ends. */
	if (xr__install_sighup() != 0) {
		fprintf(stderr, "xroute run: sigaction(SIGHUP): %s\n", strerror(errno));
		return 1;
	}
	io.config_path = config;
	io.reload_request = &xr__reload_request;
	struct xr_config *cfg = load_config(config);
	if (cfg == NULL)
		return 2;

	char err[512];
	struct xr_engine *e = xr_engine_create(cfg, &io, err, sizeof(err));
	if (e == NULL) {
		fprintf(stderr, "xroute: %s\n", err);
		xr_config_free(cfg);
		return 2;
	}
	int status = 0;
	int rc = xr_engine_run(e, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "xroute: %s\n", err);
		status = 1;
	}
	xr_engine_print_summary(e, stdout);
	const struct xr_summary *s = xr_engine_summary(e);
	if (s->unaccounted || s->duplicates || s->overfills || s->position_mismatches)
		status = 1;
	if (summary_json != NULL) {
		FILE *f = fopen(summary_json, "w");
		if (f == NULL || xr_engine_write_summary_json(e, f) != 0) {
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
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(cmd, "gen") == 0)
		return xr_gen_main(argc - 1, argv + 1);
	fprintf(stderr, "xroute: unknown command \"%s\"\n", cmd);
	usage(stderr);
	return 2;
}
