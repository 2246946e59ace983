/*
 * docx.c - DOCX packages: built from a template's parts, and packed from
 * the template folders.
 *
 * A package is written by zipw.c, not libzip: libzip 1.7.3 cannot take
 * precompressed data and deflates every small part with a fresh zlib
 * Huffman tree, which was most of a batch's CPU.  The template's parts are
 * read once (with libzip, which keeps every read of a clerk's file) as the
 * compressed bytes they are and copied as such into every package; the
 * generated parts are deflated by libdeflate.  Every entry carries the
 * same fixed time, so the same input always gives the same bytes.
 * Packing a template (once, at build time) still goes through libzip.
 */
#include "doc/docx.h"

#include "doc/zipw.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

static time_t fixed_mtime(void)
{
    /* mktime reads local time, and libzip writes DOS times in local time,
     * so the stamp is the same on every machine whatever its TZ */
    struct tm tm = {0};
    tm.tm_year = VT_DOCX_MTIME_YEAR - 1900;
    tm.tm_mon = 2;
    tm.tm_mday = 5;
    tm.tm_isdst = -1;
    return mktime(&tm);
}

static vt_error zip_fail(vt_diags *d, const char *what, zip_error_t *ze)
{
    vt_diags_addf(d, "cannot build the DOCX package (%s): %s", what,
                  ze ? zip_error_strerror(ze) : "unknown error");
    return VT_ERR_ZIP;
}

/* zip_close writes the archive into its memory source; read the finished
 * bytes back into out.  z is always gone afterwards. */
static vt_error close_and_read(zip_t *z, zip_source_t *mem, vt_buf *out,
                               vt_diags *d)
{
    if (zip_close(z) < 0) {
        vt_error rc = zip_fail(d, "writing", zip_get_error(z));
        zip_discard(z);
        return rc;
    }
    zip_stat_t st;
    if (zip_source_stat(mem, &st) < 0 || zip_source_open(mem) < 0)
        return zip_fail(d, "reading back", zip_source_error(mem));
    if (vt_buf_reserve(out, (size_t)st.size) != 0) {
        zip_source_close(mem);
        return VT_ERR_NOMEM;
    }
    zip_int64_t got = zip_source_read(mem, out->data + out->len, st.size);
    zip_source_close(mem);
    if (got < 0 || (zip_uint64_t)got != st.size)
        return zip_fail(d, "reading back", zip_source_error(mem));
    out->len += (size_t)got;
    out->data[out->len] = '\0';
    return VT_OK;
}

/* One entry of the template as its central directory describes it, with
 * its compressed bytes, so a package copies it without inflating it. */
typedef struct {
    const char *name;  /* owned by src */
    uint16_t method;
    uint32_t crc;
    uint64_t size;
    unsigned char *raw; /* compressed bytes */
    size_t raw_len;
    zip_int64_t index;  /* in src */
    /* the last package's generated text for this entry and its compressed
     * form: a header that names only the agency is the same in every
     * letter of a batch, and comparing it costs less than deflating it */
    vt_buf last_in, last_out;
    uint16_t last_method;
    uint32_t last_crc;
    int cached;
} tpl_entry;

struct vt_docx_writer {
    zip_t *src;       /* the template, open for reading parts */
    unsigned long long doc_index;
    vt_zipw *z;
    tpl_entry *e;     /* the template's entries but folders, in order */
    size_t ne;
};

/* The compressed bytes of entry i, for copying it raw. */
static vt_error read_raw(zip_t *src, zip_uint64_t i, tpl_entry *e,
                         vt_diags *d)
{
    zip_stat_t st;
    if (zip_stat_index(src, i, 0, &st) < 0)
        return zip_fail(d, "template part", zip_get_error(src));
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) &&
        st.encryption_method != ZIP_EM_NONE) {
        vt_diags_addf(d, "the template's part %s is encrypted", e->name);
        return VT_ERR_TEMPLATE;
    }
    e->method = st.comp_method;
    e->crc = st.crc;
    e->size = st.size;
    e->raw_len = (size_t)st.comp_size;
    e->raw = malloc(e->raw_len ? e->raw_len : 1);
    if (!e->raw)
        return VT_ERR_NOMEM;
    zip_file_t *f = zip_fopen_index(src, i, ZIP_FL_COMPRESSED);
    if (!f)
        return zip_fail(d, "template part", zip_get_error(src));
    zip_int64_t got = e->raw_len ? zip_fread(f, e->raw, e->raw_len) : 0;
    vt_error rc = VT_OK;
    if (got < 0 || (zip_uint64_t)got != e->raw_len)
        rc = zip_fail(d, "template part", zip_file_get_error(f));
    zip_fclose(f);
    return rc;
}

/* Read every entry but folders (OPC packages have none) once. */
static vt_error read_entries(vt_docx_writer *w, vt_diags *d)
{
    zip_int64_t n = zip_get_num_entries(w->src, 0);
    w->e = calloc(n > 0 ? (size_t)n : 1, sizeof *w->e);
    if (!w->e)
        return VT_ERR_NOMEM;
    for (zip_int64_t i = 0; i < n; i++) {
        const char *name = zip_get_name(w->src, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
        if (!name)
            return zip_fail(d, "template", zip_get_error(w->src));
        size_t nl = strlen(name);
        if (nl && name[nl - 1] == '/')
            continue;
        tpl_entry *e = &w->e[w->ne++];
        e->name = name;
        e->index = i;
        vt_error rc = read_raw(w->src, (zip_uint64_t)i, e, d);
        if (rc != VT_OK)
            return rc;
    }
    return VT_OK;
}

vt_error vt_docx_writer_open(const unsigned char *pkg, size_t pkg_len,
                             unsigned long long doc_index,
                             vt_docx_writer **out, vt_diags *d)
{
    *out = NULL;
    vt_docx_writer *w = calloc(1, sizeof *w);
    if (!w)
        return VT_ERR_NOMEM;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *in = zip_source_buffer_create(pkg, pkg_len, 0, &ze);
    if (in)
        w->src = zip_open_from_source(in, ZIP_RDONLY, &ze);
    if (!w->src) {
        zip_source_free(in);
        vt_error rc = zip_fail(d, "template", &ze);
        zip_error_fini(&ze);
        free(w);
        return rc;
    }
    zip_error_fini(&ze);
    w->doc_index = doc_index;
    w->z = vt_zipw_new(VT_DOCX_DEFLATE_LEVEL);
    vt_error rc = w->z ? read_entries(w, d) : VT_ERR_NOMEM;
    if (rc != VT_OK) {
        vt_docx_writer_free(w);
        return rc;
    }
    *out = w;
    return VT_OK;
}

void vt_docx_writer_free(vt_docx_writer *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->ne; i++) {
        free(w->e[i].raw);
        vt_buf_free(&w->e[i].last_in);
        vt_buf_free(&w->e[i].last_out);
    }
    free(w->e);
    vt_zipw_free(w->z);
    zip_close(w->src); /* read-only: frees without writing */
    free(w);
}

/* The generated part for entry i, or NULL to copy the entry. */
static const vt_docx_part *generated(const vt_docx_part *parts, size_t n,
                                     zip_int64_t i)
{
    for (size_t k = 0; k < n; k++)
        if (parts[k].index == (unsigned long long)i)
            return &parts[k];
    return NULL;
}

/* ---- pictures: added parts and the two parts that must name them ------ */

/* Read entry i of the template whole into out. */
static vt_error read_entry(zip_t *src, zip_uint64_t i, vt_buf *out,
                           vt_diags *d)
{
    zip_stat_t st;
    if (zip_stat_index(src, i, 0, &st) < 0 || st.size > (64u << 20))
        return zip_fail(d, "template part", zip_get_error(src));
    zip_file_t *f = zip_fopen_index(src, i, 0);
    if (!f)
        return zip_fail(d, "template part", zip_get_error(src));
    vt_error rc = VT_OK;
    if (vt_buf_reserve(out, (size_t)st.size) != 0) {
        rc = VT_ERR_NOMEM;
    } else {
        zip_int64_t got = zip_fread(f, out->data, st.size);
        if (got < 0 || (zip_uint64_t)got != st.size)
            rc = zip_fail(d, "template part", zip_file_get_error(f));
        else {
            out->len = (size_t)got;
            out->data[out->len] = '\0';
        }
    }
    zip_fclose(f);
    return rc;
}

/* Insert add before the last occurrence of close ("</Types>") in xml. */
static vt_error insert_before_close(vt_buf *xml, const char *close,
                                    const vt_buf *add, const char *part,
                                    vt_diags *d)
{
    const char *at = NULL;
    size_t cl = strlen(close);
    for (const char *s = xml->data; s && (s = strstr(s, close)); s += cl)
        at = s;
    if (!at) {
        vt_diags_addf(d, "the template's %s has no %s", part, close);
        return VT_ERR_TEMPLATE;
    }
    vt_buf r;
    vt_buf_init(&r);
    vt_buf_put(&r, xml->data, (size_t)(at - xml->data));
    vt_buf_put(&r, add->data, add->len);
    vt_buf_puts(&r, at);
    if (r.oom) {
        vt_buf_free(&r);
        return VT_ERR_NOMEM;
    }
    vt_buf_free(xml);
    *xml = r;
    return VT_OK;
}

/* The main document's relationships part: "word/document.xml" has
 * "word/_rels/document.xml.rels". */
static void rels_name(const char *doc, vt_buf *out)
{
    const char *slash = strrchr(doc, '/');
    size_t dir = slash ? (size_t)(slash - doc) + 1 : 0;
    vt_buf_put(out, doc, dir);
    vt_buf_printf(out, "_rels/%s.rels", doc + dir);
}

/* Rewrite [Content_Types].xml (ct) and the document's .rels (rels) of the
 * template for the pictures: both read from the template, patched as
 * text (vanthu's own parts, or a template Word saved: both plain XML). */
static vt_error media_parts(vt_docx_writer *w, const vt_docx_media *media,
                            size_t nmedia, vt_buf *ct, vt_buf *rels,
                            zip_int64_t *ct_i, zip_int64_t *rels_i,
                            vt_diags *d)
{
    const char *doc = zip_get_name(w->src, w->doc_index, ZIP_FL_ENC_RAW);
    vt_buf rn, add;
    vt_buf_init(&rn);
    vt_buf_init(&add);
    vt_error rc = VT_OK;
    if (!doc)
        return zip_fail(d, "template", zip_get_error(w->src));
    rels_name(doc, &rn);
    *ct_i = zip_name_locate(w->src, "[Content_Types].xml", 0);
    *rels_i = rn.oom ? -1 : zip_name_locate(w->src, rn.data, 0);
    if (*ct_i < 0 || *rels_i < 0) {
        vt_diags_addf(d, "the template has no %s, so pictures cannot be "
                         "added to it", *ct_i < 0 ? "[Content_Types].xml"
                                                  : rn.data);
        rc = VT_ERR_TEMPLATE;
        goto done;
    }
    if ((rc = read_entry(w->src, (zip_uint64_t)*ct_i, ct, d)) != VT_OK ||
        (rc = read_entry(w->src, (zip_uint64_t)*rels_i, rels, d)) != VT_OK)
        goto done;
    if (!strstr(ct->data, "Extension=\"png\"")) {
        vt_buf_puts(&add, "<Default Extension=\"png\" "
                          "ContentType=\"image/png\"/>");
        if ((rc = insert_before_close(ct, "</Types>", &add,
                                      "[Content_Types].xml", d)) != VT_OK)
            goto done;
    }
    const char *slash = strrchr(doc, '/');
    size_t dir = slash ? (size_t)(slash - doc) + 1 : 0;
    vt_buf_reset(&add);
    for (size_t i = 0; i < nmedia; i++) {
        if (zip_name_locate(w->src, media[i].name, 0) >= 0 ||
            strncmp(media[i].name, doc, dir) != 0) {
            vt_diags_addf(d, "the template already has a part %s",
                          media[i].name);
            rc = VT_ERR_TEMPLATE;
            goto done;
        }
        vt_buf_printf(&add, "<Relationship Id=\"%s\" Type=\"http://schemas."
                            "openxmlformats.org/officeDocument/2006/"
                            "relationships/image\" Target=\"%s\"/>",
                      media[i].rel_id, media[i].name + dir);
    }
    rc = insert_before_close(rels, "</Relationships>", &add, rn.data, d);
done:
    if (rc == VT_OK && (rn.oom || add.oom || ct->oom || rels->oom))
        rc = VT_ERR_NOMEM;
    vt_buf_free(&rn);
    vt_buf_free(&add);
    return rc;
}

/* Add a generated part, deflated, or copied from the compressed bytes of
 * the last package when its text is the same: libdeflate is
 * deterministic, so the bytes are those deflating would give. */
static void add_generated(vt_zipw *z, tpl_entry *e, const vt_docx_part *gen)
{
    if (e->cached && e->last_in.len == gen->len &&
        (gen->len == 0 || memcmp(e->last_in.data, gen->xml, gen->len) == 0)) {
        vt_zipw_add_raw(z, e->name, e->last_method, e->last_crc,
                        e->last_out.data, e->last_out.len, gen->len);
        return;
    }
    vt_zipw_add(z, e->name, gen->xml, gen->len, 1);
    const void *comp;
    size_t comp_len;
    e->cached = 0;
    if (vt_zipw_last(z, &e->last_method, &e->last_crc, &comp, &comp_len) != 0)
        return;
    vt_buf_reset(&e->last_in);
    vt_buf_reset(&e->last_out);
    vt_buf_put(&e->last_in, gen->xml, gen->len);
    vt_buf_put(&e->last_out, comp, comp_len);
    /* out of memory for the copy only costs the next package a deflate */
    e->cached = !e->last_in.oom && !e->last_out.oom;
    if (!e->cached) {
        vt_buf_free(&e->last_in);
        vt_buf_free(&e->last_out);
    }
}

vt_error vt_docx_writer_build_parts(vt_docx_writer *w,
                                    const vt_docx_part *parts, size_t nparts,
                                    vt_buf *out, vt_diags *d)
{
    return vt_docx_writer_build_media(w, parts, nparts, NULL, 0, out, d);
}

vt_error vt_docx_writer_build_media(vt_docx_writer *w,
                                    const vt_docx_part *parts, size_t nparts,
                                    const vt_docx_media *media, size_t nmedia,
                                    vt_buf *out, vt_diags *d)
{
    vt_error rc = VT_OK;
    vt_buf ct, rels;
    vt_buf_init(&ct);
    vt_buf_init(&rels);
    zip_int64_t ct_i = -1, rels_i = -1;
    size_t start = out->len;
    if (nmedia && (rc = media_parts(w, media, nmedia, &ct, &rels, &ct_i,
                                    &rels_i, d)) != VT_OK)
        goto done;
    vt_zipw_begin(w->z, out);
    for (size_t k = 0; k < w->ne; k++) {
        const tpl_entry *e = &w->e[k];
        const vt_docx_part *gen = generated(parts, nparts, e->index);
        vt_docx_part patched;
        if (nmedia && (e->index == ct_i || e->index == rels_i)) {
            const vt_buf *b = e->index == ct_i ? &ct : &rels;
            patched = (vt_docx_part){(unsigned long long)e->index, b->data,
                                     b->len};
            gen = &patched;
        }
        if (gen)
            add_generated(w->z, &w->e[k], gen);
        else
            vt_zipw_add_raw(w->z, e->name, e->method, e->crc, e->raw,
                            e->raw_len, e->size);
    }
    for (size_t k = 0; k < nmedia; k++)
        vt_zipw_add(w->z, media[k].name, media[k].data, media[k].len, 0);
    if (vt_zipw_end(w->z) != 0) {
        if (out->oom)
            rc = VT_ERR_NOMEM;
        else {
            vt_diags_addf(d, "cannot build the DOCX package: it would pass "
                             "the zip format's 4 GiB or 65,535 parts");
            rc = VT_ERR_ZIP;
        }
        out->len = start;
        if (out->cap)
            out->data[start] = '\0';
    }
done:
    vt_buf_free(&ct);
    vt_buf_free(&rels);
    return rc;
}

vt_error vt_docx_writer_build(vt_docx_writer *w, const char *xml,
                              size_t xml_len, vt_buf *out, vt_diags *d)
{
    vt_docx_part part = {w->doc_index, xml, xml_len};
    return vt_docx_writer_build_parts(w, &part, 1, out, d);
}

vt_error vt_docx_build(const unsigned char *pkg, size_t pkg_len,
                       unsigned long long doc_index, const char *xml,
                       size_t xml_len, vt_buf *out, vt_diags *d)
{
    vt_docx_writer *w;
    vt_error rc = vt_docx_writer_open(pkg, pkg_len, doc_index, &w, d);
    if (rc != VT_OK)
        return rc;
    rc = vt_docx_writer_build(w, xml, xml_len, out, d);
    vt_docx_writer_free(w);
    return rc;
}

/* ---- packing a template from its folders -------------------------------- */


typedef struct {
    char *rel, *full;
} part;

typedef struct {
    part *v;
    size_t n, cap;
} parts;

static int parts_put(parts *ps, const char *rel, const char *full)
{
    for (size_t i = 0; i < ps->n; i++)
        if (strcmp(ps->v[i].rel, rel) == 0) {
            char *f = strdup(full);
            if (!f)
                return -1;
            free(ps->v[i].full);
            ps->v[i].full = f;
            return 0;
        }
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 16;
        part *p = realloc(ps->v, cap * sizeof *p);
        if (!p)
            return -1;
        ps->v = p;
        ps->cap = cap;
    }
    ps->v[ps->n].rel = strdup(rel);
    ps->v[ps->n].full = strdup(full);
    if (!ps->v[ps->n].rel || !ps->v[ps->n].full)
        return -1;
    ps->n++;
    return 0;
}

static int walk(parts *ps, const char *root, const char *rel)
{
    vt_buf dir;
    vt_buf_init(&dir);
    vt_buf_printf(&dir, "%s%s%s", root, *rel ? "/" : "", rel);
    DIR *dp = opendir(dir.data);
    if (!dp) {
        vt_buf_free(&dir);
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(dp)) != NULL) {
        if (e->d_name[0] == '.' && (e->d_name[1] == '\0' ||
                                    (e->d_name[1] == '.' && e->d_name[2] == '\0')))
            continue;
        vt_buf r, f;
        vt_buf_init(&r);
        vt_buf_init(&f);
        vt_buf_printf(&r, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        vt_buf_printf(&f, "%s/%s", root, r.data);
        struct stat st;
        if (stat(f.data, &st) != 0)
            rc = -1;
        else if (S_ISDIR(st.st_mode))
            rc = walk(ps, root, r.data);
        else if (S_ISREG(st.st_mode))
            rc = parts_put(ps, r.data, f.data);
        vt_buf_free(&r);
        vt_buf_free(&f);
    }
    closedir(dp);
    vt_buf_free(&dir);
    return rc;
}

/* [Content_Types].xml first and the package relationships next, as Word
 * writes them; then by name, so the order never depends on the disk. */
static int part_rank(const char *rel)
{
    if (strcmp(rel, "[Content_Types].xml") == 0)
        return 0;
    if (strcmp(rel, "_rels/.rels") == 0)
        return 1;
    return 2;
}

static int part_cmp(const void *a, const void *b)
{
    const part *x = a, *y = b;
    int rx = part_rank(x->rel), ry = part_rank(y->rel);
    if (rx != ry)
        return rx - ry;
    return strcmp(x->rel, y->rel);
}

vt_error vt_pack_dirs(const char *const *dirs, size_t ndirs,
                      const char *out_path, vt_diags *d)
{
    parts ps = {0};
    vt_error rc = VT_OK;
    char **data = NULL;
    zip_t *z = NULL;
    zip_source_t *mem = NULL;
    zip_error_t ze;
    zip_error_init(&ze);
    vt_buf out;
    vt_buf_init(&out);
    for (size_t i = 0; i < ndirs; i++)
        if (walk(&ps, dirs[i], "") != 0) {
            vt_diags_addf(d, "%s: cannot read the template folder: %s",
                          dirs[i], strerror(errno));
            rc = VT_ERR_IO;
            goto done;
        }
    qsort(ps.v, ps.n, sizeof *ps.v, part_cmp);
    data = calloc(ps.n ? ps.n : 1, sizeof *data);
    mem = zip_source_buffer_create(NULL, 0, 0, &ze);
    if (!data || !mem) {
        rc = VT_ERR_NOMEM;
        goto done;
    }
    zip_source_keep(mem);
    z = zip_open_from_source(mem, ZIP_TRUNCATE, &ze);
    if (!z) {
        rc = zip_fail(d, "output", &ze);
        goto done;
    }
    time_t mtime = fixed_mtime();
    for (size_t i = 0; i < ps.n; i++) {
        size_t len;
        if (vt_read_file(ps.v[i].full, 64u << 20, &data[i], &len) != 0) {
            vt_diags_addf(d, "%s: cannot read: %s", ps.v[i].full,
                          strerror(errno));
            rc = VT_ERR_IO;
            goto done;
        }
        zip_source_t *s = zip_source_buffer(z, data[i], len, 0);
        zip_int64_t idx = s ? zip_file_add(z, ps.v[i].rel, s, ZIP_FL_ENC_UTF_8)
                            : -1;
        if (idx < 0) {
            zip_source_free(s);
            rc = zip_fail(d, ps.v[i].rel, zip_get_error(z));
            goto done;
        }
        if (zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 9) < 0 ||
            zip_file_set_mtime(z, (zip_uint64_t)idx, mtime, 0) < 0) {
            rc = zip_fail(d, ps.v[i].rel, zip_get_error(z));
            goto done;
        }
    }
    rc = close_and_read(z, mem, &out, d);
    z = NULL;
    if (rc != VT_OK)
        goto done;
    rc = vt_write_atomic(out_path, out.data, out.len, VT_WRITE_SYNC, d);
done:
    if (z)
        zip_discard(z);
    zip_source_free(mem);
    for (size_t i = 0; i < ps.n; i++) {
        free(ps.v[i].rel);
        free(ps.v[i].full);
        if (data)
            free(data[i]);
    }
    free(ps.v);
    free(data);
    vt_buf_free(&out);
    zip_error_fini(&ze);
    return rc;
}
