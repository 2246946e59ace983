/*
 * book.c - the register book: export as CSV and as the printed DOCX of
 * Phụ lục IV, and the check of the archive against the register.
 *
 * The DOCX is built with the writer the documents use (ooxml.c for the
 * table, docx.c for the package, the styles and page headers of the
 * mau-1.4 template), so the book prints in the same fonts and the same
 * table style as the documents it lists.
 */
#include "register/book.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "register/book_xlsx.h"
#include "base/buf.h"
#include "doc/docx.h"
#include "plan/model.h"
#include "doc/ooxml.h"
#include "base/sha256.h"
#include "pdf/sign.h"
#include "doc/template.h"
#include "base/vn_text.h"

/* The ten columns of Phụ lục IV, with their relative widths in the
 * landscape table (the trích yếu and the nơi nhận need the room). */
static const char *const COLUMNS[10] = {
    "Số, ký hiệu văn bản", "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung văn bản", "Người ký",
    "Nơi nhận văn bản", "Đơn vị, người nhận bản lưu", "Số lượng bản",
    "Ngày chuyển", "Ký nhận", "Ghi chú"};
static const int WIDTHS[10] = {13, 11, 26, 12, 17, 11, 7, 11, 8, 12};

/* One agency's entries for one year, copied out of the register. */
typedef struct {
    vt_arena arena;
    const char *agency, *agency_name, *parent;
    int year, book;
    char **cells; /* n rows of 10 cells, plus the files column */
    const char **files;
    int *numbers;
    const char **dates;
    size_t n, cap;
    const char *want_agency;
    int other_agency; /* entries of another agency were skipped */
} rows;

/* "2024-05-02" -> "02/5/2024", as the documents write dates. */
static void short_date(vt_buf *b, const char *iso)
{
    vt_date dt = {0, 0, 0};
    if (*iso && sscanf(iso, "%d-%d-%d", &dt.year, &dt.month, &dt.day) == 3)
        vt_date_short(&dt, b);
}

/* Ghi chú: the register's note, and the voiding with its date. */
static void note_cell(vt_buf *b, const vt_reg_entry *e)
{
    vt_buf_puts(b, e->note);
    if (!*e->voided)
        return;
    vt_buf_printf(b, "%sĐã hủy", *e->note ? "; " : "");
    if (*e->voided_on) {
        vt_buf_puts(b, " ngày ");
        short_date(b, e->voided_on);
    }
    vt_buf_printf(b, ": %s", e->voided);
}

/* The cell raw holds, cleaned like plan text (controls, direction marks
 * and invisible characters gone, white space folded, NFC) and copied into
 * the arena: a register written by an older vanthu, or edited by hand,
 * may hold anything, and the book goes to a spreadsheet or the printer.
 * Text that is not UTF-8 becomes U+FFFD. */
static char *clean_cell(vt_arena *a, vt_buf *raw, vt_buf *clean)
{
    vt_buf_reset(clean);
    if (vt_text_clean(raw->data ? raw->data : "", raw->len, clean) != 0)
        vt_buf_puts(clean, "\xEF\xBF\xBD");
    size_t start = clean->len && clean->data[0] == ' ';
    size_t len = clean->len - start;
    if (len && clean->data[start + len - 1] == ' ')
        len--;
    if (raw->oom || clean->oom)
        return NULL;
    char *out = vt_arena_alloc(a, len + 1);
    if (out && len)
        memcpy(out, clean->data + start, len);
    if (out)
        out[len] = '\0';
    return out;
}

static int add_row(void *ctx, const vt_reg_entry *e)
{
    rows *R = ctx;
    if (R->want_agency ? strcmp(e->agency_abbr, R->want_agency) != 0
                       : R->agency && strcmp(e->agency_abbr, R->agency) != 0) {
        R->other_agency = 1;
        return 0;
    }
    if (R->n == R->cap) {
        size_t cap = R->cap ? 2 * R->cap : 64;
        char **c = realloc(R->cells, cap * 10 * sizeof *c);
        if (c)
            R->cells = c;
        const char **f = realloc(R->files, cap * sizeof *f);
        if (f)
            R->files = f;
        int *num = realloc(R->numbers, cap * sizeof *num);
        if (num)
            R->numbers = num;
        const char **dt = realloc(R->dates, cap * sizeof *dt);
        if (dt)
            R->dates = dt;
        if (!c || !f || !num || !dt)
            return 1;
        R->cap = cap;
    }
    vt_arena *a = &R->arena;
    if (!R->agency) {
        R->agency = vt_arena_strdup(a, e->agency_abbr);
        R->agency_name = vt_arena_strdup(a, e->agency_name);
        R->parent = vt_arena_strdup(a, e->parent);
    }
    vt_buf b, clean;
    vt_buf_init(&b);
    vt_buf_init(&clean);
    char **c = &R->cells[R->n * 10];
    char copies[16];
    snprintf(copies, sizeof copies, "%d", e->copies);
    const char *plain[10] = {e->ky_hieu, NULL, e->type_subject, e->signer,
                             e->recipients, e->archive_unit, copies, NULL,
                             e->received_by, NULL};
    for (int i = 0; i < 10; i++) {
        vt_buf_reset(&b);
        if (plain[i])
            vt_buf_puts(&b, plain[i]);
        else if (i == 1 || i == 7)
            short_date(&b, i == 1 ? e->date : e->sent_date);
        else
            note_cell(&b, e);
        c[i] = clean_cell(a, &b, &clean);
    }
    vt_buf_free(&b);
    vt_buf_free(&clean);
    R->files[R->n] = vt_arena_strdup(a, e->files);
    R->numbers[R->n] = e->number;
    R->dates[R->n] = vt_arena_strdup(a, e->date);
    R->n++;
    return a->oom;
}

static int latest_year(void *ctx, const vt_reg_entry *e)
{
    int *year = ctx;
    if (e->year > *year)
        *year = e->year;
    return 0;
}

static int agency_book(void *ctx, const vt_reg_agency *a)
{
    rows *R = ctx;
    if (R->agency && strcmp(a->abbr, R->agency) == 0)
        R->book = a->book;
    return 0;
}

static void rows_free(rows *R)
{
    vt_arena_free(&R->arena);
    free(R->cells);
    free(R->files);
    free(R->numbers);
    free(R->dates);
}

/* Read the entries the book shows; an empty book is an error, since a
 * printed register of nothing is always a mistake in the year or agency. */
static vt_error collect(vt_register *r, const vt_book_opts *o, rows *R,
                        vt_diags *d)
{
    memset(R, 0, sizeof *R);
    vt_arena_init(&R->arena);
    R->want_agency = o->agency;
    R->year = o->year;
    vt_error rc = VT_OK;
    if (!R->year)
        rc = vt_register_list(r, NULL, latest_year, &R->year, d);
    vt_reg_filter f = {.year = R->year};
    if (rc == VT_OK)
        rc = vt_register_list(r, &f, add_row, R, d);
    if (rc == VT_ERR_USAGE) /* add_row stopped: out of memory */
        return VT_ERR_NOMEM;
    if (rc == VT_OK)
        rc = vt_register_agencies(r, agency_book, R, d);
    if (rc != VT_OK)
        return rc;
    if (R->other_agency && !o->agency) {
        vt_diags_addf(d, "the register holds documents of several agencies; "
                         "give --agency ABBR (e.g. --agency %s)",
                      R->agency ? R->agency : "PGDĐT");
        return VT_ERR_USAGE;
    }
    if (R->n == 0) {
        vt_diags_addf(d, "the register has no documents%s%s for %d",
                      o->agency ? " of " : "", o->agency ? o->agency : "",
                      R->year);
        return VT_ERR_USAGE;
    }
    return VT_OK;
}

/* ---- CSV ---------------------------------------------------------------- */

static void book_csv(const rows *R, vt_buf *b)
{
    vt_buf_puts(b, "\xEF\xBB\xBF"); /* the BOM makes Excel read UTF-8 */
    for (int i = 0; i < 10; i++)
        vt_buf_csv_cell(b, COLUMNS[i], 0);
    vt_buf_csv_cell(b, "Tệp lưu trữ", 1);
    for (size_t k = 0; k < R->n; k++) {
        for (int i = 0; i < 10; i++)
            vt_buf_csv_cell(b, R->cells[k * 10 + i] ? R->cells[k * 10 + i] : "", 0);
        vt_buf_csv_cell(b, R->files[k] ? R->files[k] : "", 1);
    }
}

/* ---- DOCX --------------------------------------------------------------- */

/* A4 landscape with the portrait page's margins turned with it. */
enum { LAND_W = 16838, LAND_H = 11906, LAND_TEXT = LAND_W - 1134 - 1134 };

static void center_para(vt_buf *b, const char *text, int bold, int size,
                        int before)
{
    vt_rpr rpr = {bold, 0, size};
    vt_buf_printf(b, "<w:p><w:pPr><w:spacing w:before=\"%d\" w:after=\"0\"/>"
                     "<w:jc w:val=\"center\"/></w:pPr>",
                  before);
    vt_ox_run(b, text, &rpr);
    vt_buf_puts(b, "</w:p>");
}

/* The cover and first page (Phụ lục IV, I.1), alone in a portrait
 * section centred on the page. */
static void cover(vt_buf *b, const rows *R)
{
    vt_buf up, line;
    vt_buf_init(&up);
    vt_buf_init(&line);
    vt_text_upper(R->parent ? R->parent : "", &up);
    vt_buf_putc(&up, '\0');
    center_para(b, up.data, 0, 26, 0);
    vt_buf_reset(&up);
    vt_text_upper(R->agency_name ? R->agency_name : "", &up);
    vt_buf_putc(&up, '\0');
    center_para(b, up.data, 1, 26, 0);
    center_para(b, "SỔ ĐĂNG KÝ VĂN BẢN ĐI", 1, 40, 3600);
    vt_buf_printf(&line, "Năm: %d", R->year);
    center_para(b, line.data, 1, 28, 1200);
    /* rows are in series order, so the dates and numbers are scanned */
    const char *first = R->dates[0], *last = R->dates[0];
    int lo = R->numbers[0], hi = R->numbers[0];
    for (size_t k = 1; k < R->n; k++) {
        if (strcmp(R->dates[k], first) < 0)
            first = R->dates[k];
        if (strcmp(R->dates[k], last) > 0)
            last = R->dates[k];
        lo = R->numbers[k] < lo ? R->numbers[k] : lo;
        hi = R->numbers[k] > hi ? R->numbers[k] : hi;
    }
    vt_buf_reset(&line);
    vt_buf_puts(&line, "Từ ngày ");
    short_date(&line, first);
    vt_buf_puts(&line, " đến ngày ");
    short_date(&line, last);
    center_para(b, line.data, 0, 28, 240);
    vt_buf_reset(&line);
    vt_buf_puts(&line, "Từ số ");
    vt_number_pad(lo, &line);
    vt_buf_puts(&line, " đến số ");
    vt_number_pad(hi, &line);
    center_para(b, line.data, 0, 28, 240);
    vt_buf_reset(&line);
    vt_buf_printf(&line, "Quyển số: %d", R->book > 0 ? R->book : 1);
    center_para(b, line.data, 0, 28, 240);
    vt_buf_puts(b, "<w:p><w:pPr><w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/>"
                   "<w:pgMar w:top=\"1134\" w:right=\"1134\" w:bottom=\"1134\" "
                   "w:left=\"1701\" w:header=\"567\" w:footer=\"567\" "
                   "w:gutter=\"0\"/><w:cols w:space=\"720\"/>"
                   "<w:vAlign w:val=\"center\"/><w:docGrid w:linePitch=\"360\"/>"
                   "</w:sectPr></w:pPr></w:p>");
    vt_buf_free(&up);
    vt_buf_free(&line);
}

static vt_inline one_run(vt_arena *a, const char *text, int bold)
{
    vt_inline in = {vt_arena_alloc(a, sizeof(vt_run)), 1};
    if (in.runs) {
        in.runs[0].text = text ? text : "";
        in.runs[0].bold = (unsigned char)bold;
    } else {
        in.count = 0;
    }
    return in;
}

/* The 10-column table: headings repeated on every page, then the column
 * numbers (1) to (10) as the decree prints them, then one row per entry. */
static void register_table(vt_buf *b, rows *R)
{
    vt_arena *a = &R->arena;
    vt_table t = {.ncols = 10, .repeat_header = 1};
    t.widths = vt_arena_alloc(a, sizeof WIDTHS);
    if (t.widths)
        memcpy(t.widths, WIDTHS, sizeof WIDTHS);
    t.heads = vt_arena_alloc(a, 10 * sizeof *t.heads);
    t.nrows = R->n + 1;
    t.rows = vt_arena_alloc(a, t.nrows * sizeof *t.rows);
    if (!t.widths || !t.heads || !t.rows) {
        b->oom = 1;
        return;
    }
    for (size_t k = 0; k < t.nrows; k++) {
        vt_row *row = &t.rows[k];
        row->count = 10;
        row->cells = vt_arena_alloc(a, 10 * sizeof *row->cells);
        if (!row->cells) {
            b->oom = 1;
            return;
        }
        for (int i = 0; i < 10; i++) {
            char num[8];
            snprintf(num, sizeof num, "(%d)", i + 1);
            const char *text = k == 0 ? vt_arena_strdup(a, num)
                                      : R->cells[(k - 1) * 10 + i];
            row->cells[i].text = one_run(a, text, 0);
            row->cells[i].rowspan = row->cells[i].colspan = 1;
        }
    }
    for (int i = 0; i < 10; i++)
        t.heads[i] = one_run(a, COLUMNS[i], 1);
    if (a->oom) {
        b->oom = 1;
        return;
    }
    vt_ox_table(b, &t, LAND_TEXT);
}

static void book_docx_xml(vt_buf *b, rows *R)
{
    vt_buf_puts(b,
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                "<w:document xmlns:w=\"http://schemas.openxmlformats.org/"
                "wordprocessingml/2006/main\" xmlns:r=\"http://schemas."
                "openxmlformats.org/officeDocument/2006/relationships\">"
                "<w:body>");
    cover(b, R);
    register_table(b, R);
    /* the table's pages: landscape, numbered at the top from 1 (the
     * template's header1 is the page number) */
    vt_buf_printf(b,
                  "<w:p/><w:sectPr><w:headerReference w:type=\"default\" "
                  "r:id=\"rId4\"/><w:pgSz w:w=\"%d\" w:h=\"%d\" "
                  "w:orient=\"landscape\"/><w:pgMar w:top=\"1134\" "
                  "w:right=\"1134\" w:bottom=\"1134\" w:left=\"1134\" "
                  "w:header=\"567\" w:footer=\"567\" w:gutter=\"0\"/>"
                  "<w:pgNumType w:start=\"1\"/><w:cols w:space=\"720\"/>"
                  "<w:docGrid w:linePitch=\"360\"/></w:sectPr></w:body>"
                  "</w:document>",
                  LAND_W, LAND_H);
}

vt_error vt_book_export(vt_register *r, const vt_book_opts *o,
                        const char *out_path, vt_diags *d)
{
    /* -o register.sqlite would replace the register with its own book */
    const char *what = vt_register_protected(r, out_path);
    if (what) {
        vt_diags_addf(d, "%s: is %s; nothing was written: give the book "
                         "another file name",
                      out_path, what);
        return VT_ERR_USAGE;
    }
    rows R;
    vt_error rc = collect(r, o, &R, d);
    if (rc == VT_OK && o->format == VT_BOOK_XLSX) { /* book_xlsx.c */
        vt_book_table t = {COLUMNS, 10, R.cells, R.n, R.files, "Tệp lưu trữ",
                           1u << 1 | 1u << 7, 1u << 6, R.agency, R.year};
        rc = vt_book_export_xlsx(&t, out_path, d);
        rows_free(&R);
        return rc;
    }
    vt_buf xml, out;
    vt_buf_init(&xml);
    vt_buf_init(&out);
    if (rc == VT_OK && o->format == VT_BOOK_CSV) {
        book_csv(&R, &out);
    } else if (rc == VT_OK) {
        book_docx_xml(&xml, &R);
        size_t len;
        unsigned long long doc;
        const unsigned char *pkg = vt_template_package(o->tpl, &len, &doc);
        rc = xml.oom ? VT_ERR_NOMEM
                     : vt_docx_build(pkg, len, doc, xml.data, xml.len, &out, d);
    }
    if (rc == VT_OK)
        rc = out.oom ? VT_ERR_NOMEM
                     : vt_write_atomic(out_path, out.data, out.len,
                                       VT_WRITE_SYNC, d);
    vt_buf_free(&xml);
    vt_buf_free(&out);
    rows_free(&R);
    return rc;
}

/* ---- verify ------------------------------------------------------------- */

typedef struct {
    vt_register *r;
    FILE *report;
    int year;
    const char *nss_dir; /* trust for signatures; NULL: integrity only */
    size_t checked, bad, orphans, signed_ok, unsigned_pdfs;
    int oom;
} verifier;

/* The SHA-256 of the regular file at path, read in pieces: an archive
 * holds documents, and anything else in its place (a link to /dev/zero,
 * a FIFO that would block, a folder) is reported, not followed or read.
 * NULL, or what is wrong. */
static const char *hash_file(const char *path, char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? "missing"
               : errno == ELOOP ? "a symbolic link, not the archived file"
                                : strerror(errno);
    struct stat st;
    const char *problem = NULL;
    if (fstat(fd, &st) != 0)
        problem = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        problem = S_ISDIR(st.st_mode) ? "a folder, not the archived file"
                                      : "not a regular file (a device, FIFO "
                                        "or socket), not the archived file";
    vt_sha256 h;
    vt_sha256_init(&h);
    unsigned char chunk[1 << 16];
    while (!problem) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            problem = strerror(errno);
        else if (n == 0)
            break;
        else
            vt_sha256_update(&h, chunk, (size_t)n);
    }
    close(fd);
    if (problem)
        return problem;
    unsigned char digest[32];
    vt_sha256_final(&h, digest);
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    hex[64] = '\0';
    return NULL;
}

static int is_pdf(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && strcmp(path + n - 4, ".pdf") == 0;
}

/* An archived PDF whose bytes match the register: its signatures, if it
 * has any, must verify too (a signature invalid from the start, or a
 * certificate not trusted in --nss-dir, is caught here; a changed byte
 * was already caught by the SHA-256).  An unsigned PDF is counted, not
 * an error: `issue --pdf` without --sign archives one. */
static void check_signatures(verifier *v, const vt_reg_entry *e,
                             const char *full)
{
    vt_diags sd;
    vt_diags_init(&sd);
    vt_sig_report rep;
    vt_error rc = vt_pdf_verify_file(full, v->nss_dir, &rep, &sd);
    if (rc == VT_ERR_NOMEM)
        v->oom = 1;
    else if (rc == VT_ERR_SIGNATURE && rep.n == 0)
        v->unsigned_pdfs++;
    else if (rc == VT_OK)
        v->signed_ok++;
    else {
        v->bad++;
        for (size_t i = 0; i < sd.count; i++)
            fprintf(v->report, "%s (số %s, %s)\n", sd.msgs[i], e->ky_hieu,
                    e->date);
        if (sd.count == 0)
            fprintf(v->report, "%s: the signature does not verify (số %s, "
                               "%s)\n", full, e->ky_hieu, e->date);
    }
    vt_sig_report_free(&rep);
    vt_diags_free(&sd);
}

static int check_file(void *ctx, const vt_reg_entry *e, const char *path,
                      const char *sha256)
{
    verifier *v = ctx;
    char *full = NULL;
    if (path[0] == '/' ? !(full = strdup(path))
                       : asprintf(&full, "%s/%s", vt_register_dir(v->r), path) < 0)
        return v->oom = 1;
    char actual[65] = "";
    const char *problem = hash_file(full, actual);
    if (!problem && strcmp(actual, sha256) != 0)
        problem = "changed since it was archived";
    v->checked++;
    if (problem) {
        v->bad++;
        fprintf(v->report, "%s: %s (số %s, %s)", full, problem, e->ky_hieu,
                e->date);
        if (actual[0] && strcmp(actual, sha256) != 0)
            fprintf(v->report, ": SHA-256 %s, the register has %s", actual,
                    sha256);
        fputc('\n', v->report);
    } else if (is_pdf(full)) {
        check_signatures(v, e, full);
    }
    free(full);
    return 0;
}

/* 1 if name is an archive name of year ("2026-…", "mat-2026-…"). */
static int name_of_year(const char *name, int year)
{
    char prefix[32];
    if (strncmp(name, "mat-", 4) == 0)
        name += 4;
    snprintf(prefix, sizeof prefix, "%d-", year);
    return strncmp(name, prefix, strlen(prefix)) == 0;
}

/* Every name in an archive folder that no entry owns is a line: a file
 * left by an issue killed between writing it and recording it, or put
 * there by hand.  With --year, only that year's archive names. */
static int check_dir(void *ctx, const char *dir)
{
    verifier *v = ctx;
    DIR *dp = opendir(dir);
    if (!dp) {
        if (errno != ENOENT) {
            v->orphans++;
            fprintf(v->report, "%s: cannot read the archive folder: %s\n", dir,
                    strerror(errno));
        }
        return 0;
    }
    struct dirent *de;
    while ((de = readdir(dp))) {
        const char *name = de->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
            strcmp(name, VT_REGISTER_MARKER) == 0 ||
            (v->year && !name_of_year(name, v->year)))
            continue;
        char *full = NULL;
        if (asprintf(&full, "%s/%s", dir, name) < 0) {
            v->oom = 1;
            break;
        }
        int taken = vt_register_file_taken(v->r, full);
        if (taken <= 0) {
            v->orphans++;
            fprintf(v->report, "%s: %s\n", full,
                    taken < 0 ? "cannot read the register"
                              : "in the archive folder, but no entry of the "
                                "register owns it (an issue interrupted "
                                "before it was recorded, or put there by "
                                "hand)");
        }
        free(full);
    }
    closedir(dp);
    return v->oom;
}

vt_error vt_book_verify(vt_register *r, int year, const char *nss_dir,
                        FILE *report, size_t *checked, size_t pdfs[2],
                        vt_diags *d)
{
    verifier v = {r, report, year, nss_dir, 0, 0, 0, 0, 0, 0};
    vt_reg_filter f = {.year = year};
    vt_error rc = vt_register_files(r, &f, check_file, &v, d);
    if (rc == VT_OK && !v.oom)
        rc = vt_register_archive_dirs(r, check_dir, &v, d);
    *checked = v.checked;
    pdfs[0] = v.signed_ok;
    pdfs[1] = v.unsigned_pdfs;
    if (v.oom && (rc == VT_OK || rc == VT_ERR_USAGE))
        rc = VT_ERR_NOMEM;
    if (rc == VT_OK && v.bad)
        vt_diags_addf(d, "%s: %zu of %zu archived files do not match the "
                         "register or carry a signature that does not "
                         "verify",
                      vt_register_dir(r), v.bad, v.checked);
    if (rc == VT_OK && v.orphans)
        vt_diags_addf(d, "%s: %zu name%s in the archive folders that no "
                         "entry owns",
                      vt_register_dir(r), v.orphans,
                      v.orphans == 1 ? "" : "s");
    if (rc == VT_OK && (v.bad || v.orphans))
        rc = VT_ERR_MISMATCH;
    return rc;
}
