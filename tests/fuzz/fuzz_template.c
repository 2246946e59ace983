/*
 * fuzz_template.c - the template scanner (placeholders in
 * word/document.xml) and the filler.
 *
 * Input: the bytes of a word/document.xml.  It replaces the document of
 * the shipped Mẫu 1.4 package, so the rest of the package is valid and the
 * fuzzer spends its time on the scanner.  A template that compiles is
 * filled with hostile values (markup, CDATA ends, placeholder delimiters,
 * controls, bidirectional marks) and a sample plan is rendered through it;
 * both results must be well-formed XML, and every character in their
 * w:t texts must come from the template's own text or from the values
 * (the text oracle, fz_chars): a forged slot mark (template.dict has
 * &#xE000; and friends) that indexed past the values would copy bytes of
 * memory into the document, and those show up as characters from
 * nowhere.  The values' characters are gathered once, at start, by
 * rendering the sample through a template that uses every field.
 */
#include <stdlib.h>
#include <string.h>

#include "doc/docx.h"
#include "doc/render.h"
#include "fuzz.h"
#include "doc/template.h"

static vt_template *base;
static vt_plan *sample;
static fz_chars values_chars; /* every character a value can bring */

static const char *const hostile[] = {
    "&amp; < > \" ' ]]> <w:p/>",
    "{{subject}} {{>body}} {{?chair}} }} {{",
    "\xe2\x80\x8f\xe2\x80\xae RTL \x01\x02\x1b\x7f tab\tnl\n",
    "<![CDATA[x]]> <?pi?> <!-- c -->",
};

/* A document.xml naming every field once, and the text of the sample
 * rendered through it: the characters any template can get from the
 * sample plan. */
static void gather_values(void)
{
    vt_buf doc, pkg, out;
    vt_buf_init(&doc);
    vt_buf_init(&pkg);
    vt_buf_init(&out);
    vt_buf_puts(&doc, "<w:document xmlns:w=\"http://schemas.openxmlformats.org/"
                      "wordprocessingml/2006/main\"><w:body>");
    for (int f = 0; f < VT_F__COUNT; f++)
        vt_buf_printf(&doc, "<w:p><w:r><w:t>{{%s%s}}</w:t></w:r></w:p>",
                      vt_field_is_block((vt_field)f) ? ">" : "",
                      vt_field_name((vt_field)f));
    vt_buf_puts(&doc, "<w:sectPr/></w:body></w:document>");
    size_t len;
    unsigned long long idx;
    const unsigned char *bytes = vt_template_package(base, &len, &idx);
    vt_diags d;
    vt_diags_init(&d);
    vt_limits lim = fz_limits();
    vt_template *all = NULL;
    if (vt_docx_build(bytes, len, idx, doc.data, doc.len, &pkg, &d) != VT_OK ||
        vt_template_open_mem("all.docx", pkg.data, pkg.len, &lim, &all, &d) != VT_OK ||
        vt_render_mem(sample, all, &out, &d) != VT_OK) {
        vt_diags_print(&d, stderr);
        abort();
    }
    values_chars.bits = calloc(1, 0x40000);
    vt_buf part;
    vt_buf_init(&part);
    if (!values_chars.bits || fz_part(out.data, out.len, "word/document.xml", &part))
        abort();
    fz_chars_add_xml(&values_chars, part.data, part.len);
    for (size_t i = 0; i < sizeof hostile / sizeof *hostile; i++)
        fz_chars_add(&values_chars, hostile[i], strlen(hostile[i]));
    vt_buf_free(&part);
    vt_template_free(all);
    vt_diags_free(&d);
    vt_buf_free(&doc);
    vt_buf_free(&pkg);
    vt_buf_free(&out);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    base = fz_template("mau-1.4");
    sample = fz_plan("muong-cha-2023-ke-hoach-sinh-hoat-cum-truong.xml");
    gather_values();
    return 0;
}

static void fill_hostile(const vt_template *t, const fz_chars *allowed)
{
    const char *values[VT_F__COUNT];
    for (int f = 0; f < VT_F__COUNT; f++)
        values[f] = vt_field_is_block((vt_field)f)
                        ? NULL
                        : hostile[f % (int)(sizeof hostile / sizeof *hostile)];
    vt_buf out;
    vt_buf_init(&out);
    vt_template_fill(t, values, &out);
    if (!out.oom) {
        fz_check_text_within("filled template", out.data, out.len, allowed);
    }
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
        fz_chars allowed = {malloc(0x40000)};
        if (!allowed.bits)
            abort();
        memcpy(allowed.bits, values_chars.bits, 0x40000);
        fz_chars_add_xml(&allowed, (const char *)data, size);
        fill_hostile(t, &allowed);
        fz_render_check_text("sample through fuzzed template", sample, t,
                             &allowed, &d);
        free(allowed.bits);
    }
    vt_template_free(t);
    vt_buf_free(&docx);
    vt_diags_free(&d);
    return 0;
}
