/* Open connections per source address, for the server engine's per-source limit.  An
 * address is kept as 16 bytes (IPv4 as an IPv4-mapped IPv6 address; all zero for a peer
 * without one, e.g. a socketpair).  Internal to the library. */
#ifndef S7_SERVER_SOURCES_H
#define S7_SERVER_SOURCES_H

#include <stddef.h>
#include <stdint.h>

typedef struct s7__sources {
    struct s7__src *slots; /* open addressing, linear probing; count 0 = free */
    size_t cap, used;
} s7__sources;

struct s7__src {
    uint8_t addr[16];
    uint32_t count;
};

/* The count for addr after adding one; 0 when out of memory (nothing added). */
uint32_t s7__sources_add(s7__sources *t, const uint8_t addr[16]);
/* Forget one connection from addr (which was added). */
void s7__sources_remove(s7__sources *t, const uint8_t addr[16]);
/* Connections open from addr now. */
uint32_t s7__sources_count(const s7__sources *t, const uint8_t addr[16]);
void s7__sources_free(s7__sources *t);

#endif
