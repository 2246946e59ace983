/*
 * check.c - the thể thức of a DOCX against Decree 30/2020/NĐ-CP.
 *
 * A DOCX written by hand has no vanthu styles to go by, so every paragraph
 * is looked at as the văn thư looks at the printed page: its text, and its
 * size, bold, italic, alignment, indent and spacing as Word would show
 * them (direct formatting, then the character style, the paragraph style
 * with its basedOn chain, then the document defaults).  The elements are
 * found by their words ("CỘNG HÒA…", "Số:", ", ngày … tháng … năm",
 * "Nơi nhận:") and position, and each is held to the rule table below.
 * The table is the one place the decree's numbers are written; the
 * integration tests hold vanthu's own output to the same numbers.
 */
#include "doc/check.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/import_docx.h"
#include "package/package.h"
#include "base/vn_text.h"

#define W_NS "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

/* ---- the rules ------------------------------------------------------------ */

/* One rule of the decree: id, where it is written, and for size rules the
 * allowed range in points. */
typedef struct {
    const char *id;
    const char *ref;
    double lo, hi;
} rule_def;

static const rule_def RULES[] = {
    {"quoc-hieu.missing", "PL I, II.1", 0, 0},
    {"quoc-hieu.text", "PL I, II.1", 0, 0},
    {"quoc-hieu.case", "PL I, II.1", 0, 0},
    {"quoc-hieu.size", "PL I, II.1", 12, 13},
    {"quoc-hieu.bold", "PL I, II.1", 0, 0},
    {"tieu-ngu.missing", "PL I, II.1", 0, 0},
    {"tieu-ngu.text", "PL I, II.1", 0, 0},
    {"tieu-ngu.size", "PL I, II.1", 13, 14},
    {"tieu-ngu.bold", "PL I, II.1", 0, 0},
    {"tieu-ngu.rule", "PL I, II.1", 0, 0},
    {"agency.missing", "PL I, II.2", 0, 0},
    {"agency.case", "PL I, II.2", 0, 0},
    {"agency.size", "PL I, II.2", 12, 13},
    {"agency.bold", "PL I, II.2", 0, 0},
    {"agency.parent-bold", "PL I, II.2", 0, 0},
    {"agency.rule", "PL I, II.2", 0, 0},
    {"so.missing", "PL I, II.3", 0, 0},
    {"so.form", "PL I, II.3", 0, 0},
    {"so.padding", "PL I, II.3", 0, 0},
    {"so.kyhieu", "PL I, II.3", 0, 0},
    {"so.size", "PL I, II.3", 13, 13},
    {"date.missing", "PL I, II.4", 0, 0},
    {"date.form", "PL I, II.4", 0, 0},
    {"date.padding", "PL I, II.4", 0, 0},
    {"date.size", "PL I, II.4", 13, 14},
    {"date.italic", "PL I, II.4", 0, 0},
    {"type.missing", "PL I, II.5", 0, 0},
    {"type.bold", "PL I, II.5", 0, 0},
    {"type.size", "PL I, II.5", 13, 14},
    {"trich-yeu.bold", "PL I, II.5", 0, 0},
    {"trich-yeu.size", "PL I, II.5", 13, 14},
    {"vv.size", "PL I, II.5.b", 12, 13},
    {"vv.bold", "PL I, II.5.b", 0, 0},
    {"body.size", "PL I, II.6", 13, 14},
    {"body.justify", "PL I, II.6", 0, 0},
    {"body.indent", "PL I, II.6", 0, 0},
    {"body.spacing", "PL I, II.6", 0, 0},
    {"noi-nhan.missing", "PL I, II.9", 0, 0},
    {"noi-nhan.label", "PL I, II.9", 12, 12},
    {"noi-nhan.size", "PL I, II.9", 11, 11},
    {"noi-nhan.punct", "PL I, II.9", 0, 0},
    {"noi-nhan.luu", "PL I, II.9", 0, 0},
    {"sign.missing", "PL I, II.7", 0, 0},
    {"sign.authority", "Điều 13; PL I, II.7", 0, 0},
    {"sign.title", "PL I, II.7", 13, 14},
    {"sign.name", "PL I, II.7", 13, 14},
    {"page.size", "PL I, Phần I, Mục I", 0, 0},
    {"page.margins", "PL I, Phần I, Mục I", 0, 0},
    {"page.numbers", "PL I, Phần I, Mục I", 0, 0},
};

/* Page setup in twips (1 mm = 56.7 twips): A4 and the margin ranges. */
enum {
    A4_W = 11906, A4_H = 16838, A4_SLACK = 30,
    M_TOP_LO = 1134, M_TOP_HI = 1418, M_BOT_LO = 1134, M_BOT_HI = 1418,
    M_LEFT_LO = 1701, M_LEFT_HI = 1985, M_RIGHT_LO = 850, M_RIGHT_HI = 1134,
    INDENT_LO = 567, INDENT_HI = 720, /* 1 cm and 1.27 cm */
    PARA_SPACE_MIN = 120,             /* 6 pt between paragraphs */
    LINE_LO = 240, LINE_HI = 360,     /* single to 1.5 lines */
    BODY_MIN_BYTES = 120              /* a paragraph long enough to wrap */
};

static const rule_def *rule(const char *id)
{
    for (size_t i = 0; i < sizeof RULES / sizeof RULES[0]; i++)
        if (strcmp(RULES[i].id, id) == 0)
            return &RULES[i];
    return &RULES[0]; /* not reached: every id used is in the table */
}

/* ---- results -------------------------------------------------------------- */

void vt_check_result_free(vt_check_result *r)
{
    for (size_t i = 0; i < r->count; i++) {
        free(r->v[i].excerpt);
        free(r->v[i].what);
    }
    free(r->v);
    r->v = NULL;
    r->count = r->cap = 0;
}

/* Up to 40 characters of text (whole UTF-8 sequences), for "where". */
static char *excerpt_of(const char *s)
{
    size_t n = 0, chars = 0;
    while (s && s[n] && chars < 40) {
        n++;
        while ((s[n] & 0xC0) == 0x80)
            n++;
        chars++;
    }
    char *e = malloc(n + 4);
    if (!e)
        return NULL;
    memcpy(e, s ? s : "", n);
    strcpy(e + n, s && s[n] ? "…" : "");
    return e;
}

/* Record a breach; 0 on success, -1 out of memory. */
static int add(vt_check_result *r, const char *id, int para, const char *text,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int add(vt_check_result *r, const char *id, int para, const char *text,
               const char *fmt, ...)
{
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        vt_violation *v = realloc(r->v, cap * sizeof *v);
        if (!v)
            return -1;
        r->v = v;
        r->cap = cap;
    }
    vt_buf b;
    vt_buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    vt_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    char *what = vt_buf_take(&b);
    char *ex = excerpt_of(text ? text : "");
    if (!what || !ex) {
        free(what);
        free(ex);
        return -1;
    }
    const rule_def *rd = rule(id);
    r->v[r->count++] = (vt_violation){rd->id, rd->ref, para, ex, what};
    return 0;
}

/* ---- reading parts ---------------------------------------------------------- */

/* styles.xml, and 1 in *has_page when any header or footer part holds a
 * PAGE field (the page number).  Through the package reader templates use
 * too (package.c): every entry's CRC, names and links checked, the parts
 * bounded by the limits. */
static vt_error read_other_parts(const char *name, const char *data, size_t len,
                                 const vt_limits *lim, vt_buf *styles,
                                 int *has_page, vt_diags *d)
{
    vt_package *p = NULL;
    vt_error rc = vt_package_open(name, data, len, lim, &p, d);
    if (rc != VT_OK)
        return rc;
    for (size_t i = 0; rc == VT_OK && i < vt_package_count(p); i++) {
        const vt_part *pt = vt_package_part(p, i);
        const char *e = pt->name;
        int is_styles = strcmp(e, "word/styles.xml") == 0;
        int is_hf = (!strncmp(e, "word/header", 11) || !strncmp(e, "word/footer", 11)) &&
                    !strchr(e + 5, '/');
        if (pt->is_dir || (!is_styles && (!is_hf || *has_page)))
            continue;
        char *buf = NULL;
        size_t n = 0;
        rc = vt_package_read(p, pt, &buf, &n, d);
        if (rc == VT_OK && is_styles)
            vt_buf_put(styles, buf, n);
        else if (rc == VT_OK && n && memmem(buf, n, "PAGE", 4))
            *has_page = 1;
        free(buf);
    }
    if (rc == VT_OK && styles->oom)
        rc = VT_ERR_NOMEM;
    vt_package_free(p);
    return rc;
}

/* Parse a part read above with the hardened parser (no DOCTYPE in any
 * encoding, no entities, no network, a bounded tree); an absent part
 * (len 0) gives no tree. */
static vt_error parse_part(const char *name, const char *part, const vt_buf *b,
                           vt_xml_budget *budget, xmlDocPtr *out, vt_diags *d)
{
    *out = NULL;
    if (!b->len)
        return VT_OK;
    vt_error rc = VT_OK;
    *out = vt_xml_parse_part(name, part, b->data, b->len, budget, &rc, d);
    return *out ? VT_OK : rc != VT_OK ? rc : VT_ERR_XML;
}

/* ---- styles ------------------------------------------------------------------ */

static int is_w(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, W_NS) == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

static xmlNode *child(const xmlNode *n, const char *name)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (is_w(c, name))
            return c;
    return NULL;
}

/* w:val (or another w: attribute) as a fixed buffer; "" when absent. */
static const char *attr(const xmlNode *n, const char *a, char *buf, size_t size)
{
    buf[0] = 0;
    if (!n)
        return buf;
    xmlChar *v = xmlGetNsProp(n, (const xmlChar *)a, (const xmlChar *)W_NS);
    if (v) {
        snprintf(buf, size, "%s", (const char *)v);
        xmlFree(v);
    }
    return buf;
}

static long attr_long(const xmlNode *n, const char *a, long dflt)
{
    char b[32];
    attr(n, a, b, sizeof b);
    return b[0] ? strtol(b, NULL, 10) : dflt;
}

typedef struct {
    xmlNode *root;       /* w:styles or NULL */
    xmlNode *defaults_r; /* docDefaults rPr */
    xmlNode *defaults_p; /* docDefaults pPr */
    char default_para[64];
} styles_t;

static xmlNode *style_by_id(const styles_t *s, const char *id)
{
    char b[64];
    for (xmlNode *c = s->root ? s->root->children : NULL; c; c = c->next)
        if (is_w(c, "style") && strcmp(attr(c, "styleId", b, sizeof b), id) == 0)
            return c;
    return NULL;
}

static void styles_init(styles_t *s, xmlDocPtr doc)
{
    memset(s, 0, sizeof *s);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!is_w(root, "styles"))
        return;
    s->root = root;
    xmlNode *dd = child(root, "docDefaults");
    s->defaults_r = child(child(dd, "rPrDefault"), "rPr");
    s->defaults_p = child(child(dd, "pPrDefault"), "pPr");
    char b[16];
    for (xmlNode *c = root->children; c; c = c->next)
        if (is_w(c, "style") && strcmp(attr(c, "type", b, sizeof b), "paragraph") == 0 &&
            (strcmp(attr(c, "default", b, sizeof b), "1") == 0 ||
             strcmp(b, "true") == 0))
            attr(c, "styleId", s->default_para, sizeof s->default_para);
}

/* The property element name inside group ("rPr"/"pPr") of style id or its
 * basedOn ancestors (at most 16: a loop in basedOn ends there). */
static xmlNode *style_prop(const styles_t *s, const char *id, const char *group,
                           const char *name)
{
    char cur[64];
    snprintf(cur, sizeof cur, "%s", id ? id : "");
    for (int depth = 0; cur[0] && depth < 16; depth++) {
        xmlNode *st = style_by_id(s, cur);
        if (!st)
            return NULL;
        xmlNode *p = child(child(st, group), name);
        if (p)
            return p;
        attr(child(st, "basedOn"), "val", cur, sizeof cur);
    }
    return NULL;
}

/* A run property as Word resolves it. */
static xmlNode *run_prop(const styles_t *s, const xmlNode *rpr, const char *pstyle,
                         const char *name)
{
    xmlNode *p = child(rpr, name);
    if (p)
        return p;
    char rs[64];
    attr(child(rpr, "rStyle"), "val", rs, sizeof rs);
    if (rs[0] && (p = style_prop(s, rs, "rPr", name)))
        return p;
    if ((p = style_prop(s, pstyle, "rPr", name)))
        return p;
    return child(s->defaults_r, name);
}

/* A paragraph property as Word resolves it. */
static xmlNode *para_prop(const styles_t *s, const xmlNode *ppr, const char *pstyle,
                          const char *name)
{
    xmlNode *p = child(ppr, name);
    if (p)
        return p;
    if ((p = style_prop(s, pstyle, "pPr", name)))
        return p;
    return child(s->defaults_p, name);
}

static int toggle_on(const xmlNode *p)
{
    if (!p)
        return 0;
    char b[16];
    attr(p, "val", b, sizeof b);
    return !(strcmp(b, "0") == 0 || strcmp(b, "false") == 0 || strcmp(b, "off") == 0);
}

/* ---- paragraphs --------------------------------------------------------------- */

/* One paragraph as the page shows it. */
typedef struct {
    int no;          /* 1-based, document order (table cells included) */
    char *text;      /* trimmed */
    int in_table;
    double min_pt, max_pt; /* over the runs with visible text */
    int bold, italic;      /* every visible run */
    char jc[16];
    long first_line, before, after, line;
    int line_auto;
    int border_bottom, border_top, drawing;
} para;

typedef struct {
    para *p;
    size_t count, cap;
    int oom;
} paras;

/* Runs of a paragraph (inside hyperlinks, insertions, smart tags, but not
 * text boxes, which are paragraphs of their own). */
static void runs_of(xmlNode *n, const styles_t *s, const char *pstyle, para *out,
                    vt_buf *text, int *seen)
{
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (is_w(c, "drawing") || is_w(c, "pict") || is_w(c, "object"))
            out->drawing = 1;
        if (is_w(c, "txbxContent") || is_w(c, "drawing") || is_w(c, "pict") ||
            is_w(c, "del") || is_w(c, "pPr") || is_w(c, "rPr"))
            continue;
        if (!is_w(c, "r")) {
            runs_of(c, s, pstyle, out, text, seen);
            continue;
        }
        vt_buf rt;
        vt_buf_init(&rt);
        for (xmlNode *t = c->children; t; t = t->next) {
            if (is_w(t, "t")) {
                xmlChar *v = xmlNodeGetContent(t);
                if (v)
                    vt_buf_puts(&rt, (const char *)v);
                xmlFree(v);
            } else if (is_w(t, "tab")) {
                vt_buf_putc(&rt, '\t');
            } else if (is_w(t, "drawing") || is_w(t, "pict") ||
                       (t->type == XML_ELEMENT_NODE &&
                        strcmp((const char *)t->name, "AlternateContent") == 0)) {
                out->drawing = 1;
            }
        }
        int visible = 0;
        for (size_t i = 0; i < rt.len; i++)
            if (rt.data[i] != ' ' && rt.data[i] != '\t')
                visible = 1;
        if (rt.len)
            vt_buf_put(text, rt.data, rt.len);
        vt_buf_free(&rt);
        xmlNode *rpr = child(c, "rPr");
        char va[16];
        attr(run_prop(s, rpr, pstyle, "vertAlign"), "val", va, sizeof va);
        if (!visible || strcmp(va, "superscript") == 0)
            continue; /* a footnote mark or a typed rule has its own look */
        xmlNode *sz = run_prop(s, rpr, pstyle, "sz");
        double pt = sz ? attr_long(sz, "val", 20) / 2.0 : 10.0;
        int b = toggle_on(run_prop(s, rpr, pstyle, "b"));
        int i = toggle_on(run_prop(s, rpr, pstyle, "i"));
        if (!*seen) {
            out->min_pt = out->max_pt = pt;
            out->bold = b;
            out->italic = i;
            *seen = 1;
        } else {
            if (pt < out->min_pt)
                out->min_pt = pt;
            if (pt > out->max_pt)
                out->max_pt = pt;
            out->bold &= b;
            out->italic &= i;
        }
    }
}

/* Trim spaces and tabs at both ends, in place. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = 0;
    return s;
}

static void para_read(xmlNode *p, const styles_t *s, int in_table, paras *ps)
{
    if (ps->count == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 64;
        para *np = realloc(ps->p, cap * sizeof *np);
        if (!np) {
            ps->oom = 1;
            return;
        }
        ps->p = np;
        ps->cap = cap;
    }
    para *out = &ps->p[ps->count];
    memset(out, 0, sizeof *out);
    out->no = (int)ps->count + 1;
    out->in_table = in_table;
    xmlNode *ppr = child(p, "pPr");
    char pstyle[64];
    attr(child(ppr, "pStyle"), "val", pstyle, sizeof pstyle);
    if (!pstyle[0])
        snprintf(pstyle, sizeof pstyle, "%s", s->default_para);
    vt_buf text;
    vt_buf_init(&text);
    int seen = 0;
    runs_of(p, s, pstyle, out, &text, &seen);
    attr(para_prop(s, ppr, pstyle, "jc"), "val", out->jc, sizeof out->jc);
    out->first_line = attr_long(para_prop(s, ppr, pstyle, "ind"), "firstLine", 0);
    xmlNode *sp = para_prop(s, ppr, pstyle, "spacing");
    out->before = attr_long(sp, "before", 0);
    out->after = attr_long(sp, "after", 0);
    out->line = attr_long(sp, "line", 240);
    char lr[16];
    attr(sp, "lineRule", lr, sizeof lr);
    out->line_auto = !lr[0] || strcmp(lr, "auto") == 0;
    xmlNode *bdr = para_prop(s, ppr, pstyle, "pBdr");
    char v[16];
    out->border_bottom = child(bdr, "bottom") &&
                         strcmp(attr(child(bdr, "bottom"), "val", v, sizeof v), "nil") &&
                         strcmp(v, "none");
    out->border_top = child(bdr, "top") &&
                      strcmp(attr(child(bdr, "top"), "val", v, sizeof v), "nil") &&
                      strcmp(v, "none");
    if (text.oom) {
        vt_buf_free(&text);
        ps->oom = 1;
        return;
    }
    out->text = strdup(text.len ? text.data : "");
    vt_buf_free(&text);
    if (out->text)
        memmove(out->text, trim(out->text), strlen(trim(out->text)) + 1);
    if (!out->text) {
        ps->oom = 1;
        return;
    }
    ps->count++;
}

/* Paragraphs in document order, table cells (and content controls) too. */
static void blocks(xmlNode *n, const styles_t *s, int in_table, paras *ps)
{
    for (xmlNode *c = n->children; c && !ps->oom; c = c->next) {
        if (is_w(c, "p"))
            para_read(c, s, in_table, ps);
        else if (is_w(c, "tbl") || is_w(c, "tr") || is_w(c, "tc"))
            blocks(c, s, 1, ps);
        else if (is_w(c, "sdt") || is_w(c, "sdtContent") || is_w(c, "customXml") ||
                 is_w(c, "ins"))
            blocks(c, s, in_table, ps);
    }
}

static void paras_free(paras *ps)
{
    for (size_t i = 0; i < ps->count; i++)
        free(ps->p[i].text);
    free(ps->p);
}

/* ---- text helpers -------------------------------------------------------------- */

/* 1 if s has a letter and upper-casing changes nothing. */
static int is_upper(const char *s)
{
    vt_buf u;
    vt_buf_init(&u);
    int ok = vt_text_upper(s, &u) == 0 && u.data && strcmp(u.data, s) == 0;
    vt_buf_free(&u);
    int letter = 0;
    for (const char *p = s; *p; p++)
        if ((*p >= 'A' && *p <= 'Z') || (unsigned char)*p >= 0xC0)
            letter = 1;
    return ok && letter;
}

/* s folded (lower case, no diacritics) into out, for finding elements
 * whatever case and accents the author typed. */
static int folds_to(const char *s, const char *prefix)
{
    vt_buf f;
    vt_buf_init(&f);
    vt_text_fold(s, &f);
    int r = f.data && strncmp(f.data, prefix, strlen(prefix)) == 0;
    vt_buf_free(&f);
    return r;
}

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Blanks left in a draft for the number or date: spaces, dots, "…", "_". */
static int is_blank_field(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        if (s[i] == ' ' || s[i] == '.' || s[i] == '_') {
            i++;
        } else if (i + 3 <= n && memcmp(s + i, "…", 3) == 0) {
            i += 3;
        } else {
            return 0;
        }
    }
    return 1;
}

static int all_digits(const char *s, size_t n)
{
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* ---- rule helpers ---------------------------------------------------------------- */

const char *vt_check_date_form(const char *s)
{
    regex_t re;
    /* place, ", ngày " day " tháng " month " năm " year; a draft leaves
     * day and month blank (spaces, dots, "…") */
    if (regcomp(&re, "^([^,]+), ngày( +[^ ]+)? +tháng( +[^ ]+)? +năm *([0-9]{4}|[ .…_]*)$",
                REG_EXTENDED))
        return "date.form";
    regmatch_t m[5];
    int bad = regexec(&re, s, 5, m, 0);
    regfree(&re);
    if (bad)
        return "date.form";
    const char *day = m[2].rm_so < 0 ? "" : s + m[2].rm_so;
    const char *mon = m[3].rm_so < 0 ? "" : s + m[3].rm_so;
    size_t dn = m[2].rm_so < 0 ? 0 : (size_t)(m[2].rm_eo - m[2].rm_so);
    size_t mn = m[3].rm_so < 0 ? 0 : (size_t)(m[3].rm_eo - m[3].rm_so);
    while (dn && *day == ' ')
        day++, dn--;
    while (mn && *mon == ' ')
        mon++, mn--;
    if (!(s[0] >= 'A' && s[0] <= 'Z') && (unsigned char)s[0] < 0xC3)
        return "date.form"; /* the place begins with a capital */
    if (!is_blank_field(day, dn)) {
        if (!all_digits(day, dn) || dn > 2)
            return "date.form";
        int dv = atoi(day);
        if (dv < 1 || dv > 31)
            return "date.form";
        if (dn != 2)
            return "date.padding";
    }
    if (!is_blank_field(mon, mn)) {
        if (!all_digits(mon, mn) || mn > 2)
            return "date.form";
        int mv = atoi(mon);
        if (mv < 1 || mv > 12)
            return "date.form";
        /* only January and February get a zero */
        if ((mv <= 2) != (mn == 2 && mon[0] == '0'))
            return "date.padding";
    }
    return NULL;
}

const char *vt_check_so_form(const char *s)
{
    if (!starts(s, "Số:"))
        return "so.form";
    s += strlen("Số:");
    const char *slash = strchr(s, '/');
    if (!slash)
        return "so.form";
    const char *num = s;
    size_t nn = (size_t)(slash - s);
    while (nn && *num == ' ')
        num++, nn--;
    while (nn && num[nn - 1] == ' ')
        nn--;
    if (!is_blank_field(num, nn)) {
        if (!all_digits(num, nn))
            return "so.form";
        if (nn < 2)
            return "so.padding";
    }
    const char *kh = slash + 1;
    size_t kn = strlen(kh);
    while (kn && kh[kn - 1] == ' ')
        kn--;
    if (!kn || kh[0] == ' ' || memchr(kh, ' ', kn) || kh[0] == '-' || kh[kn - 1] == '-' ||
        strstr(kh, "--"))
        return "so.kyhieu";
    char *k = strndup(kh, kn);
    if (!k)
        return "so.kyhieu";
    /* draft blanks ("QĐ-…") are fine; letters must be capitals */
    int letters = 0;
    for (const char *p = k; *p; p++)
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (unsigned char)*p >= 0xC3)
            letters = 1;
    int ok = !letters || is_upper(k);
    free(k);
    return ok ? NULL : "so.kyhieu";
}

/* ---- the checks ------------------------------------------------------------------- */

typedef struct {
    const paras *ps;
    vt_check_result *r;
    int oom;
} ctx;

#define ADD(c, id, p, ...)                                                      \
    do {                                                                        \
        if (add((c)->r, id, (p) ? (p)->no : 0, (p) ? (p)->text : "",           \
                __VA_ARGS__))                                                   \
            (c)->oom = 1;                                                       \
    } while (0)

/* Size within the rule's range (every visible run). */
static void need_size(ctx *c, const para *p, const char *id, const char *what)
{
    const rule_def *rd = rule(id);
    if (p->max_pt == 0)
        return; /* no run to measure (only marks or blanks) */
    if (p->min_pt < rd->lo || p->max_pt > rd->hi) {
        if (rd->lo == rd->hi)
            ADD(c, id, p, "%s is %g pt; the decree wants %g pt", what,
                p->min_pt < rd->lo ? p->min_pt : p->max_pt, rd->lo);
        else
            ADD(c, id, p, "%s is %g pt; the decree wants %g-%g pt", what,
                p->min_pt < rd->lo ? p->min_pt : p->max_pt, rd->lo, rd->hi);
    }
}

/* The first paragraph from index from on whose text passes match, or -1. */
static long find(const paras *ps, size_t from, int (*match)(const char *))
{
    for (size_t i = from; i < ps->count; i++)
        if (match(ps->p[i].text))
            return (long)i;
    return -1;
}

static int m_quoc_hieu(const char *s) { return folds_to(s, "cong hoa xa hoi chu nghia"); }
static int m_tieu_ngu(const char *s) { return folds_to(s, "doc lap"); }
static int m_so(const char *s) { return folds_to(s, "so:") || folds_to(s, "so :"); }
static int m_noi_nhan(const char *s) { return folds_to(s, "noi nhan"); }
static int m_date(const char *s)
{
    /* a line of its own, not a sentence citing a date */
    return strlen(s) < 120 && strstr(s, ", ngày") && strstr(s, "tháng") && strstr(s, "năm");
}

/* A line typed as underscores ("________", often superscript), as
 * the decree's own annexes draw it. */
static int typed_rule(const char *s)
{
    size_t n = strspn(s, "_");
    return n >= 5 && s[n] == 0;
}

/* A rule (bottom border here, top border or a drawn line in the next
 * non-empty paragraph, or a drawn line here) under paragraph i. */
static int rule_under(const paras *ps, long i)
{
    if (ps->p[i].border_bottom || ps->p[i].drawing)
        return 1;
    for (size_t j = (size_t)i + 1; j < ps->count && j <= (size_t)i + 2; j++) {
        const para *q = &ps->p[j];
        if (q->border_bottom || q->border_top || q->drawing || typed_rule(q->text))
            return 1;
        if (q->text[0])
            break;
    }
    return 0;
}

static void check_national(ctx *c, long *qh_at)
{
    const paras *ps = c->ps;
    long q = find(ps, 0, m_quoc_hieu);
    *qh_at = q;
    if (q < 0) {
        ADD(c, "quoc-hieu.missing", (const para *)NULL,
            "no Quốc hiệu \"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\"");
    } else {
        const para *p = &ps->p[q];
        if (!is_upper(p->text))
            ADD(c, "quoc-hieu.case", p, "the Quốc hiệu is not in capitals");
        else if (strcmp(p->text, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"))
            ADD(c, "quoc-hieu.text", p, "the Quốc hiệu reads \"%s\", not \"CỘNG "
                "HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\"", p->text);
        need_size(c, p, "quoc-hieu.size", "the Quốc hiệu");
        if (!p->bold)
            ADD(c, "quoc-hieu.bold", p, "the Quốc hiệu is not bold");
    }
    long t = find(ps, q < 0 ? 0 : (size_t)q, m_tieu_ngu);
    if (t < 0) {
        ADD(c, "tieu-ngu.missing", (const para *)NULL,
            "no Tiêu ngữ \"Độc lập - Tự do - Hạnh phúc\"");
        return;
    }
    const para *p = &ps->p[t];
    if (strcmp(p->text, "Độc lập - Tự do - Hạnh phúc"))
        ADD(c, "tieu-ngu.text", p, "the Tiêu ngữ reads \"%s\", not \"Độc lập - Tự "
            "do - Hạnh phúc\" (capital initials, hyphens with spaces)", p->text);
    need_size(c, p, "tieu-ngu.size", "the Tiêu ngữ");
    if (!p->bold)
        ADD(c, "tieu-ngu.bold", p, "the Tiêu ngữ is not bold");
    if (!rule_under(ps, t))
        ADD(c, "tieu-ngu.rule", p, "no solid line under the Tiêu ngữ");
}

/* Agency lines: up to three short non-empty paragraphs just before "Số:"
 * that are not the national header or the date (in a header table the
 * right cell, with Quốc hiệu and Tiêu ngữ, comes between the agency and
 * "Số:").  Collected nearest first, so lines[0] is the issuing agency. */
static void check_agency(ctx *c, long so, long qh)
{
    const paras *ps = c->ps;
    long back[3];
    int n = 0;
    for (long i = so - 1; i >= 0 && n < 3; i--) {
        const para *p = &ps->p[i];
        if (!p->text[0] || i == qh || m_tieu_ngu(p->text) || m_date(p->text) ||
            m_quoc_hieu(p->text) || typed_rule(p->text))
            continue;
        if (strlen(p->text) > 100)
            break; /* a sentence, not a name */
        back[n++] = i;
    }
    long lines[3];
    for (int k = 0; k < n; k++)
        lines[k] = back[n - 1 - k];
    if (!n) {
        ADD(c, "agency.missing", &ps->p[so], "no agency name above \"Số:\"");
        return;
    }
    const para *ag = &ps->p[lines[n - 1]];
    for (int k = 0; k < n; k++) {
        const para *p = &ps->p[lines[k]];
        if (!is_upper(p->text))
            ADD(c, "agency.case", p, "the agency name is not in capitals");
        need_size(c, p, "agency.size", "the agency name");
    }
    if (!ag->bold)
        ADD(c, "agency.bold", ag, "the issuing agency's name is not bold");
    if (n >= 2 && ps->p[lines[0]].bold)
        ADD(c, "agency.parent-bold", &ps->p[lines[0]],
            "the parent body's name is bold; the decree sets it upright, not bold");
    if (!rule_under(ps, lines[n - 1]))
        ADD(c, "agency.rule", ag, "no solid line under the agency name");
}

static void check_so(ctx *c, long so)
{
    const para *p = &c->ps->p[so];
    const char *bad = vt_check_so_form(p->text);
    if (bad && strcmp(bad, "so.padding") == 0)
        ADD(c, bad, p, "a number below 10 is written with a leading zero (05, not 5)");
    else if (bad && strcmp(bad, "so.kyhieu") == 0)
        ADD(c, bad, p, "the ký hiệu is capitals in groups joined by \"-\", no spaces "
            "(\"15/QĐ-BNV\")");
    else if (bad)
        ADD(c, bad, p, "\"Số:\" is followed by the number, \"/\" and the ký hiệu "
            "(\"Số: 15/QĐ-BNV\")");
    need_size(c, p, "so.size", "\"Số:\"");
}

static void check_date(ctx *c, long at)
{
    if (at < 0) {
        ADD(c, "date.missing", (const para *)NULL,
            "no place and date line (\"Hà Nội, ngày 05 tháng 3 năm 2020\")");
        return;
    }
    const para *p = &c->ps->p[at];
    const char *bad = vt_check_date_form(p->text);
    if (bad && strcmp(bad, "date.padding") == 0)
        ADD(c, bad, p, "days below 10 and the months 1 and 2 take a leading zero, "
            "no other month does (\"ngày 05 tháng 3\", \"ngày 15 tháng 02\")");
    else if (bad)
        ADD(c, bad, p, "the date reads \"Địa danh, ngày DD tháng M năm YYYY\"");
    need_size(c, p, "date.size", "the place and date line");
    if (!p->italic)
        ADD(c, "date.italic", p, "the place and date line is not italic");
}

/* Type name and trích yếu (or the V/v of a công văn); returns the index of
 * the last paragraph of the title, where the body begins after. */
static long check_type(ctx *c, long after)
{
    const paras *ps = c->ps;
    for (long i = 0; i < (long)ps->count; i++) {
        const para *p = &ps->p[i];
        if (starts(p->text, "V/v") || starts(p->text, "V/V")) {
            need_size(c, p, "vv.size", "the V/v line");
            if (p->bold)
                ADD(c, "vv.bold", p, "the V/v line of a công văn is not bold");
            return after;
        }
    }
    for (long i = after + 1; i < (long)ps->count; i++) {
        const para *p = &ps->p[i];
        if (!p->text[0])
            continue;
        if (!is_upper(p->text) || m_quoc_hieu(p->text))
            break;
        if (!p->bold)
            ADD(c, "type.bold", p, "the type name is not bold");
        need_size(c, p, "type.size", "the type name");
        long j = i + 1;
        while (j < (long)ps->count && !ps->p[j].text[0])
            j++;
        if (j < (long)ps->count) {
            const para *t = &ps->p[j];
            if (!t->bold)
                ADD(c, "trich-yeu.bold", t, "the trích yếu is not bold");
            need_size(c, t, "trich-yeu.size", "the trích yếu");
        }
        return j;
    }
    ADD(c, "type.missing", after >= 0 ? &ps->p[after] : NULL,
        "no type name in capitals (KẾ HOẠCH, QUYẾT ĐỊNH…) nor a công văn's V/v line");
    return after;
}

/* Long running paragraphs between the title and Nơi nhận; one breach per
 * rule (the first paragraph), with the count of the others. */
static void check_body(ctx *c, long from, long to)
{
    static const char *const ids[] = {"body.size", "body.justify", "body.indent",
                                      "body.spacing"};
    int count[4] = {0};
    const para *first[4] = {NULL};
    for (long i = from + 1; i < to; i++) {
        const para *p = &c->ps->p[i];
        if (p->in_table || strlen(p->text) < BODY_MIN_BYTES)
            continue;
        const rule_def *rs = rule("body.size");
        int bad[4] = {
            p->max_pt > 0 && (p->min_pt < rs->lo || p->max_pt > rs->hi),
            strcmp(p->jc, "both") != 0 && strcmp(p->jc, "distribute") != 0,
            p->first_line < INDENT_LO || p->first_line > INDENT_HI,
            (p->before < PARA_SPACE_MIN && p->after < PARA_SPACE_MIN) ||
                (p->line_auto && (p->line < LINE_LO || p->line > LINE_HI)),
        };
        for (int k = 0; k < 4; k++)
            if (bad[k] && !count[k]++)
                first[k] = p;
    }
    for (int k = 0; k < 4; k++) {
        if (!count[k])
            continue;
        const para *p = first[k];
        char more[64] = "";
        if (count[k] > 1)
            snprintf(more, sizeof more, " (and %d more paragraphs)", count[k] - 1);
        if (k == 0)
            ADD(c, ids[k], p, "body text is %g pt; the decree wants 13-14 pt%s",
                p->min_pt < 13 ? p->min_pt : p->max_pt, more);
        else if (k == 1)
            ADD(c, ids[k], p, "body text is not justified%s", more);
        else if (k == 2)
            ADD(c, ids[k], p, "the first line is indented %.2f cm; the decree wants "
                "1 or 1.27 cm%s", p->first_line / 567.0, more);
        else
            ADD(c, ids[k], p, "paragraphs are at least 6 pt apart and lines single "
                "to 1.5 spaced%s", more);
    }
}

/* Nơi nhận: label, items, Lưu; returns the index after the last item. */
static long check_noi_nhan(ctx *c, long at)
{
    const paras *ps = c->ps;
    const para *l = &ps->p[at];
    if (!starts(l->text, "Nơi nhận:"))
        ADD(c, "noi-nhan.label", l, "the label reads \"Nơi nhận:\"");
    if (!l->bold || !l->italic || l->min_pt != 12 || l->max_pt != 12)
        ADD(c, "noi-nhan.label", l, "\"Nơi nhận:\" is 12 pt, italic and bold");
    long last = -1, i = at + 1;
    int bad_size = 0;
    for (; i < (long)ps->count; i++) {
        const para *p = &ps->p[i];
        if (!p->text[0])
            continue;
        if (p->text[0] != '-')
            break;
        if (last >= 0 && !strchr(";", ps->p[last].text[strlen(ps->p[last].text) - 1]))
            ADD(c, "noi-nhan.punct", &ps->p[last], "a Nơi nhận entry ends with \";\"");
        if ((p->min_pt < 11 || p->max_pt > 11) && !bad_size++)
            ADD(c, "noi-nhan.size", p, "Nơi nhận entries are %g pt; the decree wants "
                "11 pt", p->min_pt != 11 ? p->min_pt : p->max_pt);
        last = i;
    }
    if (last < 0) {
        ADD(c, "noi-nhan.luu", l, "no entries under \"Nơi nhận:\" and no \"- Lưu: VT, …\" line");
        return i;
    }
    const para *p = &ps->p[last];
    regex_t re;
    if (regcomp(&re, "^- ?Lưu: ?VT(, ?[^ ].*)?\\.$", REG_EXTENDED | REG_NOSUB) == 0) {
        if (regexec(&re, p->text, 0, NULL, 0))
            ADD(c, "noi-nhan.luu", p, "the last entry reads \"- Lưu: VT, <unit>.\" (a full stop at the end)");
        regfree(&re);
    }
    return i;
}

/* Signature: the capitals after the Nơi nhận list, then the name. */
static void check_sign(ctx *c, long from)
{
    const paras *ps = c->ps;
    long i = from;
    int titles = 0;
    for (; i < (long)ps->count; i++) {
        const para *p = &ps->p[i];
        if (!p->text[0] || p->text[0] == '(' || p->text[0] == '[')
            continue;
        if (!is_upper(p->text))
            break;
        if (!titles++) {
            static const char *const bad[] = {"K.T", "KT ", "KT:", "T.M", "TM ", "TM:",
                                              "T.L", "TL ", "TL:", "Q ", "TUQ ", "T.U.Q"};
            for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
                if (starts(p->text, bad[k]))
                    ADD(c, "sign.authority", p, "the authority is written \"KT.\", "
                        "\"TM.\", \"TL.\", \"TUQ.\" or \"Q.\" followed by a space");
        }
        if (!p->bold)
            ADD(c, "sign.title", p, "the signer's title is not bold");
        need_size(c, p, "sign.title", "the signer's title");
    }
    if (!titles) {
        ADD(c, "sign.missing", from < (long)ps->count ? &ps->p[from] : NULL,
            "no signer's title in capitals after Nơi nhận");
        return;
    }
    if (i >= (long)ps->count) {
        ADD(c, "sign.name", (const para *)NULL, "no signer's name under the title");
        return;
    }
    const para *n = &ps->p[i];
    if (!n->bold)
        ADD(c, "sign.name", n, "the signer's name is not bold");
    need_size(c, n, "sign.name", "the signer's name");
}

/* One section's paper and margins; A4 either way round (an appendix with a
 * wide table may turn the page). */
static void check_section(ctx *c, xmlNode *sect, int no)
{
    xmlNode *sz = child(sect, "pgSz"), *m = child(sect, "pgMar");
    long w = attr_long(sz, "w", 0), h = attr_long(sz, "h", 0);
    int a4 = (labs(w - A4_W) <= A4_SLACK && labs(h - A4_H) <= A4_SLACK) ||
             (labs(w - A4_H) <= A4_SLACK && labs(h - A4_W) <= A4_SLACK);
    if (!a4)
        ADD(c, "page.size", (const para *)NULL, "section %d: the paper is %.0f x %.0f "
            "mm, not A4 (210 x 297 mm)", no, w / 56.7, h / 56.7);
    long t = attr_long(m, "top", 1440), b = attr_long(m, "bottom", 1440);
    long l = attr_long(m, "left", 1800), r = attr_long(m, "right", 1800);
    if (h < w) { /* turned: the decree's top and bottom are the long edges */
        long ot = t, ob = b;
        t = l, b = r, l = ob, r = ot;
    }
    if (labs(t) < M_TOP_LO || labs(t) > M_TOP_HI || labs(b) < M_BOT_LO || labs(b) > M_BOT_HI ||
        l < M_LEFT_LO || l > M_LEFT_HI || r < M_RIGHT_LO || r > M_RIGHT_HI)
        ADD(c, "page.margins", (const para *)NULL, "section %d: margins are top %.0f, "
            "bottom %.0f, left %.0f, right %.0f mm; the decree wants 20-25, 20-25, "
            "30-35, 15-20 mm", no, labs(t) / 56.7, labs(b) / 56.7, l / 56.7, r / 56.7);
}

/* Every section (a break's sectPr sits in a paragraph; the last is the
 * body's own) and the page numbers. */
static void check_page(ctx *c, xmlNode *body, int has_page)
{
    int no = 0;
    for (xmlNode *n = body->children; n; n = n->next) {
        xmlNode *sect = is_w(n, "sectPr") ? n : child(child(n, "pPr"), "sectPr");
        if (is_w(n, "p") || is_w(n, "sectPr"))
            if (sect)
                check_section(c, sect, ++no);
    }
    if (!no)
        check_section(c, NULL, 1);
    if (!has_page)
        ADD(c, "page.numbers", (const para *)NULL, "no page number field in the "
            "header (pages from 2 on are numbered, centred in the top margin)");
}

static vt_error check_all(const paras *ps, xmlNode *body, int has_page,
                          vt_check_result *res)
{
    ctx c = {ps, res, 0};
    long qh;
    check_national(&c, &qh);
    long so = find(ps, 0, m_so);
    if (so < 0) {
        ADD(&c, "so.missing", (const para *)NULL, "no \"Số:\" line with the number "
            "and ký hiệu");
    } else {
        check_agency(&c, so, qh);
        check_so(&c, so);
    }
    long date = find(ps, 0, m_date);
    check_date(&c, date);
    long head = so > date ? so : date;
    if (qh > head)
        head = qh;
    long title = check_type(&c, head);
    long nn = find(ps, (size_t)(title < 0 ? 0 : title), m_noi_nhan);
    check_body(&c, title, nn < 0 ? (long)ps->count : nn);
    if (nn < 0) {
        ADD(&c, "noi-nhan.missing", (const para *)NULL, "no \"Nơi nhận:\" list");
        ADD(&c, "sign.missing", (const para *)NULL, "no signature block found (it "
            "stands beside \"Nơi nhận:\")");
    } else {
        check_sign(&c, check_noi_nhan(&c, nn));
    }
    check_page(&c, body, has_page);
    return c.oom ? VT_ERR_NOMEM : VT_OK;
}

vt_error vt_check_docx(const char *name, const char *data, size_t len,
                       const vt_limits *limits, vt_check_result *res,
                       vt_diags *d)
{
    if (!vt_is_zip(data, len)) {
        vt_diags_addf(d, "%s: not a DOCX (a Word document is a zip package)", name);
        return VT_ERR_ZIP;
    }
    vt_limits lim = limits ? *limits : vt_limits_default();
    vt_buf doc_b, styles_b;
    vt_buf_init(&doc_b);
    vt_buf_init(&styles_b);
    int has_page = 0;
    xmlDocPtr doc = NULL, sdoc = NULL;
    paras ps = {0};
    vt_error rc = vt_docx_read_document(name, data, len, lim.max_part_bytes,
                                        lim.max_parts, &doc_b, NULL, d);
    if (rc == VT_OK)
        rc = read_other_parts(name, data, len, &lim, &styles_b, &has_page, d);
    vt_xml_budget budget = {lim.max_elements, lim.max_elements};
    if (rc == VT_OK)
        rc = parse_part(name, "word/document.xml", &doc_b, &budget, &doc, d);
    if (rc == VT_OK)
        rc = parse_part(name, "word/styles.xml", &styles_b, &budget, &sdoc, d);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    xmlNode *body = is_w(root, "document") ? child(root, "body") : NULL;
    if (rc == VT_OK && !body) {
        vt_diags_addf(d, "%s: word/document.xml has no <w:body>; not a Word document",
                      name);
        rc = VT_ERR_ZIP;
    }
    if (rc == VT_OK) {
        styles_t st;
        styles_init(&st, sdoc);
        blocks(body, &st, 0, &ps);
        if (ps.oom)
            rc = VT_ERR_NOMEM;
    }
    int any = 0;
    for (size_t i = 0; rc == VT_OK && i < ps.count; i++)
        any |= ps.p[i].text[0] != 0;
    if (rc == VT_OK && !any) {
        vt_diags_addf(d, "%s: the document has no text; there is nothing to check", name);
        rc = VT_ERR_PLAN;
    }
    if (rc == VT_OK)
        rc = check_all(&ps, body, has_page, res);
    paras_free(&ps);
    xmlFreeDoc(doc);
    xmlFreeDoc(sdoc);
    vt_buf_free(&doc_b);
    vt_buf_free(&styles_b);
    return rc;
}

/* ---- reports -------------------------------------------------------------------- */

static void where(const vt_violation *v, vt_buf *out)
{
    if (v->para)
        vt_buf_printf(out, "paragraph %d \"%s\"", v->para, v->excerpt);
    else
        vt_buf_puts(out, "document");
}

void vt_check_report_text(const char *name, const vt_check_result *r, vt_buf *out)
{
    for (size_t i = 0; i < r->count; i++) {
        const vt_violation *v = &r->v[i];
        vt_buf_printf(out, "%s: %s (%s): ", name, v->rule, v->ref);
        where(v, out);
        vt_buf_printf(out, ": %s\n", v->what);
    }
}

/* A JSON string, escaped. */
static void json_str(vt_buf *out, const char *s)
{
    vt_buf_putc(out, '"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            vt_buf_printf(out, "\\%c", ch);
        else if (ch < 0x20)
            vt_buf_printf(out, "\\u%04x", ch);
        else
            vt_buf_putc(out, (char)ch);
    }
    vt_buf_putc(out, '"');
}

void vt_check_report_json(const char *name, const vt_check_result *r, vt_buf *out)
{
    vt_buf_puts(out, "{\"file\": ");
    json_str(out, name);
    vt_buf_puts(out, ", \"violations\": [");
    for (size_t i = 0; i < r->count; i++) {
        const vt_violation *v = &r->v[i];
        vt_buf_puts(out, i ? ",\n  {\"rule\": " : "\n  {\"rule\": ");
        json_str(out, v->rule);
        vt_buf_puts(out, ", \"ref\": ");
        json_str(out, v->ref);
        vt_buf_printf(out, ", \"paragraph\": %d, \"excerpt\": ", v->para);
        json_str(out, v->excerpt);
        vt_buf_puts(out, ", \"what\": ");
        json_str(out, v->what);
        vt_buf_puts(out, "}");
    }
    vt_buf_puts(out, r->count ? "\n]}" : "]}");
}
