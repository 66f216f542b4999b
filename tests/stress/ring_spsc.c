/*
 * ring_spsc: two-thread stress and throughput check of the SPSC ring
 * (ring/xr_ring.h).
 *
 *   usage: stress_ring_spsc [messages [capacity [slot_size]]]
 *          messages   count to move, default 100000000
 *          capacity   ring slots, a power of two, default 1024
 *          slot_size  bytes per message: 8, 16, 32 or 64 (default 64)
 *
 * DESIGN
 *   A producer thread enqueues sequence-numbered messages (struct spsc_msg,
 *   or its first slot_size / 8 words: the sequence number, pad words, and
 *   the checksum last, so 8-byte messages carry only the sequence number),
 *   choosing at random between single enqueues and bursts of 1..MAX_BURST;
 *   a consumer thread dequeues with the same mix and checks every message:
 *   the sequence number must be the next one (strict order, no loss, no
 *   duplicate) and the other words must match it (a torn copy or a slot read
 *   before it was written fails). Small slots pack several cells per cache
 *   line, so both threads work on one line at once. After both threads are
 *   joined the ring must be empty.
 *   Full and empty are busy-retried with a pause and an occasional
 *   sched_yield(); nothing sleeps.
 *
 *   With at least two CPUs in the process's affinity mask, the producer is
 *   pinned to the first and the consumer to the second (both named in the
 *   output); otherwise both run unpinned.
 *
 * OUTPUT AND EXIT STATUS
 *   One line with the shape, the cores, the elapsed time, messages/s and
 *   bytes/s. Exit 0 if every check passed, 1 on any violation (described on
 *   stderr), 2 on a usage error.
 *
 * Modelled on ck:regressions/ck_ring/validate/ck_ring_spsc.c.
 */
#include "xr_ring.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/spsc_msg.h"

#define DEFAULT_MESSAGES UINT64_C(100000000)
#define DEFAULT_CAPACITY 1024
#define MAX_BURST 48 /* not a power of two: bursts end at every slot offset */

/* The messages (tests/common/spsc_msg.h) fill exactly one slot line. */
_Static_assert(sizeof(struct spsc_msg) == XR_CACHE_LINE, "one cache line");

/* Impossible states: print the location and abort (urcu-die.h style). */
#define DIE(what, err)                                                       \
	do {                                                                 \
		fprintf(stderr, "ring_spsc: %s:%d: %s: %s\n", __FILE__,        \
			__LINE__, (what), strerror(err));                    \
		abort();                                                     \
	} while (0)

struct side {
	pthread_t thread;
	int cpu; /* -1: unpinned */
	uint64_t retries; /* calls that found the ring full (empty) */
	uint64_t singles, bursts;
};

struct ctx {
	struct xr_ring *r;
	uint64_t n;
	uint32_t words; /* message size in 8-byte words: 1, 2, 4 or 8 */
	pthread_barrier_t start;
	/* Set by the consumer on a violation so the producer stops waiting for
	 * room. Relaxed: it carries no data (the join publishes the rest). */
	atomic_bool stop;
	struct side prod, cons;
	/* Consumer's findings, read by main after the join. */
	uint64_t received;
	uint64_t bad_at; /* index of the first wrong message, or UINT64_MAX */
	struct spsc_msg bad; /* its contents */
};

static void
pin_self(struct side *s)
{
	cpu_set_t set;
	int err;

	if (s->cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(s->cpu, &set);
	err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (err != 0) {
		/* Not fatal: the run is still a valid correctness check. */
		fprintf(stderr, "ring_spsc: warning: cannot pin to cpu %d: %s\n",
			s->cpu, strerror(err));
		s->cpu = -1;
	}
}

static void
start_wait(struct ctx *c)
{
	int err = pthread_barrier_wait(&c->start);

	if (err != 0 && err != PTHREAD_BARRIER_SERIAL_THREAD)
		DIE("pthread_barrier_wait", err);
}

/* @return true once the consumer has given up. */
static bool
stopped(struct ctx *c)
{
	return atomic_load_explicit(&c->stop, memory_order_relaxed);
}

/* Message @p seq as @p words words: struct spsc_msg's first words, with the
 * checksum as the last word whenever there are two or more. */
static void
msg_make(uint64_t *m, uint32_t words, uint64_t seq)
{
	struct spsc_msg full;

	spsc_make(&full, seq);
	memcpy(m, &full, 8 * (size_t)words);
	if (words > 1)
		m[words - 1] = full.check;
}

static bool
msg_ok(const uint64_t *m, uint32_t words, uint64_t seq)
{
	uint64_t want[8];

	msg_make(want, words, seq);
	return memcmp(m, want, 8 * (size_t)words) == 0;
}

static void *
producer(void *arg)
{
	struct ctx *c = arg;
	struct side *s = &c->prod;
	uint64_t batch[MAX_BURST * 8];
	uint32_t w = c->words;
	uint64_t rng = UINT64_C(0x853c49e6748fea9b), seq = 0;
	unsigned tries = 0;

	pin_self(s);
	start_wait(c);
	while (seq < c->n) {
		uint64_t pick = rng_next(&rng);

		if (pick % 4 == 0) {
			msg_make(batch, w, seq);
			while (!xr_ring_enqueue(c->r, batch)) {
				if (stopped(c))
					return NULL;
				s->retries++;
				backoff(&tries);
			}
			tries = 0;
			seq++;
			s->singles++;
			continue;
		}
		uint32_t n = 1 + (uint32_t)((pick >> 8) % MAX_BURST);
		if (n > c->n - seq)
			n = (uint32_t)(c->n - seq);
		for (uint32_t i = 0; i < n; i++)
			msg_make(&batch[(size_t)i * w], w, seq + i);
		/* What does not fit goes in later pieces, in order. */
		for (uint32_t done = 0; done < n;) {
			uint32_t k = xr_ring_enqueue_burst(c->r, &batch[(size_t)done * w],
							   n - done);

			if (k == 0) {
				if (stopped(c))
					return NULL;
				s->retries++;
				backoff(&tries);
				continue;
			}
			tries = 0;
			done += k;
		}
		seq += n;
		s->bursts++;
	}
	return NULL;
}

static void *
consumer(void *arg)
{
	struct ctx *c = arg;
	struct side *s = &c->cons;
	uint64_t batch[MAX_BURST * 8];
	uint32_t w = c->words;
	uint64_t rng = UINT64_C(0xda3e39cb94b95bdb), next = 0;
	unsigned tries = 0;

	pin_self(s);
	start_wait(c);
	while (next < c->n) {
		uint64_t pick = rng_next(&rng);
		uint32_t k;

		if (pick % 4 == 0) {
			k = xr_ring_dequeue(c->r, batch) ? 1 : 0;
			s->singles += k;
		} else {
			uint32_t want = 1 + (uint32_t)((pick >> 8) % MAX_BURST);

			k = xr_ring_dequeue_burst(c->r, batch, want);
			s->bursts += k != 0;
		}
		if (k == 0) {
			s->retries++;
			backoff(&tries);
			continue;
		}
		tries = 0;
		for (uint32_t i = 0; i < k; i++, next++) {
			if (!msg_ok(&batch[(size_t)i * w], w, next)) {
				c->bad_at = next;
				memset(&c->bad, 0, sizeof(c->bad));
				memcpy(&c->bad, &batch[(size_t)i * w], 8 * (size_t)w);
				if (w > 1)
					c->bad.check = batch[(size_t)i * w + w - 1];
				c->received = next;
				atomic_store_explicit(&c->stop, true,
						      memory_order_relaxed);
				return NULL;
			}
		}
	}
	c->received = next;
	return NULL;
}

static int
parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s == '\0' || *s == '-')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* First two CPUs of the affinity mask into @p cpu; false if fewer than two. */
static bool
pick_cpus(int cpu[2])
{
	cpu_set_t set;
	int found = 0;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return false;
	for (int i = 0; i < CPU_SETSIZE && found < 2; i++)
		if (CPU_ISSET(i, &set))
			cpu[found++] = i;
	return found == 2;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: stress_ring_spsc [messages [capacity [slot_size]]]\n"
		"  messages   count to move (default %" PRIu64 ")\n"
		"  capacity   ring slots, power of two in 1..%" PRIu32
		" (default %d)\n"
		"  slot_size  bytes per message: 8, 16, 32 or 64 (default 64)\n",
		DEFAULT_MESSAGES, XR_RING_MAX_CAPACITY, DEFAULT_CAPACITY);
}

int
main(int argc, char **argv)
{
	struct ctx c = { .n = DEFAULT_MESSAGES, .bad_at = UINT64_MAX };
	uint64_t capacity = DEFAULT_CAPACITY, slot_size = sizeof(struct spsc_msg);
	int cpu[2] = { -1, -1 };
	int err;

	if (argc > 4 || (argc > 1 && parse_u64(argv[1], &c.n) != 0) ||
	    (argc > 2 && (parse_u64(argv[2], &capacity) != 0 ||
			  capacity > XR_RING_MAX_CAPACITY)) ||
	    (argc > 3 && (parse_u64(argv[3], &slot_size) != 0 ||
			  (slot_size != 8 && slot_size != 16 && slot_size != 32 &&
			   slot_size != 64)))) {
		usage();
		return 2;
	}
	c.words = (uint32_t)(slot_size / 8);
	c.r = xr_ring_create((uint32_t)capacity, (uint32_t)slot_size);
	if (c.r == NULL) {
		fprintf(stderr, "ring_spsc: xr_ring_create(%" PRIu64 ", %" PRIu64 "): %s\n",
			capacity, slot_size, strerror(errno));
		usage();
		return 2;
	}
	atomic_init(&c.stop, false);
	if (!pick_cpus(cpu))
		cpu[0] = cpu[1] = -1;
	c.prod.cpu = cpu[0];
	c.cons.cpu = cpu[1];

	if ((err = pthread_barrier_init(&c.start, NULL, 3)) != 0)
		DIE("pthread_barrier_init", err);
	/* Thread creation hands each side of the ring to its thread. */
	if ((err = pthread_create(&c.cons.thread, NULL, consumer, &c)) != 0)
		DIE("pthread_create", err);
	if ((err = pthread_create(&c.prod.thread, NULL, producer, &c)) != 0)
		DIE("pthread_create", err);
	start_wait(&c);
	double t0 = now_s();
	if ((err = pthread_join(c.prod.thread, NULL)) != 0)
		DIE("pthread_join", err);
	if ((err = pthread_join(c.cons.thread, NULL)) != 0)
		DIE("pthread_join", err);
	double dt = now_s() - t0;
	pthread_barrier_destroy(&c.start);

	int bad = 0;
	if (c.bad_at != UINT64_MAX) {
		fprintf(stderr,
			"ring_spsc: FAIL: message %" PRIu64 ": seq %" PRIu64
			" check %#" PRIx64 " (want seq %" PRIu64 " check %#" PRIx64
			")%s\n",
			c.bad_at, c.bad.seq, c.bad.check, c.bad_at,
			mix64(c.bad_at),
			c.bad.seq == c.bad_at ? ": torn copy" :
			c.bad.seq < c.bad_at  ? ": duplicate or reorder" :
						": lost message(s)");
		bad = 1;
	} else if (c.received != c.n) {
		fprintf(stderr,
			"ring_spsc: FAIL: received %" PRIu64 " of %" PRIu64 "\n",
			c.received, c.n);
		bad = 1;
	}
	/* Both threads joined: the main thread may now act as either side. */
	struct spsc_msg extra = { 0 };
	if (!bad && (xr_ring_dequeue(c.r, &extra) || xr_ring_count(c.r) != 0)) {
		fprintf(stderr, "ring_spsc: FAIL: ring not empty after %" PRIu64
				" messages (seq %" PRIu64 " left)\n",
			c.n, extra.seq);
		bad = 1;
	}

	char cores[64];
	if (c.prod.cpu >= 0 && c.cons.cpu >= 0)
		snprintf(cores, sizeof(cores), "producer cpu %d, consumer cpu %d",
			 c.prod.cpu, c.cons.cpu);
	else
		snprintf(cores, sizeof(cores), "unpinned");
	double rate = dt > 0 ? (double)c.received / dt : 0;
	printf("ring_spsc: %" PRIu64 " messages of %" PRIu64 " B, capacity %" PRIu64
	       ", %s: %.3f s, %.2f M msg/s, %.2f GB/s\n",
	       c.received, slot_size, capacity, cores, dt,
	       rate * 1e-6, rate * (double)slot_size * 1e-9);
	printf("ring_spsc: producer %" PRIu64 " singles %" PRIu64
	       " bursts %" PRIu64 " full; consumer %" PRIu64
	       " singles %" PRIu64 " bursts %" PRIu64 " empty\n",
	       c.prod.singles, c.prod.bursts, c.prod.retries, c.cons.singles,
	       c.cons.bursts, c.cons.retries);
	printf("ring_spsc: %s\n", bad ? "FAIL" : "OK");

	xr_ring_destroy(c.r);
	return bad;
}
