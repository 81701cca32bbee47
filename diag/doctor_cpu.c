/* The doctor's verdicts about the CPU as a whole, drawn at the identity step: a CPU that is
 * not the one expected (--expect-profile, the inventory's documented profile and rack/slot:
 * profile_mismatch) and a CPU in STOP (cpu_stopped, with the time of its last mode change
 * from SZL 0x0424 when it reports one).  Both keep the ladder going: a CPU in STOP still
 * serves its memory, and what else is wrong with the connection is worth knowing too. */
#include <stdio.h>
#include <string.h>

#include "diag/doctor_int.h"
#include "s7/cpu.h"

/* The time of the last mode change of SZL 0x0424 (bytes 12..19 of the record, DATE_AND_TIME)
 * into r->mode_changed; "" when the CPU does not report a valid one. */
static void mode_change_time(s7_client *c, s7_diag_report *r)
{
    uint8_t buf[64];
    s7_szl_hdr h;
    s7_datetime t;
    r->mode_changed[0] = 0;
    int n = s7_client_read_szl(c, 0x0424, 0x0000, &h, buf, sizeof buf);
    if (n == S7_ERR_NOSPACE)
        n = (int)sizeof buf;
    if (n < 20 || h.rec_len < 20)
        return;
    if (s7_dt_decode(buf + 12, &t) < 0)
        return;
    snprintf(r->mode_changed, sizeof r->mode_changed, "%04u-%02u-%02u %02u:%02u:%02u.%03u", t.year,
             t.month, t.day, t.hour, t.min, t.sec, t.msec);
}

/* The rack/slot a called TSAP names (its low byte: rack in bits 5..7, slot in 0..4). */
static void tsap_rack_slot(uint16_t remote, int *rack, int *slot)
{
    *rack = (remote & 0xFF) >> 5;
    *slot = remote & 0x1F;
}

int s7__diag_cpu_verdict(const s7_doctor_opts *o, s7_diag_report *r, s7_client *c,
                         s7_diag_check *ck)
{
    const char *fam =
        r->have_identity ? s7_diag_family_of_order_code(r->identity.order_code) : NULL;
    snprintf(r->family, sizeof r->family, "%s", fam ? fam : "");

    /* the CPU expected */
    if (o->expect_profile && *o->expect_profile) {
        const char *want = o->expect_profile;
        int known = s7_profile_find(want) != NULL;
        if (!known) {
            s7__cat(ck->detail, sizeof ck->detail,
                    "; profile '%s' expected: not one the doctor knows, not compared", want);
        } else if (!r->have_identity || !fam) {
            s7__cat(ck->detail, sizeof ck->detail,
                    "; profile %s expected: the CPU's order code (%s) names no family, not "
                    "compared",
                    want, r->have_identity ? r->identity.order_code : "not answered");
        } else if (strcmp(fam, want) != 0) {
            s7__cat(ck->detail, sizeof ck->detail,
                    "; profile %s expected, but the order code %s is an %s", want,
                    r->identity.order_code, fam);
            snprintf(ck->cause, sizeof ck->cause,
                     "the CPU at %s is not the one documented: it reports order code %s (%s%s%s), "
                     "where a CPU of profile %s is expected: a wrong address, a swapped CPU, or "
                     "an inventory that does not describe the plant",
                     r->addr, r->identity.order_code, fam, r->identity.module_type[0] ? ", " : "",
                     r->identity.module_type, want);
            snprintf(ck->fix, sizeof ck->fix,
                     "PLC owner and the inventory's author: check that %s is the address of the "
                     "documented CPU; correct the profile in the inventory (profile: %s) or the "
                     "address, and check rack/slot and DB layout against the CPU really there",
                     r->addr, fam);
            return S7_DIAG_PROFILE_MISMATCH;
        } else {
            s7__cat(ck->detail, sizeof ck->detail, "; profile %s as expected", want);
        }
    }
    if (o->expect_rack >= 0 && o->expect_slot >= 0 && r->remote_tsap) {
        int rk, sl;
        tsap_rack_slot(r->remote_tsap, &rk, &sl);
        /* an S7-1200/1500 at slot 1 takes slot 0 too (as the emulator and the inventory's
         * validation have it): slot 0 is the same CPU, not another place */
        const s7_profile *pf = o->expect_profile ? s7_profile_find(o->expect_profile) : NULL;
        int slot0 =
            sl == 0 && o->expect_slot == 1 && rk == o->expect_rack && s7_profile_slot0_too(pf);
        if (slot0)
            s7__cat(ck->detail, sizeof ck->detail,
                    "; rack %d slot 0 answered: an %s at slot 1 takes slot 0 too", rk,
                    o->expect_profile);
        else if (rk != o->expect_rack || sl != o->expect_slot) {
            s7__cat(ck->detail, sizeof ck->detail,
                    "; rack %d slot %d expected, the CPU answers at rack %d slot %d",
                    o->expect_rack, o->expect_slot, rk, sl);
            snprintf(ck->cause, sizeof ck->cause,
                     "the CPU at %s answers at rack %d slot %d, where rack %d slot %d is "
                     "expected%s%s: the documentation or the CPU's hardware configuration is "
                     "wrong",
                     r->addr, rk, sl, o->expect_rack, o->expect_slot,
                     o->expect_profile ? " for profile " : "",
                     o->expect_profile ? o->expect_profile : "");
            snprintf(ck->fix, sizeof ck->fix,
                     "PLC owner and the inventory's author: document rack %d slot %d (or fix the "
                     "CPU's hardware configuration) so every partner dials the same TSAP",
                     rk, sl);
            return S7_DIAG_PROFILE_MISMATCH;
        }
    }

    /* STOP */
    if (r->cpu_state == S7_CPU_STOP) {
        mode_change_time(c, r);
        if (r->mode_changed[0])
            s7__cat(ck->detail, sizeof ck->detail, "; in STOP since %s (SZL 0x0424, CPU clock)",
                    r->mode_changed);
        else
            s7__cat(ck->detail, sizeof ck->detail,
                    "; in STOP (the CPU reports no time of the mode change)");
        snprintf(ck->cause, sizeof ck->cause,
                 "the CPU is in STOP%s%s: it still answers PUT/GET from its memory, but its "
                 "program does not run, so the values read are no longer produced (frozen at "
                 "the moment it stopped) and values written are not acted on",
                 r->mode_changed[0] ? " since " : "", r->mode_changed);
        /* s7 start with what this check connected with (rack/slot or TSAPs, port) */
        s7_diag_alt a;
        char args[64] = "", port[16] = "";
        s7__alt_set(&a, S7_DIAG_ALT_RACKSLOT, r->local_tsap, r->remote_tsap);
        if (r->local_tsap != 0x0100 || r->remote_tsap != 0x0101) {
            args[0] = ' ';
            s7_diag_alt_args(&a, args + 1, sizeof args - 1);
        }
        if (r->port != 102)
            snprintf(port, sizeof port, ":%u", (unsigned)r->port);
        snprintf(ck->fix, sizeof ck->fix,
                 "PLC operator: read why it stopped in the CPU's diagnostic buffer (TIA Portal "
                 "online, or the CPU's web server), remove the cause, then switch it to RUN "
                 "(mode switch, TIA Portal, or s7 start %s%s%s on an S7-300/400); the partners' "
                 "data is stale until then",
                 r->host, port, args);
        return S7_DIAG_CPU_STOPPED;
    }
    return S7_DIAG_OK;
}

void s7__diag_cpu_after_cr(const s7_doctor_opts *o, s7_diag_report *r)
{
    if (r->verdict != S7_DIAG_CR_REJECTED || !r->have_identity || !o->expect_profile ||
        !s7_profile_find(o->expect_profile) || r->failed < 0)
        return;
    const char *fam = s7_diag_family_of_order_code(r->identity.order_code);
    snprintf(r->family, sizeof r->family, "%s", fam ? fam : "");
    if (!fam || strcmp(fam, o->expect_profile) == 0)
        return;
    s7_diag_check *ck = &r->checks[r->failed];
    char cause[640], fix[640], use[64] = "";
    if (r->alt_best >= 0)
        s7_diag_alt_args(&r->alts[r->alt_best], use, sizeof use);
    snprintf(cause, sizeof cause,
             "the CPU at %s is not the one documented: it reports order code %s (%s), where a "
             "CPU of profile %s is expected, so the rack/slot dialled from that profile is "
             "refused; %.300s",
             r->addr, r->identity.order_code, fam, o->expect_profile, ck->cause);
    snprintf(fix, sizeof fix,
             "PLC owner and the inventory's author: check that %s is the documented CPU's "
             "address; correct the profile in the inventory (profile: %s)%s%s",
             r->addr, fam, use[0] ? ", which dials " : "", use);
    snprintf(ck->cause, sizeof ck->cause, "%s", cause);
    snprintf(ck->fix, sizeof ck->fix, "%s", fix);
    s7__cat(ck->detail, sizeof ck->detail, "; profile %s expected, the CPU is an %s (%s)",
            o->expect_profile, fam, r->identity.order_code);
    r->verdict = S7_DIAG_PROFILE_MISMATCH;
}
