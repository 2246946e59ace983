/*
 * sigpdf.c - the PDF side of a signature: the incremental update with its
 * placeholders, the byte ranges, and finding the signatures of a file.
 *
 * Kept apart from the crypto (sign.c) so that the layout, which is where
 * PDF signatures usually go wrong, can be tested without keys.  The
 * update only appends: the new signature value, a signature field that is
 * also an invisible widget on page 1, and new versions of the objects
 * that must point at it (the page's /Annots, the catalog's /AcroForm).
 */
#include "pdf/sign.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pdf/pdfobj.h"
#include "base/sha256.h"

/* Added where an object is missing from a hybrid file's classic tables. */
#define HYBRID_HINT " (it may be in the PDF 1.5 compressed part, which " \
                    "vanthu does not read: qpdf --object-streams=disable)"
/* Width reserved for "[0 a b c]": four numbers of up to 15 digits. */
#define BR_WIDTH 64
/* Signature fields vanthu looks at, at most. */
#define MAX_FIELDS 10000

/* ---- text --------------------------------------------------------------- */

/* One code point from UTF-8 at *p (U+FFFD for a bad sequence). */
static uint32_t utf8_next(const unsigned char **p, const unsigned char *end)
{
    const unsigned char *s = *p;
    uint32_t c = *s++;
    int more = c >= 0xF0 && c < 0xF5 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 ? 1 : 0;
    if (c >= 0x80 && !more) {
        *p = s;
        return 0xFFFD;
    }
    if (more)
        c &= 0x3F >> more;
    for (int k = 0; k < more; k++) {
        if (s >= end || (*s & 0xC0) != 0x80) {
            *p = s;
            return 0xFFFD;
        }
        c = c << 6 | (*s++ & 0x3F);
    }
    *p = s;
    return c > 0x10FFFF || (c >= 0xD800 && c < 0xE000) ? 0xFFFD : c;
}

/* A UTF-8 string as a PDF text string: <FEFF...> in UTF-16BE. */
static void put_text_string(vt_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    vt_buf_puts(b, "<FEFF");
    while (p < end) {
        uint32_t c = utf8_next(&p, end);
        if (c >= 0x10000) {
            c -= 0x10000;
            vt_buf_printf(b, "%04X%04X", 0xD800 + (unsigned)(c >> 10),
                          0xDC00 + (unsigned)(c & 0x3FF));
        } else {
            vt_buf_printf(b, "%04X", (unsigned)c);
        }
    }
    vt_buf_putc(b, '>');
}

static void put_utf8(vt_buf *b, uint32_t c)
{
    if (c < 0x80) {
        vt_buf_putc(b, (char)c);
    } else if (c < 0x800) {
        vt_buf_putc(b, (char)(0xC0 | c >> 6));
        vt_buf_putc(b, (char)(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        vt_buf_putc(b, (char)(0xE0 | c >> 12));
        vt_buf_putc(b, (char)(0x80 | ((c >> 6) & 0x3F)));
        vt_buf_putc(b, (char)(0x80 | (c & 0x3F)));
    } else {
        vt_buf_putc(b, (char)(0xF0 | c >> 18));
        vt_buf_putc(b, (char)(0x80 | ((c >> 12) & 0x3F)));
        vt_buf_putc(b, (char)(0x80 | ((c >> 6) & 0x3F)));
        vt_buf_putc(b, (char)(0x80 | (c & 0x3F)));
    }
}

/* A PDF text string's bytes as UTF-8 (UTF-16BE with a BOM, else
 * PDFDocEncoding read as Latin-1); control characters become '?', so
 * that a hostile name cannot play tricks on a terminal.  Caller frees. */
static char *text_to_utf8(const unsigned char *s, size_t n)
{
    vt_buf b;
    vt_buf_init(&b);
    if (n >= 2 && s[0] == 0xFE && s[1] == 0xFF) {
        for (size_t i = 2; i + 1 < n; i += 2) {
            uint32_t c = (uint32_t)s[i] << 8 | s[i + 1];
            if (c >= 0xD800 && c < 0xDC00 && i + 3 < n) {
                uint32_t lo = (uint32_t)s[i + 2] << 8 | s[i + 3];
                if (lo >= 0xDC00 && lo < 0xE000) {
                    c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
                    i += 2;
                }
            }
            if (c >= 0xD800 && c < 0xE000)
                c = 0xFFFD;
            put_utf8(&b, c < 0x20 || c == 0x7F ? '?' : c);
        }
    } else {
        for (size_t i = 0; i < n; i++)
            put_utf8(&b, s[i] < 0x20 || s[i] == 0x7F ? '?' : s[i]);
    }
    vt_buf_putc(&b, 0);
    if (b.oom) {
        vt_buf_free(&b);
        return NULL;
    }
    return b.data;
}

/* ---- the update ---------------------------------------------------------- */

/* An object rewritten or added by the update. */
typedef struct {
    long long num;
    int gen;
    vt_pdf_obj *value; /* NULL: written by hand (the signature value) */
    size_t offset;
} upd_obj;

typedef struct {
    upd_obj objs[8];
    size_t n;
} update;

static int upd_add(update *u, long long num, int gen, vt_pdf_obj *value)
{
    if (u->n == sizeof u->objs / sizeof u->objs[0])
        return -1;
    u->objs[u->n++] = (upd_obj){num, gen, value, 0};
    return 0;
}

/* The update's copy of object num to change, made on first use: when a
 * hostile file makes one object play two parts (the page is also the
 * form, /Annots is also /Fields), both changes land in the same copy
 * instead of one overwriting the other.  NULL if the object is missing
 * or not of the kind wanted. */
static vt_pdf_obj *upd_edit(vt_pdf_doc *doc, update *u, long long num, int gen,
                            vt_pdf_kind want)
{
    for (size_t i = 0; i < u->n; i++)
        if (u->objs[i].num == num)
            return u->objs[i].value && u->objs[i].value->kind == want
                       ? u->objs[i].value : NULL;
    vt_pdf_obj *orig = vt_pdf_get(doc, num, NULL);
    if (!orig || orig->kind != want)
        return NULL;
    vt_pdf_obj *copy = vt_pdf_copy(&doc->arena, orig);
    if (!copy || upd_add(u, num, gen, copy) != 0)
        return NULL;
    return copy;
}

/* Append item to the array dict[key] (inline, or an object of its own
 * rewritten in the update), creating it if absent; -1 if it is not an
 * array or there is no memory. */
static int append_to_array(vt_pdf_doc *doc, update *u, vt_pdf_obj *dict,
                           const char *key, vt_pdf_obj *item)
{
    vt_arena *a = &doc->arena;
    vt_pdf_obj *cur = vt_pdf_dict_get(dict, key), *arr;
    if (cur && cur->kind == VT_PDF_REF) {
        arr = upd_edit(doc, u, cur->num, cur->gen, VT_PDF_ARRAY);
        if (!arr)
            return -1;
        /* the same array as /Fields and /Annots: the field once */
        for (size_t i = 0; i < arr->n; i++)
            if (arr->items[i]->kind == VT_PDF_REF &&
                arr->items[i]->num == item->num)
                return 0;
        return vt_pdf_array_push(a, arr, item);
    }
    if (cur && cur->kind != VT_PDF_ARRAY && cur->kind != VT_PDF_NULL)
        return -1;
    arr = cur && cur->kind == VT_PDF_ARRAY ? vt_pdf_copy(a, cur)
                                           : vt_pdf_new(a, VT_PDF_ARRAY);
    if (!arr || vt_pdf_array_push(a, arr, item) != 0)
        return -1;
    return vt_pdf_dict_set(a, dict, key, arr);
}

/* The gen of object num as the newest xref gives it. */
static int gen_of(const vt_pdf_doc *doc, long long num)
{
    return num >= 0 && (size_t)num < doc->nxref ? doc->xref[num].gen : 0;
}

/* Point the catalog's form and page 1's annotations at the new field. */
static vt_error link_field(vt_pdf_doc *doc, update *u, vt_pdf_obj *field_ref,
                           long long page_num, const char *name, vt_diags *d)
{
    vt_arena *a = &doc->arena;
    vt_pdf_obj *root_ref = vt_pdf_dict_get(doc->trailer, "Root");
    vt_pdf_obj *root = vt_pdf_resolve(doc, root_ref);
    vt_pdf_obj *three = vt_pdf_new_raw(a, VT_PDF_NUM, "3");
    if (!three)
        return VT_ERR_NOMEM;
    vt_pdf_obj *af = vt_pdf_dict_get(root, "AcroForm"), *form = NULL;
    if (af && af->kind == VT_PDF_REF) {
        form = upd_edit(doc, u, af->num, af->gen, VT_PDF_DICT);
    } else if (!af || af->kind == VT_PDF_DICT) {
        vt_pdf_obj *cat = upd_edit(doc, u, root_ref->num, root_ref->gen,
                                   VT_PDF_DICT);
        vt_pdf_obj *inline_af = vt_pdf_dict_get(cat, "AcroForm");
        form = inline_af && inline_af->kind == VT_PDF_DICT
                   ? vt_pdf_copy(a, inline_af) : vt_pdf_new(a, VT_PDF_DICT);
        if (!cat || !form || vt_pdf_dict_set(a, cat, "AcroForm", form) != 0)
            return VT_ERR_NOMEM;
    }
    if (!form) {
        vt_diags_addf(d, "%s: the catalog's /AcroForm is not a dictionary",
                      name);
        return VT_ERR_PDF;
    }
    if (append_to_array(doc, u, form, "Fields", field_ref) != 0 ||
        vt_pdf_dict_set(a, form, "SigFlags", three) != 0) {
        vt_diags_addf(d, "%s: the form's /Fields is not an array", name);
        return VT_ERR_PDF;
    }
    vt_pdf_obj *pg = upd_edit(doc, u, page_num, gen_of(doc, page_num),
                              VT_PDF_DICT);
    if (!pg || append_to_array(doc, u, pg, "Annots", field_ref) != 0) {
        vt_diags_addf(d, "%s: page 1's /Annots is not an array", name);
        return VT_ERR_PDF;
    }
    return a->oom ? VT_ERR_NOMEM : VT_OK;
}

static void pdf_date(vt_buf *b, long long when)
{
    time_t t = (time_t)when;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        memset(&tm, 0, sizeof tm);
    vt_buf_printf(b, "(D:%04d%02d%02d%02d%02d%02dZ)", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The signature value: the only object with placeholders. */
static void write_sig_value(vt_buf *b, const vt_sig_fields *f,
                            vt_sig_layout *lay)
{
    vt_buf_printf(b, "<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /%s\n"
                     "/ByteRange ", f->subfilter);
    lay->br_pos = b->len;
    lay->br_width = BR_WIDTH;
    for (size_t i = 0; i < BR_WIDTH; i++)
        vt_buf_putc(b, ' ');
    vt_buf_puts(b, "\n/Contents ");
    lay->hole_start = b->len;
    vt_buf_putc(b, '<');
    if (vt_buf_reserve(b, f->contents_bytes * 2) == 0) {
        memset(b->data + b->len, '0', f->contents_bytes * 2);
        b->len += f->contents_bytes * 2;
    }
    vt_buf_putc(b, '>');
    lay->hole_end = b->len;
    vt_buf_puts(b, "\n/M ");
    pdf_date(b, f->when);
    if (f->signer && *f->signer) {
        vt_buf_puts(b, " /Name ");
        put_text_string(b, f->signer);
    }
    vt_buf_puts(b, ">>");
}

static int cmp_upd(const void *x, const void *y)
{
    const upd_obj *a = x, *b = y;
    return (a->num > b->num) - (a->num < b->num);
}

/* The new trailer's /ID: the first part kept, the second derived from
 * the original bytes (deterministic, and different from before). */
static void write_id(vt_buf *b, vt_pdf_doc *doc, const char *in, size_t len)
{
    char hex[65];
    vt_sha256_hex(in, len, hex);
    hex[32] = 0;
    vt_pdf_obj *id = vt_pdf_dict_get(doc->trailer, "ID");
    vt_buf_puts(b, "/ID [");
    if (id && id->kind == VT_PDF_ARRAY && id->n == 2 &&
        id->items[0]->kind == VT_PDF_STRING)
        vt_pdf_write(b, id->items[0]);
    else
        vt_buf_printf(b, "<%s>", hex);
    vt_buf_printf(b, " <%s>]", hex);
}

/* What both forms of the new trailer say: the catalog, the document
 * information, the previous section and the /ID. */
static void write_trailer_entries(vt_buf *b, vt_pdf_doc *doc, const char *in,
                                  size_t len)
{
    vt_buf_puts(b, " /Root ");
    vt_pdf_write(b, vt_pdf_dict_get(doc->trailer, "Root"));
    vt_pdf_obj *info = vt_pdf_dict_get(doc->trailer, "Info");
    if (info && info->kind == VT_PDF_REF) {
        vt_buf_puts(b, " /Info ");
        vt_pdf_write(b, info);
    }
    vt_buf_printf(b, " /Prev %zu\n", doc->startxref);
    write_id(b, doc, in, len);
}

/* A classic table: one subsection per object. */
static void write_xref_table(vt_buf *b, vt_pdf_doc *doc, const update *u,
                             long long size, const char *in, size_t len)
{
    vt_buf_puts(b, "xref\n");
    for (size_t i = 0; i < u->n; i++)
        vt_buf_printf(b, "%lld 1\n%010zu %05d n \n", u->objs[i].num,
                      u->objs[i].offset, u->objs[i].gen);
    vt_buf_printf(b, "trailer\n<</Size %lld", size);
    write_trailer_entries(b, doc, in, len);
    vt_buf_puts(b, ">>\n");
}

static void put_be(vt_buf *b, unsigned long long v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--)
        vt_buf_putc(b, (char)(v >> (8 * i) & 0xFF));
}

/* A cross-reference stream (object xnum, uncompressed), for a file whose
 * newest section is one: readers expect the update in the same form. */
static void write_xref_stream(vt_buf *b, vt_pdf_doc *doc, const update *u,
                              long long xnum, const char *in, size_t len)
{
    size_t self = b->len;
    vt_buf_printf(b, "%lld 0 obj\n<</Type /XRef /Size %lld /W [1 4 2] /Index [",
                  xnum, xnum + 1);
    for (size_t i = 0; i < u->n; i++)
        vt_buf_printf(b, "%lld 1 ", u->objs[i].num);
    vt_buf_printf(b, "%lld 1]", xnum);
    write_trailer_entries(b, doc, in, len);
    vt_buf_printf(b, " /Length %zu>>\nstream\n", (u->n + 1) * 7);
    for (size_t i = 0; i < u->n; i++) {
        vt_buf_putc(b, 1);
        put_be(b, u->objs[i].offset, 4);
        put_be(b, (unsigned)u->objs[i].gen, 2);
    }
    vt_buf_putc(b, 1);
    put_be(b, self, 4);
    put_be(b, 0, 2);
    vt_buf_puts(b, "\nendstream\nendobj\n");
}

static void write_update(vt_buf *b, vt_pdf_doc *doc, update *u,
                         long long sig_num, const vt_sig_fields *f,
                         vt_sig_layout *lay, const char *in, size_t len)
{
    qsort(u->objs, u->n, sizeof u->objs[0], cmp_upd);
    if (len && in[len - 1] != '\n' && in[len - 1] != '\r')
        vt_buf_putc(b, '\n');
    for (size_t i = 0; i < u->n; i++) {
        upd_obj *o = &u->objs[i];
        o->offset = b->len;
        vt_buf_printf(b, "%lld %d obj\n", o->num, o->gen);
        if (o->num == sig_num)
            write_sig_value(b, f, lay);
        else
            vt_pdf_write(b, o->value);
        vt_buf_puts(b, "\nendobj\n");
    }
    size_t xref = b->len;
    if (doc->xref_stream)
        write_xref_stream(b, doc, u, sig_num + 2, in, len);
    else
        write_xref_table(b, doc, u, sig_num + 2, in, len);
    vt_buf_printf(b, "startxref\n%zu\n%%%%EOF\n", xref);
}

/* A certification signature (catalog /Perms /DocMDP) whose transform
 * parameters say /P 1: no change at all, not even another signature. */
static int no_changes_allowed(vt_pdf_doc *doc, vt_pdf_obj *root)
{
    vt_pdf_obj *perms = vt_pdf_resolve(doc, vt_pdf_dict_get(root, "Perms"));
    vt_pdf_obj *sig = vt_pdf_resolve(doc, vt_pdf_dict_get(perms, "DocMDP"));
    vt_pdf_obj *refs = vt_pdf_resolve(doc, vt_pdf_dict_get(sig, "Reference"));
    if (!refs || refs->kind != VT_PDF_ARRAY)
        return 0;
    for (size_t i = 0; i < refs->n; i++) {
        vt_pdf_obj *r = vt_pdf_resolve(doc, refs->items[i]);
        if (!vt_pdf_is_name(vt_pdf_dict_get(r, "TransformMethod"), "DocMDP"))
            continue;
        vt_pdf_obj *params = vt_pdf_resolve(doc, vt_pdf_dict_get(r, "TransformParams"));
        vt_pdf_obj *p = vt_pdf_dict_get(params, "P");
        if (p && p->kind == VT_PDF_NUM && p->is_int && p->num == 1)
            return 1;
    }
    return 0;
}

vt_error vt_pdf_sig_prepare(const char *name, const char *in, size_t len,
                            const vt_sig_fields *f, vt_buf *out,
                            vt_sig_layout *lay, vt_diags *d)
{
    vt_pdf_doc doc;
    vt_error rc = vt_pdf_open(name, in, len, &doc, d);
    if (lay)
        memset(lay, 0, sizeof *lay);
    vt_pdf_obj *page = NULL, *root_ref = NULL, *root = NULL;
    long long page_num = -1;
    if (rc == VT_OK) {
        root_ref = vt_pdf_dict_get(doc.trailer, "Root");
        root = vt_pdf_resolve(&doc, root_ref);
        if (!root_ref || root_ref->kind != VT_PDF_REF || !root ||
            root->kind != VT_PDF_DICT) {
            vt_diags_addf(d, "%s: the PDF has no readable catalog (/Root)%s",
                          name, doc.hybrid ? HYBRID_HINT : "");
            rc = VT_ERR_PDF;
        }
    }
    if (rc == VT_OK && no_changes_allowed(&doc, root)) {
        vt_diags_addf(d, "%s: the PDF is certified with no changes allowed "
                         "(DocMDP /P 1): another signature would break its "
                         "certification", name);
        rc = VT_ERR_PDF;
    }
    if (rc == VT_OK && (page_num = vt_pdf_first_page(&doc, &page, d, name)) < 0)
        rc = VT_ERR_PDF;
    if (rc == VT_OK && (doc.size > VT_PDF_MAX_OBJECTS - 3 ||
                        doc.nxref > VT_PDF_MAX_OBJECTS - 3 ||
                        (doc.xref_stream && len > UINT32_MAX - 2 * 65536))) {
        vt_diags_addf(d, "%s: the PDF has too many objects", name);
        rc = VT_ERR_PDF;
    }
    update u = {.n = 0};
    /* new numbers past both /Size and the table: a /Size too small must
     * not make the update overwrite an object */
    long long first = doc.size > (long long)doc.nxref ? doc.size
                                                       : (long long)doc.nxref;
    long long sig_num = first, field_num = first + 1;
    vt_arena *a = &doc.arena;
    if (rc == VT_OK) {
        vt_pdf_obj *field_ref = vt_pdf_new_ref(a, field_num, 0);
        rc = field_ref ? link_field(&doc, &u, field_ref, page_num, name, d)
                       : VT_ERR_NOMEM;
    }
    if (rc == VT_OK) {
        /* the field and its widget in one dictionary, invisible, printed
         * and locked; its name unique through its object number */
        char text[512];
        snprintf(text, sizeof text,
                 "<</Type /Annot /Subtype /Widget /FT /Sig /T (Signature%lld) "
                 "/V %lld 0 R /F 132 /Rect [0 0 0 0] /P %lld %d R>>",
                 field_num, sig_num, page_num, gen_of(&doc, page_num));
        size_t pos = 0;
        const char *err;
        /* parsed from an arena copy: the tokens point into it */
        char *copy = vt_arena_strdup(a, text);
        vt_pdf_obj *field = copy ? vt_pdf_parse_value(a, copy, strlen(copy), &pos, &err) : NULL;
        if (!field || upd_add(&u, sig_num, 0, NULL) != 0 ||
            upd_add(&u, field_num, 0, field) != 0)
            rc = VT_ERR_NOMEM;
    }
    if (rc == VT_OK && !out) { /* only checking */
        vt_pdf_close(&doc);
        return a->oom ? VT_ERR_NOMEM : VT_OK;
    }
    if (rc == VT_OK) {
        vt_buf_put(out, in, len);
        write_update(out, &doc, &u, sig_num, f, lay, in, len);
        if (out->oom || a->oom)
            rc = VT_ERR_NOMEM;
    }
    if (rc == VT_OK) {
        char br[BR_WIDTH + 1];
        int n = snprintf(br, sizeof br, "[0 %zu %zu %zu]", lay->hole_start,
                         lay->hole_end, out->len - lay->hole_end);
        memcpy(out->data + lay->br_pos, br, (size_t)n);
    }
    vt_pdf_close(&doc);
    return rc;
}

void vt_pdf_sig_digest(const vt_buf *out, const vt_sig_layout *lay,
                       unsigned char digest[32])
{
    vt_sha256 s;
    vt_sha256_init(&s);
    vt_sha256_update(&s, out->data, lay->hole_start);
    vt_sha256_update(&s, out->data + lay->hole_end, out->len - lay->hole_end);
    vt_sha256_final(&s, digest);
}

int vt_pdf_sig_fill(vt_buf *out, const vt_sig_layout *lay,
                    const unsigned char *der, size_t der_len)
{
    static const char hex[] = "0123456789ABCDEF";
    if (der_len * 2 > lay->hole_end - lay->hole_start - 2)
        return -1;
    char *p = out->data + lay->hole_start + 1;
    for (size_t i = 0; i < der_len; i++) {
        p[2 * i] = hex[der[i] >> 4];
        p[2 * i + 1] = hex[der[i] & 15];
    }
    return 0;
}

/* ---- finding signatures ------------------------------------------------ */

/* The length of the BER element at p (tag, length, content; an
 * indefinite length, as NSS's encoder writes, runs to its end-of-contents
 * mark), or 0 if malformed.  The /Contents hole is padded with zeros, so
 * the signature's own length must say where it ends. */
static size_t ber_total(const unsigned char *p, size_t n, int depth)
{
    size_t i = 1;
    if (n < 2 || depth > 64)
        return 0;
    if ((p[0] & 0x1F) == 0x1F) { /* a tag number in several bytes */
        while (i < n && (p[i] & 0x80))
            if (++i > 5)
                return 0;
        i++;
    }
    if (i >= n)
        return 0;
    size_t len = p[i++];
    if (len == 0x80) {
        if (!(p[0] & 0x20))
            return 0;
        while (i + 2 <= n) {
            if (p[i] == 0 && p[i + 1] == 0)
                return i + 2;
            size_t k = ber_total(p + i, n - i, depth + 1);
            if (!k)
                return 0;
            i += k;
        }
        return 0;
    }
    if (len & 0x80) {
        size_t k = len & 0x7F;
        if (k == 0 || k > 4 || n - i < k)
            return 0;
        len = 0;
        for (size_t j = 0; j < k; j++)
            len = len << 8 | p[i++];
    }
    return len <= n - i ? i + len : 0;
}

static char *strdup_or_empty(const char *s) { return strdup(s ? s : ""); }

/* Check one signature value's layout and take its bytes. */
static void read_sig(vt_pdf_doc *doc, vt_pdf_obj *v, vt_sig_raw *s)
{
    vt_arena *a = &doc->arena;
    vt_pdf_obj *br = vt_pdf_resolve(doc, vt_pdf_dict_get(v, "ByteRange"));
    vt_pdf_obj *c = vt_pdf_dict_get(v, "Contents");
    vt_pdf_obj *sf = vt_pdf_dict_get(v, "SubFilter");
    vt_pdf_obj *m = vt_pdf_dict_get(v, "M");
    if (sf && sf->kind == VT_PDF_NAME)
        s->subfilter = strndup(sf->raw + 1, sf->rawlen - 1);
    size_t mlen;
    unsigned char *mb = vt_pdf_string_bytes(a, m, &mlen);
    s->m = mb ? text_to_utf8(mb, mlen) : strdup("");
    const char *problem = NULL;
    if (!br || br->kind != VT_PDF_ARRAY || br->n != 4) {
        problem = "its /ByteRange is not four numbers";
    } else {
        for (int i = 0; i < 4 && !problem; i++) {
            vt_pdf_obj *x = br->items[i];
            if (x->kind != VT_PDF_NUM || !x->is_int || x->num < 0)
                problem = "its /ByteRange is not four numbers";
            else
                s->br[i] = (unsigned long long)x->num;
        }
    }
    if (!problem && (s->br[0] != 0 || s->br[1] >= s->br[2] ||
                     s->br[2] > doc->len || s->br[3] > doc->len - s->br[2]))
        problem = "its /ByteRange does not start at 0 or runs past the file";
    if (!problem && (!c || c->kind != VT_PDF_STRING || c->raw[0] != '<' ||
                     c->pos != s->br[1] || c->pos + c->rawlen != s->br[2]))
        problem = "its /ByteRange leaves out more than the /Contents string";
    size_t n = 0;
    unsigned char *der = problem ? NULL : vt_pdf_string_bytes(a, c, &n);
    size_t total = der && der[0] == 0x30 ? ber_total(der, n, 0) : 0;
    if (!problem && !total)
        problem = "its /Contents is not a CMS signature";
    if (!problem) {
        s->der = malloc(total);
        if (s->der) {
            memcpy(s->der, der, total);
            s->der_len = total;
        }
    }
    s->problem = strdup_or_empty(problem);
}

static int cmp_sig(const void *x, const void *y)
{
    const vt_sig_raw *a = x, *b = y;
    unsigned long long ea = a->br[2] + a->br[3], eb = b->br[2] + b->br[3];
    return (ea > eb) - (ea < eb);
}

/* Collect signature fields from a /Fields or /Kids array. */
typedef struct {
    vt_sig_raw *v;
    size_t n, cap;
    size_t visits; /* fields looked at: a /Kids loop ends here */
} sig_list;

static vt_error walk_fields(vt_pdf_doc *doc, vt_pdf_obj *arr, int depth,
                            sig_list *l)
{
    arr = vt_pdf_resolve(doc, arr);
    if (!arr || arr->kind != VT_PDF_ARRAY || depth > 8)
        return VT_OK;
    for (size_t i = 0; i < arr->n && l->visits < MAX_FIELDS; i++) {
        l->visits++;
        vt_pdf_obj *f = vt_pdf_resolve(doc, arr->items[i]);
        if (!f || f->kind != VT_PDF_DICT)
            continue;
        vt_error rc = walk_fields(doc, vt_pdf_dict_get(f, "Kids"), depth + 1, l);
        if (rc != VT_OK)
            return rc;
        vt_pdf_obj *v = vt_pdf_resolve(doc, vt_pdf_dict_get(f, "V"));
        if (!vt_pdf_is_name(vt_pdf_dict_get(f, "FT"), "Sig") || !v ||
            v->kind != VT_PDF_DICT)
            continue;
        /* a field listed twice (or reached twice through /Kids) once */
        long long obj = arr->items[i]->kind == VT_PDF_REF ? arr->items[i]->num : -1;
        int seen = 0;
        for (size_t k = 0; obj >= 0 && k < l->n && !seen; k++)
            seen = l->v[k].obj == obj;
        if (seen)
            continue;
        if (l->n == l->cap) {
            size_t nc = l->cap ? l->cap * 2 : 4;
            vt_sig_raw *p = realloc(l->v, nc * sizeof *p);
            if (!p)
                return VT_ERR_NOMEM;
            l->v = p;
            l->cap = nc;
        }
        vt_sig_raw *s = &l->v[l->n++];
        memset(s, 0, sizeof *s);
        size_t tlen;
        unsigned char *t = vt_pdf_string_bytes(&doc->arena,
                                               vt_pdf_dict_get(f, "T"), &tlen);
        s->obj = obj;
        s->field = t ? text_to_utf8(t, tlen) : strdup("");
        read_sig(doc, v, s);
        if (!s->field || !s->m || !s->problem || (!s->der && !*s->problem))
            return VT_ERR_NOMEM;
    }
    return VT_OK;
}

vt_error vt_pdf_sig_find(const char *name, const char *data, size_t len,
                         vt_sig_raw **out, size_t *n, vt_diags *d)
{
    *out = NULL;
    *n = 0;
    vt_pdf_doc doc;
    vt_error rc = vt_pdf_open(name, data, len, &doc, d);
    sig_list l = {0};
    if (rc == VT_OK) {
        vt_pdf_obj *root = vt_pdf_resolve(&doc, vt_pdf_dict_get(doc.trailer, "Root"));
        vt_pdf_obj *form = vt_pdf_resolve(&doc, vt_pdf_dict_get(root, "AcroForm"));
        if (!root || root->kind != VT_PDF_DICT) {
            vt_diags_addf(d, "%s: the PDF has no readable catalog (/Root)", name);
            rc = VT_ERR_PDF;
        } else {
            rc = walk_fields(&doc, vt_pdf_dict_get(form, "Fields"), 0, &l);
        }
    }
    *out = l.v;
    *n = l.n;
    if (rc == VT_OK && *n > 1)
        qsort(*out, *n, sizeof **out, cmp_sig);
    if (rc == VT_OK && doc.arena.oom)
        rc = VT_ERR_NOMEM;
    if (rc != VT_OK) {
        vt_sig_raw_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    vt_pdf_close(&doc);
    return rc;
}

void vt_sig_raw_free(vt_sig_raw *s, size_t n)
{
    for (size_t i = 0; s && i < n; i++) {
        free(s[i].field);
        free(s[i].subfilter);
        free(s[i].m);
        free(s[i].der);
        free(s[i].problem);
    }
    free(s);
}
