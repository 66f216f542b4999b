/*
 * xr_ring: a bounded, lock-free, single-producer/single-consumer ring of
 * fixed-size messages copied by value.
 *
 * DESIGN
 *   Capacity is a power of two and every slot of it is usable: the producer
 *   index `head` and the consumer index `tail` are free-running 64-bit
 *   counters, message i lives in cell i & mask, and head - tail is the fill.
 *
 *   The slot size picks one of two layouts, both behind the same calls:
 *
 *   Sequence-word layout (8-, 16- and 32-byte slots). Each cell holds one
 *   message followed by its own sequence word (the FastForward / Disruptor
 *   per-slot sequence). The producer copies a burst of n messages (n = 1 for
 *   xr_ring_enqueue) into cells head..head+n-1 and then stores head + n, the
 *   burst's end, into the sequence word of its first cell. The consumer
 *   polls the word of the cell it wants next, which is always the first cell
 *   of a burst, so a small message crosses between the CPUs as one cache
 *   line (the cell shares the line with its word), not as the producer's
 *   index line followed by the slot line that index guards.
 *
 *   Index layout (slots of 64 bytes and up). Cells are the messages alone,
 *   contiguous, and the consumer learns of new ones from the producer's
 *   index, read only when its cached copy shows fewer than it wants. A
 *   message of a line or more moves its own lines whatever guards it, so a
 *   per-cell word would save no transfer; it would cost a line per cell and
 *   split a burst into per-cell copies, where contiguous cells let a burst
 *   be one memcpy (two at the wrap).
 *
 *   In both layouts the producer learns about free cells from the consumer's
 *   index, read only when its cached copy says the ring looks full, so the
 *   consumer never writes a cell.
 *
 *   The producer's state (head, its cached copy of tail, read-only copies of
 *   the shape) sits on its own cache-line pair, the consumer's likewise; the
 *   pair-of-lines padding defeats the adjacent-line prefetcher (DPDK's
 *   RTE_CACHE_GUARD does the same).
 *
 * MEMORY ORDERING (see docs/ring.md)
 *   R0 (producer publishes a burst, release) pairs with A1 (consumer learns
 *   of it, acquire): every message of the burst, and of every earlier one,
 *   is visible after A1. In the sequence-word layout R0 is the store of the
 *   burst's end into its first cell's word and A1 the load of that word; in
 *   the index layout R0 is the store of head and A1 the load of head.
 *   R1 (consumer publishes tail, release) pairs with A0 (producer reads tail,
 *   acquire): the consumer's reads of a cell happen before the producer
 *   overwrites it.
 *   R2 (producer stores head in the sequence-word layout, release) pairs
 *   with A2 in xr_ring_count only.
 *
 * GUARANTEES
 *   Wait-free on both sides; no allocation, no syscalls, no locks, no atomic
 *   read-modify-write and no fence after xr_ring_create(). Exactly one
 *   producer thread and one consumer thread at a time; handing a side to
 *   another thread needs an external happens-before (thread start/join, or a
 *   release/acquire pair).
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
	uint64_t other_cache;	 /* producer: last tail read; consumer: first
				  * index not yet seen published (>= tail) */
	uint64_t capacity;	 /* slots, power of two (read-only copy) */
	uint64_t mask;		 /* capacity - 1 (read-only copy) */
	unsigned char *cells;	 /* cell storage (read-only copy) */
	uint32_t slot_size;	 /* message bytes: 8, 16, 32 or k * 64 (read-only) */
	uint32_t cell_size;	 /* bytes per cell, see xr_ring_memsize() (read-only) */
};

/**
 * An SPSC ring. Allocate with xr_ring_create(); the layout is public only so
 * the fast path can be inlined. Touch no field directly.
 */
struct xr_ring {
	alignas(XR_RING_PAD) struct xr__ring_side prod;
	alignas(XR_RING_PAD) struct xr__ring_side cons;
	alignas(XR_RING_PAD) unsigned char cell_storage[];
};

/**
 * Whether a ring shape is valid: @p capacity a power of two in
 * 1..XR_RING_MAX_CAPACITY, @p slot_size 8, 16, 32 or a non-zero multiple of
 * XR_CACHE_LINE (64) up to 64 KiB.
 *
 * Thread: any. Pure.
 */
bool xr_ring_shape_valid(uint32_t capacity, uint32_t slot_size);

/**
 * Bytes of memory a ring of this shape needs (header and cells), a multiple
 * of XR_RING_PAD (128); 0 if the shape is invalid (xr_ring_shape_valid()).
 * A cell of an 8-, 16- or 32-byte slot is the message and its 8-byte
 * sequence word, 2 * slot_size bytes (4, 2 and 1 cells per line); from 64
 * bytes up a cell is the message alone, slot_size bytes.
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
 *                   ENOMEM. Cells are zeroed and prefaulted.
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

/** @return the ring's slot size (bytes per message). Thread: any. */
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
	 * overtook it (a difference that wraps to a huge value) means empty.
	 * A2: pairs with R2 in xr_ring_enqueue_burst; A2': with R1 in
	 * xr_ring_dequeue_burst. */
	uint64_t head = atomic_load_explicit(&r->prod.index, memory_order_acquire);
	uint64_t tail = atomic_load_explicit(&r->cons.index, memory_order_acquire);
	uint64_t fill = head - tail;
	return fill <= r->prod.capacity ? (uint32_t)fill : 0;
}

/*
 * Copy one message of ss bytes (8, 16, 32 or a multiple of 64) with
 * constant-size memcpys, which the compiler inlines as a few moves. A copy
 * whose length is the run-time slot size, even as a loop of 8-byte words,
 * becomes `rep movsq` or a memcpy call, whose start-up alone costs more than
 * the rest of a one-message enqueue (DPDK's rte_ring_elem also dispatches on
 * the element size). 8 bytes is tested first: the smallest messages are the
 * ones whose per-call cost shows. The empty asm hides the caller's object
 * from GCC, whose -Warray-bounds would otherwise flag the 64-byte arm for an
 * 8-byte message that ss rules out.
 */
static inline __attribute__((always_inline)) void
xr__ring_copy1(unsigned char *dst, const unsigned char *src, size_t ss)
{
	__asm__("" : "+r"(dst), "+r"(src));
	if (ss == 8) {
		memcpy(dst, src, 8);
	} else if (ss == 64) {
		memcpy(dst, src, 64);
	} else if (ss == 16) {
		memcpy(dst, src, 16);
	} else if (ss == 32) {
		memcpy(dst, src, 32);
	} else {
		for (size_t off = 0; off < ss; off += 64)
			memcpy(dst + off, src + off, 64);
	}
}

/* The cell of index @p idx in @p cells: the message at +0, its sequence
 * word at +ss. */
static inline unsigned char *
xr__ring_cell(unsigned char *cells, uint64_t mask, size_t cs, uint64_t idx)
{
	return cells + (size_t)(idx & mask) * cs;
}

static inline _Atomic uint64_t *
xr__ring_seq(unsigned char *cell, size_t ss)
{
	return (_Atomic uint64_t *)(void *)(cell + ss);
}

/* Whether slots of @p ss bytes use the sequence-word layout (8, 16, 32);
 * from 64 bytes up the ring uses the index layout (see DESIGN). */
static inline bool
xr__ring_has_seq(size_t ss)
{
	return ss < XR_CACHE_LINE;
}

/*
 * Index layout: copy n messages between the packed buffer @p buf and the
 * contiguous cells from index idx, into the cells when @p in, else out of
 * them. A burst is one memcpy, two where it crosses the end of the storage;
 * a single message is copied by constant 64-byte chunks.
 */
static inline __attribute__((always_inline)) void
xr__ring_run_copy(unsigned char *cells, uint64_t cap, uint64_t mask, uint64_t idx,
		  unsigned char *buf, uint32_t n, size_t ss, bool in)
{
	unsigned char *at = cells + (size_t)(idx & mask) * ss;
	if (n == 1) {
		if (in)
			xr__ring_copy1(at, buf, ss);
		else
			xr__ring_copy1(buf, at, ss);
		return;
	}
	uint64_t first = cap - (idx & mask);
	if (first > n)
		first = n;
	size_t b1 = (size_t)first * ss, b2 = (size_t)(n - first) * ss;
	if (in) {
		memcpy(at, buf, b1);
		if (b2 != 0)
			memcpy(cells, buf + b1, b2);
	} else {
		memcpy(buf, at, b1);
		if (b2 != 0)
			memcpy(buf + b1, cells, b2);
	}
}

/*
 * Sequence-word layout: copy n messages between the packed buffer @p buf
 * and the cells from index idx, into the cells when @p in, else out of
 * them. With ss and cs constants the cell address is a shift, not a
 * multiply.
 */
static inline __attribute__((always_inline)) void
xr__ring_cells_loop(unsigned char *cells, uint64_t mask, size_t cs, uint64_t idx,
		    unsigned char *buf, uint32_t n, size_t ss, bool in)
{
	for (uint32_t i = 0; i < n; i++) {
		unsigned char *cell = xr__ring_cell(cells, mask, cs, idx + i);
		if (in)
			xr__ring_copy1(cell, buf + (size_t)i * ss, ss);
		else
			xr__ring_copy1(buf + (size_t)i * ss, cell, ss);
	}
}

/* Copy n messages between a packed buffer and the ring from index idx, in
 * either layout; the size dispatch is outside the per-cell loops. */
static inline __attribute__((always_inline)) void
xr__ring_cells_copy(unsigned char *cells, uint64_t cap, uint64_t mask, uint64_t idx,
		    unsigned char *buf, uint32_t n, size_t ss, bool in)
{
	if (ss == 8)
		xr__ring_cells_loop(cells, mask, 16, idx, buf, n, 8, in);
	else if (ss == 16)
		xr__ring_cells_loop(cells, mask, 32, idx, buf, n, 16, in);
	else if (ss == 32)
		xr__ring_cells_loop(cells, mask, 64, idx, buf, n, 32, in);
	else
		xr__ring_run_copy(cells, cap, mask, idx, buf, n, ss, in);
}

/**
 * Enqueue up to @p n messages, copying each into its cell.
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
	/* Own index: only this thread writes it. Every field is read into a
	 * local before the copies, whose byte stores may alias anything. */
	uint64_t head = atomic_load_explicit(&p->index, memory_order_relaxed);
	uint64_t cap = p->capacity;

	if (cap - (head - p->other_cache) < n) {
		/* A0: pairs with R1 in xr_ring_dequeue_burst; the consumer is done
		 * reading every cell below tail before we overwrite it. */
		uint64_t tail = atomic_load_explicit(&r->cons.index,
						     memory_order_acquire);
		p->other_cache = tail;
		if (cap - (head - tail) < n)
			n = (uint32_t)(cap - (head - tail));
		if (n == 0)
			return 0;
	}
	/* One copy helper serves both directions; with in == true it only
	 * reads the buffer, so dropping const here is safe. */
	unsigned char *src = (unsigned char *)(uintptr_t)msgs;
	unsigned char *cells = p->cells;
	uint64_t mask = p->mask;
	size_t ss = p->slot_size, cs = p->cell_size;
	xr__ring_cells_copy(cells, cap, mask, head, src, n, ss, true);
	/* R0 (sequence words): pairs with A1 in xr_ring_dequeue_burst; the
	 * burst's first cell says where the burst ends, after every message of
	 * it is written. The other cells' words are left alone: the consumer
	 * reads a word only at the start of a burst. */
	if (xr__ring_has_seq(ss))
		atomic_store_explicit(xr__ring_seq(xr__ring_cell(cells, mask, cs, head), ss),
				      head + n, memory_order_release);
	/* R0 (index layout): pairs with A1, as above. R2 (sequence words):
	 * pairs with A2 in xr_ring_count; that consumer never reads it. */
	atomic_store_explicit(&p->index, head + n, memory_order_release);
	return n;
}

/**
 * Dequeue up to @p n messages, copying each out of its cell.
 *
 * @param r     ring.
 * @param msgs  room for n messages of r's slot size (bytes), packed.
 * @param n     count, 0..UINT32_MAX.
 * @return      number dequeued, 0..n, oldest first; 0 when the ring is
 *              empty.
 *
 * Thread:   the single consumer of @p r only.
 * Progress: wait-free (at most min(n, capacity) + 1 sequence-word loads,
 *           or one index load); no allocation, no syscalls.
 */
static inline uint32_t
xr_ring_dequeue_burst(struct xr_ring *r, void *msgs, uint32_t n)
{
	struct xr__ring_side *c = &r->cons;
	uint64_t tail = atomic_load_explicit(&c->index, memory_order_relaxed);
	uint64_t seen = c->other_cache;
	unsigned char *cells = c->cells;
	uint64_t mask = c->mask;
	size_t ss = c->slot_size, cs = c->cell_size;

	if (seen - tail < n) {
		if (xr__ring_has_seq(ss)) {
			/* `seen` is always where one of the producer's bursts
			 * starts (or will): walk from burst to burst by their
			 * first cells' words. A word written for this lap holds
			 * the burst's end, in seen + 1 .. seen + capacity; an
			 * older lap's word holds at most seen, which the unsigned
			 * difference turns into a huge value. The producer never
			 * runs more than capacity past tail, so the walk ends by
			 * tail + capacity without a bound of its own. */
			while (seen - tail < n) {
				/* A1: pairs with R0 in xr_ring_enqueue_burst;
				 * every message below `end` is completely
				 * written. */
				uint64_t end = atomic_load_explicit(
					xr__ring_seq(xr__ring_cell(cells, mask, cs, seen), ss),
					memory_order_acquire);
				if (end - seen - 1 >= c->capacity)
					break;
				seen = end;
			}
		} else {
			/* A1 (index layout): pairs with R0 in
			 * xr_ring_enqueue_burst; cells below head hold complete
			 * messages. */
			seen = atomic_load_explicit(&r->prod.index, memory_order_acquire);
		}
		c->other_cache = seen;
		if (seen - tail < n)
			n = (uint32_t)(seen - tail);
		if (n == 0)
			return 0;
	}
	xr__ring_cells_copy(cells, c->capacity, mask, tail, msgs, n, ss, false);
	/* R1: pairs with A0 in xr_ring_enqueue_burst; our cell reads complete
	 * before the producer may reuse the cells. */
	atomic_store_explicit(&c->index, tail + n, memory_order_release);
	return n;
}

/**
 * Enqueue one message: xr_ring_enqueue_burst() of 1, written out so that
 * the one-message path has no loop.
 *
 * @param r    ring.
 * @param msg  one message of r's slot size (bytes).
 * @return     true if enqueued, false if the ring is full.
 *
 * Thread: the single producer only. Progress: wait-free.
 */
static inline bool
xr_ring_enqueue(struct xr_ring *r, const void *msg)
{
	struct xr__ring_side *p = &r->prod;
	uint64_t head = atomic_load_explicit(&p->index, memory_order_relaxed);
	uint64_t cap = p->capacity;

	if (head - p->other_cache == cap) {
		/* A0: as in xr_ring_enqueue_burst (pairs with R1). */
		uint64_t tail = atomic_load_explicit(&r->cons.index,
						     memory_order_acquire);
		p->other_cache = tail;
		if (head - tail == cap)
			return false;
	}
	size_t ss = p->slot_size;
	unsigned char *cell = xr__ring_cell(p->cells, p->mask, p->cell_size, head);
	xr__ring_copy1(cell, msg, ss);
	/* R0: as in xr_ring_enqueue_burst (pairs with A1): a burst of one. */
	if (xr__ring_has_seq(ss))
		atomic_store_explicit(xr__ring_seq(cell, ss), head + 1,
				      memory_order_release);
	/* R0 (index layout) / R2: as in xr_ring_enqueue_burst. */
	atomic_store_explicit(&p->index, head + 1, memory_order_release);
	return true;
}

/**
 * Dequeue one message: xr_ring_dequeue_burst() of 1, without the loops.
 *
 * @param r    ring.
 * @param msg  room for one message of r's slot size (bytes).
 * @return     true if a message was copied to @p msg, false if empty.
 *
 * Thread: the single consumer only. Progress: wait-free.
 */
static inline bool
xr_ring_dequeue(struct xr_ring *r, void *msg)
{
	struct xr__ring_side *c = &r->cons;
	uint64_t tail = atomic_load_explicit(&c->index, memory_order_relaxed);
	size_t ss = c->slot_size;
	unsigned char *cell = xr__ring_cell(c->cells, c->mask, c->cell_size, tail);

	if (c->other_cache == tail) {
		/* A1: as in xr_ring_dequeue_burst (pairs with R0); in the
		 * sequence-word layout tail starts a burst, and its word, if of
		 * this lap, says where it ends. */
		uint64_t end = xr__ring_has_seq(ss)
			? atomic_load_explicit(xr__ring_seq(cell, ss), memory_order_acquire)
			: atomic_load_explicit(&r->prod.index, memory_order_acquire);
		if (end - tail - 1 >= c->capacity)
			return false;
		c->other_cache = end;
	}
	xr__ring_copy1(msg, cell, ss);
	/* R1: as in xr_ring_dequeue_burst (pairs with A0). */
	atomic_store_explicit(&c->index, tail + 1, memory_order_release);
	return true;
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

/*
 * SHARED MEMORY WITH AN UNTRUSTED PEER
 *   A ring may sit in memory shared with another process (a client of
 *   `xroute serve`, base/xr_client_proto.h). The process that does not trust
 *   its peer never runs the fast path on the shared struct: the peer could
 *   rewrite the shape or the cell pointer there. It runs it on a private
 *   view (xr_ring_view_init()) whose shape is its own and whose cells are the
 *   shared ones, and moves the two indices by hand: it pulls the peer's
 *   index into the view, checking that it is possible, and pushes its own
 *   index out after the burst. The trusting peer maps the shared struct and
 *   calls xr_ring_rebase() once, then uses the ordinary calls on it.
 *   Only the index layout (slots of 64 bytes and up) is supported: in the
 *   sequence-word layout the consumer would trust words in the cells.
 *
 *   R3 (push of own index, release) pairs with the peer's A0 (our tail) or
 *   A1 (our head) on the shared struct; A3 (pull of the peer's index,
 *   acquire) pairs with the peer's R0 (its head) or R1 (its tail).
 */

/**
 * Point both sides' cell pointers at @p r's own cells, for a ring built by
 * another process (xr_ring_init() there) and mapped here at another address.
 *
 * Thread: before either side is used in this process; control path.
 */
void xr_ring_rebase(struct xr_ring *r);

/**
 * Clear both sides' cell pointers, before handing @p r's memory to another
 * process, which must xr_ring_rebase() it: the pointers would tell that
 * process where this one maps its memory. No call but xr_ring_rebase() may
 * follow on @p r in this process (a view keeps its own pointer).
 *
 * Thread: any; control path.
 */
void xr_ring_unbase(struct xr_ring *r);

/**
 * Build a private view of the ring @p shared, whose control block a peer may
 * write: the view's shape is @p capacity and @p slot_size (not read from
 * @p shared), its cells are @p shared's, its indices start at 0.
 *
 * @param view       sizeof(struct xr_ring) bytes, aligned to XR_RING_PAD;
 *                   private memory.
 * @param shared     the ring, built by xr_ring_init() with the same shape
 *                   and not used since.
 * @param capacity   as for xr_ring_create().
 * @param slot_size  a multiple of XR_CACHE_LINE (index layout only).
 * @return           @p view, or NULL with errno EINVAL (bad shape, a slot
 *                   under 64 bytes, NULL or misaligned pointers).
 *
 * Thread: any; control path.
 */
struct xr_ring *xr_ring_view_init(struct xr_ring *view, struct xr_ring *shared,
				  uint32_t capacity, uint32_t slot_size);

/**
 * Consumer view: pull the peer producer's head from @p shared into @p view.
 *
 * @return 0, or -1 if the head is impossible: behind the last head pulled
 *         or more than capacity past the consumer's tail. The view is then
 *         unchanged; the caller retires the peer.
 * Thread: the consumer of @p view. Progress: wait-free.
 */
static inline int
xr_ring_view_pull_head(struct xr_ring *view, const struct xr_ring *shared)
{
	/* A3: pairs with R0 in the peer's xr_ring_enqueue_burst; every cell
	 * below head is written. The cast drops const for the atomic load
	 * only (C17 atomic_load takes a non-const pointer). */
	uint64_t head = atomic_load_explicit(
		(_Atomic uint64_t *)(uintptr_t)&shared->prod.index, memory_order_acquire);
	uint64_t tail = atomic_load_explicit(&view->cons.index, memory_order_relaxed);
	uint64_t last = atomic_load_explicit(&view->prod.index, memory_order_relaxed);

	if (head - tail > view->cons.capacity || head - last > view->cons.capacity)
		return -1;
	atomic_store_explicit(&view->prod.index, head, memory_order_relaxed);
	return 0;
}

/**
 * Consumer view: publish the view's tail to the peer producer.
 * Thread: the consumer of @p view, after its dequeues. Progress: wait-free.
 */
static inline void
xr_ring_view_push_tail(const struct xr_ring *view, struct xr_ring *shared)
{
	uint64_t tail = atomic_load_explicit(
		(_Atomic uint64_t *)(uintptr_t)&view->cons.index, memory_order_relaxed);
	/* R3: pairs with A0 in the peer's xr_ring_enqueue_burst; our reads of
	 * the cells below tail are done. */
	atomic_store_explicit(&shared->cons.index, tail, memory_order_release);
}

/**
 * Producer view: pull the peer consumer's tail from @p shared into @p view.
 *
 * @return 0, or -1 if the tail is impossible: behind the last tail pulled
 *         or past the producer's head. The view is then unchanged.
 * Thread: the producer of @p view. Progress: wait-free.
 */
static inline int
xr_ring_view_pull_tail(struct xr_ring *view, const struct xr_ring *shared)
{
	/* A3: pairs with R1 in the peer's xr_ring_dequeue_burst; its reads of
	 * the cells below tail are done. */
	uint64_t tail = atomic_load_explicit(
		(_Atomic uint64_t *)(uintptr_t)&shared->cons.index, memory_order_acquire);
	uint64_t head = atomic_load_explicit(&view->prod.index, memory_order_relaxed);
	uint64_t last = atomic_load_explicit(&view->cons.index, memory_order_relaxed);

	if (head - tail > view->prod.capacity || tail - last > view->prod.capacity)
		return -1;
	atomic_store_explicit(&view->cons.index, tail, memory_order_relaxed);
	return 0;
}

/**
 * Producer view: publish the view's head to the peer consumer.
 * Thread: the producer of @p view, after its enqueues. Progress: wait-free.
 */
static inline void
xr_ring_view_push_head(const struct xr_ring *view, struct xr_ring *shared)
{
	uint64_t head = atomic_load_explicit(
		(_Atomic uint64_t *)(uintptr_t)&view->prod.index, memory_order_relaxed);
	/* R3: pairs with A1 in the peer's xr_ring_dequeue_burst; the cells
	 * below head are written. */
	atomic_store_explicit(&shared->prod.index, head, memory_order_release);
}

#endif /* XR_RING_H */
