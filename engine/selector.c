/*
 * Venue selector: eligibility, factor scores, ranking and allocation in
 * integer arithmetic. The formulas and their sources are in selector_pvt.h
 * and docs/routing.md.
 */
#include "selector_pvt.h"

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
}

/* a / b for b > 0; the 64-bit divide when a fits (libgcc's 128-bit divide
 * costs about ten times more, docs/perf.md). */
static inline xr_u128
xr__udiv(xr_u128 a, uint64_t b)
{
	if ((a >> 64) == 0)
		return (uint64_t)a / b;
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

/* 0.3 latency_score + 0.5 success + 0.2 uptime, all ppm
 * (smart-order-routing.md calculate_health_score). */
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
	const int64_t *px, *qty; /* the taken side's levels */
	uint32_t n_lv;		 /* levels it may take (1 when touch only) */
	int64_t fee_cbps;	 /* fee its children pay */
	uint32_t trust_ppm;	 /* health x demotion, for the confidence */
	xr_i128 excess;		 /* the walk's sum(t * worse(px)) (xr__avg_px) */
};

/*
 * Score venue @p v for the whole quantity (step 3). Fills @p out and the
 * candidate record; the factor formulas are in docs/routing.md.
 */
static void
xr__score(const struct xr_select_params *sp, const struct xr_strategy_cfg *st,
	  const struct xr_snapshot *snap, const struct xr_select_order *o, uint8_t v,
	  uint64_t in_flight, int64_t arrival, int64_t bound, int post, int touch_only,
	  struct xr_venue_score *out, struct xr__cand *c)
{
	const struct xr_venue_metrics *vm = &snap->venues[v];
	size_t k = (size_t)v * snap->n_symbols + o->symbol;
	const struct xr_venue_sym_metrics *vs = &snap->vs[k];
	int buy = o->side == XR_SIDE_BUY;
	const struct xr_book_side *bs = xr_book_side_taken(&snap->books[k], o->side);
	uint32_t n_lv = buy ? vs->n_ask : vs->n_bid;
	int64_t fill = 0, avail = 0;
	int64_t need2 = o->qty > INT64_MAX / 2 ? INT64_MAX : 2 * o->qty;
	int want_avail = st->w[XR_F_LIQUIDITY] != 0;
	xr_i128 excess = 0;

	if (touch_only && n_lv > 1)
		n_lv = 1;
	/* Every field of *out is written below, padding included (the record
	 * is copied into the decision, byte-identical for the same inputs). */
	const uint32_t *w = st->w;
	int32_t *f = out->f;
	for (int i = 0; i < XR_F_COUNT; i++)
		f[i] = 0;
	memset(out->pad_, 0, sizeof(out->pad_));
	/* The depth walk: levels within the bound, best first, until the
	 * order is filled and (if liquidity is scored) 2x the quantity is seen,
	 * where the liquidity factor saturates. */
	for (uint32_t i = 0; i < n_lv; i++) {
		int64_t px = bs->px[i], q = bs->qty[i];
		if (xr__beyond(px, bound, buy))
			break;
		avail += q;
		if (fill < o->qty) {
			int64_t t = q < o->qty - fill ? q : o->qty - fill;
			fill += t;
			excess += (xr_i128)t * xr__worse(px, arrival, buy);
		}
		if (fill >= o->qty && (!want_avail || avail >= need2))
			break;
	}
	out->venue = v;
	out->fill_qty = fill;
	out->avail_qty = avail;
	out->exp_px = 0;
	out->slip_cbps = 0;
	out->cost_cbps = 0;
	/* Expected price and slippage: two divisions, only if scored. */
	if (fill > 0 && (w[XR_F_PRICE] || w[XR_F_COST])) {
		out->exp_px = xr__avg_px(arrival, excess, fill, buy);
		out->slip_cbps = xr__slip_cbps(out->exp_px, arrival, buy);
	}

	int64_t fee = post ? vm->fee_maker_cbps : vm->fee_taker_cbps;
	if (w[XR_F_COST]) {
		int64_t half_spread = vs->half_spread_cbps; /* by the writer */
		out->cost_cbps = (int32_t)(post ? fee - half_spread
					       : fee + half_spread + out->slip_cbps);
		f[XR_F_COST] = xr__cbps_score(out->cost_cbps, sp->cost_zero_bps, sp->cost_k);
	}
	if (w[XR_F_PRICE])
		f[XR_F_PRICE] = fill > 0 ? xr__cbps_score(out->slip_cbps, sp->price_zero_bps,
							  sp->price_k)
					 : 0;
	if (w[XR_F_LIQUIDITY])
		f[XR_F_LIQUIDITY] = xr__ratio_score(avail, need2);
	if (w[XR_F_LATENCY] || w[XR_F_RELIABILITY]) {
		int32_t lat = xr__linear_down(vm->latency_ewma_ns, sp->latency_zero_ns);
		if (w[XR_F_LATENCY])
			f[XR_F_LATENCY] = lat;
		/* The health score at this decision's latency scale. */
		if (w[XR_F_RELIABILITY])
			f[XR_F_RELIABILITY] =
				(int32_t)xr__health_mix(lat, vm->success_ppm, vm->uptime_ppm);
	}
	if (w[XR_F_FEES]) {
		int64_t s = XR_SCORE_MAX - fee * (XR_SCORE_POINT / 100);
		f[XR_F_FEES] = s < 0 ? 0 : s > XR_SCORE_MAX ? XR_SCORE_MAX : (int32_t)s;
	}
	if (w[XR_F_SUCCESS])
		f[XR_F_SUCCESS] = (int32_t)vm->success_ppm;
	if (w[XR_F_LOAD])
		f[XR_F_LOAD] = xr__linear_down(in_flight, sp->load_full_queue);
	if (w[XR_F_PAIR])
		f[XR_F_PAIR] = vs->pair_samples ? (int32_t)vs->pair_success_ppm : XR_SCORE_MAX / 2;
	if (w[XR_F_HEADROOM])
		f[XR_F_HEADROOM] = (int32_t)vm->headroom_ppm;

	int64_t total = 0;
	for (int i = 0; i < XR_F_COUNT; i++)
		total += (int64_t)w[i] * f[i];
	total /= XR_WEIGHT_ONE;
	out->total = total * vm->demote_ppm / 1000000;

	c->excess = excess;
	c->px = bs->px;
	c->qty = bs->qty;
	c->n_lv = n_lv;
	c->fee_cbps = fee;
	c->trust_ppm = (uint32_t)((uint64_t)vm->health_ppm * vm->demote_ppm / 1000000);
}

/* Per-venue state of the greedy split. */
struct xr__head {
	uint32_t lv;	   /* next level */
	int64_t lv_left;   /* quantity left at it */
	int64_t alloc;	   /* allocated so far */
	xr_u128 notional; /* sum of qty * px allocated (px x qty units) */
	xr_i128 excess;	   /* sum of qty * worse(px) vs arrival (xr__avg_px) */
	xr_u128 eff;	   /* fee-adjusted price of the next level */
	uint8_t dropped;   /* below min_slice_qty in an earlier pass */
};

/* Fee-adjusted price of head @p h's level: px (10^6 + fee) to buy, px
 * (10^6 - fee) received on a sale; fees are within +-10^5 cbps. */
static inline xr_u128
xr__eff(const struct xr__cand *c, const struct xr__head *h, int buy)
{
	return (xr_u128)c->px[h->lv] *
	       (uint64_t)(XR_CBPS_PER_ONE + (buy ? c->fee_cbps : -c->fee_cbps));
}

/*
 * Greedy marginal-cost split of @p qty over the first @p n candidates
 * (step 4): the next piece always goes to the best fee-adjusted level price
 * within the bound among venues below @p cap. @return quantity left
 * unallocated (visible depth within the bound ran out).
 */
static int64_t
xr__greedy(const struct xr__cand *c, struct xr__head *h, unsigned n, int64_t qty, int64_t cap,
	   int64_t bound, int64_t arrival, int buy)
{
	int64_t left = qty;

	for (unsigned i = 0; i < n; i++) {
		h[i].lv = 0;
		h[i].lv_left = c[i].n_lv ? c[i].qty[0] : 0;
		h[i].alloc = 0;
		h[i].notional = 0;
		h[i].excess = 0;
		if (c[i].n_lv)
			h[i].eff = xr__eff(&c[i], &h[i], buy);
	}
	while (left > 0) {
		int best = -1;
		xr_u128 best_eff = 0;
		for (unsigned i = 0; i < n; i++) {
			if (h[i].dropped || h[i].alloc >= cap || h[i].lv >= c[i].n_lv ||
			    xr__beyond(c[i].px[h[i].lv], bound, buy))
				continue;
			if (best < 0 || (buy ? h[i].eff < best_eff : h[i].eff > best_eff)) {
				best = (int)i;
				best_eff = h[i].eff;
			}
		}
		if (best < 0)
			break;
		struct xr__head *b = &h[best];
		int64_t px = c[best].px[b->lv];
		int64_t t = left;
		if (t > b->lv_left)
			t = b->lv_left;
		if (t > cap - b->alloc)
			t = cap - b->alloc;
		b->alloc += t;
		b->notional += (xr_u128)t * (uint64_t)px;
		b->excess += (xr_i128)t * xr__worse(px, arrival, buy);
		b->lv_left -= t;
		left -= t;
		if (b->lv_left == 0 && ++b->lv < c[best].n_lv) {
			b->lv_left = c[best].qty[b->lv];
			b->eff = xr__eff(&c[best], b, buy);
		}
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
xr__split(const struct xr_strategy_cfg *st, const struct xr__cand *c, struct xr__head *h,
	  unsigned n, int64_t qty, int64_t bound, int64_t arrival, int buy)
{
	unsigned active = n;

	for (unsigned i = 0; i < n; i++)
		h[i].dropped = 0;
	for (;;) {
		int64_t cap = xr__cap(st, qty, active);
		int64_t left = xr__greedy(c, h, n, qty, cap, bound, arrival, buy);
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
				if (!h[i].dropped && h[i].alloc >= cap && h[i].lv < c[i].n_lv &&
				    !xr__beyond(c[i].px[h[i].lv], bound, buy))
					k++;
			if (left == 0 || k == 0)
				break;
			cap += xr__ceil_div(left, (int64_t)k);
			left = xr__greedy(c, h, n, qty, cap, bound, arrival, buy);
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

/* Child limit of a crossing order at venue candidate @p i. */
static int64_t
xr__take_limit(const struct xr_select_order *o, const struct xr__cand *c, int64_t bound,
	       int touch_only)
{
	if (touch_only && c->n_lv > 0) {
		int64_t px = c->px[0];
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
		  struct xr_route_decision *d)
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
		int64_t px = best->fill_qty > 0 ? xr__avg_px(d->arrival_px, c[0].excess,
							      best->fill_qty, buy)
						: d->arrival_px;
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

	struct xr__head h[XR_MAX_SPLIT];
	int64_t left = xr__split(st, c, h, n, o->qty, bound, d->arrival_px, buy);
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
		trust += (uint64_t)xr__udiv((xr_u128)h[i].alloc * c[i].trust_ppm,
					    (uint64_t)o->qty);
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
			int64_t px = c[i].n_lv ? c[i].px[c[i].n_lv - 1] : d->arrival_px;
			h[i].alloc += t;
			h[i].notional += (xr_u128)t * (uint64_t)px;
			h[i].excess += (xr_i128)t * xr__worse(px, d->arrival_px, buy);
			excess += (xr_i128)t * xr__worse(px, d->arrival_px, buy);
			left -= t;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if (h[i].alloc == 0)
			continue;
		int64_t px = xr__avg_px(d->arrival_px, h[i].excess, h[i].alloc, buy);
		xr_u128 cash = xr_u128_div_u32(h[i].notional, (uint32_t)XR_QTY_SCALE);
		struct xr_alloc a = {
			.venue = d->ranked[i].venue, .qty = h[i].alloc,
			.limit_px = xr__take_limit(o, &c[i], bound, touch_only),
			.exp_px = px,
			.est_fees = xr_fee(cash > INT64_MAX ? INT64_MAX : (int64_t)cash,
					   c[i].fee_cbps),
		};
		xr__add_alloc(d, &a);
		d->est_fees += a.est_fees;
	}
	d->exp_px = xr__avg_px(d->arrival_px, excess, o->qty, buy);
	/* trust already weights each venue by its visible share of the order. */
	d->confidence_ppm = (uint32_t)trust;
	if (d->n_alloc == 1)
		d->decision = XR_D_BEST_SCORE;
	else
		d->decision = best->fill_qty >= o->qty ? XR_D_SPLIT_SPREAD : XR_D_SPLIT_DEPTH;
}

unsigned
xr_select(const struct xr_select_params *sp, const struct xr_snapshot *snap,
	  const struct xr_select_order *o, const uint64_t *in_flight,
	  struct xr_route_decision *d)
{
	const struct xr_strategy_cfg *st =
		&sp->strat[o->strategy < XR_STRAT_COUNT ? o->strategy : XR_STRAT_WEIGHTED_SCORE];
	int buy = o->side == XR_SIDE_BUY;
	uint64_t mask = o->allowed_mask & ~o->exclude_mask;
	int64_t need = st->two_x_depth ? (o->qty > INT64_MAX / 2 ? INT64_MAX : 2 * o->qty) : 0;
	uint8_t elig[XR_MAX_VENUES];
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
		if (!vm->healthy || vm->circuit == XR_CIRCUIT_OPEN || touch <= 0 || depth < need ||
		    vm->health_ppm < st->min_health_ppm)
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

	/* 3. Score and rank. */
	struct xr_venue_score scored[XR_MAX_VENUES];
	struct xr__cand cand[XR_MAX_VENUES], ranked_c[XR_MAX_SPLIT];
	uint64_t keys[XR_MAX_VENUES];
	for (unsigned n = 0; n < n_elig; n++) {
		uint8_t v = elig[n];
		xr__score(sp, st, snap, o, v, in_flight[v], arrival, d->bound_px, post, touch_only,
			  &scored[n], &cand[n]);
		/* Sort key: score (0..XR_SCORE_MAX, 20 bits) above the inverted
		 * position, so equal scores keep venue id order. */
		int64_t total = scored[n].total < 0 ? 0 : scored[n].total;
		uint64_t key = ((uint64_t)total << 8) | (uint64_t)(255 - n);
		unsigned i = n;
		while (i > 0 && keys[i - 1] < key) {
			keys[i] = keys[i - 1];
			i--;
		}
		keys[i] = key;
	}
	/* Insertion sort on 8-byte keys, then one copy per ranked venue, rather
	 * than shifting whole scores in the sort (docs/perf.md). */
	for (unsigned i = 0; i < n_elig; i++) {
		unsigned from = 255 - (unsigned)(keys[i] & 255);
		d->ranked[i] = scored[from];
		if (i < XR_MAX_SPLIT)
			ranked_c[i] = cand[from];
	}
	d->n_ranked = (uint8_t)n_elig;

	/* 4. Allocation. */
	if (post)
		xr__allocate_post(st, snap, o, ranked_c, d);
	else
		xr__allocate_take(st, o, ranked_c, d->bound_px, touch_only, d);
	if (d->n_alloc != 0 && !post)
		d->exp_slip_cbps = xr__slip_cbps(d->exp_px, arrival, buy);
	return d->n_alloc;
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
