/* s7bench-simulate: how `s7 inventory simulate` carries a plant of 100 CPUs and 300
 * exchanges (issue 11's goals: up in 2 s, at most 25% of one core, at most 100 MB).
 *
 *   s7bench-simulate [--s7 PATH] [--cpus N] [--window SECONDS] [--loopback]
 *
 * It writes the plant (10 cells of 10 S7-1500 CPUs and an HMI each, a SCADA server in a
 * control cell; per CPU: the cell's HMI GETs 64 bytes every 500 ms, the next CPU of the cell
 * GETs 32 bytes every 100 ms, SCADA GETs 16 bytes every 1 s), starts the simulation (in
 * network namespaces as root, else on loopback) and measures from outside:
 *   time to up    from the start of the process until every connection is set up and every
 *                 exchange has been done once (polled over its --control socket, 20 ms)
 *   steady CPU    user + system time of the process over the window (/proc/PID/stat)
 *                 divided by the window
 *   RSS           the process's peak resident set (VmHWM)
 * and prints them against the goals.  A benchmark, not a test: nothing here fails a build. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* The plant: ncpu CPUs in cells of 10. */
static int write_plant(const char *path, int ncpu)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ncell = (ncpu + 9) / 10;
    fprintf(f, "version: 1\nplant: simulation benchmark (%d CPUs)\ncells:\n", ncpu);
    for (int c = 0; c < ncell; c++)
        fprintf(f, "  - {name: cell%d, subnet: 10.61.%d.0/24}\n", c, c);
    fprintf(f, "  - {name: control, subnet: 10.61.200.0/24}\npartners:\n");
    fprintf(f, "  - {name: scada, address: 10.61.200.10, cell: control, kind: scada}\n");
    for (int c = 0; c < ncell; c++) {
        fprintf(f, "  - {name: hmi%d, address: 10.61.%d.200, cell: cell%d, kind: hmi, type: op}\n",
                c, c, c);
        for (int i = 0; i < 10 && c * 10 + i < ncpu; i++)
            fprintf(f,
                    "  - {name: plc%d-%d, address: 10.61.%d.%d, cell: cell%d, kind: plc, "
                    "profile: s7-1500, type: basic}\n",
                    c, i, c, 10 + i, c);
    }
    fputs("connections:\n", f);
    for (int n = 0; n < ncpu; n++) {
        int c = n / 10, i = n % 10;
        int in_cell = ncpu - c * 10 < 10 ? ncpu - c * 10 : 10;
        int next = (i + 1) % in_cell;
        fprintf(f,
                "  - {name: hmi%d-plc%d-%d, active: hmi%d, passive: plc%d-%d, exchanges: "
                "[{get: DB10.DBB0..DBB63, cycle: 500ms}]}\n",
                c, c, i, c, c, i);
        if (next != i)
            fprintf(f,
                    "  - {name: plc%d-%d-plc%d-%d, active: plc%d-%d, passive: plc%d-%d, "
                    "exchanges: [{get: DB20.DBB0..DBB31, cycle: 100ms}]}\n",
                    c, next, c, i, c, next, c, i);
        fprintf(f,
                "  - {name: scada-plc%d-%d, active: scada, passive: plc%d-%d, exchanges: "
                "[{get: DB30.DBB0..DBB15, cycle: 1s}]}\n",
                c, i, c, i);
    }
    return fclose(f);
}

/* One control command; the answer into buf.  0 or -1. */
static int control(const char *sock, const char *cmd, char *buf, size_t cap)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", sock);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    char line[128];
    int n = snprintf(line, sizeof line, "%s\n", cmd);
    if (write(fd, line, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    size_t got = 0;
    ssize_t r;
    while (got + 1 < cap && (r = read(fd, buf + got, cap - 1 - got)) > 0)
        got += (size_t)r;
    buf[got] = 0;
    close(fd);
    return 0;
}

typedef struct summary {
    unsigned long cpus, listening, up, conns, exok, nex;
    unsigned long long done, failed;
} summary;

static int get_summary(const char *sock, summary *s)
{
    char buf[512];
    if (control(sock, "summary", buf, sizeof buf) < 0)
        return -1;
    return sscanf(buf,
                  "cpus %lu listening %lu connections_up %lu/%lu exchanges_ok %lu/%lu done %llu "
                  "failed %llu",
                  &s->cpus, &s->listening, &s->up, &s->conns, &s->exok, &s->nex, &s->done,
                  &s->failed) == 8
               ? 0
               : -1;
}

/* user + system seconds of pid so far. */
static double cpu_s(pid_t pid)
{
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static long status_kb(pid_t pid, const char *key)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    size_t kl = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, kl) == 0 && line[kl] == ':')
            kb = strtol(line + kl + 1, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

int main(int argc, char **argv)
{
    const char *s7 = getenv("S7_BIN") ? getenv("S7_BIN") : "build/bin/s7";
    int ncpu = 100, window = 5, loopback = geteuid() != 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--s7") == 0 && i + 1 < argc)
            s7 = argv[++i];
        else if (strcmp(argv[i], "--cpus") == 0 && i + 1 < argc)
            ncpu = atoi(argv[++i]);
        else if (strcmp(argv[i], "--window") == 0 && i + 1 < argc)
            window = atoi(argv[++i]);
        else if (strcmp(argv[i], "--loopback") == 0)
            loopback = 1;
        else {
            fprintf(stderr, "usage: s7bench-simulate [--s7 PATH] [--cpus N] [--window SECONDS] "
                            "[--loopback]\n");
            return 2;
        }
    }
    if (ncpu < 2 || ncpu > 2000 || window < 1 || window > 600) {
        fprintf(stderr, "error: --cpus 2..2000, --window 1..600\n");
        return 2;
    }
    char dir[] = "/tmp/s7bench-sim-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char plant[128], sock[128], logp[128];
    snprintf(plant, sizeof plant, "%s/plant.yaml", dir);
    snprintf(sock, sizeof sock, "%s/ctl", dir);
    snprintf(logp, sizeof logp, "%s/sim.log", dir);
    if (write_plant(plant, ncpu) != 0) {
        perror(plant);
        return 1;
    }
    double t0 = now_s();
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        char *args[] = {(char *)s7, "inventory", "simulate",
                        plant,      "--control", sock,
                        "--for",    "10min",     loopback ? "--loopback" : NULL,
                        NULL};
        execv(s7, args);
        _exit(127);
    }
    summary sm;
    memset(&sm, 0, sizeof sm);
    double up = -1;
    for (int i = 0; i < 3000; i++) { /* 60 s at most */
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            fprintf(stderr, "error: the simulation ended; its log: %s\n", logp);
            return 1;
        }
        if (get_summary(sock, &sm) == 0 && sm.up == sm.conns && sm.exok == sm.nex) {
            up = now_s() - t0;
            break;
        }
        sleep_ms(20);
    }
    if (up < 0) {
        fprintf(stderr,
                "error: not up after 60 s (%lu/%lu connections, %lu/%lu exchanges); log %s\n",
                sm.up, sm.conns, sm.exok, sm.nex, logp);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        return 1;
    }
    sleep_ms(1000); /* settle: the first turns of every cycle are behind */
    summary a, b;
    get_summary(sock, &a);
    double c0 = cpu_s(pid), w0 = now_s();
    sleep_ms(window * 1000L);
    double c1 = cpu_s(pid), w1 = now_s();
    get_summary(sock, &b);
    long rss = status_kb(pid, "VmRSS"), hwm = status_kb(pid, "VmHWM");
    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
    double cpu = (c1 - c0) / (w1 - w0) * 100.0;
    double rate = (double)(b.done - a.done) / (w1 - w0);
    printf("s7 inventory simulate: %lu CPUs, %lu connections, %lu exchanges, %s\n", sm.cpus,
           sm.conns, sm.nex, loopback ? "loopback addresses" : "network namespaces");
    printf("  %-22s %12s %12s  %s\n", "figure", "measured", "goal", "");
    printf("  %-22s %10.2f s %10s s  %s\n", "time to up", up, "2", up <= 2.0 ? "ok" : "MISSED");
    printf("  %-22s %10.1f %% %10s %%  %s\n", "steady CPU (1 core)", cpu, "25",
           cpu <= 25.0 ? "ok" : "MISSED");
    printf("  %-22s %9.1f MB %9s MB  %s\n", "peak RSS", (double)hwm / 1024.0, "100",
           hwm / 1024.0 <= 100.0 ? "ok" : "MISSED");
    printf("  %-22s %9.1f MB\n", "RSS at the end", (double)rss / 1024.0);
    printf("  %-22s %12.0f /s (%llu failed in the window)\n", "exchanges done", rate,
           b.failed - a.failed);
    printf("  window %d s; exit %d after SIGTERM\n", window, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    unlink(plant);
    unlink(logp);
    rmdir(dir);
    return 0;
}
