/*
 * xr_u64map: a fixed-capacity open-addressing map from a non-zero uint64_t
 * key to a fixed-size value, for single-threaded use on the hot path.
 *
 * DESIGN
 *   Linear probing over a power-of-two table, splitmix64-mixed keys, and
 *   backward-shift deletion (Knuth, TAOCP vol. 3, 6.4 Algorithm R) so no
 *   tombstones accumulate and lookups stay short at any age. Capacity is
 *   fixed at init: nothing allocates afterwards. Callers keep the load at or
 *   below one half (they bound how many keys can be live at once).
 *   Key 0 means "empty" and cannot be stored.
 */
#ifndef XR_U64MAP_H
#define XR_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xr_u64map {
	uint64_t *keys;	      /* 0 = empty */
	unsigned char *vals;  /* val_size bytes per slot; NULL if val_size 0 */
	size_t val_size;
	uint64_t mask;	      /* slots - 1 */
	uint64_t count;	      /* keys held */
	bool sequential;      /* home slot = key & mask (see _init_seq) */
};

/* splitmix64 finaliser (Steele, Lea, Flood 2014): the home-slot mix. */
static inline uint64_t
xr_u64map_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

/** @return the home slot of @p key. Thread: any reader of @p m. */
static inline uint64_t
xr_u64map_home(const struct xr_u64map *m, uint64_t key)
{
	return (m->sequential ? key : xr_u64map_mix(key)) & m->mask;
}

/**
 * Prefetch the cache line of @p key's home slot for writing, so a burst
 * can issue its misses together before it looks the keys up one by one.
 * Thread: the owner. No effect on the map.
 */
static inline void
xr_u64map_prefetch(const struct xr_u64map *m, uint64_t key)
{
	__builtin_prefetch(&m->keys[xr_u64map_home(m, key)], 1, 3);
}

/**
 * Allocate a map with room for at least @p max_keys keys at load <= 1/2.
 * @param val_size  bytes of value per key, 0 for a set.
 * @return 0, -EINVAL (max_keys 0 or > 2^40), or -ENOMEM. Values start zeroed.
 * Thread: any (control path).
 */
int xr_u64map_init(struct xr_u64map *m, uint64_t max_keys, size_t val_size);

/**
 * As xr_u64map_init(), for keys drawn from an increasing counter (order ids)
 * of which only a sliding window is live: the home slot of a key is the key
 * itself modulo the table size, so consecutive keys sit in consecutive slots
 * and the live window stays in a few hot cache lines instead of one miss per
 * lookup. Keys from outside (signal ids) must use xr_u64map_init(): a
 * crafted key set would collide.
 * Thread: any (control path).
 */
int xr_u64map_init_seq(struct xr_u64map *m, uint64_t max_keys, size_t val_size);

/** Free the map. Thread: the owner. */
void xr_u64map_fini(struct xr_u64map *m);

/**
 * @return the value of @p key, or NULL. Valid until the next insert/remove.
 * Thread: the owner. O(1) expected, no allocation.
 */
void *xr_u64map_find(const struct xr_u64map *m, uint64_t key);

/**
 * Find @p key or insert it with a zeroed value.
 * @param inserted  set to true if the key was new.
 * @return the value, or NULL if the table is full (never at load <= 1/2).
 * Thread: the owner. O(1) expected, no allocation.
 */
void *xr_u64map_upsert(struct xr_u64map *m, uint64_t key, bool *inserted);

/**
 * Remove @p key if present. @return true if it was present.
 * Thread: the owner. O(1) expected, no allocation.
 */
bool xr_u64map_remove(struct xr_u64map *m, uint64_t key);

#endif /* XR_U64MAP_H */
