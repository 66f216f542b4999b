/*
 * xr_u64map: insert, find, remove; backward-shift deletion against a
 * reference under random operations; a full table; sequential mode; key 0;
 * sets (val_size 0).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "xr_u64map.h"

/* xorshift64 (Marsaglia 2003): the tests' reproducible random stream. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

Test(u64map, insert_find_remove_with_collisions)
{
	struct xr_u64map m;
	enum { N = 50000 };

	cr_assert_eq(xr_u64map_init(&m, N, sizeof(uint64_t)), 0);
	for (uint64_t k = 1; k <= N; k++) {
		bool ins;
		uint64_t *v = xr_u64map_upsert(&m, k * 7919, &ins);
		cr_assert(v != NULL && ins);
		*v = k;
	}
	/* Remove every third key, then check every key's presence and value:
	 * backward-shift deletion must keep the probe runs intact. */
	for (uint64_t k = 3; k <= N; k += 3)
		cr_assert(xr_u64map_remove(&m, k * 7919));
	for (uint64_t k = 1; k <= N; k++) {
		uint64_t *v = xr_u64map_find(&m, k * 7919);
		if (k % 3 == 0) {
			cr_assert_null(v, "key %lu was removed", (unsigned long)k);
		} else {
			cr_assert_not_null(v, "key %lu lost", (unsigned long)k);
			cr_assert_eq(*v, k);
		}
	}
	cr_assert_eq(m.count, N - N / 3);
	cr_assert_not(xr_u64map_remove(&m, 3 * 7919));
	xr_u64map_fini(&m);
}

Test(u64map, sequential_window_with_stragglers)
{
	/* Order ids: a sliding window of live keys from a counter, with every
	 * 97th key left live long after its neighbours (a resting order), so
	 * keys a table size apart share a home slot and probe runs wrap. */
	struct xr_u64map m;
	enum { LIVE = 1000, N = 200000 };
	static uint8_t live[N + 1];

	cr_assert_eq(xr_u64map_init_seq(&m, 2 * LIVE, sizeof(uint64_t)), 0);
	cr_assert(m.sequential);
	uint64_t n_live = 0;
	for (uint64_t k = 1; k <= N; k++) {
		bool ins;
		uint64_t *v = xr_u64map_upsert(&m, k, &ins);
		cr_assert(v != NULL && ins, "key %lu", (unsigned long)k);
		*v = k * 3;
		live[k] = 1;
		n_live++;
		if (k > LIVE && (k - LIVE) % 97 != 0) {
			cr_assert(xr_u64map_remove(&m, k - LIVE));
			live[k - LIVE] = 0;
			n_live--;
		}
		if (n_live >= 2 * LIVE - 1) {
			/* Retire the oldest stragglers to stay within capacity. */
			for (uint64_t j = 1; j <= k && n_live > LIVE; j++)
				if (live[j] && xr_u64map_remove(&m, j)) {
					live[j] = 0;
					n_live--;
				}
		}
	}
	cr_assert_eq(m.count, n_live);
	for (uint64_t k = 1; k <= N; k++) {
		uint64_t *v = xr_u64map_find(&m, k);
		if (live[k]) {
			cr_assert_not_null(v, "live key %lu lost", (unsigned long)k);
			cr_assert_eq(*v, k * 3);
		} else {
			cr_assert_null(v, "removed key %lu found", (unsigned long)k);
		}
	}
	xr_u64map_fini(&m);
}

Test(u64map, upsert_returns_existing_value)
{
	struct xr_u64map m;
	bool ins;

	cr_assert_eq(xr_u64map_init(&m, 16, sizeof(int)), 0);
	int *v = xr_u64map_upsert(&m, 99, &ins);
	cr_assert(ins);
	*v = 5;
	v = xr_u64map_upsert(&m, 99, &ins);
	cr_assert_not(ins);
	cr_assert_eq(*v, 5);
	cr_assert(xr_u64map_remove(&m, 99));
	v = xr_u64map_upsert(&m, 99, &ins);
	cr_assert(ins);
	cr_assert_eq(*v, 0, "a re-inserted key starts zeroed");
	xr_u64map_fini(&m);
}

/*
 * Random upserts and removes over a small key universe in a small table,
 * filled to 56 of its 64 slots, so probe runs are long, wrap around the
 * end and get holes punched in
 * them; after every operation the map agrees with a plain array on every
 * key of the universe. @p seq: sequential mode.
 */
static void
against_reference(bool seq, uint64_t seed, uint64_t key_stride)
{
	enum { MAX = 24, FILL = 56, UNIVERSE = 80, OPS = 20000 };
	struct xr_u64map m;
	uint64_t ref[UNIVERSE + 1] = { 0 }; /* value + 1, 0 = absent */
	uint64_t n = 0, s = seed;

	cr_assert_eq((seq ? xr_u64map_init_seq : xr_u64map_init)(&m, MAX, sizeof(uint64_t)), 0);
	for (int op = 0; op < OPS; op++) {
		uint64_t k = 1 + rnd(&s) % UNIVERSE, key = k * key_stride;
		bool ins;
		if (rnd(&s) % 2 == 0 && n < FILL) {
			uint64_t *v = xr_u64map_upsert(&m, key, &ins);
			cr_assert_not_null(v);
			cr_assert_eq(ins, ref[k] == 0, "op %d key %lu", op, (unsigned long)key);
			if (ins) {
				cr_assert_eq(*v, 0, "a new key starts zeroed");
				n++;
			}
			*v = (uint64_t)op;
			ref[k] = (uint64_t)op + 1;
		} else {
			cr_assert_eq(xr_u64map_remove(&m, key), ref[k] != 0, "op %d", op);
			n -= ref[k] != 0;
			ref[k] = 0;
		}
		cr_assert_eq(m.count, n);
		for (uint64_t j = 1; j <= UNIVERSE; j++) {
			uint64_t *v = xr_u64map_find(&m, j * key_stride);
			if (ref[j] == 0) {
				cr_assert_null(v, "op %d: removed key %lu found", op,
					       (unsigned long)(j * key_stride));
			} else {
				cr_assert_not_null(v, "op %d: key %lu lost", op,
						   (unsigned long)(j * key_stride));
				cr_assert_eq(*v, ref[j] - 1);
			}
		}
	}
	xr_u64map_fini(&m);
}

Test(u64map, backward_shift_keeps_every_other_key_findable)
{
	for (uint64_t seed = 1; seed <= 8; seed++)
		against_reference(false, seed * 0x9e3779b97f4a7c15u, 1);
}

Test(u64map, backward_shift_in_sequential_mode_with_wrapping_runs)
{
	/* Strides 1 (a window of ids), 16 and 64 (keys a table size apart:
	 * every one on the same few home slots). */
	for (uint64_t seed = 1; seed <= 4; seed++) {
		against_reference(true, seed * 0x9e3779b97f4a7c15u, 1);
		against_reference(true, seed * 0x9e3779b97f4a7c15u, 16);
		against_reference(true, seed * 0x9e3779b97f4a7c15u, 64);
	}
}

Test(u64map, a_full_table_refuses_a_new_key_and_keeps_the_rest)
{
	struct xr_u64map m;
	bool ins;

	/* 4 keys at load 1/2: 8 slots, of which 7 may fill (one stays empty
	 * so a probe for an absent key ends). */
	cr_assert_eq(xr_u64map_init(&m, 4, sizeof(uint32_t)), 0);
	cr_assert_eq(m.mask, 7);
	for (uint32_t k = 1; k <= 7; k++) {
		uint32_t *v = xr_u64map_upsert(&m, k * 1000003u, &ins);
		cr_assert(v != NULL && ins, "key %u", k);
		*v = k;
	}
	cr_assert_null(xr_u64map_upsert(&m, 8 * 1000003u, &ins));
	cr_assert_not(ins);
	cr_assert_eq(m.count, 7);
	cr_assert_null(xr_u64map_find(&m, 8 * 1000003u), "an absent key's probe ends");
	uint32_t *v = xr_u64map_upsert(&m, 3 * 1000003u, &ins);
	cr_assert(v != NULL && !ins && *v == 3, "a present key is still found when full");
	cr_assert(xr_u64map_remove(&m, 5 * 1000003u));
	v = xr_u64map_upsert(&m, 8 * 1000003u, &ins);
	cr_assert(v != NULL && ins, "room again after a remove");
	for (uint32_t k = 1; k <= 8; k++)
		cr_assert_eq(xr_u64map_find(&m, k * 1000003u) != NULL, k != 5, "key %u", k);
	xr_u64map_fini(&m);
}

Test(u64map, sequential_mode_puts_keys_on_their_own_low_bits)
{
	struct xr_u64map m;
	bool ins;

	cr_assert_eq(xr_u64map_init_seq(&m, 8, sizeof(uint64_t)), 0);
	cr_assert_eq(m.mask, 15);
	for (uint64_t k = 100; k < 108; k++) {
		cr_assert_eq(xr_u64map_home(&m, k), k & 15);
		cr_assert_not_null(xr_u64map_upsert(&m, k, &ins));
		cr_assert_eq(m.keys[k & 15], k, "consecutive keys, consecutive slots");
	}
	/* 116 shares 100's home: it probes to the first free slot after 107. */
	cr_assert_not_null(xr_u64map_upsert(&m, 116, &ins));
	cr_assert_eq(m.keys[108 & 15], 116);
	cr_assert(xr_u64map_remove(&m, 100));
	cr_assert_eq(m.keys[100 & 15], 116, "116 shifts back to its home slot");
	cr_assert_eq(m.keys[108 & 15], 0);
	cr_assert_not_null(xr_u64map_find(&m, 116));
	xr_u64map_fini(&m);

	cr_assert_eq(xr_u64map_init(&m, 8, sizeof(uint64_t)), 0);
	cr_assert_not(m.sequential);
	cr_assert_eq(xr_u64map_home(&m, 101), xr_u64map_mix(101) & 15, "mixed by default");
	xr_u64map_fini(&m);
}

Test(u64map, key_zero_is_refused)
{
	struct xr_u64map m;
	bool ins = true;

	cr_assert_eq(xr_u64map_init(&m, 8, sizeof(uint64_t)), 0);
	cr_assert_null(xr_u64map_upsert(&m, 0, &ins));
	cr_assert_not(ins);
	cr_assert_eq(m.count, 0);
	cr_assert_not_null(xr_u64map_upsert(&m, 5, &ins));
	cr_assert_null(xr_u64map_find(&m, 0));
	cr_assert_not(xr_u64map_remove(&m, 0));
	cr_assert_eq(m.count, 1);
	cr_assert_not_null(xr_u64map_find(&m, 5));
	xr_u64map_fini(&m);
	cr_assert_eq(xr_u64map_init(&m, 0, 8), -EINVAL);
}

Test(u64map, val_size_zero_is_a_set)
{
	struct xr_u64map m;
	bool ins;

	cr_assert_eq(xr_u64map_init(&m, 100, 0), 0);
	cr_assert_null(m.vals, "a set has no value array");
	for (uint64_t k = 1; k <= 100; k++) {
		cr_assert_not_null(xr_u64map_upsert(&m, k * k, &ins));
		cr_assert(ins);
	}
	cr_assert_not_null(xr_u64map_upsert(&m, 49, &ins));
	cr_assert_not(ins, "already a member");
	for (uint64_t k = 1; k <= 100; k += 2)
		cr_assert(xr_u64map_remove(&m, k * k));
	for (uint64_t k = 1; k <= 100; k++)
		cr_assert_eq(xr_u64map_find(&m, k * k) != NULL, k % 2 == 0, "key %lu",
			     (unsigned long)(k * k));
	cr_assert_null(xr_u64map_find(&m, 2));
	cr_assert_eq(m.count, 50);
	xr_u64map_fini(&m);
}
