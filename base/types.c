/*
 * Names of the shared enums as they appear in files (config, signals,
 * results), and the decimal <-> fixed-point conversions used by every
 * parser. No floating point: "50000.25" becomes 5000025000000 exactly.
 */
#include "xr_types.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

const char *
xr_reason_name(enum xr_reason r)
{
	static const char *const names[XR_R_COUNT] = {
		[XR_R_NONE] = "none",
		[XR_R_PARSE] = "parse_error",
		[XR_R_UNKNOWN_USER] = "unknown_user",
		[XR_R_USER_DISABLED] = "user_disabled",
		[XR_R_UNKNOWN_SYMBOL] = "unknown_symbol",
		[XR_R_SYMBOL_NOT_ALLOWED] = "symbol_not_allowed",
		[XR_R_UNKNOWN_STRATEGY] = "unknown_strategy",
		[XR_R_RATE_LIMIT] = "rate_limit",
		[XR_R_MAX_QTY] = "max_order_qty",
		[XR_R_MAX_NOTIONAL] = "max_notional",
		[XR_R_MAX_POSITION] = "max_position",
		[XR_R_DUPLICATE_ID] = "duplicate_signal_id",
		[XR_R_NO_REFERENCE_PX] = "no_reference_price",
		[XR_R_NO_VENUE] = "no_eligible_venue",
		[XR_R_MAX_SLIPPAGE] = "max_slippage",
		[XR_R_VENUE_REJECT] = "venue_reject",
		[XR_R_VENUE_FAILURE] = "venue_failure",
		[XR_R_TIMEOUT] = "timeout",
		[XR_R_NO_LIQUIDITY] = "no_liquidity",
		[XR_R_EXPIRED] = "expired",
		[XR_R_CIRCUIT_OPEN] = "circuit_open",
		[XR_R_DISCONNECTED] = "disconnected",
		[XR_R_OVERLOADED] = "overloaded",
		[XR_R_UNSUPPORTED] = "unsupported",
		[XR_R_MSG_REJECT] = "venue_msg_reject",
		[XR_R_IN_DOUBT] = "in_doubt",
		[XR_R_LEFT_OPEN] = "left_open",
		[XR_R_STOPPED] = "stopped",
		[XR_R_NOT_AUTHORIZED] = "not_authorized",
	};
	return (unsigned)r < XR_R_COUNT ? names[r] : "invalid";
}

const char *
xr_final_name(enum xr_final f)
{
	static const char *const names[XR_FINAL_COUNT] = {
		[XR_FINAL_NONE] = "none",
		[XR_FINAL_FILLED] = "filled",
		[XR_FINAL_PARTIALLY_FILLED] = "partially_filled",
		[XR_FINAL_CANCELED] = "canceled",
		[XR_FINAL_REJECTED] = "rejected",
		[XR_FINAL_FAILED] = "failed",
		[XR_FINAL_UNKNOWN] = "unknown",
		[XR_FINAL_OPEN] = "open",
	};
	return (unsigned)f < XR_FINAL_COUNT ? names[f] : "invalid";
}

const char *
xr_side_name(enum xr_side s)
{
	return s == XR_SIDE_BUY ? "buy" : s == XR_SIDE_SELL ? "sell" : "invalid";
}

const char *
xr_ord_status_name(enum xr_ord_status s)
{
	switch (s) {
	case XR_OS_NEW: return "new";
	case XR_OS_PARTIALLY_FILLED: return "partially_filled";
	case XR_OS_FILLED: return "filled";
	case XR_OS_CANCELED: return "canceled";
	case XR_OS_REJECTED: return "rejected";
	case XR_OS_EXPIRED: return "expired";
	}
	return "invalid";
}

const char *
xr_ord_type_name(enum xr_ord_type t)
{
	return t == XR_ORD_MARKET ? "market" : t == XR_ORD_LIMIT ? "limit" : "invalid";
}

const char *
xr_tif_name(enum xr_tif t)
{
	switch (t) {
	case XR_TIF_DAY: return "day";
	case XR_TIF_GTC: return "gtc";
	case XR_TIF_IOC: return "ioc";
	case XR_TIF_FOK: return "fok";
	}
	return "invalid";
}

const char *
xr_signal_type_name(enum xr_signal_type t)
{
	switch (t) {
	case XR_SIG_ENTRY: return "entry";
	case XR_SIG_EXIT: return "exit";
	case XR_SIG_PROFIT_TAKE: return "profit_take";
	case XR_SIG_STOP_LOSS: return "stop_loss";
	}
	return "invalid";
}

static const char *const xr__strategy_names[XR_STRAT_COUNT] = {
	[XR_STRAT_DEFAULT] = "default",
	[XR_STRAT_WEIGHTED_SCORE] = "weighted_score",
	[XR_STRAT_BEST_EXECUTION] = "best_execution",
	[XR_STRAT_LOWEST_LATENCY] = "lowest_latency",
	[XR_STRAT_BEST_LIQUIDITY] = "best_liquidity",
	[XR_STRAT_COST_OPTIMIZATION] = "cost_optimization",
	[XR_STRAT_AGGRESSIVE] = "aggressive",
	[XR_STRAT_PASSIVE] = "passive",
	[XR_STRAT_BALANCED] = "balanced",
	[XR_STRAT_STEALTH] = "stealth",
};

const char *
xr_strategy_name(enum xr_strategy s)
{
	return (unsigned)s < XR_STRAT_COUNT ? xr__strategy_names[s] : "invalid";
}

int
xr_strategy_parse(const char *name, size_t n)
{
	for (int s = 0; s < XR_STRAT_COUNT; s++)
		if (strlen(xr__strategy_names[s]) == n &&
		    memcmp(xr__strategy_names[s], name, n) == 0)
			return s;
	return -1;
}

const char *
xr_decision_name(enum xr_decision d)
{
	static const char *const names[XR_D_COUNT] = {
		[XR_D_NONE] = "none",
		[XR_D_BEST_SCORE] = "best_score",
		[XR_D_SPLIT_DEPTH] = "split_depth",
		[XR_D_SPLIT_SPREAD] = "split_spread",
		[XR_D_TWAP] = "twap",
		[XR_D_REROUTE] = "reroute",
		[XR_D_NO_VENUE] = "no_eligible_venue",
		[XR_D_MAX_SLIPPAGE] = "max_slippage",
		[XR_D_RETRY] = "retry",
		[XR_D_PRIMARY] = "primary",
		[XR_D_FAILOVER] = "failover",
	};
	return (unsigned)d < XR_D_COUNT ? names[d] : "invalid";
}

const char *
xr_alert_name(enum xr_alert a)
{
	static const char *const names[XR_ALERT_COUNT] = {
		[XR_ALERT_HIGH_LATENCY] = "high_latency",
		[XR_ALERT_LOW_SUCCESS] = "low_success",
		[XR_ALERT_UNHEALTHY] = "unhealthy",
		[XR_ALERT_RATE_LIMIT_NEAR] = "rate_limit_near",
		[XR_ALERT_FILL_OUTSIDE_LIMIT] = "fill_outside_limit",
	};
	return (unsigned)a < XR_ALERT_COUNT ? names[a] : "invalid";
}

const char *
xr_method_name(enum xr_method m)
{
	switch (m) {
	case XR_METHOD_LIMIT: return "limit";
	case XR_METHOD_MARKET: return "market";
	case XR_METHOD_TWAP: return "twap";
	}
	return "invalid";
}

int
xr_fixed_parse(const char *s, size_t len, int decimals, int64_t *out)
{
	size_t i = 0;
	bool neg = false, any = false, dot = false;
	int frac = 0;
	uint64_t v = 0;
	/* 2^63 - 1 as the magnitude bound; -2^63 is not needed by any field. */
	const uint64_t lim = (uint64_t)INT64_MAX;

	if (decimals < 0 || decimals > 18)
		return -EINVAL;
	if (i < len && (s[i] == '-' || s[i] == '+')) {
		neg = s[i] == '-';
		i++;
	}
	for (; i < len; i++) {
		char c = s[i];
		if (c == '.') {
			if (dot)
				return -EINVAL;
			dot = true;
			continue;
		}
		if (c < '0' || c > '9')
			return -EINVAL;
		if (dot && ++frac > decimals)
			return -EINVAL;
		if (v > (lim - (uint64_t)(c - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(c - '0');
		any = true;
	}
	if (!any)
		return -EINVAL;
	for (; frac < decimals; frac++) {
		if (v > lim / 10)
			return -ERANGE;
		v *= 10;
	}
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

/* 10^0 .. 10^19: 10^19 is the last power below 2^64. */
static const uint64_t xr__pow10[20] = {
	UINT64_C(1), UINT64_C(10), UINT64_C(100), UINT64_C(1000), UINT64_C(10000),
	UINT64_C(100000), UINT64_C(1000000), UINT64_C(10000000),
	UINT64_C(100000000), UINT64_C(1000000000), UINT64_C(10000000000),
	UINT64_C(100000000000), UINT64_C(1000000000000), UINT64_C(10000000000000),
	UINT64_C(100000000000000), UINT64_C(1000000000000000),
	UINT64_C(10000000000000000), UINT64_C(100000000000000000),
	UINT64_C(1000000000000000000), UINT64_C(10000000000000000000),
};

/* "00" .. "99": one lookup and one 2-byte store per pair of digits, half
 * the divisions of a digit-at-a-time loop. */
static const char xr__pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Decimal digits of @p v, 1..20. With u = v | 1 (which never crosses a
 * power of ten, and counts 0 as one digit), t = bit length x log10(2),
 * as 1233 / 4096, is the digit count or one less, and one compare with
 * 10^t settles it (Hacker's Delight, 2nd ed., 11-4, integer log 10). */
static inline int
xr__ndigits(uint64_t v)
{
	uint64_t u = v | 1;
	int t = ((64 - __builtin_clzll(u)) * 1233) >> 12;
	return t + (u >= xr__pow10[t]);
}

/* Write the low @p n decimal digits of @p v (v < 10^n), zero-padded,
 * ending just before @p end. Below 2^32 the pairs are cut with 32-bit
 * arithmetic, whose reciprocal multiply is shorter. */
static inline void
xr__digits(char *end, uint64_t v, int n)
{
	while (v > UINT32_MAX && n >= 2) {
		unsigned d = (unsigned)(v % 100);
		v /= 100;
		end -= 2;
		memcpy(end, &xr__pairs[2 * d], 2);
		n -= 2;
	}
	uint32_t w = (uint32_t)v;
	for (; n >= 2; n -= 2) {
		uint32_t d = w % 100;
		w /= 100;
		end -= 2;
		memcpy(end, &xr__pairs[2 * d], 2);
	}
	if (n != 0)
		end[-1] = (char)('0' + w % 10);
}

int
xr_u64_format(char *buf, uint64_t v)
{
	int n = xr__ndigits(v);
	xr__digits(buf + n, v, n);
	return n;
}

/*
 * The 8 digits of @p v < 10^8 as one 64-bit word, the first digit in its
 * lowest byte (the byte order of a little-endian store): four pairs from
 * the table, shifted into place in a register.
 */
static inline uint64_t
xr__digits8_word(uint32_t v)
{
	uint32_t hi = v / 10000, lo = v % 10000;
	uint16_t p[4];

	memcpy(&p[0], &xr__pairs[2 * (hi / 100)], 2);
	memcpy(&p[1], &xr__pairs[2 * (hi % 100)], 2);
	memcpy(&p[2], &xr__pairs[2 * (lo / 100)], 2);
	memcpy(&p[3], &xr__pairs[2 * (lo % 100)], 2);
	return (uint64_t)p[0] | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 32 |
	       (uint64_t)p[3] << 48;
}

/*
 * The @p w digits of @p v < 10^w, zero-padded, at @p dst, by whole chunks
 * of 8 built in registers and stored 8 bytes at a time: no loop whose
 * trip count (the number of digits) the branch predictor must guess, and
 * no store of small pieces reloaded as a wider one (which defeats store
 * forwarding). Writes 8 bytes for w <= 8, 16 for w <= 16 (bytes past the
 * digits undefined), exactly w above that.
 */
static inline void
xr__digits_wide(char *dst, uint64_t v, int w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (w <= 8) {
		/* Drop the 8 - w leading zeros: they are the low bytes. */
		uint64_t d = xr__digits8_word((uint32_t)v) >> (8 * (8 - w));
		memcpy(dst, &d, 8);
		return;
	}
	if (w <= 16) {
		uint64_t hi = xr__digits8_word((uint32_t)(v / UINT64_C(100000000))) >>
			      (8 * (16 - w));
		uint64_t lo = xr__digits8_word((uint32_t)(v % UINT64_C(100000000)));
		memcpy(dst, &hi, 8);
		memcpy(dst + w - 8, &lo, 8);
		return;
	}
#endif
	xr__digits(dst + w, v, w);
}

int
xr_u64_format_wide(char *buf, uint64_t v)
{
	int n = xr__ndigits(v);
	xr__digits_wide(buf, v, n);
	return n;
}

int
xr_fixed_format(char *buf, int64_t v, int decimals)
{
	int len = 0;
	/* Magnitude as unsigned so INT64_MIN formats correctly. */
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	/* As xr_fixed_parse: outside 0..18 the caller's 24 bytes would
	 * overflow, and a negative count would index before the table. */
	assert(decimals >= 0 && decimals <= 18);
	/* Quantities and prices (XR_QTY_SCALE, XR_PX_SCALE) have 8 decimals:
	 * a division by the constant 10^8 is a multiply, by a variable power
	 * a 64-bit `div` of tens of cycles. */
	uint64_t ip, fp;
	if (decimals == 8) {
		ip = m / UINT64_C(100000000);
		fp = m % UINT64_C(100000000);
	} else {
		ip = m / xr__pow10[decimals];
		fp = m % xr__pow10[decimals];
	}
	if (v < 0)
		buf[len++] = '-';
	len += xr_u64_format(buf + len, ip);
	if (fp != 0) {
		/* Trim trailing fractional zeros, four, then two, then one at a
		 * time; fp != 0 bounds every loop. */
		int w = decimals;
		while (fp % 10000 == 0) {
			fp /= 10000;
			w -= 4;
		}
		while (fp % 100 == 0) {
			fp /= 100;
			w -= 2;
		}
		if (fp % 10 == 0) {
			fp /= 10;
			w -= 1;
		}
		buf[len++] = '.';
		xr__digits(buf + len + w, fp, w);
		len += w;
	}
	buf[len] = '\0';
	return len;
}
