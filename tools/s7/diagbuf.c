/* s7 diag-buffer HOST: the CPU's diagnostic buffer (SZL 0x00A0 through libs7's
 * s7_client_diag_buffer), newest first: time, event ID and what it means where s7kit
 * knows it; --json one object (docs/schema/s7-diag-buffer.schema.json). */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "s7/client.h"

const char diagbuf_help[] =
    "Reads the CPU's diagnostic buffer (SZL 0x00A0) and prints its entries, newest first: the\n"
    "time (the CPU's clock), the event ID, and what the event means where s7kit knows it\n"
    "(mode changes, restarts).  --json prints {count, entries: [{time, event_id, event, text,\n"
    "prio, ob, dat_id, info1, info2}], error}.\n\n"
    "Exit codes: 0 read; 1 the CPU refused; 3 no connection.\n\n"
    "Example:\n"
    "  s7 diag-buffer 192.168.0.20 --slot 2\n\n";

int cmd_diag_buffer(cli *c)
{
    int rc = CLI_OK;
    s7_client *s = cli_connect(c, &rc);
    if (!s)
        return rc;
    static s7_diag_entry e[3200];
    int n = s7_client_diag_buffer(s, e, 3200);
    if (n < 0) {
        cli_why w;
        cli_why_err(c, s, n, "diagnostic buffer read", &w);
        if (c->json) {
            fputs("{\"count\": null, \"entries\": null, \"error\": ", stdout);
            cli_json_error(stdout, &w);
            fputs("}\n", stdout);
        }
        cli_report(&w);
        s7_client_free(s);
        return CLI_FAIL;
    }
    char tb[40], id[8];
    if (c->json)
        printf("{\"count\": %d, \"entries\": [", n);
    else
        printf("%d entr%s, newest first\n", n, n == 1 ? "y" : "ies");
    for (int i = 0; i < n; i++) {
        const s7_diag_entry *x = &e[i];
        const char *text = s7_diag_event_text(x->event_id);
        snprintf(id, sizeof id, "0x%04X", x->event_id);
        if (x->has_time)
            snprintf(tb, sizeof tb, "%04u-%02u-%02uT%02u:%02u:%02u.%03u", x->time.year,
                     x->time.month, x->time.day, x->time.hour, x->time.min, x->time.sec,
                     x->time.msec);
        if (c->json) {
            printf("%s{\"time\": ", i ? ", " : "");
            if (x->has_time)
                cli_json_str(stdout, tb);
            else
                fputs("null", stdout);
            printf(", \"event_id\": %u, \"event\": \"%s\", \"text\": ", x->event_id, id);
            if (text)
                cli_json_str(stdout, text);
            else
                fputs("null", stdout);
            printf(", \"prio\": %u, \"ob\": %u, \"dat_id\": %u, \"info1\": %u, \"info2\": %lu}",
                   x->prio, x->ob, x->dat_id, x->info1, (unsigned long)x->info2);
        } else {
            printf("  %-23s  %s  %s\n", x->has_time ? tb : "(no valid time)", id,
                   text ? text : "(event not known to s7kit)");
        }
    }
    if (c->json)
        fputs("], \"error\": null}\n", stdout);
    s7_client_free(s);
    return CLI_OK;
}
