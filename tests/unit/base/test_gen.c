/*
 * The signal generator (base/gen.c, `xroute gen`): round trips of its
 * files through the signal parser, the same bytes for the same seed, the
 * share of malformed rows asked for, usage and help, zero signals.
 *
 * The generator is base's (xr_gen.h), so the test needs nothing from the
 * launcher. Its config is filled by hand (tests/common/signal_fixtures.h).
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "signal_fixtures.h"
#include "xr_config.h"
#include "xr_gen.h"
#include "xr_names.h"
#include "xr_signal.h"

/* Users u001..u100 and 8 symbols: the names the generator's files use. */
static struct xr_config *g_cfg;
static struct xr_names *g_names;

static void
setup(void)
{
	g_cfg = xr_test_signal_config(100, "u", 3);
	g_names = xr_names_create(g_cfg);
	cr_assert_not_null(g_names);
}

static void
teardown(void)
{
	xr_names_destroy(g_names);
	xr_test_signal_config_free(g_cfg);
}

TestSuite(gen, .init = setup, .fini = teardown);

static int
run_gen(const char *const *args, int n)
{
	char *argv[32];
	argv[0] = (char *)(uintptr_t) "gen";
	for (int i = 0; i < n; i++)
		argv[i + 1] = (char *)(uintptr_t)args[i];
	argv[n + 1] = NULL;
	return xr_gen_main(n + 1, argv);
}

static void
tmp_path(char *path, size_t len)
{
	const char *dir = getenv("TMPDIR");
	snprintf(path, len, "%s/xr_sig_XXXXXX", dir != NULL ? dir : "/tmp");
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	b[n] = '\0';
	*len = (size_t)n;
	return b;
}

struct gen_stats {
	uint64_t rows, errors, dup_ids;
	uint64_t bad_qty, bad_side, missing_col, other;
	uint64_t types[4], market, limit, unknown;
};

/* Parse a generated file with the fixture's names; tally what was seen. */
static void
parse_file(const char *path, struct gen_stats *st)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	uint32_t lineno = 0;
	struct xr_signal_layout lay;
	int64_t last_ts = -1;
	uint64_t last_id = 0;
	char err[256];

	memset(st, 0, sizeof(*st));
	n = getline(&line, &cap, f);
	lineno++;
	cr_assert_gt(n, 0);
	cr_assert_eq(xr_signal_header_parse(line, (size_t)n, &lay, err, sizeof(err)), 0, "%s", err);
	while ((n = getline(&line, &cap, f)) > 0) {
		struct xr_msg m;
		lineno++;
		if (xr_signal_line_is_blank_or_comment(line, (size_t)n))
			continue;
		st->rows++;
		int rc = xr_signal_parse(&lay, g_names, line, (size_t)n, lineno, &m, err, sizeof(err));
		cr_assert_eq(m.line, lineno);
		cr_assert_eq(m.kind, XR_MSG_SIGNAL);
		if (rc != 0) {
			st->errors++;
			cr_assert_eq(m.reason, XR_R_PARSE);
			cr_assert_neq(m.signal_id, 0, "%s", err);
			if (strcmp(err, "qty: \"abc\" is not a decimal number") == 0 ||
			    strcmp(err, "qty: \"-5\" must be > 0") == 0 ||
			    strcmp(err, "qty: \"0.123456789\" has more than 8 decimals") == 0)
				st->bad_qty++;
			else if (strcmp(err, "side: \"hold\" is not buy or sell") == 0)
				st->bad_side++;
			else if (strcmp(err, "11 fields, expected 12 (missing max_slippage_bps)") == 0)
				st->missing_col++;
			else
				st->other++;
		} else {
			cr_assert_eq(m.reason, XR_R_NONE);
			cr_assert_neq(m.user, XR_SIGNAL_UNKNOWN_USER, "line %u", lineno);
			cr_assert_neq(m.symbol, XR_SIGNAL_UNKNOWN_SYMBOL, "line %u", lineno);
			cr_assert_neq(m.strategy, XR_SIGNAL_UNKNOWN_STRATEGY);
			cr_assert_gt(m.qty, 0);
			cr_assert_leq(m.max_slippage_bps, 50);
			st->types[m.signal_type]++;
			if (m.ord_type == XR_ORD_MARKET)
				st->market++;
			else
				st->limit++;
		}
		/* ts strictly increasing, ids increasing except duplicates. */
		cr_assert_gt(m.ts_ns, last_ts, "line %u", lineno);
		last_ts = m.ts_ns;
		if (m.signal_id == last_id)
			st->dup_ids++;
		else
			cr_assert_eq(m.signal_id, last_id + 1, "line %u", lineno);
		last_id = m.signal_id;
	}
	free(line);
	fclose(f);
}

Test(gen, round_trip)
{
	char path[256];
	tmp_path(path, sizeof(path));
	const char *args[] = { "--signals", "50000", "--users", "100", "--symbols", "8",
			       "--seed", "7", "-o", path };
	cr_assert_eq(run_gen(args, 10), 0);

	struct gen_stats st;
	parse_file(path, &st);
	cr_expect_eq(st.rows, 50000);
	cr_expect_eq(st.errors, 0);
	cr_expect_eq(st.dup_ids, 0);
	/* Mix: 50/25/15/10 +- a few percent. */
	cr_expect(st.types[XR_SIG_ENTRY] > 23500 && st.types[XR_SIG_ENTRY] < 26500);
	cr_expect(st.types[XR_SIG_STOP_LOSS] > 4000 && st.types[XR_SIG_STOP_LOSS] < 6000);
	cr_expect(st.market > 10000 && st.limit > 10000);

	size_t len;
	char *b = slurp(path, &len);
	cr_expect(strncmp(b, XR_SIGNAL_HEADER "\n", sizeof(XR_SIGNAL_HEADER)) == 0);
	cr_expect_eq(b[len - 1], '\n');
	free(b);
	unlink(path);
}

Test(gen, same_seed_same_bytes)
{
	char p1[256], p2[256], p3[256];
	tmp_path(p1, sizeof(p1));
	tmp_path(p2, sizeof(p2));
	tmp_path(p3, sizeof(p3));
	const char *a1[] = { "--signals", "20000", "--users", "1000", "--symbols", "5",
			     "--seed", "123456789", "-o", p1, "--rate", "1000", "--error-ppm", "500" };
	const char *a2[] = { "--signals=20000", "--users=1000", "--symbols=5", "--seed=123456789",
			     "--rate=1000", "--error-ppm=500", "-o", p2 };
	const char *a3[] = { "--signals", "20000", "--users", "1000", "--symbols", "5",
			     "--seed", "123456790", "-o", p3, "--rate", "1000", "--error-ppm", "500" };
	cr_assert_eq(run_gen(a1, 14), 0);
	cr_assert_eq(run_gen(a2, 8), 0);
	cr_assert_eq(run_gen(a3, 14), 0);
	size_t n1, n2, n3;
	char *b1 = slurp(p1, &n1), *b2 = slurp(p2, &n2), *b3 = slurp(p3, &n3);
	cr_expect_eq(n1, n2);
	cr_expect(n1 == n2 && memcmp(b1, b2, n1) == 0, "same seed, different bytes");
	cr_expect(n1 != n3 || memcmp(b1, b3, n1) != 0, "different seed, same bytes");
	/* Only the first S symbols; ~1 event per ms from the default start. */
	cr_expect_null(strstr(b1, "AVAX-USD"));
	cr_expect_not_null(strstr(b1, "DOGE-USD"));
	cr_expect(strncmp(strchr(b1, '\n') + 1, "170000000000", 12) == 0);
	free(b1);
	free(b2);
	free(b3);
	unlink(p1);
	unlink(p2);
	unlink(p3);
}

Test(gen, error_ppm)
{
	char path[256];
	tmp_path(path, sizeof(path));
	/* 2% of 100000 rows: ~2000 broken, ~500 of each of the four kinds. */
	const char *args[] = { "--signals", "100000", "--users", "100", "--symbols", "8",
			       "--seed", "99", "-o", path, "--error-ppm", "20000",
			       "--start-ns", "5" };
	cr_assert_eq(run_gen(args, 14), 0);
	struct gen_stats st;
	parse_file(path, &st);
	cr_expect_eq(st.rows, 100000);
	cr_expect_eq(st.other, 0, "unexpected error kind");
	cr_expect_eq(st.errors, st.bad_qty + st.bad_side + st.missing_col);
	cr_expect(st.bad_qty > 350 && st.bad_qty < 650, "bad qty %" PRIu64, st.bad_qty);
	cr_expect(st.bad_side > 350 && st.bad_side < 650, "bad side %" PRIu64, st.bad_side);
	cr_expect(st.missing_col > 350 && st.missing_col < 650, "missing %" PRIu64,
		  st.missing_col);
	cr_expect(st.dup_ids > 350 && st.dup_ids < 650, "dup ids %" PRIu64, st.dup_ids);
	unlink(path);
}

Test(gen, usage, .init = cr_redirect_stderr)
{
	char path[256];
	tmp_path(path, sizeof(path));
	const char *no_seed[] = { "--signals", "1", "--users", "1", "--symbols", "1", "-o", path };
	cr_expect_eq(run_gen(no_seed, 8), 2);
	const char *no_out[] = { "--signals", "1", "--users", "1", "--symbols", "1", "--seed", "1" };
	cr_expect_eq(run_gen(no_out, 8), 2);
	const char *bad_sym[] = { "--signals", "1", "--users", "1", "--symbols", "9",
				  "--seed", "1", "-o", path };
	cr_expect_eq(run_gen(bad_sym, 10), 2);
	const char *bad_users[] = { "--signals", "1", "--users", "0", "--symbols", "1",
				    "--seed", "1", "-o", path };
	cr_expect_eq(run_gen(bad_users, 10), 2);
	const char *bad_rate[] = { "--signals", "1", "--users", "1", "--symbols", "1",
				   "--seed", "1", "-o", path, "--rate", "fast" };
	cr_expect_eq(run_gen(bad_rate, 12), 2);
	const char *unknown[] = { "--signals", "1", "--bogus", "1" };
	cr_expect_eq(run_gen(unknown, 4), 2);
	const char *missing_val[] = { "--seed" };
	cr_expect_eq(run_gen(missing_val, 1), 2);
	const char *unwritable[] = { "--signals", "1", "--users", "1", "--symbols", "1",
				     "--seed", "1", "-o", "/nonexistent-dir/x.csv" };
	cr_expect_eq(run_gen(unwritable, 10), 1);
	unlink(path);
}

Test(gen, help, .init = cr_redirect_stdout)
{
	const char *help[] = { "--help" };
	cr_expect_eq(run_gen(help, 1), 0);
	fflush(stdout);
	cr_expect_stdout_eq_str(xr_gen_usage);
}

Test(gen, zero_signals_header_only)
{
	char path[256];
	tmp_path(path, sizeof(path));
	const char *args[] = { "--signals", "0", "--users", "1", "--symbols", "1",
			       "--seed", "0", "-o", path };
	cr_assert_eq(run_gen(args, 10), 0);
	size_t n;
	char *b = slurp(path, &n);
	cr_expect_str_eq(b, XR_SIGNAL_HEADER "\n");
	free(b);
	unlink(path);
}
