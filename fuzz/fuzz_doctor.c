/* Fuzz target: the doctor (s7_doctor, diag/) probing a hostile peer.  The doctor connects
 * over TCP to a 127.0.0.1 listener of the scripted peer (peer.c: the CPU model's answers,
 * changed, cut, replaced by fuzz bytes framed or not, in pieces, silence, closes), runs its
 * ladder (COTP, setup, identity, protection, PUT/GET, the targets, write checks) and, when
 * the CR is refused, tries the alternatives, each a new connection the peer answers from
 * the same script.  Silences cost nothing: the peer's virtual clock lets the doctor's
 * timeouts pass at once.
 *
 * Input: byte 0 flags (bit 0 the model answers CR and setup, bits 1-2 the profile, bit 3
 * PUT/GET, bit 4 the model answers once the script is used up, bit 5 write checks, bit 6
 * no alternatives, bit 7 a TSAP pair instead of rack/slot); byte 1 which targets (a bit
 * each); byte 2 rack/slot/type and PDU; the rest is the peer's script.  Whatever the
 * peer does, the doctor must return a verdict with a consistent report (every check
 * present, the first failure named, JSON produced). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/peer.h"
#include "s7/diag.h"

static const char *const profiles[4] = {"s7-1500", "s7-300", "s7-1200", "logo8"};

static const s7_diag_target table[8] = {{S7_AREA_DB, 1, 0, 10},     {S7_AREA_DB, 2, 0, 4},
                                        {S7_AREA_DB, 99, 0, 0},     {S7_AREA_M, 0, 0, 100},
                                        {S7_AREA_DB, 10, 600, 200}, {S7_AREA_T, 0, 0, 8},
                                        {S7_AREA_DB, 3, 4, 4},      {S7_AREA_I, 0, 2000, 1}};

static void log_fn(void *ctx, int level, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "log %d: %s\n", level, msg);
}

static void check_report(const s7_doctor_opts *o, const s7_diag_report *r, int v)
{
    size_t per = o->check_write ? 2 : 1;
    if (v < 0 || v >= S7_DIAG_VERDICT_COUNT || v != r->verdict)
        abort();
    if (r->nchecks != 8 + o->ntargets * per || !r->checks || r->ntargets != o->ntargets)
        abort(); /* every rung of the ladder is in the report */
    if ((r->failed < 0) != (v == S7_DIAG_OK) || r->failed >= (int)r->nchecks)
        abort(); /* the verdict is the first failing check's */
    if (r->failed >= 0 && r->checks[r->failed].status != S7_DIAG_FAIL)
        abort();
    if ((s7_diag_report_failed(r) == NULL) != (r->failed < 0))
        abort();
    for (size_t i = 0; i < r->nchecks; i++) {
        const s7_diag_check *c = &r->checks[i];
        if ((int)c->status < 0 || c->status > S7_DIAG_SKIP)
            abort();
        if (!memchr(c->id, 0, sizeof c->id) || !memchr(c->detail, 0, sizeof c->detail) ||
            !memchr(c->cause, 0, sizeof c->cause) || !memchr(c->fix, 0, sizeof c->fix))
            abort();
        if (c->nframes > 8 || (c->nframes && !c->frames))
            abort();
    }
    if (r->alt_best >= (int)r->nalts || (r->nalts && !r->alts))
        abort();
    if (r->connected && (!r->pdu || !r->amq))
        abort(); /* a session without the negotiated values */
    char *json = s7_diag_report_json(r);
    if (!json)
        abort();
    size_t n = strlen(json);
    while (n && json[n - 1] == '\n')
        n--;
    if (n < 2 || json[0] != '{' || json[n - 1] != '}')
        abort();
    free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint16_t pdus[4] = {240, 480, 960, 1920};
    if (size < 3)
        return 0;
    uint16_t port = fz_peer_listen_port();
    if (!port)
        return 0;
    uint8_t flags = data[0], sel = data[1], copt = data[2];
    fz_peer_cfg pc = {profiles[flags >> 1 & 3], flags >> 3 & 1, flags & 1, flags >> 4 & 1};
    fz_peer *peer = fz_peer_new(data + 3, size - 3, &pc);
    if (!peer)
        return 0;
    s7_diag_target targets[8];
    size_t nt = 0;
    for (int i = 0; i < 8; i++)
        if (sel >> i & 1)
            targets[nt++] = table[i];
    s7_doctor_opts o;
    s7_doctor_opts_init(&o);
    o.host = "127.0.0.1";
    o.port = port;
    o.targets = nt ? targets : NULL;
    o.ntargets = nt;
    o.check_write = flags >> 5 & 1;
    o.no_alternatives = flags >> 6 & 1;
    if (flags & 0x80) {
        o.client.local_tsap = copt & 1 ? 0x1000 : 0x0100;
        o.client.remote_tsap = copt & 2 ? 0x2000 : 0x0200;
    } else {
        o.client.rack = copt & 1;
        o.client.slot = (uint8_t)(copt >> 1 & 3);
        o.client.type = (s7_conn_type)(1 + (copt >> 3 & 1) + (copt >> 4 & 1));
    }
    o.client.pdu_request = pdus[copt >> 5 & 3];
    o.client.amq_request = copt & 0x80 ? 1 : 8;
    o.client.connect_timeout_ms = 1000;
    o.client.request_timeout_ms = 1000;
    if (getenv("S7_FUZZ_DEBUG"))
        o.client.log = log_fn;
    s7_diag_report r;
    fz_peer_activate(peer);
    int v = s7_doctor(&o, &r);
    fz_peer_activate(NULL);
    if (getenv("S7_FUZZ_DEBUG")) {
        char *json = s7_diag_report_json(&r);
        fprintf(stderr, "verdict %s, %u connections\n%s\n", s7_diag_verdict_name(v),
                fz_peer_connections(peer), json ? json : "(no json)");
        free(json);
    }
    if (v != S7_ERR_NOMEM)
        check_report(&o, &r, v);
    s7_diag_report_free(&r);
    fz_peer_free(peer);
    return 0;
}
