/* s7srvhost: the smallest host process for s7kit's server, for the server benchmark when
 * the `s7 server` tool is not wanted (run.sh --ours host): an S7-1500 CPU with PUT/GET on,
 * DB1 = 65535 bytes with byte i = i & 0xFF, every connection budget at 20,000, no hooks,
 * no log, served by s7_server_run on 127.0.0.1.
 *
 * Usage: s7srvhost [--listen ADDR:PORT] (default 127.0.0.1:0, a free port).  Prints
 * "port N" on stdout once listening; stops on SIGTERM/SIGINT. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "s7/cpu.h"
#include "s7/server.h"

static s7_server *g_srv;

static void on_signal(int sig)
{
    (void)sig;
    if (g_srv)
        s7_server_stop(g_srv);
}

int main(int argc, char **argv)
{
    const char *listen = "127.0.0.1:0";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc) {
            listen = argv[++i];
        } else {
            fprintf(stderr, "usage: s7srvhost [--listen ADDR:PORT]\n");
            return 2;
        }
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    s7_cpu *cpu = s7_cpu_new(s7_profile_find("s7-1500"));
    if (!cpu || s7_cpu_add_db(cpu, 1, 65535, 0) < 0) {
        fprintf(stderr, "s7srvhost: cannot create the CPU\n");
        return 1;
    }
    s7_cpu_set_put_get(cpu, 1);
    for (int t = 0; t < 4; t++)
        s7_cpu_set_max_conn(cpu, t, 20000);
    uint32_t size = 0;
    uint8_t *db = s7_cpu_mem(cpu, S7_AREA_DB, 1, &size);
    for (uint32_t i = 0; db && i < size; i++)
        db[i] = (uint8_t)(i & 0xFF);

    s7_server_opts o;
    s7_server_opts_init(&o);
    o.listen = listen;
    g_srv = s7_server_new(cpu, &o);
    /* every load connection comes from 127.0.0.1: no per-source limit */
    if (g_srv)
        s7_server_set_limit(g_srv, S7_SLIM_MAX_PER_SOURCE, 0);
    if (!g_srv || s7_server_start(g_srv) < 0) {
        fprintf(stderr, "s7srvhost: cannot listen on %s\n", listen);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    printf("port %u\n", (unsigned)s7_server_port(g_srv));
    fflush(stdout);
    int rc = s7_server_run(g_srv);
    s7_server_free(g_srv);
    s7_cpu_free(cpu);
    return rc < 0 ? 1 : 0;
}
