/* s7 inventory firewall: packet filter rules from the connection inventory.  The rules are
 * libs7's (include/s7/plant.h: s7_fw_build makes them a list of allowed flows, s7_fw_render
 * writes nftables, iptables or iptables-restore); this file takes the options, opens the
 * output file and says what it wrote.  docs/inventory.md describes the rules and scopes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "inventory.h"
#include "s7/plant.h"

int inv_cmd_firewall(const s7_plant *p, const inv_opts *o)
{
    if (!o->format)
        return cli_usage_error(NULL, "s7 inventory firewall needs --format nftables or --format "
                                     "iptables (or iptables-restore)");
    int fmt = s7_fw_format_parse(o->format);
    if (fmt < 0)
        return cli_usage_error(NULL,
                               "--format %s: expected nftables, iptables (a sh script for both "
                               "families), iptables-restore or ip6tables-restore (the bare file "
                               "of one family)",
                               o->format);
    s7_fw *f = NULL;
    const char *name = o->router ? o->router : o->host;
    int is_router = 0;
    for (size_t i = 0; o->router && i < p->nrouters; i++)
        is_router |= strcmp(p->routers[i].name, o->router) == 0;
    if (o->router && !is_router) {
        fprintf(stderr, "error: --router %s: no such router in %s (routers:%s", o->router, p->file,
                p->nrouters ? "" : " none: document it under routers:");
        for (size_t i = 0; i < p->nrouters; i++)
            fprintf(stderr, " %s", p->routers[i].name);
        fputs(")\n", stderr);
        return CLI_USAGE;
    }
    if (o->host && !s7_plant_find_partner(p, o->host)) {
        fprintf(stderr, "error: --host %s: no such partner in %s (partners:", o->host, p->file);
        for (size_t i = 0; i < p->npartners; i++)
            fprintf(stderr, " %s", p->partners[i].name);
        fputs(")\n", stderr);
        return CLI_USAGE;
    }
    int brc = s7_fw_build(p, name, &f);
    if (brc == S7_ERR_RESOLVE || brc == S7_ERR_INVAL) {
        fprintf(stderr, "error: %s: a partner has no address (a host name not resolved)\n",
                p->file);
        return CLI_FAIL;
    }
    if (brc < 0) {
        fprintf(stderr, "error: out of memory\n");
        return CLI_FAIL;
    }
    char gen[300];
    snprintf(gen, sizeof gen, "s7 %s: s7 inventory firewall --format %s%s%s", S7_VERSION_STRING,
             s7_fw_format_name(fmt),
             f->host     ? " --host "
             : o->router ? " --router "
                         : "",
             f->host     ? f->host->name
             : o->router ? o->router
                         : "");
    s7_fw_render_opts ro = {gen};
    FILE *out = stdout;
    if (o->out && !(out = fopen(o->out, "w"))) {
        fprintf(stderr, "error: cannot write %s: %s\n", o->out, strerror(errno));
        s7_fw_free(f);
        return CLI_FAIL;
    }
    int bad = s7_fw_render(f, fmt, &ro, out) < 0;
    if (out != stdout)
        bad |= fclose(out) != 0;
    else
        bad |= fflush(out) != 0;
    if (bad) {
        fprintf(stderr, "error: writing %s failed: %s\n", o->out ? o->out : "the rules",
                strerror(errno));
        s7_fw_free(f);
        return CLI_FAIL;
    }
    if (o->out)
        fprintf(stderr, "%s: %zu connection rules for %s%s written to %s\n", s7_fw_format_name(fmt),
                f->nrules,
                f->host     ? f->host->name
                : f->router ? "router "
                            : "the router between the cells",
                !f->host && f->router ? f->router->name : "", o->out);
    s7_fw_free(f);
    return CLI_OK;
}
