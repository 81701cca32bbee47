/* s7kit plant model: TSAP resolution (include/s7/plant.h).  Which connection type and
 * which TSAPs each connection's connection request carries: explicit TSAPs of the
 * connection, else the passive partner's TSAPs, else LOGO!'s 0100:0200 for a LOGO! profile
 * without rack/slot, else rack/slot from the partner or its profile, called TSAP from
 * s7_tsap_make.  Called by s7_plant_validate once everything else holds.  No I/O. */
#include "plant/internal.h"
#include "s7/plant.h"
#include "s7/wire.h"

void s7__plant_conn_tsaps(const s7_plant *p, const s7_plant_conn *c, s7__plant_cr *out)
{
    const s7_plant_partner *a = &p->partners[c->active];
    const s7_plant_partner *pp = &p->partners[c->passive];
    int prof = pp->profile != NULL;
    out->type = c->type ? c->type : a->type ? a->type : 1;
    out->rack = c->rack;
    out->slot = c->slot;
    out->local_tsap = c->local_tsap;
    out->remote_tsap = c->remote_tsap;
    out->explicit_tsap = c->explicit_tsap;
    if (c->explicit_tsap)
        return;
    out->explicit_tsap = 1;
    if (pp->remote_tsap) {
        out->local_tsap = pp->local_tsap;
        out->remote_tsap = pp->remote_tsap;
        return;
    }
    if (prof && pp->profile_logo_tsap && pp->rack < 0 && pp->slot < 0) {
        out->local_tsap = 0x0100; /* LOGO! 8 serves 02.00 */
        out->remote_tsap = 0x0200;
        return;
    }
    out->explicit_tsap = 0;
    out->rack = pp->rack >= 0 ? pp->rack : prof && pp->profile_rack >= 0 ? pp->profile_rack : 0;
    out->slot = pp->slot >= 0 ? pp->slot : prof && pp->profile_slot >= 0 ? pp->profile_slot : 1;
    out->local_tsap = 0x0100;
    out->remote_tsap = s7_tsap_make((uint8_t)out->type, (uint8_t)out->rack, (uint8_t)out->slot);
}

int s7__plant_resolve(s7_plant *p)
{
    for (size_t i = 0; i < p->nconns; i++) {
        s7_plant_conn *c = &p->conns[i];
        s7__plant_cr r;
        s7__plant_conn_tsaps(p, c, &r);
        c->type = r.type;
        c->rack = r.rack;
        c->slot = r.slot;
        c->local_tsap = r.local_tsap;
        c->remote_tsap = r.remote_tsap;
        c->explicit_tsap = r.explicit_tsap;
    }
    return 0;
}
