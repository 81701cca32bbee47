/* read_tags: read tags from a CPU and print them.
 *
 *   read_tags HOST[:PORT] ADDRESS...        e.g. read_tags 192.168.0.10 DB1.DBW0 MW10:INT
 *
 * Connects as a PG to rack 0 slot 1, reads every address in one call (the library packs
 * them into as few PDUs as fit) and prints each value or what went wrong with it.  Exit 0
 * when every tag was read, 1 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <s7/client.h>
#include <s7/tag.h>
#include <s7/version.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s HOST[:PORT] ADDRESS...  (libs7 %s)\n", argv[0], s7_version());
        return 2;
    }
    char host[256];
    snprintf(host, sizeof host, "%s", argv[1]);
    uint16_t port = 0; /* 0: port 102 */
    char *colon = strrchr(host, ':');
    if (colon) {
        *colon = '\0';
        port = (uint16_t)atoi(colon + 1);
    }

    size_t n = (size_t)argc - 2;
    s7_tag *tags = calloc(n, sizeof *tags);
    s7_item *items = calloc(n, sizeof *items);
    uint8_t **bufs = calloc(n, sizeof *bufs);
    if (!tags || !items || !bufs)
        return 1;
    for (size_t i = 0; i < n; i++) {
        char err[160];
        if (s7_tag_parse(argv[i + 2], &tags[i], err, sizeof err) < 0) {
            fprintf(stderr, "%s\n", err);
            return 2;
        }
        bufs[i] = calloc(1, s7_tag_wire_size(&tags[i]));
        s7_item_from_tag(&items[i], &tags[i], bufs[i]);
    }

    s7_client_opts o;
    s7_client_opts_init(&o); /* rack 0, slot 1, PG connection, 3 s timeouts */
    s7_client *c = s7_client_new(&o);
    int rc = s7_client_connect(c, host, port);
    if (rc < 0) {
        fprintf(stderr, "connect %s: %s\n", argv[1], s7_strerror(rc));
        s7_client_free(c);
        return 1;
    }
    printf("connected: PDU %u, %u jobs in flight\n", s7_client_pdu(c), s7_client_amq(c));

    rc = s7_client_read(c, items, n);
    if (rc < 0 && rc != S7_ERR_ITEM) {
        /* the whole request failed: a connection error, or the CPU refused it (PUT/GET) */
        const s7_explain *e = s7_client_last_error(c);
        fprintf(stderr, "read: %s\n", s7_strerror(rc));
        if (e && e->code)
            fprintf(stderr, "  cause: %s\n  fix: %s\n", e->cause, e->fix);
    }
    int failed = rc < 0;
    for (size_t i = 0; i < n && (rc == 0 || rc == S7_ERR_ITEM); i++) {
        char name[64], value[256];
        s7_tag_format(&tags[i], name, sizeof name);
        if (items[i].status == 0) {
            s7_value_format(&tags[i], bufs[i], s7_tag_wire_size(&tags[i]), 0, value, sizeof value);
            printf("%-24s %s\n", name, value);
        } else {
            printf("%-24s error: %s (item return code 0x%02X)\n", name,
                   s7_strerror(items[i].status), items[i].rc);
            failed = 1;
        }
    }

    s7_client_free(c);
    for (size_t i = 0; i < n; i++)
        free(bufs[i]);
    free(bufs);
    free(items);
    free(tags);
    return failed ? 1 : 0;
}
