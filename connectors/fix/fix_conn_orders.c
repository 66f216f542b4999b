/*
 * The FIX connector's order side: the order table, the events it queues,
 * and the venue's application messages (ExecutionReport, Reject,
 * BusinessMessageReject) and session callbacks turned into events
 * (xr_fix_conn.h has the mapping and the rules; fix_conn.c the session,
 * the socket and the ops).
 */
#include "fix_conn_pvt.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ log */

void
xr__fix_say(struct xr__fix *f, enum xr_fix_log_level lvl, const char *text)
{
	static const char *const lv[] = { "info", "warning", "error" };
	uint64_t now = xr_now_ns();
	char line[384];

	if (now - f->log_window_ns >= 1000000000u) {
		if (f->log_lines > XR__LOG_PER_S) {
			int n = snprintf(line, sizeof(line),
					 "xroute: venue %s: fix: %u log lines suppressed\n", f->venue,
					 f->log_lines - XR__LOG_PER_S);
			if (write(STDERR_FILENO, line, (size_t)n) < 0)
				(void)0;
		}
		f->log_window_ns = now;
		f->log_lines = 0;
	}
	if (++f->log_lines > XR__LOG_PER_S) {
		f->st.log_suppressed++;
		return;
	}
	int n = snprintf(line, sizeof(line), "xroute: venue %s: fix %s: %s\n", f->venue,
			 lv[lvl <= XR_FIX_LOG_ERROR ? lvl : 0], text);
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		(void)0;
}

__attribute__((format(printf, 3, 4))) void
xr__fix_logf(struct xr__fix *f, enum xr_fix_log_level lvl, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	xr__fix_say(f, lvl, text);
}

static void
xr__on_log(void *ctx, enum xr_fix_log_level lvl, const char *text)
{
	xr__fix_say(ctx, lvl, text);
}

/*
 * A warning about a bad venue report of kind @p k, at most
 * XR__KIND_LOG_PER_S a second per kind (then through the venue's limit);
 * the first line after a suppressed stretch says how many it skipped.
 */
__attribute__((format(printf, 4, 5))) static void
xr__bad_logf(struct xr__fix *f, enum xr__bad_kind k, uint64_t now, const char *fmt, ...)
{
	struct xr__rate *r = &f->bad_log[k];
	char text[256];
	va_list ap;

	if (now - r->window_ns >= 1000000000u) {
		r->window_ns = now;
		r->lines = 0;
	}
	if (r->lines >= XR__KIND_LOG_PER_S) {
		r->suppressed++;
		f->st.log_suppressed++;
		return;
	}
	r->lines++;
	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (r->suppressed > 0 && n >= 0 && (size_t)n < sizeof(text))
		snprintf(text + n, sizeof(text) - (size_t)n, " (%u more like it not logged)",
			 r->suppressed);
	r->suppressed = 0;
	xr__fix_say(f, XR_FIX_LOG_WARN, text);
}

/* ------------------------------------------------------------------ orders */

struct xr_conn_event *
xr__order_event(struct xr__fix *f)
{
	uint32_t k = (f->evq_head + f->evq_n++) % f->evq_cap;
	struct xr_conn_event *e = &f->evq[k];
	memset(e, 0, sizeof(*e));
	/* The message it comes from (HANDED, fix_conn.c): the session moves
	 * next_in past a message before it hands it over, so that message is
	 * next_in - 1 (for an event of no message, one too early: safe). */
	f->evq_seq[k] = f->seq->next_in > 1 ? f->seq->next_in - 1 : 1;
	return e;
}

/* Unlink slot @p i from the sent-order list and free it. */
void
xr__order_release(struct xr__fix *f, uint32_t i)
{
	struct xr__order *o = &f->o[i];

	if (o->prev != XR__NIL)
		f->o[o->prev].next = o->next;
	else
		f->old_head = o->next;
	if (o->next != XR__NIL)
		f->o[o->next].prev = o->prev;
	else
		f->old_tail = o->prev;
	xr_u64map_remove(&f->ids, o->cl_ord_id);
	o->state = XR__O_FREE;
	o->next = f->free_head;
	f->free_head = i;
	f->n_open--;
}

/* End slot @p i with an XR_EV_ORDER_FAILED of @p reason (not live). */
static void
xr__fail(struct xr__fix *f, uint32_t i, uint16_t reason)
{
	struct xr_conn_event *e = xr__order_event(f);
	const struct xr__order *o = &f->o[i];

	e->kind = XR_EV_ORDER_FAILED;
	e->reason = reason;
	e->symbol = o->symbol;
	e->token = o->token;
	e->cl_ord_id = o->cl_ord_id;
	e->cum_qty = o->cum_qty;
	xr__order_release(f, i);
}

/*
 * The engine ClOrdID in a wire ClOrdID "<prefix><digits>[-C<n>]".
 * @return 0; -1 not of this run (another prefix, or not ours).
 */
static int
xr__parse_id(const struct xr__fix *f, const char *s, uint32_t len, uint64_t *id)
{
	uint64_t v = 0;
	uint32_t i = f->prefix_len;

	if (len <= f->prefix_len || memcmp(s, f->prefix, f->prefix_len) != 0)
		return -1;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (i == f->prefix_len || (i < len && s[i] != '-'))
		return -1;
	*id = v;
	return 0;
}

/* The slot of the order named by field @p tag of @p m, or XR__NIL;
 * *foreign: the field is not a ClOrdID of this run; *id (may be NULL): the
 * engine ClOrdID it names. */
static uint32_t
xr__slot_of_id(struct xr__fix *f, const struct xr_fix_msg *m, uint32_t tag, bool *foreign,
	       uint64_t *id)
{
	const char *s;
	uint32_t len;
	uint64_t v = 0;

	*foreign = false;
	if (id != NULL)
		*id = 0;
	if (!xr_fix_get_str(m, tag, &s, &len))
		return XR__NIL;
	if (xr__parse_id(f, s, len, &v) != 0) {
		*foreign = true;
		return XR__NIL;
	}
	if (id != NULL)
		*id = v;
	return xr__slot_by_id(f, v);
}

static uint32_t
xr__slot_of(struct xr__fix *f, const struct xr_fix_msg *m, uint32_t tag, bool *foreign)
{
	return xr__slot_of_id(f, m, tag, foreign, NULL);
}

/* Did this connector send engine ClOrdID @p id? (Older than the window of
 * remembered ones: assumed so, it has this run's prefix.) */
static bool
xr__was_sent(const struct xr__fix *f, uint64_t id)
{
	if (id == 0 || id > f->sent_max)
		return false;
	if (f->sent_max - id > f->sent_mask)
		return true;
	return f->sent[id & f->sent_mask] == id;
}

/* Is slot @p i's NewOrderSingle MsgSeqNum @p seq of the current epoch? */
static bool
xr__nos_is(const struct xr__fix *f, uint32_t i, uint64_t seq)
{
	return f->o[i].nos_seq == seq && f->o[i].epoch == f->s->epoch;
}

/* The live slot whose NewOrderSingle had MsgSeqNum @p seq in this session
 * epoch, or XR__NIL (an order sent before MsgSeqNums restarted is never
 * named by a MsgSeqNum again). */
static uint32_t
xr__slot_of_seq(const struct xr__fix *f, uint64_t seq)
{
	for (uint32_t i = f->old_head; i != XR__NIL; i = f->o[i].next)
		if (xr__nos_is(f, i, seq))
			return i;
	return XR__NIL;
}

/* A required field is missing or invalid: session Reject 373=1 or 5. */
static void
xr__bad(struct xr__fix *f, const struct xr_fix_msg *m, uint64_t seq, uint32_t tag, bool present,
	uint64_t now)
{
	char text[64];

	f->st.bad_messages++;
	snprintf(text, sizeof(text), "%s tag %u", present ? "Invalid value of" : "Missing",
		 (unsigned)tag);
	xr_fix_session_reject(f->s, seq, m->msg_type, tag, present ? 5u : 1u, text, now);
}

/* OrdStatus (39) to enum xr_ord_status given the fills; 0: unknown value. */
static uint8_t
xr__ord_status(char c, int64_t cum)
{
	switch (c) {
	case '0': case 'A': case '6': case 'E': case '5': case '7': case '9': case 'D':
		return cum > 0 ? XR_OS_PARTIALLY_FILLED : XR_OS_NEW;
	case '1': return XR_OS_PARTIALLY_FILLED;
	case '2': return XR_OS_FILLED;
	case '4': return XR_OS_CANCELED;
	case '8': return XR_OS_REJECTED;
	case 'C':
	case '3': return XR_OS_EXPIRED;
	default: return 0;
	}
}

static bool
xr__terminal(uint8_t os)
{
	return os == XR_OS_FILLED || os == XR_OS_CANCELED || os == XR_OS_REJECTED ||
	       os == XR_OS_EXPIRED;
}

/* ExecutionReport (35=8). */
static void
xr__on_exec_report(struct xr__fix *f, const struct xr_fix_msg *m, uint64_t seq, bool poss_dup,
		   uint64_t now)
{
	bool foreign;
	char os_c, liq = '2';
	int64_t cum = 0, last_qty = 0, last_px = 0, avg_px = 0;
	uint64_t rej = 0;

	uint64_t tot = 1;
	if (xr_fix_find(m, XR__T_MASS_STATUS_REQ_ID) >= 0 &&
	    xr_fix_get_u64(m, XR__T_TOT_NUM_REPORTS, &tot) && tot == 0) {
		/* A mass status answer saying the venue has no order for us. */
		f->st.mass_status_empty++;
		return;
	}
	if (xr_fix_find(m, XR__T_CL_ORD_ID) < 0) {
		xr__bad(f, m, seq, XR__T_CL_ORD_ID, false, now);
		return;
	}
	if (!xr_fix_get_char(m, XR__T_ORD_STATUS, &os_c) || xr__ord_status(os_c, 0) == 0) {
		xr__bad(f, m, seq, XR__T_ORD_STATUS, xr_fix_find(m, XR__T_ORD_STATUS) >= 0, now);
		return;
	}
	if (!xr_fix_get_fixed(m, XR__T_CUM_QTY, 8, &cum) || cum < 0) {
		xr__bad(f, m, seq, XR__T_CUM_QTY, xr_fix_find(m, XR__T_CUM_QTY) >= 0, now);
		return;
	}
	uint64_t id = 0, orig_id = 0;
	bool orig_foreign = true;
	uint32_t i = xr__slot_of_id(f, m, XR__T_CL_ORD_ID, &foreign, &id);
	if (i == XR__NIL && !foreign)
		i = xr__slot_of_id(f, m, XR__T_ORIG_CL_ORD_ID, &orig_foreign, &orig_id);
	if (i == XR__NIL) {
		const char *w = "";
		uint32_t wl = 0;
		xr_fix_get_str(m, XR__T_CL_ORD_ID, &w, &wl);
		bool ours = !foreign && (xr__was_sent(f, id) ||
					 (!orig_foreign && xr__was_sent(f, orig_id)));
		if (ours) {
			char c[24];
			int cl = xr_fixed_format(c, cum, 8);
			f->st.stale_reports++;
			xr__bad_logf(f, XR__BK_STALE, now, "execution report for ClOrdID %.*s "
				     "(OrdStatus %c, CumQty %.*s), an order already ended here: "
				     "ignored", (int)wl, w, os_c, cl, c);
		} else {
			f->st.foreign_reports++;
			xr__bad_logf(f, XR__BK_FOREIGN, now, "execution report for ClOrdID %.*s, "
				     "which this connector never sent: ignored", (int)wl, w);
		}
		return;
	}
	struct xr__order *o = &f->o[i];
	int64_t ord_qty = 0;
	if (!o->qty_warned && xr_fix_get_fixed(m, XR__T_ORDER_QTY, 8, &ord_qty) &&
	    ord_qty != o->qty) {
		char a[24], b[24];
		int al = xr_fixed_format(a, o->qty, 8), bl = xr_fixed_format(b, ord_qty, 8);
		const char *w = "";
		uint32_t wl = 0;
		xr_fix_get_str(m, XR__T_CL_ORD_ID, &w, &wl);
		o->qty_warned = true;
		f->st.qty_changed++;
		xr__bad_logf(f, XR__BK_QTY, now, "order %llu (ClOrdID %.*s): the venue "
			     "acknowledged OrderQty %.*s, xroute sent %.*s; fills are booked as "
			     "reported, at most %.*s", (unsigned long long)o->cl_ord_id, (int)wl, w,
			     bl, b, al, a, al, a);
	}
	bool has_last = xr_fix_get_fixed(m, XR__T_LAST_QTY, 8, &last_qty) &&
			xr_fix_get_fixed(m, XR__T_LAST_PX, 8, &last_px);
	bool has_avg = xr_fix_get_fixed(m, XR__T_AVG_PX, 8, &avg_px);
	xr_fix_get_char(m, XR__T_LAST_LIQUIDITY_IND, &liq);
	xr_fix_get_u64(m, XR__T_ORD_REJ_REASON, &rej);

	int64_t delta = cum > o->cum_qty ? cum - o->cum_qty : 0;
	if (cum > o->qty) {
		/* More filled than ordered: nothing of it is booked. The first
		 * such report of an order gets a session Reject; the order is
		 * then in doubt: a later valid report settles it, identical
		 * answers are counted but not refused again, and it gets at
		 * most XR__DOUBT_QUERIES more status queries. */
		char a[24], b[24];
		int al = xr_fixed_format(a, o->qty, 8), bl = xr_fixed_format(b, cum, 8);
		bool first = !o->overfill;
		f->st.overfill_reports++;
		o->overfill = true;
		o->queried = false;
		o->state = XR__O_ACKED;
		xr__bad_logf(f, XR__BK_OVERFILL, now, "order %llu: report with CumQty %.*s above "
			     "OrderQty %.*s refused%s; the order is in doubt",
			     (unsigned long long)o->cl_ord_id, bl, b, al, a,
			     first ? " (session Reject sent)" : " again");
		if (first)
			xr__bad(f, m, seq, XR__T_CUM_QTY, true, now);
		return;
	}
	o->overfill = false; /* a valid report: the venue and we agree again */
	o->doubt_queries = 0;
	int64_t notional = 0;
	if (delta > 0) {
		if (has_last && last_qty == delta)
			notional = xr_notional(delta, last_px);
		else if (has_avg)
			notional = xr_notional(cum, avg_px) - o->cum_notional;
		else if (has_last)
			notional = xr_notional(delta, last_px);
		else
			notional = xr_notional(delta, o->px);
	}
	uint8_t os = xr__ord_status(os_c, cum);
	bool was_query = o->queried;
	o->queried = false;
	if (os == XR_OS_REJECTED && rej == 5 && was_query && o->cum_qty == 0) {
		/* "Unknown order" in answer to our status query: not live. */
		struct xr_conn_event *e = xr__order_event(f);
		e->kind = XR_EV_ORDER_UNKNOWN;
		e->reason = XR_R_TIMEOUT;
		e->symbol = o->symbol;
		e->token = o->token;
		e->cl_ord_id = o->cl_ord_id;
		xr__order_release(f, i);
		return;
	}
	if (delta == 0 && !xr__terminal(os) && (poss_dup || o->state == XR__O_ACKED) &&
	    !was_query) {
		f->st.dup_reports++; /* nothing new */
		if (has_last && last_qty > 0) {
			/* A fill repeated: CumQty says it was booked before. */
			f->st.dup_fills++;
			xr__bad_logf(f, XR__BK_DUP, now, "order %llu: duplicate fill ignored "
				     "(LastQty without CumQty advancing: a repeated ExecID)",
				     (unsigned long long)o->cl_ord_id);
		}
		o->state = XR__O_ACKED;
		return;
	}
	f->st.reports++;
	o->state = XR__O_ACKED;
	o->cum_qty += delta;
	o->cum_notional += notional;

	struct xr_conn_event *e = xr__order_event(f);
	e->kind = XR_EV_EXEC_REPORT;
	e->ord_status = os;
	e->symbol = o->symbol;
	e->token = o->token;
	e->cl_ord_id = o->cl_ord_id;
	e->last_qty = delta;
	e->last_notional = notional;
	e->last_fees = xr_fee(notional, liq == '1' ? f->fee_maker_cbps : f->fee_taker_cbps);
	e->cum_qty = o->cum_qty;
	e->leaves_qty = xr__terminal(os) ? 0 : o->qty - o->cum_qty;
	if (os == XR_OS_REJECTED)
		e->reason = XR_R_VENUE_REJECT;
	else if (os == XR_OS_EXPIRED || (os == XR_OS_CANCELED && o->expired))
		e->reason = XR_R_EXPIRED;
	else if (os == XR_OS_CANCELED && (o->tif == XR_TIF_IOC || o->tif == XR_TIF_FOK))
		e->reason = XR_R_NO_LIQUIDITY;
	if (os == XR_OS_REJECTED) {
		const char *t = "";
		uint32_t tl = 0;
		xr_fix_get_str(m, XR__T_TEXT, &t, &tl);
		xr__fix_logf(f, XR_FIX_LOG_WARN, "order %llu rejected (OrdRejReason %llu): %.*s",
			 (unsigned long long)o->cl_ord_id, (unsigned long long)rej, (int)tl, t);
	}
	if (xr__terminal(os))
		xr__order_release(f, i);
}

/* Reject (35=3): a NewOrderSingle refused at the session level fails. */
static void
xr__on_reject(struct xr__fix *f, const struct xr_fix_msg *m)
{
	uint64_t ref = 0, why = 0;
	const char *t = "";
	uint32_t tl = 0;

	const char *rt = "D";
	uint32_t rtl = 1;

	f->st.msg_rejects++;
	xr_fix_get_str(m, XR__T_REF_MSG_TYPE, &rt, &rtl);
	xr_fix_get_u64(m, XR__T_REF_SEQ_NUM, &ref);
	xr_fix_get_u64(m, XR__T_SESSION_REJECT_REASON, &why);
	xr_fix_get_str(m, XR__T_TEXT, &t, &tl);
	uint32_t i = rtl == 1 && rt[0] == 'D' ? xr__slot_of_seq(f, ref) : XR__NIL;
	xr__fix_logf(f, XR_FIX_LOG_WARN, "Reject of our MsgSeqNum %llu (SessionRejectReason %llu)%s: "
		 "%.*s", (unsigned long long)ref, (unsigned long long)why,
		 i != XR__NIL ? ", its order failed" : "", (int)tl, t);
	if (i != XR__NIL && f->o[i].state == XR__O_SENT)
		xr__fail(f, i, XR_R_MSG_REJECT);
}

/* BusinessMessageReject (35=j). */
static void
xr__on_bmr(struct xr__fix *f, const struct xr_fix_msg *m)
{
	const char *ref_type = "", *t = "";
	uint32_t rl = 0, tl = 0;
	uint64_t ref = 0, why = 0;
	bool foreign;

	f->st.business_rejects++;
	xr_fix_get_str(m, XR__T_REF_MSG_TYPE, &ref_type, &rl);
	xr_fix_get_u64(m, XR__T_REF_SEQ_NUM, &ref);
	xr_fix_get_u64(m, XR__T_BUSINESS_REJECT_REASON, &why);
	xr_fix_get_str(m, XR__T_TEXT, &t, &tl);
	xr__fix_logf(f, XR_FIX_LOG_WARN, "BusinessMessageReject of %.*s MsgSeqNum %llu "
		 "(BusinessRejectReason %llu): %.*s", (int)rl, ref_type, (unsigned long long)ref,
		 (unsigned long long)why, (int)tl, t);
	if (rl == 1 && ref_type[0] == 'H' && f->status_ok) {
		f->status_ok = false;
		xr__fix_say(f, XR_FIX_LOG_WARN, "the venue does not take OrderStatusRequest: "
			"status requests off for this session");
		return;
	}
	if (rl != 1 || ref_type[0] != 'D')
		return;
	uint32_t i = xr__slot_of(f, m, XR__T_BUSINESS_REJECT_REF_ID, &foreign);
	if (i == XR__NIL && ref != 0)
		i = xr__slot_of_seq(f, ref);
	if (i != XR__NIL && f->o[i].state == XR__O_SENT)
		xr__fail(f, i, XR_R_MSG_REJECT);
}

static void
xr__on_app(void *ctx, const struct xr_fix_msg *m, uint64_t seq, bool poss_dup, uint64_t now)
{
	struct xr__fix *f = ctx;
	const char *t = m->msg_type;

	if (t[1] == '\0') {
		switch (t[0]) {
		case '8':
			xr__on_exec_report(f, m, seq, poss_dup, now);
			return;
		case '9': {
			const char *txt = "";
			uint32_t tl = 0;
			uint64_t why = 0;
			f->st.cancel_rejects++;
			xr_fix_get_str(m, XR__T_TEXT, &txt, &tl);
			xr_fix_get_u64(m, XR__T_CXL_REJ_REASON, &why);
			xr__fix_logf(f, XR_FIX_LOG_INFO, "OrderCancelReject (CxlRejReason %llu): %.*s",
				 (unsigned long long)why, (int)tl, txt);
			return;
		}
		case '3':
			xr__on_reject(f, m);
			return;
		case 'j':
			xr__on_bmr(f, m);
			return;
		default:
			break;
		}
	}
	f->st.bad_messages++;
	xr_fix_session_bmr(f->s, seq, t, 3, "Unsupported message type", now);
}

void
xr__fix_on_gap_fill(void *ctx, uint64_t begin, uint64_t end)
{
	struct xr__fix *f = ctx;
	uint32_t n = 0;

	for (uint32_t i = f->old_head, next; i != XR__NIL; i = next) {
		struct xr__order *o = &f->o[i];
		next = o->next;
		if (o->state == XR__O_SENT && o->epoch == f->s->epoch && o->nos_seq >= begin &&
		    o->nos_seq < end) {
			xr__fail(f, i, XR_R_DISCONNECTED);
			n++;
		} else if (o->expiring && o->cxl_epoch == f->s->epoch && o->cxl_seq >= begin &&
			   o->cxl_seq < end) {
			o->expiring = false; /* its cancel never arrived: send another */
		}
	}
	f->st.gap_filled_orders += n;
	if (n > 0)
		xr__fix_logf(f, XR_FIX_LOG_WARN, "%u orders never reached the venue (gap-filled): "
			 "failed, not live", n);
}

static void
xr__on_state(void *ctx, bool up, uint64_t now)
{
	struct xr__fix *f = ctx;

	f->up = up;
	if (up) {
		f->backoff_ns = f->backoff_min_ns;
		f->status_ok = f->fc->status_requests != 0;
	} else {
		f->down_since = now;
	}
}

const struct xr_fix_session_ops xr__fix_session_ops = {
	.on_app = xr__on_app,
	.on_gap_fill = xr__fix_on_gap_fill,
	.on_state = xr__on_state,
	.on_log = xr__on_log,
};

