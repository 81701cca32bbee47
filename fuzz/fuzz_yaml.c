/* Fuzz target: the s7config loaders (config/, libfyaml) on arbitrary files, and what is
 * built from what they accept.  The first input byte picks the loader, the rest is the
 * file (an anonymous memory file, named by its /proc/self/fd path: nothing is written to
 * disk and nothing is left behind):
 *   0  a server configuration (s7_config_load_server), then the CPU built from it
 *      (s7_server_config_build_cpu)
 *   1  an inventory (s7_config_load_plant, which validates), then every validation message,
 *      the firewall rules for the router and for each partner in the three formats, and
 *      the report (HTML, Markdown, SVG)
 *   2  the JSON of `s7 inventory check --json` (s7_config_load_check)
 *   3  an inventory and a check JSON, separated by the first 0xFF byte, and the report
 *      rendered with the check's results
 * Nothing may crash or leak; a refusal must come with a message; the firewall rules'
 * comments must be printable ASCII without quotes or backslashes (plant.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "s7/config.h"
#include "s7/cpu.h"
#include "s7/plant.h"
#include "s7/server_config.h"

/* An anonymous file holding data[0..n); its path into path.  The fd, or -1. */
static int mem_file(const uint8_t *data, size_t n, char *path, size_t cap)
{
    int fd = memfd_create("s7fuzz.yaml", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, data + off, n - off);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    snprintf(path, cap, "/proc/self/fd/%d", fd);
    return fd;
}

static void refused_with_message(int rc, const char *err)
{
    if (getenv("S7_FUZZ_DEBUG"))
        fprintf(stderr, "%d %s\n", rc, err);
    if (rc < 0 && !err[0])
        abort(); /* refused without saying why */
}

static int count_msg(void *ctx, const char *msg)
{
    if (!msg || !*msg)
        abort();
    ++*(int *)ctx;
    return 0;
}

static void check_rules(const s7_fw *f)
{
    for (size_t i = 0; i < f->nrules; i++)
        for (const char *c = f->rules[i].comment; *c; c++)
            if (*c < 0x20 || *c > 0x7E || *c == '"' || *c == '\'' || *c == '\\')
                abort();
}

static void firewall(const s7_plant *p, const char *host)
{
    s7_fw *f = NULL;
    if (s7_fw_build(p, host, &f) != 0)
        return;
    check_rules(f);
    for (int fmt = S7_FW_NFTABLES; fmt <= S7_FW_IPTABLES_RESTORE; fmt++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        if (!out)
            break;
        s7_fw_render(f, fmt, NULL, out);
        fclose(out);
        free(buf);
    }
    s7_fw_free(f);
}

static void report(const s7_plant *p, const s7_plant_check_report *chk)
{
    s7_plant_report_opts o = {"s7kit fuzz", "2026-01-31", NULL, NULL, 0};
    for (int k = 0; k < 3; k++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        if (!out)
            return;
        if (k == 0)
            s7_plant_report_html(p, chk, &o, out);
        else if (k == 1)
            s7_plant_report_md(p, chk, &o, out);
        else
            s7_plant_report_svg(p, chk, &o, out);
        fclose(out);
        free(buf);
    }
}

static s7_plant *plant(const uint8_t *data, size_t n)
{
    char path[64], err[1024] = "";
    int fd = mem_file(data, n, path, sizeof path);
    if (fd < 0)
        return NULL;
    s7_plant *p = NULL;
    int rc = s7_config_load_plant(path, &p, err, sizeof err);
    close(fd);
    refused_with_message(rc, err);
    if (rc < 0 || !p)
        return NULL;
    int msgs = 0;
    s7_plant_validate_each(p, count_msg, &msgs);
    firewall(p, NULL);
    for (size_t i = 0; i < p->npartners && i < 4; i++)
        firewall(p, p->partners[i].name);
    return p;
}

static s7_plant_check_report *check(const uint8_t *data, size_t n)
{
    char path[64], err[1024] = "";
    int fd = mem_file(data, n, path, sizeof path);
    if (fd < 0)
        return NULL;
    s7_plant_check_report *k = NULL;
    int rc = s7_config_load_check(path, &k, err, sizeof err);
    close(fd);
    refused_with_message(rc, err);
    if (rc < 0)
        return NULL;
    for (size_t i = 0; i < k->nconns; i++)
        if (s7_plant_check_report_find(k, k->conns[i].name) == NULL)
            abort(); /* a connection it holds is not found by its name */
    return k;
}

static void server(const uint8_t *data, size_t n)
{
    char path[64], err[1024] = "";
    int fd = mem_file(data, n, path, sizeof path);
    if (fd < 0)
        return;
    s7_server_config c;
    s7_server_config_init(&c);
    int rc = s7_config_load_server(path, &c, err, sizeof err);
    close(fd);
    refused_with_message(rc, err);
    if (rc == 0) {
        s7_cpu *cpu = NULL;
        err[0] = 0;
        rc = s7_server_config_build_cpu(&c, &cpu, err, sizeof err);
        refused_with_message(rc, err);
        s7_cpu_free(cpu);
    }
    s7_server_config_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int mode = data[0] & 3;
    data++;
    size--;
    if (mode == 0) {
        server(data, size);
    } else if (mode == 1) {
        s7_plant *p = plant(data, size);
        if (p)
            report(p, NULL);
        s7_plant_free(p);
    } else if (mode == 2) {
        s7_plant_check_report_free(check(data, size));
    } else {
        const uint8_t *sep = memchr(data, 0xFF, size);
        size_t n1 = sep ? (size_t)(sep - data) : size;
        s7_plant *p = plant(data, n1);
        s7_plant_check_report *k = sep ? check(sep + 1, size - n1 - 1) : NULL;
        if (p)
            report(p, k);
        s7_plant_check_report_free(k);
        s7_plant_free(p);
    }
    return 0;
}
