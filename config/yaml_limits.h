/* s7config: the bounds a YAML file is held to before libfyaml builds all of it (yaml.c calls
 * both for every loader).  Internal to s7config.
 *
 * libfyaml has no bound of its own on what aliases expand to: a few hundred bytes of
 * anchors that alias each other ten times per level (a "billion laughs" file) grow into
 * millions of nodes and gigabytes while the document is resolved.  Nor is its depth limit
 * cheap: it builds the tokens of a flow collection ("[[[[...") before it notices that they
 * nest too deep, some 300 bytes per byte of such a file.  These checks run on the raw text
 * and on the unresolved document, each in time linear in the file. */
#ifndef S7_CONFIG_YAML_LIMITS_H
#define S7_CONFIG_YAML_LIMITS_H

#include "config/yaml.h"

#include <stddef.h>

/* Lists and mappings inside each other: at most this many levels (libfyaml refuses more). */
#define YAML_MAX_DEPTH 63

/* The nodes alias expansion may add to a document: each costs libfyaml some 130 to 170 bytes
 * (measured with 0.7.12), so the bound keeps that near 15 MB; a file that states its values
 * once and merges (<<) or aliases them where they repeat stays far below it. */
#define YAML_MAX_ALIAS_NODES 100000u

/* Scans the n bytes of text (UTF-8, NUL-terminated) for the nesting of block indentation,
 * "- " items and flow brackets outside quoted scalars, block scalars and comments.  Returns 0
 * when no line nests deeper than YAML_MAX_DEPTH, else the 1-based line where the nesting
 * first does.  The count never exceeds what libfyaml counts by more than a continuation line
 * of a plain scalar adds (one level), so a file libfyaml accepts is not refused by it. */
int s7__yaml_depth_over(const char *text, size_t n);

/* Counts the nodes resolving the aliases of doc (parsed, not yet resolved) would add, each
 * anchored node's expansion counted once (a memoized walk).  Returns 0, or -1 with
 * "FILE:LINE: aliases expand to more than N nodes ..." in y->err (LINE: the alias that
 * crosses the bound), or "out of memory". */
int s7__yaml_alias_check(yaml_cx *y, struct fy_document *doc);

#endif
