/* s7config: the guard's rules file (config.h s7_config_load_guard_rules; docs/guard.md).
 * The same model as an inventory's view of one CPU, in a file of its own:
 *
 *   shared_upstreams: 2          # upstream connections per connection type (shared partners)
 *   partners:
 *     - name: scada1
 *       address: 10.0.0.5        # or "any"
 *       type: op                 # pg | op | basic (optional: any)
 *       tsap: "0100:0301"        # optional: any
 *       read: [DB10.DBB0..63, MB0..MB15]
 *       write: [DB11.DBB0..7]
 *       services: [szl-identity, clock-read]   # replaces the defaults
 *       max_conn: 4              # optional
 *       rate: 200                # requests per second (optional)
 *       upstream: shared         # or dedicated (default)
 *
 * Unknown keys are errors naming FILE:LINE and the keys that are known. */
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/range_yaml.h"
#include "config/yaml.h"
#include "s7/config.h"
#include "s7/plant.h"
#include "s7/plant_policy.h"
#include "s7/wire.h"

typedef struct pcx {
    s7_policy *pol;
    size_t idx; /* the partner being read */
    int have_name;
} pcx;

static s7_policy_partner *cur(pcx *x) { return &x->pol->partners[x->idx]; }

/* The file's name without its directories (rules name it with their line). */
static const char *base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int get_ranges(yaml_cx *y, struct fy_node *v, const char *key, pcx *x, unsigned access)
{
    if (!fy_node_is_sequence(v))
        return s7__yaml_err(
            y, v, "%s: expected a list of ranges, e.g. %s: [DB10.DBB0..63, MB0..MB15]", key, key);
    void *it = NULL;
    struct fy_node *e;
    while ((e = fy_node_sequence_iterate(v, &it))) {
        char s[128];
        s7_plant_range r;
        if (s7__yaml_range(y, e, key, &r))
            return -1;
        /* the rule names the range as written; a mapping ({db: 10, ...}) by its text form */
        if (fy_node_is_scalar(e)) {
            if (s7__yaml_scalar(y, e, key, s, sizeof s))
                return -1;
        } else {
            s7_plant_range_text(&r, s, sizeof s);
        }
        s7_policy_range *pr = s7_policy_add_range(cur(x), r.area, r.db, r.offset, r.length, access);
        if (!pr)
            return s7__yaml_oom(y);
        pr->line = s7__yaml_line(e);
        snprintf(pr->rule, sizeof pr->rule, "%.30s:%d %.20s %s %.24s", base(y->file), pr->line,
                 cur(x)->name[0] ? cur(x)->name : "?", access == S7_POL_WRITE ? "write" : "read",
                 s);
    }
    return 0;
}

static int on_partner_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v,
                          void *ctx)
{
    (void)kn;
    pcx *x = ctx;
    s7_policy_partner *pt = cur(x);
    char s[128];
    if (strcmp(k, "name") == 0) {
        if (s7__yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (!s7_plant_name_ok(s))
            return s7__yaml_err(
                y, v,
                "name: '%s' is not a usable name: 1..40 letters, digits, '_', '-' or "
                "'.', starting with a letter, e.g. scada1",
                s);
        snprintf(pt->name, sizeof pt->name, "%.40s", s);
        x->have_name = 1;
        return 0;
    }
    if (strcmp(k, "address") == 0) {
        if (s7__yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (strcmp(s, "any") == 0) {
            pt->any_addr = 1;
            return 0;
        }
        if (s7_plant_parse_addr(s, &pt->addr))
            return s7__yaml_err(y, v,
                                "address: '%s' is not an IPv4 or IPv6 address: give the partner's "
                                "address, e.g. 10.0.0.5, or any",
                                s);
        pt->any_addr = 0;
        return 0;
    }
    if (strcmp(k, "type") == 0) {
        if (s7__yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (s7_plant_parse_type(s, &pt->type))
            return s7__yaml_err(y, v, "type: '%s' is not a connection type: pg, op or basic", s);
        return 0;
    }
    if (strcmp(k, "tsap") == 0) {
        if (s7__yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (s7_plant_parse_tsap(s, &pt->local_tsap, &pt->remote_tsap))
            return s7__yaml_err(y, v,
                                "tsap: '%s' must be LOCAL:REMOTE in hex, quoted, e.g. "
                                "tsap: \"0100:0301\"",
                                s);
        return 0;
    }
    if (strcmp(k, "read") == 0)
        return get_ranges(y, v, k, x, S7_POL_READ);
    if (strcmp(k, "write") == 0)
        return get_ranges(y, v, k, x, S7_POL_WRITE);
    if (strcmp(k, "services") == 0) {
        if (!fy_node_is_sequence(v))
            return s7__yaml_err(y, v,
                                "services: expected a list, e.g. services: [szl-identity, "
                                "clock-read]");
        pt->services = 0;
        void *it = NULL;
        struct fy_node *e;
        while ((e = fy_node_sequence_iterate(v, &it))) {
            if (s7__yaml_scalar(y, e, k, s, sizeof s))
                return -1;
            unsigned b = s7_policy_service_parse(s);
            if (!b)
                return s7__yaml_err(y, e, "services: '%s' is not a service; the services: %s", s,
                                    s7_policy_service_names());
            pt->services |= b;
        }
        return 0;
    }
    if (strcmp(k, "max_conn") == 0) {
        long n;
        if (s7__yaml_get_long(y, v, k, 0, 65535, "max_conn: 4", &n))
            return -1;
        /* 0 is the policy's "no limit": written here it would let every connection through */
        if (n == 0)
            return s7__yaml_err(y, v,
                                "max_conn: 0 would not refuse the partner's connections (0 is no "
                                "limit): give 1..65535 connections at once, leave max_conn out for "
                                "no limit, or leave the partner out of partners to refuse it");
        pt->max_conn = (unsigned)n;
        return 0;
    }
    if (strcmp(k, "rate") == 0) {
        long n;
        if (s7__yaml_get_long(y, v, k, 0, 1000000, "rate: 200 (requests per second)", &n))
            return -1;
        if (n == 0)
            return s7__yaml_err(
                y, v,
                "rate: 0 would not hold back the partner's requests (0 is no "
                "limit): give 1..1000000 requests per second, or leave rate out for "
                "no limit");
        pt->rate = (unsigned)n;
        return 0;
    }
    if (strcmp(k, "upstream") == 0) {
        if (s7__yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (strcmp(s, "shared") == 0)
            pt->shared = 1;
        else if (strcmp(s, "dedicated") == 0)
            pt->shared = 0;
        else
            return s7__yaml_err(y, v, "upstream: '%s' must be shared or dedicated", s);
        return 0;
    }
    return s7__yaml_err(y, kn ? kn : v,
                        "unknown key '%s' in a partner: the keys are name, address, type, tsap, "
                        "read, write, services, max_conn, rate, upstream",
                        k);
}

static int load_partners(yaml_cx *y, struct fy_node *v, s7_policy *pol)
{
    if (!fy_node_is_sequence(v))
        return s7__yaml_err(y, v,
                            "partners: expected a list of partners (- name: ... address: ...)");
    void *it = NULL;
    struct fy_node *e;
    while ((e = fy_node_sequence_iterate(v, &it))) {
        s7_policy_partner *pt = s7_policy_add_partner(pol, "");
        if (!pt)
            return s7__yaml_oom(y);
        pt->line = s7__yaml_line(e);
        pcx x = {pol, pol->npartners - 1, 0};
        /* the name first, so the rules of its ranges carry it */
        struct fy_node *nm =
            fy_node_is_mapping(e) ? fy_node_mapping_lookup_by_string(e, "name", 4) : NULL;
        if (nm && on_partner_key(y, "name", NULL, nm, &x))
            return -1;
        if (s7__yaml_each_pair(y, e, "partner", on_partner_key, &x))
            return -1;
        if (!x.have_name)
            return s7__yaml_err_line(y, pt->line,
                                     "a partner without name: give each one a name, "
                                     "e.g. name: scada1");
        for (size_t i = 0; i + 1 < pol->npartners; i++)
            if (strcmp(pol->partners[i].name, pt->name) == 0)
                return s7__yaml_err_line(y, pt->line,
                                         "partner %s is listed twice (first at line %d)", pt->name,
                                         pol->partners[i].line);
        snprintf(pt->rule, sizeof pt->rule, "%.40s:%d partner %.40s", base(y->file), pt->line,
                 pt->name);
    }
    return 0;
}

typedef struct tcx {
    s7_policy *pol;
    struct fy_node *partners;
} tcx;

static int on_top(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    tcx *t = ctx;
    if (strcmp(k, "partners") == 0) {
        t->partners = v;
        return 0;
    }
    if (strcmp(k, "shared_upstreams") == 0) {
        long n;
        if (s7__yaml_get_long(y, v, k, 1, 64, "shared_upstreams: 2", &n))
            return -1;
        t->pol->shared_upstreams = (unsigned)n;
        return 0;
    }
    return s7__yaml_err(y, kn ? kn : v,
                        "unknown key '%s': the keys are partners and shared_upstreams", k);
}

int s7_config_load_guard_rules(const char *path, s7_policy **out, char *err, size_t errcap)
{
    *out = NULL;
    s7_policy *pol = s7_policy_new();
    if (!pol) {
        snprintf(err, errcap, "out of memory");
        return S7_ERR_NOMEM;
    }
    snprintf(pol->source, sizeof pol->source, "rules %s", path);
    yaml_cx y = {.file = path,
                 .err = err,
                 .cap = errcap,
                 .user = pol,
                 .msg_cap = 700,
                 .str_cap = 256,
                 .nul_ok = 0,
                 .num = NULL};
    struct fy_node *root = s7__yaml_open(&y, "the guard rules", "partners:");
    int rc = root ? 0 : -1;
    if (root) {
        tcx t = {pol, NULL};
        if (!fy_node_is_mapping(root))
            rc = s7__yaml_err(&y, root,
                              "the top level must be a mapping (partners:, shared_upstreams:)");
        else
            rc = s7__yaml_each_pair(&y, root, "rules", on_top, &t);
        if (rc == 0 && !t.partners)
            rc = s7__yaml_err_line(&y, 1,
                                   "no partners: list the partners the guard lets through "
                                   "(partners: - name: ... address: ... read: [...])");
        if (rc == 0)
            rc = load_partners(&y, t.partners, pol);
        s7__yaml_close(&y);
    }
    if (rc) {
        s7_policy_free(pol);
        return S7_ERR_INVAL;
    }
    *out = pol;
    return 0;
}
