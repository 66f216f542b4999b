/*
 * xr_types: the vocabulary every stage shares — fixed-point money and
 * quantities, the order enums (FIX values where FIX has one), reason codes,
 * and struct xr_msg, the one message that travels through every ring.
 *
 * FIXED POINT
 *   Quantities, prices and cash are int64_t with 8 decimal places:
 *     qty  = units     * XR_QTY_SCALE   (1 BTC        -> 100000000)
 *     px   = currency  * XR_PX_SCALE    (50000.25 USD -> 5000025000000)
 *     cash = currency  * XR_CASH_SCALE  (notional, fees)
 *   notional = qty * px / XR_QTY_SCALE, computed in 128 bits
 *   (xr_notional()), truncated toward zero. Fee rates are in centi-bps
 *   (1 bps = 100 cbps) so 2.5 bps is exact: fee = notional * cbps / 10^6.
 *   No floating point is used on the order, fill or position path.
 */
#ifndef XR_TYPES_H
#define XR_TYPES_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

/** Quantity scale: 8 decimal places. */
#define XR_QTY_SCALE INT64_C(100000000)
/** Price scale: 8 decimal places (currency per unit). */
#define XR_PX_SCALE INT64_C(100000000)
/** Cash scale (notional, fees): 8 decimal places of currency. */
#define XR_CASH_SCALE INT64_C(100000000)
/** Centi-bps per unit fraction: rate = cbps / 10^6. */
#define XR_CBPS_PER_ONE INT64_C(1000000)

/** Most venues an engine runs (venue ids are 0..63; masks are uint64_t). */
#define XR_MAX_VENUES 64
/** Ranked alternatives a routing decision keeps. */
#define XR_MAX_ALTS 8
/** Most venues one parent's allocation spans (selector XR_MAX_SPLIT). */
#define XR_MAX_ALLOC 8
/** Venue id meaning "none". */
#define XR_VENUE_NONE 0xff

__extension__ typedef __int128 xr_i128;
__extension__ typedef unsigned __int128 xr_u128;

/**
 * @p n / @p d for a divisor below 2^32, as 64-bit divisions only: the high
 * word, then two 32-bit chunks of the low word carrying the remainder
 * (schoolbook long division in base 2^32; each partial dividend is below
 * d * 2^32, so each partial quotient fits 32 bits). With @p d a
 * compile-time constant every division becomes a multiplication; libgcc's
 * generic 128-bit division (__udivti3) costs several times more.
 * Thread: any. Pure.
 */
static inline xr_u128
xr_u128_div_u32(xr_u128 n, uint32_t d)
{
	uint64_t hi = (uint64_t)(n >> 64), lo = (uint64_t)n;

	if (hi == 0)
		return lo / d;
	uint64_t qh = hi / d, r = hi % d;
	uint64_t x1 = (r << 32) | (lo >> 32);
	uint64_t q1 = x1 / d;
	uint64_t x0 = ((x1 % d) << 32) | (lo & 0xffffffffu);
	return ((xr_u128)qh << 64) | (((xr_u128)q1 << 32) + x0 / d);
}

/**
 * @p n / @p d for a quotient that fits 64 bits, i.e. (n >> 64) < d (the
 * caller guarantees it). On x86-64 one 128-by-64-bit DIV instruction (a
 * quotient that does not fit would raise #DE, hence the precondition);
 * elsewhere the compiler's 128-bit division. libgcc's __udivti3 reaches the
 * same instruction only after a call and its general-case branches.
 * Thread: any. Pure.
 */
static inline uint64_t
xr_u128_div_u64_fit(xr_u128 n, uint64_t d)
{
#if defined(__x86_64__)
	uint64_t q, r;

	__asm__("divq %4" : "=a"(q), "=d"(r) : "a"((uint64_t)n), "d"((uint64_t)(n >> 64)), "rm"(d)
		: "cc");
	(void)r;
	return q;
#else
	return (uint64_t)(n / d);
#endif
}

/**
 * A 64-bit divisor prepared for division by multiplication: when one
 * divisor serves many divisions (the selector divides by the arrival price
 * once per eligible venue), xr_recip_div() costs a multiply-high, a
 * subtraction and two shifts instead of a hardware divide. Granlund and
 * Montgomery, "Division by invariant integers using multiplication"
 * (PLDI 1994), Figure 4.1 with N = 64: exact for every 64-bit dividend and
 * every divisor >= 1.
 */
struct xr_recip {
	uint64_t m;	/* floor(2^64 (2^l - d) / d) + 1, l = ceil(log2 d) */
	uint8_t sh1;	/* min(l, 1) */
	uint8_t sh2;	/* max(l - 1, 0) */
};

/**
 * Prepare @p d (>= 1; 0 is treated as 1). One 128-by-64-bit division.
 * Thread: any. Pure.
 */
static inline struct xr_recip
xr_recip_init(uint64_t d)
{
	struct xr_recip r;
	unsigned l;

	if (d == 0)
		d = 1;
	l = d > 1 ? 64 - (unsigned)__builtin_clzll(d - 1) : 0;
	/* (2^l - d) < d, so the quotient fits 64 bits; l = 64 fits in 128. */
	r.m = xr_u128_div_u64_fit((((xr_u128)1 << l) - d) << 64, d) + 1;
	r.sh1 = l > 0;
	r.sh2 = (uint8_t)(l > 0 ? l - 1 : 0);
	return r;
}

/** floor(@p n / d) for the divisor @p r was prepared with. Thread: any. Pure. */
static inline uint64_t
xr_recip_div(const struct xr_recip *r, uint64_t n)
{
	uint64_t t1 = (uint64_t)(((xr_u128)r->m * n) >> 64);

	return (t1 + ((n - t1) >> r->sh1)) >> r->sh2;
}

/* |n| / d truncated toward zero, with n's sign, saturated to int64. */
static inline int64_t
xr__i128_div_sat(xr_i128 n, uint32_t d)
{
	int neg = n < 0;
	xr_u128 q = xr_u128_div_u32(neg ? -(xr_u128)n : (xr_u128)n, d);

	if (q > (xr_u128)INT64_MAX)
		return neg ? INT64_MIN : INT64_MAX;
	return neg ? -(int64_t)q : (int64_t)q;
}

/**
 * Notional of @p qty at @p px: qty * px / XR_QTY_SCALE in cash units,
 * truncated toward zero, saturated to INT64_MAX/INT64_MIN on overflow.
 * Thread: any. Pure.
 */
static inline int64_t
xr_notional(int64_t qty, int64_t px)
{
	int64_t p;

	/* 64-bit when the product fits: C division truncates toward zero. */
	if (!__builtin_mul_overflow(qty, px, &p))
		return p / XR_QTY_SCALE;
	return xr__i128_div_sat((xr_i128)qty * px, (uint32_t)XR_QTY_SCALE);
}

/**
 * Fee on @p notional (cash) at @p cbps centi-bps (negative for a rebate):
 * notional * cbps / 10^6, truncated toward zero, saturated. Thread: any.
 * Pure.
 */
static inline int64_t
xr_fee(int64_t notional, int64_t cbps)
{
	int64_t p;

	if (!__builtin_mul_overflow(notional, cbps, &p))
		return p / XR_CBPS_PER_ONE;
	return xr__i128_div_sat((xr_i128)notional * cbps, (uint32_t)XR_CBPS_PER_ONE);
}

/** Order side; values of FIX tag 54 Side. */
enum xr_side {
	XR_SIDE_BUY = 1,
	XR_SIDE_SELL = 2,
};

/** Order type; values of FIX tag 40 OrdType. */
enum xr_ord_type {
	XR_ORD_MARKET = 1,
	XR_ORD_LIMIT = 2,
};

/** Time in force; values of FIX tag 59 TimeInForce. */
enum xr_tif {
	XR_TIF_DAY = 0,
	XR_TIF_GTC = 1,
	XR_TIF_IOC = 3,
	XR_TIF_FOK = 4,
};

/** What the strategy meant by the signal (docs/routing.md section 6). */
enum xr_signal_type {
	XR_SIG_ENTRY = 0,
	XR_SIG_EXIT = 1,
	XR_SIG_PROFIT_TAKE = 2,
	XR_SIG_STOP_LOSS = 3,
};

/**
 * Routing strategy a signal asks for. XR_STRAT_DEFAULT defers to the user's
 * default, then the engine's.
 */
enum xr_strategy {
	XR_STRAT_DEFAULT = 0,
	/** Weighted venue score: fees, latency, success, load, pair success. */
	XR_STRAT_WEIGHTED_SCORE = 1,
	/** Price 0.4, liquidity 0.3, latency 0.2, reliability 0.1; splits when
	 * one venue cannot fill within max_slippage_bps. */
	XR_STRAT_BEST_EXECUTION,
	/** Fastest venue with a health score of at least min_health (0.5). */
	XR_STRAT_LOWEST_LATENCY,
	/** Deepest book within the slippage bound; always spreads across
	 * venues. */
	XR_STRAT_BEST_LIQUIDITY,
	/** Least fees + half spread + expected slippage. */
	XR_STRAT_COST_OPTIMIZATION,
	/** Sweep every venue's depth now. */
	XR_STRAT_AGGRESSIVE,
	/** Post at the near touch for the maker fee. */
	XR_STRAT_PASSIVE,
	/** Take the far touch only, no depth walk. */
	XR_STRAT_BALANCED,
	/** Small children, spread over venues and time. */
	XR_STRAT_STEALTH,
	XR_STRAT_COUNT
};

/**
 * Why the router decided as it did: the decision's reason code, on every
 * routed result (docs/routing.md lists them).
 */
enum xr_decision {
	XR_D_NONE = 0,		/* not routed */
	XR_D_BEST_SCORE,	/* highest weighted score, one venue */
	XR_D_SPLIT_DEPTH,	/* no venue alone fills within the slippage bound */
	XR_D_SPLIT_SPREAD,	/* the strategy spreads across venues */
	XR_D_TWAP,		/* notional above twap_notional: time slices */
	XR_D_REROUTE,		/* a child sent to its next untried venue */
	XR_D_NO_VENUE,		/* nothing eligible: rejected */
	XR_D_MAX_SLIPPAGE,	/* the slippage bound cannot be met: rejected */
	XR_D_RETRY,		/* a child sent again to the same venue (not live
				 * there), after a backoff */
	XR_D_PRIMARY,		/* a venue plan's primary venue */
	XR_D_FAILOVER,		/* a venue plan's failover venue (the primary, or
				 * the manually chosen one, was not eligible) */
	XR_D_COUNT
};

/** Execution method chosen by the router (docs/routing.md section 6). */
enum xr_method {
	XR_METHOD_LIMIT = 0,
	XR_METHOD_MARKET = 1,
	XR_METHOD_TWAP = 2,
};

/** Order status; values of FIX tag 39 OrdStatus (single characters). */
enum xr_ord_status {
	XR_OS_NEW = '0',
	XR_OS_PARTIALLY_FILLED = '1',
	XR_OS_FILLED = '2',
	XR_OS_CANCELED = '4',
	XR_OS_REJECTED = '8',
	XR_OS_EXPIRED = 'C',
};

/**
 * Terminal status of a signal in the results output. Every signal read ends
 * in exactly one of these.
 */
enum xr_final {
	XR_FINAL_NONE = 0,	  /* not terminal yet */
	XR_FINAL_FILLED,	  /* cum qty == order qty */
	XR_FINAL_PARTIALLY_FILLED, /* 0 < cum qty < order qty, nothing live */
	XR_FINAL_CANCELED,	  /* accepted, nothing filled (IOC/FOK/expired) */
	XR_FINAL_REJECTED,	  /* refused by xroute or by the venue */
	XR_FINAL_FAILED,	  /* venue or transport failure */
	XR_FINAL_UNKNOWN,	  /* the run ended with a child order in doubt:
				   * sent, and the venue never settled it (no
				   * terminal report, status unanswered); the
				   * fills known so far are in the result */
	XR_FINAL_OPEN,		  /* the run ended with a child order known live
				   * at the venue and left there, as the config
				   * asked ([engine] exit_orders = leave) */
	XR_FINAL_COUNT
};

/** Why a signal or child order ended as it did; carried on every result. */
enum xr_reason {
	XR_R_NONE = 0,
	XR_R_PARSE,		/* malformed signal row */
	XR_R_UNKNOWN_USER,
	XR_R_USER_DISABLED,
	XR_R_UNKNOWN_SYMBOL,
	XR_R_SYMBOL_NOT_ALLOWED,
	XR_R_UNKNOWN_STRATEGY,
	XR_R_RATE_LIMIT,	/* per-user token bucket empty */
	XR_R_MAX_QTY,
	XR_R_MAX_NOTIONAL,
	XR_R_MAX_POSITION,	/* worst-case exposure incl. orders in flight */
	XR_R_DUPLICATE_ID,	/* signal_id seen within the dedup window */
	XR_R_NO_REFERENCE_PX,	/* market order, no venue quotes the symbol */
	XR_R_NO_VENUE,		/* no permitted, healthy, liquid venue lists it */
	XR_R_MAX_SLIPPAGE,	/* no allocation fills within max_slippage_bps */
	XR_R_VENUE_REJECT,	/* venue refused the order */
	XR_R_VENUE_FAILURE,	/* venue or transport failed the order */
	XR_R_TIMEOUT,		/* the venue did not answer in time */
	XR_R_NO_LIQUIDITY,	/* IOC/FOK/market found nothing to fill */
	XR_R_EXPIRED,		/* DAY/GTC order expired at session end */
	XR_R_CIRCUIT_OPEN,	/* the venue's circuit breaker is open: not sent */
	XR_R_DISCONNECTED,	/* the venue's session is down: not sent */
	XR_R_OVERLOADED,	/* ingress refused: the pipeline is full */
	XR_R_UNSUPPORTED,	/* the venue does not take this order type or
				 * time in force (its config): not sent */
	XR_R_MSG_REJECT,	/* the venue refused the message itself: FIX
				 * Reject (35=3) or BusinessMessageReject (35=j) */
	XR_R_IN_DOUBT,		/* the run ended before the venue settled a
				 * child order (final unknown) */
	XR_R_LEFT_OPEN,		/* a child order was left live at the venue at
				 * exit (final open) */
	XR_R_STOPPED,		/* not sent: the run was stopping (SIGTERM,
				 * SIGINT, or the end-of-run cancel) */
	XR_R_NOT_AUTHORIZED,	/* the client or FIX session may not trade
				 * for the signal's user ([client NAME] users) */
	XR_R_COUNT
};

/** Per-stage timestamps, each the CLOCK_MONOTONIC ns when it was taken. */
enum xr_stamp {
	XR_T_INGRESS = 0, /* signal entered xroute (ingress enqueued it) */
	XR_T_VALIDATE,	  /* validate dequeued it */
	XR_T_ROUTE,	  /* route dequeued it */
	XR_T_EXECUTE,	  /* execute dequeued the child order */
	XR_T_REPORT,	  /* execute received the terminal execution report */
	XR_T_AGGREGATE,	  /* aggregate dequeued the report */
	XR_T_COUNT
};

/** What an xr_msg is on its way through the pipeline. */
enum xr_msg_kind {
	XR_MSG_SIGNAL = 1, /* ingress -> validate -> route */
	XR_MSG_CHILD,	   /* route -> execute; aggregate -> route (feedback) */
	XR_MSG_REPORT,	   /* execute -> aggregate: a child's execution report */
	XR_MSG_REJECT,	   /* validate/route -> aggregate: terminal rejection */
	XR_MSG_MD,	   /* execute -> aggregate: top of book from a venue */
	XR_MSG_RESULT,	   /* aggregate -> output: a signal's terminal result */
	XR_MSG_VENUE_STATUS, /* execute -> aggregate: connector up/down */
	XR_MSG_VENUE_EVENT,  /* execute -> aggregate: circuit breaker
			      * transition or alert (struct xr_venue_event) */
	XR_MSG_CONTROL,	     /* control thread -> route -> execute[v] and
			      * route -> aggregate: an operator command
			      * (enum xr_control_op, fields below) */
	XR_MSG_ALERT,	     /* aggregate -> output: a venue alert raised or
			      * cleared (enum xr_alert, fields below) */
	XR_MSG_FILL,	     /* aggregate -> output (io.fill_events only): one
			      * execution of a child, for the signal's
			      * source: signal_id, user, symbol, side, venue;
			      * cum_qty = LastQty (qty), cum_notional =
			      * LastQty * LastPx (cash), fees = its fees;
			      * cum_qty 0: the parent's first child was
			      * acknowledged by its venue (the order is
			      * live), sent once per parent before its
			      * first fill */
};

/**
 * Operator commands (xr_engine_control(), docs/failover.md "Control").
 * As an XR_MSG_CONTROL message: reason = the op, venue = the venue
 * (XR_VENUE_NONE: automatic again), side = the scope (enum
 * xr_control_scope), user = the user or symbol index of the scope,
 * send_at_ns = when the command was given (CLOCK_MONOTONIC ns).
 */
enum xr_control_op {
	XR_CTL_DISABLE = 1,  /* venue: route nothing there; its circuit is
			      * forced open (cause manual) */
	XR_CTL_ENABLE,	     /* venue: route there again; circuit closed */
	XR_CTL_FAILOVER,     /* venue plans in scope: use this venue first
			      * (XR_VENUE_NONE: back to the plan's order) */
	XR_CTL_CANCEL_SIGNAL, /* ingress -> validate -> route -> execute[v]:
			      * cancel what is left of the parent of
			      * signal_id (held slices and live children);
			      * the parent then ends as usual (canceled if
			      * nothing filled). Unknown or ended: ignored
			      * (counted), the source answers it. */
};

/** Which venue plans a failover command changes. */
enum xr_control_scope {
	XR_SCOPE_ALL = 0,    /* every plan, users' and symbols' */
	XR_SCOPE_USER,	     /* the plan of user `user` */
	XR_SCOPE_SYMBOL,     /* the plan of symbol `user` (a symbol index) */
};

/**
 * Venue alerts (docs/failover.md "Alerts"). As an XR_MSG_ALERT message:
 * reason = the alert, venue, ord_status = 1 raised / 0 cleared,
 * send_at_ns = when, qty = the measured value, limit_px = the threshold
 * (units per alert below).
 */
enum xr_alert {
	XR_ALERT_HIGH_LATENCY = 0, /* median of the last 100 venue round trips
				    * (ns) above latency_threshold_us */
	XR_ALERT_LOW_SUCCESS,	   /* error rate over the last 100 (ppm) above
				    * error_rate_threshold */
	XR_ALERT_UNHEALTHY,	   /* circuit not closed or session down (circuit) */
	XR_ALERT_RATE_LIMIT_NEAR,  /* venue token bucket headroom (ppm) below
				    * 10% */
	XR_ALERT_FILL_OUTSIDE_LIMIT, /* the venue filled a child at a price
				      * worse than its limit, or than the
				      * fill collar for a market child; a
				      * one-shot event (qty = the venue's
				      * count so far, limit_px = the fill's
				      * average price, px scale) */
	XR_ALERT_COUNT
};

/**
 * The message every ring carries, copied by value (320 bytes, 5 lines).
 * Each stage fills its part; nothing points outside the message.
 *
 * For XR_MSG_REPORT, cum_qty, cum_notional and fees hold this report's
 * increment (FIX LastQty, LastQty*LastPx, commission); for XR_MSG_RESULT
 * they hold the parent's totals. For XR_MSG_MD (one book level) the order
 * fields are reused: symbol, venue, side (BUY = bid side, SELL = ask side),
 * child_idx = level (0 = touch), n_children = levels the side now has
 * (0..XR_BOOK_LEVELS; the level is ignored when it is not below it),
 * limit_px = level price, qty = level quantity. For XR_MSG_VENUE_STATUS,
 * venue and ord_status = 1 (connected) or 0.
 *
 * The decision fields (exp_px .. decision) are set by route on every child
 * of a parent and reach the parent's result unchanged.
 */
struct xr_msg {
	uint64_t signal_id;	/* strategy's id, unique per run */
	uint64_t order_id;	/* parent order id, assigned by validate (1..) */
	uint64_t cl_ord_id;	/* child ClOrdID, assigned by route (1..); on a
				 * signal from a serve source until then: the
				 * source's own signal_id (the journal's client_id) */
	int64_t ts_ns;		/* signal's own timestamp (strategy clock, ns) */
	int64_t order_qty;	/* parent quantity (qty scale) */
	int64_t qty;		/* this child's quantity (qty scale) */
	int64_t limit_px;	/* limit price (px scale); 0 for market */
	int64_t est_fees;	/* router's fee estimate for the child (cash) */
	int64_t cum_qty;	/* filled quantity of this child (qty scale) */
	int64_t cum_notional;	/* sum of fill px*qty (cash) */
	int64_t fees;		/* fees charged (cash; negative = rebate) */
	uint64_t send_at_ns;	/* earliest send time (TWAP slices); 0 = now */
	uint64_t venue_mask;	/* venues this parent touched (results) */
	uint64_t t[XR_T_COUNT]; /* stage timestamps, enum xr_stamp */
	uint32_t user;		/* user index in the config */
	uint32_t line;		/* source line (file replay), 0 if none */
	int32_t max_slippage_bps; /* from the signal; 0 = no limit given */
	uint16_t symbol;	/* symbol index in the config */
	uint16_t reason;	/* enum xr_reason */
	uint8_t kind;		/* enum xr_msg_kind */
	uint8_t side;		/* enum xr_side */
	uint8_t ord_type;	/* enum xr_ord_type */
	uint8_t tif;		/* enum xr_tif */
	uint8_t signal_type;	/* enum xr_signal_type */
	uint8_t strategy;	/* enum xr_strategy */
	uint8_t method;		/* enum xr_method */
	uint8_t priority;	/* 1 (stop_loss) .. 4 */
	uint8_t venue;		/* venue id of this child, XR_VENUE_NONE if none */
	uint8_t ord_status;	/* enum xr_ord_status of the last report */
	uint8_t final;		/* enum xr_final (results) */
	uint8_t n_children;	/* children the parent was split into, 1.. */
	uint8_t child_idx;	/* 0..n_children-1 */
	uint8_t n_alts;		/* valid entries in alts */
	uint8_t attempts;	/* routing attempts of this child, 1.. */
	uint8_t decision;	/* enum xr_decision */
	uint8_t alts[XR_MAX_ALTS]; /* ranked alternative venue ids, best first */
	/* Decision (route), on every child and the result: */
	int64_t exp_px;		/* expected average fill price of the parent (px) */
	int64_t arrival_px;	/* best far touch over eligible venues (px): the
				 * reference of slippage; 0 if none */
	int32_t exp_slip_cbps;	/* expected slippage vs arrival_px, centi-bps */
	uint32_t confidence_ppm; /* 0..10^6, docs/routing.md "Confidence" */
	uint16_t score;		/* chosen venue's score, 0.01 points (0..10000) */
	uint16_t alt_score[XR_MAX_ALTS]; /* alternatives' scores, same unit */
	uint8_t n_venues;	/* venues of the parent's allocation, 1.. */
	uint8_t alloc_venue[XR_MAX_ALLOC]; /* the allocation: venue ids, */
	int64_t alloc_qty[XR_MAX_ALLOC];   /* and quantity sent to each (qty) */
	/* Attempts of this child (child messages) or of every child of the
	 * parent (result) that ended without executing and were sent again:
	 * the low byte counts the entries, 0..XR_ATTEMPT_LOG_MAX; entry i is
	 * byte i + 1, venue id (bits 0-5) | enum xr_attempt_outcome << 6
	 * (xr_attempt_log_push()). */
	uint64_t attempt_log;
};

/** Entries an attempt log holds (struct xr_msg.attempt_log). */
#define XR_ATTEMPT_LOG_MAX 7

/** How an attempt that was sent again ended (2 bits of a log entry). */
enum xr_attempt_outcome {
	XR_ATT_REJECTED = 0, /* the venue refused it */
	XR_ATT_FAILED = 1,   /* failed, not live (venue failure, disconnected) */
	XR_ATT_TIMEOUT = 2,  /* no answer in time; the venue then said unknown */
	XR_ATT_CIRCUIT = 3,  /* the venue's circuit was open (bounced, or the
			      * failure that opened it) */
};

/**
 * Append one entry to attempt log @p log. A full log keeps its first
 * XR_ATTEMPT_LOG_MAX entries (xr_msg.attempts still counts every attempt).
 * @param venue    venue id, < 64.
 * @param outcome  enum xr_attempt_outcome.
 * @return the new log. Thread: any. Pure.
 */
static inline uint64_t
xr_attempt_log_push(uint64_t log, unsigned venue, unsigned outcome)
{
	unsigned n = (unsigned)(log & 0xff);

	if (n >= XR_ATTEMPT_LOG_MAX)
		return log;
	log |= (uint64_t)((venue & 63u) | (outcome & 3u) << 6) << (8 * (n + 1));
	return (log & ~UINT64_C(0xff)) | (n + 1);
}

/** Entries in attempt log @p log. Thread: any. Pure. */
static inline unsigned
xr_attempt_log_len(uint64_t log)
{
	return (unsigned)(log & 0xff);
}

/** Entry @p i (< xr_attempt_log_len()) of @p log: *venue, *outcome. */
static inline void
xr_attempt_log_get(uint64_t log, unsigned i, unsigned *venue, unsigned *outcome)
{
	unsigned e = (unsigned)(log >> (8 * (i + 1))) & 0xff;

	*venue = e & 63u;
	*outcome = e >> 6;
}

static_assert(sizeof(struct xr_msg) % 64 == 0, "xr_msg must fill whole cache lines");
static_assert(sizeof(struct xr_msg) == 320, "xr_msg layout changed: update docs/architecture.md");

/** @return the name used in files for @p r ("max_position"). Thread: any. */
const char *xr_reason_name(enum xr_reason r);
/** @return "filled", "partially_filled", ...; "none" for XR_FINAL_NONE. */
const char *xr_final_name(enum xr_final f);
/** @return "buy" or "sell". */
const char *xr_side_name(enum xr_side s);
/** @return "new", "partially_filled", "filled", "canceled", "rejected",
 * "expired" (FIX tag 39 values '0' '1' '2' '4' '8' 'C'); "invalid" for any
 * other byte. The journal's reports.ord_status. Thread: any. */
const char *xr_ord_status_name(enum xr_ord_status s);
/** @return "market" or "limit". */
const char *xr_ord_type_name(enum xr_ord_type t);
/** @return "day", "gtc", "ioc", "fok". */
const char *xr_tif_name(enum xr_tif t);
/** @return "entry", "exit", "profit_take", "stop_loss". */
const char *xr_signal_type_name(enum xr_signal_type t);
/** @return "default", "weighted_score", "best_execution", ... */
const char *xr_strategy_name(enum xr_strategy s);
/**
 * @return the strategy named @p name (n bytes, no NUL needed), or -1.
 * "default" gives XR_STRAT_DEFAULT. Thread: any. Pure.
 */
int xr_strategy_parse(const char *name, size_t n);
/** @return "best_score", "split_depth", ...; "none" for XR_D_NONE. */
const char *xr_decision_name(enum xr_decision d);
/** @return "high_latency", "low_success", "unhealthy", "rate_limit_near";
 * "invalid" out of range. Thread: any. */
const char *xr_alert_name(enum xr_alert a);
/** @return "limit", "market", "twap". */
const char *xr_method_name(enum xr_method m);

/**
 * Parse a decimal string into fixed point with @p decimals places
 * ("50000.25", 8 -> 5000025000000). Accepts an optional sign, digits and at
 * most @p decimals fractional digits; no exponent, no spaces.
 *
 * @param s         text; need not be NUL-terminated.
 * @param len       bytes of s to read, all of them: a NUL byte among
 *                  them is not a number (-EINVAL), never the end of it.
 * @param decimals  0..18.
 * @param out       result.
 * @return 0, or -EINVAL (not a number, too many decimals) or -ERANGE.
 * Thread: any. No allocation.
 */
int xr_fixed_parse(const char *s, size_t len, int decimals, int64_t *out);

/**
 * Format fixed point @p v with @p decimals places into @p buf, trimming
 * trailing fractional zeros ("5000025000000", 8 -> "50000.25"). Digits
 * are written two at a time from a table of pairs; on the output stage's
 * hot path (one results row formats about fifteen of these).
 *
 * @return characters written (excluding NUL); buf needs 24 bytes.
 * Thread: any. No allocation.
 */
int xr_fixed_format(char *buf, int64_t v, int decimals);

/**
 * Format @p v in decimal into @p buf (no NUL).
 *
 * @return characters written, 1..20; buf needs 20 bytes.
 * Thread: any. No allocation, no locale.
 */
int xr_u64_format(char *buf, uint64_t v);

/**
 * xr_u64_format() for a buffer with room to spare: the same digits and
 * return value, but it may write up to 16 bytes for up to 16 digits
 * (bytes past the digits are left undefined), so that it needs no loop
 * over the digits. For an appender that writes on after the number.
 *
 * @return characters of the number, 1..20; buf needs 20 bytes.
 * Thread: any. No allocation, no locale.
 */
int xr_u64_format_wide(char *buf, uint64_t v);

#endif /* XR_TYPES_H */
