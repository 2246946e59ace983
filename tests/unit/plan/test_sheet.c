/* Unit tests for sheet.c: headings, dates and times as clerks type them,
 * CSV separators, XLSX shared and inline strings, clusters, and where a
 * plan's <clusters> is. */
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

#include "plan/sheet.h"

static void test_headings(void **state)
{
    (void)state;
    assert_int_equal(vt_sheet_column_of("Cụm"), VT_COL_CLUSTER);
    assert_int_equal(vt_sheet_column_of("CỤM"), VT_COL_CLUSTER);
    assert_int_equal(vt_sheet_column_of("Cụm trường"), VT_COL_CLUSTER);
    assert_int_equal(vt_sheet_column_of("Cụm trưởng"), VT_COL_HOST);
    assert_int_equal(vt_sheet_column_of("TÊN TRƯỜNG"), VT_COL_SCHOOL);
    assert_int_equal(vt_sheet_column_of("ten truong"), VT_COL_SCHOOL);
    assert_int_equal(vt_sheet_column_of("  Tên  trường: "), VT_COL_SCHOOL);
    assert_int_equal(vt_sheet_column_of("Ngày (dd/mm/yyyy)"), VT_COL_DATE);
    assert_int_equal(vt_sheet_column_of("Buổi"), VT_COL_SESSION);
    assert_int_equal(vt_sheet_column_of("Giờ"), VT_COL_TIME);
    assert_int_equal(vt_sheet_column_of("Thời gian"), VT_COL_WHEN);
    assert_int_equal(vt_sheet_column_of("Địa điểm tổ chức"), VT_COL_VENUE);
    assert_int_equal(vt_sheet_column_of("dia diem"), VT_COL_VENUE);
    assert_int_equal(vt_sheet_column_of("Chủ đề"), VT_COL_TOPIC);
    assert_int_equal(vt_sheet_column_of("Nội dung chuyên đề"), VT_COL_TOPIC);
    assert_int_equal(vt_sheet_column_of("STT"), VT_COL_IGNORE);
    assert_int_equal(vt_sheet_column_of("Ghi chú"), VT_COL_IGNORE);
    assert_int_equal(vt_sheet_column_of("Điện thoại"), -1);
    assert_int_equal(vt_sheet_column_of("Ngày sinh của hiệu trưởng"), -1);
    assert_int_equal(vt_sheet_column_of(""), -1);
    assert_string_equal(vt_sheet_column_name(VT_COL_VENUE), "địa điểm");
}

static void expect_date(const char *text, int y, int m, int d)
{
    vt_date dt = {0, 0, 0};
    assert_int_equal(vt_sheet_parse_date(text, &dt), 0);
    assert_int_equal(dt.year, y);
    assert_int_equal(dt.month, m);
    assert_int_equal(dt.day, d);
}

static void test_dates(void **state)
{
    (void)state;
    expect_date("14/03/2018", 2018, 3, 14);
    expect_date("14/3/2018", 2018, 3, 14);
    expect_date("2018-03-14", 2018, 3, 14);
    expect_date("14-3-2018", 2018, 3, 14);
    expect_date("14.3.2018", 2018, 3, 14);
    expect_date("ngày 14/3/2018", 2018, 3, 14);
    expect_date("Thứ 4, 14/3/2018", 2018, 3, 14);
    vt_date dt;
    assert_int_equal(vt_sheet_parse_date("31/02/2018", &dt), -2);
    assert_int_equal(vt_sheet_parse_date("29/02/2019", &dt), -2);
    assert_int_equal(vt_sheet_parse_date("abc", &dt), -1);
    assert_int_equal(vt_sheet_parse_date("14/3/18", &dt), -1);
    assert_int_equal(vt_sheet_parse_date("14/3/2018 - 15/3/2018", &dt), -1);
    assert_int_equal(vt_sheet_parse_date("", &dt), -1);
}

static void expect_serial(double serial, int date1904, int y, int m, int d)
{
    vt_date dt = {0, 0, 0};
    assert_int_equal(vt_date_from_serial(serial, date1904, &dt), 0);
    assert_int_equal(dt.year, y);
    assert_int_equal(dt.month, m);
    assert_int_equal(dt.day, d);
}

static void test_serials(void **state)
{
    (void)state;
    expect_serial(43173, 0, 2018, 3, 14);
    expect_serial(43173.3125, 0, 2018, 3, 14);
    expect_serial(1, 0, 1900, 1, 1);
    expect_serial(59, 0, 1900, 2, 28);
    expect_serial(61, 0, 1900, 3, 1);
    expect_serial(45658, 0, 2025, 1, 1);
    expect_serial(0, 1, 1904, 1, 1);
    expect_serial(43173 - 1462, 1, 2018, 3, 14);
    vt_date dt;
    assert_int_equal(vt_date_from_serial(60, 0, &dt), -1); /* 29/02/1900 */
    assert_int_equal(vt_date_from_serial(0, 0, &dt), -1);
    assert_int_equal(vt_date_from_serial(-5, 1, &dt), -1);
    assert_int_equal(vt_date_from_serial(3e6, 0, &dt), -1);
}

static void test_times(void **state)
{
    (void)state;
    char t[6];
    static const char *const ok[][2] = {
        {"07:30", "07:30"}, {"7:30", "07:30"}, {"7h30", "07:30"},
        {"7H30", "07:30"}, {"7 giờ 30", "07:30"}, {"7 giờ 30 phút", "07:30"},
        {"13h", "13:00"}, {"7g30 sáng", "07:30"}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        assert_int_equal(vt_sheet_parse_time(ok[i][0], t), 0);
        assert_string_equal(t, ok[i][1]);
    }
    assert_int_equal(vt_sheet_parse_time("25:00", t), -1);
    assert_int_equal(vt_sheet_parse_time("7:5", t), -1);
    assert_int_equal(vt_sheet_parse_time("7 học sinh", t), -1);
    assert_int_equal(vt_sheet_parse_time("sáng", t), -1);
}

static void test_csv_separator(void **state)
{
    (void)state;
    assert_int_equal(vt_csv_separator("Cụm;Trường;Ngày\n1;a,b;c", 26), ';');
    assert_int_equal(vt_csv_separator("Cụm,Trường,Ngày\n", 19), ',');
    const char *q = "\"a;b;c\",d\n";
    assert_int_equal(vt_csv_separator(q, strlen(q)), ',');
    const char *blank = "\r\n\r\nCụm;Trường\r\n";
    assert_int_equal(vt_csv_separator(blank, strlen(blank)), ';');
    const char *tab = "Cụm\tTrường\tNgày\n";
    assert_int_equal(vt_csv_separator(tab, strlen(tab)), '\t');
    assert_int_equal(vt_csv_separator("", 0), ',');
    /* a title line without separators above the heading */
    const char *title = "DANH SÁCH CỤM\n\nCụm;Trường;Ngày\n1;TH A, B;14/3/2018\n";
    assert_int_equal(vt_csv_separator(title, strlen(title)), ';');
}

static vt_sheet *csv(const char *text, vt_diags *d)
{
    vt_sheet *s = NULL;
    vt_error rc = vt_sheet_csv_mem("t.csv", text, strlen(text), NULL, &s, d);
    return rc == VT_OK ? s : NULL;
}

static void test_csv(void **state)
{
    (void)state;
    vt_diags d;
    vt_diags_init(&d);
    vt_sheet *s = csv("\xEF\xBB\xBF" "Cụm;Trường\r\n\r\n1;\"TH A; B\"\r\n"
                      "2;  TH   C \r\n", &d);
    assert_non_null(s);
    assert_null(s->name);
    assert_int_equal(s->nrows, 3);
    assert_int_equal(s->rows[0].number, 1);
    assert_string_equal(s->rows[0].cells[0].text, "Cụm");
    assert_int_equal(s->rows[1].number, 3); /* the blank line is line 2 */
    assert_string_equal(s->rows[1].cells[1].text, "TH A; B");
    assert_string_equal(s->rows[2].cells[1].text, "TH C"); /* cleaned */
    vt_buf w;
    vt_buf_init(&w);
    vt_sheet_where(s, 3, 1, &w);
    assert_string_equal(w.data, "t.csv:3: column B");
    vt_buf_free(&w);
    vt_sheet_free(s);
    /* Windows-1258 (or any code page) is refused with its line */
    assert_null(csv("Cụm,Trường\n1,Tr\xF0\xF2ng\n", &d));
    assert_int_equal(d.count, 1);
    assert_non_null(strstr(d.msgs[0], "t.csv:2: not UTF-8"));
    vt_diags_free(&d);
    assert_null(csv("\xFF\xFE" "C\0", &d));
    assert_non_null(strstr(d.msgs[0], "UTF-16"));
    vt_diags_free(&d);
}

/* An XLSX in memory from its parts, written with libzip. */
static char *make_xlsx(const char *const parts[][2], size_t n, size_t *len)
{
    char path[] = "/tmp/vt-test-sheet-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    int err = 0;
    zip_t *z = zip_open(path, ZIP_TRUNCATE, &err);
    assert_non_null(z);
    for (size_t i = 0; i < n; i++) {
        zip_source_t *src = zip_source_buffer(z, parts[i][1], strlen(parts[i][1]), 0);
        assert_true(zip_file_add(z, parts[i][0], src, ZIP_FL_OVERWRITE) >= 0);
    }
    assert_int_equal(zip_close(z), 0);
    char *data = NULL;
    assert_int_equal(vt_read_file(path, 1 << 20, &data, len), 0);
    unlink(path);
    return data;
}

#define NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " \
           "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
#define RELS "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

static const char *const PARTS[][2] = {
    {"xl/workbook.xml",
     "<workbook " NS "><workbookPr/><sheets>"
     "<sheet name=\"Bìa\" sheetId=\"1\" r:id=\"rId2\"/>"
     "<sheet name=\"Cụm\" sheetId=\"2\" r:id=\"rId1\"/></sheets></workbook>"},
    {"xl/_rels/workbook.xml.rels",
     "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
     "<Relationship Id=\"rId1\" Type=\"" RELS "worksheet\" Target=\"worksheets/b.xml\"/>"
     "<Relationship Id=\"rId2\" Type=\"" RELS "worksheet\" Target=\"/xl/worksheets/a.xml\"/>"
     "<Relationship Id=\"rId3\" Type=\"" RELS "sharedStrings\" Target=\"sharedStrings.xml\"/>"
     "</Relationships>"},
    {"xl/sharedStrings.xml",
     "<sst " NS "><si><t>Cụm</t></si><si><r><t>Tên </t></r><r><rPr><b/></rPr>"
     "<t>trường</t></r><rPh><t>PHONETIC</t></rPh></si><si><t>Ngày</t></si>"
     "<si><t>Địa điểm</t></si><si><t xml:space=\"preserve\">  TH Lai Vu </t></si></sst>"},
    {"xl/worksheets/a.xml", "<worksheet " NS "><sheetData/></worksheet>"},
    {"xl/worksheets/b.xml",
     "<worksheet " NS "><sheetData>"
     "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v></c><c r=\"B2\" t=\"s\"><v>1</v></c>"
     "<c r=\"C2\" t=\"s\"><v>2</v></c><c r=\"D2\" t=\"s\"><v>3</v></c></row>"
     "<row r=\"3\"><c r=\"A3\"><v>1</v></c><c r=\"B3\" t=\"s\"><v>4</v></c>"
     "<c r=\"C3\" s=\"1\"><v>43173</v></c>"
     "<c r=\"D3\" t=\"inlineStr\"><is><t>A &amp; B</t></is></c></row>"
     "<row r=\"5\"><c r=\"B5\" t=\"inlineStr\"><is><t>TH Kim</t></is></c></row>"
     "</sheetData></worksheet>"},
};

static void test_xlsx_strings(void **state)
{
    (void)state;
    size_t len;
    char *data = make_xlsx(PARTS, sizeof PARTS / sizeof *PARTS, &len);
    vt_diags d;
    vt_diags_init(&d);
    vt_sheet *s = NULL;
    assert_int_equal(vt_sheet_xlsx_mem("s.xlsx", data, len, "Cụm", NULL, &s, &d), VT_OK);
    assert_string_equal(s->name, "Cụm");
    assert_int_equal(s->nrows, 3);
    assert_int_equal(s->rows[0].number, 2);
    /* rich text runs joined, the phonetic guide left out */
    assert_string_equal(s->rows[0].cells[1].text, "Tên trường");
    assert_string_equal(s->rows[1].cells[1].text, "TH Lai Vu");
    assert_int_equal(s->rows[1].cells[2].kind, VT_CELL_NUMBER);
    assert_string_equal(s->rows[1].cells[2].text, "43173");
    assert_string_equal(s->rows[1].cells[3].text, "A & B");
    assert_int_equal(s->rows[2].number, 5);
    assert_null(s->rows[2].cells[0].text);

    vt_buf xml;
    vt_buf_init(&xml);
    size_t nc = 0, ns = 0;
    assert_int_equal(vt_sheet_clusters(s, "  ", &xml, &nc, &ns, &d), VT_OK);
    assert_int_equal(nc, 1);
    assert_int_equal(ns, 2);
    assert_string_equal(xml.data,
                        "<clusters>\n"
                        "    <cluster name=\"Cụm số 1\" date=\"2018-03-14\">\n"
                        "      <venue>A &amp; B</venue>\n"
                        "      <school>TH Lai Vu</school>\n"
                        "      <school>TH Kim</school>\n"
                        "    </cluster>\n"
                        "  </clusters>");
    vt_buf_free(&xml);
    vt_sheet_free(s);

    /* the first sheet by default; a sheet that is not there */
    assert_int_equal(vt_sheet_xlsx_mem("s.xlsx", data, len, NULL, NULL, &s, &d), VT_OK);
    assert_string_equal(s->name, "Bìa");
    assert_int_equal(s->nrows, 0);
    vt_sheet_free(s);
    assert_int_equal(vt_sheet_xlsx_mem("s.xlsx", data, len, "Cum 9", NULL, &s, &d),
                     VT_ERR_USAGE);
    assert_non_null(strstr(d.msgs[d.count - 1], "no sheet \"Cum 9\""));
    assert_int_equal(vt_sheet_xlsx_mem("s.xlsx", "PK\3\4 not a zip", 15, NULL,
                                       NULL, &s, &d), VT_ERR_ZIP);
    free(data);
    vt_diags_free(&d);
}

static void test_cluster_errors(void **state)
{
    (void)state;
    vt_diags d;
    vt_diags_init(&d);
    vt_sheet *s = csv("Cụm,Trường,Ngày,Địa điểm\n"
                      "1,TH A,14/3/2018,X\n"
                      "1,TH B,15/3/2018,\n"
                      "2,TH A,31/02/2018,Y\n"
                      "3,,abc,Z\n", &d);
    assert_non_null(s);
    vt_buf xml;
    vt_buf_init(&xml);
    assert_int_equal(vt_sheet_clusters(s, "", &xml, NULL, NULL, &d), VT_ERR_PLAN);
    assert_int_equal(d.count, 5);
    assert_string_equal(d.msgs[0], "t.csv:3: column C (ngày): \"15/3/2018\" "
                                   "gives \"Cụm số 1\" another ngày than row 2 "
                                   "(\"14/3/2018\"); a cluster meets once");
    assert_string_equal(d.msgs[1], "t.csv:4: column C (ngày): \"31/02/2018\" is "
                                   "not a real date");
    assert_non_null(strstr(d.msgs[2], "t.csv:5: column C (ngày): \"abc\" is not a date"));
    assert_non_null(strstr(d.msgs[3], "t.csv:5: column A (cụm): cluster \"Cụm số 3\" has no schools"));
    assert_string_equal(d.msgs[4], "t.csv:4: column B (trường): \"TH A\" is listed "
                                   "twice (also in row 2, Cụm số 1); a school "
                                   "belongs to one cluster");
    vt_diags_free(&d);
    vt_sheet_free(s);
    /* a missing required column, named at the heading row */
    s = csv("Cụm,Trường,Ngày\n1,TH A,14/3/2018\n", &d);
    assert_int_equal(vt_sheet_clusters(s, "", &xml, NULL, NULL, &d), VT_ERR_PLAN);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.msgs[0], "t.csv:1: no column for địa điểm; head one "
                                   "with \"Địa điểm\"");
    vt_diags_free(&d);
    vt_sheet_free(s);
    vt_buf_free(&xml);
}

/* Excel numbers in the date and time columns: serials, fractions, hours. */
static void test_cluster_numbers(void **state)
{
    (void)state;
    vt_diags d;
    vt_diags_init(&d);
    vt_sheet *s = csv("Cụm,Trường,Thời gian,Giờ,Địa điểm,Buổi\n"
                      "1,TH A,43173.3125,,X,\n"
                      "2,TH B,43174,7,Y,chieu\n"
                      "3,TH C,0.5,43173,Z,2\n", &d);
    assert_non_null(s);
    for (size_t r = 1; r < 4; r++)
        for (size_t c = 0; c < s->rows[r].ncells; c++)
            if (s->rows[r].cells[c].text && c != 1 && c != 4 && c != 5)
                s->rows[r].cells[c].kind = VT_CELL_NUMBER; /* as XLSX gives them */
    vt_buf xml;
    vt_buf_init(&xml);
    assert_int_equal(vt_sheet_clusters(s, "", &xml, NULL, NULL, &d), VT_ERR_PLAN);
    assert_int_equal(d.count, 2);
    assert_string_equal(d.msgs[0], "t.csv:4: column F (buổi): \"2\" is not a session (sáng, chiều or tối)");
    assert_string_equal(d.msgs[1], "t.csv:4: column D (giờ): 43173 is not a time of day");
    vt_diags_free(&d);
    s->nrows = 3; /* without the bad row */
    assert_int_equal(vt_sheet_clusters(s, "", &xml, NULL, NULL, &d), VT_OK);
    assert_non_null(strstr(xml.data, "<cluster name=\"Cụm số 1\" date=\"2018-03-14\" time=\"07:30\">"));
    assert_non_null(strstr(xml.data, "<cluster name=\"Cụm số 2\" date=\"2018-03-15\" session=\"chiều\" time=\"07:00\">"));
    s->nrows = 4;
    vt_buf_free(&xml);
    vt_sheet_free(s);
    vt_diags_free(&d);
}

static void span(const char *plan, int want, const char *before, const char *indent)
{
    size_t start = 99, end = 99;
    vt_buf ind;
    vt_buf_init(&ind);
    assert_int_equal(vt_plan_clusters_span(plan, strlen(plan), &start, &end, &ind), want);
    vt_buf_putc(&ind, '\0');
    if (want >= 0) {
        assert_int_equal(strncmp(plan + end, before, strlen(before)), 0);
        assert_string_equal(ind.data, indent);
    }
    if (want == 0)
        assert_int_equal(strncmp(plan + start, "<clusters", 9), 0);
    vt_buf_free(&ind);
}

static void test_plan_span(void **state)
{
    (void)state;
    span("<plan type=\"giay-moi\">\n  <!-- <clusters> in a comment -->\n"
         "  <x a=\"<clusters>\"/>\n  <clusters>\n    <cluster name=\"1\"/>\n"
         "  </clusters>\n  <copies-to/>\n</plan>\n",
         0, "\n  <copies-to/>", "  ");
    span("<?xml version=\"1.0\"?>\n<plan>\n\t<body/>\n\t<copies-to>x</copies-to>\n</plan>",
         1, "\t<copies-to>", "\t");
    span("<plan>\n  <body/>\n</plan>", 1, "</plan>", "  ");
    span("<plan><clusters/></plan>", 0, "</plan>", "");
    span("<document/>", -1, "", "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headings),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_serials),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_csv_separator),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_xlsx_strings),
        cmocka_unit_test(test_cluster_errors),
        cmocka_unit_test(test_cluster_numbers),
        cmocka_unit_test(test_plan_span),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
