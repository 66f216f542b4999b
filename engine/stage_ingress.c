/*
 * Ingress stage: replays a signal file. The file is mapped read-only at
 * create; each do_work() parses up to `burst` rows (as many as fit in
 * ingress_to_validate), stamps each with its ingress time and enqueues it.
 *
 * With io.replay_speed_milli set, rows are released at their ts_ns offsets
 * from the first row (scaled by the speed) and stamped with that intended
 * time: an open-loop replay whose latencies include any queueing.
 *
 * Nothing is lost: a full ring only slows the replay (counted in
 * out_stalls); a malformed row still travels on, marked XR_R_PARSE, so the
 * validate stage turns it into a rejected result. The first
 * max_parse_errors_logged malformed rows are reported on stderr with file,
 * line and reason (an error path, not the steady state).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine_pvt.h"
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
	char err[160];

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

/* Paced replay: the wall time at which @p m is due (ns). */
static uint64_t
xr__due_ns(struct xr_ingress *in, const struct xr_msg *m, uint64_t now)
{
	uint32_t speed = in->st.eng->io.replay_speed_milli;

	if (!in->started) {
		in->started = true;
		in->t0_wall_ns = now;
		in->t0_signal_ns = m->ts_ns;
	}
	if (m->reason == XR_R_PARSE || m->ts_ns <= in->t0_signal_ns)
		return in->t0_wall_ns;
	return in->t0_wall_ns +
	       (uint64_t)((xr_i128)(m->ts_ns - in->t0_signal_ns) * 1000 / speed);
}

static uint32_t
xr__ingress_work(struct xr_stage *st)
{
	struct xr_ingress *in = (struct xr_ingress *)st;
	struct xr_engine *e = st->eng;
	struct xr_msg batch[XR_MAX_BURST];
	uint32_t want = e->cfg->engine.burst, n = 0;
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
		if (in->has_next) {
			*m = in->next;
			in->has_next = false;
		} else if (!xr__read_signal(in, m)) {
			break;
		}
		if (paced) {
			uint64_t due = xr__due_ns(in, m, now);
			if (due > now) {
				in->next = *m;
				in->has_next = true;
				break;
			}
			/* Open loop: latency counts from the intended send time. */
			m->t[XR_T_INGRESS] = due;
		} else {
			m->t[XR_T_INGRESS] = now;
		}
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
		xr_ring_enqueue_burst(in->out, batch, n);
		st->items += n + n_rej;
		/* Release: the main thread compares this with results written. */
		atomic_store_explicit(&in->read, st->items, memory_order_release);
	}
	if (!in->has_next && in->pos >= in->size)
		atomic_store_explicit(&in->done, 1, memory_order_release);
	return n + n_rej;
}

int
xr_ingress_init(struct xr_engine *e, char *err, size_t err_len)
{
	struct xr_ingress *in = &e->ingress;
	struct stat sb;

	snprintf(in->st.name, sizeof(in->st.name), "ingress");
	in->st.do_work = xr__ingress_work;
	in->st.eng = e;
	in->out = e->ingress_to_validate;
	in->rejects = e->ingress_to_aggregate;
	in->live = e->io.overload_reject;
	in->path = e->io.signals_path;
	in->names = e->names;
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
	if (fstat(fd, &sb) != 0 || sb.st_size == 0) {
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
	if (in->data != NULL)
		munmap((void *)(uintptr_t)in->data, in->size);
	in->data = NULL;
}
