/* s7kit plant report: check results from several hosts as one (include/s7/plant.h
 * s7_plant_check_merge), and the firewall verification's container.
 *
 * Each connection is proven only by a check made from its documented active partner: the
 * merge takes that result when one of the inputs has it (the latest of several), else the
 * latest other result, which stays unproven (or failed, for what the CPU itself refused). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Is result a better than b for the connection: from the active partner first, then the
 * later time (ISO 8601 UTC strings order by time). */
static int better(const s7_plant_check_conn *a, const s7_plant_check_conn *b)
{
    if (!b)
        return 1;
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
        const s7_plant_check_conn *best = NULL;
        for (size_t k = 0; k < n; k++) {
            const s7_plant_check_conn *c =
                in[k] ? s7_plant_check_report_find(in[k], p->conns[i].name) : NULL;
            if (c && better(c, best))
                best = c;
        }
        if (!best)
            continue;
        if (s7_plant_check_conn_copy(&r->conns[j], best)) {
            s7_plant_check_report_free(r);
            return S7_ERR_NOMEM;
        }
        r->conns[j].conn = &p->conns[i];
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
