/*
 * xr_heap: a fixed-capacity indexed binary min-heap of element ids keyed by
 * uint64_t deadlines (ns), for single-threaded use on the hot path. The
 * tree's one heap: execute's held children (by send time) and status-query
 * timers (by due time), and the sim venue's event queue.
 *
 * DESIGN
 *   A binary heap in an array (Williams, "Algorithm 232: Heapsort", CACM
 *   7(6), 1964): entry i's children are 2i+1 and 2i+2. Elements are ids
 *   0..cap-1 (a caller's slot or token) and the heap keeps each id's position
 *   (pos[id]), so an element can be removed or re-keyed in O(log n) from
 *   anywhere, not only the top (the position index of Sedgewick and Wayne's
 *   IndexMinPQ, "Algorithms", 4th ed., 2.4). Each entry carries its key, so
 *   a comparison reads the heap array only. Both arrays are allocated at
 *   init; nothing allocates afterwards.
 *
 *   Ties: by default entries of equal key compare equal, and where they go
 *   is the heap's shape (the sifts stop at an equal key, so a new entry does
 *   not pass an older equal one on its way up). In FIFO mode every push and
 *   re-key also takes the next number of a 64-bit counter, and equal keys
 *   come out in the order their keys were set: the order of events is then
 *   fully determined by the calls, whatever the shape.
 *
 *   Push, pop, top, remove and re-key are static inline: the stages call
 *   them per signal.
 *
 * GUARANTEES
 *   No allocation, no syscalls after xr_heap_init(). Not thread-safe: one
 *   owner thread (the stage, or the connector instance, that created it).
 */
#ifndef XR_HEAP_H
#define XR_HEAP_H

#include <stdbool.h>
#include <stdint.h>

/** pos[] of an id not in the heap; xr_heap_top() of an empty heap. */
#define XR_HEAP_NONE UINT32_MAX

/** One heap entry. */
struct xr_heap_ent {
	uint64_t key; /* deadline, ns */
	uint64_t tie; /* FIFO mode: when the key was set (counter); else 0 */
	uint32_t id;  /* the element, 0..cap-1 */
};

/** The heap. Read the fields through the functions below. */
struct xr_heap {
	struct xr_heap_ent *ent; /* cap entries; 0..n-1 are the heap */
	uint32_t *pos;		 /* cap, by id: index in ent[], or XR_HEAP_NONE */
	uint32_t n, cap;	 /* entries; most entries (ids 0..cap-1) */
	uint64_t seq;		 /* last tie handed out (FIFO mode) */
	bool fifo;		 /* equal keys first-in first-out */
};

/**
 * Allocate a heap for ids 0..@p cap-1, empty.
 * @param cap   1..2^31 ids (the caller's slots or tokens).
 * @param fifo  equal keys come out in the order their keys were set
 *              (xr_heap_push(), xr_heap_update()); false: by the heap's
 *              shape, a little cheaper.
 * @return 0, -EINVAL (cap out of range) or -ENOMEM (h is then empty and
 *         xr_heap_fini() may be called on it).
 * Thread: any (control path; allocates and touches every page).
 */
int xr_heap_init(struct xr_heap *h, uint32_t cap, bool fifo);

/** @return bytes xr_heap_init() allocates for @p cap ids. Thread: any. Pure. */
static inline uint64_t
xr_heap_bytes(uint64_t cap)
{
	return cap * (sizeof(struct xr_heap_ent) + sizeof(uint32_t));
}

/** Free the heap; @p h may be zeroed or already freed. Thread: the owner. */
void xr_heap_fini(struct xr_heap *h);

/* Is @p a before @p b: key, then tie (0 for both unless FIFO mode)? One
 * 128-bit compare, no branch on equal keys. */
static inline bool
xr__heap_before(const struct xr_heap_ent *a, const struct xr_heap_ent *b)
{
	__extension__ typedef unsigned __int128 u128;

	return ((u128)a->key << 64 | a->tie) < ((u128)b->key << 64 | b->tie);
}

static inline void
xr__heap_place(struct xr_heap *h, uint32_t i, const struct xr_heap_ent *e)
{
	h->ent[i] = *e;
	h->pos[e->id] = i;
}

/* Move @p e up from hole @p i while it is before its parent. */
static inline void
xr__heap_up(struct xr_heap *h, uint32_t i, const struct xr_heap_ent *e)
{
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (!xr__heap_before(e, &h->ent[p]))
			break;
		xr__heap_place(h, i, &h->ent[p]);
		i = p;
	}
	xr__heap_place(h, i, e);
}

/* Move @p e down from hole @p i while a child is before it (the earlier
 * child; the left one on a tie). */
static inline void
xr__heap_down(struct xr_heap *h, uint32_t i, const struct xr_heap_ent *e)
{
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && xr__heap_before(&h->ent[c + 1], &h->ent[c]))
			c++;
		if (!xr__heap_before(&h->ent[c], e))
			break;
		xr__heap_place(h, i, &h->ent[c]);
		i = c;
	}
	xr__heap_place(h, i, e);
}

/** @return entries in the heap, 0..cap. Thread: the owner. */
static inline uint32_t
xr_heap_count(const struct xr_heap *h)
{
	return h->n;
}

/** @return whether id @p id (< cap) is in the heap. Thread: the owner. */
static inline bool
xr_heap_contains(const struct xr_heap *h, uint32_t id)
{
	return h->pos[id] != XR_HEAP_NONE;
}

/** @return the id of the least key, or XR_HEAP_NONE if empty. Thread: the owner. */
static inline uint32_t
xr_heap_top(const struct xr_heap *h)
{
	return h->n > 0 ? h->ent[0].id : XR_HEAP_NONE;
}

/** @return the least key (ns), or UINT64_MAX if empty. Thread: the owner. */
static inline uint64_t
xr_heap_top_key(const struct xr_heap *h)
{
	return h->n > 0 ? h->ent[0].key : UINT64_MAX;
}

/** @return the key (ns) of id @p id, which must be in the heap. Thread: the owner. */
static inline uint64_t
xr_heap_key(const struct xr_heap *h, uint32_t id)
{
	return h->ent[h->pos[id]].key;
}

/**
 * Insert id @p id (< cap) with key @p key_ns.
 * @return true, or false (nothing changed) if @p id is already in the heap
 *         (so also whenever the heap is full: then every id is in it).
 * Thread: the owner. O(log n), no allocation.
 */
static inline bool
xr_heap_push(struct xr_heap *h, uint32_t id, uint64_t key_ns)
{
	if (h->pos[id] != XR_HEAP_NONE)
		return false;
	struct xr_heap_ent e = { .key = key_ns, .tie = h->fifo ? ++h->seq : 0, .id = id };
	xr__heap_up(h, h->n++, &e);
	return true;
}

/**
 * Remove the entry of the least key.
 * @return its id, or XR_HEAP_NONE if the heap was empty.
 * Thread: the owner. O(log n), no allocation.
 */
static inline uint32_t
xr_heap_pop(struct xr_heap *h)
{
	if (h->n == 0)
		return XR_HEAP_NONE;
	uint32_t id = h->ent[0].id;
	h->pos[id] = XR_HEAP_NONE;
	if (--h->n > 0) {
		struct xr_heap_ent last = h->ent[h->n];
		xr__heap_down(h, 0, &last);
	}
	return id;
}

/**
 * Remove id @p id (< cap) wherever it is: the last entry fills its place
 * and moves up or down from there.
 * @return true, or false if @p id was not in the heap.
 * Thread: the owner. O(log n), no allocation.
 */
static inline bool
xr_heap_remove(struct xr_heap *h, uint32_t id)
{
	uint32_t i = h->pos[id];

	if (i == XR_HEAP_NONE)
		return false;
	h->pos[id] = XR_HEAP_NONE;
	if (--h->n == i)
		return true;
	struct xr_heap_ent last = h->ent[h->n];
	if (i > 0 && xr__heap_before(&last, &h->ent[(i - 1) / 2]))
		xr__heap_up(h, i, &last);
	else
		xr__heap_down(h, i, &last);
	return true;
}

/**
 * Give id @p id, which must be in the heap, the key @p key_ns in place (in
 * FIFO mode it also goes after every key set before), moving it up if it
 * comes earlier than before, else down.
 * Thread: the owner. O(log n), no allocation.
 */
static inline void
xr_heap_update(struct xr_heap *h, uint32_t id, uint64_t key_ns)
{
	uint32_t i = h->pos[id];
	struct xr_heap_ent e = { .key = key_ns, .tie = h->fifo ? ++h->seq : 0, .id = id };

	if (xr__heap_before(&e, &h->ent[i]))
		xr__heap_up(h, i, &e);
	else
		xr__heap_down(h, i, &e);
}

#endif /* XR_HEAP_H */
