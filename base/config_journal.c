/*
 * config_journal: the [journal] section, the durable journal's file and
 * policy (docs/journal.md; docs/config.md "[journal]"). Every key goes
 * through a key table and xr__key_set() (config_keys.c), so it parses and
 * fails like every other key; the section prints as INI that loads back
 * to the same values, and a journal that is off (path "") prints nothing.
 */
#include "config_pvt.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define XR__JR(f) offsetof(struct xr_journal_cfg, f)

static const struct xr_config_word xr__w_sync[] = {
	{ "batch", XR_JSYNC_BATCH },
	{ "interval", XR_JSYNC_INTERVAL },
	{ "off", XR_JSYNC_OFF },
	{ NULL, 0 },
};

/* [journal] keys, in print order. */
static const struct xr_config_key xr__journal_keys[] = {
	{ "path", XR_CONFIG_T_STR, 0, XR__JR(path), 0, 0,
	  sizeof(((struct xr_journal_cfg *)0)->path) - 1, NULL },
	{ "sync", XR_CONFIG_T_ENUM, 0, XR__JR(sync), XR_JSYNC_BATCH, 0, 0, xr__w_sync },
	{ "sync_interval_ms", XR_CONFIG_T_U32, 0, XR__JR(sync_interval_ms), 100, 1, 60000, NULL },
	{ "batch_records", XR_CONFIG_T_U32, 0, XR__JR(batch_records), 8192, 1, 1048576, NULL },
	{ "ring_slots", XR_CONFIG_T_U32, XR_CONFIG_POW2, XR__JR(ring_slots), 16384, 1024, 1048576,
	  NULL },
	{ "clordid_block", XR_CONFIG_T_U32, 0, XR__JR(clordid_block), 262144, 65536, 16777216,
	  NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

_Static_assert(sizeof(((struct xr_journal_cfg *)0)->path) - 1 <= XR_CONFIG_STR_MAX,
	       "a text key's value must fit xr_config_print()'s buffer");

void
xr__journal_defaults(struct xr_journal_cfg *j)
{
	memset(j, 0, sizeof(*j));
	xr__keys_default(xr__journal_keys, j);
}

int
xr__key_journal(struct xr_config_loader *ld, const char *key, const char *value)
{
	const struct xr_config_key *k = xr__key_find(xr__journal_keys, key);

	if (k == NULL)
		return xr__unknown_key(ld, key);
	return xr__key_set(ld, k, &ld->cfg->journal, value);
}

/** [journal] when it is on (a path), every key. */
void
xr__print_journal(const struct xr_config *cfg, FILE *out)
{
	if (cfg->journal.path[0] == '\0')
		return;
	fprintf(out, "\n[journal]\n");
	xr__print_table(out, xr__journal_keys, &cfg->journal);
}
