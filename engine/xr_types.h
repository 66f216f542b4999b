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
/** Venue id meaning "none". */
#define XR_VENUE_NONE 0xff

__extension__ typedef __int128 xr_i128;

/**
 * Notional of @p qty at @p px: qty * px / XR_QTY_SCALE in cash units,
 * truncated toward zero, saturated to INT64_MAX/INT64_MIN on overflow.
 * Thread: any. Pure.
 */
static inline int64_t
xr_notional(int64_t qty, int64_t px)
{
	xr_i128 n = (xr_i128)qty * px / XR_QTY_SCALE;
	if (n > INT64_MAX)
		return INT64_MAX;
	if (n < INT64_MIN)
		return INT64_MIN;
	return (int64_t)n;
}

/**
 * Fee on @p notional (cash) at @p cbps centi-bps (negative for a rebate):
 * notional * cbps / 10^6, truncated toward zero. Thread: any. Pure.
 */
static inline int64_t
xr_fee(int64_t notional, int64_t cbps)
{
	return (int64_t)((xr_i128)notional * cbps / XR_CBPS_PER_ONE);
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

/** What the strategy meant by the signal (execution-routing-model.md). */
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
	/** Weighted venue score of execution-routing-model.md _score_broker. */
	XR_STRAT_WEIGHTED_SCORE = 1,
	XR_STRAT_COUNT
};

/** Execution method chosen by the router (execution-routing-model.md). */
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
	XR_R_VENUE_REJECT,	/* venue refused the order */
	XR_R_VENUE_FAILURE,	/* venue or transport failed the order */
	XR_R_NO_LIQUIDITY,	/* IOC/FOK/market found nothing to fill */
	XR_R_EXPIRED,		/* DAY/GTC order expired at session end */
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
};

/**
 * The message every ring carries, copied by value (192 bytes, 3 lines).
 * Each stage fills its part; nothing points outside the message.
 *
 * For XR_MSG_REPORT, cum_qty, cum_notional and fees hold this report's
 * increment (FIX LastQty, LastQty*LastPx, commission); for XR_MSG_RESULT
 * they hold the parent's totals. For XR_MSG_MD the order fields are
 * reused: symbol, venue, limit_px = best bid, est_fees = best ask, qty = bid
 * depth, order_qty = ask depth (qty scale, whole book side). For
 * XR_MSG_VENUE_STATUS, venue and ord_status = 1 (connected) or 0.
 */
struct xr_msg {
	uint64_t signal_id;	/* strategy's id, unique per run */
	uint64_t order_id;	/* parent order id, assigned by validate (1..) */
	uint64_t cl_ord_id;	/* child ClOrdID, assigned by route (1..) */
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
	uint8_t pad_[1];
	uint8_t alts[XR_MAX_ALTS]; /* ranked alternative venue ids, best first */
};

static_assert(sizeof(struct xr_msg) % 64 == 0, "xr_msg must fill whole cache lines");
static_assert(sizeof(struct xr_msg) == 192, "xr_msg layout changed: update docs/messages.md");

/** @return the name used in files for @p r ("max_position"). Thread: any. */
const char *xr_reason_name(enum xr_reason r);
/** @return "filled", "partially_filled", ...; "none" for XR_FINAL_NONE. */
const char *xr_final_name(enum xr_final f);
/** @return "buy" or "sell". */
const char *xr_side_name(enum xr_side s);
/** @return "market" or "limit". */
const char *xr_ord_type_name(enum xr_ord_type t);
/** @return "day", "gtc", "ioc", "fok". */
const char *xr_tif_name(enum xr_tif t);
/** @return "entry", "exit", "profit_take", "stop_loss". */
const char *xr_signal_type_name(enum xr_signal_type t);
/** @return "default", "weighted_score". */
const char *xr_strategy_name(enum xr_strategy s);
/** @return "limit", "market", "twap". */
const char *xr_method_name(enum xr_method m);

/**
 * Parse a decimal string into fixed point with @p decimals places
 * ("50000.25", 8 -> 5000025000000). Accepts an optional sign, digits and at
 * most @p decimals fractional digits; no exponent, no spaces.
 *
 * @param s         NUL-terminated text.
 * @param len       bytes of s to read; parsing also stops at a NUL.
 * @param decimals  0..18.
 * @param out       result.
 * @return 0, or -EINVAL (not a number, too many decimals) or -ERANGE.
 * Thread: any. No allocation.
 */
int xr_fixed_parse(const char *s, size_t len, int decimals, int64_t *out);

/**
 * Format fixed point @p v with @p decimals places into @p buf, trimming
 * trailing fractional zeros ("5000025000000", 8 -> "50000.25").
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
static inline int
xr_u64_format(char *buf, uint64_t v)
{
	char tmp[20];
	int n = 0, len = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		buf[len++] = tmp[--n];
	return len;
}

#endif /* XR_TYPES_H */
