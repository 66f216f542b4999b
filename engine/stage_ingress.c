/*
 * Ingress stage: replays a signal file. The file is mapped read-only at
 * create; each do_work() parses up to `burst` rows (as many as fit in
 * ingress_to_validate), stamps each with its ingress time and enqueues it.
 *
 * With io.replay_speed_milli set, rows are released at their ts_ns offsets
 * from the first row (scaled by the speed) and stamped with that intended
 * time: an open-loop replay whose latencies include any queueing.
 *
 * The pace follows the rows' ts_ns differences, row to row: a row more
 * than max_gap_ns (io.pace_max_gap_ms) of event time after or before the
 * previous one is sent without waiting for that gap, and the rows after it
 * keep their spacing from it. So a break in the file, or one row with a
 * wild ts_ns (9223372036854775807 is in range), does not stall the replay
 * for years. Malformed rows are not paced (sent when read) and do not move
 * the pace.
 *
 * Nothing is lost: a full ring only slows the replay (counted in
 * out_stalls); a malformed row still travels on, marked XR_R_PARSE, so the
 * validate stage turns it into a rejected result. The first
 * max_parse_errors_logged malformed rows are reported on stderr as
 * FILE:LINE: MESSAGE, and once the file is read one line says how many
 * more there were; the first paced row sent without its gap is reported,
 * and at the end how many were (error paths, not the steady state).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stage_ingress_pvt.h"
#include "xr_clock.h"

/* Next line of the mapped file: [*pos, end) without the newline. */
static bool
xr__next_line(struct xr_ingress *in, const char **line, size_t *len)
{
	if (in->pos >= in->size)
		return false;
	const char *p = in->data + in->pos;
	const char *nl = memchr(p, '\n', in->size - in->pos);
	size_t n = nl != NULL ? (size_t)(nl - p) : in->size - in->pos;

	*line = p;
	*len = n;
	in->pos += n + (nl != NULL);
	in->lineno++;
	return true;
}

/* Parse the next signal row into @p m; false at end of file. */
static bool
xr__read_signal(struct xr_ingress *in, struct xr_msg *m)
{
	const struct xr_engine *e = in->st.eng;
	const char *line;
	size_t len;
	char err[320];

	do {
		if (!xr__next_line(in, &line, &len))
			return false;
	} while (xr_signal_line_is_blank_or_comment(line, len));
	memset(m, 0, sizeof(*m));
	if (xr_signal_parse(&in->lay, in->names, line, len, in->lineno, m, err,
			    sizeof(err)) != 0) {
		in->parse_errors++;
		m->kind = XR_MSG_SIGNAL;
		m->reason = XR_R_PARSE;
		m->line = in->lineno;
		m->venue = XR_VENUE_NONE;
		if (in->errors_printed < e->io.max_parse_errors_logged) {
			in->errors_printed++;
			fprintf(stderr, "%s:%u: %s\n", in->path, in->lineno, err);
		}
	}
	return true;
}

/*
 * Paced replay: the wall time at which @p m is due (ns). The first paced
 * row is due now; each next row its ts_ns difference from the previous
 * paced row later (scaled by the speed), a difference over max_gap_ns
 * either way counting as 0. A row due in the past is sent at once. Called
 * again for a row that was not yet due: the second call moves nothing.
 */
static uint64_t
xr__due_ns(struct xr_ingress *in, const struct xr_msg *m, uint64_t now)
{
	uint32_t speed = in->st.eng->io.replay_speed_milli;

	if (m->reason == XR_R_PARSE)
		return in->started ? in->t0_wall_ns : now;
	if (!in->started) {
		in->started = true;
		in->t0_wall_ns = now;
		in->prev_ts_ns = m->ts_ns;
		in->pos_ns = 0;
		return now;
	}
	xr_i128 d = (xr_i128)m->ts_ns - in->prev_ts_ns;
	if (d > in->max_gap_ns || d < -(xr_i128)in->max_gap_ns) {
		if (in->gaps++ == 0) {
			/* Error path, once per run. */
			in->first_gap_line = m->line;
			fprintf(stderr, "%s:%u: ts_ns: %" PRId64 " is %" PRIu64 " s %s the "
				"previous row's (over the pace gap of %" PRId64 " ms): sent "
				"without waiting, paced from here on\n", in->path, m->line,
				m->ts_ns, (uint64_t)((d < 0 ? -d : d) / 1000000000),
				d < 0 ? "before" : "after", in->max_gap_ns / 1000000);
		}
		d = 0;
	}
	in->prev_ts_ns = m->ts_ns;
	in->pos_ns += d;
	if (in->pos_ns <= 0)
		return in->t0_wall_ns;
	xr_i128 wait = in->pos_ns * 1000 / speed;
	return wait >= (xr_i128)(UINT64_MAX - in->t0_wall_ns) ? UINT64_MAX
							     : in->t0_wall_ns + (uint64_t)wait;
}

/* The whole file was read: what the per-row logs left out, once. */
static void
xr__report_end(const struct xr_ingress *in)
{
	if (in->parse_errors > in->errors_printed)
		fprintf(stderr, "%s: %" PRIu64 " more malformed rows not shown (%" PRIu64
			" in all; each has its parse_error result)\n", in->path,
			in->parse_errors - in->errors_printed, in->parse_errors);
	if (in->gaps > 1)
		fprintf(stderr, "%s: %" PRIu64 " rows in all were sent without waiting for a "
			"gap over %" PRId64 " ms (the first at line %u)\n", in->path, in->gaps,
			in->max_gap_ns / 1000000, in->first_gap_line);
}

/*
 * The next row into @p m: the one held back as not yet due, else the next
 * of the file, stamped with its ingress time (@p now; paced: its intended
 * send time). @return 1 (a row in @p m), 0 (a paced row not due yet: held
 * back), -1 (end of file).
 */
static inline int
xr__next_row(struct xr_ingress *in, struct xr_msg *m, uint64_t now, bool paced)
{
	if (in->has_next) {
		*m = in->next;
		in->has_next = false;
	} else if (!xr__read_signal(in, m)) {
		return -1;
	}
	if (!paced) {
		m->t[XR_T_INGRESS] = now;
		return 1;
	}
	uint64_t due = xr__due_ns(in, m, now);
	if (due > now) {
		in->next = *m;
		in->has_next = true;
		return 0;
	}
	/* Open loop: latency counts from the intended send time. */
	m->t[XR_T_INGRESS] = due;
	return 1;
}

static uint32_t
xr__ingress_work(struct xr_stage *st)
{
	struct xr_ingress *in = (struct xr_ingress *)st;
	struct xr_engine *e = st->eng;
	struct xr_msg batch[XR_MAX_BURST];
	uint32_t want = in->burst, n = 0;
	bool paced = e->io.replay_speed_milli != 0;

	if (atomic_load_explicit(&in->done, memory_order_relaxed))
		return 0;
	if (atomic_load_explicit(&e->drain, memory_order_relaxed) & XR_DRAIN_STOP_INTAKE) {
		/* A stop signal: the rows not read stay unread (and are not
		 * counted in read); a paced row held back is dropped with
		 * them. Release: as at the end of the file. */
		atomic_store_explicit(&in->done, 1, memory_order_release);
		return 0;
	}
	if (in->journal != NULL) {
		/* A journal slot per signal to validate; none left: wait, a
		 * live feed does not reject for the journal. */
		want = xr_ring_room(in->journal, want);
		if (want == 0) {
			in->journal_stalls++;
			return 0;
		}
	}
	uint32_t room = xr_ring_room(in->out, want);
	uint32_t rej_room = in->live ? xr_ring_room(in->rejects, want) : 0, n_rej = 0;
	struct xr_msg rej[XR_MAX_BURST];
	if (room == 0 && rej_room == 0) {
		st->out_stalls++;
		return 0;
	}
	/* One clock read per burst. Closed loop stamps every signal of the
	 * burst with its start: a row's latency then includes the parsing of
	 * the rows before it in the burst (never under-counted), and the
	 * clock is not read per row (4% of the front thread's samples). */
	uint64_t now = xr_now_ns();
	while (n < room || n_rej < rej_room) {
		/* Validate's ring first; once full, a live feed rejects. */
		struct xr_msg *m = n < room ? &batch[n] : &rej[n_rej];
		if (xr__next_row(in, m, now, paced) <= 0)
			break;
		if (m == &batch[n]) {
			n++;
			continue;
		}
		/* Rejected at the door: no order id, no exposure reserved. */
		m->kind = XR_MSG_REJECT;
		m->ord_status = XR_OS_REJECTED;
		if (m->reason == XR_R_NONE)
			m->reason = XR_R_OVERLOADED;
		m->venue = XR_VENUE_NONE;
		in->overloaded += m->reason == XR_R_OVERLOADED;
		n_rej++;
	}
	if (n_rej != 0)
		xr_ring_enqueue_burst(in->rejects, rej, n_rej);
	if (n + n_rej != 0) {
		if (in->journal != NULL)
			xr_ring_enqueue_burst(in->journal, batch, n); /* room: above */
		xr_ring_enqueue_burst(in->out, batch, n);
		st->items += n + n_rej;
		/* Release: the main thread compares this with results written. */
		atomic_store_explicit(&in->read, st->items, memory_order_release);
	}
	if (!in->has_next && in->pos >= in->size) {
		xr__report_end(in);
		atomic_store_explicit(&in->done, 1, memory_order_release);
	}
	return n + n_rej;
}

/*
 * Deterministic mode (io.deterministic): the file replay of one row at a
 * time (in->burst is 1), each only once every row read so far has its
 * result and a venue snapshot was published after it (e->det_settled), so
 * route decides each signal on a snapshot that shows every earlier
 * signal's children ended and nothing in flight. A wrapper chosen at
 * init: the normal replay's do_work is unchanged.
 */
static uint32_t
xr__ingress_det_work(struct xr_stage *st)
{
	struct xr_ingress *in = (struct xr_ingress *)st;

	/* Our own counter: relaxed. A5: pairs with R5 in
	 * xr__aggregate_det_work; the snapshot published before it is
	 * visible to route once it takes the row we send next. */
	uint64_t read = atomic_load_explicit(&in->read, memory_order_relaxed);
	if (atomic_load_explicit(&st->eng->det_settled, memory_order_acquire) < read)
		return 0;
	return xr__ingress_work(st);
}

/*
 * `xroute serve`: every source, fairly. The clients' records and the
 * file's rows (when --signals is given, at its pace) go to validate; the
 * results come back through xr_sources_return(). Intake ends only when
 * the owner stops it; records that arrive after are answered stopped.
 */
static uint32_t
xr__ingress_serve_work(struct xr_stage *st)
{
	struct xr_ingress *in = (struct xr_ingress *)st;
	struct xr_engine *e = st->eng;
	struct xr_msg batch[XR_MAX_BURST];
	uint32_t n = 0;
	bool stopped = atomic_load_explicit(&e->drain, memory_order_relaxed) &
		       XR_DRAIN_STOP_INTAKE;

	uint64_t now = xr_now_ns();
	uint32_t room = xr_ring_room(in->out, XR_MAX_BURST);
	if (in->journal != NULL) {
		uint32_t jr = xr_ring_room(in->journal, room);
		in->journal_stalls += jr < room;
		room = jr;
	}
	uint32_t did = xr_sources_work(&in->srcs, now, stopped, batch, room, &n);
	/* The file: after the clients, in what room they left. */
	bool paced = e->io.replay_speed_milli != 0;
	while (!stopped && !in->file_done && n < room) {
		struct xr_msg *m = &batch[n];
		int r = xr__next_row(in, m, now, paced);
		if (r < 0) {
			xr__report_end(in);
			in->file_done = true;
		}
		if (r <= 0)
			break;
		m->line = 0; /* lines mean nothing to the serve books */
		n += (uint32_t)xr_sources_admit(&in->srcs, in->srcs.file, m);
	}
	if (n != 0) {
		if (in->journal != NULL)
			xr_ring_enqueue_burst(in->journal, batch, n); /* room: above */
		xr_ring_enqueue_burst(in->out, batch, n);
		uint64_t signals = 0;
		for (uint32_t i = 0; i < n; i++)
			signals += batch[i].kind == XR_MSG_SIGNAL;
		st->items += n;
		/* Release: the owner compares this with the results answered. */
		atomic_store_explicit(&in->read,
				      atomic_load_explicit(&in->read, memory_order_relaxed) + signals,
				      memory_order_release);
	} else if (room == 0) {
		st->out_stalls++;
	}
	if (stopped && !atomic_load_explicit(&in->done, memory_order_relaxed))
		atomic_store_explicit(&in->done, 1, memory_order_release);
	return did + n;
}

/* Map and check the signal file (both modes). */
static int xr__file_open(struct xr_ingress *in, struct xr_engine *e, char *err, size_t err_len);

int
xr_ingress_init(struct xr_engine *e, char *err, size_t err_len)
{
	struct xr_ingress *in = e->ingress;

	snprintf(in->st.name, sizeof(in->st.name), "ingress");
	in->st.do_work = xr__ingress_work;
	in->st.eng = e;
	in->out = e->ingress_to_validate;
	in->rejects = e->ingress_to_aggregate;
	in->live = e->io.overload_reject;
	in->burst = e->io.deterministic ? 1 : e->cfg->engine.burst;
	if (e->io.deterministic)
		in->st.do_work = xr__ingress_det_work;
	in->path = e->io.signals_path;
	in->names = e->names;
	in->max_gap_ns = (int64_t)(e->io.pace_max_gap_ms ? e->io.pace_max_gap_ms : 60000) *
			 1000000;
	if (e->io.serve) {
		in->st.do_work = xr__ingress_serve_work;
		in->file_done = in->path == NULL;
		int rc = in->path != NULL ? xr__file_open(in, e, err, err_len) : 0;
		if (rc != 0)
			return rc;
		e->signal_lines = 0; /* no line bitmap: the books count results */
		return xr_sources_init(e, &in->srcs, err, err_len);
	}
	return xr__file_open(in, e, err, err_len);
}

static int
xr__file_open(struct xr_ingress *in, struct xr_engine *e, char *err, size_t err_len)
{
	struct stat sb;

	if (in->path == NULL) {
		snprintf(err, err_len, "no signal file given (--signals FILE)");
		return -EINVAL;
	}
	int fd = open(in->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int rc = errno;
		snprintf(err, err_len, "%s: %s", in->path, strerror(rc));
		return -rc;
	}
	if (fstat(fd, &sb) != 0) {
		int rc = errno;
		snprintf(err, err_len, "%s: %s", in->path, strerror(rc));
		close(fd);
		return -rc;
	}
	if (S_ISDIR(sb.st_mode) || !S_ISREG(sb.st_mode)) {
		/* The file is mapped, so it must be a regular file. */
		snprintf(err, err_len, "%s: %s, not a signal file (a regular file is needed)",
			 in->path, S_ISDIR(sb.st_mode) ? "is a directory" : "is not a regular file");
		close(fd);
		return S_ISDIR(sb.st_mode) ? -EISDIR : -EINVAL;
	}
	if (sb.st_size == 0) {
		snprintf(err, err_len, "%s: empty signal file (a header line is required)",
			 in->path);
		close(fd);
		return -EINVAL;
	}
	in->size = (size_t)sb.st_size;
	void *map = mmap(NULL, in->size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		int rc = errno;
		snprintf(err, err_len, "%s: mmap: %s", in->path, strerror(rc));
		in->size = 0;
		return -rc;
	}
	in->data = map;
	madvise(map, in->size, MADV_SEQUENTIAL);

	/* Count lines once: bounds the output's seen-bitmap. */
	uint64_t lines = 0;
	for (const char *p = in->data, *end = in->data + in->size; p < end; lines++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl != NULL ? nl + 1 : end;
	}
	if (lines >= UINT32_MAX) {
		snprintf(err, err_len, "%s: more than %u lines", in->path, UINT32_MAX - 1);
		return -EFBIG;
	}
	in->max_lines = (uint32_t)lines;
	e->signal_lines = in->max_lines; /* output sizes its bitmap by it */

	const char *line;
	size_t len;
	do {
		if (!xr__next_line(in, &line, &len)) {
			snprintf(err, err_len, "%s: no header line", in->path);
			return -EINVAL;
		}
	} while (xr_signal_line_is_blank_or_comment(line, len));
	char perr[200];
	if (xr_signal_header_parse(line, len, &in->lay, perr, sizeof(perr)) != 0) {
		snprintf(err, err_len, "%s:%u: %s", in->path, in->lineno, perr);
		return -EINVAL;
	}
	return 0;
}

void
xr_ingress_fini(struct xr_ingress *in)
{
	xr_sources_fini(&in->srcs);
	if (in->data != NULL)
		munmap((void *)(uintptr_t)in->data, in->size);
	in->data = NULL;
}
