/*
 * The order-entry gateway's orders (xr_fix_gateway.h, "ORDERS"): a
 * session's NewOrderSingles and OrderCancelRequests into next()'s queue,
 * the engine's outcomes into ExecutionReports and OrderCancelRejects.
 *
 * DESIGN
 *   A session's orders live in a fixed table; two xr_u64maps find a slot
 *   by ClOrdID (its 64-bit xr_names_hash(); the slot's ClOrdID is compared
 *   too) and by order number. An order is PENDING until the engine says
 *   it is live (ER New), LIVE until its final ER, then ENDED and put on
 *   the session's ended list, oldest first: its ClOrdID stays known
 *   (duplicates, "too late" cancels) until a new order needs its slot and
 *   no slot is free. CumQty and the sum of LastQty * LastPx (128 bits,
 *   exact) are kept per order, so AvgPx = sum / CumQty is exact to one
 *   truncation (FIX 4.4 Vol. 4, "ExecutionReport": AvgPx is the average
 *   price of all fills of the order).
 */
#include "fix_gateway_pvt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xr_names.h"
#include "xr_signal.h"

/* Order-entry tags not in xr_fix_entry.h. */
enum {
	XR__GT_ACCOUNT = 1,
	XR__GT_CLORDID = 11,
	XR__GT_ORDER_ID = 37,
	XR__GT_ORD_STATUS = 39,
	XR__GT_ORIG_CLORDID = 41,
	XR__GT_REF_SEQ_NUM = 45,
	XR__GT_TEXT = 58,
	XR__GT_CXL_REJ_REASON = 102,
	XR__GT_BUSINESS_REJECT_REASON = 380,
	XR__GT_CXL_REJ_RESPONSE_TO = 434,
};

/* CxlRejReason (102), FIX 4.4 Vol. 4 "OrderCancelReject". */
enum {
	XR__CXL_TOO_LATE = 0,
	XR__CXL_UNKNOWN = 1,
	XR__CXL_PENDING = 3, /* already in Pending Cancel */
};

/* OrdRejReason (103) values (FIX 4.4; 99 "Other" is 0 "Broker option" in
 * FIX 4.2, which lacks 99). */
enum {
	XR__REJ_UNKNOWN_SYMBOL = 1,
	XR__REJ_EXCEEDS_LIMIT = 3,
	XR__REJ_DUPLICATE = 6,
	XR__REJ_OTHER = 99,
};

/* ------------------------------------------------------------------ table */

int
xr__gw_orders_init(struct xr__gw_sess *gs, uint32_t cap)
{
	gs->cap = cap;
	gs->o = calloc(cap, sizeof(*gs->o));
	if (gs->o == NULL)
		return -ENOMEM;
	if (xr_u64map_init(&gs->ids, cap, sizeof(uint32_t)) != 0 ||
	    xr_u64map_init(&gs->nums, cap, sizeof(uint32_t)) != 0)
		return -ENOMEM;
	for (uint32_t i = 0; i < cap; i++)
		gs->o[i].next = i + 1 < cap ? i + 1 : XR__GW_NIL;
	gs->free_head = 0;
	gs->old_head = gs->old_tail = XR__GW_NIL;
	return 0;
}

void
xr__gw_orders_fini(struct xr__gw_sess *gs)
{
	if (gs->ids.keys != NULL)
		xr_u64map_fini(&gs->ids);
	if (gs->nums.keys != NULL)
		xr_u64map_fini(&gs->nums);
	free(gs->o);
	gs->o = NULL;
}

static uint64_t
xr__key(const char *id, size_t len)
{
	uint64_t k = xr_names_hash(id, len);

	return k != 0 ? k : 1; /* 0 is the maps' "empty" */
}

/* A slot for a new order: a free one, else the oldest ended one (its
 * ClOrdID and number forgotten). @return XR__GW_NIL if every slot is live. */
static uint32_t
xr__alloc(struct xr__gw_sess *gs)
{
	uint32_t i = gs->free_head;

	if (i != XR__GW_NIL) {
		gs->free_head = gs->o[i].next;
		return i;
	}
	i = gs->old_head;
	if (i == XR__GW_NIL)
		return XR__GW_NIL;
	struct xr__gw_order *o = &gs->o[i];
	gs->old_head = o->next;
	if (gs->old_head != XR__GW_NIL)
		gs->o[gs->old_head].prev = XR__GW_NIL;
	else
		gs->old_tail = XR__GW_NIL;
	xr_u64map_remove(&gs->ids, o->key);
	xr_u64map_remove(&gs->nums, o->order_no);
	return i;
}

/* Order @p i ended: on the ended list's tail. */
static void
xr__end(struct xr__gw_sess *gs, uint32_t i)
{
	struct xr__gw_order *o = &gs->o[i];

	if (o->state == XR__GW_ENDED)
		return;
	o->state = XR__GW_ENDED;
	o->prev = gs->old_tail;
	o->next = XR__GW_NIL;
	if (gs->old_tail != XR__GW_NIL)
		gs->o[gs->old_tail].next = i;
	else
		gs->old_head = i;
	gs->old_tail = i;
}

/* ---------------------------------------------------------------- answers */

static void
xr__num(char *buf, size_t cap, uint64_t v)
{
	snprintf(buf, cap, "%llu", (unsigned long long)v);
}

/* OrdRejReason "Other" in the session's version. */
static uint32_t
xr__other(const struct xr__gw_sess *gs)
{
	return gs->s->cfg.version == XR_FIX_44 ? XR__REJ_OTHER : 0u;
}

/* ExecutionReport Rejected for a NOS the gateway refuses itself (no order
 * number: OrderID "NONE", Vol. 4). */
static void
xr__reject_nos(struct xr__gw_sess *gs, const struct xr_fix_nos *nos, uint32_t reason,
	       const char *text, uint64_t now)
{
	struct xr_fix_gateway *gw = gs->gw;
	char exec_id[32];

	snprintf(exec_id, sizeof(exec_id), "R%llu", (unsigned long long)++gw->st.order_rejects);
	struct xr_fix_er er = {
		.kind = XR_FIX_ER_REJECTED,
		.side = nos->side,
		.exec_id = exec_id,
		.clordid = nos->clordid,
		.symbol = nos->symbol,
		.order_qty = nos->qty,
		.ord_rej_reason = reason,
		.text = text,
	};
	xr_fix_entry_send_er(gs->s, &er, now);
	xr__gw_log(gw, gs, XR_FIX_LOG_WARN, "NewOrderSingle ClOrdID %s rejected: %s",
		   nos->clordid, text);
}

/* OrderCancelReject (35=9), FIX 4.4 Vol. 4 "OrderCancelReject": OrderID
 * ("NONE" if CxlRejReason is Unknown order), ClOrdID of the cancel,
 * OrigClOrdID, OrdStatus after the reject is applied (Rejected '8' for an
 * unknown order, as FIX 5.0's message table spells out), CxlRejResponseTo
 * 1 (Order Cancel Request), CxlRejReason, Text.
 * @return 0 or the send's -errno. */
static int
xr__cancel_reject(struct xr__gw_sess *gs, uint64_t order_no, const char *clordid,
		  const char *orig, char status, uint32_t reason, const char *text, uint64_t now)
{
	struct xr_fix_writer w;
	char num[24] = "NONE";
	int rc;

	gs->gw->st.cancel_rejects++;
	xr__gw_log(gs->gw, gs, XR_FIX_LOG_WARN, "OrderCancelRequest ClOrdID %s (OrigClOrdID %s) "
		   "rejected: %s", clordid, orig, text);
	rc = xr_fix_session_begin(gs->s, &w, "9", now);
	if (rc != 0)
		return rc;
	if (order_no != 0)
		xr__num(num, sizeof(num), order_no);
	xr_fix_put_str(&w, XR__GT_ORDER_ID, num, strlen(num));
	xr_fix_put_str(&w, XR__GT_CLORDID, clordid, strlen(clordid));
	xr_fix_put_str(&w, XR__GT_ORIG_CLORDID, orig, strlen(orig));
	xr_fix_put_char(&w, XR__GT_ORD_STATUS, status);
	xr_fix_put_char(&w, XR__GT_CXL_REJ_RESPONSE_TO, '1');
	xr_fix_put_u64(&w, XR__GT_CXL_REJ_REASON, reason);
	xr_fix_put_str(&w, XR__GT_TEXT, text, strlen(text));
	return xr_fix_session_send(gs->s, &w, NULL, now);
}

/* Room in next()'s queue is checked by poll (one output per message). */
static struct xr__gw_out *
xr__push(struct xr_fix_gateway *gw)
{
	struct xr__gw_out *out = &gw->outq[(gw->outq_head + gw->outq_n) % gw->outq_cap];

	gw->outq_n++;
	memset(out, 0, sizeof(*out));
	return out;
}

/* ---------------------------------------------------------------- input */

static void
xr__on_nos(struct xr__gw_sess *gs, const struct xr_fix_msg *m, uint64_t seq, uint64_t now)
{
	struct xr_fix_gateway *gw = gs->gw;
	struct xr_fix_entry_err e;
	struct xr_fix_nos nos;
	char text[128];

	if (xr_fix_entry_decode_nos(m, &nos, &e) != 0) {
		if (e.answer == XR_FIX_ANS_BUSINESS_REJECT)
			gw->st.business_rejects++;
		else if (e.answer == XR_FIX_ANS_ORDER_REJECT)
			gw->st.order_rejects++;
		xr__gw_log(gw, gs, XR_FIX_LOG_WARN, "NewOrderSingle MsgSeqNum %llu refused: %s",
			   (unsigned long long)seq, e.text);
		xr_fix_entry_answer(gs->s, m, seq, &e, now);
		return;
	}
	size_t cl = strlen(nos.clordid);
	uint64_t key = xr__key(nos.clordid, cl);
	uint32_t *at = xr_u64map_find(&gs->ids, key);
	if (at != NULL) {
		/* FIX 4.4 Vol. 6 "ClOrdID (11)": uniqueness must be guaranteed
		 * within a single trading day; Vol. 4 "Order State Changes",
		 * F.1.a: a NOS repeating a ClOrdID is rejected, OrdRejReason 6
		 * Duplicate Order. The ER echoes the rejected NOS (its Symbol,
		 * Side, OrderQty), not the earlier order, so the reject cannot
		 * be mistaken for news of that order. */
		bool same = strcmp(gs->o[*at].clordid, nos.clordid) == 0;
		if (same)
			gw->st.dup_clordids++;
		snprintf(text, sizeof(text), same ? "ClOrdID (11) %s: duplicate of order %llu"
						  : "ClOrdID (11) %s: collides with order %llu's",
			 nos.clordid, (unsigned long long)gs->o[*at].order_no);
		xr__reject_nos(gs, &nos, same ? XR__REJ_DUPLICATE : xr__other(gs), text, now);
		return;
	}
	uint32_t i = xr__alloc(gs);
	if (i == XR__GW_NIL) {
		gw->st.table_full++;
		snprintf(text, sizeof(text), "too many live orders on this session (%u)", gs->cap);
		xr__reject_nos(gs, &nos, xr__other(gs), text, now);
		return;
	}
	struct xr__gw_order *o = &gs->o[i];
	const char *acct;
	uint32_t acct_len;
	int64_t u = gs->default_user, sym;

	if (xr_fix_get_str(m, XR__GT_ACCOUNT, &acct, &acct_len))
		u = gw->names != NULL ? xr_names_user(gw->names, acct, acct_len) : -1;
	sym = gw->names != NULL ? xr_names_symbol(gw->names, nos.symbol, strlen(nos.symbol)) : -1;
	*o = (struct xr__gw_order){
		.order_no = ++gw->next_order,
		.key = key,
		.order_qty = nos.qty,
		.user = u < 0 ? XR_SIGNAL_UNKNOWN_USER : (uint32_t)u,
		.symbol = sym < 0 ? XR_SIGNAL_UNKNOWN_SYMBOL : (uint16_t)sym,
		.state = XR__GW_PENDING,
		.side = nos.side,
		.prev = XR__GW_NIL,
		.next = XR__GW_NIL,
	};
	memcpy(o->clordid, nos.clordid, cl + 1);
	snprintf(o->symbol_name, sizeof(o->symbol_name), "%s", nos.symbol);
	bool fresh;
	uint32_t *v = xr_u64map_upsert(&gs->ids, key, &fresh);
	if (v != NULL)
		*v = i;
	v = xr_u64map_upsert(&gs->nums, o->order_no, &fresh);
	if (v != NULL)
		*v = i;

	struct xr__gw_out *out = xr__push(gw);
	out->session = gs->idx;
	out->m = (struct xr_msg){
		.kind = XR_MSG_SIGNAL,
		.signal_id = o->order_no,
		.ts_ns = (int64_t)now,
		.user = o->user,
		.symbol = o->symbol,
		.side = (uint8_t)(nos.side - '0'),
		.ord_type = (uint8_t)(nos.ord_type - '0'),
		.limit_px = nos.px,
		.qty = nos.qty,
		.order_qty = nos.qty,
		.tif = (uint8_t)(nos.tif - '0'),
		.signal_type = XR_SIG_ENTRY,
		.strategy = XR_STRAT_DEFAULT,
		.venue = XR_VENUE_NONE,
		.reason = XR_R_NONE,
	};
	gw->st.orders++;
}

static void
xr__on_cancel(struct xr__gw_sess *gs, const struct xr_fix_msg *m, uint64_t seq, uint64_t now)
{
	struct xr_fix_gateway *gw = gs->gw;
	struct xr_fix_entry_err e;
	struct xr_fix_cancel c;

	if (xr_fix_entry_decode_cancel(m, &c, &e) != 0) {
		xr__gw_log(gw, gs, XR_FIX_LOG_WARN, "OrderCancelRequest MsgSeqNum %llu refused: %s",
			   (unsigned long long)seq, e.text);
		xr_fix_entry_answer(gs->s, m, seq, &e, now);
		return;
	}
	uint32_t *at = xr_u64map_find(&gs->ids, xr__key(c.orig_clordid, strlen(c.orig_clordid)));
	if (at == NULL || strcmp(gs->o[*at].clordid, c.orig_clordid) != 0) {
		xr__cancel_reject(gs, 0, c.clordid, c.orig_clordid, '8', XR__CXL_UNKNOWN,
				  "unknown OrigClOrdID", now);
		return;
	}
	struct xr__gw_order *o = &gs->o[*at];
	char status = o->status != 0 ? o->status : 'A'; /* A: Pending New */
	if (o->state == XR__GW_ENDED) {
		xr__cancel_reject(gs, o->order_no, c.clordid, c.orig_clordid, status,
				  XR__CXL_TOO_LATE, "order already ended", now);
		return;
	}
	if (o->cxl_pending) {
		xr__cancel_reject(gs, o->order_no, c.clordid, c.orig_clordid, status,
				  XR__CXL_PENDING, "a cancel of this order is pending", now);
		return;
	}
	o->cxl_pending = true;
	snprintf(o->cxl_clordid, sizeof(o->cxl_clordid), "%s", c.clordid);
	struct xr__gw_out *out = xr__push(gw);
	out->session = gs->idx;
	out->m = (struct xr_msg){
		.kind = XR_MSG_CONTROL,
		.reason = XR_CTL_CANCEL_SIGNAL,
		.signal_id = o->order_no,
		.ts_ns = (int64_t)now,
		.user = o->user,
		.symbol = o->symbol,
		.venue = XR_VENUE_NONE,
	};
	gw->st.cancels++;
}

static void
xr__on_app(void *ctx, const struct xr_fix_msg *m, uint64_t seq, bool poss_dup, uint64_t now)
{
	struct xr__gw_sess *gs = ctx;
	const char *t = m->msg_type;
	const char *text = "";
	uint32_t len = 0;

	(void)poss_dup; /* in sequence: new to us; a repeated ClOrdID is caught */
	if (strcmp(t, "D") == 0) {
		xr__on_nos(gs, m, seq, now);
	} else if (strcmp(t, "F") == 0) {
		xr__on_cancel(gs, m, seq, now);
	} else if (strcmp(t, "3") == 0 || strcmp(t, "j") == 0) {
		uint64_t ref = 0;
		xr_fix_get_str(m, XR__GT_TEXT, &text, &len);
		xr_fix_get_u64(m, XR__GT_REF_SEQ_NUM, &ref);
		xr__gw_log(gs->gw, gs, XR_FIX_LOG_WARN, "the client rejected our MsgSeqNum %llu "
			   "(MsgType %s): %.*s", (unsigned long long)ref, t,
			   (int)(len < 120 ? len : 120), text);
	} else {
		/* FIX 4.4 Vol. 1 "BusinessMessageReject": an application
		 * message the receiver does not support, 380=3 Unsupported
		 * Message Type. */
		char why[64];
		snprintf(why, sizeof(why), "MsgType %s is not supported", t);
		gs->gw->st.business_rejects++;
		xr_fix_session_bmr(gs->s, seq, t, 3, why, now);
	}
}

static void
xr__on_gap_fill(void *ctx, uint64_t begin, uint64_t end)
{
	struct xr__gw_sess *gs = ctx;

	xr__gw_log(gs->gw, gs, XR_FIX_LOG_WARN, "our MsgSeqNums %llu..%llu gap-filled: the "
		   "reports among them are not sent again", (unsigned long long)begin,
		   (unsigned long long)(end - 1));
}

/* The session logs its Logon itself, the gateway the disconnect. */
static void
xr__on_state(void *ctx, bool up, uint64_t now)
{
	(void)ctx, (void)up, (void)now;
}

static void
xr__on_log(void *ctx, enum xr_fix_log_level lvl, const char *text)
{
	struct xr__gw_sess *gs = ctx;

	xr__gw_log(gs->gw, gs, lvl, "%s", text);
}

const struct xr_fix_session_ops xr__gw_session_ops = {
	.on_app = xr__on_app,
	.on_gap_fill = xr__on_gap_fill,
	.on_state = xr__on_state,
	.on_log = xr__on_log,
};

/* ---------------------------------------------------------------- events */

/* AvgPx of @p o: sum(LastQty * LastPx) / CumQty, px scale, truncated. */
static int64_t
xr__avg(const struct xr__gw_order *o)
{
	if (o->cum_qty <= 0 || o->cum_qpx <= 0)
		return 0;
	xr_u128 q = (xr_u128)o->cum_qpx / (uint64_t)o->cum_qty;
	return q > (xr_u128)INT64_MAX ? INT64_MAX : (int64_t)q;
}

/* OrdRejReason for an engine @p reason (the gateway's map; header). */
static uint32_t
xr__rej_reason(const struct xr__gw_sess *gs, enum xr_reason reason)
{
	switch (reason) {
	case XR_R_UNKNOWN_SYMBOL: return XR__REJ_UNKNOWN_SYMBOL;
	case XR_R_MAX_QTY:
	case XR_R_MAX_NOTIONAL:
	case XR_R_MAX_POSITION: return XR__REJ_EXCEEDS_LIMIT;
	case XR_R_DUPLICATE_ID: return XR__REJ_DUPLICATE;
	default: return xr__other(gs);
	}
}

/* Send an ER of @p kind about @p o with its current totals. */
static int
xr__er(struct xr__gw_sess *gs, struct xr__gw_order *o, enum xr_fix_er_kind kind,
       int64_t last_qty, int64_t last_px, uint32_t rej, const char *text, uint64_t now)
{
	static const char status[] = { '0', '1', '2', '4', '8' };
	char num[24], exec_id[48];
	bool cxl = kind == XR_FIX_ER_CANCELED && o->cxl_pending;
	int64_t leaves = kind == XR_FIX_ER_NEW || kind == XR_FIX_ER_PARTIAL
				 ? o->order_qty - o->cum_qty
				 : 0;

	xr__num(num, sizeof(num), o->order_no);
	snprintf(exec_id, sizeof(exec_id), "%llu-%u", (unsigned long long)o->order_no,
		 ++o->execs);
	/* Vol. 4: the Canceled ER answering a cancel request carries the
	 * cancel's ClOrdID and the order's as OrigClOrdID. */
	struct xr_fix_er er = {
		.kind = (uint8_t)kind,
		.side = o->side,
		.order_id = num,
		.exec_id = exec_id,
		.clordid = cxl ? o->cxl_clordid : o->clordid,
		.orig_clordid = cxl ? o->clordid : NULL,
		.symbol = o->symbol_name,
		.order_qty = o->order_qty,
		.last_qty = last_qty,
		.last_px = last_px,
		.cum_qty = o->cum_qty,
		.leaves_qty = leaves < 0 ? 0 : leaves,
		.avg_px = xr__avg(o),
		.ord_rej_reason = rej,
		.text = text,
	};
	o->status = status[kind];
	return xr_fix_entry_send_er(gs->s, &er, now);
}

/* The first error of a sequence of sends. */
#define XR__KEEP(rc, expr)                                                   \
	do {                                                                 \
		int r_ = (expr);                                             \
		if ((rc) == 0)                                               \
			(rc) = r_;                                           \
	} while (0)

/* A pending cancel of @p o can no longer be done (the order ended
 * otherwise): OrderCancelReject "too late". */
static int
xr__cancel_too_late(struct xr__gw_sess *gs, struct xr__gw_order *o, uint64_t now)
{
	if (!o->cxl_pending)
		return 0;
	o->cxl_pending = false;
	return xr__cancel_reject(gs, o->order_no, o->cxl_clordid, o->clordid,
				 o->status != 0 ? o->status : 'A', XR__CXL_TOO_LATE,
				 "order already ended", now);
}

/* The engine's result for @p o (final, reason, qty filled, px average). */
static int
xr__result(struct xr__gw_sess *gs, uint32_t i, const struct xr_client_event *ev, uint64_t now)
{
	struct xr_fix_gateway *gw = gs->gw;
	struct xr__gw_order *o = &gs->o[i];
	const char *why = xr_reason_name((enum xr_reason)ev->reason);
	int rc = 0;

	if (o->result)
		return -EALREADY;
	o->result = true;
	if (ev->qty != o->cum_qty || (o->cum_qty > 0 && ev->px != xr__avg(o))) {
		/* Fills were lost or differ: log once, trust the result. */
		gw->st.result_mismatches++;
		xr__gw_log(gw, gs, XR_FIX_LOG_WARN, "order %llu (ClOrdID %s): result %s qty %lld "
			   "avg px %lld, the fills seen sum to qty %lld avg px %lld; the result "
			   "is trusted", (unsigned long long)o->order_no, o->clordid,
			   xr_final_name((enum xr_final)ev->final), (long long)ev->qty,
			   (long long)ev->px, (long long)o->cum_qty, (long long)xr__avg(o));
	}
	if (o->state == XR__GW_ENDED)
		return 0; /* Filled was the final ER */
	if (ev->final == XR_FINAL_OPEN) {
		/* Left live at the venue: no ER (the order is not over), but
		 * xroute no longer manages it, so a cancel is refused. */
		xr__gw_log(gw, gs, XR_FIX_LOG_WARN, "order %llu (ClOrdID %s) left open at the "
			   "venue: no final ExecutionReport", (unsigned long long)o->order_no,
			   o->clordid);
		XR__KEEP(rc, xr__cancel_too_late(gs, o, now));
		xr__end(gs, i);
		return rc;
	}
	if (ev->final == XR_FINAL_REJECTED && o->state == XR__GW_PENDING && ev->qty == 0) {
		/* Vol. 4: an order refused before it was acknowledged ends
		 * with ER Rejected (39=8). */
		XR__KEEP(rc, xr__er(gs, o, XR_FIX_ER_REJECTED, 0, 0,
				    xr__rej_reason(gs, (enum xr_reason)ev->reason), why, now));
		XR__KEEP(rc, xr__cancel_too_late(gs, o, now));
		xr__end(gs, i);
		return rc;
	}
	int64_t nqty = ev->qty > 0 ? ev->qty : 0;
	xr_i128 nqpx = (xr_i128)nqty * (ev->px > 0 ? ev->px : 0);
	if (o->state == XR__GW_PENDING && (ev->final == XR_FINAL_FILLED || nqty > 0)) {
		XR__KEEP(rc, xr__er(gs, o, XR_FIX_ER_NEW, 0, 0, 0, NULL, now));
		o->state = XR__GW_LIVE;
	}
	if (ev->final == XR_FINAL_FILLED) {
		/* Fills we did not see: one Trade for the rest, at the price
		 * that makes AvgPx the result's. */
		int64_t last = nqty - o->cum_qty;
		xr_i128 dq = nqpx - o->cum_qpx;
		int64_t last_px = last > 0 && dq > 0 ? (int64_t)(dq / last) : 0;
		o->cum_qty = nqty;
		o->cum_qpx = nqpx;
		if (o->cum_qty < o->order_qty)
			o->order_qty = o->cum_qty; /* filled is what the engine says */
		XR__KEEP(rc, xr__er(gs, o, XR_FIX_ER_FILLED, last > 0 ? last : 0, last_px, 0,
				    NULL, now));
		XR__KEEP(rc, xr__cancel_too_late(gs, o, now));
		xr__end(gs, i);
		return rc;
	}
	/* Canceled with what filled (partially filled, canceled, failed,
	 * unknown, rejected after New): Vol. 4, an order ending without
	 * being filled is Canceled, LeavesQty 0. */
	o->cum_qty = nqty;
	o->cum_qpx = nqpx;
	XR__KEEP(rc, xr__er(gs, o, XR_FIX_ER_CANCELED, 0, 0, 0, why, now));
	o->cxl_pending = false;
	xr__end(gs, i);
	return rc;
}

int
xr_fix_gateway_event(struct xr_fix_gateway *gw, uint32_t session,
		     const struct xr_client_event *ev)
{
	if (session >= gw->n)
		return -ENOENT;
	struct xr__gw_sess *gs = &gw->sess[session];
	uint32_t *at = xr_u64map_find(&gs->nums, ev->signal_id);
	if (at == NULL)
		return -ENOENT;
	uint32_t i = *at;
	struct xr__gw_order *o = &gs->o[i];
	uint64_t now = gw->now_ns;
	int rc = 0;

	gw->st.events++;
	switch (ev->kind) {
	case XR_CEV_NEW:
		if (o->state != XR__GW_PENDING)
			return o->state == XR__GW_ENDED ? (gw->st.events_ignored++, -EALREADY) : 0;
		o->state = XR__GW_LIVE;
		rc = xr__er(gs, o, XR_FIX_ER_NEW, 0, 0, 0, NULL, now);
		break;
	case XR_CEV_FILL:
		if (o->state == XR__GW_ENDED) {
			gw->st.events_ignored++;
			xr__gw_log(gw, gs, XR_FIX_LOG_WARN, "order %llu (ClOrdID %s): a fill after "
				   "its final report: ignored", (unsigned long long)o->order_no,
				   o->clordid);
			return -EALREADY;
		}
		if (ev->qty <= 0 || ev->px < 0)
			return -EINVAL;
		if (o->state == XR__GW_PENDING) {
			/* Vol. 4: New comes before the first Trade. */
			o->state = XR__GW_LIVE;
			XR__KEEP(rc, xr__er(gs, o, XR_FIX_ER_NEW, 0, 0, 0, NULL, now));
		}
		o->cum_qty += ev->qty;
		o->cum_qpx += (xr_i128)ev->qty * ev->px;
		if (o->cum_qty >= o->order_qty) {
			XR__KEEP(rc, xr__er(gs, o, XR_FIX_ER_FILLED, ev->qty, ev->px, 0, NULL, now));
			XR__KEEP(rc, xr__cancel_too_late(gs, o, now));
			xr__end(gs, i);
		} else {
			XR__KEEP(rc, xr__er(gs, o, XR_FIX_ER_PARTIAL, ev->qty, ev->px, 0, NULL, now));
		}
		break;
	case XR_CEV_RESULT:
		rc = xr__result(gs, i, ev, now);
		if (rc == -EALREADY) {
			gw->st.events_ignored++;
			return rc;
		}
		break;
	case XR_CEV_CANCEL_REJECT:
		rc = xr__cancel_too_late(gs, o, now);
		break;
	default:
		return -EINVAL;
	}
	if (rc != 0) {
		gw->st.events_dropped++;
		xr__gw_log(gw, gs, XR_FIX_LOG_ERROR, "order %llu (ClOrdID %s): report not sent "
			   "(%s): lost", (unsigned long long)o->order_no, o->clordid,
			   rc == -ENOTCONN ? "session not logged on" : "send buffer full");
	}
	return rc;
}
