/* s7 read HOST ADDRESS...: every address in one s7_client_read call (the planner packs the
 * items into as few PDUs as fit), one "ADDRESS = VALUE" line per item or a JSON array. */
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* Did some item get an answer of its own (its value, or its own return code)? */
static int partial(const s7_item *items, int n)
{
    for (int i = 0; i < n; i++)
        if (items[i].status == 0 || items[i].status == S7_ERR_ITEM)
            return 1;
    return 0;
}

/* A failed call that answered some items: their values (or their own refusals), the others
 * "ADDRESS: not read (NAME CODE)" with the failure explained once, and "N of M items read". */
static void report_partial(const cli *c, s7_client *s, const s7_tag *tags, const s7_item *items,
                           uint8_t *const *bufs, int n, int err, const cli_why *all)
{
    cli_why plc;
    int ok = 0, use_plc = 0;
    if (err != S7_ERR_PLC)
        for (int i = 0; i < n; i++)
            use_plc |= items[i].status == S7_ERR_PLC; /* an earlier PDU refused, then err */
    if (use_plc)
        cli_why_err(c, s, S7_ERR_PLC, "read", &plc);
    if (c->json)
        fputs("[\n", stdout);
    for (int i = 0; i < n; i++) {
        const s7_item *it = &items[i];
        const cli_why *w = it->status == 0 || it->status == S7_ERR_ITEM ? NULL
                           : it->status == S7_ERR_PLC && use_plc        ? &plc
                           : it->status == err                          ? all
                                                                        : NULL;
        ok += it->status == 0;
        if (c->json) {
            cli_json_item(c, s, &tags[i], it, bufs[i], w, i == n - 1);
        } else if (it->status == 0) {
            char addr[96];
            char *v = cli_value_text(&tags[i], bufs[i], s7_tag_wire_size(&tags[i]), 0);
            printf("%s = %s\n", cli_tag_text(&tags[i], addr, sizeof addr), v ? v : "?");
            free(v);
        } else if (!w) {
            cli_why own;
            fflush(stdout);
            cli_why_item(c, s, &tags[i], it, &own);
            cli_report(&own);
        } else {
            char addr[96];
            const char *nm = w->name ? w->name : "ERROR";
            if (strncmp(nm, "S7_ERR_", 7) == 0) /* the name, as the CPU's are: TIMEOUT */
                nm += 7;
            fflush(stdout);
            fprintf(stderr, "%s: not read (%s%s%s)\n", cli_tag_text(&tags[i], addr, sizeof addr),
                    nm, w->code[0] ? " " : "", w->code);
        }
    }
    if (c->json)
        fputs("]\n", stdout);
    fflush(stdout);
    cli_report(all);
    if (use_plc)
        cli_report(&plc);
    fprintf(stderr, "%d of %d items read, %d not read\n", ok, n, n - ok);
}

int cmd_read(cli *c)
{
    int n = c->nargs, rc = CLI_OK, err;
    s7_tag *tags = calloc((size_t)n, sizeof *tags);
    s7_item *items = calloc((size_t)n, sizeof *items);
    uint8_t **bufs = calloc((size_t)n, sizeof *bufs);
    s7_client *s = NULL;
    cli_why all;

    if (!tags || !items || !bufs) {
        fprintf(stderr, "error: out of memory\n");
        rc = CLI_FAIL;
        goto out;
    }
    rc = cli_parse_tags(c, tags);
    if (rc != CLI_OK)
        goto out;
    for (int i = 0; i < n; i++) {
        uint32_t sz = s7_tag_wire_size(&tags[i]);
        bufs[i] = calloc(sz ? sz : 1, 1);
        if (!bufs[i]) {
            fprintf(stderr, "error: out of memory\n");
            rc = CLI_FAIL;
            goto out;
        }
        s7_item_from_tag(&items[i], &tags[i], bufs[i]);
    }

    s = cli_connect(c, &rc);
    if (!s)
        goto out;

    err = s7_client_read(s, items, (size_t)n);
    if (err < 0 && err != S7_ERR_ITEM) {
        /* The call failed (PUT/GET not permitted, connection lost ...): the items whose
         * requests were answered before keep their values (status 0). */
        cli_why_err(c, s, err, "read", &all);
        rc = CLI_FAIL;
        if (!partial(items, n)) {
            cli_report(&all);
            if (c->json) {
                fputs("[\n", stdout);
                for (int i = 0; i < n; i++)
                    cli_json_item(c, s, &tags[i], &items[i], items[i].buf, &all, i == n - 1);
                fputs("]\n", stdout);
            }
            goto out;
        }
        report_partial(c, s, tags, items, bufs, n, err, &all);
        goto out;
    }
    if (cli_print_items(c, s, tags, items, bufs, n, "") != CLI_OK)
        rc = CLI_FAIL;

out:
    s7_client_free(s);
    if (bufs)
        for (int i = 0; i < n; i++)
            free(bufs[i]);
    free(bufs);
    free(items);
    free(tags);
    return rc;
}
