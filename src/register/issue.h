/*
 * issue.h - give documents their numbers from the register and archive
 * them: `vanthu issue` for one plan, `vanthu invite --register` for a
 * batch of giấy mời, one number per cluster.
 */
#ifndef VT_ISSUE_H
#define VT_ISSUE_H

#include "register/register.h"
#include "pdf/sign.h"
#include "base/vanthu.h"

typedef struct {
    const char *dir;    /* where the file goes; NULL: archive/YEAR/ beside
                           the register */
    int year, month, day; /* the date of issue; 0: the plan's own date if
                             it has a whole one, else today */
    int allow_backdate; /* accept a date before the series' last */
    const struct vt_pdf_opts *pdf; /* issue --pdf: archive a PDF too (pdf.h) */
    const vt_sign_opts *sign; /* issue --sign: that PDF signed (needs pdf) */
} vt_issue_opts;

typedef struct {
    int number;
    char ky_hieu[96];
    char date[16];
    char *path; /* the archived file; caller frees */
    char sha256[65];
    char *pdf_path; /* issue --pdf: the archived PDF; caller frees */
} vt_issue_result;

/* Number, date, render and archive plan in one register transaction:
 * afterwards the register has a complete entry and the archive its
 * complete file, or neither has anything. */
vt_error vt_issue(vt_register *reg, const vt_plan *plan,
                  const vt_template *tpl, const vt_issue_opts *o,
                  vt_issue_result *res, vt_diags *d);

/* vt_invite with numbers from the register: one per cluster (a cluster's
 * per-school copies share it), every letter recorded under its number,
 * in one transaction with the batch.  numbers gets plan->nclusters
 * numbers. */
vt_error vt_invite_issue(vt_register *reg, const vt_plan *plan,
                         const vt_template *tpl, const char *dir,
                         const vt_invite_opts *io, const vt_issue_opts *o,
                         int *numbers, vt_invite_result *res, vt_diags *d);

/* Today's date on this machine's clock, local time. */
void vt_issue_today(int *year, int *month, int *day);

/* The date of issue o gives for plan (see vt_issue_opts). */
void vt_issue_date(const vt_plan *plan, const vt_issue_opts *o, int *year,
                   int *month, int *day);

#endif
