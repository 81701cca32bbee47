/* s7kit firewall rules: what firewall.c shares with the renderers fw_nft.c and fw_ipt.c. */
#ifndef S7_PLANT_FW_INT_H
#define S7_PLANT_FW_INT_H

#include <stdio.h>

#include "s7/plant.h"

/* "102, 1102" into buf; returns buf. */
const char *s7__fw_ports_text(const s7_fw *f, char *buf, size_t cap);
/* The comment header of every format: what the file is, for which scope, and every
 * connection it serves; apply / remove are the instructions shown last. */
void s7__fw_header(const s7_fw *f, int format, const s7_fw_render_opts *o, FILE *out,
                   const char *apply, const char *remove);

void s7__fw_nftables(const s7_fw *f, const s7_fw_render_opts *o, FILE *out);
void s7__fw_iptables(const s7_fw *f, const s7_fw_render_opts *o, FILE *out);
/* family S7_PLANT_AF_INET: the iptables file; S7_PLANT_AF_INET6: the ip6tables file. */
void s7__fw_iptables_restore(const s7_fw *f, const s7_fw_render_opts *o, FILE *out, int family);

#endif
