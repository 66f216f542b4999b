/*
 * Unit tests of the [journal] section (base/config_journal.c): defaults
 * without it, every key at both ends of its range, each error, and print
 * -> load round trips (docs/config.md "[journal]").
 *
 * Helpers and the temporary directory: tests/common/config_test.h.
 */
#include <unistd.h>

#include "../../common/config_test.h"

TestSuite(config_journal, .init = config_test_enter, .fini = config_test_leave);

/* Load MINIMAL with [journal] path = j.db and @p key = @p value, which
 * must fail with "xroute.ini:LINE: [journal] KEY: "VALUE" WHY". */
static void
expect_journal_error(const char *key, const char *value, const char *why)
{
	char text[512], want[512];

	snprintf(text, sizeof(text), MINIMAL "[journal]\npath = j.db\n%s = %s\n", key, value);
	snprintf(want, sizeof(want), "xroute.ini:6: [journal] %s: \"%s\" %s", key, value, why);
	expect_error(text, want);
}

Test(config_journal, off_without_the_section)
{
	struct xr_config *cfg = load_ok(MINIMAL);
	const struct xr_journal_cfg *j = &cfg->journal;

	cr_assert_str_eq(j->path, "");
	cr_assert_eq(j->sync, XR_JSYNC_BATCH);
	cr_assert_eq(j->sync_interval_ms, 100);
	cr_assert_eq(j->batch_records, 8192);
	cr_assert_eq(j->ring_slots, 16384);
	cr_assert_eq(j->clordid_block, 262144);
	cr_assert_eq(j->line, 0);
	char *p = print_to_string(cfg);
	cr_assert_null(strstr(p, "[journal]"), "a journal that is off prints nothing");
	free(p);
	xr_config_free(cfg);
}

Test(config_journal, every_key_at_both_ends)
{
	struct xr_config *cfg = load_ok(MINIMAL "[journal]\npath = /var/lib/xroute/j.db\n"
						"sync = interval\nsync_interval_ms = 1\n"
						"batch_records = 1\nring_slots = 1024\n"
						"clordid_block = 65536\n");
	const struct xr_journal_cfg *j = &cfg->journal;

	cr_assert_eq(j->line, 4);
	cr_assert_str_eq(j->path, "/var/lib/xroute/j.db");
	cr_assert_eq(j->sync, XR_JSYNC_INTERVAL);
	cr_assert_eq(j->sync_interval_ms, 1);
	cr_assert_eq(j->batch_records, 1);
	cr_assert_eq(j->ring_slots, 1024);
	cr_assert_eq(j->clordid_block, 65536);
	xr_config_free(cfg);

	cfg = load_ok(MINIMAL "[journal]\npath = j.db\nsync = off\nsync_interval_ms = 60000\n"
			      "batch_records = 1048576\nring_slots = 1048576\n"
			      "clordid_block = 16777216\n");
	j = &cfg->journal;
	cr_assert_eq(j->sync, XR_JSYNC_OFF);
	cr_assert_eq(j->sync_interval_ms, 60000);
	cr_assert_eq(j->batch_records, 1048576);
	cr_assert_eq(j->ring_slots, 1048576);
	cr_assert_eq(j->clordid_block, 16777216);
	xr_config_free(cfg);
}

Test(config_journal, each_error_names_the_key_and_why)
{
	expect_journal_error("sync", "always", "is not one of batch, interval, off");
	expect_journal_error("sync_interval_ms", "0", "is out of range (1..60000)");
	expect_journal_error("sync_interval_ms", "60001", "is out of range (1..60000)");
	expect_journal_error("batch_records", "0", "is out of range (1..1048576)");
	expect_journal_error("ring_slots", "512", "is out of range (1024..1048576)");
	expect_journal_error("ring_slots", "3000", "is not a power of two (1024..1048576)");
	expect_journal_error("clordid_block", "65535", "is out of range (65536..16777216)");
	expect_error(MINIMAL "[journal]\nfsync = yes\n",
		     "xroute.ini:5: [journal] fsync: unknown key");
	expect_error(MINIMAL "[journal]\n[journal]\n",
		     "xroute.ini:5: [journal]: duplicate section (first at line 4)");
}

Test(config_journal, prints_as_ini_that_loads_back)
{
	struct xr_config *a = load_ok(MINIMAL "[journal]\npath = j.db\nsync = interval\n"
					      "sync_interval_ms = 7\nring_slots = 2048\n");
	char *p1 = print_to_string(a);
	cr_assert_not_null(strstr(p1, "\n[journal]\npath = j.db\nsync = interval\n"
				      "sync_interval_ms = 7\n"), "%s", p1);
	struct xr_config *b = load_ok(p1);
	cr_assert_str_eq(b->journal.path, "j.db");
	cr_assert_eq(b->journal.sync, XR_JSYNC_INTERVAL);
	cr_assert_eq(b->journal.sync_interval_ms, 7);
	cr_assert_eq(b->journal.ring_slots, 2048);
	char *p2 = print_to_string(b);
	cr_assert_str_eq(strchr(p1, '\n'), strchr(p2, '\n'));
	free(p1);
	free(p2);
	xr_config_free(a);
	xr_config_free(b);
}
