/*
 * book_xlsx.h - the register book as an Excel workbook (libxlsxwriter).
 */
#ifndef VT_BOOK_XLSX_H
#define VT_BOOK_XLSX_H

#include <stddef.h>

#include "base/vanthu.h"

/* The book's rows as book.c builds them for the CSV: ncols headings,
 * nrows rows of ncols cells (NULL: empty), and the archived files, one
 * per row, as a last column.  Cells in date_cols ("02/5/2024") become
 * Excel dates, those in number_cols numbers (bit i: column i). */
typedef struct {
    const char *const *columns;
    size_t ncols;
    char *const *cells;
    size_t nrows;
    const char *const *files;
    const char *files_heading;
    unsigned date_cols, number_cols;
    const char *agency;
    int year;
} vt_book_table;

/* Write the table to out_path as XLSX: the heading row frozen and
 * filtered, columns sized to their text, dates as dates.  The same
 * register gives the same bytes (the workbook's creation time is its
 * last document's date), and the file appears complete or not at all. */
vt_error vt_book_export_xlsx(const vt_book_table *t, const char *out_path,
                             vt_diags *d);

#endif
