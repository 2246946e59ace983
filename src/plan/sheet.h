/*
 * sheet.h - the clerk's spreadsheet as a table, and the school clusters
 * of a batch plan built from it.
 *
 * School lists live in Excel.  vt_sheet_open reads one sheet of an XLSX
 * workbook (shared and inline strings, numbers, date serials) or a CSV
 * file (UTF-8, comma or semicolon) into rows of text cells that remember
 * where they came from, so that every complaint can name the sheet, the
 * row and the column the clerk has to fix.  vt_sheet_clusters turns the
 * table into the <clusters> element of a batch plan (docs/spreadsheets.md).
 */
#ifndef VT_SHEET_H
#define VT_SHEET_H

#include <stddef.h>

#include "base/buf.h"
#include "base/vanthu.h"
#include "base/vn_text.h"

typedef enum { VT_CELL_TEXT, VT_CELL_NUMBER, VT_CELL_ERROR } vt_cell_kind;

typedef struct {
    const char *text; /* cleaned (NFC, spaces folded, trimmed); NULL: empty */
    vt_cell_kind kind;
} vt_cell;

typedef struct {
    long number;   /* the sheet's row number, or the CSV line */
    size_t ncells; /* cells[0] is column A */
    vt_cell *cells;
} vt_sheet_row;

/* A merged range, rows as numbered in the sheet, columns from 0. */
typedef struct {
    long r1, r2;
    size_t c1, c2;
} vt_merge;

typedef struct {
    vt_arena arena;
    const char *file;  /* as the clerk named it */
    const char *name;  /* the sheet's name; NULL for a CSV file */
    int date1904;      /* the workbook counts days from 1904 (old Mac Excel) */
    vt_sheet_row *rows;
    size_t nrows, cap;
    vt_merge *merges;
    size_t nmerges, mcap;
    size_t ncells;
} vt_sheet;

/* What a spreadsheet may cost before it is refused: the file, the
 * entries of the zip, one inflated part, the cells kept. */
typedef struct {
    size_t max_file_bytes, max_entries, max_part_bytes, max_cells;
} vt_sheet_limits;

vt_sheet_limits vt_sheet_limits_default(void);

/* Read path: CSV when its name ends in .csv (any case), else XLSX.
 * sheet_name NULL takes the workbook's first sheet. */
vt_error vt_sheet_open(const char *path, const char *sheet_name,
                       const vt_sheet_limits *lim, vt_sheet **out,
                       vt_diags *d);
vt_error vt_sheet_xlsx_mem(const char *file, const void *data, size_t len,
                           const char *sheet_name, const vt_sheet_limits *lim,
                           vt_sheet **out, vt_diags *d);
vt_error vt_sheet_csv_mem(const char *file, const char *data, size_t len,
                          const vt_sheet_limits *lim, vt_sheet **out,
                          vt_diags *d);
void vt_sheet_free(vt_sheet *s);

/* The separator of a CSV file from its first 20 lines (a title line
 * above the heading may have none): ';' when they have more semicolons
 * than commas outside quotes (Excel in a Vietnamese locale), '\t' for a
 * tab-separated export, else ','. */
char vt_csv_separator(const char *data, size_t len);

/* Excel's day number to a date: the 1900 system (with its phantom
 * 29 February 1900) or the 1904 one.  0, or -1 when out of range. */
int vt_date_from_serial(double serial, int date1904, vt_date *out);

/* A date as clerks type it: "14/03/2018", "14/3/2018", "14-3-2018",
 * "14.3.2018", "2018-03-14", optionally after "ngày " or a weekday.
 * 0 on success, -1 when it is not a date, -2 when it is not a real one. */
int vt_sheet_parse_date(const char *text, vt_date *out);

/* A time of day: "07:30", "7:30", "7h30", "7 giờ 30", "7h" into "HH:MM"
 * (out at least 6 bytes).  0 or -1. */
int vt_sheet_parse_time(const char *text, char *out);

/* The columns a cluster list can have. */
typedef enum {
    VT_COL_CLUSTER, VT_COL_SCHOOL, VT_COL_DATE, VT_COL_SESSION, VT_COL_TIME,
    VT_COL_WHEN, VT_COL_VENUE, VT_COL_TOPIC, VT_COL_HOST, VT_COL_IGNORE,
    VT_COL__COUNT
} vt_column;

/* Which column a heading names, ignoring case, marks, punctuation and a
 * "(…)" remark ("Tên trường", "TEN TRUONG", "Ngày (dd/mm/yyyy)"); -1 for
 * a heading vanthu does not use. */
int vt_sheet_column_of(const char *heading);
/* The clerk's name of a column ("ngày", "địa điểm"). */
const char *vt_sheet_column_name(vt_column c);

/* "schools.xlsx: sheet \"Cum\": row 7, column C" or "schools.csv:7:
 * column C" into out; col (size_t)-1 leaves the column out. */
void vt_sheet_where(const vt_sheet *s, long row, size_t col, vt_buf *out);

/* Build the <clusters> element from the table: rows with the same cụm are
 * one cluster, in the order they first appear.  Each line of the element
 * but the first starts with indent; the element has no final newline.
 * Every problem is added to d (VT_ERR_PLAN); counts may be NULL. */
vt_error vt_sheet_clusters(const vt_sheet *s, const char *indent, vt_buf *xml,
                           size_t *nclusters, size_t *nschools, vt_diags *d);

/* Where the <clusters> element of a plan's text is, so that it can be
 * replaced without touching a byte of the rest.  0: [*start, *end) is the
 * element and indent the white space its line starts with.  1: the plan
 * has none; insert one at *start (== *end), before <copies-to> or
 * </plan>, as indent + element + newline.  -1: not a <plan>.  The text
 * must be well-formed (the result is validated afterwards). */
int vt_plan_clusters_span(const char *xml, size_t len, size_t *start,
                          size_t *end, vt_buf *indent);

#endif
