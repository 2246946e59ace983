/*
 * cli_import.c - "vanthu import FILE.txt [-o PLAN.xml]".
 *
 * Reads a document a clerk typed as plain text (any of UTF-8, UTF-16,
 * TCVN3, VNI), writes a plan.  The plan goes to standard output unless -o
 * names a file, which is then written atomically.  Warnings (what was
 * guessed, what was missing, the encoding converted) go to standard error
 * and do not change the exit code; the plan is checked with the same
 * validator as "vanthu validate" before it is written, so a plan that
 * would not render is reported rather than handed over silently.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "cli/cli.h"
#include "base/fileio.h"
#include "plan/import_file.h"
#include "base/vanthu.h"

static const char IMPORT_HELP[] =
    "usage: vanthu import FILE.txt|FILE.docx [-o PLAN.xml] [--max-bytes N]\n"
    "\n"
    "Turn a document typed as plain text into a plan: header, type name and\n"
    "trích yếu (or V/v), Kính gửi, Căn cứ, the numbered body, tables (lines\n"
    "of tab-separated cells), Nơi nhận, signature and appendices.  The text\n"
    "may be UTF-8 (with or without BOM), UTF-16 with BOM, TCVN3 (ABC) or\n"
    "VNI; legacy encodings are converted to Unicode.  A DOCX is read as the\n"
    "same lines: paragraphs, layout tables cell by cell, data tables as\n"
    "tab-separated rows, bold and italic inside a paragraph.\n"
    "  -o, --output FILE    write the plan to FILE (default, or \"-\": stdout)\n"
    "  --max-bytes N        refuse text files larger than N bytes (16 MiB)\n"
    "Warnings name file:line and what was guessed; missing fields are\n"
    "written as \"[THIẾU: …]\" for the clerk to fill in.\n";

static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || !*s || v == 0 || s[0] == '-')
        return -1;
    *out = (size_t)v;
    return 0;
}

/* Read the file, then decode, import and validate it; the plan's XML
 * into xml. */
static vt_error import_file(const char *path, size_t max_bytes, vt_buf *xml,
                            vt_diags *d)
{
    char *data = NULL;
    size_t len = 0;
    int r = vt_read_file(path, max_bytes, &data, &len);
    if (r == -2) {
        vt_diags_addf(d, "%s: the file is larger than the limit of %zu bytes "
                         "(raise it with --max-bytes)", path, max_bytes);
        return VT_ERR_LIMIT;
    }
    if (r != 0) {
        vt_diags_addf(d, "%s: cannot read the file: %s", path, strerror(errno));
        return VT_ERR_IO;
    }
    vt_error rc = vt_import_data(path, data, len, xml, d);
    free(data);
    return rc;
}

int vt_cmd_import(int argc, char **argv)
{
    /* "import --clusters schools.xlsx" reads a spreadsheet into a batch
     * plan's clusters: that is cli_clusters.c's job */
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--clusters") == 0 ||
            strncmp(argv[i], "--clusters=", 11) == 0)
            return vt_cmd_clusters(argc, argv);
    const char *in = NULL, *out = NULL;
    size_t max_bytes = vt_limits_default().max_plan_bytes;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(IMPORT_HELP, stdout);
            return VT_EXIT_OK;
        } else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(a, "--max-bytes") == 0 && i + 1 < argc) {
            if (parse_size(argv[++i], &max_bytes) != 0) {
                fprintf(stderr, "vanthu import: --max-bytes needs a positive "
                                "whole number, not \"%s\"\n", argv[i]);
                return VT_EXIT_USAGE;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "vanthu import: unknown option \"%s\"\n%s", a,
                    IMPORT_HELP);
            return VT_EXIT_USAGE;
        } else if (!in) {
            in = a;
        } else {
            fprintf(stderr, "vanthu import: give one file to import\n%s",
                    IMPORT_HELP);
            return VT_EXIT_USAGE;
        }
    }
    if (!in) {
        fprintf(stderr, "vanthu import: give the text file to import\n%s",
                IMPORT_HELP);
        return VT_EXIT_USAGE;
    }
    vt_diags d;
    vt_diags_init(&d);
    vt_buf xml;
    vt_buf_init(&xml);
    vt_error rc = import_file(in, max_bytes, &xml, &d);
    if (rc == VT_OK) {
        if (!out || strcmp(out, "-") == 0) {
            if (fwrite(xml.data, 1, xml.len, stdout) != xml.len || fflush(stdout)) {
                vt_diags_addf(&d, "vanthu import: cannot write the plan to "
                                  "standard output: %s", strerror(errno));
                rc = VT_ERR_IO;
            }
        } else {
            rc = vt_write_atomic(out, xml.data, xml.len, VT_WRITE_SYNC, &d);
        }
    }
    vt_buf_free(&xml);
    return vt_cli_finish(rc, &d);
}
