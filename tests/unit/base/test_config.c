/*
 * Unit tests of the config loader (base/config_*.c): the example config, defaults, every error
 * class with its exact message, print -> load round trips, [user_defaults]
 * placement, shared limit arrays, the thread plan, the deployment mode
 * (mode, huge_pages, lock_memory, colocated threads), the selector keys of
 * [engine] and [venue NAME], the [strategy NAME] sections, venue plans
 * (primary_venue, failover_venues, auto_failover) of users, [user_defaults]
 * and [symbol NAME] sections, and connector schemas (a kind declared by a
 * test). The sim's and FIX's own keys are tested in
 * tests/unit/connectors/test_sim_config.c and test_fix_config.c.
 *
 * Helpers and the temporary directory: tests/common/config_test.h.
 */
#include "../../common/config_test.h"
#include "xr_config_schema.h"
#include "sim/xr_sim_config.h"

TestSuite(config, .init = config_test_enter, .fini = config_test_leave);

/* The sim keys of a loaded sim venue (never NULL in these tests). */
#define SIM(v) xr_sim_venue_cfg(v)

#define Q(x) ((int64_t)(x)*XR_QTY_SCALE)

/* Two strategy settings are equal except for the header line. */
static void
assert_strategy_eq(const struct xr_strategy_cfg *a, const struct xr_strategy_cfg *b, int st)
{
	for (int f = 0; f < XR_F_COUNT; f++)
		cr_assert_eq(a->w[f], b->w[f], "strategy %d factor %d", st, f);
	cr_assert_eq(a->split, b->split, "strategy %d", st);
	cr_assert_eq(a->pricing, b->pricing, "strategy %d", st);
	cr_assert_eq(a->two_x_depth, b->two_x_depth, "strategy %d", st);
	cr_assert_eq(a->max_slice_ppm, b->max_slice_ppm, "strategy %d", st);
	cr_assert_eq(a->min_slice_qty, b->min_slice_qty, "strategy %d", st);
	cr_assert_eq(a->max_slippage_bps, b->max_slippage_bps, "strategy %d", st);
	cr_assert_eq(a->display_ppm, b->display_ppm, "strategy %d", st);
	cr_assert_eq(a->slices, b->slices, "strategy %d", st);
	cr_assert_eq(a->horizon_us, b->horizon_us, "strategy %d", st);
	cr_assert_eq(a->min_health_ppm, b->min_health_ppm, "strategy %d", st);
}

/* ------------------------------------------------------------------ */

Test(config, example_loads)
{
	char err[512];
	struct xr_config *cfg = xr_config_load(example_path(), xr_connector_schemas, err, sizeof(err));
	cr_assert_not_null(cfg, "%s", err);

	cr_assert_eq(cfg->n_venues, 5);
	cr_assert_eq(cfg->n_users, 100);
	cr_assert_eq(cfg->n_symbols, 8);
	cr_assert_eq(cfg->n_threads, 2);
	const char *venues[] = { "alpha", "bravo", "charlie", "delta", "echo" };
	for (int i = 0; i < 5; i++)
		cr_assert_eq(xr_config_venue_id(cfg, venues[i]), i);
	cr_assert_eq(xr_config_symbol_id(cfg, "BTC-USD"), 0);
	cr_assert_eq(xr_config_symbol_id(cfg, "LINK-USD"), 7);
	cr_assert_eq(xr_config_symbol_id(cfg, "FOO-USD"), -1);
	cr_assert_eq(xr_config_user_id(cfg, "u001"), 0);
	cr_assert_eq(xr_config_user_id(cfg, "u100"), 99);
	cr_assert_eq(xr_config_user_id(cfg, "u101"), -1);

	/* BTC-USD and ETH-USD are on every venue; latencies 20..120 us. */
	for (uint32_t v = 0; v < cfg->n_venues; v++) {
		const struct xr_venue_cfg *vc = &cfg->venues[v];
		cr_assert_eq(vc->books[0].symbol, 0);
		cr_assert_eq(vc->books[1].symbol, 1);
		cr_assert(SIM(vc)->latency_us >= 20 && SIM(vc)->latency_us <= 120);
		cr_assert(vc->n_books >= 1);
	}
	const struct xr_venue_cfg *alpha = &cfg->venues[0];
	cr_assert_eq(alpha->fee_taker_cbps, 250);
	cr_assert_eq(SIM(alpha)->reject_ppm, 1000);
	cr_assert_eq(SIM(alpha)->fail_ppm, 500);
	cr_assert_eq(alpha->books[0].mid_px, 50000 * XR_PX_SCALE);
	cr_assert_eq(alpha->books[0].tick_px, XR_PX_SCALE / 2);
	cr_assert_eq(cfg->venues[2].fee_maker_cbps, -25);

	/* The [threads] section is the default plan. */
	const struct xr_thread_cfg *back = &cfg->threads[1];
	cr_assert_str_eq(back->name, "back");
	cr_assert_eq(back->n_stages, 7);
	cr_assert_str_eq(back->stages[0], "execute.alpha");
	cr_assert_str_eq(back->stages[4], "execute.echo");
	cr_assert_str_eq(back->stages[5], "aggregate");
	cr_assert_str_eq(back->stages[6], "output");

	/* Users: defaults, the special ones, shared limit arrays. */
	const struct xr_user_cfg *u1 = &cfg->users[0];
	cr_assert(u1->enabled);
	cr_assert_eq(u1->rate_per_s, 8000);
	cr_assert_eq(u1->burst, 1000);
	cr_assert_eq(u1->max_notional, 2000000 * XR_CASH_SCALE);
	cr_assert_eq(u1->venue_mask, 0x1f);
	cr_assert_eq(u1->max_position[0], Q(100));
	cr_assert_not(u1->own_limits);
	cr_assert_not(cfg->users[xr_config_user_id(cfg, "u013")].enabled);
	cr_assert_eq(cfg->users[xr_config_user_id(cfg, "u005")].venue_mask, 0x3);
	const struct xr_user_cfg *u42 = &cfg->users[xr_config_user_id(cfg, "u042")];
	cr_assert(u42->own_limits);
	cr_assert_eq(u42->max_position[0], Q(10));
	cr_assert_eq(u42->max_position[1], Q(1700));
	const struct xr_user_cfg *u10 = &cfg->users[xr_config_user_id(cfg, "u010")];
	cr_assert(xr_user_symbol_allowed(u10, 0) && xr_user_symbol_allowed(u10, 1));
	cr_assert_not(xr_user_symbol_allowed(u10, 2));
	xr_config_free(cfg);
}

Test(config, defaults_applied)
{
	struct xr_config *cfg = load_ok(MINIMAL);
	const struct xr_engine_cfg *e = &cfg->engine;

	cr_assert_eq(e->ring_capacity, 4096);
	cr_assert_eq(e->burst, 32);
	cr_assert_eq(e->max_inflight_orders, 65536);
	cr_assert_eq(e->dedup_window, 1048576);
	cr_assert_eq(e->twap_notional, 250000 * XR_CASH_SCALE);
	cr_assert_eq(e->twap_slices, 4);
	cr_assert_eq(e->twap_horizon_us, 2000);
	cr_assert_eq(e->w_fees, 3000);
	cr_assert_eq(e->w_latency, 2000);
	cr_assert_eq(e->w_success, 2500);
	cr_assert_eq(e->w_load, 1500);
	cr_assert_eq(e->w_pair, 1000);
	cr_assert_eq(e->latency_zero_score_us, 1000000);
	cr_assert_eq(e->load_full_queue, 100);
	cr_assert_eq(e->snapshot_interval_us, 100);
	cr_assert_eq(e->default_strategy, XR_STRAT_WEIGHTED_SCORE);
	cr_assert_eq(e->results_format, XR_RESULTS_CSV);
	cr_assert_eq(e->backoff_spins, 2000);
	cr_assert_eq(e->backoff_yields, 50);
	cr_assert_eq(e->backoff_sleep_us, 50);

	const struct xr_venue_cfg *v = &cfg->venues[0];
	cr_assert_str_eq(v->connector, "sim");
	cr_assert_eq(v->fee_maker_cbps, 100);
	cr_assert_eq(v->fee_taker_cbps, 250);
	cr_assert_eq(SIM(v)->latency_us, 50);
	cr_assert_eq(SIM(v)->jitter_us, 20);
	cr_assert_eq(SIM(v)->reject_ppm, 0);
	cr_assert_eq(SIM(v)->fail_ppm, 0);
	cr_assert_eq(SIM(v)->seed, 1);
	cr_assert_eq(SIM(v)->session_ms, 100);
	cr_assert_eq(v->max_open_orders, 4096);
	cr_assert_eq(v->line, 1);
	cr_assert_eq(v->n_books, 1);
	cr_assert_eq(v->books[0].levels, 10);
	cr_assert_eq(v->books[0].level_qty, Q(1));

	const struct xr_user_cfg *u = &cfg->users[0];
	cr_assert(u->enabled);
	cr_assert_eq(u->venue_mask, 1);
	cr_assert(xr_user_symbol_allowed(u, 0));
	cr_assert_eq(u->rate_per_s, 1000);
	cr_assert_eq(u->burst, 100);
	cr_assert_eq(u->max_notional, INT64_MAX);
	cr_assert_eq(u->max_order_qty[0], INT64_MAX);
	cr_assert_eq(u->max_position[0], INT64_MAX);
	cr_assert_eq(u->strategy, XR_STRAT_DEFAULT);
	cr_assert_eq(u->line, 3);

	/* The default thread plan. */
	cr_assert_eq(cfg->n_threads, 2);
	cr_assert_str_eq(cfg->threads[0].name, "front");
	cr_assert_eq(cfg->threads[0].cpu, 0);
	cr_assert_eq(cfg->threads[0].n_stages, 3);
	cr_assert_str_eq(cfg->threads[0].stages[2], "route");
	cr_assert_str_eq(cfg->threads[1].name, "back");
	cr_assert_eq(cfg->threads[1].cpu, 1);
	cr_assert_eq(cfg->threads[1].n_stages, 3);
	cr_assert_str_eq(cfg->threads[1].stages[0], "execute.alpha");
	cr_assert_str_eq(cfg->threads[1].stages[1], "aggregate");
	cr_assert_str_eq(cfg->threads[1].stages[2], "output");
	for (int t = 0; t < 2; t++)
		cr_assert_eq(cfg->threads[t].wait, XR_WAIT_BACKOFF);
	xr_config_free(cfg);
}

Test(config, values_parsed_exactly)
{
	struct xr_config *cfg =
		load_ok("[engine]\n"
			"  twap_notional = 1234.56789012 ; indented, inline comment\n"
			"  weight_fees = 0.3\n"
			"  weight_latency = 0.2001\n"
			"  weight_success = 0.2499\n"
			"results_format = jsonl\n"
			"[venue alpha]\n"
			"fee_maker_bps = -0.25\n"
			"fee_taker_bps = 2.5\n"
			"reject_prob = 0.000001\n"
			"fail_prob = 1\n"
			"seed = 18446744073709551615\n"
			"book.DOGE-USD = level_qty=166700 levels=40 tick=0.00001 mid=0.15\n"
			"[user u1]\n"
			"enabled = no\n"
			"max_notional = none\n"
			"max_order_qty = 0.5\n");
	cr_assert_eq(cfg->engine.twap_notional, INT64_C(123456789012));
	cr_assert_eq(cfg->engine.w_latency, 2001);
	cr_assert_eq(cfg->engine.w_success, 2499);
	cr_assert_eq(cfg->engine.results_format, XR_RESULTS_JSONL);
	cr_assert_eq(cfg->venues[0].fee_maker_cbps, -25);
	cr_assert_eq(cfg->venues[0].fee_taker_cbps, 250);
	cr_assert_eq(SIM(&cfg->venues[0])->reject_ppm, 1);
	cr_assert_eq(SIM(&cfg->venues[0])->fail_ppm, 1000000);
	cr_assert_eq(SIM(&cfg->venues[0])->seed, UINT64_MAX);
	cr_assert_eq(cfg->venues[0].books[0].mid_px, 15000000);
	cr_assert_eq(cfg->venues[0].books[0].tick_px, 1000);
	cr_assert_eq(cfg->venues[0].books[0].levels, 40);
	cr_assert_eq(cfg->users[0].enabled, false);
	cr_assert_eq(cfg->users[0].max_notional, INT64_MAX);
	cr_assert_eq(cfg->users[0].max_order_qty[0], XR_QTY_SCALE / 2);
	xr_config_free(cfg);
}

/* ------------------------------------------------------------------ */
/* Errors: one test per class, exact messages. */

Test(config, error_cannot_open)
{
	char err[256];
	cr_assert_null(xr_config_load("missing.ini", xr_connector_schemas, err, sizeof(err)));
	cr_assert_str_eq(err, "missing.ini: cannot open: No such file or directory");
}

Test(config, error_unknown_section)
{
	expect_error(MINIMAL "[engin]\nburst = 8\n",
		     "xroute.ini:4: [engin]: unknown section (expected engine, threads, "
		     "user_defaults, serve, journal, venue NAME, user NAME, strategy NAME, symbol NAME, "
		     "client NAME or fix_client NAME)");
}

Test(config, error_unknown_key)
{
	expect_error("[engine]\nburst = 8\nbogus = 1\n" MINIMAL,
		     "xroute.ini:3: [engine] bogus: unknown key");
	expect_error(MINIMAL "colour = blue\n", "xroute.ini:4: [user u1] colour: unknown key");
	expect_error("burst = 8\n" MINIMAL, "xroute.ini:1: burst: key before any [section]");
	expect_error(MINIMAL "[threads]\nfront.colour = 1\n",
		     "xroute.ini:5: [threads] front.colour: unknown key (expected NAME.stages, "
		     "NAME.cpu or NAME.wait)");
}

Test(config, error_duplicate_key)
{
	expect_error("[engine]\nburst = 8\n\nburst = 16\n" MINIMAL,
		     "xroute.ini:4: [engine] burst: duplicate key (first at line 2)");
	expect_error(
		MINIMAL "max_position.BTC-USD = 1\nmax_position.BTC-USD = 2\n",
		"xroute.ini:5: [user u1] max_position.BTC-USD: duplicate key (first at line 4)");
}

Test(config, error_duplicate_section)
{
	expect_error(MINIMAL "[venue alpha]\n",
		     "xroute.ini:4: [venue alpha]: duplicate section (first at line 1)");
	expect_error(MINIMAL "[user   u1]\n",
		     "xroute.ini:4: [user u1]: duplicate section (first at line 3)");
	expect_error("[engine]\n" MINIMAL "[engine]\n",
		     "xroute.ini:5: [engine]: duplicate section (first at line 1)");
}

Test(config, error_bad_names)
{
	expect_error("[venue kr@ken]\n",
		     "xroute.ini:1: [venue kr@ken]: venue name \"kr@ken\" must be 1..31 of "
		     "A-Z a-z 0-9 _ -");
	expect_error("[venue]\n", "xroute.ini:1: [venue]: missing name ([venue NAME])");
	expect_error("[venue alpha]\nbook.BTC USD = mid=1 tick=0.1 levels=1 level_qty=1\n",
		     "xroute.ini:2: [venue alpha] book.BTC USD: symbol \"BTC USD\" must be 1..31 "
		     "of A-Z a-z 0-9 _ . / -");
}

Test(config, error_not_a_number)
{
	expect_error("[venue kraken]\nbook.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n"
		     "fee_taker_bps = abc\n",
		     "xroute.ini:3: [venue kraken] fee_taker_bps: \"abc\" is not a number");
	expect_error("[engine]\nburst = 1.5\n",
		     "xroute.ini:2: [engine] burst: \"1.5\" is not an integer");
	expect_error(
		"[venue a]\nfee_taker_bps = 2.555\n",
		"xroute.ini:2: [venue a] fee_taker_bps: \"2.555\" has more than 2 decimal places");
	expect_error(MINIMAL "max_notional = lots\n",
		     "xroute.ini:4: [user u1] max_notional: \"lots\" is not a number");
}

Test(config, error_out_of_range)
{
	expect_error("[engine]\nburst = 300\n",
		     "xroute.ini:2: [engine] burst: \"300\" is out of range (1..256)");
	expect_error("[engine]\nring_capacity = 1000\n",
		     "xroute.ini:2: [engine] ring_capacity: \"1000\" is not a power of two "
		     "(64..16777216)");
	expect_error("[engine]\nring_capacity = 32\n",
		     "xroute.ini:2: [engine] ring_capacity: \"32\" is out of range (64..16777216)");
	expect_error("[venue a]\nreject_prob = 1.5\n",
		     "xroute.ini:2: [venue a] reject_prob: \"1.5\" is out of range (0..1)");
	expect_error(
		"[venue a]\nfee_maker_bps = -2000\n",
		"xroute.ini:2: [venue a] fee_maker_bps: \"-2000\" is out of range (-1000..1000)");
	expect_error(
		"[user_defaults]\nrate_per_s = 0\n",
		"xroute.ini:2: [user_defaults] rate_per_s: \"0\" is out of range (1..10000000)");
	expect_error(
		"[user_defaults]\nmax_position = -1\n",
		"xroute.ini:2: [user_defaults] max_position: \"-1\" is out of range (> 0 or none)");
	expect_error(
		"[threads]\nfront.cpu = 1024\n",
		"xroute.ini:2: [threads] front.cpu: \"1024\" is out of range (0..1023) (or none)");
}

Test(config, error_unknown_word)
{
	expect_error("[engine]\nresults_format = xml\n",
		     "xroute.ini:2: [engine] results_format: \"xml\" is not one of csv, jsonl");
	expect_error("[engine]\ndefault_strategy = default\n",
		     "xroute.ini:2: [engine] default_strategy: \"default\" is not one of "
		     "weighted_score, best_execution, lowest_latency, best_liquidity, "
		     "cost_optimization, aggressive, passive, balanced, stealth");
	expect_error(MINIMAL "strategy = fastest\n",
		     "xroute.ini:4: [user u1] strategy: \"fastest\" is not one of default, "
		     "weighted_score, best_execution, lowest_latency, best_liquidity, "
		     "cost_optimization, aggressive, passive, balanced, stealth");
	expect_error(
		"[threads]\nfront.wait = sleep\n",
		"xroute.ini:2: [threads] front.wait: \"sleep\" is not one of busy_spin, yield, "
		"backoff");
	expect_error(
		MINIMAL "enabled = maybe\n",
		"xroute.ini:4: [user u1] enabled: \"maybe\" is not one of true, false, yes, no, "
		"1, 0");
	expect_error("[venue a]\nconnector = ibkr\n",
		     "xroute.ini:2: [venue a] connector: \"ibkr\" is not one of sim, fix");
}

Test(config, error_syntax)
{
	expect_error(MINIMAL "this line has no equals sign\n", "xroute.ini:4: syntax error");
	expect_error("[venue alpha\n" MINIMAL, "xroute.ini:1: syntax error");
}

/* Load @p n bytes (which may hold NULs), which must fail with exactly @p want. */
static void
expect_error_bytes(const char *text, size_t n, const char *want)
{
	char err[512];
	FILE *f = fopen("xroute.ini", "w");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(text, 1, n, f), n);
	cr_assert_eq(fclose(f), 0);
	err[0] = '\0';
	struct xr_config *cfg = xr_config_load("xroute.ini", xr_connector_schemas, err, sizeof(err));
	cr_assert_null(cfg, "loaded, expected: %s", want);
	cr_assert_str_eq(err, want);
}

Test(config, error_nul_byte)
{
	/* "burst = 8<NUL> 9" must not read as 8. */
	static const char v[] = "[engine]\nburst = 8\0 9\n" MINIMAL;
	expect_error_bytes(v, sizeof(v) - 1,
			   "xroute.ini:2: [engine] burst: NUL byte in the value (byte 10 of the line)");
	static const char k[] = MINIMAL "max_no\0tional = 5\n";
	expect_error_bytes(k, sizeof(k) - 1, "xroute.ini:4: NUL byte in the line (byte 7)");
	static const char c[] = MINIMAL "; a comment\0\n";
	expect_error_bytes(c, sizeof(c) - 1, "xroute.ini:4: NUL byte in the line (byte 12)");
}

Test(config, error_first_is_reported)
{
	/* The syntax error on line 2 comes before the bad value on line 3. */
	expect_error("[engine]\nnonsense\nburst = 0\n", "xroute.ini:2: syntax error");
	/* And the bad value before a later syntax error. */
	expect_error("[engine]\nburst = 0\nnonsense\n",
		     "xroute.ini:2: [engine] burst: \"0\" is out of range (1..256)");
}

Test(config, error_book_form)
{
	expect_error("[venue a]\nbook.BTC-USD = mid=50000 tick=0.5 levels=10\n",
		     "xroute.ini:2: [venue a] book.BTC-USD: \"mid=50000 tick=0.5 levels=10\" lacks "
		     "level_qty= (form: mid=PX tick=PX levels=N level_qty=QTY)");
	expect_error("[venue a]\nbook.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1 depth=3\n",
		     "xroute.ini:2: [venue a] book.BTC-USD: \"mid=50000 tick=0.5 levels=10 "
		     "level_qty=1 depth=3\" has unknown field \"depth=3\" (form: mid=PX tick=PX "
		     "levels=N level_qty=QTY)");
	expect_error("[venue a]\nbook.BTC-USD = mid=50000 tick=x levels=10 level_qty=1\n",
		     "xroute.ini:2: [venue a] book.BTC-USD: \"tick=x\" is not a number");
	expect_error(
		"[venue a]\nbook.BTC-USD = mid=50000 tick=0.5 levels=1001 level_qty=1\n",
		"xroute.ini:2: [venue a] book.BTC-USD: \"levels=1001\" is out of range (1..1000)");
	expect_error("[venue a]\nbook.X = mid=1 tick=0.1 levels=10 level_qty=1\n",
		     "xroute.ini:2: [venue a] book.X: \"mid=1 tick=0.1 levels=10 level_qty=1\" has "
		     "levels * tick >= mid (every bid price must be > 0)");
	expect_error("[venue a]\nbook.BTC-USD = mid=50000 tick=1 levels=1000 "
		     "level_qty=90000000000\n",
		     "xroute.ini:2: [venue a] book.BTC-USD: \"mid=50000 tick=1 levels=1000 "
		     "level_qty=90000000000\" has levels * level_qty, or the notional of that "
		     "depth at mid + levels * tick, beyond the 64-bit fixed-point range "
		     "(92233720368.54775807)");
	expect_error("[venue a]\nbook.BTC-USD = mid=50000 tick=1 levels=1000 "
		     "level_qty=1000000\n",
		     "xroute.ini:2: [venue a] book.BTC-USD: \"mid=50000 tick=1 levels=1000 "
		     "level_qty=1000000\" has levels * level_qty, or the notional of that "
		     "depth at mid + levels * tick, beyond the 64-bit fixed-point range "
		     "(92233720368.54775807)");
}

Test(config, error_no_venue_no_user)
{
	expect_error("[engine]\n[user u1]\n",
		     "xroute.ini: no venue (a [venue NAME] section is needed)");
	expect_error("[venue alpha]\n[user u1]\n",
		     "xroute.ini:1: [venue alpha]: no book.SYMBOL key (a venue needs at least one "
		     "book)");
	expect_error("[venue alpha]\nbook.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n",
		     "xroute.ini: no user (a [user NAME] section is needed)");
}

Test(config, error_weights_sum)
{
	expect_error("\n[engine]\nweight_fees = 0.25\n" MINIMAL,
		     "xroute.ini:2: [engine]: weight_fees + weight_latency + weight_success + "
		     "weight_load + weight_pair = 0.95, must be exactly 1");
}

Test(config, error_unknown_references)
{
	expect_error(MINIMAL "venues = alpha, zulu\n",
		     "xroute.ini:4: [user u1] venues: \"zulu\" is not a venue");
	expect_error("[user_defaults]\nsymbols = BTC-USD ETH-USD\n" MINIMAL,
		     "xroute.ini:2: [user_defaults] symbols: \"ETH-USD\" is not a symbol (no venue "
		     "has book.ETH-USD)");
	expect_error(MINIMAL "max_order_qty.ETH-USD = 5\n",
		     "xroute.ini:4: [user u1] max_order_qty.ETH-USD: \"ETH-USD\" is not a symbol "
		     "(no venue has book.ETH-USD)");
	expect_error(MINIMAL "venues = *, alpha\n",
		     "xroute.ini:4: [user u1] venues: \"*, alpha\" mixes * with names");
	expect_error(MINIMAL "[threads]\nt.stages = ingress validate route execute.zulu "
			     "aggregate output\n",
		     "xroute.ini:5: [threads] t.stages: \"execute.zulu\" names no venue");
	expect_error(
		MINIMAL "[threads]\nt.stages = ingress, validate, routing\n",
		"xroute.ini:5: [threads] t.stages: \"routing\" is not a stage (stages: ingress, "
		"validate, route, execute.VENUE, execute.*, aggregate, output)");
}

Test(config, error_stage_twice)
{
	expect_error(
		MINIMAL "[threads]\n"
			"a.stages = ingress, validate, route\n"
			"b.stages = execute.*, aggregate, route, output\n",
		"xroute.ini:6: [threads] b.stages: \"route\" is also run by thread a (line 5)");
	expect_error(MINIMAL "[threads]\n"
			     "a.stages = ingress, validate, route, output, output\n"
			     "b.stages = execute.*, aggregate\n",
		     "xroute.ini:5: [threads] a.stages: \"output\" is listed twice");
	expect_error(MINIMAL "[threads]\n"
			     "a.stages = ingress, validate, route, execute.alpha\n"
			     "b.stages = execute.alpha, aggregate, output\n",
		     "xroute.ini:6: [threads] b.stages: \"execute.alpha\" is also run by thread a "
		     "(line 5)");
}

Test(config, error_stage_run_by_no_thread)
{
	expect_error(MINIMAL "[threads]\n"
			     "a.stages = ingress, validate, route, execute.*, aggregate\n",
		     "xroute.ini:4: [threads]: stage output is run by no thread");
	expect_error(
		MINIMAL "[threads]\n"
			"a.stages = ingress, validate, route, aggregate, output\n",
		"xroute.ini:4: [threads]: stage execute.alpha is run by no thread (name it, or "
		"use execute.*)");
	expect_error(MINIMAL "[threads]\n"
			     "a.stages = ingress, validate, route, execute.*, aggregate, output\n"
			     "b.cpu = 3\n",
		     "xroute.ini:6: [threads] b: no b.stages key (thread b runs no stage)");
}

/* ------------------------------------------------------------------ */
/* Deployment mode: [engine] mode, huge_pages, lock_memory, and what
 * mode = colocated asks of the thread plan (docs/deploy.md). */

/* The plan of MINIMAL written out, as the lines after [threads]. */
#define PLAN_A "a.stages = ingress, validate, route\n"
#define PLAN_B "b.stages = execute.*, aggregate, output\n"

Test(config, mode_defaults)
{
	struct xr_config *cfg = load_ok(MINIMAL);
	cr_assert_eq(cfg->engine.mode, XR_MODE_STANDARD);
	cr_assert_eq(cfg->engine.huge_pages, XR_HUGE_PAGES_OFF);
	cr_assert_eq(cfg->engine.lock_memory, XR_LOCK_MEMORY_FALSE);
	xr_config_free(cfg);

	/* Colocated: lock_memory follows the mode; the default plan is pinned
	 * (cpus 0 and 1) and its waits become busy_spin. */
	cfg = load_ok("[engine]\nmode = colocated\n" MINIMAL);
	cr_assert_eq(cfg->engine.mode, XR_MODE_COLOCATED);
	cr_assert_eq(cfg->engine.huge_pages, XR_HUGE_PAGES_OFF);
	cr_assert_eq(cfg->engine.lock_memory, XR_LOCK_MEMORY_TRUE);
	cr_assert_eq(cfg->n_threads, 2);
	for (uint32_t t = 0; t < 2; t++) {
		cr_assert_eq(cfg->threads[t].cpu, (int)t);
		cr_assert_eq(cfg->threads[t].wait, XR_WAIT_BUSY_SPIN);
	}
	xr_config_free(cfg);
}

Test(config, mode_values)
{
	struct xr_config *cfg =
		load_ok("[engine]\nmode = colocated\nhuge_pages = try\nlock_memory = try\n" MINIMAL);
	cr_assert_eq(cfg->engine.huge_pages, XR_HUGE_PAGES_TRY);
	cr_assert_eq(cfg->engine.lock_memory, XR_LOCK_MEMORY_TRY);
	xr_config_free(cfg);

	/* lock_memory given wins over the mode's default, both ways. */
	cfg = load_ok("[engine]\nlock_memory = false\nmode = colocated\n" MINIMAL);
	cr_assert_eq(cfg->engine.lock_memory, XR_LOCK_MEMORY_FALSE);
	xr_config_free(cfg);

	/* Huge pages and locking are allowed in standard mode too; its threads
	 * keep their waits and may be unpinned. */
	cfg = load_ok("[engine]\nmode = standard\nhuge_pages = on\nlock_memory = true\n" MINIMAL
		      "[threads]\n" PLAN_A "a.cpu = none\na.wait = yield\n" PLAN_B);
	cr_assert_eq(cfg->engine.mode, XR_MODE_STANDARD);
	cr_assert_eq(cfg->engine.huge_pages, XR_HUGE_PAGES_ON);
	cr_assert_eq(cfg->engine.lock_memory, XR_LOCK_MEMORY_TRUE);
	cr_assert_eq(cfg->threads[0].cpu, -1);
	cr_assert_eq(cfg->threads[0].wait, XR_WAIT_YIELD);
	cr_assert_eq(cfg->threads[1].wait, XR_WAIT_BACKOFF);
	xr_config_free(cfg);
}

Test(config, colocated_thread_plan)
{
	/* A plan with cpus: no wait key becomes busy_spin, busy_spin stays;
	 * [engine] may come after [threads]. */
	struct xr_config *cfg = load_ok(MINIMAL "[threads]\n" PLAN_A "a.cpu = 1\n" PLAN_B
						"b.cpu = 0\nb.wait = busy_spin\n"
						"[engine]\nmode = colocated\n");
	cr_assert_eq(cfg->threads[0].cpu, 1);
	cr_assert_eq(cfg->threads[1].cpu, 0);
	cr_assert_eq(cfg->threads[0].wait, XR_WAIT_BUSY_SPIN);
	cr_assert_eq(cfg->threads[1].wait, XR_WAIT_BUSY_SPIN);
	xr_config_free(cfg);

	/* Two threads on one cpu is allowed (a warning at start, not here). */
	cfg = load_ok("[engine]\nmode = colocated\n" MINIMAL "[threads]\n" PLAN_A "a.cpu = 3\n" PLAN_B
		      "b.cpu = 3\n");
	cr_assert_eq(cfg->threads[1].cpu, 3);
	xr_config_free(cfg);
}

Test(config, error_mode_words)
{
	expect_error("[engine]\nmode = fast\n" MINIMAL,
		     "xroute.ini:2: [engine] mode: \"fast\" is not one of standard, colocated");
	expect_error("[engine]\nhuge_pages = yes\n" MINIMAL,
		     "xroute.ini:2: [engine] huge_pages: \"yes\" is not one of off, try, on");
	expect_error("[engine]\nlock_memory = maybe\n" MINIMAL,
		     "xroute.ini:2: [engine] lock_memory: \"maybe\" is not one of true, false, try");
	expect_error("[engine]\nmode = colocated\nmode = standard\n" MINIMAL,
		     "xroute.ini:3: [engine] mode: duplicate key (first at line 2)");
}

Test(config, error_colocated_thread_without_cpu)
{
	/* Lines: 1 [engine], 2 mode, 3-5 MINIMAL, 6 [threads], 7 a.stages,
	 * 8 a.cpu, 9 b.stages, 10 b.cpu. */
	expect_error("[engine]\nmode = colocated\n" MINIMAL "[threads]\n" PLAN_A "a.cpu = 0\n" PLAN_B,
		     "xroute.ini:9: [threads] b.cpu: missing: mode = colocated ([engine] line 2) "
		     "pins every thread to a CPU; give thread b one");
	expect_error("[engine]\nmode = colocated\n" MINIMAL "[threads]\n" PLAN_A "a.cpu = 0\n" PLAN_B
		     "b.cpu = none\n",
		     "xroute.ini:10: [threads] b.cpu: \"none\" is not allowed with mode = colocated "
		     "([engine] line 2): every thread is pinned to a CPU");
	/* The thread's first key is its place, whichever key it is; the mode
	 * may come last. */
	expect_error(MINIMAL "[threads]\n" PLAN_A "a.cpu = 0\nb.wait = busy_spin\n" PLAN_B
			     "[engine]\nburst = 8\nmode = colocated\n",
		     "xroute.ini:7: [threads] b.cpu: missing: mode = colocated ([engine] line 11) "
		     "pins every thread to a CPU; give thread b one");
}

Test(config, error_colocated_wait)
{
	expect_error("[engine]\nmode = colocated\n" MINIMAL "[threads]\n" PLAN_A
		     "a.cpu = 0\na.wait = backoff\n" PLAN_B "b.cpu = 1\n",
		     "xroute.ini:9: [threads] a.wait: \"backoff\" is not allowed with mode = "
		     "colocated ([engine] line 2): colocated threads busy-spin (write busy_spin "
		     "or remove the key)");
	expect_error("[engine]\nmode = colocated\n" MINIMAL "[threads]\n" PLAN_A "a.cpu = 0\n" PLAN_B
		     "b.cpu = 1\nb.wait = yield\n",
		     "xroute.ini:11: [threads] b.wait: \"yield\" is not allowed with mode = "
		     "colocated ([engine] line 2): colocated threads busy-spin (write busy_spin "
		     "or remove the key)");
}

Test(config, print_round_trip_mode)
{
	/* Defaults are printed, lock_memory as the value it took. */
	struct xr_config *a = load_ok(MINIMAL);
	char *p = print_to_string(a);
	cr_assert_not_null(strstr(p, "\nmode = standard\nhuge_pages = off\nlock_memory = false\n"));
	free(p);
	xr_config_free(a);

	a = load_ok("[engine]\nmode = colocated\nhuge_pages = try\n" MINIMAL);
	char *p1 = print_to_string(a);
	cr_assert_not_null(strstr(p1, "\nmode = colocated\nhuge_pages = try\nlock_memory = true\n"));
	cr_assert_not_null(strstr(p1, "\nfront.cpu = 0\nfront.wait = busy_spin\n"));
	cr_assert_not_null(strstr(p1, "\nback.cpu = 1\nback.wait = busy_spin\n"));
	struct xr_config *b = load_ok(p1);
	char *p2 = print_to_string(b);
	cr_assert_str_eq(strchr(p1, '\n'), strchr(p2, '\n'));
	cr_assert_eq(b->engine.mode, XR_MODE_COLOCATED);
	cr_assert_eq(b->engine.lock_memory, XR_LOCK_MEMORY_TRUE);
	free(p1);
	free(p2);
	xr_config_free(a);
	xr_config_free(b);

	/* An explicit lock_memory = false survives the round trip. */
	a = load_ok("[engine]\nmode = colocated\nlock_memory = false\n" MINIMAL);
	p1 = print_to_string(a);
	b = load_ok(p1);
	cr_assert_eq(b->engine.lock_memory, XR_LOCK_MEMORY_FALSE);
	free(p1);
	xr_config_free(a);
	xr_config_free(b);
}

Test(config, colocated_example_loads)
{
	char path[PATH_MAX], err[512];
	snprintf(path, sizeof(path), "%s/docs/examples/xroute-colocated.ini",
		 getenv("XR_SOURCE_ROOT"));
	struct xr_config *cfg = xr_config_load(path, xr_connector_schemas, err, sizeof(err));
	cr_assert_not_null(cfg, "%s", err);
	cr_assert_eq(cfg->engine.mode, XR_MODE_COLOCATED);
	cr_assert_eq(cfg->engine.lock_memory, XR_LOCK_MEMORY_TRUE);
	cr_assert_eq(cfg->n_venues, 5);
	cr_assert_eq(cfg->n_users, 100);
	for (uint32_t t = 0; t < cfg->n_threads; t++) {
		cr_assert_geq(cfg->threads[t].cpu, 0);
		cr_assert_eq(cfg->threads[t].wait, XR_WAIT_BUSY_SPIN);
	}
	/* The same venues and users as the standard example. */
	struct xr_config *std = xr_config_load(example_path(), xr_connector_schemas, err, sizeof(err));
	cr_assert_not_null(std, "%s", err);
	char *p1 = print_to_string(cfg), *p2 = print_to_string(std);
	cr_assert_str_eq(strstr(p1, "\n[venue alpha]\n"), strstr(p2, "\n[venue alpha]\n"));
	free(p1);
	free(p2);
	xr_config_free(std);
	xr_config_free(cfg);
}

/* ------------------------------------------------------------------ */
/* Behaviour. */

Test(config, print_round_trip)
{
	char err[512];
	struct xr_config *a = xr_config_load(example_path(), xr_connector_schemas, err, sizeof(err));
	cr_assert_not_null(a, "%s", err);
	char *p1 = print_to_string(a);
	write_file("print1.ini", p1);

	struct xr_config *b = xr_config_load("print1.ini", xr_connector_schemas, err, sizeof(err));
	cr_assert_not_null(b, "%s", err);
	char *p2 = print_to_string(b);
	write_file("print2.ini", p2);
	struct xr_config *c = xr_config_load("print2.ini", xr_connector_schemas, err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	char *p3 = print_to_string(c);

	/* Only the first line (the source path) differs. */
	cr_assert_str_eq(strchr(p1, '\n'), strchr(p2, '\n'));
	cr_assert_str_eq(strchr(p2, '\n'), strchr(p3, '\n'));

	/* The effective config survived: sharing, own limits, expansion. */
	cr_assert_eq(b->n_users, 100);
	cr_assert_eq(b->n_symbols, a->n_symbols);
	for (uint32_t i = 0; i < a->n_users; i++) {
		const struct xr_user_cfg *ua = &a->users[i], *ub = &b->users[i];
		cr_assert_str_eq(ua->name, ub->name);
		cr_assert_eq(ua->enabled, ub->enabled);
		cr_assert_eq(ua->venue_mask, ub->venue_mask);
		cr_assert_eq(memcmp(ua->symbol_bits, ub->symbol_bits, sizeof(ua->symbol_bits)), 0);
		cr_assert_eq(ua->own_limits, ub->own_limits, "user %s", ua->name);
		cr_assert_eq(ua->max_notional, ub->max_notional);
		for (uint32_t s = 0; s < a->n_symbols; s++) {
			cr_assert_eq(ua->max_order_qty[s], ub->max_order_qty[s]);
			cr_assert_eq(ua->max_position[s], ub->max_position[s]);
		}
	}
	cr_assert_str_eq(b->threads[1].stages[0], "execute.alpha");
	cr_assert_eq(b->venues[2].fee_maker_cbps, -25);
	/* Every strategy is printed with every key and loads back the same. */
	for (int st = 0; st < XR_STRAT_COUNT; st++)
		assert_strategy_eq(&a->engine.strategies[st], &b->engine.strategies[st], st);
	cr_assert_not_null(strstr(p1, "\n[strategy stealth]\nweight_price = 0\n"
				      "weight_liquidity = 0.3\nweight_latency = 0\n"
				      "weight_reliability = 0.4\nweight_fees = 0\nweight_cost = 0.3\n"
				      "weight_success = 0\nweight_load = 0\nweight_pair = 0\n"
				      "weight_headroom = 0\nsplit = always\npricing = take\n"
				      "two_x_depth = false\nmax_slice_ratio = 0.3\n"
				      "min_slice_qty = 0.01\nmax_slippage_bps = 0\n"
				      "display_ratio = 0.2\nslices = 4\nhorizon_us = 2000\n"
				      "min_health = 0\n"));
	cr_assert_not_null(strstr(p1, "\nrate_limit_per_s = 0\nrate_limit_burst = 100\n"));
	cr_assert_not_null(strstr(p1, "\nfee_maker_bps = -0.25\n"));
	cr_assert_not_null(strstr(p1, "\nback.stages = execute.alpha, execute.bravo, "
				      "execute.charlie, execute.delta, execute.echo, aggregate, output\n"));
	free(p1);
	free(p2);
	free(p3);
	xr_config_free(a);
	xr_config_free(b);
	xr_config_free(c);
}

Test(config, print_defaults_round_trip)
{
	struct xr_config *a = load_ok(MINIMAL);
	char *p1 = print_to_string(a);
	cr_assert_not_null(strstr(p1, "\nmax_notional = none\n"));
	cr_assert_not_null(strstr(p1, "\nback.cpu = 1\n"));
	cr_assert_not_null(strstr(p1, "\nweight_fees = 0.3\n"));
	cr_assert_not_null(
		strstr(p1, "\nbook.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n"));
	struct xr_config *b = load_ok(p1);
	char *p2 = print_to_string(b);
	cr_assert_str_eq(strchr(p1, '\n'), strchr(p2, '\n'));
	free(p1);
	free(p2);
	xr_config_free(a);
	xr_config_free(b);
}

Test(config, long_lines)
{
	/* 40 venues: the stage and venue lists are far beyond inih's 200 bytes. */
	size_t cap = 1 << 16, n = 0;
	char *text = malloc(cap);
	n += (size_t)snprintf(text + n, cap - n,
			      "[threads]\nfront.stages = ingress validate route\n"
			      "back.stages =");
	for (int v = 0; v < 40; v++)
		n += (size_t)snprintf(text + n, cap - n, " execute.venue_number_%02d,", v);
	n += (size_t)snprintf(text + n, cap - n,
			      " aggregate  ; trailing comment\nio.stages = output\n");
	for (int v = 0; v < 40; v++)
		n += (size_t)snprintf(text + n, cap - n,
				      "[venue venue_number_%02d]\n"
				      "book.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n",
				      v);
	n += (size_t)snprintf(text + n, cap - n, "[user u1]\nvenues =");
	for (int v = 0; v < 40; v += 2)
		n += (size_t)snprintf(text + n, cap - n, " venue_number_%02d", v);
	n += (size_t)snprintf(text + n, cap - n, "\n[user u2]\n");

	struct xr_config *cfg = load_ok(text);
	cr_assert_eq(cfg->n_venues, 40);
	cr_assert_eq(cfg->threads[1].n_stages, 41);
	cr_assert_str_eq(cfg->threads[1].stages[39], "execute.venue_number_39");
	cr_assert_str_eq(cfg->threads[1].stages[40], "aggregate");
	cr_assert_eq(cfg->users[0].venue_mask, UINT64_C(0x5555555555));
	char *p1 = print_to_string(cfg);
	struct xr_config *again = load_ok(p1);
	char *p2 = print_to_string(again);
	cr_assert_str_eq(strchr(p1, '\n'), strchr(p2, '\n'));
	cr_assert_eq(again->users[0].venue_mask, UINT64_C(0x5555555555));
	free(p1);
	free(p2);
	free(text);
	xr_config_free(cfg);
	xr_config_free(again);
}

Test(config, user_defaults_after_users)
{
	struct xr_config *cfg = load_ok("[venue alpha]\n"
					"book.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n"
					"book.ETH-USD = mid=3000 tick=0.05 levels=10 level_qty=8\n"
					"[venue bravo]\n"
					"book.ETH-USD = mid=3000 tick=0.05 levels=10 level_qty=8\n"
					"[user u1]\n"
					"[user u2]\n"
					"rate_per_s = 9\n"
					"venues = bravo\n"
					"[user_defaults]\n"
					"rate_per_s = 7\n"
					"enabled = false\n"
					"venues = alpha\n"
					"symbols = ETH-USD\n"
					"strategy = weighted_score\n");
	const struct xr_user_cfg *u1 = &cfg->users[0], *u2 = &cfg->users[1];
	cr_assert_eq(u1->rate_per_s, 7);
	cr_assert_eq(u2->rate_per_s, 9);
	cr_assert_eq(u1->burst, 100);
	cr_assert_not(u1->enabled);
	cr_assert_not(u2->enabled);
	cr_assert_eq(u1->venue_mask, 1);
	cr_assert_eq(u2->venue_mask, 2);
	cr_assert_not(xr_user_symbol_allowed(u1, 0));
	cr_assert(xr_user_symbol_allowed(u1, 1));
	cr_assert_eq(u1->strategy, XR_STRAT_WEIGHTED_SCORE);
	xr_config_free(cfg);
}

Test(config, shared_limit_arrays)
{
	struct xr_config *cfg = load_ok("[user u1]\n"
					"[user u2]\n"
					"max_notional = 1000\n"
					"[user u3]\n"
					"max_position.ETH-USD = 5\n"
					"[user u4]\n"
					"max_order_qty = 2\n"
					"[venue alpha]\n"
					"book.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n"
					"book.ETH-USD = mid=3000 tick=0.05 levels=10 level_qty=8\n"
					"[user_defaults]\n"
					"max_order_qty = 10\n"
					"max_order_qty.ETH-USD = 100\n"
					"max_position = 50\n");
	const struct xr_user_cfg *u = cfg->users;

	cr_assert_not(u[0].own_limits);
	cr_assert_not(u[1].own_limits);
	cr_assert_eq(u[0].max_order_qty, u[1].max_order_qty);
	cr_assert_eq(u[0].max_position, u[1].max_position);
	cr_assert_eq(u[0].max_order_qty[0], Q(10));
	cr_assert_eq(u[0].max_order_qty[1], Q(100));
	cr_assert_eq(u[0].max_position[1], Q(50));

	/* u3: own arrays; its key, else the defaults. */
	cr_assert(u[2].own_limits);
	cr_assert_neq(u[2].max_position, u[0].max_position);
	cr_assert_eq(u[2].max_position[0], Q(50));
	cr_assert_eq(u[2].max_position[1], Q(5));
	cr_assert_eq(u[2].max_order_qty[1], Q(100));

	/* u4: its bare value beats every per-symbol default. */
	cr_assert(u[3].own_limits);
	cr_assert_eq(u[3].max_order_qty[0], Q(2));
	cr_assert_eq(u[3].max_order_qty[1], Q(2));
	cr_assert_eq(u[3].max_position[1], Q(50));

	/* Printed: the defaults' arrays in [user_defaults], sharing users
	 * without limit keys, so a reload shares them again. */
	char *p = print_to_string(cfg);
	cr_assert_not_null(strstr(p, "[user_defaults]\nmax_order_qty = 100\n"
				     "max_order_qty.BTC-USD = 10\nmax_position = 50\n"));
	struct xr_config *again = load_ok(p);
	cr_assert_not(again->users[0].own_limits);
	cr_assert_eq(again->users[0].max_order_qty, again->users[1].max_order_qty);
	cr_assert(again->users[2].own_limits);
	free(p);
	xr_config_free(cfg);
	xr_config_free(again);
}

Test(config, execute_star_expansion)
{
	struct xr_config *cfg = load_ok("[venue alpha]\n"
					"book.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n"
					"[venue bravo]\n"
					"book.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n"
					"[venue charlie]\n"
					"book.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n"
					"[user u1]\n"
					"[threads]\n"
					"a.stages = ingress validate route execute.bravo\n"
					"a.cpu = 2\n"
					"a.wait = busy_spin\n"
					"b.stages = aggregate, execute.*, output\n"
					"b.wait = yield\n");
	cr_assert_eq(cfg->n_threads, 2);
	const struct xr_thread_cfg *a = &cfg->threads[0], *b = &cfg->threads[1];
	cr_assert_eq(a->cpu, 2);
	cr_assert_eq(a->wait, XR_WAIT_BUSY_SPIN);
	cr_assert_eq(a->n_stages, 4);
	cr_assert_str_eq(a->stages[3], "execute.bravo");
	cr_assert_eq(b->cpu, -1);
	cr_assert_eq(b->wait, XR_WAIT_YIELD);
	cr_assert_eq(b->n_stages, 4);
	cr_assert_str_eq(b->stages[0], "aggregate");
	cr_assert_str_eq(b->stages[1], "execute.alpha");
	cr_assert_str_eq(b->stages[2], "execute.charlie");
	cr_assert_str_eq(b->stages[3], "output");
	xr_config_free(cfg);
}

Test(config, empty_sections_and_indentation)
{
	/* A user with no keys is a user; indented keys are keys, not value
	 * continuations; a UTF-8 BOM and CRLF line ends are accepted. */
	struct xr_config *cfg =
		load_ok("\xEF\xBB\xBF[engine]\r\n"
			"  burst = 8\r\n"
			"  twap_slices = 2\r\n"
			"[venue alpha]\n"
			"\tbook.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n"
			"[user u1]\n"
			"[user u2]\n"
			"# comment\n"
			"[user u3]\n");
	cr_assert_eq(cfg->engine.burst, 8);
	cr_assert_eq(cfg->engine.twap_slices, 2);
	cr_assert_eq(cfg->n_users, 3);
	cr_assert_eq(cfg->users[2].line, 9);
	xr_config_free(cfg);
}

Test(config, fixture_files)
{
	/* tests/data holds a small file with every section. */
	char path[PATH_MAX], err[512];
	snprintf(path, sizeof(path), "%s/tests/data/config_small.ini", getenv("XR_SOURCE_ROOT"));
	struct xr_config *cfg = xr_config_load(path, xr_connector_schemas, err, sizeof(err));
	cr_assert_not_null(cfg, "%s", err);
	cr_assert_eq(cfg->n_venues, 2);
	cr_assert_eq(cfg->n_users, 2);
	cr_assert_eq(cfg->n_symbols, 2);
	xr_config_free(cfg);

	snprintf(path, sizeof(path), "%s/tests/data/config_bad_fee.ini", getenv("XR_SOURCE_ROOT"));
	cr_assert_null(xr_config_load(path, xr_connector_schemas, err, sizeof(err)));
	char want[PATH_MAX + 128];
	snprintf(want, sizeof(want), "%s:4: [venue kraken] fee_taker_bps: \"abc\" is not a number",
		 path);
	cr_assert_str_eq(err, want);
}

/* ------------------------------------------------------------------ */
/* Selector keys: [engine] and [venue NAME] additions, [strategy NAME]. */

Test(config, selector_keys_defaults)
{
	struct xr_config *cfg = load_ok(MINIMAL);
	const struct xr_engine_cfg *e = &cfg->engine;

	cr_assert_eq(e->price_zero_bps, 100);
	cr_assert_eq(e->cost_zero_bps, 100);
	cr_assert_eq(e->depth_bps, 10);
	cr_assert_eq(e->latency_ewma_ppm, 100000);
	cr_assert_eq(e->error_ewma_ppm, 50000);
	cr_assert_eq(e->latency_threshold_us, 5000);
	cr_assert_eq(e->error_rate_threshold_ppm, 50000);
	cr_assert_eq(e->demote_start_ppm, 500000);
	cr_assert_eq(e->demote_max_ppm, 500000);

	const struct xr_venue_cfg *v = &cfg->venues[0];
	cr_assert_eq(v->network_distance_us, 0);
	cr_assert_eq(v->rate_limit_per_s, 0);
	cr_assert_eq(v->rate_limit_burst, 100);
	xr_config_free(cfg);
}

Test(config, selector_keys_values)
{
	struct xr_config *cfg = load_ok("[engine]\n"
					"price_zero_bps = 250\n"
					"cost_zero_bps = 1\n"
					"depth_bps = 10000\n"
					"latency_ewma_alpha = 1\n"
					"error_ewma_alpha = 0.000001\n"
					"latency_threshold_us = 60000000\n"
					"error_rate_threshold = 0.1\n"
					"demote_start = 0\n"
					"demote_max = 1\n"
					"default_strategy = stealth\n"
					"[venue alpha]\n"
					"network_distance_us = 120\n"
					"rate_limit_per_s = 10000000\n"
					"rate_limit_burst = 1\n"
					"book.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n"
					"[user u1]\n"
					"strategy = passive\n"
					"[user u2]\n"
					"strategy = default\n");
	const struct xr_engine_cfg *e = &cfg->engine;
	cr_assert_eq(e->price_zero_bps, 250);
	cr_assert_eq(e->cost_zero_bps, 1);
	cr_assert_eq(e->depth_bps, 10000);
	cr_assert_eq(e->latency_ewma_ppm, 1000000);
	cr_assert_eq(e->error_ewma_ppm, 1);
	cr_assert_eq(e->latency_threshold_us, 60000000);
	cr_assert_eq(e->error_rate_threshold_ppm, 100000);
	cr_assert_eq(e->demote_start_ppm, 0);
	cr_assert_eq(e->demote_max_ppm, 1000000);
	cr_assert_eq(e->default_strategy, XR_STRAT_STEALTH);
	cr_assert_eq(cfg->venues[0].network_distance_us, 120);
	cr_assert_eq(cfg->venues[0].rate_limit_per_s, 10000000);
	cr_assert_eq(cfg->venues[0].rate_limit_burst, 1);
	cr_assert_eq(cfg->users[0].strategy, XR_STRAT_PASSIVE);
	cr_assert_eq(cfg->users[1].strategy, XR_STRAT_DEFAULT);

	/* Every strategy name is a default_strategy. */
	for (int st = XR_STRAT_WEIGHTED_SCORE; st < XR_STRAT_COUNT; st++) {
		char text[256];
		snprintf(text, sizeof(text), "[engine]\ndefault_strategy = %s\n" MINIMAL,
			 xr_strategy_name((enum xr_strategy)st));
		struct xr_config *c = load_ok(text);
		cr_assert_eq(c->engine.default_strategy, st);
		xr_config_free(c);
	}
	xr_config_free(cfg);
}

Test(config, error_selector_keys_range)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "[engine]\nprice_zero_bps = 0\n",
		  "xroute.ini:2: [engine] price_zero_bps: \"0\" is out of range (1..10000)" },
		{ "[engine]\ncost_zero_bps = 10001\n",
		  "xroute.ini:2: [engine] cost_zero_bps: \"10001\" is out of range (1..10000)" },
		{ "[engine]\ndepth_bps = 0\n",
		  "xroute.ini:2: [engine] depth_bps: \"0\" is out of range (1..10000)" },
		{ "[engine]\nlatency_ewma_alpha = 0\n",
		  "xroute.ini:2: [engine] latency_ewma_alpha: \"0\" is out of range "
		  "(0.000001..1)" },
		{ "[engine]\nerror_ewma_alpha = 1.1\n",
		  "xroute.ini:2: [engine] error_ewma_alpha: \"1.1\" is out of range (0.000001..1)" },
		{ "[engine]\nlatency_threshold_us = 0\n",
		  "xroute.ini:2: [engine] latency_threshold_us: \"0\" is out of range "
		  "(1..60000000)" },
		{ "[engine]\nerror_rate_threshold = 0\n",
		  "xroute.ini:2: [engine] error_rate_threshold: \"0\" is out of range "
		  "(0.000001..1)" },
		{ "[engine]\ndemote_start = 1\n",
		  "xroute.ini:2: [engine] demote_start: \"1\" is out of range (0..0.999999)" },
		{ "[engine]\ndemote_max = -0.1\n",
		  "xroute.ini:2: [engine] demote_max: \"-0.1\" is out of range (0..1)" },
		{ "[venue a]\nnetwork_distance_us = 10000001\n",
		  "xroute.ini:2: [venue a] network_distance_us: \"10000001\" is out of range "
		  "(0..10000000)" },
		{ "[venue a]\nrate_limit_per_s = -1\n",
		  "xroute.ini:2: [venue a] rate_limit_per_s: \"-1\" is out of range "
		  "(0..10000000)" },
		{ "[venue a]\nrate_limit_burst = 0\n",
		  "xroute.ini:2: [venue a] rate_limit_burst: \"0\" is out of range (1..10000000)" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_error(cases[i].text, cases[i].want);
}

/* Expected defaults, weights in enum xr_factor order:
 * price liquidity latency reliability fees cost success load pair headroom. */
static const struct {
	int strategy;
	uint32_t w[XR_F_COUNT];
	uint8_t split, pricing, two_x_depth;
	uint32_t display_ppm, slices, min_health_ppm;
} strategy_defaults[] = {
	{ XR_STRAT_WEIGHTED_SCORE, { 0, 0, 2000, 0, 3000, 0, 2500, 1500, 1000, 0 }, XR_SPLIT_NEVER,
	  XR_PRICING_METHOD, 1, 0, 1, 0 },
	{ XR_STRAT_BEST_EXECUTION, { 4000, 3000, 2000, 1000, 0, 0, 0, 0, 0, 0 }, XR_SPLIT_NEEDED,
	  XR_PRICING_TAKE, 0, 0, 1, 0 },
	{ XR_STRAT_LOWEST_LATENCY, { 0, 0, 10000, 0, 0, 0, 0, 0, 0, 0 }, XR_SPLIT_NEEDED,
	  XR_PRICING_TAKE, 0, 0, 1, 500000 },
	{ XR_STRAT_BEST_LIQUIDITY, { 0, 10000, 0, 0, 0, 0, 0, 0, 0, 0 }, XR_SPLIT_ALWAYS,
	  XR_PRICING_TAKE, 0, 0, 1, 0 },
	{ XR_STRAT_COST_OPTIMIZATION, { 0, 0, 0, 0, 0, 10000, 0, 0, 0, 0 }, XR_SPLIT_NEEDED,
	  XR_PRICING_TAKE, 0, 0, 1, 0 },
	{ XR_STRAT_AGGRESSIVE, { 0, 3000, 5000, 0, 0, 0, 2000, 0, 0, 0 }, XR_SPLIT_ALWAYS,
	  XR_PRICING_TAKE, 0, 0, 1, 0 },
	{ XR_STRAT_PASSIVE, { 0, 0, 0, 3000, 5000, 0, 0, 2000, 0, 0 }, XR_SPLIT_ALWAYS,
	  XR_PRICING_POST, 0, 0, 1, 0 },
	{ XR_STRAT_BALANCED, { 0, 0, 4000, 0, 0, 2000, 3000, 0, 0, 1000 }, XR_SPLIT_NEEDED,
	  XR_PRICING_TOUCH, 0, 0, 1, 0 },
	{ XR_STRAT_STEALTH, { 0, 3000, 0, 4000, 0, 3000, 0, 0, 0, 0 }, XR_SPLIT_ALWAYS,
	  XR_PRICING_TAKE, 0, 200000, 4, 0 },
};

static void
assert_strategy_default(const struct xr_strategy_cfg *sc, size_t i)
{
	uint32_t sum = 0;
	for (int f = 0; f < XR_F_COUNT; f++) {
		cr_assert_eq(sc->w[f], strategy_defaults[i].w[f], "strategy %d factor %d",
			     strategy_defaults[i].strategy, f);
		sum += sc->w[f];
	}
	cr_assert_eq(sum, XR_WEIGHT_ONE);
	cr_assert_eq(sc->split, strategy_defaults[i].split);
	cr_assert_eq(sc->pricing, strategy_defaults[i].pricing);
	cr_assert_eq(sc->two_x_depth, strategy_defaults[i].two_x_depth);
	cr_assert_eq(sc->max_slice_ppm, 300000);
	cr_assert_eq(sc->min_slice_qty, XR_QTY_SCALE / 100);
	cr_assert_eq(sc->max_slippage_bps, 0);
	cr_assert_eq(sc->display_ppm, strategy_defaults[i].display_ppm);
	cr_assert_eq(sc->slices, strategy_defaults[i].slices);
	cr_assert_eq(sc->horizon_us, 2000);
	cr_assert_eq(sc->min_health_ppm, strategy_defaults[i].min_health_ppm);
	cr_assert_eq(sc->line, 0);
}

Test(config, strategy_defaults)
{
	struct xr_config *cfg = load_ok(MINIMAL);
	struct xr_strategy_cfg sc, zero;

	cr_assert_eq(sizeof(strategy_defaults) / sizeof(strategy_defaults[0]),
		     XR_STRAT_COUNT - 1);
	for (size_t i = 0; i < XR_STRAT_COUNT - 1; i++) {
		int st = strategy_defaults[i].strategy;
		assert_strategy_default(&cfg->engine.strategies[st], i);
		memset(&sc, 0xa5, sizeof(sc));
		xr_strategy_defaults((enum xr_strategy)st, &sc);
		assert_strategy_default(&sc, i);
	}
	/* default (and anything out of range) is all zeros. */
	memset(&zero, 0, sizeof(zero));
	cr_assert_eq(memcmp(&cfg->engine.strategies[XR_STRAT_DEFAULT], &zero, sizeof(zero)), 0);
	memset(&sc, 0xa5, sizeof(sc));
	xr_strategy_defaults(XR_STRAT_DEFAULT, &sc);
	cr_assert_eq(memcmp(&sc, &zero, sizeof(zero)), 0);
	memset(&sc, 0xa5, sizeof(sc));
	xr_strategy_defaults(XR_STRAT_COUNT, &sc);
	cr_assert_eq(memcmp(&sc, &zero, sizeof(zero)), 0);
	xr_config_free(cfg);
}

Test(config, strategy_override)
{
	/* Lines: 1-3 MINIMAL, 4 [strategy best_execution], 5.. keys. */
	struct xr_config *cfg = load_ok(MINIMAL "[strategy best_execution]\n"
						"weight_price = 0.5\n"
						"weight_headroom = 0.5\n"
						"split = always\n"
						"pricing = post\n"
						"two_x_depth = yes\n"
						"max_slice_ratio = 0.5\n"
						"min_slice_qty = 0.001\n"
						"max_slippage_bps = 25\n"
						"display_ratio = 0.1\n"
						"slices = 64\n"
						"horizon_us = 0\n"
						"min_health = 0.25\n"
						"[strategy stealth]\n"
						"slices = 2\n");
	const struct xr_strategy_cfg *be = &cfg->engine.strategies[XR_STRAT_BEST_EXECUTION];
	uint32_t want[XR_F_COUNT] = { [XR_F_PRICE] = 5000, [XR_F_HEADROOM] = 5000 };
	for (int f = 0; f < XR_F_COUNT; f++)
		cr_assert_eq(be->w[f], want[f], "factor %d", f);
	cr_assert_eq(be->split, XR_SPLIT_ALWAYS);
	cr_assert_eq(be->pricing, XR_PRICING_POST);
	cr_assert_eq(be->two_x_depth, 1);
	cr_assert_eq(be->max_slice_ppm, 500000);
	cr_assert_eq(be->min_slice_qty, XR_QTY_SCALE / 1000);
	cr_assert_eq(be->max_slippage_bps, 25);
	cr_assert_eq(be->display_ppm, 100000);
	cr_assert_eq(be->slices, 64);
	cr_assert_eq(be->horizon_us, 0);
	cr_assert_eq(be->min_health_ppm, 250000);
	cr_assert_eq(be->line, 4);

	/* No weight key: the default weights stay, other keys change. */
	const struct xr_strategy_cfg *st = &cfg->engine.strategies[XR_STRAT_STEALTH];
	cr_assert_eq(st->w[XR_F_RELIABILITY], 4000);
	cr_assert_eq(st->w[XR_F_LIQUIDITY], 3000);
	cr_assert_eq(st->w[XR_F_COST], 3000);
	cr_assert_eq(st->slices, 2);
	cr_assert_eq(st->display_ppm, 200000);
	cr_assert_eq(st->line, 17);
	/* Untouched strategies keep their defaults and line 0. */
	cr_assert_eq(cfg->engine.strategies[XR_STRAT_PASSIVE].line, 0);
	cr_assert_eq(cfg->engine.strategies[XR_STRAT_PASSIVE].pricing, XR_PRICING_POST);
	xr_config_free(cfg);

	/* A weight of 1 alone is a full vector. */
	cfg = load_ok(MINIMAL "[strategy balanced]\nweight_pair = 1\n");
	for (int f = 0; f < XR_F_COUNT; f++)
		cr_assert_eq(cfg->engine.strategies[XR_STRAT_BALANCED].w[f],
			     f == XR_F_PAIR ? XR_WEIGHT_ONE : 0u);
	xr_config_free(cfg);
}

Test(config, strategy_weighted_score_weights)
{
	/* No [strategy weighted_score] weight: the [engine] weights. */
	struct xr_config *cfg = load_ok("[engine]\nweight_fees = 0.4\nweight_pair = 0\n" MINIMAL
					"[strategy weighted_score]\nsplit = needed\n");
	const struct xr_strategy_cfg *ws = &cfg->engine.strategies[XR_STRAT_WEIGHTED_SCORE];
	uint32_t want[XR_F_COUNT] = { [XR_F_FEES] = 4000, [XR_F_LATENCY] = 2000,
				      [XR_F_SUCCESS] = 2500, [XR_F_LOAD] = 1500 };
	for (int f = 0; f < XR_F_COUNT; f++)
		cr_assert_eq(ws->w[f], want[f], "factor %d", f);
	cr_assert_eq(ws->split, XR_SPLIT_NEEDED);
	cr_assert_eq(ws->two_x_depth, 1);
	xr_config_free(cfg);

	/* Its own weights win; the [engine] ones are still checked and kept. */
	cfg = load_ok(MINIMAL "[strategy weighted_score]\nweight_cost = 0.6\nweight_fees = 0.4\n");
	ws = &cfg->engine.strategies[XR_STRAT_WEIGHTED_SCORE];
	uint32_t want2[XR_F_COUNT] = { [XR_F_FEES] = 4000, [XR_F_COST] = 6000 };
	for (int f = 0; f < XR_F_COUNT; f++)
		cr_assert_eq(ws->w[f], want2[f], "factor %d", f);
	cr_assert_eq(cfg->engine.w_fees, 3000);
	char *p1 = print_to_string(cfg);
	struct xr_config *again = load_ok(p1);
	assert_strategy_eq(ws, &again->engine.strategies[XR_STRAT_WEIGHTED_SCORE], 1);
	cr_assert_eq(again->engine.w_fees, 3000);
	free(p1);
	xr_config_free(again);
	xr_config_free(cfg);
}

Test(config, error_strategy_weights_sum)
{
	/* Lines: 1-3 MINIMAL, 4 blank, 5 [strategy best_execution]. */
	expect_error(MINIMAL "\n[strategy best_execution]\nweight_price = 0.4\n"
			     "weight_latency = 0.3\n",
		     "xroute.ini:5: [strategy best_execution]: weight_price + weight_latency = "
		     "0.7, must be exactly 1 (weights not set in the section are 0)");
	expect_error(MINIMAL "[strategy stealth]\nweight_headroom = 0.5\nweight_price = 0.5001\n",
		     "xroute.ini:4: [strategy stealth]: weight_price + weight_headroom = 1.0001, "
		     "must be exactly 1 (weights not set in the section are 0)");
	expect_error(MINIMAL "[strategy passive]\nweight_fees = 0\n",
		     "xroute.ini:4: [strategy passive]: weight_fees = 0, must be exactly 1 "
		     "(weights not set in the section are 0)");
	/* The [engine] weights are checked first, and still name [engine]. */
	expect_error("[engine]\nweight_fees = 0.25\n" MINIMAL
		     "[strategy weighted_score]\nweight_fees = 1\n",
		     "xroute.ini:1: [engine]: weight_fees + weight_latency + weight_success + "
		     "weight_load + weight_pair = 0.95, must be exactly 1");
}

Test(config, error_strategy_section)
{
	expect_error(MINIMAL "[strategy fastest]\n",
		     "xroute.ini:4: [strategy fastest]: unknown strategy \"fastest\" (expected "
		     "weighted_score, best_execution, lowest_latency, best_liquidity, "
		     "cost_optimization, aggressive, passive, balanced, stealth)");
	expect_error(MINIMAL "[strategy default]\nslices = 2\n",
		     "xroute.ini:4: [strategy default]: \"default\" has no section, it is [engine] "
		     "default_strategy (expected weighted_score, best_execution, lowest_latency, "
		     "best_liquidity, cost_optimization, aggressive, passive, balanced, stealth)");
	expect_error(MINIMAL "[strategy]\n",
		     "xroute.ini:4: [strategy]: missing name ([strategy NAME])");
	expect_error(MINIMAL "[strategy stealth]\nslices = 2\n[strategy   stealth]\n",
		     "xroute.ini:6: [strategy stealth]: duplicate section (first at line 4)");
	expect_error(MINIMAL "[strategy stealth]\nweight_fee = 1\n",
		     "xroute.ini:5: [strategy stealth] weight_fee: unknown key");
	expect_error(MINIMAL "[strategy stealth]\nslices = 2\nslices = 3\n",
		     "xroute.ini:6: [strategy stealth] slices: duplicate key (first at line 5)");
}

Test(config, error_strategy_values)
{
	expect_error(MINIMAL "[strategy balanced]\nsplit = sometimes\n",
		     "xroute.ini:5: [strategy balanced] split: \"sometimes\" is not one of never, "
		     "needed, always");
	expect_error(MINIMAL "[strategy balanced]\npricing = market\n",
		     "xroute.ini:5: [strategy balanced] pricing: \"market\" is not one of method, "
		     "take, touch, post");
	expect_error(MINIMAL "[strategy balanced]\ntwo_x_depth = maybe\n",
		     "xroute.ini:5: [strategy balanced] two_x_depth: \"maybe\" is not one of true, "
		     "false, yes, no, 1, 0");
	expect_error(MINIMAL "[strategy stealth]\nslices = 65\n",
		     "xroute.ini:5: [strategy stealth] slices: \"65\" is out of range (1..64)");
	expect_error(MINIMAL "[strategy stealth]\nmax_slice_ratio = 0\n",
		     "xroute.ini:5: [strategy stealth] max_slice_ratio: \"0\" is out of range "
		     "(0.000001..1)");
	expect_error(MINIMAL "[strategy stealth]\nmin_slice_qty = -1\n",
		     "xroute.ini:5: [strategy stealth] min_slice_qty: \"-1\" is out of range "
		     "(>= 0)");
	expect_error(MINIMAL "[strategy stealth]\nmin_slice_qty = 0.000000001\n",
		     "xroute.ini:5: [strategy stealth] min_slice_qty: \"0.000000001\" has more "
		     "than 8 decimal places");
	expect_error(MINIMAL "[strategy stealth]\nweight_cost = 1.5\n",
		     "xroute.ini:5: [strategy stealth] weight_cost: \"1.5\" is out of range (0..1)");
	expect_error(MINIMAL "[strategy stealth]\nmax_slippage_bps = 10001\n",
		     "xroute.ini:5: [strategy stealth] max_slippage_bps: \"10001\" is out of "
		     "range (0..10000)");
	expect_error(MINIMAL "[strategy stealth]\nhorizon_us = 60000001\n",
		     "xroute.ini:5: [strategy stealth] horizon_us: \"60000001\" is out of range "
		     "(0..60000000)");
	expect_error(MINIMAL "[strategy stealth]\ndisplay_ratio = 2\n",
		     "xroute.ini:5: [strategy stealth] display_ratio: \"2\" is out of range (0..1)");
	expect_error(MINIMAL "[strategy stealth]\nmin_health = 1.000001\n",
		     "xroute.ini:5: [strategy stealth] min_health: \"1.000001\" is out of range "
		     "(0..1)");
}

Test(config, print_round_trip_selector)
{
	struct xr_config *a = load_ok("[engine]\n"
				      "price_zero_bps = 250\n"
				      "latency_ewma_alpha = 0.25\n"
				      "demote_start = 0.75\n"
				      "default_strategy = balanced\n"
				      "[strategy best_execution]\n"
				      "weight_price = 0.3333\n"
				      "weight_load = 0.6667\n"
				      "pricing = touch\n"
				      "min_slice_qty = 0.00000001\n"
				      "[strategy stealth]\n"
				      "two_x_depth = true\n"
				      "display_ratio = 0.05\n"
				      "[venue alpha]\n"
				      "network_distance_us = 35\n"
				      "rate_limit_per_s = 500\n"
				      "rate_limit_burst = 20\n"
				      "book.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n"
				      "[user u1]\n"
				      "strategy = stealth\n");
	char *p1 = print_to_string(a);
	cr_assert_not_null(strstr(p1, "\nload_full_queue = 100\nprice_zero_bps = 250\n"
				      "cost_zero_bps = 100\ndepth_bps = 10\n"
				      "latency_ewma_alpha = 0.25\nerror_ewma_alpha = 0.05\n"
				      "latency_threshold_us = 5000\nerror_rate_threshold = 0.05\n"
				      "demote_start = 0.75\ndemote_max = 0.5\n"));
	cr_assert_not_null(strstr(p1, "\ndefault_strategy = balanced\n"));
	cr_assert_not_null(strstr(p1, "\nnetwork_distance_us = 35\nrate_limit_per_s = 500\n"
				      "rate_limit_burst = 20\n"));
	cr_assert_not_null(strstr(p1, "\n[strategy best_execution]\nweight_price = 0.3333\n"
				      "weight_liquidity = 0\n"));
	cr_assert_not_null(strstr(p1, "\npricing = touch\ntwo_x_depth = false\n"
				      "max_slice_ratio = 0.3\nmin_slice_qty = 0.00000001\n"));
	cr_assert_not_null(strstr(p1, "\nstrategy = stealth\n"));

	struct xr_config *b = load_ok(p1);
	char *p2 = print_to_string(b);
	cr_assert_str_eq(strchr(p1, '\n'), strchr(p2, '\n'));
	const struct xr_engine_cfg *ea = &a->engine, *eb = &b->engine;
	cr_assert_eq(eb->price_zero_bps, ea->price_zero_bps);
	cr_assert_eq(eb->latency_ewma_ppm, 250000);
	cr_assert_eq(eb->demote_start_ppm, 750000);
	cr_assert_eq(eb->default_strategy, XR_STRAT_BALANCED);
	for (int st = 0; st < XR_STRAT_COUNT; st++)
		assert_strategy_eq(&ea->strategies[st], &eb->strategies[st], st);
	cr_assert_eq(eb->strategies[XR_STRAT_STEALTH].two_x_depth, 1);
	cr_assert_eq(eb->strategies[XR_STRAT_BEST_EXECUTION].min_slice_qty, 1);
	cr_assert_eq(b->venues[0].network_distance_us, 35);
	cr_assert_eq(b->venues[0].rate_limit_per_s, 500);
	cr_assert_eq(b->venues[0].rate_limit_burst, 20);
	cr_assert_eq(b->users[0].strategy, XR_STRAT_STEALTH);
	free(p1);
	free(p2);
	xr_config_free(a);
	xr_config_free(b);
}

/* ------------------------------------------------------------------ */
/* Venue plans: primary_venue, failover_venues, auto_failover in [user NAME]
 * and [user_defaults] (a user's own key wins, else the default's), and in
 * [symbol NAME] sections. */

/* Three venues; alpha and bravo list ETH-USD too (8 lines). */
#define PLAN_VENUES                                                                                \
	"[venue alpha]\n"                                                                          \
	"book.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n"                                \
	"book.ETH-USD = mid=3000 tick=0.05 levels=10 level_qty=8\n"                                \
	"[venue bravo]\n"                                                                          \
	"book.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n"                                \
	"book.ETH-USD = mid=3000 tick=0.05 levels=10 level_qty=8\n"                                \
	"[venue charlie]\n"                                                                        \
	"book.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n"

/* The message "is not one of" gives for a boolean. */
#define PLAN_BOOL "is not one of true, false, yes, no, 1, 0"

/*
 * @p p is the plan @p venues (blank separated names, primary first; "" for
 * no plan) with @p auto_failover (checked only when there is a plan).
 */
static void
assert_plan(const struct xr_config *cfg, const struct xr_venue_plan *p, const char *venues,
	    bool auto_failover, const char *what)
{
	char buf[256], *save = NULL;
	unsigned n = 0;

	snprintf(buf, sizeof(buf), "%s", venues);
	for (char *t = strtok_r(buf, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save)) {
		int v = xr_config_venue_id(cfg, t);
		cr_assert_geq(v, 0, "%s: the test names no venue %s", what, t);
		cr_assert_lt(n, p->n, "%s: %u venues in the plan, expected \"%s\"", what, p->n,
			     venues);
		cr_assert_eq(p->venue[n], v, "%s: venue[%u] is %s, expected \"%s\"", what, n,
			     cfg->venues[p->venue[n]].name, venues);
		n++;
	}
	cr_assert_eq(p->n, n, "%s: %u venues in the plan, expected \"%s\"", what, p->n, venues);
	if (n != 0)
		cr_assert_eq(p->auto_failover, auto_failover, "%s: auto_failover", what);
}

static const struct xr_venue_plan *
user_plan(const struct xr_config *cfg, const char *user)
{
	int id = xr_config_user_id(cfg, user);
	cr_assert_geq(id, 0, "no user %s", user);
	return &cfg->users[id].plan;
}

static const struct xr_venue_plan *
symbol_plan(const struct xr_config *cfg, const char *symbol)
{
	int id = xr_config_symbol_id(cfg, symbol);
	cr_assert_geq(id, 0, "no symbol %s", symbol);
	cr_assert_not_null(cfg->symbol_plans);
	return &cfg->symbol_plans[id];
}

Test(config, plan_user_values)
{
	struct xr_config *cfg = load_ok(PLAN_VENUES "[user u1]\n"
						    "primary_venue = charlie\n"
						    "failover_venues = alpha, bravo\n"
						    "[user u2]\n"
						    "auto_failover = false\n"
						    "primary_venue = bravo\n"
						    "[user u3]\n"
						    "[user u4]\n"
						    "failover_venues = charlie\talpha\n"
						    "auto_failover = yes\n"
						    "primary_venue = bravo ; inline comment\n"
						    "[user u5]\n"
						    "auto_failover = false\n"
						    "[user u6]\n"
						    "primary_venue = alpha\n"
						    "auto_failover = 0\n");

	/* Venue ids in order, primary first; auto_failover defaults to true. */
	assert_plan(cfg, user_plan(cfg, "u1"), "charlie alpha bravo", true, "u1");
	cr_assert_eq(user_plan(cfg, "u1")->venue[0], 2);
	assert_plan(cfg, user_plan(cfg, "u2"), "bravo", false, "u2");
	/* No keys, or auto_failover alone: no plan. */
	assert_plan(cfg, user_plan(cfg, "u3"), "", true, "u3");
	assert_plan(cfg, user_plan(cfg, "u5"), "", true, "u5");
	/* Keys in any order; blank separated list; a comment after a value. */
	assert_plan(cfg, user_plan(cfg, "u4"), "bravo charlie alpha", true, "u4");
	assert_plan(cfg, user_plan(cfg, "u6"), "alpha", false, "u6");

	/* No [symbol NAME] section: no symbol has a plan. */
	cr_assert_eq(cfg->n_symbols, 2);
	for (uint32_t s = 0; s < cfg->n_symbols; s++)
		cr_assert_eq(cfg->symbol_plans[s].n, 0, "symbol %s", cfg->symbols[s]);
	xr_config_free(cfg);

	/* A user's plan may come before the venues it names. */
	cfg = load_ok("[user u1]\nprimary_venue = charlie\nfailover_venues = bravo\n" PLAN_VENUES);
	assert_plan(cfg, user_plan(cfg, "u1"), "charlie bravo", true, "u1 first");
	xr_config_free(cfg);
}

Test(config, plan_user_defaults)
{
	/* [user_defaults] last: it applies to the users above it. */
	struct xr_config *cfg = load_ok(PLAN_VENUES "[user u1]\n"
						    "[user u2]\n"
						    "primary_venue = charlie\n"
						    "[user u3]\n"
						    "failover_venues = charlie\n"
						    "auto_failover = 1\n"
						    "[user u4]\n"
						    "primary_venue = bravo\n"
						    "failover_venues = charlie, alpha\n"
						    "[user u5]\n"
						    "venues = bravo, charlie\n"
						    "primary_venue = charlie\n"
						    "failover_venues = bravo\n"
						    "[user_defaults]\n"
						    "primary_venue = alpha\n"
						    "failover_venues = bravo\n"
						    "auto_failover = false\n");
	/* Every key from the defaults. */
	assert_plan(cfg, user_plan(cfg, "u1"), "alpha bravo", false, "u1");
	/* Each key on its own: the user's primary with the default failovers,
	 * the default primary with the user's failovers. */
	assert_plan(cfg, user_plan(cfg, "u2"), "charlie bravo", false, "u2");
	assert_plan(cfg, user_plan(cfg, "u3"), "alpha charlie", true, "u3");
	/* All the user's own plan keys; auto_failover still the default's. */
	assert_plan(cfg, user_plan(cfg, "u4"), "bravo charlie alpha", false, "u4");
	/* The user's venues key checks its own plan, not the defaults'. */
	assert_plan(cfg, user_plan(cfg, "u5"), "charlie bravo", false, "u5");
	xr_config_free(cfg);

	/* Only auto_failover in the defaults: no plan for users without a
	 * primary_venue; the default for those with one. */
	cfg = load_ok("[user_defaults]\nauto_failover = no\n" PLAN_VENUES "[user u1]\n"
		      "[user u2]\nprimary_venue = bravo\n"
		      "[user u3]\nprimary_venue = bravo\nauto_failover = true\n");
	assert_plan(cfg, user_plan(cfg, "u1"), "", false, "u1 auto only");
	assert_plan(cfg, user_plan(cfg, "u2"), "bravo", false, "u2 auto only");
	assert_plan(cfg, user_plan(cfg, "u3"), "bravo", true, "u3 auto only");
	xr_config_free(cfg);
}

Test(config, plan_symbols)
{
	struct xr_config *cfg =
		load_ok("[symbol ETH-USD]\n" /* before any venue */
			"primary_venue = bravo\n"
			"failover_venues = alpha\n" PLAN_VENUES
			"book.SOL/USD = mid=150 tick=0.01 levels=10 level_qty=10\n"
			"book.BRK.B = mid=400 tick=0.01 levels=10 level_qty=10\n"
			"[user u1]\n"
			"venues = alpha\n"
			"[symbol BTC-USD]\n"
			"primary_venue = charlie\n"
			"failover_venues = bravo alpha\n"
			"auto_failover = true\n"
			"[symbol SOL/USD]\n"
			"auto_failover = no\n"
			"primary_venue = charlie\n"
			"[symbol BRK.B]\n");
	cr_assert_eq(cfg->n_symbols, 4);
	assert_plan(cfg, symbol_plan(cfg, "ETH-USD"), "bravo alpha", true, "ETH-USD");
	assert_plan(cfg, symbol_plan(cfg, "BTC-USD"), "charlie bravo alpha", true, "BTC-USD");
	assert_plan(cfg, symbol_plan(cfg, "SOL/USD"), "charlie", false, "SOL/USD");
	/* An empty section is no plan. */
	assert_plan(cfg, symbol_plan(cfg, "BRK.B"), "", true, "BRK.B");
	/* A symbol's plan is not checked against any user's venues, and gives
	 * the users none. */
	cr_assert_eq(cfg->users[0].venue_mask, 1);
	assert_plan(cfg, user_plan(cfg, "u1"), "", true, "u1");
	xr_config_free(cfg);

	/* auto_failover alone: no plan. */
	cfg = load_ok(PLAN_VENUES "[user u1]\n[symbol BTC-USD]\nauto_failover = false\n");
	assert_plan(cfg, symbol_plan(cfg, "BTC-USD"), "", true, "BTC-USD auto only");
	assert_plan(cfg, symbol_plan(cfg, "ETH-USD"), "", true, "ETH-USD auto only");
	xr_config_free(cfg);
}

Test(config, plan_at_most_8_venues)
{
	char text[2048];
	int n = 0;
	for (int v = 1; v <= 9; v++)
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "[venue v%d]\nbook.BTC-USD = mid=50000 tick=0.5 levels=10 "
			      "level_qty=1\n",
			      v);
	/* Lines 1-18 venues, 19 [user u1], 20 primary_venue, 21 failover_venues. */
	char *end = text + n;
	size_t room = sizeof(text) - (size_t)n;

	snprintf(end, room,
		 "[user u1]\nprimary_venue = v8\nfailover_venues = v1 v2 v3 v4 v5 v6 v7\n");
	struct xr_config *cfg = load_ok(text);
	assert_plan(cfg, user_plan(cfg, "u1"), "v8 v1 v2 v3 v4 v5 v6 v7", true, "8 venues");
	xr_config_free(cfg);

	snprintf(end, room,
		 "[user u1]\nprimary_venue = v8\nfailover_venues = v1 v2 v3 v4 v5 v6 v7 v9\n");
	expect_error(text, "xroute.ini:21: [user u1] failover_venues: \"v9\" makes the plan "
			   "longer than 8 venues");
	/* A repeat is named as a repeat, even as the ninth. */
	snprintf(end, room,
		 "[user u1]\nprimary_venue = v8\nfailover_venues = v1 v2 v3 v4 v5 v6 v7 v1\n");
	expect_error(text, "xroute.ini:21: [user u1] failover_venues: \"v1\" is already in the "
			   "plan (primary_venue, failover_venues)");

	/* The same limit for a symbol: 19 [user u1], 20 [symbol], 21, 22. */
	snprintf(end, room,
		 "[user u1]\n[symbol BTC-USD]\nprimary_venue = v9\n"
		 "failover_venues = v1, v2, v3, v4, v5, v6, v7\n");
	cfg = load_ok(text);
	assert_plan(cfg, symbol_plan(cfg, "BTC-USD"), "v9 v1 v2 v3 v4 v5 v6 v7", true,
		    "symbol 8 venues");
	xr_config_free(cfg);
	snprintf(end, room,
		 "[user u1]\n[symbol BTC-USD]\nprimary_venue = v9\n"
		 "failover_venues = v1, v2, v3, v4, v5, v6, v7, v8\n");
	expect_error(text, "xroute.ini:22: [symbol BTC-USD] failover_venues: \"v8\" makes the "
			   "plan longer than 8 venues");
}

Test(config, error_plan_failovers_need_primary)
{
	/* Lines: 1-8 PLAN_VENUES, 9 [user u1], 10... */
	expect_error(PLAN_VENUES "[user u1]\nfailover_venues = bravo\nauto_failover = true\n",
		     "xroute.ini:10: [user u1] failover_venues: \"bravo\" needs a primary_venue");
	expect_error(PLAN_VENUES "[user u1]\nauto_failover = true\nfailover_venues =\n",
		     "xroute.ini:11: [user u1] failover_venues: \"\" needs a primary_venue");
	/* From the defaults: the defaults' line, the user that inherits it. */
	expect_error("[user_defaults]\nfailover_venues = bravo, charlie\n" PLAN_VENUES
		     "[user u1]\n",
		     "xroute.ini:2: [user u1] failover_venues: \"bravo, charlie\" needs a "
		     "primary_venue");
	/* Lines: 9 [user u1], 10 [symbol BTC-USD], 11. */
	expect_error(PLAN_VENUES "[user u1]\n[symbol BTC-USD]\nfailover_venues = alpha\n",
		     "xroute.ini:11: [symbol BTC-USD] failover_venues: \"alpha\" needs a "
		     "primary_venue");
}

Test(config, error_plan_primary_not_one_venue)
{
	expect_error(PLAN_VENUES "[user u1]\nprimary_venue = alpha, bravo\n",
		     "xroute.ini:10: [user u1] primary_venue: \"alpha, bravo\" must name exactly "
		     "one venue");
	expect_error(PLAN_VENUES "[user u1]\nfailover_venues = charlie\n"
				 "primary_venue = alpha bravo\n",
		     "xroute.ini:11: [user u1] primary_venue: \"alpha bravo\" must name exactly "
		     "one venue");
	expect_error(PLAN_VENUES "[user u1]\nprimary_venue =\n",
		     "xroute.ini:10: [user u1] primary_venue: \"\" must name exactly one venue");
	expect_error(PLAN_VENUES "[user u1]\nprimary_venue = , ,\n",
		     "xroute.ini:10: [user u1] primary_venue: \", ,\" must name exactly one venue");
	/* Counted before the names are looked up. */
	expect_error(PLAN_VENUES "[user u1]\nprimary_venue = zulu alpha\n",
		     "xroute.ini:10: [user u1] primary_venue: \"zulu alpha\" must name exactly "
		     "one venue");
	expect_error("[user_defaults]\nprimary_venue = alpha;bravo\n" PLAN_VENUES "[user u1]\n",
		     "xroute.ini:2: [user_defaults] primary_venue: \"alpha;bravo\" is not a venue");
	expect_error("[user_defaults]\nprimary_venue = alpha,bravo\n" PLAN_VENUES "[user u1]\n",
		     "xroute.ini:2: [user_defaults] primary_venue: \"alpha,bravo\" must name exactly "
		     "one venue");
	expect_error(PLAN_VENUES "[user u1]\n[symbol ETH-USD]\nprimary_venue = alpha charlie\n",
		     "xroute.ini:11: [symbol ETH-USD] primary_venue: \"alpha charlie\" must name "
		     "exactly one venue");
}

Test(config, error_plan_unknown_venue)
{
	expect_error(PLAN_VENUES "[user u1]\nprimary_venue = zulu\n",
		     "xroute.ini:10: [user u1] primary_venue: \"zulu\" is not a venue");
	/* The item is named, not the whole list. */
	expect_error(PLAN_VENUES "[user u1]\nprimary_venue = alpha\n"
				 "failover_venues = bravo, zulu\n",
		     "xroute.ini:11: [user u1] failover_venues: \"zulu\" is not a venue");
	/* Names are case-sensitive; * is no venue here. */
	expect_error(PLAN_VENUES "[user u1]\nprimary_venue = Alpha\n",
		     "xroute.ini:10: [user u1] primary_venue: \"Alpha\" is not a venue");
	expect_error(PLAN_VENUES "[user u1]\nprimary_venue = *\n",
		     "xroute.ini:10: [user u1] primary_venue: \"*\" is not a venue");
	expect_error(PLAN_VENUES "[user u1]\nprimary_venue = alpha\nfailover_venues = *\n",
		     "xroute.ini:11: [user u1] failover_venues: \"*\" is not a venue");
	/* A name longer than 31 is cut. */
	expect_error(PLAN_VENUES "[user u1]\nprimary_venue = "
				 "a123456789b123456789c123456789d123456789\n",
		     "xroute.ini:10: [user u1] primary_venue: \"a123456789b123456789c123456789d..."
		     "\" is not a venue");
	expect_error(PLAN_VENUES "[user u1]\n[symbol ETH-USD]\nprimary_venue = bravo\n"
				 "failover_venues = delta\n",
		     "xroute.ini:12: [symbol ETH-USD] failover_venues: \"delta\" is not a venue");
	/* The primary is checked before the failovers. */
	expect_error(PLAN_VENUES "[user u1]\nfailover_venues = zulu\nprimary_venue = yankee\n",
		     "xroute.ini:11: [user u1] primary_venue: \"yankee\" is not a venue");
}

Test(config, error_plan_venue_not_users)
{
	expect_error(PLAN_VENUES "[user u1]\nvenues = alpha, charlie\nprimary_venue = bravo\n",
		     "xroute.ini:11: [user u1] primary_venue: \"bravo\" is not among the user's "
		     "venues (the venues key)");
	expect_error(PLAN_VENUES "[user u1]\nvenues = alpha, charlie\nprimary_venue = alpha\n"
				 "failover_venues = charlie, bravo\n",
		     "xroute.ini:12: [user u1] failover_venues: \"bravo\" is not among the user's "
		     "venues (the venues key)");
	/* The venues key of [user_defaults]. */
	expect_error("[user_defaults]\nvenues = charlie\n" PLAN_VENUES "[user u1]\n"
		     "primary_venue = charlie\n[user u2]\nfailover_venues = alpha\n"
		     "primary_venue = charlie\n",
		     "xroute.ini:14: [user u2] failover_venues: \"alpha\" is not among the user's "
		     "venues (the venues key)");
	/* The defaults' plan, for a user with fewer venues. */
	expect_error("[user_defaults]\nprimary_venue = bravo\n" PLAN_VENUES "[user u1]\n"
		     "[user u2]\nvenues = alpha\n",
		     "xroute.ini:2: [user u2] primary_venue: \"bravo\" is not among the user's "
		     "venues (the venues key)");
	/* venues = * allows them all. */
	struct xr_config *cfg = load_ok(PLAN_VENUES "[user u1]\nvenues = *\nprimary_venue = bravo\n"
						    "failover_venues = charlie alpha\n");
	assert_plan(cfg, user_plan(cfg, "u1"), "bravo charlie alpha", true, "venues = *");
	xr_config_free(cfg);
}

Test(config, error_plan_venue_repeated)
{
	expect_error(PLAN_VENUES "[user u1]\nprimary_venue = alpha\nfailover_venues = alpha\n",
		     "xroute.ini:11: [user u1] failover_venues: \"alpha\" is already in the plan "
		     "(primary_venue, failover_venues)");
	expect_error(PLAN_VENUES "[user u1]\nprimary_venue = alpha\n"
				 "failover_venues = bravo, charlie, bravo\n",
		     "xroute.ini:11: [user u1] failover_venues: \"bravo\" is already in the plan "
		     "(primary_venue, failover_venues)");
	/* The user's primary, the defaults' failovers. */
	expect_error("[user_defaults]\nfailover_venues = alpha, bravo\n" PLAN_VENUES "[user u1]\n"
		     "primary_venue = bravo\n",
		     "xroute.ini:2: [user u1] failover_venues: \"bravo\" is already in the plan "
		     "(primary_venue, failover_venues)");
	expect_error(PLAN_VENUES "[user u1]\n[symbol BTC-USD]\nprimary_venue = charlie\n"
				 "failover_venues = alpha charlie\n",
		     "xroute.ini:12: [symbol BTC-USD] failover_venues: \"charlie\" is already in "
		     "the plan (primary_venue, failover_venues)");
}

Test(config, error_plan_keys)
{
	expect_error(PLAN_VENUES "[user u1]\nauto_failover = maybe\n",
		     "xroute.ini:10: [user u1] auto_failover: \"maybe\" " PLAN_BOOL);
	expect_error("[user_defaults]\nauto_failover = sometimes\n" PLAN_VENUES "[user u1]\n",
		     "xroute.ini:2: [user_defaults] auto_failover: \"sometimes\" " PLAN_BOOL);
	expect_error(PLAN_VENUES "[user u1]\n[symbol BTC-USD]\nauto_failover = on\n",
		     "xroute.ini:11: [symbol BTC-USD] auto_failover: \"on\" " PLAN_BOOL);
	/* Each key once per section. */
	expect_error(PLAN_VENUES "[user u1]\nprimary_venue = alpha\nprimary_venue = bravo\n",
		     "xroute.ini:11: [user u1] primary_venue: duplicate key (first at line 10)");
	expect_error("[user_defaults]\nfailover_venues = alpha\n\nfailover_venues = bravo\n",
		     "xroute.ini:4: [user_defaults] failover_venues: duplicate key (first at line "
		     "2)");
	expect_error(PLAN_VENUES "[user u1]\n[symbol BTC-USD]\nauto_failover = true\n"
				 "auto_failover = false\n",
		     "xroute.ini:12: [symbol BTC-USD] auto_failover: duplicate key (first at line "
		     "11)");
	/* Plan keys belong to users and symbols only. */
	expect_error("[venue alpha]\nprimary_venue = alpha\n",
		     "xroute.ini:2: [venue alpha] primary_venue: unknown key");
	expect_error("[engine]\nauto_failover = true\n",
		     "xroute.ini:2: [engine] auto_failover: unknown key");
}

Test(config, error_symbol_section)
{
	/* Only the plan keys. */
	expect_error(PLAN_VENUES "[user u1]\n[symbol BTC-USD]\nvenues = alpha\n",
		     "xroute.ini:11: [symbol BTC-USD] venues: unknown key");
	expect_error(PLAN_VENUES "[user u1]\n[symbol BTC-USD]\nenabled = true\n",
		     "xroute.ini:11: [symbol BTC-USD] enabled: unknown key");
	expect_error(PLAN_VENUES "[user u1]\n[symbol BTC-USD]\nprimary_venue = alpha\n"
				 "book.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n",
		     "xroute.ini:12: [symbol BTC-USD] book.BTC-USD: unknown key");
	/* Once per symbol. */
	expect_error(PLAN_VENUES "[symbol BTC-USD]\nprimary_venue = alpha\n[user u1]\n"
				 "[symbol   BTC-USD]\n",
		     "xroute.ini:12: [symbol BTC-USD]: duplicate section (first at line 9)");
	expect_error(PLAN_VENUES "[symbol ETH-USD]\n[symbol BTC-USD]\n[symbol ETH-USD]\n",
		     "xroute.ini:11: [symbol ETH-USD]: duplicate section (first at line 9)");
	/* Names. */
	expect_error(PLAN_VENUES "[symbol]\n",
		     "xroute.ini:9: [symbol]: missing name ([symbol NAME])");
	expect_error(PLAN_VENUES "[symbol BTC USD]\n",
		     "xroute.ini:9: [symbol BTC USD]: symbol name \"BTC USD\" must be 1..31 of "
		     "A-Z a-z 0-9 _ . / -");
	expect_error(PLAN_VENUES "[symbol BTC@USD]\n",
		     "xroute.ini:9: [symbol BTC@USD]: symbol name \"BTC@USD\" must be 1..31 of "
		     "A-Z a-z 0-9 _ . / -");
	expect_error(PLAN_VENUES "[symbol A23456789_123456789-123456789.12]\n",
		     "xroute.ini:9: [symbol A23456789_123456789-123456789.1...]: symbol name "
		     "\"A23456789_123456789-123456789.12\" must be 1..31 of A-Z a-z 0-9 _ . / -");
	expect_error(PLAN_VENUES "[symbols BTC-USD]\n",
		     "xroute.ini:9: [symbols BTC-USD]: unknown section (expected engine, threads, "
		     "user_defaults, serve, journal, venue NAME, user NAME, strategy NAME, symbol NAME, "
		     "client NAME or fix_client NAME)");
}

Test(config, error_symbol_not_a_symbol)
{
	/* Checked at end of file, reported at the section's line. */
	expect_error(PLAN_VENUES "[user u1]\n[symbol SOL-USD]\nprimary_venue = alpha\n",
		     "xroute.ini:10: [symbol SOL-USD]: \"SOL-USD\" is not a symbol (no venue has "
		     "book.SOL-USD)");
	/* An empty section too; symbols are case-sensitive. */
	expect_error(PLAN_VENUES "[user u1]\n[symbol btc-usd]\n",
		     "xroute.ini:10: [symbol btc-usd]: \"btc-usd\" is not a symbol (no venue has "
		     "book.btc-usd)");
	/* A venue name is not a symbol. */
	expect_error(PLAN_VENUES "[symbol alpha]\n[user u1]\n",
		     "xroute.ini:9: [symbol alpha]: \"alpha\" is not a symbol (no venue has "
		     "book.alpha)");
}

/* The lines of section [@p header] in @p text (up to the next section). */
static char *
section_of(const char *text, const char *header)
{
	char want[64];
	snprintf(want, sizeof(want), "\n[%s]\n", header);
	const char *s = strstr(text, want);
	cr_assert_not_null(s, "no [%s] in:\n%s", header, text);
	s += 1;
	const char *e = strstr(s + 1, "\n[");
	size_t len = e != NULL ? (size_t)(e - s) : strlen(s);
	char *out = malloc(len + 1);
	cr_assert_not_null(out);
	memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

static void
assert_plans_eq(const struct xr_config *a, const struct xr_config *b)
{
	cr_assert_eq(a->n_users, b->n_users);
	cr_assert_eq(a->n_symbols, b->n_symbols);
	for (uint32_t i = 0; i < a->n_users; i++) {
		const struct xr_venue_plan *pa = &a->users[i].plan, *pb = &b->users[i].plan;
		cr_assert_eq(pa->n, pb->n, "user %s", a->users[i].name);
		cr_assert_eq(memcmp(pa->venue, pb->venue, pa->n), 0, "user %s", a->users[i].name);
		if (pa->n != 0)
			cr_assert_eq(pa->auto_failover, pb->auto_failover, "user %s",
				     a->users[i].name);
	}
	for (uint32_t s = 0; s < a->n_symbols; s++) {
		const struct xr_venue_plan *pa = &a->symbol_plans[s], *pb = &b->symbol_plans[s];
		cr_assert_eq(pa->n, pb->n, "symbol %s", a->symbols[s]);
		cr_assert_eq(memcmp(pa->venue, pb->venue, pa->n), 0, "symbol %s", a->symbols[s]);
		if (pa->n != 0)
			cr_assert_eq(pa->auto_failover, pb->auto_failover, "symbol %s",
				     a->symbols[s]);
	}
}

/* print -> load -> print -> load -> print: the same text after line 1, the
 * same plans. @return the first print (free it). */
static char *
plan_round_trip(const struct xr_config *a)
{
	char *p1 = print_to_string(a);
	struct xr_config *b = load_ok(p1);
	char *p2 = print_to_string(b);
	struct xr_config *c = load_ok(p2);
	char *p3 = print_to_string(c);

	cr_assert_str_eq(strchr(p1, '\n'), strchr(p2, '\n'));
	cr_assert_str_eq(strchr(p2, '\n'), strchr(p3, '\n'));
	assert_plans_eq(a, b);
	assert_plans_eq(a, c);
	free(p2);
	free(p3);
	xr_config_free(b);
	xr_config_free(c);
	return p1;
}

Test(config, print_round_trip_plans)
{
	struct xr_config *a =
		load_ok("[user_defaults]\nauto_failover = false\n" PLAN_VENUES
			"book.SOL/USD = mid=150 tick=0.01 levels=10 level_qty=10\n"
			"book.BRK.B = mid=400 tick=0.01 levels=10 level_qty=10\n"
			"[user u1]\n"
			"primary_venue = charlie\n"
			"failover_venues = alpha bravo\n"
			"[user u2]\n"
			"auto_failover = true\n"
			"[user u3]\n"
			"venues = bravo, charlie\n"
			"max_position = 5\n"
			"primary_venue = bravo\n"
			"auto_failover = true\n"
			"[symbol SOL/USD]\n"
			"primary_venue = charlie\n"
			"[symbol BRK.B]\n"
			"primary_venue = bravo\n"
			"auto_failover = false\n"
			"failover_venues = charlie\n"
			"[symbol ETH-USD]\n"
			"[symbol BTC-USD]\n"
			"primary_venue = charlie\n"
			"failover_venues = bravo, alpha\n"
			"auto_failover = yes\n");
	char *p1 = plan_round_trip(a);

	/* After each user's other keys: primary_venue, failover_venues when
	 * there are failovers, auto_failover as resolved. */
	char *u1 = section_of(p1, "user u1"), *u2 = section_of(p1, "user u2"),
	     *u3 = section_of(p1, "user u3");
	const char *tail1 = "strategy = default\nprimary_venue = charlie\n"
			    "failover_venues = alpha, bravo\nauto_failover = false\n";
	cr_assert_str_eq(u1 + strlen(u1) - strlen(tail1), tail1, "%s", u1);
	const char *tail3 = "max_position = 5\nprimary_venue = bravo\nauto_failover = true\n";
	cr_assert_str_eq(u3 + strlen(u3) - strlen(tail3), tail3, "%s", u3);
	cr_assert_null(strstr(u3, "failover_venues"), "%s", u3);
	/* No plan, no plan keys (auto_failover alone is not kept). */
	cr_assert_null(strstr(u2, "_venue"), "%s", u2);
	cr_assert_null(strstr(u2, "auto_failover"), "%s", u2);
	/* The defaults are resolved into the users, not printed. */
	char *d = section_of(p1, "user_defaults");
	cr_assert_null(strstr(d, "failover"), "%s", d);

	/* Symbols with a plan, in symbol order, after the users; the
	 * [user_defaults] auto_failover is not a symbol's default. */
	cr_assert_not_null(strstr(p1, "auto_failover = true\n"
				      "\n[symbol BTC-USD]\nprimary_venue = charlie\n"
				      "failover_venues = bravo, alpha\nauto_failover = true\n"
				      "\n[symbol SOL/USD]\nprimary_venue = charlie\n"
				      "auto_failover = true\n"
				      "\n[symbol BRK.B]\nprimary_venue = bravo\n"
				      "failover_venues = charlie\nauto_failover = false\n"),
			   "%s", p1);
	cr_assert_null(strstr(p1, "[symbol ETH-USD]"), "%s", p1);
	cr_assert_lt(strstr(p1, "\n[user u3]\n"), strstr(p1, "\n[symbol BTC-USD]\n"));
	free(u1);
	free(u2);
	free(u3);
	free(d);
	free(p1);
	xr_config_free(a);

	/* A plan from [user_defaults] is printed in every user that has it. */
	a = load_ok(PLAN_VENUES "[user_defaults]\nprimary_venue = bravo\nfailover_venues = alpha\n"
				"[user u1]\n[user u2]\nfailover_venues = charlie\n");
	p1 = plan_round_trip(a);
	u1 = section_of(p1, "user u1");
	u2 = section_of(p1, "user u2");
	cr_assert_not_null(strstr(u1, "\nprimary_venue = bravo\nfailover_venues = alpha\n"
				      "auto_failover = true\n"),
			   "%s", u1);
	cr_assert_not_null(strstr(u2, "\nprimary_venue = bravo\nfailover_venues = charlie\n"
				      "auto_failover = true\n"),
			   "%s", u2);
	free(u1);
	free(u2);
	free(p1);
	xr_config_free(a);
}

Test(config, plan_long_failover_list)
{
	/* Eight 31-character venue names: the failover_venues line is far
	 * beyond inih's 200 bytes, read and printed whole. */
	char text[4096], name[8][32], list[512];
	int n = 0, l = 0;
	for (int v = 0; v < 8; v++) {
		snprintf(name[v], sizeof(name[v]), "venue_%d_%s", v, "abcdefghijklmnopqrstuvw");
		cr_assert_eq(strlen(name[v]), 31);
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "[venue %s]\nbook.BTC-USD = mid=50000 tick=0.5 levels=10 "
			      "level_qty=1\n",
			      name[v]);
		if (v != 0)
			l += snprintf(list + l, sizeof(list) - (size_t)l, "%s%s", v > 1 ? ", " : "",
				      name[v]);
	}
	cr_assert_gt(l, 200);
	n += snprintf(text + n, sizeof(text) - (size_t)n,
		      "[user u1]\nprimary_venue = %s\nfailover_venues = %s\n", name[0], list);
	cr_assert_lt((size_t)n, sizeof(text));

	struct xr_config *cfg = load_ok(text);
	const struct xr_venue_plan *p = user_plan(cfg, "u1");
	cr_assert_eq(p->n, 8);
	for (unsigned i = 0; i < 8; i++)
		cr_assert_eq(p->venue[i], i);
	char *p1 = plan_round_trip(cfg);
	char want[600];
	snprintf(want, sizeof(want), "\nfailover_venues = %s\n", list);
	cr_assert_not_null(strstr(p1, want), "%s", p1);
	free(p1);
	xr_config_free(cfg);
}

Test(config, free_null)
{
	xr_config_free(NULL);
}

Test(config, error_plan_defaults_checked_even_when_overridden)
{
	/* Every user gives its own primary: a bad default is still an error,
	 * as the defaults' venues key is. */
	expect_error("[user_defaults]\nprimary_venue = zulu\n" PLAN_VENUES
		     "[user u1]\nprimary_venue = alpha\n",
		     "xroute.ini:2: [user_defaults] primary_venue: \"zulu\" is not a venue");
	expect_error("[user_defaults]\nprimary_venue = alpha alpha\n" PLAN_VENUES
		     "[user u1]\nprimary_venue = alpha\n",
		     "xroute.ini:2: [user_defaults] primary_venue: \"alpha alpha\" must name "
		     "exactly one venue");
	expect_error("[user_defaults]\nfailover_venues = bravo, bravo\n" PLAN_VENUES
		     "[user u1]\nprimary_venue = alpha\n",
		     "xroute.ini:2: [user_defaults] failover_venues: \"bravo\" is already in the "
		     "plan (primary_venue, failover_venues)");
	/* Failovers alone are fine in the defaults: users give the primary. */
	char err[512];
	struct xr_config *cfg = load_text("[user_defaults]\nfailover_venues = bravo, charlie\n"
					  PLAN_VENUES "[user u1]\nprimary_venue = alpha\n",
					  err, sizeof(err));
	cr_assert_not_null(cfg, "%s", err);
	cr_assert_eq(cfg->users[0].plan.n, 3);
	xr_config_free(cfg);
}

Test(config, error_field_too_long_is_not_cut)
{
	/* 118 zeros then 5: cut at 127 bytes it would read as start_ms=0. */
	char text[1024], zeros[120];
	memset(zeros, '0', 118);
	zeros[118] = '\0';
	snprintf(text, sizeof(text),
		 "[venue a]\nbook.X = mid=1 tick=0.1 levels=1 level_qty=1\n"
		 "fault.f = outage start_ms=%s5 end_ms=900\n[user u]\n", zeros);
	char err[512];
	cr_assert_null(load_text(text, err, sizeof(err)));
	cr_assert(strstr(err, "xroute.ini:3: [venue a] fault.f: ") == err, "%s", err);
	cr_assert(strstr(err, "has a field longer than 127 characters") != NULL, "%s", err);
	snprintf(text, sizeof(text),
		 "[venue a]\nbook.X = mid=1 tick=0.1 levels=1 level_qty=%s1\n[user u]\n", zeros);
	cr_assert_null(load_text(text, err, sizeof(err)));
	cr_assert(strstr(err, "has a field longer than 127 characters") != NULL, "%s", err);
}

/* ------------------------------------------------------------------ */
/* Connector schemas (xr_config_schema.h): a kind declared here, "toy",
 * shows what base does for any kind: its table keys with defaults and
 * ranges, a suffix key through the hook, its check, where its keys print,
 * and a key of another kind refused. */

struct toy_cfg {
	uint32_t speed;
	char label[16];
	uint32_t n_tags;
	char tags[4][XR_NAME_MAX + 1];
};

static const struct xr_config_key toy_keys[] = {
	{ "speed", XR_CONFIG_T_U32, 0, offsetof(struct toy_cfg, speed), 7, 1, 100, NULL },
	{ "label", XR_CONFIG_T_STR, XR_CONFIG_UNSET, offsetof(struct toy_cfg, label), 0, 0, 15,
	  NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

static int
toy_key(struct xr_config_loader *ld, void *cc, const char *key, const char *value)
{
	struct toy_cfg *t = cc;

	if (strncmp(key, "tag.", 4) != 0)
		return 1;
	if (t->n_tags == 4)
		return xr_config_value_err(ld, key, value, "is a fifth tag");
	snprintf(t->tags[t->n_tags++], sizeof(t->tags[0]), "%s", key + 4);
	return 0;
}

static const char *
toy_extra_set(const void *cc, char *buf, size_t len)
{
	const struct toy_cfg *t = cc;

	if (t->n_tags == 0)
		return NULL;
	snprintf(buf, len, "tag.%s", t->tags[0]);
	return buf;
}

static int
toy_check(struct xr_config_loader *ld, const struct xr_config *cfg, const struct xr_venue_cfg *v,
	  void *cc)
{
	(void)cfg;
	if (((struct toy_cfg *)cc)->speed == 13)
		return xr_config_err(ld, v->line, "[venue %s]: speed 13 is unlucky", v->name);
	return 0;
}

static void
toy_print_tail(const struct xr_config *cfg, const struct xr_venue_cfg *v, const void *cc,
	       FILE *out)
{
	const struct toy_cfg *t = cc;

	(void)cfg;
	(void)v;
	for (uint32_t i = 0; i < t->n_tags; i++)
		fprintf(out, "tag.%s = 1\n", t->tags[i]);
}

static const struct xr_config_schema toy_schema = {
	.name = "toy",
	.keys = toy_keys,
	.size = sizeof(struct toy_cfg),
	.print_after = "fee_maker_bps",
	.key = toy_key,
	.extra_set = toy_extra_set,
	.check = toy_check,
	.print_tail = toy_print_tail,
};

/* Load @p text with the kinds @p schemas; NULL on error (err filled). */
static struct xr_config *
load_kinds(const char *text, const struct xr_config_schema *const *schemas, char *err,
	   size_t err_len)
{
	write_file("xroute.ini", text);
	err[0] = '\0';
	return xr_config_load("xroute.ini", schemas, err, err_len);
}

Test(config, schema_kind_keys_parsed_checked_printed)
{
	static const struct xr_config_schema *const toys[] = { &toy_schema, NULL };
	char err[512];
	struct xr_config *cfg = load_kinds("[venue a]\nspeed = 9\ntag.x = 1\n"
					   "book.BTC-USD = mid=1 tick=0.01 levels=2 level_qty=1\n"
					   "[venue b]\n"
					   "book.BTC-USD = mid=1 tick=0.01 levels=2 level_qty=1\n"
					   "[user u]\n",
					   toys, err, sizeof(err));
	cr_assert_not_null(cfg, "%s", err);
	const struct toy_cfg *a = cfg->venues[0].conn, *b = cfg->venues[1].conn;
	cr_assert_eq(cfg->venues[0].schema, &toy_schema);
	cr_assert_str_eq(cfg->venues[0].connector, "toy", "the first kind is the default");
	cr_assert_eq(a->speed, 9);
	cr_assert_eq(a->n_tags, 1);
	cr_assert_str_eq(a->tags[0], "x");
	cr_assert_eq(b->speed, 7, "table default");
	cr_assert_eq(xr_config_venue_seed(&cfg->venues[0]), 1, "no seed hook: 1");

	/* The table keys after print_after, the unset label not at all, the
	 * tail after the books; the printed file loads again to the same. */
	char *p1 = print_to_string(cfg);
	cr_assert_not_null(strstr(p1, "\n[venue a]\nconnector = toy\nfee_maker_bps = 1\n"
				      "speed = 9\nfee_taker_bps = 2.5\n"), "%s", p1);
	cr_assert_null(strstr(p1, "label"), "%s", p1);
	cr_assert_not_null(strstr(p1, "level_qty=1\ntag.x = 1\n\n[venue b]\n"), "%s", p1);
	write_file("print1.ini", p1);
	struct xr_config *again = xr_config_load("print1.ini", toys, err, sizeof(err));
	cr_assert_not_null(again, "%s", err);
	char *p2 = print_to_string(again);
	cr_assert_str_eq(strchr(p1, '\n'), strchr(p2, '\n'));
	free(p1);
	free(p2);
	xr_config_free(again);
	xr_config_free(cfg);

	/* Range, hook and check errors name the place as every key does. */
	cr_assert_null(load_kinds("[venue a]\nspeed = 101\n", toys, err, sizeof(err)));
	cr_assert_str_eq(err, "xroute.ini:2: [venue a] speed: \"101\" is out of range (1..100)");
	cr_assert_null(load_kinds("[venue a]\ntag.a = 1\ntag.b = 1\ntag.c = 1\ntag.d = 1\n"
				  "tag.e = 1\n", toys, err, sizeof(err)));
	cr_assert_str_eq(err, "xroute.ini:6: [venue a] tag.e: \"1\" is a fifth tag");
	cr_assert_null(load_kinds("[venue a]\nspeed = 13\n"
				  "book.BTC-USD = mid=1 tick=0.01 levels=2 level_qty=1\n[user u]\n",
				  toys, err, sizeof(err)));
	cr_assert_str_eq(err, "xroute.ini:1: [venue a]: speed 13 is unlucky");
}

Test(config, schema_key_of_another_kind_refused)
{
	static const struct xr_config_schema *const kinds[] = { &xr_sim_config_schema, &toy_schema,
								NULL };
	char err[512];

	cr_assert_null(load_kinds("[venue a]\nconnector = fix\n", kinds, err, sizeof(err)));
	cr_assert_str_eq(err, "xroute.ini:2: [venue a] connector: \"fix\" is not one of sim, toy");
	cr_assert_null(load_kinds(MINIMAL "[venue b]\nspeed = 5\n"
				  "book.BTC-USD = mid=1 tick=0.01 levels=2 level_qty=1\n",
				  kinds, err, sizeof(err)));
	cr_assert_str_eq(err, "xroute.ini:4: [venue b]: speed applies only to connector = toy");
	cr_assert_null(load_kinds(MINIMAL "[venue b]\ntag.q = 1\n"
				  "book.BTC-USD = mid=1 tick=0.01 levels=2 level_qty=1\n",
				  kinds, err, sizeof(err)));
	cr_assert_str_eq(err, "xroute.ini:4: [venue b]: tag.q applies only to connector = toy");
	cr_assert_null(load_kinds(MINIMAL "[venue b]\nconnector = toy\nseed = 5\n"
				  "book.BTC-USD = mid=1 tick=0.01 levels=2 level_qty=1\n",
				  kinds, err, sizeof(err)));
	cr_assert_str_eq(err, "xroute.ini:4: [venue b]: seed applies only to connector = sim");

	/* Each venue keeps its own kind's keys. */
	struct xr_config *cfg = load_kinds("[venue alpha]\nseed = 5\n"
					   "book.BTC-USD = mid=1 tick=0.01 levels=2 level_qty=1\n"
					   "[user u1]\n[venue b]\nconnector = toy\n"
					   "speed = 3\n"
					   "book.BTC-USD = mid=1 tick=0.01 levels=2 level_qty=1\n",
					   kinds, err, sizeof(err));
	cr_assert_not_null(cfg, "%s", err);
	cr_assert_eq(xr_sim_venue_cfg(&cfg->venues[0])->seed, 5);
	cr_assert_eq(xr_config_venue_seed(&cfg->venues[0]), 5, "the sim's seed hook");
	cr_assert_null(xr_sim_venue_cfg(&cfg->venues[1]));
	cr_assert_eq(((const struct toy_cfg *)cfg->venues[1].conn)->speed, 3);
	xr_config_free(cfg);
}

Test(config, schema_list_empty_is_an_error)
{
	static const struct xr_config_schema *const none[] = { NULL };
	char err[512];

	cr_assert_null(load_kinds(MINIMAL, none, err, sizeof(err)));
	cr_assert_str_eq(err, "xroute.ini: no connector kind (the schema list is empty)");
	cr_assert_null(load_kinds(MINIMAL, NULL, err, sizeof(err)));
	cr_assert_str_eq(err, "xroute.ini: no connector kind (the schema list is empty)");
}
