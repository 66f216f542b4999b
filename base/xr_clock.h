/*
 * xr_clock: the engine's one time source, CLOCK_MONOTONIC in nanoseconds.
 * clock_gettime(CLOCK_MONOTONIC) is served from the vDSO on Linux x86-64
 * with the tsc and kvm-clock clocksources: no syscall on the hot path.
 */
#ifndef XR_CLOCK_H
#define XR_CLOCK_H

#include <stdint.h>
#include <time.h>

/**
 * @return CLOCK_MONOTONIC now, in ns.
 * Thread: any. No allocation; no syscall where the vDSO serves the clock.
 */
static inline uint64_t
xr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

#endif /* XR_CLOCK_H */
