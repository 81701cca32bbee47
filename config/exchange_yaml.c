/* s7config: the YAML spelling of the exchange job model (config/exchange_yaml.h,
 * include/s7/config.h s7_config_load_exchange): a connection table under connections: and
 * jobs under jobs: (GET/PUT and the partner jobs BSEND/BRCV/USEND/URCV), each job a mapping
 * with the fields of the one-line spelling or that one line itself.  Unknown keys are errors; every message names FILE:LINE, the job and
 * the fix.  The format is in docs/exchange.md. */
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/exchange_yaml.h"
#include "config/yaml.h"
#include "s7/config.h"
#include "s7/exchange.h"
#include "s7/exchange_partner.h"
#include "s7/plant.h"
#include "s7/tag.h"
#include "util/text.h"

/* ---------------------------------------------------------------- connections */

/* An example value of a key of a connection or a job (for "has no value"), NULL for a key
 * that is neither (its own message says so). */
/* the spellings of a job's (or an area's) partner and local areas: one of each at most */
static const char *const ADDR_KEYS[] = {"addr", "partner_area", NULL};
static const char *const LOCAL_KEYS[] = {"local", "rd", "sd", NULL};

static const char *key_example(const char *k)
{
    static const char *const EX[][2] = {
        {"id", "1"},
        {"name", "line-m1"},
        {"host", "10.200.2.10"},
        {"address", "10.200.2.10"},
        {"port", "102"},
        {"rack", "0"},
        {"slot", "1"},
        {"type", "basic"},
        {"tsap", "\"1000:1000\""},
        {"pdu", "480"},
        {"side", "active"},
        {"kind", "get"},
        {"connection", "line-m1"},
        {"addr", "DB20.DBB0..DBB31"},
        {"partner_area", "DB20.DBB0"},
        {"local", "DB40.DBB0"},
        {"rd", "DB40.DBB0"},
        {"sd", "DB40.DBB0"},
        {"areas", "[{addr: DB20.DBW0, local: MW10}]"},
        {"r_id", "5"},
        {"every", "100ms"},
        {"req", "M10.0"},
        {"ndr", "M10.1"},
        {"done", "M10.1"},
        {"error", "M10.2"},
        {"status", "MW12"},
        {"outputs", "latch"},
    };
    for (size_t i = 0; i < sizeof EX / sizeof EX[0]; i++)
        if (strcmp(k, EX[i][0]) == 0)
            return EX[i][1];
    return NULL;
}

static int conn_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    s7_xconn *c = ctx;
    char s[300];
    long n;
    const char *ex = s7__yaml_is_null(v) ? key_example(k) : NULL;
    if (ex)
        return s7__yaml_err(y, kn, "%s: has no value: give one, e.g. %s: %s, or leave the key out",
                            k, k, ex);
    if (strcmp(k, "id") == 0) {
        if (s7__yaml_get_long(y, v, k, 1, 4095, "id: 1 (the local ID the jobs name)", &n))
            return -1;
        c->id = (uint16_t)n;
    } else if (strcmp(k, "name") == 0) {
        if (s7__yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (!*s || strlen(s) >= sizeof c->name)
            return s7__yaml_err(y, v, "name: '%s' must be 1..%zu characters", s,
                                sizeof c->name - 1);
        memcpy(c->name, s, strlen(s) + 1); /* fits: checked above */
    } else if (strcmp(k, "host") == 0 || strcmp(k, "address") == 0) {
        static const char *const one[] = {"host", "address", NULL};
        if (s7__yaml_key_once(y, kn, NULL, k, one))
            return -1;
        if (s7__yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (!*s || strlen(s) >= sizeof c->host)
            return s7__yaml_err(y, v, "%s: give the partner's address, e.g. %s: 10.200.2.10", k, k);
        memcpy(c->host, s, strlen(s) + 1);
    } else if (strcmp(k, "port") == 0) {
        if (s7__yaml_get_long(y, v, k, 1, 65535, "port: 102", &n))
            return -1;
        c->port = (uint16_t)n;
    } else if (strcmp(k, "rack") == 0) {
        if (s7__yaml_get_long(y, v, k, 0, 7, "rack: 0", &n))
            return -1;
        c->rack = (uint8_t)n;
    } else if (strcmp(k, "slot") == 0) {
        if (s7__yaml_get_long(y, v, k, 0, 31, "slot: 1", &n))
            return -1;
        c->slot = (uint8_t)n;
    } else if (strcmp(k, "pdu") == 0) {
        if (s7__yaml_get_long(y, v, k, 240, 960, "pdu: 480", &n))
            return -1;
        c->pdu = (uint16_t)n;
    } else if (strcmp(k, "type") == 0) {
        int t;
        if (s7__yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (s7_plant_parse_type(s, &t))
            return s7__yaml_err(y, v, "type: '%s' is not a connection type: pg, op or basic", s);
        c->type = (s7_conn_type)t;
    } else if (strcmp(k, "tsap") == 0) {
        if (s7__yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (s7_plant_parse_tsap(s, &c->local_tsap, &c->remote_tsap) || !c->remote_tsap)
            return s7__yaml_err(
                y, v, "tsap: '%s': give LOCAL:REMOTE in hex, e.g. tsap: \"0100:0102\"", s);
    } else if (strcmp(k, "side") == 0) {
        if (s7__yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (s7__yaml_ieq(s, "active"))
            c->side = S7_XCONN_ACTIVE;
        else if (s7__yaml_ieq(s, "passive"))
            c->side = S7_XCONN_PASSIVE;
        else if (s7__yaml_ieq(s, "unspecified"))
            c->side = S7_XCONN_UNSPECIFIED;
        else
            return s7__yaml_err(
                y, v,
                "side: '%s' must be active (this CPU connects), passive (the partner "
                "connects) or unspecified (passive, any partner)",
                s);
    } else {
        return s7__yaml_err(y, kn,
                            "connection: unknown key '%s' (keys: id, name, host, port, rack, slot, "
                            "type, tsap, pdu, side)",
                            k);
    }
    return 0;
}

int s7__yaml_xconns(yaml_cx *y, struct fy_node *v, s7_exchange *x)
{
    if (s7__yaml_is_null(v))
        return 0;
    if (!fy_node_is_sequence(v))
        return s7__yaml_err(
            y, v,
            "connections: expected a list of connections (lines starting with '- id: "
            "N')");
    void *it = NULL;
    struct fy_node *e;
    while ((e = fy_node_sequence_iterate(v, &it))) {
        s7_xconn c;
        s7_xconn_init(&c);
        snprintf(c.where, sizeof c.where, "%s:%d", y->file, s7__yaml_line(e));
        if (!fy_node_is_mapping(e))
            return s7__yaml_err(y, e,
                                "connections: each entry is a mapping, e.g. - {id: 1, host: "
                                "10.200.2.10, slot: 2, type: basic}");
        if (s7__yaml_each_pair(y, e, "connection", conn_key, &c))
            return -1;
        if (!c.id)
            return s7__yaml_err(y, e, "connection: no id: give its local ID, e.g. id: 1");
        if (s7_exchange_conn(x, c.id))
            return s7__yaml_err(y, e,
                                "connection id %u is already used at %s: give each connection "
                                "its own id",
                                c.id, s7_exchange_conn(x, c.id)->where);
        if (!s7_exchange_add_conn(x, &c))
            return s7__yaml_oom(y);
    }
    /* the table as a whole (addresses, names): jobs are checked as they load */
    s7_exchange only = *x;
    only.njobs = 0;
    char msg[600];
    if (s7_exchange_validate(&only, msg, sizeof msg)) {
        snprintf(y->err, y->cap, "%s", msg); /* already "FILE:LINE: ..." */
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- jobs */

typedef struct job_cx {
    s7_xjob j;
    s7_xconn partner;     /* inline partner keys */
    int has_partner;      /* host given */
    int partner_keys;     /* any partner key given */
    unsigned pk_mask;     /* which of them (bit i: PK[i]) */
    struct fy_node *conn; /* connection: */
    struct fy_node *addr, *local, *areas, *at;
    struct fy_node *kind_node;
    int have_kind, ntrig;
    int has_rid; /* r_id: given */
    struct fy_node *trig_node;
    const char *done_key;
    struct fy_node *done_node;
    struct fy_node *error_node, *status_node; /* error:, status: (their lines) */
} job_cx;

static int tag_value(yaml_cx *y, struct fy_node *v, const char *key, s7_tag *t)
{
    char s[200], msg[400];
    if (s7__yaml_scalar(y, v, key, s, sizeof s))
        return -1;
    if (s7_tag_parse(s, t, msg, sizeof msg) < 0)
        return s7__yaml_err(y, v, "%s: '%s': %s", key, s, msg);
    return 0;
}

static int job_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    job_cx *jc = ctx;
    char s[300], msg[400];
    const char *ex = s7__yaml_is_null(v) ? key_example(k) : NULL;
    if (ex)
        return s7__yaml_err(y, kn, "%s: has no value: give one, e.g. %s: %s, or leave the key out",
                            k, k, ex);
    if (strcmp(k, "name") == 0) {
        if (s7__yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (!s7_xjob_name_ok(s))
            return s7__yaml_err(y, v,
                                "name: '%s' is no job name: use 1..%zu letters, digits and - _ . # "
                                "(e.g. line-m1-status)",
                                s, sizeof jc->j.name - 1);
        memcpy(jc->j.name, s, strlen(s) + 1);
        return 0;
    }
    if (strcmp(k, "kind") == 0) {
        if (s7__yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        static const s7_xjob_kind KINDS[] = {S7_XJOB_GET,  S7_XJOB_PUT,   S7_XJOB_BSEND,
                                             S7_XJOB_BRCV, S7_XJOB_USEND, S7_XJOB_URCV};
        size_t i = 0;
        while (i < sizeof KINDS / sizeof KINDS[0] && !s7__yaml_ieq(s, s7_xjob_kind_name(KINDS[i])))
            i++;
        if (i == sizeof KINDS / sizeof KINDS[0])
            return s7__yaml_err(
                y, v,
                "kind: '%s' is not a job kind: get, put (GET/PUT), bsend, brcv, usend "
                "or urcv (partner jobs)",
                s);
        jc->j.kind = KINDS[i];
        jc->have_kind = 1;
        jc->kind_node = v;
        return 0;
    }
    if (strcmp(k, "connection") == 0) {
        if (fy_node_is_mapping(v) || fy_node_is_sequence(v))
            return s7__yaml_err(
                y, v,
                "connection: give the id or name of an entry of connections: (e.g. "
                "connection: line-m1); a partner of its own goes into the job itself "
                "(host:, port:, slot:, ... beside kind:)");
        jc->conn = v;
        return 0;
    }
    if (strcmp(k, "addr") == 0 || strcmp(k, "partner_area") == 0) {
        if (s7__yaml_key_once(y, kn, NULL, k, ADDR_KEYS))
            return -1;
        jc->addr = v;
        return 0;
    }
    if (strcmp(k, "local") == 0 || strcmp(k, "rd") == 0 || strcmp(k, "sd") == 0) {
        if (s7__yaml_key_once(y, kn, NULL, k, LOCAL_KEYS))
            return -1;
        jc->local = v;
        return 0;
    }
    if (strcmp(k, "areas") == 0) {
        jc->areas = v;
        return 0;
    }
    if (strcmp(k, "r_id") == 0) {
        char *end;
        if (s7__yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        int hex = strncmp(s, "16#", 3) == 0;
        unsigned long long n = strtoull(hex ? s + 3 : s, &end, hex ? 16 : 10);
        if (!*s || *s == '-' || *end || end == (hex ? s + 3 : s) || n > 0xFFFFFFFFull)
            return s7__yaml_err(y, v,
                                "r_id: '%s' must be a number 0..4294967295 or 16#hex, the R_ID the "
                                "partner's job uses too, e.g. r_id: 5",
                                s);
        jc->j.r_id = (uint32_t)n;
        jc->has_rid = 1;
        return 0;
    }
    if (strcmp(k, "every") == 0) {
        if (s7__yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (s7_duration_parse(s, 1, 1, 86400000L, &jc->j.cycle_ms, msg, sizeof msg))
            return s7__yaml_err(y, v, "every: %s (a bare number is milliseconds)", msg);
        jc->j.trigger = S7_XTRIG_CYCLIC;
        jc->ntrig++;
        jc->trig_node = kn;
        return 0;
    }
    if (strcmp(k, "req") == 0) {
        if (tag_value(y, v, k, &jc->j.req))
            return -1;
        jc->j.trigger = S7_XTRIG_REQ;
        jc->ntrig++;
        jc->trig_node = kn;
        return 0;
    }
    if (strcmp(k, "ndr") == 0 || strcmp(k, "done") == 0) {
        if (tag_value(y, v, k, &jc->j.done))
            return -1;
        jc->j.has_done = 1;
        jc->done_key = strcmp(k, "ndr") == 0 ? "ndr" : "done";
        jc->done_node = kn;
        return 0;
    }
    if (strcmp(k, "error") == 0) {
        if (tag_value(y, v, k, &jc->j.error))
            return -1;
        jc->j.has_error = 1;
        jc->error_node = kn;
        return 0;
    }
    if (strcmp(k, "status") == 0) {
        if (tag_value(y, v, k, &jc->j.status))
            return -1;
        jc->j.has_status = 1;
        jc->status_node = kn;
        return 0;
    }
    if (strcmp(k, "outputs") == 0) {
        if (s7__yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (!s7__yaml_ieq(s, "pulse") && !s7__yaml_ieq(s, "latch"))
            return s7__yaml_err(y, v,
                                "outputs: '%s': pulse (NDR/DONE, ERROR and STATUS for one scan, as "
                                "the instructions) or latch (held until the next result)",
                                s);
        jc->j.latch = s7__yaml_ieq(s, "latch");
        return 0;
    }
    /* the partner inline, as the one-line job names it */
    static const char *PK[] = {"host", "address", "port", "rack", "slot",
                               "type", "tsap",    "pdu",  "side"};
    for (size_t i = 0; i < sizeof PK / sizeof PK[0]; i++)
        if (strcmp(k, PK[i]) == 0) {
            jc->partner_keys = 1;
            jc->pk_mask |= 1u << i;
            if (i < 2)
                jc->has_partner = 1;
            return conn_key(y, k, kn, v, &jc->partner);
        }
    return s7__yaml_err(
        y, kn,
        "job: unknown key '%s' (keys: name, kind, connection, host, port, rack, slot, "
        "type, tsap, pdu, side, addr, local, areas, every, req, ndr, done, error, "
        "status, r_id, outputs)",
        k);
}

/* A scalar or a list of scalars (at most 4) into out; the count or -1. */
static int addr_list(yaml_cx *y, struct fy_node *v, const char *key, struct fy_node **out)
{
    if (fy_node_is_scalar(v)) {
        out[0] = v;
        return 1;
    }
    if (!fy_node_is_sequence(v))
        return s7__yaml_err(y, v, "%s: give an address or a list of up to four", key);
    void *it = NULL;
    struct fy_node *e;
    int n = 0;
    while ((e = fy_node_sequence_iterate(v, &it))) {
        if (n == S7_XJOB_AREAS)
            return s7__yaml_err(y, e,
                                "%s: more than four areas: GET and PUT move at most four "
                                "(ADDR_1..ADDR_4); split the job",
                                key);
        if (!fy_node_is_scalar(e))
            return s7__yaml_err(y, e, "%s: each entry is one address, e.g. DB20.DBB0..DBB31", key);
        out[n++] = e;
    }
    if (n == 0)
        return s7__yaml_err(y, v, "%s: the list is empty: give one to four addresses", key);
    return n;
}

static int area_addr(yaml_cx *y, struct fy_node *v, const char *key, s7_tag *t)
{
    char s[200], msg[600];
    if (s7__yaml_scalar(y, v, key, s, sizeof s))
        return -1;
    if (s7_xjob_parse_addr(s, t, msg, sizeof msg))
        return s7__yaml_err(y, v, "%s: %s", key, msg);
    return 0;
}

typedef struct area_cx {
    struct fy_node *addr, *local;
} area_cx;

static int area_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    area_cx *a = ctx;
    if (strcmp(k, "addr") == 0 || strcmp(k, "partner_area") == 0) {
        if (s7__yaml_key_once(y, kn, "areas", k, ADDR_KEYS))
            return -1;
        a->addr = v;
    } else if (strcmp(k, "local") == 0 || strcmp(k, "rd") == 0 || strcmp(k, "sd") == 0) {
        if (s7__yaml_key_once(y, kn, "areas", k, LOCAL_KEYS))
            return -1;
        a->local = v;
    } else
        return s7__yaml_err(y, kn, "areas: unknown key '%s' (keys: addr, local)", k);
    return 0;
}

/* The partner job's connection: connection: (an entry of connections:, any side) or the
 * partner inline (host, port, tsap, pdu, side ...; TSAPs 1000:1000 and PDU 480 unless given,
 * as the one-line spelling has them).  Sets jc->j.conn_id; 0 or -1. */
static int partner_conn(yaml_cx *y, struct fy_node *e, s7_exchange *x, job_cx *jc, const char *nm)
{
    if (jc->conn) {
        char s[100];
        long id;
        if (s7__yaml_scalar(y, jc->conn, "connection", s, sizeof s))
            return -1;
        const s7_xconn *c = s7_exchange_conn_by_name(x, s);
        if (!c && s7__parse_dec(s, 1, 4095, &id) == 0)
            c = s7_exchange_conn(x, (uint16_t)id);
        if (!c)
            return s7__yaml_err(
                y, jc->conn,
                "job %s: connection '%s' is not in connections: (give the id or name "
                "of an entry there)",
                nm, s);
        jc->j.conn_id = c->id;
        return 0;
    }
    s7_xconn *p = &jc->partner;
    int side_given = (jc->pk_mask >> 8) & 1;
    if (!jc->has_partner && !(side_given && p->side == S7_XCONN_UNSPECIFIED))
        return s7__yaml_err(
            y, e,
            "job %s: no partner: give connection: (an entry of connections:), host: "
            "PARTNER (this CPU connects; side: passive: it waits for that partner) or "
            "side: unspecified (this CPU waits for any partner)",
            nm);
    if (!(jc->pk_mask & (1u << 6 | 1u << 3 | 1u << 4 | 1u << 5))) { /* no tsap, rack, slot, type */
        p->local_tsap = 0x1000;
        p->remote_tsap = 0x1000;
    }
    if (!(jc->pk_mask & 1u << 7))
        p->pdu = 480;
    s7_xconn *c = s7_exchange_conn_for(x, p);
    if (!c)
        return s7__yaml_oom(y);
    jc->j.conn_id = c->id;
    return 0;
}

/* The job model's verdict msg ("FILE:LINE: job NAME: what is wrong; the fix", LINE the job's
 * first) into y->err, at the line of the key it is about when it is about an output or the
 * trigger bit (s7_xjob_validate names them REQ, NDR, DONE, ERROR, STATUS).  Returns -1. */
static int validate_err(yaml_cx *y, const job_cx *jc, const char *msg)
{
    char head[300];
    snprintf(head, sizeof head, "%s: job %s: ", jc->j.where, jc->j.name);
    size_t hl = strlen(head);
    if (strncmp(msg, head, hl) == 0) {
        const char *rest = msg + hl;
        static const struct {
            const char *word;
            int which; /* 0 REQ, 1 NDR/DONE, 2 ERROR, 3 STATUS */
        } W[] = {{"REQ ", 0}, {"NDR ", 1}, {"DONE ", 1}, {"ERROR ", 2}, {"STATUS ", 3}};
        for (size_t i = 0; i < sizeof W / sizeof W[0]; i++) {
            if (strncmp(rest, W[i].word, strlen(W[i].word)) != 0)
                continue;
            struct fy_node *at = W[i].which == 0   ? jc->trig_node
                                 : W[i].which == 1 ? jc->done_node
                                 : W[i].which == 2 ? jc->error_node
                                                   : jc->status_node;
            if (at && s7__yaml_line(at) > 0)
                return s7__yaml_err_line(y, s7__yaml_line(at), "job %s: %s", jc->j.name, rest);
        }
    }
    snprintf(y->err, y->cap, "%s", msg);
    return -1;
}

/* bsend, brcv, usend, urcv: an R_ID, one local area (SD_1 / RD_1, no partner area), a
 * trigger for the senders and none for the receivers. */
static int load_partner_job(yaml_cx *y, struct fy_node *e, s7_exchange *x, job_cx *jc,
                            const char *nm)
{
    s7_xjob_kind k = jc->j.kind;
    const char *kn = s7_xjob_kind_name(k);
    int sender = k == S7_XJOB_BSEND || k == S7_XJOB_USEND;
    static const char *const PEER[] = {"", "", "", "BRCV", "BSEND", "URCV", "USEND"};
    const char *peer = PEER[k];
    if (!jc->has_rid)
        return s7__yaml_err(
            y, e, "job %s: no r_id: give r_id: N, the R_ID the partner's %s uses too", nm, peer);
    if (jc->addr || jc->areas)
        return s7__yaml_err(
            y, jc->addr ? jc->addr : jc->areas,
            "job %s: a %s job has no partner area (addr:, areas:): the partner's %s "
            "with the same R_ID decides where the block lands; give local: only",
            nm, kn, sender ? peer : "job");
    if (!jc->local)
        return s7__yaml_err(y, e, "job %s: no local area: give local: (%s), e.g. local: %s", nm,
                            sender ? "what is sent, SD_1" : "where the block lands, RD_1",
                            sender ? "P#DB10.DBX0.0 BYTE 100" : "P#DB20.DBX0.0 BYTE 100");
    if (!fy_node_is_scalar(jc->local))
        return s7__yaml_err(y, jc->local,
                            "job %s: local: one area: a %s job moves one block (SD_1 / RD_1)", nm,
                            kn);
    if (area_addr(y, jc->local, "local", &jc->j.areas[0].local))
        return -1;
    jc->j.nareas = 1;
    if (sender && jc->ntrig == 0)
        return s7__yaml_err(
            y, e,
            "job %s: no trigger: give every: DURATION (e.g. every: 100ms) or req: BIT "
            "(rising edge of a local bit, e.g. req: M10.0)",
            nm);
    if (!sender && jc->ntrig)
        return s7__yaml_err(
            y, jc->trig_node,
            "job %s: a %s job takes what comes: no every: or req: (the partner's %s "
            "decides when)",
            nm, kn, peer);
    if (jc->ntrig > 1)
        return s7__yaml_err(y, e, "job %s: both every: and req: given: a job has one trigger", nm);
    if (jc->done_key && strcmp(jc->done_key, sender ? "done" : "ndr") != 0)
        return s7__yaml_err(y, jc->done_node, "job %s: a %s job has no %s output: use %s:", nm, kn,
                            jc->done_key, sender ? "done" : "ndr");
    if (jc->conn && jc->partner_keys)
        return s7__yaml_err(y, jc->conn,
                            "job %s: give either connection: (an entry of connections:) or the "
                            "partner's keys (host:, side: ...), not both",
                            nm);
    size_t nconns0 = x->nconns;
    char msg[800];
    if (partner_conn(y, e, x, jc, nm))
        return -1;
    if (s7_exchange_job(x, jc->j.name)) {
        x->nconns = nconns0;
        return s7__yaml_err(y, e,
                            "job %s: the name is already used at %s: give each job its own name",
                            nm, s7_exchange_job(x, jc->j.name)->where);
    }
    if (s7_xjob_validate(x, &jc->j, msg, sizeof msg)) {
        x->nconns = nconns0;
        return validate_err(y, jc, msg);
    }
    if (!s7_exchange_add_job(x, &jc->j))
        return s7__yaml_oom(y);
    return 0;
}

static int load_job(yaml_cx *y, struct fy_node *e, s7_exchange *x)
{
    job_cx jc;
    char msg[800];
    struct fy_node *an[S7_XJOB_AREAS], *ln[S7_XJOB_AREAS];
    int na = 0, nl = 0;
    size_t nconns0 = x->nconns;
    int line = s7__yaml_line(e) ? s7__yaml_line(e) : y->line0;

    memset(&jc, 0, sizeof jc);
    s7_xjob_init(&jc.j);
    jc.j.trigger = 0;
    s7_xconn_init(&jc.partner);
    snprintf(jc.j.where, sizeof jc.j.where, "%s:%d", y->file, line);
    snprintf(jc.partner.where, sizeof jc.partner.where, "%s:%d", y->file, line);

    if (fy_node_is_scalar(e)) { /* the one-line spelling */
        char s[1024];
        if (s7__yaml_scalar(y, e, "jobs", s, sizeof s))
            return -1;
        int pj = s7_exchange_partner_job_kind(s) >= 0;
        int rc = pj ? s7_exchange_parse_partner_job(x, s, jc.j.where, msg, sizeof msg)
                    : s7_exchange_parse_job(x, s, jc.j.where, msg, sizeof msg);
        if (rc == S7_ERR_NOMEM)
            return s7__yaml_oom(y);
        if (rc) {
            snprintf(y->err, y->cap, "%s", msg);
            return -1;
        }
        return 0;
    }
    if (!fy_node_is_mapping(e))
        return s7__yaml_err(
            y, e,
            "jobs: each job is a mapping (name:, kind:, connection:, addr:, local:, "
            "every:) or one line (\"get HOST ADDR every 100ms into LOCAL\")");
    if (s7__yaml_each_pair(y, e, "job", job_key, &jc))
        return -1;
    const char *nm = jc.j.name[0] ? jc.j.name : "(unnamed)";
    if (!jc.j.name[0])
        return s7__yaml_err(y, e, "job: no name: give each job a name, e.g. name: m1-status");
    if (!jc.have_kind)
        return s7__yaml_err(
            y, e,
            "job %s: no kind: give kind: get or put (GET/PUT), bsend, brcv, usend or "
            "urcv (partner jobs)",
            nm);
    if (jc.j.kind != S7_XJOB_GET && jc.j.kind != S7_XJOB_PUT)
        return load_partner_job(y, e, x, &jc, nm);
    if (jc.has_rid)
        return s7__yaml_err(
            y, e,
            "job %s: r_id: pairs partner jobs (bsend/brcv, usend/urcv); a %s job has "
            "none: drop it",
            nm, s7_xjob_kind_name(jc.j.kind));
    if (jc.ntrig == 0)
        return s7__yaml_err(
            y, e,
            "job %s: no trigger: give every: DURATION (e.g. every: 100ms) or req: BIT "
            "(rising edge of a local bit, e.g. req: M10.0)",
            nm);
    if (jc.ntrig > 1)
        return s7__yaml_err(y, e, "job %s: both every: and req: given: a job has one trigger", nm);
    if (jc.done_key && strcmp(jc.done_key, jc.j.kind == S7_XJOB_GET ? "ndr" : "done") != 0)
        return s7__yaml_err(y, jc.done_node, "job %s: a %s job has no %s output: use %s:", nm,
                            s7_xjob_kind_name(jc.j.kind), jc.done_key,
                            jc.j.kind == S7_XJOB_GET ? "ndr" : "done");
    /* the areas */
    if (jc.areas && (jc.addr || jc.local))
        return s7__yaml_err(y, e, "job %s: give either areas: or addr: with local:, not both", nm);
    if (jc.areas) {
        if (!fy_node_is_sequence(jc.areas))
            return s7__yaml_err(
                y, jc.areas, "job %s: areas: a list of {addr: PARTNER, local: LOCAL}, one to four",
                nm);
        void *it = NULL;
        struct fy_node *a;
        while ((a = fy_node_sequence_iterate(jc.areas, &it))) {
            area_cx ac = {NULL, NULL};
            if (na == S7_XJOB_AREAS)
                return s7__yaml_err(y, a,
                                    "job %s: more than four areas: GET and PUT move at most "
                                    "four (ADDR_1..ADDR_4); split the job",
                                    nm);
            if (!fy_node_is_mapping(a) || s7__yaml_each_pair(y, a, "areas", area_key, &ac))
                return fy_node_is_mapping(a)
                           ? -1
                           : s7__yaml_err(y, a,
                                          "job %s: each area is {addr: PARTNER, local: LOCAL}", nm);
            if (!ac.addr || !ac.local)
                return s7__yaml_err(y, a,
                                    "job %s: the area needs both addr: (partner) and local:", nm);
            an[na++] = ac.addr;
            ln[nl++] = ac.local;
        }
        if (na == 0)
            return s7__yaml_err(
                y, e, "job %s: areas: the list is empty: give one to four {addr:, local:}", nm);
    } else {
        if (!jc.addr)
            return s7__yaml_err(y, e,
                                "job %s: no partner area: give addr: (e.g. addr: "
                                "DB20.DBB0..DBB31) and local:",
                                nm);
        if (!jc.local)
            return s7__yaml_err(
                y, e, "job %s: no local area: give local: (%s), e.g. local: DB40.DBB0", nm,
                jc.j.kind == S7_XJOB_GET ? "where the data lands, RD" : "what is sent, SD");
        if ((na = addr_list(y, jc.addr, "addr", an)) < 0 ||
            (nl = addr_list(y, jc.local, "local", ln)) < 0)
            return -1;
        if (na != nl)
            return s7__yaml_err(y, jc.local,
                                "job %s: %d partner area%s but %d local area%s: one local area per "
                                "partner area",
                                nm, na, na == 1 ? "" : "s", nl, nl == 1 ? "" : "s");
    }
    for (int i = 0; i < na; i++) {
        s7_tag *r = &jc.j.areas[i].remote, *l = &jc.j.areas[i].local;
        if (area_addr(y, an[i], "addr", r) || area_addr(y, ln[i], "local", l))
            return -1;
        if (l->type == S7_T_BYTE && l->count <= 1 && !l->array &&
            !(r->type == S7_T_BOOL && r->count <= 1 && !r->array) && s7_tag_size(r) > 1) {
            l->count = s7_tag_size(r);
            l->array = 1;
        }
    }
    jc.j.nareas = (unsigned)na;
    /* the connection: named, or the inline partner */
    if (jc.conn && jc.partner_keys)
        return s7__yaml_err(y, jc.conn,
                            "job %s: give either connection: (an entry of connections:) or the "
                            "partner's host: with its keys, not both",
                            nm);
    if (jc.conn) {
        char s[100];
        long id;
        const s7_xconn *c;
        if (s7__yaml_scalar(y, jc.conn, "connection", s, sizeof s))
            return -1;
        c = s7_exchange_conn_by_name(x, s);
        if (!c && s7__parse_dec(s, 1, 4095, &id) == 0)
            c = s7_exchange_conn(x, (uint16_t)id);
        if (!c)
            return s7__yaml_err(
                y, jc.conn,
                "job %s: connection '%s' is not in connections: (give the id or name "
                "of an entry there)",
                nm, s);
        jc.j.conn_id = c->id;
    } else {
        if (!jc.has_partner)
            return s7__yaml_err(
                y, e,
                "job %s: no partner: give connection: (an entry of connections:) or "
                "host: PARTNER",
                nm);
        s7_xconn *c = s7_exchange_conn_for(x, &jc.partner);
        if (!c)
            return s7__yaml_oom(y);
        jc.j.conn_id = c->id;
    }
    if (s7_exchange_job(x, jc.j.name)) {
        x->nconns = nconns0;
        return s7__yaml_err(y, e,
                            "job %s: the name is already used at %s: give each job its own name",
                            nm, s7_exchange_job(x, jc.j.name)->where);
    }
    if (s7_xjob_validate(x, &jc.j, msg, sizeof msg)) {
        x->nconns = nconns0;
        return validate_err(y, &jc, msg);
    }
    if (!s7_exchange_add_job(x, &jc.j))
        return s7__yaml_oom(y);
    return 0;
}

/* A message about job entry e that does not name the job yet ("FILE:LINE: every: has no
 * value ...", found before the entry's name: was read) gets "job NAME: " after its place,
 * when the entry has a name.  Returns -1. */
static int name_job(yaml_cx *y, struct fy_node *e)
{
    struct fy_node *nn =
        fy_node_is_mapping(e) ? fy_node_mapping_lookup_by_string(e, "name", (size_t)-1) : NULL;
    const char *nm = nn && fy_node_is_scalar(nn) ? fy_node_get_scalar0(nn) : NULL;
    if (!nm || !*nm || !s7_xjob_name_ok(nm) || !y->err || !y->cap)
        return -1;
    /* the place: "FILE:LINE: " */
    size_t fl = strlen(y->file), at = 0;
    if (strncmp(y->err, y->file, fl) == 0 && y->err[fl] == ':') {
        size_t d = fl + 1;
        while (y->err[d] >= '0' && y->err[d] <= '9')
            d++;
        if (d > fl + 1 && y->err[d] == ':' && y->err[d + 1] == ' ')
            at = d + 2;
    }
    if (!at || strncmp(y->err + at, "job ", 4) == 0)
        return -1;
    char rest[1024];
    snprintf(rest, sizeof rest, "%s", y->err + at);
    snprintf(y->err + at, y->cap - at, "job %s: %s", nm, rest);
    return -1;
}

int s7__yaml_xjobs(yaml_cx *y, struct fy_node *v, s7_exchange *x)
{
    if (s7__yaml_is_null(v))
        return 0;
    if (!fy_node_is_sequence(v))
        return s7__yaml_err(y, v,
                            "jobs: expected a list of jobs (lines starting with '- name: N')");
    void *it = NULL;
    struct fy_node *e;
    int saved = y->line0, n = 0;
    while ((e = fy_node_sequence_iterate(v, &it))) {
        int line = s7__yaml_line(e);
        n++;
        y->line0 = line ? line : saved;
        if (!y->line0) /* an empty entry: no line to name, its place instead */
            return s7__yaml_err_line(
                y, 0,
                "jobs: entry %d is empty: give a job (name:, kind:, connection:, "
                "addr:, local:, every:) or one line (\"get HOST ADDR every 100ms "
                "into LOCAL\")",
                n);
        if (load_job(y, e, x))
            return name_job(y, e);
    }
    y->line0 = saved;
    return 0;
}

/* ---------------------------------------------------------------- the file */

int s7_config_load_exchange(const char *path, s7_exchange *x, char *err, size_t errcap)
{
    yaml_cx y = {.file = path, .err = err, .cap = errcap, .msg_cap = 600, .str_cap = 1024};
    struct fy_node *root = s7__yaml_open(&y, "the config file", "connections: and jobs:");
    if (!root)
        return S7_ERR_INVAL;
    int rc = 0;
    if (!fy_node_is_mapping(root)) {
        rc =
            s7__yaml_err(&y, root, "the top level must be a mapping of keys (connections:, jobs:)");
    } else {
        struct fy_node *c =
            fy_node_mapping_lookup_value_by_simple_key(root, "connections", (size_t)-1);
        struct fy_node *j = fy_node_mapping_lookup_value_by_simple_key(root, "jobs", (size_t)-1);
        struct fy_node *sc = fy_node_mapping_lookup_value_by_simple_key(root, "scan", (size_t)-1);
        if (sc && !s7__yaml_is_null(sc)) {
            char s[64], msg[300];
            if (s7__yaml_scalar(&y, sc, "scan", s, sizeof s))
                rc = -1;
            else if (s7_duration_parse(s, 1, 1, 10000L, &x->scan_ms, msg, sizeof msg))
                rc = s7__yaml_err(&y, sc,
                                  "scan: %s (the CPU's scan time its jobs are called at, e.g. "
                                  "10ms; a bare number is milliseconds)",
                                  msg);
        }
        if (!rc && c)
            rc = s7__yaml_xconns(&y, c, x);
        if (!rc && j)
            rc = s7__yaml_xjobs(&y, j, x);
        /* the table as a whole: the connections jobs added inline (their hosts) */
        if (!rc && s7_exchange_validate(x, err, errcap))
            rc = -1;
    }
    s7__yaml_close(&y);
    return rc ? S7_ERR_INVAL : 0;
}
