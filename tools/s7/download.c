/* s7 download HOST FILE: download a block file (as s7 upload writes it) to an S7-300/400 and
 * activate it.  --json: docs/schema/s7-download.schema.json. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

int cmd_download(cli *c)
{
    const char *path = c->args[0];
    uint8_t *img = NULL;
    size_t n = 0;
    char ferr[600];
    if (cli_read_file("the block file", path, 65536, &img, &n, ferr, sizeof ferr))
        return cli_usage_error(c->cmd, "%s", ferr);
    uint8_t sub = n > 5 ? img[5] : 0;
    const char *tn = sub == 0x08   ? "OB"
                     : sub == 0x0A ? "DB"
                     : sub == 0x0B ? "SDB"
                     : sub == 0x0C ? "FC"
                     : sub == 0x0E ? "FB"
                                   : NULL;
    if (n < 72 || n > 65536 || img[0] != 0x70 || img[1] != 0x70 || !tn) {
        free(img);
        return cli_usage_error(
            c->cmd,
            "'%s' is not a block file (%s%zu bytes): expected a block as s7 upload "
            "writes it (it starts with 70 70, an OB, FB, FC, DB or SDB)",
            path, n > 65536 ? "more than " : "", n > 65536 ? (size_t)65536 : n);
    }
    unsigned number = (unsigned)(img[6] << 8 | img[7]);
    int rc;
    s7_client *s = cli_connect(c, &rc);
    if (!s) {
        free(img);
        return rc;
    }
    int err = s7_client_download(s, img, n, -1);
    cli_why w;
    if (err < 0) {
        char act[64];
        snprintf(act, sizeof act, "download of %s%u", tn, number);
        cli_why_err(c, s, err, act, &w);
        cli_report(&w);
        rc = CLI_FAIL;
    } else {
        rc = CLI_OK;
    }
    if (c->json) {
        cli_json_block_file(tn, number, rc == CLI_OK, n, path, &w);
    } else if (rc == CLI_OK) {
        fprintf(stderr, "%s%u: %zu bytes downloaded and activated\n", tn, number, n);
    }
    s7_client_free(s);
    free(img);
    return rc;
}
