/* s7load: readings from /proc (CPU ticks of a process and of the machine, resident memory,
 * file limits, load average) and the clock. */
#include "gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

double gen_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t read_file(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, cap - 1, f);
    fclose(f);
    buf[n] = 0;
    return n;
}

int proc_ticks(int pid, unsigned long long *ticks)
{
    char path[64], buf[1024];
    if (pid > 0)
        snprintf(path, sizeof path, "/proc/%d/stat", pid);
    else
        snprintf(path, sizeof path, "/proc/self/stat");
    if (!read_file(path, buf, sizeof buf))
        return -1;
    /* after the ")" that closes the command name: state is field 3, utime 14, stime 15;
     * for a process these sum every thread, the exited ones included */
    const char *p = strrchr(buf, ')');
    unsigned long long ut = 0, st = 0;
    if (!p ||
        sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    *ticks = ut + st;
    return 0;
}

int proc_machine(unsigned long long *busy, unsigned long long *total)
{
    char buf[512];
    if (!read_file("/proc/stat", buf, sizeof buf))
        return -1;
    unsigned long long v[8] = {0};
    if (sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
               &v[4], &v[5], &v[6], &v[7]) < 4)
        return -1;
    *total = 0;
    for (int i = 0; i < 8; i++)
        *total += v[i];
    *busy = *total - v[3] - v[4];
    return 0;
}

/* The number after "key" in /proc/PID/status, -1 if absent. */
static long status_field(int pid, const char *key)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    if (!read_file(path, buf, sizeof buf))
        return -1;
    const char *p = strstr(buf, key);
    if (!p)
        return -1;
    return strtol(p + strlen(key), NULL, 10);
}

long proc_rss_kb(int pid) { return status_field(pid, "\nVmRSS:"); }

long proc_hwm_kb(int pid) { return status_field(pid, "\nVmHWM:"); }

int proc_reset_hwm(int pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/clear_refs", pid);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

int proc_tcp_queues(unsigned port, unsigned long long *tx, unsigned long long *rx, unsigned *socks)
{
    static const char *files[2] = {"/proc/net/tcp", "/proc/net/tcp6"};
    int any = 0;
    *tx = *rx = 0;
    *socks = 0;
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(files[i], "r");
        if (!f)
            continue;
        any = 1;
        char line[512];
        /* "sl local_address rem_address st tx_queue:rx_queue ...", hex; one line a socket */
        for (unsigned long n = 0; n < 10000000ul && fgets(line, sizeof line, f); n++) {
            unsigned lport = 0, st = 0;
            unsigned long long t = 0, r = 0;
            if (sscanf(line, " %*u: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x %llx:%llx", &lport, &st,
                       &t, &r) != 4)
                continue;
            if (lport != port || st == 0x0A) /* the listener's rx_queue is its accept backlog */
                continue;
            *tx += t;
            *rx += r;
            (*socks)++;
        }
        fclose(f);
    }
    return any ? 0 : -1;
}

long proc_threads(int pid) { return status_field(pid, "\nThreads:"); }

long proc_nofile(int pid)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/limits", pid);
    if (!read_file(path, buf, sizeof buf))
        return -1;
    const char *p = strstr(buf, "Max open files");
    if (!p)
        return -1;
    p += strlen("Max open files");
    while (*p == ' ')
        p++;
    if (strncmp(p, "unlimited", 9) == 0)
        return 0;
    return strtol(p, NULL, 10);
}

long proc_raise_nofile(long want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    if (rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur >= want)
        return (long)rl.rlim_cur;
    if (rl.rlim_max != RLIM_INFINITY && (long)rl.rlim_max < want) {
        struct rlimit hi = {(rlim_t)want, (rlim_t)want};
        if (setrlimit(RLIMIT_NOFILE, &hi) == 0) /* root (CAP_SYS_RESOURCE) only */
            return want;
    }
    rl.rlim_cur =
        rl.rlim_max == RLIM_INFINITY || (long)rl.rlim_max >= want ? (rlim_t)want : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    return (long)rl.rlim_cur;
}

int proc_loadavg(double la[3])
{
    char buf[256];
    if (!read_file("/proc/loadavg", buf, sizeof buf))
        return -1;
    return sscanf(buf, "%lf %lf %lf", &la[0], &la[1], &la[2]) == 3 ? 0 : -1;
}
