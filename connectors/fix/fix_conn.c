/*
 * The FIX connector: orders to FIX messages and back, over one session on
 * a non-blocking TCP socket (xr_fix_conn.h has the mapping and the rules).
 * This file: the socket (connect, read, flush, reconnect), the ops
 * (submit, cancel, status, poll, health, destroy) and create; the order
 * table's events and the venue's reports are fix_conn_orders.c, the state
 * both share fix_conn_pvt.h.
 *
 * DESIGN
 *   Orders live in a fixed table of max_open_orders slots; a ClOrdID map
 *   (xr_u64map, mixed home slots) finds a slot from the ClOrdID a venue
 *   echoes. Not sequential mode: orders may rest for long, so the live ids
 *   are a wide window, and there removing the oldest would walk all of it.
 *   Live slots
 *   are also on a list in the order they were sent, so cancel_after_ms
 *   looks only at the oldest. A slot is freed right after its terminal
 *   event is queued, and that is the only place one is freed: every order
 *   gets exactly one terminal event.
 *
 *   Events wait in a ring of max_open_orders + XR__EVQ_SLACK entries. One
 *   venue message yields at most one event, except our GapFill, which may
 *   fail every live order at once; so input is read only while the ring
 *   has room for that plus the messages read.
 */
#include "fix_conn_pvt.h"
#include "fix_seq_pvt.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ socket */

static void
xr__close(struct xr__fix *f, uint64_t now)
{
	if (f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
		f->st.disconnects++;
	}
	f->connecting = false;
	xr_fix_session_disconnected(f->s, now);
	f->reconnect_at = now + f->backoff_ns;
	f->backoff_ns = f->backoff_ns * 2 > f->backoff_max_ns ? f->backoff_max_ns
							       : f->backoff_ns * 2;
}

/* A failed connect: logged the 1st, 2nd, 4th, 8th... time in a row. */
static void
xr__connect_failed(struct xr__fix *f, const char *why, uint64_t now)
{
	uint32_t k = ++f->failed_connects;

	if ((k & (k - 1)) == 0)
		xr__fix_logf(f, XR_FIX_LOG_WARN, "connect to %s:%u: %s (attempt %u; retrying every "
			 "%llu ms at most)", f->fc->host, (unsigned)f->fc->port, why, k,
			 (unsigned long long)(f->backoff_max_ns / 1000000));
	xr__close(f, now);
}

/* Start a non-blocking connect. */
static void
xr__connect_start(struct xr__fix *f, uint64_t now)
{
	int one = 1;

	f->fd = socket(f->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (f->fd < 0) {
		xr__fix_logf(f, XR_FIX_LOG_ERROR, "socket: %s", strerror(errno));
		f->reconnect_at = now + f->backoff_ns;
		return;
	}
	setsockopt(f->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	f->connect_ns = now;
	f->connecting = true;
	f->st.connects++;
	if (connect(f->fd, (const struct sockaddr *)&f->addr, f->addr_len) != 0 &&
	    errno != EINPROGRESS)
		xr__connect_failed(f, strerror(errno), now);
}

/* Is the connect in progress done? Logs on when it is. */
static void
xr__connect_check(struct xr__fix *f, uint64_t now)
{
	struct pollfd p = { .fd = f->fd, .events = POLLOUT };
	int err = 0;
	socklen_t el = sizeof(err);

	if (poll(&p, 1, 0) <= 0) {
		if (now - f->connect_ns >= f->s->cfg.logon_timeout_ns)
			xr__connect_failed(f, "timed out", now);
		return;
	}
	if (getsockopt(f->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
		xr__connect_failed(f, strerror(err != 0 ? err : errno), now);
		return;
	}
	f->connecting = false;
	f->failed_connects = 0;
	xr_fix_session_set_clock(f->s, xr_fix_wall_offset_ns());
	xr_fix_session_connected(f->s, now);
}

/* Write what tx holds, as far as the socket takes it. */
static void
xr__flush(struct xr__fix *f, uint64_t now)
{
	struct xr_fix_session *s = f->s;
	uint32_t off = 0;

	while (off < s->tx_len && f->fd >= 0 && !f->connecting) {
		ssize_t n = send(f->fd, s->tx + off, s->tx_len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			off += (uint32_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			break;
		xr__fix_logf(f, XR_FIX_LOG_WARN, "send: %s", n < 0 ? strerror(errno) : "closed");
		xr__close(f, now);
		return;
	}
	if (off > 0) {
		memmove(s->tx, s->tx + off, s->tx_len - off);
		s->tx_len -= off;
	}
}

/*
 * Process the messages in rx while the event ring has room for what they
 * may produce: one event each, plus one per open order for a GapFill.
 */
static void
xr__input(struct xr__fix *f, uint64_t now)
{
	uint32_t room;

	while (f->s->rx_len > 0 && (room = f->evq_cap - f->evq_n) > f->n_open &&
	       xr_fix_session_input(f->s, now, room - f->n_open) > 0)
		;
}

/* Read what the socket has, then process it. */
static void
xr__read(struct xr__fix *f, uint64_t now)
{
	struct xr_fix_session *s = f->s;

	while (s->rx_len < s->rx_cap) {
		ssize_t n = recv(f->fd, s->rx + s->rx_len, s->rx_cap - s->rx_len, MSG_DONTWAIT);
		if (n > 0) {
			s->rx_len += (uint32_t)n;
			if (s->rx_len < s->rx_cap)
				break; /* the socket had no more */
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			break;
		if (n == 0)
			xr__fix_say(f, XR_FIX_LOG_WARN, "venue closed the connection");
		else
			xr__fix_logf(f, XR_FIX_LOG_WARN, "recv: %s", strerror(errno));
		xr__input(f, now); /* what arrived before the end still counts */
		xr__close(f, now);
		return;
	}
	xr__input(f, now);
}

/*
 * cancel_after_ms: cancel the oldest orders once they are that old. The
 * order then moves to the list's tail with sent_ns = now and comes back to
 * the head a period later: while its cancel is out nothing is sent; if our
 * GapFill swallowed that cancel (xr__fix_on_gap_fill clears expiring), it is
 * canceled again (-C2, ...). The list stays in sent_ns order, so each call
 * looks only at its head.
 */
static int xr__cancel(void *ctx, uint64_t cl_ord_id, uint64_t now);

static void
xr__expire(struct xr__fix *f, uint64_t now)
{
	if (f->cancel_after_ns == 0 || !f->up)
		return;
	for (uint32_t k = 0; k < f->n_open && f->old_head != XR__NIL; k++) {
		uint32_t i = f->old_head;
		struct xr__order *o = &f->o[i];
		if (now - o->sent_ns < f->cancel_after_ns)
			return;
		if (!o->expiring) {
			if (xr__cancel(f, o->cl_ord_id, now) != 0)
				return;
			o->expiring = o->expired = true;
		}
		o->sent_ns = now;
		if (f->old_tail == i)
			continue;
		f->old_head = o->next; /* unlink the head, append at the tail */
		f->o[o->next].prev = XR__NIL;
		o->prev = f->old_tail;
		o->next = XR__NIL;
		f->o[f->old_tail].next = i;
		f->old_tail = i;
	}
}

/* ------------------------------------------------------------------ ops */

/* Start a message about order @p o: ClOrdID of the order (+ "-C<n>"). */
static void
xr__put_id(struct xr__fix *f, struct xr_fix_writer *w, uint32_t tag, uint64_t id, int cancel_no)
{
	char buf[48];
	int n = snprintf(buf, sizeof(buf), "%s%llu", f->prefix, (unsigned long long)id);
	if (cancel_no > 0)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "-C%d", cancel_no);
	xr_fix_put_str(w, tag, buf, (size_t)n);
}

static void
xr__put_instrument(struct xr__fix *f, struct xr_fix_writer *w, const struct xr__order *o)
{
	xr_fix_put_str(w, XR__T_SYMBOL, f->sym[o->symbol], f->sym_len[o->symbol]);
	xr_fix_put_char(w, XR__T_SIDE, o->side == XR_SIDE_BUY ? '1' : '2');
}

static int
xr__submit(void *ctx, const struct xr_conn_order *in, uint64_t now)
{
	struct xr__fix *f = ctx;
	struct xr_fix_writer w;
	uint64_t seq;

	if (in->qty <= 0 || in->symbol >= XR_MAX_SYMBOLS || f->sym[in->symbol] == NULL ||
	    (in->ord_type == XR_ORD_LIMIT && in->limit_px <= 0) ||
	    (in->side != XR_SIDE_BUY && in->side != XR_SIDE_SELL))
		return -EINVAL;
	if ((in->ord_type == XR_ORD_MARKET && !f->market_ok) || in->tif > 7 ||
	    !(f->tif_mask & (1u << in->tif)))
		return -EOPNOTSUPP;
	if (!f->up)
		return -ENOTCONN;
	if (f->free_head == XR__NIL)
		return -EBUSY;
	int rc = xr_fix_session_begin(f->s, &w, "D", now);
	if (rc != 0)
		return rc == -ENOBUFS ? -EBUSY : rc;
	uint32_t i = f->free_head;
	struct xr__order *o = &f->o[i];
	o->symbol = in->symbol;
	o->side = in->side;
	xr__put_id(f, &w, XR__T_CL_ORD_ID, in->cl_ord_id, 0);
	xr_fix_put_char(&w, XR__T_HANDL_INST, '1');
	xr__put_instrument(f, &w, o);
	xr_fix_put_time(&w, XR__T_TRANSACT_TIME, now + (uint64_t)f->s->wall_offset_ns);
	xr_fix_put_fixed(&w, XR__T_ORDER_QTY, in->qty, 8);
	xr_fix_put_char(&w, XR__T_ORD_TYPE, in->ord_type == XR_ORD_MARKET ? '1' : '2');
	if (in->ord_type == XR_ORD_LIMIT)
		xr_fix_put_fixed(&w, XR__T_PRICE, in->limit_px, 8);
	xr_fix_put_char(&w, XR__T_TIF, (char)('0' + in->tif));
	bool fresh;
	uint32_t *slot = xr_u64map_upsert(&f->ids, in->cl_ord_id, &fresh);
	if (slot == NULL || !fresh)
		return -EINVAL; /* a ClOrdID already live (or 0): nothing queued */
	*slot = i;
	if (xr_fix_session_send(f->s, &w, &seq, now) != 0) {
		xr_u64map_remove(&f->ids, in->cl_ord_id);
		return -EBUSY;
	}
	f->free_head = o->next;
	*o = (struct xr__order){
		.cl_ord_id = in->cl_ord_id,
		.nos_seq = seq,
		.epoch = f->s->epoch,
		.sent_ns = now,
		.qty = in->qty,
		.px = in->ord_type == XR_ORD_LIMIT ? in->limit_px : 0,
		.token = in->token,
		.prev = f->old_tail,
		.next = XR__NIL,
		.symbol = in->symbol,
		.side = in->side,
		.ord_type = in->ord_type,
		.tif = in->tif,
		.state = XR__O_SENT,
	};
	if (f->old_tail != XR__NIL)
		f->o[f->old_tail].next = i;
	else
		f->old_head = i;
	f->old_tail = i;
	f->n_open++;
	f->st.orders_sent++;
	f->sent[in->cl_ord_id & f->sent_mask] = in->cl_ord_id;
	if (in->cl_ord_id > f->sent_max)
		f->sent_max = in->cl_ord_id;
	xr__flush(f, now);
	return 0;
}

static int
xr__adopt(void *ctx, const struct xr_conn_order *in, int64_t cum_qty, int64_t cum_notional,
	  bool acked, uint64_t now)
{
	struct xr__fix *f = ctx;
	bool fresh;

	if (in->symbol >= XR_MAX_SYMBOLS || f->sym[in->symbol] == NULL)
		return -EINVAL;
	if (f->free_head == XR__NIL)
		return -EBUSY;
	uint32_t i = f->free_head;
	uint32_t *slot = xr_u64map_upsert(&f->ids, in->cl_ord_id, &fresh);
	if (slot == NULL || !fresh)
		return -EEXIST;
	*slot = i;
	struct xr__order *o = &f->o[i];
	f->free_head = o->next;
	/* Sent by an earlier process: no NewOrderSingle of this session
	 * (epoch none), so no gap fill of ours can disown it. */
	*o = (struct xr__order){
		.cl_ord_id = in->cl_ord_id,
		.epoch = UINT32_MAX,
		.sent_ns = now,
		.qty = in->qty,
		.px = in->ord_type == XR_ORD_LIMIT ? in->limit_px : 0,
		.cum_qty = cum_qty,
		.cum_notional = cum_notional,
		.token = in->token,
		.prev = f->old_tail,
		.next = XR__NIL,
		.symbol = in->symbol,
		.side = in->side,
		.ord_type = in->ord_type,
		.tif = in->tif,
		.state = acked || cum_qty > 0 ? XR__O_ACKED : XR__O_SENT,
		.adopted = true,
	};
	if (f->old_tail != XR__NIL)
		f->o[f->old_tail].next = i;
	else
		f->old_head = i;
	f->old_tail = i;
	f->n_open++;
	f->st.orders_adopted++;
	f->adopt_settle = true;
	f->sent[in->cl_ord_id & f->sent_mask] = in->cl_ord_id;
	if (in->cl_ord_id > f->sent_max)
		f->sent_max = in->cl_ord_id;
	return 0;
}

/*
 * Logged on after a crash and caught up (every message the venue had
 * for us resent): an order taken back that the venue never acknowledged
 * never arrived there, since a venue answers every order it receives.
 * It ends unknown (not live). Once per start.
 */
static void
xr__adopt_settle(struct xr__fix *f)
{
	uint32_t ended = 0;

	f->adopt_settle = false;
	for (uint32_t i = f->old_head, next; i != XR__NIL; i = next) {
		struct xr__order *o = &f->o[i];
		next = o->next;
		if (!o->adopted || o->state != XR__O_SENT || f->evq_n == f->evq_cap)
			continue;
		struct xr_conn_event *e = xr__order_event(f);
		e->kind = XR_EV_ORDER_UNKNOWN;
		e->reason = XR_R_TIMEOUT;
		e->symbol = o->symbol;
		e->token = o->token;
		e->cl_ord_id = o->cl_ord_id;
		xr__order_release(f, i);
		ended++;
	}
	f->st.adopted_never_arrived += ended;
	if (ended != 0)
		xr__fix_logf(f, XR_FIX_LOG_INFO,
			     "after a crash: %u orders taken back were never acknowledged by the venue "
			     "once it resent everything: never arrived, not live",
			     ended);
}

static int
xr__cancel(void *ctx, uint64_t cl_ord_id, uint64_t now)
{
	struct xr__fix *f = ctx;
	struct xr_fix_writer w;
	uint32_t i = xr__slot_by_id(f, cl_ord_id);

	if (i == XR__NIL)
		return -ENOENT;
	if (!f->up)
		return -ENOTCONN;
	struct xr__order *o = &f->o[i];
	int rc = xr_fix_session_begin(f->s, &w, "F", now);
	if (rc != 0)
		return rc == -ENOBUFS ? -EBUSY : rc;
	xr__put_id(f, &w, XR__T_ORIG_CL_ORD_ID, cl_ord_id, 0);
	xr__put_id(f, &w, XR__T_CL_ORD_ID, cl_ord_id, o->cancels + 1);
	xr__put_instrument(f, &w, o);
	xr_fix_put_time(&w, XR__T_TRANSACT_TIME, now + (uint64_t)f->s->wall_offset_ns);
	xr_fix_put_fixed(&w, XR__T_ORDER_QTY, o->qty, 8);
	if (xr_fix_session_send(f->s, &w, &o->cxl_seq, now) != 0)
		return -EBUSY;
	o->cxl_epoch = f->s->epoch;
	if (o->cancels < UINT8_MAX)
		o->cancels++;
	f->st.cancels_sent++;
	xr__flush(f, now);
	return 0;
}

static int
xr__status(void *ctx, uint64_t cl_ord_id, uint32_t token, uint64_t now)
{
	struct xr__fix *f = ctx;
	struct xr_fix_writer w;
	uint32_t i = xr__slot_by_id(f, cl_ord_id);

	(void)token;
	if (!f->up)
		return -ENOTCONN;
	if (!f->status_ok)
		return -EOPNOTSUPP;
	if (i == XR__NIL)
		return -ENOENT; /* ended: its terminal event is queued */
	struct xr__order *o = &f->o[i];
	if (o->overfill && o->doubt_queries >= XR__DOUBT_QUERIES)
		return -EALREADY; /* in doubt; the venue's answer is known */
	int rc = xr_fix_session_begin(f->s, &w, "H", now);
	if (rc != 0)
		return rc == -ENOBUFS ? -EBUSY : rc;
	xr__put_id(f, &w, XR__T_CL_ORD_ID, cl_ord_id, 0);
	xr__put_instrument(f, &w, o);
	if (xr_fix_session_send(f->s, &w, NULL, now) != 0)
		return -EBUSY;
	o->queried = true;
	if (o->overfill)
		o->doubt_queries++;
	f->st.status_sent++;
	xr__flush(f, now);
	return 0;
}

static int
xr__mass_status(void *ctx, uint64_t now)
{
	struct xr__fix *f = ctx;
	struct xr_fix_writer w;
	char id[48];

	if (!f->up)
		return -ENOTCONN;
	if (!f->fc->mass_status || f->s->cfg.version != XR_FIX_44)
		return -EOPNOTSUPP;
	int rc = xr_fix_session_begin(f->s, &w, "AF", now);
	if (rc != 0)
		return rc == -ENOBUFS ? -EBUSY : rc;
	int n = snprintf(id, sizeof(id), "%sM%llu", f->prefix,
			 (unsigned long long)f->st.mass_status_sent + 1);
	xr_fix_put_str(&w, XR__T_MASS_STATUS_REQ_ID, id, (size_t)n);
	xr_fix_put_u64(&w, XR__T_MASS_STATUS_REQ_TYPE, 7); /* status for all orders */
	if (xr_fix_session_send(f->s, &w, NULL, now) != 0)
		return -EBUSY;
	f->st.mass_status_sent++;
	xr__flush(f, now);
	return 0;
}

static uint32_t
xr__poll(void *ctx, uint64_t now, struct xr_conn_event *ev, uint32_t max)
{
	struct xr__fix *f = ctx;
	struct xr_fix_session *s = f->s;
	/* The reference books' levels, once, best first per side. */
	uint32_t n = xr_conn_book_md(f->books, f->n_books, &f->md, ev, max);

	/* HANDED (see the end): what the last poll returned is handled. */
	if (f->in_mark != 0)
		f->seq->in_handed = f->in_mark;

	if (f->fd < 0) {
		if (now >= f->reconnect_at)
			xr__connect_start(f, now);
	} else if (f->connecting) {
		xr__connect_check(f, now);
	}
	if (f->fd >= 0 && !f->connecting) {
		xr__read(f, now);
		if (f->fd >= 0) {
			xr_fix_session_tick(s, now);
			xr__expire(f, now);
			xr__flush(f, now);
			if (s->want_close)
				xr__close(f, now);
		}
	}
	if (__builtin_expect(f->adopt_settle, 0) && f->up && !s->resend_pending)
		xr__adopt_settle(f);
	while (n < max && f->evq_n > 0) {
		ev[n++] = f->evq[f->evq_head];
		f->evq_head = (f->evq_head + 1) % f->evq_cap;
		f->evq_n--;
	}
	/* HANDED: the events of every message below in_mark are in ev[] or
	 * were returned before (the oldest event still queued names the
	 * first message that is not); the engine handles (journals) them
	 * before it polls again, so they are safe at the next poll's start. */
	f->in_mark = f->evq_n == 0 ? f->seq->next_in : f->evq_seq[f->evq_head];
	return n;
}

static int
xr__health(void *ctx, struct xr_conn_health *h)
{
	const struct xr__fix *f = ctx;

	memset(h, 0, sizeof(*h));
	h->connected = f->up;
	h->down_since_ns = f->up ? 0 : f->down_since;
	h->open_orders = f->n_open;
	h->max_open_orders = f->cap;
	h->foreign_reports = f->st.foreign_reports;
	h->stale_reports = f->st.stale_reports;
	h->qty_changed = f->st.qty_changed;
	h->overfill_reports = f->st.overfill_reports;
	for (int e = XR_FIX_OK + 1; e < XR_FIX_ERRORS; e++)
		h->frames_dropped += f->s->st.frame_errors[e];
	h->escalations = f->s->st.escalations;
	h->dup_fills = f->st.dup_fills;
	return 0;
}

/* Log out (control path: blocks up to the logout timeout). */
static void
xr__logout_blocking(struct xr__fix *f)
{
	uint64_t now = xr_now_ns();

	if (f->fd < 0 || !f->up)
		return;
	xr_fix_session_logout(f->s, NULL, now);
	uint64_t until = now + f->s->cfg.logout_timeout_ns;
	while (f->fd >= 0 && !f->s->want_close && (now = xr_now_ns()) < until) {
		xr__flush(f, now);
		struct pollfd p = { .fd = f->fd, .events = POLLIN };
		if (poll(&p, 1, 50) > 0)
			xr__read(f, now);
	}
	xr__flush(f, xr_now_ns());
}

static void
xr__destroy(void *ctx)
{
	struct xr__fix *f = ctx;

	if (f == NULL)
		return;
	if (f->s != NULL) {
		xr__logout_blocking(f);
		if (f->fd >= 0)
			close(f->fd);
	}
	xr__fix_seq_close(f->seq_fd, f->seq != &f->mem_seq ? f->seq : NULL);
	xr_u64map_fini(&f->ids);
	free(f->sent);
	free(f->books);
	free(f->o);
	free(f->evq);
	free(f->evq_seq);
	free(f->s);
	free(f);
}

const struct xr_connector_ops xr_fix_conn_ops = {
	.kind = "fix",
	.submit = xr__submit,
	.cancel = xr__cancel,
	.status = xr__status,
	.mass_status = xr__mass_status,
	.adopt = xr__adopt,
	.poll = xr__poll,
	.health = xr__health,
	.destroy = xr__destroy,
};

/* ------------------------------------------------------------------ create */

/* Connect and log on, blocking up to the Logon timeout. @return 0 if up. */
static int
xr__logon_blocking(struct xr__fix *f)
{
	uint64_t now = xr_now_ns(), until = now + f->s->cfg.logon_timeout_ns;

	f->backoff_ns = f->backoff_min_ns;
	xr__connect_start(f, now);
	while (f->fd >= 0 && !f->up && (now = xr_now_ns()) < until) {
		struct pollfd p = { .fd = f->fd, .events = f->connecting ? POLLOUT : POLLIN };
		int left_ms = (int)((until - now) / 1000000) + 1;
		if (poll(&p, 1, left_ms < 50 ? left_ms : 50) < 0 && errno != EINTR)
			break;
		now = xr_now_ns();
		if (f->connecting) {
			xr__connect_check(f, now);
		} else {
			xr__read(f, now);
			if (f->fd >= 0)
				xr_fix_session_tick(f->s, now);
		}
		if (f->fd >= 0)
			xr__flush(f, now);
		if (f->fd >= 0 && f->s->want_close)
			xr__close(f, now);
	}
	return f->up ? 0 : -1;
}

int
xr_fix_conn_create(const struct xr_config *cfg, unsigned venue, const struct xr_conn_start *start,
		   struct xr_connector *out, char *err, size_t err_len)
{
	const struct xr_venue_cfg *v;
	const struct xr_fix_venue_cfg *fc;
	struct xr__fix *f = NULL;
	char why[160];
	int rc = -EINVAL;

	if (cfg == NULL || venue >= cfg->n_venues) {
		if (err_len > 0)
			snprintf(err, err_len, "venue %u: no such venue", venue);
		return -EINVAL;
	}
	v = &cfg->venues[venue];
	fc = xr_fix_venue_cfg(v);
	if (fc == NULL) {
		if (err_len > 0)
			snprintf(err, err_len, "venue %s: not a FIX venue (no fix keys)", v->name);
		return -EINVAL;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		goto nomem;
	f->fd = f->seq_fd = -1;
	f->vc = v;
	f->fc = fc;
	snprintf(f->venue, sizeof(f->venue), "%s", v->name);
	f->fee_maker_cbps = v->fee_maker_cbps;
	f->fee_taker_cbps = v->fee_taker_cbps;
	f->cancel_after_ns = (uint64_t)fc->cancel_after_ms * 1000000u;
	f->backoff_min_ns = (uint64_t)fc->reconnect_min_ms * 1000000u;
	f->backoff_max_ns = (uint64_t)fc->reconnect_max_ms * 1000000u;
	f->market_ok = fc->market_orders != 0;
	f->status_ok = fc->status_requests != 0;
	f->tif_mask = fc->tif_mask;
	f->old_head = f->old_tail = XR__NIL;
	f->books = calloc(v->n_books ? v->n_books : 1, sizeof(*f->books));
	if (f->books == NULL)
		goto nomem;
	f->n_books = v->n_books;
	for (uint32_t b = 0; b < v->n_books; b++) {
		uint16_t sym = v->books[b].symbol;
		f->books[b] = (struct xr_conn_book){
			.mid_px = v->books[b].mid_px,
			.tick_px = v->books[b].tick_px,
			.level_qty = v->books[b].level_qty,
			.levels = v->books[b].levels,
			.symbol = sym,
		};
		f->sym[sym] = cfg->symbols[sym];
		for (uint32_t j = 0; j < fc->n_symbols; j++)
			if (fc->symbols[j].symbol == sym)
				f->sym[sym] = fc->symbols[j].name;
		f->sym_len[sym] = (uint8_t)strlen(f->sym[sym]);
	}

	/* ClOrdID prefix: this run's start in ms, base 36 (7 digits wrap
	 * after 2.5 years), so ClOrdIDs differ from earlier runs'. */
	uint64_t ms = (uint64_t)(xr_fix_wall_offset_ns() + (int64_t)xr_now_ns()) / 1000000u;
	char p36[8];
	for (int k = 6; k >= 0; k--, ms /= 36)
		p36[k] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[ms % 36];
	p36[7] = '\0';
	f->prefix_len = (uint32_t)snprintf(f->prefix, sizeof(f->prefix), "%s-", p36);
	if (start != NULL && start->clordid_prefix != NULL && start->clordid_prefix[0] != '\0')
		/* The journal's: the same order keeps its ClOrdID across runs. */
		f->prefix_len = (uint32_t)snprintf(f->prefix, sizeof(f->prefix), "%.15s-",
						   start->clordid_prefix);

	f->cap = v->max_open_orders + (start != NULL ? start->extra_orders : 0);
	f->evq_cap = f->cap + XR__EVQ_SLACK;
	uint32_t frame = fc->max_frame_bytes != 0 ? fc->max_frame_bytes
						       : XR_FIX_FRAME_DEFAULT;
	uint32_t window = XR__SENT_MIN;
	while (window < 4 * (uint64_t)f->cap && window < (1u << 30))
		window *= 2;
	f->sent_mask = window - 1;
	f->o = calloc(f->cap, sizeof(*f->o));
	f->evq = calloc(f->evq_cap, sizeof(*f->evq));
	f->evq_seq = calloc(f->evq_cap, sizeof(*f->evq_seq));
	f->sent = calloc(window, sizeof(*f->sent));
	f->s = malloc(xr_fix_session_size(frame));
	if (f->o == NULL || f->evq == NULL || f->evq_seq == NULL || f->sent == NULL ||
	    f->s == NULL)
		goto nomem;
	rc = xr_u64map_init(&f->ids, f->cap, sizeof(uint32_t));
	if (rc != 0)
		goto fail_rc;
	for (uint32_t i = 0; i < f->cap; i++)
		f->o[i].next = i + 1 < f->cap ? i + 1 : XR__NIL;
	f->free_head = 0;

	if (fc->seq_store[0] != '\0') {
		if (xr__fix_seq_open(fc->seq_store, &f->seq_fd, &f->seq, why, sizeof(why)) != 0) {
			if (err_len > 0)
				snprintf(err, err_len, "venue %s: seq_store %s: %s", v->name,
					 fc->seq_store, why);
			rc = -EINVAL;
			goto fail;
		}
	} else {
		f->seq = &f->mem_seq;
	}

	struct xr_fix_session_cfg sc = {
		.version = fc->begin_string,
		.heartbeat_s = fc->heartbeat_s,
		.reset_on_logon = fc->reset_on_logon != 0,
		.logon_timeout_ns = (uint64_t)fc->logon_timeout_ms * 1000000u,
		.logout_timeout_ns = 2000000000u,
		.resend_timeout_ns = (uint64_t)fc->resend_timeout_ms * 1000000u,
		.max_frame_bytes = frame,
	};
	snprintf(sc.sender, sizeof(sc.sender), "%s", fc->sender_comp_id);
	snprintf(sc.target, sizeof(sc.target), "%s", fc->target_comp_id);
	if (xr_fix_session_init(f->s, &sc, f->seq, &xr__fix_session_ops, f) != 0) {
		if (err_len > 0)
			snprintf(err, err_len, "venue %s: bad FIX session settings", v->name);
		rc = -EINVAL;
		goto fail;
	}

	char port[8];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	snprintf(port, sizeof(port), "%u", (unsigned)fc->port);
	int gai = getaddrinfo(fc->host, port, &hints, &ai);
	if (gai != 0 || ai == NULL || ai->ai_addrlen > sizeof(f->addr)) {
		if (err_len > 0)
			snprintf(err, err_len, "venue %s: host %s: %s", v->name, fc->host,
				 gai != 0 ? gai_strerror(gai) : "no address");
		if (ai != NULL)
			freeaddrinfo(ai);
		rc = -EINVAL;
		goto fail;
	}
	memcpy(&f->addr, ai->ai_addr, ai->ai_addrlen);
	f->addr_len = ai->ai_addrlen;
	freeaddrinfo(ai);

	if (start != NULL && start->defer_connect) {
		/* After a crash: the venue's messages from the first one whose
		 * events the engine may not have handled are asked for again
		 * (they come as PossDup and count once, by CumQty). */
		if (f->seq->in_handed != 0 && f->seq->in_handed < f->seq->next_in) {
			xr__fix_logf(f, XR_FIX_LOG_INFO,
				     "after a crash: MsgSeqNum %llu..%llu asked for again",
				     (unsigned long long)f->seq->in_handed,
				     (unsigned long long)f->seq->next_in - 1);
			f->seq->next_in = f->seq->in_handed;
		}
		f->reconnect_at = 0; /* the first poll connects */
	}
	else if (xr__logon_blocking(f) != 0)
		xr__fix_logf(f, XR_FIX_LOG_WARN, "not logged on to %s:%u at start: reconnecting "
			 "in the background (orders meanwhile are refused as disconnected)",
			 fc->host, (unsigned)fc->port);
	out->ops = &xr_fix_conn_ops;
	out->ctx = f;
	out->venue = (uint8_t)venue;
	return 0;

nomem:
	rc = -ENOMEM;
fail_rc:
	if (err_len > 0)
		snprintf(err, err_len, "venue %s: %s", cfg->venues[venue].name,
			 rc == -ENOMEM ? "out of memory" : "bad max_open_orders");
fail:
	xr__destroy(f);
	return rc;
}

int
xr_fix_conn_stats(const struct xr_connector *c, struct xr_fix_conn_stats *st,
		  struct xr_fix_session_stats *sess)
{
	if (c == NULL || c->ops != &xr_fix_conn_ops)
		return -EINVAL;
	const struct xr__fix *f = c->ctx;
	if (st != NULL)
		*st = f->st;
	if (sess != NULL)
		*sess = f->s->st;
	return 0;
}

