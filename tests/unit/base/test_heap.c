/*
 * xr_heap: order against a sorted reference under random pushes, pops,
 * removes and re-keys (both tie modes); a full heap; removal of the top and
 * of a middle entry; FIFO among equal keys; the empty heap.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <criterion/criterion.h>

#include "xr_heap.h"

/* xorshift64 (Marsaglia 2003): the tests' reproducible random stream. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The heap's invariants: every entry after its parent, positions right. */
static void
check_shape(const struct xr_heap *h)
{
	for (uint32_t i = 0; i < h->n; i++) {
		cr_assert_eq(h->pos[h->ent[i].id], i, "pos of id %u", h->ent[i].id);
		if (i > 0)
			cr_assert_not(xr__heap_before(&h->ent[i], &h->ent[(i - 1) / 2]),
				      "entry %u before its parent", i);
	}
}

/* The reference: per id, in or out, its key and when the key was set. */
struct ref {
	bool in;
	uint64_t key, when;
};

/* The id a FIFO heap must give next: least key, then least `when`; a
 * heap without FIFO must give one of the same key (*key). */
static uint32_t
ref_next(const struct ref *r, uint32_t cap, uint64_t *key)
{
	uint32_t best = XR_HEAP_NONE;

	for (uint32_t id = 0; id < cap; id++)
		if (r[id].in && (best == XR_HEAP_NONE || r[id].key < r[best].key ||
				 (r[id].key == r[best].key && r[id].when < r[best].when)))
			best = id;
	*key = best == XR_HEAP_NONE ? UINT64_MAX : r[best].key;
	return best;
}

static void
against_reference(bool fifo, uint64_t seed)
{
	enum { CAP = 64, OPS = 20000 };
	struct xr_heap h;
	struct ref r[CAP] = { 0 };
	uint64_t s = seed, clock = 0;
	uint32_t n = 0;

	cr_assert_eq(xr_heap_init(&h, CAP, fifo), 0);
	for (int op = 0; op < OPS; op++) {
		uint32_t id = (uint32_t)(rnd(&s) % CAP);
		/* Few distinct keys, so ties are common. */
		uint64_t key = 1000 + rnd(&s) % 16;
		switch (rnd(&s) % 4) {
		case 0: /* push */
			cr_assert_eq(xr_heap_push(&h, id, key), !r[id].in, "op %d", op);
			if (!r[id].in) {
				r[id] = (struct ref){ true, key, ++clock };
				n++;
			}
			break;
		case 1: { /* pop */
			uint64_t want_key;
			uint32_t want = ref_next(r, CAP, &want_key);
			cr_assert_eq(xr_heap_top_key(&h), want_key, "op %d", op);
			uint32_t got = xr_heap_pop(&h);
			if (want == XR_HEAP_NONE) {
				cr_assert_eq(got, XR_HEAP_NONE);
				break;
			}
			cr_assert_neq(got, XR_HEAP_NONE);
			cr_assert(r[got].in && r[got].key == want_key, "op %d: id %u", op, got);
			if (fifo)
				cr_assert_eq(got, want, "op %d: FIFO among equal keys", op);
			r[got].in = false;
			n--;
			break;
		}
		case 2: /* remove, anywhere */
			cr_assert_eq(xr_heap_remove(&h, id), r[id].in, "op %d", op);
			n -= r[id].in;
			r[id].in = false;
			break;
		default: /* re-key */
			if (!r[id].in)
				break;
			xr_heap_update(&h, id, key);
			r[id].key = key;
			r[id].when = ++clock;
			cr_assert_eq(xr_heap_key(&h, id), key);
			break;
		}
		cr_assert_eq(xr_heap_count(&h), n);
		for (uint32_t j = 0; j < CAP; j++)
			cr_assert_eq(xr_heap_contains(&h, j), r[j].in, "op %d id %u", op, j);
		check_shape(&h);
	}
	/* Drain: keys come out sorted (and, FIFO, in reference order). */
	uint64_t last = 0;
	while (xr_heap_count(&h) > 0) {
		uint64_t want_key;
		uint32_t want = ref_next(r, CAP, &want_key);
		uint32_t got = xr_heap_pop(&h);
		cr_assert_eq(r[got].key, want_key);
		cr_assert_geq(r[got].key, last);
		if (fifo)
			cr_assert_eq(got, want);
		last = r[got].key;
		r[got].in = false;
	}
	xr_heap_fini(&h);
}

Test(heap, order_matches_a_sorted_reference)
{
	for (uint64_t seed = 1; seed <= 6; seed++)
		against_reference(false, seed * 0x9e3779b97f4a7c15u);
}

Test(heap, fifo_mode_orders_equal_keys_by_when_they_were_set)
{
	for (uint64_t seed = 1; seed <= 6; seed++)
		against_reference(true, seed * 0x9e3779b97f4a7c15u);
}

Test(heap, a_full_heap_refuses_a_push_and_drains_in_order)
{
	enum { CAP = 100 };
	struct xr_heap h;

	cr_assert_eq(xr_heap_init(&h, CAP, false), 0);
	for (uint32_t id = 0; id < CAP; id++)
		cr_assert(xr_heap_push(&h, id, (uint64_t)(id * 37 % CAP) * 1000));
	cr_assert_eq(xr_heap_count(&h), CAP);
	cr_assert_not(xr_heap_push(&h, 5, 1), "full: every id is in");
	cr_assert_eq(xr_heap_count(&h), CAP);
	check_shape(&h);
	for (uint64_t k = 0; k < CAP; k++) {
		cr_assert_eq(xr_heap_top_key(&h), k * 1000);
		uint32_t id = xr_heap_pop(&h);
		cr_assert_eq((uint64_t)id * 37 % CAP, k);
		if (k == 0) {
			/* Room for one again. */
			cr_assert(xr_heap_push(&h, id, 0));
			cr_assert_eq(xr_heap_pop(&h), id);
		}
	}
	cr_assert_eq(xr_heap_pop(&h), XR_HEAP_NONE);
	xr_heap_fini(&h);
}

Test(heap, remove_of_the_top_and_of_a_middle_entry)
{
	struct xr_heap h;

	cr_assert_eq(xr_heap_init(&h, 16, false), 0);
	/* Keys 10, 20, ..., 150 for ids 0..14. */
	for (uint32_t id = 0; id < 15; id++)
		cr_assert(xr_heap_push(&h, id, 10 * (uint64_t)(id + 1)));
	cr_assert_eq(xr_heap_top(&h), 0);
	cr_assert(xr_heap_remove(&h, 0), "the top");
	cr_assert_eq(xr_heap_top(&h), 1);
	check_shape(&h);
	/* A middle entry with children and a parent: the last entry (150)
	 * fills its place and must sink. */
	uint32_t mid = h.ent[1].id;
	cr_assert(xr_heap_remove(&h, mid));
	cr_assert_not(xr_heap_contains(&h, mid));
	cr_assert_not(xr_heap_remove(&h, mid), "already out");
	check_shape(&h);
	/* One whose filler must rise: give the last entry a small key first. */
	uint32_t last = h.ent[h.n - 1].id, deep = h.ent[h.n - 2].id;
	xr_heap_update(&h, last, 15);
	check_shape(&h);
	cr_assert_eq(xr_heap_top(&h), last);
	xr_heap_update(&h, last, 10 * (uint64_t)(last + 1));
	cr_assert(xr_heap_remove(&h, deep));
	check_shape(&h);
	uint64_t prev = 0;
	uint32_t n = 0;
	while (xr_heap_count(&h) > 0) {
		uint32_t id = xr_heap_pop(&h);
		cr_assert(id != 0 && id != mid && id != deep);
		cr_assert_geq(10 * (uint64_t)(id + 1), prev);
		prev = 10 * (uint64_t)(id + 1);
		n++;
	}
	cr_assert_eq(n, 12);
	xr_heap_fini(&h);
}

Test(heap, fifo_ties_and_rekeys)
{
	struct xr_heap h;

	cr_assert_eq(xr_heap_init(&h, 8, true), 0);
	for (uint32_t id = 7; id > 0; id--)
		cr_assert(xr_heap_push(&h, id, 500)); /* 7, 6, ..., 1 */
	xr_heap_update(&h, 4, 500);		  /* 4 goes last */
	xr_heap_update(&h, 2, 100);		  /* 2 goes first */
	uint32_t want[] = { 2, 7, 6, 5, 3, 1, 4 };
	for (unsigned i = 0; i < 7; i++)
		cr_assert_eq(xr_heap_pop(&h), want[i], "pop %u", i);
	xr_heap_fini(&h);
}

Test(heap, empty_heap_and_bad_sizes)
{
	struct xr_heap h;

	cr_assert_eq(xr_heap_init(&h, 0, false), -EINVAL);
	xr_heap_fini(&h);
	cr_assert_eq(xr_heap_init(&h, (UINT32_C(1) << 31) + 1, false), -EINVAL);
	cr_assert_eq(xr_heap_init(&h, 4, false), 0);
	cr_assert_eq(xr_heap_top(&h), XR_HEAP_NONE);
	cr_assert_eq(xr_heap_top_key(&h), UINT64_MAX);
	cr_assert_eq(xr_heap_pop(&h), XR_HEAP_NONE);
	cr_assert_not(xr_heap_remove(&h, 3));
	cr_assert_not(xr_heap_contains(&h, 3));
	xr_heap_fini(&h);
	xr_heap_fini(&h); /* twice is fine */
}
