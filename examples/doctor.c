/* doctor: run s7kit's connection doctor against a CPU and print its verdict.
 *
 *   doctor HOST[:PORT] [DB]       e.g. doctor 192.168.0.10 1
 *
 * The doctor walks the checks in the order that finds a fault fastest (name resolution,
 * TCP to port 102, COTP connection request, S7 setup, identity, PUT/GET, the DB when one
 * is named) and stops at the first that fails, with one verdict, the evidence, the cause
 * and the fix.  Exit status: 0 when the verdict is ok, 1 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <s7/diag.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s HOST[:PORT] [DB]\n", argv[0]);
        return 2;
    }
    char host[256];
    snprintf(host, sizeof host, "%s", argv[1]);
    s7_doctor_opts o;
    s7_doctor_opts_init(&o);
    char *colon = strrchr(host, ':');
    if (colon) {
        *colon = '\0';
        o.port = (uint16_t)atoi(colon + 1);
    }
    o.host = host;
    o.client.connect_timeout_ms = 2000;

    s7_diag_target target;
    memset(&target, 0, sizeof target);
    if (argc > 2) {
        target.db = (uint16_t)atoi(argv[2]);
        o.targets = &target;
        o.ntargets = 1;
    }

    s7_diag_report rep;
    int verdict = s7_doctor(&o, &rep);
    if (verdict < 0) {
        fprintf(stderr, "doctor: %s\n", s7_strerror(verdict));
        return 1;
    }
    for (size_t i = 0; i < rep.nchecks; i++) {
        const s7_diag_check *ck = &rep.checks[i];
        printf("%-5s %-10s %5d ms  %s\n", s7_diag_status_name(ck->status), ck->id, ck->ms,
               ck->detail);
    }
    printf("verdict: %s (%s)\n", s7_diag_verdict_name(verdict), s7_diag_verdict_text(verdict));
    const s7_diag_check *bad = s7_diag_report_failed(&rep);
    if (bad) {
        printf("cause: %s\nfix: %s\n", bad->cause, bad->fix);
    }
    s7_diag_report_free(&rep);
    return verdict == S7_DIAG_OK ? 0 : 1;
}
