/*
 * Pre-trade risk primitives: token bucket, duplicate window, exposure (the
 * u64 map under the window: tests/unit/base/test_u64map.c).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "risk_pvt.h"
#include "xr_types.h"

#define SEC UINT64_C(1000000000)

Test(risk, token_bucket_starts_full_and_refills_at_rate)
{
	struct xr_token_bucket b;

	xr_token_bucket_init(&b, 10, 3, 1000);
	for (int i = 0; i < 3; i++)
		cr_assert(xr_token_bucket_take(&b, 1000), "burst token %d", i);
	cr_assert_not(xr_token_bucket_take(&b, 1000), "bucket must be empty after burst");
	/* 10/s: one token per 100 ms; 99.999999 ms is not enough. */
	cr_assert_not(xr_token_bucket_take(&b, 1000 + SEC / 10 - 1));
	cr_assert(xr_token_bucket_take(&b, 1000 + SEC / 10));
	cr_assert_not(xr_token_bucket_take(&b, 1000 + SEC / 10));
}

Test(risk, token_bucket_caps_at_burst_and_ignores_time_going_back)
{
	struct xr_token_bucket b;

	xr_token_bucket_init(&b, 1000, 5, 0);
	for (int i = 0; i < 5; i++)
		cr_assert(xr_token_bucket_take(&b, 0));
	/* An hour later the bucket holds burst (5), not 3.6 million. */
	int taken = 0;
	while (xr_token_bucket_take(&b, 3600 * SEC))
		taken++;
	cr_assert_eq(taken, 5);
	/* Earlier timestamps refill nothing. */
	cr_assert_not(xr_token_bucket_take(&b, 10 * SEC));
}

Test(risk, token_bucket_long_gap_does_not_overflow)
{
	struct xr_token_bucket b;

	xr_token_bucket_init(&b, 4000000000u, 1, 0);
	cr_assert(xr_token_bucket_take(&b, 0));
	cr_assert(xr_token_bucket_take(&b, UINT64_MAX / 2));
	cr_assert_not(xr_token_bucket_take(&b, UINT64_MAX / 2));
}

Test(risk, dedup_flags_repeats_within_window)
{
	struct xr_dedup d;

	cr_assert_eq(xr_dedup_init(&d, 1024), 0);
	for (uint64_t id = 1; id <= 1024; id++)
		cr_assert_not(xr_dedup_check_insert(&d, id));
	for (uint64_t id = 1; id <= 1024; id++)
		cr_assert(xr_dedup_check_insert(&d, id), "id %lu is a duplicate", (unsigned long)id);
	xr_dedup_fini(&d);
}

Test(risk, dedup_forgets_oldest_beyond_window)
{
	struct xr_dedup d;

	cr_assert_eq(xr_dedup_init(&d, 1024), 0);
	for (uint64_t id = 1; id <= 1024 + 10; id++)
		cr_assert_not(xr_dedup_check_insert(&d, id));
	/* 1..10 were evicted; 11..1034 are remembered. */
	for (uint64_t id = 11; id <= 1034; id++)
		cr_assert(xr_dedup_check_insert(&d, id));
	cr_assert_not(xr_dedup_check_insert(&d, 5));
	xr_dedup_fini(&d);
}

Test(risk, dedup_random_ids_match_reference)
{
	enum { W = 4096, N = 200000 };
	struct xr_dedup d;
	uint64_t *hist = calloc(N, sizeof(uint64_t));
	uint64_t x = 42;

	cr_assert_eq(xr_dedup_init(&d, W), 0);
	for (int i = 0; i < N; i++) {
		/* Ids from a small space so repeats happen inside and outside
		 * the window. */
		x = x * 6364136223846793005u + 1442695040888963407u;
		uint64_t id = (x >> 33) % 20000 + 1;
		bool expect = false;
		/* Reference: the window holds the last W distinct insertions. */
		int distinct = 0;
		for (int j = i - 1; j >= 0 && distinct < W; j--) {
			if (hist[j] == 0)
				continue;
			distinct++;
			if (hist[j] == id) {
				expect = true;
				break;
			}
		}
		bool got = xr_dedup_check_insert(&d, id);
		cr_assert_eq(got, expect, "step %d id %lu", i, (unsigned long)id);
		hist[i] = got ? 0 : id;
		if (i > 30000)
			break; /* the O(N*W) reference is slow; 30k steps cover eviction */
	}
	xr_dedup_fini(&d);
	free(hist);
}

Test(risk, dedup_rejects_bad_window)
{
	struct xr_dedup d;

	cr_assert_eq(xr_dedup_init(&d, 10), -EINVAL);
	cr_assert_eq(xr_dedup_init(&d, (1u << 26) + 1), -EINVAL);
}

Test(risk, exposure_counts_orders_in_flight)
{
	struct xr_exposure_v v = {0};
	struct xr_exposure_a a = {0};
	const int64_t max = 10 * XR_QTY_SCALE;

	/* Two buys of 4 in flight: a third of 4 would reach 12 > 10. */
	cr_assert(xr_exposure_allows(&v, &a, XR_SIDE_BUY, 4 * XR_QTY_SCALE, max));
	v.reserved_buy += 4 * XR_QTY_SCALE;
	cr_assert(xr_exposure_allows(&v, &a, XR_SIDE_BUY, 4 * XR_QTY_SCALE, max));
	v.reserved_buy += 4 * XR_QTY_SCALE;
	cr_assert_not(xr_exposure_allows(&v, &a, XR_SIDE_BUY, 4 * XR_QTY_SCALE, max));
	cr_assert(xr_exposure_allows(&v, &a, XR_SIDE_BUY, 2 * XR_QTY_SCALE, max));
	/* A sell of 10 is fine: open buys do not offset the short side. */
	cr_assert(xr_exposure_allows(&v, &a, XR_SIDE_SELL, 10 * XR_QTY_SCALE, max));

	/* First buy fills 4: position 4, open 4 -> worst long still 8. */
	xr_exposure_fill(&a, XR_SIDE_BUY, 4 * XR_QTY_SCALE);
	cr_assert_eq(atomic_load(&a.position), 4 * XR_QTY_SCALE);
	cr_assert_not(xr_exposure_allows(&v, &a, XR_SIDE_BUY, 3 * XR_QTY_SCALE, max));
	cr_assert(xr_exposure_allows(&v, &a, XR_SIDE_BUY, 2 * XR_QTY_SCALE, max));
	/* Second buy ends unfilled: its 4 is released -> worst long 4. */
	xr_exposure_release(&a, XR_SIDE_BUY, 4 * XR_QTY_SCALE);
	cr_assert(xr_exposure_allows(&v, &a, XR_SIDE_BUY, 6 * XR_QTY_SCALE, max));
	cr_assert_not(xr_exposure_allows(&v, &a, XR_SIDE_BUY, 6 * XR_QTY_SCALE + 1, max));
	/* Long 4: a sell may take the position to -10, i.e. sell 14. */
	cr_assert(xr_exposure_allows(&v, &a, XR_SIDE_SELL, 14 * XR_QTY_SCALE, max));
	cr_assert_not(xr_exposure_allows(&v, &a, XR_SIDE_SELL, 14 * XR_QTY_SCALE + 1, max));
}
