/* net/loop: readiness on pipes with the epoll and the poll backend: IN when bytes are
 * there, OUT when writable, the ptr handed back, mod and del, a timeout with no events. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "net/loop.h"
#include "s7/net.h"
#include "t.h"

static void run(int force_poll)
{
    s7_loop *l = s7_loop_new(force_poll);
    CHECK(l != NULL);
    if (!l)
        return;
    if (force_poll)
        CHECK_INT(s7_loop_fd(l), -1);
    else
        CHECK(s7_loop_fd(l) >= 0);
    int p[2];
    CHECK_INT(pipe(p), 0);
    int tag_r = 1, tag_w = 2;
    s7_loop_event ev[4];
    CHECK_INT(s7_loop_add(l, p[0], S7_LOOP_IN, &tag_r), 0);
    int64_t t0 = s7_now_ms();
    CHECK_INT(s7_loop_wait(l, ev, 4, 30), 0); /* nothing to read: times out */
    CHECK(s7_now_ms() - t0 >= 20);
    CHECK_INT(write(p[1], "x", 1), 1);
    CHECK_INT(s7_loop_wait(l, ev, 4, 1000), 1);
    CHECK(ev[0].ptr == &tag_r);
    CHECK(ev[0].events & S7_LOOP_IN);
    CHECK_INT(s7_loop_add(l, p[1], S7_LOOP_OUT, &tag_w), 0);
    int n = s7_loop_wait(l, ev, 4, 1000);
    CHECK_INT(n, 2);
    int seen_w = 0;
    for (int i = 0; i < n; i++)
        if (ev[i].ptr == &tag_w && (ev[i].events & S7_LOOP_OUT))
            seen_w = 1;
    CHECK(seen_w);
    /* stop watching the write end: only the read end is reported */
    CHECK_INT(s7_loop_mod(l, p[1], 0, &tag_w), 0);
    CHECK_INT(s7_loop_wait(l, ev, 4, 100), 1);
    CHECK(ev[0].ptr == &tag_r);
    char c;
    CHECK_INT(read(p[0], &c, 1), 1);
    CHECK_INT(s7_loop_del(l, p[1]), 0);
    CHECK_INT(s7_loop_wait(l, ev, 4, 20), 0);
    CHECK_INT(s7_loop_del(l, p[0]), 0);
    close(p[0]);
    close(p[1]);
    s7_loop_free(l);
}

int main(void)
{
    run(0);
    run(1);
    s7_loop_free(NULL);
    return t_done();
}
