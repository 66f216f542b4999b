/*
 * Fuzz target for the FIX codec (connectors/fix/xr_fix.h): the framer over
 * a byte stream arriving in reads of any size, the parser and every
 * accessor over each message it frames, and the writer re-encoding what
 * was parsed.
 *
 * INPUT
 *   Byte 0 chooses the read size (xr__chunk(): 0..127 -> 1..128 bytes,
 *   128..255 -> 64, 128, ... 8192 bytes); the other bytes are the stream a
 *   venue sends. tests/fuzz/make-corpus.py writes the seed corpus.
 *
 * DESIGN
 *   A connector's receive loop: append a read to a fixed receive buffer of
 *   2 * XR_FIX_MAX_MSG bytes, frame until the framer needs more, drop what
 *   it reports (a message, or the bytes to resynchronise), repeat. Under
 *   AddressSanitizer the buffer past the bytes received is poisoned (and
 *   past the message while it is parsed), so a read past len is a crash,
 *   not stale data.
 *
 * INVARIANTS (each violation prints what and where, then __builtin_trap())
 *   Framer: returns -1, 0 or 1; 0 only below XR_FIX_MAX_MSG bytes (so the
 *   buffer never fills undecided); 1: the length is within the bytes given
 *   and XR_FIX_MAX_MSG, BeginString, BodyLength and a CheckSum recomputed
 *   here agree with it; -1: a framing reason, 1 <= drop <= len, the drop
 *   stops at the first "8=FIX" (or a prefix of it at the end) after byte 0
 *   and skips none. A decision on a partial read is the one on more of
 *   the stream (same rc, reason and message length).
 *   Parser: on a framed message, refuses only with BAD_FIELD,
 *   TOO_MANY_FIELDS or NO_MSGTYPE; on the whole input, unframed, reads
 *   only its bytes and refuses with a parse reason. Accepted: fields 8 9
 *   35 ... 10 tile the message exactly, each value non-empty, inside it
 *   and without SOH, each tag the digits before its '='; version and
 *   MsgType as on the wire.
 *   Accessors: find() gives the first field of a tag; get_str/u64/char/
 *   fixed agree with reference readers here (get_fixed: a value that
 *   parses formats back to itself); absent tags and bad decimals fail.
 *   Writer: the parsed body re-encoded (typed puts for typed values) frames
 *   and parses to the same tags and values; -ENOSPC only for a message
 *   near XR_FIX_MAX_MSG or a small buffer; an exact-size buffer one byte
 *   short of what it used is refused, others near that size are never
 *   overrun and give the same bytes when it fits; UTCTimestamp agrees with
 *   gmtime_r().
 *
 * BUILDS
 *   -DXR_FUZZ_LIBFUZZER (meson -Dfuzz=true, clang): libFuzzer's entry point
 *   only; tests/fuzz/run-fuzz.sh runs it. Otherwise linked with replay.c,
 *   a program replaying files and directories (the corpus) through the
 *   same function: test fuzz_fix_corpus, suite fast, and under ASan+UBSan
 *   in build-asan.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "replay.h"
#include "xr_fix.h"
#include "xr_types.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define XR__FUZZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define XR__FUZZ_ASAN 1
#endif
#ifdef XR__FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#define XR__POISON(p, n) __asan_poison_memory_region((p), (n))
#define XR__UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define XR__POISON(p, n) ((void)(p), (void)(n))
#define XR__UNPOISON(p, n) ((void)(p), (void)(n))
#endif


/* The receive buffer: two of the largest message, as a connector keeps. */
#define XR__RX_CAP (2 * XR_FIX_MAX_MSG)
/* "10=nnn<SOH>" */
#define XR__TRAILER 7
/* A framing decision is re-checked with up to this many more bytes. */
#define XR__LOOKAHEAD 256

#define xr__input xr_fuzz_input /* for the failure message */

_Noreturn static void
xr__fail(const char *what, int line)
{
	fprintf(stderr, "fuzz_fix: %s: invariant broken at fuzz_fix.c:%d: %s\n", xr__input, line,
		what);
	__builtin_trap();
}

#define XR__CHECK(c)                                                                               \
	do {                                                                                       \
		if (!(c))                                                                          \
			xr__fail(#c, __LINE__);                                                    \
	} while (0)

static size_t
xr__chunk(uint8_t c)
{
	return c < 128 ? (size_t)c + 1 : (size_t)(c - 127) * 64;
}

static bool
xr__framing_reason(enum xr_fix_error e)
{
	return e == XR_FIX_GARBAGE || e == XR_FIX_BAD_BEGIN || e == XR_FIX_BAD_BODYLENGTH ||
	       e == XR_FIX_LENGTH_MISMATCH || e == XR_FIX_BAD_CHECKSUM || e == XR_FIX_OVERSIZE;
}

/* Reference readers, written from the headers' contracts, not the code. */

/*
 * Digits only, 1..20 of them, the value within 64 bits (xr_fix.h): with
 * leading zeros skipped, fewer than 20 digits always fit, and 20 digits
 * fit if they compare <= "18446744073709551615" as text.
 */
static bool
xr__ref_u64(const char *s, uint32_t n, uint64_t *v)
{
	uint64_t x = 0;
	uint32_t z = 0;

	if (n == 0 || n > 20)
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	while (z < n && s[z] == '0')
		z++;
	if (n - z == 20 && memcmp(s + z, "18446744073709551615", 20) > 0)
		return false;
	for (uint32_t i = z; i < n; i++)
		x = x * 10 + (uint64_t)(s[i] - '0');
	*v = x;
	return true;
}

/*
 * xr_fixed_parse()'s contract (xr_types.h): optional sign, digits, at most
 * @p decimals fractional digits, magnitude <= INT64_MAX. A FIX value
 * holding a NUL is refused (xr_fix_get_fixed(): "5<NUL>x" is not 5).
 */
static bool
xr__ref_fixed(const char *s, uint32_t n, int decimals, int64_t *v)
{
	uint32_t i = 0;
	bool neg = false, dot = false, any = false;
	int frac = 0;
	uint64_t x = 0;

	if (decimals < 0 || decimals > 18)
		return false;
	if (memchr(s, '\0', n) != NULL)
		return false;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	for (; i < n; i++) {
		if (s[i] == '.' && !dot) {
			dot = true;
			continue;
		}
		if (s[i] < '0' || s[i] > '9' || (dot && ++frac > decimals))
			return false;
		if (__builtin_mul_overflow(x, 10, &x) ||
		    __builtin_add_overflow(x, (uint64_t)(s[i] - '0'), &x))
			return false;
		any = true;
	}
	for (; frac < decimals; frac++)
		if (__builtin_mul_overflow(x, 10, &x))
			return false;
	if (!any || x > (uint64_t)INT64_MAX)
		return false;
	*v = neg ? -(int64_t)x : (int64_t)x;
	return true;
}

/* What xr_fix_frame() said about @p buf (@p len bytes): checked. */
static void
xr__check_frame(const char *buf, size_t len, int rc, size_t n, enum xr_fix_error why)
{
	static const char fix[] = "8=FIX";

	XR__CHECK(rc >= -1 && rc <= 1);
	if (rc == 0) {
		XR__CHECK(n == 0 && why == XR_FIX_OK);
		XR__CHECK(len < XR_FIX_MAX_MSG);
		return;
	}
	if (rc == -1) {
		XR__CHECK(xr__framing_reason(why));
		XR__CHECK(strcmp(xr_fix_error_name(why), "invalid") != 0);
		XR__CHECK(n >= 1 && n <= len);
		/* No "8=FIX" (nor a prefix of it at the end) skipped ... */
		for (size_t i = 1; i < n; i++) {
			size_t k = len - i < 5 ? len - i : 5;
			XR__CHECK(memcmp(buf + i, fix, k) != 0);
		}
		/* ... and the drop stops at one. */
		if (n < len)
			XR__CHECK(memcmp(buf + n, fix, len - n < 5 ? len - n : 5) == 0);
		return;
	}
	/* rc == 1: the message recomputed here. */
	XR__CHECK(why == XR_FIX_OK);
	XR__CHECK(n <= len && n <= XR_FIX_MAX_MSG);
	XR__CHECK(n >= 10 + 4 + 1 + XR__TRAILER);
	XR__CHECK(memcmp(buf, "8=FIX.4.2\x01", 10) == 0 || memcmp(buf, "8=FIX.4.4\x01", 10) == 0);
	XR__CHECK(buf[10] == '9' && buf[11] == '=');
	size_t p = 12, body = 0;
	while (p < n && buf[p] >= '0' && buf[p] <= '9')
		body = body * 10 + (size_t)(buf[p++] - '0');
	XR__CHECK(p > 12 && p - 12 <= 4 && p < n && buf[p] == XR_FIX_SOH);
	size_t end = p + 1 + body;
	XR__CHECK(body >= 1 && end + XR__TRAILER == n);
	XR__CHECK(buf[end - 1] == XR_FIX_SOH && memcmp(buf + end, "10=", 3) == 0);
	XR__CHECK(buf[n - 1] == XR_FIX_SOH);
	unsigned sum = 0, want = 0;
	for (size_t i = 0; i < end; i++)
		sum += (unsigned char)buf[i];
	for (size_t i = end + 3; i < end + 6; i++) {
		XR__CHECK(buf[i] >= '0' && buf[i] <= '9');
		want = want * 10 + (unsigned)(buf[i] - '0');
	}
	XR__CHECK(sum % 256 == want);
}

/* Every accessor on field @p i's tag, against the reference readers. */
static void
xr__check_accessors(const struct xr_fix_msg *m, uint32_t i)
{
	uint32_t tag = m->f[i].tag;
	int j = xr_fix_find(m, tag);

	XR__CHECK(j >= 0 && (uint32_t)j <= i && m->f[j].tag == tag);
	for (int k = 0; k < j; k++)
		XR__CHECK(m->f[k].tag != tag);
	const struct xr_fix_field *f = &m->f[j];
	const char *s;
	uint32_t sl;
	XR__CHECK(xr_fix_get_str(m, tag, &s, &sl));
	XR__CHECK(s == m->buf + f->off && sl == f->len);

	uint64_t u, ru;
	bool ok = xr_fix_get_u64(m, tag, &u), rok = xr__ref_u64(s, sl, &ru);
	XR__CHECK(ok == rok && (!ok || u == ru));

	char c;
	ok = xr_fix_get_char(m, tag, &c);
	XR__CHECK(ok == (sl == 1) && (!ok || c == s[0]));

	static const int decimals[] = {0, 2, 8, 18};
	for (size_t d = 0; d < sizeof(decimals) / sizeof(decimals[0]); d++) {
		int64_t v, rv;
		ok = xr_fix_get_fixed(m, tag, decimals[d], &v);
		rok = xr__ref_fixed(s, sl, decimals[d], &rv);
		XR__CHECK(ok == rok && (!ok || v == rv));
		if (ok) {
			char txt[32];
			int tl = xr_fixed_format(txt, v, decimals[d]);
			int64_t back;
			XR__CHECK(tl > 0 && tl < 24);
			XR__CHECK(xr_fixed_parse(txt, (size_t)tl, decimals[d], &back) == 0);
			XR__CHECK(back == v);
		}
	}
	int64_t v;
	XR__CHECK(!xr_fix_get_fixed(m, tag, -1, &v) && !xr_fix_get_fixed(m, tag, 19, &v));
}

/* The parsed view of @p buf (@p n bytes, framed or not): checked. */
static void
xr__check_parsed(const char *buf, size_t n, const struct xr_fix_msg *m)
{
	size_t soh = 0;

	for (size_t i = 0; i < n; i++)
		soh += buf[i] == XR_FIX_SOH;
	XR__CHECK(m->buf == buf && m->len == n);
	XR__CHECK(m->n >= 4 && m->n <= XR_FIX_MAX_FIELDS && m->n == soh);
	XR__CHECK(m->f[0].tag == 8 && m->f[1].tag == 9 && m->f[2].tag == 35);
	XR__CHECK(m->f[m->n - 1].tag == 10);
	XR__CHECK(m->version == (buf[8] == '2' ? XR_FIX_42 : XR_FIX_44));
	/* Fields tile the message: tag '=' value SOH, one after another. */
	size_t p = 0;
	for (uint32_t i = 0; i < m->n; i++) {
		const struct xr_fix_field *f = &m->f[i];
		char tag_txt[20];
		int tl = xr_u64_format(tag_txt, f->tag);
		XR__CHECK(f->tag != 0 && f->len >= 1);
		XR__CHECK(f->off == p + (size_t)tl + 1 && (size_t)f->off + f->len < n);
		XR__CHECK(memcmp(buf + p, tag_txt, (size_t)tl) == 0 && buf[f->off - 1] == '=');
		XR__CHECK(memchr(buf + f->off, XR_FIX_SOH, f->len) == NULL);
		XR__CHECK(buf[f->off + f->len] == XR_FIX_SOH);
		p = (size_t)f->off + f->len + 1;
	}
	XR__CHECK(p == n);
	XR__CHECK(m->f[0].len == 7 && memcmp(buf + m->f[0].off, "FIX.4.", 6) == 0);
	XR__CHECK(m->f[2].len <= 2 && strlen(m->msg_type) <= m->f[2].len);
	XR__CHECK(memcmp(m->msg_type, buf + m->f[2].off, strlen(m->msg_type)) == 0);
	XR__CHECK(m->msg_type[m->f[2].len] == '\0');

	for (uint32_t i = 0; i < m->n; i++)
		xr__check_accessors(m, i);
	/* Absent tags: 0 (no tag starts with '0') and 2^32 - 1 (10 digits). */
	static const uint32_t absent[] = {0, UINT32_MAX};
	for (size_t i = 0; i < 2; i++) {
		const char *s;
		uint32_t sl;
		uint64_t u;
		int64_t v;
		char c;
		XR__CHECK(xr_fix_find(m, absent[i]) == -1);
		XR__CHECK(!xr_fix_get_str(m, absent[i], &s, &sl));
		XR__CHECK(!xr_fix_get_u64(m, absent[i], &u));
		XR__CHECK(!xr_fix_get_fixed(m, absent[i], 8, &v));
		XR__CHECK(!xr_fix_get_char(m, absent[i], &c));
	}
}

/* How the writer re-encodes field i (3 .. n-2) of a parsed message. */
enum xr__put { XR__PUT_STR, XR__PUT_U64, XR__PUT_FIXED, XR__PUT_CHAR };

static enum xr__put
xr__put_kind(const struct xr_fix_msg *m, uint32_t i)
{
	const struct xr_fix_field *f = &m->f[i];
	const char *s = m->buf + f->off;
	uint64_t u;
	int64_t v;

	if (i % 2 == 1) /* every other field as plain text */
		return XR__PUT_STR;
	if (xr__ref_u64(s, f->len, &u))
		return XR__PUT_U64;
	if (xr__ref_fixed(s, f->len, 8, &v))
		return XR__PUT_FIXED;
	return f->len == 1 ? XR__PUT_CHAR : XR__PUT_STR;
}

/* Re-encode @p m's body into @p buf (@p cap bytes); rc of finish(). */
static int
xr__rewrite(const struct xr_fix_msg *m, char *buf, size_t cap, const char **out, size_t *out_len)
{
	struct xr_fix_writer w;

	xr_fix_begin(&w, buf, cap, (enum xr_fix_version)m->version, m->msg_type);
	for (uint32_t i = 3; i + 1 < m->n; i++) {
		const struct xr_fix_field *f = &m->f[i];
		const char *s = m->buf + f->off;
		uint64_t u = 0;
		int64_t v = 0;
		switch (xr__put_kind(m, i)) {
		case XR__PUT_U64:
			(void)xr__ref_u64(s, f->len, &u);
			xr_fix_put_u64(&w, f->tag, u);
			break;
		case XR__PUT_FIXED:
			(void)xr__ref_fixed(s, f->len, 8, &v);
			xr_fix_put_fixed(&w, f->tag, v, 8);
			break;
		case XR__PUT_CHAR:
			xr_fix_put_char(&w, f->tag, s[0]);
			break;
		case XR__PUT_STR:
			xr_fix_put_str(&w, f->tag, s, f->len);
			break;
		}
	}
	return xr_fix_finish(&w, out, out_len);
}

/* Writer round trip of a parsed message: same tags, same values. */
static void
xr__check_rewrite(const struct xr_fix_msg *m, unsigned sum)
{
	static char wbuf[2 * XR_FIX_MAX_MSG];
	const char *out;
	size_t out_len;

	/* xr_fix_begin() takes MsgType as a C string: one holding a NUL
	 * cannot be written back as it was. */
	if (strlen(m->msg_type) != m->f[2].len)
		return;
	int rc = xr__rewrite(m, wbuf, sizeof(wbuf), &out, &out_len);
	if (rc != 0) {
		/* Only near the limit: the writer reserves up to 36 bytes for a
		 * put and XR_FIX_HEAD for the header, and a decimal re-formatted
		 * can grow by one byte (".5" -> "0.5"). */
		XR__CHECK(rc == -ENOSPC);
		XR__CHECK((size_t)m->len + m->n + XR_FIX_HEAD + 36 + XR__TRAILER > XR_FIX_MAX_MSG);
		return;
	}
	XR__CHECK(out >= wbuf && out + out_len <= wbuf + sizeof(wbuf));

	size_t n;
	enum xr_fix_error why;
	struct xr_fix_msg m2;
	XR__CHECK(xr_fix_frame(out, out_len, &n, &why) == 1 && n == out_len);
	xr__check_frame(out, out_len, 1, n, why);
	XR__CHECK(xr_fix_parse(out, n, &m2, &why) == 0);
	XR__CHECK(m2.n == m->n && m2.version == m->version);
	XR__CHECK(strcmp(m2.msg_type, m->msg_type) == 0);
	for (uint32_t i = 2; i + 1 < m->n; i++) {
		const struct xr_fix_field *a = &m->f[i], *b = &m2.f[i];
		const char *sa = m->buf + a->off, *sb = m2.buf + b->off;
		XR__CHECK(a->tag == b->tag);
		uint64_t ua, ub;
		int64_t va, vb;
		switch (i < 3 ? XR__PUT_STR : xr__put_kind(m, i)) {
		case XR__PUT_U64:
			XR__CHECK(xr__ref_u64(sa, a->len, &ua) && xr__ref_u64(sb, b->len, &ub));
			XR__CHECK(ua == ub);
			break;
		case XR__PUT_FIXED:
			XR__CHECK(xr__ref_fixed(sa, a->len, 8, &va));
			XR__CHECK(xr__ref_fixed(sb, b->len, 8, &vb) && va == vb);
			break;
		case XR__PUT_CHAR:
		case XR__PUT_STR:
			XR__CHECK(a->len == b->len && memcmp(sa, sb, a->len) == 0);
			break;
		}
	}

	/* Again into exact-size heap buffers around the size it used: one
	 * byte short (it must refuse: a put that reserves too little shows
	 * as an overrun), and a size the message picks (used - 40 .. + 40):
	 * never overrun, the same bytes when it fits. */
	size_t used = (size_t)(out - wbuf) + out_len;
	size_t caps[2] = {used - 1, used + sum % 81 > 40 ? used + sum % 81 - 40 : 1};
	for (size_t k = 0; k < 2; k++) {
		size_t cap = caps[k];
		char *small = malloc(cap);
		const char *out2;
		size_t out2_len;
		XR__CHECK(small != NULL);
		rc = xr__rewrite(m, small, cap, &out2, &out2_len);
		XR__CHECK(rc == 0 || rc == -ENOSPC);
		XR__CHECK(rc != 0 || cap >= used);
		if (rc == 0) {
			XR__CHECK(out2 >= small && out2 + out2_len <= small + cap);
			XR__CHECK(out2_len == out_len && memcmp(out2, out, out_len) == 0);
		}
		free(small);
	}
}

/* put_u64 / put_fixed / put_time of a number a message carried. */
static void
xr__check_numbers(uint64_t u)
{
	char buf[256], want[64];
	const char *out;
	size_t out_len, n;
	enum xr_fix_error why;
	struct xr_fix_msg m;
	struct xr_fix_writer w;
	int64_t v = (int64_t)u;
	int decimals = (int)(u % 19);

	xr_fix_begin(&w, buf, sizeof(buf), XR_FIX_44, "0");
	xr_fix_put_u64(&w, 1, u);
	if (v != INT64_MIN) /* xr_fixed_parse() reads magnitudes up to INT64_MAX */
		xr_fix_put_fixed(&w, 2, v, decimals);
	xr_fix_put_time(&w, 52, u);
	XR__CHECK(xr_fix_finish(&w, &out, &out_len) == 0);
	XR__CHECK(xr_fix_frame(out, out_len, &n, &why) == 1 && n == out_len);
	XR__CHECK(xr_fix_parse(out, n, &m, &why) == 0);

	uint64_t u2;
	int64_t v2;
	XR__CHECK(xr_fix_get_u64(&m, 1, &u2) && u2 == u);
	if (v != INT64_MIN)
		XR__CHECK(xr_fix_get_fixed(&m, 2, decimals, &v2) && v2 == v);

	time_t secs = (time_t)(u / 1000000000u);
	struct tm tm;
	const char *s;
	uint32_t sl;
	XR__CHECK(gmtime_r(&secs, &tm) != NULL);
	int wl = snprintf(want, sizeof(want), "%04d%02d%02d-%02d:%02d:%02d.%03u",
			  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			  tm.tm_sec, (unsigned)(u / 1000000u % 1000u));
	XR__CHECK(xr_fix_get_str(&m, 52, &s, &sl));
	XR__CHECK(wl == 21 && sl == 21 && memcmp(s, want, 21) == 0);

	/* Refusals: a timestamp one byte short of room (an exact-size
	 * buffer: no write past it), a version out of range. */
	size_t cap = XR_FIX_HEAD + 5 + 12 + 21 + XR__TRAILER - 1;
	char *small = malloc(cap);
	XR__CHECK(small != NULL);
	xr_fix_begin(&w, small, cap, XR_FIX_44, "0");
	xr_fix_put_time(&w, 52, u);
	XR__CHECK(xr_fix_finish(&w, &out, &out_len) == -ENOSPC);
	free(small);
	xr_fix_begin(&w, buf, sizeof(buf), XR_FIX_VERSIONS, "0");
	XR__CHECK(xr_fix_finish(&w, &out, &out_len) == -ENOSPC);
	XR__CHECK(strcmp(xr_fix_error_name(XR_FIX_ERRORS), "invalid") == 0);
}

/* A parsed message: the view, accessors, writer and numbers. */
static void
xr__check_view(const char *buf, size_t n, const struct xr_fix_msg *m)
{
	xr__check_parsed(buf, n, m);
	/* CheckSum's value when framed; unframed, any number will do. */
	unsigned sum = 0;
	for (size_t i = n - 4; i < n - 1; i++)
		sum = sum * 10 + (unsigned)(unsigned char)buf[i] - '0';
	xr__check_rewrite(m, sum % 256);
	for (uint32_t i = 3; i + 1 < m->n; i++) {
		uint64_t u;
		if (xr_fix_get_u64(m, m->f[i].tag, &u))
			xr__check_numbers(u);
	}
}

/* A framed message (@p n of the @p have bytes received): parse it and
 * check the result, with the bytes after it poisoned. */
static void
xr__check_message(char *buf, size_t n, size_t have)
{
	static struct xr_fix_msg m;
	enum xr_fix_error why;

	XR__POISON(buf + n, have - n);
	int rc = xr_fix_parse(buf, n, &m, &why);
	if (rc == 0) {
		xr__check_view(buf, n, &m);
	} else {
		XR__CHECK(rc == -1);
		/* Framing vouched for BeginString, BodyLength and CheckSum. */
		XR__CHECK(why == XR_FIX_BAD_FIELD || why == XR_FIX_TOO_MANY_FIELDS ||
			  why == XR_FIX_NO_MSGTYPE);
	}
	XR__UNPOISON(buf + n, have - n);
}

/* The parser on bytes the framer never saw ("any bytes are safe"). */
static void
xr__check_unframed(const char *buf, size_t n)
{
	static struct xr_fix_msg m;
	enum xr_fix_error why;

	int rc = xr_fix_parse(buf, n, &m, &why);
	if (rc == 0) {
		xr__check_view(buf, n, &m);
		return;
	}
	XR__CHECK(rc == -1);
	XR__CHECK(why == XR_FIX_BAD_BEGIN || why == XR_FIX_BAD_BODYLENGTH ||
		  why == XR_FIX_LENGTH_MISMATCH || why == XR_FIX_BAD_FIELD ||
		  why == XR_FIX_TOO_MANY_FIELDS || why == XR_FIX_NO_MSGTYPE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* rx[have, XR__RX_CAP) stays poisoned (under ASan) while it runs. */
	static _Alignas(8) char rx[XR__RX_CAP];

	if (size == 0)
		return 0;
	const char *in = (const char *)data + 1;
	size_t in_len = size - 1, chunk = xr__chunk(data[0]);
	size_t got = 0;	 /* input bytes read into rx */
	size_t have = 0; /* bytes in rx: in[got - have, got) */

	XR__POISON(rx, sizeof(rx));
	for (;;) {
		size_t n = in_len - got;
		if (n > chunk)
			n = chunk;
		if (n > XR__RX_CAP - have)
			n = XR__RX_CAP - have;
		XR__UNPOISON(rx + have, n);
		memcpy(rx + have, in + got, n);
		have += n;
		got += n;
		for (;;) {
			size_t len, full_len;
			enum xr_fix_error why, full_why;
			int rc = xr_fix_frame(rx, have, &len, &why);
			xr__check_frame(rx, have, rc, len, why);
			if (rc == 0)
				break;
			/* The same decision with more of the stream (the input
			 * itself: an exact-size buffer under libFuzzer); up to
			 * XR__LOOKAHEAD bytes more, as a resync scans them all. */
			const char *rest = in + got - have;
			size_t rest_len = in_len - (got - have);
			if (rest_len > have + XR__LOOKAHEAD)
				rest_len = have + XR__LOOKAHEAD;
			int full = xr_fix_frame(rest, rest_len, &full_len, &full_why);
			XR__CHECK(full == rc && full_why == why);
			XR__CHECK(rc == -1 ? full_len >= len : full_len == len);
			if (rc == 1)
				xr__check_message(rx, len, have);
			memmove(rx, rx + len, have - len);
			have -= len;
			XR__POISON(rx + have, len);
		}
		/* Undecided means below XR_FIX_MAX_MSG: there is room to read. */
		XR__CHECK(have < XR__RX_CAP);
		XR__CHECK(memcmp(rx, in + got - have, have) == 0);
		if (got == in_len)
			break;
	}
	XR__UNPOISON(rx, sizeof(rx));
	xr__check_unframed(in, in_len);
	return 0;
}
