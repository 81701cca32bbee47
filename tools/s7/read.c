/* s7 read HOST ADDRESS...: every address in one s7_client_read call (the planner packs the
 * items into as few PDUs as fit), one "ADDRESS = VALUE" line per item or a JSON array. */
#include <stdlib.h>
#include <string.h>

#include "common.h"

int cmd_read(cli *c)
{
    int n = c->nargs, rc = CLI_OK, bad = 0, err;
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
    for (int i = 0; i < n; i++)
        if (cli_parse_tag(c, c->args[i], &tags[i]))
            bad++;
    if (bad) {
        cli_print_usage(stderr, c->cmd);
        rc = CLI_USAGE;
        goto out;
    }
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
    if (c->json)
        fputs("[\n", stdout);
    for (int i = 0; i < n; i++) {
        if (items[i].status != 0)
            rc = CLI_FAIL;
        if (c->json) {
            cli_json_item(c, s, &tags[i], &items[i], items[i].buf, NULL, i == n - 1);
        } else if (items[i].status == 0) {
            char addr[96];
            char *v = cli_value_text(&tags[i], bufs[i], s7_tag_wire_size(&tags[i]), 0);
            printf("%s = %s\n", cli_tag_text(&tags[i], addr, sizeof addr), v ? v : "?");
            free(v);
        } else {
            cli_why w;
            fflush(stdout);
            cli_why_item(c, s, &tags[i], &items[i], &w);
            cli_report(&w);
        }
    }
    if (c->json)
        fputs("]\n", stdout);

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
