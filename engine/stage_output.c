/*
 * Output stage: writes one result per signal (CSV or JSON Lines, see
 * docs/output.md) and keeps the invariants' books independently of the
 * aggregator:
 *   - a bitmap by source line catches a second result for the same signal
 *     (duplicates) and counts distinct signals ended (unaccounted is
 *     signals read minus distinct);
 *   - filled quantity is checked against the accepted order quantity
 *     (overfills): a signal validate did not accept has none, so any fill
 *     of it is an overfill; a rejected row's quantity counts for nothing;
 *   - net fills per (user, symbol) are summed from results, to compare with
 *     the aggregator's positions at the end.
 * It formats text and calls write(2), per 1 MiB buffer, never per signal;
 * a plan with a core to spare gives it a thread of its own, off the hot
 * path. Events (circuit transitions, alerts, operator
 * commands) are passed on to the owner thread through output_to_owner
 * (events.c), which formats, logs and writes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stage_output_pvt.h"
#include "xr_table.h"
#include "xr_clock.h"

#define XR_OUT_BUF (1u << 20)
#define XR_OUT_LINE_MAX 8192 /* > 32 fields + 64 venue names + 8 alternatives and 8
				* allocations (name + number), 64 B each */

int
xr_output_flush(struct xr_output *o)
{
	size_t off = 0;

	while (o->fd >= 0 && off < o->buf_len) {
		ssize_t w = write(o->fd, o->buf + off, o->buf_len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			o->write_errors++;
			o->buf_len = 0;
			return -errno;
		}
		off += (size_t)w;
	}
	o->buf_len = 0;
	return 0;
}

/* Appenders: the caller guarantees XR_OUT_LINE_MAX bytes of room per
 * result (names are at most 31 bytes, numbers at most 24). */
static inline void
xr__put_mem(struct xr_output *o, const char *s, size_t n)
{
	memcpy(o->buf + o->buf_len, s, n);
	o->buf_len += n;
}

static inline void
xr__put_str(struct xr_output *o, const char *s)
{
	xr__put_mem(o, s, strlen(s));
}

static inline void
xr__put_ch(struct xr_output *o, char c)
{
	o->buf[o->buf_len++] = c;
}

static void
xr__put_u64(struct xr_output *o, uint64_t v)
{
	/* The row's room (XR_OUT_LINE_MAX) covers the wide writer's spare. */
	o->buf_len += (size_t)xr_u64_format_wide(o->buf + o->buf_len, v);
}

static void
xr__put_fixed(struct xr_output *o, int64_t v)
{
	o->buf_len += (size_t)xr_fixed_format(o->buf + o->buf_len, v, 8);
}

/* Venue names of @p mask joined by '|'. */
static void
xr__put_venues(struct xr_output *o, const struct xr_config *cfg, uint64_t mask)
{
	bool first = true;

	while (mask != 0) {
		unsigned v = (unsigned)__builtin_ctzll(mask);
		mask &= mask - 1;
		if (v >= cfg->n_venues)
			continue;
		if (!first)
			xr__put_ch(o, '|');
		xr__put_str(o, cfg->venues[v].name);
		first = false;
	}
}

/* Ranked alternatives as venue:score (points, 2 decimals), '|'-joined. */
static void
xr__put_alts(struct xr_output *o, const struct xr_config *cfg, const struct xr_msg *r)
{
	for (unsigned i = 0; i < r->n_alts && i < XR_MAX_ALTS; i++) {
		if (r->alts[i] >= cfg->n_venues)
			continue;
		if (i)
			xr__put_ch(o, '|');
		xr__put_str(o, cfg->venues[r->alts[i]].name);
		xr__put_ch(o, ':');
		o->buf_len += (size_t)xr_fixed_format(o->buf + o->buf_len, r->alt_score[i], 2);
	}
}

/* The decision's allocation as venue:qty, '|'-joined. */
static void
xr__put_alloc(struct xr_output *o, const struct xr_config *cfg, const struct xr_msg *r)
{
	for (unsigned i = 0; i < r->n_venues && i < XR_MAX_ALLOC; i++) {
		if (r->alloc_venue[i] >= cfg->n_venues)
			continue;
		if (i)
			xr__put_ch(o, '|');
		xr__put_str(o, cfg->venues[r->alloc_venue[i]].name);
		xr__put_ch(o, ':');
		xr__put_fixed(o, r->alloc_qty[i]);
	}
}

/* The attempts sent again as venue:outcome, '|'-joined, oldest first. */
static void
xr__put_attempts(struct xr_output *o, const struct xr_config *cfg, const struct xr_msg *r)
{
	static const char *const outcome[4] = {
		[XR_ATT_REJECTED] = "rejected",
		[XR_ATT_FAILED] = "failed",
		[XR_ATT_TIMEOUT] = "timeout",
		[XR_ATT_CIRCUIT] = "circuit_open",
	};
	unsigned n = xr_attempt_log_len(r->attempt_log), v, k;

	for (unsigned i = 0; i < n; i++) {
		xr_attempt_log_get(r->attempt_log, i, &v, &k);
		if (i)
			xr__put_ch(o, '|');
		xr__put_str(o, v < cfg->n_venues ? cfg->venues[v].name : "?");
		xr__put_ch(o, ':');
		xr__put_str(o, outcome[k & 3]);
	}
}

static uint64_t
xr__span(const uint64_t *t, int to, int from)
{
	return t[to] != 0 && t[from] != 0 && t[to] >= t[from] ? t[to] - t[from] : 0;
}

/* One field: JSON `,"key":` (quoted value if q) or CSV `,`. */
static inline __attribute__((always_inline)) void
xr__key(struct xr_output *o, bool json, const char *key, bool q, bool first)
{
	if (!json) {
		if (!first)
			xr__put_ch(o, ',');
		return;
	}
	xr__put_str(o, first ? "{\"" : ",\"");
	xr__put_str(o, key);
	xr__put_str(o, q ? "\":\"" : "\":");
}

static inline __attribute__((always_inline)) void
xr__end(struct xr_output *o, bool json, bool q)
{
	if (json && q)
		xr__put_ch(o, '"');
}

/* Field writers: integers bare, everything else quoted in JSON, so that
 * no reader rounds a decimal. */
static inline __attribute__((always_inline)) void
xr__f_u64(struct xr_output *o, bool json, const char *key, uint64_t v, bool first)
{
	xr__key(o, json, key, false, first);
	xr__put_u64(o, v);
}

static inline __attribute__((always_inline)) void
xr__f_str(struct xr_output *o, bool json, const char *key, const char *v)
{
	xr__key(o, json, key, true, false);
	xr__put_str(o, v);
	xr__end(o, json, true);
}

static inline __attribute__((always_inline)) void
xr__f_fixed(struct xr_output *o, bool json, const char *key, int64_t v, int dec)
{
	xr__key(o, json, key, true, false);
	o->buf_len += (size_t)xr_fixed_format(o->buf + o->buf_len, v, dec);
	xr__end(o, json, true);
}

/* One result in field order (docs/output.md), CSV or JSON by @p json,
 * which every call site passes as a constant: each format gets its own
 * straight-line copy, with no per-field table or dispatch. */
static inline __attribute__((always_inline)) void
xr__row(struct xr_output *o, const struct xr_config *cfg, const struct xr_msg *r, bool json)
{
	const char *user = r->user < cfg->n_users ? cfg->users[r->user].name : "";
	const char *sym = r->symbol < cfg->n_symbols ? cfg->symbols[r->symbol] : "";
	const char *venue = r->venue < cfg->n_venues ? cfg->venues[r->venue].name : "";
	int64_t avg_px = r->cum_qty > 0
		? (int64_t)((xr_i128)r->cum_notional * XR_QTY_SCALE / r->cum_qty) : 0;
	const uint64_t *t = r->t;
	bool routed = r->decision != XR_D_NONE;

	xr__f_u64(o, json, "signal_id", r->signal_id, true);
	xr__f_u64(o, json, "line", r->line, false);
	xr__f_str(o, json, "user", user);
	xr__f_str(o, json, "symbol", sym);
	xr__f_str(o, json, "side", r->side ? xr_side_name(r->side) : "");
	/* A parse_error row has no quantity: empty, not 0 (docs/output.md). */
	xr__key(o, json, "qty", true, false);
	if (r->reason != XR_R_PARSE)
		xr__put_fixed(o, r->qty);
	xr__end(o, json, true);
	xr__f_str(o, json, "status", xr_final_name(r->final));
	xr__f_str(o, json, "reason", xr_reason_name(r->reason));
	xr__f_str(o, json, "venue", venue);
	xr__key(o, json, "venues", true, false);
	xr__put_venues(o, cfg, r->venue_mask);
	xr__end(o, json, true);
	xr__f_str(o, json, "method", r->order_id ? xr_method_name(r->method) : "");
	xr__f_u64(o, json, "priority", r->priority, false);
	xr__f_fixed(o, json, "filled_qty", r->cum_qty, 8);
	xr__f_fixed(o, json, "avg_px", avg_px, 8);
	xr__f_fixed(o, json, "fees", r->fees, 8);
	xr__f_fixed(o, json, "est_fees", r->est_fees, 8);
	xr__f_u64(o, json, "children", r->n_children, false);
	xr__key(o, json, "alternatives", true, false);
	xr__put_alts(o, cfg, r);
	xr__end(o, json, true);
	xr__f_str(o, json, "strategy", r->order_id ? xr_strategy_name(r->strategy) : "");
	xr__f_str(o, json, "decision", xr_decision_name(r->decision));
	xr__f_fixed(o, json, "score", routed ? r->score : 0, 2);
	xr__f_fixed(o, json, "confidence", routed ? r->confidence_ppm : 0, 6);
	xr__f_fixed(o, json, "arrival_px", r->arrival_px, 8);
	xr__f_fixed(o, json, "exp_px", routed ? r->exp_px : 0, 8);
	xr__f_fixed(o, json, "exp_slippage_bps", routed ? r->exp_slip_cbps : 0, 2);
	xr__key(o, json, "allocation", true, false);
	xr__put_alloc(o, cfg, r);
	xr__end(o, json, true);
	xr__key(o, json, "attempts", true, false);
	xr__put_attempts(o, cfg, r);
	xr__end(o, json, true);
	xr__f_u64(o, json, "queue_ns", xr__span(t, XR_T_VALIDATE, XR_T_INGRESS), false);
	xr__f_u64(o, json, "validate_ns", xr__span(t, XR_T_ROUTE, XR_T_VALIDATE), false);
	xr__f_u64(o, json, "route_ns", xr__span(t, XR_T_EXECUTE, XR_T_ROUTE), false);
	xr__f_u64(o, json, "venue_ns", xr__span(t, XR_T_REPORT, XR_T_EXECUTE), false);
	xr__f_u64(o, json, "aggregate_ns", xr__span(t, XR_T_AGGREGATE, XR_T_REPORT), false);
	xr__f_u64(o, json, "e2e_ns", xr__span(t, XR_T_AGGREGATE, XR_T_INGRESS), false);
	xr__put_str(o, json ? "}\n" : "\n");
}

static void
xr__format(struct xr_output *o, const struct xr_config *cfg, const struct xr_msg *r)
{
	if (o->format == XR_RESULTS_JSONL)
		xr__row(o, cfg, r, true);
	else
		xr__row(o, cfg, r, false);
}

/** Header line of the CSV results (docs/output.md). */
static const char xr__csv_header[] =
	"signal_id,line,user,symbol,side,qty,status,reason,venue,venues,method,"
	"priority,filled_qty,avg_px,fees,est_fees,children,alternatives,strategy,"
	"decision,score,confidence,arrival_px,exp_px,exp_slippage_bps,allocation,"
	"attempts,queue_ns,validate_ns,route_ns,venue_ns,aggregate_ns,e2e_ns\n";

static uint32_t
xr__output_work(struct xr_stage *st)
{
	struct xr_output *o = (struct xr_output *)st;
	struct xr_engine *e = st->eng;
	struct xr_msg in[XR_MAX_BURST];
	uint32_t want = e->cfg->engine.burst;
	struct xr_ring *back = e->output_to_ingress;

	/* serve: every result and fill goes back to its source; take no
	 * more than that ring has room for (backpressure, never a drop). */
	if (back != NULL && (want = xr_ring_room(back, want)) == 0) {
		st->out_stalls++;
		return 0;
	}
	uint32_t n = xr_ring_dequeue_burst(o->in, in, want);

	if (n == 0)
		return 0;
	st->doing |= 1u << XR_DO_MESSAGES;
	for (uint32_t i = 0; i < n; i++) {
		const struct xr_msg *r = &in[i];
		if (back != NULL && (r->kind == XR_MSG_RESULT || r->kind == XR_MSG_FILL))
			xr_ring_enqueue(back, r); /* room taken above */
		if (r->kind != XR_MSG_RESULT) {
			if (r->kind == XR_MSG_FILL) {
				/* For the serve ingress's clients, not a file. */
				o->fills_seen++;
				continue;
			}
			/* Formatted and written by the owner thread. */
			if (!xr_ring_enqueue(e->output_to_owner, r))
				o->events_dropped++;
			continue;
		}
		o->results++;
		if (back != NULL) {
			o->distinct++; /* serve: the books tell duplicates */
		} else if (r->line < o->seen_bits) {
			uint64_t bit = UINT64_C(1) << (r->line % 64);
			if (o->seen[r->line / 64] & bit) {
				o->duplicates++;
			} else {
				o->seen[r->line / 64] |= bit;
				o->distinct++;
			}
		}
		if (r->cum_qty > (r->order_id != 0 ? r->order_qty : 0))
			o->overfills++;
		if (r->cum_qty > 0 && r->user < e->n_users && r->symbol < e->n_symbols) {
			size_t k = (size_t)r->user * e->n_symbols + r->symbol;
			o->fills_net[k] += r->side == XR_SIDE_BUY ? r->cum_qty : -r->cum_qty;
		}
		if (o->fd >= 0) {
			if (o->buf_cap - o->buf_len < XR_OUT_LINE_MAX) {
				st->doing |= 1u << XR_DO_WRITE;
				xr_output_flush(o);
			}
			xr__format(o, e->cfg, r);
		}
	}
	st->items += n;
	atomic_store_explicit(&o->last_result_ns, xr_now_ns(), memory_order_relaxed);
	/* Release: the main thread reads this to decide the run is complete. */
	atomic_store_explicit(&o->distinct_pub, o->distinct, memory_order_release);
	return n;
}

int
xr_output_init(struct xr_engine *e, char *err, size_t err_len)
{
	struct xr_output *o = e->output;

	snprintf(o->st.name, sizeof(o->st.name), "output");
	o->st.do_work = xr__output_work;
	o->st.eng = e;
	o->in = e->aggregate_to_output;
	o->fd = -1;
	o->format = e->cfg->engine.results_format;
	o->seen_bits = e->signal_lines + 2;
	o->seen = xr_table_calloc((o->seen_bits + 63) / 64, sizeof(uint64_t));
	o->fills_net = xr_table_calloc((size_t)e->n_users * e->n_symbols, sizeof(int64_t));
	if (o->seen == NULL || o->fills_net == NULL) {
		snprintf(err, err_len, "output: out of memory");
		return -ENOMEM;
	}
	if (e->io.results_path == NULL)
		return 0;
	o->fd = open(e->io.results_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (o->fd < 0) {
		int rc = errno;
		snprintf(err, err_len, "%s: %s", e->io.results_path, strerror(rc));
		return -rc;
	}
	o->buf_cap = XR_OUT_BUF;
	o->buf = malloc(o->buf_cap);
	if (o->buf == NULL) {
		snprintf(err, err_len, "output: out of memory");
		return -ENOMEM;
	}
	if (o->format == XR_RESULTS_CSV)
		xr__put_str(o, xr__csv_header);
	return 0;
}

void
xr_output_fini(struct xr_output *o)
{
	if (o->fd >= 0) {
		xr_output_flush(o);
		close(o->fd);
	}
	o->fd = -1;
	free(o->buf);
	xr_table_free(o->seen);
	xr_table_free(o->fills_net);
	o->buf = NULL;
	o->seen = NULL;
	o->fills_net = NULL;
}

void
xr_output_regions(struct xr_output *o, xr_region_fn visit, void *ctx)
{
	/* seen and fills_net came from xr_table_calloc, already faulted in. */
	visit(ctx, o->buf, o->buf_cap);
}
