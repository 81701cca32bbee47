/* System status lists (SZL) the emulated CPU answers: identity (0x0011, 0x0111,
 * 0x001C, 0x011C), capability and connection use (0x0131, 0x0132), protection
 * (0x0132 / 0x0232 index 4), CPU state (0x0424), the list of lists (0x0000) and the
 * header-only forms (0x0F00, 0x0F11, 0x0F1C).
 *
 * Record orders are chosen for the parsers that read them by position: 0x0011 answers
 * index 1, 6, 7 (3 x 28 bytes: the reply is 125 bytes on the wire, nmap's s7-info reads
 * the version at frame bytes 122..124 and Snap7's GetOrderCode from the last 3 bytes);
 * 0x001C answers 1, 2, 3, 4, 5, 7, 8, 9, 10, 11 (Snap7's GetCpuInfo takes 1..5 and 7 by
 * position; nmap needs >= 180 bytes with 1..5 first) whatever index is asked. */
#include <stdlib.h>
#include <string.h>

#include "server/cpu_int.h"

static const uint16_t SZL_IDS[] = {0x0000, 0x0011, 0x001C, 0x0111, 0x011C, 0x0131,
                                   0x0132, 0x0232, 0x0424, 0x0F00, 0x0F11, 0x0F1C};
static const uint16_t IDX_0011[] = {0x0001, 0x0006, 0x0007};
static const uint16_t IDX_001C[] = {1, 2, 3, 4, 5, 7, 8, 9, 10, 11};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Allocate an answer of n records of reclen bytes (header written).  *recs gets where
 * the records go.  Returns 0 or S7_ERR_NOMEM. */
static int answer(uint16_t id, uint16_t index, uint16_t reclen, uint16_t n, int header_only,
                  uint8_t **out, uint32_t *len, uint8_t **recs)
{
    uint32_t total = 8u + (header_only ? 0u : (uint32_t)reclen * n);
    uint8_t *b = calloc(1, total);
    if (!b)
        return S7_ERR_NOMEM;
    s7_szl_hdr h = {id, index, reclen, n};
    s7_szl_hdr_encode(b, 8, &h);
    *out = b;
    *len = total;
    *recs = b + 8;
    return 0;
}

/* Big-endian 16 / 32-bit stores into record bytes. */
static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

/* Copy s into a field of n bytes, padded with pad. */
static void text(uint8_t *dst, size_t n, const char *s, uint8_t pad)
{
    size_t k = s ? strlen(s) : 0;
    if (k > n)
        k = n;
    memcpy(dst, s ? s : "", k);
    memset(dst + k, pad, n - k);
}

/* Non-zero when v is one of l[0..n-1]. */
static int has(const uint16_t *l, size_t n, uint16_t v)
{
    for (size_t i = 0; i < n; i++)
        if (l[i] == v)
            return 1;
    return 0;
}

/* Module identification record (28 bytes): index, MlfB[20], BGTyp, Ausbg, Ausbe. */
static void rec_0011(const s7_cpu *cpu, uint16_t idx, uint8_t *p)
{
    put16(p, idx);
    if (idx == 0x0007) {
        text(p + 2, 20, "", ' ');
        put16(p + 22, 0x00C0);
        p[24] = 'V';
        p[25] = cpu->prof.fw[0];
        p[26] = cpu->prof.fw[1];
        p[27] = cpu->prof.fw[2];
        return;
    }
    text(p + 2, 20, cpu->prof.order_code, ' ');
    put16(p + 22, 0x00C0);
    put16(p + 24, cpu->ext->hw_version);
    put16(p + 26, 0x0001);
}

/* Component identification record (34 bytes): index + 32 bytes. */
static void rec_001c(const s7_cpu *cpu, uint16_t idx, uint8_t *p)
{
    put16(p, idx);
    uint8_t *d = p + 2;
    memset(d, 0, 32);
    switch (idx) {
    case 1: text(d, 24, cpu->prof.as_name, 0); break;
    case 2: text(d, 24, cpu->prof.module_name, 0); break;
    case 3: text(d, 32, cpu->prof.plant_id, 0); break;
    case 4: text(d, 26, cpu->prof.copyright, 0); break;
    case 5: text(d, 24, cpu->prof.serial, 0); break;
    case 7: text(d, 32, cpu->prof.module_type, 0); break;
    case 8: text(d, 32, cpu->ext->mc_serial, 0); break;
    case 9:
        put16(d, 0x002A);     /* manufacturer: Siemens */
        put16(d + 2, 0xF600); /* profile: none */
        put16(d + 4, 0x0001); /* profile-specific type */
        break;
    default: break; /* 10 OEM id, 11 location designation: empty */
    }
}

/* Write the state record (20 bytes): event id, ae, mode, reserved, time of the last
 * transition. */
static void rec_0424(const s7_cpu *cpu, uint8_t *p)
{
    put16(p, 0x5144);
    p[2] = 0xFF;
    p[3] = cpu->state == S7_CPU_STATE_STOP ? 0x04 : 0x08;
    s7_datetime t;
    if (s7__ms_to_dt(cpu->state_ms, &t) == 0)
        s7_dt_encode(p + 12, &t);
}

int s7__szl_build(s7_cpu *cpu, uint16_t id, uint16_t index, uint8_t **out, uint32_t *len)
{
    uint8_t *r;
    int rc;
    const s7_profile *pf = &cpu->prof;
    switch (id) {
    case 0x0000:
    case 0x0F00:
        rc = answer(id, index, 2, (uint16_t)N_OF(SZL_IDS), id == 0x0F00, out, len, &r);
        if (rc == 0 && id == 0x0000)
            for (size_t i = 0; i < N_OF(SZL_IDS); i++)
                put16(r + 2 * i, SZL_IDS[i]);
        return rc;
    case 0x0011:
    case 0x0F11:
        rc = answer(id, index, 28, (uint16_t)N_OF(IDX_0011), id == 0x0F11, out, len, &r);
        if (rc == 0 && id == 0x0011)
            for (size_t i = 0; i < N_OF(IDX_0011); i++)
                rec_0011(cpu, IDX_0011[i], r + 28 * i);
        return rc;
    case 0x0111:
        if (!has(IDX_0011, N_OF(IDX_0011), index))
            return S7_ERR_UNSUPPORTED;
        rc = answer(id, index, 28, 1, 0, out, len, &r);
        if (rc == 0)
            rec_0011(cpu, index, r);
        return rc;
    case 0x001C:
    case 0x0F1C:
        rc = answer(id, index, 34, (uint16_t)N_OF(IDX_001C), id == 0x0F1C, out, len, &r);
        if (rc == 0 && id == 0x001C)
            for (size_t i = 0; i < N_OF(IDX_001C); i++)
                rec_001c(cpu, IDX_001C[i], r + 34 * i);
        return rc;
    case 0x011C:
        if (!has(IDX_001C, N_OF(IDX_001C), index))
            return S7_ERR_UNSUPPORTED;
        rc = answer(id, index, 34, 1, 0, out, len, &r);
        if (rc == 0)
            rec_001c(cpu, index, r);
        return rc;
    case 0x0131:
        if (index != 0x0001)
            return S7_ERR_UNSUPPORTED;
        rc = answer(id, index, 40, 1, 0, out, len, &r);
        if (rc == 0) {
            put16(r, 0x0001);
            put16(r + 2, pf->max_pdu);
            put16(r + 4, pf->max_conn[0]);
            put32(r + 6, cpu->ext->mpi_bps);
            put32(r + 10, cpu->ext->mpi_bps);
        }
        return rc;
    case 0x0132:
    case 0x0232:
        if (index == 0x0001 && id == 0x0132) {
            rc = answer(id, index, 40, 1, 0, out, len, &r);
            if (rc == 0) {
                const uint16_t *u = cpu->conn_use;
                put16(r, 0x0001);
                put16(r + 2, cpu->ext->res_pg);
                put16(r + 4, cpu->ext->res_os);
                put16(r + 6, u[1]);
                put16(r + 8, u[2]);
                put16(r + 10, 0); /* proj: configured connections */
                put16(r + 12, 0); /* auf: of those established */
                put16(r + 14, u[0] < pf->max_conn[0] ? pf->max_conn[0] - u[0] : 0);
                put16(r + 16, u[3]); /* used: S7 basic connections */
                put16(r + 18, 20);   /* last: communication load % */
            }
            return rc;
        }
        if (index == 0x0004) {
            rc = answer(id, index, 40, 1, 0, out, len, &r);
            if (rc == 0) {
                uint16_t level = pf->protection_level >= 1 && pf->protection_level <= 3
                                     ? pf->protection_level
                                     : 1;
                put16(r, 0x0004);
                put16(r + 2, 1);     /* sch_schal: the mode switch protects nothing */
                put16(r + 4, level); /* sch_par: parameterized level */
                put16(r + 6, level); /* sch_rel: level in force */
                put16(r + 8, cpu->state == S7_CPU_STATE_RUN ? 2 : 3); /* RUN-P / STOP */
                put16(r + 10, 0); /* anl_sch: no startup switch */
            }
            return rc;
        }
        return S7_ERR_UNSUPPORTED;
    case 0x0424:
        rc = answer(id, index, 20, 1, 0, out, len, &r);
        if (rc == 0)
            rec_0424(cpu, r);
        return rc;
    default: return S7_ERR_UNSUPPORTED;
    }
}
