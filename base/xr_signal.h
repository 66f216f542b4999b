/*
 * xr_signal: the signal file format — CSV with a header line, one signal
 * per row — and its parser. docs/signals.md is the user-facing reference.
 *
 * FORMAT
 *   The header names the twelve columns, in any order, each exactly once
 *   (XR_SIGNAL_HEADER is the canonical order). Unknown, duplicate or
 *   missing columns are errors, so a typo in a column name is caught.
 *   Fields are separated by ','; quoting is not supported (a '"' anywhere
 *   is an error). Lines may end in "\n", "\r\n" or nothing. Blank lines
 *   and lines starting with '#' are comments: the caller skips them with
 *   xr_signal_line_is_blank_or_comment() before parsing.
 *
 * GUARANTEES
 *   xr_signal_parse() runs on the ingress thread for every signal: one
 *   pass over the line, no allocation, no floating point, no locale, no
 *   sscanf/strtod. Decimals become fixed point exactly (xr_fixed_parse(),
 *   8 decimal places). A malformed row still yields a message (kind
 *   XR_MSG_SIGNAL, reason XR_R_PARSE, line and whatever of signal_id,
 *   ts_ns, user and symbol parsed) so it ends as a rejected result with
 *   reason parse_error, never as a silent drop. Unknown users, symbols and
 *   strategies are not parse errors: they are marked (UINT32_MAX,
 *   UINT16_MAX, 0xff) for the validate stage to reject with a reason.
 */
#ifndef XR_SIGNAL_H
#define XR_SIGNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xr_types.h"

struct xr_names;

/** Columns of a signal file; also the parse order of a row's fields. */
enum xr_signal_col {
	XR_SCOL_TS_NS = 0,	   /* strategy timestamp, ns, 0..INT64_MAX */
	XR_SCOL_SIGNAL_ID,	   /* 1..UINT64_MAX, unique per run */
	XR_SCOL_USER,		   /* user name */
	XR_SCOL_SYMBOL,		   /* symbol name */
	XR_SCOL_SIDE,		   /* buy|sell|b|s */
	XR_SCOL_QTY,		   /* decimal > 0, <= 8 decimals */
	XR_SCOL_ORDER_TYPE,	   /* market|limit */
	XR_SCOL_LIMIT_PX,	   /* decimal; > 0 for limit, empty/0 for market */
	XR_SCOL_TIF,		   /* day|gtc|ioc|fok|empty */
	XR_SCOL_SIGNAL_TYPE,	   /* entry|exit|profit_take|stop_loss */
	XR_SCOL_STRATEGY,	   /* empty|default|weighted_score */
	XR_SCOL_MAX_SLIPPAGE_BPS, /* integer 0..10000, empty = 0 */
	XR_SCOL_COUNT
};

/** The header line in canonical column order (no line terminator). */
#define XR_SIGNAL_HEADER                                                      \
	"ts_ns,signal_id,user,symbol,side,qty,order_type,limit_px,tif,"       \
	"signal_type,strategy,max_slippage_bps"

/** Value of xr_msg.user for a user name the config does not know. */
#define XR_SIGNAL_UNKNOWN_USER UINT32_MAX
/** Value of xr_msg.symbol for a symbol name the config does not know. */
#define XR_SIGNAL_UNKNOWN_SYMBOL UINT16_MAX
/** Value of xr_msg.strategy for a strategy word xroute does not know. */
#define XR_SIGNAL_UNKNOWN_STRATEGY 0xff

/** Where each column sits in a file's rows; filled from the header. */
struct xr_signal_layout {
	uint8_t col[XR_SCOL_COUNT]; /* col[i]: enum xr_signal_col of field i */
	uint8_t pos[XR_SCOL_COUNT]; /* pos[c]: field index of column c */
};

/** @return the header name of column @p c ("max_slippage_bps"). Thread: any. */
const char *xr_signal_col_name(enum xr_signal_col c);

/**
 * Parse the header line.
 *
 * @param line     header bytes; need not be NUL-terminated. A trailing
 *                 "\n" or "\r\n" and a leading UTF-8 BOM are ignored.
 * @param len      bytes of line.
 * @param lay      receives the column positions.
 * @param err      receives a message on failure, e.g.
 *                 `header: unknown column "qtty"`; err_len bytes
 *                 (truncated, always NUL-terminated if err_len > 0).
 * @return 0, or -EINVAL: a NUL byte, a quote, an empty column name, an unknown column,
 *         a duplicate column, or missing columns (all of them named).
 * Thread: any. No allocation.
 */
int xr_signal_header_parse(const char *line, size_t len, struct xr_signal_layout *lay,
			   char *err, size_t err_len);

/**
 * Parse one data row into a signal message.
 *
 * On success @p out is zeroed, then: kind = XR_MSG_SIGNAL, signal_id,
 * ts_ns, user (XR_SIGNAL_UNKNOWN_USER if unknown), symbol
 * (XR_SIGNAL_UNKNOWN_SYMBOL if unknown), side, ord_type, limit_px (px
 * scale, 0 for market), qty = order_qty (qty scale), tif (empty: IOC for
 * market, DAY for limit), signal_type, strategy (empty and "default":
 * XR_STRAT_DEFAULT; unknown: XR_SIGNAL_UNKNOWN_STRATEGY),
 * max_slippage_bps (empty: 0), line = @p lineno, venue = XR_VENUE_NONE,
 * reason = XR_R_NONE.
 *
 * On failure @p out is still a usable rejected signal carrying only its
 * identity: kind XR_MSG_SIGNAL, reason XR_R_PARSE, line = @p lineno,
 * venue XR_VENUE_NONE, and signal_id, ts_ns, user and symbol filled if
 * their own fields are valid (signal_id 0, ts_ns 0, user/symbol "unknown"
 * otherwise). Every other field is 0, whatever of it was converted before
 * the failure: side 0, qty = order_qty = 0, limit_px 0, so a rejected row
 * brings no quantity, price or side into the books.
 *
 * @param lay     layout from xr_signal_header_parse().
 * @param names   user and symbol tables; NULL makes every name unknown.
 * @param line    row bytes; need not be NUL-terminated; a trailing "\n" or
 *                "\r\n" is ignored. Must not be a comment or blank line.
 * @param len     bytes of line.
 * @param lineno  1-based line number in the file, for out->line and err.
 * @param out     receives the message.
 * @param err     receives a message on failure naming the column and
 *                quoting the value: `qty: "abc" is not a decimal number`
 *                (no line number: the caller prefixes FILE:LINE, as for
 *                the header); bytes outside printable ASCII are written
 *                \xHH, values over 48 bytes are cut and end in "...";
 *                err_len bytes (truncated, NUL-terminated if err_len > 0).
 *                Untouched on success.
 * @return 0, or -EINVAL: wrong field count, a NUL byte or '"' anywhere in
 *         the row, or a field breaking its rule (docs/signals.md lists
 *         every message).
 * Thread: any; the ingress thread in the engine.
 * Progress: wait-free; no allocation, no syscalls on success.
 */
int xr_signal_parse(const struct xr_signal_layout *lay, const struct xr_names *names,
		    const char *line, size_t len, uint32_t lineno, struct xr_msg *out,
		    char *err, size_t err_len);

/**
 * @return true if @p line is empty, only blanks (' ', '\t', '\r', '\n'),
 *         or its first non-blank byte is '#'. Such lines carry no signal
 *         and are skipped (they still count for line numbers).
 * Thread: any. Pure.
 */
bool xr_signal_line_is_blank_or_comment(const char *line, size_t len);

#endif /* XR_SIGNAL_H */
