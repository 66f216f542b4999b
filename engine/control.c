/*
 * Operator commands (docs/failover.md "Control"): parse a command line,
 * check its names against the config and send it through the control
 * ring to the route stage. Control path: any thread, serialised by a
 * mutex, never a stage thread.
 *
 * DESIGN
 *   The control ring is single-producer like every ring here; the mutex
 *   makes the callers one producer. Route is the one consumer: it applies
 *   the command to its own state (disabled venues, manual failover pins)
 *   before routing anything else in that call, forwards disable/enable to
 *   the venue's execute stage behind the orders already sent there (the
 *   breaker opens and holds, or closes), and sends a record to the
 *   aggregator, which keeps the history, the router status and writes the
 *   event. A command therefore never races an order: it takes effect at
 *   one point of route's order stream.
 *
 * MEMORY ORDERING
 *   The ring's release/acquire carries the command. router_status is a
 *   self-contained gauge: relaxed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine_pvt.h"
#include "xr_clock.h"

const char *
xr_doing_name(enum xr_doing d)
{
	static const char *const names[XR_DOING_COUNT] = {
		[XR_DO_MESSAGES] = "messages", [XR_DO_PUBLISH] = "publish",
		[XR_DO_TIMERS] = "timers",     [XR_DO_CONNECTOR] = "connector",
		[XR_DO_WRITE] = "write",       [XR_DO_CONTROL] = "control",
	};
	return (unsigned)d < XR_DOING_COUNT ? names[d] : "invalid";
}

const char *
xr_router_status_name(enum xr_router_status s)
{
	static const char *const names[XR_STATUS_COUNT] = {
		[XR_STATUS_READY] = "READY",
		[XR_STATUS_SWITCHING] = "SWITCHING",
		[XR_STATUS_ERROR] = "ERROR",
	};
	return (unsigned)s < XR_STATUS_COUNT ? names[s] : "invalid";
}

enum xr_router_status
xr_engine_status(const struct xr_engine *e)
{
	return (enum xr_router_status)atomic_load_explicit(&e->router_status,
							  memory_order_relaxed);
}

/* Next blank-separated word of *cur into w (at most cap-1 bytes, longer
 * words are cut and flagged by a trailing "..."); false at the end. */
static bool
xr__next_word(const char **cur, char *w, size_t cap)
{
	const char *s = *cur;
	size_t n = 0;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (*s == '\0')
		return false;
	while (s[n] != '\0' && s[n] != ' ' && s[n] != '\t' && s[n] != '\n' && s[n] != '\r')
		n++;
	if (n < cap)
		snprintf(w, cap, "%.*s", (int)n, s);
	else
		snprintf(w, cap, "%.*s...", (int)(cap - 4), s);
	*cur = s + n;
	return true;
}

/* VENUE or "auto" (allow_auto) into *v; -EINVAL with err otherwise. */
static int
xr__venue_arg(const struct xr_config *cfg, const char *cmd, const char *w, bool allow_auto,
	      uint8_t *v, char *err, size_t err_len)
{
	if (allow_auto && strcmp(w, "auto") == 0) {
		*v = XR_VENUE_NONE;
		return 0;
	}
	int id = xr_config_venue_id(cfg, w);
	if (id < 0) {
		snprintf(err, err_len, "%s: \"%s\" is not a venue%s", cmd, w,
			 allow_auto ? " (or auto)" : "");
		return -EINVAL;
	}
	*v = (uint8_t)id;
	return 0;
}

/* Parse @p command into @p m (enum xr_control_op fields). */
static int
xr__parse(const struct xr_config *cfg, const char *command, struct xr_msg *m, char *err,
	  size_t err_len)
{
	char w[4][XR_NAME_MAX + 8];
	const char *cur = command;
	unsigned n = 0;
	char extra[XR_NAME_MAX + 8];

	while (n < 4 && xr__next_word(&cur, w[n], sizeof(w[n])))
		n++;
	if (n == 0) {
		snprintf(err, err_len, "empty command (expected disable, enable or failover)");
		return -EINVAL;
	}
	if (xr__next_word(&cur, extra, sizeof(extra))) {
		snprintf(err, err_len, "%s: unexpected \"%s\" after the command", w[0], extra);
		return -EINVAL;
	}
	memset(m, 0, sizeof(*m));
	m->kind = XR_MSG_CONTROL;
	m->venue = XR_VENUE_NONE;
	bool dis = strcmp(w[0], "disable") == 0;
	if (dis || strcmp(w[0], "enable") == 0) {
		if (n != 2) {
			snprintf(err, err_len, "%s: expected \"%s VENUE\"", w[0], w[0]);
			return -EINVAL;
		}
		m->reason = dis ? XR_CTL_DISABLE : XR_CTL_ENABLE;
		return xr__venue_arg(cfg, w[0], w[1], false, &m->venue, err, err_len);
	}
	if (strcmp(w[0], "failover") != 0) {
		snprintf(err, err_len, "\"%s\": unknown command (expected disable, enable or "
				       "failover)", w[0]);
		return -EINVAL;
	}
	m->reason = XR_CTL_FAILOVER;
	if (n == 2) {
		m->side = XR_SCOPE_ALL;
		return xr__venue_arg(cfg, w[0], w[1], true, &m->venue, err, err_len);
	}
	bool user = strcmp(w[1], "user") == 0;
	if (n != 4 || (!user && strcmp(w[1], "symbol") != 0)) {
		snprintf(err, err_len,
			 "failover: expected \"failover VENUE|auto\", \"failover user NAME "
			 "VENUE|auto\" or \"failover symbol NAME VENUE|auto\"");
		return -EINVAL;
	}
	int id = user ? xr_config_user_id(cfg, w[2]) : xr_config_symbol_id(cfg, w[2]);
	if (id < 0) {
		snprintf(err, err_len, "failover: \"%s\" is not a %s", w[2], w[1]);
		return -EINVAL;
	}
	const struct xr_venue_plan *p = user ? &cfg->users[id].plan : &cfg->symbol_plans[id];
	if (p->n == 0) {
		snprintf(err, err_len, "failover: %s %s has no venue plan (primary_venue)", w[1],
			 w[2]);
		return -EINVAL;
	}
	m->side = user ? XR_SCOPE_USER : XR_SCOPE_SYMBOL;
	m->user = (uint32_t)id;
	return xr__venue_arg(cfg, w[0], w[3], true, &m->venue, err, err_len);
}

int
xr_engine_control_check(const struct xr_config *cfg, const char *command, char *err,
			size_t err_len)
{
	struct xr_msg m;

	return xr__parse(cfg, command, &m, err, err_len);
}

int
xr_engine_control(struct xr_engine *e, const char *command, char *err, size_t err_len)
{
	struct xr_msg m;
	int rc = xr__parse(e->cfg, command, &m, err, err_len);

	if (rc != 0)
		return rc;
	if (atomic_load_explicit(&e->stop, memory_order_relaxed)) {
		snprintf(err, err_len, "the engine is stopping");
		return -ESHUTDOWN;
	}
	m.send_at_ns = xr_now_ns();
	pthread_mutex_lock(&e->control_mu);
	bool queued = xr_ring_enqueue(e->control_to_route, &m);
	pthread_mutex_unlock(&e->control_mu);
	if (!queued) {
		snprintf(err, err_len, "control ring full (%d commands not yet taken by route)",
			 XR_CONTROL_RING);
		return -EAGAIN;
	}
	if (err_len > 0)
		err[0] = '\0';
	return 0;
}
