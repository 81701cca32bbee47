/* s7config: the YAML reading layer of the two YAML loaders (yaml.h).  libfyaml does the
 * parsing; s7config links it, never libs7. */
#include "config/yaml.h"
#include "config/yaml_limits.h"
#include "util/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int s7__yaml_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

/* A malloc'd copy of the n characters at s, NUL-terminated; NULL when out of memory. */
static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

char *s7__yaml_strdup(const char *s) { return dup_n(s, strlen(s)); }

/* ---------------------------------------------------------------- the file */

/* libfyaml's diagnostics are collected, never printed. */
static void diag_discard(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag;
    (void)user;
    (void)buf;
    (void)len;
}

/* The whole file into a malloc'd, NUL-terminated buffer (*len bytes before the terminator).
 * 0, or -1 with the message set. */
static int read_whole(yaml_cx *y, const char *what, char **out, size_t *len)
{
    const char *path = y->file;
    /* O_NONBLOCK: a FIFO given as the file must not block the open; it is refused below */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        const char *fix = e == ENOENT || e == ENOTDIR
                              ? (y->json ? ": give the path of an existing JSON file (a relative "
                                           "path starts from the current directory)"
                                         : ": give the path of an existing YAML file (a relative "
                                           "path starts from the current directory)")
                          : e == EACCES || e == EPERM
                              ? ": make it readable for the user this runs as (chmod, chown), or "
                                "run as a user that may read it"
                          : e == ELOOP
                              ? ": a symbolic link on the path loops (it leads back to itself): "
                                "give the path of the file itself, or mend the link (ls -l shows "
                                "where each one points)"
                              : "";
        return s7__errf(y->err, y->cap, "cannot read %s %s: %s%s", what, path, strerror(e), fix);
    }
    struct stat st;
    FILE *f = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0 || !(f = fdopen(fd, "rb"))) {
        if (f)
            fclose(f);
        else
            close(fd);
        return s7__errf(y->err, y->cap,
                        "cannot read %s %s: not a regular file (a FIFO, device or directory "
                        "is not read): give the path of a %s file",
                        what, path, y->json ? "JSON" : "YAML");
    }
    if ((unsigned long long)st.st_size > YAML_MAX_FILE) {
        fclose(f);
        return s7__errf(y->err, y->cap, "cannot read %s %s: %lld bytes is larger than %u MiB", what,
                        path, (long long)st.st_size, YAML_MAX_FILE >> 20);
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 2);
    if (!buf) {
        fclose(f);
        return s7__errf(y->err, y->cap, "out of memory");
    }
    /* one byte more than its size: a file that grew while being read is refused, not cut */
    size_t n = fread(buf, 1, size + 1, f);
    int bad = ferror(f) || n != size;
    fclose(f);
    if (bad) {
        free(buf);
        return s7__errf(y->err, y->cap,
                        "cannot read %s %s: read error, or the file changed while it was read "
                        "(nothing of it is used)",
                        what, path);
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    return 0;
}

/* 1-based line of byte offset off in text. */
static int line_at(const char *text, size_t off)
{
    int line = 1;
    for (size_t i = 0; i < off; i++)
        if (text[i] == '\n')
            line++;
    return line;
}

/* Offset of the first byte of u[0..n) that does not belong to a well-formed UTF-8
 * sequence (overlong forms, surrogates and code points past U+10FFFF included), or n. */
static size_t utf8_bad(const unsigned char *u, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = u[i];
        size_t k;
        unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            lo = c == 0xE0 ? 0xA0 : 0x80;
            hi = c == 0xED ? 0x9F : 0xBF;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            lo = c == 0xF0 ? 0x90 : 0x80;
            hi = c == 0xF4 ? 0x8F : 0xBF;
        } else {
            return i;
        }
        if (n - i <= k || u[i + 1] < lo || u[i + 1] > hi)
            return i;
        for (size_t j = 2; j <= k; j++)
            if (u[i + j] < 0x80 || u[i + j] > 0xBF)
                return i;
        i += k + 1;
    }
    return n;
}

/* The encoding and NUL checks of the raw bytes.  0, or -1 with the message set. */
static int check_text(yaml_cx *y, const char *t, size_t n)
{
    const unsigned char *u = (const unsigned char *)t;
    const char *enc = NULL;
    if (n >= 4 && u[0] == 0 && u[1] == 0 && u[2] == 0xFE && u[3] == 0xFF)
        enc = "UTF-32 (big endian)";
    else if (n >= 4 && u[0] == 0xFF && u[1] == 0xFE && u[2] == 0 && u[3] == 0)
        enc = "UTF-32 (little endian)";
    else if (n >= 2 && u[0] == 0xFE && u[1] == 0xFF)
        enc = "UTF-16 (big endian)";
    else if (n >= 2 && u[0] == 0xFF && u[1] == 0xFE)
        enc = "UTF-16 (little endian)";
    if (enc)
        return s7__yaml_err_line(
            y, 1,
            "the file is encoded as %s (its byte order mark says so): save it as "
            "UTF-8 (in Notepad: Save as, Encoding UTF-8)",
            enc);
    const char *nul = memchr(t, 0, n);
    if (nul) {
        size_t off = (size_t)(nul - t);
        if (off < 4 && n >= 2 && (u[0] == 0 || u[1] == 0))
            return s7__yaml_err_line(y, 1,
                                     "the file holds NUL bytes from its start: it looks UTF-16 or "
                                     "UTF-32 encoded without a byte order mark; save it as UTF-8");
        return s7__yaml_err_line(y, line_at(t, off),
                                 "a NUL byte in the file (byte %zu): a %s file is text and nothing "
                                 "after it would be read; remove it (the file may be damaged)",
                                 off, y->json ? "JSON" : "YAML");
    }
    /* libfyaml takes its input as UTF-8 and is not to be given anything else: older versions
     * (0.7.12, Debian 12) loop forever on a directive line holding a malformed sequence
     * ("%\xFF", libfyaml issue #101) */
    size_t bad = utf8_bad(u, n);
    if (bad < n)
        return s7__yaml_err_line(y, line_at(t, bad),
                                 "byte %zu (0x%02X) is not UTF-8: the file is in another encoding "
                                 "(Latin-1, Windows-1252?) or damaged; save it as UTF-8",
                                 bad, u[bad]);
    return 0;
}

/* The line of the second document's start ("---"), for the message: the first line at or
 * after from that starts a document, else from. */
static int second_doc_line(const char *t, int from)
{
    int line = 1;
    int seen_content = 0;
    for (const char *p = t; *p; line++) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len >= 3 && strncmp(p, "---", 3) == 0 && (len == 3 || p[3] == ' ' || p[3] == '\r')) {
            if (seen_content && line >= from)
                return line;
        } else if (len > 0 && p[0] != '#' && p[0] != '%') {
            seen_content = 1;
        }
        if (!e)
            break;
        p = e + 1;
    }
    return from;
}

/* 1 when text holds anything but blank lines, comments, directives and document markers:
 * a file libfyaml finds no document in is empty only then. */
static int has_content(const char *text)
{
    for (const char *p = text; *p;) {
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        int marker = (strncmp(p, "---", 3) == 0 || strncmp(p, "...", 3) == 0) &&
                     (!p[3] || strchr(" \t\r\n", p[3]));
        if (*p && *p != '\n' && *p != '#' && *p != '%' && !marker)
            return 1;
        const char *e = strchr(p, '\n');
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

/* The message for libfyaml failing without an error of its own (it says nothing when
 * memory runs out): what failed and why, when errno tells. */
static void parser_failed(yaml_cx *y, const char *doing, size_t len)
{
    if (errno == ENOMEM)
        s7__errf(y->err, y->cap,
                 "%s: out of memory while %s (%zu bytes): nothing of it is used; give the "
                 "process more memory (ulimit -v, the service's MemoryMax) or make the file "
                 "smaller",
                 y->file, doing, len);
    else
        s7__errf(y->err, y->cap,
                 "%s: the YAML reader failed while %s without saying why%s%s (out of memory?): "
                 "nothing of it is used",
                 y->file, doing, errno ? ": " : "", errno ? strerror(errno) : "");
}

/* "FILE:L:C: not valid YAML|JSON: what libfyaml said" into y->err.  libfyaml's collected
 * error has its line and column counted from 1 already (its token marks count from 0). */
static void syntax_err(yaml_cx *y, const struct fy_diag_error *e, const char *text, size_t len)
{
    char key[80] = "";
    if (e->msg && strcmp(e->msg, "duplicate key") == 0 && e->line > 0 && e->column > 0) {
        /* name the key: the text at the error's line and column, up to its ':' */
        const char *p = text, *end = text + len;
        for (int l = 1; l < e->line && p < end; p++)
            l += *p == '\n';
        p += e->column - 1;
        size_t k = 0;
        while (p < end && *p != ':' && *p != '\n' && k + 1 < sizeof key)
            key[k++] = *p++;
        while (k && (key[k - 1] == ' ' || key[k - 1] == '\t'))
            k--;
        key[k] = 0;
    }
    if (key[0])
        s7__errf(y->err, y->cap,
                 "%s:%d:%d: not valid %s: duplicate key '%s': give each key once in a mapping",
                 y->file, e->line, e->column, y->json ? "JSON" : "YAML", key);
    else
        s7__errf(y->err, y->cap, "%s:%d:%d: not valid %s: %s", y->file, e->line > 0 ? e->line : 1,
                 e->column > 0 ? e->column : 1, y->json ? "JSON" : "YAML",
                 e->msg ? e->msg : "syntax error");
}

struct fy_node *s7__yaml_open(yaml_cx *y, const char *what, const char *expect)
{
    const char *path = y->file;
    y->diag = NULL;
    y->doc = NULL;
    y->parser = NULL;
    y->text = NULL;
    char *text = NULL;
    size_t len = 0;
    if (read_whole(y, what, &text, &len))
        return NULL;
    if (check_text(y, text, len)) {
        free(text);
        return NULL;
    }
    /* before libfyaml sees it: it builds every token of a deep flow collection first */
    int deep = s7__yaml_depth_over(text, len);
    if (deep) {
        s7__yaml_err_line(y, deep,
                          "lists and mappings nest deeper than %d levels here: the YAML reader "
                          "takes no more (a damaged or generated file?); nest them less deep",
                          YAML_MAX_DEPTH);
        free(text);
        return NULL;
    }

    struct fy_diag_cfg dc;
    fy_diag_cfg_default(&dc);
    dc.fp = NULL;
    dc.output_fn = diag_discard;
    dc.level = FYET_ERROR;
    struct fy_diag *diag = fy_diag_create(&dc);
    if (!diag) {
        free(text);
        s7__errf(y->err, y->cap, "out of memory");
        return NULL;
    }
    fy_diag_set_collect_errors(diag, true);
    struct fy_parse_cfg pc;
    memset(&pc, 0, sizeof pc);
    /* aliases resolve as YAML defines them (`rack: *p` takes the value anchored as &p), once
     * s7__yaml_alias_check has counted what they expand to: not while the document is loaded */
    pc.flags = FYPCF_QUIET | (y->json ? FYPCF_JSON_FORCE : FYPCF_JSON_NONE);
    pc.diag = diag;
    struct fy_parser *fyp = fy_parser_create(&pc);
    if (!fyp || fy_parser_set_string(fyp, text, len) != 0) {
        if (fyp)
            fy_parser_destroy(fyp);
        fy_diag_destroy(diag);
        free(text);
        s7__errf(y->err, y->cap, "out of memory");
        return NULL;
    }
    errno = 0;
    struct fy_document *doc = fy_parse_load_document(fyp);
    struct fy_node *root = NULL;
    void *it = NULL;
    struct fy_diag_error *e = fy_diag_errors_iterate(diag, &it);
    if (!doc || e) {
        if (e)
            syntax_err(y, e, text, len);
        else if (has_content(text))
            parser_failed(y, "parsing it", len);
        else
            s7__errf(y->err, y->cap, "%s: no YAML document in it (empty?): expected %s", path,
                     expect);
    } else if (!(root = fy_document_root(doc))) {
        s7__errf(y->err, y->cap, "%s: the file is empty: expected %s", path, expect);
    } else {
        /* one file, one document: a second one would be ignored without a word */
        struct fy_document *doc2 = fy_parse_load_document(fyp);
        it = NULL;
        e = fy_diag_errors_iterate(diag, &it);
        if (doc2 || e) {
            int line = 0;
            if (doc2) {
                line = s7__yaml_line(fy_document_root(doc2));
                fy_parse_document_destroy(fyp, doc2);
            }
            if (e && !doc2)
                syntax_err(y, e, text, len);
            else
                s7__yaml_err_line(
                    y, second_doc_line(text, line > 1 ? line - 1 : 1),
                    "a second YAML document (after '---'): the file must hold one "
                    "document only, the rest would be ignored; remove the '---' line and "
                    "merge what follows into the first");
            root = NULL;
        } else if (s7__yaml_alias_check(y, doc)) {
            root = NULL;
        } else {
            errno = 0;
            int bad = fy_document_resolve(doc) != 0;
            it = NULL;
            e = fy_diag_errors_iterate(diag, &it);
            if (bad || e) {
                if (e)
                    syntax_err(y, e, text, len);
                else
                    parser_failed(y, "resolving its aliases", len);
            } else {
                y->diag = diag;
                y->doc = doc;
                y->parser = fyp;
                y->text = text;
                return root;
            }
            root = NULL;
        }
    }
    if (doc)
        fy_parse_document_destroy(fyp, doc);
    fy_parser_destroy(fyp);
    fy_diag_destroy(diag);
    free(text);
    return NULL;
}

void s7__yaml_close(yaml_cx *y)
{
    if (y->doc)
        fy_parse_document_destroy(y->parser, y->doc);
    if (y->parser)
        fy_parser_destroy(y->parser);
    if (y->diag)
        fy_diag_destroy(y->diag);
    free(y->text);
    y->doc = NULL;
    y->parser = NULL;
    y->diag = NULL;
    y->text = NULL;
}

/* ---------------------------------------------------------------- errors */

/* The line of the key whose value is n (an empty [] or {} has no token of its own). */
static int key_line(struct fy_node *n)
{
    struct fy_node *up = n ? fy_node_get_parent(n) : NULL;
    if (!up || !fy_node_is_mapping(up))
        return 0;
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(up, &it)))
        if (fy_node_pair_value(p) == n)
            return s7__yaml_line(fy_node_pair_key(p));
    return 0;
}

int s7__yaml_line(struct fy_node *n)
{
    struct fy_node *at = n;
    int line = 0;
    for (int depth = 0; n && depth < 8 && !line; depth++) {
        if (fy_node_is_scalar(n)) {
            struct fy_token *t = fy_node_get_scalar_token(n);
            const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
            line = m ? m->line + 1 : 0;
            break;
        }
        void *it = NULL;
        if (fy_node_is_mapping(n)) {
            struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
            n = p ? fy_node_pair_key(p) : NULL;
        } else if (fy_node_is_sequence(n)) {
            n = fy_node_sequence_iterate(n, &it);
        } else {
            break;
        }
    }
    return line ? line : key_line(at);
}

/* The message of fmt/ap cut to the loader's y->msg_cap, then "FILE:LINE: " in front. */
static int verr_line(yaml_cx *y, int line, const char *fmt, va_list ap)
{
    char msg[700];
    if (!line)
        line = y->line0;
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (y->msg_cap && y->msg_cap < sizeof msg)
        msg[y->msg_cap - 1] = 0;
    if (line)
        snprintf(y->err, y->cap, "%s:%d: %s", y->file, line, msg);
    else
        snprintf(y->err, y->cap, "%s: %s", y->file, msg);
    return -1;
}

int s7__yaml_err_line(yaml_cx *y, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr_line(y, line, fmt, ap);
    va_end(ap);
    return -1;
}

int s7__yaml_err(yaml_cx *y, struct fy_node *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr_line(y, s7__yaml_line(at), fmt, ap);
    va_end(ap);
    return -1;
}

int s7__yaml_oom(yaml_cx *y) { return s7__yaml_err_line(y, 0, "out of memory"); }

/* ---------------------------------------------------------------- values */

int s7__yaml_is_null(struct fy_node *v)
{
    if (!v)
        return 1;
    if (!fy_node_is_scalar(v))
        return 0;
    size_t n;
    const char *s = fy_node_get_scalar(v, &n);
    return fy_node_is_null(v) || !s || n == 0 ||
           (fy_node_get_style(v) == FYNS_PLAIN &&
            ((n == 1 && s[0] == '~') || (n == 4 && strncmp(s, "null", 4) == 0)));
}

/* The text of scalar v in *s (not NUL-terminated, owned by the document) and its length in
 * *n, checked as s7__yaml_scalar says (a text of cap characters or more is too long).  0 or -1. */
static int scalar_text(yaml_cx *y, struct fy_node *v, const char *key, size_t cap, const char **s,
                       size_t *n)
{
    if (!v || !fy_node_is_scalar(v))
        return s7__yaml_err(y, v, "%s: expected a single value, got %s", key,
                            v && fy_node_is_mapping(v) ? "a mapping" : "a list");
    *s = fy_node_get_scalar(v, n);
    if (!*s)
        *s = "";
    if (*n >= cap)
        return s7__yaml_err(y, v, "%s: value too long (%zu characters, at most %zu)", key, *n,
                            cap - 1);
    if (!y->nul_ok && memchr(*s, 0, *n))
        return s7__yaml_err(y, v, "%s: the value contains a NUL character", key);
    return 0;
}

int s7__yaml_scalar(yaml_cx *y, struct fy_node *v, const char *key, char *buf, size_t cap)
{
    const char *s = NULL;
    size_t n = 0;
    if (scalar_text(y, v, key, cap, &s, &n))
        return -1;
    memcpy(buf, s, n);
    buf[n] = 0;
    return 0;
}

int s7__yaml_get_long(yaml_cx *y, struct fy_node *v, const char *key, long min, long max,
                      const char *example, long *out)
{
    char s[64];
    if (s7__yaml_scalar(y, v, key, s, sizeof s))
        return -1;
    if ((y->num ? y->num : s7__parse_dec)(s, min, max, out))
        return s7__yaml_err(y, v, "%s: '%s' must be a number %ld..%ld, e.g. %s", key, s, min, max,
                            example);
    return 0;
}

int s7__yaml_get_str(yaml_cx *y, struct fy_node *v, const char *key, char **out)
{
    const char *s = NULL;
    size_t n = 0;
    if (scalar_text(y, v, key, y->str_cap, &s, &n))
        return -1;
    const char *nul = memchr(s, 0, n); /* only when y->nul_ok: the text ends there */
    free(*out);
    if (!(*out = dup_n(s, nul ? (size_t)(nul - s) : n)))
        return s7__yaml_oom(y);
    return 0;
}

int s7__yaml_each_pair(yaml_cx *y, struct fy_node *map, const char *what, yaml_pair_fn fn,
                       void *ctx)
{
    if (!fy_node_is_mapping(map))
        return s7__yaml_err(y, map, "%s: expected a mapping (key: value lines)", what);
    void *it = NULL;
    struct fy_node_pair *p;
    struct fy_node *outer = y->map; /* a callback may read a mapping inside this one */
    int rc = 0;
    while (!rc && (p = fy_node_mapping_iterate(map, &it))) {
        struct fy_node *kn = fy_node_pair_key(p), *v = fy_node_pair_value(p);
        char k[160];
        if (!kn || !fy_node_is_scalar(kn))
            rc = s7__yaml_err(y, kn ? kn : map, "%s: keys must be plain names", what);
        else if (s7__yaml_scalar(y, kn, what, k, sizeof k))
            rc = -1;
        else {
            y->map = map;
            rc = fn(y, k, kn, v, ctx) ? -1 : 0;
        }
    }
    y->map = outer;
    return rc;
}

int s7__yaml_key_once(yaml_cx *y, struct fy_node *kn, const char *where, const char *k,
                      const char *const *names)
{
    if (!y->map || !fy_node_is_mapping(y->map))
        return 0;
    void *it = NULL;
    struct fy_node_pair *p;
    struct fy_node *first = NULL;
    char other[64] = "";
    while ((p = fy_node_mapping_iterate(y->map, &it))) {
        struct fy_node *pk = fy_node_pair_key(p);
        if (pk == kn)
            break;
        size_t len = 0;
        const char *t = pk && fy_node_is_scalar(pk) ? fy_node_get_scalar(pk, &len) : NULL;
        if (first || !t || len >= sizeof other)
            continue;
        for (const char *const *n = names; *n; n++)
            if (strlen(*n) == len && memcmp(*n, t, len) == 0 && strcmp(*n, k) != 0) {
                first = pk;
                memcpy(other, t, len);
                other[len] = 0;
                break;
            }
    }
    if (!p || !first) /* kn is not in the mapping being read, or is the first spelling */
        return 0;
    return s7__yaml_err(
        y, kn, "%s%s'%s' and '%s' (line %d) are two spellings of one key: give it once",
        where ? where : "", where && *where ? ": " : "", k, other, s7__yaml_line(first));
}

struct fy_node *s7__yaml_open_json(yaml_cx *y, const char *path, char *err, size_t errcap,
                                   const char *what, const char *expect)
{
    memset(y, 0, sizeof *y);
    y->file = path;
    y->err = err;
    y->cap = errcap;
    y->str_cap = 1;
    y->json = 1;
    return s7__yaml_open(y, what, expect);
}
