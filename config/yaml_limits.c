/* s7config: the nesting and alias-expansion bounds of a YAML file (yaml_limits.h). */
#include "config/yaml_limits.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- nesting */

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* The scanner's state across lines. */
typedef struct depth_scan {
    struct {
        int col, depth;
    } st[YAML_MAX_DEPTH + 2]; /* block nodes open at a column, their depth (rising by one) */
    int top;
    int flow;      /* open flow collections ([ {) */
    int flow_base; /* the depth the outermost one sits under */
    char quote;    /* inside a '...' or "..." scalar: its quote */
    int bs_indent; /* inside a block scalar: lines indented more than this belong to it; -1 */
} depth_scan;

/* Skips an anchor or tag (&name, !tag) at t[p]: the index after it. */
static size_t skip_prop(const char *t, size_t p, size_t e)
{
    while (p < e && !is_blank(t[p]) && !strchr(",[]{}", t[p]))
        p++;
    return p;
}

/* Scans t[p..e) of one line, where a node of depth d may start at p (start) when the line
 * is in the block context.  Returns 1 when the nesting goes deeper than YAML_MAX_DEPTH. */
static int scan_rest(depth_scan *s, const char *t, size_t p, size_t e, int d, int start)
{
    for (; p < e; p++) {
        char c = t[p];
        if (s->quote) {
            if (c == '\\' && s->quote == '"')
                p++; /* the escaped character (or the line break) */
            else if (c == '\'' && s->quote == '\'' && p + 1 < e && t[p + 1] == '\'')
                p++; /* '' is a quote inside '...' */
            else if (c == s->quote)
                s->quote = 0;
            continue;
        }
        if (is_blank(c))
            continue;
        if (c == '#' && (p == 0 || is_blank(t[p - 1]) || t[p - 1] == '\n'))
            return 0; /* a comment to the end of the line */
        if (s->flow) {
            if (c == '[' || c == '{') {
                if (s->flow_base + ++s->flow > YAML_MAX_DEPTH)
                    return 1;
                start = 1;
            } else if (c == ']' || c == '}') {
                s->flow--;
                start = 0;
            } else if (c == ',' || c == ':' || c == '?' || c == '-') {
                start = c == ',' || c == ':' || start;
            } else if ((c == '\'' || c == '"') && start) {
                s->quote = c;
            } else if ((c == '&' || c == '!') && start) {
                p = skip_prop(t, p, e) - 1;
            } else {
                start = 0;
            }
            continue;
        }
        /* the block context */
        if (start) {
            if (c == '[' || c == '{') {
                s->flow = 1;
                s->flow_base = d - 1;
                if (d > YAML_MAX_DEPTH)
                    return 1;
            } else if (c == '\'' || c == '"') {
                s->quote = c;
                start = 0;
            } else if (c == '|' || c == '>') {
                return 0; /* a block scalar: the caller skips its lines */
            } else if (c == '&' || c == '!') {
                p = skip_prop(t, p, e) - 1;
            } else {
                start = 0;
            }
        } else if (c == ':' && (p + 1 == e || is_blank(t[p + 1]))) {
            if (d > YAML_MAX_DEPTH)
                return 1; /* the node at depth d is a mapping */
            start = 1;    /* its value: one level below */
            d++;
        }
    }
    return 0;
}

/* 1 when the content of the line t[p..e) in the block context starts a block scalar (| or >
 * at a node's start, after "- ", "key: ", anchors and tags): its lines follow. */
static int starts_block_scalar(const char *t, size_t p, size_t e)
{
    /* the last significant character before a comment, and the one that starts its word */
    size_t w = e;
    char q = 0;
    for (size_t i = p; i < e; i++) {
        char c = t[i];
        if (q) {
            if (c == q)
                q = 0;
            continue;
        }
        if (c == '#' && (i == p || is_blank(t[i - 1])))
            break;
        if (!is_blank(c) && (i == p || is_blank(t[i - 1])))
            w = i; /* a word starts */
        if ((c == '\'' || c == '"') && (i == p || is_blank(t[i - 1])))
            q = c;
    }
    return w < e && (t[w] == '|' || t[w] == '>');
}

int s7__yaml_depth_over(const char *t, size_t n)
{
    depth_scan s;
    memset(&s, 0, sizeof s);
    s.bs_indent = -1;
    int line = 1;
    for (size_t i = 0; i < n; line++) {
        size_t e = i;
        while (e < n && t[e] != '\n')
            e++;
        size_t next = e + 1;
        int indent = 0;
        size_t p = i;
        while (p < e && t[p] == ' ')
            p++, indent++;
        size_t q = p;
        while (q < e && is_blank(t[q]))
            q++;
        if (s.bs_indent >= 0) {
            if (q == e || indent > s.bs_indent) {
                i = next;
                continue;
            }
            s.bs_indent = -1;
        }
        if (s.quote || s.flow) {
            if (scan_rest(&s, t, i, e, 0, 1))
                return line;
            i = next;
            continue;
        }
        if (q == e || t[q] == '#' || (indent == 0 && t[q] == '%')) {
            i = next; /* blank, a comment, a directive */
            continue;
        }
        p = q;
        if (indent == 0 && e - p >= 3 &&
            (strncmp(t + p, "---", 3) == 0 || strncmp(t + p, "...", 3) == 0) &&
            (e - p == 3 || is_blank(t[p + 3]))) {
            s.top = 0; /* a document marker: what follows on its line is the root */
            p += 3;
            while (p < e && is_blank(t[p]))
                p++;
            if (p == e) {
                i = next;
                continue;
            }
            indent = -1;
        }
        while (s.top > 0 && s.st[s.top - 1].col >= indent)
            s.top--;
        int d = s.top ? s.st[s.top - 1].depth + 1 : 1;
        /* "- " (and "? ") items: each one level, its content one further */
        while (p < e && (t[p] == '-' || t[p] == '?') && (p + 1 == e || is_blank(t[p + 1]))) {
            if (d > YAML_MAX_DEPTH)
                return line;
            s.st[s.top].col = (int)(p - i);
            s.st[s.top++].depth = d++;
            p++;
            while (p < e && is_blank(t[p]))
                p++;
        }
        /* the line's content (at depth d) counts when it turns out a mapping or a flow
         * collection (scan_rest); a scalar is no level, but nothing may nest under it */
        if (d > YAML_MAX_DEPTH + 1)
            return line;
        if (p < e) {
            s.st[s.top].col = (int)(p - i);
            s.st[s.top++].depth = d;
            if (starts_block_scalar(t, p, e))
                s.bs_indent = indent < 0 ? 0 : indent;
            if (scan_rest(&s, t, p, e, d, 1))
                return line;
        }
        i = next;
    }
    return 0;
}

/* ---------------------------------------------------------------- aliases */

#define SAT (UINT64_C(1) << 62) /* a count that saturates here */
#define BUSY UINT64_MAX         /* an anchored node being counted */
#define MAX_CHAIN 256           /* aliases followed inside each other's targets */

static uint64_t add_sat(uint64_t a, uint64_t b) { return a >= SAT - b ? SAT : a + b; }

/* The expansion counted of each anchored node: an open-addressing table keyed by node. */
typedef struct alias_walk {
    yaml_cx *y;
    struct fy_node **key;
    uint64_t *val;
    size_t cap, used;
    uint64_t added; /* nodes the aliases met so far add */
    int chain;      /* targets being counted inside each other */
    int failed;
} alias_walk;

static size_t slot_of(const alias_walk *w, const struct fy_node *n)
{
    size_t h = (size_t)(((uintptr_t)n >> 4) * UINT64_C(0x9E3779B97F4A7C15));
    size_t i = h & (w->cap - 1);
    while (w->key[i] && w->key[i] != n)
        i = (i + 1) & (w->cap - 1);
    return i;
}

/* The count kept for n; 0 when none. */
static uint64_t memo_get(const alias_walk *w, const struct fy_node *n)
{
    if (!w->cap)
        return 0;
    size_t i = slot_of(w, n);
    return w->key[i] ? w->val[i] : 0;
}

/* Keeps v for n.  0, or -1 when out of memory (w->failed set, the message too). */
static int memo_put(alias_walk *w, struct fy_node *n, uint64_t v)
{
    if (2 * (w->used + 1) > w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 64;
        alias_walk g = *w;
        g.cap = cap;
        g.used = 0;
        g.key = calloc(cap, sizeof *g.key);
        g.val = calloc(cap, sizeof *g.val);
        if (!g.key || !g.val) {
            free(g.key);
            free(g.val);
            w->failed = 1;
            return s7__yaml_oom(w->y);
        }
        for (size_t i = 0; i < w->cap; i++)
            if (w->key[i]) {
                size_t j = slot_of(&g, w->key[i]);
                g.key[j] = w->key[i];
                g.val[j] = w->val[i];
                g.used++;
            }
        free(w->key);
        free(w->val);
        w->key = g.key;
        w->val = g.val;
        w->cap = cap;
    }
    size_t i = slot_of(w, n);
    if (!w->key[i])
        w->used++;
    w->key[i] = n;
    w->val[i] = v;
    return 0;
}

static uint64_t count(alias_walk *w, struct fy_node *n, int in_doc);

/* The nodes alias n stands for once resolved (its target's expansion, counted once). */
static uint64_t count_alias(alias_walk *w, struct fy_node *n)
{
    struct fy_node *to = fy_node_dereference(n);
    if (!to)
        return 1; /* an unknown anchor: resolving it says so */
    uint64_t v = memo_get(w, to);
    if (v == BUSY)
        return 1; /* the alias sits inside its own anchor: resolving it says so */
    if (v)
        return v;
    if (++w->chain > MAX_CHAIN) {
        w->failed = 1;
        s7__yaml_err(w->y, n,
                     "aliases refer to anchors whose nodes hold aliases more than %d deep: "
                     "give the values themselves",
                     MAX_CHAIN);
        return SAT;
    }
    if (memo_put(w, to, BUSY))
        return SAT;
    v = count(w, to, 0);
    w->chain--;
    if (!w->failed && memo_put(w, to, v))
        return SAT;
    return v;
}

/* The nodes n (with what its aliases stand for) makes in the resolved document.  in_doc: n
 * is walked as part of the document itself (each node once, in order), so that every alias
 * of the file adds its count to w->added exactly once; else n is an alias's target. */
static uint64_t count(alias_walk *w, struct fy_node *n, int in_doc)
{
    if (!n || w->failed)
        return 1;
    if (fy_node_is_alias(n)) {
        uint64_t v = count_alias(w, n);
        if (in_doc && !w->failed) {
            w->added = add_sat(w->added, v - 1);
            if (w->added > YAML_MAX_ALIAS_NODES) {
                w->failed = 1;
                s7__yaml_err(w->y, n,
                             "aliases expand to more than %u nodes (a 'billion laughs' file?), "
                             "more than a configuration needs: nothing of the file is used; let "
                             "an alias repeat a value a few times, not aliases of aliases",
                             YAML_MAX_ALIAS_NODES);
            }
        }
        return v;
    }
    uint64_t v = 1;
    void *it = NULL;
    if (fy_node_is_sequence(n)) {
        struct fy_node *c;
        while (!w->failed && (c = fy_node_sequence_iterate(n, &it)))
            v = add_sat(v, count(w, c, in_doc));
    } else if (fy_node_is_mapping(n)) {
        struct fy_node_pair *p;
        while (!w->failed && (p = fy_node_mapping_iterate(n, &it))) {
            v = add_sat(v, count(w, fy_node_pair_key(p), in_doc));
            v = add_sat(v, count(w, fy_node_pair_value(p), in_doc));
        }
    }
    /* an anchored node met first in the document: its count, for the aliases that follow */
    if (in_doc && !w->failed && fy_node_get_anchor(n) && !memo_get(w, n))
        memo_put(w, n, v);
    return v;
}

int s7__yaml_alias_check(yaml_cx *y, struct fy_document *doc)
{
    alias_walk w;
    memset(&w, 0, sizeof w);
    w.y = y;
    count(&w, fy_document_root(doc), 1);
    free(w.key);
    free(w.val);
    return w.failed ? -1 : 0;
}
