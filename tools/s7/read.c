/* s7 read HOST ADDRESS...: every address in one s7_client_read call (the planner packs the
 * items into as few PDUs as fit), one "ADDRESS = VALUE" line per item or a JSON array. */
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* One JSON object for item i on stdout. */
static void json_item(const cli *c, s7_client *s, const s7_tag *t, const s7_item *it,
                      const cli_why *all, int last)
{
    char addr[96], type[48];
    fputs("  {\"address\": ", stdout);
    cli_json_str(stdout, cli_tag_text(t, addr, sizeof addr));
    fputs(", \"type\": ", stdout);
    cli_json_str(stdout, cli_type_text(t, type, sizeof type));
    if (!all && it->status == 0) {
        char *v = cli_value_text(t, it->buf, s7_tag_wire_size(t), 1);
        printf(", \"value\": %s, \"status\": \"ok\"}", v ? v : "null");
        free(v);
    } else {
        cli_why w;
        if (all)
            w = *all;
        else
            cli_why_item(c, s, t, it, &w);
        fputs(", \"value\": null, ", stdout);
        cli_json_why(stdout, &w);
        if (!all && it->status == S7_ERR_ITEM)
            printf(", \"code\": \"0x%02X\"", it->rc);
        fputs("}", stdout);
    }
    fputs(last ? "\n" : ",\n", stdout);
}

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
                json_item(c, s, &tags[i], &items[i], &all, i == n - 1);
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
            json_item(c, s, &tags[i], &items[i], NULL, i == n - 1);
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
