/*
 * fix_entry stage: `xroute serve`'s FIX order-entry gateway. Each call
 * hands the outcomes ingress sent back (ingress_to_fix) to the gateway,
 * which turns them into ExecutionReports; then it serves the sockets and
 * sessions (accept, read, heartbeats); then it passes the orders and
 * cancels the gateway decoded to ingress (fix_to_ingress), as many as the
 * ring has room for; the rest wait in the gateway (its queue is bounded;
 * past it a session's input waits in its socket).
 *
 * Like an execute stage with a FIX venue, this stage makes syscalls (the
 * sockets are TCP): run it on a thread of its own when FIX order entry
 * carries load, so the shared-memory clients' path has none (docs/serve.md
 * "Threads").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "stage_fix_entry_pvt.h"

static uint32_t
xr__fix_entry_work(struct xr_stage *st)
{
	struct xr_fix_entry *f = (struct xr_fix_entry *)st;
	uint64_t now = *st->loop_ns;
	struct xr_fix_out back[XR_MAX_BURST / 4];
	uint32_t did = 0;

	uint32_t n = xr_ring_dequeue_burst(f->from_ingress, back, XR_MAX_BURST / 4);
	for (uint32_t i = 0; i < n; i++) {
		f->events++;
		if (xr_fix_gateway_event(f->gw, back[i].session, &back[i].ev) != 0)
			f->events_refused++;
	}
	did += n;
	int p = xr_fix_gateway_poll(f->gw, now);
	if (p > 0) {
		st->doing |= 1u << XR_DO_CONNECTOR;
		did += (uint32_t)p;
	}
	struct xr_msg m;
	uint32_t session;
	while (xr_ring_free_count(f->to_ingress) != 0 && xr_fix_gateway_next(f->gw, &m, &session)) {
		m.line = session; /* ingress reads the session from it */
		xr_ring_enqueue(f->to_ingress, &m);
		st->items++;
		did++;
	}
	if (n != 0)
		st->doing |= 1u << XR_DO_MESSAGES;
	return did;
}

int
xr_fix_entry_init(struct xr_engine *e, char *err, size_t err_len)
{
	struct xr_fix_entry *f = e->fix_entry;
	const struct xr_config *cfg = e->cfg;
	char gerr[256];

	snprintf(f->st.name, sizeof(f->st.name), XR_STAGE_FIX_ENTRY);
	f->st.do_work = xr__fix_entry_work;
	f->st.eng = e;
	f->to_ingress = e->fix_to_ingress;
	f->from_ingress = e->ingress_to_fix;
	const char *listen = cfg->serve.fix_listen[0] ? cfg->serve.fix_listen : "127.0.0.1:0";
	/* Orders remembered per session: as many as may be in flight. */
	f->gw = xr_fix_gateway_create(cfg->fix_clients, cfg->n_fix_clients, listen, e->names,
				      cfg->engine.max_inflight_orders, gerr, sizeof(gerr));
	if (f->gw == NULL) {
		snprintf(err, err_len, "[serve] fix_listen %s: %s", listen, gerr);
		return -EINVAL;
	}
	fprintf(stderr, "xroute serve: FIX order entry on %s (port %u), %u sessions\n", listen,
		(unsigned)xr_fix_gateway_port(f->gw), cfg->n_fix_clients);
	return 0;
}

void
xr_fix_entry_fini(struct xr_fix_entry *f)
{
	xr_fix_gateway_destroy(f->gw);
	f->gw = NULL;
}
