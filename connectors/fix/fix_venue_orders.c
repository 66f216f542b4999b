/*
 * The simulated venue's messages (xr_fix_venue.h states each answer and
 * its source in the FIX specification): NewOrderSingle, OrderCancel-
 * Request, OrderStatusRequest and OrderMassStatusRequest in, sim events
 * out as ExecutionReports, OrderCancelRejects, and the log's lines.
 *
 * DESIGN
 *   Orders live in a ring of cap slots, a new order taking the next slot
 *   whose order has ended (the oldest first); two maps find a slot: the
 *   64-bit FNV-1a hash of a ClOrdID (the slot's string is compared, and a
 *   different ClOrdID with the same hash is refused as a duplicate, with
 *   its own Text), and the OrderID, which is also the sim's ClOrdID and
 *   comes back on each sim event with the slot as its token.
 *   Fixed point only: LastPx and AvgPx are the notional times 10^8 over
 *   the quantity in 128 bits, truncated.
 */
#include "fix_venue_pvt.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "xr_types.h"

#define XR__NIL UINT32_MAX

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
	XR__T_TRANSACT_TIME = 60,
	XR__T_CXL_REJ_REASON = 102,
	XR__T_ORD_REJ_REASON = 103,
	XR__T_EXEC_TYPE = 150,
	XR__T_LEAVES_QTY = 151,
	XR__T_CXL_REJ_RESPONSE_TO = 434,
	XR__T_MASS_STATUS_REQ_ID = 584,
	XR__T_MASS_STATUS_REQ_TYPE = 585,
	XR__T_TOT_NUM_REPORTS = 911,
	XR__T_LAST_RPT_REQUESTED = 912,
};

/* ------------------------------------------------------------------ table */

/* FNV-1a, 64 bits, of @p s; never 0 (0 is the maps' empty key). */
static uint64_t
xr__hash(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
	return h != 0 ? h : 1;
}

static uint32_t
xr__find_hash(const struct xr_fix_venue *v, uint64_t h)
{
	const uint32_t *slot = xr_u64map_find(&v->by_clordid, h);

	return slot != NULL ? *slot : XR__NIL;
}

/* The slot of ClOrdID @p id, or XR__NIL. */
static uint32_t
xr__find(const struct xr_fix_venue *v, const char *id)
{
	uint32_t i = xr__find_hash(v, xr__hash(id));

	return i != XR__NIL && strcmp(v->o[i].clordid, id) == 0 ? i : XR__NIL;
}

/* The next slot whose order has ended (forgetting that order), or XR__NIL
 * when every slot holds an open order. */
static uint32_t
xr__alloc(struct xr_fix_venue *v)
{
	for (uint32_t k = 0; k < v->cap; k++) {
		uint32_t i = (v->next_slot + k) % v->cap;
		struct xr__vorder *o = &v->o[i];
		if (o->order_no != 0 && o->open)
			continue;
		if (o->order_no != 0) {
			xr_u64map_remove(&v->by_clordid, o->hash);
			xr_u64map_remove(&v->by_no, o->order_no);
		}
		memset(o, 0, sizeof(*o));
		v->next_slot = (i + 1) % v->cap;
		return i;
	}
	return XR__NIL;
}

/* ------------------------------------------------------------------ reports */

/* One ExecutionReport to write (xr__send_er). */
struct xr__er {
	const struct xr__vorder *o;
	char exec_type;		/* ExecType (150) */
	char ord_status;	/* OrdStatus (39) */
	const char *clordid;	/* NULL: o->clordid */
	const char *orig;	/* OrigClOrdID (41), or NULL */
	int64_t last_qty;	/* > 0: a fill, with last_px */
	int64_t last_px;
	int rej_reason;		/* OrdRejReason (103), -1 none */
	const char *text;	/* Text (58), or NULL */
	bool status;		/* a status answer (FIX 4.2: ExecTransType 3) */
	bool no_order;		/* OrderID "NONE" */
	const char *mass_id;	/* MassStatusReqID (584), or NULL */
	uint32_t tot;		/* TotNumReports (911) */
	bool last;		/* LastRptRequested (912=Y) */
};

/* notional * 10^8 / qty, truncated (0 if qty is 0). */
static int64_t
xr__px_of(int64_t notional, int64_t qty)
{
	if (qty <= 0)
		return 0;
	xr_i128 p = (xr_i128)notional * XR_PX_SCALE / qty;
	return p > INT64_MAX ? INT64_MAX : (int64_t)p;
}

/* Send (or store) one ExecutionReport. */
static void
xr__send_er(struct xr_fix_venue *v, const struct xr__er *r, uint64_t now)
{
	struct xr_fix_writer w;
	const struct xr__vorder *o = r->o;
	bool v42 = v->s->cfg.version == XR_FIX_42;
	char id[24];
	int rc = xr_fix_session_begin(v->s, &w, "8", now);

	if (rc != 0) {
		v->st.reports_lost++;
		return;
	}
	if (r->no_order || o->order_no == 0) {
		xr_fix_put_str(&w, XR__T_ORDER_ID, "NONE", 4);
	} else {
		int n = snprintf(id, sizeof(id), "%llu", (unsigned long long)o->order_no);
		xr_fix_put_str(&w, XR__T_ORDER_ID, id, (size_t)n);
	}
	int n = snprintf(id, sizeof(id), "%llu", (unsigned long long)v->ids->next_exec++);
	xr_fix_put_str(&w, XR__T_EXEC_ID, id, (size_t)n);
	const char *cl = r->clordid != NULL ? r->clordid : o->clordid;
	xr_fix_put_str(&w, XR__T_CLORDID, cl, strlen(cl));
	if (r->orig != NULL)
		xr_fix_put_str(&w, XR__T_ORIG_CLORDID, r->orig, strlen(r->orig));
	if (v42)
		xr_fix_put_char(&w, XR__T_EXEC_TRANS_TYPE, r->status ? '3' : '0');
	xr_fix_put_char(&w, XR__T_EXEC_TYPE, r->exec_type);
	xr_fix_put_char(&w, XR__T_ORD_STATUS, r->ord_status);
	if (r->rej_reason >= 0)
		xr_fix_put_u64(&w, XR__T_ORD_REJ_REASON, (uint64_t)r->rej_reason);
	if (o->known_symbol) {
		const char *sym = v->cfg->symbols[o->symbol];
		xr_fix_put_str(&w, XR__T_SYMBOL, sym, strlen(sym));
	}
	if (o->side != 0)
		xr_fix_put_char(&w, XR__T_SIDE, o->side);
	if (o->qty > 0)
		xr_fix_put_fixed(&w, XR__T_ORDER_QTY, o->qty, 8);
	if (o->ord_type != 0)
		xr_fix_put_char(&w, XR__T_ORD_TYPE, o->ord_type);
	if (o->px > 0)
		xr_fix_put_fixed(&w, XR__T_PRICE, o->px, 8);
	if (r->last_qty > 0) {
		xr_fix_put_fixed(&w, XR__T_LAST_QTY, r->last_qty, 8);
		xr_fix_put_fixed(&w, XR__T_LAST_PX, r->last_px, 8);
	}
	xr_fix_put_fixed(&w, XR__T_CUM_QTY, o->cum_qty, 8);
	xr_fix_put_fixed(&w, XR__T_LEAVES_QTY,
			 o->open && o->qty > o->cum_qty ? o->qty - o->cum_qty : 0, 8);
	xr_fix_put_fixed(&w, XR__T_AVG_PX, xr__px_of(o->cum_notional, o->cum_qty), 8);
	xr_fix_put_time(&w, XR__T_TRANSACT_TIME, now + (uint64_t)v->wall_offset_ns);
	if (r->text != NULL)
		xr_fix_put_str(&w, XR__T_TEXT, r->text, strlen(r->text));
	if (r->mass_id != NULL) {
		xr_fix_put_str(&w, XR__T_MASS_STATUS_REQ_ID, r->mass_id, strlen(r->mass_id));
		xr_fix_put_u64(&w, XR__T_TOT_NUM_REPORTS, r->tot);
		if (r->last)
			xr_fix_put_char(&w, XR__T_LAST_RPT_REQUESTED, 'Y');
	}
	if (xr_fix_session_send(v->s, &w, NULL, now) != 0) {
		v->st.reports_lost++;
		return;
	}
	v->st.reports++;
}

/* OrdRejReason "other" in this session's version (99; FIX 4.2 has no 99:
 * 0 "Broker option"). */
static int
xr__other(const struct xr_fix_venue *v)
{
	return v->s->cfg.version == XR_FIX_44 ? 99 : 0;
}

/* Refuse order @p o (not kept) with OrdRejReason @p why and @p text. */
static void
xr__reject(struct xr_fix_venue *v, struct xr__vorder *o, int why, const char *text, uint64_t now)
{
	struct xr__er r = { .o = o, .exec_type = '8', .ord_status = '8', .rej_reason = why,
			    .text = text };

	o->ord_status = '8';
	o->open = false;
	v->st.rejects++;
	xr__send_er(v, &r, now);
	xr__venue_log(v, now, "reject", o, NULL, NULL, -1, -1, text);
}

/* ------------------------------------------------------------------ messages */

/* A copy of field @p tag of @p m into @p buf (@p cap bytes); "" if absent
 * or too long. */
static const char *
xr__field(const struct xr_fix_msg *m, uint32_t tag, char *buf, size_t cap)
{
	const char *s;
	uint32_t len;

	buf[0] = '\0';
	if (xr_fix_get_str(m, tag, &s, &len) && len < cap) {
		memcpy(buf, s, len);
		buf[len] = '\0';
	}
	return buf;
}

static void
xr__on_nos(struct xr_fix_venue *v, const struct xr_fix_msg *m, uint64_t seq, uint64_t now)
{
	struct xr_fix_nos nos;
	struct xr_fix_entry_err e;
	struct xr__vorder tmp = { 0 };

	if (xr_fix_entry_decode_nos(m, &nos, &e) != 0) {
		char id[XR_FIX_ID_MAX + 1];
		xr_fix_entry_answer(v->s, m, seq, &e, now);
		v->st.rejects++;
		xr__venue_log(v, now, "reject", NULL, xr__field(m, XR__T_CLORDID, id, sizeof(id)),
			      NULL, -1, -1, e.text);
		return;
	}
	snprintf(tmp.clordid, sizeof(tmp.clordid), "%s", nos.clordid);
	tmp.side = nos.side;
	tmp.ord_type = nos.ord_type;
	tmp.tif = nos.tif;
	tmp.qty = nos.qty;
	tmp.px = nos.px;
	for (uint32_t i = 0; i < v->cfg->n_symbols; i++)
		if (v->listed[i] && strcmp(v->cfg->symbols[i], nos.symbol) == 0) {
			tmp.symbol = (uint16_t)i;
			tmp.known_symbol = true;
		}
	xr__venue_log(v, now, "new", &tmp, NULL, NULL, -1, -1,
		      tmp.known_symbol ? NULL : nos.symbol);
	uint64_t h = xr__hash(nos.clordid);
	uint32_t dup = xr__find_hash(v, h);
	if (dup != XR__NIL) {
		xr__reject(v, &tmp, 6,
			   strcmp(v->o[dup].clordid, nos.clordid) == 0
				   ? "duplicate ClOrdID"
				   : "duplicate ClOrdID (64-bit hash of an earlier one)",
			   now);
		return;
	}
	if (!tmp.known_symbol) {
		xr__reject(v, &tmp, 1, "unknown symbol", now);
		return;
	}
	uint32_t slot = xr__alloc(v);
	if (slot == XR__NIL) {
		xr__reject(v, &tmp, 3, "venue order table full", now);
		return;
	}
	struct xr_conn_order co = {
		.cl_ord_id = v->ids->next_order++,
		.token = slot,
		.symbol = tmp.symbol,
		.side = nos.side == '1' ? XR_SIDE_BUY : XR_SIDE_SELL,
		.ord_type = nos.ord_type == '1' ? XR_ORD_MARKET : XR_ORD_LIMIT,
		.tif = nos.tif == '1'	? XR_TIF_GTC
		       : nos.tif == '3' ? XR_TIF_IOC
		       : nos.tif == '4' ? XR_TIF_FOK
					: XR_TIF_DAY,
		.qty = nos.qty,
		.limit_px = nos.px,
	};
	int rc = v->sim.ops->submit(v->sim.ctx, &co, now);
	if (rc != 0) {
		xr__reject(v, &tmp, rc == -EBUSY ? 3 : xr__other(v),
			   rc == -EBUSY	     ? "venue order table full"
			   : rc == -ENOTCONN ? "venue disconnected (fault)"
					     : "refused by the venue",
			   now);
		return;
	}
	struct xr__vorder *o = &v->o[slot];
	*o = tmp;
	o->order_no = co.cl_ord_id;
	o->hash = h;
	o->ord_status = 'A';
	o->open = true;
	bool fresh;
	uint32_t *p = xr_u64map_upsert(&v->by_clordid, h, &fresh);
	if (p != NULL)
		*p = slot;
	p = xr_u64map_upsert(&v->by_no, o->order_no, &fresh);
	if (p != NULL)
		*p = slot;
	v->st.orders++;
}

/* OrderCancelReject (35=9) of cancel @p c with CxlRejReason @p why. */
static void
xr__cancel_reject(struct xr_fix_venue *v, const struct xr_fix_cancel *c,
		  const struct xr__vorder *o, unsigned why, const char *text, uint64_t now)
{
	struct xr_fix_writer w;
	char id[24];

	v->st.cancel_rejects++;
	xr__venue_log(v, now, "cancel_reject", o, c->clordid, c->orig_clordid, -1, -1, text);
	if (xr_fix_session_begin(v->s, &w, "9", now) != 0) {
		v->st.reports_lost++;
		return;
	}
	if (o != NULL) {
		int n = snprintf(id, sizeof(id), "%llu", (unsigned long long)o->order_no);
		xr_fix_put_str(&w, XR__T_ORDER_ID, id, (size_t)n);
	} else {
		xr_fix_put_str(&w, XR__T_ORDER_ID, "NONE", 4);
	}
	xr_fix_put_str(&w, XR__T_CLORDID, c->clordid, strlen(c->clordid));
	xr_fix_put_str(&w, XR__T_ORIG_CLORDID, c->orig_clordid, strlen(c->orig_clordid));
	xr_fix_put_char(&w, XR__T_ORD_STATUS, o != NULL ? o->ord_status : '8');
	xr_fix_put_char(&w, XR__T_CXL_REJ_RESPONSE_TO, '1');
	xr_fix_put_u64(&w, XR__T_CXL_REJ_REASON, why);
	xr_fix_put_str(&w, XR__T_TEXT, text, strlen(text));
	if (xr_fix_session_send(v->s, &w, NULL, now) != 0)
		v->st.reports_lost++;
}

static void
xr__on_cancel(struct xr_fix_venue *v, const struct xr_fix_msg *m, uint64_t seq, uint64_t now)
{
	struct xr_fix_cancel c;
	struct xr_fix_entry_err e;

	if (xr_fix_entry_decode_cancel(m, &c, &e) != 0) {
		xr_fix_entry_answer(v->s, m, seq, &e, now);
		return;
	}
	uint32_t i = xr__find(v, c.orig_clordid);
	if (i == XR__NIL) {
		xr__cancel_reject(v, &c, NULL, 1, "unknown order", now);
		return;
	}
	struct xr__vorder *o = &v->o[i];
	if (!o->open) {
		xr__cancel_reject(v, &c, o, 0, "too late to cancel: the order has ended", now);
		return;
	}
	if (o->cxl_pending) {
		xr__cancel_reject(v, &c, o, 3, "a cancel of this order is pending", now);
		return;
	}
	if (v->sim.ops->cancel(v->sim.ctx, o->order_no, now) != 0) {
		xr__cancel_reject(v, &c, o, 0, "too late to cancel", now);
		return;
	}
	o->cxl_pending = true;
	snprintf(o->cxl_clordid, sizeof(o->cxl_clordid), "%s", c.clordid);
	v->st.cancels++;
	xr__venue_log(v, now, "cancel_request", o, c.clordid, c.orig_clordid, -1, -1, NULL);
}

/* A status answer for order @p o (FIX 4.4 ExecType I; FIX 4.2 ExecTransType
 * 3 with ExecType its state). */
static void
xr__status_er(struct xr_fix_venue *v, const struct xr__vorder *o, const char *mass_id,
	      uint32_t tot, bool last, uint64_t now)
{
	struct xr__er r = {
		.o = o,
		.exec_type = v->s->cfg.version == XR_FIX_44 ? 'I' : o->ord_status,
		.ord_status = o->ord_status,
		.rej_reason = -1,
		.status = true,
		.mass_id = mass_id,
		.tot = tot,
		.last = last,
	};

	xr__send_er(v, &r, now);
	xr__venue_log(v, now, mass_id != NULL ? "mass_status" : "status", o, NULL, NULL, -1, -1,
		      mass_id);
}

static void
xr__on_status(struct xr_fix_venue *v, const struct xr_fix_msg *m, uint64_t seq, uint64_t now)
{
	char id[XR_FIX_ID_MAX + 1], sym[XR_FIX_SYMBOL_MAX + 1];
	struct xr__vorder tmp = { 0 };

	if (xr_fix_find(m, XR__T_CLORDID) < 0) {
		xr_fix_session_reject(v->s, seq, "H", XR__T_CLORDID, 1, "ClOrdID (11): missing",
				      now);
		return;
	}
	xr__field(m, XR__T_CLORDID, id, sizeof(id));
	v->st.status_answers++;
	uint32_t i = xr__find(v, id);
	if (i != XR__NIL) {
		xr__status_er(v, &v->o[i], NULL, 0, false, now);
		return;
	}
	/* Unknown: OrdStatus 8, OrdRejReason 5 (FIX 4.4 Vol. 4 "Order Status
	 * Request": the order is unknown to the venue). */
	snprintf(tmp.clordid, sizeof(tmp.clordid), "%s", id);
	xr_fix_get_char(m, XR__T_SIDE, &tmp.side);
	xr__field(m, XR__T_SYMBOL, sym, sizeof(sym));
	for (uint32_t k = 0; k < v->cfg->n_symbols; k++)
		if (v->listed[k] && strcmp(v->cfg->symbols[k], sym) == 0) {
			tmp.symbol = (uint16_t)k;
			tmp.known_symbol = true;
		}
	tmp.ord_status = '8';
	struct xr__er r = {
		.o = &tmp,
		.exec_type = v->s->cfg.version == XR_FIX_44 ? 'I' : '8',
		.ord_status = '8',
		.rej_reason = 5,
		.text = "unknown order",
		.status = true,
		.no_order = true,
	};
	xr__send_er(v, &r, now);
	xr__venue_log(v, now, "status", &tmp, NULL, NULL, -1, -1, "unknown order");
}

static void
xr__on_mass_status(struct xr_fix_venue *v, const struct xr_fix_msg *m, uint64_t seq,
		   uint64_t now)
{
	char id[XR_FIX_ID_MAX + 1];
	uint64_t type = 0;
	uint32_t n = 0, k = 0;

	if (v->s->cfg.version != XR_FIX_44) {
		xr_fix_session_bmr(v->s, seq, "AF", 3,
				   "OrderMassStatusRequest is FIX 4.3 and later", now);
		return;
	}
	if (xr_fix_find(m, XR__T_MASS_STATUS_REQ_ID) < 0 ||
	    !xr_fix_get_u64(m, XR__T_MASS_STATUS_REQ_TYPE, &type)) {
		uint32_t tag = xr_fix_find(m, XR__T_MASS_STATUS_REQ_ID) < 0
				       ? XR__T_MASS_STATUS_REQ_ID
				       : XR__T_MASS_STATUS_REQ_TYPE;
		xr_fix_session_reject(v->s, seq, "AF", tag, 1,
				      tag == XR__T_MASS_STATUS_REQ_ID
					      ? "MassStatusReqID (584): missing"
					      : "MassStatusReqType (585): missing or not a number",
				      now);
		return;
	}
	xr__field(m, XR__T_MASS_STATUS_REQ_ID, id, sizeof(id));
	if (type != 7) {
		xr_fix_session_bmr(v->s, seq, "AF", 0,
				   "MassStatusReqType (585): only 7 (all orders) is supported", now);
		return;
	}
	v->st.mass_status_answers++;
	for (uint32_t i = 0; i < v->cap; i++)
		n += v->o[i].order_no != 0 && v->o[i].open;
	if (n == 0) {
		/* FIX 4.4 leaves this open (xr_fix_venue.h): one report, 911=0. */
		struct xr__vorder none = { .ord_status = '8' };
		snprintf(none.clordid, sizeof(none.clordid), "NONE");
		struct xr__er r = { .o = &none, .exec_type = 'I', .ord_status = '8',
				    .rej_reason = -1, .text = "no open orders", .status = true,
				    .no_order = true, .mass_id = id, .tot = 0, .last = true };
		xr__send_er(v, &r, now);
		xr__venue_log(v, now, "mass_status", NULL, NULL, NULL, -1, -1, "no open orders");
		return;
	}
	/* Oldest first: from the slot after the newest round the ring. */
	for (uint32_t j = 0; j < v->cap && k < n; j++) {
		const struct xr__vorder *o = &v->o[(v->next_slot + j) % v->cap];
		if (o->order_no == 0 || !o->open)
			continue;
		k++;
		xr__status_er(v, o, id, n, k == n, now);
	}
}

/* ------------------------------------------------------------------ events */

void
xr__venue_on_event(struct xr_fix_venue *v, const struct xr_conn_event *e, uint64_t now)
{
	if (e->kind == XR_EV_MARKET_DATA || e->kind == XR_EV_ORDER_UNKNOWN)
		return; /* the static books; the venue asks the sim nothing */
	if (e->token >= v->cap || v->o[e->token].order_no != e->cl_ord_id) {
		v->st.foreign_events++;
		return;
	}
	struct xr__vorder *o = &v->o[e->token];
	bool v42 = v->s->cfg.version == XR_FIX_42;
	if (e->kind == XR_EV_ORDER_FAILED) {
		xr__reject(v, o, xr__other(v), "venue failure", now);
		return;
	}
	if (e->last_qty > 0) {
		int64_t px = xr__px_of(e->last_notional, e->last_qty);
		bool full = e->ord_status == XR_OS_FILLED;
		/* CumQty is the sim's: a repeated fill (fault dup_fill) is sent
		 * as the sim made it, LastQty with CumQty not advancing. */
		o->cum_qty = e->cum_qty;
		o->cum_notional += e->last_notional;
		o->ord_status = full ? '2' : '1';
		if (full)
			o->open = false;
		struct xr__er r = { .o = o, .exec_type = v42 ? o->ord_status : 'F',
				    .ord_status = o->ord_status, .last_qty = e->last_qty,
				    .last_px = px, .rej_reason = -1 };
		v->st.fills++;
		xr__send_er(v, &r, now);
		xr__venue_log(v, now, "fill", o, NULL, NULL, e->last_qty, px, NULL);
	}
	switch (e->ord_status) {
	case XR_OS_NEW:
		if (o->ord_status == 'A') {
			o->ord_status = '0';
			struct xr__er r = { .o = o, .exec_type = '0', .ord_status = '0',
					    .rej_reason = -1 };
			xr__send_er(v, &r, now);
			xr__venue_log(v, now, "new_ack", o, NULL, NULL, -1, -1, NULL);
		}
		return;
	case XR_OS_CANCELED:
	case XR_OS_EXPIRED: {
		bool canceled = e->ord_status == XR_OS_CANCELED;
		o->ord_status = canceled ? '4' : 'C';
		o->open = false;
		const char *why = !canceled		  ? "expired (session_ms)"
				  : o->cxl_pending	  ? NULL
				  : e->reason == XR_R_NO_LIQUIDITY ? "no liquidity"
							  : "remainder canceled";
		struct xr__er r = { .o = o, .exec_type = o->ord_status, .ord_status = o->ord_status,
				    .clordid = o->cxl_pending ? o->cxl_clordid : NULL,
				    .orig = o->cxl_pending ? o->clordid : NULL, .rej_reason = -1,
				    .text = why };
		xr__send_er(v, &r, now);
		xr__venue_log(v, now, canceled ? "canceled" : "expired", o, r.clordid, r.orig, -1,
			      -1, why);
		return;
	}
	case XR_OS_REJECTED:
		xr__reject(v, o, xr__other(v), "rejected by the venue (reject_prob)", now);
		return;
	case XR_OS_FILLED:
		o->ord_status = '2'; /* with its fill above, or reported before */
		o->open = false;
		return;
	default:
		return; /* PartiallyFilled: its fill was reported above */
	}
}

/* ------------------------------------------------------------------ session */

static void
xr__on_app(void *ctx, const struct xr_fix_msg *m, uint64_t seq, bool poss_dup, uint64_t now)
{
	struct xr_fix_venue *v = ctx;
	const char *t = m->msg_type;

	(void)poss_dup; /* the ClOrdID check catches a resent order */
	if (strcmp(t, "D") == 0)
		xr__on_nos(v, m, seq, now);
	else if (strcmp(t, "F") == 0)
		xr__on_cancel(v, m, seq, now);
	else if (strcmp(t, "H") == 0)
		xr__on_status(v, m, seq, now);
	else if (strcmp(t, "AF") == 0)
		xr__on_mass_status(v, m, seq, now);
	else if (strcmp(t, "3") != 0 && strcmp(t, "j") != 0)
		xr_fix_session_bmr(v->s, seq, t, 3, "Unsupported message type", now);
}

static void
xr__on_log(void *ctx, enum xr_fix_log_level lvl, const char *text)
{
	static const char *const lv[] = { "info", "warning", "error" };
	struct xr_fix_venue *v = ctx;
	char line[384];
	int n = snprintf(line, sizeof(line), "xroute sim-venue: venue %s: fix %s: %s\n",
			 v->cfg->venues[v->venue].name, lv[lvl <= XR_FIX_LOG_ERROR ? lvl : 0],
			 text);

	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		(void)0;
}

static void
xr__on_state(void *ctx, bool up, uint64_t now)
{
	struct xr_fix_venue *v = ctx;
	char detail[96];

	snprintf(detail, sizeof(detail), "%s (next MsgSeqNum out %llu)", up ? "logon" : "logout",
		 (unsigned long long)v->seq->next_out);
	xr__venue_log(v, now, "session", NULL, NULL, NULL, -1, -1, detail);
}

const struct xr_fix_session_ops xr__venue_session_ops = {
	.on_app = xr__on_app,
	.on_gap_fill = NULL,
	.on_state = xr__on_state,
	.on_log = xr__on_log,
};
