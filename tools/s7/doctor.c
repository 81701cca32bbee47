/* s7 doctor HOST: walks the diagnostic ladder (libs7's s7_doctor, docs/doctor.md) and prints
 * it as ✓/✗/– lines with timings, then the one verdict with its cause and fix, the evidence
 * (the frames of the failing exchange) and, on success, what the CPU told about itself and
 * the DBs asked for.  --json prints the report object instead.  Options of its own: --db
 * N[:LEN], --area I|Q|M|T|C[:LEN], --allow-write; everything else goes through the shared
 * parser (common.c). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "s7/config.h"
#include "s7/cpu.h"
#include "s7/diag.h"
#include "s7/plant.h"
#include "s7/plant_check.h"

#define MAX_TARGETS 64

const char doctor_help[] =
    "Walks the diagnostic ladder and stops at the first step that fails, with one verdict, the\n"
    "evidence (what was sent, what came back, timings), the cause and the fix:\n"
    "  resolve     the host name (or a numeric address)\n"
    "  tcp         TCP port 102; when the SYN is not answered with a SYN-ACK, probes run\n"
    "              alongside it (the ICMP error and its sender, the route and ARP entry, ping,\n"
    "              ports 80/443/22, as root the TTL of a RST) tell a firewall that drops or\n"
    "              rejects from nothing listening and from a host that is down\n"
    "  cotp        the COTP connection request with the TSAPs of --rack/--slot/--type or --tsap;\n"
    "              when the CPU refuses it, other connection types, rack/slots and the LOGO! and\n"
    "              S7-200 TSAP pairs are tried to tell a wrong TSAP from exhausted resources\n"
    "  setup       S7 setup communication: PDU size and jobs in flight\n"
    "  identity    SZL 0x0011, 0x001C, 0x0424 (order code, firmware, names, RUN/STOP): a CPU\n"
    "              in STOP is cpu_stopped, one not of --expect-profile profile_mismatch\n"
    "  protection  SZL 0x0232, 0x0131, 0x0132 (protection level, connections and their use;\n"
    "              figures no CPU reports are shown as implausible, nothing read into them)\n"
    "  put_get     a 1-byte read: answered 0x8104 means PUT/GET is not permitted\n"
    "  db:N        each --db: exists (0x0A?), not optimized (0x05 at offset 0?), its length\n"
    "  full_pdu    a read as large as the PDU allows (two answers pipelined) from the first\n"
    "              --db found long enough, else M: a path that drops large packets is\n"
    "              path_mtu; a request unanswered while TCP retransmits is path_loss\n"
    "Verdicts: ok no_route port_closed port_filtered cr_rejected negotiation_failed\n"
    "put_get_disabled db_missing db_optimized db_too_short access_denied area_missing\n"
    "area_too_short peer_error host_unreachable port_rejected name_unresolved no_answer\n"
    "cpu_stopped profile_mismatch path_mtu path_loss (docs/doctor.md explains each).  A verdict "
    "about the CPU is\n"
    "drawn only from answers that conform to what was asked: a reply with another length,\n"
    "transport size coding or item count than asked is peer_error, with the field named.\n\n"
    "Options:\n"
    "  --db N[:LEN]        check DB N (repeatable); with LEN it must be at least LEN bytes long\n"
    "  --area A[:LEN]      check area I, Q, M, T or C (repeatable), at least LEN bytes/elements\n"
    "  --allow-write       also check that each DB/area accepts a write: reads one byte and\n"
    "                      writes the same value back (the only write the doctor ever makes)\n"
    "  --no-alternatives   on a refused connection request do not try other TSAPs\n"
    "  --expect-profile P  the CPU must be of profile P (s7-300, s7-400, s7-1200, s7-1500,\n"
    "                      logo8, s7-200smart): its order code's family is compared, and for\n"
    "                      s7-300/1200/1500 the rack/slot (0/2, 0/1, 0/1): profile_mismatch\n"
    "  --inventory FILE --as PARTNER\n"
    "                      say whether the path PARTNER -> HOST is documented in the plant\n"
    "                      inventory FILE (and by which connection); a drop of an undocumented\n"
    "                      path is by design, not a fault.  HOST may be a partner's name; the\n"
    "                      documented profile is expected unless --expect-profile is given;\n"
    "                      from PARTNER's address when this machine holds it, with the\n"
    "                      documented connection's TSAPs unless --rack/--slot/--type/--tsap,\n"
    "                      and its DBs and areas as long as its ranges need unless --db/--area\n"
    "Common options (s7 help lists them):\n"
    "  --rack R --slot S --type pg|op|basic, or --tsap LOCAL:REMOTE   the connection to check\n"
    "  --pdu N, --timeout MS (connect, TCP and request timeout, default 3000), --json, --trace\n"
    "--json prints {verdict, checks: [{id, status, ms, detail, cause, fix, frames}], cpu,\n"
    "session, protection, connections, implausible, put_get, targets, cr} (docs/doctor.md).\n"
    "Exit codes: 0 ok; 1 connected, but the CPU refuses what was asked (put_get_disabled,\n"
    "db_*, area_*, access_denied) or is not the one expected (profile_mismatch); 2 usage\n"
    "error; 3 no S7 connection (name_unresolved, no_route, host_unreachable, port_closed,\n"
    "port_filtered, port_rejected, no_answer, cr_rejected, negotiation_failed, peer_error,\n"
    "path_mtu, path_loss);\n"
    "4 the CPU is in STOP (cpu_stopped).\n\n"
    "Examples:\n"
    "  s7 doctor 192.168.0.1 --db 5:100\n"
    "  s7 doctor 192.168.0.1 --slot 2 --db 1 --db 10:64 --json\n\n";

/* ---------------------------------------------------------------- options */

typedef struct doc_args {
    s7_diag_target t[MAX_TARGETS];
    size_t n;
    int write;
    int no_alt;
    const char *profile;   /* --expect-profile */
    const char *inventory; /* --inventory FILE */
    const char *as;        /* --as PARTNER */
} doc_args;

/* --expect-profile: a profile the emulator and the plant model know. */
static int check_profile(const cli_cmd *cmd, const char *p)
{
    if (s7_profile_find(p))
        return 0;
    char names[160] = "";
    for (const char *const *n = s7_profile_names(); n && *n; n++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", names[0] ? ", " : "",
                 *n);
    return cli_usage_error(cmd, "--expect-profile %s: unknown profile (profiles: %s)", p, names);
}

/* Whether two address texts name the same address (IPv6 written two ways too). */
static int same_addr(const char *a, const char *b)
{
    unsigned char x[16], y[16];
    if (!a || !b || !*a || !*b)
        return 0;
    if (inet_pton(AF_INET, a, x) == 1 && inet_pton(AF_INET, b, y) == 1)
        return memcmp(x, y, 4) == 0;
    if (inet_pton(AF_INET6, a, x) == 1 && inet_pton(AF_INET6, b, y) == 1)
        return memcmp(x, y, 16) == 0;
    return strcmp(a, b) == 0;
}

/* --inventory FILE --as PARTNER: finds the path PARTNER -> HOST in the plant model and
 * writes the note of s7_doctor_opts.  host may be replaced by a partner's address (HOST
 * given by name).  Returns 0, or CLI_USAGE after a message. */
static int path_of(const cli_cmd *cmd, const doc_args *a, const char **host, uint16_t *port,
                   char *hostbuf, size_t hostcap, char *note, size_t ncap, int *documented,
                   const char **profile, int *rack, int *slot, s7_plant **keep, char *src,
                   size_t scap, const s7_plant_conn **conn)
{
    *conn = NULL;
    s7_plant *p = NULL;
    char err[1024];
    if (!a->inventory || !a->as)
        return cli_usage_error(cmd, "--inventory and --as go together: --inventory FILE --as "
                                    "PARTNER (the partner the path starts from)");
    if (s7_config_load_plant(a->inventory, &p, err, sizeof err)) {
        fprintf(stderr, "error: %s\n", err);
        fprintf(stderr, "docs/inventory.md describes the file\n");
        return CLI_USAGE;
    }
    *keep = p;
    const s7_plant_partner *from = s7_plant_find_partner(p, a->as);
    if (!from) {
        fprintf(stderr, "error: --as %s: no such partner in %s (partners:", a->as, a->inventory);
        for (size_t i = 0; i < p->npartners; i++)
            fprintf(stderr, " %s", p->partners[i].name);
        fputs(")\n", stderr);
        return CLI_USAGE;
    }
    /* the probes leave from PARTNER's address when this machine holds it (as inventory
     * check --as does): a firewall judges a connection by its source */
    char from_txt[160];
    src[0] = 0;
    if (from->address[0] && s7_plant_check_holds(from->address)) {
        snprintf(src, scap, "%s", from->address);
        snprintf(from_txt, sizeof from_txt, "probed from %s's address %s", from->name,
                 from->address);
    } else if (from->address[0]) {
        snprintf(from_txt, sizeof from_txt,
                 "probed from this machine, which does not hold %s's address %s (a firewall "
                 "judges the probe by its own source)",
                 from->name, from->address);
    } else {
        snprintf(from_txt, sizeof from_txt, "probed from this machine");
    }
    const s7_plant_partner *to = s7_plant_find_partner(p, *host);
    if (to && (to->address[0] || to->host)) {
        /* HOST given by the partner's name: its address (or host name) and port */
        snprintf(hostbuf, hostcap, "%s", to->address[0] ? to->address : to->host);
        *host = hostbuf;
        *port = to->port ? to->port : 102;
    }
    for (size_t i = 0; !to && i < p->npartners; i++)
        if (same_addr(p->partners[i].address, *host) ||
            (p->partners[i].host && strcmp(p->partners[i].host, *host) == 0))
            to = &p->partners[i];
    if (!to) {
        snprintf(note, ncap,
                 "not documented: %s is no partner's address in %s, so no path from %s to it is "
                 "documented",
                 *host, a->inventory, a->as);
        *documented = 0;
        return 0;
    }
    if (to->profile && !*profile && s7_profile_find(to->profile)) {
        *profile = to->profile;
        *rack = to->rack >= 0 ? to->rack : to->profile_rack;
        *slot = to->slot >= 0 ? to->slot : to->profile_slot;
    }
    const s7_plant_conn *fwd = NULL, *rev = NULL;
    for (size_t i = 0; i < p->nconns; i++) {
        const s7_plant_conn *c = &p->conns[i];
        if (s7_plant_conn_active(p, c) == from && s7_plant_conn_passive(p, c) == to && !fwd)
            fwd = c;
        if (s7_plant_conn_active(p, c) == to && s7_plant_conn_passive(p, c) == from && !rev)
            rev = c;
    }
    *conn = fwd;
    if (fwd) {
        char ts[32];
        snprintf(note, ncap,
                 "documented: connection '%s' in %s (%s -> %s port %u, %s, TSAPs %s); %s",
                 fwd->name, a->inventory, from->name, to->name, to->port ? to->port : 102,
                 s7_plant_type_name(fwd->type),
                 s7_plant_tsap_text(fwd->local_tsap, fwd->remote_tsap, ts, sizeof ts), from_txt);
        /* from another source the probe does not test the documented path: a firewall that
         * drops it may be right, so nothing is said of a missing rule */
        *documented = src[0] ? 1 : -1;
    } else if (rev) {
        snprintf(note, ncap,
                 "not documented in this direction: %s documents connection '%s' with %s as the "
                 "active partner (%s -> %s), none from %s to %s port 102",
                 a->inventory, rev->name, to->name, to->name, from->name, from->name, to->name);
        *documented = 0;
    } else {
        snprintf(note, ncap,
                 "not documented: no connection in %s has %s as active and %s as passive "
                 "partner",
                 a->inventory, from->name, to->name);
        *documented = 0;
    }
    return 0;
}

static int parse_u(const char *s, size_t n, long min, long max, long *v)
{
    char tmp[16];
    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    return cli_parse_long(tmp, min, max, v);
}

static int parse_db(const cli_cmd *cmd, const char *v, doc_args *a)
{
    const char *colon = strchr(v, ':');
    long db, len = 0;
    if (a->n >= MAX_TARGETS)
        return cli_usage_error(cmd, "--db: at most %d DBs and areas", MAX_TARGETS);
    if (parse_u(v, colon ? (size_t)(colon - v) : strlen(v), 1, 65535, &db) ||
        (colon && parse_u(colon + 1, strlen(colon + 1), 1, 65536, &len)))
        return cli_usage_error(
            cmd,
            "--db %s: expected N or N:LEN, DB number N 1..65535 and the length it "
            "needs LEN 1..65536 bytes, e.g. --db 5 or --db 5:100",
            v);
    memset(&a->t[a->n], 0, sizeof a->t[a->n]);
    a->t[a->n].area = S7_AREA_DB;
    a->t[a->n].db = (uint16_t)db;
    a->t[a->n].length = (uint32_t)len;
    a->n++;
    return 0;
}

static int parse_area(const cli_cmd *cmd, const char *v, doc_args *a)
{
    const char *colon = strchr(v, ':');
    size_t nlen = colon ? (size_t)(colon - v) : strlen(v);
    long len = 0;
    uint8_t area = 0;
    if (a->n >= MAX_TARGETS)
        return cli_usage_error(cmd, "--area: at most %d DBs and areas", MAX_TARGETS);
    if (nlen == 1) {
        switch (v[0]) {
        case 'I':
        case 'i':
        case 'E':
        case 'e': area = S7_AREA_I; break;
        case 'Q':
        case 'q':
        case 'A':
        case 'a': area = S7_AREA_Q; break;
        case 'M':
        case 'm': area = S7_AREA_M; break;
        case 'T':
        case 't': area = S7_AREA_T; break;
        case 'C':
        case 'c':
        case 'Z':
        case 'z': area = S7_AREA_C; break;
        default: break;
        }
    }
    if (!area || (colon && parse_u(colon + 1, strlen(colon + 1), 1, 65536, &len)))
        return cli_usage_error(
            cmd,
            "--area %s: expected I, Q, M, T or C with an optional length it needs "
            "(1..65536), e.g. --area M:100",
            v);
    memset(&a->t[a->n], 0, sizeof a->t[a->n]);
    a->t[a->n].area = area;
    a->t[a->n].length = (uint32_t)len;
    a->n++;
    return 0;
}

/* ---------------------------------------------------------------- text output */

typedef struct style {
    const char *ok, *bad, *dim, *off;
} style;

static const char *mark(int st)
{
    return st == S7_DIAG_PASS   ? "\xE2\x9C\x93"
           : st == S7_DIAG_FAIL ? "\xE2\x9C\x97"
                                : "\xE2\x80\x93";
}

static void print_frames(const s7_diag_check *c)
{
    for (size_t i = 0; i < c->nframes; i++) {
        const s7_diag_frame *f = &c->frames[i];
        size_t n = f->len < S7_DIAG_FRAME_CAP ? f->len : S7_DIAG_FRAME_CAP;
        printf("    %s %5d ms %4u bytes ", f->outgoing ? ">>" : "<<", f->t_ms, f->len);
        for (size_t k = 0; k < n && k < 48; k++)
            printf(" %02x", f->bytes[k]);
        if (n > 48 || n < f->len)
            fputs(" ...", stdout);
        fputc('\n', stdout);
    }
}

static const char *state_name(int st)
{
    return st == S7_CPU_RUN ? "RUN" : st == S7_CPU_STOP ? "STOP" : "state unknown";
}

static void print_success(const s7_diag_report *r)
{
    const s7_cpu_info *id = &r->identity;
    if (r->have_identity)
        printf("  %-12s %s%s%s, %s, firmware %s, %s\n", "CPU",
               id->module_type[0] ? id->module_type : "", id->module_type[0] ? ", " : "",
               id->order_code, id->serial[0] ? id->serial : "no serial",
               id->version[0] ? id->version : "?", state_name(r->cpu_state));
    else
        printf("  %-12s identity not answered, %s\n", "CPU", state_name(r->cpu_state));
    if (r->have_identity && (id->as_name[0] || id->module_name[0]))
        printf("  %-12s station '%s', module '%s'\n", "names", id->as_name, id->module_name);
    printf("  %-12s PDU %u bytes, %u jobs in flight, TSAPs %04X:%04X\n", "session", r->pdu, r->amq,
           r->local_tsap, r->remote_tsap);
    /* figures no CPU reports: the raw value and "implausible", nothing read into them */
    unsigned bad = s7_cpu_caps_implausible(&r->caps, r->pdu);
    char why[160];
    if (r->caps.protection_level >= 0) {
        printf("  %-12s level %d", "protection", r->caps.protection_level);
        if (bad & S7_CAPS_PROT_LEVEL)
            printf(" (implausible: %s)",
                   s7_cpu_caps_why(&r->caps, r->pdu, S7_CAPS_PROT_LEVEL, why, sizeof why));
        fputc('\n', stdout);
    }
    if (r->caps.max_connections >= 0 || r->caps.used_connections >= 0) {
        printf("  %-12s ", "connections");
        if (r->caps.used_connections >= 0)
            printf("%d in use", r->caps.used_connections);
        else
            printf("use not answered");
        if (bad & S7_CAPS_USED_CONN)
            printf(" (implausible: %s)",
                   s7_cpu_caps_why(&r->caps, r->pdu, S7_CAPS_USED_CONN, why, sizeof why));
        if (r->caps.max_connections >= 0)
            printf(" of %d", r->caps.max_connections);
        if (bad & S7_CAPS_MAX_CONN)
            printf(" (implausible: %s)",
                   s7_cpu_caps_why(&r->caps, r->pdu, S7_CAPS_MAX_CONN, why, sizeof why));
        fputc('\n', stdout);
    }
    if (bad & S7_CAPS_MAX_PDU)
        printf("  %-12s %d bytes (implausible: %s)\n", "CPU max PDU", r->caps.max_pdu,
               s7_cpu_caps_why(&r->caps, r->pdu, S7_CAPS_MAX_PDU, why, sizeof why));
    printf("  %-12s %s\n", "PUT/GET", r->put_get == 1 ? "permitted" : "not checked");
    for (size_t i = 0; i < r->ntargets; i++) {
        const s7_diag_target_info *t = &r->targets[i];
        char name[24];
        uint32_t need = t->t.start + t->t.length;
        if (t->t.area == S7_AREA_DB)
            snprintf(name, sizeof name, "DB%u", t->t.db);
        else
            snprintf(name, sizeof name, "area %s",
                     t->t.area == S7_AREA_I   ? "I"
                     : t->t.area == S7_AREA_Q ? "Q"
                     : t->t.area == S7_AREA_M ? "M"
                     : t->t.area == S7_AREA_T ? "T"
                                              : "C");
        printf("  %-12s ", name);
        if (t->length >= 0)
            printf("%d bytes", t->length);
        else
            printf("readable");
        if (need)
            printf(" (%u required)", need);
        if (t->writable == 1)
            printf(", writable");
        fputc('\n', stdout);
    }
}

static void print_text(const s7_diag_report *r, const cli *c, const style *s)
{
    printf("s7 doctor %s port %u", r->host, r->port);
    if (c->copts.remote_tsap)
        printf(", TSAPs %04X:%04X\n", c->copts.local_tsap, c->copts.remote_tsap);
    else
        printf(", rack %u slot %u, %s connection\n", c->copts.rack, c->copts.slot,
               c->copts.type == S7_CONN_OP      ? "OP"
               : c->copts.type == S7_CONN_BASIC ? "S7 basic"
                                                : "PG");
    for (size_t i = 0; i < r->nchecks; i++) {
        const s7_diag_check *k = &r->checks[i];
        const char *col = k->status == S7_DIAG_PASS   ? s->ok
                          : k->status == S7_DIAG_FAIL ? s->bad
                                                      : s->dim;
        if (k->status == S7_DIAG_SKIP && !k->ms)
            printf("%s%s %-12s %7s  %s%s\n", col, mark(k->status), k->id, "", k->detail, s->off);
        else
            printf("%s%s %-12s %4d ms  %s%s\n", col, mark(k->status), k->id, k->ms, k->detail,
                   s->off);
    }
    const s7_diag_check *f = s7_diag_report_failed(r);
    printf("\n%sverdict: %s%s (%s)\n", f ? s->bad : s->ok, s7_diag_verdict_name(r->verdict), s->off,
           s7_diag_verdict_text(r->verdict));
    if (!f && r->connected && s7_cpu_caps_implausible(&r->caps, r->pdu))
        printf("  but the CPU's protection and resource figures are implausible (see above): "
               "the reads prove access, nothing is said about its protection or connections\n");
    if (f) {
        if (f->cause[0])
            printf("  cause: %s\n", f->cause);
        if (f->fix[0])
            printf("  fix: %s\n", f->fix);
        printf("  who acts: %s\n", s7_diag_report_team(r));
        if (r->nprobes > 1) {
            printf("  evidence (probes run alongside the SYN):\n");
            for (size_t i = 0; i < r->nprobes; i++)
                printf("    %s %-10s %s\n", r->probes[i].ran ? "\xE2\x9C\x93" : "\xE2\x80\x93",
                       r->probes[i].id, r->probes[i].saw);
        }
        if (f->nframes) {
            printf("  evidence (%s; times from the start of the step):\n", f->id);
            print_frames(f);
        }
        if (!r->connected && r->have_identity)
            printf("  the CPU answering there: %s (%s, firmware %s)\n",
                   r->identity.module_type[0] ? r->identity.module_type : r->identity.module_name,
                   r->identity.order_code, r->identity.version[0] ? r->identity.version : "?");
        if (r->nalts) {
            char args[64];
            printf("  other TSAPs tried (%s):\n", s7_diag_cr_cause_name(r->cr_cause));
            for (size_t i = 0; i < r->nalts; i++) {
                const s7_diag_alt *a = &r->alts[i];
                printf("    %s %-32s %4d ms  %s\n",
                       mark(a->result == 0 ? S7_DIAG_PASS : S7_DIAG_FAIL),
                       s7_diag_alt_args(a, args, sizeof args), a->ms,
                       a->result == 0 ? (a->setup_ok ? "accepted" : "accepted (CC), setup failed")
                       : a->result == S7_ERR_CR_REJECTED ? "refused"
                                                         : s7_strerror(a->result));
            }
        }
        /* the other failures (further DBs) */
        for (size_t i = 0; i < r->nchecks; i++) {
            const s7_diag_check *k = &r->checks[i];
            if (k != f && k->status == S7_DIAG_FAIL)
                printf("  also %s: %s\n    fix: %s\n", k->id, k->cause, k->fix);
        }
    } else {
        print_success(r);
    }
    if (r->path_note[0])
        printf("  path: %s\n", r->path_note);
    printf("  (%d ms in all)\n", r->total_ms);
}

/* ---------------------------------------------------------------- the command */

/* The table's entry point; main.c runs cmd_doctor_main instead (the doctor takes options
 * of its own before the shared parser sees the line). */
int cmd_doctor(cli *c)
{
    (void)c;
    return CLI_USAGE;
}

int cmd_doctor_main(const cli_cmd *cmd, int argc, char **argv)
{
    doc_args a;
    cli c;
    int rc;
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0;
    memset(&a, 0, sizeof a);
    if (!rest) {
        fprintf(stderr, "error: out of memory\n");
        return CLI_FAIL;
    }
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i], *v = NULL;
        int which = 0; /* 1 --db, 2 --area */
        if (strcmp(s, "--") == 0) {
            for (; i < argc; i++)
                rest[nrest++] = argv[i];
            break;
        }
        if (strcmp(s, "--db") == 0 || strncmp(s, "--db=", 5) == 0)
            which = 1;
        else if (strcmp(s, "--area") == 0 || strncmp(s, "--area=", 7) == 0)
            which = 2;
        if (which) {
            const char *eq = strchr(s, '=');
            if (eq)
                v = eq + 1;
            else if (i + 1 < argc)
                v = argv[++i];
            else {
                free(rest);
                return cli_usage_error(cmd, "%s needs a value, e.g. %s",
                                       which == 1 ? "--db" : "--area",
                                       which == 1 ? "--db 5:100" : "--area M:100");
            }
            rc = which == 1 ? parse_db(cmd, v, &a) : parse_area(cmd, v, &a);
            if (rc) {
                free(rest);
                return rc;
            }
            continue;
        }
        if (strcmp(s, "--allow-write") == 0) {
            a.write = 1;
            continue;
        }
        if (strcmp(s, "--no-alternatives") == 0) {
            a.no_alt = 1;
            continue;
        }
        {
            static const char *const valued[] = {"--expect-profile", "--inventory", "--as"};
            int k = -1;
            for (int j = 0; j < 3; j++) {
                size_t l = strlen(valued[j]);
                if (strncmp(s, valued[j], l) == 0 && (s[l] == 0 || s[l] == '='))
                    k = j;
            }
            if (k >= 0) {
                const char *eq = strchr(s, '=');
                if (eq)
                    v = eq + 1;
                else if (i + 1 < argc)
                    v = argv[++i];
                if (!v || !*v) {
                    free(rest);
                    return cli_usage_error(cmd, "%s needs a value, e.g. %s", valued[k],
                                           k == 0   ? "--expect-profile s7-300"
                                           : k == 1 ? "--inventory plant.yaml"
                                                    : "--as SCADA");
                }
                if (k == 0)
                    a.profile = v;
                else if (k == 1)
                    a.inventory = v;
                else
                    a.as = v;
                continue;
            }
        }
        rest[nrest++] = argv[i];
    }
    rc = cli_parse(&c, cmd, nrest, rest);
    if (rc != CLI_OK) {
        free(rest);
        cli_free(&c);
        return rc == CLI_HELP_SHOWN ? CLI_OK : rc;
    }

    s7_doctor_opts o;
    s7_diag_report r;
    s7_doctor_opts_init(&o);
    o.host = c.host;
    o.port = c.port;
    char hostbuf[256], note[480], src[48];
    const s7_plant_conn *conn = NULL;
    s7_plant *plant = NULL;
    if (a.profile && check_profile(cmd, a.profile) != 0) {
        cli_free(&c);
        free(rest);
        return CLI_USAGE;
    }
    o.expect_profile = a.profile;
    if (a.profile && !c.copts.remote_tsap) {
        /* the families with one place for the CPU: the rack/slot is part of the profile */
        const s7_profile *pf = s7_profile_find(a.profile);
        if (strcmp(a.profile, "s7-300") == 0 || strcmp(a.profile, "s7-1200") == 0 ||
            strcmp(a.profile, "s7-1500") == 0) {
            o.expect_rack = pf->rack;
            o.expect_slot = pf->slot;
        }
    }
    if (a.inventory || a.as) {
        int prc = path_of(cmd, &a, &o.host, &o.port, hostbuf, sizeof hostbuf, note, sizeof note,
                          &o.path_documented, &o.expect_profile, &o.expect_rack, &o.expect_slot,
                          &plant, src, sizeof src, &conn);
        if (prc != 0) {
            s7_plant_free(plant);
            cli_free(&c);
            free(rest);
            return prc;
        }
        o.path_note = note;
        if (src[0])
            snprintf(c.copts.source_addr, sizeof c.copts.source_addr, "%s", src);
        /* the documented connection's TSAPs and type, unless the command line names its own */
        int own = 0;
        for (int i = 0; i < argc; i++)
            own |= strcmp(argv[i], "--rack") == 0 || strcmp(argv[i], "--slot") == 0 ||
                   strcmp(argv[i], "--type") == 0 || strcmp(argv[i], "--tsap") == 0;
        if (conn && !own && conn->remote_tsap) {
            c.copts.local_tsap = conn->local_tsap;
            c.copts.remote_tsap = conn->remote_tsap;
            c.copts.type = conn->type == 2   ? S7_CONN_OP
                           : conn->type == 3 ? S7_CONN_BASIC
                                             : S7_CONN_PG;
        }
        /* the documented connection's DBs and areas, unless --db or --area names its own */
        if (conn && a.n == 0)
            a.n = s7_plant_check_targets(conn, a.t, MAX_TARGETS);
    }
    o.client = c.copts;
    o.targets = a.t;
    o.ntargets = a.n;
    o.check_write = a.write;
    o.no_alternatives = a.no_alt;
    int v = s7_doctor(&o, &r);
    if (v < 0) {
        fprintf(stderr, "error: the doctor could not run: %s\n", s7_strerror(v));
        rc = CLI_FAIL;
    } else {
        if (c.json) {
            char *j = s7_diag_report_json(&r);
            if (!j) {
                fprintf(stderr, "error: out of memory\n");
                rc = CLI_FAIL;
            } else {
                printf("%s\n", j);
                free(j);
            }
        } else {
            style st = {"", "", "", ""};
            const char *nc = getenv("NO_COLOR");
            const char *term = getenv("TERM");
            if (isatty(1) && !(nc && *nc) && !(term && strcmp(term, "dumb") == 0)) {
                st.ok = "\x1b[32m";
                st.bad = "\x1b[31m";
                st.dim = "\x1b[2m";
                st.off = "\x1b[0m";
            }
            print_text(&r, &c, &st);
        }
        if (rc != CLI_FAIL)
            rc = s7_diag_verdict_class(v);
        s7_diag_report_free(&r);
    }
    s7_plant_free(plant);
    cli_free(&c);
    free(rest);
    return rc;
}
