/* The guard's audit line (guard/audit.c s7_guard_audit_format): the emulator's record
 * fields, then the guard's with Zeek ICSNPP names; strings escaped; optional fields only
 * when they apply; snprintf-style length. */
#include <string.h>

#include "s7/guard.h"
#include "s7/wire.h"
#include "t.h"

int main(void)
{
    s7_guard_decision d;
    memset(&d, 0, sizeof d);
    d.time_ms = 1796393230091LL; /* 2026-12-04T14:07:10.091Z */
    d.peer = "10.0.0.5:40512";
    d.partner = "scada1";
    d.conn = 17;
    d.op = "write";
    d.rosctr = S7_JOB;
    d.fn = S7_FN_WRITE;
    d.pdu_ref = 0x0102;
    d.has_range = 1;
    d.area = S7_AREA_DB;
    d.db = 10;
    d.offset = 4;
    d.length = 2;
    d.bit = -1;
    d.szl_id = -1;
    d.action = S7_GUARD_REFUSE;
    d.rule = "";
    d.result = "0x03 access denied";
    char buf[1024];
    int n = s7_guard_audit_format(&d, buf, sizeof buf);
    CHECK_STR(buf,
              "{\"time\": \"2026-12-04T14:07:10.091Z\", \"peer\": \"10.0.0.5:40512\", \"op\": "
              "\"write\", \"area\": \"DB\", \"db\": 10, \"offset\": 4, \"length\": 2, "
              "\"result\": \"0x03 access denied\", \"source\": \"guard\", \"uid\": \"G17\", "
              "\"partner\": \"scada1\", \"rosctr_code\": 1, \"rosctr_name\": \"JOB\", "
              "\"pdu_reference\": 258, \"function_code\": 5, \"function_name\": \"WRITE_VAR\", "
              "\"action\": \"refused\", \"rule\": \"\"}\n");
    CHECK_INT(n, (int)strlen(buf));
    /* snprintf style: a short buffer gets the length it would need */
    char small[16];
    CHECK_INT(s7_guard_audit_format(&d, small, sizeof small), n);
    CHECK_INT(strlen(small), sizeof small - 1);
    /* a bit, an SZL read, a connect with a quote in its reason */
    d.bit = 3;
    n = s7_guard_audit_format(&d, buf, sizeof buf);
    CHECK(strstr(buf, "\"offset\": 4, \"bit\": 3, \"length\": 2") != NULL);
    memset(&d, 0, sizeof d);
    d.time_ms = 0;
    d.peer = "[fd00::5]:1";
    d.partner = "";
    d.op = "szl";
    d.rosctr = S7_USERDATA;
    d.fn = S7_UD_GRP_CPU;
    d.subfn = 1;
    d.bit = -1;
    d.szl_id = 0x0424;
    d.action = S7_GUARD_WOULD_REFUSE;
    d.rule = "r";
    d.result = "ok";
    s7_guard_audit_format(&d, buf, sizeof buf);
    CHECK(strstr(buf, "\"rosctr_name\": \"USER_DATA\"") != NULL);
    CHECK(strstr(buf, "\"function_name\": \"CPU_FUNCTIONS\", \"subfunction_code\": 1") != NULL);
    CHECK(strstr(buf, "\"szl_id\": \"0x0424\"") != NULL);
    CHECK(strstr(buf, "\"action\": \"would-refuse\"") != NULL);
    CHECK(strstr(buf, "\"area\"") == NULL);
    memset(&d, 0, sizeof d);
    d.peer = "1.2.3.4:5";
    d.partner = "";
    d.op = "connect";
    d.bit = -1;
    d.szl_id = -1;
    d.action = S7_GUARD_REFUSE;
    d.rule = "";
    d.result = "refused: \"odd\"\\\n";
    s7_guard_audit_format(&d, buf, sizeof buf);
    CHECK(strstr(buf, "\"result\": \"refused: \\\"odd\\\"\\\\\\u000a\"") != NULL);
    CHECK(strstr(buf, "rosctr") == NULL);
    return t_done();
}
