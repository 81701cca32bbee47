/* Unit tests for diag/fw_verify.c on loopback addresses only: a listener on 127.0.0.1 plays
 * a CPU, 127.0.0.3 and 127.0.0.4 have nothing on the port (a reset).  As hmi (127.0.0.2,
 * on this host through loopback) the documented path to plc1 opens and passes, the one to
 * plc3 is rejected and fails, the undocumented plc2 is not open and passes; an IPv6 CPU is
 * not probed; the rule behind each row and the rule file's SHA-256; as a partner whose
 * address this host does not have (192.0.2.1) the run says it is not from it; bad --as and
 * --rules are refused. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "s7/diag_plant.h"
#include "s7/wire.h"
#include "t.h"
#include "util/sha256.h"

static void conn(s7_plant *p, const char *name, const char *a, const char *b)
{
    s7_plant_conn *c = s7_plant_add_conn(p, name, a, b);
    s7_plant_exchange_add_range(s7_plant_conn_add_exchange(c, S7_PLANT_GET, 0), S7_AREA_DB, 1, 0,
                                4);
}

int main(void)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(0x7F000001u);
    CHECK_INT(bind(ls, (struct sockaddr *)&sa, sizeof sa), 0);
    CHECK_INT(listen(ls, 16), 0);
    CHECK_INT(getsockname(ls, (struct sockaddr *)&sa, &sl), 0);
    uint16_t port = ntohs(sa.sin_port);

    s7_plant *p = s7_plant_new();
    const char *names[] = {"hmi", "plc1", "plc2", "plc3", "plc6", "far", "plc7"};
    const char *addrs[] = {"127.0.0.2", "127.0.0.1", "127.0.0.3", "127.0.0.4",
                           "fd00::1",   "192.0.2.1", "fd00::2"};
    for (int i = 0; i < 7; i++) {
        s7_plant_partner *pt = s7_plant_add_partner(p, names[i]);
        s7_plant_partner_set_address(pt, addrs[i]);
        s7_plant_partner_set_cell(pt, i == 5 ? "far" : "line");
        if (i >= 1 && i != 5)
            pt->port = port;
    }
    conn(p, "hmi-plc1", "hmi", "plc1");
    conn(p, "hmi-plc3", "hmi", "plc3");
    conn(p, "plc1-plc2", "plc1", "plc2");
    conn(p, "far-plc1", "far", "plc1");
    conn(p, "plc7-plc6", "plc7", "plc6");
    char err[400];
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);

    /* the rule file applied: the accept rule of hmi-plc1 and the final drop, not hmi-plc3 */
    char rules_path[] = "/tmp/s7test_fwv_XXXXXX";
    int fd = mkstemp(rules_path);
    char text[300];
    int tl = snprintf(text, sizeof text,
                      "ip saddr 127.0.0.2 ip daddr 127.0.0.1 accept comment \"hmi-plc1: hmi -> "
                      "plc1:%u\"\ntcp dport 102 drop comment \"S7 connection not in the "
                      "inventory\"\n",
                      port);
    CHECK_INT(write(fd, text, (size_t)tl), tl);
    close(fd);
    char hex[65];
    s7__sha256_hex(text, (size_t)tl, hex);

    s7_diag_fw_verify_opts o = {"hmi", rules_path, 1000};
    s7_plant_fw_verify *v = NULL;
    int from = -1;
    char note[700];
    CHECK_INT(s7_diag_fw_verify(p, &o, &v, &from, note, sizeof note), 0);
    CHECK_INT(from, 1);
    CHECK_STR(v->source, "127.0.0.2");
    CHECK_STR(v->as, "hmi");
    CHECK_STR(v->rules_sha256, hex);
    CHECK_STR(v->rules_file, rules_path);
    if (!strstr(note, "1 target of the other address family than 127.0.0.2's was not probed"))
        fprintf(stderr, "note: %s\n", note);
    CHECK(strstr(note, "1 target of the other address family than 127.0.0.2's was not probed") !=
          NULL);
    CHECK_INT(v->npaths, 3);
    char want[200];
    /* documented first: plc1 (open, pass), plc3 (nothing listens: its own RST, unproven:
     * a connect cannot tell it from a firewall's reset); then plc2 (refused: not open,
     * as documented) */
    CHECK_STR(v->paths[0].to, "plc1");
    CHECK_INT(v->paths[0].expect_open, 1);
    CHECK_INT(v->paths[0].open, 1);
    CHECK_STR(v->paths[0].observed, "open");
    CHECK_INT(v->paths[0].status, S7_PLANT_PASS);
    snprintf(want, sizeof want, "hmi-plc1: hmi -> plc1:%u", port);
    CHECK_STR(v->paths[0].rule, want);
    CHECK_STR(v->paths[1].to, "plc3");
    CHECK_STR(v->paths[1].observed, "refused");
    CHECK_INT(v->paths[1].status, S7_PLANT_UNPROVEN);
    snprintf(want, sizeof want, "hmi-plc3: hmi -> plc3:%u (not in %s)", port,
             strrchr(rules_path, '/') + 1);
    CHECK_STR(v->paths[1].rule, want);
    CHECK_STR(v->paths[2].to, "plc2");
    CHECK_INT(v->paths[2].expect_open, 0);
    CHECK_STR(v->paths[2].observed, "refused");
    CHECK_INT(v->paths[2].status, S7_PLANT_PASS);
    CHECK_STR(v->paths[2].rule, "S7 connection not in the inventory");
    CHECK_INT(v->passed, 2);
    CHECK_INT(v->failed, 1); /* every row not proven as documented: the unproven one */
    CHECK(strlen(v->time) == 20 && v->time[19] == 'Z');
    s7_plant_fw_verify_free(v);

    /* as a partner this host does not hold: probes from its own address, said so */
    s7_diag_fw_verify_opts o2 = {"far", NULL, 1000};
    CHECK_INT(s7_diag_fw_verify(p, &o2, &v, &from, note, sizeof note), 0);
    CHECK_INT(from, 0);
    CHECK_STR(v->source, "");
    CHECK_STR(v->rules_sha256, "");
    CHECK(strstr(note, "not from far: its address 192.0.2.1 is not on this host") == note);
    CHECK_STR(v->paths[0].to, "plc1");
    CHECK_INT(v->paths[0].open, 1);
    s7_plant_fw_verify_free(v);

    /* refusals */
    s7_diag_fw_verify_opts o3 = {"nobody", NULL, 1000};
    CHECK_INT(s7_diag_fw_verify(p, &o3, &v, &from, note, sizeof note), S7_ERR_INVAL);
    CHECK_STR(note, "--as nobody: no such partner in the inventory");
    CHECK(v == NULL);
    s7_diag_fw_verify_opts o4 = {"hmi", "/nonexistent/rules.nft", 1000};
    CHECK_INT(s7_diag_fw_verify(p, &o4, &v, &from, note, sizeof note), S7_ERR_INVAL);
    CHECK(strstr(note, "--rules /nonexistent/rules.nft: cannot read it: ") == note);
    unlink(rules_path);
    close(ls);
    s7_plant_free(p);
    return t_done();
}
