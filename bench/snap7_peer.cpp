/* s7bench: the Snap7 reference peer (server and client) driven through Snap7's own C++
 * classes, as compiled by node-snap7.  This is the only file that includes Snap7 headers;
 * the rest of the benchmark sees the C interface in snap7_peer.h. */
#include "snap7_peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <new>

#include "s7_client.h"
#include "s7_server.h"
#include "s7_text.h"

struct snap7_srv {
    TSnap7Server server;
};

struct snap7_cli {
    TSnap7Client client;
};

/* A port the kernel considers free on 127.0.0.1 right now (bind to 0, read it back), or 0.
 * Another process may take it before Snap7 binds; the caller retries. */
static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in a;
    std::memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t alen = sizeof a;
    uint16_t port = 0;
    if (bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr *>(&a), &alen) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port > 1024 ? port : 0;
}

extern "C" int snap7_srv_start(uint8_t *db, uint16_t len, uint16_t *port, snap7_srv **out)
{
    *out = nullptr;
    int last = -1;
    for (int attempt = 0; attempt < 20; attempt++) {
        uint16_t p = free_port();
        if (p == 0)
            continue;
        snap7_srv *s = new (std::nothrow) snap7_srv;
        if (!s)
            return -1;
        int rc = s->server.SetParam(p_u16_LocalPort, &p);
        if (rc == 0)
            rc = s->server.RegisterArea(srvAreaDB, 1, db, len);
        if (rc == 0)
            rc = s->server.StartTo("127.0.0.1");
        if (rc == 0) {
            *port = p;
            *out = s;
            return 0;
        }
        last = rc;
        delete s;
    }
    return last;
}

extern "C" void snap7_srv_stop(snap7_srv *s)
{
    if (!s)
        return;
    s->server.Stop();
    delete s;
}

extern "C" int snap7_cli_connect(const char *host, uint16_t port, int pdu, snap7_cli **out)
{
    *out = nullptr;
    snap7_cli *c = new (std::nothrow) snap7_cli;
    if (!c)
        return -1;
    int rc = c->client.SetParam(p_u16_RemotePort, &port);
    if (rc == 0 && pdu > 0)
        rc = c->client.SetParam(p_i32_PDURequest, &pdu);
    if (rc == 0)
        rc = c->client.ConnectTo(host, 0, 1);
    if (rc != 0) {
        delete c;
        return rc;
    }
    *out = c;
    return 0;
}

extern "C" void snap7_cli_free(snap7_cli *c)
{
    if (!c)
        return;
    c->client.Disconnect();
    delete c;
}

extern "C" int snap7_cli_pdu(const snap7_cli *c) { return c->client.PDULength; }

extern "C" int snap7_cli_db_read(snap7_cli *c, int db, int start, int len, void *buf)
{
    return c->client.DBRead(db, start, len, buf);
}

extern "C" int snap7_cli_db_write(snap7_cli *c, int db, int start, int len, const void *buf)
{
    return c->client.DBWrite(db, start, len, const_cast<void *>(buf));
}

/* ReadMultiVars or WriteMultiVars of n byte items of db (snap7_cli_read_multi). */
static int cli_multi(snap7_cli *c, bool write, int db, size_t n, const uint32_t *starts,
                     const uint32_t *lens, uint8_t *const *bufs, int *bad_item)
{
    TS7DataItem items[MaxVars];
    *bad_item = -1;
    if (n > static_cast<size_t>(MaxVars))
        return -1;
    for (size_t i = 0; i < n; i++) {
        items[i].Area = S7AreaDB;
        items[i].WordLen = S7WLByte;
        items[i].Result = 0;
        items[i].DBNumber = db;
        items[i].Start = static_cast<int>(starts[i]);
        items[i].Amount = static_cast<int>(lens[i]);
        items[i].pdata = bufs[i];
    }
    int rc = write ? c->client.WriteMultiVars(items, static_cast<int>(n))
                   : c->client.ReadMultiVars(items, static_cast<int>(n));
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (items[i].Result != 0) {
            *bad_item = static_cast<int>(i);
            return items[i].Result;
        }
    }
    return 0;
}

extern "C" int snap7_cli_read_multi(snap7_cli *c, int db, size_t n, const uint32_t *starts,
                                    const uint32_t *lens, uint8_t *const *bufs, int *bad_item)
{
    return cli_multi(c, false, db, n, starts, lens, bufs, bad_item);
}

extern "C" int snap7_cli_write_multi(snap7_cli *c, int db, size_t n, const uint32_t *starts,
                                     const uint32_t *lens, uint8_t *const *bufs, int *bad_item)
{
    return cli_multi(c, true, db, n, starts, lens, bufs, bad_item);
}

extern "C" const char *snap7_err_text(int code)
{
    static char text[256];
    if (code < 0)
        return "failure outside Snap7 (no memory or no free port)";
    ErrCliText(code, text, sizeof text);
    return text;
}
