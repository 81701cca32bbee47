/* s7kit plant report: what report_text.c shares with the renderers report_html.c,
 * report_md.c and report_svg.c. */
#ifndef S7_PLANT_REPORT_INT_H
#define S7_PLANT_REPORT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "s7/plant.h"

/* The plant's title, else its file name, else "plant". */
const char *s7__plant_title(const s7_plant *p);
/* o->generator, else "libs7". */
const char *s7__report_generator(const s7_plant_report_opts *o);
const char *s7__report_tsap_or_rs(const s7_plant_conn *c, char *buf, size_t cap);
const char *s7__report_ranges_text(const s7_plant_exchange *x, char *buf, size_t cap);
/* Every range of x, ", "-separated, written to o: however many there are. */
void s7__report_ranges_put(FILE *o, const s7_plant_exchange *x);
/* The bytes an exchange moves on the wire: a timer or counter counts two. */
size_t s7__report_ex_bytes(const s7_plant_exchange *x);
/* "10.0.0.1", "scada1 (10.0.0.5)", with ":1102" for a partner on another port than 102. */
const char *s7__report_addr_text(const s7_plant_partner *pt, char *buf, size_t cap);
/* A cell's subnets, IPv4 and IPv6: "10.10.1.0/24, fd00:10:1::/64"; "" without one. */
const char *s7__report_subnet_text(const s7_plant_cell *cl, char *buf, size_t cap);
/* "10.0.0.1:102", "[fd00::5]:102", "plc1.local (10.0.0.1):102": the port always. */
const char *s7__report_addr_port_text(const s7_plant_partner *pt, char *buf, size_t cap);
/* A label line of an exchange: "GET DB10.DBB0..DBB63 every 500 ms". */
const char *s7__report_ex_line(const s7_plant_exchange *x, char *buf, size_t cap);

/* The width of s set in DejaVu Sans (bold: DejaVu Sans Bold) at size px (report_font.c). */
double s7__text_width(const char *s, double size, int bold);
/* The size in px the diagram (s7_plant_report_svg) will have: 0, or S7_ERR_NOMEM. */
int s7__report_svg_size(const s7_plant *p, const s7_plant_check_report *chk,
                        const s7_plant_report_opts *opts, double *width, double *height);

/* The result of connection c in chk (NULL: not checked). */
const s7_plant_check_conn *s7__report_result(const s7_plant_check_report *chk,
                                             const s7_plant_conn *c);
/* "pass", "FAIL", "UNPROVEN", "not checked": a result's status as the documents show it. */
const char *s7__report_status_word(const s7_plant_check_conn *cc);
/* The class for a result in HTML/SVG: "pass", "fail", "unproven", "unchecked". */
const char *s7__report_status_class(const s7_plant_check_conn *cc);

/* 0 when result cc (matched to connection c by name) is of c as p documents it; 1 when
 * its partners, address, port, TSAPs, source (when it claims the active partner) or
 * exchanges differ, or it names no address and port: why says what, with both sides
 * (check_match.c). */
int s7__check_mismatch(const s7_plant *p, const s7_plant_conn *c, const s7_plant_check_conn *cc,
                       char *why, size_t cap);
/* The number of c's PUT exchanges that result cc read but did not write (a check without
 * --allow-write); their ranges, ", "-separated, into ranges (may be NULL). */
size_t s7__check_unwritten(const s7_plant_conn *c, const s7_plant_check_conn *cc, char *ranges,
                           size_t cap);

/* The sign-off statement, one item at a time, for every renderer to format:
 * kind S7__SO_PROVEN (what the results prove), S7__SO_OPEN (what is failed, unproven or
 * not checked), S7__SO_FIREWALL (a verification or the lack of one), S7__SO_CLOSE (the
 * closing sentence). */
enum { S7__SO_PROVEN, S7__SO_OPEN, S7__SO_FIREWALL, S7__SO_CLOSE };
typedef void (*s7__so_fn)(void *ctx, int kind, const char *text);
void s7__report_signoff(const s7_plant *p, const s7_plant_check_report *chk,
                        const s7_plant_report_opts *o, s7__so_fn fn, void *ctx);

#endif
