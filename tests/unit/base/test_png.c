/* Unit tests for png.c: PNGs built here chunk by chunk, so each check
 * (signature, IHDR first and sane, size limits, CRC, truncation, IDAT,
 * pHYs) is met by a file that breaks exactly that one rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "base/png.h"

static size_t put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return 4;
}

static size_t chunk(unsigned char *p, const char *type, const unsigned char *data,
                    uint32_t len)
{
    size_t n = put32(p, len);
    memcpy(p + n, type, 4);
    if (len)
        memcpy(p + n + 4, data, len);
    uLong crc = crc32(0L, p + n, len + 4);
    return n + 4 + len + put32(p + n + 4 + len, (uint32_t)crc);
}

/* A PNG of w x h (colour type 6, 8 bits), optionally with pHYs. */
static size_t make(unsigned char *p, uint32_t w, uint32_t h, uint32_t ppm)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', 13, 10, 26, 10};
    unsigned char ihdr[13] = {0}, phys[9] = {0}, idat[2] = {0x78, 0x01};
    memcpy(p, sig, 8);
    put32(ihdr, w);
    put32(ihdr + 4, h);
    ihdr[8] = 8;
    ihdr[9] = 6;
    size_t n = 8 + chunk(p + 8, "IHDR", ihdr, 13);
    if (ppm) {
        put32(phys, ppm);
        put32(phys + 4, ppm);
        phys[8] = 1;
        n += chunk(p + n, "pHYs", phys, 9);
    }
    n += chunk(p + n, "IDAT", idat, 2);
    return n + chunk(p + n, "IEND", NULL, 0);
}

static void test_good(void **state)
{
    (void)state;
    unsigned char b[256];
    char err[200];
    vt_png_info info;
    size_t n = make(b, 400, 160, 10000);
    assert_int_equal(vt_png_check(b, n, &info, err, sizeof err), 0);
    assert_int_equal(info.width, 400);
    assert_int_equal(info.height, 160);
    assert_true(info.dpmm_x > 9.99 && info.dpmm_x < 10.01);
    n = make(b, 4000, 4000, 0);
    assert_int_equal(vt_png_check(b, n, &info, err, sizeof err), 0);
    assert_true(info.dpmm_x == 0);
}

static void test_refused(void **state)
{
    (void)state;
    unsigned char b[256];
    char err[200];
    vt_png_info info;
    size_t n = make(b, 20000, 20000, 0);
    assert_int_equal(vt_png_check(b, n, &info, err, sizeof err), -1);
    assert_non_null(strstr(err, "20000 x 20000"));
    n = make(b, 0, 10, 0);
    assert_int_equal(vt_png_check(b, n, &info, err, sizeof err), -1);
    n = make(b, 10, 10, 0);
    for (size_t cut = 0; cut < n; cut++) /* every truncation is refused */
        assert_int_equal(vt_png_check(b, cut, &info, err, sizeof err), -1);
    b[20] ^= 1; /* a bit of the width: the IHDR CRC no longer matches */
    assert_int_equal(vt_png_check(b, n, &info, err, sizeof err), -1);
    assert_non_null(strstr(err, "wrong CRC"));
    memcpy(b, "\xff\xd8\xff\xe0", 4);
    assert_int_equal(vt_png_check(b, n, &info, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a PNG"));
}

static void test_bad_depth_and_no_idat(void **state)
{
    (void)state;
    unsigned char b[256], ihdr[13] = {0, 0, 0, 9, 0, 0, 0, 9, 3, 6, 0, 0, 0};
    char err[200];
    vt_png_info info;
    memcpy(b, "\x89PNG\r\n\x1a\n", 8);
    size_t n = 8 + chunk(b + 8, "IHDR", ihdr, 13);
    n += chunk(b + n, "IEND", NULL, 0);
    assert_int_equal(vt_png_check(b, n, &info, err, sizeof err), -1);
    assert_non_null(strstr(err, "bit depth 3"));
    ihdr[8] = 8;
    n = 8 + chunk(b + 8, "IHDR", ihdr, 13);
    n += chunk(b + n, "IEND", NULL, 0);
    assert_int_equal(vt_png_check(b, n, &info, err, sizeof err), -1);
    assert_non_null(strstr(err, "IDAT"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_bad_depth_and_no_idat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
