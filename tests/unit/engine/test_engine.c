/*
 * The whole engine on small configs and crafted signal files: every
 * signal's terminal status and reason, the invariants, backpressure with
 * tiny rings, thread plans from one thread to one thread per stage, TWAP
 * slicing, venue rejects and failures, the feedback ring, and the
 * summary/.hgrm outputs. Operator commands and venue plans:
 * test_control.c.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixtures.h"
#include "xr_config.h"
#include "xr_connector.h"
#include "xr_engine.h"

/* This file's runs: results in DIR/results.csv, a 5 s drain. */
static const struct xr_engine_io run_io = {.drain_timeout_ms = 5000};

#define VENUES                                                                   \
	"[venue alpha]\n"                                                            \
	"fee_taker_bps = 2\n"                                                        \
	"latency_us = 5\n"                                                           \
	"jitter_us = 0\n"                                                            \
	"session_ms = 5\n"                                                           \
	"book.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n"                     \
	"book.ETH-USD = mid=10 tick=0.1 levels=10 level_qty=100\n"                   \
	"[venue bravo]\n"                                                            \
	"fee_taker_bps = 50\n"                                                       \
	"latency_us = 5\n"                                                           \
	"jitter_us = 0\n"                                                            \
	"book.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n"

#define USERS                                                                    \
	"[user_defaults]\n"                                                          \
	"rate_per_s = 1000000\n"                                                     \
	"burst = 1000000\n"                                                          \
	"[user ann]\n"                                                               \
	"max_order_qty = 50\n"                                                       \
	"max_position.BTC-USD = 60\n"                                                \
	"[user bob]\n"                                                               \
	"enabled = false\n"                                                          \
	"[user cat]\n"                                                               \
	"symbols = ETH-USD\n"                                                        \
	"venues = alpha\n"                                                           \
	"[user dan]\n"                                                               \
	"rate_per_s = 1\n"                                                           \
	"burst = 2\n"                                                               \
	"[user eve]\n"

struct result {
	char status[32], reason[32], venue[32], filled[32], method[16];
	unsigned children;
	int seen;
};

/* Results by source line, from the CSV results file. */
static struct result results[64];

static void
load_results(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[2048];

	memset(results, 0, sizeof(results));
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(line, sizeof(line), f)); /* header */
	while (fgets(line, sizeof(line), f) != NULL) {
		char *fields[32];
		int n = 0;
		for (char *p = line, *tok; n < 32 && (tok = strsep(&p, ",\n")) != NULL;)
			fields[n++] = tok;
		cr_assert_geq(n, 24, "results row has %d fields", n);
		unsigned ln = (unsigned)atoi(fields[1]);
		cr_assert_lt(ln, 64);
		struct result *r = &results[ln];
		r->seen++;
		snprintf(r->status, sizeof(r->status), "%s", fields[6]);
		snprintf(r->reason, sizeof(r->reason), "%s", fields[7]);
		snprintf(r->venue, sizeof(r->venue), "%s", fields[8]);
		snprintf(r->method, sizeof(r->method), "%s", fields[10]);
		snprintf(r->filled, sizeof(r->filled), "%s", fields[12]);
		r->children = (unsigned)atoi(fields[16]);
	}
	fclose(f);
}

#define T0 "1000000000"

Test(engine, each_check_gives_its_reason, .init = xr_test_make_dir)
{
	const char *signals = XR_TEST_SIGNAL_HEADER
		/* line 2 */ T0 "01,1,ann,BTC-USD,buy,5,market,,,entry,,\n"
		/* 3 */ T0 "02,2,zed,BTC-USD,buy,1,market,,,entry,,\n"
		/* 4 */ T0 "03,3,bob,BTC-USD,buy,1,market,,,entry,,\n"
		/* 5 */ T0 "04,4,cat,BTC-USD,buy,1,market,,,entry,,\n"
		/* 6 */ T0 "05,1,ann,BTC-USD,buy,1,market,,,entry,,\n"
		/* 7 */ T0 "06,6,ann,BTC-USD,buy,51,market,,,entry,,\n"
		/* 8 */ T0 "07,7,ann,BTC-USD,buy,abc,market,,,entry,,\n"
		/* 9 */ T0 "08,8,ann,BTC-USD,buy,5,limit,90,ioc,profit_take,,\n"
		/* 10 */ T0 "09,9,ann,XYZ-USD,buy,5,market,,,entry,,\n"
		/* 11 */ T0 "10,10,ann,BTC-USD,sell,2,market,,,exit,nonsense,\n"
		/* 12 */ T0 "11,11,dan,BTC-USD,buy,1,market,,,entry,,\n"
		/* 13 */ T0 "12,12,dan,BTC-USD,buy,1,market,,,entry,,\n"
		/* 14 */ T0 "13,13,dan,BTC-USD,buy,1,market,,,entry,,\n"
		/* 15 */ T0 "14,14,cat,ETH-USD,sell,1,limit,9.9,ioc,profit_take,,\n"
		/* 16 */ T0 "15,15,ann,BTC-USD,buy,7,limit,101,day,profit_take,,\n";
	struct xr_engine *e = xr_test_run("[engine]\n" VENUES USERS, signals, run_io, 0);
	const struct xr_summary *s = xr_engine_summary(e);

	xr_test_check_invariants(s, 15);
	load_results(xr_test_path("results.csv"));
	for (int ln = 2; ln <= 16; ln++)
		cr_assert_eq(results[ln].seen, 1, "line %d has %d results", ln, results[ln].seen);
	cr_assert_str_eq(results[2].status, "filled");
	cr_assert_str_eq(results[2].venue, "alpha", "cheapest fees win");
	cr_assert_str_eq(results[2].method, "limit", "entry routes as limit");
	cr_assert_str_eq(results[3].reason, "unknown_user");
	cr_assert_str_eq(results[4].reason, "user_disabled");
	cr_assert_str_eq(results[5].reason, "symbol_not_allowed");
	cr_assert_str_eq(results[6].reason, "duplicate_signal_id");
	cr_assert_str_eq(results[7].reason, "max_order_qty");
	cr_assert_str_eq(results[8].reason, "parse_error");
	cr_assert_str_eq(results[9].status, "canceled");
	cr_assert_str_eq(results[9].reason, "no_liquidity");
	cr_assert_str_eq(results[10].reason, "unknown_symbol");
	cr_assert_str_eq(results[11].reason, "unknown_strategy");
	cr_assert_str_eq(results[12].status, "filled");
	cr_assert_str_eq(results[13].status, "filled");
	cr_assert_str_eq(results[14].reason, "rate_limit", "dan's burst is 2");
	cr_assert_str_eq(results[15].status, "filled");
	cr_assert_str_eq(results[15].venue, "alpha");
	/* Buy 7 limit 101 DAY: fills the 10 at 101? No: asks are 101.. so 7
	 * fills at 101 completely. */
	cr_assert_str_eq(results[16].status, "filled");
	cr_assert_eq(s->parse_errors, 1);
	xr_test_done(e);
}

Test(engine, position_limit_counts_orders_in_flight, .init = xr_test_make_dir)
{
	/* ann may hold 60 BTC: with latency the venue answers after all
	 * four orders of 20 were validated, so the fourth must be refused on
	 * exposure even though no position exists yet. */
	const char *signals = XR_TEST_SIGNAL_HEADER
		T0 "01,1,ann,BTC-USD,buy,20,market,,,profit_take,,\n"
		T0 "02,2,ann,BTC-USD,buy,20,market,,,profit_take,,\n"
		T0 "03,3,ann,BTC-USD,buy,20,market,,,profit_take,,\n"
		T0 "04,4,ann,BTC-USD,buy,20,market,,,profit_take,,\n"
		T0 "05,5,ann,BTC-USD,sell,50,market,,,exit,,\n";
	const char *cfg = "[engine]\n"
		"[venue alpha]\nlatency_us = 200000\njitter_us = 0\n"
		"book.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n"
		"book.ETH-USD = mid=10 tick=0.1 levels=10 level_qty=100\n" USERS;
	struct xr_engine *e = xr_test_run(cfg, signals, run_io, 0);
	const struct xr_summary *s = xr_engine_summary(e);

	xr_test_check_invariants(s, 5);
	load_results(xr_test_path("results.csv"));
	cr_assert_str_eq(results[2].status, "filled");
	cr_assert_str_eq(results[3].status, "filled");
	cr_assert_str_eq(results[4].status, "filled");
	cr_assert_str_eq(results[5].reason, "max_position");
	/* Selling 50 against 60 long in flight: worst case -50 is allowed. */
	cr_assert_str_eq(results[6].status, "filled");
	xr_test_done(e);
}

static char *
many_signals(unsigned n, const char *user, const char *extra_every_7th)
{
	size_t cap = (size_t)n * 96 + 256;
	char *buf = malloc(cap);
	size_t len = (size_t)snprintf(buf, cap, XR_TEST_SIGNAL_HEADER);

	for (unsigned i = 1; i <= n; i++) {
		const char *side = i % 2 ? "buy" : "sell";
		if (extra_every_7th != NULL && i % 7 == 0)
			len += (size_t)snprintf(buf + len, cap - len, "%s\n", extra_every_7th);
		else
			len += (size_t)snprintf(buf + len, cap - len,
						"%u,%u,%s,BTC-USD,%s,0.5,market,,,entry,,\n",
						1000 + i, i, user, side);
	}
	return buf;
}

Test(engine, backpressure_with_tiny_rings_loses_nothing, .init = xr_test_make_dir)
{
	char *signals = many_signals(20000, "eve", "junk,row");
	const char *cfg = "[engine]\nring_capacity = 64\nburst = 8\nmax_inflight_orders = 16\n"
			  VENUES USERS;
	struct xr_engine *e = xr_test_run(cfg, signals, run_io, 0);
	const struct xr_summary *s = xr_engine_summary(e);

	xr_test_check_invariants(s, 20000);
	cr_assert_eq(s->parse_errors, 20000 / 7);
	cr_assert_gt(s->ingress_stalls + s->credit_stalls, 0,
		     "tiny rings and 16 orders in flight must hold the replay back");
	cr_assert_gt(s->filled, 0);
	xr_test_done(e);
	free(signals);
}

static void
run_plan(const char *threads)
{
	char cfg[4096];
	char *signals = many_signals(3000, "eve", NULL);

	snprintf(cfg, sizeof(cfg), "[engine]\n%s\n" VENUES USERS, threads);
	struct xr_engine *e = xr_test_run(cfg, signals, run_io, 0);
	xr_test_check_invariants(xr_engine_summary(e), 3000);
	cr_assert_eq(xr_engine_summary(e)->filled, 3000);
	xr_test_done(e);
	free(signals);
}

Test(engine, one_thread_runs_every_stage, .init = xr_test_make_dir)
{
	run_plan("[threads]\nall.stages = ingress, validate, route, execute.*, aggregate, output\n"
		 "all.wait = busy_spin\n");
}

Test(engine, one_thread_per_stage, .init = xr_test_make_dir)
{
	run_plan("[threads]\n"
		 "a.stages = ingress\nb.stages = validate\nc.stages = route\n"
		 "d.stages = execute.alpha\ne.stages = execute.bravo\n"
		 "f.stages = aggregate\ng.stages = output\n"
		 "a.wait = yield\nb.wait = yield\nc.wait = yield\nd.wait = yield\n"
		 "e.wait = yield\nf.wait = yield\ng.wait = yield\n");
}

Test(engine, large_orders_are_sliced_by_twap, .init = xr_test_make_dir)
{
	const char *signals = XR_TEST_SIGNAL_HEADER
		T0 "01,1,ann,BTC-USD,buy,40,market,,,stop_loss,,\n"
		T0 "02,2,ann,BTC-USD,buy,2,market,,,stop_loss,,\n";
	const char *cfg = "[engine]\ntwap_notional = 1000\ntwap_slices = 4\ntwap_horizon_us = 2000\n"
			  VENUES USERS;
	struct xr_engine *e = xr_test_run(cfg, signals, run_io, 0);

	xr_test_check_invariants(xr_engine_summary(e), 2);
	load_results(xr_test_path("results.csv"));
	cr_assert_str_eq(results[2].method, "twap");
	cr_assert_eq(results[2].children, 4);
	cr_assert_str_eq(results[2].status, "filled");
	cr_assert_str_eq(results[2].filled, "40");
	cr_assert_str_eq(results[3].method, "market", "200 notional is under the threshold");
	cr_assert_eq(results[3].children, 1);
	xr_test_done(e);
}

Test(engine, venue_rejects_and_failures_end_their_orders, .init = xr_test_make_dir)
{
	char *signals = many_signals(500, "cat", NULL);
	/* cat trades ETH on alpha only; make every alpha order fail. */
	for (char *p = strstr(signals, "BTC-USD"); p != NULL; p = strstr(p, "BTC-USD"))
		memcpy(p, "ETH-USD", 7);
	const char *cfg = "[engine]\n"
		"[venue alpha]\nfail_prob = 1\n"
		"book.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n"
		"book.ETH-USD = mid=10 tick=0.1 levels=10 level_qty=100\n" USERS;
	struct xr_engine *e = xr_test_run(cfg, signals, run_io, 0);
	const struct xr_summary *s = xr_engine_summary(e);

	xr_test_check_invariants(s, 500);
	/* Each failed child is retried once at alpha (max_retries 1) unless
	 * alpha's circuit has opened (3 failures in a row), which bounces it;
	 * with no other venue the parent then fails with that reason. While
	 * the circuit is open new orders find no eligible venue. */
	cr_assert_eq(s->failed + s->by_reason[XR_R_NO_VENUE], 500, "failed %lu no_venue %lu",
		     (unsigned long)s->failed, (unsigned long)s->by_reason[XR_R_NO_VENUE]);
	cr_assert_eq(s->by_reason[XR_R_VENUE_FAILURE] + s->by_reason[XR_R_CIRCUIT_OPEN],
		     s->failed, "venue_failure %lu circuit_open %lu",
		     (unsigned long)s->by_reason[XR_R_VENUE_FAILURE],
		     (unsigned long)s->by_reason[XR_R_CIRCUIT_OPEN]);
	cr_assert_geq(s->failed, 3);
	cr_assert_geq(s->retries, 1, "a venue failure is retried at the same venue");
	cr_assert_geq(s->venues[0].failed, 3, "alpha failed the children it was sent");
	cr_assert_geq(s->failover_events, 1, "alpha's circuit opened");
	xr_test_done(e);
	free(signals);

	xr_test_make_dir();
	signals = many_signals(300, "eve", NULL);
	cfg = "[engine]\n"
	      "[venue alpha]\nreject_prob = 1\n"
	      "book.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n"
	      "book.ETH-USD = mid=10 tick=0.1 levels=10 level_qty=100\n" USERS;
	e = xr_test_run(cfg, signals, run_io, 0);
	s = xr_engine_summary(e);
	xr_test_check_invariants(s, 300);
	/* Rejects open alpha's circuit too: later children bounce (failed,
	 * circuit_open) and new orders find no venue (rejected). */
	cr_assert_eq(s->rejected + s->failed, 300);
	cr_assert_eq(s->by_reason[XR_R_VENUE_REJECT] + s->by_reason[XR_R_NO_VENUE] +
		     s->by_reason[XR_R_CIRCUIT_OPEN], 300);
	cr_assert_geq(s->by_reason[XR_R_VENUE_REJECT], 3);
	cr_assert_eq(s->retries, 0, "a venue reject is never retried at the same venue");
	xr_test_done(e);
	free(signals);
}

Test(engine, summary_json_and_histograms_are_written, .init = xr_test_make_dir)
{
	char *signals = many_signals(1000, "eve", NULL);
	struct xr_engine *e = xr_test_run("[engine]\n" VENUES USERS, signals, run_io, 0);
	char err[256], text[8192];

	FILE *f = fopen(xr_test_path("summary.json"), "w+");
	cr_assert_eq(xr_engine_write_summary_json(e, f), 0);
	rewind(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	const char *keys[] = {"\"signals_read\":1000", "\"accepted\":", "\"rejected\":",
			      "\"filled\":", "\"partially_filled\":", "\"failed\":",
			      "\"unaccounted\":0", "\"duplicates\":0", "\"throughput_per_s\":",
			      "\"e2e_ns\":{", "\"p50\":", "\"p99\":", "\"p999\":", "\"max\":"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		cr_assert_not_null(strstr(text, keys[i]), "summary lacks %s", keys[i]);

	cr_assert_eq(xr_engine_write_hgrm(e, xr_test_path("hist"), err, sizeof(err)), 0, "%s", err);
	const char *names[] = {"e2e", "router", "queue", "validate", "route", "venue", "aggregate"};
	for (size_t i = 0; i < 7; i++) {
		char p[600];
		struct stat sb;
		snprintf(p, sizeof(p), "%s/hist/%s.hgrm", xr_test_dir(), names[i]);
		cr_assert_eq(stat(p, &sb), 0, "%s missing", p);
		cr_assert_gt(sb.st_size, 100);
	}
	xr_test_done(e);
	free(signals);
}

Test(engine, bad_signal_header_is_refused_at_create, .init = xr_test_make_dir)
{
	char err[512];

	xr_test_write_file("xroute.ini", "[engine]\n" VENUES USERS);
	xr_test_write_file("signals.csv", "ts_ns,signal_id,user\n1,2,ann\n");
	struct xr_config *cfg = xr_config_load(xr_test_path("xroute.ini"), xr_connector_schemas, err,
					       sizeof(err));
	cr_assert_not_null(cfg);
	struct xr_engine_io io = {.signals_path = xr_test_path("signals.csv")};
	cr_assert_null(xr_engine_create(cfg, &io, err, sizeof(err)));
	cr_assert_not_null(strstr(err, "signals.csv:1:"), "error names file and line: %s", err);
	io.signals_path = xr_test_path("missing.csv");
	cr_assert_null(xr_engine_create(cfg, &io, err, sizeof(err)));
	cr_assert_not_null(strstr(err, "No such file"), "%s", err);
	xr_config_free(cfg);
}

/* ---- the feedback ring: route re-routes a child to an untried venue ---- */

#include "engine_pvt.h"
#include "stage_execute_pvt.h"
#include "stage_route_pvt.h"
#include "venue_stats_pvt.h"
#include "xr_clock.h"

Test(engine, feedback_child_goes_to_an_untried_venue, .init = xr_test_make_dir)
{
	char err[512];

	xr_test_write_file("xroute.ini", "[engine]\n" VENUES USERS);
	xr_test_write_file("signals.csv", XR_TEST_SIGNAL_HEADER);
	struct xr_config *cfg = xr_config_load(xr_test_path("xroute.ini"), xr_connector_schemas, err,
					       sizeof(err));
	cr_assert_not_null(cfg, "%s", err);
	struct xr_engine_io io = {.signals_path = xr_test_path("signals.csv")};
	struct xr_engine *e = xr_engine_create(cfg, &io, err, sizeof(err));
	cr_assert_not_null(e, "%s", err);

	/* Snapshot 1, built as xr_engine_run builds it, on this (only) thread. */
	uint64_t now = xr_now_ns();
	xr_engine_first_snapshot(e, now);

	/* A child of eve's that failed at alpha (venue 0). */
	struct xr_msg c = {
		.kind = XR_MSG_CHILD, .order_id = 7, .cl_ord_id = 3, .signal_id = 70,
		.user = (uint32_t)xr_config_user_id(cfg, "eve"), .symbol = 0,
		.side = XR_SIDE_BUY, .ord_type = XR_ORD_MARKET, .tif = XR_TIF_IOC,
		.qty = XR_QTY_SCALE, .order_qty = XR_QTY_SCALE, .n_children = 1,
		.venue = 0, .venue_mask = 1, .attempts = 1,
	};
	struct xr_msg out;
	cr_assert(xr_ring_enqueue(e->aggregate_to_route, &c));
	cr_assert_eq(e->route->st.do_work(&e->route->st), 1);
	cr_assert(xr_ring_dequeue(e->route_to_execute[1], &out), "re-routed to bravo");
	cr_assert_not(xr_ring_dequeue(e->route_to_execute[0], &out) && out.order_id == 7);
	cr_assert_eq(out.venue, 1);
	cr_assert_eq(out.attempts, 2);
	cr_assert_eq(out.venue_mask, 3, "both venues now tried");
	cr_assert_gt(out.cl_ord_id, 0);
	cr_assert_neq(out.cl_ord_id, 3, "a re-route gets a new ClOrdID");

	/* A retry keeps its venue and send time, with a new ClOrdID. */
	struct xr_msg retry = out;
	retry.decision = XR_D_RETRY;
	retry.send_at_ns = now + 12345;
	cr_assert(xr_ring_enqueue(e->aggregate_to_route, &retry));
	cr_assert_eq(e->route->st.do_work(&e->route->st), 1);
	struct xr_msg again;
	cr_assert(xr_ring_dequeue(e->route_to_execute[1], &again), "retried at bravo");
	cr_assert_eq(again.attempts, 3);
	cr_assert_eq(again.send_at_ns, now + 12345, "held for its backoff");
	cr_assert_gt(again.cl_ord_id, out.cl_ord_id, "a retry gets a new ClOrdID");

	/* Both tried: the child ends as a failed report of its parent. */
	out.reason = XR_R_VENUE_FAILURE;
	cr_assert(xr_ring_enqueue(e->aggregate_to_route, &out));
	cr_assert_eq(e->route->st.do_work(&e->route->st), 1);
	cr_assert(xr_ring_dequeue(e->route_to_aggregate, &out));
	cr_assert_eq(out.kind, XR_MSG_REPORT);
	cr_assert_eq(out.ord_status, XR_OS_REJECTED);
	cr_assert_eq(out.final, XR_FINAL_FAILED);
	cr_assert_eq(out.decision, XR_D_NO_VENUE);
	cr_assert_eq(out.reason, XR_R_VENUE_FAILURE, "the venue's failure is the reason");
	cr_assert_eq(out.order_id, 7);
	xr_engine_destroy(e);
	xr_config_free(cfg);
}
