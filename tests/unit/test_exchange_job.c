/* Unit tests for exchange/job.c: the GET/PUT job model.  The one-line spelling parsed into
 * jobs and connections (fields, defaults, connection reuse, the round trip through
 * s7_xjob_format), the PDU limits of the Read/Write Var layouts (222/462/942 bytes for one GET
 * area, 212/452/932 for one PUT area, less per extra area and per fill byte), every error
 * message of the parser and of the validation, and the STATUS table with the mapping of a
 * partner's answers to the STATUS a GET/PUT instruction reports. */
#include <stdio.h>
#include <string.h>

#include "exchange/status.h"
#include "s7/err.h"
#include "s7/exchange.h"
#include "t.h"

/* Each bad job with the exact message (where = "--job 1"); x must stay unchanged. */
static const struct {
    const char *line, *msg;
} BAD[] = {
    {"", "--job 1: empty job: e.g. get 10.200.2.10 DB20.DBB0..DBB31 every 100ms --slot 2 --type "
         "basic into DB40.DBB0, or put 10.200.2.10 DB20.DBW0 on M10.0 from DB40.DBW0 --done M10.1"},
    {"fetch 10.0.0.1 DB1.DBB0 every 1s into DB2.DBB0",
     "--job 1: 'fetch' is not a job kind: a job starts with get or put, e.g. get 10.200.2.10 "
     "DB20.DBB0..DBB31 every 100ms --slot 2 --type basic into DB40.DBB0, or put 10.200.2.10 "
     "DB20.DBW0 on M10.0 from DB40.DBW0 --done M10.1"},
    {"get", "--job 1: the partner's address is missing after get: e.g. get 10.200.2.10 "
            "DB20.DBB0..DBB31 every 100ms --slot 2 --type basic into DB40.DBB0, or put 10.200.2.10 "
            "DB20.DBW0 on M10.0 from DB40.DBW0 --done M10.1"},
    {"get --slot 2", "--job 1: the partner's address is missing after get: e.g. get 10.200.2.10 "
                     "DB20.DBB0..DBB31 every 100ms --slot 2 --type basic into DB40.DBB0, or put "
                     "10.200.2.10 DB20.DBW0 on M10.0 from DB40.DBW0 --done M10.1"},
    {"get 10.0.0.1 DB1.DBB0 into DB2.DBB0", "--job 1: no trigger: add every DURATION (e.g. every "
                                            "100ms) or on BIT (a local REQ bit, e.g. on M10.0)"},
    {"get 10.0.0.1 DB1.DBB0 every 1s on M0.0 into DB2.DBB0",
     "--job 1: more than one trigger: give either every DURATION (cyclic) or on BIT (rising edge "
     "of REQ)"},
    {"get 10.0.0.1 every 1s into DB2.DBB0",
     "--job 1: no partner address to get: e.g. get 10.200.2.10 DB20.DBB0..DBB31 every 100ms --slot "
     "2 --type basic into DB40.DBB0, or put 10.200.2.10 DB20.DBW0 on M10.0 from DB40.DBW0 --done "
     "M10.1"},
    {"get 10.0.0.1 DB1.DBB0 every 1s",
     "--job 1: no local area: add 'into LOCAL' (one per partner area), e.g. get 10.200.2.10 "
     "DB20.DBB0..DBB31 every 100ms --slot 2 --type basic into DB40.DBB0, or put 10.200.2.10 "
     "DB20.DBW0 on M10.0 from DB40.DBW0 --done M10.1"},
    {"get 10.0.0.1 DB1.DBB0 DB1.DBB2 every 1s into DB2.DBB0",
     "--job 1: 2 partner areas but 1 local area: give one local area per partner area"},
    /* a stray word after the local area is named, not counted as an area */
    {"get 10.0.0.1 DB1.DBB0 every 1s into DB2.DBB0 latch2",
     "--job 1: local area 2: address 'latch2': unknown area 'latch' in 'latch2' (use DB, I/E, "
     "Q/A, M, T, C/Z, P, V); an address is a tag (DB20.DBW4, MW10, DB20.DBD8:REAL), a range "
     "(DB20.DBB0..DBB31, DB20.DBB0..31) or an ANY pointer (P#DB20.DBX0.0 BYTE 32)"},
    {"get 10.0.0.1 DB1.DBB0 every 1s from DB2.DBB0",
     "--job 1: a get job copies into local memory: write 'into LOCAL', not 'from'"},
    /* an option given twice: the second silently replaced the first (as 'into' twice is
     * refused) */
    {"get 10.0.0.1 DB1.DBB0 every 1s into DB2.DBB0 --status MW2 --status MW4",
     "--job 1: --status given twice: give it once"},
    {"get 10.0.0.1 DB1.DBB0 every 1s into DB2.DBB0 --slot 2 --slot 3",
     "--job 1: --slot given twice: give it once"},
    {"get 10.0.0.1 DB1.DBB0 every 1s into DB2.DBB0 --error M0.1 --ndr M0.2 --error M0.3",
     "--job 1: --error given twice: give it once"},
    {"put 10.0.0.1 DB1.DBB0 every 1s into DB2.DBB0",
     "--job 1: a put job copies from local memory: write 'from LOCAL', not 'into'"},
    {"get 10.0.0.1 DB1.DBB0 every 1s into DB2.DBB0 into DB3.DBB0",
     "--job 1: 'into' appears twice: list the local areas after one into"},
    {"get 10.0.0.1 DB1.DBB0 MB0 MB1 MB2 MB3 every 1s into DB2.DBB0",
     "--job 1: more than 4 partner areas ('MB3'): GET and PUT move at most four (ADDR_1..ADDR_4); "
     "split the job"},
    {"get 10.0.0.1 DB1.DBB0 every 1s into MB0 MB1 MB2 MB3 MB4",
     "--job 1: more than 4 local areas ('MB4'): one per partner area"},
    {"get 10.0.0.1 DB1.DBB0 every 1s into DB2.DBB0 --done M0.1",
     "--job 1: a get job has no done output: use --ndr (new data received)"},
    {"put 10.0.0.1 DB1.DBB0 every 1s from DB2.DBB0 --ndr M0.1",
     "--job 1: a put job has no ndr output: use --done"},
    {"get 10.0.0.1 DB1.DBB0 every fast into DB2.DBB0",
     "--job 1: every 'fast' is not a duration: a number with its unit, e.g. 500ms, 0.5s, 2 s, "
     "1min"},
    {"get 10.0.0.1 DB1.DBB0 every 100 into DB2.DBB0",
     "--job 1: every '100' needs a unit (ms, s, min or h), e.g. 500ms, 0.5s, 2 s, 1min"},
    {"get 10.0.0.1 DB1.DBB0 every", "--job 1: every needs a duration, e.g. every 100ms"},
    {"get 10.0.0.1 DB1.DBB0 on", "--job 1: on needs the local REQ bit, e.g. on M10.0"},
    {"get 10.0.0.1 DB1.DBB0 on M0.9 into DB2.DBB0",
     "--job 1: on 'M0.9': bit number 9 in 'M0.9' must be 0..7"},
    {"get 10.0.0.1 DB1.DBB0 on MW0 into DB2.DBB0",
     "--job 1: job job1: REQ MW0 is not a bit: give a BOOL address, e.g. M10.1 or DB40.DBX32.0"},
    {"get 10.0.0.1 DB1.DBB0 every 1s into DB2.DBB0 --slot 40",
     "--job 1: --slot '40': must be a number in 0..31"},
    {"get 10.0.0.1 DB1.DBB0 every 1s into DB2.DBB0 --rack x",
     "--job 1: --rack 'x': must be a number in 0..7"},
    {"get 10.0.0.1 DB1.DBB0 every 1s into DB2.DBB0 --pdu 100",
     "--job 1: --pdu '100': must be a number in 240..960"},
    {"get 10.0.0.1 DB1.DBB0 every 1s into DB2.DBB0 --type fast",
     "--job 1: --type 'fast': the connection type is pg, op or basic"},
    {"get 10.0.0.1 DB1.DBB0 every 1s into DB2.DBB0 --tsap 100",
     "--job 1: --tsap '100': give LOCAL:REMOTE in hex, e.g. 0100:0102"},
    {"get 10.0.0.1 DB1.DBB0 every 1s into DB2.DBB0 --name a/b",
     "--job 1: --name 'a/b': use 1..63 letters, digits and - _ . # (e.g. line-m1-status)"},
    {"get 10.0.0.1 DB1.DBB0 every 1s into DB2.DBB0 --bogus 1",
     "--job 1: unknown option --bogus: the options are --port --rack --slot --type --tsap --pdu "
     "--id --name --req --ndr (get) --done (put) --error --status --outputs"},
    {"get 10.0.0.1 DB1.DBB0 every 1s into DB2.DBB0 --slot", "--job 1: --slot needs a value"},
    {"get 10.0.0.1 DB1.DBB0 every 1s into DB2.DBB0 --outputs hold",
     "--job 1: --outputs 'hold': pulse (NDR/DONE, ERROR and STATUS for one scan, as the "
     "instructions) or latch (held until the next result)"},
    {"get 10.0.0.1:0 DB1.DBB0 every 1s into DB2.DBB0",
     "--job 1: port '0' of partner '10.0.0.1:0' is not 1..65535"},
    {"get []:1102 MW0 every 1s into MW2",
     "--job 1: partner '[]:1102' is not an address: give HOST or HOST:PORT, e.g. get 10.200.2.10 "
     "DB20.DBB0..DBB31 every 100ms --slot 2 --type basic into DB40.DBB0, or put 10.200.2.10 "
     "DB20.DBW0 on M10.0 from DB40.DBW0 --done M10.1"},
    {"get [::1]:0 MW0 every 1s into MW2", "--job 1: port '0' of partner '[::1]:0' is not 1..65535"},
    /* the REQ bit and the outputs outside the job's own local areas and one another */
    {"get 10.0.0.1 MW0 every 1s into DB40.DBW0 --status DB40.DBW0",
     "--job 1: job job1: STATUS DB40.DBW0 lies in RD_1 DB40.DBW0: the job would overwrite it with "
     "the data it receives (or the data with it); move it out of the job's RD areas"},
    {"get 10.0.0.1 MD0 on M0.0 into MD0",
     "--job 1: job job1: REQ M0.0 lies in RD_1 MD0: the job would overwrite it with the data it "
     "receives (or the data with it); move it out of the job's RD areas"},
    {"put 10.0.0.1 DB20.DBB0..DBB7 every 1s from DB40.DBB0 --status DB40.DBW4",
     "--job 1: job job1: STATUS DB40.DBW4 lies in SD_1 DB40.DBB0..DBB7: the job would send it as "
     "data; move it out of the job's SD areas"},
    {"get 10.0.0.1 MW0 every 1s into MW2 --ndr M10.0 --error M10.0",
     "--job 1: job job1: NDR M10.0 and ERROR M10.0 share memory: give each its own"},
    /* an option at the end that is no option is named as such, not as one without a value */
    {"get 10.0.0.1 MW0 every 1s into MW2 --fast",
     "--job 1: unknown option --fast: the options are --port --rack --slot --type --tsap --pdu "
     "--id "
     "--name --req --ndr (get) --done (put) --error --status --outputs"},
    /* an ANY pointer without its count: the pointer is blamed, not the trigger */
    {"get 10.0.0.1 P#DB20.DBX0.0 BYTE every 1s into DB40.DBB0",
     "--job 1: partner area 1: address 'P#DB20.DBX0.0': ANY pointer 'P#DB20.DBX0.0': the start is "
     "followed by a space, the element type and the count; an ANY pointer is P#DB30.DBX0.0 BYTE "
     "100, P#M10.0 BYTE 4, P#I0.0 BOOL 8, P#Q4.0 WORD 2, P#T 5 TIMER 3 or P#C 0 COUNTER 2; an "
     "address is a tag (DB20.DBW4, MW10, DB20.DBD8:REAL), a range (DB20.DBB0..DBB31, "
     "DB20.DBB0..31) or an ANY pointer (P#DB20.DBX0.0 BYTE 32)"},
    {"get [::1 DB1.DBB0 every 1s into DB2.DBB0",
     "--job 1: partner '[::1': an IPv6 address in brackets is [ADDR] or [ADDR]:PORT"},
    {"get 10.0.0.1 DB1.DBZ0 every 1s into DB2.DBB0",
     "--job 1: partner area 1: address 'DB1.DBZ0': unknown width 'DBZ' in 'DB1.DBZ0' (use DBX bit, "
     "DBB byte, DBW word, DBD double word); an address is a tag (DB20.DBW4, MW10, DB20.DBD8:REAL), "
     "a range (DB20.DBB0..DBB31, DB20.DBB0..31) or an ANY pointer (P#DB20.DBX0.0 BYTE 32)"},
    {"get 10.0.0.1 DB1.DBB0 every 1s into DB2.DBQ0",
     "--job 1: local area 1: address 'DB2.DBQ0': unknown width 'DBQ' in 'DB2.DBQ0' (use DBX bit, "
     "DBB byte, DBW word, DBD double word); an address is a tag (DB20.DBW4, MW10, DB20.DBD8:REAL), "
     "a range (DB20.DBB0..DBB31, DB20.DBB0..31) or an ANY pointer (P#DB20.DBX0.0 BYTE 32)"},
    {"get 10.0.0.1 DB1.DBB9..DBB3 every 1s into DB2.DBB0",
     "--job 1: partner area 1: address: 'DB1.DBB9..DBB3' ends (byte 3) before it starts (byte 9)"},
    {"get 10.0.0.1 DB1.DBB0..DBB299 every 1s into DB2.DBB0",
     "--job 1: job job1: a GET of 1 area moves 300 bytes, more than fit one PDU of 240 bytes (at "
     "most 222 bytes: PDU - 14 - 4 per area): make the areas smaller, split the job, or raise the "
     "PDU (--pdu 480 or 960, pdu: in YAML) when the partner negotiates it"},
    {"put 10.0.0.1 DB1.DBB0..DBB212 every 1s from DB2.DBB0",
     "--job 1: job job1: a PUT of 1 area moves 213 bytes, more than fit one PDU of 240 bytes (at "
     "most 212 bytes: PDU - 12 - 16 per area): make the areas smaller, split the job, or raise the "
     "PDU (--pdu 480 or 960, pdu: in YAML) when the partner negotiates it"},
    {"get 10.0.0.1 DB1.DBB0..DBB110 DB1.DBB200..DBB310 every 1s into DB2.DBB0 DB2.DBB200",
     "--job 1: job job1: a GET of 2 areas moves 222 bytes and 1 fill byte after odd-sized areas, "
     "223 in all, "
     "more than fit one PDU of 240 bytes (at most 218 bytes: PDU - 14 - 4 per area): make the "
     "areas smaller, split the job, or raise the PDU (--pdu 480 or 960, pdu: in YAML) when the "
     "partner negotiates it"},
    {"get 10.0.0.1 DB1.DBW0 every 1s into DB2.DBD0",
     "--job 1: job job1: ADDR_1 DB1.DBW0 is 2 bytes but RD_1 DB2.DBD0 is 4 bytes: the areas must "
     "agree in length and type (a real CPU reports STATUS 1/4)"},
    {"get 10.0.0.1 M0.0 every 1s into DB2.DBB0",
     "--job 1: job job1: ADDR_1 M0.0 is a bit but RD_1 DB2.DBB0 is 1 byte: the areas must agree in "
     "length and type (a real CPU reports STATUS 1/4)"},
    {"get 10.0.0.1 DB1.DBB0 every 1s into T0",
     "--job 1: job job1: RD_1 T0 is in the T area: local areas are DB, I, Q or M addresses"},
    {"get 10.0.0.1 PIW256 every 1s into MW0",
     "--job 1: job job1: ADDR_1 PIW256 is in the P area, which PUT/GET does not reach: use a DB, "
     "I, Q or M address"},
    {"get 10.0.0.1 DB1.DBB0 every 1s into DB2.DBB0 --error MW2",
     "--job 1: job job1: ERROR MW2 is not a bit: give a BOOL address, e.g. M10.1 or DB40.DBX32.0"},
    {"get 10.0.0.1 DB1.DBB0 every 1s into DB2.DBB0 --status M0.0",
     "--job 1: job job1: STATUS M0.0 is not a WORD: give a word address, e.g. MW12 or DB40.DBW34"},
    {"get 10.0.0.1 DB1.DBB0 every 1s into DB2.DBB0 --status DB2.DBD0",
     "--job 1: job job1: STATUS DB2.DBD0 is not a WORD: give a word address, e.g. MW12 or "
     "DB40.DBW34"},
    {"get 10.0.0.1 P#M0.0 BOOL 8 every 1s into P#M10.0 BOOL 8",
     "--job 1: job job1: area 1 is an array of BOOL: move the bytes that hold the bits (P#M10.0 "
     "BYTE 2) or one BOOL"},
    {"get 10.0.0.1 DB1.DBB0 every 1s into DB2.DBB0 --ndr T0",
     "--job 1: job job1: NDR T0 is not in local memory this CPU's program sees: use a DB, I, Q or "
     "M address"},
};

static void test_bad_lines(void)
{
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        s7_exchange x;
        char err[1000] = "";
        s7_exchange_init(&x);
        int rc = s7_exchange_parse_job(&x, BAD[i].line, "--job 1", err, sizeof err);
        if (rc != S7_ERR_INVAL || strcmp(err, BAD[i].msg) != 0)
            fprintf(stderr, "bad job '%s': rc %d\n  got  '%s'\n  want '%s'\n", BAD[i].line, rc, err,
                    BAD[i].msg);
        CHECK_INT(rc, S7_ERR_INVAL);
        CHECK_STR(err, BAD[i].msg);
        CHECK_INT(x.njobs, 0);
        CHECK_INT(x.nconns, 0);
        s7_exchange_free(&x);
    }
}

/* Words the one-line spelling joins: a timer's or counter's ANY pointer (four words) and a
 * duration with its unit apart (every 2 s). */
static void test_joined_words(void)
{
    s7_exchange x;
    char err[1000] = "";
    s7_exchange_init(&x);
    CHECK_INT(s7_exchange_parse_job(&x, "get 10.0.0.1 P#T 0 TIMER 3 every 2 s into DB40.DBB0..DBB5",
                                    "--job 1", err, sizeof err),
              0);
    CHECK_STR(err, "");
    CHECK_INT(x.jobs[0].areas[0].remote.area, S7_AREA_T);
    CHECK_INT(x.jobs[0].areas[0].remote.count, 3);
    CHECK_INT(x.jobs[0].cycle_ms, 2000);
    CHECK_INT(s7_exchange_parse_job(&x, "get 10.0.0.1 P#C 4 COUNTER 2 every 1 min into MD0",
                                    "--job 2", err, sizeof err),
              0);
    CHECK_INT(x.jobs[1].areas[0].remote.area, S7_AREA_C);
    CHECK_INT(x.jobs[1].areas[0].remote.byte, 4);
    CHECK_INT(x.jobs[1].cycle_ms, 60000);
    CHECK_INT(s7_exchange_parse_job(&x, "get 10.0.0.1 P#DB20.DBX0.0 BYTE 4 every 0.5 s into MD4",
                                    "--job 3", err, sizeof err),
              0);
    CHECK_INT(x.jobs[2].areas[0].remote.count, 4);
    CHECK_INT(x.jobs[2].cycle_ms, 500);
    s7_exchange_free(&x);
}

static void test_issue_example(void)
{
    s7_exchange x;
    char err[1000] = "", buf[600];
    s7_exchange_init(&x);
    int rc = s7_exchange_parse_job(
        &x, "get 10.200.2.10 DB20.DBB0..DBB31 every 100ms --slot 2 --type basic into DB40.DBB0",
        "--job 1", err, sizeof err);
    CHECK_INT(rc, 0);
    CHECK_STR(err, "");
    CHECK_INT(x.njobs, 1);
    CHECK_INT(x.nconns, 1);
    const s7_xjob *j = &x.jobs[0];
    const s7_xconn *c = &x.conns[0];
    CHECK_STR(j->name, "job1");
    CHECK_STR(j->where, "--job 1");
    CHECK_INT(j->kind, S7_XJOB_GET);
    CHECK_INT(j->trigger, S7_XTRIG_CYCLIC);
    CHECK_INT(j->cycle_ms, 100);
    CHECK_INT(j->nareas, 1);
    CHECK_INT(j->areas[0].remote.area, S7_AREA_DB);
    CHECK_INT(j->areas[0].remote.db, 20);
    CHECK_INT(j->areas[0].remote.byte, 0);
    CHECK_INT(j->areas[0].remote.type, S7_T_BYTE);
    CHECK_INT(j->areas[0].remote.count, 32);
    /* the bare start address took the partner area's size */
    CHECK_INT(j->areas[0].local.db, 40);
    CHECK_INT(j->areas[0].local.count, 32);
    CHECK_INT(j->has_done + j->has_error + j->has_status, 0);
    CHECK_INT(j->conn_id, 1);
    CHECK_INT(c->id, 1);
    CHECK_STR(c->host, "10.200.2.10");
    CHECK_INT(c->port, 0);
    CHECK_INT(c->rack, 0);
    CHECK_INT(c->slot, 2);
    CHECK_INT(c->type, S7_CONN_BASIC);
    CHECK_INT(c->pdu, 240);
    CHECK_INT(c->side, S7_XCONN_ACTIVE);
    CHECK_INT(s7_xjob_format(&x, j, buf, sizeof buf), (int)strlen(buf));
    CHECK_STR(buf, "get 10.200.2.10 DB20.DBB0..DBB31 every 100ms --slot 2 --type basic --id 1 "
                   "--name job1 into DB40.DBB0..DBB31");

    /* a second job to the same partner shares the connection; another partner gets id 2 */
    rc =
        s7_exchange_parse_job(&x,
                              "put 10.200.2.10 P#DB20.DBX40.0 BYTE 4, DB20.DBW50 on M10.0 --slot 2 "
                              "--type basic from MD0, DB40.DBW60 --done M10.1 --error M10.2 "
                              "--status MW12 --name recipe",
                              "--job 2", err, sizeof err);
    CHECK_INT(rc, 0);
    CHECK_STR(err, "");
    CHECK_INT(x.nconns, 1);
    rc = s7_exchange_parse_job(&x, "get [::1]:1102 MW0 every 2s --pdu 960 into DB1.DBW0", "--job 3",
                               err, sizeof err);
    CHECK_INT(rc, 0);
    CHECK_INT(x.nconns, 2);
    CHECK_STR(x.conns[1].host, "::1");
    CHECK_INT(x.conns[1].port, 1102);
    CHECK_INT(x.conns[1].pdu, 960);
    CHECK_INT(x.jobs[2].conn_id, 2);
    CHECK_STR(x.jobs[2].name, "job3");

    j = s7_exchange_job(&x, "recipe");
    CHECK(j != NULL);
    if (j) {
        CHECK_INT(j->kind, S7_XJOB_PUT);
        CHECK_INT(j->trigger, S7_XTRIG_REQ);
        CHECK_INT(j->req.area, S7_AREA_M);
        CHECK_INT(j->nareas, 2);
        CHECK_INT(j->areas[0].remote.count, 4);
        CHECK_INT(j->areas[1].remote.type, S7_T_WORD);
        CHECK_INT(j->has_done && j->has_error && j->has_status, 1);
        CHECK_INT(j->status.byte, 12);
        CHECK_INT(s7_xjob_format(&x, j, buf, sizeof buf), (int)strlen(buf));
        CHECK_STR(buf,
                  "put 10.200.2.10 DB20.DBB40..DBB43 DB20.DBW50 on M10.0 --slot 2 --type basic "
                  "--id 1 --name recipe from MD0 DB40.DBW60 --done M10.1 --error M10.2 "
                  "--status MW12");
        /* the printed form parses back to the same job */
        s7_exchange y;
        s7_exchange_init(&y);
        CHECK_INT(s7_exchange_parse_job(&y, buf, "again", err, sizeof err), 0);
        CHECK_INT(y.njobs, 1);
        if (y.njobs) {
            char buf2[600];
            s7_xjob_format(&y, &y.jobs[0], buf2, sizeof buf2);
            CHECK_STR(buf2, buf);
        }
        s7_exchange_free(&y);
        /* snprintf-style length when the buffer is short */
        char small[10];
        CHECK_INT(s7_xjob_format(&x, j, small, sizeof small), (int)strlen(buf));
        CHECK_STR(small, "put 10.20");
    }
    s7_xjob_format(&x, &x.jobs[2], buf, sizeof buf);
    CHECK_STR(buf, "get [::1]:1102 MW0 every 2s --pdu 960 --id 2 --name job3 into DB1.DBW0");
    CHECK_INT(x.jobs[2].latch, 0); /* outputs pulse for one scan unless asked otherwise */

    /* outputs: --outputs latch|pulse or the bare word; printed back only when latched */
    {
        static const char *const L[] = {
            "get 10.0.0.7 MW0 every 1s into MW2 --ndr M1.0 --outputs latch",
            "get 10.0.0.7 MW0 every 1s into MW2 --ndr M1.0 latch",
            "get 10.0.0.7 MW0 every 1s latch into MW2 --ndr M1.0",
            "get 10.0.0.7 MW0 every 1s into MW2 --ndr M1.0 --outputs PULSE",
            "get 10.0.0.7 MW0 every 1s into MW2 --ndr M1.0 latch --outputs pulse",
        };
        static const int want[] = {1, 1, 1, 0, 0};
        for (size_t i = 0; i < sizeof L / sizeof L[0]; i++) {
            s7_exchange z;
            s7_exchange_init(&z);
            CHECK_INT(s7_exchange_parse_job(&z, L[i], "--job 1", err, sizeof err), 0);
            CHECK_INT(z.njobs ? z.jobs[0].latch : -1, want[i]);
            if (z.njobs) {
                s7_xjob_format(&z, &z.jobs[0], buf, sizeof buf);
                CHECK_INT(strstr(buf, " --outputs latch") != NULL, want[i]);
            }
            s7_exchange_free(&z);
        }
    }

    /* a name used twice, an id naming another partner: x unchanged */
    rc = s7_exchange_parse_job(&x, "get 10.0.0.9 MW0 every 1s into MW2 --name recipe", "--job 4",
                               err, sizeof err);
    CHECK_INT(rc, S7_ERR_INVAL);
    CHECK_STR(err, "--job 4: job name 'recipe' is already used: give each job its own --name");
    CHECK_INT(x.nconns, 2);
    CHECK_INT(x.njobs, 3);
    rc = s7_exchange_parse_job(&x, "get 10.0.0.9 MW0 every 1s into MW2 --id 2", "--job 5", err,
                               sizeof err);
    CHECK_INT(rc, S7_ERR_INVAL);
    CHECK_STR(err, "--job 5: connection id 2 is set up otherwise (::1 at --job 3): the address "
                   "10.0.0.9 against ::1; give the same settings, another --id, or leave --id out");
    /* the same address: the setting that differs is named */
    rc = s7_exchange_parse_job(&x, "get [::1]:1102 MW0 every 1s into MW2 --id 2 --slot 5",
                               "--job 6", err, sizeof err);
    CHECK_INT(rc, S7_ERR_INVAL);
    CHECK(strstr(err, "): slot 5 against ") != NULL);
    CHECK_INT(x.nconns, 2);
    /* a job that fails validation does not leave its new connection behind */
    rc =
        s7_exchange_parse_job(&x, "get 10.0.0.9 MW0 every 1s into MD2", "--job 6", err, sizeof err);
    CHECK_INT(rc, S7_ERR_INVAL);
    CHECK_INT(x.nconns, 2);
    CHECK_INT(s7_exchange_validate(&x, err, sizeof err), 0);
    s7_exchange_free(&x);
    CHECK_INT(x.njobs + x.nconns, 0);
    s7_exchange_free(NULL);
}

static void test_limits(void)
{
    /* one area, straight from the Read/Write Var layouts */
    CHECK_INT(s7_xjob_payload_limit(S7_XJOB_GET, 1, 240), 222);
    CHECK_INT(s7_xjob_payload_limit(S7_XJOB_GET, 1, 480), 462);
    CHECK_INT(s7_xjob_payload_limit(S7_XJOB_GET, 1, 960), 942);
    CHECK_INT(s7_xjob_payload_limit(S7_XJOB_PUT, 1, 240), 212);
    CHECK_INT(s7_xjob_payload_limit(S7_XJOB_PUT, 1, 480), 452);
    CHECK_INT(s7_xjob_payload_limit(S7_XJOB_PUT, 1, 960), 932);
    /* each extra area: 4 bytes (GET: its data item header) / 16 (PUT: spec + data header) */
    CHECK_INT(s7_xjob_payload_limit(S7_XJOB_GET, 4, 240), 210);
    CHECK_INT(s7_xjob_payload_limit(S7_XJOB_PUT, 4, 240), 164);
    CHECK_INT(s7_xjob_payload_limit(S7_XJOB_BSEND, 1, 240), 0);

    /* the limit is exact: 222 bytes fit a GET at 240, 223 do not; 212 / 213 for PUT */
    const struct {
        const char *line;
        int ok;
    } L[] = {
        {"get h DB1.DBB0..DBB221 every 1s into DB2.DBB0", 1},
        {"get h DB1.DBB0..DBB222 every 1s into DB2.DBB0", 0},
        {"get h DB1.DBB0..DBB461 every 1s into DB2.DBB0 --pdu 480", 1},
        {"get h DB1.DBB0..DBB462 every 1s into DB2.DBB0 --pdu 480", 0},
        {"get h DB1.DBB0..DBB941 every 1s into DB2.DBB0 --pdu 960", 1},
        {"get h DB1.DBB0..DBB942 every 1s into DB2.DBB0 --pdu 960", 0},
        {"put h DB1.DBB0..DBB211 every 1s from DB2.DBB0", 1},
        {"put h DB1.DBB0..DBB212 every 1s from DB2.DBB0", 0},
        {"put h DB1.DBB0..DBB931 every 1s from DB2.DBB0 --pdu 960", 1},
        {"put h DB1.DBB0..DBB932 every 1s from DB2.DBB0 --pdu 960", 0},
        /* two areas: 218 bytes for GET; an odd area before the last costs a fill byte, so
         * 109 + 109 does not fit where 108 + 110 does */
        {"get h DB1.DBB0..DBB107 DB1.DBB200..DBB309 every 1s into DB2.DBB0 DB2.DBB200", 1},
        {"get h DB1.DBB0..DBB108 DB1.DBB200..DBB308 every 1s into DB2.DBB0 DB2.DBB200", 0},
        {"get h DB1.DBB0..DBB108 DB1.DBB200..DBB307 every 1s into DB2.DBB0 DB2.DBB200", 1},
        {"get h DB1.DBB0..DBB107 DB1.DBB200..DBB310 every 1s into DB2.DBB0 DB2.DBB200", 0},
        /* two PUT areas: 196 bytes */
        {"put h DB1.DBB0..DBB97 DB1.DBB200..DBB297 every 1s from DB2.DBB0 DB2.DBB200", 1},
        {"put h DB1.DBB0..DBB98 DB1.DBB200..DBB297 every 1s from DB2.DBB0 DB2.DBB200", 0},
    };
    for (size_t i = 0; i < sizeof L / sizeof L[0]; i++) {
        s7_exchange x;
        char err[1000] = "";
        s7_exchange_init(&x);
        int rc = s7_exchange_parse_job(&x, L[i].line, "t", err, sizeof err);
        if ((rc == 0) != L[i].ok)
            fprintf(stderr, "limit case '%s': rc %d err '%s'\n", L[i].line, rc, err);
        CHECK_INT(rc == 0, L[i].ok);
        if (!L[i].ok)
            CHECK(strstr(err, "more than fit one PDU of") != NULL);
        s7_exchange_free(&x);
    }

    /* the exact request and reply sizes */
    s7_exchange x;
    char err[500];
    uint32_t req, rep;
    s7_exchange_init(&x);
    CHECK_INT(s7_exchange_parse_job(&x, "get h DB1.DBB0..DBB3 MB0 every 1s into DB2.DBB0 MB1", "t",
                                    err, sizeof err),
              0);
    CHECK_INT(s7_xjob_pdu_need(&x.jobs[0], &req, &rep), 12 + 24); /* the request is larger */
    CHECK_INT(req, 12 + 24);
    CHECK_INT(rep, 14 + 4 + 4 + 4 + 1); /* the odd area is last: no fill byte */
    CHECK_INT(s7_exchange_parse_job(&x, "put h MB0 DB1.DBB0..DBB3 every 1s from MB1 DB2.DBB0", "t",
                                    err, sizeof err),
              0);
    CHECK_INT(s7_xjob_pdu_need(&x.jobs[1], &req, &rep), 12 + 24 + 4 + 1 + 1 + 4 + 4);
    CHECK_INT(req, 50); /* MB0 is odd and not last: one fill byte */
    CHECK_INT(rep, 16);
    CHECK_INT(s7_xjob_pdu_need(&x.jobs[1], NULL, NULL), 50);
    s7_exchange_free(&x);
}

static void test_validate(void)
{
    s7_exchange x;
    s7_xconn c;
    s7_xjob j;
    char err[1000] = "";
    s7_exchange_init(&x);
    s7_xconn_init(&c);
    snprintf(c.host, sizeof c.host, "10.0.0.2");
    snprintf(c.where, sizeof c.where, "plc.yaml:4");
    s7_xconn *e = s7_exchange_add_conn(&x, &c);
    CHECK(e != NULL);
    CHECK_INT(e->id, 1);
    CHECK_INT(s7_exchange_add_conn(&x, &c)->id, 2); /* the lowest free id */
    CHECK(s7_exchange_conn(&x, 2) != NULL);
    CHECK(s7_exchange_conn(&x, 3) == NULL);

    s7_xjob_init(&j);
    snprintf(j.name, sizeof j.name, "status");
    snprintf(j.where, sizeof j.where, "plc.yaml:20");
    j.conn_id = 7;
    j.nareas = 1;
    CHECK_INT(s7_xjob_parse_addr("DB20.DBB0..DBB31", &j.areas[0].remote, err, sizeof err), 0);
    CHECK_INT(s7_xjob_parse_addr("P#DB40.DBX0.0 BYTE 32", &j.areas[0].local, err, sizeof err), 0);
    CHECK_INT(s7_xjob_validate(&x, &j, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "plc.yaml:20: job status: connection 7 is not in the connection table: add it "
                   "under connections: or name one that is there");
    j.conn_id = 1;
    CHECK_INT(s7_xjob_validate(&x, &j, err, sizeof err), 0);
    x.conns[0].side = S7_XCONN_PASSIVE;
    CHECK_INT(s7_xjob_validate(&x, &j, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "plc.yaml:20: job status: connection 1 is passive, but GET and PUT run on the "
                   "active side: make it active (side: active) with the partner's address");
    x.conns[0].side = S7_XCONN_ACTIVE;
    j.nareas = 0;
    CHECK_INT(s7_xjob_validate(&x, &j, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err,
              "plc.yaml:20: job status: 0 areas: a get job moves 1 to 4 areas (ADDR_1..ADDR_4)");
    j.nareas = 1;
    j.cycle_ms = 0;
    CHECK_INT(s7_xjob_validate(&x, &j, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "plc.yaml:20: job status: cycle 0 ms is outside 1 ms..24 h: e.g. every 100ms");
    j.cycle_ms = 100;
    j.trigger = 0;
    CHECK_INT(s7_xjob_validate(&x, &j, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "plc.yaml:20: job status: no trigger: give every DURATION or on BIT");
    j.trigger = S7_XTRIG_CYCLIC;
    /* the partner jobs of the same model: one local area, its size, a sender's trigger */
    j.kind = S7_XJOB_BSEND;
    CHECK_INT(s7_xjob_validate(&x, &j, err, sizeof err), 0);
    j.nareas = 2;
    CHECK_INT(s7_xjob_validate(&x, &j, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "plc.yaml:20: job status: 2 areas: a bsend job moves one local area (SD_1); "
                   "the partner's job with the same R_ID decides where the block lands");
    j.nareas = 0;
    CHECK_INT(s7_xjob_validate(&x, &j, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "plc.yaml:20: job status: no local area: a bsend job sends SD_1, e.g. "
                   "P#DB10.DBX0.0 BYTE 100");
    j.kind = S7_XJOB_BRCV; /* a receiver may take what comes without storing it */
    CHECK_INT(s7_xjob_validate(&x, &j, err, sizeof err), 0);
    j.nareas = 1;
    j.kind = S7_XJOB_USEND; /* one PDU: 240 - 28 bytes at most (s7_usend_max) */
    CHECK_INT(s7_xjob_parse_addr("P#DB40.DBX0.0 BYTE 300", &j.areas[0].local, err, sizeof err), 0);
    CHECK_INT(s7_xjob_validate(&x, &j, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "plc.yaml:20: job status: SD_1 DB40.DBB0..DBB299 has 300 bytes: a usend moves "
                   "1..212 bytes at the connection's PDU: make the area smaller or raise the PDU "
                   "(pdu: 960)");
    j.kind = S7_XJOB_BSEND;
    CHECK_INT(s7_xjob_validate(&x, &j, err, sizeof err), 0);
    j.trigger = 0;
    CHECK_INT(s7_xjob_validate(&x, &j, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "plc.yaml:20: job status: no trigger: give every DURATION or on BIT");
    j.kind = S7_XJOB_BRCV; /* a receiver has none */
    CHECK_INT(s7_xjob_validate(&x, &j, err, sizeof err), 0);
    j.trigger = S7_XTRIG_CYCLIC;
    j.kind = 9;
    CHECK_INT(s7_xjob_validate(&x, &j, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "plc.yaml:20: job status: kind 9 is not a job kind: get, put, bsend, brcv, "
                   "usend or urcv");
    CHECK_INT(s7_xjob_parse_addr("P#DB40.DBX0.0 BYTE 32", &j.areas[0].local, err, sizeof err), 0);
    j.kind = S7_XJOB_GET;
    CHECK(s7_exchange_add_job(&x, &j) != NULL);
    CHECK_INT(s7_exchange_validate(&x, err, sizeof err), 0);

    /* the table as a whole */
    CHECK(s7_exchange_add_job(&x, &j) != NULL);
    snprintf(x.jobs[1].where, sizeof x.jobs[1].where, "plc.yaml:30");
    CHECK_INT(s7_exchange_validate(&x, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err,
              "plc.yaml:30: job status: the name is already used at plc.yaml:20: give each job "
              "its own name");
    snprintf(x.jobs[1].name, sizeof x.jobs[1].name, "bad name");
    CHECK_INT(s7_exchange_validate(&x, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err,
              "plc.yaml:30: job bad name: job name 'bad name': use letters, digits and - _ . # "
              "(e.g. line-m1-status)");
    x.njobs = 1;
    x.conns[1].id = 1;
    CHECK_INT(s7_exchange_validate(&x, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err,
              "plc.yaml:4: connection id 1 is already used at plc.yaml:4: give each connection "
              "its own id");
    x.conns[1].id = 0x1000;
    CHECK_INT(s7_exchange_validate(&x, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "plc.yaml:4: connection id 4096 is outside 1..4095 (16#1..16#FFF)");
    x.conns[1].id = 2;
    x.conns[1].host[0] = 0;
    CHECK_INT(s7_exchange_validate(&x, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err,
              "plc.yaml:4: connection 2 has no partner address: give host: ADDRESS, or make it "
              "side: unspecified (passive, any partner)");
    x.conns[1].side = S7_XCONN_UNSPECIFIED;
    CHECK_INT(s7_exchange_validate(&x, err, sizeof err), 0);
    x.conns[1].slot = 32;
    CHECK_INT(s7_exchange_validate(&x, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "plc.yaml:4: connection 2: rack 0 / slot 32: rack is 0..7, slot 0..31");
    x.conns[1].slot = 1;
    x.conns[1].pdu = 100;
    CHECK_INT(s7_exchange_validate(&x, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "plc.yaml:4: connection 2: PDU 100 is outside 240..960 (S7-300/1200: 240, "
                   "S7-400: 480, S7-1500: 960)");
    x.conns[1].pdu = 240;
    snprintf(x.conns[0].name, sizeof x.conns[0].name, "m1");
    snprintf(x.conns[1].name, sizeof x.conns[1].name, "m1");
    CHECK_INT(s7_exchange_validate(&x, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "plc.yaml:4: connection name 'm1' is already used: give each connection its own "
                   "name");
    CHECK(s7_exchange_conn_by_name(&x, "m1") == &x.conns[0]);
    CHECK(s7_exchange_conn_by_name(&x, "") == NULL);
    s7_exchange_free(&x);

    s7_tag t;
    CHECK_INT(s7_xjob_parse_addr("DB20.DBB0..31", &t, err, sizeof err), 0);
    CHECK_INT(t.count, 32);
    CHECK_INT(s7_xjob_parse_addr("MB0..MB15", &t, err, sizeof err), 0);
    CHECK_INT(t.area, S7_AREA_M);
    CHECK_INT(t.count, 16);
    CHECK_INT(s7_xjob_parse_addr("P#DB20.DBX0.0 BYTE 32", &t, err, sizeof err), 0);
    CHECK_INT(t.count, 32);
    CHECK_INT(s7_xjob_parse_addr("DB20.DBD4:REAL", &t, err, sizeof err), 0);
    CHECK_INT(t.type, S7_T_REAL);
    CHECK_INT(s7_xjob_parse_addr("TB0..TB3", &t, err, sizeof err), S7_ERR_ADDR);
    /* a timer or counter range counts elements of two bytes, as P#T 0 TIMER 4 does (the
     * range was four bytes: a GET copied half of the timers it read) */
    s7_tag p;
    CHECK_INT(s7_xjob_parse_addr("T0..T3", &t, err, sizeof err), 0);
    CHECK_INT(s7_xjob_parse_addr("P#T 0 TIMER 4", &p, err, sizeof err), 0);
    CHECK_INT(t.area, S7_AREA_T);
    CHECK_INT(t.type, S7_T_TIMER);
    CHECK_INT(t.count, 4);
    CHECK_INT(s7_tag_size(&t), 8);
    CHECK_INT(s7_tag_size(&p), 8);
    CHECK_INT(s7_xjob_parse_addr("C10..C11", &t, err, sizeof err), 0);
    CHECK_INT(t.area, S7_AREA_C);
    CHECK_INT(t.type, S7_T_COUNTER);
    CHECK_INT(t.byte, 10);
    CHECK_INT(s7_tag_size(&t), 4);
    CHECK_INT(s7_xjob_parse_addr("MW0:REAL", &t, err, sizeof err), S7_ERR_TYPE);
    CHECK_INT(s7_xjob_parse_addr("DB1.DBB65535..DBB65536", &t, err, sizeof err), S7_ERR_ADDR);
}

static void test_status(void)
{
    /* the table: ERROR, STATUS, id, and a meaning and a fault for each */
    const struct {
        s7_xstatus st;
        int error;
        uint16_t code;
        const char *id;
    } T[] = {
        {S7_XST_OK, 0, 0, "ok"},
        {S7_XST_BUSY, 0, 11, "busy"},
        {S7_XST_STARTED, 0, 25, "started"},
        {S7_XST_CONNECTION, 1, 1, "connection"},
        {S7_XST_NEGATIVE_ACK, 1, 2, "negative_ack"},
        {S7_XST_LENGTH, 1, 4, "length_mismatch"},
        {S7_XST_PARTNER_ACCESS, 1, 8, "partner_access"},
        {S7_XST_LOCAL_ACCESS, 1, 10, "local_access"},
        {S7_XST_TOO_MANY_JOBS, 1, 20, "too_many_jobs"},
    };
    CHECK_INT(S7_XST__COUNT, sizeof T / sizeof T[0]);
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
        CHECK_INT(s7_exchange_status_error(T[i].st), T[i].error);
        CHECK_INT(s7_exchange_status_code(T[i].st), T[i].code);
        CHECK_STR(s7_exchange_status_id(T[i].st), T[i].id);
        CHECK(strlen(s7_exchange_status_str(T[i].st)) > 10);
        CHECK(strlen(s7_exchange_status_fault(T[i].st)) > 3);
        CHECK_INT(s7_exchange_status_find(T[i].error, T[i].code), T[i].st);
    }
    CHECK_STR(s7_exchange_status_str(S7_XST_BUSY),
              "new job cannot take effect: the previous job is not yet complete");
    CHECK_STR(s7_exchange_status_id((s7_xstatus)99), "unknown");
    CHECK_STR(s7_exchange_status_str((s7_xstatus)-1), "unknown");
    CHECK_INT(s7_exchange_status_find(1, 11), -1);
    CHECK_INT(s7_exchange_status_find(0, 8), -1);

    /* what the partner answered -> what the instruction reports */
    const struct {
        int rc;
        uint16_t plc;
        uint8_t item;
        s7_xstatus st;
        const char *cause;
    } M[] = {
        {0, 0, 0xFF, S7_XST_OK, "ok"},
        {S7_ERR_PLC, 0x8104, 0, S7_XST_NEGATIVE_ACK, "put_get_disabled"},
        {S7_ERR_PLC, 0x8500, 0, S7_XST_NEGATIVE_ACK, "pdu_exceeded"},
        {S7_ERR_PLC, 0x8304, 0, S7_XST_NEGATIVE_ACK, "plc_error"},
        {S7_ERR_ITEM, 0, 0x0A, S7_XST_PARTNER_ACCESS, "db_missing"},
        {S7_ERR_ITEM, 0, 0x05, S7_XST_PARTNER_ACCESS, "address_out_of_range"},
        {S7_ERR_ITEM, 0, 0x03, S7_XST_PARTNER_ACCESS, "access_denied"},
        {S7_ERR_ITEM, 0, 0x01, S7_XST_PARTNER_ACCESS, "item_error"},
        {S7_ERR_ITEM, 0, 0x07, S7_XST_LENGTH, "length_mismatch"},
        {S7_ERR_ITEM, 0, 0x06, S7_XST_LENGTH, "length_mismatch"},
        {S7_ERR_PARAM, 0, 0, S7_XST_LENGTH, "length_mismatch"},
        {S7_ERR_TOOBIG, 0, 0, S7_XST_LENGTH, "pdu_exceeded"},
        {S7_ERR_BUSY, 0, 0, S7_XST_BUSY, "busy"},
        {S7_ERR_REFUSED, 0, 0, S7_XST_CONNECTION, "partner_down"},
        {S7_ERR_CONNECT_TIMEOUT, 0, 0, S7_XST_CONNECTION, "partner_down"},
        {S7_ERR_TIMEOUT, 0, 0, S7_XST_CONNECTION, "partner_down"},
        {S7_ERR_CLOSED, 0, 0, S7_XST_CONNECTION, "partner_down"},
        {S7_ERR_NOTCONN, 0, 0, S7_XST_CONNECTION, "partner_down"},
        {S7_ERR_CR_REJECTED, 0, 0, S7_XST_CONNECTION, "connection_rejected"},
        {S7_ERR_NEGOTIATION, 0, 0, S7_XST_CONNECTION, "connection_rejected"},
    };
    for (size_t i = 0; i < sizeof M / sizeof M[0]; i++) {
        const char *cause = NULL;
        s7_xstatus st = s7_exchange_status_of(M[i].rc, M[i].plc, M[i].item, &cause);
        if (st != M[i].st || !cause || strcmp(cause, M[i].cause))
            fprintf(stderr, "status_of(%d, %04x, %02x): %d %s\n", M[i].rc, M[i].plc, M[i].item, st,
                    cause ? cause : "(null)");
        CHECK_INT(st, M[i].st);
        CHECK_STR(cause, M[i].cause);
    }
    CHECK_INT(s7_exchange_status_of(S7_ERR_PLC, 0x8104, 0, NULL), S7_XST_NEGATIVE_ACK);
    /* item 0x0A names what is missing by the item's area: a DB, or a timer, counter, area */
    const char *cz = NULL;
    CHECK_INT(s7__exchange_status_in(S7_ERR_ITEM, 0, 0x0A, S7_AREA_T, &cz), S7_XST_PARTNER_ACCESS);
    CHECK_STR(cz, "area_missing");
    s7__exchange_status_in(S7_ERR_ITEM, 0, 0x0A, S7_AREA_DB, &cz);
    CHECK_STR(cz, "db_missing");
    CHECK_STR(s7_xjob_kind_name(S7_XJOB_URCV), "urcv");
    CHECK_STR(s7_xjob_kind_name((s7_xjob_kind)0), "unknown");
}

/* A partner word that names a connection of the model takes that connection: its PDU for
 * the check, its id for the job; connection options and a port beside it are refused. */
static void test_named_conn(void)
{
    s7_exchange x;
    s7_xconn c;
    char err[1000] = "";
    s7_exchange_init(&x);
    s7_xconn_init(&c);
    snprintf(c.name, sizeof c.name, "line-m1");
    snprintf(c.host, sizeof c.host, "10.200.2.10");
    snprintf(c.where, sizeof c.where, "plant.yaml:3");
    c.pdu = 480;
    uint16_t id = s7_exchange_add_conn(&x, &c)->id;
    CHECK_INT(s7_exchange_parse_job(&x, "get line-m1 DB20.DBB0..DBB461 every 1s into DB40.DBB0",
                                    "f:7", err, sizeof err),
              0);
    CHECK_INT(x.njobs, 1);
    CHECK_INT(x.nconns, 1);
    CHECK_INT(x.jobs[0].conn_id, id);
    CHECK_INT(s7_exchange_parse_job(&x, "get line-m1 DB20.DBB0..DBB462 every 1s into DB40.DBB0",
                                    "f:8", err, sizeof err),
              S7_ERR_INVAL);
    CHECK_STR(err, "f:8: job job2: a GET of 1 area moves 463 bytes, more than fit one PDU of 480 "
                   "bytes (at most 462 bytes: PDU - 14 - 4 per area): make the areas smaller, "
                   "split the job, or raise the PDU (the pdu: of line-m1 at plant.yaml:3, up to "
                   "960) when the partner negotiates it");
    CHECK_INT(s7_exchange_parse_job(&x, "get line-m1 DB20.DBW0 every 1s into DB40.DBW0 --pdu 960",
                                    "f:9", err, sizeof err),
              S7_ERR_INVAL);
    CHECK_STR(err, "f:9: --pdu: line-m1 is the connection of plant.yaml:3: its port, rack, slot, "
                   "type, TSAPs, PDU and id are set there, not in the job; change them there or "
                   "leave --pdu out");
    CHECK_INT(s7_exchange_parse_job(&x, "get line-m1:1102 DB20.DBW0 every 1s into DB40.DBW0",
                                    "f:10", err, sizeof err),
              S7_ERR_INVAL);
    CHECK_STR(err, "f:10: partner 'line-m1:1102': line-m1 is the connection of plant.yaml:3, whose "
                   "port is set there: write the partner as line-m1");
    /* a host that names no connection makes a connection of its own, as before */
    CHECK_INT(s7_exchange_parse_job(&x,
                                    "get 10.200.2.11 DB20.DBW0 every 1s into DB40.DBW0 --slot 2",
                                    "f:11", err, sizeof err),
              0);
    CHECK_INT(x.nconns, 2);
    CHECK_INT(x.njobs, 2);
    s7_exchange_free(&x);
}

int main(void)
{
    test_bad_lines();
    test_named_conn();
    test_joined_words();
    test_issue_example();
    test_limits();
    test_validate();
    test_status();
    return t_done();
}
