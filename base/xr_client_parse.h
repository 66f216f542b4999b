/*
 * xr_client_parse: the router's checks of what a shared-memory client wrote
 * (base/xr_client_proto.h): a signal record, field by field, into the
 * pipeline's struct xr_msg, as xr_signal_parse() does for a CSV row.
 *
 * GUARANTEES
 *   The record is a private copy (dequeued from the client's ring through
 *   the router's view), so a client rewriting its ring meanwhile changes
 *   nothing here. No allocation, no floating point, no syscalls.
 */
#ifndef XR_CLIENT_PARSE_H
#define XR_CLIENT_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "xr_client_proto.h"
#include "xr_types.h"

struct xr_names;

/**
 * Check one client signal record and convert it to a signal message.
 *
 * On success @p out is zeroed, then: kind XR_MSG_SIGNAL, signal_id, ts_ns,
 * user and symbol looked up in @p names (XR_SIGNAL_UNKNOWN_USER /
 * XR_SIGNAL_UNKNOWN_SYMBOL if unknown: validate rejects those with a
 * reason), side, ord_type, tif (0xff: IOC for market, DAY for limit),
 * signal_type, strategy, max_slippage_bps, limit_px, qty = order_qty,
 * venue XR_VENUE_NONE. A cancel (kind XR_CSIG_CANCEL) fills signal_id,
 * user, symbol only and sets out->kind = XR_MSG_CONTROL, reason 0.
 *
 * On failure @p out carries only the identity: kind XR_MSG_SIGNAL, reason
 * XR_R_PARSE, signal_id if non-zero, venue XR_VENUE_NONE, everything else 0
 * (for -ERANGE also user and symbol, looked up).
 *
 * @param rec           the record (a private copy).
 * @param session_user  NULL: any user name (the caller authorizes it), or
 *                      a name the record's user must be exactly.
 * @param names         user and symbol tables; NULL makes every name unknown.
 * @param out           receives the message.
 * @param err           receives e.g. `side: 7 is not 1 (buy) or 2 (sell)`;
 *                      err_len bytes, NUL-terminated if err_len > 0.
 * @return 0; -ERANGE: a well-formed record with a value out of its range
 *         (side, qty, ord_type, limit_px, tif, signal_type, strategy,
 *         max_slippage_bps, ts_ns; named in err): a signal to reject;
 *         -EINVAL: garbage: kind not 1 or 2, signal_id 0, a name not
 *         NUL-terminated or with bytes after its NUL, non-zero padding, a
 *         cancel with other fields set, or a user other than session_user.
 * Thread: any; the router's client thread. Progress: wait-free.
 */
int xr_client_signal_parse(const struct xr_client_signal *rec, const char *session_user,
			   const struct xr_names *names, struct xr_msg *out, char *err,
			   size_t err_len);

#endif /* XR_CLIENT_PARSE_H */
