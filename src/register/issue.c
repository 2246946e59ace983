/*
 * issue.c - documents numbered by the register and archived with it.
 *
 * The register hands out a number inside a transaction and calls back
 * here; the document is rendered with that number and date, written and
 * synced to its archive name, and only then does the register commit.  A
 * crash before the commit leaves at most a complete file no entry owns:
 * `register verify` lists it, and the next issue, which takes its number
 * again, refuses to replace it (nothing in an archive folder is ever
 * replaced); a crash after it leaves a complete entry with its complete
 * file.
 */
#include "register/issue.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "doc/docx.h"
#include "base/fileio.h"
#include "plan/model.h"
#include "pdf/pdf.h"
#include "doc/render.h"
#include "base/sha256.h"
#include "base/vn_text.h"

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
 * document.  *made_from is the length of the first folder of path it
 * created (SIZE_MAX if none), so that a refused issue can take them away
 * again. */
static int make_dirs(const char *path, size_t *made_from)
{
    char *p = strdup(path);
    *made_from = SIZE_MAX;
    if (!p)
        return -1;
    int rc = 0;
    for (char *s = p + 1; rc == 0; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0777) == 0) {
            if (*made_from == SIZE_MAX)
                *made_from = (size_t)(s - p);
        } else if (errno != EEXIST) {
            rc = -1;
        }
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
    const vt_sign_opts *sign;
} issue_ctx;

/* "2026-05-ke-hoach-pgddt.docx", "mat-2026-05-ke-hoach-pgddt.docx",
 * "2026-06-cong-van-pgddt-gdth.docx": year, number, the type's code and
 * the agency (and drafting unit), in ASCII so the archive survives any
 * file system and zip tool.  The type is its code, not a slug of its
 * abbreviation: HĐ (hợp đồng) and HD (hướng dẫn), ĐA and DA would slug
 * alike; the year keeps a fixed -o folder usable in the next year. */
static void archive_name(const char *dir, const vt_plan *p, int year,
                         int number, vt_buf *out)
{
    vt_buf_printf(out, "%s/%s%d-%02d-%s-", dir, p->secrecy ? "mat-" : "",
                  year, number, p->type->slug);
    vt_slug(p->agency_abbr ? p->agency_abbr : "", 40, out);
    if ((!p->type->abbr || !*p->type->abbr) && p->unit && *p->unit) {
        vt_buf_putc(out, '-');
        vt_slug(p->unit, 40, out);
    }
    vt_buf_puts(out, ".docx");
}

/* Write data as the new file path, synced, and never replace anything:
 * the file is made unnamed (O_TMPFILE) or under a temporary name and
 * then linked to path, which fails if path exists.  0, or an errno
 * (EEXIST: the name is taken). */
static int write_new(const char *path, const void *data, size_t len)
{
    char *dir = vt_path_dir(path);
    if (!dir)
        return ENOMEM;
    char tmp[PATH_MAX] = "", proc[64];
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    if (fd < 0) {
        char prefix[PATH_MAX];
        snprintf(prefix, sizeof prefix, "%s/.vanthu-new", dir);
        if (vt_temp_name(prefix, tmp, sizeof tmp) == 0)
            fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    }
    free(dir);
    if (fd < 0)
        return errno ? errno : EIO;
    int err = vt_write_all(fd, data, len);
    if (!err && fsync(fd) != 0)
        err = errno;
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (!err && (tmp[0] ? link(tmp, path)
                        : linkat(AT_FDCWD, proc, AT_FDCWD, path,
                                 AT_SYMLINK_FOLLOW)) != 0)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    if (tmp[0])
        unlink(tmp);
    return err;
}

/* What write_new's error means for an archived file. */
static vt_error write_failed(const char *path, int err, vt_diags *d)
{
    if (err == EEXIST) {
        vt_diags_addf(d, "%s: a file of that name is already in the archive "
                         "folder and no entry of the register owns it (an "
                         "issue interrupted before it was recorded leaves "
                         "one, and \"register verify\" lists it); nothing "
                         "was written and no number was given: look at the "
                         "file, move it out of the folder and issue again",
                      path);
        return VT_ERR_IO;
    }
    vt_diags_addf(d, "%s: cannot write the file: %s", path, strerror(err));
    return VT_ERR_IO;
}

/* issue --sign: the archived PDF, just written and not yet recorded,
 * replaced atomically by its signed copy; sha becomes the signed file's,
 * the one the register records.  On failure (wrong password, expired
 * certificate, unknown nickname) the PDF is removed, so the issue's
 * failure path leaves nothing: no number, no file. */
static vt_error sign_archived(const char *pdf, const vt_sign_opts *o,
                              char sha[65], vt_diags *d)
{
    char *in = NULL, *out = NULL, *dir = vt_path_dir(pdf);
    size_t len = 0, out_len = 0;
    vt_error rc = dir ? VT_OK : VT_ERR_NOMEM;
    if (rc == VT_OK && vt_read_file(pdf, VT_SIGN_MAX_PDF, &in, &len) != 0) {
        vt_diags_addf(d, "%s: cannot read back the archived PDF to sign it",
                      pdf);
        rc = VT_ERR_IO;
    }
    if (rc == VT_OK)
        rc = vt_pdf_sign(pdf, in, len, o, &out, &out_len, d);
    if (rc == VT_OK)
        rc = vt_write_atomic(pdf, out, out_len, VT_WRITE_SYNC, d);
    if (rc == VT_OK && vt_fsync_dir(dir) != 0) {
        vt_diags_addf(d, "%s: cannot flush the archive folder: %s", dir,
                      strerror(errno));
        rc = VT_ERR_IO;
    }
    if (rc == VT_OK)
        vt_sha256_hex(out, out_len, sha);
    else
        unlink(pdf);
    free(in);
    free(out);
    free(dir);
    return rc;
}

/* issue --pdf: the PDF beside the archived DOCX, in the same transaction:
 * if it fails, the register removes the DOCX and gives no number. */
static vt_error issue_pdf(issue_ctx *c, const vt_buf *pkg, const char *docx,
                          vt_reg_files *files, vt_diags *d)
{
    char *pdf = NULL, sha[65];
    /* the DOCX's name was new, so a file at the PDF's name is a leftover
     * nobody owns (an issue killed before its commit): never replaced */
    char *want = vt_pdf_name(docx);
    struct stat st;
    if (!want)
        return VT_ERR_NOMEM;
    if (lstat(want, &st) == 0) {
        vt_error taken = write_failed(want, EEXIST, d);
        free(want);
        return taken;
    }
    free(want);
    vt_error rc = vt_pdf_archive(c->pdf, pkg->data, pkg->len, docx, &c->date,
                                 &pdf, sha, d);
    if (rc == VT_OK && c->sign)
        rc = sign_archived(pdf, c->sign, sha, d);
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

static vt_error write_issue(void *ctx, const int *numbers,
                            const char *const *ky_hieu, vt_reg_files *files,
                            vt_diags *d)
{
    issue_ctx *c = ctx;
    vt_buf path, pkg;
    vt_buf_init(&path);
    vt_buf_init(&pkg);
    archive_name(c->dir, c->plan, c->date.year, numbers[0], &path);
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
    int err = rc == VT_OK && !pkg.oom ? write_new(path.data, pkg.data, pkg.len) : 0;
    if (err)
        rc = write_failed(path.data, err, d);
    if (rc == VT_OK && vt_fsync_dir(c->dir) != 0) {
        vt_diags_addf(d, "%s: cannot flush the archive folder: %s", c->dir,
                      strerror(errno));
        rc = VT_ERR_IO;
        unlink(path.data);
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

/* The marker's text: which register the folder belongs to. */
static void marker_text(const char *id, char *out, size_t size)
{
    snprintf(out, size, "vanthu register %s\n", id);
}

/* Make dir one of this register's archive folders, or refuse it: a
 * folder whose marker names another register is that register's, and
 * writing there would mix (and, by name, collide with) its files.  A
 * folder without a marker gets one, created without replacing anything;
 * the marker is read without following links or blocking. */
static vt_error claim_dir(vt_register *reg, const char *dir, int *made_marker,
                          vt_diags *d)
{
    const char *id = vt_register_id(reg);
    char *marker = NULL, want[96], have[96] = "";
    if (asprintf(&marker, "%s/%s", dir, VT_REGISTER_MARKER) < 0)
        return VT_ERR_NOMEM;
    marker_text(id, want, sizeof want);
    vt_error rc = VT_OK;
    for (int tries = 0; tries < 2 && rc == VT_OK; tries++) {
        int fd = open(marker, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        struct stat st;
        if (fd < 0 && errno == ENOENT) {
            int err = write_new(marker, want, strlen(want));
            *made_marker = err == 0;
            if (err == 0)
                break;
            if (err != EEXIST) /* another process made it: read that */
                rc = write_failed(marker, err, d);
            continue;
        }
        ssize_t n = -1;
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
            n = read(fd, have, sizeof have - 1);
        if (fd >= 0)
            close(fd);
        have[n > 0 ? n : 0] = '\0';
        if (n < 0)
            vt_diags_addf(d, "%s: the archive folder's marker is not a "
                             "readable file; nothing was written",
                          marker);
        else if (strcmp(have, want) != 0)
            vt_diags_addf(d, "%s: the folder is the archive of another "
                             "register (%s names \"%.*s\", this register is "
                             "%s); nothing was written: give each register "
                             "its own archive folder (-o)",
                          dir, VT_REGISTER_MARKER,
                          (int)strcspn(have, "\n"), have, id);
        else
            break;
        rc = n < 0 ? VT_ERR_IO : VT_ERR_USAGE;
    }
    free(marker);
    if (rc == VT_OK)
        rc = vt_register_add_dir(reg, dir, d);
    return rc;
}

/* An archive folder, and what making it for this issue created. */
typedef struct {
    char *dir;
    size_t made_from; /* see make_dirs */
    int made_marker;
} archive_folder;

/* Take away what archive_dir made, after a refused issue: nothing is
 * left behind.  Folders go only if empty, the innermost first. */
static void archive_undo(vt_register *reg, archive_folder *f)
{
    char *p = f->dir ? strdup(f->dir) : NULL;
    if (p && f->made_marker) {
        vt_register_forget_dir(reg, p);
        char *marker = NULL;
        if (asprintf(&marker, "%s/%s", p, VT_REGISTER_MARKER) >= 0)
            unlink(marker);
        free(marker);
    }
    while (p && f->made_from != SIZE_MAX && strlen(p) >= f->made_from &&
           rmdir(p) == 0) {
        char *slash = strrchr(p, '/');
        if (!slash)
            break;
        *slash = '\0';
    }
    free(p);
}

/* The archive folder: -o, else archive/YEAR beside the register; made
 * if missing and claimed for this register. */
static vt_error archive_dir(vt_register *reg, const vt_issue_opts *o,
                            int year, archive_folder *f, vt_diags *d)
{
    memset(f, 0, sizeof *f);
    f->made_from = SIZE_MAX;
    if (o->dir ? !(f->dir = strdup(o->dir))
               : asprintf(&f->dir, "%s/archive/%d", vt_register_dir(reg),
                          year) < 0) {
        f->dir = NULL;
        return VT_ERR_NOMEM;
    }
    if (make_dirs(f->dir, &f->made_from) != 0) {
        vt_diags_addf(d, "%s: cannot create the archive folder: %s", f->dir,
                      strerror(errno));
        return VT_ERR_IO;
    }
    return claim_dir(reg, f->dir, &f->made_marker, d);
}

/* The signing options with the password read: the clerk is asked on the
 * terminal before the register is locked, never while other clerks wait
 * on it.  *pw is wiped and freed by the caller (vt_sign_password_free). */
static vt_error sign_ready(const vt_sign_opts *o, vt_sign_opts *copy,
                           char **pw, vt_diags *d)
{
    *copy = *o;
    *pw = NULL;
    if (o->password)
        return VT_OK;
    vt_error rc = vt_sign_read_password(o, pw, d);
    copy->password = *pw;
    return rc;
}

static vt_error issue_one(vt_register *reg, const vt_plan *plan,
                          const vt_template *tpl, const vt_issue_opts *o,
                          vt_issue_result *res, vt_diags *d);

vt_error vt_issue(vt_register *reg, const vt_plan *plan,
                  const vt_template *tpl, const vt_issue_opts *o,
                  vt_issue_result *res, vt_diags *d)
{
    memset(res, 0, sizeof *res);
    vt_error rc = vt_render_check_single(plan, d);
    if (rc != VT_OK || !o->sign)
        return rc == VT_OK ? issue_one(reg, plan, tpl, o, res, d) : rc;
    vt_sign_opts so;
    vt_issue_opts io = *o;
    char *pw = NULL;
    rc = sign_ready(o->sign, &so, &pw, d);
    io.sign = &so;
    if (rc == VT_OK)
        rc = issue_one(reg, plan, tpl, &io, res, d);
    vt_sign_password_free(pw);
    return rc;
}

/* vt_issue once the password is at hand. */
static vt_error issue_one(vt_register *reg, const vt_plan *plan,
                          const vt_template *tpl, const vt_issue_opts *o,
                          vt_issue_result *res, vt_diags *d)
{
    vt_error rc = VT_OK;
    issue_ctx c = {reg, plan, tpl, NULL, {0, 0, 0}, res, o->pdf, o->sign};
    vt_issue_date(plan, o, &c.date.year, &c.date.month, &c.date.day);
    archive_folder f;
    rc = archive_dir(reg, o, c.date.year, &f, d);
    c.dir = f.dir;
    vt_buf subject, recipients;
    vt_buf_init(&subject);
    vt_buf_init(&recipients);
    vt_reg_request q = request_of(plan, c.date.year, c.date.month,
                                  c.date.day, o, &subject, &recipients);
    int number = 0;
    if (rc == VT_OK && (subject.oom || recipients.oom))
        rc = VT_ERR_NOMEM;
    else if (rc == VT_OK)
        rc = vt_register_issue(reg, &q, 1, write_issue, &c, &number, d);
    if (rc == VT_OK)
        snprintf(res->date, sizeof res->date, "%04d-%02d-%02d", c.date.year,
                 c.date.month, c.date.day);
    else
        archive_undo(reg, &f);
    vt_buf_free(&subject);
    vt_buf_free(&recipients);
    free(f.dir);
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
    /* the schools through the accessor: a big plan's may be on disk */
    vt_school_list sl;
    vt_school_list_init(&sl);
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
        if (rc == VT_OK)
            rc = vt_cluster_schools(plan, i, &sl, d);
        if (rc == VT_OK)
            vt_buf_join(to, sl.names, sl.n, ", ");
        vt_buf_putc(to, '\0');
        oom |= subject->oom || to->oom || text[3 * i + 2].oom;
        q[i].subject = subject->data;
        q[i].recipients = to->data;
        q[i].number = plan->number ? plan->number + (int)i : 0;
        q[i].copies = count_copies(plan, cl->nschools);
    }
    vt_school_list_free(&sl);
    /* invite --sign: the password before the register is locked */
    vt_invite_opts sio = *io;
    vt_pdf_opts spo;
    vt_sign_opts so;
    char *pw = NULL;
    if (rc == VT_OK && !oom && io->pdf && io->pdf->sign) {
        spo = *io->pdf;
        rc = sign_ready(io->pdf->sign, &so, &pw, d);
        spo.sign = &so;
        sio.pdf = &spo;
    }
    invite_ctx c = {&view, tpl, dir, &sio, res, NULL};
    if (rc == VT_OK)
        rc = oom ? VT_ERR_NOMEM
                 : vt_register_issue(reg, q, n, write_invite, &c, numbers, d);
    vt_sign_password_free(pw);
    for (size_t i = 0; i < 3 * n; i++)
        vt_buf_free(&text[i]);
    free(text);
    free(q);
    return rc;
}
