/* Several clients' reads in one request to the CPU (guard/coalesce.c): which requests may
 * go together (Read Var Jobs of S7ANY items only, with the bytes their answer takes); each
 * client's part of the CPU's answer is the answer the CPU gives to its read alone (compared
 * with the server's own encoding of that read's items: odd items with their fill only
 * between items, a failed item with its header only, a bit, a header error as the CPU
 * sent it). */
#include <string.h>

#include "guard/internal.h"
#include "s7/wire.h"
#include "t.h"

static s7_var_spec spec(uint8_t ts, uint16_t count, uint16_t db, uint32_t byte)
{
    s7_var_spec s = {ts, count, db, S7_AREA_DB, byte * 8};
    return s;
}

int main(void)
{
    uint8_t req[512], rep[512], part[512], alone[512];
    unsigned n = 0;
    size_t rd = 0;

    /* which requests */
    s7_var_spec two[2] = {spec(S7_TS_BYTE, 3, 1, 0), spec(S7_TS_WORD, 2, 2, 10)};
    int len = s7_read_req_encode(req, sizeof req, 5, two, 2);
    CHECK(len > 0);
    CHECK_INT(s7__gco_read(req, (size_t)len, &n, &rd), 1);
    CHECK_INT(n, 2);
    CHECK_INT(rd, (4 + 3 + 1) + (4 + 4)); /* with a fill after the odd item */
    s7_var_spec bit = {S7_TS_BIT, 1, 1, S7_AREA_DB, 8 * 4 + 3};
    len = s7_read_req_encode(req, sizeof req, 5, &bit, 1);
    CHECK_INT(s7__gco_read(req, (size_t)len, &n, &rd), 1);
    CHECK_INT(rd, 4 + 1 + 1);
    CHECK_INT(s7__gco_read(req, (size_t)len - 1, &n, &rd), 0); /* cut short */
    s7_data_item wd = {0, 0, 0, (const uint8_t *)"\1\2", 2};
    len = s7_write_req_encode(req, sizeof req, 5, two, &wd, 1);
    CHECK_INT(s7__gco_read(req, (size_t)len, &n, &rd), 0); /* a write */
    s7_dbread_range rg = {4, 1, 0};
    len = s7_dbread_req_encode(req, sizeof req, 5, &rg, 1);
    CHECK(len > 0);
    CHECK_INT(s7__gco_read(req, (size_t)len, &n, &rd), 0); /* a DBREAD item */
    s7_var_spec many[S7__GCO_MAX + 1];
    for (unsigned i = 0; i <= S7__GCO_MAX; i++)
        many[i] = spec(S7_TS_BYTE, 1, 1, i);
    len = s7_read_req_encode(req, sizeof req, 5, many, S7__GCO_MAX);
    CHECK_INT(s7__gco_read(req, (size_t)len, &n, &rd), 1);
    len = s7_read_req_encode(req, sizeof req, 5, many, S7__GCO_MAX + 1);
    CHECK_INT(s7__gco_read(req, (size_t)len, &n, &rd), 0); /* more items than one carries */

    /* the CPU's answer to three clients' reads together: A (3 bytes, then a failed item),
     * B (a bit), C (5 bytes, the last of the request: no fill after it) */
    static const uint8_t a1[3] = {0xA1, 0xA2, 0xA3}, b1[1] = {1},
                         c1[5] = {0xC1, 0xC2, 0xC3, 0xC4, 0xC5};
    s7_data_item it[4] = {
        {S7_RC_OK, S7_DTS_BYTE, 0, a1, 3},
        {0x0A, 0, 0, NULL, 0}, /* object does not exist */
        {S7_RC_OK, S7_DTS_BIT, 0, b1, 1},
        {S7_RC_OK, S7_DTS_BYTE, 0, c1, 5},
    };
    int rn = s7_read_resp_encode(rep, sizeof rep, 0x1234, it, 4);
    CHECK(rn > 0);
    s7_pdu p;
    CHECK(s7_pdu_decode(rep, (size_t)rn, &p) == rn);
    s7_data_item got[4];
    CHECK_INT(s7_read_resp_decode(&p, got, 4), 4);
    struct {
        unsigned first, n;
    } parts[3] = {{0, 2}, {2, 1}, {3, 1}};
    for (int k = 0; k < 3; k++) {
        int pn = s7__gco_part(&p, got, parts[k].first, parts[k].n, part, sizeof part);
        int an = s7_read_resp_encode(alone, sizeof alone, 0x1234, it + parts[k].first, parts[k].n);
        CHECK(pn > 0);
        CHECK_INT(pn, an);
        if (pn == an && pn > 0)
            CHECK_MEM(part, alone, (size_t)pn);
        s7_pdu q;
        CHECK_INT(s7_pdu_decode(part, (size_t)pn, &q), pn);
    }
    /* A's part: its 3 bytes, no fill before its failed item? (a fill follows an odd item
     * that is not the last: here it is followed by the failed one) */
    int pn = s7__gco_part(&p, got, 0, 2, part, sizeof part);
    CHECK_INT(pn, 14 + (4 + 3 + 1) + 4);
    CHECK_INT(part[14 + 7], 0);    /* the fill */
    CHECK_INT(part[14 + 8], 0x0A); /* then the failed item's return code */
    CHECK_INT(s7__gco_part(&p, got, 0, 2, part, 20), S7_ERR_NOSPACE);

    /* a header error: every client gets the CPU's answer as it is */
    uint8_t err[32];
    int en = s7_ack_error_encode(err, sizeof err, 0x1234, 0x85, 0x00);
    CHECK(en > 0);
    CHECK(s7_pdu_decode(err, (size_t)en, &p) == en);
    CHECK_INT(s7_read_resp_decode(&p, got, 4), S7_ERR_PLC);
    int wn = s7__gco_whole(&p, part, sizeof part);
    CHECK_INT(wn, en);
    if (wn == en)
        CHECK_MEM(part, err, (size_t)en);
    return t_done();
}
