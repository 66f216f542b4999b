/*
 * Circuit breaker and retry backoff (xr_breaker.h states the rules).
 */
#include "xr_breaker.h"

#include <string.h>

#include "xr_types.h"

static uint32_t
xr__clamp(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void
xr_breaker_init(struct xr_breaker *b, const struct xr_breaker_cfg *cfg)
{
	memset(b, 0, sizeof(*b));
	b->cfg = *cfg;
	b->cfg.failure_threshold = xr__clamp(cfg->failure_threshold, 1, UINT32_MAX);
	b->cfg.error_rate_ppm = xr__clamp(cfg->error_rate_ppm, 1, 1000000);
	b->cfg.min_samples = xr__clamp(cfg->min_samples, 1, XR_BREAKER_WINDOW);
	b->cfg.half_open_probes = xr__clamp(cfg->half_open_probes, 1, UINT32_MAX);
	b->cfg.recovery_threshold = xr__clamp(cfg->recovery_threshold, 1, UINT32_MAX);
	b->state = XR_CIRCUIT_CLOSED;
}

static void
xr__window_clear(struct xr_breaker *b)
{
	memset(b->fail_ns, 0, sizeof(b->fail_ns));
	b->win_n = b->win_pos = b->win_fail = 0;
	b->consecutive = 0;
	b->streak_start_ns = 0;
}

static bool
xr__move(struct xr_breaker *b, uint8_t to, uint8_t cause, uint64_t now, uint64_t first_fail,
	 struct xr_breaker_transition *t)
{
	t->from = b->state;
	t->to = to;
	t->cause = cause;
	t->at_ns = now;
	t->first_fail_ns = to == XR_CIRCUIT_OPEN ? (first_fail ? first_fail : now) : 0;
	b->state = to;
	if (to == XR_CIRCUIT_OPEN) {
		b->opened_ns = now;
		b->opens++;
	}
	if (to != XR_CIRCUIT_HALF_OPEN) {
		b->probes_out = 0;
		b->probes_ok = 0;
	}
	if (to == XR_CIRCUIT_CLOSED)
		xr__window_clear(b);
	return true;
}

bool
xr_breaker_tick(struct xr_breaker *b, uint64_t now_ns, struct xr_breaker_transition *t)
{
	if (b->state != XR_CIRCUIT_OPEN || b->held ||
	    now_ns - b->opened_ns < b->cfg.open_timeout_ns || now_ns < b->opened_ns)
		return false;
	b->probes_out = 0;
	b->probes_ok = 0;
	return xr__move(b, XR_CIRCUIT_HALF_OPEN, XR_BRK_TIMEOUT, now_ns, 0, t);
}

enum xr_breaker_verdict
xr_breaker_admit(struct xr_breaker *b)
{
	if (b->state == XR_CIRCUIT_CLOSED)
		return XR_BRK_SEND;
	if (b->state == XR_CIRCUIT_HALF_OPEN && b->probes_out < b->cfg.half_open_probes) {
		b->probes_out++;
		return XR_BRK_PROBE;
	}
	return XR_BRK_DENY;
}

void
xr_breaker_unadmit(struct xr_breaker *b)
{
	if (b->state == XR_CIRCUIT_HALF_OPEN && b->probes_out > 0)
		b->probes_out--;
}

/* Oldest failure time in the window (the start of an error-rate trip). */
static uint64_t
xr__oldest_failure(const struct xr_breaker *b)
{
	uint64_t oldest = 0;

	for (uint32_t i = 0; i < b->win_n; i++) {
		uint64_t f = b->fail_ns[i];
		if (f != 0 && (oldest == 0 || f < oldest))
			oldest = f;
	}
	return oldest;
}

bool
xr_breaker_record(struct xr_breaker *b, bool failure, bool probe, uint64_t now_ns,
		  struct xr_breaker_transition *t)
{
	if (b->state == XR_CIRCUIT_HALF_OPEN) {
		if (!probe)
			return false;
		if (b->probes_out > 0)
			b->probes_out--;
		if (failure)
			return xr__move(b, XR_CIRCUIT_OPEN, XR_BRK_PROBE_FAILED, now_ns, now_ns, t);
		if (++b->probes_ok >= b->cfg.recovery_threshold)
			return xr__move(b, XR_CIRCUIT_CLOSED, XR_BRK_RECOVERED, now_ns, 0, t);
		return false;
	}
	if (b->state == XR_CIRCUIT_OPEN)
		return false;

	/* CLOSED: the window and the run of failures. */
	if (b->win_n == XR_BREAKER_WINDOW)
		b->win_fail -= b->fail_ns[b->win_pos] != 0;
	else
		b->win_n++;
	b->fail_ns[b->win_pos] = failure ? (now_ns ? now_ns : 1) : 0;
	b->win_fail += failure;
	b->win_pos = b->win_pos + 1 == XR_BREAKER_WINDOW ? 0 : b->win_pos + 1;
	if (!failure) {
		b->consecutive = 0;
		return false;
	}
	if (b->consecutive++ == 0)
		b->streak_start_ns = now_ns;
	if (b->consecutive >= b->cfg.failure_threshold)
		return xr__move(b, XR_CIRCUIT_OPEN, XR_BRK_CONSECUTIVE, now_ns, b->streak_start_ns,
				t);
	/* win_fail / win_n > rate / 10^6, in integers. */
	if (b->win_n >= b->cfg.min_samples &&
	    (uint64_t)b->win_fail * 1000000 > (uint64_t)b->cfg.error_rate_ppm * b->win_n)
		return xr__move(b, XR_CIRCUIT_OPEN, XR_BRK_ERROR_RATE, now_ns,
				xr__oldest_failure(b), t);
	return false;
}

bool
xr_breaker_force_open(struct xr_breaker *b, enum xr_breaker_cause cause, uint64_t since_ns,
		      uint64_t now_ns, struct xr_breaker_transition *t)
{
	if (cause == XR_BRK_MANUAL)
		b->held = true;
	if (b->state == XR_CIRCUIT_OPEN) {
		b->opened_ns = now_ns;
		return false;
	}
	return xr__move(b, XR_CIRCUIT_OPEN, (uint8_t)cause, now_ns,
			since_ns && since_ns <= now_ns ? since_ns : now_ns, t);
}

bool
xr_breaker_force_close(struct xr_breaker *b, uint64_t now_ns, struct xr_breaker_transition *t)
{
	b->held = false;
	if (b->state == XR_CIRCUIT_CLOSED)
		return false;
	return xr__move(b, XR_CIRCUIT_CLOSED, XR_BRK_MANUAL, now_ns, 0, t);
}

const char *
xr_circuit_name(enum xr_circuit c)
{
	switch (c) {
	case XR_CIRCUIT_CLOSED: return "closed";
	case XR_CIRCUIT_OPEN: return "open";
	case XR_CIRCUIT_HALF_OPEN: return "half_open";
	}
	return "invalid";
}

const char *
xr_breaker_cause_name(enum xr_breaker_cause c)
{
	static const char *const names[XR_BRK_COUNT] = {
		[XR_BRK_NONE] = "none",
		[XR_BRK_CONSECUTIVE] = "consecutive_failures",
		[XR_BRK_ERROR_RATE] = "error_rate",
		[XR_BRK_DISCONNECT] = "disconnected",
		[XR_BRK_PROBE_FAILED] = "probe_failed",
		[XR_BRK_TIMEOUT] = "open_timeout",
		[XR_BRK_RECOVERED] = "recovered",
		[XR_BRK_MANUAL] = "manual",
	};
	return (unsigned)c < XR_BRK_COUNT ? names[c] : "invalid";
}

uint64_t
xr_backoff_ns(uint64_t base_ns, uint64_t cap_ns, uint32_t n, uint64_t r)
{
	uint64_t d = base_ns;

	for (uint32_t i = 0; i < n && d < cap_ns; i++)
		d = d > UINT64_MAX / 2 ? UINT64_MAX : d * 2;
	if (d > cap_ns)
		d = cap_ns;
	/* r scaled onto 0..d/2 by multiply-high (Lemire 2019): no division. */
	return d / 2 + (uint64_t)(((xr_u128)r * (d / 2 + 1)) >> 64);
}
