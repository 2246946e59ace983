/*
 * import_docx.c - a DOCX's main document as the lines of a typed text.
 *
 * The package is opened, checked and its parts parsed by the shared
 * package reader (src/package.c): the main document found through
 * _rels/.rels, the numbering through its relationships, every part parsed
 * with the network off, no entity expansion, any DOCTYPE refused and an
 * element budget.  Only the body's
 * paragraphs and tables matter to the importer; headers, footers, comments
 * and drawings are not read.
 */
#include "plan/import_docx.h"

#include <libxml/parser.h>
#include <stdlib.h>
#include <libxml/tree.h>
#include <string.h>
#include <stdio.h>
#include <utf8proc.h>

#include "package/package.h"
#include "base/vn_text.h"

int vt_is_zip(const char *data, size_t len)
{
    return len >= 4 && memcmp(data, "PK\3\4", 4) == 0;
}

/* A part of the package appended to out. */
static vt_error read_into(vt_package *p, const vt_part *part, vt_buf *out,
                          vt_diags *d)
{
    char *data = NULL;
    size_t n = 0;
    vt_error rc = vt_package_read(p, part, &data, &n, d);
    if (rc == VT_OK) {
        vt_buf_put(out, data, n);
        if (out->oom)
            rc = VT_ERR_NOMEM;
    }
    free(data);
    return rc;
}

/* The numbering part is the one the main document's relationships name, as
 * Word finds it; NULL (and VT_OK) when the document has none. */
static const vt_part *numbering_part(vt_package *p, const vt_part *main_part,
                                     vt_error *rc, vt_diags *d)
{
    vt_rel *rels = NULL;
    size_t n = 0;
    const vt_part *found = NULL;
    *rc = vt_package_rels(p, main_part, &rels, &n, d);
    for (size_t i = 0; *rc == VT_OK && i < n && !found; i++)
        if (!rels[i].external && rels[i].part &&
            strcmp(rels[i].type, VT_REL_BASE "numbering") == 0)
            found = rels[i].part;
    vt_package_rels_free(rels, n);
    return found;
}

/* The package is opened and checked whole by the shared reader (every
 * entry's CRC, no links, the main part found through _rels/.rels), so the
 * importer and the checker refuse the same packages with the same words. */
vt_error vt_docx_read_document(const char *name, const char *data, size_t len,
                               size_t max_part, size_t max_parts,
                               vt_buf *xml, vt_buf *numbering, vt_diags *d)
{
    vt_limits lim = vt_limits_default();
    lim.max_part_bytes = max_part;
    lim.max_parts = max_parts;
    vt_package *p = NULL;
    vt_error rc = vt_package_open(name, data, len, &lim, &p, d);
    if (rc != VT_OK)
        return rc;
    const vt_part *main_part = vt_package_main(p);
    rc = read_into(p, main_part, xml, d);
    if (rc == VT_OK && numbering) {
        const vt_part *np = numbering_part(p, main_part, &rc, d);
        if (rc == VT_OK && np)
            rc = read_into(p, np, numbering, d);
    }
    vt_package_free(p);
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

/* ---- Word's automatic numbering ----------------------------------------- */

/* The numbers Word draws before a numbered paragraph are not in its text:
 * they come from word/numbering.xml (a format and a pattern such as "%1."
 * per level) and a counter per list.  They are rebuilt here so that the
 * importer sees "I.", "1.", "a)" as a clerk would have typed them. */
typedef struct {
    char fmt[24];
    char text[48];
    int start;
} num_level;

typedef struct {
    long id;
    num_level lvl[9];
} num_abstract;

typedef struct {
    long id, abstract;
    int count[9];
    unsigned char started[9];
    int dash_level; /* the level of the last "-" bullet, -1 if none */
} num_list;

typedef struct {
    num_abstract *a;
    size_t na;
    num_list *l;
    size_t nl;
} numbering;

static const char W_NS[] = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";


static void wval(const xmlNode *n, const char *attr, char *out, size_t size)
{
    out[0] = '\0';
    xmlChar *v = n ? xmlGetNsProp(n, (const xmlChar *)attr, (const xmlChar *)W_NS) : NULL;
    if (v)
        snprintf(out, size, "%s", (const char *)v);
    xmlFree(v);
}

static long wnum(const xmlNode *n, const char *attr, long dflt)
{
    char v[32];
    wval(n, attr, v, sizeof v);
    char *end;
    long r = strtol(v, &end, 10);
    return *v && !*end ? r : dflt;
}

static void numbering_read(const xmlNode *root, numbering *nb)
{
    for (const xmlNode *c = root ? root->children : NULL; c; c = c->next) {
        if (is_w(c, "abstractNum")) {
            num_abstract *m = realloc(nb->a, (nb->na + 1) * sizeof *m);
            if (!m)
                return;
            nb->a = m;
            num_abstract *a = &m[nb->na++];
            memset(a, 0, sizeof *a);
            a->id = wnum(c, "abstractNumId", -1);
            for (const xmlNode *l = c->children; l; l = l->next) {
                long k = is_w(l, "lvl") ? wnum(l, "ilvl", -1) : -1;
                if (k < 0 || k > 8)
                    continue;
                wval(child(l, "numFmt"), "val", a->lvl[k].fmt, sizeof a->lvl[k].fmt);
                wval(child(l, "lvlText"), "val", a->lvl[k].text, sizeof a->lvl[k].text);
                long st = wnum(child(l, "start"), "val", 1);
                a->lvl[k].start = st < 0 ? 0 : st > 100000 ? 100000 : (int)st;
            }
        } else if (is_w(c, "num")) {
            num_list *m = realloc(nb->l, (nb->nl + 1) * sizeof *m);
            if (!m)
                return;
            nb->l = m;
            num_list *l = &m[nb->nl++];
            memset(l, 0, sizeof *l);
            l->id = wnum(c, "numId", -1);
            l->abstract = wnum(child(c, "abstractNumId"), "val", -1);
            l->dash_level = -1;
        }
    }
}

static void format_number(const char *fmt, int n, vt_buf *out)
{
    char roman[16];
    if (n < 1)
        n = 1;
    if ((strcmp(fmt, "upperRoman") == 0 || strcmp(fmt, "lowerRoman") == 0) &&
        vt_roman(n, roman, sizeof roman) == 0) {
        for (char *p = roman; *p && fmt[0] == 'l'; p++)
            *p = (char)(*p - 'A' + 'a');
        vt_buf_puts(out, roman);
    } else if (strcmp(fmt, "lowerLetter") == 0 || strcmp(fmt, "upperLetter") == 0) {
        char l = (char)((fmt[0] == 'l' ? 'a' : 'A') + (n - 1) % 26);
        for (int i = 0; i <= (n - 1) / 26 && i < 8; i++)
            vt_buf_putc(out, l);
    } else if (strcmp(fmt, "none") != 0) {
        vt_buf_printf(out, "%d", n);
    }
}

/* The number Word shows before paragraph p, with its space, into out. */
static void number_prefix(const xmlNode *p, numbering *nb, vt_buf *out)
{
    xmlNode *np = child(child(p, "pPr"), "numPr");
    if (!np)
        return;
    long id = wnum(child(np, "numId"), "val", 0), k = wnum(child(np, "ilvl"), "val", 0);
    if (id == 0)
        return; /* numbering switched off */
    num_list *l = NULL;
    num_abstract *a = NULL;
    for (size_t i = 0; i < nb->nl && !l; i++)
        if (nb->l[i].id == id)
            l = &nb->l[i];
    for (size_t i = 0; l && i < nb->na && !a; i++)
        if (nb->a[i].id == l->abstract)
            a = &nb->a[i];
    if (k < 0 || k > 8 || !a) {
        vt_buf_puts(out, "- ");
        return;
    }
    const num_level *lv = &a->lvl[k];
    l->count[k] = l->started[k] ? l->count[k] + 1 : lv->start;
    l->started[k] = 1;
    for (long j = k + 1; j < 9; j++)
        l->started[j] = 0;
    /* a bullet is "-", one deeper than the "-" above it "+" */
    if (strcmp(lv->fmt, "bullet") == 0) {
        if (l->dash_level >= 0 && k > l->dash_level) {
            vt_buf_puts(out, "+ ");
        } else {
            vt_buf_puts(out, "- ");
            l->dash_level = (int)k;
        }
        return;
    }
    l->dash_level = -1;
    for (const char *t = lv->text; *t; t++) {
        if (t[0] == '%' && t[1] >= '1' && t[1] <= '9') {
            int j = t[1] - '1';
            format_number(a->lvl[j].fmt, l->started[j] ? l->count[j] : a->lvl[j].start, out);
            t++;
        } else {
            vt_buf_putc(out, *t);
        }
    }
    vt_buf_putc(out, ' ');
}

static void numbering_free(numbering *nb)
{
    free(nb->a);
    free(nb->l);
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
                vt_docx_scrub_span((char *)t);
            if (t)
                vt_buf_puts(&g->text, (const char *)t);
            xmlFree(t);
        } else if (is_w(c, "tab")) {
            /* a tab typed in Word separates columns as in a text file */
            vt_buf_putc(&g->text, '\t');
        } else if (is_w(c, "br") || is_w(c, "cr")) {
            /* decided in paragraph(): a new line or a wrap */
            vt_buf_putc(&g->text, '\v');
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
        if (b->data[i] != ' ' && b->data[i] != '\v')
            return 1;
    return 0;
}

/* The line breaks (w:br) of the paragraph written from out[from]: a break
 * inside a sentence (no . ; : before it, a lower-case letter after it) is
 * a wrap, as vanthu puts in a balanced trích yếu or V/v line, and reads as
 * a space; any other starts a new line, as a clerk's Shift+Enter does. */
static void breaks(vt_buf *out, size_t from)
{
    for (size_t i = from; i < out->len; i++) {
        if (out->data[i] != '\v')
            continue;
        size_t a = i, z = i + 1;
        while (a > from && strchr(" *", out->data[a - 1]))
            a--;
        while (z < out->len && strchr(" *", out->data[z]))
            z++;
        utf8proc_int32_t cp = -1;
        if (z < out->len)
            utf8proc_iterate((const utf8proc_uint8_t *)out->data + z,
                             (utf8proc_ssize_t)(out->len - z), &cp);
        int wrap = a > from && !strchr(".;:", out->data[a - 1]) && cp >= 0 &&
                   utf8proc_category(cp) == UTF8PROC_CATEGORY_LL;
        out->data[i] = wrap ? ' ' : '\n';
    }
}

/* A paragraph as one line (a w:br starts another); emphasis on part of
 * the paragraph as ** and *; a paragraph bold or italic throughout is
 * style, not emphasis. */
static void paragraph(const xmlNode *p, numbering *nb, vt_buf *out)
{
    size_t from = out->len;
    segs s = {0};
    collect(p, &s);
    int all_b = 1, all_i = 1, any = 0;
    for (size_t i = 0; i < s.n; i++)
        if (has_text(&s.v[i].text)) {
            any = 1;
            all_b &= s.v[i].bold;
            all_i &= s.v[i].italic;
        }
    if (any)
        number_prefix(p, nb, out);
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
    if (out->data)
        breaks(out, from);
    vt_buf_putc(out, '\n');
}



static void blocks(const xmlNode *parent, numbering *nb, vt_buf *out);

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
static void cell_text(const xmlNode *tc, numbering *nb, vt_buf *out)
{
    vt_buf t;
    vt_buf_init(&t);
    blocks(tc, nb, &t);
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

static void table(const xmlNode *tbl, numbering *nb, vt_buf *out)
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
                blocks(tc, nb, out);
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
                cell_text(tc, nb, out);
            /* a cell spanning grid columns: the columns it covers follow
             * as marked cells, which the text importer reads as colspan */
            long span = wnum(child(child(tc, "tcPr"), "gridSpan"), "val", 1);
            for (long k = 1; k < span && k < 64; k++) {
                vt_buf_putc(out, '\t');
                vt_buf_puts(out, VT_DOCX_SPAN);
            }
        }
        if (!layout)
            vt_buf_putc(out, '\n');
    }
    if (!layout)
        vt_buf_putc(out, '\n'); /* a blank line ends the run of rows */
}

static void blocks(const xmlNode *parent, numbering *nb, vt_buf *out)
{
    for (xmlNode *c = parent->children; c; c = c->next) {
        if (is_w(c, "p"))
            paragraph(c, nb, out);
        else if (is_w(c, "tbl"))
            table(c, nb, out);
        else if (is_w(c, "sdt"))
            blocks(child(c, "sdtContent") ? child(c, "sdtContent") : c, nb, out);
        else if (is_w(c, "customXml") || is_w(c, "ins"))
            blocks(c, nb, out);
    }
}

vt_error vt_docx_to_text(const char *name, const char *xml, size_t len,
                         const char *num_xml, size_t num_len,
                         size_t max_elements, vt_buf *text, vt_diags *d)
{
    numbering nb = {0};
    if (!max_elements)
        max_elements = vt_limits_default().max_elements;
    vt_xml_budget budget = {max_elements, max_elements};
    vt_error prc = VT_OK;
    if (num_xml && num_len) {
        xmlDocPtr nd = vt_xml_parse_part(name, "word/numbering.xml", num_xml,
                                          num_len, &budget, &prc, d);
        if (!nd) /* a DOCTYPE too is refused XML to the importer */
            return prc == VT_ERR_TEMPLATE ? VT_ERR_XML : prc;
        numbering_read(xmlDocGetRootElement(nd), &nb);
        xmlFreeDoc(nd);
    }
    xmlDocPtr doc = vt_xml_parse_part(name, "word/document.xml", xml, len,
                                       &budget, &prc, d);
    if (!doc) {
        numbering_free(&nb);
        return prc == VT_ERR_TEMPLATE ? VT_ERR_XML : prc;
    }
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *body = is_w(root, "document") ? child(root, "body") : NULL;
    vt_error rc = VT_OK;
    if (!body) {
        vt_diags_addf(d, "%s: word/document.xml has no <w:body>; not a Word "
                         "document", name);
        rc = VT_ERR_ZIP;
    } else {
        blocks(body, &nb, text);
        if (text->oom)
            rc = VT_ERR_NOMEM;
    }
    xmlFreeDoc(doc);
    numbering_free(&nb);
    return rc;
}

size_t vt_docx_scrub_span(char *s)
{
    size_t n = 0;
    for (char *p = s; (p = strstr(p, VT_DOCX_SPAN)) != NULL; p += 3, n++)
        memcpy(p, "\xef\xbf\xbd", 3); /* U+FFFD */
    return n;
}
