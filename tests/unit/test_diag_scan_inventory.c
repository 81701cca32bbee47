/* Unit tests for diag/scan_inventory.c: a scan's hosts against the inventory's documented
 * CPUs (passive partners and plc roles): found, missing, undocumented (unknown, or a
 * partner documented as no CPU), not scanned (outside the targets, another port). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s7/diag_plant.h"
#include "s7/wire.h"
#include "t.h"

static s7_plant *plant(void)
{
    s7_plant *p = s7_plant_new();
    char err[300];
    const char *names[] = {"plc1", "plc2", "plc9", "hmi1", "spare"};
    const char *addrs[] = {"10.0.0.10", "10.0.0.11", "10.9.9.9", "10.0.0.20", "10.0.0.12"};
    for (int i = 0; i < 5; i++) {
        s7_plant_partner *pt = s7_plant_add_partner(p, names[i]);
        s7_plant_partner_set_address(pt, addrs[i]);
        s7_plant_partner_set_cell(pt, "line");
    }
    s7_plant_partner_add_role(&p->partners[4], S7_PLANT_KIND_PLC); /* a CPU without connection */
    s7_plant_partner_add_role(&p->partners[3], S7_PLANT_KIND_HMI);
    for (int i = 0; i < 3; i++) {
        char n[16];
        snprintf(n, sizeof n, "c%d", i);
        s7_plant_conn *c = s7_plant_add_conn(p, n, "hmi1", names[i]);
        s7_plant_exchange_add_range(s7_plant_conn_add_exchange(c, S7_PLANT_GET, 0), S7_AREA_DB, 1,
                                    0, 4);
    }
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    return p;
}

static s7_scan_host host(const char *addr, uint32_t ip, int state)
{
    s7_scan_host h;
    memset(&h, 0, sizeof h);
    snprintf(h.addr, sizeof h.addr, "%s", addr);
    h.ip = ip;
    h.state = state;
    return h;
}

int main(void)
{
    s7_plant *p = plant();
    s7_scan_host hs[5] = {host("10.0.0.10", 0x0A00000Au, S7_SCAN_ANSWERING),  /* plc1 */
                          host("10.0.0.11", 0x0A00000Bu, S7_SCAN_FILTERED),   /* plc2: missing */
                          host("10.0.0.12", 0x0A00000Cu, S7_SCAN_CLOSED),     /* spare: missing */
                          host("10.0.0.20", 0x0A000014u, S7_SCAN_ANSWERING),  /* hmi1 serves 102 */
                          host("10.0.0.66", 0x0A000042u, S7_SCAN_ANSWERING)}; /* unknown */
    s7_scan_inv_row *r = NULL;
    size_t n = 0;
    CHECK_INT(s7_diag_scan_inventory(p, 102, hs, 5, &r, &n), 0);
    CHECK_INT(n, 6);
    CHECK_INT(r[0].cls, S7_SCAN_INV_FOUND);
    CHECK_STR(r[0].pt->name, "plc1");
    CHECK(r[0].host == &hs[0]);
    CHECK_INT(r[1].cls, S7_SCAN_INV_MISSING);
    CHECK_STR(r[1].pt->name, "plc2");
    CHECK_INT(r[2].cls, S7_SCAN_INV_NOT_SCANNED);
    CHECK_STR(r[2].pt->name, "plc9");
    CHECK(r[2].host == NULL);
    CHECK_INT(r[3].cls, S7_SCAN_INV_MISSING);
    CHECK_STR(r[3].pt->name, "spare");
    CHECK_INT(r[4].cls, S7_SCAN_INV_UNDOCUMENTED);
    CHECK_STR(r[4].pt->name, "hmi1");
    CHECK_INT(r[5].cls, S7_SCAN_INV_UNDOCUMENTED);
    CHECK(r[5].pt == NULL);
    CHECK(r[5].host == &hs[4]);
    free(r);
    /* another port: every documented CPU on 102 is not scanned; answering hosts undocumented */
    CHECK_INT(s7_diag_scan_inventory(p, 1102, hs, 5, &r, &n), 0);
    CHECK_INT(r[0].cls, S7_SCAN_INV_NOT_SCANNED);
    CHECK_INT(r[1].cls, S7_SCAN_INV_NOT_SCANNED);
    size_t undoc = 0;
    for (size_t i = 0; i < n; i++)
        undoc += r[i].cls == S7_SCAN_INV_UNDOCUMENTED;
    CHECK_INT(undoc, 3);
    free(r);
    CHECK_STR(s7_scan_inv_name(S7_SCAN_INV_NOT_SCANNED), "not_scanned");
    s7_plant_free(p);
    return t_done();
}
