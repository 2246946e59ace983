/*
 * template.c - open a DOCX template, find its placeholders, compile it.
 *
 * The package is opened and checked by package.c (every entry inflated
 * with its CRC checked, names, links, the main part named by
 * _rels/.rels).  The main document and the headers, footers, footnotes
 * and endnotes it relates to are parsed with the hardened parser and
 * compiled; every other XML part is parsed too, so that a DOCTYPE or a
 * placeholder vanthu would leave unfilled is refused wherever it is.
 *
 * Compiling marks each placeholder in the DOM with a private-use character
 * (U+E000 … U+E001) carrying its slot number, serialises the DOM once, and
 * cuts the text at those marks.  Input can never produce these characters:
 * the parsed tree (text, attribute values, names, namespaces, comments,
 * whatever character references or encoding they came through) is
 * checked for them and a part holding one is refused, and the cutter
 * checks each mark's kind and slot number again.  Filling then never
 * touches XML again.
 */
#include "doc/template.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "doc/ooxml.h"
#include "package/package.h"
#include "base/quote.h"


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
    size_t off, len; /* SEG_LIT: a slice of the part's xml */
    int field;       /* < VT_F__COUNT, checked when cut */
    int in_cell; /* SEG_BLOCK inside a table cell: the cell needs a w:p */
} seg;

/* One compiled part: the main document, or a header, footer, footnotes or
 * endnotes part that holds placeholders. */
typedef struct {
    char *name;
    unsigned long long index;
    char *xml; /* serialised part with the marks cut out */
    seg *segs;
    size_t nsegs, cap;
} tpart;

struct vt_template {
    char *name;
    unsigned char *pkg;
    size_t pkg_len;
    tpart *parts; /* parts[0] is the main document */
    size_t nparts;
    char *sect_pr;
    int used[VT_F__COUNT];
};

#define W_NS "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define MARK_OPEN "\xee\x80\x80"  /* U+E000 */
#define MARK_CLOSE "\xee\x80\x81" /* U+E001 */

/* How many problems one template reports: past this the rest are
 * counted, so a template of a million bad placeholders costs a line, not
 * a gigabyte of messages. */
#define MAX_REPORTED 50

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
    int oom;
} tnodes;

/* Make room for one more element in the array *v of n elements of size
 * bytes (capacity *cap), doubling; -1 when out of memory. */
static int grow(void *v, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 16;
    void *p = realloc(*(void **)v, nc * size);
    if (!p)
        return -1;
    *(void **)v = p;
    *cap = nc;
    return 0;
}

static void tnodes_push(tnodes *out, xmlNode *n)
{
    if (grow(&out->t, out->n, &out->cap, sizeof *out->t) != 0)
        out->oom = 1;
    else
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

typedef enum { PART_MAIN, PART_NOTE, PART_OTHER } part_kind;

typedef struct {
    vt_template *t;
    vt_diags *d;
    const char *part; /* quoted part name, for messages */
    part_kind kind;
    int errors;
    size_t *reported; /* shared by the template's parts */
    int oom;
} cctx;

static void terr(cctx *c, xmlNode *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void terr(cctx *c, xmlNode *at, const char *fmt, ...)
{
    c->errors++;
    if ((*c->reported)++ >= MAX_REPORTED)
        return;
    char msg[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vt_diags_addf(c->d, "%s: %s:%ld: %s", c->t->name, c->part,
                  at ? xmlGetLineNo(at) : 0L, msg);
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

typedef struct {
    ph *v;
    size_t n, cap;
} ph_list;

static int ph_push(ph_list *l, ph p)
{
    if (grow(&l->v, l->n, &l->cap, sizeof *l->v) != 0)
        return -1;
    l->v[l->n++] = p;
    return 0;
}

/* The text of a placeholder as typed, escaped for a message. */
static const char *shown(char *out, size_t size, const char *q,
                         const char *end)
{
    size_t len = (size_t)(end - q);
    return vt_quote(out, size, q, len > 100 ? 100 : len);
}

/* The first "cc" at or after s, or NULL.  A plain loop: a sanitizer's
 * strstr checks the whole rest of the string on every call, which made a
 * paragraph of a million placeholders quadratic under ASan. */
static const char *find_pair(const char *s, char ch)
{
    for (; *s; s++)
        if (s[0] == ch && s[1] == ch)
            return s;
    return NULL;
}

/* Find the placeholders in s; report unknown or unclosed ones.  There is
 * no cap on their number: the paragraph's text is bounded by the part. */
static void find_placeholders(cctx *c, xmlNode *p, const char *s,
                              ph_list *out)
{
    const char *q = s;
    while ((q = find_pair(q, '{')) != NULL) {
        const char *end = find_pair(q + 2, '}');
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
        char sh[160];
        shown(sh, sizeof sh, q, end + 2);
        if (f < 0) {
            known[0] = '\0';
            if (*c->reported < MAX_REPORTED) /* the list costs a kilobyte */
                known_list(known, sizeof known, sigil == '>');
            terr(c, p, "unknown placeholder %s; known: %s", sh, known);
        } else if ((sigil == '>') != fields[f].block) {
            if (fields[f].block)
                terr(c, p, "%s is a block: write it as {{>%s}} alone in its "
                           "paragraph", sh, fields[f].name);
            else
                terr(c, p, "%s is a text field: write it as {{%s}}", sh,
                     fields[f].name);
        } else if (sigil == '>' && c->kind != PART_MAIN) {
            terr(c, p, "%s is a block, which belongs in the document body; "
                       "a header, footer or note takes text fields only",
                 sh);
        } else if (ph_push(out, (ph){(size_t)(q - s), (size_t)(end + 2 - s),
                                     sigil, f}) != 0) {
            c->oom = 1;
            return;
        }
        q = end + 2;
    }
}

static xmlNode *mark_node(xmlDoc *doc, char kind, int field)
{
    char m[32];
    snprintf(m, sizeof m, MARK_OPEN "%c%d" MARK_CLOSE, kind, field);
    return xmlNewDocText(doc, (const xmlChar *)m);
}

/* Rewrite the w:t texts of a paragraph: each scalar placeholder becomes a
 * mark in the node where it starts; the rest of its characters, in
 * whatever runs they sit, are removed.  Linear in the paragraph's text. */
static int rewrite_scalars(tnodes *tn, const char *s, const ph_list *phs)
{
    size_t pos = 0, k = 0;
    vt_buf nt;
    vt_buf_init(&nt);
    for (size_t i = 0; i < tn->n; i++) {
        xmlChar *content = xmlNodeGetContent(tn->t[i]);
        size_t len = content ? strlen((const char *)content) : 0;
        xmlFree(content);
        vt_buf_reset(&nt);
        for (size_t j = pos; j < pos + len; j++) {
            while (k < phs->n && phs->v[k].end <= j)
                k++;
            if (k < phs->n && j >= phs->v[k].start && j < phs->v[k].end) {
                if (j == phs->v[k].start && phs->v[k].sigil == 0) {
                    char m[32];
                    snprintf(m, sizeof m, MARK_OPEN "S%d" MARK_CLOSE,
                             phs->v[k].field);
                    vt_buf_puts(&nt, m);
                }
                continue;
            }
            vt_buf_putc(&nt, s[j]);
        }
        pos += len;
        if (nt.oom)
            break;
        /* xmlNodeSetContent would parse entities; set raw text instead */
        xmlNodeSetContent(tn->t[i], NULL);
        if (nt.len) {
            xmlNode *txt = xmlNewDocText(tn->t[i]->doc, (const xmlChar *)nt.data);
            if (!txt || !xmlAddChild(tn->t[i], txt)) {
                xmlFreeNode(txt);
                nt.oom = 1;
                break;
            }
        }
        xmlNodeSetSpacePreserve(tn->t[i], 1);
    }
    int rc = nt.oom ? -1 : 0;
    vt_buf_free(&nt);
    return rc;
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

/* A block paragraph: alone, in the body or a table cell, replaced by a
 * mark. */
static void place_block(cctx *c, xmlNode *p, const vt_buf *s,
                        const ph_list *phs)
{
    const ph *b = &phs->v[0];
    int alone = phs->n == 1;
    for (size_t j = 0; j < s->len && alone; j++)
        if ((j < b->start || j >= b->end) &&
            !isspace((unsigned char)s->data[j]))
            alone = 0;
    xmlNode *parent = p->parent;
    if (!alone) {
        terr(c, p, "{{>%s}} must be alone in its paragraph",
             fields[b->field].name);
    } else if (holds_more(p)) {
        terr(c, p, "{{>%s}} must be alone in its paragraph, which also "
                   "holds a text box, picture or shape",
             fields[b->field].name);
    } else if (!is_w(parent, "body") && !is_w(parent, "tc")) {
        terr(c, p, "{{>%s}} must be in the document body or a table "
                   "cell, not in a text box or shape",
             fields[b->field].name);
    } else {
        xmlNode *m = mark_node(p->doc, is_w(parent, "tc") ? 'C' : 'B',
                               b->field);
        if (!m) {
            c->oom = 1;
            return;
        }
        xmlReplaceNode(p, m);
        xmlFreeNode(p);
    }
}

/* Every condition of a paragraph ({{?a}} … {{?b}}) must hold for it to be
 * kept: one IF mark per condition before it, as many END marks after. */
static void place_conditions(cctx *c, xmlNode *p, const ph_list *phs)
{
    for (size_t i = 0; i < phs->n; i++) {
        if (phs->v[i].sigil != '?')
            continue;
        xmlNode *open = mark_node(p->doc, 'I', phs->v[i].field);
        xmlNode *close = mark_node(p->doc, 'E', 0);
        if (!open || !close || !xmlAddPrevSibling(p, open) ||
            !xmlAddNextSibling(p, close)) {
            c->oom = 1;
            return;
        }
    }
}

static void scan_paragraph(cctx *c, xmlNode *p)
{
    tnodes tn = {0};
    ph_list phs = {0};
    collect_t(p, &tn);
    vt_buf s;
    vt_buf_init(&s);
    if (tn.oom) {
        c->oom = 1;
        goto done;
    }
    for (size_t i = 0; i < tn.n; i++) {
        const xmlNode *m = markup_in_text(tn.t[i]);
        if (m) {
            char qn[128];
            terr(c, p, "a text element (w:t) holds markup (<%s>); a Word "
                       "document keeps only text there",
                 vt_quotes(qn, sizeof qn, (const char *)m->name));
            goto done;
        }
    }
    for (size_t i = 0; i < tn.n; i++) {
        xmlChar *content = xmlNodeGetContent(tn.t[i]);
        if (content)
            vt_buf_puts(&s, (const char *)content);
        xmlFree(content);
    }
    if (s.oom) {
        c->oom = 1;
        goto done;
    }
    if (s.data)
        find_placeholders(c, p, s.data, &phs);
    if (phs.n == 0)
        goto done;
    for (size_t i = 0; i < phs.n; i++)
        c->t->used[phs.v[i].field] = 1;
    if (phs.v[0].sigil == '>') {
        place_block(c, p, &s, &phs);
        goto done;
    }
    for (size_t i = 0; i < phs.n; i++) {
        if (phs.v[i].sigil == '>') {
            terr(c, p, "{{>%s}} must be alone in its paragraph",
                 fields[phs.v[i].field].name);
            goto done;
        }
    }
    if (rewrite_scalars(&tn, s.data, &phs) != 0) {
        c->oom = 1;
        goto done;
    }
    place_conditions(c, p, &phs);
done:
    free(tn.t);
    free(phs.v);
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

/* ---- what the scanner does not see --------------------------------------- */

static int reserved(const xmlChar *s)
{
    return s && (strstr((const char *)s, MARK_OPEN) ||
                 strstr((const char *)s, MARK_CLOSE));
}

static const char *qname(char *out, size_t size, const xmlNode *n)
{
    char raw[300];
    snprintf(raw, sizeof raw, "%s%s%s",
             n->ns && n->ns->prefix ? (const char *)n->ns->prefix : "",
             n->ns && n->ns->prefix ? ":" : "", (const char *)n->name);
    return vt_quotes(out, size, raw);
}

/* A placeholder typed where vanthu does not fill it: in a field
 * instruction, an attribute (alt text, w:fldSimple/@w:instr), text
 * outside a paragraph, or a part it does not fill at all. */
static void unfilled(cctx *c, xmlNode *at, const xmlChar *text,
                     const char *where)
{
    const char *q = strstr((const char *)text, "{{");
    const char *e = q ? strstr(q, "}}") : NULL;
    char sh[160];
    shown(sh, sizeof sh, q, e ? e + 2 : q + strlen(q));
    if (c->kind == PART_OTHER)
        terr(c, at, "the placeholder %s (in %s) would be left as typed: "
                    "vanthu fills placeholders only in the document text, "
                    "its headers, footers, footnotes and endnotes",
             sh, where);
    else
        terr(c, at, "the placeholder %s is in %s, where vanthu does not "
                    "fill it; type it in the document text",
             sh, where);
}

/* Walk the whole parsed part once: refuse vanthu's private mark
 * characters anywhere (names, namespaces, attributes, text, comments),
 * and placeholders outside the text the scanner fills.  in_p: inside a
 * w:p; in_t: directly in a w:t of a part being filled. */
static void check_tree(cctx *c, xmlNode *n, int in_p)
{
    char q[128], where[200];
    for (xmlNode *k = n; k; k = k->next) {
        switch (k->type) {
        case XML_ELEMENT_NODE: {
            int bad = reserved(k->name) ||
                      (k->ns && (reserved(k->ns->href) ||
                                 reserved(k->ns->prefix)));
            for (xmlNs *ns = k->nsDef; ns; ns = ns->next)
                bad |= reserved(ns->href) || reserved(ns->prefix);
            for (xmlAttr *a = k->properties; a; a = a->next) {
                xmlChar *v = xmlNodeGetContent((xmlNode *)a);
                bad |= reserved(a->name) || reserved(v);
                if (v && strstr((const char *)v, "{{")) {
                    char qa[100];
                    if (is_w(k, "fldSimple"))
                        snprintf(where, sizeof where, "a field instruction "
                                                      "(w:fldSimple/@w:instr)");
                    else
                        snprintf(where, sizeof where, "the attribute %s of <%s>",
                                 vt_quotes(qa, sizeof qa, (const char *)a->name),
                                 qname(q, sizeof q, k));
                    unfilled(c, k, v, where);
                }
                xmlFree(v);
            }
            if (bad)
                terr(c, k, "<%s> holds the private characters U+E000/U+E001, "
                           "which vanthu reserves (perhaps written as "
                           "&#xE000;); refusing the part",
                     qname(q, sizeof q, k));
            check_tree(c, k->children, in_p || is_w(k, "p"));
            break;
        }
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (reserved(k->content)) {
                terr(c, k->parent, "text in <%s> holds the private characters "
                                   "U+E000/U+E001, which vanthu reserves "
                                   "(perhaps written as &#xE000;)",
                     qname(q, sizeof q, k->parent));
            } else if (k->content && strstr((const char *)k->content, "{{") &&
                       !is_w(k->parent, "delText") &&
                       !(c->kind != PART_OTHER && in_p &&
                         is_w(k->parent, "t"))) {
                if (is_w(k->parent, "instrText"))
                    snprintf(where, sizeof where, "a field instruction "
                                                  "(<w:instrText>)");
                else
                    snprintf(where, sizeof where, "<%s>",
                             qname(q, sizeof q, k->parent));
                unfilled(c, k->parent, k->content, where);
            }
            break;
        case XML_COMMENT_NODE:
        case XML_PI_NODE:
            if (reserved(k->content) || reserved(k->name))
                terr(c, k->parent ? k->parent : k,
                     "a comment or processing instruction holds the private "
                     "characters U+E000/U+E001, which vanthu reserves");
            break;
        default:
            break;
        }
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

static int seg_add(tpart *tp, seg s)
{
    if (grow(&tp->segs, tp->nsegs, &tp->cap, sizeof *tp->segs) != 0)
        return -1;
    tp->segs[tp->nsegs++] = s;
    return 0;
}

/* Read one mark "U+E000 kind digits U+E001" at m into s; returns the
 * byte after it, or NULL when the mark is not one vanthu wrote (which
 * check_tree makes impossible; checked all the same, so that no slot
 * number can index past the values). */
static const char *read_mark(const char *m, const char *end, seg *s)
{
    const char *q = m + strlen(MARK_OPEN);
    if (q >= end)
        return NULL;
    char kind = *q++;
    int field = 0, digits = 0;
    while (q < end && *q >= '0' && *q <= '9' && digits < 3) {
        field = field * 10 + (*q++ - '0');
        digits++;
    }
    size_t cl = strlen(MARK_CLOSE);
    if (digits == 0 || (size_t)(end - q) < cl || memcmp(q, MARK_CLOSE, cl) ||
        field >= VT_F__COUNT)
        return NULL;
    *s = (seg){SEG_SCALAR, 0, 0, field, 0};
    switch (kind) {
    case 'S': break;
    case 'B': s->kind = SEG_BLOCK; break;
    case 'C': s->kind = SEG_BLOCK; s->in_cell = 1; break;
    case 'I': s->kind = SEG_IF; break;
    case 'E': s->kind = SEG_ENDIF; break;
    default: return NULL;
    }
    int block = fields[field].block;
    if ((s->kind == SEG_BLOCK) != block && s->kind != SEG_ENDIF)
        return NULL;
    return q + cl;
}

/* The first mark at or after q, or end (a loop, for the same reason as
 * find_pair). */
static const char *next_mark(const char *q, const char *end)
{
    size_t n = strlen(MARK_OPEN);
    for (; q + n <= end; q++)
        if (q[0] == MARK_OPEN[0] && memcmp(q, MARK_OPEN, n) == 0)
            return q;
    return end;
}

/* Returns 0, -1 out of memory, -2 for a mark vanthu did not write. */
static int cut_segments(tpart *tp, const char *xml, size_t len)
{
    vt_buf lit;
    vt_buf_init(&lit);
    const char *q = xml, *end = xml + len;
    int depth = 0, rc = -1;
    while (q < end) {
        const char *m = next_mark(q, end);
        size_t start = lit.len;
        vt_buf_put(&lit, q, (size_t)(m - q));
        if (m > q && seg_add(tp, (seg){SEG_LIT, start, (size_t)(m - q), 0, 0}))
            goto out;
        if (m == end)
            break;
        seg s;
        q = read_mark(m, end, &s);
        if (!q || (s.kind == SEG_ENDIF && depth == 0)) {
            rc = -2;
            goto out;
        }
        depth += s.kind == SEG_IF ? 1 : s.kind == SEG_ENDIF ? -1 : 0;
        if (seg_add(tp, s))
            goto out;
    }
    /* an unbalanced condition or a stray closing mark is not vanthu's */
    if (depth != 0 || (lit.data && memmem(lit.data, lit.len, MARK_CLOSE,
                                          strlen(MARK_CLOSE)))) {
        rc = -2;
        goto out;
    }
    if (lit.oom)
        goto out;
    tp->xml = vt_buf_take(&lit);
    return tp->xml ? 0 : -1;
out:
    vt_buf_free(&lit);
    return rc;
}

/* ---- compiling one part -------------------------------------------------- */

/* The root a filled part must have. */
static int root_ok(part_kind kind, const char *rel_type, xmlNode *root)
{
    if (kind == PART_MAIN)
        return is_w(root, "document");
    if (strcmp(rel_type, VT_REL_HEADER) == 0)
        return is_w(root, "hdr");
    if (strcmp(rel_type, VT_REL_FOOTER) == 0)
        return is_w(root, "ftr");
    if (strcmp(rel_type, VT_REL_FOOTNOTES) == 0)
        return is_w(root, "footnotes");
    return is_w(root, "endnotes");
}

/* Serialise doc as UTF-8 (whatever the part's own encoding was) and cut
 * it at the marks into a new compiled part. */
static vt_error emit_part(vt_template *t, const vt_part *pt, xmlDoc *doc,
                          vt_diags *d)
{
    tpart *np = realloc(t->parts, (t->nparts + 1) * sizeof *np);
    if (!np)
        return VT_ERR_NOMEM;
    t->parts = np;
    tpart *tp = &t->parts[t->nparts];
    memset(tp, 0, sizeof *tp);
    tp->index = pt->index;
    tp->name = strdup(pt->name);
    t->nparts++;
    xmlChar *mem = NULL;
    int size = 0;
    xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
    int cut = mem && tp->name ? cut_segments(tp, (const char *)mem, (size_t)size)
                              : -1;
    xmlFree(mem);
    if (cut == -2) {
        char qn[256];
        vt_diags_addf(d, "%s: %s: internal marks are inconsistent; refusing "
                         "the template",
                      t->name, vt_quotes(qn, sizeof qn, pt->name));
        return VT_ERR_TEMPLATE;
    }
    return cut == 0 ? VT_OK : VT_ERR_NOMEM;
}

/* The main document: w:document/w:body/w:sectPr. */
static xmlNode *main_body(cctx *c, xmlNode *root, xmlNode **sect)
{
    xmlNode *body = NULL;
    *sect = NULL;
    for (xmlNode *k = root ? root->children : NULL; k; k = k->next)
        if (is_w(k, "body"))
            body = k;
    for (xmlNode *k = body ? body->children : NULL; k; k = k->next)
        if (is_w(k, "sectPr"))
            *sect = k;
    if (!is_w(root, "document") || !body || !*sect) {
        vt_diags_addf(c->d, "%s: %s is not a Word document body with section "
                            "properties (w:document/w:body/w:sectPr)",
                      c->t->name, c->part);
        c->errors++;
        return NULL;
    }
    return body;
}

static vt_error keep_sect_pr(vt_template *t, xmlDoc *doc, xmlNode *sect)
{
    xmlBufferPtr sb = xmlBufferCreate();
    if (!sb || xmlNodeDump(sb, doc, sect, 0, 0) < 0) {
        xmlBufferFree(sb);
        return VT_ERR_NOMEM;
    }
    t->sect_pr = strdup((const char *)xmlBufferContent(sb));
    xmlBufferFree(sb);
    return t->sect_pr ? VT_OK : VT_ERR_NOMEM;
}

/* Parse, check and (for the main part and parts with placeholders)
 * compile one part.  rel_type says what the main part relates it as. */
static vt_error compile_part(vt_template *t, vt_package *pk,
                             const vt_part *pt, part_kind kind,
                             const char *rel_type, size_t *reported,
                             vt_diags *d)
{
    char qn[256];
    vt_quotes(qn, sizeof qn, pt->name);
    cctx c = {t, d, qn, kind, 0, reported, 0};
    vt_error rc;
    xmlDoc *doc = vt_package_parse(pk, pt, &rc, d);
    if (!doc)
        return rc == VT_ERR_XML ? VT_ERR_TEMPLATE : rc;
    xmlNode *root = xmlDocGetRootElement(doc);
    check_tree(&c, doc->children, 0);
    if (kind == PART_OTHER || c.errors) {
        rc = c.errors ? VT_ERR_TEMPLATE : VT_OK;
        goto out;
    }
    xmlNode *scan = root, *sect = NULL;
    if (kind == PART_MAIN) {
        scan = main_body(&c, root, &sect);
        if (scan && (rc = keep_sect_pr(t, doc, sect)) != VT_OK)
            goto out;
    } else if (!root_ok(kind, rel_type, root)) {
        char qr[128];
        terr(&c, root, "the main document relates this part as a %s, but "
                       "its root element is <%s>",
             strrchr(rel_type, '/') + 1, qname(qr, sizeof qr, root));
        scan = NULL;
    }
    if (!scan) {
        rc = VT_ERR_TEMPLATE;
        goto out;
    }
    size_t before = t->nparts;
    tnodes paras = {0};
    collect_paragraphs(scan, &paras);
    c.oom |= paras.oom;
    for (size_t i = 0; i < paras.n && !c.oom; i++)
        scan_paragraph(&c, paras.t[i]);
    free(paras.t);
    if (c.oom) {
        rc = VT_ERR_NOMEM;
        goto out;
    }
    if (c.errors) {
        rc = VT_ERR_TEMPLATE;
        goto out;
    }
    if (kind == PART_MAIN && renumber_drawings(root) != 0) {
        vt_diags_addf(d, "%s: %s: its drawings' ids (wp:docPr) cannot be "
                         "made unique",
                      t->name, qn);
        rc = VT_ERR_TEMPLATE;
        goto out;
    }
    rc = emit_part(t, pt, doc, d);
    /* a header without placeholders is copied as it is */
    if (rc == VT_OK && kind != PART_MAIN && t->parts[before].nsegs <= 1 &&
        (t->parts[before].nsegs == 0 || t->parts[before].segs[0].kind == SEG_LIT)) {
        t->nparts--;
        free(t->parts[before].name);
        free(t->parts[before].xml);
        free(t->parts[before].segs);
    }
out:
    xmlFreeDoc(doc);
    return rc;
}

/* ---- opening the package ----------------------------------------------- */

static int is_note_rel(const char *type)
{
    return strcmp(type, VT_REL_HEADER) == 0 ||
           strcmp(type, VT_REL_FOOTER) == 0 ||
           strcmp(type, VT_REL_FOOTNOTES) == 0 ||
           strcmp(type, VT_REL_ENDNOTES) == 0;
}

static int is_xml_part(const vt_part *pt)
{
    const char *ct = pt->content_type;
    size_t n = strlen(pt->name), cl = ct ? strlen(ct) : 0;
    return (cl >= 3 && strcmp(ct + cl - 3, "xml") == 0) ||
           (n >= 4 && strcasecmp(pt->name + n - 4, ".xml") == 0) ||
           (n >= 5 && strcasecmp(pt->name + n - 5, ".rels") == 0);
}

/* Keep the worst error: a limit or lack of memory stops the work and says
 * why; otherwise the first error found. */
static vt_error worse(vt_error a, vt_error b)
{
    if (a == VT_ERR_NOMEM || b == VT_ERR_NOMEM)
        return VT_ERR_NOMEM;
    if (a == VT_ERR_LIMIT || b == VT_ERR_LIMIT)
        return VT_ERR_LIMIT;
    return a != VT_OK ? a : b;
}

/* Compile the main part and its headers, footers and notes; parse every
 * other XML part for what must not be there.  Every problem is reported. */
static vt_error compile_package(vt_template *t, vt_package *pk, vt_diags *d)
{
    size_t reported = 0;
    const vt_part *main = vt_package_main(pk);
    vt_rel *rels = NULL;
    size_t nrels = 0;
    vt_error rc = vt_package_check_external(pk, d);
    if (rc == VT_ERR_NOMEM || rc == VT_ERR_LIMIT)
        return rc;
    vt_error rr = vt_package_rels(pk, main, &rels, &nrels, d);
    if (rr != VT_OK)
        return rr;
    char *done = calloc(vt_package_count(pk) + 1, 1);
    if (!done) {
        vt_package_rels_free(rels, nrels);
        return VT_ERR_NOMEM;
    }
    rc = worse(rc, compile_part(t, pk, main, PART_MAIN, "", &reported, d));
    done[main->index] = 1;
    for (size_t i = 0; i < nrels && rc != VT_ERR_NOMEM && rc != VT_ERR_LIMIT; i++) {
        if (!is_note_rel(rels[i].type))
            continue;
        char qt[256];
        if (rels[i].external || !rels[i].part) {
            vt_diags_addf(d, "%s: the main document's %s \"%s\" is not in the "
                             "package",
                          t->name, strrchr(rels[i].type, '/') + 1,
                          vt_quotes(qt, sizeof qt, rels[i].target));
            rc = worse(rc, VT_ERR_TEMPLATE);
            continue;
        }
        if (done[rels[i].part->index])
            continue;
        done[rels[i].part->index] = 1;
        rc = worse(rc, compile_part(t, pk, rels[i].part, PART_NOTE,
                                    rels[i].type, &reported, d));
    }
    for (size_t i = 0; i < vt_package_count(pk) && rc != VT_ERR_NOMEM &&
                       rc != VT_ERR_LIMIT; i++) {
        const vt_part *pt = vt_package_part(pk, i);
        if (pt->is_dir || done[pt->index] || !is_xml_part(pt))
            continue;
        rc = worse(rc, compile_part(t, pk, pt, PART_OTHER, "", &reported, d));
    }
    if (reported > MAX_REPORTED)
        vt_diags_addf(d, "%s: … and %zu more problems like these", t->name,
                      reported - MAX_REPORTED);
    free(done);
    vt_package_rels_free(rels, nrels);
    return rc;
}

vt_error vt_template_open_mem(const char *name, const void *data, size_t len,
                              const vt_limits *lim, vt_template **out,
                              vt_diags *d)
{
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
    vt_package *pk = NULL;
    vt_error rc = vt_package_open(name, t->pkg, len, lim, &pk, d);
    if (rc == VT_OK)
        rc = compile_package(t, pk, d);
    vt_package_free(pk);
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
    for (size_t i = 0; i < t->nparts; i++) {
        free(t->parts[i].name);
        free(t->parts[i].xml);
        free(t->parts[i].segs);
    }
    free(t->parts);
    free(t->name);
    free(t->pkg);
    free(t->sect_pr);
    free(t);
}

int vt_template_uses(const vt_template *t, vt_field f) { return t->used[f]; }
const char *vt_template_sect_pr(const vt_template *t) { return t->sect_pr; }
const char *vt_template_name(const vt_template *t) { return t->name; }
size_t vt_template_nparts(const vt_template *t) { return t->nparts; }
unsigned long long vt_template_part_index(const vt_template *t, size_t i)
{
    return t->parts[i].index;
}
const char *vt_template_part_name(const vt_template *t, size_t i)
{
    return t->parts[i].name;
}

const unsigned char *vt_template_package(const vt_template *t, size_t *len,
                                         unsigned long long *doc_index)
{
    *len = t->pkg_len;
    *doc_index = t->parts[0].index;
    return t->pkg;
}

void vt_template_fill_part(const vt_template *t, size_t part,
                           const char *const *values, vt_buf *out)
{
    const tpart *tp = &t->parts[part];
    /* conditions nest (a text box's paragraph inside a conditional one):
     * skip_from is the depth whose condition failed, 0 when none did */
    size_t depth = 0, skip_from = 0;
    for (size_t i = 0; i < tp->nsegs; i++) {
        const seg *s = &tp->segs[i];
        const char *v = s->kind == SEG_LIT ? NULL : values[s->field];
        switch (s->kind) {
        case SEG_LIT:
            if (!skip_from)
                vt_buf_put(out, tp->xml + s->off, s->len);
            break;
        case SEG_SCALAR:
            if (!skip_from && v)
                vt_xml_text(out, v);
            break;
        case SEG_BLOCK:
            if (skip_from)
                break;
            if (v)
                vt_buf_puts(out, v);
            /* a table cell must end with a paragraph */
            if (s->in_cell &&
                (!v || !*v ||
                 (strlen(v) >= 8 && strcmp(v + strlen(v) - 8, "</w:tbl>") == 0)))
                vt_buf_puts(out, "<w:p/>");
            break;
        case SEG_IF:
            depth++;
            if (!skip_from && (!v || !*v))
                skip_from = depth;
            break;
        case SEG_ENDIF:
            if (skip_from == depth)
                skip_from = 0;
            if (depth)
                depth--;
            break;
        }
    }
}

void vt_template_fill(const vt_template *t, const char *const *values,
                      vt_buf *out)
{
    vt_template_fill_part(t, 0, values, out);
}
