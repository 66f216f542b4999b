/*
 * Private to connectors/fix/fix_session*.c: the session-level tags and
 * the helpers the shared state machine (fix_session.c), the acceptor
 * role (fix_session_acceptor.c) and the resend (fix_session_resend.c)
 * share. Not a public header.
 */
#ifndef XR_FIX_SESSION_PVT_H
#define XR_FIX_SESSION_PVT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xr_fix.h"
#include "xr_fix_session.h"

/* Session-level tags (FIX 4.4 Volume 2). */
enum {
	XR__T_BEGIN_SEQ_NO = 7,
	XR__T_END_SEQ_NO = 16,
	XR__T_MSG_SEQ_NUM = 34,
	XR__T_POSS_DUP = 43,
	XR__T_REF_SEQ_NUM = 45,
	XR__T_SENDER = 49,
	XR__T_SENDING_TIME = 52,
	XR__T_TARGET = 56,
	XR__T_TEXT = 58,
	XR__T_NEW_SEQ_NO = 36,
	XR__T_ENCRYPT_METHOD = 98,
	XR__T_HEARTBT_INT = 108,
	XR__T_TEST_REQ_ID = 112,
	XR__T_ORIG_SENDING_TIME = 122,
	XR__T_GAP_FILL = 123,
	XR__T_RESET_SEQ_NUM = 141,
	XR__T_REF_TAG_ID = 371,
	XR__T_REF_MSG_TYPE = 372,
	XR__T_SESSION_REJECT_REASON = 373,
	XR__T_BUSINESS_REJECT_REASON = 380,
};

/* SessionRejectReason (373) values used here. */
enum {
	XR__SRR_VALUE_INCORRECT = 5,
	XR__SRR_COMPID_PROBLEM = 9,
};

/* A log line through the owner; printf-formatted, cut at 255 bytes. */
__attribute__((format(printf, 3, 4))) void xr__fs_log(struct xr_fix_session *s,
						       enum xr_fix_log_level lvl,
						       const char *fmt, ...);
/* Finish and queue @p w; @p take: the message uses next_out. */
int xr__fs_finish(struct xr_fix_session *s, struct xr_fix_writer *w, bool take, uint64_t *seq,
		  uint64_t now);
/* Logon (35=A); @p reset: with ResetSeqNumFlag (141=Y). */
void xr__fs_send_logon(struct xr_fix_session *s, bool reset, uint64_t now);
/* Logout with @p text and close once it is queued (a protocol error). */
void xr__fs_abort(struct xr_fix_session *s, const char *text, uint64_t now);
/* Is field @p tag of @p m exactly @p want? */
bool xr__fs_field_is(const struct xr_fix_msg *m, uint32_t tag, const char *want,
		     uint32_t want_len);
/* MsgSeqNum @p seq below the one expected, no PossDupFlag: Logout. */
void xr__fs_too_low(struct xr_fix_session *s, uint64_t seq, uint64_t now);
/* A Logon with MsgSeqNum @p seq accepted: ACTIVE, ResendRequest if high. */
void xr__fs_logged_on(struct xr_fix_session *s, uint64_t seq, uint64_t now);
/* next_in moves to @p to (ends or narrows our ResendRequest). */
void xr__fs_advance(struct xr_fix_session *s, uint64_t to, uint64_t now);

/* Begin a message of @p type with MsgSeqNum @p seq_no in @p buf (any
 * state, XR_FIX_MAX_MSG bytes): the standard header. */
void xr__fs_begin_in(struct xr_fix_session *s, struct xr_fix_writer *w, char *buf,
		     const char *type, uint64_t seq_no, uint64_t now);
/* The same at the end of tx. @return 0, or -ENOBUFS (no room for a whole
 * message). */
int xr__fs_begin(struct xr_fix_session *s, struct xr_fix_writer *w, const char *type,
		 uint64_t seq_no, uint64_t now);

/* fix_session_resend.c. With a store: continue the resend in progress as
 * far as tx has room. */
void xr__fs_resend_pump(struct xr_fix_session *s, uint64_t now);
/* MsgSeqNums restart at 1: empty the store, end any resend. */
void xr__fs_store_reset(struct xr_fix_session *s);
/* The counterparty's ResendRequest @p m (header, "Resend"). */
void xr__fs_on_resend_request(struct xr_fix_session *s, const struct xr_fix_msg *m,
			      uint64_t now);

/* Acceptor (fix_session_acceptor.c): the first message of a connection. */
void xr__fs_acceptor_logon(struct xr_fix_session *s, const struct xr_fix_msg *m, uint64_t now);
/* Acceptor: Reject a garbled message at the expected MsgSeqNum.
 * @return true if rejected (its MsgSeqNum consumed). */
bool xr__fs_reject_garbled(struct xr_fix_session *s, const char *b, size_t len,
			   enum xr_fix_error why, uint64_t now);

#endif /* XR_FIX_SESSION_PVT_H */
