/*
 * ring_ir: a one-thread driver for counting the instructions of the SPSC
 * ring's fast path with callgrind, against ck_ring's SPSC calls.
 *
 *   usage: ring_ir [messages]      (default 1000000)
 *   valgrind --tool=callgrind --callgrind-out-file=cg.out build/tests/ring_ir
 *   callgrind_annotate --inclusive=yes cg.out | grep ir_
 *
 * DESIGN
 *   Each ir_* function moves `messages` messages through a 4096-slot ring
 *   on one thread, so the count holds only the ring's own instructions and
 *   the loop around them, not spinning on a partner: Ir / messages is the
 *   cost of one enqueue plus one dequeue. ir_*_single enqueues one message
 *   and dequeues it (the consumer finds the ring empty before every
 *   message, as a consumer that keeps up does, and reads the producer's
 *   side every time); ir_xr_burst32 moves 32 at a time. Timing is left to
 *   xroute-perf ring: callgrind counts instructions, not line transfers,
 *   which are what a two-CPU hand-off costs. The figures are in docs/ring.md.
 *
 *   Every message is checked (its sequence number), and the sum printed,
 *   so nothing is optimised away. Exit 0, or 1 if a message is wrong.
 */
#include "xr_ring.h"

#include <ck_ring.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAP 4096
#define BURST 32

struct m64 {
	uint64_t seq, body[7];
};

CK_RING_PROTOTYPE(m64, m64)

static uint64_t errors;

static __attribute__((noinline)) void
ir_xr_single_8B(struct xr_ring *r, uint64_t n)
{
	for (uint64_t i = 1; i <= n; i++) {
		uint64_t v = 0;
		xr_ring_enqueue(r, &i);
		xr_ring_dequeue(r, &v);
		errors += v != i;
	}
}

static __attribute__((noinline)) void
ir_ck_single_8B(struct ck_ring *r, ck_ring_buffer_t *b, uint64_t n)
{
	for (uint64_t i = 1; i <= n; i++) {
		void *v = NULL;
		ck_ring_enqueue_spsc(r, b, (void *)(uintptr_t)i);
		ck_ring_dequeue_spsc(r, b, &v);
		errors += (uintptr_t)v != i;
	}
}

static __attribute__((noinline)) void
ir_xr_single_64B(struct xr_ring *r, uint64_t n)
{
	for (uint64_t i = 1; i <= n; i++) {
		struct m64 in = {.seq = i}, out = {0};
		xr_ring_enqueue(r, &in);
		xr_ring_dequeue(r, &out);
		errors += out.seq != i;
	}
}

static __attribute__((noinline)) void
ir_ck_single_64B(struct ck_ring *r, struct m64 *b, uint64_t n)
{
	for (uint64_t i = 1; i <= n; i++) {
		struct m64 in = {.seq = i}, out = {0};
		ck_ring_enqueue_spsc_m64(r, b, &in);
		ck_ring_dequeue_spsc_m64(r, b, &out);
		errors += out.seq != i;
	}
}

static __attribute__((noinline)) void
ir_xr_burst32_8B(struct xr_ring *r, uint64_t n)
{
	uint64_t in[BURST], out[BURST];

	for (uint64_t i = 0; i < n; i += BURST) {
		for (uint32_t k = 0; k < BURST; k++)
			in[k] = i + k;
		uint32_t got = xr_ring_enqueue_burst(r, in, BURST);
		got = xr_ring_dequeue_burst(r, out, got);
		errors += got != BURST;
		for (uint32_t k = 0; k < got; k++)
			errors += out[k] != i + k;
	}
}

int
main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	struct xr_ring *x8 = xr_ring_create(CAP, 8), *x64 = xr_ring_create(CAP, 64);
	struct ck_ring ck8, ck64;
	ck_ring_buffer_t *b8 = calloc(CAP, sizeof(*b8));
	struct m64 *b64 = calloc(CAP, sizeof(*b64));

	if (x8 == NULL || x64 == NULL || b8 == NULL || b64 == NULL) {
		fprintf(stderr, "ring_ir: out of memory\n");
		return 1;
	}
	ck_ring_init(&ck8, CAP);
	ck_ring_init(&ck64, CAP);
	ir_xr_single_8B(x8, n);
	ir_ck_single_8B(&ck8, b8, n);
	ir_xr_single_64B(x64, n);
	ir_ck_single_64B(&ck64, b64, n);
	ir_xr_burst32_8B(x8, n);
	printf("ring_ir: %" PRIu64 " messages per function, %" PRIu64 " wrong\n", n,
	       errors);
	xr_ring_destroy(x8);
	xr_ring_destroy(x64);
	free(b8);
	free(b64);
	return errors != 0;
}
