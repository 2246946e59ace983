/*
 * book.h - the register as the office keeps it on paper and checks it:
 * the printed "SỔ ĐĂNG KÝ VĂN BẢN ĐI" (DOCX, Phụ lục IV), the same rows as
 * CSV for a spreadsheet, and the check that every archived file is still
 * the one that was issued.
 */
#ifndef VT_BOOK_H
#define VT_BOOK_H

#include <stdio.h>

#include "register/register.h"
#include "base/vanthu.h"

typedef enum { VT_BOOK_CSV, VT_BOOK_DOCX, VT_BOOK_XLSX } vt_book_format;

typedef struct {
    vt_book_format format;
    int year;           /* 0: the latest year in the register */
    const char *agency; /* abbreviation; NULL: the register's only agency */
    const vt_template *tpl; /* DOCX: the styles and page headers (mau-1.4) */
} vt_book_opts;

/* Write one agency's book for one year to out_path, atomically. */
vt_error vt_book_export(vt_register *r, const vt_book_opts *o,
                        const char *out_path, vt_diags *d);

/* Check every archived file of year (0: all) against its SHA-256, and
 * the signatures of every signed archived PDF (trusted CAs from nss_dir;
 * NULL: integrity only); each missing or changed file, or broken or
 * untrusted signature, is a line on report.  VT_ERR_MISMATCH if any.
 * pdfs[0] gets the number of signed PDFs that verified, pdfs[1] of
 * unsigned ones. */
vt_error vt_book_verify(vt_register *r, int year, const char *nss_dir,
                        FILE *report, size_t *checked, size_t pdfs[2],
                        vt_diags *d);

#endif
