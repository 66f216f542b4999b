/*
 * fix_gateway_pvt.h: what the order-entry gateway's files share (private
 * to connectors/fix/): the gateway, its sessions and their order tables.
 * fix_gateway.c has the sockets, Logon binding and poll; fix_gateway_orders.c
 * the orders, cancels and reports.
 */
#ifndef XR_FIX_GATEWAY_PVT_H
#define XR_FIX_GATEWAY_PVT_H

#include "xr_fix_gateway.h"

#include <stdbool.h>
#include <stdint.h>

#include "xr_fix.h"
#include "xr_fix_entry.h"
#include "xr_fix_session.h"
#include "xr_u64map.h"

#define XR__GW_NIL UINT32_MAX
/** Most orders a session remembers (max_orders_per_session). */
#define XR__GW_MAX_ORDERS (1u << 24)
/** Peer address text ("[v6]:port"). */
#define XR__GW_PEER 64

/** An order's state in its session's table. */
enum xr__gw_ostate {
	XR__GW_FREE = 0,
	XR__GW_PENDING, /* given to next(), no report yet */
	XR__GW_LIVE,	/* ER New sent (OrdStatus 0 or 1) */
	XR__GW_ENDED,	/* its final ER sent (Filled, Canceled, Rejected) or
			 * left open: a cancel is too late; on the ended list */
};

struct xr__gw_order {
	uint64_t order_no;	/* gateway order number, 0 = slot free */
	uint64_t key;		/* ClOrdID hash (ids map key) */
	xr_i128 cum_qpx;	/* sum of LastQty * LastPx (qty * px units) */
	int64_t order_qty;	/* OrderQty, XR_QTY_SCALE */
	int64_t cum_qty;	/* CumQty, XR_QTY_SCALE */
	uint32_t user;		/* as given to next() */
	uint32_t execs;		/* ExecIDs used */
	uint32_t prev, next;	/* ended list (oldest first) or free list */
	uint16_t symbol;
	uint8_t state;		/* enum xr__gw_ostate */
	char side;		/* Side (54) */
	char status;		/* OrdStatus (39) of the last ER, 0 = none */
	bool result;		/* the engine's result came */
	bool cxl_pending;	/* a cancel went to next(), no answer yet */
	char clordid[XR_FIX_ID_MAX + 1];
	char cxl_clordid[XR_FIX_ID_MAX + 1]; /* the pending cancel's ClOrdID */
	char symbol_name[XR_FIX_SYMBOL_MAX + 1];
};

struct xr_fix_gateway;

struct xr__gw_sess {
	struct xr_fix_gateway *gw;
	uint32_t idx;
	char name[XR_NAME_MAX + 1];
	char client[XR_FIX_COMPID_MAX + 1]; /* the client's SenderCompID */
	char us[XR_FIX_COMPID_MAX + 1];	    /* ours (its TargetCompID) */
	uint32_t default_user;
	uint32_t max_hb_s;	/* highest HeartBtInt accepted */
	struct xr_fix_session *s;
	struct xr_fix_seq *seq;	/* mapped store, or &mem_seq */
	struct xr_fix_seq mem_seq;
	int seq_fd;
	int fd;			/* bound connection, -1 if none */
	char peer[XR__GW_PEER];
	uint64_t log_ns;	/* log rate limit: this second's start, */
	uint32_t log_lines;	/* lines in it, */
	uint32_t log_skipped;	/* lines left out since the last */
	uint64_t rejects_seen;	/* s->st.rejects_sent already counted */
	uint64_t logons_refused_seen;
	/* Orders: a table of cap slots; ids: ClOrdID hash -> slot; nums:
	 * order number -> slot. Free slots on a list through next; ended
	 * ones on a list oldest first, reused when none is free. */
	struct xr__gw_order *o;
	uint32_t cap;
	uint32_t free_head;
	uint32_t old_head, old_tail;
	struct xr_u64map ids, nums;
};

/** One message for next(). */
struct xr__gw_out {
	struct xr_msg m;
	uint32_t session;
};

/** A connection without a session: waiting for its Logon, or lingering. */
struct xr__gw_pending {
	int fd;			/* -1 = slot free */
	bool linger;		/* closing: write side shut, draining */
	uint64_t since_ns;
	uint32_t len;
	char peer[XR__GW_PEER];
	char buf[2 * XR_FIX_GW_LOGON_MAX];
};

struct xr_fix_gateway {
	int lfd;
	uint16_t port;
	const struct xr_names *names;
	uint32_t n;
	struct xr__gw_sess *sess;
	struct xr__gw_pending *pend;	/* XR_FIX_GW_MAX_PENDING */
	struct xr__gw_out *outq;	/* ring of outq_cap */
	uint32_t outq_cap, outq_head, outq_n;
	uint32_t rr;			/* first session of the next poll */
	uint64_t next_order;		/* order numbers handed out */
	uint64_t now_ns;		/* of the running poll */
	int64_t wall_offset_ns;
	xr_fix_gateway_log_fn log_fn;
	void *log_ctx;
	uint64_t log_ns;		/* rate limit of lines without a session */
	uint32_t log_lines, log_skipped;
	struct xr_fix_gateway_stats st;
};

/* A log line about session @p gs (NULL: a connection without one), with
 * its name, CompIDs and peer; rate-limited. */
__attribute__((format(printf, 4, 5))) void xr__gw_log(struct xr_fix_gateway *gw,
						      struct xr__gw_sess *gs,
						      enum xr_fix_log_level lvl,
						      const char *fmt, ...);

/* Set up / free @p gs's order table. @return 0 or -ENOMEM/-EINVAL. */
int xr__gw_orders_init(struct xr__gw_sess *gs, uint32_t cap);
void xr__gw_orders_fini(struct xr__gw_sess *gs);

/* The session callbacks (fix_gateway_orders.c: on_app). */
extern const struct xr_fix_session_ops xr__gw_session_ops;

#endif /* XR_FIX_GATEWAY_PVT_H */
