/* s7 write HOST ADDRESS=VALUE...: values typed by their address, all items in one
 * s7_client_write call; a BOOL writes only its bit (a BOOL array is read first and only the
 * addressed bits change, those of the call's other BOOL items in its bytes included; one
 * bit written twice, a BOOL array's bytes shared with an item of another type, or any other
 * byte, timer or counter written by two items, is refused).  Reports each item. */
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* A BOOL array travels as the bytes that cover it: the other bits must be read first. */
static int needs_current(const s7_tag *t)
{
    return t->type == S7_T_BOOL && (t->count > 1 || t->array);
}

/* The bits and bytes of one item in its area: BOOL items as bits, all as the bytes they
 * travel in. */
static uint64_t first_bit(const s7_tag *t) { return (uint64_t)t->byte * 8 + t->bit; }
static uint32_t nbits(const s7_tag *t) { return t->count ? t->count : 1; }
static int same_area(const s7_tag *a, const s7_tag *b)
{
    return a->area == b->area && a->db == b->db && a->type != S7_T_TIMER &&
           a->type != S7_T_COUNTER && b->type != S7_T_TIMER && b->type != S7_T_COUNTER;
}
static int bytes_overlap(const s7_tag *a, const s7_tag *b)
{
    uint64_t a0 = a->byte, a1 = a0 + s7_tag_wire_size(a), b0 = b->byte,
             b1 = b0 + s7_tag_wire_size(b);
    return same_area(a, b) && a0 < b1 && b0 < a1;
}

/* Element k of a BOOL item's value in buf (a single BOOL: its byte 0/1). */
static int bool_get(const s7_tag *t, const uint8_t *buf, uint32_t k)
{
    if (!needs_current(t))
        return buf[0] & 1;
    uint64_t b = (uint64_t)t->bit + k;
    return (buf[b / 8] >> (b % 8)) & 1;
}

/* Items of one call that would undo each other's bits: the same bit twice, or a BOOL array
 * (written as the whole bytes that hold it) and another item that is not a BOOL in those
 * bytes.  Returns 0, or -1 with a message on stderr. */
static int overlaps(const s7_tag *tags, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            const s7_tag *a = &tags[i], *b = &tags[j];
            char ta[96], tb[96];
            /* timers and counters by number: T5 and T4:TIMER[3] both write T5 */
            int tc = a->type == S7_T_TIMER || a->type == S7_T_COUNTER;
            if (tc && a->type == b->type && a->area == b->area && a->byte < b->byte + nbits(b) &&
                b->byte < a->byte + nbits(a)) {
                fprintf(stderr,
                        "error: %s and %s both write %s%u: give each %s once (the CPU may take "
                        "them in either order)\n",
                        cli_tag_text(a, ta, sizeof ta), cli_tag_text(b, tb, sizeof tb),
                        a->type == S7_T_TIMER ? "T" : "C",
                        (unsigned)(a->byte > b->byte ? a->byte : b->byte),
                        a->type == S7_T_TIMER ? "timer" : "counter");
                return -1;
            }
            if (!bytes_overlap(a, b))
                continue;
            int ab = a->type == S7_T_BOOL, bb = b->type == S7_T_BOOL;
            if (ab && bb) {
                uint64_t a0 = first_bit(a), b0 = first_bit(b);
                if (a0 < b0 + nbits(b) && b0 < a0 + nbits(a)) {
                    uint64_t x = a0 > b0 ? a0 : b0;
                    fprintf(stderr,
                            "error: %s and %s both write bit %llu.%llu: give each bit once\n",
                            cli_tag_text(a, ta, sizeof ta), cli_tag_text(b, tb, sizeof tb),
                            (unsigned long long)(x / 8), (unsigned long long)(x % 8));
                    return -1;
                }
            } else if ((ab && needs_current(a)) || (bb && needs_current(b))) {
                fprintf(stderr,
                        "error: %s and %s write the same bytes, and a BOOL array is written as "
                        "the whole bytes that hold it: write them in two calls\n",
                        cli_tag_text(a, ta, sizeof ta), cli_tag_text(b, tb, sizeof tb));
                return -1;
            } else if (!ab || !bb) {
                /* MB0=1 MB0=2, MW0 and MB1, M0.0 and MB0: which value lands depends on the
                 * order the CPU takes the items (several requests may be in flight) */
                fprintf(stderr,
                        "error: %s and %s both write byte %u: give each byte once (the CPU may "
                        "take them in either order)\n",
                        cli_tag_text(a, ta, sizeof ta), cli_tag_text(b, tb, sizeof tb),
                        (unsigned)(a->byte > b->byte ? a->byte : b->byte));
                return -1;
            }
        }
    return 0;
}

/* The BOOL array i goes out as whole bytes read before: the bits other BOOL items of the
 * call write in those bytes are set in it too, or it would put their old values back. */
static void merge_bits(const s7_tag *tags, uint8_t *const *bufs, const s7_item *items, int n, int i)
{
    const s7_tag *a = &tags[i];
    uint64_t lo = (uint64_t)a->byte * 8, hi = lo + 8 * (uint64_t)s7_tag_wire_size(a);
    for (int j = 0; j < n; j++) {
        const s7_tag *b = &tags[j];
        if (j == i || b->type != S7_T_BOOL || items[j].status != 0 || !same_area(a, b))
            continue;
        for (uint32_t k = 0; k < nbits(b); k++) {
            uint64_t x = first_bit(b) + k;
            if (x < lo || x >= hi)
                continue;
            uint64_t r = x - lo;
            uint8_t m = (uint8_t)(1u << (r % 8));
            if (bool_get(b, bufs[j], k))
                bufs[i][r / 8] |= m;
            else
                bufs[i][r / 8] &= (uint8_t)~m;
        }
    }
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
    cli_why all, plc;

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
    if (!bad && overlaps(tags, n) < 0)
        bad++;
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
        for (int k = 0; k < nrmw; k++)
            if (items[rmw_of[k]].status == 0)
                merge_bits(tags, bufs, items, n, rmw_of[k]);
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
        /* a header error, a timeout or a dropped connection fails only the PDUs it
         * answered or left unanswered: the items the CPU confirmed have status 0 */
        sent = 1;
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
    if (sent && err != S7_ERR_PLC)
        for (int i = 0; i < n; i++)
            if (items[i].status == S7_ERR_PLC) { /* an earlier PDU's refusal, then err */
                cli_why_err(c, s, S7_ERR_PLC, "write", &plc);
                cli_report(&plc);
                break;
            }
    if (c->json)
        fputs("[\n", stdout);
    for (int i = 0; i < n; i++) {
        int landed = sent && items[i].status == 0;
        /* the failure that ended the call, a refusal of an earlier PDU, or an item its own
         * PDU's answer refused (its own reason) */
        const cli_why *w = !sent || items[i].status == err ? &all
                           : items[i].status == S7_ERR_PLC ? &plc
                                                           : NULL;
        if (c->json) {
            cli_json_item(c, s, &tags[i], &items[i], bufs[i], landed ? NULL : w, i == n - 1);
        } else if (!landed && !w) {
            cli_why own;
            fflush(stdout);
            cli_why_item(c, s, &tags[i], &items[i], &own);
            cli_report(&own);
        } else {
            char addr[96];
            cli_tag_text(&tags[i], addr, sizeof addr);
            if (landed) {
                char *v = cli_value_text(&tags[i], bufs[i], s7_tag_wire_size(&tags[i]), 0);
                printf("%s = %s (written)\n", addr, v ? v : "?");
                free(v);
            } else {
                const char *nm = w->name ? w->name : "ERROR";
                if (strncmp(nm, "S7_ERR_", 7) == 0) /* the name, as the CPU's are: TIMEOUT */
                    nm += 7;
                printf("%s: not written (%s%s%s)\n", addr, nm, w->code[0] ? " " : "", w->code);
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
