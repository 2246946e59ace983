/*
 * fuzz_common.c - helpers for the fuzz targets (see fuzz.h).
 */
#include "fuzz.h"

#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "doc/render.h"
#include "doc/template.h"

#ifndef VT_FUZZ_SOURCE_DIR
#define VT_FUZZ_SOURCE_DIR "."
#endif
#ifndef VT_FUZZ_BUILD_DIR
#define VT_FUZZ_BUILD_DIR "build"
#endif

vt_limits fz_limits(void)
{
    vt_limits l = vt_limits_default();
    l.max_part_bytes = 8u << 20;
    return l;
}

/* Silence libxml2's own error printing: the oracle reports what matters. */
static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

/* rel under the folder named by the environment variable env, else dflt:
 * ctest sets VT_SOURCE_DIR and VT_BUILD_DIR, and a fuzzer run by hand
 * falls back to the folders CMake compiled in. */
static void path_under(char *out, size_t size, const char *env,
                       const char *dflt, const char *rel)
{
    const char *dir = getenv(env);
    snprintf(out, size, "%s/%s", dir ? dir : dflt, rel);
}

vt_template *fz_template(const char *family)
{
    char rel[256], path[4096];
    snprintf(rel, sizeof rel, "templates/%s.docx", family);
    path_under(path, sizeof path, "VT_BUILD_DIR", VT_FUZZ_BUILD_DIR, rel);
    vt_limits lim = vt_limits_default();
    vt_template *t = NULL;
    vt_diags d;
    vt_diags_init(&d);
    if (vt_template_open(path, &lim, &t, &d) != VT_OK) {
        vt_diags_print(&d, stderr);
        fprintf(stderr, "fuzz: cannot open %s (build the templates)\n", path);
        abort();
    }
    vt_diags_free(&d);
    xmlSetGenericErrorFunc(NULL, quiet);
    return t;
}

/* The three shipped families, opened once on first use: targets that
 * render whatever plan they were given need the template of its family. */
const vt_template *fz_template_for(const vt_plan *p)
{
    static vt_template *families[3];
    static const char *const names[3] = {"mau-1.4", "mau-1.5", "mau-1.7"};
    const char *fam = vt_plan_template_family(p);
    for (int i = 0; i < 3; i++) {
        if (strcmp(fam, names[i]) != 0)
            continue;
        if (!families[i])
            families[i] = fz_template(names[i]);
        return families[i];
    }
    abort(); /* a family vanthu does not ship */
}

vt_plan *fz_plan(const char *file)
{
    char rel[256], path[4096];
    snprintf(rel, sizeof rel, "plans/%s", file);
    path_under(path, sizeof path, "VT_SOURCE_DIR", VT_FUZZ_SOURCE_DIR, rel);
    vt_limits lim = vt_limits_default();
    vt_plan *p = NULL;
    vt_diags d;
    vt_diags_init(&d);
    if (vt_plan_load(path, &lim, &p, &d) != VT_OK) {
        vt_diags_print(&d, stderr);
        abort();
    }
    vt_diags_free(&d);
    xmlSetGenericErrorFunc(NULL, quiet);
    return p;
}

int fz_part(const void *pkg, size_t len, const char *name, vt_buf *out)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(pkg, len, 0, &ze);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    int rc = -1;
    if (!z) {
        zip_source_free(src);
        zip_error_fini(&ze);
        return -1;
    }
    zip_file_t *f = zip_fopen(z, name, 0);
    if (f) {
        char chunk[65536];
        zip_int64_t n;
        while ((n = zip_fread(f, chunk, sizeof chunk)) > 0)
            vt_buf_put(out, chunk, (size_t)n);
        rc = (n == 0 && !out->oom) ? 0 : -1;
        zip_fclose(f);
    }
    zip_discard(z);
    zip_error_fini(&ze);
    return rc;
}

typedef struct {
    char **v;
    size_t n, cap;
} id_list;

static void collect_drawing_ids(xmlNode *n, id_list *ids)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (c->ns && strcmp((const char *)c->name, "docPr") == 0 &&
            /* exactly: a mutated namespace makes an unrelated element */
            strcmp((const char *)c->ns->href, VT_WP_NS) == 0) {
            if (ids->n == ids->cap) {
                ids->cap = ids->cap ? ids->cap * 2 : 16;
                ids->v = realloc(ids->v, ids->cap * sizeof *ids->v);
                if (!ids->v)
                    abort();
            }
            ids->v[ids->n++] = (char *)xmlGetNoNsProp(c, (const xmlChar *)"id");
        }
        collect_drawing_ids(c, ids);
    }
}

static int by_string(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    return strcmp(x ? x : "", y ? y : "");
}

/* Word refuses a document whose drawings share a wp:docPr id. */
static void check_drawing_ids(const char *what, xmlDoc *doc)
{
    id_list ids = {0};
    collect_drawing_ids((xmlNode *)doc, &ids);
    if (ids.n)
        qsort(ids.v, ids.n, sizeof *ids.v, by_string);
    for (size_t i = 0; i < ids.n; i++) {
        if (!ids.v[i] || (i && strcmp(ids.v[i], ids.v[i - 1]) == 0)) {
            fprintf(stderr, "fuzz: %s has a missing or repeated drawing id\n",
                    what);
            abort();
        }
    }
    for (size_t i = 0; i < ids.n; i++)
        xmlFree(ids.v[i]);
    free(ids.v);
}

static void walk_text(xmlNode *n, fz_chars *c, int check, int only_t,
                      const char *what);

/* Parse xml once: it must be well-formed, its drawing ids distinct and,
 * with allowed, its w:t characters all in allowed. */
static void check_xml(const char *what, const char *xml, size_t len,
                      const fz_chars *allowed)
{
    if (len > (size_t)INT32_MAX)
        abort();
    xmlDoc *doc = xmlReadMemory(xml, (int)len, "fuzz.xml", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR |
                                    XML_PARSE_NOWARNING);
    if (!doc) {
        fprintf(stderr, "fuzz: %s is not well-formed XML\n", what);
        abort();
    }
    check_drawing_ids(what, doc);
    if (allowed)
        walk_text((xmlNode *)doc, (fz_chars *)allowed, 1, 1, what);
    xmlFreeDoc(doc);
}

void fz_check_xml(const char *what, const char *xml, size_t len)
{
    check_xml(what, xml, len, NULL);
}

void fz_check_docx(const char *what, const void *pkg, size_t len)
{
    vt_buf xml;
    vt_buf_init(&xml);
    if (fz_part(pkg, len, "word/document.xml", &xml) != 0) {
        fprintf(stderr, "fuzz: %s has no readable word/document.xml\n", what);
        abort();
    }
    fz_check_xml(what, xml.data, xml.len);
    vt_buf_free(&xml);
}

/* Every entry of pkg inflates whole with a matching CRC (what `unzip -t`
 * checks), every part the template filled is well-formed and, with
 * allowed, holds no character from nowhere.  One open of the package. */
static void check_filled(const char *what, const vt_template *tpl,
                         const void *pkg, size_t len, const fz_chars *allowed)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(pkg, len, 0, &ze);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze)
                   : NULL;
    if (!z) {
        fprintf(stderr, "fuzz: %s is not a readable zip\n", what);
        abort();
    }
    zip_int64_t n = zip_get_num_entries(z, 0);
    for (zip_int64_t i = 0; i < n; i++) {
        const char *name = zip_get_name(z, (zip_uint64_t)i, 0);
        vt_buf b;
        vt_buf_init(&b);
        zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)i, 0);
        char chunk[65536];
        zip_int64_t got = f ? 0 : -1;
        while (f && (got = zip_fread(f, chunk, sizeof chunk)) > 0)
            vt_buf_put(&b, chunk, (size_t)got);
        if (got < 0 || (f && zip_fclose(f) != 0) || b.oom) {
            fprintf(stderr, "fuzz: %s: entry %s fails its CRC or inflation\n",
                    what, name);
            abort();
        }
        for (size_t k = 0; k < vt_template_nparts(tpl); k++) {
            if (strcmp(name, vt_template_part_name(tpl, k)) != 0)
                continue;
            check_xml(what, b.data, b.len, allowed);
        }
        vt_buf_free(&b);
    }
    zip_discard(z);
    zip_error_fini(&ze);
}

void fz_render_check_text(const char *what, const vt_plan *plan,
                          const vt_template *tpl, const fz_chars *allowed,
                          vt_diags *d)
{
    vt_buf pkg;
    vt_buf_init(&pkg);
    if (vt_render_mem(plan, tpl, &pkg, d) == VT_OK)
        check_filled(what, tpl, pkg.data, pkg.len, allowed);
    vt_buf_free(&pkg);
}

void fz_render_check(const char *what, const vt_plan *plan,
                     const vt_template *tpl, vt_diags *d)
{
    fz_render_check_text(what, plan, tpl, NULL, d);
}

/* ---- the text oracle ------------------------------------------------------ */

/* The code point at s[*i] (loosely decoded: any byte sequence maps to
 * some number, the same one for the set and for the check). */
static unsigned next_cp(const unsigned char *p, size_t len, size_t *i)
{
    unsigned cp = p[*i];
    size_t k = cp < 0x80 ? 1 : cp < 0xe0 ? 2 : cp < 0xf0 ? 3 : 4;
    if (*i + k > len)
        k = len - *i;
    for (size_t j = 1; j < k; j++)
        cp = (cp << 6) | (p[*i + j] & 0x3f);
    *i += k;
    return cp & 0x1fffff;
}

void fz_chars_add(fz_chars *c, const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        unsigned cp = next_cp((const unsigned char *)s, len, &i);
        c->bits[cp >> 3] |= (unsigned char)(1u << (cp & 7));
    }
}

static int chars_have(const fz_chars *c, unsigned cp)
{
    return c->bits[cp >> 3] & (1u << (cp & 7));
}

/* Add or check (check != 0) every text node under n; with only_t, text in
 * elements named "t" only (w:t, a:t). */
static void walk_text(xmlNode *n, fz_chars *c, int check, int only_t,
                      const char *what)
{
    for (xmlNode *k = n; k; k = k->next) {
        if ((k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) &&
            k->content &&
            (!only_t || (k->parent && strcmp((const char *)k->parent->name, "t") == 0))) {
            const char *s = (const char *)k->content;
            if (!check) {
                fz_chars_add(c, s, strlen(s));
                continue;
            }
            size_t len = strlen(s);
            for (size_t i = 0; i < len;) {
                unsigned cp = next_cp((const unsigned char *)s, len, &i);
                if (!chars_have(c, cp)) {
                    fprintf(stderr, "fuzz: %s writes U+%04X, which neither the "
                                    "template nor the plan holds\n", what, cp);
                    abort();
                }
            }
        }
        if (k->type == XML_ELEMENT_NODE && !check)
            for (xmlAttr *a = k->properties; a; a = a->next)
                walk_text(a->children, c, 0, 0, what);
        if (k->type == XML_ELEMENT_NODE || k->type == XML_DOCUMENT_NODE)
            walk_text(k->children, c, check, only_t, what);
    }
}

void fz_chars_add_xml(fz_chars *c, const char *xml, size_t len)
{
    xmlDoc *doc = xmlReadMemory(xml, (int)len, "fuzz.xml", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR |
                                    XML_PARSE_NOWARNING);
    if (doc)
        walk_text((xmlNode *)doc, c, 0, 0, "");
    xmlFreeDoc(doc);
}

void fz_check_text_within(const char *what, const char *xml, size_t len,
                          const fz_chars *c)
{
    check_xml(what, xml, len, c);
}

void fz_check_refusal(const char *what, const vt_diags *d)
{
    if (d->count == 0) {
        fprintf(stderr, "fuzz: a refused %s must say why\n", what);
        abort();
    }
}
