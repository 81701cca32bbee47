/* s7kit plant report: check results from several hosts as one (include/s7/plant.h
 * s7_plant_check_merge), and the firewall verification's container.
 *
 * Each connection is proven only by a check made from its documented active partner: the
 * merge takes that result when one of the inputs has it (the latest of several), else the
 * latest other result, which stays unproven (or failed, for what the CPU itself refused).
 * A result of other addresses than the inventory's (check_match.c) is taken only when no
 * other is there, and is unproven; so is a pass whose PUT ranges were not written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plant/report_int.h"
#include "s7/plant.h"

int s7_plant_check_conn_copy(s7_plant_check_conn *dst, const s7_plant_check_conn *src)
{
    free(dst->ex);
    free(dst->doctor_json);
    *dst = *src;
    dst->ex = NULL;
    dst->nex = 0;
    dst->doctor_json = NULL;
    if (src->doctor_json) {
        size_t n = strlen(src->doctor_json) + 1;
        dst->doctor_json = malloc(n);
        if (!dst->doctor_json)
            return S7_ERR_NOMEM;
        memcpy(dst->doctor_json, src->doctor_json, n);
    }
    if (s7_plant_check_conn_alloc_ex(dst, src->nex)) {
        free(dst->doctor_json);
        dst->doctor_json = NULL;
        return S7_ERR_NOMEM;
    }
    if (src->nex)
        memcpy(dst->ex, src->ex, src->nex * sizeof *src->ex);
    return 0;
}

/* Is result a better than b for the connection: of the inventory's addresses first
 * (a_foreign, b_foreign), then from the active partner, then the later time (ISO 8601 UTC
 * strings order by time). */
static int better(const s7_plant_check_conn *a, int a_foreign, const s7_plant_check_conn *b,
                  int b_foreign)
{
    if (!b)
        return 1;
    if (a_foreign != b_foreign)
        return a_foreign < b_foreign;
    if (a->from_active != b->from_active)
        return a->from_active > b->from_active;
    return strcmp(a->time, b->time) > 0;
}

/* Appends s to dst (cap bytes) with sep when dst is not empty, unless dst already has it. */
static void add_word(char *dst, size_t cap, const char *s, const char *sep)
{
    size_t l = strlen(dst);
    if (!s[0] || strstr(dst, s))
        return;
    snprintf(dst + l, cap - l, "%s%s", l ? sep : "", s);
}

int s7_plant_check_merge(const s7_plant *p, const s7_plant_check_report *const *in, size_t n,
                         s7_plant_check_report **out)
{
    size_t found = 0;
    *out = NULL;
    for (size_t i = 0; i < p->nconns; i++)
        for (size_t k = 0; k < n; k++)
            if (in[k] && s7_plant_check_report_find(in[k], p->conns[i].name)) {
                found++;
                break;
            }
    s7_plant_check_report *r = s7_plant_check_report_new(found);
    if (!r)
        return S7_ERR_NOMEM;
    size_t j = 0;
    for (size_t i = 0; i < p->nconns; i++) {
        const s7_plant_conn *pc = &p->conns[i];
        const s7_plant_check_conn *best = NULL;
        int best_foreign = 0;
        char why[600] = "", w[600];
        for (size_t k = 0; k < n; k++) {
            const s7_plant_check_conn *c =
                in[k] ? s7_plant_check_report_find(in[k], pc->name) : NULL;
            int foreign = c ? s7__check_mismatch(p, pc, c, w, sizeof w) : 0;
            if (c && better(c, foreign, best, best_foreign)) {
                best = c;
                best_foreign = foreign;
                snprintf(why, sizeof why, "%s", foreign ? w : "");
            }
        }
        if (!best)
            continue;
        if (s7_plant_check_conn_copy(&r->conns[j], best)) {
            s7_plant_check_report_free(r);
            return S7_ERR_NOMEM;
        }
        s7_plant_check_conn *m = &r->conns[j];
        char ranges[300];
        size_t unwritten;
        if (best_foreign) {
            /* what the CPU answered there says nothing about this plant's CPU */
            m->foreign = 1;
            m->status = S7_PLANT_UNPROVEN;
            snprintf(m->unproven, sizeof m->unproven, "%s", why);
        } else if (m->status == S7_PLANT_PASS &&
                   (unwritten = s7__check_unwritten(pc, m, ranges, sizeof ranges)) > 0) {
            m->status = S7_PLANT_UNPROVEN;
            snprintf(m->unproven, sizeof m->unproven,
                     "the PUT range%s %.200s %s read but not written: the check ran without "
                     "--allow-write, so the writes are not proven (s7 inventory check "
                     "--allow-write writes back the bytes it read)",
                     unwritten == 1 && !strchr(ranges, ',') ? "" : "s", ranges,
                     unwritten == 1 && !strchr(ranges, ',') ? "was" : "were");
        }
        m->conn = pc;
        if (r->conns[j].status == S7_PLANT_PASS)
            r->passed++;
        else if (r->conns[j].status == S7_PLANT_UNPROVEN)
            r->unproven++;
        else
            r->failed++;
        j++;
    }
    for (size_t k = 0; k < n; k++) {
        if (!in[k])
            continue;
        if (strcmp(in[k]->time, r->time) > 0) /* the latest; each result keeps its own */
            snprintf(r->time, sizeof r->time, "%s", in[k]->time);
        add_word(r->from, sizeof r->from, in[k]->from, ", ");
        add_word(r->as, sizeof r->as, in[k]->as, ", ");
        r->allow_write |= in[k]->allow_write;
    }
    *out = r;
    return 0;
}

s7_plant_fw_verify *s7_plant_fw_verify_new(size_t npaths)
{
    s7_plant_fw_verify *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->paths = calloc(npaths ? npaths : 1, sizeof *v->paths);
    if (!v->paths) {
        free(v);
        return NULL;
    }
    v->npaths = npaths;
    return v;
}

void s7_plant_fw_verify_free(s7_plant_fw_verify *v)
{
    if (!v)
        return;
    free(v->paths);
    free(v);
}
