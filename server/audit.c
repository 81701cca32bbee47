/* The audit log (audit.h): CPU events formatted as JSON lines and appended with one
 * write() per line, so a line is on its way to the file when the event returns.  The log
 * is a regular file (a FIFO, device, socket or directory is refused when it is opened). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "s7/audit.h"
#include "server/audit_int.h"
#include "server/files.h"
#include "util/clock.h"
#include "util/text.h"

struct s7_audit {
    int fd;
    char *path;
    unsigned mask;
    uint64_t lines, failed;
};

/* ---------------------------------------------------------------- formatting */

/* A bounded appender: keeps counting past the end like snprintf. */
static void sb_time(s7__jbuf *b, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    int frac = (int)(ms % 1000);
    if (frac < 0) {
        frac += 1000;
        t -= 1;
    }
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        memset(&tm, 0, sizeof tm);
    s7__jb_printf(b, "\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\"", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

const char *s7__audit_area_name(uint8_t area, char *tmp, size_t cap)
{
    switch (area) {
    case S7_AREA_DB: return "DB";
    case S7_AREA_DI: return "DI";
    case S7_AREA_I: return "I";
    case S7_AREA_Q: return "Q";
    case S7_AREA_M: return "M";
    case S7_AREA_T: return "T";
    case S7_AREA_C: return "C";
    case S7_AREA_P: return "P";
    case S7_AREA_L: return "L";
    case S7_AREA_V: return "V";
    default: snprintf(tmp, cap, "16#%02X", area); return tmp;
    }
}

static const char *ctrl_name(uint8_t ctrl)
{
    switch (ctrl) {
    case S7_CTRL_STOP: return "stop";
    case S7_CTRL_HOT_START: return "hot-start";
    case S7_CTRL_COLD_START: return "cold-start";
    case S7_CTRL_CLOCK_SET: return "clock-set";
    case S7_CTRL_FLASH_LED: return "flash-led";
    default: return "control";
    }
}

static void sb_result(s7__jbuf *b, const s7_cpu_event *ev)
{
    if (ev->err) {
        switch (ev->err) {
        case 0x8104: s7__jb_printf(b, "\"refused: PUT/GET not permitted\""); return;
        case 0x8500: s7__jb_printf(b, "\"refused: request larger than the PDU\""); return;
        default: s7__jb_printf(b, "\"refused: 0x%04X\"", ev->err); return;
        }
    }
    if (ev->kind == S7_EV_CONTROL) {
        if (ev->rc == 0x07 && ev->ctrl == S7_CTRL_STOP)
            s7__jb_printf(b, "\"ok (already in STOP)\"");
        else if (ev->rc == 0x03)
            s7__jb_printf(b, "\"ok (already in RUN)\"");
        else if (ev->rc == 0 || ev->rc == S7_RC_OK)
            s7__jb_printf(b, "\"ok\"");
        else
            s7__jb_printf(b, "\"status 0x%02X\"", ev->rc);
        return;
    }
    switch (ev->rc) {
    case S7_RC_OK: s7__jb_printf(b, "\"ok\""); return;
    case S7_RC_HW_FAULT: s7__jb_printf(b, "\"0x01 hardware fault\""); return;
    case S7_RC_ACCESS_DENIED: s7__jb_printf(b, "\"0x03 access denied\""); return;
    case S7_RC_ADDR_OUT_OF_RANGE: s7__jb_printf(b, "\"0x05 address out of range\""); return;
    case S7_RC_TYPE_UNSUPPORTED: s7__jb_printf(b, "\"0x06 type not supported\""); return;
    case S7_RC_TYPE_INCONSISTENT: s7__jb_printf(b, "\"0x07 type inconsistent\""); return;
    case S7_RC_NOT_FOUND: s7__jb_printf(b, "\"0x0A object does not exist\""); return;
    default: s7__jb_printf(b, "\"0x%02X\"", ev->rc); return;
    }
}

int s7_audit_format(const s7_cpu_event *ev, int64_t time_ms, char *buf, size_t cap)
{
    if (!ev)
        return 0;
    const char *op;
    int control = ev->kind == S7_EV_CONTROL || (ev->kind == S7_EV_REFUSED && ev->ctrl);
    switch (ev->kind) {
    case S7_EV_READ: op = "read"; break;
    case S7_EV_WRITE: op = "write"; break;
    case S7_EV_REFUSED:
        op = ev->ctrl                ? ctrl_name(ev->ctrl)
             : ev->fn == S7_FN_WRITE ? "write"
             : ev->fn == S7_FN_READ  ? "read"
                                     : "access";
        break;
    case S7_EV_CONTROL: op = ctrl_name(ev->ctrl); break;
    default: return 0;
    }
    s7__jbuf b = {buf, cap, 0};
    if (cap)
        buf[0] = 0;
    s7__jb_printf(&b, "{\"time\": ");
    sb_time(&b, time_ms);
    s7__jb_printf(&b, ", \"peer\": ");
    s7__jb_json_str(&b, ev->sess ? s7_cpu_session_peer(ev->sess) : "");
    s7__jb_printf(&b, ", \"op\": \"%s\"", op);
    if (!control && ev->area) {
        char tmp[8];
        int tc = ev->area == S7_AREA_T || ev->area == S7_AREA_C;
        s7__jb_printf(&b, ", \"area\": \"%s\", \"db\": %u, \"offset\": %lu",
                      s7__audit_area_name(ev->area, tmp, sizeof tmp), (unsigned)ev->db,
                      (unsigned long)(tc ? ev->start / 2 : ev->start));
        if (ev->ts == S7_TS_BIT)
            s7__jb_printf(&b, ", \"bit\": %u", (unsigned)ev->bit);
        s7__jb_printf(&b, ", \"length\": %lu", (unsigned long)(tc ? ev->len / 2 : ev->len));
    }
    s7__jb_printf(&b, ", \"result\": ");
    sb_result(&b, ev);
    s7__jb_printf(&b, "}\n");
    return (int)b.len;
}

/* ---------------------------------------------------------------- file */

/* Opens the log for appending: only a regular file (a FIFO, device, socket or directory is
 * refused at once, without blocking).  The descriptor, or -1 with the message in err. */
static int open_log(const char *path, char *err, size_t errcap)
{
    return s7__open_regular(path, O_WRONLY | O_CREAT | O_APPEND, 0644, "the audit log", err,
                            errcap);
}

int s7_audit_open(s7_audit **out, const char *path, unsigned mask, char *err, size_t errcap)
{
    if (err && errcap)
        err[0] = 0;
    if (!out || !path || !*path) {
        if (err && errcap)
            snprintf(err, errcap, "audit: no file name");
        return S7_ERR_INVAL;
    }
    *out = NULL;
    s7_audit *a = calloc(1, sizeof *a);
    size_t n = strlen(path);
    char *p = a ? malloc(n + 1) : NULL;
    if (!a || !p) {
        free(a);
        free(p);
        return S7_ERR_NOMEM;
    }
    memcpy(p, path, n + 1);
    a->path = p;
    a->mask = mask ? mask : S7_AUDIT_DEFAULT;
    a->fd = open_log(path, err, errcap);
    if (a->fd < 0) {
        free(a->path);
        free(a);
        return S7_ERR_IO;
    }
    *out = a;
    return 0;
}

int s7_audit_reopen(s7_audit *a)
{
    if (!a)
        return S7_ERR_INVAL;
    int fd = open_log(a->path, NULL, 0);
    if (fd < 0)
        return S7_ERR_IO; /* keep writing to the old file */
    close(a->fd);
    a->fd = fd;
    return 0;
}

/* Appends one line with a single write(). */
static int emit(s7_audit *a, const char *line, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(a->fd, line + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            a->failed++;
            return S7_ERR_IO;
        }
        off += (size_t)w;
    }
    a->lines++;
    return 1;
}

static int selected(const s7_audit *a, const s7_cpu_event *ev)
{
    switch (ev->kind) {
    case S7_EV_WRITE: return (a->mask & S7_AUDIT_WRITES) != 0;
    case S7_EV_READ: return (a->mask & S7_AUDIT_READS) != 0;
    case S7_EV_REFUSED: return (a->mask & S7_AUDIT_REFUSED) != 0;
    case S7_EV_CONTROL: return (a->mask & S7_AUDIT_CONTROL) != 0;
    default: return 0;
    }
}

int s7_audit_event(s7_audit *a, const s7_cpu_event *ev)
{
    if (!a || !ev || !selected(a, ev))
        return 0;
    char line[512];
    int n = s7_audit_format(ev, s7__wall_ms(), line, sizeof line);
    if (n <= 0)
        return 0;
    if ((size_t)n >= sizeof line) /* cannot happen: every field is bounded */
        n = (int)sizeof line - 1;
    return emit(a, line, (size_t)n);
}

int s7_audit_connect(s7_audit *a, const char *peer, const char *reason)
{
    if (!a || !(a->mask & S7_AUDIT_REFUSED))
        return 0;
    char line[768];
    s7__jbuf b = {line, sizeof line, 0};
    s7__jb_printf(&b, "{\"time\": ");
    sb_time(&b, s7__wall_ms());
    s7__jb_printf(&b, ", \"peer\": ");
    s7__jb_json_str(&b, peer);
    s7__jb_printf(&b, ", \"op\": \"connect\", \"result\": ");
    char r[400];
    snprintf(r, sizeof r, "refused: %s", reason ? reason : "");
    s7__jb_json_str(&b, r);
    s7__jb_printf(&b, "}\n");
    if (b.len >= sizeof line)
        return 0;
    return emit(a, line, b.len);
}

uint64_t s7_audit_lines(const s7_audit *a, uint64_t *failed)
{
    if (failed)
        *failed = a ? a->failed : 0;
    return a ? a->lines : 0;
}

void s7_audit_close(s7_audit *a)
{
    if (!a)
        return;
    close(a->fd);
    free(a->path);
    free(a);
}
