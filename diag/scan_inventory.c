/* A scan against the inventory (include/s7/diag_plant.h s7_diag_scan_inventory): which
 * documented CPUs answered on their S7 port, which did not, and which hosts answer that
 * the inventory does not document as CPUs.  Pure: the scan ran before (diag/scan.c). */
#include <stdlib.h>
#include <string.h>

#include "s7/diag_plant.h"

static const char *const NAMES[] = {"found", "missing", "undocumented", "not_scanned"};

const char *s7_scan_inv_name(int cls) { return cls >= 0 && cls <= 3 ? NAMES[cls] : "?"; }

static int is_cpu(const s7_plant *p, const s7_plant_partner *pt)
{
    return s7_plant_is_passive(p, pt) || s7_plant_partner_has_role(pt, S7_PLANT_KIND_PLC);
}

int s7_diag_scan_inventory(const s7_plant *p, uint16_t port, const s7_scan_host *hosts,
                           size_t nhosts, s7_scan_inv_row **rows, size_t *nrows)
{
    s7_scan_inv_row *r = calloc(p->npartners + nhosts + 1, sizeof *r);
    size_t n = 0;
    *rows = NULL;
    *nrows = 0;
    if (!r)
        return S7_ERR_NOMEM;
    for (size_t i = 0; i < p->npartners; i++) {
        const s7_plant_partner *pt = &p->partners[i];
        if (!is_cpu(p, pt))
            continue;
        const s7_scan_host *h = NULL;
        for (size_t k = 0; pt->family == S7_PLANT_AF_INET && pt->port == port && k < nhosts && !h;
             k++)
            if (hosts[k].ip == pt->ip)
                h = &hosts[k];
        r[n].pt = pt;
        r[n].host = h;
        r[n].cls = !h                              ? S7_SCAN_INV_NOT_SCANNED
                   : h->state == S7_SCAN_ANSWERING ? S7_SCAN_INV_FOUND
                                                   : S7_SCAN_INV_MISSING;
        n++;
    }
    for (size_t k = 0; k < nhosts; k++) {
        const s7_scan_host *h = &hosts[k];
        if (h->state != S7_SCAN_ANSWERING)
            continue;
        const s7_plant_partner *pt = NULL;
        for (size_t i = 0; i < p->npartners && !pt; i++)
            if (p->partners[i].family == S7_PLANT_AF_INET && p->partners[i].ip == h->ip)
                pt = &p->partners[i];
        if (pt && is_cpu(p, pt) && pt->port == port)
            continue; /* a documented CPU: its row is above */
        r[n].pt = pt;
        r[n].host = h;
        r[n].cls = S7_SCAN_INV_UNDOCUMENTED;
        n++;
    }
    *rows = r;
    *nrows = n;
    return 0;
}
