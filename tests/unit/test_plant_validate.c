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
    s7_plant_conn_set_tsap(&p->conns[0], 0x0200, 0x0301);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    CHECK_INT(p->conns[0].remote_tsap, 0x0301);
    s7_plant_free(p);
}

int main(void)
{
    test_valid();
    test_unknown_partner();
    test_duplicates();
    test_cells();
    test_partner_rules();
    test_exchanges();
    test_each();
    test_tsaps();
    return t_done();
}
