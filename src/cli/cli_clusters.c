/*
 * cli_clusters.c - vanthu clusters (also spelled vanthu import --clusters):
 * the school clusters of a batch plan from the clerk's spreadsheet.
 *
 * With --into the plan's <clusters> element is replaced in the plan's own
 * text, so that every other byte (comments, layout, the rest of the plan)
 * stays as the clerk wrote it; the result is validated as a batch before
 * anything is written, and written through a temporary file and a rename.
 * Without --into the element alone is printed, to paste into a plan.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "cli/cli.h"
#include "base/fileio.h"
#include "plan/sheet.h"
#include "plan/sheet_splice.h"
#include "base/vanthu.h"

static const char CLUSTERS_HELP[] =
    "usage: vanthu clusters SCHOOLS.xlsx|SCHOOLS.csv [--into PLAN.xml]\n"
    "                       [-o OUT.xml] [--sheet NAME]\n"
    "       vanthu import --clusters SCHOOLS.xlsx|SCHOOLS.csv [options]\n"
    "\n"
    "Build the <clusters> of a batch plan from a spreadsheet with a heading\n"
    "row naming the columns cụm, trường, ngày, buổi, giờ (or thời gian),\n"
    "địa điểm, chủ đề and cụm trưởng (case and marks do not matter).  Rows\n"
    "with the same cụm are one cluster; blank rows are skipped.\n"
    "  --into PLAN.xml      replace the plan's <clusters> (or add one),\n"
    "                       keeping the rest of its text as it is; the\n"
    "                       result must be a valid batch plan\n"
    "  -o, --output FILE    where to write (default: with --into the plan\n"
    "                       itself, else standard output; - is standard\n"
    "                       output)\n"
    "  --sheet NAME         the workbook's sheet (default: the first)\n"
    "See docs/spreadsheets.md.  Nothing is written when anything is wrong.\n";

typedef struct {
    const char *input, *into, *output, *sheet;
    int help;
} clusters_opts;

enum { OPT_INTO = 256, OPT_SHEET, OPT_CLUSTERS };

static int parse(int argc, char **argv, clusters_opts *o)
{
    static const struct option longopts[] = {
        {"into", required_argument, 0, OPT_INTO},
        {"sheet", required_argument, 0, OPT_SHEET},
        {"clusters", required_argument, 0, OPT_CLUSTERS},
        {"output", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_INTO: o->into = optarg; break;
        case OPT_SHEET: o->sheet = optarg; break;
        case OPT_CLUSTERS: o->input = optarg; break;
        case 'o': o->output = optarg; break;
        case 'h': o->help = 1; break;
        default:
            fprintf(stderr, "vanthu %s: unknown option or missing value: %s\n%s",
                    argv[0], argv[optind - 1], CLUSTERS_HELP);
            return -1;
        }
    }
    if (o->help)
        return 0;
    if (!o->input && optind < argc)
        o->input = argv[optind++];
    if (!o->input || optind < argc) {
        fprintf(stderr, "vanthu %s: give one spreadsheet (.xlsx or .csv)\n%s",
                argv[0], CLUSTERS_HELP);
        return -1;
    }
    return 0;
}

/* The plan's text with the new <clusters> in place of the old. */
static vt_error splice(const clusters_opts *o, const vt_sheet *s, vt_buf *out,
                       size_t *nc, size_t *ns, vt_diags *d)
{
    vt_limits lim = vt_limits_default();
    char *plan = NULL;
    size_t len = 0;
    int k = vt_read_file(o->into, lim.max_plan_bytes, &plan, &len);
    if (k != 0) {
        if (k == -2)
            vt_diags_addf(d, "%s: the plan is larger than the limit of %zu "
                             "bytes", o->into, lim.max_plan_bytes);
        else
            vt_diags_addf(d, "%s: cannot read the plan", o->into);
        return k == -2 ? VT_ERR_LIMIT : VT_ERR_IO;
    }
    vt_error rc = vt_plan_splice_clusters(o->into, plan, len, s, out, nc, ns,
                                          d);
    free(plan);
    return rc;
}

/* The new plan must load and make a batch, or it is not written. */
static vt_error check_batch(const char *name, const vt_buf *text, vt_diags *d)
{
    vt_plan *plan = NULL;
    vt_error rc = vt_plan_load_mem(name, text->data, text->len, NULL, &plan, d);
    if (rc == VT_OK)
        rc = vt_invite_check(plan, NULL, VT_PER_CLUSTER, d);
    vt_plan_free(plan);
    return rc;
}

int vt_cmd_clusters(int argc, char **argv)
{
    clusters_opts o;
    if (parse(argc, argv, &o) != 0)
        return VT_EXIT_USAGE;
    if (o.help) {
        fputs(CLUSTERS_HELP, stdout);
        return VT_EXIT_OK;
    }
    vt_diags d;
    vt_diags_init(&d);
    vt_sheet *s = NULL;
    vt_buf out;
    vt_buf_init(&out);
    size_t nc = 0, ns = 0;
    vt_error rc = vt_sheet_open(o.input, o.sheet, NULL, &s, &d);
    const char *dest = o.output ? o.output : o.into;
    if (rc == VT_OK && o.into) {
        rc = splice(&o, s, &out, &nc, &ns, &d);
        if (rc == VT_OK)
            rc = check_batch(o.into, &out, &d);
        if (rc != VT_OK && rc != VT_ERR_NOMEM && rc != VT_ERR_IO)
            vt_diags_addf(&d, "%s: not written", dest);
    } else if (rc == VT_OK) {
        rc = vt_sheet_clusters(s, "", &out, &nc, &ns, &d);
        vt_buf_putc(&out, '\n');
        if (rc == VT_OK && out.oom)
            rc = VT_ERR_NOMEM;
    }
    if (rc == VT_OK && dest && strcmp(dest, "-") != 0)
        rc = vt_write_atomic(dest, out.data, out.len, VT_WRITE_SYNC, &d);
    else if (rc == VT_OK && fwrite(out.data, 1, out.len, stdout) != out.len) {
        vt_diags_addf(&d, "standard output: cannot write");
        rc = VT_ERR_IO;
    }
    if (rc == VT_OK) {
        int file = dest && strcmp(dest, "-") != 0;
        fprintf(stderr, "vanthu clusters: %zu cluster%s, %zu school%s from %s",
                nc, nc == 1 ? "" : "s", ns, ns == 1 ? "" : "s", o.input);
        if (s->name)
            fprintf(stderr, " (sheet \"%s\")", s->name);
        fprintf(stderr, "%s%s\n", file ? " written to " : "", file ? dest : "");
    }
    vt_sheet_free(s);
    vt_buf_free(&out);
    return vt_cli_finish(rc, &d);
}
