/*
 * The FIX connector: orders to FIX messages and back, over one session on
 * a non-blocking TCP socket (xr_fix_conn.h has the mapping and the rules).
 *
 * DESIGN
 *   Orders live in a fixed table of max_open_orders slots; a ClOrdID map
 *   (xr_u64map, mixed home slots) finds a slot from the ClOrdID a venue
 *   echoes. Not sequential mode: orders may rest for long, so the live ids
 *   are a wide window, and there removing the oldest would walk all of it. Live slots
 *   are also on a list in the order they were sent, so cancel_after_ms
 *   looks only at the oldest. A slot is freed right after its terminal
 *   event is queued, and that is the only place one is freed: every order
 *   gets exactly one terminal event.
 *
 *   Events wait in a ring of max_open_orders + XR__EVQ_SLACK entries. One
 *   venue message yields at most one event, except our GapFill, which may
 *   fail every live order at once; so input is read only while the ring
 *   has room for that plus the messages read.
 */
#include "xr_fix_conn.h"

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

#include "xr_clock.h"
#include "xr_config.h"
#include "xr_fix.h"
#include "xr_u64map.h"

#define XR__NIL UINT32_MAX
/** Event ring room beyond one event per order slot. */
#define XR__EVQ_SLACK 1024u
/** Log lines per second per venue; more are counted, not written. */
#define XR__LOG_PER_S 20u
/** Log lines per second of one kind of bad venue report (below the venue's
 * XR__LOG_PER_S, so one flood cannot hide the others). */
#define XR__KIND_LOG_PER_S 5u
/** OrderStatusRequests an order may still get once a report of it was
 * refused as an overfill (it is in doubt); more are not sent. */
#define XR__DOUBT_QUERIES 3u
/** Least ClOrdIDs remembered as sent (xr__fix.sent): a report naming one
 * within the window is told apart exactly as foreign or stale. */
#define XR__SENT_MIN 4096u

/* Application tags (FIX 4.2/4.4). */
enum {
	XR__T_AVG_PX = 6,
	XR__T_CL_ORD_ID = 11,
	XR__T_CUM_QTY = 14,
	XR__T_HANDL_INST = 21,
	XR__T_LAST_PX = 31,
	XR__T_LAST_QTY = 32,
	XR__T_ORDER_QTY = 38,
	XR__T_ORD_STATUS = 39,
	XR__T_ORD_TYPE = 40,
	XR__T_ORIG_CL_ORD_ID = 41,
	XR__T_PRICE = 44,
	XR__T_REF_SEQ_NUM = 45,
	XR__T_SIDE = 54,
	XR__T_SYMBOL = 55,
	XR__T_TEXT = 58,
	XR__T_TIF = 59,
	XR__T_TRANSACT_TIME = 60,
	XR__T_CXL_REJ_REASON = 102,
	XR__T_ORD_REJ_REASON = 103,
	XR__T_EXEC_TYPE = 150,
	XR__T_LEAVES_QTY = 151,
	XR__T_REF_MSG_TYPE = 372,
	XR__T_SESSION_REJECT_REASON = 373,
	XR__T_BUSINESS_REJECT_REF_ID = 379,
	XR__T_BUSINESS_REJECT_REASON = 380,
	XR__T_LAST_LIQUIDITY_IND = 851,
};

/** Lifecycle of an order slot. */
enum xr__ostate {
	XR__O_FREE = 0,
	XR__O_SENT,  /* NewOrderSingle sent, no report yet */
	XR__O_ACKED, /* a report came: live at the venue */
};

struct xr__order {
	uint64_t cl_ord_id;
	uint64_t nos_seq;	/* MsgSeqNum of its NewOrderSingle ... */
	uint32_t epoch;		/* ... in this session epoch (xr_fix_session) */
	uint64_t cxl_seq;	/* MsgSeqNum of its last OrderCancelRequest ... */
	uint32_t cxl_epoch;	/* ... and its epoch */
	uint64_t sent_ns;	/* sent, or its last cancel_after_ms cancel */
	int64_t qty, px;
	int64_t cum_qty;	/* fills reported to the engine */
	int64_t cum_notional;	/* their cash */
	uint32_t token;
	uint32_t prev, next;	/* sent-order list, or free list (next) */
	uint16_t symbol;
	uint8_t side, ord_type, tif;
	uint8_t state;		/* enum xr__ostate */
	uint8_t cancels;	/* OrderCancelRequests sent */
	bool expiring;		/* a cancel_after_ms cancel is out */
	bool expired;		/* cancel_after_ms canceled it (reason) */
	bool queried;		/* an OrderStatusRequest is out */
	bool qty_warned;	/* the venue acknowledged another OrderQty */
	bool overfill;		/* in doubt: a report of CumQty above qty was
				 * refused, no valid report since */
	uint8_t doubt_queries;	/* OrderStatusRequests sent while in doubt */
};

/** Kinds of bad venue report, each with its own log rate limit. */
enum xr__bad_kind {
	XR__BK_FOREIGN = 0,
	XR__BK_STALE,
	XR__BK_QTY,
	XR__BK_OVERFILL,
	XR__BK_DUP,
	XR__BK_KINDS
};

/** A per-kind log limit: XR__KIND_LOG_PER_S lines per second. */
struct xr__rate {
	uint64_t window_ns;	/* start of the current second */
	uint32_t lines;		/* written in it */
	uint32_t suppressed;	/* not written since the last line */
};

struct xr__fix {
	struct xr_fix_session *s;
	struct xr_fix_seq *seq;		/* mapped store, or &mem_seq */
	struct xr_fix_seq mem_seq;
	int seq_fd;
	int fd;				/* socket, -1 if none */
	bool connecting;		/* non-blocking connect in progress */
	bool up;			/* session ACTIVE */
	bool status_ok;			/* OrderStatusRequest supported */
	uint64_t connect_ns;		/* connect started */
	uint64_t reconnect_at;		/* next connect attempt (fd < 0) */
	uint64_t backoff_ns;		/* current reconnect wait */
	uint32_t failed_connects;	/* in a row (logged at powers of two) */
	uint64_t down_since;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	/* Settings. */
	const struct xr_venue_cfg *vc;
	char venue[XR_NAME_MAX + 1];
	int64_t fee_maker_cbps, fee_taker_cbps;
	uint64_t cancel_after_ns, backoff_min_ns, backoff_max_ns;
	bool market_ok;
	uint8_t tif_mask;
	const char *sym[XR_MAX_SYMBOLS]; /* the venue's Symbol, NULL: not listed */
	uint8_t sym_len[XR_MAX_SYMBOLS];
	char prefix[16];		/* ClOrdID prefix of this run */
	uint32_t prefix_len;
	/* Orders. */
	struct xr__order *o;
	uint32_t cap, n_open, free_head, old_head, old_tail;
	struct xr_u64map ids;		/* ClOrdID -> slot (uint32_t) */
	/* ClOrdIDs sent: sent[id & sent_mask] == id for the newest ones, so a
	 * report for one of them that is not live is stale, for any other
	 * foreign (ids more than the window below sent_max: stale). */
	uint64_t *sent;
	uint32_t sent_mask;
	uint64_t sent_max;
	/* Events. */
	struct xr_conn_event *evq;
	uint32_t evq_cap, evq_head, evq_n;
	struct xr_conn_book *books;	/* reference books (book.SYMBOL) */
	uint32_t n_books;
	struct xr_conn_md_cursor md;	/* their market data still to send */
	/* Log rate limit. */
	uint64_t log_window_ns;
	uint32_t log_lines;
	struct xr__rate bad_log[XR__BK_KINDS];
	struct xr_fix_conn_stats st;
};

/* ------------------------------------------------------------------ log */

static void
xr__say(struct xr__fix *f, enum xr_fix_log_level lvl, const char *text)
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

__attribute__((format(printf, 3, 4))) static void
xr__logf(struct xr__fix *f, enum xr_fix_log_level lvl, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	xr__say(f, lvl, text);
}

static void
xr__on_log(void *ctx, enum xr_fix_log_level lvl, const char *text)
{
	xr__say(ctx, lvl, text);
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
	xr__say(f, XR_FIX_LOG_WARN, text);
}

/* ------------------------------------------------------------------ orders */

static struct xr_conn_event *
xr__event(struct xr__fix *f)
{
	struct xr_conn_event *e = &f->evq[(f->evq_head + f->evq_n++) % f->evq_cap];
	memset(e, 0, sizeof(*e));
	return e;
}

/* Unlink slot @p i from the sent-order list and free it. */
/* The slot of live ClOrdID @p id, or XR__NIL. */
static inline uint32_t
xr__slot_by_id(const struct xr__fix *f, uint64_t id)
{
	const uint32_t *slot = xr_u64map_find(&f->ids, id);

	return slot != NULL ? *slot : XR__NIL;
}

static void
xr__release(struct xr__fix *f, uint32_t i)
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
	struct xr_conn_event *e = xr__event(f);
	const struct xr__order *o = &f->o[i];

	e->kind = XR_EV_ORDER_FAILED;
	e->reason = reason;
	e->symbol = o->symbol;
	e->token = o->token;
	e->cl_ord_id = o->cl_ord_id;
	e->cum_qty = o->cum_qty;
	xr__release(f, i);
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
		struct xr_conn_event *e = xr__event(f);
		e->kind = XR_EV_ORDER_UNKNOWN;
		e->reason = XR_R_TIMEOUT;
		e->symbol = o->symbol;
		e->token = o->token;
		e->cl_ord_id = o->cl_ord_id;
		xr__release(f, i);
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

	struct xr_conn_event *e = xr__event(f);
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
		xr__logf(f, XR_FIX_LOG_WARN, "order %llu rejected (OrdRejReason %llu): %.*s",
			 (unsigned long long)o->cl_ord_id, (unsigned long long)rej, (int)tl, t);
	}
	if (xr__terminal(os))
		xr__release(f, i);
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
	xr__logf(f, XR_FIX_LOG_WARN, "Reject of our MsgSeqNum %llu (SessionRejectReason %llu)%s: "
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
	xr__logf(f, XR_FIX_LOG_WARN, "BusinessMessageReject of %.*s MsgSeqNum %llu "
		 "(BusinessRejectReason %llu): %.*s", (int)rl, ref_type, (unsigned long long)ref,
		 (unsigned long long)why, (int)tl, t);
	if (rl == 1 && ref_type[0] == 'H' && f->status_ok) {
		f->status_ok = false;
		xr__say(f, XR_FIX_LOG_WARN, "the venue does not take OrderStatusRequest: "
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
			xr__logf(f, XR_FIX_LOG_INFO, "OrderCancelReject (CxlRejReason %llu): %.*s",
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

static void
xr__on_gap_fill(void *ctx, uint64_t begin, uint64_t end)
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
		xr__logf(f, XR_FIX_LOG_WARN, "%u orders never reached the venue (gap-filled): "
			 "failed, not live", n);
}

static void
xr__on_state(void *ctx, bool up, uint64_t now)
{
	struct xr__fix *f = ctx;

	f->up = up;
	if (up) {
		f->backoff_ns = f->backoff_min_ns;
		f->status_ok = f->vc->fix.status_requests != 0;
	} else {
		f->down_since = now;
	}
}

static const struct xr_fix_session_ops xr__session_ops = {
	.on_app = xr__on_app,
	.on_gap_fill = xr__on_gap_fill,
	.on_state = xr__on_state,
	.on_log = xr__on_log,
};

/* ------------------------------------------------------------------ socket */

static int64_t
xr__wall_offset(void)
{
	struct timespec rt;

	clock_gettime(CLOCK_REALTIME, &rt);
	uint64_t mono = xr_now_ns();
	return (int64_t)((uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec) -
	       (int64_t)mono;
}

static void
xr__close(struct xr__fix *f, uint64_t now)
{
	if (f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
		f->st.disconnects++;
	}
	f->connecting = false;
	xr_fix_session_disconnected(f->s, now);
	f->reconnect_at = now + f->backoff_ns;
	f->backoff_ns = f->backoff_ns * 2 > f->backoff_max_ns ? f->backoff_max_ns
							       : f->backoff_ns * 2;
}

/* A failed connect: logged the 1st, 2nd, 4th, 8th... time in a row. */
static void
xr__connect_failed(struct xr__fix *f, const char *why, uint64_t now)
{
	uint32_t k = ++f->failed_connects;

	if ((k & (k - 1)) == 0)
		xr__logf(f, XR_FIX_LOG_WARN, "connect to %s:%u: %s (attempt %u; retrying every "
			 "%llu ms at most)", f->vc->fix.host, (unsigned)f->vc->fix.port, why, k,
			 (unsigned long long)(f->backoff_max_ns / 1000000));
	xr__close(f, now);
}

/* Start a non-blocking connect. */
static void
xr__connect_start(struct xr__fix *f, uint64_t now)
{
	int one = 1;

	f->fd = socket(f->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (f->fd < 0) {
		xr__logf(f, XR_FIX_LOG_ERROR, "socket: %s", strerror(errno));
		f->reconnect_at = now + f->backoff_ns;
		return;
	}
	setsockopt(f->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	f->connect_ns = now;
	f->connecting = true;
	f->st.connects++;
	if (connect(f->fd, (const struct sockaddr *)&f->addr, f->addr_len) != 0 &&
	    errno != EINPROGRESS)
		xr__connect_failed(f, strerror(errno), now);
}

/* Is the connect in progress done? Logs on when it is. */
static void
xr__connect_check(struct xr__fix *f, uint64_t now)
{
	struct pollfd p = { .fd = f->fd, .events = POLLOUT };
	int err = 0;
	socklen_t el = sizeof(err);

	if (poll(&p, 1, 0) <= 0) {
		if (now - f->connect_ns >= f->s->cfg.logon_timeout_ns)
			xr__connect_failed(f, "timed out", now);
		return;
	}
	if (getsockopt(f->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
		xr__connect_failed(f, strerror(err != 0 ? err : errno), now);
		return;
	}
	f->connecting = false;
	f->failed_connects = 0;
	xr_fix_session_set_clock(f->s, xr__wall_offset());
	xr_fix_session_connected(f->s, now);
}

/* Write what tx holds, as far as the socket takes it. */
static void
xr__flush(struct xr__fix *f, uint64_t now)
{
	struct xr_fix_session *s = f->s;
	uint32_t off = 0;

	while (off < s->tx_len && f->fd >= 0 && !f->connecting) {
		ssize_t n = send(f->fd, s->tx + off, s->tx_len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			off += (uint32_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			break;
		xr__logf(f, XR_FIX_LOG_WARN, "send: %s", n < 0 ? strerror(errno) : "closed");
		xr__close(f, now);
		return;
	}
	if (off > 0) {
		memmove(s->tx, s->tx + off, s->tx_len - off);
		s->tx_len -= off;
	}
}

/*
 * Process the messages in rx while the event ring has room for what they
 * may produce: one event each, plus one per open order for a GapFill.
 */
static void
xr__input(struct xr__fix *f, uint64_t now)
{
	uint32_t room;

	while (f->s->rx_len > 0 && (room = f->evq_cap - f->evq_n) > f->n_open &&
	       xr_fix_session_input(f->s, now, room - f->n_open) > 0)
		;
}

/* Read what the socket has, then process it. */
static void
xr__read(struct xr__fix *f, uint64_t now)
{
	struct xr_fix_session *s = f->s;

	while (s->rx_len < s->rx_cap) {
		ssize_t n = recv(f->fd, s->rx + s->rx_len, s->rx_cap - s->rx_len, MSG_DONTWAIT);
		if (n > 0) {
			s->rx_len += (uint32_t)n;
			if (s->rx_len < s->rx_cap)
				break; /* the socket had no more */
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			break;
		if (n == 0)
			xr__say(f, XR_FIX_LOG_WARN, "venue closed the connection");
		else
			xr__logf(f, XR_FIX_LOG_WARN, "recv: %s", strerror(errno));
		xr__input(f, now); /* what arrived before the end still counts */
		xr__close(f, now);
		return;
	}
	xr__input(f, now);
}

/*
 * cancel_after_ms: cancel the oldest orders once they are that old. The
 * order then moves to the list's tail with sent_ns = now and comes back to
 * the head a period later: while its cancel is out nothing is sent; if our
 * GapFill swallowed that cancel (xr__on_gap_fill clears expiring), it is
 * canceled again (-C2, ...). The list stays in sent_ns order, so each call
 * looks only at its head.
 */
static int xr__cancel(void *ctx, uint64_t cl_ord_id, uint64_t now);

static void
xr__expire(struct xr__fix *f, uint64_t now)
{
	if (f->cancel_after_ns == 0 || !f->up)
		return;
	for (uint32_t k = 0; k < f->n_open && f->old_head != XR__NIL; k++) {
		uint32_t i = f->old_head;
		struct xr__order *o = &f->o[i];
		if (now - o->sent_ns < f->cancel_after_ns)
			return;
		if (!o->expiring) {
			if (xr__cancel(f, o->cl_ord_id, now) != 0)
				return;
			o->expiring = o->expired = true;
		}
		o->sent_ns = now;
		if (f->old_tail == i)
			continue;
		f->old_head = o->next; /* unlink the head, append at the tail */
		f->o[o->next].prev = XR__NIL;
		o->prev = f->old_tail;
		o->next = XR__NIL;
		f->o[f->old_tail].next = i;
		f->old_tail = i;
	}
}

/* ------------------------------------------------------------------ ops */

/* Start a message about order @p o: ClOrdID of the order (+ "-C<n>"). */
static void
xr__put_id(struct xr__fix *f, struct xr_fix_writer *w, uint32_t tag, uint64_t id, int cancel_no)
{
	char buf[48];
	int n = snprintf(buf, sizeof(buf), "%s%llu", f->prefix, (unsigned long long)id);
	if (cancel_no > 0)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "-C%d", cancel_no);
	xr_fix_put_str(w, tag, buf, (size_t)n);
}

static void
xr__put_instrument(struct xr__fix *f, struct xr_fix_writer *w, const struct xr__order *o)
{
	xr_fix_put_str(w, XR__T_SYMBOL, f->sym[o->symbol], f->sym_len[o->symbol]);
	xr_fix_put_char(w, XR__T_SIDE, o->side == XR_SIDE_BUY ? '1' : '2');
}

static int
xr__submit(void *ctx, const struct xr_conn_order *in, uint64_t now)
{
	struct xr__fix *f = ctx;
	struct xr_fix_writer w;
	uint64_t seq;

	if (in->qty <= 0 || in->symbol >= XR_MAX_SYMBOLS || f->sym[in->symbol] == NULL ||
	    (in->ord_type == XR_ORD_LIMIT && in->limit_px <= 0) ||
	    (in->side != XR_SIDE_BUY && in->side != XR_SIDE_SELL))
		return -EINVAL;
	if ((in->ord_type == XR_ORD_MARKET && !f->market_ok) || in->tif > 7 ||
	    !(f->tif_mask & (1u << in->tif)))
		return -EOPNOTSUPP;
	if (!f->up)
		return -ENOTCONN;
	if (f->free_head == XR__NIL)
		return -EBUSY;
	int rc = xr_fix_session_begin(f->s, &w, "D", now);
	if (rc != 0)
		return rc == -ENOBUFS ? -EBUSY : rc;
	uint32_t i = f->free_head;
	struct xr__order *o = &f->o[i];
	o->symbol = in->symbol;
	o->side = in->side;
	xr__put_id(f, &w, XR__T_CL_ORD_ID, in->cl_ord_id, 0);
	xr_fix_put_char(&w, XR__T_HANDL_INST, '1');
	xr__put_instrument(f, &w, o);
	xr_fix_put_time(&w, XR__T_TRANSACT_TIME, now + (uint64_t)f->s->wall_offset_ns);
	xr_fix_put_fixed(&w, XR__T_ORDER_QTY, in->qty, 8);
	xr_fix_put_char(&w, XR__T_ORD_TYPE, in->ord_type == XR_ORD_MARKET ? '1' : '2');
	if (in->ord_type == XR_ORD_LIMIT)
		xr_fix_put_fixed(&w, XR__T_PRICE, in->limit_px, 8);
	xr_fix_put_char(&w, XR__T_TIF, (char)('0' + in->tif));
	bool fresh;
	uint32_t *slot = xr_u64map_upsert(&f->ids, in->cl_ord_id, &fresh);
	if (slot == NULL || !fresh)
		return -EINVAL; /* a ClOrdID already live (or 0): nothing queued */
	*slot = i;
	if (xr_fix_session_send(f->s, &w, &seq, now) != 0) {
		xr_u64map_remove(&f->ids, in->cl_ord_id);
		return -EBUSY;
	}
	f->free_head = o->next;
	*o = (struct xr__order){
		.cl_ord_id = in->cl_ord_id,
		.nos_seq = seq,
		.epoch = f->s->epoch,
		.sent_ns = now,
		.qty = in->qty,
		.px = in->ord_type == XR_ORD_LIMIT ? in->limit_px : 0,
		.token = in->token,
		.prev = f->old_tail,
		.next = XR__NIL,
		.symbol = in->symbol,
		.side = in->side,
		.ord_type = in->ord_type,
		.tif = in->tif,
		.state = XR__O_SENT,
	};
	if (f->old_tail != XR__NIL)
		f->o[f->old_tail].next = i;
	else
		f->old_head = i;
	f->old_tail = i;
	f->n_open++;
	f->st.orders_sent++;
	f->sent[in->cl_ord_id & f->sent_mask] = in->cl_ord_id;
	if (in->cl_ord_id > f->sent_max)
		f->sent_max = in->cl_ord_id;
	xr__flush(f, now);
	return 0;
}

static int
xr__cancel(void *ctx, uint64_t cl_ord_id, uint64_t now)
{
	struct xr__fix *f = ctx;
	struct xr_fix_writer w;
	uint32_t i = xr__slot_by_id(f, cl_ord_id);

	if (i == XR__NIL)
		return -ENOENT;
	if (!f->up)
		return -ENOTCONN;
	struct xr__order *o = &f->o[i];
	int rc = xr_fix_session_begin(f->s, &w, "F", now);
	if (rc != 0)
		return rc == -ENOBUFS ? -EBUSY : rc;
	xr__put_id(f, &w, XR__T_ORIG_CL_ORD_ID, cl_ord_id, 0);
	xr__put_id(f, &w, XR__T_CL_ORD_ID, cl_ord_id, o->cancels + 1);
	xr__put_instrument(f, &w, o);
	xr_fix_put_time(&w, XR__T_TRANSACT_TIME, now + (uint64_t)f->s->wall_offset_ns);
	xr_fix_put_fixed(&w, XR__T_ORDER_QTY, o->qty, 8);
	if (xr_fix_session_send(f->s, &w, &o->cxl_seq, now) != 0)
		return -EBUSY;
	o->cxl_epoch = f->s->epoch;
	if (o->cancels < UINT8_MAX)
		o->cancels++;
	f->st.cancels_sent++;
	xr__flush(f, now);
	return 0;
}

static int
xr__status(void *ctx, uint64_t cl_ord_id, uint32_t token, uint64_t now)
{
	struct xr__fix *f = ctx;
	struct xr_fix_writer w;
	uint32_t i = xr__slot_by_id(f, cl_ord_id);

	(void)token;
	if (!f->up)
		return -ENOTCONN;
	if (!f->status_ok)
		return -EOPNOTSUPP;
	if (i == XR__NIL)
		return -ENOENT; /* ended: its terminal event is queued */
	struct xr__order *o = &f->o[i];
	if (o->overfill && o->doubt_queries >= XR__DOUBT_QUERIES)
		return -EALREADY; /* in doubt; the venue's answer is known */
	int rc = xr_fix_session_begin(f->s, &w, "H", now);
	if (rc != 0)
		return rc == -ENOBUFS ? -EBUSY : rc;
	xr__put_id(f, &w, XR__T_CL_ORD_ID, cl_ord_id, 0);
	xr__put_instrument(f, &w, o);
	if (xr_fix_session_send(f->s, &w, NULL, now) != 0)
		return -EBUSY;
	o->queried = true;
	if (o->overfill)
		o->doubt_queries++;
	f->st.status_sent++;
	xr__flush(f, now);
	return 0;
}

static uint32_t
xr__poll(void *ctx, uint64_t now, struct xr_conn_event *ev, uint32_t max)
{
	struct xr__fix *f = ctx;
	struct xr_fix_session *s = f->s;
	/* The reference books' levels, once, best first per side. */
	uint32_t n = xr_conn_book_md(f->books, f->n_books, &f->md, ev, max);

	if (f->fd < 0) {
		if (now >= f->reconnect_at)
			xr__connect_start(f, now);
	} else if (f->connecting) {
		xr__connect_check(f, now);
	}
	if (f->fd >= 0 && !f->connecting) {
		xr__read(f, now);
		if (f->fd >= 0) {
			xr_fix_session_tick(s, now);
			xr__expire(f, now);
			xr__flush(f, now);
			if (s->want_close)
				xr__close(f, now);
		}
	}
	while (n < max && f->evq_n > 0) {
		ev[n++] = f->evq[f->evq_head];
		f->evq_head = (f->evq_head + 1) % f->evq_cap;
		f->evq_n--;
	}
	return n;
}

static int
xr__health(void *ctx, struct xr_conn_health *h)
{
	const struct xr__fix *f = ctx;

	memset(h, 0, sizeof(*h));
	h->connected = f->up;
	h->down_since_ns = f->up ? 0 : f->down_since;
	h->open_orders = f->n_open;
	h->max_open_orders = f->cap;
	h->foreign_reports = f->st.foreign_reports;
	h->stale_reports = f->st.stale_reports;
	h->qty_changed = f->st.qty_changed;
	h->overfill_reports = f->st.overfill_reports;
	for (int e = XR_FIX_OK + 1; e < XR_FIX_ERRORS; e++)
		h->frames_dropped += f->s->st.frame_errors[e];
	h->escalations = f->s->st.escalations;
	h->dup_fills = f->st.dup_fills;
	return 0;
}

/* Log out (control path: blocks up to the logout timeout). */
static void
xr__logout_blocking(struct xr__fix *f)
{
	uint64_t now = xr_now_ns();

	if (f->fd < 0 || !f->up)
		return;
	xr_fix_session_logout(f->s, NULL, now);
	uint64_t until = now + f->s->cfg.logout_timeout_ns;
	while (f->fd >= 0 && !f->s->want_close && (now = xr_now_ns()) < until) {
		xr__flush(f, now);
		struct pollfd p = { .fd = f->fd, .events = POLLIN };
		if (poll(&p, 1, 50) > 0)
			xr__read(f, now);
	}
	xr__flush(f, xr_now_ns());
}

static void
xr__destroy(void *ctx)
{
	struct xr__fix *f = ctx;

	if (f == NULL)
		return;
	if (f->s != NULL) {
		xr__logout_blocking(f);
		if (f->fd >= 0)
			close(f->fd);
	}
	if (f->seq != NULL && f->seq != &f->mem_seq) {
		msync(f->seq, sizeof(*f->seq), MS_SYNC);
		munmap(f->seq, sizeof(*f->seq));
	}
	if (f->seq_fd >= 0)
		close(f->seq_fd);
	xr_u64map_fini(&f->ids);
	free(f->sent);
	free(f->books);
	free(f->o);
	free(f->evq);
	free(f->s);
	free(f);
}

const struct xr_connector_ops xr_fix_conn_ops = {
	.kind = "fix",
	.submit = xr__submit,
	.cancel = xr__cancel,
	.status = xr__status,
	.poll = xr__poll,
	.health = xr__health,
	.destroy = xr__destroy,
};

/* ------------------------------------------------------------------ create */

/* Open (or create) and map the MsgSeqNum store @p path, locked. */
static int
xr__open_store(struct xr__fix *f, const char *path, char *why, size_t why_len)
{
	struct stat sb;

	f->seq_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (f->seq_fd < 0) {
		snprintf(why, why_len, "%s", strerror(errno));
		return -1;
	}
	if (flock(f->seq_fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(why, why_len, "in use by another process (%s)", strerror(errno));
		return -1;
	}
	if (fstat(f->seq_fd, &sb) != 0) {
		snprintf(why, why_len, "%s", strerror(errno));
		return -1;
	}
	if (sb.st_size != 0 && sb.st_size != (off_t)sizeof(struct xr_fix_seq)) {
		snprintf(why, why_len, "not a sequence store (%lld bytes, expected %zu)",
			 (long long)sb.st_size, sizeof(struct xr_fix_seq));
		return -1;
	}
	if (sb.st_size == 0 && ftruncate(f->seq_fd, sizeof(struct xr_fix_seq)) != 0) {
		snprintf(why, why_len, "%s", strerror(errno));
		return -1;
	}
	void *p = mmap(NULL, sizeof(struct xr_fix_seq), PROT_READ | PROT_WRITE, MAP_SHARED,
		       f->seq_fd, 0);
	if (p == MAP_FAILED) {
		snprintf(why, why_len, "mmap: %s", strerror(errno));
		return -1;
	}
	f->seq = p;
	if (sb.st_size != 0 && f->seq->magic != XR_FIX_SEQ_MAGIC) {
		snprintf(why, why_len, "not a sequence store (bad magic)");
		return -1;
	}
	return 0;
}

/* Connect and log on, blocking up to the Logon timeout. @return 0 if up. */
static int
xr__logon_blocking(struct xr__fix *f)
{
	uint64_t now = xr_now_ns(), until = now + f->s->cfg.logon_timeout_ns;

	f->backoff_ns = f->backoff_min_ns;
	xr__connect_start(f, now);
	while (f->fd >= 0 && !f->up && (now = xr_now_ns()) < until) {
		struct pollfd p = { .fd = f->fd, .events = f->connecting ? POLLOUT : POLLIN };
		int left_ms = (int)((until - now) / 1000000) + 1;
		if (poll(&p, 1, left_ms < 50 ? left_ms : 50) < 0 && errno != EINTR)
			break;
		now = xr_now_ns();
		if (f->connecting) {
			xr__connect_check(f, now);
		} else {
			xr__read(f, now);
			if (f->fd >= 0)
				xr_fix_session_tick(f->s, now);
		}
		if (f->fd >= 0)
			xr__flush(f, now);
		if (f->fd >= 0 && f->s->want_close)
			xr__close(f, now);
	}
	return f->up ? 0 : -1;
}

int
xr_fix_conn_create(const struct xr_config *cfg, unsigned venue, struct xr_connector *out,
		   char *err, size_t err_len)
{
	const struct xr_venue_cfg *v;
	struct xr__fix *f = NULL;
	char why[160];
	int rc = -EINVAL;

	if (cfg == NULL || venue >= cfg->n_venues) {
		if (err_len > 0)
			snprintf(err, err_len, "venue %u: no such venue", venue);
		return -EINVAL;
	}
	v = &cfg->venues[venue];
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		goto nomem;
	f->fd = f->seq_fd = -1;
	f->vc = v;
	snprintf(f->venue, sizeof(f->venue), "%s", v->name);
	f->fee_maker_cbps = v->fee_maker_cbps;
	f->fee_taker_cbps = v->fee_taker_cbps;
	f->cancel_after_ns = (uint64_t)v->fix.cancel_after_ms * 1000000u;
	f->backoff_min_ns = (uint64_t)v->fix.reconnect_min_ms * 1000000u;
	f->backoff_max_ns = (uint64_t)v->fix.reconnect_max_ms * 1000000u;
	f->market_ok = v->fix.market_orders != 0;
	f->status_ok = v->fix.status_requests != 0;
	f->tif_mask = v->fix.tif_mask;
	f->old_head = f->old_tail = XR__NIL;
	f->books = calloc(v->n_books ? v->n_books : 1, sizeof(*f->books));
	if (f->books == NULL)
		goto nomem;
	f->n_books = v->n_books;
	for (uint32_t b = 0; b < v->n_books; b++) {
		uint16_t sym = v->books[b].symbol;
		f->books[b] = (struct xr_conn_book){
			.mid_px = v->books[b].mid_px,
			.tick_px = v->books[b].tick_px,
			.level_qty = v->books[b].level_qty,
			.levels = v->books[b].levels,
			.symbol = sym,
		};
		f->sym[sym] = cfg->symbols[sym];
		for (uint32_t j = 0; j < v->fix.n_symbols; j++)
			if (v->fix.symbols[j].symbol == sym)
				f->sym[sym] = v->fix.symbols[j].name;
		f->sym_len[sym] = (uint8_t)strlen(f->sym[sym]);
	}

	/* ClOrdID prefix: this run's start in ms, base 36 (7 digits wrap
	 * after 2.5 years), so ClOrdIDs differ from earlier runs'. */
	uint64_t ms = (uint64_t)(xr__wall_offset() + (int64_t)xr_now_ns()) / 1000000u;
	char p36[8];
	for (int k = 6; k >= 0; k--, ms /= 36)
		p36[k] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[ms % 36];
	p36[7] = '\0';
	f->prefix_len = (uint32_t)snprintf(f->prefix, sizeof(f->prefix), "%s-", p36);

	f->cap = v->max_open_orders;
	f->evq_cap = f->cap + XR__EVQ_SLACK;
	uint32_t frame = v->fix.max_frame_bytes != 0 ? v->fix.max_frame_bytes
						       : XR_FIX_FRAME_DEFAULT;
	uint32_t window = XR__SENT_MIN;
	while (window < 4 * (uint64_t)f->cap && window < (1u << 30))
		window *= 2;
	f->sent_mask = window - 1;
	f->o = calloc(f->cap, sizeof(*f->o));
	f->evq = calloc(f->evq_cap, sizeof(*f->evq));
	f->sent = calloc(window, sizeof(*f->sent));
	f->s = malloc(xr_fix_session_size(frame));
	if (f->o == NULL || f->evq == NULL || f->sent == NULL || f->s == NULL)
		goto nomem;
	rc = xr_u64map_init(&f->ids, f->cap, sizeof(uint32_t));
	if (rc != 0)
		goto fail_rc;
	for (uint32_t i = 0; i < f->cap; i++)
		f->o[i].next = i + 1 < f->cap ? i + 1 : XR__NIL;
	f->free_head = 0;

	if (v->fix.seq_store[0] != '\0') {
		if (xr__open_store(f, v->fix.seq_store, why, sizeof(why)) != 0) {
			if (err_len > 0)
				snprintf(err, err_len, "venue %s: seq_store %s: %s", v->name,
					 v->fix.seq_store, why);
			rc = -EINVAL;
			goto fail;
		}
	} else {
		f->seq = &f->mem_seq;
	}

	struct xr_fix_session_cfg sc = {
		.version = v->fix.begin_string,
		.heartbeat_s = v->fix.heartbeat_s,
		.reset_on_logon = v->fix.reset_on_logon != 0,
		.logon_timeout_ns = (uint64_t)v->fix.logon_timeout_ms * 1000000u,
		.logout_timeout_ns = 2000000000u,
		.resend_timeout_ns = (uint64_t)v->fix.resend_timeout_ms * 1000000u,
		.max_frame_bytes = frame,
	};
	snprintf(sc.sender, sizeof(sc.sender), "%s", v->fix.sender_comp_id);
	snprintf(sc.target, sizeof(sc.target), "%s", v->fix.target_comp_id);
	if (xr_fix_session_init(f->s, &sc, f->seq, &xr__session_ops, f) != 0) {
		if (err_len > 0)
			snprintf(err, err_len, "venue %s: bad FIX session settings", v->name);
		rc = -EINVAL;
		goto fail;
	}

	char port[8];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	snprintf(port, sizeof(port), "%u", (unsigned)v->fix.port);
	int gai = getaddrinfo(v->fix.host, port, &hints, &ai);
	if (gai != 0 || ai == NULL || ai->ai_addrlen > sizeof(f->addr)) {
		if (err_len > 0)
			snprintf(err, err_len, "venue %s: host %s: %s", v->name, v->fix.host,
				 gai != 0 ? gai_strerror(gai) : "no address");
		if (ai != NULL)
			freeaddrinfo(ai);
		rc = -EINVAL;
		goto fail;
	}
	memcpy(&f->addr, ai->ai_addr, ai->ai_addrlen);
	f->addr_len = ai->ai_addrlen;
	freeaddrinfo(ai);

	if (xr__logon_blocking(f) != 0)
		xr__logf(f, XR_FIX_LOG_WARN, "not logged on to %s:%u at start: reconnecting "
			 "in the background (orders meanwhile are refused as disconnected)",
			 v->fix.host, (unsigned)v->fix.port);
	out->ops = &xr_fix_conn_ops;
	out->ctx = f;
	out->venue = (uint8_t)venue;
	return 0;

nomem:
	rc = -ENOMEM;
fail_rc:
	if (err_len > 0)
		snprintf(err, err_len, "venue %s: %s", cfg->venues[venue].name,
			 rc == -ENOMEM ? "out of memory" : "bad max_open_orders");
fail:
	xr__destroy(f);
	return rc;
}

int
xr_fix_conn_stats(const struct xr_connector *c, struct xr_fix_conn_stats *st,
		  struct xr_fix_session_stats *sess)
{
	if (c == NULL || c->ops != &xr_fix_conn_ops)
		return -EINVAL;
	const struct xr__fix *f = c->ctx;
	if (st != NULL)
		*st = f->st;
	if (sess != NULL)
		*sess = f->s->st;
	return 0;
}
