/* s7 alarms HOST [--alarm8]: the CPU's active alarms, from the alarm query (libs7's
 * s7_client_alarms; S7-300/400), one line per alarm (event ID, type, signals active, whether
 * its coming was acknowledged, when it came), --json one object
 * (docs/schema/s7-alarms.schema.json). */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "s7/client.h"

const char alarms_help[] =
    "Asks the CPU for its active alarms (the alarm query HMIs use, S7-300/400) and prints one\n"
    "line per alarm: its event ID, type (ALARM_S from SFC 17-19 ... or ALARM_8 from the\n"
    "SFBs), the signals active, whether its coming was acknowledged, and when it came (the\n"
    "CPU's clock, ALARM_S only).  S7-1200/1500 do not answer the query (0x8104).  --json\n"
    "prints {count, alarms: [{event_id, type, state, ack_going, ack_coming, active,\n"
    "acknowledged, came}], error}.\n\n"
    "Options:\n"
    "  --alarm8   ask for ALARM_8 objects (as WinCC asks an S7-400) instead of ALARM_S\n\n"
    "Exit codes: 0 answered (also with no alarm); 1 the CPU refused; 3 no connection.\n\n"
    "Examples:\n"
    "  s7 alarms 192.168.0.20 --slot 2\n"
    "  s7 alarms 192.168.0.30 --slot 3 --alarm8 --json\n\n";

/* "2026-12-04T13:45:00.123" (the CPU's clock, no zone) into buf. */
static const char *cpu_time(const s7_datetime *t, char *buf, size_t cap)
{
    snprintf(buf, cap, "%04u-%02u-%02uT%02u:%02u:%02u.%03u", t->year, t->month, t->day, t->hour,
             t->min, t->sec, t->msec);
    return buf;
}

int cmd_alarms(cli *c)
{
    int rc = CLI_OK;
    s7_client *s = cli_connect(c, &rc);
    if (!s)
        return rc;
    static s7_alarm a[512];
    int n = s7_client_alarms(s, c->alarm8 ? S7_ALARM_8 : S7_ALARM_S, a, 512);
    if (n < 0) {
        cli_why w;
        cli_why_err(c, s, n, "alarm query", &w);
        if (c->json) {
            fputs("{\"count\": null, \"alarms\": null, \"error\": ", stdout);
            cli_json_error(stdout, &w);
            fputs("}\n", stdout);
        }
        cli_report(&w);
        s7_client_free(s);
        return CLI_FAIL;
    }
    int shown = n < 512 ? n : 512;
    char tb[40];
    if (c->json) {
        printf("{\"count\": %d, \"alarms\": [", n);
        for (int i = 0; i < shown; i++) {
            const s7_alarm *x = &a[i];
            printf("%s{\"event_id\": %u, \"type\": \"%s\", \"state\": %u, \"ack_going\": %u, "
                   "\"ack_coming\": %u, \"active\": %s, \"acknowledged\": %s, \"came\": ",
                   i ? ", " : "", (unsigned)x->event_id,
                   x->type == S7_ALARM_8   ? "alarm_8"
                   : x->type == S7_ALARM_S ? "alarm_s"
                                           : "other",
                   x->state, x->ack_going, x->ack_coming, x->state ? "true" : "false",
                   (x->ack_coming & x->state) == x->state ? "true" : "false");
            if (x->has_came)
                cli_json_str(stdout, cpu_time(&x->came, tb, sizeof tb));
            else
                fputs("null", stdout);
            fputs("}", stdout);
        }
        fputs("], \"error\": null}\n", stdout);
    } else {
        printf("%d alarm%s active\n", n, n == 1 ? "" : "s");
        for (int i = 0; i < shown; i++) {
            const s7_alarm *x = &a[i];
            printf("  event 0x%08X  %-7s  signals 0x%02X  %s", (unsigned)x->event_id,
                   x->type == S7_ALARM_8   ? "ALARM_8"
                   : x->type == S7_ALARM_S ? "ALARM_S"
                                           : "?",
                   x->state,
                   (x->ack_coming & x->state) == x->state ? "acknowledged" : "not acknowledged");
            if (x->has_came)
                printf("  came %s", cpu_time(&x->came, tb, sizeof tb));
            putchar('\n');
        }
    }
    s7_client_free(s);
    return CLI_OK;
}
