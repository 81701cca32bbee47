/* Unit tests for plant/validate.c and plant/tsap.c: a plant built through the API is
 * checked with the messages the inventory documents (the entry, FILE:LINE when known, the
 * fix), every problem is reported by s7_plant_validate_each, and the TSAPs are resolved
 * from rack/slot/type, the profile's facts, LOGO!'s pair or explicit TSAPs. */
#include <stdlib.h>
#include <string.h>

#include "s7/plant.h"
#include "s7/wire.h"
#include "t.h"

/* Two cells, a PLC and an HMI, one connection HMI -> PLC reading DB10. */
static s7_plant *small(void)
{
    s7_plant *p = s7_plant_new();
    s7_plant_cell *c = s7_plant_add_cell(p, "line1");
    s7_plant_cell_set_subnet(c, 0x0A0A0100u, 24);
    s7_plant_add_cell(p, "scada");
    s7_plant_partner *pt = s7_plant_add_partner(p, "plc1");
    s7_plant_partner_set_address(pt, "10.10.1.10");
    s7_plant_partner_set_cell(pt, "line1");
    pt->kind = S7_PLANT_KIND_PLC;
    pt = s7_plant_add_partner(p, "hmi1");
    s7_plant_partner_set_address(pt, "10.20.0.5");
    s7_plant_partner_set_cell(pt, "scada");
    pt->type = 2;
    s7_plant_conn *cn = s7_plant_add_conn(p, "hmi1-plc1", "hmi1", "plc1");
    s7_plant_exchange *e = s7_plant_conn_add_exchange(cn, S7_PLANT_GET, 500);
    s7_plant_exchange_add_range(e, S7_AREA_DB, 10, 0, 64);
    return p;
}

static void test_valid(void)
{
    s7_plant *p = small();
    char err[512] = "";
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    CHECK_STR(err, "");
    CHECK_INT(p->conns[0].active, 1);
    CHECK_INT(p->conns[0].passive, 0);
    CHECK_INT(p->partners[1].cell, 1);
    CHECK_INT(p->conns[0].type, 2); /* the active partner's type */
    CHECK_INT(p->conns[0].rack, 0);
    CHECK_INT(p->conns[0].slot, 1);
    CHECK_INT(p->conns[0].local_tsap, 0x0100);
    CHECK_INT(p->conns[0].remote_tsap, 0x0201);
    CHECK_INT(p->conns[0].explicit_tsap, 0);
    CHECK(s7_plant_conn_passive(p, &p->conns[0]) == &p->partners[0]);
    CHECK(s7_plant_is_passive(p, &p->partners[0]));
    CHECK(!s7_plant_is_passive(p, &p->partners[1]));
    s7_plant_free(p);
}

static void test_unknown_partner(void)
{
    s7_plant *p = small();
    char err[512];
    s7_plant_conn_set_passive(&p->conns[0], "plc9");
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "connection hmi1-plc1: passive partner 'plc9' is not in partners");
    /* with a file and the lines a loader records: FILE:LINE in front */
    s7_plant_set_file(p, "plant.yaml");
    p->conns[0].line = 30;
    p->conns[0].passive_line = 32;
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err,
              "plant.yaml:32: connection hmi1-plc1: passive partner 'plc9' is not in partners");
    s7_plant_conn_set_passive(&p->conns[0], "hmi1");
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "plant.yaml:32: connection hmi1-plc1: 'hmi1' is both active and passive: a "
                   "connection joins two partners");
    s7_plant_free(p);
}

static void test_duplicates(void)
{
    s7_plant *p = small();
    char err[512];
    s7_plant_set_file(p, "f.yaml");
    p->partners[0].line = 7;
    p->partners[1].line = 12;
    s7_plant_partner_set_name(&p->partners[1], "plc1");
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "f.yaml:12: partner plc1: the name is used twice (first at line 7): partner "
                   "names must be unique");
    s7_plant_partner_set_name(&p->partners[1], "hmi1");
    s7_plant_partner_set_address(&p->partners[1], "10.10.1.10");
    s7_plant_partner_set_cell(&p->partners[1], "line1");
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "f.yaml:12: partner hmi1: address 10.10.1.10:102 is also partner plc1's (line "
                   "7): one partner per address");
    s7_plant_free(p);

    p = small(); /* no lines: the entry is named by its index */
    s7_plant_add_conn(p, "hmi1-plc1", "hmi1", "plc1");
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "connection hmi1-plc1: the name is used twice (first as connections[0]): "
                   "connection names must be unique");
    s7_plant_free(p);
}

static void test_cells(void)
{
    s7_plant *p = small();
    char err[512];
    s7_plant_partner_set_address(&p->partners[0], "10.10.2.10");
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "partner plc1: address 10.10.2.10 is not in cell line1's subnet 10.10.1.0/24: "
                   "fix the address or the cell");
    s7_plant_partner_set_address(&p->partners[0], "10.10.1.10");
    s7_plant_partner_set_cell(&p->partners[0], "line2");
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "partner plc1: cell 'line2' is not in cells (cells: line1, scada)");
    s7_plant_free(p);

    /* no cells declared: they come from the partners, in order */
    p = s7_plant_new();
    s7_plant_partner *a = s7_plant_add_partner(p, "a");
    s7_plant_partner_set_address(a, "10.0.0.1");
    s7_plant_partner_set_cell(a, "east");
    s7_plant_partner *b = s7_plant_add_partner(p, "b");
    s7_plant_partner_set_address(b, "10.0.0.2");
    s7_plant_partner_set_cell(b, "west");
    s7_plant_conn *c = s7_plant_add_conn(p, "a-b", "a", "b");
    s7_plant_exchange_add_range(s7_plant_conn_add_exchange(c, S7_PLANT_PUT, 0), S7_AREA_M, 0, 0, 4);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    CHECK_INT(p->ncells, 2);
    CHECK_STR(p->cells[0].name, "east");
    CHECK_STR(p->cells[1].name, "west");
    CHECK_INT(p->partners[1].cell, 1);
    s7_plant_free(p);
}

static void test_partner_rules(void)
{
    s7_plant *p = small();
    char err[512];
    s7_plant_partner_set_tsap(&p->partners[0], 0x0100, 0x0200);
    p->partners[0].rack = 0;
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "partner plc1: tsap and rack/slot both given: the remote TSAP already names "
                   "the rack and slot; keep one of them");
    p->partners[0].rack = -1;
    s7_plant_partner_set_cell(&p->partners[0], NULL);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "partner plc1: no cell: name the cell or network segment it sits in (e.g. "
                   "cell: line1)");
    s7_plant_free(p);

    p = small();
    s7_plant_partner_set_name(&p->partners[0], "9plc");
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "partners[0]: '9plc' is not a usable name") == err);
    s7_plant_free(p);
}

static void test_exchanges(void)
{
    s7_plant *p = small();
    char err[512];
    p->conns[0].ex[0].ranges[0].offset = 65500;
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "connection hmi1-plc1 exchanges[0].range[0]: offset 65500 + length 64 ends "
                   "beyond byte 65535: PUT/GET addresses at most 64 KB of an area");
    s7_plant_free(p);

    p = small();
    p->conns[0].nex = 0; /* the array stays allocated: s7_plant_free releases it */
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "connection hmi1-plc1: no exchanges: list what it reads or writes") == err);
    p->conns[0].nex = 1;
    s7_plant_free(p);
}

static int count_msgs(void *ctx, const char *msg)
{
    (void)msg;
    (*(int *)ctx)++;
    return 0;
}

static void test_each(void)
{
    s7_plant *p = small();
    int n = 0;
    s7_plant_partner_set_address(&p->partners[0], "10.10.2.10"); /* subnet */
    s7_plant_conn *c = s7_plant_add_conn(p, "x", "nobody", "plc1");
    s7_plant_exchange_add_range(s7_plant_conn_add_exchange(c, S7_PLANT_GET, 0), S7_AREA_DB, 1, 0,
                                1);
    CHECK_INT(s7_plant_validate_each(p, count_msgs, &n), 2);
    CHECK_INT(n, 2);
    s7_plant_free(p);
}

static void test_tsaps(void)
{
    char err[512];
    /* the passive partner's profile says where it sits: an S7-300 in slot 2 */
    s7_plant *p = small();
    p->partners[1].type = 0;
    s7_plant_partner_set_profile(&p->partners[0], "s7-300", 0, 2, 0);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    CHECK_INT(p->conns[0].type, 1);
    CHECK_INT(p->conns[0].slot, 2);
    CHECK_INT(p->conns[0].remote_tsap, s7_tsap_make(1, 0, 2));
    s7_plant_free(p);
    /* a LOGO! without rack/slot: 0100:0200 */
    p = small();
    s7_plant_partner_set_profile(&p->partners[0], "logo8", 0, 1, 1);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    CHECK_INT(p->conns[0].local_tsap, 0x0100);
    CHECK_INT(p->conns[0].remote_tsap, 0x0200);
    CHECK_INT(p->conns[0].explicit_tsap, 1);
    s7_plant_free(p);
    /* the passive partner's own TSAPs */
    p = small();
    s7_plant_partner_set_tsap(&p->partners[0], 0x1000, 0x1001);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    CHECK_INT(p->conns[0].local_tsap, 0x1000);
    CHECK_INT(p->conns[0].remote_tsap, 0x1001);
    s7_plant_free(p);
    /* the connection's explicit TSAPs win; rack/slot from the partner */
    p = small();
    p->partners[0].rack = 0;
    p->partners[0].slot = 3;
    p->conns[0].type = 3;
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    CHECK_INT(p->conns[0].remote_tsap, 0x0303);
    /* (explicit TSAPs that contradict the documented rack/slot are refused: test_profile_tsaps;
     * here nothing says where the CPU sits) */
    p->partners[0].rack = p->partners[0].slot = -1;
    s7_plant_conn_set_tsap(&p->conns[0], 0x0200, 0x0302);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    CHECK_INT(p->conns[0].remote_tsap, 0x0302);
    s7_plant_free(p);
}

/* The figures an s7-1200 profile gives (the loader takes them from server/profiles.c). */
static void limits_1200(s7_plant_partner *pt)
{
    s7_plant_partner_set_profile(pt, "s7-1200", 0, 1, 0);
    memset(&pt->limits, 0, sizeof pt->limits);
    pt->limits.known = 1;
    pt->limits.max_conn[0] = 16;
    pt->limits.max_conn[1] = 4;
    pt->limits.max_conn[2] = 12;
    pt->limits.max_conn[3] = 8;
    pt->limits.tsap_rule = S7_PLANT_TSAP_RACKSLOT;
    pt->limits.slot0_too = 1;
}

static void limits_logo(s7_plant_partner *pt)
{
    s7_plant_partner_set_profile(pt, "logo8", 0, 1, 1);
    memset(&pt->limits, 0, sizeof pt->limits);
    pt->limits.known = 1;
    for (int t = 0; t < 4; t++)
        pt->limits.max_conn[t] = 8;
    pt->limits.vmem = 851;
    pt->limits.tsap_rule = S7_PLANT_TSAP_LOGO;
}

/* n more connections hmi1 -> plc1 of type (0: the HMI's), each reading DB10. */
static void more_conns(s7_plant *p, int n, int type)
{
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "c%d", i);
        s7_plant_conn *cn = s7_plant_add_conn(p, name, "hmi1", "plc1");
        cn->type = type;
        cn->line = 100 + i;
        s7_plant_exchange *e = s7_plant_conn_add_exchange(cn, S7_PLANT_GET, 500);
        s7_plant_exchange_add_range(e, S7_AREA_DB, 10, 0, 4);
    }
}

/* Connection budgets of the profile: per type and in all, the passive CPU counting the
 * called TSAP's type, an active CPU its connections too; the first connection over the
 * budget is named with FILE:LINE. */
static void test_budgets(void)
{
    char err[700];
    s7_plant *p = small();
    s7_plant_set_file(p, "plant.yaml");
    limits_1200(&p->partners[0]);
    more_conns(p, 7, 3); /* 1 OP + 7 basic: inside the budgets */
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    s7_plant_free(p);
    p = small();
    s7_plant_set_file(p, "plant.yaml");
    limits_1200(&p->partners[0]);
    more_conns(p, 9, 3); /* 9 basic: one more than 8 */
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "plant.yaml:108: connection c8: it is plc1's 9th S7 basic connection (9 "
                   "documented: 9 with it as the passive partner, 0 as the active one), but its "
                   "profile s7-1200 serves 8 (4 PG, 12 OP, 8 S7 basic, 16 in all): carry more "
                   "exchanges over one connection (a connection lists any number of exchanges), "
                   "or give some connections another type (type: pg, op or basic)");
    s7_plant_free(p);
    /* the total: a LOGO! serves 8 in all */
    p = small();
    limits_logo(&p->partners[0]);
    p->conns[0].ex[0].ranges[0].db = 1;
    more_conns(p, 7, 0);
    for (size_t i = 1; i < p->nconns; i++)
        p->conns[i].ex[0].ranges[0].db = 1;
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    s7_plant_free(p);
    p = small();
    limits_logo(&p->partners[0]);
    p->conns[0].ex[0].ranges[0].db = 1;
    more_conns(p, 8, 0);
    for (size_t i = 1; i < p->nconns; i++)
        p->conns[i].ex[0].ranges[0].db = 1;
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "connection c7: it is plc1's 9th connection (9 documented") == err);
    CHECK(strstr(err, "its profile logo8 serves 8 (8 PG, 8 OP, 8 S7 basic, 8 in all)") != NULL);
    s7_plant_free(p);
    /* an active CPU's connections count against its own budget */
    p = small();
    limits_1200(&p->partners[1]); /* hmi1 is an S7-1200 now, the active side */
    p->partners[1].type = 3;
    more_conns(p, 8, 0);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "connection c7: it is hmi1's 9th S7 basic connection (9 documented: 0 "
                      "with it as the passive partner, 9 as the active one)") == err);
    s7_plant_free(p);
}

/* Ranges against what the passive CPU's profile serves: T/C, the LOGO!'s one DB and its
 * length. */
static void test_profile_ranges(void)
{
    char err[700];
    s7_plant *p = small();
    limits_logo(&p->partners[0]);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "connection hmi1-plc1 exchanges[0].range[0]: DB10 on plc1: its profile logo8 "
                   "has one DB, DB1 (its V memory, 851 bytes: DB1.DBB0..DBB850): exchange DB1 "
                   "(VB n is DB1.DBB n)");
    p->conns[0].ex[0].ranges[0].db = 1;
    p->conns[0].ex[0].ranges[0].offset = 800; /* 800..863: beyond 850 */
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "connection hmi1-plc1 exchanges[0].range[0]: DB1 bytes 800..863 on plc1: its "
                   "profile logo8 has 851 bytes of V memory (DB1.DBB0..DBB850): keep the range "
                   "inside them");
    p->conns[0].ex[0].ranges[0].offset = 787; /* 787..850: the last bytes */
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    s7_plant_free(p);
    p = small();
    limits_1200(&p->partners[0]);
    s7_plant_range *r = &p->conns[0].ex[0].ranges[0];
    r->area = S7_AREA_T;
    r->db = 0;
    r->offset = 0;
    r->length = 8;
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "connection hmi1-plc1 exchanges[0].range[0]: timers T0..T7 on plc1: its "
                   "profile s7-1200 serves no timers or counters over PUT/GET (S7-1200, S7-1500, "
                   "LOGO!, S7-200): copy them into a DB in the CPU's program and exchange that "
                   "DB");
    p->partners[0].limits.has_timers = 1; /* an S7-300 would serve them */
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    s7_plant_free(p);
}

/* A called TSAP that contradicts the documented type, or the rack/slot of an
 * S7-300/400/1200/1500 (profile or rack/slot given); LOGO! TSAPs follow their own rule. */
static void test_profile_tsaps(void)
{
    char err[700];
    s7_plant *p = small();
    s7_plant_set_file(p, "plant.yaml");
    limits_1200(&p->partners[0]);
    s7_plant_conn *c = &p->conns[0];
    c->tsap_line = 31;
    s7_plant_conn_set_tsap(c, 0x0100, 0x0202); /* op (the HMI's), slot 2 */
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "plant.yaml:31: connection hmi1-plc1: tsap 0100:0202 names rack 0 slot 2, but "
                   "plc1 sits at rack 0 slot 1 (its profile s7-1200): give tsap 0100:0201 (or "
                   "fix the rack and slot)");
    s7_plant_conn_set_tsap(c, 0x0100, 0x0200); /* slot 0: an S7-1200 at slot 1 takes it */
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    s7_plant_free(p);
    p = small();
    s7_plant_set_file(p, "plant.yaml");
    limits_1200(&p->partners[0]);
    c = &p->conns[0];
    c->tsap_line = 31;
    c->type = 2;
    s7_plant_conn_set_tsap(c, 0x0100, 0x0301);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "plant.yaml:31: connection hmi1-plc1: tsap 0100:0301 calls connection type "
                   "basic (03), but the type is op (02): make them agree (tsap 0100:0201, or "
                   "type: basic)");
    c->type = 3;
    s7_plant_conn_set_tsap(c, 0x0100, 0x0101);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "tsap 0100:0101 calls connection type pg (01), but the type is basic (03)"));
    s7_plant_free(p);
    /* rack/slot documented without a profile: the same rule */
    p = small();
    p->partners[0].rack = 0;
    p->partners[0].slot = 2;
    s7_plant_conn_set_tsap(&p->conns[0], 0x0100, 0x0201);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "tsap 0100:0201 names rack 0 slot 1, but plc1 sits at rack 0 slot 2: give "
                      "tsap 0100:0202"));
    s7_plant_free(p);
    /* the partner's own TSAP against its profile */
    p = small();
    limits_1200(&p->partners[0]);
    s7_plant_partner_set_tsap(&p->partners[0], 0x0100, 0x0302);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "partner plc1: tsap 0100:0302 names rack 0 slot 2, but its profile s7-1200 "
                   "sits at rack 0 slot 1: give tsap 0100:0301");
    s7_plant_free(p);
    /* a LOGO!'s TSAPs are its own */
    p = small();
    limits_logo(&p->partners[0]);
    p->conns[0].ex[0].ranges[0].db = 1;
    s7_plant_conn_set_tsap(&p->conns[0], 0x0200, 0x0201);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    s7_plant_free(p);
}

/* A cell's network and broadcast addresses are no partner's and no router interface's. */
static void test_edge_addresses(void)
{
    char err[700];
    s7_plant *p = small();
    s7_plant_partner_set_address(&p->partners[0], "10.10.1.255");
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err,
              "partner plc1: address 10.10.1.255 is cell line1's broadcast address "
              "(10.10.1.0/24): no host can have it; give an address of 10.10.1.1..10.10.1.254");
    s7_plant_partner_set_address(&p->partners[0], "10.10.1.0");
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "address 10.10.1.0 is cell line1's network address (10.10.1.0/24)"));
    s7_plant_partner_set_address(&p->partners[0], "10.10.1.254");
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    s7_plant_free(p);
    p = small();
    s7_plant_router *r = s7_plant_add_router(p, "fw1");
    s7_plant_router_if *ri = s7_plant_router_add_if(r, "eth1", "line1");
    CHECK_INT(s7_plant_router_if_set_address(ri, "10.10.1.0/24"), 0);
    ri = s7_plant_router_add_if(r, "eth2", "scada");
    s7_plant_router_if_set_address(ri, "10.20.255.255/16"); /* scada has no subnet: its own */
    CHECK_INT(s7_plant_validate_each(p, NULL, NULL), 2);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "router fw1 interface eth1: address 10.10.1.0 is cell line1's network "
                   "address (10.10.1.0/24): no host can have it; give an address of "
                   "10.10.1.1..10.10.1.254");
    s7_plant_free(p);
}

/* IPv6 partners and cells: the subnet of the partner's family is checked, duplicates are
 * found on the normalised text, and :: / multicast are refused. */
static void test_ipv6(void)
{
    s7_plant *p = small();
    char err[512];
    uint8_t net6[16];
    s7_plant_set_file(p, "f.yaml");
    p->partners[0].line = 7;
    p->partners[1].line = 12;
    p->cells[0].line = 3;
    CHECK_INT(s7_plant_parse_ipv6("fd00:10:1::", net6), 0);
    s7_plant_cell_set_subnet6(&p->cells[0], net6, 64);
    CHECK_INT(s7_plant_partner_set_address(&p->partners[0], "fd00:10:1::10"), 0);
    CHECK_INT(s7_plant_partner_set_address(&p->partners[1], "fd00:20::5"), 0);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    CHECK_INT(s7_plant_partner_set_address(&p->partners[0], "fd00:10:2::10"), 0);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "f.yaml:7: partner plc1: address fd00:10:2::10 is not in cell line1's subnet "
                   "fd00:10:1::/64: fix the address or the cell");
    CHECK_INT(s7_plant_partner_set_address(&p->partners[0], "ff02::1"), 0);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "f.yaml:7: partner plc1: 'ff02::1' is not a host address (:: and multicast "
                   "ff00::/8 cannot be S7 partners)");
    /* the same address written two ways is one address */
    CHECK_INT(s7_plant_partner_set_address(&p->partners[0], "fd00:10:1::10"), 0);
    CHECK_INT(s7_plant_partner_set_address(&p->partners[1], "FD00:10:1:0:0:0:0:10"), 0);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "f.yaml:12: partner hmi1: address [fd00:10:1::10]:102 is also partner plc1's "
                   "(line 7): one partner per address");
    /* one connection, two families */
    CHECK_INT(s7_plant_partner_set_address(&p->partners[1], "10.20.0.5"), 0);
    p->conns[0].line = 20;
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "f.yaml:20: connection hmi1-plc1: hmi1 has an IPv4 address (10.20.0.5) and plc1 "
                   "an IPv6 one (fd00:10:1::10): a TCP connection joins two addresses of one "
                   "family; document the address hmi1 uses for it");
    /* an IPv4 partner in a cell with both subnets is checked against the IPv4 one */
    CHECK_INT(s7_plant_partner_set_address(&p->partners[1], "10.20.0.5"), 0);
    CHECK_INT(s7_plant_partner_set_address(&p->partners[0], "10.10.1.10"), 0);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    /* host bits in the cell's IPv6 subnet */
    CHECK_INT(s7_plant_parse_ipv6("fd00:10:1::1", net6), 0);
    s7_plant_cell_set_subnet6(&p->cells[0], net6, 64);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "f.yaml:3: cell line1: subnet fd00:10:1::1/64 has host bits set: the network "
                   "is fd00:10:1::/64");
    s7_plant_free(p);
}

/* A resolver over a fixed table, as a test passes one. */
static int table_resolver(void *ctx, const char *host, s7_plant_addr *out, size_t cap, char *err,
                          size_t errcap)
{
    int *calls = ctx;
    (*calls)++;
    static const struct {
        const char *host, *a1, *a2;
    } t[] = {{"hmi1.plant.local", "fd00:20::5", "10.20.0.5"},
             {"plc1.plant.local", "10.10.1.10", NULL},
             {"stray.plant.local", "10.99.0.1", NULL},
             {"twin.plant.local", "10.10.1.10", NULL}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (strcmp(t[i].host, host) != 0)
            continue;
        size_t n = 0;
        if (cap > n && s7_plant_parse_addr(t[i].a1, &out[n]) == 0)
            n++;
        if (t[i].a2 && cap > n && s7_plant_parse_addr(t[i].a2, &out[n]) == 0)
            n++;
        return (int)n;
    }
    snprintf(err, errcap, "Name or service not known");
    return -1;
}

static void test_hosts(void)
{
    s7_plant *p = small();
    char err[512], b[96];
    int calls = 0;
    s7_plant_set_file(p, "f.yaml");
    p->partners[0].line = 7;
    p->partners[1].line = 12;
    /* a partner known by name only validates; its address comes at resolution */
    s7_plant_partner *h = &p->partners[1];
    h->address[0] = 0;
    h->family = S7_PLANT_AF_NONE;
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "f.yaml:12: partner hmi1: no address (e.g. address: 192.168.0.10") == err);
    CHECK_INT(s7_plant_partner_set_host(h, "hmi1.plant.local"), 0);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    CHECK(s7_plant_has_unresolved(p));
    CHECK_STR(s7_plant_partner_addr_text(h, b, sizeof b), "hmi1.plant.local (not resolved)");
    /* cell "scada" has no subnet: the address of the family its peer plc1 has (IPv4), though
     * the resolver lists IPv6 first */
    CHECK_INT(s7_plant_resolve_hosts(p, table_resolver, &calls, err, sizeof err), 0);
    CHECK_INT(calls, 1);
    CHECK_STR(h->address, "10.20.0.5");
    /* with an IPv6 peer, the IPv6 address */
    h->address[0] = 0;
    s7_plant_partner_set_address(&p->partners[0], "fd00:10:1::10");
    CHECK_INT(s7_plant_resolve_hosts(p, table_resolver, &calls, err, sizeof err), 0);
    CHECK_INT(calls, 2);
    CHECK_STR(h->address, "fd00:20::5");
    CHECK_INT(h->host_resolved, 1);
    CHECK(!s7_plant_has_unresolved(p));
    CHECK_STR(s7_plant_partner_addr_text(h, b, sizeof b), "hmi1.plant.local (fd00:20::5)");
    /* resolved already: not asked again */
    CHECK_INT(s7_plant_resolve_hosts(p, table_resolver, &calls, err, sizeof err), 0);
    CHECK_INT(calls, 2);
    s7_plant_partner_set_address(&p->partners[0], "10.10.1.10");
    /* a cell with an IPv4 subnet takes the IPv4 address of the name */
    h->address[0] = 0;
    s7_plant_cell_set_subnet(&p->cells[1], 0x0A140000u, 16);
    CHECK_INT(s7_plant_resolve_hosts(p, table_resolver, &calls, err, sizeof err), 0);
    CHECK_STR(h->address, "10.20.0.5");
    /* outside the cell */
    h->address[0] = 0;
    s7_plant_partner_set_host(h, "stray.plant.local");
    CHECK_INT(s7_plant_resolve_hosts(p, table_resolver, &calls, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "f.yaml:12: partner hmi1: host 'stray.plant.local' resolves to 10.99.0.1, not "
                   "an address in cell scada's subnet: fix the name's address or the cell");
    CHECK_STR(h->address, "");
    /* another partner's address */
    p->cells[1].has_subnet = 0;
    s7_plant_partner_set_host(h, "twin.plant.local");
    CHECK_INT(s7_plant_resolve_hosts(p, table_resolver, &calls, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "f.yaml:12: partner hmi1: host 'twin.plant.local' resolves to 10.10.1.10, "
                   "partner plc1's address: one partner per address");
    /* not resolving */
    s7_plant_partner_set_host(h, "gone.plant.local");
    CHECK_INT(s7_plant_resolve_hosts(p, table_resolver, &calls, err, sizeof err), S7_ERR_RESOLVE);
    CHECK_STR(err, "f.yaml:12: partner hmi1: host 'gone.plant.local' does not resolve (Name or "
                   "service not known): fix the name in DNS or /etc/hosts, or give its address "
                   "(address: 10.10.1.10)");
    /* ... with its cell's subnet known, the example is an address of that subnet (it named
     * another cell's partner) */
    p->cells[1].has_subnet = 1;
    CHECK_INT(s7_plant_resolve_hosts(p, table_resolver, &calls, err, sizeof err), S7_ERR_RESOLVE);
    CHECK(strstr(err, "give its address (address: 10.20.0.10, in cell scada's subnet)") != NULL);
    /* a host name next to an address is a label: nothing to resolve */
    s7_plant_partner_set_address(h, "10.20.0.5");
    calls = 0;
    CHECK_INT(s7_plant_resolve_hosts(p, table_resolver, &calls, err, sizeof err), 0);
    CHECK_INT(calls, 0);
    /* two partners with the same host name */
    s7_plant_partner_set_host(&p->partners[0], "GONE.plant.local");
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "f.yaml:12: partner hmi1: host gone.plant.local is also partner plc1's (first "
                   "at line 7): one partner per host name");
    s7_plant_free(p);
}

/* small() with a router between line1 and scada. */
static s7_plant *routed(void)
{
    s7_plant *p = small();
    s7_plant_set_file(p, "f.yaml");
    s7_plant_router *r = s7_plant_add_router(p, "fw1");
    r->line = 20;
    s7_plant_router_if *ri = s7_plant_router_add_if(r, "eth1", "line1");
    ri->line = 22;
    s7_plant_router_if_set_address(ri, "10.10.1.1/24");
    ri = s7_plant_router_add_if(r, "eth2", "scada");
    ri->line = 23;
    s7_plant_router_if_set_address(ri, "10.20.0.1/16");
    return p;
}

static void test_routers(void)
{
    s7_plant *p = routed();
    char err[512];
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    CHECK_INT(p->routers[0].ifs[0].cell, 0);
    CHECK_INT(p->routers[0].ifs[1].cell, 1);
    /* the interface's address must be in the cell's subnet, with its prefix */
    s7_plant_router_if_set_address(&p->routers[0].ifs[0], "10.10.2.1/24");
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "f.yaml:22: router fw1 interface eth1: 10.10.2.1/24 is not an address of cell "
                   "line1's subnet 10.10.1.0/24: give the router's address in that subnet with "
                   "the same prefix");
    s7_plant_router_if_set_address(&p->routers[0].ifs[0], "10.10.1.1/16");
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "f.yaml:22: router fw1 interface eth1: 10.10.1.1/16 is not an address of "
                      "cell line1's subnet") == err);
    s7_plant_router_if_set_address(&p->routers[0].ifs[0], "10.10.1.10/24");
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "f.yaml:22: router fw1 interface eth1: 10.10.1.10 is also partner plc1's "
                   "address: the router's interface needs its own address");
    s7_plant_free(p);

    /* a cell without a subnet: its partners must be on the interface's network */
    p = routed();
    p->partners[1].line = 12;
    s7_plant_router_if_set_address(&p->routers[0].ifs[1], "10.30.0.1/24");
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "f.yaml:12: partner hmi1: address 10.20.0.5 is not on router interface eth2 "
                   "(10.30.0.1/24) of its cell scada: fix the address, the cell or the interface");
    s7_plant_free(p);

    p = routed();
    s7_plant_router_add_if(&p->routers[0], "eth3", "line1")->line = 24;
    s7_plant_router_if_set_address(&p->routers[0].ifs[2], "10.10.1.2/24");
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "f.yaml:24: router fw1 interface eth3: interface eth1 already joins cell line1: "
                   "one interface per cell (give both address families to that one interface)");
    s7_plant_router_if *ri = &p->routers[0].ifs[2];
    free(ri->cell_name);
    ri->cell_name = NULL;
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "f.yaml:24: router fw1 interface eth3: no cell: name the cell this interface is "
                   "in (cell: line1)");
    ri->cell_name = malloc(8);
    memcpy(ri->cell_name, "line9", 6);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "f.yaml:24: router fw1 interface eth3: cell 'line9' is not in cells: name one "
                   "of the cells listed");
    free(ri->name);
    ri->name = malloc(8);
    memcpy(ri->name, "eth1", 5);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "f.yaml:24: router fw1 interface eth1: the interface is listed twice (first at "
                   "line 22)");
    s7_plant_free(p);

    p = routed();
    p->routers[0].ifs[1].has_v4 = 0;
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "f.yaml:23: router fw1 interface eth2: no address: give the router's "
                      "address on that cell with its prefix") == err);
    s7_plant_router *r2 = s7_plant_add_router(p, "plc1");
    r2->line = 30;
    p->routers[0].ifs[1].has_v4 = 1;
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "f.yaml:30: router plc1: the name is also a partner's (first as partners[0]): "
                   "routers and partners need different names");
    s7_plant_free(p);

    p = routed();
    s7_plant_add_router(p, "fw2")->line = 40;
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "f.yaml:40: router fw2: no interfaces: list one per cell it joins") == err);
    s7_plant_free(p);
}

/* Several roles: the first is the kind; a role outside the table is refused. */
static void test_roles(void)
{
    s7_plant *p = small();
    char err[512];
    s7_plant_partner *h = &p->partners[1];
    s7_plant_partner_add_role(h, S7_PLANT_KIND_HMI);
    s7_plant_partner_add_role(h, S7_PLANT_KIND_ENGINEERING);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    CHECK(s7_plant_partner_has_role(h, S7_PLANT_KIND_ENGINEERING));
    h->roles |= 1u << 20;
    CHECK_INT(s7_plant_validate(p, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "partner hmi1: unknown role: roles are plc, hmi, scada, engineering, gateway, "
                   "pc, other");
    s7_plant_free(p);
}

int main(void)
{
    test_ipv6();
    test_hosts();
    test_routers();
    test_roles();
    test_valid();
    test_unknown_partner();
    test_duplicates();
    test_cells();
    test_partner_rules();
    test_exchanges();
    test_each();
    test_tsaps();
    test_budgets();
    test_profile_ranges();
    test_profile_tsaps();
    test_edge_addresses();
    return t_done();
}
