/*
 * spsc_msg.h: the test message and busy-retry helpers shared by the
 * two-thread ring tests (tests/unit/ring/test_ring.c and
 * tests/stress/ring_spsc.c).
 *
 * DESIGN
 *   A struct spsc_msg is one 64-byte cache line: the sequence number first,
 *   its checksum (mix64) last and six words derived from it in between, so a
 *   message that is lost, duplicated, reordered, torn anywhere in the slot or
 *   read before it was written fails spsc_ok(). rng_next() is a cheap
 *   per-thread generator for choosing between single and burst calls;
 *   backoff() is the busy-retry step after a full or empty ring. Nothing here
 *   sleeps, allocates or touches shared state.
 *
 *   Everything is static inline so each test program gets its own copy and
 *   the header needs no library: it depends only on the C library (ring_dep,
 *   which the ring tests link, does not carry ck, so the CPU pause is spelt
 *   out here rather than taken from ck_pr_stall()).
 */
#ifndef XR_TESTS_SPSC_MSG_H
#define XR_TESTS_SPSC_MSG_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

/**
 * splitmix64 finaliser: the checksum of a sequence number.
 *
 * @param x  any 64-bit value.
 * @return   its mix; a bijection, so distinct inputs give distinct outputs.
 *
 * Thread:   any; pure function.
 */
static inline uint64_t
mix64(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

/* A 64-byte message: sequence number first, its checksum last, the words in
 * between derived from it, so a copy torn anywhere in the slot fails the
 * check. */
struct spsc_msg {
	uint64_t seq;
	uint64_t pad[6]; /* spsc_pad(seq, i): spreads the check */
	uint64_t check;	 /* mix64(seq) */
};
_Static_assert(sizeof(struct spsc_msg) == 64, "one cache line");

/**
 * Pad word @p i of message @p seq.
 *
 * @param seq  sequence number.
 * @param i    pad index, 0..5.
 * @return     seq with every byte XORed with i + 1.
 *
 * Thread:   any; pure function.
 */
static inline uint64_t
spsc_pad(uint64_t seq, int i)
{
	return seq ^ ((uint64_t)(i + 1) * UINT64_C(0x0101010101010101));
}

/**
 * Write message @p seq into @p m: seq, its six pad words and its checksum.
 *
 * @param m    message to fill; the caller owns it.
 * @param seq  sequence number.
 *
 * Thread:   any; touches only @p m.
 */
static inline void
spsc_make(struct spsc_msg *m, uint64_t seq)
{
	m->seq = seq;
	for (int i = 0; i < 6; i++)
		m->pad[i] = spsc_pad(seq, i);
	m->check = mix64(seq);
}

/**
 * Check that @p m is exactly message @p seq, as spsc_make() writes it.
 *
 * @param m    message to check.
 * @param seq  the sequence number expected.
 * @return     true if all eight words match, false on any difference
 *             (wrong seq: lost, duplicated or reordered; wrong pad or
 *             check: torn or unwritten copy).
 *
 * Thread:   any; reads only @p m.
 */
static inline bool
spsc_ok(const struct spsc_msg *m, uint64_t seq)
{
	if (m->seq != seq || m->check != mix64(seq))
		return false;
	for (int i = 0; i < 6; i++)
		if (m->pad[i] != spsc_pad(seq, i))
			return false;
	return true;
}

/**
 * xorshift64: next value of a cheap per-thread generator, used to choose
 * between single and burst calls and the burst size.
 *
 * @param s  generator state, non-zero; updated in place.
 * @return   the new state, never 0 for a non-zero @p s.
 *
 * Thread:   the owner of @p s only.
 */
static inline uint64_t
rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* Consecutive failed tries that pause before backoff() starts yielding. */
#define SPIN_PAUSES 256

/**
 * Busy-retry back-off after a full or empty ring: a CPU pause for the first
 * SPIN_PAUSES consecutive failures, then sched_yield() on each one, so a
 * partner sharing our CPU (unpinned, one or two vCPUs, another test process)
 * gets to run.
 *
 * @param tries  consecutive failures so far; incremented while pausing. The
 *               caller resets it to 0 when it makes progress.
 *
 * Thread:   the owner of @p tries only.
 * Progress: never sleeps; the pause is a no-op on CPUs other than x86 and
 *           AArch64.
 */
static inline void
backoff(unsigned *tries)
{
	if (*tries < SPIN_PAUSES) {
		++*tries;
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#elif defined(__aarch64__)
		__asm__ volatile("yield");
#endif
	} else {
		sched_yield();
	}
}

#endif /* XR_TESTS_SPSC_MSG_H */
