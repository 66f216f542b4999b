/*
 * signal_fixtures.c: hand-filled configs for the signal file tests
 * (signal_fixtures.h).
 */
#include "signal_fixtures.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const xr_test_symbols[8] = { "BTC-USD",  "ETH-USD", "SOL-USD",  "XRP-USD",
					 "DOGE-USD", "ADA-USD", "AVAX-USD", "LINK-USD" };

struct xr_config *
xr_test_signal_config(uint32_t n_users, const char *prefix, int width)
{
	struct xr_config *cfg = calloc(1, sizeof(*cfg));
	cr_assert_not_null(cfg);
	cfg->n_users = n_users;
	cfg->users = calloc(n_users, sizeof(*cfg->users));
	cr_assert_not_null(cfg->users);
	for (uint32_t i = 0; i < n_users; i++) {
		snprintf(cfg->users[i].name, sizeof(cfg->users[i].name), "%s%0*u", prefix, width,
			 i + 1);
		cfg->users[i].enabled = true;
	}
	cfg->n_symbols = 8;
	cfg->symbols = calloc(8, sizeof(*cfg->symbols));
	cr_assert_not_null(cfg->symbols);
	for (int i = 0; i < 8; i++)
		strcpy(cfg->symbols[i], xr_test_symbols[i]);
	return cfg;
}

void
xr_test_signal_config_free(struct xr_config *cfg)
{
	free(cfg->users);
	free(cfg->symbols);
	free(cfg);
}
