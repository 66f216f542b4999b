/*
 * xr_table: zeroed, prefaulted memory for the engine's large lookup tables
 * (the duplicate window, the order table, per-user and per-(user, symbol)
 * state), backed by transparent huge pages when the table spans one.
 *
 * WHY
 *   A table of 16 MiB in 4 KiB pages needs 4096 TLB entries, more than the
 *   second-level TLB holds, so a random lookup pays a page walk (two
 *   dimensional under a hypervisor) on top of its cache miss. The same
 *   table in 2 MiB pages needs 8. Prefaulting at creation keeps first-touch
 *   page faults (and their TLB shootdowns) off the stage threads in every
 *   mode, not only colocated.
 */
#ifndef XR_TABLE_H
#define XR_TABLE_H

#include <stddef.h>

/** Tables of at least this many bytes are mmap'd and THP-advised. */
#define XR_TABLE_HUGE_MIN ((size_t)2 << 20)

/**
 * Allocate @p n elements of @p size bytes, zeroed, every page touched.
 * From XR_TABLE_HUGE_MIN bytes the memory is a private anonymous mapping
 * aligned to 2 MiB with madvise(MADV_HUGEPAGE) (effective when
 * /sys/kernel/mm/transparent_hugepage/enabled is "madvise" or "always").
 *
 * @return the table (64-byte aligned), or NULL with errno ENOMEM (also on
 *         n * size overflow).
 * Thread: any; control path (allocates, faults pages in).
 */
void *xr_table_calloc(size_t n, size_t size);

/** Free a table from xr_table_calloc(); NULL accepted. Thread: any. */
void xr_table_free(void *p);

#endif /* XR_TABLE_H */
