/*
 * Private to connectors/fix/fix_venue*.c: the state of a simulated venue
 * behind a FIX acceptor (xr_fix_venue.h). fix_venue.c: create, session,
 * store files, the log; fix_venue_orders.c: the messages, the order
 * table and the ExecutionReports. Not a public header.
 */
#ifndef XR_FIX_VENUE_PVT_H
#define XR_FIX_VENUE_PVT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "xr_config.h"
#include "xr_connector.h"
#include "xr_fix_entry.h"
#include "xr_fix_venue.h"
#include "xr_u64map.h"

/** Magic of the ids file DIR/ids ("XRVENIDS" little-endian). */
#define XR__VENUE_IDS_MAGIC UINT64_C(0x5344494e45565258)
/** Sim events taken per poll. */
#define XR__VENUE_EV 64u
/** Least orders the venue remembers. */
#define XR__VENUE_MIN_ORDERS 1024u

/** The persisted counters (DIR/ids, mapped shared). */
struct xr__venue_ids {
	uint64_t magic;
	uint64_t next_order; /* OrderID of the next order, >= 1 */
	uint64_t next_exec;  /* ExecID of the next report, >= 1 */
	uint64_t pad;
};

/** One order the venue took (or remembers). */
struct xr__vorder {
	char clordid[XR_FIX_ID_MAX + 1];
	char cxl_clordid[XR_FIX_ID_MAX + 1]; /* the pending cancel's ClOrdID */
	uint64_t order_no;	/* OrderID, and the sim's ClOrdID; 0 = free */
	uint64_t hash;		/* of clordid: key in by_clordid */
	int64_t qty, px;	/* XR_QTY_SCALE, XR_PX_SCALE (px 0: market) */
	int64_t cum_qty;	/* filled */
	int64_t cum_notional;	/* their cash (qty * px / 10^8, summed) */
	uint16_t symbol;
	char side, ord_type, tif;
	char ord_status;	/* FIX OrdStatus now: 'A' until the sim's first word */
	bool open;		/* live at the sim */
	bool cxl_pending;
	bool known_symbol;	/* symbol names a listed symbol (log) */
};

struct xr_fix_venue {
	const struct xr_config *cfg;
	unsigned venue;
	struct xr_connector sim;
	struct xr_fix_session *s;
	struct xr_fix_seq *seq, mem_seq;
	int seq_fd;
	struct xr_fix_store *store;
	struct xr__venue_ids *ids, mem_ids;
	int ids_fd;
	FILE *log;
	int64_t wall_offset_ns;
	struct xr__vorder *o;		/* cap orders, a ring */
	uint32_t cap, next_slot;
	struct xr_u64map by_clordid;	/* hash of ClOrdID -> slot (uint32_t) */
	struct xr_u64map by_no;		/* order_no -> slot (uint32_t) */
	uint8_t listed[XR_MAX_SYMBOLS]; /* symbol id -> 1 if the venue has its book */
	struct xr_conn_event ev[XR__VENUE_EV];
	struct xr_fix_venue_stats st;
};

/* fix_venue_orders.c */
/** The session's callbacks (application messages, logs, state). */
extern const struct xr_fix_session_ops xr__venue_session_ops;
/** Turn one sim event into its reports. */
void xr__venue_on_event(struct xr_fix_venue *v, const struct xr_conn_event *e, uint64_t now);

/* fix_venue.c */
/** One log line; NULL fields are empty, qty/px fields < 0 are empty. */
void xr__venue_log(struct xr_fix_venue *v, uint64_t now, const char *event,
		   const struct xr__vorder *o, const char *clordid, const char *orig,
		   int64_t last_qty, int64_t last_px, const char *detail);

#endif /* XR_FIX_VENUE_PVT_H */
