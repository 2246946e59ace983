/* Unit tests for package.c (the OPC reader under templates) and quote.c:
 * the main part from the relationships, related parts, content types,
 * damaged and hostile entries, and the hardened parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <zip.h>

#include "zipmem.h"

#include "base/buf.h"
#include "package/package.h"
#include "base/quote.h"

#define CT                                                                    \
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/"          \
    "content-types\"><Default Extension=\"rels\" ContentType=\"application/"  \
    "vnd.openxmlformats-package.relationships+xml\"/><Default Extension="    \
    "\"XML\" ContentType=\"application/xml\"/><Override PartName=\"/word/"   \
    "Main.xml\" ContentType=\"application/vnd.openxmlformats-officedocument." \
    "wordprocessingml.document.main+xml\"/></Types>"
#define RELS(target)                                                          \
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/"  \
    "relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas."        \
    "openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "  \
    "Target=\"" target "\"/></Relationships>"
#define DOC_RELS                                                              \
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/"  \
    "relationships\"><Relationship Id=\"rId4\" Type=\"http://schemas."        \
    "openxmlformats.org/officeDocument/2006/relationships/header\" "          \
    "Target=\"./parts/../h1.xml\"/><Relationship Id=\"rId5\" Type=\"http://"  \
    "schemas.openxmlformats.org/officeDocument/2006/relationships/header\" "  \
    "Target=\"/word/h2.xml\"/><Relationship Id=\"rId6\" Type=\"http://"       \
    "schemas.openxmlformats.org/officeDocument/2006/relationships/"           \
    "hyperlink\" Target=\"http://example.org/\" TargetMode=\"External\"/>"   \
    "</Relationships>"


static const char *good[] = {
    "[Content_Types].xml", CT,
    "_rels/.rels", RELS("/word/main.xml"),
    "word/main.xml", "<doc/>",
    "word/_rels/main.xml.rels", DOC_RELS,
    "word/h1.xml", "<hdr/>",
    "word/h2.xml", "<hdr/>",
    "word/document.xml", "<decoy/>",
    NULL};

static void test_main_and_related_parts(void **state)
{
    (void)state;
    size_t len;
    void *zip = zipmem(&len, good, NULL);
    vt_diags d;
    vt_diags_init(&d);
    vt_package *p = NULL;
    assert_int_equal(vt_package_open("p.docx", zip, len, NULL, &p, &d), VT_OK);
    /* the part the relationship names (case folded), not word/document.xml */
    const vt_part *m = vt_package_main(p);
    assert_string_equal(m->name, "word/main.xml");
    assert_string_equal(m->content_type, "application/vnd.openxmlformats-"
                        "officedocument.wordprocessingml.document.main+xml");
    assert_ptr_equal(vt_package_find(p, "WORD/H1.XML"), vt_package_find(p, "word/h1.xml"));
    assert_string_equal(vt_package_find(p, "word/h1.xml")->content_type, "application/xml");
    assert_int_equal(vt_package_find(p, "word/h1.xml")->size, 6);
    vt_rel *rels;
    size_t n;
    assert_int_equal(vt_package_rels(p, m, &rels, &n, &d), VT_OK);
    assert_int_equal(n, 3);
    assert_string_equal(rels[0].target, "word/h1.xml"); /* ./parts/../ folded */
    assert_ptr_equal(rels[0].part, vt_package_find(p, "word/h1.xml"));
    assert_string_equal(rels[1].target, "word/h2.xml"); /* absolute */
    assert_true(rels[2].external);
    assert_null(rels[2].part);
    vt_package_rels_free(rels, n);
    char *data;
    assert_int_equal(vt_package_read(p, m, &data, &len, &d), VT_OK);
    assert_string_equal(data, "<doc/>");
    free(data);
    assert_int_equal(d.count, 0);
    vt_package_free(p);
    free(zip);
    vt_diags_free(&d);
}

/* Open entries and expect refusal with a message holding want. */
static void refused(const char *const *entries, const char *link,
                    vt_error want_rc, const char *want)
{
    size_t len;
    void *zip = zipmem(&len, entries, link);
    vt_diags d;
    vt_diags_init(&d);
    vt_package *p = NULL;
    assert_int_equal(vt_package_open("bad.docx", zip, len, NULL, &p, &d), want_rc);
    assert_null(p);
    assert_true(d.count >= 1);
    if (!strstr(d.msgs[0], want))
        fail_msg("got \"%s\", want \"%s\"", d.msgs[0], want);
    free(zip);
    vt_diags_free(&d);
}

static void test_hostile_packages(void **state)
{
    (void)state;
    const char *link[] = {"[Content_Types].xml", CT, "_rels/.rels", RELS("word/main.xml"),
                          "word/main.xml", "<d/>", "word/media/a.png", "/etc/passwd", NULL};
    refused(link, "word/media/a.png", VT_ERR_ZIP,
            "the entry \"word/media/a.png\" is a symbolic link");
    const char *dup[] = {"[Content_Types].xml", CT, "_rels/.rels", RELS("word/main.xml"),
                         "word/main.xml", "<d/>", "Word/Main.XML", "<e/>", NULL};
    refused(dup, NULL, VT_ERR_ZIP, "two entries named");
    const char *outside[] = {"[Content_Types].xml", CT, "_rels/.rels", RELS("../../etc/passwd"),
                             "word/main.xml", "<d/>", NULL};
    refused(outside, NULL, VT_ERR_ZIP, "points outside the package");
    const char *missing[] = {"[Content_Types].xml", CT, "_rels/.rels", RELS("word/nothing.xml"),
                             "word/main.xml", "<d/>", NULL};
    refused(missing, NULL, VT_ERR_ZIP, "names the main document \"word/nothing.xml\", which "
                                       "the package does not have");
    const char *ctl[] = {"[Content_Types].xml", CT, "a\x1b[2Jb", "x", NULL};
    refused(ctl, NULL, VT_ERR_ZIP, "unsafe part name \"a\\x1B[2Jb\" (it holds a control character)");
    const char *doctype[] = {"[Content_Types].xml", "<!DOCTYPE x [<!ENTITY e SYSTEM "
                             "\"file:///etc/passwd\">]><Types/>", NULL};
    refused(doctype, NULL, VT_ERR_TEMPLATE, "[Content_Types].xml has a DOCTYPE");
}

/* A damaged entry is refused naming it, with the reason in words. */
static void test_bad_crc(void **state)
{
    (void)state;
    size_t len;
    unsigned char *zip = zipmem(&len, good, NULL);
    /* flip the CRC of word/h1.xml in its local and central headers */
    int flipped = 0;
    for (size_t i = 0; i + 46 < len; i++) {
        int local = memcmp(zip + i, "PK\x03\x04", 4) == 0;
        int central = memcmp(zip + i, "PK\x01\x02", 4) == 0;
        size_t name = i + (local ? 30 : 46);
        if ((local || central) && name + 11 <= len &&
            memcmp(zip + name, "word/h1.xml", 11) == 0) {
            zip[i + (local ? 14 : 16)] ^= 0xff;
            flipped++;
        }
    }
    assert_int_equal(flipped, 2);
    vt_diags d;
    vt_diags_init(&d);
    vt_package *p = NULL;
    assert_int_equal(vt_package_open("crc.docx", zip, len, NULL, &p, &d), VT_ERR_ZIP);
    assert_non_null(strstr(d.msgs[0], "crc.docx: the part word/h1.xml cannot be read: "
                                      "its checksum (CRC) does not match"));
    assert_null(strstr(d.msgs[0], "No error"));
    free(zip);
    vt_diags_free(&d);
}

static xmlDoc *parse(const char *data, size_t len, size_t budget, vt_error *rc,
                     vt_diags *d)
{
    vt_xml_budget b = {budget, budget};
    return vt_xml_parse_part("t.docx", "p.xml", data, len, &b, rc, d);
}

static void test_hardened_parser(void **state)
{
    (void)state;
    vt_diags d;
    vt_diags_init(&d);
    vt_error rc;
    /* UTF-16 (with a BOM) is read; its text arrives as UTF-8 */
    const char u16[] = "\xff\xfe<\0a\0>\0\xe0\x1e<\0/\0a\0>\0"; /* <a>ẠU+1EE0</a> */
    xmlDoc *doc = parse(u16, sizeof u16 - 1, 10, &rc, &d);
    assert_non_null(doc);
    xmlChar *text = xmlNodeGetContent(xmlDocGetRootElement(doc));
    assert_string_equal((char *)text, "\xe1\xbb\xa0");
    xmlFree(text);
    xmlFreeDoc(doc);
    /* a DOCTYPE in UTF-16, whatever it declares, is refused */
    const char dt[] = "<\0!\0D\0O\0C\0T\0Y\0P\0E\0 \0a\0>\0<\0a\0/\0>\0";
    assert_null(parse(dt, sizeof dt - 1, 10, &rc, &d));
    assert_int_equal(rc, VT_ERR_TEMPLATE);
    assert_non_null(strstr(d.msgs[0], "t.docx: p.xml has a DOCTYPE"));
    /* the budget counts elements, attributes, namespaces and comments */
    const char *x = "<a xmlns:b=\"u\" c=\"1\"><!--x--><b:d/></a>";
    assert_non_null(doc = parse(x, strlen(x), 5, &rc, &d));
    xmlFreeDoc(doc);
    assert_null(parse(x, strlen(x), 4, &rc, &d));
    assert_int_equal(rc, VT_ERR_LIMIT);
    assert_non_null(strstr(d.msgs[1], "than the limit of 4 (raise it with --max-elements)"));
    /* only UTF-8 and UTF-16 */
    const char *latin = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xe9</a>";
    assert_null(parse(latin, strlen(latin), 10, &rc, &d));
    assert_non_null(strstr(d.msgs[2], "declared in the encoding \"ISO-8859-1\""));
    /* an element with a crowd of attributes is refused before parsing */
    vt_buf many;
    vt_buf_init(&many);
    vt_buf_puts(&many, "<a");
    for (int i = 0; i < 1001; i++)
        vt_buf_printf(&many, " a%d='='", i);
    vt_buf_puts(&many, "/>");
    assert_null(parse(many.data, many.len, 1u << 20, &rc, &d));
    assert_non_null(strstr(d.msgs[3], "more than 1000 attributes"));
    vt_buf_free(&many);
    /* a broken odd-length UTF-16 part */
    assert_null(parse("\xff\xfe<\0a", 5, 10, &rc, &d));
    assert_non_null(strstr(d.msgs[4], "not valid UTF-16"));
    vt_diags_free(&d);
}

static void test_quote(void **state)
{
    (void)state;
    char out[64];
    assert_string_equal(vt_quotes(out, sizeof out, "Số {{a}}"), "Số {{a}}");
    assert_string_equal(vt_quotes(out, sizeof out, "a\tb\x1b[31m\x7f"), "a\\x09b\\x1B[31m\\x7F");
    assert_string_equal(vt_quotes(out, sizeof out, "x\xe2\x80\xaey\xe2\x81\xa6"), "x<U+202E>y<U+2066>");
    assert_string_equal(vt_quotes(out, sizeof out, "bad \xff\xc3"), "bad \\xFF\\xC3");
    assert_string_equal(vt_quotes(out, 8, "abcdefghij"), "abcd...");
    assert_string_equal(vt_quotes(out, sizeof out, NULL), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_main_and_related_parts),
        cmocka_unit_test(test_hostile_packages),
        cmocka_unit_test(test_bad_crc),
        cmocka_unit_test(test_hardened_parser),
        cmocka_unit_test(test_quote),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
