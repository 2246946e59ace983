/*
 * invite.c - a batch of giấy mời: one letter per cluster of a plan, or one
 * per member school.
 *
 * The batch is checked as a whole before anything is written, so a clerk
 * sees every missing date and venue at once and never finds half a batch
 * on disk.  Letters are then rendered on all cores.  Each letter depends
 * only on the plan and its index, and its file name is fixed before the
 * threads start, so the output is byte-identical whatever the number of
 * threads.  A new or empty folder is built as a hidden sibling and renamed
 * into place when complete, so the batch appears whole or not at all; in
 * a folder that already holds files (--force) each letter is written
 * atomically on its own.  Either way the files are synced once at the end
 * rather than once each (10,000 fsyncs would cost more than the
 * rendering), and the manifest is written last, so a manifest means a
 * complete batch.  If anything fails, what this run wrote is removed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "docx.h"
#include "model.h"
#include "render.h"
#include "pdf.h"
#include "sha256.h"
#include "template.h"
#include "vanthu.h"
#include "vn_text.h"

/* Slugs are cut so that a path stays far below NAME_MAX (255 bytes). */
#define SLUG_MAX 60

typedef struct {
    size_t cluster;
    size_t school; /* SIZE_MAX: the letter for the whole cluster */
    int number;
    char *file;    /* name inside the folder */
    char sha[65];
    size_t size;
    int written;
    char *pdf;         /* invite --pdf: the PDF beside it, or NULL */
    char pdf_sha[65];
} letter;

typedef struct {
    const vt_plan *plan;
    const vt_template *tpl;
    const vt_invite_opts *o;
    const char *dir;   /* where the letters end up */
    char *stage;       /* a hidden sibling built and renamed into dir, or NULL */
    const char *wdir;  /* where they are written: stage, or dir itself */
    int wflags;        /* VT_WRITE_NEW into a stage, else VT_WRITE_NOSYNC */
    letter *letters;
    size_t n;
    size_t max_schools;
    atomic_size_t next, done;
    atomic_int failed;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned running;
} batch;

typedef struct {
    batch *b;
    vt_renderer *r;
    vt_buf pkg, path, time, schools;
    const char **to, **copies;
    vt_diags d;
    vt_error rc;
} worker;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- checking the batch -------------------------------------------------- */

static void cluster_err(vt_diags *d, const vt_plan *p, const vt_cluster *c,
                        const char *what)
{
    vt_diags_addf(d, "%s:%d:%d: <cluster name=\"%s\"> %s", p->path,
                  c->pos.line, c->pos.col, c->name, what);
}

static int check_cluster(const vt_plan *p, const vt_cluster *c, vt_diags *d)
{
    int bad = 0;
    if (c->date.year == 0) {
        cluster_err(d, p, c, "has no date=\"YYYY-MM-DD\": the letter must "
                             "say when the cluster meets");
        bad = 1;
    } else if (c->date.month == 0 || c->date.day == 0) {
        cluster_err(d, p, c, "needs a full date=\"YYYY-MM-DD\" for the letter");
        bad = 1;
    } else if (p->date.day && p->date.month &&
               (c->date.year * 10000 + c->date.month * 100 + c->date.day <
                p->date.year * 10000 + p->date.month * 100 + p->date.day)) {
        vt_diags_addf(d, "%s:%d:%d: <cluster name=\"%s\"> meets on "
                         "%04d-%02d-%02d, before the letter's own <date>",
                      p->path, c->pos.line, c->pos.col, c->name, c->date.year,
                      c->date.month, c->date.day);
        bad = 1;
    }
    if (!c->venue && !p->inv.venue) {
        cluster_err(d, p, c, "has no <venue>: the letter must say where "
                             "(e.g. <venue>Trường TH Thượng Vũ</venue>)");
        bad = 1;
    }
    if (c->nschools == 0) {
        cluster_err(d, p, c, "has no <school>: there is nobody to invite");
        bad = 1;
    }
    return bad;
}

static int check_template(const vt_template *t, vt_invite_per per,
                          vt_diags *d)
{
    static const vt_field needed[] = {VT_F_INVITEE, VT_F_EVENT, VT_F_TIME,
                                      VT_F_VENUE};
    vt_buf missing;
    vt_buf_init(&missing);
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++)
        if (!vt_template_uses(t, needed[i]))
            vt_buf_printf(&missing, "%s{{%s}}", missing.len ? ", " : "",
                          vt_field_name(needed[i]));
    if (per == VT_PER_SCHOOL && !vt_template_uses(t, VT_F_RECIPIENTS) &&
        !vt_template_uses(t, VT_F_RECIPIENT) && !vt_template_uses(t, VT_F_SCHOOL))
        vt_buf_printf(&missing, "%s{{>recipients}} (or {{school}})",
                      missing.len ? ", " : "");
    int bad = missing.len > 0;
    if (bad)
        vt_diags_addf(d, "%s: not an invitation template: it has no %s; use "
                         "the giấy mời template (mau-1.7) or add them",
                      vt_template_name(t), missing.data);
    vt_buf_free(&missing);
    return bad;
}

vt_error vt_invite_check(const vt_plan *p, const vt_template *t,
                         vt_invite_per per, vt_diags *d)
{
    int bad = 0, tpl_bad = 0;
    if (p->nclusters == 0) {
        vt_diags_addf(d, "%s:%d:%d: <plan> has no <clusters>: vanthu invite "
                         "writes one letter per <cluster> (or per <school> "
                         "with --per school)",
                      p->path, p->pos.line, p->pos.col);
        bad = 1;
    }
    if (!p->inv.invitee) {
        vt_diags_addf(d, "%s:%d:%d: <plan> has no <invitation> (with "
                         "<invitee> and <event>): the letters need their "
                         "wording",
                      p->path, p->pos.line, p->pos.col);
        bad = 1;
    }
    for (size_t i = 0; i < p->nclusters; i++)
        bad |= check_cluster(p, &p->clusters[i], d);
    if (p->number > 0 && (size_t)(INT_MAX - p->number) < p->nclusters) {
        vt_diags_addf(d, "%s:%d:%d: <number> %d leaves no room for %zu "
                         "letters",
                      p->path, p->pos.line, p->pos.col, p->number,
                      p->nclusters);
        bad = 1;
    }
    if (t)
        tpl_bad = check_template(t, per, d);
    return bad ? VT_ERR_PLAN : tpl_bad ? VT_ERR_TEMPLATE : VT_OK;
}

/* ---- file names ---------------------------------------------------------- */

/* A small set of the names given so far, to make every name unique. */
typedef struct {
    char **slots;
    size_t cap;
} name_set;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* 1 if s was added, 0 if it was already there, -1 out of memory. */
static int name_set_add(name_set *ns, char *s)
{
    size_t i = (size_t)(hash_str(s) & (ns->cap - 1));
    for (; ns->slots[i]; i = (i + 1) & (ns->cap - 1))
        if (strcmp(ns->slots[i], s) == 0)
            return 0;
    ns->slots[i] = s;
    return 1;
}

static vt_error make_name(batch *b, letter *L, name_set *ns, int width)
{
    const vt_cluster *c = &b->plan->clusters[L->cluster];
    vt_buf base;
    vt_buf_init(&base);
    if (L->number > 0)
        vt_buf_printf(&base, "%0*d-", width, L->number);
    vt_slug(c->name, SLUG_MAX, &base);
    if (L->school != SIZE_MAX) {
        vt_buf_putc(&base, '-');
        vt_slug(c->schools[L->school], SLUG_MAX, &base);
    }
    for (unsigned k = 1;; k++) {
        char *name = NULL;
        int r = k == 1 ? asprintf(&name, "%s.docx", base.data)
                       : asprintf(&name, "%s-%u.docx", base.data, k);
        if (r < 0)
            name = NULL;
        if (!name || base.oom) {
            free(name);
            vt_buf_free(&base);
            return VT_ERR_NOMEM;
        }
        if (name_set_add(ns, name) == 1) {
            L->file = name;
            break;
        }
        free(name);
    }
    vt_buf_free(&base);
    return VT_OK;
}

static int digits(int n)
{
    int k = 1;
    while (n >= 10) {
        n /= 10;
        k++;
    }
    return k;
}

static vt_error plan_letters(batch *b)
{
    const vt_plan *p = b->plan;
    int per_school = b->o->per == VT_PER_SCHOOL;
    size_t n = 0;
    int max_number = 0;
    for (size_t i = 0; i < p->nclusters; i++) {
        n += per_school ? p->clusters[i].nschools : 1;
        if (p->clusters[i].nschools > b->max_schools)
            b->max_schools = p->clusters[i].nschools;
    }
    b->letters = calloc(n ? n : 1, sizeof *b->letters);
    name_set ns = {0};
    for (ns.cap = 64; ns.cap < 2 * n; ns.cap *= 2)
        ;
    ns.slots = calloc(ns.cap, sizeof *ns.slots);
    if (!b->letters || !ns.slots) {
        free(ns.slots);
        return VT_ERR_NOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < p->nclusters; i++) {
        int number = b->o->numbers ? b->o->numbers[i]
                     : p->number   ? p->number + (int)i
                                   : 0;
        if (number > max_number)
            max_number = number;
        size_t m = per_school ? p->clusters[i].nschools : 1;
        for (size_t s = 0; s < m; s++, k++) {
            b->letters[k].cluster = i;
            b->letters[k].school = per_school ? s : SIZE_MAX;
            b->letters[k].number = number;
        }
    }
    b->n = n;
    int width = digits(max_number) < 2 ? 2 : digits(max_number);
    vt_error rc = VT_OK;
    for (k = 0; k < n && rc == VT_OK; k++)
        rc = make_name(b, &b->letters[k], &ns, width);
    free(ns.slots);
    return rc;
}

/* ---- rendering one letter ------------------------------------------------ */

/* The plan as this letter sees it: its number, its Kính gửi, its time and
 * venue, and a Nơi nhận that lists the cluster's schools before the
 * plan's own copies. */
static vt_error render_letter(worker *w, letter *L)
{
    batch *b = w->b;
    const vt_plan *p = b->plan;
    const vt_cluster *c = &p->clusters[L->cluster];
    vt_plan view = *p;
    view.number = L->number;
    if (p->nto == 0) {
        if (L->school != SIZE_MAX) {
            w->to[0] = c->schools[L->school];
            view.to = w->to;
            view.nto = 1;
        } else {
            view.to = c->schools;
            view.nto = c->nschools;
        }
    }
    memcpy(w->copies, c->schools, c->nschools * sizeof *w->copies);
    if (p->ncopies)
        memcpy(w->copies + c->nschools, p->copies,
               p->ncopies * sizeof *w->copies);
    view.copies = w->copies;
    view.ncopies = c->nschools + p->ncopies;
    vt_buf_reset(&w->time);
    vt_time_long(&c->date, c->session, c->time, &w->time);
    view.inv.time = w->time.data;
    view.inv.venue = c->venue ? c->venue : p->inv.venue;
    vt_buf_reset(&w->schools);
    vt_buf_join(&w->schools, c->schools, c->nschools, ", ");

    const char *vals[VT_F__COUNT] = {0};
    vals[VT_F_CLUSTER] = c->name;
    vals[VT_F_SCHOOL] = L->school != SIZE_MAX ? c->schools[L->school]
                                              : w->schools.data;
    vals[VT_F_SCHOOLS] = w->schools.data;
    vals[VT_F_HOST] = c->host;
    vals[VT_F_TOPIC] = c->topic;
    if (w->time.oom || w->schools.oom)
        return VT_ERR_NOMEM;

    vt_buf_reset(&w->pkg);
    vt_error rc = vt_renderer_run(w->r, &view, vals, &w->pkg, &w->d);
    if (rc != VT_OK)
        return rc;
    vt_sha256_hex(w->pkg.data, w->pkg.len, L->sha);
    L->size = w->pkg.len;
    if (b->o->dry_run)
        return VT_OK;
    vt_buf_reset(&w->path);
    vt_buf_printf(&w->path, "%s/%s", b->wdir, L->file);
    if (w->path.oom)
        return VT_ERR_NOMEM;
    rc = vt_write_atomic(w->path.data, w->pkg.data, w->pkg.len, b->wflags,
                         &w->d);
    if (rc == VT_OK)
        L->written = 1;
    return rc;
}

static void *work(void *arg)
{
    worker *w = arg;
    batch *b = w->b;
    for (;;) {
        if (atomic_load(&b->failed))
            break;
        size_t i = atomic_fetch_add(&b->next, 1);
        if (i >= b->n)
            break;
        w->rc = render_letter(w, &b->letters[i]);
        if (w->rc != VT_OK) {
            atomic_store(&b->failed, 1);
            break;
        }
        atomic_fetch_add(&b->done, 1);
    }
    pthread_mutex_lock(&b->lock);
    b->running--;
    pthread_cond_signal(&b->cond);
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

static void worker_free(worker *w)
{
    vt_renderer_free(w->r);
    vt_buf_free(&w->pkg);
    vt_buf_free(&w->path);
    vt_buf_free(&w->time);
    vt_buf_free(&w->schools);
    free(w->to);
    free(w->copies);
    vt_diags_free(&w->d);
}

static vt_error worker_init(worker *w, batch *b, vt_diags *d)
{
    memset(w, 0, sizeof *w);
    w->b = b;
    vt_diags_init(&w->d);
    w->to = malloc(sizeof *w->to);
    w->copies = malloc((b->max_schools + b->plan->ncopies + 1) *
                       sizeof *w->copies);
    if (!w->to || !w->copies)
        return VT_ERR_NOMEM;
    return vt_renderer_open(b->tpl, &w->r, d);
}

/* ---- progress ------------------------------------------------------------ */

static void draw_progress(size_t done, size_t n, double elapsed)
{
    enum { WIDTH = 30 };
    size_t fill = n ? done * WIDTH / n : WIDTH;
    char bar[WIDTH + 1];
    for (size_t i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '#' : '-';
    bar[WIDTH] = '\0';
    double rate = elapsed > 0 ? (double)done / elapsed : 0;
    double eta = rate > 0 ? (double)(n - done) / rate : 0;
    fprintf(stderr, "\r[%s] %zu/%zu  %.0f letters/s  ETA %d:%02d ", bar, done,
            n, rate, (int)eta / 60, (int)eta % 60);
    fflush(stderr);
}

/* ---- the folder ---------------------------------------------------------- */

static size_t count_entries(const char *dir, vt_diags *d, int *err)
{
    DIR *dp = opendir(dir);
    *err = 0;
    if (!dp) {
        vt_diags_addf(d, "%s: cannot read the folder: %s", dir,
                      strerror(errno));
        *err = 1;
        return 0;
    }
    size_t entries = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            entries++;
    closedir(dp);
    return entries;
}

/* A hidden sibling of dir ("out/.x.vanthu-3fa2c1d04e77"), given mode. */
static char *make_stage(const char *dir, mode_t mode)
{
    const char *slash = strrchr(dir, '/');
    int head = slash ? (int)(slash - dir + 1) : 0;
    char *prefix = NULL;
    if (asprintf(&prefix, "%.*s.%s.vanthu", head, dir, dir + head) < 0)
        return NULL;
    size_t size = strlen(prefix) + 16;
    char *stage = malloc(size);
    for (int tries = 0; stage && tries < 100; tries++) {
        if (vt_temp_name(prefix, stage, size) != 0)
            break;
        if (mkdir(stage, 0777) == 0) {
            if (mode && chmod(stage, mode) != 0) {
                int err = errno;
                rmdir(stage);
                errno = err;
                break;
            }
            free(prefix);
            return stage;
        }
        if (errno != EEXIST)
            break;
    }
    int err = errno;
    free(prefix);
    free(stage);
    errno = err;
    return NULL;
}

/* Decide where the letters are written.  A new or empty folder is built as
 * a hidden sibling and renamed into place when complete, so a clerk sees
 * the whole batch or nothing, and each letter costs one plain file
 * creation.  Into a folder that already has files (--force) each letter is
 * written atomically on its own. */
static vt_error prepare_dir(batch *b, vt_diags *d)
{
    const char *dir = b->dir;
    struct stat st;
    int exists = stat(dir, &st) == 0;
    if (!exists && errno != ENOENT) {
        vt_diags_addf(d, "%s: cannot use the output folder: %s", dir,
                      strerror(errno));
        return VT_ERR_IO;
    }
    if (exists && !S_ISDIR(st.st_mode)) {
        vt_diags_addf(d, "%s: is a file, not a folder; give a folder for the "
                         "letters",
                      dir);
        return VT_ERR_IO;
    }
    size_t entries = 0;
    if (exists) {
        int err;
        if (access(dir, W_OK | X_OK) != 0) {
            vt_diags_addf(d, "%s: cannot write into this folder: %s", dir,
                          strerror(errno));
            return VT_ERR_IO;
        }
        entries = count_entries(dir, d, &err);
        if (err)
            return VT_ERR_IO;
        if (entries && !b->o->force) {
            vt_diags_addf(d, "%s: the folder is not empty (%zu entries); "
                             "choose an empty or new folder, or give --force "
                             "to write into it (same names are replaced)",
                          dir, entries);
            return VT_ERR_USAGE;
        }
    }
    if (entries) {
        b->wdir = dir;
        b->wflags = VT_WRITE_NOSYNC;
        return VT_OK;
    }
    b->stage = make_stage(dir, exists ? st.st_mode & 07777 : 0);
    if (!b->stage) {
        vt_diags_addf(d, "%s: cannot create the output folder: %s", dir,
                      strerror(errno));
        return VT_ERR_IO;
    }
    b->wdir = b->stage;
    b->wflags = VT_WRITE_NEW;
    return VT_OK;
}

/* Rename the complete stage onto the folder's name (replacing it if it
 * exists and is still empty), then make the rename itself durable. */
static vt_error publish(batch *b, vt_diags *d)
{
    if (!b->stage)
        return VT_OK;
    if (vt_fsync_dir(b->stage) != 0 || rename(b->stage, b->dir) != 0) {
        vt_diags_addf(d, "%s: cannot move the finished letters into place: %s",
                      b->dir, strerror(errno));
        return VT_ERR_IO;
    }
    char *parent = vt_path_dir(b->dir);
    if (parent)
        vt_fsync_dir(parent);
    free(parent);
    free(b->stage);
    b->stage = NULL;
    return VT_OK;
}

/* Flush every letter written (renames included) before the manifest says
 * the batch is complete: one syncfs for the whole folder, not an fsync per
 * letter. */
static vt_error sync_dir(const char *dir, vt_diags *d)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int ok = fd >= 0 && syncfs(fd) == 0;
    int err = errno;
    if (fd >= 0)
        close(fd);
    if (ok)
        return VT_OK;
    vt_diags_addf(d, "%s: cannot flush the letters to disk: %s", dir,
                  strerror(err));
    return VT_ERR_IO;
}

/* invite --pdf: the PDFs of the letters now in the folder, converted
 * before the folder is synced and the manifests written (pdf.c). */
static vt_error invite_pdfs(batch *b, unsigned jobs, vt_diags *d)
{
    const char **files = calloc(b->n + 1, sizeof *files);
    char **pdf = calloc(b->n + 1, sizeof *pdf);
    char(*sha)[65] = calloc(b->n + 1, sizeof *sha);
    vt_error rc = files && pdf && sha ? VT_OK : VT_ERR_NOMEM;
    for (size_t i = 0; i < b->n && rc == VT_OK; i++)
        files[i] = b->letters[i].file;
    if (rc == VT_OK)
        rc = vt_pdf_batch(b->o->pdf, b->wdir, jobs, &b->plan->date, files,
                          b->n, pdf, sha, d);
    for (size_t i = 0; i < b->n && pdf && sha; i++) {
        if (rc != VT_OK) { /* pdf.c wrote none: nothing of them to remove */
            free(pdf[i]);
            continue;
        }
        b->letters[i].pdf = pdf[i];
        memcpy(b->letters[i].pdf_sha, sha[i], sizeof sha[i]);
    }
    free(files);
    free(pdf);
    free(sha);
    return rc;
}

/* Undo a failed batch: a stage goes entirely; in a folder that had files
 * only this run's letters go. */
static void remove_written(batch *b)
{
    vt_buf path;
    vt_buf_init(&path);
    for (size_t i = 0; i < b->n; i++)
        for (int k = 0; k < 2; k++) {
            const char *f = k ? b->letters[i].pdf : b->letters[i].file;
            if (!f || (!k && !b->letters[i].written))
                continue;
            vt_buf_reset(&path);
            vt_buf_printf(&path, "%s/%s", b->wdir, f);
            if (path.data)
                unlink(path.data);
        }
    if (b->stage) {
        static const char *const manifests[] = {"manifest.csv", "manifest.json"};
        for (size_t i = 0; i < 2; i++) {
            vt_buf_reset(&path);
            vt_buf_printf(&path, "%s/%s", b->stage, manifests[i]);
            if (path.data)
                unlink(path.data);
        }
        rmdir(b->stage);
    }
    vt_buf_free(&path);
}

/* Tell the caller about every file now in place. */
static vt_error report_files(batch *b)
{
    static const char *const manifests[] = {"manifest.csv", "manifest.json"};
    vt_buf path;
    vt_buf_init(&path);
    int failed = 0;
    for (size_t i = 0; i < b->n + 2 && !failed; i++) {
        const letter *L = i < b->n ? &b->letters[i] : NULL;
        vt_buf_reset(&path);
        vt_buf_printf(&path, "%s/%s", b->dir, L ? L->file : manifests[i - b->n]);
        failed = path.oom || b->o->on_file(b->o->on_file_ctx,
                                           L ? L->cluster : SIZE_MAX,
                                           path.data, L ? L->sha : "");
        if (!failed && L && L->pdf) { /* invite --pdf: its PDF too */
            vt_buf_reset(&path);
            vt_buf_printf(&path, "%s/%s", b->dir, L->pdf);
            failed = path.oom || b->o->on_file(b->o->on_file_ctx, L->cluster,
                                               path.data, L->pdf_sha);
        }
    }
    vt_buf_free(&path);
    return failed ? VT_ERR_NOMEM : VT_OK;
}

/* ---- manifests ----------------------------------------------------------- */

static void iso_date(vt_buf *b, const vt_date *dt)
{
    vt_buf_printf(b, "%04d", dt->year);
    if (dt->month)
        vt_buf_printf(b, "-%02d", dt->month);
    if (dt->day)
        vt_buf_printf(b, "-%02d", dt->day);
}

/* The letter's recipient as a row of the manifest shows it. */
static void recipient_of(const vt_plan *p, const letter *L, vt_buf *out)
{
    const vt_cluster *c = &p->clusters[L->cluster];
    vt_buf_reset(out);
    if (L->school != SIZE_MAX)
        vt_buf_puts(out, c->schools[L->school]);
    else
        vt_buf_join(out, c->schools, c->nschools, "; ");
}

/* RFC 4180 quoting; a cell that Excel would read as a formula (=, +, -,
 * @) gets a leading apostrophe, so a hostile school name cannot run one. */
static void json_str(vt_buf *b, const char *s)
{
    vt_buf_putc(b, '"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            vt_buf_printf(b, "\\%c", ch);
        else if (ch < 0x20)
            vt_buf_printf(b, "\\u%04x", ch);
        else
            vt_buf_putc(b, (char)ch);
    }
    vt_buf_putc(b, '"');
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static vt_error write_manifests(batch *b, vt_diags *d)
{
    const vt_plan *p = b->plan;
    vt_buf csv, json, path, rcpt, kh, date;
    vt_buf_init(&csv);
    vt_buf_init(&json);
    vt_buf_init(&path);
    vt_buf_init(&rcpt);
    vt_buf_init(&kh);
    vt_buf_init(&date);
    iso_date(&date, &p->date);
    vt_buf_puts(&csv, "\xEF\xBB\xBF" "file,cluster,recipient,number,ky_hieu,"
                      "date,sha256\r\n");
    vt_buf_puts(&json, "{\n  \"plan\": ");
    json_str(&json, base_name(p->path));
    vt_buf_puts(&json, ",\n  \"template\": ");
    json_str(&json, base_name(vt_template_name(b->tpl)));
    vt_buf_printf(&json, ",\n  \"per\": \"%s\",\n  \"count\": %zu,\n"
                         "  \"letters\": [\n",
                  b->o->per == VT_PER_SCHOOL ? "school" : "cluster",
                  b->n * (b->o->pdf ? 2 : 1));
    /* with --pdf every letter has two rows: its DOCX, then its PDF */
    size_t rows = b->n * (b->o->pdf ? 2 : 1);
    for (size_t i = 0; i < rows; i++) {
        const letter *L = &b->letters[b->o->pdf ? i / 2 : i];
        int is_pdf = b->o->pdf && i % 2;
        const char *file = is_pdf ? L->pdf : L->file;
        const char *sha = is_pdf ? L->pdf_sha : L->sha;
        const vt_cluster *c = &p->clusters[L->cluster];
        char num[16] = "";
        if (L->number > 0)
            snprintf(num, sizeof num, "%d", L->number);
        recipient_of(p, L, &rcpt);
        vt_buf_reset(&kh);
        vt_ky_hieu(L->number, p->type->abbr, p->agency_abbr, p->unit, &kh);
        vt_buf_csv_cell(&csv, file, 0);
        vt_buf_csv_cell(&csv, c->name, 0);
        vt_buf_csv_cell(&csv, rcpt.data, 0);
        vt_buf_csv_cell(&csv, num, 0);
        vt_buf_csv_cell(&csv, L->number > 0 ? kh.data : "", 0);
        vt_buf_csv_cell(&csv, date.data, 0);
        vt_buf_csv_cell(&csv, sha, 1);
        vt_buf_puts(&json, "    {\"file\": ");
        json_str(&json, file);
        vt_buf_puts(&json, ", \"cluster\": ");
        json_str(&json, c->name);
        vt_buf_puts(&json, ", \"recipient\": ");
        json_str(&json, rcpt.data);
        vt_buf_printf(&json, ", \"number\": %s, \"ky_hieu\": ",
                      L->number > 0 ? num : "null");
        if (L->number > 0)
            json_str(&json, kh.data);
        else
            vt_buf_puts(&json, "null");
        vt_buf_puts(&json, ", \"date\": ");
        json_str(&json, date.data);
        vt_buf_printf(&json, ", \"sha256\": \"%s\"}%s\n", sha,
                      i + 1 < rows ? "," : "");
    }
    vt_buf_puts(&json, "  ]\n}\n");
    vt_error rc = VT_OK;
    if (csv.oom || json.oom || rcpt.oom || kh.oom || date.oom)
        rc = VT_ERR_NOMEM;
    if (rc == VT_OK) {
        vt_buf_printf(&path, "%s/manifest.csv", b->wdir);
        rc = path.oom ? VT_ERR_NOMEM
                      : vt_write_atomic(path.data, csv.data, csv.len,
                                        b->wflags | VT_WRITE_SYNC, d);
    }
    if (rc == VT_OK) {
        vt_buf_reset(&path);
        vt_buf_printf(&path, "%s/manifest.json", b->wdir);
        rc = path.oom ? VT_ERR_NOMEM
                      : vt_write_atomic(path.data, json.data, json.len,
                                        b->wflags | VT_WRITE_SYNC, d);
    }
    vt_buf_free(&csv);
    vt_buf_free(&json);
    vt_buf_free(&path);
    vt_buf_free(&rcpt);
    vt_buf_free(&kh);
    vt_buf_free(&date);
    return rc;
}

static void list_letters(const batch *b, FILE *fp)
{
    vt_buf rcpt;
    vt_buf_init(&rcpt);
    for (size_t i = 0; i < b->n; i++) {
        const letter *L = &b->letters[i];
        recipient_of(b->plan, L, &rcpt);
        fprintf(fp, "%s/%s\t%s\t%zu bytes\n", b->dir, L->file,
                rcpt.data ? rcpt.data : "", L->size);
    }
    vt_buf_free(&rcpt);
}

/* ---- the batch ------------------------------------------------------------ */

static unsigned default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* Start the workers, wait for them (drawing progress meanwhile), and
 * gather their diagnostics in letter order of failure. */
static vt_error run_workers(batch *b, unsigned jobs, vt_diags *d)
{
    worker *ws = calloc(jobs, sizeof *ws);
    pthread_t *tids = calloc(jobs, sizeof *tids);
    vt_error rc = ws && tids ? VT_OK : VT_ERR_NOMEM;
    unsigned started = 0;
    for (unsigned i = 0; rc == VT_OK && i < jobs; i++) {
        rc = worker_init(&ws[i], b, d);
        if (rc != VT_OK) {
            worker_free(&ws[i]);
            break;
        }
        pthread_mutex_lock(&b->lock);
        b->running++;
        pthread_mutex_unlock(&b->lock);
        if (pthread_create(&tids[i], NULL, work, &ws[i]) != 0) {
            pthread_mutex_lock(&b->lock);
            b->running--;
            pthread_mutex_unlock(&b->lock);
            worker_free(&ws[i]);
            rc = VT_ERR_NOMEM;
            break;
        }
        started++;
    }
    if (rc != VT_OK)
        atomic_store(&b->failed, 1);
    double t0 = now_seconds();
    pthread_mutex_lock(&b->lock);
    while (b->running > 0) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&b->cond, &b->lock, &until);
        if (b->o->progress && b->running > 0)
            draw_progress(atomic_load(&b->done), b->n, now_seconds() - t0);
    }
    pthread_mutex_unlock(&b->lock);
    if (b->o->progress)
        fputs("\r\033[K", stderr);
    for (unsigned i = 0; i < started; i++) {
        pthread_join(tids[i], NULL);
        if (ws[i].rc != VT_OK && rc == VT_OK)
            rc = ws[i].rc;
        for (size_t k = 0; k < ws[i].d.count; k++)
            vt_diags_addf(d, "%s", ws[i].d.msgs[k]);
        worker_free(&ws[i]);
    }
    free(ws);
    free(tids);
    return rc;
}

vt_error vt_invite(const vt_plan *plan, const vt_template *tpl,
                   const char *dir, const vt_invite_opts *o, FILE *listing,
                   vt_invite_result *res, vt_diags *d)
{
    double t0 = now_seconds();
    vt_error rc = vt_invite_check(plan, tpl, o->per, d);
    if (rc != VT_OK)
        return rc;
    batch b;
    memset(&b, 0, sizeof b);
    b.plan = plan;
    b.tpl = tpl;
    b.o = o;
    b.dir = dir;
    pthread_mutex_init(&b.lock, NULL);
    pthread_cond_init(&b.cond, NULL);
    rc = plan_letters(&b);
    if (rc == VT_OK && !o->dry_run)
        rc = prepare_dir(&b, d);
    unsigned jobs = o->jobs ? o->jobs : default_jobs();
    if (jobs > b.n)
        jobs = b.n ? (unsigned)b.n : 1;
    if (rc == VT_OK)
        rc = run_workers(&b, jobs, d);
    if (rc == VT_OK && !o->dry_run && o->pdf)
        rc = invite_pdfs(&b, jobs, d);
    if (rc == VT_OK && !o->dry_run)
        rc = sync_dir(b.wdir, d);
    if (rc == VT_OK && !o->dry_run)
        rc = write_manifests(&b, d);
    if (rc == VT_OK && !o->dry_run)
        rc = publish(&b, d);
    if (rc == VT_OK && !o->dry_run && o->on_file)
        rc = report_files(&b);
    if (rc != VT_OK && !o->dry_run)
        remove_written(&b);
    if (rc == VT_OK && o->dry_run && listing)
        list_letters(&b, listing);
    if (res) {
        res->letters = b.n;
        res->clusters = plan->nclusters;
        res->jobs = jobs;
        res->seconds = now_seconds() - t0;
        res->bytes = 0;
        for (size_t i = 0; i < b.n; i++)
            res->bytes += b.letters[i].size;
    }
    for (size_t i = 0; i < b.n; i++)
        free(b.letters[i].file), free(b.letters[i].pdf);
    free(b.letters);
    free(b.stage);
    pthread_mutex_destroy(&b.lock);
    pthread_cond_destroy(&b.cond);
    return rc;
}
