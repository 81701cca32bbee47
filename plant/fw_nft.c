/* s7kit firewall rules: the nftables renderer (an `nft -f` script replacing only the table
 * inet s7kit; its accept does not override other tables, so the rules only take away). */
#include <stdio.h>

#include "plant/fw_int.h"
#include "s7/plant.h"

static void nft_rule(FILE *o, const s7_fw_rule *r)
{
    const char *ip = r->family == S7_PLANT_AF_INET6 ? "ip6" : "ip";
    fputs("\t\t", o);
    if (r->iif)
        fprintf(o, "iifname \"%s\" ", r->iif);
    if (r->oif)
        fprintf(o, "oifname \"%s\" ", r->oif);
    fprintf(o, "%s saddr %s %s daddr %s tcp %s %u ct state %s accept comment \"%s\"\n", ip,
            r->saddr, ip, r->daddr, r->dport ? "dport" : "sport", r->dport ? r->dport : r->sport,
            r->state == S7_FW_NEW_ESTABLISHED ? "new,established" : "established", r->comment);
}

static void nft_chain(const s7_fw *f, FILE *o, int chain)
{
    const char *name = chain == S7_FW_INPUT    ? "input"
                       : chain == S7_FW_OUTPUT ? "output"
                                               : "forward";
    char ports[200], set[220];
    s7__fw_ports_text(f, ports, sizeof ports);
    if (f->nports > 1)
        snprintf(set, sizeof set, "{ %s }", ports);
    else
        snprintf(set, sizeof set, "%s", ports);
    fprintf(o, "\tchain %s {\n\t\ttype filter hook %s priority filter; policy accept;\n", name,
            name);
    if (chain == S7_FW_INPUT)
        fputs("\t\tiifname \"lo\" accept comment \"loopback is no network path\"\n", o);
    if (chain == S7_FW_OUTPUT)
        fputs("\t\toifname \"lo\" accept comment \"loopback is no network path\"\n", o);
    for (size_t g = 0; chain == S7_FW_FORWARD && g < f->nguards; g++) {
        const s7_fw_guard *gd = &f->guards[g];
        const char *ip = gd->family == S7_PLANT_AF_INET6 ? "ip6" : "ip";
        fprintf(o, "\t\tiifname \"%s\" %s saddr != %s tcp dport %s drop comment \"%s\"\n", gd->iif,
                ip, gd->net, set, gd->comment);
        fprintf(o, "\t\tiifname \"%s\" %s saddr != %s tcp sport %s drop comment \"%s\"\n", gd->iif,
                ip, gd->net, set, gd->comment);
    }
    for (size_t i = 0; i < f->nrules; i++)
        if (f->rules[i].chain == chain)
            nft_rule(o, &f->rules[i]);
    fprintf(o, "\t\ttcp dport %s drop comment \"S7 connection not in the inventory\"\n", set);
    fprintf(o, "\t\ttcp sport %s drop comment \"S7 traffic not in the inventory\"\n", set);
    fputs("\t}\n", o);
}

void s7__fw_nftables(const s7_fw *f, const s7_fw_render_opts *op, FILE *o)
{
    fputs("#!/usr/sbin/nft -f\n", o);
    s7__fw_header(f, S7_FW_NFTABLES, op, o,
                  "nft -f THIS_FILE   (replaces only the table inet s7kit)",
                  "nft delete table inet s7kit");
    fputs("\n# create the table if it is missing, then drop it: the file replaces it atomically\n"
          "table inet s7kit\ndelete table inet s7kit\n\ntable inet s7kit {\n",
          o);
    if (f->host) {
        nft_chain(f, o, S7_FW_INPUT);
        nft_chain(f, o, S7_FW_OUTPUT);
    } else {
        nft_chain(f, o, S7_FW_FORWARD);
    }
    fputs("}\n", o);
}
