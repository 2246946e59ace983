/*
 * fuzz_pdf.c - the PDF reader and the signature layout (pdfobj.c,
 * sigpdf.c): any bytes as a PDF to find signatures in and to prepare a
 * signature for.
 *
 * Besides crashes, the oracle is the reader's own promise about what the
 * writer makes: when a file is accepted, the prepared copy starts with the
 * original bytes, its /ByteRange names exactly the /Contents hole, and the
 * copy (the hole filled with a stand-in signature) reads back with a
 * signature that covers the whole file.  A refusal must say why.
 *
 * Not yet in tests/fuzz/CMakeLists.txt's target list (a shared file):
 * add "pdf" to VT_FUZZ_TARGETS and set VT_FUZZ_SEEDS_pdf to
 * ${CMAKE_CURRENT_SOURCE_DIR}/seeds/pdf.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pdf/sign.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

/* A stand-in CMS: a SEQUENCE holding one INTEGER. */
static const unsigned char FAKE[] = {0x30, 0x03, 0x02, 0x01, 0x05};

static void check_prepared(const char *in, size_t len, const vt_buf *out,
                           const vt_sig_layout *lay)
{
    CHECK(out->len > len && memcmp(out->data, in, len) == 0,
          "the update does not keep the original bytes");
    CHECK(lay->hole_start > len && lay->hole_end <= out->len &&
              out->data[lay->hole_start] == '<' &&
              out->data[lay->hole_end - 1] == '>',
          "the /Contents hole is not where the layout says");
    char want[96];
    int n = snprintf(want, sizeof want, "[0 %zu %zu %zu]", lay->hole_start,
                     lay->hole_end, out->len - lay->hole_end);
    CHECK(memcmp(out->data + lay->br_pos, want, (size_t)n) == 0,
          "the /ByteRange does not name the hole");
    vt_sig_raw *raw = NULL;
    size_t count = 0;
    vt_diags d;
    vt_diags_init(&d);
    vt_error rc = vt_pdf_sig_find("prepared.pdf", out->data, out->len, &raw,
                                  &count, &d);
    CHECK(rc == VT_OK && count >= 1, "the prepared file does not read back");
    const vt_sig_raw *last = &raw[count - 1];
    CHECK(last->br[2] + last->br[3] == out->len && !*last->problem &&
              last->der_len == sizeof FAKE,
          "the new signature does not read back whole");
    vt_sig_raw_free(raw, count);
    vt_diags_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    vt_diags d;
    vt_diags_init(&d);
    vt_sig_raw *raw = NULL;
    size_t count = 0;
    if (vt_pdf_sig_find("fuzz.pdf", in, size, &raw, &count, &d) != VT_OK)
        fz_check_refusal("finding signatures", &d);
    vt_sig_raw_free(raw, count);
    vt_diags_free(&d);

    vt_sig_fields f = {"adbe.pkcs7.detached", "Nguyễn Văn A", 1700000000, 64};
    vt_buf out;
    vt_buf_init(&out);
    vt_sig_layout lay;
    vt_diags_init(&d);
    vt_error rc = vt_pdf_sig_prepare("fuzz.pdf", in, size, &f, &out, &lay, &d);
    if (rc == VT_OK) {
        CHECK(vt_pdf_sig_fill(&out, &lay, FAKE, sizeof FAKE) == 0,
              "a stand-in signature does not fit");
        check_prepared(in, size, &out, &lay);
    } else if (rc != VT_ERR_NOMEM) {
        fz_check_refusal("preparing a signature", &d);
    }
    vt_buf_free(&out);
    vt_diags_free(&d);
    return 0;
}
