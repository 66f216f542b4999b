/*
 * xr_ring private helpers for the ring's own tests; not part of the API and
 * not to be included by the pipeline.
 */
#ifndef XR_RING_PVT_H
#define XR_RING_PVT_H

#include "xr_ring.h"

/**
 * Make an empty, idle ring continue at index @p start, as if @p start
 * messages had passed through it: both indices and both cached copies
 * become @p start, and in the sequence-word layout each cell's word holds
 * what the lap before @p start left there (the index that last used the
 * cell, plus one).
 * Lets a test cross the 2^64 wrap of the indices and the sequence words.
 *
 * Thread: any, with neither side in use; needs the same happens-before as
 * a freshly created ring before either side's next call.
 */
void xr__ring_start_at(struct xr_ring *r, uint64_t start);

#endif /* XR_RING_PVT_H */
