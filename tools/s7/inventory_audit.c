/* `s7 inventory audit FILE --log LOG [--cpu NAME]`: reads an audit log (the guard's or the
 * emulator's JSON lines, docs/schema/s7-audit.schema.json) and lists what the inventory
 * does not document: undocumented partners, writes where only GET is documented, accesses
 * outside the documented ranges, undocumented services; each finding with its count and
 * first and last time.  Exit 0 when everything in the log is documented, 1 when something
 * is not, 2 on a usage error or an unreadable file. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "inventory.h"
#include "s7/config.h"
#include "s7/plant.h"
#include "s7/plant_policy.h"
#include "s7/wire.h"

int inv_audit_main(int argc, char **argv);

/* One audit line's members (only what the comparison needs). */
typedef struct rec {
    char time[40], peer[80], op[24], area[16], result[160];
    long db, offset, length;
    long szl_id; /* -1: none (not an SZL read, or a continuation) */
    int has_area, has_offset;
    int no_partner; /* the guard matched no partner of its policy ("partner": "") */
} rec;

/* A flat JSON object of strings and integers (the audit record): 0 or -1. */
static int parse_line(const char *s, rec *r)
{
    memset(r, 0, sizeof *r);
    r->db = r->offset = r->length = r->szl_id = -1;
    while (isspace((unsigned char)*s))
        s++;
    if (*s++ != '{')
        return -1;
    for (;;) {
        while (isspace((unsigned char)*s))
            s++;
        if (*s == '}')
            return 0;
        if (*s++ != '"')
            return -1;
        char key[40];
        size_t k = 0;
        while (*s && *s != '"') {
            if (k + 1 < sizeof key)
                key[k++] = *s;
            s++;
        }
        key[k] = 0;
        if (*s++ != '"')
            return -1;
        while (isspace((unsigned char)*s))
            s++;
        if (*s++ != ':')
            return -1;
        while (isspace((unsigned char)*s))
            s++;
        char val[200];
        size_t v = 0;
        int is_str = 0;
        if (*s == '"') {
            is_str = 1;
            s++;
            while (*s && *s != '"') {
                if (*s == '\\' && s[1])
                    s++;
                if (v + 1 < sizeof val)
                    val[v++] = *s;
                s++;
            }
            if (*s++ != '"')
                return -1;
        } else {
            while (*s && *s != ',' && *s != '}' && !isspace((unsigned char)*s)) {
                if (v + 1 < sizeof val)
                    val[v++] = *s;
                s++;
            }
        }
        val[v] = 0;
        if (is_str) {
            if (strcmp(key, "time") == 0)
                snprintf(r->time, sizeof r->time, "%.39s", val);
            else if (strcmp(key, "peer") == 0)
                snprintf(r->peer, sizeof r->peer, "%.79s", val);
            else if (strcmp(key, "op") == 0)
                snprintf(r->op, sizeof r->op, "%.23s", val);
            else if (strcmp(key, "area") == 0) {
                snprintf(r->area, sizeof r->area, "%.15s", val);
                r->has_area = 1;
            } else if (strcmp(key, "partner") == 0) {
                r->no_partner = val[0] == 0;
            } else if (strcmp(key, "result") == 0) {
                snprintf(r->result, sizeof r->result, "%.159s", val);
            } else if (strcmp(key, "szl_id") == 0) {
                char *end;
                long id = strtol(val, &end, 16);
                if (end != val && !*end && id >= 0 && id <= 0xFFFF)
                    r->szl_id = id;
            }
        } else {
            char *end;
            long n = strtol(val, &end, 10);
            if (end != val && !*end) {
                if (strcmp(key, "db") == 0)
                    r->db = n;
                else if (strcmp(key, "offset") == 0) {
                    r->offset = n;
                    r->has_offset = 1;
                } else if (strcmp(key, "length") == 0)
                    r->length = n;
            }
        }
        while (isspace((unsigned char)*s))
            s++;
        if (*s == ',') {
            s++;
            continue;
        }
        if (*s == '}')
            return 0;
        return -1;
    }
}

/* The address of "ADDR:PORT" / "[V6]:PORT" into buf. */
static void peer_addr(const char *peer, char *buf, size_t cap)
{
    if (peer[0] == '[') {
        const char *e = strchr(peer, ']');
        snprintf(buf, cap, "%.*s", e ? (int)(e - peer - 1) : 0, peer + 1);
        return;
    }
    const char *c = strrchr(peer, ':');
    snprintf(buf, cap, "%.*s", c ? (int)(c - peer) : (int)strlen(peer), peer);
}

typedef struct finding {
    int cls;
    char who[64];  /* partner name or address */
    char what[96]; /* the op and range */
    long count;
    char first[40], last[40];
} finding;

static int area_code(const char *a, uint8_t *out)
{
    static const struct {
        const char *n;
        uint8_t a;
    } t[] = {{"DB", S7_AREA_DB}, {"I", S7_AREA_I}, {"Q", S7_AREA_Q}, {"M", S7_AREA_M},
             {"DI", S7_AREA_DI}, {"T", S7_AREA_T}, {"C", S7_AREA_C}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(a, t[i].n) == 0) {
            *out = t[i].a;
            return 0;
        }
    return -1;
}

int inv_audit_main(int argc, char **argv)
{
    const char *file = NULL, *log = NULL, *cpu = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: s7 inventory audit FILE --log LOG [--cpu NAME]\n\n"
                   "Reads the audit log LOG of s7 guard or s7 server (JSON lines) and lists "
                   "what the\ninventory FILE does not document: undocumented partners, "
                   "writes where only GET\nis documented, accesses outside the documented "
                   "ranges, undocumented services, each\nwith its count and first and last "
                   "time.  --cpu NAME: only the connections to that\nCPU.  Exit 0: all "
                   "documented, 1: findings, 2: usage error or unreadable file.\n");
            return CLI_OK;
        }
        if ((strcmp(argv[i], "--log") == 0 || strcmp(argv[i], "--cpu") == 0) && i + 1 >= argc) {
            fprintf(stderr,
                    "error: %s needs a value, e.g. %s\nusage: s7 inventory audit FILE --log "
                    "LOG [--cpu NAME]\n",
                    argv[i], strcmp(argv[i], "--log") == 0 ? "--log audit.jsonl" : "--cpu plc1");
            return CLI_USAGE;
        }
        if (strcmp(argv[i], "--log") == 0 && i + 1 < argc)
            log = argv[++i];
        else if (strcmp(argv[i], "--cpu") == 0 && i + 1 < argc)
            cpu = argv[++i];
        else if (argv[i][0] != '-' && !file)
            file = argv[i];
        else {
            fprintf(stderr,
                    "error: unexpected argument '%s'\nusage: s7 inventory audit FILE --log "
                    "LOG [--cpu NAME]\n",
                    argv[i]);
            return CLI_USAGE;
        }
    }
    if (!file || !log) {
        fprintf(stderr,
                "error: s7 inventory audit needs the inventory FILE and --log LOG (an audit "
                "log of s7 guard or s7 server)\nusage: s7 inventory audit FILE --log LOG "
                "[--cpu NAME]\n");
        return CLI_USAGE;
    }
    s7_plant *p = NULL;
    size_t nerr = 0;
    if (s7_config_load_plant_each(file, &p, inv_print_problem, &nerr)) {
        if (nerr > 1)
            fprintf(stderr, "%s: %zu problems\n", file, nerr);
        return CLI_USAGE;
    }
    if (cpu && !s7_plant_find_partner(p, cpu)) {
        char names[400];
        s7_plant_passive_names(p, names, sizeof names);
        fprintf(stderr,
                "error: --cpu %s: no such partner in %s; the CPUs its connections go to: %s\n", cpu,
                file, names);
        s7_plant_free(p);
        return CLI_USAGE;
    }
    /* only a regular file: a directory read as an empty log gave "0 records" and exit 0, a
     * FIFO blocked (O_NONBLOCK keeps the open from blocking; it is refused below) */
    int fd = open(log, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    FILE *f = NULL;
    if (fd < 0) {
        fprintf(stderr,
                "error: cannot read the audit log %s: %s: give the path of the audit log (s7 "
                "guard --audit FILE, s7 server --audit FILE)\n",
                log, strerror(errno));
        s7_plant_free(p);
        return CLI_USAGE;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0 || !(f = fdopen(fd, "r"))) {
        fprintf(stderr,
                "error: cannot read the audit log %s: it is %s: only a regular file is read (a "
                "FIFO, a device or a directory is refused): give the path of the audit log (s7 "
                "guard --audit FILE, s7 server --audit FILE)\n",
                log,
                S_ISDIR(st.st_mode)                          ? "a directory"
                : S_ISFIFO(st.st_mode)                       ? "a FIFO"
                : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                                                             : "not a regular file");
        close(fd);
        s7_plant_free(p);
        return CLI_USAGE;
    }
    finding *fs = NULL;
    size_t nf = 0;
    long lines = 0, documented = 0, bad = 0, lineno = 0;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (strspn(line, " \t\r\n") == strlen(line))
            continue;
        rec r;
        if (parse_line(line, &r) < 0 || !r.op[0]) {
            if (bad++ < 3)
                fprintf(stderr, "warning: %s:%ld: not an audit record (skipped)\n", log, lineno);
            continue;
        }
        lines++;
        char addr[64];
        peer_addr(r.peer, addr, sizeof addr);
        s7_plant_audit_rec ar;
        memset(&ar, 0, sizeof ar);
        ar.addr = addr;
        ar.op = r.op;
        uint8_t area = 0;
        if (r.has_area && r.has_offset && area_code(r.area, &area) == 0) {
            ar.has_range = 1;
            ar.area = area;
            ar.db = (uint16_t)(r.db > 0 ? r.db : 0);
            ar.offset = (uint32_t)r.offset;
            ar.length = (uint32_t)(r.length > 0 ? r.length : 1);
        }
        const s7_plant_partner *pt = NULL;
        int cls = s7_plant_audit_classify(p, cpu, &ar, &pt);
        /* a documented address whose connection the guard matched to no partner (another
         * connection type or TSAPs than the inventory's): not a documented connection */
        int odd_conn = cls == S7_PLANT_AUDIT_DOCUMENTED && strcmp(r.op, "connect") == 0 &&
                       r.no_partner && strncmp(r.result, "refused: ", 9) == 0;
        if (odd_conn)
            cls = S7_PLANT_AUDIT_UNDOC_PARTNER;
        /* an inventory documents data exchanges; of the SZL it allows what the guard gives
         * its partners by default, the identity and state lists (szl-identity): any other
         * list (diagnostic buffer, ...) is a service no exchange documents */
        if (cls == S7_PLANT_AUDIT_DOCUMENTED && strcmp(r.op, "szl") == 0 && r.szl_id >= 0 &&
            !s7_policy_szl_identity((uint16_t)r.szl_id))
            cls = S7_PLANT_AUDIT_UNDOC_SERVICE;
        if (cls == S7_PLANT_AUDIT_DOCUMENTED) {
            documented++;
            continue;
        }
        finding k;
        memset(&k, 0, sizeof k);
        k.cls = cls;
        if (pt)
            snprintf(k.who, sizeof k.who, "%.40s (%.20s)", pt->name, addr);
        else
            snprintf(k.who, sizeof k.who, "%.60s", addr);
        if (ar.has_range)
            snprintf(k.what, sizeof k.what, "%.10s %s%ld%s byte %ld..%ld", r.op,
                     area == S7_AREA_DB ? "DB" : r.area, area == S7_AREA_DB ? r.db : 0L,
                     area == S7_AREA_DB ? "" : "", r.offset, r.offset + (long)ar.length - 1);
        else if (odd_conn)
            snprintf(k.what, sizeof k.what, "connect: %.80s", r.result + 9);
        else if (r.szl_id >= 0)
            snprintf(k.what, sizeof k.what, "szl 0x%04lX", (unsigned long)r.szl_id);
        else
            snprintf(k.what, sizeof k.what, "%.20s", r.op);
        if (area != S7_AREA_DB && ar.has_range)
            snprintf(k.what, sizeof k.what, "%.10s %.4s byte %ld..%ld", r.op, r.area, r.offset,
                     r.offset + (long)ar.length - 1);
        if ((area == S7_AREA_T || area == S7_AREA_C) && ar.has_range) /* by number: T16..T17 */
            snprintf(k.what, sizeof k.what, "%.10s %s%ld..%s%ld", r.op, r.area, r.offset, r.area,
                     r.offset + (long)ar.length - 1);
        size_t i;
        for (i = 0; i < nf; i++)
            if (fs[i].cls == k.cls && strcmp(fs[i].who, k.who) == 0 &&
                strcmp(fs[i].what, k.what) == 0)
                break;
        if (i == nf) {
            finding *n = realloc(fs, (nf + 1) * sizeof *n);
            if (!n)
                break;
            fs = n;
            fs[nf] = k;
            snprintf(fs[nf].first, sizeof fs[nf].first, "%s", r.time);
            nf++;
        }
        fs[i].count++;
        snprintf(fs[i].last, sizeof fs[i].last, "%s", r.time);
    }
    int rerr = ferror(f);
    fclose(f);
    if (rerr || (lines == 0 && bad > 0)) {
        if (rerr)
            fprintf(stderr,
                    "error: cannot read the audit log %s: a read error after line %ld: nothing "
                    "of it is judged\n",
                    log, lineno);
        else
            fprintf(stderr,
                    "error: %s is not an audit log: none of its %ld (non-blank) lines is an audit "
                    "record (one "
                    "JSON object per line with time, peer, op, ...: "
                    "docs/schema/s7-audit.schema.json): give the log s7 guard --audit or s7 "
                    "server --audit writes\n",
                    log, bad);
        free(fs);
        s7_plant_free(p);
        return CLI_USAGE;
    }
    printf("%s: %ld records, %ld documented, %zu finding(s) not documented by %s%s%s\n", log, lines,
           documented, nf, file, cpu ? " for CPU " : "", cpu ? cpu : "");
    if (nf)
        printf("%-36s %-28s %-30s %6s  %-24s  %s\n", "finding", "partner", "what", "count", "first",
               "last");
    for (size_t i = 0; i < nf; i++)
        printf("%-36s %-28s %-30s %6ld  %-24s  %s\n", s7_plant_audit_class_name(fs[i].cls),
               fs[i].who, fs[i].what, fs[i].count, fs[i].first, fs[i].last);
    free(fs);
    s7_plant_free(p);
    return nf ? CLI_FAIL : CLI_OK;
}
