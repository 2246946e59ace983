/* Unit tests for the PDF side of signing (pdfobj.c, sigpdf.c): the value
 * parser, classic cross-reference tables and their /Prev chains, the
 * refusals (not a PDF, xref streams, encryption, loops), the incremental
 * update with its placeholders and byte ranges, finding signatures again,
 * and a mutation sweep that hostile bytes give errors, never crashes
 * (this file runs under ASan and valgrind in scripts/test).  No keys:
 * the crypto is tested by tests/integration/test_sign.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zlib.h>

#include "pdf/pdfobj.h"
#include "pdf/sign.h"

/* A small valid PDF: catalog 1, pages 2, page 3, with trailer extras. */
static char *mini_pdf(const char *catalog_extra, const char *trailer_extra,
                      size_t *len)
{
    vt_buf b;
    vt_buf_init(&b);
    size_t off[4];
    vt_buf_puts(&b, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
    off[1] = b.len;
    vt_buf_printf(&b, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R %s>>\nendobj\n",
                  catalog_extra);
    off[2] = b.len;
    vt_buf_puts(&b, "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n");
    off[3] = b.len;
    vt_buf_puts(&b, "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                    "/Annots [] >>\nendobj\n");
    size_t xref = b.len;
    vt_buf_puts(&b, "xref\n0 4\n0000000000 65535 f \n");
    for (int i = 1; i < 4; i++)
        vt_buf_printf(&b, "%010zu 00000 n \n", off[i]);
    vt_buf_printf(&b, "trailer\n<< /Size 4 /Root 1 0 R %s>>\nstartxref\n%zu\n%%%%EOF\n",
                  trailer_extra, xref);
    assert_false(b.oom);
    *len = b.len;
    return vt_buf_take(&b);
}

/* The same document in PDF 1.5 form: catalog 2 and pages 3 compressed in
 * object stream 1, page 4 plain, cross-reference stream 5 deflated with
 * the PNG Up predictor (as qpdf and most PDF 1.5 writers make them). */
static char *packed_pdf(size_t *len)
{
    const char *cat = "<< /Type /Catalog /Pages 3 0 R >>";
    const char *pages = "<< /Type /Pages /Kids [4 0 R] /Count 1 >>";
    char stm[512];
    char head[64];
    snprintf(head, sizeof head, "2 0 3 %zu ", strlen(cat) + 1);
    int n = snprintf(stm, sizeof stm, "%s%s %s", head, cat, pages);
    unsigned char z[1024];
    uLongf zlen = sizeof z;
    assert_int_equal(compress2(z, &zlen, (unsigned char *)stm, (uLong)n, 9), Z_OK);
    vt_buf b;
    vt_buf_init(&b);
    size_t off[6] = {0};
    vt_buf_puts(&b, "%PDF-1.5\n");
    off[1] = b.len;
    vt_buf_printf(&b, "1 0 obj\n<< /Type /ObjStm /N 2 /First %zu /Filter /FlateDecode "
                      "/Length %lu >>\nstream\n", strlen(head), (unsigned long)zlen);
    vt_buf_put(&b, (char *)z, zlen);
    vt_buf_puts(&b, "\nendstream\nendobj\n");
    off[4] = b.len;
    vt_buf_puts(&b, "4 0 obj\n<< /Type /Page /Parent 3 0 R >>\nendobj\n");
    off[5] = b.len;
    /* rows: type, offset or stream number (4 bytes), gen or index (2) */
    unsigned long long rows[6][3] = {{0, 0, 65535}, {1, off[1], 0}, {2, 1, 0},
                                     {2, 1, 1}, {1, off[4], 0}, {1, off[5], 0}};
    unsigned char raw[6 * 8], prev[7] = {0};
    for (int r = 0; r < 6; r++) {
        unsigned char row[7] = {(unsigned char)rows[r][0]};
        for (int k = 0; k < 4; k++)
            row[1 + k] = (unsigned char)(rows[r][1] >> (8 * (3 - k)));
        row[5] = (unsigned char)(rows[r][2] >> 8);
        row[6] = (unsigned char)rows[r][2];
        raw[r * 8] = 2; /* Up */
        for (int k = 0; k < 7; k++)
            raw[r * 8 + 1 + k] = (unsigned char)(row[k] - prev[k]);
        memcpy(prev, row, 7);
    }
    zlen = sizeof z;
    assert_int_equal(compress2(z, &zlen, raw, sizeof raw, 9), Z_OK);
    vt_buf_printf(&b, "5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 2 0 R "
                      "/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 7 >> "
                      "/Length %lu >>\nstream\n", (unsigned long)zlen);
    vt_buf_put(&b, (char *)z, zlen);
    vt_buf_printf(&b, "\nendstream\nendobj\nstartxref\n%zu\n%%%%EOF\n", off[5]);
    assert_false(b.oom);
    *len = b.len;
    return vt_buf_take(&b);
}

static vt_pdf_obj *parse(vt_arena *a, const char *text, const char **err)
{
    size_t pos = 0;
    return vt_pdf_parse_value(a, text, strlen(text), &pos, err);
}

static void test_values(void **state)
{
    (void)state;
    vt_arena a;
    vt_arena_init(&a);
    const char *err;
    vt_pdf_obj *o = parse(&a, "<< /A [1 2.5 -3 (x\\)y(z)) <41 42>] /R 12 0 R "
                              "/B true /N null /D <</E /F#20G>> >>", &err);
    assert_non_null(o);
    assert_int_equal(o->kind, VT_PDF_DICT);
    assert_int_equal(o->n, 10);
    vt_pdf_obj *arr = vt_pdf_dict_get(o, "A");
    assert_int_equal(arr->kind, VT_PDF_ARRAY);
    assert_int_equal(arr->n, 5);
    assert_true(arr->items[0]->is_int && arr->items[0]->num == 1);
    assert_false(arr->items[1]->is_int);
    assert_int_equal(arr->items[2]->num, -3);
    size_t n;
    unsigned char *s = vt_pdf_string_bytes(&a, arr->items[3], &n);
    assert_int_equal(n, 6);
    assert_memory_equal(s, "x)y(z)", 6);
    s = vt_pdf_string_bytes(&a, arr->items[4], &n);
    assert_int_equal(n, 2);
    assert_memory_equal(s, "AB", 2);
    vt_pdf_obj *r = vt_pdf_dict_get(o, "R");
    assert_int_equal(r->kind, VT_PDF_REF);
    assert_int_equal(r->num, 12);
    assert_int_equal(vt_pdf_dict_get(o, "B")->kind, VT_PDF_BOOL);
    assert_true(vt_pdf_is_name(vt_pdf_dict_get(vt_pdf_dict_get(o, "D"), "E"), "F#20G"));
    assert_null(vt_pdf_dict_get(o, "Missing"));

    /* written back and parsed again: the same structure */
    vt_buf b;
    vt_buf_init(&b);
    vt_pdf_write(&b, o);
    vt_buf_putc(&b, 0);
    vt_pdf_obj *again = parse(&a, b.data, &err);
    assert_non_null(again);
    assert_int_equal(again->n, 10);
    assert_int_equal(vt_pdf_dict_get(again, "R")->num, 12);
    vt_buf_free(&b);

    /* a number at the very end of a buffer with no NUL after it (found
     * by fuzz_pdf: strtoll read past the end) */
    char *tight = malloc(3);
    assert_non_null(tight);
    memcpy(tight, "-42", 3);
    size_t tpos = 0;
    o = vt_pdf_parse_value(&a, tight, 3, &tpos, &err);
    assert_non_null(o);
    assert_int_equal(o->num, -42);
    assert_int_equal(tpos, 3);
    free(tight);

    /* octal and line escapes */
    o = parse(&a, "(a\\101\\n\\\\\\\nb)", &err);
    s = vt_pdf_string_bytes(&a, o, &n);
    assert_int_equal(n, 5);
    assert_memory_equal(s, "aA\n\\b", 5);
    vt_arena_free(&a);
}

static void test_value_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "<< /A 1", "[1 2", "<< 1 2 >>", "<< /A >>", "(never closed",
        "<4G>", "<< /A 1 >", "obj", "1.2.3", "", "<< /A ] >>",
    };
    vt_arena a;
    vt_arena_init(&a);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *err = NULL;
        assert_null(parse(&a, bad[i], &err));
        assert_non_null(err);
    }
    /* nesting past the limit is an error, not a stack overflow */
    size_t depth = 100000;
    char *deep = malloc(depth + 1);
    assert_non_null(deep);
    memset(deep, '[', depth);
    deep[depth] = 0;
    const char *err = NULL;
    assert_null(parse(&a, deep, &err));
    assert_string_equal(err, "values nested too deep");
    free(deep);
    vt_arena_free(&a);
}

static void test_open(void **state)
{
    (void)state;
    size_t len;
    char *pdf = mini_pdf("", "/ID [<0011> <0011>] ", &len);
    vt_pdf_doc doc;
    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(vt_pdf_open("mini.pdf", pdf, len, &doc, &d), VT_OK);
    assert_int_equal(doc.size, 4);
    vt_pdf_obj *page;
    assert_int_equal(vt_pdf_first_page(&doc, &page, &d, "mini.pdf"), 3);
    assert_true(vt_pdf_is_name(vt_pdf_dict_get(page, "Type"), "Page"));
    assert_null(vt_pdf_get(&doc, 0, NULL));  /* free */
    assert_null(vt_pdf_get(&doc, 99, NULL)); /* missing */
    vt_pdf_close(&doc);
    assert_int_equal(d.count, 0);
    free(pdf);
}

/* vt_pdf_open on data must fail with a message matching want. */
static void refused(const char *data, size_t len, const char *want)
{
    vt_pdf_doc doc;
    vt_diags d;
    vt_diags_init(&d);
    vt_error rc = vt_pdf_open("x.pdf", data, len, &doc, &d);
    vt_pdf_close(&doc);
    assert_int_equal(rc, VT_ERR_PDF);
    assert_int_equal(d.count, 1);
    if (!strstr(d.msgs[0], want))
        fail_msg("\"%s\" does not say \"%s\"", d.msgs[0], want);
    vt_diags_free(&d);
}

static void test_refusals(void **state)
{
    (void)state;
    refused("hello world", 11, "not a PDF");
    refused("%PDF-1.4\nno end", 15, "no valid startxref");
    const char *xs = "%PDF-1.5\n1 0 obj\n<< /Type /XRef >>\nstream\nendstream\n"
                     "endobj\nstartxref\n9\n%%EOF\n";
    refused(xs, strlen(xs), "cross-reference stream");
    size_t len;
    char *enc = mini_pdf("", "/Encrypt 5 0 R ", &len);
    refused(enc, len, "encrypted");
    free(enc);
    /* a hybrid file without its catalog in the classic table: the hint */
    char *hyb = mini_pdf("", "/XRefStm 5 ", &len);
    char *root = strstr(hyb, "/Root 1 0 R");
    assert_non_null(root);
    root[6] = '7';
    vt_buf out;
    vt_buf_init(&out);
    vt_sig_fields f = {"adbe.pkcs7.detached", NULL, 0, 16};
    vt_sig_layout lay;
    vt_diags dd;
    vt_diags_init(&dd);
    assert_int_equal(vt_pdf_sig_prepare("h.pdf", hyb, len, &f, &out, &lay, &dd), VT_ERR_PDF);
    assert_non_null(strstr(dd.msgs[0], "compressed part"));
    vt_diags_free(&dd);
    vt_buf_free(&out);
    free(hyb);
    /* a /Prev pointing back at itself */
    char *loop = mini_pdf("", "", &len);
    char *sx = strstr(loop, "startxref\n") + 10;
    long xref = strtol(sx, NULL, 10);
    char buf[4096];
    int n = snprintf(buf, sizeof buf, "%.*s/Prev %ld >>\nstartxref\n%ld\n%%%%EOF\n",
                     (int)(strstr(loop, ">>\nstartxref") - loop), loop, xref, xref);
    refused(buf, (size_t)n, "loop");
    /* an xref table claiming millions of entries */
    n = snprintf(buf, sizeof buf, "%%PDF-1.4\nxref\n0 4000000\n0000000000 65535 f \n"
                                  "trailer\n<< /Size 1 >>\nstartxref\n9\n%%%%EOF\n");
    refused(buf, (size_t)n, "more entries than the file holds");
    free(loop);
}

/* A /Size smaller than the table: the new objects still get fresh
 * numbers (4 and 5), never an existing one. */
static void test_size_too_small(void **state)
{
    (void)state;
    size_t len;
    char *pdf = mini_pdf("", "", &len);
    char *size = strstr(pdf, "/Size 4");
    assert_non_null(size);
    size[6] = '2';
    vt_sig_fields f = {"adbe.pkcs7.detached", NULL, 0, 16};
    vt_buf b;
    vt_buf_init(&b);
    vt_sig_layout lay;
    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(vt_pdf_sig_prepare("in.pdf", pdf, len, &f, &b, &lay, &d), VT_OK);
    vt_buf_putc(&b, 0);
    assert_non_null(strstr(b.data + len, "4 0 obj\n<</Type /Sig"));
    assert_non_null(strstr(b.data + len, "/Annots [5 0 R]"));
    assert_non_null(strstr(b.data + len, "/Size 6 "));
    vt_buf_free(&b);
    vt_diags_free(&d);
    free(pdf);
}

/* A hybrid file (classic tables plus /XRefStm, as some office suites write) is read
 * through its classic tables; the update chains to it by /Prev and does
 * not repeat /XRefStm. */
static void test_hybrid(void **state)
{
    (void)state;
    size_t len;
    char *pdf = mini_pdf("", "/XRefStm 5 ", &len);
    vt_sig_fields f = {"adbe.pkcs7.detached", NULL, 0, 16};
    vt_buf b;
    vt_buf_init(&b);
    vt_sig_layout lay;
    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(vt_pdf_sig_prepare("h.pdf", pdf, len, &f, &b, &lay, &d), VT_OK);
    vt_buf_putc(&b, 0);
    assert_null(strstr(b.data + len, "XRefStm"));
    assert_non_null(strstr(b.data + len, "/Prev "));
    vt_buf_free(&b);
    free(pdf);
}

/* A document certified with "no changes" (DocMDP /P 1) is not signed
 * again; /P 2 (form filling and signatures allowed) is. */
static void test_docmdp(void **state)
{
    (void)state;
    for (int p = 1; p <= 2; p++) {
        char extra[200];
        snprintf(extra, sizeof extra, "/Perms << /DocMDP << /Type /Sig /Reference "
                 "[<< /TransformMethod /DocMDP /TransformParams << /P %d >> >>] >> >> ", p);
        size_t len;
        char *pdf = mini_pdf(extra, "", &len);
        vt_sig_fields f = {"adbe.pkcs7.detached", NULL, 0, 16};
        vt_buf b;
        vt_buf_init(&b);
        vt_sig_layout lay;
        vt_diags d;
        vt_diags_init(&d);
        vt_error rc = vt_pdf_sig_prepare("c.pdf", pdf, len, &f, &b, &lay, &d);
        /* the check alone (no output) agrees */
        assert_int_equal(vt_pdf_sig_prepare("c.pdf", pdf, len, &f, NULL, NULL, &d), rc);
        if (p == 1) {
            assert_int_equal(rc, VT_ERR_PDF);
            assert_non_null(strstr(d.msgs[0], "no changes allowed"));
            assert_int_equal(b.len, 0); /* nothing written */
        } else {
            assert_int_equal(rc, VT_OK);
        }
        vt_buf_free(&b);
        vt_diags_free(&d);
        free(pdf);
    }
}

/* Prepare a signature on in, fill the hole with der, return the file. */
static char *signed_copy(const char *in, size_t len, const unsigned char *der,
                         size_t der_len, size_t *out_len, vt_sig_layout *lay)
{
    vt_sig_fields f = {"adbe.pkcs7.detached", "Nguyễn Văn A", 1700000000, 64};
    vt_buf b;
    vt_buf_init(&b);
    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(vt_pdf_sig_prepare("in.pdf", in, len, &f, &b, lay, &d), VT_OK);
    assert_int_equal(vt_pdf_sig_fill(&b, lay, der, der_len), 0);
    vt_diags_free(&d);
    *out_len = b.len;
    return vt_buf_take(&b);
}

static const unsigned char FAKE_DER[] = {0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00};

static void test_prepare_and_find(void **state)
{
    (void)state;
    size_t len, slen;
    char *pdf = mini_pdf("", "/ID [<0011> <0011>] ", &len);
    vt_sig_layout lay;
    char *s = signed_copy(pdf, len, FAKE_DER, sizeof FAKE_DER, &slen, &lay);
    assert_memory_equal(s, pdf, len); /* an incremental update */
    assert_int_equal(s[lay.hole_start], '<');
    assert_int_equal(s[lay.hole_end - 1], '>');
    assert_int_equal(lay.hole_end - lay.hole_start, 2 * 64 + 2);
    char want[128];
    snprintf(want, sizeof want, "[0 %zu %zu %zu]", lay.hole_start, lay.hole_end,
             slen - lay.hole_end);
    assert_memory_equal(s + lay.br_pos, want, strlen(want));
    assert_non_null(strstr(s + len, "/SigFlags 3"));
    assert_non_null(strstr(s + len, "/Annots [5 0 R]"));
    assert_non_null(strstr(s + len, "/Rect [0 0 0 0]"));
    assert_non_null(strstr(s + len, "/M (D:20231114221320Z)"));
    assert_non_null(strstr(s + len, "/Prev "));
    /* the signature's hex is the fake DER, then zeros */
    assert_memory_equal(s + lay.hole_start + 1, "30800201050000000", 17);
    /* the digest leaves out exactly the hole */
    unsigned char d1[32], d2[32];
    vt_buf view = {s, slen, slen, 0};
    vt_pdf_sig_digest(&view, &lay, d1);
    s[lay.hole_start + 1] = 'F';
    vt_pdf_sig_digest(&view, &lay, d2);
    assert_memory_equal(d1, d2, 32);
    s[lay.hole_start + 1] = '3';
    s[0] = '!';
    vt_pdf_sig_digest(&view, &lay, d2);
    assert_memory_not_equal(d1, d2, 32);
    s[0] = '%';

    vt_sig_raw *raw;
    size_t n;
    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(vt_pdf_sig_find("s.pdf", s, slen, &raw, &n, &d), VT_OK);
    assert_int_equal(n, 1);
    assert_string_equal(raw[0].problem, "");
    assert_string_equal(raw[0].subfilter, "adbe.pkcs7.detached");
    assert_string_equal(raw[0].field, "Signature5");
    assert_int_equal(raw[0].der_len, sizeof FAKE_DER); /* padding cut */
    assert_int_equal(raw[0].br[2] + raw[0].br[3], slen);
    vt_sig_raw_free(raw, n);

    /* a second signature keeps the first and adds itself to the form */
    size_t tlen;
    vt_sig_layout lay2;
    char *t = signed_copy(s, slen, FAKE_DER, sizeof FAKE_DER, &tlen, &lay2);
    assert_memory_equal(t, s, slen);
    assert_non_null(strstr(t + slen, "/Fields [5 0 R 7 0 R]"));
    assert_non_null(strstr(t + slen, "/Annots [5 0 R 7 0 R]"));
    assert_int_equal(vt_pdf_sig_find("t.pdf", t, tlen, &raw, &n, &d), VT_OK);
    assert_int_equal(n, 2);
    assert_int_equal(raw[0].br[2] + raw[0].br[3], slen);
    assert_int_equal(raw[1].br[2] + raw[1].br[3], tlen);
    vt_sig_raw_free(raw, n);

    /* field names: UTF-16 text strings come out as UTF-8, and control
     * characters as '?' (a hostile name cannot drive the terminal) */
    char *t1 = strstr(t + slen, "(Signature7)");
    assert_non_null(t1);
    memcpy(t1, "<FEFF1EA1>  ", 12);
    char *t0 = strstr(t, "(Signature5)");
    assert_non_null(t0);
    memcpy(t0, "(Sig\033[2J___)", 12);
    assert_int_equal(vt_pdf_sig_find("t.pdf", t, tlen, &raw, &n, &d), VT_OK);
    assert_int_equal(n, 2);
    assert_string_equal(raw[0].field, "Sig?[2J___");
    assert_string_equal(raw[1].field, "\xe1\xba\xa1");
    vt_sig_raw_free(raw, n);

    /* a ByteRange that leaves more than /Contents out is flagged */
    char *hole = strstr(t + slen, "/ByteRange [0 ");
    assert_non_null(hole);
    hole[14] = hole[14] == '9' ? '8' : hole[14] + 1;
    assert_int_equal(vt_pdf_sig_find("t.pdf", t, tlen, &raw, &n, &d), VT_OK);
    assert_int_equal(n, 2);
    assert_string_not_equal(raw[1].problem, "");
    vt_sig_raw_free(raw, n);
    assert_int_equal(d.count, 0);
    free(t);
    free(s);
    free(pdf);
}

/* PDF 1.5 compression: objects found in an object stream, the page tree
 * walked through them, and the update written as a cross-reference stream
 * that this reader (and a second signature) follows again. */
static void test_packed(void **state)
{
    (void)state;
    size_t len;
    char *pdf = packed_pdf(&len);
    vt_pdf_doc doc;
    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(vt_pdf_open("p.pdf", pdf, len, &doc, &d), VT_OK);
    assert_true(doc.xref_stream);
    assert_true(doc.xref[2].compressed);
    vt_pdf_obj *cat = vt_pdf_get(&doc, 2, NULL);
    assert_true(vt_pdf_is_name(vt_pdf_dict_get(cat, "Type"), "Catalog"));
    vt_pdf_obj *page;
    assert_int_equal(vt_pdf_first_page(&doc, &page, &d, "p.pdf"), 4);
    vt_pdf_close(&doc);

    size_t slen, tlen;
    vt_sig_layout lay;
    char *s1 = signed_copy(pdf, len, FAKE_DER, sizeof FAKE_DER, &slen, &lay);
    assert_memory_equal(s1, pdf, len);
    assert_non_null(strstr(s1 + len, "/Type /XRef"));
    assert_null(strstr(s1 + len, "\nxref\n"));
    assert_non_null(strstr(s1 + len, "2 0 obj\n<</Type /Catalog"));
    char *s2 = signed_copy(s1, slen, FAKE_DER, sizeof FAKE_DER, &tlen, &lay);
    vt_sig_raw *raw;
    size_t n;
    assert_int_equal(vt_pdf_sig_find("p.pdf", s2, tlen, &raw, &n, &d), VT_OK);
    assert_int_equal(n, 2);
    assert_string_equal(raw[0].problem, "");
    assert_string_equal(raw[1].problem, "");
    assert_int_equal(raw[1].br[2] + raw[1].br[3], tlen);
    vt_sig_raw_free(raw, n);
    assert_int_equal(d.count, 0);
    free(s2);
    free(s1);
    free(pdf);
}

static void test_indirect_form_and_annots(void **state)
{
    (void)state;
    /* /AcroForm as an object of its own: rewritten, catalog left alone */
    vt_buf b;
    vt_buf_init(&b);
    size_t off[6];
    vt_buf_puts(&b, "%PDF-1.4\n");
    const char *objs[] = {NULL,
        "<< /Type /Catalog /Pages 2 0 R /AcroForm 4 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /Annots 5 0 R >>",
        "<< /Fields [] /DA (/Helv 0 Tf 0 g) >>",
        "[]"};
    for (int i = 1; i < 6; i++) {
        off[i] = b.len;
        vt_buf_printf(&b, "%d 0 obj %s endobj\n", i, objs[i]);
    }
    size_t xref = b.len;
    vt_buf_puts(&b, "xref\r\n0 6\r\n0000000000 65535 f\r\n");
    for (int i = 1; i < 6; i++)
        vt_buf_printf(&b, "%010zu 00000 n\r\n", off[i]);
    vt_buf_printf(&b, "trailer << /Size 6 /Root 1 0 R >> startxref %zu %%%%EOF", xref);
    size_t slen;
    vt_sig_layout lay;
    char *s = signed_copy(b.data, b.len, FAKE_DER, sizeof FAKE_DER, &slen, &lay);
    const char *upd = s + b.len;
    assert_null(strstr(upd, "Catalog"));
    assert_non_null(strstr(upd, "4 0 obj\n<</Fields [7 0 R]"));
    assert_non_null(strstr(upd, "/DA (/Helv 0 Tf 0 g)"));
    assert_non_null(strstr(upd, "5 0 obj\n[7 0 R]"));
    vt_sig_raw *raw;
    size_t n;
    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(vt_pdf_sig_find("s.pdf", s, slen, &raw, &n, &d), VT_OK);
    assert_int_equal(n, 1);
    assert_string_equal(raw[0].problem, "");
    vt_sig_raw_free(raw, n);
    free(s);
    vt_buf_free(&b);
}

/* A hostile file where one object plays two parts (page 1 is also the
 * form, its /Annots also the form's /Fields): both changes land in one
 * copy and the new field is still found (found by fuzz_pdf). */
static void test_one_object_two_parts(void **state)
{
    (void)state;
    static const char *const objs[][2] = {
        {"<< /Type /Catalog /Pages 2 0 R /AcroForm 3 0 R >>",
         "<< /Type /Page /Parent 2 0 R /Annots 5 0 R >>"},
        {"<< /Type /Catalog /Pages 2 0 R /AcroForm 4 0 R >>",
         "<< /Type /Page /Parent 2 0 R /Annots 5 0 R >>"},
    };
    for (size_t k = 0; k < 2; k++) {
        vt_buf b;
        vt_buf_init(&b);
        size_t off[6];
        vt_buf_puts(&b, "%PDF-1.4\n");
        const char *body[6] = {NULL, objs[k][0],
                               "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                               objs[k][1], "<< /Fields 5 0 R >>", "[]"};
        for (int i = 1; i < 6; i++) {
            off[i] = b.len;
            vt_buf_printf(&b, "%d 0 obj %s endobj\n", i, body[i]);
        }
        size_t xref = b.len;
        vt_buf_puts(&b, "xref\n0 6\n0000000000 65535 f \n");
        for (int i = 1; i < 6; i++)
            vt_buf_printf(&b, "%010zu 00000 n \n", off[i]);
        vt_buf_printf(&b, "trailer << /Size 6 /Root 1 0 R >> startxref %zu %%%%EOF", xref);
        size_t slen;
        vt_sig_layout lay;
        char *s = signed_copy(b.data, b.len, FAKE_DER, sizeof FAKE_DER, &slen, &lay);
        vt_sig_raw *raw;
        size_t n;
        vt_diags d;
        vt_diags_init(&d);
        assert_int_equal(vt_pdf_sig_find("s.pdf", s, slen, &raw, &n, &d), VT_OK);
        assert_int_equal(n, 1);
        assert_string_equal(raw[0].problem, "");
        vt_sig_raw_free(raw, n);
        free(s);
        vt_buf_free(&b);
    }
}

/* Every byte of a signed file changed to a few hostile values, and every
 * truncation: the reader answers, it never crashes or reads outside. */
static void sweep(char *pdf, size_t len)
{
    size_t slen;
    vt_sig_layout lay;
    char *s = signed_copy(pdf, len, FAKE_DER, sizeof FAKE_DER, &slen, &lay);
    static const char vals[] = {'0', '9', '<', '>', '[', '(', '/', ' ', 'R', '\\', 0};
    size_t ok = 0, bad = 0;
    for (size_t i = 0; i < slen; i += (i >= lay.hole_start && i < lay.hole_end) ? 61 : 1) {
        for (size_t v = 0; v < sizeof vals; v++) {
            char *m = malloc(slen);
            assert_non_null(m);
            memcpy(m, s, slen);
            m[i] = vals[v];
            vt_sig_raw *raw;
            size_t n;
            vt_diags d;
            vt_diags_init(&d);
            vt_error rc = vt_pdf_sig_find("m.pdf", m, slen, &raw, &n, &d);
            vt_buf out;
            vt_buf_init(&out);
            vt_sig_fields f = {"adbe.pkcs7.detached", "x", 0, 16};
            vt_sig_layout l2;
            vt_pdf_sig_prepare("m.pdf", m, slen, &f, &out, &l2, &d);
            vt_buf_free(&out);
            rc == VT_OK ? ok++ : bad++;
            vt_sig_raw_free(raw, n);
            vt_diags_free(&d);
            free(m);
        }
    }
    for (size_t cut = 0; cut < slen; cut++) {
        vt_sig_raw *raw;
        size_t n;
        vt_diags d;
        vt_diags_init(&d);
        if (vt_pdf_sig_find("t.pdf", s, cut, &raw, &n, &d) == VT_OK)
            ok++;
        else
            assert_true(d.count > 0); /* every refusal says why */
        vt_sig_raw_free(raw, n);
        vt_diags_free(&d);
    }
    assert_true(ok > 0 && bad > 0);
    free(s);
    free(pdf);
}

static void test_mutations(void **state)
{
    (void)state;
    size_t len;
    char *pdf = mini_pdf("", "", &len);
    sweep(pdf, len);
    pdf = packed_pdf(&len);
    sweep(pdf, len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_value_errors),
        cmocka_unit_test(test_open),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_size_too_small),
        cmocka_unit_test(test_docmdp),
        cmocka_unit_test(test_hybrid),
        cmocka_unit_test(test_packed),
        cmocka_unit_test(test_one_object_two_parts),
        cmocka_unit_test(test_prepare_and_find),
        cmocka_unit_test(test_indirect_form_and_annots),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
