/* The s7 command line: option parsing, the target, connecting, and the explained error
 * reports that every subcommand shares (see common.h). */
#include "common.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "s7/plant.h"
#include "s7/server_config.h"
#include "util/clock.h"

/* ---------------------------------------------------------------- usage */

void cli_print_usage(FILE *f, const cli_cmd *cmd)
{
    fprintf(f, "usage: s7 %s %s [options]\n", cmd->name, cmd->usage);
    fprintf(f, "run 's7 help %s' for details\n", cmd->name);
}

int cli_usage_error(const cli_cmd *cmd, const char *fmt, ...)
{
    va_list ap;
    fputs("error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (cmd)
        cli_print_usage(stderr, cmd);
    return CLI_USAGE;
}

/* ---------------------------------------------------------------- numbers */

int cli_flush(FILE *f)
{
    errno = 0;
    if (fflush(f) == 0 && !ferror(f))
        return 0;
    return errno ? errno : EIO;
}

int cli_duration_unit(const char *opt, const char *v, long min_ms, long max_ms, long *ms, char *msg,
                      size_t cap)
{
    char why[200];
    if (s7_duration_parse(v, 0, min_ms, max_ms, ms, why, sizeof why) == 0)
        return 0;
    snprintf(msg, cap, "%s %s: %s", opt, v, why);
    return -1;
}

int cli_parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    long v;
    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_bytes(const char *v, long max, long *out)
{
    char *end;
    errno = 0;
    if (!v[0] || v[0] == '-' || v[0] == '+')
        return -1;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || end == v)
        return -1;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10;
    else if (*end == 'M' || *end == 'm')
        shift = 20;
    else if (*end == 'G' || *end == 'g')
        shift = 30;
    if (shift)
        end++;
    if (*end || n > ((unsigned long long)max >> shift))
        return -1;
    *out = (long)(n << shift);
    return 0;
}

/* ---------------------------------------------------------------- target */

int cli_parse_target(const char *text, char *host, size_t hostcap, uint16_t *port, char *err,
                     size_t errcap)
{
    const char *h = text, *p = NULL;
    size_t hlen;
    *port = 102;
    if (!text || !*text) {
        snprintf(err, errcap,
                 "no target: expected HOST[:PORT], e.g. 192.168.0.1 or 192.168.0.1:102");
        return -1;
    }
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close) {
            snprintf(err, errcap,
                     "target '%s': missing ']' after the IPv6 address, expected e.g. [::1]:102",
                     text);
            return -1;
        }
        h = text + 1;
        hlen = (size_t)(close - h);
        if (close[1] == ':') {
            p = close + 2;
        } else if (close[1]) {
            snprintf(err, errcap,
                     "target '%s': unexpected '%s' after ']', expected [IPv6]:PORT, e.g. [::1]:102",
                     text, close + 1);
            return -1;
        }
    } else {
        const char *colon = strchr(text, ':');
        if (colon && strchr(colon + 1, ':')) {
            hlen = strlen(text); /* bare IPv6 literal, default port */
        } else if (colon) {
            hlen = (size_t)(colon - text);
            p = colon + 1;
        } else {
            hlen = strlen(text);
        }
    }
    if (hlen == 0) {
        snprintf(err, errcap,
                 "target '%s': the host is empty, expected HOST[:PORT], e.g. 192.168.0.1:102",
                 text);
        return -1;
    }
    if (hlen >= hostcap) {
        snprintf(err, errcap, "target '%.40s...': host name too long (at most %zu characters)",
                 text, hostcap - 1);
        return -1;
    }
    memcpy(host, h, hlen);
    host[hlen] = 0;
    if (p) {
        long v;
        if (cli_parse_long(p, 1, 65535, &v) != 0) {
            snprintf(err, errcap, "port '%s' in '%s' must be a number 1..65535 (S7 uses 102)", p,
                     text);
            return -1;
        }
        *port = (uint16_t)v;
    }
    return 0;
}

/* ---------------------------------------------------------------- options */

enum {
    O_RACK,
    O_SLOT,
    O_TYPE,
    O_TSAP,
    O_PDU,
    O_TIMEOUT,
    O_JSON,
    O_TRACE,
    O_EVERY,
    O_COUNT,
    O_OUT,
    O_HELP,
    O_PUSH,
    O_ALARM8
};

typedef struct opt_def {
    const char *name;  /* long name with dashes */
    const char *alias; /* short form or NULL */
    int id;
    int has_value;
    unsigned extra; /* 0 = common option; else the CLI_X_* flag */
    const char *example;
} opt_def;

static const opt_def opts[] = {
    {"--rack", NULL, O_RACK, 1, 0, "--rack 0"},
    {"--slot", NULL, O_SLOT, 1, 0, "--slot 1"},
    {"--type", NULL, O_TYPE, 1, 0, "--type pg"},
    {"--tsap", NULL, O_TSAP, 1, 0, "--tsap 0100:0102"},
    {"--pdu", NULL, O_PDU, 1, 0, "--pdu 480"},
    {"--timeout", NULL, O_TIMEOUT, 1, 0, "--timeout 3000"},
    {"--json", NULL, O_JSON, 0, 0, NULL},
    {"--trace", NULL, O_TRACE, 0, 0, NULL},
    {"--every", NULL, O_EVERY, 1, CLI_X_EVERY, "--every 500"},
    {"--count", NULL, O_COUNT, 1, CLI_X_COUNT, "--count 10"},
    {"--output", "-o", O_OUT, 1, CLI_X_OUT, "-o db3.bin"},
    {"--help", "-h", O_HELP, 0, 0, NULL},
    {"--push", NULL, O_PUSH, 0, CLI_X_PUSH, NULL},
    {"--alarm8", NULL, O_ALARM8, 0, CLI_X_ALARM8, NULL},
};

static const opt_def *find_opt(const char *arg, size_t len)
{
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        if (strlen(opts[i].name) == len && strncmp(opts[i].name, arg, len) == 0)
            return &opts[i];
        if (opts[i].alias && strlen(opts[i].alias) == len && strncmp(opts[i].alias, arg, len) == 0)
            return &opts[i];
    }
    return NULL;
}

/* The command that owns an extra option, for the message. */
static const char *extra_owner(unsigned extra)
{
    switch (extra) {
    case CLI_X_EVERY:
    case CLI_X_COUNT: return "s7 watch";
    case CLI_X_OUT: return "s7 dump";
    case CLI_X_PUSH: return "s7 watch";
    case CLI_X_ALARM8: return "s7 alarms";
    default: return "another command";
    }
}

/* Frame tap for --trace: one hex line per frame on stderr. */
static void trace_tap(void *ctx, int outgoing, const uint8_t *frame, size_t len)
{
    (void)ctx;
    fprintf(stderr, "%s %zu:", outgoing ? ">>" : "<<", len);
    for (size_t i = 0; i < len; i++)
        fprintf(stderr, " %02x", frame[i]);
    fputc('\n', stderr);
}

/* Apply one option value; returns 0 or CLI_USAGE after printing. */
static int apply_opt(cli *c, const opt_def *o, const char *v, int *saw_rs, int *saw_tsap)
{
    const cli_cmd *cmd = c->cmd;
    long n;
    switch (o->id) {
    case O_RACK:
        if (cli_parse_long(v, 0, 7, &n))
            return cli_usage_error(
                cmd, "--rack %s: rack must be 0..7 (S7-1200/1500 and S7-300 use 0)", v);
        c->copts.rack = (uint8_t)n;
        *saw_rs = 1;
        return 0;
    case O_SLOT:
        if (cli_parse_long(v, 0, 31, &n))
            return cli_usage_error(
                cmd, "--slot %s: slot must be 0..31 (1 for S7-1200/1500, 2 for S7-300)", v);
        c->copts.slot = (uint8_t)n;
        *saw_rs = 1;
        return 0;
    case O_TYPE:
        if (strcmp(v, "pg") == 0 || strcmp(v, "PG") == 0)
            c->copts.type = S7_CONN_PG;
        else if (strcmp(v, "op") == 0 || strcmp(v, "OP") == 0)
            c->copts.type = S7_CONN_OP;
        else if (strcmp(v, "basic") == 0 || strcmp(v, "BASIC") == 0)
            c->copts.type = S7_CONN_BASIC;
        else
            return cli_usage_error(cmd, "--type %s: expected pg, op or basic", v);
        *saw_rs = 1;
        return 0;
    case O_TSAP: {
        uint16_t l, r;
        if (s7_plant_parse_tsap(v, &l, &r) < 0)
            return cli_usage_error(cmd, "--tsap %s: expected LOCAL:REMOTE in hex, e.g. 0100:0102",
                                   v);
        if (r == 0)
            return cli_usage_error(
                cmd, "--tsap %s: the remote TSAP must not be 0000, e.g. 0100:0102", v);
        c->copts.local_tsap = l;
        c->copts.remote_tsap = r;
        *saw_tsap = 1;
        return 0;
    }
    case O_PDU:
        if (cli_parse_long(v, 240, 960, &n))
            return cli_usage_error(
                cmd, "--pdu %s: PDU size must be 240..960 bytes (CPUs offer 240, 480 or 960)", v);
        c->copts.pdu_request = (uint16_t)n;
        return 0;
    case O_TIMEOUT: {
        char why[200];
        if (s7_duration_parse(v, 1, 1, 600000, &n, why, sizeof why))
            return cli_usage_error(cmd,
                                   "--timeout %s: %s (a bare number is milliseconds), e.g. "
                                   "--timeout 3000 or --timeout 3s",
                                   v, why);
        c->copts.connect_timeout_ms = (int)n;
        c->copts.request_timeout_ms = (int)n;
        return 0;
    }
    case O_EVERY: {
        char why[200];
        if (s7_duration_parse(v, 1, 10, 86400000, &n, why, sizeof why))
            return cli_usage_error(cmd,
                                   "--every %s: %s (a bare number is milliseconds), e.g. --every "
                                   "500 or --every 0.5s",
                                   v, why);
        c->every_ms = n;
        return 0;
    }
    case O_COUNT:
        if (cli_parse_long(v, 1, INT_MAX, &n))
            return cli_usage_error(cmd, "--count %s: count must be 1..%d polls, e.g. --count 10", v,
                                   INT_MAX);
        c->count = n;
        return 0;
    case O_OUT:
        if (!*v)
            return cli_usage_error(cmd, "-o: the file name is empty, e.g. -o db3.bin");
        c->out = v;
        return 0;
    default: return 0;
    }
}

int cli_parse(cli *c, const cli_cmd *cmd, int argc, char **argv)
{
    int saw_rs = 0, saw_tsap = 0, no_more_opts = 0;
    char err[400];

    memset(c, 0, sizeof *c);
    c->cmd = cmd;
    s7_client_opts_init(&c->copts);
    c->every_ms = 1000;
    c->args = calloc((size_t)argc + 1, sizeof *c->args);
    if (!c->args) {
        fprintf(stderr, "error: out of memory\n");
        return CLI_FAIL;
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!no_more_opts && strcmp(a, "--") == 0) {
            no_more_opts = 1;
            continue;
        }
        if (!no_more_opts && a[0] == '-' && a[1]) {
            const char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
            size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
            const opt_def *o = find_opt(a, nlen);
            const char *v = NULL;
            int rc;
            if (!o)
                return cli_usage_error(
                    cmd,
                    "unknown option '%.*s' (common options: --rack --slot --type "
                    "--tsap --pdu --timeout --json --trace)",
                    (int)nlen, a);
            if (o->extra && !(cmd->extras & o->extra))
                return cli_usage_error(cmd, "%s is an option of %s, not of s7 %s", o->name,
                                       extra_owner(o->extra), cmd->name);
            if (o->id == O_HELP) {
                printf("s7 %s %s [options]\n\n%s", cmd->name, cmd->usage, cmd->help);
                return CLI_HELP_SHOWN;
            }
            if (o->has_value) {
                if (eq) {
                    v = eq + 1;
                } else if (i + 1 < argc) {
                    v = argv[++i];
                } else {
                    return cli_usage_error(cmd, "%s needs a value, e.g. %s", o->name, o->example);
                }
            } else if (eq) {
                return cli_usage_error(cmd, "%s takes no value (got '%s')", o->name, eq + 1);
            }
            if (o->id == O_JSON) {
                c->json = 1;
                continue;
            }
            if (o->id == O_TRACE) {
                c->trace = 1;
                continue;
            }
            if (o->id == O_PUSH || o->id == O_ALARM8) {
                *(o->id == O_PUSH ? &c->push : &c->alarm8) = 1;
                continue;
            }
            rc = apply_opt(c, o, v, &saw_rs, &saw_tsap);
            if (rc)
                return rc;
            continue;
        }
        if (!c->target)
            c->target = a;
        else
            c->args[c->nargs++] = argv[i];
    }
    if (saw_rs && saw_tsap)
        return cli_usage_error(
            cmd, "--tsap and --rack/--slot/--type both given: the remote TSAP already "
                 "names the connection type, rack and slot; use one of them");
    if (!c->target)
        return cli_usage_error(cmd, "missing HOST (the PLC's address), e.g. s7 %s 192.168.0.1 ...",
                               cmd->name);
    if (cli_parse_target(c->target, c->host, sizeof c->host, &c->port, err, sizeof err))
        return cli_usage_error(cmd, "%s", err);
    if (c->nargs < cmd->min_args)
        return cli_usage_error(cmd, "s7 %s needs %s", cmd->name, cmd->usage);
    if (cmd->max_args >= 0 && c->nargs > cmd->max_args)
        return cli_usage_error(cmd, "unexpected argument '%s'", c->args[cmd->max_args]);
    if (c->trace) {
        c->copts.tap = trace_tap;
        c->copts.log_ctx = NULL;
    }
    return CLI_OK;
}

/* ---------------------------------------------------------------- JSON */

void cli_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

void cli_json_strn(FILE *f, const char *s)
{
    if (s && *s)
        cli_json_str(f, s);
    else
        fputs("null", f);
}

void cli_json_error(FILE *f, const cli_why *w)
{
    fputs("{\"name\": ", f);
    cli_json_str(f, w->id[0] ? w->id : "unknown");
    fputs(", \"code\": ", f);
    if (w->code[0])
        cli_json_str(f, w->code);
    else
        fputs("null", f);
    fputs(", \"message\": ", f);
    cli_json_str(f, w->what);
    fputs(", \"cause\": ", f);
    if (w->cause[0])
        cli_json_str(f, w->cause);
    else
        fputs("null", f);
    fputs(", \"fix\": ", f);
    if (w->fix[0])
        cli_json_str(f, w->fix);
    else
        fputs("null", f);
    fputs("}", f);
}

void cli_json_block_file(const char *type, unsigned number, int ok, size_t len, const char *file,
                         const cli_why *w)
{
    printf("{\"block\": \"%s%u\", \"length\": ", type, number);
    if (ok) {
        printf("%zu, \"file\": ", len);
        cli_json_str(stdout, file);
        fputs(", \"error\": null}\n", stdout);
    } else {
        fputs("null, \"file\": null, \"error\": ", stdout);
        cli_json_error(stdout, w);
        fputs("}\n", stdout);
    }
}

int cli_json_print(char *doc)
{
    if (!doc) {
        fprintf(stderr, "error: out of memory\n");
        return -1;
    }
    printf("%s\n", doc);
    free(doc);
    return 0;
}

/* ---------------------------------------------------------------- explanations */

void cli_report(const cli_why *w)
{
    fprintf(stderr, "error: %s\n", w->what);
    if (w->cause[0])
        fprintf(stderr, "  cause: %s\n", w->cause);
    if (w->fix[0])
        fprintf(stderr, "  fix: %s\n", w->fix);
}

static void set(char *dst, size_t cap, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void set(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, cap, fmt, ap);
    va_end(ap);
}

/* "rack 0 slot 1 (PG), TSAPs 0100:0101" or "TSAPs 0100:0200". */
static void conn_desc(const cli *c, s7_client *s, char *buf, size_t cap)
{
    static const char *tn[] = {"?", "PG", "OP", "S7 basic"};
    uint16_t l = 0, r = 0;
    if (s)
        s7_client_tsaps(s, &l, &r);
    if (!r) {
        l = c->copts.remote_tsap ? c->copts.local_tsap : 0x0100;
        r = c->copts.remote_tsap
                ? c->copts.remote_tsap
                : s7_tsap_make((uint8_t)c->copts.type, c->copts.rack, c->copts.slot);
    }
    if (c->copts.remote_tsap)
        snprintf(buf, cap, "TSAPs %04X:%04X", l, r);
    else
        snprintf(buf, cap, "rack %u slot %u, type %s, TSAPs %04X:%04X", c->copts.rack,
                 c->copts.slot, (unsigned)c->copts.type <= 3 ? tn[c->copts.type] : "?", l, r);
}

void cli_why_err(const cli *c, s7_client *s, int err, const char *action, cli_why *w)
{
    char cd[128];
    unsigned port = c->port;
    int tmo = c->copts.connect_timeout_ms;
    memset(w, 0, sizeof *w);
    w->name = s7_err_name(err);
    snprintf(w->id, sizeof w->id, "%s", s7_err_id(err));
    switch (err) {
    case S7_ERR_RESOLVE:
        if (s7_host_check(c->host, w->what, sizeof w->what) == 0)
            set(w->what, sizeof w->what, "cannot resolve host '%s'", c->host);
        break;
    case S7_ERR_UNREACH:
        /* EHOSTUNREACH/ENETUNREACH: this machine's routing, or an ICMP unreachable for the
         * SYN from a router (a host that is off) or a firewall (admin-prohibited): the
         * kernel's "no route to host" names only the first */
        set(w->what, sizeof w->what,
            "%s port %u unreachable: no route from this machine, or an ICMP unreachable (host "
            "down, or a firewall's administratively prohibited) answered the connection",
            c->host, port);
        break;
    case S7_ERR_REFUSED:
        /* ECONNREFUSED: a TCP RST, or an ICMP port unreachable (iptables REJECT's default) */
        set(w->what, sizeof w->what,
            "connection to %s port %u refused (TCP reset or ICMP port unreachable)", c->host, port);
        break;
    case S7_ERR_CONNECT_TIMEOUT:
        set(w->what, sizeof w->what,
            "no answer from %s port %u within %d ms (TCP connect timed out)", c->host, port, tmo);
        break;
    case S7_ERR_CR_REJECTED:
        conn_desc(c, s, cd, sizeof cd);
        set(w->what, sizeof w->what,
            "the CPU refused the connection request (TCP accepted, closed after the COTP CR; %s)",
            cd);
        break;
    case S7_ERR_NEGOTIATION:
        set(w->what, sizeof w->what, "S7 setup communication with %s failed", c->host);
        break;
    case S7_ERR_TIMEOUT:
        set(w->what, sizeof w->what, "no reply to the %s within %d ms", action,
            c->copts.request_timeout_ms);
        break;
    case S7_ERR_CLOSED:
        set(w->what, sizeof w->what, "the connection was closed by %s during the %s", c->host,
            action);
        break;
    case S7_ERR_IO: set(w->what, sizeof w->what, "socket error talking to %s", c->host); break;
    case S7_ERR_NOTCONN: set(w->what, sizeof w->what, "not connected"); break;
    case S7_ERR_TPKT:
    case S7_ERR_COTP:
    case S7_ERR_S7HDR:
    case S7_ERR_PARAM:
    case S7_ERR_PDUREF:
    case S7_ERR_PROTO:
        if (s && s7_client_peer_problem(s)[0])
            set(w->what, sizeof w->what,
                "%s answered the %s with a reply that does not conform to the request: %s", c->host,
                action, s7_client_peer_problem(s));
        else
            set(w->what, sizeof w->what, "%s answered the %s with a malformed reply: %s", c->host,
                action, s7_strerror(err));
        break;
    case S7_ERR_PLC: {
        const s7_explain *e = s ? s7_client_last_error(s) : NULL;
        if (!e || !e->code) {
            set(w->what, sizeof w->what, "the CPU refused the %s", action);
            break;
        }
        w->name = e->name;
        s7_explain_id(e, w->id, sizeof w->id);
        snprintf(w->code, sizeof w->code, "0x%04X", e->code);
        if (e->kind == S7_EX_HEADER && e->code == 0x8104 &&
            strcmp(e->name, "PUT_GET_NOT_PERMITTED") == 0) /* a Read/Write Var refused */
            set(w->what, sizeof w->what,
                "the CPU refused the %s: PUT/GET access is not permitted (PLC error 0x8104 %s: %s)",
                action, e->name, e->text);
        else if (e->code == 0x8500)
            set(w->what, sizeof w->what,
                "the CPU refused the %s: larger than the negotiated PDU size (PLC error 0x8500 %s: "
                "%s)",
                action, e->name, e->text);
        else
            set(w->what, sizeof w->what, "the CPU refused the %s: PLC error 0x%04X %s (%s)", action,
                e->code, e->name, e->text);
        set(w->cause, sizeof w->cause, "%s", e->cause[0] ? e->cause : "not known for this code");
        set(w->fix, sizeof w->fix, "%s", e->fix);
        break;
    }
    default: set(w->what, sizeof w->what, "%s failed: %s", action, s7_strerror(err)); break;
    }
    if (err != S7_ERR_PLC) {
        /* the cause and the fix of a library error: one wording, the library's */
        s7_err_ctx ex = {.host = c->host,
                         .port = (uint16_t)port,
                         .timeout_ms = err == S7_ERR_TIMEOUT ? c->copts.request_timeout_ms : tmo};
        s7_err_explain(err, &ex, w->cause, sizeof w->cause, w->fix, sizeof w->fix);
    }
}

/* Cached DB length lookups (one per DB per run): ret < 0 is the error, code the PLC code. */
typedef struct db_len_cache {
    uint16_t db;
    int ret;
    uint32_t len;
    uint16_t code;
} db_len_cache;
static db_len_cache dbl[16];
static int ndbl;

static const db_len_cache *db_length(s7_client *s, uint16_t db)
{
    for (int i = 0; i < ndbl; i++)
        if (dbl[i].db == db)
            return &dbl[i];
    db_len_cache e = {db, 0, 0, 0};
    e.ret = s7_client_db_length(s, db, &e.len);
    if (e.ret < 0) {
        const s7_explain *x = s7_client_last_error(s);
        e.code = x ? x->code : 0;
    }
    if (ndbl < (int)(sizeof dbl / sizeof dbl[0])) {
        dbl[ndbl] = e;
        return &dbl[ndbl++];
    }
    dbl[0] = e;
    return &dbl[0];
}

void cli_why_item(const cli *c, s7_client *s, const s7_tag *t, const s7_item *it, cli_why *w)
{
    char addr[96];
    const s7_explain *e;
    uint32_t need_end = t->byte + (s7_tag_size(t) ? s7_tag_size(t) : 1);
    (void)c;
    memset(w, 0, sizeof *w);
    cli_tag_text(t, addr, sizeof addr);
    s7_item_status_id(it->status, it->rc, w->id, sizeof w->id);
    if (it->status != S7_ERR_ITEM) {
        w->name = s7_err_name(it->status);
        set(w->what, sizeof w->what, "%s: %s", addr, s7_strerror(it->status));
        if (it->status == S7_ERR_TOOBIG) {
            set(w->cause, sizeof w->cause, "the item does not fit the negotiated PDU");
            set(w->fix, sizeof w->fix, "read it in smaller parts");
        }
        return;
    }
    e = s7_explain_code(S7_EX_ITEM, it->rc);
    w->name = e->name;
    snprintf(w->code, sizeof w->code, "0x%02X", it->rc);
    set(w->what, sizeof w->what, "%s: %s (item return code 0x%02X %s)", addr, e->text, it->rc,
        e->name);
    set(w->cause, sizeof w->cause, "%s", e->cause);
    set(w->fix, sizeof w->fix, "%s", e->fix);

    if (it->rc == S7_RC_NOT_FOUND) {
        s7_item_explain(it->rc, t->area, t->db, 0, w->cause, sizeof w->cause, w->fix,
                        sizeof w->fix);
    } else if (it->rc == S7_RC_ADDR_OUT_OF_RANGE) {
        if ((t->area == S7_AREA_DB || t->area == S7_AREA_DI) && s && s7_client_connected(s)) {
            const db_len_cache *d = db_length(s, t->db);
            if (d && d->ret >= 0 && d->len > 0 && need_end > d->len) {
                set(w->cause, sizeof w->cause,
                    "DB%u is shorter than requested: it is %u bytes long, %s needs bytes %u..%u",
                    t->db, d->len, addr, t->byte, need_end - 1);
                set(w->fix, sizeof w->fix,
                    "address DB%u.DBB0..DBB%u only, or make DB%u longer in the project and "
                    "download it",
                    t->db, d->len - 1, t->db);
            } else if (d && d->ret >= 0 && d->len > 0) {
                set(w->cause, sizeof w->cause,
                    "DB%u is %u bytes long and %s lies inside it; the CPU rejects the access "
                    "itself "
                    "(misaligned address or unsupported type)",
                    t->db, d->len, addr);
                set(w->fix, sizeof w->fix, "read the bytes instead (e.g. DB%u.DBB%u:BYTE[%u])",
                    t->db, t->byte, need_end - t->byte);
            } else if (d && d->ret == S7_ERR_ITEM && d->code == S7_RC_ADDR_OUT_OF_RANGE) {
                s7_item_explain(it->rc, t->area, t->db, S7_ITEM_EX_OFFSET0, w->cause,
                                sizeof w->cause, w->fix, sizeof w->fix);
            } else if (t->byte == 0) {
                set(w->cause, sizeof w->cause,
                    "DB%u rejects an access at offset 0: it has optimized block access, or it is "
                    "shorter than the %u bytes requested",
                    t->db, need_end);
                set(w->fix, sizeof w->fix,
                    "for an optimized DB untick \"Optimized block access\" in DB%u's properties, "
                    "compile and download the DB; otherwise read fewer bytes",
                    t->db);
            } else {
                set(w->cause, sizeof w->cause,
                    "DB%u is shorter than requested (%s needs bytes %u..%u; the CPU did not tell "
                    "the DB's length)",
                    t->db, addr, t->byte, need_end - 1);
                set(w->fix, sizeof w->fix,
                    "address only bytes inside DB%u (s7 dump shows its length), or make DB%u "
                    "longer "
                    "in the project and download it",
                    t->db, t->db);
            }
        } else if (t->area != S7_AREA_DB && t->area != S7_AREA_DI) {
            set(w->cause, sizeof w->cause, "%s ends before %s on this CPU", s7_area_text(t->area),
                addr);
            set(w->fix, sizeof w->fix, "use an address inside the CPU's %s",
                s7_area_text(t->area) + 4);
        }
    }
}

/* ---------------------------------------------------------------- connect */

s7_client *cli_connect(cli *c, int *rc)
{
    s7_client *s = s7_client_new(&c->copts);
    int err;
    if (!s) {
        fprintf(stderr, "error: out of memory\n");
        *rc = CLI_FAIL;
        return NULL;
    }
    err = s7_client_connect(s, c->host, c->port);
    if (err < 0) {
        cli_why w;
        cli_why_err(c, s, err, "connection", &w);
        cli_report(&w);
        if (c->json) {
            fputs("{\"error\": ", stdout);
            cli_json_error(stdout, &w);
            fputs("}\n", stdout);
        }
        s7_client_free(s);
        *rc = CLI_NOCONN;
        return NULL;
    }
    *rc = CLI_OK;
    return s;
}

/* ---------------------------------------------------------------- tags and values */

int cli_parse_tag(const cli *c, const char *text, s7_tag *t)
{
    char err[256] = "";
    int r = s7_tag_parse(text, t, err, sizeof err);
    (void)c;
    if (r < 0) {
        fprintf(stderr, "error: bad address '%s': %s\n", text, err[0] ? err : s7_strerror(r));
        return -1;
    }
    return 0;
}

int cli_parse_tags(const cli *c, s7_tag *tags)
{
    int bad = 0;
    for (int i = 0; i < c->nargs; i++)
        if (cli_parse_tag(c, c->args[i], &tags[i]))
            bad++;
    if (!bad)
        return CLI_OK;
    cli_print_usage(stderr, c->cmd);
    return CLI_USAGE;
}

static void print_item(const cli *c, s7_client *s, const s7_tag *t, const s7_item *it,
                       const uint8_t *buf, const char *suffix, int last)
{
    if (c->json) {
        cli_json_item(c, s, t, it, buf, NULL, last);
    } else if (it->status == 0) {
        char addr[96];
        char *v = cli_value_text(t, buf, s7_tag_wire_size(t), 0);
        printf("%s = %s%s\n", cli_tag_text(t, addr, sizeof addr), v ? v : "?", suffix);
        free(v);
    } else {
        cli_why w;
        fflush(stdout);
        cli_why_item(c, s, t, it, &w);
        cli_report(&w);
    }
}

int cli_print_items(const cli *c, s7_client *s, const s7_tag *tags, const s7_item *items,
                    uint8_t *const *bufs, int n, const char *suffix)
{
    int rc = CLI_OK;
    if (c->json)
        fputs("[\n", stdout);
    for (int i = 0; i < n; i++) {
        if (items[i].status != 0)
            rc = CLI_FAIL;
        print_item(c, s, &tags[i], &items[i], bufs[i], suffix, i == n - 1);
    }
    if (c->json)
        fputs("]\n", stdout);
    return rc;
}

const char *cli_tag_text(const s7_tag *t, char *buf, size_t cap)
{
    if (s7_tag_format(t, buf, cap) < 0 && cap)
        snprintf(buf, cap, "?");
    return buf;
}

const char *cli_type_text(const s7_tag *t, char *buf, size_t cap)
{
    const char *n = s7_type_name(t->type);
    if (!n)
        n = "?";
    if (t->type == S7_T_STRING || t->type == S7_T_WSTRING)
        snprintf(buf, cap, "%s[%u]", n, t->strlen);
    else
        snprintf(buf, cap, "%s", n);
    if (t->array || t->count > 1) {
        size_t l = strlen(buf);
        if (l < cap)
            snprintf(buf + l, cap - l, "[%u]", t->count);
    }
    return buf;
}

char *cli_value_text(const s7_tag *t, const uint8_t *wire, size_t len, int json)
{
    size_t cap = 256;
    for (;;) {
        char *buf = malloc(cap);
        int n;
        if (!buf)
            return NULL;
        n = s7_value_format(t, wire, len, json, buf, cap);
        if (n < 0) {
            snprintf(buf, cap, "%s", json ? "null" : "?");
            return buf;
        }
        if ((size_t)n < cap)
            return buf;
        free(buf);
        cap = (size_t)n + 1;
    }
}

/* ---------------------------------------------------------------- time */

int64_t cli_now_ms(void) { return s7__mono_ms(); }

const char *cli_area_name(uint8_t area, char *buf, size_t cap)
{
    const char *t = s7_server_area_text(area);
    if (strcmp(t, "area") != 0)
        return t;
    snprintf(buf, cap, "area 0x%02X", area); /* the bare "area": "no area area" */
    return buf;
}

void cli_sleep_ms(long ms)
{
    struct timespec ts;
    if (ms <= 0)
        return;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

const char *cli_clock_text(int64_t ms, char *buf, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(buf, cap, "%H:%M:%S", &tm);
    return buf;
}

const char *cli_iso_text(int64_t ms, char *buf, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t l = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + l, cap - l, ".%03dZ", (int)(ms % 1000));
    return buf;
}

void cli_log_line(int level, const char *msg)
{
    char when[40];
    fprintf(stderr, "%s %s%s\n", cli_iso_text(s7__wall_ms(), when, sizeof when),
            level == S7_LOG_ERROR  ? "error: "
            : level == S7_LOG_WARN ? "warning: "
                                   : "",
            msg);
}

void cli_free(cli *c)
{
    free(c->args);
    c->args = NULL;
}

/* One JSON object for an item of read/write output. */
void cli_json_item(const cli *c, s7_client *s, const s7_tag *t, const s7_item *it,
                   const uint8_t *buf, const cli_why *all, int last)
{
    char addr[96], type[48];
    fputs("  {\"address\": ", stdout);
    cli_json_str(stdout, cli_tag_text(t, addr, sizeof addr));
    fputs(", \"type\": ", stdout);
    cli_json_str(stdout, cli_type_text(t, type, sizeof type));
    if (!all && it->status == 0) {
        char *v = cli_value_text(t, buf, s7_tag_wire_size(t), 1);
        printf(", \"value\": %s, \"status\": \"ok\", \"error\": null}", v ? v : "null");
        free(v);
    } else {
        cli_why w;
        if (all)
            w = *all;
        else
            cli_why_item(c, s, t, it, &w);
        fputs(", \"value\": null, \"status\": ", stdout);
        cli_json_str(stdout, w.id[0] ? w.id : "unknown");
        fputs(", \"error\": ", stdout);
        cli_json_error(stdout, &w);
        fputs("}", stdout);
    }
    fputs(last ? "\n" : ",\n", stdout);
}
