/* s7 dump HOST DB N [-o FILE]: the whole DB (its size from the DB's block info where the CPU
 * answers it, else found by probing reads with s7_client_db_length; the output says which),
 * read in chunks, to a file or as a hex dump (offset, 16 bytes, ASCII) on stdout, with a
 * progress bar on stderr when stderr is a terminal. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common.h"

#define DUMP_CHUNK 4096u

static void progress(uint16_t db, uint32_t done, uint32_t total)
{
    int width = 30, filled = total ? (int)((uint64_t)done * (uint64_t)width / total) : width;
    fprintf(stderr, "\rDB%u [", db);
    for (int i = 0; i < width; i++)
        fputc(i < filled ? '#' : '.', stderr);
    fprintf(stderr, "] %3u%% %u/%u bytes", total ? (unsigned)((uint64_t)done * 100u / total) : 100u,
            done, total);
    fflush(stderr);
}

static void hexdump(FILE *f, const uint8_t *p, uint32_t len)
{
    for (uint32_t off = 0; off < len; off += 16) {
        uint32_t n = len - off < 16 ? len - off : 16;
        fprintf(f, "%08x ", off);
        for (uint32_t i = 0; i < 16; i++) {
            if (i == 8)
                fputc(' ', f);
            if (i < n)
                fprintf(f, " %02x", p[off + i]);
            else
                fputs("   ", f);
        }
        fputs("  |", f);
        for (uint32_t i = 0; i < n; i++)
            fputc(isprint(p[off + i]) ? p[off + i] : '.', f);
        fputs("|\n", f);
    }
}

/* DB number from "DB" "N" or "DB<N>"; returns 0 or CLI_USAGE after printing. */
static int parse_db(const cli *c, uint16_t *db)
{
    const char *num = NULL;
    long v;
    if (c->nargs == 2 && strcasecmp(c->args[0], "DB") == 0)
        num = c->args[1];
    else if (c->nargs == 1 && strncasecmp(c->args[0], "DB", 2) == 0)
        num = c->args[0] + 2;
    if (!num)
        return cli_usage_error(c->cmd, "expected DB N after the host, e.g. s7 dump %s DB 3",
                               c->target);
    if (cli_parse_long(num, 1, 65535, &v))
        return cli_usage_error(c->cmd, "DB number '%s' must be 1..65535, e.g. s7 dump %s DB 3", num,
                               c->target);
    *db = (uint16_t)v;
    return 0;
}

/* Why an item of DB db (bytes off..off+n-1) failed, from the item return code the client
 * remembered (s7_client_last_error): cli_why_item's cause and fix (it asks the CPU where
 * that helps: 0x05 even at offset 0 is optimized block access), "what: meaning (item return
 * code 0xNN NAME)" as the message. */
static void item_why(const cli *c, s7_client *s, uint16_t db, uint32_t off, uint32_t n,
                     const char *what, cli_why *w)
{
    const s7_explain *e = s7_client_last_error(s);
    s7_tag t;
    s7_item it;
    memset(&t, 0, sizeof t);
    memset(&it, 0, sizeof it);
    t.area = S7_AREA_DB;
    t.db = db;
    t.type = S7_T_BYTE;
    t.byte = off;
    t.count = n;
    t.array = n > 1;
    it.status = S7_ERR_ITEM;
    it.rc = (uint8_t)e->code;
    uint16_t code = e->code;
    const char *text = e->text, *name = e->name;
    cli_why_item(c, s, &t, &it, w);
    snprintf(w->what, sizeof w->what, "%s: %s (item return code 0x%02X %s)", what, text,
             (unsigned)code, name);
}

int cmd_dump(cli *c)
{
    uint16_t db = 0;
    uint32_t len = 0, off;
    int rc, err, tty = isatty(2);
    uint8_t *data = NULL;
    FILE *out = NULL;
    s7_client *s;

    if (parse_db(c, &db))
        return CLI_USAGE;
    s = cli_connect(c, &rc);
    if (!s)
        return rc;

    /* the block info's MC7 length is the DB's size: exact even where a server pads reads
     * past the end; CPUs without block functions (S7-1200/1500) are probed */
    const char *sized_by = "block_info";
    err = s7_client_db_size(s, db, &len);
    if (err < 0 || len == 0) {
        char why[160];
        const s7_explain *e = s7_client_last_error(s);
        snprintf(why, sizeof why, "%s",
                 err == S7_ERR_PLC && e && e->text ? e->text : s7_strerror(err));
        sized_by = "probing";
        /* a peer may answer block info with a frame that ends the connection (the Snap7
         * server, for a DB it does not have): probe on a new one */
        err = s7_client_connected(s) ? 0 : s7_client_reconnect(s, 1);
        if (err >= 0)
            err = s7_client_db_length(s, db, &len);
        if (err == S7_ERR_ITEM && s7_client_last_error(s)->code == S7_RC_ACCESS_DENIED) {
            /* a byte past the start refused (a guard's policy, as s7 guard answers): the
             * part this client may read is what can be dumped */
            err = s7_client_db_readable(s, db, &len);
            if (err >= 0) {
                sized_by = "readable";
                if (!c->json)
                    fprintf(stderr,
                            "DB%u: %u bytes readable (found by probing reads; reads from byte %u "
                            "on are refused with access denied (0x03), as s7 guard refuses what "
                            "its policy does not document: the DB may be longer)\n",
                            db, len, len);
            }
        } else if (err >= 0 && !c->json)
            fprintf(stderr, "DB%u: %u bytes (size found by probing reads: no block info: %s)\n", db,
                    len, why);
    } else if (!c->json) {
        fprintf(stderr, "DB%u: %u bytes (size from its block info)\n", db, len);
    }
    if (err < 0) {
        cli_why w;
        const s7_explain *e = s7_client_last_error(s);
        if (err == S7_ERR_ITEM && e && e->code) {
            char what[64];
            snprintf(what, sizeof what, "cannot find the length of DB%u", db);
            item_why(c, s, db, 0, 1, what, &w);
        } else {
            cli_why_err(c, s, err, "DB length search", &w);
        }
        cli_report(&w);
        if (c->json) {
            printf(
                "{\"db\": %u, \"length\": null, \"sized_by\": null, \"file\": null, \"hex\": null, "
                "\"error\": ",
                db);
            cli_json_error(stdout, &w);
            fputs("}\n", stdout);
        }
        rc = CLI_FAIL;
        goto out;
    }
    data = malloc(len ? len : 1);
    if (!data) {
        fprintf(stderr, "error: out of memory for %u bytes\n", len);
        rc = CLI_FAIL;
        goto out;
    }
    for (off = 0; off < len; off += DUMP_CHUNK) {
        uint32_t n = len - off < DUMP_CHUNK ? len - off : DUMP_CHUNK;
        if (tty)
            progress(db, off, len);
        err = s7_client_db_read(s, db, off, data + off, n);
        if (err < 0) {
            cli_why w;
            char act[64];
            if (tty)
                fputc('\n', stderr);
            snprintf(act, sizeof act, "read of DB%u at byte %u", db, off);
            if (err == S7_ERR_ITEM && s7_client_last_error(s)->code) {
                /* the item's return code, explained for this DB (0x05 at byte 0 of a DB
                 * whose block info gave its size: optimized block access) */
                char what[80];
                snprintf(what, sizeof what, "%s failed", act);
                item_why(c, s, db, off, n, what, &w);
            } else {
                cli_why_err(c, s, err, act, &w);
            }
            cli_report(&w);
            if (c->json) {
                printf("{\"db\": %u, \"length\": null, \"sized_by\": \"%s\", \"file\": null, "
                       "\"hex\": null, \"error\": ",
                       db, sized_by);
                cli_json_error(stdout, &w);
                fputs("}\n", stdout);
            }
            rc = CLI_FAIL;
            goto out;
        }
    }
    if (tty) {
        progress(db, len, len);
        fputc('\n', stderr);
    }
    /* FILE is opened (and so emptied) only now that the whole DB is in memory: a dump that
     * fails on the way leaves a FILE from an earlier run as it was */
    if (c->out) {
        out = fopen(c->out, "wb");
        if (!out) {
            fprintf(stderr, "error: cannot create '%s': %s\n", c->out, strerror(errno));
            rc = CLI_FAIL;
            goto out;
        }
    }
    if (out) {
        if (fwrite(data, 1, len, out) != len || fclose(out) != 0) {
            out = NULL;
            fprintf(stderr, "error: cannot write '%s': %s\n", c->out, strerror(errno));
            rc = CLI_FAIL;
            goto out;
        }
        out = NULL;
        if (c->json) {
            printf("{\"db\": %u, \"length\": %u, \"sized_by\": \"%s\", \"file\": ", db, len,
                   sized_by);
            cli_json_str(stdout, c->out);
            fputs(", \"hex\": null, \"error\": null}\n", stdout);
        } else {
            fprintf(stderr, "DB%u: %u bytes written to %s\n", db, len, c->out);
        }
    } else if (c->json) {
        printf("{\"db\": %u, \"length\": %u, \"sized_by\": \"%s\", \"file\": null, \"hex\": \"", db,
               len, sized_by);
        for (uint32_t i = 0; i < len; i++)
            printf("%02x", data[i]);
        fputs("\", \"error\": null}\n", stdout);
    } else {
        hexdump(stdout, data, len);
    }
    rc = CLI_OK;
out:
    if (out)
        fclose(out);
    free(data);
    s7_client_free(s);
    return rc;
}
