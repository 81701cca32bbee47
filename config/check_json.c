/* s7config: reading back the JSON of the live plant check (include/s7/config.h
 * s7_config_load_check): what `s7 inventory check --json` printed, as an
 * s7_plant_check_report for the report renderer.  libfyaml parses it (JSON is YAML). */
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/yaml.h"
#include "util/text.h"
#include "s7/config.h"
#include "s7/plant.h"

/* "pass", "skip", "unproven", anything else: fail. */
static int status_of(const char *s) { return s7_plant_status_parse(s); }

/* The string value of key in map into dst ("" when missing, null or not a scalar). */
static void copy_scalar(struct fy_node *map, const char *key, char *dst, size_t cap)
{
    struct fy_node *v = map && fy_node_is_mapping(map)
                            ? fy_node_mapping_lookup_value_by_simple_key(map, key, (size_t)-1)
                            : NULL;
    const char *s = NULL;
    size_t n = 0;
    if (v && fy_node_is_scalar(v) && !fy_node_is_null(v))
        s = fy_node_get_scalar(v, &n);
    if (s && fy_node_get_style(v) == FYNS_PLAIN && n == 4 && strncmp(s, "null", 4) == 0)
        s = NULL;
    snprintf(dst, cap, "%.*s", s ? (int)n : 0, s ? s : "");
}

int s7_config_load_check(const char *path, s7_plant_check_report **out, char *err, size_t errcap)
{
    *out = NULL;
    /* read whole and checked like the YAML files (a regular file, UTF-8, one document), so a
     * damaged or foreign file is refused with its FILE:LINE instead of reaching libfyaml */
    yaml_cx y;
    struct fy_node *root = s7__yaml_open_json(&y, path, err, errcap, "the check results",
                                              "the JSON of s7 inventory check --json");
    if (!root)
        return S7_ERR_INVAL;
    struct fy_node *conns =
        fy_node_is_mapping(root)
            ? fy_node_mapping_lookup_value_by_simple_key(root, "connections", (size_t)-1)
            : NULL;
    if (!conns || !fy_node_is_sequence(conns)) {
        s7__yaml_err_line(&y, s7__yaml_line(root),
                          "not the JSON output of s7 inventory check --json (no connections list)");
        s7__yaml_close(&y);
        return S7_ERR_INVAL;
    }
    int n = fy_node_sequence_item_count(conns);
    s7_plant_check_report *k = s7_plant_check_report_new(n > 0 ? (size_t)n : 0);
    if (!k) {
        s7__yaml_close(&y);
        s7__errf(err, errcap, "out of memory");
        return S7_ERR_NOMEM;
    }
    copy_scalar(root, "time", k->time, sizeof k->time);
    copy_scalar(root, "from", k->from, sizeof k->from);
    copy_scalar(root, "as", k->as, sizeof k->as);
    char aw[16], st[16];
    copy_scalar(root, "allow_write", aw, sizeof aw);
    k->allow_write = strcmp(aw, "true") == 0;
    k->nconns = 0;
    void *it = NULL;
    struct fy_node *c;
    int rc = 0;
    while (rc == 0 && (c = fy_node_sequence_iterate(conns, &it))) {
        if (!fy_node_is_mapping(c))
            continue;
        s7_plant_check_conn *cc = &k->conns[k->nconns++];
        copy_scalar(c, "name", cc->name, sizeof cc->name);
        /* what was checked: the report compares it with the inventory */
        copy_scalar(c, "active", cc->active, sizeof cc->active);
        copy_scalar(c, "passive", cc->passive, sizeof cc->passive);
        copy_scalar(c, "address", cc->address, sizeof cc->address);
        copy_scalar(c, "tsap", cc->tsap, sizeof cc->tsap);
        char port[16];
        copy_scalar(c, "port", port, sizeof port);
        long pn = port[0] >= '0' && port[0] <= '9' ? strtol(port, NULL, 10) : 0;
        cc->port = (uint16_t)(pn > 0 && pn <= 65535 ? pn : 0);
        copy_scalar(c, "status", st, sizeof st);
        cc->status = status_of(st);
        copy_scalar(c, "verdict", cc->verdict, sizeof cc->verdict);
        copy_scalar(c, "detail", cc->detail, sizeof cc->detail);
        copy_scalar(c, "cause", cc->cause, sizeof cc->cause);
        copy_scalar(c, "fix", cc->fix, sizeof cc->fix);
        /* where and when (s7 0.2.0 on) */
        copy_scalar(c, "time", cc->time, sizeof cc->time);
        if (!cc->time[0])
            snprintf(cc->time, sizeof cc->time, "%s", k->time);
        copy_scalar(c, "host", cc->host, sizeof cc->host);
        if (!cc->host[0])
            snprintf(cc->host, sizeof cc->host, "%s", k->from);
        copy_scalar(c, "netns", cc->netns, sizeof cc->netns);
        copy_scalar(c, "source", cc->source, sizeof cc->source);
        copy_scalar(c, "source_partner", cc->from_partner, sizeof cc->from_partner);
        if (!cc->from_partner[0]) /* its name until verify-firewall's boolean took it */
            copy_scalar(c, "from_partner", cc->from_partner, sizeof cc->from_partner);
        copy_scalar(c, "unproven", cc->unproven, sizeof cc->unproven);
        char b[16];
        copy_scalar(c, "from_active", b, sizeof b);
        cc->from_active = strcmp(b, "true") == 0;
        if (!b[0] && cc->status == S7_PLANT_PASS) {
            cc->status = S7_PLANT_UNPROVEN;
            snprintf(cc->unproven, sizeof cc->unproven,
                     "the check results do not say where the check ran from (made by an s7 "
                     "before 0.2.0): run it again from the active partner");
        }
        copy_scalar(c, "put_get", b, sizeof b);
        cc->put_get = strcmp(b, "true") == 0 ? 1 : strcmp(b, "false") == 0 ? 0 : -1;
        copy_scalar(c, "connections_used", b, sizeof b);
        cc->conn_used = b[0] >= '0' && b[0] <= '9' ? atoi(b) : -1;
        copy_scalar(c, "connections_max", b, sizeof b);
        cc->conn_max = b[0] >= '0' && b[0] <= '9' ? atoi(b) : -1;
        struct fy_node *cpu = fy_node_mapping_lookup_value_by_simple_key(c, "cpu", (size_t)-1);
        copy_scalar(cpu, "order_code", cc->cpu_order, sizeof cc->cpu_order);
        copy_scalar(cpu, "module_name", cc->cpu_module, sizeof cc->cpu_module);
        copy_scalar(cpu, "serial", cc->cpu_serial, sizeof cc->cpu_serial);
        copy_scalar(cpu, "firmware", cc->cpu_version, sizeof cc->cpu_version);
        if (!cc->cpu_version[0]) /* written before the "cpu" object was the common one */
            copy_scalar(cpu, "version", cc->cpu_version, sizeof cc->cpu_version);
        copy_scalar(cpu, "state", cc->cpu_state, sizeof cc->cpu_state);
        if (cc->status == S7_PLANT_PASS)
            k->passed++;
        else if (cc->status == S7_PLANT_UNPROVEN)
            k->unproven++;
        else
            k->failed++;
        struct fy_node *ex = fy_node_mapping_lookup_value_by_simple_key(c, "exchanges", (size_t)-1);
        int nex = ex && fy_node_is_sequence(ex) ? fy_node_sequence_item_count(ex) : 0;
        if (s7_plant_check_conn_alloc_ex(cc, nex > 0 ? (size_t)nex : 0)) {
            rc = S7_ERR_NOMEM;
            break;
        }
        cc->nex = 0;
        void *it2 = NULL;
        struct fy_node *e;
        while (nex > 0 && (e = fy_node_sequence_iterate(ex, &it2))) {
            s7_plant_check_ex *ce = &cc->ex[cc->nex++];
            copy_scalar(e, "status", st, sizeof st);
            ce->status = status_of(st);
            copy_scalar(e, "verdict", ce->verdict, sizeof ce->verdict);
            copy_scalar(e, "detail", ce->detail, sizeof ce->detail);
            copy_scalar(e, "direction", ce->dir, sizeof ce->dir);
            struct fy_node *rs =
                fy_node_is_mapping(e)
                    ? fy_node_mapping_lookup_value_by_simple_key(e, "ranges", (size_t)-1)
                    : NULL;
            void *it3 = NULL;
            struct fy_node *rn;
            size_t rl = 0;
            while (rs && fy_node_is_sequence(rs) && (rn = fy_node_sequence_iterate(rs, &it3))) {
                size_t len = 0;
                const char *rt = fy_node_is_scalar(rn) ? fy_node_get_scalar(rn, &len) : NULL;
                if (rt && rl < sizeof ce->ranges)
                    rl += (size_t)snprintf(ce->ranges + rl, sizeof ce->ranges - rl, "%s%.*s",
                                           rl ? ", " : "", (int)len, rt);
            }
        }
    }
    s7__yaml_close(&y);
    if (rc) {
        s7_plant_check_report_free(k);
        s7__errf(err, errcap, "out of memory");
        return rc;
    }
    *out = k;
    return 0;
}
