/* Unit tests for vt_docx_writer_build_media: pictures added to a package
 * come after the template's parts, stored, each related from the main
 * document and typed png once; a template without the parts to name them,
 * or with a part of the same name, is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zip.h>

#include "doc/docx.h"
#include "zipmem.h"

static const char CT[] = "<Types xmlns=\"t\"><Default Extension=\"xml\" "
                         "ContentType=\"application/xml\"/></Types>";
static const char RELS[] = "<Relationships xmlns=\"r\"></Relationships>";
static const char DOC[] = "<w:document xmlns:w=\"w\"/>";
static const unsigned char PNG1[] = "\x89PNG one", PNG2[] = "\x89PNG two";

static vt_error build(const char *const *entries, const vt_docx_media *m,
                      size_t nm, vt_buf *out, vt_diags *d)
{
    size_t len;
    void *pkg = zipmem(&len, entries, NULL);
    vt_docx_writer *w;
    vt_error rc = vt_docx_writer_open(pkg, len, 1, &w, d);
    if (rc == VT_OK) {
        vt_docx_part part = {1, DOC, strlen(DOC)};
        rc = vt_docx_writer_build_media(w, &part, 1, m, nm, out, d);
        vt_docx_writer_free(w);
    }
    free(pkg);
    return rc;
}

static char *entry(zip_t *z, const char *name)
{
    zip_stat_t st;
    assert_int_equal(zip_stat(z, name, 0, &st), 0);
    char *b = calloc(1, st.size + 1);
    zip_file_t *f = zip_fopen(z, name, 0);
    assert_int_equal(zip_fread(f, b, st.size), (zip_int64_t)st.size);
    zip_fclose(f);
    return b;
}

static void test_media_added(void **state)
{
    (void)state;
    const char *const e[] = {"[Content_Types].xml", CT, "word/document.xml", DOC,
                             "word/_rels/document.xml.rels", RELS, NULL};
    const vt_docx_media m[] = {{"word/media/a.png", "rIdA", PNG1, 8},
                               {"word/media/b.png", "rIdB", PNG2, 8}};
    vt_buf out;
    vt_buf_init(&out);
    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(build(e, m, 2, &out, &d), VT_OK);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *s = zip_source_buffer_create(out.data, out.len, 0, &ze);
    zip_t *z = zip_open_from_source(s, ZIP_RDONLY, &ze);
    assert_non_null(z);
    assert_int_equal(zip_get_num_entries(z, 0), 5);
    assert_string_equal(zip_get_name(z, 3, 0), "word/media/a.png");
    assert_string_equal(zip_get_name(z, 4, 0), "word/media/b.png");
    zip_stat_t st;
    assert_int_equal(zip_stat_index(z, 3, 0, &st), 0);
    assert_int_equal(st.comp_method, ZIP_CM_STORE);
    char *ct = entry(z, "[Content_Types].xml");
    assert_non_null(strstr(ct, "<Default Extension=\"png\" ContentType=\"image/png\"/></Types>"));
    char *rels = entry(z, "word/_rels/document.xml.rels");
    assert_non_null(strstr(rels, "Id=\"rIdA\""));
    assert_non_null(strstr(rels, "Target=\"media/b.png\"/></Relationships>"));
    char *png = entry(z, "word/media/b.png");
    assert_memory_equal(png, PNG2, 8);
    free(ct);
    free(rels);
    free(png);
    zip_close(z);
    vt_buf_free(&out);
    vt_diags_free(&d);
}

static void test_refused(void **state)
{
    (void)state;
    const char *const no_rels[] = {"[Content_Types].xml", CT, "word/document.xml", DOC, NULL};
    const char *const taken[] = {"[Content_Types].xml", CT, "word/document.xml", DOC,
                                 "word/_rels/document.xml.rels", RELS,
                                 "word/media/a.png", "x", NULL};
    const vt_docx_media m = {"word/media/a.png", "rIdA", PNG1, 8};
    vt_buf out;
    vt_buf_init(&out);
    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(build(no_rels, &m, 1, &out, &d), VT_ERR_TEMPLATE);
    assert_int_equal(build(taken, &m, 1, &out, &d), VT_ERR_TEMPLATE);
    assert_int_equal(out.len, 0);
    vt_buf_free(&out);
    vt_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_media_added),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
