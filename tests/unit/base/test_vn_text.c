/* Unit tests for vn_text.c: the decree's text rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/vn_text.h"

static char *fmt_date(int y, int m, int d, vt_buf *b)
{
    vt_date dt = {y, m, d};
    vt_buf_reset(b);
    vt_date_long(&dt, b);
    return b->data;
}

static void test_date_long(void **state)
{
    (void)state;
    vt_buf b;
    vt_buf_init(&b);
    assert_string_equal(fmt_date(2020, 3, 5, &b), "ngày 05 tháng 3 năm 2020");
    assert_string_equal(fmt_date(2024, 2, 15, &b), "ngày 15 tháng 02 năm 2024");
    assert_string_equal(fmt_date(2020, 1, 5, &b), "ngày 05 tháng 01 năm 2020");
    assert_string_equal(fmt_date(2025, 12, 1, &b), "ngày 01 tháng 12 năm 2025");
    assert_string_equal(fmt_date(2019, 6, 29, &b), "ngày 29 tháng 6 năm 2019");
    /* a draft: blank day, and blank day and month */
    assert_string_equal(fmt_date(2023, 10, 0, &b), "ngày       tháng 10 năm 2023");
    assert_string_equal(fmt_date(2023, 0, 0, &b), "ngày       tháng       năm 2023");
    vt_buf_free(&b);
}

static void test_date_valid(void **state)
{
    (void)state;
    vt_date d30feb = {2020, 2, 30}, d29feb = {2024, 2, 29}, d29feb23 = {2023, 2, 29};
    vt_date draft = {2023, 10, 0}, bad_month = {2023, 13, 1}, d1900 = {1900, 2, 29};
    assert_false(vt_date_valid(&d30feb, 0));
    assert_true(vt_date_valid(&d29feb, 0));
    assert_false(vt_date_valid(&d29feb23, 0));
    assert_false(vt_date_valid(&d1900, 0)); /* 1900 is not a leap year */
    assert_true(vt_date_valid(&draft, 1));
    assert_false(vt_date_valid(&draft, 0));
    assert_false(vt_date_valid(&bad_month, 1));
}

static char *kh(int n, const char *t, const char *a, const char *u, vt_buf *b)
{
    vt_buf_reset(b);
    vt_ky_hieu(n, t, a, u, b);
    return b->data;
}

static void test_number_and_ky_hieu(void **state)
{
    (void)state;
    vt_buf b;
    vt_buf_init(&b);
    assert_string_equal(kh(5, "KH", "PGDĐT", NULL, &b), "05/KH-PGDĐT");
    assert_string_equal(kh(9, "QĐ", "BNV", NULL, &b), "09/QĐ-BNV");
    assert_string_equal(kh(10, "TB", "ABC", NULL, &b), "10/TB-ABC");
    assert_string_equal(kh(125, "GM", "ABC", NULL, &b), "125/GM-ABC");
    /* công văn: no type abbreviation; agency, then the unit if any */
    assert_string_equal(kh(394, "", "GDĐT", NULL, &b), "394/GDĐT");
    assert_string_equal(kh(5, "", "PGDĐT", "GDTH", &b), "05/PGDĐT-GDTH");
    /* a draft leaves room before the slash */
    assert_string_equal(kh(0, "KH", "PGDĐT", NULL, &b), "      /KH-PGDĐT");
    vt_buf_reset(&b);
    vt_number_pad(1, &b);
    assert_string_equal(b.data, "01");
    vt_buf_free(&b);
}

static void test_roman(void **state)
{
    (void)state;
    char r[16];
    static const struct { int n; const char *s; } t[] = {
        {1, "I"}, {2, "II"}, {4, "IV"}, {9, "IX"}, {14, "XIV"}, {40, "XL"},
        {1994, "MCMXCIV"}, {3999, "MMMCMXCIX"}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        assert_int_equal(vt_roman(t[i].n, r, sizeof r), 0);
        assert_string_equal(r, t[i].s);
    }
    assert_int_equal(vt_roman(0, r, sizeof r), -1);
    assert_int_equal(vt_roman(4000, r, sizeof r), -1);
}

static void test_vn_letters(void **state)
{
    (void)state;
    const char *want[] = {"a", "b", "c", "d", "đ", "e", "g", "h", "i", "k",
                          "l", "m", "n", "o"};
    for (int i = 0; i < 14; i++)
        assert_string_equal(vt_vn_letter(i), want[i]);
    for (int i = 0; i < vt_vn_letter_count(); i++) {
        const char *l = vt_vn_letter(i);
        assert_true(strcmp(l, "f") && strcmp(l, "j") && strcmp(l, "w") &&
                    strcmp(l, "z"));
    }
    assert_null(vt_vn_letter(vt_vn_letter_count()));
    assert_null(vt_vn_letter(-1));
}

/* Section numbers for any count: the vinculum past 3999 (issue 11, class
 * 11), each numeral distinct and the plain ones as before. */
static void test_roman_label(void **state)
{
    (void)state;
    static const struct { int n; const char *s; } t[] = {
        {1, "I"}, {4, "IV"}, {3999, "MMMCMXCIX"},
        {4000, "I\u0305V\u0305"}, {4001, "I\u0305V\u0305I"},
        {5000, "V\u0305"}, {10999, "X\u0305CMXCIX"},
        {4000000, "I\u0305\u0305V\u0305\u0305"}};
    vt_buf b;
    vt_buf_init(&b);
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        vt_buf_reset(&b);
        vt_roman_label(t[i].n, &b);
        assert_string_equal(b.data, t[i].s);
    }
    vt_buf_reset(&b);
    vt_roman_label(0, &b);
    assert_int_equal(b.len, 0);
    vt_roman_label(2147483647, &b); /* INT_MAX has a numeral too */
    assert_true(b.len > 0 && !b.oom);
    /* 1..3999 agree with vt_roman */
    char r[16];
    for (int n = 1; n < 4000; n += 7) {
        vt_buf_reset(&b);
        vt_roman_label(n, &b);
        assert_int_equal(vt_roman(n, r, sizeof r), 0);
        assert_string_equal(b.data, r);
    }
    vt_buf_free(&b);
}

static void test_letter_label(void **state)
{
    (void)state;
    vt_buf b;
    vt_buf_init(&b);
    int k = vt_vn_letter_count();
    static const struct { int n; const char *s; } t[] = {
        {0, "a"}, {4, "đ"}, {22, "y"}, {23, "aa"}, {24, "ab"}, {27, "ađ"},
        {23 + 22, "ay"}, {23 + 23, "ba"}, {23 + 23 * 23, "aaa"}};
    assert_int_equal(k, 23);
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        vt_buf_reset(&b);
        vt_vn_letter_label(t[i].n, &b);
        assert_string_equal(b.data, t[i].s);
    }
    vt_buf_reset(&b);
    vt_vn_letter_label(2147483647, &b);
    assert_true(b.len > 0 && !b.oom);
    vt_buf_free(&b);
}

static void test_upper_and_nfc(void **state)
{
    (void)state;
    vt_buf b;
    vt_buf_init(&b);
    vt_text_upper("ư đ ạ ơ ễ ỷ phòng giáo dục và đào tạo", &b);
    assert_string_equal(b.data, "Ư Đ Ạ Ơ Ễ Ỷ PHÒNG GIÁO DỤC VÀ ĐÀO TẠO");
    /* decomposed "ệ" (e + circumflex + dot below) becomes one code point */
    vt_buf_reset(&b);
    assert_int_equal(vt_text_clean("Vie\xcc\x82\xcc\xa3t", 8, &b), 0);
    assert_string_equal(b.data, "Việt");
    vt_buf_reset(&b);
    vt_text_capitalize("kế hoạch", &b);
    assert_string_equal(b.data, "Kế hoạch");
    vt_buf_free(&b);
}

static void test_clean_controls(void **state)
{
    (void)state;
    vt_buf b;
    vt_buf_init(&b);
    /* C0 controls, a right-to-left override, a zero-width space and a BOM
     * are removed; white space folds to one space */
    const char *in = "a\x01" "b\x1f  c\n\t d\xe2\x80\xae" "e\xe2\x80\x8b" "f\xef\xbb\xbf";
    assert_int_equal(vt_text_clean(in, strlen(in), &b), 0);
    assert_string_equal(b.data, "ab c def");
    vt_buf_reset(&b);
    assert_int_equal(vt_text_clean("bad \xff utf8", 10, &b), -1);
    /* A right-to-left mark between "e" and its combining acute: once the
     * mark is gone the pair must still compose to "é" (fuzz_vn_text). */
    vt_buf_reset(&b);
    assert_int_equal(vt_text_clean("Ti\xc3\xaa\xe2\x80\x8f\xcc\x81ng", 11, &b), 0);
    assert_string_equal(b.data, "Tiếng");
    vt_buf_free(&b);
}

static void test_width_and_slug(void **state)
{
    (void)state;
    long reg = vt_text_width_twips("Phòng Giáo dục", 14, 0);
    long bold = vt_text_width_twips("Phòng Giáo dục", 14, 1);
    assert_true(bold > reg);
    /* the diacritics do not change the width of the base letter */
    assert_int_equal(vt_text_width_twips("ạ", 14, 0), vt_text_width_twips("a", 14, 0));
    assert_int_equal(vt_text_width_twips("Đ", 14, 1), vt_text_width_twips("D", 14, 1));
    /* "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" at 12 pt bold fits the header's
     * right column (5386 twips less the cell margins) */
    assert_true(vt_text_width_twips("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12, 1) < 5386 - 114);
    vt_buf b;
    vt_buf_init(&b);
    vt_slug("Cụm 1: TH Lai Vu", 60, &b);
    assert_string_equal(b.data, "cum-1-th-lai-vu");
    vt_buf_reset(&b);
    vt_slug("TH&THCS Sá Tổng / ../..", 60, &b);
    assert_string_equal(b.data, "th-thcs-sa-tong");
    vt_buf_reset(&b);
    vt_slug("///", 60, &b);
    assert_string_equal(b.data, "x");
    /* Found by fuzz_vn_text: a dash before the last letter went one byte
     * past max_len. */
    vt_buf_reset(&b);
    vt_slug("ab cd", 3, &b);
    assert_string_equal(b.data, "ab");
    vt_buf_reset(&b);
    vt_slug("ab cd", 4, &b);
    assert_string_equal(b.data, "ab-c");
    vt_buf_free(&b);
}

static void test_fold(void **state)
{
    (void)state;
    vt_buf b;
    vt_buf_init(&b);
    vt_text_fold("Kế hoạch SINH HOẠT Đầu năm", &b);
    vt_buf_putc(&b, '\0');
    assert_string_equal(b.data, "ke hoach sinh hoat dau nam");
    /* decomposed input folds the same as composed */
    vt_buf_reset(&b);
    vt_text_fold("Ke\xcc\x82\xcc\x81 hoa\xcc\xa3" "ch", &b);
    vt_buf_putc(&b, '\0');
    assert_string_equal(b.data, "ke hoach");
    vt_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_long),
        cmocka_unit_test(test_date_valid),
        cmocka_unit_test(test_number_and_ky_hieu),
        cmocka_unit_test(test_fold),
        cmocka_unit_test(test_roman),
        cmocka_unit_test(test_vn_letters),
        cmocka_unit_test(test_roman_label),
        cmocka_unit_test(test_letter_label),
        cmocka_unit_test(test_upper_and_nfc),
        cmocka_unit_test(test_clean_controls),
        cmocka_unit_test(test_width_and_slug),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
