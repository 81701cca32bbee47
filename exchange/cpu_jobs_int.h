/* s7kit exchange: what the plant simulation (simulate.c) asks of the GET/PUT job engine
 * (cpu_jobs.c) beyond its public API.  Internal. */
#ifndef S7_EXCHANGE_CPU_JOBS_INT_H
#define S7_EXCHANGE_CPU_JOBS_INT_H

#include <stddef.h>

#include "s7/exchange.h"

/* REQ job i of e forgets the level of REQ it saw last, as after a falling edge: the next
 * scan that sees REQ set starts it (the program of a simulated CPU raising REQ again).
 * Nothing for a cyclic job or an index out of range. */
void s7__xengine_req_rearm(s7_xengine *e, size_t i);

#endif
