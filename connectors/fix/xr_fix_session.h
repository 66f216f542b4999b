/*
 * xr_fix_session: the FIX session layer (FIX 4.2/4.4, initiator or acceptor
 * role, cfg.role; one state machine, the roles differ at Logon only),
 * independent of the transport: bytes in (rx), bytes out (tx), callbacks
 * for application messages. The FIX connector (xr_fix_conn.h) moves the
 * bytes over a non-blocking TCP socket; tests feed them directly.
 *
 * PROTOCOL (FIX 4.4 specification, Volume 2, "FIX Session Protocol")
 *   Logon      connected() sends Logon (35=A, 98=0, 108=HeartBtInt, 141=Y
 *              if reset_on_logon). The session is ACTIVE when the venue's
 *              Logon arrives. A Logon whose MsgSeqNum is above the one
 *              expected is accepted and followed by a ResendRequest.
 *   Sequence   Every message carries MsgSeqNum (34). An incoming message:
 *              - == expected: processed, expected + 1;
 *              - >  expected: a gap; one ResendRequest (35=2, 7=expected,
 *                16=0) is sent and the message is dropped (the venue sends
 *                it again). A ResendRequest or Logout is still acted on.
 *              - <  expected with PossDupFlag (43=Y): a duplicate, ignored;
 *                without it: Logout "MsgSeqNum too low, expecting E but
 *                received R" and disconnect (the venue's store is behind
 *                ours: an operator must decide, the spec says).
 *              SequenceReset (35=4): GapFill (123=Y) moves expected to
 *              NewSeqNo (36) like a message in sequence; Reset mode moves it
 *              whatever MsgSeqNum says. NewSeqNo lower than expected is
 *              refused with a session Reject (373=5).
 *   Resend     Without a message store (xroute's initiator: the FIX
 *              connector and the gateway) every ResendRequest is answered
 *              with one SequenceReset-GapFill (43=Y, 122, 123=Y, 36 = next
 *              MsgSeqNum) over the whole range, so no stale order ever
 *              reaches a venue late, and the owner learns which of its
 *              messages the counterparty will never see (on_gap_fill):
 *              their orders are provably not live.
 *              With a store (xr_fix_session_set_store(), xr_fix_store.h; a
 *              venue, which must resend its ExecutionReports), the range
 *              [BeginSeqNo, EndSeqNo] (0, or 999999 in FIX 4.2, or past
 *              our last: up to it) is answered message by message, FIX 4.4
 *              Vol. 2 "Message Recovery" and "PossDupFlag": each stored
 *              application message again with its original MsgSeqNum,
 *              PossDupFlag 43=Y, OrigSendingTime 122 = its first
 *              SendingTime and a new SendingTime; each run of MsgSeqNums
 *              not in the store (admin messages, evicted or unstorable
 *              ones) as one SequenceReset-GapFill (MsgSeqNum = the run's
 *              first, 123=Y, 36 = the MsgSeqNum after it), reported by
 *              on_gap_fill. The resend goes into tx as far as it has room
 *              and is continued by xr_fix_session_tick() once the owner
 *              has flushed; messages begun meanwhile are only stored (see
 *              xr_fix_session_begin()) and go out with it, in MsgSeqNum
 *              order. A new ResendRequest restarts it from its BeginSeqNo.
 *   Heartbeat  A Heartbeat (35=0) after HeartBtInt seconds without sending;
 *              a TestRequest (35=1) after HeartBtInt + 20% without
 *              receiving, and disconnect when it stays unanswered for
 *              another HeartBtInt. A TestRequest is answered with a
 *              Heartbeat carrying its TestReqID (112).
 *   Logout     logout() sends Logout (35=5) and waits for the venue's, at
 *              most logout_timeout_ns; a venue's Logout is answered and the
 *              connection closed.
 *   Checks     CompIDs (49 must be our TargetCompID, 56 our SenderCompID)
 *              and BeginString: a mismatch is a session Reject (373=9) and
 *              Logout. Missing MsgSeqNum: Logout. Framing errors
 *              (xr_fix_frame_max(), cap max_frame_bytes) drop the bad
 *              bytes up to the next "8=FIX", across reads: the rest of an
 *              oversize message arriving later is part of the same drop,
 *              not new garbage. Each drop is counted once by kind
 *              (frame_errors) and logged, at most XR_FIX_DROP_LOG_PER_S
 *              lines a second (the next line says how many were left
 *              out); the sequence check then asks
 *              again for anything lost with it.
 *   Escalation A ResendRequest that has not narrowed the gap within
 *              resend_timeout_ns (any message in sequence, or a GapFill,
 *              restarts the wait) escalates: a TestRequest (the venue
 *              must show it is alive); another resend_timeout_ns later,
 *              Logout and reconnect (the owner's backoff), after which the
 *              venue's Logon above next_in asks for the gap again. If the
 *              same gap (same next_in, same epoch) goes unanswered through
 *              its TestRequest again on the next session, the venue cannot
 *              fill it: it resends a message we cannot take (oversize), or
 *              nothing at all. Its first MsgSeqNum is given up and the rest
 *              asked for again; if that brings nothing within
 *              resend_timeout_ns, the whole gap is given up: next_in moves
 *              past the highest MsgSeqNum received. Either way an error
 *              line names the MsgSeqNums lost (gaps_skipped, msgs_skipped)
 *              and the session goes on. FIX has no rule for a gap that is
 *              never filled; the connector takes fills from CumQty, so a
 *              lost report is made good by the order's next report or
 *              status answer. Every step counts in escalations.
 *
 *   Acceptor   (cfg.role XR_FIX_ROLE_ACCEPTOR; FIX 4.4 Vol. 2, "Logon" and
 *              the session-level test cases "Receive Logon message")
 *              connected() sends nothing and waits (LOGON_WAIT, at most
 *              logon_timeout_ns) for the counterparty's Logon. A first
 *              message that is not a Logon: disconnect without a message.
 *              A Logon with a BeginString, SenderCompID or TargetCompID
 *              other than the configured session's, or a HeartBtInt (108)
 *              out of 1..3600: Logout with Text, then close (that
 *              Logout takes no MsgSeqNum and goes to the CompID the Logon
 *              came from; Vol. 2 "Logon" makes it optional because it
 *              would consume one). Otherwise we
 *              answer with Logon carrying the initiator's HeartBtInt
 *              (it declares the interval; we adopt it) and echo 141=Y
 *              when it asked to reset (both MsgSeqNums restart at 1).
 *              After that both roles are the same code: sequence rules,
 *              resend, heartbeats, Logout. The acceptor also answers a
 *              garbled message whose CheckSum is good (bad tag, empty
 *              value) and whose MsgSeqNum is the expected one with a
 *              session Reject (373=0 or 4, RefTagID) and counts the
 *              MsgSeqNum as used (Vol. 2 "Reject"); bad CheckSum or
 *              framing is dropped, never rejected (Vol. 2, "garbled
 *              messages" are ignored), for both roles.
 *
 *   MsgSeqNums live in a struct xr_fix_seq (the connector maps it from
 *   the session's store file, so they survive a restart of xroute).
 *
 * GUARANTEES
 *   No allocation, no syscalls, no locks: one thread (the venue's execute
 *   stage) owns a session. SendingTime comes from the caller's clock plus
 *   a realtime offset set at init (xr_fix_session_set_clock()).
 */
#ifndef XR_FIX_SESSION_H
#define XR_FIX_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xr_fix.h"
#include "xr_fix_store.h"

/** Longest incoming message a session accepts unless configured (bytes). */
#define XR_FIX_FRAME_DEFAULT 16384u
/** Log lines a second about malformed input (more are counted only). */
#define XR_FIX_DROP_LOG_PER_S 5u
/** How long a ResendRequest may go unanswered unless configured (ns). */
#define XR_FIX_RESEND_TIMEOUT_DEFAULT_NS UINT64_C(2000000000)
/** Send buffer of a session (bytes): orders queue here while the socket is
 * full; a message that does not fit is refused (-ENOBUFS). */
#define XR_FIX_TX_CAP (256 * 1024)
/** Longest CompID (bytes). */
#define XR_FIX_COMPID_MAX 31

/** Magic of a sequence store ("XRFIXSEQ" little-endian). */
#define XR_FIX_SEQ_MAGIC UINT64_C(0x5145535849465258)

/**
 * The persisted MsgSeqNums of one session (the store file's whole
 * content, mapped shared). Written by the session's thread only.
 */
struct xr_fix_seq {
	uint64_t magic;	   /* XR_FIX_SEQ_MAGIC */
	uint64_t next_out; /* MsgSeqNum of the next message we send, >= 1 */
	uint64_t next_in;  /* MsgSeqNum expected next from the venue, >= 1 */
	uint64_t in_handed; /* every venue message below this MsgSeqNum has
			     * had its events taken by the engine and, with
			     * a journal, journaled (0: none yet); the FIX
			     * connector sets it (fix_conn.c "HANDED"), the
			     * session never reads it */
};

/** Session state. */
enum xr_fix_state {
	XR_FIX_S_DOWN = 0,    /* no connection */
	XR_FIX_S_LOGON_SENT,  /* connected, our Logon sent, waiting for theirs */
	XR_FIX_S_ACTIVE,      /* logged on */
	XR_FIX_S_LOGOUT_SENT, /* our Logout sent, waiting for theirs */
	XR_FIX_S_LOGON_WAIT,  /* acceptor: connected, waiting for their Logon */
};

/** Session role (cfg.role). */
enum xr_fix_role {
	XR_FIX_ROLE_INITIATOR = 0, /* we connect and send Logon first */
	XR_FIX_ROLE_ACCEPTOR,	   /* the counterparty sends Logon first */
};

/** Counters of a session (monotonic; read by the owning thread). */
struct xr_fix_session_stats {
	uint64_t msgs_in, msgs_out;
	uint64_t bytes_dropped;	    /* dropped by framing errors */
	uint64_t frame_errors[XR_FIX_ERRORS]; /* by enum xr_fix_error */
	uint64_t resend_requests_sent, resend_requests_received;
	uint64_t gap_fills_sent, gap_fills_received, seq_resets_received;
	uint64_t dups_ignored;	    /* PossDup below expected */
	uint64_t too_high_dropped;  /* above expected, dropped awaiting resend */
	uint64_t seq_too_low;	    /* below expected, no PossDup: logout */
	uint64_t rejects_sent;	    /* session Rejects (35=3) we sent */
	uint64_t test_requests_sent, heartbeat_timeouts;
	uint64_t logons, logouts_received;
	uint64_t logons_refused;    /* acceptor: Logons answered with Logout */
	uint64_t escalations;	    /* steps taken for an unanswered ResendRequest:
				     * TestRequest, Logout, gap skipped */
	uint64_t resend_logouts;    /* ... of which Logouts (then reconnect) */
	uint64_t gaps_skipped;	    /* ... of which gaps given up (MsgSeqNums lost) */
	uint64_t msgs_skipped;	    /* MsgSeqNums in the gaps given up */
	uint64_t msgs_resent;	    /* stored messages resent (43=Y), store only */
	uint64_t msgs_stored_only;  /* messages stored while down or resending,
				     * sent only by a resend */
	uint64_t store_misses;	    /* messages too long for a store slot: their
				     * MsgSeqNum will be gap-filled */
};

/** Severity of a session log line. */
enum xr_fix_log_level {
	XR_FIX_LOG_INFO = 0,
	XR_FIX_LOG_WARN,
	XR_FIX_LOG_ERROR,
};

/** What a session calls back into its owner. ctx is the owner's. */
struct xr_fix_session_ops {
	/**
	 * An application message in sequence, or a session Reject (35=3):
	 * the owner decodes it. @p poss_dup: PossDupFlag was Y (a resend).
	 * The owner may answer it (xr_fix_session_reject(), ..._bmr()).
	 */
	void (*on_app)(void *ctx, const struct xr_fix_msg *m, uint64_t seq, bool poss_dup,
		       uint64_t now_ns);
	/**
	 * Our messages with MsgSeqNum in [begin, end) were gap-filled: the
	 * venue will never process them.
	 */
	void (*on_gap_fill)(void *ctx, uint64_t begin, uint64_t end);
	/** The session became ACTIVE (up = true) or left it (up = false). */
	void (*on_state)(void *ctx, bool up, uint64_t now_ns);
	/** A session event worth a log line (NUL-ended, no newline). */
	void (*on_log)(void *ctx, enum xr_fix_log_level lvl, const char *text);
};

/** Session settings (from the venue's config). */
struct xr_fix_session_cfg {
	uint8_t version;			/* enum xr_fix_version */
	uint8_t role;				/* enum xr_fix_role (0 = initiator) */
	char sender[XR_FIX_COMPID_MAX + 1];	/* SenderCompID (49) */
	char target[XR_FIX_COMPID_MAX + 1];	/* TargetCompID (56) */
	uint32_t heartbeat_s;			/* HeartBtInt (108), 1..3600 s; an
						 * acceptor adopts the initiator's */
	bool reset_on_logon;			/* send ResetSeqNumFlag (141=Y);
						 * initiator only */
	uint64_t logon_timeout_ns;		/* LOGON_SENT at most this long */
	uint64_t logout_timeout_ns;		/* LOGOUT_SENT at most this long */
	uint64_t resend_timeout_ns;		/* a ResendRequest without progress
						 * this long escalates; 0 = default
						 * XR_FIX_RESEND_TIMEOUT_DEFAULT_NS */
	uint32_t max_frame_bytes;		/* longest incoming message (bytes,
						 * XR_FIX_FRAME_MIN..XR_FIX_FRAME_MAX);
						 * 0 = XR_FIX_FRAME_DEFAULT */
};

/** One FIX session. Large (buffers inline): allocate it. */
struct xr_fix_session {
	struct xr_fix_session_cfg cfg;
	const struct xr_fix_session_ops *ops;
	void *ctx;
	struct xr_fix_seq *seq;	/* persisted MsgSeqNums (not owned) */
	uint8_t state;		/* enum xr_fix_state */
	bool want_close;	/* the owner must close the connection */
	bool test_pending;	/* a TestRequest is unanswered */
	uint64_t test_ns;	/* ... sent then */
	bool resend_pending;	/* our ResendRequest is outstanding */
	uint64_t resend_until;	/* ... until next_in passes this MsgSeqNum */
	uint64_t resend_ns;	/* ... sent, or the gap last narrowed, then */
	uint8_t resend_stage;	/* escalation steps taken since (0, 1) */
	bool resync;		/* dropping bytes up to the next "8=FIX" */
	uint64_t drop_log_ns;	/* malformed-input log lines: this second's
				 * start, ... */
	uint32_t drop_log_lines; /* ... lines written in it, ... */
	uint32_t drop_log_skipped; /* ... and not written since the last */
	uint64_t gap_from;	/* next_in when a gap last cost a Logout ... */
	uint32_t gap_epoch;	/* ... in this epoch */
	uint64_t skip_from;	/* next_in after its first MsgSeqNum was given
				 * up and the rest asked for again ... */
	uint32_t skip_epoch;	/* ... in this epoch */
	uint64_t state_ns;	/* when state was entered */
	uint64_t last_in_ns;	/* last byte-complete message received */
	uint64_t last_out_ns;	/* last message sent */
	uint64_t test_seq;	/* TestReqID counter */
	uint32_t epoch;		/* + 1 whenever MsgSeqNums restart at 1: a
				 * MsgSeqNum names a message only within one */
	int64_t wall_offset_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	uint32_t sender_len, target_len;
	struct xr_fix_session_stats st;
	struct xr_fix_store *store; /* outbound messages, or NULL (not owned) */
	uint64_t rs_next;	/* resend in progress: next MsgSeqNum, ... */
	uint64_t rs_stop;	/* ... up to this one, exclusive; 0 = none */
	bool spooling;		/* the message begun goes to the store only */
	uint32_t body_off;	/* the begun message's body: offset in its writer */
	char out_type[3];	/* its MsgType */
	uint64_t out_sending_ns; /* its SendingTime (ns since 1970 UTC) */
	uint32_t rx_len;	/* bytes in rx */
	uint32_t tx_len;	/* bytes in tx, not yet sent */
	uint32_t rx_cap;	/* bytes of rx: 2 * max_frame_bytes */
	char tx[XR_FIX_TX_CAP];
	char spool[XR_FIX_MAX_MSG]; /* a message being stored only */
	char rx[];		/* rx_cap bytes (xr_fix_session_size()) */
};

/**
 * Bytes to allocate for a session whose cfg has @p max_frame_bytes (0 =
 * XR_FIX_FRAME_DEFAULT): the struct and a receive buffer of two whole
 * messages. Thread: any.
 */
size_t xr_fix_session_size(uint32_t max_frame_bytes);

/**
 * Initialise @p s (state DOWN), which has xr_fix_session_size(
 * cfg->max_frame_bytes) bytes. @p seq must outlive the session; a zeroed
 * or foreign store is reset to MsgSeqNums 1/1.
 * @return 0, or -EINVAL (CompID empty or too long, HeartBtInt out of
 *         1..3600, version or role unknown, max_frame_bytes out of range).
 * Thread: any, before the session is used.
 */
int xr_fix_session_init(struct xr_fix_session *s, const struct xr_fix_session_cfg *cfg,
			struct xr_fix_seq *seq, const struct xr_fix_session_ops *ops, void *ctx);

/**
 * Set the realtime offset SendingTime (52) is computed with:
 * SendingTime = now_ns + @p wall_offset_ns, ns since 1970-01-01 UTC.
 * Thread: the owner's.
 */
void xr_fix_session_set_clock(struct xr_fix_session *s, int64_t wall_offset_ns);

/**
 * @return CLOCK_REALTIME - CLOCK_MONOTONIC now (ns): the offset that makes
 *         a monotonic time (xr_now_ns()) a UTC one, for
 *         xr_fix_session_set_clock() and TransactTime. Two clock reads.
 * Thread: any; control path.
 */
int64_t xr_fix_wall_offset_ns(void);

/**
 * The transport connected: clear rx/tx and send Logon (state LOGON_SENT).
 * With reset_on_logon both MsgSeqNums restart at 1. Acceptor role: send
 * nothing, wait for the counterparty's Logon (state LOGON_WAIT).
 * Thread: the owner's. No allocation.
 */
void xr_fix_session_connected(struct xr_fix_session *s, uint64_t now_ns);

/**
 * The transport is gone (the owner closed it): state DOWN, rx/tx cleared.
 * Thread: the owner's.
 */
void xr_fix_session_disconnected(struct xr_fix_session *s, uint64_t now_ns);

/**
 * Process the complete messages in rx (the owner appended received bytes
 * at rx + rx_len and advanced rx_len). Stops early, keeping the rest, when
 * @p max_msgs messages were processed (the owner's event room). Answers go
 * to tx; want_close is set when the connection must end.
 * @return messages processed.
 * Thread: the owner's. No allocation.
 */
uint32_t xr_fix_session_input(struct xr_fix_session *s, uint64_t now_ns, uint32_t max_msgs);

/**
 * Timers: Heartbeat, TestRequest, heartbeat timeout, Logon and Logout
 * timeouts (these set want_close), and the escalation of an unanswered
 * ResendRequest (header comment, "Escalation"). With a store, first the
 * continuation of a resend that tx had no room for.
 * Thread: the owner's.
 */
void xr_fix_session_tick(struct xr_fix_session *s, uint64_t now_ns);

/**
 * Give session @p s an outbound message store (header comment, "Resend"):
 * from now on every application message sent is stored by MsgSeqNum, and
 * ResendRequests are answered from it. @p st (NULL: none, GapFill only)
 * must outlive the session; it is cleared whenever MsgSeqNums restart at
 * 1 (ResetSeqNumFlag).
 * Thread: the owner's, before the session is connected.
 */
void xr_fix_session_set_store(struct xr_fix_session *s, struct xr_fix_store *st);

/**
 * Start an application message of @p msg_type in tx: the header (8, 9,
 * 35, 49, 56, 34, 52) is written; the caller appends body fields with
 * xr_fix_put_*() on @p w, then calls xr_fix_session_send().
 * With a store, a message begun while the session is not ACTIVE, or while
 * a resend is in progress, is written aside and only stored by send(): it
 * takes its MsgSeqNum and reaches the counterparty with the resend it
 * asks for (after its Logon above our MsgSeqNum), or with the one in
 * progress. That is how a venue's reports survive its client's absence.
 * Likewise, with a store, a message that finds tx full is stored and goes
 * out (43=Y) from xr_fix_session_tick() once the owner has flushed.
 * @return 0; -ENOTCONN not ACTIVE (without a store); -ENOBUFS tx has no
 *         room for a whole message (without a store; nothing was written).
 * Thread: the owner's. No allocation.
 */
int xr_fix_session_begin(struct xr_fix_session *s, struct xr_fix_writer *w,
			 const char *msg_type, uint64_t now_ns);

/**
 * Finish the message begun with xr_fix_session_begin() and queue it in tx
 * (and put it in the store, if any; one that does not fit a slot is
 * counted in store_misses and logged, and will be gap-filled).
 * @param seq  receives its MsgSeqNum (may be NULL).
 * @return 0; -ENOBUFS it did not fit (nothing queued, MsgSeqNum unused).
 * Thread: the owner's. No allocation.
 */
int xr_fix_session_send(struct xr_fix_session *s, struct xr_fix_writer *w, uint64_t *seq,
			uint64_t now_ns);

/**
 * Send a session Reject (35=3) of the message @p ref_seq of type
 * @p ref_type: RefTagID (371, 0 = none), SessionRejectReason (373) and
 * Text (58). Counted in rejects_sent.
 */
void xr_fix_session_reject(struct xr_fix_session *s, uint64_t ref_seq, const char *ref_type,
			   uint32_t ref_tag, uint32_t reason, const char *text, uint64_t now_ns);

/**
 * Send a BusinessMessageReject (35=j) of message @p ref_seq of type
 * @p ref_type with BusinessRejectReason (380) and Text (58).
 */
void xr_fix_session_bmr(struct xr_fix_session *s, uint64_t ref_seq, const char *ref_type,
			uint32_t reason, const char *text, uint64_t now_ns);

/**
 * Send Logout (35=5) with @p text (may be NULL) and wait for the venue's
 * (state LOGOUT_SENT; want_close when it comes or logout_timeout_ns
 * passes). Not ACTIVE: want_close at once.
 */
void xr_fix_session_logout(struct xr_fix_session *s, const char *text, uint64_t now_ns);

/** @return "down", "logon_sent", "active", "logout_sent", "logon_wait".
 * Thread: any. */
const char *xr_fix_state_name(enum xr_fix_state st);

#endif /* XR_FIX_SESSION_H */
