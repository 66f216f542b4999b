/*
 * FIX order entry, acceptor side (xr_fix_entry.h states the messages, the
 * error answers and their source in the FIX specification).
 *
 * DESIGN
 *   One helper per field kind (an id string, a one-character enum, a
 *   positive fixed-point number) that either fills the output or names
 *   the fault in struct xr_fix_entry_err; the decoders are the list of
 *   fields in tag order, so the first fault reported is the first in
 *   that order.
 */
#include "xr_fix_entry.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "xr_types.h"

enum {
	XR__T_AVG_PX = 6,
	XR__T_CLORDID = 11,
	XR__T_CUM_QTY = 14,
	XR__T_EXEC_ID = 17,
	XR__T_EXEC_TRANS_TYPE = 20,
	XR__T_LAST_PX = 31,
	XR__T_LAST_QTY = 32,
	XR__T_ORDER_ID = 37,
	XR__T_ORDER_QTY = 38,
	XR__T_ORD_STATUS = 39,
	XR__T_ORD_TYPE = 40,
	XR__T_ORIG_CLORDID = 41,
	XR__T_PRICE = 44,
	XR__T_SIDE = 54,
	XR__T_SYMBOL = 55,
	XR__T_TEXT = 58,
	XR__T_TIF = 59,
	XR__T_ORD_REJ_REASON = 103,
	XR__T_EXEC_TYPE = 150,
	XR__T_LEAVES_QTY = 151,
};

/* SessionRejectReason (373), FIX 4.4 Vol. 2 "Reject". */
enum {
	XR__SRR_REQUIRED_MISSING = 1,
	XR__SRR_VALUE_INCORRECT = 5,
	XR__SRR_BAD_FORMAT = 6,
};
/* BusinessRejectReason (380) 5: Conditionally required field missing. */
#define XR__BRR_COND_MISSING 5u

/* Fill @p e; @return -EINVAL. */
__attribute__((format(printf, 5, 6))) static int
xr__fail(struct xr_fix_entry_err *e, enum xr_fix_entry_answer a, uint32_t tag, uint32_t reason,
	 const char *fmt, ...)
{
	va_list ap;

	e->answer = (uint8_t)a;
	e->tag = tag;
	e->reason = reason;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* OrdRejReason for an unsupported characteristic in @p m's version. */
static uint32_t
xr__unsupported(const struct xr_fix_msg *m)
{
	return m->version == XR_FIX_44 ? 11u : 0u;
}

/* Required string @p tag into @p out (@p cap bytes with the NUL). */
static int
xr__id(const struct xr_fix_msg *m, uint32_t tag, const char *name, char *out, size_t cap,
       struct xr_fix_entry_err *e)
{
	const char *v;
	uint32_t len;

	if (!xr_fix_get_str(m, tag, &v, &len))
		return xr__fail(e, XR_FIX_ANS_SESSION_REJECT, tag, XR__SRR_REQUIRED_MISSING,
				"%s (%u): missing", name, tag);
	if (len >= cap)
		return xr__fail(e, XR_FIX_ANS_SESSION_REJECT, tag, XR__SRR_VALUE_INCORRECT,
				"%s (%u): longer than %zu bytes", name, tag, cap - 1);
	memcpy(out, v, len);
	out[len] = '\0';
	return 0;
}

/*
 * One-character enum @p tag: @p valid lists the FIX values, @p ok the
 * ones xroute takes. Absent: @p dflt if not 0, else missing.
 */
static int
xr__enum(const struct xr_fix_msg *m, uint32_t tag, const char *name, const char *valid,
	 const char *ok, char dflt, char *out, struct xr_fix_entry_err *e)
{
	const char *v;
	uint32_t len;

	if (!xr_fix_get_str(m, tag, &v, &len)) {
		if (dflt != 0) {
			*out = dflt;
			return 0;
		}
		return xr__fail(e, XR_FIX_ANS_SESSION_REJECT, tag, XR__SRR_REQUIRED_MISSING,
				"%s (%u): missing", name, tag);
	}
	if (len != 1)
		return xr__fail(e, XR_FIX_ANS_SESSION_REJECT, tag, XR__SRR_BAD_FORMAT,
				"%s (%u): \"%.*s\" is not one character", name, tag,
				(int)(len < 16 ? len : 16), v);
	if (strchr(valid, v[0]) == NULL)
		return xr__fail(e, XR_FIX_ANS_SESSION_REJECT, tag, XR__SRR_VALUE_INCORRECT,
				"%s (%u): '%c' is not a FIX value", name, tag, v[0]);
	if (strchr(ok, v[0]) == NULL)
		return xr__fail(e, XR_FIX_ANS_ORDER_REJECT, tag, xr__unsupported(m),
				"%s (%u): '%c' is not supported", name, tag, v[0]);
	*out = v[0];
	return 0;
}

/* Positive fixed-point @p tag with @p decimals places. Absent: missing
 * as a session Reject, or as a BusinessMessageReject if @p cond. */
static int
xr__positive(const struct xr_fix_msg *m, uint32_t tag, const char *name, int decimals, bool cond,
	     int64_t *out, struct xr_fix_entry_err *e)
{
	const char *v;
	uint32_t len;

	if (!xr_fix_get_str(m, tag, &v, &len)) {
		if (cond)
			return xr__fail(e, XR_FIX_ANS_BUSINESS_REJECT, tag, XR__BRR_COND_MISSING,
					"%s (%u): missing, required for a limit order", name, tag);
		return xr__fail(e, XR_FIX_ANS_SESSION_REJECT, tag, XR__SRR_REQUIRED_MISSING,
				"%s (%u): missing", name, tag);
	}
	if (!xr_fix_get_fixed(m, tag, decimals, out))
		return xr__fail(e, XR_FIX_ANS_SESSION_REJECT, tag, XR__SRR_BAD_FORMAT,
				"%s (%u): \"%.*s\" is not a decimal of at most %d places", name,
				tag, (int)(len < 24 ? len : 24), v, decimals);
	if (*out <= 0)
		return xr__fail(e, XR_FIX_ANS_SESSION_REJECT, tag, XR__SRR_VALUE_INCORRECT,
				"%s (%u): \"%.*s\" is not above 0", name, tag,
				(int)(len < 24 ? len : 24), v);
	return 0;
}

/* Decimal places of XR_QTY_SCALE / XR_PX_SCALE (10^8). */
#define XR__QTY_DEC 8
#define XR__PX_DEC 8
_Static_assert(XR_QTY_SCALE == 100000000 && XR_PX_SCALE == 100000000,
	       "XR__QTY_DEC / XR__PX_DEC follow base/xr_types.h");

int
xr_fix_entry_decode_nos(const struct xr_fix_msg *m, struct xr_fix_nos *o,
			struct xr_fix_entry_err *e)
{
	/* Side (54) FIX 4.4 values 1..9, A..G; OrdType (40) 1..9, A..M, P;
	 * TimeInForce (59) 0..7 (Vol. 6, "Fields by Tag"). */
	memset(o, 0, sizeof(*o));
	if (xr__id(m, XR__T_CLORDID, "ClOrdID", o->clordid, sizeof(o->clordid), e) != 0 ||
	    xr__id(m, XR__T_SYMBOL, "Symbol", o->symbol, sizeof(o->symbol), e) != 0 ||
	    xr__enum(m, XR__T_SIDE, "Side", "123456789ABCDEFG", "12", 0, &o->side, e) != 0 ||
	    xr__positive(m, XR__T_ORDER_QTY, "OrderQty", XR__QTY_DEC, false, &o->qty, e) != 0 ||
	    xr__enum(m, XR__T_ORD_TYPE, "OrdType", "123456789ABCDEFGHIJKLMP", "12", 0,
		     &o->ord_type, e) != 0)
		return -EINVAL;
	if (o->ord_type == '2') {
		if (xr__positive(m, XR__T_PRICE, "Price", XR__PX_DEC, true, &o->px, e) != 0)
			return -EINVAL;
	}
	/* A Market order's Price, if any, is ignored (px = 0). */
	if (xr__enum(m, XR__T_TIF, "TimeInForce", "01234567", "0134", '0', &o->tif, e) != 0)
		return -EINVAL;
	return 0;
}

int
xr_fix_entry_decode_cancel(const struct xr_fix_msg *m, struct xr_fix_cancel *c,
			   struct xr_fix_entry_err *e)
{
	memset(c, 0, sizeof(*c));
	if (xr__id(m, XR__T_ORIG_CLORDID, "OrigClOrdID", c->orig_clordid,
		   sizeof(c->orig_clordid), e) != 0 ||
	    xr__id(m, XR__T_CLORDID, "ClOrdID", c->clordid, sizeof(c->clordid), e) != 0)
		return -EINVAL;
	return 0;
}

/* ----------------------------------------------------------------- encode */

static void
xr__put_s(struct xr_fix_writer *w, uint32_t tag, const char *s, const char *dflt)
{
	if (s == NULL || s[0] == '\0')
		s = dflt;
	if (s != NULL)
		xr_fix_put_str(w, tag, s, strlen(s));
}

int
xr_fix_entry_put_er(struct xr_fix_writer *w, const struct xr_fix_er *er)
{
	static const char status[] = { '0', '1', '2', '4', '8' };
	bool v42 = w->version == XR_FIX_42;
	char exec_type;

	if (er->kind > XR_FIX_ER_REJECTED)
		return -EINVAL;
	exec_type = status[er->kind];
	if (!v42 && (er->kind == XR_FIX_ER_PARTIAL || er->kind == XR_FIX_ER_FILLED))
		exec_type = 'F'; /* FIX 4.4 Vol. 4: Trade; 39 tells partial/filled */
	xr__put_s(w, XR__T_ORDER_ID, er->order_id, "NONE");
	xr__put_s(w, XR__T_EXEC_ID, er->exec_id, "NONE");
	xr__put_s(w, XR__T_CLORDID, er->clordid, NULL);
	if (er->kind == XR_FIX_ER_CANCELED)
		xr__put_s(w, XR__T_ORIG_CLORDID, er->orig_clordid, NULL);
	if (v42)
		xr_fix_put_char(w, XR__T_EXEC_TRANS_TYPE, '0'); /* New (4.2 only) */
	xr_fix_put_char(w, XR__T_EXEC_TYPE, exec_type);
	xr_fix_put_char(w, XR__T_ORD_STATUS, status[er->kind]);
	xr__put_s(w, XR__T_SYMBOL, er->symbol, NULL);
	if (er->side != 0)
		xr_fix_put_char(w, XR__T_SIDE, er->side);
	if (er->order_qty > 0)
		xr_fix_put_fixed(w, XR__T_ORDER_QTY, er->order_qty, XR__QTY_DEC);
	if (er->kind == XR_FIX_ER_PARTIAL || er->kind == XR_FIX_ER_FILLED) {
		xr_fix_put_fixed(w, XR__T_LAST_QTY, er->last_qty, XR__QTY_DEC);
		xr_fix_put_fixed(w, XR__T_LAST_PX, er->last_px, XR__PX_DEC);
	}
	xr_fix_put_fixed(w, XR__T_CUM_QTY, er->cum_qty, XR__QTY_DEC);
	xr_fix_put_fixed(w, XR__T_LEAVES_QTY, er->leaves_qty, XR__QTY_DEC);
	xr_fix_put_fixed(w, XR__T_AVG_PX, er->avg_px, XR__PX_DEC);
	if (er->kind == XR_FIX_ER_REJECTED)
		xr_fix_put_u64(w, XR__T_ORD_REJ_REASON, er->ord_rej_reason);
	xr__put_s(w, XR__T_TEXT, er->text, NULL);
	return 0;
}

int
xr_fix_entry_send_er(struct xr_fix_session *s, const struct xr_fix_er *er, uint64_t now_ns)
{
	struct xr_fix_writer w;
	int rc;

	if (er->kind > XR_FIX_ER_REJECTED)
		return -EINVAL;
	rc = xr_fix_session_begin(s, &w, "8", now_ns);
	if (rc != 0)
		return rc;
	xr_fix_entry_put_er(&w, er);
	return xr_fix_session_send(s, &w, NULL, now_ns);
}

/* Field @p tag of @p m NUL-ended in @p buf (@p cap bytes), "" if absent. */
static const char *
xr__copy(const struct xr_fix_msg *m, uint32_t tag, char *buf, size_t cap)
{
	const char *v;
	uint32_t len;

	buf[0] = '\0';
	if (xr_fix_get_str(m, tag, &v, &len) && len < cap) {
		memcpy(buf, v, len);
		buf[len] = '\0';
	}
	return buf;
}

void
xr_fix_entry_answer(struct xr_fix_session *s, const struct xr_fix_msg *m, uint64_t seq,
		    const struct xr_fix_entry_err *e, uint64_t now_ns)
{
	char clordid[XR_FIX_ID_MAX + 1], symbol[XR_FIX_SYMBOL_MAX + 1];
	struct xr_fix_er er = { .kind = XR_FIX_ER_REJECTED };

	switch (e->answer) {
	case XR_FIX_ANS_SESSION_REJECT:
		xr_fix_session_reject(s, seq, m->msg_type, e->tag, e->reason, e->text, now_ns);
		return;
	case XR_FIX_ANS_BUSINESS_REJECT:
		xr_fix_session_bmr(s, seq, m->msg_type, e->reason, e->text, now_ns);
		return;
	case XR_FIX_ANS_ORDER_REJECT:
		er.clordid = xr__copy(m, XR__T_CLORDID, clordid, sizeof(clordid));
		er.symbol = xr__copy(m, XR__T_SYMBOL, symbol, sizeof(symbol));
		xr_fix_get_char(m, XR__T_SIDE, &er.side);
		if (!xr_fix_get_fixed(m, XR__T_ORDER_QTY, XR__QTY_DEC, &er.order_qty))
			er.order_qty = 0;
		er.ord_rej_reason = e->reason;
		er.text = e->text;
		xr_fix_entry_send_er(s, &er, now_ns);
		return;
	default:
		return;
	}
}
