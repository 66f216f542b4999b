/*
 * xroute gen: write a synthetic, realistic signal file (docs/signals.md).
 *
 * DESIGN
 *   One xoshiro256** stream seeded with splitmix64(--seed) drives every
 *   choice, in a fixed order, so a seed gives the same bytes on every run
 *   and every IEEE-754 machine: the only floating point is + - * / and the
 *   generator's own ln()/exp() (no libm, whose last bits differ between
 *   versions), and every price and quantity is written from fixed point
 *   (8 decimals) by integer code.
 *
 *   Shape of the flow:
 *   - event time: exponential inter-arrival times at --rate signals/s,
 *     at least 1 ns apart, so ts_ns strictly increases;
 *   - users: Zipf (weight 1/rank) over a random permutation of the users,
 *     sampled in O(1) with Vose's alias method, so a few users are much
 *     busier than the rest;
 *   - symbols: fixed popularity, BTC and ETH most traded;
 *   - signal_type 50% entry, 25% exit, 15% profit_take, 10% stop_loss;
 *     entries and profit takes mostly limit orders priced -6..+4 ticks
 *     through the mid (some marketable, some resting), exits and stop
 *     losses mostly market orders; tif mostly ioc, some day/fok/gtc;
 *   - size: notional Pareto(xm = 200 USD, alpha = 1.3) capped at 2,000,000
 *     USD, converted to whole lots of the symbol, at least one lot.
 *   - --error-ppm: that many rows per million are broken on purpose: a bad
 *     qty ("abc", "-5", "0.123456789"), an unknown side ("hold"), a
 *     missing last column, or the previous row's signal_id again.
 *
 *   Output goes through a 1 MiB buffer written with fwrite.
 */
#include "xr_gen.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xr_signal.h"

#define XR__G_SCALE INT64_C(100000000) /* fixed point: 8 decimals */
#define XR__G_MAX_USERS 10000000u
#define XR__G_MAX_SIGNALS UINT64_C(1000000000000)
#define XR__G_BUF (1u << 20)

/* Symbol universe: mid and tick from the brief, lot = order size step. */
struct xr__gsym {
	const char *name;
	int64_t mid_px;	 /* px scale */
	int64_t tick_px; /* px scale */
	int64_t lot_qty; /* qty scale */
	uint32_t weight; /* relative popularity */
};

static const struct xr__gsym xr__gsyms[] = {
	{ "BTC-USD", INT64_C(5000000000000), 50000000, 10000, 30 },	 /* 50000, 0.5, 0.0001 */
	{ "ETH-USD", INT64_C(300000000000), 5000000, 100000, 25 },	 /* 3000, 0.05, 0.001 */
	{ "SOL-USD", INT64_C(15000000000), 1000000, 1000000, 12 },	 /* 150, 0.01, 0.01 */
	{ "XRP-USD", 60000000, 10000, 100000000, 8 },			 /* 0.6, 0.0001, 1 */
	{ "DOGE-USD", 15000000, 1000, 100000000, 7 },			 /* 0.15, 0.00001, 1 */
	{ "ADA-USD", 45000000, 10000, 100000000, 6 },			 /* 0.45, 0.0001, 1 */
	{ "AVAX-USD", INT64_C(3500000000), 1000000, 1000000, 6 },	 /* 35, 0.01, 0.01 */
	{ "LINK-USD", INT64_C(1500000000), 100000, 10000000, 6 },	 /* 15, 0.001, 0.1 */
};
#define XR__G_NSYMS (sizeof(xr__gsyms) / sizeof(xr__gsyms[0]))

const char xr_gen_usage[] =
	"usage: xroute gen --signals N --users U --symbols S --seed X -o FILE\n"
	"                  [--rate PER_S] [--error-ppm P] [--start-ns T]\n"
	"\n"
	"Write a synthetic signal file (docs/signals.md): a header line, then N rows.\n"
	"\n"
	"  --signals N     rows to write, 0..10^12\n"
	"  --users U       users u001..uU (printf \"u%03u\"), 1..10000000; Zipf activity\n"
	"  --symbols S     first S of BTC-USD ETH-USD SOL-USD XRP-USD DOGE-USD ADA-USD\n"
	"                  AVAX-USD LINK-USD, 1..8\n"
	"  --seed X        PRNG seed (unsigned 64-bit); same seed, same bytes\n"
	"  -o FILE         output file, - for stdout\n"
	"  --rate PER_S    mean signals per second of event time (default 50000)\n"
	"  --error-ppm P   malformed rows and duplicate ids per million (default 0)\n"
	"  --start-ns T    first timestamp region, ns (default 1700000000000000000)\n"
	"  --help          print this and exit\n";

/* ---- PRNG: splitmix64 seeding, xoshiro256** (Blackman & Vigna) ----------- */

struct xr__grng {
	uint64_t s[4];
};

static uint64_t
xr__gsplitmix(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static inline uint64_t
xr__grotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t
xr__gnext(struct xr__grng *r)
{
	uint64_t *s = r->s;
	uint64_t out = xr__grotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = xr__grotl(s[3], 45);
	return out;
}

/* Uniform in (0, 1]: never 0, so ln() is finite. */
static inline double
xr__gunit_open(struct xr__grng *r)
{
	return (double)((xr__gnext(r) >> 11) + 1) * 0x1.0p-53;
}

/* Uniform in 0..n-1 (n <= 2^32; multiply-shift, bias < n / 2^32). */
static inline uint32_t
xr__gbelow(struct xr__grng *r, uint32_t n)
{
	return (uint32_t)(((xr__gnext(r) >> 32) * (uint64_t)n) >> 32);
}

/* ---- ln / exp without libm (bit-exact everywhere IEEE-754 holds) --------- */

#define XR__G_LN2 0.69314718055994530942

/* Natural log of a positive normal double. */
static double
xr__gln(double x)
{
	uint64_t b;
	memcpy(&b, &x, sizeof(b));
	int e = (int)((b >> 52) & 0x7ff) - 1023;
	b = (b & UINT64_C(0x000fffffffffffff)) | UINT64_C(0x3ff0000000000000);
	double m;
	memcpy(&m, &b, sizeof(m)); /* 1 <= m < 2 */
	if (m > 1.41421356237309504880) {
		m *= 0.5;
		e++;
	}
	/* ln(m) = 2 atanh(z), z = (m-1)/(m+1), |z| <= 0.172. */
	double z = (m - 1.0) / (m + 1.0), z2 = z * z;
	double s = 1.0 / 19;
	for (int k = 17; k >= 1; k -= 2)
		s = s * z2 + 1.0 / k;
	return 2.0 * z * s + e * XR__G_LN2;
}

/* e^x for |x| < 700. */
static double
xr__gexp(double x)
{
	double kd = x / XR__G_LN2;
	int k = (int)(kd < 0 ? kd - 0.5 : kd + 0.5);
	double r = x - k * XR__G_LN2; /* |r| <= 0.35 */
	double s = 1.0;
	for (int i = 14; i >= 1; i--)
		s = 1.0 + s * r / i;
	uint64_t b = (uint64_t)(k + 1023) << 52;
	double p;
	memcpy(&p, &b, sizeof(p));
	return s * p;
}

/* ---- output -------------------------------------------------------------- */

struct xr__gout {
	FILE *f;
	char *buf;
	size_t n;
	bool failed;
};

static void
xr__gflush(struct xr__gout *o)
{
	if (o->n > 0 && fwrite(o->buf, 1, o->n, o->f) != o->n)
		o->failed = true;
	o->n = 0;
}

static inline char *
xr__gput_u64(char *p, uint64_t v)
{
	return p + xr_u64_format(p, v);
}

/* "u" and the 1-based user number, at least 3 digits ("u007", "u1234"). */
static inline char *
xr__gput_user(char *p, uint32_t u)
{
	*p++ = 'u';
	if (u < 100)
		*p++ = '0';
	if (u < 10)
		*p++ = '0';
	return xr__gput_u64(p, u);
}

/* Positive fixed point (8 decimals), trailing fractional zeros trimmed. */
static inline char *
xr__gput_fixed(char *p, int64_t v)
{
	uint64_t ip = (uint64_t)v / (uint64_t)XR__G_SCALE;
	uint64_t fp = (uint64_t)v % (uint64_t)XR__G_SCALE;
	p = xr__gput_u64(p, ip);
	if (fp != 0) {
		char d[8];
		int n = 8;
		for (int i = 7; i >= 0; i--) {
			d[i] = (char)('0' + fp % 10);
			fp /= 10;
		}
		while (d[n - 1] == '0')
			n--;
		*p++ = '.';
		memcpy(p, d, (size_t)n);
		p += n;
	}
	return p;
}

static inline char *
xr__gput_str(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return p + n;
}

/* ---- user popularity: Zipf over a permutation, Vose alias table ---------- */

struct xr__galias {
	uint32_t n;
	uint32_t *prob;	 /* threshold on 32 random bits */
	uint32_t *alias; /* other outcome of the bucket */
};

static int
xr__galias_build(struct xr__galias *a, uint32_t n, struct xr__grng *rng)
{
	double *w = malloc((size_t)n * sizeof(*w));
	uint32_t *perm = malloc((size_t)n * sizeof(*perm));
	uint32_t *small = malloc((size_t)n * sizeof(*small));
	uint32_t *large = malloc((size_t)n * sizeof(*large));
	a->n = n;
	a->prob = malloc((size_t)n * sizeof(*a->prob));
	a->alias = malloc((size_t)n * sizeof(*a->alias));
	int rc = -ENOMEM;
	if (w == NULL || perm == NULL || small == NULL || large == NULL ||
	    a->prob == NULL || a->alias == NULL)
		goto out;

	/* User perm[k] has weight 1/(k+1); Fisher-Yates shuffle. */
	for (uint32_t i = 0; i < n; i++)
		perm[i] = i;
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = xr__gbelow(rng, i + 1);
		uint32_t t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	double sum = 0;
	for (uint32_t k = 0; k < n; k++)
		sum += 1.0 / (k + 1);
	for (uint32_t k = 0; k < n; k++)
		w[perm[k]] = (1.0 / (k + 1)) * n / sum; /* mean 1 */

	uint32_t ns = 0, nl = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (w[i] < 1.0)
			small[ns++] = i;
		else
			large[nl++] = i;
	}
	while (ns > 0 && nl > 0) {
		uint32_t s = small[--ns], l = large[nl - 1];
		a->prob[s] = (uint32_t)(w[s] * 4294967296.0);
		a->alias[s] = l;
		w[l] -= 1.0 - w[s];
		if (w[l] < 1.0) {
			nl--;
			small[ns++] = l;
		}
	}
	/* Leftovers have weight 1 up to rounding: always themselves. */
	while (nl > 0) {
		uint32_t l = large[--nl];
		a->prob[l] = UINT32_MAX;
		a->alias[l] = l;
	}
	while (ns > 0) {
		uint32_t s = small[--ns];
		a->prob[s] = UINT32_MAX;
		a->alias[s] = s;
	}
	rc = 0;
out:
	free(w);
	free(perm);
	free(small);
	free(large);
	return rc;
}

static inline uint32_t
xr__galias_pick(const struct xr__galias *a, struct xr__grng *rng)
{
	uint64_t r = xr__gnext(rng);
	uint32_t i = (uint32_t)(((r >> 32) * a->n) >> 32);
	return (uint32_t)r < a->prob[i] ? i : a->alias[i];
}

/* ---- options ------------------------------------------------------------- */

struct xr__gopts {
	uint64_t signals;
	uint32_t users;
	uint32_t symbols;
	uint64_t seed;
	const char *out;
	double rate;
	uint32_t error_ppm;
	uint64_t start_ns;
	bool have_signals, have_users, have_symbols, have_seed;
};

static int
xr__gusage_error(const char *fmt_opt, const char *val, const char *why)
{
	if (val != NULL)
		fprintf(stderr, "xroute gen: %s: \"%s\" %s\n", fmt_opt, val, why);
	else
		fprintf(stderr, "xroute gen: %s %s\n", fmt_opt, why);
	fputs(xr_gen_usage, stderr);
	return 2;
}

/* Unsigned decimal integer, lo..hi. */
static bool
xr__gparse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static int
xr__gparse_opts(int argc, char **argv, struct xr__gopts *o, bool *help)
{
	*help = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		char name[32];
		const char *eq = strchr(a, '=');

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			*help = true;
			return 0;
		}
		if (strncmp(a, "--", 2) == 0 && eq != NULL) {
			size_t n = (size_t)(eq - a);
			if (n >= sizeof(name))
				return xr__gusage_error(a, NULL, "is not an option");
			memcpy(name, a, n);
			name[n] = '\0';
			val = eq + 1;
		} else {
			if (strlen(a) >= sizeof(name) || a[0] != '-')
				return xr__gusage_error(a, NULL, "is not an option");
			strcpy(name, a);
			if (i + 1 < argc)
				val = argv[++i];
		}

		uint64_t v;
		if (strcmp(name, "-o") == 0 || strcmp(name, "--output") == 0) {
			if (val == NULL || *val == '\0')
				return xr__gusage_error(name, NULL, "needs a file name");
			o->out = val;
			continue;
		}
		if (strcmp(name, "--signals") != 0 && strcmp(name, "--users") != 0 &&
		    strcmp(name, "--symbols") != 0 && strcmp(name, "--seed") != 0 &&
		    strcmp(name, "--rate") != 0 && strcmp(name, "--error-ppm") != 0 &&
		    strcmp(name, "--start-ns") != 0)
			return xr__gusage_error(name, NULL, "is not an option");
		if (val == NULL)
			return xr__gusage_error(name, NULL, "needs a value");
		if (strcmp(name, "--signals") == 0) {
			if (!xr__gparse_u64(val, 0, XR__G_MAX_SIGNALS, &v))
				return xr__gusage_error(name, val, "is not an integer in 0..10^12");
			o->signals = v;
			o->have_signals = true;
		} else if (strcmp(name, "--users") == 0) {
			if (!xr__gparse_u64(val, 1, XR__G_MAX_USERS, &v))
				return xr__gusage_error(name, val, "is not an integer in 1..10000000");
			o->users = (uint32_t)v;
			o->have_users = true;
		} else if (strcmp(name, "--symbols") == 0) {
			if (!xr__gparse_u64(val, 1, XR__G_NSYMS, &v))
				return xr__gusage_error(name, val, "is not an integer in 1..8");
			o->symbols = (uint32_t)v;
			o->have_symbols = true;
		} else if (strcmp(name, "--seed") == 0) {
			if (!xr__gparse_u64(val, 0, UINT64_MAX, &v))
				return xr__gusage_error(name, val, "is not an unsigned 64-bit integer");
			o->seed = v;
			o->have_seed = true;
		} else if (strcmp(name, "--error-ppm") == 0) {
			if (!xr__gparse_u64(val, 0, 1000000, &v))
				return xr__gusage_error(name, val, "is not an integer in 0..1000000");
			o->error_ppm = (uint32_t)v;
		} else if (strcmp(name, "--start-ns") == 0) {
			if (!xr__gparse_u64(val, 0, UINT64_C(4000000000000000000), &v))
				return xr__gusage_error(name, val,
							"is not an integer in 0..4000000000000000000");
			o->start_ns = v;
		} else { /* --rate */
			char *end;
			errno = 0;
			double d = strtod(val, &end);
			if (errno != 0 || *end != '\0' || end == val || !(d >= 0.001 && d <= 1e9))
				return xr__gusage_error(name, val, "is not a number in 0.001..1e9");
			o->rate = d;
		}
	}
	if (!o->have_signals)
		return xr__gusage_error("--signals", NULL, "is required");
	if (!o->have_users)
		return xr__gusage_error("--users", NULL, "is required");
	if (!o->have_symbols)
		return xr__gusage_error("--symbols", NULL, "is required");
	if (!o->have_seed)
		return xr__gusage_error("--seed", NULL, "is required");
	if (o->out == NULL)
		return xr__gusage_error("-o", NULL, "is required");
	return 0;
}

/* ---- rows ---------------------------------------------------------------- */

static const char *const xr__gtypes[] = { "entry", "exit", "profit_take", "stop_loss" };

static void
xr__gwrite_rows(const struct xr__gopts *o, struct xr__gout *out, struct xr__grng *rng,
		const struct xr__galias *users)
{
	uint32_t wsum[XR__G_NSYMS], wtotal = 0;
	for (uint32_t s = 0; s < o->symbols; s++) {
		wtotal += xr__gsyms[s].weight;
		wsum[s] = wtotal;
	}
	const double ns_per_signal = 1e9 / o->rate;
	const double inv_alpha = 1.0 / 1.3, xm = 200.0, cap = 2000000.0;
	uint64_t ts = o->start_ns, id = 0;

	for (uint64_t row = 0; row < o->signals; row++) {
		if (out->n > XR__G_BUF - 512)
			xr__gflush(out);
		char *p = out->buf + out->n;

		/* Timestamp: exponential gap, >= 1 ns. */
		double gap = -xr__gln(xr__gunit_open(rng)) * ns_per_signal + 0.5;
		ts += gap >= 1.0 ? (uint64_t)gap : 1;

		/* Broken row? Kinds: 0 bad qty, 1 bad side, 2 missing column,
		 * 3 duplicate id (needs a previous id; else a bad qty). */
		int bad = -1;
		if (o->error_ppm > 0 && xr__gbelow(rng, 1000000) < o->error_ppm) {
			bad = (int)xr__gbelow(rng, 4);
			if (bad == 3 && id == 0)
				bad = 0;
		}
		if (bad != 3)
			id++;

		uint32_t u = xr__galias_pick(users, rng);
		uint32_t r = xr__gbelow(rng, wtotal), s = 0;
		while (r >= wsum[s])
			s++;
		const struct xr__gsym *sym = &xr__gsyms[s];

		uint32_t t100 = xr__gbelow(rng, 100);
		int type = t100 < 50 ? 0 : t100 < 75 ? 1 : t100 < 90 ? 2 : 3;
		bool buy = xr__gbelow(rng, 2) == 0;
		static const uint32_t limit_pct[] = { 80, 15, 70, 10 };
		bool limit = xr__gbelow(rng, 100) < limit_pct[type];

		/* Size: Pareto notional -> whole lots. */
		double notional = xm * xr__gexp(-xr__gln(xr__gunit_open(rng)) * inv_alpha);
		if (notional > cap)
			notional = cap;
		double lot_usd = (double)sym->mid_px * (double)sym->lot_qty /
				 ((double)XR__G_SCALE * (double)XR__G_SCALE);
		double lots_d = notional / lot_usd;
		int64_t lots = lots_d >= 1.0 ? (int64_t)lots_d : 1;
		int64_t qty = lots * sym->lot_qty;

		int64_t px = 0;
		if (limit) {
			/* -6..+4 ticks through the mid: > 0 is aggressive. */
			int64_t d = (int64_t)xr__gbelow(rng, 11) - 6;
			px = buy ? sym->mid_px + d * sym->tick_px : sym->mid_px - d * sym->tick_px;
		}
		uint32_t tr = xr__gbelow(rng, 100);
		const char *tif;
		if (limit)
			tif = tr < 60 ? "ioc" : tr < 75 ? "day" : tr < 80 ? "" : tr < 95 ? "fok" : "gtc";
		else
			tif = tr < 70 ? "" : tr < 90 ? "ioc" : "fok";
		bool market_zero = !limit && xr__gbelow(rng, 100) < 5;
		uint32_t sr = xr__gbelow(rng, 100);
		/* Half name no strategy and 5% "default"; 6% each of the seven
		 * crossing strategies (7% weighted_score); 1% each of passive
		 * and stealth, whose orders rest or are cut into many children. */
		static const char *const strats[] = {
			"weighted_score", "best_execution", "lowest_latency",
			"best_liquidity", "cost_optimization", "aggressive", "balanced",
		};
		const char *strat = sr < 50 ? "" : sr < 55 ? "default"
				  : sr == 55 ? "passive" : sr == 56 ? "stealth"
				  : sr == 57 ? "weighted_score" : strats[(sr - 58) / 6];
		uint32_t slip = xr__gbelow(rng, 100) < 20 ? 5 + xr__gbelow(rng, 46) : 0;
		uint32_t bad_pick = bad == 0 ? xr__gbelow(rng, 3) : 0;

		/* ts_ns,signal_id,user,symbol,side,qty,order_type,limit_px,tif,
		 * signal_type,strategy,max_slippage_bps */
		p = xr__gput_u64(p, ts);
		*p++ = ',';
		p = xr__gput_u64(p, id);
		*p++ = ',';
		p = xr__gput_user(p, u + 1);
		*p++ = ',';
		p = xr__gput_str(p, sym->name);
		*p++ = ',';
		p = xr__gput_str(p, bad == 1 ? "hold" : buy ? "buy" : "sell");
		*p++ = ',';
		if (bad == 0) {
			static const char *const bad_qty[] = { "abc", "-5", "0.123456789" };
			p = xr__gput_str(p, bad_qty[bad_pick]);
		} else {
			p = xr__gput_fixed(p, qty);
		}
		*p++ = ',';
		p = xr__gput_str(p, limit ? "limit" : "market");
		*p++ = ',';
		if (limit)
			p = xr__gput_fixed(p, px);
		else if (market_zero)
			*p++ = '0';
		*p++ = ',';
		p = xr__gput_str(p, tif);
		*p++ = ',';
		p = xr__gput_str(p, xr__gtypes[type]);
		*p++ = ',';
		p = xr__gput_str(p, strat);
		if (bad != 2) {
			*p++ = ',';
			if (slip != 0)
				p = xr__gput_u64(p, slip);
		}
		*p++ = '\n';
		out->n = (size_t)(p - out->buf);
	}
}

int
xr_gen_main(int argc, char **argv)
{
	struct xr__gopts o = { .rate = 50000.0, .start_ns = UINT64_C(1700000000000000000) };
	bool help;
	int rc = xr__gparse_opts(argc, argv, &o, &help);
	if (rc != 0)
		return rc;
	if (help) {
		fputs(xr_gen_usage, stdout);
		return 0;
	}

	struct xr__grng rng;
	uint64_t sm = o.seed;
	for (int i = 0; i < 4; i++)
		rng.s[i] = xr__gsplitmix(&sm);

	struct xr__galias users = { 0 };
	struct xr__gout out = { 0 };
	bool to_stdout = strcmp(o.out, "-") == 0;
	rc = 1;
	if (xr__galias_build(&users, o.users, &rng) < 0) {
		fprintf(stderr, "xroute gen: out of memory\n");
		goto done;
	}
	out.buf = malloc(XR__G_BUF);
	if (out.buf == NULL) {
		fprintf(stderr, "xroute gen: out of memory\n");
		goto done;
	}
	out.f = to_stdout ? stdout : fopen(o.out, "wb");
	if (out.f == NULL) {
		fprintf(stderr, "xroute gen: %s: %s\n", o.out, strerror(errno));
		goto done;
	}

	memcpy(out.buf, XR_SIGNAL_HEADER "\n", sizeof(XR_SIGNAL_HEADER));
	out.n = sizeof(XR_SIGNAL_HEADER);
	xr__gwrite_rows(&o, &out, &rng, &users);
	xr__gflush(&out);

	if (to_stdout) {
		if (fflush(stdout) != 0)
			out.failed = true;
	} else if (fclose(out.f) != 0) {
		out.failed = true;
	}
	if (out.failed)
		fprintf(stderr, "xroute gen: %s: write failed: %s\n", o.out, strerror(errno));
	else
		rc = 0;
done:
	free(out.buf);
	free(users.prob);
	free(users.alias);
	return rc;
}
