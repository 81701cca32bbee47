/* For the client tests: a CPU emulator served by s7_server on 127.0.0.1 (a port the kernel
 * picks) in a thread of its own. */
#ifndef S7_TESTS_LOOPBACK_SERVER_H
#define S7_TESTS_LOOPBACK_SERVER_H

#include <pthread.h>

#include "s7/server.h"

typedef struct t_server {
    s7_cpu *cpu;
    s7_server *s;
    pthread_t th;
    int running; /* the thread was started */
} t_server;

static inline void *t_server_thread(void *arg)
{
    s7_server_run(arg);
    return NULL;
}

/* Serves cpu (t_server_stop frees it).  The port, or -1 when the server did not start. */
static inline int t_server_start(t_server *v, s7_cpu *cpu)
{
    v->cpu = cpu;
    v->running = 0;
    s7_server_opts o;
    s7_server_opts_init(&o);
    o.listen = "127.0.0.1:0";
    v->s = s7_server_new(cpu, &o);
    if (!v->s || s7_server_start(v->s) < 0 ||
        pthread_create(&v->th, NULL, t_server_thread, v->s) != 0)
        return -1;
    v->running = 1;
    return s7_server_port(v->s);
}

/* Stops the server, joins its thread, frees the server and the CPU. */
static inline void t_server_stop(t_server *v)
{
    if (v->s)
        s7_server_stop(v->s);
    if (v->running)
        pthread_join(v->th, NULL);
    s7_server_free(v->s);
    s7_cpu_free(v->cpu);
}

#endif
