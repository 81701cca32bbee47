/* s7 partner: a BSEND/BRCV and USEND/URCV partner on the command line (the library's
 * s7_partner, include/s7/exchange_partner.h).  Listens for (--listen) or connects to
 * (--connect) one partner, sends the files given with --bsend/--usend, receives blocks into
 * the files given with --brcv/--urcv, and reports each job as the instructions do. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "s7/exchange_partner.h"
#include "s7/wire.h"

#define MAX_JOBS 32

const char partner_help[] =
    "Runs one BSEND/BRCV (and USEND/URCV) partner connection, as a CPU's BSEND and BRCV\n"
    "instructions use it: passive (--listen: waits for the partner's connection) or active\n"
    "(--connect: connects, and again after a loss).  Once linked it sends each --bsend/--usend\n"
    "file in order and writes each block received under a --brcv/--urcv R_ID to its file.  It\n"
    "prints one line per job with what the instruction reports (DONE, NDR and LEN, or ERROR\n"
    "and STATUS: 1 connection problem, 2 negative acknowledgement, 4 length out of range) and\n"
    "ends when every job is done.  Without jobs it prints every block received until\n"
    "interrupted (or --count blocks).\n\n"
    "Options:\n"
    "  --listen [ADDR][:PORT]  passive: listen on ADDR (default any) port PORT (default 102)\n"
    "  --connect HOST[:PORT]   active: connect to the partner (port 102 unless given)\n"
    "  --peer ADDR             passive: accept only this partner address\n"
    "  --source ADDR           active: connect from this local address\n"
    "  --tsap LOCAL:REMOTE     TSAPs in hex (default 1000:1000; the active side's CR sends them)\n"
    "  --pdu N                 PDU size, 240..960 (default 480)\n"
    "  --bsend R_ID:FILE       send FILE (1..65534 bytes) by BSEND under R_ID (repeatable)\n"
    "  --usend R_ID:FILE       send FILE by USEND (one PDU, not acknowledged; repeatable)\n"
    "  --brcv R_ID:FILE        receive one block sent under R_ID into FILE (repeatable)\n"
    "  --urcv R_ID:FILE        receive one USEND under R_ID into FILE (repeatable)\n"
    "  --count N               without --brcv/--urcv: stop after N blocks received (the\n"
    "                          N-th is the last one printed)\n"
    "  --timeout MS            how long to wait for the link and for each job, 1..600000\n"
    "                          (default 10000)\n"
    "R_ID is a number, decimal or 16#hex (0..4294967295).\n"
    "Exit codes: 0 every job done, 1 a job failed, 2 usage error, 3 never linked.\n\n"
    "Examples:\n"
    "  s7 partner --listen :102 --brcv 1:recipe.bin\n"
    "  s7 partner --connect 192.168.0.10 --tsap 1000:1000 --bsend 1:recipe.bin\n";

typedef struct pjob {
    int kind; /* 0 bsend, 1 usend, 2 brcv, 3 urcv */
    uint32_t r_id;
    const char *file;
    uint8_t *buf;
    size_t len;
    int finished;
} pjob;

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static const char *kind_name(int k)
{
    static const char *n[] = {"BSEND", "USEND", "BRCV", "URCV"};
    return n[k];
}

static int parse_rid(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v;
    if (strncmp(s, "16#", 3) == 0)
        v = strtoull(s + 3, &end, 16);
    else if (strncmp(s, "0x", 2) == 0 || strncmp(s, "0X", 2) == 0)
        v = strtoull(s + 2, &end, 16);
    else
        v = strtoull(s, &end, 10);
    if (errno || end == s || *end || v > 0xFFFFFFFFull || s[0] == '-')
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* The block of a --bsend (usend 0) or --usend (usend 1) from path, whole, or NULL with err. */
static uint8_t *read_file(const char *path, int usend, size_t *len, char *err, size_t cap)
{
    uint8_t *b = NULL;
    size_t n = 0;
    if (cli_read_file(usend ? "the USEND block" : "the BSEND block", path, S7_BSEND_MAX, &b, &n,
                      err, cap))
        return NULL;
    if (n == 0 || n > S7_BSEND_MAX) {
        snprintf(err, cap, "%s has %s bytes: %s", path, n ? "more than 65534" : "no",
                 usend ? "a USEND block is 1 byte or more, at most what one PDU carries (452 "
                         "bytes at PDU 480)"
                       : "a BSEND block is 1..65534 bytes");
        free(b);
        return NULL;
    }
    *len = n;
    return b;
}

static int write_file(const char *path, const uint8_t *b, size_t n)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "error: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t w = fwrite(b, 1, n, f);
    int bad = f == stdout ? fflush(f) : fclose(f);
    if (w != n || bad) {
        fprintf(stderr, "error: writing %s failed\n", path);
        return -1;
    }
    return 0;
}

static unsigned long any_count, any_limit;
/* A listener without jobs says "linked" once per link: at the first look that finds it
 * linked, or before the first block of a link that came and went within one run. */
static s7_partner *any_p;
static int link_said;

static void say_linked(void)
{
    if (link_said || !any_p)
        return;
    link_said = 1;
    printf("linked, PDU %u\n", s7_partner_pdu(any_p));
    fflush(stdout);
}

/* The link went (it was seen linked and is not, or its reason changed while linked: a
 * partner that connected again within one run): "link lost: WHY", once per loss; the next
 * link is said again. */
static int seen_linked;
static char said_reason[512];

static void watch_link(const s7_partner *p)
{
    const char *why = s7_partner_reason(p);
    int linked = s7_partner_linked(p);
    if (seen_linked && *why && (!linked || strcmp(why, said_reason) != 0)) {
        printf("link lost: %s\n", why);
        fflush(stdout);
        seen_linked = 0;
        link_said = 0;
    }
    snprintf(said_reason, sizeof said_reason, "%s", why);
    if (linked)
        seen_linked = 1;
}

static void on_any(void *ctx, uint32_t r_id, const uint8_t *d, size_t n, int usend)
{
    (void)d;
    int *print = ctx;
    if (!*print || (any_limit && any_count >= any_limit))
        return; /* --count N: the N-th was the last one taken; the run ends now */
    say_linked();
    any_count++;
    printf("%s R_ID %u: %zu bytes received\n", usend ? "URCV" : "BRCV", r_id, n);
    fflush(stdout);
}

static int usage_target(const cli_cmd *cmd, const char *opt, const char *v, char *host, size_t cap,
                        uint16_t *port)
{
    char err[160];
    *port = 102;
    if (v[0] == ':' || v[0] == 0) { /* --listen :PORT: any address */
        host[0] = 0;
        long p;
        if (v[0] == ':' && cli_parse_long(v + 1, 0, 65535, &p))
            return cli_usage_error(cmd, "%s %s: the port must be 0..65535", opt, v);
        if (v[0] == ':')
            *port = (uint16_t)p;
        return 0;
    }
    if (cli_parse_target(v, host, cap, port, err, sizeof err) < 0)
        return cli_usage_error(cmd, "%s %s: %s", opt, v, err);
    return 0;
}

int cmd_partner_main(const cli_cmd *cmd, int argc, char **argv)
{
    s7_partner_cfg cfg;
    s7_partner_cfg_init(&cfg);
    pjob jobs[MAX_JOBS];
    int njobs = 0, mode = -1;
    long timeout = 10000, count = 0, v;
    memset(jobs, 0, sizeof jobs);
    int rc = CLI_OK;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            printf("usage: s7 %s %s [options]\n\n%s", cmd->name, cmd->usage, cmd->help);
            return CLI_OK;
        }
        const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
#define IS(name) (nlen == strlen(name) && strncmp(a, name, nlen) == 0)
        if (!(IS("--listen") || IS("--connect") || IS("--peer") || IS("--source") || IS("--tsap") ||
              IS("--pdu") || IS("--bsend") || IS("--usend") || IS("--brcv") || IS("--urcv") ||
              IS("--count") || IS("--timeout")))
            return cli_usage_error(cmd, "unknown option '%s' (s7 help partner lists them)", a);
        if (eq)
            val = eq + 1;
        else if (IS("--listen") && (i + 1 >= argc || argv[i + 1][0] == '-'))
            val = "";
        else if (i + 1 < argc)
            val = argv[++i];
        else
            return cli_usage_error(cmd, "%.*s needs a value", (int)nlen, a);
        if (IS("--listen") || IS("--connect")) {
            if (mode >= 0)
                return cli_usage_error(cmd, "give one of --listen or --connect, once");
            mode = IS("--connect");
            cfg.active = mode;
            if (usage_target(cmd, mode ? "--connect" : "--listen", val, cfg.host, sizeof cfg.host,
                             &cfg.port))
                return CLI_USAGE;
            if (mode && !cfg.host[0])
                return cli_usage_error(cmd, "--connect needs the partner's address");
            /* a host no call dials ("1.2.3"): refused before anything is dialled, exit 3, as
             * every command does (it was retried until --timeout, "could not be resolved") */
            char herr[300];
            if (mode && s7_host_check(cfg.host, herr, sizeof herr) != 0) {
                fprintf(stderr, "error: --connect %s: %s\n", val, herr);
                return CLI_NOCONN;
            }
        } else if (IS("--peer") || IS("--source")) {
            char *dst = IS("--peer") ? cfg.peer : cfg.source;
            unsigned char bin[16];
            /* a name or "1.2.3" matched no partner (--peer: the listener waited for nobody)
             * or failed only once linking began (--source) */
            if (strlen(val) >= sizeof cfg.peer || !*val ||
                (inet_pton(AF_INET, val, bin) != 1 && inet_pton(AF_INET6, val, bin) != 1))
                return cli_usage_error(cmd,
                                       "%.*s %s: give a numeric IPv4 or IPv6 address, e.g. "
                                       "192.168.0.10 or fd00::10",
                                       (int)nlen, a, val);
            strcpy(dst, val);
        } else if (IS("--tsap")) {
            unsigned l, r;
            char tail;
            if (sscanf(val, "%x:%x%c", &l, &r, &tail) != 2 || l > 0xFFFF || r > 0xFFFF)
                return cli_usage_error(cmd, "--tsap %s: give LOCAL:REMOTE in hex, e.g. 1000:1000",
                                       val);
            cfg.local_tsap = (uint16_t)l;
            cfg.remote_tsap = (uint16_t)r;
        } else if (IS("--pdu")) {
            if (cli_parse_long(val, 240, 960, &v))
                return cli_usage_error(cmd, "--pdu %s: must be 240..960", val);
            cfg.pdu_request = (uint16_t)v;
        } else if (IS("--count")) {
            if (cli_parse_long(val, 1, 1000000000, &count))
                return cli_usage_error(cmd, "--count %s: must be 1..1000000000", val);
        } else if (IS("--timeout")) {
            if (cli_parse_long(val, 1, 600000, &timeout))
                return cli_usage_error(cmd, "--timeout %s: must be 1..600000 ms", val);
        } else {
            int kind = IS("--bsend") ? 0 : IS("--usend") ? 1 : IS("--brcv") ? 2 : 3;
            const char *colon = strchr(val, ':');
            char rid[24];
            if (!colon || colon == val || !colon[1] || (size_t)(colon - val) >= sizeof rid)
                return cli_usage_error(cmd, "--%s %s: give R_ID:FILE, e.g. 1:block.bin",
                                       kind == 0   ? "bsend"
                                       : kind == 1 ? "usend"
                                       : kind == 2 ? "brcv"
                                                   : "urcv",
                                       val);
            memcpy(rid, val, (size_t)(colon - val));
            rid[colon - val] = 0;
            if (njobs == MAX_JOBS)
                return cli_usage_error(cmd, "at most %d jobs", MAX_JOBS);
            pjob *j = &jobs[njobs];
            if (parse_rid(rid, &j->r_id))
                return cli_usage_error(cmd, "R_ID '%s': a number 0..4294967295 (or 16#hex)", rid);
            j->kind = kind;
            j->file = colon + 1;
            for (int k = 0; k < njobs && kind >= 2; k++)
                if (jobs[k].kind == kind && jobs[k].r_id == j->r_id)
                    return cli_usage_error(cmd,
                                           "--%s %s: R_ID %u has a --%s already (%u:%s): one "
                                           "receiver per R_ID, as on a CPU",
                                           kind == 2 ? "brcv" : "urcv", val, j->r_id,
                                           kind == 2 ? "brcv" : "urcv", jobs[k].r_id, jobs[k].file);
            njobs++;
        }
#undef IS
    }
    if (mode < 0)
        return cli_usage_error(cmd, "give --listen [ADDR][:PORT] or --connect HOST[:PORT]");

    int nrecv = 0, print_any = 0;
    for (int i = 0; i < njobs; i++) {
        char err[700];
        if (jobs[i].kind < 2) {
            jobs[i].buf = read_file(jobs[i].file, jobs[i].kind == 1, &jobs[i].len, err, sizeof err);
            if (!jobs[i].buf) {
                fprintf(stderr, "error: %s R_ID %u: %s\n", kind_name(jobs[i].kind), jobs[i].r_id,
                        err);
                rc = CLI_USAGE;
                goto out;
            }
        } else {
            jobs[i].buf = malloc(S7_BSEND_MAX);
            if (!jobs[i].buf) {
                rc = CLI_FAIL;
                goto out;
            }
            nrecv++;
        }
    }
    print_any = njobs == 0;
    any_limit = (unsigned long)count;
    cfg.on_recv = on_any;
    cfg.ctx = &print_any;
    cfg.ack_timeout_ms = (uint32_t)(timeout < 3000 ? timeout : 3000);
    s7_partner *p = s7_partner_new(&cfg);
    if (!p) {
        fprintf(stderr, "error: out of memory\n");
        rc = CLI_FAIL;
        goto out;
    }
    for (int i = 0; i < njobs; i++)
        if (jobs[i].kind >= 2)
            s7_partner_brcv(p, jobs[i].r_id, jobs[i].buf, S7_BSEND_MAX, jobs[i].kind == 3);
    if (s7_partner_start(p) < 0) {
        fprintf(stderr, "error: %s\n  fix: choose another address or port (102 needs root)\n",
                s7_partner_reason(p));
        s7_partner_free(p);
        rc = CLI_NOCONN;
        goto out;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (cfg.active || njobs) {
        int r = s7_partner_wait_linked(p, (int)timeout);
        if (r < 0) {
            fprintf(stderr, "error: not linked with the partner within %ld ms%s%s\n", timeout,
                    s7_partner_reason(p)[0] ? ": " : "", s7_partner_reason(p));
            s7_partner_free(p);
            rc = CLI_NOCONN;
            goto out;
        }
        printf("linked, PDU %u\n", s7_partner_pdu(p));
        fflush(stdout);
        watch_link(p);
    }
    /* the senders, in order */
    for (int i = 0; i < njobs && !stop_flag; i++) {
        pjob *j = &jobs[i];
        if (j->kind >= 2)
            continue;
        s7_partner_status st;
        int r;
        if (j->kind == 0) {
            int64_t t0 = cli_now_ms();
            r = s7_partner_bsend(p, j->r_id, j->buf, j->len);
            if (r == 0)
                r = s7_partner_bsend_wait(p, j->r_id, (int)timeout);
            s7_partner_send_status(p, j->r_id, &st);
            if (r == 0)
                printf("BSEND R_ID %u: DONE, %zu bytes in %lld ms\n", j->r_id, j->len,
                       (long long)(cli_now_ms() - t0));
        } else {
            r = s7_partner_usend(p, j->r_id, j->buf, j->len);
            s7_partner_send_status(p, j->r_id, &st);
            if (r == 0) {
                s7_partner_run(p, 0); /* on its way */
                printf("USEND R_ID %u: DONE, %zu bytes\n", j->r_id, j->len);
            }
        }
        if (r != 0) {
            printf("%s R_ID %u: ERROR, STATUS %u (%s)%s%s\n", kind_name(j->kind), j->r_id,
                   st.status ? st.status : 1, r == S7_ERR_TIMEOUT ? "timed out" : s7_strerror(r),
                   s7_partner_reason(p)[0] ? ": " : "", s7_partner_reason(p));
            rc = CLI_FAIL;
        }
        fflush(stdout);
    }
    /* the receivers: until each has its block, or timeout */
    int64_t end = cli_now_ms() + timeout;
    if (!cfg.active && !njobs) /* a listener without jobs: each partner that links */
        any_p = p;
    while (!stop_flag && (nrecv > 0 || (njobs == 0 && (!count || any_count < any_limit)))) {
        if (nrecv > 0 && cli_now_ms() >= end)
            break;
        s7_partner_run(p, 100);
        watch_link(p);
        if (s7_partner_linked(p))
            say_linked();
        else
            link_said = 0;
        for (int i = 0; i < njobs; i++) {
            pjob *j = &jobs[i];
            s7_partner_status st;
            if (j->kind < 2 || j->finished || s7_partner_recv_status(p, j->r_id, &st) < 0)
                continue;
            if (st.ndr) {
                j->finished = 1;
                nrecv--;
                printf("%s R_ID %u: NDR, LEN %u -> %s\n", kind_name(j->kind), j->r_id, st.len,
                       j->file);
                if (write_file(j->file, j->buf, st.len) < 0)
                    rc = CLI_FAIL;
            } else if (st.error) {
                j->finished = 1;
                nrecv--;
                printf("%s R_ID %u: ERROR, STATUS %u\n", kind_name(j->kind), j->r_id, st.status);
                rc = CLI_FAIL;
            }
            fflush(stdout);
        }
    }
    for (int i = 0; i < njobs; i++)
        if (jobs[i].kind >= 2 && !jobs[i].finished) {
            printf("%s R_ID %u: ERROR, nothing received within %ld ms\n", kind_name(jobs[i].kind),
                   jobs[i].r_id, timeout);
            rc = CLI_FAIL;
        }
    /* let the last acknowledgements and USENDs leave */
    for (int i = 0; i < 20 && s7_partner_linked(p); i++)
        s7_partner_run(p, 5);
    s7_partner_free(p);
out:
    for (int i = 0; i < njobs; i++)
        free(jobs[i].buf);
    return rc;
}

int cmd_partner(cli *c)
{
    (void)c;
    return CLI_USAGE; /* never called: main() hands the arguments to cmd_partner_main */
}
