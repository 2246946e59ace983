/*
 * test_check.c - the rule helpers of "vanthu check": the date form (days
 * below 10 and months 1-2 padded, no other month), the "Số:" and ký hiệu
 * form, and a small DOCX built in memory checked end to end, so each
 * rule's edge is pinned down without Word.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zip.h>

#include "doc/check.h"

static void assert_rule(const char *got, const char *want)
{
    if (!want)
        assert_null(got);
    else {
        assert_non_null(got);
        assert_string_equal(got, want);
    }
}

static void test_date_form(void **state)
{
    (void)state;
    assert_rule(vt_check_date_form("Hà Nội, ngày 05 tháng 3 năm 2020"), NULL);
    assert_rule(vt_check_date_form("Hà Nội, ngày 05 tháng 01 năm 2020"), NULL);
    assert_rule(vt_check_date_form("Thành phố Hồ Chí Minh, ngày 29 tháng 6 năm 2019"), NULL);
    assert_rule(vt_check_date_form("Kim Thành, ngày 15 tháng 02 năm 2024"), NULL);
    assert_rule(vt_check_date_form("Kim Thành, ngày 01 tháng 12 năm 2025"), NULL);
    /* a draft's blanks */
    assert_rule(vt_check_date_form("Kim Thành, ngày     tháng     năm 2024"), NULL);
    assert_rule(vt_check_date_form("Kim Thành, ngày … tháng … năm …"), NULL);
    assert_rule(vt_check_date_form("Mường Chà, ngày tháng 10 năm 2023"), NULL);
    assert_rule(vt_check_date_form("Mường Chà, ngày … tháng … năm…"), NULL);
    /* padding */
    assert_rule(vt_check_date_form("Hà Nội, ngày 5 tháng 3 năm 2020"), "date.padding");
    assert_rule(vt_check_date_form("Hà Nội, ngày 05 tháng 03 năm 2020"), "date.padding");
    assert_rule(vt_check_date_form("Hà Nội, ngày 05 tháng 1 năm 2020"), "date.padding");
    assert_rule(vt_check_date_form("Hà Nội, ngày 05 tháng 2 năm 2020"), "date.padding");
    /* form */
    assert_rule(vt_check_date_form("Hà Nội, ngày 32 tháng 3 năm 2020"), "date.form");
    assert_rule(vt_check_date_form("Hà Nội, ngày 05 tháng 13 năm 2020"), "date.form");
    assert_rule(vt_check_date_form("Hà Nội, ngày 05 tháng 3 năm 20"), "date.form");
    assert_rule(vt_check_date_form("Hà Nội ngày 05 tháng 3 năm 2020"), "date.form");
    assert_rule(vt_check_date_form("hà Nội, ngày 05 tháng 3 năm 2020"), "date.form");
    assert_rule(vt_check_date_form("Hà Nội, 05/3/2020"), "date.form");
    assert_rule(vt_check_date_form("Hà Nội, ngày 5a tháng 3 năm 2020"), "date.form");
}

static void test_so_form(void **state)
{
    (void)state;
    assert_rule(vt_check_so_form("Số: 15/QĐ-BNV"), NULL);
    assert_rule(vt_check_so_form("Số: 05/BNV-VP"), NULL);
    assert_rule(vt_check_so_form("Số: 1012/KH-PGDĐT"), NULL);
    assert_rule(vt_check_so_form("Số:      /KH-PGDĐT"), NULL);
    assert_rule(vt_check_so_form("Số: …/QĐ-…"), NULL);
    assert_rule(vt_check_so_form("Số: 5/QĐ-BNV"), "so.padding");
    assert_rule(vt_check_so_form("Số: 15-QĐ-BNV"), "so.form");
    assert_rule(vt_check_so_form("Số 15/QĐ-BNV"), "so.form");
    assert_rule(vt_check_so_form("Số: 1a/QĐ-BNV"), "so.form");
    assert_rule(vt_check_so_form("Số: 15/qđ-bnv"), "so.kyhieu");
    assert_rule(vt_check_so_form("Số: 15/QĐ - BNV"), "so.kyhieu");
    assert_rule(vt_check_so_form("Số: 15/"), "so.kyhieu");
    assert_rule(vt_check_so_form("Số: 15/QĐ--BNV"), "so.kyhieu");
}

/* A DOCX in memory with document.xml body and no styles. */
static char *make_docx(const char *body, size_t *len)
{
    static const char head[] =
        "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
        "<w:body>";
    static const char tail[] =
        "<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"1134\" "
        "w:bottom=\"1134\" w:left=\"1701\" w:right=\"1134\"/></w:sectPr></w:body></w:document>";
    size_t n = strlen(head) + strlen(body) + strlen(tail) + 1;
    char *xml = malloc(n);
    assert_non_null(xml);
    snprintf(xml, n, "%s%s%s", head, body, tail);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *out = zip_source_buffer_create(NULL, 0, 0, &ze);
    assert_non_null(out);
    zip_source_keep(out);
    zip_t *z = zip_open_from_source(out, ZIP_TRUNCATE, &ze);
    assert_non_null(z);
    /* a package as Word writes it: the package relationship names the
     * main part, which the content types declare */
    static const char types[] =
        "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/"
        "package/2006/content-types\"><Default Extension=\"rels\" ContentType="
        "\"application/vnd.openxmlformats-package.relationships+xml\"/><Override "
        "PartName=\"/word/document.xml\" ContentType=\"application/vnd."
        "openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>";
    static const char rels[] =
        "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats."
        "org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://"
        "schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
        "Target=\"word/document.xml\"/></Relationships>";
    zip_source_t *st = zip_source_buffer(z, types, strlen(types), 0);
    assert_true(zip_file_add(z, "[Content_Types].xml", st, 0) >= 0);
    zip_source_t *sr = zip_source_buffer(z, rels, strlen(rels), 0);
    assert_true(zip_file_add(z, "_rels/.rels", sr, 0) >= 0);
    zip_source_t *s = zip_source_buffer(z, xml, strlen(xml), 0);
    assert_true(zip_file_add(z, "word/document.xml", s, 0) >= 0);
    assert_int_equal(zip_close(z), 0);
    assert_int_equal(zip_source_open(out), 0);
    assert_int_equal(zip_source_seek(out, 0, SEEK_END), 0);
    zip_int64_t size = zip_source_tell(out);
    assert_int_equal(zip_source_seek(out, 0, SEEK_SET), 0);
    char *data = malloc((size_t)size);
    assert_non_null(data);
    assert_int_equal(zip_source_read(out, data, (zip_uint64_t)size), size);
    zip_source_close(out);
    zip_source_free(out);
    zip_error_fini(&ze);
    free(xml);
    *len = (size_t)size;
    return data;
}

static int has(const vt_check_result *r, const char *rule)
{
    for (size_t i = 0; i < r->count; i++)
        if (strcmp(r->v[i].rule, rule) == 0)
            return r->v[i].para ? r->v[i].para : -1;
    return 0;
}

#define P(props, text) \
    "<w:p><w:r><w:rPr>" props "</w:rPr><w:t xml:space=\"preserve\">" text "</w:t></w:r></w:p>"

static void test_docx_rules(void **state)
{
    (void)state;
    size_t len;
    char *data = make_docx(
        P("<w:b/><w:sz w:val=\"26\"/>", "Cộng hòa xã hội chủ nghĩa Việt Nam")
        P("<w:b/><w:sz w:val=\"28\"/>", "Độc lập – Tự do – Hạnh phúc")
        P("<w:sz w:val=\"26\"/>", "UBND HUYỆN KIM THÀNH")
        P("<w:b/><w:sz w:val=\"26\"/>", "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO")
        P("<w:sz w:val=\"26\"/>", "Số: 7/KH-PGDĐT")
        P("<w:i/><w:sz w:val=\"28\"/>", "Kim Thành, ngày 5 tháng 3 năm 2020")
        P("<w:b/><w:sz w:val=\"28\"/>", "KẾ HOẠCH")
        P("<w:b/><w:sz w:val=\"28\"/>", "Sinh hoạt chuyên môn")
        P("<w:b/><w:i/><w:sz w:val=\"24\"/>", "Nơi nhận:")
        P("<w:sz w:val=\"22\"/>", "- Các trường")
        P("<w:sz w:val=\"22\"/>", "- Lưu: VT.")
        P("<w:b/><w:sz w:val=\"28\"/>", "K.T TRƯỞNG PHÒNG")
        P("<w:sz w:val=\"28\"/>", "Bùi Văn Khoát"),
        &len);
    vt_check_result r = {0};
    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(vt_check_docx("t.docx", data, len, NULL, &r, &d), VT_OK);
    assert_int_equal(has(&r, "quoc-hieu.case"), 1);
    assert_int_equal(has(&r, "tieu-ngu.text"), 2); /* en dashes */
    assert_int_equal(has(&r, "tieu-ngu.rule"), 2);
    assert_int_equal(has(&r, "agency.rule"), 4);
    assert_int_equal(has(&r, "agency.parent-bold"), 0);
    assert_int_equal(has(&r, "so.padding"), 5);
    assert_int_equal(has(&r, "date.padding"), 6);
    assert_int_equal(has(&r, "date.italic"), 0);
    assert_int_equal(has(&r, "type.bold"), 0);
    assert_int_equal(has(&r, "noi-nhan.label"), 0);
    assert_int_equal(has(&r, "noi-nhan.punct"), 10);
    assert_int_equal(has(&r, "noi-nhan.luu"), 0);
    assert_int_equal(has(&r, "sign.authority"), 12);
    assert_int_equal(has(&r, "sign.name"), 13);
    assert_int_equal(has(&r, "page.margins"), 0);
    assert_int_equal(has(&r, "page.size"), 0);
    assert_int_equal(has(&r, "page.numbers"), -1);
    vt_buf out;
    vt_buf_init(&out);
    vt_check_report_json("t.docx", &r, &out);
    assert_non_null(strstr(out.data, "{\"rule\": \"so.padding\", \"ref\": \"PL I, II.3\", "
                                     "\"paragraph\": 5, \"excerpt\": \"Số: 7/KH-PGDĐT\""));
    vt_buf_reset(&out);
    vt_check_report_text("t.docx", &r, &out);
    assert_non_null(strstr(out.data, "t.docx: date.padding (PL I, II.4): paragraph 6 "
                                     "\"Kim Thành, ngày 5 tháng 3 năm 2020\": "));
    vt_buf_free(&out);
    vt_check_result_free(&r);
    vt_diags_free(&d);
    free(data);
}

/* A rule typed as superscript underscores (the decree's annexes draw it
 * so) counts as the line under the Tiêu ngữ and is not measured. */
static void test_typed_rule(void **state)
{
    (void)state;
    size_t len;
    char *data = make_docx(
        P("<w:b/><w:sz w:val=\"26\"/>", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        P("<w:b/><w:sz w:val=\"28\"/>", "Độc lập - Tự do - Hạnh phúc")
        P("<w:sz w:val=\"40\"/><w:vertAlign w:val=\"superscript\"/>", "__________"),
        &len);
    vt_check_result r = {0};
    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(vt_check_docx("t.docx", data, len, NULL, &r, &d), VT_OK);
    assert_int_equal(has(&r, "tieu-ngu.rule"), 0);
    assert_int_equal(has(&r, "tieu-ngu.text"), 0);
    assert_int_equal(has(&r, "quoc-hieu.size"), 0);
    assert_int_equal(has(&r, "so.missing"), -1);
    vt_check_result_free(&r);
    vt_diags_free(&d);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_form),
        cmocka_unit_test(test_so_form),
        cmocka_unit_test(test_docx_rules),
        cmocka_unit_test(test_typed_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
