/* s7 inventory check --as: which named network namespace (`ip netns`, /var/run/netns/NAME)
 * holds a partner's address, and entering it.  Looking inside a namespace needs setns(2),
 * so root (CAP_SYS_ADMIN): each namespace is tried in a child process that enters it and
 * binds a socket to the address; the process itself changes namespace only in netns_enter. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netns.h"
#include "s7/plant_check.h"

#define NETNS_DIR "/var/run/netns"

/* 1 when an interface of the current network namespace carries address (as written,
 * numeric): the kernel's own list, so a bind that succeeds for another reason is not taken
 * for the address being held. */
static int listed(const char *address)
{
    struct ifaddrs *ifa = NULL;
    if (getifaddrs(&ifa) != 0)
        return 0;
    int hit = 0;
    for (struct ifaddrs *i = ifa; i && !hit; i = i->ifa_next) {
        char buf[64];
        if (!i->ifa_addr ||
            (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
            continue;
        socklen_t l = i->ifa_addr->sa_family == AF_INET ? sizeof(struct sockaddr_in)
                                                        : sizeof(struct sockaddr_in6);
        if (getnameinfo(i->ifa_addr, l, buf, sizeof buf, NULL, 0, NI_NUMERICHOST) == 0 &&
            strcmp(buf, address) == 0)
            hit = 1;
    }
    freeifaddrs(ifa);
    return hit;
}

/* 0 the namespace at path holds address, 1 it does not (or is gone), 2 it cannot be entered
 * for want of privilege. */
static int probe(const char *path, const char *address)
{
    pid_t pid = fork();
    if (pid < 0)
        return 2;
    if (pid == 0) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            _exit(errno == EACCES || errno == EPERM ? 2 : 1);
        if (setns(fd, CLONE_NEWNET) != 0)
            _exit(errno == EPERM ? 2 : 1);
        _exit(s7_plant_check_holds(address) && listed(address) ? 0 : 1);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return 2;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
}

int netns_find(const char *address, char *name, size_t cap, char *names, size_t ncap)
{
    DIR *d = opendir(NETNS_DIR);
    int found = 0, blind = 0;
    size_t l = 0, seen = 0;
    name[0] = 0;
    names[0] = 0;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && seen < 1000) {
        char path[512];
        if (e->d_name[0] == '.')
            continue;
        seen++;
        if (l < ncap)
            l += (size_t)snprintf(names + l, ncap - l, "%s%s", l ? " " : "", e->d_name);
        if (found)
            continue;
        snprintf(path, sizeof path, "%s/%s", NETNS_DIR, e->d_name);
        int r = probe(path, address);
        if (r == 0) {
            snprintf(name, cap, "%s", e->d_name);
            found = 1;
        } else if (r == 2) {
            blind = 1;
        }
    }
    closedir(d);
    return found ? 1 : blind ? -1 : 0;
}

int netns_enter(const char *name, char *err, size_t cap)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", NETNS_DIR, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        return -1;
    }
    int rc = setns(fd, CLONE_NEWNET);
    int e = errno;
    close(fd);
    if (rc != 0) {
        snprintf(err, cap, "entering %s: %s", path, strerror(e));
        return -1;
    }
    return 0;
}
