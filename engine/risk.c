/*
 * Pre-trade risk primitives: token bucket, duplicate window, exposure.
 * See risk_pvt.h for the model and the memory-ordering pairs R2/A2.
 */
#include "risk_pvt.h"
#include "xr_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xr_types.h"

void
xr_token_bucket_init(struct xr_token_bucket *b, uint32_t rate_per_s,
		     uint32_t burst, uint64_t now_ns)
{
	b->rate_per_s = rate_per_s;
	b->burst = burst;
	b->nano_tokens = (int64_t)burst * XR_TOKEN_NANO;
	b->last_ns = now_ns;
	/* Any gap this long refills the whole bucket; capping dt here also
	 * keeps dt * rate far from overflow. */
	b->full_ns = (uint64_t)burst * (uint64_t)XR_TOKEN_NANO / rate_per_s + 1;
}

bool
xr_token_bucket_take(struct xr_token_bucket *b, uint64_t now_ns)
{
	int64_t cap = (int64_t)b->burst * XR_TOKEN_NANO;

	if (now_ns > b->last_ns) {
		uint64_t dt = now_ns - b->last_ns;
		if (dt >= b->full_ns)
			b->nano_tokens = cap;
		else
			b->nano_tokens += (int64_t)(dt * b->rate_per_s);
		if (b->nano_tokens > cap)
			b->nano_tokens = cap;
		b->last_ns = now_ns;
	}
	if (b->nano_tokens < XR_TOKEN_NANO)
		return false;
	b->nano_tokens -= XR_TOKEN_NANO;
	return true;
}

int
xr_dedup_init(struct xr_dedup *d, uint32_t window)
{
	memset(d, 0, sizeof(*d));
	if (window < 1024 || window > (UINT32_C(1) << 26))
		return -EINVAL;
	int rc = xr_u64map_init(&d->set, window, 0);
	if (rc != 0)
		return rc;
	d->fifo = xr_table_calloc(window, sizeof(uint64_t));
	if (d->fifo == NULL) {
		xr_dedup_fini(d);
		return -ENOMEM;
	}
	d->window = window;
	return 0;
}

void
xr_dedup_fini(struct xr_dedup *d)
{
	xr_u64map_fini(&d->set);
	xr_table_free(d->fifo);
	d->fifo = NULL;
}

bool
xr_dedup_check_insert(struct xr_dedup *d, uint64_t id)
{
	bool inserted;

	if (d->count == d->window && xr_u64map_find(&d->set, id) == NULL) {
		/* Full: the oldest id leaves the window first. */
		xr_u64map_remove(&d->set, d->fifo[d->head]);
		d->head = d->head + 1 == d->window ? 0 : d->head + 1;
		d->count--;
	}
	/* Load stays <= 1/2: the set holds at most window ids. */
	(void)xr_u64map_upsert(&d->set, id, &inserted);
	if (!inserted)
		return true;
	uint32_t tail = d->head + d->count;
	if (tail >= d->window)
		tail -= d->window;
	d->fifo[tail] = id;
	d->count++;
	return false;
}

bool
xr_exposure_allows(const struct xr_exposure_v *v, const struct xr_exposure_a *a,
		   int side, int64_t qty, int64_t max_position)
{
	xr_i128 worst;

	if (side == XR_SIDE_BUY) {
		/* A2: pairs with R2 in xr_exposure_fill/xr_exposure_release. */
		int64_t rel = atomic_load_explicit(&a->released_buy, memory_order_acquire);
		int64_t pos = atomic_load_explicit(&a->position, memory_order_relaxed);
		worst = (xr_i128)pos + ((xr_i128)v->reserved_buy - rel) + qty;
	} else {
		/* A2: as above. */
		int64_t rel = atomic_load_explicit(&a->released_sell, memory_order_acquire);
		int64_t pos = atomic_load_explicit(&a->position, memory_order_relaxed);
		worst = ((xr_i128)v->reserved_sell - rel) + qty - (xr_i128)pos;
	}
	return worst <= max_position;
}

void
xr_exposure_fill(struct xr_exposure_a *a, int side, int64_t qty)
{
	int64_t pos = atomic_load_explicit(&a->position, memory_order_relaxed);

	atomic_store_explicit(&a->position, side == XR_SIDE_BUY ? pos + qty : pos - qty,
			      memory_order_relaxed);
	xr_exposure_release(a, side, qty);
}

void
xr_exposure_release(struct xr_exposure_a *a, int side, int64_t qty)
{
	_Atomic int64_t *rel = side == XR_SIDE_BUY ? &a->released_buy : &a->released_sell;
	int64_t r = atomic_load_explicit(rel, memory_order_relaxed);

	/* R2: pairs with A2 in xr_exposure_allows; the position update above
	 * is visible to whoever sees this release. */
	atomic_store_explicit(rel, r + qty, memory_order_release);
}
