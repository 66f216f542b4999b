/*
 * Fuzz target for the router's check of a shared-memory client's record
 * (base/xr_client_parse.h, xr_client_signal_parse()): whatever a client
 * writes into a cell of its client_to_router ring.
 *
 * INPUT
 *   The first 128 bytes are the record (shorter inputs are zero-padded);
 *   byte 128, if present, chooses the session user check (odd: the
 *   record's user must be "alice"; even: any user, as xroute serve asks).
 *
 * INVARIANTS (each violation prints what and where, then __builtin_trap())
 *   The call returns 0, -ERANGE or -EINVAL and always writes a message and
 *   a NUL-terminated error text. 0: a signal (kind XR_MSG_SIGNAL, reason
 *   none, every field in its range: side 1/2, qty > 0, ord_type 1/2, a
 *   limit price > 0 only for a limit order, tif 0/1/3/4, signal_type <= 3,
 *   strategy in range, slippage 0..10000, ts_ns >= 0, signal_id > 0) or a
 *   cancel (kind XR_MSG_CONTROL, the record's signal_id, nothing else
 *   set); both with user and symbol "unknown" (no names table here).
 *   -ERANGE: a well-formed record with a value out of range: kind
 *   XR_MSG_SIGNAL, reason parse_error, the record's signal_id (> 0), no
 *   quantity, price or side, and a non-empty error text. -EINVAL: reason
 *   parse_error, no quantity, price or side, and a non-empty error text.
 *   A record the check accepts is accepted again after a copy (it reads
 *   nothing but the record).
 *
 * BUILDS
 *   -DXR_FUZZ_LIBFUZZER (meson -Dfuzz=true, clang): libFuzzer's entry
 *   point; tests/fuzz/run-fuzz.sh fuzz_client runs it. Otherwise linked
 *   with replay.c: test fuzz_client_corpus, suite fast, and under
 *   ASan+UBSan in build-asan.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "replay.h"
#include "xr_client_parse.h"
#include "xr_signal.h"
#include "xr_types.h"

_Noreturn static void
xr__fail(const char *what, int line)
{
	fprintf(stderr, "fuzz_client: %s: invariant broken at fuzz_client.c:%d: %s\n",
		xr_fuzz_input, line, what);
	__builtin_trap();
}

#define XR__CHECK(c)                                                                               \
	do {                                                                                       \
		if (!(c))                                                                          \
			xr__fail(#c, __LINE__);                                                     \
	} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_Alignas(64) struct xr_client_signal rec;
	memset(&rec, 0, sizeof(rec));
	memcpy(&rec, data, size < sizeof(rec) ? size : sizeof(rec));
	const char *session = size > sizeof(rec) && (data[sizeof(rec)] & 1) ? "alice" : NULL;

	struct xr_msg m;
	char err[160];
	memset(&m, 0xa5, sizeof(m));
	memset(err, 0x5a, sizeof(err));
	int rc = xr_client_signal_parse(&rec, session, NULL, &m, err, sizeof(err));

	XR__CHECK(rc == 0 || rc == -ERANGE || rc == -EINVAL);
	XR__CHECK(memchr(err, '\0', sizeof(err)) != NULL || rc == 0);
	if (rc == 0) {
		XR__CHECK(m.signal_id == rec.signal_id && m.signal_id != 0);
		XR__CHECK(m.user == XR_SIGNAL_UNKNOWN_USER && m.symbol == XR_SIGNAL_UNKNOWN_SYMBOL);
		if (rec.kind == XR_CSIG_CANCEL) {
			XR__CHECK(m.kind == XR_MSG_CONTROL);
			XR__CHECK(m.qty == 0 && m.limit_px == 0 && m.side == 0);
		} else {
			XR__CHECK(m.kind == XR_MSG_SIGNAL && m.reason == XR_R_NONE);
			XR__CHECK(m.side == XR_SIDE_BUY || m.side == XR_SIDE_SELL);
			XR__CHECK(m.qty > 0 && m.order_qty == m.qty);
			XR__CHECK(m.ord_type == XR_ORD_MARKET || m.ord_type == XR_ORD_LIMIT);
			XR__CHECK(m.ord_type == XR_ORD_LIMIT ? m.limit_px > 0 : m.limit_px == 0);
			XR__CHECK(m.tif == XR_TIF_DAY || m.tif == XR_TIF_GTC || m.tif == XR_TIF_IOC ||
				  m.tif == XR_TIF_FOK);
			XR__CHECK(m.signal_type <= XR_SIG_STOP_LOSS && m.strategy < XR_STRAT_COUNT);
			XR__CHECK(m.max_slippage_bps >= 0 && m.max_slippage_bps <= 10000);
			XR__CHECK(m.ts_ns >= 0);
		}
		/* It reads nothing but the record: a copy parses the same. */
		struct xr_client_signal again = rec;
		struct xr_msg m2;
		XR__CHECK(xr_client_signal_parse(&again, session, NULL, &m2, err, sizeof(err)) == 0);
		XR__CHECK(memcmp(&m, &m2, sizeof(m)) == 0);
		return 0;
	}
	XR__CHECK(err[0] != '\0');
	XR__CHECK(m.kind == XR_MSG_SIGNAL && m.reason == XR_R_PARSE);
	XR__CHECK(m.qty == 0 && m.limit_px == 0 && m.side == 0 && m.venue == XR_VENUE_NONE);
	if (rc == -ERANGE)
		XR__CHECK(m.signal_id == rec.signal_id && m.signal_id != 0);
	return 0;
}
