/* s7config: the file of `s7 exchange FILE` (include/s7/config.h s7_config_load_bridge;
 * docs/exchange.md).  The CPUs are listed as the inventory lists partners (name, address or
 * host, port, profile, rack, slot, tsap, type; cell, kind, roles and description are taken
 * as labels so a partner list can be copied from an inventory), plus the PDU to request.
 * Each job is one job of the one job model, in its one-line spelling (exchange.h
 * s7_exchange_parse_job; PARTNER is a partner's name) or its YAML spelling (the mapping of
 * docs/exchange.md, read by the loader the server file uses; connection: is a partner's
 * name), and names the CPU that holds its local side:
 *
 *   jobs:
 *     - name: m1-status
 *       local_cpu: plc-line
 *       job: get line-m1 DB20.DBB0..DBB31 every 100ms into DB40.DBB0
 *       on_change: true
 *     - local_cpu: plc-line
 *       job: {name: m2-status, kind: get, connection: line-m2, addr: DB20.DBW0,
 *             local: DB40.DBW32, every: 100ms}
 *
 * Unknown keys are errors; every message starts with FILE:LINE. */
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/exchange_yaml.h"
#include "config/partner_yaml.h"
#include "config/yaml.h"
#include "s7/config.h"
#include "s7/cpu.h"
#include "s7/exchange.h"
#include "s7/exchange_bridge.h"
#include "s7/exchange_partner.h"
#include "s7/plant.h"

typedef struct top_cx {
    struct fy_node *partners, *jobs;
    int partners_line, jobs_line; /* their keys' lines (an empty [] has none of its own) */
    s7_bridge_config *c;
} top_cx;

static int on_top(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    top_cx *t = ctx;
    if (strcmp(k, "partners") == 0) {
        t->partners = v;
        t->partners_line = s7__yaml_line(kn);
    } else if (strcmp(k, "jobs") == 0) {
        t->jobs = v;
        t->jobs_line = s7__yaml_line(kn);
    } else if (strcmp(k, "bridge") == 0 || strcmp(k, "description") == 0) {
        if (strcmp(k, "bridge") == 0)
            return s7__yaml_get_str(y, v, k, &t->c->title);
    } else if (strcmp(k, "version") == 0) {
        long n;
        return s7__yaml_get_long(y, v, k, 1, 1, "version: 1", &n);
    } else
        return s7__yaml_err(y, kn,
                            "unknown top-level key '%s' (keys: version, bridge, description, "
                            "partners, jobs)",
                            k);
    return 0;
}

/* ---------------------------------------------------------------- partners */

typedef struct partner_cx {
    s7_bridge_partner_cfg *p;
    char where[64];
    int rack, slot, have_tsap;
    int prof_rack, prof_slot, prof_logo;
    const char *addr_key; /* "address" or "host", once given */
} partner_cx;

static int on_partner_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v,
                          void *ctx)
{
    partner_cx *x = ctx;
    s7_bridge_partner_cfg *p = x->p;
    char key[128], s[256];
    long n;
    snprintf(key, sizeof key, "%s.%s", x->where, k);
    if (strcmp(k, "name") == 0) {
        if (s7__yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        if (!s7_plant_name_ok(s) || strlen(s) >= sizeof p->name)
            return s7__yaml_err(
                y, v,
                "%s: '%s' is no valid name: letters, digits, '_', '-' and '.', up to "
                "63 characters",
                key, s);
        memcpy(p->name, s, strlen(s) + 1); /* fits: checked above */
        return 0;
    }
    if (strcmp(k, "address") == 0 || strcmp(k, "host") == 0) {
        if (s7__yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        if (x->addr_key)
            return s7__yaml_err(
                y, kn,
                "%s: both address: and host: are given: keep one (address: a numeric "
                "address, host: an address or a name)",
                x->where);
        s7_plant_addr a;
        int numeric = s7_plant_parse_addr(s, &a) == 0;
        if (strcmp(k, "address") == 0 && !numeric)
            return s7__yaml_err(y, v,
                                "%s: '%s' is no IPv4 or IPv6 address (e.g. 10.10.1.10 or "
                                "fd00:10::5); a host name goes under host:",
                                key, s);
        if (!numeric && !s7_plant_host_name_ok(s))
            return s7__yaml_err(y, v,
                                "%s: '%s' is no valid address or host name (e.g. 10.10.1.10 or "
                                "plc-line.example)",
                                key, s);
        x->addr_key = strcmp(k, "address") == 0 ? "address" : "host";
        snprintf(p->host, sizeof p->host, "%s", s);
        return 0;
    }
    if (strcmp(k, "port") == 0) {
        if (s7__yaml_get_long(y, v, key, 1, 65535, "port: 102", &n))
            return -1;
        p->port = (uint16_t)n;
        return 0;
    }
    if (strcmp(k, "profile") == 0) {
        const s7_profile *prof;
        if (s7__yaml_partner_profile(y, v, key, s, sizeof s, &prof))
            return -1;
        x->prof_rack = prof->rack;
        x->prof_slot = prof->slot;
        x->prof_logo = prof->tsap_mode == S7_TSAP_LOGO;
        return 0;
    }
    if (strcmp(k, "rack") == 0)
        return s7__yaml_partner_rack(y, v, key, &x->rack);
    if (strcmp(k, "slot") == 0)
        return s7__yaml_partner_slot(y, v, key, &x->slot);
    if (strcmp(k, "pdu") == 0) {
        if (s7__yaml_get_long(y, v, key, 240, 960, "pdu: 480", &n))
            return -1;
        p->co.pdu_request = (uint16_t)n;
        p->pdu_given = 1;
        return 0;
    }
    if (strcmp(k, "tsap") == 0) {
        if (s7__yaml_partner_tsap(y, v, key, &p->co.local_tsap, &p->co.remote_tsap))
            return -1;
        x->have_tsap = 1;
        return 0;
    }
    if (strcmp(k, "type") == 0) {
        int t;
        if (s7__yaml_partner_type(y, v, key, &t))
            return -1;
        p->co.type = (s7_conn_type)t;
        return 0;
    }
    if (strcmp(k, "cell") == 0 || strcmp(k, "kind") == 0 || strcmp(k, "roles") == 0 ||
        strcmp(k, "description") == 0)
        return 0; /* labels of the inventory's partner entries */
    return s7__yaml_err(
        y, kn,
        "%s: unknown key '%s' (keys: name, address, host, port, profile, rack, slot, "
        "tsap, type, pdu; cell, kind, roles and description are labels)",
        x->where, k);
}

static int load_partners(yaml_cx *y, struct fy_node *v, s7_bridge_config *c)
{
    if (s7__yaml_is_null(v) || !fy_node_is_sequence(v))
        return s7__yaml_err(y, v, "partners: expected a list (lines starting with '- name: ...')");
    int n = fy_node_sequence_item_count(v);
    if (n <= 0)
        return s7__yaml_err(y, v,
                            "partners: the list is empty: list the CPUs the jobs connect (- {name: "
                            "line-m1, address: 10.200.2.10})");
    c->partners = calloc((size_t)n, sizeof *c->partners);
    if (!c->partners)
        return s7__yaml_oom(y);
    void *it = NULL;
    struct fy_node *e;
    int i = 0;
    while ((e = fy_node_sequence_iterate(v, &it))) {
        s7_bridge_partner_cfg *p = &c->partners[c->npartners];
        partner_cx x;
        memset(&x, 0, sizeof x);
        x.p = p;
        x.rack = x.slot = x.prof_rack = x.prof_slot = -1;
        s7_client_opts_init(&p->co);
        snprintf(x.where, sizeof x.where, "partners[%d]", i++);
        snprintf(p->where, sizeof p->where, "%s:%d", y->file, s7__yaml_line(e));
        if (!fy_node_is_mapping(e))
            return s7__yaml_err(y, e, "%s: expected a mapping with name and address", x.where);
        if (s7__yaml_each_pair(y, e, x.where, on_partner_key, &x))
            return -1;
        if (!p->name[0])
            return s7__yaml_err(y, e, "%s: no name: give each partner a name (name: plc-line)",
                                x.where);
        if (!p->host[0])
            return s7__yaml_err(y, e, "partner %s: no address: give address: 10.10.1.10 (or host:)",
                                p->name);
        for (size_t k = 0; k < c->npartners; k++)
            if (strcmp(c->partners[k].name, p->name) == 0)
                return s7__yaml_err(y, e,
                                    "partner %s: the name is used twice (first at %s): give each "
                                    "partner its own name",
                                    p->name, c->partners[k].where);
        if (x.prof_logo && x.rack < 0 && x.slot < 0 && !x.have_tsap) {
            p->co.local_tsap = 0x0100;
            p->co.remote_tsap = 0x0200;
        }
        p->co.rack = (uint8_t)(x.rack >= 0 ? x.rack : x.prof_rack >= 0 ? x.prof_rack : 0);
        p->co.slot = (uint8_t)(x.slot >= 0 ? x.slot : x.prof_slot >= 0 ? x.prof_slot : 1);
        c->npartners++;
    }
    return 0;
}

/* ---------------------------------------------------------------- jobs */

typedef struct job_cx {
    struct fy_node *job, *local;
    char name[S7_XNAME_MAX];
    int on_change;
    char where[64];
} job_cx;

static int on_job_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    job_cx *x = ctx;
    char key[128], s[32];
    snprintf(key, sizeof key, "%s.%s", x->where, k);
    if (strcmp(k, "job") == 0)
        x->job = v;
    else if (strcmp(k, "local_cpu") == 0)
        x->local = v;
    else if (strcmp(k, "name") == 0) {
        char nm[256];
        if (s7__yaml_scalar(y, v, key, nm, sizeof nm))
            return -1;
        if (!s7_xjob_name_ok(nm))
            return s7__yaml_err(y, v,
                                "%s: '%s' is no job name: use 1..63 letters, digits and - _ . # "
                                "(e.g. line-m1-status)",
                                key, nm);
        memcpy(x->name, nm, strlen(nm) + 1); /* fits: s7_xjob_name_ok checked the length */
    } else if (strcmp(k, "on_change") == 0) {
        if (s7__yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        if (s7__yaml_ieq(s, "true") || s7__yaml_ieq(s, "yes"))
            x->on_change = 1;
        else if (s7__yaml_ieq(s, "false") || s7__yaml_ieq(s, "no"))
            x->on_change = 0;
        else
            return s7__yaml_err(y, v, "%s: '%s' is not a yes/no value: use true or false", key, s);
    } else if (strcmp(k, "description") != 0)
        return s7__yaml_err(y, kn,
                            "%s: unknown key '%s' (keys: name, local_cpu, job, on_change, "
                            "description)",
                            x->where, k);
    return 0;
}

static int find_partner(const s7_bridge_config *c, const char *name)
{
    for (size_t i = 0; i < c->npartners; i++)
        if (strcmp(c->partners[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* "FILE:LINE: JOB WHAT: 'NAME' is no partner of this file (partners: ...)" at node at; job
 * is "jobs[N]: job NAME: ".  Returns -1. */
static int no_partner(yaml_cx *y, struct fy_node *at, const s7_bridge_config *c, const char *job,
                      const char *what, const char *name)
{
    char list[512];
    size_t l = 0;
    list[0] = 0;
    for (size_t i = 0; i < c->npartners && l < sizeof list; i++)
        l +=
            (size_t)snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", c->partners[i].name);
    return s7__yaml_err(y, at,
                        "%s%s: '%s' is no partner of this file (partners: %s): name one of them",
                        job, what, name, list);
}

static int load_jobs(yaml_cx *y, struct fy_node *v, s7_bridge_config *c)
{
    if (s7__yaml_is_null(v) || !fy_node_is_sequence(v))
        return s7__yaml_err(y, v, "jobs: expected a list (lines starting with '- local_cpu: ...')");
    int n = fy_node_sequence_item_count(v);
    if (n <= 0)
        return s7__yaml_err(
            y, v,
            "jobs: the list is empty: give at least one job (- local_cpu: plc-line, "
            "job: get line-m1 DB20.DBB0..DBB31 every 100ms into DB40.DBB0)");
    size_t cap = (size_t)n;
    c->x = calloc(1, sizeof *c->x);
    c->remote = calloc(cap, sizeof *c->remote);
    c->local = calloc(cap, sizeof *c->local);
    c->on_change = calloc(cap, sizeof *c->on_change);
    if (!c->x || !c->remote || !c->local || !c->on_change)
        return s7__yaml_oom(y);
    s7_exchange_init(c->x);
    /* every partner is a connection of the model, by its name (a job's connection:) */
    for (size_t i = 0; i < c->npartners; i++) {
        const s7_bridge_partner_cfg *p = &c->partners[i];
        s7_xconn xc;
        s7_xconn_init(&xc);
        snprintf(xc.name, sizeof xc.name, "%s", p->name);
        snprintf(xc.host, sizeof xc.host, "%s", p->host);
        xc.port = p->port;
        xc.rack = p->co.rack;
        xc.slot = p->co.slot;
        xc.type = p->co.type;
        xc.local_tsap = p->co.remote_tsap ? p->co.local_tsap : 0x0100;
        xc.remote_tsap = p->co.remote_tsap;
        if (p->pdu_given)
            xc.pdu = p->co.pdu_request;
        snprintf(xc.where, sizeof xc.where, "%s", p->where);
        if (!s7_exchange_add_conn(c->x, &xc))
            return s7__yaml_oom(y);
    }
    void *it = NULL;
    struct fy_node *e;
    int i = 0;
    while ((e = fy_node_sequence_iterate(v, &it))) {
        job_cx x;
        char line[1024], lname[64], where[200], msg[700];
        memset(&x, 0, sizeof x);
        snprintf(x.where, sizeof x.where, "jobs[%d]", i++);
        if (!fy_node_is_mapping(e))
            return s7__yaml_err(y, e, "%s: expected a mapping with local: and job:", x.where);
        y->line0 = s7__yaml_line(e); /* for what in the entry has no line of its own */
        if (s7__yaml_each_pair(y, e, x.where, on_job_key, &x))
            return -1;
        if (!x.job || s7__yaml_is_null(x.job))
            return s7__yaml_err(
                y, x.job ? x.job : e,
                "%s: no job: give the job in its one-line form, e.g. job: get line-m1 "
                "DB20.DBB0..DBB31 every 100ms into DB40.DBB0",
                x.where);
        if (!x.local)
            return s7__yaml_err(y, e,
                                "%s: no local_cpu: name the CPU that holds the job's local areas, "
                                "e.g. local_cpu: plc-line",
                                x.where);
        if (s7__yaml_scalar(y, x.local, "local_cpu", lname, sizeof lname))
            return -1;
        int local = find_partner(c, lname); /* not one: said below, with the job's name */
        size_t before = c->x->njobs;
        /* the entry's name: checked first, and given to the job before its own checks so
         * that what they find names it (it said job1) */
        char own[64] = ""; /* a name in job: itself */
        if (fy_node_is_mapping(x.job)) {
            struct fy_node *nn = fy_node_mapping_lookup_by_string(x.job, "name", (size_t)-1);
            const char *nv = nn ? fy_node_get_scalar0(nn) : NULL;
            if (nn)
                snprintf(own, sizeof own, "%s", nv && *nv ? nv : "?");
        } else {
            if (s7__yaml_scalar(y, x.job, "job", line, sizeof line))
                return -1;
            const char *o = strstr(line, "--name");
            if (o) {
                o += 6;
                o += strspn(o, " \t");
                snprintf(own, sizeof own, "%.*s", (int)strcspn(o, " \t"), o);
                if (!own[0])
                    snprintf(own, sizeof own, "?");
            }
        }
        if (x.name[0] && own[0])
            return s7__yaml_err(y, e,
                                "%s: the job has two names ('%s' here and '%s' in job:): keep one",
                                x.where, x.name, own);
        if (x.name[0] && s7_exchange_job(c->x, x.name))
            return s7__yaml_err(y, e,
                                "%s: the job name '%s' is used twice (first at %s): give each "
                                "job its own name",
                                x.where, x.name, s7_exchange_job(c->x, x.name)->where);
        if (x.name[0] && !fy_node_is_mapping(x.job)) {
            size_t l = strlen(line);
            if (l + strlen(x.name) + 9 >= sizeof line)
                return s7__yaml_err(y, x.job, "%s: the job line is too long", x.where);
            snprintf(line + l, sizeof line - l, " --name %s", x.name);
        }
        if (fy_node_is_mapping(x.job)) {
            /* the YAML spelling: the loader of the server file's jobs: reads it */
            struct fy_node *seq = fy_node_create_sequence(y->doc);
            struct fy_node *cp = seq ? fy_node_copy(y->doc, x.job) : NULL;
            if (!cp || fy_node_sequence_append(seq, cp)) {
                fy_node_free(cp);
                fy_node_free(seq);
                return s7__yaml_oom(y);
            }
            int rc = s7__yaml_xjobs(y, seq, c->x);
            fy_node_free(seq); /* not in the document: ours to free, with the copy in it */
            if (rc)
                return -1;
        } else {
            snprintf(where, sizeof where, "%s:%d", y->file,
                     s7__yaml_line(x.job) ? s7__yaml_line(x.job) : y->line0);
            /* a partner job's one-line form gets the same hint as its YAML form below
             * (the GET/PUT parser would only say that it is no job kind) */
            int pk = s7_exchange_partner_job_kind(line);
            if (pk >= 0)
                return s7__yaml_err(
                    y, x.job,
                    "%s: a %s job is a CPU's partner job (BSEND/BRCV, USEND/URCV): s7 "
                    "exchange moves data with GET and PUT; give it to the CPU that "
                    "runs it (s7 server --config FILE, jobs:, or --job), or write it "
                    "as get or put here",
                    x.where, s7_xjob_kind_name((s7_xjob_kind)pk));
            if (s7_exchange_parse_job(c->x, line, where, msg, sizeof msg)) {
                /* it starts with FILE:LINE already; what the one-line parser finds before
                 * the job has its name (an unknown option, an address) is said without
                 * the job: name it as every other error of the file does */
                size_t wl = strlen(where);
                const char *rest = msg + wl + 2;
                if (strncmp(msg, where, wl) == 0 && strncmp(msg + wl, ": ", 2) == 0 &&
                    strncmp(rest, "job ", 4) != 0) {
                    char jn[S7_XNAME_MAX + 16];
                    if (x.name[0])
                        snprintf(jn, sizeof jn, "%s", x.name);
                    else if (own[0])
                        snprintf(jn, sizeof jn, "%s", own);
                    else /* the name the job would have got: job1, job2 ... by its place */
                        for (size_t k = before + 1;; k++) {
                            snprintf(jn, sizeof jn, "job%zu", k);
                            if (!s7_exchange_job(c->x, jn))
                                break;
                        }
                    snprintf(y->err, y->cap, "%s: %s: job %s: %s", where, x.where, jn, rest);
                } else {
                    snprintf(y->err, y->cap, "%s", msg);
                }
                return -1;
            }
        }
        if (c->x->njobs != before + 1)
            return s7__yaml_err(y, x.job, "job: one job per entry");
        s7_xjob *j = &c->x->jobs[before];
        char jw[200];
        snprintf(jw, sizeof jw, "%s: job %s: ", x.where, j->name);
        if (local < 0)
            return no_partner(y, x.local, c, jw, "local_cpu", lname);
        if (j->kind != S7_XJOB_GET && j->kind != S7_XJOB_PUT)
            return s7__yaml_err(
                y, x.job,
                "%s: job %s: a %s job is a CPU's partner job (BSEND/BRCV, "
                "USEND/URCV): s7 exchange moves data with GET and PUT; give it to the "
                "CPU that runs it (s7 server --config FILE, jobs:), or use kind: get "
                "or put here",
                x.where, j->name, s7_xjob_kind_name(j->kind));
        const s7_xconn *conn = s7_exchange_conn(c->x, j->conn_id);
        int remote = conn ? find_partner(c, conn->name) : -1;
        if (remote < 0 && conn)
            remote = find_partner(c, conn->host);
        if (remote < 0)
            return no_partner(y, x.job, c, jw, "the partner", conn ? conn->host : "?");
        /* the local CPU takes the areas in one request too (a GET's RD written in one Write
         * Var, a PUT's SD read in one Read Var): checked against its pdu: as the partner's */
        const s7_bridge_partner_cfg *lp = &c->partners[local];
        uint32_t lneed = s7_xjob_local_need(j),
                 lpdu = lp->pdu_given ? lp->co.pdu_request : S7_XPDU_DEFAULT;
        if (lneed > lpdu) {
            s7_xjob_kind mk = j->kind == S7_XJOB_GET ? S7_XJOB_PUT : S7_XJOB_GET;
            return s7__yaml_err(
                y, x.job,
                "%s: job %s: a %s %s its %u area%s %s %s (local_cpu) in one %s "
                "request of %u bytes, more than %s's PDU of %u bytes (at most %u "
                "bytes of data): make the areas smaller, split the job, or give %s "
                "the pdu: it negotiates (480 or 960) at %s",
                x.where, j->name, j->kind == S7_XJOB_GET ? "GET" : "PUT",
                j->kind == S7_XJOB_GET ? "writes" : "reads", j->nareas, j->nareas == 1 ? "" : "s",
                j->kind == S7_XJOB_GET ? "into" : "from", lp->name,
                j->kind == S7_XJOB_GET ? "Write Var" : "Read Var", lneed, lp->name, lpdu,
                s7_xjob_payload_limit(mk, j->nareas, (uint16_t)lpdu), lp->name, lp->where);
        }
        c->remote[before] = remote;
        c->local[before] = local;
        c->on_change[before] = x.on_change;
    }
    y->line0 = 0;
    return 0;
}

int s7_config_load_bridge(const char *path, s7_bridge_config *out, char *err, size_t errcap)
{
    memset(out, 0, sizeof *out);
    yaml_cx y = {.file = path,
                 .err = err,
                 .cap = errcap,
                 .user = out,
                 .msg_cap = 700,
                 .str_cap = 1024,
                 .nul_ok = 0,
                 .num = NULL};
    struct fy_node *root = s7__yaml_open(&y, "the exchange file", "partners: and jobs:");
    int rc = root ? 0 : -1;
    if (root) {
        top_cx t;
        memset(&t, 0, sizeof t);
        t.c = out;
        if (!fy_node_is_mapping(root))
            rc = s7__yaml_err(&y, root,
                              "the top level must be a mapping (bridge:, partners:, jobs:)");
        else
            rc = s7__yaml_each_pair(&y, root, "exchange file", on_top, &t);
        if (rc == 0 && !t.partners)
            rc = s7__yaml_err_line(&y, 1,
                                   "no partners: list the CPUs (partners: - name: ... "
                                   "address: ...)");
        if (rc == 0 && !t.jobs)
            rc = s7__yaml_err_line(&y, 1,
                                   "no jobs: list the jobs (jobs: - local_cpu: ... job: ...)");
        y.line0 = t.partners_line;
        if (rc == 0)
            rc = load_partners(&y, t.partners, out);
        y.line0 = t.jobs_line;
        if (rc == 0)
            rc = load_jobs(&y, t.jobs, out);
        s7__yaml_close(&y);
    }
    if (rc) {
        s7_bridge_config_free(out);
        return S7_ERR_INVAL;
    }
    return 0;
}
