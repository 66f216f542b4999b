/*
 * Hot reload (engine/reload.c): xr_engine_reload() on an engine built from
 * a small config file, then the file rewritten. A reloadable change
 * publishes parameters version + 1 that the next orders route by; a file
 * that does not load, or that changes what needs a restart, is rejected
 * with its error and leaves the running parameters as they were. The test
 * thread is the engine's owner; no stage thread runs while it reads the
 * parameters pointer.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_pvt.h"
#include "fixtures.h"
#include "xr_config.h"
#include "xr_connector.h"
#include "xr_engine.h"

/* What differs from the base config; NULL = as in the base. */
struct variant {
	const char *ring;     /* [engine] ring_capacity (base 1024) */
	const char *engine;   /* more [engine] keys */
	const char *fee;      /* [venue alpha] fee_taker_bps (base 2) */
	const char *alpha;    /* more [venue alpha] keys */
	const char *sections; /* more sections, after the venues */
	const char *ann;      /* more [user ann] keys */
};

#define OR(s, d) ((s) != NULL ? (s) : (d))

/* Two venues alike but for alpha's taker fee (2 bps vs 50), one symbol,
 * one user: weighted_score sends an order to the cheaper venue. The text
 * is in static storage, replaced by the next call. */
static const char *
config_text(struct variant v)
{
	static char text[4096];
	int n = snprintf(text, sizeof(text),
		"[engine]\n"
		"ring_capacity = %s\n"
		"%s"
		"[venue alpha]\n"
		"fee_taker_bps = %s\n"
		"latency_us = 5\n"
		"jitter_us = 0\n"
		"session_ms = 5\n"
		"book.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n"
		"%s"
		"[venue bravo]\n"
		"fee_taker_bps = 50\n"
		"latency_us = 5\n"
		"jitter_us = 0\n"
		"session_ms = 5\n"
		"book.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n"
		"%s"
		"[user_defaults]\n"
		"rate_per_s = 1000000\n"
		"burst = 1000000\n"
		"[user ann]\n"
		"%s",
		OR(v.ring, "1024"), OR(v.engine, ""), OR(v.fee, "2"), OR(v.alpha, ""),
		OR(v.sections, ""), OR(v.ann, ""));
	cr_assert(n > 0 && (size_t)n < sizeof(text));
	return text;
}

static void
write_config(struct variant v)
{
	xr_test_write_file("xroute.ini", config_text(v));
}

/* An engine on the base config and @p signals, not yet run; results in
 * DIR/results.csv, a 5 s drain. xr_test_done() destroys it, then its
 * config. */
static struct xr_engine *
create(const char *signals)
{
	return xr_test_start(config_text((struct variant){0}), signals,
			     (struct xr_engine_io){.drain_timeout_ms = 5000});
}

/* The parameters now published (no reader thread runs). */
static const struct xr_params *
params(struct xr_engine *e)
{
	return xr_params_current(&e->params);
}

/* Reload xroute.ini, expecting @p rc; err in @p err. */
static void
reload(struct xr_engine *e, int rc, char *err, size_t err_len)
{
	int got = xr_engine_reload(e, xr_test_path("xroute.ini"), err, err_len);
	cr_assert_eq(got, rc, "reload returned %d (%s), expected %d", got, err, rc);
}

/* The venue of the first result row (results CSV field 8). */
static void
first_result_venue(char *venue, size_t len)
{
	FILE *f = fopen(xr_test_path("results.csv"), "r");
	char line[2048];

	cr_assert_not_null(f);
	cr_assert_not_null(fgets(line, sizeof(line), f)); /* header */
	cr_assert_not_null(fgets(line, sizeof(line), f));
	fclose(f);
	char *p = line, *field = NULL;
	for (int i = 0; i <= 8; i++)
		field = strsep(&p, ",\n");
	cr_assert_not_null(field);
	snprintf(venue, len, "%s", field);
}

#define ONE_ORDER XR_TEST_SIGNAL_HEADER "100000000001,1,ann,BTC-USD,buy,5,market,,,entry,,\n"

Test(reload, publishes_new_weights_and_fees, .init = xr_test_make_dir)
{
	struct xr_engine *e = create(XR_TEST_SIGNAL_HEADER);
	const struct xr_params *before = params(e);
	char err[512] = "x";

	cr_assert_eq(before->version, 1);
	cr_assert_eq(before->venue[0].fee_taker_cbps, 200);
	write_config((struct variant){
		.engine = "weight_fees = 0.50\nweight_latency = 0\n",
		.fee = "60",
		.alpha = "fee_maker_bps = -0.5\nnetwork_distance_us = 30\n"
			 "rate_limit_per_s = 500\nrate_limit_burst = 20\n",
		.sections = "[strategy best_execution]\nweight_price = 0.5\nweight_liquidity = 0.5\n",
	});
	reload(e, 0, err, sizeof(err));
	cr_assert_str_empty(err);

	const struct xr_params *p = params(e);
	cr_assert_neq(p, before, "a new object is published");
	cr_assert_eq(p->version, 2);
	const struct xr_strategy_cfg *ws = &p->sel.strat[XR_STRAT_WEIGHTED_SCORE];
	cr_assert_eq(ws->w[XR_F_FEES], 5000, "[engine] weight_fees = 0.50");
	cr_assert_eq(ws->w[XR_F_LATENCY], 0);
	cr_assert_eq(ws->w[XR_F_SUCCESS], 2500);
	const struct xr_strategy_cfg *be = &p->sel.strat[XR_STRAT_BEST_EXECUTION];
	cr_assert_eq(be->w[XR_F_PRICE], 5000, "[strategy best_execution] weight_price");
	cr_assert_eq(be->w[XR_F_LIQUIDITY], 5000);
	cr_assert_eq(be->w[XR_F_LATENCY], 0, "a section's weights replace the defaults");
	cr_assert_eq(p->venue[0].fee_taker_cbps, 6000);
	cr_assert_eq(p->venue[0].fee_maker_cbps, -50);
	cr_assert_eq(p->venue[0].network_distance_us, 30);
	cr_assert_eq(p->venue[0].rate_limit_per_s, 500);
	cr_assert_eq(p->venue[0].rate_limit_burst, 20);
	cr_assert_eq(p->venue[1].fee_taker_cbps, 5000, "bravo unchanged");
	cr_assert_eq(e->cfg->venues[0].fee_taker_cbps, 200,
		     "the running config object is not modified");

	/* The same file again: a new version with the same values. */
	reload(e, 0, err, sizeof(err));
	cr_assert_eq(params(e)->version, 3);
	cr_assert_eq(params(e)->venue[0].fee_taker_cbps, 6000);
	xr_test_done(e); /* the retired versions are freed by call_rcu (ASan: no leak) */
}

Test(reload, syntax_error_names_file_and_line, .init = xr_test_make_dir)
{
	struct xr_engine *e = create(XR_TEST_SIGNAL_HEADER);
	const struct xr_params *before = params(e);
	char err[512], want[600];

	xr_test_write_file("xroute.ini", "[engine]\nburst = 8\n[venue alpha\n");
	reload(e, -EINVAL, err, sizeof(err));
	snprintf(want, sizeof(want), "%s:3: ", xr_test_path("xroute.ini"));
	cr_assert(strncmp(err, want, strlen(want)) == 0, "error \"%s\" does not start with %s",
		  err, want);
	cr_assert(params(e) == before && params(e)->version == 1, "parameters unchanged");

	/* A bad value, too: the loader's message as is. */
	write_config((struct variant){.fee = "abc"});
	reload(e, -EINVAL, err, sizeof(err));
	cr_assert(strstr(err, "[venue alpha] fee_taker_bps: \"abc\" is not a number") != NULL,
		  "%s", err);
	cr_assert_eq(params(e)->version, 1);
	xr_test_done(e);
}

Test(reload, added_venue_is_rejected, .init = xr_test_make_dir)
{
	struct xr_engine *e = create(XR_TEST_SIGNAL_HEADER);
	char err[512], want[600];

	write_config((struct variant){
		.fee = "60", /* reloadable, but the file is rejected as a whole */
		.sections = "[venue charlie]\nbook.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n",
	});
	reload(e, -ENOTSUP, err, sizeof(err));
	snprintf(want, sizeof(want),
		 "%s: [venue charlie] added; venues, symbols, users and threads need a restart",
		 xr_test_path("xroute.ini"));
	cr_assert_str_eq(err, want);
	cr_assert_eq(params(e)->version, 1);
	cr_assert_eq(params(e)->venue[0].fee_taker_cbps, 200, "nothing applied");
	xr_test_done(e);
}

Test(reload, ring_capacity_change_is_rejected, .init = xr_test_make_dir)
{
	struct xr_engine *e = create(XR_TEST_SIGNAL_HEADER);
	char err[512], want[600];

	write_config((struct variant){.ring = "2048", .fee = "60"});
	reload(e, -ENOTSUP, err, sizeof(err));
	snprintf(want, sizeof(want),
		 "%s: [engine] ring_capacity cannot change without a restart (1024 -> 2048)",
		 xr_test_path("xroute.ini"));
	cr_assert_str_eq(err, want);
	cr_assert_eq(params(e)->version, 1);
	cr_assert_eq(params(e)->venue[0].fee_taker_cbps, 200);
	xr_test_done(e);
}

Test(reload, every_restart_change_is_named, .init = xr_test_make_dir)
{
	static const struct {
		struct variant v;
		const char *error;
	} cases[] = {
		{{.engine = "burst = 16\n"},
		 "[engine] burst cannot change without a restart (32 -> 16)"},
		{{.engine = "default_strategy = stealth\n"},
		 "[engine] default_strategy cannot change without a restart"},
		{{.engine = "snapshot_interval_us = 500\n"},
		 "[engine] snapshot_interval_us cannot change without a restart"},
		{{.alpha = "reject_prob = 0.5\n"},
		 "[venue alpha] reject_prob cannot change without a restart (0 -> 0.5)"},
		{{.alpha = "connector = sim\nseed = 9\n"},
		 "[venue alpha] seed cannot change without a restart (1 -> 9)"},
		{{.alpha = "book.ETH-USD = mid=10 tick=0.1 levels=10 level_qty=100\n"},
		 "symbol ETH-USD added; venues, symbols, users and threads need a restart"},
		{{.sections = "[user bob]\n"},
		 "[user bob] added; venues, symbols, users and threads need a restart"},
		{{.ann = "max_notional = 1000\n"},
		 "[user ann] max_notional cannot change without a restart"},
		{{.ann = "max_position.BTC-USD = 7\n"},
		 "[user ann] max_position.BTC-USD cannot change without a restart"},
		{{.sections = "[threads]\nall.stages = ingress, validate, route, execute.*, "
			      "aggregate, output\n"},
		 "[threads] thread all added; venues, symbols, users and threads need a restart"},
		{{.sections = "[threads]\nfront.stages = ingress, validate, route\nfront.cpu = 0\n"
			      "back.stages = execute.*, aggregate, output\nback.cpu = 1\n"
			      "back.wait = yield\n"},
		 "[threads] back.wait cannot change without a restart (backoff -> yield)"},
		{{.sections = "[serve]\nmax_clients = 4\n"},
		 "[serve] max_clients cannot change without a restart (16 -> 4)"},
	};
	struct xr_engine *e = create(XR_TEST_SIGNAL_HEADER);
	char err[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_config(cases[i].v);
		reload(e, -ENOTSUP, err, sizeof(err));
		cr_assert(strstr(err, cases[i].error) != NULL, "case %zu: \"%s\" lacks \"%s\"", i,
			  err, cases[i].error);
		cr_assert_eq(params(e)->version, 1);
	}
	/* The unchanged file is accepted. */
	write_config((struct variant){0});
	reload(e, 0, err, sizeof(err));
	cr_assert_eq(params(e)->version, 2);
	xr_test_done(e);
}

Test(reload, without_reload_the_cheaper_venue_wins, .init = xr_test_make_dir)
{
	struct xr_engine *e = create(ONE_ORDER);
	char err[512], venue[32];

	cr_assert_eq(xr_engine_run(e, err, sizeof(err)), 0, "%s", err);
	first_result_venue(venue, sizeof(venue));
	cr_assert_str_eq(venue, "alpha");
	cr_assert_eq(xr_engine_summary(e)->reloads, 0);
	cr_assert_eq(xr_engine_summary(e)->reloads_rejected, 0);
	xr_test_done(e);
}

Test(reload, reloaded_fees_route_the_next_orders, .init = xr_test_make_dir)
{
	struct xr_engine *e = create(ONE_ORDER);
	char err[512], venue[32];

	write_config((struct variant){.fee = "60"}); /* alpha now dearer than bravo */
	reload(e, 0, err, sizeof(err));
	write_config((struct variant){.ring = "4096"});
	reload(e, -ENOTSUP, err, sizeof(err));
	cr_assert_eq(xr_engine_run(e, err, sizeof(err)), 0, "%s", err);
	first_result_venue(venue, sizeof(venue));
	cr_assert_str_eq(venue, "bravo", "routed by the reloaded fees");
	const struct xr_summary *s = xr_engine_summary(e);
	cr_assert_eq(s->reloads, 1);
	cr_assert_eq(s->reloads_rejected, 1);
	cr_assert_eq(s->unaccounted, 0);
	xr_test_done(e);
}
