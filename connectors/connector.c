/*
 * The connector factory: maps a venue's `connector =` kind to the kind's
 * create function, and lists the kinds' config schemas for the loader
 * (xr_connector_schemas). Adding a connector kind means one row in
 * xr__kinds[], one in xr_connector_schemas[] and one folder under
 * connectors/ with its keys' schema; no venue code lives anywhere else.
 *
 * Control path only: creation allocates, and both functions may be called
 * from any thread while the venue's execute stage is not running.
 */
#include "xr_connector.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fix/xr_fix_config.h"
#include "fix/xr_fix_conn.h"
#include "sim/xr_sim.h"
#include "sim/xr_sim_config.h"
#include "xr_config.h"

/** Create function of one connector kind (same contract as the factory). */
typedef int (*xr__conn_create_fn)(const struct xr_config *cfg, unsigned venue,
				  const struct xr_conn_start *start, struct xr_connector *out,
				  char *err, size_t err_len);

/* The sim takes no start options: it has no wire and no session. */
static int
xr__sim_create(const struct xr_config *cfg, unsigned venue, const struct xr_conn_start *start,
	       struct xr_connector *out, char *err, size_t err_len)
{
	(void)start;
	return xr_sim_create(cfg, venue, out, err, err_len);
}

/** Known connector kinds, in the order error messages list them. */
static const struct {
	const char *kind;
	xr__conn_create_fn create;
} xr__kinds[] = {
	{ "sim", xr__sim_create },
	{ "fix", xr_fix_conn_create },
};

const struct xr_config_schema *const xr_connector_schemas[] = {
	&xr_sim_config_schema,
	&xr_fix_config_schema,
	NULL,
};

#define XR__N_KINDS (sizeof(xr__kinds) / sizeof(xr__kinds[0]))

int
xr_connector_create(const struct xr_config *cfg, unsigned venue,
		    struct xr_connector *out, char *err, size_t err_len)
{
	return xr_connector_create_ex(cfg, venue, NULL, out, err, err_len);
}

int
xr_connector_create_ex(const struct xr_config *cfg, unsigned venue,
		       const struct xr_conn_start *start, struct xr_connector *out, char *err,
		       size_t err_len)
{
	if (cfg == NULL || out == NULL || venue >= cfg->n_venues) {
		if (err_len > 0)
			snprintf(err, err_len, "venue %u: no such venue (config has %u)",
				 venue, cfg != NULL ? (unsigned)cfg->n_venues : 0u);
		return -EINVAL;
	}
	const struct xr_venue_cfg *v = &cfg->venues[venue];
	for (size_t i = 0; i < XR__N_KINDS; i++)
		if (strncmp(v->connector, xr__kinds[i].kind, sizeof(v->connector)) == 0)
			return xr__kinds[i].create(cfg, venue, start, out, err, err_len);

	if (err_len > 0) {
		char known[64] = "";
		size_t used = 0;
		for (size_t i = 0; i < XR__N_KINDS && used < sizeof(known); i++) {
			int w = snprintf(known + used, sizeof(known) - used, "%s%s",
					 i > 0 ? ", " : "", xr__kinds[i].kind);
			if (w < 0)
				break;
			used += (size_t)w;
		}
		snprintf(err, err_len, "venue %s: unknown connector \"%.*s\" (known: %s)",
			 v->name, (int)sizeof(v->connector), v->connector, known);
	}
	return -EINVAL;
}

void
xr_connector_destroy(struct xr_connector *c)
{
	if (c == NULL)
		return;
	if (c->ops != NULL && c->ops->destroy != NULL)
		c->ops->destroy(c->ctx);
	c->ops = NULL;
	c->ctx = NULL;
}

uint32_t
xr_conn_book_md(const struct xr_conn_book *books, uint32_t n, struct xr_conn_md_cursor *c,
		struct xr_conn_event *ev, uint32_t max)
{
	uint32_t k = 0;

	while (k < max && c->book < n) {
		const struct xr_conn_book *b = &books[c->book];
		uint32_t nl = b->levels < XR_CONN_MD_LEVELS ? b->levels : XR_CONN_MD_LEVELS;
		uint32_t side = c->level / nl, lv = c->level % nl;
		struct xr_conn_event *e = &ev[k++];
		memset(e, 0, sizeof(*e));
		e->kind = XR_EV_MARKET_DATA;
		e->symbol = b->symbol;
		e->side = side == 0 ? XR_SIDE_BUY : XR_SIDE_SELL;
		e->level = (uint8_t)lv;
		e->n_levels = (uint8_t)nl;
		e->px = side == 0 ? b->mid_px - b->tick_px * (int64_t)(lv + 1)
				  : b->mid_px + b->tick_px * (int64_t)(lv + 1);
		e->md_qty = b->level_qty;
		if (++c->level == 2 * nl) {
			c->level = 0;
			c->book++;
		}
	}
	return k;
}
