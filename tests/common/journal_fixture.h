/*
 * journal_fixture.h: journals with known contents for the journal tests
 * (tests/unit/engine/test_journal_db.c, tests/unit/tools/
 * test_journal_cli.sh through the journal-fixture program), made with
 * xr_jdb_open() and plain INSERTs, and the damage a test does to a copy.
 *
 * The sample journal (jfx_sample()), times from JFX_T0 =
 * 2026-12-07T14:00:00Z:
 *   run 1 (run, ended clean), run 2 (serve, no end: crashed);
 *   signal 4097, run 1, desk client_id 42, u1 buy 1.5 BTC-USD limit
 *     50000.25: split alpha 1 (ClOrdID 1001: new, fill 0.4 @ 50000.2,
 *     fill 0.6 @ 50000.2) and beta 0.5 (1002: fill 0.5 @ 50000.3, fees
 *     -0.00000001, a rebate); a failover event naming 1002; filled;
 *   signal 4098, run 1, desk client_id 43, u2 sell 2 ETH-USD: child 1003
 *     at gamma acknowledged, no result (open);
 *   signal 8193, run 2, file line 7, u1 sell 0.25 BTC-USD market at
 *     T0 + 1 h: rejected max_position, no children;
 *   an alert event on beta (no signal) whose detail has a comma and
 *     quotes; clordid_blocks 1001..2000 (run 1), 2001..3000 (run 2).
 *
 * Every function returns 0 or -1 with a message in err. Thread: any.
 */
#ifndef XR_TEST_JOURNAL_FIXTURE_H
#define XR_TEST_JOURNAL_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

/** 2026-12-07T14:00:00Z in ns since the epoch. */
#define JFX_T0 INT64_C(1796652000000000000)

/** Write the sample journal (above) to @p path, which must not exist. */
int jfx_sample(const char *path, char *err, size_t n);

/** Write a journal of @p nsignals signals rows (run 1, signal_id 1..n,
 * rowid = signal_id) and one runs row to @p path. */
int jfx_bulk(const char *path, int64_t nsignals, char *err, size_t n);

/**
 * The @p nth (0-based) leaf page of @p table in key order (dbstat):
 * *pgno its page number, *first and *last the rowids on it, *page_size.
 */
int jfx_leaf(const char *path, const char *table, unsigned nth, int64_t *pgno,
	     int64_t *first, int64_t *last, int64_t *page_size, char *err, size_t n);

/** Overwrite page @p pgno (1-based) of @p path with @p len bytes of
 * @p byte from @p off into the page. */
int jfx_smash(const char *path, int64_t pgno, int64_t page_size, int64_t off, int64_t len,
	      int byte, char *err, size_t n);

/** Copy file @p from to @p to. */
int jfx_copy(const char *from, const char *to, char *err, size_t n);

#endif /* XR_TEST_JOURNAL_FIXTURE_H */
