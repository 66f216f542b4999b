/*
 * replay.h: what a fuzz target shares with the corpus driver (replay.c).
 */
#ifndef XR_FUZZ_REPLAY_H
#define XR_FUZZ_REPLAY_H

#include <stddef.h>
#include <stdint.h>

/** The input being run: its path under replay.c, "(libFuzzer input)"
 * under libFuzzer; for the target's failure message. */
extern const char *xr_fuzz_input;

/** The target: run one input; traps on a broken invariant. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* XR_FUZZ_REPLAY_H */
