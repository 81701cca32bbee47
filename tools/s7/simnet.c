/* s7 inventory simulate: the plant's cells and router as network namespaces (simnet.h).
 * The namespaces are made with ip(8) (`ip netns add`, so `ip netns exec` and `s7 inventory
 * check --as` find them), the rules loaded with nft(8) inside the router namespace; this
 * process enters a namespace only to open a socket there and returns at once. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "s7/exchange_sim.h"
#include "s7/plant.h"
#include "simnet.h"

#define NETNS_DIR "/var/run/netns"
#define PREFIX "s7sim"

typedef struct simnet_cell {
    char ns[96];
    int fd;
    int made;
    uint32_t net;
    int prefix;
    uint32_t router_ip;
    char router_if[16];
} simnet_cell;

struct simnet {
    const s7_plant *p;
    int verbose;
    int root_fd;
    char rns[96];
    int rfd;
    int rmade;
    simnet_cell *cells;
    size_t ncells;
    unsigned char *dropped; /* per connection: its router fault (S7_SIM_FAULT_ROUTER_*), 0 none */
    unsigned char *gone;    /* per partner: 1 while CPU:down holds */
};

/* Runs argv (in namespace fd when >= 0); 0 when it exits 0, else -1 with its first line of
 * stderr in err. */
static int run(int fd, char *const argv[], char *err, size_t cap)
{
    int pe[2];
    if (pipe(pe) != 0) {
        snprintf(err, cap, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, cap, "fork: %s", strerror(errno));
        close(pe[0]);
        close(pe[1]);
        return -1;
    }
    if (pid == 0) {
        int dn = open("/dev/null", O_RDWR);
        if (dn >= 0)
            dup2(dn, 1);
        dup2(pe[1], 2);
        close(pe[0]);
        if (fd >= 0 && setns(fd, CLONE_NEWNET) != 0)
            _exit(126);
        execvp(argv[0], argv);
        fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(pe[1]);
    char buf[512];
    size_t n = 0;
    ssize_t r;
    while (n + 1 < sizeof buf &&
           ((r = read(pe[0], buf + n, sizeof buf - 1 - n)) > 0 || (r < 0 && errno == EINTR)))
        if (r > 0)
            n += (size_t)r;
    buf[n] = 0;
    close(pe[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = 0;
    size_t l = 0;
    for (int i = 0; argv[i] && l < cap; i++)
        l += (size_t)snprintf(err + l, cap - l, "%s%s", i ? " " : "", argv[i]);
    if (l < cap)
        snprintf(err + l, cap - l, ": %s", buf[0] ? buf : "failed");
    return -1;
}

/* run() of a command line built from words (NULL-terminated). */
static int cmd(simnet *n, int fd, char *err, size_t cap, ...)
{
    char *argv[24];
    int k = 0;
    va_list ap;
    va_start(ap, cap);
    while (k < 23 && (argv[k] = va_arg(ap, char *)) != NULL)
        k++;
    va_end(ap);
    argv[k] = NULL;
    if (n->verbose) {
        fputs("simulate:", stderr);
        for (int i = 0; i < k; i++)
            fprintf(stderr, " %s", argv[i]);
        fputc('\n', stderr);
    }
    return run(fd, argv, err, cap);
}

static void ip_text(uint32_t ip, char *buf, size_t cap)
{
    snprintf(buf, cap, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

static int open_ns(const char *name)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", NETNS_DIR, name);
    return open(path, O_RDONLY | O_CLOEXEC);
}

/* The addresses of cell ci: its subnet (or the /24 of its first partner), and the router's
 * address in it (the documented router interface, else the highest free host address). */
static int plan_cell(simnet *n, size_t ci, char *err, size_t cap)
{
    const s7_plant *p = n->p;
    simnet_cell *c = &n->cells[ci];
    const s7_plant_cell *pc = &p->cells[ci];
    int have = pc->has_subnet;
    c->net = pc->net;
    c->prefix = pc->prefix;
    for (size_t i = 0; i < p->npartners; i++) {
        const s7_plant_partner *pt = &p->partners[i];
        if (pt->cell != ci)
            continue;
        if (pt->family != S7_PLANT_AF_INET) {
            snprintf(err, cap,
                     "partner %s: simulating in namespaces takes IPv4 addresses (%s); run with "
                     "--loopback",
                     pt->name, pt->address[0] ? pt->address : "no address");
            return -1;
        }
        if (!have) {
            c->net = pt->ip & 0xFFFFFF00u;
            c->prefix = 24;
            have = 1;
        }
        uint32_t mask = c->prefix ? 0xFFFFFFFFu << (32 - c->prefix) : 0;
        if ((pt->ip & mask) != c->net) {
            snprintf(err, cap,
                     "cell %s has no subnet and its partners are not in one /24; give it one "
                     "(subnet: 10.10.1.0/24)",
                     pc->name);
            return -1;
        }
    }
    if (!have || c->prefix > 30) {
        snprintf(err, cap, "cell %s: no subnet with room for a router (give subnet: .../24)",
                 pc->name);
        return -1;
    }
    snprintf(c->router_if, sizeof c->router_if, "c%u", (unsigned)(ci % 1000));
    for (size_t r = 0; r < p->nrouters; r++)
        for (size_t k = 0; k < p->routers[r].nifs; k++) {
            const s7_plant_router_if *ri = &p->routers[r].ifs[k];
            if (ri->cell == ci && ri->has_v4 && !c->router_ip) {
                c->router_ip = ri->ip;
                snprintf(c->router_if, sizeof c->router_if, "%s", ri->name);
            }
        }
    uint32_t bcast = c->net | (c->prefix ? ~(0xFFFFFFFFu << (32 - c->prefix)) : 0xFFFFFFFFu);
    for (uint32_t a = bcast - 1; !c->router_ip && a > c->net; a--) {
        int used = 0;
        for (size_t i = 0; i < p->npartners && !used; i++)
            used = p->partners[i].family == S7_PLANT_AF_INET && p->partners[i].ip == a;
        if (!used)
            c->router_ip = a;
    }
    if (!c->router_ip) {
        snprintf(err, cap, "cell %s: no free address for the router", pc->name);
        return -1;
    }
    return 0;
}

/* Runs the ip(8) commands of text in one process: `ip [-n NS] -batch FILE` (it stops at the
 * first command that fails and names its line).  0 or -1 with the message. */
static int batch(simnet *n, const char *ns, const char *text, char *err, size_t cap)
{
    char path[] = "/tmp/s7sim-ip-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        snprintf(err, cap, "temporary file: %s", strerror(errno));
        return -1;
    }
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    close(fd);
    if (n->verbose)
        fprintf(stderr, "simulate: ip%s%s -batch:\n%s", ns ? " -n " : "", ns ? ns : "", text);
    int rc = off < len ? -1
             : ns      ? cmd(n, -1, err, cap, "ip", "-n", ns, "-batch", path, NULL)
                       : cmd(n, -1, err, cap, "ip", "-batch", path, NULL);
    if (off < len)
        snprintf(err, cap, "%s: %s", path, strerror(errno));
    unlink(path);
    return rc;
}

/* The namespaces, the veth pair of each cell to the router, addresses and routes: one ip
 * process for the first namespace's part, one per namespace for the rest. */
static int build(simnet *n, char *err, size_t cap)
{
    const s7_plant *p = n->p;
    char *buf = NULL;
    size_t len = 0;
    unsigned pid = (unsigned)getpid() % 1000000u;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    /* what gets made is removed again by simnet_down, also when a line fails */
    n->rmade = 1;
    fprintf(f, "netns add %s\n", n->rns);
    for (size_t i = 0; i < n->ncells; i++) {
        n->cells[i].made = 1;
        fprintf(f, "netns add %s\n", n->cells[i].ns);
    }
    /* veth ends named s7s<PID>c<CELL> / r<CELL>: at most 15 characters (IFNAMSIZ) */
    for (size_t i = 0; i < n->ncells; i++) {
        unsigned cn = (unsigned)(i % 1000);
        fprintf(f, "link add s7s%uc%u type veth peer name s7s%ur%u\n", pid, cn, pid, cn);
        fprintf(f, "link set s7s%uc%u netns %s\n", pid, cn, n->cells[i].ns);
        fprintf(f, "link set s7s%ur%u netns %s\n", pid, cn, n->rns);
    }
    fclose(f);
    int rc = batch(n, NULL, buf, err, cap);
    free(buf);
    if (rc < 0)
        return -1;
    n->rfd = open_ns(n->rns);
    for (size_t i = 0; i < n->ncells; i++)
        n->cells[i].fd = open_ns(n->cells[i].ns);
    /* the router */
    buf = NULL;
    if (!(f = open_memstream(&buf, &len))) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    fputs("link set lo up\n", f);
    for (size_t i = 0; i < n->ncells; i++) {
        const simnet_cell *c = &n->cells[i];
        char rip[24];
        ip_text(c->router_ip, rip, sizeof rip);
        fprintf(f, "link set s7s%ur%u name %s\naddr add %s/%d dev %s\nlink set %s up\n", pid,
                (unsigned)(i % 1000), c->router_if, rip, c->prefix, c->router_if, c->router_if);
    }
    fclose(f);
    rc = batch(n, n->rns, buf, err, cap);
    free(buf);
    /* each cell: its partners' addresses on eth0, the router as the default route */
    for (size_t i = 0; rc == 0 && i < n->ncells; i++) {
        const simnet_cell *c = &n->cells[i];
        char rip[24];
        ip_text(c->router_ip, rip, sizeof rip);
        buf = NULL;
        if (!(f = open_memstream(&buf, &len))) {
            snprintf(err, cap, "out of memory");
            return -1;
        }
        fprintf(f, "link set lo up\nlink set s7s%uc%u name eth0\n", pid, (unsigned)(i % 1000));
        for (size_t k = 0; k < p->npartners; k++)
            if (p->partners[k].cell == i)
                fprintf(f, "addr add %s/%d dev eth0\n", p->partners[k].address, c->prefix);
        fprintf(f, "link set eth0 up\nroute add default via %s\n", rip);
        fclose(f);
        rc = batch(n, c->ns, buf, err, cap);
        free(buf);
    }
    if (rc == 0 && n->rfd < 0) {
        snprintf(err, cap, "%s/%s: %s", NETNS_DIR, n->rns, strerror(errno));
        return -1;
    }
    for (size_t i = 0; rc == 0 && i < n->ncells; i++)
        if (n->cells[i].fd < 0) {
            snprintf(err, cap, "%s/%s: cannot open it", NETNS_DIR, n->cells[i].ns);
            return -1;
        }
    return rc;
}

/* IPv4 forwarding on in the router namespace (its own /proc/sys/net), and routes over a link
 * that is down ignored. */
static int forwarding(simnet *n, char *err, size_t cap)
{
    if (setns(n->rfd, CLONE_NEWNET) != 0) {
        snprintf(err, cap, "entering %s: %s", n->rns, strerror(errno));
        return -1;
    }
    int fd = open("/proc/sys/net/ipv4/ip_forward", O_WRONLY | O_CLOEXEC);
    int ok = fd >= 0 && write(fd, "1\n", 2) == 2;
    if (fd >= 0)
        close(fd);
    /* as a real router: an interface that lost its link takes its subnet's route with it, so
     * the senders get ICMP net unreachable at once (not silence while a stale neighbour entry
     * lasts) */
    static const char *const extra[][2] = {
        {"/proc/sys/net/ipv4/conf/all/ignore_routes_with_linkdown", "1\n"},
        /* its ICMP errors are not rate limited: the simulation's own clients, retrying a
         * connection every second, would use up the allowance of a partner's address, and
         * the doctor run from there would see silence where the router does answer */
        {"/proc/sys/net/ipv4/icmp_ratelimit", "0\n"}};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
        fd = open(extra[i][0], O_WRONLY | O_CLOEXEC);
        if (fd >= 0) { /* a kernel without it: as before */
            ssize_t w = write(fd, extra[i][1], strlen(extra[i][1]));
            (void)w;
            close(fd);
        }
    }
    if (setns(n->root_fd, CLONE_NEWNET) != 0) {
        snprintf(err, cap, "returning to the first namespace: %s", strerror(errno));
        return -1;
    }
    if (!ok) {
        snprintf(err, cap, "%s: cannot turn IPv4 forwarding on", n->rns);
        return -1;
    }
    return 0;
}

/* A temporary rule file for nft -f, from template path (its XXXXXX replaced); NULL after a
 * message in err. */
static FILE *rule_file(char *path, char *err, size_t cap)
{
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        snprintf(err, cap, "temporary rule file: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    return f;
}

/* The inventory's rules in the router, and the fault table. */
static int rules(simnet *n, char *err, size_t cap)
{
    s7_fw *fw = NULL;
    int rc = s7_fw_build(n->p, NULL, &fw);
    if (rc < 0) {
        snprintf(err, cap, "cannot build the firewall rules: %s", s7_strerror(rc));
        return -1;
    }
    char path[] = "/tmp/s7sim-rules-XXXXXX";
    FILE *f = rule_file(path, err, cap);
    if (!f) {
        s7_fw_free(fw);
        return -1;
    }
    s7_fw_render_opts ro = {"s7 inventory simulate"};
    rc = s7_fw_render(fw, S7_FW_NFTABLES, &ro, f);
    fputs("\n# router faults of the simulation (s7 inventory simulate --fault router:drop:...)\n"
          "table inet s7sim {\n\tchain forward {\n\t\ttype filter hook forward priority -10; "
          "policy accept;\n\t}\n}\n",
          f);
    fclose(f);
    s7_fw_free(fw);
    int r = rc < 0 ? -1 : cmd(n, n->rfd, err, cap, "nft", "-f", path, NULL);
    unlink(path);
    return r;
}

simnet *simnet_up(const s7_plant *p, int verbose, char *err, size_t cap)
{
    simnet *n = calloc(1, sizeof *n);
    if (!n) {
        snprintf(err, cap, "out of memory");
        return NULL;
    }
    n->p = p;
    n->verbose = verbose;
    n->rfd = -1;
    n->root_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    n->cells = calloc(p->ncells ? p->ncells : 1, sizeof *n->cells);
    n->dropped = calloc(p->nconns ? p->nconns : 1, 1);
    n->gone = calloc(p->npartners ? p->npartners : 1, 1);
    if (!n->cells || !n->dropped || !n->gone || n->root_fd < 0) {
        snprintf(err, cap, "out of memory, or /proc/self/ns/net: %s", strerror(errno));
        simnet_down(n);
        return NULL;
    }
    n->ncells = p->ncells;
    for (size_t i = 0; i < n->ncells; i++)
        n->cells[i].fd = -1;
    snprintf(n->rns, sizeof n->rns, PREFIX "%d-router", (int)getpid());
    for (size_t i = 0; i < n->ncells; i++) {
        snprintf(n->cells[i].ns, sizeof n->cells[i].ns, PREFIX "%d-%s", (int)getpid(),
                 p->cells[i].name);
        if (plan_cell(n, i, err, cap) < 0) {
            simnet_down(n);
            return NULL;
        }
    }
    int ok = build(n, err, cap) == 0 && forwarding(n, err, cap) == 0 && rules(n, err, cap) == 0;
    if (!ok) {
        simnet_down(n);
        return NULL;
    }
    return n;
}

void simnet_down(simnet *n)
{
    if (!n)
        return;
    char err[256];
    for (size_t i = 0; i < n->ncells; i++) {
        if (n->cells[i].fd >= 0)
            close(n->cells[i].fd);
        if (n->cells[i].made)
            cmd(n, -1, err, sizeof err, "ip", "netns", "del", n->cells[i].ns, NULL);
    }
    if (n->rfd >= 0)
        close(n->rfd);
    if (n->rmade)
        cmd(n, -1, err, sizeof err, "ip", "netns", "del", n->rns, NULL);
    if (n->root_fd >= 0)
        close(n->root_fd);
    free(n->cells);
    free(n->dropped);
    free(n->gone);
    free(n);
}

int simnet_enter(simnet *n, size_t partner, int on, char *err, size_t cap)
{
    int fd = n->root_fd;
    if (on) {
        size_t ci = n->p->partners[partner].cell;
        fd = ci < n->ncells ? n->cells[ci].fd : -1;
    }
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
        snprintf(err, cap, "%s the namespace of partner %s: %s", on ? "entering" : "leaving",
                 n->p->partners[partner].name, fd < 0 ? "none" : strerror(errno));
        return -1;
    }
    return 0;
}

/* The fault table's chain rebuilt from the router fault of each connection: drop both ways,
 * reject the SYN (ICMP admin-prohibited or a TCP reset, as a REJECT rule does), or drop only
 * what comes back. */
static const char *router_kind(int k)
{
    return k == S7_SIM_FAULT_ROUTER_REJECT  ? "reject"
           : k == S7_SIM_FAULT_ROUTER_RESET ? "reset"
           : k == S7_SIM_FAULT_ROUTER_DROP  ? "drop"
                                            : "drop_replies";
}

int simnet_router(simnet *n, size_t conn, int kind, int on, char *err, size_t cap)
{
    if (conn >= n->p->nconns) {
        snprintf(err, cap, "no such connection");
        return -1;
    }
    const char *cname = n->p->conns[conn].name;
    int held = n->dropped[conn];
    if (!on && held != kind) {
        if (held)
            snprintf(err, cap,
                     "connection %s has no such router fault: it holds router:%s:%s (clear "
                     "router:%s:%s)",
                     cname, router_kind(held), cname, router_kind(held), cname);
        else
            snprintf(err, cap, "connection %s has no such router fault", cname);
        return -1;
    }
    /* one router fault a connection: a second one would silently take the first's place */
    if (on && held) {
        if (held == kind)
            snprintf(err, cap, "connection %s holds router:%s:%s already", cname, router_kind(held),
                     cname);
        else
            snprintf(err, cap,
                     "connection %s holds the fault router:%s:%s: one router fault a "
                     "connection; clear it first (clear router:%s:%s)",
                     cname, router_kind(held), cname, router_kind(held), cname);
        return -1;
    }
    /* the chain rebuilt in one nft transaction (nft -f): flushed and refilled rule by rule,
     * each rule one nft run, the other connections' faults were lifted for a while, and a
     * SYN of a connection held by router:drop got through then */
    char path[] = "/tmp/s7sim-faults-XXXXXX";
    FILE *f = rule_file(path, err, cap);
    if (!f)
        return -1;
    int was = n->dropped[conn];
    n->dropped[conn] = (unsigned char)(on ? kind : 0);
    fputs("flush chain inet s7sim forward\n", f);
    for (size_t c = 0; c < n->p->nconns; c++) {
        int k = n->dropped[c];
        if (!k)
            continue;
        const s7_plant_conn *cn = &n->p->conns[c];
        const s7_plant_partner *a = &n->p->partners[cn->active], *b = &n->p->partners[cn->passive];
        const char *what = router_kind(k);
        const char *verdict = k == S7_SIM_FAULT_ROUTER_REJECT
                                  ? "reject with icmpx type admin-prohibited"
                              : k == S7_SIM_FAULT_ROUTER_RESET ? "reject with tcp reset"
                              : k == S7_SIM_FAULT_ROUTER_DROP  ? "drop"
                                                               : NULL;
        if (verdict)
            fprintf(f,
                    "add rule inet s7sim forward ip saddr %s ip daddr %s tcp dport %u %s "
                    "comment \"fault router:%s:%s\"\n",
                    a->address, b->address, b->port, verdict, what, cn->name);
        fprintf(f,
                "add rule inet s7sim forward ip saddr %s ip daddr %s tcp sport %u drop "
                "comment \"fault router:%s:%s\"\n",
                b->address, a->address, b->port, what, cn->name);
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(err, cap, "temporary rule file %s: cannot write it", path);
        unlink(path);
        n->dropped[conn] = (unsigned char)was;
        return -1;
    }
    int rc = cmd(n, n->rfd, err, cap, "nft", "-f", path, NULL);
    unlink(path);
    if (rc < 0)
        n->dropped[conn] = (unsigned char)was; /* the transaction changed nothing */
    return rc < 0 ? -1 : 0;
}

/* Writes "1" to a /proc/sys file inside namespace fd; 0 or -1. */
static int sysctl_in(simnet *n, int fd, const char *path, char *err, size_t cap)
{
    if (setns(fd, CLONE_NEWNET) != 0) {
        snprintf(err, cap, "entering a namespace: %s", strerror(errno));
        return -1;
    }
    int f = open(path, O_WRONLY | O_CLOEXEC);
    int ok = f >= 0 && write(f, "1\n", 2) == 2;
    if (f >= 0)
        close(f);
    if (setns(n->root_fd, CLONE_NEWNET) != 0) {
        snprintf(err, cap, "returning to the first namespace: %s", strerror(errno));
        return -1;
    }
    if (!ok)
        snprintf(err, cap, "%s: cannot write it", path);
    return ok ? 0 : -1;
}

/* A host gone: its address leaves its cell's interface, so nobody answers ARP for it, and
 * the router forgets what it knew of it (its next packet to it asks ARP again, fails, and it
 * answers the senders with ICMP host unreachable).  Back: the address is added again. */
int simnet_host(simnet *n, size_t partner, int on, char *err, size_t cap)
{
    const s7_plant_partner *pt = &n->p->partners[partner];
    size_t ci = pt->cell;
    if (ci >= n->ncells || n->cells[ci].fd < 0) {
        snprintf(err, cap, "partner %s is in no cell namespace", pt->name);
        return -1;
    }
    simnet_cell *c = &n->cells[ci];
    char a[64];
    snprintf(a, sizeof a, "%s/%d", pt->address, c->prefix);
    if (on == n->gone[partner]) {
        snprintf(err, cap, "%s is %s", pt->name, on ? "down already" : "not down");
        return -1;
    }
    if (on) {
        /* the other partners of the cell keep their addresses when it held the first one */
        if (sysctl_in(n, c->fd, "/proc/sys/net/ipv4/conf/eth0/promote_secondaries", err, cap) < 0 ||
            cmd(n, -1, err, cap, "ip", "-n", c->ns, "addr", "del", a, "dev", "eth0", NULL) < 0)
            return -1;
        char e2[256];
        cmd(n, -1, e2, sizeof e2, "ip", "-n", n->rns, "neigh", "flush", "to", pt->address, NULL);
        n->gone[partner] = 1;
        return 0;
    }
    if (cmd(n, -1, err, cap, "ip", "-n", c->ns, "addr", "add", a, "dev", "eth0", NULL) < 0)
        return -1;
    n->gone[partner] = 0;
    return 0;
}

const char *simnet_ns_name(const simnet *n, size_t cell)
{
    if (cell == (size_t)-1)
        return n->rns;
    return cell < n->ncells ? n->cells[cell].ns : "";
}

/* 1 when process pid is an s7 inventory simulate (its arguments say so): a PID that lives on
 * may be another program's by now, whose namespaces of that name are stale all the same. */
static int is_simulator(int pid)
{
    char path[64], args[4096];
    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1; /* cannot tell: keep them */
    size_t n = fread(args, 1, sizeof args - 1, f);
    fclose(f);
    args[n] = 0;
    int inv = 0, sim = 0;
    for (size_t i = 0; i < n; i += strlen(args + i) + 1) {
        inv |= strcmp(args + i, "inventory") == 0;
        sim |= strcmp(args + i, "simulate") == 0;
    }
    return inv && sim;
}

int simnet_stale(void)
{
    DIR *d = opendir(NETNS_DIR);
    if (!d)
        return 0;
    struct dirent *e;
    int removed = 0, seen = 0;
    char names[64][96];
    int nn = 0;
    while ((e = readdir(d)) != NULL && seen++ < 4096) {
        int pid = 0;
        if (strncmp(e->d_name, PREFIX, strlen(PREFIX)) != 0 ||
            sscanf(e->d_name + strlen(PREFIX), "%d-", &pid) != 1 || pid <= 0)
            continue;
        if ((kill(pid, 0) == 0 || errno != ESRCH) && is_simulator(pid))
            continue;
        if (nn < 64 && strlen(e->d_name) < sizeof names[0])
            snprintf(names[nn++], sizeof names[0], "%.95s", e->d_name);
    }
    closedir(d);
    for (int i = 0; i < nn; i++) {
        char err[256];
        char *argv[] = {"ip", "netns", "del", names[i], NULL};
        if (run(-1, argv, err, sizeof err) == 0)
            removed++;
    }
    return removed;
}
