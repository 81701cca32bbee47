/* The configuration of `s7 exchange` (exchange_bridge.h s7_bridge_config) turned into a
 * running bridge: one partner per configured CPU, one bridge job per job of the model. */
#include <stdio.h>
#include <stdlib.h>

#include "exchange/resolve.h"
#include "s7/exchange.h"
#include "s7/exchange_bridge.h"

void s7_bridge_config_free(s7_bridge_config *c)
{
    if (!c)
        return;
    free(c->title);
    free(c->partners);
    if (c->x) {
        s7_exchange_free(c->x);
        free(c->x);
    }
    free(c->remote);
    free(c->local);
    free(c->on_change);
    c->title = NULL;
    c->partners = NULL;
    c->npartners = 0;
    c->x = NULL;
    c->remote = c->local = c->on_change = NULL;
}

int s7_bridge_from_config(const s7_bridge_config *c, const s7_bridge_opts *opts, s7_bridge **out,
                          char *err, size_t errcap)
{
    *out = NULL;
    s7_bridge *b = s7_bridge_new(opts);
    if (!b)
        return S7_ERR_NOMEM;
    for (size_t i = 0; i < c->npartners; i++) {
        const s7_bridge_partner_cfg *p = &c->partners[i];
        int rc = s7_bridge_add_partner(b, p->name, p->host, p->port, &p->co);
        if (rc < 0) {
            char why[400] = "";
            if (rc == S7_ERR_RESOLVE) {
                char a[64];
                s7__xhost_resolve(p->host, a, sizeof a, why, sizeof why);
            }
            if (err)
                snprintf(err, errcap, "%s: partner %s: %s", p->where, p->name,
                         rc == S7_ERR_RESOLVE ? why
                         : rc == S7_ERR_NOMEM ? "out of memory"
                                              : "the name is used twice");
            s7_bridge_free(b);
            return rc;
        }
    }
    for (size_t i = 0; c->x && i < c->x->njobs; i++) {
        int rc = s7_bridge_add_xjob(b, &c->x->jobs[i], c->remote[i], c->local[i], c->on_change[i],
                                    err, errcap);
        if (rc < 0) {
            s7_bridge_free(b);
            return rc;
        }
    }
    *out = b;
    return 0;
}
