/* A job of the one job model (exchange.h s7_xjob) as a bridge job (exchange_bridge.h): the
 * adapter between the model the emulator's jobs, `s7 exchange` and the simulation share and
 * the bridge engine.  The partner areas ADDR_i are on the remote CPU, the local areas RD_i /
 * SD_i and the outputs on the local CPU: a GET copies remote -> local, a PUT local -> remote. */
#include <stdio.h>
#include <string.h>

#include "exchange/bridge_int.h"
#include "s7/exchange.h"
#include "s7/exchange_bridge.h"

int s7_bridge_add_xjob(s7_bridge *b, const s7_xjob *xj, int remote, int local, int on_change,
                       char *err, size_t errcap)
{
    s7_bridge_job j;
    memset(&j, 0, sizeof j);
    const char *where = xj->where[0] ? xj->where : "(job)";
    if (xj->kind != S7_XJOB_GET && xj->kind != S7_XJOB_PUT) {
        if (err)
            snprintf(err, errcap,
                     "%s: job %s: the bridge runs GET and PUT jobs, not %s; run %s jobs on "
                     "emulated CPUs (s7 server --job)",
                     where, xj->name, s7_xjob_kind_name(xj->kind), s7_xjob_kind_name(xj->kind));
        return S7_ERR_INVAL;
    }
    if (xj->latch) {
        if (err)
            snprintf(err, errcap,
                     "%s: job %s: outputs: latch is for an emulated CPU's jobs; the bridge holds "
                     "NDR/DONE and ERROR until REQ falls (its handshake): leave it out",
                     where, xj->name);
        return S7_ERR_INVAL;
    }
    if (xj->trigger != S7_XTRIG_REQ && (xj->has_done || xj->has_error || xj->has_status)) {
        if (err)
            snprintf(err, errcap,
                     "%s: job %s: --%s is the handshake of a REQ job (on BIT) in the bridge: a "
                     "cyclic job reports in the table, the JSON lines and /metrics; leave it "
                     "out, or make the job a REQ job",
                     where, xj->name,
                     xj->has_done    ? (xj->kind == S7_XJOB_GET ? "ndr" : "done")
                     : xj->has_error ? "error"
                                     : "status");
        return S7_ERR_INVAL;
    }
    if (on_change && xj->trigger != S7_XTRIG_CYCLIC) {
        if (err)
            snprintf(err, errcap,
                     "%s: job %s: on change needs a cyclic job (every TIME): the source is read "
                     "every cycle and written when it changed",
                     where, xj->name);
        return S7_ERR_INVAL;
    }
    int get = xj->kind == S7_XJOB_GET;
    j.name = xj->name;
    j.src = get ? remote : local;
    j.dst = get ? local : remote;
    j.n = xj->nareas;
    s7_tag from[S7_XJOB_AREAS], to[S7_XJOB_AREAS];
    for (unsigned i = 0; i < xj->nareas && i < S7_XJOB_AREAS; i++) {
        from[i] = get ? xj->areas[i].remote : xj->areas[i].local;
        to[i] = get ? xj->areas[i].local : xj->areas[i].remote;
    }
    j.from = from;
    j.to = to;
    j.cycle_ms = xj->cycle_ms > 0 ? xj->cycle_ms : 1000;
    if (xj->trigger == S7_XTRIG_REQ) {
        j.mode = S7_BRIDGE_TRIGGER;
        j.hs = local;
        j.trigger = xj->req;
        j.done = xj->done;
        j.error = xj->error;
        j.status = xj->status;
        j.has_done = xj->has_done;
        j.has_error = xj->has_error;
        j.has_status = xj->has_status;
        /* the REQ bit is polled: every cycle_ms when the job has one, else every 100 ms */
        if (xj->cycle_ms <= 0 || xj->cycle_ms == 1000)
            j.cycle_ms = 100;
    } else {
        j.mode = on_change ? S7_BRIDGE_ON_CHANGE : S7_BRIDGE_CYCLIC;
    }
    char e2[400] = "";
    int rc = s7_bridge_add_job(b, &j, e2, sizeof e2);
    if (rc < 0 && err)
        snprintf(err, errcap, "%s (%s)", e2, where);
    if (rc >= 0) { /* one request with each CPU, as the instructions make it */
        uint32_t remote_need = s7_xjob_pdu_need(xj, NULL, NULL),
                 local_need = s7_xjob_local_need(xj);
        s7__bridge_job_whole(b, rc, get ? remote_need : local_need, get ? local_need : remote_need);
    }
    return rc;
}
