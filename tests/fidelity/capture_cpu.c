/* The emulated CPU a capture's connection talks to (capture_cpu.h). */
#include "capture_cpu.h"

#include <string.h>

#include "s7/wire.h"

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

int cap_req_items(const uint8_t *p, size_t plen, cap_item *it, int max, int *nit, int *dbread)
{
    *nit = 0;
    *dbread = 0;
    if (plen < 2)
        return -1;
    int n = p[1];
    size_t off = 2;
    for (int i = 0; i < n; i++) {
        if (off + 2 > plen || p[off] != 0x12 || off + 2 + p[off + 1] > plen)
            return -1;
        const uint8_t *s = p + off + 2;
        size_t sl = p[off + 1];
        if (sl >= 10 && s[0] == 0x10) {
            uint8_t ts = s[1];
            uint32_t cnt = be16(s + 2), addr = (uint32_t)s[7] << 16 | (uint32_t)s[8] << 8 | s[9];
            uint32_t esz = ts == 0x01                 ? 1
                           : ts == 0x02 || ts == 0x03 ? 1
                           : ts == 0x04 || ts == 0x05 ? 2
                           : ts == 0x1C || ts == 0x1D ? 2
                                                      : 4;
            if (*nit < max) {
                cap_item *x = &it[(*nit)++];
                x->area = s[6];
                x->db = be16(s + 4);
                x->start = (s[6] == 0x1C || s[6] == 0x1D) ? addr * 2 : addr >> 3;
                x->len = cnt * esz;
            }
        } else if (sl >= 1 && s[0] == 0xB0) {
            *dbread = 1;
            size_t k = 2;
            for (int j = 0; j < (sl >= 2 ? s[1] : 0) && k + 5 <= sl; j++, k += 5)
                if (*nit < max) {
                    cap_item *x = &it[(*nit)++];
                    x->area = 0x84;
                    x->db = be16(s + k + 1);
                    x->start = be16(s + k + 3);
                    x->len = s[k];
                }
        }
        off += 2 + sl;
    }
    return n;
}

void cap_cpu_fill(s7_cpu *cpu, const cap_conn *k)
{
    /* DBs and areas as large as the real CPU's answers show */
    struct {
        uint16_t db;
        uint32_t size;
    } dbs[512];
    int ndb = 0;
    uint32_t area_end[3] = {0, 0, 0};
    uint8_t list_type = 0; /* the type of the last list-of-type request (continuations) */
    for (size_t i = 0; i < k->nmsgs; i++) {
        const cap_msg *q = &k->msgs[i];
        if (!q->is_req || q->answer < 0)
            continue;
        s7_pdu p, a;
        const cap_msg *r = &k->msgs[q->answer];
        s7_ud uq, ua;
        /* the program blocks the real CPU lists, describes or uploads */
        if (s7_pdu_decode(q->pdu, q->len, &p) >= 0 && s7_pdu_decode(r->pdu, r->len, &a) >= 0) {
            if (p.rosctr == S7_USERDATA && s7_ud_decode(&p, &uq) >= 0 &&
                uq.group == S7_UD_GRP_BLOCK && s7_ud_decode(&a, &ua) >= 0 && ua.err == 0 &&
                ua.rc == 0xFF) {
                if (uq.subfn == 2 && uq.method == 0x11 && uq.plen == 2)
                    list_type = uq.payload[1];
                if (uq.subfn == 2 && list_type != S7_BLOCK_DB)
                    for (size_t e = 0; e + 4 <= ua.plen; e += 4)
                        s7_cpu_add_block(cpu, list_type, be16(ua.payload + e), 2,
                                         ua.payload[e + 2] == 0x42);
                s7_block_info bi;
                if (uq.subfn == 3 && uq.plen == 8 &&
                    s7_block_info_decode(ua.payload, ua.plen, &bi) >= 0 && bi.type != S7_BLOCK_DB)
                    s7_cpu_add_block(cpu, bi.type, bi.number, bi.mc7_len, bi.know_how);
            }
        }
        if (s7_pdu_decode(q->pdu, q->len, &p) >= 0 && p.rosctr == S7_USERDATA &&
            s7_ud_decode(&p, &uq) >= 0 && uq.group == S7_UD_GRP_BLOCK && uq.plen >= 2 &&
            uq.payload[0] == 0x30 && uq.payload[1] == 0x41 &&
            s7_pdu_decode(r->pdu, r->len, &a) >= 0 && s7_ud_decode(&a, &ua) >= 0 && ua.err == 0 &&
            ua.rc == 0xFF) {
            /* the DBs the real CPU lists (4 bytes each: number, flags, language) or
             * describes (block info: the MC7 length at byte 40 is the DB's size) */
            if (uq.subfn == 2)
                for (size_t e = 0; e + 4 <= ua.plen && ndb < 512; e += 4) {
                    int f = 0;
                    for (int d = 0; d < ndb; d++)
                        f |= dbs[d].db == be16(ua.payload + e);
                    if (!f) {
                        dbs[ndb].db = be16(ua.payload + e);
                        dbs[ndb++].size = 1;
                    }
                }
            if (uq.subfn == 3 && uq.plen == 8 && ua.plen >= 42 && ndb < 512) {
                uint32_t num = 0;
                for (int d = 2; d < 7; d++)
                    num = num * 10 + (uint32_t)(uq.payload[d] - '0');
                uint32_t size = be16(ua.payload + 40);
                int f = 0;
                for (int d = 0; d < ndb; d++)
                    if (dbs[d].db == num) {
                        f = 1;
                        if (size > dbs[d].size)
                            dbs[d].size = size;
                    }
                if (!f && num <= 0xFFFF) {
                    dbs[ndb].db = (uint16_t)num;
                    dbs[ndb++].size = size;
                }
            }
            continue;
        }
        /* an alarm query (group 4, 0x13) the real CPU answered with alarms: the emulator
         * gets those alarms (event IDs from the objects: length, 00 00, type, ID ...) */
        if (s7_pdu_decode(q->pdu, q->len, &p) >= 0 && p.rosctr == S7_USERDATA &&
            s7_ud_decode(&p, &uq) >= 0 && uq.group == S7_UD_GRP_CPU && uq.subfn == 0x13 &&
            s7_pdu_decode(r->pdu, r->len, &a) >= 0 && s7_ud_decode(&a, &ua) >= 0 && ua.plen > 6 &&
            ua.payload[2] == 0xFF) {
            for (size_t o = 6; o + 8 <= ua.plen && ua.payload[o] > 0; o += 2u + ua.payload[o]) {
                uint32_t id = (uint32_t)be16(ua.payload + o + 4) << 16 | be16(ua.payload + o + 6);
                if (s7_cpu_alarm_add(cpu, id, "capture", 0, 0, -1) == 0)
                    s7_cpu_alarm_raise(cpu, id);
            }
            continue;
        }
        /* a cyclic-data subscription (group 2, subfunctions 1 / 5 / 7): its items are read
         * as a Read Var's (00 NN, time base, factor, the specifications, a fill byte after
         * an odd-length one); its answer holds 00 NN and the data items */
        uint8_t cpar[2048];
        s7_ud cq, ca;
        int cyc = 0;
        if (s7_pdu_decode(q->pdu, q->len, &p) >= 0 && p.rosctr == S7_USERDATA &&
            s7_ud_decode(&p, &cq) >= 0 && cq.group == S7_UD_GRP_CYCLIC &&
            cq.type == S7_UD_TYPE_REQ && (cq.subfn == 1 || cq.subfn == 5 || cq.subfn == 7) &&
            cq.plen >= 4 && s7_pdu_decode(r->pdu, r->len, &a) >= 0 && s7_ud_decode(&a, &ca) >= 0 &&
            ca.plen >= 2) {
            size_t n = cq.payload[1], off = 4, w = 2;
            cpar[0] = 4;
            cpar[1] = (uint8_t)n;
            for (size_t j = 0; j < n && off + 2 <= cq.plen; j++) {
                size_t sl = cq.payload[off + 1];
                if (off + 2 + sl > cq.plen || w + 2 + sl > sizeof cpar)
                    break;
                memcpy(cpar + w, cq.payload + off, 2 + sl);
                w += 2 + sl;
                off += 2 + sl + ((sl & 1) && j + 1 < n ? 1 : 0);
            }
            p.param = cpar;
            p.param_len = (uint16_t)w;
            a.data = ca.payload + 2;
            a.data_len = (uint16_t)(ca.plen - 2);
            cyc = 1;
        }
        if (!cyc && (s7_pdu_decode(q->pdu, q->len, &p) < 0 || p.rosctr != S7_JOB ||
                     p.param_len < 2 || (p.param[0] != 4 && p.param[0] != 5)))
            continue;
        if (!cyc && (s7_pdu_decode(r->pdu, r->len, &a) < 0 || a.rosctr != S7_ACK_DATA))
            continue;
        cap_item it[64];
        int nit, dbr;
        int n = cap_req_items(p.param, p.param_len, it, 64, &nit, &dbr);
        if (n < 0 || dbr)
            dbr = 1;
        /* return codes of the answer, item by item (S7ANY requests only) */
        uint8_t rcs[64];
        memset(rcs, 0xFF, sizeof rcs);
        if (!dbr && p.param[0] == 4) {
            size_t o = 0;
            for (int j = 0; j < nit && o + 4 <= a.data_len; j++) {
                rcs[j] = a.data[o];
                uint32_t nb =
                    a.data[o] == 0xFF ? s7_dts_nbytes(a.data[o + 1], be16(a.data + o + 2)) : 0;
                o += 4 + nb + (nb & 1);
            }
        } else if (!dbr) {
            for (int j = 0; j < nit && j < a.data_len; j++)
                rcs[j] = a.data[j];
        }
        for (int j = 0; j < nit; j++) {
            const cap_item *x = &it[j];
            if (rcs[j] != 0xFF && rcs[j] != 0x05)
                continue;
            uint32_t end = rcs[j] == 0xFF ? x->start + x->len : (x->start ? x->start : 1);
            if (x->area == 0x84 || x->area == 0x85) {
                int f = 0;
                for (int d = 0; d < ndb; d++)
                    if (dbs[d].db == x->db) {
                        f = 1;
                        if (rcs[j] == 0xFF && end > dbs[d].size)
                            dbs[d].size = end;
                    }
                if (!f && ndb < 512) {
                    dbs[ndb].db = x->db;
                    dbs[ndb++].size = end;
                }
            } else if (x->area >= 0x81 && x->area <= 0x83 && rcs[j] == 0xFF) {
                if (end > area_end[x->area - 0x81])
                    area_end[x->area - 0x81] = end;
            }
        }
    }
    /* blocks the real CPU uploaded: loaded as their images (after the lists, which would
     * replace them) */
    static uint8_t up[65536];
    size_t uplen = 0;
    for (size_t i = 0; i < k->nmsgs; i++) {
        const cap_msg *q = &k->msgs[i];
        s7_pdu p, a;
        s7_block_job bj;
        s7_block_ack ba;
        if (!q->is_req || q->answer < 0 || s7_pdu_decode(q->pdu, q->len, &p) < 0 ||
            s7_pdu_decode(k->msgs[q->answer].pdu, k->msgs[q->answer].len, &a) < 0 ||
            p.rosctr != S7_JOB || s7_block_job_decode(&p, &bj) < 0 ||
            s7_block_ack_decode(&a, &ba) < 0)
            continue;
        if (bj.fn == S7_FN_UPLOAD_START)
            uplen = 0;
        if (bj.fn == S7_FN_UPLOAD && uplen + ba.dlen <= sizeof up) {
            memcpy(up + uplen, ba.data, ba.dlen);
            uplen += ba.dlen;
            if (ba.status == 0)
                s7_cpu_load_block(cpu, up, uplen);
        }
    }
    for (int d = 0; d < ndb; d++)
        if (dbs[d].db)
            s7_cpu_add_db(cpu, dbs[d].db, dbs[d].size ? dbs[d].size : 1, 0);
    for (int a = 0; a < 3; a++)
        if (area_end[a] > 1024)
            s7_cpu_set_area_size(cpu, (uint8_t)(0x81 + a), area_end[a]);
}

int cap_conn_setting(const cap_conn *k, const char *profile, setting *st)
{
    int reqs = 0, has_cr = 0;
    memset(st, 0, sizeof *st);
    st->profile = profile;
    for (size_t i = 0; i < k->nmsgs; i++) {
        const cap_msg *m = &k->msgs[i];
        reqs += m->is_req;
        s7_cotp cr;
        if (!has_cr && m->dir == CAP_C2S && m->cotp == 0xE0 &&
            s7_frame_decode(m->raw, m->raw_len, &cr) > 0) {
            has_cr = 1;
            if (cr.called_len == 2) {
                st->rack = (uint8_t)(cr.called[1] >> 5);
                st->slot = cr.called[1] & 0x1F;
                st->have_loc = 1;
            }
        }
    }
    return reqs;
}
