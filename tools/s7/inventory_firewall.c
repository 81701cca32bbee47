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
                               "--format %s: expected nftables, iptables (a sh script) or "
                               "iptables-restore (the bare file)",
                               o->format);
    s7_fw *f = NULL;
    int brc = s7_fw_build(p, o->host, &f);
    if (brc == S7_ERR_INVAL) {
        fprintf(stderr, "error: --host %s: no such partner in %s (partners:", o->host, p->file);
        for (size_t i = 0; i < p->npartners; i++)
            fprintf(stderr, " %s", p->partners[i].name);
        fputs(")\n", stderr);
        return CLI_USAGE;
    }
    if (brc < 0) {
        fprintf(stderr, "error: out of memory\n");
        return CLI_FAIL;
    }
    char gen[300];
    snprintf(gen, sizeof gen, "s7 %s: s7 inventory firewall --format %s%s%s", S7_VERSION_STRING,
             s7_fw_format_name(fmt), f->host ? " --host " : "", f->host ? f->host->name : "");
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
        fprintf(stderr, "%s: %zu connection rules for %s written to %s\n",
                fmt == S7_FW_NFTABLES ? "nftables" : "iptables", f->nrules,
                f->host ? f->host->name : "the router between the cells", o->out);
    s7_fw_free(f);
    return CLI_OK;
}
