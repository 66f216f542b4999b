/*
 * xr_client_proto: the wire format between `xroute serve` (the router) and
 * its shared-memory clients (libxroute-client, tools/client/xr_client.h).
 * Installed with the client library; self-contained (stdint.h only), so a
 * strategy includes it without the rest of xroute.
 *
 * HANDSHAKE (Unix-domain socket, SOCK_SEQPACKET: one send = one message)
 *   1. The router listens on a socket path. A client connects and sends one
 *      struct xr_client_hello (magic, version, the user name it trades as).
 *   2. The router reads the peer's credentials (SO_PEERCRED: pid, uid, gid);
 *      they, not the hello, are the client's identity. It creates a memfd
 *      of the mapping below, builds both rings in it, seals it against
 *      shrinking and growing (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL, so
 *      a client cannot truncate it under the router and fault it with
 *      SIGBUS), and sends one struct xr_client_welcome with the memfd as
 *      SCM_RIGHTS ancillary data. A refused hello gets a welcome with a
 *      negative status and no fd, then the router closes the socket.
 *   3. The client maps the memfd MAP_SHARED, checks the header, and trades
 *      through the rings. The socket stays open: its hang-up (either side)
 *      ends the session. Each client has its own memfd, so no client can
 *      reach another's memory.
 *
 * THE MAPPING (one memfd per client; offsets from its start, bytes)
 *     0  struct xr_client_shm_hdr (128 bytes; written by the router before
 *        the memfd is sent, read-only by convention afterwards; the router
 *        never reads it back)
 *   c2r_offset  ring client_to_router: struct xr_ring (ring/xr_ring.h),
 *        c2r_capacity slots of XR_CLIENT_SIGNAL_SIZE (128) bytes, records
 *        struct xr_client_signal. Producer: the client; consumer: the
 *        router's client thread.
 *   r2c_offset  ring router_to_client: struct xr_ring, r2c_capacity slots of
 *        XR_CLIENT_EVENT_SIZE (64) bytes, records struct xr_client_event.
 *        Producer: the router; consumer: the client.
 *   Both offsets are multiples of 128 (XR_RING_PAD); map_size is a multiple
 *   of the page size. A ring's control block is the producer's and the
 *   consumer's cache-line pairs (each index on its own pair) then the cells.
 *
 * TRUST
 *   Everything the router reads from the mapping is untrusted: it runs the
 *   ring fast path on private views (xr_ring_view_init()) whose shape and
 *   cell pointer the client cannot touch, pulls the client's index
 *   (c2r head, r2c tail) and checks it is possible before use, and parses
 *   every record field by field (xr_client_signal_parse()). An impossible
 *   index or a garbage record retires that client: its socket is closed and
 *   its mapping unmapped; no other client notices.
 *
 * UNITS
 *   Quantities: int64 * 10^8 (XR_QTY_SCALE); prices: int64 * 10^8
 *   (XR_PX_SCALE); cash (fees, notional): int64 * 10^8 (XR_CASH_SCALE).
 *   No floating point anywhere. Names are NUL-padded byte arrays, 1..31
 *   bytes and a NUL. All integers are host byte order (same host).
 */
#ifndef XR_CLIENT_PROTO_H
#define XR_CLIENT_PROTO_H

#include <stdint.h>

/** "XRCLNT01" as a little-endian u64: the mapping's and messages' magic. */
#define XR_CLIENT_MAGIC UINT64_C(0x3130544e4c435258)
/** Protocol version; a client of another version is refused. */
#define XR_CLIENT_VERSION 1u
/** Bytes of a name field (31 bytes and a NUL; XR_NAME_MAX + 1). */
#define XR_CLIENT_NAME_SIZE 32
/** Slot size of ring client_to_router (bytes). */
#define XR_CLIENT_SIGNAL_SIZE 128
/** Slot size of ring router_to_client (bytes). */
#define XR_CLIENT_EVENT_SIZE 64

/** Values of struct xr_client_welcome.status besides 0. */
enum xr_client_status {
	XR_CLIENT_OK = 0,
	XR_CLIENT_E_VERSION = -1, /* hello's magic or version not ours */
	XR_CLIENT_E_NAME = -2,	  /* name empty, too long or not NUL-terminated */
	XR_CLIENT_E_FULL = -3,	  /* the router serves its maximum of clients */
	XR_CLIENT_E_INTERNAL = -4, /* memfd, mmap or sendmsg failed in the router */
	XR_CLIENT_E_DENIED = -5,  /* no [client NAME] of this name, or the
				   * peer's uid is not its uid */
	XR_CLIENT_E_BUSY = -6,	  /* a session of this name is open already */
};

/** Client -> router, the first and only message on the socket (64 bytes). */
struct xr_client_hello {
	uint64_t magic;			 /* XR_CLIENT_MAGIC */
	uint32_t version;		 /* XR_CLIENT_VERSION */
	uint32_t reserved;		 /* 0 */
	char name[XR_CLIENT_NAME_SIZE];	 /* user name, NUL-padded */
	uint8_t pad[16];		 /* 0 */
};

/** Router -> client, the reply; with the memfd when status == 0 (64 bytes). */
struct xr_client_welcome {
	uint64_t magic;		/* XR_CLIENT_MAGIC */
	uint32_t version;	/* XR_CLIENT_VERSION */
	int32_t status;		/* enum xr_client_status */
	uint64_t map_size;	/* bytes to mmap */
	uint32_t client_id;	/* the router's slot for this client, 0.. */
	uint32_t peer_uid;	/* the uid the router saw (SO_PEERCRED) */
	uint8_t pad[32];
};

/** The mapping's header, at offset 0 (128 bytes). */
struct xr_client_shm_hdr {
	uint64_t magic;		/* XR_CLIENT_MAGIC */
	uint32_t version;	/* XR_CLIENT_VERSION */
	uint32_t hdr_size;	/* sizeof(struct xr_client_shm_hdr) */
	uint64_t map_size;	/* bytes of the whole mapping */
	uint64_t c2r_offset;	/* ring client_to_router */
	uint64_t r2c_offset;	/* ring router_to_client */
	uint32_t c2r_capacity;	/* slots, power of two */
	uint32_t c2r_slot_size; /* XR_CLIENT_SIGNAL_SIZE */
	uint32_t r2c_capacity;	/* slots, power of two */
	uint32_t r2c_slot_size; /* XR_CLIENT_EVENT_SIZE */
	uint32_t client_id;	/* as in the welcome */
	uint32_t peer_uid;	/* as in the welcome */
	char name[XR_CLIENT_NAME_SIZE]; /* the hello's user name */
	uint8_t pad[32];
};

/** What a client record asks for (struct xr_client_signal.kind). */
enum xr_client_signal_kind {
	XR_CSIG_NEW = 1,    /* a new parent order: a signal row */
	XR_CSIG_CANCEL = 2, /* cancel the live parent of signal_id */
};

/**
 * Client -> router: one signal (128 bytes). The fields mirror a signal CSV
 * row (base/xr_signal.h, docs/signals.md); enum values are xroute's
 * (base/xr_types.h), written here as numbers so this header stands alone.
 * A cancel carries kind, signal_id, user and symbol; its other fields are 0.
 */
struct xr_client_signal {
	uint64_t signal_id;	  /* 1..UINT64_MAX, unique per client session */
	int64_t ts_ns;		  /* strategy timestamp, ns, >= 0 */
	int64_t qty;		  /* > 0, qty scale (10^8) */
	int64_t limit_px;	  /* > 0 for limit, 0 for market; px scale */
	uint32_t kind;		  /* enum xr_client_signal_kind */
	int32_t max_slippage_bps; /* 0..10000; 0 = no bound given */
	uint8_t side;		  /* 1 buy, 2 sell (FIX 54) */
	uint8_t ord_type;	  /* 1 market, 2 limit (FIX 40) */
	uint8_t tif;		  /* 0 day, 1 gtc, 3 ioc, 4 fok (FIX 59); 0xff =
				   * default: ioc for market, day for limit */
	uint8_t signal_type;	  /* 0 entry, 1 exit, 2 profit_take, 3 stop_loss */
	uint8_t strategy;	  /* enum xr_strategy, 0 = default */
	uint8_t pad0[3];	  /* 0 */
	char user[XR_CLIENT_NAME_SIZE];	  /* the session's user name */
	char symbol[XR_CLIENT_NAME_SIZE]; /* symbol name */
	uint8_t pad1[16];		  /* 0 */
};

/** What a router event reports (struct xr_client_event.kind). */
enum xr_client_event_kind {
	XR_CEV_FILL = 1,	  /* one execution: last_qty at last_px */
	XR_CEV_RESULT = 2,	  /* the signal's terminal result */
	XR_CEV_CANCEL_REJECT = 3, /* a cancel that found nothing to cancel */
	XR_CEV_NEW = 4,		  /* the order is live: a venue acknowledged
				   * its first child (sent once, before its
				   * first fill) */
};

/** How a signal ended (struct xr_client_event.final; xroute's enum xr_final). */
enum xr_client_final {
	XR_CFINAL_FILLED = 1,	 /* filled qty == order qty */
	XR_CFINAL_PARTIAL = 2,	 /* 0 < filled < order qty, nothing live */
	XR_CFINAL_CANCELED = 3,	 /* accepted, nothing filled */
	XR_CFINAL_REJECTED = 4,	 /* refused: reason says why */
	XR_CFINAL_FAILED = 5,	 /* venue or transport failure */
	XR_CFINAL_UNKNOWN = 6,	 /* in doubt at a venue when the router stopped */
	XR_CFINAL_OPEN = 7,	 /* left resting at a venue when it stopped */
};

/**
 * Router -> client: a fill or a result (64 bytes). For XR_CEV_FILL: qty =
 * LastQty (FIX 32), px = LastPx (FIX 31), fees = this fill's fees. For
 * XR_CEV_RESULT: qty = filled quantity, px = average fill price (0 if none),
 * fees = total fees, final and reason set.
 */
struct xr_client_event {
	uint64_t signal_id; /* the client's signal */
	int64_t qty;	    /* qty scale */
	int64_t px;	    /* px scale */
	int64_t fees;	    /* cash scale; negative = rebate */
	uint64_t ts_ns;	    /* router's CLOCK_MONOTONIC ns when sent */
	uint32_t kind;	    /* enum xr_client_event_kind */
	uint16_t reason;    /* enum xr_reason (base/xr_types.h) */
	uint8_t final;	    /* enum xr_final (results), 0 for fills */
	uint8_t venue;	    /* venue id, 0xff if none */
	uint8_t pad[16];
};

/* The record sizes are the wire; a change here is a new version. */
#ifdef __cplusplus
#define XR_CLIENT_STATIC_ASSERT static_assert
#else
#define XR_CLIENT_STATIC_ASSERT _Static_assert
#endif
XR_CLIENT_STATIC_ASSERT(sizeof(struct xr_client_hello) == 64, "hello is 64 bytes");
XR_CLIENT_STATIC_ASSERT(sizeof(struct xr_client_welcome) == 64, "welcome is 64 bytes");
XR_CLIENT_STATIC_ASSERT(sizeof(struct xr_client_shm_hdr) == 128, "header is 128 bytes");
XR_CLIENT_STATIC_ASSERT(sizeof(struct xr_client_signal) == XR_CLIENT_SIGNAL_SIZE, "signal slot");
XR_CLIENT_STATIC_ASSERT(sizeof(struct xr_client_event) == XR_CLIENT_EVENT_SIZE, "event slot");

#endif /* XR_CLIENT_PROTO_H */
