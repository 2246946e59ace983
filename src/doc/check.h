/*
 * check.h - does a DOCX someone wrote in Word keep the thể thức of
 * Decree 30/2020/NĐ-CP?
 *
 * The văn thư checks a document before it goes out.  vt_check_docx reads
 * the package (the same hardened reader as the importer), resolves every
 * paragraph's size, bold, italic, alignment and indent through the styles,
 * finds the elements of the decree's layout (Quốc hiệu, Tiêu ngữ, agency,
 * Số, date, type name, body, Nơi nhận, signature, page setup) and lists
 * each breach with the rule it breaks and where it is.  The rule values
 * live in one table in check.c, the same values the integration tests
 * assert on vanthu's own output.
 */
#ifndef VT_CHECK_H
#define VT_CHECK_H

#include <stddef.h>

#include "base/buf.h"
#include "base/vanthu.h"

typedef struct {
    const char *rule;  /* rule id, e.g. "date.padding" (static) */
    const char *ref;   /* where the decree says it (static) */
    int para;          /* 1-based paragraph number, 0 for the page setup */
    char *excerpt;     /* the paragraph's first words, or "" */
    char *what;        /* what is wrong, in the clerk's terms */
} vt_violation;

typedef struct {
    vt_violation *v;
    size_t count, cap;
} vt_check_result;

void vt_check_result_free(vt_check_result *r);

/* Check the DOCX in data (name for messages).  Breaches go to res; a
 * package that cannot be read (not a zip, no text, DOCTYPE, bad XML) is an
 * error with a message in d.  lim bounds the package (NULL: the defaults;
 * `vanthu check --max-part-bytes/--max-parts/--max-elements`). */
vt_error vt_check_docx(const char *name, const char *data, size_t len,
                       const vt_limits *lim, vt_check_result *res, vt_diags *d);

/* The report: "file: rule: where: what" lines, or one JSON object. */
void vt_check_report_text(const char *name, const vt_check_result *r, vt_buf *out);
void vt_check_report_json(const char *name, const vt_check_result *r, vt_buf *out);

/* Rule helpers, exposed for the unit tests.  Each returns NULL when s
 * keeps the decree's form, else the id of the rule it breaks. */
/* s is the date line ("Hà Nội, ngày 05 tháng 3 năm 2020"). */
const char *vt_check_date_form(const char *s);
/* s is the "Số:" line ("Số: 15/QĐ-BNV", "Số:     /KH-PGDĐT"). */
const char *vt_check_so_form(const char *s);

#endif
