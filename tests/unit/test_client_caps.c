/* client/caps: which SZL capacity and protection figures a CPU can report.  Real figures (the
 * emulator's profiles, Snap7's answers, an S7-1518's 384 connections) pass; a protection
 * level outside 1..3, a mode switch beyond 4, more connections than any CPU offers, more in
 * use than offered, a largest PDU of 0 or below the negotiated one are implausible, each with
 * its reason; figures not answered (-1) are never judged. */
#include <stdlib.h>
#include <string.h>

#include "s7/client.h"
#include "s7/diag.h"
#include "t.h"

static s7_cpu_caps caps(int pdu, int max, int used, int level, int sw)
{
    s7_cpu_caps k = {pdu, max, used, level, sw};
    return k;
}

int main(void)
{
    char why[160];
    s7_cpu_caps k;

    /* plausible: s7-1500 profile, Snap7-like PDU, the largest CPU, nothing answered */
    k = caps(960, 256, 1, 1, 2);
    CHECK_INT(s7_cpu_caps_implausible(&k, 960), 0);
    k = caps(2048, 384, 384, 3, 0);
    CHECK_INT(s7_cpu_caps_implausible(&k, 960), 0);
    k = caps(-1, -1, -1, -1, -1);
    CHECK_INT(s7_cpu_caps_implausible(&k, 240), 0);
    k = caps(240, 16, 0, 2, 4);
    CHECK_INT(s7_cpu_caps_implausible(&k, 0), 0);
    CHECK_INT(s7_cpu_caps_implausible(NULL, 0), 0);
    CHECK_STR(s7_cpu_caps_why(&k, 0, S7_CAPS_PROT_LEVEL, why, sizeof why), "");

    /* the adversarial figures: protection level 8245, 21303 at most, 32411 in use */
    k = caps(480, 21303, 32411, 8245, 2);
    CHECK_INT(s7_cpu_caps_implausible(&k, 480),
              S7_CAPS_PROT_LEVEL | S7_CAPS_MAX_CONN | S7_CAPS_USED_CONN);
    CHECK_STR(s7_cpu_caps_why(&k, 480, S7_CAPS_PROT_LEVEL, why, sizeof why),
              "a CPU reports protection level 1, 2 or 3");
    CHECK_STR(s7_cpu_caps_why(&k, 480, S7_CAPS_MAX_CONN, why, sizeof why),
              "more than any CPU offers: the largest offer 384");
    CHECK_STR(s7_cpu_caps_why(&k, 480, S7_CAPS_USED_CONN, why, sizeof why),
              "more than any CPU offers: the largest offer 384");
    CHECK_STR(s7_cpu_caps_why(&k, 480, S7_CAPS_MAX_PDU, why, sizeof why), "");

    /* in use above what is offered; level 0 and 4; switch 5; max 0; PDU below the session's */
    k = caps(960, 16, 17, 0, 5);
    CHECK_INT(s7_cpu_caps_implausible(&k, 960),
              S7_CAPS_USED_CONN | S7_CAPS_PROT_LEVEL | S7_CAPS_PROT_SWITCH);
    CHECK_STR(s7_cpu_caps_why(&k, 960, S7_CAPS_USED_CONN, why, sizeof why),
              "more in use than the 16 the CPU offers");
    CHECK(strstr(s7_cpu_caps_why(&k, 960, S7_CAPS_PROT_SWITCH, why, sizeof why), "0..4") != NULL);
    k = caps(240, 0, -1, 4, -1);
    CHECK_INT(s7_cpu_caps_implausible(&k, 480),
              S7_CAPS_MAX_PDU | S7_CAPS_MAX_CONN | S7_CAPS_PROT_LEVEL);
    CHECK_STR(s7_cpu_caps_why(&k, 480, S7_CAPS_MAX_PDU, why, sizeof why),
              "below the PDU of 480 bytes this connection negotiated");
    CHECK_STR(s7_cpu_caps_why(&k, 480, S7_CAPS_MAX_CONN, why, sizeof why),
              "a CPU that holds this connection offers at least one");
    k = caps(0, 8, 1, 1, 1);
    CHECK_INT(s7_cpu_caps_implausible(&k, 0), S7_CAPS_MAX_PDU);
    /* used is not compared with an implausible max (only with the limit) */
    k = caps(960, 5000, 300, 1, 1);
    CHECK_INT(s7_cpu_caps_implausible(&k, 960), S7_CAPS_MAX_CONN);

    /* the JSON piece: every implausible figure with its raw value and reason */
    k = caps(480, 21303, 32411, 8245, 2);
    char *j = s7_cpu_caps_implausible_json(&k, 480);
    CHECK(j != NULL);
    CHECK_STR(j, "[{\"field\": \"protection.level\", \"value\": 8245, \"reason\": \"a CPU reports "
                 "protection level 1, 2 or 3\"}, {\"field\": \"connections.max\", \"value\": "
                 "21303, \"reason\": \"more than any CPU offers: the largest offer 384\"}, "
                 "{\"field\": \"connections.used\", \"value\": 32411, \"reason\": \"more than any "
                 "CPU offers: the largest offer 384\"}]");
    free(j);
    k = caps(960, 256, 1, 1, 2);
    j = s7_cpu_caps_implausible_json(&k, 960);
    CHECK_STR(j, "[]");
    free(j);
    return t_done();
}
