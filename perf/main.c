/*
 * xroute-perf: the benchmark harness (docs/perf.md).
 *
 *   xroute-perf hiccup|floor|ring|select|pipeline|fix|serve|journal|all [--quick] [--json FILE]
 *               [--rounds N] [--cpus A,B] [--rate PER_S] [--signals N]
 *               [--tmp DIR]
 *
 * Every figure is a median over rounds run in this process; the ring
 * figures are ratios against Concurrency Kit's ck_ring and the floor
 * measured in the same run, so a noisy machine still gives comparable
 * numbers. Exit status: 0, 1 if a benchmark failed (a message says why),
 * 2 on a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf_pvt.h"
#include "xr_types.h"

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: xroute-perf hiccup|floor|ring|select|pipeline|fix|serve|journal|all [options]\n"
		"  hiccup    the platform alone: spinning probe pinned to each cpu, then a\n"
		"            1 ms sleeper (stalls the host takes by itself)\n"
		"  floor     cross-core cache-line ping-pong round trip (the physical floor)\n"
		"  ring      xr_ring vs ck_ring: throughput (8/64 B, single/burst 32), RTT\n"
		"  select    venue selector decision latency (2/8/16/64 venues), allocations\n"
		"  pipeline  whole engine, zero-latency sim venues: closed-loop throughput,\n"
		"            open-loop latency against the platform's hiccups, allocations\n"
		"            per signal, venue/user scaling\n"
		"  fix       FIX 4.4 codec: encode + decode of NewOrderSingle and\n"
		"            ExecutionReport, ns per message, allocations; loopback\n"
		"            TCP round trip of a 200-byte message (fix.tcp.rtt)\n"
		"  serve     xroute serve, clients in other processes: submit -> result\n"
		"            round trip vs the floor, closed loop with 1 and 4 clients vs\n"
		"            pipeline, FIX NewOrderSingle -> Filled vs loopback TCP\n"
		"  journal   the whole engine with the journal off then on, interleaved:\n"
		"            closed-loop throughput and journal records/s, open-loop\n"
		"            e2e p99 at --rate (default 100000/s), ratios on/off\n"
		"options:\n"
		"  --quick         a run of seconds (fewer messages and rounds)\n"
		"  --json FILE     also write one JSON object per result line\n"
		"  --rounds N      rounds per measurement (default 7, quick 3; ring >= 5)\n"
		"  --cpus A,B      the two CPUs for pinned pairs and the engine (default 0,1)\n"
		"  --rate PER_S    pipeline open-loop rate (default 50%% of the measured max)\n"
		"  --signals N     pipeline signals per run (default 2000000, quick 200000)\n"
		"  --tmp DIR       scratch directory for pipeline files (default /tmp)\n"
		"  --strategy S    select: only strategy S (e.g. best_execution)\n"
		"  --venues N      select: only N venues (2, 8, 16 or 64)\n"
		"  --client-wait W serve: how a client waits for events: sleep\n"
		"                  (nanosleep, default), yield (sched_yield) or spin (pause)\n");
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"quick", no_argument, NULL, 'q'},
		{"json", required_argument, NULL, 'j'},
		{"rounds", required_argument, NULL, 'r'},
		{"cpus", required_argument, NULL, 'c'},
		{"rate", required_argument, NULL, 'R'},
		{"signals", required_argument, NULL, 'n'},
		{"tmp", required_argument, NULL, 't'},
		{"strategy", required_argument, NULL, 's'},
		{"venues", required_argument, NULL, 'v'},
		{"client-wait", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct xr_perf_opts o = {.cpu_a = 0, .cpu_b = 1, .tmp_dir = "/tmp"};
	const char *json_path = NULL;
	char *end;
	int c;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *cmd = argv[1];
	/* serve's client processes: this binary run again (perf/serve.c). */
	if (strcmp(cmd, "serve-client") == 0)
		return xr_perf_serve_client(argc - 1, argv + 1);
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			o.quick = true;
			break;
		case 'j':
			json_path = optarg;
			break;
		case 'r':
			o.rounds = (unsigned)strtoul(optarg, &end, 10);
			if (*end != '\0' || o.rounds < 1 || o.rounds > 64) {
				fprintf(stderr, "xroute-perf: --rounds %s: expected 1..64\n", optarg);
				return 2;
			}
			break;
		case 'c':
			if (sscanf(optarg, "%d,%d", &o.cpu_a, &o.cpu_b) != 2 || o.cpu_a < 0 ||
			    o.cpu_b < 0 || o.cpu_a == o.cpu_b) {
				fprintf(stderr, "xroute-perf: --cpus %s: expected two different CPUs A,B\n",
					optarg);
				return 2;
			}
			break;
		case 'R':
			o.pipeline_rate = strtod(optarg, &end);
			if (*end != '\0' || o.pipeline_rate <= 0) {
				fprintf(stderr, "xroute-perf: --rate %s: expected signals/s > 0\n", optarg);
				return 2;
			}
			break;
		case 'n':
			o.signals = strtoull(optarg, &end, 10);
			if (*end != '\0' || o.signals < 1000) {
				fprintf(stderr, "xroute-perf: --signals %s: expected >= 1000\n", optarg);
				return 2;
			}
			break;
		case 't':
			o.tmp_dir = optarg;
			break;
		case 's':
			o.strategy = xr_strategy_parse(optarg, strlen(optarg));
			if (o.strategy <= 0) {
				fprintf(stderr, "xroute-perf: --strategy %s: not a strategy name "
					"(docs/routing.md)\n", optarg);
				return 2;
			}
			break;
		case 'v':
			o.venues = (unsigned)strtoul(optarg, &end, 10);
			if (*end != '\0' || (o.venues != 2 && o.venues != 8 && o.venues != 16 &&
					     o.venues != 64)) {
				fprintf(stderr, "xroute-perf: --venues %s: expected 2, 8, 16 or 64\n",
					optarg);
				return 2;
			}
			break;
		case 'w':
			if (strcmp(optarg, "sleep") == 0)
				o.client_wait = XR_PERF_WAIT_SLEEP;
			else if (strcmp(optarg, "yield") == 0)
				o.client_wait = XR_PERF_WAIT_YIELD;
			else if (strcmp(optarg, "spin") == 0)
				o.client_wait = XR_PERF_WAIT_SPIN;
			else {
				fprintf(stderr, "xroute-perf: --client-wait %s: expected sleep, "
					"yield or spin\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "xroute-perf: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (json_path != NULL) {
		o.json = fopen(json_path, "w");
		if (o.json == NULL) {
			fprintf(stderr, "xroute-perf: --json %s: %s\n", json_path, strerror(errno));
			return 1;
		}
	}

	int rc;
	bool all = strcmp(cmd, "all") == 0;
	if (all) {
		rc = xr_perf_hiccup(&o);
		if (rc == 0)
			rc = xr_perf_floor(&o);
		if (rc == 0)
			rc = xr_perf_ring(&o);
		if (rc == 0)
			rc = xr_perf_select(&o);
		if (rc == 0)
			rc = xr_perf_pipeline(&o);
		if (rc == 0)
			rc = xr_perf_fix(&o);
		if (rc == 0)
			rc = xr_perf_serve(&o);
		if (rc == 0)
			rc = xr_perf_journal(&o);
	} else if (strcmp(cmd, "hiccup") == 0) {
		rc = xr_perf_hiccup(&o);
	} else if (strcmp(cmd, "floor") == 0) {
		rc = xr_perf_floor(&o);
	} else if (strcmp(cmd, "ring") == 0) {
		rc = xr_perf_ring(&o);
	} else if (strcmp(cmd, "select") == 0) {
		rc = xr_perf_select(&o);
	} else if (strcmp(cmd, "pipeline") == 0) {
		rc = xr_perf_pipeline(&o);
	} else if (strcmp(cmd, "fix") == 0) {
		rc = xr_perf_fix(&o);
	} else if (strcmp(cmd, "serve") == 0) {
		rc = xr_perf_serve(&o);
	} else if (strcmp(cmd, "journal") == 0) {
		rc = xr_perf_journal(&o);
	} else {
		fprintf(stderr, "xroute-perf: unknown subcommand '%s'\n", cmd);
		usage(stderr);
		rc = 2;
	}
	if (o.json != NULL && fclose(o.json) != 0) {
		fprintf(stderr, "xroute-perf: --json %s: %s\n", json_path, strerror(errno));
		rc = rc ? rc : 1;
	}
	return rc;
}
