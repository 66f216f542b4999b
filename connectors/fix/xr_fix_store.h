/*
 * xr_fix_store: the outbound message store of a FIX session, for a session
 * that must resend its application messages (a venue resends its
 * ExecutionReports; xroute's own initiator keeps no store and gap-fills,
 * xr_fix_session.h "Resend").
 *
 * DESIGN
 *   One file, mapped shared: a 64-byte header (magic, version, slot size,
 *   slot count) and n_slots fixed-size slots. The message with MsgSeqNum
 *   S lives in slot S mod n_slots, so the store holds the newest n_slots
 *   MsgSeqNums; an older message is overwritten (evicted) by the one
 *   n_slots later, and a lookup is one slot read. A slot keeps the
 *   message's MsgSeqNum, MsgType, original SendingTime and its body: the
 *   fields after the standard header, exactly as sent (a resend writes a
 *   new header with PossDupFlag and OrigSendingTime, then the same body).
 *   Admin messages are never stored: their MsgSeqNums read as absent.
 *
 * DURABILITY
 *   The mapping is the page cache: a message put is in the file as soon as
 *   the call returns, whatever happens to the process afterwards (kill -9
 *   included); only a crash of the machine can lose it (no msync). A put
 *   clears the slot's MsgSeqNum first and writes it last, so a process
 *   killed in the middle of one leaves an empty slot, never a torn message.
 *
 * GUARANTEES
 *   After open: no allocation, no syscalls, no locks. One thread (the
 *   session's owner) uses a store; the file is flock()ed, so a second
 *   process opening it is refused.
 */
#ifndef XR_FIX_STORE_H
#define XR_FIX_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Magic of a message store file ("XRFIXMSG" little-endian). */
#define XR_FIX_STORE_MAGIC UINT64_C(0x47534d5849465258)
/** Layout version of the file. */
#define XR_FIX_STORE_VERSION 1u
/** Bytes of one slot: its 32-byte header and up to 992 bytes of body. */
#define XR_FIX_STORE_SLOT 1024u
/** Most body bytes a slot holds (a longer message is not stored). */
#define XR_FIX_STORE_BODY_MAX (XR_FIX_STORE_SLOT - 32u)
/** Slots of a new store unless the caller says (4 MiB of file). */
#define XR_FIX_STORE_DEFAULT_SLOTS 4096u
/** Range of n_slots (a power of two is not required). */
#define XR_FIX_STORE_MIN_SLOTS 16u
#define XR_FIX_STORE_MAX_SLOTS (1u << 20)

struct xr_fix_store;

/**
 * Open (or create) the store file @p path and map it.
 *
 * @param n_slots  slots of a new file (XR_FIX_STORE_MIN_SLOTS..
 *                 XR_FIX_STORE_MAX_SLOTS; 0 = XR_FIX_STORE_DEFAULT_SLOTS);
 *                 an existing file keeps its own.
 * @param out      receives the store.
 * @param err      on failure "PATH: WHY" (err_len bytes): "not a message
 *                 store (bad magic)", "message store version 7, expected
 *                 1", "truncated: 1000 bytes, the header says 4194368",
 *                 "slot 12 is corrupt (MsgSeqNum 9 in the slot of 12 mod
 *                 16)", "in use by another process", an errno text.
 * @return 0; -EINVAL (bad n_slots, a file that is not a sound store);
 *         -EBUSY (locked by another process); -ENOMEM; -errno of open,
 *         ftruncate or mmap. Nothing is left open on failure.
 * Thread: any (control path: syscalls, allocates).
 */
int xr_fix_store_open(const char *path, uint32_t n_slots, struct xr_fix_store **out, char *err,
		      size_t err_len);

/** Unmap and close @p st (NULL accepted). Thread: the owner (control path). */
void xr_fix_store_close(struct xr_fix_store *st);

/**
 * Store application message @p seq: MsgType @p msg_type (1..2 chars),
 * original SendingTime @p sending_ns (ns since 1970-01-01 UTC) and its
 * body (@p len bytes: the fields after the standard header, each ending
 * in SOH). Replaces whatever its slot held (eviction of seq - n_slots).
 * @return 0; -EINVAL (seq 0, bad msg_type); -EMSGSIZE (len above
 *         XR_FIX_STORE_BODY_MAX: not stored, and the slot is emptied, so
 *         the MsgSeqNum reads as absent and is gap-filled).
 * Thread: the owner. No allocation, no syscalls.
 */
int xr_fix_store_put(struct xr_fix_store *st, uint64_t seq, const char *msg_type,
		     uint64_t sending_ns, const char *body, size_t len);

/**
 * Look message @p seq up.
 * @param msg_type    receives its MsgType, NUL-ended (3 bytes).
 * @param sending_ns  its original SendingTime (ns since 1970 UTC).
 * @param body, len   its body, inside the mapping: valid until the next
 *                    put or clear.
 * @return true if stored (not evicted, not an admin message).
 * Thread: the owner. O(1).
 */
bool xr_fix_store_get(const struct xr_fix_store *st, uint64_t seq, char msg_type[3],
		      uint64_t *sending_ns, const char **body, uint32_t *len);

/** Forget every message (MsgSeqNums restart: ResetSeqNumFlag). O(n_slots).
 * Thread: the owner. */
void xr_fix_store_clear(struct xr_fix_store *st);

/** @return the store's slot count (the MsgSeqNums it can hold). Thread: any. */
uint32_t xr_fix_store_slots(const struct xr_fix_store *st);

#endif /* XR_FIX_STORE_H */
