/* System status lists (SZL) the emulated CPU answers: identity (0x0011, 0x0111,
 * 0x001C, 0x011C), capability and connection use (0x0131, 0x0132), protection
 * (0x0132 / 0x0232 index 4), CPU state (0x0424), the list of lists (0x0000) and the
 * header-only forms (0x0F00, 0x0F11, 0x0F1C).  On S7-300/400 also what real ones answer
 * to STEP 7, TIA Portal and WinCC (tests/vectors/real/): 0x0012 / 0x0112 features, 0x0013
 * memory areas, 0x0015 block types, 0x0019 / 0x0074 / 0x0174 LEDs, 0x001A / 0x001B, 0x003A,
 * 0x00A0 the diagnostic buffer (diagbuf.c), 0x0124 the last mode change, 0x0131 indexes
 * 1..10, 0x0132 indexes 1..0x0B, 0x0222 interrupt status per OB, 0x0591 interfaces, 0x0D91
 * module status; each with the record length and count a real CPU gives (contents are
 * believable, not a real unit's; where a real unit's record bytes are used they say so).
 *
 * An unknown ID is 0xD401, an unknown index of a known ID 0xD402 (as real CPUs answer).
 * 0x0424 answers index 0x0000 whatever index is asked (a real 315-2 echoes 0 for 4).
 * Likewise the lists with one standard record answer index 0 (python-snap7 3.x asks it in
 * get_cp_info and get_protection) with that record and its own index in the header: 0x0131
 * with index 1 (general communication data), 0x0232 with index 4 (the CPU's protection);
 * no capture shows a real CPU asked index 0, so this follows its 0x0424 answer.
 *
 * Record orders are chosen for the parsers that read them by position: 0x0011 answers
 * index 1, 6, 7 (3 x 28 bytes: the reply is 125 bytes on the wire, nmap's s7-info reads
 * the version at frame bytes 122..124) and, on the 300, the boot loader (index 0x0081) as a
 * fourth record, as a real 315-2 and IM151-8 do (Snap7's GetOrderCode takes its version
 * from the last record, so against them and the emulator it reports the boot loader's);
 * 0x001C answers 1, 2, 3, 4, 5, 7, 8, 9, 10, 11 (Snap7's GetCpuInfo takes 1..5 and 7 by
 * position; nmap needs >= 180 bytes with 1..5 first) whatever index is asked. */
#include <stdlib.h>
#include <string.h>

#include "server/cpu_int.h"
#include "util/be.h"

static const uint16_t SZL_IDS[] = {0x0000, 0x0011, 0x001C, 0x0111, 0x011C, 0x0131,
                                   0x0132, 0x0232, 0x0424, 0x0F00, 0x0F11, 0x0F1C};
/* The list of lists of a real CPU 315-2 PN/DP and IM151-8 (112 IDs, the same in both:
 * tia_s300_goOnline.pcapng, s7comm_reading_plc_status.pcap); the S7-300/400 profiles answer
 * with it, so its length and split over PDUs are a real CPU's.  An ID of it that the
 * emulator does not model answers with no records (listed_empty): a tool that reads the
 * list and asks each ID is never told that an ID listed is unknown (D401). */
static const uint16_t SZL_IDS_CLASSIC[] = {
    0x0000, 0x0F00, 0x0002, 0x0011, 0x0111, 0x0F11, 0x0012, 0x0112, 0x0F12, 0x0013, 0x0113, 0x0014,
    0x0F14, 0x0015, 0x0115, 0x0017, 0x0117, 0x0F17, 0x0018, 0x0118, 0x0F18, 0x0019, 0x0F19, 0x001A,
    0x0F1A, 0x001B, 0x0F1B, 0x001C, 0x011C, 0x0F1C, 0x0021, 0x0A21, 0x0F21, 0x0222, 0x0023, 0x0F23,
    0x0024, 0x0124, 0x0424, 0x0524, 0x0025, 0x0125, 0x0225, 0x0F25, 0x0131, 0x0132, 0x0232, 0x0036,
    0x0136, 0x0F36, 0x0037, 0x0137, 0x0F37, 0x0038, 0x0138, 0x0238, 0x0F38, 0x0139, 0x003A, 0x0F3A,
    0x0074, 0x0174, 0x0F74, 0x0591, 0x0A91, 0x0C91, 0x0D91, 0x0092, 0x0292, 0x0692, 0x0F92, 0x0094,
    0x0194, 0x0294, 0x0694, 0x0794, 0x0F94, 0x0095, 0x0195, 0x0F95, 0x0696, 0x0C96, 0x0C97, 0x0D97,
    0x019A, 0x029A, 0x0F9A, 0x0C9B, 0x009C, 0x019C, 0x029C, 0x039C, 0x0F9C, 0x00A0, 0x01A0, 0x0FA0,
    0x00B1, 0x00B2, 0x00B3, 0x00B4, 0x01B5, 0x02B5, 0x03B5, 0x04B5, 0x05B5, 0x06B5, 0x07B5, 0x08B5,
    0x01B6, 0x02B6, 0x03B6, 0x04B6};
static const uint16_t IDX_0011[] = {0x0001, 0x0006, 0x0007, 0x0081};
/* LEDs of SZL 0x0019 / 0x0074 (SF, RUN, STOP, FRCE, BUS1F, BUS2F, MAINT: a 315-2's seven) */
static const uint16_t LEDS[] = {0x0001, 0x0004, 0x0005, 0x0006, 0x000B, 0x000C, 0x0015};
/* Block types of SZL 0x0015 as a 315-2 answers them (record bytes of tia_s300_goOnline):
 * OB, DB, SDB, FC, FB with their maximum numbers and sizes. */
static const uint8_t BLOCKS_0015[5][10] = {
    {0x08, 0x00, 0x00, 0x16, 0x03, 0xD1, 0x00, 0x00, 0xFF, 0xFE},
    {0x0A, 0x00, 0x3E, 0x81, 0x03, 0xD1, 0x00, 0x00, 0xFF, 0xFE},
    {0x0B, 0x00, 0x04, 0x22, 0x03, 0xD1, 0x00, 0x00, 0xFF, 0xFE},
    {0x0C, 0x00, 0x1F, 0x40, 0x03, 0xD1, 0x00, 0x00, 0xFF, 0xFE},
    {0x0E, 0x00, 0x1F, 0x40, 0x03, 0xD1, 0x00, 0x00, 0xFF, 0xFE}};
/* SZL 0x0131 records of a real 315-2 PN/DP (indexes 2, 3, 4: tia_s300_goOnline,
 * step7_s300_readDiagData, wincc_s300_setup-alarm-read-write) and IM151-8 (5, 6, 9:
 * s7comm_reading_plc_status): communication capability of test and commissioning, operator
 * interface, object management, diagnostics, communication blocks and time functions, so
 * an HMI sees the limits a real 300 reports.  Each starts with its index. */
static const uint8_t REC_0131[][40] = {
    {0x00, 0x02, 0xBE, 0xFD, 0x4F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,
     0x3C, 0x01, 0x08, 0x00, 0x00, 0x00, 0x7D, 0x00, 0x00, 0x05, 0x03, 0x0F, 0x00, 0x00,
     0x08, 0x00, 0x00, 0x0C, 0x00, 0x0A, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00},
    {0x00, 0x03, 0x7F, 0xFC, 0x83, 0x01, 0x00, 0xF0, 0x00, 0x10, 0x00, 0x01, 0x02, 0x09,
     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
    {0x00, 0x04, 0xFE, 0x01, 0x62, 0x41, 0x63, 0x00, 0x1E, 0x00, 0x10, 0x10, 0x10, 0x04,
     0x02, 0x00, 0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
    {0x00, 0x05, 0x3E, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x01, 0xF4,
     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
    {0x00, 0x06, 0xF3, 0x00, 0x00, 0xF8, 0x01, 0xF0, 0xFF, 0x4E, 0x00, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x20, 0x01, 0x00,
     0x00, 0x0A, 0x00, 0x4C, 0xFF, 0xFF, 0x05, 0xC0, 0x00, 0x00, 0x00, 0x00},
    {0x00, 0x09, 0x01, 0x01, 0x01, 0x00, 0x01, 0xF7, 0x01, 0xF7, 0x00, 0x01, 0x00, 0x01,
     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}};

/* SZL 0x0131 records of the captured S7-400 (wincc_s400_production.pcapng, frames 10 and
 * 12), which the s7-400 profile answers in place of the 315-2's: index 3, operator
 * interface (every function and area, 32 cyclic read jobs at 100 ms .. 90 s; its PDU is
 * set from the profile), index 0x10, messages (group status, SCAN, ALARM / ALARM_8 /
 * NOTIFY, archives; no 315-2 record of index 0x10 is captured: the 300 answers zeros). */
static const uint8_t REC_0131_400[][40] = {
    {0x00, 0x03, 0xFF, 0xFF, 0x83, 0x01, 0x01, 0xE0, 0x00, 0x20, 0x00, 0x01, 0x03, 0x84,
     0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
    {0x00, 0x10, 0x3F, 0x00, 0x0F, 0x00, 0x3F, 0x00, 0x7F, 0x00, 0x00, 0x40, 0x3F, 0x00,
     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}};

/* OBs whose interrupt status (0x0222) a 300 reports */
static const uint8_t OBS_300[] = {1,  10, 11, 12, 13, 14, 15, 16, 17,  20,  21,  22,  23, 30,
                                  31, 32, 33, 34, 35, 36, 37, 38, 40,  41,  42,  43,  44, 45,
                                  46, 47, 55, 56, 57, 60, 61, 62, 63,  64,  70,  72,  73, 80,
                                  81, 82, 83, 84, 85, 86, 87, 88, 100, 101, 102, 121, 122};
static const uint16_t IDX_001C[] = {1, 2, 3, 4, 5, 7, 8, 9, 10, 11};

/* The priority class of an S7-300 OB, the system's defaults (OB1 1 and OB80 26 as the
 * captured 315-2 reports them in SZL 0x0222); OB121 / OB122 run at the priority of the OB
 * whose error they handle: OB1's. */
static uint8_t ob_priority(uint8_t ob)
{
    if (ob >= 10 && ob <= 17)
        return 2; /* time-of-day interrupts */
    if (ob >= 20 && ob <= 23)
        return (uint8_t)(ob - 17); /* time-delay interrupts: 3..6 */
    if (ob >= 30 && ob <= 38)
        return (uint8_t)(ob - 23); /* cyclic interrupts: 7..15 */
    if (ob >= 40 && ob <= 47)
        return (uint8_t)(ob - 24); /* hardware interrupts: 16..23 */
    if (ob >= 55 && ob <= 57)
        return 2; /* DPV1 interrupts */
    if (ob == 72)
        return 28; /* CPU redundancy error */
    if (ob >= 60 && ob <= 73)
        return 25; /* multicomputing, synchronous cycle, technology, redundancy */
    if (ob >= 80 && ob <= 88)
        return 26; /* asynchronous errors */
    if (ob >= 100 && ob <= 102)
        return 27; /* startup */
    return 1;      /* OB1; OB121 / OB122 at the priority of the OB that caused the error */
}

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

/* Copy s into a field of n bytes, padded with pad. */
static void text(uint8_t *dst, size_t n, const char *s, uint8_t pad)
{
    size_t k = s ? strlen(s) : 0;
    if (k > n)
        k = n;
    memcpy(dst, s ? s : "", k);
    memset(dst + k, pad, n - k);
}

/* The known SZL 0x0131 record of that index for this CPU (the S7-400's where the captured
 * 400 showed it, else the 315-2's), NULL when none is known. */
static const uint8_t *rec_0131(const s7_cpu *cpu, uint16_t index)
{
    for (size_t i = 0; cpu->ext->szl_400 && i < N_OF(REC_0131_400); i++)
        if (s7__be16(REC_0131_400[i]) == index)
            return REC_0131_400[i];
    for (size_t i = 0; i < N_OF(REC_0131); i++)
        if (s7__be16(REC_0131[i]) == index)
            return REC_0131[i];
    return NULL;
}

int s7__cyc_per_cpu(const s7_cpu *cpu)
{
    const uint8_t *r = rec_0131(cpu, 0x0003);
    return r ? s7__be16(r + 8) : 32; /* anz: maximum number of cyclic read jobs */
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
    s7__put_be16(p, idx);
    if (idx == 0x0081) { /* the boot loader, as a real 315-2 names it */
        text(p + 2, 20, "Boot Loader", ' ');
        s7__put_be16(p + 22, 0x0000);
        s7__put_be32(p + 24, cpu->ext->boot_loader);
        return;
    }
    if (idx == 0x0007) {
        text(p + 2, 20, "", ' ');
        s7__put_be16(p + 22, 0x00C0);
        p[24] = 'V';
        p[25] = cpu->prof.fw[0];
        p[26] = cpu->prof.fw[1];
        p[27] = cpu->prof.fw[2];
        return;
    }
    text(p + 2, 20, cpu->prof.order_code, ' ');
    s7__put_be16(p + 22, 0x00C0);
    s7__put_be16(p + 24, cpu->ext->hw_version);
    s7__put_be16(p + 26, 0x0001);
}

/* Component identification record (34 bytes): index + 32 bytes. */
static void rec_001c(const s7_cpu *cpu, uint16_t idx, uint8_t *p)
{
    s7__put_be16(p, idx);
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
        s7__put_be16(d, 0x002A);     /* manufacturer: Siemens */
        s7__put_be16(d + 2, 0xF600); /* profile: none */
        s7__put_be16(d + 4, 0x0001); /* profile-specific type */
        break;
    default: break; /* 10 OEM id, 11 location designation: empty */
    }
}

/* Write the state record (20 bytes): event id, ae, mode, reserved, time of the last
 * transition. */
static void rec_0424(const s7_cpu *cpu, uint8_t *p)
{
    s7__put_be16(p, 0x5144);
    p[2] = 0xFF;
    p[3] = cpu->state == S7_CPU_STATE_STOP ? 0x04 : 0x08;
    s7_datetime t;
    if (s7__ms_to_dt(cpu->state_ms, &t) == 0)
        s7_dt_encode(p + 12, &t);
}

/* Records of the lists only S7-300/400 answer (classic family).  Returns 0, an error, or
 * 1 when id is not one of them. */
static int classic(s7_cpu *cpu, uint16_t id, uint16_t index, uint8_t **out, uint32_t *len)
{
    uint8_t *r;
    int rc;
    switch (id) {
    case 0x0012:
    case 0x0F12: /* features: 23 of 2 bytes */
        rc = answer(id, index, 2, 23, id == 0x0F12, out, len, &r);
        for (int i = 0; rc == 0 && id == 0x0012 && i < 23; i++)
            s7__put_be16(r + 2 * i, (uint32_t)(0x0101 + i));
        return rc;
    case 0x0112: /* features of a class: 0x0100 two, 0x0200 none (a header only) */
        if (index == 0x0200)
            return answer(id, index, 0, 0, 1, out, len, &r);
        if (index != 0x0100)
            return S7_ERR_ADDR;
        rc = answer(id, index, 2, 2, 0, out, len, &r);
        if (rc == 0) {
            s7__put_be16(r, 0x0101);
            s7__put_be16(r + 2, 0x0104);
        }
        return rc;
    case 0x0013: /* memory areas: 5 of 36 bytes */
        rc = answer(id, index, 36, 5, 0, out, len, &r);
        for (int i = 0; rc == 0 && i < 5; i++)
            s7__put_be16(r + 36 * i, (uint32_t)(i + 1));
        return rc;
    case 0x0015: /* block types */
        rc = answer(id, index, 10, 5, 0, out, len, &r);
        if (rc == 0)
            memcpy(r, BLOCKS_0015, sizeof BLOCKS_0015);
        return rc;
    case 0x0019:
    case 0x0F19:
    case 0x0074:
    case 0x0F74:
    case 0x0174: { /* LEDs: index, on, flashing */
        int hdr = (id & 0x0F00) == 0x0F00;
        size_t first = 0, n = N_OF(LEDS);
        if (id == 0x0174) {
            for (first = 0; first < n && LEDS[first] != index; first++)
                ;
            if (first == n)
                return S7_ERR_ADDR;
            n = 1;
        }
        rc = answer(id, index, 4, (uint16_t)n, hdr, out, len, &r);
        for (size_t i = 0; rc == 0 && !hdr && i < n; i++) {
            uint16_t led = LEDS[first + i];
            s7__put_be16(r + 4 * i, led);
            r[4 * i + 2] = (led == 0x0004 && cpu->state == S7_CPU_STATE_RUN) ||
                           (led == 0x0005 && cpu->state == S7_CPU_STATE_STOP);
        }
        return rc;
    }
    case 0x001A:
    case 0x0F1A: /* system areas: 3 of 12 bytes */
        rc = answer(id, index, 12, 3, id == 0x0F1A, out, len, &r);
        for (int i = 0; rc == 0 && id == 0x001A && i < 3; i++)
            s7__put_be16(r + 12 * i, (uint32_t)(i + 1));
        return rc;
    case 0x001B:
    case 0x0F1B: /* block types: 6 of 20 bytes */
        rc = answer(id, index, 20, 6, id == 0x0F1B, out, len, &r);
        for (int i = 0; rc == 0 && id == 0x001B && i < 6; i++)
            s7__put_be16(r + 20 * i, (uint32_t)(i + 1));
        return rc;
    case 0x003A: /* as a 315-2: no records of 148 bytes, the header form counts 8 */
    case 0x0F3A: return answer(id, index, 148, id == 0x0F3A ? 8 : 0, 1, out, len, &r);
    case 0x00A0:
    case 0x0FA0: { /* the diagnostic buffer, newest first */
        uint8_t all[S7__DIAG_MAX * S7__DIAG_LEN];
        size_t n = s7__diag_get(cpu, all, S7__DIAG_MAX, 0);
        rc = answer(id, index, S7__DIAG_LEN, (uint16_t)n, id == 0x0FA0, out, len, &r);
        if (rc == 0 && id == 0x00A0)
            memcpy(r, all, n * S7__DIAG_LEN);
        return rc;
    }
    case 0x0124: { /* the last mode change */
        uint8_t e[S7__DIAG_LEN];
        size_t n = s7__diag_get(cpu, e, 1, 1);
        rc = answer(id, index, S7__DIAG_LEN, 1, 0, out, len, &r);
        if (rc == 0 && n)
            memcpy(r, e, sizeof e);
        return rc;
    }
    case 0x0222: { /* interrupt status of OB <index> */
        int ok = 0;
        for (size_t i = 0; i < N_OF(OBS_300); i++)
            ok |= OBS_300[i] == index;
        if (!ok)
            return S7_ERR_ADDR;
        rc = answer(id, index, 28, 1, 0, out, len, &r);
        if (rc == 0) {
            /* the OB's start information: event class and ID, priority class, OB number
             * (a 315-2: OB1 11 03 01 01, OB80 35 01 1A 50 in tia_s300_goOnline.pcapng) */
            r[0] = index == 1 ? 0x11 : 0x35; /* event class as a 315-2 gives it */
            r[1] = index == 1 ? 0x03 : 0x01;
            r[2] = ob_priority((uint8_t)index);
            r[3] = (uint8_t)index;
            s7__put_be16(r + 4, 0xC858);
        }
        return rc;
    }
    case 0x0591: /* interfaces: 4 of 16 bytes */
        rc = answer(id, index, 16, 4, 0, out, len, &r);
        for (int i = 0; rc == 0 && i < 4; i++) {
            s7__put_be16(r + 16 * i + 2, (uint32_t)(0x0201 + i));
            s7__put_be16(r + 16 * i + 4, (uint32_t)(0x07FF - i));
        }
        return rc;
    case 0x0C91: return S7_ERR_ADDR; /* no module at any address */
    case 0x0D91:                     /* module status of the CPU */
        if (index != 0x0000)
            return S7_ERR_ADDR;
        rc = answer(id, index, 16, 1, 0, out, len, &r);
        if (rc == 0) {
            s7__put_be16(r + 2, 0x0200);
            s7__put_be16(r + 4, 0x7FFF);
            s7__put_be16(r + 6, 0x00C0);
            s7__put_be16(r + 8, 0x00C0);
        }
        return rc;
    default: return 1;
    }
}

/* The record length of a partial list by its number (the low byte of the ID), as the S7-300/
 * 400 system software documents them; 2 for those not known here (no record follows). */
static uint16_t szl_reclen(uint16_t id)
{
    switch (id & 0xFF) {
    case 0x12: return 2;
    case 0x13: return 36;
    case 0x14: return 8;
    case 0x15: return 10;
    case 0x17:
    case 0x18:
    case 0x19:
    case 0x25:
    case 0x74: return 4;
    case 0x1C: return 34;
    case 0x22: return 28;
    case 0x24: return 20;
    case 0x31:
    case 0x32: return 40;
    case 0x91:
    case 0x92:
    case 0x94: return 16;
    case 0xA0: return 20;
    default: return 2;
    }
}

/* An ID of the classic list the emulator does not model: its header with no records (the
 * 0x0F.. form likewise), or S7_ERR_UNSUPPORTED when the list does not name it. */
static int listed_empty(uint16_t id, uint16_t index, uint8_t **out, uint32_t *len)
{
    uint8_t *r;
    for (size_t i = 0; i < N_OF(SZL_IDS_CLASSIC); i++)
        if (SZL_IDS_CLASSIC[i] == id)
            return answer(id, index, szl_reclen(id), 0, (id & 0x0F00) == 0x0F00, out, len, &r);
    return S7_ERR_UNSUPPORTED;
}

int s7__szl_build(s7_cpu *cpu, uint16_t id, uint16_t index, uint8_t **out, uint32_t *len)
{
    uint8_t *r = NULL; /* answer() sets it when it returns 0 (gcc -O2 cannot tell) */
    int rc;
    const s7_profile *pf = &cpu->prof;
    int cls = cpu->ext->family == S7__FAM_CLASSIC;
    if (cls && (rc = classic(cpu, id, index, out, len)) != 1)
        return rc;
    size_t nrec11 = cpu->ext->boot_loader ? N_OF(IDX_0011) : N_OF(IDX_0011) - 1;
    switch (id) {
    case 0x0000:
    case 0x0F00: {
        const uint16_t *ids = cls ? SZL_IDS_CLASSIC : SZL_IDS;
        size_t n = cls ? N_OF(SZL_IDS_CLASSIC) : N_OF(SZL_IDS);
        rc = answer(id, index, 2, (uint16_t)n, id == 0x0F00, out, len, &r);
        if (rc == 0 && id == 0x0000)
            for (size_t i = 0; i < n; i++)
                s7__put_be16(r + 2 * i, ids[i]);
        return rc;
    }
    case 0x0011:
    case 0x0F11:
        rc = answer(id, index, 28, (uint16_t)nrec11, id == 0x0F11, out, len, &r);
        if (rc == 0 && id == 0x0011)
            for (size_t i = 0; i < nrec11; i++)
                rec_0011(cpu, IDX_0011[i], r + 28 * i);
        return rc;
    case 0x0111:
        if (!has(IDX_0011, nrec11, index))
            return S7_ERR_ADDR;
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
            return S7_ERR_ADDR;
        rc = answer(id, index, 34, 1, 0, out, len, &r);
        if (rc == 0)
            rec_001c(cpu, index, r);
        return rc;
    case 0x0131:
        if (index == 0x0000)
            index = 0x0001; /* python-snap7 asks index 0: the general record, as for 0x0424 */
        if (index != 0x0001) {
            /* communication capability: the classic CPUs answer indexes 1..10 (and 0x10 on
             * a 400, as WinCC asks it) */
            if (!cls || !((index >= 2 && index <= 10) || index == 0x0010))
                return S7_ERR_ADDR;
            rc = answer(id, index, 40, 1, 0, out, len, &r);
            if (rc == 0)
                s7__put_be16(r, index);
            const uint8_t *known = rec_0131(cpu, index);
            if (rc == 0 && known)
                memcpy(r, known, 40);
            if (rc == 0 && index == 0x0003) /* the PDU of test and commissioning functions:
                                             * the CPU's (a real 400 says 480 where a 315-2
                                             * says 240) */
                s7__put_be16(r + 6, pf->max_pdu);
            return rc;
        }
        rc = answer(id, index, 40, 1, 0, out, len, &r);
        if (rc == 0) {
            s7__put_be16(r, 0x0001);
            s7__put_be16(r + 2, pf->max_pdu);
            s7__put_be16(r + 4, pf->max_conn[0]);
            s7__put_be32(r + 6, cpu->ext->mpi_bps);
            s7__put_be32(r + 10, cpu->ext->kbus_bps);
            s7__put_be32(r + 14, cpu->ext->eth_bps);
        }
        return rc;
    case 0x0132:
    case 0x0232:
        if (index == 0x0000 && id == 0x0232)
            index = 0x0004; /* python-snap7 asks index 0: the CPU's record (see the top) */
        if (index == 0x0001 && id == 0x0132) {
            rc = answer(id, index, 40, 1, 0, out, len, &r);
            if (rc == 0) {
                const uint16_t *u = cpu->conn_use;
                s7__put_be16(r, 0x0001);
                s7__put_be16(r + 2, cpu->ext->res_pg);
                s7__put_be16(r + 4, cpu->ext->res_os);
                s7__put_be16(r + 6, u[1]);
                s7__put_be16(r + 8, u[2]);
                s7__put_be16(r + 10, 0); /* proj: configured connections */
                s7__put_be16(r + 12, 0); /* auf: of those established */
                s7__put_be16(r + 14, u[0] < pf->max_conn[0] ? pf->max_conn[0] - u[0] : 0);
                s7__put_be16(r + 16, u[3]); /* used: S7 basic connections */
                s7__put_be16(r + 18, 20);   /* last: communication load % */
            }
            return rc;
        }
        if (index == 0x0004) {
            rc = answer(id, index, 40, 1, 0, out, len, &r);
            if (rc == 0) {
                uint16_t level = pf->protection_level >= 1 && pf->protection_level <= 3
                                     ? pf->protection_level
                                     : 1;
                s7__put_be16(r, 0x0004);
                s7__put_be16(r + 2, 1); /* sch_schal: the mode switch protects nothing */
                /* sch_par: the level assigned with a password, 0 when none is (level
                 * 1), as every captured CPU without a password answers (315-2, IM151-8,
                 * S7-400); step7_s300_AuthPassword's 315-2 at level 3 answers 3 */
                s7__put_be16(r + 4, level == 1 ? 0 : level);
                s7__put_be16(r + 6, level); /* sch_rel: level in force */
                s7__put_be16(r + 8, cpu->state == S7_CPU_STATE_RUN ? 2 : 3); /* RUN-P / STOP */
                s7__put_be16(r + 10, 0); /* anl_sch: no startup switch */
            }
            return rc;
        }
        if (cls && id == 0x0132 && index >= 2 && index <= 0x0B) {
            /* the other communication status records of a 300/400: index and zeros */
            rc = answer(id, index, 40, 1, 0, out, len, &r);
            if (rc == 0)
                s7__put_be16(r, index);
            return rc;
        }
        return S7_ERR_ADDR;
    case 0x0424: /* the CPU state; a real 315-2 answers index 0 when asked 4 */
        rc = answer(id, 0x0000, 20, 1, 0, out, len, &r);
        if (rc == 0)
            rec_0424(cpu, r);
        return rc;
    default: return cls ? listed_empty(id, index, out, len) : S7_ERR_UNSUPPORTED;
    }
}
