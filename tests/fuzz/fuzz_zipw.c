/*
 * fuzz_zipw.c - the zip writer (zipw.c): whatever names and bytes it is
 * given, the package it writes must read back, through libzip, as exactly
 * those entries with matching CRCs, and copying its deflated entries raw
 * into a second package (as docx.c copies a template's parts) must give
 * the same entries again.  Writing twice must give the same bytes.
 *
 * Input: entries separated by the byte 0xff; in each, the bytes up to the
 * first 0xfe are the name (cut to printable, non-empty, unique by a
 * number prefix) and the rest the data; the first byte of the data says
 * whether to deflate it (odd) or store it (even).
 */
#include "fuzz.h"

#include <string.h>
#include <zip.h>

#include "doc/zipw.h"

enum { MAX_ENTRIES = 64 };

typedef struct {
    char name[96];
    const uint8_t *data;
    size_t len;
    int deflate;
} fz_entry;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

/* Split the input into entries; returns how many. */
static size_t split(const uint8_t *p, size_t n, fz_entry *e)
{
    size_t count = 0, at = 0;
    while (at <= n && count < MAX_ENTRIES) {
        const uint8_t *end = memchr(p + at, 0xff, n - at);
        size_t stop = end ? (size_t)(end - p) : n;
        const uint8_t *cut = memchr(p + at, 0xfe, stop - at);
        size_t name_end = cut ? (size_t)(cut - p) : at;
        fz_entry *x = &e[count];
        int k = snprintf(x->name, sizeof x->name, "%02zu-", count);
        for (size_t i = at; i < name_end && k < (int)sizeof x->name - 1; i++)
            /* bytes past ASCII are kept: a UTF-8 (or not) name */
            x->name[k++] = p[i] >= 0x20 && p[i] != 0x7f ? (char)p[i] : '_';
        x->name[k] = '\0';
        x->data = cut ? cut + 1 : p + at;
        x->len = stop - (size_t)(x->data - p);
        x->deflate = x->len && (x->data[0] & 1);
        count++;
        if (!end)
            break;
        at = stop + 1;
    }
    return count;
}

/* Every entry of pkg must be e's, in order, with its data. */
static void check_reads_back(const vt_buf *pkg, const fz_entry *e, size_t n)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *s = zip_source_buffer_create(pkg->data, pkg->len, 0, &ze);
    CHECK(s, "zip source");
    zip_t *z = zip_open_from_source(s, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    CHECK(z, "libzip opens the package");
    CHECK(zip_get_num_entries(z, 0) == (zip_int64_t)n, "entry count");
    for (size_t i = 0; i < n; i++) {
        zip_stat_t st;
        CHECK(zip_stat_index(z, i, ZIP_FL_ENC_RAW, &st) == 0, "stat");
        CHECK(strcmp(st.name, e[i].name) == 0, "entry name");
        CHECK(st.size == e[i].len, "entry size");
        CHECK(st.mtime != 0, "entry time");
        char *buf = malloc(e[i].len + 1);
        CHECK(buf, "memory");
        zip_file_t *f = zip_fopen_index(z, i, 0);
        CHECK(f, "entry opens");
        /* libzip checks the CRC when the data ends */
        zip_int64_t got = zip_fread(f, buf, e[i].len + 1);
        CHECK(got == (zip_int64_t)e[i].len, "entry reads whole, CRC matches");
        CHECK(e[i].len == 0 || memcmp(buf, e[i].data, e[i].len) == 0,
              "entry data");
        zip_fclose(f);
        free(buf);
    }
    zip_close(z);
    zip_error_fini(&ze);
}

/* A second package made of pkg's entries copied raw, as docx.c does. */
static void copy_raw(const vt_buf *pkg, vt_zipw *w, vt_buf *out)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *s = zip_source_buffer_create(pkg->data, pkg->len, 0, &ze);
    zip_t *z = s ? zip_open_from_source(s, ZIP_RDONLY, &ze) : NULL;
    CHECK(z, "libzip reopens the package");
    vt_zipw_begin(w, out);
    for (zip_int64_t i = 0; i < zip_get_num_entries(z, 0); i++) {
        zip_stat_t st;
        CHECK(zip_stat_index(z, (zip_uint64_t)i, ZIP_FL_ENC_RAW, &st) == 0,
              "stat");
        char *raw = malloc(st.comp_size + 1);
        zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)i, ZIP_FL_COMPRESSED);
        CHECK(raw && f, "raw entry opens");
        CHECK(zip_fread(f, raw, st.comp_size) == (zip_int64_t)st.comp_size,
              "raw entry reads");
        zip_fclose(f);
        vt_zipw_add_raw(w, st.name, st.comp_method, st.crc, raw, st.comp_size,
                        st.size);
        free(raw);
    }
    CHECK(vt_zipw_end(w) == 0, "raw copy completes");
    zip_close(z);
    zip_error_fini(&ze);
}

static void build(vt_zipw *w, const fz_entry *e, size_t n, vt_buf *out)
{
    vt_zipw_begin(w, out);
    for (size_t i = 0; i < n; i++)
        vt_zipw_add(w, e[i].name, e[i].data, e[i].len, e[i].deflate);
    CHECK(vt_zipw_end(w) == 0, "package completes");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_entry e[MAX_ENTRIES];
    size_t n = split(data, size, e);
    vt_zipw *w = vt_zipw_new(1);
    CHECK(w, "writer");
    vt_buf a, b, c;
    vt_buf_init(&a);
    vt_buf_init(&b);
    vt_buf_init(&c);
    build(w, e, n, &a);
    build(w, e, n, &b);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
          "the same entries give the same bytes");
    check_reads_back(&a, e, n);
    copy_raw(&a, w, &c);
    check_reads_back(&c, e, n);
    CHECK(c.len == a.len && memcmp(a.data, c.data, a.len) == 0,
          "a raw copy of a package is the same package");
    vt_buf_free(&a);
    vt_buf_free(&b);
    vt_buf_free(&c);
    vt_zipw_free(w);
    return 0;
}
