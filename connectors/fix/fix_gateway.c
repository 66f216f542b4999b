/*
 * The FIX order-entry gateway (xr_fix_gateway.h states what it does and
 * the FIX rules it follows). This file: the listening socket, connections
 * before and after their Logon, poll, next, create and destroy. Orders,
 * cancels and reports are fix_gateway_orders.c; what both share is
 * fix_gateway_pvt.h.
 *
 * DESIGN
 *   Each configured session owns one struct xr_fix_session (acceptor role)
 *   for the gateway's whole life, so its MsgSeqNums, order table and
 *   counters outlive any one connection. A connection starts in a pending
 *   slot with a small buffer (XR_FIX_GW_LOGON_MAX framed, twice that
 *   read): the gateway frames and parses its first message itself, picks
 *   the session by CompIDs and BeginString, and then hands the bytes read
 *   so far to that session's rx as if the session had read them. From
 *   there the session's own state machine runs (Logon checks included).
 *   Output for next() waits in one ring of n_sessions * XR_FIX_GW_BURST
 *   messages; a session's input is processed only while the ring has
 *   room for its burst (every message yields at most one output), so a
 *   slow owner slows reading (TCP pushes back) and loses nothing.
 */
#include "fix_gateway_pvt.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fix_seq_pvt.h"
#include "xr_clock.h"

/* ------------------------------------------------------------------ log */

static void
xr__gw_stderr(void *ctx, enum xr_fix_log_level lvl, const char *line)
{
	static const char *const tag[] = { "info", "warn", "error" };

	(void)ctx;
	fprintf(stderr, "xroute: %s: %s\n", tag[lvl <= XR_FIX_LOG_ERROR ? lvl : 0], line);
}

/* One line a second per key at most XR_FIX_GW_LOG_PER_S; @return false if
 * this one is left out (counted). */
static bool
xr__gw_rate(struct xr_fix_gateway *gw, uint64_t *ns, uint32_t *lines, uint32_t *skipped,
	    uint32_t *say_skipped)
{
	uint64_t now = gw->now_ns;

	if (now - *ns >= 1000000000u) {
		*ns = now;
		*lines = 0;
	}
	if (*lines >= XR_FIX_GW_LOG_PER_S) {
		(*skipped)++;
		gw->st.log_lines_skipped++;
		return false;
	}
	(*lines)++;
	*say_skipped = *skipped;
	*skipped = 0;
	return true;
}

__attribute__((format(printf, 4, 5))) void
xr__gw_log(struct xr_fix_gateway *gw, struct xr__gw_sess *gs, enum xr_fix_log_level lvl,
	   const char *fmt, ...)
{
	char text[320], line[768]; /* every part whole: text, more, names */
	uint32_t skipped = 0;
	va_list ap;
	bool ok = gs != NULL ? xr__gw_rate(gw, &gs->log_ns, &gs->log_lines, &gs->log_skipped,
					   &skipped)
			     : xr__gw_rate(gw, &gw->log_ns, &gw->log_lines, &gw->log_skipped,
					   &skipped);

	if (!ok)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	char more[48] = "";
	if (skipped > 0)
		snprintf(more, sizeof(more), " (%u lines left out before)", skipped);
	/* A longer line is cut at sizeof(line); the return value is taken so
	 * gcc's -Wformat-truncation (debug builds) knows the cut is meant. */
	int w;
	if (gs != NULL)
		w = snprintf(line, sizeof(line), "fix_client %s (%s -> %s, peer %s): %s%s",
			     gs->name, gs->client, gs->us, gs->peer[0] != '\0' ? gs->peer : "none",
			     text, more);
	else
		w = snprintf(line, sizeof(line), "fix gateway: %s%s", text, more);
	(void)w;
	gw->log_fn(gw->log_ctx, lvl, line);
}

void
xr_fix_gateway_set_log(struct xr_fix_gateway *gw, xr_fix_gateway_log_fn fn, void *ctx)
{
	gw->log_fn = fn != NULL ? fn : xr__gw_stderr;
	gw->log_ctx = fn != NULL ? ctx : NULL;
}

/* ------------------------------------------------------------------ sockets */

static void
xr__gw_peer(const struct sockaddr_storage *a, socklen_t len, char *out, size_t cap)
{
	char host[48] = "?", serv[8] = "?";

	getnameinfo((const struct sockaddr *)a, len, host, sizeof(host), serv, sizeof(serv),
		    NI_NUMERICHOST | NI_NUMERICSERV);
	if (a->ss_family == AF_INET6)
		snprintf(out, cap, "[%s]:%s", host, serv);
	else
		snprintf(out, cap, "%s:%s", host, serv);
}

/* A free pending slot, or NULL. */
static struct xr__gw_pending *
xr__gw_slot(struct xr_fix_gateway *gw)
{
	for (uint32_t i = 0; i < XR_FIX_GW_MAX_PENDING; i++)
		if (gw->pend[i].fd < 0)
			return &gw->pend[i];
	return NULL;
}

/* Close @p fd gracefully: shut our side, then drain what the peer still
 * sends (a close with unread input would reset the connection and could
 * destroy our last Logout on its way) until it closes or the linger time
 * passes. Without a free slot: close now. */
static void
xr__gw_linger(struct xr_fix_gateway *gw, int fd, const char *peer)
{
	struct xr__gw_pending *p = xr__gw_slot(gw);

	shutdown(fd, SHUT_WR);
	if (p == NULL) {
		close(fd);
		return;
	}
	p->fd = fd;
	p->linger = true;
	p->since_ns = gw->now_ns;
	p->len = 0;
	snprintf(p->peer, sizeof(p->peer), "%s", peer);
}

/* Pending connection @p p ends without a message: shut our side, drain. */
static void
xr__gw_drop(struct xr_fix_gateway *gw, struct xr__gw_pending *p)
{
	p->len = 0;
	p->linger = true;
	p->since_ns = gw->now_ns;
	shutdown(p->fd, SHUT_WR);
}

static void
xr__gw_pending_close(struct xr__gw_pending *p)
{
	close(p->fd);
	p->fd = -1;
	p->linger = false;
	p->len = 0;
}

/* Write what @p gs's tx holds, as far as the socket takes it.
 * @return false if the connection failed (the caller closes it). */
static bool
xr__gw_flush(struct xr__gw_sess *gs)
{
	struct xr_fix_session *s = gs->s;
	uint32_t off = 0;
	bool ok = true;

	while (off < s->tx_len) {
		ssize_t n = send(gs->fd, s->tx + off, s->tx_len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			off += (uint32_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			break;
		xr__gw_log(gs->gw, gs, XR_FIX_LOG_WARN, "send: %s",
			   n < 0 ? strerror(errno) : "closed");
		ok = false;
		break;
	}
	if (off > 0) {
		memmove(s->tx, s->tx + off, s->tx_len - off);
		s->tx_len -= off;
	}
	return ok;
}

/* End @p gs's connection (its last output flushed as far as it goes). */
static void
xr__gw_unbind(struct xr_fix_gateway *gw, struct xr__gw_sess *gs, bool graceful)
{
	if (gs->fd < 0)
		return;
	if (graceful) {
		xr__gw_flush(gs);
		xr__gw_linger(gw, gs->fd, gs->peer);
	} else {
		close(gs->fd);
	}
	xr__gw_log(gw, gs, XR_FIX_LOG_INFO, "disconnected (MsgSeqNum out %llu, in %llu)",
		   (unsigned long long)gs->seq->next_out, (unsigned long long)gs->seq->next_in);
	xr_fix_session_disconnected(gs->s, gw->now_ns);
	gs->fd = -1;
}

/* Refuse a pending connection's Logon @p m: Logout with @p text, sent as
 * @p sender to @p target with MsgSeqNum @p seq (taken from no session:
 * FIX 4.4 Vol. 2 "Logon" makes this Logout optional because it would
 * consume one), then linger. */
static void
xr__gw_refuse(struct xr_fix_gateway *gw, struct xr__gw_sess *gs, struct xr__gw_pending *p,
	      const struct xr_fix_msg *m, const char *sender, size_t sender_len,
	      const char *target, size_t target_len, uint64_t seq, const char *text)
{
	char buf[XR_FIX_MAX_MSG];
	struct xr_fix_writer w;
	const char *out;
	size_t len;

	gw->st.logons_refused++;
	xr__gw_log(gw, gs, XR_FIX_LOG_ERROR, "Logon from %s refused: %s", p->peer, text);
	xr_fix_begin(&w, buf, sizeof(buf), (enum xr_fix_version)m->version, "5");
	if (sender_len > 0)
		xr_fix_put_str(&w, 49, sender, sender_len);
	if (target_len > 0)
		xr_fix_put_str(&w, 56, target, target_len);
	xr_fix_put_u64(&w, 34, seq);
	xr_fix_put_time(&w, 52, gw->now_ns + (uint64_t)gw->wall_offset_ns);
	xr_fix_put_str(&w, 58, text, strlen(text));
	if (xr_fix_finish(&w, &out, &len) == 0)
		(void)!send(p->fd, out, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	xr__gw_drop(gw, p);
}

static int xr__gw_sess_poll(struct xr_fix_gateway *gw, struct xr__gw_sess *gs);

static bool
xr__gw_is(const char *v, uint32_t len, const char *want)
{
	return strlen(want) == len && memcmp(v, want, len) == 0;
}

/*
 * The first message of pending connection @p p, @p mlen bytes framed.
 * FIX 4.4 Vol. 2, "Logon": the acceptor authenticates the initiator by
 * the Logon's CompIDs (here: they choose the session) before anything
 * else; session-level test cases "Receive Logon message": a first
 * message that is not a Logon ends the connection without a message.
 */
static void
xr__gw_first(struct xr_fix_gateway *gw, struct xr__gw_pending *p, size_t mlen)
{
	struct xr_fix_msg m;
	enum xr_fix_error why;
	const char *snd = "", *tgt = "";
	uint32_t sl = 0, tl = 0;
	struct xr__gw_sess *by_ids = NULL, *gs = NULL;
	char text[160];
	uint64_t hb;

	if (xr_fix_parse(p->buf, mlen, &m, &why) != 0) {
		gw->st.logons_refused++;
		xr__gw_log(gw, NULL, XR_FIX_LOG_ERROR, "connection %s: first message malformed "
			   "(%s): closed", p->peer, xr_fix_error_name(why));
		xr__gw_drop(gw, p);
		return;
	}
	if (strcmp(m.msg_type, "A") != 0) {
		gw->st.logons_refused++;
		xr__gw_log(gw, NULL, XR_FIX_LOG_ERROR, "connection %s: first message is MsgType "
			   "%s, not Logon: closed", p->peer, m.msg_type);
		xr__gw_drop(gw, p);
		return;
	}
	xr_fix_get_str(&m, 49, &snd, &sl);
	xr_fix_get_str(&m, 56, &tgt, &tl);
	for (uint32_t i = 0; i < gw->n && gs == NULL; i++) {
		struct xr__gw_sess *c = &gw->sess[i];
		if (!xr__gw_is(snd, sl, c->client) || !xr__gw_is(tgt, tl, c->us))
			continue;
		if (c->s->cfg.version == m.version)
			gs = c;
		else if (by_ids == NULL)
			by_ids = c; /* its own Logon check names the BeginString */
	}
	if (gs == NULL)
		gs = by_ids;
	if (gs == NULL) {
		snprintf(text, sizeof(text), "unknown SenderCompID/TargetCompID %.*s/%.*s",
			 (int)(sl < 32 ? sl : 32), snd, (int)(tl < 32 ? tl : 32), tgt);
		xr__gw_refuse(gw, NULL, p, &m, tgt, tl < 32 ? tl : 0, snd, sl < 32 ? sl : 0, 1,
			      text);
		return;
	}
	if (gs->fd >= 0)
		xr__gw_sess_poll(gw, gs); /* a client that reconnects at once:
					   * its old connection's EOF may wait
					   * there unread */
	if (gs->fd >= 0) {
		/* One live connection per session: the second is refused and
		 * the first goes on undisturbed (its MsgSeqNums untouched). */
		snprintf(text, sizeof(text), "session %s already logged on from %s", gs->name,
			 gs->peer);
		xr__gw_refuse(gw, gs, p, &m, gs->us, strlen(gs->us), gs->client,
			      strlen(gs->client), gs->seq->next_out, text);
		return;
	}
	if (xr_fix_get_u64(&m, 108, &hb) && hb > gs->max_hb_s) {
		snprintf(text, sizeof(text), "HeartBtInt (108) %llu above this session's "
			 "maximum %u", (unsigned long long)hb, gs->max_hb_s);
		xr__gw_refuse(gw, gs, p, &m, gs->us, strlen(gs->us), gs->client,
			      strlen(gs->client), gs->seq->next_out, text);
		return;
	}
	gs->fd = p->fd;
	snprintf(gs->peer, sizeof(gs->peer), "%s", p->peer);
	xr_fix_session_set_clock(gs->s, gw->wall_offset_ns);
	xr_fix_session_connected(gs->s, gw->now_ns);
	/* What was read so far is the session's input now (the Logon and
	 * whatever followed it); rx_cap >= 2 * XR_FIX_FRAME_MIN holds it. */
	memcpy(gs->s->rx, p->buf, p->len);
	gs->s->rx_len = p->len;
	p->fd = -1;
	p->len = 0;
	gw->st.sessions_bound++;
	xr__gw_log(gw, gs, XR_FIX_LOG_INFO, "connection bound to the session");
}

/* A pending connection: read, and act on its first message; or drain a
 * lingering one. @return work done. */
static int
xr__gw_pending_poll(struct xr_fix_gateway *gw, struct xr__gw_pending *p)
{
	int work = 0;

	for (;;) {
		char drain[4096];
		char *at = p->linger ? drain : p->buf + p->len;
		size_t room = p->linger ? sizeof(drain) : sizeof(p->buf) - p->len;
		if (room == 0)
			break;
		ssize_t n = recv(p->fd, at, room, MSG_DONTWAIT);
		if (n > 0) {
			work++;
			if (!p->linger)
				p->len += (uint32_t)n;
			if ((size_t)n < room)
				break;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			break;
		if (!p->linger) {
			gw->st.logons_refused++;
			xr__gw_log(gw, NULL, XR_FIX_LOG_WARN, "connection %s closed before its "
				   "Logon (%s)", p->peer, n < 0 ? strerror(errno) : "EOF");
		}
		xr__gw_pending_close(p);
		return work + 1;
	}
	if (p->linger) {
		if (gw->now_ns - p->since_ns >= XR_FIX_GW_LINGER_NS)
			xr__gw_pending_close(p);
		return work;
	}
	if (p->len > 0) {
		size_t mlen = 0;
		enum xr_fix_error why = XR_FIX_OK;
		int rc = xr_fix_frame_max(p->buf, p->len, XR_FIX_GW_LOGON_MAX, &mlen, &why);
		if (rc > 0) {
			xr__gw_first(gw, p, mlen);
			return work + 1;
		}
		if (rc < 0) {
			gw->st.logons_refused++;
			xr__gw_log(gw, NULL, XR_FIX_LOG_ERROR, "connection %s: first bytes are not "
				   "a FIX message (%s%s): closed", p->peer, xr_fix_error_name(why),
				   why == XR_FIX_OVERSIZE ? ", longer than a Logon" : "");
			xr__gw_drop(gw, p);
			return work + 1;
		}
	}
	if (gw->now_ns - p->since_ns >= XR_FIX_GW_LOGON_TIMEOUT_NS) {
		gw->st.logons_refused++;
		xr__gw_log(gw, NULL, XR_FIX_LOG_ERROR, "connection %s: no Logon within %llu ms: "
			   "closed", p->peer,
			   (unsigned long long)(XR_FIX_GW_LOGON_TIMEOUT_NS / 1000000u));
		xr__gw_pending_close(p);
		return work + 1;
	}
	return work;
}

/* Accept what the listener has (a bounded number per poll). */
static int
xr__gw_accept(struct xr_fix_gateway *gw)
{
	int work = 0, one = 1;

	for (int k = 0; k < 16; k++) {
		struct sockaddr_storage a;
		socklen_t al = sizeof(a);
		int fd = accept4(gw->lfd, (struct sockaddr *)&a, &al, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				xr__gw_log(gw, NULL, XR_FIX_LOG_WARN, "accept: %s", strerror(errno));
			break;
		}
		work++;
		gw->st.connections++;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct xr__gw_pending *p = xr__gw_slot(gw);
		char peer[XR__GW_PEER];
		xr__gw_peer(&a, al, peer, sizeof(peer));
		if (p == NULL) {
			gw->st.logons_refused++;
			xr__gw_log(gw, NULL, XR_FIX_LOG_ERROR, "connection %s: %u connections "
				   "already wait for their Logon: closed", peer,
				   XR_FIX_GW_MAX_PENDING);
			close(fd);
			continue;
		}
		*p = (struct xr__gw_pending){ .fd = fd, .since_ns = gw->now_ns };
		snprintf(p->peer, sizeof(p->peer), "%s", peer);
	}
	return work;
}

/* A bound session: read, process (a burst at most, while next()'s queue
 * has room), timers, write, close if it must. @return work done. */
static int
xr__gw_sess_poll(struct xr_fix_gateway *gw, struct xr__gw_sess *gs)
{
	struct xr_fix_session *s = gs->s;
	uint64_t now = gw->now_ns;
	bool eof = false;
	int work = 0;

	while (s->rx_len < s->rx_cap) {
		ssize_t n = recv(gs->fd, s->rx + s->rx_len, s->rx_cap - s->rx_len, MSG_DONTWAIT);
		if (n > 0) {
			work++;
			s->rx_len += (uint32_t)n;
			if (s->rx_len < s->rx_cap)
				break; /* the socket had no more */
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			break;
		xr__gw_log(gw, gs, XR_FIX_LOG_WARN, "%s",
			   n == 0 ? "the client closed the connection" : strerror(errno));
		eof = true;
		break;
	}
	uint32_t room = gw->outq_cap - gw->outq_n;
	if (room > XR_FIX_GW_BURST)
		room = XR_FIX_GW_BURST;
	if (s->rx_len > 0 && room > 0)
		work += (int)xr_fix_session_input(s, now, room);
	if (eof) {
		xr__gw_unbind(gw, gs, false);
		return work + 1;
	}
	xr_fix_session_tick(s, now);
	if (!xr__gw_flush(gs)) {
		xr__gw_unbind(gw, gs, false);
		return work + 1;
	}
	if (s->want_close) {
		xr__gw_unbind(gw, gs, true);
		work++;
	}
	return work;
}

int
xr_fix_gateway_poll(struct xr_fix_gateway *gw, uint64_t now_ns)
{
	int work;

	gw->now_ns = now_ns;
	work = xr__gw_accept(gw);
	for (uint32_t i = 0; i < XR_FIX_GW_MAX_PENDING; i++)
		if (gw->pend[i].fd >= 0)
			work += xr__gw_pending_poll(gw, &gw->pend[i]);
	for (uint32_t k = 0; k < gw->n; k++) {
		struct xr__gw_sess *gs = &gw->sess[(gw->rr + k) % gw->n];
		if (gs->fd >= 0)
			work += xr__gw_sess_poll(gw, gs);
	}
	gw->rr = gw->n > 0 ? (gw->rr + 1) % gw->n : 0;
	return work;
}

int
xr_fix_gateway_next(struct xr_fix_gateway *gw, struct xr_msg *out, uint32_t *session)
{
	if (gw->outq_n == 0)
		return 0;
	const struct xr__gw_out *o = &gw->outq[gw->outq_head];
	*out = o->m;
	*session = o->session;
	gw->outq_head = (gw->outq_head + 1) % gw->outq_cap;
	gw->outq_n--;
	return 1;
}

int
xr_fix_gateway_pollfds(const struct xr_fix_gateway *gw, struct pollfd *fds, int n)
{
	int k = 0;

	if (n <= 0 || fds == NULL)
		return 1 + (int)XR_FIX_GW_MAX_PENDING + (int)gw->n;
	fds[k++] = (struct pollfd){ .fd = gw->lfd, .events = POLLIN };
	for (uint32_t i = 0; i < XR_FIX_GW_MAX_PENDING && k < n; i++)
		if (gw->pend[i].fd >= 0)
			fds[k++] = (struct pollfd){ .fd = gw->pend[i].fd, .events = POLLIN };
	for (uint32_t i = 0; i < gw->n && k < n; i++) {
		const struct xr__gw_sess *gs = &gw->sess[i];
		if (gs->fd >= 0)
			fds[k++] = (struct pollfd){
				.fd = gs->fd,
				.events = (short)(POLLIN | (gs->s->tx_len > 0 ? POLLOUT : 0)),
			};
	}
	return k;
}

void
xr_fix_gateway_stats(const struct xr_fix_gateway *gw, struct xr_fix_gateway_stats *out)
{
	*out = gw->st;
	out->sessions_up = 0;
	for (uint32_t i = 0; i < gw->n; i++) {
		const struct xr_fix_session *s = gw->sess[i].s;
		out->sessions_up += gw->sess[i].fd >= 0;
		out->session_rejects += s->st.rejects_sent;
		out->logons_refused += s->st.logons_refused;
	}
}

uint16_t
xr_fix_gateway_port(const struct xr_fix_gateway *gw)
{
	return gw->port;
}

const struct xr_fix_session *
xr_fix_gateway_session(const struct xr_fix_gateway *gw, uint32_t session)
{
	return session < gw->n ? gw->sess[session].s : NULL;
}

/* ------------------------------------------------------------------ create */

void
xr_fix_gateway_destroy(struct xr_fix_gateway *gw)
{
	if (gw == NULL)
		return;
	for (uint32_t i = 0; gw->sess != NULL && i < gw->n; i++) {
		struct xr__gw_sess *gs = &gw->sess[i];
		if (gs->s != NULL && gs->fd >= 0) {
			xr_fix_session_logout(gs->s, "xroute is stopping", gw->now_ns);
			xr__gw_flush(gs);
			close(gs->fd);
		}
		if (gs->seq_fd >= 0)
			xr__fix_seq_close(gs->seq_fd, gs->seq);
		xr__gw_orders_fini(gs);
		free(gs->s);
	}
	for (uint32_t i = 0; gw->pend != NULL && i < XR_FIX_GW_MAX_PENDING; i++)
		if (gw->pend[i].fd >= 0)
			close(gw->pend[i].fd);
	if (gw->lfd >= 0)
		close(gw->lfd);
	free(gw->sess);
	free(gw->pend);
	free(gw->outq);
	free(gw);
}

/* Listen on "HOST:PORT". @return 0 or -1 with @p why. */
static int
xr__gw_listen(struct xr_fix_gateway *gw, const char *listen_at, char *why, size_t why_len)
{
	char host[128], port[8];
	const char *colon = strrchr(listen_at, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE |
					AI_NUMERICSERV }, *ai = NULL;
	int one = 1;

	if (colon == NULL || (size_t)(colon - listen_at) >= sizeof(host) ||
	    strlen(colon + 1) == 0 || strlen(colon + 1) >= sizeof(port) ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) || atoi(colon + 1) > 65535) {
		snprintf(why, why_len, "\"%s\" is not HOST:PORT", listen_at);
		return -1;
	}
	size_t hl = (size_t)(colon - listen_at);
	const char *h = listen_at;
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	snprintf(port, sizeof(port), "%s", colon + 1);
	int gai = getaddrinfo(hl > 0 ? host : "127.0.0.1", port, &hints, &ai);
	if (gai != 0 || ai == NULL) {
		snprintf(why, why_len, "%s: %s", listen_at, gai != 0 ? gai_strerror(gai) : "no address");
		return -1;
	}
	gw->lfd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (gw->lfd < 0 || setsockopt(gw->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(gw->lfd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(gw->lfd, 64) != 0) {
		snprintf(why, why_len, "%s: %s", listen_at, strerror(errno));
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	struct sockaddr_storage a;
	socklen_t al = sizeof(a);
	if (getsockname(gw->lfd, (struct sockaddr *)&a, &al) != 0) {
		snprintf(why, why_len, "%s: getsockname: %s", listen_at, strerror(errno));
		return -1;
	}
	gw->port = ntohs(a.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&a)->sin6_port
						 : ((struct sockaddr_in *)&a)->sin_port);
	return 0;
}

/* Set up session @p i from @p c. @return 0 or -1 with @p why. */
static int
xr__gw_sess_init(struct xr_fix_gateway *gw, uint32_t i, const struct xr_fix_client_cfg *c,
		 uint32_t max_orders, char *why, size_t why_len)
{
	struct xr__gw_sess *gs = &gw->sess[i];
	size_t cl = strnlen(c->sender_comp_id, sizeof(c->sender_comp_id));
	size_t ul = strnlen(c->target_comp_id, sizeof(c->target_comp_id));
	uint8_t version;

	if (c->begin_string[0] == '\0' || strcmp(c->begin_string, "FIX.4.4") == 0) {
		version = XR_FIX_44;
	} else if (strcmp(c->begin_string, "FIX.4.2") == 0) {
		version = XR_FIX_42;
	} else {
		snprintf(why, why_len, "begin_string \"%.16s\" is not FIX.4.2 or FIX.4.4",
			 c->begin_string);
		return -1;
	}
	if (cl == 0 || cl > XR_FIX_COMPID_MAX || ul > XR_FIX_COMPID_MAX) {
		snprintf(why, why_len, "sender_comp_id/target_comp_id: 1..%d bytes",
			 XR_FIX_COMPID_MAX);
		return -1;
	}
	gs->gw = gw;
	gs->idx = i;
	snprintf(gs->name, sizeof(gs->name), "%s", c->name);
	snprintf(gs->client, sizeof(gs->client), "%s", c->sender_comp_id);
	snprintf(gs->us, sizeof(gs->us), "%s", ul > 0 ? c->target_comp_id : "XROUTE");
	gs->default_user = c->default_user;
	gs->max_hb_s = c->heartbeat_s != 0 ? c->heartbeat_s : 30;
	if (gs->max_hb_s > 3600) {
		snprintf(why, why_len, "heartbeat_s %u is not 1..3600", gs->max_hb_s);
		return -1;
	}
	for (uint32_t j = 0; j < i; j++) {
		const struct xr__gw_sess *o = &gw->sess[j];
		if (strcmp(o->client, gs->client) == 0 && strcmp(o->us, gs->us) == 0 &&
		    o->s->cfg.version == version) {
			snprintf(why, why_len, "same CompIDs %s/%s and BeginString as fix_client %s",
				 gs->client, gs->us, o->name);
			return -1;
		}
	}
	uint32_t frame = c->max_frame_bytes != 0 ? c->max_frame_bytes : XR_FIX_FRAME_DEFAULT;
	if (frame < XR_FIX_FRAME_MIN || frame > XR_FIX_FRAME_MAX) {
		snprintf(why, why_len, "max_frame_bytes %u is not %u..%u", frame, XR_FIX_FRAME_MIN,
			 XR_FIX_FRAME_MAX);
		return -1;
	}
	gs->s = malloc(xr_fix_session_size(frame));
	if (gs->s == NULL || xr__gw_orders_init(gs, max_orders) != 0) {
		snprintf(why, why_len, "out of memory");
		return -1;
	}
	if (c->seq_store[0] != '\0') {
		char cause[128];
		if (xr__fix_seq_open(c->seq_store, &gs->seq_fd, &gs->seq, cause,
				     sizeof(cause)) != 0) {
			snprintf(why, why_len, "seq_store %s: %s", c->seq_store, cause);
			return -1;
		}
	} else {
		gs->seq = &gs->mem_seq;
	}
	struct xr_fix_session_cfg sc = {
		.version = version,
		.role = XR_FIX_ROLE_ACCEPTOR,
		.heartbeat_s = gs->max_hb_s,
		.logon_timeout_ns = XR_FIX_GW_LOGON_TIMEOUT_NS,
		.logout_timeout_ns = 2000000000u,
		.max_frame_bytes = frame,
	};
	snprintf(sc.sender, sizeof(sc.sender), "%s", gs->us);
	snprintf(sc.target, sizeof(sc.target), "%s", gs->client);
	if (xr_fix_session_init(gs->s, &sc, gs->seq, &xr__gw_session_ops, gs) != 0) {
		snprintf(why, why_len, "bad FIX session settings");
		return -1;
	}
	return 0;
}

struct xr_fix_gateway *
xr_fix_gateway_create(const struct xr_fix_client_cfg *sessions, uint32_t n_sessions,
		      const char *listen_at, const struct xr_names *names,
		      uint32_t max_orders_per_session, char *err, size_t err_len)
{
	struct xr_fix_gateway *gw;
	char why[512];

	if (sessions == NULL || n_sessions == 0 || n_sessions > 65536 || listen_at == NULL ||
	    max_orders_per_session == 0 || max_orders_per_session > XR__GW_MAX_ORDERS) {
		if (err_len > 0)
			snprintf(err, err_len, "fix gateway: need 1..65536 sessions, a listen "
				 "address and max_orders_per_session 1..%u", XR__GW_MAX_ORDERS);
		return NULL;
	}
	gw = calloc(1, sizeof(*gw));
	if (gw == NULL)
		goto nomem;
	gw->lfd = -1;
	gw->names = names;
	gw->log_fn = xr__gw_stderr;
	gw->wall_offset_ns = xr_fix_wall_offset_ns();
	gw->sess = calloc(n_sessions, sizeof(*gw->sess));
	gw->pend = calloc(XR_FIX_GW_MAX_PENDING, sizeof(*gw->pend));
	gw->outq_cap = n_sessions * XR_FIX_GW_BURST;
	gw->outq = calloc(gw->outq_cap, sizeof(*gw->outq));
	if (gw->sess == NULL || gw->pend == NULL || gw->outq == NULL)
		goto nomem;
	for (uint32_t i = 0; i < XR_FIX_GW_MAX_PENDING; i++)
		gw->pend[i].fd = -1;
	for (uint32_t i = 0; i < n_sessions; i++)
		gw->sess[i].fd = gw->sess[i].seq_fd = -1;
	for (uint32_t i = 0; i < n_sessions; i++) {
		gw->n = i + 1; /* destroy frees what was set up */
		if (xr__gw_sess_init(gw, i, &sessions[i], max_orders_per_session, why,
				     sizeof(why)) != 0) {
			if (err_len > 0)
				snprintf(err, err_len, "fix_client %s: %s", sessions[i].name, why);
			xr_fix_gateway_destroy(gw);
			return NULL;
		}
	}
	if (xr__gw_listen(gw, listen_at, why, sizeof(why)) != 0) {
		if (err_len > 0)
			snprintf(err, err_len, "fix gateway: listen %s", why);
		xr_fix_gateway_destroy(gw);
		return NULL;
	}
	return gw;
nomem:
	if (err_len > 0)
		snprintf(err, err_len, "fix gateway: out of memory");
	xr_fix_gateway_destroy(gw);
	return NULL;
}
