/*
 * sources_report: the per-source lines of a serve run's summary, as text
 * (xr_engine_print_summary()) and as JSON (xr_engine_write_summary_json()):
 * what each client, FIX session and the file sent, what came back, and
 * how the round trip inside the router went (docs/serve.md "Counters").
 * Thread: the owner, after the threads stopped.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sources_pvt.h"
#include "xr_hist.h"

static const char *
xr__kind_name(uint8_t k)
{
	return k == XR_SRC_CLIENT ? "client" : k == XR_SRC_FIX ? "fix" : "file";
}

void
xr_sources_print(const struct xr_sources *s, FILE *out)
{
	if (s->n == 0)
		return;
	fprintf(out, "sources             kind      signals   results  resubmits  not_auth   refused"
		"  held peak  dropped  disconn   rtt p50 (us)  p99 (us)\n");
	for (uint32_t i = 0; i < s->n; i++) {
		const struct xr_source *src = &s->src[i];
		const struct xr_src_counters *c = &src->c;
		fprintf(out, "  %-17s %-6s %10" PRIu64 " %9" PRIu64 " %10" PRIu64 " %9" PRIu64
			" %9" PRIu64 " %10" PRIu64 " %8" PRIu64 " %8" PRIu64 " %13.1f %9.1f\n",
			src->name, xr__kind_name(src->kind), c->signals, c->results, c->resubmits,
			c->not_authorized, c->refused, c->buffer_peak, c->events_dropped,
			c->disconnects, (double)xr_hist_value_at_ppm(src->rtt, 500000) / 1000.0,
			(double)xr_hist_value_at_ppm(src->rtt, 990000) / 1000.0);
	}
	fprintf(out, "  answered at the source (not routed): %" PRIu64 ", duplicates %" PRIu64 "\n",
		s->unrouted_answers, s->duplicates);
}

int
xr_sources_write_hgrm(const struct xr_sources *s, const char *dir, char *err, size_t err_len)
{
	for (uint32_t i = 0; i < s->n; i++) {
		const struct xr_source *src = &s->src[i];
		char path[4096];
		snprintf(path, sizeof(path), "%s/source-%s.hgrm", dir, src->name);
		FILE *f = fopen(path, "w");
		if (f == NULL) {
			int rc = errno;
			snprintf(err, err_len, "%s: %s", path, strerror(rc));
			return -rc;
		}
		int rc = xr_hist_write_hgrm(src->rtt, f, 1000.0);
		if (fclose(f) != 0 && rc == 0)
			rc = -errno;
		if (rc != 0) {
			snprintf(err, err_len, "%s: %s", path, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

void
xr_sources_write_json(const struct xr_sources *s, FILE *out)
{
	fprintf(out, "\"sources\":[");
	for (uint32_t i = 0; i < s->n; i++) {
		const struct xr_source *src = &s->src[i];
		const struct xr_src_counters *c = &src->c;
		fprintf(out, "%s{\"name\":\"%s\",\"kind\":\"%s\",\"records\":%" PRIu64
			",\"signals\":%" PRIu64 ",\"results\":%" PRIu64 ",\"fills\":%" PRIu64
			",\"resubmits\":%" PRIu64 ",\"not_authorized\":%" PRIu64 ",\"refused\":%" PRIu64
			",\"stopped\":%" PRIu64 ",\"window_full\":%" PRIu64 ",\"cancels\":%" PRIu64
			",\"cancel_rejects\":%" PRIu64 ",\"duplicates\":%" PRIu64
			",\"events_sent\":%" PRIu64 ",\"events_held\":%" PRIu64
			",\"events_dropped\":%" PRIu64 ",\"buffer_peak\":%" PRIu64
			",\"sessions\":%" PRIu64 ",\"disconnects\":%" PRIu64 ",\"burst_capped\":%" PRIu64
			",\"rtt_p50_ns\":%" PRIu64 ",\"rtt_p99_ns\":%" PRIu64 ",\"rtt_p999_ns\":%" PRIu64
			"}",
			i ? "," : "", src->name, xr__kind_name(src->kind), c->records, c->signals,
			c->results, c->fills, c->resubmits, c->not_authorized, c->refused, c->stopped,
			c->window_full, c->cancels, c->cancel_rejects, c->duplicates, c->events_sent,
			c->events_held, c->events_dropped, c->buffer_peak, c->sessions,
			c->disconnects, c->burst_capped, xr_hist_value_at_ppm(src->rtt, 500000),
			xr_hist_value_at_ppm(src->rtt, 990000), xr_hist_value_at_ppm(src->rtt, 999000));
	}
	fprintf(out, "],\"unrouted_answers\":%" PRIu64 ",", s->unrouted_answers);
}
