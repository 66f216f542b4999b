/*
 * The event log: circuit transitions, alerts and operator commands, as
 * JSON lines in the events file (xr_engine_io.events_path) and one line
 * each on stderr (docs/output.md "Events").
 *
 * DESIGN
 *   The aggregator raises events, the output stage passes them, as
 *   messages, into output_to_owner (an SPSC ring of 4096), and the owner
 *   thread drains it once a tick of its 1 ms loop (xr_engine_run) and
 *   once more after the threads stop. So no stage thread formats a log
 *   line, calls stdio or makes a syscall for an event; an event reaches
 *   the file within a tick. A full ring (the owner stalled for 4096
 *   events) loses the event, counted in the summary's events_dropped.
 *
 * GUARANTEES
 *   Owner thread only; events are written in the order they were raised.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine_pvt.h"

/*
 * One event (circuit transition, operator command, alert) as a JSON line
 * in the events file and a line on stderr (docs/output.md "Events").
 * Events are rare (edges, not samples): formatting with snprintf and one
 * write(2) each is fine on the owner thread.
 */
static void
xr__event(struct xr_events *ev, const struct xr_engine *e, const struct xr_msg *m)
{
	const struct xr_config *cfg = e->cfg;
	const char *venue = m->venue < cfg->n_venues ? cfg->venues[m->venue].name : "";
	double t = m->send_at_ns > e->start_ns ? (double)(m->send_at_ns - e->start_ns) / 1e9 : 0;
	char line[512], log[512];
	int n;

	if (m->kind == XR_MSG_VENUE_EVENT) {
		const char *from = xr_circuit_name(m->side), *to = xr_circuit_name(m->ord_status);
		const char *cause = xr_breaker_cause_name(m->reason);
		n = snprintf(line, sizeof(line),
			     "{\"t_s\":%.6f,\"event\":\"circuit\",\"venue\":\"%s\",\"from\":\"%s\","
			     "\"to\":\"%s\",\"cause\":\"%s\"}\n",
			     t, venue, from, to, cause);
		snprintf(log, sizeof(log), "circuit %s: %s -> %s (%s)", venue, from, to, cause);
	} else if (m->kind == XR_MSG_ALERT && m->reason == XR_ALERT_FILL_OUTSIDE_LIMIT) {
		/* One-shot: which fill, at what price (docs/failover.md). */
		char px[32];
		xr_fixed_format(px, m->limit_px, 8);
		n = snprintf(line, sizeof(line),
			     "{\"t_s\":%.6f,\"event\":\"alert\",\"venue\":\"%s\","
			     "\"alert\":\"fill_outside_limit\",\"state\":\"raised\","
			     "\"value\":%" PRId64 ",\"signal_id\":%" PRIu64 ",\"line\":%" PRIu32
			     ",\"cl_ord_id\":%" PRIu64 ",\"avg_px\":\"%s\"}\n",
			     t, venue, m->qty, m->signal_id, m->line, m->cl_ord_id, px);
		snprintf(log, sizeof(log),
			 "alert %s: fill_outside_limit: signal %" PRIu64 " (line %" PRIu32
			 ") ClOrdID %" PRIu64 " filled at %s, outside its limit or collar (%" PRId64
			 " such fills from this venue so far; at most one alert a second)",
			 venue, m->signal_id, m->line, m->cl_ord_id, px, m->qty);
	} else if (m->kind == XR_MSG_ALERT) {
		const char *name = xr_alert_name(m->reason), *state = m->ord_status ? "raised"
										   : "cleared";
		n = snprintf(line, sizeof(line),
			     "{\"t_s\":%.6f,\"event\":\"alert\",\"venue\":\"%s\",\"alert\":\"%s\","
			     "\"state\":\"%s\",\"value\":%" PRId64 ",\"threshold\":%" PRId64 "}\n",
			     t, venue, name, state, m->qty, m->limit_px);
		snprintf(log, sizeof(log),
			 "alert %s: %s %s (value %" PRId64 ", threshold %" PRId64 ")", venue, name,
			 state, m->qty, m->limit_px);
	} else {
		static const char *const ops[] = { "", "disable", "enable", "failover" };
		static const char *const scopes[] = { "all", "user", "symbol" };
		const char *op = m->reason < 4 ? ops[m->reason] : "?";
		const char *scope = m->side < 3 ? scopes[m->side] : "?";
		const char *who = m->side == XR_SCOPE_USER && m->user < cfg->n_users
					  ? cfg->users[m->user].name
				  : m->side == XR_SCOPE_SYMBOL && m->user < cfg->n_symbols
					  ? cfg->symbols[m->user]
					  : "";
		const char *target = m->venue == XR_VENUE_NONE ? "auto" : venue;
		n = snprintf(line, sizeof(line),
			     "{\"t_s\":%.6f,\"event\":\"control\",\"command\":\"%s\","
			     "\"scope\":\"%s\",\"name\":\"%s\",\"venue\":\"%s\"}\n",
			     t, op, scope, who, target);
		snprintf(log, sizeof(log), "control: %s %s%s%s%s", op, m->side ? scope : "",
			 m->side ? " " : "", who, *who ? " " : "");
		size_t l = strlen(log);
		snprintf(log + l, sizeof(log) - l, "%s", target);
	}
	if (!ev->quiet)
		fprintf(stderr, "xroute: %.6f s: %s\n", t, log);
	ev->written++;
	for (size_t off = 0; ev->fd >= 0 && n > 0 && off < (size_t)n;) {
		ssize_t w = write(ev->fd, line + off, (size_t)n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			ev->write_errors++;
			break;
		}
		off += (size_t)w;
	}
}

int
xr_events_init(struct xr_engine *e, char *err, size_t err_len)
{
	struct xr_events *ev = &e->events;

	ev->quiet = e->io.events_quiet;
	ev->fd = -1;
	if (e->io.events_path == NULL)
		return 0;
	ev->fd = open(e->io.events_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (ev->fd < 0) {
		int rc = errno;
		snprintf(err, err_len, "%s: %s", e->io.events_path, strerror(rc));
		return -rc;
	}
	return 0;
}

uint32_t
xr_events_drain(struct xr_engine *e)
{
	struct xr_msg m;
	uint32_t n = 0;

	while (e->output_to_owner != NULL && xr_ring_dequeue(e->output_to_owner, &m)) {
		xr__event(&e->events, e, &m);
		n++;
	}
	return n;
}

void
xr_events_fini(struct xr_events *ev)
{
	if (ev->fd >= 0)
		close(ev->fd);
	ev->fd = -1;
}
