/* Unit tests for zipw.c: every package it writes reads back through
 * libzip and passes unzip -t; raw copies keep the bytes; the same entries
 * give the same bytes; the zip format's limits are refused, not wrapped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <zip.h>

#include "doc/docx.h"
#include "doc/zipw.h"

typedef struct {
    const char *name;
    const char *data;
    size_t len;
    int deflate;
} entry;

/* Check pkg has exactly e[0..n) through libzip (which checks each CRC
 * as it reads), with the fixed date. */
static void check_libzip(const vt_buf *pkg, const entry *e, size_t n)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *s = zip_source_buffer_create(pkg->data, pkg->len, 0, &ze);
    zip_t *z = zip_open_from_source(s, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    assert_non_null(z);
    assert_int_equal(zip_get_num_entries(z, 0), n);
    for (size_t i = 0; i < n; i++) {
        zip_stat_t st;
        assert_int_equal(zip_stat_index(z, i, 0, &st), 0);
        assert_string_equal(st.name, e[i].name);
        assert_int_equal(st.size, e[i].len);
        struct tm tm;
        localtime_r(&st.mtime, &tm);
        assert_int_equal(tm.tm_year + 1900, 2020);
        assert_int_equal(tm.tm_mon, 2);
        assert_int_equal(tm.tm_mday, 5);
        char *buf = calloc(1, e[i].len + 2);
        zip_file_t *f = zip_fopen_index(z, i, 0);
        assert_non_null(f);
        assert_int_equal(zip_fread(f, buf, e[i].len + 1), (zip_int64_t)e[i].len);
        assert_memory_equal(buf, e[i].data, e[i].len);
        zip_fclose(f);
        free(buf);
    }
    zip_close(z);
    zip_error_fini(&ze);
}

/* unzip -t, the reader clerks' tools are closest to, on pkg. */
static int unzip_t(const vt_buf *pkg)
{
    char path[] = "/tmp/vt-test-zipw-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, pkg->data, pkg->len), (ssize_t)pkg->len);
    close(fd);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "unzip -tqq %s >/dev/null 2>&1", path);
    int rc = system(cmd);
    unlink(path);
    return rc;
}

static void build(vt_zipw *w, const entry *e, size_t n, vt_buf *out)
{
    vt_zipw_begin(w, out);
    for (size_t i = 0; i < n; i++)
        vt_zipw_add(w, e[i].name, e[i].data, e[i].len, e[i].deflate);
    assert_int_equal(vt_zipw_end(w), 0);
}

static void test_reads_back(void **state)
{
    (void)state;
    static char noise[5000];
    srand(7);
    for (size_t i = 0; i < sizeof noise; i++)
        noise[i] = (char)rand();
    static char text[20000];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = "<w:t>Kính gửi</w:t>"[i % 22];
    entry e[] = {
        {"[Content_Types].xml", "<Types/>", 8, 1},
        {"empty.xml", "", 0, 1},
        {"one", "x", 1, 1},
        {"word/document.xml", text, sizeof text, 1},
        {"word/media/noise.bin", noise, sizeof noise, 1}, /* stays stored */
        {"word/media/vt-signature.png", noise, 100, 0},
        {"Trường/tên.xml", "<a/>", 4, 1},
    };
    size_t n = sizeof e / sizeof e[0];
    vt_zipw *w = vt_zipw_new(1);
    assert_non_null(w);
    vt_buf a, b;
    vt_buf_init(&a);
    vt_buf_init(&b);
    vt_buf_puts(&b, "prefix"); /* a package may follow other bytes */
    build(w, e, n, &a);
    build(w, e, n, &b);
    assert_int_equal(a.len + 6, b.len);
    assert_memory_equal(a.data, b.data + 6, a.len);
    check_libzip(&a, e, n);
    assert_int_equal(unzip_t(&a), 0);
    /* the text deflates, the noise does not and is kept stored */
    assert_true(a.len < sizeof text / 4 + sizeof noise + 1000);
    /* a damaged byte in the deflated data is caught by unzip -t */
    char *doc = memmem(a.data, a.len, "word/document.xml", 17);
    assert_non_null(doc);
    doc[17 + 40] ^= 0x55;
    assert_int_not_equal(unzip_t(&a), 0);
    vt_buf_free(&a);
    vt_buf_free(&b);
    vt_zipw_free(w);
}

static void test_raw_copy(void **state)
{
    (void)state;
    entry e[] = {{"a.xml", "<a>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</a>", 40, 1},
                 {"b.bin", "stored", 6, 0}};
    vt_zipw *w = vt_zipw_new(6);
    vt_buf a, c;
    vt_buf_init(&a);
    vt_buf_init(&c);
    build(w, e, 2, &a);
    /* copy each entry's compressed bytes into a new package */
    zip_error_t ze;
    zip_error_init(&ze);
    zip_t *z = zip_open_from_source(
        zip_source_buffer_create(a.data, a.len, 0, &ze), ZIP_RDONLY, &ze);
    assert_non_null(z);
    vt_zipw_begin(w, &c);
    for (int i = 0; i < 2; i++) {
        zip_stat_t st;
        zip_stat_index(z, (zip_uint64_t)i, 0, &st);
        char raw[256];
        zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)i, ZIP_FL_COMPRESSED);
        assert_int_equal(zip_fread(f, raw, st.comp_size), st.comp_size);
        zip_fclose(f);
        assert_int_equal(st.comp_method, i == 0 ? ZIP_CM_DEFLATE : ZIP_CM_STORE);
        vt_zipw_add_raw(w, st.name, st.comp_method, st.crc, raw, st.comp_size,
                        st.size);
    }
    assert_int_equal(vt_zipw_end(w), 0);
    zip_close(z);
    zip_error_fini(&ze);
    assert_int_equal(c.len, a.len);
    assert_memory_equal(c.data, a.data, a.len);
    check_libzip(&c, e, 2);
    assert_int_equal(unzip_t(&c), 0);
    vt_buf_free(&a);
    vt_buf_free(&c);
    vt_zipw_free(w);
}

static void test_limits(void **state)
{
    (void)state;
    vt_zipw *w = vt_zipw_new(1);
    vt_buf a;
    vt_buf_init(&a);
    char *name = malloc(70000);
    memset(name, 'n', 69999);
    name[69999] = '\0';
    vt_zipw_begin(w, &a);
    vt_zipw_add(w, name, "x", 1, 1); /* past the 16-bit name length */
    assert_int_equal(vt_zipw_end(w), -1);
    /* the writer is usable again for the next package */
    entry e[] = {{"ok", "fine", 4, 1}};
    vt_buf_reset(&a);
    build(w, e, 1, &a);
    check_libzip(&a, e, 1);
    /* 65,535 entries is the most a zip without zip64 holds */
    vt_buf_reset(&a);
    vt_zipw_begin(w, &a);
    for (int i = 0; i < 65536; i++)
        vt_zipw_add(w, "e", "", 0, 0);
    assert_int_equal(vt_zipw_end(w), -1);
    free(name);
    vt_buf_free(&a);
    vt_zipw_free(w);
}

/* The shipped mau-1.5 package from the build folder. */
static char *shipped_template(size_t *len)
{
    const char *dir = getenv("VT_BUILD_DIR");
    assert_non_null(dir);
    char path[4096];
    snprintf(path, sizeof path, "%s/templates/mau-1.5.docx", dir);
    char *pkg;
    assert_int_equal(vt_read_file(path, 1 << 24, &pkg, len), 0);
    return pkg;
}

/* A letter built from a shipped template passes unzip -t and keeps the
 * template's parts byte for byte. */
static void test_docx_through_zipw(void **state)
{
    (void)state;
    size_t len;
    char *pkg = shipped_template(&len);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_t *z = zip_open_from_source(
        zip_source_buffer_create(pkg, len, 0, &ze), ZIP_RDONLY, &ze);
    zip_int64_t idx = zip_name_locate(z, "word/document.xml", 0);
    assert_true(idx >= 0);
    const char *xml = "<?xml version=\"1.0\"?><w:document xmlns:w=\"x\"/>";
    vt_buf out;
    vt_buf_init(&out);
    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(vt_docx_build((unsigned char *)pkg, len,
                                   (unsigned long long)idx, xml, strlen(xml),
                                   &out, &d),
                     VT_OK);
    assert_int_equal(unzip_t(&out), 0);
    zip_t *o = zip_open_from_source(
        zip_source_buffer_create(out.data, out.len, 0, &ze), ZIP_RDONLY, &ze);
    assert_non_null(o);
    assert_int_equal(zip_get_num_entries(o, 0), zip_get_num_entries(z, 0));
    for (zip_int64_t i = 0; i < zip_get_num_entries(z, 0); i++) {
        zip_stat_t a, b;
        zip_stat_index(z, (zip_uint64_t)i, 0, &a);
        zip_stat_index(o, (zip_uint64_t)i, 0, &b);
        assert_string_equal(a.name, b.name);
        if (i != idx) { /* copied raw: same data, same compressed size */
            assert_int_equal(a.crc, b.crc);
            assert_int_equal(a.comp_size, b.comp_size);
        }
    }
    zip_close(o);
    zip_close(z);
    zip_error_fini(&ze);
    vt_buf_free(&out);
    vt_diags_free(&d);
    free(pkg);
}

/* A writer reuses a generated part's compressed bytes when the next
 * package has the same text: the packages must be exactly those a fresh
 * writer builds, whatever came before. */
static void test_repeated_parts(void **state)
{
    (void)state;
    size_t len;
    char *pkg = shipped_template(&len);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_t *z = zip_open_from_source(
        zip_source_buffer_create(pkg, len, 0, &ze), ZIP_RDONLY, &ze);
    unsigned long long idx =
        (unsigned long long)zip_name_locate(z, "word/document.xml", 0);
    zip_close(z);
    const char *a = "<w:document xmlns:w=\"x\"><w:t>Trường A</w:t></w:document>";
    const char *b = "<w:document xmlns:w=\"x\"><w:t>Trường B</w:t></w:document>";
    const char *seq[] = {a, a, b, a, b, b};
    vt_diags d;
    vt_diags_init(&d);
    vt_docx_writer *w;
    assert_int_equal(vt_docx_writer_open((unsigned char *)pkg, len, idx, &w, &d),
                     VT_OK);
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
        vt_buf got, want;
        vt_buf_init(&got);
        vt_buf_init(&want);
        assert_int_equal(vt_docx_writer_build(w, seq[i], strlen(seq[i]), &got, &d),
                         VT_OK);
        assert_int_equal(vt_docx_build((unsigned char *)pkg, len, idx, seq[i],
                                       strlen(seq[i]), &want, &d),
                         VT_OK);
        assert_int_equal(got.len, want.len);
        assert_memory_equal(got.data, want.data, got.len);
        assert_int_equal(unzip_t(&got), 0);
        vt_buf_free(&got);
        vt_buf_free(&want);
    }
    vt_docx_writer_free(w);
    vt_diags_free(&d);
    zip_error_fini(&ze);
    free(pkg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_back),
        cmocka_unit_test(test_raw_copy),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_docx_through_zipw),
        cmocka_unit_test(test_repeated_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
