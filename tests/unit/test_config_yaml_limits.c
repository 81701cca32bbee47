/* Unit tests for config/yaml_limits.c through the loaders that share it (the server
 * configuration and the inventory): aliases that expand past the bound and lists or
 * mappings nested deeper than libfyaml takes are refused with FILE:LINE and why, before
 * libfyaml builds them; files with anchors, aliases and merges (<<) still load; a parse that
 * runs out of memory says so (not "empty?"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "s7/config.h"
#include "s7/plant.h"
#include "s7/server_config.h"
#include "t.h"

#if defined(__SANITIZE_ADDRESS__)
#define T_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define T_ASAN 1
#endif
#endif

static char dir[] = "/tmp/s7test_yaml_limits_XXXXXX";
static char path[300];

/* Writes n bytes of data into dir/name; returns the path (static buffer). */
static const char *put_n(const char *name, const char *data, size_t n)
{
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, n, f);
    fclose(f);
    return path;
}

static const char *put(const char *name, const char *text)
{
    return put_n(name, text, strlen(text));
}

/* s7_config_load_server of text; the rc, the message in err. */
static int load_server(const char *text, char *err, size_t cap)
{
    s7_server_config c;
    s7_server_config_init(&c);
    int rc = s7_config_load_server(put("srv.yaml", text), &c, err, cap);
    s7_server_config_free(&c);
    return rc;
}

/* err is "DIR/NAME:LINE: ..." and holds what. */
static int msg_is(const char *err, const char *name, int line, const char *what)
{
    char want[400];
    snprintf(want, sizeof want, "%s/%s:%d: ", dir, name, line);
    int ok = strncmp(err, want, strlen(want)) == 0 && strstr(err, what) != NULL;
    if (!ok)
        fprintf(stderr, "message: '%.300s'\n  wanted '%s' ... '%s'\n", err, want, what);
    return ok;
}

/* "xK: &aK [*aJ, ...]" lines of a 'billion laughs' file of levels levels after head. */
static char *laughs(const char *head, int levels)
{
    char *t = malloc(4096);
    size_t n =
        (size_t)snprintf(t, 4096, "%sx0: &a0 [lol,lol,lol,lol,lol,lol,lol,lol,lol,lol]\n", head);
    for (int k = 1; k <= levels; k++) {
        n += (size_t)snprintf(t + n, 4096 - n, "x%d: &a%d [", k, k);
        for (int i = 0; i < 10; i++)
            n += (size_t)snprintf(t + n, 4096 - n, "%s*a%d", i ? "," : "", k - 1);
        n += (size_t)snprintf(t + n, 4096 - n, "]\n");
    }
    return t;
}

static void test_aliases(void)
{
    char err[1024];
    /* each level of ten aliases multiplies by ten: a3 stands for 11111 nodes, a4 for 111111
     * (x4 adds 10 x 111110: the bound is crossed there); the old loader built all of it */
    char *t = laughs("listen: 127.0.0.1:1102\n", 4);
    CHECK_INT(load_server(t, err, sizeof err), S7_ERR_INVAL);
    CHECK(msg_is(err, "srv.yaml", 6, "aliases expand to more than 100000 nodes"));
    CHECK(strstr(err, "billion laughs") != NULL);
    free(t);
    /* nine levels (some 10^9 nodes): refused the same way, as fast */
    t = laughs("", 9);
    CHECK_INT(load_server(t, err, sizeof err), S7_ERR_INVAL);
    CHECK(msg_is(err, "srv.yaml", 5, "aliases expand to more than 100000 nodes"));
    free(t);
    /* three levels (12300 nodes) are below the bound: the file is read, its keys judged */
    t = laughs("", 3);
    CHECK_INT(load_server(t, err, sizeof err), S7_ERR_INVAL);
    CHECK(msg_is(err, "srv.yaml", 1, "unknown key 'x0'"));
    free(t);

    /* the inventory's loader shares the bound */
    t = laughs("plant: Line 1\n", 5);
    s7_plant *p = NULL;
    CHECK_INT(s7_config_load_plant(put("inv.yaml", t), &p, err, sizeof err), S7_ERR_INVAL);
    CHECK(p == NULL);
    CHECK(msg_is(err, "inv.yaml", 6, "aliases expand to more than 100000 nodes"));
    free(t);

    /* an alias inside its own anchor and one to no anchor: libfyaml's words, as before */
    CHECK_INT(load_server("allow: &x [*x]\n", err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "not valid YAML") != NULL);
    CHECK_INT(load_server("rack: 0\nslot: *nowhere\n", err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "not valid YAML") != NULL && strstr(err, "alias") != NULL);
}

/* Anchors, aliases and merges still work as YAML defines them. */
static void test_anchors_load(void)
{
    char err[1024];
    s7_server_config c;
    s7_server_config_init(&c);
    static const char srv[] = "rack: &zero 0\n"
                              "slot: 1\n"
                              "max_connections: {total: 8, pg: *zero}\n"
                              "dbs:\n"
                              "  - &db {number: 1, size: 64, retain: true}\n"
                              "  - <<: *db\n"
                              "    number: 2\n"
                              "  - <<: *db\n"
                              "    number: 3\n"
                              "    size: 16\n";
    CHECK_INT(s7_config_load_server(put("anchors.yaml", srv), &c, err, sizeof err), 0);
    CHECK_INT(c.rack, 0);
    CHECK_INT(c.max_conn[1], 0);
    CHECK_INT(c.ndbs, 3);
    if (c.ndbs == 3) {
        CHECK_INT(c.dbs[1].num, 2);
        CHECK_INT(c.dbs[1].size, 64);
        CHECK_INT(c.dbs[1].flags, c.dbs[0].flags);
        CHECK_INT(c.dbs[2].num, 3);
        CHECK_INT(c.dbs[2].size, 16);
    }
    s7_server_config_free(&c);

    static const char inv[] = "plant: Line 1\n"
                              "cells:\n"
                              "  - name: line1\n"
                              "    subnet: 10.10.1.0/24\n"
                              "  - scada\n"
                              "partners:\n"
                              "  - &plc\n"
                              "    name: plc1\n"
                              "    address: 10.10.1.10\n"
                              "    cell: line1\n"
                              "    profile: s7-300\n"
                              "  - <<: *plc\n"
                              "    name: plc2\n"
                              "    address: 10.10.1.11\n"
                              "  - name: hmi1\n"
                              "    address: 10.20.0.5\n"
                              "    cell: scada\n"
                              "connections:\n"
                              "  - name: hmi1-plc1\n"
                              "    active: hmi1\n"
                              "    passive: plc1\n"
                              "    exchanges:\n"
                              "      - &ex\n"
                              "        get: DB10.DBB0..DBB63\n"
                              "        cycle: 2s\n"
                              "  - name: hmi1-plc2\n"
                              "    active: hmi1\n"
                              "    passive: plc2\n"
                              "    exchanges: [*ex]\n";
    s7_plant *p = NULL;
    CHECK_INT(s7_config_load_plant(put("inv.yaml", inv), &p, err, sizeof err), 0);
    if (!p) {
        fprintf(stderr, "message: %s\n", err);
        return;
    }
    CHECK_INT(p->npartners, 3);
    CHECK_STR(p->partners[1].name, "plc2");
    CHECK_STR(p->partners[1].cell_name, "line1");
    CHECK_INT(p->partners[1].profile_slot, 2);
    CHECK_INT(p->nconns, 2);
    if (p->nconns == 2)
        CHECK_INT(p->conns[1].ex[0].cycle_ms, 2000);
    s7_plant_free(p);
}

/* head, then depth '[' and as many ']' (a malloc'd text without a line break) */
static char *flow(const char *head, int depth)
{
    size_t h = strlen(head);
    char *t = malloc(h + 2 * (size_t)depth + 1);
    memcpy(t, head, h);
    memset(t + h, '[', (size_t)depth);
    memset(t + h + (size_t)depth, ']', (size_t)depth);
    t[h + 2 * (size_t)depth] = 0;
    return t;
}

/* depth mappings inside each other, one key a line ("k0:\n k1:\n  k2: ... x") */
static char *block(int depth)
{
    char *t = malloc((size_t)depth * (size_t)(depth + 8) + 8);
    size_t n = 0;
    for (int i = 0; i < depth; i++)
        n += (size_t)sprintf(t + n, "%*sk%d:%s", i, "", i, i + 1 < depth ? "\n" : " x\n");
    return t;
}

static void test_depth(void)
{
    char err[1024];
    /* a million '[' (2 MB): refused at once with its line; libfyaml built some 600 MB of
     * tokens first */
    char *t = flow("allow: 127.0.0.1\nvalues:\n  x: ", 1000000);
    CHECK_INT(load_server(t, err, sizeof err), S7_ERR_INVAL);
    CHECK(msg_is(err, "srv.yaml", 3, "nest deeper than 63 levels"));
    free(t);
    /* 63 levels (a mapping and 62 lists) is what libfyaml takes: judged by the loader */
    t = flow("x: ", 62);
    CHECK_INT(load_server(t, err, sizeof err), S7_ERR_INVAL);
    CHECK(msg_is(err, "srv.yaml", 1, "unknown key 'x'"));
    free(t);
    t = flow("x: ", 63);
    CHECK_INT(load_server(t, err, sizeof err), S7_ERR_INVAL);
    CHECK(msg_is(err, "srv.yaml", 1, "nest deeper than 63 levels"));
    free(t);
    /* block indentation: 63 mappings are read, the 64th line is refused */
    t = block(63);
    CHECK_INT(load_server(t, err, sizeof err), S7_ERR_INVAL);
    CHECK(msg_is(err, "srv.yaml", 1, "unknown key 'k0'"));
    free(t);
    t = block(70);
    CHECK_INT(load_server(t, err, sizeof err), S7_ERR_INVAL);
    CHECK(msg_is(err, "srv.yaml", 64, "nest deeper than 63 levels"));
    free(t);
    /* brackets in quotes, comments and block scalars are text, not nesting: the file is
     * read (and its first key judged) */
    char *a = flow("", 100), *b = flow("{", 99);
    char q[1200];
    snprintf(q, sizeof q,
             "a: '%s'  # %s\n"
             "b: \"%s\"\n"
             "c: |\n"
             "  %s\n"
             "  %s\n",
             a, a, b, a, b);
    CHECK_INT(load_server(q, err, sizeof err), S7_ERR_INVAL);
    CHECK(msg_is(err, "srv.yaml", 1, "unknown key 'a'"));
    free(a);
    free(b);
}

/* A parse that runs out of memory says so, not "no YAML document in it (empty?)". */
static void test_out_of_memory(void)
{
#ifdef T_ASAN
    fprintf(stderr, "skipped: out-of-memory check (AddressSanitizer reserves the address space)\n");
#else
    /* 1.5 million list items (6 MB): libfyaml needs some 400 MB for them */
    size_t items = 1500000;
    char *t = malloc(8 + 4 * items);
    memcpy(t, "allow:\n", 7);
    for (size_t i = 0; i < items; i++)
        memcpy(t + 7 + 4 * i, "- 1\n", 4);
    const char *p = put_n("big.yaml", t, 7 + 4 * items);
    free(t);
    int fd[2];
    CHECK_INT(pipe(fd), 0);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit rl = {200u << 20, 200u << 20};
        setrlimit(RLIMIT_AS, &rl);
        char e[1024] = "";
        s7_server_config c;
        s7_server_config_init(&c);
        s7_config_load_server(p, &c, e, sizeof e);
        if (write(fd[1], e, strlen(e)) < 0)
            _exit(2);
        _exit(0);
    }
    close(fd[1]);
    char err[1024] = "";
    ssize_t n = read(fd[0], err, sizeof err - 1);
    err[n > 0 ? n : 0] = 0;
    close(fd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(strstr(err, "empty?") == NULL);
    CHECK(strstr(err, "out of memory") != NULL);
    if (!strstr(err, "out of memory"))
        fprintf(stderr, "message: '%s'\n", err);
    unlink(p);
#endif
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
#ifndef T_ASAN
    /* a regression must fail here, not take the machine's memory (a 'billion laughs' file
     * that is built grows past any bound) */
    struct rlimit rl = {1024u << 20, 1024u << 20};
    setrlimit(RLIMIT_AS, &rl);
#endif
    /* first: the child it forks must not inherit a heap that earlier loads grew (its memory
     * limit holds back new mappings only) */
    test_out_of_memory();
    test_aliases();
    test_anchors_load();
    test_depth();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return t_done();
}
