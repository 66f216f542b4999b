/*
 * xr_sim: an in-process simulated venue behind the connector interface
 * (connector kind "sim"). Deterministic from the venue's `seed`: the same
 * config and the same sequence of submit/cancel/poll calls with the same
 * clock values give the same events, bit for bit, on every platform.
 *
 * MODEL (docs/connectors.md, "The sim venue", has the full text)
 *   Books    one static synthetic book per `book.SYMBOL` key: for
 *            k = 1..levels, an ask at mid + k*tick and a bid at mid - k*tick,
 *            each holding level_qty. The book never depletes and never moves:
 *            every order sees the full book.
 *   Latency  an order submitted at now arrives at
 *              now + latency_us*1000 + U{0..jitter_us*1000}   (ns)
 *            and nothing happens to it before that.
 *   Outcome  on arrival, P(reject) = reject_ppm/10^6; otherwise
 *            P(fail) = fail_ppm/10^6; otherwise the order matches: it walks
 *            the opposite side level by level (market: all levels; limit:
 *            levels at or better than limit_px), every fill taking liquidity:
 *              last_notional = sum_k xr_notional(fill_qty_k, px_k)
 *              last_fees     = xr_fee(last_notional, fee_taker_cbps)
 *            IOC and market orders cancel the remainder, FOK is all or
 *            nothing, DAY/GTC limits rest until arrival + session_ms.
 *   PRNG     splitmix64 seeded with `seed`; each submit draws exactly three
 *            numbers, in order: jitter, reject, fail. Fault draws use a
 *            second stream (seed ^ 0x5eed0fa017), so faults never shift
 *            the first.
 *   Status   status(ClOrdID) is answered latency_us later: the undelivered
 *            fills and terminal status of a known order, "unknown" for an
 *            order the venue never received; an order still in transit is
 *            answered by its own arrival (messages keep their order).
 *   Faults   fault.NAME keys (struct xr_sim_fault_cfg), timed from the
 *            venue's first call: outage (orders and answers in the window
 *            are lost; answers are kept at the venue for a status query),
 *            disconnect (the same, and submit/cancel/status return
 *            -ENOTCONN, health says down), latency_spike, reject_burst,
 *            partial_fill, drop_answers, late_answers.
 *
 * GUARANTEES
 *   Every accepted order that reaches the venue ends in exactly one
 *   terminal event: an execution report with OrdStatus Filled, Canceled,
 *   Rejected or Expired, or an XR_EV_ORDER_FAILED; a lost answer is given
 *   instead to the first status query after it. An order lost on the way
 *   in is "unknown" to a status query. Fills are reported once: each
 *   event carries the fills not reported before it. No allocation after xr_sim_create(), no syscalls, no
 *   floating point, no locks: the single execute stage of the venue owns it.
 */
#ifndef XR_SIM_H
#define XR_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "xr_connector.h"
#include "xr_sim_config.h"

struct xr_config;

/** Most levels per book side (`levels` of a book.SYMBOL key). */
#define XR_SIM_MAX_LEVELS 1000
/** Largest `max_open_orders` a sim venue accepts (orders). */
#define XR_SIM_MAX_OPEN_ORDERS (UINT32_C(1) << 24)
/** Probability scale of reject_ppm / fail_ppm: 10^6 = always. */
#define XR_SIM_PPM_ONE 1000000u

/** Operations of the sim connector kind ("sim"). */
extern const struct xr_connector_ops xr_sim_ops;

/**
 * Create the sim venue of venue @p venue of @p cfg.
 *
 * Allocates every table the venue will ever need: max_open_orders order
 * slots, a binary min-heap of as many entries and a ClOrdID hash of at least
 * twice as many buckets. Nothing is allocated afterwards.
 *
 * @param cfg      configuration; cfg->venues[venue] must be a "sim" venue
 *                 (its conn a struct xr_sim_venue_cfg, xr_sim_venue_cfg()).
 *                 Only read during the call (symbol names for messages).
 * @param venue    venue id, < cfg->n_venues.
 * @param out      receives ops = &xr_sim_ops, ctx and venue.
 * @param err      on failure, a message naming the venue and the parameter:
 *                 "venue alpha: book BTC-USD: mid - levels*tick must be > 0";
 *                 err_len bytes (err may be NULL when err_len is 0).
 * @return 0; -EINVAL on a bad parameter (venue id out of range, no sim
 *         keys,
 *         max_open_orders not in 1..XR_SIM_MAX_OPEN_ORDERS, reject_prob or
 *         fail_prob above 10^6 ppm, no book, a book with mid_px <= 0,
 *         tick_px <= 0, levels not in 1..XR_SIM_MAX_LEVELS, level_qty <= 0,
 *         a bid at or below 0, an ask beyond INT64_MAX, a symbol id
 *         >= XR_MAX_SYMBOLS or listed twice); -ENOMEM.
 *
 * Thread: any (control path, allocates).
 */
int xr_sim_create(const struct xr_config *cfg, unsigned venue,
		  struct xr_connector *out, char *err, size_t err_len);

/**
 * Due time of the sim's next order event: the earliest arrival, expiry or
 * cancel still queued. poll(now) emits it exactly when now >= this value.
 * Market data of the first poll is not counted (it is due at once).
 *
 * @param c  a connector created by xr_sim_create().
 * @return CLOCK_MONOTONIC ns, or UINT64_MAX when nothing is queued or @p c
 *         is not a sim connector.
 *
 * Thread: the venue's execute stage (or a test). Wait-free; no allocation.
 */
uint64_t xr_sim_next_due_ns(const struct xr_connector *c);

#endif /* XR_SIM_H */
