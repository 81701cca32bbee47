/* s7 watch HOST ADDRESS... [--every MS] [--count N] [--push]: poll the addresses (one read
 * call per poll) and print a timestamped line whenever a value or an item's status changes
 * (the first values too).  When the connection drops it says so and reconnects
 * (s7_client_reconnect) on the next polls.  --count bounds the number of polls.
 * --push: subscribe to the addresses (cyclic data, change driven, looked at every --every
 * ms) so the CPU sends changes itself; where the CPU refuses (S7-1200/1500, Snap7's server,
 * items that do not fit one PDU) it says so on stderr (and as a JSON event) and polls.
 * Under --push, --count bounds the updates (the first values, then each push); after a
 * reconnect it subscribes again. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* Wall-clock time "2026-11-21T13:45:00.123" into buf; under --json with the UTC offset,
 * "2026-11-21T13:45:00.123+01:00" (ISO 8601, docs/json.md). */
static int json_mode;
static const char *stamp(char *buf, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    char day[32], zone[8] = "";
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
    if (json_mode) {
        char z[8];
        if (strftime(z, sizeof z, "%z", &tm) == 5)
            snprintf(zone, sizeof zone, "%.3s:%.2s", z, z + 3);
    }
    snprintf(buf, cap, "%.20s.%03d%s", day, (int)(ts.tv_nsec / 1000000L) % 1000, zone);
    return buf;
}

/* Per-item memory of what was printed last. */
typedef struct seen {
    int printed; /* something was printed for this item */
    int status;  /* last status */
    uint8_t rc;
    uint8_t *last; /* last value bytes */
} seen;

/* {"time": .., "address": .., "type": .. (the start of an item line under --json) */
static void json_item_head(const char *ts, const s7_tag *t)
{
    char addr[96], type[48];
    fputs("{\"time\": ", stdout);
    cli_json_str(stdout, ts);
    fputs(", \"address\": ", stdout);
    cli_json_str(stdout, cli_tag_text(t, addr, sizeof addr));
    fputs(", \"type\": ", stdout);
    cli_json_str(stdout, cli_type_text(t, type, sizeof type));
}

static void print_value(const cli *c, const char *ts, const s7_tag *t, const uint8_t *buf)
{
    char addr[96];
    char *v = cli_value_text(t, buf, s7_tag_wire_size(t), c->json);
    cli_tag_text(t, addr, sizeof addr);
    if (c->json) {
        json_item_head(ts, t);
        printf(", \"value\": %s, \"status\": \"ok\", \"error\": null}\n", v ? v : "null");
    } else {
        printf("%s %s = %s\n", ts, addr, v ? v : "?");
    }
    free(v);
    fflush(stdout);
}

static void print_item_error(const cli *c, s7_client *s, const char *ts, const s7_tag *t,
                             const s7_item *it)
{
    char addr[96];
    cli_why w;
    cli_tag_text(t, addr, sizeof addr);
    cli_why_item(c, s, t, it, &w);
    if (c->json) {
        json_item_head(ts, t);
        fputs(", \"value\": null, \"status\": ", stdout);
        cli_json_str(stdout, w.id);
        fputs(", \"error\": ", stdout);
        cli_json_error(stdout, &w);
        fputs("}\n", stdout);
    } else {
        printf("%s %s: error %s\n", ts, addr, w.name);
    }
    fflush(stdout);
    cli_report(&w);
}

/* An event line ("disconnected", "reconnected", "error") under --json. */
static void json_event(const char *ts, const char *event, const cli_why *w)
{
    fputs("{\"time\": ", stdout);
    cli_json_str(stdout, ts);
    fputs(", \"event\": ", stdout);
    cli_json_str(stdout, event);
    fputs(", \"error\": ", stdout);
    if (w)
        cli_json_error(stdout, w);
    else
        fputs("null", stdout);
    fputs("}\n", stdout);
    fflush(stdout);
}

/* A reconnect that failed: why, with the cause and fix for a CPU that was connected a moment
 * ago (s7_err_explain_served: its address was right, what changed is the CPU or the way to
 * it: a restart, power or link, a new firewall rule, connection resources held by the old
 * connection or others), on stderr and as an "error" event under --json.  Without it a
 * failing reconnect was silent after "reconnecting": the user could not tell a CPU that is
 * off from a firewall or a full connection table. */
static void reconnect_failed(const cli *c, s7_client *s, int err)
{
    cli_why w;
    char ts[64];
    cli_why_err(c, s, err, "reconnect", &w);
    s7_err_ctx ex = {.host = c->host, .port = (uint16_t)c->port};
    char cause[sizeof w.cause], fix[sizeof w.fix];
    if (s7_err_explain_served(err, &ex, cause, sizeof cause, fix, sizeof fix)) {
        memcpy(w.cause, cause, sizeof cause);
        memcpy(w.fix, fix, sizeof fix);
    }
    stamp(ts, sizeof ts);
    fprintf(stderr, "%s reconnect failed, trying again: %s\n", ts, w.what);
    if (w.cause[0])
        fprintf(stderr, "  cause: %s\n", w.cause);
    if (w.fix[0])
        fprintf(stderr, "  fix: %s\n", w.fix);
    if (c->json)
        json_event(ts, "error", &w);
}

static int conn_lost(s7_client *s, int err)
{
    return err == S7_ERR_NOTCONN || (err < 0 && s7_err_is_fatal(err)) || !s7_client_connected(s);
}

/* What watch keeps: the tags, items, their buffers and what was printed last. */
typedef struct watch {
    int n;
    s7_tag *tags;
    s7_item *items;
    uint8_t **bufs;
    seen *sn;
    long updates; /* --push: the first values and every push since */
} watch;

/* Print the items whose value or status changed since last printed. */
static void report(const cli *c, s7_client *s, const char *ts, watch *w)
{
    for (int i = 0; i < w->n; i++) {
        const s7_item *it = &w->items[i];
        seen *sn = &w->sn[i];
        uint32_t sz = s7_tag_wire_size(&w->tags[i]);
        int changed = !sn->printed || sn->status != it->status;
        if (!changed && it->status == 0)
            changed = memcmp(sn->last, w->bufs[i], sz) != 0;
        else if (!changed && it->status == S7_ERR_ITEM)
            changed = sn->rc != it->rc;
        if (!changed)
            continue;
        if (it->status == 0) {
            print_value(c, ts, &w->tags[i], w->bufs[i]);
            memcpy(sn->last, w->bufs[i], sz);
        } else {
            print_item_error(c, s, ts, &w->tags[i], it);
        }
        sn->printed = 1;
        sn->status = it->status;
        sn->rc = it->rc;
    }
}

typedef struct push_ctx {
    const cli *c;
    watch *w;
} push_ctx;

/* A push: print what changed. */
static void on_push(s7_client *s, int job, s7_item *items, size_t n, void *ud)
{
    push_ctx *p = ud;
    char ts[40];
    (void)job;
    (void)items;
    (void)n;
    p->w->updates++;
    report(p->c, s, stamp(ts, sizeof ts), p->w);
}

/* --push: subscribe.  1 when the CPU pushes from now on (the first values printed), 0 when
 * it refused (said on stderr and as a JSON event: watch polls), -1 when the connection was
 * lost. */
static int subscribe(const cli *c, s7_client *s, watch *w, push_ctx *p)
{
    char ts[40];
    for (int i = 0; i < w->n; i++)
        s7_item_from_tag(&w->items[i], &w->tags[i], w->bufs[i]);
    int job = s7_client_subscribe(s, w->items, (size_t)w->n, (uint32_t)c->every_ms, S7_CYC_CHANGE,
                                  on_push, p);
    stamp(ts, sizeof ts);
    if (job < 0) {
        cli_why why;
        cli_why_err(c, s, job, "subscription", &why);
        int lost = conn_lost(s, job);
        /* a peer that closes the connection when asked (the Snap7 server) does not serve
         * cyclic data either: polled after the reconnect */
        fprintf(stderr, "%s the CPU does not push these values (%s): %spolling every %ld ms\n", ts,
                why.what, lost ? "reconnecting and " : "", c->every_ms);
        if (c->json)
            json_event(ts, "poll", &why);
        return lost ? -1 : 0;
    }
    fprintf(stderr,
            "%s subscribed: the CPU pushes changes (cyclic data, job %d, looked at every %ld "
            "ms)\n",
            ts, job, c->every_ms);
    if (c->json)
        json_event(ts, "push", NULL);
    w->updates++;
    report(c, s, ts, w);
    return 1;
}

int cmd_watch(cli *c)
{
    int n = c->nargs, rc = CLI_OK, last_ok = 0, down = 0;
    long poll;
    uint16_t last_whole = 0;
    s7_tag *tags = calloc((size_t)n, sizeof *tags);
    s7_item *items = calloc((size_t)n, sizeof *items);
    uint8_t **bufs = calloc((size_t)n, sizeof *bufs);
    seen *sn = calloc((size_t)n, sizeof *sn);
    s7_client *s = NULL;
    struct sigaction sa;
    char ts[40];

    if (!tags || !items || !bufs || !sn) {
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
        sn[i].last = calloc(sz ? sz : 1, 1);
        if (!bufs[i] || !sn[i].last) {
            fprintf(stderr, "error: out of memory\n");
            rc = CLI_FAIL;
            goto out;
        }
    }

    json_mode = c->json;
    /* Ctrl-C / SIGTERM end the loop cleanly (also when they arrive while connecting). */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    s = cli_connect(c, &rc);
    if (!s)
        goto out;
    watch w8 = {n, tags, items, bufs, sn, 0};
    push_ctx pctx = {c, &w8};
    int pushing = 0, try_push = c->push, push_refused = 0;
    const char *action = "read"; /* what the connection was lost during, for the message */
    int last_reconnect_err = 0;  /* the reason the reconnects fail, said once */

    for (poll = 0; !stop_flag && (c->count == 0 || poll < c->count); poll++) {
        int64_t t0 = cli_now_ms();
        int err;

        if (down) {
            /* Reconnect: the library closes the old socket first and backs off. */
            err = s7_client_reconnect(s, 1);
            if (stop_flag)
                break;
            if (err < 0) {
                last_ok = 0;
                if (err != last_reconnect_err) /* each new reason once, not every poll */
                    reconnect_failed(c, s, err);
                last_reconnect_err = err;
                goto next;
            }
            last_reconnect_err = 0;
            down = 0;
            stamp(ts, sizeof ts);
            fprintf(stderr, "%s reconnected to %s:%u\n", ts, c->host, c->port);
            if (c->json)
                json_event(ts, "reconnected", NULL);
            try_push = c->push && !push_refused; /* the subscription ended with the connection */
        }

        if (try_push && !pushing) {
            int r = subscribe(c, s, &w8, &pctx);
            try_push = 0;
            if (r > 0) {
                pushing = 1;
                last_ok = 1;
                poll = w8.updates - 1;
                continue;
            }
            if (r < 0) { /* the peer closed the connection on the request */
                push_refused = 1;
                down = 1;
                last_ok = 0;
                goto next;
            }
        }
        if (pushing) {
            /* the pushes are printed by on_push while the handle is driven */
            long before = w8.updates;
            int64_t until = cli_now_ms() + 200;
            while (!stop_flag && w8.updates == before && cli_now_ms() < until &&
                   (err = s7_client_wait(s, 50)) >= 0) {
            }
            if (stop_flag)
                break;
            if (!s7_client_connected(s)) {
                err = S7_ERR_CLOSED;
                pushing = 0;
                action = "wait for pushes"; /* no read was sent: the client was listening */
                goto lost;
            }
            poll = w8.updates - 1;
            continue;
        }

        for (int i = 0; i < n; i++)
            s7_item_from_tag(&items[i], &tags[i], bufs[i]);
        err = s7_client_read(s, items, (size_t)n);
        if (stop_flag)
            break;
        stamp(ts, sizeof ts);
        if (err < 0 && err != S7_ERR_ITEM) {
            cli_why w;
        lost:
            stamp(ts, sizeof ts);
            last_ok = 0;
            cli_why_err(c, s, err, action, &w);
            action = "read";
            if (conn_lost(s, err)) {
                fprintf(stderr, "%s connection lost: %s; reconnecting\n", ts, w.what);
                if (c->json)
                    json_event(ts, "disconnected", &w);
                down = 1;
                last_whole = 0;
            } else {
                /* A whole-request PLC error (e.g. PUT/GET not permitted): say it once. */
                const s7_explain *e = s7_client_last_error(s);
                uint16_t code = e && e->code ? e->code : 0xFFFF;
                if (code != last_whole) {
                    fprintf(stderr, "%s ", ts);
                    cli_report(&w);
                    if (c->json)
                        json_event(ts, "error", &w);
                    last_whole = code;
                }
            }
            goto next;
        }
        last_whole = 0;
        last_ok = err == 0;
        report(c, s, ts, &w8);
    next:
        if (c->count == 0 || poll + 1 < c->count) {
            long left = (long)(t0 + c->every_ms - cli_now_ms());
            cli_sleep_ms(left);
        }
    }
    rc = last_ok || stop_flag ? CLI_OK : CLI_FAIL;

out:
    s7_client_free(s);
    if (bufs)
        for (int i = 0; i < n; i++) {
            free(bufs[i]);
            if (sn)
                free(sn[i].last);
        }
    free(sn);
    free(bufs);
    free(items);
    free(tags);
    return rc;
}
