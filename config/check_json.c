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

/* "pass", "skip", anything else: fail. */
static int status_of(const char *s)
{
    return strcmp(s, "pass") == 0   ? S7_PLANT_PASS
           : strcmp(s, "skip") == 0 ? S7_PLANT_SKIP
                                    : S7_PLANT_FAIL;
}

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
    memset(&y, 0, sizeof y);
    y.file = path;
    y.err = err;
    y.cap = errcap;
    y.str_cap = 1;
    y.json = 1;
    struct fy_node *root =
        yaml_open(&y, "the check results", "the JSON of s7 inventory check --json");
    if (!root)
        return S7_ERR_INVAL;
    struct fy_node *conns =
        fy_node_is_mapping(root)
            ? fy_node_mapping_lookup_value_by_simple_key(root, "connections", (size_t)-1)
            : NULL;
    if (!conns || !fy_node_is_sequence(conns)) {
        yaml_err_line(&y, yaml_line(root),
                      "not the JSON output of s7 inventory check --json (no connections list)");
        yaml_close(&y);
        return S7_ERR_INVAL;
    }
    int n = fy_node_sequence_item_count(conns);
    s7_plant_check_report *k = s7_plant_check_report_new(n > 0 ? (size_t)n : 0);
    if (!k) {
        yaml_close(&y);
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
        copy_scalar(c, "status", st, sizeof st);
        cc->status = status_of(st);
        copy_scalar(c, "verdict", cc->verdict, sizeof cc->verdict);
        copy_scalar(c, "detail", cc->detail, sizeof cc->detail);
        copy_scalar(c, "cause", cc->cause, sizeof cc->cause);
        copy_scalar(c, "fix", cc->fix, sizeof cc->fix);
        if (cc->status == S7_PLANT_PASS)
            k->passed++;
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
        }
    }
    yaml_close(&y);
    if (rc) {
        s7_plant_check_report_free(k);
        s7__errf(err, errcap, "out of memory");
        return rc;
    }
    *out = k;
    return 0;
}
