/* s7config: the connection inventory loader (include/s7/config.h s7_config_load_plant).
 * Reads the YAML file (the schema is in docs/inventory.md, a commented example in
 * docs/inventory-example.yaml) with the shared YAML layer (yaml.c) and fills an s7_plant
 * through the plant model's builder (include/s7/plant.h), recording each entry's line;
 * then s7_plant_validate checks the references, uniqueness, subnets and resolves the
 * TSAPs.  Errors the file's syntax causes are found here, every other rule is the plant
 * model's; all are worded "FILE:LINE: what is wrong and what would be right".  Unknown keys
 * are errors (a misspelt key must not silently drop a connection from the firewall rules). */
#include <ctype.h>
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/partner_yaml.h"
#include "config/range_yaml.h"
#include "config/yaml.h"
#include "util/text.h"
#include "s7/config.h"
#include "s7/cpu.h"
#include "s7/exchange_sim.h"
#include "s7/plant.h"
#include "s7/tag.h"
#include "s7/wire.h"

/* ---------------------------------------------------------------- YAML helpers */

/* The plant being loaded (the yaml_cx's user). */
static s7_plant *plant_of(yaml_cx *y) { return y->user; }

/* the spellings of a partner's or a router interface's cell: one of them at most */
static const char *const CELL_KEYS[] = {"cell", "segment", NULL};

/* A name: letters, digits, '_', '-', '.', starting with a letter, at most 40 characters
 * (names appear in firewall comments, SVG ids and file names). */
static int get_name(yaml_cx *y, struct fy_node *v, const char *key, char **out)
{
    char s[256];
    if (s7__yaml_scalar(y, v, key, s, sizeof s))
        return -1;
    int ok = s7_plant_name_ok(s);
    if (!ok)
        return s7__yaml_err(
            y, v,
            "%s: '%s' is not a usable name: 1..40 letters, digits, '_', '-' or '.', "
            "starting with a letter, e.g. plc-line1",
            key, s);
    free(*out);
    if (!(*out = s7__yaml_strdup(s)))
        return s7__yaml_oom(y);
    return 0;
}

/* ---------------------------------------------------------------- exchanges */

typedef struct ex_cx {
    s7_plant_exchange *e;
    int have_dir;
    struct fy_node *range;
    const char *range_key;
    char where[96];
} ex_cx;

static int set_dir(yaml_cx *y, ex_cx *x, struct fy_node *at, int dir)
{
    if (x->have_dir && x->e->dir != dir)
        return s7__yaml_err(y, at,
                            "%s: both GET and PUT: one exchange has one direction (write two "
                            "exchanges)",
                            x->where);
    if (x->have_dir && x->range)
        return s7__yaml_err(y, at, "%s: the direction is given twice", x->where);
    x->e->dir = dir;
    x->have_dir = 1;
    return 0;
}

static int on_ex_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    ex_cx *x = ctx;
    char key[160], s[64];
    snprintf(key, sizeof key, "%s.%s", x->where, k);
    if (strcmp(k, "direction") == 0) {
        if (s7__yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        int d = s7__yaml_ieq(s, "get") ? S7_PLANT_GET : s7__yaml_ieq(s, "put") ? S7_PLANT_PUT : -1;
        if (d < 0) {
            int partner = s7__yaml_ieq(s, "bsend") || s7__yaml_ieq(s, "brcv") ||
                          s7__yaml_ieq(s, "usend") || s7__yaml_ieq(s, "urcv");
            return s7__yaml_err(
                y, v,
                "%s: '%s' must be GET (the active partner reads) or PUT (the active "
                "partner writes)%s",
                key, s,
                partner ? "; the inventory documents PUT/GET exchanges: BSEND/BRCV and "
                          "USEND/URCV are jobs of the emulated CPUs (docs/exchange.md, "
                          "\"BSEND/BRCV and USEND/URCV partners\")"
                        : "");
        }
        return set_dir(y, x, kn, d);
    }
    if (strcmp(k, "get") == 0 || strcmp(k, "put") == 0 || strcmp(k, "GET") == 0 ||
        strcmp(k, "PUT") == 0) {
        if (x->range)
            return s7__yaml_err(y, kn, "%s: ranges given twice (with %s and %s)", x->where,
                                x->range_key, k);
        if (set_dir(y, x, kn, s7__yaml_ieq(k, "put") ? S7_PLANT_PUT : S7_PLANT_GET))
            return -1;
        x->range = v;
        x->range_key = s7__yaml_ieq(k, "put") ? "put" : "get";
        return 0;
    }
    if (strcmp(k, "range") == 0 || strcmp(k, "ranges") == 0) {
        if (x->range)
            return s7__yaml_err(y, kn, "%s: ranges given twice (with %s and %s)", x->where,
                                x->range_key, k);
        x->range = v;
        x->range_key = strcmp(k, "range") == 0 ? "range" : "ranges";
        return 0;
    }
    if (strcmp(k, "cycle") == 0 || strcmp(k, "cycle_ms") == 0) {
        static const char *const one[] = {"cycle", "cycle_ms", NULL};
        char c[64];
        if (s7__yaml_key_once(y, kn, x->where, k, one))
            return -1;
        if (s7__yaml_is_null(v)) {
            x->e->cycle_ms = 0;
            return 0;
        }
        if (s7__yaml_scalar(y, v, key, c, sizeof c))
            return -1;
        if (s7_plant_parse_cycle(c, &x->e->cycle_ms)) {
            char why[200];
            s7_duration_parse(c, 1, 1, 86400000, &x->e->cycle_ms, why, sizeof why);
            return s7__yaml_err(
                y, v,
                "%s: %s: a cycle must be a time of 1 ms..24 h: milliseconds (cycle: "
                "500), 500ms, 0.5s, 2 s, 1min, or 'event' for an exchange that is not "
                "cyclic",
                key, why);
        }
        return 0;
    }
    if (strcmp(k, "description") == 0)
        return s7__yaml_is_null(v) ? 0 : s7__yaml_get_str(y, v, key, &x->e->description);
    return s7__yaml_err(y, kn,
                        "%s: unknown key '%s' (keys: direction, range, cycle, description; or the "
                        "short form get: RANGE / put: RANGE)",
                        x->where, k);
}

static int load_exchange(yaml_cx *y, struct fy_node *v, const char *where, s7_plant_exchange *e)
{
    ex_cx x;
    memset(&x, 0, sizeof x);
    x.e = e;
    e->line = s7__yaml_line(v);
    snprintf(x.where, sizeof x.where, "%s", where);
    if (!fy_node_is_mapping(v))
        return s7__yaml_err(
            y, v,
            "%s: expected a mapping such as {direction: GET, range: DB10.DBB0..DBB63, "
            "cycle: 500}",
            where);
    if (s7__yaml_each_pair(y, v, where, on_ex_key, &x))
        return -1;
    if (!x.have_dir)
        return s7__yaml_err(
            y, v,
            "%s: no direction: add direction: GET (the active partner reads) or PUT "
            "(it writes)",
            where);
    if (!x.range || s7__yaml_is_null(x.range))
        return s7__yaml_err(y, v, "%s: no range: add range: DB10.DBB0..DBB63 (or a list of ranges)",
                            where);
    if (fy_node_is_sequence(x.range)) {
        void *it = NULL;
        struct fy_node *r;
        int i = 0;
        while ((r = fy_node_sequence_iterate(x.range, &it))) {
            char w[128];
            snprintf(w, sizeof w, "%s.%s[%d]", where, x.range_key, i++);
            s7_plant_range *nr = s7_plant_exchange_add_range(e, S7_AREA_DB, 0, 0, 0);
            if (!nr)
                return s7__yaml_oom(y);
            if (s7__yaml_range(y, r, w, nr))
                return -1;
        }
        if (!e->nranges)
            return s7__yaml_err(y, x.range, "%s.%s: the list is empty: give at least one range",
                                where, x.range_key);
        return 0;
    }
    char w[128];
    snprintf(w, sizeof w, "%s.%s", where, x.range_key);
    s7_plant_range *nr = s7_plant_exchange_add_range(e, S7_AREA_DB, 0, 0, 0);
    if (!nr)
        return s7__yaml_oom(y);
    return s7__yaml_range(y, x.range, w, nr);
}

/* ---------------------------------------------------------------- connections */

typedef struct conn_cx {
    s7_plant_conn *c;
    struct fy_node *exchanges;
    char where[64];
} conn_cx;

static int on_conn_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    conn_cx *x = ctx;
    char key[128];
    snprintf(key, sizeof key, "%s.%s", x->where, k);
    if (strcmp(k, "exchanges") == 0) {
        x->exchanges = v;
        return 0;
    }
    if (s7__yaml_is_null(v))
        return 0;
    if (strcmp(k, "name") == 0)
        return get_name(y, v, key, &x->c->name);
    if (strcmp(k, "active") == 0) {
        x->c->active_line = s7__yaml_line(v);
        return get_name(y, v, key, &x->c->active_name);
    }
    if (strcmp(k, "passive") == 0) {
        x->c->passive_line = s7__yaml_line(v);
        return get_name(y, v, key, &x->c->passive_name);
    }
    if (strcmp(k, "type") == 0) {
        x->c->type_line = s7__yaml_line(v);
        return s7__yaml_partner_type(y, v, key, &x->c->type);
    }
    if (strcmp(k, "tsap") == 0) {
        uint16_t l = 0, r = 0;
        x->c->tsap_line = s7__yaml_line(v);
        if (s7__yaml_partner_tsap(y, v, key, &l, &r))
            return -1;
        s7_plant_conn_set_tsap(x->c, l, r);
        return 0;
    }
    if (strcmp(k, "description") == 0)
        return s7__yaml_get_str(y, v, key, &x->c->description);
    return s7__yaml_err(
        y, kn,
        "%s: unknown key '%s' (keys: name, active, passive, type, tsap, description, "
        "exchanges)",
        x->where, k);
}

/* The connections' syntax; names, partners and the rest are s7_plant_validate's. */
static int load_conns(yaml_cx *y, struct fy_node *v)
{
    if (s7__yaml_is_null(v))
        return 0;
    if (!fy_node_is_sequence(v))
        return s7__yaml_err(y, v,
                            "connections: expected a list (lines starting with '- name: ...')");
    void *it = NULL;
    struct fy_node *e;
    int i = 0;
    while ((e = fy_node_sequence_iterate(v, &it))) {
        s7_plant_conn *c = s7_plant_add_conn(plant_of(y), NULL, NULL, NULL);
        if (!c)
            return s7__yaml_oom(y);
        conn_cx x;
        memset(&x, 0, sizeof x);
        x.c = c;
        c->line = s7__yaml_line(e);
        snprintf(x.where, sizeof x.where, "connections[%d]", i);
        int rc = fy_node_is_mapping(e) ? s7__yaml_each_pair(y, e, x.where, on_conn_key, &x)
                                       : s7__yaml_err(y, e,
                                                      "%s: expected a mapping with name, active, "
                                                      "passive and exchanges",
                                                      x.where);
        if (rc == 0 && c->name)
            snprintf(x.where, sizeof x.where, "connection %s", c->name);
        if (rc == 0 && x.exchanges && !s7__yaml_is_null(x.exchanges) &&
            !fy_node_is_sequence(x.exchanges))
            rc = s7__yaml_err(y, x.exchanges,
                              "%s: exchanges: expected a list (lines starting with '- "
                              "direction: GET')",
                              x.where);
        if (rc == 0 && x.exchanges && !s7__yaml_is_null(x.exchanges)) {
            void *it2 = NULL;
            struct fy_node *xe;
            int j = 0;
            while (rc == 0 && (xe = fy_node_sequence_iterate(x.exchanges, &it2))) {
                char w[96];
                snprintf(w, sizeof w, "%s exchanges[%d]", x.where, j++);
                s7_plant_exchange *ex = s7_plant_conn_add_exchange(c, S7_PLANT_GET, 0);
                rc = ex ? load_exchange(y, xe, w, ex) : s7__yaml_oom(y);
            }
            if (rc == 0 && !c->nex)
                rc = s7__yaml_err(y, x.exchanges,
                                  "%s: exchanges: the list is empty: list what it reads or writes, "
                                  "e.g. exchanges: [{direction: GET, range: DB10.DBB0..DBB63, "
                                  "cycle: 500}]",
                                  x.where);
        }
        if (rc)
            return -1;
        i++;
    }
    return 0;
}

/* ---------------------------------------------------------------- partners */

typedef struct partner_cx {
    s7_plant_partner *pt;
    int have_address, have_host, have_roles;
    char where[64];
} partner_cx;

/* One role (kind) of a partner; several may be given as a list. */
static int get_role(yaml_cx *y, struct fy_node *v, const char *key, s7_plant_partner *pt)
{
    char s[64];
    int kind;
    if (s7__yaml_scalar(y, v, key, s, sizeof s))
        return -1;
    if (s7_plant_parse_kind(s, &kind))
        return s7__yaml_err(
            y, v,
            "%s: '%s' is no role (roles: plc, hmi, scada, engineering, gateway, pc, "
            "other; several as a list: roles: [scada, engineering])",
            key, s);
    if (s7_plant_partner_has_role(pt, kind) && pt->roles)
        return s7__yaml_err(y, v, "%s: '%s' is listed twice", key, s);
    s7_plant_partner_add_role(pt, kind);
    return 0;
}

static int on_partner_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v,
                          void *ctx)
{
    partner_cx *x = ctx;
    s7_plant_partner *pt = x->pt;
    char key[128], s[260];
    long n;
    snprintf(key, sizeof key, "%s.%s", x->where, k);
    if (s7__yaml_is_null(v))
        return 0;
    if (strcmp(k, "name") == 0)
        return get_name(y, v, key, &pt->name);
    if (strcmp(k, "address") == 0 || strcmp(k, "ip") == 0) {
        static const char *const one[] = {"address", "ip", NULL};
        if (s7__yaml_key_once(y, kn, x->where, k, one))
            return -1;
        if (s7__yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        if (s[0] == '[')
            return s7__yaml_err(
                y, v,
                "%s: '%s': write an IPv6 address without brackets and give the port "
                "separately (address: fd00:10::5, port: 102)",
                key, s);
        if (strchr(s, ':') && !strchr(strchr(s, ':') + 1, ':'))
            return s7__yaml_err(y, v,
                                "%s: '%s': give the port separately (port: %s), the address is an "
                                "IPv4 or IPv6 address such as 192.168.0.10 or a host name",
                                key, s, strchr(s, ':') + 1);
        if (s7_plant_partner_set_address(pt, s) == 0) {
            x->have_address = 1;
            return 0;
        }
        if (strchr(s, ':'))
            return s7__yaml_err(y, v,
                                "%s: '%s' is not an IPv6 address: eight groups of 1..4 hex digits "
                                "with at most one '::', e.g. fd00:10:1::10",
                                key, s);
        if (s[strspn(s, "0123456789.")] == 0)
            return s7__yaml_err(y, v,
                                "%s: '%s' is not an IPv4 address: four numbers 0..255 without "
                                "leading zeros, e.g. 192.168.0.10",
                                key, s);
        if (s7_plant_host_name_ok(s)) {
            if (x->have_host && pt->host && !s7__yaml_ieq(pt->host, s))
                return s7__yaml_err(y, v,
                                    "%s: '%s' is a host name and host: '%s' is given too: give the "
                                    "name once (host:) and the IP address in address:",
                                    key, s, pt->host);
            x->have_host = 1;
            return s7_plant_partner_set_host(pt, s) ? s7__yaml_oom(y) : 0;
        }
        return s7__yaml_err(y, v,
                            "%s: '%s' is neither an IP address nor a host name: an IPv4 address "
                            "(four numbers 0..255 without leading zeros, e.g. 192.168.0.10), an "
                            "IPv6 address (fd00:10::5) or a host name (plc1.plant.local)",
                            key, s);
    }
    if (strcmp(k, "host") == 0 || strcmp(k, "hostname") == 0) {
        if (s7__yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        if (!s7_plant_host_name_ok(s))
            return s7__yaml_err(y, v,
                                "%s: '%s' is not a host name: labels of letters, digits and '-' "
                                "separated by dots, e.g. plc1.plant.local",
                                key, s);
        if (x->have_host && pt->host && !s7__yaml_ieq(pt->host, s))
            return s7__yaml_err(y, v,
                                "%s: '%s': address: already names host '%s': give the name once",
                                key, s, pt->host);
        x->have_host = 1;
        return s7_plant_partner_set_host(pt, s) ? s7__yaml_oom(y) : 0;
    }
    if (strcmp(k, "port") == 0) {
        if (s7__yaml_get_long(y, v, key, 1, 65535, "port: 102 (S7 serves TCP port 102)", &n))
            return -1;
        pt->port = (uint16_t)n;
        return 0;
    }
    if (strcmp(k, "cell") == 0 || strcmp(k, "segment") == 0) {
        if (s7__yaml_key_once(y, kn, x->where, k, CELL_KEYS))
            return -1;
        pt->cell_line = s7__yaml_line(v);
        return get_name(y, v, key, &pt->cell_name);
    }
    if (strcmp(k, "kind") == 0 || strcmp(k, "role") == 0 || strcmp(k, "roles") == 0) {
        if (x->have_roles)
            return s7__yaml_err(
                y, kn,
                "%s: roles given twice (kind:, role:, roles:): list them once, e.g. "
                "roles: [scada, engineering]",
                x->where);
        x->have_roles = 1;
        if (fy_node_is_sequence(v)) {
            void *it = NULL;
            struct fy_node *e;
            int i = 0;
            while ((e = fy_node_sequence_iterate(v, &it))) {
                char w[160];
                snprintf(w, sizeof w, "%s[%d]", key, i++);
                if (get_role(y, e, w, pt))
                    return -1;
            }
            if (!i)
                return s7__yaml_err(
                    y, v, "%s: the list is empty: give at least one role, e.g. [plc]", key);
            return 0;
        }
        return get_role(y, v, key, pt);
    }
    if (strcmp(k, "profile") == 0) {
        const s7_profile *prof;
        if (s7__yaml_partner_profile(y, v, key, s, sizeof s, &prof))
            return -1;
        /* the plant model knows no profiles: it gets the facts TSAP resolution needs, and
         * what validation checks the connections and ranges against (the emulator's figures) */
        if (s7_plant_partner_set_profile(pt, s, prof->rack, prof->slot,
                                         prof->tsap_mode == S7_TSAP_LOGO))
            return s7__yaml_oom(y);
        s7_plant_cpu_limits *l = &pt->limits;
        memset(l, 0, sizeof *l);
        l->known = 1;
        for (int t = 0; t < 4; t++)
            l->max_conn[t] = prof->max_conn[t];
        l->has_timers = prof->has_timers != 0;
        l->vmem = s7_profile_vmem_size(prof);
        l->tsap_rule = prof->tsap_mode == S7_TSAP_LOGO    ? S7_PLANT_TSAP_LOGO
                       : prof->tsap_mode == S7_TSAP_S7200 ? S7_PLANT_TSAP_S7200
                                                          : S7_PLANT_TSAP_RACKSLOT;
        l->slot0_too = s7_profile_slot0_too(prof);
        return 0;
    }
    if (strcmp(k, "rack") == 0)
        return s7__yaml_partner_rack(y, v, key, &pt->rack);
    if (strcmp(k, "slot") == 0)
        return s7__yaml_partner_slot(y, v, key, &pt->slot);
    if (strcmp(k, "tsap") == 0) {
        pt->tsap_line = s7__yaml_line(v);
        return s7__yaml_partner_tsap(y, v, key, &pt->local_tsap, &pt->remote_tsap);
    }
    if (strcmp(k, "type") == 0)
        return s7__yaml_partner_type(y, v, key, &pt->type);
    if (strcmp(k, "description") == 0)
        return s7__yaml_get_str(y, v, key, &pt->description);
    return s7__yaml_err(y, kn,
                        "%s: unknown key '%s' (keys: name, address, host, port, cell, kind or "
                        "roles, profile, rack, slot, tsap, type, description)",
                        x->where, k);
}

/* The partners' syntax; references, uniqueness and subnets are s7_plant_validate's. */
static int load_partners(yaml_cx *y, struct fy_node *v)
{
    if (s7__yaml_is_null(v) || !fy_node_is_sequence(v))
        return s7__yaml_err(y, v, "partners: expected a list (lines starting with '- name: ...')");
    void *it = NULL;
    struct fy_node *e;
    int i = 0;
    while ((e = fy_node_sequence_iterate(v, &it))) {
        s7_plant_partner *pt = s7_plant_add_partner(plant_of(y), NULL);
        if (!pt)
            return s7__yaml_oom(y);
        partner_cx x;
        memset(&x, 0, sizeof x);
        x.pt = pt;
        pt->line = s7__yaml_line(e);
        snprintf(x.where, sizeof x.where, "partners[%d]", i);
        int rc = fy_node_is_mapping(e)
                     ? s7__yaml_each_pair(y, e, x.where, on_partner_key, &x)
                     : s7__yaml_err(y, e,
                                    "%s: expected a mapping with name, address and "
                                    "cell",
                                    x.where);
        if (rc)
            return -1;
        i++;
    }
    if (!plant_of(y)->npartners)
        return s7__yaml_err(y, v,
                            "partners: the list is empty: document at least the two partners of a "
                            "connection");
    return 0;
}

/* ---------------------------------------------------------------- cells */

typedef struct cell_cx {
    s7_plant_cell *c;
    char where[48];
} cell_cx;

/* One subnet of a cell, IPv4 or IPv6 (one of each family). */
static int get_subnet(yaml_cx *y, struct fy_node *v, const char *key, cell_cx *x)
{
    char s[80], nb[48];
    s7_plant_addr a;
    int pfx;
    if (s7__yaml_scalar(y, v, key, s, sizeof s))
        return -1;
    if (!strchr(s, '/'))
        return s7__yaml_err(
            y, v, "%s: '%s' must be NETWORK/PREFIX, e.g. 10.10.1.0/24 or fd00:10:1::/64", key, s);
    if (s7_plant_parse_cidr(s, &a, &pfx))
        return s7__yaml_err(
            y, v,
            "%s: '%s' must be an IPv4 NETWORK/PREFIX with a prefix 0..32 (e.g. "
            "10.10.1.0/24) or an IPv6 one with a prefix 0..128 (e.g. fd00:10:1::/64)",
            key, s);
    s7_plant_addr net = a;
    if (a.family == S7_PLANT_AF_INET) {
        net.ip = a.ip & (pfx ? 0xFFFFFFFFu << (32 - pfx) : 0);
        snprintf(nb, sizeof nb, "%u.%u.%u.%u", net.ip >> 24, (net.ip >> 16) & 0xFF,
                 (net.ip >> 8) & 0xFF, net.ip & 0xFF);
    } else {
        for (int b = pfx; b < 128; b++)
            net.ip6[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
        s7_plant_ipv6_text(net.ip6, nb, sizeof nb);
    }
    if (a.family == S7_PLANT_AF_INET ? net.ip != a.ip : memcmp(net.ip6, a.ip6, 16) != 0) {
        char at[48];
        snprintf(at, sizeof at, "%s", a.text);
        return s7__yaml_err(y, v, "%s: '%s/%d' has host bits set: the network is %s/%d", key, at,
                            pfx, nb, pfx);
    }
    if (a.family == S7_PLANT_AF_INET ? x->c->has_subnet : x->c->has_subnet6)
        return s7__yaml_err(y, v,
                            "%s: a second %s subnet for cell %s: a cell has one subnet per address "
                            "family",
                            key, a.family == S7_PLANT_AF_INET ? "IPv4" : "IPv6",
                            x->c->name ? x->c->name : x->where);
    if (a.family == S7_PLANT_AF_INET)
        s7_plant_cell_set_subnet(x->c, a.ip, pfx);
    else
        s7_plant_cell_set_subnet6(x->c, a.ip6, pfx);
    return 0;
}

static int on_cell_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    cell_cx *x = ctx;
    char key[96];
    snprintf(key, sizeof key, "%s.%s", x->where, k);
    if (s7__yaml_is_null(v))
        return 0;
    if (strcmp(k, "name") == 0)
        return get_name(y, v, key, &x->c->name);
    if (strcmp(k, "description") == 0)
        return s7__yaml_get_str(y, v, key, &x->c->description);
    if (strcmp(k, "subnet") == 0 || strcmp(k, "subnet6") == 0 || strcmp(k, "subnets") == 0) {
        if (fy_node_is_sequence(v)) { /* subnets: [10.10.1.0/24, fd00:10:1::/64] */
            void *it = NULL;
            struct fy_node *e;
            int i = 0;
            while ((e = fy_node_sequence_iterate(v, &it))) {
                char w[128];
                snprintf(w, sizeof w, "%s[%d]", key, i++);
                if (get_subnet(y, e, w, x))
                    return -1;
            }
            return 0;
        }
        return get_subnet(y, v, key, x);
    }
    return s7__yaml_err(y, kn, "%s: unknown key '%s' (keys: name, subnet, subnet6, description)",
                        x->where, k);
}

static int load_cells(yaml_cx *y, struct fy_node *v)
{
    if (s7__yaml_is_null(v))
        return 0;
    if (!fy_node_is_sequence(v))
        return s7__yaml_err(y, v, "cells: expected a list (lines starting with '- name: ...')");
    void *it = NULL;
    struct fy_node *e;
    int i = 0;
    while ((e = fy_node_sequence_iterate(v, &it))) {
        s7_plant_cell *c = s7_plant_add_cell(plant_of(y), NULL);
        if (!c)
            return s7__yaml_oom(y);
        cell_cx x = {c, ""};
        c->line = s7__yaml_line(e);
        snprintf(x.where, sizeof x.where, "cells[%d]", i);
        if (fy_node_is_scalar(e)) { /* - line1 */
            if (get_name(y, e, x.where, &c->name))
                return -1;
        } else if (s7__yaml_each_pair(y, e, x.where, on_cell_key, &x)) {
            return -1;
        }
        i++;
    }
    return 0;
}

/* ---------------------------------------------------------------- routers */

typedef struct rif_cx {
    s7_plant_router_if *ri;
    char where[112];
} rif_cx;

static int get_if_address(yaml_cx *y, struct fy_node *v, const char *key, s7_plant_router_if *ri)
{
    char s[80];
    s7_plant_addr a;
    int pfx;
    if (s7__yaml_scalar(y, v, key, s, sizeof s))
        return -1;
    if (s7_plant_parse_cidr(s, &a, &pfx))
        return s7__yaml_err(y, v,
                            "%s: '%s' must be the router's ADDRESS/PREFIX on that cell, e.g. "
                            "10.10.1.1/24 or fd00:10:1::1/64",
                            key, s);
    if (a.family == S7_PLANT_AF_INET ? ri->has_v4 : ri->has_v6)
        return s7__yaml_err(y, v,
                            "%s: a second %s address: an interface has one address per family", key,
                            a.family == S7_PLANT_AF_INET ? "IPv4" : "IPv6");
    return s7_plant_router_if_set_address(ri, s) ? s7__yaml_oom(y) : 0;
}

static int on_if_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    rif_cx *x = ctx;
    char key[160], s[64];
    snprintf(key, sizeof key, "%s.%s", x->where, k);
    if (s7__yaml_is_null(v))
        return 0;
    if (strcmp(k, "name") == 0 || strcmp(k, "interface") == 0) {
        static const char *const one[] = {"name", "interface", NULL};
        if (s7__yaml_key_once(y, kn, x->where, k, one))
            return -1;
        if (s7__yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        if (!s7_plant_ifname_ok(s))
            return s7__yaml_err(
                y, v,
                "%s: '%s' is not an interface name: 1..15 characters without '/', "
                "':', quotes or spaces, as the router names it (e.g. eth1, br-line1)",
                key, s);
        free(x->ri->name);
        if (!(x->ri->name = s7__yaml_strdup(s)))
            return s7__yaml_oom(y);
        return 0;
    }
    if (strcmp(k, "address") == 0 || strcmp(k, "addresses") == 0) {
        if (fy_node_is_sequence(v)) {
            void *it = NULL;
            struct fy_node *e;
            int i = 0;
            while ((e = fy_node_sequence_iterate(v, &it))) {
                char w[192];
                snprintf(w, sizeof w, "%s[%d]", key, i++);
                if (get_if_address(y, e, w, x->ri))
                    return -1;
            }
            return 0;
        }
        return get_if_address(y, v, key, x->ri);
    }
    if (strcmp(k, "cell") == 0 || strcmp(k, "segment") == 0) {
        if (s7__yaml_key_once(y, kn, x->where, k, CELL_KEYS))
            return -1;
        x->ri->cell_line = s7__yaml_line(v);
        return get_name(y, v, key, &x->ri->cell_name);
    }
    return s7__yaml_err(y, kn, "%s: unknown key '%s' (keys: name, address, cell)", x->where, k);
}

typedef struct router_cx {
    s7_plant_router *r;
    struct fy_node *ifs;
    char where[64];
} router_cx;

static int on_router_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v,
                         void *ctx)
{
    router_cx *x = ctx;
    char key[128];
    snprintf(key, sizeof key, "%s.%s", x->where, k);
    if (strcmp(k, "interfaces") == 0) {
        x->ifs = v;
        return 0;
    }
    if (s7__yaml_is_null(v))
        return 0;
    if (strcmp(k, "name") == 0)
        return get_name(y, v, key, &x->r->name);
    if (strcmp(k, "description") == 0)
        return s7__yaml_get_str(y, v, key, &x->r->description);
    return s7__yaml_err(y, kn, "%s: unknown key '%s' (keys: name, description, interfaces)",
                        x->where, k);
}

static int load_routers(yaml_cx *y, struct fy_node *v)
{
    if (!v || s7__yaml_is_null(v))
        return 0;
    if (!fy_node_is_sequence(v))
        return s7__yaml_err(y, v, "routers: expected a list (lines starting with '- name: ...')");
    void *it = NULL;
    struct fy_node *e;
    int i = 0;
    while ((e = fy_node_sequence_iterate(v, &it))) {
        s7_plant_router *r = s7_plant_add_router(plant_of(y), NULL);
        if (!r)
            return s7__yaml_oom(y);
        router_cx x;
        memset(&x, 0, sizeof x);
        x.r = r;
        r->line = s7__yaml_line(e);
        snprintf(x.where, sizeof x.where, "routers[%d]", i);
        if (!fy_node_is_mapping(e))
            return s7__yaml_err(y, e, "%s: expected a mapping with name and interfaces", x.where);
        if (s7__yaml_each_pair(y, e, x.where, on_router_key, &x))
            return -1;
        if (r->name)
            snprintf(x.where, sizeof x.where, "router %s", r->name);
        if (!x.ifs || s7__yaml_is_null(x.ifs))
            return s7__yaml_err(y, e,
                                "%s: no interfaces: list one per cell it joins, e.g. interfaces: "
                                "[{name: eth1, address: 10.10.1.1/24, cell: line1}]",
                                x.where);
        if (!fy_node_is_sequence(x.ifs))
            return s7__yaml_err(
                y, x.ifs, "%s: interfaces: expected a list (lines starting with '- name: eth1')",
                x.where);
        void *it2 = NULL;
        struct fy_node *ie;
        int j = 0;
        while ((ie = fy_node_sequence_iterate(x.ifs, &it2))) {
            s7_plant_router_if *ri = s7_plant_router_add_if(r, NULL, NULL);
            if (!ri)
                return s7__yaml_oom(y);
            rif_cx rx;
            memset(&rx, 0, sizeof rx);
            rx.ri = ri;
            ri->line = s7__yaml_line(ie);
            snprintf(rx.where, sizeof rx.where, "%s interfaces[%d]", x.where, j++);
            if (!fy_node_is_mapping(ie))
                return s7__yaml_err(y, ie,
                                    "%s: expected a mapping such as {name: eth1, address: "
                                    "10.10.1.1/24, cell: line1}",
                                    rx.where);
            if (s7__yaml_each_pair(y, ie, rx.where, on_if_key, &rx))
                return -1;
        }
        i++;
    }
    return 0;
}

/* ---------------------------------------------------------------- top level */

typedef struct top_cx {
    struct fy_node *cells, *partners, *conns, *routers;
    int have_cells;
} top_cx;

static int on_top(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    top_cx *t = ctx;
    long n;
    if (strcmp(k, "cells") == 0) {
        t->cells = v;
        t->have_cells = !s7__yaml_is_null(v);
        return 0;
    }
    if (strcmp(k, "partners") == 0) {
        t->partners = v;
        return 0;
    }
    if (strcmp(k, "connections") == 0) {
        t->conns = v;
        return 0;
    }
    if (strcmp(k, "routers") == 0) {
        t->routers = v;
        return 0;
    }
    if (s7__yaml_is_null(v))
        return 0;
    if (strcmp(k, "version") == 0) {
        if (s7__yaml_get_long(y, v, k, 1, 1, "version: 1", &n))
            return s7__yaml_err(y, v,
                                "version: this s7 reads inventory version 1 (docs/inventory.md)");
        return 0;
    }
    if (strcmp(k, "plant") == 0 || strcmp(k, "title") == 0) {
        static const char *const one[] = {"plant", "title", NULL};
        if (s7__yaml_key_once(y, kn, NULL, k, one))
            return -1;
        return s7__yaml_get_str(y, v, k, &plant_of(y)->title);
    }
    if (strcmp(k, "description") == 0)
        return s7__yaml_get_str(y, v, k, &plant_of(y)->description);
    if (strcmp(k, "revision") == 0)
        return s7__yaml_get_str(y, v, k, &plant_of(y)->revision);
    return s7__yaml_err(y, kn,
                        "unknown key '%s' (keys: version, plant, description, revision, cells, "
                        "partners, routers, connections)",
                        k);
}

/* The first problem into the caller's err (s7_config_load_plant). */
typedef struct first_cx {
    char *err;
    size_t cap;
    int seen;
} first_cx;

static int keep_first(void *ctx, const char *msg)
{
    first_cx *f = ctx;
    if (!f->seen++ && f->err && f->cap)
        snprintf(f->err, f->cap, "%s", msg);
    return 1;
}

int s7_config_load_plant(const char *path, s7_plant **out, char *err, size_t errcap)
{
    first_cx f = {err, errcap, 0};
    if (err && errcap)
        err[0] = 0;
    int rc = s7_config_load_plant_each(path, out, keep_first, &f);
    return rc > 0 ? S7_ERR_INVAL : rc;
}

int s7_config_load_plant_each(const char *path, s7_plant **out,
                              int (*fn)(void *ctx, const char *msg), void *ctx)
{
    char ebuf[1024];
    char *err = ebuf;
    size_t errcap = sizeof ebuf;
    ebuf[0] = 0;
    *out = NULL;
    s7_plant *p = s7_plant_new();
    if (!p || s7_plant_set_file(p, path)) {
        s7_plant_free(p);
        if (fn)
            fn(ctx, "out of memory");
        return S7_ERR_NOMEM;
    }
    yaml_cx y = {.file = path,
                 .err = err,
                 .cap = errcap,
                 .user = p,
                 .msg_cap = 700,
                 .str_cap = 2048,
                 .nul_ok = 0,
                 .num = NULL};
    struct fy_node *root = s7__yaml_open(&y, "the inventory", "partners: and connections:");
    int rc = root ? 0 : -1;
    if (root) {
        top_cx t;
        memset(&t, 0, sizeof t);
        if (!fy_node_is_mapping(root))
            rc = s7__yaml_err(&y, root,
                              "the top level must be a mapping of keys (plant:, cells:, "
                              "partners:, connections:)");
        else
            rc = s7__yaml_each_pair(&y, root, "inventory", on_top, &t);
        if (rc == 0 && !t.partners)
            rc = s7__yaml_err_line(&y, 1,
                                   "no partners: list the partners (partners: - name: ... address: "
                                   "...)");
        if (rc == 0)
            rc = load_cells(&y, t.cells);
        p->cells_declared = t.have_cells;
        if (rc == 0)
            rc = load_partners(&y, t.partners);
        if (rc == 0)
            rc = load_routers(&y, t.routers);
        if (rc == 0)
            rc = load_conns(&y, t.conns);
        s7__yaml_close(&y);
    }
    if (rc) {
        s7_plant_free(p);
        if (fn)
            fn(ctx, ebuf);
        return 1; /* the syntax: the first error ends the reading */
    }
    /* what holds beyond the syntax: the plant model's rules, with the lines recorded; every
     * problem is reported */
    rc = s7_plant_validate_each(p, fn, ctx);
    /* and what the plant model cannot know: the CPUs' GET/PUT jobs fit the PDU their
     * profiles negotiate (exchange_sim.h s7_sim_check_jobs) */
    if (rc == 0)
        rc = s7_sim_check_jobs(p, fn, ctx);
    if (rc == 0 && !p->title && s7_plant_set_title(p, path))
        rc = S7_ERR_NOMEM;
    if (rc) {
        if (rc == S7_ERR_NOMEM && fn)
            fn(ctx, "out of memory");
        s7_plant_free(p);
        return rc;
    }
    *out = p;
    return 0;
}
