/*
 * replay.h: what a fuzz target shares with the corpus driver (replay.c).
 */
#ifndef XR_FUZZ_REPLAY_H
#define XR_FUZZ_REPLAY_H

#include <stddef.h>
#include <stdint.h>

/** The input being run, for the target's failure message: its path under
 * replay.c; under libFuzzer (which names the input itself) a constant. */
#ifdef XR_FUZZ_LIBFUZZER
#define xr_fuzz_input "(libFuzzer input)"
#else
extern const char *xr_fuzz_input;
#endif

/** The target: run one input; traps on a broken invariant. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* XR_FUZZ_REPLAY_H */
