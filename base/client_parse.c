/*
 * client_parse: the router's field-by-field check of a client signal record
 * (base/xr_client_parse.h). Every rule of docs/signals.md that applies to a
 * typed field is applied here; the error names the field and the value.
 */
#include "xr_client_parse.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "xr_config.h"
#include "xr_names.h"
#include "xr_signal.h"

/* The proto header writes xroute's enum values as numbers. */
_Static_assert(XR_SIDE_BUY == 1 && XR_SIDE_SELL == 2, "side values");
_Static_assert((int)XR_CFINAL_FILLED == (int)XR_FINAL_FILLED &&
		       (int)XR_CFINAL_PARTIAL == (int)XR_FINAL_PARTIALLY_FILLED &&
		       (int)XR_CFINAL_CANCELED == (int)XR_FINAL_CANCELED &&
		       (int)XR_CFINAL_REJECTED == (int)XR_FINAL_REJECTED &&
		       (int)XR_CFINAL_FAILED == (int)XR_FINAL_FAILED &&
		       (int)XR_CFINAL_UNKNOWN == (int)XR_FINAL_UNKNOWN &&
		       (int)XR_CFINAL_OPEN == (int)XR_FINAL_OPEN,
	       "final values");
_Static_assert(XR_ORD_MARKET == 1 && XR_ORD_LIMIT == 2, "ord_type values");
_Static_assert(XR_TIF_DAY == 0 && XR_TIF_GTC == 1 && XR_TIF_IOC == 3 && XR_TIF_FOK == 4,
	       "tif values");
_Static_assert(XR_CLIENT_NAME_SIZE == XR_NAME_MAX + 1, "name field is a config name");

/* Length of the name in @p f (1..31), or -1 if empty, unterminated, or with
 * bytes after its NUL (a name must be NUL-padded, so that two clients' equal
 * names are equal records). */
static int
xr__name_len(const char *f)
{
	size_t n = strnlen(f, XR_CLIENT_NAME_SIZE);

	if (n == 0 || n == XR_CLIENT_NAME_SIZE)
		return -1;
	for (size_t i = n; i < XR_CLIENT_NAME_SIZE; i++)
		if (f[i] != 0)
			return -1;
	return (int)n;
}

static int
xr__zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static int
xr__fail(struct xr_msg *out, uint64_t signal_id, char *err, size_t err_len, const char *fmt,
	 ...) __attribute__((format(printf, 5, 6)));

static int
xr__fail(struct xr_msg *out, uint64_t signal_id, char *err, size_t err_len, const char *fmt,
	 ...)
{
	memset(out, 0, sizeof(*out));
	out->kind = XR_MSG_SIGNAL;
	out->reason = XR_R_PARSE;
	out->signal_id = signal_id;
	out->user = XR_SIGNAL_UNKNOWN_USER;
	out->symbol = XR_SIGNAL_UNKNOWN_SYMBOL;
	out->venue = XR_VENUE_NONE;
	if (err_len > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* The value rules of a new-order record; 0, or -EINVAL with @p out and
 * @p err filled by xr__fail(). */
static int
xr__values(const struct xr_client_signal *rec, struct xr_msg *out, char *err, size_t err_len)
{
	uint64_t id = rec->signal_id;

	if (rec->ts_ns < 0)
		return xr__fail(out, id, err, err_len, "ts_ns: %" PRId64 " is negative",
				rec->ts_ns);
	if (rec->side != XR_SIDE_BUY && rec->side != XR_SIDE_SELL)
		return xr__fail(out, id, err, err_len, "side: %u is not 1 (buy) or 2 (sell)",
				rec->side);
	if (rec->qty <= 0)
		return xr__fail(out, id, err, err_len, "qty: %" PRId64 " is not positive",
				rec->qty);
	if (rec->ord_type != XR_ORD_MARKET && rec->ord_type != XR_ORD_LIMIT)
		return xr__fail(out, id, err, err_len,
				"ord_type: %u is not 1 (market) or 2 (limit)", rec->ord_type);
	if (rec->ord_type == XR_ORD_LIMIT && rec->limit_px <= 0)
		return xr__fail(out, id, err, err_len,
				"limit_px: %" PRId64 " is not positive for a limit order",
				rec->limit_px);
	if (rec->ord_type == XR_ORD_MARKET && rec->limit_px != 0)
		return xr__fail(out, id, err, err_len,
				"limit_px: %" PRId64 " is not 0 for a market order",
				rec->limit_px);
	uint8_t tif = rec->tif;
	if (tif != 0xff && tif != XR_TIF_DAY && tif != XR_TIF_GTC && tif != XR_TIF_IOC &&
	    tif != XR_TIF_FOK)
		return xr__fail(out, id, err, err_len,
				"tif: %u is not 0 (day), 1 (gtc), 3 (ioc), 4 (fok) or 255",
				rec->tif);
	if (rec->signal_type > XR_SIG_STOP_LOSS)
		return xr__fail(out, id, err, err_len, "signal_type: %u is not 0..3",
				rec->signal_type);
	if (rec->strategy >= XR_STRAT_COUNT)
		return xr__fail(out, id, err, err_len, "strategy: %u is not 0..%d",
				rec->strategy, XR_STRAT_COUNT - 1);
	if (rec->max_slippage_bps < 0 || rec->max_slippage_bps > 10000)
		return xr__fail(out, id, err, err_len,
				"max_slippage_bps: %" PRId32 " is not 0..10000",
				rec->max_slippage_bps);
	return 0;
}

int
xr_client_signal_parse(const struct xr_client_signal *rec, const char *session_user,
		       const struct xr_names *names, struct xr_msg *out, char *err,
		       size_t err_len)
{
	uint64_t id = rec->signal_id;

	if (rec->kind != XR_CSIG_NEW && rec->kind != XR_CSIG_CANCEL)
		return xr__fail(out, id, err, err_len,
				"kind: %" PRIu32 " is not 1 (new) or 2 (cancel)", rec->kind);
	if (id == 0)
		return xr__fail(out, 0, err, err_len, "signal_id: 0 is not 1..UINT64_MAX");
	int ul = xr__name_len(rec->user);
	if (ul < 0)
		return xr__fail(out, id, err, err_len,
				"user: not a NUL-padded name of 1..%d bytes", XR_NAME_MAX);
	if (session_user != NULL && strcmp(rec->user, session_user) != 0)
		return xr__fail(out, id, err, err_len,
				"user: \"%s\" is not this session's user \"%s\"", rec->user,
				session_user ? session_user : "");
	int sl = xr__name_len(rec->symbol);
	if (sl < 0)
		return xr__fail(out, id, err, err_len,
				"symbol: not a NUL-padded name of 1..%d bytes", XR_NAME_MAX);
	if (!xr__zero(rec->pad0, sizeof(rec->pad0)) || !xr__zero(rec->pad1, sizeof(rec->pad1)))
		return xr__fail(out, id, err, err_len, "padding: not zero");

	int64_t u = names ? xr_names_user(names, rec->user, (size_t)ul) : -1;
	int64_t s = names ? xr_names_symbol(names, rec->symbol, (size_t)sl) : -1;

	if (rec->kind == XR_CSIG_CANCEL) {
		if (rec->ts_ns != 0 || rec->qty != 0 || rec->limit_px != 0 ||
		    rec->max_slippage_bps != 0 || rec->side != 0 || rec->ord_type != 0 ||
		    rec->tif != 0 || rec->signal_type != 0 || rec->strategy != 0)
			return xr__fail(out, id, err, err_len,
					"cancel: fields other than signal_id, user and symbol "
					"must be 0");
		memset(out, 0, sizeof(*out));
		out->kind = XR_MSG_CONTROL;
		out->signal_id = id;
		out->user = u < 0 ? XR_SIGNAL_UNKNOWN_USER : (uint32_t)u;
		out->symbol = s < 0 ? XR_SIGNAL_UNKNOWN_SYMBOL : (uint16_t)s;
		out->venue = XR_VENUE_NONE;
		return 0;
	}

	if (xr__values(rec, out, err, err_len) != 0) {
		/* Well formed: the result names its user and symbol. */
		out->user = u < 0 ? XR_SIGNAL_UNKNOWN_USER : (uint32_t)u;
		out->symbol = s < 0 ? XR_SIGNAL_UNKNOWN_SYMBOL : (uint16_t)s;
		return -ERANGE;
	}
	uint8_t tif = rec->tif;
	if (tif == 0xff)
		tif = rec->ord_type == XR_ORD_MARKET ? XR_TIF_IOC : XR_TIF_DAY;

	memset(out, 0, sizeof(*out));
	out->kind = XR_MSG_SIGNAL;
	out->signal_id = id;
	out->ts_ns = rec->ts_ns;
	out->user = u < 0 ? XR_SIGNAL_UNKNOWN_USER : (uint32_t)u;
	out->symbol = s < 0 ? XR_SIGNAL_UNKNOWN_SYMBOL : (uint16_t)s;
	out->side = rec->side;
	out->ord_type = rec->ord_type;
	out->limit_px = rec->limit_px;
	out->qty = rec->qty;
	out->order_qty = rec->qty;
	out->tif = tif;
	out->signal_type = rec->signal_type;
	out->strategy = rec->strategy;
	out->max_slippage_bps = rec->max_slippage_bps;
	out->venue = XR_VENUE_NONE;
	out->reason = XR_R_NONE;
	return 0;
}
