/*
 * Route parameters published through RCU (params_pvt.h).
 */
#include "params_pvt.h"

#include <stdlib.h>

#include <urcu-call-rcu.h>

struct xr_params *
xr_params_create(const struct xr_config *cfg, uint64_t version)
{
	const struct xr_engine_cfg *ec = &cfg->engine;
	struct xr_params *p = calloc(1, sizeof(*p) + cfg->n_venues * sizeof(p->venue[0]));

	if (p == NULL)
		return NULL;
	p->version = version;
	xr_select_params_init(&p->sel, ec);
	p->twap_notional = ec->twap_notional;
	p->twap_slices = ec->twap_slices ? ec->twap_slices : 1;
	p->twap_horizon_ns = (uint64_t)ec->twap_horizon_us * 1000;
	p->entry_collar_bps = ec->entry_collar_bps;
	p->depth_bps = ec->depth_bps;
	p->latency_ewma_ppm = ec->latency_ewma_ppm;
	p->error_ewma_ppm = ec->error_ewma_ppm;
	p->latency_threshold_ns = (uint64_t)ec->latency_threshold_us * 1000;
	p->error_rate_threshold_ppm = ec->error_rate_threshold_ppm;
	p->demote_start_ppm = ec->demote_start_ppm;
	p->demote_max_ppm = ec->demote_max_ppm;
	p->n_venues = cfg->n_venues;
	for (uint32_t v = 0; v < cfg->n_venues; v++) {
		const struct xr_venue_cfg *vc = &cfg->venues[v];
		p->venue[v] = (struct xr_venue_params){
			.fee_maker_cbps = vc->fee_maker_cbps,
			.fee_taker_cbps = vc->fee_taker_cbps,
			.network_distance_us = vc->network_distance_us,
			.rate_limit_per_s = vc->rate_limit_per_s,
			.rate_limit_burst = vc->rate_limit_burst,
		};
	}
	return p;
}

void
xr_params_free(struct xr_params *p)
{
	free(p);
}

static void
xr__params_release(struct rcu_head *head)
{
	struct xr_params *p = caa_container_of(head, struct xr_params, rcu);

#if XR_TSAN
	/* A grace period has passed: every reader's release at its quiescent
	 * state happens before this (xr_snapshot.h). */
	__tsan_acquire(&xr_snapshot_gp_token);
#endif
	xr_params_free(p);
}

void
xr_params_retire(struct xr_params *p)
{
	if (p != NULL)
		call_rcu(&p->rcu, xr__params_release);
}
