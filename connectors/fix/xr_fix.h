/*
 * FIX tag=value codec (FIX 4.2 and 4.4): framing, parsing and encoding of
 * one message at a time in caller memory, with no allocation, no locale
 * and no syscall, for the execute stage's hot path (docs/connectors.md
 * "FIX").
 *
 * WIRE FORMAT (FIX 4.4 specification, Volume 2 "Message Format")
 *   8=FIX.4.4<SOH>9=<BodyLength><SOH>35=<MsgType><SOH>...<SOH>10=<CheckSum><SOH>
 *   - BeginString (8), BodyLength (9) and MsgType (35) are the first three
 *     fields, in that order; CheckSum (10) is the last.
 *   - BodyLength: bytes from the first byte after BodyLength's SOH up to
 *     and including the SOH before "10=".
 *   - CheckSum: the sum of every byte before "10=" (BeginString's "8"
 *     through that SOH) modulo 256, as exactly three digits.
 *   - A tag is a positive integer without leading zeros; a value is any
 *     bytes but SOH, at least one.
 *
 * PARSED VIEW
 *   struct xr_fix_msg keeps (tag, offset, length) per field, pointing into
 *   the caller's buffer, which must outlive it. Lookups are linear: the
 *   messages xroute reads have a few dozen fields.
 */
#ifndef XR_FIX_H
#define XR_FIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The field separator, SOH (0x01). */
#define XR_FIX_SOH '\x01'
/** Most fields a parsed message holds. */
#define XR_FIX_MAX_FIELDS 128
/** Longest message written, and accepted by xr_fix_frame() (bytes, trailer
 * included). A session accepts up to its max_frame_bytes
 * (xr_fix_frame_max()). */
#define XR_FIX_MAX_MSG 4096
/** Range of the longest message a session accepts (bytes; max_frame_bytes). */
#define XR_FIX_FRAME_MIN 1024u
#define XR_FIX_FRAME_MAX (1024u * 1024u)
/** Headroom a writer keeps before the body for 8= and 9= (bytes). */
#define XR_FIX_HEAD 24

/** FIX versions (BeginString, tag 8). */
enum xr_fix_version {
	XR_FIX_42 = 0, /* "FIX.4.2" */
	XR_FIX_44,     /* "FIX.4.4" */
	XR_FIX_VERSIONS
};

/** Why a message was refused (xr_fix_frame(), xr_fix_parse()). */
enum xr_fix_error {
	XR_FIX_OK = 0,
	XR_FIX_GARBAGE,		/* does not start with "8=" */
	XR_FIX_BAD_BEGIN,	/* BeginString is not FIX.4.2 or FIX.4.4 */
	XR_FIX_BAD_BODYLENGTH,	/* 9= missing, not second, or not a number */
	XR_FIX_LENGTH_MISMATCH, /* "10=" is not where BodyLength says */
	XR_FIX_BAD_CHECKSUM,	/* CheckSum is not 3 digits or does not match */
	XR_FIX_OVERSIZE,	/* longer than the cap (XR_FIX_MAX_MSG or
				 * xr_fix_frame_max()'s max_len) */
	XR_FIX_BAD_FIELD,	/* a tag not a number, no '=', an empty value */
	XR_FIX_TOO_MANY_FIELDS, /* more than XR_FIX_MAX_FIELDS */
	XR_FIX_NO_MSGTYPE,	/* 35= is not the third field */
	XR_FIX_ERRORS
};

/** One field of a parsed message: value = msg->buf[off .. off + len). */
struct xr_fix_field {
	uint32_t tag;
	uint32_t off;
	uint32_t len;
};

/** A parsed message (a view into the caller's buffer). */
struct xr_fix_msg {
	const char *buf;	/* the framed message, not owned */
	uint32_t len;		/* its bytes, CheckSum's SOH included */
	uint32_t n;		/* fields, 8 9 35 ... 10 in wire order */
	uint8_t version;	/* enum xr_fix_version */
	char msg_type[3];	/* MsgType (35), 1..2 characters, NUL-ended */
	struct xr_fix_field f[XR_FIX_MAX_FIELDS];
};

/**
 * Find the end of the first message in @p buf (a receive buffer).
 *
 * @param buf, len  bytes received so far.
 * @param msg_len   on 1: the message's length; on -1: bytes to drop to
 *                  resynchronise (up to the next "8=FIX", or all of len).
 * @param why       on -1: the reason (GARBAGE, BAD_BEGIN, BAD_BODYLENGTH,
 *                  LENGTH_MISMATCH, BAD_CHECKSUM, OVERSIZE).
 * @return 1 a whole message, checksum verified; 0 need more bytes;
 *         -1 malformed.
 * Thread: any. Pure; O(message length).
 */
int xr_fix_frame(const char *buf, size_t len, size_t *msg_len, enum xr_fix_error *why);

/**
 * xr_fix_frame() with a cap of @p max_len bytes (trailer included,
 * XR_FIX_FRAME_MIN..XR_FIX_FRAME_MAX; other values are clamped to that
 * range) instead of XR_FIX_MAX_MSG. A message is refused OVERSIZE as soon
 * as its BodyLength says it is longer, before its body arrives; the drop
 * is then up to the next "8=FIX" in @p buf, and the rest of the message,
 * arriving later, is GARBAGE up to the next "8=FIX" (the session counts
 * that continuation as part of the same refusal).
 * Thread: any. Pure; O(message length).
 */
int xr_fix_frame_max(const char *buf, size_t len, size_t max_len, size_t *msg_len,
		     enum xr_fix_error *why);

/**
 * Parse a message xr_fix_frame() accepted (exactly its msg_len bytes)
 * into @p m: fields, version, MsgType. Lengths and the checksum are not
 * checked again; any bytes are safe (nothing is read outside len).
 * @return 0, or -1 with *why BAD_BEGIN, BAD_BODYLENGTH (9 not second),
 *         LENGTH_MISMATCH (no CheckSum last), BAD_FIELD, TOO_MANY_FIELDS
 *         or NO_MSGTYPE (35 not third, or longer than 2).
 * Thread: any. Pure; no allocation.
 */
int xr_fix_parse(const char *buf, size_t len, struct xr_fix_msg *m, enum xr_fix_error *why);

/** @return "garbage", "bad_checksum", ...; "ok". Thread: any. */
const char *xr_fix_error_name(enum xr_fix_error e);

/** @return the index of the first field @p tag in @p m, or -1. */
int xr_fix_find(const struct xr_fix_msg *m, uint32_t tag);

/**
 * Field @p tag as text: *s points into the message (not NUL-ended), *len
 * its length. @return true if present.
 */
bool xr_fix_get_str(const struct xr_fix_msg *m, uint32_t tag, const char **s, uint32_t *len);

/** Field @p tag as an unsigned integer (digits only, no sign, fits in 64
 * bits). @return true if present and valid. */
bool xr_fix_get_u64(const struct xr_fix_msg *m, uint32_t tag, uint64_t *v);

/** Field @p tag as a decimal in fixed point with @p decimals places
 * (xr_fixed_parse()). @return true if present and valid. */
bool xr_fix_get_fixed(const struct xr_fix_msg *m, uint32_t tag, int decimals, int64_t *v);

/** Field @p tag as one character (FIX "char": Side, OrdStatus, ExecType).
 * @return true if present and exactly one byte. */
bool xr_fix_get_char(const struct xr_fix_msg *m, uint32_t tag, char *c);

/**
 * A message being written into caller memory. Usage:
 *   xr_fix_begin(&w, buf, sizeof(buf), XR_FIX_44, "D");
 *   xr_fix_put_str(&w, 49, "XROUTE", 6); ... xr_fix_put_u64(&w, 34, seq);
 *   if (xr_fix_finish(&w, &out, &out_len) == 0) send(out, out_len);
 * The body is written after XR_FIX_HEAD bytes of headroom; finish() puts
 * 8= and 9= right before it and appends 10=, so nothing moves.
 */
struct xr_fix_writer {
	char *buf;
	size_t cap;
	size_t pos;		/* next byte to write */
	uint8_t version;
	bool overflow;		/* a put did not fit: finish() fails */
};

/** Start a message of @p msg_type (1..2 characters) in @p buf (@p cap
 * bytes, at least XR_FIX_HEAD + 16). Writes 35=. */
void xr_fix_begin(struct xr_fix_writer *w, char *buf, size_t cap, enum xr_fix_version v,
		  const char *msg_type);
/** Append tag=value with @p len bytes of @p s (no SOH in s). */
void xr_fix_put_str(struct xr_fix_writer *w, uint32_t tag, const char *s, size_t len);
/** Append @p len bytes of whole fields as they are ("tag=value<SOH>"...,
 * e.g. a stored message's body; not checked). */
void xr_fix_put_raw(struct xr_fix_writer *w, const char *fields, size_t len);
/** Append tag=decimal integer. */
void xr_fix_put_u64(struct xr_fix_writer *w, uint32_t tag, uint64_t v);
/** Append tag=one character. */
void xr_fix_put_char(struct xr_fix_writer *w, uint32_t tag, char c);
/** Append tag=fixed-point @p v with @p decimals places, trailing zeros
 * trimmed (xr_fixed_format(): 5000025000000, 8 -> "50000.25"). */
void xr_fix_put_fixed(struct xr_fix_writer *w, uint32_t tag, int64_t v, int decimals);
/**
 * Append tag=UTCTimestamp "YYYYMMDD-HH:MM:SS.sss" of @p unix_ns (ns since
 * 1970-01-01 UTC), computed without gmtime (days to civil date: H.
 * Hinnant, "chrono-Compatible Low-Level Date Algorithms").
 */
void xr_fix_put_time(struct xr_fix_writer *w, uint32_t tag, uint64_t unix_ns);
/**
 * Finish: BeginString and BodyLength before the body, CheckSum after.
 * @return 0 with *out / *out_len the whole message (inside buf), or
 *         -ENOSPC if a put did not fit (nothing usable was written).
 */
int xr_fix_finish(struct xr_fix_writer *w, const char **out, size_t *out_len);

#endif /* XR_FIX_H */
