/*
 * buf.c - growable buffers, the plan arena and whole-file reading.
 *
 * Buffers double their capacity so appends are amortised O(1); the arena
 * hands out memory from 64 KiB blocks because a plan is thousands of small
 * strings that all die together.
 */
#include "base/buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

void vt_buf_init(vt_buf *b) { memset(b, 0, sizeof *b); }

/* What a buffer that never got memory holds: callers check oom once at
 * the end, and until then may pass .data on, so under a memory limit it
 * must read as "" rather than NULL.  Never written (cap stays 0). */
static char no_memory[1];

static int fail(vt_buf *b)
{
    b->oom = 1;
    if (!b->data)
        b->data = no_memory;
    return -1;
}

void vt_buf_free(vt_buf *b)
{
    if (b->cap)
        free(b->data);
    memset(b, 0, sizeof *b);
}

void vt_buf_reset(vt_buf *b)
{
    b->len = 0;
    if (b->cap)
        b->data[0] = '\0';
}

/* Make room for extra bytes plus the terminating NUL. */
int vt_buf_reserve(vt_buf *b, size_t extra)
{
    if (b->oom)
        return fail(b);
    if (extra > SIZE_MAX / 2 - b->len)
        return fail(b);
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->cap ? b->data : NULL, cap);
    if (!p)
        return fail(b);
    b->data = p;
    b->cap = cap;
    return 0;
}

void vt_buf_put(vt_buf *b, const char *s, size_t n)
{
    if (vt_buf_reserve(b, n) != 0)
        return;
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void vt_buf_puts(vt_buf *b, const char *s) { vt_buf_put(b, s, strlen(s)); }

void vt_buf_putc(vt_buf *b, char c) { vt_buf_put(b, &c, 1); }

/* The rest of a format through vsnprintf, for conversions the direct
 * path below does not know (floats, hex, left-justified fields). */
__attribute__((format(printf, 2, 0)))
static void slow_printf(vt_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        fail(b);
        return;
    }
    if (vt_buf_reserve(b, (size_t)n) != 0)
        return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

/* An integer in decimal in a field of width (negative: left-aligned),
 * padded with pad ('0' or ' '), as printf's %d and %u write it. */
static void put_int(vt_buf *b, unsigned long long mag, int neg, int width,
                    char pad)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag);
    int len = n + neg, left = width < 0;
    width = left ? -width : width;
    if (left)
        pad = ' ';
    if (neg && pad == '0')
        vt_buf_putc(b, '-');
    for (; !left && width > len; width--)
        vt_buf_putc(b, pad);
    if (neg && pad != '0')
        vt_buf_putc(b, '-');
    while (n)
        vt_buf_putc(b, tmp[--n]);
    for (; left && width > len; width--)
        vt_buf_putc(b, ' ');
}

/* One conversion as the direct path reads it. */
typedef struct {
    char pad;       /* '0' or ' ' */
    int star_width; /* width comes from an int argument */
    int width;
    int prec;       /* -1 none, -2 from an int argument */
    int lng;        /* 0, 1 (l), 2 (ll), 3 (z) */
    char conv;
    const char *end; /* just past the conversion */
} spec;

/* Parse the conversion after '%' at q; 0 when the direct path can
 * write it, -1 when it is left to vsnprintf.  No argument is taken. */
static int parse_spec(const char *q, spec *sp)
{
    *sp = (spec){' ', 0, 0, -1, 0, 0, NULL};
    if (*q == '0') {
        sp->pad = '0';
        q++;
    }
    if (*q == '*') {
        sp->star_width = 1;
        q++;
    } else {
        while (*q >= '0' && *q <= '9' && sp->width < 10000)
            sp->width = sp->width * 10 + (*q++ - '0');
    }
    if (*q == '.') {
        q++;
        if (*q == '*') {
            sp->prec = -2;
            q++;
        } else {
            sp->prec = 0;
            while (*q >= '0' && *q <= '9' && sp->prec < 10000)
                sp->prec = sp->prec * 10 + (*q++ - '0');
        }
    }
    if (*q == 'z') {
        sp->lng = 3;
        q++;
    } else {
        while (*q == 'l' && sp->lng < 2) {
            sp->lng++;
            q++;
        }
    }
    sp->conv = *q;
    sp->end = q + 1;
    int plain = sp->pad == ' ' && !sp->star_width && !sp->width &&
                sp->prec == -1 && !sp->lng;
    switch (sp->conv) {
    case '%':
    case 'c':
        return plain ? 0 : -1;
    case 's':
        return sp->pad == ' ' && !sp->star_width && !sp->width && !sp->lng
                   ? 0 : -1;
    case 'd':
    case 'i':
    case 'u':
        return sp->prec == -1 ? 0 : -1;
    default:
        return -1;
    }
}

/* printf into the buffer.  Documents are built from thousands of small
 * formatted appends ("<w:ind w:left=\"%d\"/>"), and glibc's vsnprintf
 * sets up a whole FILE for each, twice (size, then write): that was a
 * sixth of a batch's CPU.  The conversions vanthu uses (%s %.*s %c %d %i
 * %u with l/ll/z and a 0 or * width) are appended directly; the first
 * other one hands the rest of the format to vsnprintf, so the result is
 * always what printf would write. */
void vt_buf_vprintf(vt_buf *b, const char *fmt, va_list ap)
{
    const char *p = fmt;
    for (;;) {
        const char *pct = strchr(p, '%');
        if (!pct) {
            vt_buf_puts(b, p);
            return;
        }
        vt_buf_put(b, p, (size_t)(pct - p));
        spec sp;
        if (parse_spec(pct + 1, &sp) != 0) {
            /* the rest of the caller's checked format, from this '%' */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
            slow_printf(b, pct, ap);
#pragma GCC diagnostic pop
            return;
        }
        int width = sp.star_width ? va_arg(ap, int) : sp.width;
        if (sp.conv == '%') {
            vt_buf_putc(b, '%');
        } else if (sp.conv == 'c') {
            vt_buf_putc(b, (char)va_arg(ap, int));
        } else if (sp.conv == 's') {
            int prec = sp.prec == -2 ? va_arg(ap, int) : sp.prec;
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            vt_buf_put(b, str, prec < 0 ? strlen(str)
                                        : strnlen(str, (size_t)prec));
        } else if (sp.conv == 'u') {
            unsigned long long v = sp.lng == 3   ? va_arg(ap, size_t)
                                   : sp.lng == 2 ? va_arg(ap, unsigned long long)
                                   : sp.lng == 1 ? va_arg(ap, unsigned long)
                                                 : va_arg(ap, unsigned);
            put_int(b, v, 0, width, sp.pad);
        } else {
            long long v = sp.lng == 3   ? (long long)va_arg(ap, ssize_t)
                          : sp.lng == 2 ? va_arg(ap, long long)
                          : sp.lng == 1 ? va_arg(ap, long)
                                        : va_arg(ap, int);
            unsigned long long mag = v < 0 ? 0ull - (unsigned long long)v
                                           : (unsigned long long)v;
            put_int(b, mag, v < 0, width, sp.pad);
        }
        p = sp.end;
    }
}

void vt_buf_printf(vt_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vt_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void vt_buf_join(vt_buf *b, const char *const *v, size_t n, const char *sep)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            vt_buf_puts(b, sep);
        vt_buf_puts(b, v[i]);
    }
}

char *vt_buf_take(vt_buf *b)
{
    if (b->oom) {
        vt_buf_free(b);
        return NULL;
    }
    if (!b->data && vt_buf_reserve(b, 0) != 0)
        return NULL;
    char *p = b->data;
    memset(b, 0, sizeof *b);
    return p;
}

struct vt_arena_block {
    vt_arena_block *next;
    size_t used, size;
    max_align_t data[];
};

enum { ARENA_BLOCK = 64 * 1024 };

void vt_arena_init(vt_arena *a) { memset(a, 0, sizeof *a); }

void vt_arena_free(vt_arena *a)
{
    vt_arena_block *blk = a->head;
    while (blk) {
        vt_arena_block *next = blk->next;
        free(blk);
        blk = next;
    }
    memset(a, 0, sizeof *a);
}

void *vt_arena_alloc(vt_arena *a, size_t n)
{
    size_t align = sizeof(max_align_t);
    if (n > SIZE_MAX - align) {
        a->oom = 1;
        return NULL;
    }
    n = (n + align - 1) / align * align;
    vt_arena_block *blk = a->head;
    if (!blk || blk->size - blk->used < n) {
        size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        blk = malloc(sizeof *blk + size);
        if (!blk) {
            a->oom = 1;
            return NULL;
        }
        blk->used = 0;
        blk->size = size;
        blk->next = a->head;
        a->head = blk;
    }
    void *p = (char *)blk->data + blk->used;
    blk->used += n;
    memset(p, 0, n);
    return p;
}

char *vt_arena_strndup(vt_arena *a, const char *s, size_t n)
{
    char *p = vt_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *vt_arena_strdup(vt_arena *a, const char *s)
{
    return vt_arena_strndup(a, s, strlen(s));
}

int vt_read_file(const char *path, size_t max_bytes, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    vt_buf b;
    vt_buf_init(&b);
    char chunk[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (b.len + n > max_bytes) {
            rc = -2;
            break;
        }
        vt_buf_put(&b, chunk, n);
        if (b.oom) {
            errno = ENOMEM;
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(fp)) {
        if (!errno)
            errno = EIO;
        rc = -1;
    }
    fclose(fp);
    if (rc != 0) {
        vt_buf_free(&b);
        return rc;
    }
    *len = b.len;
    *data = vt_buf_take(&b);
    if (!*data) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

/* Length of the blank or invisible character at s (white space, a
 * control, a Unicode space, a zero-width or direction mark), 0 if s
 * starts with anything else. */
static size_t csv_blank(const unsigned char *s)
{
    if (*s && *s <= 0x20)
        return 1;
    if (s[0] == 0xC2 && (s[1] == 0xA0 || s[1] == 0x85 || s[1] == 0xAD))
        return 2;
    if (s[0] == 0xE1 && ((s[1] == 0x9A && s[2] == 0x80) ||
                         (s[1] == 0xA0 && s[2] == 0x8E)))
        return 3;
    if (s[0] == 0xE2 && ((s[1] == 0x80 && ((s[2] >= 0x80 && s[2] <= 0x8F) ||
                                           (s[2] >= 0xA8 && s[2] <= 0xAF))) ||
                         (s[1] == 0x81 && s[2] >= 0x9F && s[2] <= 0xAF)))
        return 3;
    if ((s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) ||
        (s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF))
        return 3;
    return 0;
}

/* 1 if a spreadsheet could take the cell for a formula: it starts with
 * = + - @ (or their full-width forms), after any blanks a spreadsheet
 * may skip, or starts with a tab or carriage return at all. */
static int csv_formula(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    if (*s == '\t' || *s == '\r')
        return 1;
    for (size_t n; (n = csv_blank(s)) > 0;)
        s += n;
    if (*s == '=' || *s == '+' || *s == '-' || *s == '@')
        return 1;
    return s[0] == 0xEF && s[1] == 0xBC &&
           (s[2] == 0x9D || s[2] == 0x8B || s[2] == 0x8D || s[2] == 0xA0);
}

void vt_buf_csv_cell(vt_buf *b, const char *s, int last)
{
    /* a cell starting like a formula is run by spreadsheets (CSV
     * injection): a leading apostrophe makes it text */
    int formula = csv_formula(s);
    vt_buf_putc(b, '"');
    if (formula)
        vt_buf_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '"')
            vt_buf_putc(b, '"');
        vt_buf_putc(b, *s);
    }
    vt_buf_puts(b, last ? "\"\r\n" : "\",");
}
