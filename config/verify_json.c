/* s7config: reading back a firewall verification's JSON (include/s7/config.h
 * s7_config_load_fw_verify): what `s7 inventory verify-firewall --json` printed, as an
 * s7_plant_fw_verify for the report's matrix and sign-off.  Read whole and checked as text
 * first (s7__yaml_open), then libfyaml parses it as JSON.  Tolerant of the names of its keys
 * ("paths" or "rows" or "matrix", "expected" or "expect", "observed" or "result"), strict
 * on what a row must say. */
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/yaml.h"
#include "util/text.h"
#include "s7/config.h"
#include "s7/plant.h"

/* The node of the first of keys present in map, NULL when none. */
static struct fy_node *first_of(struct fy_node *map, const char *const *keys)
{
    if (!map || !fy_node_is_mapping(map))
        return NULL;
    for (; *keys; keys++) {
        struct fy_node *v = fy_node_mapping_lookup_value_by_simple_key(map, *keys, (size_t)-1);
        if (v && !fy_node_is_null(v))
            return v;
    }
    return NULL;
}

/* The scalar of the first of keys into dst ("" when none). */
static void get(struct fy_node *map, const char *const *keys, char *dst, size_t cap)
{
    struct fy_node *v = first_of(map, keys);
    const char *s = NULL;
    size_t n = 0;
    if (v && fy_node_is_scalar(v))
        s = fy_node_get_scalar(v, &n);
    if (s && fy_node_get_style(v) == FYNS_PLAIN && n == 4 && strncmp(s, "null", 4) == 0)
        s = NULL;
    snprintf(dst, cap, "%.*s", s ? (int)n : 0, s ? s : "");
}

#define KEYS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* "open" side: the path connects / must connect.  1 open, 0 closed, -1 not a word we know. */
static int open_word(const char *s)
{
    static const char *const open[] = {"open",     "pass",       "allowed",   "allow", "accept",
                                       "accepted", "documented", "connected", "true",  NULL};
    static const char *const shut[] = {"dropped",  "drop",     "blocked", "block",
                                       "closed",   "rejected", "reject",  "denied",
                                       "filtered", "false",    NULL};
    for (const char *const *w = open; *w; w++)
        if (s7__yaml_ieq(s, *w))
            return 1;
    for (const char *const *w = shut; *w; w++)
        if (s7__yaml_ieq(s, *w))
            return 0;
    return -1;
}

int s7_config_load_fw_verify(const char *path, s7_plant_fw_verify **out, char *err, size_t errcap)
{
    *out = NULL;
    yaml_cx y;
    const char *expect = "the JSON of s7 inventory verify-firewall --json";
    struct fy_node *root =
        s7__yaml_open_json(&y, path, err, errcap, "the firewall verification", expect);
    if (!root)
        return S7_ERR_INVAL;
    struct fy_node *rows = first_of(root, KEYS("paths", "rows", "matrix", "results"));
    if (!rows || !fy_node_is_sequence(rows)) {
        s7__yaml_err_line(
            &y, s7__yaml_line(root),
            "not the JSON of s7 inventory verify-firewall --json (no \"paths\" list of "
            "probed paths)");
        s7__yaml_close(&y);
        return S7_ERR_INVAL;
    }
    int n = fy_node_sequence_item_count(rows);
    s7_plant_fw_verify *v = s7_plant_fw_verify_new(n > 0 ? (size_t)n : 0);
    if (!v) {
        s7__yaml_close(&y);
        s7__errf(err, errcap, "out of memory");
        return S7_ERR_NOMEM;
    }
    get(root, KEYS("time"), v->time, sizeof v->time);
    get(root, KEYS("host", "from"), v->host, sizeof v->host);
    get(root, KEYS("as"), v->as, sizeof v->as);
    get(root, KEYS("source", "source_address"), v->source, sizeof v->source);
    get(root, KEYS("note"), v->note, sizeof v->note);
    /* from the partner: as the file says, else when it names the source address it bound */
    char fp[16];
    get(root, KEYS("from_partner"), fp, sizeof fp);
    v->from_partner = fp[0] ? strcmp(fp, "true") == 0 : v->source[0] != 0;
    struct fy_node *rules = first_of(root, KEYS("rules", "rule_file"));
    if (rules && fy_node_is_mapping(rules)) {
        get(rules, KEYS("file", "path"), v->rules_file, sizeof v->rules_file);
        get(rules, KEYS("sha256"), v->rules_sha256, sizeof v->rules_sha256);
    } else {
        get(root, KEYS("rules", "rule_file", "rules_file"), v->rules_file, sizeof v->rules_file);
        get(root, KEYS("rules_sha256", "sha256"), v->rules_sha256, sizeof v->rules_sha256);
    }
    v->npaths = 0;
    void *it = NULL;
    struct fy_node *r;
    int rc = 0;
    while ((r = fy_node_sequence_iterate(rows, &it))) {
        char ex[32], ob[48], st[16], port[16];
        if (!fy_node_is_mapping(r)) {
            rc = s7__yaml_err_line(&y, s7__yaml_line(r), "a path must be an object");
            break;
        }
        s7_plant_fw_path *pa = &v->paths[v->npaths++];
        get(r, KEYS("from", "source_partner"), pa->from, sizeof pa->from);
        get(r, KEYS("to", "partner", "target"), pa->to, sizeof pa->to);
        get(r, KEYS("address", "addr", "host"), pa->address, sizeof pa->address);
        get(r, KEYS("port"), port, sizeof port);
        pa->port = (uint16_t)(port[0] ? atoi(port) : 102);
        get(r, KEYS("expected", "expect", "must"), ex, sizeof ex);
        get(r, KEYS("observed", "result", "seen", "actual"), ob, sizeof ob);
        get(r, KEYS("status", "verdict"), st, sizeof st);
        get(r, KEYS("rule", "comment", "rule_comment"), pa->rule, sizeof pa->rule);
        snprintf(pa->observed, sizeof pa->observed, "%s", ob);
        int e = open_word(ex), o = open_word(ob);
        if (e < 0) {
            rc = s7__yaml_err_line(&y, s7__yaml_line(r),
                                   "path %zu: \"expected\" is '%s'; it must say open (a documented "
                                   "path) or dropped (an undocumented one)",
                                   v->npaths, ex);
            break;
        }
        pa->expect_open = e;
        pa->open = o > 0;
        if (st[0]) {
            int ps = s7_plant_status_parse(st);
            pa->status = ps == S7_PLANT_PASS || ps == S7_PLANT_UNPROVEN ? ps : S7_PLANT_FAIL;
        } else if (o < 0) {
            rc = s7__yaml_err_line(&y, s7__yaml_line(r),
                                   "path %zu: neither \"status\" nor an \"observed\" of open or "
                                   "dropped: what the probe saw is missing",
                                   v->npaths);
            break;
        } else
            pa->status = o == e ? S7_PLANT_PASS : S7_PLANT_FAIL;
        if (pa->status == S7_PLANT_PASS)
            v->passed++;
        else
            v->failed++;
    }
    s7__yaml_close(&y);
    if (rc) {
        s7_plant_fw_verify_free(v);
        return S7_ERR_INVAL;
    }
    *out = v;
    return 0;
}
