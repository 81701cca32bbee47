/* s7kit plant model: TSAP resolution (include/s7/plant.h).  Which connection type and
 * which TSAPs each connection's connection request carries: explicit TSAPs of the
 * connection, else the passive partner's TSAPs, else LOGO!'s 0100:0200 for a LOGO! profile
 * without rack/slot, else rack/slot from the partner or its profile, called TSAP from
 * s7_tsap_make.  Called by s7_plant_validate once everything else holds.  No I/O. */
#include "plant/internal.h"
#include "s7/plant.h"
#include "s7/wire.h"

int s7__plant_resolve(s7_plant *p)
{
    for (size_t i = 0; i < p->nconns; i++) {
        s7_plant_conn *c = &p->conns[i];
        const s7_plant_partner *a = &p->partners[c->active];
        const s7_plant_partner *pp = &p->partners[c->passive];
        int prof = pp->profile != NULL;
        if (!c->type)
            c->type = a->type ? a->type : 1;
        if (c->explicit_tsap)
            continue;
        if (pp->remote_tsap) {
            c->local_tsap = pp->local_tsap;
            c->remote_tsap = pp->remote_tsap;
            c->explicit_tsap = 1;
            continue;
        }
        if (prof && pp->profile_logo_tsap && pp->rack < 0 && pp->slot < 0) {
            c->local_tsap = 0x0100; /* LOGO! 8 serves 02.00 */
            c->remote_tsap = 0x0200;
            c->explicit_tsap = 1;
            continue;
        }
        c->rack = pp->rack >= 0 ? pp->rack : prof && pp->profile_rack >= 0 ? pp->profile_rack : 0;
        c->slot = pp->slot >= 0 ? pp->slot : prof && pp->profile_slot >= 0 ? pp->profile_slot : 1;
        c->local_tsap = 0x0100;
        c->remote_tsap = s7_tsap_make((uint8_t)c->type, (uint8_t)c->rack, (uint8_t)c->slot);
    }
    return 0;
}
