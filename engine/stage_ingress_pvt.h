/*
 * The ingress stage's state (stage_ingress.c): the signal file replay.
 * Private to its stage and to the engine's assembly (engine.c, summary.c,
 * footprint.c) and tests; no other stage includes it.
 */
#ifndef XR_STAGE_INGRESS_PVT_H
#define XR_STAGE_INGRESS_PVT_H

#include "engine_pvt.h"
#include "sources_pvt.h"

/**
 * Ingress: replays a signal file (mmap), one CSV row per signal; in
 * `xroute serve` (io.serve) it serves every source instead: the clients,
 * the FIX sessions and the file (sources_pvt.h).
 */
struct xr_ingress {
	struct xr_stage st;
	struct xr_ring *out;	/* ingress_to_validate */
	struct xr_ring *rejects; /* ingress_to_aggregate: overloaded signals */
	bool live;		/* io.overload_reject: a full ring rejects */
	uint32_t burst;		/* rows per call: [engine] burst, or 1 in
				 * deterministic mode (io.deterministic) */
	uint64_t overloaded;	/* signals rejected for a full ring */
	const char *path;
	const char *data;	/* mapped file */
	size_t size, pos;
	uint32_t lineno;	/* lines consumed so far */
	uint32_t max_lines;	/* lines in the file (bounds the seen bitmap) */
	struct xr_signal_layout lay;
	const struct xr_names *names;
	uint64_t parse_errors;
	uint32_t errors_printed;
	struct xr_msg next;	/* paced replay: parsed, not yet due */
	bool has_next;
	uint64_t t0_wall_ns;	/* paced replay: when the first signal went */
	int64_t prev_ts_ns;	/* paced replay: ts_ns of the last paced row */
	xr_i128 pos_ns;		/* paced replay: its event time after t0, gaps
				 * over max_gap_ns taken out (ns, may be < 0) */
	int64_t max_gap_ns;	/* paced replay: io.pace_max_gap_ms (ns) */
	uint64_t gaps;		/* paced replay: rows sent without their gap */
	uint32_t first_gap_line; /* the first such row's line */
	bool started;
	bool file_done;		/* serve: the file source is read */
	struct xr_sources srcs;	/* serve: the sources (io.serve) */
	struct xr_ring *journal; /* ingress's journal ring, else NULL: every
				  * signal and cancel is journaled as it
				  * goes to validate */
	uint64_t journal_stalls; /* calls that waited: journal ring full */
	_Atomic uint64_t read;	/* signals read (rows, incl. malformed); in
				 * serve, signals routed from every source */
	_Atomic int done;	/* whole file read; in serve, intake stopped */
};

/*
 * Construction (control path, the owner thread): init fills the stage the
 * engine allocated in @p e (zeroed) from e->cfg and wires its rings;
 * @return 0, or -errno with @p err filled. fini frees what init allocated
 * and accepts a half-built (or never initialised, zeroed) stage; it does
 * not free the stage itself.
 */
int xr_ingress_init(struct xr_engine *e, char *err, size_t err_len);
void xr_ingress_fini(struct xr_ingress *s);

#endif /* XR_STAGE_INGRESS_PVT_H */
