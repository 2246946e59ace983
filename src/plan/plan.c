/*
 * plan.c - read a plan (XML) into the model and check it.
 *
 * The parser is libxml2 with everything dangerous off: no entity expansion,
 * no network, no DTD loading, and any DOCTYPE stops the parse at once, so a
 * plan can neither read local files (XXE) nor expand into gigabytes.
 *
 * Checking is done here rather than by the RELAX NG schema at run time
 * because a clerk needs messages in their own terms ("<date> 2018-02-30 is
 * not a real date") and all of them at once; plans/vanthu-plan.rng
 * describes the same vocabulary for editors, and the tests keep the two in
 * step.  libxml2 keeps no column numbers in its tree, so a SAX hook stores
 * each element's byte offset in node->psvi and positions are computed from
 * that offset when an error is reported.
 *
 * The same walk lints when `vanthu validate` asks (vt_plan_lint): text
 * that repeats what vanthu prints itself (a typed dash, number, "KT.",
 * "V/v", "Lưu:") gets a warning at its element, which never changes the
 * result.  Limits are checked before memory is committed: the grid that
 * table spans imply, and one text's length, which libxml2 caps itself.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "plan/model.h"
#include "base/fileio.h"
#include "base/png.h"
#include "base/vanthu.h"
#include "base/vn_text.h"

/* The window of the plan file that positions are counted in (see
 * src_window): a plan read from a file is never held whole. */
#define VT_POS_WINDOW 65536
#define VT_PACK_RECENT_N 256

typedef struct {
    vt_plan *plan;
    vt_diags *d;
    const char *name;
    const char *src; /* the plan in memory, or NULL when read from fd */
    size_t len;
    int fd;          /* the plan file when src is NULL */
    size_t fed;      /* bytes handed to the parser so far */
    char *win;       /* VT_POS_WINDOW bytes of the file from win_off */
    size_t win_off, win_len;
    /* the <cluster>s of the first <clusters> in <plan> are read as each
     * ends and then freed (stream_cluster), so the tree never holds more
     * than one; their messages wait in cdiags for their turn */
    xmlNode *stream;
    int stream_seen;
    vt_cluster *cl;
    size_t ncl, capcl;
    vt_diags cdiags;
    int cerrors;
    char *pack;           /* pack_str's block, pack_left bytes free */
    size_t pack_left;
    const char *recent[VT_PACK_RECENT_N]; /* texts packed lately, by hash */
    const vt_limits *lim;
    int errors;
    /* the first parser error, kept for reporting */
    int xml_line, xml_col;
    char xml_msg[256];
    int doctype;
    int xml_oom; /* the parser's error was running out of memory */
    /* the last position computed, so positions asked in document order
     * (10,000 schools in a batch plan) cost one pass, not one per ask */
    size_t pos_off;
    int pos_line, pos_col;
    size_t table_cells; /* grid cells of the tables read so far */
    int oom_said;       /* an out-of-memory message was given */
    /* the text being read since the last tag, and the element holding a
     * text past VT_MAX_TEXT_BYTES (its name and offset) if one did */
    size_t text_len;
    char huge_el[64];
    size_t huge_off;
    int huge;
    vt_diags *warn; /* lint warnings, or NULL when nobody asked */
    /* the schools read so far, and the spill's writes not yet made
     * (spill_schools); spill_err is the first write's errno */
    size_t schools_read;
    int in_stream;
    vt_buf spill;
    unsigned long long spill_at;
    int spill_err;
} pctx;

/* libxml2 refuses one text node longer than XML_MAX_TEXT_LENGTH unless
 * XML_PARSE_HUGE, which vanthu never passes; its own message ("huge text
 * node") names neither element nor limit, so the limit is checked here
 * first and named. */
#define VT_MAX_TEXT_BYTES 10000000

/* ---- positions and messages ------------------------------------------ */

/* The bytes of the plan from off on, at least one and at most what is
 * left: the caller's buffer, or for a file a window read with pread (the
 * parser reads the same descriptor with read, whose offset this leaves
 * alone).  NULL when the file cannot be read there. */
static const char *src_window(pctx *p, size_t off, size_t *n)
{
    if (p->src) {
        *n = p->len - off;
        return p->src + off;
    }
    if (off < p->win_off || off >= p->win_off + p->win_len) {
        ssize_t k;
        do
            k = pread(p->fd, p->win, VT_POS_WINDOW, (off_t)off);
        while (k < 0 && errno == EINTR);
        p->win_off = off;
        p->win_len = k > 0 ? (size_t)k : 0;
        if (k <= 0)
            return NULL;
    }
    *n = p->win_off + p->win_len - off;
    return p->win + (off - p->win_off);
}

static void offset_pos(pctx *p, size_t off, int *line, int *col)
{
    if (off > p->len)
        off = p->len;
    if (!p->pos_line || off < p->pos_off) {
        p->pos_off = 0;
        p->pos_line = 1;
        p->pos_col = 1;
    }
    while (p->pos_off < off) {
        size_t n;
        const char *s = src_window(p, p->pos_off, &n);
        if (!s)
            break; /* the file shrank: the last position known */
        if (n > off - p->pos_off)
            n = off - p->pos_off;
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)s[i];
            if (ch == '\n') {
                p->pos_line++;
                p->pos_col = 1;
            } else if ((ch & 0xc0) != 0x80) {
                p->pos_col++;
            }
        }
        p->pos_off += n;
    }
    *line = p->pos_line;
    *col = p->pos_col;
}

static void node_pos(pctx *p, const xmlNode *n, int *line, int *col)
{
    while (n && n->type != XML_ELEMENT_NODE)
        n = n->parent;
    if (n && n->psvi) {
        offset_pos(p, (size_t)(uintptr_t)n->psvi - 1, line, col);
        return;
    }
    *line = n ? (int)xmlGetLineNo((xmlNode *)n) : 0;
    *col = 1;
}

static void perr(pctx *p, const xmlNode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int blank_text(const xmlNode *n);
static void parse_cluster(pctx *p, xmlNode *n, vt_cluster *cl);

/* One "file:line:col: [kind]message" line for the element n. */
static void vdiag(pctx *p, vt_diags *d, const xmlNode *n, const char *kind,
                  const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

static void vdiag(pctx *p, vt_diags *d, const xmlNode *n, const char *kind,
                  const char *fmt, va_list ap)
{
    int line, col;
    node_pos(p, n, &line, &col);
    vt_buf b;
    vt_buf_init(&b);
    vt_buf_vprintf(&b, fmt, ap);
    vt_diags_addf(d, "%s:%d:%d: %s%s", p->name, line, col, kind,
                  b.data ? b.data : "out of memory");
    vt_buf_free(&b);
}

static void perr(pctx *p, const xmlNode *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdiag(p, p->d, n, "", fmt, ap);
    va_end(ap);
    p->errors++;
}

/* A lint warning: text that repeats what vanthu generates.  Only
 * `vanthu validate` asks for them (p->warn set); they never change the
 * result of a load. */
static void pwarn(pctx *p, const xmlNode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void pwarn(pctx *p, const xmlNode *n, const char *fmt, ...)
{
    if (!p->warn)
        return;
    va_list ap;
    va_start(ap, fmt);
    vdiag(p, p->warn, n, "warning: ", fmt, ap);
    va_end(ap);
}

/* ---- the SAX hooks ----------------------------------------------------- */

static void stream_sweep(pctx *p);
static void stream_cluster(pctx *p, xmlNode *n);

/* The first <clusters> directly in a root <plan>: the one the walk reads
 * (child_once), whose <cluster>s can be read as they end. */
static int is_stream(const pctx *p, const xmlNode *n)
{
    const xmlNode *up = n->parent;
    return !p->stream_seen && strcmp((const char *)n->name, "clusters") == 0 &&
           up && up->type == XML_ELEMENT_NODE &&
           strcmp((const char *)up->name, "plan") == 0 && up->parent &&
           up->parent->type == XML_DOCUMENT_NODE;
}

static void on_start(void *ctx, const xmlChar *localname,
                     const xmlChar *prefix, const xmlChar *URI,
                     int nb_namespaces, const xmlChar **namespaces,
                     int nb_attributes, int nb_defaulted,
                     const xmlChar **attributes)
{
    xmlParserCtxtPtr c = ctx;
    pctx *p = c->_private;
    /* before the new child is added, so no text is being appended to the
     * nodes the sweep frees */
    if (p && p->stream && c->node == p->stream)
        stream_sweep(p);
    xmlSAX2StartElementNs(ctx, localname, prefix, URI, nb_namespaces,
                          namespaces, nb_attributes, nb_defaulted, attributes);
    if (p)
        p->text_len = 0;
    if (!c->node || !c->input)
        return;
    const xmlChar *q = c->input->cur;
    while (q > c->input->base && *q != '<')
        q--;
    size_t off = (size_t)c->input->consumed + (size_t)(q - c->input->base);
    c->node->psvi = (void *)(uintptr_t)(off + 1);
    if (p && is_stream(p, c->node)) {
        p->stream = c->node;
        p->stream_seen = 1;
    }
}

static void on_end(void *ctx, const xmlChar *localname,
                   const xmlChar *prefix, const xmlChar *URI)
{
    xmlParserCtxtPtr c = ctx;
    pctx *p = c->_private;
    xmlNode *n = c->node;
    p->text_len = 0;
    xmlSAX2EndElementNs(ctx, localname, prefix, URI);
    if (!n || !p->stream || p->xml_msg[0])
        return;
    if (n->parent == p->stream && n->type == XML_ELEMENT_NODE &&
        strcmp((const char *)n->name, "cluster") == 0)
        stream_cluster(p, n);
    else if (n == p->stream)
        stream_sweep(p);
}

/* Text between two tags, in chunks: counted against VT_MAX_TEXT_BYTES
 * before libxml2 sees it (a comment in the middle does not reset the
 * count, which only makes the check a little stricter than libxml2's). */
static void on_chars(void *ctx, const xmlChar *ch, int len)
{
    xmlParserCtxtPtr c = ctx;
    pctx *p = c->_private;
    if (p->huge)
        return;
    if (len > 0 && !p->xml_msg[0] &&
        p->text_len + (size_t)len > VT_MAX_TEXT_BYTES) {
        p->huge = 1;
        snprintf(p->huge_el, sizeof p->huge_el, "%s",
                 c->node ? (const char *)c->node->name : "plan");
        p->huge_off = c->node && c->node->psvi
                          ? (size_t)(uintptr_t)c->node->psvi - 1
                          : 0;
        xmlStopParser(c);
        return;
    }
    p->text_len += len > 0 ? (size_t)len : 0;
    xmlSAX2Characters(ctx, ch, len);
}

static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext,
                       const xmlChar *sys)
{
    (void)name, (void)ext, (void)sys;
    xmlParserCtxtPtr c = ctx;
    pctx *p = c->_private;
    p->doctype = 1;
    p->xml_line = c->input ? c->input->line : 0;
    p->xml_col = c->input ? c->input->col : 0;
    xmlStopParser(c);
}

/* libxml2 passes ctxt->userData, which the SAX2 handlers need to be the
 * parser context itself; our state hangs off ctxt->_private. */
static void on_error(void *data, xmlErrorPtr e)
{
    pctx *p = ((xmlParserCtxtPtr)data)->_private;
    if (p->xml_msg[0] || p->doctype || p->huge || !e ||
        e->level < XML_ERR_ERROR)
        return;
    p->xml_line = e->line;
    p->xml_col = e->int2;
    p->xml_oom = e->code == XML_ERR_NO_MEMORY;
    snprintf(p->xml_msg, sizeof p->xml_msg, "%s", e->message ? e->message : "");
    size_t n = strlen(p->xml_msg);
    while (n && (p->xml_msg[n - 1] == '\n' || p->xml_msg[n - 1] == ' '))
        p->xml_msg[--n] = '\0';
}

/* ---- small DOM helpers ------------------------------------------------- */

static int is_el(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE &&
           strcmp((const char *)n->name, name) == 0;
}

static const char *el_name(const xmlNode *n) { return (const char *)n->name; }

static int blank_text(const xmlNode *n)
{
    if (n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE)
        return 1;
    if (n->type != XML_TEXT_NODE && n->type != XML_CDATA_SECTION_NODE)
        return 0;
    for (const xmlChar *s = n->content; s && *s; s++)
        if (!isspace(*s))
            return 0;
    return 1;
}

/* Allocation failed: the load ends with VT_ERR_NOMEM, and the message
 * says where rather than leaving the clerk with an empty stderr. */
static void out_of_memory(pctx *p, const xmlNode *n)
{
    if (!p->plan->arena.oom) {
        int line, col;
        node_pos(p, n, &line, &col);
        vt_diags_addf(p->d, "%s:%d:%d: out of memory while reading <%s>",
                      p->name, line, col, n ? el_name(n) : "plan");
        p->oom_said = 1;
    }
    p->plan->arena.oom = 1;
}

/* The plan's texts, packed end to end in blocks of the arena rather than
 * one aligned allocation each, and a text equal to one of the last few
 * given the same (a topic, session or time repeated in every <cluster>)
 * shared: a province's million school names cost their bytes, not twice
 * that.  Texts of the model are never written to after. */
/* small beside the arena's own 64 KiB blocks, so that taking one from the
 * arena wastes little of the block it ends */
#define VT_PACK_BLOCK 4096
#define VT_PACK_RECENT VT_PACK_RECENT_N

static const char *pack_str(pctx *p, const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    const char **seen = &p->recent[h % VT_PACK_RECENT];
    if (*seen && strncmp(*seen, s, n) == 0 && (*seen)[n] == '\0')
        return *seen;
    if (n >= VT_PACK_BLOCK / 4)
        return *seen = vt_arena_strndup(&p->plan->arena, s, n);
    if (p->pack_left < n + 1) {
        p->pack = vt_arena_alloc(&p->plan->arena, VT_PACK_BLOCK);
        p->pack_left = p->pack ? VT_PACK_BLOCK : 0;
        if (!p->pack)
            return NULL;
    }
    char *r = p->pack;
    memcpy(r, s, n);
    r[n] = '\0';
    p->pack += n + 1;
    p->pack_left -= n + 1;
    return *seen = r;
}

/* Clean a string for the document (NFC, controls out, spaces folded) into
 * b: the text's start in b, its length in *n (it is not NUL-ended there);
 * NULL after reporting why not. */
static const char *clean_text(pctx *p, const xmlNode *at, const char *s,
                              vt_buf *b, size_t *n)
{
    int rc = vt_text_clean(s, strlen(s), b);
    if (rc != 0) {
        if (rc == -2)
            out_of_memory(p, at);
        else
            perr(p, at, "<%s> contains text that is not valid UTF-8",
                 el_name(at));
        return NULL;
    }
    const char *t = b->data ? b->data : "";
    while (*t == ' ')
        t++;
    *n = strlen(t);
    while (*n && t[*n - 1] == ' ')
        (*n)--;
    return t;
}

/* Clean a string and copy it into the plan's arena. */
static const char *clean_dup(pctx *p, const xmlNode *at, const char *s)
{
    vt_buf b;
    vt_buf_init(&b);
    size_t n;
    const char *t = clean_text(p, at, s, &b, &n);
    const char *r = t ? pack_str(p, t, n) : NULL;
    vt_buf_free(&b);
    return r;
}

static const char *get_attr(pctx *p, xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    const char *r = clean_dup(p, n, (const char *)v);
    xmlFree(v);
    return r;
}

static void check_attrs(pctx *p, xmlNode *n, const char *const *allowed)
{
    for (xmlAttr *a = n->properties; a; a = a->next) {
        int ok = 0;
        for (const char *const *k = allowed; k && *k; k++)
            if (strcmp((const char *)a->name, *k) == 0)
                ok = 1;
        if (ok)
            continue;
        vt_buf exp;
        vt_buf_init(&exp);
        for (const char *const *k = allowed; k && *k; k++)
            vt_buf_printf(&exp, "%s%s", exp.len ? ", " : "", *k);
        if (exp.len)
            perr(p, n, "<%s> has an unknown attribute \"%s\" (allowed: %s)",
                 el_name(n), (const char *)a->name, exp.data);
        else
            perr(p, n, "<%s> takes no attributes, found \"%s\"", el_name(n),
                 (const char *)a->name);
        vt_buf_free(&exp);
    }
}

/* The raw text of an element that may hold only text, into raw. */
static void raw_text(pctx *p, xmlNode *n, vt_buf *raw)
{
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE)
            vt_buf_puts(raw, (const char *)c->content);
        else if (c->type == XML_ELEMENT_NODE)
            perr(p, c, "<%s> is not allowed inside <%s>, which holds only text",
                 el_name(c), el_name(n));
        else if (c->type == XML_ENTITY_REF_NODE)
            perr(p, c, "entity references are not allowed in plans");
    }
}

/* The plain text of an element that may hold only text. */
static const char *text_only(pctx *p, xmlNode *n)
{
    vt_buf raw;
    vt_buf_init(&raw);
    raw_text(p, n, &raw);
    const char *r = clean_dup(p, n, raw.data ? raw.data : "");
    vt_buf_free(&raw);
    return r;
}

/* The cleaned text of an element that may hold only text and must hold
 * some, in clean: its start and *len, or NULL after reporting why not.
 * raw is scratch space. */
static const char *required_text(pctx *p, xmlNode *n, vt_buf *raw,
                                 vt_buf *clean, size_t *len)
{
    raw_text(p, n, raw);
    const char *t = clean_text(p, n, raw->data ? raw->data : "", clean, len);
    if (t && *len == 0)
        perr(p, n, "<%s> is empty; write its text between the tags",
             el_name(n));
    return t;
}

static const char *text_required(pctx *p, xmlNode *n)
{
    vt_buf raw, clean;
    vt_buf_init(&raw);
    vt_buf_init(&clean);
    size_t len;
    const char *t = required_text(p, n, &raw, &clean, &len);
    const char *r = t ? pack_str(p, t, len) : NULL;
    vt_buf_free(&raw);
    vt_buf_free(&clean);
    return r;
}

static size_t count_children(xmlNode *n, const char *name)
{
    size_t k = 0;
    for (xmlNode *c = n->children; c; c = c->next)
        if (is_el(c, name))
            k++;
    return k;
}

static void *arena_array(pctx *p, size_t n, size_t size)
{
    if (n == 0)
        return NULL;
    return vt_arena_alloc(&p->plan->arena, n * size);
}

/* ---- inline text ------------------------------------------------------- */

typedef struct {
    vt_run *runs;
    size_t count, cap;
    vt_buf text; /* the current run's text */
    int bold, italic;
} runs_tmp;

static void runs_flush(pctx *p, runs_tmp *t)
{
    if (!t->text.len)
        return;
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4;
        vt_run *r = realloc(t->runs, cap * sizeof *r);
        if (!r) {
            out_of_memory(p, NULL);
            return;
        }
        t->runs = r;
        t->cap = cap;
    }
    vt_run *r = &t->runs[t->count++];
    r->text = vt_arena_strndup(&p->plan->arena, t->text.data, t->text.len);
    r->bold = (unsigned char)t->bold;
    r->italic = (unsigned char)t->italic;
    vt_buf_reset(&t->text);
}

static void runs_text(pctx *p, runs_tmp *t, xmlNode *at, const char *s,
                      int bold, int italic)
{
    if (bold != t->bold || italic != t->italic) {
        runs_flush(p, t);
        t->bold = bold;
        t->italic = italic;
    }
    int rc = vt_text_clean(s, strlen(s), &t->text);
    if (rc == -2)
        out_of_memory(p, at);
    else if (rc != 0)
        perr(p, at, "<%s> contains text that is not valid UTF-8", el_name(at));
}

/* Inline content: text with <b> and <i>.  Elements named in skip (nested
 * <item>s, a section's <title>) are left to the block parser. */
static void inline_walk(pctx *p, runs_tmp *t, xmlNode *n, int bold,
                        int italic, const char *skip)
{
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            runs_text(p, t, n, (const char *)c->content, bold, italic);
        } else if (c->type == XML_ELEMENT_NODE) {
            if (skip && is_el(c, skip))
                continue;
            if (is_el(c, "b") || is_el(c, "i")) {
                check_attrs(p, c, NULL);
                inline_walk(p, t, c, bold || is_el(c, "b"),
                            italic || is_el(c, "i"), NULL);
            } else {
                perr(p, c,
                     "<%s> is not allowed inside <%s>; text may only use "
                     "<b> and <i>",
                     el_name(c), el_name(n));
            }
        } else if (c->type == XML_ENTITY_REF_NODE) {
            perr(p, c, "entity references are not allowed in plans");
        }
    }
}

/* Fold the spaces where runs meet and trim the ends, so that
 * "text <b>bold</b> more" keeps exactly one space on each side. */
static vt_inline runs_finish(pctx *p, runs_tmp *t)
{
    runs_flush(p, t);
    vt_inline in = {0};
    int prev_space = 1;
    size_t k = 0;
    for (size_t i = 0; i < t->count; i++) {
        char *s = (char *)t->runs[i].text;
        if (!s)
            continue;
        if (prev_space && *s == ' ')
            memmove(s, s + 1, strlen(s));
        size_t n = strlen(s);
        if (n == 0)
            continue;
        prev_space = s[n - 1] == ' ';
        t->runs[k++] = t->runs[i];
    }
    while (k) {
        char *s = (char *)t->runs[k - 1].text;
        size_t n = strlen(s);
        while (n && s[n - 1] == ' ')
            s[--n] = '\0';
        if (n)
            break;
        k--;
    }
    in.count = k;
    in.runs = arena_array(p, k, sizeof(vt_run));
    if (in.runs)
        memcpy(in.runs, t->runs, k * sizeof(vt_run));
    else
        in.count = 0;
    free(t->runs);
    vt_buf_free(&t->text);
    return in;
}

static vt_inline inline_of(pctx *p, xmlNode *n, const char *skip)
{
    runs_tmp t;
    memset(&t, 0, sizeof t);
    vt_buf_init(&t.text);
    inline_walk(p, &t, n, 0, 0, skip);
    return runs_finish(p, &t);
}

static vt_inline inline_required(pctx *p, xmlNode *n, const char *skip)
{
    vt_inline in = inline_of(p, n, skip);
    if (in.count == 0)
        perr(p, n, "<%s> is empty; write its text between the tags",
             el_name(n));
    return in;
}

/* ---- body blocks ------------------------------------------------------- */

static vt_block *parse_blocks(pctx *p, xmlNode *parent, size_t depth,
                              const char *skip);

static int is_block_name(const xmlNode *c)
{
    return is_el(c, "p") || is_el(c, "item") || is_el(c, "section") ||
           is_el(c, "table") || is_el(c, "list");
}

static int parse_int_attr(pctx *p, xmlNode *n, const char *name, int def,
                          int lo, int hi)
{
    const char *v = get_attr(p, n, name);
    if (!v)
        return def;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (!*v || *end || errno || x < lo || x > hi) {
        perr(p, n, "<%s %s=\"%s\"> must be a whole number from %d to %d",
             el_name(n), name, v, lo, hi);
        return def;
    }
    return (int)x;
}

static int parse_yes_no(pctx *p, xmlNode *n, const char *name, int def)
{
    const char *v = get_attr(p, n, name);
    if (!v)
        return def;
    if (strcmp(v, "yes") == 0 || strcmp(v, "có") == 0)
        return 1;
    if (strcmp(v, "no") == 0 || strcmp(v, "không") == 0)
        return 0;
    perr(p, n, "<%s %s=\"%s\"> must be \"yes\" or \"no\"", el_name(n), name,
         v);
    return def;
}

/* --max-table-cells bounds the grid, not the <cell> elements: a row of one
 * cell with colspan="40000" under 40,000 rows asks for 1.6 billion slots,
 * and rendering writes a w:tc for every slot a merged cell covers from
 * above.  The tables of one plan share the limit, so a plan of many
 * small-looking tables cannot multiply it either.  Checked before any grid
 * is allocated. */
static int table_within_limit(pctx *p, xmlNode *n, const vt_table *t,
                              size_t cells)
{
    size_t max = p->lim->max_table_cells;
    if (cells > max) {
        perr(p, n, "<table> has %zu cells, more than the limit of %zu "
                   "(raise it with --max-table-cells)",
             cells, max);
        return 0;
    }
    size_t rows = t->nrows ? t->nrows : 1;
    if (t->ncols > max / rows) {
        perr(p, n, "<table> has %zu rows of %zu columns, a grid of %llu "
                   "cells counting those merged cells cover, more than the "
                   "limit of %zu (raise it with --max-table-cells)",
             t->nrows, t->ncols,
             (unsigned long long)t->nrows * (unsigned long long)t->ncols, max);
        return 0;
    }
    size_t grid = rows * t->ncols;
    if (p->table_cells > max)
        return 0; /* the plan's total is past the limit, said once */
    if (grid > max - p->table_cells) {
        perr(p, n, "<table> brings the cells of the plan's tables to %zu "
                   "(each grid counted whole), more than the limit of %zu "
                   "for all tables of a plan (raise it with "
                   "--max-table-cells)",
             p->table_cells + grid, max);
        p->table_cells = max + 1;
        return 0;
    }
    p->table_cells += grid;
    return 1;
}

static vt_table *parse_table(pctx *p, xmlNode *n)
{
    static const char *const table_attrs[] = {"repeat-header", NULL};
    static const char *const col_attrs[] = {"width", NULL};
    static const char *const cell_attrs[] = {"rowspan", "colspan", NULL};
    check_attrs(p, n, table_attrs);
    vt_table *t = vt_arena_alloc(&p->plan->arena, sizeof *t);
    if (!t)
        return NULL;
    t->repeat_header = parse_yes_no(p, n, "repeat-header", 1);
    t->ncols = count_children(n, "col");
    t->nrows = count_children(n, "row");
    if (t->ncols == 0) {
        perr(p, n, "<table> needs at least one <col> giving a column heading");
        return NULL;
    }
    t->widths = arena_array(p, t->ncols, sizeof(int));
    t->heads = arena_array(p, t->ncols, sizeof(vt_inline));
    t->rows = arena_array(p, t->nrows, sizeof(vt_row));
    if (!t->widths || !t->heads || (t->nrows && !t->rows))
        return NULL;
    size_t ci = 0, ri = 0, cells = 0;
    for (xmlNode *c = n->children; c; c = c->next) {
        if (is_el(c, "col")) {
            check_attrs(p, c, col_attrs);
            t->widths[ci] = parse_int_attr(p, c, "width", 1, 1, 1000);
            t->heads[ci] = inline_of(p, c, NULL);
            ci++;
        } else if (is_el(c, "row")) {
            check_attrs(p, c, NULL);
            vt_row *row = &t->rows[ri++];
            row->line = (int)xmlGetLineNo(c);
            row->count = count_children(c, "cell");
            row->cells = arena_array(p, row->count, sizeof(vt_cell));
            if (row->count == 0)
                perr(p, c, "<row> has no <cell>");
            size_t k = 0;
            for (xmlNode *cc = c->children; cc; cc = cc->next) {
                if (is_el(cc, "cell") && row->cells) {
                    check_attrs(p, cc, cell_attrs);
                    vt_cell *cell = &row->cells[k++];
                    cell->rowspan = parse_int_attr(p, cc, "rowspan", 1, 1, 10000);
                    cell->colspan = parse_int_attr(p, cc, "colspan", 1, 1,
                                                   (int)t->ncols);
                    cell->text = inline_of(p, cc, NULL);
                } else if (!blank_text(cc)) {
                    perr(p, cc, "<row> may contain only <cell> elements");
                }
            }
            cells += row->count;
        } else if (!blank_text(c)) {
            perr(p, c, "<table> may contain only <col> and <row> elements");
        }
    }
    if (!table_within_limit(p, n, t, cells))
        return NULL;
    if (p->errors || p->plan->arena.oom)
        return t; /* refused anyway; a row's cells may be missing */
    long *grid = malloc((t->nrows ? t->nrows : 1) * t->ncols * sizeof(long));
    if (!grid) {
        out_of_memory(p, n);
        return NULL;
    }
    char msg[200];
    if (vt_table_layout(t, grid, msg, sizeof msg) != 0)
        perr(p, n, "<table>: %s", msg);
    free(grid);
    return t;
}

static vt_numbering parse_numbering(pctx *p, xmlNode *n)
{
    const char *v = get_attr(p, n, "subsections");
    if (!v)
        return VT_NUM_AUTO;
    static const struct {
        const char *name;
        vt_numbering num;
    } m[] = {{"roman", VT_NUM_ROMAN},
             {"decimal", VT_NUM_DECIMAL},
             {"dotted", VT_NUM_DOTTED},
             {"letter", VT_NUM_LETTER}};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (strcmp(v, m[i].name) == 0)
            return m[i].num;
    perr(p, n,
         "<section subsections=\"%s\"> must be one of roman (I.), decimal "
         "(1.), dotted (1.1.), letter (a))",
         v);
    return VT_NUM_AUTO;
}

/* ---- lint: text that repeats what vanthu prints ------------------------ */

static const char *first_text(const vt_inline *in)
{
    return in->count && in->runs[0].text ? in->runs[0].text : "";
}

/* "- ", "+ ", "• " typed before an item: vanthu prints the dash itself. */
static size_t dash_prefix(const char *s)
{
    static const char *const marks[] = {"- ", "+ ", "– ", "— ", "• ", "* "};
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
        if (strncmp(s, marks[i], strlen(marks[i])) == 0)
            return strlen(marks[i]);
    /* "-Tổng kết": a dash glued to a letter (not "-5", a number) */
    if ((s[0] == '-' || s[0] == '+') && s[1] && !isdigit((unsigned char)s[1]) &&
        s[1] != ' ')
        return 1;
    return 0;
}

static void lint_dash(pctx *p, xmlNode *n, const vt_inline *in)
{
    const char *s = first_text(in);
    size_t k = dash_prefix(s);
    if (!k)
        return;
    if (is_el(n, "item") && is_el(n->parent, "list"))
        pwarn(p, n, "<item> starts with \"%.*s\": vanthu numbers the items "
                    "of a <list> itself; remove it",
              (int)k, s);
    else if (is_el(n, "item"))
        pwarn(p, n, "<item> starts with \"%.*s\": vanthu prints the dash "
                    "(\"- \", or \"+ \" for an item inside an item or "
                    "paragraph) itself; remove it",
              (int)k, s);
    else
        pwarn(p, n, "<%s> starts with \"%.*s\": write it as an <item>, "
                    "which vanthu prints with its dash",
              el_name(n), (int)k, s);
}

/* The length of a number typed before a heading or list item ("4. ",
 * "1.2. ", "a) ", "II. ", "(3) "), 0 if none.  vanthu numbers these
 * itself, so a typed one prints twice: "2. 4. Nội dung". */
static size_t number_prefix(const char *s)
{
    const char *q = s;
    if (*q == '(')
        q++;
    const char *start = q;
    if (isdigit((unsigned char)*q)) {
        while (isdigit((unsigned char)*q) || (*q == '.' && isdigit((unsigned char)q[1])))
            q++;
    } else if (strchr("IVXLCDM", *q) && *q) {
        while (*q && strchr("IVXLCDM", *q))
            q++;
    } else if (*q >= 'a' && *q <= 'z') {
        q++;
        if (*q != ')')
            return 0; /* "a." could be a word; "a)" is a điểm */
    } else if (strncmp(q, "đ", strlen("đ")) == 0) {
        q += strlen("đ");
        if (*q != ')')
            return 0;
    }
    if (q == start || (*q != '.' && *q != ')'))
        return 0;
    q++;
    if (*q != ' ')
        return 0;
    return (size_t)(q - s);
}

static void lint_number(pctx *p, xmlNode *n, const vt_inline *in)
{
    const char *s = first_text(in);
    size_t k = number_prefix(s);
    if (k)
        pwarn(p, n, "<%s> starts with the number \"%.*s\": vanthu numbers "
                    "%s itself, so it would print twice; remove it",
              el_name(n), (int)k, s,
              is_el(n, "title") ? "sections" : "list items");
}

/* <list numbering="decimal|letter">: a numbered list of items that are
 * body text, not headings (a section's title is a heading). */
static void parse_list(pctx *p, xmlNode *c, vt_block *b, size_t depth)
{
    static const char *const attrs[] = {"numbering", NULL};
    check_attrs(p, c, attrs);
    b->kind = VT_B_LIST;
    b->subs = VT_NUM_DECIMAL;
    const char *v = get_attr(p, c, "numbering");
    if (v && strcmp(v, "letter") == 0)
        b->subs = VT_NUM_LETTER;
    else if (v && strcmp(v, "decimal") != 0)
        perr(p, c, "<list numbering=\"%s\"> must be decimal (1. 2. 3.) or "
                   "letter (a) b) c))", v);
    vt_block **tail = &b->first;
    for (xmlNode *k = c->children; k; k = k->next) {
        if (!is_el(k, "item")) {
            if (k->type == XML_ELEMENT_NODE || !blank_text(k))
                perr(p, k, "<list> may contain only <item> elements");
            continue;
        }
        if (depth + 1 > p->lim->max_depth) {
            perr(p, k, "<item> is nested %zu deep, more than the limit of "
                       "%zu (raise it with --max-depth)",
                 depth + 1, p->lim->max_depth);
            return;
        }
        check_attrs(p, k, NULL);
        vt_block *it = vt_arena_alloc(&p->plan->arena, sizeof *it);
        if (!it)
            return;
        it->kind = VT_B_ITEM;
        it->text = inline_required(p, k, "item");
        it->first = parse_blocks(p, k, depth + 2, "item-only");
        lint_number(p, k, &it->text);
        lint_dash(p, k, &it->text);
        *tail = it;
        tail = &it->next;
    }
    if (!b->first)
        perr(p, c, "<list> needs at least one <item>");
}

static vt_block *parse_block(pctx *p, xmlNode *c, size_t depth)
{
    static const char *const section_attrs[] = {"subsections", NULL};
    vt_block *b = vt_arena_alloc(&p->plan->arena, sizeof *b);
    if (!b)
        return NULL;
    if (depth > p->lim->max_depth) {
        perr(p, c, "<%s> is nested %zu deep, more than the limit of %zu "
                   "(raise it with --max-depth)",
             el_name(c), depth, p->lim->max_depth);
        return NULL;
    }
    if (is_el(c, "p")) {
        check_attrs(p, c, NULL);
        b->kind = VT_B_PARA;
        b->text = inline_required(p, c, "item");
        b->first = parse_blocks(p, c, depth + 1, "item-only");
        lint_dash(p, c, &b->text);
    } else if (is_el(c, "item")) {
        check_attrs(p, c, NULL);
        b->kind = VT_B_ITEM;
        b->text = inline_required(p, c, "item");
        b->first = parse_blocks(p, c, depth + 1, "item-only");
        lint_dash(p, c, &b->text);
    } else if (is_el(c, "list")) {
        parse_list(p, c, b, depth);
    } else if (is_el(c, "section")) {
        check_attrs(p, c, section_attrs);
        b->kind = VT_B_SECTION;
        b->subs = parse_numbering(p, c);
        xmlNode *title = NULL;
        for (xmlNode *k = c->children; k; k = k->next)
            if (is_el(k, "title") && !title)
                title = k;
        if (!title) {
            perr(p, c, "<section> needs a <title> (the decree requires "
                       "headings to have titles)");
        } else {
            check_attrs(p, title, NULL);
            b->text = inline_required(p, title, NULL);
            lint_number(p, title, &b->text);
        }
        b->first = parse_blocks(p, c, depth + 1, "title");
    } else if (is_el(c, "table")) {
        b->kind = VT_B_TABLE;
        b->table = parse_table(p, c);
    } else {
        return NULL;
    }
    return b;
}

/* The blocks inside a body, section, item or appendix.  skip names the
 * child handled by the caller ("title" of a section); "item-only" means
 * only nested <item>s are blocks (an item's own text is inline). */
static vt_block *parse_blocks(pctx *p, xmlNode *parent, size_t depth,
                              const char *skip)
{
    vt_block *first = NULL, **tail = &first;
    int items_only = skip && strcmp(skip, "item-only") == 0;
    for (xmlNode *c = parent->children; c; c = c->next) {
        if (items_only) {
            if (!is_el(c, "item"))
                continue; /* inline content, already read */
        } else if (c->type != XML_ELEMENT_NODE) {
            if (!blank_text(c))
                perr(p, c,
                     "text directly inside <%s> is not allowed; put it in a "
                     "<p> or <item>",
                     el_name(parent));
            continue;
        } else if (skip && is_el(c, skip)) {
            continue;
        }
        if (!is_block_name(c)) {
            perr(p, c,
                 "<%s> is not allowed inside <%s>; expected <p>, <section>, "
                 "<item>, <list> or <table>",
                 el_name(c), el_name(parent));
            continue;
        }
        vt_block *b = parse_block(p, c, depth);
        if (!b)
            continue;
        *tail = b;
        tail = &b->next;
    }
    return first;
}

/* ---- header fields ----------------------------------------------------- */

static int parse_date_text(const char *s, vt_date *d)
{
    memset(d, 0, sizeof *d);
    int y = 0, m = 0, dd = 0, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &dd, &n) == 3 && s[n] == '\0' &&
        strlen(s) == 10) {
        d->year = y, d->month = m, d->day = dd;
        return 0;
    }
    if (sscanf(s, "%4d-%2d%n", &y, &m, &n) == 2 && s[n] == '\0' &&
        strlen(s) == 7) {
        d->year = y, d->month = m;
        return 0;
    }
    if (sscanf(s, "%4d%n", &y, &n) == 1 && s[n] == '\0' && strlen(s) == 4) {
        d->year = y;
        return 0;
    }
    return -1;
}

/* A date value: YYYY-MM-DD, or for a draft YYYY-MM or YYYY. */
static void parse_date(pctx *p, xmlNode *n, const char *s, vt_date *d,
                       int allow_blank)
{
    if (parse_date_text(s, d) != 0) {
        perr(p, n,
             "<%s> \"%s\" is not a date; write YYYY-MM-DD (a draft may leave "
             "the day or month out: YYYY-MM, YYYY)",
             el_name(n), s);
        return;
    }
    if (vt_date_valid(d, allow_blank))
        return;
    if (!allow_blank && (d->day == 0 || d->month == 0))
        perr(p, n, "<%s> \"%s\" must give day, month and year", el_name(n), s);
    else if (d->month < 1 || d->month > 12)
        perr(p, n, "<%s> \"%s\" is not a real date: there is no month %d",
             el_name(n), s, d->month);
    else if (d->year < 1900 || d->year > 9999)
        perr(p, n, "<%s> \"%s\" has an implausible year", el_name(n), s);
    else
        perr(p, n,
             "<%s> \"%s\" is not a real date: month %d of %d has %d days",
             el_name(n), s, d->month, d->year,
             vt_days_in_month(d->year, d->month));
}

static const char **string_list(pctx *p, xmlNode *n, const char *child,
                                size_t *count)
{
    *count = count_children(n, child);
    const char **v = arena_array(p, *count, sizeof(char *));
    size_t k = 0;
    for (xmlNode *c = n->children; c && v; c = c->next)
        if (is_el(c, child)) {
            check_attrs(p, c, NULL);
            v[k++] = text_required(p, c);
        }
    return v;
}

/* Children of n must all be among names (listed for the message). */
static void only_children(pctx *p, xmlNode *n, const char *const *names)
{
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) {
            if (!blank_text(c))
                perr(p, c, "text directly inside <%s> is not allowed",
                     el_name(n));
            continue;
        }
        int ok = 0;
        for (const char *const *k = names; *k; k++)
            if (is_el(c, *k))
                ok = 1;
        if (ok)
            continue;
        vt_buf exp;
        vt_buf_init(&exp);
        for (const char *const *k = names; *k; k++)
            vt_buf_printf(&exp, "%s<%s>", exp.len ? ", " : "", *k);
        perr(p, c, "<%s> is not allowed inside <%s>; expected %s", el_name(c),
             el_name(n), exp.data ? exp.data : "nothing");
        vt_buf_free(&exp);
    }
}

static xmlNode *child(xmlNode *n, const char *name)
{
    for (xmlNode *c = n->children; c; c = c->next)
        if (is_el(c, name))
            return c;
    return NULL;
}

/* A child that must appear once: reports a missing one at the parent and a
 * repeated one at the repeat. */
static xmlNode *child_once(pctx *p, xmlNode *n, const char *name, int required,
                           const char *why)
{
    xmlNode *first = NULL;
    for (xmlNode *c = n->children; c; c = c->next) {
        if (!is_el(c, name))
            continue;
        if (first)
            perr(p, c, "<%s> appears twice in <%s>; give it once", name,
                 el_name(n));
        else
            first = c;
    }
    if (!first && required)
        perr(p, n, "<%s> is missing <%s>%s%s", el_name(n), name,
             why ? " " : "", why ? why : "");
    return first;
}

static void parse_agency(pctx *p, xmlNode *n)
{
    static const char *const kids[] = {"parent", "name", "place", NULL};
    static const char *const name_attrs[] = {"abbr", "short", NULL};
    vt_plan *pl = p->plan;
    check_attrs(p, n, NULL);
    only_children(p, n, kids);
    xmlNode *c;
    if ((c = child_once(p, n, "parent", 0, NULL))) {
        check_attrs(p, c, NULL);
        pl->parent = text_required(p, c);
    }
    if ((c = child_once(p, n, "name", 1, "(the issuing agency's full name)"))) {
        check_attrs(p, c, name_attrs);
        pl->agency = text_required(p, c);
        pl->agency_abbr = get_attr(p, c, "abbr");
        pl->agency_short = get_attr(p, c, "short");
        if (!pl->agency_abbr || !*pl->agency_abbr)
            perr(p, c,
                 "<name> needs abbr=\"…\", the agency's abbreviation used in "
                 "the ký hiệu (e.g. abbr=\"PGDĐT\")");
        if (!pl->agency_short)
            pl->agency_short = pl->agency;
    }
    if ((c = child_once(p, n, "place", 1, "(the địa danh of the date line)"))) {
        check_attrs(p, c, NULL);
        pl->place = text_required(p, c);
    }
}

static void parse_number(pctx *p, xmlNode *n)
{
    static const char *const attrs[] = {"unit", NULL};
    check_attrs(p, n, attrs);
    p->plan->unit = get_attr(p, n, "unit");
    const char *s = text_only(p, n);
    if (!s || !*s)
        return; /* a draft: the văn thư writes the number after signing */
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*end || errno || v < 1 || v > 999999)
        perr(p, n,
             "<number> \"%s\" must be a whole number from 1 (leave it empty "
             "for a draft)",
             s);
    else
        p->plan->number = (int)v;
}

static void parse_subject(pctx *p, xmlNode *n)
{
    check_attrs(p, n, NULL);
    vt_plan *pl = p->plan;
    if (count_children(n, "line")) {
        static const char *const kids[] = {"line", NULL};
        only_children(p, n, kids);
        pl->subject = string_list(p, n, "line", &pl->nsubject);
        return;
    }
    pl->nsubject = 1;
    pl->subject = arena_array(p, 1, sizeof(char *));
    if (pl->subject)
        pl->subject[0] = text_required(p, n);
}

/* A công văn's subject is printed after "V/v "; a typed "V/v" or "Về"
 * ("về việc") prints the words twice. */
static void lint_subject(pctx *p, xmlNode *n)
{
    vt_plan *pl = p->plan;
    if (!vt_doctype_is_cong_van(pl->type) || !pl->nsubject || !pl->subject ||
        !pl->subject[0])
        return;
    const char *s = pl->subject[0];
    static const char *const typed[] = {"V/v", "v/v", "V/V", "V.v", "Về ",
                                        "về ", "VỀ "};
    for (size_t i = 0; i < sizeof typed / sizeof *typed; i++)
        if (strncmp(s, typed[i], strlen(typed[i])) == 0) {
            xmlNode *at = child(n, "line") ? child(n, "line") : n;
            pwarn(p, at, "<%s> starts with \"%.*s\": vanthu prints \"V/v \" "
                         "(về việc) before a công văn's subject; start with "
                         "the matter itself",
                  el_name(at), (int)strcspn(typed[i], " "), s);
            return;
        }
}

/* "KT. Trưởng phòng" typed in a title: the authority is an attribute,
 * and vanthu prints "KT. " before the first title itself. */
static void lint_authority(pctx *p, xmlNode *n)
{
    static const char *const typed[] = {"KT", "K.T", "TM", "T.M", "TL", "T.L",
                                        "TUQ", "T.U.Q", "Q"};
    size_t k = 0;
    for (xmlNode *c = n->children; c; c = c->next) {
        if (!is_el(c, "title"))
            continue;
        const char *s = p->plan->titles ? p->plan->titles[k++] : NULL;
        for (size_t i = 0; s && i < sizeof typed / sizeof *typed; i++) {
            size_t m = strlen(typed[i]);
            if (strncmp(s, typed[i], m) != 0)
                continue;
            /* "KT." or "KT " ("Q" only with its dot: "Quyền …" is a word) */
            if (s[m] == '.' || (s[m] == ' ' && m > 1)) {
                pwarn(p, c, "<title> starts with \"%.*s\": write "
                            "authority=\"%c%s\" on <signature>; vanthu "
                            "prints \"%c%s. \" before the first title",
                      (int)m + (s[m] == '.'), s, typed[i][0],
                      typed[i][1] == '.' ? "" : typed[i] + 1, typed[i][0],
                      typed[i][1] == '.' ? "" : typed[i] + 1);
                break;
            }
        }
    }
}

/* ---- signature and seal images (Phụ lục I, ô 7b/7c) -------------------- */

/* The default printed widths when neither the plan nor the PNG's pHYs
 * chunk gives one: a signature about 35 mm wide, a round seal of 36 mm
 * (the common size of an agency's seal). */
#define VT_SIG_DEFAULT_MM 35.0
#define VT_SEAL_DEFAULT_MM 36.0
#define VT_EMU_PER_MM 36000.0

/* The image's path: relative to the plan's folder, as a clerk keeps a plan
 * and its images together; an absolute path is taken as written. */
static void image_path(pctx *p, const char *src, vt_buf *out)
{
    const char *slash = strrchr(p->name, '/');
    if (src[0] != '/' && slash)
        vt_buf_put(out, p->name, (size_t)(slash - p->name) + 1);
    vt_buf_puts(out, src);
}

/* Read a regular file of at most VT_PNG_MAX_BYTES into the arena.  Opened
 * non-blocking so that a FIFO named as an image fails instead of hanging;
 * anything but a regular file is refused before a byte is read.  Returns
 * NULL with the reason in err. */
static unsigned char *read_image(pctx *p, const char *path, size_t *len,
                                 char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    unsigned char *buf = NULL;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "cannot read %s: not a regular file%s", path,
                 S_ISDIR(st.st_mode) ? " (a folder)" : "");
    } else if ((unsigned long long)st.st_size > VT_PNG_MAX_BYTES) {
        snprintf(err, errlen, "%s is %lld bytes; at most %u MiB", path,
                 (long long)st.st_size, VT_PNG_MAX_BYTES >> 20);
    } else if (!(buf = vt_arena_alloc(&p->plan->arena,
                                      (size_t)st.st_size + 1))) {
        snprintf(err, errlen, "out of memory reading %s", path);
    } else {
        size_t got = 0, want = (size_t)st.st_size;
        while (got < want) {
            ssize_t k = read(fd, buf + got, want - got);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0) {
                snprintf(err, errlen, "cannot read %s: %s", path,
                         k < 0 ? strerror(errno) : "it shrank while read");
                buf = NULL;
                break;
            }
            got += (size_t)k;
        }
        *len = got;
    }
    close(fd);
    return buf;
}

/* A millimetre attribute within [5, 100]; def when absent. */
static double parse_mm(pctx *p, xmlNode *n, const char *name, double def)
{
    const char *v = get_attr(p, n, name);
    if (!v)
        return def;
    char *end;
    errno = 0;
    double mm = strtod(v, &end);
    if (end == v || *end || errno || !(mm >= 5 && mm <= 100)) {
        perr(p, n, "<%s %s=\"%s\">: a size in millimetres from 5 to 100",
             el_name(n), name, v);
        return def;
    }
    return mm;
}

/* <image src="ky.png" width-mm="35"/> or <seal src="dau.png" size-mm="36"/>:
 * read and check the PNG now, so a bad image stops the plan before any
 * file is written. */
static vt_image *parse_image(pctx *p, xmlNode *n, const char *mm_attr,
                             double def_mm)
{
    const char *attrs[] = {"src", mm_attr, NULL};
    static const char *const none[] = {NULL};
    check_attrs(p, n, attrs);
    only_children(p, n, none);
    const char *src = get_attr(p, n, "src");
    if (!src || !*src) {
        perr(p, n, "<%s> needs src=\"…\": the PNG file, relative to the "
                   "plan's folder", el_name(n));
        return NULL;
    }
    double mm = parse_mm(p, n, mm_attr, 0);
    vt_buf path;
    vt_buf_init(&path);
    image_path(p, src, &path);
    char err[256];
    size_t len = 0;
    vt_png_info info;
    unsigned char *data = path.oom ? NULL
                                   : read_image(p, path.data, &len, err,
                                                sizeof err);
    if (path.oom)
        snprintf(err, sizeof err, "out of memory");
    vt_buf_free(&path);
    if (!data || vt_png_check(data, len, &info, err, sizeof err) != 0) {
        perr(p, n, "<%s src=\"%s\">: %s", el_name(n), src, err);
        return NULL;
    }
    vt_image *im = vt_arena_alloc(&p->plan->arena, sizeof *im);
    if (!im)
        return NULL;
    if (mm == 0)
        mm = info.dpmm_x > 0 ? info.width / info.dpmm_x : def_mm;
    if (mm < 5 || mm > 100)
        mm = def_mm; /* a pHYs that makes no sense on paper */
    im->src = src;
    im->data = data;
    im->len = len;
    im->cx = (long)(mm * VT_EMU_PER_MM + 0.5);
    im->cy = (long)((double)im->cx * info.height / info.width + 0.5);
    node_pos(p, n, &im->pos.line, &im->pos.col);
    return im;
}

static void parse_signature(pctx *p, xmlNode *n)
{
    static const char *const attrs[] = {"authority", "signed", NULL};
    static const char *const kids[] = {"title", "name", "image", "seal", NULL};
    static const struct {
        const char *s;
        vt_authority a;
    } auth[] = {{"TM", VT_AUTH_TM}, {"KT", VT_AUTH_KT}, {"Q", VT_AUTH_Q},
                {"TL", VT_AUTH_TL}, {"TUQ", VT_AUTH_TUQ}};
    vt_plan *pl = p->plan;
    check_attrs(p, n, attrs);
    only_children(p, n, kids);
    const char *a = get_attr(p, n, "authority");
    if (a) {
        int found = 0;
        for (size_t i = 0; i < sizeof auth / sizeof auth[0]; i++) {
            size_t k = strlen(auth[i].s);
            if (strncmp(a, auth[i].s, k) == 0 &&
                (a[k] == '\0' || (a[k] == '.' && a[k + 1] == '\0'))) {
                pl->authority = auth[i].a;
                found = 1;
            }
        }
        if (!found)
            perr(p, n,
                 "<signature authority=\"%s\"> must be one of TM, KT, Q, TL, "
                 "TUQ (Decree 30, Điều 13)",
                 a);
    }
    pl->signed_copy = parse_yes_no(p, n, "signed", 0);
    pl->titles = string_list(p, n, "title", &pl->ntitles);
    lint_authority(p, n);
    if (pl->ntitles == 0)
        perr(p, n, "<signature> needs at least one <title> (the signer's "
                   "position, e.g. Trưởng phòng)");
    if (pl->ntitles > 3)
        perr(p, n, "<signature> has %zu <title> lines; at most 3", pl->ntitles);
    xmlNode *c = child_once(p, n, "name", 1, "(the signer's full name)");
    if (c) {
        check_attrs(p, c, NULL);
        pl->signer = text_required(p, c);
    }
    if ((c = child_once(p, n, "image", 0, "")))
        pl->sig_image = parse_image(p, c, "width-mm", VT_SIG_DEFAULT_MM);
    if ((c = child_once(p, n, "seal", 0, "")))
        pl->seal_image = parse_image(p, c, "size-mm", VT_SEAL_DEFAULT_MM);
    if ((pl->sig_image || pl->seal_image) && pl->signed_copy)
        perr(p, n, "<signature signed=\"yes\"> prints \"(Đã ký)\" on a "
                   "copy; a copy carries no signature or seal image");
}

/* A Nơi nhận entry with a remark after it ("Như kính gửi; (qua Email nội
 * bộ)") is kept as one string in the printed form; remark="…" writes the
 * same thing for a plan that keeps the two apart.  ooxml.c prints the
 * entry's punctuation before the remark, never after it. */
static const char *with_remark(pctx *p, xmlNode *n, const char *text)
{
    const char *r = get_attr(p, n, "remark");
    if (!text || !r || !*r)
        return text;
    size_t k = strlen(r);
    int paren = r[0] == '(' && r[k - 1] == ')';
    vt_buf b;
    vt_buf_init(&b);
    vt_buf_printf(&b, "%s; %s%s%s", text, paren ? "" : "(", r,
                  paren ? "" : ")");
    const char *out = b.oom ? NULL
                            : vt_arena_strndup(&p->plan->arena, b.data, b.len);
    if (!out)
        out_of_memory(p, n);
    vt_buf_free(&b);
    return out ? out : text;
}

static int starts_with_luu(const char *s)
{
    return strncmp(s, "Lưu", strlen("Lưu")) == 0 ||
           strncmp(s, "LƯU", strlen("LƯU")) == 0;
}

static void parse_copies(pctx *p, xmlNode *n)
{
    static const char *const kids[] = {"to", "archive", NULL};
    static const char *const attrs[] = {"remark", NULL};
    vt_plan *pl = p->plan;
    check_attrs(p, n, NULL);
    only_children(p, n, kids);
    pl->ncopies = count_children(n, "to");
    pl->copies = arena_array(p, pl->ncopies, sizeof(char *));
    size_t k = 0;
    for (xmlNode *c = n->children; c && pl->copies; c = c->next) {
        if (!is_el(c, "to"))
            continue;
        check_attrs(p, c, attrs);
        const char *t = text_required(p, c);
        if (t && starts_with_luu(t))
            pwarn(p, c, "<to> starts with \"Lưu\": the file copy line is "
                        "<archive>VT, …</archive>, which vanthu prints as "
                        "\"- Lưu: VT, ….\" at the end");
        else if (t && dash_prefix(t))
            pwarn(p, c, "<to> starts with \"%.*s\": vanthu prints the dash "
                        "of each Nơi nhận line itself; remove it",
                  (int)dash_prefix(t), t);
        pl->copies[k++] = with_remark(p, c, t);
    }
    xmlNode *c = child_once(p, n, "archive", 1,
                            "(the file copy line \"Lưu: VT, …\"; write e.g. "
                            "<archive>VT, GDTH</archive>)");
    if (c) {
        check_attrs(p, c, attrs);
        const char *t = text_required(p, c);
        if (t && (starts_with_luu(t) || dash_prefix(t)))
            pwarn(p, c, "<archive> starts with \"%s\": vanthu prints \"- "
                        "Lưu: \" itself; give only the units, e.g. "
                        "<archive>VT, GDTH</archive>",
                  starts_with_luu(t) ? "Lưu" : "-");
        pl->archive = with_remark(p, c, t);
    }
}

/* In a batch plan (one with <clusters>) each cluster gives its own time
 * and venue, so the plan-wide ones become optional. */
static void parse_invitation(pctx *p, xmlNode *n, int batch)
{
    static const char *const kids[] = {"invitee", "event", "chair", "time",
                                       "venue", NULL};
    vt_invitation *inv = &p->plan->inv;
    check_attrs(p, n, NULL);
    only_children(p, n, kids);
    node_pos(p, n, &p->plan->invitation_pos.line, &p->plan->invitation_pos.col);
    xmlNode *c;
    if ((c = child_once(p, n, "invitee", 1, "(who is invited)")))
        inv->invitee = text_required(p, c);
    if ((c = child_once(p, n, "event", 1, "(what they are invited to)")))
        inv->event = text_required(p, c);
    if ((c = child_once(p, n, "chair", 0, NULL)))
        inv->chair = text_required(p, c);
    if ((c = child_once(p, n, "time", !batch, "(when)")))
        inv->time = text_required(p, c);
    if ((c = child_once(p, n, "venue", !batch, "(where)")))
        inv->venue = text_required(p, c);
}

/* ---- the schools' spill (schools.c reads it back) ----------------------- */

/* The spill's writes are made SPILL_FLUSH bytes at a time. */
#define SPILL_FLUSH 65536

/* A new temporary file for the schools, in $TMPDIR (or /tmp) like
 * sort(1)'s, unnamed where the file system allows it (O_TMPFILE), so it
 * goes away with the process however it ends; -1 with errno set. */
static int spill_create(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    int fd = -1;
#ifdef O_TMPFILE
    fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR &&
                    errno != EINVAL))
        return fd;
#endif
    vt_buf path;
    vt_buf_init(&path);
    vt_buf_printf(&path, "%s/vanthu-schools-XXXXXX", dir);
    if (path.oom) {
        errno = ENOMEM;
        return -1;
    }
    fd = mkostemp(path.data, O_CLOEXEC);
    if (fd >= 0)
        unlink(path.data);
    int err = errno;
    vt_buf_free(&path);
    errno = err;
    return fd;
}

/* Write out what the spill buffer holds (all, or only past SPILL_FLUSH). */
static void spill_flush(pctx *p, int all)
{
    if (p->spill_err || (!all && p->spill.len < SPILL_FLUSH) || !p->spill.len)
        return;
    p->spill_err = p->spill.oom ? ENOMEM
                                : vt_write_all(p->plan->spill_fd,
                                               p->spill.data, p->spill.len);
    vt_buf_reset(&p->spill);
}

/* Read a cluster's <school>s into the spill instead of the model: each is
 * checked as in the model, and cl keeps only where its block is. */
static void spill_schools(pctx *p, xmlNode *n, vt_cluster *cl)
{
    vt_plan *pl = p->plan;
    if (!pl->spilled && !p->spill_err) {
        pl->spill_fd = spill_create();
        if (pl->spill_fd < 0)
            p->spill_err = errno;
        else
            pl->spilled = 1;
    }
    cl->spill_off = p->spill_at;
    size_t before = p->spill.len;
    vt_buf raw, clean;
    vt_buf_init(&raw);
    vt_buf_init(&clean);
    for (xmlNode *c = n->children; c; c = c->next) {
        if (!is_el(c, "school"))
            continue;
        check_attrs(p, c, NULL);
        vt_buf_reset(&raw);
        vt_buf_reset(&clean);
        size_t len = 0;
        const char *t = required_text(p, c, &raw, &clean, &len);
        vt_pos at;
        node_pos(p, c, &at.line, &at.col);
        vt_school_spill_put(&p->spill, at, t ? t : "", t ? len : 0);
        cl->nschools++;
    }
    vt_buf_free(&raw);
    vt_buf_free(&clean);
    cl->spill_len = p->spill.len - before;
    p->spill_at += cl->spill_len;
    spill_flush(p, 0);
}

static void parse_cluster(pctx *p, xmlNode *n, vt_cluster *cl)
{
    static const char *const attrs[] = {"name", "date", "session", "time",
                                        NULL};
    static const char *const kids[] = {"host", "venue", "topic", "school",
                                       NULL};
    check_attrs(p, n, attrs);
    only_children(p, n, kids);
    node_pos(p, n, &cl->pos.line, &cl->pos.col);
    cl->name = get_attr(p, n, "name");
    if (!cl->name || !*cl->name)
        perr(p, n, "<cluster> needs name=\"…\" (e.g. name=\"Cụm số 1\")");
    const char *date = get_attr(p, n, "date");
    if (date)
        parse_date(p, n, date, &cl->date, 0);
    cl->session = get_attr(p, n, "session");
    if (cl->session && strcmp(cl->session, "sáng") != 0 &&
        strcmp(cl->session, "chiều") != 0 && strcmp(cl->session, "tối") != 0)
        perr(p, n, "<cluster session=\"%s\"> must be sáng, chiều or tối",
             cl->session);
    cl->time = get_attr(p, n, "time");
    if (cl->time) {
        int h, m, k = 0;
        if (sscanf(cl->time, "%2d:%2d%n", &h, &m, &k) != 2 ||
            cl->time[k] != '\0' || h > 23 || m > 59 || h < 0 || m < 0)
            perr(p, n, "<cluster time=\"%s\"> must be HH:MM, e.g. 07:30",
                 cl->time);
    }
    xmlNode *c;
    if ((c = child_once(p, n, "host", 0, NULL)))
        cl->host = text_required(p, c);
    if ((c = child_once(p, n, "venue", 0, NULL)))
        cl->venue = text_required(p, c);
    if ((c = child_once(p, n, "topic", 0, NULL)))
        cl->topic = text_required(p, c);
    /* past spill_schools, a streamed cluster's schools go to disk */
    size_t nschools = count_children(n, "school");
    p->schools_read += nschools;
    if (p->in_stream && p->schools_read > p->lim->spill_schools) {
        spill_schools(p, n, cl);
        return;
    }
    cl->schools = string_list(p, n, "school", &cl->nschools);
    cl->school_pos = arena_array(p, cl->nschools, sizeof(vt_pos));
    size_t k = 0;
    for (c = n->children; c && cl->school_pos; c = c->next)
        if (is_el(c, "school")) {
            node_pos(p, c, &cl->school_pos[k].line, &cl->school_pos[k].col);
            k++;
        }
}

/* Marks a <cluster> already read, for stream_sweep to free. */
static char stream_done;

/* Read one <cluster> of the streamed <clusters> as soon as it ends, into
 * the growing array of clusters; its messages wait in cdiags, so they come
 * out where the walk reaches <clusters>, as if read there. */
static void stream_cluster(pctx *p, xmlNode *n)
{
    n->_private = &stream_done;
    if (p->ncl == p->capcl) {
        size_t cap = p->capcl ? p->capcl * 2 : 16;
        vt_cluster *cl = cap < SIZE_MAX / sizeof *cl
                             ? realloc(p->cl, cap * sizeof *cl)
                             : NULL;
        if (!cl) {
            vt_diags *save = p->d;
            p->d = &p->cdiags;
            out_of_memory(p, n);
            p->d = save;
            return;
        }
        p->cl = cl;
        p->capcl = cap;
    }
    vt_cluster *cl = &p->cl[p->ncl++];
    memset(cl, 0, sizeof *cl);
    vt_diags *save = p->d, *warn = p->warn;
    int errors = p->errors;
    p->d = &p->cdiags;
    p->warn = NULL;
    p->in_stream = 1;
    parse_cluster(p, n, cl);
    p->in_stream = 0;
    p->cerrors += p->errors - errors;
    p->errors = errors;
    p->d = save;
    p->warn = warn;
}

/* Free the <cluster>s already read, and the blank text between them, from
 * the end of the streamed <clusters> back to the first node the walk must
 * still see (text or a stray element, reported by only_children). */
static void stream_sweep(pctx *p)
{
    xmlNode *k = p->stream->last;
    while (k && (k->_private == &stream_done || blank_text(k))) {
        xmlNode *prev = k->prev;
        xmlUnlinkNode(k);
        xmlFreeNode(k);
        k = prev;
    }
}

static void parse_clusters(pctx *p, xmlNode *n)
{
    static const char *const kids[] = {"cluster", NULL};
    vt_plan *pl = p->plan;
    check_attrs(p, n, NULL);
    only_children(p, n, kids);
    node_pos(p, n, &pl->clusters_pos.line, &pl->clusters_pos.col);
    if (n == p->stream) {
        for (size_t i = 0; i < p->cdiags.count; i++)
            vt_diags_addf(p->d, "%s", p->cdiags.msgs[i]);
        p->errors += p->cerrors;
        pl->clusters = pl->clusters_heap = p->cl;
        pl->nclusters = p->ncl;
        p->cl = NULL;
        spill_flush(p, 1); /* the schools are read back from here on */
        return;
    }
    pl->nclusters = count_children(n, "cluster");
    pl->clusters = arena_array(p, pl->nclusters, sizeof(vt_cluster));
    size_t k = 0;
    for (xmlNode *c = n->children; c && pl->clusters; c = c->next)
        if (is_el(c, "cluster"))
            parse_cluster(p, c, &pl->clusters[k++]);
}

static void parse_appendix(pctx *p, xmlNode *n, vt_appendix *a)
{
    check_attrs(p, n, NULL);
    xmlNode *c = child_once(p, n, "title", 1, "(the appendix's title)");
    if (c)
        a->title = text_required(p, c);
    if ((c = child_once(p, n, "ref", 0, NULL)))
        a->ref = text_required(p, c);
    /* title and ref are read above; everything else is content */
    vt_block *first = NULL, **tail = &first;
    for (xmlNode *k = n->children; k; k = k->next) {
        if (is_el(k, "title") || is_el(k, "ref"))
            continue;
        if (k->type != XML_ELEMENT_NODE) {
            if (!blank_text(k))
                perr(p, k, "text directly inside <appendix> is not allowed; "
                           "put it in a <p>");
            continue;
        }
        vt_block *b = parse_block(p, k, 1);
        if (!b) {
            if (!is_block_name(k))
                perr(p, k,
                     "<%s> is not allowed inside <appendix>; expected "
                     "<title>, <ref>, <p>, <section>, <item>, <list> or "
                     "<table>",
                     el_name(k));
            continue;
        }
        *tail = b;
        tail = &b->next;
    }
    a->body = first;
}

static void parse_marks(pctx *p, xmlNode *n)
{
    static const char *const attrs[] = {"urgency", "secrecy", "circulation",
                                        NULL};
    static const char *const urgency[] = {"KHẨN", "THƯỢNG KHẨN", "HỎA TỐC",
                                          "HOẢ TỐC", NULL};
    static const char *const secrecy[] = {"MẬT", "TỐI MẬT", "TUYỆT MẬT", NULL};
    vt_plan *pl = p->plan;
    check_attrs(p, n, attrs);
    struct {
        const char *attr;
        const char *const *allowed;
        const char **dst;
        const char *list;
    } f[] = {
        {"urgency", urgency, &pl->urgency, "Khẩn, Thượng khẩn, Hỏa tốc"},
        {"secrecy", secrecy, &pl->secrecy, "Mật, Tối mật, Tuyệt mật"},
        {"circulation", NULL, &pl->circulation, NULL},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        const char *v = get_attr(p, n, f[i].attr);
        if (!v)
            continue;
        vt_buf up;
        vt_buf_init(&up);
        vt_text_upper(v, &up);
        int ok = f[i].allowed == NULL && up.len > 0;
        for (const char *const *a = f[i].allowed; a && *a; a++)
            if (up.data && strcmp(up.data, *a) == 0)
                ok = 1;
        if (!ok)
            perr(p, n, "<marks %s=\"%s\"> must be one of %s", f[i].attr, v,
                 f[i].list ? f[i].list : "a non-empty text");
        else
            *f[i].dst = vt_arena_strdup(&pl->arena, up.data);
        vt_buf_free(&up);
    }
}

static void parse_drafter(pctx *p, xmlNode *n)
{
    static const char *const attrs[] = {"copies", NULL};
    check_attrs(p, n, attrs);
    p->plan->drafter = text_required(p, n);
    p->plan->drafter_copies = parse_int_attr(p, n, "copies", 0, 1, 100000);
}

static void parse_plan_root(pctx *p, xmlNode *root)
{
    static const char *const kids[] = {
        "agency",     "number",  "date",       "marks",  "subject",
        "recipients", "grounds", "invitation", "body",   "clusters",
        "copies-to",  "signature", "drafter",  "appendix", NULL};
    static const char *const root_attrs[] = {"type", NULL};
    vt_plan *pl = p->plan;
    if (!is_el(root, "plan")) {
        perr(p, root, "the root element is <%s>; a plan starts with <plan>",
             el_name(root));
        return;
    }
    check_attrs(p, root, root_attrs);
    only_children(p, root, kids);
    node_pos(p, root, &pl->pos.line, &pl->pos.col);
    const char *type = get_attr(p, root, "type");
    if (!type) {
        perr(p, root, "<plan> needs type=\"…\", the document type (e.g. "
                      "ke-hoach, cong-van, giay-moi, or KH, HD, TB)");
    } else if (!(pl->type = vt_doctype_find(type))) {
        perr(p, root,
             "<plan type=\"%s\"> is not a Decree 30 document type; use a "
             "name such as ke-hoach, huong-dan, thong-bao, bao-cao, cong-van, "
             "giay-moi or an abbreviation such as KH, HD, TB, BC, GM",
             type);
    }
    xmlNode *c;
    if ((c = child_once(p, root, "agency", 1, "(who issues the document)")))
        parse_agency(p, c);
    if ((c = child_once(p, root, "number", 0, NULL)))
        parse_number(p, c);
    if ((c = child_once(p, root, "date", 1,
                        "(the issue date; a draft may give only YYYY-MM)"))) {
        check_attrs(p, c, NULL);
        const char *s = text_required(p, c);
        if (s && *s)
            parse_date(p, c, s, &pl->date, pl->number == 0);
    }
    if ((c = child_once(p, root, "marks", 0, NULL)))
        parse_marks(p, c);
    int cong_van = vt_doctype_is_cong_van(pl->type);
    if ((c = child_once(p, root, "subject", 1,
                        cong_van ? "(the V/v line)" : "(the trích yếu)"))) {
        parse_subject(p, c);
        lint_subject(p, c);
    }
    if ((c = child_once(p, root, "recipients", 0, NULL))) {
        static const char *const to[] = {"to", NULL};
        check_attrs(p, c, NULL);
        only_children(p, c, to);
        pl->to = string_list(p, c, "to", &pl->nto);
        if (pl->nto == 0)
            perr(p, c, "<recipients> needs at least one <to>");
        size_t k = 0;
        for (xmlNode *t = c->children; t && pl->to; t = t->next)
            if (is_el(t, "to") && pl->to[k++] && dash_prefix(pl->to[k - 1]))
                pwarn(p, t, "<to> starts with \"%.*s\": vanthu prints the "
                            "dash of each Kính gửi line itself; remove it",
                      (int)dash_prefix(pl->to[k - 1]), pl->to[k - 1]);
    }
    if (cong_van && pl->nto == 0 && pl->type && strcmp(pl->type->slug, "cong-van") == 0)
        perr(p, root, "a công văn needs <recipients> with at least one <to> "
                      "for its \"Kính gửi\" line");
    if ((c = child_once(p, root, "grounds", 0, NULL))) {
        static const char *const g[] = {"ground", NULL};
        check_attrs(p, c, NULL);
        only_children(p, c, g);
        pl->ngrounds = count_children(c, "ground");
        pl->grounds = arena_array(p, pl->ngrounds, sizeof(vt_inline));
        size_t k = 0;
        for (xmlNode *g2 = c->children; g2 && pl->grounds; g2 = g2->next)
            if (is_el(g2, "ground"))
                pl->grounds[k++] = inline_required(p, g2, NULL);
    }
    int invitation = pl->type && strcmp(pl->type->slug, "giay-moi") == 0;
    if ((c = child_once(p, root, "invitation", invitation,
                        "(a giấy mời says who is invited, to what, when and "
                        "where)")))
        parse_invitation(p, c, child(root, "clusters") != NULL);
    if ((c = child_once(p, root, "body", !invitation, "(the document's text)"))) {
        check_attrs(p, c, NULL);
        pl->body = parse_blocks(p, c, 1, NULL);
        if (!pl->body && !invitation)
            perr(p, c, "<body> is empty; a document needs its text");
    }
    if ((c = child_once(p, root, "clusters", 0, NULL)))
        parse_clusters(p, c);
    if ((c = child_once(p, root, "copies-to", 1,
                        "(the \"Nơi nhận\" list, ending with <archive>)")))
        parse_copies(p, c);
    if ((c = child_once(p, root, "signature", 1,
                        "(who signs: <title> and <name>)")))
        parse_signature(p, c);
    if ((c = child_once(p, root, "drafter", 0, NULL)))
        parse_drafter(p, c);
    pl->nappendices = count_children(root, "appendix");
    pl->appendices = arena_array(p, pl->nappendices, sizeof(vt_appendix));
    size_t k = 0;
    for (c = root->children; c && pl->appendices; c = c->next)
        if (is_el(c, "appendix"))
            parse_appendix(p, c, &pl->appendices[k++]);
    if (pl->number && pl->date.year && (pl->date.day == 0 || pl->date.month == 0))
        perr(p, child(root, "date"),
             "<date> must give day, month and year once <number> is given; "
             "only a draft leaves them blank");
}

static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx, (void)msg;
}

/* The parser's first error, in the clerk's terms where libxml2's words
 * would not help: a raw "&" ("GD&ĐT", everywhere in these documents) gets
 * the way to write it, a text past the reader's fixed limit gets the
 * limit, and running out of memory is said as such (exit 3, not 1). */
static void xml_error(pctx *p)
{
    const char *m = p->xml_msg[0] ? p->xml_msg : "the document is empty";
    const char *hint = "";
    if (p->xml_oom && !strstr(m, "huge"))
        hint = " (out of memory while reading the plan)";
    else if (strstr(m, "Entity '") && strstr(m, "not defined"))
        hint = "; a plan knows only &amp; &lt; &gt; &quot; &apos; and "
               "character references such as &#160;, and a \"&\" in text "
               "is written &amp; (GD&amp;ĐT)";
    else if (strstr(m, "EntityRef") || strstr(m, "Entity '") ||
             strstr(m, "entity"))
        hint = "; a \"&\" in text is written &amp; (GD&amp;ĐT), since a "
               "bare & starts an entity reference";
    else if (strstr(m, "Name too long"))
        hint = "; an element or attribute name may have at most 50000 "
               "characters";
    else if (strstr(m, "too long") || strstr(m, "too big") ||
             strstr(m, "huge"))
        hint = "; one text, attribute value or comment may hold at most "
               "10000000 bytes (a fixed limit of the XML reader, which "
               "--max-plan-bytes does not raise); split it";
    if (strstr(m, "huge") || strstr(m, "too long") || strstr(m, "too big"))
        p->xml_oom = 0; /* a limit, not a lack of memory: bad input */
    vt_diags_addf(p->d, "%s:%d:%d: not well-formed XML: %s%s", p->name,
                  p->xml_line, p->xml_col, m, hint);
}

static vt_error load_src(const char *name, const char *data, int fd,
                         size_t len, const vt_limits *lim, vt_plan **out,
                         vt_diags *d, vt_diags *warn);

vt_error vt_plan_load_mem(const char *name, const char *data, size_t len,
                          const vt_limits *lim, vt_plan **out, vt_diags *d)
{
    return load_src(name, data, -1, len, lim, out, d, NULL);
}

/* The parser's input, a chunk at a time (libxml2 asks for 4 KiB and keeps
 * only what it has not parsed yet): from the caller's buffer, or read from
 * the file, never past the size it had when opened, which the limit was
 * checked against. */
static int io_read(void *ctx, char *buf, int want)
{
    pctx *p = ctx;
    size_t n = p->len - p->fed;
    if (want < 0)
        return -1;
    if (n > (size_t)want)
        n = (size_t)want;
    if (p->src) {
        memcpy(buf, p->src + p->fed, n);
    } else if (n) {
        ssize_t k;
        do
            k = read(p->fd, buf, n);
        while (k < 0 && errno == EINTR);
        if (k < 0)
            return -1;
        n = (size_t)k;
    }
    p->fed += n;
    return (int)n;
}

/* The load and, into warn (which may be d itself, so warnings come in
 * document order among the errors), the lint warnings.  The plan is data
 * (len bytes) or the file fd (len bytes when opened). */
static vt_error load_src(const char *name, const char *data, int fd,
                         size_t len, const vt_limits *lim, vt_plan **out,
                         vt_diags *d, vt_diags *warn)
{
    vt_limits deflim = vt_limits_default();
    if (!lim)
        lim = &deflim;
    *out = NULL;
    if (len > lim->max_plan_bytes) {
        vt_diags_addf(d, "%s:1:1: the plan is %zu bytes, more than the limit "
                         "of %zu (raise it with --max-plan-bytes)",
                      name, len, lim->max_plan_bytes);
        return VT_ERR_LIMIT;
    }
    if (len > INT32_MAX) {
        vt_diags_addf(d, "%s:1:1: the plan is too large", name);
        return VT_ERR_LIMIT;
    }
    vt_plan *plan = calloc(1, sizeof *plan);
    char *win = data ? NULL : malloc(VT_POS_WINDOW);
    if (!plan || (!data && !win)) {
        free(plan);
        free(win);
        return VT_ERR_NOMEM;
    }
    vt_arena_init(&plan->arena);
    plan->path = vt_arena_strdup(&plan->arena, name);
    pctx p = {.plan = plan, .d = d, .name = name, .src = data, .len = len,
              .fd = fd, .win = win, .lim = lim, .warn = warn};
    vt_diags_init(&p.cdiags);
    vt_buf_init(&p.spill);
    /* a plan saved compressed would only give "Start tag expected" */
    size_t head_n = 0;
    const char *head = len >= 2 ? src_window(&p, 0, &head_n) : NULL;
    if (head && head_n >= 2 && (unsigned char)head[0] == 0x1f &&
        (unsigned char)head[1] == 0x8b) {
        vt_diags_addf(d, "%s:1:1: the plan is a gzip-compressed file, not "
                         "XML; decompress it first (gunzip)", name);
        vt_plan_free(plan);
        free(win);
        return VT_ERR_XML;
    }

    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        vt_plan_free(plan);
        free(win);
        return VT_ERR_NOMEM;
    }
    ctxt->_private = &p;
    ctxt->sax->startElementNs = on_start;
    ctxt->sax->endElementNs = on_end;
    ctxt->sax->characters = on_chars;
    ctxt->sax->ignorableWhitespace = on_chars;
    ctxt->sax->internalSubset = on_doctype;
    ctxt->sax->serror = on_error;
    ctxt->sax->error = NULL;
    ctxt->sax->warning = NULL;
    ctxt->vctxt.error = NULL;
    ctxt->vctxt.warning = NULL;
    /* libxml2 prints "out of memory error" on its generic channel (this
     * thread's), whatever the parser's options; the message vanthu gives
     * instead is below, so the channel is muted for this parse only */
    xmlGenericErrorFunc old_err = xmlGenericError;
    void *old_err_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, quiet);
    /* no file or URL of libxml2's own: the bytes come through io_read */
    xmlDocPtr doc = xmlCtxtReadIO(ctxt, io_read, NULL, &p, name, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR |
                                      XML_PARSE_NOWARNING);
    xmlSetGenericErrorFunc(old_err_ctx, old_err);
    vt_error rc = VT_OK;
    if (p.doctype) {
        vt_diags_addf(d,
                      "%s:%d:%d: a DOCTYPE is not allowed in a plan (it could "
                      "pull in other files or expand without end); remove it",
                      name, p.xml_line, p.xml_col);
        rc = VT_ERR_XML;
    } else if (p.huge) {
        int line, col;
        offset_pos(&p, p.huge_off, &line, &col);
        vt_diags_addf(d,
                      "%s:%d:%d: <%s> holds a text of more than %d bytes, the "
                      "most one text may hold (a fixed limit of the XML "
                      "reader, which --max-plan-bytes does not raise); split "
                      "it into several elements",
                      name, line, col, p.huge_el, VT_MAX_TEXT_BYTES);
        rc = VT_ERR_LIMIT;
    } else if ((ctxt->errNo == XML_ERR_NO_MEMORY || !doc ||
                !ctxt->wellFormed) && !p.xml_msg[0] && len > 0) {
        /* libxml2 reports running out of memory on its own channel (or,
         * with no memory left, not at all), then stops as if the document
         * ended: a failed parse that names no error ran out of memory */
        vt_diags_addf(d, "%s: out of memory while reading the plan", name);
        rc = VT_ERR_NOMEM;
    } else if (!doc || !ctxt->wellFormed || p.xml_msg[0]) {
        xml_error(&p);
        rc = p.xml_oom ? VT_ERR_NOMEM : VT_ERR_XML;
    } else {
        parse_plan_root(&p, xmlDocGetRootElement(doc));
        spill_flush(&p, 1);
        if (p.spill_err) {
            /* the schools are lost: the plan's other errors would mislead */
            vt_diags_addf(d, "%s: cannot keep the plan's schools in a "
                             "temporary file ($TMPDIR, or /tmp): %s",
                          name, strerror(p.spill_err));
            rc = VT_ERR_IO;
        }
        /* a school in two clusters: for a batch plan one of the batch
         * checks (vt_invite_check), reported with the batch's others */
        if (rc == VT_OK && p.errors == 0 && !plan->arena.oom &&
            !vt_plan_is_batch(plan)) {
            int dup = vt_check_schools(plan, d);
            p.errors += dup > 0;
            plan->arena.oom |= dup == -1;
            if (dup == -2)
                rc = VT_ERR_IO; /* said in d */
        }
        /* running out of memory outranks the errors it may have caused
         * (a text that could not be copied reads as empty) */
        if (rc == VT_OK && plan->arena.oom) {
            if (!p.oom_said)
                vt_diags_addf(d, "%s: out of memory while reading the plan",
                              name);
            rc = VT_ERR_NOMEM;
        } else if (rc == VT_OK && p.errors) {
            rc = VT_ERR_PLAN;
        }
    }
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    free(p.cl); /* clusters never handed to the plan */
    vt_buf_free(&p.spill);
    vt_diags_free(&p.cdiags);
    free(win);
    if (rc != VT_OK) {
        vt_plan_free(plan);
        return rc;
    }
    *out = plan;
    return VT_OK;
}

static vt_error load_file(const char *path, const vt_limits *lim,
                          vt_plan **out, vt_diags *d, vt_diags *warn);

vt_error vt_plan_load(const char *path, const vt_limits *lim, vt_plan **out,
                      vt_diags *d)
{
    return load_file(path, lim, out, d, NULL);
}

vt_error vt_plan_lint(const char *path, const vt_limits *lim, vt_plan **out,
                      vt_diags *d)
{
    return load_file(path, lim, out, d, d);
}

vt_error vt_plan_lint_mem(const char *name, const char *data, size_t len,
                          const vt_limits *lim, vt_plan **out, vt_diags *d)
{
    return load_src(name, data, -1, len, lim, out, d, d);
}

/* A regular file is parsed from its descriptor a chunk at a time, so a
 * plan of a million schools never sits in memory whole; anything else (a
 * pipe, /dev/stdin) is read into memory first, as it can be read only
 * once and positions need its bytes again. */
static vt_error load_file(const char *path, const vt_limits *lim,
                          vt_plan **out, vt_diags *d, vt_diags *warn)
{
    vt_limits deflim = vt_limits_default();
    if (!lim)
        lim = &deflim;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        if ((unsigned long long)st.st_size > lim->max_plan_bytes) {
            close(fd);
            vt_diags_addf(d, "%s:1:1: the plan is larger than the limit of "
                             "%zu bytes (raise it with --max-plan-bytes)",
                          path, lim->max_plan_bytes);
            return VT_ERR_LIMIT;
        }
        vt_error rc = load_src(path, NULL, fd, (size_t)st.st_size, lim, out,
                               d, warn);
        close(fd);
        return rc;
    }
    if (fd >= 0)
        close(fd);
    char *data;
    size_t len;
    int r = vt_read_file(path, lim->max_plan_bytes, &data, &len);
    if (r == -2) {
        vt_diags_addf(d, "%s:1:1: the plan is larger than the limit of %zu "
                         "bytes (raise it with --max-plan-bytes)",
                      path, lim->max_plan_bytes);
        return VT_ERR_LIMIT;
    }
    if (r != 0) {
        vt_diags_addf(d, "%s: cannot read the plan: %s", path, strerror(errno));
        return VT_ERR_IO;
    }
    vt_error rc = load_src(path, data, -1, len, lim, out, d, warn);
    free(data);
    return rc;
}

void vt_plan_free(vt_plan *plan)
{
    if (!plan)
        return;
    vt_arena_free(&plan->arena);
    free(plan->clusters_heap);
    if (plan->spilled)
        close(plan->spill_fd);
    free(plan);
}

const char *vt_plan_template_family(const vt_plan *plan)
{
    return plan->type->family;
}

char *vt_plan_output_name(const vt_plan *plan)
{
    vt_buf b;
    vt_buf_init(&b);
    const char *abbr = plan->type->abbr[0] ? plan->type->abbr : "";
    vt_buf tmp;
    vt_buf_init(&tmp);
    vt_slug(abbr[0] ? abbr : plan->type->slug, 20, &tmp);
    vt_buf_puts(&b, tmp.data);
    vt_buf_free(&tmp);
    if (plan->number)
        vt_buf_printf(&b, "-%02d", plan->number);
    else
        vt_buf_puts(&b, "-du-thao");
    vt_buf_printf(&b, "-%04d", plan->date.year);
    if (plan->date.month)
        vt_buf_printf(&b, "-%02d", plan->date.month);
    if (plan->date.day)
        vt_buf_printf(&b, "-%02d", plan->date.day);
    vt_buf_puts(&b, ".docx");
    return vt_buf_take(&b);
}
