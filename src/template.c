/*
 * template.c - open a DOCX template, find its placeholders, compile it.
 *
 * The package is checked before anything is read from it: every entry name
 * must stay inside the package ("../x" and "/abs" are refused), the number
 * of entries and the inflated size of document.xml are limited, and the
 * XML is parsed from memory with entities and DTDs off.
 *
 * Compiling marks each placeholder in the DOM with a private-use character
 * (U+E000 … U+E001) carrying its slot number, serialises the DOM once, and
 * cuts the text at those marks.  Filling then never touches XML again.
 */
#include "template.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <zip.h>

#include "ooxml.h"

static const struct {
    const char *name;
    int block;
} fields[VT_F__COUNT] = {
    [VT_F_AGENCY] = {"agency", 0},
    [VT_F_AGENCY_UPPER] = {"agency_upper", 0},
    [VT_F_PARENT_UPPER] = {"parent_upper", 0},
    [VT_F_NUMBER] = {"number", 0},
    [VT_F_KY_HIEU] = {"ky_hieu", 0},
    [VT_F_PLACE_DATE] = {"place_date", 0},
    [VT_F_TYPE_NAME] = {"type_name", 0},
    [VT_F_TYPE_NAME_UPPER] = {"type_name_upper", 0},
    [VT_F_SUBJECT] = {"subject", 0},
    [VT_F_RECIPIENT] = {"recipient", 0},
    [VT_F_INVITEE] = {"invitee", 0},
    [VT_F_EVENT] = {"event", 0},
    [VT_F_CHAIR] = {"chair", 0},
    [VT_F_TIME] = {"time", 0},
    [VT_F_VENUE] = {"venue", 0},
    [VT_F_CLUSTER] = {"cluster", 0},
    [VT_F_SCHOOL] = {"school", 0},
    [VT_F_SCHOOLS] = {"schools", 0},
    [VT_F_HOST] = {"host", 0},
    [VT_F_TOPIC] = {"topic", 0},
    [VT_F_SIGNER] = {"signer", 0},
    [VT_F_END] = {"end", 0},
    [VT_F_HEADER] = {"header", 1},
    [VT_F_TITLE] = {"title", 1},
    [VT_F_RECIPIENTS] = {"recipients", 1},
    [VT_F_GROUNDS] = {"grounds", 1},
    [VT_F_BODY] = {"body", 1},
    [VT_F_SIGNATURE] = {"signature", 1},
    [VT_F_APPENDICES] = {"appendices", 1},
};

const char *vt_field_name(vt_field f) { return fields[f].name; }
int vt_field_is_block(vt_field f) { return fields[f].block; }

typedef enum { SEG_LIT, SEG_SCALAR, SEG_BLOCK, SEG_IF, SEG_ENDIF } seg_kind;

typedef struct {
    seg_kind kind;
    size_t off, len; /* SEG_LIT: a slice of t->xml */
    int field;
    int in_cell; /* SEG_BLOCK inside a table cell: the cell needs a w:p */
} seg;

struct vt_template {
    char *name;
    unsigned char *pkg;
    size_t pkg_len;
    unsigned long long doc_index;
    char *xml; /* serialised document.xml with the marks cut out */
    seg *segs;
    size_t nsegs, cap;
    char *sect_pr;
    int used[VT_F__COUNT];
};

#define W_NS "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define MARK_OPEN "\xee\x80\x80"  /* U+E000 */
#define MARK_CLOSE "\xee\x80\x81" /* U+E001 */

static int is_w(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns &&
           strcmp((const char *)n->ns->href, W_NS) == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

/* ---- scanning a paragraph --------------------------------------------- */

typedef struct {
    xmlNode **t; /* the paragraph's w:t nodes in order */
    size_t n, cap;
} tnodes;

static void tnodes_push(tnodes *out, xmlNode *n)
{
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 16;
        xmlNode **p = realloc(out->t, cap * sizeof *p);
        if (!p)
            return; /* the node is skipped; the template then fails to fill */
        out->t = p;
        out->cap = cap;
    }
    out->t[out->n++] = n;
}

static void collect_t(xmlNode *n, tnodes *out)
{
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (is_w(c, "txbxContent") || is_w(c, "p"))
            continue; /* a text box has paragraphs of its own */
        if (is_w(c, "t")) {
            tnodes_push(out, c);
            continue;
        }
        collect_t(c, out);
    }
}

typedef struct {
    vt_template *t;
    vt_diags *d;
    int errors;
} cctx;

static void terr(cctx *c, xmlNode *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void terr(cctx *c, xmlNode *at, const char *fmt, ...)
{
    char msg[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vt_diags_addf(c->d, "%s: word/document.xml:%ld: %s", c->t->name,
                  at ? xmlGetLineNo(at) : 0L, msg);
    c->errors++;
}

int vt_field_find(const char *name, size_t len)
{
    for (int f = 0; f < VT_F__COUNT; f++)
        if (strlen(fields[f].name) == len &&
            memcmp(fields[f].name, name, len) == 0)
            return f;
    return -1;
}

static void known_list(char *out, size_t size, int block)
{
    out[0] = '\0';
    for (int f = 0; f < VT_F__COUNT; f++) {
        if (fields[f].block != block)
            continue;
        size_t n = strlen(out);
        snprintf(out + n, size - n, "%s%s%s%s", n ? ", " : "",
                 block ? "{{>" : "{{", fields[f].name, "}}");
    }
}

typedef struct {
    size_t start, end; /* byte range of "{{…}}" in the paragraph text */
    char sigil;        /* 0, '>' or '?' */
    int field;
} ph;

/* Find the placeholders in s; report unknown or unclosed ones. */
static size_t find_placeholders(cctx *c, xmlNode *p, const char *s, ph *out,
                                size_t max)
{
    size_t n = 0;
    const char *q = s;
    while ((q = strstr(q, "{{")) != NULL) {
        const char *end = strstr(q + 2, "}}");
        if (!end) {
            terr(c, p, "a placeholder opened with \"{{\" is not closed with "
                       "\"}}\" in this paragraph");
            break;
        }
        const char *name = q + 2;
        while (*name == ' ')
            name++;
        char sigil = 0;
        if (*name == '>' || *name == '?')
            sigil = *name++;
        while (*name == ' ')
            name++;
        size_t len = 0;
        while (name + len < end && (islower((unsigned char)name[len]) ||
                                    name[len] == '_'))
            len++;
        const char *after = name + len;
        while (after < end && *after == ' ')
            after++;
        int f = after == end ? vt_field_find(name, len) : -1;
        char known[1024];
        char shown[128];
        snprintf(shown, sizeof shown, "%.*s", (int)(end - q + 2 > 100 ? 100 : end - q + 2), q);
        if (f < 0) {
            known_list(known, sizeof known, sigil == '>');
            terr(c, p, "unknown placeholder %s; known: %s", shown, known);
        } else if ((sigil == '>') != fields[f].block) {
            if (fields[f].block)
                terr(c, p, "%s is a block: write it as {{>%s}} alone in its "
                           "paragraph", shown, fields[f].name);
            else
                terr(c, p, "%s is a text field: write it as {{%s}}", shown,
                     fields[f].name);
        } else if (n < max) {
            out[n].start = (size_t)(q - s);
            out[n].end = (size_t)(end + 2 - s);
            out[n].sigil = sigil;
            out[n].field = f;
            n++;
        }
        q = end + 2;
    }
    return n;
}

static xmlNode *mark_node(xmlDoc *doc, char kind, int field)
{
    char m[32];
    snprintf(m, sizeof m, MARK_OPEN "%c%d" MARK_CLOSE, kind, field);
    return xmlNewDocText(doc, (const xmlChar *)m);
}

/* Rewrite the w:t texts of a paragraph: each scalar placeholder becomes a
 * mark in the node where it starts; the rest of its characters, in
 * whatever runs they sit, are removed. */
static void rewrite_scalars(tnodes *tn, const char *s, const ph *phs,
                            size_t nph)
{
    size_t pos = 0, k = 0;
    for (size_t i = 0; i < tn->n; i++) {
        xmlChar *content = xmlNodeGetContent(tn->t[i]);
        size_t len = content ? strlen((const char *)content) : 0;
        xmlFree(content);
        vt_buf nt;
        vt_buf_init(&nt);
        for (size_t j = pos; j < pos + len; j++) {
            while (k < nph && phs[k].end <= j)
                k++;
            if (k < nph && j >= phs[k].start && j < phs[k].end) {
                if (j == phs[k].start && phs[k].sigil == 0) {
                    char m[32];
                    snprintf(m, sizeof m, MARK_OPEN "S%d" MARK_CLOSE,
                             phs[k].field);
                    vt_buf_puts(&nt, m);
                }
                continue;
            }
            vt_buf_putc(&nt, s[j]);
        }
        pos += len;
        /* xmlNodeSetContent would parse entities; set raw text instead */
        xmlNodeSetContent(tn->t[i], NULL);
        if (nt.len) {
            xmlNode *txt = xmlNewDocText(tn->t[i]->doc, (const xmlChar *)nt.data);
            xmlAddChild(tn->t[i], txt);
        }
        xmlNodeSetSpacePreserve(tn->t[i], 1);
        vt_buf_free(&nt);
    }
}

/* 1 if n holds a drawing, picture, object or paragraph of its own (a text
 * box).  A block replaces its whole paragraph, so such content would be
 * lost, and the nested paragraphs, still waiting to be scanned, would be
 * freed under the scanner (found by fuzz_template). */
static int holds_more(const xmlNode *n)
{
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (is_w(c, "p") || is_w(c, "drawing") || is_w(c, "pict") ||
            is_w(c, "object") || holds_more(c))
            return 1;
    }
    return 0;
}

/* The first element inside a w:t, or NULL.  A w:t holds text only; Word
 * never writes markup there, and rewriting such a node would free the
 * markup while it is still queued for scanning (found by fuzz_template). */
static const xmlNode *markup_in_text(const xmlNode *t)
{
    for (const xmlNode *c = t->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return c;
    return NULL;
}

static void scan_paragraph(cctx *c, xmlNode *p)
{
    tnodes tn = {0};
    collect_t(p, &tn);
    vt_buf s;
    vt_buf_init(&s);
    for (size_t i = 0; i < tn.n; i++) {
        const xmlNode *m = markup_in_text(tn.t[i]);
        if (m) {
            terr(c, p, "a text element (w:t) holds markup (<%s>); a Word "
                       "document keeps only text there",
                 (const char *)m->name);
            goto done;
        }
    }
    for (size_t i = 0; i < tn.n; i++) {
        xmlChar *content = xmlNodeGetContent(tn.t[i]);
        if (content)
            vt_buf_puts(&s, (const char *)content);
        xmlFree(content);
    }
    ph phs[64];
    size_t nph = s.data ? find_placeholders(c, p, s.data, phs, 64) : 0;
    if (nph == 0)
        goto done;
    for (size_t i = 0; i < nph; i++)
        c->t->used[phs[i].field] = 1;

    if (phs[0].sigil == '>') {
        /* a block: alone in its paragraph, in the body or a table cell */
        int alone = nph == 1;
        for (size_t j = 0; j < s.len && alone; j++)
            if ((j < phs[0].start || j >= phs[0].end) &&
                !isspace((unsigned char)s.data[j]))
                alone = 0;
        xmlNode *parent = p->parent;
        if (!alone) {
            terr(c, p, "{{>%s}} must be alone in its paragraph",
                 fields[phs[0].field].name);
        } else if (holds_more(p)) {
            terr(c, p, "{{>%s}} must be alone in its paragraph, which also "
                       "holds a text box, picture or shape",
                 fields[phs[0].field].name);
        } else if (!is_w(parent, "body") && !is_w(parent, "tc")) {
            terr(c, p, "{{>%s}} must be in the document body or a table "
                       "cell, not in a text box or shape",
                 fields[phs[0].field].name);
        } else {
            xmlNode *m = mark_node(p->doc, is_w(parent, "tc") ? 'C' : 'B',
                                   phs[0].field);
            xmlReplaceNode(p, m);
            xmlFreeNode(p);
        }
        goto done;
    }
    for (size_t i = 0; i < nph; i++) {
        if (phs[i].sigil == '>') {
            terr(c, p, "{{>%s}} must be alone in its paragraph",
                 fields[phs[i].field].name);
            goto done;
        }
    }
    rewrite_scalars(&tn, s.data, phs, nph);
    for (size_t i = 0; i < nph; i++) {
        if (phs[i].sigil != '?')
            continue;
        xmlAddPrevSibling(p, mark_node(p->doc, 'I', phs[i].field));
        xmlAddNextSibling(p, mark_node(p->doc, 'E', 0));
        break; /* one condition per paragraph */
    }
done:
    free(tn.t);
    vt_buf_free(&s);
}

static void collect_paragraphs(xmlNode *n, tnodes *out)
{
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (is_w(c, "p"))
            tnodes_push(out, c);
        collect_paragraphs(c, out); /* text boxes nest paragraphs */
    }
}

/* ---- drawing ids ------------------------------------------------------- */

/* Every drawing (picture, text box, shape) carries a wp:docPr id that
 * ECMA-376 requires to be unique in the document; Word reports a file with
 * two equal ids as unreadable content.  Clerks make such templates without
 * knowing it, by copying a text box or a logo in Word, and a template may
 * arrive with them from anywhere.  vanthu itself repeats no template XML
 * (it has no loop construct: clusters, schools, rows and sections are
 * generated, without drawings), so the template's own ids are the only
 * source of duplicates: the first drawing keeps its id, every later
 * duplicate or unreadable id gets the next free number.  Done once, when
 * the template is compiled. */

typedef struct {
    unsigned long long id; /* 0: missing or not a number */
    size_t order;
} drawing_id;

static void collect_doc_pr(xmlNode *n, tnodes *out)
{
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (c->ns && strcmp((const char *)c->ns->href, VT_WP_NS) == 0 &&
            strcmp((const char *)c->name, "docPr") == 0)
            tnodes_push(out, c);
        collect_doc_pr(c, out);
    }
}

static unsigned long long read_id(xmlNode *n)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)"id");
    unsigned long long id = 0;
    const char *p = (const char *)v;
    if (p && *p && strspn(p, "0123456789") == strlen(p) && strlen(p) <= 10)
        id = strtoull(p, NULL, 10);
    xmlFree(v);
    return id <= 0xffffffffu ? id : 0;
}

static int by_id_then_order(const void *a, const void *b)
{
    const drawing_id *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Returns 0, or -1 when the ids cannot be made unique (out of memory, or
 * more than 2^32 drawings). */
static int renumber_drawings(xmlNode *root)
{
    tnodes dp = {0};
    collect_doc_pr(root, &dp);
    if (dp.n == 0)
        return 0;
    drawing_id *ids = calloc(dp.n, sizeof *ids);
    char *dup = calloc(dp.n, 1);
    int rc = -1;
    if (!ids || !dup)
        goto out;
    unsigned long long next = 0;
    for (size_t i = 0; i < dp.n; i++) {
        ids[i] = (drawing_id){read_id(dp.t[i]), i};
        if (ids[i].id > next)
            next = ids[i].id;
    }
    qsort(ids, dp.n, sizeof *ids, by_id_then_order);
    for (size_t i = 0; i < dp.n; i++)
        dup[ids[i].order] = ids[i].id == 0 || (i && ids[i].id == ids[i - 1].id);
    for (size_t i = 0; i < dp.n; i++) {
        if (!dup[i])
            continue;
        if (++next > 0xffffffffu)
            goto out;
        char v[24];
        snprintf(v, sizeof v, "%llu", next);
        if (!xmlSetProp(dp.t[i], (const xmlChar *)"id", (const xmlChar *)v))
            goto out;
    }
    rc = 0;
out:
    free(ids);
    free(dup);
    free(dp.t);
    return rc;
}

/* ---- cutting the serialised XML into segments -------------------------- */

static int seg_add(vt_template *t, seg s)
{
    if (t->nsegs == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 32;
        seg *p = realloc(t->segs, cap * sizeof *p);
        if (!p)
            return -1;
        t->segs = p;
        t->cap = cap;
    }
    t->segs[t->nsegs++] = s;
    return 0;
}

static int cut_segments(vt_template *t, const char *xml, size_t len)
{
    vt_buf lit;
    vt_buf_init(&lit);
    const char *q = xml, *end = xml + len;
    size_t ol = strlen(MARK_OPEN);
    while (q < end) {
        const char *m = strstr(q, MARK_OPEN);
        if (!m)
            m = end;
        size_t start = lit.len;
        vt_buf_put(&lit, q, (size_t)(m - q));
        if (m > q && seg_add(t, (seg){SEG_LIT, start, (size_t)(m - q), 0, 0}))
            goto oom;
        if (m == end)
            break;
        char kind = m[ol];
        int field = atoi(m + ol + 1);
        const char *close = strstr(m, MARK_CLOSE);
        if (!close)
            break;
        seg s = {SEG_SCALAR, 0, 0, field, 0};
        switch (kind) {
        case 'B': s.kind = SEG_BLOCK; break;
        case 'C': s.kind = SEG_BLOCK; s.in_cell = 1; break;
        case 'I': s.kind = SEG_IF; break;
        case 'E': s.kind = SEG_ENDIF; break;
        default: break;
        }
        if (seg_add(t, s))
            goto oom;
        q = close + strlen(MARK_CLOSE);
    }
    if (lit.oom)
        goto oom;
    t->xml = vt_buf_take(&lit);
    return t->xml ? 0 : -1;
oom:
    vt_buf_free(&lit);
    return -1;
}

/* ---- opening the package ----------------------------------------------- */

static int safe_entry_name(const char *n)
{
    if (!n || !*n || n[0] == '/' || strchr(n, '\\') || strchr(n, ':'))
        return 0;
    for (const char *p = n; *p; p++)
        if ((p == n || p[-1] == '/') && p[0] == '.' && p[1] == '.' &&
            (p[2] == '/' || p[2] == '\0'))
            return 0;
    return 1;
}

/* Read one entry, refusing more than max bytes whatever the header says
 * (a zip bomb lies in its header). */
static char *read_entry(zip_t *z, zip_uint64_t i, size_t max, size_t *len,
                        int *too_big)
{
    *too_big = 0;
    zip_file_t *f = zip_fopen_index(z, i, 0);
    if (!f)
        return NULL;
    vt_buf b;
    vt_buf_init(&b);
    char chunk[65536];
    zip_int64_t n;
    while ((n = zip_fread(f, chunk, sizeof chunk)) > 0) {
        if (b.len + (size_t)n > max) {
            *too_big = 1;
            break;
        }
        vt_buf_put(&b, chunk, (size_t)n);
    }
    int failed = n < 0 || *too_big || b.oom;
    zip_fclose(f);
    if (failed) {
        vt_buf_free(&b);
        return NULL;
    }
    *len = b.len;
    return vt_buf_take(&b);
}

static vt_error compile(vt_template *t, const char *xml, size_t len,
                        vt_diags *d)
{
    cctx c = {t, d, 0};
    if (memmem(xml, len, MARK_OPEN, strlen(MARK_OPEN)) ||
        memmem(xml, len, MARK_CLOSE, strlen(MARK_CLOSE))) {
        vt_diags_addf(d, "%s: word/document.xml uses the private characters "
                         "U+E000/U+E001, which vanthu reserves",
                      t->name);
        return VT_ERR_TEMPLATE;
    }
    if (memmem(xml, len, "<!DOCTYPE", 9)) {
        vt_diags_addf(d, "%s: word/document.xml has a DOCTYPE, which a DOCX "
                         "never needs; refusing it",
                      t->name);
        return VT_ERR_TEMPLATE;
    }
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, "document.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR |
                                      XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        vt_diags_addf(d, "%s: word/document.xml:%d: not well-formed XML: %s",
                      t->name, e ? e->line : 0,
                      e && e->message ? e->message : "unreadable");
        return VT_ERR_TEMPLATE;
    }
    vt_error rc = VT_OK;
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *body = NULL;
    for (xmlNode *k = root ? root->children : NULL; k; k = k->next)
        if (is_w(k, "body"))
            body = k;
    xmlNode *sect = NULL;
    for (xmlNode *k = body ? body->children : NULL; k; k = k->next)
        if (is_w(k, "sectPr"))
            sect = k;
    if (!is_w(root, "document") || !body || !sect) {
        vt_diags_addf(d, "%s: word/document.xml is not a Word document body "
                         "with section properties (w:document/w:body/"
                         "w:sectPr)",
                      t->name);
        rc = VT_ERR_TEMPLATE;
        goto out;
    }
    xmlBufferPtr sb = xmlBufferCreate();
    if (!sb || xmlNodeDump(sb, doc, sect, 0, 0) < 0) {
        xmlBufferFree(sb);
        rc = VT_ERR_NOMEM;
        goto out;
    }
    t->sect_pr = strdup((const char *)xmlBufferContent(sb));
    xmlBufferFree(sb);

    tnodes paras = {0};
    collect_paragraphs(body, &paras);
    for (size_t i = 0; i < paras.n; i++)
        scan_paragraph(&c, paras.t[i]);
    free(paras.t);
    if (c.errors) {
        rc = VT_ERR_TEMPLATE;
        goto out;
    }
    if (renumber_drawings(root) != 0) {
        vt_diags_addf(d, "%s: word/document.xml: its drawings' ids "
                         "(wp:docPr) cannot be made unique",
                      t->name);
        rc = VT_ERR_TEMPLATE;
        goto out;
    }
    xmlChar *mem = NULL;
    int size = 0;
    xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
    if (!mem || !t->sect_pr || cut_segments(t, (const char *)mem, (size_t)size))
        rc = VT_ERR_NOMEM;
    xmlFree(mem);
out:
    xmlFreeDoc(doc);
    return rc;
}

vt_error vt_template_open_mem(const char *name, const void *data, size_t len,
                              const vt_limits *lim, vt_template **out,
                              vt_diags *d)
{
    vt_limits deflim = vt_limits_default();
    if (!lim)
        lim = &deflim;
    *out = NULL;
    vt_template *t = calloc(1, sizeof *t);
    if (!t)
        return VT_ERR_NOMEM;
    t->name = strdup(name);
    t->pkg = malloc(len ? len : 1);
    if (!t->name || !t->pkg) {
        vt_template_free(t);
        return VT_ERR_NOMEM;
    }
    memcpy(t->pkg, data, len);
    t->pkg_len = len;

    vt_error rc = VT_OK;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(t->pkg, len, 0, &ze);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze)
                   : NULL;
    if (!z) {
        vt_diags_addf(d, "%s: not a DOCX file (it is not a readable zip "
                         "package: %s)",
                      name, zip_error_strerror(&ze));
        zip_source_free(src);
        zip_error_fini(&ze);
        vt_template_free(t);
        return VT_ERR_ZIP;
    }
    zip_error_fini(&ze);
    zip_int64_t n = zip_get_num_entries(z, 0);
    int have_doc = 0, have_types = 0;
    if (n < 0 || (size_t)n > lim->max_parts) {
        vt_diags_addf(d, "%s: the package has %lld parts, more than the "
                         "limit of %zu (raise it with --max-parts)",
                      name, (long long)n, lim->max_parts);
        rc = VT_ERR_LIMIT;
        goto done;
    }
    for (zip_int64_t i = 0; i < n; i++) {
        const char *en = zip_get_name(z, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
        if (!safe_entry_name(en)) {
            vt_diags_addf(d, "%s: the package has an unsafe part name \"%s\" "
                             "(it points outside the package)",
                          name, en ? en : "");
            rc = VT_ERR_ZIP;
            continue;
        }
        if (strcmp(en, "[Content_Types].xml") == 0)
            have_types = 1;
        if (strcmp(en, "word/document.xml") == 0) {
            have_doc = 1;
            t->doc_index = (unsigned long long)i;
        }
    }
    if (rc != VT_OK)
        goto done;
    if (!have_doc || !have_types) {
        vt_diags_addf(d, "%s: not a Word document: the package has no %s",
                      name, have_doc ? "[Content_Types].xml" : "word/document.xml");
        rc = VT_ERR_ZIP;
        goto done;
    }
    size_t xlen = 0;
    int too_big = 0;
    char *xml = read_entry(z, t->doc_index, lim->max_part_bytes, &xlen, &too_big);
    if (!xml) {
        if (too_big)
            vt_diags_addf(d, "%s: word/document.xml inflates to more than the "
                             "limit of %zu bytes (raise it with "
                             "--max-part-bytes)",
                          name, lim->max_part_bytes);
        else
            vt_diags_addf(d, "%s: word/document.xml cannot be read: %s", name,
                          zip_strerror(z));
        rc = too_big ? VT_ERR_LIMIT : VT_ERR_ZIP;
        goto done;
    }
    rc = compile(t, xml, xlen, d);
    free(xml);
done:
    zip_discard(z);
    if (rc != VT_OK) {
        vt_template_free(t);
        return rc;
    }
    *out = t;
    return VT_OK;
}

vt_error vt_template_open(const char *path, const vt_limits *lim,
                          vt_template **out, vt_diags *d)
{
    vt_limits deflim = vt_limits_default();
    if (!lim)
        lim = &deflim;
    char *data;
    size_t len;
    /* a template package is bounded by its parts; 256 MiB is far beyond
     * any real one */
    int r = vt_read_file(path, 256u << 20, &data, &len);
    if (r != 0) {
        if (r == -2)
            vt_diags_addf(d, "%s: the template is larger than 256 MiB", path);
        else
            vt_diags_addf(d, "%s: cannot read the template: %s", path,
                          strerror(errno));
        *out = NULL;
        return r == -2 ? VT_ERR_LIMIT : VT_ERR_IO;
    }
    vt_error rc = vt_template_open_mem(path, data, len, lim, out, d);
    free(data);
    return rc;
}

void vt_template_free(vt_template *t)
{
    if (!t)
        return;
    free(t->name);
    free(t->pkg);
    free(t->xml);
    free(t->segs);
    free(t->sect_pr);
    free(t);
}

int vt_template_uses(const vt_template *t, vt_field f) { return t->used[f]; }
const char *vt_template_sect_pr(const vt_template *t) { return t->sect_pr; }
const char *vt_template_name(const vt_template *t) { return t->name; }

const unsigned char *vt_template_package(const vt_template *t, size_t *len,
                                         unsigned long long *doc_index)
{
    *len = t->pkg_len;
    *doc_index = t->doc_index;
    return t->pkg;
}

void vt_template_fill(const vt_template *t, const char *const *values,
                      vt_buf *out)
{
    int skipping = 0;
    for (size_t i = 0; i < t->nsegs; i++) {
        const seg *s = &t->segs[i];
        const char *v = s->kind == SEG_LIT ? NULL : values[s->field];
        switch (s->kind) {
        case SEG_LIT:
            if (!skipping)
                vt_buf_put(out, t->xml + s->off, s->len);
            break;
        case SEG_SCALAR:
            if (!skipping && v)
                vt_xml_text(out, v);
            break;
        case SEG_BLOCK:
            if (v)
                vt_buf_puts(out, v);
            /* a table cell must end with a paragraph */
            if (s->in_cell &&
                (!v || !*v ||
                 (strlen(v) >= 8 && strcmp(v + strlen(v) - 8, "</w:tbl>") == 0)))
                vt_buf_puts(out, "<w:p/>");
            break;
        case SEG_IF:
            skipping = !v || !*v;
            break;
        case SEG_ENDIF:
            skipping = 0;
            break;
        }
    }
}
