/* Unit tests for the parts of pdf.c that do not need LibreOffice: the
 * PDF's name, the creation dates rewritten in place (same length, so the
 * cross-reference table stays right), and the font check that tells
 * Liberation 2 from 1.x by its Vietnamese letters, on hand-built cmap
 * tables (including cut-short ones) and on the installed fonts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/buf.h"
#include "pdf/pdf.h"

static void test_names(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"out/a.docx", "out/a.pdf"}, {"A.DOCX", "A.pdf"}, {"x", "x.pdf"},
        {".docx", ".docx.pdf"}, {"a.docx.bak", "a.docx.bak.pdf"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *n = vt_pdf_name(cases[i][0]);
        assert_non_null(n);
        assert_string_equal(n, cases[i][1]);
        free(n);
    }
}

/* What LibreOffice 7.4 writes (TZ=UTC), shortened. */
static const char PDF[] =
    "%PDF-1.6\n1 0 obj\n<</Length 60>>\nstream\n"
    "<xmp:CreateDate>2026-11-23T20:28:52Z</xmp:CreateDate>\n"
    "endstream\nendobj\n"
    "2 0 obj\n<</Producer(LibreOffice 7.4)/CreationDate(D:20261123202852Z')>>\n"
    "endobj\n<xmp:CreateDate>not a date</xmp:CreateDate>\n"
    "/ModDate(D:2026)\n%%EOF\n";

static void test_dates(void **state)
{
    (void)state;
    char *buf = strdup(PDF);
    assert_non_null(buf);
    size_t len = strlen(buf);
    vt_date d = {2018, 3, 7};
    assert_int_equal(vt_pdf_set_dates((unsigned char *)buf, len, &d), 2);
    assert_int_equal(strlen(buf), len);
    assert_non_null(strstr(buf, "<xmp:CreateDate>2018-03-07T00:00:00Z<"));
    assert_non_null(strstr(buf, "/CreationDate(D:20180307000000Z')"));
    /* what does not have the shape of a date is left alone */
    assert_non_null(strstr(buf, "<xmp:CreateDate>not a date<"));
    assert_non_null(strstr(buf, "/ModDate(D:2026)"));
    /* a draft dated by month: the first of the month */
    vt_date draft = {2023, 10, 0};
    assert_int_equal(vt_pdf_set_dates((unsigned char *)buf, len, &draft), 2);
    assert_non_null(strstr(buf, "(D:20231001000000Z')"));
    vt_date none = {0, 0, 0};
    assert_int_equal(vt_pdf_set_dates((unsigned char *)buf, len, &none), 0);
    /* a key at the very end, with no room for the date */
    const char *tail = "x/CreationDate(D:2018";
    assert_int_equal(vt_pdf_set_dates((unsigned char *)tail, strlen(tail), &d), 0);
    free(buf);
}

/* The trailer LibreOffice writes: one /ID of two equal 16-byte strings. */
static const char TRAILER[] =
    "%PDF-1.6\n1 0 obj\n<</A 1>>\nendobj\n"
    "xref\n0 1\n0000000000 65535 f \ntrailer\n<</Size 2/Root 1 0 R\n"
    "/ID [ <88A2B3392EA3EE36295CF1A0811CD1C0>\n"
    "<88A2B3392EA3EE36295CF1A0811CD1C0> ]\n"
    "/DocChecksum /EAE0BD8A7F68108190A7F6EDAC995792\n>>\nstartxref\n30\n%%EOF\n";

/* The identifier of a file, as the unit tests read it back. */
static void id_of(const char *pdf, char out[33])
{
    const char *p = strstr(pdf, "/ID [ <");
    assert_non_null(p);
    memcpy(out, p + 7, 32);
    out[32] = 0;
    assert_memory_equal(p + 7, strstr(p + 7, "<") + 1, 32);
}

static void test_id(void **state)
{
    (void)state;
    char *a = strdup(TRAILER), *b = strdup(TRAILER), ida[33], idb[33];
    assert_non_null(a);
    assert_non_null(b);
    size_t len = strlen(a);
    /* a different old identifier or checksum gives the same new ones */
    memcpy(strstr(b, "<88A2") + 1, "FFFFFFFF", 8);
    memcpy(strstr(b, "/DocChecksum /") + 14, "0123", 4);
    assert_int_equal(vt_pdf_set_id((unsigned char *)a, len), 1);
    assert_int_equal(vt_pdf_set_id((unsigned char *)b, len), 1);
    assert_int_equal(strlen(a), len);
    id_of(a, ida);
    id_of(b, idb);
    assert_string_equal(ida, idb);
    assert_memory_equal(a, b, len); /* the checksum too */
    assert_null(strstr(a, "EAE0BD8A7F68108190A7F6EDAC995792"));
    assert_string_not_equal(ida, "88A2B3392EA3EE36295CF1A0811CD1C0");
    assert_true(strspn(ida, "0123456789ABCDEF") == 32);
    /* setting it again changes nothing */
    assert_int_equal(vt_pdf_set_id((unsigned char *)a, len), 1);
    id_of(a, idb);
    assert_string_equal(ida, idb);
    /* different content, different identifier */
    a[11] = '2';
    assert_int_equal(vt_pdf_set_id((unsigned char *)a, len), 1);
    id_of(a, idb);
    assert_string_not_equal(ida, idb);
    /* no trailer, a short or non-hex string, a cut file: left alone */
    static const char *const bad[] = {
        "/ID [ <88A2B3392EA3EE36295CF1A0811CD1C0><88A2B3392EA3EE36295CF1A0811CD1C0> ]",
        "trailer<</ID [<88A2B3392EA3EE36295CF1A0811CD1C><88A2B3392EA3EE36295CF1A0811CD1C0>]",
        "trailer<</ID [<88A2B3392EA3EE36295CF1A0811CD1CX><88A2B3392EA3EE36295CF1A0811CD1C0>]",
        "trailer<</ID (x)"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *c = strdup(bad[i]);
        assert_non_null(c);
        assert_int_equal(vt_pdf_set_id((unsigned char *)c, strlen(c)), 0);
        assert_string_equal(c, bad[i]);
        free(c);
    }
    for (size_t cut = 0; cut < len; cut++) {
        memcpy(b, TRAILER, len);
        int r = vt_pdf_set_id((unsigned char *)b, cut);
        assert_int_equal(r, cut >= (size_t)(strstr(TRAILER, "> ]") + 1 - TRAILER));
        if (!r)
            assert_memory_equal(b, TRAILER, len);
    }
    free(a);
    free(b);
}

static void put16(vt_buf *b, unsigned v)
{
    vt_buf_putc(b, (char)(v >> 8));
    vt_buf_putc(b, (char)v);
}

static void put32(vt_buf *b, unsigned long v)
{
    put16(b, (unsigned)(v >> 16));
    put16(b, (unsigned)(v & 0xFFFF));
}

/* A font whose only table is a cmap with one Windows Unicode subtable:
 * format 4 segments [start, end] mapped by delta, and one segment through
 * idRangeOffset; or a format 12 group. */
static void make_font(vt_buf *f, int format)
{
    vt_buf t;
    vt_buf_init(&t);
    if (format == 4) {
        /* segments: 0x1A1 (delta), 0x1B0-0x1B1 (range offset), 0xFFFF */
        put16(&t, 4), put16(&t, 0), put16(&t, 0), put16(&t, 6);
        put16(&t, 0), put16(&t, 0), put16(&t, 0);
        put16(&t, 0x1A1), put16(&t, 0x1B1), put16(&t, 0xFFFF); /* ends */
        put16(&t, 0);
        put16(&t, 0x1A1), put16(&t, 0x1B0), put16(&t, 0xFFFF); /* starts */
        put16(&t, (unsigned)(10 - 0x1A1) & 0xFFFF), put16(&t, 0), put16(&t, 1);
        put16(&t, 0), put16(&t, 4), put16(&t, 0); /* range offsets */
        put16(&t, 11), put16(&t, 0);              /* glyphs: 0x1B0 -> 11, 0x1B1 -> none */
    } else {
        put16(&t, 12), put16(&t, 0), put32(&t, 28), put32(&t, 0), put32(&t, 1);
        put32(&t, 0x1EA0), put32(&t, 0x1EF9), put32(&t, 20);
    }
    put32(f, 0x10000);                                  /* sfnt version */
    put16(f, 1), put16(f, 0), put16(f, 0), put16(f, 0); /* one table */
    vt_buf_puts(f, "cmap"), put32(f, 0), put32(f, 28), put32(f, 12 + t.len);
    put16(f, 0), put16(f, 1);                           /* cmap header */
    put16(f, 3), put16(f, format == 4 ? 1 : 10), put32(f, 12);
    vt_buf_put(f, t.data, t.len);
    vt_buf_free(&t);
}

static void test_font_cmap(void **state)
{
    (void)state;
    vt_buf f;
    vt_buf_init(&f);
    make_font(&f, 4);
    const unsigned char *p = (const unsigned char *)f.data;
    unsigned have[] = {0x1A1, 0x1B0}, lack[] = {0x1A1, 0x1B1}, out[] = {0x41};
    assert_int_equal(vt_pdf_font_covers(p, f.len, have, 2), 1);
    assert_int_equal(vt_pdf_font_covers(p, f.len, lack, 2), 0);
    assert_int_equal(vt_pdf_font_covers(p, f.len, out, 1), 0);
    /* cut anywhere: never a read past the end, never a yes */
    for (size_t n = 0; n < f.len; n++)
        assert_int_equal(vt_pdf_font_covers(p, n, have, 2), 0);
    vt_buf_reset(&f);
    make_font(&f, 12);
    p = (const unsigned char *)f.data;
    unsigned viet[] = {0x1EA1, 0x1EC7, 0x1EF9};
    assert_int_equal(vt_pdf_font_covers(p, f.len, viet, 3), 1);
    assert_int_equal(vt_pdf_font_covers(p, f.len, have, 1), 0);
    for (size_t n = 0; n < f.len; n++)
        assert_int_equal(vt_pdf_font_covers(p, n, viet, 3), 0);
    vt_buf_free(&f);
}

/* The fonts on this machine: Liberation 2 has "ư", 1.07 has not. */
static void test_installed_fonts(void **state)
{
    (void)state;
    static const char *const fonts[][2] = {
        {"/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf", "1"},
        {"/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf", "0"}};
    unsigned viet[] = {0x1B0, 0x1A1, 0x1EA1, 0x1EC7, 0x1EF9};
    for (size_t i = 0; i < 2; i++) {
        char *data;
        size_t len;
        if (vt_read_file(fonts[i][0], 64u << 20, &data, &len) != 0) {
            printf("skip %s: not installed\n", fonts[i][0]);
            continue;
        }
        assert_int_equal(vt_pdf_font_covers((unsigned char *)data, len, viet, 5),
                         fonts[i][1][0] - '0');
        free(data);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_id),
        cmocka_unit_test(test_font_cmap),
        cmocka_unit_test(test_installed_fonts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
