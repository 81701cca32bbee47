/* A small reader of packet captures for the tests (capture.h says what it does). */
#include "capture.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ growing byte buffers */
typedef struct bytes {
    uint8_t *p;
    size_t n, cap;
} bytes;

static int bytes_add(bytes *b, const uint8_t *p, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n)
            cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (!q)
            return -1;
        b->p = q;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
    return 0;
}

/* ------------------------------------------------------------ TCP streams */
typedef struct dir_state {
    int have;      /* next is known */
    int synced;    /* buf starts at a TPKT frame */
    uint32_t next; /* sequence number of the next byte expected */
    bytes buf;     /* bytes not yet cut into frames */
    bytes raw;     /* frames of the PDU being joined */
    bytes pdu;     /* its S7 bytes */
} dir_state;

typedef struct flow {
    uint8_t a_ip[4], b_ip[4];
    uint16_t a_port, b_port;
    size_t conn;
    dir_state d[2];
} flow;

typedef struct reader {
    capture *c;
    flow *flows;
    size_t nflows, cap;
    int oom;
} reader;

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint32_t rd32(const uint8_t *p, int big)
{
    return big ? be32(p)
               : ((uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]);
}
static uint16_t rd16(const uint8_t *p, int big)
{
    return big ? be16(p) : (uint16_t)(p[1] << 8 | p[0]);
}

static void errf(char *err, size_t cap, const char *fmt, ...)
{
    if (!err || !cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

uint8_t cap_rosctr(const uint8_t *pdu, size_t len) { return len >= 10 ? pdu[1] : 0; }
uint16_t cap_ref(const uint8_t *pdu, size_t len) { return len >= 10 ? be16(pdu + 4) : 0; }

static void emit(reader *r, cap_conn *k, int dir, uint32_t pkt, uint8_t cotp, bytes *raw,
                 bytes *pdu)
{
    if (k->nmsgs == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 32;
        cap_msg *m = realloc(k->msgs, cap * sizeof *m);
        if (!m) {
            r->oom = 1;
            return;
        }
        k->msgs = m;
        k->cap = cap;
    }
    cap_msg *m = &k->msgs[k->nmsgs++];
    memset(m, 0, sizeof *m);
    m->dir = dir;
    m->pkt = pkt;
    m->cotp = cotp;
    m->answer = -1;
    m->raw = raw->p; /* the message takes the buffers */
    m->raw_len = raw->n;
    if (pdu) {
        m->pdu = pdu->p;
        m->len = pdu->n;
        memset(pdu, 0, sizeof *pdu);
    }
    memset(raw, 0, sizeof *raw);
}

/* One whole TPKT frame of a direction. */
static void frame(reader *r, cap_conn *k, dir_state *d, int dir, uint32_t pkt, const uint8_t *f,
                  size_t n)
{
    if (n < 6 || f[4] < 1 || (size_t)f[4] + 5 > n) {
        bytes raw = {0};
        if (bytes_add(&raw, f, n) < 0)
            r->oom = 1;
        else
            emit(r, k, dir, pkt, 0, &raw, NULL);
        return;
    }
    uint8_t code = f[5] == 0xF0 ? 0xF0 : (uint8_t)(f[5] & 0xF0);
    if (code == 0xF0 && f[4] >= 2) {
        size_t hl = 5 + (size_t)f[4];
        if (bytes_add(&d->raw, f, n) < 0 || bytes_add(&d->pdu, f + hl, n - hl) < 0) {
            r->oom = 1;
            return;
        }
        if (f[6] & 0x80) {
            if (!d->pdu.p && bytes_add(&d->pdu, f, 0) < 0) { /* an empty PDU still has a buffer */
                r->oom = 1;
                return;
            }
            emit(r, k, dir, pkt, 0xF0, &d->raw, &d->pdu);
        }
        return;
    }
    bytes raw = {0};
    if (bytes_add(&raw, f, n) < 0) {
        r->oom = 1;
        return;
    }
    emit(r, k, dir, pkt, code, &raw, NULL);
}

static void desync(cap_conn *k, dir_state *d)
{
    d->buf.n = 0;
    d->raw.n = 0;
    d->pdu.n = 0;
    d->synced = 0;
    k->resyncs++;
}

static void segment(reader *r, flow *fl, int dir, uint32_t seq, const uint8_t *p, size_t n,
                    uint32_t pkt)
{
    cap_conn *k = &r->c->conns[fl->conn];
    dir_state *d = &fl->d[dir];
    if (!d->have) {
        d->have = 1;
        d->next = seq;
    }
    int32_t diff = (int32_t)(seq - d->next);
    if (diff > 0) { /* bytes missing from the capture */
        if (d->synced || d->buf.n)
            desync(k, d);
        d->next = seq;
    } else if (diff < 0) { /* retransmitted bytes */
        size_t skip = (size_t) - (int64_t)diff;
        if (skip >= n)
            return;
        p += skip;
        n -= skip;
    }
    d->next += (uint32_t)n;
    if (!d->synced) {
        if (n < 4 || p[0] != 3 || p[1] != 0 || be16(p + 2) < 7)
            return; /* not the start of a frame: wait for one */
        d->synced = 1;
    }
    if (bytes_add(&d->buf, p, n) < 0) {
        r->oom = 1;
        return;
    }
    size_t off = 0;
    while (d->buf.n - off >= 4) {
        const uint8_t *f = d->buf.p + off;
        size_t flen = be16(f + 2);
        if (f[0] != 3 || flen < 7) {
            desync(k, d);
            return;
        }
        if (d->buf.n - off < flen)
            break;
        frame(r, k, d, dir, pkt, f, flen);
        off += flen;
    }
    memmove(d->buf.p, d->buf.p + off, d->buf.n - off);
    d->buf.n -= off;
}

static flow *find_flow(reader *r, const uint8_t *src, uint16_t sport, const uint8_t *dst,
                       uint16_t dport, int *dir)
{
    for (size_t i = 0; i < r->nflows; i++) {
        flow *f = &r->flows[i];
        if (!memcmp(f->a_ip, src, 4) && f->a_port == sport && !memcmp(f->b_ip, dst, 4) &&
            f->b_port == dport) {
            *dir = CAP_C2S;
            return f;
        }
        if (!memcmp(f->b_ip, src, 4) && f->b_port == sport && !memcmp(f->a_ip, dst, 4) &&
            f->a_port == dport) {
            *dir = CAP_S2C;
            return f;
        }
    }
    /* a new stream: the client is the side that is not port 102 (else the first sender) */
    capture *c = r->c;
    if (r->nflows == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 8;
        flow *nf = realloc(r->flows, cap * sizeof *nf);
        if (!nf)
            return NULL;
        r->flows = nf;
        r->cap = cap;
    }
    cap_conn *nc = realloc(c->conns, (c->nconns + 1) * sizeof *nc);
    if (!nc)
        return NULL;
    c->conns = nc;
    flow *f = &r->flows[r->nflows++];
    memset(f, 0, sizeof *f);
    int swap = sport == 102 && dport != 102;
    memcpy(f->a_ip, swap ? dst : src, 4);
    memcpy(f->b_ip, swap ? src : dst, 4);
    f->a_port = swap ? dport : sport;
    f->b_port = swap ? sport : dport;
    f->conn = c->nconns++;
    cap_conn *k = &c->conns[f->conn];
    memset(k, 0, sizeof *k);
    memcpy(k->cli_ip, f->a_ip, 4);
    memcpy(k->srv_ip, f->b_ip, 4);
    k->cli_port = f->a_port;
    k->srv_port = f->b_port;
    *dir = swap ? CAP_S2C : CAP_C2S;
    return f;
}

/* One IPv4 packet. */
static void ip4(reader *r, const uint8_t *p, size_t len)
{
    if (len < 20 || (p[0] >> 4) != 4 || p[9] != 6)
        return;
    size_t ihl = (size_t)(p[0] & 0x0F) * 4, tot = be16(p + 2);
    if (ihl < 20 || tot < ihl || tot > len)
        return;
    if (be16(p + 6) & 0x3FFF)
        return; /* IP fragments: not in the captures this reads */
    const uint8_t *t = p + ihl;
    size_t tl = tot - ihl;
    if (tl < 20)
        return;
    size_t doff = (size_t)(t[12] >> 4) * 4;
    if (doff < 20 || doff > tl || tl == doff)
        return;
    int dir;
    flow *f = find_flow(r, p + 12, be16(t), p + 16, be16(t + 2), &dir);
    if (!f) {
        r->oom = 1;
        return;
    }
    segment(r, f, dir, be32(t + 4), t + doff, tl - doff, r->c->packets);
}

/* One captured packet of a link type. */
static void packet(reader *r, const uint8_t *p, size_t len, uint32_t lt)
{
    r->c->packets++;
    uint16_t et;
    switch (lt) {
    case 1: /* Ethernet */
        if (len < 14)
            return;
        et = be16(p + 12);
        p += 14;
        len -= 14;
        while ((et == 0x8100 || et == 0x88A8) && len >= 4) {
            et = be16(p + 2);
            p += 4;
            len -= 4;
        }
        break;
    case 113: /* Linux cooked */
        if (len < 16)
            return;
        et = be16(p + 14);
        p += 16;
        len -= 16;
        break;
    case 276: /* Linux cooked v2 */
        if (len < 20)
            return;
        et = be16(p);
        p += 20;
        len -= 20;
        break;
    case 0: /* BSD loopback: family in host order */
        if (len < 4)
            return;
        et = (p[0] == 2 || p[3] == 2) ? 0x0800 : 0;
        p += 4;
        len -= 4;
        break;
    case 12:
    case 14:
    case 101:
    case 228: /* raw IP */ et = 0x0800; break;
    default: return;
    }
    if (et == 0x0800)
        ip4(r, p, len);
}

static int known_link(uint32_t lt)
{
    return lt == 1 || lt == 113 || lt == 276 || lt == 0 || lt == 12 || lt == 14 || lt == 101 ||
           lt == 228;
}

static int parse_pcap(reader *r, const uint8_t *d, size_t n, char *err, size_t errcap)
{
    uint32_t magic = be32(d);
    int big = magic == 0xA1B2C3D4 || magic == 0xA1B23C4D;
    uint32_t lt = rd32(d + 20, big) & 0x0FFFFFFF;
    if (!known_link(lt)) {
        errf(err, errcap, "pcap link type %u is not read (Ethernet, Linux SLL, raw IP are)",
             (unsigned)lt);
        return -1;
    }
    size_t off = 24;
    while (off < n) {
        if (n - off < 16) {
            errf(err, errcap, "pcap record header cut at byte %zu", off);
            return -1;
        }
        uint32_t incl = rd32(d + off + 8, big);
        if (incl > n - off - 16) {
            errf(err, errcap, "pcap record at byte %zu claims %u bytes, %zu are left", off,
                 (unsigned)incl, n - off - 16);
            return -1;
        }
        packet(r, d + off + 16, incl, lt);
        off += 16 + (size_t)incl;
    }
    return 0;
}

static int parse_pcapng(reader *r, const uint8_t *d, size_t n, char *err, size_t errcap)
{
    uint32_t lts[32];
    size_t nif = 0;
    int big = 1;
    size_t off = 0;
    while (off < n) {
        if (n - off < 12) {
            errf(err, errcap, "pcapng block cut at byte %zu", off);
            return -1;
        }
        if (be32(d + off) == 0x0A0D0D0A) { /* section header: byte order from its magic */
            if (be32(d + off + 8) == 0x1A2B3C4D)
                big = 1;
            else if (be32(d + off + 8) == 0x4D3C2B1A)
                big = 0;
            else {
                errf(err, errcap, "pcapng section at byte %zu has no byte-order magic", off);
                return -1;
            }
            nif = 0;
        }
        uint32_t type = rd32(d + off, big), blen = rd32(d + off + 4, big);
        if (blen < 12 || blen % 4 || blen > n - off) {
            errf(err, errcap, "pcapng block at byte %zu has length %u (%zu bytes left)", off,
                 (unsigned)blen, n - off);
            return -1;
        }
        const uint8_t *b = d + off + 8;
        size_t bl = blen - 12;
        if (type == 1 && bl >= 8) {
            if (nif < sizeof lts / sizeof lts[0])
                lts[nif++] = rd16(b, big);
        } else if (type == 6 && bl >= 20) {
            uint32_t ifc = rd32(b, big), caplen = rd32(b + 12, big);
            if (ifc >= nif || caplen > bl - 20) {
                errf(err, errcap, "pcapng packet at byte %zu: interface %u of %zu, %u bytes", off,
                     (unsigned)ifc, nif, (unsigned)caplen);
                return -1;
            }
            packet(r, b + 20, caplen, lts[ifc]);
        } else if (type == 3 && bl >= 4 && nif > 0) {
            uint32_t olen = rd32(b, big);
            packet(r, b + 4, olen < bl - 4 ? olen : bl - 4, lts[0]);
        }
        off += blen;
    }
    return 0;
}

/* Pair every request with its answer.  Returns 0 or -1 (out of memory). */
static int pair(cap_conn *k)
{
    char *taken = calloc(k->nmsgs + 1, 1);
    if (!taken)
        return -1;
    for (size_t i = 0; i < k->nmsgs; i++) {
        cap_msg *q = &k->msgs[i];
        if (q->dir != CAP_C2S || q->cotp != 0xF0 || q->len < 10 || q->pdu[0] != 0x32)
            continue;
        uint8_t ro = cap_rosctr(q->pdu, q->len);
        if (ro == 7) {
            if (q->len < 16 || (q->pdu[15] >> 4) != 4)
                continue;
        } else if (ro != 1) {
            continue;
        }
        q->is_req = 1;
        uint16_t ref = cap_ref(q->pdu, q->len);
        for (size_t j = i + 1; j < k->nmsgs; j++) {
            cap_msg *a = &k->msgs[j];
            if (a->dir != CAP_S2C || a->cotp != 0xF0 || a->len < 10 || a->pdu[0] != 0x32 ||
                cap_ref(a->pdu, a->len) != ref)
                continue;
            uint8_t ar = cap_rosctr(a->pdu, a->len);
            int fits = ro == 1 ? (ar == 2 || ar == 3)
                               : (ar == 7 && a->len >= 16 && (a->pdu[15] >> 4) == 8);
            if (fits && !taken[j]) {
                q->answer = (int)j;
                taken[j] = 1;
                break;
            }
        }
    }
    free(taken);
    return 0;
}

int cap_parse(capture *c, const uint8_t *d, size_t n, char *err, size_t errcap)
{
    memset(c, 0, sizeof *c);
    reader r = {c, NULL, 0, 0, 0};
    int rc;
    uint32_t magic = n >= 4 ? be32(d) : 0;
    if (n >= 24 && (magic == 0xA1B2C3D4 || magic == 0xA1B23C4D || magic == 0xD4C3B2A1 ||
                    magic == 0x4D3CB2A1)) {
        rc = parse_pcap(&r, d, n, err, errcap);
    } else if (n >= 12 && magic == 0x0A0D0D0A) {
        rc = parse_pcapng(&r, d, n, err, errcap);
    } else {
        errf(err, errcap, "neither pcap nor pcapng (first bytes %08X)", (unsigned)magic);
        rc = -1;
    }
    for (size_t i = 0; i < r.nflows; i++)
        for (int k = 0; k < 2; k++) {
            free(r.flows[i].d[k].buf.p);
            free(r.flows[i].d[k].raw.p);
            free(r.flows[i].d[k].pdu.p);
        }
    free(r.flows);
    if (r.oom && rc == 0) {
        errf(err, errcap, "out of memory");
        rc = -1;
    }
    if (rc < 0) {
        cap_free(c);
        return -1;
    }
    for (size_t i = 0; i < c->nconns; i++)
        if (pair(&c->conns[i]) < 0) {
            cap_free(c);
            errf(err, errcap, "out of memory");
            return -1;
        }
    return 0;
}

int cap_load(capture *c, const char *path, char *err, size_t errcap)
{
    memset(c, 0, sizeof *c);
    FILE *f = fopen(path, "rb");
    if (!f) {
        errf(err, errcap, "%s: %s", path, strerror(errno));
        return -1;
    }
    bytes b = {0};
    uint8_t chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (bytes_add(&b, chunk, got) < 0) {
            fclose(f);
            free(b.p);
            errf(err, errcap, "%s: out of memory", path);
            return -1;
        }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(b.p);
        errf(err, errcap, "%s: read error", path);
        return -1;
    }
    char why[200];
    int rc = cap_parse(c, b.p ? b.p : chunk, b.n, why, sizeof why);
    free(b.p);
    if (rc < 0)
        errf(err, errcap, "%s: %s", path, why);
    return rc;
}

void cap_free(capture *c)
{
    for (size_t i = 0; i < c->nconns; i++) {
        for (size_t j = 0; j < c->conns[i].nmsgs; j++) {
            free(c->conns[i].msgs[j].raw);
            free(c->conns[i].msgs[j].pdu);
        }
        free(c->conns[i].msgs);
    }
    free(c->conns);
    memset(c, 0, sizeof *c);
}
