/*
 * config_pvt.h: what the config_*.c files of base/ share (private to base/).
 */
#ifndef XR_CONFIG_PVT_H
#define XR_CONFIG_PVT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "xr_config.h"
#include "xr_config_schema.h"

/* Value inih sees for a line too long for its buffer (see xr__read_line). */
#define XR__LONG_MARK "\x1f"
/* Longest key remembered for duplicate detection; valid keys are shorter. */
#define XR__KEY_MAX 50
/* The accepted book value, named in its errors. */
#define XR__BOOK_FORM "(form: mid=PX tick=PX levels=N level_qty=QTY)"
/* What stage names look like, named in their errors. */
#define XR__STAGE_FORM                                                                             \
	"(stages: ingress, validate, route, execute.VENUE, execute.*, aggregate, output)"
#define XR__NAME_RULE "must be 1..31 of A-Z a-z 0-9 _ -"
#define XR__SYMBOL_RULE "must be 1..31 of A-Z a-z 0-9 _ . / -"
#define XR__COMP_ID_RULE "must be 1..31 of A-Z a-z 0-9 _ - ."

#if defined(__GNUC__)
#define XR__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define XR__PRINTF(f, a)
#endif

/* lock_memory until the end of the file: not given, so it follows mode. */
#define XR__LOCK_MEMORY_AUTO 0xff

/* Offsets into the structs the key tables fill. */
#define XR__E(f) offsetof(struct xr_engine_cfg, f)
#define XR__V(f) offsetof(struct xr_venue_cfg, f)
#define XR__WONE XR_WEIGHT_ONE
#define XR__CASH_MAX INT64_MAX

#define XR__S(f) offsetof(struct xr_strategy_cfg, f)
#define XR__SW(i) (XR__S(w) + (size_t)(i) * sizeof(uint32_t))

/* [user NAME] / [user_defaults] built-in defaults and ranges. */
#define XR__USER_RATE_DEF 1000
#define XR__USER_BURST_DEF 100
#define XR__USER_RATE_MAX 10000000

/* Stages that are not execute.VENUE (xr__fixed_stages). */
#define XR__N_FIXED_STAGES 5

/* ------------------------------------------------------------------ */
/* Load state. */

enum xr__sect {
	XR__S_NONE,
	XR__S_ENGINE,
	XR__S_THREADS,
	XR__S_USER_DEFAULTS,
	XR__S_VENUE,
	XR__S_USER,
	XR__S_STRATEGY,
	XR__S_SYMBOL,
	XR__S_SERVE,
	XR__S_CLIENT,
	XR__S_FIX_CLIENT,
	XR__S_JOURNAL,
};

/* Bits of struct xr__uraw.set: the keys a user section gave. */
enum {
	XR__U_ENABLED = 1u << 0,
	XR__U_RATE = 1u << 1,
	XR__U_BURST = 1u << 2,
	XR__U_NOTIONAL = 1u << 3,
	XR__U_STRATEGY = 1u << 4,
	XR__U_ORDER_QTY = 1u << 5, /* bare max_order_qty */
	XR__U_POSITION = 1u << 6,  /* bare max_position */
};

/** One max_order_qty.SYMBOL / max_position.SYMBOL key. */
struct xr__lim {
	char symbol[XR_NAME_MAX + 1];
	int64_t qty;
	uint32_t line;
	bool position; /* max_position, else max_order_qty */
};

/** primary_venue, failover_venues and auto_failover as written. */
struct xr__praw {
	char *primary, *failovers;	/* list values, NULL if not given */
	uint32_t primary_line, failovers_line, auto_line;
	bool auto_failover;		/* valid if auto_line != 0 */
};

/** A [symbol NAME] section, resolved at end of file. */
struct xr__sraw {
	char name[XR_NAME_MAX + 1];
	uint32_t line;
	struct xr__praw plan;
};

/** A user section's keys as written, resolved at end of file. */
struct xr__uraw {
	uint16_t set; /* XR__U_* */
	bool enabled;
	uint8_t strategy;
	uint32_t rate_per_s, burst;
	int64_t max_notional, max_order_qty, max_position;
	char *venues, *symbols; /* list values, NULL if not given */
	uint32_t venues_line, symbols_line;
	struct xr__lim *lims;
	uint32_t n_lims;
	struct xr__praw plan;
};

/** Thread keys as written. */
struct xr__traw {
	uint32_t line;        /* first key of the thread */
	uint32_t stages_line; /* 0: no NAME.stages key */
	uint32_t cpu_line;    /* 0: no NAME.cpu key */
	uint32_t wait_line;   /* 0: no NAME.wait key */
};

/** A venue's connector keys as read: one struct per kind (config_keys.c). */
struct xr__vraw {
	void *cc[XR_CONFIG_MAX_SCHEMAS];     /* schemas[i]->size bytes each */
	uint64_t set[XR_CONFIG_MAX_SCHEMAS]; /* bit k: table key k of kind i set */
};

/**
 * The keys of a [client NAME] or [fix_client NAME] section that resolve at
 * end of file (users against the [user NAME] sections), as written.
 */
struct xr__craw {
	char *users, *user;  /* list values, NULL if not given */
	uint32_t users_line, user_line;
	uint32_t req_line;   /* uid / sender_comp_id key, 0 if not given */
};

/** Keys seen in the current section, for duplicates. */
struct xr__seen {
	char key[XR__KEY_MAX + 1];
	uint32_t line;
};

/** Name -> index, open addressing over names stored elsewhere. */
struct xr__index {
	uint32_t *slot; /* index + 1; 0 = empty */
	uint32_t cap;   /* power of two, or 0 */
	uint32_t n;
};

struct xr_config_loader {
	const char *path;
	FILE *f;
	char *buf; /* getline buffer */
	size_t cap;
	uint32_t line;          /* lines read so far = line of the current one */
	const char *long_value; /* value of a long line, see xr__read_line */

	bool failed;
	uint32_t err_line;
	char err[512];

	struct xr_config *cfg;
	const struct xr_config_schema *const *schemas; /* connector kinds */
	uint32_t n_schemas;
	struct xr__vraw *vraw; /* n_venues entries */
	uint32_t cap_vraw;
	enum xr__sect sect;
	char label[XR_NAME_MAX + 16]; /* "venue alpha", for messages */
	uint32_t cur;                 /* venue or user index of the section */
	struct xr__seen *seen;
	uint32_t n_seen, cap_seen;

	uint32_t engine_line, threads_line, defaults_line;
	uint32_t mode_line; /* [engine] mode key, 0 if not given */
	/* [strategy NAME]: bit f = weight key of factor f given (the section's
	 * weights then replace the default vector). */
	uint16_t strat_w_set[XR_STRAT_COUNT];
	struct xr__traw traw[XR_MAX_THREADS];
	uint32_t cap_venues, cap_users, cap_uraw, cap_symbols;
	struct xr__uraw *uraw; /* n_users entries */
	struct xr__uraw defaults;
	struct xr__index users_ix, symbols_ix;
	struct xr__sraw *sraw; /* [symbol NAME] sections */
	uint32_t n_sraw, cap_sraw;
	/* [client NAME], [fix_client NAME] (config_serve.c); [serve] once:
	 * cfg->serve.line. */
	uint32_t cap_clients, cap_fix_clients, cap_craw, cap_fraw;
	struct xr__craw *craw, *fraw; /* n_clients, n_fix_clients entries */
	struct xr__index clients_ix, fix_clients_ix;

	/* End of file: [user_defaults] resolved. */
	uint64_t def_venue_mask;
	uint64_t def_symbol_bits[XR_MAX_SYMBOLS / 64];
	int64_t *def_order_qty, *def_position; /* n_symbols each */
	bool def_shared;                       /* some user points at them */
};

#define XR__HERE(ld) (ld)->line, (ld)->label

/* config_tables.c */
extern const struct xr_config_word xr__w_engine_strategy[];
extern const struct xr_config_word xr__w_user_strategy[];
extern const struct xr_config_word xr__w_wait[];
extern const struct xr_config_key xr__engine_keys[];
extern const struct xr_config_key xr__venue_keys[];
extern const struct xr_config_key xr__strategy_keys[];
extern const char *const xr__fixed_stages[];

/* config_read.c */
XR__PRINTF(6, 7)
int xr__kerr(struct xr_config_loader *ld, uint32_t line, const char *label, const char *key,
	     const char *v, const char *fmt, ...);
void
xr__name_copy(char dst[XR_NAME_MAX + 1], const char *s, size_t len);
int
xr__grow(void **p, uint32_t *cap, uint32_t need, size_t size);
int64_t
xr__index_find(const struct xr__index *ix, const char *base, size_t stride, const char *name);
int
xr__index_add(struct xr__index *ix, const char *base, size_t stride, uint32_t id);

/* config_keys.c */
void
xr__keys_default(const struct xr_config_key *keys, void *obj);
const struct xr_config_key *
xr__key_find(const struct xr_config_key *keys, const char *name);
int
xr__key_set(struct xr_config_loader *ld, const struct xr_config_key *k, void *obj, const char *v);
int
xr__unknown_key(struct xr_config_loader *ld, const char *key);
bool
xr__key_is_default(const struct xr_config_key *k, const void *obj);
void
xr__key_format(const struct xr_config_key *k, const void *obj, char *buf, size_t len);
int
xr__seen_add(struct xr_config_loader *ld, const char *key);
int
xr__key_venue(struct xr_config_loader *ld, const char *key, const char *value);
int
xr__key_engine(struct xr_config_loader *ld, const char *key, const char *value);
int
xr__key_strategy(struct xr_config_loader *ld, const char *key, const char *value);
int
xr__key_thread(struct xr_config_loader *ld, const char *key, const char *value);
int
xr__key_symbol(struct xr_config_loader *ld, const char *key, const char *value);
int
xr__key_user(struct xr_config_loader *ld, struct xr__uraw *r, const char *key, const char *value);

/* config_check.c */
int
xr__check_venues(struct xr_config_loader *ld);
int
xr__check_weights(struct xr_config_loader *ld);
int
xr__check_strategies(struct xr_config_loader *ld);
int
xr__check_threads(struct xr_config_loader *ld);
int
xr__check_mode(struct xr_config_loader *ld);
int
xr__resolve_symbols(struct xr_config_loader *ld);
int
xr__resolve_users(struct xr_config_loader *ld);

/* config_serve.c */
void
xr__serve_defaults(struct xr_serve_cfg *s);
int
xr__section_serve(struct xr_config_loader *ld, const char *kind, const char *name);
int
xr__key_serve(struct xr_config_loader *ld, const char *key, const char *value);
int
xr__key_client(struct xr_config_loader *ld, const char *key, const char *value);
int
xr__key_fix_client(struct xr_config_loader *ld, const char *key, const char *value);
int
xr__resolve_serve(struct xr_config_loader *ld);
void
xr__serve_load_free(struct xr_config_loader *ld);
void
xr__serve_destroy(struct xr_config *cfg);
void
xr__print_serve(const struct xr_config *cfg, FILE *out);
void
xr__print_table(FILE *out, const struct xr_config_key *keys, const void *obj);

/* config_journal.c */
void
xr__journal_defaults(struct xr_journal_cfg *j);
int
xr__key_journal(struct xr_config_loader *ld, const char *key, const char *value);
void
xr__print_journal(const struct xr_config *cfg, FILE *out);

#endif /* XR_CONFIG_PVT_H */
