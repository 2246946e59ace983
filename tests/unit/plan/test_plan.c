/* Unit tests for plan.c: reading plans and reporting every problem with
 * file:line:col. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "plan/model.h"

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define AGENCY                                                                \
    "  <agency><parent>UBND huyện Kim Thành</parent>"                         \
    "<name abbr=\"PGDĐT\" short=\"Phòng GD&amp;ĐT\">Phòng Giáo dục và Đào "   \
    "tạo</name><place>Kim Thành</place></agency>\n"
#define TAIL                                                                  \
    "  <copies-to><to>Như trên</to><archive>VT, GDTH</archive></copies-to>\n" \
    "  <signature authority=\"KT\"><title>Trưởng phòng</title>"              \
    "<title>Phó trưởng phòng</title><name>Nguyễn Văn A</name></signature>\n"  \
    "</plan>\n"

static vt_error load(const char *xml, vt_plan **p, vt_diags *d)
{
    return vt_plan_load_mem("p.xml", xml, strlen(xml), NULL, p, d);
}

static void test_good_plan(void **state)
{
    (void)state;
    const char *xml = HEAD "<plan type=\"KH\">\n" AGENCY
        "  <number>5</number><date>2020-03-05</date>\n"
        "  <subject><line>Dòng một</line><line>Dòng hai</line></subject>\n"
        "  <body><p>Mở  <b>đầu</b> <i>nghiêng</i>\n text</p>\n"
        "    <section subsections=\"dotted\"><title>Mục đích</title>\n"
        "      <section><title>Con</title><item>Một<item>Hai</item></item></section>\n"
        "    </section>\n"
        "  </body>\n" TAIL;
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *p = NULL;
    assert_int_equal(load(xml, &p, &d), VT_OK);
    assert_int_equal(d.count, 0);
    assert_string_equal(p->type->slug, "ke-hoach");
    assert_int_equal(p->number, 5);
    assert_int_equal(p->date.month, 3);
    assert_int_equal(p->nsubject, 2);
    assert_string_equal(p->agency_short, "Phòng GD&ĐT");
    assert_int_equal(p->authority, VT_AUTH_KT);
    assert_int_equal(p->ntitles, 2);
    /* inline runs: spaces folded, one space kept at each run boundary */
    const vt_block *para = p->body;
    assert_int_equal(para->kind, VT_B_PARA);
    assert_int_equal(para->text.count, 5);
    assert_string_equal(para->text.runs[0].text, "Mở ");
    assert_string_equal(para->text.runs[1].text, "đầu");
    assert_true(para->text.runs[1].bold);
    assert_string_equal(para->text.runs[2].text, " ");
    assert_string_equal(para->text.runs[3].text, "nghiêng");
    assert_true(para->text.runs[3].italic);
    /* the line break before "text" folds to one space */
    assert_string_equal(para->text.runs[4].text, " text");
    const vt_block *sec = para->next;
    assert_int_equal(sec->kind, VT_B_SECTION);
    assert_int_equal(sec->subs, VT_NUM_DOTTED);
    const vt_block *item = sec->first->first;
    assert_int_equal(item->kind, VT_B_ITEM);
    assert_string_equal(item->text.runs[0].text, "Một");
    assert_string_equal(item->first->text.runs[0].text, "Hai");
    char *name = vt_plan_output_name(p);
    assert_string_equal(name, "kh-05-2020-03-05.docx");
    free(name);
    vt_plan_free(p);
    vt_diags_free(&d);
}

static void test_every_problem_with_position(void **state)
{
    (void)state;
    const char *xml = HEAD "<plan type=\"XYZ\">\n" AGENCY
        "  <date>2020-02-30</date>\n"
        "  <subject>S</subject>\n"
        "  <body><p>x</p><para>y</para></body>\n"
        "  <copies-to><to>A</to></copies-to>\n"
        "  <signature authority=\"KTT\"><title>T</title></signature>\n"
        "</plan>\n";
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *p = NULL;
    assert_int_equal(load(xml, &p, &d), VT_ERR_PLAN);
    assert_null(p);
    const char *want[] = {
        "p.xml:2:1: <plan type=\"XYZ\"> is not a Decree 30 document type",
        "p.xml:4:3: <date> \"2020-02-30\" is not a real date: month 2 of 2020 has 29 days",
        "p.xml:6:17: <para> is not allowed inside <body>",
        "p.xml:7:3: <copies-to> is missing <archive>",
        "p.xml:8:3: <signature authority=\"KTT\"> must be one of TM, KT, Q, TL, TUQ",
        "p.xml:8:3: <signature> is missing <name>",
    };
    assert_int_equal(d.count, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < d.count; i++)
        assert_non_null(strstr(d.msgs[i], want[i]));
    vt_diags_free(&d);
}

static void test_refuses_doctype_and_broken_xml(void **state)
{
    (void)state;
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *p = NULL;
    const char *xxe = HEAD "<!DOCTYPE plan [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
                           "<plan type=\"KH\">&x;</plan>\n";
    assert_int_equal(load(xxe, &p, &d), VT_ERR_XML);
    assert_non_null(strstr(d.msgs[0], "a DOCTYPE is not allowed"));
    const char *laughs = HEAD "<!DOCTYPE l [<!ENTITY a \"aaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><plan>&b;</plan>";
    assert_int_equal(load(laughs, &p, &d), VT_ERR_XML);
    const char *broken = HEAD "<plan type=\"KH\">\n  <date>\n</plan>\n";
    assert_int_equal(load(broken, &p, &d), VT_ERR_XML);
    assert_non_null(strstr(d.msgs[2], "p.xml:4:"));
    assert_non_null(strstr(d.msgs[2], "not well-formed XML"));
    const char *bad_utf8 = HEAD "<plan type=\"K\xff\"/>";
    assert_int_equal(load(bad_utf8, &p, &d), VT_ERR_XML);
    /* a control character is not allowed in XML 1.0, even as a reference */
    const char *ctrl = HEAD "<plan type=\"KH\">&#1;</plan>";
    assert_int_equal(load(ctrl, &p, &d), VT_ERR_XML);
    assert_null(p);
    vt_diags_free(&d);
}

static void test_limits(void **state)
{
    (void)state;
    vt_limits lim = vt_limits_default();
    lim.max_depth = 3;
    const char *xml = HEAD "<plan type=\"KH\">\n" AGENCY
        "  <date>2020-03-05</date><subject>S</subject>\n"
        "  <body><section><title>a</title><section><title>b</title>"
        "<section><title>c</title><section><title>d</title></section>"
        "</section></section></section></body>\n" TAIL;
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *p = NULL;
    assert_int_equal(vt_plan_load_mem("p.xml", xml, strlen(xml), &lim, &p, &d), VT_ERR_PLAN);
    assert_non_null(strstr(d.msgs[0], "more than the limit of 3"));
    lim = vt_limits_default();
    lim.max_plan_bytes = 10;
    assert_int_equal(vt_plan_load_mem("p.xml", xml, strlen(xml), &lim, &p, &d), VT_ERR_LIMIT);
    vt_diags_free(&d);
}

static void test_draft_and_numbered_dates(void **state)
{
    (void)state;
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *p = NULL;
    const char *draft = HEAD "<plan type=\"cong-van\">\n" AGENCY
        "  <number unit=\"GDTH\"/><date>2023-10</date><subject>S</subject>\n"
        "  <recipients><to>A</to></recipients><body><p>x</p></body>\n" TAIL;
    assert_int_equal(load(draft, &p, &d), VT_OK);
    assert_int_equal(p->number, 0);
    assert_int_equal(p->date.day, 0);
    assert_string_equal(p->unit, "GDTH");
    vt_plan_free(p);
    const char *numbered = HEAD "<plan type=\"cong-van\">\n" AGENCY
        "  <number>7</number><date>2023-10</date><subject>S</subject>\n"
        "  <recipients><to>A</to></recipients><body><p>x</p></body>\n" TAIL;
    assert_int_equal(load(numbered, &p, &d), VT_ERR_PLAN);
    assert_non_null(strstr(d.msgs[0], "must give day, month and year"));
    vt_diags_free(&d);
}

static vt_error load_body(const char *body, const vt_limits *lim,
                          vt_plan **p, vt_diags *d)
{
    vt_buf b;
    vt_buf_init(&b);
    vt_buf_puts(&b, HEAD "<plan type=\"KH\">\n" AGENCY
                    "  <date>2020-03-05</date><subject>S</subject>\n  <body>");
    vt_buf_puts(&b, body);
    vt_buf_puts(&b, "</body>\n" TAIL);
    assert_false(b.oom);
    vt_error rc = vt_plan_load_mem("p.xml", b.data, b.len, lim, p, d);
    vt_buf_free(&b);
    return rc;
}

/* Issue 11, class 9: the limit bounds the grid spans imply (rows x
 * columns), per table and for all tables of a plan, before any grid is
 * allocated; a few cells cannot ask for billions of slots. */
static void test_table_grid_limit(void **state)
{
    (void)state;
    vt_limits lim = vt_limits_default();
    lim.max_table_cells = 100;
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *p = NULL;
    vt_buf t;
    vt_buf_init(&t);
    /* 11 columns, 10 rows of one cell spanning all: 10 cells, 110 slots */
    vt_buf_puts(&t, "<table>");
    for (int i = 0; i < 11; i++)
        vt_buf_puts(&t, "<col/>");
    for (int i = 0; i < 10; i++)
        vt_buf_puts(&t, "<row><cell colspan=\"11\">x</cell></row>");
    vt_buf_puts(&t, "</table>");
    assert_int_equal(load_body(t.data, &lim, &p, &d), VT_ERR_PLAN);
    assert_null(p);
    assert_int_equal(d.count, 1);
    assert_non_null(strstr(d.msgs[0], "p.xml:5:9: <table> has 10 rows of 11 "
                                      "columns, a grid of 110 cells"));
    assert_non_null(strstr(d.msgs[0], "limit of 100 (raise it with "
                                      "--max-table-cells)"));
    vt_diags_free(&d);
    /* at the limit it is accepted */
    lim.max_table_cells = 110;
    assert_int_equal(load_body(t.data, &lim, &p, &d), VT_OK);
    assert_int_equal(p->body->table->nrows * p->body->table->ncols, 110);
    vt_plan_free(p);
    /* such tables share the limit; the plan's total is said once, at
     * the table that crosses it, not again for every later table */
    vt_buf two;
    vt_buf_init(&two);
    vt_buf_printf(&two, "%s<p>giữa</p>%s", t.data, t.data);
    vt_buf three;
    vt_buf_init(&three);
    vt_buf_printf(&three, "%s%s", two.data, t.data);
    assert_int_equal(load_body(three.data, &lim, &p, &d), VT_ERR_PLAN);
    vt_buf_free(&three);
    assert_int_equal(d.count, 1);
    assert_non_null(strstr(d.msgs[0], "brings the cells of the plan's tables "
                                      "to 220"));
    assert_non_null(strstr(d.msgs[0], "for all tables of a plan"));
    vt_diags_free(&d);
    lim.max_table_cells = 220;
    assert_int_equal(load_body(two.data, &lim, &p, &d), VT_OK);
    vt_plan_free(p);
    vt_buf_free(&two);
    vt_buf_free(&t);
    /* 40000 x 40000 from a 40000-column header and one row: refused, not
     * allocated (1.6 billion slots) */
    vt_buf_init(&t);
    vt_buf_puts(&t, "<table>");
    for (int i = 0; i < 40000; i++)
        vt_buf_puts(&t, "<col/>");
    for (int i = 0; i < 40000; i++)
        vt_buf_puts(&t, "<row><cell colspan=\"40000\"/></row>");
    vt_buf_puts(&t, "</table>");
    assert_int_equal(load_body(t.data, NULL, &p, &d), VT_ERR_PLAN);
    assert_non_null(strstr(d.msgs[0], "40000 rows of 40000 columns, a grid "
                                      "of 1600000000 cells"));
    vt_diags_free(&d);
    vt_buf_free(&t);
}

/* Issue 11, class 10: a text past libxml2's fixed limit (10,000,000
 * bytes without XML_PARSE_HUGE) is refused naming the element and the
 * limit, not as "huge text node"; just under it is read whole. */
static void test_text_limit(void **state)
{
    (void)state;
    vt_limits lim = vt_limits_default();
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *p = NULL;
    vt_buf t;
    vt_buf_init(&t);
    vt_buf_puts(&t, "<p>");
    for (int i = 0; i < 10000001; i++)
        vt_buf_putc(&t, 'a');
    vt_buf_puts(&t, "</p>");
    assert_false(t.oom);
    assert_int_equal(load_body(t.data, &lim, &p, &d), VT_ERR_LIMIT);
    assert_int_equal(d.count, 1);
    assert_non_null(strstr(d.msgs[0], "p.xml:5:9: <p> holds a text of more "
                                      "than 10000000 bytes"));
    assert_non_null(strstr(d.msgs[0], "--max-plan-bytes does not raise"));
    assert_null(strstr(d.msgs[0], "huge text node"));
    vt_diags_free(&d);
    /* 10,000,000 exactly: read */
    t.len -= 5;
    vt_buf_puts(&t, "</p>");
    assert_int_equal(load_body(t.data, &lim, &p, &d), VT_OK);
    assert_int_equal(strlen(p->body->text.runs[0].text), 10000000);
    vt_plan_free(p);
    vt_buf_free(&t);
    vt_diags_free(&d);
}

/* Issue 13, lint: a raw "&" (GD&ĐT) is not well-formed; the message says
 * how to write it. */
static void test_raw_ampersand_hint(void **state)
{
    (void)state;
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *p = NULL;
    assert_int_equal(load_body("<p>Phòng GD&ĐT</p>", NULL, &p, &d), VT_ERR_XML);
    assert_int_equal(d.count, 1);
    assert_non_null(strstr(d.msgs[0], "p.xml:5:"));
    assert_non_null(strstr(d.msgs[0], "written &amp; (GD&amp;ĐT)"));
    vt_diags_free(&d);
    assert_int_equal(load_body("<p>A & B</p>", NULL, &p, &d), VT_ERR_XML);
    assert_non_null(strstr(d.msgs[0], "written &amp;"));
    vt_diags_free(&d);
    /* an HTML entity: the ones a plan knows are named */
    assert_int_equal(load_body("<p>A&nbsp;B</p>", NULL, &p, &d), VT_ERR_XML);
    assert_non_null(strstr(d.msgs[0], "Entity 'nbsp' not defined"));
    assert_non_null(strstr(d.msgs[0], "knows only &amp; &lt; &gt; &quot; &apos;"));
    vt_diags_free(&d);
}

/* Issue 13, lint: text that repeats what vanthu prints is a warning with
 * its position, in document order; the load still succeeds, and a plain
 * vt_plan_load_mem gives no warnings at all. */
static void test_lint_warnings(void **state)
{
    (void)state;
    const char *xml = HEAD "<plan type=\"cong-van\">\n" AGENCY
        "  <date>2020-03-05</date><subject>V/v họp</subject>\n"
        "  <recipients><to>- Các trường</to></recipients>\n"
        "  <body><item>- Một</item><item>+Hai</item><item>-5 độ</item>\n"
        "    <section><title>4. Mục</title><p>+ cộng</p></section>\n"
        "    <section><title>a) Mục</title></section><section><title>II. Mục</title></section>\n"
        "    <section><title>1.000 giáo viên</title></section>\n"
        "    <list><item>1. Một</item><item>- Hai</item></list>\n"
        "  </body>\n"
        "  <copies-to><to>Lưu: VT</to><to>Như trên</to><archive>Lưu: VT</archive></copies-to>\n"
        "  <signature><title>KT. Trưởng phòng</title><title>Phó trưởng phòng</title>"
        "<name>Nguyễn Văn A</name></signature>\n</plan>\n";
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *p = NULL;
    assert_int_equal(vt_plan_lint_mem("p.xml", xml, strlen(xml), NULL, &p, &d), VT_OK);
    assert_non_null(p);
    vt_plan_free(p);
    const char *want[] = {
        "p.xml:4:26: warning: <subject> starts with \"V/v\"",
        "p.xml:5:15: warning: <to> starts with \"- \"",
        "p.xml:6:9: warning: <item> starts with \"- \"",
        "p.xml:6:27: warning: <item> starts with \"+\"",
        "p.xml:7:14: warning: <title> starts with the number \"4.\"",
        "p.xml:7:35: warning: <p> starts with \"+ \": write it as an <item>",
        "p.xml:8:14: warning: <title> starts with the number \"a)\"",
        "p.xml:8:54: warning: <title> starts with the number \"II.\"",
        "p.xml:10:11: warning: <item> starts with the number \"1.\"",
        "p.xml:10:30: warning: <item> starts with \"- \": vanthu numbers the items of a <list>",
        "p.xml:12:14: warning: <to> starts with \"Lưu\"",
        "p.xml:12:47: warning: <archive> starts with \"Lưu\"",
        "p.xml:13:14: warning: <title> starts with \"KT.\": write authority=\"KT\"",
    };
    for (size_t i = 0; i < d.count && i < sizeof want / sizeof *want; i++)
        if (!strstr(d.msgs[i], want[i]))
            fail_msg("warning %zu: got \"%s\", want \"%s\"", i, d.msgs[i], want[i]);
    assert_int_equal(d.count, sizeof want / sizeof *want);
    vt_diags_free(&d);
    /* no lint asked: no warnings */
    assert_int_equal(load(xml, &p, &d), VT_OK);
    assert_int_equal(d.count, 0);
    vt_plan_free(p);
    /* warnings and errors together, in document order; the error decides */
    const char *bad = HEAD "<plan type=\"KH\">\n" AGENCY
        "  <date>2020-02-30</date><subject>S</subject>\n"
        "  <body><item>- x</item></body>\n" TAIL;
    assert_int_equal(vt_plan_lint_mem("p.xml", bad, strlen(bad), NULL, &p, &d), VT_ERR_PLAN);
    assert_int_equal(d.count, 2);
    assert_non_null(strstr(d.msgs[0], "not a real date"));
    assert_non_null(strstr(d.msgs[1], "warning: <item> starts with"));
    vt_diags_free(&d);
}

/* Issue 13, plan format: "+" points under a paragraph, numbered lists,
 * Nơi nhận remarks (typed or as remark="…"). */
static void test_new_blocks(void **state)
{
    (void)state;
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *p = NULL;
    assert_int_equal(load_body("<p>Cụ thể:<item>Cụm 1</item><item>Cụm 2</item></p>"
                               "<list numbering=\"letter\"><item>x<item>y</item></item></list>",
                               NULL, &p, &d), VT_OK);
    const vt_block *para = p->body;
    assert_int_equal(para->kind, VT_B_PARA);
    assert_string_equal(para->text.runs[0].text, "Cụ thể:");
    assert_int_equal(para->first->kind, VT_B_ITEM);
    assert_string_equal(para->first->next->text.runs[0].text, "Cụm 2");
    const vt_block *list = para->next;
    assert_int_equal(list->kind, VT_B_LIST);
    assert_int_equal(list->subs, VT_NUM_LETTER);
    assert_string_equal(list->first->first->text.runs[0].text, "y");
    vt_plan_free(p);
    assert_int_equal(load_body("<list numbering=\"roman\"><p>x</p></list><list/>",
                               NULL, &p, &d), VT_ERR_PLAN);
    assert_int_equal(d.count, 4);
    assert_non_null(strstr(d.msgs[0], "<list numbering=\"roman\"> must be decimal"));
    assert_non_null(strstr(d.msgs[1], "<list> may contain only <item>"));
    assert_non_null(strstr(d.msgs[2], "<list> needs at least one <item>"));
    assert_non_null(strstr(d.msgs[3], "p.xml:5:48: <list> needs at least one <item>"));
    vt_diags_free(&d);
    const char *xml = HEAD "<plan type=\"KH\">\n" AGENCY
        "  <date>2020-03-05</date><subject>S</subject><body><p>x</p></body>\n"
        "  <copies-to><to remark=\"qua Email nội bộ\">Như kính gửi</to>"
        "<to remark=\"(để b/c)\">Sở</to><to>A; (b)</to>"
        "<archive remark=\"CO 23b\">VT, THCS</archive></copies-to>\n"
        "  <signature><title>T</title><name>N</name></signature>\n</plan>\n";
    assert_int_equal(load(xml, &p, &d), VT_OK);
    assert_int_equal(p->ncopies, 3);
    assert_string_equal(p->copies[0], "Như kính gửi; (qua Email nội bộ)");
    assert_string_equal(p->copies[1], "Sở; (để b/c)");
    assert_string_equal(p->copies[2], "A; (b)");
    assert_string_equal(p->archive, "VT, THCS; (CO 23b)");
    vt_plan_free(p);
    vt_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_plan),
        cmocka_unit_test(test_every_problem_with_position),
        cmocka_unit_test(test_refuses_doctype_and_broken_xml),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_draft_and_numbered_dates),
        cmocka_unit_test(test_table_grid_limit),
        cmocka_unit_test(test_text_limit),
        cmocka_unit_test(test_raw_ampersand_hint),
        cmocka_unit_test(test_lint_warnings),
        cmocka_unit_test(test_new_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
