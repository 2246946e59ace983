/*
 * import_docx.c - a DOCX's main document as the lines of a typed text.
 *
 * The package is read from memory with libzip (consistency checked, every
 * entry read with a byte limit whatever its header claims) and
 * word/document.xml is parsed from memory with the network off, no entity
 * expansion and any DOCTYPE refused before parsing.  Only the body's
 * paragraphs and tables matter to the importer; headers, footers, comments
 * and drawings are not read.
 */
#include "import_docx.h"

#include <libxml/parser.h>
#include <stdlib.h>
#include <libxml/tree.h>
#include <string.h>
#include <zip.h>

int vt_is_zip(const char *data, size_t len)
{
    return len >= 4 && memcmp(data, "PK\3\4", 4) == 0;
}

vt_error vt_docx_read_document(const char *name, const char *data, size_t len,
                               size_t max_part, size_t max_parts,
                               vt_buf *xml, vt_diags *d)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze) : NULL;
    if (!z) {
        vt_diags_addf(d, "%s: not a readable DOCX (zip) package: %s", name,
                      zip_error_strerror(&ze));
        zip_source_free(src);
        zip_error_fini(&ze);
        return VT_ERR_ZIP;
    }
    zip_error_fini(&ze);
    vt_error rc = VT_OK;
    zip_int64_t n = zip_get_num_entries(z, 0);
    zip_int64_t i = zip_name_locate(z, "word/document.xml", 0);
    zip_file_t *f = NULL;
    if (n < 0 || (size_t)n > max_parts) {
        vt_diags_addf(d, "%s: the package has more than %zu entries", name, max_parts);
        rc = VT_ERR_LIMIT;
    } else if (i < 0) {
        vt_diags_addf(d, "%s: a zip package without word/document.xml is not "
                         "a DOCX", name);
        rc = VT_ERR_ZIP;
    } else if (!(f = zip_fopen_index(z, (zip_uint64_t)i, 0))) {
        vt_diags_addf(d, "%s: word/document.xml cannot be read: %s", name,
                      zip_strerror(z));
        rc = VT_ERR_ZIP;
    }
    char chunk[65536];
    zip_int64_t got = 0;
    while (rc == VT_OK && (got = zip_fread(f, chunk, sizeof chunk)) > 0) {
        if (xml->len + (size_t)got > max_part) {
            vt_diags_addf(d, "%s: word/document.xml inflates past the limit of "
                             "%zu bytes", name, max_part);
            rc = VT_ERR_LIMIT;
        } else {
            vt_buf_put(xml, chunk, (size_t)got);
        }
    }
    if (rc == VT_OK && got < 0) {
        vt_diags_addf(d, "%s: word/document.xml is damaged: %s", name,
                      zip_file_strerror(f));
        rc = VT_ERR_ZIP;
    }
    if (rc == VT_OK && xml->oom)
        rc = VT_ERR_NOMEM;
    if (f)
        zip_fclose(f);
    zip_discard(z);
    return rc;
}

/* ---- walking the document ---------------------------------------------- */

static int is_w(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0 &&
           n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href,
                  "http://schemas.openxmlformats.org/wordprocessingml/2006/main") == 0;
}

static xmlNode *child(const xmlNode *n, const char *name)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (is_w(c, name))
            return c;
    return NULL;
}

/* w:b, w:i: on unless w:val says 0/false/off. */
static int on(const xmlNode *rpr, const char *name)
{
    xmlNode *p = child(rpr, name);
    if (!p)
        return 0;
    xmlChar *v = xmlGetNsProp(p, (const xmlChar *)"val",
                              (const xmlChar *)"http://schemas.openxmlformats.org/wordprocessingml/2006/main");
    int r = !v || !(strcmp((char *)v, "0") == 0 || strcmp((char *)v, "false") == 0 ||
                    strcmp((char *)v, "off") == 0);
    xmlFree(v);
    return r;
}

typedef struct {
    vt_buf text;
    int bold, italic;
} seg;

typedef struct {
    seg *v;
    size_t n, cap;
    int oom;
} segs;

static seg *seg_new(segs *s, int bold, int italic)
{
    if (s->n && s->v[s->n - 1].bold == bold && s->v[s->n - 1].italic == italic)
        return &s->v[s->n - 1];
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        seg *m = realloc(s->v, cap * sizeof *m);
        if (!m) {
            s->oom = 1;
            return NULL;
        }
        s->v = m;
        s->cap = cap;
    }
    seg *g = &s->v[s->n++];
    vt_buf_init(&g->text);
    g->bold = bold, g->italic = italic;
    return g;
}

static void run_text(const xmlNode *r, segs *s)
{
    xmlNode *rpr = child(r, "rPr");
    seg *g = seg_new(s, on(rpr, "b"), on(rpr, "i"));
    if (!g)
        return;
    for (xmlNode *c = r->children; c; c = c->next) {
        if (is_w(c, "t")) {
            xmlChar *t = xmlNodeGetContent(c);
            /* a raw tab or line end inside w:t is a space: tabs and lines
             * mean cells and paragraphs to the importer */
            for (xmlChar *p = t; p && *p; p++)
                if (*p == '\t' || *p == '\n' || *p == '\r')
                    *p = ' ';
            if (t)
                vt_buf_puts(&g->text, (const char *)t);
            xmlFree(t);
        } else if (is_w(c, "tab")) {
            /* a tab typed in Word separates columns as in a text file */
            vt_buf_putc(&g->text, '\t');
        } else if (is_w(c, "br") || is_w(c, "cr")) {
            vt_buf_putc(&g->text, '\n');
        } else if (is_w(c, "noBreakHyphen")) {
            vt_buf_putc(&g->text, '-');
        }
    }
}

/* Runs anywhere under n, in order (hyperlinks, insertions, smart tags,
 * simple fields), but not deleted text. */
static void collect(const xmlNode *n, segs *s)
{
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || is_w(c, "del") || is_w(c, "pPr") ||
            is_w(c, "moveFrom"))
            continue;
        if (is_w(c, "r"))
            run_text(c, s);
        else
            collect(c, s);
    }
}

static int has_text(const vt_buf *b)
{
    for (size_t i = 0; i < b->len; i++)
        if (b->data[i] != ' ' && b->data[i] != '\n')
            return 1;
    return 0;
}

/* A paragraph as one line (a w:br starts another); emphasis on part of
 * the paragraph as ** and *; a paragraph bold or italic throughout is
 * style, not emphasis. */
static void paragraph(const xmlNode *p, vt_buf *out)
{
    segs s = {0};
    collect(p, &s);
    int all_b = 1, all_i = 1, any = 0;
    for (size_t i = 0; i < s.n; i++)
        if (has_text(&s.v[i].text)) {
            any = 1;
            all_b &= s.v[i].bold;
            all_i &= s.v[i].italic;
        }
    xmlNode *ppr = child(p, "pPr");
    if (child(ppr, "numPr") && any)
        vt_buf_puts(out, "- ");
    for (size_t i = 0; i < s.n; i++) {
        const seg *g = &s.v[i];
        int b = g->bold && !all_b && has_text(&g->text);
        int it = g->italic && !all_i && has_text(&g->text);
        const char *t = g->text.data ? g->text.data : "";
        /* the marks go round the words, not round the spaces */
        size_t lead = strspn(t, " "), n = strlen(t);
        while (n > lead && t[n - 1] == ' ')
            n--;
        vt_buf_put(out, t, lead);
        if (b)
            vt_buf_puts(out, "**");
        if (it)
            vt_buf_puts(out, "*");
        vt_buf_put(out, t + lead, n - lead);
        if (it)
            vt_buf_puts(out, "*");
        if (b)
            vt_buf_puts(out, "**");
        vt_buf_puts(out, t + n);
        vt_buf_free(&s.v[i].text);
    }
    if (s.oom)
        out->oom = 1;
    free(s.v);
    vt_buf_putc(out, '\n');
}

static void blocks(const xmlNode *parent, vt_buf *out);

/* A table drawn without borders lays text out; one with borders (or a
 * table style) holds data. */
static int layout_table(const xmlNode *tbl)
{
    xmlNode *pr = child(tbl, "tblPr");
    xmlNode *borders = child(pr, "tblBorders");
    if (!borders)
        return child(pr, "tblStyle") == NULL;
    for (xmlNode *b = borders->children; b; b = b->next) {
        if (b->type != XML_ELEMENT_NODE)
            continue;
        xmlChar *v = xmlGetNsProp(b, (const xmlChar *)"val",
                                  (const xmlChar *)"http://schemas.openxmlformats.org/wordprocessingml/2006/main");
        int none = v && (strcmp((char *)v, "nil") == 0 || strcmp((char *)v, "none") == 0);
        xmlFree(v);
        if (!none)
            return 0;
    }
    return 1;
}

/* One cell of a data table on one line: its paragraphs joined by spaces,
 * tabs and line breaks removed; a merged cell's continuation is empty. */
static void cell_text(const xmlNode *tc, vt_buf *out)
{
    vt_buf t;
    vt_buf_init(&t);
    blocks(tc, &t);
    int space = 0, started = 0;
    for (size_t i = 0; i < t.len; i++) {
        char c = t.data[i];
        if (c == '\n' || c == '\t' || c == ' ') {
            space = started;
            continue;
        }
        if (space)
            vt_buf_putc(out, ' ');
        space = 0;
        started = 1;
        vt_buf_putc(out, c);
    }
    if (t.oom)
        out->oom = 1;
    vt_buf_free(&t);
}

static void table(const xmlNode *tbl, vt_buf *out)
{
    int layout = layout_table(tbl);
    for (xmlNode *tr = tbl->children; tr; tr = tr->next) {
        if (!is_w(tr, "tr"))
            continue;
        int first = 1;
        for (xmlNode *tc = tr->children; tc; tc = tc->next) {
            if (!is_w(tc, "tc"))
                continue;
            if (layout) {
                blocks(tc, out);
                continue;
            }
            if (!first)
                vt_buf_putc(out, '\t');
            first = 0;
            xmlNode *vm = child(child(tc, "tcPr"), "vMerge");
            xmlChar *v = vm ? xmlGetNsProp(vm, (const xmlChar *)"val",
                                          (const xmlChar *)"http://schemas.openxmlformats.org/wordprocessingml/2006/main")
                            : NULL;
            int cont = vm && (!v || strcmp((char *)v, "restart") != 0);
            xmlFree(v);
            if (!cont)
                cell_text(tc, out);
        }
        if (!layout)
            vt_buf_putc(out, '\n');
    }
    if (!layout)
        vt_buf_putc(out, '\n'); /* a blank line ends the run of rows */
}

static void blocks(const xmlNode *parent, vt_buf *out)
{
    for (xmlNode *c = parent->children; c; c = c->next) {
        if (is_w(c, "p"))
            paragraph(c, out);
        else if (is_w(c, "tbl"))
            table(c, out);
        else if (is_w(c, "sdt"))
            blocks(child(c, "sdtContent") ? child(c, "sdtContent") : c, out);
        else if (is_w(c, "customXml") || is_w(c, "ins"))
            blocks(c, out);
    }
}

vt_error vt_docx_to_text(const char *name, const char *xml, size_t len,
                         vt_buf *text, vt_diags *d)
{
    if (memmem(xml, len, "<!DOCTYPE", 9)) {
        vt_diags_addf(d, "%s: word/document.xml has a DOCTYPE, which a DOCX "
                         "never needs; refusing it", name);
        return VT_ERR_XML;
    }
    if (len > (size_t)0x7fffffff)
        return VT_ERR_LIMIT;
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, "document.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR |
                                      XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        const char *m = e && e->message ? e->message : "";
        vt_diags_addf(d, "%s: word/document.xml is not well-formed XML%s%.*s",
                      name, *m ? ": " : "", (int)strcspn(m, "\n"), m);
        return VT_ERR_XML;
    }
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *body = is_w(root, "document") ? child(root, "body") : NULL;
    vt_error rc = VT_OK;
    if (!body) {
        vt_diags_addf(d, "%s: word/document.xml has no <w:body>; not a Word "
                         "document", name);
        rc = VT_ERR_ZIP;
    } else {
        blocks(body, text);
        if (text->oom)
            rc = VT_ERR_NOMEM;
    }
    xmlFreeDoc(doc);
    return rc;
}
