/* What the emulator's audit line (server/audit.c) shares with the guard's (guard/audit.c). */
#ifndef S7_SERVER_AUDIT_INT_H
#define S7_SERVER_AUDIT_INT_H

#include <stddef.h>
#include <stdint.h>

/* "DB", "I", "M", ... for an S7 area code; other codes as "16#XX" written into tmp. */
const char *s7__audit_area_name(uint8_t area, char *tmp, size_t cap);

#endif
