/*
 * Name -> id tables for users and symbols (see xr_names.h).
 *
 * DESIGN
 *   Open addressing, linear probing, power-of-two capacity >= 2 * n (so
 *   the load factor is at most 50%; minimum 16 slots). A slot is 16 bytes:
 *
 *     hash  full 64-bit hash of the name
 *     id    index in the config, XR__EMPTY if the slot is free
 *     off   offset of the name in the arena: one length byte, then bytes
 *
 *   The probe starts at hash & mask. A lookup touches the slot (one cache
 *   line, usually) and, only when the full hash matches, the arena bytes.
 *   Both tables live in one allocation with their arenas.
 */
#include "xr_names.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xr_config.h"

#define XR__EMPTY UINT32_MAX

__extension__ typedef unsigned __int128 xr__u128;

struct xr__nslot {
	uint64_t hash;
	uint32_t id;  /* XR__EMPTY = free */
	uint32_t off; /* arena offset: len byte, then len bytes */
};

struct xr__ntab {
	uint64_t mask;		 /* capacity - 1 */
	struct xr__nslot *slots; /* mask + 1 slots */
	char *arena;
	uint32_t n;
};

struct xr_names {
	struct xr__ntab users;
	struct xr__ntab symbols;
};

/* Constants of wyhash (public domain, Wang Yi): odd, balanced bit counts. */
#define XR__H0 UINT64_C(0xa0761d6478bd642f)
#define XR__H1 UINT64_C(0xe7037ed1a0b428db)
#define XR__H2 UINT64_C(0x8ebc6af09c88c6e3)
#define XR__H3 UINT64_C(0x589965cc75374cc3)

static inline uint64_t
xr__mum(uint64_t a, uint64_t b)
{
	xr__u128 r = (xr__u128)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t
xr__load_tail(const char *s, size_t n)
{
	/* 0..7 bytes, little end first; no read past s + n. */
	uint64_t w = 0;
	switch (n) {
	case 7: w |= (uint64_t)(unsigned char)s[6] << 48; /* fall through */
	case 6: w |= (uint64_t)(unsigned char)s[5] << 40; /* fall through */
	case 5: w |= (uint64_t)(unsigned char)s[4] << 32; /* fall through */
	case 4: w |= (uint64_t)(unsigned char)s[3] << 24; /* fall through */
	case 3: w |= (uint64_t)(unsigned char)s[2] << 16; /* fall through */
	case 2: w |= (uint64_t)(unsigned char)s[1] << 8; /* fall through */
	case 1: w |= (uint64_t)(unsigned char)s[0]; /* fall through */
	default: break;
	}
	return w;
}

uint64_t
xr_names_hash(const char *s, size_t len)
{
	uint64_t h = XR__H0 ^ (uint64_t)len;
	size_t n = len;

	while (n >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = xr__mum(h ^ w, XR__H1);
		s += 8;
		n -= 8;
	}
	h = xr__mum(h ^ xr__load_tail(s, n) ^ XR__H2, XR__H1 ^ (uint64_t)len);
	return xr__mum(h ^ XR__H3, XR__H2);
}

static inline int64_t
xr__ntab_find(const struct xr__ntab *t, const char *s, size_t len)
{
	if (len == 0 || len > XR_NAME_MAX)
		return -1;
	uint64_t h = xr_names_hash(s, len);
	for (uint64_t i = h & t->mask;; i = (i + 1) & t->mask) {
		const struct xr__nslot *sl = &t->slots[i];
		if (sl->id == XR__EMPTY)
			return -1;
		if (sl->hash == h) {
			const char *a = t->arena + sl->off;
			if ((unsigned char)a[0] == len && memcmp(a + 1, s, len) == 0)
				return sl->id;
		}
	}
}

int64_t
xr_names_user(const struct xr_names *names, const char *s, size_t len)
{
	return xr__ntab_find(&names->users, s, len);
}

int64_t
xr_names_symbol(const struct xr_names *names, const char *s, size_t len)
{
	return xr__ntab_find(&names->symbols, s, len);
}

uint32_t
xr_names_n_users(const struct xr_names *names)
{
	return names->users.n;
}

uint32_t
xr_names_n_symbols(const struct xr_names *names)
{
	return names->symbols.n;
}

static uint64_t
xr__capacity(uint32_t n)
{
	uint64_t cap = 16;
	while (cap < 2 * (uint64_t)n)
		cap <<= 1;
	return cap;
}

/*
 * Insert name @p s (NUL-terminated, <= XR_NAME_MAX bytes) as @p id; the
 * arena has room. @return 0, -EINVAL (empty), -EEXIST (already present).
 */
static int
xr__ntab_insert(struct xr__ntab *t, uint32_t *arena_used, const char *s, uint32_t id)
{
	size_t len = strnlen(s, XR_NAME_MAX + 1);
	if (len == 0 || len > XR_NAME_MAX)
		return -EINVAL;
	if (xr__ntab_find(t, s, len) >= 0)
		return -EEXIST;
	uint64_t h = xr_names_hash(s, len);
	uint64_t i = h & t->mask;
	while (t->slots[i].id != XR__EMPTY)
		i = (i + 1) & t->mask;
	char *a = t->arena + *arena_used;
	a[0] = (char)(unsigned char)len;
	memcpy(a + 1, s, len);
	t->slots[i] = (struct xr__nslot){ .hash = h, .id = id, .off = *arena_used };
	*arena_used += (uint32_t)len + 1;
	t->n++;
	return 0;
}

struct xr_names *
xr_names_create(const struct xr_config *cfg)
{
	if (cfg->n_symbols > XR_MAX_SYMBOLS || cfg->n_users >= XR__EMPTY) {
		errno = EINVAL;
		return NULL;
	}
	uint64_t ucap = xr__capacity(cfg->n_users);
	uint64_t scap = xr__capacity(cfg->n_symbols);
	/* Arenas: at most XR_NAME_MAX + 1 bytes per name; offsets are 32-bit. */
	uint64_t uarena = (uint64_t)cfg->n_users * (XR_NAME_MAX + 1);
	uint64_t sarena = (uint64_t)cfg->n_symbols * (XR_NAME_MAX + 1);
	if (uarena > UINT32_MAX) {
		errno = EINVAL;
		return NULL;
	}

	struct xr_names *nm = calloc(1, sizeof(*nm));
	if (nm == NULL)
		return NULL;
	nm->users.mask = ucap - 1;
	nm->symbols.mask = scap - 1;
	nm->users.slots = malloc(ucap * sizeof(struct xr__nslot));
	nm->symbols.slots = malloc(scap * sizeof(struct xr__nslot));
	nm->users.arena = malloc(uarena + 1);
	nm->symbols.arena = malloc(sarena + 1);
	if (nm->users.slots == NULL || nm->symbols.slots == NULL ||
	    nm->users.arena == NULL || nm->symbols.arena == NULL) {
		xr_names_destroy(nm);
		errno = ENOMEM;
		return NULL;
	}
	for (uint64_t i = 0; i < ucap; i++)
		nm->users.slots[i].id = XR__EMPTY;
	for (uint64_t i = 0; i < scap; i++)
		nm->symbols.slots[i].id = XR__EMPTY;

	uint32_t used = 0;
	for (uint32_t i = 0; i < cfg->n_users; i++) {
		int rc = xr__ntab_insert(&nm->users, &used, cfg->users[i].name, i);
		if (rc < 0) {
			xr_names_destroy(nm);
			errno = -rc;
			return NULL;
		}
	}
	used = 0;
	for (uint32_t i = 0; i < cfg->n_symbols; i++) {
		int rc = xr__ntab_insert(&nm->symbols, &used, cfg->symbols[i], i);
		if (rc < 0) {
			xr_names_destroy(nm);
			errno = -rc;
			return NULL;
		}
	}
	return nm;
}

void
xr_names_destroy(struct xr_names *names)
{
	if (names == NULL)
		return;
	free(names->users.slots);
	free(names->users.arena);
	free(names->symbols.slots);
	free(names->symbols.arena);
	free(names);
}
