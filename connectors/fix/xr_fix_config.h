/*
 * xr_fix_config: the [venue NAME] keys of connector = fix (docs/connectors.md
 * "FIX venues"), declared to the config loader by xr_fix_config_schema:
 * the session keys (host, port, CompIDs, BeginString, heartbeat, sequence
 * store, timeouts), what the venue takes (market_orders, status_requests,
 * time_in_force) and the venue's symbol names (venue_symbol.SYMBOL). The
 * keys every venue has (fees, max_open_orders, book.SYMBOL, ...) are in
 * struct xr_venue_cfg (xr_config.h).
 *
 * A loaded FIX venue's xr_venue_cfg.conn points at its struct
 * xr_fix_venue_cfg (xr_fix_venue_cfg()); the config owns it.
 */
#ifndef XR_FIX_CONFIG_H
#define XR_FIX_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "xr_config.h"
#include "xr_config_schema.h"

/** Longest FIX venue host name (bytes, without NUL). */
#define XR_HOST_MAX 63
/** Longest sequence store path (bytes, without NUL). */
#define XR_PATH_MAX 255

/** One venue_symbol.SYMBOL key of a FIX venue: the symbol's name there. */
struct xr_venue_symbol {
	uint16_t symbol;		/* symbol id (resolved after loading) */
	char key[XR_NAME_MAX + 1];	/* xroute's name, as written */
	char name[XR_NAME_MAX + 1];	/* the venue's Symbol (55) */
	uint32_t line;
};

/** The keys of one FIX venue (defaults: docs/connectors.md). */
struct xr_fix_venue_cfg {
	char host[XR_HOST_MAX + 1];	/* IPv4/IPv6 address or host name */
	uint32_t port;			/* TCP port, 1..65535 (0 = unset) */
	char sender_comp_id[32];	/* SenderCompID (49): us */
	char target_comp_id[32];	/* TargetCompID (56): the venue */
	uint8_t begin_string;		/* 0 = FIX.4.2, 1 = FIX.4.4 (enum
					 * xr_fix_version) */
	uint32_t heartbeat_s;		/* HeartBtInt (108), seconds */
	uint8_t reset_on_logon;		/* ResetSeqNumFlag (141=Y) on Logon */
	char seq_store[XR_PATH_MAX + 1]; /* MsgSeqNum store file, "" = memory */
	uint8_t market_orders;		/* the venue takes OrdType market */
	uint8_t status_requests;	/* it answers OrderStatusRequest (35=H) */
	uint8_t mass_status;		/* it answers OrderMassStatusRequest (35=AF,
					 * FIX 4.4 only) */
	uint8_t tif_mask;		/* time_in_force: bit 1 << enum xr_tif
					 * for each TimeInForce it takes */
	bool tif_set;			/* time_in_force was given */
	uint32_t cancel_after_ms;	/* cancel orders live this long; 0 = never */
	uint32_t reconnect_min_ms;	/* reconnect backoff: first wait */
	uint32_t reconnect_max_ms;	/* ... doubling up to this */
	uint32_t logon_timeout_ms;	/* connect + Logon answer, at most */
	uint32_t resend_timeout_ms;	/* ResendRequest unanswered this long:
					 * escalate (0 = default 2000) */
	uint32_t max_frame_bytes;	/* longest venue message taken, bytes
					 * (0 = default 16384) */
	uint32_t n_symbols;
	struct xr_venue_symbol *symbols; /* venue_symbol.SYMBOL keys */
};

/** The FIX kind's keys, for xr_config_load() (xr_connector_schemas). */
extern const struct xr_config_schema xr_fix_config_schema;

/**
 * @return the FIX keys of venue @p v, or NULL if @p v is not a loaded FIX
 * venue (no keys, or another kind's). Thread: any.
 */
static inline const struct xr_fix_venue_cfg *
xr_fix_venue_cfg(const struct xr_venue_cfg *v)
{
	return v->schema == &xr_fix_config_schema ? (const struct xr_fix_venue_cfg *)v->conn
						  : NULL;
}

#endif /* XR_FIX_CONFIG_H */
