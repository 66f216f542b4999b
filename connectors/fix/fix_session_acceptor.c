/*
 * The FIX session layer's acceptor role (xr_fix_session.h, "Acceptor"):
 * the counterparty's first message and its Logon, a refused Logon's
 * Logout, and session Rejects of garbled messages. Everything else is
 * the shared state machine in fix_session.c.
 */
#include "xr_fix_session.h"

#include "fix_session_pvt.h"

#include <stdio.h>
#include <string.h>

/*
 * Acceptor: refuse the Logon @p m with a Logout carrying @p text (58) and
 * close. FIX 4.4 Vol. 2, "Logon": "If authentication fails, the session
 * acceptor should shut down the connection after optionally sending a
 * Logout message to indicate the reason of failure. Sending a Logout in
 * this case is not required because doing so would consume a sequence
 * number". We send it (operators of a strategy need the reason) but
 * consume nothing: it carries our next MsgSeqNum without taking it, and
 * is addressed to the SenderCompID the Logon named (56), which need not
 * be our session's counterparty.
 */
static void
xr__refuse(struct xr_fix_session *s, const struct xr_fix_msg *m, const char *text, uint64_t now)
{
	struct xr_fix_writer w;
	const char *to = s->cfg.target;
	uint32_t to_len = s->target_len;

	s->st.logons_refused++;
	xr__fs_log(s, XR_FIX_LOG_ERROR, "Logon refused: %s", text);
	s->want_close = true;
	if (XR_FIX_TX_CAP - s->tx_len < XR_FIX_MAX_MSG)
		return;
	xr_fix_get_str(m, XR__T_SENDER, &to, &to_len);
	if (to_len == 0 || to_len > XR_FIX_COMPID_MAX) {
		to = s->cfg.target;
		to_len = s->target_len;
	}
	xr_fix_begin(&w, s->tx + s->tx_len, XR_FIX_MAX_MSG, (enum xr_fix_version)s->cfg.version,
		     "5");
	xr_fix_put_str(&w, XR__T_SENDER, s->cfg.sender, s->sender_len);
	xr_fix_put_str(&w, XR__T_TARGET, to, to_len);
	xr_fix_put_u64(&w, XR__T_MSG_SEQ_NUM, s->seq->next_out);
	xr_fix_put_time(&w, XR__T_SENDING_TIME, now + (uint64_t)s->wall_offset_ns);
	xr_fix_put_str(&w, XR__T_TEXT, text, strlen(text));
	xr__fs_finish(s, &w, false, NULL, now);
}

/*
 * Acceptor: the first message of a connection (state LOGON_WAIT). It must
 * be a Logon of the configured session: BeginString, SenderCompID (49) =
 * our TargetCompID, TargetCompID (56) = our SenderCompID, a MsgSeqNum and
 * HeartBtInt 1..3600. We answer with Logon (FIX 4.4 Vol. 2, "Logon":
 * the acceptor acknowledges with its own Logon), adopting HeartBtInt and
 * echoing ResetSeqNumFlag (141=Y: both sides restart at 1, Vol. 2
 * "ResetSeqNumFlag").
 */
void
xr__fs_acceptor_logon(struct xr_fix_session *s, const struct xr_fix_msg *m, uint64_t now)
{
	uint64_t seq, hb;
	char reset = 'N';

	if (strcmp(m->msg_type, "A") != 0) {
		/* Test cases, "Receive Logon message": a first message other
		 * than Logon ends the connection without a message. */
		xr__fs_log(s, XR_FIX_LOG_ERROR, "first message is MsgType %s, not Logon: "
			"disconnecting", m->msg_type);
		s->want_close = true;
		return;
	}
	if (m->version != s->cfg.version) {
		xr__refuse(s, m, "BeginString differs from the session's", now);
		return;
	}
	if (!xr__fs_field_is(m, XR__T_SENDER, s->cfg.target, s->target_len) ||
	    !xr__fs_field_is(m, XR__T_TARGET, s->cfg.sender, s->sender_len)) {
		xr__refuse(s, m, "unknown SenderCompID/TargetCompID", now);
		return;
	}
	if (!xr_fix_get_u64(m, XR__T_MSG_SEQ_NUM, &seq) || seq == 0) {
		xr__refuse(s, m, "MsgSeqNum (34) missing or invalid", now);
		return;
	}
	if (!xr_fix_get_u64(m, XR__T_HEARTBT_INT, &hb) || hb < 1 || hb > 3600) {
		xr__refuse(s, m, "HeartBtInt (108) missing or not 1..3600", now);
		return;
	}
	s->cfg.heartbeat_s = (uint32_t)hb;
	xr_fix_get_char(m, XR__T_RESET_SEQ_NUM, &reset);
	if (reset == 'Y') {
		s->seq->next_in = seq;
		s->seq->next_out = 1;
		s->epoch++;
		if (s->store != NULL)
			xr_fix_store_clear(s->store);
		s->rs_next = s->rs_stop = 0;
		xr__fs_log(s, XR_FIX_LOG_WARN, "counterparty reset MsgSeqNums (141=Y)");
	}
	if (seq < s->seq->next_in) {
		/* Vol. 2 "Logon": MsgSeqNum too low is a Logout, never a
		 * Logon answer. */
		xr__fs_too_low(s, seq, now);
		return;
	}
	xr__fs_send_logon(s, reset == 'Y', now);
	xr__fs_logged_on(s, seq, now);
}

/*
 * Acceptor, ACTIVE: a message with a good CheckSum that xr_fix_parse()
 * refused (@p why BAD_FIELD: a tag not a number, no '=', an empty value).
 * If its MsgSeqNum (34) can be read and is the one expected, it is
 * answered with a session Reject, SessionRejectReason 0 "Invalid tag
 * number" or 4 "Tag specified without a value" with RefTagID, and its
 * MsgSeqNum counts as received (FIX 4.4 Vol. 2, "Reject": the rejected
 * message's MsgSeqNum is consumed, so the sequence stays consistent).
 * Anything else is only dropped; the sequence check asks for it again.
 * @return true if rejected.
 */
bool
xr__fs_reject_garbled(struct xr_fix_session *s, const char *b, size_t len, enum xr_fix_error why,
		   uint64_t now)
{
	uint64_t seq = 0;
	uint32_t bad_tag = 0, reason = 0;
	bool bad = false;
	char type[3] = "";

	if (s->cfg.role != XR_FIX_ROLE_ACCEPTOR || s->state != XR_FIX_S_ACTIVE ||
	    why != XR_FIX_BAD_FIELD)
		return false;
	for (size_t i = 0; i < len;) {
		size_t j = i, eq;
		uint64_t tag = 0;
		while (j < len && b[j] != XR_FIX_SOH)
			j++;
		for (eq = i; eq < j && b[eq] >= '0' && b[eq] <= '9' && tag < 100000000u; eq++)
			tag = tag * 10 + (uint64_t)(b[eq] - '0');
		if (!bad && (eq == i || eq >= j || b[eq] != '=' || b[i] == '0')) {
			bad = true; /* SessionRejectReason 0: Invalid tag number */
			reason = 0;
			bad_tag = eq > i && eq < j && b[eq] == '=' ? (uint32_t)tag : 0;
		} else if (!bad && eq + 1 == j) {
			bad = true; /* 4: Tag specified without a value */
			reason = 4;
			bad_tag = (uint32_t)tag;
		} else if (eq < j && b[eq] == '=' && tag == XR__T_MSG_SEQ_NUM) {
			seq = 0;
			for (size_t k = eq + 1; k < j && b[k] >= '0' && b[k] <= '9'; k++)
				seq = seq * 10 + (uint64_t)(b[k] - '0');
		} else if (eq < j && b[eq] == '=' && tag == 35 && j - eq - 1 <= 2) {
			memcpy(type, b + eq + 1, j - eq - 1);
			type[j - eq - 1] = '\0';
		}
		i = j + 1;
	}
	if (!bad || seq == 0 || seq != s->seq->next_in)
		return false;
	xr_fix_session_reject(s, seq, type, bad_tag, reason,
			      reason == 4 ? "Tag specified without a value" : "Invalid tag number",
			      now);
	xr__fs_advance(s, seq + 1, now);
	return true;
}
