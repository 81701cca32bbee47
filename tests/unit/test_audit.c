/* Audit log (server/audit.c): exact JSON lines for writes, reads, refusals (PUT/GET, item
 * codes, connections), control events, T/C element numbering, bits, escaping; the file is
 * appended per event, filtered by the mask, and reopened after a rotation; a FIFO, a
 * directory or a device is refused at once (a FIFO does not block the open). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "s7/audit.h"
#include "server/cpu_int.h" /* the session by value */
#include "t.h"

/* 2026-03-01T12:34:56.789Z */
#define T0 1772368496789LL

static s7_cpu_session sess;

static s7_cpu_event ev_of(int kind, uint8_t area, uint16_t db, uint32_t start, uint32_t len,
                          uint8_t rc)
{
    s7_cpu_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    ev.sess = &sess;
    ev.area = area;
    ev.db = db;
    ev.start = start;
    ev.len = len;
    ev.rc = rc;
    ev.ts = S7_TS_BYTE;
    return ev;
}

static const char *fmt(const s7_cpu_event *ev)
{
    static char buf[600];
    int n = s7_audit_format(ev, T0, buf, sizeof buf);
    CHECK(n >= 0 && (size_t)n < sizeof buf);
    CHECK_INT((size_t)n, strlen(buf));
    return buf;
}

static void test_format(void)
{
    snprintf(sess.peer, sizeof sess.peer, "127.0.0.1:40512");
    s7_cpu_event ev = ev_of(S7_EV_WRITE, S7_AREA_DB, 1, 4, 4, S7_RC_OK);
    CHECK_STR(fmt(&ev),
              "{\"time\": \"2026-03-01T12:34:56.789Z\", \"peer\": \"127.0.0.1:40512\", "
              "\"op\": \"write\", \"area\": \"DB\", \"db\": 1, \"offset\": 4, \"length\": 4, "
              "\"result\": \"ok\"}\n");

    ev = ev_of(S7_EV_READ, S7_AREA_M, 0, 10, 2, S7_RC_OK);
    CHECK_STR(fmt(&ev),
              "{\"time\": \"2026-03-01T12:34:56.789Z\", \"peer\": \"127.0.0.1:40512\", "
              "\"op\": \"read\", \"area\": \"M\", \"db\": 0, \"offset\": 10, \"length\": 2, "
              "\"result\": \"ok\"}\n");

    /* PUT/GET not permitted: the whole job refused */
    ev = ev_of(S7_EV_REFUSED, S7_AREA_DB, 3, 0, 2, 0x81);
    ev.err = 0x8104;
    CHECK_STR(fmt(&ev),
              "{\"time\": \"2026-03-01T12:34:56.789Z\", \"peer\": \"127.0.0.1:40512\", "
              "\"op\": \"access\", \"area\": \"DB\", \"db\": 3, \"offset\": 0, \"length\": 2, "
              "\"result\": \"refused: PUT/GET not permitted\"}\n");
    ev.err = 0x8500;
    CHECK(strstr(fmt(&ev), "\"result\": \"refused: request larger than the PDU\"}") != NULL);
    ev.err = 0x8404;
    CHECK(strstr(fmt(&ev), "\"result\": \"refused: 0x8404\"}") != NULL);

    /* item codes */
    ev = ev_of(S7_EV_REFUSED, S7_AREA_DB, 2, 0, 1, S7_RC_ADDR_OUT_OF_RANGE);
    CHECK(strstr(fmt(&ev), "\"result\": \"0x05 address out of range\"}") != NULL);
    ev.rc = S7_RC_NOT_FOUND;
    CHECK(strstr(fmt(&ev), "\"result\": \"0x0A object does not exist\"}") != NULL);
    ev.rc = S7_RC_ACCESS_DENIED;
    CHECK(strstr(fmt(&ev), "\"result\": \"0x03 access denied\"}") != NULL);
    ev = ev_of(S7_EV_WRITE, S7_AREA_DB, 1, 1020, 8, S7_RC_ADDR_OUT_OF_RANGE);
    CHECK(strstr(fmt(&ev),
                 "\"op\": \"write\", \"area\": \"DB\", \"db\": 1, \"offset\": 1020, \"length\": 8, "
                 "\"result\": \"0x05 address out of range\"}") != NULL);
    ev.rc = S7_RC_TYPE_INCONSISTENT;
    CHECK(strstr(fmt(&ev), "\"0x07 type inconsistent\"") != NULL);
    ev.rc = 0x42;
    CHECK(strstr(fmt(&ev), "\"result\": \"0x42\"}") != NULL);

    /* a bit, timers and counters by element, other areas */
    ev = ev_of(S7_EV_WRITE, S7_AREA_Q, 0, 1, 1, S7_RC_OK);
    ev.ts = S7_TS_BIT;
    ev.bit = 3;
    CHECK(strstr(fmt(&ev),
                 "\"area\": \"Q\", \"db\": 0, \"offset\": 1, \"bit\": 3, \"length\": 1,") != NULL);
    ev = ev_of(S7_EV_WRITE, S7_AREA_C, 0, 6, 4, S7_RC_OK);
    CHECK(strstr(fmt(&ev), "\"area\": \"C\", \"db\": 0, \"offset\": 3, \"length\": 2,") != NULL);
    ev = ev_of(S7_EV_READ, S7_AREA_T, 0, 10, 2, S7_RC_OK);
    CHECK(strstr(fmt(&ev), "\"area\": \"T\", \"db\": 0, \"offset\": 5, \"length\": 1,") != NULL);
    ev = ev_of(S7_EV_REFUSED, S7_AREA_I, 0, 0, 1, S7_RC_ACCESS_DENIED);
    CHECK(strstr(fmt(&ev), "\"area\": \"I\"") != NULL);
    ev.area = 0x42;
    CHECK(strstr(fmt(&ev), "\"area\": \"16#42\"") != NULL);
    /* a job refused before any item could be parsed: no area */
    ev = ev_of(S7_EV_REFUSED, 0, 0, 0, 0, 0x81);
    ev.err = 0x8104;
    CHECK_STR(fmt(&ev), "{\"time\": \"2026-03-01T12:34:56.789Z\", \"peer\": \"127.0.0.1:40512\", "
                        "\"op\": \"access\", \"result\": \"refused: PUT/GET not permitted\"}\n");

    /* control */
    ev = ev_of(S7_EV_CONTROL, 0, 0, 0, 0, 0);
    ev.ctrl = S7_CTRL_STOP;
    CHECK_STR(fmt(&ev), "{\"time\": \"2026-03-01T12:34:56.789Z\", \"peer\": \"127.0.0.1:40512\", "
                        "\"op\": \"stop\", \"result\": \"ok\"}\n");
    ev.rc = 0x07;
    CHECK(strstr(fmt(&ev), "\"op\": \"stop\", \"result\": \"ok (already in STOP)\"}") != NULL);
    ev.ctrl = S7_CTRL_HOT_START;
    ev.rc = 0x03;
    CHECK(strstr(fmt(&ev), "\"op\": \"hot-start\", \"result\": \"ok (already in RUN)\"}") != NULL);
    ev.ctrl = S7_CTRL_CLOCK_SET;
    ev.rc = 0;
    CHECK(strstr(fmt(&ev), "\"op\": \"clock-set\", \"result\": \"ok\"}") != NULL);
    ev = ev_of(S7_EV_REFUSED, 0, 0, 0, 0, 0x81);
    ev.ctrl = S7_CTRL_COLD_START;
    ev.err = 0x8104;
    CHECK(strstr(fmt(&ev),
                 "\"op\": \"cold-start\", \"result\": \"refused: PUT/GET not permitted\"}") !=
          NULL);

    /* escaping, no session, millisecond edge */
    snprintf(sess.peer, sizeof sess.peer, "a\"b\\c\n");
    ev = ev_of(S7_EV_WRITE, S7_AREA_DB, 1, 0, 1, S7_RC_OK);
    CHECK(strstr(fmt(&ev), "\"peer\": \"a\\\"b\\\\c\\u000a\"") != NULL);
    ev.sess = NULL;
    CHECK(strstr(fmt(&ev), "\"peer\": \"\"") != NULL);
    char buf[200];
    s7_audit_format(&ev, 0, buf, sizeof buf);
    CHECK(strncmp(buf, "{\"time\": \"1970-01-01T00:00:00.000Z\"", 35) == 0);
    s7_audit_format(&ev, 1772323199999LL, buf, sizeof buf);
    CHECK(strncmp(buf, "{\"time\": \"2026-02-28T23:59:59.999Z\"", 35) == 0);

    /* truncation reports the full length; unknown kinds give nothing */
    int full = s7_audit_format(&ev, T0, buf, sizeof buf);
    char small[16];
    CHECK_INT(s7_audit_format(&ev, T0, small, sizeof small), full);
    CHECK_INT(strlen(small), 15);
    ev.kind = 99;
    CHECK_INT(s7_audit_format(&ev, T0, buf, sizeof buf), 0);
}

static int count_lines(const char *path, char *last, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        n++;
        snprintf(last, cap, "%s", line);
    }
    fclose(f);
    return n;
}

static void test_file(void)
{
    char dir[] = "/tmp/s7audit.XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    char path[128], rotated[140], last[1024];
    snprintf(path, sizeof path, "%s/audit.jsonl", dir);
    snprintf(rotated, sizeof rotated, "%s.1", path);
    snprintf(sess.peer, sizeof sess.peer, "127.0.0.1:1");

    s7_audit *a = NULL;
    char err[256];
    CHECK_INT(s7_audit_open(&a, path, 0, err, sizeof err), 0);
    s7_cpu_event w = ev_of(S7_EV_WRITE, S7_AREA_DB, 1, 0, 2, S7_RC_OK);
    s7_cpu_event r = ev_of(S7_EV_READ, S7_AREA_DB, 1, 0, 2, S7_RC_OK);
    s7_cpu_event x = ev_of(S7_EV_REFUSED, S7_AREA_DB, 2, 0, 2, S7_RC_ADDR_OUT_OF_RANGE);
    CHECK_INT(s7_audit_event(a, &w), 1);
    CHECK_INT(count_lines(path, last, sizeof last), 1); /* on disk at once: no buffering */
    CHECK_INT(s7_audit_event(a, &r), 0);                /* reads not selected by default */
    CHECK_INT(s7_audit_event(a, &x), 1);
    CHECK_INT(s7_audit_connect(a, "10.0.0.9:5555", "partner not in the allow-list"), 1);
    CHECK_INT(count_lines(path, last, sizeof last), 3);
    CHECK(strstr(last, "\"peer\": \"10.0.0.9:5555\", \"op\": \"connect\", \"result\": \"refused: "
                       "partner not in the allow-list\"}") != NULL);

    /* rotation: rename, reopen, new lines go to the new file */
    CHECK_INT(rename(path, rotated), 0);
    CHECK_INT(s7_audit_event(a, &w), 1);
    CHECK_INT(count_lines(rotated, last, sizeof last), 4);
    CHECK_INT(s7_audit_reopen(a), 0);
    CHECK_INT(s7_audit_event(a, &w), 1);
    CHECK_INT(count_lines(path, last, sizeof last), 1);
    uint64_t failed = 9;
    CHECK_INT(s7_audit_lines(a, &failed), 5);
    CHECK_INT(failed, 0);
    s7_audit_close(a);

    /* appending to an existing file; reads on request; refused only */
    CHECK_INT(s7_audit_open(&a, path, S7_AUDIT_READS, err, sizeof err), 0);
    CHECK_INT(s7_audit_event(a, &r), 1);
    CHECK_INT(s7_audit_event(a, &w), 0);
    CHECK_INT(s7_audit_connect(a, "x", "y"), 0);
    s7_audit_close(a);
    CHECK_INT(count_lines(path, last, sizeof last), 2);
    CHECK(strstr(last, "\"op\": \"read\"") != NULL);

    /* a file that cannot be opened */
    CHECK_INT(s7_audit_open(&a, "/nonexistent-dir/audit.jsonl", 0, err, sizeof err), S7_ERR_IO);
    CHECK(a == NULL);
    CHECK(strstr(err, "cannot open the audit log /nonexistent-dir/audit.jsonl: No such file") !=
          NULL);
    s7_audit_close(NULL);

    unlink(path);
    unlink(rotated);
    rmdir(dir);
}

/* Only a regular file is an audit log; a FIFO must not block the open (the alarm fails the
 * test if it does). */
static void test_not_regular(void)
{
    char dir[64], fifo[96], err[600];
    snprintf(dir, sizeof dir, "/tmp/s7auditnr.XXXXXX");
    if (!mkdtemp(dir))
        abort();
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    CHECK_INT(mkfifo(fifo, 0600), 0);
    s7_audit *a = NULL;
    alarm(5);
    CHECK_INT(s7_audit_open(&a, fifo, 0, err, sizeof err), S7_ERR_IO);
    alarm(0);
    CHECK(a == NULL);
    CHECK(strstr(err, "the audit log") != NULL);
    CHECK(strstr(err, fifo) != NULL);
    CHECK(strstr(err, "is a FIFO, not a regular file") != NULL);
    CHECK_INT(s7_audit_open(&a, dir, 0, err, sizeof err), S7_ERR_IO);
    CHECK(strstr(err, "is a directory, not a regular file") != NULL);
    CHECK_INT(s7_audit_open(&a, "/dev/null", 0, err, sizeof err), S7_ERR_IO);
    CHECK(strstr(err, "/dev/null is a character device") != NULL);

    /* a rotation that puts a FIFO where the log was: the old file stays in use */
    char path[96];
    snprintf(path, sizeof path, "%s/audit.jsonl", dir);
    CHECK_INT(s7_audit_open(&a, path, 0, err, sizeof err), 0);
    CHECK_INT(unlink(path), 0);
    CHECK_INT(mkfifo(path, 0600), 0);
    alarm(5);
    CHECK_INT(s7_audit_reopen(a), S7_ERR_IO);
    alarm(0);
    CHECK_INT(s7_audit_connect(a, "1.2.3.4:5", "test"), 1);
    s7_audit_close(a);
    unlink(path);
    unlink(fifo);
    rmdir(dir);
}

int main(void)
{
    test_format();
    test_file();
    test_not_regular();
    return t_done();
}
