/* s7 write HOST ADDRESS=VALUE...: values typed by their address, all items in one
 * s7_client_write call; a BOOL writes only its bit (a BOOL array is read first and only the
 * addressed bits change).  Reports each item. */
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* A BOOL array travels as the bytes that cover it: the other bits must be read first. */
static int needs_current(const s7_tag *t)
{
    return t->type == S7_T_BOOL && (t->count > 1 || t->array);
}

/* "N of M items written" on stderr when some were not (text output only). */
static void summary(const cli *c, const s7_item *items, int n)
{
    int ok = 0;
    for (int i = 0; i < n; i++)
        ok += items[i].status == 0;
    if (!c->json && ok < n)
        fprintf(stderr, "%d of %d items written, %d not written\n", ok, n, n - ok);
}

int cmd_write(cli *c)
{
    int n = c->nargs, rc = CLI_OK, bad = 0, err, nrmw = 0, sent = 0;
    s7_tag *tags = calloc((size_t)n, sizeof *tags);
    s7_item *items = calloc((size_t)n, sizeof *items);
    s7_item *rmw = calloc((size_t)n, sizeof *rmw);
    int *rmw_of = calloc((size_t)n, sizeof *rmw_of);
    uint8_t **bufs = calloc((size_t)n, sizeof *bufs);
    const char **vals = calloc((size_t)n, sizeof *vals);
    s7_client *s = NULL;
    cli_why all;

    if (!tags || !items || !rmw || !rmw_of || !bufs || !vals) {
        fprintf(stderr, "error: out of memory\n");
        rc = CLI_FAIL;
        goto out;
    }
    /* Addresses and values are checked before connecting. */
    for (int i = 0; i < n; i++) {
        char *a = c->args[i], *eq = strchr(a, '=');
        char verr[256] = "";
        uint32_t sz;
        if (!eq || eq == a) {
            fprintf(stderr, "error: '%s': expected ADDRESS=VALUE, e.g. DB1.DBW0=42\n", a);
            bad++;
            continue;
        }
        *eq = 0;
        vals[i] = eq + 1;
        if (cli_parse_tag(c, a, &tags[i])) {
            *eq = '=';
            bad++;
            continue;
        }
        *eq = '=';
        sz = s7_tag_wire_size(&tags[i]);
        bufs[i] = calloc(sz ? sz : 1, 1);
        if (!bufs[i]) {
            fprintf(stderr, "error: out of memory\n");
            rc = CLI_FAIL;
            goto out;
        }
        if (s7_value_parse(&tags[i], vals[i], bufs[i], sz, verr, sizeof verr) < 0) {
            char addr[96];
            fprintf(stderr, "error: bad value for %s: %s\n",
                    cli_tag_text(&tags[i], addr, sizeof addr), verr[0] ? verr : "invalid value");
            bad++;
            continue;
        }
        s7_item_from_tag(&items[i], &tags[i], bufs[i]);
    }
    if (bad) {
        cli_print_usage(stderr, c->cmd);
        rc = CLI_USAGE;
        goto out;
    }

    s = cli_connect(c, &rc);
    if (!s)
        goto out;

    /* BOOL arrays: read the bytes that hold them, then set the addressed bits. */
    for (int i = 0; i < n; i++)
        if (needs_current(&tags[i])) {
            rmw_of[nrmw] = i;
            s7_item_from_tag(&rmw[nrmw], &tags[i], bufs[i]);
            nrmw++;
        }
    if (nrmw) {
        err = s7_client_read(s, rmw, (size_t)nrmw);
        if (err < 0 && err != S7_ERR_ITEM) {
            cli_why_err(c, s, err, "read of the bytes around the BOOL array", &all);
            goto whole_failure;
        }
        for (int k = 0; k < nrmw; k++) {
            int i = rmw_of[k];
            if (rmw[k].status != 0) {
                items[i].status = rmw[k].status; /* reported below; not written */
                items[i].rc = rmw[k].rc;
                continue;
            }
            char verr[256];
            s7_value_parse(&tags[i], vals[i], bufs[i], s7_tag_wire_size(&tags[i]), verr,
                           sizeof verr);
        }
    }

    {
        /* Only the items still valid go out, in one call. */
        s7_item *go = calloc((size_t)n, sizeof *go);
        int *go_of = calloc((size_t)n, sizeof *go_of);
        int ngo = 0;
        if (!go || !go_of) {
            free(go);
            free(go_of);
            fprintf(stderr, "error: out of memory\n");
            rc = CLI_FAIL;
            goto out;
        }
        for (int i = 0; i < n; i++)
            if (items[i].status == 0) {
                go_of[ngo] = i;
                go[ngo++] = items[i];
            }
        err = ngo ? s7_client_write(s, go, (size_t)ngo) : 0;
        /* a header error fails only the PDUs it answered: the items of the others landed */
        sent = err == S7_ERR_PLC;
        for (int k = 0; k < ngo; k++)
            items[go_of[k]] = go[k];
        free(go);
        free(go_of);
        if (err < 0 && err != S7_ERR_ITEM) {
            cli_why_err(c, s, err, "write", &all);
            goto whole_failure;
        }
    }

    if (cli_print_items(c, s, tags, items, bufs, n, " (written)") != CLI_OK)
        rc = CLI_FAIL;
    summary(c, items, n);
    goto out;

whole_failure:
    /* every item reported: written (its PDU was acknowledged) or not, and why */
    cli_report(&all);
    if (c->json)
        fputs("[\n", stdout);
    for (int i = 0; i < n; i++) {
        int landed = sent && items[i].status == 0;
        /* an item its own PDU's answer refused keeps its own reason */
        int own = sent && items[i].status != 0 && items[i].status != S7_ERR_PLC;
        if (c->json) {
            cli_json_item(c, s, &tags[i], &items[i], bufs[i], landed || own ? NULL : &all,
                          i == n - 1);
        } else if (own) {
            cli_why w;
            fflush(stdout);
            cli_why_item(c, s, &tags[i], &items[i], &w);
            cli_report(&w);
        } else {
            char addr[96];
            cli_tag_text(&tags[i], addr, sizeof addr);
            if (landed) {
                char *v = cli_value_text(&tags[i], bufs[i], s7_tag_wire_size(&tags[i]), 0);
                printf("%s = %s (written)\n", addr, v ? v : "?");
                free(v);
            } else {
                printf("%s: not written (%s%s%s)\n", addr, all.name ? all.name : "error",
                       all.code[0] ? " " : "", all.code);
            }
        }
    }
    if (c->json)
        fputs("]\n", stdout);
    if (!sent)
        for (int i = 0; i < n; i++)
            items[i].status = items[i].status ? items[i].status : S7_ERR_PLC;
    summary(c, items, n);
    rc = CLI_FAIL;

out:
    s7_client_free(s);
    if (bufs)
        for (int i = 0; i < n; i++)
            free(bufs[i]);
    free(bufs);
    free(vals);
    free(rmw_of);
    free(rmw);
    free(items);
    free(tags);
    return rc;
}
