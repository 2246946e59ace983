/*
 * fuzz_vn_text.c - the Vietnamese text functions: NFC clean-up, case,
 * search folding, slugs, widths, numerals, dates and ký hiệu.
 *
 * Input: eight bytes of numbers, then up to four strings separated by NUL.
 * Each function is checked against the promise its header makes, not
 * only for crashes: clean text is valid UTF-8 without controls and
 * cleaning it again changes nothing; slugs are lower-case ASCII within
 * their length; Roman numerals exist exactly for 1..3999.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "fuzz.h"
#include "base/vn_text.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static int valid_utf8(const char *s, size_t n)
{
    utf8proc_int32_t cp;
    while (n) {
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s,
                                              (utf8proc_ssize_t)n, &cp);
        if (k <= 0)
            return 0;
        s += k;
        n -= (size_t)k;
    }
    return 1;
}

static void check_clean(const char *s, size_t n)
{
    vt_buf a, b;
    vt_buf_init(&a);
    vt_buf_init(&b);
    if (vt_text_clean(s, n, &a) == 0 && !a.oom) {
        CHECK(valid_utf8(a.data ? a.data : "", a.len), "clean: bad UTF-8");
        for (size_t i = 0; i < a.len; i++)
            CHECK((unsigned char)a.data[i] >= 0x20, "clean: a control left");
        CHECK(vt_text_clean(a.data ? a.data : "", a.len, &b) == 0,
              "clean: refuses its own output");
        CHECK(a.len == b.len && (a.len == 0 || !memcmp(a.data, b.data, a.len)),
              "clean: not idempotent");
    }
    vt_buf_free(&a);
    vt_buf_free(&b);
}

static void check_case(const char *s)
{
    vt_buf b;
    vt_buf_init(&b);
    if (vt_text_upper(s, &b) == 0 && b.len)
        CHECK(valid_utf8(b.data, b.len), "upper: bad UTF-8");
    vt_buf_reset(&b);
    if (vt_text_capitalize(s, &b) == 0 && b.len)
        CHECK(valid_utf8(b.data, b.len), "capitalize: bad UTF-8");
    vt_buf_reset(&b);
    vt_text_fold(s, &b);
    if (b.len)
        CHECK(valid_utf8(b.data, b.len), "fold: bad UTF-8");
    vt_buf_free(&b);
}

static void check_slug(const char *s, size_t max)
{
    vt_buf b;
    vt_buf_init(&b);
    vt_slug(s, max, &b);
    CHECK(b.len <= max, "slug: longer than asked");
    for (size_t i = 0; i < b.len; i++) {
        char c = b.data[i];
        CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-',
              "slug: not lower-case ASCII");
    }
    vt_buf_free(&b);
}

static void check_numbers(const uint8_t *p, const char *const *s)
{
    int n = (int)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
                  (uint32_t)p[2] << 8 | p[3]);
    char roman[16];
    int ok = vt_roman(n, roman, sizeof roman) == 0;
    CHECK(ok == (n >= 1 && n <= 3999), "roman: wrong range");
    if (ok)
        CHECK(strspn(roman, "IVXLCDM") == strlen(roman) && roman[0],
              "roman: not a numeral");
    CHECK((vt_vn_letter(p[4]) != NULL) == (p[4] < vt_vn_letter_count()),
          "letter: wrong range");
    vt_buf b;
    vt_buf_init(&b);
    vt_number_pad(n, &b);
    vt_ky_hieu(n & 0xffff, s[1], s[2], s[3], &b);
    vt_date dt = {.year = 1900 + p[5] * 2, .month = p[6] % 14,
                  .day = p[7] % 33};
    if (vt_date_valid(&dt, 1)) {
        vt_date_long(&dt, &b);
        vt_date_short(&dt, &b);
        vt_time_long(&dt, s[1], s[2], &b);
    }
    CHECK(vt_days_in_month(n, p[6] % 12 + 1) >= 28, "days: too few");
    CHECK(valid_utf8(b.data ? b.data : "", b.len) || !valid_utf8(s[1], strlen(s[1])) ||
              !valid_utf8(s[2], strlen(s[2])) || !valid_utf8(s[3], strlen(s[3])),
          "numbers: bad UTF-8 from good input");
    vt_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    /* One NUL-terminated copy, cut into up to four strings at NULs. */
    size_t n = size - 8;
    char *text = malloc(n + 1);
    if (!text)
        return 0;
    memcpy(text, data + 8, n);
    text[n] = '\0';
    const char *s[4] = {"", "", "", ""};
    size_t at = 0;
    for (int i = 0; i < 4 && at <= n; i++) {
        s[i] = text + at;
        at += strlen(text + at) + 1;
    }
    check_clean(text, n);
    check_case(s[0]);
    check_slug(s[0], 1 + data[0] % 80);
    CHECK(vt_text_width_twips(s[0], 13.0 + data[1] % 2, data[2] & 1) >= 0,
          "width: negative");
    check_numbers(data, s);
    free(text);
    return 0;
}
