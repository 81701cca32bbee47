/* s7 read HOST ADDRESS...: every address in one s7_client_read call (the planner packs the
 * items into as few PDUs as fit), one "ADDRESS = VALUE" line per item or a JSON array. */
#include <stdlib.h>
#include <string.h>

#include "common.h"

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
        /* The whole request failed (PUT/GET not permitted, connection lost ...). */
        cli_why_err(c, s, err, "read", &all);
        cli_report(&all);
        if (c->json) {
            fputs("[\n", stdout);
            for (int i = 0; i < n; i++)
                cli_json_item(c, s, &tags[i], &items[i], items[i].buf, &all, i == n - 1);
            fputs("]\n", stdout);
        }
        rc = CLI_FAIL;
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
