/*
 * xr_hist: the cold half of the latency histogram (xr_hist.h has the layout
 * and the inline recorder): allocation, percentiles, merge, and the .hgrm
 * writer.
 *
 * DESIGN
 *   Percentiles walk the counters once, integer-only (a 128-bit product for
 *   the rank, so no count can overflow it).
 *
 *   xr_hist_write_hgrm() reproduces HdrHistogram 2.1.x (Java):
 *   AbstractHistogram.outputPercentileDistribution() driving a
 *   PercentileIterator with 5 ticks per half distance, which we transcribe
 *   step by step (xr__hgrm_rows), and Java's getMean()/getStdDeviation(),
 *   which use each bucket's median equivalent value. Two details make the
 *   text byte-identical to Java's for the same counts:
 *     - the tick size uses (long)(Math.log(100 / (100 - level)) /
 *       Math.log(2)), i.e. floor(log2(x)) for x >= 1; we take it from the
 *       binary exponent (frexp), which agrees at the exact powers of two the
 *       iteration lands on and needs no libm;
 *     - java.util.Formatter's %f rounds the shortest decimal representation
 *       of the double half-up (FormattedFloatingDecimal), where C's printf
 *       rounds the exact binary value half-even: 1.0005 is "1.001" in Java
 *       and "1.000" in C. xr__fmt_java_f() does it Java's way.
 *   The standard deviation needs a square root; xr__sqrt() computes the
 *   correctly rounded one (as Java's Math.sqrt) with 128-bit integers, so
 *   xr_base does not depend on libm.
 */
#include "xr_hist.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef unsigned __int128 xr__u128;

/* ppm of the whole distribution. */
#define XR__PPM_ONE UINT64_C(1000000)

struct xr_hist *
xr_hist_create(void)
{
	struct xr_hist *h = calloc(1, sizeof(*h));

	if (h == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	h->min = UINT64_MAX;
	return h;
}

void
xr_hist_destroy(struct xr_hist *h)
{
	free(h);
}

void
xr_hist_reset(struct xr_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

/* Bucket geometry of counter @p i, HdrHistogram's names. */
static uint64_t
xr__hist_lowest(uint32_t i)
{
	if (i < XR_HIST_SUB_COUNT)
		return i;
	uint32_t shift = (i >> (XR_HIST_SUB_BITS - 1)) - 1;
	uint64_t sub = (i & (XR_HIST_SUB_HALF - 1)) + XR_HIST_SUB_HALF;
	return sub << shift;
}

static uint64_t
xr__hist_width(uint32_t i)
{
	if (i < XR_HIST_SUB_COUNT)
		return 1;
	return UINT64_C(1) << ((i >> (XR_HIST_SUB_BITS - 1)) - 1);
}

static uint64_t
xr__hist_highest(uint32_t i)
{
	return xr__hist_lowest(i) + xr__hist_width(i) - 1;
}

static uint64_t
xr__hist_median(uint32_t i)
{
	return xr__hist_lowest(i) + (xr__hist_width(i) >> 1);
}

uint64_t
xr_hist_value_at_ppm(const struct xr_hist *h, uint32_t ppm)
{
	if (h->count == 0)
		return 0;
	if (ppm > XR__PPM_ONE)
		ppm = (uint32_t)XR__PPM_ONE;
	/* rank = ceil(ppm * count / 10^6) >= 1; the product fits in 84 bits. */
	xr__u128 num = (xr__u128)ppm * h->count + (XR__PPM_ONE - 1);
	uint64_t rank = (uint64_t)(num / XR__PPM_ONE);
	if (rank == 0)
		rank = 1;

	uint64_t cum = 0;
	for (uint32_t i = 0; i < XR_HIST_COUNTS; i++) {
		cum += h->counts[i];
		if (cum >= rank) {
			uint64_t v = xr__hist_highest(i);
			return v < h->max ? v : h->max;
		}
	}
	/* Unreachable while count == sum of counts (only via merge misuse). */
	return h->max;
}

uint64_t
xr_hist_mean(const struct xr_hist *h)
{
	return h->count == 0 ? 0 : h->sum / h->count;
}

void
xr_hist_merge(struct xr_hist *dst, const struct xr_hist *src)
{
	for (uint32_t i = 0; i < XR_HIST_COUNTS; i++)
		dst->counts[i] += src->counts[i];
	dst->count += src->count;
	dst->sum += src->sum;
	dst->clamped += src->clamped;
	dst->min = src->min < dst->min ? src->min : dst->min;
	dst->max = src->max > dst->max ? src->max : dst->max;
}

/* ---- .hgrm output ------------------------------------------------------ */

/*
 * Correctly rounded square root of @p x (finite, >= 0): x = m * 2^ex with
 * m a 53-bit integer and ex even; the integer square root of m * 2^64 has
 * 58..59 bits, rounded to 53 half-even with the remainder as sticky bit.
 */
static double
xr__sqrt(double x)
{
	if (!(x > 0.0) || x > 1.7976931348623157e308)
		return x; /* 0, NaN, +inf: as sqrt(); negatives do not occur */

	int e;
	double f = frexp(x, &e); /* x = f * 2^e, 0.5 <= f < 1 */
	uint64_t m = (uint64_t)ldexp(f, 53);
	int ex = e - 53;
	if (ex & 1) {
		m <<= 1;
		ex -= 1;
	}
	xr__u128 rem = (xr__u128)m << 64, res = 0;
	xr__u128 bit = (xr__u128)1 << 126;
	while (bit > rem)
		bit >>= 2;
	while (bit != 0) {
		if (rem >= res + bit) {
			rem -= res + bit;
			res = (res >> 1) + bit;
		} else {
			res >>= 1;
		}
		bit >>= 2;
	}
	/* sqrt(x) = (res + frac) * 2^(ex/2 - 32); res < 2^60. */
	uint64_t r = (uint64_t)res;
	int bits = 64 - __builtin_clzll(r);
	int drop = bits - 53;
	uint64_t q = r >> drop;
	uint64_t rest = r & ((UINT64_C(1) << drop) - 1);
	uint64_t half = UINT64_C(1) << (drop - 1);
	if (rest > half || (rest == half && (rem != 0 || (q & 1))))
		q++;
	return ldexp((double)q, ex / 2 - 32 + drop);
}

/*
 * floor(log2(x)) for x >= 1, what Java's (long)(Math.log(x) / Math.log(2))
 * gives on the exact powers of two and the 2^k / 0.9 .. 0.6 ratios that
 * the percentile iteration produces.
 */
static int
xr__floor_log2(double x)
{
	int e;
	(void)frexp(x, &e);
	return e - 1;
}

/*
 * Format @p x like java.util.Formatter "%<width>.<prec>f" (Locale.US):
 * the shortest decimal that reads back as x, rounded half-up at prec
 * fractional digits, right-aligned in width. @p buf holds cap bytes.
 * @return characters written, as snprintf.
 */
static int
xr__fmt_java_f(char *buf, size_t cap, double x, int width, int prec)
{
	char sci[40], digits[24];
	int p, n = 0, exp10;
	bool neg = signbit(x) != 0;

	if (!isfinite(x))
		return snprintf(buf, cap, "%*s", width, isnan(x) ? "NaN" : neg ? "-Infinity" : "Infinity");
	if (neg)
		x = -x;
	/* Shortest round-tripping significand, as Double.toString's digits. */
	for (p = 0; p < 17; p++) {
		snprintf(sci, sizeof(sci), "%.*e", p, x);
		if (strtod(sci, NULL) == x)
			break;
	}
	const char *s = sci;
	for (; *s != 'e'; s++)
		if (*s >= '0' && *s <= '9')
			digits[n++] = *s;
	exp10 = atoi(s + 1); /* x = d.ddd * 10^exp10 */
	while (n > 1 && digits[n - 1] == '0')
		n--;

	/* Keep the digits down to 10^-prec; round half-up on the next one. */
	int keep = exp10 + prec + 1;
	if (keep < 0) {
		n = 1;
		digits[0] = '0';
		exp10 = 0;
	} else if (keep < n) {
		bool up = digits[keep] >= '5';
		n = keep;
		for (int i = n - 1; up && i >= 0; i--) {
			if (digits[i] == '9') {
				digits[i] = '0';
			} else {
				digits[i]++;
				up = false;
			}
		}
		if (up) { /* carry out of the top digit (or keep == 0) */
			memmove(digits + 1, digits, (size_t)n);
			digits[0] = '1';
			n++;
			exp10++;
		}
		if (n == 0) { /* keep == 0 and rounded down */
			n = 1;
			digits[0] = '0';
			exp10 = 0;
		}
	}

	/* Lay out as fixed point: integer digits, '.', prec fractional. */
	char fixed[400];
	int len = 0;
	if (neg)
		fixed[len++] = '-';
	if (exp10 < 0) {
		fixed[len++] = '0';
	} else {
		for (int i = 0; i <= exp10; i++)
			fixed[len++] = i < n ? digits[i] : '0';
	}
	if (prec > 0) {
		fixed[len++] = '.';
		for (int k = 1; k <= prec; k++) {
			int i = exp10 + k; /* digit index of 10^-k */
			fixed[len++] = i >= 0 && i < n ? digits[i] : '0';
		}
	}
	fixed[len] = '\0';
	return snprintf(buf, cap, "%*s", width, fixed);
}

/* The writer's stream and its first failure (-errno), after which it stops. */
struct xr__hgrm_out {
	FILE *f;
	int err;
};

static void
xr__hgrm_puts(struct xr__hgrm_out *o, const char *s)
{
	if (o->err != 0)
		return;
	errno = 0;
	if (fputs(s, o->f) == EOF)
		o->err = errno != 0 ? -errno : -EIO;
}

/* value %12.3f, percentile %2.12f, count %10d [, 1/(1-p) %14.2f] */
static void
xr__hgrm_row(struct xr__hgrm_out *o, double value, double pct, uint64_t total, bool last)
{
	char v[400], q[400], inv[400], line[1300];

	xr__fmt_java_f(v, sizeof(v), value, 12, 3);
	xr__fmt_java_f(q, sizeof(q), pct / 100.0, 2, 12);
	if (last) {
		snprintf(line, sizeof(line), "%s %s %10llu\n", v, q, (unsigned long long)total);
	} else {
		xr__fmt_java_f(inv, sizeof(inv), 1 / (1.0 - (pct / 100.0)), 14, 2);
		snprintf(line, sizeof(line), "%s %s %10llu %s\n", v, q, (unsigned long long)total, inv);
	}
	xr__hgrm_puts(o, line);
}

/*
 * PercentileIterator(5) over the counters, as Java runs it: a row each time
 * the cumulative percentile reaches the next tick (a bucket may give several
 * rows), the tick advancing by 100 / (5 * 2^(floor(log2(100 / (100 -
 * level))) + 1)), then one extra row at exactly 100% once every sample has
 * been counted.
 */
static void
xr__hgrm_rows(struct xr__hgrm_out *o, const struct xr_hist *h, double unit_ns)
{
	const uint64_t total = h->count;
	const int ticks_per_half = 5;
	double level = 0.0;
	uint64_t cum = 0;
	uint32_t idx = 0;
	bool fresh = true, last = false;

	if (total == 0)
		return;
	for (;;) {
		/* hasNext(): more to count, else one last step to 100%. */
		if (cum >= total) {
			if (last)
				return;
			level = 100.0;
			last = true;
		}
		/* next(): advance until the tick is reached. */
		for (;;) {
			if (idx >= XR_HIST_COUNTS)
				return; /* Java throws here; only if counts disagree */
			uint64_t c = h->counts[idx];
			if (fresh) {
				cum += c;
				fresh = false;
			}
			if (c != 0 && (100.0 * (double)cum) / (double)total >= level)
				break;
			idx++;
			fresh = true;
		}
		xr__hgrm_row(o, (double)xr__hist_highest(idx) / unit_ns, level, cum, level == 100.0);
		if (last)
			return;
		/* incrementIterationLevel() */
		if (level >= 100.0) {
			/* Reached 100% before the last sample (> 2^53 samples, float
			 * rounding): no further tick; Java's would be infinite too. */
			level = HUGE_VAL;
			continue;
		}
		int k = xr__floor_log2(100.0 / (100.0 - level)) + 1;
		if (k > 60)
			k = 60; /* Java's long arithmetic overflows beyond; unreachable */
		int64_t ticks = ticks_per_half * (INT64_C(1) << k);
		level += 100.0 / (double)ticks;
	}
}

int
xr_hist_write_hgrm(const struct xr_hist *h, FILE *out, double unit_ns)
{
	struct xr__hgrm_out o = {.f = out, .err = 0};
	char a[400], b[400], line[900];

	if (!(unit_ns > 0.0) || !isfinite(unit_ns))
		return -EINVAL;

	snprintf(line, sizeof(line), "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount",
		 "1/(1-Percentile)");
	xr__hgrm_puts(&o, line);
	xr__hgrm_rows(&o, h, unit_ns);

	/* getMean() / getStdDeviation(): median equivalent value per bucket. */
	double mean = 0.0, dev_total = 0.0;
	if (h->count != 0) {
		double total_value = 0.0;
		for (uint32_t i = 0; i < XR_HIST_COUNTS; i++)
			if (h->counts[i] != 0)
				total_value += (double)xr__hist_median(i) * (double)h->counts[i];
		mean = (total_value * 1.0) / (double)h->count;
		for (uint32_t i = 0; i < XR_HIST_COUNTS; i++) {
			if (h->counts[i] != 0) {
				double dev = ((double)xr__hist_median(i) * 1.0) - mean;
				dev_total += (dev * dev) * (double)h->counts[i];
			}
		}
	}
	double stddev = h->count != 0 ? xr__sqrt(dev_total / (double)h->count) : 0.0;
	xr__fmt_java_f(a, sizeof(a), mean / unit_ns, 12, 3);
	xr__fmt_java_f(b, sizeof(b), stddev / unit_ns, 12, 3);
	snprintf(line, sizeof(line), "#[Mean    = %s, StdDeviation   = %s]\n", a, b);
	xr__hgrm_puts(&o, line);

	/* getMaxValue(): the highest value equivalent to max, 0 if max is 0. */
	uint64_t max = h->max == 0 ? 0 : xr__hist_highest(xr__hist_index(h->max));
	xr__fmt_java_f(a, sizeof(a), (double)max / unit_ns, 12, 3);
	snprintf(line, sizeof(line), "#[Max     = %s, Total count    = %12llu]\n", a,
		 (unsigned long long)h->count);
	xr__hgrm_puts(&o, line);
	snprintf(line, sizeof(line), "#[Buckets = %12d, SubBuckets     = %12d]\n", XR_HIST_BUCKETS,
		 (int)XR_HIST_SUB_COUNT);
	xr__hgrm_puts(&o, line);

	errno = 0;
	if (fflush(out) == EOF && o.err == 0)
		o.err = errno != 0 ? -errno : -EIO;
	if (o.err == 0 && ferror(out))
		o.err = -EIO;
	return o.err;
}
