/*
 * Colocated mode, the CPU part: the kernel's cpulist format, the checks of
 * the thread plan's CPUs (online at setup; isolated and not shared at start)
 * and the warnings printed when they fail. See colocated_pvt.h for the API
 * and docs/deploy.md for the deployment it serves.
 *
 * DESIGN
 *   The CPU warnings come from /sys/devices/system/cpu/isolated (isolcpus=)
 *   and .../nohz_full (nohz_full=), both in the kernel's cpulist format; a
 *   missing file means the feature is off. The parsing and the rules are
 *   pure functions (tests/unit/engine/test_colocated.c); the memory part
 *   (colocated_mem.c) calls the checks from xr_coloc_setup() and
 *   xr_coloc_report(). Nothing here knows the memory part.
 *
 * GUARANTEES
 *   Control path only: nothing here runs on a stage thread.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_pvt.h"

/* ------------------------------------------------------------------ */
/* The kernel cpulist format. */

static const char *
xr__skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

/* A decimal number at *p; advances *p. 0, -EINVAL (no digit), -ERANGE. */
static int
xr__cpulist_num(const char **p, unsigned long *out)
{
	const char *s = *p;
	unsigned long v = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v >= XR_CPUSET_MAX)
			return -ERANGE; /* stop before it can overflow */
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*p = s;
	*out = v;
	return 0;
}

int
xr_cpulist_parse(const char *s, struct xr_cpuset *set)
{
	const char *p = xr__skip_blanks(s);
	int rc;

	memset(set, 0, sizeof(*set));
	if (*p == '\0')
		return 0;
	for (;;) {
		unsigned long a, b, used = 1, group = 1;

		p = xr__skip_blanks(p);
		if ((rc = xr__cpulist_num(&p, &a)) != 0)
			goto fail;
		b = a;
		if (*p == '-') {
			p++;
			if ((rc = xr__cpulist_num(&p, &b)) != 0)
				goto fail;
			rc = -EINVAL;
			if (b < a)
				goto fail;
			if (*p == ':') {
				p++;
				if ((rc = xr__cpulist_num(&p, &used)) != 0)
					goto fail;
				rc = -EINVAL;
				if (*p++ != '/')
					goto fail;
				if ((rc = xr__cpulist_num(&p, &group)) != 0)
					goto fail;
				rc = -EINVAL;
				if (used == 0 || group == 0 || used > group)
					goto fail;
			}
		}
		rc = -ERANGE;
		if (b >= XR_CPUSET_MAX)
			goto fail;
		for (unsigned long c = a; c <= b; c++)
			if ((c - a) % group < used)
				set->bits[c / 64] |= UINT64_C(1) << (c % 64);
		p = xr__skip_blanks(p);
		if (*p == '\0')
			return 0;
		rc = -EINVAL;
		if (*p++ != ',')
			goto fail;
	}
fail:
	memset(set, 0, sizeof(*set));
	return rc;
}

int
xr_cpulist_read(const char *path, struct xr_cpuset *set)
{
	char buf[8192];
	FILE *f = fopen(path, "r");

	memset(set, 0, sizeof(*set));
	if (f == NULL)
		return errno == ENOENT ? 0 : -errno;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	int rc = ferror(f) ? -EIO : 0;
	fclose(f);
	if (rc != 0)
		return rc;
	buf[n] = '\0';
	return xr_cpulist_parse(buf, set);
}

void
xr_cpuset_format(const struct xr_cpuset *set, char *buf, size_t len)
{
	size_t n = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (int c = 0; c < XR_CPUSET_MAX && n < len; c++) {
		if (!xr_cpuset_has(set, c))
			continue;
		int w = snprintf(buf + n, len - n, "%s%d", n ? "," : "", c);
		if (w < 0)
			break;
		n += (size_t)w;
	}
	if (n == 0)
		snprintf(buf, len, "none");
}

/* ------------------------------------------------------------------ */
/* Warnings about the thread plan's CPUs. */

uint32_t
xr_cpu_warnings(const struct xr_config *cfg, const struct xr_cpuset *isolated,
		const struct xr_cpuset *nohz_full, struct xr_cpu_warning *out, uint32_t max)
{
	uint32_t n = 0;

#define XR__PUSH(...)                                                                              \
	do {                                                                                       \
		if (n < max)                                                                       \
			out[n] = (struct xr_cpu_warning){ __VA_ARGS__ };                           \
		n++;                                                                               \
	} while (0)

	for (uint32_t i = 0; i < cfg->n_threads; i++) {
		const struct xr_thread_cfg *t = &cfg->threads[i];
		if (t->cpu < 0 || t->wait != XR_WAIT_BUSY_SPIN)
			continue;
		bool iso = xr_cpuset_has(isolated, t->cpu);
		bool nohz = xr_cpuset_has(nohz_full, t->cpu);
		if (!iso || !nohz)
			XR__PUSH(.kind = XR_CPUW_NOT_ISOLATED, .in_isolated = iso,
				 .in_nohz_full = nohz, .thread = (uint16_t)i, .other = (uint16_t)i,
				 .cpu = t->cpu);
	}
	for (uint32_t i = 0; i < cfg->n_threads; i++) {
		const struct xr_thread_cfg *a = &cfg->threads[i];
		if (a->cpu < 0)
			continue;
		for (uint32_t j = i + 1; j < cfg->n_threads; j++) {
			const struct xr_thread_cfg *b = &cfg->threads[j];
			bool sa = a->wait == XR_WAIT_BUSY_SPIN, sb = b->wait == XR_WAIT_BUSY_SPIN;
			if (b->cpu != a->cpu || (!sa && !sb))
				continue;
			if (sa && sb)
				XR__PUSH(.kind = XR_CPUW_SPIN_SHARED, .thread = (uint16_t)i,
					 .other = (uint16_t)j, .cpu = a->cpu);
			else
				XR__PUSH(.kind = XR_CPUW_CPU_SHARED,
					 .thread = (uint16_t)(sa ? i : j),
					 .other = (uint16_t)(sa ? j : i), .cpu = a->cpu);
		}
	}
#undef XR__PUSH
	return n;
}

static const char *
xr__wait_name(uint8_t wait)
{
	switch (wait) {
	case XR_WAIT_BUSY_SPIN: return "busy_spin";
	case XR_WAIT_YIELD: return "yield";
	default: return "backoff";
	}
}

void
xr_cpu_warning_format(const struct xr_config *cfg, const struct xr_cpu_warning *w, char *buf,
		      size_t len)
{
	const char *t = cfg->threads[w->thread].name;
	const char *o = cfg->threads[w->other].name;

	switch (w->kind) {
	case XR_CPUW_NOT_ISOLATED:
		if (!w->in_isolated && !w->in_nohz_full)
			snprintf(buf, len,
				 "thread %s busy-spins on cpu %d, which is not isolated (in neither "
				 "isolcpus nor nohz_full): other tasks, interrupts and the "
				 "scheduler tick will preempt it (docs/deploy.md)",
				 t, w->cpu);
		else if (!w->in_nohz_full)
			snprintf(buf, len,
				 "thread %s busy-spins on cpu %d, which is in isolcpus but not "
				 "nohz_full: the scheduler tick still interrupts it (docs/deploy.md)",
				 t, w->cpu);
		else
			snprintf(buf, len,
				 "thread %s busy-spins on cpu %d, which is in nohz_full but not "
				 "isolcpus: the scheduler may still place other tasks on it "
				 "(docs/deploy.md)",
				 t, w->cpu);
		return;
	case XR_CPUW_SPIN_SHARED:
		snprintf(buf, len,
			 "threads %s and %s both busy-spin on cpu %d: each runs only when the "
			 "scheduler preempts the other (a time slice, milliseconds); give each "
			 "its own cpu",
			 t, o, w->cpu);
		return;
	case XR_CPUW_CPU_SHARED:
		snprintf(buf, len,
			 "thread %s busy-spins on cpu %d, which thread %s (%s) also uses: %s "
			 "runs only when %s is preempted; give them different cpus",
			 t, w->cpu, o, xr__wait_name(cfg->threads[w->other].wait), o, t);
		return;
	default:
		snprintf(buf, len, "thread %s, cpu %d: unknown warning %u", t, w->cpu, w->kind);
		return;
	}
}

/* ------------------------------------------------------------------ */
/* The engine's CPUs. */

static bool
xr__cpuset_empty(const struct xr_cpuset *s)
{
	for (int i = 0; i < XR_CPUSET_MAX / 64; i++)
		if (s->bits[i] != 0)
			return false;
	return true;
}

/*
 * Colocated: every thread's CPU online. The process's own affinity is no
 * limit (a thread may pin itself anywhere its cgroup cpuset allows, and
 * deploy.md keeps the owner on housekeeping CPUs with CPUAffinity=); a CPU
 * outside the cpuset fails pthread_create, reported by the runner.
 */
int
xr_coloc_check_cpus(const struct xr_engine *e, char *err, size_t err_len)
{
	const struct xr_config *cfg = e->cfg;
	struct xr_cpuset online;
	char list[256];

	if (xr_cpulist_read("/sys/devices/system/cpu/online", &online) != 0 ||
	    xr__cpuset_empty(&online)) {
		/* No sysfs: CPUs 0..n-1. */
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		memset(&online, 0, sizeof(online));
		for (long c = 0; c < n && c < XR_CPUSET_MAX; c++)
			online.bits[c / 64] |= UINT64_C(1) << (c % 64);
	}
	for (uint32_t i = 0; i < cfg->n_threads; i++) {
		const struct xr_thread_cfg *t = &cfg->threads[i];
		if (!xr_cpuset_has(&online, t->cpu)) {
			xr_cpuset_format(&online, list, sizeof(list));
			snprintf(err, err_len,
				 "mode = colocated: thread %s: cpu %d is not online (online: %s)",
				 t->name, t->cpu, list);
			return -EINVAL;
		}
	}
	return 0;
}

uint32_t
xr_cpu_spinning(const struct xr_config *cfg, struct xr_cpuset *spin)
{
	uint32_t n_spin = 0;

	memset(spin, 0, sizeof(*spin));
	for (uint32_t i = 0; i < cfg->n_threads; i++) {
		const struct xr_thread_cfg *t = &cfg->threads[i];
		if (t->wait != XR_WAIT_BUSY_SPIN)
			continue;
		n_spin++;
		if (t->cpu >= 0 && t->cpu < XR_CPUSET_MAX)
			spin->bits[t->cpu / 64] |= UINT64_C(1) << (t->cpu % 64);
	}
	return n_spin;
}

void
xr_cpu_report_isolation(const struct xr_config *cfg, FILE *out)
{
	struct xr_cpuset spin, isolated, nohz;
	struct xr_cpu_warning w[XR_CPU_WARNINGS_MAX];
	char buf[512];

	if (xr_cpu_spinning(cfg, &spin) == 0)
		return;
	static const char *const files[2] = { "/sys/devices/system/cpu/isolated",
					       "/sys/devices/system/cpu/nohz_full" };
	struct xr_cpuset *sets[2] = { &isolated, &nohz };
	for (int i = 0; i < 2; i++) {
		int rc = xr_cpulist_read(files[i], sets[i]);
		if (rc != 0)
			fprintf(out, "xroute: warning: %s: %s; taken as no isolated cpu\n", files[i],
				strerror(-rc));
	}
	uint32_t nw = xr_cpu_warnings(cfg, &isolated, &nohz, w, XR_CPU_WARNINGS_MAX);
	for (uint32_t i = 0; i < nw && i < XR_CPU_WARNINGS_MAX; i++) {
		xr_cpu_warning_format(cfg, &w[i], buf, sizeof(buf));
		fprintf(out, "xroute: warning: %s\n", buf);
	}
}
