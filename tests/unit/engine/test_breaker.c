/*
 * Circuit breaker and retry backoff against an injected clock (plain
 * numbers passed as now_ns): every transition of xr_breaker.h, the
 * detection start each trip reports, and the backoff's bounds.
 */
#include <criterion/criterion.h>

#include "xr_breaker.h"

#define MS UINT64_C(1000000)

static struct xr_breaker_cfg
xr__cfg(void)
{
	return (struct xr_breaker_cfg){
		.failure_threshold = 3,
		.error_rate_ppm = 50000, /* 5% */
		.min_samples = 20,
		.open_timeout_ns = 100 * MS,
		.half_open_probes = 2,
		.recovery_threshold = 2,
	};
}

Test(breaker, opens_after_consecutive_failures_and_reports_the_first)
{
	struct xr_breaker b;
	struct xr_breaker_cfg c = xr__cfg();
	struct xr_breaker_transition t;

	c.error_rate_ppm = 1000000; /* only the run of failures may open it */
	xr_breaker_init(&b, &c);
	cr_assert_eq(xr_breaker_admit(&b), XR_BRK_SEND);
	cr_assert_not(xr_breaker_record(&b, true, false, 10, &t));
	cr_assert_not(xr_breaker_record(&b, false, false, 20, &t), "a success ends the run");
	cr_assert_not(xr_breaker_record(&b, true, false, 30, &t));
	cr_assert_not(xr_breaker_record(&b, true, false, 40, &t));
	cr_assert(xr_breaker_record(&b, true, false, 50, &t));
	cr_assert_eq(t.from, XR_CIRCUIT_CLOSED);
	cr_assert_eq(t.to, XR_CIRCUIT_OPEN);
	cr_assert_eq(t.cause, XR_BRK_CONSECUTIVE);
	cr_assert_eq(t.at_ns, 50);
	cr_assert_eq(t.first_fail_ns, 30, "detection starts at the run's first failure");
	cr_assert_eq(xr_breaker_admit(&b), XR_BRK_DENY);
	cr_assert_eq(b.opens, 1);
}

Test(breaker, opens_on_error_rate_only_with_enough_samples)
{
	struct xr_breaker b;
	struct xr_breaker_cfg c = xr__cfg();
	struct xr_breaker_transition t;

	c.failure_threshold = 100;
	xr_breaker_init(&b, &c);
	/* 1 failure in 10: 10% > 5%, but fewer than min_samples outcomes. */
	uint64_t now = 1000;
	for (int i = 0; i < 19; i++)
		cr_assert_not(xr_breaker_record(&b, i % 10 == 5, false, now += 10, &t),
			      "outcome %d", i);
	/* Sample 20 is a failure: 2 in 20 = 10% > 5%: open. */
	cr_assert(xr_breaker_record(&b, true, false, now += 10, &t));
	cr_assert_eq(t.cause, XR_BRK_ERROR_RATE);
	cr_assert_eq(t.first_fail_ns, 1000 + 6 * 10, "the oldest failure in the window");
}

Test(breaker, error_rate_at_the_threshold_does_not_open)
{
	struct xr_breaker b;
	struct xr_breaker_cfg c = xr__cfg();
	struct xr_breaker_transition t;

	c.failure_threshold = 100;
	xr_breaker_init(&b, &c);
	/* 5 failures in 100 is exactly 5%: not above it. */
	for (int i = 0; i < 100; i++)
		cr_assert_not(xr_breaker_record(&b, i % 20 == 19, false, (uint64_t)i + 1, &t),
			      "outcome %d", i);
	cr_assert_eq(b.state, XR_CIRCUIT_CLOSED);
	cr_assert_eq(b.win_fail, 5);
	/* The window slides: the next failure replaces a success: 6%. */
	cr_assert(xr_breaker_record(&b, true, false, 200, &t));
}

Test(breaker, half_open_after_timeout_admits_limited_probes)
{
	struct xr_breaker b;
	struct xr_breaker_cfg c = xr__cfg();
	struct xr_breaker_transition t;

	xr_breaker_init(&b, &c);
	cr_assert(xr_breaker_force_open(&b, XR_BRK_DISCONNECT, 5 * MS, 7 * MS, &t));
	cr_assert_eq(t.first_fail_ns, 5 * MS, "detection starts at the session loss");
	cr_assert_not(xr_breaker_tick(&b, 7 * MS + 100 * MS - 1, &t), "one ns too early");
	cr_assert_eq(b.state, XR_CIRCUIT_OPEN);
	cr_assert(xr_breaker_tick(&b, 7 * MS + 100 * MS, &t));
	cr_assert_eq(t.to, XR_CIRCUIT_HALF_OPEN);
	cr_assert_eq(t.cause, XR_BRK_TIMEOUT);
	cr_assert_eq(xr_breaker_admit(&b), XR_BRK_PROBE);
	cr_assert_eq(xr_breaker_admit(&b), XR_BRK_PROBE);
	cr_assert_eq(xr_breaker_admit(&b), XR_BRK_DENY, "both probes are out");
	/* A late outcome of a child sent before the open changes nothing. */
	cr_assert_not(xr_breaker_record(&b, false, false, 108 * MS, &t));
	cr_assert_not(xr_breaker_record(&b, false, true, 108 * MS, &t));
	cr_assert_eq(xr_breaker_admit(&b), XR_BRK_PROBE, "an answered probe frees its place");
	cr_assert(xr_breaker_record(&b, false, true, 109 * MS, &t));
	cr_assert_eq(t.to, XR_CIRCUIT_CLOSED);
	cr_assert_eq(t.cause, XR_BRK_RECOVERED);
	cr_assert_eq(xr_breaker_admit(&b), XR_BRK_SEND);
	cr_assert_eq(b.win_n, 0, "closing starts a clean window");
}

Test(breaker, failed_probe_opens_again_and_restarts_the_timeout)
{
	struct xr_breaker b;
	struct xr_breaker_cfg c = xr__cfg();
	struct xr_breaker_transition t;

	xr_breaker_init(&b, &c);
	xr_breaker_force_open(&b, XR_BRK_DISCONNECT, 0, 0, &t);
	cr_assert(xr_breaker_tick(&b, 100 * MS, &t));
	cr_assert_eq(xr_breaker_admit(&b), XR_BRK_PROBE);
	cr_assert(xr_breaker_record(&b, true, true, 101 * MS, &t));
	cr_assert_eq(t.from, XR_CIRCUIT_HALF_OPEN);
	cr_assert_eq(t.to, XR_CIRCUIT_OPEN);
	cr_assert_eq(t.cause, XR_BRK_PROBE_FAILED);
	cr_assert_not(xr_breaker_tick(&b, 200 * MS, &t), "timeout counts from the new open");
	cr_assert(xr_breaker_tick(&b, 201 * MS, &t));
	cr_assert_eq(b.opens, 2);
}

Test(breaker, outcomes_while_open_are_ignored_and_close_clears)
{
	struct xr_breaker b;
	struct xr_breaker_cfg c = xr__cfg();
	struct xr_breaker_transition t;

	xr_breaker_init(&b, &c);
	for (int i = 0; i < 3; i++)
		xr_breaker_record(&b, true, false, 10, &t);
	cr_assert_eq(b.state, XR_CIRCUIT_OPEN);
	cr_assert_not(xr_breaker_record(&b, false, false, 11, &t));
	cr_assert_not(xr_breaker_record(&b, true, false, 11, &t));
	cr_assert_not(xr_breaker_force_open(&b, XR_BRK_DISCONNECT, 0, 12, &t),
		      "already open: no transition");
	cr_assert(xr_breaker_force_close(&b, 13, &t));
	cr_assert_eq(t.cause, XR_BRK_MANUAL);
	cr_assert_eq(b.consecutive, 0);
	cr_assert_not(xr_breaker_force_close(&b, 14, &t));
}

Test(breaker, names)
{
	cr_assert_str_eq(xr_circuit_name(XR_CIRCUIT_HALF_OPEN), "half_open");
	cr_assert_str_eq(xr_breaker_cause_name(XR_BRK_ERROR_RATE), "error_rate");
	cr_assert_str_eq(xr_breaker_cause_name(XR_BRK_COUNT), "invalid");
}

Test(backoff, doubles_to_the_cap_with_jitter_in_the_upper_half)
{
	uint64_t rng = 42;

	for (uint32_t n = 0; n < 12; n++) {
		uint64_t d = UINT64_C(100000) << n;
		if (d > 5 * MS)
			d = 5 * MS;
		uint64_t lo = UINT64_MAX, hi = 0;
		for (int i = 0; i < 2000; i++) {
			uint64_t x = xr_backoff_ns(100000, 5 * MS, n, xr_splitmix64(&rng));
			cr_assert(x >= d / 2 && x <= d, "retry %u: %lu outside [%lu, %lu]", n,
				  (unsigned long)x, (unsigned long)(d / 2), (unsigned long)d);
			lo = x < lo ? x : lo;
			hi = x > hi ? x : hi;
		}
		/* Jitter spreads the retries over most of the range. */
		cr_assert(hi - lo > d / 4, "retry %u: spread %lu of %lu", n,
			  (unsigned long)(hi - lo), (unsigned long)d);
	}
	cr_assert_eq(xr_backoff_ns(7, 100, 0, 0), 3, "r = 0 gives the lower bound");
	cr_assert_eq(xr_backoff_ns(100, 1000, 60, UINT64_MAX - 1) <= 1000, 1,
		     "no overflow far past the cap");
}

Test(breaker, manual_open_holds_until_closed)
{
	struct xr_breaker b;
	struct xr_breaker_cfg c = xr__cfg();
	struct xr_breaker_transition t;

	xr_breaker_init(&b, &c);
	cr_assert(xr_breaker_force_open(&b, XR_BRK_MANUAL, 0, 5 * MS, &t));
	cr_assert_eq(t.to, XR_CIRCUIT_OPEN);
	cr_assert_eq(t.cause, XR_BRK_MANUAL);
	cr_assert_not(xr_breaker_tick(&b, 10000 * MS, &t), "a disabled venue sends no probes");
	cr_assert_eq(xr_breaker_admit(&b), XR_BRK_DENY);
	/* A disconnect meanwhile keeps it open and held. */
	cr_assert_not(xr_breaker_force_open(&b, XR_BRK_DISCONNECT, 0, 10001 * MS, &t));
	cr_assert_not(xr_breaker_tick(&b, 20000 * MS, &t));
	cr_assert(xr_breaker_force_close(&b, 20001 * MS, &t));
	cr_assert_eq(t.from, XR_CIRCUIT_OPEN);
	cr_assert_eq(t.to, XR_CIRCUIT_CLOSED);
	cr_assert_eq(xr_breaker_admit(&b), XR_BRK_SEND);
	/* Opened by failures after that, the timeout applies again. */
	cr_assert(xr_breaker_force_open(&b, XR_BRK_DISCONNECT, 0, 30000 * MS, &t));
	cr_assert(xr_breaker_tick(&b, 30000 * MS + c.open_timeout_ns, &t));
	cr_assert_eq(t.to, XR_CIRCUIT_HALF_OPEN);
}
