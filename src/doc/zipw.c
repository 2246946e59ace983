/*
 * zipw.c - the zip writer of zipw.h: local headers and data appended to
 * the caller's buffer as entries come, the central directory gathered on
 * the side and appended at the end, every field little-endian as
 * APPNOTE.TXT (4.3) lays it out.  Nothing in the bytes depends on the
 * clock, the time zone or the machine.
 */
#include "doc/zipw.h"

#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

struct vt_zipw {
    struct libdeflate_compressor *c;
    vt_buf *out;
    vt_buf cd;     /* central directory records so far */
    size_t start;  /* where the package begins in out */
    size_t count;  /* entries so far */
    int err;       /* sticky: a limit was passed or memory ran out */
    /* the entry added last, for vt_zipw_last */
    uint16_t last_method;
    uint32_t last_crc, last_comp;
    size_t last_data; /* offset of its compressed bytes in out */
};

enum {
    LOCAL_SIG = 0x04034b50,
    CENTRAL_SIG = 0x02014b50,
    END_SIG = 0x06054b50,
    LOCAL_LEN = 30,
    CENTRAL_LEN = 46,
    END_LEN = 22,
    VERSION_NEEDED = 20,          /* 2.0: deflate */
    VERSION_MADE = (3 << 8) | 20, /* Unix, 2.0: the mode below is read */
    FLAG_UTF8 = 1 << 11,          /* the name is UTF-8 (APPNOTE 4.4.4) */
};

/* -rw-r--r--, a regular file, in the high half of the external attributes */
#define EXTERNAL_ATTR ((uint32_t)0100644 << 16)

vt_zipw *vt_zipw_new(int level)
{
    vt_zipw *z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    z->c = libdeflate_alloc_compressor(level);
    if (!z->c) {
        free(z);
        return NULL;
    }
    vt_buf_init(&z->cd);
    return z;
}

void vt_zipw_free(vt_zipw *z)
{
    if (!z)
        return;
    libdeflate_free_compressor(z->c);
    vt_buf_free(&z->cd);
    free(z);
}

uint32_t vt_zipw_crc32(const void *data, size_t len)
{
    return libdeflate_crc32(0, data, len);
}

void vt_zipw_begin(vt_zipw *z, vt_buf *out)
{
    z->out = out;
    z->start = out->len;
    z->count = 0;
    z->err = 0;
    vt_buf_reset(&z->cd);
    z->last_data = 0;
}

static void put16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

/* The length of the UTF-8 sequence at s (at most n bytes), or 0 if it is
 * not one: overlong forms, surrogates and code points past U+10FFFF are
 * not UTF-8 (RFC 3629). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2
                 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
        (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
        return 0;
    return len;
}

/* A name past ASCII that is valid UTF-8 is flagged so (APPNOTE 4.4.4), as
 * libzip does, so Word and unzip read Vietnamese part names the same; a
 * name that is not valid UTF-8 is left unflagged, since readers (libzip
 * among them) refuse a flagged name that does not decode. */
static uint16_t name_flags(const char *name, size_t len)
{
    const unsigned char *s = (const unsigned char *)name;
    int wide = 0;
    for (size_t i = 0; i < len;) {
        size_t k = utf8_seq(s + i, len - i);
        if (k == 0)
            return 0;
        wide |= k > 1;
        i += k;
    }
    return wide ? FLAG_UTF8 : 0;
}

typedef struct {
    uint16_t method, flags;
    uint32_t crc, comp, size, offset;
} entry;

/* The fields a local header and a central record share, from "version
 * needed" to the extra field's length, at p (26 bytes). */
static void common_fields(unsigned char *p, const entry *e, size_t name_len)
{
    put16(p, VERSION_NEEDED);
    put16(p + 2, e->flags);
    put16(p + 4, e->method);
    put16(p + 6, VT_ZIPW_DOS_TIME);
    put16(p + 8, VT_ZIPW_DOS_DATE);
    put32(p + 10, e->crc);
    put32(p + 14, e->comp);
    put32(p + 18, e->size);
    put16(p + 22, (uint32_t)name_len);
    put16(p + 24, 0);
}

static void central_record(vt_zipw *z, const char *name, size_t nl,
                           const entry *e)
{
    unsigned char h[CENTRAL_LEN];
    put32(h, CENTRAL_SIG);
    put16(h + 4, VERSION_MADE);
    common_fields(h + 6, e, nl);
    put16(h + 32, 0); /* comment length */
    put16(h + 34, 0); /* disk */
    put16(h + 36, 0); /* internal attributes */
    put32(h + 38, EXTERNAL_ATTR);
    put32(h + 42, e->offset);
    vt_buf_put(&z->cd, (const char *)h, sizeof h);
    vt_buf_put(&z->cd, name, nl);
}

/* Room for an entry's header and name, checked against zip's 32-bit
 * limits; returns the package offset of the header, or -1. */
static int64_t open_entry(vt_zipw *z, size_t nl, size_t data_max)
{
    if (z->err || nl > 0xffff || z->count >= 0xffff)
        goto bad;
    size_t at = z->out->len - z->start;
    if (at > 0xffffffffu - LOCAL_LEN - nl ||
        data_max > 0xffffffffu - LOCAL_LEN - nl - at)
        goto bad;
    if (vt_buf_reserve(z->out, LOCAL_LEN + nl + data_max) != 0)
        goto bad;
    return (int64_t)at;
bad:
    z->err = 1;
    return -1;
}

/* Write the local header of e at its offset (room was reserved). */
static void local_header(vt_zipw *z, const char *name, size_t nl,
                         const entry *e)
{
    unsigned char *p = (unsigned char *)z->out->data + z->start + e->offset;
    put32(p, LOCAL_SIG);
    common_fields(p + 4, e, nl);
    memcpy(p + LOCAL_LEN, name, nl);
}

/* Header, name and central record of an entry whose data is in place. */
static void close_entry(vt_zipw *z, const char *name, size_t nl,
                        const entry *e)
{
    local_header(z, name, nl, e);
    z->last_method = e->method;
    z->last_crc = e->crc;
    z->last_comp = e->comp;
    z->last_data = z->start + e->offset + LOCAL_LEN + nl;
    z->out->len = z->last_data + e->comp;
    z->out->data[z->out->len] = '\0';
    central_record(z, name, nl, e);
    if (z->cd.oom)
        z->err = 1;
    z->count++;
}

void vt_zipw_add_raw(vt_zipw *z, const char *name, uint16_t method,
                     uint32_t crc, const void *comp, size_t comp_len,
                     uint64_t size)
{
    size_t nl = strlen(name);
    if (size > 0xffffffffu) {
        z->err = 1;
        return;
    }
    int64_t at = open_entry(z, nl, comp_len);
    if (at < 0)
        return;
    entry e = {method, name_flags(name, nl), crc, (uint32_t)comp_len,
               (uint32_t)size, (uint32_t)at};
    if (comp_len)
        memcpy(z->out->data + z->start + at + LOCAL_LEN + nl, comp, comp_len);
    close_entry(z, name, nl, &e);
}

void vt_zipw_add(vt_zipw *z, const char *name, const void *data, size_t len,
                 int deflate)
{
    size_t nl = strlen(name);
    size_t bound = deflate ? libdeflate_deflate_compress_bound(z->c, len) : 0;
    int64_t at = open_entry(z, nl, bound > len ? bound : len);
    if (at < 0)
        return;
    if (len > 0xffffffffu) {
        z->err = 1;
        return;
    }
    entry e = {VT_ZIP_STORE, name_flags(name, nl), vt_zipw_crc32(data, len),
               (uint32_t)len, (uint32_t)len, (uint32_t)at};
    char *dst = z->out->data + z->start + at + LOCAL_LEN + nl;
    size_t got = deflate && len ? libdeflate_deflate_compress(z->c, data, len,
                                                              dst, len - 1)
                                : 0;
    if (got) {
        e.method = VT_ZIP_DEFLATE;
        e.comp = (uint32_t)got;
    } else if (len) {
        memcpy(dst, data, len); /* deflate would not have made it smaller */
    }
    close_entry(z, name, nl, &e);
}

int vt_zipw_last(const vt_zipw *z, uint16_t *method, uint32_t *crc,
                 const void **comp, size_t *comp_len)
{
    if (z->err || z->count == 0)
        return -1;
    *method = z->last_method;
    *crc = z->last_crc;
    *comp = z->out->data + z->last_data;
    *comp_len = z->last_comp;
    return 0;
}

int vt_zipw_end(vt_zipw *z)
{
    size_t cd_at = z->out->len - z->start;
    if (z->err || cd_at > 0xffffffffu || z->cd.len > 0xffffffffu - cd_at ||
        vt_buf_reserve(z->out, z->cd.len + END_LEN) != 0)
        return -1;
    vt_buf_put(z->out, z->cd.data ? z->cd.data : "", z->cd.len);
    unsigned char e[END_LEN];
    put32(e, END_SIG);
    put16(e + 4, 0); /* this disk */
    put16(e + 6, 0); /* the disk where the directory starts */
    put16(e + 8, (uint32_t)z->count);
    put16(e + 10, (uint32_t)z->count);
    put32(e + 12, (uint32_t)z->cd.len);
    put32(e + 16, (uint32_t)cd_at);
    put16(e + 20, 0); /* comment length */
    vt_buf_put(z->out, (const char *)e, sizeof e);
    return z->out->oom ? -1 : 0;
}
