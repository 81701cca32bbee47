/* Hot records in huge-page blocks: see hotmem.h.  Sizes are rounded up to 64 bytes; up to
 * HOT_MAX each rounded size has a list of freed records, taken first; past the block's end a
 * new block is mapped.  Larger records come from aligned_alloc, as every record does under
 * AddressSanitizer. */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util/hotmem.h"

#define HOT_LINE 64u
#define HOT_MAX 16384u                      /* larger records: aligned_alloc */
#define HOT_BLOCK ((size_t)2 * 1024 * 1024) /* one huge page on x86-64 and arm64 */

#if defined(__SANITIZE_ADDRESS__)
#define HOT_PLAIN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOT_PLAIN 1
#endif
#endif

static size_t rounded(size_t n) { return n ? (n + HOT_LINE - 1) / HOT_LINE * HOT_LINE : HOT_LINE; }

#ifndef HOT_PLAIN

static atomic_flag lock = ATOMIC_FLAG_INIT;
static void *freed[HOT_MAX / HOT_LINE]; /* per rounded size: a list through the records */
static uint8_t *cur, *end;              /* what is left of the current block */

static void take_lock(void)
{
    while (atomic_flag_test_and_set_explicit(&lock, memory_order_acquire)) {
    }
}

static void drop_lock(void) { atomic_flag_clear_explicit(&lock, memory_order_release); }

/* A new block, aligned to its size so that it can be one huge page. */
static int new_block(void)
{
    size_t span = 2 * HOT_BLOCK;
    uint8_t *m = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return -1;
    uint8_t *b = (uint8_t *)(((uintptr_t)m + HOT_BLOCK - 1) & ~(uintptr_t)(HOT_BLOCK - 1));
    if (b > m)
        munmap(m, (size_t)(b - m));
    if (b + HOT_BLOCK < m + span)
        munmap(b + HOT_BLOCK, (size_t)(m + span - (b + HOT_BLOCK)));
#ifdef MADV_HUGEPAGE
    (void)madvise(b, HOT_BLOCK, MADV_HUGEPAGE); /* a request: without it, 4 KiB pages */
#endif
    cur = b;
    end = b + HOT_BLOCK;
    return 0;
}

void *s7__hot_zalloc(size_t n)
{
    size_t r = rounded(n);
    if (r > HOT_MAX) {
        void *p = aligned_alloc(HOT_LINE, r);
        if (p)
            memset(p, 0, r);
        return p;
    }
    void **head = &freed[r / HOT_LINE - 1];
    take_lock();
    uint8_t *p = *head;
    if (p) {
        *head = *(void **)p;
    } else if ((size_t)(end - cur) >= r || new_block() == 0) {
        p = cur; /* a fresh block is zero; what is left of the last one still is */
        cur += r;
        drop_lock();
        return p;
    }
    drop_lock();
    if (p)
        memset(p, 0, r);
    return p;
}

void s7__hot_free(void *p, size_t n)
{
    size_t r = rounded(n);
    if (!p)
        return;
    if (r > HOT_MAX) {
        free(p);
        return;
    }
    void **head = &freed[r / HOT_LINE - 1];
    take_lock();
    *(void **)p = *head;
    *head = p;
    drop_lock();
}

#else

void *s7__hot_zalloc(size_t n)
{
    size_t r = rounded(n);
    void *p = aligned_alloc(HOT_LINE, r);
    if (p)
        memset(p, 0, r);
    return p;
}

void s7__hot_free(void *p, size_t n)
{
    (void)n;
    free(p);
}

#endif
