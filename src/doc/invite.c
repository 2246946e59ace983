/*
 * invite.c - a batch of giấy mời: one letter per cluster of a plan, or one
 * per member school.
 *
 * The batch is checked as a whole before anything is written, so a clerk
 * sees every missing date and venue at once and never finds half a batch
 * on disk.  Letters are then rendered on all cores.  Each letter depends
 * only on the plan and its index, and its file name is fixed before the
 * threads start, so the output is byte-identical whatever the number of
 * threads.  A province's batch is a million letters, so nothing is kept
 * per letter but a byte, a size and (when files are written) its sums: a
 * letter's cluster, school and number follow from its index, its name is
 * made again when needed (only the suffixes that keep names unique are
 * kept), its schools are read through vt_cluster_schools, and the
 * listing and manifests are written in letter order as letters complete.
 * Every batch is built in a staging folder: a new folder as a
 * hidden sibling renamed into place, an existing one (".", a link, under a
 * read-only parent, or with an old batch under --force) as a hidden folder
 * inside it whose files are then moved out, old letters swapped rather
 * than deleted, so that a failure undoes every step.  The batch appears
 * whole or not at all, and an old batch survives a failed --force.  Files
 * are synced once at the end rather than once each (10,000 fsyncs would
 * cost more than the rendering), and the manifest is written last, so a
 * manifest means a complete batch.  SIGINT/SIGTERM set a flag the threads
 * check; the stage is removed, and a stage left by a killed run is removed
 * by the next run for the same target (docs/batch.md).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "doc/docx.h"
#include "plan/model.h"
#include "doc/render.h"
#include "base/sha256.h"
#include "doc/template.h"
#include "pdf/pdf.h"
#include "base/vanthu.h"
#include "base/vn_text.h"

/* A letter as its index gives it (letter_at): nothing is kept per letter
 * for the whole batch but a byte, a size and, when files are written, its
 * sums (see plan_letters). */
typedef struct {
    size_t cluster;
    size_t school; /* SIZE_MAX: the letter for the whole cluster */
    int number;
} letter;

/* A letter whose name needed a suffix ("x-2.docx"): only these are kept,
 * in letter order, so that any letter's name can be made again. */
typedef struct {
    size_t letter;
    unsigned k;
} suffix;

/* The manifests' text as it is built: the two files' bytes not yet
 * written, and scratch space for a row. */
typedef struct {
    vt_buf csv, json, rcpt, kh, date;
} manifest_text;

struct batch;

/* Reading letters one after another: the schools of the cluster in hand
 * (read once for the run of letters of one cluster, which is how letters
 * are taken, whether the model holds them or they were spilled to disk)
 * and scratch space for a name.  One per thread. */
typedef struct {
    const struct batch *b;
    vt_school_list list;
    size_t cluster; /* whose schools list holds; SIZE_MAX: none yet */
    vt_buf base, name;
} cursor;

typedef struct batch {
    const vt_plan *plan;
    const vt_template *tpl;
    const vt_invite_opts *o;
    char *dir;         /* where the letters end up, without trailing '/' */
    char *stage;       /* where they are written until complete, or NULL */
    int inside;        /* the stage is inside dir (dir existed) */
    int created;       /* dir was made empty by this run (a long name) */
    unsigned jobs;     /* threads the letters were rendered on */
    unsigned char *moved; /* per file, how move_out put it in place
                             (MOVED_*), to undo it or remove the old file */
    size_t n;
    size_t max_schools;
    size_t *first;     /* per cluster its first letter; first[nclusters] n */
    int width;         /* digits of the numbers in the file names */
    suffix *suffixes;  /* the letters named with a suffix, in order */
    size_t nsuffixes;
    unsigned char *ready; /* per letter: rendered (under the lock) */
    uint32_t *size;       /* per letter: its bytes, once ready */
    char *sums;        /* the letters' SHA-256 sums, 65 bytes each */
    atomic_size_t next, done;
    atomic_int failed;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned running;
    /* what is written in letter order as letters complete (under lock) */
    size_t rows;       /* letters written out: [0..rows) */
    size_t bytes;      /* and their sizes' sum */
    FILE *listing;     /* --dry-run: the listing, or NULL */
    cursor row_cur;    /* the rows' letters */
    vt_buf row_text;   /* scratch for a row of the listing */
    /* the manifests written as letters complete (no --pdf) */
    int mf_open;
    int mf_fd[2];
    manifest_text mf;
} batch;

typedef struct {
    batch *b;
    vt_renderer *r;
    cursor cur;
    vt_buf pkg, path, time, schools;
    const char **to, **copies;
    vt_diags d;
    vt_error rc;
} worker;

static int stopped(const batch *b)
{
    return b->o->stop && *b->o->stop;
}

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

/* What `vanthu validate` and the plan loader need to know: whether a plan
 * is meant for `invite` (then the batch checks apply). */
int vt_plan_is_batch(const vt_plan *p)
{
    if (!p->nclusters && !p->clusters_pos.line)
        return 0;
    return p->invitation_pos.line ||
           (p->type && strcmp(p->type->slug, "giay-moi") == 0);
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
    int dup = vt_check_schools(p, d);
    if (dup < 0)
        return dup == -1 ? VT_ERR_NOMEM : VT_ERR_IO;
    bad |= dup;
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

/* ---- letters and their file names ---------------------------------------- */

/* A letter's place follows from its index: per cluster the index of its
 * first letter is kept (O(clusters)), and the cluster of letter i is found
 * by bisection.  Its number is the caller's (the register's), or the
 * plan's <number> counted up per cluster. */
static int number_of(const batch *b, size_t cluster)
{
    const vt_plan *p = b->plan;
    return b->o->numbers ? b->o->numbers[cluster]
           : p->number   ? p->number + (int)cluster
                         : 0;
}

static void letter_at(const batch *b, size_t i, letter *L)
{
    size_t lo = 0, hi = b->plan->nclusters; /* first[lo] <= i < first[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->first[mid] <= i)
            lo = mid;
        else
            hi = mid;
    }
    L->cluster = lo;
    L->school = b->o->per == VT_PER_SCHOOL ? i - b->first[lo] : SIZE_MAX;
    L->number = number_of(b, lo);
}

static void cursor_init(cursor *c, const batch *b)
{
    c->b = b;
    vt_school_list_init(&c->list);
    c->cluster = SIZE_MAX;
    vt_buf_init(&c->base);
    vt_buf_init(&c->name);
}

static void cursor_free(cursor *c)
{
    vt_school_list_free(&c->list);
    vt_buf_free(&c->base);
    vt_buf_free(&c->name);
}

/* Letter i, with its cluster's schools in c->list (read again only when
 * the cluster changes). */
static vt_error cursor_letter(cursor *c, size_t i, letter *L, vt_diags *d)
{
    letter_at(c->b, i, L);
    if (c->cluster == L->cluster)
        return VT_OK;
    c->cluster = SIZE_MAX;
    vt_error rc = vt_cluster_schools(c->b->plan, L->cluster, &c->list, d);
    if (rc == VT_OK)
        c->cluster = L->cluster;
    return rc;
}

/* A name without its suffix and extension: "012-cum-so-1-th-lai-vu".
 * Slugs are cut so that a path stays far below NAME_MAX (255 bytes). */
#define SLUG_MAX 60

static void name_base(const cursor *c, const letter *L, vt_buf *out)
{
    vt_buf_reset(out);
    if (L->number > 0)
        vt_buf_printf(out, "%0*d-", c->b->width, L->number);
    vt_slug(c->b->plan->clusters[L->cluster].name, SLUG_MAX, out);
    if (L->school != SIZE_MAX) {
        vt_buf_putc(out, '-');
        vt_slug(c->list.names[L->school], SLUG_MAX, out);
    }
}

/* The k-th try at a name: "base.docx", then "base-2.docx", ... */
static void name_try(const vt_buf *base, unsigned k, vt_buf *out)
{
    vt_buf_reset(out);
    if (k == 1)
        vt_buf_printf(out, "%s.docx", base->data);
    else
        vt_buf_printf(out, "%s-%u.docx", base->data, k);
}

/* The suffix plan_letters gave letter i (1: none). */
static unsigned suffix_of(const batch *b, size_t i)
{
    size_t lo = 0, hi = b->nsuffixes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->suffixes[mid].letter < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < b->nsuffixes && b->suffixes[lo].letter == i ? b->suffixes[lo].k
                                                            : 1;
}

/* The file name of letter i (its PDF's with pdf), made again the one way
 * plan_letters made it: *out points into c, valid until c's next use. */
static vt_error letter_file(cursor *c, size_t i, int pdf, const char **out,
                            vt_diags *d)
{
    letter L;
    vt_error rc = cursor_letter(c, i, &L, d);
    if (rc != VT_OK)
        return rc;
    name_base(c, &L, &c->base);
    name_try(&c->base, suffix_of(c->b, i), &c->name);
    if (c->base.oom || c->name.oom)
        return VT_ERR_NOMEM;
    *out = c->name.data;
    if (!pdf)
        return VT_OK;
    /* invite --pdf: "x.pdf" beside "x.docx", as pdf.c names it */
    char *p = vt_pdf_name(c->name.data);
    if (!p)
        return VT_ERR_NOMEM;
    vt_buf_reset(&c->name);
    vt_buf_puts(&c->name, p);
    free(p);
    return c->name.oom ? VT_ERR_NOMEM : VT_OK;
}

/* The hashes of the names given so far, to make every name unique without
 * keeping the names (open addressing, 0 for an empty slot).  Equal names
 * have equal hashes, so no name is given twice.  Two different names with
 * the same 64-bit hash (about one chance in 10^7 for a million letters)
 * only cost the second an unneeded suffix; that is deterministic too, as
 * the names are given in letter order. */
typedef struct {
    uint64_t *slots;
    size_t cap;
} hash_set;

static uint64_t hash_str(const char *s)
{
    uint64_t h = vt_hash_str(s);
    return h ? h : 1; /* 0 marks an empty slot */
}

/* Add h; 0 if it was new, 1 if it was there already. */
static int hash_set_add(hash_set *hs, uint64_t h)
{
    size_t i = (size_t)((h ^ h >> 32) & (hs->cap - 1));
    for (; hs->slots[i]; i = (i + 1) & (hs->cap - 1))
        if (hs->slots[i] == h)
            return 1;
    hs->slots[i] = h;
    return 0;
}

/* Keep that letter i is named with suffix k (k > 1). */
static int add_suffix(batch *b, size_t *cap, size_t i, unsigned k)
{
    if (b->nsuffixes == *cap) {
        size_t want = *cap ? 2 * *cap : 64;
        suffix *s = realloc(b->suffixes, want * sizeof *s);
        if (!s)
            return -1;
        b->suffixes = s;
        *cap = want;
    }
    b->suffixes[b->nsuffixes++] = (suffix){i, k};
    return 0;
}

/* The first of base.docx, base-2.docx ... (base in c) whose hash is not
 * in hs yet, now added: its k, or 0 when out of memory. */
static unsigned first_free(hash_set *hs, cursor *c)
{
    for (unsigned k = 1;; k++) {
        name_try(&c->base, k, &c->name);
        if (c->base.oom || c->name.oom)
            return 0;
        if (!hash_set_add(hs, hash_str(c->name.data)))
            return k;
    }
}

/* Name every letter in order: base.docx, or the first of base-2.docx,
 * base-3.docx ... not given yet, as the names always were. */
static vt_error name_letters(batch *b, vt_diags *d)
{
    hash_set hs = {0};
    for (hs.cap = 64; hs.cap < 2 * b->n; hs.cap *= 2)
        ;
    if (!(hs.slots = calloc(hs.cap, sizeof *hs.slots)))
        return VT_ERR_NOMEM;
    cursor c;
    cursor_init(&c, b);
    size_t cap = 0;
    vt_error rc = VT_OK;
    for (size_t i = 0; i < b->n && rc == VT_OK; i++) {
        letter L;
        if ((rc = cursor_letter(&c, i, &L, d)) != VT_OK)
            break;
        name_base(&c, &L, &c.base);
        unsigned k = first_free(&hs, &c);
        if (k == 0 || (k > 1 && add_suffix(b, &cap, i, k) != 0))
            rc = VT_ERR_NOMEM;
    }
    cursor_free(&c);
    free(hs.slots);
    return rc;
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

/* Lay the letters out: each cluster's first letter, the width of the
 * numbers, the per-letter bytes (ready, size, and the sums only for files
 * written: the manifests, --pdf, the register), then the names. */
static vt_error plan_letters(batch *b, vt_diags *d)
{
    const vt_plan *p = b->plan;
    int per_school = b->o->per == VT_PER_SCHOOL;
    int max_number = 0;
    b->first = malloc((p->nclusters + 1) * sizeof *b->first);
    if (!b->first)
        return VT_ERR_NOMEM;
    for (size_t i = 0; i < p->nclusters; i++) {
        b->first[i] = b->n;
        b->n += per_school ? p->clusters[i].nschools : 1;
        if (p->clusters[i].nschools > b->max_schools)
            b->max_schools = p->clusters[i].nschools;
        if (number_of(b, i) > max_number)
            max_number = number_of(b, i);
    }
    b->first[p->nclusters] = b->n;
    b->width = digits(max_number) < 2 ? 2 : digits(max_number);
    size_t sums = b->o->dry_run ? 0 : b->o->pdf ? 2 : 1;
    b->ready = calloc(b->n + 1, 1);
    b->size = calloc(b->n + 1, sizeof *b->size);
    if (sums && b->n)
        b->sums = calloc(b->n * sums, 65);
    if (!b->ready || !b->size || (sums && b->n && !b->sums))
        return VT_ERR_NOMEM;
    return name_letters(b, d);
}

/* The sums of letter i (its PDF's with pdf), or NULL in a dry run. */
static char *sha_of(const batch *b, size_t i, int pdf)
{
    return b->sums ? b->sums + 65 * (pdf ? b->n + i : i) : NULL;
}

/* ---- rendering one letter ------------------------------------------------ */

/* Write one file of the batch into the stage (a new name in a private
 * folder: no temporary name needed); path is scratch space.  A failure is
 * reported under the file's name in the clerk's folder, not the stage's. */
static vt_error write_staged(const batch *b, const char *name,
                             const vt_buf *data, int flags, vt_buf *path,
                             vt_diags *d)
{
    vt_buf_reset(path);
    vt_buf_printf(path, "%s/%s", b->stage, name);
    if (path->oom)
        return VT_ERR_NOMEM;
    vt_diags wd;
    vt_diags_init(&wd);
    vt_error rc = vt_write_atomic(path->data, data->data, data->len,
                                  VT_WRITE_NEW | flags, &wd);
    size_t skip = strlen(path->data);
    for (size_t k = 0; k < wd.count; k++)
        if (strncmp(wd.msgs[k], path->data, skip) == 0)
            vt_diags_addf(d, "%s/%s%s", b->dir, name, wd.msgs[k] + skip);
        else
            vt_diags_addf(d, "%s", wd.msgs[k]);
    vt_diags_free(&wd);
    return rc;
}

/* The plan as this letter sees it: its number, its Kính gửi, its time and
 * venue, and a Nơi nhận that lists the cluster's schools before the
 * plan's own copies. */
static vt_error render_letter(worker *w, size_t i)
{
    batch *b = w->b;
    const vt_plan *p = b->plan;
    letter L;
    vt_error rc = cursor_letter(&w->cur, i, &L, &w->d);
    if (rc != VT_OK)
        return rc;
    const vt_cluster *c = &p->clusters[L.cluster];
    const char **schools = w->cur.list.names;
    vt_plan view = *p;
    view.number = L.number;
    if (p->nto == 0) {
        if (L.school != SIZE_MAX) {
            w->to[0] = schools[L.school];
            view.to = w->to;
            view.nto = 1;
        } else {
            view.to = schools;
            view.nto = c->nschools;
        }
    }
    memcpy(w->copies, schools, c->nschools * sizeof *w->copies);
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
    vt_buf_join(&w->schools, schools, c->nschools, ", ");

    const char *vals[VT_F__COUNT] = {0};
    vals[VT_F_CLUSTER] = c->name;
    vals[VT_F_SCHOOL] = L.school != SIZE_MAX ? schools[L.school]
                                             : w->schools.data;
    vals[VT_F_SCHOOLS] = w->schools.data;
    vals[VT_F_HOST] = c->host;
    vals[VT_F_TOPIC] = c->topic;
    if (w->time.oom || w->schools.oom)
        return VT_ERR_NOMEM;

    vt_buf_reset(&w->pkg);
    rc = vt_renderer_run(w->r, &view, vals, &w->pkg, &w->d);
    if (rc != VT_OK)
        return rc;
    /* the size is kept in 4 bytes; a letter is a few KiB */
    if (w->pkg.len > UINT32_MAX)
        return VT_ERR_NOMEM;
    char *sha = sha_of(b, i, 0);
    if (sha)
        vt_sha256_hex(w->pkg.data, w->pkg.len, sha);
    if (b->o->dry_run)
        return VT_OK;
    const char *file;
    rc = letter_file(&w->cur, i, 0, &file, &w->d);
    if (rc != VT_OK)
        return rc;
    return write_staged(b, file, &w->pkg, 0, &w->path, &w->d);
}

static vt_error letter_done(batch *b, size_t i, size_t size, vt_diags *d);

static void *work(void *arg)
{
    worker *w = arg;
    batch *b = w->b;
    for (;;) {
        if (atomic_load(&b->failed) || stopped(b))
            break;
        size_t i = atomic_fetch_add(&b->next, 1);
        if (i >= b->n)
            break;
        w->rc = render_letter(w, i);
        if (w->rc == VT_OK)
            w->rc = letter_done(b, i, w->pkg.len, &w->d);
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
    cursor_free(&w->cur);
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
    cursor_init(&w->cur, b);
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

/* The letters are built in a staging folder nobody else looks at, with a
 * marker file holding the owner's pid, so that a run killed without a
 * chance to clean up (SIGKILL, a power cut) leaves something a later run
 * can recognise and remove: a folder with vanthu's name pattern, the
 * marker, and an owner that is no longer alive. */
#define STAGE_INSIDE ".vanthu-stage"
#define STAGE_MARKER ".vanthu-stage-owner"

static const char *const MANIFESTS[] = {"manifest.csv", "manifest.json"};

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

/* 1 if name is prefix "-" and twelve hex digits, vt_temp_name's shape. */
static int stage_name(const char *name, const char *prefix)
{
    size_t k = strlen(prefix);
    if (strncmp(name, prefix, k) != 0 || name[k] != '-' ||
        strlen(name + k + 1) != 12)
        return 0;
    for (const char *c = name + k + 1; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
            return 0;
    return 1;
}

/* Call fn with the path, name and lstat of every entry of folder (but "."
 * and ".."); a folder that cannot be read has none. */
typedef void (*entry_fn)(const char *path, const char *name,
                         const struct stat *st, void *ctx);

static void each_entry(const char *folder, entry_fn fn, void *ctx)
{
    DIR *dp = opendir(folder);
    if (!dp)
        return;
    vt_buf path;
    vt_buf_init(&path);
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        vt_buf_reset(&path);
        vt_buf_printf(&path, "%s/%s", folder, e->d_name);
        if (path.data && lstat(path.data, &st) == 0)
            fn(path.data, e->d_name, &st, ctx);
    }
    closedir(dp);
    vt_buf_free(&path);
}

static void unlink_file(const char *path, const char *name,
                        const struct stat *st, void *ctx)
{
    (void)name, (void)ctx;
    if (S_ISREG(st->st_mode))
        unlink(path);
}

/* Empty a staging folder of the files in it, then remove it.  Only regular
 * files are unlinked: anything else means it is not what vanthu left, and
 * the rmdir then fails harmlessly. */
static void remove_stage(const char *stage)
{
    each_entry(stage, unlink_file, NULL);
    rmdir(stage);
}

/* The pid in a stage's marker, or 0 when there is no readable marker. */
static long stage_owner(const char *stage)
{
    char *path = NULL;
    if (asprintf(&path, "%s/" STAGE_MARKER, stage) < 0)
        return 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    free(path);
    if (fd < 0)
        return 0;
    char buf[32] = "";
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    long pid = strtol(buf, NULL, 10);
    return pid > 0 ? pid : 0;
}

/* A staging folder (by name, owner and marker) whose run is gone is
 * removed; a stage of a run still alive, or without the marker, is left
 * alone. */
static void remove_if_stale(const char *path, const char *name,
                            const struct stat *st, void *prefix)
{
    if (!stage_name(name, prefix) || !S_ISDIR(st->st_mode) ||
        st->st_uid != geteuid())
        return;
    long pid = stage_owner(path);
    if (pid > 0 && pid != (long)getpid() && kill((pid_t)pid, 0) != 0 &&
        errno == ESRCH)
        remove_stage(path);
}

/* Remove what earlier runs for the same target left in folder when they
 * were killed (SIGKILL, a power cut): staging folders named prefix-… */
static void clean_stale(const char *folder, const char *prefix)
{
    each_entry(folder, remove_if_stale, (void *)prefix);
}

/* Make a staging folder named prefix-XXXXXXXXXXXX holding the marker. */
static char *make_stage(const char *prefix)
{
    size_t size = strlen(prefix) + 16;
    char *stage = malloc(size);
    char *marker = NULL;
    for (int tries = 0; stage && tries < 100; tries++) {
        if (vt_temp_name(prefix, stage, size) != 0)
            break;
        if (mkdir(stage, 0777) == 0)
            break;
        if (errno != EEXIST || tries == 99) {
            free(stage);
            return NULL;
        }
    }
    if (!stage || asprintf(&marker, "%s/" STAGE_MARKER, stage) < 0) {
        if (stage)
            rmdir(stage);
        free(stage);
        return NULL;
    }
    char pid[24];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    int fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    int ok = fd >= 0 && write(fd, pid, (size_t)n) == n;
    int err = errno;
    if (fd >= 0 && close(fd) != 0)
        ok = 0;
    free(marker);
    if (!ok) {
        remove_stage(stage);
        free(stage);
        errno = err;
        return NULL;
    }
    return stage;
}

/* The folder's name without trailing slashes ("out/x/" is "out/x"), so
 * that its sibling and its parent can be found. */
static char *trim_dir(const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    return strndup(dir, n);
}

/* A hidden sibling of a folder that does not exist yet
 * ("out/.x.vanthu-3fa2c1d04e77"), after removing stale ones. */
static char *sibling_stage(const char *dir)
{
    const char *slash = strrchr(dir, '/');
    int head = slash ? (int)(slash - dir + 1) : 0;
    char *prefix = NULL, *parent = NULL;
    if (asprintf(&prefix, "%.*s.%s.vanthu", head, dir, dir + head) < 0)
        return NULL;
    if (asprintf(&parent, "%.*s", head ? head : 1, head ? dir : ".") >= 0)
        clean_stale(parent, prefix + head);
    free(parent);
    char *stage = make_stage(prefix);
    int err = errno;
    free(prefix);
    errno = err;
    return stage;
}

/* The i-th file of the batch: the letters, their PDFs (invite --pdf),
 * then the two manifests.  *out points into c or is static. */
static vt_error file_at(cursor *c, size_t i, const char **out, vt_diags *d)
{
    const batch *b = c->b;
    size_t k = b->o->pdf ? 2 : 1;
    if (i < b->n * k)
        return letter_file(c, i % b->n, i >= b->n, out, d);
    *out = MANIFESTS[i - b->n * k];
    return VT_OK;
}

/* How many files the batch puts in the folder: file_at's range. */
static size_t nfiles(const batch *b)
{
    return b->n * (b->o->pdf ? 2 : 1) + 2;
}

/* With --force, a letter may replace a file of the same name, never a
 * folder, link or device: checked for every name before anything is
 * rendered. */
static vt_error check_taken(batch *b, vt_diags *d)
{
    vt_buf path;
    vt_buf_init(&path);
    cursor c;
    cursor_init(&c, b);
    vt_error rc = VT_OK;
    for (size_t i = 0; i < nfiles(b) && rc == VT_OK; i++) {
        struct stat st;
        const char *file;
        if ((rc = file_at(&c, i, &file, d)) != VT_OK)
            break;
        vt_buf_reset(&path);
        vt_buf_printf(&path, "%s/%s", b->dir, file);
        if (path.oom)
            rc = VT_ERR_NOMEM;
        else if (lstat(path.data, &st) == 0 && !S_ISREG(st.st_mode)) {
            vt_diags_addf(d, "%s: is %s, not a file; --force replaces only "
                             "files: move it away or choose another folder",
                          path.data,
                          S_ISDIR(st.st_mode) ? "a folder"
                          : S_ISLNK(st.st_mode) ? "a symbolic link"
                                                : "a device or special file");
            rc = VT_ERR_IO;
        }
    }
    cursor_free(&c);
    vt_buf_free(&path);
    return rc;
}

/* An existing folder gets the stage inside (after stale stages of earlier
 * runs are removed); one that has files only with --force, and only if
 * no letter's name is taken by anything but a file. */
static vt_error stage_inside(batch *b, vt_diags *d)
{
    const char *dir = b->dir;
    if (access(dir, W_OK | X_OK) != 0) {
        vt_diags_addf(d, "%s: cannot write into this folder: %s", dir,
                      strerror(errno));
        return VT_ERR_IO;
    }
    clean_stale(dir, STAGE_INSIDE);
    int err;
    size_t entries = count_entries(dir, d, &err);
    if (err)
        return VT_ERR_IO;
    if (entries && !b->o->force) {
        vt_diags_addf(d, "%s: the folder is not empty (%zu entries); "
                         "choose an empty or new folder, or give --force "
                         "to write into it (same names are replaced)",
                      dir, entries);
        return VT_ERR_USAGE;
    }
    vt_error rc = entries ? check_taken(b, d) : VT_OK;
    if (rc != VT_OK)
        return rc;
    char *prefix = NULL;
    if (asprintf(&prefix, "%s/" STAGE_INSIDE, dir) < 0)
        return VT_ERR_NOMEM;
    b->stage = make_stage(prefix);
    free(prefix);
    if (!b->stage) {
        vt_diags_addf(d, "%s: cannot create a staging folder in it: %s", dir,
                      strerror(errno));
        return VT_ERR_IO;
    }
    b->inside = 1;
    return VT_OK;
}

/* A folder that does not exist yet is built as a hidden sibling; a name
 * too long for the sibling's ".x.vanthu-…" is made at once, empty, and
 * filled like an existing folder (and removed again on failure). */
static vt_error stage_new(batch *b, vt_diags *d)
{
    const char *base = strrchr(b->dir, '/');
    base = base ? base + 1 : b->dir;
    if (strlen(base) + 22 <= NAME_MAX) {
        b->stage = sibling_stage(b->dir);
    } else if (mkdir(b->dir, 0777) == 0) {
        b->created = 1;
        return stage_inside(b, d);
    }
    if (b->stage)
        return VT_OK;
    vt_diags_addf(d, "%s: cannot create the output folder: %s", b->dir,
                  strerror(errno));
    return VT_ERR_IO;
}

/* Decide where the letters are written.  They are always built in a
 * staging folder, so that a failure or a signal never leaves part of a
 * batch beside the clerk's files.  A folder that does not exist yet is
 * built as a hidden sibling and renamed into place in one step.  An
 * existing folder ("out/x/", ".", a link to a folder, a folder under a
 * read-only parent) is never renamed: it gets the stage inside, and the
 * finished files are moved out of it (see move_out). */
static vt_error prepare_dir(batch *b, vt_diags *d)
{
    const char *dir = b->dir;
    struct stat st, lst;
    if (!*dir) {
        vt_diags_addf(d, "-o needs a folder name");
        return VT_ERR_USAGE;
    }
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return stage_inside(b, d);
        vt_diags_addf(d, "%s: is %s, not a folder; give a folder for the "
                         "letters",
                      dir, S_ISREG(st.st_mode) ? "a file" : "a device or "
                                                            "special file");
        return VT_ERR_IO;
    }
    if (errno == ENOENT && lstat(dir, &lst) == 0) {
        vt_diags_addf(d, "%s: is a symbolic link to nothing; give a folder "
                         "for the letters",
                      dir);
        return VT_ERR_IO;
    }
    if (errno != ENOENT) {
        vt_diags_addf(d, "%s: cannot use the output folder: %s", dir,
                      strerror(errno));
        return VT_ERR_IO;
    }
    return stage_new(b, d);
}


/* How a file was moved out of the stage, to undo it. */
enum { MOVED_NOT = 0, MOVED_NEW, MOVED_SWAPPED, MOVED_OVER };

/* 1 where the file system lacks a renameat2 flag (NFS, CIFS, FUSE). */
static int no_flag(int err)
{
    return err == EINVAL || err == ENOSYS || err == EOPNOTSUPP;
}

/* src takes the new name dst, which must not exist. */
static int put_new(const char *src, const char *dst)
{
    if (renameat2(AT_FDCWD, src, AT_FDCWD, dst, RENAME_NOREPLACE) == 0)
        return MOVED_NEW;
    if (!no_flag(errno))
        return -1;
    if (link(src, dst) == 0) { /* link never replaces */
        unlink(src);
        return MOVED_NEW;
    }
    struct stat st;
    if (errno == EEXIST || lstat(dst, &st) == 0) {
        errno = EEXIST;
        return -1;
    }
    return rename(src, dst) == 0 ? MOVED_NEW : -1;
}

/* src replaces the old file dst, which goes into the stage: swapped in
 * one step where the file system can, else kept under backup (a hard
 * link, or the old file itself moved) before src is renamed over it. */
static int put_over(const char *src, const char *dst, const char *backup)
{
    if (renameat2(AT_FDCWD, src, AT_FDCWD, dst, RENAME_EXCHANGE) == 0)
        return MOVED_SWAPPED;
    if (!no_flag(errno))
        return -1;
    if (link(dst, backup) != 0 && rename(dst, backup) != 0)
        return -1;
    if (rename(src, dst) == 0)
        return MOVED_OVER;
    int err = errno;
    rename(backup, dst);
    errno = err;
    return -1;
}

/* Undo one move: a swap is swapped back (the old letter returns), a new
 * name goes back into the stage, a backup goes back over the new file. */
static void put_back(int how, const char *src, const char *dst,
                     const char *backup)
{
    if (how == MOVED_SWAPPED)
        renameat2(AT_FDCWD, src, AT_FDCWD, dst, RENAME_EXCHANGE);
    else if (how == MOVED_NEW)
        rename(dst, src);
    else if (how == MOVED_OVER && rename(dst, src) == 0)
        rename(backup, dst);
}

/* The paths of file i in the stage, in the folder, and its backup. */
static vt_error paths_of(cursor *c, size_t i, vt_buf p[3], vt_diags *d)
{
    const batch *b = c->b;
    const char *file;
    vt_error rc = file_at(c, i, &file, d);
    if (rc != VT_OK)
        return rc;
    for (int k = 0; k < 3; k++)
        vt_buf_reset(&p[k]);
    vt_buf_printf(&p[0], "%s/%s", b->stage, file);
    vt_buf_printf(&p[1], "%s/%s", b->dir, file);
    vt_buf_printf(&p[2], "%s/%s.old", b->stage, file);
    return p[0].oom || p[1].oom || p[2].oom ? VT_ERR_NOMEM : VT_OK;
}

/* Move the finished batch out of a stage inside the folder: each letter
 * takes its name with one rename, or, where --force finds an old file of
 * that name, swaps places with it (renameat2 RENAME_EXCHANGE), so the old
 * file is in the stage until the end.  The manifests go last.  If any
 * step fails, every step is undone: the folder holds the old batch as it
 * was, never a mix.  Signals only set a flag, so they cannot stop this
 * half-way; only SIGKILL or a crash can. */
static vt_error move_out(batch *b, vt_diags *d)
{
    size_t total = nfiles(b);
    b->moved = calloc(total, 1);
    if (!b->moved)
        return VT_ERR_NOMEM;
    vt_buf p[3];
    for (int k = 0; k < 3; k++)
        vt_buf_init(&p[k]);
    cursor c;
    cursor_init(&c, b);
    vt_error rc = VT_OK;
    size_t i;
    for (i = 0; i < total && rc == VT_OK; i++) {
        struct stat st;
        if ((rc = paths_of(&c, i, p, d)) != VT_OK)
            break;
        int old = lstat(p[1].data, &st) == 0;
        if (old && !S_ISREG(st.st_mode)) {
            vt_diags_addf(d, "%s: is not a file; --force replaces only files",
                          p[1].data);
            rc = VT_ERR_IO;
            break;
        }
        int how = old ? put_over(p[0].data, p[1].data, p[2].data)
                      : put_new(p[0].data, p[1].data);
        if (how < 0) {
            vt_diags_addf(d, "%s: cannot move the finished letter into "
                             "place: %s",
                          p[1].data, strerror(errno));
            rc = VT_ERR_IO;
            break;
        }
        b->moved[i] = (unsigned char)how;
    }
    while (rc != VT_OK && i-- > 0)
        if (paths_of(&c, i, p, d) == VT_OK)
            put_back(b->moved[i], p[0].data, p[1].data, p[2].data);
    cursor_free(&c);
    for (int k = 0; k < 3; k++)
        vt_buf_free(&p[k]);
    return rc;
}

/* After move_out, the stage holds the old letters the new ones replaced.
 * Unlinking a file frees its blocks, which on a busy disk costs far more
 * than the rename did (0.1-1 ms each): thousands are removed on several
 * threads, as the old design's renames over them did inside the workers. */
typedef struct {
    batch *b;
    unsigned k, of;
} unlinker;

static void *unlink_some(void *arg)
{
    unlinker *u = arg;
    vt_buf p[3];
    for (int k = 0; k < 3; k++)
        vt_buf_init(&p[k]);
    cursor c;
    cursor_init(&c, u->b);
    /* the batch is in place: an old file that cannot be named now only
     * stays in the stage, whose removal then fails harmlessly */
    vt_diags d;
    vt_diags_init(&d);
    for (size_t i = u->k; i < nfiles(u->b); i += u->of) {
        int how = u->b->moved[i];
        if ((how == MOVED_SWAPPED || how == MOVED_OVER) &&
            paths_of(&c, i, p, &d) == VT_OK)
            unlink(how == MOVED_SWAPPED ? p[0].data : p[2].data);
    }
    vt_diags_free(&d);
    cursor_free(&c);
    for (int k = 0; k < 3; k++)
        vt_buf_free(&p[k]);
    return NULL;
}

static void remove_replaced(batch *b)
{
    enum { MAX_UNLINKERS = 8 };
    unlinker u[MAX_UNLINKERS];
    pthread_t tid[MAX_UNLINKERS];
    unsigned of = b->jobs < 1 ? 1 : b->jobs > MAX_UNLINKERS ? MAX_UNLINKERS
                                                              : b->jobs;
    unsigned started = 1;
    for (unsigned k = 0; k < of; k++)
        u[k] = (unlinker){b, k, of};
    for (unsigned k = 1; k < of; k++, started++)
        if (pthread_create(&tid[k], NULL, unlink_some, &u[k]) != 0)
            break;
    /* this thread takes its share and any a thread could not */
    unlink_some(&u[0]);
    for (unsigned k = started; k < of; k++)
        unlink_some(&u[k]);
    for (unsigned k = 1; k < started; k++)
        pthread_join(tid[k], NULL);
}

/* Put the complete stage in place, then make that durable.  A sibling
 * stage is renamed onto the new folder's name; a stage inside the folder
 * is emptied into it (move_out) and removed with the old files it got in
 * exchange. */
static vt_error publish(batch *b, vt_diags *d)
{
    if (!b->stage)
        return VT_OK;
    if (stopped(b))
        return VT_ERR_IO;
    char *marker = NULL;
    if (asprintf(&marker, "%s/" STAGE_MARKER, b->stage) < 0)
        return VT_ERR_NOMEM;
    vt_error rc = VT_OK;
    if (b->inside) {
        rc = move_out(b, d);
        if (rc == VT_OK) {
            remove_replaced(b);
            remove_stage(b->stage);
            vt_fsync_dir(b->dir);
        }
    } else {
        /* the marker must not travel into the clerk's folder */
        unlink(marker);
        if (vt_fsync_dir(b->stage) != 0 || put_new(b->stage, b->dir) < 0) {
            vt_diags_addf(d, "%s: cannot move the finished letters into "
                             "place: %s",
                          b->dir, strerror(errno));
            rc = VT_ERR_IO;
        } else {
            char *parent = vt_path_dir(b->dir);
            if (parent)
                vt_fsync_dir(parent);
            free(parent);
        }
    }
    free(marker);
    if (rc == VT_OK) {
        free(b->stage);
        b->stage = NULL;
    }
    return rc;
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

/* invite --pdf: the PDFs of the letters now in the stage, converted
 * before it is synced and the manifests written (pdf.c), under the names
 * plan_letters gave them.  Their sums go straight into the batch's; the
 * names are copied for the converter (a --pdf batch is bound by
 * LibreOffice long before memory). */
static vt_error invite_pdfs(batch *b, unsigned jobs, vt_diags *d)
{
    char **files = calloc(b->n + 1, sizeof *files);
    char **pdf = calloc(b->n + 1, sizeof *pdf);
    vt_error rc = files && pdf ? VT_OK : VT_ERR_NOMEM;
    cursor c;
    cursor_init(&c, b);
    for (size_t i = 0; i < b->n && rc == VT_OK; i++) {
        const char *file;
        rc = letter_file(&c, i, 0, &file, d);
        if (rc == VT_OK && !(files[i] = strdup(file)))
            rc = VT_ERR_NOMEM;
    }
    cursor_free(&c);
    if (rc == VT_OK)
        rc = vt_pdf_batch(b->o->pdf, b->stage, jobs, &b->plan->date,
                          (const char *const *)files, b->n, pdf,
                          (char(*)[65])sha_of(b, 0, 1), d);
    for (size_t i = 0; i < b->n && files && pdf; i++) {
        free(files[i]);
        free(pdf[i]); /* the same name as letter_file's */
    }
    free(files);
    free(pdf);
    return rc;
}

/* Tell the caller about every file now in place. */
static vt_error report_files(batch *b, vt_diags *d)
{
    vt_buf path;
    vt_buf_init(&path);
    cursor c;
    cursor_init(&c, b);
    size_t k = b->o->pdf ? 2 : 1;
    vt_error rc = VT_OK;
    for (size_t i = 0; i < nfiles(b) && rc == VT_OK; i++) {
        const char *file, *sha = "";
        size_t cluster = SIZE_MAX;
        if ((rc = file_at(&c, i, &file, d)) != VT_OK)
            break;
        if (i < b->n * k) {
            letter L;
            letter_at(b, i % b->n, &L);
            cluster = L.cluster;
            sha = sha_of(b, i % b->n, i >= b->n);
        }
        vt_buf_reset(&path);
        vt_buf_printf(&path, "%s/%s", b->dir, file);
        if (path.oom || b->o->on_file(b->o->on_file_ctx, cluster, path.data,
                                      sha))
            rc = VT_ERR_NOMEM;
    }
    cursor_free(&c);
    vt_buf_free(&path);
    return rc;
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

/* The letter's recipient as a row of the manifest shows it (the schools
 * of its cluster are in c, as cursor_letter left them). */
static void recipient_of(const cursor *c, const letter *L, vt_buf *out)
{
    vt_buf_reset(out);
    if (L->school != SIZE_MAX)
        vt_buf_puts(out, c->list.names[L->school]);
    else
        vt_buf_join(out, c->list.names, c->list.n, "; ");
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

static void manifest_text_init(manifest_text *t, const vt_plan *p)
{
    vt_buf_init(&t->csv);
    vt_buf_init(&t->json);
    vt_buf_init(&t->rcpt);
    vt_buf_init(&t->kh);
    vt_buf_init(&t->date);
    iso_date(&t->date, &p->date);
}

static void manifest_text_free(manifest_text *t)
{
    vt_buf_free(&t->csv);
    vt_buf_free(&t->json);
    vt_buf_free(&t->rcpt);
    vt_buf_free(&t->kh);
    vt_buf_free(&t->date);
}

static int manifest_text_oom(const manifest_text *t)
{
    return t->csv.oom || t->json.oom || t->rcpt.oom || t->kh.oom ||
           t->date.oom;
}

/* with --pdf every letter has two rows: its DOCX, then its PDF */
static size_t manifest_rows(const batch *b)
{
    return b->n * (b->o->pdf ? 2 : 1);
}

static void manifest_head(const batch *b, manifest_text *t)
{
    vt_buf_puts(&t->csv, "\xEF\xBB\xBF" "file,cluster,recipient,number,"
                         "ky_hieu,date,sha256\r\n");
    vt_buf_puts(&t->json, "{\n  \"plan\": ");
    json_str(&t->json, base_name(b->plan->path));
    vt_buf_puts(&t->json, ",\n  \"template\": ");
    json_str(&t->json, base_name(vt_template_name(b->tpl)));
    vt_buf_printf(&t->json, ",\n  \"per\": \"%s\",\n  \"count\": %zu,\n"
                            "  \"letters\": [\n",
                  b->o->per == VT_PER_SCHOOL ? "school" : "cluster",
                  manifest_rows(b));
}

/* Row i of both manifests (manifest_rows' range), its letter read with
 * cur. */
static vt_error manifest_row(const batch *b, cursor *cur, size_t i,
                             manifest_text *t, vt_diags *d)
{
    const vt_plan *p = b->plan;
    size_t li = b->o->pdf ? i / 2 : i;
    int is_pdf = b->o->pdf && i % 2;
    const char *file;
    vt_error rc = letter_file(cur, li, is_pdf, &file, d);
    if (rc != VT_OK)
        return rc;
    letter l;
    letter_at(b, li, &l);
    const letter *L = &l;
    const char *sha = sha_of(b, li, is_pdf);
    const vt_cluster *c = &p->clusters[L->cluster];
    char num[16] = "";
    if (L->number > 0)
        snprintf(num, sizeof num, "%d", L->number);
    recipient_of(cur, L, &t->rcpt);
    vt_buf_reset(&t->kh);
    vt_ky_hieu(L->number, p->type->abbr, p->agency_abbr, p->unit, &t->kh);
    vt_buf_csv_cell(&t->csv, file, 0);
    vt_buf_csv_cell(&t->csv, c->name, 0);
    vt_buf_csv_cell(&t->csv, t->rcpt.data, 0);
    vt_buf_csv_cell(&t->csv, num, 0);
    vt_buf_csv_cell(&t->csv, L->number > 0 ? t->kh.data : "", 0);
    vt_buf_csv_cell(&t->csv, t->date.data, 0);
    vt_buf_csv_cell(&t->csv, sha, 1);
    vt_buf_puts(&t->json, "    {\"file\": ");
    json_str(&t->json, file);
    vt_buf_puts(&t->json, ", \"cluster\": ");
    json_str(&t->json, c->name);
    vt_buf_puts(&t->json, ", \"recipient\": ");
    json_str(&t->json, t->rcpt.data);
    vt_buf_printf(&t->json, ", \"number\": %s, \"ky_hieu\": ",
                  L->number > 0 ? num : "null");
    if (L->number > 0)
        json_str(&t->json, t->kh.data);
    else
        vt_buf_puts(&t->json, "null");
    vt_buf_puts(&t->json, ", \"date\": ");
    json_str(&t->json, t->date.data);
    vt_buf_printf(&t->json, ", \"sha256\": \"%s\"}%s\n", sha,
                  i + 1 < manifest_rows(b) ? "," : "");
    return VT_OK;
}

static void manifest_tail(manifest_text *t)
{
    vt_buf_puts(&t->json, "  ]\n}\n");
}

/* invite --pdf: the manifests at the end, once the PDFs' sums are known
 * (each letter's PDF row follows its DOCX row). */
static vt_error write_manifests(batch *b, vt_diags *d)
{
    manifest_text t;
    vt_buf path;
    vt_buf_init(&path);
    cursor c;
    cursor_init(&c, b);
    manifest_text_init(&t, b->plan);
    manifest_head(b, &t);
    vt_error rc = VT_OK;
    for (size_t i = 0; i < manifest_rows(b) && rc == VT_OK; i++)
        rc = manifest_row(b, &c, i, &t, d);
    cursor_free(&c);
    manifest_tail(&t);
    if (rc == VT_OK && manifest_text_oom(&t))
        rc = VT_ERR_NOMEM;
    if (rc == VT_OK)
        rc = write_staged(b, MANIFESTS[0], &t.csv, VT_WRITE_SYNC, &path, d);
    if (rc == VT_OK)
        rc = write_staged(b, MANIFESTS[1], &t.json, VT_WRITE_SYNC, &path, d);
    manifest_text_free(&t);
    vt_buf_free(&path);
    return rc;
}

/* ---- manifests written as the letters complete ---------------------------- */

/* Without --pdf the manifests are written into the stage while the letters
 * are rendered, a row as soon as its letter and all before it are done
 * (under the batch's lock), and flushed every MANIFEST_FLUSH bytes: memory
 * does not grow with the batch, and the rows are in letter order whatever
 * the number of threads.  The stage is private and the manifests are
 * finished (and synced) only after every letter, so a manifest in the
 * clerk's folder still means a complete batch. */
#define MANIFEST_FLUSH 65536

/* Write out what the buffers hold (all of it, or only once past
 * MANIFEST_FLUSH). */
static vt_error manifest_flush(batch *b, int all, vt_diags *d)
{
    vt_buf *bufs[2] = {&b->mf.csv, &b->mf.json};
    if (manifest_text_oom(&b->mf))
        return VT_ERR_NOMEM;
    for (int k = 0; k < 2; k++) {
        if (!bufs[k]->len || (!all && bufs[k]->len < MANIFEST_FLUSH))
            continue;
        int err = vt_write_all(b->mf_fd[k], bufs[k]->data, bufs[k]->len);
        if (err) {
            vt_diags_addf(d, "%s/%s: cannot write the file: %s", b->dir,
                          MANIFESTS[k], strerror(err));
            return VT_ERR_IO;
        }
        vt_buf_reset(bufs[k]);
    }
    return VT_OK;
}

/* Create both manifests in the stage and write their heads. */
static vt_error manifest_open(batch *b, vt_diags *d)
{
    vt_buf path;
    vt_buf_init(&path);
    vt_error rc = VT_OK;
    b->mf_open = 1;
    b->mf_fd[0] = b->mf_fd[1] = -1;
    manifest_text_init(&b->mf, b->plan);
    for (int k = 0; k < 2 && rc == VT_OK; k++) {
        vt_buf_reset(&path);
        vt_buf_printf(&path, "%s/%s", b->stage, MANIFESTS[k]);
        if (path.oom) {
            rc = VT_ERR_NOMEM;
            break;
        }
        b->mf_fd[k] = open(path.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                           0666);
        if (b->mf_fd[k] < 0) {
            vt_diags_addf(d, "%s/%s: cannot write the file: %s", b->dir,
                          MANIFESTS[k], strerror(errno));
            rc = VT_ERR_IO;
        }
    }
    vt_buf_free(&path);
    if (rc == VT_OK)
        manifest_head(b, &b->mf);
    return rc;
}

/* --dry-run: letter i's line of the listing (file, recipient, size). */
static vt_error list_row(batch *b, size_t i, vt_diags *d)
{
    const char *file;
    vt_error rc = letter_file(&b->row_cur, i, 0, &file, d);
    if (rc != VT_OK)
        return rc;
    letter L;
    letter_at(b, i, &L);
    recipient_of(&b->row_cur, &L, &b->row_text);
    if (b->row_text.oom)
        return VT_ERR_NOMEM;
    fprintf(b->listing, "%s/%s\t%s\t%zu bytes\n", b->dir, file,
            b->row_text.data ? b->row_text.data : "", (size_t)b->size[i]);
    return VT_OK;
}

/* Letter i is rendered (size bytes): write out, in letter order, what
 * waited for it and the letters after it that are done already: the
 * manifests' rows, the dry run's listing, the bytes' sum.  Called by the
 * workers; under the batch's lock, so that only a byte and a size per
 * letter wait, whatever the number of threads. */
static vt_error letter_done(batch *b, size_t i, size_t size, vt_diags *d)
{
    pthread_mutex_lock(&b->lock);
    b->ready[i] = 1;
    b->size[i] = (uint32_t)size;
    vt_error rc = VT_OK;
    while (rc == VT_OK && b->rows < b->n && b->ready[b->rows]) {
        size_t k = b->rows;
        if (b->mf_open)
            rc = manifest_row(b, &b->row_cur, k, &b->mf, d);
        if (rc == VT_OK && b->mf_open)
            rc = manifest_flush(b, 0, d);
        if (rc == VT_OK && b->listing)
            rc = list_row(b, k, d);
        if (rc == VT_OK) {
            b->bytes += b->size[k];
            b->rows++;
        }
    }
    pthread_mutex_unlock(&b->lock);
    return rc;
}

/* Every letter is in: the tails, then each file flushed to disk. */
static vt_error manifest_finish(batch *b, vt_diags *d)
{
    if (b->rows != b->n)
        return VT_ERR_IO;
    manifest_tail(&b->mf);
    vt_error rc = manifest_flush(b, 1, d);
    for (int k = 0; k < 2 && rc == VT_OK; k++)
        if (fsync(b->mf_fd[k]) != 0) {
            vt_diags_addf(d, "%s/%s: cannot write the file: %s", b->dir,
                          MANIFESTS[k], strerror(errno));
            rc = VT_ERR_IO;
        }
    return rc;
}

static void manifest_close(batch *b)
{
    if (!b->mf_open)
        return;
    for (int k = 0; k < 2; k++)
        if (b->mf_fd[k] >= 0)
            close(b->mf_fd[k]);
    manifest_text_free(&b->mf);
    b->mf_open = 0;
}

/* ---- the batch ------------------------------------------------------------ */

unsigned vt_invite_jobs(unsigned asked)
{
    if (asked)
        return asked > VT_INVITE_MAX_JOBS ? VT_INVITE_MAX_JOBS : asked;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n <= 0)
        return 1;
    return n > VT_INVITE_MAX_JOBS ? VT_INVITE_MAX_JOBS : (unsigned)n;
}

/* Start the workers, wait for them (drawing progress meanwhile), and
 * gather their diagnostics in letter order of failure.  Under a memory or
 * thread limit fewer threads may start than asked: the batch goes on with
 * those (a letter does not depend on its thread) and says so; only when
 * none starts does it fail, with the reason.  *jobs gets the count. */
static vt_error run_workers(batch *b, unsigned *jobs, vt_diags *d)
{
    unsigned want = *jobs;
    worker *ws = calloc(want, sizeof *ws);
    pthread_t *tids = calloc(want, sizeof *tids);
    vt_error rc = ws && tids ? VT_OK : VT_ERR_NOMEM;
    unsigned started = 0;
    int err = 0;
    vt_diags wd;
    vt_diags_init(&wd);
    for (unsigned i = 0; rc == VT_OK && i < want; i++) {
        vt_error wrc = worker_init(&ws[i], b, &wd);
        if (wrc != VT_OK) {
            worker_free(&ws[i]);
            err = ENOMEM;
            if (wrc != VT_ERR_NOMEM || started == 0)
                rc = wrc;
            break;
        }
        pthread_mutex_lock(&b->lock);
        b->running++;
        pthread_mutex_unlock(&b->lock);
        if ((err = pthread_create(&tids[i], NULL, work, &ws[i])) != 0) {
            pthread_mutex_lock(&b->lock);
            b->running--;
            pthread_mutex_unlock(&b->lock);
            worker_free(&ws[i]);
            if (started == 0) {
                vt_diags_addf(d, "%s: cannot start a thread for the letters: "
                                 "%s",
                              b->dir, strerror(err));
                rc = VT_ERR_IO;
            }
            break;
        }
        started++;
    }
    for (size_t k = 0; k < wd.count; k++)
        vt_diags_addf(d, "%s", wd.msgs[k]);
    vt_diags_free(&wd);
    if (rc == VT_OK && started < want)
        vt_diags_addf(d, "%s: started %u of %u threads (%s); the batch went "
                         "on with %u",
                      b->dir, started, want, strerror(err), started);
    *jobs = started ? started : 1;
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
        if (b->o->on_progress)
            b->o->on_progress(b->o->on_progress_ctx, atomic_load(&b->done),
                              b->n);
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

/* The message of a batch stopped by SIGINT or SIGTERM (the command adds
 * the exit code); by then the stage is gone. */
static void report_stop(const batch *b, vt_diags *d)
{
    vt_diags_addf(d, "%s: interrupted; the letters of this run were removed "
                     "and the folder is as it was",
                  b->dir);
}

static void batch_free(batch *b)
{
    cursor_free(&b->row_cur);
    vt_buf_free(&b->row_text);
    free(b->first);
    free(b->suffixes);
    free(b->ready);
    free(b->size);
    free(b->sums);
    free(b->stage);
    free(b->moved);
    free(b->dir);
    pthread_mutex_destroy(&b->lock);
    pthread_cond_destroy(&b->cond);
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
    b.dir = trim_dir(dir);
    b.listing = o->dry_run ? listing : NULL;
    cursor_init(&b.row_cur, &b);
    vt_buf_init(&b.row_text);
    pthread_mutex_init(&b.lock, NULL);
    pthread_cond_init(&b.cond, NULL);
    rc = b.dir ? plan_letters(&b, d) : VT_ERR_NOMEM;
    if (rc == VT_OK && !o->dry_run)
        rc = prepare_dir(&b, d);
    if (rc == VT_OK && !o->dry_run && !o->pdf)
        rc = manifest_open(&b, d);
    unsigned jobs = vt_invite_jobs(o->jobs);
    if (jobs > b.n)
        jobs = b.n ? (unsigned)b.n : 1;
    if (rc == VT_OK)
        rc = run_workers(&b, &jobs, d);
    b.jobs = jobs;
    /* a stop between letters leaves the batch short: it must not go on */
    if (rc == VT_OK && (stopped(&b) || atomic_load(&b.done) != b.n))
        rc = VT_ERR_IO;
    if (rc == VT_OK && !o->dry_run && o->pdf)
        rc = invite_pdfs(&b, jobs, d);
    if (rc == VT_OK && !o->dry_run)
        rc = sync_dir(b.stage, d);
    if (rc == VT_OK && !o->dry_run)
        rc = b.mf_open ? manifest_finish(&b, d) : write_manifests(&b, d);
    manifest_close(&b);
    if (rc == VT_OK && !o->dry_run)
        rc = publish(&b, d);
    if (rc == VT_OK && !o->dry_run && o->on_file)
        rc = report_files(&b, d);
    if (rc != VT_OK && b.stage)
        remove_stage(b.stage);
    if (rc != VT_OK && b.created)
        rmdir(b.dir);
    if (stopped(&b) && rc != VT_OK) {
        report_stop(&b, d);
        rc = VT_ERR_IO;
    } else if (rc == VT_ERR_NOMEM && o->jobs != 1) {
        vt_diags_addf(d, "%s: out of memory with %u jobs; try fewer (-j 1)",
                      b.dir ? b.dir : dir, jobs);
    }
    if (res) {
        res->letters = b.n;
        res->clusters = plan->nclusters;
        res->jobs = jobs;
        res->seconds = now_seconds() - t0;
        res->bytes = b.bytes;
    }
    batch_free(&b);
    return rc;
}
