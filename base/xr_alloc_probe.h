/*
 * xr_alloc_probe: per-thread allocation counters from jemalloc, for the
 * engine's optional allocation probe (struct xr_engine_io.thread_allocated)
 * and the perf harness.
 */
#ifndef XR_ALLOC_PROBE_H
#define XR_ALLOC_PROBE_H

#include <stdint.h>

/**
 * The calling thread's cumulative count of bytes allocated, as a pointer
 * that stays valid for the thread's life and may be read from any thread
 * (jemalloc mallctl "thread.allocatedp"; every allocation, even of 1 byte,
 * adds at least its size class of 8 bytes, so an unchanged counter means no
 * allocation at all).
 *
 * @return the counter, or NULL if jemalloc was built without statistics
 *         (then nothing is measured).
 * Thread: any; the counter belongs to the calling thread. Control path
 * (the first call on a thread may allocate jemalloc's thread cache).
 */
const uint64_t *xr_alloc_probe_thread(void);

#endif /* XR_ALLOC_PROBE_H */
