/* s7kit plant report: the texts the HTML, Markdown and SVG renderers share (report_int.h). */
#include <stdio.h>
#include <string.h>

#include "plant/report_int.h"
#include "s7/plant.h"

const char *s7__plant_title(const s7_plant *p)
{
    return p->title ? p->title : p->file ? p->file : "plant";
}

const char *s7__report_generator(const s7_plant_report_opts *o)
{
    return o && o->generator ? o->generator : "libs7";
}

/* "TSAPs 0100:0200" or "rack 0 slot 1, TSAPs 0100:0301". */
const char *s7__report_tsap_or_rs(const s7_plant_conn *c, char *buf, size_t cap)
{
    char t[16];
    s7_plant_tsap_text(c->local_tsap, c->remote_tsap, t, sizeof t);
    if (c->explicit_tsap)
        snprintf(buf, cap, "TSAPs %s", t);
    else
        snprintf(buf, cap, "rack %d slot %d, TSAPs %s", c->rack, c->slot, t);
    return buf;
}

/* The ranges of an exchange, comma-separated. */
const char *s7__report_ranges_text(const s7_plant_exchange *x, char *buf, size_t cap)
{
    size_t l = 0;
    char r[64];
    buf[0] = 0;
    for (size_t i = 0; i < x->nranges && l < cap; i++)
        l += (size_t)snprintf(buf + l, cap - l, "%s%s", i ? ", " : "",
                              s7_plant_range_text(&x->ranges[i], r, sizeof r));
    return buf;
}

/* Every range of x, ", "-separated, written to o (a range's text needs no escaping in HTML
 * or Markdown: letters, digits, '.', '%', ':' and brackets). */
void s7__report_ranges_put(FILE *o, const s7_plant_exchange *x)
{
    char r[64];
    for (size_t i = 0; i < x->nranges; i++) {
        if (i)
            fputs(", ", o);
        fputs(s7_plant_range_text(&x->ranges[i], r, sizeof r), o);
    }
}

/* The ranges of x, ", "-separated, as many whole ones as fit cap with room for " and N more
 * ranges" after them (a range cut in two would read as another address: DB112.DBB10). */
static const char *ranges_cut(const s7_plant_exchange *x, char *buf, size_t cap)
{
    size_t l = 0;
    char r[64], more[48];
    buf[0] = 0;
    for (size_t i = 0; i < x->nranges; i++) {
        s7_plant_range_text(&x->ranges[i], r, sizeof r);
        size_t need = (i ? 2 : 0) + strlen(r);
        int n = snprintf(more, sizeof more, " and %zu more ranges", x->nranges - i - 1);
        if (l + need + (i + 1 < x->nranges ? (size_t)n : 0) >= cap) {
            snprintf(more, sizeof more, "%s%zu more ranges", i ? " and " : "", x->nranges - i);
            if (l + strlen(more) < cap)
                memcpy(buf + l, more, strlen(more) + 1);
            break;
        }
        l += (size_t)snprintf(buf + l, cap - l, "%s%s", i ? ", " : "", r);
    }
    return buf;
}

/* The bytes an exchange moves: a timer or counter is two bytes (s7_plant_range_bytes). */
size_t s7__report_ex_bytes(const s7_plant_exchange *x)
{
    size_t n = 0;
    for (size_t i = 0; i < x->nranges; i++)
        n += s7_plant_range_bytes(&x->ranges[i]);
    return n;
}

/* "10.0.0.1", "scada1 (10.0.0.5)", or with ":1102" for a partner on another port than 102
 * ("[fd00::5]:1102" for an IPv6 address). */
const char *s7__report_addr_text(const s7_plant_partner *pt, char *buf, size_t cap)
{
    char a[160];
    s7_plant_partner_addr_text(pt, a, sizeof a);
    if (pt->port == 102)
        snprintf(buf, cap, "%s", a);
    else if (!pt->host && strchr(a, ':'))
        snprintf(buf, cap, "[%s]:%u", a, pt->port);
    else
        snprintf(buf, cap, "%s:%u", a, pt->port);
    return buf;
}

/* A cell's subnets: "10.10.1.0/24", "fd00:10:1::/64", "10.10.1.0/24, fd00:10:1::/64" or "". */
const char *s7__report_subnet_text(const s7_plant_cell *cl, char *buf, size_t cap)
{
    char v6[64] = "";
    if (cl->has_subnet6)
        s7_plant_ipv6_text(cl->net6, v6, sizeof v6);
    if (cl->has_subnet && cl->has_subnet6)
        snprintf(buf, cap, "%u.%u.%u.%u/%d, %s/%d", cl->net >> 24, (cl->net >> 16) & 255,
                 (cl->net >> 8) & 255, cl->net & 255, cl->prefix, v6, cl->prefix6);
    else if (cl->has_subnet)
        snprintf(buf, cap, "%u.%u.%u.%u/%d", cl->net >> 24, (cl->net >> 16) & 255,
                 (cl->net >> 8) & 255, cl->net & 255, cl->prefix);
    else if (cl->has_subnet6)
        snprintf(buf, cap, "%s/%d", v6, cl->prefix6);
    else if (cap)
        buf[0] = 0;
    return buf;
}

/* The partner's address and port, the port always: "10.0.0.1:102", "[fd00::5]:102" (an IPv6
 * address in brackets, or its last group would read as the port), "plc1.local (10.0.0.1):102". */
const char *s7__report_addr_port_text(const s7_plant_partner *pt, char *buf, size_t cap)
{
    char a[160];
    s7_plant_partner_addr_text(pt, a, sizeof a);
    snprintf(buf, cap, !pt->host && strchr(a, ':') ? "[%s]:%u" : "%s:%u", a, pt->port);
    return buf;
}

/* A label line of an exchange: "GET DB10.DBB0..DBB63 every 500 ms". */
const char *s7__report_ex_line(const s7_plant_exchange *x, char *buf, size_t cap)
{
    char r[300], cyc[32];
    if (x->cycle_ms > 0)
        snprintf(buf, cap, "%s %s every %s", s7_plant_dir_name(x->dir), ranges_cut(x, r, sizeof r),
                 s7_plant_cycle_text(x->cycle_ms, cyc, sizeof cyc));
    else
        snprintf(buf, cap, "%s %s on event", s7_plant_dir_name(x->dir), ranges_cut(x, r, sizeof r));
    return buf;
}
