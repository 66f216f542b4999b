/*
 * FIX session layer (xr_fix_session.h states the protocol and its source).
 *
 * DESIGN
 *   Outgoing messages are written in place at the end of tx: the writer
 *   starts XR_FIX_HEAD bytes in, finish() puts BeginString and BodyLength
 *   just before the body, and the finished message is moved down over the
 *   unused part of the headroom (a few bytes). MsgSeqNum is written at
 *   begin and taken at send, so a message that does not fit leaves no gap.
 *   Incoming messages are framed and parsed in place in rx; what is left
 *   of a partial message moves to the front of rx afterwards.
 *   What only the acceptor role does (its Logon, Rejects of garbled
 *   messages) is in fix_session_acceptor.c; sending application messages
 *   and answering ResendRequests, with or without a message store, in
 *   fix_session_resend.c; the helpers the files share are declared in
 *   fix_session_pvt.h.
 */
#include "xr_fix_session.h"

#include "fix_session_pvt.h"
#include "xr_clock.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

const char *
xr_fix_state_name(enum xr_fix_state st)
{
	switch (st) {
	case XR_FIX_S_DOWN: return "down";
	case XR_FIX_S_LOGON_SENT: return "logon_sent";
	case XR_FIX_S_ACTIVE: return "active";
	case XR_FIX_S_LOGOUT_SENT: return "logout_sent";
	case XR_FIX_S_LOGON_WAIT: return "logon_wait";
	}
	return "invalid";
}

/* A log line through the owner; printf-formatted, cut at 255 bytes. */
__attribute__((format(printf, 3, 4))) void
xr__fs_log(struct xr_fix_session *s, enum xr_fix_log_level lvl, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (s->ops == NULL || s->ops->on_log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->ops->on_log(s->ctx, lvl, line);
}

static void
xr__enter(struct xr_fix_session *s, enum xr_fix_state st, uint64_t now)
{
	bool was_up = s->state == XR_FIX_S_ACTIVE || s->state == XR_FIX_S_LOGOUT_SENT;
	bool up = st == XR_FIX_S_ACTIVE || st == XR_FIX_S_LOGOUT_SENT;

	s->state = (uint8_t)st;
	s->state_ns = now;
	if (was_up != up && s->ops != NULL && s->ops->on_state != NULL)
		s->ops->on_state(s->ctx, up, now);
}

/* max_frame_bytes with 0 as the default. */
static uint32_t
xr__frame_cap(uint32_t max_frame_bytes)
{
	return max_frame_bytes != 0 ? max_frame_bytes : XR_FIX_FRAME_DEFAULT;
}

size_t
xr_fix_session_size(uint32_t max_frame_bytes)
{
	return offsetof(struct xr_fix_session, rx) + 2 * (size_t)xr__frame_cap(max_frame_bytes);
}

int
xr_fix_session_init(struct xr_fix_session *s, const struct xr_fix_session_cfg *cfg,
		    struct xr_fix_seq *seq, const struct xr_fix_session_ops *ops, void *ctx)
{
	size_t sl = strnlen(cfg->sender, sizeof(cfg->sender));
	size_t tl = strnlen(cfg->target, sizeof(cfg->target));
	uint32_t cap = xr__frame_cap(cfg->max_frame_bytes);

	if (sl == 0 || sl > XR_FIX_COMPID_MAX || tl == 0 || tl > XR_FIX_COMPID_MAX ||
	    cfg->heartbeat_s < 1 || cfg->heartbeat_s > 3600 || cfg->version >= XR_FIX_VERSIONS ||
	    cfg->role > XR_FIX_ROLE_ACCEPTOR ||
	    cap < XR_FIX_FRAME_MIN || cap > XR_FIX_FRAME_MAX || seq == NULL)
		return -EINVAL;
	memset(s, 0, offsetof(struct xr_fix_session, tx));
	s->cfg = *cfg;
	s->cfg.max_frame_bytes = cap;
	if (s->cfg.resend_timeout_ns == 0)
		s->cfg.resend_timeout_ns = XR_FIX_RESEND_TIMEOUT_DEFAULT_NS;
	s->rx_cap = 2 * cap;
	s->sender_len = (uint32_t)sl;
	s->target_len = (uint32_t)tl;
	s->ops = ops;
	s->ctx = ctx;
	s->seq = seq;
	if (seq->magic != XR_FIX_SEQ_MAGIC || seq->next_out == 0 || seq->next_in == 0)
		*seq = (struct xr_fix_seq){ .magic = XR_FIX_SEQ_MAGIC, .next_out = 1, .next_in = 1 };
	s->state = XR_FIX_S_DOWN;
	return 0;
}

int64_t
xr_fix_wall_offset_ns(void)
{
	struct timespec rt;

	clock_gettime(CLOCK_REALTIME, &rt);
	uint64_t mono = xr_now_ns();
	return (int64_t)((uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec) -
	       (int64_t)mono;
}

void
xr_fix_session_set_clock(struct xr_fix_session *s, int64_t wall_offset_ns)
{
	s->wall_offset_ns = wall_offset_ns;
}

/* ------------------------------------------------------------------ output */

/* Begin a message of @p type with MsgSeqNum @p seq_no in @p buf. */
void
xr__fs_begin_in(struct xr_fix_session *s, struct xr_fix_writer *w, char *buf, const char *type,
	     uint64_t seq_no, uint64_t now)
{
	xr_fix_begin(w, buf, XR_FIX_MAX_MSG, (enum xr_fix_version)s->cfg.version, type);
	xr_fix_put_str(w, XR__T_SENDER, s->cfg.sender, s->sender_len);
	xr_fix_put_str(w, XR__T_TARGET, s->cfg.target, s->target_len);
	xr_fix_put_u64(w, XR__T_MSG_SEQ_NUM, seq_no);
	xr_fix_put_time(w, XR__T_SENDING_TIME, now + (uint64_t)s->wall_offset_ns);
}

/* Begin a message with MsgSeqNum @p seq_no at the end of tx (any state). */
int
xr__fs_begin(struct xr_fix_session *s, struct xr_fix_writer *w, const char *type,
	     uint64_t seq_no, uint64_t now)
{
	if (XR_FIX_TX_CAP - s->tx_len < XR_FIX_MAX_MSG)
		return -ENOBUFS;
	xr__fs_begin_in(s, w, s->tx + s->tx_len, type, seq_no, now);
	return 0;
}

/* Finish and queue; @p take: the message uses next_out (not a GapFill). */
int
xr__fs_finish(struct xr_fix_session *s, struct xr_fix_writer *w, bool take, uint64_t *seq,
	   uint64_t now)
{
	const char *out;
	size_t len;

	if (xr_fix_finish(w, &out, &len) != 0)
		return -ENOBUFS;
	memmove(s->tx + s->tx_len, out, len);
	s->tx_len += (uint32_t)len;
	if (seq != NULL)
		*seq = s->seq->next_out;
	if (take)
		s->seq->next_out++;
	s->last_out_ns = now;
	s->st.msgs_out++;
	return 0;
}

/* An admin message with only @p type's header; the caller adds fields. */
#define XR__ADMIN(s, w, type, now) (xr__fs_begin((s), (w), (type), (s)->seq->next_out, (now)) == 0)

/* Logon (35=A); @p reset: with ResetSeqNumFlag (141=Y). */
void
xr__fs_send_logon(struct xr_fix_session *s, bool reset, uint64_t now)
{
	struct xr_fix_writer w;

	if (!XR__ADMIN(s, &w, "A", now))
		return;
	xr_fix_put_u64(&w, XR__T_ENCRYPT_METHOD, 0);
	xr_fix_put_u64(&w, XR__T_HEARTBT_INT, s->cfg.heartbeat_s);
	if (reset)
		xr_fix_put_char(&w, XR__T_RESET_SEQ_NUM, 'Y');
	xr__fs_finish(s, &w, true, NULL, now);
}

static void
xr__send_heartbeat(struct xr_fix_session *s, const char *test_id, uint32_t id_len, uint64_t now)
{
	struct xr_fix_writer w;

	if (!XR__ADMIN(s, &w, "0", now))
		return;
	if (test_id != NULL)
		xr_fix_put_str(&w, XR__T_TEST_REQ_ID, test_id, id_len);
	xr__fs_finish(s, &w, true, NULL, now);
}

static void
xr__send_logout(struct xr_fix_session *s, const char *text, uint64_t now)
{
	struct xr_fix_writer w;

	if (!XR__ADMIN(s, &w, "5", now))
		return;
	if (text != NULL && text[0] != '\0')
		xr_fix_put_str(&w, XR__T_TEXT, text, strlen(text));
	xr__fs_finish(s, &w, true, NULL, now);
}

static void
xr__send_resend_request(struct xr_fix_session *s, uint64_t until, uint64_t now)
{
	struct xr_fix_writer w;

	if (s->resend_pending) {
		if (until > s->resend_until)
			s->resend_until = until;
		return;
	}
	if (!XR__ADMIN(s, &w, "2", now))
		return;
	xr_fix_put_u64(&w, XR__T_BEGIN_SEQ_NO, s->seq->next_in);
	xr_fix_put_u64(&w, XR__T_END_SEQ_NO, 0);
	if (xr__fs_finish(s, &w, true, NULL, now) != 0)
		return;
	s->resend_pending = true;
	s->resend_until = until;
	s->resend_ns = now;
	s->resend_stage = 0;
	s->st.resend_requests_sent++;
	xr__fs_log(s, XR_FIX_LOG_WARN, "gap: expected MsgSeqNum %llu, received %llu; "
		"ResendRequest sent", (unsigned long long)s->seq->next_in,
		(unsigned long long)until);
}

void
xr_fix_session_reject(struct xr_fix_session *s, uint64_t ref_seq, const char *ref_type,
		      uint32_t ref_tag, uint32_t reason, const char *text, uint64_t now_ns)
{
	struct xr_fix_writer w;

	if (!XR__ADMIN(s, &w, "3", now_ns))
		return;
	xr_fix_put_u64(&w, XR__T_REF_SEQ_NUM, ref_seq);
	if (ref_tag != 0)
		xr_fix_put_u64(&w, XR__T_REF_TAG_ID, ref_tag);
	if (ref_type != NULL && ref_type[0] != '\0')
		xr_fix_put_str(&w, XR__T_REF_MSG_TYPE, ref_type, strlen(ref_type));
	xr_fix_put_u64(&w, XR__T_SESSION_REJECT_REASON, reason);
	if (text != NULL && text[0] != '\0')
		xr_fix_put_str(&w, XR__T_TEXT, text, strlen(text));
	if (xr__fs_finish(s, &w, true, NULL, now_ns) == 0)
		s->st.rejects_sent++;
	xr__fs_log(s, XR_FIX_LOG_WARN, "Reject sent for MsgSeqNum %llu (%s): %s",
		(unsigned long long)ref_seq, ref_type != NULL ? ref_type : "?",
		text != NULL ? text : "");
}

void
xr_fix_session_bmr(struct xr_fix_session *s, uint64_t ref_seq, const char *ref_type,
		   uint32_t reason, const char *text, uint64_t now_ns)
{
	struct xr_fix_writer w;

	if (!XR__ADMIN(s, &w, "j", now_ns))
		return;
	xr_fix_put_u64(&w, XR__T_REF_SEQ_NUM, ref_seq);
	xr_fix_put_str(&w, XR__T_REF_MSG_TYPE, ref_type, strlen(ref_type));
	xr_fix_put_u64(&w, XR__T_BUSINESS_REJECT_REASON, reason);
	if (text != NULL && text[0] != '\0')
		xr_fix_put_str(&w, XR__T_TEXT, text, strlen(text));
	xr__fs_finish(s, &w, true, NULL, now_ns);
	xr__fs_log(s, XR_FIX_LOG_WARN, "BusinessMessageReject sent for MsgSeqNum %llu (%s): %s",
		(unsigned long long)ref_seq, ref_type, text != NULL ? text : "");
}

/* Log out with @p text and close once it is queued (a protocol error). */
void
xr__fs_abort(struct xr_fix_session *s, const char *text, uint64_t now)
{
	xr__fs_log(s, XR_FIX_LOG_ERROR, "logout: %s", text);
	xr__send_logout(s, text, now);
	s->want_close = true;
}

void
xr_fix_session_logout(struct xr_fix_session *s, const char *text, uint64_t now_ns)
{
	if (s->state != XR_FIX_S_ACTIVE) {
		s->want_close = true;
		return;
	}
	xr__send_logout(s, text, now_ns);
	xr__enter(s, XR_FIX_S_LOGOUT_SENT, now_ns);
}

/* ------------------------------------------------------------------ state */

void
xr_fix_session_connected(struct xr_fix_session *s, uint64_t now_ns)
{
	s->rx_len = s->tx_len = 0;
	s->want_close = s->test_pending = s->resend_pending = s->resync = false;
	s->rs_next = s->rs_stop = 0;
	s->last_in_ns = s->last_out_ns = now_ns;
	if (s->cfg.role == XR_FIX_ROLE_ACCEPTOR) {
		/* The initiator speaks first (FIX 4.4 Vol. 2, "Logon"). */
		xr__enter(s, XR_FIX_S_LOGON_WAIT, now_ns);
		return;
	}
	if (s->cfg.reset_on_logon) {
		s->seq->next_out = s->seq->next_in = 1;
		s->epoch++;
		xr__fs_store_reset(s);
	}
	xr__enter(s, XR_FIX_S_LOGON_SENT, now_ns);
	xr__fs_send_logon(s, s->cfg.reset_on_logon, now_ns);
}

void
xr_fix_session_disconnected(struct xr_fix_session *s, uint64_t now_ns)
{
	s->rx_len = s->tx_len = 0;
	s->want_close = s->test_pending = s->resend_pending = s->resync = false;
	s->rs_next = s->rs_stop = 0;
	xr__enter(s, XR_FIX_S_DOWN, now_ns);
}

/* A TestRequest (35=1) with a fresh TestReqID; test_pending until any
 * message arrives. */
static void
xr__send_test_request(struct xr_fix_session *s, uint64_t now)
{
	struct xr_fix_writer w;
	char id[24];
	int n = snprintf(id, sizeof(id), "T%llu", (unsigned long long)++s->test_seq);

	if (!XR__ADMIN(s, &w, "1", now))
		return;
	xr_fix_put_str(&w, XR__T_TEST_REQ_ID, id, (size_t)n);
	if (xr__fs_finish(s, &w, true, NULL, now) == 0) {
		s->test_pending = true;
		s->test_ns = now;
		s->st.test_requests_sent++;
	}
}

/* Give up MsgSeqNums [next_in, @p to): they are lost (header, "Escalation"). */
static void
xr__skip(struct xr_fix_session *s, uint64_t to, const char *why)
{
	uint64_t from = s->seq->next_in;

	s->st.gaps_skipped++;
	s->st.msgs_skipped += to - from;
	xr__fs_log(s, XR_FIX_LOG_ERROR, "MsgSeqNum %llu..%llu %s: given up, lost; expecting %llu",
		(unsigned long long)from, (unsigned long long)(to - 1), why,
		(unsigned long long)to);
	s->seq->next_in = to;
	s->resend_pending = false;
	s->resend_stage = 0;
}

/*
 * Our ResendRequest made no progress for resend_timeout_ns: the next step
 * (xr_fix_session.h, "Escalation"). Stage 0: TestRequest. Stage 1: Logout
 * and reconnect; if this very gap already cost a Logout, give up its first
 * MsgSeqNum and ask for the rest again; if that brings nothing either,
 * give up the whole gap.
 */
static void
xr__escalate(struct xr_fix_session *s, uint64_t now)
{
	uint64_t from = s->seq->next_in, waited_ms = s->cfg.resend_timeout_ns / 1000000u;

	s->st.escalations++;
	s->resend_ns = now;
	if (s->skip_from == from && s->skip_epoch == s->epoch) {
		s->skip_from = 0;
		xr__skip(s, s->resend_until + 1, "not resent either");
		return;
	}
	if (s->resend_stage == 0) {
		s->resend_stage = 1;
		xr__fs_log(s, XR_FIX_LOG_WARN, "ResendRequest from MsgSeqNum %llu unanswered for "
			"%llu ms: TestRequest sent", (unsigned long long)from,
			(unsigned long long)waited_ms);
		if (!s->test_pending)
			xr__send_test_request(s, now);
		return;
	}
	if (s->gap_from == from && s->gap_epoch == s->epoch) {
		/* The venue cannot resend this one (one we cannot take, or
		 * none at all): without it, ask once more for the rest. */
		uint64_t until = s->resend_until;
		s->gap_from = 0;
		xr__skip(s, from + 1, "never resent, also after a reconnect");
		if (until >= s->seq->next_in) {
			xr__send_resend_request(s, until, now);
			s->skip_from = s->seq->next_in;
			s->skip_epoch = s->epoch;
		}
		return;
	}
	s->gap_from = from;
	s->gap_epoch = s->epoch;
	s->st.resend_logouts++;
	xr__fs_log(s, XR_FIX_LOG_ERROR, "ResendRequest from MsgSeqNum %llu still unanswered "
		"after a TestRequest: Logout, reconnecting", (unsigned long long)from);
	xr_fix_session_logout(s, "ResendRequest unanswered", now);
}

void
xr_fix_session_tick(struct xr_fix_session *s, uint64_t now_ns)
{
	uint64_t hb = (uint64_t)s->cfg.heartbeat_s * 1000000000u;

	switch (s->state) {
	case XR_FIX_S_LOGON_WAIT:
	case XR_FIX_S_LOGON_SENT:
		if (now_ns - s->state_ns >= s->cfg.logon_timeout_ns) {
			xr__fs_log(s, XR_FIX_LOG_ERROR, "no Logon answer within %llu ms",
				(unsigned long long)(s->cfg.logon_timeout_ns / 1000000));
			s->want_close = true;
		}
		return;
	case XR_FIX_S_LOGOUT_SENT:
		if (now_ns - s->state_ns >= s->cfg.logout_timeout_ns)
			s->want_close = true;
		return;
	case XR_FIX_S_ACTIVE:
		break;
	default:
		return;
	}
	if (s->rs_stop != 0)
		xr__fs_resend_pump(s, now_ns);
	if (s->test_pending && now_ns - s->test_ns >= hb) {
		s->st.heartbeat_timeouts++;
		xr__fs_log(s, XR_FIX_LOG_ERROR, "TestRequest unanswered for %u s: disconnecting",
			s->cfg.heartbeat_s);
		s->want_close = true;
		return;
	}
	if (s->resend_pending && now_ns - s->resend_ns >= s->cfg.resend_timeout_ns) {
		xr__escalate(s, now_ns);
		if (s->state != XR_FIX_S_ACTIVE)
			return;
	}
	if (!s->test_pending && now_ns - s->last_in_ns >= hb + hb / 5)
		xr__send_test_request(s, now_ns);
	if (now_ns - s->last_out_ns >= hb)
		xr__send_heartbeat(s, NULL, 0, now_ns);
}

/* ------------------------------------------------------------------ input */

/* Is field @p tag of @p m exactly @p want? */
bool
xr__fs_field_is(const struct xr_fix_msg *m, uint32_t tag, const char *want, uint32_t want_len)
{
	const char *v;
	uint32_t len;

	return xr_fix_get_str(m, tag, &v, &len) && len == want_len && memcmp(v, want, len) == 0;
}

static void
xr__on_logout(struct xr_fix_session *s, const struct xr_fix_msg *m, uint64_t now)
{
	const char *text = "";
	uint32_t len = 0;

	s->st.logouts_received++;
	xr_fix_get_str(m, XR__T_TEXT, &text, &len);
	if (s->state == XR_FIX_S_LOGOUT_SENT) {
		xr__fs_log(s, XR_FIX_LOG_INFO, "logged out");
	} else {
		xr__fs_log(s, XR_FIX_LOG_WARN, "Logout from the venue: %.*s", (int)len, text);
		xr__send_logout(s, NULL, now);
	}
	s->want_close = true;
}

/* MsgSeqNum @p seq below the one expected, without PossDupFlag: a serious
 * error (the venue's store is behind ours), Logout and disconnect. */
void
xr__fs_too_low(struct xr_fix_session *s, uint64_t seq, uint64_t now)
{
	char why[96];

	snprintf(why, sizeof(why), "MsgSeqNum too low, expecting %llu but received %llu",
		 (unsigned long long)s->seq->next_in, (unsigned long long)seq);
	s->st.seq_too_low++;
	xr__fs_abort(s, why, now);
}

/* A Logon with MsgSeqNum @p seq (not too low) was accepted: ACTIVE, and a
 * ResendRequest if it is above the one expected (both roles; FIX 4.4
 * Vol. 2, "Logon": a Logon above the expected MsgSeqNum is accepted, then
 * the gap asked for). */
void
xr__fs_logged_on(struct xr_fix_session *s, uint64_t seq, uint64_t now)
{
	s->st.logons++;
	xr__enter(s, XR_FIX_S_ACTIVE, now);
	xr__fs_log(s, XR_FIX_LOG_INFO, "logged on (MsgSeqNum out %llu, in %llu)",
		(unsigned long long)s->seq->next_out, (unsigned long long)seq);
	if (seq > s->seq->next_in)
		xr__send_resend_request(s, seq, now);
	else
		s->seq->next_in = seq + 1;
}

/* The venue's Logon, answering ours. */
static void
xr__on_logon(struct xr_fix_session *s, const struct xr_fix_msg *m, uint64_t seq, uint64_t now)
{
	char reset = 'N';

	xr_fix_get_char(m, XR__T_RESET_SEQ_NUM, &reset);
	if (reset == 'Y' && !s->cfg.reset_on_logon) {
		/* The venue reset its numbers: ours restart too (we sent only
		 * the Logon, so our next is 2). */
		s->seq->next_in = seq;
		s->seq->next_out = 2;
		s->epoch++;
		if (s->store != NULL)
			xr_fix_store_clear(s->store);
		xr__fs_log(s, XR_FIX_LOG_WARN, "venue reset MsgSeqNums (141=Y)");
	}
	if (seq < s->seq->next_in) {
		xr__fs_too_low(s, seq, now);
		return;
	}
	xr__fs_logged_on(s, seq, now);
}

/* next_in moves to @p to: our resend ends once it passes resend_until
 * (either SequenceReset mode may end it); short of that, the gap narrowed
 * and its escalation starts over. */
void
xr__fs_advance(struct xr_fix_session *s, uint64_t to, uint64_t now)
{
	bool moved = to > s->seq->next_in;

	s->seq->next_in = to;
	if (!s->resend_pending)
		return;
	if (to > s->resend_until) {
		s->resend_pending = false;
		s->resend_stage = 0;
	} else if (moved) {
		s->resend_ns = now;
		s->resend_stage = 0;
	}
}

/* SequenceReset (35=4) in GapFill or Reset mode. */
static void
xr__on_sequence_reset(struct xr_fix_session *s, const struct xr_fix_msg *m, uint64_t seq,
		      bool gap_fill, uint64_t now)
{
	uint64_t to;

	if (!xr_fix_get_u64(m, XR__T_NEW_SEQ_NO, &to) || to < s->seq->next_in) {
		xr_fix_session_reject(s, seq, "4", XR__T_NEW_SEQ_NO, XR__SRR_VALUE_INCORRECT,
				      "NewSeqNo missing or below the expected MsgSeqNum", now);
		return;
	}
	if (gap_fill)
		s->st.gap_fills_received++;
	else
		s->st.seq_resets_received++;
	xr__fs_advance(s, to, now);
}

/* One framed, parsed message. */
static void
xr__process(struct xr_fix_session *s, const struct xr_fix_msg *m, uint64_t now)
{
	const char *type = m->msg_type;
	uint64_t seq;
	char flag = 'N';

	if (s->state == XR_FIX_S_LOGON_WAIT) {
		xr__fs_acceptor_logon(s, m, now);
		return;
	}
	if (m->version != s->cfg.version) {
		xr__fs_abort(s, "BeginString differs from the session's", now);
		return;
	}
	if (!xr_fix_get_u64(m, XR__T_MSG_SEQ_NUM, &seq) || seq == 0) {
		xr__fs_abort(s, "MsgSeqNum (34) missing or invalid", now);
		return;
	}
	if (!xr__fs_field_is(m, XR__T_SENDER, s->cfg.target, s->target_len) ||
	    !xr__fs_field_is(m, XR__T_TARGET, s->cfg.sender, s->sender_len)) {
		xr_fix_session_reject(s, seq, type, XR__T_SENDER, XR__SRR_COMPID_PROBLEM,
				      "CompID problem", now);
		xr__fs_abort(s, "SenderCompID/TargetCompID do not match the session", now);
		return;
	}
	bool poss_dup = xr_fix_get_char(m, XR__T_POSS_DUP, &flag) && flag == 'Y';

	if (s->state == XR_FIX_S_LOGON_SENT) {
		if (strcmp(type, "A") == 0) {
			xr__on_logon(s, m, seq, now);
		} else if (strcmp(type, "5") == 0) {
			xr__on_logout(s, m, now);
		} else {
			char why[64];
			snprintf(why, sizeof(why), "first message is MsgType %s, not Logon", type);
			xr__fs_abort(s, why, now);
		}
		return;
	}
	bool gap_fill = xr_fix_get_char(m, XR__T_GAP_FILL, &flag) && flag == 'Y';
	if (strcmp(type, "4") == 0 && !gap_fill) {
		xr__on_sequence_reset(s, m, seq, false, now);
		return;
	}
	if (seq > s->seq->next_in) {
		/* A gap. Answer their ResendRequest first (both sides may be
		 * waiting on each other), act on a Logout, drop the rest. */
		if (strcmp(type, "2") == 0)
			xr__fs_on_resend_request(s, m, now);
		else if (strcmp(type, "5") == 0)
			xr__on_logout(s, m, now);
		else
			s->st.too_high_dropped++;
		xr__send_resend_request(s, seq, now);
		return;
	}
	if (seq < s->seq->next_in) {
		if (poss_dup) {
			s->st.dups_ignored++;
			return;
		}
		xr__fs_too_low(s, seq, now);
		return;
	}
	xr__fs_advance(s, seq + 1, now);

	if (type[1] == '\0') {
		switch (type[0]) {
		case '0': /* Heartbeat: any message answers a TestRequest */
			return;
		case '1': { /* TestRequest */
			const char *id = NULL;
			uint32_t len = 0;
			xr_fix_get_str(m, XR__T_TEST_REQ_ID, &id, &len);
			xr__send_heartbeat(s, id, len, now);
			return;
		}
		case '2':
			xr__fs_on_resend_request(s, m, now);
			return;
		case '4':
			xr__on_sequence_reset(s, m, seq, true, now);
			return;
		case '5':
			xr__on_logout(s, m, now);
			return;
		case 'A':
			xr__fs_log(s, XR_FIX_LOG_WARN, "Logon while logged on: ignored");
			return;
		default:
			break;
		}
	}
	if (s->ops != NULL && s->ops->on_app != NULL)
		s->ops->on_app(s->ctx, m, seq, poss_dup, now);
}

/* A dropped frame of @p len bytes for @p why: counted, and logged at most
 * XR_FIX_DROP_LOG_PER_S times a second (a flood of garbage must not cost
 * a write per read, nor hide the owner's other lines). */
static void
xr__dropped(struct xr_fix_session *s, enum xr_fix_error why, size_t len, const char *what,
	    uint64_t now)
{
	s->st.frame_errors[why]++;
	if (now - s->drop_log_ns >= 1000000000u) {
		s->drop_log_ns = now;
		s->drop_log_lines = 0;
	}
	if (s->drop_log_lines >= XR_FIX_DROP_LOG_PER_S) {
		s->drop_log_skipped++;
		return;
	}
	s->drop_log_lines++;
	if (why == XR_FIX_OVERSIZE)
		xr__fs_log(s, XR_FIX_LOG_WARN, "malformed %s (oversize): %zu bytes dropped: a frame "
			"longer than max_frame_bytes %u (%u more not logged)", what, len,
			s->cfg.max_frame_bytes, s->drop_log_skipped);
	else if (s->drop_log_skipped > 0)
		xr__fs_log(s, XR_FIX_LOG_WARN, "malformed %s (%s): %zu bytes dropped (%u more "
			"not logged)", what, xr_fix_error_name(why), len, s->drop_log_skipped);
	else
		xr__fs_log(s, XR_FIX_LOG_WARN, "malformed %s (%s): %zu bytes dropped", what,
			xr_fix_error_name(why), len);
	s->drop_log_skipped = 0;
}

uint32_t
xr_fix_session_input(struct xr_fix_session *s, uint64_t now_ns, uint32_t max_msgs)
{
	struct xr_fix_msg m;
	uint32_t n = 0, pos = 0;

	while (n < max_msgs && pos < s->rx_len && !s->want_close) {
		size_t mlen = 0;
		enum xr_fix_error why = XR_FIX_OK;
		int rc = xr_fix_frame_max(s->rx + pos, s->rx_len - pos, s->cfg.max_frame_bytes,
					  &mlen, &why);
		if (rc == 0)
			break;
		if (rc < 0) {
			s->st.bytes_dropped += mlen;
			pos += (uint32_t)mlen;
			if (s->resync && why == XR_FIX_GARBAGE) {
				/* The rest of what the last drop began (an
				 * oversize message arriving in pieces). */
				continue;
			}
			s->resync = true;
			xr__dropped(s, why, mlen, "input", now_ns);
			continue;
		}
		s->resync = false;
		if (xr_fix_parse(s->rx + pos, mlen, &m, &why) != 0) {
			if (xr__fs_reject_garbled(s, s->rx + pos, mlen, why, now_ns)) {
				s->st.frame_errors[why]++;
				s->last_in_ns = now_ns;
				pos += (uint32_t)mlen;
				n++;
				continue;
			}
			s->st.bytes_dropped += mlen;
			xr__dropped(s, why, mlen, "message", now_ns);
			pos += (uint32_t)mlen;
			continue;
		}
		s->last_in_ns = now_ns;
		s->test_pending = false;
		s->st.msgs_in++;
		xr__process(s, &m, now_ns);
		pos += (uint32_t)mlen;
		n++;
	}
	if (pos > 0) {
		memmove(s->rx, s->rx + pos, s->rx_len - pos);
		s->rx_len -= pos;
	}
	return n;
}
