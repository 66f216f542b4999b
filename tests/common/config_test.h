/*
 * config_test.h: helpers of the config loader's unit tests
 * (tests/unit/base/test_config.c, tests/unit/connectors/test_*_config.c).
 *
 * Each test runs in its own process (Criterion) inside a fresh temporary
 * directory (config_test_enter() / config_test_leave(), the suite's init
 * and fini), and writes its fixture there as "xroute.ini", so messages
 * start with "xroute.ini:LINE:" exactly as a user would see them. Files
 * are loaded with the built-in connector kinds (xr_connector_schemas).
 */
#ifndef XR_CONFIG_TEST_H
#define XR_CONFIG_TEST_H

#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xr_config.h"
#include "xr_connector.h"

static char config_test_dir[64];

static inline void
config_test_enter(void)
{
	snprintf(config_test_dir, sizeof(config_test_dir), "/tmp/xr_test_config_XXXXXX");
	cr_assert_not_null(mkdtemp(config_test_dir));
	cr_assert_eq(chdir(config_test_dir), 0);
}

static inline void
config_test_leave(void)
{
	static const char *const files[] = { "xroute.ini", "print1.ini", "print2.ini" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(files[i]);
	if (chdir("/") == 0)
		rmdir(config_test_dir);
}

static inline void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* Load @p text from ./xroute.ini; err gets the message on failure. */
static inline struct xr_config *
load_text(const char *text, char *err, size_t err_len)
{
	write_file("xroute.ini", text);
	err[0] = '\0';
	return xr_config_load("xroute.ini", xr_connector_schemas, err, err_len);
}

/* Load @p text, which must fail with exactly @p want. */
static inline void
expect_error(const char *text, const char *want)
{
	char err[512];
	struct xr_config *cfg = load_text(text, err, sizeof(err));
	cr_assert_null(cfg, "loaded, expected: %s", want);
	cr_assert_str_eq(err, want);
}

/* Load @p text, which must succeed. */
static inline struct xr_config *
load_ok(const char *text)
{
	char err[512];
	struct xr_config *cfg = load_text(text, err, sizeof(err));
	cr_assert_not_null(cfg, "load failed: %s", err);
	return cfg;
}

static inline char *
print_to_string(const struct xr_config *cfg)
{
	/* The stream writes the buffer's address into heap memory, not into a
	 * local whose address escapes (gcc -O3 took a local for dangling). */
	struct { char *buf; size_t len; } *ms = calloc(1, sizeof(*ms));
	cr_assert_not_null(ms);
	FILE *f = open_memstream(&ms->buf, &ms->len);
	cr_assert_not_null(f);
	xr_config_print(cfg, f);
	cr_assert_eq(fclose(f), 0);
	char *buf = ms->buf;
	free(ms);
	return buf;
}

/* $XR_SOURCE_ROOT/docs/examples/@p name (a static buffer). */
static inline const char *
example_file(const char *name)
{
	static char path[PATH_MAX];
	const char *root = getenv("XR_SOURCE_ROOT");
	cr_assert_not_null(root, "XR_SOURCE_ROOT is not set");
	snprintf(path, sizeof(path), "%s/docs/examples/%s", root, name);
	return path;
}

static inline const char *
example_path(void)
{
	return example_file("xroute.ini");
}

/* A venue, a book and a user: the smallest valid file (3 lines). */
#define MINIMAL                                                                                    \
	"[venue alpha]\n"                                                                          \
	"book.BTC-USD = mid=50000 tick=0.5 levels=10 level_qty=1\n"                                \
	"[user u1]\n"

#endif /* XR_CONFIG_TEST_H */
