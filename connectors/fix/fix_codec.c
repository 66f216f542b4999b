/*
 * FIX tag=value codec: framing, parsing, encoding (xr_fix.h has the wire
 * rules and the sources). No allocation, no locale, no syscall.
 */
#include <errno.h>
#include <string.h>

#include "xr_fix.h"
#include "xr_types.h"

/* "8=FIX.4.x<SOH>": every message starts with one of these 10 bytes. */
static const char *const xr__begin[XR_FIX_VERSIONS] = {
	[XR_FIX_42] = "8=FIX.4.2\x01",
	[XR_FIX_44] = "8=FIX.4.4\x01",
};
#define XR__BEGIN_LEN 10
/* "10=nnn<SOH>" */
#define XR__TRAILER_LEN 7

const char *
xr_fix_error_name(enum xr_fix_error e)
{
	static const char *const names[XR_FIX_ERRORS] = {
		[XR_FIX_OK] = "ok",
		[XR_FIX_GARBAGE] = "garbage",
		[XR_FIX_BAD_BEGIN] = "bad_begin_string",
		[XR_FIX_BAD_BODYLENGTH] = "bad_body_length",
		[XR_FIX_LENGTH_MISMATCH] = "body_length_mismatch",
		[XR_FIX_BAD_CHECKSUM] = "bad_checksum",
		[XR_FIX_OVERSIZE] = "oversize",
		[XR_FIX_BAD_FIELD] = "bad_field",
		[XR_FIX_TOO_MANY_FIELDS] = "too_many_fields",
		[XR_FIX_NO_MSGTYPE] = "no_msg_type",
	};
	return (unsigned)e < XR_FIX_ERRORS ? names[e] : "invalid";
}

/*
 * The FIX CheckSum of @p n bytes: their sum modulo 256. Eight bytes at a
 * time in eight byte lanes that wrap on their own (SWAR addition without
 * carries between lanes: H. S. Warren, "Hacker's Delight", 2nd ed., 2-18),
 * then the lanes added in wider lanes.
 */
static unsigned
xr__sum(const char *p, size_t n)
{
	const uint64_t hi = UINT64_C(0x8080808080808080);
	uint64_t acc = 0;
	unsigned s = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x;
		memcpy(&x, p + i, 8);
		acc = ((acc & ~hi) + (x & ~hi)) ^ ((acc ^ x) & hi);
	}
	for (; i < n; i++)
		s += (unsigned char)p[i];
	/* The lanes' total: pairs into four 16-bit lanes (each <= 510),
	 * then folded; no lane overflows. */
	const uint64_t lo = UINT64_C(0x00ff00ff00ff00ff);
	uint64_t x = (acc & lo) + (acc >> 8 & lo);
	x += x >> 16;
	x += x >> 32;
	return (s + (unsigned)x) & 0xff;
}

/* Bytes to drop to resynchronise: up to the next "8=FIX" after byte 0. */
static size_t
xr__resync(const char *buf, size_t len)
{
	for (size_t i = 1; i + 5 <= len; i++)
		if (buf[i] == '8' && memcmp(buf + i, "8=FIX", 5) == 0)
			return i;
	/* A partial "8=FIX" at the very end may still begin a message. */
	for (size_t i = len > 4 ? len - 4 : 1; i < len; i++)
		if (memcmp(buf + i, "8=FIX", len - i) == 0)
			return i;
	return len;
}

static int
xr__bad(const char *buf, size_t len, size_t *msg_len, enum xr_fix_error *why,
	enum xr_fix_error e)
{
	*why = e;
	*msg_len = xr__resync(buf, len);
	return -1;
}

int
xr_fix_frame(const char *buf, size_t len, size_t *msg_len, enum xr_fix_error *why)
{
	return xr_fix_frame_max(buf, len, XR_FIX_MAX_MSG, msg_len, why);
}

int
xr_fix_frame_max(const char *buf, size_t len, size_t max_len, size_t *msg_len,
		 enum xr_fix_error *why)
{
	size_t n = len < XR__BEGIN_LEN ? len : XR__BEGIN_LEN;

	*why = XR_FIX_OK;
	*msg_len = 0;
	if (len == 0)
		return 0;
	/* BeginString: a prefix of one of the two, or the whole of one. */
	if (buf[0] != '8' || (len > 1 && buf[1] != '='))
		return xr__bad(buf, len, msg_len, why, XR_FIX_GARBAGE);
	if (memcmp(buf, xr__begin[XR_FIX_42], n) != 0 && memcmp(buf, xr__begin[XR_FIX_44], n) != 0)
		return xr__bad(buf, len, msg_len, why, XR_FIX_BAD_BEGIN);
	if (len < XR__BEGIN_LEN)
		return 0;

	if (max_len < XR_FIX_FRAME_MIN)
		max_len = XR_FIX_FRAME_MIN;
	if (max_len > XR_FIX_FRAME_MAX)
		max_len = XR_FIX_FRAME_MAX;
	/* BodyLength: "9=" then digits then SOH; refused OVERSIZE as soon as
	 * the digits so far pass the cap, or have more digits than it. */
	size_t p = XR__BEGIN_LEN, body = 0, digits = 0, max_digits = 0;
	for (size_t m = max_len; m > 0; m /= 10)
		max_digits++;
	for (size_t i = 0; i < 2; i++, p++) {
		if (p == len)
			return 0;
		if (buf[p] != "9="[i])
			return xr__bad(buf, len, msg_len, why, XR_FIX_BAD_BODYLENGTH);
	}
	for (;; p++) {
		if (p == len)
			return 0;
		char c = buf[p];
		if (c == XR_FIX_SOH)
			break;
		if (c < '0' || c > '9')
			return xr__bad(buf, len, msg_len, why, XR_FIX_BAD_BODYLENGTH);
		body = body * 10 + (size_t)(c - '0');
		if (body > max_len || ++digits > max_digits)
			return xr__bad(buf, len, msg_len, why, XR_FIX_OVERSIZE);
	}
	if (digits == 0 || body == 0)
		return xr__bad(buf, len, msg_len, why, XR_FIX_BAD_BODYLENGTH);
	size_t start = p + 1, end = start + body, total = end + XR__TRAILER_LEN;
	if (total > max_len)
		return xr__bad(buf, len, msg_len, why, XR_FIX_OVERSIZE);
	if (len < total)
		return 0;
	if (buf[end - 1] != XR_FIX_SOH || memcmp(buf + end, "10=", 3) != 0)
		return xr__bad(buf, len, msg_len, why, XR_FIX_LENGTH_MISMATCH);
	unsigned want = 0;
	for (size_t i = end + 3; i < end + 6; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return xr__bad(buf, len, msg_len, why, XR_FIX_BAD_CHECKSUM);
		want = want * 10 + (unsigned)(buf[i] - '0');
	}
	if (buf[end + 6] != XR_FIX_SOH || want != xr__sum(buf, end))
		return xr__bad(buf, len, msg_len, why, XR_FIX_BAD_CHECKSUM);
	*msg_len = total;
	return 1;
}

int
xr_fix_parse(const char *buf, size_t len, struct xr_fix_msg *m, enum xr_fix_error *why)
{
	/* Framing (lengths, checksum) is xr_fix_frame()'s; parsing stays
	 * within len whatever the bytes, and checks the field order. */
	if (len < XR__BEGIN_LEN || (memcmp(buf, xr__begin[XR_FIX_42], XR__BEGIN_LEN) != 0 &&
				    memcmp(buf, xr__begin[XR_FIX_44], XR__BEGIN_LEN) != 0)) {
		*why = XR_FIX_BAD_BEGIN;
		return -1;
	}
	m->buf = buf;
	m->len = (uint32_t)len;
	m->n = 0;
	m->version = buf[8] == '2' ? XR_FIX_42 : XR_FIX_44;
	for (size_t p = 0; p < len;) {
		/* tag: 1..9 digits, no leading zero, then '=' */
		uint32_t tag = 0;
		size_t t = p;
		while (t < len && buf[t] >= '0' && buf[t] <= '9' && t - p < 9)
			tag = tag * 10 + (uint32_t)(buf[t++] - '0');
		if (t == p || buf[p] == '0' || t == len || buf[t] != '=') {
			*why = XR_FIX_BAD_FIELD;
			return -1;
		}
		const char *soh = memchr(buf + t + 1, XR_FIX_SOH, len - t - 1);
		if (soh == NULL || soh == buf + t + 1) {
			*why = XR_FIX_BAD_FIELD; /* framing guarantees the SOH: empty value */
			return -1;
		}
		if (m->n == XR_FIX_MAX_FIELDS) {
			*why = XR_FIX_TOO_MANY_FIELDS;
			return -1;
		}
		m->f[m->n++] = (struct xr_fix_field){
			.tag = tag,
			.off = (uint32_t)(t + 1),
			.len = (uint32_t)(soh - (buf + t + 1)),
		};
		p = (size_t)(soh - buf) + 1;
	}
	if (m->n < 4 || m->f[1].tag != 9 || m->f[m->n - 1].tag != 10) {
		*why = m->n >= 2 && m->f[1].tag != 9 ? XR_FIX_BAD_BODYLENGTH
						     : XR_FIX_LENGTH_MISMATCH;
		return -1;
	}
	const struct xr_fix_field *mt = &m->f[2];
	if (mt->tag != 35 || mt->len > 2) {
		*why = XR_FIX_NO_MSGTYPE;
		return -1;
	}
	memcpy(m->msg_type, buf + mt->off, mt->len);
	m->msg_type[mt->len] = '\0';
	*why = XR_FIX_OK;
	return 0;
}

int
xr_fix_find(const struct xr_fix_msg *m, uint32_t tag)
{
	for (uint32_t i = 0; i < m->n; i++)
		if (m->f[i].tag == tag)
			return (int)i;
	return -1;
}

bool
xr_fix_get_str(const struct xr_fix_msg *m, uint32_t tag, const char **s, uint32_t *len)
{
	int i = xr_fix_find(m, tag);

	if (i < 0)
		return false;
	*s = m->buf + m->f[i].off;
	*len = m->f[i].len;
	return true;
}

bool
xr_fix_get_u64(const struct xr_fix_msg *m, uint32_t tag, uint64_t *v)
{
	const char *s;
	uint32_t n;
	uint64_t x = 0;

	if (!xr_fix_get_str(m, tag, &s, &n) || n > 20)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return false; /* does not fit in 64 bits */
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

bool
xr_fix_get_fixed(const struct xr_fix_msg *m, uint32_t tag, int decimals, int64_t *v)
{
	const char *s;
	uint32_t n;

	/* xr_fixed_parse stops at a NUL, so a value with one is refused here
	 * rather than read short ("5<NUL>junk" is not 5). */
	return xr_fix_get_str(m, tag, &s, &n) && memchr(s, '\0', n) == NULL &&
	       xr_fixed_parse(s, n, decimals, v) == 0;
}

bool
xr_fix_get_char(const struct xr_fix_msg *m, uint32_t tag, char *c)
{
	const char *s;
	uint32_t n;

	if (!xr_fix_get_str(m, tag, &s, &n) || n != 1)
		return false;
	*c = s[0];
	return true;
}

/* ---- writer ---- */

/* Room for @p need more bytes, keeping the trailer's, in the buffer and
 * within XR_FIX_MAX_MSG (header at most XR_FIX_HEAD, body, trailer). */
static bool
xr__room(struct xr_fix_writer *w, size_t need)
{
	size_t body = w->pos - XR_FIX_HEAD + need;

	if (w->overflow || w->pos + need + XR__TRAILER_LEN > w->cap ||
	    XR_FIX_HEAD + body + XR__TRAILER_LEN > XR_FIX_MAX_MSG) {
		w->overflow = true;
		return false;
	}
	return true;
}

static void
xr__tag(struct xr_fix_writer *w, uint32_t tag)
{
	w->pos += (size_t)xr_u64_format(w->buf + w->pos, tag);
	w->buf[w->pos++] = '=';
}

void
xr_fix_begin(struct xr_fix_writer *w, char *buf, size_t cap, enum xr_fix_version v,
	     const char *msg_type)
{
	w->buf = buf;
	w->cap = cap;
	w->pos = XR_FIX_HEAD;
	w->version = (uint8_t)v;
	w->overflow = cap < XR_FIX_HEAD + 16 || (unsigned)v >= XR_FIX_VERSIONS;
	xr_fix_put_str(w, 35, msg_type, strlen(msg_type));
}

void
xr_fix_put_raw(struct xr_fix_writer *w, const char *fields, size_t len)
{
	if (!xr__room(w, len))
		return;
	memcpy(w->buf + w->pos, fields, len);
	w->pos += len;
}

void
xr_fix_put_str(struct xr_fix_writer *w, uint32_t tag, const char *s, size_t len)
{
	if (!xr__room(w, 12 + len))
		return;
	xr__tag(w, tag);
	memcpy(w->buf + w->pos, s, len);
	w->pos += len;
	w->buf[w->pos++] = XR_FIX_SOH;
}

void
xr_fix_put_u64(struct xr_fix_writer *w, uint32_t tag, uint64_t v)
{
	if (!xr__room(w, 12 + 20))
		return;
	xr__tag(w, tag);
	w->pos += (size_t)xr_u64_format(w->buf + w->pos, v);
	w->buf[w->pos++] = XR_FIX_SOH;
}

void
xr_fix_put_char(struct xr_fix_writer *w, uint32_t tag, char c)
{
	xr_fix_put_str(w, tag, &c, 1);
}

void
xr_fix_put_fixed(struct xr_fix_writer *w, uint32_t tag, int64_t v, int decimals)
{
	if (!xr__room(w, 12 + 24))
		return;
	xr__tag(w, tag);
	w->pos += (size_t)xr_fixed_format(w->buf + w->pos, v, decimals);
	w->buf[w->pos++] = XR_FIX_SOH;
}

/* @p n as exactly @p width digits at @p p. */
static void
xr__digits(char *p, unsigned n, int width)
{
	for (int i = width - 1; i >= 0; i--, n /= 10)
		p[i] = (char)('0' + n % 10);
}

void
xr_fix_put_time(struct xr_fix_writer *w, uint32_t tag, uint64_t unix_ns)
{
	if (!xr__room(w, 12 + 21))
		return;
	uint64_t secs = unix_ns / 1000000000u;
	unsigned ms = (unsigned)(unix_ns / 1000000u % 1000u);
	unsigned sod = (unsigned)(secs % 86400u);
	/* civil_from_days (Hinnant): days since 1970-01-01 -> y, m, d. */
	int64_t z = (int64_t)(secs / 86400u) + 719468;
	int64_t era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned mo = mp < 10 ? mp + 3 : mp - 9;
	unsigned y = (unsigned)(yoe + era * 400) + (mo <= 2);

	xr__tag(w, tag);
	char *p = w->buf + w->pos;
	xr__digits(p, y, 4);
	xr__digits(p + 4, mo, 2);
	xr__digits(p + 6, d, 2);
	p[8] = '-';
	xr__digits(p + 9, sod / 3600, 2);
	p[11] = ':';
	xr__digits(p + 12, sod / 60 % 60, 2);
	p[14] = ':';
	xr__digits(p + 15, sod % 60, 2);
	p[17] = '.';
	xr__digits(p + 18, ms, 3);
	w->pos += 21;
	w->buf[w->pos++] = XR_FIX_SOH;
}

int
xr_fix_finish(struct xr_fix_writer *w, const char **out, size_t *out_len)
{
	if (w->overflow)
		return -ENOSPC;
	size_t body = w->pos - XR_FIX_HEAD;
	char len_txt[20];
	int nd = xr_u64_format(len_txt, body);
	size_t head = XR__BEGIN_LEN + 2 + (size_t)nd + 1;
	char *start = w->buf + XR_FIX_HEAD - head;

	memcpy(start, xr__begin[w->version], XR__BEGIN_LEN);
	memcpy(start + XR__BEGIN_LEN, "9=", 2);
	memcpy(start + XR__BEGIN_LEN + 2, len_txt, (size_t)nd);
	start[head - 1] = XR_FIX_SOH;
	unsigned sum = xr__sum(start, head + body);
	char *t = w->buf + w->pos;
	memcpy(t, "10=", 3);
	xr__digits(t + 3, sum, 3);
	t[6] = XR_FIX_SOH;
	*out = start;
	*out_len = head + body + XR__TRAILER_LEN;
	return 0;
}
