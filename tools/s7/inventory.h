/* s7 inventory: the commands built on the connection inventory of a plant
 * (docs/inventory.md).  The inventory itself is libs7's plant model (include/s7/plant.h),
 * loaded from YAML by s7config (include/s7/config.h); the live check is libs7's
 * s7_plant_check (include/s7/plant_check.h).  These files parse options and print:
 *
 *   inventory.c           `s7 inventory SUBCOMMAND`: options, load, validate, dispatch
 *   inventory_check.c     `s7 inventory check`: the table or JSON of s7_plant_check
 *   inventory_firewall.c  `s7 inventory firewall`: s7_fw_build + s7_fw_render into a file
 *   inventory_report.c    `s7 inventory report`: the directory and its four files
 *   inventory_monitor.c   `s7 inventory monitor`: rounds of s7_plant_check, changes, metrics
 *   netns.c               `check --as`: the network namespace that holds a partner's address
 *   inventory_simulate.c  `s7 inventory simulate`: the plant on this machine (simnet.c:
 *                         its namespaces) */
#ifndef S7_TOOLS_INVENTORY_H
#define S7_TOOLS_INVENTORY_H

#include <stddef.h>

#include "s7/plant.h"

/* The commands' options (inventory.c dispatches; each returns an exit code CLI_*). */
typedef struct inv_opts {
    const char *file;
    int json;
    int allow_write;
    long timeout_ms;   /* check: per step; 0 = default */
    const char *as;    /* check: label of the partner the checks stand in for */
    const char **only; /* check: connection names (--connection), NULL-terminated */
    size_t nonly;
    const char *format;  /* firewall: nftables | iptables | iptables-restore */
    const char *host;    /* firewall: --host PARTNER */
    const char *router;  /* firewall: --router NAME (a router of the inventory) */
    const char *rules;   /* verify-firewall: --rules RULEFILE */
    const char *out;     /* firewall: -o FILE; report: -o DIR */
    const char **checks; /* report: --check FILE.json (repeatable: merged) */
    size_t nchecks;
    const char **verifies; /* report: --verify FILE.json (verify-firewall --json, repeatable) */
    size_t nverifies;
    /* monitor (inventory_monitor.c) */
    long every_ms;          /* --every, default 10 s */
    long count;             /* --count N rounds, 0 = until interrupted */
    long duration_ms;       /* --duration, 0 = until interrupted */
    const char *json_lines; /* --json-lines FILE ("-" stdout) */
    const char *on_change;  /* --on-change CMD */
    const char *metrics;    /* --metrics ADDR:PORT */
    int exit_on_change;     /* --exit-on-change */
} inv_opts;

int inv_cmd_check(const s7_plant *p, const inv_opts *o);
int inv_cmd_firewall(const s7_plant *p, const inv_opts *o);
int inv_cmd_verify(const s7_plant *p, const inv_opts *o);
int inv_cmd_report(const s7_plant *p, const inv_opts *o);
int inv_cmd_monitor(const s7_plant *p, const inv_opts *o);
/* s7 inventory simulate (inventory_simulate.c): argv[0] is "simulate"; parses its own
 * options. */
int inv_cmd_simulate_main(int argc, char **argv);

/* s7_config_load_plant_each's fn: prints "error: MSG" to stderr and counts it in *(size_t
 * *)ctx; 0 (every problem of the file in one run). */
int inv_print_problem(void *ctx, const char *msg);

#endif
