/*
 * The FIX session layer's sending side for application messages and its
 * answer to a ResendRequest (xr_fix_session.h, "Resend"): without a
 * message store, one SequenceReset-GapFill over the whole range; with one
 * (xr_fix_store.h), the stored messages again with 43=Y and 122 and the
 * runs of absent MsgSeqNums as GapFills, as far as tx has room, continued
 * from xr_fix_session_tick(). Messages begun while the session cannot
 * send them live (down, resending, tx full) are written aside in spool
 * and only stored; a resend takes them out in MsgSeqNum order.
 */
#include "xr_fix_session.h"

#include "fix_session_pvt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void
xr_fix_session_set_store(struct xr_fix_session *s, struct xr_fix_store *st)
{
	s->store = st;
	s->rs_next = s->rs_stop = 0;
}

/* MsgSeqNums restart at 1: the stored messages name nothing any more. */
void
xr__fs_store_reset(struct xr_fix_session *s)
{
	if (s->store != NULL)
		xr_fix_store_clear(s->store);
	s->rs_next = s->rs_stop = 0;
}

int
xr_fix_session_begin(struct xr_fix_session *s, struct xr_fix_writer *w, const char *msg_type,
		     uint64_t now_ns)
{
	bool live = s->state == XR_FIX_S_ACTIVE && s->rs_stop == 0;

	if (s->store != NULL && live && XR_FIX_TX_CAP - s->tx_len < XR_FIX_MAX_MSG) {
		/* tx is full: stored, and sent by the resend machinery (43=Y)
		 * once the owner has flushed, so a slow reader costs no report. */
		s->rs_next = s->rs_stop = s->seq->next_out;
		live = false;
	}
	if (s->store == NULL || live) {
		if (s->state != XR_FIX_S_ACTIVE)
			return -ENOTCONN;
		int rc = xr__fs_begin(s, w, msg_type, s->seq->next_out, now_ns);
		if (rc != 0)
			return rc;
		s->spooling = false;
	} else {
		/* Stored only: it goes out with a resend (header, "Resend"). */
		xr__fs_begin_in(s, w, s->spool, msg_type, s->seq->next_out, now_ns);
		s->spooling = true;
	}
	if (s->store != NULL) {
		/* What send() stores besides the body (no cost without a store). */
		s->body_off = (uint32_t)w->pos;
		s->out_type[0] = msg_type[0];
		s->out_type[1] = msg_type[0] != '\0' ? msg_type[1] : '\0';
		s->out_type[2] = '\0';
		s->out_sending_ns = now_ns + (uint64_t)s->wall_offset_ns;
	}
	return 0;
}

int
xr_fix_session_send(struct xr_fix_session *s, struct xr_fix_writer *w, uint64_t *seq,
		    uint64_t now_ns)
{
	uint64_t no = s->seq->next_out;

	if (w->overflow)
		return -ENOBUFS;
	if (s->store != NULL &&
	    xr_fix_store_put(s->store, no, s->out_type, s->out_sending_ns, w->buf + s->body_off,
			     w->pos - s->body_off) != 0) {
		s->st.store_misses++;
		xr__fs_log(s, XR_FIX_LOG_WARN, "MsgSeqNum %llu (MsgType %s, %zu bytes of body) "
			"does not fit the message store: a resend gap-fills it",
			(unsigned long long)no, s->out_type, w->pos - s->body_off);
	}
	if (!s->spooling)
		return xr__fs_finish(s, w, true, seq, now_ns);
	s->spooling = false;
	if (seq != NULL)
		*seq = no;
	s->seq->next_out++;
	s->st.msgs_stored_only++;
	if (s->rs_stop != 0)
		s->rs_stop = s->seq->next_out; /* the resend running takes it too */
	return 0;
}

/* A SequenceReset-GapFill with MsgSeqNum @p from, NewSeqNo @p to (it
 * takes no MsgSeqNum of its own). @return 0, or -ENOBUFS (tx full). */
static int
xr__send_gap_fill(struct xr_fix_session *s, uint64_t from, uint64_t to, uint64_t now)
{
	struct xr_fix_writer w;

	if (xr__fs_begin(s, &w, "4", from, now) != 0)
		return -ENOBUFS;
	xr_fix_put_char(&w, XR__T_POSS_DUP, 'Y');
	xr_fix_put_time(&w, XR__T_ORIG_SENDING_TIME, now + (uint64_t)s->wall_offset_ns);
	xr_fix_put_char(&w, XR__T_GAP_FILL, 'Y');
	xr_fix_put_u64(&w, XR__T_NEW_SEQ_NO, to);
	if (xr__fs_finish(s, &w, false, NULL, now) != 0)
		return -ENOBUFS;
	s->st.gap_fills_sent++;
	if (s->ops != NULL && s->ops->on_gap_fill != NULL)
		s->ops->on_gap_fill(s->ctx, from, to);
	return 0;
}

/*
 * With a store: resend [rs_next, rs_stop) as far as tx has room (header,
 * "Resend"): stored messages again with 43=Y and 122, runs of absent
 * MsgSeqNums as one GapFill each. The rest waits for the next tick.
 */
void
xr__fs_resend_pump(struct xr_fix_session *s, uint64_t now)
{
	struct xr_fix_writer w;
	char type[3];
	uint64_t orig_ns;
	const char *body;
	uint32_t len;

	while (s->rs_next < s->rs_stop) {
		if (XR_FIX_TX_CAP - s->tx_len < XR_FIX_MAX_MSG)
			return;
		uint64_t at = s->rs_next;
		if (xr_fix_store_get(s->store, at, type, &orig_ns, &body, &len)) {
			xr__fs_begin(s, &w, type, at, now);
			xr_fix_put_char(&w, XR__T_POSS_DUP, 'Y');
			xr_fix_put_time(&w, XR__T_ORIG_SENDING_TIME, orig_ns);
			xr_fix_put_raw(&w, body, len);
			if (xr__fs_finish(s, &w, false, NULL, now) != 0)
				xr__fs_log(s, XR_FIX_LOG_ERROR, "stored MsgSeqNum %llu does not fit a "
					"message again: skipped", (unsigned long long)at);
			else
				s->st.msgs_resent++;
			s->rs_next = at + 1;
			continue;
		}
		uint64_t to = at + 1;
		while (to < s->rs_stop && !xr_fix_store_get(s->store, to, type, &orig_ns, &body, &len))
			to++;
		if (xr__send_gap_fill(s, at, to, now) != 0)
			return;
		s->rs_next = to;
	}
	xr__fs_log(s, XR_FIX_LOG_INFO, "resend done up to MsgSeqNum %llu",
		(unsigned long long)(s->rs_stop - 1));
	s->rs_next = s->rs_stop = 0;
}

/* Answer the counterparty's ResendRequest: from the store, or one GapFill
 * over the whole range. */
void
xr__fs_on_resend_request(struct xr_fix_session *s, const struct xr_fix_msg *m, uint64_t now)
{
	uint64_t begin, end, next = s->seq->next_out;

	s->st.resend_requests_received++;
	if (!xr_fix_get_u64(m, XR__T_BEGIN_SEQ_NO, &begin) ||
	    !xr_fix_get_u64(m, XR__T_END_SEQ_NO, &end) || begin == 0) {
		xr__fs_log(s, XR_FIX_LOG_WARN, "ResendRequest without valid BeginSeqNo/EndSeqNo");
		return;
	}
	if (end != 0 && end < begin) {
		xr_fix_session_reject(s, s->seq->next_in - 1, "2", XR__T_END_SEQ_NO,
				      XR__SRR_VALUE_INCORRECT, "EndSeqNo below BeginSeqNo", now);
		return;
	}
	if (begin >= next) {
		xr__fs_log(s, XR_FIX_LOG_WARN, "ResendRequest from %llu: nothing sent from there "
			"(next MsgSeqNum %llu)", (unsigned long long)begin,
			(unsigned long long)next);
		return;
	}
	/* EndSeqNo 0 (999999 in FIX 4.2) or past our last message: all. */
	uint64_t stop = end == 0 || end >= next - 1 ? next : end + 1;
	if (s->store != NULL) {
		xr__fs_log(s, XR_FIX_LOG_INFO, "ResendRequest %llu..%llu: resending from the "
			"message store up to %llu", (unsigned long long)begin,
			(unsigned long long)end, (unsigned long long)(stop - 1));
		s->rs_next = begin;
		s->rs_stop = stop;
		xr__fs_resend_pump(s, now);
		return;
	}
	/* Logged before on_gap_fill, whose owner logs what the gap cost. */
	xr__fs_log(s, XR_FIX_LOG_WARN, "ResendRequest %llu..%llu answered with GapFill to %llu",
		(unsigned long long)begin, (unsigned long long)end, (unsigned long long)stop);
	xr__send_gap_fill(s, begin, stop, now);
}

