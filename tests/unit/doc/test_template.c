/* Unit tests for template.c: placeholder scanning across runs, blocks,
 * conditions, and refusing broken packages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zip.h>

#include "zipmem.h"

#include "doc/template.h"

#define DOC_HEAD                                                              \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                              \
    "<w:document xmlns:w=\"http://schemas.openxmlformats.org/"                \
    "wordprocessingml/2006/main\"><w:body>"
#define DOC_TAIL "<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/></w:sectPr></w:body></w:document>"

/* The two parts every Word package has besides its document. */
#define CT_XML                                                                \
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/"          \
    "content-types\"><Default Extension=\"rels\" ContentType=\"application/" \
    "vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" " \
    "ContentType=\"application/xml\"/><Override PartName=\"/word/document.xml\" " \
    "ContentType=\"application/vnd.openxmlformats-officedocument."           \
    "wordprocessingml.document.main+xml\"/></Types>"
#define RELS_XML                                                              \
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/"  \
    "relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas."       \
    "openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "  \
    "Target=\"word/document.xml\"/></Relationships>"


static vt_error open_doc(const char *body, vt_template **t, vt_diags *d)
{
    vt_buf doc;
    vt_buf_init(&doc);
    vt_buf_printf(&doc, "%s%s%s", DOC_HEAD, body, DOC_TAIL);
    const char *entries[] = {"[Content_Types].xml", CT_XML, "_rels/.rels",
                             RELS_XML, "word/document.xml", doc.data, NULL};
    size_t len;
    void *zip = zipmem(&len, entries, NULL);
    vt_error rc = vt_template_open_mem("t.docx", zip, len, NULL, t, d);
    free(zip);
    vt_buf_free(&doc);
    return rc;
}

static char *fill(vt_template *t, const char *const *vals)
{
    vt_buf out;
    vt_buf_init(&out);
    vt_template_fill(t, vals, &out);
    return vt_buf_take(&out);
}

/* What Word leaves after a clerk edits "{{subject}}": the placeholder
 * split over runs with a spelling mark, a bookmark and revision ids. */
static void test_scalar_split_across_runs(void **state)
{
    (void)state;
    vt_diags d;
    vt_diags_init(&d);
    vt_template *t = NULL;
    const char *body =
        "<w:p w:rsidR=\"00A1\"><w:r w:rsidRPr=\"00B2\"><w:rPr><w:b/></w:rPr>"
        "<w:t>V/v {</w:t></w:r><w:proofErr w:type=\"spellStart\"/>"
        "<w:bookmarkStart w:id=\"0\" w:name=\"x\"/><w:r><w:t>{sub</w:t></w:r>"
        "<w:proofErr w:type=\"spellEnd\"/><w:bookmarkEnd w:id=\"0\"/>"
        "<w:r w:rsidR=\"00C3\"><w:t>ject}} nhé</w:t></w:r></w:p>";
    assert_int_equal(open_doc(body, &t, &d), VT_OK);
    assert_true(vt_template_uses(t, VT_F_SUBJECT));
    const char *vals[VT_F__COUNT] = {0};
    vals[VT_F_SUBJECT] = "Lịch <họp> & \"x\"";
    char *out = fill(t, vals);
    /* the value lands in the first run (bold), escaped; the other runs
     * lose the placeholder's pieces and keep the rest of their text */
    assert_non_null(strstr(out, "<w:t xml:space=\"preserve\">V/v Lịch &lt;họp&gt; &amp; \"x\"</w:t>"));
    assert_non_null(strstr(out, " nhé</w:t>"));
    assert_null(strstr(out, "{"));
    assert_null(strstr(out, "sub"));
    assert_non_null(strstr(out, "w:proofErr"));
    free(out);
    vt_template_free(t);
    vt_diags_free(&d);
}

static void test_block_and_condition(void **state)
{
    (void)state;
    vt_diags d;
    vt_diags_init(&d);
    vt_template *t = NULL;
    const char *body =
        "<w:p><w:r><w:t>{{>body}}</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>{{?chair}}Chủ trì: {{chair}}</w:t></w:r></w:p>"
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>{{>signature}}</w:t></w:r></w:p></w:tc></w:tr></w:tbl>";
    assert_int_equal(open_doc(body, &t, &d), VT_OK);
    const char *vals[VT_F__COUNT] = {0};
    vals[VT_F_BODY] = "<w:p><w:r><w:t>BODY</w:t></w:r></w:p>";
    char *out = fill(t, vals);
    assert_non_null(strstr(out, "<w:body><w:p><w:r><w:t>BODY</w:t></w:r></w:p>"));
    assert_null(strstr(out, "Chủ trì")); /* no chair: paragraph dropped */
    /* an empty block in a cell still leaves the paragraph a cell needs */
    assert_non_null(strstr(out, "<w:tc><w:p/></w:tc>"));
    free(out);
    vals[VT_F_CHAIR] = "Ông A";
    out = fill(t, vals);
    assert_non_null(strstr(out, "Chủ trì: Ông A"));
    assert_null(strstr(out, "{{"));
    free(out);
    vt_template_free(t);
    vt_diags_free(&d);
}

/* A header related by the document is compiled and filled like the body;
 * several conditions in one paragraph must all hold; a forged mark is
 * refused wherever it stands. */
#define DOC_RELS_HDR                                                          \
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/"  \
    "relationships\"><Relationship Id=\"rId4\" Type=\"http://schemas."       \
    "openxmlformats.org/officeDocument/2006/relationships/header\" "          \
    "Target=\"header1.xml\"/></Relationships>"

static void test_header_and_conditions(void **state)
{
    (void)state;
    vt_diags d;
    vt_diags_init(&d);
    vt_buf doc;
    vt_buf_init(&doc);
    vt_buf_printf(&doc, "%s%s%s", DOC_HEAD,
                  "<w:p><w:r><w:t>{{?chair}}{{?venue}}BOTH</w:t></w:r></w:p>",
                  DOC_TAIL);
    const char *entries[] = {
        "[Content_Types].xml", CT_XML, "_rels/.rels", RELS_XML,
        "word/document.xml", doc.data, "word/_rels/document.xml.rels", DOC_RELS_HDR,
        "word/header1.xml",
        "<w:hdr xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/"
        "2006/main\"><w:p><w:r><w:t>Số {{number}}</w:t></w:r></w:p></w:hdr>",
        NULL};
    size_t len;
    void *zip = zipmem(&len, entries, NULL);
    vt_template *t = NULL;
    assert_int_equal(vt_template_open_mem("h.docx", zip, len, NULL, &t, &d), VT_OK);
    assert_int_equal(vt_template_nparts(t), 2);
    assert_string_equal(vt_template_part_name(t, 1), "word/header1.xml");
    assert_true(vt_template_uses(t, VT_F_NUMBER));
    const char *vals[VT_F__COUNT] = {0};
    vals[VT_F_NUMBER] = "12 & 13";
    vals[VT_F_CHAIR] = "A";
    vt_buf out;
    vt_buf_init(&out);
    vt_template_fill_part(t, 1, vals, &out);
    assert_non_null(strstr(out.data, "<w:t xml:space=\"preserve\">Số 12 &amp; 13</w:t>"));
    assert_non_null(strstr(out.data, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    char *body = fill(t, vals);
    assert_null(strstr(body, "BOTH")); /* venue empty */
    free(body);
    vals[VT_F_VENUE] = "B";
    body = fill(t, vals);
    assert_non_null(strstr(body, "BOTH"));
    free(body);
    vt_buf_free(&out);
    vt_template_free(t);
    free(zip);
    /* forged marks, by reference, in text and attribute */
    assert_int_equal(open_doc("<w:p><w:r><w:t>&#xE000;S99&#xE001;</w:t></w:r></w:p>"
                              "<w:p><w:pPr><w:pStyle w:val=\"&#57344;\"/></w:pPr></w:p>",
                              &t, &d), VT_ERR_TEMPLATE);
    assert_null(t);
    assert_int_equal(d.count, 2);
    assert_non_null(strstr(d.msgs[0], "text in <w:t> holds the private characters"));
    assert_non_null(strstr(d.msgs[1], "<w:pStyle> holds the private characters"));
    vt_buf_free(&doc);
    vt_diags_free(&d);
}

/* A text box copied in Word keeps its wp:docPr id, and Word then calls the
 * file unreadable: the first drawing keeps its id, later duplicates and
 * unreadable ids get the next free numbers, and the placeholders inside
 * the boxes are still filled. */
#define BOX(id)                                                               \
    "<w:p><w:r><w:drawing><wp:inline xmlns:wp=\"http://schemas."              \
    "openxmlformats.org/drawingml/2006/wordprocessingDrawing\">"              \
    "<wp:docPr id=\"" id "\" name=\"Text Box\"/><w:txbxContent><w:p><w:r>"   \
    "<w:t>Hộp {{number}}</w:t></w:r></w:p></w:txbxContent></wp:inline>"        \
    "</w:drawing></w:r></w:p>"

static void test_duplicate_drawing_ids(void **state)
{
    (void)state;
    vt_diags d;
    vt_diags_init(&d);
    vt_template *t = NULL;
    const char *body = BOX("7") BOX("3") BOX("7") BOX("x") BOX("3");
    assert_int_equal(open_doc(body, &t, &d), VT_OK);
    const char *vals[VT_F__COUNT] = {0};
    vals[VT_F_NUMBER] = "05";
    char *out = fill(t, vals);
    const char *want[] = {"id=\"7\"", "id=\"3\"", "id=\"8\"", "id=\"9\"",
                          "id=\"10\""};
    const char *at = out;
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        at = strstr(at, want[i]);
        assert_non_null(at); /* in document order */
        at++;
    }
    assert_null(strstr(at, "docPr"));
    assert_non_null(strstr(out, "Hộp 05"));
    assert_null(strstr(out, "{{"));
    free(out);
    vt_template_free(t);
    vt_diags_free(&d);
}

static void test_placeholder_errors(void **state)
{
    (void)state;
    vt_diags d;
    vt_diags_init(&d);
    vt_template *t = NULL;
    const char *body =
        "<w:p><w:r><w:t>{{nope}}</w:t></w:r></w:p>\n"
        "<w:p><w:r><w:t>text {{>body}}</w:t></w:r></w:p>\n"
        "<w:p><w:r><w:t>{{subject</w:t></w:r></w:p>\n"
        "<w:p><w:r><w:t>{{body}}</w:t></w:r></w:p>\n"
        /* a text box in the block's paragraph would be lost with it */
        BOX("1") "\n"
        "<w:p><w:r><w:t>{{>header}}</w:t></w:r><w:r><w:drawing><w:p/>"
        "</w:drawing></w:r></w:p>\n"
        /* markup inside a w:t, which only a hostile file has */
        "<w:p><w:r><w:t>{{subject}}<w:p><w:r><w:t>{{agency}}</w:t></w:r></w:p>"
        "</w:t></w:r></w:p>";
    assert_int_equal(open_doc(body, &t, &d), VT_ERR_TEMPLATE);
    assert_null(t);
    assert_int_equal(d.count, 6); /* every problem, not just the first */
    assert_non_null(strstr(d.msgs[0], "t.docx: word/document.xml:1: unknown placeholder {{nope}}"));
    assert_non_null(strstr(d.msgs[1], "{{>body}} must be alone in its paragraph"));
    assert_non_null(strstr(d.msgs[2], "not closed"));
    assert_non_null(strstr(d.msgs[3], "is a block"));
    assert_non_null(strstr(d.msgs[4], ":6: {{>header}} must be alone in its "
                                      "paragraph, which also holds a text box"));
    assert_non_null(strstr(d.msgs[5], ":7: a text element (w:t) holds markup (<p>)"));
    vt_diags_free(&d);
}

static void test_bad_packages(void **state)
{
    (void)state;
    vt_diags d;
    vt_diags_init(&d);
    vt_template *t = NULL;
    assert_int_equal(vt_template_open_mem("x.docx", "not a zip", 9, NULL, &t, &d), VT_ERR_ZIP);
    assert_non_null(strstr(d.msgs[0], "x.docx: not a DOCX file"));
    size_t len;
    const char *no_doc[] = {"[Content_Types].xml", CT_XML, "_rels/.rels", RELS_XML, NULL};
    void *z = zipmem(&len, no_doc, NULL);
    assert_int_equal(vt_template_open_mem("y.docx", z, len, NULL, &t, &d), VT_ERR_ZIP);
    assert_non_null(strstr(d.msgs[1], "names the main document \"word/document.xml\", which the package does not have"));
    free(z);
    const char *evil[] = {"[Content_Types].xml", CT_XML, "_rels/.rels", RELS_XML, "word/document.xml",
                          DOC_HEAD DOC_TAIL, "../evil", "x", NULL};
    z = zipmem(&len, evil, NULL);
    assert_int_equal(vt_template_open_mem("z.docx", z, len, NULL, &t, &d), VT_ERR_ZIP);
    assert_non_null(strstr(d.msgs[2], "unsafe part name \"../evil\""));
    free(z);
    const char *abs_name[] = {"[Content_Types].xml", CT_XML, "_rels/.rels", RELS_XML, "word/document.xml",
                              DOC_HEAD DOC_TAIL, "/etc/x", "x", NULL};
    z = zipmem(&len, abs_name, NULL);
    assert_int_equal(vt_template_open_mem("a.docx", z, len, NULL, &t, &d), VT_ERR_ZIP);
    free(z);
    /* a part inflating past the limit is refused while reading */
    vt_limits lim = vt_limits_default();
    lim.max_part_bytes = 100;
    const char *big[] = {"[Content_Types].xml", CT_XML, "_rels/.rels", RELS_XML, "word/document.xml",
                         DOC_HEAD "<w:p/><w:p/><w:p/><w:p/><w:p/><w:p/><w:p/>" DOC_TAIL, NULL};
    z = zipmem(&len, big, NULL);
    assert_int_equal(vt_template_open_mem("b.docx", z, len, &lim, &t, &d), VT_ERR_LIMIT);
    free(z);
    assert_null(t);
    vt_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalar_split_across_runs),
        cmocka_unit_test(test_block_and_condition),
        cmocka_unit_test(test_duplicate_drawing_ids),
        cmocka_unit_test(test_header_and_conditions),
        cmocka_unit_test(test_placeholder_errors),
        cmocka_unit_test(test_bad_packages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
