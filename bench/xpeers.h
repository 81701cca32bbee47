/* The answering ends the exchange benchmarks (xbench.c, coldprobe.c) start: an emulated CPU
 * with its server on a free loopback port, as `s7 server` serves one, and a bare listener
 * for the floors and the echo. */
#ifndef S7BENCH_XPEERS_H
#define S7BENCH_XPEERS_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "s7/cpu.h"
#include "s7/server.h"

/* An emulated S7-1500 with PUT/GET permitted and DB db of size bytes, its server started on
 * 127.0.0.1 (a free port: s7_server_port); the CPU in *cpu.  NULL when it did not start. */
static inline s7_server *emu_cpu_start(uint16_t db, uint32_t size, s7_cpu **cpu)
{
    *cpu = s7_cpu_new(s7_profile_find("s7-1500"));
    if (!*cpu)
        return NULL;
    s7_cpu_set_put_get(*cpu, 1);
    s7_cpu_add_db(*cpu, db, size, 0);
    s7_server_opts o;
    s7_server_opts_init(&o);
    o.listen = "127.0.0.1:0";
    s7_server *s = s7_server_new(*cpu, &o);
    if (s && s7_server_start(s) < 0) {
        s7_server_free(s);
        return NULL;
    }
    return s;
}

/* A TCP listener on 127.0.0.1 at a free port (in *port); -1 when none. */
static inline int loopback_listen(uint16_t *port)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1) ||
        getsockname(ls, (struct sockaddr *)&a, &al)) {
        if (ls >= 0)
            close(ls);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return ls;
}

#endif
