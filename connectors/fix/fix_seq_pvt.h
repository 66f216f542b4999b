/*
 * Private to connectors/fix/: the MsgSeqNum store file both FIX owners map
 * (the venue connector, fix_conn.c, and the order-entry gateway,
 * fix_gateway.c): one struct xr_fix_seq, mapped shared, so the numbers
 * survive a restart of xroute. Not a public header.
 */
#ifndef XR_FIX_SEQ_PVT_H
#define XR_FIX_SEQ_PVT_H

#include <stddef.h>

#include "xr_fix_session.h"

/**
 * Open (or create) the store @p path, lock it (flock, exclusive, not
 * blocking: two processes or two sessions on one file are refused) and map
 * it. A new file is sized to one struct xr_fix_seq and left zeroed
 * (xr_fix_session_init() then starts at 1/1).
 * @param fd   receives the open, locked descriptor.
 * @param seq  receives the mapping.
 * @param why  on failure, the cause ("in use by another process (...)",
 *             "not a sequence store (12 bytes, expected 32)"), why_len bytes.
 * @return 0, or -1 (nothing left open or mapped).
 * Thread: any (control path; syscalls).
 */
int xr__fix_seq_open(const char *path, int *fd, struct xr_fix_seq **seq, char *why,
		     size_t why_len);

/** Sync, unmap and close a store from xr__fix_seq_open(); fd < 0 or seq
 * NULL are skipped. Thread: any (control path). */
void xr__fix_seq_close(int fd, struct xr_fix_seq *seq);

#endif /* XR_FIX_SEQ_PVT_H */
