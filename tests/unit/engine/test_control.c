/*
 * Operator commands (engine/control.c, docs/failover.md "Control") and the
 * venue plans they steer, on a whole engine: user and symbol plans with
 * and without auto_failover, xr_engine_control()'s errors with their
 * exact messages, disable/enable and manual failover, commands given
 * together applying together, a disable reaching a venue behind the orders
 * already sent there; the events file, router status and per-venue
 * positions they leave.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_pvt.h"
#include "fixtures.h"
#include "stage_execute_pvt.h"
#include "stage_route_pvt.h"
#include "venue_stats_pvt.h"
#include "xr_clock.h"
#include "xr_config.h"
#include "xr_engine.h"

/*
 * Three venues listing BTC-USD with the same book; the selector on its own
 * prefers alpha (cheapest taker fee) and would never pick charlie, so an
 * order at charlie or bravo is there because of a plan. Only alpha lists
 * ETH-USD.
 */
#define PLAN_VENUES                                                              \
	"[venue alpha]\n"                                                            \
	"fee_taker_bps = 1\n"                                                        \
	"latency_us = 5\n"                                                           \
	"jitter_us = 0\n"                                                            \
	"book.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n"                     \
	"book.ETH-USD = mid=10 tick=0.1 levels=10 level_qty=100\n"                   \
	"[venue bravo]\n"                                                            \
	"fee_taker_bps = 10\n"                                                       \
	"latency_us = 5\n"                                                           \
	"jitter_us = 0\n"                                                            \
	"book.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n"                     \
	"[venue charlie]\n"                                                          \
	"fee_taker_bps = 20\n"                                                       \
	"latency_us = 5\n"                                                           \
	"jitter_us = 0\n"                                                            \
	"book.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n"

/* ann: plan charlie, bravo, alpha; fay: the same without auto_failover;
 * eve: no plan of her own; cat: ETH-USD on alpha only, no plan. */
#define PLAN_USERS                                                               \
	"[user_defaults]\n"                                                          \
	"rate_per_s = 1000000\n"                                                     \
	"burst = 1000000\n"                                                          \
	"[user ann]\n"                                                               \
	"primary_venue = charlie\n"                                                  \
	"failover_venues = bravo, alpha\n"                                           \
	"[user fay]\n"                                                               \
	"primary_venue = charlie\n"                                                  \
	"failover_venues = bravo, alpha\n"                                           \
	"auto_failover = false\n"                                                    \
	"[user eve]\n"                                                               \
	"[user cat]\n"                                                               \
	"symbols = ETH-USD\n"                                                        \
	"venues = alpha\n"

#define PLAN_CFG "[engine]\n" PLAN_VENUES PLAN_USERS

/* Venue ids in PLAN_VENUES' order. */
enum { ALPHA, BRAVO, CHARLIE };

/* Signals: line i + 1 (i = 1..n) is pairs[i % n_pairs] = {user, symbol};
 * buys of 0.5 and sells of 0.3 alternate, so every pair ends long. */
static char *
plan_signals(unsigned n, const char *const (*pairs)[2], unsigned n_pairs)
{
	size_t cap = (size_t)n * 96 + 256;
	char *buf = malloc(cap);
	size_t len = (size_t)snprintf(buf, cap, XR_TEST_SIGNAL_HEADER);

	cr_assert_not_null(buf);
	for (unsigned i = 1; i <= n; i++) {
		const char *const *p = pairs[i % n_pairs];
		len += (size_t)snprintf(buf + len, cap - len,
					"%u,%u,%s,%s,%s,%s,market,,,entry,,\n", 1000 + i, i,
					p[0], p[1], i % 2 ? "buy" : "sell", i % 2 ? "0.5" : "0.3");
	}
	return buf;
}

/* Create an engine, not yet run (commands may be given first); events go
 * to DIR/events.jsonl. Run with finish(). */
static struct xr_engine *
start(const char *config_text, const char *signals_text)
{
	struct xr_engine_io io = {
		.events_path = xr_test_path("events.jsonl"),
		.drain_timeout_ms = 5000,
	};
	return xr_test_start(config_text, signals_text, io);
}

/* Give an operator command that must be accepted. */
static void
control(struct xr_engine *e, const char *command)
{
	char err[256] = "x";

	int rc = xr_engine_control(e, command, err, sizeof(err));
	cr_assert_eq(rc, 0, "\"%s\": %d %s", command, rc, err);
	cr_assert_str_eq(err, "", "success clears err");
}

static void
finish(struct xr_engine *e)
{
	char err[512];

	int rc = xr_engine_run(e, err, sizeof(err));
	cr_assert_eq(rc, 0, "run: %d %s", rc, err);
}

/* Quantity text ("12.5", "-0.3") at scale 10^8. */
static int64_t
qty_of(const char *s)
{
	int64_t sign = 1, v = 0, frac = 0, scale = 100000000;

	if (*s == '-') {
		sign = -1;
		s++;
	}
	for (; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (*s - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9' && scale > 1; s++) {
			scale /= 10;
			frac += (*s - '0') * scale;
		}
	return sign * (v * 100000000 + frac);
}

/** One results row, the columns these tests read. */
struct row {
	unsigned line;
	char user[16], symbol[16], side[8], status[16], reason[32], venue[16], venues[64];
	char decision[24];
	int64_t filled; /* 10^8 */
};

/* Every row of a CSV results file, by line (rows[line - 2]); n signals. */
static struct row *
load_rows(const char *path, unsigned n)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	struct row *rows = calloc(n, sizeof(*rows));

	cr_assert_not_null(f);
	cr_assert_not_null(rows);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	cr_assert_not_null(strstr(line, ",decision,"), "header: %s", line);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *fields[40];
		int k = 0;
		for (char *p = line, *tok; k < 40 && (tok = strsep(&p, ",\n")) != NULL;)
			fields[k++] = tok;
		cr_assert_geq(k, 27, "results row has %d fields", k);
		unsigned ln = (unsigned)atoi(fields[1]);
		cr_assert(ln >= 2 && ln < n + 2, "line %u", ln);
		struct row *r = &rows[ln - 2];
		cr_assert_eq(r->line, 0, "line %u has two results", ln);
		r->line = ln;
		snprintf(r->user, sizeof(r->user), "%s", fields[2]);
		snprintf(r->symbol, sizeof(r->symbol), "%s", fields[3]);
		snprintf(r->side, sizeof(r->side), "%s", fields[4]);
		snprintf(r->status, sizeof(r->status), "%s", fields[6]);
		snprintf(r->reason, sizeof(r->reason), "%s", fields[7]);
		snprintf(r->venue, sizeof(r->venue), "%s", fields[8]);
		snprintf(r->venues, sizeof(r->venues), "%s", fields[9]);
		snprintf(r->decision, sizeof(r->decision), "%s", fields[19]);
		r->filled = qty_of(fields[12]);
	}
	fclose(f);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(rows[i].line, i + 2, "line %u has no result", i + 2);
	return rows;
}

/* Assert every row of @p user / @p symbol ended filled at @p venue alone
 * with @p decision; @return how many there were. */
static unsigned
expect_routed(const struct row *rows, unsigned n, const char *user, const char *symbol,
	      const char *venue, const char *decision)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		if (strcmp(r->user, user) != 0 || strcmp(r->symbol, symbol) != 0)
			continue;
		k++;
		cr_assert_str_eq(r->status, "filled", "line %u (%s %s): %s %s", r->line, user,
				 symbol, r->status, r->reason);
		cr_assert_str_eq(r->venue, venue, "line %u (%s %s)", r->line, user, symbol);
		cr_assert_str_eq(r->venues, venue, "line %u (%s %s): no other venue tried",
				 r->line, user, symbol);
		cr_assert_str_eq(r->decision, decision, "line %u (%s %s)", r->line, user, symbol);
	}
	cr_assert_gt(k, 0, "no orders of %s %s", user, symbol);
	return k;
}

/* The same for orders routed without a plan (decision neither primary
 * nor failover), at @p venue if not NULL. */
static unsigned
expect_unplanned(const struct row *rows, unsigned n, const char *user, const char *symbol,
		 const char *venue)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		if (strcmp(r->user, user) != 0 || strcmp(r->symbol, symbol) != 0)
			continue;
		k++;
		cr_assert_str_eq(r->status, "filled", "line %u (%s %s): %s %s", r->line, user,
				 symbol, r->status, r->reason);
		if (venue != NULL)
			cr_assert_str_eq(r->venue, venue, "line %u (%s %s)", r->line, user, symbol);
		cr_assert_str_neq(r->decision, "primary", "line %u (%s %s)", r->line, user, symbol);
		cr_assert_str_neq(r->decision, "failover", "line %u (%s %s)", r->line, user,
				  symbol);
	}
	cr_assert_gt(k, 0, "no orders of %s %s", user, symbol);
	return k;
}

Test(control, user_plan_routes_every_order_to_its_primary, .init = xr_test_make_dir)
{
	static const char *const pairs[][2] = {{"ann", "BTC-USD"}, {"eve", "BTC-USD"}};
	char *signals = plan_signals(400, pairs, 2);
	struct xr_engine *e = start(PLAN_CFG, signals);

	finish(e);
	const struct xr_summary *s = xr_engine_summary(e);
	xr_test_check_invariants(s, 400);
	struct row *rows = load_rows(xr_test_path("results.csv"), 400);
	unsigned ann = expect_routed(rows, 400, "ann", "BTC-USD", "charlie", "primary");
	cr_assert_eq(ann, 200);
	/* The control: eve, without a plan, is routed by the selector. */
	cr_assert_eq(expect_unplanned(rows, 400, "eve", "BTC-USD", NULL), 200);
	cr_assert_geq(s->venues[CHARLIE].children, 200);
	cr_assert_eq(s->by_decision[XR_D_PRIMARY], 200);
	cr_assert_eq(s->by_decision[XR_D_FAILOVER], 0);
	cr_assert_eq(s->controls, 0);
	cr_assert_eq(s->router_status, XR_STATUS_READY);
	cr_assert_eq(xr_engine_status(e), XR_STATUS_READY);
	cr_assert_eq(s->failover_events, 0);
	free(rows);
	free(signals);
	xr_test_done(e);
}

Test(control, disabled_primary_fails_over_to_the_first_failover, .init = xr_test_make_dir)
{
	static const char *const pairs[][2] = {{"ann", "BTC-USD"}, {"eve", "BTC-USD"}};
	char *signals = plan_signals(400, pairs, 2);
	struct xr_engine *e = start(PLAN_CFG, signals);

	/* Queued now, applied at route's first burst: before any order. */
	control(e, "disable charlie");
	finish(e);
	const struct xr_summary *s = xr_engine_summary(e);
	xr_test_check_invariants(s, 400);
	struct row *rows = load_rows(xr_test_path("results.csv"), 400);
	/* bravo, the first failover, not alpha (cheaper, later in the plan). */
	cr_assert_eq(expect_routed(rows, 400, "ann", "BTC-USD", "bravo", "failover"), 200);
	cr_assert_eq(expect_unplanned(rows, 400, "eve", "BTC-USD", NULL), 200);
	cr_assert_eq(s->venues[CHARLIE].children, 0, "nothing reaches a disabled venue");
	cr_assert_eq(s->venues[CHARLIE].bounced, 0, "not even to be bounced");
	cr_assert_eq(s->by_decision[XR_D_FAILOVER], 200);
	cr_assert_eq(s->by_decision[XR_D_PRIMARY], 0);

	/* The breaker is held open (no half-open probes) to the end. */
	cr_assert_eq(s->venues[CHARLIE].circuit, XR_CIRCUIT_OPEN);
	cr_assert_eq(s->venues[CHARLIE].opens, 1);
	cr_assert_eq(s->venues[CHARLIE].recoveries, 0);
	cr_assert_eq(s->failover_events, 1);
	cr_assert_eq(s->n_history, 1);
	cr_assert_str_eq(s->history[0].from, "charlie");
	cr_assert_str_eq(s->history[0].cause, "manual");
	cr_assert_eq(s->detection.count, 0, "an operator's open has nothing to detect");
	cr_assert_eq(s->controls, 1);
	cr_assert_eq(s->router_status, XR_STATUS_SWITCHING, "a venue is disabled");
	cr_assert_eq(xr_engine_status(e), XR_STATUS_SWITCHING);
	cr_assert_geq(s->status_changes, 1);
	free(rows);
	free(signals);
	xr_test_done(e);
}

Test(control, without_auto_failover_a_disabled_primary_rejects, .init = xr_test_make_dir)
{
	static const char *const pairs[][2] = {{"fay", "BTC-USD"}};
	char *signals = plan_signals(200, pairs, 1);
	struct xr_engine *e = start(PLAN_CFG, signals);

	control(e, "disable charlie");
	finish(e);
	const struct xr_summary *s = xr_engine_summary(e);
	xr_test_check_invariants(s, 200);
	struct row *rows = load_rows(xr_test_path("results.csv"), 200);
	for (unsigned i = 0; i < 200; i++) {
		const struct row *r = &rows[i];
		cr_assert_str_eq(r->status, "rejected", "line %u", r->line);
		cr_assert_str_eq(r->reason, "circuit_open", "line %u: the primary is disabled",
				 r->line);
		cr_assert_str_eq(r->venue, "", "line %u", r->line);
		cr_assert_str_eq(r->venues, "", "line %u", r->line);
		cr_assert_eq(r->filled, 0);
	}
	cr_assert_eq(s->rejected, 200);
	cr_assert_eq(s->by_reason[XR_R_CIRCUIT_OPEN], 200);
	for (uint32_t v = 0; v < s->n_venues; v++) {
		cr_assert_eq(s->venues[v].children, 0, "%s got children", s->venues[v].name);
		cr_assert_eq(s->venues[v].bounced, 0, "%s bounced children", s->venues[v].name);
	}
	free(rows);
	free(signals);
	xr_test_done(e);
}

Test(control, manual_failover_pins_a_venue_first, .init = xr_test_make_dir)
{
	static const char *const pairs[][2] = {
		{"ann", "BTC-USD"}, {"fay", "BTC-USD"}, {"eve", "BTC-USD"}};
	char *signals = plan_signals(300, pairs, 3);
	struct xr_engine *e = start(PLAN_CFG, signals);

	/* One user's plan: fay (no auto_failover) may use bravo now; ann's
	 * plan is untouched. */
	control(e, "failover user fay bravo");
	finish(e);
	const struct xr_summary *s = xr_engine_summary(e);
	xr_test_check_invariants(s, 300);
	struct row *rows = load_rows(xr_test_path("results.csv"), 300);
	cr_assert_eq(expect_routed(rows, 300, "fay", "BTC-USD", "bravo", "failover"), 100);
	cr_assert_eq(expect_routed(rows, 300, "ann", "BTC-USD", "charlie", "primary"), 100);
	cr_assert_eq(expect_unplanned(rows, 300, "eve", "BTC-USD", NULL), 100);
	cr_assert_eq(s->controls, 1);
	cr_assert_eq(s->failover_events, 0, "no circuit opened");
	cr_assert_eq(s->router_status, XR_STATUS_SWITCHING, "a manual failover is in force");
	cr_assert_eq(s->n_history, 1, "the manual failover is in the history");
	cr_assert_str_eq(s->history[0].from, "");
	cr_assert_str_eq(s->history[0].to, "bravo");
	cr_assert_str_eq(s->history[0].cause, "manual");
	free(rows);
	xr_test_done(e);

	/* Every plan: ann's and fay's orders to alpha; eve has none. */
	xr_test_make_dir();
	e = start(PLAN_CFG, signals);
	control(e, "failover alpha");
	finish(e);
	s = xr_engine_summary(e);
	xr_test_check_invariants(s, 300);
	rows = load_rows(xr_test_path("results.csv"), 300);
	cr_assert_eq(expect_routed(rows, 300, "fay", "BTC-USD", "alpha", "failover"), 100);
	cr_assert_eq(expect_routed(rows, 300, "ann", "BTC-USD", "alpha", "failover"), 100);
	cr_assert_eq(expect_unplanned(rows, 300, "eve", "BTC-USD", NULL), 100);
	free(rows);
	free(signals);
	xr_test_done(e);
}

#define SYMBOL_PLAN "[symbol BTC-USD]\nprimary_venue = bravo\nfailover_venues = alpha\n"

Test(control, symbol_plan_serves_users_without_their_own, .init = xr_test_make_dir)
{
	static const char *const pairs[][2] = {
		{"ann", "BTC-USD"}, {"eve", "BTC-USD"}, {"cat", "ETH-USD"}};
	char *signals = plan_signals(300, pairs, 3);
	struct xr_engine *e = start(PLAN_CFG SYMBOL_PLAN, signals);

	finish(e);
	const struct xr_summary *s = xr_engine_summary(e);
	xr_test_check_invariants(s, 300);
	struct row *rows = load_rows(xr_test_path("results.csv"), 300);
	/* eve has no plan: BTC-USD's. ann's own plan wins over it. ETH-USD
	 * has no plan: the selector. */
	cr_assert_eq(expect_routed(rows, 300, "eve", "BTC-USD", "bravo", "primary"), 100);
	cr_assert_eq(expect_routed(rows, 300, "ann", "BTC-USD", "charlie", "primary"), 100);
	cr_assert_eq(expect_unplanned(rows, 300, "cat", "ETH-USD", "alpha"), 100);
	free(rows);
	xr_test_done(e);

	/* A failover of the symbol's plan moves eve, not ann. */
	xr_test_make_dir();
	e = start(PLAN_CFG SYMBOL_PLAN, signals);
	control(e, "failover symbol BTC-USD alpha");
	finish(e);
	s = xr_engine_summary(e);
	xr_test_check_invariants(s, 300);
	rows = load_rows(xr_test_path("results.csv"), 300);
	cr_assert_eq(expect_routed(rows, 300, "eve", "BTC-USD", "alpha", "failover"), 100);
	cr_assert_eq(expect_routed(rows, 300, "ann", "BTC-USD", "charlie", "primary"), 100);
	cr_assert_eq(expect_unplanned(rows, 300, "cat", "ETH-USD", "alpha"), 100);
	free(rows);
	xr_test_done(e);

	/* The symbol plan's primary disabled: eve to its failover, alpha. */
	xr_test_make_dir();
	e = start(PLAN_CFG SYMBOL_PLAN, signals);
	control(e, "disable bravo");
	finish(e);
	s = xr_engine_summary(e);
	xr_test_check_invariants(s, 300);
	rows = load_rows(xr_test_path("results.csv"), 300);
	cr_assert_eq(expect_routed(rows, 300, "eve", "BTC-USD", "alpha", "failover"), 100);
	cr_assert_eq(expect_routed(rows, 300, "ann", "BTC-USD", "charlie", "primary"), 100);
	cr_assert_eq(s->venues[BRAVO].children, 0);
	free(rows);
	free(signals);
	xr_test_done(e);
}

Test(control, control_commands_are_checked_with_exact_messages, .init = xr_test_make_dir)
{
	static const struct {
		const char *command, *message;
	} bad[] = {
		{"", "empty command (expected disable, enable or failover)"},
		{"  \t ", "empty command (expected disable, enable or failover)"},
		{"halt alpha", "\"halt\": unknown command (expected disable, enable or failover)"},
		{"Disable alpha",
		 "\"Disable\": unknown command (expected disable, enable or failover)"},
		{"disable", "disable: expected \"disable VENUE\""},
		{"enable", "enable: expected \"enable VENUE\""},
		{"disable alpha bravo", "disable: expected \"disable VENUE\""},
		{"disable zulu", "disable: \"zulu\" is not a venue"},
		{"enable zulu", "enable: \"zulu\" is not a venue"},
		{"disable auto", "disable: \"auto\" is not a venue"},
		{"failover zulu", "failover: \"zulu\" is not a venue (or auto)"},
		{"failover",
		 "failover: expected \"failover VENUE|auto\", \"failover user NAME VENUE|auto\" "
		 "or \"failover symbol NAME VENUE|auto\""},
		{"failover user ann",
		 "failover: expected \"failover VENUE|auto\", \"failover user NAME VENUE|auto\" "
		 "or \"failover symbol NAME VENUE|auto\""},
		{"failover venue ann alpha",
		 "failover: expected \"failover VENUE|auto\", \"failover user NAME VENUE|auto\" "
		 "or \"failover symbol NAME VENUE|auto\""},
		{"failover user zed alpha", "failover: \"zed\" is not a user"},
		{"failover symbol XYZ-USD alpha", "failover: \"XYZ-USD\" is not a symbol"},
		{"failover user ann zulu", "failover: \"zulu\" is not a venue (or auto)"},
		{"failover user eve alpha", "failover: user eve has no venue plan (primary_venue)"},
		{"failover user eve auto", "failover: user eve has no venue plan (primary_venue)"},
		{"failover symbol ETH-USD alpha",
		 "failover: symbol ETH-USD has no venue plan (primary_venue)"},
		{"failover user ann alpha now", "failover: unexpected \"now\" after the command"},
	};
	static const char *const good[] = {
		"disable alpha", "enable alpha", " disable\tcharlie \n", "failover bravo",
		"failover auto", "failover user ann bravo", "failover user fay auto",
		"failover symbol BTC-USD alpha", "failover symbol BTC-USD auto",
	};
	struct xr_engine *e = start(PLAN_CFG SYMBOL_PLAN, XR_TEST_SIGNAL_HEADER);
	const struct xr_config *cfg = e->cfg;
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(err, sizeof(err), "unset");
		cr_assert_eq(xr_engine_control_check(cfg, bad[i].command, err, sizeof(err)),
			     -EINVAL, "check \"%s\"", bad[i].command);
		cr_assert_str_eq(err, bad[i].message, "check \"%s\"", bad[i].command);
		snprintf(err, sizeof(err), "unset");
		cr_assert_eq(xr_engine_control(e, bad[i].command, err, sizeof(err)), -EINVAL,
			     "control \"%s\"", bad[i].command);
		cr_assert_str_eq(err, bad[i].message, "control \"%s\"", bad[i].command);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(err, sizeof(err), "unset");
		cr_assert_eq(xr_engine_control_check(cfg, good[i], err, sizeof(err)), 0,
			     "\"%s\": %s", good[i], err);
		control(e, good[i]);
	}
	/* A long word is cut in the message, not overrun. */
	char longname[200];
	memset(longname, 'v', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "disable %s", longname);
	cr_assert_eq(xr_engine_control(e, cmd, err, sizeof(err)), -EINVAL);
	cr_assert(strncmp(err, "disable: \"vvv", 13) == 0, "%s", err);
	cr_assert_not_null(strstr(err, "...\" is not a venue"), "%s", err);

	/* Refused commands are not queued: route is not running, so the
	 * ring holds the good ones only, 64 in all, then -EAGAIN. */
	size_t queued = sizeof(good) / sizeof(good[0]);
	for (; queued < 64; queued++)
		control(e, "failover auto");
	cr_assert_eq(xr_engine_control(e, "enable alpha", err, sizeof(err)), -EAGAIN);
	cr_assert_str_eq(err, "control ring full (64 commands not yet taken by route)");
	xr_test_done(e);
}

/* The events file's lines; *n receives how many. */
static char **
load_events(unsigned *n)
{
	FILE *f = fopen(xr_test_path("events.jsonl"), "r");
	char line[1024];
	char **lines = NULL;

	cr_assert_not_null(f, "%s missing", xr_test_path("events.jsonl"));
	*n = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);
		cr_assert(len > 0 && line[len - 1] == '\n', "event line cut: %s", line);
		cr_assert(strncmp(line, "{\"t_s\":", 7) == 0 && strcmp(line + len - 2, "}\n") == 0,
			  "not a JSON object line: %s", line);
		lines = realloc(lines, (*n + 1) * sizeof(*lines));
		cr_assert_not_null(lines);
		lines[(*n)++] = strdup(line);
	}
	fclose(f);
	return lines;
}

/* Index of the first line from @p from on containing @p text, or -1. */
static int
find_event(char **lines, unsigned n, unsigned from, const char *text)
{
	for (unsigned i = from; i < n; i++)
		if (strstr(lines[i], text) != NULL)
			return (int)i;
	return -1;
}

static void
free_events(char **lines, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

#define EV_DISABLE_CHARLIE                                                       \
	"\"event\":\"control\",\"command\":\"disable\",\"scope\":\"all\",\"name\":\"\"," \
	"\"venue\":\"charlie\"}"
#define EV_ENABLE_CHARLIE                                                        \
	"\"event\":\"control\",\"command\":\"enable\",\"scope\":\"all\",\"name\":\"\","  \
	"\"venue\":\"charlie\"}"
#define EV_CHARLIE_OPENS                                                         \
	"\"event\":\"circuit\",\"venue\":\"charlie\",\"from\":\"closed\",\"to\":\"open\"," \
	"\"cause\":\"manual\"}"
#define EV_CHARLIE_CLOSES                                                        \
	"\"event\":\"circuit\",\"venue\":\"charlie\",\"from\":\"open\",\"to\":\"closed\"," \
	"\"cause\":\"manual\"}"

Test(control, events_file_has_commands_and_manual_circuits, .init = xr_test_make_dir)
{
	static const char *const pairs[][2] = {{"ann", "BTC-USD"}, {"eve", "BTC-USD"}};
	char *signals = plan_signals(200, pairs, 2);
	struct xr_engine *e = start(PLAN_CFG, signals);
	unsigned n;

	control(e, "disable charlie");
	finish(e);
	const struct xr_summary *s = xr_engine_summary(e);
	xr_test_check_invariants(s, 200);
	char **ev = load_events(&n);
	cr_assert_eq(n, s->events, "%u lines, summary events %lu", n, (unsigned long)s->events);
	cr_assert_geq(find_event(ev, n, 0, EV_DISABLE_CHARLIE), 0, "no control line");
	cr_assert_geq(find_event(ev, n, 0, EV_CHARLIE_OPENS), 0, "no manual open");
	/* Held open: never half-open, never closed again. */
	cr_assert_eq(find_event(ev, n, 0, "\"venue\":\"charlie\",\"from\":\"open\""), -1);
	cr_assert_eq(find_event(ev, n, 0, "\"event\":\"control\""),
		     find_event(ev, n, 0, EV_DISABLE_CHARLIE), "one command, one control line");
	cr_assert_eq(find_event(ev, find_event(ev, n, 0, EV_DISABLE_CHARLIE) + 1, n,
				"\"event\":\"control\""), -1);
	/* The command was given before the run: t_s 0. */
	cr_assert_not_null(strstr(ev[find_event(ev, n, 0, EV_DISABLE_CHARLIE)],
				  "{\"t_s\":0.000000,"));
	free_events(ev, n);
	xr_test_done(e);

	/* Disabled, then enabled: open and close, both manual, in order; the
	 * router is READY again and the failure counts as one recovery. */
	xr_test_make_dir();
	e = start(PLAN_CFG, signals);
	control(e, "disable charlie");
	control(e, "enable charlie");
	finish(e);
	s = xr_engine_summary(e);
	xr_test_check_invariants(s, 200);
	ev = load_events(&n);
	cr_assert_eq(n, s->events);
	int d = find_event(ev, n, 0, EV_DISABLE_CHARLIE);
	int en = find_event(ev, n, 0, EV_ENABLE_CHARLIE);
	int o = find_event(ev, n, 0, EV_CHARLIE_OPENS);
	int c = find_event(ev, n, 0, EV_CHARLIE_CLOSES);
	cr_assert(d >= 0 && en > d, "control lines in command order: %d %d", d, en);
	cr_assert(o >= 0 && c > o, "open then close: %d %d", o, c);
	cr_assert_eq(s->controls, 2);
	cr_assert_eq(s->venues[CHARLIE].circuit, XR_CIRCUIT_CLOSED);
	cr_assert_eq(s->venues[CHARLIE].opens, 1);
	cr_assert_eq(s->venues[CHARLIE].recoveries, 1);
	cr_assert_eq(s->recovery.count, 1);
	cr_assert_eq(s->router_status, XR_STATUS_READY);
	cr_assert_eq(xr_engine_status(e), XR_STATUS_READY);
	/* READY -> SWITCHING -> READY at least; the circuit's events may come
	 * after both commands' records (SWITCHING -> READY once more). */
	cr_assert_geq(s->status_changes, 2);
	cr_assert_eq(s->status_changes % 2, 0, "%lu changes from READY to READY",
		     (unsigned long)s->status_changes);
	free_events(ev, n);
	free(signals);
	xr_test_done(e);
}

Test(control, every_venue_disabled_is_router_error, .init = xr_test_make_dir)
{
	static const char *const pairs[][2] = {{"eve", "BTC-USD"}};
	char *signals = plan_signals(100, pairs, 1);
	struct xr_engine *e = start(PLAN_CFG, signals);

	control(e, "disable alpha");
	control(e, "disable bravo");
	control(e, "disable charlie");
	finish(e);
	const struct xr_summary *s = xr_engine_summary(e);
	xr_test_check_invariants(s, 100);
	cr_assert_eq(s->controls, 3);
	cr_assert_eq(s->router_status, XR_STATUS_ERROR, "no circuit closed");
	cr_assert_eq(xr_engine_status(e), XR_STATUS_ERROR);
	for (uint32_t v = 0; v < s->n_venues; v++)
		cr_assert_eq(s->venues[v].circuit, XR_CIRCUIT_OPEN, "%s", s->venues[v].name);
	xr_test_done(e);
	free(signals);
}

Test(control, commands_before_the_run_all_apply_before_any_order, .init = xr_test_make_dir)
{
	static const char *const pairs[][2] = {{"ann", "BTC-USD"}};
	char *signals = plan_signals(200, pairs, 1);
	struct xr_engine *e = start(PLAN_CFG, signals);

	/* Both queued before the run: no order may see only the first. */
	control(e, "disable charlie");
	control(e, "disable bravo");
	finish(e);
	const struct xr_summary *s = xr_engine_summary(e);
	xr_test_check_invariants(s, 200);
	struct row *rows = load_rows(xr_test_path("results.csv"), 200);
	cr_assert_eq(expect_routed(rows, 200, "ann", "BTC-USD", "alpha", "failover"), 200);
	cr_assert_eq(s->venues[BRAVO].children, 0);
	cr_assert_eq(s->venues[CHARLIE].children, 0);
	free(rows);
	free(signals);
	xr_test_done(e);
}

/* Sum of a results file's signed fills for @p user / @p symbol, at
 * @p venue only if not NULL. */
static int64_t
fills_of(const struct row *rows, unsigned n, const char *user, const char *symbol,
	 const char *venue)
{
	int64_t sum = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		if (strcmp(r->user, user) != 0 || strcmp(r->symbol, symbol) != 0 ||
		    (venue != NULL && strcmp(r->venue, venue) != 0))
			continue;
		sum += strcmp(r->side, "buy") == 0 ? r->filled : -r->filled;
	}
	return sum;
}

Test(control, summary_counts_commands_and_positions_add_up, .init = xr_test_make_dir)
{
	static const char *const pairs[][2] = {
		{"ann", "BTC-USD"}, {"eve", "BTC-USD"}, {"cat", "ETH-USD"}, {"fay", "BTC-USD"},
		{"eve", "ETH-USD"}};
	static const char *const commands[] = {
		"failover user ann bravo", "failover symbol BTC-USD alpha", "failover auto"};
	char *signals = plan_signals(1000, pairs, 5);
	struct xr_engine *e = start(PLAN_CFG SYMBOL_PLAN, signals);

	for (size_t i = 0; i < 3; i++)
		control(e, commands[i]);
	finish(e);
	const struct xr_summary *s = xr_engine_summary(e);
	xr_test_check_invariants(s, 1000);
	cr_assert_eq(s->controls, 3, "controls == commands given");
	cr_assert_eq(s->position_mismatches, 0);
	/* Pins set, then all cleared: READY -> SWITCHING -> READY. */
	cr_assert_eq(s->router_status, XR_STATUS_READY);
	cr_assert_eq(s->status_changes, 2);
	unsigned n;
	char **ev = load_events(&n);
	int at = -1;
	for (size_t i = 0; i < 3; i++) {
		static const char *const lines[] = {
			"\"event\":\"control\",\"command\":\"failover\",\"scope\":\"user\","
			"\"name\":\"ann\",\"venue\":\"bravo\"}",
			"\"event\":\"control\",\"command\":\"failover\",\"scope\":\"symbol\","
			"\"name\":\"BTC-USD\",\"venue\":\"alpha\"}",
			"\"event\":\"control\",\"command\":\"failover\",\"scope\":\"all\","
			"\"name\":\"\",\"venue\":\"auto\"}",
		};
		int k = find_event(ev, n, (unsigned)(at + 1), lines[i]);
		cr_assert_gt(k, at, "control line %zu missing or out of order", i);
		at = k;
	}
	free_events(ev, n);

	/* Positions: rows per venue sum to the '*' row of their (user,
	 * symbol), which equals the results' fills; per venue they equal the
	 * results' fills there (each order here went to one venue). */
	struct row *rows = load_rows(xr_test_path("results.csv"), 1000);
	FILE *f = tmpfile();
	cr_assert_not_null(f);
	cr_assert_eq(xr_engine_write_positions(e, f), 0);
	rewind(f);
	char line[256];
	cr_assert_not_null(fgets(line, sizeof(line), f));
	cr_assert_str_eq(line, "user,symbol,venue,net_qty\n");
	char cur[64] = "";
	int64_t sum = 0, gross[3] = {0, 0, 0};
	unsigned totals = 0, venue_rows = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		char user[16], symbol[16], venue[16], qty[32];
		cr_assert_eq(sscanf(line, "%15[^,],%15[^,],%15[^,],%31s", user, symbol, venue, qty),
			     4, "row: %s", line);
		char key[64];
		snprintf(key, sizeof(key), "%s,%s", user, symbol);
		int64_t q = qty_of(qty);
		if (strcmp(venue, "*") == 0) {
			cr_assert_str_eq(key, cur, "a total row closes its own rows: %s", line);
			cr_assert_eq(q, sum, "%s: total %ld, venue rows sum to %ld", key, (long)q,
				     (long)sum);
			cr_assert_eq(q, fills_of(rows, 1000, user, symbol, NULL),
				     "%s: position != the results' fills", key);
			cr_assert_neq(q, 0);
			totals++;
			cur[0] = '\0';
			sum = 0;
			continue;
		}
		if (cur[0] == '\0')
			snprintf(cur, sizeof(cur), "%s", key);
		cr_assert_str_eq(key, cur, "rows of one (user, symbol) are together: %s", line);
		cr_assert_neq(q, 0, "no zero rows: %s", line);
		cr_assert_eq(q, fills_of(rows, 1000, user, symbol, venue), "%s", line);
		sum += q;
		venue_rows++;
		int v = strcmp(venue, "alpha") == 0 ? ALPHA : strcmp(venue, "bravo") == 0 ? BRAVO
											  : CHARLIE;
		gross[v] += q < 0 ? -q : q;
	}
	cr_assert_str_eq(cur, "", "the last rows have their total");
	fclose(f);
	/* Every pair traded, and ends long (buys 0.5, sells 0.3). */
	cr_assert_eq(totals, 5, "one total per (user, symbol) traded");
	cr_assert_geq(venue_rows, totals);
	for (int v = 0; v < 3; v++)
		cr_assert_eq(s->venues[v].position_gross, gross[v], "%s", s->venues[v].name);
	free(rows);
	free(signals);
	xr_test_done(e);
}

/*
 * Stage by stage (as feedback_child_goes_to_an_untried_venue): children
 * route sent to bravo before "disable bravo" are ahead of the command in
 * bravo's ring, more than one execute burst of them, so execute sends them
 * all before its breaker opens: the command never overtakes an order
 * (engine/control.c DESIGN; xr_engine_control(): "ordered with the orders
 * around it"), whatever the burst boundaries.
 */
Test(control, disable_reaches_the_venue_behind_orders_sent_before, .init = xr_test_make_dir)
{
	struct xr_engine *e = start(PLAN_CFG, XR_TEST_SIGNAL_HEADER);
	const struct xr_config *cfg = e->cfg;
	uint32_t burst = cfg->engine.burst, n = burst + 8;

	uint64_t now = xr_now_ns();
	xr_engine_first_snapshot(e, now);

	/* ann's children, failed at charlie: her plan sends them to bravo. */
	struct xr_msg c = {
		.kind = XR_MSG_CHILD, .order_id = 7, .cl_ord_id = 3, .signal_id = 70,
		.user = (uint32_t)xr_config_user_id(cfg, "ann"), .symbol = 0,
		.side = XR_SIDE_BUY, .ord_type = XR_ORD_MARKET, .tif = XR_TIF_IOC,
		.qty = XR_QTY_SCALE, .order_qty = XR_QTY_SCALE, .n_children = 1,
		.priority = 3, .venue = CHARLIE, .venue_mask = 1u << CHARLIE, .attempts = 1,
	};
	for (uint32_t i = 0; i < n; i++) {
		c.order_id = 7 + i;
		c.cl_ord_id = 1000 + i;
		cr_assert(xr_ring_enqueue(e->aggregate_to_route, &c));
	}
	while (xr_ring_count(e->aggregate_to_route) != 0)
		cr_assert_gt(e->route->st.do_work(&e->route->st), 0);
	cr_assert_eq(xr_ring_count(e->route_to_execute[BRAVO]), n, "the children went to bravo");

	control(e, "disable bravo");
	cr_assert_eq(e->route->st.do_work(&e->route->st), 1, "route takes the command");
	cr_assert_eq(xr_ring_count(e->route_to_execute[BRAVO]), n + 1, "the command follows");

	struct xr_execute *x = &e->execute[BRAVO];
	for (int k = 0; k < 8 && xr_ring_count(e->route_to_execute[BRAVO]) != 0; k++)
		x->st.do_work(&x->st);
	cr_assert_eq(xr_ring_count(e->route_to_execute[BRAVO]), 0);
	cr_assert_eq(x->bounced, 0, "%lu of %u children sent before the command were bounced",
		     (unsigned long)x->bounced, n);
	cr_assert_eq(x->submitted, n);
	cr_assert_eq(x->breaker.state, XR_CIRCUIT_OPEN, "the command opened the circuit");
	xr_test_done(e);
}
