/* s7 inventory report: the commissioning document of a plant's S7 connections, written by
 * libs7's report renderers (include/s7/plant.h s7_plant_report_*) into the directory the
 * user names:
 *
 *   DIR/index.html  partners, cells, connections and exchanges, the port 102 flows the
 *                   firewall passes, the results of `inventory check --json` when given
 *                   (--check FILE.json, read back by s7config), and a sign-off block
 *   DIR/report.md   the same tables in Markdown (for a wiki or a PR)
 *   DIR/cells.svg   the diagram: cells, partners, arrows from the active to the passive
 *                   partner labelled with the exchanges
 *
 * This file makes the directory, opens the files and reports what went wrong. */
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

int inv_cmd_report(const s7_plant *p, const inv_opts *o)
{
    s7_plant_check_report *k = NULL;
    char err[512];
    if (o->check && s7_config_load_check(o->check, &k, err, sizeof err)) {
        fprintf(stderr, "error: --check: %s\n", err);
        return CLI_USAGE;
    }
    if (mkdir(o->out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "error: cannot create the directory %s: %s\n", o->out, strerror(errno));
        s7_plant_check_report_free(k);
        return CLI_FAIL;
    }
    struct stat st;
    if (stat(o->out, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr,
                "error: -o %s: not a directory (the report is index.html, report.md and "
                "cells.svg in it)\n",
                o->out);
        s7_plant_check_report_free(k);
        return CLI_USAGE;
    }
    char today[32], gen[64];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d %H:%M", &tm);
    snprintf(gen, sizeof gen, "s7 %s", S7_VERSION_STRING);
    s7_plant_report_opts ro = {gen, today, "cells.svg", NULL, 0};
    size_t n = strlen(o->out) + 32;
    char *svg = malloc(n), *html = malloc(n), *mdp = malloc(n);
    int rc = CLI_FAIL;
    if (svg && html && mdp) {
        snprintf(svg, n, "%s/cells.svg", o->out);
        snprintf(html, n, "%s/index.html", o->out);
        snprintf(mdp, n, "%s/report.md", o->out);
        if (write_file(svg, s7_plant_report_svg, p, k, &ro) == 0 &&
            write_file(html, s7_plant_report_html, p, k, &ro) == 0 &&
            write_file(mdp, s7_plant_report_md, p, k, &ro) == 0) {
            printf("report of %s: %s, %s, %s\n", p->file, html, mdp, svg);
            rc = CLI_OK;
        }
    }
    free(svg);
    free(html);
    free(mdp);
    s7_plant_check_report_free(k);
    return rc;
}
