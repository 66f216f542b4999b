/*
 * Unit tests of base/types.c and the inline money helpers of xr_types.h:
 * decimal <-> fixed-point conversion (exact values, every error, round
 * trips), the enum names used in files, and xr_notional / xr_fee (truncation
 * toward zero, 128-bit intermediates, saturation).
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "xr_types.h"

/* splitmix64: deterministic values, no libc rand state. */
static uint64_t
next_u64(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Parse a NUL-terminated string; @p out is preset to a sentinel. */
static int
parse(const char *s, int decimals, int64_t *out)
{
	*out = INT64_C(0x5a5a5a5a5a5a5a5a);
	return xr_fixed_parse(s, strlen(s), decimals, out);
}

static void
expect_parse(const char *s, int decimals, int64_t want)
{
	int64_t got;
	int rc = parse(s, decimals, &got);

	cr_assert_eq(rc, 0, "\"%s\" at %d decimals: rc %d", s, decimals, rc);
	cr_assert_eq(got, want, "\"%s\" at %d decimals: got %" PRId64 ", want %" PRId64, s, decimals,
		     got, want);
}

static void
expect_parse_error(const char *s, int decimals, int err)
{
	int64_t got;
	int rc = parse(s, decimals, &got);

	cr_assert_eq(rc, err, "\"%s\" at %d decimals: rc %d, want %d", s, decimals, rc, err);
	cr_assert_eq(got, INT64_C(0x5a5a5a5a5a5a5a5a), "\"%s\": out written on error", s);
}

static void
expect_format(int64_t v, int decimals, const char *want)
{
	char buf[64];

	memset(buf, '#', sizeof(buf));
	int n = xr_fixed_format(buf, v, decimals);
	cr_assert_str_eq(buf, want, "%" PRId64 " at %d decimals", v, decimals);
	cr_assert_eq(n, (int)strlen(want));
	cr_assert_leq(n + 1, 24, "buffer of 24 bytes suffices");
	for (size_t i = (size_t)n + 1; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], '#', "wrote past the NUL");
}

/* ---- xr_fixed_parse ---------------------------------------------------- */

Test(types, parse_exact_values)
{
	expect_parse("50000.25", 8, INT64_C(5000025000000));
	expect_parse("-0.5", 8, INT64_C(-50000000));
	expect_parse("0", 8, 0);
	expect_parse("-0", 8, 0);
	expect_parse("+1.5", 8, INT64_C(150000000));
	expect_parse("1", 8, XR_QTY_SCALE);
	expect_parse("0.00000001", 8, 1);
	expect_parse("-0.00000001", 8, -1);
	expect_parse("00012.3400", 8, INT64_C(1234000000));
	expect_parse("42", 0, 42);
	expect_parse("-42", 0, -42);
	expect_parse("2.5", 2, 250);
	expect_parse("0.123456789012345678", 18, INT64_C(123456789012345678));
}

Test(types, parse_accepts_bare_dot_forms)
{
	/* The code requires a digit somewhere, not on both sides of the dot. */
	expect_parse("1.", 8, XR_QTY_SCALE);
	expect_parse(".5", 8, INT64_C(50000000));
	expect_parse("-.5", 8, INT64_C(-50000000));
	expect_parse("7.", 0, 7);
}

Test(types, parse_limits)
{
	/* INT64_MAX at 8 decimals and at 0. */
	expect_parse("92233720368.54775807", 8, INT64_MAX);
	expect_parse("-92233720368.54775807", 8, -INT64_MAX);
	expect_parse("9223372036854775807", 0, INT64_MAX);
	expect_parse("9.223372036854775807", 18, INT64_MAX);
	/* Many leading zeros do not count toward overflow. */
	expect_parse("000000000000000000000000000001", 0, 1);
}

Test(types, parse_respects_len_and_nul)
{
	int64_t v;

	cr_assert_eq(xr_fixed_parse("12345", 3, 0, &v), 0);
	cr_assert_eq(v, 123);
	cr_assert_eq(xr_fixed_parse("1.25,buy", 4, 8, &v), 0); /* a CSV field */
	cr_assert_eq(v, INT64_C(125000000));
	cr_assert_eq(xr_fixed_parse("7\0" "99", 4, 0, &v), -EINVAL); /* a NUL never ends it */
	cr_assert_eq(xr_fixed_parse("7\0", 2, 0, &v), -EINVAL);
	cr_assert_eq(xr_fixed_parse("7\0", 1, 0, &v), 0); /* len ends it */
	cr_assert_eq(v, 7);
	cr_assert_eq(xr_fixed_parse("-5", 1, 0, &v), -EINVAL); /* just "-" */
	cr_assert_eq(xr_fixed_parse("5", 0, 0, &v), -EINVAL);  /* empty */
}

Test(types, parse_too_many_decimals)
{
	expect_parse_error("1.123456789", 8, -EINVAL);
	expect_parse_error("1.000000000", 8, -EINVAL); /* trailing zeros count */
	expect_parse_error("4.2", 0, -EINVAL);
	expect_parse_error("0.125", 2, -EINVAL);
}

Test(types, parse_rejects_junk)
{
	static const char *const junk[] = {
		"", "-", "+", ".", "-.", "+.", "1.2.3", "1e5", " 1", "1 ", "abc", "1,5",
		"--1", "+-1", "0x10", "1-", "12a", "NaN", "inf", "1..", "..1",
	};

	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		expect_parse_error(junk[i], 8, -EINVAL);
}

Test(types, parse_rejects_bad_decimals)
{
	expect_parse_error("1", -1, -EINVAL);
	expect_parse_error("1", 19, -EINVAL);
}

Test(types, parse_overflow)
{
	expect_parse_error("92233720368.54775808", 8, -ERANGE);
	expect_parse_error("92233720369", 8, -ERANGE); /* overflows when scaled */
	expect_parse_error("9223372036854775808", 0, -ERANGE);
	expect_parse_error("99999999999999999999999", 0, -ERANGE);
	expect_parse_error("-92233720369", 8, -ERANGE);
	expect_parse_error("10", 18, -ERANGE);
	/* -2^63 is deliberately out of range (no field needs it). */
	expect_parse_error("-9223372036854775808", 0, -ERANGE);
	expect_parse_error("-92233720368.54775808", 8, -ERANGE);
}

/* ---- xr_fixed_format --------------------------------------------------- */

Test(types, format_exact_values)
{
	expect_format(INT64_C(5000025000000), 8, "50000.25");
	expect_format(0, 8, "0");
	expect_format(INT64_C(-50000000), 8, "-0.5");
	expect_format(XR_QTY_SCALE, 8, "1");
	expect_format(1, 8, "0.00000001");
	expect_format(-1, 8, "-0.00000001");
	expect_format(INT64_C(1234000000), 8, "12.34");
	expect_format(42, 0, "42");
	expect_format(-42, 0, "-42");
	expect_format(0, 0, "0");
	expect_format(250, 2, "2.5");
	expect_format(INT64_MAX, 8, "92233720368.54775807");
	expect_format(INT64_MIN, 8, "-92233720368.54775808");
	expect_format(INT64_MAX, 0, "9223372036854775807");
	expect_format(INT64_MIN, 0, "-9223372036854775808");
	expect_format(INT64_MAX, 18, "9.223372036854775807");
	expect_format(INT64_MIN, 18, "-9.223372036854775808");
	expect_format(-1, 18, "-0.000000000000000001");
}

Test(types, round_trip)
{
	static const int64_t special[] = {
		0, 1, -1, 9, 10, -10, 99999999, 100000000, -100000000, 100000001,
		INT64_C(5000025000000), INT64_MAX, INT64_MAX - 1, -INT64_MAX, INT64_MIN + 1,
		INT64_C(1000000000000000000), INT64_C(-999999999999999999),
	};
	uint64_t s = 1;
	char buf[24];

	for (int d = 0; d <= 18; d++) {
		for (size_t i = 0; i < sizeof(special) / sizeof(special[0]) + 20000; i++) {
			int64_t v;
			if (i < sizeof(special) / sizeof(special[0])) {
				v = special[i];
			} else {
				/* Random magnitudes from 1 to 63 bits, both signs. */
				uint64_t r = next_u64(&s) >> (next_u64(&s) % 64);
				v = (int64_t)(r & (uint64_t)INT64_MAX);
				if (next_u64(&s) & 1)
					v = -v;
			}
			int64_t back;
			int n = xr_fixed_format(buf, v, d);
			cr_assert_eq(n, (int)strlen(buf));
			cr_assert_eq(xr_fixed_parse(buf, (size_t)n, d, &back), 0, "\"%s\" at %d", buf, d);
			cr_assert_eq(back, v, "\"%s\" at %d decimals", buf, d);
		}
	}
	/* INT64_MIN formats, but parse keeps to +-INT64_MAX: see parse_overflow. */
	int n = xr_fixed_format(buf, INT64_MIN, 8);
	int64_t back;
	cr_assert_eq(xr_fixed_parse(buf, (size_t)n, 8, &back), -ERANGE);
}

/* xr_u64_format against snprintf: 0, every power of ten and its
 * neighbours (where the digit count changes), 2^32 either side (where the
 * pair loop changes width), UINT64_MAX, and random magnitudes. */
Test(types, u64_format_matches_printf)
{
	char got[24], want[24];
	uint64_t v[200];
	size_t n = 0;
	v[n++] = 0;
	v[n++] = UINT32_MAX;
	v[n++] = (uint64_t)UINT32_MAX + 1;
	v[n++] = UINT64_MAX;
	for (uint64_t p = 1, k = 0; k < 20; k++, p *= 10)
		for (int d = -1; d <= 1; d++)
			v[n++] = p + (uint64_t)(int64_t)d;
	uint64_t s = 7;
	for (int i = 0; i < 100000; i++) {
		uint64_t x = i < (int)n ? v[i] : next_u64(&s) >> (next_u64(&s) % 64);
		int len = xr_u64_format(got, x);
		got[len] = '\0';
		snprintf(want, sizeof(want), "%" PRIu64, x);
		cr_assert_str_eq(got, want);
	}
}

/* xr_u64_format_wide: the same digits as xr_u64_format for 0, the powers
 * of ten and their neighbours (every digit count, both sides of each
 * chunk of 8) and random magnitudes, and never a byte written past
 * max(digits, 16) nor past the 20 its contract gives. */
Test(types, u64_format_wide_matches_exact)
{
	uint64_t s = 11;
	for (int i = 0; i < 100000; i++) {
		uint64_t x;
		if (i < 60) {
			uint64_t p = 1;
			for (int k = 0; k < i / 3; k++)
				p *= 10;
			x = p + (uint64_t)(i % 3) - 1;
		} else {
			x = next_u64(&s) >> (next_u64(&s) % 64);
		}
		char want[24], got[40];
		memset(got, '#', sizeof(got));
		int nw = xr_u64_format(want, x);
		int ng = xr_u64_format_wide(got, x);
		cr_assert_eq(ng, nw, "%" PRIu64, x);
		cr_assert_eq(memcmp(got, want, (size_t)nw), 0, "%" PRIu64, x);
		int limit = nw > 16 ? nw : 16;
		for (int b = limit; b < (int)sizeof(got); b++)
			cr_assert_eq(got[b], '#', "%" PRIu64 ": byte %d written", x, b);
	}
}

Test(types, format_trims_trailing_zeros_only)
{
	expect_format(INT64_C(10000000000), 8, "100");
	expect_format(INT64_C(10100000000), 8, "101");
	expect_format(INT64_C(10010000000), 8, "100.1");
	expect_format(INT64_C(-10000000001), 8, "-100.00000001");
}

/* ---- enum names -------------------------------------------------------- */

Test(types, reason_names_are_distinct)
{
	for (int r = 0; r < XR_R_COUNT; r++) {
		const char *a = xr_reason_name((enum xr_reason)r);
		cr_assert_not_null(a);
		cr_assert_str_neq(a, "invalid", "reason %d has no name", r);
		for (int q = 0; q < r; q++)
			cr_assert_str_neq(a, xr_reason_name((enum xr_reason)q), "reasons %d and %d", q, r);
	}
	cr_assert_str_eq(xr_reason_name(XR_R_NONE), "none");
	cr_assert_str_eq(xr_reason_name(XR_R_PARSE), "parse_error");
	cr_assert_str_eq(xr_reason_name(XR_R_MAX_QTY), "max_order_qty");
	cr_assert_str_eq(xr_reason_name(XR_R_MAX_POSITION), "max_position");
	cr_assert_str_eq(xr_reason_name(XR_R_DUPLICATE_ID), "duplicate_signal_id");
	cr_assert_str_eq(xr_reason_name(XR_R_NO_REFERENCE_PX), "no_reference_price");
	cr_assert_str_eq(xr_reason_name(XR_R_NO_VENUE), "no_eligible_venue");
	cr_assert_str_eq(xr_reason_name(XR_R_EXPIRED), "expired");
	cr_assert_str_eq(xr_reason_name(XR_R_IN_DOUBT), "in_doubt");
	cr_assert_str_eq(xr_reason_name(XR_R_LEFT_OPEN), "left_open");
	cr_assert_str_eq(xr_reason_name(XR_R_STOPPED), "stopped");
	cr_assert_str_eq(xr_reason_name(XR_R_NOT_AUTHORIZED), "not_authorized");
	cr_assert_str_eq(xr_reason_name(XR_R_COUNT), "invalid");
	cr_assert_str_eq(xr_reason_name((enum xr_reason)-1), "invalid");
}

Test(types, final_names)
{
	static const char *const want[XR_FINAL_COUNT] = {
		"none", "filled", "partially_filled", "canceled", "rejected", "failed",
		"unknown", "open",
	};
	for (int f = 0; f < XR_FINAL_COUNT; f++)
		cr_assert_str_eq(xr_final_name((enum xr_final)f), want[f]);
	cr_assert_str_eq(xr_final_name(XR_FINAL_COUNT), "invalid");
	cr_assert_str_eq(xr_final_name((enum xr_final)-1), "invalid");
}

Test(types, order_enum_names)
{
	cr_assert_str_eq(xr_side_name(XR_SIDE_BUY), "buy");
	cr_assert_str_eq(xr_side_name(XR_SIDE_SELL), "sell");
	cr_assert_str_eq(xr_side_name((enum xr_side)0), "invalid");
	cr_assert_str_eq(xr_side_name((enum xr_side)3), "invalid");

	cr_assert_str_eq(xr_ord_type_name(XR_ORD_MARKET), "market");
	cr_assert_str_eq(xr_ord_type_name(XR_ORD_LIMIT), "limit");
	cr_assert_str_eq(xr_ord_type_name((enum xr_ord_type)0), "invalid");

	cr_assert_str_eq(xr_tif_name(XR_TIF_DAY), "day");
	cr_assert_str_eq(xr_tif_name(XR_TIF_GTC), "gtc");
	cr_assert_str_eq(xr_tif_name(XR_TIF_IOC), "ioc");
	cr_assert_str_eq(xr_tif_name(XR_TIF_FOK), "fok");
	cr_assert_str_eq(xr_tif_name((enum xr_tif)2), "invalid"); /* FIX 2 = OPG: unsupported */

	cr_assert_str_eq(xr_ord_status_name(XR_OS_NEW), "new");
	cr_assert_str_eq(xr_ord_status_name(XR_OS_PARTIALLY_FILLED), "partially_filled");
	cr_assert_str_eq(xr_ord_status_name(XR_OS_FILLED), "filled");
	cr_assert_str_eq(xr_ord_status_name(XR_OS_CANCELED), "canceled");
	cr_assert_str_eq(xr_ord_status_name(XR_OS_REJECTED), "rejected");
	cr_assert_str_eq(xr_ord_status_name(XR_OS_EXPIRED), "expired");
	cr_assert_str_eq(xr_ord_status_name((enum xr_ord_status)'3'), "invalid"); /* FIX DoneForDay */

	cr_assert_str_eq(xr_signal_type_name(XR_SIG_ENTRY), "entry");
	cr_assert_str_eq(xr_signal_type_name(XR_SIG_EXIT), "exit");
	cr_assert_str_eq(xr_signal_type_name(XR_SIG_PROFIT_TAKE), "profit_take");
	cr_assert_str_eq(xr_signal_type_name(XR_SIG_STOP_LOSS), "stop_loss");
	cr_assert_str_eq(xr_signal_type_name((enum xr_signal_type)4), "invalid");

	cr_assert_str_eq(xr_strategy_name(XR_STRAT_DEFAULT), "default");
	cr_assert_str_eq(xr_strategy_name(XR_STRAT_WEIGHTED_SCORE), "weighted_score");
	cr_assert_str_eq(xr_strategy_name(XR_STRAT_COUNT), "invalid");

	cr_assert_str_eq(xr_method_name(XR_METHOD_LIMIT), "limit");
	cr_assert_str_eq(xr_method_name(XR_METHOD_MARKET), "market");
	cr_assert_str_eq(xr_method_name(XR_METHOD_TWAP), "twap");
	cr_assert_str_eq(xr_method_name((enum xr_method)3), "invalid");
}

/* ---- xr_notional, xr_fee ----------------------------------------------- */

Test(types, notional_exact)
{
	/* 1 BTC at 50000.25 USD = 50000.25 USD. */
	cr_assert_eq(xr_notional(XR_QTY_SCALE, INT64_C(5000025000000)), INT64_C(5000025000000));
	/* 0.5 BTC at 3.00000001 = 1.500000005 -> truncated to 1.50000000. */
	cr_assert_eq(xr_notional(INT64_C(50000000), INT64_C(300000001)), INT64_C(150000000));
	cr_assert_eq(xr_notional(0, INT64_C(5000025000000)), 0);
}

Test(types, notional_truncates_toward_zero)
{
	/* 1e-8 BTC at 1.5 = 1.5e-8 -> 1 (cash units), and -1 for a sell. */
	cr_assert_eq(xr_notional(1, INT64_C(150000000)), 1);
	cr_assert_eq(xr_notional(-1, INT64_C(150000000)), -1);
	cr_assert_eq(xr_notional(1, INT64_C(-150000000)), -1);
	cr_assert_eq(xr_notional(3, INT64_C(33333333)), 0); /* 0.99999999e-8 */
	cr_assert_eq(xr_notional(-3, INT64_C(33333333)), 0);
}

Test(types, notional_uses_128_bits)
{
	/* 1,000,000 BTC at 50000 USD: qty * px = 5e26 overflows 64 bits,
	 * the notional (50 bn USD = 5e18 cash units) does not. */
	int64_t qty = INT64_C(1000000) * XR_QTY_SCALE;
	int64_t px = INT64_C(50000) * XR_PX_SCALE;
	cr_assert_eq(xr_notional(qty, px), INT64_C(5000000000000000000));
	cr_assert_eq(xr_notional(-qty, px), INT64_C(-5000000000000000000));
}

Test(types, notional_saturates)
{
	int64_t px = INT64_C(50000) * XR_PX_SCALE;
	cr_assert_eq(xr_notional(INT64_C(2000000) * XR_QTY_SCALE, px), INT64_MAX); /* 1e19 */
	cr_assert_eq(xr_notional(INT64_C(-2000000) * XR_QTY_SCALE, px), INT64_MIN);
	cr_assert_eq(xr_notional(INT64_MAX, INT64_MAX), INT64_MAX);
	cr_assert_eq(xr_notional(INT64_MIN, INT64_MIN), INT64_MAX);
	cr_assert_eq(xr_notional(INT64_MAX, INT64_MIN), INT64_MIN);
}

Test(types, fee_exact)
{
	/* 50000.25 USD at 2.5 bps (250 cbps) = 12.5000625 USD. */
	cr_assert_eq(xr_fee(INT64_C(5000025000000), 250), INT64_C(1250006250));
	/* Maker rebate of 1 bps. */
	cr_assert_eq(xr_fee(INT64_C(5000025000000), -100), INT64_C(-500002500));
	cr_assert_eq(xr_fee(INT64_C(5000025000000), 0), 0);
	/* 100% (10^6 cbps) is the notional itself. */
	cr_assert_eq(xr_fee(INT64_C(123456789), XR_CBPS_PER_ONE), INT64_C(123456789));
}

Test(types, fee_truncates_toward_zero)
{
	cr_assert_eq(xr_fee(3, 100000), 0);		/* 0.3 */
	cr_assert_eq(xr_fee(-3, 100000), 0);		/* -0.3 */
	cr_assert_eq(xr_fee(7, -500000), -3);		/* -3.5 */
	cr_assert_eq(xr_fee(-7, 500000), -3);
	cr_assert_eq(xr_fee(999999, 1), 0);		/* 0.999999 */
	cr_assert_eq(xr_fee(1000000, 1), 1);
}

Test(types, fee_uses_128_bits)
{
	/* 50 bn USD notional * 250 cbps = 1.25e21 before the division. */
	int64_t notional = INT64_C(5000000000000000000);
	cr_assert_eq(xr_fee(notional, 250), INT64_C(1250000000000000));
	cr_assert_eq(xr_fee(INT64_MAX, 250), (int64_t)((xr_i128)INT64_MAX * 250 / 1000000));
	cr_assert_eq(xr_fee(INT64_MIN, 250), (int64_t)((xr_i128)INT64_MIN * 250 / 1000000));
}

#ifndef NDEBUG
/* decimals outside 0..18 would overrun the 24-byte buffer: asserted. */
Test(types, format_asserts_decimals_range, .signal = SIGABRT)
{
	char buf[64];
	xr_fixed_format(buf, 1, -1);
}

Test(types, format_asserts_decimals_max, .signal = SIGABRT)
{
	char buf[64];
	xr_fixed_format(buf, 1, 19);
}
#endif

/* A value of about @p bits significant bits (1..64), never 0. */
static uint64_t
of_bits(uint64_t *s, unsigned bits)
{
	uint64_t v = bits >= 64 ? next_u64(s) : next_u64(s) & ((UINT64_C(1) << bits) - 1);
	return v ? v : 1;
}

Test(types, recip_div_matches_hardware_division)
{
	/* Divisors where the method's shift and overflow cases sit: 1, powers
	 * of two and their neighbours, the top of the range. */
	static const uint64_t edge_d[] = {
		1, 2, 3, 5, 7, 10, 641, 1000000, UINT64_C(100000000),
		(UINT64_C(1) << 32) - 1, UINT64_C(1) << 32, (UINT64_C(1) << 32) + 1,
		(UINT64_C(1) << 63) - 1, UINT64_C(1) << 63, (UINT64_C(1) << 63) + 1,
		UINT64_MAX - 1, UINT64_MAX,
	};
	static const uint64_t edge_n[] = {
		0, 1, 2, 999999, 1000000, 1000001, UINT64_C(1) << 32,
		UINT64_C(1) << 63, UINT64_MAX - 1, UINT64_MAX,
	};
	for (size_t i = 0; i < sizeof(edge_d) / sizeof(edge_d[0]); i++) {
		struct xr_recip r = xr_recip_init(edge_d[i]);
		for (size_t j = 0; j < sizeof(edge_n) / sizeof(edge_n[0]); j++) {
			uint64_t n = edge_n[j], d = edge_d[i];
			cr_assert_eq(xr_recip_div(&r, n), n / d, "%" PRIu64 " / %" PRIu64, n, d);
			/* Around multiples of d, where truncation turns. */
			uint64_t q = n / d, lo = q * d;
			cr_assert_eq(xr_recip_div(&r, lo), q);
			if (lo > 0)
				cr_assert_eq(xr_recip_div(&r, lo - 1), (lo - 1) / d);
		}
	}
	/* Random divisors and dividends of every size. */
	uint64_t s = 12345;
	for (int i = 0; i < 200000; i++) {
		uint64_t d = of_bits(&s, 1 + (unsigned)(next_u64(&s) % 64));
		uint64_t n = of_bits(&s, 1 + (unsigned)(next_u64(&s) % 64));
		struct xr_recip r = xr_recip_init(d);
		cr_assert_eq(xr_recip_div(&r, n), n / d, "%" PRIu64 " / %" PRIu64, n, d);
	}
	/* 0 is treated as 1. */
	struct xr_recip one = xr_recip_init(0);
	cr_assert_eq(xr_recip_div(&one, 77), 77);
}

Test(types, u128_div_u32_matches_128_bit_division)
{
	uint64_t s = 777;
	for (int i = 0; i < 100000; i++) {
		xr_u128 n = ((xr_u128)of_bits(&s, 1 + (unsigned)(next_u64(&s) % 64)) << 64 |
			     next_u64(&s)) >> (next_u64(&s) % 128);
		uint32_t d = (uint32_t)of_bits(&s, 1 + (unsigned)(next_u64(&s) % 32));
		cr_assert(xr_u128_div_u32(n, d) == n / d, "case %d", i);
	}
	cr_assert(xr_u128_div_u32(~(xr_u128)0, UINT32_MAX) == ~(xr_u128)0 / UINT32_MAX);
	cr_assert(xr_u128_div_u32(~(xr_u128)0, 1) == ~(xr_u128)0);
}

Test(types, u128_div_u64_fit_matches_128_bit_division)
{
	uint64_t s = 4242;
	for (int i = 0; i < 100000; i++) {
		uint64_t d = of_bits(&s, 1 + (unsigned)(next_u64(&s) % 64));
		/* Any high word below d: the quotient fits 64 bits. */
		xr_u128 n = (xr_u128)(next_u64(&s) % d) << 64 | next_u64(&s);
		cr_assert(xr_u128_div_u64_fit(n, d) == n / d, "case %d", i);
	}
	/* The edges: the largest quotient, and a divisor of 1. */
	xr_u128 top = (xr_u128)(UINT64_MAX - 1) << 64 | UINT64_MAX;
	cr_assert_eq(xr_u128_div_u64_fit(top, UINT64_MAX), UINT64_MAX);
	cr_assert_eq(xr_u128_div_u64_fit(12345, 1), 12345);
}
