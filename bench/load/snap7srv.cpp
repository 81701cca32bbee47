/* snap7srv: the Snap7 server (Snap7's own TSnap7Server, compiled by the npm package
 * node-snap7 into snap7.a) as a standalone process for the server benchmark: DB1 holds
 * 65535 bytes with byte i = i & 0xFF, it listens on 127.0.0.1 and accepts as many clients
 * as Snap7 can hold.
 *
 * How many that is: Snap7 keeps at most 1024 workers (MaxWorkers, one thread each), and
 * each worker waits on its socket with select(), whose fd_set holds descriptors 0..1023
 * only (FD_SETSIZE): a client socket numbered 1024 or above makes FD_SET write past the
 * set and the server crashes (seen here with the open-file limit raised).  So MaxClients
 * defaults to the client sockets that fit below 1024 next to the descriptors already open,
 * the listener and one spare (1019 in a process with only stdin/stdout/stderr open), and the
 * open-file limit is raised so that the connection Snap7 refuses beyond that (accept(),
 * then close()) is accepted at all rather than left in the backlog.
 *
 * Usage: snap7srv [--port N] [--max-clients N]   (no --port or 0: a free port above 1024)
 * Prints "port N" and then "max-clients N" on stdout once listening; stops on
 * SIGTERM/SIGINT. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "s7_server.h"

static uint8_t db1[65535];

/* A port the kernel considers free on 127.0.0.1 now (bind to 0, read it back), or 0. */
static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in a;
    std::memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    uint16_t port = 0;
    if (bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr *>(&a), &alen) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port > 1024 ? port : 0;
}

int main(int argc, char **argv)
{
    unsigned port = 0;
    int max_clients = 0;
    for (int i = 1; i < argc; i++) {
        if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
        else if (std::strcmp(argv[i], "--max-clients") == 0 && i + 1 < argc)
            max_clients = std::atoi(argv[++i]);
        else {
            std::fprintf(stderr, "usage: snap7srv [--port N] [--max-clients N]\n");
            return 2;
        }
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    for (unsigned i = 0; i < sizeof db1; i++)
        db1[i] = static_cast<uint8_t>(i & 0xFF);

    /* every thread Snap7 starts inherits this mask: only the main thread takes the signals */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);

    /* descriptors 0..1023 still free now (some may be inherited anywhere in the range):
     * one goes to the listener, one is kept spare (a worker that ends releases its count
     * before its socket), the rest can be clients */
    int fit = -2;
    for (int fd = 0; fd < 1024; fd++)
        if (fcntl(fd, F_GETFD) < 0)
            fit++;
    if (max_clients <= 0 || max_clients > fit)
        max_clients = fit;
    if (max_clients > 1024)
        max_clients = 1024;

    TSnap7Server *srv = nullptr;
    int rc = -1;
    for (int attempt = 0; attempt < 20 && rc != 0; attempt++) {
        uint16_t p = port ? static_cast<uint16_t>(port) : free_port();
        if (!p)
            continue;
        delete srv;
        srv = new TSnap7Server();
        rc = srv->SetParam(p_u16_LocalPort, &p);
        if (rc == 0)
            rc = srv->SetParam(p_i32_MaxClients, &max_clients);
        if (rc == 0)
            rc = srv->RegisterArea(srvAreaDB, 1, db1, sizeof db1);
        if (rc == 0)
            rc = srv->StartTo("127.0.0.1");
        if (rc == 0)
            port = p;
        else if (port)
            break; /* the port asked for is taken */
    }
    if (rc != 0) {
        std::fprintf(stderr,
                     "snap7srv: cannot start the Snap7 server on 127.0.0.1:%u (error 0x%x)\n", port,
                     static_cast<unsigned>(rc));
        delete srv;
        return 1;
    }
    std::printf("port %u\nmax-clients %d\n", port, max_clients);
    std::fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    srv->Stop();
    delete srv;
    return 0;
}
