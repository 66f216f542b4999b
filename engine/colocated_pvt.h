/*
 * Colocated deployment mode ([engine] mode = colocated; docs/deploy.md):
 * locked and prefaulted memory, the rings in one arena (optionally in huge
 * pages), and the CPU checks and warnings printed when a run starts. Two
 * files implement it: colocated_cpu.c (the cpulist format, the CPU checks
 * and warnings) and colocated_mem.c (locking, the arena, prefaulting, and
 * the engine's setup, report and teardown, which call the CPU part; the CPU
 * part calls nothing of the memory part).
 *
 * DESIGN
 *   Everything here is control path and runs on the engine's owner thread:
 *   xr_coloc_setup() before the engine allocates anything (so mlockall's
 *   MCL_FUTURE populates every later allocation), xr_coloc_prefault() once
 *   every stage is built (on the regions the engine's parts expose,
 *   regions_pvt.h: it knows no stage), xr_coloc_report() just before the threads start,
 *   xr_coloc_teardown() from xr_engine_destroy(). The pure parts (the
 *   kernel cpulist format, the warning rules) take their inputs as
 *   arguments so the unit tests drive them without /sys.
 *
 * GUARANTEES
 *   Nothing here runs on a stage thread. Prefaulting writes each byte back
 *   unchanged, so it may run on memory already in use by the owner.
 */
#ifndef XR_COLOCATED_PVT_H
#define XR_COLOCATED_PVT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "regions_pvt.h"
#include "xr_config.h"

struct xr_engine;

/** CPUs a set holds: 0..XR_CPUSET_MAX - 1 (the config allows 0..1023). */
#define XR_CPUSET_MAX 1024

/** A set of CPU numbers, bit c of bits[c / 64] for CPU c. */
struct xr_cpuset {
	uint64_t bits[XR_CPUSET_MAX / 64];
};

/** @return true if @p cpu (any int) is in @p s. Thread: any. Pure. */
static inline bool
xr_cpuset_has(const struct xr_cpuset *s, int cpu)
{
	return cpu >= 0 && cpu < XR_CPUSET_MAX && ((s->bits[cpu / 64] >> (cpu % 64)) & 1u);
}

/**
 * Parse the kernel's cpulist format, as in /sys/devices/system/cpu/isolated
 * and the isolcpus= / nohz_full= boot parameters: comma-separated items,
 * each `N`, `N-M` (N <= M) or `N-M:USED/GROUP` (the first USED CPUs of
 * every GROUP from N to M; Documentation/admin-guide/kernel-parameters.rst,
 * "cpu lists"). Blanks around items and a trailing newline are accepted;
 * an empty or blank string is the empty set.
 *
 * @param s    NUL-terminated text.
 * @param set  receives the CPUs (cleared first; left empty on error).
 * @return 0; -EINVAL if @p s is malformed; -ERANGE if a CPU is
 *         >= XR_CPUSET_MAX.
 * Thread: any. Pure.
 */
int xr_cpulist_parse(const char *s, struct xr_cpuset *set);

/**
 * Read a cpulist file (/sys/devices/system/cpu/isolated, .../nohz_full).
 * A missing file (ENOENT) is the empty set: the feature is off.
 *
 * @return 0; -errno if the file cannot be read; as xr_cpulist_parse().
 * Thread: any; control path (a few syscalls).
 */
int xr_cpulist_read(const char *path, struct xr_cpuset *set);

/**
 * Write the CPUs of @p set as "0,1,5" (ascending, every CPU named) into
 * @p buf of @p len bytes (cut short if too small); "none" if empty.
 * Thread: any. Pure.
 */
void xr_cpuset_format(const struct xr_cpuset *set, char *buf, size_t len);

/** What a start-time CPU warning is about. */
enum xr_cpu_warning_kind {
	/* A busy-spinning thread's CPU is missing from isolcpus, nohz_full or
	 * both (in_isolated / in_nohz_full say which). */
	XR_CPUW_NOT_ISOLATED = 0,
	/* Two busy-spinning threads are pinned to one CPU. */
	XR_CPUW_SPIN_SHARED,
	/* A busy-spinning thread's CPU is also the pinned CPU of another,
	 * non-spinning thread of the plan. */
	XR_CPUW_CPU_SHARED,
};

/** One start-time warning (xr_cpu_warnings()). */
struct xr_cpu_warning {
	uint8_t kind;	    /* enum xr_cpu_warning_kind */
	bool in_isolated;   /* NOT_ISOLATED: the CPU is in isolcpus */
	bool in_nohz_full;  /* NOT_ISOLATED: the CPU is in nohz_full */
	uint16_t thread;    /* index in cfg->threads: the busy-spinning thread */
	uint16_t other;	    /* SPIN_SHARED, CPU_SHARED: the other thread */
	int cpu;
};

/** Most warnings a plan can give: one per thread plus one per pair. */
#define XR_CPU_WARNINGS_MAX (XR_MAX_THREADS + XR_MAX_THREADS * (XR_MAX_THREADS - 1) / 2)

/**
 * The CPU warnings of a thread plan, in thread order: for each pinned
 * busy_spin thread, its CPU not in both @p isolated and @p nohz_full; for
 * each pair of threads pinned to one CPU where at least one busy-spins,
 * SPIN_SHARED (both spin) or CPU_SHARED (one does; `thread` is the spinner).
 * Unpinned threads (cpu -1) are ignored: the scheduler places them.
 *
 * @param cfg        loaded config (thread waits as effective: colocated
 *                   mode has made them busy_spin).
 * @param isolated   CPUs of /sys/devices/system/cpu/isolated.
 * @param nohz_full  CPUs of /sys/devices/system/cpu/nohz_full.
 * @param out        room for @p max warnings (XR_CPU_WARNINGS_MAX is
 *                   always enough).
 * @return the number of warnings, 0..XR_CPU_WARNINGS_MAX; only the first
 *         @p max are written.
 * Thread: any. Pure.
 */
uint32_t xr_cpu_warnings(const struct xr_config *cfg, const struct xr_cpuset *isolated,
			 const struct xr_cpuset *nohz_full, struct xr_cpu_warning *out,
			 uint32_t max);

/**
 * One line of text for @p w (no prefix, no newline), naming the thread(s)
 * and the CPU, the consequence and the fix, into @p buf of @p len bytes.
 * Thread: any. Pure.
 */
void xr_cpu_warning_format(const struct xr_config *cfg, const struct xr_cpu_warning *w,
			   char *buf, size_t len);

/**
 * The busy_spin threads of @p cfg: their pinned CPUs into @p spin (cleared
 * first; unpinned ones add none).
 * @return how many threads busy-spin, pinned or not.
 * Thread: any. Pure.
 */
uint32_t xr_cpu_spinning(const struct xr_config *cfg, struct xr_cpuset *spin);

/**
 * If a thread of @p cfg busy-spins: read /sys/devices/system/cpu/{isolated,
 * nohz_full} (a file that cannot be read is a warning and the empty set)
 * and print every xr_cpu_warnings() warning, one "xroute: warning: " line
 * each, to @p out. Prints nothing if no thread busy-spins.
 * Thread: any; control path (reads sysfs).
 */
void xr_cpu_report_isolation(const struct xr_config *cfg, FILE *out);

/** How the ring arena's memory is backed. */
enum xr_arena_pages {
	XR_ARENA_SMALL = 0, /* base pages (4 KiB) */
	XR_ARENA_THP,	    /* madvise(MADV_HUGEPAGE): transparent huge pages */
	XR_ARENA_HUGETLB,   /* MAP_HUGETLB: reserved huge pages (vm.nr_hugepages) */
};

/** One mmap'd, populated region the rings are carved from. */
struct xr_arena {
	unsigned char *base; /* NULL: no arena */
	size_t len;	     /* bytes mapped */
	size_t used;	     /* bytes handed out by xr_arena_alloc() */
	size_t page_bytes;   /* size of the pages backing it (bytes) */
	size_t thp_bytes;    /* XR_ARENA_THP: bytes the kernel backed with
			      * huge pages (smaps AnonHugePages) */
	uint8_t pages;	     /* enum xr_arena_pages */
};

/**
 * Map and populate an arena of at least @p bytes.
 *
 * @param huge      enum xr_huge_pages: OFF base pages; TRY MAP_HUGETLB,
 *                  else transparent huge pages, else base pages; ON
 *                  MAP_HUGETLB or fail.
 * @param note      receives a one-line warning when TRY fell back ("" if
 *                  none); @p note_len bytes.
 * @param err       receives the cause on failure, with how to fix it.
 * @return 0; -ENOMEM (no memory, or ON and no huge pages reserved);
 *         -errno of mmap.
 * Thread: any; control path.
 */
int xr_arena_create(struct xr_arena *a, size_t bytes, uint8_t huge, char *note, size_t note_len,
		    char *err, size_t err_len);

/**
 * Carve @p bytes aligned to @p align (a power of two) from the arena.
 * @return the memory, or NULL if the arena has no room.
 * Thread: the arena's owner; control path. No syscall.
 */
void *xr_arena_alloc(struct xr_arena *a, size_t bytes, size_t align);

/** Unmap the arena (NULL base accepted). Thread: the owner. */
void xr_arena_destroy(struct xr_arena *a);

/**
 * Lock the process's memory: mlockall(MCL_CURRENT | MCL_FUTURE).
 * Refused up front when RLIMIT_MEMLOCK is finite and the process lacks
 * CAP_IPC_LOCK: MCL_FUTURE would then make later allocations fail once the
 * limit is reached.
 *
 * @param mode    enum xr_lock_memory (FALSE: nothing is done).
 * @param locked  set to true if memory is now locked.
 * @param msg     on failure: the cause (errno text) and the fix
 *                (ulimit -l unlimited, LimitMEMLOCK=infinity); a warning
 *                for TRY, the error for TRUE. "" otherwise.
 * @return 0 (locked, or not locked with TRY/FALSE); -ENOMEM, -EPERM or
 *         another -errno of mlockall with TRUE.
 * Thread: any; control path. Affects the whole process.
 */
int xr_memory_lock(uint8_t mode, bool *locked, char *msg, size_t msg_len);

/**
 * Fault in every page of [p, p + bytes) for writing, contents unchanged:
 * madvise(MADV_POPULATE_WRITE) where the kernel has it (Linux 5.14), else
 * one byte per page read and written back.
 * @return @p bytes (0 if @p p is NULL).
 * Thread: one that owns the memory, while no other thread writes it.
 */
size_t xr_prefault(void *p, size_t bytes);

/** An engine's colocated-mode state (struct xr_engine.coloc). */
struct xr_coloc {
	bool active;	      /* mode = colocated */
	bool locked;	      /* mlockall() succeeded */
	uint8_t lock_memory;  /* enum xr_lock_memory, from the config */
	struct xr_arena arena; /* the rings; base NULL = rings on the heap */
	size_t ring_bytes;    /* bytes of rings placed in the arena */
	size_t prefault_bytes; /* pools and tables touched by xr_coloc_prefault */
	char lock_note[384];  /* warning: lock_memory = try and not locked */
	char arena_note[384]; /* warning: huge_pages = try fell back */
};

/**
 * First step of xr_engine_create(): lock memory (lock_memory), map the ring
 * arena (colocated mode or huge_pages != off) sized for @p n_rings rings,
 * and in colocated mode check that every thread's CPU is online.
 *
 * @return 0, or -errno with @p err naming the cause and the fix.
 * Thread: the engine's owner, before anything else is allocated.
 */
int xr_coloc_setup(struct xr_engine *e, uint32_t n_rings, char *err, size_t err_len);

/**
 * Colocated mode: check that every thread's CPU of e->cfg is online
 * (/sys/devices/system/cpu/online, else CPUs 0..n-1 of sysconf).
 * @return 0, or -EINVAL with @p err naming the thread, its CPU and the
 *         online set.
 * Thread: the engine's owner, from xr_coloc_setup() (colocated_cpu.c).
 */
int xr_coloc_check_cpus(const struct xr_engine *e, char *err, size_t err_len);

/**
 * Prefault every region @p walk visits of @p owner (xr_prefault(): the
 * pages are faulted in writable, contents unchanged), so the first signals
 * take no page fault, whatever the mode and whether or not mlockall
 * succeeded. The engine's walk (engine.c) visits the pools and tables its
 * parts expose that xr_table_calloc() did not already fault in: the stage
 * call histograms, the snapshot pool, route's stash, execute's tables,
 * aggregate's venue statistics and histograms, output's buffer (rings are
 * zeroed when made, so faulted in). This is the one place that prefaults
 * them. Records the bytes visited in c->prefault_bytes.
 * Thread: the owner, after every part is built, before the run.
 */
void xr_coloc_prefault(struct xr_coloc *c, xr_regions_fn walk, void *owner);

/**
 * Print the start line ("xroute: colocated: mlockall ok, rings 12.3 MiB in
 * 2 MiB huge pages, ...") and the warnings (try fallbacks, CPU isolation,
 * shared CPUs), one line each, to @p out. Reads /sys/devices/system/cpu/
 * {isolated,nohz_full}. Prints nothing in a standard-mode run that locks
 * nothing, maps no arena and has no warning.
 * Thread: the owner, before the threads start.
 */
void xr_coloc_report(const struct xr_engine *e, FILE *out);

/** Unmap the arena and undo mlockall. Thread: the owner, threads joined. */
void xr_coloc_teardown(struct xr_engine *e);

#endif /* XR_COLOCATED_PVT_H */
