/*
 * fuzz_import.c - a file a clerk uploads or imports: typed text in any
 * encoding, or a DOCX, turned into a plan (vt_import_mem).
 *
 * Input: the bytes of the file.  The import must refuse with a message or
 * produce a plan; a plan it produces is one vt_import_mem has already
 * validated, so it is taken as far as `vanthu render` would take it: one
 * document through the shipped template of its family, which must be a
 * sound package with well-formed parts (fz_render_check).  The web desk
 * hands uploads to this same path, so this is its hostile-upload target.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "plan/import.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vt_diags d;
    vt_diags_init(&d);
    vt_buf xml;
    vt_buf_init(&xml);
    vt_limits lim = fz_limits();
    vt_error rc = vt_import_mem("fuzz.txt", (const char *)data, size, &lim,
                                &xml, &d);
    if (rc != VT_OK) {
        fz_check_refusal("import", &d);
    } else {
        CHECK(xml.len > 0, "import accepted but wrote no plan");
        fz_check_xml("imported plan", xml.data, xml.len);
        vt_plan *p = NULL;
        vt_diags v;
        vt_diags_init(&v);
        CHECK(vt_plan_load_mem("fuzz.xml", xml.data, xml.len, &lim, &p, &v) ==
                  VT_OK,
              "an imported plan vt_import_mem accepted does not load");
        fz_render_check("imported plan", p, fz_template_for(p), &v);
        vt_plan_free(p);
        vt_diags_free(&v);
    }
    vt_buf_free(&xml);
    vt_diags_free(&d);
    return 0;
}
