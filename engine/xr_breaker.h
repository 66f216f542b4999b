/*
 * Per-venue fault tolerance primitives, owned by the venue's execute stage:
 * the circuit breaker and the retry backoff. Time is always passed in
 * (CLOCK_MONOTONIC ns, or a test's clock), so tests drive them with an
 * injected clock; nothing here allocates, locks or reads a clock.
 *
 * CIRCUIT BREAKER (thresholds and defaults: docs/failover.md)
 *
 *   CLOSED     every child is sent. Each answered child is an outcome:
 *              success (the venue answered: ack, fill, cancel, expiry) or
 *              failure (rejected, failed, no answer within order_timeout).
 *              It opens after failure_threshold consecutive failures, or
 *              when the last XR_BREAKER_WINDOW outcomes (at least
 *              min_samples of them) hold more than error_rate_ppm failures,
 *              or at once when the venue's session goes down.
 *   OPEN       nothing is sent: children routed here are bounced (reason
 *              circuit_open) and fail over. After open_timeout it turns
 *              HALF_OPEN.
 *   HALF_OPEN  up to half_open_probes children at a time are sent as
 *              probes; others are bounced. recovery_threshold successful
 *              probes close it; one failed probe opens it again.
 *
 *   Outcomes of children sent before the circuit opened that arrive while
 *   it is OPEN or HALF_OPEN change nothing: only probes decide recovery.
 */
#ifndef XR_BREAKER_H
#define XR_BREAKER_H

#include <stdbool.h>
#include <stdint.h>

/** Outcomes the breaker's error-rate window holds. */
#define XR_BREAKER_WINDOW 100

/** Circuit state of a venue (breaker, snapshot, summary). */
enum xr_circuit {
	XR_CIRCUIT_CLOSED = 0,
	XR_CIRCUIT_OPEN,
	XR_CIRCUIT_HALF_OPEN,
};

/** Why a circuit changed state. */
enum xr_breaker_cause {
	XR_BRK_NONE = 0,
	XR_BRK_CONSECUTIVE,   /* failure_threshold consecutive failures */
	XR_BRK_ERROR_RATE,    /* error rate over the window above threshold */
	XR_BRK_DISCONNECT,    /* the connector's session went down */
	XR_BRK_PROBE_FAILED,  /* a HALF_OPEN probe failed */
	XR_BRK_TIMEOUT,	      /* open_timeout elapsed: OPEN -> HALF_OPEN */
	XR_BRK_RECOVERED,     /* recovery_threshold probes succeeded */
	XR_BRK_MANUAL,	      /* a control command */
	XR_BRK_COUNT
};

/** Settings of a breaker (docs/config.md [engine] failover keys). */
struct xr_breaker_cfg {
	uint32_t failure_threshold;  /* consecutive failures that open, >= 1 */
	uint32_t error_rate_ppm;     /* failure share of the window that opens,
				      * 1..10^6 ppm */
	uint32_t min_samples;	     /* outcomes in the window before the rate
				      * counts, 1..XR_BREAKER_WINDOW */
	uint64_t open_timeout_ns;    /* OPEN for this long, then HALF_OPEN */
	uint32_t half_open_probes;   /* probes in flight in HALF_OPEN, >= 1 */
	uint32_t recovery_threshold; /* successful probes that close, >= 1 */
};

/** A state change, for the caller's events and figures. */
struct xr_breaker_transition {
	uint8_t from, to;	/* enum xr_circuit */
	uint8_t cause;		/* enum xr_breaker_cause */
	uint64_t at_ns;		/* when it changed */
	uint64_t first_fail_ns;	/* opening: the first failure of the run that
				 * opened it (the oldest failure in the window
				 * for an error-rate trip; the session loss for
				 * a disconnect); else 0 */
};

/** What the breaker says about sending one child now. */
enum xr_breaker_verdict {
	XR_BRK_SEND = 0,  /* CLOSED: send */
	XR_BRK_PROBE,	  /* HALF_OPEN: send as a probe; report its outcome
			   * with probe = true */
	XR_BRK_DENY,	  /* OPEN, or HALF_OPEN with every probe out: bounce */
};

/** One venue's circuit breaker. Zeroed by xr_breaker_init(). */
struct xr_breaker {
	struct xr_breaker_cfg cfg;
	uint8_t state;			/* enum xr_circuit */
	uint32_t consecutive;		/* failures since the last success */
	uint64_t streak_start_ns;	/* first failure of that run */
	uint64_t fail_ns[XR_BREAKER_WINDOW]; /* window ring: failure time, or
				 * 0 for a success (a failure at time 0 is
				 * stored as 1) */
	uint32_t win_n, win_pos, win_fail;
	uint64_t opened_ns;		/* last OPEN */
	uint32_t probes_out;		/* probes sent, not yet answered */
	uint32_t probes_ok;		/* successful probes in this HALF_OPEN */
	uint64_t opens;			/* CLOSED/HALF_OPEN -> OPEN count */
	bool held;			/* opened by a control command: stays
					 * OPEN (no HALF_OPEN) until force_close */
};

/**
 * Start @p b CLOSED with @p cfg (values out of range are clamped to the
 * nearest valid one). Thread: the owner. No allocation.
 */
void xr_breaker_init(struct xr_breaker *b, const struct xr_breaker_cfg *cfg);

/**
 * Move OPEN -> HALF_OPEN once open_timeout has passed since it opened.
 * Call it at least once per stage loop: the selector avoids an OPEN venue,
 * so no child may come to do it.
 * @return true with *t filled if the state changed. Thread: the owner.
 */
bool xr_breaker_tick(struct xr_breaker *b, uint64_t now_ns, struct xr_breaker_transition *t);

/**
 * May a child be sent now? A XR_BRK_PROBE verdict counts the probe as out
 * until its outcome is recorded. Does not change the state (call
 * xr_breaker_tick() first). Thread: the owner. No allocation.
 */
enum xr_breaker_verdict xr_breaker_admit(struct xr_breaker *b);

/**
 * Give back a probe admitted by xr_breaker_admit() whose child was not
 * sent after all (the venue's rate limit held it). Thread: the owner.
 */
void xr_breaker_unadmit(struct xr_breaker *b);

/**
 * Record the outcome of one child at this venue.
 * @param failure  true: rejected, failed or unanswered in time.
 * @param probe    the child was admitted as a probe (XR_BRK_PROBE).
 * @return true with *t filled if the state changed (CLOSED -> OPEN,
 *         HALF_OPEN -> OPEN or HALF_OPEN -> CLOSED). Thread: the owner.
 */
bool xr_breaker_record(struct xr_breaker *b, bool failure, bool probe, uint64_t now_ns,
		       struct xr_breaker_transition *t);

/**
 * Open now, whatever the state (the session went down, or a control
 * command). @p since_ns: when the trouble began (the disconnect), for the
 * detection time; 0 = now. With cause XR_BRK_MANUAL it stays OPEN, with
 * no HALF_OPEN probes, until xr_breaker_force_close(). @return true with *t filled if it was not
 * already OPEN (an OPEN breaker restarts its open_timeout either way).
 * Thread: the owner.
 */
bool xr_breaker_force_open(struct xr_breaker *b, enum xr_breaker_cause cause, uint64_t since_ns,
			   uint64_t now_ns, struct xr_breaker_transition *t);

/**
 * Close now (a control command re-enabling the venue): window and counts
 * cleared. @return true with *t filled if it was not CLOSED.
 * Thread: the owner.
 */
bool xr_breaker_force_close(struct xr_breaker *b, uint64_t now_ns,
			    struct xr_breaker_transition *t);

/** @return "closed", "open", "half_open". Thread: any. */
const char *xr_circuit_name(enum xr_circuit c);
/** @return "consecutive_failures", "error_rate", ... Thread: any. */
const char *xr_breaker_cause_name(enum xr_breaker_cause c);

/**
 * Delay before retry number @p n (0 = the first retry) with exponential
 * backoff and "equal jitter" (M. Brooker, "Exponential Backoff And
 * Jitter", AWS Architecture Blog, 2015):
 *   d = min(cap_ns, base_ns * 2^n);  delay = d/2 + floor(r (d/2 + 1) / 2^64)
 * so the delay lies in [d/2, d] and retries of many children spread out.
 * @param r  64 random bits (the caller's PRNG).
 * @return ns. Thread: any. Pure.
 */
uint64_t xr_backoff_ns(uint64_t base_ns, uint64_t cap_ns, uint32_t n, uint64_t r);

/** splitmix64 step (Steele, Lea, Flood, OOPSLA 2014): 64 random bits. */
static inline uint64_t
xr_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

#endif /* XR_BREAKER_H */
