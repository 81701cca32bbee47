/* Memory for the records a connection touches on every cycle (a client, its connection,
 * its cached plans, its jobs, a bridge job's values), kept together in 2 MiB blocks that the
 * kernel is asked to back with huge pages (madvise MADV_HUGEPAGE, where it offers them).
 * From the heap, a connection's records lie between its large buffers, each on pages of its
 * own: a cycle of 100 CPUs then touches some 2,000 pages, more than the TLB holds, and every
 * one costs a page walk (which inside a virtual machine is a walk of two page tables).  From
 * these blocks they are a few huge pages.  The blocks are never given back to the system; a
 * freed record is used again by the next of its size.  Thread-safe.  Under AddressSanitizer
 * the records come from malloc, so that it checks them as before. */
#ifndef S7_UTIL_HOTMEM_H
#define S7_UTIL_HOTMEM_H

#include <stddef.h>

/* n zeroed bytes on a 64-byte boundary; NULL on out of memory. */
void *s7__hot_zalloc(size_t n);

/* Give back p (NULL: nothing), taken by s7__hot_zalloc(n) with the same n. */
void s7__hot_free(void *p, size_t n);

#endif
