/* s7 upload HOST BLOCK -o FILE: upload one block (the MC7 block as the CPU holds it:
 * header, code or DB data, interface, footer) into FILE.  --json:
 * docs/schema/s7-upload.schema.json. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

int cmd_upload(cli *c)
{
    uint8_t type;
    uint16_t number;
    if (cli_parse_block(c->args[0], &type, &number) < 0)
        return cli_usage_error(c->cmd,
                               "'%s' is not a block: a type (OB, FB, FC, DB, SDB) and a number, "
                               "e.g. DB10",
                               c->args[0]);
    if (!c->out)
        return cli_usage_error(c->cmd, "where to: -o FILE, e.g. s7 upload %s %s -o %s.blk",
                               c->target, c->args[0], c->args[0]);
    int rc;
    s7_client *s = cli_connect(c, &rc);
    if (!s)
        return rc;
    size_t cap = 65536 + 1024;
    uint8_t *buf = malloc(cap);
    int n = buf ? s7_client_upload(s, type, number, buf, cap) : S7_ERR_NOMEM;
    cli_why w;
    if (n < 0) {
        char act[64];
        snprintf(act, sizeof act, "upload of %s%u", s7_block_type_name(type), number);
        cli_why_err(c, s, n, act, &w);
        rc = CLI_FAIL;
    } else {
        FILE *f = fopen(c->out, "wb");
        if (!f || fwrite(buf, 1, (size_t)n, f) != (size_t)n || fclose(f) != 0) {
            if (f)
                fclose(f);
            memset(&w, 0, sizeof w);
            w.name = "FILE";
            snprintf(w.id, sizeof w.id, "file");
            snprintf(w.what, sizeof w.what, "cannot write '%s': %s", c->out, strerror(errno));
            snprintf(w.cause, sizeof w.cause, "the directory is missing or not writable");
            snprintf(w.fix, sizeof w.fix, "name a file in a writable directory");
            rc = CLI_FAIL;
        } else {
            rc = CLI_OK;
        }
    }
    if (rc != CLI_OK)
        cli_report(&w);
    if (c->json) {
        cli_json_block_file(s7_block_type_name(type), number, rc == CLI_OK, (size_t)n, c->out, &w);
    } else if (rc == CLI_OK) {
        fprintf(stderr, "%s%u: %d bytes written to %s\n", s7_block_type_name(type), number, n,
                c->out);
    }
    free(buf);
    s7_client_free(s);
    return rc;
}
