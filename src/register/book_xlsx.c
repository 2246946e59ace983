/*
 * book_xlsx.c - the register book as an Excel workbook.
 *
 * Clerks keep and filter the register in Excel; a CSV loses the dates (they
 * arrive as text) and the column widths.  libxlsxwriter writes the workbook;
 * it only writes to a named file, so the file is made in a private
 * temporary folder, read back and put in place with vt_write_atomic like
 * every other output: the clerk's folder never sees a half-written file.
 */
#include "register/book_xlsx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <utf8proc.h>
#include <xlsxwriter.h>

#include "base/buf.h"
#include "base/fileio.h"

enum { MIN_WIDTH = 8, MAX_WIDTH = 60 };

/* Characters, not bytes: Excel's widths count characters. */
static size_t text_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* The longest word of a heading: headings wrap, words do not. */
static size_t longest_word(const char *s)
{
    size_t best = 0, cur = 0;
    for (; *s; s++) {
        if (*s == ' ') {
            cur = 0;
            continue;
        }
        cur += ((unsigned char)*s & 0xC0) != 0x80;
        best = cur > best ? cur : best;
    }
    return best;
}

static const char *cell(const vt_book_table *t, size_t row, size_t col)
{
    if (col == t->ncols)
        return t->files && t->files[row] ? t->files[row] : "";
    const char *c = t->cells[row * t->ncols + col];
    return c ? c : "";
}

/* "02/5/2024" (as book.c writes dates) into an Excel date; 0 or -1. */
static int parse_short_date(const char *s, lxw_datetime *dt)
{
    int day, month, year, k = 0;
    if (sscanf(s, "%d/%d/%d%n", &day, &month, &year, &k) != 3 || s[k] ||
        month < 1 || month > 12 || day < 1 || day > 31 || year < 1900)
        return -1;
    *dt = (lxw_datetime){year, month, day, 0, 0, 0};
    return 0;
}

/* The workbook's creation time, stamped in docProps/core.xml: the date
 * of the book's last document, so that the same register gives the same
 * bytes (never the clock). */
static time_t created_time(const vt_book_table *t)
{
    struct tm best = {0};
    best.tm_year = t->year - 1900;
    best.tm_mday = 1;
    for (size_t r = 0; r < t->nrows; r++) {
        lxw_datetime dt;
        if (parse_short_date(cell(t, r, 1), &dt) != 0)
            continue;
        struct tm tm = {0};
        tm.tm_year = dt.year - 1900;
        tm.tm_mon = dt.month - 1;
        tm.tm_mday = dt.day;
        if (timegm(&tm) > timegm(&best))
            best = tm;
    }
    return timegm(&best);
}

static lxw_error write_sheet(lxw_workbook *wb, const vt_book_table *t)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Sổ đăng ký văn bản đi");
    lxw_format *head = workbook_add_format(wb);
    lxw_format *date = workbook_add_format(wb);
    lxw_format *text = workbook_add_format(wb);
    if (!ws || !head || !date || !text)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    format_set_bold(head);
    format_set_text_wrap(head);
    format_set_align(head, LXW_ALIGN_CENTER);
    format_set_align(head, LXW_ALIGN_VERTICAL_CENTER);
    format_set_border(head, LXW_BORDER_THIN);
    format_set_num_format(date, "dd/mm/yyyy");
    format_set_align(date, LXW_ALIGN_VERTICAL_TOP);
    format_set_text_wrap(text);
    format_set_align(text, LXW_ALIGN_VERTICAL_TOP);
    size_t ncols = t->ncols + (t->files_heading ? 1 : 0);
    lxw_error err = LXW_NO_ERROR;
    for (size_t c = 0; c < ncols && !err; c++) {
        const char *h = c < t->ncols ? t->columns[c] : t->files_heading;
        size_t width = longest_word(h) + 2;
        for (size_t r = 0; r < t->nrows; r++) {
            size_t n = text_chars(cell(t, r, c)) + 2;
            width = n > width ? n : width;
        }
        width = width < MIN_WIDTH ? MIN_WIDTH : width > MAX_WIDTH ? MAX_WIDTH : width;
        int is_date = c < t->ncols && (t->date_cols >> c & 1);
        err = worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c,
                                   is_date ? 12 : (double)width,
                                   is_date ? date : text);
        if (!err)
            err = worksheet_write_string(ws, 0, (lxw_col_t)c, h, head);
    }
    for (size_t r = 0; r < t->nrows && !err; r++) {
        lxw_row_t row = (lxw_row_t)(r + 1);
        for (size_t c = 0; c < ncols && !err; c++) {
            const char *v = cell(t, r, c);
            lxw_datetime dt;
            char *end;
            double x = strtod(v, &end);
            if (!*v)
                continue;
            if (c < t->ncols && (t->date_cols >> c & 1) &&
                parse_short_date(v, &dt) == 0)
                err = worksheet_write_datetime(ws, row, (lxw_col_t)c, &dt, date);
            else if (c < t->ncols && (t->number_cols >> c & 1) && !*end)
                err = worksheet_write_number(ws, row, (lxw_col_t)c, x, NULL);
            else
                err = worksheet_write_string(ws, row, (lxw_col_t)c, v, text);
        }
    }
    if (!err) {
        worksheet_freeze_panes(ws, 1, 0);
        err = worksheet_autofilter(ws, 0, 0, (lxw_row_t)t->nrows,
                                   (lxw_col_t)(ncols - 1));
    }
    return err;
}

/* Make the workbook in a private folder; its bytes into out. */
static vt_error make_workbook(const vt_book_table *t, vt_buf *out, vt_diags *d)
{
    const char *base = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/vanthu-xlsx-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        vt_diags_addf(d, "%s: cannot make a temporary folder: %s", dir,
                      strerror(errno));
        return VT_ERR_IO;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/book.xlsx", dir);
    lxw_workbook_options opt = {.constant_memory = 0, .tmpdir = dir};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    lxw_error err = wb ? LXW_NO_ERROR : LXW_ERROR_MEMORY_MALLOC_FAILED;
    char title[128];
    snprintf(title, sizeof title, "Sổ đăng ký văn bản đi năm %d", t->year);
    lxw_doc_properties props = {.title = title,
                                .company = (char *)(t->agency ? t->agency : ""),
                                .created = created_time(t)};
    if (!err)
        err = workbook_set_properties(wb, &props);
    if (!err)
        err = write_sheet(wb, t);
    lxw_error closed = wb ? workbook_close(wb) : LXW_NO_ERROR;
    err = err ? err : closed;
    vt_error rc = VT_OK;
    char *data = NULL;
    size_t len = 0;
    if (err) {
        vt_diags_addf(d, "writing the workbook: %s", lxw_strerror(err));
        rc = VT_ERR_IO;
    } else if (vt_read_file(path, SIZE_MAX / 2, &data, &len) != 0) {
        vt_diags_addf(d, "%s: cannot read back the workbook: %s", path,
                      strerror(errno));
        rc = VT_ERR_IO;
    } else {
        vt_buf_put(out, data, len);
        rc = out->oom ? VT_ERR_NOMEM : VT_OK;
    }
    free(data);
    unlink(path);
    rmdir(dir);
    return rc;
}

vt_error vt_book_export_xlsx(const vt_book_table *t, const char *out_path,
                             vt_diags *d)
{
    vt_buf out;
    vt_buf_init(&out);
    vt_error rc = make_workbook(t, &out, d);
    if (rc == VT_OK)
        rc = vt_write_atomic(out_path, out.data, out.len, VT_WRITE_SYNC, d);
    vt_buf_free(&out);
    return rc;
}
