/*
 * FIX order entry (connectors/fix/xr_fix_entry.h): NewOrderSingle and
 * OrderCancelRequest decoding, every error with the answer it needs
 * (session Reject, BusinessMessageReject, order reject) and the tag it
 * names; ExecutionReport encoding round-tripped through the codec
 * (xr_fix_frame + xr_fix_parse) in FIX 4.4 and 4.2.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xr_fix.h"
#include "xr_fix_entry.h"
#include "xr_types.h"

static char BUF[XR_FIX_MAX_MSG];
static struct xr_fix_msg M;

/*
 * Build and parse a message of @p type whose body is @p body: fields
 * "tag=value" separated by '|' (no header beyond 35; the decoders need
 * none).
 */
static const struct xr_fix_msg *
msg(enum xr_fix_version v, const char *type, const char *body)
{
	struct xr_fix_writer w;
	const char *out;
	size_t len, mlen;
	enum xr_fix_error why;
	char copy[1024];

	xr_fix_begin(&w, BUF, sizeof(BUF), v, type);
	snprintf(copy, sizeof(copy), "%s", body);
	for (char *f = strtok(copy, "|"); f != NULL; f = strtok(NULL, "|")) {
		char *eq = strchr(f, '=');
		cr_assert_not_null(eq);
		*eq = '\0';
		xr_fix_put_str(&w, (uint32_t)atoi(f), eq + 1, strlen(eq + 1));
	}
	cr_assert_eq(xr_fix_finish(&w, &out, &len), 0);
	cr_assert_eq(xr_fix_frame(out, len, &mlen, &why), 1);
	cr_assert_eq(xr_fix_parse(out, mlen, &M, &why), 0);
	return &M;
}

#define NOS_OK "11=C1|55=BTC-USD|54=1|38=1.5|40=2|44=50000.25|59=3"

TestSuite(fix_entry);

Test(fix_entry, nos_limit_decodes_in_fixed_point)
{
	struct xr_fix_nos o;
	struct xr_fix_entry_err e;

	cr_assert_eq(xr_fix_entry_decode_nos(msg(XR_FIX_44, "D", NOS_OK), &o, &e), 0);
	cr_assert_str_eq(o.clordid, "C1");
	cr_assert_str_eq(o.symbol, "BTC-USD");
	cr_assert_eq(o.side, '1');
	cr_assert_eq(o.ord_type, '2');
	cr_assert_eq(o.tif, '3');
	cr_assert_eq(o.qty, 3 * XR_QTY_SCALE / 2);
	cr_assert_eq(o.px, INT64_C(5000025000000));
}

Test(fix_entry, nos_market_default_tif_no_price)
{
	struct xr_fix_nos o;
	struct xr_fix_entry_err e;

	cr_assert_eq(xr_fix_entry_decode_nos(msg(XR_FIX_42, "D", "11=C2|55=ETH|54=2|38=3|40=1"),
					     &o, &e), 0);
	cr_assert_eq(o.side, '2');
	cr_assert_eq(o.ord_type, '1');
	cr_assert_eq(o.tif, '0');
	cr_assert_eq(o.px, 0);
	cr_assert_eq(o.qty, 3 * XR_QTY_SCALE);
}

struct bad_case {
	const char *body;
	enum xr_fix_entry_answer answer;
	uint32_t tag;
	uint32_t reason;
	const char *text; /* substring of e.text */
};

static void
check_bad(enum xr_fix_version v, const struct bad_case *c, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct xr_fix_nos o;
		struct xr_fix_entry_err e;

		memset(&e, 0, sizeof(e));
		cr_assert_eq(xr_fix_entry_decode_nos(msg(v, "D", c[i].body), &o, &e), -EINVAL,
			     "case %u: %s", i, c[i].body);
		cr_assert_eq(e.answer, c[i].answer, "case %u (%s): answer %u", i, c[i].body,
			     e.answer);
		cr_assert_eq(e.tag, c[i].tag, "case %u (%s): tag %u", i, c[i].body, e.tag);
		cr_assert_eq(e.reason, c[i].reason, "case %u (%s): reason %u", i, c[i].body,
			     e.reason);
		cr_assert(strstr(e.text, c[i].text) != NULL, "case %u: text \"%s\" lacks \"%s\"",
			  i, e.text, c[i].text);
	}
}

Test(fix_entry, nos_every_error_names_its_tag)
{
	static const struct bad_case c[] = {
		/* required tag missing: session Reject 373=1 */
		{ "55=X|54=1|38=1|40=2|44=1", XR_FIX_ANS_SESSION_REJECT, 11, 1, "ClOrdID (11): missing" },
		{ "11=C|54=1|38=1|40=2|44=1", XR_FIX_ANS_SESSION_REJECT, 55, 1, "Symbol (55): missing" },
		{ "11=C|55=X|38=1|40=2|44=1", XR_FIX_ANS_SESSION_REJECT, 54, 1, "Side (54): missing" },
		{ "11=C|55=X|54=1|40=2|44=1", XR_FIX_ANS_SESSION_REJECT, 38, 1, "OrderQty (38): missing" },
		{ "11=C|55=X|54=1|38=1|44=1", XR_FIX_ANS_SESSION_REJECT, 40, 1, "OrdType (40): missing" },
		/* wrong format: 373=6 */
		{ "11=C|55=X|54=12|38=1|40=2|44=1", XR_FIX_ANS_SESSION_REJECT, 54, 6, "Side (54)" },
		{ "11=C|55=X|54=1|38=abc|40=2|44=1", XR_FIX_ANS_SESSION_REJECT, 38, 6, "OrderQty (38)" },
		{ "11=C|55=X|54=1|38=1|40=22|44=1", XR_FIX_ANS_SESSION_REJECT, 40, 6, "OrdType (40)" },
		{ "11=C|55=X|54=1|38=1|40=2|44=1.x", XR_FIX_ANS_SESSION_REJECT, 44, 6, "Price (44)" },
		{ "11=C|55=X|54=1|38=1|40=2|44=1|59=00", XR_FIX_ANS_SESSION_REJECT, 59, 6,
		  "TimeInForce (59)" },
		/* out of the FIX enumeration or range: 373=5 */
		{ "11=C|55=X|54=Z|38=1|40=2|44=1", XR_FIX_ANS_SESSION_REJECT, 54, 5, "Side (54)" },
		{ "11=C|55=X|54=1|38=0|40=2|44=1", XR_FIX_ANS_SESSION_REJECT, 38, 5, "not above 0" },
		{ "11=C|55=X|54=1|38=-1|40=2|44=1", XR_FIX_ANS_SESSION_REJECT, 38, 5, "OrderQty (38)" },
		{ "11=C|55=X|54=1|38=1|40=Z|44=1", XR_FIX_ANS_SESSION_REJECT, 40, 5, "OrdType (40)" },
		{ "11=C|55=X|54=1|38=1|40=2|44=0", XR_FIX_ANS_SESSION_REJECT, 44, 5, "Price (44)" },
		{ "11=C|55=X|54=1|38=1|40=2|44=1|59=9", XR_FIX_ANS_SESSION_REJECT, 59, 5,
		  "TimeInForce (59)" },
		{ "11=0123456789012345678901234567890123456789012345678901234567890123|55=X|54=1|"
		  "38=1|40=2|44=1", XR_FIX_ANS_SESSION_REJECT, 11, 5, "longer than 63" },
		/* conditionally required missing: BusinessMessageReject 380=5 */
		{ "11=C|55=X|54=1|38=1|40=2", XR_FIX_ANS_BUSINESS_REJECT, 44, 5, "Price (44): missing" },
		/* valid FIX, not supported: ExecutionReport rejected, 103=11 (4.4) */
		{ "11=C|55=X|54=5|38=1|40=2|44=1", XR_FIX_ANS_ORDER_REJECT, 54, 11, "not supported" },
		{ "11=C|55=X|54=1|38=1|40=3|44=1", XR_FIX_ANS_ORDER_REJECT, 40, 11, "OrdType (40)" },
		{ "11=C|55=X|54=1|38=1|40=2|44=1|59=6", XR_FIX_ANS_ORDER_REJECT, 59, 11,
		  "TimeInForce (59)" },
	};

	check_bad(XR_FIX_44, c, sizeof(c) / sizeof(c[0]));
}

Test(fix_entry, nos_unsupported_in_fix42_is_broker_option)
{
	static const struct bad_case c[] = {
		{ "11=C|55=X|54=1|38=1|40=4|44=1", XR_FIX_ANS_ORDER_REJECT, 40, 0, "OrdType (40)" },
	};

	check_bad(XR_FIX_42, c, 1);
}

Test(fix_entry, cancel_decodes_and_names_missing_tags)
{
	struct xr_fix_cancel c;
	struct xr_fix_entry_err e;

	cr_assert_eq(xr_fix_entry_decode_cancel(msg(XR_FIX_44, "F", "41=C1|11=C2|55=X|54=1"), &c,
						&e), 0);
	cr_assert_str_eq(c.orig_clordid, "C1");
	cr_assert_str_eq(c.clordid, "C2");
	cr_assert_eq(xr_fix_entry_decode_cancel(msg(XR_FIX_44, "F", "11=C2"), &c, &e), -EINVAL);
	cr_assert_eq(e.answer, XR_FIX_ANS_SESSION_REJECT);
	cr_assert_eq(e.tag, 41);
	cr_assert_eq(e.reason, 1);
	cr_assert_str_eq(e.text, "OrigClOrdID (41): missing");
	cr_assert_eq(xr_fix_entry_decode_cancel(msg(XR_FIX_44, "F", "41=C1"), &c, &e), -EINVAL);
	cr_assert_eq(e.tag, 11);
	cr_assert_str_eq(e.text, "ClOrdID (11): missing");
}

/* ------------------------------------------------------------ encode */

/* Encode @p er in @p v and parse it back into M. */
static void
er_roundtrip(enum xr_fix_version v, const struct xr_fix_er *er)
{
	struct xr_fix_writer w;
	const char *out;
	size_t len, mlen;
	enum xr_fix_error why;

	xr_fix_begin(&w, BUF, sizeof(BUF), v, "8");
	cr_assert_eq(xr_fix_entry_put_er(&w, er), 0);
	cr_assert_eq(xr_fix_finish(&w, &out, &len), 0);
	cr_assert_eq(xr_fix_frame(out, len, &mlen, &why), 1, "%s", xr_fix_error_name(why));
	cr_assert_eq(mlen, len);
	cr_assert_eq(xr_fix_parse(out, mlen, &M, &why), 0);
	cr_assert_str_eq(M.msg_type, "8");
}

static char
ch(uint32_t tag)
{
	char c = 0;

	cr_assert(xr_fix_get_char(&M, tag, &c), "no tag %u", tag);
	return c;
}

static int64_t
fx(uint32_t tag)
{
	int64_t v = -1;

	cr_assert(xr_fix_get_fixed(&M, tag, 8, &v), "no tag %u", tag);
	return v;
}

static bool
str_is(uint32_t tag, const char *want)
{
	const char *v;
	uint32_t len;

	return xr_fix_get_str(&M, tag, &v, &len) && len == strlen(want) &&
	       memcmp(v, want, len) == 0;
}

Test(fix_entry, er_new_and_fills_roundtrip)
{
	struct xr_fix_er er = {
		.kind = XR_FIX_ER_NEW, .side = '1', .order_id = "O1", .exec_id = "E1",
		.clordid = "C1", .symbol = "BTC-USD", .order_qty = 2 * XR_QTY_SCALE,
		.leaves_qty = 2 * XR_QTY_SCALE,
	};

	er_roundtrip(XR_FIX_44, &er);
	cr_assert_eq(ch(150), '0');
	cr_assert_eq(ch(39), '0');
	cr_assert(str_is(37, "O1") && str_is(17, "E1") && str_is(11, "C1") && str_is(55, "BTC-USD"));
	cr_assert_eq(ch(54), '1');
	cr_assert_eq(fx(38), 2 * XR_QTY_SCALE);
	cr_assert_eq(fx(14), 0);
	cr_assert_eq(fx(151), 2 * XR_QTY_SCALE);
	cr_assert_eq(xr_fix_find(&M, 32), -1, "no LastQty on New");
	cr_assert_eq(xr_fix_find(&M, 20), -1, "no ExecTransType in 4.4");

	er.kind = XR_FIX_ER_PARTIAL;
	er.exec_id = "E2";
	er.last_qty = XR_QTY_SCALE / 2;
	er.last_px = INT64_C(5000025000000);
	er.cum_qty = XR_QTY_SCALE / 2;
	er.leaves_qty = 3 * XR_QTY_SCALE / 2;
	er.avg_px = INT64_C(5000025000000);
	er_roundtrip(XR_FIX_44, &er);
	cr_assert_eq(ch(150), 'F');
	cr_assert_eq(ch(39), '1');
	cr_assert_eq(fx(32), XR_QTY_SCALE / 2);
	cr_assert_eq(fx(31), INT64_C(5000025000000));
	cr_assert_eq(fx(14), XR_QTY_SCALE / 2);
	cr_assert_eq(fx(151), 3 * XR_QTY_SCALE / 2);
	cr_assert_eq(fx(6), INT64_C(5000025000000));

	er.kind = XR_FIX_ER_FILLED;
	er.cum_qty = 2 * XR_QTY_SCALE;
	er.leaves_qty = 0;
	er_roundtrip(XR_FIX_42, &er);
	cr_assert_eq(ch(20), '0');
	cr_assert_eq(ch(150), '2');
	cr_assert_eq(ch(39), '2');
	cr_assert_eq(fx(151), 0);
	cr_assert_eq(fx(14), 2 * XR_QTY_SCALE);
}

Test(fix_entry, er_canceled_and_rejected_roundtrip)
{
	struct xr_fix_er er = {
		.kind = XR_FIX_ER_CANCELED, .side = '2', .order_id = "O1", .exec_id = "E9",
		.clordid = "C2", .orig_clordid = "C1", .symbol = "ETH", .order_qty = XR_QTY_SCALE,
		.cum_qty = 0, .leaves_qty = 0,
	};

	er_roundtrip(XR_FIX_44, &er);
	cr_assert_eq(ch(150), '4');
	cr_assert_eq(ch(39), '4');
	cr_assert(str_is(41, "C1") && str_is(11, "C2"));

	struct xr_fix_er rj = {
		.kind = XR_FIX_ER_REJECTED, .side = '1', .clordid = "C3", .symbol = "ETH",
		.order_qty = XR_QTY_SCALE, .ord_rej_reason = 11,
		.text = "OrdType (40): '3' is not supported",
	};
	er_roundtrip(XR_FIX_44, &rj);
	cr_assert_eq(ch(150), '8');
	cr_assert_eq(ch(39), '8');
	cr_assert(str_is(37, "NONE") && str_is(17, "NONE"));
	cr_assert(str_is(103, "11"));
	cr_assert(str_is(58, "OrdType (40): '3' is not supported"));
	cr_assert_eq(xr_fix_find(&M, 41), -1);

	rj.kind = 99;
	struct xr_fix_writer w;
	xr_fix_begin(&w, BUF, sizeof(BUF), XR_FIX_44, "8");
	cr_assert_eq(xr_fix_entry_put_er(&w, &rj), -EINVAL);
}
