/*
 * sheet.c - read the clerk's spreadsheet (XLSX or CSV) into a table and
 * build a batch plan's <clusters> from it.
 *
 * An XLSX file comes from anyone's computer, so it is opened like a
 * template: the zip read from memory with a limit on its entries and on
 * every inflated part (a zip bomb lies in its headers), names that could
 * point outside the package refused, XML parsed from memory without the
 * network and without entity expansion, and a DOCTYPE refused.  Only the
 * few parts a table needs are read: the workbook and its relationships
 * (to find the sheet by name), the shared strings and the sheet.
 *
 * The table keeps each cell's row number, so every message names the
 * sheet, row and column (or the CSV line) the clerk must fix.
 */
#include "plan/sheet.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <utf8proc.h>
#include <zip.h>

vt_sheet_limits vt_sheet_limits_default(void)
{
    vt_sheet_limits l = {
        .max_file_bytes = 64u << 20,
        .max_entries = 1000,
        .max_part_bytes = 64u << 20,
        .max_cells = 1000000,
    };
    return l;
}

/* ---- the table ---------------------------------------------------------- */

static vt_sheet *sheet_new(const char *file)
{
    vt_sheet *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    vt_arena_init(&s->arena);
    s->file = vt_arena_strdup(&s->arena, file);
    if (!s->file) {
        vt_sheet_free(s);
        return NULL;
    }
    return s;
}

void vt_sheet_free(vt_sheet *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nrows; i++)
        free(s->rows[i].cells);
    free(s->rows);
    free(s->merges);
    vt_arena_free(&s->arena);
    free(s);
}

/* Hand a finished table to the caller, or free it on failure. */
static vt_error sheet_done(vt_sheet *s, vt_error rc, vt_sheet **out)
{
    if (rc == VT_OK && s->arena.oom)
        rc = VT_ERR_NOMEM;
    if (rc != VT_OK) {
        vt_sheet_free(s);
        return rc;
    }
    *out = s;
    return VT_OK;
}

static vt_sheet_row *add_row(vt_sheet *s, long number)
{
    if (s->nrows == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        vt_sheet_row *r = realloc(s->rows, cap * sizeof *r);
        if (!r)
            return NULL;
        s->rows = r;
        s->cap = cap;
    }
    vt_sheet_row *r = &s->rows[s->nrows++];
    memset(r, 0, sizeof *r);
    r->number = number;
    return r;
}

/* Put one cell's text, cleaned as document text is (NFC, one space for
 * any run of white space, no invisible characters) and trimmed; the
 * row grows to the column.  -1 out of memory, -2 past the cell limit. */
static int set_cell(vt_sheet *s, vt_sheet_row *r, size_t col, const char *text,
                    size_t n, vt_cell_kind kind, const vt_sheet_limits *lim)
{
    vt_buf b;
    vt_buf_init(&b);
    if (vt_text_clean(text, n, &b) != 0 || b.oom) {
        vt_buf_free(&b);
        return b.oom ? -1 : 0; /* invalid UTF-8 is caught before */
    }
    size_t from = 0, to = b.len;
    while (from < to && b.data[from] == ' ')
        from++;
    while (to > from && b.data[to - 1] == ' ')
        to--;
    if (from == to) {
        vt_buf_free(&b);
        return 0;
    }
    if (col >= r->ncells) {
        if (col + 1 - r->ncells > lim->max_cells - s->ncells ||
            s->ncells > lim->max_cells) {
            vt_buf_free(&b);
            return -2;
        }
        vt_cell *c = realloc(r->cells, (col + 1) * sizeof *c);
        if (!c) {
            vt_buf_free(&b);
            return -1;
        }
        memset(c + r->ncells, 0, (col + 1 - r->ncells) * sizeof *c);
        s->ncells += col + 1 - r->ncells;
        r->cells = c;
        r->ncells = col + 1;
    }
    r->cells[col].text = vt_arena_strndup(&s->arena, b.data + from, to - from);
    r->cells[col].kind = kind;
    vt_buf_free(&b);
    return r->cells[col].text ? 0 : -1;
}

static void column_letters(size_t col, char out[8])
{
    char tmp[8];
    int k = 0;
    col++;
    while (col && k < 7) {
        tmp[k++] = (char)('A' + (col - 1) % 26);
        col = (col - 1) / 26;
    }
    for (int i = 0; i < k; i++)
        out[i] = tmp[k - 1 - i];
    out[k] = '\0';
}

void vt_sheet_where(const vt_sheet *s, long row, size_t col, vt_buf *out)
{
    char letters[8];
    column_letters(col, letters);
    if (s->name)
        vt_buf_printf(out, "%s: sheet \"%s\": row %ld", s->file, s->name, row);
    else
        vt_buf_printf(out, "%s:%ld", s->file, row);
    if (col != (size_t)-1)
        vt_buf_printf(out, "%s column %s", s->name ? "," : ":", letters);
}

/* ---- XLSX --------------------------------------------------------------- */

typedef struct {
    zip_t *z;
    const char *file;
    const vt_sheet_limits *lim;
    vt_diags *d;
} xlsx;

/* A part name that cannot leave the package: no absolute path, no
 * drive, no backslash, no ".." segment. */
static int safe_part_name(const char *n)
{
    if (!n || !*n || n[0] == '/' || strchr(n, '\\') || strchr(n, ':'))
        return 0;
    for (const char *p = strstr(n, ".."); p; p = strstr(p + 1, ".."))
        if ((p == n || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
            return 0;
    return 1;
}

/* Read one part, at most max_part_bytes of it whatever its header says.
 * A missing part is NULL with VT_OK unless required. */
static vt_error read_part(xlsx *x, const char *name, int required,
                          char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    zip_int64_t i = zip_name_locate(x->z, name, 0);
    if (i < 0) {
        if (!required)
            return VT_OK;
        vt_diags_addf(x->d, "%s: not an Excel workbook: the package has no %s",
                      x->file, name);
        return VT_ERR_ZIP;
    }
    zip_file_t *f = zip_fopen_index(x->z, (zip_uint64_t)i, 0);
    vt_buf b;
    vt_buf_init(&b);
    char chunk[65536];
    zip_int64_t n = -1;
    int too_big = 0;
    while (f && (n = zip_fread(f, chunk, sizeof chunk)) > 0) {
        if ((size_t)n > x->lim->max_part_bytes - b.len) {
            too_big = 1;
            break;
        }
        vt_buf_put(&b, chunk, (size_t)n);
    }
    vt_error rc = VT_OK;
    if (too_big) {
        vt_diags_addf(x->d, "%s: %s inflates to more than the limit of %zu "
                            "bytes; refusing it (a zip bomb?)",
                      x->file, name, x->lim->max_part_bytes);
        rc = VT_ERR_LIMIT;
    } else if (!f || n < 0) {
        vt_diags_addf(x->d, "%s: %s cannot be read: %s", x->file, name,
                      zip_strerror(x->z));
        rc = VT_ERR_ZIP;
    } else if (b.oom) {
        rc = VT_ERR_NOMEM;
    }
    if (f)
        zip_fclose(f);
    if (rc != VT_OK) {
        vt_buf_free(&b);
        return rc;
    }
    *len = b.len;
    *data = vt_buf_take(&b);
    return *data ? VT_OK : VT_ERR_NOMEM;
}

/* Parse one part: from memory, no network, no entity expansion, and no
 * DOCTYPE at all (Excel never writes one; it is how entity attacks come). */
static vt_error read_xml(xlsx *x, const char *name, int required,
                         xmlDocPtr *doc)
{
    char *data;
    size_t len;
    *doc = NULL;
    vt_error rc = read_part(x, name, required, &data, &len);
    if (rc != VT_OK || !data)
        return rc;
    *doc = xmlReadMemory(data, (int)len, name, NULL,
                         XML_PARSE_NONET | XML_PARSE_NOERROR |
                             XML_PARSE_NOWARNING);
    /* an entity attack may stop the parser before the document exists */
    int doctype = *doc ? (*doc)->intSubset || (*doc)->extSubset
                       : memmem(data, len, "<!DOCTYPE", 9) != NULL;
    free(data);
    if (doctype) {
        vt_diags_addf(x->d, "%s: %s has a DOCTYPE, which a workbook never "
                            "needs; refusing it",
                      x->file, name);
        xmlFreeDoc(*doc);
        *doc = NULL;
        return VT_ERR_XML;
    }
    if (!*doc) {
        const xmlError *e = xmlGetLastError();
        const char *msg = e && e->message ? e->message : "unreadable";
        vt_diags_addf(x->d, "%s: %s:%d: not well-formed XML: %.*s", x->file,
                      name, e ? e->line : 0, (int)strcspn(msg, "\n"), msg);
        return VT_ERR_XML;
    }
    return VT_OK;
}

static int is_el(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE &&
           strcmp((const char *)n->name, name) == 0;
}

static xmlNode *first_child(const xmlNode *n, const char *name)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (is_el(c, name))
            return c;
    return NULL;
}

/* An attribute by local name, whatever its namespace (r:id, or the
 * strict OOXML namespaces). */
static const char *attr(const xmlNode *n, const char *name)
{
    for (xmlAttr *a = n->properties; a; a = a->next)
        if (strcmp((const char *)a->name, name) == 0 && a->children &&
            a->children->type == XML_TEXT_NODE)
            return (const char *)a->children->content;
    return NULL;
}

/* The text of a string item: every <t> but the phonetic runs (<rPh>). */
static void item_text(const xmlNode *n, vt_buf *b)
{
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || is_el(c, "rPh"))
            continue;
        if (is_el(c, "t")) {
            for (const xmlNode *t = c->children; t; t = t->next)
                if (t->type == XML_TEXT_NODE || t->type == XML_CDATA_SECTION_NODE)
                    vt_buf_puts(b, (const char *)t->content);
        } else {
            item_text(c, b);
        }
    }
}

static void node_text(const xmlNode *n, vt_buf *b)
{
    for (const xmlNode *t = n ? n->children : NULL; t; t = t->next)
        if (t->type == XML_TEXT_NODE || t->type == XML_CDATA_SECTION_NODE)
            vt_buf_puts(b, (const char *)t->content);
}

typedef struct {
    char **items;
    size_t n;
} strings;

static vt_error shared_strings(xlsx *x, const char *part, vt_arena *a,
                               strings *sst)
{
    xmlDocPtr doc;
    vt_error rc = read_xml(x, part, 0, &doc);
    if (rc != VT_OK || !doc)
        return rc;
    xmlNode *root = xmlDocGetRootElement(doc);
    size_t n = 0;
    for (xmlNode *c = root ? root->children : NULL; c; c = c->next)
        n += is_el(c, "si");
    sst->items = vt_arena_alloc(a, (n ? n : 1) * sizeof *sst->items);
    vt_buf b;
    vt_buf_init(&b);
    for (xmlNode *c = root ? root->children : NULL; c && sst->items; c = c->next) {
        if (!is_el(c, "si"))
            continue;
        vt_buf_reset(&b);
        item_text(c, &b);
        sst->items[sst->n++] = vt_arena_strndup(a, b.data ? b.data : "", b.len);
    }
    if (!sst->items || b.oom || a->oom)
        rc = VT_ERR_NOMEM;
    vt_buf_free(&b);
    xmlFreeDoc(doc);
    return rc;
}

/* "C7" into column 2 and row 7; -1 when it is not a cell reference. */
static int parse_ref(const char *ref, size_t *col, long *row)
{
    size_t c = 0;
    const char *p = ref;
    while (*p >= 'A' && *p <= 'Z' && p - ref < 3)
        c = c * 26 + (size_t)(*p++ - 'A' + 1);
    if (c == 0 || !isdigit((unsigned char)*p))
        return -1;
    char *end;
    errno = 0;
    long r = strtol(p, &end, 10);
    if (*end || errno || r < 1 || r > 1048576 || c > 16384)
        return -1;
    *col = c - 1;
    *row = r;
    return 0;
}

static const char *const REL_SHEET = "/worksheet";
static const char *const REL_SST = "/sharedStrings";

/* The part a workbook relationship points to, as a name in the zip:
 * targets are relative to xl/ unless they start with '/'. */
static char *rel_target(vt_arena *a, const char *target)
{
    vt_buf b;
    vt_buf_init(&b);
    if (target[0] == '/')
        vt_buf_puts(&b, target + 1);
    else
        vt_buf_printf(&b, "xl/%s", target);
    char *out = b.oom ? NULL : vt_arena_strdup(a, b.data);
    vt_buf_free(&b);
    return out;
}

typedef struct {
    const char *sheet_part, *sst_part;
} parts;

static int same_folded(const char *a, const char *b)
{
    vt_buf x, y;
    vt_buf_init(&x);
    vt_buf_init(&y);
    vt_text_fold(a, &x);
    vt_text_fold(b, &y);
    int same = !x.oom && !y.oom && x.len == y.len &&
               (x.len == 0 || memcmp(x.data, y.data, x.len) == 0);
    vt_buf_free(&x);
    vt_buf_free(&y);
    return same;
}

/* The <sheet> named want (the first when want is NULL); a name typed
 * without marks or in another case ("--sheet cum" for "Cụm") is taken
 * when it fits one sheet only, since not every terminal types Vietnamese.
 * The names all go to names, for the message when none fits. */
static const xmlNode *pick_sheet(const xmlNode *sheets, const char *want,
                                 vt_buf *names)
{
    const xmlNode *exact = NULL, *folded = NULL;
    int nfolded = 0;
    for (const xmlNode *c = sheets ? sheets->children : NULL; c; c = c->next) {
        const char *name = is_el(c, "sheet") ? attr(c, "name") : NULL;
        if (!name)
            continue;
        vt_buf_printf(names, "%s\"%s\"", names->len ? ", " : "", name);
        if (!exact && (!want || strcmp(name, want) == 0))
            exact = c;
        if (want && same_folded(name, want)) {
            folded = c;
            nfolded++;
        }
    }
    return exact ? exact : nfolded == 1 ? folded : NULL;
}

/* Find the sheet by name (or the first one) through workbook.xml and its
 * relationships, and read the 1904 flag on the way. */
static vt_error find_sheet(xlsx *x, vt_sheet *s, const char *want, parts *p)
{
    xmlDocPtr wb = NULL, rels = NULL;
    vt_error rc = read_xml(x, "xl/workbook.xml", 1, &wb);
    if (rc == VT_OK)
        rc = read_xml(x, "xl/_rels/workbook.xml.rels", 1, &rels);
    if (rc != VT_OK)
        goto out;
    xmlNode *root = xmlDocGetRootElement(wb);
    const char *flag = NULL;
    xmlNode *pr = first_child(root, "workbookPr");
    if (pr)
        flag = attr(pr, "date1904");
    s->date1904 = flag && (strcmp(flag, "1") == 0 || strcmp(flag, "true") == 0);
    const char *rid = NULL;
    vt_buf names;
    vt_buf_init(&names);
    const xmlNode *sheet = pick_sheet(first_child(root, "sheets"), want, &names);
    if (sheet) {
        rid = attr(sheet, "id");
        s->name = vt_arena_strdup(&s->arena, attr(sheet, "name"));
    }
    if (!rid) {
        if (want)
            vt_diags_addf(x->d, "%s: no sheet \"%s\" (the workbook has %s)",
                          x->file, want, names.len ? names.data : "no sheets");
        else
            vt_diags_addf(x->d, "%s: the workbook has no sheets", x->file);
        rc = want ? VT_ERR_USAGE : VT_ERR_ZIP;
    }
    vt_buf_free(&names);
    if (rc != VT_OK)
        goto out;
    xmlNode *rr = xmlDocGetRootElement(rels);
    for (xmlNode *c = rr ? rr->children : NULL; c; c = c->next) {
        const char *id = is_el(c, "Relationship") ? attr(c, "Id") : NULL;
        const char *type = id ? attr(c, "Type") : NULL;
        const char *target = id ? attr(c, "Target") : NULL;
        size_t tl = type ? strlen(type) : 0;
        if (!target)
            continue;
        if (strcmp(id, rid) == 0 && tl >= strlen(REL_SHEET) &&
            strcmp(type + tl - strlen(REL_SHEET), REL_SHEET) == 0)
            p->sheet_part = rel_target(&s->arena, target);
        if (tl >= strlen(REL_SST) &&
            strcmp(type + tl - strlen(REL_SST), REL_SST) == 0)
            p->sst_part = rel_target(&s->arena, target);
    }
    if (!p->sheet_part) {
        vt_diags_addf(x->d, "%s: sheet \"%s\" is not a worksheet the workbook "
                            "can point to (a chart sheet?)",
                      x->file, s->name);
        rc = VT_ERR_ZIP;
    } else if (!safe_part_name(p->sheet_part) ||
               (p->sst_part && !safe_part_name(p->sst_part))) {
        vt_diags_addf(x->d, "%s: the workbook points outside the package",
                      x->file);
        rc = VT_ERR_ZIP;
    }
out:
    xmlFreeDoc(wb);
    xmlFreeDoc(rels);
    return rc;
}

/* One <c>: its text by type (shared string, inline string, formula
 * string, number, boolean, error) into the row. */
static vt_error read_cell(xlsx *x, vt_sheet *s, vt_sheet_row *r,
                          const xmlNode *c, size_t col, const strings *sst)
{
    const char *t = attr(c, "t");
    vt_buf b;
    vt_buf_init(&b);
    vt_cell_kind kind = VT_CELL_TEXT;
    vt_error rc = VT_OK;
    if (t && strcmp(t, "inlineStr") == 0) {
        xmlNode *is = first_child(c, "is");
        if (is)
            item_text(is, &b);
    } else {
        node_text(first_child(c, "v"), &b);
        if (!t || strcmp(t, "n") == 0)
            kind = VT_CELL_NUMBER;
        else if (strcmp(t, "e") == 0)
            kind = VT_CELL_ERROR;
        if (t && strcmp(t, "s") == 0 && b.len) {
            char *end;
            errno = 0;
            unsigned long k = strtoul(b.data, &end, 10);
            vt_buf_reset(&b);
            if (*end || errno || k >= sst->n) {
                vt_buf w;
                vt_buf_init(&w);
                vt_sheet_where(s, r->number, col, &w);
                vt_diags_addf(x->d, "%s: the cell points to shared string %lu, "
                                    "which the workbook does not have",
                              w.data ? w.data : s->file, k);
                vt_buf_free(&w);
                rc = VT_ERR_XML;
            } else {
                vt_buf_puts(&b, sst->items[k]);
            }
        }
    }
    if (rc == VT_OK && b.oom)
        rc = VT_ERR_NOMEM;
    int k = rc == VT_OK && b.len
                ? set_cell(s, r, col, b.data, b.len, kind, x->lim) : 0;
    if (k == -1)
        rc = VT_ERR_NOMEM;
    else if (k == -2) {
        vt_diags_addf(x->d, "%s: sheet \"%s\" has more than %zu cells; "
                            "refusing it",
                      s->file, s->name, x->lim->max_cells);
        rc = VT_ERR_LIMIT;
    }
    vt_buf_free(&b);
    return rc;
}

static vt_error read_rows(xlsx *x, vt_sheet *s, const xmlNode *data,
                          const strings *sst)
{
    long last = 0;
    for (xmlNode *rn = data ? data->children : NULL; rn; rn = rn->next) {
        if (!is_el(rn, "row"))
            continue;
        const char *rs = attr(rn, "r");
        long number = rs ? strtol(rs, NULL, 10) : last + 1;
        if (number < 1 || number > 1048576)
            number = last + 1;
        last = number;
        vt_sheet_row *r = add_row(s, number);
        if (!r)
            return VT_ERR_NOMEM;
        size_t col = 0;
        long at;
        for (xmlNode *c = rn->children; c; c = c->next) {
            if (!is_el(c, "c"))
                continue;
            const char *ref = attr(c, "r");
            if (ref && parse_ref(ref, &col, &at) != 0) {
                vt_diags_addf(x->d, "%s: sheet \"%s\": row %ld: \"%s\" is not "
                                    "a cell reference",
                              s->file, s->name, number, ref);
                return VT_ERR_XML;
            }
            vt_error rc = read_cell(x, s, r, c, col, sst);
            if (rc != VT_OK)
                return rc;
            col++;
        }
    }
    return VT_OK;
}

static vt_error read_merges(xlsx *x, vt_sheet *s, const xmlNode *mc)
{
    for (xmlNode *m = mc ? mc->children : NULL; m; m = m->next) {
        const char *ref = is_el(m, "mergeCell") ? attr(m, "ref") : NULL;
        if (!ref)
            continue;
        char a[16] = "", b[16] = "";
        vt_merge g;
        if (sscanf(ref, "%15[A-Z0-9]:%15[A-Z0-9]", a, b) != 2 ||
            parse_ref(a, &g.c1, &g.r1) != 0 || parse_ref(b, &g.c2, &g.r2) != 0)
            continue; /* Excel ignores what it cannot read; so do we */
        if (s->nmerges == s->mcap) {
            size_t cap = s->mcap ? 2 * s->mcap : 16;
            if (cap > x->lim->max_cells)
                break;
            vt_merge *p = realloc(s->merges, cap * sizeof *p);
            if (!p)
                return VT_ERR_NOMEM;
            s->merges = p;
            s->mcap = cap;
        }
        s->merges[s->nmerges++] = g;
    }
    return VT_OK;
}

/* An old binary .xls (an OLE compound file) gets its own advice. */
static const unsigned char OLE_MAGIC[8] = {0xD0, 0xCF, 0x11, 0xE0,
                                           0xA1, 0xB1, 0x1A, 0xE1};

static vt_error open_zip(xlsx *x, const void *data, size_t len)
{
    if (len >= 8 && memcmp(data, OLE_MAGIC, 8) == 0) {
        vt_diags_addf(x->d, "%s: an Excel 97-2003 workbook (.xls); save it "
                            "as .xlsx or as CSV UTF-8 and try again",
                      x->file);
        return VT_ERR_ZIP;
    }
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    x->z = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze)
               : NULL;
    if (!x->z) {
        vt_diags_addf(x->d, "%s: not an Excel workbook (.xlsx): it is not a "
                            "readable zip package (%s)",
                      x->file, zip_error_strerror(&ze));
        zip_source_free(src);
        zip_error_fini(&ze);
        return VT_ERR_ZIP;
    }
    zip_error_fini(&ze);
    zip_int64_t n = zip_get_num_entries(x->z, 0);
    if (n < 0 || (size_t)n > x->lim->max_entries) {
        vt_diags_addf(x->d, "%s: the package has %lld entries, more than the "
                            "limit of %zu; refusing it",
                      x->file, (long long)n, x->lim->max_entries);
        return VT_ERR_LIMIT;
    }
    for (zip_int64_t i = 0; i < n; i++) {
        const char *en = zip_get_name(x->z, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
        if (!safe_part_name(en)) {
            vt_diags_addf(x->d, "%s: the package has an unsafe entry name "
                                "\"%s\" (it points outside the package)",
                          x->file, en ? en : "");
            return VT_ERR_ZIP;
        }
    }
    return VT_OK;
}

vt_error vt_sheet_xlsx_mem(const char *file, const void *data, size_t len,
                           const char *sheet_name, const vt_sheet_limits *lim,
                           vt_sheet **out, vt_diags *d)
{
    vt_sheet_limits deflim = vt_sheet_limits_default();
    xlsx x = {NULL, file, lim ? lim : &deflim, d};
    *out = NULL;
    vt_sheet *s = sheet_new(file);
    if (!s)
        return VT_ERR_NOMEM;
    parts p = {NULL, NULL};
    strings sst = {NULL, 0};
    xmlDocPtr doc = NULL;
    vt_error rc = open_zip(&x, data, len);
    if (rc == VT_OK)
        rc = find_sheet(&x, s, sheet_name, &p);
    if (rc == VT_OK && p.sst_part)
        rc = shared_strings(&x, p.sst_part, &s->arena, &sst);
    if (rc == VT_OK)
        rc = read_xml(&x, p.sheet_part, 1, &doc);
    if (rc == VT_OK) {
        xmlNode *root = xmlDocGetRootElement(doc);
        rc = read_rows(&x, s, first_child(root, "sheetData"), &sst);
        if (rc == VT_OK)
            rc = read_merges(&x, s, first_child(root, "mergeCells"));
    }
    xmlFreeDoc(doc);
    if (x.z)
        zip_discard(x.z);
    return sheet_done(s, rc, out);
}

/* ---- CSV ---------------------------------------------------------------- */

char vt_csv_separator(const char *data, size_t len)
{
    size_t comma = 0, semi = 0, tab = 0, lines = 0;
    int quoted = 0;
    for (size_t i = 0; i < len && lines < 20; i++) {
        char c = data[i];
        if (c == '"')
            quoted = !quoted;
        else if (quoted)
            continue;
        else if (c == '\n')
            lines++;
        else if (c == ',')
            comma++;
        else if (c == ';')
            semi++;
        else if (c == '\t')
            tab++;
    }
    if (semi > comma && semi >= tab)
        return ';';
    if (tab > comma && tab > semi)
        return '\t';
    return ',';
}

typedef struct {
    vt_sheet *s;
    const vt_sheet_limits *lim;
    vt_sheet_row *row; /* the record being read, NULL between records */
    long line;
    size_t col;
    int failed; /* -1 out of memory, -2 too many cells */
} csv_ctx;

static void csv_field(void *field, size_t n, void *data)
{
    csv_ctx *c = data;
    if (c->failed)
        return;
    if (!c->row && !(c->row = add_row(c->s, c->line))) {
        c->failed = -1;
        return;
    }
    if (n)
        c->failed = set_cell(c->s, c->row, c->col, field, n, VT_CELL_TEXT,
                             c->lim);
    c->col++;
}

static void csv_record(int term, void *data)
{
    (void)term;
    csv_ctx *c = data;
    c->row = NULL;
    c->col = 0;
}

/* The line of byte off, for a message. */
static long line_of(const char *data, size_t off)
{
    long line = 1;
    for (size_t i = 0; i < off; i++)
        line += data[i] == '\n';
    return line;
}

/* Only UTF-8 is read: a CSV saved in a Windows code page or as UTF-16
 * would turn every Vietnamese letter into garbage in the letters. */
static int check_encoding(const char *file, const char *data, size_t len,
                          vt_diags *d)
{
    if (len >= 2 && ((unsigned char)data[0] == 0xFF || (unsigned char)data[0] == 0xFE) &&
        ((unsigned char)data[1] == 0xFE || (unsigned char)data[1] == 0xFF)) {
        vt_diags_addf(d, "%s: the file is UTF-16 text (Excel's \"Unicode "
                         "Text\"); save it as \"CSV UTF-8 (Comma delimited)\"",
                      file);
        return -1;
    }
    size_t i = 0;
    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)data + i,
                                              (utf8proc_ssize_t)(len - i), &cp);
        if (k <= 0 || cp == 0) {
            vt_diags_addf(d, "%s:%ld: not UTF-8 text (byte 0x%02X); the file "
                             "is in another encoding: save it in Excel as "
                             "\"CSV UTF-8 (Comma delimited)\"",
                          file, line_of(data, i), (unsigned char)data[i]);
            return -1;
        }
        i += (size_t)k;
    }
    return 0;
}

vt_error vt_sheet_csv_mem(const char *file, const char *data, size_t len,
                          const vt_sheet_limits *lim, vt_sheet **out,
                          vt_diags *d)
{
    vt_sheet_limits deflim = vt_sheet_limits_default();
    *out = NULL;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
    }
    if (check_encoding(file, data, len, d) != 0)
        return VT_ERR_PLAN;
    vt_sheet *s = sheet_new(file);
    struct csv_parser p;
    if (!s || csv_init(&p, CSV_APPEND_NULL | CSV_STRICT | CSV_STRICT_FINI) != 0) {
        vt_sheet_free(s);
        return VT_ERR_NOMEM;
    }
    csv_set_delim(&p, (unsigned char)vt_csv_separator(data, len));
    csv_ctx c = {s, lim ? lim : &deflim, NULL, 1, 0, 0};
    vt_error rc = VT_OK;
    /* fed a line at a time, so that each record knows its line */
    size_t at = 0;
    while (at < len && rc == VT_OK && !c.failed) {
        const char *nl = memchr(data + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (data + at)) + 1 : len - at;
        if (csv_parse(&p, data + at, n, csv_field, csv_record, &c) != n) {
            rc = csv_error(&p) == CSV_ENOMEM ? VT_ERR_NOMEM : VT_ERR_PLAN;
            if (rc == VT_ERR_PLAN)
                vt_diags_addf(d, "%s:%ld: a quote inside a cell that does not "
                                 "start with one (quote the whole cell and "
                                 "double the quote: \"TH \"\"A\"\"\")",
                              file, c.line);
        }
        at += n;
        c.line++;
    }
    if (rc == VT_OK && !c.failed &&
        csv_fini(&p, csv_field, csv_record, &c) != 0) {
        vt_diags_addf(d, "%s:%ld: a quoted cell is never closed (a \" is "
                         "missing)",
                      file, c.row ? c.row->number : c.line - 1);
        rc = VT_ERR_PLAN;
    }
    csv_free(&p);
    if (c.failed == -2)
        vt_diags_addf(d, "%s: more than %zu cells; refusing it", file,
                      c.lim->max_cells);
    if (rc == VT_OK && c.failed)
        rc = c.failed == -2 ? VT_ERR_LIMIT : VT_ERR_NOMEM;
    return sheet_done(s, rc, out);
}

vt_error vt_sheet_open(const char *path, const char *sheet_name,
                       const vt_sheet_limits *lim, vt_sheet **out,
                       vt_diags *d)
{
    vt_sheet_limits deflim = vt_sheet_limits_default();
    if (!lim)
        lim = &deflim;
    *out = NULL;
    char *data = NULL;
    size_t len = 0;
    int k = vt_read_file(path, lim->max_file_bytes, &data, &len);
    if (k == -2) {
        vt_diags_addf(d, "%s: larger than the limit of %zu bytes; refusing it",
                      path, lim->max_file_bytes);
        return VT_ERR_LIMIT;
    }
    if (k != 0) {
        vt_diags_addf(d, "%s: cannot read the file: %s", path, strerror(errno));
        return VT_ERR_IO;
    }
    size_t n = strlen(path);
    vt_error rc;
    if (n >= 4 && strcasecmp(path + n - 4, ".csv") == 0) {
        if (sheet_name)
            vt_diags_addf(d, "%s: a CSV file has one sheet; --sheet \"%s\" is "
                             "ignored",
                          path, sheet_name);
        rc = vt_sheet_csv_mem(path, data, len, lim, out, d);
    } else {
        rc = vt_sheet_xlsx_mem(path, data, len, sheet_name, lim, out, d);
    }
    free(data);
    return rc;
}

/* ---- dates and times ---------------------------------------------------- */

/* Days since 1970-01-01 of a civil date, and back (proleptic Gregorian,
 * H. Hinnant's algorithms): Excel's serials are plain day counts. */
static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, vt_date *out)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    out->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    out->month = (int)(mp < 10 ? mp + 3 : mp - 9);
    out->year = (int)(yoe + era * 400 + (out->month <= 2));
}

int vt_date_from_serial(double serial, int date1904, vt_date *out)
{
    if (!(serial >= (date1904 ? 0 : 1)) || serial >= 2958466)
        return -1;
    long n = (long)floor(serial);
    long base;
    if (date1904)
        base = days_from_civil(1904, 1, 1);
    else if (n == 60)
        return -1; /* 29/02/1900, which Lotus believed in and Excel keeps */
    else
        base = days_from_civil(1899, 12, n < 60 ? 31 : 30);
    civil_from_days(base + n, out);
    return 0;
}

/* Digits at p, at most max of them; their count (0: none). */
static size_t digits(const char *p, size_t max, int *value)
{
    size_t k = 0;
    *value = 0;
    while (k < max && isdigit((unsigned char)p[k]))
        *value = *value * 10 + (p[k++] - '0');
    return isdigit((unsigned char)p[k]) ? 0 : k;
}

/* A date starting at p ("14/3/2018", "14-03-2018", "14.3.2018" or
 * "2018-03-14"); its length, or 0. */
static size_t date_at(const char *p, vt_date *dt)
{
    int a, b, c;
    size_t n1 = digits(p, 4, &a);
    if (n1 == 4 && p[4] == '-') {
        size_t n2 = digits(p + 5, 2, &b);
        if (n2 && p[5 + n2] == '-') {
            size_t n3 = digits(p + 6 + n2, 2, &c);
            if (n3) {
                *dt = (vt_date){a, b, c};
                return 6 + n2 + n3;
            }
        }
        return 0;
    }
    if (n1 < 1 || n1 > 2 || !strchr("/-.", p[n1]) || !p[n1])
        return 0;
    char sep = p[n1];
    size_t n2 = digits(p + n1 + 1, 2, &b);
    if (!n2 || p[n1 + 1 + n2] != sep)
        return 0;
    size_t n3 = digits(p + n1 + 2 + n2, 4, &c);
    if (n3 != 4)
        return 0;
    *dt = (vt_date){c, b, a};
    return n1 + n2 + 6;
}

/* A time starting at p in folded text: "7:30", "07h30", "7h", "7 gio 30",
 * "7g30"; its length, or 0. */
static size_t time_at(const char *p, char out[6])
{
    int h, m = 0;
    size_t k = digits(p, 2, &h);
    if (!k)
        return 0;
    size_t at = k;
    while (p[at] == ' ')
        at++;
    int colon = p[at] == ':';
    if (colon || p[at] == 'h')
        at++;
    else if (strncmp(p + at, "gio", 3) == 0)
        at += 3;
    else if (p[at] == 'g' && !isalpha((unsigned char)p[at + 1]))
        at++;
    else
        return 0;
    if (isalpha((unsigned char)p[at]) && !colon)
        return 0; /* "7 hoc sinh" is not a time */
    size_t s = at;
    while (p[s] == ' ')
        s++;
    size_t km = digits(p + s, 2, &m);
    if (km == 2)
        at = s + 2;
    else if (colon || km)
        return 0;
    else
        m = 0;
    if (h < 0 || h > 23 || m < 0 || m > 59)
        return 0;
    /* h and m are two digits each: 5 characters and the NUL */
    out[0] = (char)('0' + h / 10), out[1] = (char)('0' + h % 10);
    out[2] = ':';
    out[3] = (char)('0' + m / 10), out[4] = (char)('0' + m % 10);
    out[5] = '\0';
    return at;
}

/* What a "when" text holds: a date, a time, a session, each once at most. */
typedef struct {
    vt_date date;
    char time[6];
    const char *session;
    int dates, times, sessions, bad_date;
} when;

static const char *const SESSIONS[3][2] = {
    {"sang", "sáng"}, {"chieu", "chiều"}, {"toi", "tối"}};

static int word_at(const char *text, const char *p, const char *w)
{
    size_t n = strlen(w);
    return strncmp(p, w, n) == 0 && (p == text || !isalnum((unsigned char)p[-1])) &&
           !isalnum((unsigned char)p[n]);
}

static void scan_when(const char *text, when *w)
{
    memset(w, 0, sizeof *w);
    vt_buf f;
    vt_buf_init(&f);
    vt_text_fold(text, &f);
    vt_buf_putc(&f, '\0');
    const char *s = f.oom ? "" : f.data;
    for (const char *p = s; *p;) {
        vt_date dt;
        size_t k = 0;
        int digit_start = isdigit((unsigned char)*p) &&
                          (p == s || !isdigit((unsigned char)p[-1]));
        if (digit_start && (k = date_at(p, &dt))) {
            w->dates++;
            w->date = dt;
            w->bad_date |= !vt_date_valid(&dt, 0);
        } else if (digit_start && (k = time_at(p, w->time))) {
            w->times++;
        } else {
            for (int i = 0; i < 3; i++)
                if (word_at(s, p, SESSIONS[i][0])) {
                    w->sessions += !w->session || w->session != SESSIONS[i][1];
                    w->session = SESSIONS[i][1];
                    k = strlen(SESSIONS[i][0]);
                }
        }
        p += k ? k : 1;
    }
    vt_buf_free(&f);
}

int vt_sheet_parse_date(const char *text, vt_date *out)
{
    when w;
    scan_when(text, &w);
    if (w.dates != 1)
        return -1;
    *out = w.date;
    return w.bad_date ? -2 : 0;
}

int vt_sheet_parse_time(const char *text, char *out)
{
    when w;
    scan_when(text, &w);
    if (w.times != 1)
        return -1;
    memcpy(out, w.time, 6);
    return 0;
}

/* ---- headings ----------------------------------------------------------- */

static const char *const COLUMN_NAMES[VT_COL__COUNT] = {
    "cụm", "trường", "ngày", "buổi", "giờ", "thời gian", "địa điểm",
    "chủ đề", "cụm trưởng", ""};

const char *vt_sheet_column_name(vt_column c)
{
    return c < VT_COL__COUNT ? COLUMN_NAMES[c] : "";
}

/* The headings of each column as folded words, '|' between synonyms;
 * "cum truong" is decided before (trường and trưởng differ only in the
 * marks). */
static const char *const HEADINGS[VT_COL__COUNT] = {
    [VT_COL_CLUSTER] = "cum|ten cum|cum so|cum chuyen mon|cluster",
    [VT_COL_SCHOOL] = "truong|ten truong|don vi|ten don vi|truong thanh vien|"
                      "co so giao duc|school",
    [VT_COL_DATE] = "ngay|ngay to chuc|ngay sinh hoat|ngay thang|ngay hop|date",
    [VT_COL_SESSION] = "buoi|session",
    [VT_COL_TIME] = "gio|gio bat dau|thoi gian bat dau|time",
    [VT_COL_WHEN] = "thoi gian|thoi gian to chuc|thoi gian sinh hoat|when",
    [VT_COL_VENUE] = "dia diem|dia diem to chuc|dia diem sinh hoat|"
                     "noi to chuc|venue",
    [VT_COL_TOPIC] = "chu de|chuyen de|ten chuyen de|noi dung|"
                     "noi dung sinh hoat|noi dung chuyen de|topic",
    [VT_COL_HOST] = "truong cum truong|don vi chu tri|truong chu tri|chu tri|"
                    "don vi to chuc|truong dang cai|host",
    [VT_COL_IGNORE] = "stt|tt|so tt|so thu tu|ghi chu",
};

/* 1 if words is one of the '|'-separated choices. */
static int one_of(const char *words, const char *choices)
{
    size_t n = strlen(words);
    for (const char *p = choices; p; p = strchr(p, '|') ? strchr(p, '|') + 1 : NULL)
        if (strncmp(p, words, n) == 0 && (p[n] == '|' || p[n] == '\0'))
            return 1;
    return 0;
}

int vt_sheet_column_of(const char *heading)
{
    vt_buf f, w;
    vt_buf_init(&f);
    vt_buf_init(&w);
    vt_text_fold(heading, &f);
    vt_buf_putc(&f, '\0');
    int paren = 0;
    for (const char *p = f.oom ? "" : f.data; *p; p++) {
        paren += *p == '(';
        int keep = !paren && isalnum((unsigned char)*p);
        if (*p == ')' && paren)
            paren--;
        if (keep)
            vt_buf_putc(&w, *p);
        else if (w.len && w.data[w.len - 1] != ' ')
            vt_buf_putc(&w, ' ');
    }
    while (w.len && w.data[w.len - 1] == ' ')
        w.len--;
    vt_buf_putc(&w, '\0');
    int col = -1;
    if (!w.oom && strcmp(w.data, "cum truong") == 0)
        col = strstr(heading, "ưởng") || strstr(heading, "ƯỞNG")
                  ? VT_COL_HOST : VT_COL_CLUSTER;
    for (int k = 0; col < 0 && !w.oom && w.data[0] && k < VT_COL__COUNT; k++)
        if (one_of(w.data, HEADINGS[k]))
            col = k;
    vt_buf_free(&f);
    vt_buf_free(&w);
    return col;
}

/* ---- clusters ----------------------------------------------------------- */

/* What a cluster carries besides its schools, each from one or more
 * columns; a value given twice must be the same. */
enum { S_DATE, S_SESSION, S_TIME, S_HOST, S_VENUE, S_TOPIC, S__COUNT };
static const char *const SLOT_NAMES[S__COUNT] = {
    "ngày", "buổi", "giờ", "cụm trưởng", "địa điểm", "chủ đề"};

typedef struct {
    const char *name;
    long row;
    const char *val[S__COUNT];
    const char *typed[S__COUNT]; /* as the clerk typed it, for messages */
    long val_row[S__COUNT];
    int date_typed; /* a date cell was there, if unreadable (reported) */
    size_t nschools;
} cluster;

typedef struct {
    const char *name;
    long row;
    size_t cluster;
} school;

/* One data row seen through the heading: the cell of each column. */
typedef struct {
    long number;
    const vt_cell *cell[VT_COL__COUNT];
} view;

typedef struct {
    const vt_sheet *s;
    vt_diags *d;
    vt_arena arena;
    int errors;
    long head_row;
    size_t col[VT_COL__COUNT]; /* the sheet column of each; -1 absent */
    view *views;
    size_t nviews;
    cluster *clusters;
    size_t nclusters, ccap;
    school *schools;
    size_t nschools, scap;
} builder;

static void berr(builder *b, long row, vt_column c, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "<where> (ngày): message" */
static void berr(builder *b, long row, vt_column c, const char *fmt, ...)
{
    vt_buf m;
    vt_buf_init(&m);
    vt_sheet_where(b->s, row, c < VT_COL__COUNT ? b->col[c] : (size_t)-1, &m);
    if (c < VT_COL__COUNT)
        vt_buf_printf(&m, " (%s)", COLUMN_NAMES[c]);
    vt_buf_puts(&m, ": ");
    va_list ap;
    va_start(ap, fmt);
    vt_buf_vprintf(&m, fmt, ap);
    va_end(ap);
    if (!m.oom)
        vt_diags_addf(b->d, "%s", m.data);
    vt_buf_free(&m);
    b->errors++;
}

static const vt_cell *cell_at(const vt_sheet_row *r, size_t col)
{
    return col < r->ncells && r->cells[col].text ? &r->cells[col] : NULL;
}

static const vt_sheet_row *row_by_number(const vt_sheet *s, long number)
{
    size_t lo = 0, hi = s->nrows;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->rows[mid].number < number)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->nrows && s->rows[lo].number == number ? &s->rows[lo] : NULL;
}

/* The heading row: the first of the first 20 rows that names at least
 * two known columns.  Missing required columns are each an error. */
static int find_heading(builder *b)
{
    const vt_sheet *s = b->s;
    for (size_t i = 0; i < s->nrows && i < 20 && b->head_row < 0; i++) {
        size_t found = 0;
        for (size_t c = 0; c < s->rows[i].ncells; c++) {
            const vt_cell *cl = cell_at(&s->rows[i], c);
            found += cl && vt_sheet_column_of(cl->text) >= 0 &&
                     vt_sheet_column_of(cl->text) != VT_COL_IGNORE;
        }
        if (found >= 2)
            b->head_row = (long)i;
    }
    if (b->head_row < 0) {
        vt_buf w;
        vt_buf_init(&w);
        vt_sheet_where(s, s->nrows ? s->rows[0].number : 1, (size_t)-1, &w);
        vt_diags_addf(b->d, "%s: no heading row with the columns cụm and "
                            "trường in the first 20 rows",
                      w.data ? w.data : s->file);
        vt_buf_free(&w);
        return -1;
    }
    const vt_sheet_row *h = &s->rows[b->head_row];
    for (size_t c = 0; c < h->ncells; c++) {
        const vt_cell *cl = cell_at(h, c);
        int k = cl ? vt_sheet_column_of(cl->text) : -1;
        if (k < 0 || k == VT_COL_IGNORE)
            continue;
        if (b->col[k] != (size_t)-1) {
            char first[8], second[8];
            column_letters(b->col[k], first);
            column_letters(c, second);
            berr(b, h->number, VT_COL__COUNT,
                 "columns %s and %s are both headed %s; keep one", first,
                 second, COLUMN_NAMES[k]);
            continue;
        }
        b->col[k] = c;
    }
    static const struct {
        vt_column c, alt;
        const char *example;
    } need[] = {{VT_COL_CLUSTER, VT_COL_CLUSTER, "\"Cụm\""},
                {VT_COL_SCHOOL, VT_COL_SCHOOL, "\"Trường\" or \"Tên trường\""},
                {VT_COL_DATE, VT_COL_WHEN, "\"Ngày\" or \"Thời gian\""},
                {VT_COL_VENUE, VT_COL_VENUE, "\"Địa điểm\""}};
    for (size_t i = 0; i < sizeof need / sizeof *need; i++)
        if (b->col[need[i].c] == (size_t)-1 && b->col[need[i].alt] == (size_t)-1)
            berr(b, h->number, VT_COL__COUNT,
                 "no column for %s; head one with %s",
                 COLUMN_NAMES[need[i].c], need[i].example);
    return b->errors ? -1 : 0;
}

/* Merged heading cells hide which column is which: refused.  Merged
 * cells below the heading (a cluster's name or date over its schools'
 * rows) give their value to every row they cover. */
static void check_merges(builder *b)
{
    const vt_sheet *s = b->s;
    long head = s->rows[b->head_row].number;
    for (size_t i = 0; i < s->nmerges; i++) {
        const vt_merge *m = &s->merges[i];
        if (m->r1 > head || m->r2 < head)
            continue;
        char a[8], z[8];
        column_letters(m->c1, a);
        column_letters(m->c2, z);
        const vt_cell *c = cell_at(&s->rows[b->head_row], m->c1);
        vt_buf w;
        vt_buf_init(&w);
        vt_sheet_where(s, head, (size_t)-1, &w);
        vt_diags_addf(b->d, "%s, columns %s to %s: merged heading cells "
                            "(\"%s\"); unmerge them so that each column has "
                            "its own heading",
                      w.data ? w.data : s->file, a, z, c ? c->text : "");
        vt_buf_free(&w);
        b->errors++;
    }
}

static int make_views(builder *b)
{
    const vt_sheet *s = b->s;
    size_t first = (size_t)b->head_row + 1;
    b->nviews = s->nrows - first;
    b->views = vt_arena_alloc(&b->arena, (b->nviews ? b->nviews : 1) * sizeof *b->views);
    if (!b->views)
        return -1;
    for (size_t i = 0; i < b->nviews; i++) {
        const vt_sheet_row *r = &s->rows[first + i];
        b->views[i].number = r->number;
        for (int k = 0; k < VT_COL__COUNT; k++)
            if (b->col[k] != (size_t)-1)
                b->views[i].cell[k] = cell_at(r, b->col[k]);
    }
    long head = s->rows[b->head_row].number;
    for (size_t m = 0; m < s->nmerges; m++) {
        const vt_merge *g = &s->merges[m];
        const vt_sheet_row *top = g->r1 > head ? row_by_number(s, g->r1) : NULL;
        const vt_cell *v = top ? cell_at(top, g->c1) : NULL;
        for (size_t i = 0; v && i < b->nviews; i++) {
            if (b->views[i].number < g->r1 || b->views[i].number > g->r2)
                continue;
            for (int k = 0; k < VT_COL__COUNT; k++)
                if (b->col[k] >= g->c1 && b->col[k] <= g->c2 &&
                    b->col[k] != (size_t)-1 && !b->views[i].cell[k])
                    b->views[i].cell[k] = v;
        }
    }
    return 0;
}

static cluster *find_cluster(builder *b, const char *name, long row)
{
    for (size_t i = 0; i < b->nclusters; i++)
        if (strcmp(b->clusters[i].name, name) == 0)
            return &b->clusters[i];
    if (b->nclusters == b->ccap) {
        size_t cap = b->ccap ? 2 * b->ccap : 16;
        cluster *c = vt_arena_alloc(&b->arena, cap * sizeof *c);
        if (!c)
            return NULL;
        if (b->nclusters)
            memcpy(c, b->clusters, b->nclusters * sizeof *c);
        b->clusters = c;
        b->ccap = cap;
    }
    cluster *c = &b->clusters[b->nclusters++];
    memset(c, 0, sizeof *c);
    c->name = name;
    c->row = row;
    return c;
}

static int add_school(builder *b, const char *name, long row, size_t ci)
{
    if (b->nschools == b->scap) {
        size_t cap = b->scap ? 2 * b->scap : 64;
        school *p = realloc(b->schools, cap * sizeof *p);
        if (!p)
            return -1;
        b->schools = p;
        b->scap = cap;
    }
    b->schools[b->nschools++] = (school){name, row, ci};
    return 0;
}

/* Give the cluster a value; a different one from another row is an
 * error naming both rows. */
static void set_slot(builder *b, cluster *c, int slot, const char *value,
                     const vt_cell *typed, long row, vt_column col)
{
    if (!value)
        return;
    if (!c->val[slot]) {
        c->val[slot] = value;
        c->typed[slot] = typed->text;
        c->val_row[slot] = row;
    } else if (strcmp(c->val[slot], value) != 0) {
        berr(b, row, col, "\"%s\" gives \"%s\" another %s than row %ld "
                          "(\"%s\"); a cluster meets once",
             typed->text, c->name, SLOT_NAMES[slot], c->val_row[slot],
             c->typed[slot]);
    }
}

static const char *iso_date(builder *b, const vt_date *dt)
{
    char iso[16];
    snprintf(iso, sizeof iso, "%04d-%02d-%02d", dt->year, dt->month, dt->day);
    return vt_arena_strdup(&b->arena, iso);
}

/* ngày, giờ, buổi and thời gian: typed text, or Excel's numbers (a day
 * serial, a fraction of a day, or both). */
static void read_when(builder *b, cluster *c, const view *v, vt_column col)
{
    const vt_cell *cell = v->cell[col];
    if (!cell)
        return;
    int want_date = col == VT_COL_DATE || col == VT_COL_WHEN;
    c->date_typed |= want_date;
    int want_time = col == VT_COL_TIME || col == VT_COL_WHEN;
    char *end;
    double x = cell->kind == VT_CELL_NUMBER ? strtod(cell->text, &end) : 0;
    if (cell->kind == VT_CELL_NUMBER && *end == '\0' && isfinite(x)) {
        vt_date dt;
        double day = floor(x), frac = x - day;
        if (want_date && col != VT_COL_TIME && day >= 1) {
            if (vt_date_from_serial(x, b->s->date1904, &dt) != 0) {
                berr(b, v->number, col, "%s is not a date Excel can show",
                     cell->text);
                return;
            }
            set_slot(b, c, S_DATE, iso_date(b, &dt), cell, v->number, col);
        }
        if (col == VT_COL_TIME && frac == 0 && x >= 0 && x <= 23)
            frac = x / 24; /* "7" typed in the giờ column */
        if (want_time && frac > 0) {
            char hm[8];
            long m = lround(frac * 1440);
            int min = m > 1439 ? 1439 : m < 0 ? 0 : (int)m;
            snprintf(hm, sizeof hm, "%02d:%02d", min / 60, min % 60);
            set_slot(b, c, S_TIME, vt_arena_strdup(&b->arena, hm), cell,
                     v->number, col);
        } else if (!want_date || day < 1) {
            berr(b, v->number, col, "%s is not %s", cell->text,
                 col == VT_COL_SESSION ? "a session (sáng, chiều or tối)"
                 : col == VT_COL_DATE  ? "a date"
                 : col == VT_COL_TIME  ? "a time of day"
                                       : "a date or a time");
        }
        return;
    }
    when w;
    scan_when(cell->text, &w);
    if (w.dates > 1 || w.times > 1 || w.sessions > 1) {
        berr(b, v->number, col, "\"%s\" gives more than one %s", cell->text,
             w.dates > 1 ? "date" : w.times > 1 ? "time" : "session");
        return;
    }
    if (w.bad_date) {
        berr(b, v->number, col, "\"%s\" is not a real date", cell->text);
        return;
    }
    int ok = col == VT_COL_DATE ? w.dates : col == VT_COL_TIME ? w.times
             : col == VT_COL_SESSION ? w.sessions
                                     : w.dates || w.times || w.sessions;
    if (!ok) {
        berr(b, v->number, col, "\"%s\" is not %s", cell->text,
             col == VT_COL_DATE ? "a date (write it as 14/03/2018)"
             : col == VT_COL_TIME ? "a time (write it as 07:30 or 7h30)"
             : col == VT_COL_SESSION ? "a session (sáng, chiều or tối)"
                                     : "a date, a time or a session "
                                       "(e.g. 7h30 sáng 14/03/2018)");
        return;
    }
    if (w.dates)
        set_slot(b, c, S_DATE, iso_date(b, &w.date), cell, v->number, col);
    if (w.times)
        set_slot(b, c, S_TIME, vt_arena_strdup(&b->arena, w.time), cell,
                 v->number, col);
    if (w.sessions)
        set_slot(b, c, S_SESSION, w.session, cell, v->number, col);
}

/* A cluster named by a bare number ("1") reads badly in a letter
 * ("sinh hoạt chuyên môn 1"): it becomes "Cụm số 1". */
static const char *cluster_name(builder *b, const char *text)
{
    size_t n = strspn(text, "0123456789");
    if (n == 0 || text[n] != '\0')
        return text;
    vt_buf nm;
    vt_buf_init(&nm);
    vt_buf_printf(&nm, "Cụm số %s", text);
    const char *out = nm.oom ? NULL : vt_arena_strdup(&b->arena, nm.data);
    vt_buf_free(&nm);
    return out ? out : text;
}

static int is_blank(const view *v)
{
    for (int k = 0; k < VT_COL_IGNORE; k++)
        if (v->cell[k])
            return 0;
    return 1;
}

static void read_rows_into_clusters(builder *b)
{
    const char *current = NULL;
    for (size_t i = 0; i < b->nviews; i++) {
        const view *v = &b->views[i];
        if (is_blank(v))
            continue; /* blank and spacer rows are skipped */
        const char *name = v->cell[VT_COL_CLUSTER]
                               ? cluster_name(b, v->cell[VT_COL_CLUSTER]->text)
                               : current;
        if (!name) {
            berr(b, v->number, VT_COL_CLUSTER,
                 "no cụm for this row; type the cluster's name");
            continue;
        }
        current = name;
        cluster *c = find_cluster(b, name, v->number);
        if (!c) {
            b->arena.oom = 1;
            return;
        }
        for (int k = VT_COL_DATE; k <= VT_COL_WHEN; k++)
            read_when(b, c, v, (vt_column)k);
        static const struct { vt_column col; int slot; } texts[] = {
            {VT_COL_VENUE, S_VENUE}, {VT_COL_TOPIC, S_TOPIC}, {VT_COL_HOST, S_HOST}};
        for (size_t k = 0; k < 3; k++)
            if (v->cell[texts[k].col])
                set_slot(b, c, texts[k].slot, v->cell[texts[k].col]->text,
                         v->cell[texts[k].col], v->number, texts[k].col);
        if (v->cell[VT_COL_SCHOOL]) {
            c->nschools++;
            if (add_school(b, v->cell[VT_COL_SCHOOL]->text, v->number,
                           (size_t)(c - b->clusters)) != 0)
                b->arena.oom = 1;
        }
    }
}

static int school_cmp(const void *x, const void *y)
{
    const school *a = x, *b = y;
    int k = strcmp(a->name, b->name);
    return k ? k : (a->row > b->row) - (a->row < b->row);
}

/* Each cluster needs schools, a date and a venue; a school in two rows
 * would get two letters, maybe for two days. */
static void check_clusters(builder *b)
{
    for (size_t i = 0; i < b->nclusters; i++) {
        const cluster *c = &b->clusters[i];
        if (!c->nschools)
            berr(b, c->row, VT_COL_CLUSTER,
                 "cluster \"%s\" has no schools (a row with its cụm and a "
                 "trường)",
                 c->name);
        /* the letter must say when and where; say it here, on the sheet */
        if (!c->val[S_DATE] && !c->date_typed)
            berr(b, c->row, b->col[VT_COL_DATE] != (size_t)-1 ? VT_COL_DATE
                                                                : VT_COL_WHEN,
                 "cluster \"%s\" has no date; type it on one of its rows",
                 c->name);
        if (!c->val[S_VENUE])
            berr(b, c->row, VT_COL_VENUE,
                 "cluster \"%s\" has no địa điểm; type it on one of its rows",
                 c->name);
    }
    school *sorted = malloc((b->nschools ? b->nschools : 1) * sizeof *sorted);
    if (!sorted) {
        b->arena.oom = 1;
        return;
    }
    if (b->nschools)
        memcpy(sorted, b->schools, b->nschools * sizeof *sorted);
    qsort(sorted, b->nschools, sizeof *sorted, school_cmp);
    for (size_t i = 1; i < b->nschools; i++)
        if (strcmp(sorted[i].name, sorted[i - 1].name) == 0) {
            size_t k = i - 1;
            while (k > 0 && strcmp(sorted[k - 1].name, sorted[i].name) == 0)
                k--;
            berr(b, sorted[i].row, VT_COL_SCHOOL,
                 "\"%s\" is listed twice (also in row %ld, %s); a school "
                 "belongs to one cluster",
                 sorted[i].name, sorted[k].row,
                 b->clusters[sorted[k].cluster].name);
        }
    free(sorted);
}

static void xml_text(vt_buf *o, const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '&': vt_buf_puts(o, "&amp;"); break;
        case '<': vt_buf_puts(o, "&lt;"); break;
        case '>': vt_buf_puts(o, "&gt;"); break;
        case '"': vt_buf_puts(o, "&quot;"); break;
        default: vt_buf_putc(o, *s);
        }
}

static void write_clusters(const builder *b, const char *ind, vt_buf *o)
{
    static const char *const attrs[] = {"date", "session", "time"};
    static const int attr_slots[] = {S_DATE, S_SESSION, S_TIME};
    static const char *const kids[] = {"host", "venue", "topic"};
    static const int kid_slots[] = {S_HOST, S_VENUE, S_TOPIC};
    vt_buf_puts(o, "<clusters>\n");
    for (size_t i = 0; i < b->nclusters; i++) {
        const cluster *c = &b->clusters[i];
        vt_buf_printf(o, "%s  <cluster name=\"", ind);
        xml_text(o, c->name);
        vt_buf_putc(o, '"');
        for (int k = 0; k < 3; k++)
            if (c->val[attr_slots[k]])
                vt_buf_printf(o, " %s=\"%s\"", attrs[k], c->val[attr_slots[k]]);
        vt_buf_puts(o, ">\n");
        for (int k = 0; k < 3; k++) {
            if (!c->val[kid_slots[k]])
                continue;
            vt_buf_printf(o, "%s    <%s>", ind, kids[k]);
            xml_text(o, c->val[kid_slots[k]]);
            vt_buf_printf(o, "</%s>\n", kids[k]);
        }
        for (size_t s = 0; s < b->nschools; s++) {
            if (b->schools[s].cluster != i)
                continue;
            vt_buf_printf(o, "%s    <school>", ind);
            xml_text(o, b->schools[s].name);
            vt_buf_puts(o, "</school>\n");
        }
        vt_buf_printf(o, "%s  </cluster>\n", ind);
    }
    vt_buf_printf(o, "%s</clusters>", ind);
}

vt_error vt_sheet_clusters(const vt_sheet *s, const char *indent, vt_buf *xml,
                           size_t *nclusters, size_t *nschools, vt_diags *d)
{
    builder b;
    memset(&b, 0, sizeof b);
    b.s = s;
    b.d = d;
    b.head_row = -1;
    for (int k = 0; k < VT_COL__COUNT; k++)
        b.col[k] = (size_t)-1;
    vt_arena_init(&b.arena);
    if (find_heading(&b) == 0) {
        check_merges(&b);
        if (make_views(&b) != 0)
            b.arena.oom = 1;
        else
            read_rows_into_clusters(&b);
        if (!b.arena.oom)
            check_clusters(&b);
        if (!b.errors && !b.arena.oom && b.nclusters == 0)
            berr(&b, s->rows[b.head_row].number, VT_COL__COUNT,
                 "no rows below the heading; nothing to import");
    } else {
        b.errors++;
    }
    vt_error rc = b.arena.oom ? VT_ERR_NOMEM : b.errors ? VT_ERR_PLAN : VT_OK;
    if (rc == VT_OK) {
        write_clusters(&b, indent ? indent : "", xml);
        if (xml->oom)
            rc = VT_ERR_NOMEM;
        if (nclusters)
            *nclusters = b.nclusters;
        if (nschools)
            *nschools = b.nschools;
    }
    free(b.schools);
    vt_arena_free(&b.arena);
    return rc;
}

/* ---- the <clusters> of a plan's text ------------------------------------ */

/* Skip what cannot hold a tag (a comment, CDATA, a processing
 * instruction, a declaration) starting at p; its end, or NULL. */
static const char *skip_markup(const char *p, const char *end)
{
    static const struct {
        const char *open, *close;
    } kinds[] = {{"<!--", "-->"}, {"<![CDATA[", "]]>"}, {"<?", "?>"}, {"<!", ">"}};
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        size_t n = strlen(kinds[k].open);
        if ((size_t)(end - p) >= n && memcmp(p, kinds[k].open, n) == 0) {
            const char *c = memmem(p + n, (size_t)(end - p) - n, kinds[k].close,
                                   strlen(kinds[k].close));
            return c ? c + strlen(kinds[k].close) : end;
        }
    }
    return NULL;
}

/* The end of the tag at p ('>' included), minding quoted values that may
 * hold a '>'. */
static const char *tag_end(const char *p, const char *end)
{
    char q = 0;
    for (; p < end; p++) {
        if (q) {
            q = *p == q ? 0 : q;
        } else if (*p == '"' || *p == '\'') {
            q = *p;
        } else if (*p == '>') {
            return p + 1;
        }
    }
    return end;
}

static int tag_is(const char *p, const char *end, const char *name)
{
    size_t n = strlen(name);
    return (size_t)(end - p) > n && memcmp(p, name, n) == 0 &&
           (p[n] == '>' || p[n] == '/' || isspace((unsigned char)p[n]));
}

/* The white space before p on its line; -1 when other text is there. */
static int line_indent(const char *xml, size_t at, size_t *from)
{
    size_t i = at;
    while (i > 0 && (xml[i - 1] == ' ' || xml[i - 1] == '\t'))
        i--;
    *from = i;
    return i == 0 || xml[i - 1] == '\n' ? 0 : -1;
}

int vt_plan_clusters_span(const char *xml, size_t len, size_t *start,
                          size_t *end, vt_buf *indent)
{
    const char *p = xml, *e = xml + len;
    int depth = 0;
    const char *open = NULL, *copies = NULL, *close_plan = NULL;
    while ((p = memchr(p, '<', (size_t)(e - p)))) {
        const char *skip = skip_markup(p, e);
        if (skip) {
            p = skip;
            continue;
        }
        const char *t = tag_end(p, e);
        int closing = p[1] == '/', empty = t - p >= 3 && t[-2] == '/';
        const char *name = p + 1 + closing;
        if (!closing) {
            if (depth == 0 && !tag_is(name, e, "plan"))
                return -1;
            if (depth == 1 && tag_is(name, e, "clusters")) {
                open = p;
                if (empty) {
                    *start = (size_t)(p - xml);
                    *end = (size_t)(t - xml);
                    break;
                }
            }
            if (depth == 1 && !copies && tag_is(name, e, "copies-to"))
                copies = p;
            depth += !empty;
        } else {
            depth--;
            if (depth == 1 && open && tag_is(name, e, "clusters")) {
                *start = (size_t)(open - xml);
                *end = (size_t)(t - xml);
                break;
            }
            if (depth == 0 && tag_is(name, e, "plan"))
                close_plan = p;
        }
        p = t;
    }
    size_t from;
    if (p) { /* found: replace it in place, at its own indentation */
        if (line_indent(xml, *start, &from) == 0)
            vt_buf_put(indent, xml + from, *start - from);
        return 0;
    }
    const char *at = copies ? copies : close_plan;
    if (!at)
        return -1;
    /* none: insert a new element before <copies-to> (or </plan>), on a
     * line of its own */
    *start = *end = (size_t)(at - xml);
    if (line_indent(xml, *start, &from) == 0) {
        *start = *end = from;
        vt_buf_put(indent, xml + from, (size_t)(at - xml) - from);
        if (!copies)
            vt_buf_puts(indent, "  ");
    }
    return 1;
}
