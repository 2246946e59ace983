/*
 * cli_pdf.c - `vanthu pdf FILE.docx… [-o DIR]`, and the PDF flags of
 * `render` (`-o FILE.pdf`, `--pdf`, `--pdf-timeout S`).
 *
 * The conversion itself is pdf.c; this file only turns arguments into
 * lists of inputs and outputs, refusing what cannot work (two inputs that
 * would give the same PDF, an output that is a folder) before a converter
 * starts, since starting LibreOffice is the slow part.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "cli/cli.h"
#include "base/fileio.h"
#include "plan/model.h"
#include "pdf/pdf.h"
#include "doc/render.h"

/* The signal that interrupted a conversion (SIGINT, SIGTERM).  A
 * handler can only reach a static object; only the handler writes it. */
static volatile sig_atomic_t pdf_stop_signal;

static void on_pdf_stop(int sig) { pdf_stop_signal = sig; }

volatile sig_atomic_t *vt_cli_pdf_stop(void)
{
    /* the converter runs in a process group of its own (so that its
     * timeout can kill it whole), out of reach of the terminal's Ctrl-C:
     * the handler only sets the flag pdf.c watches, which kills the
     * group and removes its folder.  SA_RESETHAND: a second Ctrl-C kills
     * vanthu at once. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_pdf_stop;
    sa.sa_flags = SA_RESTART | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return &pdf_stop_signal;
}

/* The exit code after a conversion: 128 + the signal that stopped it, as
 * a shell reports a program killed by it, else code. */
int vt_cli_pdf_exit(int code)
{
    return pdf_stop_signal && code != VT_EXIT_OK ? 128 + pdf_stop_signal : code;
}

static const char PDF_HELP[] =
    "usage: vanthu pdf FILE.docx... [-o DIR] [-j N] [--date YYYY-MM-DD]\n"
    "                  [--pdf-timeout S]\n"
    "\n"
    "Convert DOCX documents to PDF/A-2b with LibreOffice (headless), every\n"
    "font embedded, only the Liberation 2 fonts (Times-metric).\n"
    "  -o, --output DIR     write the PDFs into DIR (created if missing);\n"
    "                       default: beside each document (X.docx -> X.pdf)\n"
    "  -j, --jobs N         converter processes (default: one per core, at\n"
    "                       most one per document)\n"
    "  --date YYYY-MM-DD    the PDF's creation date (default: the clock's)\n"
    "  --pdf-timeout S      stop a converter that takes longer than S\n"
    "                       seconds (default 120 + 5 per document)\n"
    "Environment: VANTHU_SOFFICE (the converter, default soffice),\n"
    "VANTHU_PDF_FONTS (the Liberation 2 folder), VANTHU_FAKETIME_LIB (the\n"
    "libfaketime that holds the converter's clock at the date, so the same\n"
    "document gives the same bytes).  A PDF appears complete or not at all;\n"
    "none is written unless every document converted.  Ctrl-C (SIGINT) or\n"
    "SIGTERM stops the converters and writes nothing (exit 130 or 143).\n";

static int parse_timeout(const char *prog, const char *s, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || errno || v == 0 || v > 86400) {
        fprintf(stderr, "vanthu %s: --pdf-timeout needs seconds from 1 to "
                        "86400, not \"%s\"\n", prog, s);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

static int parse_day(const char *prog, const char *s, vt_date *out)
{
    int y, m, d, n = 0;
    vt_date dt = {0, 0, 0};
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && !s[n] &&
        strlen(s) == 10) {
        dt = (vt_date){y, m, d};
        if (y >= 1900 && vt_date_valid(&dt, 0)) {
            *out = dt;
            return 0;
        }
    }
    fprintf(stderr, "vanthu %s: --date needs a date that exists, as "
                    "YYYY-MM-DD, not \"%s\"\n", prog, s);
    return -1;
}

int vt_cli_pdf_flags(int *argc, char **argv, vt_cli_pdf *f)
{
    memset(f, 0, sizeof *f);
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        if (strcmp(a, "--pdf") == 0) {
            f->beside = 1;
        } else if (strncmp(a, "--pdf-timeout=", 14) == 0) {
            if (parse_timeout(argv[0], a + 14, &f->timeout_s) != 0)
                return -1;
        } else if (strcmp(a, "--pdf-timeout") == 0) {
            if (i + 1 >= *argc) {
                fprintf(stderr, "vanthu %s: --pdf-timeout needs seconds\n",
                        argv[0]);
                return -1;
            }
            if (parse_timeout(argv[0], argv[++i], &f->timeout_s) != 0)
                return -1;
        } else {
            argv[out++] = argv[i];
        }
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}

static int is_pdf_name(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && strcasecmp(path + n - 4, ".pdf") == 0;
}

/* An existing output that is not a regular file is never replaced. */
static vt_error check_output(const char *path, vt_diags *d)
{
    struct stat st;
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        vt_diags_addf(d, "%s: is a %s, not replaced", path,
                      S_ISDIR(st.st_mode) ? "folder" : "special file");
        return VT_ERR_IO;
    }
    return VT_OK;
}

vt_error vt_cli_render_out(const vt_plan *plan, const vt_template *tpl,
                           const char *out, const vt_cli_pdf *f, vt_diags *d)
{
    if (!is_pdf_name(out) && !f->beside)
        return vt_render(plan, tpl, out, d);
    if (is_pdf_name(out) && f->beside) {
        vt_diags_addf(d, "%s: --pdf writes the PDF beside a DOCX; with -o "
                         "FILE.pdf only the PDF is written, so leave one out",
                      out);
        return VT_ERR_USAGE;
    }
    vt_pdf_opts po;
    vt_pdf_opts_init(&po);
    po.timeout_s = f->timeout_s;
    po.date = plan->date;
    po.stop = vt_cli_pdf_stop();
    /* the PDF first: if the converter fails, no DOCX was written either */
    char *pdf = f->beside ? vt_pdf_name(out) : strdup(out);
    if (!pdf)
        return VT_ERR_NOMEM;
    vt_buf pkg;
    vt_buf_init(&pkg);
    vt_error rc = check_output(pdf, d);
    if (rc == VT_OK)
        rc = vt_render_mem(plan, tpl, &pkg, d);
    if (rc == VT_OK)
        rc = vt_pdf_from_mem(pkg.data, pkg.len, pdf, &po, d);
    if (rc == VT_OK && f->beside) {
        rc = vt_write_atomic(out, pkg.data, pkg.len, VT_WRITE_SYNC, d);
        if (rc != VT_OK)
            unlink(pdf); /* the pair or nothing */
        else
            printf("%s\n%s\n", out, pdf);
    }
    vt_buf_free(&pkg);
    free(pdf);
    return rc;
}

/* The PDF names of the inputs: beside each, or in dir; two inputs that
 * would give one name are refused. */
static vt_error output_names(char **in, int n, const char *dir, char **out,
                             vt_diags *d)
{
    for (int i = 0; i < n; i++) {
        char *pdf = vt_pdf_name(in[i]);
        if (!pdf)
            return VT_ERR_NOMEM;
        if (dir) {
            const char *base = strrchr(pdf, '/');
            char *p = NULL;
            int r = asprintf(&p, "%s/%s", dir, base ? base + 1 : pdf);
            free(pdf);
            if (r < 0)
                return VT_ERR_NOMEM;
            pdf = p;
        }
        out[i] = pdf;
        for (int j = 0; j < i; j++)
            if (strcmp(out[j], pdf) == 0) {
                vt_diags_addf(d, "%s and %s would both be written to %s; "
                                 "convert them into different folders",
                              in[j], in[i], pdf);
                return VT_ERR_USAGE;
            }
        vt_error rc = check_output(pdf, d);
        if (rc != VT_OK)
            return rc;
    }
    return VT_OK;
}

int vt_cmd_pdf(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'},
        {"jobs", required_argument, 0, 'j'},
        {"date", required_argument, 0, 'D'},
        {"pdf-timeout", required_argument, 0, 'T'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    vt_pdf_opts po;
    vt_pdf_opts_init(&po);
    po.stop = vt_cli_pdf_stop();
    const char *dir = NULL;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "o:j:h", longopts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'o': dir = optarg; break;
        case 'h': fputs(PDF_HELP, stdout); return VT_EXIT_OK;
        case 'D':
            if (parse_day(argv[0], optarg, &po.date) != 0)
                return VT_EXIT_USAGE;
            break;
        case 'T':
            if (parse_timeout(argv[0], optarg, &po.timeout_s) != 0)
                return VT_EXIT_USAGE;
            break;
        case 'j':
            errno = 0;
            po.jobs = (unsigned)strtoul(optarg, &end, 10);
            if (!*optarg || *end || errno || po.jobs == 0 || po.jobs > 64) {
                fprintf(stderr, "vanthu pdf: -j needs a number of converter "
                                "processes from 1 to 64\n");
                return VT_EXIT_USAGE;
            }
            break;
        default:
            fprintf(stderr, "vanthu pdf: unknown option or missing value: "
                            "%s\n%s", argv[optind - 1], PDF_HELP);
            return VT_EXIT_USAGE;
        }
    }
    int n = argc - optind;
    if (n < 1) {
        fprintf(stderr, "vanthu pdf: give at least one DOCX file\n%s", PDF_HELP);
        return VT_EXIT_USAGE;
    }
    if (!po.jobs) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        po.jobs = cores > 0 ? (unsigned)cores : 1;
    }
    vt_diags d;
    vt_diags_init(&d);
    vt_error rc = VT_OK;
    int made = dir && mkdir(dir, 0777) == 0;
    if (dir && !made && errno != EEXIST) {
        vt_diags_addf(&d, "%s: cannot create the output folder: %s", dir,
                      strerror(errno));
        return vt_cli_finish(VT_ERR_IO, &d);
    }
    char **out = calloc((size_t)n, sizeof *out);
    if (!out)
        rc = VT_ERR_NOMEM;
    if (rc == VT_OK)
        rc = output_names(argv + optind, n, dir, out, &d);
    if (rc == VT_OK)
        rc = vt_pdf_convert((const char *const *)(argv + optind),
                            (const char *const *)out, (size_t)n, &po, &d);
    for (int i = 0; i < n && out; i++) {
        if (rc == VT_OK)
            printf("%s\n", out[i]);
        free(out[i]);
    }
    free(out);
    if (rc != VT_OK && made)
        rmdir(dir); /* a folder this run made stays only with its PDFs */
    return vt_cli_pdf_exit(vt_cli_finish(rc, &d));
}

vt_error vt_cli_book_pdf(vt_register *reg, const vt_book_opts *b,
                         const char *out, vt_diags *d)
{
    if (!is_pdf_name(out)) {
        vt_diags_addf(d, "%s: the PDF book needs a name ending in .pdf", out);
        return VT_ERR_USAGE;
    }
    vt_error rc = check_output(out, d);
    const char *tmpdir = getenv("TMPDIR");
    char dir[PATH_MAX - 64], path[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/vanthu-book-XXXXXX",
             tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (rc == VT_OK && !mkdtemp(dir)) {
        vt_diags_addf(d, "%s: cannot create a temporary folder: %s", dir,
                      strerror(errno));
        return VT_ERR_IO;
    }
    if (rc != VT_OK)
        return rc;
    snprintf(path, sizeof path, "%s/so-dang-ky.docx", dir);
    vt_pdf_opts po;
    vt_pdf_opts_init(&po);
    po.stop = vt_cli_pdf_stop();
    rc = vt_book_export(reg, b, path, d);
    const char *in[1] = {path}, *outs[1] = {out};
    if (rc == VT_OK)
        rc = vt_pdf_convert(in, outs, 1, &po, d);
    unlink(path);
    rmdir(dir);
    return rc;
}
