/*
 * Unit tests of base/hist.c and the inline recorder in xr_hist.h: the
 * bucket layout (exact below 2048 ns, within 1/1024 above), percentiles
 * against a sorted-array reference on uniform and heavy-tailed data,
 * clamping, merge, and the .hgrm text, checked both by parsing it back and
 * byte for byte against HdrHistogram 2.1.11 (Java) for a fixed data set.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xr_hist.h"

/* splitmix64: deterministic data, no libc rand state. */
static uint64_t
next_u64(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Heavy-tailed (power-law) latency: 1..1000 ns scaled by 2^geometric. */
static uint64_t
heavy_tail_ns(uint64_t *s)
{
	uint64_t base = next_u64(s) % 1000 + 1;
	int e = __builtin_ctzll(next_u64(s) | (UINT64_C(1) << 28));
	uint64_t v = base << e;
	return v + (next_u64(s) & ((UINT64_C(1) << e) - 1));
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static struct xr_hist *
new_hist(void)
{
	struct xr_hist *h = xr_hist_create();
	cr_assert_not_null(h);
	return h;
}

/* Index of the single non-zero counter of a one-sample histogram. */
static uint32_t
only_bucket(const struct xr_hist *h)
{
	uint32_t found = UINT32_MAX;
	for (uint32_t i = 0; i < XR_HIST_COUNTS; i++) {
		if (h->counts[i] != 0) {
			cr_assert_eq(found, UINT32_MAX, "two buckets used");
			found = i;
		}
	}
	cr_assert_neq(found, UINT32_MAX, "no bucket used");
	return found;
}

/* Layout formula of the brief, written independently of xr__hist_index. */
static uint32_t
expected_index(uint64_t v)
{
	if (v < 2048)
		return (uint32_t)v;
	int m = 63 - __builtin_clzll(v);
	int shift = m - 10;
	return (uint32_t)(((uint64_t)shift << 10) + (v >> shift));
}

/* Top of v's bucket, via the API: p50 of {v, a value in a higher bucket}. */
static uint64_t
bucket_top(uint64_t v)
{
	struct xr_hist *h = new_hist();
	xr_hist_record(h, v);
	xr_hist_record(h, XR_HIST_MAX_NS);
	uint64_t top = xr_hist_value_at_ppm(h, 500000);
	xr_hist_destroy(h);
	return top;
}

Test(hist, create_is_empty)
{
	struct xr_hist *h = new_hist();

	cr_assert_eq(h->count, 0);
	cr_assert_eq(h->min, UINT64_MAX);
	cr_assert_eq(h->max, 0);
	cr_assert_eq(h->sum, 0);
	cr_assert_eq(h->clamped, 0);
	for (uint32_t i = 0; i < XR_HIST_COUNTS; i++)
		cr_assert_eq(h->counts[i], 0);
	xr_hist_destroy(h);
	xr_hist_destroy(NULL);
}

Test(hist, layout_constants_match_hdrhistogram)
{
	/* 3 significant digits: subBucketCount 2048; 2^40-1 needs 30 buckets. */
	cr_assert_eq(XR_HIST_SUB_COUNT, 2048);
	cr_assert_eq(XR_HIST_COUNTS, 31744);
	cr_assert_eq(xr__hist_index(XR_HIST_MAX_NS), XR_HIST_COUNTS - 1);
	cr_assert_eq(sizeof(((struct xr_hist *)0)->counts) / sizeof(uint64_t), XR_HIST_COUNTS);
}

Test(hist, values_below_2048_are_exact)
{
	struct xr_hist *h = new_hist();

	for (uint64_t v = 0; v < 2048; v++) {
		xr_hist_reset(h);
		xr_hist_record(h, v);
		cr_assert_eq(only_bucket(h), v, "value %" PRIu64, v);
		cr_assert_eq(xr_hist_value_at_ppm(h, 500000), v);
		if (v < 2047)
			cr_assert_eq(bucket_top(v), v, "bucket of %" PRIu64 " is wider than 1", v);
	}
	xr_hist_destroy(h);
}

Test(hist, bucket_boundaries)
{
	static const struct {
		uint64_t v;
		uint32_t index;
	} cases[] = {
		{2047, 2047},
		{2048, 2048},		  /* shift 1: (1 << 10) + 1024 */
		{2049, 2048},		  /* same 2 ns wide bucket */
		{2050, 2049},
		{4095, 3071},		  /* (1 << 10) + 2047 */
		{4096, 3072},		  /* shift 2: (2 << 10) + 1024 */
		{4099, 3072},
		{4100, 3073},
		{UINT64_C(1) << 39, 30720}, /* shift 29: (29 << 10) + 1024 */
		{XR_HIST_MAX_NS, 31743},
	};
	struct xr_hist *h = new_hist();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		xr_hist_reset(h);
		xr_hist_record(h, cases[i].v);
		cr_assert_eq(only_bucket(h), cases[i].index, "value %" PRIu64, cases[i].v);
		cr_assert_eq(xr__hist_index(cases[i].v), cases[i].index);
	}
	/* Every power of two and its neighbours, against the formula. */
	for (int m = 11; m < 40; m++) {
		uint64_t p = UINT64_C(1) << m;
		cr_assert_eq(xr__hist_index(p - 1), expected_index(p - 1));
		cr_assert_eq(xr__hist_index(p), expected_index(p));
		cr_assert_eq(xr__hist_index(p + 1), expected_index(p + 1));
		/* The first bucket of each power starts a new run of 1024. */
		cr_assert_eq(xr__hist_index(p), (uint32_t)(m - 10) * 1024 + 1024);
	}
	xr_hist_destroy(h);
}

Test(hist, relative_error_at_most_1_in_1024)
{
	uint64_t s = 42;

	for (int i = 0; i < 20000; i++) {
		/* Spread over all magnitudes 2^11 .. 2^39. */
		int m = 11 + (int)(next_u64(&s) % 29);
		uint64_t v = (UINT64_C(1) << m) | (next_u64(&s) & ((UINT64_C(1) << m) - 1));
		uint64_t top = bucket_top(v);

		cr_assert_eq(xr__hist_index(v), expected_index(v));
		cr_assert_geq(top, v);
		cr_assert_leq((top - v) * 1024, v, "v %" PRIu64 " top %" PRIu64, v, top);
		/* top is the last value of v's bucket. */
		cr_assert_eq(xr__hist_index(top), xr__hist_index(v));
		cr_assert_eq(xr__hist_index(top + 1), xr__hist_index(v) + 1);
	}
}

Test(hist, indices_are_monotone_and_dense)
{
	/* Walking bucket tops visits every counter once, in value order. */
	uint64_t v = 0;
	for (uint32_t i = 0; i < XR_HIST_COUNTS; i++) {
		cr_assert_eq(xr__hist_index(v), i, "value %" PRIu64, v);
		uint64_t top = bucket_top(v);
		cr_assert_eq(xr__hist_index(top), i);
		v = top + 1;
	}
	cr_assert_eq(v, XR_HIST_MAX_NS + 1);
}

/* Check every interesting percentile of h against the sorted samples. */
static void
check_against_reference(const struct xr_hist *h, uint64_t *vals, size_t n)
{
	static const uint32_t ppms[] = {
		0, 1, 10, 100, 1000, 10000, 100000, 250000, 500000, 750000, 900000, 950000,
		990000, 999000, 999900, 999990, 999999, 1000000,
	};
	uint64_t s = 7;

	qsort(vals, n, sizeof(*vals), cmp_u64);
	cr_assert_eq(h->count, n);
	cr_assert_eq(h->min, vals[0]);
	cr_assert_eq(h->max, vals[n - 1]);
	for (size_t k = 0; k < sizeof(ppms) / sizeof(ppms[0]) + 200; k++) {
		uint32_t ppm = k < sizeof(ppms) / sizeof(ppms[0]) ? ppms[k]
								  : (uint32_t)(next_u64(&s) % 1000001);
		uint64_t rank = ((uint64_t)ppm * n + 999999) / 1000000;
		if (rank == 0)
			rank = 1;
		uint64_t ref = vals[rank - 1];
		uint64_t got = xr_hist_value_at_ppm(h, ppm);

		cr_assert_geq(got, ref, "ppm %u: got %" PRIu64 " < ref %" PRIu64, ppm, got, ref);
		cr_assert_leq(got, h->max);
		if (ref < 2048)
			cr_assert_eq(got, ref, "ppm %u: exact below 2048", ppm);
		else
			cr_assert_leq((got - ref) * 1024, ref, "ppm %u: got %" PRIu64 " ref %" PRIu64,
				      ppm, got, ref);
	}
	cr_assert_eq(xr_hist_value_at_ppm(h, 1000000), vals[n - 1], "p100 == max");
	cr_assert_eq(xr_hist_value_at_ppm(h, 4000000), vals[n - 1], "ppm above 10^6 is p100");
}

Test(hist, percentiles_match_sorted_reference_uniform)
{
	const size_t n = 200000;
	uint64_t *vals = malloc(n * sizeof(*vals));
	struct xr_hist *h = new_hist();
	uint64_t s = 1, sum = 0;

	cr_assert_not_null(vals);
	for (size_t i = 0; i < n; i++) {
		vals[i] = next_u64(&s) % 5000000; /* 0 .. 5 ms */
		sum += vals[i];
		xr_hist_record(h, vals[i]);
	}
	cr_assert_eq(h->sum, sum);
	cr_assert_eq(xr_hist_mean(h), sum / n);
	check_against_reference(h, vals, n);
	free(vals);
	xr_hist_destroy(h);
}

Test(hist, percentiles_match_sorted_reference_heavy_tail)
{
	const size_t n = 200000;
	uint64_t *vals = malloc(n * sizeof(*vals));
	struct xr_hist *h = new_hist();
	uint64_t s = 2;

	cr_assert_not_null(vals);
	for (size_t i = 0; i < n; i++) {
		vals[i] = heavy_tail_ns(&s);
		xr_hist_record(h, vals[i]);
	}
	check_against_reference(h, vals, n);
	free(vals);
	xr_hist_destroy(h);
}

Test(hist, percentiles_of_few_samples)
{
	uint64_t vals[] = {300, 100, 200, 400};
	struct xr_hist *h = new_hist();

	for (size_t i = 0; i < 4; i++)
		xr_hist_record(h, vals[i]);
	/* rank = ceil(ppm * 4 / 10^6), at least 1 */
	cr_assert_eq(xr_hist_value_at_ppm(h, 0), 100);
	cr_assert_eq(xr_hist_value_at_ppm(h, 250000), 100);
	cr_assert_eq(xr_hist_value_at_ppm(h, 250001), 200);
	cr_assert_eq(xr_hist_value_at_ppm(h, 500000), 200);
	cr_assert_eq(xr_hist_value_at_ppm(h, 750000), 300);
	cr_assert_eq(xr_hist_value_at_ppm(h, 999999), 400);
	cr_assert_eq(xr_hist_value_at_ppm(h, 1000000), 400);
	cr_assert_eq(xr_hist_mean(h), 250);
	xr_hist_destroy(h);
}

Test(hist, p100_is_max_even_mid_bucket)
{
	struct xr_hist *h = new_hist();

	/* 1000001 is inside a 1024 ns wide bucket; max caps the result. */
	xr_hist_record(h, 1000001);
	xr_hist_record(h, 5);
	cr_assert_eq(xr_hist_value_at_ppm(h, 1000000), 1000001);
	cr_assert_eq(xr_hist_value_at_ppm(h, 999999), 1000001);
	cr_assert_eq(xr_hist_value_at_ppm(h, 500000), 5);
	xr_hist_destroy(h);
}

Test(hist, empty_histogram)
{
	struct xr_hist *h = new_hist();

	cr_assert_eq(xr_hist_value_at_ppm(h, 0), 0);
	cr_assert_eq(xr_hist_value_at_ppm(h, 500000), 0);
	cr_assert_eq(xr_hist_value_at_ppm(h, 1000000), 0);
	cr_assert_eq(xr_hist_mean(h), 0);
	xr_hist_destroy(h);
}

Test(hist, mean_truncates)
{
	struct xr_hist *h = new_hist();

	xr_hist_record(h, 1);
	xr_hist_record(h, 2);
	cr_assert_eq(xr_hist_mean(h), 1);
	xr_hist_record(h, 1000000000000); /* above 2048: mean is exact, not bucketed */
	cr_assert_eq(xr_hist_mean(h), 1000000000003 / 3);
	xr_hist_destroy(h);
}

Test(hist, clamps_above_max)
{
	struct xr_hist *h = new_hist();

	xr_hist_record(h, XR_HIST_MAX_NS); /* the highest tracked value: not clamped */
	cr_assert_eq(h->clamped, 0);
	xr_hist_record(h, XR_HIST_MAX_NS + 1);
	xr_hist_record(h, UINT64_MAX);
	cr_assert_eq(h->clamped, 2);
	cr_assert_eq(h->count, 3);
	cr_assert_eq(h->max, XR_HIST_MAX_NS);
	cr_assert_eq(h->min, XR_HIST_MAX_NS);
	cr_assert_eq(h->sum, 3 * XR_HIST_MAX_NS);
	cr_assert_eq(h->counts[XR_HIST_COUNTS - 1], 3);
	cr_assert_eq(xr_hist_value_at_ppm(h, 1000000), XR_HIST_MAX_NS);
	cr_assert_eq(xr_hist_value_at_ppm(h, 0), XR_HIST_MAX_NS);
	xr_hist_destroy(h);
}

Test(hist, reset_empties)
{
	struct xr_hist *h = new_hist(), *fresh = new_hist();
	uint64_t s = 3;

	for (int i = 0; i < 1000; i++)
		xr_hist_record(h, heavy_tail_ns(&s));
	xr_hist_record(h, UINT64_MAX);
	xr_hist_reset(h);
	cr_assert_eq(memcmp(h, fresh, sizeof(*h)), 0);
	xr_hist_destroy(h);
	xr_hist_destroy(fresh);
}

Test(hist, merge_equals_recording_both)
{
	struct xr_hist *a = new_hist(), *b = new_hist(), *both = new_hist();
	struct xr_hist *empty = new_hist(), *into_empty = new_hist();
	uint64_t s = 4;

	for (int i = 0; i < 50000; i++) {
		uint64_t v = heavy_tail_ns(&s);
		xr_hist_record(a, v);
		xr_hist_record(both, v);
	}
	for (int i = 0; i < 30000; i++) {
		uint64_t v = next_u64(&s) % 100000 + 7;
		xr_hist_record(b, v);
		xr_hist_record(both, v);
	}
	xr_hist_record(b, UINT64_MAX); /* clamped counts merge too */
	xr_hist_record(both, UINT64_MAX);

	xr_hist_merge(into_empty, a); /* empty dst: min comes from src */
	cr_assert_eq(memcmp(into_empty, a, sizeof(*a)), 0);

	xr_hist_merge(a, b);
	cr_assert_eq(memcmp(a, both, sizeof(*a)), 0);
	cr_assert_eq(a->clamped, 1);

	xr_hist_merge(a, empty); /* empty src changes nothing */
	cr_assert_eq(memcmp(a, both, sizeof(*a)), 0);
	cr_assert_eq(xr_hist_value_at_ppm(a, 999000), xr_hist_value_at_ppm(both, 999000));

	xr_hist_destroy(a);
	xr_hist_destroy(b);
	xr_hist_destroy(both);
	xr_hist_destroy(empty);
	xr_hist_destroy(into_empty);
}

/* ---- .hgrm ------------------------------------------------------------- */

/* Whole content of @p f from its start, NUL-terminated (caller frees). */
static char *
slurp(FILE *f)
{
	long n;
	char *buf;

	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	cr_assert_geq(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	return buf;
}

static const char HGRM_HEADER[] = "       Value     Percentile TotalCount 1/(1-Percentile)\n";

struct parsed_hgrm {
	int rows;
	double mean, stddev, max;
	unsigned long long total;
	int buckets, sub_buckets;
};

/* Parse @p h's .hgrm output back, asserting the format as it goes. */
static struct parsed_hgrm
write_and_parse(const struct xr_hist *h, double unit_ns)
{
	struct parsed_hgrm p = {0};
	char line[512];
	double prev_value = -1.0, prev_pct = -1.0;
	unsigned long long prev_count = 0;
	bool saw_last = false;
	FILE *f = tmpfile();

	cr_assert_not_null(f);
	cr_assert_eq(xr_hist_write_hgrm(h, f, unit_ns), 0);
	rewind(f);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	cr_assert_str_eq(line, HGRM_HEADER);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	cr_assert_str_eq(line, "\n");

	while (fgets(line, sizeof(line), f) != NULL && strncmp(line, "#[", 2) != 0) {
		double value, pct, inv;
		unsigned long long count;
		char pct_text[32];
		int nf = sscanf(line, "%lf %31s %llu %lf", &value, pct_text, &count, &inv);

		cr_assert(!saw_last, "row after the 100%% row: %s", line);
		cr_assert(nf == 3 || nf == 4, "bad row: %s", line);
		pct = strtod(pct_text, NULL);
		cr_assert_eq(strlen(strchr(pct_text, '.') + 1), 12, "12 decimals: %s", line);
		cr_assert_geq(value, prev_value, "values monotone: %s", line);
		cr_assert_gt(pct, prev_pct, "percentiles increase: %s", line);
		cr_assert_geq(count, prev_count, "counts monotone: %s", line);
		cr_assert_leq(count, h->count);
		if (nf == 4) {
			cr_assert_lt(pct, 1.0);
			cr_assert_float_eq(inv, 1.0 / (1.0 - pct), 0.006 + inv * 1e-9, "%s", line);
		} else {
			cr_assert_str_eq(pct_text, "1.000000000000");
			cr_assert_eq(count, h->count, "final row holds the total count");
			saw_last = true;
		}
		if (p.rows == 0)
			cr_assert_str_eq(pct_text, "0.000000000000");
		prev_value = value;
		prev_pct = pct;
		prev_count = count;
		p.rows++;
	}
	cr_assert_eq(saw_last, h->count != 0, "final 100%% row iff not empty");
	cr_assert_eq(sscanf(line, "#[Mean    = %lf, StdDeviation   = %lf]\n", &p.mean, &p.stddev), 2,
		     "%s", line);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	cr_assert_eq(sscanf(line, "#[Max     = %lf, Total count    = %llu]\n", &p.max, &p.total), 2,
		     "%s", line);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	cr_assert_eq(sscanf(line, "#[Buckets = %d, SubBuckets     = %d]\n", &p.buckets, &p.sub_buckets),
		     2, "%s", line);
	cr_assert_null(fgets(line, sizeof(line), f), "nothing after the footer");
	fclose(f);
	return p;
}

Test(hist, hgrm_parses_back)
{
	struct xr_hist *h = new_hist();
	uint64_t s = 5;

	for (int i = 0; i < 100000; i++)
		xr_hist_record(h, heavy_tail_ns(&s));
	struct parsed_hgrm p = write_and_parse(h, 1000.0);

	cr_assert_gt(p.rows, 50);
	cr_assert_eq(p.total, h->count);
	cr_assert_eq(p.buckets, XR_HIST_BUCKETS);
	cr_assert_eq(p.sub_buckets, 2048);
	/* Max is the top of max's bucket, in us. */
	cr_assert_geq(p.max * 1000.0, (double)h->max - 0.5);
	cr_assert_leq(p.max * 1000.0, (double)h->max * (1.0 + 1.0 / 1024) + 0.5);
	/* Mean from bucket medians: within the bucket error of the exact one. */
	cr_assert_float_eq(p.mean * 1000.0, (double)xr_hist_mean(h), (double)xr_hist_mean(h) / 1024 + 1.0);
	cr_assert_gt(p.stddev, 0.0);
	xr_hist_destroy(h);
}

Test(hist, hgrm_rows_agree_with_value_at_ppm)
{
	struct xr_hist *h = new_hist();
	uint64_t s = 6;
	char line[512];
	int checked = 0;

	for (int i = 0; i < 100000; i++)
		xr_hist_record(h, next_u64(&s) % 3000000);
	FILE *f = tmpfile();
	cr_assert_not_null(f);
	cr_assert_eq(xr_hist_write_hgrm(h, f, 1.0), 0); /* unit ns: values are integers */
	rewind(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		double value, pct;
		if (sscanf(line, "%lf %lf", &value, &pct) != 2)
			continue;
		/* Rows whose percentile is a whole number of ppm. */
		double ppm = pct * 1e6;
		if (ppm > 1e6 || (double)(uint64_t)ppm != ppm)
			continue;
		uint64_t row = (uint64_t)value;
		uint64_t want = xr_hist_value_at_ppm(h, (uint32_t)ppm);
		cr_assert_eq(row < h->max ? row : h->max, want, "%s", line);
		checked++;
	}
	cr_assert_gt(checked, 20);
	fclose(f);
	xr_hist_destroy(h);
}

Test(hist, hgrm_empty_histogram)
{
	struct xr_hist *h = new_hist();
	FILE *f = tmpfile();

	cr_assert_not_null(f);
	cr_assert_eq(xr_hist_write_hgrm(h, f, 1000.0), 0);
	char *text = slurp(f);
	cr_assert_str_eq(text, "       Value     Percentile TotalCount 1/(1-Percentile)\n"
			       "\n"
			       "#[Mean    =        0.000, StdDeviation   =        0.000]\n"
			       "#[Max     =        0.000, Total count    =            0]\n"
			       "#[Buckets =           30, SubBuckets     =         2048]\n");
	free(text);
	fclose(f);
	xr_hist_destroy(h);
}

Test(hist, hgrm_single_value)
{
	struct xr_hist *h = new_hist();
	FILE *f = tmpfile();

	cr_assert_not_null(f);
	xr_hist_record(h, 1234);
	cr_assert_eq(xr_hist_write_hgrm(h, f, 1000.0), 0);
	char *text = slurp(f);
	/* As HdrHistogram 2.1.11 prints it: a 0% row, then the 100% row. */
	cr_assert_str_eq(text, "       Value     Percentile TotalCount 1/(1-Percentile)\n"
			       "\n"
			       "       1.234 0.000000000000          1           1.00\n"
			       "       1.234 1.000000000000          1\n"
			       "#[Mean    =        1.234, StdDeviation   =        0.000]\n"
			       "#[Max     =        1.234, Total count    =            1]\n"
			       "#[Buckets =           30, SubBuckets     =         2048]\n");
	free(text);
	fclose(f);
	xr_hist_destroy(h);
}

/*
 * Byte-for-byte against HdrHistogram 2.1.11 (Debian libhdrhistogram-java):
 * new Histogram((1L << 40) - 1, 3), the same values recorded,
 * outputPercentileDistribution(System.out, 5, 1000.0).
 */
static const char GOLDEN_JAVA[] =
	"       Value     Percentile TotalCount 1/(1-Percentile)\n"
	"\n"
	"       0.000 0.000000000000          2           1.00\n"
	"     563.199 0.100000000000         21           1.11\n"
	"    1414.143 0.200000000000         41           1.25\n"
	"    2392.063 0.300000000000         62           1.43\n"
	"    3459.071 0.400000000000         82           1.67\n"
	"    4325.375 0.500000000000        102           2.00\n"
	"    5197.823 0.550000000000        113           2.22\n"
	"    5599.231 0.600000000000        123           2.50\n"
	"    5902.335 0.650000000000        133           2.86\n"
	"    6619.135 0.700000000000        143           3.33\n"
	"    7311.359 0.750000000000        153           4.00\n"
	"    7614.463 0.775000000000        159           4.44\n"
	"    7811.071 0.800000000000        164           5.00\n"
	"    8097.791 0.825000000000        169           5.71\n"
	"    8220.671 0.850000000000        174           6.67\n"
	"    8577.023 0.875000000000        179           8.00\n"
	"    8806.399 0.887500000000        183           8.89\n"
	"    8863.743 0.900000000000        184          10.00\n"
	"    9019.391 0.912500000000        187          11.43\n"
	"    9191.423 0.925000000000        189          13.33\n"
	"    9437.183 0.937500000000        192          16.00\n"
	"    9469.951 0.943750000000        193          17.78\n"
	"    9682.943 0.950000000000        194          20.00\n"
	"    9748.479 0.956250000000        196          22.86\n"
	"    9764.863 0.962500000000        197          26.67\n"
	"    9805.823 0.968750000000        198          32.00\n"
	"    9814.015 0.971875000000        199          35.56\n"
	"    9814.015 0.975000000000        199          40.00\n"
	"    9895.935 0.978125000000        200          45.71\n"
	"    9928.703 0.981250000000        201          53.33\n"
	"    9928.703 0.984375000000        201          64.00\n"
	"    9945.087 0.985937500000        202          71.11\n"
	"    9945.087 0.987500000000        202          80.00\n"
	"    9945.087 0.989062500000        202          91.43\n"
	"    9977.855 0.990625000000        203         106.67\n"
	"    9977.855 0.992187500000        203         128.00\n"
	"    9977.855 0.992968750000        203         142.22\n"
	"    9977.855 0.993750000000        203         160.00\n"
	"    9977.855 0.994531250000        203         182.86\n"
	"34393292.799 0.995312500000        204         213.33\n"
	"34393292.799 1.000000000000        204\n"
	"#[Mean    =   173068.365, StdDeviation   =  2400613.254]\n"
	"#[Max     = 34393292.799, Total count    =          204]\n"
	"#[Buckets =           30, SubBuckets     =         2048]\n"
	;

Test(hist, hgrm_matches_hdrhistogram_java)
{
	struct xr_hist *h = new_hist();
	FILE *f = tmpfile();

	cr_assert_not_null(f);
	for (uint64_t i = 0; i < 200; i++)
		xr_hist_record(h, (i * i * 7919 + 13 * i) % 10000019);
	xr_hist_record(h, 0);
	xr_hist_record(h, 2047);
	xr_hist_record(h, 2048);
	xr_hist_record(h, UINT64_C(1) << 35);
	cr_assert_eq(xr_hist_write_hgrm(h, f, 1000.0), 0);
	char *text = slurp(f);
	cr_assert_str_eq(text, GOLDEN_JAVA);
	free(text);
	fclose(f);
	xr_hist_destroy(h);
}

Test(hist, hgrm_rounds_half_up_like_java)
{
	struct xr_hist *h = new_hist();
	FILE *f = tmpfile();

	cr_assert_not_null(f);
	/* Mean 1000.5 ns = 1.0005 us: java.util.Formatter prints 1.001. */
	xr_hist_record(h, 1000);
	xr_hist_record(h, 1001);
	cr_assert_eq(xr_hist_write_hgrm(h, f, 1000.0), 0);
	char *text = slurp(f);
	cr_assert_not_null(strstr(text, "#[Mean    =        1.001, StdDeviation   =        0.001]\n"),
			   "%s", text);
	free(text);
	fclose(f);
	xr_hist_destroy(h);
}

Test(hist, hgrm_rejects_bad_unit)
{
	struct xr_hist *h = new_hist();
	FILE *f = tmpfile();

	cr_assert_not_null(f);
	cr_assert_eq(xr_hist_write_hgrm(h, f, 0.0), -EINVAL);
	cr_assert_eq(xr_hist_write_hgrm(h, f, -1000.0), -EINVAL);
	cr_assert_eq(xr_hist_write_hgrm(h, f, NAN), -EINVAL);
	cr_assert_eq(xr_hist_write_hgrm(h, f, INFINITY), -EINVAL);
	cr_assert_eq(ftell(f), 0, "nothing written");
	fclose(f);
	xr_hist_destroy(h);
}

Test(hist, hgrm_reports_write_errors)
{
	struct xr_hist *h = new_hist();
	FILE *f = fopen("/dev/null", "r"); /* not open for writing: EBADF */

	cr_assert_not_null(f);
	xr_hist_record(h, 1);
	int rc = xr_hist_write_hgrm(h, f, 1000.0);
	cr_assert_lt(rc, 0);
	cr_assert_eq(rc, -EBADF, "rc %d", rc);
	fclose(f);

	f = fopen("/dev/full", "w"); /* ENOSPC on flush */
	if (f != NULL) {
		cr_assert_eq(xr_hist_write_hgrm(h, f, 1000.0), -ENOSPC);
		fclose(f);
	}
	xr_hist_destroy(h);
}
