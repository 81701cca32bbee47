/* The s7 command line: what the subcommands share.  Option parsing (common options anywhere
 * on the line, per-command extras), the HOST[:PORT] target, connecting with explained
 * errors, the "error / cause / fix" report on stderr, tag parsing and JSON output helpers.
 *
 * Exit codes of every command: 0 success, 1 the operation failed (PLC or item errors),
 * 2 usage error, 3 no connection. */
#ifndef S7_TOOLS_COMMON_H
#define S7_TOOLS_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "s7/client.h"
#include "s7/version.h"

/* The tool's version is the library's, S7_VERSION_STRING: project(VERSION) in CMakeLists.txt. */

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2, CLI_NOCONN = 3, CLI_INTERRUPTED = 130 };
/* cli_parse: --help printed the command's help (exit 0). */
enum { CLI_HELP_SHOWN = -1 };

/* Command-specific options a command accepts on top of the common ones. */
enum { CLI_X_EVERY = 1, CLI_X_COUNT = 2, CLI_X_OUT = 4 };
/* watch --push, alarms --alarm8 (values of their own, kept apart from the others') */
enum { CLI_X_PUSH = 0x100, CLI_X_ALARM8 = 0x200 };

struct cli;
typedef int (*cli_run_fn)(struct cli *c);

typedef struct cli_cmd {
    const char *name;
    cli_run_fn run;
    const char *usage;   /* "HOST ADDRESS..." */
    const char *summary; /* one line for `s7 help` */
    const char *help;    /* details for `s7 help CMD` */
    unsigned extras;     /* CLI_X_* */
    int min_args;        /* positionals after HOST */
    int max_args;        /* -1 unlimited */
} cli_cmd;

typedef struct cli {
    const cli_cmd *cmd;
    s7_client_opts copts;
    int json;
    int trace;
    long every_ms;   /* watch --every, default 1000 */
    long count;      /* watch --count, 0 = unbounded */
    int push;        /* watch --push: subscribe (cyclic data), poll where refused */
    int alarm8;      /* alarms --alarm8: ask for ALARM_8 objects (S7-400) */
    const char *out; /* dump -o FILE */
    const char *target;
    char host[256];
    uint16_t port;
    int nargs; /* positionals after HOST */
    char **args;
} cli;

/* The command table (main.c). */
extern const cli_cmd cli_cmds[];
const cli_cmd *cli_find_cmd(const char *name);

/* Parse argv (after the command name) into c.  Returns CLI_OK, CLI_HELP_SHOWN after --help,
 * or CLI_USAGE after printing what was wrong, what would be right and the usage line.
 * c->args is allocated: cli_free() releases it. */
int cli_parse(cli *c, const cli_cmd *cmd, int argc, char **argv);

void cli_free(cli *c);

/* Print "error: <msg>" and the usage of c->cmd on stderr; returns CLI_USAGE. */
int cli_usage_error(const cli_cmd *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void cli_print_usage(FILE *f, const cli_cmd *cmd);

/* Split HOST[:PORT] / [V6]:PORT / bare IPv6.  Returns 0, or -1 with a message in err. */
int cli_parse_target(const char *text, char *host, size_t hostcap, uint16_t *port, char *err,
                     size_t errcap);

/* Connect with the options of c.  Returns the handle, or NULL after explaining the failure on
 * stderr (and as a JSON object on stdout under --json); *rc gets the exit code. */
s7_client *cli_connect(cli *c, int *rc);

/* An explanation of a library error (and, for S7_ERR_PLC, of the PLC's code). */
typedef struct cli_why {
    const char *name; /* "PUT_GET_NOT_PERMITTED", "S7_ERR_REFUSED" ... (text output) */
    char id[48];      /* the JSON identifier: "put_get_not_permitted", "refused" ... */
    char code[8];     /* the PLC's code, "0x8104" / "0x0A", or "" */
    char what[640];
    char cause[640];
    char fix[640];
} cli_why;

/* Explain err from an operation ("read", "write", "connect"...) on handle s (may be NULL). */
void cli_why_err(const cli *c, s7_client *s, int err, const char *action, cli_why *w);
/* Explain a failed item (status/rc) at tag t; asks the CPU for the DB length when that helps
 * (s may be NULL). */
void cli_why_item(const cli *c, s7_client *s, const s7_tag *t, const s7_item *it, cli_why *w);
/* "error: what\n  cause: ...\n  fix: ...\n" on stderr. */
void cli_report(const cli_why *w);
/* The error object of docs/json.md, {"name", "code", "message", "cause", "fix"}, on f. */
void cli_json_error(FILE *f, const cli_why *w);
/* The one-line JSON result of s7 upload and s7 download (schemas s7-upload, s7-download):
 * {"block": "DB10", "length": len, "file": file, "error": null} when ok, else length and
 * file null and w's error object. */
void cli_json_block_file(const char *type, unsigned number, int ok, size_t len, const char *file,
                         const cli_why *w);
/* Print an already formatted JSON document (a library string) and a newline; says "out of
 * memory" on stderr for NULL and returns -1. */
int cli_json_print(char *doc_owned);

/* Parse an address; on failure prints "error: bad address ..." and returns -1. */
int cli_parse_tag(const cli *c, const char *text, s7_tag *t);
/* Every argument of c parsed as an address into tags[] (each bad one reported), then the
 * usage when any was bad.  CLI_OK or CLI_USAGE. */
int cli_parse_tags(const cli *c, s7_tag *tags);
/* Canonical form of t into buf. */
const char *cli_tag_text(const s7_tag *t, char *buf, size_t cap);
/* An area's name for a log line: I, Q, M, DB ...; a code no CPU has as "area 0xNN". */
const char *cli_area_name(uint8_t area, char *buf, size_t cap);
/* The type of t as text: "INT", "INT[3]", "STRING[20]". */
const char *cli_type_text(const s7_tag *t, char *buf, size_t cap);
/* Format the value of t from wire bytes into a malloc'ed string (NULL on out of memory). */
char *cli_value_text(const s7_tag *t, const uint8_t *wire, size_t len, int json);

/* JSON string literal of s on f (quoted, escaped). */
void cli_json_str(FILE *f, const char *s);
/* The same, or null when s is NULL or empty (docs/json.md: no empty strings). */
void cli_json_strn(FILE *f, const char *s);

/* fflush(f): 0, or the errno of the write that failed (EIO when the stream tells no more):
 * what a command that writes JSON lines or tables checks, to stop instead of losing data. */
int cli_flush(FILE *f);
/* Strict number parsing: decimal (or 0x hex when hex_ok); returns 0 or -1. */
int cli_parse_long(const char *s, long min, long max, long *out);
/* A duration option of the newer commands (exchange, inventory monitor and simulate), whose
 * value needs its unit: 0, or -1 after "OPT V: why" into msg (a bare number
 * is refused rather than taken as seconds where the older commands take milliseconds). */
int cli_duration_unit(const char *opt, const char *v, long min_ms, long max_ms, long *ms, char *msg,
                      size_t cap);
/* A byte count: "65536", "64K", "64M", "1G" (binary units), at most max; 0 or -1. */
int cli_parse_bytes(const char *s, long max, long *out);

/* Milliseconds of a monotonic clock. */
int64_t cli_now_ms(void);
/* Sleep ms milliseconds (returns early on a signal). */
void cli_sleep_ms(long ms);

/* Wall-clock milliseconds ms as local time "13:45:00" into buf; returns buf. */
const char *cli_clock_text(int64_t ms, char *buf, size_t cap);
/* Wall-clock milliseconds ms as UTC "2026-11-21T12:45:00.123Z" into buf; returns buf. */
const char *cli_iso_text(int64_t ms, char *buf, size_t cap);

/* One line of a long-running command's log (s7 server, s7 guard) on stderr: the UTC time as
 * cli_iso_text writes it, "error: " or "warning: " by level (S7_LOG_*), msg. */
void cli_log_line(int level, const char *msg);

/* The outcome of the n items of a read or a write, each as a JSON object (all in one array)
 * or as "ADDRESS = VALUE" and suffix on stdout, or, when it failed, why on stderr.  CLI_FAIL
 * when any item failed, else CLI_OK. */
int cli_print_items(const cli *c, s7_client *s, const s7_tag *tags, const s7_item *items,
                    uint8_t *const *bufs, int n, const char *suffix);

/* One JSON object of read/write output for item it (its value decoded from buf, or its
 * status and error object; all, when set, is an error that failed the whole request), then
 * "," unless last. */
void cli_json_item(const cli *c, s7_client *s, const s7_tag *t, const s7_item *it,
                   const uint8_t *buf, const cli_why *all, int last);

/* A block name (DB10, FC1, OB1, SFC46, SDB0 ...; any case) into its type letter and number.
 * Returns 0 or -1 (tools/s7/blocks.c). */
int cli_parse_block(const char *text, uint8_t *type, uint16_t *number);

/* Reads the file path (WHAT, e.g. "the block file") whole into a malloc'd *out, *len bytes;
 * a file larger than max gives its first max + 1 bytes, for the caller to refuse.  Only a
 * regular file is read: a FIFO, a device or a directory is refused before anything blocks.
 * 0, or -1 with "cannot read WHAT PATH: REASON: FIX" in err (readfile.c). */
int cli_read_file(const char *what, const char *path, size_t max, uint8_t **out, size_t *len,
                  char *err, size_t cap);

#endif
