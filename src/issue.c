/*
 * issue.c - documents numbered by the register and archived with it.
 *
 * The register hands out a number inside a transaction and calls back
 * here; the document is rendered with that number and date, written and
 * synced to its archive name, and only then does the register commit.  A
 * crash before the commit leaves at most a complete file whose number the
 * next issue takes again (and whose file it replaces); a crash after it
 * leaves a complete entry with its complete file.
 */
#include "issue.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "docx.h"
#include "model.h"
#include "pdf.h"
#include "render.h"
#include "sha256.h"
#include "vn_text.h"

void vt_issue_today(int *year, int *month, int *day)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    *year = tm.tm_year + 1900, *month = tm.tm_mon + 1, *day = tm.tm_mday;
}

void vt_issue_date(const vt_plan *plan, const vt_issue_opts *o, int *year,
                   int *month, int *day)
{
    if (o->year) {
        *year = o->year, *month = o->month, *day = o->day;
    } else if (vt_date_valid(&plan->date, 0)) {
        *year = plan->date.year, *month = plan->date.month,
        *day = plan->date.day;
    } else {
        vt_issue_today(year, month, day);
    }
}

/* mkdir -p: the archive folder for a new year appears on its first
 * document. */
static int make_dirs(const char *path)
{
    char *p = strdup(path);
    if (!p)
        return -1;
    int rc = 0;
    for (char *s = p + 1; rc == 0; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            rc = -1;
        *s = c;
        if (c == '\0')
            break;
    }
    free(p);
    return rc;
}

/* The ND30 count of copies: each Nơi nhận line and each unit keeping a
 * copy ("VT, GDTH" is two), plus extra_copies (a batch's schools). */
static int count_copies(const vt_plan *p, size_t extra_copies)
{
    size_t n = p->ncopies + extra_copies;
    if (p->archive) {
        n++;
        for (const char *s = p->archive; *s; s++)
            n += *s == ',';
    }
    return n > 0 && n < 100000 ? (int)n : 1;
}

/* The register's view of a plan: agency, type, subject and so on. The
 * strings in text (subject, recipients) live as long as text. */
static vt_reg_request request_of(const vt_plan *p, int year, int month,
                                 int day, const vt_issue_opts *o,
                                 vt_buf *subject, vt_buf *recipients)
{
    vt_buf_join(subject, p->subject, p->nsubject, " ");
    if (!p->nsubject && p->inv.event)
        vt_buf_puts(subject, p->inv.event);
    vt_buf_join(recipients, p->copies, p->ncopies, "; ");
    vt_buf_putc(subject, '\0');
    vt_buf_putc(recipients, '\0');
    vt_reg_request q = {
        .agency_abbr = p->agency_abbr, .agency_name = p->agency,
        .parent = p->parent, .type_slug = p->type->slug,
        .type_abbr = p->type->abbr, .type_name = p->type->name,
        .unit = p->unit, .secret = p->secrecy != NULL, .year = year,
        .month = month, .day = day, .number = p->number,
        .subject = subject->data, .signer = p->signer,
        .recipients = recipients->data, .archive_unit = p->archive,
        .copies = count_copies(p, 0), .allow_backdate = o->allow_backdate};
    return q;
}

/* ---- one document ------------------------------------------------------- */

typedef struct {
    vt_register *reg;
    const vt_plan *plan;
    const vt_template *tpl;
    const char *dir;
    vt_date date;
    vt_issue_result *res;
    const struct vt_pdf_opts *pdf;
} issue_ctx;

/* issue --pdf: the PDF beside the archived DOCX, in the same transaction:
 * if it fails, the register removes the DOCX and gives no number. */
static vt_error issue_pdf(issue_ctx *c, const vt_buf *pkg, const char *docx,
                          vt_reg_files *files, vt_diags *d)
{
    char *pdf = NULL, sha[65];
    vt_error rc = vt_pdf_archive(c->pdf, pkg->data, pkg->len, docx, &c->date,
                                 &pdf, sha, d);
    if (rc == VT_OK && vt_reg_files_add(files, 0, pdf, sha) != 0) {
        unlink(pdf);
        rc = VT_ERR_NOMEM;
    }
    if (rc == VT_OK)
        c->res->pdf_path = pdf;
    else
        free(pdf);
    return rc;
}

/* "05-kh-pgddt.docx", "mat-05-kh-pgddt.docx": the number and ký hiệu, in
 * ASCII so the archive survives any file system and zip tool. */
static void archive_name(const char *dir, const char *ky_hieu, int secret,
                         vt_buf *out)
{
    vt_buf_printf(out, "%s/%s", dir, secret ? "mat-" : "");
    vt_slug(ky_hieu, 80, out);
    vt_buf_puts(out, ".docx");
}

static vt_error write_issue(void *ctx, const int *numbers,
                            const char *const *ky_hieu, vt_reg_files *files,
                            vt_diags *d)
{
    issue_ctx *c = ctx;
    vt_buf path, pkg;
    vt_buf_init(&path);
    vt_buf_init(&pkg);
    archive_name(c->dir, ky_hieu[0], c->plan->secrecy != NULL, &path);
    vt_error rc = path.oom ? VT_ERR_NOMEM : VT_OK;
    int taken = rc == VT_OK ? vt_register_file_taken(c->reg, path.data) : 0;
    if (taken) {
        vt_diags_addf(d, "%s: %s", path.data,
                      taken > 0 ? "is the archived file of another entry; "
                                  "nothing was written"
                                : "cannot read the register");
        rc = taken > 0 ? VT_ERR_USAGE : VT_ERR_IO;
    }
    struct vt_plan view = *c->plan;
    view.number = numbers[0];
    view.date = c->date;
    if (rc == VT_OK)
        rc = vt_render_mem(&view, c->tpl, &pkg, d);
    if (rc == VT_OK)
        rc = vt_write_atomic(path.data, pkg.data, pkg.len, VT_WRITE_SYNC, d);
    if (rc == VT_OK && vt_fsync_dir(c->dir) != 0) {
        vt_diags_addf(d, "%s: cannot flush the archive folder: %s", c->dir,
                      strerror(errno));
        rc = VT_ERR_IO;
    }
    if (rc == VT_OK) {
        vt_sha256_hex(pkg.data, pkg.len, c->res->sha256);
        if (vt_reg_files_add(files, 0, path.data, c->res->sha256) != 0) {
            unlink(path.data);
            rc = VT_ERR_NOMEM;
        }
    }
    if (rc == VT_OK && c->pdf)
        rc = issue_pdf(c, &pkg, path.data, files, d);
    if (rc == VT_OK) {
        c->res->number = numbers[0];
        snprintf(c->res->ky_hieu, sizeof c->res->ky_hieu, "%s", ky_hieu[0]);
        c->res->path = vt_buf_take(&path);
    }
    vt_buf_free(&path);
    vt_buf_free(&pkg);
    return rc;
}

/* The archive folder: -o, else archive/YEAR beside the register. */
static char *archive_dir(vt_register *reg, const vt_issue_opts *o, int year,
                         vt_diags *d)
{
    char *dir = NULL;
    if (o->dir ? !(dir = strdup(o->dir))
               : asprintf(&dir, "%s/archive/%d", vt_register_dir(reg), year) < 0)
        return NULL;
    if (make_dirs(dir) != 0) {
        vt_diags_addf(d, "%s: cannot create the archive folder: %s", dir,
                      strerror(errno));
        free(dir);
        return NULL;
    }
    return dir;
}

vt_error vt_issue(vt_register *reg, const vt_plan *plan,
                  const vt_template *tpl, const vt_issue_opts *o,
                  vt_issue_result *res, vt_diags *d)
{
    memset(res, 0, sizeof *res);
    vt_error rc = vt_render_check_single(plan, d);
    if (rc != VT_OK)
        return rc;
    issue_ctx c = {reg, plan, tpl, NULL, {0, 0, 0}, res, o->pdf};
    vt_issue_date(plan, o, &c.date.year, &c.date.month, &c.date.day);
    char *dir = archive_dir(reg, o, c.date.year, d);
    if (!dir)
        return d->count ? VT_ERR_IO : VT_ERR_NOMEM;
    c.dir = dir;
    vt_buf subject, recipients;
    vt_buf_init(&subject);
    vt_buf_init(&recipients);
    vt_reg_request q = request_of(plan, c.date.year, c.date.month,
                                  c.date.day, o, &subject, &recipients);
    int number = 0;
    if (subject.oom || recipients.oom)
        rc = VT_ERR_NOMEM;
    else
        rc = vt_register_issue(reg, &q, 1, write_issue, &c, &number, d);
    if (rc == VT_OK)
        snprintf(res->date, sizeof res->date, "%04d-%02d-%02d", c.date.year,
                 c.date.month, c.date.day);
    vt_buf_free(&subject);
    vt_buf_free(&recipients);
    free(dir);
    return rc;
}

/* ---- a batch of giấy mời ------------------------------------------------ */

typedef struct {
    const vt_plan *plan;
    const vt_template *tpl;
    const char *dir;
    const vt_invite_opts *io;
    vt_invite_result *res;
    vt_reg_files *files;
} invite_ctx;

static int record_file(void *ctx, size_t cluster, const char *path,
                       const char *sha256)
{
    invite_ctx *c = ctx;
    int request = cluster == SIZE_MAX ? -1 : (int)cluster;
    return vt_reg_files_add(c->files, request, path, sha256);
}

static vt_error write_invite(void *ctx, const int *numbers,
                             const char *const *ky_hieu, vt_reg_files *files,
                             vt_diags *d)
{
    invite_ctx *c = ctx;
    (void)ky_hieu;
    vt_invite_opts io = *c->io;
    io.numbers = numbers;
    io.on_file = record_file;
    io.on_file_ctx = c;
    c->files = files;
    return vt_invite(c->plan, c->tpl, c->dir, &io, NULL, c->res, d);
}

vt_error vt_invite_issue(vt_register *reg, const vt_plan *plan,
                         const vt_template *tpl, const char *dir,
                         const vt_invite_opts *io, const vt_issue_opts *o,
                         int *numbers, vt_invite_result *res, vt_diags *d)
{
    struct vt_plan view = *plan;
    vt_issue_date(plan, o, &view.date.year, &view.date.month, &view.date.day);
    /* check first, with the date of issue: a batch that cannot be written
     * takes no numbers */
    vt_error rc = vt_invite_check(&view, tpl, io->per, d);
    if (rc != VT_OK)
        return rc;
    size_t n = plan->nclusters;
    vt_reg_request *q = calloc(n ? n : 1, sizeof *q);
    vt_buf *text = calloc(n ? 3 * n : 1, sizeof *text);
    if (!q || !text) {
        free(q);
        free(text);
        return VT_ERR_NOMEM;
    }
    int oom = 0;
    for (size_t i = 0; i < n; i++) {
        const vt_cluster *cl = &plan->clusters[i];
        vt_buf *subject = &text[3 * i], *to = &text[3 * i + 1];
        vt_buf_init(subject);
        vt_buf_init(to);
        vt_buf_init(&text[3 * i + 2]);
        q[i] = request_of(&view, view.date.year, view.date.month,
                          view.date.day, o, &text[3 * i + 2], to);
        /* each cluster's letter: its name in the trích yếu, its schools
         * as the recipients */
        vt_buf_printf(subject, "%s (%s)", q[i].subject, cl->name);
        vt_buf_reset(to);
        vt_buf_join(to, cl->schools, cl->nschools, ", ");
        vt_buf_putc(to, '\0');
        oom |= subject->oom || to->oom || text[3 * i + 2].oom;
        q[i].subject = subject->data;
        q[i].recipients = to->data;
        q[i].number = plan->number ? plan->number + (int)i : 0;
        q[i].copies = count_copies(plan, cl->nschools);
    }
    invite_ctx c = {&view, tpl, dir, io, res, NULL};
    rc = oom ? VT_ERR_NOMEM
             : vt_register_issue(reg, q, n, write_invite, &c, numbers, d);
    for (size_t i = 0; i < 3 * n; i++)
        vt_buf_free(&text[i]);
    free(text);
    free(q);
    return rc;
}
