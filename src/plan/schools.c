/*
 * schools.c - a cluster's schools, wherever the plan reader put them, and
 * the check that no school is in two clusters.
 *
 * A province's batch plan lists a million schools.  Kept in the model they
 * would cost about 45 bytes each, more than the whole memory a batch may
 * use (docs/memory.md), so past vt_limits.spill_schools the plan reader
 * writes each further cluster's schools to a temporary file (the spill)
 * and keeps only where they are.  Everything that reads schools goes
 * through vt_cluster_schools, which hands back the model's own arrays or
 * reads one cluster's block of the spill into the caller's list.
 *
 * A cluster's block is its schools end to end, each as its line and
 * column (4 bytes each, little-endian) and its cleaned name with a NUL.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/sha256.h"
#include "plan/model.h"

void vt_school_list_init(vt_school_list *s)
{
    memset(s, 0, sizeof *s);
}

void vt_school_list_free(vt_school_list *s)
{
    free(s->text);
    free(s->names_buf);
    free(s->pos_buf);
    vt_school_list_init(s);
}

static void put_u32(vt_buf *b, uint32_t v)
{
    char le[4] = {(char)(v & 0xff), (char)(v >> 8 & 0xff),
                  (char)(v >> 16 & 0xff), (char)(v >> 24)};
    vt_buf_put(b, le, 4);
}

void vt_school_spill_put(vt_buf *b, vt_pos at, const char *name, size_t len)
{
    put_u32(b, (uint32_t)at.line);
    put_u32(b, (uint32_t)at.col);
    vt_buf_put(b, name, len);
    vt_buf_putc(b, '\0');
}

static uint32_t get_u32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
           (uint32_t)b[3] << 24;
}

/* Read len bytes at off, whatever pread returns at a time. */
static int read_at(int fd, char *buf, size_t len, unsigned long long off)
{
    while (len) {
        ssize_t k = pread(fd, buf, len, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return k < 0 ? errno : EIO;
        buf += k;
        len -= (size_t)k;
        off += (unsigned long long)k;
    }
    return 0;
}

/* Room for n schools and len bytes of their block. */
static int reserve(vt_school_list *s, size_t n, size_t len)
{
    if (len > s->text_cap) {
        char *t = realloc(s->text, len);
        if (!t)
            return -1;
        s->text = t;
        s->text_cap = len;
    }
    if (n > s->cap) {
        const char **names = realloc(s->names_buf, n * sizeof *names);
        if (names)
            s->names_buf = names;
        vt_pos *pos = names ? realloc(s->pos_buf, n * sizeof *pos) : NULL;
        if (!pos)
            return -1;
        s->pos_buf = pos;
        s->cap = n;
    }
    return 0;
}

/* Split a cluster's block into its n schools; 0, or -1 if the block does
 * not hold exactly n of them (the file was changed under us). */
static int split_block(vt_school_list *s, size_t n, size_t len)
{
    const unsigned char *b = (const unsigned char *)s->text;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        if (len - at < 9)
            return -1;
        s->pos_buf[i].line = (int)get_u32(b + at);
        s->pos_buf[i].col = (int)get_u32(b + at + 4);
        const char *name = s->text + at + 8;
        const char *end = memchr(name, '\0', len - at - 8);
        if (!end)
            return -1;
        s->names_buf[i] = name;
        at = (size_t)(end - s->text) + 1;
    }
    return at == len ? 0 : -1;
}

vt_error vt_cluster_schools(const vt_plan *p, size_t cluster,
                            vt_school_list *s, vt_diags *d)
{
    const vt_cluster *c = &p->clusters[cluster];
    s->n = c->nschools;
    if (c->schools || c->nschools == 0 || !p->spilled) {
        s->names = c->schools;
        s->pos = c->school_pos;
        return VT_OK;
    }
    if (reserve(s, c->nschools, c->spill_len) != 0)
        return VT_ERR_NOMEM;
    int err = read_at(p->spill_fd, s->text, c->spill_len, c->spill_off);
    if (err == 0 && split_block(s, c->nschools, c->spill_len) != 0)
        err = EIO;
    if (err) {
        vt_diags_addf(d, "%s: cannot read back the schools of <cluster "
                         "name=\"%s\"> from the temporary file they were "
                         "kept in: %s",
                      p->path, c->name ? c->name : "", strerror(err));
        return VT_ERR_IO;
    }
    s->names = s->names_buf;
    s->pos = s->pos_buf;
    return VT_OK;
}

/* ---- a school in two clusters ------------------------------------------- */

/* Duplicate schools across clusters are almost always a copy-paste slip;
 * a school would receive two invitations for different days.  The check
 * must not hold a province's million names at once, so it first sorts a
 * 64-bit hash of each (8 bytes a school), then reads the schools again and
 * keeps only those whose hash came up twice: the real duplicates and, very
 * rarely, two names that merely hash alike, told apart by comparing them.
 * The duplicates are reported sorted by name, each after the first of its
 * name, in plan order. */

typedef struct {
    char *name;
    size_t cluster;
    size_t k; /* the school's number in plan order */
    vt_pos pos;
} candidate;

/* Sift a[i] down the max-heap a[0..n). */
static void sift_down(uint64_t *a, size_t i, size_t n)
{
    uint64_t v = a[i];
    for (size_t c; (c = 2 * i + 1) < n; i = c) {
        if (c + 1 < n && a[c + 1] > a[c])
            c++;
        if (a[c] <= v)
            break;
        a[i] = a[c];
    }
    a[i] = v;
}

/* Heapsort, in place: glibc's qsort would take a second array as large as
 * the first (8 MB for a million schools) to merge into. */
static void sort_u64(uint64_t *a, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(a, i, n);
    for (size_t end = n; end-- > 1;) {
        uint64_t t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift_down(a, 0, end);
    }
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int candidate_cmp(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->k > y->k) - (x->k < y->k);
}

/* Every school's hash, in plan order, then sorted; NULL on failure (rc
 * says why). */
static uint64_t *sorted_hashes(const vt_plan *pl, size_t n,
                               vt_school_list *s, vt_diags *d, vt_error *rc)
{
    uint64_t *h = malloc(n * sizeof *h);
    *rc = h ? VT_OK : VT_ERR_NOMEM;
    for (size_t i = 0, k = 0; i < pl->nclusters && *rc == VT_OK; i++) {
        *rc = vt_cluster_schools(pl, i, s, d);
        for (size_t j = 0; *rc == VT_OK && j < s->n; j++)
            h[k++] = vt_hash_str(s->names[j]);
    }
    if (*rc != VT_OK) {
        free(h);
        return NULL;
    }
    sort_u64(h, n);
    return h;
}

/* Keep in h only the hashes that occur more than once; their count. */
static size_t repeated(uint64_t *h, size_t n)
{
    size_t m = 0;
    for (size_t i = 1; i < n; i++)
        if (h[i] == h[i - 1] && (m == 0 || h[m - 1] != h[i]))
            h[m++] = h[i];
    return m;
}

/* The schools whose hash is among the m repeated ones, in *out. */
static vt_error gather(const vt_plan *pl, const uint64_t *h, size_t m,
                       vt_school_list *s, candidate **out, size_t *nout,
                       vt_diags *d)
{
    size_t cap = 0;
    vt_error rc = VT_OK;
    for (size_t i = 0, k = 0; i < pl->nclusters && rc == VT_OK; i++) {
        rc = vt_cluster_schools(pl, i, s, d);
        for (size_t j = 0; rc == VT_OK && j < s->n; j++, k++) {
            uint64_t x = vt_hash_str(s->names[j]);
            if (!bsearch(&x, h, m, sizeof *h, u64_cmp))
                continue;
            if (*nout == cap) {
                cap = cap ? 2 * cap : 16;
                candidate *c = realloc(*out, cap * sizeof *c);
                if (!c) {
                    rc = VT_ERR_NOMEM;
                    break;
                }
                *out = c;
            }
            candidate *c = &(*out)[*nout];
            if (!(c->name = strdup(s->names[j]))) {
                rc = VT_ERR_NOMEM;
                break;
            }
            c->cluster = i;
            c->k = k;
            c->pos = s->pos ? s->pos[j] : (vt_pos){0, 0};
            (*nout)++;
        }
    }
    return rc;
}

static void report(const vt_plan *pl, const candidate *c, size_t n,
                   vt_diags *d, int *bad)
{
    for (size_t i = 1, f = 0; i < n; i++) {
        if (strcmp(c[f].name, c[i].name) != 0) {
            f = i;
            continue;
        }
        vt_diags_addf(d,
                      "%s:%d:%d: <school> \"%s\" is listed twice (in \"%s\" "
                      "and \"%s\"); a school belongs to one cluster",
                      pl->path, c[i].pos.line, c[i].pos.col, c[i].name,
                      pl->clusters[c[f].cluster].name,
                      pl->clusters[c[i].cluster].name);
        *bad = 1;
    }
}

int vt_check_schools(const vt_plan *pl, vt_diags *d)
{
    size_t n = 0;
    for (size_t i = 0; i < pl->nclusters; i++)
        n += pl->clusters[i].nschools;
    if (n < 2)
        return 0;
    vt_school_list s;
    vt_school_list_init(&s);
    vt_error rc;
    candidate *c = NULL;
    size_t nc = 0;
    int bad = 0;
    uint64_t *h = sorted_hashes(pl, n, &s, d, &rc);
    size_t m = h ? repeated(h, n) : 0;
    if (h && m)
        rc = gather(pl, h, m, &s, &c, &nc, d);
    free(h);
    if (rc == VT_OK && nc) {
        qsort(c, nc, sizeof *c, candidate_cmp);
        report(pl, c, nc, d, &bad);
    }
    for (size_t i = 0; i < nc; i++)
        free(c[i].name);
    free(c);
    vt_school_list_free(&s);
    return rc == VT_ERR_NOMEM ? -1 : rc != VT_OK ? -2 : bad;
}
