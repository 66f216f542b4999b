/*
 * signal_fixtures.h: configs filled by hand for the tests of base's signal
 * file path (test_signal_csv, test_names, test_gen), so that they do not
 * depend on the INI loader: users named by a pattern and eight symbols.
 * Only base is linked (static library xr_test_signal_fixtures,
 * tests/meson.build). Failures fail the calling test (Criterion
 * assertions). Thread: the test's thread.
 */
#ifndef XR_TEST_SIGNAL_FIXTURES_H
#define XR_TEST_SIGNAL_FIXTURES_H

#include <stdint.h>

#include "xr_config.h"

/** The configs' symbols, in id order: BTC-USD, ETH-USD, ... LINK-USD. */
extern const char *const xr_test_symbols[8];

/**
 * A config with @p n_users enabled users named @p prefix + their 1-based
 * number zero-padded to @p width ("u", 3: u001, u002, ...) and the eight
 * xr_test_symbols; everything else zero.
 *
 * @return  the config; free it with xr_test_signal_config_free() (not
 *          xr_config_free(): only users and symbols are allocated).
 */
struct xr_config *xr_test_signal_config(uint32_t n_users, const char *prefix, int width);

/** Free a config of xr_test_signal_config(). */
void xr_test_signal_config_free(struct xr_config *cfg);

#endif
