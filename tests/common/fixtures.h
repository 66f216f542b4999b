/*
 * fixtures.h: what the engine's unit tests share to run the engine on
 * files: a scratch directory per test, files written into it, a config
 * loaded from text, and an engine created (and run) on a config and a
 * signal file, destroyed with its config afterwards.
 *
 * Design: Criterion runs each test in its own process, so the fixtures
 * keep their state (the directory, its paths, the config of the engine
 * started last) in static storage of that process; nothing is shared
 * between tests. Every failure (a directory or file that cannot be made,
 * a config that does not load, an engine that is not created, a run
 * that returns another code) fails the calling test with a Criterion
 * assertion naming the cause, so the fixtures return no error codes.
 *
 * Thread: the test's thread only (not reentrant).
 * Built as the static library xr_test_fixtures (tests/meson.build).
 */
#ifndef XR_TEST_FIXTURES_H
#define XR_TEST_FIXTURES_H

#include <stdint.h>

#include "xr_config.h"
#include "xr_engine.h"

/** The signal file's header line, canonical column order (docs/signals.md). */
#define XR_TEST_SIGNAL_HEADER                                                                      \
	"ts_ns,signal_id,user,symbol,side,qty,order_type,limit_px,tif,signal_type,strategy,"       \
	"max_slippage_bps\n"

/**
 * Make this test's scratch directory, /tmp/xr_<program>_XXXXXX (e.g.
 * /tmp/xr_test_engine_a1B2c3), and forget the paths of any earlier one.
 * Use it as a test's `.init`. The directory is left behind for a look
 * at a failure; xr_test_remove_dir() removes it.
 */
void xr_test_make_dir(void);

/**
 * @return  the scratch directory's path (no trailing '/'); "" before
 *          xr_test_make_dir().
 */
const char *xr_test_dir(void);

/**
 * The path of @p name in the scratch directory.
 *
 * @param name  a file name relative to the directory (may contain '/').
 * @return      "DIR/name"; the same pointer for the same name, valid until
 *              the test ends, so an engine may keep it (struct
 *              xr_engine_io keeps its paths' pointers). At most 32
 *              distinct names per test.
 */
const char *xr_test_path(const char *name);

/**
 * Write @p text to @p name in the scratch directory, replacing the file.
 *
 * @return  its path, as xr_test_path(name).
 */
const char *xr_test_write_file(const char *name, const char *text);

/**
 * Write @p text to DIR/xroute.ini and load it with xr_config_load().
 *
 * @return  the config; the caller frees it with xr_config_free().
 */
struct xr_config *xr_test_load_config(const char *text);

/**
 * Write @p config_text to DIR/xroute.ini and @p signals_text to
 * DIR/signals.csv, load the config and create an engine on it, not yet
 * run (operator commands may be given first; xr_engine_run() runs it).
 *
 * @param io  the engine's io; its signals_path and results_path, if
 *            NULL, become DIR/signals.csv and DIR/results.csv.
 * @return    the engine; xr_test_done() destroys it and its config (the
 *            config must outlive the engine). One engine at a time.
 */
struct xr_engine *xr_test_start(const char *config_text, const char *signals_text,
				struct xr_engine_io io);

/**
 * xr_test_start(), then xr_engine_run(), which must return @p expect_rc.
 *
 * @return  the engine after its run, for xr_engine_summary(); destroy it
 *          with xr_test_done().
 */
struct xr_engine *xr_test_run(const char *config_text, const char *signals_text,
			      struct xr_engine_io io, int expect_rc);

/** Destroy an engine of xr_test_start() or xr_test_run(), then its config. */
void xr_test_done(struct xr_engine *e);

/**
 * Assert the summary's books of a run in which every signal settled:
 * @p signals read, one result each, unaccounted, duplicates, overfills and
 * position_mismatches 0, and each result filled, partially filled,
 * canceled, rejected or failed (none unknown or open).
 */
void xr_test_check_invariants(const struct xr_summary *s, uint64_t signals);

/**
 * Remove the files named through xr_test_path() (and so
 * xr_test_write_file()), then the scratch directory; errors are ignored
 * (a file never written, a directory left non-empty by others).
 */
void xr_test_remove_dir(void);

#endif
