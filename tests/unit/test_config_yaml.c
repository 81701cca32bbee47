/* Unit tests for the s7config library (config/): YAML files into the plant model and the
 * server configuration model, with "FILE:LINE: ..." messages for the file's syntax and for
 * the plant model's rules alike, and the check JSON read back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "s7/config.h"
#include "s7/cpu.h"
#include "s7/plant.h"
#include "s7/server_config.h"
#include "s7/wire.h"
#include "t.h"

static char dir[] = "/tmp/s7test_config_XXXXXX";

/* Writes text into dir/name; returns the path (static buffer). */
static const char *put(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static const char PLANT[] = "plant: Line 1\n"                 /* 1 */
                            "cells:\n"                        /* 2 */
                            "  - name: line1\n"               /* 3 */
                            "    subnet: 10.10.1.0/24\n"      /* 4 */
                            "  - scada\n"                     /* 5 */
                            "partners:\n"                     /* 6 */
                            "  - name: plc1\n"                /* 7 */
                            "    address: 10.10.1.10\n"       /* 8 */
                            "    cell: line1\n"               /* 9 */
                            "    profile: s7-300\n"           /* 10 */
                            "  - name: hmi1\n"                /* 11 */
                            "    address: 10.20.0.5\n"        /* 12 */
                            "    cell: scada\n"               /* 13 */
                            "connections:\n"                  /* 14 */
                            "  - name: hmi1-plc1\n"           /* 15 */
                            "    active: hmi1\n"              /* 16 */
                            "    passive: PASSIVE\n"          /* 17 */
                            "    exchanges:\n"                /* 18 */
                            "      - get: DB10.DBB0..DBB63\n" /* 19 */
                            "        cycle: 2s\n";            /* 20 */

static const char *plant_file(const char *passive)
{
    static char text[1024];
    const char *at = strstr(PLANT, "PASSIVE");
    snprintf(text, sizeof text, "%.*s%s%s", (int)(at - PLANT), PLANT, passive, at + 7);
    return put("plant.yaml", text);
}

static void test_plant(void)
{
    s7_plant *p = NULL;
    char err[1024];
    const char *path = plant_file("plc1");
    CHECK_INT(s7_config_load_plant(path, &p, err, sizeof err), 0);
    CHECK(p != NULL);
    if (!p)
        return;
    CHECK_STR(p->title, "Line 1");
    CHECK_STR(p->file, path);
    CHECK_INT(p->ncells, 2);
    CHECK_INT(p->partners[0].line, 7);
    CHECK_INT(p->partners[0].profile_slot, 2); /* from the s7-300 profile */
    CHECK_INT(p->conns[0].passive_line, 17);
    CHECK_INT(p->conns[0].ex[0].cycle_ms, 2000);
    CHECK_INT(p->conns[0].ex[0].ranges[0].length, 64);
    CHECK_INT(p->conns[0].remote_tsap, s7_tsap_make(1, 0, 2));
    s7_plant_free(p);
}

static void test_plant_errors(void)
{
    s7_plant *p = (s7_plant *)1;
    char err[1024], want[1200];
    /* a rule of the plant model, with the line the loader recorded */
    const char *path = plant_file("plc9");
    CHECK_INT(s7_config_load_plant(path, &p, err, sizeof err), S7_ERR_INVAL);
    CHECK(p == NULL);
    snprintf(want, sizeof want,
             "%s:17: connection hmi1-plc1: passive partner 'plc9' is not in "
             "partners",
             path);
    CHECK_STR(err, want);
    /* the file's syntax */
    path = plant_file("plc1\n    colour: red");
    CHECK_INT(s7_config_load_plant(path, &p, err, sizeof err), S7_ERR_INVAL);
    snprintf(want, sizeof want,
             "%s:18: connections[0]: unknown key 'colour' (keys: name, active, "
             "passive, type, tsap, description, exchanges)",
             path);
    CHECK_STR(err, want);
    snprintf(want, sizeof want, "%s/missing.yaml", dir);
    CHECK_INT(s7_config_load_plant(want, &p, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "cannot read the inventory") == err);
}

/* Every inventory message names FILE:LINE: one change to the sample inventory per rule
 * of the loader and of the plant model, the line the message must name, and a phrase of
 * the message. */
static void test_plant_lines(void)
{
    static const struct {
        const char *from, *to;
        int line;
        const char *phrase;
    } C[] = {
        {"  - scada\n", "  - line1\n", 5, "cell line1: the name is used twice (first at line 3)"},
        {"10.10.1.0/24", "10.10.1.0/40", 4, "must be an IPv4 NETWORK/PREFIX"},
        {"10.10.1.0/24", "10.10.1.5/24", 4, "has host bits set: the network is 10.10.1.0/24"},
        {"name: plc1", "name: 1plc", 7, "is not a usable name"},
        {"    address: 10.10.1.10\n", "", 7, "partner plc1: no address"},
        {"10.10.1.10", "10.10.1.300", 8, "is not an IPv4 address"},
        {"10.10.1.10", "10.1.2", 8, "is not an IPv4 address"},
        {"10.10.1.10", "10.10.2.10", 7, "is not in cell line1's subnet 10.10.1.0/24"},
        {"cell: line1", "cell: line9", 9, "cell 'line9' is not in cells"},
        {"name: hmi1\n", "name: plc1\n", 11, "partner plc1: the name is used twice"},
        {"10.20.0.5\n    cell: scada", "10.10.1.10\n    cell: line1", 11,
         "is also partner plc1's (line 7)"},
        {"s7-300", "s7-999", 10, "unknown profile 's7-999'"},
        {"    profile: s7-300\n", "    profile: s7-300\n    port: 0\n", 11, "port: '0'"},
        {"active: hmi1", "active: hmi9", 16, "active partner 'hmi9' is not in partners"},
        {"active: hmi1", "active: plc1", 17, "'plc1' is both active and passive"},
        {"    exchanges:", "    type: xx\n    exchanges:", 18, "'xx' is no connection type"},
        {"    exchanges:", "    tsap: zz\n    exchanges:", 18, "must be LOCAL:REMOTE in hex"},
        {"DBB0..DBB63", "DBB9..DBB3", 19, "ends (byte 3) before it starts (byte 9)"},
        {"DB10.DBB0..DBB63", "Q99.DBB0", 19, "get:"},
        {"cycle: 2s", "cycle: fast", 20, "'fast' is not a duration"},
        {"cycle: 2s", "cycle: 2 sek", 20, "unknown unit 'sek'"},
        {"DB10.DBB0..DBB63", "P#DB10.DBX0.1 BYTE 64", 19,
         "a BYTE range starts on a byte: the bit must be .0"},
        {"DB10.DBB0..DBB63", "P#DB10.DBB0 BYTE 64", 19, "the start as .DBX<byte>.<bit>"},
        {"cycle: 2s", "cycle: 2s\ncolour: red", 21, "unknown key 'colour'"},
        /* an empty list has no line of its own: its key's line, and the fix */
        {"    exchanges:\n      - get: DB10.DBB0..DBB63\n        cycle: 2s\n",
         "    exchanges: []\n", 18,
         "exchanges: the list is empty: list what it reads or writes, e.g."},
        /* IPv6, host names, roles, routers */
        {"10.10.1.10", "'[fd00::10]'", 8, "write an IPv6 address without brackets"},
        {"10.10.1.10", "fd00::10::1", 8, "is not an IPv6 address"},
        {"10.10.1.10", "plc_1.local", 8, "is neither an IP address nor a host name"},
        {"    address: 10.10.1.10\n", "    address: plc1.plant.local\n    host: plc2.plant.local\n",
         9, "address: already names host 'plc1.plant.local'"},
        {"subnet: 10.10.1.0/24", "subnets: [10.10.1.0/24, fd00:10:1::1/64]", 4,
         "has host bits set: the network is fd00:10:1::/64"},
        {"subnet: 10.10.1.0/24", "subnets: [10.10.1.0/24, 10.10.2.0/24]", 4,
         "a second IPv4 subnet for cell line1"},
        {"    cell: scada\n", "    cell: scada\n    roles: [hmi, hmix]\n", 14, "'hmix' is no role"},
        {"    cell: scada\n", "    cell: scada\n    roles: [hmi, hmi]\n", 14,
         "'hmi' is listed twice"},
        {"    cell: scada\n", "    cell: scada\n    kind: hmi\n    roles: [scada]\n", 15,
         "roles given twice"},
        {"connections:\n", "routers:\n  - name: fw1\nconnections:\n", 15,
         "router fw1: no interfaces"},
        {"connections:\n",
         "routers:\n  - name: fw1\n    interfaces:\n"
         "      - {name: eth1, address: 10.10.2.1/24, cell: line1}\nconnections:\n",
         17, "router fw1 interface eth1: 10.10.2.1/24 is not an address of cell line1's subnet"},
        {"connections:\n",
         "routers:\n  - name: fw1\n    interfaces:\n"
         "      - {name: eth 1, address: 10.10.1.1/24, cell: line1}\nconnections:\n",
         17, "'eth 1' is not an interface name"},
        {"connections:\n",
         "routers:\n  - name: fw1\n    interfaces:\n"
         "      - {name: eth1, address: 10.10.1.1, cell: line1}\nconnections:\n",
         17, "must be the router's ADDRESS/PREFIX on that cell"},
        {"connections:\n",
         "routers:\n  - name: fw1\n    interfaces:\n"
         "      - {name: eth1, address: 10.10.1.1/24, cell: line9}\nconnections:\n",
         17, "cell 'line9' is not in cells"},
        {"connections:\n",
         "routers:\n  - name: fw1\n    interfaces:\n"
         "      - {name: eth1, address: 10.10.1.1/24, vlan: 3}\nconnections:\n",
         17, "unknown key 'vlan' (keys: name, address, cell)"},
        {"connections:\n",
         "routers:\n  - name: fw1\n    interfaces:\n"
         "      - {name: eth1, address: 10.10.1.1/24, cell: line1}\n"
         "      - {name: eth2, address: [10.20.0.1/16, 10.21.0.1/16], cell: scada}\n"
         "connections:\n",
         18, "a second IPv4 address: an interface has one address per family"},
        {"cycle: 2s",
         "cycle: 2s\n  - name: hmi1-plc1\n    active: hmi1\n    passive: plc1\n"
         "    exchanges:\n      - get: DB1.DBB0..DBB3",
         21, "connection hmi1-plc1: the name is used twice (first at line 15)"},
    };
    char text[2048], err[1024], want[400];
    for (size_t i = 0; i < sizeof C / sizeof C[0]; i++) {
        const char *base = plant_file("plc1"), *at;
        FILE *f = fopen(base, "r");
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = 0;
        char out[2300];
        at = strstr(text, C[i].from);
        CHECK(at != NULL);
        if (!at)
            continue;
        snprintf(out, sizeof out, "%.*s%s%s", (int)(at - text), text, C[i].to,
                 at + strlen(C[i].from));
        const char *path = put("plant.yaml", out);
        s7_plant *p = NULL;
        CHECK_INT(s7_config_load_plant(path, &p, err, sizeof err), S7_ERR_INVAL);
        CHECK(p == NULL);
        snprintf(want, sizeof want, "%s:%d: ", path, C[i].line);
        int ok = strncmp(err, want, strlen(want)) == 0 && strstr(err, C[i].phrase) != NULL;
        CHECK(ok);
        if (!ok)
            fprintf(stderr, "  case %zu: got \"%s\", want \"%s...%s...\"\n", i, err, want,
                    C[i].phrase);
        s7_plant_free(p);
    }
}

/* What engineers write: a host with several roles known by name, IPv6 partners and cells,
 * a router with an interface per cell (both families on one). */
/* A key given twice: libfyaml's "duplicate key" with the key named, at its line:column. */
static void test_duplicate_key(void)
{
    const char *base = plant_file("plc1");
    char text[2048], out[2300], err[1024], want[300];
    FILE *f = fopen(base, "r");
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    const char *at = strstr(text, "    cell: scada\n");
    CHECK(at != NULL);
    if (!at)
        return;
    snprintf(out, sizeof out, "%.*s    cell: scada\n    cell: line1\n%s", (int)(at - text), text,
             at + strlen("    cell: scada\n"));
    const char *path = put("plant.yaml", out);
    s7_plant *p = NULL;
    CHECK_INT(s7_config_load_plant(path, &p, err, sizeof err), S7_ERR_INVAL);
    snprintf(want, sizeof want,
             "%s:14:5: not valid YAML: duplicate key 'cell': give each key once in a mapping",
             path);
    CHECK_STR(err, want);
}

static void test_plant_schema(void)
{
    const char *path =
        put("plant.yaml", "plant: Line 1\n"
                          "cells:\n"
                          "  - name: line1\n"
                          "    subnets: [10.10.1.0/24, 'FD00:10:1::/64']\n"
                          "  - name: scada\n"
                          "    subnet6: fd00:20::/64\n"
                          "partners:\n"
                          "  - name: plc1\n"
                          "    address: fd00:10:1::10\n"
                          "    cell: line1\n"
                          "    kind: plc\n"
                          "  - name: ws1\n"
                          "    address: ws1.plant.local\n"
                          "    cell: scada\n"
                          "    roles: [scada, engineering]\n"
                          "  - name: hmi1\n"
                          "    address: 10.10.1.20\n"
                          "    host: hmi1.plant.local\n"
                          "    cell: line1\n"
                          "    role: hmi\n"
                          "routers:\n"
                          "  - name: fw1\n"
                          "    description: cell firewall\n"
                          "    interfaces:\n"
                          "      - name: eth1\n"
                          "        address: [10.10.1.1/24, 'fd00:10:1::1/64']\n"
                          "        cell: line1\n"
                          "      - {name: eth2, address: 'fd00:20::1/64', cell: scada}\n"
                          "connections:\n"
                          "  - name: ws1-plc1\n"
                          "    active: ws1\n"
                          "    passive: plc1\n"
                          "    exchanges:\n"
                          "      - get: P#DB30.DBX0.0 BYTE 100\n"
                          "        cycle: 0.5s\n"
                          "      - put: P#M10.0 BYTE 4\n"
                          "        cycle: 2 s\n");
    s7_plant *p = NULL;
    char err[1024] = "", b[96];
    CHECK_INT(s7_config_load_plant(path, &p, err, sizeof err), 0);
    CHECK_STR(err, "");
    if (!p)
        return;
    CHECK_INT(p->cells[0].has_subnet, 1);
    CHECK_INT(p->cells[0].has_subnet6, 1);
    CHECK_INT(p->cells[0].prefix6, 64);
    CHECK_INT(p->cells[1].has_subnet, 0);
    CHECK_INT(p->partners[0].family, S7_PLANT_AF_INET6);
    CHECK_STR(p->partners[0].address, "fd00:10:1::10");
    CHECK_STR(p->partners[1].address, "");
    CHECK_STR(p->partners[1].host, "ws1.plant.local");
    CHECK_STR(s7_plant_partner_roles_text(&p->partners[1], b, sizeof b), "scada+engineering");
    CHECK_STR(s7_plant_partner_addr_text(&p->partners[2], b, sizeof b),
              "hmi1.plant.local (10.10.1.20)");
    CHECK_INT(p->partners[2].kind, S7_PLANT_KIND_HMI);
    CHECK(s7_plant_has_unresolved(p));
    CHECK_INT(p->nrouters, 1);
    CHECK_STR(p->routers[0].name, "fw1");
    CHECK_STR(p->routers[0].description, "cell firewall");
    CHECK_INT(p->routers[0].nifs, 2);
    CHECK_STR(p->routers[0].ifs[0].name, "eth1");
    CHECK_INT(p->routers[0].ifs[0].has_v4, 1);
    CHECK_STR(p->routers[0].ifs[0].address, "10.10.1.1");
    CHECK_STR(p->routers[0].ifs[0].address6, "fd00:10:1::1");
    CHECK_INT(p->routers[0].ifs[0].line, 25);
    CHECK_INT(p->routers[0].ifs[1].cell, 1);
    CHECK_INT(p->routers[0].ifs[1].has_v4, 0);
    CHECK_INT(p->routers[0].ifs[1].prefix6, 64);
    const s7_plant_exchange *x = &p->conns[0].ex[0];
    CHECK_INT(x->cycle_ms, 500);
    CHECK_INT(x->ranges[0].area, S7_AREA_DB);
    CHECK_INT(x->ranges[0].db, 30);
    CHECK_INT(x->ranges[0].offset, 0);
    CHECK_INT(x->ranges[0].length, 100);
    x = &p->conns[0].ex[1];
    CHECK_INT(x->dir, S7_PLANT_PUT);
    CHECK_INT(x->cycle_ms, 2000);
    CHECK_INT(x->ranges[0].area, S7_AREA_M);
    CHECK_INT(x->ranges[0].offset, 10);
    CHECK_INT(x->ranges[0].length, 4);
    s7_plant_free(p);

    /* an IPv6 partner outside its cell's IPv6 subnet, named at its line */
    path = put("plant.yaml", "cells:\n"
                             "  - {name: line1, subnet6: 'fd00:10:1::/64'}\n"
                             "partners:\n"
                             "  - {name: plc1, address: 'fd00:10:2::10', cell: line1}\n");
    char want[300];
    CHECK_INT(s7_config_load_plant(path, &p, err, sizeof err), S7_ERR_INVAL);
    snprintf(want, sizeof want,
             "%s:4: partner plc1: address fd00:10:2::10 is not in cell line1's subnet "
             "fd00:10:1::/64: fix the address or the cell",
             path);
    CHECK_STR(err, want);
}

static void test_server(void)
{
    s7_server_config c;
    char err[800], want[900];
    s7_server_config_init(&c);
    const char *path = put("server.yaml", "profile: s7-300\n"
                                          "put_get: true\n"
                                          "dbs:\n"
                                          "  - number: 1\n"
                                          "    size: 64\n"
                                          "allow: [10.0.0.0/8]\n");
    int rc = s7_config_load_server(path, &c, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    CHECK_INT(rc, 0);
    CHECK_STR(c.profile, "s7-300");
    CHECK_INT(c.put_get, 1);
    CHECK_INT(c.ndbs, 1);
    CHECK_INT(c.nallow, 1);
    s7_server_config_free(&c);
    s7_server_config_init(&c);
    path = put("bad.yaml", "profile: s7-300\nputget: on\n");
    CHECK_INT(s7_config_load_server(path, &c, err, sizeof err), S7_ERR_INVAL);
    snprintf(want, sizeof want, "%s:2: ", path);
    CHECK(strncmp(err, want, strlen(want)) == 0);
    CHECK(strstr(err, "unknown key 'putget'") != NULL);
    s7_server_config_free(&c);
    /* timeouts: milliseconds or durations with units */
    s7_server_config_init(&c);
    path = put("server.yaml", "profile: s7-300\n"
                              "idle_timeout_ms: 1min\n"
                              "cr_timeout_ms: 2.5s\n"
                              "setup_timeout_ms: 700\n");
    CHECK_INT(s7_config_load_server(path, &c, err, sizeof err), 0);
    CHECK_INT(c.idle_timeout_ms, 60000);
    CHECK_INT(c.cr_timeout_ms, 2500);
    CHECK_INT(c.setup_timeout_ms, 700);
    s7_server_config_free(&c);
    s7_server_config_init(&c);
    path = put("bad.yaml", "profile: s7-300\ncr_timeout_ms: 5 sek\n");
    CHECK_INT(s7_config_load_server(path, &c, err, sizeof err), S7_ERR_INVAL);
    snprintf(want, sizeof want,
             "%s:2: cr_timeout_ms: '5 sek': unknown unit 'sek' (units: ms, s, min, h), e.g. "
             "500ms, 0.5s, 2 s, 1min (a bare number is milliseconds, 0 = never), e.g. "
             "cr_timeout_ms: 5000 or cr_timeout_ms: 5s",
             path);
    CHECK_STR(err, want);
    s7_server_config_free(&c);
}

/* Writes n bytes into dir/name; returns the path (static buffer). */
static const char *put_bytes(const char *name, const char *data, size_t n)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, n, f);
    fclose(f);
    return path;
}

static void test_check_json(void)
{
    s7_plant_check_report *k = NULL;
    char err[512];
    const char *path =
        put("check.json", "{\"inventory\": \"p.yaml\", \"time\": \"2026-01-31T11:00:00Z\", "
                          "\"from\": \"eng1\", \"as\": null, \"allow_write\": false,\n"
                          " \"connections\": [{\"name\": \"a-b\", \"active\": \"a\", "
                          "\"passive\": \"b\", \"address\": \"10.0.0.2\", \"port\": 1102, "
                          "\"tsap\": \"0100:0201\", \"status\": \"fail\", "
                          "\"verdict\": \"port_closed\", \"detail\": \"d\", \"exchanges\": "
                          "[{\"status\": \"skip\", \"verdict\": \"\", \"detail\": \"x\", "
                          "\"direction\": \"put\", \"ranges\": [\"DB1.DBB0..DBB3\", "
                          "\"MB0\"]}]}]}\n");
    CHECK_INT(s7_config_load_check(path, &k, err, sizeof err), 0);
    CHECK(k != NULL);
    if (k) {
        CHECK_STR(k->from, "eng1");
        CHECK_STR(k->as, "");
        CHECK_INT(k->nconns, 1);
        CHECK_INT(k->conns[0].status, S7_PLANT_FAIL);
        CHECK_STR(k->conns[0].verdict, "port_closed");
        CHECK_INT(k->conns[0].nex, 1);
        CHECK_INT(k->conns[0].ex[0].status, S7_PLANT_SKIP);
        /* what was checked, for the report to compare with its inventory */
        CHECK_STR(k->conns[0].active, "a");
        CHECK_STR(k->conns[0].passive, "b");
        CHECK_STR(k->conns[0].address, "10.0.0.2");
        CHECK_INT(k->conns[0].port, 1102);
        CHECK_STR(k->conns[0].tsap, "0100:0201");
        CHECK_STR(k->conns[0].ex[0].dir, "put");
        CHECK_STR(k->conns[0].ex[0].ranges, "DB1.DBB0..DBB3, MB0");
        CHECK(s7_plant_check_report_find(k, "a-b") == &k->conns[0]);
    }
    s7_plant_check_report_free(k);
    path = put("not.json", "{\"x\": 1}\n");
    CHECK_INT(s7_config_load_check(path, &k, err, sizeof err), S7_ERR_INVAL);
    char want[600];
    snprintf(want, sizeof want,
             "%s:1: not the JSON output of s7 inventory check --json (no connections list)", path);
    CHECK_STR(err, want);
    /* the file is read whole and checked as text before libfyaml parses it */
    path = put_bytes("latin1.json", "{\"connections\": [],\n \"from\": \"K\xF6ln\"}\n", 37);
    CHECK_INT(s7_config_load_check(path, &k, err, sizeof err), S7_ERR_INVAL);
    CHECK(k == NULL);
    snprintf(want, sizeof want, "%s:2: byte 31 (0xF6) is not UTF-8", path);
    CHECK(strncmp(err, want, strlen(want)) == 0);
    path = put_bytes("two.json", "{\"connections\": []}\n---\n{}\n", 27);
    CHECK_INT(s7_config_load_check(path, &k, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, ": not valid JSON: document start indicator") != NULL);
    CHECK_INT(s7_config_load_check(dir, &k, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "not a regular file") != NULL);
    /* a JSON input's messages say JSON (they said "give the path of a YAML file") */
    CHECK(strstr(err, "give the path of a JSON file") != NULL);
    CHECK_INT(s7_config_load_check("/nonexistent/check.json", &k, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "give the path of an existing JSON file") != NULL);
    /* where it ran: a pass from the active partner stays a pass; an old file that does not
     * say where it ran makes its pass unproven */
    path =
        put("where.json",
            "{\"time\": \"2026-01-31T11:00:00Z\", \"from\": \"h\", \"connections\": [\n"
            " {\"name\": \"a-b\", \"status\": \"pass\", \"verdict\": \"ok\", \"source\": "
            "\"10.0.0.5\", \"from_partner\": \"a\", \"from_active\": true, \"netns\": \"n1\", "
            "\"cpu\": {\"order_code\": \"6ES7\", \"state\": \"stop\"}, \"put_get\": false, "
            "\"connections_used\": 4, \"connections_max\": null, \"exchanges\": []},\n"
            " {\"name\": \"c-d\", \"status\": \"pass\", \"verdict\": \"ok\", \"exchanges\": []},\n"
            " {\"name\": \"e-f\", \"status\": \"unproven\", \"from_active\": false, "
            "\"unproven\": \"why\", \"exchanges\": []}]}\n");
    CHECK_INT(s7_config_load_check(path, &k, err, sizeof err), 0);
    if (k) {
        CHECK_INT(k->conns[0].status, S7_PLANT_PASS);
        CHECK_INT(k->conns[0].from_active, 1);
        CHECK_STR(k->conns[0].source, "10.0.0.5");
        CHECK_STR(k->conns[0].netns, "n1");
        CHECK_STR(k->conns[0].time, "2026-01-31T11:00:00Z"); /* the file's time */
        CHECK_STR(k->conns[0].cpu_order, "6ES7");
        CHECK_STR(k->conns[0].cpu_state, "stop");
        CHECK_INT(k->conns[0].put_get, 0);
        CHECK_INT(k->conns[0].conn_used, 4);
        CHECK_INT(k->conns[0].conn_max, -1);
        CHECK_INT(k->conns[1].status, S7_PLANT_UNPROVEN);
        CHECK(strstr(k->conns[1].unproven, "do not say where the check ran from") != NULL);
        CHECK_INT(k->conns[2].status, S7_PLANT_UNPROVEN);
        CHECK_INT((int)k->passed, 1);
        CHECK_INT((int)k->unproven, 2);
    }
    s7_plant_check_report_free(k);
}

static void test_fw_verify_json(void)
{
    s7_plant_fw_verify *v = NULL;
    char err[512];
    const char *path =
        put("verify.json",
            "{\"time\": \"2026-01-31T12:00:00Z\", \"host\": \"h\", \"as\": \"hmi\", "
            "\"source\": \"10.0.0.5\",\n \"rules\": {\"file\": \"r.nft\", \"sha256\": \"ab12\"},\n"
            " \"paths\": [{\"from\": \"hmi\", \"to\": \"plc\", \"address\": \"10.0.1.10\", "
            "\"port\": 102, \"expected\": \"open\", \"observed\": \"open\", \"rule\": \"c1\"},\n"
            "  {\"from\": \"hmi\", \"to\": \"plc2\", \"address\": \"10.0.1.11\", "
            "\"expected\": \"dropped\", \"observed\": \"open\"}]}\n");
    CHECK_INT(s7_config_load_fw_verify(path, &v, err, sizeof err), 0);
    if (v) {
        CHECK_STR(v->as, "hmi");
        CHECK_STR(v->rules_file, "r.nft");
        CHECK_STR(v->rules_sha256, "ab12");
        CHECK_INT(v->from_partner, 1); /* it names the source it bound */
        CHECK_INT((int)v->npaths, 2);
        CHECK_INT(v->paths[0].status, S7_PLANT_PASS);
        CHECK_STR(v->paths[0].rule, "c1");
        CHECK_INT(v->paths[1].port, 102);
        CHECK_INT(v->paths[1].expect_open, 0);
        CHECK_INT(v->paths[1].status, S7_PLANT_FAIL);
        CHECK_INT((int)v->failed, 1);
    }
    s7_plant_fw_verify_free(v);
    path = put("notfrom.json", "{\"as\": \"hmi\", \"source\": null, \"from_partner\": false, "
                               "\"note\": \"not here\", \"paths\": []}\n");
    CHECK_INT(s7_config_load_fw_verify(path, &v, err, sizeof err), 0);
    if (v) {
        CHECK_INT(v->from_partner, 0);
        CHECK_STR(v->note, "not here");
    }
    s7_plant_fw_verify_free(v);
    path = put("badverify.json", "{\"paths\": [\n {\"expected\": \"maybe\"}]}\n");
    CHECK_INT(s7_config_load_fw_verify(path, &v, err, sizeof err), S7_ERR_INVAL);
    char want[600];
    snprintf(want, sizeof want, "%s:2: path 1: \"expected\" is 'maybe'", path);
    CHECK(strncmp(err, want, strlen(want)) == 0);
    path = put("noverify.json", "{\"x\": 1}\n");
    CHECK_INT(s7_config_load_fw_verify(path, &v, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "no \"paths\" list") != NULL);
}

/* Loads data as a server config; returns the rc, the message in err and the slot read. */
static int load_server_bytes(const char *data, size_t n, char *err, size_t cap, int *slot)
{
    s7_server_config c;
    s7_server_config_init(&c);
    const char *path = put_bytes("whole.yaml", data, n);
    int rc = s7_config_load_server(path, &c, err, cap);
    *slot = c.slot;
    s7_server_config_free(&c);
    return rc;
}

/* err starts with "DIR/whole.yaml:LINE: " and holds what. */
static int msg_is(const char *err, int line, const char *what)
{
    char want[400];
    snprintf(want, sizeof want, "%s/whole.yaml:%d: ", dir, line);
    int ok = strncmp(err, want, strlen(want)) == 0 && strstr(err, what) != NULL;
    if (!ok)
        fprintf(stderr, "message: '%s'\n  wanted '%s' ... '%s'\n", err, want, what);
    return ok;
}

/* A file is read whole or refused (issue 8, item 3). */
static void test_whole_file(void)
{
    char err[800];
    int slot = -7;

    /* a NUL byte before `slot: 5`: refused, nothing of it used */
    static const char nul[] = "rack: 0\n\0slot: 5\n";
    CHECK_INT(load_server_bytes(nul, sizeof nul - 1, err, sizeof err, &slot), S7_ERR_INVAL);
    CHECK(msg_is(err, 2, "a NUL byte in the file (byte 8)"));

    /* a second document */
    static const char two[] = "rack: 0\nslot: 2\n---\nslot: 5\n";
    CHECK_INT(load_server_bytes(two, sizeof two - 1, err, sizeof err, &slot), S7_ERR_INVAL);
    CHECK(msg_is(err, 3, "a second YAML document"));

    /* byte order marks of other encodings */
    static const char u16le[] = "\xff\xfer\0a\0c\0k\0:\0 \0\x30\0\n\0";
    CHECK_INT(load_server_bytes(u16le, sizeof u16le - 1, err, sizeof err, &slot), S7_ERR_INVAL);
    CHECK(msg_is(err, 1, "UTF-16 (little endian)"));
    static const char u16be[] = "\xfe\xff\0r\0a";
    CHECK_INT(load_server_bytes(u16be, sizeof u16be - 1, err, sizeof err, &slot), S7_ERR_INVAL);
    CHECK(msg_is(err, 1, "UTF-16 (big endian)"));
    static const char u32le[] = "\xff\xfe\0\0r\0\0\0";
    CHECK_INT(load_server_bytes(u32le, sizeof u32le - 1, err, sizeof err, &slot), S7_ERR_INVAL);
    CHECK(msg_is(err, 1, "UTF-32 (little endian)"));
    static const char u16nobom[] = "r\0a\0c\0k\0";
    CHECK_INT(load_server_bytes(u16nobom, sizeof u16nobom - 1, err, sizeof err, &slot),
              S7_ERR_INVAL);
    CHECK(msg_is(err, 1, "without a byte order mark"));

    /* UTF-8 with its byte order mark is fine */
    static const char u8bom[] = "\xef\xbb\xbfrack: 0\nslot: 3\n";
    CHECK_INT(load_server_bytes(u8bom, sizeof u8bom - 1, err, sizeof err, &slot), 0);
    CHECK_INT(slot, 3);
    /* bytes that are not UTF-8 are refused before libfyaml sees them (a directive line
     * holding one made libfyaml 0.7.12 loop forever: found by fuzz/fuzz_yaml.c) */
    static const char latin1[] = "rack: 0\n%\xff\n";
    CHECK_INT(load_server_bytes(latin1, sizeof latin1 - 1, err, sizeof err, &slot), S7_ERR_INVAL);
    CHECK(msg_is(err, 2, "byte 9 (0xFF) is not UTF-8"));
    static const char umlaut[] = "identity:\n  as_name: \"Kl\xc3\xa4ranlage\"\n";
    CHECK_INT(load_server_bytes(umlaut, sizeof umlaut - 1, err, sizeof err, &slot), 0);
    static const char surrogate[] = "identity:\n  as_name: \"\xed\xa0\x80\"\n";
    CHECK_INT(load_server_bytes(surrogate, sizeof surrogate - 1, err, sizeof err, &slot),
              S7_ERR_INVAL);
    CHECK(msg_is(err, 2, "byte 22 (0xED) is not UTF-8"));

    /* aliases work as YAML defines them */
    static const char alias[] = "rack: &r 0\nslot: *r\n";
    CHECK_INT(load_server_bytes(alias, sizeof alias - 1, err, sizeof err, &slot), 0);
    CHECK_INT(slot, 0);
    static const char noanchor[] = "rack: 0\nslot: *nowhere\n";
    CHECK_INT(load_server_bytes(noanchor, sizeof noanchor - 1, err, sizeof err, &slot),
              S7_ERR_INVAL);
    CHECK(strstr(err, "not valid YAML") != NULL && strstr(err, "alias") != NULL);

    /* the inventory: a NUL before its last connection refuses the file (it used to validate
     * with one connection less) */
    const char *pf = plant_file("plc1");
    FILE *f = fopen(pf, "rb");
    char buf[2048];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char *at = strstr(buf, "  - name: hmi1-plc1");
    CHECK(at != NULL);
    if (at) {
        *at = '\0';
        const char *path = put_bytes("whole.yaml", buf, n);
        s7_plant *p = NULL;
        CHECK_INT(s7_config_load_plant(path, &p, err, sizeof err), S7_ERR_INVAL);
        CHECK(p == NULL);
        CHECK(msg_is(err, 15, "a NUL byte"));
    }

    /* a FIFO and a directory are not read (a FIFO must not block the start) */
    char fifo[300];
    snprintf(fifo, sizeof fifo, "%s/fifo.yaml", dir);
    CHECK_INT(mkfifo(fifo, 0600), 0);
    s7_server_config c;
    s7_server_config_init(&c);
    CHECK_INT(s7_config_load_server(fifo, &c, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "not a regular file") != NULL);
    CHECK_INT(s7_config_load_server(dir, &c, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "not a regular file") != NULL);

    /* a symbolic link that loops: the message says how to mend it */
    char l1[300], l2[300];
    snprintf(l1, sizeof l1, "%s/loop1.yaml", dir);
    snprintf(l2, sizeof l2, "%s/loop2.yaml", dir);
    CHECK_INT(symlink(l2, l1), 0);
    CHECK_INT(symlink(l1, l2), 0);
    CHECK_INT(s7_config_load_server(l1, &c, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "a symbolic link on the path loops") != NULL &&
          strstr(err, "give the path of the file itself") != NULL);
    unlink(l1);
    unlink(l2);
    s7_server_config_free(&c);
    unlink(fifo);
}

/* Loads text as a server config and builds the CPU; the message of the first failure. */
static int load_and_build(const char *text, char *err, size_t cap)
{
    s7_server_config c;
    s7_server_config_init(&c);
    const char *path = put_bytes("whole.yaml", text, strlen(text));
    int rc = s7_config_load_server(path, &c, err, cap);
    if (rc == 0) {
        s7_cpu *cpu = NULL;
        rc = s7_server_config_build_cpu(&c, &cpu, err, cap);
        s7_cpu_free(cpu);
    }
    s7_server_config_free(&c);
    return rc;
}

/* Every message of the server config names FILE:LINE, also those found only when the CPU is
 * built from it (issue 8, item 3). */
static void test_server_lines(void)
{
    char err[800];
    CHECK_INT(load_and_build("allow: [300.1.1.1/8]\n", err, sizeof err), S7_ERR_INVAL);
    CHECK(msg_is(err, 1, "allow '300.1.1.1/8': expected an IPv4 or IPv6 address"));
    CHECK_INT(load_and_build("allow:\n  - 10.0.0.0/8\n  - fd00::/200\n", err, sizeof err),
              S7_ERR_INVAL);
    CHECK(msg_is(err, 3, "allow 'fd00::/200'"));
    CHECK_INT(load_and_build("allow:\n  - 1.2.3\n", err, sizeof err), S7_ERR_INVAL);
    CHECK(msg_is(err, 2, "allow '1.2.3'"));
    CHECK_INT(load_and_build("profile: s7-1500\nareas:\n  T:\n    size: 64\n", err, sizeof err),
              S7_ERR_INVAL);
    CHECK(msg_is(err, 4, "areas.T: an s7-1500 has no timers and counters"));
    CHECK_INT(load_and_build("profile: s7-1500\nareas:\n  C: read-only\n", err, sizeof err),
              S7_ERR_INVAL);
    CHECK(msg_is(err, 3, "areas.C: this s7-1500 has no such area"));
    CHECK_INT(
        load_and_build("profile: logo8\ndbs:\n  - number: 5\n    size: 10\n", err, sizeof err),
        S7_ERR_INVAL);
    CHECK(msg_is(err, 3, "DB5: a logo8 has V memory (DB1) and no other DBs"));
    CHECK_INT(load_and_build("profile: s7-300\ndbs:\n  - number: 1\n    size: 64\n"
                             "values:\n  DB9.DBW0: 1\n",
                             err, sizeof err),
              S7_ERR_INVAL);
    CHECK(msg_is(err, 6, "initial value"));
    /* and a good one builds */
    CHECK_INT(load_and_build(
                  "profile: s7-300\nallow: [10.0.0.0/8, \"::1\"]\nareas:\n  T:\n    size: 64\n",
                  err, sizeof err),
              0);
    /* the same model filled by a program, not a file: no FILE:LINE, the same words */
    s7_server_config c;
    s7_server_config_init(&c);
    CHECK_INT(s7_server_config_add_allow(&c, "10.0.0.256"), S7_ERR_INVAL);
    CHECK_INT(c.nallow, 0);
    CHECK_INT(s7_server_config_add_allow(&c, "10.0.0.0/8"), 0);
    CHECK_INT(c.nallow, 1);
    s7_server_config_free(&c);
}

/* A key with two spellings (cell / segment, offset / start, number / db ...) given in both:
 * YAML's duplicate-key check sees two words, and the later value used to replace the first
 * silently (a partner in another cell, a range at another offset, another DB). */
static void test_two_spellings(void)
{
    static const char *const PLANTS[][2] = {
        {"partners:\n  - {name: a, address: 10.0.0.1, cell: c, segment: d}\n",
         "2: partners[0]: 'segment' and 'cell' (line 2) are two spellings of one key"},
        {"partners:\n  - {name: a, address: 10.0.0.1, ip: 10.0.0.2, cell: c}\n",
         "2: partners[0]: 'ip' and 'address' (line 2) are two spellings of one key"},
        {"plant: a\ntitle: b\npartners:\n  - {name: a, address: 10.0.0.1, cell: c}\n",
         "2: 'title' and 'plant' (line 1) are two spellings of one key: give it once"},
        {"partners:\n  - {name: a, address: 10.0.0.1, cell: c}\n  - {name: b, address: "
         "10.0.0.2, cell: c}\nconnections:\n  - name: k\n    active: a\n    passive: b\n"
         "    exchanges:\n      - get: {db: 1, offset: 0, start: 8, length: 2}\n",
         "9: connection k exchanges[0].get: 'start' and 'offset' (line 9) are two spellings"},
        {"partners:\n  - {name: a, address: 10.0.0.1, cell: c}\n  - {name: b, address: "
         "10.0.0.2, cell: c}\nconnections:\n  - name: k\n    active: a\n    passive: b\n"
         "    exchanges:\n      - get: {db: 1, offset: 0, length: 2, size: 64}\n",
         "9: connection k exchanges[0].get: 'size' and 'length' (line 9) are two spellings"},
        {"partners:\n  - {name: a, address: 10.0.0.1, cell: c}\n  - {name: b, address: "
         "10.0.0.2, cell: c}\nconnections:\n  - name: k\n    active: a\n    passive: b\n"
         "    exchanges:\n      - get: DB1.DBB0\n        cycle: 100\n        cycle_ms: 5\n",
         "11: connection k exchanges[0]: 'cycle_ms' and 'cycle' (line 10) are two spellings"},
    };
    char err[800], want[400];
    for (size_t i = 0; i < sizeof PLANTS / sizeof PLANTS[0]; i++) {
        const char *path = put("plant.yaml", PLANTS[i][0]);
        s7_plant *p = NULL;
        CHECK_INT(s7_config_load_plant(path, &p, err, sizeof err), S7_ERR_INVAL);
        snprintf(want, sizeof want, "%s:%s", path, PLANTS[i][1]);
        if (strncmp(err, want, strlen(want)) != 0) {
            fprintf(stderr, "two spellings %zu: '%s'\n  wanted '%s'\n", i, err, want);
            CHECK(0);
        }
        s7_plant_free(p);
    }
    /* one spelling alone is fine */
    s7_plant *p = NULL;
    CHECK_INT(s7_config_load_plant(
                  put("plant.yaml", "partners:\n  - {name: a, address: 10.0.0.1, segment: d}\n"),
                  &p, err, sizeof err),
              0);
    s7_plant_free(p);
    CHECK_INT(load_and_build("profile: s7-300\ndbs:\n  - {number: 1, db: 2, size: 10}\n", err,
                             sizeof err),
              S7_ERR_INVAL);
    CHECK(msg_is(err, 3, "dbs[0]: 'db' and 'number' (line 3) are two spellings of one key"));
    CHECK_INT(load_and_build("profile: s7-300\nblocks:\n  - {type: FC, number: 1, know_how: "
                             "true, know_how_protected: false}\n",
                             err, sizeof err),
              S7_ERR_INVAL);
    CHECK(msg_is(err, 3, "'know_how_protected' and 'know_how' (line 3) are two spellings"));
    CHECK_INT(load_and_build("profile: s7-300\ndbs:\n  - {db: 2, size: 10}\n", err, sizeof err), 0);
}

/* alarms: maps and the flag's string form; each error names its line (server/alarms.c). */
static void test_server_alarms(void)
{
    char err[800];
    CHECK_INT(load_and_build("profile: s7-300\ndbs: [\"5:4\"]\nalarms:\n  - id: 0x1001\n"
                             "    bit: DB5.DBX1.3\n    name: tank high\n  - \"7:DB5.DBX0.0\"\n",
                             err, sizeof err),
              0);
    CHECK_INT(load_and_build("profile: s7-300\ndbs: [\"5:4\"]\nalarms:\n  - id: 8\n"
                             "    bit: M0.0\n",
                             err, sizeof err),
              S7_ERR_INVAL);
    CHECK(msg_is(err, 4, "alarms[0]: M0.0: the bit that raises the alarm must be a DB bit"));
    CHECK_INT(load_and_build("profile: s7-300\nalarms:\n  - id: 8\n    bit: DB9.DBX0.0\n", err,
                             sizeof err),
              S7_ERR_INVAL);
    CHECK(msg_is(err, 3, "alarm 0x8: DB9.DBX0.0 is not in a DB of this CPU"));
    CHECK_INT(load_and_build("profile: s7-1500\ndbs: [\"5:4\"]\nalarms: [\"1:DB5.DBX0.0\"]\n", err,
                             sizeof err),
              S7_ERR_INVAL);
    CHECK(msg_is(err, 3, "alarm 0x1: an s7-1500 does not answer the alarm query"));
    CHECK_INT(load_and_build("alarms:\n  - id: 8\n    colour: red\n", err, sizeof err),
              S7_ERR_INVAL);
    CHECK(msg_is(err, 3, "alarms[0]: unknown key 'colour' (keys: id, bit, name)"));
    CHECK_INT(load_and_build("alarms:\n  - name: x\n", err, sizeof err), S7_ERR_INVAL);
    CHECK(msg_is(err, 2, "alarms[0]: an alarm needs an id and a bit"));
}

/* blocks: and default_blocks: (server/blocks.c); each error names its line. */
static void test_server_blocks(void)
{
    char err[800];
    s7_server_config c;
    s7_server_config_init(&c);
    static const char text[] = "profile: s7-300\ndefault_blocks: off\nblocks:\n"
                               "  - {type: FC, number: 5, size: 120, know_how: true}\n"
                               "  - type: ob\n    number: 35\n";
    const char *path = put_bytes("blocks.yaml", text, sizeof text - 1);
    CHECK_INT(s7_config_load_server(path, &c, err, sizeof err), 0);
    CHECK_INT(c.default_blocks, 0);
    CHECK_INT((int)c.nblocks, 2);
    if (c.nblocks == 2) {
        CHECK(c.blocks[0].type == S7_BLOCK_FC && c.blocks[0].number == 5 &&
              c.blocks[0].size == 120 && c.blocks[0].know_how);
        CHECK(c.blocks[1].type == S7_BLOCK_OB && c.blocks[1].number == 35 &&
              c.blocks[1].size == 38);
    }
    s7_cpu *cpu = NULL;
    CHECK_INT(s7_server_config_build_cpu(&c, &cpu, err, sizeof err), 0);
    CHECK_INT((int)s7_cpu_block_count(cpu), 2); /* no default set */
    s7_cpu_free(cpu);
    s7_server_config_free(&c);
    CHECK_INT(load_and_build("blocks:\n  - type: DB\n    number: 3\n", err, sizeof err),
              S7_ERR_INVAL);
    CHECK(msg_is(err, 2, "blocks[0].type: unknown block type 'DB'"));
    CHECK_INT(load_and_build("blocks:\n  - type: FC\n", err, sizeof err), S7_ERR_INVAL);
    CHECK(msg_is(err, 2, "blocks[0]: no number (e.g. number: 1)"));
    CHECK_INT(load_and_build("blocks:\n  - {type: FC, number: 1, colour: red}\n", err, sizeof err),
              S7_ERR_INVAL);
    CHECK(msg_is(err, 2, "blocks[0]: unknown key 'colour' (keys: type, number, size, know_how)"));
    CHECK_INT(load_and_build("blocks: FC1\n", err, sizeof err), S7_ERR_INVAL);
    CHECK(msg_is(err, 1, "blocks: expected a list of blocks"));
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_plant();
    test_plant_errors();
    test_plant_lines();
    test_duplicate_key();
    test_plant_schema();
    test_server();
    test_check_json();
    test_fw_verify_json();
    test_whole_file();
    test_server_lines();
    test_two_spellings();
    test_server_alarms();
    test_server_blocks();
    {
        char whole[300];
        snprintf(whole, sizeof whole, "%s/whole.yaml", dir);
        unlink(whole);
    }
    const char *files[] = {"plant.yaml", "server.yaml", "bad.yaml", "check.json", "not.json"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
    return t_done();
}
