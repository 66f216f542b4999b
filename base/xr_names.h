/*
 * xr_names: name -> id lookup for users and symbols, built once from a
 * config and then read-only, so any number of threads may look up at once.
 *
 * DESIGN
 *   Two open-addressing tables (users, symbols) with linear probing. Each
 *   table has a power-of-two number of 16-byte slots, at least twice the
 *   number of names (load <= 50%), so an unsuccessful lookup ends at an
 *   empty slot after a short probe. A slot holds the name's full 64-bit
 *   hash, its id and the offset of its bytes in a private arena; a lookup
 *   compares hashes first and the bytes only on a hash match. The hash is
 *   a wyhash-style multiply-fold over 8-byte words (xr_names_hash()).
 *
 * GUARANTEES
 *   Lookups take a (pointer, length) slice — a field of a CSV line, not
 *   NUL-terminated — and do no allocation, no strlen and no syscalls.
 *   Names are copied at creation, so the table does not reference the
 *   config afterwards. Name comparison is exact (case-sensitive, bytes).
 */
#ifndef XR_NAMES_H
#define XR_NAMES_H

#include <stddef.h>
#include <stdint.h>

struct xr_config;
struct xr_names;

/**
 * Build the lookup tables from @p cfg's users (cfg->users[i].name -> i)
 * and symbols (cfg->symbols[i] -> i).
 *
 * @param cfg  config; only read, not referenced after return. Names are
 *             NUL-terminated within their XR_NAME_MAX + 1 bytes.
 * @return the tables, or NULL with errno set: EINVAL (an empty name, or
 *         more than XR_MAX_SYMBOLS symbols), EEXIST (two users or two
 *         symbols with the same name), ENOMEM.
 * Thread: any (control path, allocates; about 40 bytes per name).
 */
struct xr_names *xr_names_create(const struct xr_config *cfg);

/** Free tables from xr_names_create(); NULL accepted. Thread: any. */
void xr_names_destroy(struct xr_names *names);

/**
 * Look up a user name.
 *
 * @param names  tables from xr_names_create().
 * @param s      name bytes; need not be NUL-terminated.
 * @param len    bytes of s (0 or more than XR_NAME_MAX never matches).
 * @return the user index in the config (0..n_users-1), or -1 if unknown.
 * Thread: any, concurrently with other lookups.
 * Progress: wait-free; no allocation, no syscalls.
 */
int64_t xr_names_user(const struct xr_names *names, const char *s, size_t len);

/**
 * Look up a symbol name; as xr_names_user().
 *
 * @return the symbol id in the config (0..n_symbols-1), or -1 if unknown.
 */
int64_t xr_names_symbol(const struct xr_names *names, const char *s, size_t len);

/** @return number of users in @p names. Thread: any. */
uint32_t xr_names_n_users(const struct xr_names *names);
/** @return number of symbols in @p names. Thread: any. */
uint32_t xr_names_n_symbols(const struct xr_names *names);

/**
 * The 64-bit string hash the tables use (wyhash-style: each 8-byte word is
 * folded in with a 64x64->128-bit multiply, high half xor low half). Not
 * stable across byte orders; never persist it.
 *
 * @return hash of the @p len bytes at @p s. Thread: any. Pure.
 */
uint64_t xr_names_hash(const char *s, size_t len);

#endif /* XR_NAMES_H */
