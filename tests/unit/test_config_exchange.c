/* Unit tests for config/exchange_yaml.c: the YAML spelling of the exchange job model
 * (connections: and jobs: of the server configuration), read into the same jobs as the
 * one-line spelling, and every configuration error named with FILE:LINE, the job and the
 * fix; the partner jobs (bsend, brcv, usend, urcv) too, with the example of docs/exchange.md
 * loaded as it stands there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "s7/config.h"
#include "s7/exchange.h"
#include "s7/tag.h"
#include "s7/server_config.h"
#include "t.h"

static char dir[] = "/tmp/s7test_xyaml_XXXXXX";

static const char *put(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    fputs(text, f);
    fclose(f);
    return path;
}

static const char GOOD[] =
    "profile: s7-1500\n"                                               /* 1 */
    "dbs:\n"                                                           /* 2 */
    "  - {number: 40, size: 64}\n"                                     /* 3 */
    "connections:\n"                                                   /* 4 */
    "  - id: 1\n"                                                      /* 5 */
    "    name: line-m1\n"                                              /* 6 */
    "    host: 10.200.2.10\n"                                          /* 7 */
    "    slot: 2\n"                                                    /* 8 */
    "    type: basic\n"                                                /* 9 */
    "    pdu: 480\n"                                                   /* 10 */
    "  - {id: 5, side: unspecified}\n"                                 /* 11 */
    "jobs:\n"                                                          /* 12 */
    "  - name: m1-status\n"                                            /* 13 */
    "    kind: get\n"                                                  /* 14 */
    "    connection: line-m1\n"                                        /* 15 */
    "    addr: DB20.DBB0..DBB299\n"                                    /* 16 */
    "    local: DB40.DBB0\n"                                           /* 17 */
    "    every: 100ms\n"                                               /* 18 */
    "    ndr: M0.0\n"                                                  /* 19 */
    "    error: M0.1\n"                                                /* 20 */
    "    status: MW2\n"                                                /* 21 */
    "  - name: m1-recipe\n"                                            /* 22 */
    "    kind: put\n"                                                  /* 23 */
    "    connection: 1\n"                                              /* 24 */
    "    areas:\n"                                                     /* 25 */
    "      - {addr: DB20.DBW300, local: MW10}\n"                       /* 26 */
    "      - {addr: 'P#DB20.DBX302.0 BYTE 4', local: MD12}\n"          /* 27 */
    "    req: M1.0\n"                                                  /* 28 */
    "    done: M1.1\n"                                                 /* 29 */
    "  - name: m2\n"                                                   /* 30 */
    "    kind: get\n"                                                  /* 31 */
    "    host: 10.200.3.10\n"                                          /* 32 */
    "    port: 1102\n"                                                 /* 33 */
    "    addr: [MW0, MW2]\n"                                           /* 34 */
    "    local: [DB40.DBW100, DB40.DBW102]\n"                          /* 35 */
    "    every: 2s\n"                                                  /* 36 */
    "    outputs: latch\n"                                             /* 37 */
    "  - get 10.200.3.10:1102 MB9 every 1s into MB20 --name m2-byte\n" /* 38 */
    "scan: 5ms\n";                                                     /* 39 */

static void test_good(void)
{
    s7_exchange x;
    char err[1000] = "", buf[600];
    const char *path = put("good.yaml", GOOD);
    s7_exchange_init(&x);
    int rc = s7_config_load_exchange(path, &x, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    CHECK_INT(rc, 0);
    CHECK_INT(x.nconns, 3);
    CHECK_INT(x.njobs, 4);
    if (x.nconns == 3 && x.njobs == 4) {
        CHECK_INT(x.conns[0].id, 1);
        CHECK_STR(x.conns[0].name, "line-m1");
        CHECK_INT(x.conns[0].pdu, 480);
        CHECK_INT(x.conns[0].type, S7_CONN_BASIC);
        CHECK(strstr(x.conns[0].where, "good.yaml:5") != NULL);
        CHECK_INT(x.conns[1].side, S7_XCONN_UNSPECIFIED);
        CHECK_INT(x.conns[2].id, 2); /* the inline partner: the lowest free id */
        CHECK_INT(x.conns[2].port, 1102);
        CHECK(strstr(x.jobs[0].where, "good.yaml:13") != NULL);
        s7_xjob_format(&x, &x.jobs[0], buf, sizeof buf);
        CHECK_STR(buf, "get 10.200.2.10 DB20.DBB0..DBB299 every 100ms --slot 2 --type basic --pdu "
                       "480 --id 1 --name m1-status into DB40.DBB0..DBB299 --ndr M0.0 --error M0.1 "
                       "--status MW2");
        s7_xjob_format(&x, &x.jobs[1], buf, sizeof buf);
        CHECK_STR(buf, "put 10.200.2.10 DB20.DBW300 DB20.DBB302..DBB305 on M1.0 --slot 2 --type "
                       "basic --pdu 480 --id 1 --name m1-recipe from MW10 MD12 --done M1.1");
        s7_xjob_format(&x, &x.jobs[2], buf, sizeof buf);
        CHECK_STR(buf, "get 10.200.3.10:1102 MW0 MW2 every 2s --id 2 --name m2 into DB40.DBW100 "
                       "DB40.DBW102 --outputs latch");
        CHECK_INT(x.jobs[0].latch, 0); /* pulse unless asked */
        CHECK_INT(x.scan_ms, 5);
        CHECK_INT(x.jobs[3].conn_id, 2); /* the one-line job shares the inline partner */
    }
    s7_exchange_free(&x);

    /* the server loader takes the same file: connections: and jobs: are its keys too */
    s7_server_config c;
    s7_server_config_init(&c);
    rc = s7_config_load_server(path, &c, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    CHECK_INT(rc, 0);
    s7_server_config_free(&c);

    /* a file without jobs is an empty table */
    s7_exchange_init(&x);
    CHECK_INT(s7_config_load_exchange(put("none.yaml", "profile: s7-300\n"), &x, err, sizeof err),
              0);
    CHECK_INT(x.njobs + x.nconns, 0);
    s7_exchange_free(&x);
}

/* The partner jobs' example of docs/exchange.md ("The YAML spelling of partner jobs"), as
 * it stands there. */
static void test_docs_partner(void)
{
    const char *md = S7_SOURCE_DIR "/docs/exchange.md";
    FILE *f = fopen(md, "r");
    CHECK(f != NULL);
    if (!f)
        return;
    static char doc[200000];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[n] = 0;
    char *h = strstr(doc, "### The YAML spelling of partner jobs");
    char *y = h ? strstr(h, "```yaml\n") : NULL;
    char *end = y ? strstr(y + 8, "```") : NULL;
    CHECK(end != NULL);
    if (!end)
        return;
    *end = 0;
    s7_exchange x;
    char err[1000] = "";
    s7_exchange_init(&x);
    int rc = s7_config_load_exchange(put("docs.yaml", y + 8), &x, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    CHECK_INT(rc, 0);
    CHECK_INT(x.njobs, 4);
    CHECK_INT(x.nconns, 3); /* the one-line usend shares report-out's inline partner */
    if (x.njobs == 4 && x.nconns == 3) {
        const s7_xjob *j = &x.jobs[0];
        const s7_xconn *c = s7_exchange_conn(&x, j->conn_id);
        CHECK_STR(j->name, "recipe-in");
        CHECK_INT(j->kind, S7_XJOB_BRCV);
        CHECK_INT(j->r_id, 5);
        CHECK_INT(j->nareas, 1);
        CHECK_INT(s7_tag_size(&j->areas[0].local), 1000);
        CHECK_INT(j->has_done && j->has_error && j->has_status, 1);
        CHECK_INT(c->id, 3);
        CHECK_INT(c->side, S7_XCONN_PASSIVE);
        CHECK_STR(c->host, "10.200.2.20");
        CHECK_INT(c->local_tsap, 0x1000);
        CHECK_INT(c->remote_tsap, 0x1000);
        j = &x.jobs[1];
        c = s7_exchange_conn(&x, j->conn_id);
        CHECK_INT(j->kind, S7_XJOB_BSEND);
        CHECK_INT(j->r_id, 0xA0);
        CHECK_INT(j->trigger, S7_XTRIG_REQ);
        CHECK_INT(s7_tag_size(&j->areas[0].local), 100);
        CHECK_INT(c->side, S7_XCONN_ACTIVE);
        CHECK_STR(c->host, "10.200.2.30");
        CHECK_INT(c->local_tsap, 0x1000); /* the inline partner's defaults */
        CHECK_INT(c->remote_tsap, 0x1000);
        CHECK_INT(c->pdu, 480);
        j = &x.jobs[2];
        c = s7_exchange_conn(&x, j->conn_id);
        CHECK_INT(j->kind, S7_XJOB_URCV);
        CHECK_INT(j->r_id, 7);
        CHECK_INT(c->side, S7_XCONN_UNSPECIFIED);
        CHECK_STR(c->host, "");
        j = &x.jobs[3];
        CHECK_STR(j->name, "status-out");
        CHECK_INT(j->kind, S7_XJOB_USEND);
        CHECK_INT(j->r_id, 8);
        CHECK_INT(j->cycle_ms, 1000);
        CHECK(strstr(j->where, "docs.yaml:30") != NULL);
        CHECK_INT(j->conn_id, x.jobs[1].conn_id);
    }
    s7_exchange_free(&x);
}

/* Each bad file with the message after "DIR/bad.yaml:" */
static const struct {
    const char *text, *msg;
} BAD[] = {
    {"jobs: 5\n", "1: jobs: expected a list of jobs (lines starting with '- name: N')"},
    {"connections: {id: 1}\n",
     "1: connections: expected a list of connections (lines starting with '- id: N')"},
    {"connections:\n  - 5\n",
     "2: connections: each entry is a mapping, e.g. - {id: 1, host: 10.200.2.10, slot: 2, type: "
     "basic}"},
    {"connections:\n  - {host: a}\n", "2: connection: no id: give its local ID, e.g. id: 1"},
    {"connections:\n  - {id: 1, host: a}\n  - {id: 1, host: b}\n",
     "3: connection id 1 is already used at DIR/bad.yaml:2: give each connection its own id"},
    {"connections:\n  - {id: 1}\n",
     "2: connection 1 has no partner address: give host: ADDRESS, or make it side: unspecified "
     "(passive, any partner)"},
    {"connections:\n  - {id: 1, host: a, colour: red}\n",
     "2: connection: unknown key 'colour' (keys: id, name, host, port, rack, slot, "
     "type, tsap, pdu, side)"},
    {"connections:\n  - {id: 1, host: a, side: left}\n",
     "2: side: 'left' must be active (this CPU connects), passive (the partner connects) or "
     "unspecified (passive, any partner)"},
    {"connections:\n  - {id: 1, host: a, type: fast}\n",
     "2: type: 'fast' is not a connection type: pg, op or basic"},
    {"connections:\n  - {id: 1, host: a, tsap: x}\n",
     "2: tsap: 'x': give LOCAL:REMOTE in hex, e.g. tsap: \"0100:0102\""},
    {"jobs:\n  - [1]\n", "2: jobs: each job is a mapping (name:, kind:, connection:, addr:, "
                         "local:, every:) or one line "
                         "(\"get HOST ADDR every 100ms into LOCAL\")"},
    {"jobs:\n  - get a MW0 every 1s into MD0\n",
     "2: job job1: ADDR_1 MW0 is 2 bytes but RD_1 MD0 is 4 bytes: the areas must agree in length "
     "and type (a real CPU reports STATUS 1/4)"},
    {"jobs:\n  - {kind: get}\n", "2: job: no name: give each job a name, e.g. name: m1-status"},
    {"jobs:\n  - {name: a}\n",
     "2: job a: no kind: give kind: get or put (GET/PUT), bsend, brcv, usend or urcv (partner "
     "jobs)"},
    {"jobs:\n  - {name: a, kind: fetch}\n",
     "2: job a: kind: 'fetch' is not a job kind: get, put (GET/PUT), bsend, brcv, usend or urcv "
     "(partner jobs)"},
    {"jobs:\n  - {name: a, kind: get, host: h, addr: MW0, local: MW2}\n",
     "2: job a: no trigger: give every: DURATION (e.g. every: 100ms) or req: BIT (rising edge of a "
     "local bit, e.g. req: M10.0)"},
    {"jobs:\n  - {name: a, kind: get, host: h, addr: MW0, local: MW2, every: 1s, req: M0.0}\n",
     "2: job a: both every: and req: given: a job has one trigger"},
    /* a problem of an output or of REQ is named at its own line, with the job */
    {"jobs:\n  - name: a\n    kind: get\n    host: h\n    addr: MW0\n    local: MW2\n    every: "
     "1s\n    status: M10.0\n",
     "8: job a: STATUS M10.0 is not a WORD: give a word address, e.g. MW12 or DB40.DBW34"},
    {"jobs:\n  - name: a\n    kind: put\n    host: h\n    addr: MW0\n    local: MW2\n    req: "
     "MW4\n    error: M10.1\n",
     "7: job a: REQ MW4 is not a bit: give a BOOL address, e.g. M10.1 or DB40.DBX32.0"},
    {"jobs:\n  - name: a\n    kind: put\n    host: h\n    addr: MW0\n    local: MW2\n    every: "
     "1s\n    error: MW6\n",
     "8: job a: ERROR MW6 is not a bit: give a BOOL address, e.g. M10.1 or DB40.DBX32.0"},
    {"jobs:\n  - name: a\n    kind: put\n    host: h\n    addr: MW0\n    local: MW2\n    every: "
     "1s\n    done: MW6\n",
     "8: job a: DONE MW6 is not a bit: give a BOOL address, e.g. M10.1 or DB40.DBX32.0"},
    {"jobs:\n  - {name: a, kind: get, host: h, addr: MW0, local: MW2, every: soon}\n",
     "2: job a: every: 'soon' is not a duration: a number with its unit, e.g. 500ms, 0.5s, 2 s, "
     "1min (a "
     "bare number is milliseconds)"},
    {"jobs:\n  - {name: a, kind: get, host: h, addr: MW0, local: MW2, every: 1s, done: M0.0}\n",
     "2: job a: a get job has no done output: use ndr:"},
    {"jobs:\n  - {name: a, kind: get, host: h, local: MW2, every: 1s}\n",
     "2: job a: no partner area: give addr: (e.g. addr: DB20.DBB0..DBB31) and local:"},
    {"jobs:\n  - {name: a, kind: put, host: h, addr: MW2, every: 1s}\n",
     "2: job a: no local area: give local: (what is sent, SD), e.g. local: DB40.DBB0"},
    {"jobs:\n  - {name: a, kind: get, host: h, addr: [MW0, MW2], local: MW2, every: 1s}\n",
     "2: job a: 2 partner areas but 1 local area: one local area per partner area"},
    {"jobs:\n  - {name: a, kind: get, host: h, addr: [MB0, MB1, MB2, MB3, MB4], local: MW2, every: "
     "1s}\n",
     "2: job a: addr: more than four areas: GET and PUT move at most four (ADDR_1..ADDR_4); split "
     "the "
     "job"},
    {"jobs:\n  - {name: a, kind: get, host: h, addr: DB1.DBZ0, local: MW2, every: 1s}\n",
     "2: job a: addr: address 'DB1.DBZ0': unknown width 'DBZ' in 'DB1.DBZ0' (use DBX bit, DBB "
     "byte, DBW "
     "word, DBD double word); an address is a tag (DB20.DBW4, MW10, DB20.DBD8:REAL), a range "
     "(DB20.DBB0..DBB31, DB20.DBB0..31) or an ANY pointer (P#DB20.DBX0.0 BYTE 32)"},
    {"jobs:\n  - {name: a, kind: get, host: h, areas: [{addr: MW0}], every: 1s}\n",
     "2: job a: the area needs both addr: (partner) and local:"},
    {"jobs:\n  - {name: a, kind: get, host: h, areas: [{addr: MW0, local: MW2, x: 1}], every: "
     "1s}\n",
     "2: job a: areas: unknown key 'x' (keys: addr, local)"},
    {"jobs:\n  - {name: a, kind: get, host: h, addr: MW0, areas: [], local: MW2, every: 1s}\n",
     "2: job a: give either areas: or addr: with local:, not both"},
    {"jobs:\n  - {name: a, kind: get, host: h, areas: [], every: 1s}\n",
     "2: job a: areas: the list is empty: give one to four {addr:, local:}"},
    {"jobs:\n  - {name: a, kind: get, addr: MW0, local: MW2, every: 1s}\n",
     "2: job a: no partner: give connection: (an entry of connections:) or host: PARTNER"},
    {"jobs:\n  - {name: a, kind: get, connection: 3, addr: MW0, local: MW2, every: 1s}\n",
     "2: job a: connection '3' is not in connections: (give the id or name of an entry there)"},
    {"connections:\n  - {id: 3, host: h}\njobs:\n  - {name: a, kind: get, connection: 3, slot: 2, "
     "addr: MW0, local: MW2, every: 1s}\n",
     "4: job a: give either connection: (an entry of connections:) or the partner's host: with its "
     "keys, not both"},
    {"connections:\n  - {id: 3, side: passive, host: h}\njobs:\n  - {name: a, kind: get, "
     "connection: 3, addr: MW0, local: MW2, every: 1s}\n",
     "4: job a: connection 3 is passive, but GET and PUT run on the active side: make it active "
     "(side: active) with the partner's address"},
    {"jobs:\n  - {name: a, kind: get, host: h, addr: MW0, local: MW2, every: 1s}\n  - {name: a, "
     "kind: get, host: h, addr: MW0, local: MW2, every: 1s}\n",
     "3: job a: the name is already used at DIR/bad.yaml:2: give each job its own name"},
    {"jobs:\n  - {name: a, kind: get, host: h, addr: MW0, local: MW2, every: 1s, colour: red}\n",
     "2: job a: job: unknown key 'colour' (keys: name, kind, connection, host, port, rack, slot, "
     "type, "
     "tsap, pdu, side, addr, local, areas, every, req, ndr, done, error, status, r_id, outputs)"},
    /* the PDU limit, refused at load with the limit named */
    {"jobs:\n  - name: big\n    kind: get\n    host: h\n    addr: DB20.DBB0..DBB299\n    local: "
     "DB40.DBB0\n    every: 1s\n",
     "2: job big: a GET of 1 area moves 300 bytes, more than fit one PDU of 240 bytes (at most 222 "
     "bytes: PDU - 14 - 4 per area): make the areas smaller, split the job, or raise the PDU "
     "(--pdu 480 or 960, pdu: in YAML) when the partner negotiates it"},
    {"jobs:\n  - {name: a, kind: get, host: h, addr: MW0, local: MW2, every: 1s, outputs: hold}\n",
     "2: job a: outputs: 'hold': pulse (NDR/DONE, ERROR and STATUS for one scan, as the "
     "instructions) or "
     "latch (held until the next result)"},
    {"scan: 0\njobs: []\n",
     "1: scan: '0' is outside 1 ms..10 s (the CPU's scan time its jobs are called at, e.g. 10ms; a "
     "bare number is milliseconds)"},
    {"jobs:\n  - {name: a, kind: get, host: h, addr: MW0, local: MW2, every: 1s, status: M0.0}\n",
     "2: job a: STATUS M0.0 is not a WORD: give a word address, e.g. MW12 or DB40.DBW34"},
    /* the partner jobs */
    {"jobs:\n  - {name: a, kind: brcv, side: unspecified, local: MW0}\n",
     "2: job a: no r_id: give r_id: N, the R_ID the partner's BSEND uses too"},
    {"jobs:\n  - {name: a, kind: urcv, side: unspecified, local: MW0, r_id: -1}\n",
     "2: job a: r_id: '-1' must be a number 0..4294967295 or 16#hex, the R_ID the partner's job "
     "uses "
     "too, e.g. r_id: 5"},
    {"jobs:\n  - {name: a, kind: bsend, host: h, r_id: 5, addr: MW0, local: MW0, every: 1s}\n",
     "2: job a: a bsend job has no partner area (addr:, areas:): the partner's BRCV with the "
     "same R_ID decides where the block lands; give local: only"},
    {"jobs:\n  - {name: a, kind: bsend, host: h, r_id: 5, every: 1s}\n",
     "2: job a: no local area: give local: (what is sent, SD_1), e.g. local: P#DB10.DBX0.0 BYTE "
     "100"},
    {"jobs:\n  - {name: a, kind: brcv, host: h, r_id: 5, local: [MW0, MW2]}\n",
     "2: job a: local: one area: a brcv job moves one block (SD_1 / RD_1)"},
    {"jobs:\n  - {name: a, kind: usend, host: h, r_id: 5, local: MW0}\n",
     "2: job a: no trigger: give every: DURATION (e.g. every: 100ms) or req: BIT (rising edge of "
     "a local bit, e.g. req: M10.0)"},
    {"jobs:\n  - {name: a, kind: urcv, side: unspecified, r_id: 5, local: MW0, every: 1s}\n",
     "2: job a: a urcv job takes what comes: no every: or req: (the partner's USEND decides "
     "when)"},
    {"jobs:\n  - {name: a, kind: bsend, host: h, r_id: 5, local: MW0, every: 1s, req: M0.0}\n",
     "2: job a: both every: and req: given: a job has one trigger"},
    {"jobs:\n  - {name: a, kind: brcv, host: h, r_id: 5, local: MW0, done: M0.0}\n",
     "2: job a: a brcv job has no done output: use ndr:"},
    {"connections:\n  - {id: 1, side: unspecified}\njobs:\n  - {name: a, kind: brcv, connection: "
     "1, side: passive, r_id: 5, local: MW0}\n",
     "4: job a: give either connection: (an entry of connections:) or the partner's keys (host:, "
     "side: ...), not both"},
    {"jobs:\n  - {name: a, kind: brcv, side: passive, r_id: 5, local: MW0}\n",
     "2: job a: no partner: give connection: (an entry of connections:), host: PARTNER (this CPU "
     "connects; side: passive: it waits for that partner) or side: unspecified (this CPU waits "
     "for any partner)"},
    {"jobs:\n  - {name: a, kind: brcv, connection: 9, r_id: 5, local: MW0}\n",
     "2: job a: connection '9' is not in connections: (give the id or name of an entry there)"},
    {"jobs:\n  - {name: a, kind: get, host: h, addr: MW0, local: MW2, every: 1s, r_id: 5}\n",
     "2: job a: r_id: pairs partner jobs (bsend/brcv, usend/urcv); a get job has none: drop it"},
    {"jobs:\n  - {name: a, kind: usend, host: h, r_id: 5, local: P#DB1.DBX0.0 BYTE 500, every: "
     "1s}\n",
     "2: job a: SD_1 DB1.DBB0..DBB499 has 500 bytes: a usend moves 1..452 bytes at the "
     "connection's PDU: make the area smaller or raise the PDU (pdu: 960)"},
    {"jobs:\n  - {name: a, kind: bsend, host: h, r_id: 5, local: MW0, every: 1s, error: MW2}\n",
     "2: job a: ERROR MW2 is not a bit: give a BOOL address, e.g. M10.1 or DB40.DBX32.0"},
    {"jobs:\n  - {name: a, kind: brcv, side: unspecified, r_id: 5, local: MW0}\n  - {name: a, "
     "kind: brcv, side: unspecified, r_id: 6, local: MW2}\n",
     "3: job a: the name is already used at DIR/bad.yaml:2: give each job its own name"},
    {"jobs:\n  - bsend h 5 every 1s from MW0 --done MW4\n",
     "2: --done MW4 must be a BOOL (e.g. M0.1)"},
    /* R_ID clashes: one receiving and one sending job per R_ID and connection */
    {"jobs:\n  - {name: a, kind: brcv, side: unspecified, r_id: 5, local: MW0}\n  - {name: b, "
     "kind: urcv, side: unspecified, r_id: 5, local: MW2}\n",
     "3: job b: R_ID 5 on connection 1 is already used by job a (brcv, DIR/bad.yaml:2): a "
     "connection has one receiving job (brcv or urcv) per R_ID, the one the partner's BSEND/USEND "
     "of that R_ID talks to: give this job another r_id, and its partner's job the same"},
    {"connections:\n  - {id: 4, host: h}\njobs:\n  - {name: a, kind: bsend, connection: 4, r_id: "
     "16#A, local: MW0, every: 1s}\n  - {name: b, kind: usend, connection: 4, r_id: 10, local: "
     "MW2, every: 1s}\n",
     "5: job b: R_ID 10 on connection 4 is already used by job a (bsend, DIR/bad.yaml:4): a "
     "connection has one sending job (bsend or usend) per R_ID, the one the partner's BRCV/URCV "
     "of that R_ID talks to: give this job another r_id, and its partner's job the same"},
    /* a host that is no address (a typo the resolver would take for a name) */
    {"connections:\n  - {id: 1, host: 10.200.2.300}\n",
     "2: connection 1: host '10.200.2.300': not an IPv4 address (four numbers 0..255 separated by "
     "dots, e.g. 192.168.0.1) and not a host name: give the partner's address, e.g. host: "
     "10.200.2.10"},
    {"jobs:\n  - get 10.0.0.1.5 MW0 every 1s into MW2\n",
     "2: connection 1: host '10.0.0.1.5': not an IPv4 address (four numbers 0..255 separated by "
     "dots, e.g. 192.168.0.1) and not a host name: give the partner's address, e.g. host: "
     "10.200.2.10"},
    {"jobs:\n  - {name: a, kind: bsend, host: 'plc 1', r_id: 5, local: MW0, every: 1s}\n",
     "2: connection 1: host 'plc 1': a host name has letters, digits, '-', '.' and '_' only, and "
     "an address is four numbers 0..255 separated by dots: give the partner's address, e.g. host: "
     "10.200.2.10"},
    /* a key without a value; a misspelt key without one is an unknown key */
    {"jobs:\n  - {name: a, kind: get, host: h, addr: MW0, local: MW2, every: }\n",
     "2: job a: every: has no value: give one, e.g. every: 100ms, or leave the key out"},
    {"connections:\n  - {id: 1, host: h, pdu: }\n",
     "2: pdu: has no value: give one, e.g. pdu: 480, or leave the key out"},
    {"jobs:\n  - {name: a, kind: get, host: h, addr: MW0, local: MW2, evry: }\n",
     "2: job a: job: unknown key 'evry' (keys: name, kind, connection, host, port, rack, slot, "
     "type, "
     "tsap, pdu, side, addr, local, areas, every, req, ndr, done, error, status, r_id, outputs)"},
    /* wrong types, numbers out of range, durations */
    {"jobs:\n  - {name: a, kind: get, host: h, addr: MW0, local: MW2, every: [1, 2]}\n",
     "2: job a: every: expected a single value, got a list"},
    {"connections:\n  - {id: 1, host: h, port: 70000}\n",
     "2: port: '70000' must be a number 1..65535, e.g. port: 102"},
    {"connections:\n  - {id: 1.5, host: h}\n",
     "2: id: '1.5' must be a number 1..4095, e.g. id: 1 (the local ID the jobs name)"},
    {"jobs:\n  - {name: a, kind: get, host: h, addr: MW0, local: MW2, every: -100ms}\n",
     "2: job a: every: '-100ms' is not a duration: a number with its unit, e.g. 500ms, 0.5s, 2 s, "
     "1min "
     "(no "
     "negative times) (a bare number is milliseconds)"},
    {"jobs:\n  - {name: a, kind: get, host: h, addr: MW0, local: MW2, every: 99999999999s}\n",
     "2: job a: every: '99999999999s' is outside 1 ms..24 h (a bare number is milliseconds)"},
    {"jobs:\n  - get h MW0 every 5 into MW2\n",
     "2: every '5' needs a unit (ms, s, min or h), e.g. 500ms, 0.5s, 2 s, 1min"},
    /* ANY pointers */
    {"jobs:\n  - {name: a, kind: get, host: h, addr: P#DB20.DBX0.1 BYTE 4, local: MD0, every: "
     "1s}\n",
     "2: job a: addr: address 'P#DB20.DBX0.1 BYTE 4': ANY pointer 'P#DB20.DBX0.1 BYTE 4': a BYTE "
     "range "
     "starts on a byte: the bit must be .0 (only BOOL starts on any bit); an ANY pointer is "
     "P#DB30.DBX0.0 BYTE 100, P#M10.0 BYTE 4, P#I0.0 BOOL 8, P#Q4.0 WORD 2, P#T 5 TIMER 3 or P#C 0 "
     "COUNTER 2; an address is a tag (DB20.DBW4, MW10, DB20.DBD8:REAL), a range (DB20.DBB0..DBB31, "
     "DB20.DBB0..31) or an ANY pointer (P#DB20.DBX0.0 BYTE 32)"},
    {"jobs:\n  - {name: a, kind: get, host: h, addr: P#DB20.DBX0.0 BYTE 0, local: MD0, every: "
     "1s}\n",
     "2: job a: addr: address 'P#DB20.DBX0.0 BYTE 0': ANY pointer 'P#DB20.DBX0.0 BYTE 0': the "
     "count must "
     "be 1..65535; an ANY pointer is P#DB30.DBX0.0 BYTE 100, P#M10.0 BYTE 4, P#I0.0 BOOL 8, P#Q4.0 "
     "WORD 2, P#T 5 TIMER 3 or P#C 0 COUNTER 2; an address is a tag (DB20.DBW4, MW10, "
     "DB20.DBD8:REAL), a range (DB20.DBB0..DBB31, DB20.DBB0..31) or an ANY pointer (P#DB20.DBX0.0 "
     "BYTE 32)"},
    /* a PUT over the PDU limit; a duplicate connection name */
    {"jobs:\n  - {name: p, kind: put, host: h, addr: DB20.DBB0..DBB212, local: DB40.DBB0, every: "
     "1s}\n",
     "2: job p: a PUT of 1 area moves 213 bytes, more than fit one PDU of 240 bytes (at most 212 "
     "bytes: PDU - 12 - 16 per area): make the areas smaller, split the job, or raise the PDU "
     "(--pdu 480 or 960, pdu: in YAML) when the partner negotiates it"},
    {"connections:\n  - {id: 1, name: x, host: h}\n  - {id: 2, name: x, host: g}\n",
     "3: connection name 'x' is already used: give each connection its own name"},
    /* entries without a line of their own: an empty entry is named by its place, an empty
     * list inside a job by the job's line */
    {"jobs:\n  - get h MW0 every 1s into MW2\n  -\n",
     " jobs: entry 2 is empty: give a job (name:, kind:, connection:, addr:, local:, every:) or "
     "one line (\"get HOST ADDR every 100ms into LOCAL\")"},
    {"jobs:\n  - {}\n",
     " jobs: entry 1 is empty: give a job (name:, kind:, connection:, addr:, local:, every:) or "
     "one line (\"get HOST ADDR every 100ms into LOCAL\")"},
    {"jobs:\n  - {name: x, kind: get, host: h,\n     addr: [], local: MW0, every: 1s}\n",
     "3: job x: addr: the list is empty: give one to four addresses"}, /* the key's line */
    /* a partner's keys under connection: instead of beside kind: */
    {"jobs:\n  - {name: a, kind: get, connection: {host: h, port: 1102}, addr: MW0, local: MW0, "
     "every: 1s}\n",
     "2: job a: connection: give the id or name of an entry of connections: (e.g. connection: "
     "line-m1); a "
     "partner of its own goes into the job itself (host:, port:, slot:, ... beside kind:)"},
    /* two spellings of one key (the YAML duplicate-key check lets them through): the later
     * one used to replace the first silently */
    {"connections:\n  - {id: 1, host: 10.0.0.1, address: 10.0.0.2}\n",
     "2: 'address' and 'host' (line 2) are two spellings of one key: give it once"},
    {"connections:\n  - {id: 1, host: a}\njobs:\n  - name: a\n    kind: get\n    connection: "
     "1\n    addr: MB0\n    partner_area: MB1\n    local: MB2\n    every: 1s\n",
     "8: job a: 'partner_area' and 'addr' (line 7) are two spellings of one key: give it once"},
    {"connections:\n  - {id: 1, host: a}\njobs:\n  - name: a\n    kind: get\n    connection: "
     "1\n    every: 1s\n    areas:\n      - {addr: MB0, local: MB2, rd: MB4}\n",
     "9: job a: areas: 'rd' and 'local' (line 9) are two spellings of one key: give it once"},
    /* the file itself: empty, tabs */
    {"", " no YAML document in it (empty?): expected connections: and jobs:"},
    {"jobs:\n\t- get h MW0 every 1s into MW2\n",
     "2:1: not valid YAML: tab character may not be used as indentation"},
};

static void test_bad(void)
{
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        s7_exchange x;
        char err[1200] = "", want[1200], *d;
        const char *path = put("bad.yaml", BAD[i].text);
        snprintf(want, sizeof want, "%s:%s", path, BAD[i].msg);
        while ((d = strstr(want, "DIR/")) != NULL) { /* the temporary directory */
            char rest[1200];
            snprintf(rest, sizeof rest, "%s", d + 4);
            snprintf(d, sizeof want - (size_t)(d - want), "%s/%s", dir, rest);
        }
        s7_exchange_init(&x);
        int rc = s7_config_load_exchange(path, &x, err, sizeof err);
        if (rc != S7_ERR_INVAL || strcmp(err, want) != 0)
            fprintf(stderr, "bad file %zu:\n%s  got  '%s'\n  want '%s'\n", i, BAD[i].text, err,
                    want);
        CHECK_INT(rc, S7_ERR_INVAL);
        CHECK_STR(err, want);
        s7_exchange_free(&x);
    }
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_good();
    test_docs_partner();
    test_bad();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return t_done();
}
