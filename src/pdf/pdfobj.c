/*
 * pdfobj.c - a small, defensive PDF object reader and writer.
 *
 * Only what adding and checking a signature needs: the lexer, values,
 * classic cross-reference tables with their /Prev chain, indirect
 * objects, the page tree down to the first page, and writing values back.
 * Every read is bounds-checked against the file's length, nesting and
 * chains are limited, and parsed values live in one arena, so a hostile
 * file costs at most memory proportional to its size and then a clear
 * message.
 */
#include "pdf/pdfobj.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

static int is_ws(int c)
{
    return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' ||
           c == ' ';
}

static int is_delim(int c)
{
    return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' ||
           c == ']' || c == '{' || c == '}' || c == '/' || c == '%';
}

static int is_regular(int c) { return !is_ws(c) && !is_delim(c); }

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Skip white space and comments. */
static void skip_ws(const char *p, size_t len, size_t *pos)
{
    size_t i = *pos;
    while (i < len) {
        if (is_ws((unsigned char)p[i])) {
            i++;
        } else if (p[i] == '%') {
            while (i < len && p[i] != '\n' && p[i] != '\r')
                i++;
        } else {
            break;
        }
    }
    *pos = i;
}

/* A keyword (a run of regular characters) at *pos equal to kw. */
static int take_keyword(const char *p, size_t len, size_t *pos, const char *kw)
{
    size_t i = *pos, k = strlen(kw);
    skip_ws(p, len, &i);
    if (len - i < k || memcmp(p + i, kw, k) != 0)
        return 0;
    if (i + k < len && is_regular((unsigned char)p[i + k]))
        return 0;
    *pos = i + k;
    return 1;
}

/* A non-negative integer token (at most 18 digits) at *pos. */
static int take_uint(const char *p, size_t len, size_t *pos, long long *out)
{
    size_t i = *pos;
    skip_ws(p, len, &i);
    size_t start = i;
    long long v = 0;
    while (i < len && p[i] >= '0' && p[i] <= '9' && i - start < 18)
        v = v * 10 + (p[i++] - '0');
    if (i == start || (i < len && is_regular((unsigned char)p[i])))
        return 0;
    *pos = i;
    *out = v;
    return 1;
}

vt_pdf_obj *vt_pdf_new(vt_arena *a, vt_pdf_kind kind)
{
    vt_pdf_obj *o = vt_arena_alloc(a, sizeof *o);
    if (o)
        o->kind = kind;
    return o;
}

vt_pdf_obj *vt_pdf_new_raw(vt_arena *a, vt_pdf_kind kind, const char *raw)
{
    vt_pdf_obj *o = vt_pdf_new(a, kind);
    char *s = raw ? vt_arena_strdup(a, raw) : NULL;
    if (!o || !s)
        return NULL;
    o->raw = s;
    o->rawlen = strlen(s);
    if (kind == VT_PDF_NUM) {
        o->num = strtoll(s, NULL, 10);
        o->is_int = 1;
    }
    return o;
}

vt_pdf_obj *vt_pdf_new_ref(vt_arena *a, long long num, int gen)
{
    vt_pdf_obj *o = vt_pdf_new(a, VT_PDF_REF);
    if (o) {
        o->num = num;
        o->gen = gen;
    }
    return o;
}

/* Grow an item vector in the arena (the old one is simply abandoned:
 * doubling keeps the waste under the final size). */
static int push_item(vt_arena *a, vt_pdf_obj *o, vt_pdf_obj *item, size_t *cap)
{
    if (o->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        vt_pdf_obj **v = vt_arena_alloc(a, nc * sizeof *v);
        if (!v)
            return -1;
        if (o->n)
            memcpy(v, o->items, o->n * sizeof *v);
        o->items = v;
        *cap = nc;
    }
    o->items[o->n++] = item;
    return 0;
}

int vt_pdf_array_push(vt_arena *a, vt_pdf_obj *arr, vt_pdf_obj *item)
{
    /* copies made by vt_pdf_copy have exactly n slots: grow by copying */
    size_t cap = arr->n;
    return push_item(a, arr, item, &cap);
}

vt_pdf_obj *vt_pdf_copy(vt_arena *a, const vt_pdf_obj *obj)
{
    vt_pdf_obj *c = vt_pdf_new(a, obj->kind);
    if (!c)
        return NULL;
    *c = *obj;
    if (obj->n) {
        c->items = vt_arena_alloc(a, obj->n * sizeof *c->items);
        if (!c->items)
            return NULL;
        memcpy(c->items, obj->items, obj->n * sizeof *c->items);
    }
    return c;
}

/* The end of a literal string starting at p[i] == '(' (one past ')'),
 * or 0 if it never closes. */
static size_t literal_end(const char *p, size_t len, size_t i)
{
    int depth = 0;
    for (; i < len; i++) {
        if (p[i] == '\\') {
            i++;
        } else if (p[i] == '(') {
            depth++;
        } else if (p[i] == ')' && --depth == 0) {
            return i + 1;
        }
    }
    return 0;
}

static vt_pdf_obj *parse_value(vt_arena *a, const char *p, size_t len,
                               size_t *pos, int depth, const char **err);

/* The items of an array or dictionary, up to the closing token. */
static vt_pdf_obj *parse_container(vt_arena *a, const char *p, size_t len,
                                   size_t *pos, int depth, vt_pdf_kind kind,
                                   const char **err)
{
    vt_pdf_obj *o = vt_pdf_new(a, kind);
    if (!o) {
        *err = "out of memory";
        return NULL;
    }
    o->pos = *pos;
    *pos += kind == VT_PDF_DICT ? 2 : 1;
    size_t cap = 0;
    for (;;) {
        skip_ws(p, len, pos);
        if (*pos >= len) {
            *err = kind == VT_PDF_DICT ? "a dictionary never closes"
                                       : "an array never closes";
            return NULL;
        }
        if (kind == VT_PDF_ARRAY && p[*pos] == ']') {
            (*pos)++;
            return o;
        }
        if (kind == VT_PDF_DICT && p[*pos] == '>') {
            if (*pos + 1 >= len || p[*pos + 1] != '>') {
                *err = "a dictionary ends with a single '>'";
                return NULL;
            }
            if (o->n % 2) {
                *err = "a dictionary key has no value";
                return NULL;
            }
            *pos += 2;
            return o;
        }
        size_t at = *pos;
        vt_pdf_obj *item = parse_value(a, p, len, pos, depth + 1, err);
        if (!item)
            return NULL;
        if (kind == VT_PDF_DICT && o->n % 2 == 0 && item->kind != VT_PDF_NAME) {
            *pos = at;
            *err = "a dictionary key is not a name";
            return NULL;
        }
        if (push_item(a, o, item, &cap) != 0) {
            *err = "out of memory";
            return NULL;
        }
    }
}

/* A number, or a reference "N G R" when two integers and R follow. */
static vt_pdf_obj *parse_number(vt_arena *a, const char *p, size_t len,
                                size_t *pos, const char **err)
{
    size_t i = *pos, start = i;
    if (i < len && (p[i] == '+' || p[i] == '-'))
        i++;
    size_t digits = 0, dots = 0;
    while (i < len && ((p[i] >= '0' && p[i] <= '9') || p[i] == '.')) {
        if (p[i] == '.')
            dots++;
        else
            digits++;
        i++;
    }
    if (!digits || dots > 1 || i - start > 40 ||
        (i < len && is_regular((unsigned char)p[i]))) {
        *err = "a malformed number";
        return NULL;
    }
    vt_pdf_obj *o = vt_pdf_new(a, VT_PDF_NUM);
    if (!o) {
        *err = "out of memory";
        return NULL;
    }
    o->raw = p + start;
    o->rawlen = i - start;
    o->pos = start;
    o->is_int = !dots && digits <= 18;
    if (o->is_int) { /* by hand: the file is not NUL-terminated */
        long long v = 0;
        for (size_t k = start; k < i; k++)
            if (p[k] >= '0' && p[k] <= '9')
                v = v * 10 + (p[k] - '0');
        o->num = p[start] == '-' ? -v : v;
    }
    *pos = i;
    long long gen;
    size_t j = i;
    if (o->is_int && p[start] != '+' && p[start] != '-' &&
        take_uint(p, len, &j, &gen) && gen <= 65535 &&
        take_keyword(p, len, &j, "R")) {
        o->kind = VT_PDF_REF;
        o->gen = (int)gen;
        *pos = j;
    }
    return o;
}

static vt_pdf_obj *parse_value(vt_arena *a, const char *p, size_t len,
                               size_t *pos, int depth, const char **err)
{
    if (depth > VT_PDF_MAX_DEPTH) {
        *err = "values nested too deep";
        return NULL;
    }
    skip_ws(p, len, pos);
    size_t i = *pos;
    if (i >= len) {
        *err = "the file ends inside a value";
        return NULL;
    }
    int c = (unsigned char)p[i];
    if (c == '[')
        return parse_container(a, p, len, pos, depth, VT_PDF_ARRAY, err);
    if (c == '<' && i + 1 < len && p[i + 1] == '<')
        return parse_container(a, p, len, pos, depth, VT_PDF_DICT, err);
    vt_pdf_obj *o = vt_pdf_new(a, VT_PDF_NULL);
    if (!o) {
        *err = "out of memory";
        return NULL;
    }
    o->pos = i;
    o->raw = p + i;
    size_t end = 0;
    if (c == '(') {
        o->kind = VT_PDF_STRING;
        end = literal_end(p, len, i);
        if (!end)
            *err = "a string never closes";
    } else if (c == '<') {
        o->kind = VT_PDF_STRING;
        size_t k = i + 1;
        while (k < len && (hexval((unsigned char)p[k]) >= 0 ||
                           is_ws((unsigned char)p[k])))
            k++;
        if (k < len && p[k] == '>')
            end = k + 1;
        else
            *err = "a hex string has a character that is not a hex digit";
    } else if (c == '/') {
        o->kind = VT_PDF_NAME;
        size_t k = i + 1;
        while (k < len && is_regular((unsigned char)p[k]))
            k++;
        end = k;
    } else if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
        return parse_number(a, p, len, pos, err);
    } else if (take_keyword(p, len, &i, "true") ||
               take_keyword(p, len, &i, "false")) {
        o->kind = VT_PDF_BOOL;
        end = i;
    } else if (take_keyword(p, len, &i, "null")) {
        end = i;
    } else {
        *err = "an unexpected token where a value should be";
    }
    if (!end)
        return NULL;
    o->rawlen = end - o->pos;
    *pos = end;
    return o;
}

vt_pdf_obj *vt_pdf_parse_value(vt_arena *a, const char *data, size_t len,
                               size_t *pos, const char **err)
{
    *err = NULL;
    vt_pdf_obj *o = parse_value(a, data, len, pos, 0, err);
    if (!o && !*err)
        *err = "a malformed value";
    return o;
}

int vt_pdf_is_name(const vt_pdf_obj *obj, const char *n)
{
    size_t k = strlen(n);
    return obj && obj->kind == VT_PDF_NAME && obj->rawlen == k + 1 &&
           memcmp(obj->raw + 1, n, k) == 0;
}

vt_pdf_obj *vt_pdf_dict_get(const vt_pdf_obj *dict, const char *key)
{
    if (!dict || dict->kind != VT_PDF_DICT)
        return NULL;
    for (size_t i = 0; i + 1 < dict->n; i += 2)
        if (vt_pdf_is_name(dict->items[i], key))
            return dict->items[i + 1];
    return NULL;
}

int vt_pdf_dict_set(vt_arena *a, vt_pdf_obj *dict, const char *key,
                    vt_pdf_obj *value)
{
    for (size_t i = 0; i + 1 < dict->n; i += 2)
        if (vt_pdf_is_name(dict->items[i], key)) {
            dict->items[i + 1] = value;
            return 0;
        }
    char name[64];
    snprintf(name, sizeof name, "/%s", key);
    vt_pdf_obj *k = vt_pdf_new_raw(a, VT_PDF_NAME, name);
    if (!k || vt_pdf_array_push(a, dict, k) != 0)
        return -1;
    return vt_pdf_array_push(a, dict, value);
}

void vt_pdf_write(vt_buf *b, const vt_pdf_obj *o)
{
    switch (o->kind) {
    case VT_PDF_ARRAY:
        vt_buf_putc(b, '[');
        for (size_t i = 0; i < o->n; i++) {
            if (i)
                vt_buf_putc(b, ' ');
            vt_pdf_write(b, o->items[i]);
        }
        vt_buf_putc(b, ']');
        break;
    case VT_PDF_DICT:
        vt_buf_puts(b, "<<");
        for (size_t i = 0; i + 1 < o->n; i += 2) {
            vt_pdf_write(b, o->items[i]);
            vt_buf_putc(b, ' ');
            vt_pdf_write(b, o->items[i + 1]);
            vt_buf_putc(b, i + 2 < o->n ? '\n' : ' ');
        }
        vt_buf_puts(b, ">>");
        break;
    case VT_PDF_REF:
        vt_buf_printf(b, "%lld %d R", o->num, o->gen);
        break;
    case VT_PDF_NULL:
        if (!o->raw) {
            vt_buf_puts(b, "null");
            break;
        }
        /* fall through */
    default:
        vt_buf_put(b, o->raw, o->rawlen);
        break;
    }
}

unsigned char *vt_pdf_string_bytes(vt_arena *a, const vt_pdf_obj *s,
                                   size_t *len)
{
    *len = 0;
    if (!s || s->kind != VT_PDF_STRING || s->rawlen < 2)
        return NULL;
    unsigned char *out = vt_arena_alloc(a, s->rawlen + 1);
    if (!out)
        return NULL;
    const char *p = s->raw + 1, *end = s->raw + s->rawlen - 1;
    size_t n = 0;
    if (s->raw[0] == '<') {
        int hi = -1;
        for (; p < end; p++) {
            int v = hexval((unsigned char)*p);
            if (v < 0)
                continue;
            if (hi < 0) {
                hi = v;
            } else {
                out[n++] = (unsigned char)(hi << 4 | v);
                hi = -1;
            }
        }
        if (hi >= 0)
            out[n++] = (unsigned char)(hi << 4);
        *len = n;
        return out;
    }
    for (; p < end; p++) {
        if (*p != '\\') {
            out[n++] = (unsigned char)*p;
            continue;
        }
        if (++p >= end)
            break;
        static const char from[] = "nrtbf", to[] = "\n\r\t\b\f";
        const char *f = strchr(from, *p);
        if (f && *p) {
            out[n++] = (unsigned char)to[f - from];
        } else if (*p >= '0' && *p <= '7') {
            int v = 0;
            for (int k = 0; k < 3 && p < end && *p >= '0' && *p <= '7'; k++)
                v = v * 8 + (*p++ - '0');
            p--;
            out[n++] = (unsigned char)v;
        } else if (*p == '\r') {
            if (p + 1 < end && p[1] == '\n')
                p++;
        } else if (*p != '\n') {
            out[n++] = (unsigned char)*p;
        }
    }
    *len = n;
    return out;
}

/* ---- the cross-reference table --------------------------------------- */

/* The offset after "startxref" near the end of the file, or -1. */
static long long find_startxref(const char *p, size_t len)
{
    if (len < 9)
        return -1;
    size_t from = len > 2048 ? len - 2048 : 0;
    for (size_t i = len - 9;; i--) {
        if (memcmp(p + i, "startxref", 9) == 0) {
            size_t pos = i + 9;
            long long off;
            return take_uint(p, len, &pos, &off) ? off : -1;
        }
        if (i == from)
            return -1;
    }
}

static int grow_xref(vt_pdf_doc *doc, size_t n)
{
    if (n <= doc->nxref)
        return 0;
    vt_pdf_xref *x = realloc(doc->xref, n * sizeof *x);
    if (!x)
        return -1;
    memset(x + doc->nxref, 0, (n - doc->nxref) * sizeof *x);
    doc->xref = x;
    doc->nxref = n;
    return 0;
}

/* ---- streams (PDF 1.5 compression) ------------------------------------ */

/* Inflate src into the arena, refusing more than VT_PDF_MAX_STREAM. */
static unsigned char *inflate_all(vt_arena *a, const unsigned char *src,
                                  size_t n, size_t *out_len, const char **err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK) {
        *err = "cannot start zlib";
        return NULL;
    }
    size_t cap = n * 4 + 1024, len = 0;
    if (cap > VT_PDF_MAX_STREAM)
        cap = VT_PDF_MAX_STREAM;
    unsigned char *buf = malloc(cap), *out = NULL;
    z.next_in = (unsigned char *)src;
    z.avail_in = n > UINT32_MAX ? UINT32_MAX : (uInt)n;
    int rc = Z_OK;
    while (buf && rc == Z_OK) {
        if (len == cap) {
            if (cap >= VT_PDF_MAX_STREAM) {
                *err = "a compressed stream inflates past 64 MiB";
                break;
            }
            size_t nc = cap * 2 > VT_PDF_MAX_STREAM ? VT_PDF_MAX_STREAM : cap * 2;
            unsigned char *p = realloc(buf, nc);
            if (!p)
                break;
            buf = p;
            cap = nc;
        }
        z.next_out = buf + len;
        z.avail_out = (uInt)(cap - len);
        rc = inflate(&z, Z_NO_FLUSH);
        len = cap - z.avail_out;
        if (rc == Z_BUF_ERROR && z.avail_out)
            break; /* the input ended early */
        if (rc == Z_BUF_ERROR)
            rc = Z_OK;
    }
    inflateEnd(&z);
    /* a stream cut short still gives what it had, as readers do */
    if (buf && (rc == Z_STREAM_END || (rc == Z_BUF_ERROR && len))) {
        out = vt_arena_alloc(a, len + 1);
        if (out)
            memcpy(out, buf, len);
        *out_len = len;
    } else if (!*err) {
        *err = buf ? "a compressed stream is damaged" : "out of memory";
    }
    free(buf);
    return out;
}

/* Undo the PNG predictors (10 to 15) in place: rows of `columns` bytes,
 * each after a filter-type byte.  Returns the new length, or 0. */
static size_t unpredict(unsigned char *d, size_t len, size_t columns)
{
    size_t row = columns + 1, rows = len / row;
    if (!columns || len % row)
        return 0;
    unsigned char *prev = NULL;
    for (size_t r = 0; r < rows; r++) {
        unsigned char *in = d + r * row, *out = d + r * columns;
        int type = in[0];
        for (size_t i = 0; i < columns; i++) {
            int left = i ? out[i - 1] : 0, up = prev ? prev[i] : 0;
            int ul = i && prev ? prev[i - 1] : 0, x = in[i + 1], v;
            switch (type) {
            case 0: v = x; break;
            case 1: v = x + left; break;
            case 2: v = x + up; break;
            case 3: v = x + (left + up) / 2; break;
            case 4: {
                int p = left + up - ul, pa = abs(p - left), pb = abs(p - up),
                    pc = abs(p - ul);
                v = x + (pa <= pb && pa <= pc ? left : pb <= pc ? up : ul);
                break;
            }
            default: return 0;
            }
            out[i] = (unsigned char)v;
        }
        /* out may overlap the next row's input only behind its read point */
        prev = out;
    }
    return rows * columns;
}

/* The decoded data of the stream whose dictionary is dict and whose
 * "stream" keyword ends at *pos in buf.  Only no filter or FlateDecode
 * (with PNG predictors) are read. */
static unsigned char *stream_data(vt_pdf_doc *doc, const vt_pdf_obj *dict,
                                  const char *buf, size_t buflen, size_t pos,
                                  size_t *out_len, const char **err)
{
    if (pos < buflen && buf[pos] == '\r')
        pos++;
    if (pos < buflen && buf[pos] == '\n')
        pos++;
    vt_pdf_obj *length = vt_pdf_dict_get(dict, "Length");
    if (length && length->kind == VT_PDF_REF) {
        vt_pdf_xref *x = length->num >= 0 && (size_t)length->num < doc->nxref
                             ? &doc->xref[length->num] : NULL;
        /* only an uncompressed object: no chain of streams */
        length = x && !x->compressed ? vt_pdf_get(doc, length->num, NULL) : NULL;
    }
    if (!length || length->kind != VT_PDF_NUM || !length->is_int ||
        length->num < 0 || (unsigned long long)length->num > buflen - pos) {
        *err = "a stream's /Length is missing or runs past the file";
        return NULL;
    }
    size_t n = (size_t)length->num;
    vt_pdf_obj *filter = vt_pdf_dict_get(dict, "Filter");
    vt_pdf_obj *parms = vt_pdf_dict_get(dict, "DecodeParms");
    if (filter && filter->kind == VT_PDF_ARRAY && filter->n == 1)
        filter = filter->items[0];
    if (parms && parms->kind == VT_PDF_ARRAY && parms->n == 1)
        parms = parms->items[0];
    unsigned char *data;
    if (!filter) {
        data = vt_arena_alloc(&doc->arena, n + 1);
        if (data)
            memcpy(data, buf + pos, n);
        *out_len = n;
    } else if (vt_pdf_is_name(filter, "FlateDecode")) {
        data = inflate_all(&doc->arena, (const unsigned char *)buf + pos, n,
                           out_len, err);
    } else {
        *err = "a stream vanthu must read has a filter other than FlateDecode";
        return NULL;
    }
    if (!data) {
        if (!*err)
            *err = "out of memory";
        return NULL;
    }
    vt_pdf_obj *pred = vt_pdf_dict_get(parms, "Predictor");
    if (pred && pred->kind == VT_PDF_NUM && pred->num >= 10) {
        vt_pdf_obj *cols = vt_pdf_dict_get(parms, "Columns");
        vt_pdf_obj *colors = vt_pdf_dict_get(parms, "Colors");
        vt_pdf_obj *bpc = vt_pdf_dict_get(parms, "BitsPerComponent");
        long long c = cols && cols->kind == VT_PDF_NUM ? cols->num : 1;
        if ((colors && colors->num != 1) || (bpc && bpc->num != 8) || c < 1 ||
            c > 1 << 16 || !(*out_len = unpredict(data, *out_len, (size_t)c))) {
            *err = "a stream's predictor is not one vanthu reads";
            return NULL;
        }
    } else if (pred && pred->kind == VT_PDF_NUM && pred->num > 1) {
        *err = "a stream's predictor is not one vanthu reads";
        return NULL;
    }
    return data;
}

static unsigned long long be_field(const unsigned char *p, int w)
{
    unsigned long long v = 0;
    for (int i = 0; i < w; i++)
        v = v << 8 | p[i];
    return v;
}

/* A cross-reference stream at off: its entries and its dictionary, which
 * is also its trailer. */
static vt_error read_xref_stream(vt_pdf_doc *doc, size_t off,
                                 vt_pdf_obj **trailer, const char *name,
                                 vt_diags *d)
{
    const char *err = NULL;
    size_t pos = off;
    long long num, gen;
    vt_pdf_obj *dict = NULL;
    if (take_uint(doc->data, doc->len, &pos, &num) &&
        take_uint(doc->data, doc->len, &pos, &gen) &&
        take_keyword(doc->data, doc->len, &pos, "obj"))
        dict = vt_pdf_parse_value(&doc->arena, doc->data, doc->len, &pos, &err);
    if (!dict || dict->kind != VT_PDF_DICT ||
        !vt_pdf_is_name(vt_pdf_dict_get(dict, "Type"), "XRef") ||
        !take_keyword(doc->data, doc->len, &pos, "stream")) {
        vt_diags_addf(d, "%s: no cross-reference table at offset %zu "
                         "(the file is damaged or not a PDF)", name, off);
        return VT_ERR_PDF;
    }
    size_t n = 0;
    unsigned char *data = stream_data(doc, dict, doc->data, doc->len, pos, &n,
                                      &err);
    vt_pdf_obj *w = vt_pdf_dict_get(dict, "W");
    vt_pdf_obj *size = vt_pdf_dict_get(dict, "Size");
    vt_pdf_obj *index = vt_pdf_dict_get(dict, "Index");
    int wf[3] = {0, 0, 0};
    int ok = data && w && w->kind == VT_PDF_ARRAY && w->n == 3 && size &&
             size->kind == VT_PDF_NUM && size->num >= 0 &&
             size->num <= VT_PDF_MAX_OBJECTS &&
             (!index || (index->kind == VT_PDF_ARRAY && index->n % 2 == 0));
    for (int i = 0; ok && i < 3; i++) {
        ok = w->items[i]->kind == VT_PDF_NUM && w->items[i]->num >= 0 &&
             w->items[i]->num <= 8;
        if (ok)
            wf[i] = (int)w->items[i]->num;
    }
    size_t row = (size_t)(wf[0] + wf[1] + wf[2]);
    if (!ok || row == 0) {
        vt_diags_addf(d, "%s: the cross-reference stream at offset %zu is "
                         "unreadable%s%s", name, off, err ? ": " : "",
                      err ? err : "");
        return VT_ERR_PDF;
    }
    size_t at = 0, pairs = index ? index->n / 2 : 1;
    for (size_t k = 0; k < pairs; k++) {
        long long start = index ? index->items[2 * k]->num : 0;
        long long count = index ? index->items[2 * k + 1]->num : size->num;
        if (start < 0 || count < 0 || start + count > VT_PDF_MAX_OBJECTS ||
            (unsigned long long)count > (n - at) / row) {
            vt_diags_addf(d, "%s: the cross-reference stream at offset %zu "
                             "claims more entries than it holds", name, off);
            return VT_ERR_PDF;
        }
        if (grow_xref(doc, (size_t)(start + count)) != 0)
            return VT_ERR_NOMEM;
        for (long long i = 0; i < count; i++, at += row) {
            const unsigned char *e = data + at;
            unsigned long long type = wf[0] ? be_field(e, wf[0]) : 1;
            unsigned long long f2 = be_field(e + wf[0], wf[1]);
            unsigned long long f3 = be_field(e + wf[0] + wf[1], wf[2]);
            vt_pdf_xref *x = &doc->xref[start + i];
            if (x->known)
                continue;
            x->known = 1;
            if (type == 1) {
                x->used = f2 < doc->len;
                x->offset = (size_t)f2;
                x->gen = f3 <= 65535 ? (int)f3 : 0;
            } else if (type == 2) {
                x->used = f2 < VT_PDF_MAX_OBJECTS;
                x->compressed = 1;
                x->offset = (size_t)f2;
                x->index = (size_t)f3;
            }
        }
    }
    *trailer = dict;
    return VT_OK;
}

/* One classic section at off: its entries (older sections never override
 * newer ones) and its trailer. */
static vt_error read_section(vt_pdf_doc *doc, size_t off, vt_pdf_obj **trailer,
                             const char *name, vt_diags *d)
{
    const char *p = doc->data;
    size_t len = doc->len, pos = off;
    long long first, count;
    if (!take_keyword(p, len, &pos, "xref")) {
        if (off == doc->startxref)
            doc->xref_stream = 1;
        return read_xref_stream(doc, off, trailer, name, d);
    }
    for (;;) {
        size_t at = pos;
        if (take_keyword(p, len, &pos, "trailer"))
            break;
        if (!take_uint(p, len, &pos, &first) || !take_uint(p, len, &pos, &count) ||
            first + count > VT_PDF_MAX_OBJECTS) {
            vt_diags_addf(d, "%s: a malformed cross-reference table at offset "
                             "%zu", name, at);
            return VT_ERR_PDF;
        }
        /* each entry takes 20 bytes: a count past the file is a lie */
        if ((unsigned long long)count > (len - pos) / 18 + 1) {
            vt_diags_addf(d, "%s: a cross-reference table at offset %zu "
                             "claims more entries than the file holds", name, at);
            return VT_ERR_PDF;
        }
        if (grow_xref(doc, (size_t)(first + count)) != 0)
            return VT_ERR_NOMEM;
        for (long long k = 0; k < count; k++) {
            long long o, g;
            int used;
            if (!take_uint(p, len, &pos, &o) || !take_uint(p, len, &pos, &g) ||
                g > 65535) {
                vt_diags_addf(d, "%s: a malformed cross-reference entry near "
                                 "offset %zu", name, pos);
                return VT_ERR_PDF;
            }
            if (take_keyword(p, len, &pos, "n")) {
                used = 1;
            } else if (take_keyword(p, len, &pos, "f")) {
                used = 0;
            } else {
                vt_diags_addf(d, "%s: a cross-reference entry near offset %zu "
                                 "is neither n nor f", name, pos);
                return VT_ERR_PDF;
            }
            vt_pdf_xref *x = &doc->xref[first + k];
            if (x->known)
                continue;
            x->known = 1;
            x->used = used && (size_t)o < len;
            x->offset = (size_t)o;
            x->gen = (int)g;
        }
    }
    const char *err;
    *trailer = vt_pdf_parse_value(&doc->arena, p, len, &pos, &err);
    if (!*trailer || (*trailer)->kind != VT_PDF_DICT) {
        vt_diags_addf(d, "%s: the trailer at offset %zu is not a dictionary%s%s",
                      name, off, *trailer ? "" : ": ", *trailer ? "" : err);
        return VT_ERR_PDF;
    }
    return VT_OK;
}

vt_error vt_pdf_open(const char *name, const char *data, size_t len,
                     vt_pdf_doc *doc, vt_diags *d)
{
    memset(doc, 0, sizeof *doc);
    doc->data = data;
    doc->len = len;
    vt_arena_init(&doc->arena);
    if (len < 8 || memcmp(data, "%PDF-", 5) != 0) {
        vt_diags_addf(d, "%s: not a PDF (it does not start with %%PDF-)", name);
        return VT_ERR_PDF;
    }
    long long sx = find_startxref(data, len);
    if (sx < 0 || (unsigned long long)sx >= len) {
        vt_diags_addf(d, "%s: no valid startxref at the end of the file (the "
                         "PDF is truncated or damaged)", name);
        return VT_ERR_PDF;
    }
    doc->startxref = (size_t)sx;
    size_t off = (size_t)sx, seen[VT_PDF_MAX_SECTIONS];
    for (size_t n = 0;; n++) {
        if (n == VT_PDF_MAX_SECTIONS) {
            vt_diags_addf(d, "%s: more than %d cross-reference sections", name,
                          VT_PDF_MAX_SECTIONS);
            return VT_ERR_PDF;
        }
        for (size_t k = 0; k < n; k++)
            if (seen[k] == off) {
                vt_diags_addf(d, "%s: the cross-reference sections loop (/Prev "
                                 "%zu comes twice)", name, off);
                return VT_ERR_PDF;
            }
        seen[n] = off;
        vt_pdf_obj *tr = NULL;
        vt_error rc = read_section(doc, off, &tr, name, d);
        if (rc != VT_OK)
            return rc;
        if (!doc->trailer)
            doc->trailer = tr;
        /* A hybrid file (/XRefStm, as some office suites write) keeps in its classic
         * tables everything a reader without PDF 1.5 needs, the catalog
         * and pages included; the compressed rest stays out of reach, and
         * a needed object found only there is reported as missing.  The
         * update's own section chains to this one by /Prev, where PDF 1.5
         * readers still find the stream. */
        if (vt_pdf_dict_get(tr, "XRefStm"))
            doc->hybrid = 1;
        vt_pdf_obj *prev = vt_pdf_dict_get(tr, "Prev");
        if (!prev)
            break;
        if (prev->kind != VT_PDF_NUM || !prev->is_int || prev->num < 0 ||
            (unsigned long long)prev->num >= len) {
            vt_diags_addf(d, "%s: a trailer's /Prev points outside the file", name);
            return VT_ERR_PDF;
        }
        off = (size_t)prev->num;
    }
    if (vt_pdf_dict_get(doc->trailer, "Encrypt")) {
        vt_diags_addf(d, "%s: the PDF is encrypted; vanthu cannot sign it", name);
        return VT_ERR_PDF;
    }
    vt_pdf_obj *size = vt_pdf_dict_get(doc->trailer, "Size");
    if (!size || size->kind != VT_PDF_NUM || !size->is_int || size->num < 1 ||
        size->num > VT_PDF_MAX_OBJECTS) {
        vt_diags_addf(d, "%s: the trailer has no valid /Size", name);
        return VT_ERR_PDF;
    }
    doc->size = size->num;
    if (doc->arena.oom)
        return VT_ERR_NOMEM;
    return VT_OK;
}

void vt_pdf_close(vt_pdf_doc *doc)
{
    if (!doc)
        return;
    vt_arena_free(&doc->arena);
    free(doc->xref);
    memset(doc, 0, sizeof *doc);
}

/* An uncompressed object's value at its offset; pos is left after it. */
static vt_pdf_obj *get_direct(vt_pdf_doc *doc, long long num, size_t *pos)
{
    if (num < 0 || (size_t)num >= doc->nxref || !doc->xref[num].used ||
        doc->xref[num].compressed)
        return NULL;
    *pos = doc->xref[num].offset;
    long long n, g;
    if (!take_uint(doc->data, doc->len, pos, &n) || n != num ||
        !take_uint(doc->data, doc->len, pos, &g) ||
        !take_keyword(doc->data, doc->len, pos, "obj"))
        return NULL;
    const char *err;
    return vt_pdf_parse_value(&doc->arena, doc->data, doc->len, pos, &err);
}

/* Object stream snum, decoded once and kept in a small cache. */
static const vt_pdf_objstm *load_objstm(vt_pdf_doc *doc, long long snum)
{
    size_t slots = sizeof doc->stm_cache / sizeof doc->stm_cache[0];
    for (size_t i = 0; i < slots; i++)
        if (doc->stm_cache[i].data && doc->stm_cache[i].num == snum)
            return &doc->stm_cache[i];
    size_t pos;
    vt_pdf_obj *dict = get_direct(doc, snum, &pos);
    if (!dict || dict->kind != VT_PDF_DICT ||
        !vt_pdf_is_name(vt_pdf_dict_get(dict, "Type"), "ObjStm") ||
        !take_keyword(doc->data, doc->len, &pos, "stream"))
        return NULL;
    vt_pdf_obj *n = vt_pdf_dict_get(dict, "N");
    vt_pdf_obj *first = vt_pdf_dict_get(dict, "First");
    const char *err = NULL;
    size_t len = 0;
    unsigned char *data = stream_data(doc, dict, doc->data, doc->len, pos,
                                      &len, &err);
    if (!data || !n || n->kind != VT_PDF_NUM || n->num < 0 || !first ||
        first->kind != VT_PDF_NUM || first->num < 0 ||
        (unsigned long long)first->num > len ||
        (unsigned long long)n->num > len)
        return NULL;
    vt_pdf_objstm *c = &doc->stm_cache[doc->stm_next++ % slots];
    *c = (vt_pdf_objstm){snum, (const char *)data, len, (size_t)first->num,
                         (size_t)n->num};
    return c;
}

/* Object num, stored at position x->index of an object stream. */
static vt_pdf_obj *get_compressed(vt_pdf_doc *doc, long long num,
                                  const vt_pdf_xref *x)
{
    const vt_pdf_objstm *stm = load_objstm(doc, (long long)x->offset);
    if (!stm || x->index >= stm->n)
        return NULL;
    size_t pos = 0;
    long long on = -1, oo = 0;
    for (size_t i = 0; i <= x->index; i++)
        if (!take_uint(stm->data, stm->first, &pos, &on) ||
            !take_uint(stm->data, stm->first, &pos, &oo))
            return NULL;
    if (on != num || (unsigned long long)oo >= stm->len - stm->first)
        return NULL;
    pos = stm->first + (size_t)oo;
    const char *err;
    return vt_pdf_parse_value(&doc->arena, stm->data, stm->len, &pos, &err);
}

vt_pdf_obj *vt_pdf_get(vt_pdf_doc *doc, long long num, int *stream)
{
    if (stream)
        *stream = 0;
    if (num < 0 || (size_t)num >= doc->nxref || !doc->xref[num].used)
        return NULL;
    if (doc->xref[num].compressed)
        return get_compressed(doc, num, &doc->xref[num]);
    size_t pos;
    vt_pdf_obj *o = get_direct(doc, num, &pos);
    if (o && stream)
        *stream = take_keyword(doc->data, doc->len, &pos, "stream");
    return o;
}

vt_pdf_obj *vt_pdf_resolve(vt_pdf_doc *doc, vt_pdf_obj *obj)
{
    if (obj && obj->kind == VT_PDF_REF)
        return vt_pdf_get(doc, obj->num, NULL);
    return obj;
}

long long vt_pdf_first_page(vt_pdf_doc *doc, vt_pdf_obj **page, vt_diags *d,
                            const char *name)
{
    *page = NULL;
    vt_pdf_obj *root = vt_pdf_resolve(doc, vt_pdf_dict_get(doc->trailer, "Root"));
    vt_pdf_obj *node = vt_pdf_dict_get(root, "Pages");
    for (int depth = 0; depth < VT_PDF_MAX_TREE; depth++) {
        if (!node || node->kind != VT_PDF_REF)
            break;
        long long num = node->num;
        vt_pdf_obj *dict = vt_pdf_get(doc, num, NULL);
        if (!dict || dict->kind != VT_PDF_DICT)
            break;
        if (vt_pdf_is_name(vt_pdf_dict_get(dict, "Type"), "Page")) {
            *page = dict;
            return num;
        }
        vt_pdf_obj *kids = vt_pdf_resolve(doc, vt_pdf_dict_get(dict, "Kids"));
        if (!kids || kids->kind != VT_PDF_ARRAY || kids->n == 0)
            break;
        node = kids->items[0];
    }
    vt_diags_addf(d, "%s: the PDF has no first page that vanthu can find "
                     "(%s)", name, doc->hybrid ? "some objects are in its PDF "
                     "1.5 compressed part, which vanthu does not read: qpdf "
                     "--object-streams=disable" : "a damaged page tree");
    return -1;
}
