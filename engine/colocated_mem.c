/*
 * Colocated mode, the memory part: memory locking, the ring arena,
 * prefaulting, and the engine's colocated setup, start report and teardown.
 * See colocated_pvt.h for the API and docs/deploy.md for the deployment it
 * serves; the CPU checks and warnings are in colocated_cpu.c.
 *
 * DESIGN
 *   xr_engine_create() calls xr_coloc_setup() first: mlockall(MCL_CURRENT |
 *   MCL_FUTURE) so that the kernel populates every later allocation, then
 *   one mmap for all rings (MAP_HUGETLB when huge_pages allows it, else
 *   transparent huge pages via madvise(MADV_HUGEPAGE), else base pages),
 *   carved with xr_ring_memsize() / xr_ring_init(). Once the stages exist,
 *   xr_coloc_prefault() faults in every pool and table they use, in every
 *   mode (rings are zeroed, so faulted in, when they are made), so the
 *   first signals take no page fault even where mlockall was refused
 *   (lock_memory = try) or not asked for (standard mode). On a virtual
 *   machine a first-touch fault costs microseconds (the page is cleared
 *   under the hypervisor), and a run's first tens of milliseconds would
 *   otherwise be spent taking them. xr_coloc_report() prints one line
 *   saying what was done, then the warnings, just before the threads start.
 *
 *   Prefaulting goes one way (regions_pvt.h): each stage, and the snapshot
 *   pool, only lists its regions (xr_<part>_regions, a walk calling a
 *   visitor per region); the engine strings those walks together, and
 *   xr_coloc_prefault() here walks the result, the one place that calls
 *   xr_prefault() on them. No stage calls into this file, and this file
 *   knows no stage.
 *
 * GUARANTEES
 *   Control path only: nothing here runs on a stage thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "engine_pvt.h"

/* CAP_IPC_LOCK's bit in /proc/self/status CapEff (linux/capability.h). */
#define XR__CAP_IPC_LOCK 14
/* Huge page size assumed when /proc/meminfo or sysfs does not say. */
#define XR__HUGE_DEFAULT (UINT64_C(2) << 20)
/* Bytes in a MiB, for the report. */
#define XR__MIB (1024.0 * 1024.0)

/* ------------------------------------------------------------------ */
/* Memory: locking, the arena, prefaulting. */

static size_t
xr__page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);
	return p > 0 ? (size_t)p : 4096;
}

static size_t
xr__round_up(size_t x, size_t to)
{
	return (x + to - 1) / to * to;
}

/* madvise(2) MADV_POPULATE_WRITE, from Linux 5.14's uapi; Debian 12's
 * glibc headers predate it. */
#ifdef MADV_POPULATE_WRITE
#define XR__POPULATE_WRITE MADV_POPULATE_WRITE
#else
#define XR__POPULATE_WRITE 23
#endif

size_t
xr_prefault(void *p, size_t bytes)
{
	size_t page = xr__page_size();

	if (p == NULL || bytes == 0)
		return 0;
	uintptr_t start = (uintptr_t)p;
	/* One call faults every page in writable, without touching the
	 * contents (Linux 5.14). A read-then-write per page costs two faults:
	 * the read maps the shared zero page, and the write copies it. */
	uintptr_t lo = start / page * page;
	if (madvise((void *)lo, xr__round_up(start + bytes - lo, page), XR__POPULATE_WRITE) == 0)
		return bytes;
	/* Older kernels (EINVAL), or a range not all mapped: page by page.
	 * volatile: the compiler must not drop a store of the value just
	 * read; the store is what faults the page in writable. */
	volatile unsigned char *c = p;
	for (size_t off = 0; off < bytes; off = (start + off) / page * page + page - start)
		c[off] = c[off];
	return bytes;
}

/* The number N of a "Key: N" or "Key: N kB" line of /proc/meminfo; 0 if
 * absent. */
static uint64_t
xr__meminfo(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	uint64_t v = 0;
	size_t klen = strlen(key);

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			v = strtoull(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/* Contents of a small sysfs file, or "" (buf of len bytes). */
static const char *
xr__read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* Transparent huge pages can be had with madvise (mode always or madvise). */
static bool
xr__thp_available(void)
{
	char buf[128];
	const char *s = xr__read_small("/sys/kernel/mm/transparent_hugepage/enabled", buf,
				       sizeof(buf));
	return strstr(s, "[always]") != NULL || strstr(s, "[madvise]") != NULL;
}

static size_t
xr__thp_size(void)
{
	char buf[64];
	unsigned long long v = strtoull(
		xr__read_small("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", buf,
			       sizeof(buf)),
		NULL, 10);
	return v != 0 ? (size_t)v : (size_t)XR__HUGE_DEFAULT;
}

/* AnonHugePages (bytes) of the mapping that holds @p addr, from smaps. */
static size_t
xr__smaps_anon_huge(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool in = false;
	size_t v = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long lo, hi;
		/* A mapping's header starts "lo-hi " (lower-case hex); its fields
		 * start "Name:". */
		size_t span = strspn(line, "0123456789abcdef-");
		if (line[span] == ' ' && sscanf(line, "%lx-%lx", &lo, &hi) == 2) {
			if (in)
				break;
			in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
		} else if (in && strncmp(line, "AnonHugePages:", 14) == 0) {
			v = (size_t)strtoull(line + 14, NULL, 10) * 1024;
			break;
		}
	}
	fclose(f);
	return v;
}

/* "2 MiB", "1 GiB", "4 KiB". */
static void
xr__size_text(size_t bytes, char *buf, size_t len)
{
	if (bytes >= (1u << 30) && bytes % (1u << 30) == 0)
		snprintf(buf, len, "%zu GiB", bytes >> 30);
	else if (bytes >= (1u << 20) && bytes % (1u << 20) == 0)
		snprintf(buf, len, "%zu MiB", bytes >> 20);
	else
		snprintf(buf, len, "%zu KiB", bytes >> 10);
}

/* Base pages, or transparent huge pages when @p thp: mapped aligned to the
 * huge page size so every whole huge page of it can be one. */
static int
xr__arena_map_plain(struct xr_arena *a, size_t bytes, bool thp)
{
	size_t page = xr__page_size();
	size_t align = thp ? xr__thp_size() : page;
	size_t len = xr__round_up(bytes, align);
	size_t map_len = len + (thp ? align : 0);
	/* THP: no access until madvise(MADV_HUGEPAGE), or mlockall's
	 * MCL_FUTURE would populate the mapping with base pages at once;
	 * mprotect() then populates a locked mapping with huge pages. */
	unsigned char *m = mmap(NULL, map_len, thp ? PROT_NONE : PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | (thp ? 0 : MAP_POPULATE), -1, 0);

	if (m == MAP_FAILED)
		return -errno;
	unsigned char *base = m;
	if (thp) {
		base = (unsigned char *)xr__round_up((uintptr_t)m, align);
		if (base > m)
			munmap(m, (size_t)(base - m));
		if (m + map_len > base + len)
			munmap(base + len, (size_t)(m + map_len - (base + len)));
		if (madvise(base, len, MADV_HUGEPAGE) != 0 ||
		    mprotect(base, len, PROT_READ | PROT_WRITE) != 0) {
			int rc = -errno;
			munmap(base, len);
			return rc;
		}
	}
	a->base = base;
	a->len = len;
	a->pages = thp ? XR_ARENA_THP : XR_ARENA_SMALL;
	a->page_bytes = thp ? align : page;
	xr_prefault(base, len); /* THP: faults in the huge pages */
	a->thp_bytes = xr__smaps_anon_huge(base);
	if (a->thp_bytes > len)
		a->thp_bytes = len;
	return 0;
}

int
xr_arena_create(struct xr_arena *a, size_t bytes, uint8_t huge, char *note, size_t note_len,
		char *err, size_t err_len)
{
	int rc;

	memset(a, 0, sizeof(*a));
	if (note_len > 0)
		note[0] = '\0';
	if (bytes == 0)
		bytes = 1;
	if (huge != XR_HUGE_PAGES_OFF) {
		uint64_t hp = xr__meminfo("Hugepagesize") * 1024; /* kB */
		size_t hpage = hp != 0 ? (size_t)hp : (size_t)XR__HUGE_DEFAULT;
		size_t len = xr__round_up(bytes, hpage);
		char hp_text[32];
		xr__size_text(hpage, hp_text, sizeof(hp_text));
		void *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
		if (m != MAP_FAILED) {
			a->base = m;
			a->len = len;
			a->pages = XR_ARENA_HUGETLB;
			a->page_bytes = hpage;
			xr_prefault(m, len);
			return 0;
		}
		rc = errno;
		uint64_t free_pages = xr__meminfo("HugePages_Free");
		if (huge == XR_HUGE_PAGES_ON) {
			snprintf(err, err_len,
				 "huge_pages = on: cannot map %.1f MiB of rings in %s huge pages: "
				 "mmap(MAP_HUGETLB): %s (%" PRIu64 " free); reserve at least %zu "
				 "(sysctl vm.nr_hugepages, docs/deploy.md) or set huge_pages = try",
				 (double)bytes / XR__MIB, hp_text, strerror(rc), free_pages,
				 len / hpage);
			return -rc;
		}
		bool thp = xr__thp_available();
		int thp_rc = thp ? xr__arena_map_plain(a, bytes, true) : 0;
		char how[128];
		if (thp && thp_rc == 0)
			snprintf(how, sizeof(how), "transparent huge pages");
		else if (thp)
			snprintf(how, sizeof(how), "4 KiB pages (transparent huge pages: %s)",
				 strerror(-thp_rc));
		else
			snprintf(how, sizeof(how), "4 KiB pages (transparent huge pages are off)");
		snprintf(note, note_len,
			 "huge_pages = try: no %s huge pages for %.1f MiB of rings (mmap(MAP_HUGETLB): "
			 "%s, %" PRIu64 " free; reserve %zu with sysctl vm.nr_hugepages, "
			 "docs/deploy.md): using %s",
			 hp_text, (double)bytes / XR__MIB, strerror(rc), free_pages, len / hpage, how);
		if (thp && thp_rc == 0)
			return 0;
	}
	rc = xr__arena_map_plain(a, bytes, false);
	if (rc != 0)
		snprintf(err, err_len, "cannot map %.1f MiB for the rings: %s",
			 (double)bytes / XR__MIB, strerror(-rc));
	return rc;
}

void *
xr_arena_alloc(struct xr_arena *a, size_t bytes, size_t align)
{
	size_t off = xr__round_up(a->used, align);

	if (a->base == NULL || off > a->len || bytes > a->len - off)
		return NULL;
	a->used = off + bytes;
	return a->base + off;
}

void
xr_arena_destroy(struct xr_arena *a)
{
	if (a->base != NULL)
		munmap(a->base, a->len);
	memset(a, 0, sizeof(*a));
}

static bool
xr__has_cap_ipc_lock(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	bool has = false;

	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long long eff;
		if (sscanf(line, "CapEff: %llx", &eff) == 1) {
			has = (eff >> XR__CAP_IPC_LOCK) & 1u;
			break;
		}
	}
	fclose(f);
	return has;
}

int
xr_memory_lock(uint8_t mode, bool *locked, char *msg, size_t msg_len)
{
	static const char fix[] = "raise the limit (ulimit -l unlimited; systemd: "
				  "LimitMEMLOCK=infinity; docs/deploy.md)";
	const char *then = mode == XR_LOCK_MEMORY_TRY
				   ? "; running with memory not locked (lock_memory = try)"
				   : ", or set lock_memory = try or false";
	struct rlimit rl;
	int rc;

	*locked = false;
	if (msg_len > 0)
		msg[0] = '\0';
	if (mode == XR_LOCK_MEMORY_FALSE)
		return 0;
	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    !xr__has_cap_ipc_lock()) {
		rc = -ENOMEM;
		snprintf(msg, msg_len,
			 "lock_memory: RLIMIT_MEMLOCK is %llu KiB and the process lacks "
			 "CAP_IPC_LOCK, so mlockall(MCL_CURRENT|MCL_FUTURE) would make allocations "
			 "fail at that limit; %s%s",
			 (unsigned long long)rl.rlim_cur / 1024, fix, then);
	} else if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
		rc = -errno;
		snprintf(msg, msg_len, "lock_memory: mlockall(MCL_CURRENT|MCL_FUTURE): %s; %s%s",
			 strerror(-rc), fix, then);
	} else {
		*locked = true;
		return 0;
	}
	return mode == XR_LOCK_MEMORY_TRY ? 0 : rc;
}

/* ------------------------------------------------------------------ */
/* The engine's colocated mode. */

int
xr_coloc_setup(struct xr_engine *e, uint32_t n_rings, char *err, size_t err_len)
{
	struct xr_coloc *c = &e->coloc;
	const struct xr_engine_cfg *ec = &e->cfg->engine;
	char msg[sizeof(c->lock_note)];
	int rc;

	c->active = ec->mode == XR_MODE_COLOCATED;
	c->lock_memory = ec->lock_memory;
	if (c->active && (rc = xr_coloc_check_cpus(e, err, err_len)) != 0)
		return rc;
	rc = xr_memory_lock(ec->lock_memory, &c->locked, msg, sizeof(msg));
	if (rc != 0) {
		snprintf(err, err_len, "%s", msg);
		return rc;
	}
	if (!c->locked)
		snprintf(c->lock_note, sizeof(c->lock_note), "%s", msg);
	if (!c->active && ec->huge_pages == XR_HUGE_PAGES_OFF)
		return 0; /* rings on the heap, as in standard mode */
	size_t one = xr_ring_memsize(ec->ring_capacity, sizeof(struct xr_msg));
	if (one == 0) {
		snprintf(err, err_len, "ring_capacity %u: not a ring shape", ec->ring_capacity);
		return -EINVAL;
	}
	c->ring_bytes = one * n_rings;
	return xr_arena_create(&c->arena, c->ring_bytes, ec->huge_pages, c->arena_note,
			       sizeof(c->arena_note), err, err_len);
}

/* One region of xr_coloc_prefault's walk: faulted in, its bytes summed in
 * *ctx (size_t). */
static void
xr__prefault_region(void *ctx, void *p, size_t bytes)
{
	*(size_t *)ctx += xr_prefault(p, bytes);
}

void
xr_coloc_prefault(struct xr_coloc *c, xr_regions_fn walk, void *owner)
{
	size_t n = 0;

	walk(owner, xr__prefault_region, &n);
	c->prefault_bytes = n;
}

void
xr_coloc_report(const struct xr_engine *e, FILE *out)
{
	const struct xr_coloc *c = &e->coloc;
	const struct xr_config *cfg = e->cfg;
	struct xr_cpuset spin;
	uint32_t n_spin = xr_cpu_spinning(cfg, &spin);
	char line[1024], buf[512];
	size_t n = 0;

	if (c->active || c->locked || c->lock_note[0] != '\0' || c->arena.base != NULL) {
#define XR__ADD(...)                                                                               \
	do {                                                                                       \
		if (n < sizeof(line))                                                              \
			n += (size_t)snprintf(line + n, sizeof(line) - n, __VA_ARGS__);           \
	} while (0)
		XR__ADD("xroute: %s: ", c->active ? "colocated" : "standard");
		if (c->locked)
			XR__ADD("mlockall ok");
		else if (c->lock_memory == XR_LOCK_MEMORY_FALSE)
			XR__ADD("memory not locked (lock_memory = false)");
		else
			XR__ADD("memory not locked (mlockall refused, see the warning)");
		if (c->arena.base != NULL) {
			xr__size_text(c->arena.page_bytes, buf, sizeof(buf));
			XR__ADD(", rings %.1f MiB in ", (double)c->ring_bytes / XR__MIB);
			if (c->arena.pages == XR_ARENA_HUGETLB)
				XR__ADD("%s huge pages", buf);
			else if (c->arena.pages == XR_ARENA_THP)
				XR__ADD("transparent huge pages (%.1f MiB of them granted)",
					(double)(c->arena.thp_bytes < c->ring_bytes
							 ? c->arena.thp_bytes
							 : c->ring_bytes) /
						XR__MIB);
			else if (c->arena.thp_bytes != 0)
				XR__ADD("%s pages (%.1f MiB in transparent huge pages)", buf,
					(double)c->arena.thp_bytes / XR__MIB);
			else
				XR__ADD("%s pages", buf);
		} else {
			XR__ADD(", rings on the heap");
		}
		if (c->active)
			XR__ADD(", %.1f MiB of pools and tables prefaulted",
				(double)c->prefault_bytes / XR__MIB);
		if (n_spin != 0) {
			xr_cpuset_format(&spin, buf, sizeof(buf));
			XR__ADD(", %u thread%s busy-spinning on cpu%s %s", n_spin,
				n_spin == 1 ? "" : "s", strchr(buf, ',') ? "s" : "", buf);
		}
#undef XR__ADD
		fprintf(out, "%s\n", line);
	}
	if (c->lock_note[0] != '\0')
		fprintf(out, "xroute: warning: %s\n", c->lock_note);
	if (c->arena_note[0] != '\0')
		fprintf(out, "xroute: warning: %s\n", c->arena_note);
	xr_cpu_report_isolation(cfg, out); /* nothing if no thread busy-spins */
}

void
xr_coloc_teardown(struct xr_engine *e)
{
	xr_arena_destroy(&e->coloc.arena);
	if (e->coloc.locked)
		munlockall();
	e->coloc.locked = false;
}
