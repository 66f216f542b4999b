/*
 * The names tables (base/names.c): users and symbols to ids at 1,000,000
 * users, misses (beyond the range, prefixes, longer strings, the other
 * table), duplicates and empty names refused, the hash's spread.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signal_fixtures.h"
#include "xr_config.h"
#include "xr_names.h"

Test(names, million_users)
{
	const uint32_t n = 1000000;
	/* Varied lengths and shapes: "t7", "trader-000123-x", ... */
	struct xr_config *cfg = xr_test_signal_config(n, "trader-", 6);
	for (uint32_t i = 0; i < n; i += 7)
		snprintf(cfg->users[i].name, sizeof(cfg->users[i].name), "t%x", i);
	struct xr_names *nm = xr_names_create(cfg);
	cr_assert_not_null(nm, "errno %d", errno);
	cr_expect_eq(xr_names_n_users(nm), n);
	cr_expect_eq(xr_names_n_symbols(nm), 8);

	for (uint32_t i = 0; i < n; i++) {
		const char *s = cfg->users[i].name;
		int64_t id = xr_names_user(nm, s, strlen(s));
		if (id != (int64_t)i)
			cr_assert_fail("user %s -> %" PRId64 ", expected %u", s, id, i);
	}
	char buf[64];
	for (uint32_t i = 0; i < n; i++) {
		/* Misses: beyond the range, a prefix, a longer string. */
		int k = snprintf(buf, sizeof(buf), "trader-%06u", n + 1 + i);
		if (xr_names_user(nm, buf, (size_t)k) != -1)
			cr_assert_fail("miss %s found", buf);
		k = snprintf(buf, sizeof(buf), "trader-%06ux", i + 1);
		if (xr_names_user(nm, buf, (size_t)k) != -1)
			cr_assert_fail("miss %s found", buf);
	}
	cr_expect_eq(xr_names_user(nm, "trader-000002", 12), -1, "prefix slice is a miss");
	cr_expect_eq(xr_names_user(nm, "trader-000002", 13), 1);
	cr_expect_eq(xr_names_user(nm, "", 0), -1);
	cr_expect_eq(xr_names_user(nm, "BTC-USD", 7), -1, "symbols are a separate table");
	memset(buf, 'a', sizeof(buf));
	cr_expect_eq(xr_names_user(nm, buf, sizeof(buf)), -1);
	for (int i = 0; i < 8; i++)
		cr_expect_eq(xr_names_symbol(nm, xr_test_symbols[i], strlen(xr_test_symbols[i])), i);
	cr_expect_eq(xr_names_symbol(nm, "BTC-USDT", 8), -1);
	cr_expect_eq(xr_names_symbol(nm, "btc-usd", 7), -1);
	xr_names_destroy(nm);
	xr_test_signal_config_free(cfg);
}

Test(names, reject_duplicates_and_empty)
{
	struct xr_config *cfg = xr_test_signal_config(10, "u", 3);
	strcpy(cfg->users[7].name, "u002");
	errno = 0;
	cr_expect_null(xr_names_create(cfg));
	cr_expect_eq(errno, EEXIST);
	cfg->users[7].name[0] = '\0';
	errno = 0;
	cr_expect_null(xr_names_create(cfg));
	cr_expect_eq(errno, EINVAL);
	strcpy(cfg->users[7].name, "u008");
	strcpy(cfg->symbols[3], "BTC-USD");
	errno = 0;
	cr_expect_null(xr_names_create(cfg));
	cr_expect_eq(errno, EEXIST);
	xr_test_signal_config_free(cfg);
}

Test(names, hash_spreads)
{
	/* Sequential names must not collide in the low bits used for slots. */
	enum { N = 1 << 16 };
	static uint8_t seen[N];
	char buf[32];
	uint32_t distinct = 0;
	for (uint32_t i = 0; i < N; i++) {
		int k = snprintf(buf, sizeof(buf), "u%03u", i);
		uint32_t b = (uint32_t)xr_names_hash(buf, (size_t)k) & (N - 1);
		distinct += !seen[b];
		seen[b] = 1;
	}
	/* Random placement fills 1 - 1/e = 63.2% of N buckets. */
	cr_expect_gt(distinct, N * 60 / 100, "distinct buckets %u", distinct);
	cr_expect_neq(xr_names_hash("a", 1), xr_names_hash("b", 1));
	cr_expect_neq(xr_names_hash("", 0), xr_names_hash("\0", 1));
}
