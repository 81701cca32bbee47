/* Fuzz target: the guard's engine (guard/guard.c) between a client and a CPU, both played
 * by the input over loopback sockets in this one thread.  Each input makes a guard (every
 * service, DB1 readable and writable; byte 0 of the input: bit 0 shared upstream, bits 1-2
 * the CPU's PDU 240 / 480 / 960 / 128, bit 3 the client's PDU 96 instead of 480); a client
 * connects with a proper CR and setup, the CPU side accepts the guard's connection and
 * answers its CR and setup properly; then the input is a list of records OP LEN BYTES
 * (LEN one byte): OP % 6 = 0 the client sends the bytes as they are, 1 the client sends
 * them as one S7 PDU in a DT, 2 the CPU sends the bytes as they are, 3 the CPU sends them
 * as one PDU in a DT with the reference of the guard's last request (an answer the guard
 * matches), 4 the same in DT fragments of LEN % 7 + 1 bytes, 5 the client goes and another
 * one connects.  After each record the guard runs for a millisecond and both sides read
 * what it sent.  Nothing may crash, and a new client at the end, whose upstream connection
 * the CPU side accepts, must not be closed without a CC. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "s7/guard.h"
#include "s7/plant_policy.h"
#include "s7/wire.h"
#include "tests/loopback_sock.h"

static void put(int fd, const uint8_t *p, size_t n)
{
    if (fd >= 0 && n)
        (void)!send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* What arrived on fd (kept in buf, *len); returns 0, -1 when closed. */
static int drain(int fd, uint8_t *buf, size_t cap, size_t *len)
{
    for (;;) {
        if (*len == cap)
            *len = 0; /* the fuzzer does not look that far back */
        ssize_t r = recv(fd, buf + *len, cap - *len, MSG_DONTWAIT);
        if (r == 0)
            return -1;
        if (r < 0)
            return 0;
        *len += (size_t)r;
    }
}

/* The reference of the last whole DT frame in buf that starts an S7 PDU (0 none); the
 * frames before it dropped. */
static uint16_t last_ref(uint8_t *buf, size_t *len, uint16_t ref)
{
    size_t off = 0;
    while (off + 4 <= *len) {
        size_t fl = (size_t)buf[off + 2] << 8 | buf[off + 3];
        if (fl < 7 || off + fl > *len)
            break;
        if (buf[off + 5] == 0xF0 && fl >= 7 + 6 && buf[off + 7] == 0x32)
            ref = (uint16_t)(buf[off + 11] << 8 | buf[off + 12]);
        off += fl;
    }
    memmove(buf, buf + off, *len - off);
    *len -= off;
    return ref;
}

static size_t dt(uint8_t *f, const uint8_t *pdu, size_t n)
{
    memcpy(f + 7, pdu, n);
    return (size_t)s7_iso_dt_wrap(f, n + 7, n, 1);
}

static int client_open(uint16_t port, uint16_t pdu)
{
    static const uint8_t cr[] = {0x03, 0x00, 0x00, 0x16, 0x11, 0xE0, 0x00, 0x00, 0x00, 0x01, 0x00,
                                 0xC0, 0x01, 0x0A, 0xC1, 0x02, 0x01, 0x00, 0xC2, 0x02, 0x01, 0x02};
    int fd = t_dial(port);
    uint8_t p[32], f[64];
    s7_setup s = {4, 4, pdu};
    int n = s7_setup_req_encode(p, sizeof p, 1, &s);
    put(fd, cr, sizeof cr);
    if (n > 0)
        put(fd, f, dt(f, p, (size_t)n));
    return fd;
}

static void run(s7_guard *g, int ms) { s7_guard_run(g, ms); }

/* The CPU's CC to the CR at the start of b (22 bytes or more read). */
static void answer_cr(int fd, const uint8_t *b)
{
    uint8_t cc[64];
    size_t cl = (size_t)b[2] << 8 | b[3];
    if (cl > sizeof cc || cl < 11)
        cl = 22;
    memcpy(cc, b, cl);
    cc[5] = 0xD0;
    cc[6] = b[8];
    cc[7] = b[9];
    cc[8] = 0;
    cc[9] = 1;
    put(fd, cc, cl);
}

/* The CPU side: take the guard's connection, answer its CR and setup. */
static int cpu_accept(s7_guard *g, int lfd, uint16_t pdu)
{
    int fd = -1;
    for (int i = 0; i < 20 && fd < 0; i++) {
        run(g, 1);
        fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
    }
    if (fd < 0)
        return -1;
    uint8_t b[512], f[64];
    size_t n = 0;
    for (int i = 0; i < 20 && n < 22; i++) {
        run(g, 1);
        drain(fd, b, sizeof b, &n);
    }
    if (n < 22 || b[5] != 0xE0) {
        close(fd);
        return -1;
    }
    answer_cr(fd, b);
    n = 0;
    for (int i = 0; i < 20 && n < 7 + 18; i++) {
        run(g, 1);
        drain(fd, b, sizeof b, &n);
    }
    if (n < 7 + 18) {
        close(fd);
        return -1;
    }
    uint8_t p[32];
    s7_setup su = {2, 2, pdu};
    int k = s7_setup_resp_encode(p, sizeof p, (uint16_t)(b[11] << 8 | b[12]), &su);
    if (k > 0)
        put(fd, f, dt(f, p, (size_t)k));
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const uint16_t pdus[4] = {240, 480, 960, 128};
    uint8_t flags = data[0];
    data++;
    size--;
    uint16_t lport = 0;
    int lfd = t_listen(&lport);
    if (lfd < 0)
        return 0;
    s7_policy *pol = s7_policy_new();
    s7_policy_partner *pt = pol ? s7_policy_add_partner(pol, "fuzz") : NULL;
    if (!pt) {
        s7_policy_free(pol);
        close(lfd);
        return 0;
    }
    pt->any_addr = 1;
    pt->services = S7_POL__ALL;
    pt->shared = flags & 1;
    pol->shared_upstreams = 1;
    s7_policy_add_range(pt, S7_AREA_DB, 1, 0, 1024, S7_POL_READ | S7_POL_WRITE);
    char up[64];
    snprintf(up, sizeof up, "127.0.0.1:%u", lport);
    s7_guard_opts o;
    s7_guard_opts_init(&o);
    o.listen = "127.0.0.1:0";
    o.upstream = up;
    /* the late client's check below needs the CPU side's answer before this runs out: on a
     * loaded machine the replay may not run for a few hundred ms (with 200 ms the guard
     * gave up and closed the client without a CC, and the check aborted) */
    o.connect_timeout_ms = 2000;
    s7_guard *g = NULL;
    if (s7_guard_new(&g, &o, pol) < 0 || s7_guard_start(g) < 0) {
        s7_guard_free(g);
        close(lfd);
        return 0;
    }
    uint16_t gport = s7_guard_port(g);
    uint16_t cpdu = (flags & 8) ? 96 : 480;
    int cli = client_open(gport, cpdu);
    int cpu = cpu_accept(g, lfd, pdus[(flags >> 1) & 3]);
    static uint8_t cb[70000], ub[70000], f[70000];
    size_t cn = 0, un = 0;
    uint16_t ref = 0;
    size_t off = 0;
    for (int rec = 0; rec < 48 && off + 2 <= size; rec++) {
        uint8_t op = data[off] % 6;
        size_t len = data[off + 1];
        off += 2;
        if (len > size - off)
            len = size - off;
        const uint8_t *b = data + off;
        off += len;
        switch (op) {
        case 0: put(cli, b, len); break;
        case 1:
            if (len)
                put(cli, f, dt(f, b, len));
            break;
        case 2: put(cpu, b, len); break;
        case 3:
        case 4: {
            if (len < 6)
                break;
            uint8_t p[256];
            memcpy(p, b, len);
            p[4] = (uint8_t)(ref >> 8);
            p[5] = (uint8_t)ref;
            if (op == 3) {
                put(cpu, f, dt(f, p, len));
                break;
            }
            size_t step = len % 7 + 1, w = 0;
            for (size_t a = 0; a < len; a += step) {
                size_t k = len - a < step ? len - a : step;
                memcpy(f + w + 7, p + a, k);
                w += (size_t)s7_iso_dt_wrap(f + w, k + 7, k, a + k == len);
            }
            put(cpu, f, w);
            break;
        }
        default:
            if (cli >= 0)
                close(cli);
            cli = client_open(gport, (len & 1) ? 96 : cpdu);
            cn = 0;
            break;
        }
        run(g, 1);
        if (cli >= 0 && drain(cli, cb, sizeof cb, &cn) < 0) {
            close(cli);
            cli = -1;
        }
        if (cpu >= 0) {
            if (drain(cpu, ub, sizeof ub, &un) < 0) {
                close(cpu);
                cpu = -1;
            } else {
                ref = last_ref(ub, &un, ref);
            }
        }
    }
    if (getenv("FUZZ_GUARD_ENGINE_DEBUG"))
        fprintf(stderr, "client %s, %zu bytes unread; CPU %s, last reference %u\n",
                cli >= 0 ? "open" : "closed", cn, cpu >= 0 ? "open" : "closed", ref);
    if (cli >= 0)
        close(cli);
    if (cpu >= 0)
        close(cpu);
    /* still serving: a new client gets its CC once the CPU accepts the guard's connection
     * (a dedicated one is made for it; a shared one may still be open: no new one then).
     * The CPU side answers every CR of the connections it accepts meanwhile (earlier
     * clients' upstream connections may still wait in its backlog). */
    int late = client_open(gport, 240);
    int ups[64];
    size_t nups = 0, upn[64];
    static uint8_t upb[64][256];
    size_t ln = 0;
    int closed = 0;
    for (int i = 0; i < 200 && ln < 7 && !closed && late >= 0; i++) {
        run(g, 1);
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
        if (fd >= 0 && nups < 64) {
            upn[nups] = 0;
            ups[nups++] = fd;
        } else if (fd >= 0) {
            close(fd);
        }
        for (size_t k = 0; k < nups; k++) {
            if (ups[k] < 0 || upn[k] == SIZE_MAX)
                continue;
            if (drain(ups[k], upb[k], sizeof upb[k], &upn[k]) < 0) {
                close(ups[k]);
                ups[k] = -1;
            } else if (upn[k] >= 22 && upb[k][5] == 0xE0) {
                answer_cr(ups[k], upb[k]);
                upn[k] = SIZE_MAX; /* answered: its setup is not looked at */
            }
        }
        closed = drain(late, cb, sizeof cb, &ln) < 0;
    }
    if (closed && (ln < 7 || cb[5] != 0xD0))
        abort();
    /* closed without a CC: the guard no longer serves */
    if (late >= 0)
        close(late);
    for (size_t k = 0; k < nups; k++)
        if (ups[k] >= 0)
            close(ups[k]);
    s7_guard_free(g);
    close(lfd);
    return 0;
}
