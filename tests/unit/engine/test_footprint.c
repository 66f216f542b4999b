/*
 * What a config needs in memory (engine/footprint.c): the figure follows
 * the ring and order-table sizes, and a config beyond the machine's
 * memory is refused by xr_engine_create() with the figure, before any
 * table is allocated.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "xr_config.h"
#include "xr_connector.h"
#include "xr_engine.h"

#define VENUE "[venue a]\nbook.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n[user u]\n"

Test(footprint, rings_are_counted_per_venue_and_capacity, .init = xr_test_make_dir)
{
	struct xr_config *cfg = xr_test_load_config("[engine]\nring_capacity = 1024\n" VENUE);
	struct xr_footprint a, b;

	cr_assert_eq(xr_engine_footprint(cfg, &a), 0);
	cr_assert_eq(a.n_rings, 9, "7 + 2 per venue");
	cr_assert_geq(a.ring_bytes, 9 * 1024 * 320);
	cr_assert_eq(a.total_bytes, a.ring_bytes + a.order_bytes + a.table_bytes + a.serve_bytes);
	cr_assert_gt(a.phys_bytes, 0);
	xr_config_free(cfg);
	cfg = xr_test_load_config("[engine]\nring_capacity = 2048\n" VENUE);
	cr_assert_eq(xr_engine_footprint(cfg, &b), 0);
	cr_assert_eq(b.ring_bytes - a.ring_bytes, 9ull * 1024 * 320, "linear in capacity");
	xr_config_free(cfg);
	xr_test_remove_dir();
}

Test(footprint, a_config_beyond_the_machine_is_refused_at_create, .init = xr_test_make_dir)
{
	/* 15 rings of 2^24 slots (5 GiB each) and 2^24 open orders a venue:
	 * far beyond any test machine; nothing of it may be allocated. */
	char text[2048];
	snprintf(text, sizeof(text),
		 "[engine]\nring_capacity = 16777216\nmax_inflight_orders = 16777216\n"
		 "[venue a]\nmax_open_orders = 16777216\n"
		 "book.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n"
		 "[venue b]\nmax_open_orders = 16777216\n"
		 "book.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n"
		 "[venue c]\nmax_open_orders = 16777216\n"
		 "book.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n"
		 "[venue d]\nmax_open_orders = 16777216\n"
		 "book.BTC-USD = mid=100 tick=1 levels=10 level_qty=10\n[user u]\n");
	struct xr_config *cfg = xr_test_load_config(text);
	struct xr_footprint fp;
	char err[1024];

	cr_assert_eq(xr_engine_footprint(cfg, &fp), -ENOMEM, "needs %llu of %llu",
		     (unsigned long long)fp.total_bytes, (unsigned long long)fp.phys_bytes);
	struct xr_engine_io io = { .signals_path = "/dev/null" };
	cr_assert_null(xr_engine_create(cfg, &io, err, sizeof(err)));
	cr_assert_not_null(strstr(err, "needs more memory than this machine has: memory: at least"),
			   "%s", err);
	cr_assert_not_null(strstr(err, "ring_capacity 16777216"), "%s", err);
	xr_config_free(cfg);
	xr_test_remove_dir();
}

Test(footprint, serve_books_and_client_rings_are_counted, .init = xr_test_make_dir)
{
	struct xr_config *cfg = xr_test_load_config(VENUE);
	struct xr_footprint a, b;

	cr_assert_eq(xr_engine_footprint(cfg, &a), 0);
	cr_assert_eq(a.serve_bytes, 0, "no [client], no [fix_client]");
	xr_config_free(cfg);
	cfg = xr_test_load_config("[serve]\nidempotency_window = 1024\nresult_buffer = 0\n"
				  "max_clients = 1\nclient_ring = 64\nresult_ring = 64\n"
				  "[client c]\nusers = *\n" VENUE);
	cr_assert_eq(xr_engine_footprint(cfg, &a), 0);
	xr_config_free(cfg);
	cfg = xr_test_load_config("[serve]\nidempotency_window = 2048\nresult_buffer = 0\n"
				  "max_clients = 1\nclient_ring = 64\nresult_ring = 64\n"
				  "[client c]\nusers = *\n" VENUE);
	cr_assert_eq(xr_engine_footprint(cfg, &b), 0);
	/* 1024 more entries of 48 bytes, and the map doubles (2048 slots of
	 * 12 bytes more). */
	cr_assert_eq(b.serve_bytes - a.serve_bytes, 1024ull * 48 + 2048ull * 12);
	cr_assert_eq(b.total_bytes, b.ring_bytes + b.order_bytes + b.table_bytes + b.serve_bytes);
	xr_config_free(cfg);
	xr_test_remove_dir();
}
