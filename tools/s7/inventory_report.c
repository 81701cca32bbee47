/* s7 inventory report: the commissioning document of a plant's S7 connections, written by
 * libs7's report renderers (include/s7/plant.h s7_plant_report_*) into the directory the
 * user names:
 *
 *   DIR/index.html  partners, cells, connections and exchanges, the port 102 flows the
 *                   firewall passes, the results of `inventory check --json` when given
 *                   (--check FILE.json, read back by s7config; several merge, each
 *                   connection taking the check made from its active partner), the firewall
 *                   verifications (--verify FILE.json), a NOT READY banner while anything
 *                   failed or is unproven, and a sign-off stating what was proven
 *   DIR/report.md   the same in Markdown (for a wiki or a PR)
 *   DIR/report.txt  the same as plain text (for a ticket or an e-mail)
 *   DIR/cells.svg   the diagram: cells, partners, arrows from the active to the passive
 *                   partner labelled with the exchanges, coloured by result
 *
 * This file loads and merges the inputs, makes the directory, opens the files and reports
 * what went wrong. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common.h"
#include "inventory.h"
#include "s7/config.h"
#include "s7/plant.h"

typedef int (*render_fn)(const s7_plant *, const s7_plant_check_report *,
                         const s7_plant_report_opts *, FILE *);

/* Renders into the file path.  0, or -1 after a message. */
static int write_file(const char *path, render_fn fn, const s7_plant *p,
                      const s7_plant_check_report *k, const s7_plant_report_opts *ro)
{
    FILE *o = fopen(path, "w");
    if (!o) {
        fprintf(stderr, "error: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    int rc = fn(p, k, ro, o);
    int bad = rc < 0 || ferror(o);
    bad |= fclose(o) != 0;
    if (rc == S7_ERR_NOMEM) {
        fprintf(stderr, "error: out of memory\n");
        return -1;
    }
    if (bad) {
        fprintf(stderr, "error: writing %s failed\n", path);
        return -1;
    }
    return 0;
}

static int report_files(const s7_plant *p, const inv_opts *o, const s7_plant_check_report *k,
                        const s7_plant_fw_verify *const *vf);

/* The --check files, merged (NULL when none); -1 after a message. */
static int load_checks(const s7_plant *p, const inv_opts *o, s7_plant_check_report **out)
{
    char err[512];
    int rc = 0;
    *out = NULL;
    if (!o->nchecks)
        return 0;
    s7_plant_check_report **in = calloc(o->nchecks, sizeof *in);
    if (!in) {
        fprintf(stderr, "error: out of memory\n");
        return -1;
    }
    for (size_t i = 0; i < o->nchecks && rc == 0; i++)
        if (s7_config_load_check(o->checks[i], &in[i], err, sizeof err)) {
            fprintf(stderr, "error: --check: %s\n", err);
            rc = -1;
        }
    if (rc == 0 &&
        s7_plant_check_merge(p, (const s7_plant_check_report *const *)in, o->nchecks, out)) {
        fprintf(stderr, "error: out of memory\n");
        rc = -1;
    }
    for (size_t i = 0; i < o->nchecks; i++)
        s7_plant_check_report_free(in[i]);
    free(in);
    return rc;
}

int inv_cmd_report(const s7_plant *p, const inv_opts *o)
{
    s7_plant_check_report *k = NULL;
    char err[512];
    if (load_checks(p, o, &k))
        return CLI_USAGE;
    s7_plant_fw_verify **vf = calloc(o->nverifies ? o->nverifies : 1, sizeof *vf);
    if (!vf) {
        s7_plant_check_report_free(k);
        fprintf(stderr, "error: out of memory\n");
        return CLI_FAIL;
    }
    for (size_t i = 0; i < o->nverifies; i++)
        if (s7_config_load_fw_verify(o->verifies[i], &vf[i], err, sizeof err)) {
            fprintf(stderr, "error: --verify: %s\n", err);
            for (size_t j = 0; j < i; j++)
                s7_plant_fw_verify_free(vf[j]);
            free(vf);
            s7_plant_check_report_free(k);
            return CLI_USAGE;
        }
    int rc = report_files(p, o, k, (const s7_plant_fw_verify *const *)vf);
    for (size_t i = 0; i < o->nverifies; i++)
        s7_plant_fw_verify_free(vf[i]);
    free(vf);
    s7_plant_check_report_free(k);
    return rc;
}

/* Writes the four files into o->out.  An exit code. */
static int report_files(const s7_plant *p, const inv_opts *o, const s7_plant_check_report *k,
                        const s7_plant_fw_verify *const *vf)
{
    if (mkdir(o->out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "error: cannot create the directory %s: %s\n", o->out, strerror(errno));
        return CLI_FAIL;
    }
    struct stat st;
    if (stat(o->out, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr,
                "error: -o %s: not a directory (the report is index.html, report.md, "
                "report.txt and cells.svg in it)\n",
                o->out);
        return CLI_USAGE;
    }
    char today[32], gen[64];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d %H:%M", &tm);
    snprintf(gen, sizeof gen, "s7 %s", S7_VERSION_STRING);
    s7_plant_report_opts ro = {gen, today, "cells.svg", vf, o->nverifies};
    size_t n = strlen(o->out) + 32;
    char *svg = malloc(n), *html = malloc(n), *mdp = malloc(n), *txt = malloc(n);
    int rc = CLI_FAIL;
    if (svg && html && mdp && txt) {
        /* "-o report/" gives report/index.html, not report//index.html */
        size_t dl = strlen(o->out);
        const char *sep = dl && o->out[dl - 1] == '/' ? "" : "/";
        snprintf(svg, n, "%s%scells.svg", o->out, sep);
        snprintf(html, n, "%s%sindex.html", o->out, sep);
        snprintf(mdp, n, "%s%sreport.md", o->out, sep);
        snprintf(txt, n, "%s%sreport.txt", o->out, sep);
        if (write_file(svg, s7_plant_report_svg, p, k, &ro) == 0 &&
            write_file(html, s7_plant_report_html, p, k, &ro) == 0 &&
            write_file(mdp, s7_plant_report_md, p, k, &ro) == 0 &&
            write_file(txt, s7_plant_report_text, p, k, &ro) == 0) {
            char why[300];
            int ready = s7_plant_report_ready(p, k, &ro, why, sizeof why);
            printf("report of %s: %s, %s, %s, %s\n%s%s\n", p->file, html, mdp, txt, svg,
                   ready ? "READY: " : "NOT READY: ", why);
            rc = CLI_OK;
        }
    } else {
        fprintf(stderr, "error: out of memory\n");
    }
    free(svg);
    free(html);
    free(mdp);
    free(txt);
    return rc;
}
