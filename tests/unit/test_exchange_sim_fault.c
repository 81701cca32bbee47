/* Unit tests for exchange/sim_fault.c: every fault form parsed against a plant and written
 * back in the same form; what is refused is named with the forms (unknown partner, kind,
 * DB, length, slot, connection, a connection inside one cell for a router fault); a CPU
 * fault applied to and cleared from the emulated CPU's model (a DB gone and back with its
 * data, a DB shown shorter, the CPU moved to another slot, its port closed: a connect
 * refused, then accepted on the same port); a fault on a partner that is not emulated; the
 * network's faults left to the caller. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "s7/exchange_sim.h"
#include "s7/plant.h"
#include "s7/wire.h"
#include "t.h"

static s7_plant *plant(void)
{
    s7_plant *p = s7_plant_new();
    char err[256];
    s7_plant_partner *pt = s7_plant_add_partner(p, "hmi");
    s7_plant_partner_set_address(pt, "10.0.0.20");
    s7_plant_partner_set_cell(pt, "line");
    pt = s7_plant_add_partner(p, "plc-a");
    s7_plant_partner_set_address(pt, "10.0.0.10");
    s7_plant_partner_set_cell(pt, "line");
    s7_plant_partner_set_profile(pt, "s7-1500", 0, 1, 0);
    pt = s7_plant_add_partner(p, "plc-b");
    s7_plant_partner_set_address(pt, "10.0.1.10");
    s7_plant_partner_set_cell(pt, "machines");
    s7_plant_partner_set_profile(pt, "s7-300", 0, 2, 0);
    s7_plant_conn *c = s7_plant_add_conn(p, "hmi-a", "hmi", "plc-a");
    s7_plant_exchange_add_range(s7_plant_conn_add_exchange(c, S7_PLANT_GET, 500), S7_AREA_DB, 10, 0,
                                8);
    c = s7_plant_add_conn(p, "a-b", "plc-a", "plc-b");
    s7_plant_exchange_add_range(s7_plant_conn_add_exchange(c, S7_PLANT_GET, 100), S7_AREA_DB, 20, 0,
                                8);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    return p;
}

static void round_trip(const s7_plant *p, const char *spec, int kind)
{
    s7_sim_fault f;
    char err[300], back[160];
    CHECK_INT(s7_sim_fault_parse(p, spec, &f, err, sizeof err), 0);
    CHECK_INT(f.kind, kind);
    CHECK_STR(s7_sim_fault_text(p, &f, back, sizeof back), spec);
}

static void refused(const s7_plant *p, const char *spec, const char *what)
{
    s7_sim_fault f;
    char err[300] = "";
    CHECK_INT(s7_sim_fault_parse(p, spec, &f, err, sizeof err), -1);
    if (!strstr(err, what)) {
        t_fail++;
        fprintf(stderr, "fault '%s': '%s' not in '%s'\n", spec, what, err);
    }
}

/* An unknown partner in a plant of 90: the list of partners that would be right is cut
 * where it no longer fits, and says so ("..., (90 in all)"), never ending as if whole
 * (it ended "plc5-3,;" in an 80-CPU plant); a fault on a partner that is no CPU lists the
 * CPUs the same way. */
static void test_long_lists(void)
{
    s7_plant *p = s7_plant_new();
    char err[1024], name[32], addr[32];
    for (int i = 0; i < 90; i++) {
        snprintf(name, sizeof name, "plc-cell%d-%d", i / 10, i % 10);
        snprintf(addr, sizeof addr, "10.0.%d.%d", i / 10, 10 + i % 10);
        s7_plant_partner *pt = s7_plant_add_partner(p, name);
        s7_plant_partner_set_address(pt, addr);
        s7_plant_partner_set_cell(pt, "line");
        s7_plant_partner_set_profile(pt, "s7-1500", 0, 1, 0);
    }
    s7_plant_partner *pt = s7_plant_add_partner(p, "hmi");
    s7_plant_partner_set_address(pt, "10.0.20.1");
    s7_plant_partner_set_cell(pt, "line");
    for (int i = 0; i < 90; i++) {
        snprintf(name, sizeof name, "hmi-%d", i);
        s7_plant_conn *c = s7_plant_add_conn(p, name, "hmi", p->partners[i].name);
        s7_plant_exchange_add_range(s7_plant_conn_add_exchange(c, S7_PLANT_GET, 500), S7_AREA_DB,
                                    10, 0, 8);
    }
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    s7_sim_fault f;
    CHECK_INT(s7_sim_fault_parse(p, "nope:stop", &f, err, sizeof err), -1);
    CHECK(strstr(err, "(partners: plc-cell0-0, plc-cell0-1, ") != NULL);
    CHECK(strstr(err, ", ... (91 in all); ") != NULL);
    CHECK(strstr(err, ",;") == NULL);
    s7_sim_opts o;
    s7_sim_opts_init(&o);
    o.loopback = 1;
    o.loopback_base = "127.79.7.0";
    s7_sim *s = s7_sim_new(p, &o, err, sizeof err);
    CHECK(s != NULL);
    CHECK_INT(s7_sim_fault_parse(p, "hmi:stop", &f, err, sizeof err), 0);
    CHECK(s7_sim_fault_set(s, &f, 1, err, sizeof err) < 0);
    CHECK(strstr(err, "the CPUs: plc-cell0-0, ") != NULL);
    CHECK(strstr(err, ", ... (90 in all)") != NULL);
    s7_sim_free(s);
    s7_plant_free(p);
}

int main(void)
{
    s7_plant *p = plant();
    round_trip(p, "plc-a:put_get_off", S7_SIM_FAULT_PUT_GET_OFF);
    round_trip(p, "plc-b:stop", S7_SIM_FAULT_STOP);
    round_trip(p, "plc-b:budget", S7_SIM_FAULT_BUDGET);
    round_trip(p, "plc-a:optimized:DB10", S7_SIM_FAULT_OPTIMIZED);
    round_trip(p, "router:drop:a-b", S7_SIM_FAULT_ROUTER_DROP);
    round_trip(p, "plc-b:budget:op", S7_SIM_FAULT_BUDGET);
    round_trip(p, "plc-b:budget:basic", S7_SIM_FAULT_BUDGET);
    round_trip(p, "plc-a:db_missing:DB10", S7_SIM_FAULT_DB_MISSING);
    round_trip(p, "plc-b:db_short:DB20:4", S7_SIM_FAULT_DB_SHORT);
    round_trip(p, "plc-b:slot:3", S7_SIM_FAULT_SLOT);
    round_trip(p, "plc-a:port_closed", S7_SIM_FAULT_PORT_CLOSED);
    round_trip(p, "plc-a:down", S7_SIM_FAULT_DOWN);
    round_trip(p, "router:reject:a-b", S7_SIM_FAULT_ROUTER_REJECT);
    round_trip(p, "router:reset:a-b", S7_SIM_FAULT_ROUTER_RESET);
    round_trip(p, "router:drop_replies:a-b", S7_SIM_FAULT_ROUTER_DROP_REPLIES);
    s7_sim_fault f;
    char err[300];
    CHECK_INT(s7_sim_fault_parse(p, "plc-a:optimized:10", &f, err, sizeof err), 0);
    CHECK_INT(f.db, 10);
    CHECK_INT(f.partner, 1);
    CHECK_INT(s7_sim_fault_parse(p, "router:drop:a-b", &f, err, sizeof err), 0);
    CHECK_INT(f.conn, 1);

    refused(p, "plc-a", "expected CPU:put_get_off");
    refused(p, ":stop", "expected");
    refused(p, "plc-c:stop",
            "no partner named 'plc-c' in the inventory (partners: hmi, plc-a, plc-b;");
    refused(p, "plc-a:halt", "unknown fault 'halt'");
    refused(p, "plc-a:optimized:DB0", "a DB number 1..65535");
    refused(p, "plc-a:optimized:DB70000", "a DB number 1..65535");
    refused(p, "plc-a:optimized:DBx", "a DB number 1..65535");
    refused(p, "router:drop:x-y", "no connection named 'x-y'");
    refused(p, "router:drop:hmi-a", "stays inside cell line");
    refused(p, "router:cut:a-b", "router:drop:CONNECTION");
    refused(p, "router:reject", "router:reject:CONNECTION");
    refused(p, "router:reset:", "router:reset:CONNECTION");
    refused(p, "router:reject:hmi-a", "stays inside cell line");
    refused(p, "plc-a:db_missing:DB", "e.g. plc-a:db_missing:DB10");
    refused(p, "plc-a:db_missing:DB10:4", "a DB number 1..65535");
    refused(p, "plc-a:db_short:DB10", "e.g. plc-a:db_short:DB10:16");
    refused(p, "plc-a:db_short:DB10:0", "1..65534 bytes");
    refused(p, "plc-a:db_short:DB10:x", "1..65534 bytes");
    refused(p, "plc-a:db_short:DB0:4", "a DB number 1..65535");
    refused(p, "plc-a:slot:32", "0..31");
    refused(p, "plc-a:slot:", "0..31");
    refused(p, "plc-a:slot:2x", "0..31");
    refused(p, "plc-a:melt", "CPU:db_short:DBn:LEN");
    refused(p, "plc-a:budget:hmi", "plc-a:budget:pg, :op or :basic");
    CHECK_INT(s7_sim_fault_parse(p, "plc-b:db_short:20:4", &f, err, sizeof err), 0);
    CHECK_INT(f.db, 20);
    CHECK_INT(f.len, 4);
    CHECK_INT(f.partner, 2);
    CHECK_INT(s7_sim_fault_is_net(&f), 0);
    CHECK_INT(s7_sim_fault_parse(p, "plc-b:slot:0", &f, err, sizeof err), 0);
    CHECK_INT(f.slot, 0);
    CHECK_INT(s7_sim_fault_parse(p, "plc-a:down", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_is_net(&f), 1);
    CHECK_INT(s7_sim_fault_parse(p, "router:drop_replies:a-b", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_is_net(&f), 1);

    /* applied to the model and cleared */
    s7_sim_opts o;
    s7_sim_opts_init(&o);
    o.loopback = 1;
    s7_sim *s = s7_sim_new(p, &o, err, sizeof err);
    CHECK(s != NULL);
    s7_cpu *a = s7_sim_cpu(s, "plc-a"), *b = s7_sim_cpu(s, "plc-b");
    CHECK_INT(s7_sim_fault_parse(p, "plc-a:put_get_off", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), 0);
    CHECK_INT(s7_cpu_put_get(a), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 0, err, sizeof err), 0);
    CHECK_INT(s7_cpu_put_get(a), 1);
    CHECK_INT(s7_sim_fault_parse(p, "plc-b:stop", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), 0);
    CHECK_INT(s7_cpu_state(b), S7_CPU_STATE_STOP);
    CHECK_INT(s7_sim_fault_set(s, &f, 0, err, sizeof err), 0);
    CHECK_INT(s7_cpu_state(b), S7_CPU_STATE_RUN);
    uint16_t budget = s7_cpu_profile(b)->max_conn[0];
    CHECK(budget > 0);
    CHECK_INT(s7_sim_fault_parse(p, "plc-b:budget", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), 0);
    CHECK_INT(s7_cpu_profile(b)->max_conn[0], 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 0, err, sizeof err), 0);
    CHECK_INT(s7_cpu_profile(b)->max_conn[0], budget);
    /* one type's resources: the others and the total stay */
    uint16_t op = s7_cpu_profile(b)->max_conn[2], pg = s7_cpu_profile(b)->max_conn[1];
    CHECK(op > 0 && pg > 0);
    CHECK_INT(s7_sim_fault_parse(p, "plc-b:budget:op", &f, err, sizeof err), 0);
    CHECK_INT(f.ctype, 2);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), 0);
    CHECK_INT(s7_cpu_profile(b)->max_conn[2], 0);
    CHECK_INT(s7_cpu_profile(b)->max_conn[1], pg);
    CHECK_INT(s7_cpu_profile(b)->max_conn[0], budget);
    CHECK_INT(s7_sim_fault_set(s, &f, 0, err, sizeof err), 0);
    CHECK_INT(s7_cpu_profile(b)->max_conn[2], op);
    CHECK_INT(s7_sim_fault_parse(p, "plc-a:optimized:DB10", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), 0);
    CHECK_INT(s7_cpu_db_flags(a, 10), S7_DB_OPTIMIZED);
    CHECK_INT(s7_sim_fault_set(s, &f, 0, err, sizeof err), 0);
    CHECK_INT(s7_cpu_db_flags(a, 10), 0);
    /* DB10 deleted: gone from the partners' view, back with its data when cleared */
    uint32_t sz = 0;
    uint8_t *m10 = s7_cpu_mem(a, S7_AREA_DB, 10, &sz);
    CHECK(m10 != NULL && sz == 8);
    m10[7] = 0x5A;
    CHECK_INT(s7_sim_fault_parse(p, "plc-a:db_missing:DB10", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), 0);
    CHECK(s7_cpu_mem(a, S7_AREA_DB, 10, NULL) == NULL);
    CHECK_INT(s7_sim_fault_set(s, &f, 0, err, sizeof err), 0);
    m10 = s7_cpu_mem(a, S7_AREA_DB, 10, &sz);
    CHECK(m10 != NULL && sz == 8 && m10[7] == 0x5A);
    /* DB20 of plc-b shown 4 bytes long; not as long as it is or longer */
    CHECK_INT(s7_sim_fault_parse(p, "plc-b:db_short:DB20:4", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), 0);
    CHECK(s7_cpu_mem(b, S7_AREA_DB, 20, &sz) != NULL && sz == 4);
    s7_sim_fault f8;
    CHECK_INT(s7_sim_fault_parse(p, "plc-b:db_short:DB20:8", &f8, err, sizeof err), 0);
    CHECK(s7_sim_fault_set(s, &f8, 1, err, sizeof err) < 0);
    CHECK(strstr(err, "DB20 is 8 bytes long: a shorter DB is 1..7 bytes") != NULL);
    CHECK(s7_cpu_mem(b, S7_AREA_DB, 20, &sz) != NULL &&
          sz == 4); /* the refused one changed nothing */
    CHECK_INT(s7_sim_fault_set(s, &f, 0, err, sizeof err), 0);
    CHECK(s7_cpu_mem(b, S7_AREA_DB, 20, &sz) != NULL && sz == 8);
    /* plc-b (an S7-300 at slot 2) moved to slot 3, and back */
    CHECK_INT(s7_cpu_profile(b)->slot, 2);
    CHECK_INT(s7_sim_fault_parse(p, "plc-b:slot:3", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), 0);
    CHECK_INT(s7_cpu_profile(b)->slot, 3);
    CHECK_INT(s7_sim_fault_set(s, &f, 0, err, sizeof err), 0);
    CHECK_INT(s7_cpu_profile(b)->slot, 2);
    CHECK_INT(s7_sim_fault_parse(p, "plc-b:slot:2", &f, err, sizeof err), 0);
    CHECK(s7_sim_fault_set(s, &f, 1, err, sizeof err) < 0);
    CHECK(strstr(err, "plc-b sits at slot 2 already") != NULL);
    /* a fault injected twice, or cleared when it does not hold, is refused, saying which */
    CHECK_INT(s7_sim_fault_parse(p, "plc-b:stop", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 0, err, sizeof err), S7_ERR_STATE);
    CHECK_STR(err, "plc-b: that fault is not injected (nothing to clear)");
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), S7_ERR_STATE);
    CHECK_STR(err, "plc-b: that fault is injected already");
    CHECK_INT(s7_sim_fault_set(s, &f, 0, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_parse(p, "plc-b:slot:3", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_parse(p, "plc-b:slot:4", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 0, err, sizeof err), S7_ERR_STATE); /* it sits at 3 */
    CHECK_INT(s7_cpu_profile(b)->slot, 3);
    CHECK_INT(s7_sim_fault_parse(p, "plc-b:slot:3", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 0, err, sizeof err), 0);
    CHECK_INT(s7_cpu_profile(b)->slot, 2);
    CHECK_INT(s7_sim_fault_parse(p, "plc-b:budget:pg", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 0, err, sizeof err), S7_ERR_STATE);
    CHECK_INT(s7_sim_fault_parse(p, "plc-a:db_missing:DB10", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 0, err, sizeof err), S7_ERR_STATE);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), S7_ERR_STATE);
    CHECK_INT(s7_sim_fault_set(s, &f, 0, err, sizeof err), 0);
    /* one fault a DB: a second is refused naming the first, which alone clears it; the DB
     * hidden by db_missing is still documented (it was "plc-a has no DB10") */
    s7_sim_fault fo, fs;
    CHECK_INT(s7_sim_fault_parse(p, "plc-a:optimized:DB10", &fo, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_parse(p, "plc-a:db_short:DB10:4", &fs, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), 0); /* db_missing:DB10 */
    CHECK_INT(s7_sim_fault_set(s, &fo, 1, err, sizeof err), S7_ERR_STATE);
    CHECK_STR(err, "plc-a's DB10 holds the fault plc-a:db_missing:DB10: one fault a DB; clear it "
                   "first (clear plc-a:db_missing:DB10)");
    CHECK_INT(s7_sim_fault_set(s, &fs, 1, err, sizeof err), S7_ERR_STATE);
    CHECK_INT(s7_sim_fault_set(s, &fo, 0, err, sizeof err), S7_ERR_STATE);
    CHECK_STR(err, "plc-a's DB10 holds the fault plc-a:db_missing:DB10, not this one (clear "
                   "plc-a:db_missing:DB10)");
    CHECK(s7_cpu_mem(a, S7_AREA_DB, 10, NULL) == NULL); /* still missing */
    CHECK_INT(s7_sim_fault_set(s, &f, 0, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &fo, 1, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), S7_ERR_STATE); /* optimized holds */
    CHECK(strstr(err, "holds the fault plc-a:optimized:DB10") != NULL);
    CHECK_INT(s7_sim_fault_set(s, &fo, 0, err, sizeof err), 0);
    CHECK_INT(s7_cpu_db_flags(a, 10), 0);
    CHECK_INT(s7_sim_fault_set(s, &fs, 1, err, sizeof err), 0);
    s7_sim_fault fs6;
    CHECK_INT(s7_sim_fault_parse(p, "plc-a:db_short:DB10:6", &fs6, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &fs6, 0, err, sizeof err), S7_ERR_STATE); /* shown 4, not 6 */
    CHECK(strstr(err, "holds the fault plc-a:db_short:DB10:4, not this one") != NULL);
    CHECK_INT(s7_sim_fault_set(s, &fs, 0, err, sizeof err), 0);
    CHECK(s7_cpu_mem(a, S7_AREA_DB, 10, &sz) != NULL && sz == 8);
    /* a DB the inventory does not document on that CPU */
    CHECK_INT(s7_sim_fault_parse(p, "plc-a:optimized:DB99", &f, err, sizeof err), 0);
    CHECK(s7_sim_fault_set(s, &f, 1, err, sizeof err) < 0);
    CHECK(strstr(err, "plc-a has no DB99") != NULL);
    /* the HMI is no emulated CPU; the router's faults are the caller's */
    CHECK_INT(s7_sim_fault_parse(p, "hmi:stop", &f, err, sizeof err), 0);
    CHECK(s7_sim_fault_set(s, &f, 1, err, sizeof err) < 0);
    CHECK(strstr(err, "partner hmi is not an emulated CPU") != NULL);
    CHECK(strstr(err, "the CPUs: plc-a, plc-b") != NULL);
    CHECK_INT(s7_sim_fault_parse(p, "router:drop:a-b", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), S7_ERR_UNSUPPORTED);
    CHECK_INT(s7_sim_fault_parse(p, "plc-a:down", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), S7_ERR_UNSUPPORTED);
    CHECK(strstr(err, "namespaces") != NULL);
    CHECK_INT(s7_sim_fault_parse(p, "plc-a:db_missing:DB99", &f, err, sizeof err), 0);
    CHECK(s7_sim_fault_set(s, &f, 1, err, sizeof err) < 0);
    CHECK(strstr(err, "plc-a has no DB99") != NULL);
    s7_sim_free(s);

    /* plc-b's port closed from the start (its port bound first, so it is known), refused,
     * then listening again on the same port */
    s = s7_sim_new(p, &o, err, sizeof err);
    CHECK(s != NULL);
    CHECK_INT(s7_sim_fault_parse(p, "plc-b:port_closed", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), 0);
    CHECK_INT(s7_sim_start(s, err, sizeof err), 0);
    uint16_t port = 0;
    const char *addr = s7_sim_address(s, 2, &port);
    CHECK(port != 0);
    size_t ncpu = 0, nlisten = 0;
    s7_sim_counts(s, &ncpu, &nlisten, NULL);
    CHECK_INT(ncpu, 2);
    CHECK_INT(nlisten, 1);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    CHECK_INT(inet_pton(AF_INET, addr, &sa.sin_addr), 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    CHECK(rc < 0 && errno == ECONNREFUSED);
    close(fd);
    CHECK_INT(s7_sim_fault_set(s, &f, 0, err, sizeof err), 0);
    s7_sim_counts(s, NULL, &nlisten, NULL);
    CHECK_INT(nlisten, 2);
    uint16_t again = 0;
    s7_sim_address(s, 2, &again);
    CHECK_INT(again, port);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK_INT(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    close(fd);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), 0);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    CHECK(rc < 0 && errno == ECONNREFUSED);
    close(fd);
    s7_sim_free(s);
    s7_plant_free(p);
    test_long_lists();
    return t_done();
}
