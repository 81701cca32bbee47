/* poll_cpus: poll several CPUs from one thread with the asynchronous API.
 *
 *   poll_cpus ROUNDS PERIOD_MS HOST[:PORT]...     e.g. poll_cpus 5 200 10.0.0.1 10.0.0.2
 *
 * Every CPU gets its own handle; one s7_multi drives all of them: connections are opened
 * in parallel, then every PERIOD_MS each CPU is asked for MW0 and DB1.DBD0 and the answers
 * are printed as they come, while the other CPUs' requests are in flight.  A CPU that fails
 * is reported and left out; the others go on.  Exit 0 when every round of every CPU was
 * read, 1 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <s7/client.h>

typedef struct plc {
    const char *name;
    char host[256];
    uint16_t port;
    s7_client *c;
    int up;       /* connected */
    int dead;     /* failed: left out */
    int busy;     /* a read in flight */
    int reads_ok; /* rounds read completely */
    s7_item items[2];
    uint8_t mw0[2], dbd0[4];
} plc;

static void on_read(s7_client *c, int result, void *ud)
{
    plc *p = ud;
    p->busy = 0;
    if (result < 0) {
        printf("%-22s read failed: %s\n", p->name, s7_strerror(result));
        if (s7_err_is_fatal(result))
            p->dead = 1;
        return;
    }
    p->reads_ok++;
    printf("%-22s MW0=%u DB1.DBD0=%lu\n", p->name, s7_get_u16(p->mw0),
           (unsigned long)s7_get_u32(p->dbd0));
}

static void on_connect(s7_client *c, int result, void *ud)
{
    plc *p = ud;
    if (result < 0) {
        printf("%-22s connect failed: %s\n", p->name, s7_strerror(result));
        p->dead = 1;
        return;
    }
    p->up = 1;
    printf("%-22s connected (PDU %u)\n", p->name, s7_client_pdu(c));
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s ROUNDS PERIOD_MS HOST[:PORT]...\n", argv[0]);
        return 2;
    }
    int rounds = atoi(argv[1]), period = atoi(argv[2]);
    size_t n = (size_t)argc - 3;
    plc *plcs = calloc(n, sizeof *plcs);
    s7_multi *m = s7_multi_new();
    if (!plcs || !m)
        return 1;

    for (size_t i = 0; i < n; i++) {
        plc *p = &plcs[i];
        p->name = argv[i + 3];
        snprintf(p->host, sizeof p->host, "%s", argv[i + 3]);
        char *colon = strrchr(p->host, ':');
        if (colon) {
            *colon = '\0';
            p->port = (uint16_t)atoi(colon + 1);
        }
        p->c = s7_client_new(NULL); /* defaults: rack 0 slot 1, PG */
        /* MW0 as 2 bytes and DB1.DBD0 as 4 bytes, read in one request */
        p->items[0] =
            (s7_item){.area = S7_AREA_M, .ts = S7_TS_BYTE, .start = 0, .count = 2, .buf = p->mw0};
        p->items[1] = (s7_item){
            .area = S7_AREA_DB, .db = 1, .ts = S7_TS_BYTE, .start = 0, .count = 4, .buf = p->dbd0};
        s7_multi_add(m, p->c);
        if (s7_client_connect_async(p->c, p->host, p->port, on_connect, p) < 0)
            p->dead = 1;
    }

    /* wait for the connections (they are made in parallel) */
    s7_multi_run(m, 5000);

    for (int r = 0; r < rounds; r++) {
        long t0 = now_ms();
        for (size_t i = 0; i < n; i++) {
            plc *p = &plcs[i];
            if (p->up && !p->dead && !p->busy &&
                s7_client_read_async(p->c, p->items, 2, on_read, p) == 0)
                p->busy = 1;
        }
        /* all reads are in flight at once; process answers as they arrive */
        s7_multi_run(m, 5000);
        long left = period - (now_ms() - t0);
        if (left > 0 && r + 1 < rounds) {
            struct timespec ts = {left / 1000, (left % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
    }

    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        printf("%-22s %d of %d rounds read\n", plcs[i].name, plcs[i].reads_ok, rounds);
        if (plcs[i].reads_ok != rounds)
            ok = 0;
        s7_multi_remove(m, plcs[i].c);
        s7_client_free(plcs[i].c);
    }
    s7_multi_free(m);
    free(plcs);
    return ok ? 0 : 1;
}
