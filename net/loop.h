/* A minimal readiness loop for the engines: epoll on Linux, poll elsewhere or when asked
 * (S7_USE_POLL=1 in the environment, to test the fallback).  Internal to s7kit. */
#ifndef S7_NET_LOOP_H
#define S7_NET_LOOP_H

#include <stdint.h>

enum { S7_LOOP_IN = 1, S7_LOOP_OUT = 2, S7_LOOP_ERR = 4 };

typedef struct s7_loop s7_loop;
typedef struct s7_loop_event {
    void *ptr;
    uint32_t events; /* S7_LOOP_* */
} s7_loop_event;

s7_loop *s7_loop_new(int force_poll);
void s7_loop_free(s7_loop *l);
/* Watch fd for events; ptr comes back with them.  Returns 0 or S7_ERR_*. */
int s7_loop_add(s7_loop *l, int fd, uint32_t events, void *ptr);
int s7_loop_mod(s7_loop *l, int fd, uint32_t events, void *ptr);
int s7_loop_del(s7_loop *l, int fd);
/* Wait up to timeout_ms (-1 forever) and fill up to max events; returns the count. */
int s7_loop_wait(s7_loop *l, s7_loop_event *ev, int max, int timeout_ms);
/* The epoll descriptor (pollable by an outer loop), or -1 with the poll backend. */
int s7_loop_fd(const s7_loop *l);

#endif
