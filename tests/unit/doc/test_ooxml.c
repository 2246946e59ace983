/* Unit tests for ooxml.c: escaping, rules, and table merge emission. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "plan/model.h"
#include "doc/ooxml.h"

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static void test_escape_text_and_attr(void **state)
{
    (void)state;
    vt_buf b;
    vt_buf_init(&b);
    vt_xml_text(&b, "a & b < c > d \"q\" 'x' ]]> {{x}}");
    assert_string_equal(b.data, "a &amp; b &lt; c &gt; d \"q\" 'x' ]]&gt; {{x}}");
    vt_buf_reset(&b);
    vt_xml_attr(&b, "a\"b'c<d&e\tf\ng");
    assert_string_equal(b.data, "a&quot;b&apos;c&lt;d&amp;e&#9;f&#10;g");
    /* characters XML 1.0 forbids are dropped, not escaped */
    vt_buf_reset(&b);
    vt_xml_text(&b, "x\x01y\x0b" "z\xef\xbf\xbe" "w");
    assert_string_equal(b.data, "xyzw");
    /* Vietnamese passes through untouched */
    vt_buf_reset(&b);
    vt_xml_text(&b, "Độc lập - Tự do - Hạnh phúc");
    assert_string_equal(b.data, "Độc lập - Tự do - Hạnh phúc");
    vt_buf_free(&b);
}

static void test_rule_length(void **state)
{
    (void)state;
    const char *name = "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO";
    long w = vt_text_width_twips(name, 12, 1);
    long r = vt_rule_length(name, 12, 1, 100000);
    assert_true(r * 3 >= w && r * 2 <= w); /* 1/3 to 1/2 of the line */
    /* a line wider than the column is measured at the column */
    assert_true(vt_rule_length(name, 12, 1, w / 2) <= w / 4);
    vt_buf b;
    vt_buf_init(&b);
    vt_ox_rule(&b, 2000, 6000);
    assert_non_null(strstr(b.data, "w:left=\"2000\" w:right=\"2000\""));
    vt_buf_free(&b);
}

static vt_inline txt(const char *s)
{
    static vt_run runs[64];
    static int k;
    vt_run *r = &runs[k++ % 64];
    r->text = s;
    r->bold = r->italic = 0;
    return (vt_inline){r, 1};
}

/* The Mường Chà schedule in miniature: Stt and Thời gian span three rows,
 * the Nội dung cell spans two; one row has a cell spanning two columns. */
static void test_table_merges(void **state)
{
    (void)state;
    vt_cell r0[] = {{txt("1"), 3, 1, 0}, {txt("Tháng 10"), 3, 1, 0},
                    {txt("Cụm 1"), 1, 1, 0}, {txt("Nội dung"), 2, 1, 0}};
    vt_cell r1[] = {{txt("Cụm 2"), 1, 1, 0}};
    vt_cell r2[] = {{txt("Tiếng Anh và Tin học"), 1, 2, 0}};
    vt_row rows[] = {{r0, 4, 0}, {r1, 1, 0}, {r2, 1, 0}};
    int widths[] = {1, 2, 3, 4};
    vt_inline heads[] = {txt("Stt"), txt("Thời gian"), txt("Tên cụm"), txt("Nội dung")};
    vt_table t = {4, widths, heads, rows, 3, 1};
    long grid[12];
    char err[200];
    assert_int_equal(vt_table_layout(&t, grid, err, sizeof err), 0);
    vt_buf b;
    vt_buf_init(&b);
    vt_ox_table(&b, &t, 1000);
    assert_false(b.oom);
    assert_int_equal(count(b.data, "<w:vMerge w:val=\"restart\"/>"), 3);
    assert_int_equal(count(b.data, "<w:vMerge/>"), 5); /* 2+2 Stt/Thời gian, 1 Nội dung */
    assert_int_equal(count(b.data, "<w:gridSpan w:val=\"2\"/>"), 1);
    assert_int_equal(count(b.data, "<w:tblHeader/>"), 1);
    assert_int_equal(count(b.data, "<w:tr>"), 4);
    /* heading 4 cells; rows 4, 4 and 3 (the last has a two-column cell) */
    assert_int_equal(count(b.data, "<w:tc>"), 4 + 4 + 4 + 3);
    /* widths are relative and add up to the table width */
    assert_non_null(strstr(b.data, "<w:gridCol w:w=\"100\"/><w:gridCol w:w=\"200\"/>"
                                   "<w:gridCol w:w=\"300\"/><w:gridCol w:w=\"400\"/>"));
    vt_buf_free(&b);
}

static void test_table_layout_errors(void **state)
{
    (void)state;
    vt_cell r0[] = {{txt("a"), 1, 1, 0}, {txt("b"), 1, 1, 0}, {txt("c"), 1, 1, 0}};
    vt_cell r1[] = {{txt("a"), 3, 1, 0}, {txt("b"), 1, 1, 0}};
    vt_row too_many[] = {{r0, 3, 0}};
    vt_row span_past_end[] = {{r1, 2, 0}};
    int widths[] = {1, 1};
    vt_inline heads[] = {txt("x"), txt("y")};
    long grid[8];
    char err[200];
    vt_table t1 = {2, widths, heads, too_many, 1, 0};
    assert_int_equal(vt_table_layout(&t1, grid, err, sizeof err), -1);
    assert_non_null(strstr(err, "row 1 has more cells than the table's 2 columns"));
    vt_table t2 = {2, widths, heads, span_past_end, 1, 0};
    assert_int_equal(vt_table_layout(&t2, grid, err, sizeof err), -1);
    assert_non_null(strstr(err, "spans 3 rows but only 1 rows follow"));
    vt_cell r2[] = {{txt("a"), 1, 1, 0}};
    vt_row too_few[] = {{r2, 1, 0}};
    vt_table t3 = {2, widths, heads, too_few, 1, 0};
    assert_int_equal(vt_table_layout(&t3, grid, err, sizeof err), -1);
    assert_non_null(strstr(err, "fewer cells"));
}

/* A row of more than a million cells (allowed with a raised
 * --max-table-cells): each slot names its own cell in its own row.  The
 * old encoding, row*1000000+cell, sent cell 1,000,000 of row 0 to row 1,
 * past the table's end (UBSan: a NULL vt_cell in vt_ox_table). */
static void test_table_layout_wide_row(void **state)
{
    (void)state;
    enum { N = 1000001 };
    vt_cell *cells = calloc(N, sizeof *cells);
    int *widths = calloc(N, sizeof *widths);
    long *grid = calloc(2 * (size_t)N, sizeof *grid);
    assert_true(cells && widths && grid);
    for (size_t i = 0; i < N; i++)
        cells[i] = (vt_cell){txt("x"), 1, 1, 0};
    vt_row rows[] = {{cells, N, 0}, {cells, N, 0}};
    vt_table t = {N, widths, NULL, rows, 2, 0};
    char err[200];
    assert_int_equal(vt_table_layout(&t, grid, err, sizeof err), 0);
    /* the last cell of row 0 and the first of row 1 are different cells */
    assert_true(grid[N - 1] != grid[N]);
    assert_int_equal(grid[N - 1] / (long)N, 0);
    assert_int_equal(grid[N - 1] % (long)N, N - 1);
    assert_int_equal(grid[N] / (long)N, 1);
    assert_int_equal(grid[N] % (long)N, 0);
    free(cells);
    free(widths);
    free(grid);
}

/* The "Số:" line as the register fills it (ô 3): typed documents,
 * công văn without a type abbreviation, with and without a unit. */
static void test_number_line(void **state)
{
    (void)state;
    struct vt_plan p;
    memset(&p, 0, sizeof p);
    vt_buf b;
    vt_buf_init(&b);
    p.type = vt_doctype_find("ke-hoach");
    p.agency_abbr = "PGDĐT";
    p.number = 5;
    vt_ox_number_line(&b, &p);
    assert_string_equal(b.data, "Số: 05/KH-PGDĐT");
    p.type = vt_doctype_find("cong-van");
    p.agency_abbr = "GDĐT";
    p.number = 394;
    vt_buf_reset(&b);
    vt_ox_number_line(&b, &p);
    assert_string_equal(b.data, "Số: 394/GDĐT");
    p.agency_abbr = "PGDĐT";
    p.unit = "GDTH";
    p.number = 82;
    vt_buf_reset(&b);
    vt_ox_number_line(&b, &p);
    assert_string_equal(b.data, "Số: 82/PGDĐT-GDTH");
    vt_buf_free(&b);
}

/* The text of each paragraph of b, one line each, for comparing what a
 * reader sees. */
static void para_texts(const char *xml, vt_buf *out)
{
    const char *p = xml;
    while ((p = strstr(p, "<w:p>")) != NULL) {
        const char *end = strstr(p, "</w:p>");
        size_t before = out->len;
        for (const char *t = p; (t = strstr(t, "<w:t xml:space=\"preserve\">")) && t < end;) {
            t += strlen("<w:t xml:space=\"preserve\">");
            const char *e = strstr(t, "</w:t>");
            vt_buf_put(out, t, (size_t)(e - t));
            t = e;
        }
        if (out->len > before)
            vt_buf_putc(out, '\n');
        p = end;
    }
}

static vt_plan *plan_of(const char *type, const char *middle)
{
    vt_buf x;
    vt_buf_init(&x);
    vt_buf_printf(&x,
        "<plan type=\"%s\"><agency><name abbr=\"PGDĐT\">Phòng</name>"
        "<place>Kim Thành</place></agency><date>2020-03-05</date>"
        "<subject>S</subject>%s<signature><title>T</title><name>N</name>"
        "</signature></plan>", type, middle);
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *p = NULL;
    vt_error rc = vt_plan_load_mem("p.xml", x.data, x.len, NULL, &p, &d);
    for (size_t i = 0; i < d.count; i++)
        print_error("%s\n", d.msgs[i]);
    assert_int_equal(rc, VT_OK);
    vt_diags_free(&d);
    vt_buf_free(&x);
    return p;
}

/* Issue 13: "+" points under a paragraph, numbered lists (1. and a),
 * past y) too), dotted numbers under a letter, and the "./." on the last
 * paragraph whatever block it is in. */
static void test_body_blocks(void **state)
{
    (void)state;
    vt_buf items;
    vt_buf_init(&items);
    for (int i = 0; i < 25; i++)
        vt_buf_printf(&items, "<item>m%d</item>", i);
    vt_buf mid;
    vt_buf_init(&mid);
    vt_buf_printf(&mid,
        "<body><p>Cụ thể như sau:<item>Cụm 1</item><item>Cụm 2</item></p>"
        "<list><item>Một<item>con</item></item><item>Hai</item></list>"
        "<list numbering=\"letter\">%s</list>"
        "<section><title>A</title><section><title>B</title>"
        "<section><title>C</title><section><title>D</title>"
        "<p>Cuối<item>cộng</item></p></section></section></section></section>"
        "</body><copies-to><archive>VT</archive></copies-to>", items.data);
    vt_plan *p = plan_of("KH", mid.data);
    vt_buf b, t;
    vt_buf_init(&b);
    vt_buf_init(&t);
    vt_ox_body(&b, p);
    assert_false(b.oom);
    para_texts(b.data, &t);
    assert_non_null(strstr(t.data, "Cụ thể như sau:\n+ Cụm 1\n+ Cụm 2\n"
                                   "1. Một\n- con\n2. Hai\na) m0\n"));
    assert_non_null(strstr(t.data, "y) m22\naa) m23\nab) m24\n"));
    /* level 4 under the letter c) of level 3: "a.1.", not "a)1." */
    assert_non_null(strstr(t.data, "I. A\n1. B\na) C\na.1. D\nCuối\n+ cộng./.\n"));
    vt_buf_free(&b);
    vt_buf_free(&t);
    vt_buf_free(&mid);
    vt_buf_free(&items);
    vt_plan_free(p);
}

/* Issue 13: a Nơi nhận remark keeps its place after the entry's
 * punctuation, typed or given as remark="…"; a parenthesis without
 * punctuation before it is part of the entry.  One Kính gửi recipient
 * ends with "." like the last of a list. */
static void test_noi_nhan_remarks_and_kinh_gui(void **state)
{
    (void)state;
    vt_plan *p = plan_of("cong-van",
        "<recipients><to>Hiệu trưởng các trường</to></recipients>"
        "<body><p>x</p></body><copies-to>"
        "<to>Như kính gửi; (qua Email nội bộ)</to>"
        "<to remark=\"để b/c\">Sở GD&amp;ĐT</to>"
        "<to>Như trên (HSCV);</to><to>A. (b);</to>"
        "<archive>VT, THCS. (CO 23b)</archive></copies-to>");
    vt_buf b, t;
    vt_buf_init(&b);
    vt_buf_init(&t);
    vt_ox_signature(&b, p);
    para_texts(b.data, &t);
    assert_non_null(strstr(t.data, "Nơi nhận:\n- Như kính gửi; (qua Email nội bộ)\n"
                                   "- Sở GD&amp;ĐT; (để b/c)\n- Như trên (HSCV);\n"
                                   "- A; (b)\n- Lưu: VT, THCS. (CO 23b)\n"));
    vt_buf_reset(&b);
    vt_buf_reset(&t);
    vt_ox_recipients(&b, p);
    para_texts(b.data, &t);
    assert_string_equal(t.data, "Kính gửi: Hiệu trưởng các trường.\n");
    vt_buf_free(&b);
    vt_buf_free(&t);
    vt_plan_free(p);
}

/* Issue 12, layout: a wrapped trích yếu whose last line would be one
 * word is broken by hand into even lines; one that fits, or whose last
 * line has company, is left to Word. */
static void test_balanced_lines(void **state)
{
    (void)state;
    vt_buf b, t;
    vt_buf_init(&b);
    vt_buf_init(&t);
    const char *lonely = "Tổ chức sinh hoạt chuyên môn theo cụm trường cấp "
                         "tiểu học năm học 2023-2024";
    long w = vt_ox_balanced_para(&b, "VtTrichYeu", lonely, 14, 1, VT_TEXT_WIDTH);
    assert_int_equal(count(b.data, "<w:br/>"), 1);
    para_texts(b.data, &t);
    assert_string_equal(t.data, "Tổ chức sinh hoạt chuyên môn theo cụm"
                                "trường cấp tiểu học năm học 2023-2024\n");
    /* each line fits, and the longest is well under the width */
    assert_true(w <= VT_TEXT_WIDTH * 19 / 20);
    assert_true(vt_text_width_twips("trường cấp tiểu học năm học 2023-2024", 14, 1) <= w);
    /* greedy wrapping would have left "2023-2024" alone on line 2 */
    assert_true(vt_text_width_twips(lonely, 14, 1) -
                    vt_text_width_twips(" 2023-2024", 14, 1) <= VT_TEXT_WIDTH);
    vt_buf_reset(&b);
    const char *fits = "Sinh hoạt tổ trưởng chuyên môn";
    w = vt_ox_balanced_para(&b, "VtTrichYeu", fits, 14, 1, VT_TEXT_WIDTH);
    assert_int_equal(count(b.data, "<w:br/>"), 0);
    assert_int_equal(w, vt_text_width_twips(fits, 14, 1));
    vt_buf_reset(&b);
    /* the V/v column: narrow, 12 pt; the last line has two words */
    const char *vv = "V/v Sinh hoạt chuyên môn theo cụm trường về tổ chức các "
                     "hoạt động trải nghiệm cho học sinh tiểu học";
    w = vt_ox_balanced_para(&b, "VtVv", vv, 12, 0, 3855);
    assert_int_equal(count(b.data, "<w:br/>"), 0);
    assert_int_equal(w, 3855);
    assert_false(b.oom);
    vt_buf_free(&b);
    vt_buf_free(&t);
}

/* Issue 12, layout: a lead-in ending with ":" keeps with what it
 * introduces (headings do through their styles); the template turns on
 * widow and orphan control for every paragraph. */
static void test_keep_next_and_widows(void **state)
{
    (void)state;
    vt_plan *p = plan_of("KH",
        "<body><p>Cụ thể như sau:</p><item>Một:</item><p>Thường.</p>"
        "<p>Cuối:</p></body><copies-to><archive>VT</archive></copies-to>");
    vt_buf b;
    vt_buf_init(&b);
    vt_ox_body(&b, p);
    assert_int_equal(count(b.data, "<w:keepNext/>"), 2);
    assert_non_null(strstr(b.data, "<w:keepNext/></w:pPr><w:r><w:t xml:space=\"preserve\">Cụ thể"));
    assert_non_null(strstr(b.data, "<w:keepNext/></w:pPr><w:r><w:t xml:space=\"preserve\">- </w:t>"));
    /* the last paragraph ends the document ("./."), nothing to keep with */
    assert_non_null(strstr(b.data, "Cuối./."));
    vt_buf_free(&b);
    vt_plan_free(p);
    const char *src = getenv("VT_SOURCE_DIR");
    if (!src)
        skip();
    char path[4096];
    snprintf(path, sizeof path, "%s/templates/common/word/styles.xml", src);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char xml[1 << 16];
    size_t n = fread(xml, 1, sizeof xml - 1, f);
    fclose(f);
    xml[n] = '\0';
    const char *def = strstr(xml, "<w:pPrDefault>");
    assert_non_null(def);
    const char *end = strstr(def, "</w:pPrDefault>");
    const char *wc = strstr(def, "<w:widowControl/>");
    assert_true(wc && wc < end);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_line),
        cmocka_unit_test(test_escape_text_and_attr),
        cmocka_unit_test(test_rule_length),
        cmocka_unit_test(test_table_merges),
        cmocka_unit_test(test_table_layout_errors),
        cmocka_unit_test(test_table_layout_wide_row),
        cmocka_unit_test(test_body_blocks),
        cmocka_unit_test(test_noi_nhan_remarks_and_kinh_gui),
        cmocka_unit_test(test_balanced_lines),
        cmocka_unit_test(test_keep_next_and_widows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
