/* Unit tests for server/config.c: the server configuration model's lists, the parsers that
 * flags and files share, and building the CPU model from it (the LOGO! / S7-200 rule comes
 * from the profile's data). */
#include <stdlib.h>
#include <string.h>

#include "s7/cpu.h"
#include "s7/server_config.h"
#include "s7/wire.h"
#include "t.h"

static void test_lists(void)
{
    s7_server_config c;
    s7_server_config_init(&c);
    CHECK_INT(c.rack, -1);
    CHECK_INT(c.put_get, -1);
    CHECK_INT(c.area_size[S7_SERVER_AREA_M], -1);
    s7_server_db d = {5, 100, 0, -1, ""};
    CHECK_INT(s7_server_config_put_db(&c, &d), 0);
    d.size = 200;
    CHECK_INT(s7_server_config_put_db(&c, &d), 0); /* replaces DB5 */
    CHECK_INT(c.ndbs, 1);
    CHECK_INT(c.dbs[0].size, 200);
    CHECK_INT(s7_server_config_add_allow(&c, "10.0.0.0/8"), 0);
    CHECK_INT(c.allow_set, 1);
    CHECK_STR(c.allow[0], "10.0.0.0/8");
    CHECK_INT(s7_server_config_add_value(&c, "MW10=7", "--set"), 0);
    CHECK_STR(c.value_from[0], "--set");
    CHECK_INT(s7_server_config_add_access(&c, S7_AREA_M, 0, S7_ACCESS_RO), 0);
    CHECK_INT(c.naccess, 1);
    s7_server_config_free(&c);
    CHECK_INT(c.ndbs, 0);
    s7_server_config_free(NULL); /* a no-op */
}

static void test_parsers(void)
{
    s7_server_db d;
    char err[256];
    int v;
    char out[64];
    CHECK_INT(s7_server_parse_db("5:100:retain:ro", &d, err, sizeof err), 0);
    CHECK_INT(d.num, 5);
    CHECK_INT(d.size, 100);
    CHECK_INT(d.flags, S7_DB_RETAIN | S7_DB_READONLY);
    CHECK_INT(s7_server_parse_db("0:100", &d, err, sizeof err), -1);
    CHECK_STR(err, "'0:100': DB number '0' must be 1..65535");
    CHECK_INT(s7_server_parse_db("1:10:fast", &d, err, sizeof err), -1);
    CHECK_STR(err, "'1:10:fast': unknown DB flag 'fast' (flags: optimized, ro, retain)");
    CHECK_INT(s7_server_parse_access("RO", &v, err, sizeof err), 0);
    CHECK_INT(v, S7_ACCESS_RO);
    CHECK_INT(s7_server_parse_access("maybe", &v, err, sizeof err), -1);
    CHECK_STR(err, "access 'maybe': expected read-write, read-only or none");
    CHECK_INT(s7_server_parse_bool("Enabled", &v), 0);
    CHECK_INT(v, 1);
    CHECK_INT(s7_server_parse_bool("nah", &v), -1);
    CHECK_INT(s7_server_parse_listen("1102", out, sizeof out, err, sizeof err), 0);
    CHECK_STR(out, "127.0.0.1:1102");
    CHECK_INT(s7_server_parse_listen("[::1]:102", out, sizeof out, err, sizeof err), 0);
    CHECK_STR(out, "[::1]:102");
    /* the port checked is the port kept: leading zeros do not push it out of out (it was cut
     * to 127.0.0.1:000...0, port 0, and the server listened on a free port instead) */
    {
        char lz[160], o128[128];
        snprintf(lz, sizeof lz, "127.0.0.1:%0120d", 27140);
        CHECK_INT(s7_server_parse_listen(lz, o128, sizeof o128, err, sizeof err), 0);
        CHECK_STR(o128, "127.0.0.1:27140");
        char o6[6]; /* too small: refused, not cut to "127.0" */
        CHECK_INT(s7_server_parse_listen("127.0.0.1:1102", o6, sizeof o6, err, sizeof err), -1);
        CHECK_STR(o6, "");
        CHECK_STR(err, "'127.0.0.1:1102': the address takes 15 bytes, 6 given");
        CHECK_INT(s7_server_parse_listen("1102", o6, sizeof o6, err, sizeof err), -1);
    }
    CHECK_INT(s7_server_parse_listen("plc:102", out, sizeof out, err, sizeof err), -1);
    CHECK(strstr(err, "is not a numeric IPv4 address") != NULL);
    CHECK_INT(s7_server_parse_conn_type("hmi", &v), 0);
    CHECK_INT(v, 2);
    CHECK_INT(s7_server_area_code("Z"), S7_AREA_C);
    CHECK_INT(s7_server_area_code("X"), -1);
    long n;
    CHECK_INT(s7_server_parse_num("0x10", 0, 100, &n), 0);
    CHECK_INT(n, 16);
    CHECK_INT(s7_server_parse_num("-1", -5, 5, &n), 0);
    CHECK_INT(s7_server_parse_num("+1", 0, 5, &n), -1);
    CHECK_STR(s7_server_area_text(S7_AREA_DB), "DB");
}

static void test_build(void)
{
    s7_server_config c;
    s7_cpu *cpu = NULL;
    char err[400];
    s7_server_config_init(&c);
    s7_server_db d2 = {2, 64, 0, -1, ""}, d1 = {1, 32, 0, -1, ""};
    s7_server_config_put_db(&c, &d2);
    s7_server_config_put_db(&c, &d1);
    s7_server_config_add_value(&c, "DB1.DBW0:INT=42", "test");
    c.profile = strdup("s7-300");
    c.put_get = 1;
    CHECK_INT(s7_server_config_build_cpu(&c, &cpu, err, sizeof err), 0);
    CHECK(cpu != NULL);
    CHECK_INT(c.dbs[0].num, 1); /* sorted */
    uint32_t size = 0;
    uint8_t *m = s7_cpu_mem(cpu, S7_AREA_DB, 1, &size);
    CHECK(m != NULL);
    CHECK_INT(size, 32);
    CHECK_INT(m[1], 42);
    CHECK_STR(s7_cpu_profile(cpu)->name, "s7-300");
    s7_cpu_free(cpu);

    /* a LOGO! has V memory only: the profile's family says so, not its name */
    free(c.profile);
    c.profile = strdup("LOGO8");
    CHECK_INT(s7_server_config_build_cpu(&c, &cpu, err, sizeof err), S7_ERR_INVAL);
    CHECK(cpu == NULL);
    CHECK(strstr(err, "has V memory (DB1) and no other DBs; use DB1 (VB0 = DB1.DBB0)") != NULL);
    free(c.profile);
    c.profile = strdup("s7-200smart");
    CHECK_INT(s7_server_config_build_cpu(&c, &cpu, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "DB2: a s7-200smart has V memory (DB1) and no other DBs; use DB1 (VB0 = "
                   "DB1.DBB0)");

    /* timers on an S7-1500 */
    s7_server_config_free(&c);
    s7_server_config_init(&c);
    c.area_size[S7_SERVER_AREA_T] = 10;
    CHECK_INT(s7_server_config_build_cpu(&c, &cpu, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "areas.T: an s7-1500 has no timers and counters (T and C exist on s7-300 and "
                   "s7-400)");
    c.area_size[S7_SERVER_AREA_T] = -1;
    s7_server_config_add_value(&c, "DB9.DBW0=1", "cfg.yaml:4");
    CHECK_INT(s7_server_config_build_cpu(&c, &cpu, err, sizeof err), S7_ERR_INVAL);
    CHECK(strncmp(err, "cfg.yaml:4: initial value 'DB9.DBW0=1': ", 40) == 0);
    s7_server_config_free(&c);
}

int main(void)
{
    test_lists();
    test_parsers();
    test_build();
    return t_done();
}
