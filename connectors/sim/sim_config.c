/*
 * sim_config: the [venue NAME] keys of connector = sim, as the config
 * loader's schema (xr_config_schema.h): the plain keys in a table, the
 * timed faults (fault.NAME = KIND start_ms=N end_ms=N ...) through the key
 * hook, printed after the venue's books. Ranges and messages are those of
 * docs/connectors.md "Sim venues" and "Faults".
 *
 * Control path only: every function runs inside xr_config_load(),
 * xr_config_print() or xr_config_free(), on the caller's thread.
 */
#include "xr_sim_config.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xr_types.h"

#define XR__SV(f) offsetof(struct xr_sim_venue_cfg, f)

/* In the order xr_config_print() writes them (after fee_taker_bps). */
static const struct xr_config_key xr__sim_keys[] = {
	{ "latency_us", XR_CONFIG_T_U32, 0, XR__SV(latency_us), 50, 0, 10000000, NULL },
	{ "jitter_us", XR_CONFIG_T_U32, 0, XR__SV(jitter_us), 20, 0, 10000000, NULL },
	{ "reject_prob", XR_CONFIG_T_PPM, 0, XR__SV(reject_ppm), 0, 0, 1000000, NULL },
	{ "fail_prob", XR_CONFIG_T_PPM, 0, XR__SV(fail_ppm), 0, 0, 1000000, NULL },
	{ "seed", XR_CONFIG_T_U64, 0, XR__SV(seed), 1, 0, 0, NULL },
	{ "session_ms", XR_CONFIG_T_U32, 0, XR__SV(session_ms), 100, 1, 86400000, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

static const struct xr_config_word xr__w_fault[] = {
	{ "outage", XR_FAULT_OUTAGE },
	{ "disconnect", XR_FAULT_DISCONNECT },
	{ "latency_spike", XR_FAULT_LATENCY_SPIKE },
	{ "reject_burst", XR_FAULT_REJECT_BURST },
	{ "partial_fill", XR_FAULT_PARTIAL_FILL },
	{ "drop_answers", XR_FAULT_DROP_ANSWERS },
	{ "late_answers", XR_FAULT_LATE_ANSWERS },
	{ "dup_fill", XR_FAULT_DUP_FILL },
	{ "overfill", XR_FAULT_OVERFILL },
	{ "bad_price", XR_FAULT_BAD_PRICE },
	{ "foreign_report", XR_FAULT_FOREIGN_REPORT },
	{ NULL, 0 },
};
#define XR__FAULT_FORM                                                                         \
	"(form: KIND start_ms=N end_ms=N [every_ms=N] [prob=P] [ratio=R] [extra_us=N] "         \
	"[factor=F])"

/* Fields a fault kind needs (bit i = field i of xr__key_fault's list). */
static const uint8_t xr__fault_needs[XR_FAULT_COUNT] = {
	[XR_FAULT_OUTAGE] = 0x03,
	[XR_FAULT_DISCONNECT] = 0x03,
	[XR_FAULT_LATENCY_SPIKE] = 0x03 | 0x20,
	[XR_FAULT_REJECT_BURST] = 0x03 | 0x08,
	[XR_FAULT_PARTIAL_FILL] = 0x03 | 0x10,
	[XR_FAULT_DROP_ANSWERS] = 0x03 | 0x08,
	[XR_FAULT_LATE_ANSWERS] = 0x03 | 0x08 | 0x20,
	[XR_FAULT_DUP_FILL] = 0x03 | 0x08,
	[XR_FAULT_OVERFILL] = 0x03 | 0x08,
	[XR_FAULT_BAD_PRICE] = 0x03 | 0x08 | 0x40,
	[XR_FAULT_FOREIGN_REPORT] = 0x03 | 0x08,
};

/** fault.NAME = KIND start_ms=N end_ms=N [every_ms=N] [prob=P] [ratio=R] [extra_us=N]
 *  [factor=F] */
static int
xr__key_fault(struct xr_config_loader *ld, struct xr_sim_venue_cfg *sc, const char *key,
	      const char *value)
{
	static const char *const fields[7] = { "start_ms", "end_ms",   "every_ms", "prob",
					       "ratio",	   "extra_us", "factor" };
	const char *name = key + strlen("fault."), *cur = value, *item;
	struct xr_sim_fault_cfg f = { .kind = XR_FAULT_COUNT };
	int64_t x[7] = { 0, 0, 0, 0, 0, 0, 0 };
	unsigned have = 0;
	size_t len;
	char tok[128], why[200];

	if (!xr_config_valid_name(name, strlen(name), NULL))
		return xr_config_err(ld, xr_config_line(ld),
				     "[%s] %s: fault name \"%s\" must be 1..31 of "
				     "A-Z a-z 0-9 _ -",
				     xr_config_label(ld), key, name);
	if (sc->n_faults == XR_SIM_MAX_FAULTS)
		return xr_config_err(ld, xr_config_line(ld), "[%s] %s: more than %d faults",
				     xr_config_label(ld), key, XR_SIM_MAX_FAULTS);
	item = xr_config_list_next(&cur, &len);
	if (item != NULL) {
		snprintf(tok, sizeof(tok), "%.*s", (int)len, item);
		for (const struct xr_config_word *w = xr__w_fault; w->word != NULL; w++)
			if (strcmp(w->word, tok) == 0)
				f.kind = (uint8_t)w->value;
	}
	if (f.kind == XR_FAULT_COUNT) {
		char list[160];
		xr_config_word_list(xr__w_fault, list, sizeof(list));
		return xr_config_value_err(ld, key, value,
					   "does not start with a fault kind (one of: %s)", list);
	}
	while ((item = xr_config_list_next(&cur, &len)) != NULL) {
		const char *eq = memchr(item, '=', len);
		int i;
		if (len >= sizeof(tok))
			return xr_config_value_err(ld, key, value,
						   "has a field longer than %zu characters",
						   sizeof(tok) - 1);
		snprintf(tok, sizeof(tok), "%.*s", (int)len, item);
		for (i = 0; i < 7; i++)
			if (eq != NULL && (size_t)(eq - item) == strlen(fields[i]) &&
			    memcmp(item, fields[i], strlen(fields[i])) == 0)
				break;
		if (i == 7)
			return xr_config_value_err(ld, key, value,
						   "has unknown field \"%s\" " XR__FAULT_FORM, tok);
		if (have & (1u << i))
			return xr_config_value_err(ld, key, value, "sets %s twice", fields[i]);
		const char *num = tok + strlen(fields[i]) + 1;
		int rc = i == 3 || i == 4
				 ? xr_config_num(num, 6, 0, 1000000, 0, &x[i], why, sizeof(why))
			 : i == 6 ? xr_config_num(num, 6, 1000000, 1000000000, 0, &x[i], why,
						  sizeof(why))
				  : xr_config_num(num, 0, 0, 86400000, 0, &x[i], why, sizeof(why));
		if (rc != 0)
			return xr_config_value_err(ld, key, tok, "%s", why);
		if (!(xr__fault_needs[f.kind] & (1u << i)) && i != 2)
			return xr_config_value_err(ld, key, value, "%s does not apply to %s",
						   fields[i],
						   xr_config_word_name(xr__w_fault, f.kind));
		have |= 1u << i;
	}
	for (int i = 0; i < 7; i++)
		if ((xr__fault_needs[f.kind] & (1u << i)) && !(have & (1u << i)))
			return xr_config_value_err(ld, key, value, "lacks %s= " XR__FAULT_FORM,
						   fields[i]);
	if (x[1] <= x[0])
		return xr_config_value_err(ld, key, value, "has end_ms <= start_ms");
	if ((have & 4) && x[2] < x[1] - x[0])
		return xr_config_value_err(
			ld, key, value, "has every_ms shorter than the window (end_ms - start_ms)");
	snprintf(f.name, sizeof(f.name), "%s", name);
	f.start_ns = (uint64_t)x[0] * 1000000;
	f.end_ns = (uint64_t)x[1] * 1000000;
	f.every_ns = (uint64_t)x[2] * 1000000;
	f.prob_ppm = (uint32_t)x[3];
	f.ratio_ppm = (uint32_t)x[4];
	f.extra_us = (uint32_t)x[5];
	f.factor_ppm = (uint32_t)x[6];
	struct xr_sim_fault_cfg *a = realloc(sc->faults, (size_t)(sc->n_faults + 1) * sizeof(*a));
	if (a == NULL)
		return xr_config_oom(ld);
	sc->faults = a;
	a[sc->n_faults++] = f;
	return 0;
}

/* time_in_force = day, gtc, ioc, fok (the TimeInForce values a FIX venue takes) */

static int
xr__sim_key(struct xr_config_loader *ld, void *cc, const char *key, const char *value)
{
	if (strncmp(key, "fault.", 6) != 0)
		return 1;
	return xr__key_fault(ld, cc, key, value);
}

/* A fault on a venue of another kind: "fault.NAME applies only to ...". */
static const char *
xr__sim_extra_set(const void *cc, char *buf, size_t len)
{
	const struct xr_sim_venue_cfg *sc = cc;

	if (sc->n_faults == 0)
		return NULL;
	snprintf(buf, len, "fault.%s", sc->faults[0].name);
	return buf;
}

/* fault.NAME keys, after the books, with the fields their kind takes. */
static void
xr__sim_print_tail(const struct xr_config *cfg, const struct xr_venue_cfg *v, const void *cc,
		   FILE *out)
{
	const struct xr_sim_venue_cfg *sc = cc;

	(void)cfg;
	(void)v;
	for (uint32_t j = 0; j < sc->n_faults; j++) {
		const struct xr_sim_fault_cfg *f = &sc->faults[j];
		char pb[24];
		fprintf(out, "fault.%s = %s start_ms=%" PRIu64 " end_ms=%" PRIu64, f->name,
			xr_config_word_name(xr__w_fault, f->kind), f->start_ns / 1000000,
			f->end_ns / 1000000);
		if (f->every_ns != 0)
			fprintf(out, " every_ms=%" PRIu64, f->every_ns / 1000000);
		if (xr__fault_needs[f->kind] & 0x08) {
			xr_fixed_format(pb, f->prob_ppm, 6);
			fprintf(out, " prob=%s", pb);
		}
		if (xr__fault_needs[f->kind] & 0x10) {
			xr_fixed_format(pb, f->ratio_ppm, 6);
			fprintf(out, " ratio=%s", pb);
		}
		if (xr__fault_needs[f->kind] & 0x20)
			fprintf(out, " extra_us=%" PRIu32, f->extra_us);
		if (xr__fault_needs[f->kind] & 0x40) {
			xr_fixed_format(pb, f->factor_ppm, 6);
			fprintf(out, " factor=%s", pb);
		}
		fprintf(out, "\n");
	}
}

static void
xr__sim_free(void *cc)
{
	free(((struct xr_sim_venue_cfg *)cc)->faults);
}

static uint64_t
xr__sim_seed(const void *cc)
{
	return ((const struct xr_sim_venue_cfg *)cc)->seed;
}

const struct xr_config_schema xr_sim_config_schema = {
	.name = "sim",
	.keys = xr__sim_keys,
	.size = sizeof(struct xr_sim_venue_cfg),
	.print_after = "fee_taker_bps",
	.key = xr__sim_key,
	.extra_set = xr__sim_extra_set,
	.print_tail = xr__sim_print_tail,
	.free = xr__sim_free,
	.seed = xr__sim_seed,
};
