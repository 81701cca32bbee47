/* s7config: the YAML reading layer of the two YAML loaders (yaml.h).  libfyaml does the
 * parsing; s7config links it, never libs7. */
#include "config/yaml.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int yaml_ieq(const char *a, const char *b)
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

char *yaml_strdup(const char *s) { return dup_n(s, strlen(s)); }

int yaml_parse_num(const char *s, long min, long max, long *out)
{
    if (!s || !*s || !isdigit((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int yaml_set_err(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && cap)
        vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---------------------------------------------------------------- the file */

/* libfyaml's diagnostics are collected, never printed. */
static void diag_discard(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag;
    (void)user;
    (void)buf;
    (void)len;
}

struct fy_node *yaml_open(yaml_cx *y, const char *what, const char *expect)
{
    const char *path = y->file;
    y->diag = NULL;
    y->doc = NULL;
    FILE *probe = fopen(path, "r");
    if (!probe) {
        yaml_set_err(y->err, y->cap, "cannot read %s %s: %s", what, path, strerror(errno));
        return NULL;
    }
    fclose(probe);

    struct fy_diag_cfg dc;
    fy_diag_cfg_default(&dc);
    dc.fp = NULL;
    dc.output_fn = diag_discard;
    dc.level = FYET_ERROR;
    struct fy_diag *diag = fy_diag_create(&dc);
    if (!diag) {
        yaml_set_err(y->err, y->cap, "out of memory");
        return NULL;
    }
    fy_diag_set_collect_errors(diag, true);
    struct fy_parse_cfg pc;
    memset(&pc, 0, sizeof pc);
    pc.flags = FYPCF_QUIET | FYPCF_JSON_NONE;
    pc.diag = diag;
    struct fy_document *doc = fy_document_build_from_file(&pc, path);
    struct fy_node *root = NULL;
    if (!doc) {
        void *it = NULL;
        struct fy_diag_error *e = fy_diag_errors_iterate(diag, &it);
        if (e)
            yaml_set_err(y->err, y->cap, "%s:%d:%d: not valid YAML: %s", path, e->line + 1,
                         e->column + 1, e->msg ? e->msg : "syntax error");
        else
            yaml_set_err(y->err, y->cap, "%s: no YAML document in it (empty?): expected %s", path,
                         expect);
    } else if (!(root = fy_document_root(doc))) {
        yaml_set_err(y->err, y->cap, "%s: the file is empty: expected %s", path, expect);
        fy_document_destroy(doc);
    } else {
        y->diag = diag;
        y->doc = doc;
        return root;
    }
    fy_diag_destroy(diag);
    return NULL;
}

void yaml_close(yaml_cx *y)
{
    if (y->doc)
        fy_document_destroy(y->doc);
    if (y->diag)
        fy_diag_destroy(y->diag);
    y->doc = NULL;
    y->diag = NULL;
}

/* ---------------------------------------------------------------- errors */

int yaml_line(struct fy_node *n)
{
    for (int depth = 0; n && depth < 8; depth++) {
        if (fy_node_is_scalar(n)) {
            struct fy_token *t = fy_node_get_scalar_token(n);
            const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
            return m ? m->line + 1 : 0;
        }
        void *it = NULL;
        if (fy_node_is_mapping(n)) {
            struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
            n = p ? fy_node_pair_key(p) : NULL;
        } else if (fy_node_is_sequence(n)) {
            n = fy_node_sequence_iterate(n, &it);
        } else {
            return 0;
        }
    }
    return 0;
}

/* The message of fmt/ap cut to the loader's y->msg_cap, then "FILE:LINE: " in front. */
static int verr_line(yaml_cx *y, int line, const char *fmt, va_list ap)
{
    char msg[700];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (y->msg_cap && y->msg_cap < sizeof msg)
        msg[y->msg_cap - 1] = 0;
    if (line)
        snprintf(y->err, y->cap, "%s:%d: %s", y->file, line, msg);
    else
        snprintf(y->err, y->cap, "%s: %s", y->file, msg);
    return -1;
}

int yaml_err_line(yaml_cx *y, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr_line(y, line, fmt, ap);
    va_end(ap);
    return -1;
}

int yaml_err(yaml_cx *y, struct fy_node *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr_line(y, yaml_line(at), fmt, ap);
    va_end(ap);
    return -1;
}

int yaml_oom(yaml_cx *y) { return yaml_err_line(y, 0, "out of memory"); }

/* ---------------------------------------------------------------- values */

int yaml_is_null(struct fy_node *v)
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
 * *n, checked as yaml_scalar says (a text of cap characters or more is too long).  0 or -1. */
static int scalar_text(yaml_cx *y, struct fy_node *v, const char *key, size_t cap, const char **s,
                       size_t *n)
{
    if (!v || !fy_node_is_scalar(v))
        return yaml_err(y, v, "%s: expected a single value, got %s", key,
                        v && fy_node_is_mapping(v) ? "a mapping" : "a list");
    *s = fy_node_get_scalar(v, n);
    if (!*s)
        *s = "";
    if (*n >= cap)
        return yaml_err(y, v, "%s: value too long (%zu characters, at most %zu)", key, *n, cap - 1);
    if (!y->nul_ok && memchr(*s, 0, *n))
        return yaml_err(y, v, "%s: the value contains a NUL character", key);
    return 0;
}

int yaml_scalar(yaml_cx *y, struct fy_node *v, const char *key, char *buf, size_t cap)
{
    const char *s = NULL;
    size_t n = 0;
    if (scalar_text(y, v, key, cap, &s, &n))
        return -1;
    memcpy(buf, s, n);
    buf[n] = 0;
    return 0;
}

int yaml_get_long(yaml_cx *y, struct fy_node *v, const char *key, long min, long max,
                  const char *example, long *out)
{
    char s[64];
    if (yaml_scalar(y, v, key, s, sizeof s))
        return -1;
    if ((y->num ? y->num : yaml_parse_num)(s, min, max, out))
        return yaml_err(y, v, "%s: '%s' must be a number %ld..%ld, e.g. %s", key, s, min, max,
                        example);
    return 0;
}

int yaml_get_str(yaml_cx *y, struct fy_node *v, const char *key, char **out)
{
    const char *s = NULL;
    size_t n = 0;
    if (scalar_text(y, v, key, y->str_cap, &s, &n))
        return -1;
    const char *nul = memchr(s, 0, n); /* only when y->nul_ok: the text ends there */
    free(*out);
    if (!(*out = dup_n(s, nul ? (size_t)(nul - s) : n)))
        return yaml_oom(y);
    return 0;
}

int yaml_each_pair(yaml_cx *y, struct fy_node *map, const char *what, yaml_pair_fn fn, void *ctx)
{
    if (!fy_node_is_mapping(map))
        return yaml_err(y, map, "%s: expected a mapping (key: value lines)", what);
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(map, &it))) {
        struct fy_node *kn = fy_node_pair_key(p), *v = fy_node_pair_value(p);
        char k[160];
        if (!kn || !fy_node_is_scalar(kn))
            return yaml_err(y, kn ? kn : map, "%s: keys must be plain names", what);
        if (yaml_scalar(y, kn, what, k, sizeof k))
            return -1;
        if (fn(y, k, kn, v, ctx))
            return -1;
    }
    return 0;
}
