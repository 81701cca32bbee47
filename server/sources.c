/* Open connections per source address (sources.h).  The table holds only addresses with
 * at least one open connection: removing the last one deletes the entry (backward-shift
 * deletion, so no tombstones build up under a flood of short connections). */
#include "server/sources.h"

#include <stdlib.h>
#include <string.h>

static size_t hash16(const uint8_t a[16])
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (int i = 0; i < 16; i++)
        h = (h ^ a[i]) * 1099511628211ull;
    return (size_t)(h ^ (h >> 29));
}

static struct s7__src *find(const s7__sources *t, const uint8_t addr[16])
{
    if (!t->cap)
        return NULL;
    for (size_t i = hash16(addr) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        struct s7__src *e = &t->slots[i];
        if (!e->count)
            return NULL;
        if (memcmp(e->addr, addr, 16) == 0)
            return e;
    }
}

static int grow(s7__sources *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    struct s7__src *n = calloc(cap, sizeof *n);
    if (!n)
        return -1;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i].count)
            continue;
        size_t j = hash16(t->slots[i].addr) & (cap - 1);
        while (n[j].count)
            j = (j + 1) & (cap - 1);
        n[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = n;
    t->cap = cap;
    return 0;
}

uint32_t s7__sources_add(s7__sources *t, const uint8_t addr[16])
{
    struct s7__src *e = find(t, addr);
    if (e)
        return ++e->count;
    if ((t->used + 1) * 4 > t->cap * 3 && grow(t) < 0)
        return 0;
    size_t i = hash16(addr) & (t->cap - 1);
    while (t->slots[i].count)
        i = (i + 1) & (t->cap - 1);
    memcpy(t->slots[i].addr, addr, 16);
    t->slots[i].count = 1;
    t->used++;
    return 1;
}

void s7__sources_remove(s7__sources *t, const uint8_t addr[16])
{
    struct s7__src *e = find(t, addr);
    if (!e || --e->count)
        return;
    /* backward-shift: move later entries of the probe run into the hole */
    size_t mask = t->cap - 1, hole = (size_t)(e - t->slots);
    for (size_t j = (hole + 1) & mask; t->slots[j].count; j = (j + 1) & mask) {
        size_t home = hash16(t->slots[j].addr) & mask;
        /* entry j may move to hole when hole lies cyclically in [home, j) */
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            t->slots[hole] = t->slots[j];
            t->slots[j].count = 0;
            hole = j;
        }
    }
    t->slots[hole].count = 0;
    t->used--;
}

uint32_t s7__sources_count(const s7__sources *t, const uint8_t addr[16])
{
    const struct s7__src *e = find(t, addr);
    return e ? e->count : 0;
}

void s7__sources_free(s7__sources *t)
{
    free(t->slots);
    memset(t, 0, sizeof *t);
}
