/*
 * fuzz_template.c - the template scanner (placeholders in
 * word/document.xml) and the filler.
 *
 * Input: the bytes of a word/document.xml.  It replaces the document of
 * the shipped Mẫu 1.4 package, so the rest of the package is valid and the
 * fuzzer spends its time on the scanner.  A template that compiles is
 * filled with hostile values (markup, CDATA ends, placeholder delimiters,
 * controls, bidirectional marks) and a sample plan is rendered through it;
 * both results must be well-formed XML.
 */
#include <stdlib.h>
#include <string.h>

#include "docx.h"
#include "fuzz.h"
#include "template.h"

static vt_template *base;
static vt_plan *sample;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    base = fz_template("mau-1.4");
    sample = fz_plan("muong-cha-2023-ke-hoach-sinh-hoat-cum-truong.xml");
    return 0;
}

static const char *const hostile[] = {
    "&amp; < > \" ' ]]> <w:p/>",
    "{{subject}} {{>body}} {{?chair}} }} {{",
    "\xe2\x80\x8f\xe2\x80\xae RTL \x01\x02\x1b\x7f tab\tnl\n",
    "<![CDATA[x]]> <?pi?> <!-- c -->",
};

static void fill_hostile(const vt_template *t)
{
    const char *values[VT_F__COUNT];
    for (int f = 0; f < VT_F__COUNT; f++)
        values[f] = vt_field_is_block((vt_field)f)
                        ? NULL
                        : hostile[f % (int)(sizeof hostile / sizeof *hostile)];
    vt_buf out;
    vt_buf_init(&out);
    vt_template_fill(t, values, &out);
    if (!out.oom)
        fz_check_xml("filled template", out.data, out.len);
    vt_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t pkg_len;
    unsigned long long doc_index;
    const unsigned char *pkg = vt_template_package(base, &pkg_len, &doc_index);
    vt_diags d;
    vt_diags_init(&d);
    vt_buf docx;
    vt_buf_init(&docx);
    if (vt_docx_build(pkg, pkg_len, doc_index, (const char *)data, size,
                      &docx, &d) != VT_OK)
        abort(); /* packing bytes into a known-good package cannot fail */
    vt_limits lim = fz_limits();
    vt_template *t = NULL;
    if (vt_template_open_mem("fuzz.docx", docx.data, docx.len, &lim, &t,
                             &d) == VT_OK) {
        fill_hostile(t);
        fz_render_check("sample through fuzzed template", sample, t, &d);
    }
    vt_template_free(t);
    vt_buf_free(&docx);
    vt_diags_free(&d);
    return 0;
}
