/*
 * The output stage's state (stage_output.c): the results writer and the
 * invariant books.
 * Private to its stage and to the engine's assembly (engine.c, summary.c,
 * footprint.c) and tests; no other stage includes it.
 */
#ifndef XR_STAGE_OUTPUT_PVT_H
#define XR_STAGE_OUTPUT_PVT_H

#include "engine_pvt.h"

/** Output: formats results and writes them; counts the invariants. */
struct xr_output {
	struct xr_stage st;
	struct xr_ring *in;		/* aggregate_to_output */
	int fd;				/* -1: count only */
	char *buf;
	size_t buf_len, buf_cap;
	uint8_t format;			/* enum xr_results_format */
	uint64_t *seen;			/* bitmap by source line */
	uint32_t seen_bits;
	uint64_t results;		/* results received */
	uint64_t distinct;		/* distinct signals with a result */
	uint64_t duplicates;		/* results for a signal already done */
	uint64_t write_errors;
	uint64_t overfills;		/* results with filled qty > order qty */
	int64_t *fills_net;		/* n_users * n_symbols, from results */
	uint64_t events_dropped;	/* output_to_owner was full */
	uint64_t fills_seen;		/* XR_MSG_FILL messages (io.fill_events):
					 * counted, written nowhere */
	_Atomic uint64_t distinct_pub;	/* distinct, for the main thread */
	_Atomic uint64_t last_result_ns;
};

/*
 * Construction (control path, the owner thread): init fills the stage the
 * engine allocated in @p e (zeroed) from e->cfg and wires its rings;
 * @return 0, or -errno with @p err filled. fini frees what init allocated
 * and accepts a half-built (or never initialised, zeroed) stage; it does
 * not free the stage itself.
 */
int xr_output_init(struct xr_engine *e, char *err, size_t err_len);
void xr_output_fini(struct xr_output *s);

/**
 * Its regions to prefault (regions_pvt.h): pools and tables that
 * xr_table_calloc() did not fault in. Thread: the owner, before the run.
 */
void xr_output_regions(struct xr_output *o, xr_region_fn visit, void *ctx);

/** Flush the output buffer to the file. @return 0 or -errno.
 * Thread: the output stage's, or the owner once the threads have stopped. */
int xr_output_flush(struct xr_output *o);

#endif /* XR_STAGE_OUTPUT_PVT_H */
