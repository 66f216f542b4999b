/*
 * xr_fix_entry: FIX order entry for the acceptor side (`xroute serve`):
 * decoding of the orders a strategy sends (NewOrderSingle 35=D,
 * OrderCancelRequest 35=F) into plain structs, and encoding of the
 * ExecutionReports (35=8) we send back. FIX 4.2 and 4.4.
 *
 * ERRORS (which answer, by the FIX 4.4 specification)
 *   A decode failure fills struct xr_fix_entry_err with the answer the
 *   owner must send (xr_fix_entry_answer() sends it):
 *   - SESSION Reject (35=3), Vol. 2 "Reject": the message breaks a rule
 *     of the message layer: a required tag missing (373=1), a value of
 *     the wrong format (373=6: OrderQty "abc", Side "12"), a value
 *     outside the tag's FIX enumeration or range (373=5: Side 'Z',
 *     OrderQty 0). RefTagID (371) names the tag.
 *   - BUSINESS MessageReject (35=j), Vol. 1 "BusinessMessageReject": the
 *     message is well formed but the application cannot take it: a
 *     conditionally required field missing (380=5: Price of a limit
 *     order). The tag is named in Text (35=j has no RefTagID).
 *   - ORDER reject, an ExecutionReport 39=8 / 150=8 (Vol. 4 "Order State
 *     Changes": an order the application refuses is rejected with an
 *     ExecutionReport, not a session message): a valid FIX value xroute
 *     does not support (OrdType Stop, TimeInForce GTD). OrdRejReason 11
 *     "Unsupported order characteristic" (FIX 4.4; 0 "Broker option" in
 *     FIX 4.2, which lacks 11).
 *   Every error's text names the tag: "OrderQty (38): missing".
 *
 * UNITS
 *   Quantities are fixed point with XR_QTY_SCALE, prices with XR_PX_SCALE
 *   (base/xr_types.h), parsed and written by xr_fixed_parse/_format().
 *
 * GUARANTEES
 *   No allocation, no syscalls; strings are copied NUL-ended into the
 *   structs (bounded, a longer value is an error).
 */
#ifndef XR_FIX_ENTRY_H
#define XR_FIX_ENTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "xr_fix.h"
#include "xr_fix_session.h"

/** Longest ClOrdID, OrigClOrdID, OrderID, ExecID accepted (bytes). */
#define XR_FIX_ID_MAX 63
/** Longest Symbol accepted (bytes). */
#define XR_FIX_SYMBOL_MAX 31

/** A decoded NewOrderSingle (35=D). Side, OrdType, TimeInForce keep their
 * FIX characters. */
struct xr_fix_nos {
	char clordid[XR_FIX_ID_MAX + 1]; /* ClOrdID (11) */
	char symbol[XR_FIX_SYMBOL_MAX + 1]; /* Symbol (55) */
	char side;	/* Side (54): '1' Buy, '2' Sell */
	char ord_type;	/* OrdType (40): '1' Market, '2' Limit */
	char tif;	/* TimeInForce (59): '0' Day (absent), '1' GTC,
			 * '3' IOC, '4' FOK */
	int64_t qty;	/* OrderQty (38), XR_QTY_SCALE, > 0 */
	int64_t px;	/* Price (44), XR_PX_SCALE, > 0; 0 for Market */
};

/** A decoded OrderCancelRequest (35=F). */
struct xr_fix_cancel {
	char orig_clordid[XR_FIX_ID_MAX + 1]; /* OrigClOrdID (41) */
	char clordid[XR_FIX_ID_MAX + 1];      /* ClOrdID (11) of the cancel */
};

/** Which answer a decode error needs (header comment, "ERRORS"). */
enum xr_fix_entry_answer {
	XR_FIX_ANS_SESSION_REJECT = 1, /* 35=3, reason = SessionRejectReason */
	XR_FIX_ANS_BUSINESS_REJECT,    /* 35=j, reason = BusinessRejectReason */
	XR_FIX_ANS_ORDER_REJECT,       /* 35=8 39=8, reason = OrdRejReason */
};

/** Why a message could not be decoded. */
struct xr_fix_entry_err {
	uint8_t answer;	 /* enum xr_fix_entry_answer */
	uint32_t tag;	 /* the tag at fault */
	uint32_t reason; /* 373, 380 or 103 value, by answer */
	char text[96];	 /* "OrderQty (38): missing", NUL-ended */
};

/**
 * Decode a NewOrderSingle.
 * @param m  a parsed message with MsgType "D".
 * @param o  filled on success.
 * @param e  filled on failure (the first fault in tag order 11, 55, 54,
 *           38, 40, 44, 59).
 * @return 0, or -EINVAL (e says which answer).
 * Thread: any. Pure.
 */
int xr_fix_entry_decode_nos(const struct xr_fix_msg *m, struct xr_fix_nos *o,
			    struct xr_fix_entry_err *e);

/**
 * Decode an OrderCancelRequest (MsgType "F"): OrigClOrdID and ClOrdID,
 * both required (373=1 when missing).
 * @return 0, or -EINVAL (e filled). Thread: any. Pure.
 */
int xr_fix_entry_decode_cancel(const struct xr_fix_msg *m, struct xr_fix_cancel *c,
			       struct xr_fix_entry_err *e);

/** What an ExecutionReport reports (its ExecType / OrdStatus). */
enum xr_fix_er_kind {
	XR_FIX_ER_NEW = 0,  /* 150=0 39=0 */
	XR_FIX_ER_PARTIAL,  /* 150=F (4.4) or 1 (4.2), 39=1 */
	XR_FIX_ER_FILLED,   /* 150=F (4.4) or 2 (4.2), 39=2 */
	XR_FIX_ER_CANCELED, /* 150=4 39=4 */
	XR_FIX_ER_REJECTED, /* 150=8 39=8, OrdRejReason, Text */
};

/** An ExecutionReport to send. Strings NUL-ended; NULL or "" = absent
 * (OrderID and ExecID are required: "NONE" is sent for a rejected order
 * without one, as FIX 4.4 Vol. 4 suggests). */
struct xr_fix_er {
	uint8_t kind;		  /* enum xr_fix_er_kind */
	char side;		  /* Side (54) */
	const char *order_id;	  /* OrderID (37) */
	const char *exec_id;	  /* ExecID (17) */
	const char *clordid;	  /* ClOrdID (11) */
	const char *orig_clordid; /* OrigClOrdID (41), CANCELED only */
	const char *symbol;	  /* Symbol (55) */
	int64_t order_qty;	  /* OrderQty (38), XR_QTY_SCALE */
	int64_t last_qty;	  /* LastQty (32), fills only */
	int64_t last_px;	  /* LastPx (31), XR_PX_SCALE, fills only */
	int64_t cum_qty;	  /* CumQty (14) */
	int64_t leaves_qty;	  /* LeavesQty (151) */
	int64_t avg_px;		  /* AvgPx (6), XR_PX_SCALE */
	uint32_t ord_rej_reason;  /* OrdRejReason (103), REJECTED only */
	const char *text;	  /* Text (58) */
};

/**
 * Append the body of @p er to @p w, a writer begun for MsgType "8" (by
 * xr_fix_session_begin() or xr_fix_begin()), in the writer's version
 * (FIX 4.2 adds ExecTransType 20=0 and uses ExecType 1/2 for fills).
 * @return 0, or -EINVAL (kind unknown); an overflow shows at finish.
 * Thread: any.
 */
int xr_fix_entry_put_er(struct xr_fix_writer *w, const struct xr_fix_er *er);

/**
 * Send @p er on session @p s (begin, put, send).
 * @return 0; -ENOTCONN, -ENOBUFS (xr_fix_session_begin/_send); -EINVAL.
 * Thread: the session's owner.
 */
int xr_fix_entry_send_er(struct xr_fix_session *s, const struct xr_fix_er *er, uint64_t now_ns);

/**
 * Send the answer @p e needs to message @p m (MsgSeqNum @p seq):
 * session Reject or BusinessMessageReject; for ORDER_REJECT an
 * ExecutionReport 39=8 with ClOrdID, Side, Symbol and OrderQty taken from
 * @p m as far as present, OrdRejReason and Text.
 * Thread: the session's owner.
 */
void xr_fix_entry_answer(struct xr_fix_session *s, const struct xr_fix_msg *m, uint64_t seq,
			 const struct xr_fix_entry_err *e, uint64_t now_ns);

#endif /* XR_FIX_ENTRY_H */
