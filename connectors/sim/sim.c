/*
 * The sim venue: a deterministic in-process venue behind the connector
 * interface. xr_sim.h states the model; docs/connectors.md explains every
 * parameter.
 *
 * DESIGN
 *   Orders live in a fixed table of max_open_orders slots (a free list links
 *   the unused ones). A slot is PENDING from submit until its arrival, then,
 *   if it rests, RESTING until its expiry or cancel; it is freed when its
 *   terminal event is written. Each live slot has exactly one entry in a
 *   binary min-heap (xr_heap, FIFO mode) keyed by its due time: its
 *   arrival, its expiry, or the cancel of a resting order. The heap takes a
 *   counter whenever a key is set, so equal due times come out first-in
 *   first-out and the order of events is fully determined. Each heap entry
 *   produces exactly one event when popped; an arrival that rests is keyed
 *   again for its expiry, every other pop frees the slot. This is why every order gets exactly one terminal
 *   event: the slot is freed in exactly one place, right after writing it.
 *
 *   cancel() finds a slot through a map of ClOrdIDs (xr_u64map in
 *   sequential mode: the ClOrdID's own low bits are its home, since the
 *   engine hands them out from one counter and the live ones are a window
 *   of recent ids; at least 2 buckets per slot, backward-shift deletion, no
 *   tombstones).
 *
 *   Venue time advances only inside poll(): submit and cancel act on the
 *   state the last poll left. A cancel of a PENDING order is remembered and
 *   applied on arrival; a cancel of a RESTING order re-keys its heap entry
 *   to min(now, expiry), so the next poll emits Canceled.
 *
 *   Random draws (splitmix64, Steele et al., "Fast splittable pseudorandom
 *   number generators", OOPSLA 2014) happen at submit only, three per order
 *   (jitter, reject, fail), so cancels and poll timing never shift the
 *   random stream of later orders. Fault draws come from a second stream.
 *
 *   The hostile faults (dup_fill, overfill, bad_price, foreign_report)
 *   rewrite or add events on their way out of poll() and never touch a
 *   slot, so the venue's books stay right however its reports lie; events
 *   a full poll has no room for wait in extra[] for the next one.
 *
 * GUARANTEES
 *   No allocation after xr_sim_create(), no syscalls, no floating point, no
 *   locks. Single-threaded: the venue's execute stage owns the instance.
 */
#include "xr_sim.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xr_config.h"
#include "xr_heap.h"
#include "xr_u64map.h"

__extension__ typedef unsigned __int128 xr__u128;

/** Slot value meaning "none". */
#define XR__SIM_NIL UINT32_MAX
/** book_of[] value for a symbol this venue does not list. */
#define XR__SIM_NO_BOOK UINT16_MAX

/** Lifecycle of an order slot. */
enum xr__sim_state {
	XR__SIM_FREE = 0,
	XR__SIM_PENDING, /* submitted, not arrived; heap key = arrival */
	XR__SIM_RESTING, /* arrived, resting; heap key = expiry or cancel */
	XR__SIM_DONE,	 /* ended at the venue, its answer not delivered (lost,
			  * or late: then heap key = delivery) */
};

/** What happens when a slot's heap entry comes due. */
enum xr__sim_action {
	XR__SIM_ARRIVE = 0, /* match (or reject/fail/cancel) */
	XR__SIM_EXPIRE,	    /* session end: Expired */
	XR__SIM_CANCEL,	    /* requested cancel of a resting order: Canceled */
	XR__SIM_DELIVER,    /* a late answer (DONE) reaches the client */
};

/** Fate drawn at submit, applied on arrival. */
enum xr__sim_fate {
	XR__SIM_MATCH = 0,
	XR__SIM_REJECT,
	XR__SIM_FAIL,
};

/** One order slot. */
struct xr__sim_order {
	struct xr_conn_order o; /* as submitted */
	int64_t cum_qty;	/* filled so far (qty scale) */
	int64_t cum_notional;	/* cash of those fills */
	int64_t cum_fees;	/* their fees */
	int64_t rep_qty, rep_notional, rep_fees; /* what answers delivered */
	uint8_t fin_kind;	/* DONE: the terminal event's kind, */
	uint8_t fin_status;	/* OrdStatus, */
	uint16_t fin_reason;	/* and reason */
	uint32_t next_free;	/* free-list link while FREE */
	uint16_t book;		/* index in books[] */
	uint8_t state;		/* enum xr__sim_state */
	uint8_t action;		/* enum xr__sim_action */
	uint8_t fate;		/* enum xr__sim_fate */
	uint8_t cancel_req;	/* cancel asked while PENDING */
};

/** A status query on its way: answered at due_ns. */
struct xr__sim_query {
	uint64_t due_ns;
	uint64_t cl_ord_id;
	uint32_t token;
};

/** A sim venue instance (the connector's ctx). */
struct xr__sim {
	uint64_t rng;		 /* splitmix64 state */
	uint64_t latency_ns;	 /* fixed one-way latency */
	uint64_t jitter_ns;	 /* uniform extra latency 0..jitter_ns */
	uint64_t session_ns;	 /* resting orders expire after this */
	int64_t fee_taker_cbps;	 /* every fill takes liquidity */
	uint32_t reject_ppm;
	uint32_t fail_ppm;
	uint32_t cap;		 /* order slots (max_open_orders) */
	uint32_t n_open;	 /* live slots: pending + resting */
	uint32_t free_head;	 /* first FREE slot, or NIL */
	uint32_t n_books;
	struct xr_conn_md_cursor md; /* static books' market data still to send */
	struct xr__sim_order *orders; /* cap slots */
	struct xr_heap heap;	 /* slots by due time (ns), FIFO among equal */
	struct xr_u64map ids;	 /* live ClOrdID -> slot (uint32_t) */
	struct xr_conn_book *books; /* n_books */
	uint16_t book_of[XR_MAX_SYMBOLS]; /* symbol id -> book, or NO_BOOK */
	/* Faults (docs/connectors.md "Faults"). */
	struct xr_sim_fault_cfg *faults; /* n_faults, copied from the config */
	uint32_t n_faults;
	uint64_t fault_rng;	 /* splitmix64 state of fault draws */
	uint64_t t0_ns;		 /* first call: fault windows start here */
	bool started;		 /* t0_ns is set */
	uint64_t last_ns;	 /* latest time seen (health) */
	/* Status queries in flight: a FIFO ring, all due latency_ns after
	 * their send, so due times are in order. */
	struct xr__sim_query *queries; /* cap entries */
	uint32_t q_head, q_n;
	uint64_t lost_orders, lost_answers, late_answers, queries_answered;
	/* Events a poll had no room for, written first by the next one
	 * (dup_fill and foreign_report add events to an answer). */
	struct xr_conn_event extra[2];
	uint32_t n_extra;
	uint64_t foreign_id;	 /* last ClOrdID made up for foreign_report */
};

/* ------------------------------------------------------------------ PRNG */

/** splitmix64 (Steele, Lea, Flood 2014): next 64 random bits of @p state. */
static uint64_t
xr__sim_next(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/** The order stream's next 64 random bits. */
static uint64_t
xr__sim_rand(struct xr__sim *s)
{
	return xr__sim_next(&s->rng);
}

/**
 * Map 64 random bits @p r onto 0..n-1 by multiply-high (Lemire 2019); the
 * bias is below n / 2^64. n == 0 gives 0.
 */
static uint64_t
xr__sim_below(uint64_t r, uint64_t n)
{
	return (uint64_t)(((xr__u128)r * n) >> 64);
}

/* ------------------------------------------------------------------ faults */

/** Start the venue clock at the first call (fault windows count from it). */
static void
xr__sim_clock(struct xr__sim *s, uint64_t now_ns)
{
	if (!s->started) {
		s->started = true;
		s->t0_ns = now_ns;
	}
	if (now_ns > s->last_ns)
		s->last_ns = now_ns;
}

/** Is fault @p f active at @p now_ns? Sets *since to its window's start. */
static bool
xr__sim_fault_on(const struct xr__sim *s, const struct xr_sim_fault_cfg *f, uint64_t now_ns,
		 uint64_t *since)
{
	if (now_ns < s->t0_ns)
		return false;
	uint64_t t = now_ns - s->t0_ns;
	if (t < f->start_ns)
		return false;
	uint64_t in = t - f->start_ns, len = f->end_ns - f->start_ns;
	if (f->every_ns != 0)
		in %= f->every_ns;
	else if (in >= len)
		return false;
	if (in >= len)
		return false;
	*since = now_ns - in;
	return true;
}

/** First active fault of @p kind at @p now_ns, or NULL. */
static const struct xr_sim_fault_cfg *
xr__sim_fault(const struct xr__sim *s, unsigned kind, uint64_t now_ns)
{
	uint64_t since;

	for (uint32_t i = 0; i < s->n_faults; i++)
		if (s->faults[i].kind == kind && xr__sim_fault_on(s, &s->faults[i], now_ns, &since))
			return &s->faults[i];
	return NULL;
}

/** The venue cannot be reached (outage or disconnect) at @p now_ns. */
static bool
xr__sim_unreachable(const struct xr__sim *s, uint64_t now_ns)
{
	return xr__sim_fault(s, XR_FAULT_OUTAGE, now_ns) != NULL ||
	       xr__sim_fault(s, XR_FAULT_DISCONNECT, now_ns) != NULL;
}

/** A fault draw with probability @p ppm (its own stream: see the header). */
static bool
xr__sim_chance(struct xr__sim *s, uint32_t ppm)
{
	return xr__sim_below(xr__sim_next(&s->fault_rng), XR_SIM_PPM_ONE) < ppm;
}

/** Is an answer due at @p now_ns lost (unreachable, or drop_answers)? */
static bool
xr__sim_answer_lost(struct xr__sim *s, uint64_t now_ns)
{
	const struct xr_sim_fault_cfg *drop = xr__sim_fault(s, XR_FAULT_DROP_ANSWERS, now_ns);

	return xr__sim_unreachable(s, now_ns) ||
	       (drop != NULL && xr__sim_chance(s, drop->prob_ppm));
}

/* ------------------------------------------------------------------ ids */

/** @return the slot of live ClOrdID @p cl_ord_id, or XR__SIM_NIL. */
static inline uint32_t
xr__sim_slot_of(const struct xr__sim *s, uint64_t cl_ord_id)
{
	const uint32_t *slot = xr_u64map_find(&s->ids, cl_ord_id);

	return slot != NULL ? *slot : XR__SIM_NIL;
}

/* ------------------------------------------------------------------ slots */

/** Free @p slot after its terminal event: ids, free list, count. */
static void
xr__sim_release(struct xr__sim *s, uint32_t slot)
{
	struct xr__sim_order *so = &s->orders[slot];
	xr_u64map_remove(&s->ids, so->o.cl_ord_id);
	so->state = XR__SIM_FREE;
	so->next_free = s->free_head;
	s->free_head = slot;
	s->n_open--;
}

/* ------------------------------------------------------------------ matching */

/**
 * Levels of book @p b that order @p o may take: all of them for a market
 * order; for a limit buy the asks with mid + k*tick <= limit, i.e.
 * k <= (limit - mid) / tick; for a limit sell the bids with
 * mid - k*tick >= limit, i.e. k <= (mid - limit) / tick.
 */
static uint32_t
xr__sim_levels_allowed(const struct xr_conn_book *b, const struct xr_conn_order *o)
{
	if (o->ord_type == XR_ORD_MARKET)
		return b->levels;
	int64_t room = o->side == XR_SIDE_BUY ? o->limit_px - b->mid_px
					       : b->mid_px - o->limit_px;
	if (room < b->tick_px)
		return 0;
	int64_t k = room / b->tick_px;
	return k >= (int64_t)b->levels ? b->levels : (uint32_t)k;
}

/**
 * Match @p want of order @p o against book @p b: walk levels k = 1.. of the
 * opposite side (asks mid + k*tick for a buy, bids mid - k*tick for a sell)
 * taking min(remaining, level_qty) at each, up to xr__sim_levels_allowed().
 * @p fok: fill nothing unless @p want fits entirely.
 * *notional = sum of xr_notional(level qty, level px), saturated.
 * @return quantity filled, 0..want.
 */
static int64_t
xr__sim_match(const struct xr_conn_book *b, const struct xr_conn_order *o,
	      int64_t want, bool fok, int64_t *notional)
{
	uint32_t n = xr__sim_levels_allowed(b, o);
	*notional = 0;
	if (fok && (xr_i128)n * b->level_qty < want)
		return 0;
	int64_t step = o->side == XR_SIDE_BUY ? b->tick_px : -b->tick_px;
	int64_t px = b->mid_px, left = want;
	xr_i128 sum = 0;
	for (uint32_t k = 1; k <= n && left > 0; k++) {
		px += step;
		int64_t q = left < b->level_qty ? left : b->level_qty;
		sum += xr_notional(q, px);
		left -= q;
	}
	*notional = sum > INT64_MAX ? INT64_MAX : (int64_t)sum;
	return want - left;
}

/* ------------------------------------------------------------------ events */

/**
 * Write an order event for slot @p so: its fills not yet delivered
 * (cum - rep) are this event's increments, and count as delivered now.
 */
static void
xr__sim_emit(struct xr_conn_event *e, struct xr__sim_order *so, uint8_t kind, uint8_t status,
	     uint16_t reason, int64_t leaves_qty)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->ord_status = status;
	e->reason = reason;
	e->symbol = so->o.symbol;
	e->token = so->o.token;
	e->cl_ord_id = so->o.cl_ord_id;
	e->last_qty = so->cum_qty - so->rep_qty;
	e->last_notional = so->cum_notional - so->rep_notional;
	e->last_fees = so->cum_fees - so->rep_fees;
	e->cum_qty = so->cum_qty;
	e->leaves_qty = leaves_qty;
	so->rep_qty = so->cum_qty;
	so->rep_notional = so->cum_notional;
	so->rep_fees = so->cum_fees;
}

/** Keep a terminal answer that was not delivered (slot DONE). */
static void
xr__sim_keep(struct xr__sim_order *so, uint8_t kind, uint8_t status, uint16_t reason)
{
	so->state = XR__SIM_DONE;
	so->fin_kind = kind;
	so->fin_status = status;
	so->fin_reason = reason;
}

/**
 * Arrival of slot @p slot (at its due time): decide its one answer, written
 * to @p e. @return true if the order now rests (the caller re-keys it for
 * its expiry), false if it ended (the caller frees it, or keeps it DONE if
 * the answer is not delivered now: *deliver false).
 */
static bool
xr__sim_arrive(struct xr__sim *s, uint32_t slot, uint64_t now_ns, struct xr_conn_event *e,
	       uint8_t *kind, uint8_t *status, uint16_t *reason)
{
	struct xr__sim_order *so = &s->orders[slot];
	*kind = XR_EV_EXEC_REPORT;
	*reason = XR_R_NONE;
	if (so->cancel_req) {
		*status = XR_OS_CANCELED;
		return false;
	}
	if (so->fate == XR__SIM_REJECT) {
		*status = XR_OS_REJECTED;
		*reason = XR_R_VENUE_REJECT;
		return false;
	}
	if (so->fate == XR__SIM_FAIL) {
		*kind = XR_EV_ORDER_FAILED;
		*status = 0;
		*reason = XR_R_VENUE_FAILURE;
		return false;
	}

	const struct xr_conn_order *o = &so->o;
	bool fok = o->tif == XR_TIF_FOK;
	bool rests = o->ord_type == XR_ORD_LIMIT &&
		     (o->tif == XR_TIF_DAY || o->tif == XR_TIF_GTC);
	int64_t want = o->qty, notional;
	const struct xr_sim_fault_cfg *pf = xr__sim_fault(s, XR_FAULT_PARTIAL_FILL, now_ns);
	if (pf != NULL && !fok) {
		want = (int64_t)((xr_i128)o->qty * pf->ratio_ppm / XR_SIM_PPM_ONE);
		if (want <= 0)
			want = 0;
	}
	int64_t filled = want > 0 ? xr__sim_match(&s->books[so->book], o, want, fok, &notional)
				  : (notional = 0);
	so->cum_qty = filled;
	so->cum_notional = notional;
	so->cum_fees = xr_fee(notional, s->fee_taker_cbps);

	if (filled == o->qty) {
		*status = XR_OS_FILLED;
		return false;
	}
	if (rests) {
		*status = filled > 0 ? XR_OS_PARTIALLY_FILLED : XR_OS_NEW;
		xr__sim_emit(e, so, XR_EV_EXEC_REPORT, *status, XR_R_NONE, o->qty - filled);
		return true;
	}
	/* IOC, FOK, market: the remainder is canceled. */
	*status = XR_OS_CANCELED;
	*reason = filled > 0 ? XR_R_NONE : XR_R_NO_LIQUIDITY;
	return false;
}


/* ------------------------------------------------------------------ hostile */

/**
 * The hostile faults on the order event @p ev[*n] just written at venue time
 * @p t (docs/connectors.md "Faults"): bad_price and overfill change its
 * fills; dup_fill sends the fill report twice with the same CumQty (the copy
 * first, as PartiallyFilled when the report is terminal, so the order is
 * still live when the repeat comes); foreign_report adds a Filled report
 * for a ClOrdID never sent, after it. The venue's own books are untouched:
 * a later report of the order carries its real fills. Events that do not
 * fit in @p max go to s->extra, written first by the next poll.
 * @return events written to ev (1..max - *n).
 */
static uint32_t
xr__sim_hostile(struct xr__sim *s, const struct xr__sim_order *so, uint64_t t,
		struct xr_conn_event *ev, uint32_t n, uint32_t max)
{
	struct xr_conn_event out[3];
	uint32_t k = 0;
	struct xr_conn_event *e = &ev[n];
	const struct xr_sim_fault_cfg *f;

	if (s->n_faults == 0 || so == NULL || e->kind != XR_EV_EXEC_REPORT)
		return 1;
	if (e->last_qty > 0) {
		f = xr__sim_fault(s, XR_FAULT_BAD_PRICE, t);
		if (f != NULL && xr__sim_chance(s, f->prob_ppm)) {
			/* A buy pays factor times its price, a sell gets 1/factor. */
			xr_i128 x = so->o.side == XR_SIDE_BUY
					    ? (xr_i128)e->last_notional * f->factor_ppm / XR_SIM_PPM_ONE
					    : (xr_i128)e->last_notional * XR_SIM_PPM_ONE / f->factor_ppm;
			e->last_notional = x > INT64_MAX ? INT64_MAX : (int64_t)x;
			e->last_fees = xr_fee(e->last_notional, s->fee_taker_cbps);
		}
		f = xr__sim_fault(s, XR_FAULT_OVERFILL, t);
		if (f != NULL && xr__sim_chance(s, f->prob_ppm)) {
			/* The order's qty once more, at this report's price. */
			xr_i128 x = (xr_i128)e->last_notional * so->o.qty / e->last_qty;
			int64_t extra = x > INT64_MAX / 2 ? INT64_MAX / 2 : (int64_t)x;
			e->last_qty += so->o.qty;
			e->cum_qty += so->o.qty;
			e->last_notional += extra;
			e->last_fees = xr_fee(e->last_notional, s->fee_taker_cbps);
		}
		f = xr__sim_fault(s, XR_FAULT_DUP_FILL, t);
		if (f != NULL && xr__sim_chance(s, f->prob_ppm)) {
			out[k] = *e;
			if (e->ord_status != XR_OS_NEW && e->ord_status != XR_OS_PARTIALLY_FILLED) {
				out[k].ord_status = XR_OS_PARTIALLY_FILLED;
				out[k].leaves_qty = so->o.qty > e->cum_qty ? so->o.qty - e->cum_qty : 0;
			}
			k++;
		}
	}
	out[k++] = *e;
	f = xr__sim_fault(s, XR_FAULT_FOREIGN_REPORT, t);
	if (f != NULL && xr__sim_chance(s, f->prob_ppm)) {
		struct xr_conn_event *x = &out[k++];
		*x = *e;
		/* Counting down from the top: the engine's ClOrdIDs count up. */
		x->cl_ord_id = UINT64_MAX - s->foreign_id++;
		x->token = UINT32_MAX;
		x->ord_status = XR_OS_FILLED;
		x->reason = XR_R_NONE;
		x->last_qty = x->cum_qty = so->o.qty;
		x->leaves_qty = 0;
		x->last_notional = xr_notional(so->o.qty, so->o.ord_type == XR_ORD_LIMIT
								   ? so->o.limit_px
								   : s->books[so->book].mid_px);
		x->last_fees = xr_fee(x->last_notional, s->fee_taker_cbps);
	}
	uint32_t w = 0;
	for (uint32_t i = 0; i < k; i++) {
		if (n + w < max)
			ev[n + w++] = out[i];
		else
			s->extra[s->n_extra++] = out[i];
	}
	return w;
}

/* ------------------------------------------------------------------ ops */

static int
xr__sim_submit(void *ctx, const struct xr_conn_order *o, uint64_t now_ns)
{
	struct xr__sim *s = ctx;
	xr__sim_clock(s, now_ns);
	if (o->qty <= 0 || o->symbol >= XR_MAX_SYMBOLS ||
	    s->book_of[o->symbol] == XR__SIM_NO_BOOK ||
	    (o->side != XR_SIDE_BUY && o->side != XR_SIDE_SELL))
		return -EINVAL;
	if (o->ord_type == XR_ORD_LIMIT) {
		if (o->limit_px <= 0)
			return -EINVAL;
	} else if (o->ord_type != XR_ORD_MARKET) {
		return -EINVAL;
	}
	if (o->tif != XR_TIF_DAY && o->tif != XR_TIF_GTC &&
	    o->tif != XR_TIF_IOC && o->tif != XR_TIF_FOK)
		return -EINVAL;
	if (xr__sim_fault(s, XR_FAULT_DISCONNECT, now_ns) != NULL)
		return -ENOTCONN;
	/* One probe: the ClOrdID is entered now and taken out again if the
	 * order goes no further. */
	bool fresh;
	uint32_t *id_slot = xr_u64map_upsert(&s->ids, o->cl_ord_id, &fresh);
	if (id_slot == NULL || !fresh)
		return -EINVAL; /* ClOrdID of a live order (or 0) */
	if (s->free_head == XR__SIM_NIL) {
		xr_u64map_remove(&s->ids, o->cl_ord_id);
		return -EBUSY;
	}

	/* Three draws per order, always, in this order (see the header). */
	uint64_t jitter = xr__sim_below(xr__sim_rand(s), s->jitter_ns + 1);
	bool reject = xr__sim_below(xr__sim_rand(s), XR_SIM_PPM_ONE) < s->reject_ppm;
	bool fail = xr__sim_below(xr__sim_rand(s), XR_SIM_PPM_ONE) < s->fail_ppm;
	if (xr__sim_fault(s, XR_FAULT_OUTAGE, now_ns) != NULL) {
		xr_u64map_remove(&s->ids, o->cl_ord_id);
		s->lost_orders++; /* never reaches the venue */
		return 0;
	}
	const struct xr_sim_fault_cfg *f = xr__sim_fault(s, XR_FAULT_REJECT_BURST, now_ns);
	if (f != NULL && xr__sim_chance(s, f->prob_ppm))
		reject = true;
	f = xr__sim_fault(s, XR_FAULT_LATENCY_SPIKE, now_ns);
	uint64_t extra = f != NULL ? (uint64_t)f->extra_us * 1000 : 0;

	uint32_t slot = s->free_head;
	struct xr__sim_order *so = &s->orders[slot];
	s->free_head = so->next_free;
	s->n_open++;
	*id_slot = slot;
	so->o = *o;
	so->cum_qty = so->cum_notional = so->cum_fees = 0;
	so->rep_qty = so->rep_notional = so->rep_fees = 0;
	so->book = s->book_of[o->symbol];
	so->state = XR__SIM_PENDING;
	so->action = XR__SIM_ARRIVE;
	so->fate = reject ? XR__SIM_REJECT : fail ? XR__SIM_FAIL : XR__SIM_MATCH;
	so->cancel_req = 0;
	xr_heap_push(&s->heap, slot, now_ns + s->latency_ns + jitter + extra);
	return 0;
}

static int
xr__sim_cancel(void *ctx, uint64_t cl_ord_id, uint64_t now_ns)
{
	struct xr__sim *s = ctx;
	xr__sim_clock(s, now_ns);
	if (xr__sim_fault(s, XR_FAULT_DISCONNECT, now_ns) != NULL)
		return -ENOTCONN;
	uint32_t slot = xr__sim_slot_of(s, cl_ord_id);
	if (slot == XR__SIM_NIL)
		return -ENOENT;
	if (xr__sim_fault(s, XR_FAULT_OUTAGE, now_ns) != NULL)
		return 0; /* lost on the way */
	struct xr__sim_order *so = &s->orders[slot];
	if (so->state == XR__SIM_DONE)
		return 0; /* too late: it ended, its answer will tell */
	if (so->state == XR__SIM_PENDING) {
		so->cancel_req = 1;
		return 0;
	}
	if (so->action == XR__SIM_CANCEL)
		return 0; /* already being canceled */
	so->action = XR__SIM_CANCEL;
	if (now_ns < xr_heap_key(&s->heap, slot)) /* decrease: due at the cancel's time */
		xr_heap_update(&s->heap, slot, now_ns);
	/* Else the expiry is already due: keep the key, Canceled replaces it. */
	return 0;
}

static int
xr__sim_status(void *ctx, uint64_t cl_ord_id, uint32_t token, uint64_t now_ns)
{
	struct xr__sim *s = ctx;
	xr__sim_clock(s, now_ns);
	if (xr__sim_fault(s, XR_FAULT_DISCONNECT, now_ns) != NULL)
		return -ENOTCONN;
	if (xr__sim_fault(s, XR_FAULT_OUTAGE, now_ns) != NULL || s->q_n == s->cap)
		return 0; /* lost on the way (or no room: the same to the client) */
	struct xr__sim_query *q = &s->queries[(s->q_head + s->q_n++) % s->cap];
	q->due_ns = now_ns + s->latency_ns;
	q->cl_ord_id = cl_ord_id;
	q->token = token;
	return 0;
}

/** Deliver a DONE slot's kept terminal answer and free the slot. */
static void
xr__sim_deliver(struct xr__sim *s, uint32_t slot, struct xr_conn_event *e)
{
	struct xr__sim_order *so = &s->orders[slot];
	xr__sim_emit(e, so, so->fin_kind, so->fin_status, so->fin_reason, 0);
	xr_heap_remove(&s->heap, slot); /* if a late answer was keyed */
	xr__sim_release(s, slot);
}

/** Answer the status query @p q at its due time; @return events written. */
static uint32_t
xr__sim_answer(struct xr__sim *s, const struct xr__sim_query *q, struct xr_conn_event *e)
{
	uint32_t slot = xr__sim_slot_of(s, q->cl_ord_id);
	if (slot == XR__SIM_NIL) {
		memset(e, 0, sizeof(*e));
		e->kind = XR_EV_ORDER_UNKNOWN;
		e->token = q->token;
		e->cl_ord_id = q->cl_ord_id;
		e->reason = XR_R_TIMEOUT;
		return 1;
	}
	struct xr__sim_order *so = &s->orders[slot];
	if (so->state == XR__SIM_PENDING)
		return 0; /* its own arrival answers first (messages keep order) */
	if (so->state == XR__SIM_DONE) {
		xr__sim_deliver(s, slot, e);
		return 1;
	}
	xr__sim_emit(e, so, XR_EV_EXEC_REPORT,
		     so->cum_qty > 0 ? XR_OS_PARTIALLY_FILLED : XR_OS_NEW, XR_R_NONE,
		     so->o.qty - so->cum_qty);
	return 1;
}

/* A terminal answer at @p now: delivered, late (kept, keyed for delivery)
 * or lost (kept until a status query). @return events written. */
static uint32_t
xr__sim_finish(struct xr__sim *s, uint32_t slot, uint64_t now_ns, uint8_t kind, uint8_t status,
	       uint16_t reason, struct xr_conn_event *e)
{
	struct xr__sim_order *so = &s->orders[slot];
	const struct xr_sim_fault_cfg *late = xr__sim_fault(s, XR_FAULT_LATE_ANSWERS, now_ns);

	if (xr__sim_answer_lost(s, now_ns)) {
		xr__sim_keep(so, kind, status, reason);
		s->lost_answers++;
		return 0;
	}
	if (late != NULL && xr__sim_chance(s, late->prob_ppm)) {
		xr__sim_keep(so, kind, status, reason);
		so->action = XR__SIM_DELIVER;
		xr_heap_push(&s->heap, slot, now_ns + (uint64_t)late->extra_us * 1000);
		s->late_answers++;
		return 0;
	}
	xr__sim_emit(e, so, kind, status, reason, 0);
	xr__sim_release(s, slot);
	return 1;
}

static uint32_t
xr__sim_poll(void *ctx, uint64_t now_ns, struct xr_conn_event *ev, uint32_t max)
{
	struct xr__sim *s = ctx;

	xr__sim_clock(s, now_ns);
	/* The static books' levels, once, best first per side. */
	uint32_t n = xr_conn_book_md(s->books, s->n_books, &s->md, ev, max);
	/* What the last poll had no room for, first. */
	uint32_t x = 0;
	while (n < max && x < s->n_extra)
		ev[n++] = s->extra[x++];
	if (x > 0) {
		memmove(s->extra, s->extra + x, (s->n_extra - x) * sizeof(s->extra[0]));
		s->n_extra -= x;
	}

	while (n < max && s->n_extra == 0 && xr_heap_count(&s->heap) > 0) {
		uint64_t t = xr_heap_top_key(&s->heap);
		if (t > now_ns)
			break;
		uint32_t slot = xr_heap_top(&s->heap);
		struct xr__sim_order *so = &s->orders[slot];
		struct xr_conn_event *e = &ev[n];
		uint8_t kind = XR_EV_EXEC_REPORT, status = XR_OS_CANCELED;
		uint16_t reason = XR_R_NONE;
		if (so->action == XR__SIM_ARRIVE) {
			if (xr__sim_unreachable(s, t)) {
				/* In flight when the venue went away: lost. */
				xr_heap_pop(&s->heap);
				xr__sim_release(s, slot);
				s->lost_orders++;
				continue;
			}
			if (xr__sim_arrive(s, slot, t, e, &kind, &status, &reason)) {
				/* Rests: re-key in place for its expiry. Its ack
				 * (written to e) may be lost: the fills stay
				 * undelivered until a later answer. */
				so->state = XR__SIM_RESTING;
				so->action = XR__SIM_EXPIRE;
				xr_heap_update(&s->heap, slot, t + s->session_ns);
				if (xr__sim_answer_lost(s, t)) {
					so->rep_qty = so->rep_notional = so->rep_fees = 0;
					s->lost_answers++;
				} else {
					n += xr__sim_hostile(s, so, t, ev, n, max);
				}
				continue;
			}
		} else if (so->action == XR__SIM_EXPIRE) {
			status = XR_OS_EXPIRED;
			reason = XR_R_EXPIRED;
		} else if (so->action == XR__SIM_DELIVER) {
			xr_heap_pop(&s->heap);
			if (xr__sim_unreachable(s, t)) {
				s->lost_answers++; /* stays DONE until a status query */
				continue;
			}
			xr__sim_deliver(s, slot, e);
			n += xr__sim_hostile(s, so, t, ev, n, max);
			continue;
		}
		xr_heap_pop(&s->heap);
		/* A freed slot keeps its order until the next submit. */
		if (xr__sim_finish(s, slot, t, kind, status, reason, e) != 0)
			n += xr__sim_hostile(s, so, t, ev, n, max);
	}

	while (n < max && s->n_extra == 0 && s->q_n > 0 &&
	       s->queries[s->q_head].due_ns <= now_ns) {
		struct xr__sim_query q = s->queries[s->q_head];
		s->q_head = (s->q_head + 1) % s->cap;
		s->q_n--;
		if (xr__sim_unreachable(s, q.due_ns)) {
			s->lost_answers++;
			continue;
		}
		uint32_t slot = xr__sim_slot_of(s, q.cl_ord_id);
		const struct xr__sim_order *so = slot == XR__SIM_NIL ? NULL : &s->orders[slot];
		uint32_t k = xr__sim_answer(s, &q, &ev[n]);
		s->queries_answered += k;
		if (k != 0)
			n += xr__sim_hostile(s, so, q.due_ns, ev, n, max);
	}
	return n;
}

static int
xr__sim_health(void *ctx, struct xr_conn_health *h)
{
	const struct xr__sim *s = ctx;
	const struct xr_sim_fault_cfg *f = xr__sim_fault(s, XR_FAULT_DISCONNECT, s->last_ns);
	uint64_t since = 0;

	memset(h, 0, sizeof(*h)); /* the venue-misbehaviour counters stay 0 */
	h->connected = f == NULL;
	h->down_since_ns = f != NULL && xr__sim_fault_on(s, f, s->last_ns, &since) ? since : 0;
	h->open_orders = s->n_open;
	h->max_open_orders = s->cap;
	return 0;
}

static void
xr__sim_destroy(void *ctx)
{
	struct xr__sim *s = ctx;
	if (s == NULL)
		return;
	free(s->orders);
	xr_heap_fini(&s->heap);
	xr_u64map_fini(&s->ids);
	free(s->books);
	free(s->queries);
	free(s->faults);
	free(s);
}

const struct xr_connector_ops xr_sim_ops = {
	.kind = "sim",
	.submit = xr__sim_submit,
	.cancel = xr__sim_cancel,
	.status = xr__sim_status,
	.mass_status = NULL, /* the sim holds no orders it would not report itself */
	.poll = xr__sim_poll,
	.health = xr__sim_health,
	.destroy = xr__sim_destroy,
};

uint64_t
xr_sim_next_due_ns(const struct xr_connector *c)
{
	if (c == NULL || c->ops != &xr_sim_ops)
		return UINT64_MAX;
	const struct xr__sim *s = c->ctx;
	return xr_heap_top_key(&s->heap);
}

/* ------------------------------------------------------------------ create */

/** Symbol name of @p id for messages ("#7" if the config has no name). */
static const char *
xr__sim_sym(const struct xr_config *cfg, uint16_t id, char buf[16])
{
	if (cfg->symbols != NULL && id < cfg->n_symbols)
		return cfg->symbols[id];
	snprintf(buf, 16, "#%u", (unsigned)id);
	return buf;
}

/** Check one book; 0 or -EINVAL with err filled. */
static int
xr__sim_check_book(const struct xr_config *cfg, const struct xr_venue_cfg *v,
		   const struct xr_venue_book_cfg *b, char *err, size_t err_len)
{
	char buf[16];
	const char *why = NULL;
	if (b->symbol >= XR_MAX_SYMBOLS)
		why = "symbol id out of range";
	else if (b->mid_px <= 0)
		why = "mid must be > 0";
	else if (b->tick_px <= 0)
		why = "tick must be > 0";
	else if (b->levels < 1 || b->levels > XR_SIM_MAX_LEVELS)
		why = "levels must be 1..1000";
	else if (b->level_qty <= 0)
		why = "level_qty must be > 0";
	else if ((xr_i128)b->tick_px * b->levels >= b->mid_px)
		why = "mid - levels*tick must be > 0";
	else if ((xr_i128)b->mid_px + (xr_i128)b->tick_px * b->levels > INT64_MAX)
		why = "mid + levels*tick overflows";
	else if ((xr_i128)b->level_qty * b->levels > INT64_MAX)
		why = "levels*level_qty overflows";
	if (why == NULL)
		return 0;
	if (err_len > 0)
		snprintf(err, err_len, "venue %s: book %s: %s", v->name,
			 xr__sim_sym(cfg, b->symbol, buf), why);
	return -EINVAL;
}

int
xr_sim_create(const struct xr_config *cfg, unsigned venue,
	      struct xr_connector *out, char *err, size_t err_len)
{
	if (cfg == NULL || out == NULL || venue >= cfg->n_venues) {
		if (err_len > 0)
			snprintf(err, err_len, "venue %u: no such venue", venue);
		return -EINVAL;
	}
	const struct xr_venue_cfg *v = &cfg->venues[venue];
	const struct xr_sim_venue_cfg *sc = xr_sim_venue_cfg(v);
	const char *why = NULL;
	if (sc == NULL)
		why = "not a sim venue (no sim keys)";
	else if (v->max_open_orders < 1 || v->max_open_orders > XR_SIM_MAX_OPEN_ORDERS)
		why = "max_open_orders must be 1..16777216";
	else if (sc->reject_ppm > XR_SIM_PPM_ONE)
		why = "reject_prob must be 0..1";
	else if (sc->fail_ppm > XR_SIM_PPM_ONE)
		why = "fail_prob must be 0..1";
	else if (v->n_books == 0 || v->books == NULL)
		why = "a sim venue needs at least one book.SYMBOL";
	if (why != NULL) {
		if (err_len > 0)
			snprintf(err, err_len, "venue %s: %s", v->name, why);
		return -EINVAL;
	}
	if (v->n_books >= XR__SIM_NO_BOOK) {
		if (err_len > 0)
			snprintf(err, err_len, "venue %s: too many books", v->name);
		return -EINVAL;
	}

	struct xr__sim *s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto nomem;
	for (unsigned i = 0; i < XR_MAX_SYMBOLS; i++)
		s->book_of[i] = XR__SIM_NO_BOOK;
	s->books = calloc(v->n_books, sizeof(*s->books));
	if (s->books == NULL)
		goto nomem;
	for (uint32_t i = 0; i < v->n_books; i++) {
		const struct xr_venue_book_cfg *b = &v->books[i];
		int rc = xr__sim_check_book(cfg, v, b, err, err_len);
		if (rc == 0 && s->book_of[b->symbol] != XR__SIM_NO_BOOK) {
			char buf[16];
			if (err_len > 0)
				snprintf(err, err_len, "venue %s: book %s listed twice",
					 v->name, xr__sim_sym(cfg, b->symbol, buf));
			rc = -EINVAL;
		}
		if (rc != 0) {
			xr__sim_destroy(s);
			return rc;
		}
		s->books[i] = (struct xr_conn_book){
			.mid_px = b->mid_px,
			.tick_px = b->tick_px,
			.level_qty = b->level_qty,
			.levels = b->levels,
			.symbol = b->symbol,
		};
		s->book_of[b->symbol] = (uint16_t)i;
	}
	s->n_books = v->n_books;

	s->cap = v->max_open_orders;
	s->orders = calloc(s->cap, sizeof(*s->orders));
	s->queries = calloc(s->cap, sizeof(*s->queries));
	if (s->orders == NULL || s->queries == NULL ||
	    xr_heap_init(&s->heap, s->cap, true) != 0 ||
	    xr_u64map_init_seq(&s->ids, s->cap, sizeof(uint32_t)) != 0)
		goto nomem;
	/* calloc's large blocks are fresh zero pages: written now, so the
	 * run's first orders take no page fault. */
	memset(s->queries, 0, s->cap * sizeof(*s->queries));
	for (uint32_t i = 0; i < s->cap; i++)
		s->orders[i].next_free = i + 1 < s->cap ? i + 1 : XR__SIM_NIL;
	s->free_head = 0;

	s->rng = sc->seed;
	s->latency_ns = (uint64_t)sc->latency_us * 1000u;
	s->jitter_ns = (uint64_t)sc->jitter_us * 1000u;
	s->session_ns = (uint64_t)sc->session_ms * 1000000u;
	s->fee_taker_cbps = v->fee_taker_cbps;
	s->reject_ppm = sc->reject_ppm;
	s->fail_ppm = sc->fail_ppm;
	if (sc->n_faults > XR_SIM_MAX_FAULTS) {
		xr__sim_destroy(s);
		if (err_len > 0)
			snprintf(err, err_len, "venue %s: more than %d faults", v->name,
				 XR_SIM_MAX_FAULTS);
		return -EINVAL;
	}
	if (sc->n_faults > 0) {
		s->faults = malloc(sc->n_faults * sizeof(*s->faults));
		if (s->faults == NULL)
			goto nomem;
		memcpy(s->faults, sc->faults, sc->n_faults * sizeof(*s->faults));
	}
	s->n_faults = sc->n_faults;
	s->fault_rng = sc->seed ^ UINT64_C(0x5eed0fa017);

	out->ops = &xr_sim_ops;
	out->ctx = s;
	out->venue = (uint8_t)venue;
	return 0;

nomem:
	xr__sim_destroy(s);
	if (err_len > 0)
		snprintf(err, err_len, "venue %s: out of memory", v->name);
	return -ENOMEM;
}
