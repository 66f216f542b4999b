/*
 * fixtures.c: the engine tests' shared fixtures (fixtures.h): a scratch
 * directory, files in it, a config from text, an engine created and run
 * on them, the books of a run checked. Per-test state lives in static storage: Criterion gives each
 * test its own process.
 */
#include "fixtures.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xr_connector.h"

enum { XR_TEST_MAX_PATHS = 32, XR_TEST_PATH_LEN = 512 };

static char dir[256];
static char names[XR_TEST_MAX_PATHS][XR_TEST_PATH_LEN];
static char paths[XR_TEST_MAX_PATHS][XR_TEST_PATH_LEN];
static unsigned n_paths;
static struct xr_config *started_cfg; /* of the engine of xr_test_start() */

void
xr_test_make_dir(void)
{
	int n = snprintf(dir, sizeof(dir), "/tmp/xr_%s_XXXXXX", program_invocation_short_name);
	cr_assert(n > 0 && (size_t)n < sizeof(dir), "scratch directory name too long");
	cr_assert_not_null(mkdtemp(dir), "mkdtemp %s: %s", dir, strerror(errno));
	n_paths = 0;
}

const char *
xr_test_dir(void)
{
	return dir;
}

const char *
xr_test_path(const char *name)
{
	for (unsigned i = 0; i < n_paths; i++)
		if (strcmp(names[i], name) == 0)
			return paths[i];
	cr_assert_lt(n_paths, XR_TEST_MAX_PATHS, "more than %d file names in one test",
		     XR_TEST_MAX_PATHS);
	int n = snprintf(paths[n_paths], XR_TEST_PATH_LEN, "%s/%s", dir, name);
	cr_assert(n > 0 && n < XR_TEST_PATH_LEN, "path too long: %s/%s", dir, name);
	snprintf(names[n_paths], XR_TEST_PATH_LEN, "%s", name);
	return paths[n_paths++];
}

const char *
xr_test_write_file(const char *name, const char *text)
{
	const char *path = xr_test_path(name);
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0, "%s: %s", path, strerror(errno));
	return path;
}

struct xr_config *
xr_test_load_config(const char *text)
{
	char err[512];
	struct xr_config *cfg = xr_config_load(xr_test_write_file("xroute.ini", text),
					       xr_connector_schemas, err, sizeof(err));

	cr_assert_not_null(cfg, "config: %s", err);
	return cfg;
}

struct xr_engine *
xr_test_start(const char *config_text, const char *signals_text, struct xr_engine_io io)
{
	char err[512];

	cr_assert_null(started_cfg, "one engine at a time: xr_test_done() the last one");
	started_cfg = xr_test_load_config(config_text);
	xr_test_write_file("signals.csv", signals_text);
	if (io.signals_path == NULL)
		io.signals_path = xr_test_path("signals.csv");
	if (io.results_path == NULL)
		io.results_path = xr_test_path("results.csv");
	struct xr_engine *e = xr_engine_create(started_cfg, &io, err, sizeof(err));
	cr_assert_not_null(e, "engine: %s", err);
	return e;
}

struct xr_engine *
xr_test_run(const char *config_text, const char *signals_text, struct xr_engine_io io,
	    int expect_rc)
{
	char err[512];
	struct xr_engine *e = xr_test_start(config_text, signals_text, io);
	int rc = xr_engine_run(e, err, sizeof(err));

	cr_assert_eq(rc, expect_rc, "run: %d %s", rc, err);
	return e;
}

void
xr_test_done(struct xr_engine *e)
{
	xr_engine_destroy(e);
	xr_config_free(started_cfg);
	started_cfg = NULL;
}

void
xr_test_check_invariants(const struct xr_summary *s, uint64_t signals)
{
	cr_assert_eq(s->signals_read, signals);
	cr_assert_eq(s->results, signals, "one result per signal");
	cr_assert_eq(s->unaccounted, 0);
	cr_assert_eq(s->duplicates, 0);
	cr_assert_eq(s->overfills, 0);
	cr_assert_eq(s->position_mismatches, 0);
	cr_assert_eq(s->filled + s->partially_filled + s->canceled + s->rejected + s->failed,
		     signals, "every result has exactly one final status");
}

void
xr_test_remove_dir(void)
{
	for (unsigned i = 0; i < n_paths; i++)
		unlink(paths[i]);
	rmdir(dir);
}
