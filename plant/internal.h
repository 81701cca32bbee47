/* s7kit plant model: what the files of plant/ share (s7__ symbols, not exported). */
#ifndef S7_PLANT_INTERNAL_H
#define S7_PLANT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Replaces *dst with a copy of s (NULL clears).  0 or S7_ERR_NOMEM (*dst kept). */
int s7__plant_set_str(char **dst, const char *s);
/* A new zeroed element at the end of *arr (n elements of size sz); NULL on out of memory. */
void *s7__plant_push(void *arr_ptr, size_t *n, size_t sz);
/* "I", "Q", "M" or "DB". */
const char *s7__plant_area_letter(uint8_t area);
/* Case-insensitive equality of two ASCII words; 1 or 0. */
int s7__plant_ieq(const char *a, const char *b);

struct s7_plant;
struct s7_plant_partner;
struct s7_plant_addr;
/* Sets the partner's address fields from a (family, ip/ip6, text). */
void s7__plant_partner_take(struct s7_plant_partner *pt, const struct s7_plant_addr *a);
/* The partner's address as an s7_plant_addr. */
void s7__plant_partner_addr(const struct s7_plant_partner *pt, struct s7_plant_addr *a);
/* Connection types and TSAPs of a plant whose references are resolved (tsap.c).  0. */
int s7__plant_resolve(struct s7_plant *p);
/* What s7__plant_resolve gives one connection (its active and passive indices valid),
 * without changing the plant. */
typedef struct s7__plant_cr {
    int type, rack, slot;
    uint16_t local_tsap, remote_tsap;
    int explicit_tsap;
} s7__plant_cr;
struct s7_plant_conn;
void s7__plant_conn_tsaps(const struct s7_plant *p, const struct s7_plant_conn *c,
                          s7__plant_cr *out);

#endif
