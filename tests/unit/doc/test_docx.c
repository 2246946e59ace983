/* Unit tests for docx.c: deterministic packages, raw copies, atomic
 * writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <zip.h>

#include "doc/docx.h"
#include "zipmem.h"

static void *read_all(zip_t *z, const char *name, size_t *len)
{
    zip_stat_t st;
    if (zip_stat(z, name, 0, &st) < 0)
        return NULL;
    zip_file_t *f = zip_fopen(z, name, 0);
    char *buf = calloc(1, st.size + 1);
    zip_fread(f, buf, st.size);
    zip_fclose(f);
    *len = st.size;
    return buf;
}

static void test_build_is_deterministic(void **state)
{
    (void)state;
    const char *src = getenv("VT_BUILD_DIR");
    assert_non_null(src);
    char path[4096];
    snprintf(path, sizeof path, "%s/templates/mau-1.4.docx", src);
    char *pkg;
    size_t pkg_len;
    assert_int_equal(vt_read_file(path, 1 << 24, &pkg, &pkg_len), 0);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *s = zip_source_buffer_create(pkg, pkg_len, 0, &ze);
    zip_t *z = zip_open_from_source(s, ZIP_RDONLY, &ze);
    zip_int64_t idx = zip_name_locate(z, "word/document.xml", 0);
    assert_true(idx >= 0);
    const char *xml = "<?xml version=\"1.0\"?><w:document xmlns:w=\"x\"/>";
    vt_buf a, b;
    vt_buf_init(&a);
    vt_buf_init(&b);
    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(vt_docx_build((unsigned char *)pkg, pkg_len, (unsigned long long)idx,
                                   xml, strlen(xml), &a, &d), VT_OK);
    sleep(1); /* a different second must not change a byte */
    assert_int_equal(vt_docx_build((unsigned char *)pkg, pkg_len, (unsigned long long)idx,
                                   xml, strlen(xml), &b, &d), VT_OK);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    /* the result has every part; document.xml replaced, the rest equal */
    zip_source_t *os = zip_source_buffer_create(a.data, a.len, 0, &ze);
    zip_t *out = zip_open_from_source(os, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    assert_non_null(out);
    assert_int_equal(zip_get_num_entries(out, 0), zip_get_num_entries(z, 0));
    size_t n1, n2;
    char *doc = read_all(out, "word/document.xml", &n1);
    assert_string_equal(doc, xml);
    free(doc);
    char *st1 = read_all(out, "word/styles.xml", &n1);
    char *st2 = read_all(z, "word/styles.xml", &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(st1, st2, n1);
    free(st1);
    free(st2);
    /* the copied part keeps its compressed size: it was not recompressed */
    zip_stat_t sa, sb;
    zip_stat(out, "word/styles.xml", 0, &sa);
    zip_stat(z, "word/styles.xml", 0, &sb);
    assert_int_equal(sa.comp_size, sb.comp_size);
    zip_close(out);
    zip_close(z);
    zip_error_fini(&ze);
    vt_buf_free(&a);
    vt_buf_free(&b);
    free(pkg);
    vt_diags_free(&d);
}

/* Several generated parts (a template's main document and its header)
 * replace their entries; a folder entry of the template is left out. */
static void test_build_parts(void **state)
{
    (void)state;
    const char *entries[] = {"word/", "", "word/document.xml", "<old/>",
                             "word/header1.xml", "<old/>",
                             "word/styles.xml", "<old/>", NULL};
    size_t pkg_len;
    char *pkg = zipmem(&pkg_len, entries, NULL);
    zip_error_t ze;
    zip_error_init(&ze);
    vt_diags d;
    vt_diags_init(&d);
    vt_docx_writer *w;
    assert_int_equal(vt_docx_writer_open((unsigned char *)pkg, pkg_len, 1, &w, &d), VT_OK);
    vt_docx_part parts[] = {{1, "<doc/>", 6}, {2, "<hdr/>", 6}};
    vt_buf out;
    vt_buf_init(&out);
    assert_int_equal(vt_docx_writer_build_parts(w, parts, 2, &out, &d), VT_OK);
    zip_source_t *os = zip_source_buffer_create(out.data, out.len, 0, &ze);
    zip_t *o = zip_open_from_source(os, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    assert_non_null(o);
    assert_int_equal(zip_get_num_entries(o, 0), 3); /* no "word/" */
    size_t n;
    char *s = read_all(o, "word/document.xml", &n);
    assert_string_equal(s, "<doc/>");
    free(s);
    s = read_all(o, "word/header1.xml", &n);
    assert_string_equal(s, "<hdr/>");
    free(s);
    s = read_all(o, "word/styles.xml", &n);
    assert_string_equal(s, "<old/>");
    free(s);
    zip_close(o);
    vt_docx_writer_free(w);
    vt_buf_free(&out);
    vt_diags_free(&d);
    zip_error_fini(&ze);
    free(pkg);
}

static void test_write_atomic(void **state)
{
    (void)state;
    char dir[] = "/tmp/vt-docx-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/a.docx", dir);
    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(vt_write_atomic(path, "hello", 5, VT_WRITE_SYNC, &d), VT_OK);
    char *got;
    size_t len;
    assert_int_equal(vt_read_file(path, 100, &got, &len), 0);
    assert_int_equal(len, 5);
    free(got);
    /* a folder as the output is refused and nothing is left behind */
    assert_int_equal(vt_write_atomic(dir, "x", 1, VT_WRITE_SYNC, &d), VT_ERR_IO);
    assert_non_null(strstr(d.msgs[0], "is a folder"));
    /* an unwritable folder gives an error, not a crash */
    char sub[300];
    snprintf(sub, sizeof sub, "%s/missing/b.docx", dir);
    assert_int_equal(vt_write_atomic(sub, "x", 1, VT_WRITE_NOSYNC, &d), VT_ERR_IO);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) -eq 1", dir);
    assert_int_equal(system(cmd), 0);
    unlink(path);
    rmdir(dir);
    vt_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_is_deterministic),
        cmocka_unit_test(test_build_parts),
        cmocka_unit_test(test_write_atomic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
