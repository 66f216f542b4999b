/*
 * xr_u64map: a fixed-capacity open-addressing map from a non-zero uint64_t
 * key to a fixed-size value, for single-threaded use on the hot path. The
 * tree's one hash map: the duplicate window (a set), the aggregator's
 * parents, the FIX connector's and the sim venue's ClOrdID -> order slot.
 *
 * DESIGN
 *   Linear probing over a power-of-two table, splitmix64-mixed keys (or, in
 *   sequential mode, the key's own low bits), and backward-shift deletion
 *   (Knuth, TAOCP vol. 3, 6.4 Algorithm R) so no tombstones accumulate and
 *   lookups stay short at any age. Keys and values sit in two arrays, so a
 *   probe walks 8-byte keys only. Capacity is fixed at init: nothing
 *   allocates afterwards. Callers keep the load at or below one half (they
 *   bound how many keys can be live at once). Key 0 means "empty": upsert
 *   refuses it, find and remove never see it.
 *
 *   find, upsert and remove are static inline: the stages call them per
 *   signal, and a call would cost more than a short probe.
 */
#ifndef XR_U64MAP_H
#define XR_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
 * crafted key set would collide. Looking up keys from outside (a ClOrdID a
 * venue echoes) is fine: only the stored keys shape the probe runs. The
 * live window is one probe run, so removing its oldest key walks the whole
 * window (each key stays): keep the window short (zero-latency venues,
 * parents in flight) or use xr_u64map_init().
 * Thread: any (control path).
 */
int xr_u64map_init_seq(struct xr_u64map *m, uint64_t max_keys, size_t val_size);

/** Free the map. Thread: the owner. */
void xr_u64map_fini(struct xr_u64map *m);

/** @return the value slot @p i (a key slot of @p m). Thread: the owner. */
static inline void *
xr_u64map_val_at(const struct xr_u64map *m, uint64_t i)
{
	return m->vals != NULL ? m->vals + i * m->val_size : (void *)&m->keys[i];
}

/**
 * Look @p key up.
 * @return its value (val_size bytes; for a set, a non-NULL pointer not to be
 *         written), or NULL if absent (always NULL for key 0). Valid until
 *         the next upsert or remove.
 * Thread: the owner. O(1) expected, no allocation.
 */
static inline void *
xr_u64map_find(const struct xr_u64map *m, uint64_t key)
{
	uint64_t i = xr_u64map_home(m, key);

	while (m->keys[i] != 0) {
		if (m->keys[i] == key)
			return xr_u64map_val_at(m, i);
		i = (i + 1) & m->mask;
	}
	return NULL;
}

/**
 * Find @p key or insert it with a zeroed value.
 * @param inserted  set to true if the key was new, else false.
 * @return the value, or NULL (nothing changed) if @p key is 0 or the table
 *         is full (mask keys: one slot stays empty so probes end; never at
 *         the load <= 1/2 init sized it for).
 * Thread: the owner. O(1) expected, no allocation.
 */
static inline void *
xr_u64map_upsert(struct xr_u64map *m, uint64_t key, bool *inserted)
{
	uint64_t i = xr_u64map_home(m, key);

	*inserted = false;
	while (m->keys[i] != 0) {
		if (m->keys[i] == key)
			return xr_u64map_val_at(m, i);
		i = (i + 1) & m->mask;
	}
	if (m->count == m->mask || key == 0)
		return NULL;
	m->keys[i] = key;
	m->count++;
	*inserted = true;
	return xr_u64map_val_at(m, i);
}

/* Copy value slot @p from to slot @p to; a set has none. The usual sizes
 * are fixed-size copies (one move), not a call to memcpy. */
static inline void
xr__u64map_val_copy(struct xr_u64map *m, uint64_t to, uint64_t from)
{
	size_t n = m->val_size;

	if (n == sizeof(uint32_t))
		memcpy(m->vals + to * sizeof(uint32_t), m->vals + from * sizeof(uint32_t),
		       sizeof(uint32_t));
	else if (n == sizeof(uint64_t))
		memcpy(m->vals + to * sizeof(uint64_t), m->vals + from * sizeof(uint64_t),
		       sizeof(uint64_t));
	else if (n != 0)
		memcpy(m->vals + to * n, m->vals + from * n, n);
}

/* Zero value slot @p i; a set has none. */
static inline void
xr__u64map_val_clear(struct xr_u64map *m, uint64_t i)
{
	size_t n = m->val_size;

	if (n == sizeof(uint32_t))
		memset(m->vals + i * sizeof(uint32_t), 0, sizeof(uint32_t));
	else if (n == sizeof(uint64_t))
		memset(m->vals + i * sizeof(uint64_t), 0, sizeof(uint64_t));
	else if (n != 0)
		memset(m->vals + i * n, 0, n);
}

/**
 * Remove @p key if present, by backward shift (Knuth, TAOCP vol. 3, 6.4
 * Algorithm R): later members of its probe run move back into the hole
 * unless their home lies cyclically in (hole, their slot], so every other
 * key stays findable and no tombstone is left. The freed value is zeroed.
 * @return true if it was present (never for key 0).
 * Thread: the owner. O(1) expected, no allocation.
 */
static inline bool
xr_u64map_remove(struct xr_u64map *m, uint64_t key)
{
	uint64_t i = xr_u64map_home(m, key);

	if (key == 0)
		return false;
	while (m->keys[i] != key) {
		if (m->keys[i] == 0)
			return false;
		i = (i + 1) & m->mask;
	}
	for (uint64_t j = i;;) {
		j = (j + 1) & m->mask;
		if (m->keys[j] == 0)
			break;
		uint64_t home = xr_u64map_home(m, m->keys[j]);
		bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
		if (stays)
			continue;
		m->keys[i] = m->keys[j];
		xr__u64map_val_copy(m, i, j);
		i = j;
	}
	m->keys[i] = 0;
	xr__u64map_val_clear(m, i);
	m->count--;
	return true;
}

#endif /* XR_U64MAP_H */
