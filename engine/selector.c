/*
 * Venue selector: the weighted score of execution-routing-model.md in
 * integer arithmetic. See selector_pvt.h for the formulas.
 */
#include "selector_pvt.h"

void
xr_score_params_init(struct xr_score_params *sp, const struct xr_engine_cfg *ec)
{
	sp->w_fees = ec->w_fees;
	sp->w_latency = ec->w_latency;
	sp->w_success = ec->w_success;
	sp->w_load = ec->w_load;
	sp->w_pair = ec->w_pair;
	sp->latency_zero_ns = (uint64_t)(ec->latency_zero_score_us ? ec->latency_zero_score_us : 1) * 1000;
	sp->load_full_queue = ec->load_full_queue ? ec->load_full_queue : 1;
}

/* max(0, XR_SCORE_MAX * (1 - x / full)), truncated toward zero on the
 * subtracted part; exact for the hand-computed cases of the tests. */
static inline int64_t
xr__linear_down(uint64_t x, uint64_t full)
{
	if (x >= full)
		return 0;
	/* x < full: the product fits 64 bits whenever full does times 10^6
	 * (full up to 1.8e13, i.e. 5 hours of latency in ns); the 128-bit
	 * division (a libgcc call, ~10x slower) is only for larger scales. */
	if (full <= UINT64_MAX / XR_SCORE_MAX)
		return XR_SCORE_MAX - (int64_t)(x * XR_SCORE_MAX / full);
	return XR_SCORE_MAX - (int64_t)((xr_i128)x * XR_SCORE_MAX / full);
}

void
xr_score_venue(const struct xr_score_params *sp, const struct xr_snapshot *snap,
	       uint8_t venue, uint16_t symbol, uint64_t in_flight,
	       struct xr_venue_score *out)
{
	const struct xr_venue_metrics *vm = &snap->venues[venue];
	const struct xr_venue_sym_metrics *vs =
		&snap->vs[(size_t)venue * snap->n_symbols + symbol];
	/* fee_bps = cbps / 100; one point per bps: score = 100 - bps points. */
	int64_t fee = XR_SCORE_MAX - vm->fee_taker_cbps * (XR_SCORE_POINT / 100);

	out->venue = venue;
	out->fees = fee < 0 ? 0 : fee > XR_SCORE_MAX ? XR_SCORE_MAX : fee;
	out->latency = xr__linear_down(vm->latency_avg_ns, sp->latency_zero_ns);
	/* ppm and score units coincide: 10^6 ppm == 100 points == 10^6. */
	out->success = vm->success_ppm;
	out->load = xr__linear_down(in_flight, sp->load_full_queue);
	out->pair = vs->pair_samples ? (int64_t)vs->pair_success_ppm : XR_SCORE_MAX / 2;
	out->total = ((int64_t)sp->w_fees * out->fees +
		      (int64_t)sp->w_latency * out->latency +
		      (int64_t)sp->w_success * out->success +
		      (int64_t)sp->w_load * out->load +
		      (int64_t)sp->w_pair * out->pair) / XR_WEIGHT_ONE;
}

unsigned
xr_select(const struct xr_score_params *sp, const struct xr_snapshot *snap,
	  const struct xr_select_order *o, const uint64_t *in_flight,
	  struct xr_selection *out)
{
	uint64_t mask = o->allowed_mask & ~o->exclude_mask;
	/* Liquidity of at least 2x the order size (execution-routing-model.md);
	 * qty is bounded by config limits far below INT64_MAX / 2. */
	int64_t need = o->qty > INT64_MAX / 2 ? INT64_MAX : 2 * o->qty;
	struct xr_venue_score scored[XR_MAX_VENUES];
	uint64_t keys[XR_MAX_VENUES];
	unsigned n = 0;

	if (snap->n_venues < 64)
		mask &= (UINT64_C(1) << snap->n_venues) - 1;
	while (mask != 0) {
		uint8_t v = (uint8_t)__builtin_ctzll(mask);
		mask &= mask - 1;
		const struct xr_venue_sym_metrics *vs =
			&snap->vs[(size_t)v * snap->n_symbols + o->symbol];
		int64_t depth = o->side == XR_SIDE_BUY ? vs->ask_qty : vs->bid_qty;
		int64_t px = o->side == XR_SIDE_BUY ? vs->ask_px : vs->bid_px;
		if (!snap->venues[v].healthy || px <= 0 || depth < need)
			continue;
		xr_score_venue(sp, snap, v, o->symbol, in_flight[v], &scored[n]);
		/* Sort key: score (0..XR_SCORE_MAX, 20 bits) above the inverted
		 * position, so equal scores keep position order, which is venue id
		 * order because mask is walked from bit 0 up. */
		int64_t total = scored[n].total < 0 ? 0 : scored[n].total; /* never < 0 */
		uint64_t key = ((uint64_t)total << 8) | (uint64_t)(255 - n);
		unsigned i = n++;
		while (i > 0 && keys[i - 1] < key) {
			keys[i] = keys[i - 1];
			i--;
		}
		keys[i] = key;
	}
	/* Insertion sort on 8-byte keys, then one copy per ranked venue, rather
	 * than shifting whole 56-byte scores in the sort (docs/perf.md). */
	for (unsigned i = 0; i < n; i++)
		out->ranked[i] = scored[255 - (keys[i] & 255)];
	out->n = (uint8_t)n;
	return n;
}

enum xr_method
xr_route_method(enum xr_signal_type st, enum xr_ord_type ot, int64_t notional,
		int64_t twap_notional)
{
	if (twap_notional > 0 && notional > twap_notional)
		return XR_METHOD_TWAP;
	switch (st) {
	case XR_SIG_STOP_LOSS:
	case XR_SIG_EXIT:
		return XR_METHOD_MARKET;
	case XR_SIG_ENTRY:
		return XR_METHOD_LIMIT;
	case XR_SIG_PROFIT_TAKE:
		break;
	}
	return ot == XR_ORD_MARKET ? XR_METHOD_MARKET : XR_METHOD_LIMIT;
}

uint8_t
xr_route_priority(enum xr_signal_type st)
{
	switch (st) {
	case XR_SIG_STOP_LOSS: return 1;
	case XR_SIG_EXIT: return 2;
	case XR_SIG_ENTRY: return 3;
	case XR_SIG_PROFIT_TAKE: break;
	}
	return 4;
}
