/* embed_cpu: the s7kit CPU emulator inside a host program that owns the memory.
 *
 *   embed_cpu [ADDR:PORT] [SECONDS]          default 127.0.0.1:0 (a free port) for 10 s
 *
 * The host registers its own arrays as DB1 (64 bytes) and the flag area M (16 bytes); the
 * emulator serves them to any S7 client (HMI, SCADA, the s7 tool, Snap7...) directly from
 * there.  Between turns of the server loop the host changes its data (DB1.DBD0 counts up,
 * DB1.DBW4 holds the seconds it has run), so clients see live values, and it is told of
 * every write a client makes (which area, which bytes, the new data).  A client that
 * writes 16#FF to MB15 asks the host to stop; otherwise it stops after SECONDS.
 * Prints "listening on ADDR:PORT" first (with port 0 the port the system chose). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <s7/cpu.h>
#include <s7/server.h>
#include <s7/tag.h>

static uint8_t db1[64];   /* the host's data, served as DB1 */
static uint8_t flags[16]; /* served as the M area */
static int locked;        /* the emulator brackets every access with lock/unlock */

static void lock(void *ctx) { locked++; }
static void unlock(void *ctx) { locked--; }

static const char *area_name(uint8_t area)
{
    switch (area) {
    case S7_AREA_DB: return "DB";
    case S7_AREA_M: return "M";
    case S7_AREA_I: return "I";
    case S7_AREA_Q: return "Q";
    default: return "other";
    }
}

/* Every read, write and refusal, as the emulator answers it. */
static void on_event(void *ctx, const s7_cpu_event *ev)
{
    unsigned *writes = ctx;
    if (ev->kind != S7_EV_WRITE || ev->rc != 0xFF)
        return;
    (*writes)++;
    printf("client wrote %s", area_name(ev->area));
    if (ev->area == S7_AREA_DB)
        printf("%u", ev->db);
    printf(" bytes %lu..%lu:", (unsigned long)ev->start, (unsigned long)(ev->start + ev->len - 1));
    for (uint32_t i = 0; i < ev->len && i < 16; i++)
        printf(" %02X", ev->data[i]);
    printf("\n");
    fflush(stdout);
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int main(int argc, char **argv)
{
    const char *listen = argc > 1 ? argv[1] : "127.0.0.1:0";
    long seconds = argc > 2 ? atol(argv[2]) : 10;

    s7_cpu *cpu = s7_cpu_new(s7_profile_find("s7-1500"));
    if (!cpu)
        return 1;
    s7_cpu_set_put_get(cpu, 1); /* an S7-1500 refuses PUT/GET unless permitted */
    if (s7_cpu_register_area(cpu, S7_AREA_DB, 1, db1, sizeof db1, lock, unlock, NULL) < 0 ||
        s7_cpu_register_area(cpu, S7_AREA_M, 0, flags, sizeof flags, lock, unlock, NULL) < 0) {
        fprintf(stderr, "embed_cpu: cannot register the host's memory\n");
        return 1;
    }
    unsigned writes = 0;

    s7_server_opts o;
    s7_server_opts_init(&o);
    o.listen = listen;
    o.hooks.on_event = on_event; /* the server passes on every event of the CPU it serves */
    o.hooks.ctx = &writes;
    s7_server *srv = s7_server_new(cpu, &o);
    if (!srv || s7_server_start(srv) < 0) {
        fprintf(stderr, "embed_cpu: cannot listen on %s\n", listen);
        return 1;
    }
    char addr[64];
    snprintf(addr, sizeof addr, "%s", listen);
    char *colon = strrchr(addr, ':');
    if (colon)
        *colon = '\0';
    printf("listening on %s:%u\n", addr, s7_server_port(srv));
    fflush(stdout);

    long t0 = now_ms();
    uint32_t counter = 0;
    while (now_ms() - t0 < seconds * 1000L && flags[15] != 0xFF) {
        s7_server_run_once(srv, 50); /* serve whatever arrived, 50 ms at most */
        /* the host's own work between turns: its data changes while clients read it */
        counter++;
        s7_set_u32(db1 + 0, counter);
        s7_set_u16(db1 + 4, (uint16_t)((now_ms() - t0) / 1000));
    }
    printf("stopping: %s, %u client writes, DB1.DBD0 = %lu\n",
           flags[15] == 0xFF ? "a client asked (MB15 = 16#FF)" : "time is up", writes,
           (unsigned long)counter);
    s7_server_free(srv);
    s7_cpu_free(cpu);
    return locked == 0 ? 0 : 1;
}
