/*
 * sources: the ingress sources of `xroute serve` (sources_pvt.h): their
 * books, the authorizer of the client endpoint, intake from the clients'
 * rings, and the return path of results and fills.
 *
 * DESIGN
 *   Everything a source needs is allocated at init: the book (window
 *   entries and the signal_id map, load <= 1/2), the result buffer, the
 *   histogram. The ingress thread then runs without allocating, locking
 *   or calling the kernel: the client rings are shared memory, and the
 *   sockets are the owner's (xr_sources_owner_tick()).
 *
 *   Fairness: each ingress call serves the live sessions round robin from
 *   a rotating start, at most `source_burst` records from each, so a
 *   client that floods its ring gets its share and no more; the records
 *   it leaves wait in its own ring (its xr_client_submit() sees -EAGAIN),
 *   not in anyone else's way.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_pvt.h"
#include "sources_pvt.h"
#include "xr_client_server.h"
#include "xr_clock.h"
#include "xr_table.h"

/* One log line per source per second at most (error paths only). */
#define XR__SRC_LOG_NS UINT64_C(1000000000)

static inline uint64_t
xr__internal_id(const struct xr_source *src, uint64_t seq)
{
	return seq << XR_SRC_BITS | src->index;
}

/* ---- construction (owner) ---- */

static int
xr__source_init(struct xr_sources *s, struct xr_source *src, uint32_t i,
		const struct xr_serve_cfg *sc)
{
	src->index = i;
	src->session = -1;
	src->owner_session = -1;
	/* A power of two: the entry of a seq is seq & mask, no division
	 * per signal (sources_pvt.h xr_src_window()). */
	src->window = xr_src_window(sc->idempotency_window);
	src->mask = src->window - 1;
	src->next_seq = 1;
	if (xr_u64map_init(&src->ids, src->window, sizeof(uint32_t)) != 0)
		return -ENOMEM;
	src->entries = xr_table_calloc(src->window, sizeof(struct xr_src_entry));
	src->held_cap = sc->result_buffer;
	if (src->held_cap != 0)
		src->held = xr_table_calloc(src->held_cap, sizeof(struct xr_client_event));
	src->rtt = xr_hist_create();
	if (src->entries == NULL || (src->held_cap != 0 && src->held == NULL) || src->rtt == NULL)
		return -ENOMEM;
	(void)s;
	return 0;
}

/* The user bitmap of @p set (NULL for all), in @p bits (n_users bits). */
static const uint64_t *
xr__allowed(const struct xr_user_set *set, uint64_t *bits)
{
	if (set->all)
		return NULL;
	for (uint32_t k = 0; k < set->n; k++)
		bits[set->ids[k] / 64] |= UINT64_C(1) << (set->ids[k] % 64);
	return bits;
}

/*
 * The hello's authorizer (owner thread): @p name must be a [client NAME]
 * whose uid is the peer's, and no other session of that name may be open.
 */
static int
xr__authorize(void *ctx, const char *name, uid_t uid, char *why, size_t why_len)
{
	struct xr_sources *s = ctx;
	const struct xr_config *cfg = s->eng->cfg;
	int c = xr_config_client_id(cfg, name);

	if (c < 0) {
		snprintf(why, why_len, "no [client %s] in %s", name, cfg->path);
		return XR_CLIENT_E_DENIED;
	}
	if (cfg->clients[c].uid != (uint32_t)uid) {
		snprintf(why, why_len, "[client %s] is for uid %" PRIu32 ", the peer is uid %lu",
			 name, cfg->clients[c].uid, (unsigned long)uid);
		return XR_CLIENT_E_DENIED;
	}
	for (uint32_t id = 0; id < s->max_sessions; id++) {
		struct xr_client_info info;
		if (xr_client_server_info(s->clients, id, &info) == 0 &&
		    info.state == XR_CLIENT_OPEN && strcmp(info.name, name) == 0) {
			snprintf(why, why_len, "client %s is connected already (session %u, pid %ld)",
				 name, id, (long)info.pid);
			return XR_CLIENT_E_BUSY;
		}
	}
	return c; /* clients come first: source index = config index */
}

int
xr_sources_init(struct xr_engine *e, struct xr_sources *s, char *err, size_t err_len)
{
	const struct xr_config *cfg = e->cfg;
	const struct xr_serve_cfg *sc = &cfg->serve;
	uint32_t n = cfg->n_clients + cfg->n_fix_clients + (e->io.signals_path != NULL);

	s->eng = e;
	s->burst = sc->source_burst ? sc->source_burst : 32;
	if (n == 0) {
		snprintf(err, err_len, "%s: nothing to serve: no [client NAME], no [fix_client NAME] "
			 "and no --signals FILE", cfg->path);
		return -EINVAL;
	}
	if (n > XR_SRC_MAX) {
		snprintf(err, err_len, "%s: %u sources; at most %u clients, FIX clients and a file",
			 cfg->path, n, XR_SRC_MAX);
		return -EINVAL;
	}
	size_t words = ((size_t)e->n_users + 63) / 64;
	s->src = calloc(n, sizeof(*s->src));
	s->allow_bits = calloc(n * words + 1, sizeof(uint64_t));
	if (s->src == NULL || s->allow_bits == NULL)
		goto nomem;
	s->n = n;
	s->file = n;
	for (uint32_t i = 0; i < n; i++) {
		struct xr_source *src = &s->src[i];
		uint64_t *bits = s->allow_bits + (size_t)i * words;
		if (i < cfg->n_clients) {
			const struct xr_client_cfg *cc = &cfg->clients[i];
			src->kind = XR_SRC_CLIENT;
			src->cfg_index = i;
			src->uid = cc->uid;
			snprintf(src->name, sizeof(src->name), "%s", cc->name);
			src->allowed = xr__allowed(&cc->users, bits);
		} else if (i < cfg->n_clients + cfg->n_fix_clients) {
			const struct xr_fix_client_cfg *fc = &cfg->fix_clients[i - cfg->n_clients];
			src->kind = XR_SRC_FIX;
			src->cfg_index = i - cfg->n_clients;
			snprintf(src->name, sizeof(src->name), "%s", fc->name);
			src->allowed = xr__allowed(&fc->users, bits);
		} else {
			src->kind = XR_SRC_FILE;
			snprintf(src->name, sizeof(src->name), "file");
			s->file = i;
		}
		if (xr__source_init(s, src, i, sc) != 0)
			goto nomem;
	}
	if (cfg->n_clients != 0) {
		uint32_t mc = sc->max_clients ? sc->max_clients : 16;
		s->clients = xr_client_server_create(sc->socket[0] ? sc->socket : "xroute.sock", mc,
						     sc->client_ring ? sc->client_ring : 4096,
						     sc->result_ring ? sc->result_ring : 8192);
		if (s->clients == NULL) {
			int rc = errno;
			snprintf(err, err_len, "[serve] socket %s: %s", sc->socket, strerror(rc));
			return -rc;
		}
		xr_client_server_set_auth(s->clients, xr__authorize, s,
					  (uint64_t)(sc->hello_timeout_ms ? sc->hello_timeout_ms : 1000) *
						  1000000);
		s->max_sessions = mc;
		s->session_src = malloc(mc * sizeof(int32_t));
		s->active = malloc(mc * sizeof(uint32_t));
		if (s->session_src == NULL || s->active == NULL)
			goto nomem;
		for (uint32_t k = 0; k < mc; k++)
			s->session_src[k] = -1;
	}
	return 0;
nomem:
	snprintf(err, err_len, "out of memory for the serve sources (idempotency_window %u, "
		 "result_buffer %u per source)", sc->idempotency_window, sc->result_buffer);
	return -ENOMEM;
}

void
xr_sources_fini(struct xr_sources *s)
{
	xr_client_server_destroy(s->clients);
	s->clients = NULL;
	for (uint32_t i = 0; s->src != NULL && i < s->n; i++) {
		struct xr_source *src = &s->src[i];
		xr_u64map_fini(&src->ids);
		xr_table_free(src->entries);
		xr_table_free(src->held);
		xr_hist_destroy(src->rtt);
	}
	free(s->src);
	free(s->allow_bits);
	free(s->session_src);
	free(s->active);
	memset(s, 0, sizeof(*s));
}

void
xr_sources_owner_tick(struct xr_sources *s)
{
	if (s->clients == NULL)
		return;
	int rc = xr_client_server_service(s->clients);
	if (rc < 0)
		fprintf(stderr, "xroute: client socket: accept: %s\n", strerror(-rc));
}

/* ---- the data path (ingress thread) ---- */

/* A rate-limited line about @p src (error paths). */
static bool
xr__may_log(struct xr_source *src, uint64_t now)
{
	if (now - src->last_log_ns < XR__SRC_LOG_NS && src->last_log_ns != 0) {
		src->log_skipped++;
		return false;
	}
	src->last_log_ns = now;
	return true;
}

/* Detach @p src from its session (released or closing). */
static void
xr__detach(struct xr_sources *s, uint32_t id)
{
	int32_t b = s->session_src[id];
	if (b >= 0 && s->src[b].session == (int32_t)id)
		s->src[b].session = -1;
	s->session_src[id] = -1;
	for (uint32_t k = 0; k < s->n_active; k++)
		if (s->active[k] == id) {
			s->active[k] = s->active[--s->n_active];
			break;
		}
}

/* The router ends @p src's session: counted, logged, released. */
static void
xr__disconnect(struct xr_sources *s, struct xr_source *src, const char *why, uint64_t now)
{
	uint32_t id = (uint32_t)src->session;
	src->c.disconnects++;
	if (xr__may_log(src, now))
		fprintf(stderr, "xroute: client %s (session %u): disconnected: %s\n", src->name, id,
			why);
	xr_client_server_release(s->clients, id, why);
	xr__detach(s, id);
}

/* Hold @p ev in @p src's result buffer; false if it is full. */
static bool
xr__hold(struct xr_source *src, const struct xr_client_event *ev)
{
	if (src->held_n == src->held_cap)
		return false;
	src->held[(src->held_head + src->held_n) % src->held_cap] = *ev;
	src->held_n++;
	src->c.events_held++;
	if (src->held_n > src->c.buffer_peak)
		src->c.buffer_peak = src->held_n;
	return true;
}

/* Send what the result buffer holds, oldest first, while the ring takes it. */
static uint32_t
xr__flush_held(struct xr_sources *s, struct xr_source *src, uint64_t now)
{
	uint32_t sent = 0;
	while (src->kind == XR_SRC_FIX && src->held_n != 0) {
		struct xr_fix_out fo = {.ev = src->held[src->held_head], .session = src->cfg_index};
		if (!xr_ring_enqueue(s->eng->ingress_to_fix, &fo))
			return sent;
		src->held_head = (src->held_head + 1) % src->held_cap;
		src->held_n--;
		src->c.events_sent++;
		sent++;
	}
	while (src->held_n != 0 && src->session >= 0) {
		int rc = xr_client_server_send(s->clients, (uint32_t)src->session,
					       &src->held[src->held_head]);
		if (rc == -EAGAIN)
			break;
		if (rc != 0) {
			xr__disconnect(s, src, "router_to_client tail is impossible", now);
			break;
		}
		src->held_head = (src->held_head + 1) % src->held_cap;
		src->held_n--;
		src->c.events_sent++;
		sent++;
	}
	return sent;
}

/*
 * Deliver @p ev to @p src's client: onto its ring, or into its result
 * buffer while the ring is full or the client is away. A full buffer
 * disconnects a connected client (it is not reading); the event is then
 * lost to delivery, counted, and its outcome stays in the book.
 */
static void
xr__deliver(struct xr_sources *s, struct xr_source *src, const struct xr_client_event *ev,
	    uint64_t now)
{
	if (src->kind == XR_SRC_FILE)
		return; /* the file's results are counted only */
	if (src->kind == XR_SRC_FIX) {
		/* To the gateway's stage, in order: behind what waits. */
		struct xr_fix_out fo = {.ev = *ev, .session = src->cfg_index};
		if (src->held_n == 0 && xr_ring_enqueue(s->eng->ingress_to_fix, &fo)) {
			src->c.events_sent++;
			return;
		}
		if (!xr__hold(src, ev))
			src->c.events_dropped++;
		return;
	}
	if (src->session >= 0 && src->held_n == 0) {
		int rc = xr_client_server_send(s->clients, (uint32_t)src->session, ev);
		if (rc == 0) {
			src->c.events_sent++;
			return;
		}
		if (rc != -EAGAIN)
			xr__disconnect(s, src, "router_to_client tail is impossible", now);
	}
	if (xr__hold(src, ev))
		return;
	src->c.events_dropped++;
	if (src->session >= 0) {
		char why[96];
		snprintf(why, sizeof(why), "not reading its results (%u events held, the "
			 "result_buffer)", src->held_cap);
		xr__disconnect(s, src, why, now);
	}
}

/* The result event of entry @p en. */
static void
xr__result_event(const struct xr_src_entry *en, uint64_t now, struct xr_client_event *ev)
{
	*ev = (struct xr_client_event){
		.signal_id = en->sid,
		.qty = en->filled,
		.px = en->avg_px,
		.fees = en->fees,
		.ts_ns = now,
		.kind = XR_CEV_RESULT,
		.reason = en->reason,
		.final = en->final,
		.venue = en->venue,
	};
}

/* Answer at the source, without routing: a terminal result for @p sid. */
static void
xr__answer(struct xr_sources *s, struct xr_source *src, uint64_t sid, enum xr_reason r,
	   uint64_t now)
{
	struct xr_src_entry en = {.sid = sid, .final = XR_FINAL_REJECTED, .reason = (uint16_t)r,
				  .venue = XR_VENUE_NONE};
	struct xr_client_event ev;
	xr__result_event(&en, now, &ev);
	s->unrouted_answers++;
	xr__deliver(s, src, &ev, now);
}

int
xr_sources_admit(struct xr_sources *s, uint32_t i, struct xr_msg *m)
{
	struct xr_source *src = &s->src[i];
	uint64_t now = m->t[XR_T_INGRESS];
	bool inserted;
	uint32_t *slot = xr_u64map_upsert(&src->ids, m->signal_id, &inserted);

	if (slot == NULL) {
		/* signal_id 0 (a refused file row without one): route it, so
		 * it gets its parse_error result; it is not remembered. */
		goto route_unremembered;
	}
	if (!inserted) {
		struct xr_src_entry *en = &src->entries[*slot];
		src->c.resubmits++;
		if (en->state == XR_SRC_E_DONE) {
			struct xr_client_event ev;
			xr__result_event(en, now, &ev);
			xr__deliver(s, src, &ev, now);
		}
		/* Open: its one result is still to come. */
		return 0;
	}
	uint64_t seq = src->next_seq;
	uint32_t k = (uint32_t)(seq & src->mask);
	struct xr_src_entry *en = &src->entries[k];
	if (en->state == XR_SRC_E_OPEN) {
		/* The window holds only open signals: refuse, unremembered. */
		xr_u64map_remove(&src->ids, m->signal_id);
		src->c.window_full++;
		xr__answer(s, src, m->signal_id, XR_R_OVERLOADED, now);
		return 0;
	}
	if (en->state == XR_SRC_E_DONE) {
		/* The oldest outcome leaves the window. The map moved no value
		 * of ours: upsert returned slot before this remove, so look
		 * the new key up again after it. */
		xr_u64map_remove(&src->ids, en->sid);
		slot = xr_u64map_find(&src->ids, m->signal_id);
	}
	*slot = k;
	*en = (struct xr_src_entry){.sid = m->signal_id, .seq = seq, .state = XR_SRC_E_OPEN,
				    .venue = XR_VENUE_NONE};
	src->next_seq++;
	src->c.signals++;
	m->cl_ord_id = m->signal_id; /* the source's own id, for the journal */
	m->signal_id = xr__internal_id(src, seq);
	return 1;
route_unremembered:
	src->c.signals++;
	/* seq 0 never names an entry: its result is counted, not matched. */
	m->cl_ord_id = m->signal_id;
	m->signal_id = xr__internal_id(src, 0);
	return 1;
}

/* A cancel of @p src's signal @p sid: forward it (1, in @p m) or answer it. */
static int
xr__cancel(struct xr_sources *s, struct xr_source *src, struct xr_msg *m, uint64_t now)
{
	uint32_t *slot = xr_u64map_find(&src->ids, m->signal_id);
	struct xr_src_entry *en = slot != NULL ? &src->entries[*slot] : NULL;

	if (en == NULL || en->state != XR_SRC_E_OPEN) {
		src->c.cancel_rejects++;
		struct xr_client_event ev = {.signal_id = m->signal_id, .ts_ns = now,
					     .kind = XR_CEV_CANCEL_REJECT,
					     .final = en != NULL ? en->final : 0,
					     .venue = XR_VENUE_NONE};
		xr__deliver(s, src, &ev, now);
		return 0;
	}
	en->cancel = 1;
	src->c.cancels++;
	m->kind = XR_MSG_CONTROL;
	m->reason = XR_CTL_CANCEL_SIGNAL;
	m->cl_ord_id = m->signal_id;
	m->signal_id = xr__internal_id(src, en->seq);
	return 1;
}

/*
 * One record @p m of @p src: a cancel (forwarded or answered), a signal
 * after intake stopped (answered stopped), a refused value (parse_error,
 * @p err says why), a user @p src may not trade for (not_authorized), or
 * a signal to admit. @return 1 if @p out now holds a message to route.
 */
static uint32_t
xr__take(struct xr_sources *s, struct xr_source *src, struct xr_msg *m, uint64_t now,
	 bool stopped, const char *err, struct xr_msg *out)
{
	const struct xr_engine *e = s->eng;

	src->c.records++;
	m->t[XR_T_INGRESS] = now;
	if (m->kind == XR_MSG_CONTROL) {
		if (!xr__cancel(s, src, m, now))
			return 0;
		if (out != m)
			*out = *m;
		return 1;
	}
	if (stopped) {
		src->c.stopped++;
		xr__answer(s, src, m->signal_id, XR_R_STOPPED, now);
		return 0;
	}
	if (m->reason == XR_R_PARSE) {
		src->c.refused++;
		if (xr__may_log(src, now))
			fprintf(stderr, "xroute: client %s: %s (rejected, parse_error)\n", src->name,
				err);
	} else if (src->allowed != NULL && m->user < e->n_users &&
		   !((src->allowed[m->user / 64] >> (m->user % 64)) & 1u)) {
		/* An unknown user is validate's to name (unknown_user). */
		m->reason = XR_R_NOT_AUTHORIZED;
		src->c.not_authorized++;
	}
	if (!xr_sources_admit(s, src->index, m))
		return 0;
	if (out != m)
		*out = *m;
	return 1;
}

/* Take up to @p want records of session @p id into @p out. */
static uint32_t
xr__intake(struct xr_sources *s, uint32_t id, uint64_t now, bool stopped, struct xr_msg *out,
	   uint32_t want)
{
	struct xr_source *src = &s->src[s->session_src[id]];
	const struct xr_engine *e = s->eng;
	char err[200] = "";
	/* Parsed straight into @p out and compacted there: a record that is
	 * routed is not copied again (xr__take() moves it down, if at all). */
	int got = xr_client_server_next_burst(s->clients, id, e->names, out, want, err,
					      sizeof(err));

	if (got < 0) {
		if (got != -ENOTCONN) {
			src->c.disconnects++;
			if (xr__may_log(src, now))
				fprintf(stderr, "xroute: client %s (session %u): disconnected: %s\n",
					src->name, id,
					got == -EBADMSG ? err : "client_to_router head is impossible");
		}
		xr__detach(s, id);
		return 0;
	}
	if ((uint32_t)got == want)
		src->c.burst_capped++;
	uint32_t n = 0;
	for (int k = 0; k < got; k++)
		n += xr__take(s, src, &out[k], now, stopped, err, &out[n]);
	return n;
}

/* The FIX gateway's orders and cancels (stage fix_entry): its sessions
 * are the sources after the clients; @p m->line carries the session. */
static uint32_t
xr__intake_fix(struct xr_sources *s, uint64_t now, bool stopped, struct xr_msg *out, uint32_t want)
{
	const struct xr_config *cfg = s->eng->cfg;
	struct xr_msg in[XR_MAX_BURST];
	uint32_t got = xr_ring_dequeue_burst(s->eng->fix_to_ingress, in, want);
	uint32_t n = 0;

	for (uint32_t k = 0; k < got; k++) {
		uint32_t session = in[k].line;
		in[k].line = 0;
		if (session >= cfg->n_fix_clients)
			continue; /* the stage never sends one: nothing to answer */
		n += xr__take(s, &s->src[cfg->n_clients + session], &in[k], now, stopped, "",
			      &out[n]);
	}
	return n;
}

uint32_t
xr_sources_work(struct xr_sources *s, uint64_t now, bool stopped, struct xr_msg *out,
		uint32_t room, uint32_t *n_out)
{
	uint32_t did = 0;
	*n_out = 0;
	if (s->clients != NULL) {
		struct xr_client_notice no;
		while (xr_client_server_notice(s->clients, &no)) {
			did++;
			if (no.op == XR_CLIENT_NOTICE_OPEN && no.book >= 0 &&
			    (uint32_t)no.book < s->n) {
				struct xr_source *src = &s->src[no.book];
				src->session = (int32_t)no.id;
				src->c.sessions++;
				s->session_src[no.id] = no.book;
				s->active[s->n_active++] = no.id;
				xr__flush_held(s, src, now);
			} else {
				xr_client_server_release(s->clients, no.id, NULL);
				xr__detach(s, no.id);
			}
		}
	}
	did += xr_sources_return(s, now);
	for (uint32_t k = 0; k < s->n_active; k++) {
		struct xr_source *src = &s->src[s->session_src[s->active[k]]];
		if (src->held_n != 0)
			did += xr__flush_held(s, src, now);
	}
	/* Intake, round robin from a rotating start. A session may leave
	 * the active list during its turn (disconnected): walk a copy of
	 * the count and re-check. */
	uint32_t na = s->n_active;
	for (uint32_t k = 0; k < na && *n_out < room; k++) {
		if (s->n_active == 0)
			break;
		uint32_t id = s->active[(s->rr + k) % s->n_active];
		uint32_t want = room - *n_out < s->burst ? room - *n_out : s->burst;
		uint32_t got = xr__intake(s, id, now, stopped, out + *n_out, want);
		*n_out += got;
		did += got;
	}
	if (s->n_active != 0)
		s->rr = (s->rr + 1) % s->n_active;
	if (s->eng->fix_to_ingress != NULL) {
		const struct xr_config *cfg = s->eng->cfg;
		for (uint32_t k = 0; k < cfg->n_fix_clients; k++) {
			struct xr_source *src = &s->src[cfg->n_clients + k];
			if (src->held_n != 0)
				did += xr__flush_held(s, src, now);
		}
		if (*n_out < room) {
			uint32_t want = room - *n_out < s->burst ? room - *n_out : s->burst;
			uint32_t got = xr__intake_fix(s, now, stopped, out + *n_out, want);
			*n_out += got;
			did += got;
		}
	}
	return did;
}

/* A fill (cum_qty > 0) or the order-live mark (cum_qty 0) of @p m. */
static void
xr__on_fill(struct xr_sources *s, struct xr_source *src, const struct xr_src_entry *en,
	    const struct xr_msg *m, uint64_t now)
{
	struct xr_client_event ev = {.signal_id = en->sid, .ts_ns = now, .venue = m->venue,
				     .kind = m->cum_qty != 0 ? XR_CEV_FILL : XR_CEV_NEW};
	if (m->cum_qty != 0) {
		ev.qty = m->cum_qty;
		/* LastPx = notional / qty, both 10^8 scales. */
		ev.px = (int64_t)((xr_i128)m->cum_notional * XR_QTY_SCALE / m->cum_qty);
		ev.fees = m->fees;
		src->c.fills++;
	}
	xr__deliver(s, src, &ev, now);
}

/* A result @p m for @p src. */
static void
xr__on_result(struct xr_sources *s, struct xr_source *src, const struct xr_msg *m, uint64_t now)
{
	uint64_t seq = m->signal_id >> XR_SRC_BITS;
	struct xr_src_entry *en = &src->entries[seq & src->mask];

	src->c.results++;
	if (seq == 0 || en->seq != seq || en->state != XR_SRC_E_OPEN) {
		/* Not remembered (seq 0: a file row without a signal_id), or
		 * a second result for a signal: the latter is a bug. */
		if (seq != 0) {
			src->c.duplicates++;
			s->duplicates++;
		}
		if (seq == 0)
			atomic_store_explicit(&s->answered,
					      atomic_load_explicit(&s->answered,
								   memory_order_relaxed) + 1,
					      memory_order_release);
		return;
	}
	en->state = XR_SRC_E_DONE;
	en->final = m->final;
	en->reason = m->reason;
	en->venue = m->venue;
	en->filled = m->cum_qty;
	en->fees = m->fees;
	en->avg_px = m->cum_qty > 0 ? (int64_t)((xr_i128)m->cum_notional * XR_QTY_SCALE /
						m->cum_qty)
				    : 0;
	xr_hist_record(src->rtt, now - m->t[XR_T_INGRESS]);
	/* Release: the owner reads it to decide the drain is complete. Only
	 * this thread writes it. */
	atomic_store_explicit(&s->answered,
			      atomic_load_explicit(&s->answered, memory_order_relaxed) + 1,
			      memory_order_release);
	struct xr_client_event ev;
	xr__result_event(en, now, &ev);
	xr__deliver(s, src, &ev, now);
}

uint32_t
xr_sources_return(struct xr_sources *s, uint64_t now)
{
	struct xr_engine *e = s->eng;
	struct xr_msg in[XR_MAX_BURST];
	uint32_t n = xr_ring_dequeue_burst(e->output_to_ingress, in, XR_MAX_BURST);

	for (uint32_t i = 0; i < n; i++) {
		const struct xr_msg *m = &in[i];
		uint32_t b = (uint32_t)(m->signal_id & (XR_SRC_MAX - 1));
		if (b >= s->n)
			continue;
		struct xr_source *src = &s->src[b];
		if (m->kind == XR_MSG_RESULT) {
			xr__on_result(s, src, m, now);
			continue;
		}
		uint64_t seq = m->signal_id >> XR_SRC_BITS;
		const struct xr_src_entry *en = &src->entries[seq & src->mask];
		if (m->kind == XR_MSG_FILL && seq != 0 && en->seq == seq &&
		    en->state == XR_SRC_E_OPEN)
			xr__on_fill(s, src, en, m, now);
	}
	return n;
}
