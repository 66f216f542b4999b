/*
 * Unit tests of the sim's config keys (connectors/sim/sim_config.c): the
 * timed faults, fault.NAME = KIND start_ms=N end_ms=N ..., every kind and
 * field with its range and exact error message, print -> load round trips
 * and the chaos example (docs/connectors.md "Faults"). The sim's create only
 * counts them (test_sim.c); the common keys are in tests/unit/base/test_config.c.
 *
 * Helpers and the temporary directory: tests/common/config_test.h.
 */
#include "../../common/config_test.h"
#include "sim/xr_sim_config.h"

TestSuite(sim_config, .init = config_test_enter, .fini = config_test_leave);

/* The sim keys of a loaded sim venue (never NULL in these tests). */
#define SIM(v) xr_sim_venue_cfg(v)

/* Sim venue faults: fault.NAME keys (docs/config.md, docs/connectors.md
 * "Faults"). The loader checks them all; the sim's create only counts them
 * (tests/unit/connectors/test_sim.c). */

/* A venue with a book, then the fault key on line 3. */
#define FAULT_VENUE                                                                                \
	"[venue a]\n"                                                                              \
	"book.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n"

#define FAULT_FORM                                                                                 \
	"(form: KIND start_ms=N end_ms=N [every_ms=N] [prob=P] [ratio=R] [extra_us=N] "          \
	"[factor=F])"

#define FAULT_KINDS                                                                                \
	"outage, disconnect, latency_spike, reject_burst, partial_fill, drop_answers, "          \
	"late_answers, dup_fill, overfill, bad_price, foreign_report"

#define MS_NS(x) ((uint64_t)(x)*1000000u)

/* Fault @p i of venue @p v is exactly this. */
static void
assert_fault(const struct xr_venue_cfg *v, uint32_t i, const char *name, unsigned kind,
	     uint64_t start_ns, uint64_t end_ns, uint64_t every_ns, uint32_t prob_ppm,
	     uint32_t ratio_ppm, uint32_t extra_us)
{
	cr_assert_lt(i, SIM(v)->n_faults, "venue %s has %u faults", v->name, SIM(v)->n_faults);
	const struct xr_sim_fault_cfg *f = &SIM(v)->faults[i];
	cr_assert_str_eq(f->name, name);
	cr_assert_eq(f->kind, kind, "fault %s", name);
	cr_assert_eq(f->start_ns, start_ns, "fault %s", name);
	cr_assert_eq(f->end_ns, end_ns, "fault %s", name);
	cr_assert_eq(f->every_ns, every_ns, "fault %s", name);
	cr_assert_eq(f->prob_ppm, prob_ppm, "fault %s", name);
	cr_assert_eq(f->ratio_ppm, ratio_ppm, "fault %s", name);
	cr_assert_eq(f->extra_us, extra_us, "fault %s", name);
}

Test(sim_config, fault_every_kind_parsed)
{
	struct xr_config *cfg = load_ok(
		FAULT_VENUE
		"fault.down = outage start_ms=1000 end_ms=1300\n"
		"fault.cut = disconnect start_ms=2500 end_ms=2700 every_ms=4000\n"
		"fault.slow = latency_spike start_ms=500 end_ms=700 extra_us=3000\n"
		"fault.no = reject_burst start_ms=1500 end_ms=1600 every_ms=5000 prob=0.8\n"
		"fault.half = partial_fill start_ms=3000 end_ms=3500 ratio=0.5\n"
		"fault.lost = drop_answers start_ms=0 end_ms=100000 prob=0.001\n"
		"fault.late = late_answers start_ms=0 end_ms=86400000 prob=0.000002 extra_us=5000\n"
		"[user u1]\n");
	const struct xr_venue_cfg *v = &cfg->venues[0];

	cr_assert_eq(SIM(v)->n_faults, 7);
	/* In file order; every_ms absent is 0 (no repeat). */
	assert_fault(v, 0, "down", XR_FAULT_OUTAGE, MS_NS(1000), MS_NS(1300), 0, 0, 0, 0);
	assert_fault(v, 1, "cut", XR_FAULT_DISCONNECT, MS_NS(2500), MS_NS(2700), MS_NS(4000), 0,
		     0, 0);
	assert_fault(v, 2, "slow", XR_FAULT_LATENCY_SPIKE, MS_NS(500), MS_NS(700), 0, 0, 0,
		     3000);
	assert_fault(v, 3, "no", XR_FAULT_REJECT_BURST, MS_NS(1500), MS_NS(1600), MS_NS(5000),
		     800000, 0, 0);
	assert_fault(v, 4, "half", XR_FAULT_PARTIAL_FILL, MS_NS(3000), MS_NS(3500), 0, 0, 500000,
		     0);
	assert_fault(v, 5, "lost", XR_FAULT_DROP_ANSWERS, 0, MS_NS(100000), 0, 1000, 0, 0);
	assert_fault(v, 6, "late", XR_FAULT_LATE_ANSWERS, 0, MS_NS(86400000), 0, 2, 0, 5000);
	xr_config_free(cfg);
}

/* The hostile kinds: a probability each, and bad_price a price factor. */
Test(sim_config, fault_hostile_kinds_parsed)
{
	struct xr_config *cfg = load_ok(
		FAULT_VENUE
		"fault.dup = dup_fill start_ms=0 end_ms=1000 prob=0.01\n"
		"fault.over = overfill start_ms=100 end_ms=200 every_ms=1000 prob=1\n"
		"fault.px = bad_price start_ms=0 end_ms=10 prob=0.5 factor=100\n"
		"fault.alien = foreign_report start_ms=0 end_ms=10 prob=0.001\n"
		"[user u1]\n");
	const struct xr_venue_cfg *v = &cfg->venues[0];

	cr_assert_eq(SIM(v)->n_faults, 4);
	assert_fault(v, 0, "dup", XR_FAULT_DUP_FILL, 0, MS_NS(1000), 0, 10000, 0, 0);
	assert_fault(v, 1, "over", XR_FAULT_OVERFILL, MS_NS(100), MS_NS(200), MS_NS(1000),
		     1000000, 0, 0);
	assert_fault(v, 2, "px", XR_FAULT_BAD_PRICE, 0, MS_NS(10), 0, 500000, 0, 0);
	cr_assert_eq(SIM(v)->faults[2].factor_ppm, 100000000u, "factor 100 as ppm");
	assert_fault(v, 3, "alien", XR_FAULT_FOREIGN_REPORT, 0, MS_NS(10), 0, 1000, 0, 0);
	xr_config_free(cfg);

	expect_error(FAULT_VENUE "fault.x = bad_price start_ms=0 end_ms=10 prob=1\n",
		     "xroute.ini:3: [venue a] fault.x: \"bad_price start_ms=0 end_ms=10 prob=1\" "
		     "lacks factor= " FAULT_FORM);
	expect_error(FAULT_VENUE "fault.x = bad_price start_ms=0 end_ms=10 prob=1 factor=0.5\n",
		     "xroute.ini:3: [venue a] fault.x: \"factor=0.5\" is out of range (1..1000)");
	expect_error(FAULT_VENUE "fault.x = dup_fill start_ms=0 end_ms=10 prob=1 factor=2\n",
		     "xroute.ini:3: [venue a] fault.x: \"dup_fill start_ms=0 end_ms=10 prob=1 "
		     "factor=2\" factor does not apply to dup_fill");
}

Test(sim_config, fault_limits_accepted)
{
	/* prob and ratio take both ends of 0..1; every_ms may equal the window
	 * (always on from start_ms); extra_us 0 and its maximum; fields after
	 * KIND in any order, separated by blanks; a name of 31 characters and
	 * the same name in another venue. */
	struct xr_config *cfg = load_ok(
		FAULT_VENUE
		"fault.r0 = reject_burst start_ms=0 end_ms=1 prob=0\n"
		"fault.r1 = reject_burst start_ms=0 end_ms=1 prob=1\n"
		"fault.p0 = partial_fill start_ms=0 end_ms=1 ratio=0\n"
		"fault.p1 = partial_fill start_ms=0 end_ms=1 ratio=1.000000\n"
		"fault.always = outage start_ms=10 end_ms=20 every_ms=10\n"
		"fault.s0 = latency_spike start_ms=0 end_ms=1 extra_us=0\n"
		"fault.s1 = latency_spike extra_us=86400000   end_ms=86400000\tstart_ms=86399999\n"
		"fault.A23456789_123456789-12345678901 = disconnect start_ms=0 end_ms=1\n"
		"[venue b]\n"
		"book.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n"
		"fault.r0 = outage start_ms=5 end_ms=6\n"
		"[user u1]\n");
	const struct xr_venue_cfg *a = &cfg->venues[0], *b = &cfg->venues[1];

	cr_assert_eq(SIM(a)->n_faults, 8);
	assert_fault(a, 0, "r0", XR_FAULT_REJECT_BURST, 0, MS_NS(1), 0, 0, 0, 0);
	assert_fault(a, 1, "r1", XR_FAULT_REJECT_BURST, 0, MS_NS(1), 0, 1000000, 0, 0);
	assert_fault(a, 2, "p0", XR_FAULT_PARTIAL_FILL, 0, MS_NS(1), 0, 0, 0, 0);
	assert_fault(a, 3, "p1", XR_FAULT_PARTIAL_FILL, 0, MS_NS(1), 0, 0, 1000000, 0);
	assert_fault(a, 4, "always", XR_FAULT_OUTAGE, MS_NS(10), MS_NS(20), MS_NS(10), 0, 0, 0);
	assert_fault(a, 5, "s0", XR_FAULT_LATENCY_SPIKE, 0, MS_NS(1), 0, 0, 0, 0);
	assert_fault(a, 6, "s1", XR_FAULT_LATENCY_SPIKE, MS_NS(86399999), MS_NS(86400000), 0, 0,
		     0, 86400000);
	assert_fault(a, 7, "A23456789_123456789-12345678901", XR_FAULT_DISCONNECT, 0, MS_NS(1), 0,
		     0, 0, 0);
	cr_assert_eq(SIM(b)->n_faults, 1);
	assert_fault(b, 0, "r0", XR_FAULT_OUTAGE, MS_NS(5), MS_NS(6), 0, 0, 0, 0);
	xr_config_free(cfg);
}

Test(sim_config, fault_at_most_32_per_venue)
{
	char text[4096];
	int n = snprintf(text, sizeof(text), "%s", FAULT_VENUE);
	for (int i = 0; i < 33; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "fault.f%d = outage start_ms=%d end_ms=%d\n", i, i, i + 1);
	cr_assert_lt((size_t)n, sizeof(text));

	/* Line 3 + 32 = 35 is the 33rd fault. */
	expect_error(text, "xroute.ini:35: [venue a] fault.f32: more than 32 faults");

	/* Without it, 32 load. */
	*strstr(text, "fault.f32") = '\0';
	strcat(text, "[user u1]\n");
	struct xr_config *cfg = load_ok(text);
	cr_assert_eq(SIM(&cfg->venues[0])->n_faults, 32);
	assert_fault(&cfg->venues[0], 31, "f31", XR_FAULT_OUTAGE, MS_NS(31), MS_NS(32), 0, 0, 0,
		     0);
	xr_config_free(cfg);
}

Test(sim_config, error_fault_kind)
{
	expect_error(FAULT_VENUE "fault.x = blackout start_ms=0 end_ms=10\n",
		     "xroute.ini:3: [venue a] fault.x: \"blackout start_ms=0 end_ms=10\" does not "
		     "start with a fault kind (one of: " FAULT_KINDS ")");
	/* Kinds are case-sensitive. */
	expect_error(FAULT_VENUE "fault.x = Outage start_ms=0 end_ms=10\n",
		     "xroute.ini:3: [venue a] fault.x: \"Outage start_ms=0 end_ms=10\" does not "
		     "start with a fault kind (one of: " FAULT_KINDS ")");
	/* The kind comes first. */
	expect_error(FAULT_VENUE "fault.x = start_ms=0 end_ms=10 outage\n",
		     "xroute.ini:3: [venue a] fault.x: \"start_ms=0 end_ms=10 outage\" does not "
		     "start with a fault kind (one of: " FAULT_KINDS ")");
	expect_error(FAULT_VENUE "fault.x =\n",
		     "xroute.ini:3: [venue a] fault.x: \"\" does not start with a fault kind "
		     "(one of: " FAULT_KINDS ")");
}

Test(sim_config, error_fault_number)
{
	expect_error(FAULT_VENUE "fault.x = outage start_ms=abc end_ms=10\n",
		     "xroute.ini:3: [venue a] fault.x: \"start_ms=abc\" is not a number");
	expect_error(FAULT_VENUE "fault.x = outage start_ms= end_ms=10\n",
		     "xroute.ini:3: [venue a] fault.x: \"start_ms=\" is not a number");
	expect_error(FAULT_VENUE "fault.x = outage start_ms=0 end_ms=1.5\n",
		     "xroute.ini:3: [venue a] fault.x: \"end_ms=1.5\" is not an integer");
	expect_error(FAULT_VENUE "fault.x = outage start_ms=0 end_ms=10 every_ms=1e3\n",
		     "xroute.ini:3: [venue a] fault.x: \"every_ms=1e3\" is not a number");
	expect_error(FAULT_VENUE "fault.x = outage start_ms=-1 end_ms=10\n",
		     "xroute.ini:3: [venue a] fault.x: \"start_ms=-1\" is out of range "
		     "(0..86400000)");
	expect_error(FAULT_VENUE "fault.x = outage start_ms=0 end_ms=86400001\n",
		     "xroute.ini:3: [venue a] fault.x: \"end_ms=86400001\" is out of range "
		     "(0..86400000)");
	expect_error(FAULT_VENUE "fault.x = latency_spike start_ms=0 end_ms=10 extra_us=86400001\n",
		     "xroute.ini:3: [venue a] fault.x: \"extra_us=86400001\" is out of range "
		     "(0..86400000)");
	expect_error(FAULT_VENUE "fault.x = reject_burst start_ms=0 end_ms=10 prob=often\n",
		     "xroute.ini:3: [venue a] fault.x: \"prob=often\" is not a number");
	expect_error(FAULT_VENUE "fault.x = reject_burst start_ms=0 end_ms=10 prob=0.0000001\n",
		     "xroute.ini:3: [venue a] fault.x: \"prob=0.0000001\" has more than 6 decimal "
		     "places");
}

Test(sim_config, error_fault_window)
{
	expect_error(FAULT_VENUE "fault.x = outage start_ms=20 end_ms=10\n",
		     "xroute.ini:3: [venue a] fault.x: \"outage start_ms=20 end_ms=10\" has "
		     "end_ms <= start_ms");
	/* [start, end) must not be empty. */
	expect_error(FAULT_VENUE "fault.x = outage start_ms=10 end_ms=10\n",
		     "xroute.ini:3: [venue a] fault.x: \"outage start_ms=10 end_ms=10\" has "
		     "end_ms <= start_ms");
	expect_error(FAULT_VENUE "fault.x = outage start_ms=0 end_ms=100 every_ms=99\n",
		     "xroute.ini:3: [venue a] fault.x: \"outage start_ms=0 end_ms=100 "
		     "every_ms=99\" has every_ms shorter than the window (end_ms - start_ms)");
	expect_error(FAULT_VENUE "fault.x = outage start_ms=0 end_ms=100 every_ms=0\n",
		     "xroute.ini:3: [venue a] fault.x: \"outage start_ms=0 end_ms=100 "
		     "every_ms=0\" has every_ms shorter than the window (end_ms - start_ms)");
}

Test(sim_config, error_fault_prob_ratio_range)
{
	expect_error(FAULT_VENUE "fault.x = reject_burst start_ms=0 end_ms=10 prob=1.5\n",
		     "xroute.ini:3: [venue a] fault.x: \"prob=1.5\" is out of range (0..1)");
	expect_error(FAULT_VENUE "fault.x = drop_answers start_ms=0 end_ms=10 prob=1.000001\n",
		     "xroute.ini:3: [venue a] fault.x: \"prob=1.000001\" is out of range (0..1)");
	expect_error(FAULT_VENUE
		     "fault.x = late_answers start_ms=0 end_ms=10 prob=-0.1 extra_us=5\n",
		     "xroute.ini:3: [venue a] fault.x: \"prob=-0.1\" is out of range (0..1)");
	expect_error(FAULT_VENUE "fault.x = partial_fill start_ms=0 end_ms=10 ratio=2\n",
		     "xroute.ini:3: [venue a] fault.x: \"ratio=2\" is out of range (0..1)");
	expect_error(FAULT_VENUE "fault.x = partial_fill start_ms=0 end_ms=10 ratio=-0.000001\n",
		     "xroute.ini:3: [venue a] fault.x: \"ratio=-0.000001\" is out of range (0..1)");
}

Test(sim_config, error_fault_fields)
{
	/* A field the kind does not use. */
	expect_error(FAULT_VENUE "fault.x = outage start_ms=0 end_ms=10 prob=0.5\n",
		     "xroute.ini:3: [venue a] fault.x: \"outage start_ms=0 end_ms=10 prob=0.5\" "
		     "prob does not apply to outage");
	expect_error(FAULT_VENUE "fault.x = reject_burst start_ms=0 end_ms=10 ratio=0.5\n",
		     "xroute.ini:3: [venue a] fault.x: \"reject_burst start_ms=0 end_ms=10 "
		     "ratio=0.5\" ratio does not apply to reject_burst");
	expect_error(FAULT_VENUE "fault.x = partial_fill start_ms=0 end_ms=10 extra_us=5\n",
		     "xroute.ini:3: [venue a] fault.x: \"partial_fill start_ms=0 end_ms=10 "
		     "extra_us=5\" extra_us does not apply to partial_fill");
	expect_error(FAULT_VENUE "fault.x = latency_spike start_ms=0 end_ms=10 prob=0.5\n",
		     "xroute.ini:3: [venue a] fault.x: \"latency_spike start_ms=0 end_ms=10 "
		     "prob=0.5\" prob does not apply to latency_spike");
	/* A field the kind needs. */
	expect_error(FAULT_VENUE "fault.x = outage end_ms=10\n",
		     "xroute.ini:3: [venue a] fault.x: \"outage end_ms=10\" lacks start_ms= "
		     FAULT_FORM);
	expect_error(FAULT_VENUE "fault.x = disconnect start_ms=0\n",
		     "xroute.ini:3: [venue a] fault.x: \"disconnect start_ms=0\" lacks end_ms= "
		     FAULT_FORM);
	expect_error(FAULT_VENUE "fault.x = latency_spike start_ms=0 end_ms=10\n",
		     "xroute.ini:3: [venue a] fault.x: \"latency_spike start_ms=0 end_ms=10\" "
		     "lacks extra_us= " FAULT_FORM);
	expect_error(FAULT_VENUE "fault.x = reject_burst start_ms=0 end_ms=10\n",
		     "xroute.ini:3: [venue a] fault.x: \"reject_burst start_ms=0 end_ms=10\" lacks "
		     "prob= " FAULT_FORM);
	expect_error(FAULT_VENUE "fault.x = partial_fill start_ms=0 end_ms=10\n",
		     "xroute.ini:3: [venue a] fault.x: \"partial_fill start_ms=0 end_ms=10\" lacks "
		     "ratio= " FAULT_FORM);
	expect_error(FAULT_VENUE "fault.x = drop_answers start_ms=0 end_ms=10\n",
		     "xroute.ini:3: [venue a] fault.x: \"drop_answers start_ms=0 end_ms=10\" lacks "
		     "prob= " FAULT_FORM);
	expect_error(FAULT_VENUE "fault.x = late_answers start_ms=0 end_ms=10 extra_us=5\n",
		     "xroute.ini:3: [venue a] fault.x: \"late_answers start_ms=0 end_ms=10 "
		     "extra_us=5\" lacks prob= " FAULT_FORM);
	expect_error(FAULT_VENUE "fault.x = late_answers start_ms=0 end_ms=10 prob=0.5\n",
		     "xroute.ini:3: [venue a] fault.x: \"late_answers start_ms=0 end_ms=10 "
		     "prob=0.5\" lacks extra_us= " FAULT_FORM);
	/* Unknown and repeated fields. */
	expect_error(FAULT_VENUE "fault.x = outage start_ms=0 end_ms=10 depth=3\n",
		     "xroute.ini:3: [venue a] fault.x: \"outage start_ms=0 end_ms=10 depth=3\" has "
		     "unknown field \"depth=3\" " FAULT_FORM);
	expect_error(FAULT_VENUE "fault.x = outage start_ms=0 end_ms 10\n",
		     "xroute.ini:3: [venue a] fault.x: \"outage start_ms=0 end_ms 10\" has unknown "
		     "field \"end_ms\" " FAULT_FORM);
	expect_error(FAULT_VENUE "fault.x = outage start_ms=0 start_ms=1 end_ms=10\n",
		     "xroute.ini:3: [venue a] fault.x: \"outage start_ms=0 start_ms=1 end_ms=10\" "
		     "sets start_ms twice");
}

Test(sim_config, error_fault_name)
{
	expect_error(FAULT_VENUE "fault.a b = outage start_ms=0 end_ms=10\n",
		     "xroute.ini:3: [venue a] fault.a b: fault name \"a b\" must be 1..31 of "
		     "A-Z a-z 0-9 _ -");
	expect_error(FAULT_VENUE "fault.a.b = outage start_ms=0 end_ms=10\n",
		     "xroute.ini:3: [venue a] fault.a.b: fault name \"a.b\" must be 1..31 of "
		     "A-Z a-z 0-9 _ -");
	expect_error(FAULT_VENUE "fault. = outage start_ms=0 end_ms=10\n",
		     "xroute.ini:3: [venue a] fault.: fault name \"\" must be 1..31 of "
		     "A-Z a-z 0-9 _ -");
	expect_error(FAULT_VENUE "fault.A23456789_123456789-123456789012 = outage start_ms=0 "
				 "end_ms=10\n",
		     "xroute.ini:3: [venue a] fault.A23456789_123456789-123456789012: fault name "
		     "\"A23456789_123456789-123456789012\" must be 1..31 of A-Z a-z 0-9 _ -");
	/* One name per venue, even with another kind. */
	expect_error(FAULT_VENUE "fault.x = outage start_ms=0 end_ms=10\n\n"
				 "fault.x = disconnect start_ms=20 end_ms=30\n",
		     "xroute.ini:5: [venue a] fault.x: duplicate key (first at line 3)");
	/* Faults are venue keys only. */
	expect_error(MINIMAL "fault.x = outage start_ms=0 end_ms=10\n",
		     "xroute.ini:4: [user u1] fault.x: unknown key");
	expect_error("[engine]\nfault.x = outage start_ms=0 end_ms=10\n",
		     "xroute.ini:2: [engine] fault.x: unknown key");
}

Test(sim_config, error_fault_message_names_the_place)
{
	/* The second venue's fault on line 8: the message names the file and
	 * line, the venue, the key and the offending field, as a user reads it. */
	char err[512];
	struct xr_config *cfg =
		load_text(MINIMAL "[venue beta]\n"
				  "latency_us = 100\n"
				  "book.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n"
				  "fault.calm = outage start_ms=0 end_ms=10\n"
				  "fault.storm = reject_burst start_ms=100 end_ms=200 prob=1.25\n",
			  err, sizeof(err));
	cr_assert_null(cfg);
	cr_assert_eq(strncmp(err, "xroute.ini:8: ", 14), 0, "%s", err);
	cr_assert_not_null(strstr(err, "[venue beta]"), "%s", err);
	cr_assert_not_null(strstr(err, " fault.storm: "), "%s", err);
	cr_assert_not_null(strstr(err, "\"prob=1.25\""), "%s", err);
	cr_assert_not_null(strstr(err, "out of range (0..1)"), "%s", err);
	cr_assert_null(strstr(err, "calm"), "%s", err);

	/* A whole-value error quotes the value. */
	cfg = load_text(FAULT_VENUE "[venue gamma]\n"
				    "book.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n"
				    "fault.slow = latency_spike start_ms=9 end_ms=3 extra_us=1\n",
			err, sizeof(err));
	cr_assert_null(cfg);
	cr_assert_eq(strncmp(err, "xroute.ini:5: ", 14), 0, "%s", err);
	cr_assert_not_null(strstr(err, "[venue gamma] fault.slow: "), "%s", err);
	cr_assert_not_null(strstr(err, "\"latency_spike start_ms=9 end_ms=3 extra_us=1\""), "%s",
			   err);
	cr_assert_not_null(strstr(err, "end_ms <= start_ms"), "%s", err);
}

Test(sim_config, print_round_trip_faults)
{
	struct xr_config *a = load_ok(
		FAULT_VENUE
		"fault.down = outage start_ms=1000 end_ms=1300 every_ms=4000\n"
		"fault.cut = disconnect   end_ms=2700\tstart_ms=2500\n"
		"fault.slow = latency_spike start_ms=500 end_ms=700 extra_us=3000\n"
		"fault.no = reject_burst start_ms=1500 end_ms=1600 prob=0.80\n"
		"fault.half = partial_fill start_ms=3000 end_ms=3500 every_ms=6000 ratio=0.5\n"
		"fault.lost = drop_answers start_ms=0 end_ms=100000 prob=0.001\n"
		"fault.late = late_answers start_ms=0 end_ms=86400000 prob=1 extra_us=5000\n"
		"fault.never = drop_answers start_ms=7 end_ms=8 prob=0\n"
		"[venue b]\n"
		"book.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n"
		"[user u1]\n");
	char *p1 = print_to_string(a);

	/* After the books, in file order, fields in the form's order, decimals
	 * without trailing zeros, every_ms only when given; no faults in b. */
	cr_assert_not_null(
		strstr(p1, "\nbook.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n"
			   "fault.down = outage start_ms=1000 end_ms=1300 every_ms=4000\n"
			   "fault.cut = disconnect start_ms=2500 end_ms=2700\n"
			   "fault.slow = latency_spike start_ms=500 end_ms=700 extra_us=3000\n"
			   "fault.no = reject_burst start_ms=1500 end_ms=1600 prob=0.8\n"
			   "fault.half = partial_fill start_ms=3000 end_ms=3500 every_ms=6000 "
			   "ratio=0.5\n"
			   "fault.lost = drop_answers start_ms=0 end_ms=100000 prob=0.001\n"
			   "fault.late = late_answers start_ms=0 end_ms=86400000 prob=1 "
			   "extra_us=5000\n"
			   "fault.never = drop_answers start_ms=7 end_ms=8 prob=0\n"
			   "\n[venue b]\n"),
		"%s", p1);
	cr_assert_null(strstr(strstr(p1, "\n[venue b]\n"), "fault."), "%s", p1);

	struct xr_config *b = load_ok(p1);
	char *p2 = print_to_string(b);
	cr_assert_str_eq(strchr(p1, '\n'), strchr(p2, '\n'));
	cr_assert_eq(SIM(&b->venues[0])->n_faults, SIM(&a->venues[0])->n_faults);
	cr_assert_eq(SIM(&b->venues[1])->n_faults, 0);
	for (uint32_t i = 0; i < SIM(&a->venues[0])->n_faults; i++) {
		const struct xr_sim_fault_cfg *f = &SIM(&a->venues[0])->faults[i];
		assert_fault(&b->venues[0], i, f->name, f->kind, f->start_ns, f->end_ns,
			     f->every_ns, f->prob_ppm, f->ratio_ppm, f->extra_us);
	}
	free(p1);
	free(p2);
	xr_config_free(a);
	xr_config_free(b);
}

Test(sim_config, chaos_example_faults)
{
	/* docs/examples/xroute-chaos.ini uses every kind (docs/connectors.md). */
	char path[PATH_MAX], err[512];
	snprintf(path, sizeof(path), "%s/docs/examples/xroute-chaos.ini", getenv("XR_SOURCE_ROOT"));
	struct xr_config *a = xr_config_load(path, xr_connector_schemas, err, sizeof(err));
	cr_assert_not_null(a, "%s", err);
	static const uint32_t want[] = { 2, 3, 3, 2, 3 };
	unsigned kinds = 0;
	cr_assert_eq(a->n_venues, 5);
	for (uint32_t v = 0; v < a->n_venues; v++) {
		cr_assert_eq(SIM(&a->venues[v])->n_faults, want[v], "venue %s", a->venues[v].name);
		for (uint32_t i = 0; i < SIM(&a->venues[v])->n_faults; i++)
			kinds |= 1u << SIM(&a->venues[v])->faults[i].kind;
	}
	cr_assert_eq(kinds, (1u << XR_FAULT_COUNT) - 1);
	assert_fault(&a->venues[3], 0, "late", XR_FAULT_LATE_ANSWERS, 0, MS_NS(100000), 0, 2000,
		     0, 5000);
	assert_fault(&a->venues[4], 0, "outage", XR_FAULT_OUTAGE, MS_NS(6000), MS_NS(6200),
		     MS_NS(7000), 0, 0, 0);

	char *p1 = print_to_string(a);
	write_file("print1.ini", p1);
	struct xr_config *b = xr_config_load("print1.ini", xr_connector_schemas, err, sizeof(err));
	cr_assert_not_null(b, "%s", err);
	char *p2 = print_to_string(b);
	cr_assert_str_eq(strchr(p1, '\n'), strchr(p2, '\n'));
	cr_assert_not_null(strstr(p2, "\nfault.late = late_answers start_ms=0 end_ms=100000 "
				      "prob=0.002 extra_us=5000\n"
				      "fault.partial = partial_fill start_ms=3000 end_ms=3500 "
				      "every_ms=6000 ratio=0.5\n"));
	free(p1);
	free(p2);
	xr_config_free(a);
	xr_config_free(b);
}
