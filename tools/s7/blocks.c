/* s7 blocks HOST [BLOCK] (also s7 blocks info HOST BLOCK): the CPU's blocks per type with
 * their numbers (block functions, Userdata group 3), or one block's info.  --json:
 * docs/schema/s7-blocks.schema.json.  Also the BLOCK parser s7 upload uses. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common.h"

const char blocks_help[] =
    "Without BLOCK: lists the CPU's blocks per type (OB, FB, FC, DB, SDB, SFC, SFB) with their\n"
    "numbers.  With BLOCK (DB10, FC1, OB1, SFC46 ...): the block's info: language, lengths\n"
    "(load memory, MC7 code or DB data, local data), author, family, name, version,\n"
    "know-how protection.  S7-300/400 answer block functions; S7-1200/1500 refuse them\n"
    "(0x8104), which the command explains.  --json prints {blocks, error} or {block, error}.\n\n"
    "Exit codes: 0 answered, 1 refused by the CPU (or no such block), 2 usage, 3 no connection.\n\n"
    "Examples:\n"
    "  s7 blocks 192.168.0.20 --slot 2\n"
    "  s7 blocks info 192.168.0.20 DB10 --slot 2 --json\n\n";

int cli_parse_block(const char *text, uint8_t *type, uint16_t *number)
{
    static const struct {
        const char *p;
        uint8_t t;
    } T[] = {{"SFC", S7_BLOCK_SFC}, {"SFB", S7_BLOCK_SFB}, {"SDB", S7_BLOCK_SDB},
             {"OB", S7_BLOCK_OB},   {"FC", S7_BLOCK_FC},   {"FB", S7_BLOCK_FB},
             {"DB", S7_BLOCK_DB}};
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
        size_t l = strlen(T[i].p);
        long v;
        if (strncasecmp(text, T[i].p, l) == 0 && isdigit((unsigned char)text[l]) &&
            cli_parse_long(text + l, 0, 65535, &v) == 0) {
            *type = T[i].t;
            *number = (uint16_t)v;
            return 0;
        }
    }
    return -1;
}

/* The table's entry point; main.c runs cmd_blocks_main instead. */
int cmd_blocks(cli *c)
{
    (void)c;
    return CLI_USAGE;
}

static const char *lang_name(uint8_t l)
{
    static const char *const n[] = {"?",   "STL",    "LAD", "FBD", "SCL", "DB", "GRAPH",
                                    "SDB", "CPU-DB", "?",   "?",   "?",   "?"};
    return l < sizeof n / sizeof n[0] ? n[l] : "?";
}

static void fail_json(const char *key, const cli_why *w)
{
    printf("{\"%s\": null, \"error\": ", key);
    cli_json_error(stdout, w);
    fputs("}\n", stdout);
}

static int info(cli *c, s7_client *s, uint8_t type, uint16_t number)
{
    s7_block_info bi;
    int err = s7_client_block_info(s, type, number, &bi);
    if (err < 0) {
        cli_why w;
        char act[64];
        snprintf(act, sizeof act, "block info of %s%u", s7_block_type_name(type), number);
        cli_why_err(c, s, err, act, &w);
        cli_report(&w);
        if (c->json)
            fail_json("block", &w);
        return CLI_FAIL;
    }
    char ver[16];
    snprintf(ver, sizeof ver, "%u.%u", bi.version >> 4, bi.version & 0x0F);
    if (c->json) {
        printf("{\"block\": {\"type\": \"%s\", \"number\": %u, \"language\": \"%s\", ",
               s7_block_type_name(bi.type), bi.number, lang_name(bi.lang));
        printf("\"load_length\": %u, \"mc7_length\": %u, \"local_data\": %u, ", bi.load_len,
               bi.mc7_len, bi.local_len);
        printf("\"know_how_protected\": %s, \"author\": ", bi.know_how ? "true" : "false");
        cli_json_strn(stdout, bi.author);
        fputs(", \"family\": ", stdout);
        cli_json_strn(stdout, bi.family);
        fputs(", \"name\": ", stdout);
        cli_json_strn(stdout, bi.name);
        printf(", \"version\": \"%s\", \"checksum\": %u}, \"error\": null}\n", ver, bi.checksum);
        return CLI_OK;
    }
    printf("block          %s%u\n", s7_block_type_name(bi.type), bi.number);
    printf("language       %s\n", lang_name(bi.lang));
    printf("load memory    %u bytes\n", bi.load_len);
    printf("%-14s %u bytes\n", bi.type == S7_BLOCK_DB ? "data" : "MC7 code", bi.mc7_len);
    printf("local data     %u bytes\n", bi.local_len);
    printf("know-how       %s\n", bi.know_how ? "protected" : "not protected");
    printf("author         %s\n", bi.author);
    printf("family         %s\n", bi.family);
    printf("name           %s\n", bi.name);
    printf("version        %s\n", ver);
    printf("checksum       0x%04X\n", bi.checksum);
    return CLI_OK;
}

static int list(cli *c, s7_client *s)
{
    s7_block_count k[16];
    int n = s7_client_list_blocks(s, k, 16);
    if (n < 0) {
        cli_why w;
        cli_why_err(c, s, n, "list blocks", &w);
        cli_report(&w);
        if (c->json)
            fail_json("blocks", &w);
        return CLI_FAIL;
    }
    uint16_t *nums = malloc(65536 * sizeof *nums);
    if (!nums) {
        fprintf(stderr, "error: out of memory\n");
        return CLI_FAIL;
    }
    int rc = CLI_OK;
    if (c->json)
        fputs("{\"blocks\": [", stdout);
    for (int i = 0; i < n; i++) {
        const char *tn = s7_block_type_name(k[i].type);
        int m = 0;
        if (k[i].count) {
            m = s7_client_list_blocks_of_type(s, k[i].type, nums, 65536);
            if (m < 0) {
                cli_why w;
                char act[64];
                snprintf(act, sizeof act, "list of the %s blocks", tn);
                cli_why_err(c, s, m, act, &w);
                cli_report(&w);
                rc = CLI_FAIL;
                m = 0;
            }
        }
        if (c->json) {
            printf("%s{\"type\": \"%s\", \"count\": %u, \"numbers\": [", i ? ", " : "", tn,
                   k[i].count);
            for (int j = 0; j < m; j++)
                printf("%s%u", j ? ", " : "", nums[j]);
            fputs("]}", stdout);
        } else {
            printf("%-4s %5u", tn, k[i].count);
            for (int j = 0; j < m; j++)
                printf("%s%s%u", j ? " " : "  ", tn, nums[j]);
            fputc('\n', stdout);
        }
    }
    if (c->json)
        fputs("], \"error\": null}\n", stdout);
    free(nums);
    return rc;
}

int cmd_blocks_main(const cli_cmd *cmd, int argc, char **argv)
{
    int want_info = argc > 0 && strcmp(argv[0], "info") == 0;
    cli c;
    int rc = cli_parse(&c, cmd, argc - want_info, argv + want_info);
    if (rc == CLI_HELP_SHOWN)
        return CLI_OK;
    if (rc != CLI_OK)
        return rc;
    uint8_t type = 0;
    uint16_t number = 0;
    if (want_info && c.nargs != 1)
        rc = cli_usage_error(cmd, "s7 blocks info HOST BLOCK: name one block, e.g. DB10 or FC1");
    else if (c.nargs == 1 && cli_parse_block(c.args[0], &type, &number) < 0)
        rc = cli_usage_error(cmd,
                             "'%s' is not a block: a type (OB, FB, FC, DB, SDB, SFC, SFB) and a "
                             "number 0..65535, e.g. DB10",
                             c.args[0]);
    if (rc == CLI_OK) {
        s7_client *s = cli_connect(&c, &rc);
        if (s) {
            rc = c.nargs == 1 ? info(&c, s, type, number) : list(&c, s);
            s7_client_free(s);
        }
    }
    cli_free(&c);
    return rc;
}
