/*
 * Venue selector: eligibility, factor scores, ranking and allocation in
 * integer arithmetic. The formulas and their sources are in xr_selector.h
 * and docs/routing.md.
 */
#include "xr_selector.h"

#include <errno.h>
#include <string.h>

void
xr_select_params_init(struct xr_select_params *sp, const struct xr_engine_cfg *ec)
{
	memcpy(sp->strat, ec->strategies, sizeof(sp->strat));
	sp->latency_zero_ns = (uint64_t)(ec->latency_zero_score_us ? ec->latency_zero_score_us : 1) * 1000;
	sp->load_full_queue = ec->load_full_queue ? ec->load_full_queue : 1;
	sp->price_zero_bps = ec->price_zero_bps ? ec->price_zero_bps : 1;
	sp->cost_zero_bps = ec->cost_zero_bps ? ec->cost_zero_bps : 1;
	sp->price_k = XR_SCORE_POINT % sp->price_zero_bps ? 0 : XR_SCORE_POINT / sp->price_zero_bps;
	sp->cost_k = XR_SCORE_POINT % sp->cost_zero_bps ? 0 : XR_SCORE_POINT / sp->cost_zero_bps;
	sp->load_k = XR_SCORE_MAX % sp->load_full_queue ? 0 : XR_SCORE_MAX / sp->load_full_queue;
	for (int s = 0; s < XR_STRAT_COUNT; s++) {
		sp->fmask[s] = 0;
		for (int f = 0; f < XR_F_COUNT; f++)
			sp->fmask[s] |= (uint32_t)(sp->strat[s].w[f] != 0) << f;
	}
}

/* a / b for b > 0; the 64-bit divide when a fits, the 128-by-64 one when
 * the quotient fits (libgcc's 128-bit divide costs about ten times more,
 * docs/perf.md). */
static inline xr_u128
xr__udiv(xr_u128 a, uint64_t b)
{
	if ((a >> 64) == 0)
		return (uint64_t)a / b;
	if ((uint64_t)(a >> 64) < b)
		return xr_u128_div_u64_fit(a, b);
	return a / b;
}

/* floor(a / b) for b > 0; 64-bit division when a fits. */
static inline int64_t
xr__floor_div(xr_i128 a, int64_t b)
{
	if (a >= INT64_MIN && a <= INT64_MAX) {
		int64_t x = (int64_t)a, q = x / b;
		return q - (x % b != 0 && x < 0);
	}
	xr_i128 q = a / b;
	return (int64_t)(q - (a % b != 0 && a < 0));
}

/* How much worse than @p ref price @p px is for the side (px units). */
static inline int64_t
xr__worse(int64_t px, int64_t ref, int buy)
{
	return buy ? px - ref : ref - px;
}

/* Average price of @p qty that cost @p excess = sum(t * worse(px)) more
 * than @p ref: floor(sum(t * px) / qty), computed from the excess, which
 * fits 64 bits where the notional does not (no 128-bit division). */
static inline int64_t
xr__avg_px(int64_t ref, xr_i128 excess, int64_t qty, int buy)
{
	return ref + xr__floor_div(buy ? excess : -excess, qty);
}

/* min(XR_SCORE_MAX, a * XR_SCORE_MAX / b) for a >= 0, b > 0. */
static inline int32_t
xr__ratio_score(int64_t a, int64_t b)
{
	if (a >= b)
		return XR_SCORE_MAX;
	if (a <= 0)
		return 0;
	return (int32_t)xr__udiv((xr_u128)a * XR_SCORE_MAX, (uint64_t)b);
}

/* max(0, XR_SCORE_MAX * (1 - x / full)), truncated toward zero on the
 * subtracted part; exact for the hand-computed cases of the tests. */
static inline int32_t
xr__linear_down(uint64_t x, uint64_t full)
{
	if (x >= full)
		return 0;
	return XR_SCORE_MAX - (int32_t)xr__udiv((xr_u128)x * XR_SCORE_MAX, full);
}

/* max(0, min(XR_SCORE_MAX, XR_SCORE_MAX - cbps * XR_SCORE_POINT / zero_bps)):
 * 0 cbps scores 100 points, zero_bps * 100 cbps (zero_bps bps) scores 0. */
static inline int32_t
xr__cbps_score(int64_t cbps, uint32_t zero_bps, uint32_t k)
{
	int64_t s = XR_SCORE_MAX - (k ? cbps * k : cbps * XR_SCORE_POINT / zero_bps);
	return s < 0 ? 0 : s > XR_SCORE_MAX ? XR_SCORE_MAX : (int32_t)s;
}

/* (px - ref) * 10^6 / ref for a buy (worse = higher), the mirror for a
 * sell, in centi-bps, saturated to int32. */
static inline int32_t
xr__slip_cbps(int64_t px, int64_t ref, int buy)
{
	int64_t d = xr__worse(px, ref, buy);
	int neg = d < 0;
	xr_u128 q = xr__udiv((xr_u128)(neg ? -d : d) * XR_CBPS_PER_ONE, (uint64_t)ref);
	if (q > INT32_MAX)
		q = INT32_MAX;
	return neg ? -(int32_t)q : (int32_t)q;
}

/* Divisors one decision reuses for every eligible venue (xr_recip): the
 * arrival price (slippage), the order quantity (the average price of a
 * venue that fills the whole order, confidence shares) and twice it
 * (liquidity). */
struct xr__divs {
	struct xr_recip arrival, qty, qty2;
};

/* xr__slip_cbps with the arrival price prepared in @p dv (px is one of the
 * venue's expected prices, ref the arrival). */
static inline int32_t
xr__slip_cbps_r(int64_t px, int64_t ref, int buy, const struct xr__divs *dv)
{
	int64_t d = xr__worse(px, ref, buy);
	int neg = d < 0;
	uint64_t a = (uint64_t)(neg ? -d : d);

	if (a > UINT64_MAX / XR_CBPS_PER_ONE)
		return xr__slip_cbps(px, ref, buy);
	uint64_t q = xr_recip_div(&dv->arrival, a * XR_CBPS_PER_ONE);
	if (q > INT32_MAX)
		q = INT32_MAX;
	return neg ? -(int32_t)q : (int32_t)q;
}

/* xr__ratio_score(a, 2 x order qty) with the divisor prepared in @p dv. */
static inline int32_t
xr__liq_score_r(int64_t a, int64_t need2, const struct xr__divs *dv)
{
	if (a >= need2 || a <= 0 || (uint64_t)a > UINT64_MAX / XR_SCORE_MAX)
		return xr__ratio_score(a, need2);
	return (int32_t)xr_recip_div(&dv->qty2, (uint64_t)a * XR_SCORE_MAX);
}

/* xr__avg_px of the order quantity, @p excess >= 0 (every eligible venue's
 * levels are at or behind the arrival price), with the quantity prepared
 * in @p dv. */
static inline int64_t
xr__avg_px_r(int64_t ref, xr_i128 excess, int64_t qty, int buy, const struct xr__divs *dv)
{
	if (excess < 0 || (excess >> 64) != 0)
		return xr__avg_px(ref, excess, qty, buy);
	uint64_t e = (uint64_t)excess, q = xr_recip_div(&dv->qty, e);
	/* Floor of the division: a sale's price is ref - ceil(e / qty). */
	return buy ? ref + (int64_t)q : ref - (int64_t)q - (q * (uint64_t)qty != e);
}

/* Health score: 0.3 latency_score + 0.5 success + 0.2 uptime, all ppm. */
static inline uint32_t
xr__health_mix(int32_t lat_score, uint32_t success_ppm, uint32_t uptime_ppm)
{
	return (uint32_t)((3 * (uint64_t)lat_score + 5 * (uint64_t)success_ppm +
			   2 * (uint64_t)uptime_ppm) / 10);
}

uint32_t
xr_health_ppm(uint64_t latency_ns, uint64_t latency_zero_ns, uint32_t success_ppm,
	      uint32_t uptime_ppm)
{
	return xr__health_mix(xr__linear_down(latency_ns, latency_zero_ns ? latency_zero_ns : 1),
			      success_ppm, uptime_ppm);
}

void
xr_venue_derive(struct xr_venue_metrics *vm, uint64_t latency_zero_ns)
{
	vm->latency_score = xr__linear_down(vm->latency_ewma_ns,
					    latency_zero_ns ? latency_zero_ns : 1);
	vm->health_ppm = xr__health_mix(vm->latency_score, vm->success_ppm, vm->uptime_ppm);
}

/* Pressure 0..10^6 of a projected value against its threshold. */
static uint64_t
xr__pressure(uint64_t proj, uint64_t threshold, uint32_t start_ppm)
{
	xr_u128 start = (xr_u128)threshold * start_ppm / 1000000;

	if (threshold == 0 || proj <= start)
		return 0;
	if (proj >= threshold)
		return 1000000;
	return (uint64_t)((xr_u128)(proj - start) * 1000000 / (threshold - start));
}

uint32_t
xr_demote_ppm(uint64_t lat_fast_ns, uint64_t lat_slow_ns, uint64_t lat_threshold_ns,
	      uint32_t err_fast_ppm, uint32_t err_slow_ppm, uint32_t err_threshold_ppm,
	      uint32_t demote_start_ppm, uint32_t demote_max_ppm)
{
	uint64_t lat = lat_fast_ns + (lat_fast_ns > lat_slow_ns ? lat_fast_ns - lat_slow_ns : 0);
	uint64_t err = (uint64_t)err_fast_ppm +
		       (err_fast_ppm > err_slow_ppm ? err_fast_ppm - err_slow_ppm : 0);
	uint64_t p = xr__pressure(lat, lat_threshold_ns, demote_start_ppm);
	uint64_t q = xr__pressure(err, err_threshold_ppm, demote_start_ppm);

	if (q > p)
		p = q;
	return (uint32_t)(1000000 - p * demote_max_ppm / 1000000);
}

/* True if @p px is worse than @p bound for the side (bound 0 = none). */
static inline int
xr__beyond(int64_t px, int64_t bound, int buy)
{
	return bound != 0 && (buy ? px > bound : px < bound);
}

/* What the allocation needs of one ranked venue. */
struct xr__cand {
	const struct xr_book_side *bs; /* the taken side's levels */
	uint32_t n_lv;		 /* levels it may take (1 when touch only) */
	uint32_t nb;		 /* of those, within the decision's bound */
	int64_t fee_cbps;	 /* fee its children pay */
	uint32_t trust_ppm;	 /* health x demotion, for the confidence */
};

/* Two int64 lanes as unsigned (GCC/clang vector extension; SSE2 on
 * x86-64): wrapping subtraction, logical shifts. */
typedef uint64_t xr__v2du __attribute__((vector_size(16)));

_Static_assert(XR_BOOK_LEVELS % 2 == 0, "the walk reads levels in pairs");

/* Sign bit of a - b for a, b in 0..INT64_MAX, per lane: 1 where a < b. */
static inline xr__v2du
xr__lt(xr__v2du a, xr__v2du b)
{
	return (a - b) >> 63;
}

/* How many of the side's levels i < n (monotone, xr_pair_derive) are within
 * @p bound (> 0): the walk's stop. Branch-free, two levels per step. */
static inline uint32_t
xr__within(const int64_t *px, uint32_t n, int64_t bound, int buy)
{
	xr__v2du cnt = {0, 0}, idx = {0, 1}, two = {2, 2};
	xr__v2du nn = {n, n}, bd = {(uint64_t)bound, (uint64_t)bound};

#pragma GCC unroll 8
	for (uint32_t i = 0; i < XR_BOOK_LEVELS; i += 2) {
		xr__v2du x;
		memcpy(&x, &px[i], sizeof(x));
		/* beyond: bound < px to buy, px < bound to sell */
		xr__v2du beyond = buy ? xr__lt(bd, x) : xr__lt(x, bd);
		cnt += xr__lt(idx, nn) & (beyond ^ 1);
		idx += two;
	}
	return (uint32_t)(cnt[0] + cnt[1]);
}

/* How many of the XR_BOOK_LEVELS cumulative quantities are below @p q1,
 * and below @p q2 (both >= 1): for the non-decreasing cum_qty, the first
 * level reaching each. Branch-free, two levels per step. */
static inline void
xr__reach(const int64_t *cum, int64_t q1, int64_t q2, uint32_t *n1, uint32_t *n2)
{
	xr__v2du a = {0, 0}, b = {0, 0};
	xr__v2du v1 = {(uint64_t)q1, (uint64_t)q1}, v2 = {(uint64_t)q2, (uint64_t)q2};

#pragma GCC unroll 8
	for (uint32_t i = 0; i < XR_BOOK_LEVELS; i += 2) {
		xr__v2du x;
		memcpy(&x, &cum[i], sizeof(x));
		a += xr__lt(x, v1);
		b += xr__lt(x, v2);
	}
	*n1 = (uint32_t)(a[0] + a[1]);
	*n2 = (uint32_t)(b[0] + b[1]);
}

/* The walk's excess (xr__avg_px): what the fill of min(qty, levels 0..nb-1)
 * costs beyond @p arrival, from the cumulative arrays; @p kq is the first
 * level whose cumulative quantity reaches @p qty, or nb. */
static inline xr_i128
xr__excess(const struct xr_book_side *bs, uint32_t nb, uint32_t kq, int64_t qty, int64_t arrival,
	   int buy)
{
	int64_t w0 = xr__worse(bs->px[0], arrival, buy);

	if (nb == 0)
		return 0;
	if (kq < nb) {
		int64_t before = kq ? bs->cum_qty[kq - 1] : 0;
		return (kq ? bs->cum_worse[kq - 1] : 0) + (xr_i128)before * w0 +
		       (xr_i128)(qty - before) * xr__worse(bs->px[kq], arrival, buy);
	}
	return bs->cum_worse[nb - 1] + (xr_i128)bs->cum_qty[nb - 1] * w0;
}

/* What xr__score needs of the decision, fixed for every venue. */
struct xr__ctx {
	const struct xr_select_params *sp;
	const struct xr_snapshot *snap;
	const struct xr_strategy_cfg *st; /* the order's strategy, resolved */
	const uint32_t *w;	   /* its weights */
	uint32_t fm;		   /* its fmask */
	int64_t qty, need2;	   /* order qty; 2x it (saturated) */
	int64_t arrival, bound;	   /* d->arrival_px, d->bound_px */
	uint16_t symbol;
	uint8_t buy, post, touch_only;
	struct xr__divs dv;
};

/*
 * Score venue @p v for the whole quantity (step 3). Fills @p out and, in
 * @p nb_out, its levels within the bound, and the factor scores in @p f
 * unless it is NULL (xr_select_factors); the factor formulas are in
 * docs/routing.md. @p buy is a constant at each call, so each side gets
 * its own code without the side's selects; so is @p f, so the hot path
 * stores no factor.
 */
static inline __attribute__((always_inline)) void
xr__score(const struct xr__ctx *x, uint8_t v, uint64_t in_flight, const int buy,
	  struct xr_venue_score *out, uint8_t *nb_out, int32_t *f)
{
	const struct xr_select_params *sp = x->sp;
	const struct xr_venue_metrics *vm = &x->snap->venues[v];
	size_t k = (size_t)v * x->snap->n_symbols + x->symbol;
	const struct xr_venue_sym_metrics *vs = &x->snap->vs[k];
	const struct xr_book_side *bs = &x->snap->books[k].side[buy ? 1 : 0];
	uint32_t n_lv = buy ? vs->n_ask : vs->n_bid;
	const uint32_t *w = x->w;
	uint32_t fm = x->fm;
	int64_t qty = x->qty, arrival = x->arrival, bound = x->bound, fill = 0, avail = 0;
	int64_t exp_px = 0;
	int32_t slip = 0, cost = 0;
	xr_i128 excess = 0;

	/* Every byte of *out is written, padding included (the record is
	 * copied into the decision, byte-identical for the same inputs). */
	memset(out->pad_, 0, sizeof(out->pad_));
	if (f != NULL)
		memset(f, 0, XR_F_COUNT * sizeof(*f));

	if (x->touch_only && n_lv > 1)
		n_lv = 1;
	/*
	 * The depth walk, from the book's cumulative arrays: levels 0..nb-1
	 * are within the bound (sides are monotone, xr_pair_derive); the order
	 * is filled at level kq, the first whose cumulative quantity reaches
	 * it; avail is the cumulative quantity where the walk stops, at level
	 * kq or, when liquidity is scored, at the first reaching 2x the order
	 * (the liquidity factor saturates there). The same figures as a walk
	 * level by level, without its unpredictable exit branch.
	 */
	uint32_t nb = bound > 0 ? xr__within(bs->px, n_lv, bound, buy)
		      : bound == 0 ? n_lv
				   : buy ? 0 : n_lv; /* a bound below 0: every price is
						      * beyond it to buy, none to sell */
	uint32_t kq = 0;
	if (nb > 0) {
		uint32_t ka;
		xr__reach(bs->cum_qty, qty, (fm & (1u << XR_F_LIQUIDITY)) ? x->need2 : qty, &kq,
			  &ka);
		kq = kq < nb ? kq : nb;
		ka = ka < nb ? ka : nb;
		avail = bs->cum_qty[ka < nb ? ka : nb - 1];
		fill = kq < nb ? qty : bs->cum_qty[nb - 1];
	}
	/* Expected price and slippage: the walk's excess and two divisions by
	 * multiplication, only if scored. */
	if (fill > 0 && (fm & (1u << XR_F_PRICE | 1u << XR_F_COST))) {
		excess = xr__excess(bs, nb, kq, qty, arrival, buy);
		exp_px = fill == qty ? xr__avg_px_r(arrival, excess, qty, buy, &x->dv)
				     : xr__avg_px(arrival, excess, fill, buy);
		slip = xr__slip_cbps_r(exp_px, arrival, buy, &x->dv);
	}
	/* Only the factors the strategy weights are computed, and each is
	 * added to the total as it is (the rest stay 0). */
	int64_t fee = x->post ? vm->fee_maker_cbps : vm->fee_taker_cbps;
	int64_t total = 0;
#define XR__F(i, value)                                   \
	do {                                              \
		int32_t v_ = (value);                     \
		if (f != NULL)                            \
			f[i] = v_;                        \
		total += (int64_t)w[i] * v_;              \
	} while (0)
	if (fm & (1u << XR_F_COST)) {
		int64_t half_spread = vs->half_spread_cbps; /* by the writer */
		cost = (int32_t)(x->post ? fee - half_spread : fee + half_spread + slip);
		XR__F(XR_F_COST, xr__cbps_score(cost, sp->cost_zero_bps, sp->cost_k));
	}
	if (fm & (1u << XR_F_PRICE))
		XR__F(XR_F_PRICE, fill > 0 ? xr__cbps_score(slip, sp->price_zero_bps, sp->price_k)
					  : 0);
	if (fm & (1u << XR_F_LIQUIDITY))
		XR__F(XR_F_LIQUIDITY, xr__liq_score_r(avail, x->need2, &x->dv));
	/* Latency and health scores: derived by the snapshot writer
	 * (xr_venue_derive). */
	if (fm & (1u << XR_F_LATENCY))
		XR__F(XR_F_LATENCY, vm->latency_score);
	if (fm & (1u << XR_F_RELIABILITY))
		XR__F(XR_F_RELIABILITY, (int32_t)vm->health_ppm);
	if (fm & (1u << XR_F_FEES)) {
		int64_t s = XR_SCORE_MAX - fee * (XR_SCORE_POINT / 100);
		XR__F(XR_F_FEES, s < 0 ? 0 : s > XR_SCORE_MAX ? XR_SCORE_MAX : (int32_t)s);
	}
	if (fm & (1u << XR_F_SUCCESS))
		XR__F(XR_F_SUCCESS, (int32_t)vm->success_ppm);
	if (fm & (1u << XR_F_LOAD))
		XR__F(XR_F_LOAD, in_flight >= sp->load_full_queue ? 0
				 : sp->load_k ? XR_SCORE_MAX - (int32_t)in_flight * (int32_t)sp->load_k
					      : xr__linear_down(in_flight, sp->load_full_queue));
	if (fm & (1u << XR_F_PAIR))
		XR__F(XR_F_PAIR, vs->pair_samples ? (int32_t)vs->pair_success_ppm : XR_SCORE_MAX / 2);
	if (fm & (1u << XR_F_HEADROOM))
		XR__F(XR_F_HEADROOM, (int32_t)vm->headroom_ppm);
#undef XR__F
	/* total >= 0: unsigned, so the divisions by constants need no sign
	 * fix-up. */
	out->total = (int64_t)((uint64_t)total / XR_WEIGHT_ONE * vm->demote_ppm / 1000000);
	out->fill_qty = fill;
	out->avail_qty = avail;
	out->exp_px = exp_px;
	out->slip_cbps = slip;
	out->cost_cbps = cost;
	out->venue = v;

	*nb_out = (uint8_t)nb;
}

/* The allocation's record of ranked venue @p v, whose levels within the
 * bound are @p nb (from its score). */
static inline void
xr__cand_of(const struct xr__ctx *x, uint8_t v, uint8_t nb, int buy, struct xr__cand *c)
{
	const struct xr_venue_metrics *vm = &x->snap->venues[v];
	size_t k = (size_t)v * x->snap->n_symbols + x->symbol;
	const struct xr_venue_sym_metrics *vs = &x->snap->vs[k];
	const struct xr_book_side *bs = &x->snap->books[k].side[buy ? 1 : 0];
	uint32_t n_lv = buy ? vs->n_ask : vs->n_bid;

	c->bs = bs;
	c->n_lv = x->touch_only && n_lv > 1 ? 1 : n_lv;
	c->nb = nb;
	c->fee_cbps = x->post ? vm->fee_maker_cbps : vm->fee_taker_cbps;
	c->trust_ppm = (uint32_t)((uint64_t)vm->health_ppm * vm->demote_ppm / 1000000);
}

/* Score the @p n eligible venues @p elig into @p scored, their levels
 * within the bound @p nb, and their sort keys (score above the inverted
 * position, so equal scores keep venue id order; unique). */
static inline __attribute__((always_inline)) void
xr__score_all(const struct xr__ctx *x, const uint8_t *elig, unsigned n, const uint64_t *in_flight,
	      const int buy, struct xr_venue_score *scored, uint8_t *nb, int32_t *keys)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t v = elig[i];
		xr__score(x, v, in_flight[v], buy, &scored[i], &nb[i], NULL);
		int64_t t = scored[i].total < 0 ? 0
			    : scored[i].total > XR_SCORE_MAX ? XR_SCORE_MAX : scored[i].total;
		keys[i] = (int32_t)(((uint32_t)t << 8) | (255 - i));
	}
}

/* Four int32 lanes (GCC/clang vector extension; SSE2 on x86-64). */
typedef int32_t xr__v4si __attribute__((vector_size(16)));

/*
 * Ranking of @p n unique keys (@p keys has room for n rounded up to 4, and
 * for 16 when n <= 16): @p at[r] is the index of the key with r greater
 * keys, i.e. at[0] is the largest. O(n^2) comparisons without a
 * data-dependent branch, four keys per vector compare: at 16 keys 64
 * compares, cheaper than an insertion sort's mispredicted branches. Up to
 * 16 keys (the common case) they stay in four registers.
 */
static void
xr__rank(int32_t *keys, unsigned n, uint8_t *at)
{
	unsigned nv = (n + 3) / 4;

	if (n <= 16) {
		for (unsigned j = n; j < 16; j++)
			keys[j] = INT32_MIN; /* padding: greater than none */
		xr__v4si k0, k1, k2, k3;
		memcpy(&k0, &keys[0], sizeof(k0));
		memcpy(&k1, &keys[4], sizeof(k1));
		memcpy(&k2, &keys[8], sizeof(k2));
		memcpy(&k3, &keys[12], sizeof(k3));
		for (unsigned i = 0; i < n; i++) {
			xr__v4si k = {keys[i], keys[i], keys[i], keys[i]};
			/* a true lane is -1 */
			xr__v4si acc = (k0 > k) + (k1 > k) + (k2 > k) + (k3 > k);
			at[-(acc[0] + acc[1] + acc[2] + acc[3])] = (uint8_t)i;
		}
		return;
	}
	for (unsigned j = n; j < nv * 4; j++)
		keys[j] = INT32_MIN;
	for (unsigned i = 0; i < n; i++) {
		xr__v4si k = {keys[i], keys[i], keys[i], keys[i]};
		xr__v4si acc = {0, 0, 0, 0};
		for (unsigned j = 0; j < nv; j++) {
			xr__v4si x;
			memcpy(&x, &keys[4 * j], sizeof(x));
			acc -= x > k; /* a true lane is -1 */
		}
		at[acc[0] + acc[1] + acc[2] + acc[3]] = (uint8_t)i;
	}
}

/* Per-venue state of the greedy split: what the hot loop reads of the
 * candidate, copied beside what it writes. */
struct xr__head {
	const int64_t *px, *qty; /* the candidate's levels */
	uint64_t mult;	   /* 10^6 +- fee: px x mult is the fee-adjusted price */
	uint64_t key0;	   /* the cost key of level 0 */
	uint64_t key_next; /* the cost key of level lv + 1, computed ahead so
			    * moving to it is off the loop's critical path;
			    * XR__NO_KEY past the bound */
	int64_t lv_left;   /* quantity left at the next level */
	int64_t alloc;	   /* allocated so far */
	xr_u128 notional;  /* sum of qty * px allocated (px x qty units) */
	xr_i128 excess;	   /* sum of qty * worse(px) vs arrival (xr__avg_px),
			    * set when the greedy pass ends */
	uint32_t lv;	   /* next level */
	uint32_t nb;	   /* levels within the bound (cand nb) */
	uint8_t dropped;   /* below min_slice_qty in an earlier pass */
};

/*
 * The split's heads and their cost keys. A key is the fee-adjusted price of
 * the head's next level as a cost relative to the best level-0 price of all
 * candidates (so it fits 64 bits): px (10^6 + fee) - base to buy; base -
 * px (10^6 - fee) to sell, whose higher price received is the lower cost.
 * Fees are within +-10^5 cbps. A difference beyond 2^64 - 2 (a spread of
 * fee-adjusted prices of over 1.8 x 10^13 px units between one split's
 * levels) saturates; XR__NO_KEY marks a venue that takes no more, and the
 * slots past the candidates, so choosing is a branch-free minimum over 8.
 */
struct xr__heads {
	uint64_t key[XR_MAX_SPLIT];
	struct xr__head h[XR_MAX_SPLIT];
};

#define XR__NO_KEY UINT64_MAX

/* Cost key of head @p h's level @p lv (struct xr__heads): level 0's key
 * plus what the level is worse than level 0, times the fee multiplier
 * (sides are monotone, xr_pair_derive), in 64 bits; saturated. */
static inline uint64_t
xr__key(const struct xr__head *h, uint32_t lv, int buy)
{
	uint64_t dpx = (uint64_t)xr__worse(h->px[lv], h->px[0], buy), k;

	if (__builtin_mul_overflow(dpx, h->mult, &k) || __builtin_add_overflow(k, h->key0, &k) ||
	    k >= XR__NO_KEY)
		return XR__NO_KEY - 1;
	return k;
}

/* Point head @p i at its level @p lv; its key is set for a venue below
 * @p cap. */
static inline void
xr__head_at(struct xr__heads *hs, unsigned i, uint32_t lv, int64_t cap, int buy)
{
	struct xr__head *h = &hs->h[i];
	int more = lv < h->nb;

	h->lv = lv;
	h->lv_left = more ? h->qty[lv] : 0;
	hs->key[i] = more && !h->dropped && h->alloc < cap ? xr__key(h, lv, buy) : XR__NO_KEY;
	h->key_next = lv + 1 < h->nb ? xr__key(h, lv + 1, buy) : XR__NO_KEY;
}

/* One match of the tournament: the smaller key, the left (lower index) one
 * on a tie, carried with its index. */
#define XR__MATCH(kl, il, kr, ir, ko, io)             \
	do {                                          \
		int r_ = (kr) < (kl);                 \
		ko = r_ ? (kr) : (kl);                \
		io = r_ ? (ir) : (il);                \
	} while (0)

/* Index of the smallest of 8 keys, the lowest index among equals: a
 * tournament of depth 3 that carries key and index together, so no match
 * waits for a load indexed by an earlier one. */
static inline unsigned
xr__argmin8(const uint64_t *k, uint64_t *min)
{
	uint64_t a, b, c, d, e, f, g;
	unsigned ia, ib, ic, id, ie, iff, ig;

	XR__MATCH(k[0], 0u, k[1], 1u, a, ia);
	XR__MATCH(k[2], 2u, k[3], 3u, b, ib);
	XR__MATCH(k[4], 4u, k[5], 5u, c, ic);
	XR__MATCH(k[6], 6u, k[7], 7u, d, id);
	XR__MATCH(a, ia, b, ib, e, ie);
	XR__MATCH(c, ic, d, id, f, iff);
	XR__MATCH(e, ie, f, iff, g, ig);
	*min = g;
	return ig;
}
#undef XR__MATCH

/* Prepare @p hs for the first @p n candidates: the heads' level pointers
 * and fee multipliers, the cost origin, and the key slots past n. */
static void
xr__heads_init(const struct xr__cand *c, struct xr__heads *hs, unsigned n, int buy)
{
	xr_u128 base = 0; /* the cost origin: the best level-0 price (px x 10^6) */
	int have = 0;

	for (unsigned i = 0; i < XR_MAX_SPLIT; i++) {
		hs->key[i] = XR__NO_KEY;
		if (i >= n)
			continue;
		struct xr__head *h = &hs->h[i];
		h->px = c[i].bs->px;
		h->qty = c[i].bs->qty;
		h->nb = c[i].nb;
		h->mult = (uint64_t)(XR_CBPS_PER_ONE + (buy ? c[i].fee_cbps : -c[i].fee_cbps));
		if (c[i].n_lv == 0)
			continue;
		xr_u128 eff = (xr_u128)c[i].bs->px[0] * h->mult;
		if (!have || (buy ? eff < base : eff > base))
			base = eff;
		have = 1;
	}
	for (unsigned i = 0; i < n; i++) {
		struct xr__head *h = &hs->h[i];
		if (c[i].n_lv == 0)
			continue;
		xr_u128 eff = (xr_u128)c[i].bs->px[0] * h->mult;
		xr_u128 d = buy ? eff - base : base - eff; /* >= 0: base is the best */
		h->key0 = d >= XR__NO_KEY ? XR__NO_KEY - 1 : (uint64_t)d;
	}
}

/*
 * Greedy marginal-cost split of @p qty over the first @p n candidates
 * (step 4): the next piece always goes to the best fee-adjusted level price
 * within the bound among venues below @p cap, ties to the better ranked.
 * @return quantity left unallocated (visible depth within the bound ran
 * out).
 */
static int64_t
xr__greedy(struct xr__heads *hs, unsigned n, int64_t qty, int64_t cap, int64_t arrival, int buy)
{
	struct xr__head *h = hs->h;
	int64_t left = qty;

	for (unsigned i = 0; i < n; i++) {
		h[i].alloc = 0;
		h[i].notional = 0;
		xr__head_at(hs, i, 0, cap, buy);
	}
	while (left > 0) {
		uint64_t min;
		unsigned best = xr__argmin8(hs->key, &min);
		if (min == XR__NO_KEY)
			break;
		struct xr__head *b = &h[best];
		int64_t px = b->px[b->lv];
		int64_t t = left;
		if (t > b->lv_left)
			t = b->lv_left;
		if (t > cap - b->alloc)
			t = cap - b->alloc;
		b->alloc += t;
		b->notional += (xr_u128)t * (uint64_t)px;
		b->lv_left -= t;
		left -= t;
		if (b->lv_left == 0) {
			/* Next level: its key was computed ahead; the one after
			 * it is computed now, while the next choice runs. */
			uint32_t lv = ++b->lv;
			hs->key[best] = b->alloc < cap ? b->key_next : XR__NO_KEY;
			b->lv_left = lv < b->nb ? b->qty[lv] : 0;
			b->key_next = lv + 1 < b->nb ? xr__key(b, lv + 1, buy) : XR__NO_KEY;
		} else if (b->alloc >= cap) {
			hs->key[best] = XR__NO_KEY;
		}
	}
	/* What each venue's share costs beyond the arrival price:
	 * sum(t * px) - arrival * sum(t), mirrored for a sale. */
	for (unsigned i = 0; i < n; i++) {
		xr_i128 at_arrival = (xr_i128)arrival * h[i].alloc;
		h[i].excess = buy ? (xr_i128)h[i].notional - at_arrival
				  : at_arrival - (xr_i128)h[i].notional;
	}
	return left;
}

static inline int64_t
xr__ceil_div(int64_t a, int64_t b)
{
	return a / b + (a % b != 0);
}

/* Cap per venue: max_slice_ratio of qty, raised so @p n venues can hold it. */
static int64_t
xr__cap(const struct xr_strategy_cfg *st, int64_t qty, unsigned n)
{
	int64_t cap = (int64_t)xr__udiv((xr_u128)qty * st->max_slice_ppm + 999999, 1000000);
	int64_t even = xr__ceil_div(qty, n ? (int64_t)n : 1);

	return cap > even ? cap : even;
}

/*
 * Split over the top @p n ranked venues. The cap is raised as far as
 * venues that ran out of depth make it necessary. Venues whose share falls
 * below min_slice_qty are dropped (smallest first) and the split re-run.
 * @return quantity the visible depth within the bound could not take.
 */
static int64_t
xr__split(const struct xr_strategy_cfg *st, const struct xr__cand *c, struct xr__heads *hs,
	  unsigned n, int64_t qty, int64_t arrival, int buy)
{
	struct xr__head *h = hs->h;
	unsigned active = n;

	xr__heads_init(c, hs, n, buy);

	for (unsigned i = 0; i < n; i++)
		h[i].dropped = 0;
	for (;;) {
		int64_t cap = xr__cap(st, qty, active);
		int64_t left = xr__greedy(hs, n, qty, cap, arrival, buy);
		/* The cap gives before the order is refused. While some
		 * quantity found no room and venues still showing depth within
		 * the bound stopped at the cap, raise it by an even share of the
		 * rest and re-run. Without this a venue shallower than its share
		 * (1.8 and 0.3 visible for 2: cap 1) got the order rejected for
		 * max_slippage although the bound holds 2.1. Greedy fills
		 * sum(min(depth, cap)), so each pass fills the rest or exhausts
		 * a venue: at most n + 1 passes. */
		for (;;) {
			unsigned k = 0;
			for (unsigned i = 0; i < n; i++)
				k += !h[i].dropped && h[i].alloc >= cap && h[i].lv < h[i].nb;
			if (left == 0 || k == 0)
				break;
			cap += xr__ceil_div(left, (int64_t)k);
			left = xr__greedy(hs, n, qty, cap, arrival, buy);
		}
		int small = -1;
		unsigned used = 0;
		for (unsigned i = 0; i < n; i++) {
			if (h[i].alloc == 0)
				continue;
			used++;
			/* <=: of equal small shares the lower ranked goes. */
			if (h[i].alloc < st->min_slice_qty &&
			    (small < 0 || h[i].alloc <= h[small].alloc))
				small = (int)i;
		}
		if (small < 0 || used <= 1 || active <= 1)
			return left;
		h[small].dropped = 1;
		active--;
	}
}

/* Insert allocation @p a into d->alloc keeping largest first. */
static void
xr__add_alloc(struct xr_route_decision *d, const struct xr_alloc *a)
{
	unsigned i = d->n_alloc++;

	while (i > 0 && d->alloc[i - 1].qty < a->qty) {
		d->alloc[i] = d->alloc[i - 1];
		i--;
	}
	/* Field by field over a zeroed slot: the padding of *a is not
	 * initialized, and copying it would make two decisions for the same
	 * inputs differ in bytes. */
	struct xr_alloc *s = &d->alloc[i];
	memset(s, 0, sizeof(*s));
	s->venue = a->venue;
	s->qty = a->qty;
	s->limit_px = a->limit_px;
	s->exp_px = a->exp_px;
	s->est_fees = a->est_fees;
	s->post = a->post;
}

/* Resting children: the top venue, or spread (split = always) at caps. */
static void
xr__allocate_post(const struct xr_strategy_cfg *st, const struct xr_snapshot *snap,
		  const struct xr_select_order *o, const struct xr__cand *c, struct xr_route_decision *d)
{
	int buy = o->side == XR_SIDE_BUY;
	unsigned n = d->n_ranked < XR_MAX_SPLIT ? d->n_ranked : XR_MAX_SPLIT;
	int64_t left = o->qty, cap = o->qty;
	uint64_t trust = 0;
	xr_i128 excess = 0;

	if (st->split == XR_SPLIT_ALWAYS) {
		cap = xr__cap(st, o->qty, n);
		/* Each post at least min_slice_qty, unless the whole order is less. */
		if (cap < st->min_slice_qty)
			cap = st->min_slice_qty < o->qty ? st->min_slice_qty : o->qty;
	}
	for (unsigned i = 0; i < n && left > 0; i++) {
		const struct xr_venue_score *r = &d->ranked[i];
		const struct xr_venue_sym_metrics *vs =
			&snap->vs[(size_t)r->venue * snap->n_symbols + o->symbol];
		int64_t near = buy ? vs->bid_px : vs->ask_px;
		int64_t px = near;
		/* Never through the order's own limit. A strategy that does not
		 * post gets here only for a non-marketable limit, which rests at
		 * its own price (a buy at 99.95 inside the spread, not at the
		 * 99.90 bid). */
		if (o->limit_px > 0 && (px <= 0 || st->pricing != XR_PRICING_POST ||
					(buy ? o->limit_px < px : o->limit_px > px)))
			px = o->limit_px;
		if (px <= 0)
			continue;
		int64_t q = left < cap ? left : cap;
		struct xr_alloc a = {
			.venue = r->venue, .qty = q, .limit_px = px, .exp_px = px, .post = 1,
			.est_fees = xr_fee(xr_notional(q, px), c[i].fee_cbps),
		};
		xr__add_alloc(d, &a);
		excess += (xr_i128)q * xr__worse(px, d->arrival_px, buy);
		trust += (uint64_t)xr__udiv((xr_u128)q * c[i].trust_ppm, (uint64_t)o->qty);
		left -= q;
		d->est_fees += a.est_fees;
	}
	if (left > 0 && d->n_alloc > 0) {
		/* Caps left some over: the top venue takes it. */
		d->alloc[0].qty += left;
		excess += (xr_i128)left * xr__worse(d->alloc[0].limit_px, d->arrival_px, buy);
	}
	if (d->n_alloc == 0) {
		d->reason = XR_R_NO_VENUE;
		d->decision = XR_D_NO_VENUE;
		return;
	}
	d->exp_px = xr__avg_px(d->arrival_px, excess, o->qty, buy);
	d->exp_slip_cbps = xr__slip_cbps(d->exp_px, d->arrival_px, buy);
	/* A resting order fills only if the market comes to it. */
	d->confidence_ppm = (uint32_t)(trust / 2);
	d->decision = d->n_alloc > 1 ? XR_D_SPLIT_SPREAD : XR_D_BEST_SCORE;
}

/* The walk's excess at candidate @p c for order @p o (its arrival is the
 * decision's): for a single venue whose score did not price the walk. */
static xr_i128
xr__cand_excess(const struct xr__cand *c, const struct xr_select_order *o, int64_t arrival)
{
	const struct xr_book_side *bs = c->bs;
	uint32_t kq, unused;

	xr__reach(bs->cum_qty, o->qty, o->qty, &kq, &unused);
	return xr__excess(bs, c->nb, kq < c->nb ? kq : c->nb, o->qty, arrival,
			  o->side == XR_SIDE_BUY);
}

/* Child limit of a crossing order at venue candidate @p i. */
static inline int64_t
xr__take_limit(const struct xr_select_order *o, const struct xr__cand *c, int64_t bound,
	       int touch_only)
{
	if (touch_only && c->n_lv > 0) {
		int64_t px = c->bs->px[0];
		if (o->limit_px > 0 && xr__beyond(px, o->limit_px, o->side == XR_SIDE_BUY))
			px = o->limit_px;
		return px;
	}
	return bound ? bound : o->limit_px;
}

/* Crossing children (take, touch, method): one venue or a split. */
static void
xr__allocate_take(const struct xr_strategy_cfg *st, const struct xr_select_order *o,
		  const struct xr__cand *c, int64_t bound, int touch_only,
		  const struct xr__divs *dv, struct xr_route_decision *d)
{
	int buy = o->side == XR_SIDE_BUY;
	const struct xr_venue_score *best = &d->ranked[0];
	unsigned n = d->n_ranked < XR_MAX_SPLIT ? d->n_ranked : XR_MAX_SPLIT;
	int bounded = bound != 0;
	int single = st->split == XR_SPLIT_NEVER ||
		     (st->split == XR_SPLIT_NEEDED && best->fill_qty >= o->qty) || n == 1;

	if (single) {
		if (bounded && st->split != XR_SPLIT_NEVER && best->fill_qty < o->qty) {
			d->reason = XR_R_MAX_SLIPPAGE;
			d->decision = XR_D_MAX_SLIPPAGE;
			return;
		}
		/* The walk's average price: the score computed it if price or
		 * cost is weighted. */
		int64_t px = best->fill_qty <= 0 ? d->arrival_px
			     : best->exp_px ? best->exp_px
					    : xr__avg_px(d->arrival_px, xr__cand_excess(&c[0], o, d->arrival_px),
							 best->fill_qty, buy);
		struct xr_alloc a = {
			.venue = best->venue, .qty = o->qty,
			.limit_px = xr__take_limit(o, &c[0], bound, touch_only),
			.exp_px = px,
			.est_fees = xr_fee(xr_notional(o->qty, px), c[0].fee_cbps),
		};
		xr__add_alloc(d, &a);
		d->exp_px = px;
		d->est_fees = a.est_fees;
		int64_t vis = best->fill_qty < o->qty ? best->fill_qty : o->qty;
		d->confidence_ppm = (uint32_t)xr__udiv((xr_u128)vis * c[0].trust_ppm,
						       (uint64_t)o->qty);
		d->decision = XR_D_BEST_SCORE;
		return;
	}

	struct xr__heads hs;
	struct xr__head *h = hs.h;
	int64_t left = xr__split(st, c, &hs, n, o->qty, d->arrival_px, buy);
	if (left > 0 && bounded) {
		d->reason = XR_R_MAX_SLIPPAGE;
		d->decision = XR_D_MAX_SLIPPAGE;
		return;
	}
	xr_i128 excess = 0;
	uint64_t trust = 0;
	for (unsigned i = 0; i < n; i++) {
		if (h[i].alloc == 0)
			continue;
		excess += h[i].excess;
		xr_u128 at = (xr_u128)h[i].alloc * c[i].trust_ppm;
		/* alloc <= qty: the quotient fits 64 bits. */
		trust += at >> 64 ? xr_u128_div_u64_fit(at, (uint64_t)o->qty)
				  : xr_recip_div(&dv->qty, (uint64_t)at);
	}
	/* Unbounded and deeper than the visible books: the rest goes to the
	 * ranked venues beyond their visible depth, in rank order up to the
	 * cap, then whatever is still left to the best venue not dropped;
	 * priced at each venue's last visible level for the estimate. */
	int64_t cap = xr__cap(st, o->qty, n);
	int top = -1;
	for (unsigned pass = 0; pass < 2 && left > 0; pass++) {
		for (unsigned i = 0; left > 0 && i < n; i++) {
			if (h[i].dropped)
				continue;
			if (top < 0)
				top = (int)i;
			int64_t t = pass ? left : cap - h[i].alloc;
			if (pass && (int)i != top)
				continue;
			if (t > left)
				t = left;
			if (t <= 0)
				continue;
			int64_t px = c[i].n_lv ? c[i].bs->px[c[i].n_lv - 1] : d->arrival_px;
			h[i].alloc += t;
			h[i].notional += (xr_u128)t * (uint64_t)px;
			xr_i128 cost = (xr_i128)t * xr__worse(px, d->arrival_px, buy);
			h[i].excess += cost;
			excess += cost;
			left -= t;
		}
	}
	/* The children in rank order, then largest first (stable, as
	 * xr__add_alloc orders them) into zeroed slots. */
	uint8_t idx[XR_MAX_SPLIT];
	unsigned na = 0;
	for (unsigned i = 0; i < n; i++) {
		if (h[i].alloc == 0)
			continue;
		unsigned j = na++;
		while (j > 0 && h[idx[j - 1]].alloc < h[i].alloc) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = (uint8_t)i;
	}
	memset(d->alloc, 0, na * sizeof(d->alloc[0]));
	for (unsigned j = 0; j < na; j++) {
		unsigned i = idx[j];
		struct xr_alloc *a = &d->alloc[j];
		xr_u128 cash = xr_u128_div_u32(h[i].notional, (uint32_t)XR_QTY_SCALE);
		/* A buy's excess is >= 0 (levels at or behind the arrival
		 * price): its floor is the plain unsigned quotient. */
		int64_t px = buy && h[i].excess >= 0 && (h[i].excess >> 64) == 0
				     ? d->arrival_px + (int64_t)((uint64_t)h[i].excess /
								 (uint64_t)h[i].alloc)
				     : xr__avg_px(d->arrival_px, h[i].excess, h[i].alloc, buy);
		a->venue = d->ranked[i].venue;
		a->qty = h[i].alloc;
		a->limit_px = xr__take_limit(o, &c[i], bound, touch_only);
		a->exp_px = px;
		a->est_fees = xr_fee(cash > INT64_MAX ? INT64_MAX : (int64_t)cash, c[i].fee_cbps);
		d->est_fees += a->est_fees;
	}
	d->n_alloc = (uint8_t)na;
	d->exp_px = xr__avg_px_r(d->arrival_px, excess, o->qty, buy, dv);
	/* trust already weights each venue by its visible share of the order. */
	d->confidence_ppm = (uint32_t)trust;
	if (d->n_alloc == 1)
		d->decision = XR_D_BEST_SCORE;
	else
		d->decision = best->fill_qty >= o->qty ? XR_D_SPLIT_SPREAD : XR_D_SPLIT_DEPTH;
}

/*
 * Steps 1 and 2 of a decision: eligibility into @p elig, the arrival price
 * and the bound into @p d, and the scoring context @p x. Shared by
 * xr_select() and xr_select_factors(), so an explanation scores exactly
 * what the decision scored.
 * @return the eligible venues (0: none; d says why).
 */
static inline __attribute__((always_inline)) unsigned
xr__prepare(const struct xr_select_params *sp, const struct xr_snapshot *snap,
	    const struct xr_select_order *o, struct xr_route_decision *d, struct xr__ctx *x,
	    uint8_t *elig)
{
	unsigned si = o->strategy < XR_STRAT_COUNT ? o->strategy : XR_STRAT_WEIGHTED_SCORE;
	const struct xr_strategy_cfg *st = &sp->strat[si];
	int buy = o->side == XR_SIDE_BUY;
	uint64_t mask = o->allowed_mask & ~o->exclude_mask;
	int64_t need = st->two_x_depth ? (o->qty > INT64_MAX / 2 ? INT64_MAX : 2 * o->qty) : 0;
	unsigned n_elig = 0;
	int64_t arrival = 0;

	d->n_alloc = 0;
	d->n_ranked = 0;
	d->reason = XR_R_NONE;
	d->exp_px = d->bound_px = d->est_fees = 0;
	d->exp_slip_cbps = 0;
	d->confidence_ppm = 0;

	/* 1. Eligibility and the arrival price. */
	if (snap->n_venues < 64)
		mask &= (UINT64_C(1) << snap->n_venues) - 1;
	while (mask != 0) {
		uint8_t v = (uint8_t)__builtin_ctzll(mask);
		mask &= mask - 1;
		const struct xr_venue_metrics *vm = &snap->venues[v];
		const struct xr_venue_sym_metrics *vs =
			&snap->vs[(size_t)v * snap->n_symbols + o->symbol];
		int64_t touch = buy ? vs->ask_px : vs->bid_px;
		int64_t depth = buy ? vs->ask_qty : vs->bid_qty;
		/* A half-open venue is eligible whatever its health score: its
		 * breaker's probes are how it shows it recovered (the breaker
		 * admits half_open_probes children and bounces the rest). */
		if (!vm->healthy || vm->circuit == XR_CIRCUIT_OPEN || touch <= 0 || depth < need ||
		    (vm->health_ppm < st->min_health_ppm && vm->circuit != XR_CIRCUIT_HALF_OPEN))
			continue;
		elig[n_elig++] = v;
		if (arrival == 0 || (buy ? touch < arrival : touch > arrival))
			arrival = touch;
	}
	d->arrival_px = arrival;
	if (n_elig == 0) {
		d->reason = XR_R_NO_VENUE;
		d->decision = XR_D_NO_VENUE;
		return 0;
	}

	/* 2. The bound; a limit that is not marketable rests (post). */
	int post = st->pricing == XR_PRICING_POST;
	int touch_only = st->pricing == XR_PRICING_TOUCH;
	uint32_t slip_bps = o->max_slippage_bps > 0 ? (uint32_t)o->max_slippage_bps
						    : st->max_slippage_bps;
	int64_t bound = 0;
	if (slip_bps != 0) {
		int64_t adj = (int64_t)xr__udiv((xr_u128)arrival * slip_bps, 10000);
		bound = buy ? arrival + adj : arrival - adj;
	}
	if (o->limit_px > 0) {
		if (xr__beyond(arrival, o->limit_px, buy))
			post = 1;
		else if (bound == 0 || xr__beyond(bound, o->limit_px, buy))
			bound = o->limit_px;
	}
	d->bound_px = post ? 0 : bound;

	*x = (struct xr__ctx){
		.sp = sp, .snap = snap, .st = st, .w = st->w,
		.fm = sp->fmask[si],
		.qty = o->qty, .need2 = o->qty > INT64_MAX / 2 ? INT64_MAX : 2 * o->qty,
		.arrival = arrival, .bound = d->bound_px, .symbol = o->symbol,
		.buy = (uint8_t)buy, .post = (uint8_t)post, .touch_only = (uint8_t)touch_only,
		.dv = {
			.arrival = xr_recip_init((uint64_t)arrival),
			.qty = xr_recip_init((uint64_t)o->qty),
			.qty2 = xr_recip_init(o->qty > INT64_MAX / 2 ? INT64_MAX
								 : 2 * (uint64_t)o->qty),
		},
	};
	return n_elig;
}

unsigned
xr_select(const struct xr_select_params *sp, const struct xr_snapshot *snap,
	  const struct xr_select_order *o, const uint64_t *in_flight,
	  struct xr_route_decision *d)
{
	uint8_t elig[XR_MAX_VENUES];
	struct xr__ctx x;
	unsigned n_elig = xr__prepare(sp, snap, o, d, &x, elig);

	if (n_elig == 0)
		return 0;
	/* The strategy and side as xr__prepare resolved them. */
	const struct xr_strategy_cfg *st = x.st;
	int buy = x.buy;

	/* 3. Score and rank. */
	struct xr_venue_score scored[XR_MAX_VENUES];
	struct xr__cand ranked_c[XR_MAX_SPLIT];
	uint8_t nbv[XR_MAX_VENUES];
	int32_t keys[XR_MAX_VENUES + 3];
	uint8_t at[XR_MAX_VENUES];
	if (buy)
		xr__score_all(&x, elig, n_elig, in_flight, 1, scored, nbv, keys);
	else
		xr__score_all(&x, elig, n_elig, in_flight, 0, scored, nbv, keys);
	/* Rank = how many keys are greater: branch-free, four keys per vector
	 * compare; then one copy per ranked venue (docs/perf.md). */
	xr__rank(keys, n_elig, at);
	for (unsigned i = 0; i < n_elig; i++)
		d->ranked[i] = scored[at[i]];
	for (unsigned i = 0; i < n_elig && i < XR_MAX_SPLIT; i++)
		xr__cand_of(&x, d->ranked[i].venue, nbv[at[i]], buy, &ranked_c[i]);
	d->n_ranked = (uint8_t)n_elig;

	/* 4. Allocation. */
	if (x.post)
		xr__allocate_post(st, snap, o, ranked_c, d);
	else
		xr__allocate_take(st, o, ranked_c, d->bound_px, x.touch_only, &x.dv, d);
	if (d->n_alloc != 0 && !x.post)
		d->exp_slip_cbps = xr__slip_cbps_r(d->exp_px, d->arrival_px, buy, &x.dv);
	return d->n_alloc;
}

int
xr_select_factors(const struct xr_select_params *sp, const struct xr_snapshot *snap,
		  const struct xr_select_order *o, const uint64_t *in_flight, uint8_t venue,
		  int32_t f[XR_F_COUNT], struct xr_venue_score *out)
{
	struct xr_route_decision d; /* steps 1-2 set its header only */
	uint8_t elig[XR_MAX_VENUES], nb;
	struct xr__ctx x;
	struct xr_venue_score r;
	unsigned n = xr__prepare(sp, snap, o, &d, &x, elig);

	for (unsigned i = 0; i < n; i++) {
		if (elig[i] != venue)
			continue;
		if (x.buy)
			xr__score(&x, venue, in_flight[venue], 1, &r, &nb, f);
		else
			xr__score(&x, venue, in_flight[venue], 0, &r, &nb, f);
		if (out != NULL)
			*out = r;
		return 0;
	}
	memset(f, 0, XR_F_COUNT * sizeof(*f));
	return -ENOENT;
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
