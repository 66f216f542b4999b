/*
 * xr_config_schema: how a connector kind declares the [venue NAME] keys of
 * its own, so that base/ reads every venue section without knowing any
 * venue protocol (docs/config.md "Connector keys").
 *
 * A connector kind gives one struct xr_config_schema: its name (the value
 * of `connector =`), a table of plain keys (struct xr_config_key: type,
 * offset into the kind's own per-venue struct, default, range, words), the
 * size of that struct, and hooks for what a table cannot say: keys with a
 * suffix (fault.NAME, venue_symbol.SYMBOL), a whole-venue check after the
 * file is read, printing, freeing. The loader takes the kinds as a
 * NULL-ended list (xr_config_load()); connectors/ holds the list of the
 * built-in kinds (xr_connector_schemas, xr_connector.h).
 *
 * Loading: every [venue NAME] section gets one struct of every kind, at its
 * table defaults, because `connector =` may come after the kind's keys. A
 * key that is neither a common venue key nor book.SYMBOL goes to the kinds
 * in list order: first their key hooks, then their tables. At end of file
 * the venue keeps the struct of its own kind (xr_venue_cfg.conn); a key
 * set for another kind is an error, "[venue a]: host applies only to
 * connector = fix"; the other structs are freed.
 *
 * The helpers below are the ones the loader itself uses, so a connector's
 * keys parse, fail and print like every other key. All of them are
 * control-path code, called from the thread that runs xr_config_load()
 * (a hook is only ever called from inside it or from xr_config_print() /
 * xr_config_free()).
 */
#ifndef XR_CONFIG_SCHEMA_H
#define XR_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "xr_config.h"

/** Most connector kinds in one schema list. */
#define XR_CONFIG_MAX_SCHEMAS 8

/** How a table key is written and stored. */
enum xr_config_type {
	XR_CONFIG_T_U32,    /* integer -> uint32_t */
	XR_CONFIG_T_U64,    /* integer -> uint64_t, full range */
	XR_CONFIG_T_CBPS,   /* decimal, 2 places (bps) -> int64_t centi-bps */
	XR_CONFIG_T_PPM,    /* decimal, 6 places (0..1) -> uint32_t ppm */
	XR_CONFIG_T_WEIGHT, /* decimal, 4 places (0..1) -> uint32_t XR_WEIGHT_ONE */
	XR_CONFIG_T_CASH,   /* decimal, 8 places -> int64_t cash scale */
	XR_CONFIG_T_QTY,    /* decimal, 8 places -> int64_t qty scale */
	XR_CONFIG_T_ENUM,   /* word -> uint8_t */
	XR_CONFIG_T_KIND,   /* connector kind -> its name in char[16] (the
			     * common connector key only) */
	XR_CONFIG_T_STR,    /* text of 1..max printable ASCII bytes ->
			     * char[max + 1]; default "" */
};

/** Longest value an XR_CONFIG_T_STR key may declare as its max (bytes):
 * xr_config_print() formats every value whole into a buffer of this size
 * plus one. */
#define XR_CONFIG_STR_MAX 1023

/* Key flags. */
#define XR_CONFIG_POW2 1u    /* integer must be a power of two */
#define XR_CONFIG_NONE_OK 2u /* the word "none" means INT64_MAX (unlimited) */
#define XR_CONFIG_UNSET 4u   /* the default means "not set": not printed */

/** One accepted word of an ENUM key; lists end with { NULL, 0 }. */
struct xr_config_word {
	const char *word;
	uint8_t value;
};

/** One table key. Tables end with an entry whose name is NULL. */
struct xr_config_key {
	const char *name;
	uint8_t type;  /* enum xr_config_type */
	uint8_t flags; /* XR_CONFIG_* flags */
	size_t off;    /* of the field in its struct (offsetof) */
	int64_t def;   /* default, in the stored unit (ENUM: the value) */
	int64_t min, max; /* range in the stored unit; STR: max = longest */
	const struct xr_config_word *words; /* ENUM: accepted words */
};

/** The load in progress (opaque); hooks receive it to report errors. */
struct xr_config_loader;

/**
 * The [venue NAME] keys of one connector kind. Every hook is optional
 * (NULL). @p cc is always the kind's own struct of @p size bytes.
 */
struct xr_config_schema {
	const char *name;		  /* `connector = NAME`, 1..15 bytes */
	const struct xr_config_key *keys; /* plain keys; offsets into cc */
	size_t size;			  /* bytes of the per-venue struct */
	/* Printing: the table keys follow this common venue key
	 * ("fee_taker_bps"); NULL: after the last common key. */
	const char *print_after;
	/** Defaults a table cannot give; cc is zeroed, table defaults set. */
	void (*init)(void *cc);
	/**
	 * A key that is not a table key (e.g. "fault.f1").
	 * @return 0 taken, 1 not a key of this kind, -1 error reported
	 *         through the xr_config_*_err() helpers.
	 */
	int (*key)(struct xr_config_loader *ld, void *cc, const char *key, const char *value);
	/**
	 * The name of the first non-table key set in @p cc ("fault.f1",
	 * "time_in_force") into @p buf (@p len bytes), or NULL if none: on a
	 * venue of another kind it is an error.
	 */
	const char *(*extra_set)(const void *cc, char *buf, size_t len);
	/**
	 * The whole-venue check at end of file, for a venue of this kind
	 * (every common key, book and symbol id is known). May fill derived
	 * fields of cc. @return 0, or -1 with the error reported.
	 */
	int (*check)(struct xr_config_loader *ld, const struct xr_config *cfg,
		     const struct xr_venue_cfg *v, void *cc);
	/** Print the non-table keys that come before the venue's books. */
	void (*print)(const struct xr_config *cfg, const struct xr_venue_cfg *v, const void *cc,
		      FILE *out);
	/** Print the non-table keys that come after the venue's books. */
	void (*print_tail)(const struct xr_config *cfg, const struct xr_venue_cfg *v,
			   const void *cc, FILE *out);
	/** Free what @p cc points to (not cc itself). */
	void (*free)(void *cc);
	/** The venue's random seed, for the engine's per-venue jitter; NULL: 1. */
	uint64_t (*seed)(const void *cc);
};

/**
 * Report an error at @p line (0: none) of the file being loaded:
 * "FILE:LINE: " + the formatted text. Only the first error of a load is
 * kept. @return -1.
 */
__attribute__((format(printf, 3, 4))) int
xr_config_err(struct xr_config_loader *ld, uint32_t line, const char *fmt, ...);

/**
 * Report a bad value of key @p key on the current line:
 * "FILE:LINE: [venue a] KEY: "VALUE" WHY" (a value over 80 bytes is shown
 * cut, ending in "..."). @return -1.
 */
__attribute__((format(printf, 4, 5))) int
xr_config_value_err(struct xr_config_loader *ld, const char *key, const char *value,
		    const char *fmt, ...);

/** Report "out of memory" on the current line. @return -1. */
int xr_config_oom(struct xr_config_loader *ld);

/** @return the line of the key being read (1-based). */
uint32_t xr_config_line(const struct xr_config_loader *ld);

/** @return the current section as messages name it: "venue alpha". */
const char *xr_config_label(const struct xr_config_loader *ld);

/**
 * Parse a number with @p dec decimal places (0: an integer) in min..max
 * (XR_CONFIG_POW2, XR_CONFIG_NONE_OK in @p flags). No floating point.
 * @return 0 with *out set, or -1 with the reason in @p why ("is not a
 *         number", "is out of range (1..256)", ...).
 */
int xr_config_num(const char *v, int dec, int64_t min, int64_t max, unsigned flags, int64_t *out,
		  char *why, size_t why_len);

/**
 * Look @p v up in @p words. @return 0 with *out set, or -1 with "is not one
 * of a, b" in @p why.
 */
int xr_config_word(const struct xr_config_word *words, const char *v, uint8_t *out, char *why,
		   size_t why_len);

/** Write @p words as "a, b, c" into @p buf (@p len bytes, > 0). */
void xr_config_word_list(const struct xr_config_word *words, char *buf, size_t len);

/** @return the word of @p value in @p words ("?" if none). */
const char *xr_config_word_name(const struct xr_config_word *words, uint8_t value);

/**
 * @return true if s[0..len) is 1..XR_NAME_MAX of A-Z a-z 0-9 _ - and the
 * characters of @p extra (NULL: none).
 */
bool xr_config_valid_name(const char *s, size_t len, const char *extra);

/**
 * The next item of a comma or blank separated list at *cursor, advancing
 * it. @return the item (its length in *len, not NUL-terminated) or NULL at
 * the end.
 */
const char *xr_config_list_next(const char **cursor, size_t *len);

/** Words of a yes/no ENUM key: true/false, yes/no, 1/0 (values 1/0). */
extern const struct xr_config_word xr_config_bool_words[];

/**
 * The random seed of venue @p v for the engine's per-venue jitter: its
 * kind's seed hook, else 1. Thread: any.
 */
uint64_t xr_config_venue_seed(const struct xr_venue_cfg *v);

#endif /* XR_CONFIG_SCHEMA_H */
