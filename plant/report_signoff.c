/* s7kit plant report: whether the plant is ready to sign (include/s7/plant.h
 * s7_plant_report_ready) and the sign-off statement (report_int.h s7__report_signoff),
 * both made only from what the results prove: a connection is proven when it was checked
 * from its active partner's address and passed; everything else (failed, unproven, not
 * checked) is said as such; the firewall is named by its rule file's SHA-256 only when a
 * verification of it was given. */
#include <stdio.h>
#include <string.h>

#include "plant/report_int.h"
#include "s7/plant.h"

const s7_plant_check_conn *s7__report_result(const s7_plant_check_report *chk,
                                             const s7_plant_conn *c)
{
    return chk ? s7_plant_check_report_find(chk, c->name) : NULL;
}

const char *s7__report_status_word(const s7_plant_check_conn *cc)
{
    if (!cc)
        return "not checked";
    switch (cc->status) {
    case S7_PLANT_PASS: return "pass";
    case S7_PLANT_UNPROVEN: return "UNPROVEN";
    default: return "FAIL";
    }
}

const char *s7__report_status_class(const s7_plant_check_conn *cc)
{
    if (!cc)
        return "unchecked";
    switch (cc->status) {
    case S7_PLANT_PASS: return "pass";
    case S7_PLANT_UNPROVEN: return "unproven";
    default: return "fail";
    }
}

/* Appends ", " or " (" and a part of the unproven count's explanation. */
static size_t why_part(char *why, size_t l, size_t cap, int *first, size_t n, size_t all,
                       const char *text)
{
    if (!n || l >= cap)
        return l;
    l += (size_t)snprintf(why + l, cap - l, "%s", *first ? " (" : "; ");
    *first = 0;
    if (n != all && l < cap)
        l += (size_t)snprintf(why + l, cap - l, "%zu ", n);
    if (l < cap)
        l += (size_t)snprintf(why + l, cap - l, "%s", text);
    return l;
}

int s7_plant_report_ready(const s7_plant *p, const s7_plant_check_report *chk,
                          const s7_plant_report_opts *o, char *why, size_t cap)
{
    size_t pass = 0, fail = 0, unproven = 0, none = 0, vfail = 0, vunproven = 0, vforeign = 0;
    size_t u_foreign = 0, u_writes = 0, u_other = 0;
    for (size_t i = 0; i < p->nconns; i++) {
        const s7_plant_check_conn *cc = s7__report_result(chk, &p->conns[i]);
        if (!cc)
            none++;
        else if (cc->status == S7_PLANT_PASS && !s7__check_unwritten(&p->conns[i], cc, NULL, 0))
            pass++;
        else if (cc->status == S7_PLANT_PASS || cc->status == S7_PLANT_UNPROVEN) {
            unproven++;
            if (cc->foreign)
                u_foreign++;
            else if (cc->from_active && s7__check_unwritten(&p->conns[i], cc, NULL, 0))
                u_writes++;
            else
                u_other++;
        } else
            fail++;
    }
    for (size_t i = 0; o && i < o->nverify; i++)
        if (o->verify[i]) {
            if (s7_plant_fw_verify_mismatch(p, o->verify[i], NULL, 0))
                vforeign++;
            else {
                vfail += o->verify[i]->failed;
                vunproven += !o->verify[i]->from_partner;
            }
        }
    int ready = p->nconns > 0 && pass == p->nconns && vfail == 0 && vunproven == 0 && vforeign == 0;
    if (why && cap) {
        size_t l = 0;
        why[0] = 0;
        if (ready)
            l += (size_t)snprintf(why, cap,
                                  "all %zu connections passed, each checked from its "
                                  "active partner",
                                  pass);
        else if (!chk)
            l += (size_t)snprintf(why, cap,
                                  "no live check results (s7 inventory check --json, "
                                  "then report --check)");
        else {
            l += (size_t)snprintf(why, cap, "%zu of %zu connections passed", pass, p->nconns);
            if (fail && l < cap)
                l += (size_t)snprintf(why + l, cap - l, ", %zu failed", fail);
            if (unproven && l < cap) {
                int first = 1;
                l += (size_t)snprintf(why + l, cap - l, ", %zu unproven", unproven);
                l = why_part(why, l, cap, &first, u_other, unproven,
                             "not checked from the active partner");
                l = why_part(why, l, cap, &first, u_foreign, unproven,
                             "results of other addresses than the inventory's");
                l = why_part(why, l, cap, &first, u_writes, unproven,
                             "PUT ranges not written: check with --allow-write");
                if (!first && l < cap)
                    l += (size_t)snprintf(why + l, cap - l, ")");
            }
            if (none && l < cap)
                l += (size_t)snprintf(why + l, cap - l, ", %zu not checked", none);
        }
        if (vfail && l < cap)
            l += (size_t)snprintf(why + l, cap - l, "; %zu firewall path%s not as documented",
                                  vfail, vfail == 1 ? "" : "s");
        if (vunproven && l < cap)
            l += (size_t)snprintf(why + l, cap - l,
                                  "; %zu firewall verification%s not from %s partner", vunproven,
                                  vunproven == 1 ? "" : "s", vunproven == 1 ? "its" : "their");
        if (vforeign && l < cap)
            snprintf(why + l, cap - l, "; %zu firewall verification%s not of this inventory",
                     vforeign, vforeign == 1 ? "" : "s");
    }
    return ready;
}

/* "CPU 6ES7 ... (module CPU 1516, serial S C-X, firmware V2.9) in RUN, PUT/GET permitted,
 * 3 of 256 connection resources in use" from what the CPU reported. */
static void cpu_words(const s7_plant_check_conn *cc, char *buf, size_t cap)
{
    size_t l = 0;
    buf[0] = 0;
    if (cc->cpu_order[0] || cc->cpu_module[0]) {
        l += (size_t)snprintf(buf, cap, "the CPU answered as %s",
                              cc->cpu_order[0] ? cc->cpu_order : "?");
        if (cc->cpu_module[0] && l < cap)
            l += (size_t)snprintf(buf + l, cap - l, " (%s", cc->cpu_module);
        else if (l < cap)
            l += (size_t)snprintf(buf + l, cap - l, " (");
        if (cc->cpu_serial[0] && l < cap)
            l += (size_t)snprintf(buf + l, cap - l, "%sserial %s", cc->cpu_module[0] ? ", " : "",
                                  cc->cpu_serial);
        if (cc->cpu_version[0] && l < cap)
            l += (size_t)snprintf(buf + l, cap - l, "%sfirmware %s",
                                  cc->cpu_module[0] || cc->cpu_serial[0] ? ", " : "",
                                  cc->cpu_version);
        if (l < cap)
            l += (size_t)snprintf(buf + l, cap - l, ")");
    } else {
        l += (size_t)snprintf(buf, cap, "the CPU did not tell its identity");
    }
    char state[16];
    size_t j = 0;
    for (; cc->cpu_state[j] && j + 1 < sizeof state; j++) /* "run" -> "RUN" */
        state[j] = (char)(cc->cpu_state[j] >= 'a' && cc->cpu_state[j] <= 'z' ? cc->cpu_state[j] - 32
                                                                             : cc->cpu_state[j]);
    state[j] = 0;
    if (l < cap)
        l += (size_t)snprintf(buf + l, cap - l, ", %s%s", state[0] ? "in " : "",
                              state[0] ? state : "operating state not read");
    if (l < cap)
        l += (size_t)snprintf(buf + l, cap - l, ", PUT/GET %s",
                              cc->put_get > 0    ? "permitted"
                              : cc->put_get == 0 ? "refused"
                                                 : "not checked");
    if (l < cap) {
        if (cc->conn_used >= 0 && cc->conn_max > 0)
            snprintf(buf + l, cap - l, ", %d of %d connection resources in use", cc->conn_used,
                     cc->conn_max);
        else if (cc->conn_used >= 0)
            snprintf(buf + l, cap - l, ", %d connection resources in use", cc->conn_used);
        else
            snprintf(buf + l, cap - l, ", connection use not reported");
    }
}

/* "from hmi's address 10.0.1.10 on host H (network namespace N) at T" */
static void from_words(const s7_plant_check_conn *cc, char *buf, size_t cap)
{
    snprintf(buf, cap, "from %s%s%s%s on host %s%s%s%s at %s",
             cc->from_partner[0] ? cc->from_partner : "", cc->from_partner[0] ? "'s address " : "",
             cc->source[0] ? cc->source : "an unrecorded address", "",
             cc->host[0] ? cc->host : "(not recorded)", cc->netns[0] ? " (network namespace " : "",
             cc->netns, cc->netns[0] ? ")" : "", cc->time[0] ? cc->time : "(time not recorded)");
}

void s7__report_signoff(const s7_plant *p, const s7_plant_check_report *chk,
                        const s7_plant_report_opts *o, s7__so_fn fn, void *ctx)
{
    char t[2400], from[400], cpu[400], ex[200], aa[160], pa[160];
    for (size_t i = 0; i < p->nconns; i++) {
        const s7_plant_conn *c = &p->conns[i];
        const s7_plant_partner *a = &p->partners[c->active], *pp = &p->partners[c->passive];
        const s7_plant_check_conn *cc = s7__report_result(chk, c);
        s7_plant_partner_addr_text(a, aa, sizeof aa);
        s7_plant_partner_addr_text(pp, pa, sizeof pa);
        if (!cc) {
            char pap[200];
            snprintf(t, sizeof t,
                     "%s (%s %s -> %s %s) was not checked live: nothing here proves it.", c->name,
                     a->name, aa, pp->name, s7__report_addr_port_text(pp, pap, sizeof pap));
            fn(ctx, S7__SO_OPEN, t);
            continue;
        }
        from_words(cc, from, sizeof from);
        char unw[300];
        size_t unwritten = s7__check_unwritten(c, cc, unw, sizeof unw);
        if (cc->status == S7_PLANT_PASS && !unwritten) {
            size_t nput = 0, nget = 0;
            for (size_t e = 0; e < c->nex; e++) {
                nput += c->ex[e].dir == S7_PLANT_PUT;
                nget += c->ex[e].dir != S7_PLANT_PUT;
            }
            cpu_words(cc, cpu, sizeof cpu);
            /* only what was done: reads for GET ranges, write-backs for PUT ranges */
            if (nget && nput)
                snprintf(ex, sizeof ex,
                         "every GET range read, every PUT range written back and read back");
            else if (nput)
                snprintf(ex, sizeof ex, "every PUT range written back and read back");
            else if (nget)
                snprintf(ex, sizeof ex, "every GET range read");
            else
                snprintf(ex, sizeof ex, "no exchange documented, none tried");
            snprintf(t, sizeof t,
                     "%s: %s %s -> %s %s port %u, checked live %s: TCP connected, connection "
                     "request accepted (%s connection), %s; %s.",
                     c->name, a->name, aa, pp->name, pa, pp->port, from,
                     s7_plant_type_name(c->type), ex, cpu);
            fn(ctx, S7__SO_PROVEN, t);
        } else if (cc->status == S7_PLANT_PASS) {
            /* results not merged (s7_plant_check_merge says the same): the writes unproven */
            snprintf(t, sizeof t,
                     "%s (%s -> %s) is UNPROVEN: the PUT range%s %s %s read but not written: "
                     "the check ran without --allow-write, so the writes are not proven (s7 "
                     "inventory check --allow-write writes back the bytes it read).",
                     c->name, a->name, pp->name, strchr(unw, ',') ? "s" : "", unw,
                     strchr(unw, ',') ? "were" : "was");
            fn(ctx, S7__SO_OPEN, t);
        } else if (cc->status == S7_PLANT_UNPROVEN) {
            snprintf(t, sizeof t, "%s (%s -> %s) is UNPROVEN: %s%s%s.", c->name, a->name, pp->name,
                     cc->unproven[0] ? cc->unproven : "not checked from its active partner",
                     strcmp(cc->verdict, "ok") != 0 && cc->verdict[0] ? "; seen from there: " : "",
                     strcmp(cc->verdict, "ok") != 0 ? cc->verdict : "");
            fn(ctx, S7__SO_OPEN, t);
        } else {
            snprintf(t, sizeof t, "%s (%s -> %s) FAILED (%s) %s: %s", c->name, a->name, pp->name,
                     cc->verdict[0] ? cc->verdict : "fail", from, cc->detail);
            fn(ctx, S7__SO_OPEN, t);
        }
    }
    size_t nv = o ? o->nverify : 0;
    for (size_t i = 0; i < nv; i++) {
        const s7_plant_fw_verify *v = o->verify[i];
        size_t dopen = 0, dall = 0, uclosed = 0, uall = 0;
        if (!v)
            continue;
        char why[400];
        if (s7_plant_fw_verify_mismatch(p, v, why, sizeof why)) {
            snprintf(t, sizeof t,
                     "Firewall verification made as %s on host %s at %s%s%s is NOT of this "
                     "inventory, so it is unproven here: %s.",
                     v->as[0] ? v->as : "(partner not named)",
                     v->host[0] ? v->host : "(not recorded)",
                     v->time[0] ? v->time : "(time not recorded)",
                     v->rules_file[0] ? " with rule file " : "", v->rules_file, why);
            fn(ctx, S7__SO_FIREWALL, t);
            continue;
        }
        for (size_t k = 0; k < v->npaths; k++) {
            if (v->paths[k].expect_open) {
                dall++;
                dopen += v->paths[k].status == S7_PLANT_PASS;
            } else {
                uall++;
                uclosed += v->paths[k].status == S7_PLANT_PASS;
            }
        }
        if (!v->from_partner) {
            snprintf(t, sizeof t,
                     "Firewall probed as %s on host %s at %s, but NOT from %s's address (%s): "
                     "unproven, this matrix says nothing about %s's paths.",
                     v->as[0] ? v->as : "(partner not named)",
                     v->host[0] ? v->host : "(not recorded)",
                     v->time[0] ? v->time : "(time not recorded)", v->as[0] ? v->as : "the partner",
                     v->note[0] ? v->note : "the source address was not the partner's",
                     v->as[0] ? v->as : "the partner");
            fn(ctx, S7__SO_FIREWALL, t);
            continue;
        }
        snprintf(t, sizeof t,
                 "Firewall verified %s%s%s%s%s on host %s at %s with rule file %s (SHA-256 %s): "
                 "%zu of %zu documented paths open, %zu of %zu undocumented paths dropped%s.",
                 v->as[0] ? "as " : "", v->as, v->source[0] ? " (" : "", v->source,
                 v->source[0] ? ")" : "", v->host[0] ? v->host : "(not recorded)",
                 v->time[0] ? v->time : "(time not recorded)",
                 v->rules_file[0] ? v->rules_file : "(not named)",
                 v->rules_sha256[0] ? v->rules_sha256 : "not recorded", dopen, dall, uclosed, uall,
                 v->failed ? ": NOT as documented" : "");
        fn(ctx, S7__SO_FIREWALL, t);
    }
    if (!nv)
        fn(ctx, S7__SO_FIREWALL,
           "The firewalls were not verified (no s7 inventory verify-firewall result given): "
           "this report says nothing about which flows they pass or drop.");
    char why[300];
    if (s7_plant_report_ready(p, chk, o, why, sizeof why))
        snprintf(t, sizeof t,
                 "Signing confirms the items above, proven live as stated, and that the "
                 "connections listed are the plant's complete set of S7 connections.");
    else
        snprintf(t, sizeof t, "NOT READY to sign: %s.", why);
    fn(ctx, S7__SO_CLOSE, t);
}
