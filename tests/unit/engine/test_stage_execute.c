/*
 * The execute stage (engine/stage_execute.c) at the end of a run and on
 * reports that cannot be right. The end of a run: the owner thread
 * (engine.c xr_engine_run) raises the drain steps, which the stage carries
 * out (xr__drain_step): a venue that never settles its orders, DAY orders
 * resting at the end (exit_orders cancel and leave), a stop request
 * (SIGTERM in xroute run), the bound on status queries per child. Bad
 * reports: an overfill, a fill outside the limit. Every case must leave
 * one result per signal read and every invariant at 0.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "xr_config.h"
#include "xr_connector.h"
#include "xr_engine.h"

#define USERS "[user_defaults]\nrate_per_s = 1000000\nburst = 1000000\n[user eve]\n"

/* This file's runs: a 200 ms drain, no event lines on stderr; @p stop: a
 * stop request already raised (the replay then paced at real time), or
 * NULL. */
static struct xr_engine_io
drain_io(_Atomic int *stop)
{
	return (struct xr_engine_io){
		.drain_timeout_ms = 200,
		.events_quiet = true,
		.stop_request = stop,
		.replay_speed_milli = stop != NULL ? 1000 : 0,
	};
}

static void
check_books(const struct xr_summary *s)
{
	cr_assert_eq(s->results, s->signals_read, "one result per signal read");
	cr_assert_eq(s->unaccounted, 0);
	cr_assert_eq(s->duplicates, 0);
	cr_assert_eq(s->overfills, 0);
	cr_assert_eq(s->position_mismatches, 0);
	cr_assert_eq(s->exposure_left, 0);
	cr_assert_eq(s->filled + s->partially_filled + s->canceled + s->rejected + s->failed +
			     s->unknown + s->open,
		     s->signals_read, "every result has exactly one final status");
}

/* Count results rows whose status and reason columns are @p status,@p reason. */
static unsigned
rows_with(const char *status_reason)
{
	FILE *f = fopen(xr_test_path("results.csv"), "r");
	char line[4096];
	unsigned n = 0;

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = line;
		for (int c = 0; c < 6 && p != NULL; c++)
			p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
		n += p != NULL && strncmp(p, status_reason, strlen(status_reason)) == 0;
	}
	fclose(f);
	return n;
}

/* n one-lot signals of eve on BTC-USD, @p gap_ns apart. */
static char *
signals(unsigned n, const char *side, const char *type, const char *px, const char *tif,
	uint64_t gap_ns)
{
	size_t cap = (size_t)n * 128 + 256;
	char *buf = malloc(cap);
	size_t len = (size_t)snprintf(buf, cap, XR_TEST_SIGNAL_HEADER);

	for (unsigned i = 1; i <= n; i++)
		len += (size_t)snprintf(buf + len, cap - len,
					"%llu,%u,eve,BTC-USD,%s,1,%s,%s,%s,entry,,\n",
					(unsigned long long)(1000000000ull + i * gap_ns), i, side,
					type, px, tif);
	return buf;
}

Test(stage_execute, a_venue_that_never_settles_ends_its_signals_unknown, .init = xr_test_make_dir)
{
	/* An outage for the whole run: orders sent are lost, status queries
	 * too. Nothing can settle them; the run must still end every signal. */
	const char *cfg = "[engine]\norder_timeout_us = 1000\nmax_status_queries = 5\n"
			  "[venue alpha]\nlatency_us = 5\njitter_us = 0\n"
			  "fault.dead = outage start_ms=0 end_ms=86400000\n"
			  "book.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n" USERS;
	char *sig = signals(5, "buy", "limit", "101", "ioc", 1000);
	struct xr_engine *e = xr_test_run(cfg, sig, drain_io(NULL), 0);
	const struct xr_summary *s = xr_engine_summary(e);

	check_books(s);
	cr_assert_eq(s->signals_read, 5);
	cr_assert_gt(s->unknown, 0, "the signals sent to the dead venue end unknown");
	cr_assert_eq(s->unknown, rows_with("unknown,in_doubt"), "each is a results row");
	cr_assert_eq(s->violations.in_doubt, s->n_doubt, "each child in doubt is named");
	for (uint32_t i = 0; i < s->n_doubt; i++) {
		cr_assert_str_eq(s->doubt[i].venue, "alpha");
		cr_assert_gt(s->doubt[i].cl_ord_id, 0);
		cr_assert_gt(s->doubt[i].line, 1);
	}
	/* Bounded: at most max_status_queries per child in doubt. */
	cr_assert_leq(s->status_queries, 5 * s->violations.in_doubt, "queries %lu",
		      (unsigned long)s->status_queries);
	cr_assert_eq(s->violations.queries_capped, s->violations.in_doubt);
	xr_test_done(e);
	free(sig);
}

static const char *resting_cfg(const char *exit_orders)
{
	static char cfg[1024];
	snprintf(cfg, sizeof(cfg),
		 "[engine]\nexit_orders = %s\n"
		 "[venue alpha]\nlatency_us = 5\njitter_us = 0\nsession_ms = 3600000\n"
		 "book.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n" USERS,
		 exit_orders);
	return cfg;
}

Test(stage_execute, a_day_order_resting_at_the_end_is_cancelled_before_exit, .init = xr_test_make_dir)
{
	/* Far below the bid: it rests until session end, an hour away. */
	char *sig = signals(3, "buy", "limit", "50", "day", 1000);
	struct xr_engine *e = xr_test_run(resting_cfg("cancel"), sig, drain_io(NULL), 0);
	const struct xr_summary *s = xr_engine_summary(e);

	check_books(s);
	cr_assert_eq(s->canceled, 3, "cancelled at the venue at the end of the run");
	cr_assert_eq(s->stop_cancels, 3);
	cr_assert_eq(s->unknown + s->open, 0);
	cr_assert_eq(s->violations.left_open, 0);
	xr_test_done(e);
	free(sig);
}

Test(stage_execute, exit_orders_leave_keeps_them_resting_and_names_them, .init = xr_test_make_dir)
{
	char *sig = signals(3, "buy", "limit", "50", "day", 1000);
	struct xr_engine *e = xr_test_run(resting_cfg("leave"), sig, drain_io(NULL), 0);
	const struct xr_summary *s = xr_engine_summary(e);

	check_books(s);
	cr_assert_eq(s->open, 3);
	cr_assert_eq(rows_with("open,left_open"), 3);
	cr_assert_eq(s->stop_cancels, 0, "nothing cancelled");
	cr_assert_eq(s->violations.left_open, 3);
	cr_assert_eq(s->n_doubt, 3);
	for (uint32_t i = 0; i < 3; i++)
		cr_assert_eq(s->doubt[i].final, XR_FINAL_OPEN);
	xr_test_done(e);
	free(sig);
}

Test(stage_execute, a_stop_request_stops_intake_and_settles_what_was_read, .init = xr_test_make_dir)
{
	/* Paced: rows 1-3 are due at once, the rest 10 s of event time later,
	 * so the stop, taken on the owner's first tick, comes before row 4
	 * is due; rows 1-3 may or may not have been read by then. What was
	 * read rests (far below the bid) and must be cancelled. */
	static _Atomic int stop;
	atomic_store(&stop, SIGTERM);
	char *sig = signals(20, "buy", "limit", "50", "day", 1);
	/* Move rows 4.. 10 s later: rewrite their ts_ns (field 1). */
	char *out = malloc(strlen(sig) + 1024);
	size_t len = 0;
	unsigned row = 0;
	for (char *line = strtok(sig, "\n"); line != NULL; line = strtok(NULL, "\n"), row++) {
		unsigned long long ts;
		char rest[256];
		if (row >= 4 && sscanf(line, "%llu,%255s", &ts, rest) == 2)
			len += (size_t)sprintf(out + len, "%llu,%s\n", ts + 10000000000ull, rest);
		else
			len += (size_t)sprintf(out + len, "%s\n", line);
	}
	struct xr_engine *e = xr_test_run(resting_cfg("cancel"), out, drain_io(&stop), 0);
	const struct xr_summary *s = xr_engine_summary(e);

	check_books(s);
	cr_assert_eq(s->stop_signal, SIGTERM);
	cr_assert_leq(s->signals_read, 3, "intake stopped: read %lu",
		      (unsigned long)s->signals_read);
	cr_assert_eq(s->canceled, s->signals_read, "what rested was cancelled");
	/* Each live at the venue got a cancel; one still on its way to the
	 * venue was not sent (stopped). */
	cr_assert_eq(s->stop_cancels + s->stopped, s->signals_read);
	cr_assert_eq(atomic_load(&stop), 0, "the request was taken");
	xr_test_done(e);
	free(sig);
	free(out);
}

static const char *
fault_cfg(const char *fault)
{
	static char cfg[1024];
	snprintf(cfg, sizeof(cfg),
		 "[engine]\n[venue alpha]\nlatency_us = 5\njitter_us = 0\n"
		 "fault.bad = %s start_ms=0 end_ms=86400000 prob=1\n"
		 "book.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n" USERS,
		 fault);
	return cfg;
}

Test(stage_execute, an_overfill_report_books_only_the_order_qty, .init = xr_test_make_dir)
{
	/* Every report says the order filled once more: CumQty 2x qty. */
	char *sig = signals(10, "buy", "limit", "101", "ioc", 1000);
	struct xr_engine *e = xr_test_run(fault_cfg("overfill"), sig, drain_io(NULL), 0);
	const struct xr_summary *s = xr_engine_summary(e);

	check_books(s);
	cr_assert_eq(s->filled, 10, "each filled exactly its qty");
	cr_assert_eq(s->violations.overfill_reports, 10);
	cr_assert_eq(s->venues[0].overfill_reports, 10);
	xr_test_done(e);
	free(sig);
}

Test(stage_execute, a_fill_outside_the_limit_is_booked_counted_and_alerted, .init = xr_test_make_dir)
{
	/* Priced 100x worse than the book: a buy at limit 101 filled near
	 * 10100. The fill stands (booked), but it is a violation. */
	char *sig = signals(10, "buy", "limit", "101", "ioc", 1000);
	struct xr_engine *e = xr_test_run(fault_cfg("bad_price factor=100"), sig, drain_io(NULL), 0);
	const struct xr_summary *s = xr_engine_summary(e);

	check_books(s);
	cr_assert_eq(s->filled, 10, "booked: the venue's fill stands");
	cr_assert_eq(s->violations.fills_outside_limit, 10);
	cr_assert_geq(s->alerts[XR_ALERT_FILL_OUTSIDE_LIMIT], 1, "alerted");
	cr_assert_leq(s->alerts[XR_ALERT_FILL_OUTSIDE_LIMIT], 2, "at most one a second");
	xr_test_done(e);
	free(sig);
}

Test(stage_execute, fills_within_the_limit_are_not_violations, .init = xr_test_make_dir)
{
	char *sig = signals(10, "buy", "limit", "101", "ioc", 1000);
	struct xr_engine *e = xr_test_run(fault_cfg("bad_price factor=1"), sig, drain_io(NULL), 0);
	const struct xr_summary *s = xr_engine_summary(e);

	check_books(s);
	cr_assert_eq(s->filled, 10);
	cr_assert_eq(s->violations.fills_outside_limit, 0);
	cr_assert_eq(s->alerts[XR_ALERT_FILL_OUTSIDE_LIMIT], 0);
	xr_test_done(e);
	free(sig);
}
