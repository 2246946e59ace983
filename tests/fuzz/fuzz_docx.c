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
#include "fuzz.h"

static vt_plan *sample;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
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
    if (rc == VT_OK)
        fz_render_check("sample through fuzzed package", sample, t, &d);
    else
        fz_check_refusal("package", &d);
    vt_template_free(t);
    vt_diags_free(&d);
    return 0;
}
