/*
 * xr_hist: a latency histogram of our own, laid out like HdrHistogram with
 * 3 significant digits, so that recording is a handful of instructions on the
 * aggregator's hot path and the result can be written in HdrHistogram's
 * percentile-distribution (.hgrm) text format at the end of a run.
 *
 * DESIGN
 *   Values are nanoseconds (uint64_t). Buckets are log-linear with 11
 *   sub-bucket bits (HdrHistogram's subBucketCount = 2048, unit 1 ns):
 *     v <  2048:  index = v                      (exact, width 1 ns)
 *     v >= 2048:  m = msb(v) >= 11, shift = m - 10,
 *                 index = (shift << 10) + (v >> shift)
 *   so a bucket at shift s is 2^s ns wide and starts at >= 1024 * 2^s: any
 *   value is known to within 1/1024 of itself (relative), 0 ns below 2048.
 *   Both cases are one formula, shift = 53 - clz(v | 2047), with no branch.
 *   Values up to XR_HIST_MAX_NS = 2^40 - 1 ns (about 18.3 minutes) are
 *   tracked: 30 HdrHistogram buckets, XR_HIST_COUNTS = 31744 counters
 *   (248 KiB). A larger value is recorded as XR_HIST_MAX_NS and counted in
 *   `clamped`, so every statistic stays consistent with the counters.
 *
 * GUARANTEES
 *   Recording is O(1), allocation-free, division-free and wait-free; the
 *   only branches are the clamp and min/max (which compile to cmov).
 *   A histogram is owned by one thread at a time: nothing here is atomic.
 *   Percentiles are integer-only; the .hgrm writer uses floating point
 *   (reporting only) and follows HdrHistogram 2.1.x's Java code line by line
 *   (AbstractHistogram.outputPercentileDistribution, PercentileIterator).
 *   docs/histograms.md describes the format and how to plot it.
 */
#ifndef XR_HIST_H
#define XR_HIST_H

#include <stdint.h>
#include <stdio.h>

/** Sub-bucket bits: values below 2^11 ns have a bucket each. */
#define XR_HIST_SUB_BITS 11
/** Sub-buckets per bucket (HdrHistogram subBucketCount). */
#define XR_HIST_SUB_COUNT (1u << XR_HIST_SUB_BITS)
/** Half of it: the counters added by each further bucket. */
#define XR_HIST_SUB_HALF (XR_HIST_SUB_COUNT / 2)
/** Highest value tracked, ns (2^40 - 1, about 18.3 minutes); above: clamped. */
#define XR_HIST_MAX_NS ((UINT64_C(1) << 40) - 1)
/** HdrHistogram bucketCount for XR_HIST_MAX_NS at 3 significant digits. */
#define XR_HIST_BUCKETS 30
/** Number of bucket counters: (buckets + 1) * sub-buckets / 2 = 31744. */
#define XR_HIST_COUNTS ((XR_HIST_BUCKETS + 1) * XR_HIST_SUB_HALF)

/**
 * A latency histogram. The fields are public so that xr_hist_record() can
 * be inline; read them, but change them only through the functions here.
 * All values are ns; all counters are samples.
 */
struct xr_hist {
	uint64_t count;	  /* samples recorded */
	uint64_t min;	  /* smallest (clamped) sample; UINT64_MAX while empty */
	uint64_t max;	  /* largest (clamped) sample; 0 while empty */
	uint64_t sum;	  /* sum of (clamped) samples, wraps after 2^64 ns */
	uint64_t clamped; /* samples above XR_HIST_MAX_NS, recorded as it */
	uint64_t counts[XR_HIST_COUNTS]; /* samples per bucket, see layout */
};

/**
 * Bucket index of @p v_ns (0..XR_HIST_COUNTS-1 for v_ns <= XR_HIST_MAX_NS).
 * Internal helper of xr_hist_record(); exposed only because it is inline.
 * Thread: any. Pure.
 */
static inline uint32_t
xr__hist_index(uint64_t v_ns)
{
	/* msb(v | 2047) - 10: 0 below 2048, else msb(v) - 10 (see DESIGN). */
	uint32_t shift = 53u - (uint32_t)__builtin_clzll(v_ns | (XR_HIST_SUB_COUNT - 1));
	return (shift << (XR_HIST_SUB_BITS - 1)) + (uint32_t)(v_ns >> shift);
}

/**
 * Allocate an empty histogram (counters zero, min UINT64_MAX).
 *
 * @return the histogram, or NULL with errno = ENOMEM.
 * Thread: any (control path; allocates about 248 KiB).
 */
struct xr_hist *xr_hist_create(void);

/**
 * Free @p h (NULL is ignored).
 * Thread: the owner of @p h; nothing may use it afterwards.
 */
void xr_hist_destroy(struct xr_hist *h);

/**
 * Empty @p h, as if just created.
 * Thread: the owner of @p h. Progress: O(XR_HIST_COUNTS), no allocation.
 */
void xr_hist_reset(struct xr_hist *h);

/**
 * Record one sample of @p v_ns nanoseconds. A value above XR_HIST_MAX_NS is
 * recorded as XR_HIST_MAX_NS (in the counters, min, max and sum alike) and
 * counted in h->clamped.
 *
 * @param h     histogram; not NULL.
 * @param v_ns  sample, ns.
 *
 * Thread: the single owner of @p h (the aggregator); not atomic.
 * Progress: wait-free, O(1); no allocation, no division, no syscalls.
 */
static inline void
xr_hist_record(struct xr_hist *h, uint64_t v_ns)
{
	uint64_t over = v_ns > XR_HIST_MAX_NS;

	h->clamped += over;
	v_ns = over ? XR_HIST_MAX_NS : v_ns;
	h->counts[xr__hist_index(v_ns)]++;
	h->count++;
	h->sum += v_ns;
	h->min = v_ns < h->min ? v_ns : h->min;
	h->max = v_ns > h->max ? v_ns : h->max;
}

/**
 * Value at a percentile given in parts per million: the highest value
 * equivalent to (in the same bucket as) the rank-th smallest sample, where
 * rank = ceil(ppm * count / 10^6), at least 1; capped at h->max. So
 * ppm 1000000 (p100) returns exactly h->max, and any result is within 1/1024
 * (relative) above the true sample, exact below 2048 ns. Same rule as
 * HdrHistogram's getValueAtPercentile, but integer-only.
 *
 * @param h    histogram; not NULL.
 * @param ppm  0..1000000 (p50 = 500000, p99.9 = 999000); larger is 1000000.
 * @return     ns; 0 if @p h is empty.
 *
 * Thread: the owner of @p h, or any thread once the owner has stopped
 * recording. Progress: O(XR_HIST_COUNTS), no allocation, no floating point.
 */
uint64_t xr_hist_value_at_ppm(const struct xr_hist *h, uint32_t ppm);

/**
 * Exact mean of the (clamped) samples, sum / count, truncated to whole ns.
 *
 * @return ns; 0 if @p h is empty.
 * Thread: as xr_hist_value_at_ppm(). O(1).
 */
uint64_t xr_hist_mean(const struct xr_hist *h);

/**
 * Add every sample of @p src to @p dst (counters, count, sum, clamped,
 * min, max), as if each had been recorded into @p dst. @p src is unchanged;
 * dst == src doubles every count.
 *
 * Thread: the owner of @p dst; @p src must not be recorded into meanwhile.
 * Progress: O(XR_HIST_COUNTS), no allocation.
 */
void xr_hist_merge(struct xr_hist *dst, const struct xr_hist *src);

/**
 * Write @p h in HdrHistogram's percentile-distribution text format, exactly
 * as HdrHistogram (Java, 2.1.x) Histogram.outputPercentileDistribution(out,
 * 5, unit_ns) prints the same counts: header, one row per percentile tick
 * (5 ticks per half distance to 100%) with the bucket's highest equivalent
 * value / unit_ns (%12.3f), the percentile as a fraction (%2.12f), the
 * cumulative count and 1/(1-percentile) (omitted on the final 100% row),
 * then the #[Mean, StdDeviation], #[Max, Total count] and #[Buckets,
 * SubBuckets] footer. As in Java, Mean and StdDeviation are computed from
 * each bucket's median equivalent value and Max is the highest value
 * equivalent to h->max; numbers are rounded half-up like java.util.Formatter.
 * An empty histogram gives the header and the footer only.
 *
 * @param h        histogram; not NULL.
 * @param out      stream open for writing; flushed before returning.
 * @param unit_ns  ns per output unit, > 0 (1000.0 -> microseconds,
 *                 1e6 -> milliseconds, 1.0 -> ns).
 * @return 0; -EINVAL if @p unit_ns is not a positive finite number (nothing
 *         written); -errno (-EIO if errno was not set) if a write or the
 *         flush failed.
 *
 * Thread: as xr_hist_value_at_ppm(). Control path: uses stdio and libm.
 */
int xr_hist_write_hgrm(const struct xr_hist *h, FILE *out, double unit_ns);

#endif /* XR_HIST_H */
