/* Test code: an emulated CPU (s7_server, its own thread) with or without `s7 guard` (the
 * engine, its own thread) in front of it on loopback, and a raw ISO-on-TCP client side that
 * sends bytes as the test lays them out (frames split, joined, fragmented) and reads whole
 * frames and PDUs, each wait bounded.  Header-only (static functions) for the guard tests. */
#ifndef S7_TEST_GUARD_STATION_H
#define S7_TEST_GUARD_STATION_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "s7/cpu.h"
#include "s7/guard.h"
#include "s7/plant_policy.h"
#include "s7/server.h"
#include "s7/wire.h"

#include "loopback_sock.h"

/* A CPU of profile with DB1 (4096 bytes, byte i = i * 7 + 3), PUT/GET allowed, at rack 0
 * slot 2 (where st_cr calls). */
static inline s7_cpu *st_cpu(const char *profile)
{
    s7_cpu *cpu = s7_cpu_new(s7_profile_find(profile));
    if (!cpu)
        return NULL;
    s7_cpu_set_put_get(cpu, 1);
    s7_cpu_set_location(cpu, 0, 2);
    s7_cpu_add_db(cpu, 1, 4096, 0);
    uint32_t sz = 0;
    uint8_t *m = s7_cpu_mem(cpu, S7_AREA_DB, 1, &sz);
    for (uint32_t i = 0; m && i < sz; i++)
        m[i] = (uint8_t)(i * 7 + 3);
    return cpu;
}

/* pdu (n bytes) as one COTP DT frame at f; its length. */
static inline size_t st_dt(uint8_t *f, const uint8_t *pdu, size_t n)
{
    memcpy(f + 7, pdu, n);
    return (size_t)s7_iso_dt_wrap(f, n + 7, n, 1);
}

/* A CR for rack 0 slot 2 (PG, TPDU size 1024) at f; its length. */
static inline size_t st_cr(uint8_t *f)
{
    static const uint8_t cr[] = {0x03, 0x00, 0x00, 0x16, 0x11, 0xE0, 0x00, 0x00, 0x00, 0x01, 0x00,
                                 0xC0, 0x01, 0x0A, 0xC1, 0x02, 0x01, 0x00, 0xC2, 0x02, 0x01, 0x02};
    memcpy(f, cr, sizeof cr);
    return sizeof cr;
}

typedef struct station {
    s7_cpu *cpu; /* owned unless shared_cpu */
    s7_server *srv;
    s7_guard *g;
    pthread_t srv_th, g_th;
    uint16_t srv_port; /* the emulator, directly */
    uint16_t port;     /* the guard (the emulator when there is none) */
} station;

static void *st_srv_main(void *a)
{
    s7_server_run(a);
    return NULL;
}

static void *st_guard_main(void *a)
{
    s7_guard_run(a, -1);
    return NULL;
}

/* Serve cpu (owned by the station from this call) and, with pol (owned from this call),
 * a guard in front of it (with dry_run: forwarding everything).  0 or -1. */
static int station_start_dry(station *s, s7_cpu *cpu, s7_policy *pol, int dry_run)
{
    memset(s, 0, sizeof *s);
    s->cpu = cpu;
    if (!cpu) {
        s7_policy_free(pol);
        return -1;
    }
    s7_server_opts so;
    s7_server_opts_init(&so);
    so.listen = "127.0.0.1:0";
    s->srv = s7_server_new(s->cpu, &so);
    if (!s->srv || s7_server_start(s->srv) < 0 ||
        pthread_create(&s->srv_th, NULL, st_srv_main, s->srv) != 0) {
        s7_server_free(s->srv);
        s->srv = NULL;
        s7_policy_free(pol);
        return -1;
    }
    s->srv_port = s->port = s7_server_port(s->srv);
    if (!pol)
        return 0;
    char up[64];
    snprintf(up, sizeof up, "127.0.0.1:%u", s->srv_port);
    s7_guard_opts o;
    s7_guard_opts_init(&o);
    o.listen = "127.0.0.1:0";
    o.upstream = up;
    o.dry_run = dry_run;
    if (s7_guard_new(&s->g, &o, pol) < 0 || s7_guard_start(s->g) < 0) {
        s7_guard_free(s->g);
        s->g = NULL;
        return -1;
    }
    s->port = s7_guard_port(s->g);
    if (pthread_create(&s->g_th, NULL, st_guard_main, s->g) != 0) {
        s7_guard_free(s->g);
        s->g = NULL;
        return -1;
    }
    return 0;
}

static inline int station_start(station *s, s7_cpu *cpu, s7_policy *pol)
{
    return station_start_dry(s, cpu, pol, 0);
}

static void station_stop(station *s)
{
    if (s->g) {
        s7_guard_stop(s->g);
        pthread_join(s->g_th, NULL);
        s7_guard_free(s->g);
    }
    if (s->srv) {
        s7_server_stop(s->srv);
        pthread_join(s->srv_th, NULL);
        s7_server_free(s->srv);
    }
    s7_cpu_free(s->cpu);
    memset(s, 0, sizeof *s);
}

static uint16_t st_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* One whole frame (TPKT) within ms: its length, 0 on timeout, -1 when the connection
 * closed. */
static int rx_frame(int fd, uint8_t *b, size_t cap, int ms)
{
    size_t have = 0, need = 4;
    while (have < need) {
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, ms);
        if (r <= 0)
            return 0;
        ssize_t n = recv(fd, b + have, need - have, 0);
        if (n <= 0)
            return -1;
        have += (size_t)n;
        if (have == 4) {
            need = st_be16(b + 2);
            if (need < 7 || need > cap)
                return -1;
        }
    }
    return (int)have;
}

typedef struct rx {
    uint8_t pdu[70000];
    size_t len;
    uint8_t cotp;   /* 0xF0 a whole PDU, else the COTP code of the frame */
    unsigned frags; /* DT frames it came in */
} rx;

/* The next S7 PDU (DT fragments joined) or other COTP frame (whole, in pdu): 1, 0 on
 * timeout, -1 closed. */
static int rx_next(int fd, rx *r, int ms)
{
    uint8_t f[70000]; /* per call: clients may read in threads side by side */
    r->len = 0;
    r->frags = 0;
    for (;;) {
        int n = rx_frame(fd, f, sizeof f, ms);
        if (n <= 0)
            return n;
        if (f[5] != 0xF0) {
            r->cotp = f[5];
            memcpy(r->pdu, f, (size_t)n);
            r->len = (size_t)n;
            return 1;
        }
        size_t k = (size_t)n - 7;
        if (r->len + k > sizeof r->pdu)
            return -1;
        memcpy(r->pdu + r->len, f + 7, k);
        r->len += k;
        r->frags++;
        if (f[6] & 0x80) {
            if (!r->len)
                continue; /* an empty EOT DT */
            r->cotp = 0xF0;
            return 1;
        }
    }
}

static int tx_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* A fake CPU's CC to the CR q (its parameters echoed, the CPU's reference 1). */
static inline void st_cc_echo(int fd, const rx *q)
{
    uint8_t cc[64];
    if (q->len > sizeof cc)
        return;
    memcpy(cc, q->pdu, q->len);
    cc[5] = 0xD0;
    cc[6] = q->pdu[8];
    cc[7] = q->pdu[9];
    cc[8] = 0x00;
    cc[9] = 0x01;
    tx_all(fd, cc, q->len);
}

#endif
