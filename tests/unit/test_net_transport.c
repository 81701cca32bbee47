/* net/transport: the in-memory pair (send, recv, short sends when full, the chunk limit,
 * end of stream, a send to a closed peer) and the socket transport over a socketpair
 * with the same semantics. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/transport.h"
#include "s7/err.h"
#include "t.h"

static void test_mem(void)
{
    s7_transport a, b;
    CHECK_INT(s7_transport_mem_pair(&a, &b, 8), 0);
    uint8_t buf[16];
    CHECK_INT(b.recv(b.ctx, buf, sizeof buf), S7_AGAIN);
    CHECK_INT(a.send(a.ctx, (const uint8_t *)"hello", 5), 5);
    CHECK_INT(s7_transport_mem_pending(&b), 5);
    CHECK_INT(a.send(a.ctx, (const uint8_t *)"world", 5), 3); /* 8 bytes buffered at most */
    CHECK_INT(a.send(a.ctx, (const uint8_t *)"x", 1), S7_AGAIN);
    s7_transport_mem_chunk(&b, 3);
    CHECK_INT(b.recv(b.ctx, buf, sizeof buf), 3);
    CHECK_MEM(buf, "hel", 3);
    s7_transport_mem_chunk(&b, 0);
    CHECK_INT(b.recv(b.ctx, buf, 2), 2);
    CHECK_MEM(buf, "lo", 2);
    CHECK_INT(b.recv(b.ctx, buf, sizeof buf), 3);
    CHECK_MEM(buf, "wor", 3);
    CHECK_INT(b.recv(b.ctx, buf, sizeof buf), S7_AGAIN);
    /* the other direction is independent */
    CHECK_INT(b.send(b.ctx, (const uint8_t *)"ok", 2), 2);
    CHECK_INT(a.recv(a.ctx, buf, sizeof buf), 2);
    /* a closes: b reads what is left, then the end of the stream; b's sends fail */
    CHECK_INT(a.send(a.ctx, (const uint8_t *)"bye", 3), 3);
    a.close(a.ctx);
    CHECK_INT(b.recv(b.ctx, buf, sizeof buf), 3);
    CHECK_MEM(buf, "bye", 3);
    CHECK_INT(b.recv(b.ctx, buf, sizeof buf), 0);
    CHECK_INT(b.send(b.ctx, (const uint8_t *)"?", 1), S7_ERR_CLOSED);
    b.close(b.ctx);
}

static void test_fd(void)
{
    int sp[2];
    CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
    for (int i = 0; i < 2; i++)
        fcntl(sp[i], F_SETFL, fcntl(sp[i], F_GETFL) | O_NONBLOCK);
    s7_transport a, b;
    s7_transport_fd(&a, sp[0]);
    s7_transport_fd(&b, sp[1]);
    uint8_t buf[16];
    CHECK_INT(b.recv(b.ctx, buf, sizeof buf), S7_AGAIN);
    CHECK_INT(a.send(a.ctx, (const uint8_t *)"frame", 5), 5);
    CHECK_INT(b.recv(b.ctx, buf, sizeof buf), 5);
    CHECK_MEM(buf, "frame", 5);
    a.close(a.ctx);
    CHECK_INT(b.recv(b.ctx, buf, sizeof buf), 0);
    int rc = b.send(b.ctx, (const uint8_t *)"?", 1);
    CHECK(rc == S7_ERR_CLOSED || rc == S7_ERR_IO);
    b.close(b.ctx);
}

int main(void)
{
    test_mem();
    test_fd();
    return t_done();
}
