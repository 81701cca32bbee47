/* s7 stop HOST / s7 start HOST [--cold]: switch a CPU's operating mode (libs7's
 * s7_client_plc_stop / s7_client_plc_start).  A CPU in STOP stops its program: outputs go to
 * their safe state and the plant stops, so the command asks first: it connects, shows which
 * CPU answers and its mode, and asks for "yes" on the terminal; --yes is for scripts, and
 * without --yes a stdin that is not a terminal is refused before anything is sent.  Prints
 * the mode before and after (read back from SZL 0x0424), --json one object
 * (docs/schema/s7-control.schema.json). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "s7/client.h"
#include "s7/diag.h"

const char control_stop_help[] =
    "Switches the CPU to STOP: its program stops running, its outputs go to their safe state,\n"
    "the data its partners read is no longer produced.  Connects, prints which CPU answers\n"
    "(order code, module, mode) and asks for confirmation on the terminal; type yes to go\n"
    "on.  Without a terminal on stdin it refuses unless --yes is given.  S7-1200/1500 do not\n"
    "offer mode changes over PUT/GET (they answer 0x8104): switch them in TIA Portal or on\n"
    "their display.  --json prints {action, mode, host, cpu, state_before, state_after, done,\n"
    "error}.\n\n"
    "Options:\n"
    "  --yes      do not ask (for scripts)\n\n"
    "Exit codes: 0 the CPU is in STOP; 1 refused by the CPU, or not confirmed; 2 usage (also\n"
    "no terminal and no --yes); 3 no connection.\n\n"
    "Examples:\n"
    "  s7 stop 192.168.0.20 --slot 2\n"
    "  s7 stop 192.168.0.20 --slot 2 --yes --json\n\n";

const char control_start_help[] =
    "Switches the CPU to RUN with a warm (hot) restart, or with --cold a cold restart (data\n"
    "blocks back to their initial values).  Connects, prints which CPU answers and its mode,\n"
    "and asks for confirmation on the terminal; --yes is for scripts.  Without a terminal on\n"
    "stdin it refuses unless --yes is given.  --json as s7 stop.\n\n"
    "Options:\n"
    "  --yes      do not ask (for scripts)\n"
    "  --cold     cold restart instead of a warm restart\n\n"
    "Exit codes: 0 the CPU is in RUN; 1 refused by the CPU (or it cannot start: its mode\n"
    "switch or a fault keeps it in STOP), or not confirmed; 2 usage; 3 no connection.\n\n"
    "Examples:\n"
    "  s7 start 192.168.0.20 --slot 2\n"
    "  s7 start 192.168.0.20 --slot 2 --cold --yes\n\n";

/* The table's entry point; main.c runs cmd_control_main instead. */
int cmd_control(cli *c)
{
    (void)c;
    return CLI_USAGE;
}

static const char *upper_state(int st)
{
    switch (st) {
    case S7_CPU_RUN: return "RUN";
    case S7_CPU_STOP: return "STOP";
    case S7_CPU_STARTUP: return "STARTUP";
    case S7_CPU_HOLD: return "HOLD";
    case S7_CPU_DEFECT: return "DEFECT";
    default: return "unknown";
    }
}

/* Ask on the terminal; 1 when the answer is yes. */
static int confirm(const char *what)
{
    char line[64];
    fprintf(stderr, "%s\nType yes to go on: ", what);
    fflush(stderr);
    if (!fgets(line, sizeof line, stdin))
        return 0;
    line[strcspn(line, "\r\n")] = 0;
    return strcmp(line, "yes") == 0 || strcmp(line, "y") == 0 || strcmp(line, "YES") == 0;
}

static void json_out(const char *action, int cold, const cli *c, const s7_cpu_info *id, int have_id,
                     int before, int after, int done, const cli_why *err)
{
    printf("{\"action\": \"%s\", \"mode\": ", action);
    if (strcmp(action, "start") == 0)
        printf("\"%s\"", cold ? "cold" : "hot");
    else
        printf("null");
    printf(", \"host\": ");
    cli_json_str(stdout, c->host);
    printf(", \"cpu\": ");
    if (have_id) {
        char *j = s7_cpu_info_json(id, before);
        printf("%s", j ? j : "null");
        free(j);
    } else {
        printf("null");
    }
    printf(", \"state_before\": \"%s\", \"state_after\": \"%s\", \"done\": %s, \"error\": ",
           s7_cpu_state_name(before), s7_cpu_state_name(after), done ? "true" : "false");
    if (err)
        cli_json_error(stdout, err);
    else
        printf("null");
    printf("}\n");
}

int cmd_control_main(const cli_cmd *cmd, int argc, char **argv)
{
    int start = strcmp(cmd->name, "start") == 0;
    int yes = 0, cold = 0, rc;
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0;
    cli c;
    if (!rest) {
        fprintf(stderr, "error: out of memory\n");
        return CLI_FAIL;
    }
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            for (; i < argc; i++)
                rest[nrest++] = argv[i];
            break;
        }
        if (strcmp(argv[i], "--yes") == 0 || strcmp(argv[i], "-y") == 0) {
            yes = 1;
            continue;
        }
        if (start && strcmp(argv[i], "--cold") == 0) {
            cold = 1;
            continue;
        }
        rest[nrest++] = argv[i];
    }
    rc = cli_parse(&c, cmd, nrest, rest);
    free(rest);
    if (rc != CLI_OK) {
        cli_free(&c);
        return rc == CLI_HELP_SHOWN ? CLI_OK : rc;
    }
    if (!yes && !isatty(0)) {
        fprintf(stderr,
                "error: s7 %s changes the operating mode of the CPU at %s and asks for "
                "confirmation on a terminal, but stdin is not a terminal: nothing was sent; "
                "run it on a terminal, or pass --yes in a script\n",
                cmd->name, c.host);
        cli_free(&c);
        return CLI_USAGE;
    }
    s7_client *s = cli_connect(&c, &rc);
    if (!s) {
        cli_free(&c);
        return rc;
    }
    s7_cpu_info id;
    memset(&id, 0, sizeof id);
    int have_id = s7_client_cpu_info(s, &id) == 0;
    int before = S7_CPU_UNKNOWN, after = S7_CPU_UNKNOWN;
    s7_client_cpu_state(s, &before);
    char who[200], tgt[300];
    if (c.port && c.port != 102)
        snprintf(tgt, sizeof tgt, "%s:%u", c.host, (unsigned)c.port);
    else
        snprintf(tgt, sizeof tgt, "%s", c.host);
    snprintf(who, sizeof who, "%s%s%s%s",
             have_id ? (id.module_type[0] ? id.module_type : "CPU")
                     : "a CPU (identity not answered)",
             have_id ? " (" : "", have_id ? id.order_code : "", have_id ? ")" : "");
    if (!yes) {
        char q[1024];
        if (start)
            snprintf(q, sizeof q,
                     "s7 start %s: %s is in %s; a %s restart puts it in RUN: its program runs "
                     "and drives its outputs%s.",
                     tgt, who, upper_state(before), cold ? "cold" : "warm",
                     cold ? ", its data blocks back at their initial values" : "");
        else
            snprintf(q, sizeof q,
                     "s7 stop %s: %s is in %s; STOP halts its program: its outputs go to their "
                     "safe state and the machine it controls stops.",
                     tgt, who, upper_state(before));
        if (!confirm(q)) {
            fprintf(stderr, "not confirmed: nothing was sent to the CPU\n");
            if (c.json)
                json_out(cmd->name, cold, &c, &id, have_id, before, before, 0, NULL);
            s7_client_close(s);
            s7_client_free(s);
            cli_free(&c);
            return CLI_FAIL;
        }
    }
    int r =
        start ? s7_client_plc_start(s, cold ? S7_START_COLD : S7_START_HOT) : s7_client_plc_stop(s);
    cli_why w;
    memset(&w, 0, sizeof w);
    int want = start ? S7_CPU_RUN : S7_CPU_STOP;
    if (r == 0) {
        /* read the mode back (a real CPU takes a moment through STARTUP) */
        for (int i = 0; i < 25; i++) {
            if (s7_client_cpu_state(s, &after) < 0 || after == want)
                break;
            cli_sleep_ms(200);
        }
    } else {
        after = before;
        cli_why_err(&c, s, r, start ? "start" : "stop", &w);
        if (r == S7_ERR_PLC && s7_client_last_error(s) && s7_client_last_error(s)->code == 0x8104)
            snprintf(w.fix, sizeof w.fix,
                     "this CPU does not offer mode changes over PUT/GET (S7-1200/1500 answer "
                     "0x8104): switch it in TIA Portal (online, Operating mode) or on its "
                     "display");
    }
    int done = r == 0 && after == want;
    if (c.json) {
        json_out(cmd->name, cold, &c, &id, have_id, before, after, done, r == 0 ? NULL : &w);
    } else if (r == 0) {
        printf("s7 %s %s: %s was %s, now %s%s\n", cmd->name, tgt, who, upper_state(before),
               upper_state(after),
               done ? ""
                    : " (the mode read back is not the one asked for: see its diagnostic "
                      "buffer)");
    } else {
        cli_report(&w);
    }
    s7_client_close(s);
    s7_client_free(s);
    cli_free(&c);
    return r < 0  ? (s7_err_is_fatal(r) && r != S7_ERR_PLC ? 3 : CLI_FAIL)
           : done ? CLI_OK
                  : CLI_FAIL;
}
