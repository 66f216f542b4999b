/*
 * Signal file parser (see xr_signal.h, docs/signals.md).
 *
 * DESIGN
 *   A row is split once into (pointer, length) slices — eight bytes at a
 *   time, finding the commas of a word with a SWAR byte compare —
 *   placed by column through the layout, then each field is converted in
 *   a fixed order (signal_id, ts_ns, user, symbol, side, qty, order_type,
 *   limit_px, tif, signal_type, strategy, max_slippage_bps), so the
 *   cross-field rules (limit_px and the tif default depend on order_type)
 *   see their inputs already parsed. Keywords compare case-insensitively,
 *   as lowercased 8-byte words; names go through the xr_names hash tables;
 *   decimals in plain form are converted inline, anything unusual goes
 *   through xr_fixed_parse() (8 decimal places, exact; same results).
 *
 *   Everything that only matters for a bad row — classifying a decimal
 *   error, looking for a '"', salvaging signal_id/ts_ns/user/symbol from
 *   fields not yet converted, formatting the message — happens in the
 *   error path (xr__bad), so a good row pays for none of it. A '"' can
 *   only appear in a good-looking row inside a name or strategy field, so
 *   those fields check for one when the lookup misses.
 */
#include "xr_signal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xr_names.h"

/* SWAR byte masks. */
#define XR__ONES UINT64_C(0x0101010101010101)
#define XR__LOW7 UINT64_C(0x7f7f7f7f7f7f7f7f)
#define XR__HIGH UINT64_C(0x8080808080808080)

/* Longest value quoted back in an error message (bytes). */
#define XR__ERR_VAL_MAX 48
/* Room for such a value as text: each byte may take 4 (\xHH), then "...". */
#define XR__ERR_VAL_TEXT (4 * XR__ERR_VAL_MAX + 4)

static const char *const xr__col_names[XR_SCOL_COUNT] = {
	[XR_SCOL_TS_NS] = "ts_ns",
	[XR_SCOL_SIGNAL_ID] = "signal_id",
	[XR_SCOL_USER] = "user",
	[XR_SCOL_SYMBOL] = "symbol",
	[XR_SCOL_SIDE] = "side",
	[XR_SCOL_QTY] = "qty",
	[XR_SCOL_ORDER_TYPE] = "order_type",
	[XR_SCOL_LIMIT_PX] = "limit_px",
	[XR_SCOL_TIF] = "tif",
	[XR_SCOL_SIGNAL_TYPE] = "signal_type",
	[XR_SCOL_STRATEGY] = "strategy",
	[XR_SCOL_MAX_SLIPPAGE_BPS] = "max_slippage_bps",
};

const char *
xr_signal_col_name(enum xr_signal_col c)
{
	return (unsigned)c < XR_SCOL_COUNT ? xr__col_names[c] : "invalid";
}

bool
xr_signal_line_is_blank_or_comment(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = line[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		return c == '#';
	}
	return true;
}

static inline size_t
xr__strip_eol(const char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	return len;
}

/* ---- header ------------------------------------------------------------ */

int
xr_signal_header_parse(const char *line, size_t len, struct xr_signal_layout *lay,
		       char *err, size_t err_len)
{
	bool seen[XR_SCOL_COUNT] = { false };
	size_t nf = 0;

	len = xr__strip_eol(line, len);
	if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
		line += 3;
		len -= 3;
	}
	const char *nul = memchr(line, '\0', len);
	if (nul != NULL) {
		size_t col = 1;
		for (const char *q = line; q < nul; q++)
			col += *q == ',';
		snprintf(err, err_len, "header: column %zu has a NUL byte", col);
		return -EINVAL;
	}
	if (memchr(line, '"', len) != NULL) {
		snprintf(err, err_len, "header: quoted fields are not supported");
		return -EINVAL;
	}
	memset(lay, 0xff, sizeof(*lay));

	const char *p = line, *end = line + len;
	for (;;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t n = (size_t)((comma != NULL ? comma : end) - p);
		int c = -1;

		if (n == 0) {
			snprintf(err, err_len, "header: column %zu is empty", nf + 1);
			return -EINVAL;
		}
		for (int k = 0; k < XR_SCOL_COUNT; k++) {
			if (strlen(xr__col_names[k]) == n && memcmp(xr__col_names[k], p, n) == 0) {
				c = k;
				break;
			}
		}
		if (c < 0) {
			snprintf(err, err_len, "header: unknown column \"%.*s\"",
				 (int)(n > XR__ERR_VAL_MAX ? XR__ERR_VAL_MAX : n), p);
			return -EINVAL;
		}
		if (seen[c]) {
			snprintf(err, err_len, "header: duplicate column \"%s\"", xr__col_names[c]);
			return -EINVAL;
		}
		seen[c] = true;
		/* nf < XR_SCOL_COUNT: more than that many distinct names is impossible. */
		lay->col[nf] = (uint8_t)c;
		lay->pos[c] = (uint8_t)nf;
		nf++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	if (nf < XR_SCOL_COUNT) {
		int w = snprintf(err, err_len, "header: missing column%s",
				 XR_SCOL_COUNT - nf > 1 ? "s" : "");
		const char *sep = " ";
		for (int k = 0; k < XR_SCOL_COUNT; k++) {
			if (seen[k])
				continue;
			if (w >= 0 && (size_t)w < err_len)
				w += snprintf(err + w, err_len - (size_t)w, "%s\"%s\"", sep,
					      xr__col_names[k]);
			sep = ", ";
		}
		return -EINVAL;
	}
	return 0;
}

/* ---- field converters (hot path) ----------------------------------------- */

struct xr__slice {
	const char *p;
	size_t n;
};

/* Parse all-digit text; -EINVAL (empty, non-digit), -ERANGE (> UINT64_MAX). */
static inline int
xr__parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	unsigned bad = 0;

	if (n - 1 < 19) {
		/* 1..19 digits cannot overflow: 10^19 - 1 < 2^64. */
		for (size_t i = 0; i < n; i++) {
			unsigned d = (unsigned)(unsigned char)s[i] - '0';
			bad |= d > 9;
			v = v * 10 + d;
		}
		if (bad)
			return -EINVAL;
		*out = v;
		return 0;
	}
	if (n == 0)
		return -EINVAL;
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(unsigned char)s[i] - '0';
		if (d > 9)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / 10)
			rc = -ERANGE; /* keep scanning: a later non-digit wins */
		v = v * 10 + d;
	}
	*out = v;
	return rc;
}

/*
 * Decimal to fixed point, 8 places, exactly as xr_fixed_parse(): the plain
 * form (up to 10 integer digits, optional '.', up to 8 decimals, no sign)
 * is converted here, anything else (signs, large values, errors) is left
 * to xr_fixed_parse(), so both always agree.
 */
static inline int
xr__parse_fixed8(const char *s, size_t n, int64_t *out)
{
	static const uint64_t pow10[9] = { 100000000, 10000000, 1000000, 100000, 10000,
					   1000,      100,	10,	 1 };
	uint64_t v = 0;
	size_t i = 0, ni, nfrac = 0;

	for (; i < n; i++) {
		unsigned d = (unsigned)(unsigned char)s[i] - '0';
		if (d > 9)
			break;
		v = v * 10 + d; /* may wrap for > 19 digits: then ni > 10 below */
	}
	ni = i;
	if (ni > 10)
		goto slow;
	if (i < n) {
		if (s[i] != '.')
			goto slow;
		for (i++; i < n; i++) {
			unsigned d = (unsigned)(unsigned char)s[i] - '0';
			if (d > 9)
				goto slow;
			v = v * 10 + d;
		}
		nfrac = n - ni - 1;
		if (nfrac > 8)
			goto slow;
	}
	if (ni + nfrac == 0)
		goto slow;
	/* < 10^10 * 10^8: fits in int64_t. */
	*out = (int64_t)(v * pow10[nfrac]);
	return 0;
slow:
	return xr_fixed_parse(s, n, 8, out);
}

/*
 * A keyword field, ASCII-lowercased, as two little-endian words: bytes
 * 0..7 and 8..15 (zero beyond n). Words longer than 16 bytes match no
 * keyword (n is kept).
 */
struct xr__word {
	uint64_t w0, w1;
	size_t n;
};

/* Bytes 'A'..'Z' of @p w to 'a'..'z', others unchanged (SWAR, exact). */
static inline uint64_t
xr__lower_swar(uint64_t w)
{
	uint64_t x = w & XR__LOW7; /* no carries out of a byte below */
	uint64_t ge_a = x + XR__ONES * (0x80 - 'A');
	uint64_t gt_z = x + XR__ONES * (0x80 - 'Z' - 1);
	uint64_t upper = ge_a & ~gt_z & ~w & XR__HIGH;
	return w | (upper >> 2);
}

/* @p n <= 8 bytes at @p s, lowercased; reads 8 bytes if s + 8 <= end. */
static inline uint64_t
xr__lower8(const char *s, size_t n, const char *end)
{
	uint64_t w = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if ((size_t)(end - s) >= 8) {
		memcpy(&w, s, 8);
		if (n < 8)
			w &= (UINT64_C(1) << (8 * n)) - 1;
		return xr__lower_swar(w);
	}
#endif
	for (size_t i = 0; i < n; i++)
		w |= (uint64_t)(unsigned char)s[i] << (8 * i);
	return xr__lower_swar(w);
}

static inline struct xr__word
xr__word(struct xr__slice v, const char *end)
{
	struct xr__word w = { 0, 0, v.n };
	if (v.n <= 16) {
		w.w0 = xr__lower8(v.p, v.n < 8 ? v.n : 8, end);
		if (v.n > 8)
			w.w1 = xr__lower8(v.p + 8, v.n - 8, end);
	}
	return w;
}

/* Byte i of literal @p lit at its place in an xr__word (0 past the end). */
#define XR__KB(lit, i)                                                            \
	((i) < sizeof(lit) - 1                                                     \
		 ? (uint64_t)(unsigned char)(lit)[(i) < sizeof(lit) - 1 ? (i) : 0]  \
			   << (8 * ((i) % 8))                                      \
		 : 0)
#define XR__K0(lit)                                                               \
	(XR__KB(lit, 0) | XR__KB(lit, 1) | XR__KB(lit, 2) | XR__KB(lit, 3) |         \
	 XR__KB(lit, 4) | XR__KB(lit, 5) | XR__KB(lit, 6) | XR__KB(lit, 7))
#define XR__K1(lit)                                                               \
	(XR__KB(lit, 8) | XR__KB(lit, 9) | XR__KB(lit, 10) | XR__KB(lit, 11) |        \
	 XR__KB(lit, 12) | XR__KB(lit, 13) | XR__KB(lit, 14) | XR__KB(lit, 15))

/* True if word @p w is the lowercase keyword @p lit (a string literal). */
#define XR__IS(w, lit)                                                            \
	((w).n == sizeof(lit) - 1 && (w).w0 == XR__K0(lit) && (w).w1 == XR__K1(lit))

static inline int
xr__parse_side(struct xr__slice sl, const char *end)
{
	struct xr__word v = xr__word(sl, end);
	if (XR__IS(v, "buy") || XR__IS(v, "b"))
		return XR_SIDE_BUY;
	if (XR__IS(v, "sell") || XR__IS(v, "s"))
		return XR_SIDE_SELL;
	return -1;
}

static inline int
xr__parse_ord_type(struct xr__slice sl, const char *end)
{
	struct xr__word v = xr__word(sl, end);
	if (XR__IS(v, "limit"))
		return XR_ORD_LIMIT;
	if (XR__IS(v, "market"))
		return XR_ORD_MARKET;
	return -1;
}

/* -2 for empty (default by order type). */
static inline int
xr__parse_tif(struct xr__slice sl, const char *end)
{
	struct xr__word v = xr__word(sl, end);
	if (v.n == 0)
		return -2;
	if (XR__IS(v, "ioc"))
		return XR_TIF_IOC;
	if (XR__IS(v, "day"))
		return XR_TIF_DAY;
	if (XR__IS(v, "fok"))
		return XR_TIF_FOK;
	if (XR__IS(v, "gtc"))
		return XR_TIF_GTC;
	return -1;
}

static inline int
xr__parse_signal_type(struct xr__slice sl, const char *end)
{
	struct xr__word v = xr__word(sl, end);
	if (XR__IS(v, "entry"))
		return XR_SIG_ENTRY;
	if (XR__IS(v, "exit"))
		return XR_SIG_EXIT;
	if (XR__IS(v, "profit_take"))
		return XR_SIG_PROFIT_TAKE;
	if (XR__IS(v, "stop_loss"))
		return XR_SIG_STOP_LOSS;
	return -1;
}

static inline char
xr__lower_ascii(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static inline int
xr__parse_strategy(struct xr__slice sl, const char *end)
{
	struct xr__word v = xr__word(sl, end);
	if (v.n == 0 || XR__IS(v, "default"))
		return XR_STRAT_DEFAULT;
	if (XR__IS(v, "weighted_score"))
		return XR_STRAT_WEIGHTED_SCORE;
	if (XR__IS(v, "best_execution"))
		return XR_STRAT_BEST_EXECUTION;
	if (XR__IS(v, "lowest_latency"))
		return XR_STRAT_LOWEST_LATENCY;
	if (XR__IS(v, "best_liquidity"))
		return XR_STRAT_BEST_LIQUIDITY;
	if (v.n > 16) {
		/* Longer than an xr__word holds ("cost_optimization"): compared
		 * byte by byte, case-insensitively like every keyword. */
		for (int k = XR_STRAT_DEFAULT + 1; k < XR_STRAT_COUNT; k++) {
			const char *name = xr_strategy_name((enum xr_strategy)k);
			size_t i = 0;
			if (strlen(name) != sl.n)
				continue;
			while (i < sl.n && xr__lower_ascii(sl.p[i]) == name[i])
				i++;
			if (i == sl.n)
				return k;
		}
		return XR_SIGNAL_UNKNOWN_STRATEGY;
	}
	if (XR__IS(v, "aggressive"))
		return XR_STRAT_AGGRESSIVE;
	if (XR__IS(v, "passive"))
		return XR_STRAT_PASSIVE;
	if (XR__IS(v, "balanced"))
		return XR_STRAT_BALANCED;
	if (XR__IS(v, "stealth"))
		return XR_STRAT_STEALTH;
	return XR_SIGNAL_UNKNOWN_STRATEGY;
}

/* ---- error path ---------------------------------------------------------- */

struct xr__row {
	const struct xr_signal_layout *lay;
	const struct xr_names *names;
	const char *line;
	size_t len;
	uint32_t lineno;
	struct xr_msg *out;
	char *err;
	size_t err_len;
	struct xr__slice f[XR_SCOL_COUNT]; /* by column; p == NULL if absent */
};

/* Fill signal_id, ts_ns, user and symbol from whatever fields parse. */
static void
xr__salvage(const struct xr__row *r)
{
	struct xr_msg *out = r->out;
	struct xr__slice v;
	uint64_t u;

	v = r->f[XR_SCOL_SIGNAL_ID];
	if (out->signal_id == 0 && v.p != NULL && xr__parse_u64(v.p, v.n, &u) == 0)
		out->signal_id = u;
	v = r->f[XR_SCOL_TS_NS];
	if (out->ts_ns == 0 && v.p != NULL && xr__parse_u64(v.p, v.n, &u) == 0 &&
	    u <= (uint64_t)INT64_MAX)
		out->ts_ns = (int64_t)u;
	if (r->names == NULL)
		return;
	v = r->f[XR_SCOL_USER];
	if (out->user == XR_SIGNAL_UNKNOWN_USER && v.p != NULL) {
		int64_t id = xr_names_user(r->names, v.p, v.n);
		if (id >= 0)
			out->user = (uint32_t)id;
	}
	v = r->f[XR_SCOL_SYMBOL];
	if (out->symbol == XR_SIGNAL_UNKNOWN_SYMBOL && v.p != NULL) {
		int64_t id = xr_names_symbol(r->names, v.p, v.n);
		if (id >= 0)
			out->symbol = (uint16_t)id;
	}
}

/*
 * @p n bytes at @p p, at most XR__ERR_VAL_MAX of them, into @p dst as
 * text: printable ASCII as is, every other byte (and '"', '\') as \xHH,
 * then "..." if cut. @p dst holds XR__ERR_VAL_TEXT bytes.
 */
static void
xr__fmt_value(char *dst, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t m = n > XR__ERR_VAL_MAX ? XR__ERR_VAL_MAX : n, w = 0;

	for (size_t i = 0; i < m; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			dst[w++] = (char)c;
			continue;
		}
		dst[w++] = '\\';
		dst[w++] = 'x';
		dst[w++] = hex[c >> 4];
		dst[w++] = hex[c & 15];
	}
	if (n > m) {
		memcpy(dst + w, "...", 3);
		w += 3;
	}
	dst[w] = '\0';
}

/* Column of the field holding byte @p q of the row; NULL past the twelfth. */
static const char *
xr__col_at(const struct xr__row *r, const char *q)
{
	size_t field = 0;
	for (const char *p = r->line; p < q; p++)
		field += *p == ',';
	return field < XR_SCOL_COUNT ? xr__col_names[r->lay->col[field]] : NULL;
}

/*
 * Report a NUL byte or a '"' in the row if there is one (a NUL first),
 * naming the column it sits in: `qty: "1\x002" has a NUL byte`,
 * `qty: quoted fields are not supported`.
 * @return true if one was found (and err written).
 */
static bool
xr__byte_error(const struct xr__row *r)
{
	const char *q = memchr(r->line, '\0', r->len);
	if (q != NULL) {
		const char *b = q, *e = q, *end = r->line + r->len;
		char val[XR__ERR_VAL_TEXT];
		while (b > r->line && b[-1] != ',')
			b--;
		while (e < end && *e != ',')
			e++;
		xr__fmt_value(val, b, (size_t)(e - b));
		const char *col = xr__col_at(r, q);
		snprintf(r->err, r->err_len, "%s%s\"%s\" has a NUL byte", col ? col : "",
			 col ? ": " : "", val);
		return true;
	}
	q = memchr(r->line, '"', r->len);
	if (q == NULL)
		return false;
	const char *col = xr__col_at(r, q);
	snprintf(r->err, r->err_len, "%s%squoted fields are not supported", col ? col : "",
		 col ? ": " : "");
	return true;
}

/*
 * Finish a failed row: keep only its identity (line, and signal_id, ts_ns,
 * user and symbol where their own fields are valid), mark it, return
 * -EINVAL. Whatever of side, qty, order type, price, tif, signal type,
 * strategy and slippage was converted before the failure is cleared: a
 * rejected row carries no quantity or price into the books.
 */
static int
xr__reject(const struct xr__row *r)
{
	struct xr_msg *out = r->out;
	uint64_t signal_id = out->signal_id;
	int64_t ts_ns = out->ts_ns;
	uint32_t user = out->user;
	uint16_t symbol = out->symbol;

	memset(out, 0, sizeof(*out));
	out->kind = XR_MSG_SIGNAL;
	out->line = r->lineno;
	out->venue = XR_VENUE_NONE;
	out->signal_id = signal_id;
	out->ts_ns = ts_ns;
	out->user = user;
	out->symbol = symbol;
	xr__salvage(r);
	out->reason = XR_R_PARSE;
	return -EINVAL;
}

/* Column @p c's value is bad: `COL: "VALUE" WHAT`. */
static int
xr__bad(const struct xr__row *r, enum xr_signal_col c, const char *what)
{
	struct xr__slice v = r->f[c];
	if (!xr__byte_error(r)) {
		char val[XR__ERR_VAL_TEXT];
		xr__fmt_value(val, v.p, v.n);
		snprintf(r->err, r->err_len, "%s: \"%s\" %s", xr__col_names[c], val, what);
	}
	return xr__reject(r);
}

/* A name or strategy field that did not match: a NUL byte or a '"' in it
 * makes the row an error. */
static int
xr__check_bytes(const struct xr__row *r, enum xr_signal_col c)
{
	if (memchr(r->f[c].p, '"', r->f[c].n) == NULL &&
	    memchr(r->f[c].p, '\0', r->f[c].n) == NULL)
		return 0;
	xr__byte_error(r);
	return xr__reject(r);
}

/* The row has @p nf fields instead of XR_SCOL_COUNT. */
static int
xr__bad_count(const struct xr__row *r, size_t nf)
{
	if (xr__byte_error(r))
		return xr__reject(r);
	if (nf > XR_SCOL_COUNT) {
		snprintf(r->err, r->err_len, "%zu fields, expected %d", nf, XR_SCOL_COUNT);
		return xr__reject(r);
	}
	int w = snprintf(r->err, r->err_len, "%zu fields, expected %d (missing", nf,
			 XR_SCOL_COUNT);
	for (size_t i = nf; i < XR_SCOL_COUNT; i++) {
		if (w >= 0 && (size_t)w < r->err_len)
			w += snprintf(r->err + w, r->err_len - (size_t)w, "%s%s",
				      i == nf ? " " : ", ", xr__col_names[r->lay->col[i]]);
	}
	if (w >= 0 && (size_t)w < r->err_len)
		snprintf(r->err + w, r->err_len - (size_t)w, ")");
	return xr__reject(r);
}

/* A decimal field failed xr_fixed_parse() with @p rc: say why. */
static int
xr__bad_decimal(const struct xr__row *r, enum xr_signal_col c, int rc)
{
	if (rc == -ERANGE)
		return xr__bad(r, c, "is out of range");
	/* -EINVAL: a well-formed decimal with too many decimals, or not one. */
	struct xr__slice v = r->f[c];
	size_t i = 0, digits = 0, frac = 0;
	bool dot = false;
	if (i < v.n && (v.p[i] == '-' || v.p[i] == '+'))
		i++;
	for (; i < v.n; i++) {
		if (v.p[i] == '.' && !dot) {
			dot = true;
		} else if (v.p[i] >= '0' && v.p[i] <= '9') {
			digits++;
			frac += dot;
		} else {
			return xr__bad(r, c, "is not a decimal number");
		}
	}
	if (digits > 0 && frac > 8)
		return xr__bad(r, c, "has more than 8 decimals");
	return xr__bad(r, c, "is not a decimal number");
}

/* ---- row ----------------------------------------------------------------- */


/* High bit of each byte of @p w that is ','; exact (no carries between bytes). */
static inline uint64_t
xr__comma_mask(uint64_t w)
{
	uint64_t x = w ^ (XR__ONES * ',');
	return ~(((x & XR__LOW7) + XR__LOW7) | x | XR__LOW7);
}

/*
 * Split @p line at ',' into slices, field i stored at f[lay->col[i]].
 * Eight bytes at a time (SWAR) on little-endian machines, then bytewise.
 * @return the number of fields if at most XR_SCOL_COUNT (fields beyond it
 *         are not stored), else XR_SCOL_COUNT + 1 (all XR_SCOL_COUNT
 *         stored, the rest not counted).
 */
static inline size_t
xr__split(const struct xr_signal_layout *lay, const char *line, size_t len,
	  struct xr__slice *f)
{
	size_t nf = 0, start = 0, i = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, line + i, 8);
		for (uint64_t m = xr__comma_mask(w); m != 0; m &= m - 1) {
			size_t at = i + ((size_t)__builtin_ctzll(m) >> 3);
			f[lay->col[nf++]] = (struct xr__slice){ line + start, at - start };
			if (nf == XR_SCOL_COUNT)
				return XR_SCOL_COUNT + 1;
			start = at + 1;
		}
	}
#endif
	for (; i < len; i++) {
		if (line[i] != ',')
			continue;
		f[lay->col[nf++]] = (struct xr__slice){ line + start, i - start };
		if (nf == XR_SCOL_COUNT)
			return XR_SCOL_COUNT + 1;
		start = i + 1;
	}
	f[lay->col[nf++]] = (struct xr__slice){ line + start, len - start };
	return nf;
}

int
xr_signal_parse(const struct xr_signal_layout *lay, const struct xr_names *names,
		const char *line, size_t len, uint32_t lineno, struct xr_msg *out,
		char *err, size_t err_len)
{
	struct xr__row r;
	struct xr__slice v;
	uint64_t u;
	int64_t id;
	int rc, k;

	/* Keyword loads may read up to here (the caller's bytes, EOL included). */
	const char *end = line + len;
	len = xr__strip_eol(line, len);
	r.lay = lay;
	r.names = names;
	r.line = line;
	r.len = len;
	r.lineno = lineno;
	r.out = out;
	r.err = err;
	r.err_len = err_len;

	memset(out, 0, sizeof(*out));
	out->kind = XR_MSG_SIGNAL;
	out->line = lineno;
	out->venue = XR_VENUE_NONE;
	out->user = XR_SIGNAL_UNKNOWN_USER;
	out->symbol = XR_SIGNAL_UNKNOWN_SYMBOL;

	size_t nf = xr__split(lay, line, len, r.f);
	if (nf != XR_SCOL_COUNT) {
		for (size_t i = nf; i < XR_SCOL_COUNT; i++)
			r.f[lay->col[i]] = (struct xr__slice){ NULL, 0 };
		size_t total = 1;
		for (size_t i = 0; i < len; i++)
			total += line[i] == ',';
		return xr__bad_count(&r, total);
	}

	v = r.f[XR_SCOL_SIGNAL_ID];
	rc = xr__parse_u64(v.p, v.n, &u);
	if (rc < 0)
		return xr__bad(&r, XR_SCOL_SIGNAL_ID,
			       rc == -ERANGE ? "is out of range" : "is not an unsigned integer");
	if (u == 0)
		return xr__bad(&r, XR_SCOL_SIGNAL_ID, "must be > 0");
	out->signal_id = u;

	v = r.f[XR_SCOL_TS_NS];
	rc = xr__parse_u64(v.p, v.n, &u);
	if (rc < 0 || u > (uint64_t)INT64_MAX)
		return xr__bad(&r, XR_SCOL_TS_NS,
			       rc == -EINVAL ? "is not an unsigned integer" : "is out of range");
	out->ts_ns = (int64_t)u;

	v = r.f[XR_SCOL_USER];
	if (v.n == 0)
		return xr__bad(&r, XR_SCOL_USER, "is empty");
	id = names != NULL ? xr_names_user(names, v.p, v.n) : -1;
	if (id >= 0)
		out->user = (uint32_t)id;
	else if (xr__check_bytes(&r, XR_SCOL_USER) < 0)
		return -EINVAL;

	v = r.f[XR_SCOL_SYMBOL];
	if (v.n == 0)
		return xr__bad(&r, XR_SCOL_SYMBOL, "is empty");
	id = names != NULL ? xr_names_symbol(names, v.p, v.n) : -1;
	if (id >= 0)
		out->symbol = (uint16_t)id;
	else if (xr__check_bytes(&r, XR_SCOL_SYMBOL) < 0)
		return -EINVAL;

	k = xr__parse_side(r.f[XR_SCOL_SIDE], end);
	if (k < 0)
		return xr__bad(&r, XR_SCOL_SIDE, "is not buy or sell");
	out->side = (uint8_t)k;

	v = r.f[XR_SCOL_QTY];
	rc = xr__parse_fixed8(v.p, v.n, &out->qty);
	if (rc < 0)
		return xr__bad_decimal(&r, XR_SCOL_QTY, rc);
	if (out->qty <= 0)
		return xr__bad(&r, XR_SCOL_QTY, "must be > 0");
	out->order_qty = out->qty;

	k = xr__parse_ord_type(r.f[XR_SCOL_ORDER_TYPE], end);
	if (k < 0)
		return xr__bad(&r, XR_SCOL_ORDER_TYPE, "is not market or limit");
	out->ord_type = (uint8_t)k;

	v = r.f[XR_SCOL_LIMIT_PX];
	if (k == XR_ORD_LIMIT) {
		if (v.n == 0)
			return xr__bad(&r, XR_SCOL_LIMIT_PX, "is required for a limit order");
		rc = xr__parse_fixed8(v.p, v.n, &out->limit_px);
		if (rc < 0)
			return xr__bad_decimal(&r, XR_SCOL_LIMIT_PX, rc);
		if (out->limit_px <= 0)
			return xr__bad(&r, XR_SCOL_LIMIT_PX, "must be > 0 for a limit order");
	} else if (v.n != 0) {
		rc = xr__parse_fixed8(v.p, v.n, &out->limit_px);
		if (rc < 0)
			return xr__bad_decimal(&r, XR_SCOL_LIMIT_PX, rc);
		if (out->limit_px != 0)
			return xr__bad(&r, XR_SCOL_LIMIT_PX,
				       "must be empty or 0 for a market order");
	}

	k = xr__parse_tif(r.f[XR_SCOL_TIF], end);
	if (k == -1)
		return xr__bad(&r, XR_SCOL_TIF, "is not day, gtc, ioc or fok");
	if (k == -2)
		k = out->ord_type == XR_ORD_MARKET ? XR_TIF_IOC : XR_TIF_DAY;
	out->tif = (uint8_t)k;

	k = xr__parse_signal_type(r.f[XR_SCOL_SIGNAL_TYPE], end);
	if (k < 0)
		return xr__bad(&r, XR_SCOL_SIGNAL_TYPE,
			       "is not entry, exit, profit_take or stop_loss");
	out->signal_type = (uint8_t)k;

	k = xr__parse_strategy(r.f[XR_SCOL_STRATEGY], end);
	if (k == XR_SIGNAL_UNKNOWN_STRATEGY && xr__check_bytes(&r, XR_SCOL_STRATEGY) < 0)
		return -EINVAL;
	out->strategy = (uint8_t)k;

	v = r.f[XR_SCOL_MAX_SLIPPAGE_BPS];
	if (v.n != 0) {
		/* Any number of leading zeros, as for every integer field. */
		if (xr__parse_u64(v.p, v.n, &u) < 0 || u > 10000)
			return xr__bad(&r, XR_SCOL_MAX_SLIPPAGE_BPS,
				       "is not an integer in 0..10000");
		out->max_slippage_bps = (int32_t)u;
	}
	out->reason = XR_R_NONE;
	return 0;
}
