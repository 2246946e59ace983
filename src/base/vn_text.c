/*
 * vn_text.c - the Vietnamese text rules of Decree 30.
 *
 * Case mapping and normalisation come from utf8proc so that every letter of
 * Vietnamese (and of the names of minority places such as "Nậm Nèn") is
 * handled by Unicode's tables rather than by a hand-written list.
 */
#include "base/vn_text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Characters that must never reach a document: C0/C1 controls (XML 1.0
 * forbids most of them and Word shows the rest as boxes), bidirectional
 * overrides that can make text read differently from how it is stored, and
 * zero-width or BOM characters that break searching. */
static int is_dropped(utf8proc_int32_t c)
{
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
        return 1;
    if (c >= 0x7f && c <= 0x9f)
        return 1;
    if (c == 0x200b || c == 0x200e || c == 0x200f || c == 0xfeff)
        return 1;
    if (c >= 0x202a && c <= 0x202e)
        return 1;
    if (c >= 0x2066 && c <= 0x2069)
        return 1;
    if (c == 0xfffe || c == 0xffff)
        return 1;
    return 0;
}

static int is_space(utf8proc_int32_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xa0;
}

/* Decode the code point at s[*i] into *c and advance *i; 0 at the end or on
 * invalid UTF-8. */
static int next_cp(const char *s, size_t n, size_t *i, utf8proc_int32_t *c)
{
    if (*i >= n)
        return 0;
    utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + *i,
                                          (utf8proc_ssize_t)(n - *i), c);
    if (k <= 0)
        return 0;
    *i += (size_t)k;
    return 1;
}

/* Controls and marks are dropped before NFC, not after: a mark between a
 * letter and its combining accent ("e", U+200F, U+0301) would otherwise
 * keep the letter decomposed once the mark is gone, and the text would
 * not be NFC (found by fuzz_vn_text). */
int vt_text_clean(const char *s, size_t n, vt_buf *out)
{
    vt_buf kept;
    vt_buf_init(&kept);
    int pending_space = 0;
    size_t i = 0;
    utf8proc_int32_t c;
    while (i < n) {
        size_t at = i;
        if (!next_cp(s, n, &i, &c)) {
            vt_buf_free(&kept);
            return -1;
        }
        if (is_space(c)) {
            pending_space = 1;
        } else if (!is_dropped(c)) {
            if (pending_space)
                vt_buf_putc(&kept, ' ');
            pending_space = 0;
            vt_buf_put(&kept, s + at, i - at);
        }
    }
    if (pending_space)
        vt_buf_putc(&kept, ' ');
    utf8proc_uint8_t *nfc = NULL;
    utf8proc_ssize_t len = kept.oom ? -1 :
        utf8proc_map((const utf8proc_uint8_t *)(kept.data ? kept.data : ""),
                     (utf8proc_ssize_t)kept.len, &nfc,
                     UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    vt_buf_free(&kept);
    if (len < 0)
        return len == UTF8PROC_ERROR_NOMEM ? -2 : -1;
    vt_buf_put(out, (const char *)nfc, (size_t)len);
    free(nfc);
    return out->oom ? -2 : 0;
}

static int map_case(const char *s, vt_buf *out, int first_only)
{
    size_t n = strlen(s);
    int done = 0;
    for (size_t i = 0; i < n;) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                              (utf8proc_ssize_t)(n - i), &c);
        if (k <= 0)
            return -1;
        utf8proc_int32_t u = c;
        if (!done) {
            u = utf8proc_toupper(c);
            if (first_only && utf8proc_category(c) >= UTF8PROC_CATEGORY_LU &&
                utf8proc_category(c) <= UTF8PROC_CATEGORY_LO)
                done = 1;
        }
        utf8proc_uint8_t enc[4];
        utf8proc_ssize_t m = utf8proc_encode_char(u, enc);
        vt_buf_put(out, (const char *)enc, (size_t)m);
        i += (size_t)k;
    }
    return 0;
}

int vt_text_upper(const char *s, vt_buf *out) { return map_case(s, out, 0); }

int vt_text_capitalize(const char *s, vt_buf *out)
{
    return map_case(s, out, 1);
}

/* Roman numerals stop at 3999 (MMMCMXCIX); past that the classical
 * vinculum multiplies by 1000: a bar over I̅V̅ makes 4000, so the plain
 * numeral is extended rather than switched to another style mid-list.
 * The bar is U+0305 (combining overline) after each letter, doubled for
 * millions; every int has a numeral. */
static void roman_bars(unsigned n, int bars, vt_buf *out)
{
    static const struct {
        unsigned v;
        const char *s;
    } t[] = {{1000, "M"}, {900, "CM"}, {500, "D"}, {400, "CD"}, {100, "C"},
             {90, "XC"},  {50, "L"},   {40, "XL"}, {10, "X"},   {9, "IX"},
             {5, "V"},    {4, "IV"},   {1, "I"}};
    if (n >= 4000) {
        roman_bars(n / 1000, bars + 1, out);
        n %= 1000;
    }
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        for (; n >= t[i].v; n -= t[i].v)
            for (const char *c = t[i].s; *c; c++) {
                vt_buf_putc(out, *c);
                for (int b = 0; b < bars; b++)
                    vt_buf_puts(out, "\xcc\x85"); /* U+0305 */
            }
}

int vt_roman(int n, char *out, size_t size)
{
    if (n < 1 || n > 3999 || size < 16)
        return -1;
    vt_buf b;
    vt_buf_init(&b);
    roman_bars((unsigned)n, 0, &b);
    int ok = !b.oom && b.len < size;
    if (ok)
        memcpy(out, b.data, b.len + 1);
    vt_buf_free(&b);
    return ok ? 0 : -1;
}

void vt_roman_label(int n, vt_buf *out)
{
    if (n < 1)
        return;
    roman_bars((unsigned)n, 0, out);
}

/* Decree 30 writes điểm "theo thứ tự bảng chữ cái tiếng Việt" and shows the
 * sequence a) b) c) d) đ) e) g) h) i): the letters with diacritics other
 * than đ (ă â ê ô ơ ư) are not used, nor are f j w z. */
static const char *const vn_letters[] = {
    "a", "b", "c", "d", "đ", "e", "g", "h", "i", "k", "l", "m",
    "n", "o", "p", "q", "r", "s", "t", "u", "v", "x", "y"};

int vt_vn_letter_count(void) { return (int)(sizeof vn_letters / sizeof *vn_letters); }

const char *vt_vn_letter(int n)
{
    if (n < 0 || n >= vt_vn_letter_count())
        return NULL;
    return vn_letters[n];
}

/* Past y) the letters go on as columns of a spreadsheet do, in the
 * decree's own alphabet: y) aa) ab) … ay) ba) …, so a long list keeps
 * letters rather than switching to digits. */
void vt_vn_letter_label(int n, vt_buf *out)
{
    int k = vt_vn_letter_count();
    if (n < 0)
        return;
    const char *digits[16];
    int nd = 0;
    long m = n;
    do {
        digits[nd++] = vn_letters[m % k];
        m = m / k - 1;
    } while (m >= 0 && nd < 16);
    while (nd)
        vt_buf_puts(out, digits[--nd]);
}

int vt_days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
        return 29;
    return days[month - 1];
}

int vt_date_valid(const vt_date *d, int allow_blank)
{
    if (d->year < 1900 || d->year > 9999)
        return 0;
    if (d->month == 0)
        return allow_blank && d->day == 0;
    if (d->month < 1 || d->month > 12)
        return 0;
    if (d->day == 0)
        return allow_blank;
    return d->day >= 1 && d->day <= vt_days_in_month(d->year, d->month);
}

/* The blank a clerk fills by hand: wide enough for two handwritten digits. */
static const char BLANK[] = "      ";

void vt_date_long(const vt_date *d, vt_buf *out)
{
    if (d->day)
        vt_buf_printf(out, "ngày %02d", d->day);
    else
        vt_buf_printf(out, "ngày%s", BLANK);
    if (d->month)
        vt_buf_printf(out, d->month <= 2 ? " tháng %02d" : " tháng %d",
                      d->month);
    else
        vt_buf_printf(out, " tháng%s", BLANK);
    vt_buf_printf(out, " năm %d", d->year);
}

void vt_time_long(const vt_date *d, const char *session, const char *hhmm,
                  vt_buf *out)
{
    int h, m;
    if (hhmm && sscanf(hhmm, "%d:%d", &h, &m) == 2)
        vt_buf_printf(out, "%d giờ %02d phút, ", h, m);
    else if (session && *session)
        vt_buf_printf(out, "buổi %s, ", session);
    vt_date_long(d, out);
}

void vt_date_short(const vt_date *d, vt_buf *out)
{
    if (d->day)
        vt_buf_printf(out, "%02d/", d->day);
    else
        vt_buf_puts(out, "    /");
    if (d->month)
        vt_buf_printf(out, d->month <= 2 ? "%02d/" : "%d/", d->month);
    else
        vt_buf_puts(out, "    /");
    vt_buf_printf(out, "%d", d->year);
}

void vt_number_pad(int n, vt_buf *out) { vt_buf_printf(out, "%02d", n); }

void vt_ky_hieu(int number, const char *type_abbr, const char *agency_abbr,
                const char *unit_abbr, vt_buf *out)
{
    if (number > 0)
        vt_number_pad(number, out);
    else
        vt_buf_puts(out, BLANK);
    vt_buf_putc(out, '/');
    if (type_abbr && *type_abbr) {
        vt_buf_printf(out, "%s-%s", type_abbr, agency_abbr);
    } else {
        vt_buf_puts(out, agency_abbr);
        if (unit_abbr && *unit_abbr)
            vt_buf_printf(out, "-%s", unit_abbr);
    }
}

/* Adobe Times-Roman and Times-Bold advance widths (1/1000 em) for ASCII
 * 32..126; Times New Roman shares these metrics closely enough for sizing a
 * rule to within a few per cent. */
static const short times_regular[95] = {
    250, 333, 408, 500, 500, 833, 778, 180, 333, 333, 500, 564, 250, 333, 250,
    278, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564,
    564, 444, 921, 722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611,
    889, 722, 722, 556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611, 333,
    278, 333, 469, 500, 333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278,
    500, 278, 778, 500, 500, 500, 500, 333, 389, 278, 500, 500, 722, 500, 500,
    444, 480, 200, 480, 541};
static const short times_bold[95] = {
    250, 333, 555, 500, 500, 1000, 833, 278, 333, 333, 500, 570, 250, 333, 250,
    278, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 333, 333, 570, 570,
    570, 500, 930, 722, 667, 722, 722, 667, 611, 778, 778, 389, 500, 778, 667,
    944, 722, 778, 611, 778, 722, 556, 667, 722, 722, 1000, 722, 722, 667, 333,
    278, 333, 581, 500, 333, 500, 556, 444, 556, 444, 333, 500, 556, 278, 333,
    556, 278, 833, 556, 500, 556, 556, 444, 389, 333, 556, 500, 722, 500, 500,
    444, 394, 220, 394, 520};

/* The letter a Vietnamese character is built on: its first decomposed code
 * point (ạ -> a), with đ/Đ mapped by hand since they do not decompose. */
static utf8proc_int32_t base_letter(utf8proc_int32_t c)
{
    if (c == 0x111)
        return 'd';
    if (c == 0x110)
        return 'D';
    if (c < 0x80)
        return c;
    utf8proc_int32_t dec[8];
    int opt = 0;
    utf8proc_ssize_t n = utf8proc_decompose_char(c, dec, 8,
                                                 UTF8PROC_DECOMPOSE, &opt);
    if (n >= 1 && dec[0] < 0x80)
        return dec[0];
    return 0;
}

long vt_text_width_twips(const char *s, double size_pt, int bold)
{
    const short *w = bold ? times_bold : times_regular;
    size_t n = strlen(s);
    double units = 0;
    size_t i = 0;
    utf8proc_int32_t c;
    while (next_cp(s, n, &i, &c)) {
        utf8proc_int32_t b = base_letter(c);
        if (utf8proc_category(c) == UTF8PROC_CATEGORY_MN)
            continue; /* a combining mark adds no width */
        units += (b >= 32 && b < 127) ? w[b - 32] : 500;
    }
    return (long)(units * size_pt * 20.0 / 1000.0 + 0.5);
}

void vt_text_fold(const char *s, vt_buf *out)
{
    size_t n = strlen(s), i = 0;
    utf8proc_int32_t c;
    while (next_cp(s, n, &i, &c)) {
        if (utf8proc_category(c) == UTF8PROC_CATEGORY_MN)
            continue;
        utf8proc_int32_t b = base_letter(c);
        if (b >= 'A' && b <= 'Z')
            b = b - 'A' + 'a';
        utf8proc_uint8_t enc[4];
        utf8proc_ssize_t k = utf8proc_encode_char(b ? b : utf8proc_tolower(c),
                                                  enc);
        vt_buf_put(out, (const char *)enc, (size_t)k);
    }
}

void vt_slug(const char *s, size_t max_len, vt_buf *out)
{
    size_t n = strlen(s), start = out->len;
    int dash = 0;
    size_t i = 0;
    utf8proc_int32_t c;
    while (next_cp(s, n, &i, &c)) {
        utf8proc_int32_t b = base_letter(c);
        if (b >= 'A' && b <= 'Z')
            b = b - 'A' + 'a';
        int keep = (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9');
        if (!keep) {
            dash = out->len > start;
            continue;
        }
        if (out->len - start + (size_t)dash >= max_len)
            break; /* the dash and the letter must both fit */
        if (dash)
            vt_buf_putc(out, '-');
        dash = 0;
        vt_buf_putc(out, (char)b);
    }
    if (out->len == start)
        vt_buf_puts(out, "x");
}
