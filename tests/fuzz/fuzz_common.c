/*
 * fuzz_common.c - helpers for the fuzz targets (see fuzz.h).
 */
#include "fuzz.h"

#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "render.h"
#include "template.h"

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

void fz_check_xml(const char *what, const char *xml, size_t len)
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
    xmlFreeDoc(doc);
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

void fz_render_check(const char *what, const vt_plan *plan,
                     const vt_template *tpl, vt_diags *d)
{
    vt_buf pkg;
    vt_buf_init(&pkg);
    if (vt_render_mem(plan, tpl, &pkg, d) == VT_OK)
        fz_check_docx(what, pkg.data, pkg.len);
    vt_buf_free(&pkg);
}

void fz_check_refusal(const char *what, const vt_diags *d)
{
    if (d->count == 0) {
        fprintf(stderr, "fuzz: a refused %s must say why\n", what);
        abort();
    }
}
