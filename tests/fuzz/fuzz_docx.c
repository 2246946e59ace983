/*
 * fuzz_docx.c - the DOCX (zip) reader: a template package as it arrives
 * from a clerk's disk, broken or hostile.
 *
 * Input: the bytes of a .docx file.  vt_template_open_mem must refuse
 * what is not a safe, readable package (bad zips, unsafe names, bombs,
 * missing parts) and accept the rest; an accepted package then has a
 * sample plan rendered through it, which copies every entry of the
 * fuzzed package into the output, and the result must be well-formed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "render.h"

static vt_plan *sample;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    vt_template_free(fz_template("mau-1.4")); /* quiets libxml2 */
    sample = fz_plan("muong-cha-2023-ke-hoach-sinh-hoat-cum-truong.xml");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vt_limits lim = fz_limits();
    vt_diags d;
    vt_diags_init(&d);
    vt_template *t = NULL;
    vt_error rc = vt_template_open_mem("fuzz.docx", data, size, &lim, &t, &d);
    if (rc == VT_OK) {
        vt_buf out;
        vt_buf_init(&out);
        if (vt_render_mem(sample, t, &out, &d) == VT_OK)
            fz_check_docx("sample through fuzzed package", out.data, out.len);
        vt_buf_free(&out);
    } else if (d.count == 0) {
        fprintf(stderr, "fuzz: a refused package must say why\n");
        abort();
    }
    vt_template_free(t);
    vt_diags_free(&d);
    return 0;
}
