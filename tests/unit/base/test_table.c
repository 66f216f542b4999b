/*
 * xr_table: zeroed, prefaulted tables; huge-page-aligned from 2 MiB.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "xr_table.h"

static void
check_table(size_t n, size_t size, uintptr_t align)
{
	unsigned char *t = xr_table_calloc(n, size);

	cr_assert_not_null(t, "%zu x %zu", n, size);
	cr_assert_eq((uintptr_t)t % align, 0, "%zu x %zu: aligned to %lu", n, size,
		     (unsigned long)align);
	for (size_t i = 0; i < n * size; i += 509)
		cr_assert_eq(t[i], 0, "byte %zu not zero", i);
	cr_assert_eq(t[n * size - 1], 0);
	memset(t, 0x5a, n * size); /* the whole table is writable */
	xr_table_free(t);
}

Test(table, small_tables_are_zeroed_and_line_aligned)
{
	check_table(1, 1, 64);
	check_table(1000, 24, 64);
	check_table((XR_TABLE_HUGE_MIN - 64) / 8, 8, 64);
}

Test(table, large_tables_are_zeroed_and_2mib_aligned)
{
	check_table(XR_TABLE_HUGE_MIN / 8, 8, XR_TABLE_HUGE_MIN);
	check_table(3 * 1000 * 1000, 16, XR_TABLE_HUGE_MIN);
}

Test(table, overflow_and_null)
{
	errno = 0;
	cr_assert_null(xr_table_calloc(SIZE_MAX / 2, 4));
	cr_assert_eq(errno, ENOMEM);
	xr_table_free(NULL);
}
