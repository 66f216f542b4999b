/*
 * The FIX codec (connectors/fix/xr_fix.h): framing across partial reads,
 * every refusal with its reason and resync point, the parsed view and its
 * accessors, and the writer against messages whose BodyLength and CheckSum
 * were computed independently (Python: len(body), sum(bytes) % 256).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xr_fix.h"

/* Test messages are written with '|' for SOH; this converts a copy. */
static size_t
soh(char *dst, size_t cap, const char *text)
{
	size_t n = strlen(text);

	cr_assert_lt(n, cap);
	for (size_t i = 0; i < n; i++)
		dst[i] = text[i] == '|' ? XR_FIX_SOH : text[i];
	dst[n] = '\0';
	return n;
}

static const char LOGON[] = "8=FIX.4.2|9=67|35=A|34=1|49=SERVER|52=20050606-12:00:00.000|"
			    "56=CLIENT|98=0|108=30|10=125|";
static const char EXEC[] = "8=FIX.4.4|9=148|35=8|34=7|49=EXEC|52=20261122-00:30:15.123|"
			   "56=XROUTE|6=50000.25|11=42|14=0.5|17=E1|37=O1|38=1.5|39=1|54=1|"
			   "55=BTC-USD|150=F|151=1|31=50000.25|32=0.5|10=156|";

/* Frame @p text (with '|'); returns the rc, *len and *why. */
static int
frame_text(const char *text, size_t *len, enum xr_fix_error *why)
{
	char buf[XR_FIX_MAX_MSG * 2];
	size_t n = soh(buf, sizeof(buf), text);

	return xr_fix_frame(buf, n, len, why);
}

Test(fix_codec, frames_and_parses_a_logon)
{
	char buf[256];
	size_t n = soh(buf, sizeof(buf), LOGON), len;
	enum xr_fix_error why;
	struct xr_fix_msg m;

	cr_assert_eq(n, 89);
	cr_assert_eq(xr_fix_frame(buf, n, &len, &why), 1);
	cr_assert_eq(len, 89);
	cr_assert_eq(xr_fix_parse(buf, len, &m, &why), 0, "%s", xr_fix_error_name(why));
	cr_assert_eq(m.n, 10);
	cr_assert_eq(m.version, XR_FIX_42);
	cr_assert_str_eq(m.msg_type, "A");
	uint32_t tags[] = {8, 9, 35, 34, 49, 52, 56, 98, 108, 10};
	for (unsigned i = 0; i < 10; i++)
		cr_assert_eq(m.f[i].tag, tags[i], "field %u", i);
	uint64_t v;
	cr_assert(xr_fix_get_u64(&m, 108, &v));
	cr_assert_eq(v, 30);
	const char *s;
	uint32_t sl;
	cr_assert(xr_fix_get_str(&m, 49, &s, &sl));
	cr_assert_eq(sl, 6);
	cr_assert_eq(memcmp(s, "SERVER", 6), 0);
	cr_assert_not(xr_fix_get_str(&m, 11, &s, &sl), "absent tag");
	cr_assert_eq(xr_fix_find(&m, 56), 6);
}

Test(fix_codec, execution_report_accessors)
{
	char buf[256];
	size_t n = soh(buf, sizeof(buf), EXEC);
	enum xr_fix_error why;
	struct xr_fix_msg m;

	cr_assert_eq(xr_fix_parse(buf, n, &m, &why), 0, "%s", xr_fix_error_name(why));
	cr_assert_eq(m.version, XR_FIX_44);
	cr_assert_str_eq(m.msg_type, "8");
	int64_t px, qty;
	cr_assert(xr_fix_get_fixed(&m, 31, 8, &px));
	cr_assert_eq(px, INT64_C(5000025000000));
	cr_assert(xr_fix_get_fixed(&m, 14, 8, &qty));
	cr_assert_eq(qty, INT64_C(50000000));
	char c;
	cr_assert(xr_fix_get_char(&m, 150, &c));
	cr_assert_eq(c, 'F');
	cr_assert(xr_fix_get_char(&m, 39, &c));
	cr_assert_eq(c, '1');
	cr_assert_not(xr_fix_get_char(&m, 55, &c), "BTC-USD is not one char");
	uint64_t v;
	cr_assert_not(xr_fix_get_u64(&m, 6, &v), "50000.25 is not an integer");
	cr_assert_not(xr_fix_get_fixed(&m, 55, 8, &px), "BTC-USD is not a number");
}

Test(fix_codec, every_partial_read_waits_for_more)
{
	char buf[256];
	size_t n = soh(buf, sizeof(buf), EXEC), len;
	enum xr_fix_error why;

	for (size_t k = 0; k < n; k++) {
		cr_assert_eq(xr_fix_frame(buf, k, &len, &why), 0, "prefix of %zu bytes", k);
		cr_assert_eq(why, XR_FIX_OK);
	}
	cr_assert_eq(xr_fix_frame(buf, n, &len, &why), 1);
	cr_assert_eq(len, n);
}

Test(fix_codec, two_messages_in_one_read)
{
	char text[512];
	char buf[512];
	snprintf(text, sizeof(text), "%s%s", LOGON, EXEC);
	size_t n = soh(buf, sizeof(buf), text), len;
	enum xr_fix_error why;

	cr_assert_eq(xr_fix_frame(buf, n, &len, &why), 1);
	cr_assert_eq(len, 89);
	cr_assert_eq(xr_fix_frame(buf + len, n - len, &len, &why), 1);
	cr_assert_eq(len, 171);
}

/* Refusals, each with its reason and how many bytes to drop. */
static void
expect_refused(const char *text, enum xr_fix_error want, size_t drop)
{
	size_t len;
	enum xr_fix_error why;

	cr_assert_eq(frame_text(text, &len, &why), -1, "accepted: %s", text);
	cr_assert_eq(why, want, "%s: %s, want %s", text, xr_fix_error_name(why),
		     xr_fix_error_name(want));
	cr_assert_eq(len, drop, "%s: drop %zu, want %zu", text, len, drop);
}

Test(fix_codec, refusals_name_the_reason_and_resync)
{
	/* Checksum one off; nothing to resync to: drop everything. */
	expect_refused("8=FIX.4.2|9=67|35=A|34=1|49=SERVER|52=20050606-12:00:00.000|"
		       "56=CLIENT|98=0|108=30|10=126|",
		       XR_FIX_BAD_CHECKSUM, 89);
	expect_refused("8=FIX.4.2|9=67|35=A|34=1|49=SERVER|52=20050606-12:00:00.000|"
		       "56=CLIENT|98=0|108=30|10=12a|",
		       XR_FIX_BAD_CHECKSUM, 89);
	/* BodyLength one short and one long: "10=" is not where it says. */
	expect_refused("8=FIX.4.2|9=66|35=A|34=1|49=SERVER|52=20050606-12:00:00.000|"
		       "56=CLIENT|98=0|108=30|10=125|",
		       XR_FIX_LENGTH_MISMATCH, 89);
	expect_refused("8=FIX.4.2|9=68|35=A|34=1|49=SERVER|52=20050606-12:00:00.000|"
		       "56=CLIENT|98=0|108=30|10=125|x",
		       XR_FIX_LENGTH_MISMATCH, 90);
	/* Garbage before a message: drop up to it. */
	expect_refused("junk8=FIX.4.2|9=5|35=0|10=000|", XR_FIX_GARBAGE, 4);
	expect_refused("hello", XR_FIX_GARBAGE, 5);
	expect_refused("\x01\x01\x01", XR_FIX_GARBAGE, 3);
	expect_refused("8=FIX.4.3|9=5|35=0|10=000|", XR_FIX_BAD_BEGIN, 26);
	expect_refused("8=FIXT.1.1|", XR_FIX_BAD_BEGIN, 11);
	expect_refused("8=FIX.4.2|35=A|9=5|", XR_FIX_BAD_BODYLENGTH, 19);
	expect_refused("8=FIX.4.2|9=abc|", XR_FIX_BAD_BODYLENGTH, 16);
	expect_refused("8=FIX.4.2|9=|", XR_FIX_BAD_BODYLENGTH, 13);
	expect_refused("8=FIX.4.2|9=0|10=000|", XR_FIX_BAD_BODYLENGTH, 21);
	expect_refused("8=FIX.4.2|9=12345|", XR_FIX_OVERSIZE, 18);
	expect_refused("8=FIX.4.2|9=4090|35=0|", XR_FIX_OVERSIZE, 22);
	/* A refused message followed by a good one resyncs to the good one. */
	char text[512];
	snprintf(text, sizeof(text), "8=FIX.4.2|9=5|35=A|10=000|%s", LOGON);
	expect_refused(text, XR_FIX_BAD_CHECKSUM, 26);
}

Test(fix_codec, truncated_stream_waits_not_errors)
{
	size_t len;
	enum xr_fix_error why;

	cr_assert_eq(frame_text("8=FIX.4", &len, &why), 0);
	cr_assert_eq(frame_text("8=FIX.4.4|9=14", &len, &why), 0);
	cr_assert_eq(frame_text("8=FIX.4.4|9=148|35=8|34=7|", &len, &why), 0);
	cr_assert_eq(why, XR_FIX_OK);
}

/* Parse @p body (framed here with a correct BodyLength and CheckSum). */
static int
parse_body(const char *body, struct xr_fix_msg *m, enum xr_fix_error *why)
{
	static char buf[XR_FIX_MAX_MSG * 2];
	char b[XR_FIX_MAX_MSG];
	size_t bn = soh(b, sizeof(b), body);
	int h = snprintf(buf, sizeof(buf), "8=FIX.4.4%c9=%zu%c", XR_FIX_SOH, bn, XR_FIX_SOH);
	memcpy(buf + h, b, bn);
	unsigned sum = 0;
	for (size_t i = 0; i < (size_t)h + bn; i++)
		sum += (unsigned char)buf[i];
	int t = snprintf(buf + h + bn, 16, "10=%03u%c", sum % 256, XR_FIX_SOH);
	return xr_fix_parse(buf, (size_t)h + bn + (size_t)t, m, why);
}

Test(fix_codec, parse_refuses_bad_fields)
{
	static struct xr_fix_msg m;
	enum xr_fix_error why;

	cr_assert_eq(parse_body("35=0|", &m, &why), 0, "%s", xr_fix_error_name(why));
	cr_assert_str_eq(m.msg_type, "0");
	cr_assert_eq(parse_body("35=AE|", &m, &why), 0, "two-character MsgType");
	cr_assert_str_eq(m.msg_type, "AE");
	struct {
		const char *body;
		enum xr_fix_error why;
	} bad[] = {
		{"34=1|35=A|", XR_FIX_NO_MSGTYPE},
		{"35=ABC|", XR_FIX_NO_MSGTYPE},
		{"35=A|34=|", XR_FIX_BAD_FIELD},
		{"35=A|x4=1|", XR_FIX_BAD_FIELD},
		{"35=A|034=1|", XR_FIX_BAD_FIELD},
		{"35=A|34|", XR_FIX_BAD_FIELD},
		{"35=A|=1|", XR_FIX_BAD_FIELD},
		{"35=A|1234567890=1|", XR_FIX_BAD_FIELD},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(parse_body(bad[i].body, &m, &why), -1, "accepted %s", bad[i].body);
		cr_assert_eq(why, bad[i].why, "%s: %s", bad[i].body, xr_fix_error_name(why));
	}
	/* XR_FIX_MAX_FIELDS in all (8, 9, 35, ..., 10) fit; one more does not. */
	char body[XR_FIX_MAX_MSG];
	size_t p = (size_t)snprintf(body, sizeof(body), "35=B|");
	for (int i = 0; i < XR_FIX_MAX_FIELDS - 4; i++)
		p += (size_t)snprintf(body + p, sizeof(body) - p, "58=x|");
	cr_assert_eq(parse_body(body, &m, &why), 0, "%s", xr_fix_error_name(why));
	cr_assert_eq(m.n, XR_FIX_MAX_FIELDS);
	snprintf(body + p, sizeof(body) - p, "58=x|");
	cr_assert_eq(parse_body(body, &m, &why), -1);
	cr_assert_eq(why, XR_FIX_TOO_MANY_FIELDS);
}

Test(fix_codec, writer_matches_independent_length_and_checksum)
{
	char buf[512], want[256];
	struct xr_fix_writer w;
	const char *out;
	size_t len;
	size_t wn = soh(want, sizeof(want), EXEC);

	xr_fix_begin(&w, buf, sizeof(buf), XR_FIX_44, "8");
	xr_fix_put_u64(&w, 34, 7);
	xr_fix_put_str(&w, 49, "EXEC", 4);
	xr_fix_put_time(&w, 52, UINT64_C(1795307415123000000)); /* 2026-11-22 00:30:15.123 */
	xr_fix_put_str(&w, 56, "XROUTE", 6);
	xr_fix_put_fixed(&w, 6, INT64_C(5000025000000), 8);
	xr_fix_put_u64(&w, 11, 42);
	xr_fix_put_fixed(&w, 14, INT64_C(50000000), 8);
	xr_fix_put_str(&w, 17, "E1", 2);
	xr_fix_put_str(&w, 37, "O1", 2);
	xr_fix_put_fixed(&w, 38, INT64_C(150000000), 8);
	xr_fix_put_char(&w, 39, '1');
	xr_fix_put_char(&w, 54, '1');
	xr_fix_put_str(&w, 55, "BTC-USD", 7);
	xr_fix_put_char(&w, 150, 'F');
	xr_fix_put_fixed(&w, 151, INT64_C(100000000), 8);
	xr_fix_put_fixed(&w, 31, INT64_C(5000025000000), 8);
	xr_fix_put_fixed(&w, 32, INT64_C(50000000), 8);
	cr_assert_eq(xr_fix_finish(&w, &out, &len), 0);
	cr_assert_eq(len, wn);
	cr_assert_eq(memcmp(out, want, wn), 0, "%.*s", (int)len, out);
	cr_assert(out >= buf && out + len <= buf + sizeof(buf));
}

Test(fix_codec, utc_timestamps)
{
	struct {
		uint64_t ns;
		const char *text;
	} t[] = {
		{0, "19700101-00:00:00.000"},
		{UINT64_C(1700000000123456789), "20231114-22:13:20.123"},
		{UINT64_C(1709210096789000000), "20240229-12:34:56.789"},
		{UINT64_C(4107542400000000000), "21000301-00:00:00.000"},
		{UINT64_C(946684799999999999), "19991231-23:59:59.999"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char buf[128];
		struct xr_fix_writer w;
		const char *out;
		size_t len;
		struct xr_fix_msg m;
		enum xr_fix_error why;
		xr_fix_begin(&w, buf, sizeof(buf), XR_FIX_42, "0");
		xr_fix_put_time(&w, 52, t[i].ns);
		cr_assert_eq(xr_fix_finish(&w, &out, &len), 0);
		cr_assert_eq(xr_fix_parse(out, len, &m, &why), 0, "%s", xr_fix_error_name(why));
		const char *s;
		uint32_t n;
		cr_assert(xr_fix_get_str(&m, 52, &s, &n));
		cr_assert_eq(n, 21);
		cr_assert_eq(memcmp(s, t[i].text, 21), 0, "%.21s, want %s", s, t[i].text);
	}
}

Test(fix_codec, writer_overflow_is_enospc)
{
	char small[48], big[XR_FIX_MAX_MSG + 512], text[XR_FIX_MAX_MSG];
	struct xr_fix_writer w;
	const char *out;
	size_t len;

	xr_fix_begin(&w, small, sizeof(small), XR_FIX_44, "D");
	xr_fix_put_str(&w, 55, "BTC-USD", 7);
	xr_fix_put_str(&w, 58, "this text does not fit", 22);
	cr_assert_eq(xr_fix_finish(&w, &out, &len), -ENOSPC);
	/* The buffer fits it, XR_FIX_MAX_MSG does not. */
	memset(text, 'x', sizeof(text));
	xr_fix_begin(&w, big, sizeof(big), XR_FIX_44, "D");
	xr_fix_put_str(&w, 58, text, XR_FIX_MAX_MSG - 60);
	cr_assert_eq(xr_fix_finish(&w, &out, &len), 0);
	cr_assert_leq(len, XR_FIX_MAX_MSG);
	size_t flen;
	enum xr_fix_error why;
	cr_assert_eq(xr_fix_frame(out, len, &flen, &why), 1, "%s", xr_fix_error_name(why));
	xr_fix_put_str(&w, 58, text, 100);
	cr_assert_eq(xr_fix_finish(&w, &out, &len), -ENOSPC);
}

/* CheckSum against a byte-by-byte reference, on 2000 random messages with
 * every byte value but SOH in a text field (lengths 1..700, so every
 * alignment and tail length of the 8-byte loop is met). */
Test(fix_codec, checksum_matches_a_reference_sum)
{
	static char buf[XR_FIX_MAX_MSG];
	uint64_t r = 0x9e3779b97f4a7c15u;

	for (int k = 0; k < 2000; k++) {
		r ^= r << 13, r ^= r >> 7, r ^= r << 17;
		size_t vlen = 1 + r % 700;
		char body[800];
		size_t bn = (size_t)snprintf(body, sizeof(body), "35=B%c58=", XR_FIX_SOH);
		for (size_t i = 0; i < vlen; i++) {
			r ^= r << 13, r ^= r >> 7, r ^= r << 17;
			char c = (char)(r % 255 + 1);
			body[bn++] = c == XR_FIX_SOH ? '\xff' : c;
		}
		body[bn++] = XR_FIX_SOH;
		int h = snprintf(buf, sizeof(buf), "8=FIX.4.4%c9=%zu%c", XR_FIX_SOH, bn,
				 XR_FIX_SOH);
		memcpy(buf + h, body, bn);
		unsigned sum = 0;
		for (size_t i = 0; i < (size_t)h + bn; i++)
			sum += (unsigned char)buf[i];
		size_t n = (size_t)h + bn;
		n += (size_t)snprintf(buf + n, 16, "10=%03u%c", sum % 256, XR_FIX_SOH);
		size_t len;
		enum xr_fix_error why;
		cr_assert_eq(xr_fix_frame(buf, n, &len, &why), 1, "k=%d vlen=%zu: %s", k, vlen,
			     xr_fix_error_name(why));
		cr_assert_eq(len, n);
		/* One off is refused. */
		buf[n - 2] = buf[n - 2] == '9' ? '0' : (char)(buf[n - 2] + 1);
		cr_assert_eq(xr_fix_frame(buf, n, &len, &why), -1, "k=%d", k);
		cr_assert_eq(why, XR_FIX_BAD_CHECKSUM);
	}
}

/* A message of @p total bytes (Text padded with 'x') framed by hand into
 * @p buf. @return its length, exactly @p total. */
static size_t
sized_msg(char *buf, size_t total)
{
	/* "8=FIX.4.4|9=NNNNN|" + "35=0|58=" + x... + "|" + "10=nnn|" */
	size_t head = 10 + 2 + 5 + 1, fixed = 8 + 1, trailer = 7;
	size_t body = total - head - trailer, pad = body - fixed;
	int h = snprintf(buf, 32, "8=FIX.4.4%c9=%05zu%c", XR_FIX_SOH, body, XR_FIX_SOH);

	cr_assert_eq((size_t)h, head);
	memcpy(buf + h, "35=0\x01" "58=", 8);
	memset(buf + h + 8, 'x', pad);
	buf[h + 8 + pad] = XR_FIX_SOH;
	unsigned sum = 0;
	for (size_t i = 0; i < head + body; i++)
		sum += (unsigned char)buf[i];
	snprintf(buf + head + body, 8, "10=%03u%c", sum % 256, XR_FIX_SOH);
	return head + body + trailer;
}

Test(fix_codec, frame_max_takes_the_callers_cap)
{
	static char buf[70000];
	size_t len, n = sized_msg(buf, 60000);
	enum xr_fix_error why;

	cr_assert_eq(n, 60000);
	cr_assert_eq(xr_fix_frame_max(buf, n, 65536, &len, &why), 1, "%s",
		     xr_fix_error_name(why));
	cr_assert_eq(len, n);
	cr_assert_eq(xr_fix_frame_max(buf, n, 60000, &len, &why), 1, "exactly the cap fits");
	cr_assert_eq(xr_fix_frame_max(buf, n, 59999, &len, &why), -1);
	cr_assert_eq(why, XR_FIX_OVERSIZE);
	cr_assert_eq(xr_fix_frame_max(buf, n, 16384, &len, &why), -1);
	cr_assert_eq(why, XR_FIX_OVERSIZE);
	cr_assert_eq(len, n, "no 8=FIX inside: all of it dropped");
	/* Refused from BodyLength alone, before the body arrives. */
	cr_assert_eq(xr_fix_frame_max(buf, 20, 16384, &len, &why), -1);
	cr_assert_eq(why, XR_FIX_OVERSIZE);
	cr_assert_eq(xr_fix_frame_max(buf, 20, 65536, &len, &why), 0, "need more");
	/* xr_fix_frame() keeps XR_FIX_MAX_MSG. */
	cr_assert_eq(xr_fix_frame(buf, n, &len, &why), -1);
	cr_assert_eq(why, XR_FIX_OVERSIZE);
	n = sized_msg(buf, 9000);
	cr_assert_eq(xr_fix_frame(buf, n, &len, &why), -1);
	cr_assert_eq(xr_fix_frame_max(buf, n, 16384, &len, &why), 1);
	/* A cap outside XR_FIX_FRAME_MIN..XR_FIX_FRAME_MAX is clamped. */
	cr_assert_eq(xr_fix_frame_max(buf, n, 10u * XR_FIX_FRAME_MAX, &len, &why), 1);
	n = sized_msg(buf, 1200);
	cr_assert_eq(xr_fix_frame_max(buf, n, 1, &len, &why), -1);
	cr_assert_eq(why, XR_FIX_OVERSIZE, "a cap of 1 is XR_FIX_FRAME_MIN");
}
