/* s7config: the YAML reading layer that the two YAML loaders share, server_yaml.c
 * (`s7 server --config`) and plant_yaml.c (the connection inventory).  Internal to s7config.  It opens a file with
 * libfyaml (whose diagnostics are collected, never printed), turns scalars into C values and
 * words every error as "FILE:LINE: message" in the loader's error buffer.
 *
 * The loaders did not always agree on the details (how long a message or a text may be, whether
 * a value may hold a NUL character, how numbers are written): each states its own in the
 * yaml_cx it passes, so that both keep reading exactly what they read before. */
#ifndef S7_CONFIG_YAML_H
#define S7_CONFIG_YAML_H

#include <libfyaml.h>
#include <stddef.h>

/* Parses s as a number in [min, max] into *out; 0 or -1. */
typedef int (*yaml_num_fn)(const char *s, long min, long max, long *out);

/* One file being read.  The loader fills every field but diag and doc (zero them), and keeps
 * its own state behind user, which this layer never touches. */
typedef struct yaml_cx {
    const char *file; /* the file's name: every message starts with it (not owned) */
    char *err;        /* the caller's buffer for the message */
    size_t cap;       /* its size */
    void *user;       /* the loader's own state (not owned) */
    /* the loader's dialect */
    size_t msg_cap;  /* a message is cut to msg_cap - 1 characters (at most 699) before
                       * "FILE:LINE: " goes in front; 0: 699 */
    size_t str_cap;  /* s7__yaml_get_str takes texts of up to str_cap - 1 characters (>= 1) */
    int nul_ok;      /* 1: a value may contain a NUL character (the text ends there);
                       * 0: that is an error */
    yaml_num_fn num; /* the number syntax of s7__yaml_get_long; NULL: s7__parse_dec (util/text.h) */
    int json;        /* 1: the file is JSON (parsed as such, not as YAML 1.1/1.2) */
    int line0;       /* the line of the entry being read, for a message about a node that has
                       * none of its own (an empty {} or [], a key without a value); 0: none */
    struct fy_node *map; /* the mapping s7__yaml_each_pair is reading (for s7__yaml_key_once) */
    /* kept by s7__yaml_open for s7__yaml_close */
    struct fy_diag *diag;
    struct fy_document *doc;
    struct fy_parser *parser; /* the document belongs to it */
    char *text;               /* the whole file, which the document points into */
} yaml_cx;

/* Case-insensitive equality of two words (ASCII); 1 or 0. */
int s7__yaml_ieq(const char *a, const char *b);

/* A malloc'd copy of s that the caller frees; NULL when out of memory. */
char *s7__yaml_strdup(const char *s);

/* Reads the whole file y->file (a regular file of at most YAML_MAX_FILE bytes) and parses it.
 * The file is taken whole or refused: a NUL byte, a UTF-16 or UTF-32 byte order mark, a
 * second YAML document, nesting deeper than libfyaml takes or aliases that expand past
 * YAML_MAX_ALIAS_NODES (yaml_limits.h, both checked before libfyaml builds them) is an error
 * with its FILE:LINE; aliases are then resolved as YAML defines them (an alias to an unknown
 * anchor is an error).  Returns the root node of its document, which stays valid until
 * s7__yaml_close(y); or NULL with the message in y->err: "cannot read WHAT FILE: REASON", "out of
 * memory", "FILE: out of memory while parsing it ...", "FILE:L:C: not valid YAML: ...",
 * "FILE:L: ...", "FILE: no YAML document in it (empty?): expected EXPECT" (only when it holds
 * nothing but comments and blank lines) or "FILE: the file is empty: expected EXPECT" (nothing
 * to close then). */
#define YAML_MAX_FILE (16u << 20)
struct fy_node *s7__yaml_open(yaml_cx *y, const char *what, const char *expect);

/* s7__yaml_open of path as JSON (y->json), with y cleared first and its messages into err
 * (strings capped: y->str_cap): what the loaders of s7's own JSON outputs share. */
struct fy_node *s7__yaml_open_json(yaml_cx *y, const char *path, char *err, size_t errcap,
                                   const char *what, const char *expect);
/* Frees the document and the diagnostics s7__yaml_open kept; harmless when there are none. */
void s7__yaml_close(yaml_cx *y);

/* The 1-based line of a node (its first scalar), 0 when unknown or n is NULL. */
int s7__yaml_line(struct fy_node *n);

/* Writes "FILE:LINE: message" into y->err ("FILE: message" when line is 0).  Returns -1. */
int s7__yaml_err_line(yaml_cx *y, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* s7__yaml_err_line at the line of node at (at may be NULL: no line).  Returns -1. */
int s7__yaml_err(yaml_cx *y, struct fy_node *at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* "FILE: out of memory".  Returns -1. */
int s7__yaml_oom(yaml_cx *y);

/* 1 when v is absent or a null scalar ("key:", "key: ~", "key: null", ""), else 0. */
int s7__yaml_is_null(struct fy_node *v);

/* The text of scalar v into buf (of size cap).  Returns 0, or -1 with the error set when v is
 * a mapping or a list, the text too long, or (unless y->nul_ok) holds a NUL.  key names the
 * value in the message. */
int s7__yaml_scalar(yaml_cx *y, struct fy_node *v, const char *key, char *buf, size_t cap);

/* Scalar v as a number in [min, max] (syntax y->num); the error shows example ("e.g. ...").
 * 0, or -1 with the error set. */
int s7__yaml_get_long(yaml_cx *y, struct fy_node *v, const char *key, long min, long max,
                      const char *example, long *out);

/* Scalar v (at most y->str_cap - 1 characters) as a malloc'd text in *out, which the caller
 * frees; a text already in *out is freed first.  0, or -1 with the error set (*out kept). */
int s7__yaml_get_str(yaml_cx *y, struct fy_node *v, const char *key, char **out);

/* Called per pair of a mapping: the key's text k, the key node kn and the value node v (NULL
 * or a null scalar when the key has no value); ctx as given to s7__yaml_each_pair.  0 or -1. */
typedef int (*yaml_pair_fn)(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v,
                            void *ctx);

/* Calls fn on each pair of mapping map in order, stopping at the first -1.  Returns 0, or -1
 * with the error set (map not a mapping, a key not a plain value: what names map). */
int s7__yaml_each_pair(yaml_cx *y, struct fy_node *map, const char *what, yaml_pair_fn fn,
                       void *ctx);

/* For a key with several spellings (offset / start, cell / segment, number / db ...): 0 when
 * kn, the key k of the mapping s7__yaml_each_pair is reading, is the only one of names (a
 * NULL-terminated list of the spellings, k among them) in it; else -1 with "FILE:LINE: WHERE:
 * 'K' and 'OTHER' (line N) are two spellings of one key: give it once" at the later one (the
 * YAML duplicate-key check sees two different words and lets both through, and the later
 * value would silently replace the first).  WHERE may be NULL. */
int s7__yaml_key_once(yaml_cx *y, struct fy_node *kn, const char *where, const char *k,
                      const char *const *names);

#endif
