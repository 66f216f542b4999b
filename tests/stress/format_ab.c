/*
 * format_ab: xr_u64_format against xr_u64_format_wide in one process,
 * interleaved rounds, on 2^20 integers of 1 to 8 digits (the spread of
 * the results file's integer columns: ids, lines, nanosecond spans).
 *
 *   usage: format_ab [rounds]      (default 20)
 *
 * Prints the best ns per call of each over the rounds and their ratio;
 * exits 1 if the two ever disagree. Built, not run as a test: a timing,
 * not a check (docs/perf.md "What dominates each cost").
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xr_types.h"

enum { N = 1 << 20 };

static uint64_t
now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int
main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 20;
	uint64_t *v = malloc(N * sizeof(*v));
	char *buf = malloc((size_t)N * 24 + 64);
	uint64_t s = 12345;
	double best[2] = { 1e9, 1e9 };

	if (v == NULL || buf == NULL || rounds < 1)
		return 2;
	for (int i = 0; i < N; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		uint64_t p = 1;
		for (uint64_t k = 0; k < 1 + s % 8; k++)
			p *= 10;
		v[i] = (s >> 20) % p;
		char a[24], b[40];
		int na = xr_u64_format(a, v[i]), nb = xr_u64_format_wide(b, v[i]);
		if (na != nb || memcmp(a, b, (size_t)na) != 0) {
			fprintf(stderr, "format_ab: %llu differs\n", (unsigned long long)v[i]);
			return 1;
		}
	}
	for (int r = 0; r < rounds; r++) {
		for (int w = 0; w < 2; w++) {
			uint64_t t0 = now_ns();
			size_t pos = 0;
			for (int i = 0; i < N; i++) {
				pos += (size_t)(w ? xr_u64_format_wide(buf + pos, v[i])
						  : xr_u64_format(buf + pos, v[i]));
				buf[pos++] = ',';
			}
			double ns = (double)(now_ns() - t0) / N;
			if (ns < best[w])
				best[w] = ns;
		}
	}
	printf("format_ab: xr_u64_format %.2f ns/call, xr_u64_format_wide %.2f ns/call, "
	       "wide/exact %.2f (best of %d rounds, %d values)\n",
	       best[0], best[1], best[1] / best[0], rounds, N);
	free(buf);
	free(v);
	return 0;
}
