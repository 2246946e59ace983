/*
 * cli_check.c - "vanthu check FILE.docx... [--json]".
 *
 * The văn thư's last look before a document goes out: every breach of the
 * Decree 30 thể thức in each file, as "file: rule (ref): where: what" lines
 * on standard output, or one JSON document with --json.  Exit 1 when any
 * file breaks the decree or cannot be read as a DOCX (the message on
 * standard error), 3 when a file cannot be read at all, 0 when all are
 * clean.  Every file is checked, whatever the others gave.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "doc/check.h"
#include "cli/cli.h"
#include "base/vanthu.h"

static const char CHECK_HELP[] =
    "usage: vanthu check FILE.docx... [--json] [--max-part-bytes N] [--max-parts N]\n"
    "       [--max-elements N]\n"
    "\n"
    "Check the thể thức of Word documents against Decree 30/2020/NĐ-CP:\n"
    "Quốc hiệu and Tiêu ngữ, agency names, Số and ký hiệu, place and date,\n"
    "type name and trích yếu, body text, Nơi nhận, signature, margins, paper\n"
    "and page numbers.  Each breach is printed as\n"
    "  file: rule (where the decree says it): paragraph N \"text…\": what is wrong\n"
    "  --json               one JSON object {\"files\": [{\"file\", \"violations\"}]}\n"
    "  --max-part-bytes N   refuse files and parts inflating past N (64 MiB)\n"
    "  --max-parts N        refuse packages of more than N parts (1000)\n"
    "  --max-elements N     refuse packages of more than N XML elements\n"
    "Exit 0 when every file keeps the decree, 1 when one breaks it or is not a\n"
    "DOCX with text, 3 when a file cannot be read.\n";

/* The worse of two results: I/O beats bad input beats clean. */
static vt_error worse(vt_error a, vt_error b)
{
    if (a == VT_OK)
        return b;
    if (b == VT_OK)
        return a;
    return vt_exit_code(b) > vt_exit_code(a) ? b : a;
}

/* One file: its report appended to out; returns the file's error (a breach
 * is VT_ERR_PLAN). */
static vt_error check_one(const char *path, const vt_limits *limits, int json,
                          int first, vt_buf *out, vt_diags *d)
{
    vt_limits lim = *limits;
    char *data = NULL;
    size_t len = 0;
    int r = vt_read_file(path, lim.max_part_bytes, &data, &len);
    if (r == -2) {
        vt_diags_addf(d, "%s: the file is larger than the limit of %zu bytes "
                         "(raise it with --max-part-bytes)", path,
                      lim.max_part_bytes);
        return VT_ERR_LIMIT;
    }
    if (r != 0) {
        vt_diags_addf(d, "%s: cannot read the file: %s", path, strerror(errno));
        return VT_ERR_IO;
    }
    vt_check_result res = {0};
    vt_error rc = vt_check_docx(path, data, len, &lim, &res, d);
    free(data);
    if (rc == VT_OK) {
        if (json) {
            vt_buf_puts(out, first ? "\n" : ",\n");
            vt_check_report_json(path, &res, out);
        } else {
            vt_check_report_text(path, &res, out);
        }
        if (res.count)
            rc = VT_ERR_PLAN;
    }
    vt_check_result_free(&res);
    return rc;
}

int vt_cmd_check(int argc, char **argv)
{
    vt_limits lim = vt_limits_default();
    if (vt_cli_limit_flags(&argc, argv, &lim) < 0)
        return VT_EXIT_USAGE;
    vt_diags d;
    vt_diags_init(&d);
    int json = 0, files = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(CHECK_HELP, stdout);
            return VT_EXIT_OK;
        }
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "vanthu check: unknown option \"%s\"\n%s", argv[i],
                    CHECK_HELP);
            return VT_EXIT_USAGE;
        } else {
            files++;
        }
    }
    if (!files) {
        fprintf(stderr, "vanthu check: name at least one DOCX\n%s", CHECK_HELP);
        return VT_EXIT_USAGE;
    }
    vt_buf out;
    vt_buf_init(&out);
    vt_error rc = VT_OK;
    int first = 1, broke = 0;
    if (json)
        vt_buf_puts(&out, "{\"files\": [");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            continue;
        size_t before = out.len;
        vt_error one = check_one(argv[i], &lim, json, first, &out, &d);
        if (out.len != before)
            first = 0;
        if (one == VT_ERR_PLAN && out.len != before)
            broke = 1;
        else
            rc = worse(rc, one);
    }
    if (json)
        vt_buf_puts(&out, "\n]}\n");
    if (out.oom)
        rc = worse(rc, VT_ERR_NOMEM);
    else if (out.len)
        fwrite(out.data, 1, out.len, stdout);
    vt_buf_free(&out);
    if (rc == VT_OK && broke) {
        /* the report said what is wrong; no generic line after it */
        vt_diags_print(&d, stderr);
        vt_diags_free(&d);
        return VT_EXIT_INPUT;
    }
    return vt_cli_finish(rc, &d);
}
