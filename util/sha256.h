/* SHA-256 (FIPS 180-4) for fingerprints of files the tools name in their reports (a
 * firewall rule file's hash in verify-firewall and the sign-off).  Internal (s7__ symbols). */
#ifndef S7_UTIL_SHA256_H
#define S7_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct s7__sha256 {
    uint32_t h[8];
    uint64_t len; /* bytes hashed */
    uint8_t buf[64];
    size_t nbuf;
} s7__sha256;

void s7__sha256_init(s7__sha256 *s);
void s7__sha256_update(s7__sha256 *s, const void *data, size_t n);
/* The digest (32 bytes); s is spent. */
void s7__sha256_final(s7__sha256 *s, uint8_t out[32]);
/* The digest of data as 64 lower-case hex digits and a NUL into hex (65 bytes). */
void s7__sha256_hex(const void *data, size_t n, char hex[65]);
/* The digest as hex (65 bytes). */
void s7__sha256_to_hex(const uint8_t d[32], char hex[65]);

#endif
