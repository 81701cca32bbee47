/* Unit tests of the one-line spelling of partner jobs (exchange/partner_job.c): the fields
 * each form sets, the connection reused for the same partner, every error naming where,
 * what and the fix; then the parsed jobs run between two emulated CPUs (s7_xpartner). */
#include <stdint.h>
#include <string.h>

#include "s7/cpu.h"
#include "s7/exchange_partner.h"
#include "s7/net.h"
#include "s7/server.h"
#include "s7/wire.h"
#include "t.h"

static char err[400];

static void check_err(const char *line, const char *needle)
{
    s7_exchange x;
    s7_exchange_init(&x);
    int r = s7_exchange_parse_partner_job(&x, line, "--job 1", err, sizeof err);
    CHECK_INT(r, S7_ERR_INVAL);
    CHECK(strncmp(err, "--job 1: ", 9) == 0);
    if (!strstr(err, needle))
        fprintf(stderr, "'%s': message '%s' lacks '%s'\n", line, err, needle);
    CHECK(strstr(err, needle) != NULL);
    CHECK_INT(x.njobs, 0);
    s7_exchange_free(&x);
}

static void test_forms(void)
{
    s7_exchange x;
    s7_exchange_init(&x);
    CHECK_INT(s7_exchange_parse_partner_job(
                  &x,
                  "bsend 10.0.0.2:1102 16#2A on M0.0 from P#DB10.DBX0.0 BYTE 65534 --done M0.1 "
                  "--error M0.2 --status MW2 --name recipe",
                  "--job 1", err, sizeof err),
              0);
    CHECK_INT(x.njobs, 1);
    s7_xjob *j = &x.jobs[0];
    CHECK_INT(j->kind, S7_XJOB_BSEND);
    CHECK_INT(j->r_id, 42);
    CHECK_INT(j->trigger, S7_XTRIG_REQ);
    CHECK_INT(j->req.area, S7_AREA_M);
    CHECK_INT(j->nareas, 1);
    CHECK_INT(s7_tag_size(&j->areas[0].local), 65534);
    CHECK_INT(j->areas[0].local.db, 10);
    CHECK(j->has_done && j->has_error && j->has_status);
    CHECK_STR(j->name, "recipe");
    s7_xconn *c = s7_exchange_conn(&x, j->conn_id);
    CHECK(c != NULL);
    CHECK_STR(c->host, "10.0.0.2");
    CHECK_INT(c->port, 1102);
    CHECK_INT(c->side, S7_XCONN_ACTIVE);
    CHECK_INT(c->local_tsap, 0x1000);
    /* the same partner: the same connection; a USEND with a range, cyclic */
    CHECK_INT(
        s7_exchange_parse_partner_job(&x, "usend 10.0.0.2:1102 7 every 200ms from DB10.DBB0..DBB9",
                                      "--job 2", err, sizeof err),
        0);
    CHECK_INT(x.nconns, 1);
    CHECK_INT(x.jobs[1].trigger, S7_XTRIG_CYCLIC);
    CHECK_INT(x.jobs[1].cycle_ms, 200);
    CHECK_INT(s7_tag_size(&x.jobs[1].areas[0].local), 10);
    /* a second job named as the first is refused, naming where the first is */
    CHECK_INT(s7_exchange_parse_partner_job(&x, "usend 10.0.0.3 8 every 1s from MW0 --name recipe",
                                            "--job 3", err, sizeof err),
              S7_ERR_INVAL);
    CHECK(strstr(err, "--job 3: job recipe: the name is already used at --job 1") != NULL);
    CHECK_INT(x.njobs, 2);
    CHECK_INT(x.nconns, 1); /* its new connection not kept */
    /* passive, any partner, on its own port */
    CHECK_INT(
        s7_exchange_parse_partner_job(&x, "brcv any 5 into DB20.DBB0..DBB99 --port 1103 --ndr M1.0",
                                      "--job 3", err, sizeof err),
        0);
    CHECK_INT(x.nconns, 2);
    c = s7_exchange_conn(&x, x.jobs[2].conn_id);
    CHECK_INT(c->side, S7_XCONN_UNSPECIFIED);
    CHECK_INT(c->port, 1103);
    CHECK_STR(c->host, "");
    /* passive, only that partner */
    CHECK_INT(s7_exchange_parse_partner_job(&x, "urcv 10.0.0.9 8 into MB10 --passive --pdu 960",
                                            "--job 4", err, sizeof err),
              0);
    c = s7_exchange_conn(&x, x.jobs[3].conn_id);
    CHECK_INT(c->side, S7_XCONN_PASSIVE);
    CHECK_INT(c->port, 0); /* not given: 102, or with s7 server the emulator's own port */
    CHECK_STR(c->host, "10.0.0.9");
    CHECK_INT(c->pdu, 960);
    CHECK_INT(x.jobs[3].latch, 0); /* outputs pulse unless told */
    /* latched outputs: --outputs latch, or the bare word; --outputs pulse */
    CHECK_INT(s7_exchange_parse_partner_job(&x, "brcv any 6 into MB20 --ndr M2.0 --outputs latch",
                                            "--job 5", err, sizeof err),
              0);
    CHECK_INT(x.jobs[4].latch, 1);
    CHECK_INT(s7_exchange_parse_partner_job(
                  &x, "bsend 10.0.0.2:1102 9 every 1s latch from MB30 --done M3.0", "--job 6", err,
                  sizeof err),
              0);
    CHECK_INT(x.jobs[5].latch, 1);
    CHECK_INT(s7_exchange_parse_partner_job(
                  &x, "usend 10.0.0.2:1102 10 on M4.0 from MB31 --outputs pulse", "--job 7", err,
                  sizeof err),
              0);
    CHECK_INT(x.jobs[6].latch, 0);
    s7_exchange_free(&x);
}

static void test_errors(void)
{
    check_err("bsend", "too short");
    /* a word given twice: the second silently replaced the first */
    check_err("brcv any 3 into MB0 into MB10", "--job 1: 'into' given twice: give it once");
    check_err("bsend 1.2.3.4 5 every 1s from MB0 --status MW2 --status MW4",
              "--job 1: '--status' given twice: give it once");
    check_err("bsend 1.2.3.4 5 every 1s from MB0 --tsap 1000:1000 --tsap 1000:1001",
              "--job 1: '--tsap' given twice: give it once");
    { /* the words in any case, as the GET/PUT spelling takes them */
        s7_exchange y;
        s7_exchange_init(&y);
        CHECK_INT(s7_exchange_parse_partner_job(&y, "BSEND 1.2.3.4 5 EVERY 1s FROM MB0 LATCH",
                                                "--job 1", err, sizeof err),
                  0);
        CHECK_INT(s7_exchange_parse_partner_job(&y, "Brcv Any 6 Into MB2 --outputs Latch",
                                                "--job 2", err, sizeof err),
                  0);
        CHECK_INT(y.njobs, 2);
        CHECK_INT(y.jobs[0].kind, S7_XJOB_BSEND);
        CHECK_INT(y.jobs[0].trigger, S7_XTRIG_CYCLIC);
        CHECK(y.jobs[0].latch && y.jobs[1].latch);
        CHECK_STR(y.jobs[0].name, "bsend1");
        CHECK_INT(y.jobs[1].kind, S7_XJOB_BRCV);
        CHECK_INT(s7_exchange_conn(&y, y.jobs[1].conn_id)->side, S7_XCONN_UNSPECIFIED);
        s7_exchange_free(&y);
    }
    check_err("bsend 1.2.3.4 1 every 1s on M0.0 from MB0", "more than one trigger");
    check_err("usend 1.2.3.4 1 --req M0.0 every 1s from MB0", "more than one trigger");
    check_err("bget 1.2.3.4 1 from MB0", "'bget' is not a partner job kind");
    check_err("bsend 1.2.3.4:x 1 from MB0", "partner '1.2.3.4:x'");
    check_err("bsend 1.2.3.4 x5 from MB0", "R_ID 'x5'");
    check_err("bsend 1.2.3.4 5 on M0.0", "needs from LOCAL");
    /* a sender without a trigger: no cycle assumed, as in the other spellings */
    check_err("bsend 1.2.3.4 5 from MB0", "no trigger: add every DURATION");
    check_err("usend 1.2.3.4 5 from MB0 --done M0.0", "no trigger: add every DURATION");
    check_err("brcv 1.2.3.4 5 every 1s into MB0", "takes what comes");
    check_err("bsend 1.2.3.4 5 on MW0 from MB0", "REQ 'MW0' must be a local BOOL");
    check_err("bsend 1.2.3.4 5 from MB0 --status M0.0", "must be a WORD");
    check_err("bsend 1.2.3.4 5 from MB0 --done MW0", "must be a BOOL");
    check_err("usend 1.2.3.4 5 from P#DB1.DBX0.0 BYTE 500", "a usend moves 1..452 bytes");
    check_err("bsend 1.2.3.4 5 from MB0 --pdu 100", "--pdu 100: 240..960");
    check_err("bsend 1.2.3.4 5 from MB0 --frob 1", "unexpected '--frob'");
    check_err("bsend 1.2.3.4 5 from MB0 --tsap 12", "LOCAL:REMOTE in hex");
    check_err("bsend 1.2.3.4 5 from MB0 --done", "'--done' needs a value");
    check_err("bsend 1.2.3.4 5 every 1s from MB0 pulse2", "unexpected 'pulse2'");
    check_err("bsend 1.2.3.4 5 from MB0 --outputs hold",
              "--job 1: --outputs 'hold': pulse (DONE/NDR, ERROR and STATUS for one scan, as the "
              "instructions) or latch (held until the next result)");
    /* --id of a connection that names another partner; two receivers of one R_ID */
    s7_exchange x;
    s7_exchange_init(&x);
    CHECK_INT(s7_exchange_parse_partner_job(&x, "bsend 1.2.3.4 5 every 1s from MB0 --id 7",
                                            "--job 1", err, sizeof err),
              0);
    CHECK_INT(s7_exchange_parse_partner_job(&x, "bsend 1.2.3.5 6 every 1s from MB0 --id 7",
                                            "--job 2", err, sizeof err),
              S7_ERR_INVAL);
    CHECK_STR(err, "--job 2: connection id 7 already names another partner (1.2.3.4 at --job 1): "
                   "choose another --id or leave it out");
    CHECK_INT((int)x.nconns, 1);
    CHECK_INT(s7_exchange_parse_partner_job(&x, "brcv any 9 into MB10", "--job 3", err, sizeof err),
              0);
    CHECK_INT(s7_exchange_parse_partner_job(&x, "urcv any 9 into MB20", "--job 4", err, sizeof err),
              S7_ERR_INVAL);
    CHECK(strstr(err, "--job 4: job urcv3: R_ID 9 on connection 1 is already used by job brcv2 "
                      "(brcv, --job 3)") != NULL);
    s7_exchange_free(&x);
}

static uint8_t *db(s7_cpu *c, uint16_t n)
{
    uint32_t size;
    return s7_cpu_mem(c, S7_AREA_DB, n, &size);
}

static void test_run(void)
{
    const s7_profile *prof = s7_profile_find("s7-1500");
    s7_cpu *a = s7_cpu_new(prof), *b = s7_cpu_new(prof);
    s7_cpu_add_db(a, 10, 1000, 0);
    s7_cpu_add_db(b, 20, 1000, 0);
    for (int i = 0; i < 1000; i++)
        db(a, 10)[i] = (uint8_t)(i ^ 0x5A);
    s7_exchange xa, xb;
    s7_exchange_init(&xa);
    s7_exchange_init(&xb);
    CHECK_INT(s7_exchange_parse_partner_job(&xb, "brcv any 3 into DB20.DBB0..DBB999 --ndr M0.1",
                                            "b", err, sizeof err),
              0);
    /* B serves its passive connection on its server's port (one the kernel picks) */
    s7_server_opts so;
    s7_server_opts_init(&so);
    so.listen = "127.0.0.1:0";
    s7_server *srv = s7_server_new(b, &so);
    CHECK_INT(s7_server_start(srv), 0);
    s7_xpartner *eb = s7_xpartner_new(b, &xb, NULL);
    int rc = s7_xpartner_attach(eb, srv, err, sizeof err);
    if (rc == 0)
        rc = s7_xpartner_start(eb, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "s7_xpartner_start (BRCV side): %s\n", err);
    CHECK_INT(rc, 0);
    char line[200];
    snprintf(line, sizeof line,
             "bsend 127.0.0.1:%u 3 every 50ms from DB10.DBB0..DBB999 --done M0.1",
             s7_server_port(srv));
    CHECK_INT(s7_exchange_parse_partner_job(&xa, line, "a", err, sizeof err), 0);
    s7_xpartner *ea = s7_xpartner_new(a, &xa, NULL);
    rc = s7_xpartner_start(ea, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "s7_xpartner_start (BSEND side): %s\n", err);
    CHECK_INT(rc, 0);
    s7_partner_status st = {0};
    int64_t end = s7_now_ms() + 5000;
    for (int i = 0; i < 100000 && s7_now_ms() < end && st.count == 0; i++) {
        s7_xpartner_run_once(ea, 1);
        s7_xpartner_run_once(eb, 1);
        s7_server_run_once(srv, 0);
        s7_xpartner_state(eb, 0, &st);
    }
    CHECK_INT(st.count >= 1, 1);
    CHECK(memcmp(db(a, 10), db(b, 20), 1000) == 0);
    s7_xpartner_free(ea);
    s7_xpartner_free(eb);
    s7_server_free(srv);
    s7_exchange_free(&xa);
    s7_exchange_free(&xb);
    s7_cpu_free(a);
    s7_cpu_free(b);
}

int main(void)
{
    test_forms();
    test_errors();
    test_run();
    return t_done();
}
