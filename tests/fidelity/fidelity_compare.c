/* fidelity_compare: how closely the emulator answers as real CPUs do.
 *
 * For every capture listed in tests/fidelity/captures.txt (real CPUs answering S7comm
 * clients, tests/vectors/real/), and every TCP connection in it: a CPU of the capture's
 * family is made in memory (rack/slot from the capture's CR; the DBs the real CPU's answers
 * show: read and written ranges, its DB list and DB block info; the program blocks it
 * lists, describes or uploads), the server-role connection (s7_sconn) and the CPU model (s7_cpu_handle)
 * are fed the client's frames as captured (COTP CR, Setup Communication, every request;
 * a connection captured mid-way gets a CR and a setup first, not counted), and each answer
 * is compared with the real CPU's structurally: the CC's parameters; every S7 header field
 * (ROSCTR, reference, lengths, error class and code); the parameter byte for byte (a Userdata
 * reply's last-unit flag and error code included; its sequence number and data unit
 * reference only as zero or not: real CPUs take them from internal counters that depend on
 * other connections and earlier jobs, e.g. a 315-2 keeps one number per connection for a
 * while, the S7-400 counts its SZL answers 1..15 across connections); read
 * items' return codes, transport sizes and lengths; write return codes; a Userdata data
 * item's return code, transport size and length, and an SZL answer's header (ID, index,
 * record length and count).  Memory values, SZL record contents, clock values and block
 * bodies are left aside, and so is the number of diagnostic buffer entries (SZL 0x00A0:
 * the CPU's history, kept by a real one over power cycles).  A continuation request carries
 * the sequence number of the answer it continues: it is replayed with the emulator's
 * number for it, as PDU references would be mapped; so is the job number a programmer
 * command (Userdata group 1: enable, disable, delete a job) names, which the CPU gave the
 * job in the sequence number of its answer.
 *
 * Prints per capture and in total the requests answered by the real CPU, how many got a
 * structurally identical answer, and per request kind (szl.0011, read.dbread, ud.cyclic ...)
 * the differences with the first one seen.
 *
 *   fidelity_compare [--tsv] [--hex] [--only NAME] [--dir DIR] [--list FILE]
 *                    [--floor N] [--require KIND]...
 *
 * --floor N: exit 1 when fewer than N requests are identical in total.  --require KIND: exit
 * 1 unless the captures hold requests of KIND (a kind or a prefix ending in '.') and every
 * one of them is identical.  Exit 2 for a capture that cannot be read. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "capture_cpu.h"
#include "s7/conn.h"
#include "s7/cpu.h"
#include "s7/wire.h"

#ifndef S7_SOURCE_DIR
#define S7_SOURCE_DIR "."
#endif

/* ------------------------------------------------------------ statistics per kind */
typedef struct kstat {
    char kind[32];
    int reqs, same;
    char first[256]; /* the first difference seen */
} kstat;

typedef struct stats {
    kstat k[256];
    int n;
    int reqs, same;
} stats;

static kstat *kind_stat(stats *s, const char *kind)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->k[i].kind, kind))
            return &s->k[i];
    if (s->n == (int)(sizeof s->k / sizeof s->k[0]))
        return &s->k[s->n - 1];
    kstat *k = &s->k[s->n++];
    memset(k, 0, sizeof *k);
    snprintf(k->kind, sizeof k->kind, "%s", kind);
    return k;
}

static void count(stats *s, const char *kind, int same, const char *why)
{
    kstat *k = kind_stat(s, kind);
    k->reqs++;
    s->reqs++;
    if (same) {
        k->same++;
        s->same++;
    } else if (!k->first[0]) {
        snprintf(k->first, sizeof k->first, "%s", why);
    }
}

static void merge(stats *into, const stats *from)
{
    for (int i = 0; i < from->n; i++) {
        kstat *k = kind_stat(into, from->k[i].kind);
        k->reqs += from->k[i].reqs;
        k->same += from->k[i].same;
        if (!k->first[0])
            memcpy(k->first, from->k[i].first, sizeof k->first);
    }
    into->reqs += from->reqs;
    into->same += from->same;
}

static long prog_job_at(const uint8_t *p, size_t len);

/* ------------------------------------------------------------ request kinds */
static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static const char *pi_name(const uint8_t *p, size_t plen, char *buf, size_t cap)
{
    /* 28, 7 unknown bytes, parameter block length (2), the block, name length (1), name */
    if (plen < 11)
        return "pi";
    size_t bl = be16(p + 8), at = 10 + bl;
    if (at >= plen || at + 1 + p[at] > plen)
        return "pi";
    size_t nl = p[at];
    snprintf(buf, cap, "pi.%.*s", (int)nl, (const char *)p + at + 1);
    return buf;
}

/* The kind of a request PDU. */
static void kind_of(const uint8_t *pdu, size_t len, char *out, size_t cap)
{
    s7_pdu p;
    if (s7_pdu_decode(pdu, len, &p) < 0 || p.param_len < 1) {
        snprintf(out, cap, "malformed");
        return;
    }
    if (p.rosctr == S7_JOB) {
        uint8_t fn = p.param[0];
        char b[40];
        cap_item it[1];
        int nit, dbr;
        switch (fn) {
        case 0xF0: snprintf(out, cap, "setup"); return;
        case 0x04:
        case 0x05:
            cap_req_items(p.param, p.param_len, it, 1, &nit, &dbr);
            snprintf(out, cap, "%s%s", fn == 4 ? "read" : "write", dbr ? ".dbread" : "");
            if (fn == 5 && nit && (it[0].area == 0x1C || it[0].area == 0x1D))
                snprintf(out, cap, "write.tc");
            return;
        case 0x28: snprintf(out, cap, "%s", pi_name(p.param, p.param_len, b, sizeof b)); return;
        case 0x29: snprintf(out, cap, "stop"); return;
        case 0x1A: snprintf(out, cap, "download.request"); return;
        case 0x1B: snprintf(out, cap, "download.block"); return;
        case 0x1C: snprintf(out, cap, "download.end"); return;
        case 0x1D: snprintf(out, cap, "upload.start"); return;
        case 0x1E: snprintf(out, cap, "upload"); return;
        case 0x1F: snprintf(out, cap, "upload.end"); return;
        default: snprintf(out, cap, "job.%02x", fn); return;
        }
    }
    if (p.param_len < 8) {
        snprintf(out, cap, "ud.short");
        return;
    }
    uint8_t method = p.param[4], grp = p.param[5] & 0x0F, sub = p.param[6];
    if (grp == 4 && sub == 1) {
        if (method == 0x12)
            snprintf(out, cap, "szl.next");
        else if (p.data_len >= 8)
            snprintf(out, cap, "szl.%04x", be16(p.data + 4));
        else
            snprintf(out, cap, "szl.short");
        return;
    }
    static const char *const groups[8] = {"ud.0",   "ud.prog",     "ud.cyclic", "ud.block",
                                          "ud.cpu", "ud.security", "ud.6",      "ud.time"};
    int next = method == 0x12 && p.param_len >= 12 && p.param[8] != 0;
    snprintf(out, cap, "%s.%02x%s", groups[grp & 7], sub, next ? ".next" : "");
}

/* ------------------------------------------------------------ structural comparison */

static void hexs(char *out, size_t cap, const uint8_t *p, size_t n)
{
    size_t o = 0;
    out[0] = 0;
    for (size_t i = 0; i < n && o + 3 < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%02x", p[i]);
}

#define DIFF(...)                        \
    do {                                 \
        snprintf(why, cap, __VA_ARGS__); \
        return 0;                        \
    } while (0)

static const char *const UD_FIELDS[12] = {"head",
                                          "head",
                                          "head",
                                          "parameter length",
                                          "method",
                                          "type/group",
                                          "subfunction",
                                          "sequence number",
                                          "data unit reference",
                                          "last data unit",
                                          "error code",
                                          "error code"};

/* 1 when emu answers req as real does (structurally), else 0 with why set. */
static int same(const uint8_t *req, size_t rlen, const uint8_t *real, size_t alen,
                const uint8_t *emu, size_t elen, char *why, size_t cap)
{
    s7_pdu q, a, e;
    if (s7_pdu_decode(req, rlen, &q) < 0)
        DIFF("request does not decode");
    if (s7_pdu_decode(real, alen, &a) < 0)
        DIFF("the real answer does not decode");
    if (s7_pdu_decode(emu, elen, &e) < 0)
        DIFF("the emulator's answer does not decode");
    if (a.rosctr != e.rosctr)
        DIFF("ROSCTR %u, emulator %u", a.rosctr, e.rosctr);
    if (e.ref != q.ref)
        DIFF("reference %04x for request %04x", e.ref, q.ref);
    if (a.redundancy != e.redundancy)
        DIFF("redundancy id %04x, emulator %04x", a.redundancy, e.redundancy);
    if (a.err_class != e.err_class || a.err_code != e.err_code)
        DIFF("header error %02x%02x, emulator %02x%02x", a.err_class, a.err_code, e.err_class,
             e.err_code);
    if (a.param_len != e.param_len) {
        char x[80], y[80];
        hexs(x, sizeof x, a.param, a.param_len);
        hexs(y, sizeof y, e.param, e.param_len);
        DIFF("parameter length %u (%s), emulator %u (%s)", a.param_len, x, e.param_len, y);
    }
    for (unsigned i = 0; i < a.param_len; i++) {
        if (a.rosctr == S7_USERDATA && (i == 7 || i == 8) && !a.param[i] == !e.param[i])
            continue; /* sequence number, data unit reference: CPU counters, zero or not */
        if (a.param[i] != e.param[i]) {
            const char *f = a.rosctr == S7_USERDATA && i < 12 ? UD_FIELDS[i]
                            : a.param[0] == 0xF0 && i >= 2    ? (i < 4   ? "AmQ calling"
                                                                 : i < 6 ? "AmQ called"
                                                                         : "PDU length")
                                                              : "byte";
            DIFF("parameter %s (byte %u) %02x, emulator %02x", f, i, a.param[i], e.param[i]);
        }
    }
    if (a.rosctr == S7_ACK_DATA && a.param_len >= 2 && a.param[0] == S7_FN_READ) {
        /* items: return code, transport size, length; values aside */
        size_t oa = 0, oe = 0;
        for (unsigned i = 0; i < a.param[1]; i++) {
            if (oa + 4 > a.data_len || oe + 4 > e.data_len)
                DIFF("item %u: real %zu data bytes left, emulator %zu", i + 1,
                     (size_t)a.data_len - oa, (size_t)e.data_len - oe);
            const uint8_t *x = a.data + oa, *y = e.data + oe;
            if (x[0] != y[0])
                DIFF("item %u return code %02x, emulator %02x", i + 1, x[0], y[0]);
            if (x[1] != y[1])
                DIFF("item %u transport size %02x, emulator %02x", i + 1, x[1], y[1]);
            if (be16(x + 2) != be16(y + 2))
                DIFF("item %u length %u, emulator %u", i + 1, be16(x + 2), be16(y + 2));
            uint32_t nb = x[0] == 0xFF ? s7_dts_nbytes(x[1], be16(x + 2)) : 0;
            int last = i + 1 == a.param[1];
            oa += 4 + nb + (!last && (nb & 1));
            oe += 4 + nb + (!last && (nb & 1));
        }
        if (a.data_len != e.data_len)
            DIFF("data length %u, emulator %u", a.data_len, e.data_len);
        return 1;
    }
    if (a.data_len != e.data_len && a.rosctr != S7_USERDATA)
        DIFF("data length %u, emulator %u", a.data_len, e.data_len);
    if (a.rosctr == S7_ACK_DATA && a.param_len >= 1 && a.param[0] == S7_FN_WRITE) {
        for (unsigned i = 0; i < a.data_len; i++)
            if (a.data[i] != e.data[i])
                DIFF("item %u return code %02x, emulator %02x", i + 1, a.data[i], e.data[i]);
        return 1;
    }
    if (a.rosctr == S7_USERDATA) {
        if (a.data_len < 4 || e.data_len < 4)
            DIFF("data length %u, emulator %u", a.data_len, e.data_len);
        if (a.data[0] != e.data[0])
            DIFF("data return code %02x, emulator %02x", a.data[0], e.data[0]);
        if (a.data[1] != e.data[1])
            DIFF("data transport size %02x, emulator %02x", a.data[1], e.data[1]);
        int szl_first =
            q.param_len >= 8 && (q.param[5] & 0x0F) == 4 && q.param[6] == 1 && q.param[4] == 0x11;
        if (szl_first && a.data[0] == 0xFF && a.data_len >= 12 && e.data_len >= 12) {
            static const char *const f[4] = {"ID", "index", "record length", "record count"};
            /* the diagnostic buffer's entries are the CPU's history (a real one keeps them
             * over power cycles): their number is content, not structure */
            int content = (be16(a.data + 4) & 0x00FF) == 0xA0;
            for (int i = 0; i < (content ? 3 : 4); i++)
                if (be16(a.data + 4 + 2 * i) != be16(e.data + 4 + 2 * i))
                    DIFF("SZL %s %04x, emulator %04x", f[i], be16(a.data + 4 + 2 * i),
                         be16(e.data + 4 + 2 * i));
            if (content)
                return 1;
        }
        if (be16(a.data + 2) != be16(e.data + 2))
            DIFF("data length %u, emulator %u", be16(a.data + 2), be16(e.data + 2));
        if (a.data_len != e.data_len)
            DIFF("data block length %u, emulator %u", a.data_len, e.data_len);
        return 1;
    }
    return 1; /* other answers: header, parameter and data length compared */
}

/* The CC the emulator sent against the real one: every field but the source reference. */
static int same_cc(const uint8_t *real, size_t rl, const uint8_t *emu, size_t el, char *why,
                   size_t cap)
{
    s7_cotp a, e;
    if (s7_frame_decode(real, rl, &a) < 0)
        DIFF("the real CC does not decode");
    if (s7_frame_decode(emu, el, &e) < 0 || e.code != S7_COTP_CC)
        DIFF("the emulator sent no CC");
    if (a.dst_ref != e.dst_ref)
        DIFF("CC destination reference %04x, emulator %04x", a.dst_ref, e.dst_ref);
    if (a.class_opt != e.class_opt)
        DIFF("CC class %02x, emulator %02x", a.class_opt, e.class_opt);
    if (a.tpdu_size != e.tpdu_size)
        DIFF("CC TPDU size %02x, emulator %02x", a.tpdu_size, e.tpdu_size);
    if (a.calling_len != e.calling_len || memcmp(a.calling, e.calling, a.calling_len))
        DIFF("CC calling TSAP differs");
    if (a.called_len != e.called_len || memcmp(a.called, e.called, a.called_len))
        DIFF("CC called TSAP differs");
    if (memcmp(a.param_order, e.param_order, 3))
        DIFF("CC parameter order %02x %02x %02x, emulator %02x %02x %02x", a.param_order[0],
             a.param_order[1], a.param_order[2], e.param_order[0], e.param_order[1],
             e.param_order[2]);
    if (rl != el)
        DIFF("CC length %zu, emulator %zu", rl, el);
    return 1;
}

/* ------------------------------------------------------------ the emulator in memory */
typedef struct emu {
    s7_cpu *cpu;
    s7_cpu_session *sess;
    s7_sconn *sc;
    s7_buf out;
    uint8_t reply[65536];
    int rlen; /* last PDU answer: length, 0 none, -1 the connection closed */
    uint16_t in_use[4];
    char reason[160];
} emu;

/* Feed bytes (whole frames).  Returns 0, or -1 when the connection closed (reason set). */
static int feed(emu *m, const uint8_t *in, size_t n)
{
    size_t off = 0;
    while (off < n) {
        s7_sconn_event ev;
        int r = s7_sconn_recv(m->sc, in + off, n - off, &m->out, &ev);
        if (r < 0) {
            snprintf(m->reason, sizeof m->reason, "closed: %s", s7_sconn_reason(m->sc));
            return -1;
        }
        off += (size_t)r;
        if (ev.kind == S7_SEV_CONNECT) {
            const char *why = NULL;
            if (s7_cpu_accept(m->cpu, m->sess, &ev.cr, m->in_use, &why) < 0) {
                s7_sconn_refuse(m->sc, why ? why : "refused");
                snprintf(m->reason, sizeof m->reason, "CR refused: %s", why ? why : "?");
                return -1;
            }
            if (s7_sconn_accept(m->sc, &m->out) < 0)
                return -1;
        } else if (ev.kind == S7_SEV_PDU) {
            size_t cap;
            uint8_t *rep = s7_sconn_reply_begin(m->sc, &m->out, &cap);
            if (!rep)
                return -1;
            int k = s7_cpu_handle(m->cpu, m->sess, ev.pdu, ev.len, rep, cap);
            if (k < 0) {
                s7_sconn_fail(m->sc, k, "malformed request");
                snprintf(m->reason, sizeof m->reason, "closed: malformed request (%s)",
                         s7_strerror(k));
                m->rlen = -1;
                return -1;
            }
            if (k > 0) {
                memcpy(m->reply, rep, (size_t)k);
                m->rlen = k;
            }
            if (s7_sconn_reply_end(m->sc, &m->out, (size_t)k) < 0)
                return -1;
            static uint8_t job[65536];
            int jn = s7_cpu_next_job(m->cpu, m->sess, job, sizeof job);
            if (jn > 0 && s7_sconn_send(m->sc, &m->out, job, (size_t)jn) < 0)
                return -1;
        } else {
            break;
        }
    }
    return 0;
}

static int emu_open(emu *m, const capture *c, size_t ci, const setting *st)
{
    memset(m, 0, sizeof *m);
    m->cpu = s7_cpu_new(s7_profile_find(st->profile));
    m->sess = s7_cpu_session_new();
    m->sc = s7_sconn_new();
    if (!m->cpu || !m->sess || !m->sc)
        return -1;
    if (st->have_loc)
        s7_cpu_set_location(m->cpu, st->rack, st->slot);
    cap_cpu_fill(m->cpu, &c->conns[ci]);
    return 0;
}

static void emu_close(emu *m)
{
    s7_sconn_free(m->sc);
    s7_cpu_session_free(m->sess);
    s7_cpu_free(m->cpu);
    s7_buf_free(&m->out);
    memset(m, 0, sizeof *m);
}

/* A fresh connection to the same CPU: a CR of our own and, with setup, a Setup
 * Communication, not compared.  Returns 0 or -1. */
static int reconnect(emu *m, const setting *st, int setup)
{
    s7_sconn_free(m->sc);
    s7_cpu_session_free(m->sess);
    m->sc = s7_sconn_new();
    m->sess = s7_cpu_session_new();
    if (!m->sc || !m->sess)
        return -1;
    const s7_profile *pr = s7_cpu_profile(m->cpu);
    uint16_t called =
        s7_tsap_make(1, st->have_loc ? st->rack : pr->rack, st->have_loc ? st->slot : pr->slot);
    uint8_t calling[2] = {0x01, 0x00}, cd[2] = {(uint8_t)(called >> 8), (uint8_t)called};
    s7_cotp cr;
    memset(&cr, 0, sizeof cr);
    cr.code = S7_COTP_CR;
    cr.src_ref = 1;
    cr.tpdu_size = 0x0A;
    cr.calling = calling;
    cr.calling_len = 2;
    cr.called = cd;
    cr.called_len = 2;
    uint8_t f[256];
    int n = s7_cotp_encode(f, sizeof f, &cr);
    if (n < 0 || feed(m, f, (size_t)n) < 0)
        return -1;
    if (setup) {
        s7_setup su = {1, 1, 960};
        n = s7_setup_req_encode(f + 7, sizeof f - 7, 0xFFFF, &su);
        if (n < 0 || s7_iso_dt_wrap(f, sizeof f, (size_t)n, 1) < 0 || feed(m, f, (size_t)n + 7) < 0)
            return -1;
    }
    m->out.len = 0;
    return 0;
}

/* ------------------------------------------------------------ one capture */
static int opt_hex, opt_tsv;

static void hexdump(const char *what, const uint8_t *p, size_t n)
{
    printf("      %-5s", what);
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
    printf("\n");
}

static int run_capture(const char *dir, const char *file, const char *profile, stats *s)
{
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    capture c;
    if (cap_load(&c, path, err, sizeof err) < 0) {
        fprintf(stderr, "fidelity_compare: %s\n", err);
        return -1;
    }
    for (size_t ci = 0; ci < c.nconns; ci++) {
        const cap_conn *k = &c.conns[ci];
        setting st;
        int reqs = cap_conn_setting(k, profile, &st);
        if (!reqs)
            continue;
        emu m;
        if (emu_open(&m, &c, ci, &st) < 0) {
            fprintf(stderr, "fidelity_compare: out of memory\n");
            emu_close(&m);
            cap_free(&c);
            return -1;
        }
        int open = 0; /* a CR was fed and accepted */
        uint8_t seqmap[256];
        memset(seqmap, 0, sizeof seqmap);
        for (size_t i = 0; i < k->nmsgs; i++) {
            const cap_msg *q = &k->msgs[i];
            if (q->dir != CAP_C2S)
                continue;
            if (q->cotp == 0xE0) {
                s7_sconn_free(m.sc);
                m.sc = s7_sconn_new();
                s7_cpu_session_reset(m.sess);
                m.out.len = 0;
                int r = feed(&m, q->raw, q->raw_len);
                open = r == 0;
                /* the CC against the real one */
                const cap_msg *cc = NULL;
                for (size_t j = i + 1; j < k->nmsgs && !cc; j++)
                    if (k->msgs[j].dir == CAP_S2C && k->msgs[j].cotp == 0xD0)
                        cc = &k->msgs[j];
                if (cc) {
                    char why[256] = "no CC";
                    int ok =
                        open && same_cc(cc->raw, cc->raw_len, m.out.p, m.out.len, why, sizeof why);
                    if (!open)
                        snprintf(why, sizeof why, "%s", m.reason);
                    count(s, "cotp.cr", ok, why);
                    if (!ok && opt_hex) {
                        printf("    %s packet %u cotp.cr: %s\n", file, q->pkt, why);
                        hexdump("req", q->raw, q->raw_len);
                        hexdump("real", cc->raw, cc->raw_len);
                        hexdump("emu", m.out.p, m.out.len);
                    }
                }
                continue;
            }
            if (q->cotp == 0xF0 && !q->is_req && open && q->len > 1 &&
                (q->pdu[1] == S7_ACK_DATA || q->pdu[1] == S7_ACK)) {
                /* the PG's answers to the CPU's own jobs (a download's parts): fed, the
                 * block lands in the emulator, nothing is compared */
                m.out.len = 0;
                if (feed(&m, q->raw, q->raw_len) < 0)
                    open = 0;
                continue;
            }
            if (q->cotp != 0xF0 || !q->is_req)
                continue;
            char kind[40];
            kind_of(q->pdu, q->len, kind, sizeof kind);
            int is_setup = q->len > 10 && q->pdu[1] == S7_JOB && q->pdu[10] == S7_FN_SETUP;
            if (!open) /* captured mid-connection, or the emulator closed it */
                open = reconnect(&m, &st, !is_setup) == 0;
            else if (!is_setup && s7_cpu_session_pdu(m.sess) == 0)
                open = reconnect(&m, &st, 1) == 0;
            m.out.len = 0;
            m.rlen = 0;
            const uint8_t *in = q->raw;
            size_t inlen = q->raw_len;
            static uint8_t fr[65536 + 7];
            if (q->len >= 18 && q->len + 7 <= sizeof fr && q->pdu[1] == S7_USERDATA &&
                q->pdu[14] == 0x12 && q->pdu[17] != 0) {
                /* a continuation names the sequence number of the answer it continues: the
                 * emulator's, as the client would have echoed it (mapped like the PDU
                 * reference) */
                memcpy(fr + 7, q->pdu, q->len);
                fr[7 + 17] = seqmap[q->pdu[17]] ? seqmap[q->pdu[17]] : q->pdu[17];
                if (s7_iso_dt_wrap(fr, sizeof fr, q->len, 1) > 0) {
                    in = fr;
                    inlen = q->len + 7;
                }
            }
            if (in == q->raw && q->len + 7 <= sizeof fr && prog_job_at(q->pdu, q->len) > 0) {
                /* enabling / disabling / deleting a programmer job names the job by the
                 * number the CPU gave it: the emulator's, mapped as sequence numbers are */
                size_t at = (size_t)prog_job_at(q->pdu, q->len);
                memcpy(fr + 7, q->pdu, q->len);
                fr[7 + at] = seqmap[q->pdu[at]] ? seqmap[q->pdu[at]] : q->pdu[at];
                if (s7_iso_dt_wrap(fr, sizeof fr, q->len, 1) > 0) {
                    in = fr;
                    inlen = q->len + 7;
                }
            }
            int r = open ? feed(&m, in, inlen) : -1;
            if (q->answer < 0) {
                if (r < 0)
                    open = 0;
                continue; /* the real CPU's answer is not in the capture */
            }
            const cap_msg *a = &k->msgs[q->answer];
            char why[256];
            int ok;
            if (r < 0 && m.rlen <= 0) {
                snprintf(why, sizeof why, "no answer (%s)", m.reason[0] ? m.reason : "closed");
                ok = 0;
            } else if (m.rlen == 0) {
                snprintf(why, sizeof why, "no answer");
                ok = 0;
            } else {
                ok = same(q->pdu, q->len, a->pdu, a->len, m.reply, (size_t)m.rlen, why, sizeof why);
            }
            count(s, kind, ok, why);
            if (m.rlen >= 18 && a->len >= 18 && a->pdu[1] == S7_USERDATA &&
                m.reply[1] == S7_USERDATA)
                seqmap[a->pdu[17]] = m.reply[17]; /* the real CPU's number -> the emulator's */
            if (!ok && opt_hex) {
                printf("    %s packet %u %s: %s\n", file, q->pkt, kind, why);
                hexdump("req", q->pdu, q->len);
                hexdump("real", a->pdu, a->len);
                if (m.rlen > 0)
                    hexdump("emu", m.reply, (size_t)m.rlen);
            }
            if (r < 0)
                open = 0;
        }
        emu_close(&m);
    }
    cap_free(&c);
    return 0;
}

/* The offset in a Userdata PDU of the job number a programmer command (group 1) names:
 * disable / enable a job (0x0d / 0x0e: TIS data = function, job) or delete one (0x0f: 00,
 * deletion ID, function, job); 0 for any other PDU. */
static long prog_job_at(const uint8_t *p, size_t len)
{
    if (len < 30 || p[1] != S7_USERDATA || p[6] != 0 || p[7] != 12 || (p[15] & 0x0F) != 1 ||
        (p[15] >> 4) != 4)
        return 0;
    uint8_t sub = p[16];
    size_t tps = (size_t)(p[26] << 8 | p[27]), tds = (size_t)(p[28] << 8 | p[29]);
    size_t td = 30 + tps;
    if (td + tds > len)
        return 0;
    if ((sub == 0x0d || sub == 0x0e) && tds >= 2)
        return (long)(td + 1);
    if (sub == 0x0f && tds >= 4)
        return (long)(td + 3);
    return 0;
}

static int by_diff(const void *x, const void *y)
{
    const kstat *a = x, *b = y;
    int da = a->reqs - a->same, db = b->reqs - b->same;
    return da != db ? db - da : strcmp(a->kind, b->kind);
}

static void print_kinds(const char *cap, stats *s)
{
    qsort(s->k, (size_t)s->n, sizeof s->k[0], by_diff);
    for (int i = 0; i < s->n; i++) {
        const kstat *k = &s->k[i];
        if (opt_tsv)
            printf("%s\t%s\t%d\t%d\t%s\n", cap, k->kind, k->reqs, k->same, k->first);
        else if (k->same != k->reqs)
            printf("    %-18s %4d of %4d differ: %s\n", k->kind, k->reqs - k->same, k->reqs,
                   k->first);
    }
}

int main(int argc, char **argv)
{
    const char *dir = S7_SOURCE_DIR "/tests/vectors/real";
    const char *list = S7_SOURCE_DIR "/tests/fidelity/captures.txt";
    const char *only = NULL;
    const char *require[32];
    int nreq = 0;
    long floor_n = -1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--tsv"))
            opt_tsv = 1;
        else if (!strcmp(argv[i], "--hex"))
            opt_hex = 1;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--list") && i + 1 < argc)
            list = argv[++i];
        else if (!strcmp(argv[i], "--floor") && i + 1 < argc)
            floor_n = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--require") && i + 1 < argc && nreq < 32)
            require[nreq++] = argv[++i];
        else {
            fprintf(stderr,
                    "usage: fidelity_compare [--tsv] [--hex] [--only NAME] [--dir DIR] "
                    "[--list FILE] [--floor N] [--require KIND]...\n"
                    "fidelity_compare: unknown or incomplete option '%s'\n",
                    argv[i]);
            return 2;
        }
    }
    FILE *lf = fopen(list, "r");
    if (!lf) {
        fprintf(stderr, "fidelity_compare: cannot open %s (the list of captures)\n", list);
        return 2;
    }
    static stats total;
    char line[512];
    int lineno = 0, bad = 0, ncap = 0;
    if (opt_tsv)
        printf("capture\tkind\trequests\tidentical\tfirst difference\n");
    while (fgets(line, sizeof line, lf)) {
        lineno++;
        char file[256], prof[64];
        char *h = strchr(line, '#');
        if (h)
            *h = 0;
        int nf = sscanf(line, "%255s %63s", file, prof);
        if (nf <= 0)
            continue;
        if (nf != 2 || !s7_profile_find(prof)) {
            fprintf(stderr,
                    "%s:%d: expected 'FILE PROFILE' with a known profile (s7-300, s7-400, "
                    "s7-1200, s7-1500)\n",
                    list, lineno);
            bad = 1;
            continue;
        }
        if (only && !strstr(file, only))
            continue;
        static stats s;
        memset(&s, 0, sizeof s);
        if (run_capture(dir, file, prof, &s) < 0) {
            bad = 1;
            continue;
        }
        ncap++;
        if (!opt_tsv)
            printf("%-44s %-7s %4d requests, %4d identical (%.1f%%)\n", file, prof, s.reqs, s.same,
                   s.reqs ? 100.0 * s.same / s.reqs : 0.0);
        merge(&total, &s);
        print_kinds(file, &s);
    }
    fclose(lf);
    if (!opt_tsv)
        printf("\nall %d captures, per kind:\n", ncap);
    print_kinds("total", &total);
    printf("%stotal: %d/%d identical (%.1f%%)\n", opt_tsv ? "# " : "\n", total.same, total.reqs,
           total.reqs ? 100.0 * total.same / total.reqs : 0.0);
    int rc = bad ? 2 : 0;
    if (floor_n >= 0 && total.same < floor_n) {
        printf("FAIL: %d identical, the floor is %ld\n", total.same, floor_n);
        rc = rc ? rc : 1;
    }
    for (int i = 0; i < nreq; i++) {
        size_t l = strlen(require[i]);
        int prefix = l && require[i][l - 1] == '.';
        int n = 0, sm = 0;
        for (int j = 0; j < total.n; j++)
            if (prefix ? !strncmp(total.k[j].kind, require[i], l)
                       : !strcmp(total.k[j].kind, require[i])) {
                n += total.k[j].reqs;
                sm += total.k[j].same;
                if (total.k[j].same != total.k[j].reqs)
                    printf("FAIL: %s: %d of %d differ: %s\n", total.k[j].kind,
                           total.k[j].reqs - total.k[j].same, total.k[j].reqs, total.k[j].first);
            }
        if (!n)
            printf("FAIL: no request of kind %s in the captures\n", require[i]);
        else if (sm == n)
            printf("ok: %s: %d of %d identical\n", require[i], sm, n);
        if (!n || sm != n)
            rc = rc ? rc : 1;
    }
    return rc;
}
