/*
 * xr_ring: a bounded, lock-free, single-producer/single-consumer ring of
 * fixed-size messages copied by value.
 *
 * DESIGN
 *   Capacity is a power of two and every slot of it is usable: the producer
 *   index `head` and the consumer index `tail` are free-running 64-bit
 *   counters (they never wrap in practice: 2^64 messages at 10^9/s is 584
 *   years), the slot of index i is i & mask, and head - tail is the fill.
 *   The producer's state (head, its cached copy of tail, and read-only copies
 *   of mask/slots/slot size) sits on its own cache-line pair, the consumer's
 *   likewise, so each side touches the other's line only when its cached copy
 *   of the partner index says the ring looks full (producer) or empty
 *   (consumer). The pair-of-lines padding also defeats the adjacent-line
 *   prefetcher (DPDK's RTE_CACHE_GUARD does the same).
 *
 * MEMORY ORDERING (see docs/ring.md)
 *   R0 (producer publishes head, release) pairs with A1 (consumer reads head,
 *   acquire): slot contents written before R0 are visible after A1.
 *   R1 (consumer publishes tail, release) pairs with A0 (producer reads tail,
 *   acquire): the consumer's reads of a slot happen before the producer
 *   overwrites it.
 *
 * GUARANTEES
 *   Wait-free on both sides; no allocation, no syscalls, no locks after
 *   xr_ring_create(). Exactly one producer thread and one consumer thread at
 *   a time; handing a side to another thread needs an external
 *   happens-before (thread start/join, or a release/acquire pair).
 */
#ifndef XR_RING_H
#define XR_RING_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/** Cache line size assumed for layout (bytes). */
#define XR_CACHE_LINE 64
/** Padding unit between producer and consumer state (bytes): two lines. */
#define XR_RING_PAD (2 * XR_CACHE_LINE)
/** Largest capacity accepted by xr_ring_create() (slots). */
#define XR_RING_MAX_CAPACITY (UINT32_C(1) << 30)

/** One side's view of the ring; private, see struct xr_ring. */
struct xr__ring_side {
	_Atomic uint64_t index;	 /* own index: head (producer) or tail (consumer) */
	uint64_t other_cache;	 /* last seen value of the partner's index */
	uint64_t capacity;	 /* slots, power of two (read-only copy) */
	uint64_t mask;		 /* capacity - 1 (read-only copy) */
	unsigned char *slots;	 /* slot storage (read-only copy) */
	uint32_t slot_size;	 /* bytes, multiple of XR_CACHE_LINE (read-only copy) */
};

/**
 * An SPSC ring. Allocate with xr_ring_create(); the layout is public only so
 * the fast path can be inlined. Touch no field directly.
 */
struct xr_ring {
	alignas(XR_RING_PAD) struct xr__ring_side prod;
	alignas(XR_RING_PAD) struct xr__ring_side cons;
	alignas(XR_RING_PAD) unsigned char slot_storage[];
};

/**
 * Whether a ring shape is valid: @p capacity a power of two in
 * 1..XR_RING_MAX_CAPACITY, @p slot_size 8, 16, 32 or a non-zero multiple of
 * XR_CACHE_LINE (64) up to 64 KiB. Slots below 64 bytes pack 8, 4 or 2 per
 * cache line, so a burst moves more messages per line transfer.
 *
 * Thread: any. Pure.
 */
bool xr_ring_shape_valid(uint32_t capacity, uint32_t slot_size);

/**
 * Bytes of memory a ring of this shape needs (header and slots), a multiple
 * of XR_RING_PAD (128); 0 if the shape is invalid (xr_ring_shape_valid()).
 *
 * Thread: any. Pure.
 */
size_t xr_ring_memsize(uint32_t capacity, uint32_t slot_size);

/**
 * Build a ring in caller-provided memory, for placing rings in one
 * prefaulted or huge-page arena (docs/deploy.md).
 *
 * @param mem        xr_ring_memsize(capacity, slot_size) bytes, aligned to
 *                   XR_RING_PAD (128); zeroed here (which prefaults it).
 *                   The caller keeps ownership and frees it after both
 *                   sides are done; never pass the result to
 *                   xr_ring_destroy().
 * @param capacity   as for xr_ring_create().
 * @param slot_size  as for xr_ring_create().
 * @return           the ring (== mem), or NULL with errno EINVAL (bad shape,
 *                   NULL or misaligned @p mem).
 *
 * Thread: any; control path.
 */
struct xr_ring *xr_ring_init(void *mem, uint32_t capacity, uint32_t slot_size);

/**
 * Create a ring on the heap.
 *
 * @param capacity   slots, a power of two in 1..XR_RING_MAX_CAPACITY.
 * @param slot_size  bytes per message: 8, 16, 32, or a non-zero multiple of
 *                   XR_CACHE_LINE (64) up to 64 KiB.
 * @return           the ring, or NULL with errno EINVAL (bad shape) or
 *                   ENOMEM. Slots are zeroed and prefaulted.
 *
 * Thread: any; control path (allocates).
 */
struct xr_ring *xr_ring_create(uint32_t capacity, uint32_t slot_size);

/**
 * Free a ring created by xr_ring_create() (not one from xr_ring_init()).
 * NULL is accepted.
 *
 * Thread: any, once neither side is in use.
 */
void xr_ring_destroy(struct xr_ring *r);

/** @return the ring's capacity (slots). Thread: any. */
static inline uint32_t
xr_ring_capacity(const struct xr_ring *r)
{
	return (uint32_t)r->prod.capacity;
}

/** @return the ring's slot size (bytes). Thread: any. */
static inline uint32_t
xr_ring_slot_size(const struct xr_ring *r)
{
	return r->prod.slot_size;
}

/**
 * Number of messages in the ring, 0..capacity. Exact when called by either
 * side with the other idle; otherwise a snapshot that may be stale by the
 * time it returns.
 *
 * Thread: any. Progress: wait-free.
 */
static inline uint32_t
xr_ring_count(const struct xr_ring *r)
{
	/* Head first, then tail: tail can only have moved towards (or past)
	 * the head we read, so head - tail <= capacity, and a tail that
	 * overtook it means empty. Loading tail first let both move between
	 * the loads and gave counts far above capacity. */
	uint64_t head = atomic_load_explicit(&r->prod.index, memory_order_acquire);
	uint64_t tail = atomic_load_explicit(&r->cons.index, memory_order_acquire);
	return head >= tail ? (uint32_t)(head - tail) : 0;
}

/*
 * Copy n slots of ss bytes. A single slot is copied with constant-size
 * memcpys (8 bytes per word below 64-byte slots, 64 per line above), which
 * the compiler inlines as a few moves; a call
 * to memcpy with a run-time length costs more than the whole enqueue of one
 * 8-byte message (DPDK's rte_ring_elem does the same per element size).
 */
static inline void
xr__ring_copy(unsigned char *dst, const unsigned char *src, uint64_t n,
	      size_t ss)
{
	if (n == 1) {
		/* Loops rather than a switch on ss: GCC's -Warray-bounds flags a
		 * switch arm larger than the caller's message even when ss rules
		 * that arm out. */
		if (ss < 64) {
			for (size_t off = 0; off < ss; off += 8)
				memcpy(dst + off, src + off, 8);
		} else {
			for (size_t off = 0; off < ss; off += 64)
				memcpy(dst + off, src + off, 64);
		}
		return;
	}
	memcpy(dst, src, (size_t)n * ss);
}

/* Copy n slots between a linear buffer and the ring starting at index idx. */
static inline void
xr__ring_copy_in(const struct xr__ring_side *s, uint64_t idx, const void *src,
		 uint32_t n)
{
	uint64_t first_slot = idx & s->mask;
	uint64_t first = s->capacity - first_slot;
	size_t ss = s->slot_size;

	if (first > n)
		first = n;
	xr__ring_copy(s->slots + first_slot * ss, src, first, ss);
	if (n > first)
		xr__ring_copy(s->slots, (const unsigned char *)src + first * ss,
			      n - first, ss);
}

static inline void
xr__ring_copy_out(const struct xr__ring_side *s, uint64_t idx, void *dst,
		  uint32_t n)
{
	uint64_t first_slot = idx & s->mask;
	uint64_t first = s->capacity - first_slot;
	size_t ss = s->slot_size;

	if (first > n)
		first = n;
	xr__ring_copy(dst, s->slots + first_slot * ss, first, ss);
	if (n > first)
		xr__ring_copy((unsigned char *)dst + first * ss, s->slots,
			      n - first, ss);
}

/**
 * Enqueue up to @p n messages, copying each slot.
 *
 * @param r     ring; the caller keeps ownership.
 * @param msgs  n messages of r's slot size (bytes), packed.
 * @param n     count, 0..UINT32_MAX (more than the free space is fine).
 * @return      number enqueued, 0..n, as many as fit; no other failure.
 *
 * Thread:   the single producer of @p r only.
 * Progress: wait-free; no allocation, no syscalls.
 */
static inline uint32_t
xr_ring_enqueue_burst(struct xr_ring *r, const void *msgs, uint32_t n)
{
	struct xr__ring_side *p = &r->prod;
	if (n == 0)
		return 0;
	/* Own index: only this thread writes it. */
	uint64_t head = atomic_load_explicit(&p->index, memory_order_relaxed);
	uint64_t space = p->capacity - (head - p->other_cache);

	if (space < n) {
		/* A0: pairs with R1 in xr_ring_dequeue_burst; the consumer is done
		 * reading every slot below tail before we overwrite it. */
		p->other_cache = atomic_load_explicit(&r->cons.index,
						      memory_order_acquire);
		space = p->capacity - (head - p->other_cache);
		if (space < n)
			n = (uint32_t)space;
		if (n == 0)
			return 0;
	}
	xr__ring_copy_in(p, head, msgs, n);
	/* R0: pairs with A1 in xr_ring_dequeue_burst; slot contents are visible
	 * before the new head is. */
	atomic_store_explicit(&p->index, head + n, memory_order_release);
	return n;
}

/**
 * Dequeue up to @p n messages, copying each slot out.
 *
 * @param r     ring.
 * @param msgs  room for n messages of r's slot size (bytes), packed.
 * @param n     count, 0..UINT32_MAX.
 * @return      number dequeued, 0..n; 0 when the ring is empty.
 *
 * Thread:   the single consumer of @p r only.
 * Progress: wait-free; no allocation, no syscalls.
 */
static inline uint32_t
xr_ring_dequeue_burst(struct xr_ring *r, void *msgs, uint32_t n)
{
	struct xr__ring_side *c = &r->cons;
	if (n == 0)
		return 0;
	uint64_t tail = atomic_load_explicit(&c->index, memory_order_relaxed);
	uint64_t avail = c->other_cache - tail;

	if (avail < n) {
		/* A1: pairs with R0 in xr_ring_enqueue_burst; slots below head
		 * hold complete messages. */
		c->other_cache = atomic_load_explicit(&r->prod.index,
						      memory_order_acquire);
		avail = c->other_cache - tail;
		if (avail < n)
			n = (uint32_t)avail;
		if (n == 0)
			return 0;
	}
	xr__ring_copy_out(c, tail, msgs, n);
	/* R1: pairs with A0 in xr_ring_enqueue_burst; our slot reads complete
	 * before the producer may reuse the slots. */
	atomic_store_explicit(&c->index, tail + n, memory_order_release);
	return n;
}

/**
 * Enqueue one message.
 *
 * @return true if enqueued, false if the ring is full.
 * Thread: the single producer only. Progress: wait-free.
 */
static inline bool
xr_ring_enqueue(struct xr_ring *r, const void *msg)
{
	return xr_ring_enqueue_burst(r, msg, 1) == 1;
}

/**
 * Dequeue one message.
 *
 * @return true if a message was copied to @p msg, false if empty.
 * Thread: the single consumer only. Progress: wait-free.
 */
static inline bool
xr_ring_dequeue(struct xr_ring *r, void *msg)
{
	return xr_ring_dequeue_burst(r, msg, 1) == 1;
}

/**
 * Free slots as seen by the producer, refreshing its cached tail.
 *
 * @return 0..capacity; at least this many can be enqueued next.
 * Thread: the single producer only. Progress: wait-free.
 */
static inline uint32_t
xr_ring_free_count(struct xr_ring *r)
{
	struct xr__ring_side *p = &r->prod;
	uint64_t head = atomic_load_explicit(&p->index, memory_order_relaxed);

	/* A0': same pairing as A0 (with R1 in xr_ring_dequeue_burst). */
	p->other_cache = atomic_load_explicit(&r->cons.index, memory_order_acquire);
	return (uint32_t)(p->capacity - (head - p->other_cache));
}

/**
 * Room for up to @p want messages, reading the consumer's index only when
 * the cached copy shows less than @p want free.
 *
 * @return min(want, free slots); the next enqueue of that many succeeds.
 * Thread: the single producer only. Progress: wait-free.
 */
static inline uint32_t
xr_ring_room(struct xr_ring *r, uint32_t want)
{
	struct xr__ring_side *p = &r->prod;
	uint64_t head = atomic_load_explicit(&p->index, memory_order_relaxed);
	uint64_t space = p->capacity - (head - p->other_cache);

	if (space < want) {
		/* A0'': same pairing as A0 (with R1 in xr_ring_dequeue_burst). */
		p->other_cache = atomic_load_explicit(&r->cons.index,
						      memory_order_acquire);
		space = p->capacity - (head - p->other_cache);
	}
	return space < want ? (uint32_t)space : want;
}

#endif /* XR_RING_H */
