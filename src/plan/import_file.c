/*
 * import_file.c - decode, import and validate one document a clerk gave
 * (text or DOCX), for `vanthu import` and the web desk's upload alike.
 */
#include <stdio.h>
#include <string.h>

#include "base/legacy_enc.h"
#include "plan/import_docx.h"
#include "plan/import_file.h"
#include "plan/import_text.h"

vt_error vt_import_data(const char *name, const char *data, size_t len,
                        vt_buf *xml, vt_diags *d)
{
    vt_buf text, docx;
    vt_buf_init(&text);
    vt_buf_init(&docx);
    vt_encoding enc;
    vt_error rc = VT_OK;
    if (vt_is_zip(data, len)) {
        /* a DOCX: its paragraphs and tables as typed lines, then the same
         * importer as for text */
        vt_limits lim = vt_limits_default();
        vt_buf xml_part, num_part;
        vt_buf_init(&xml_part);
        vt_buf_init(&num_part);
        rc = vt_docx_read_document(name, data, len, lim.max_part_bytes,
                                   lim.max_parts, &xml_part, &num_part, d);
        if (rc == VT_OK)
            rc = vt_docx_to_text(name, xml_part.data ? xml_part.data : "",
                                 xml_part.len, num_part.data, num_part.len,
                                 &docx, d);
        vt_buf_free(&xml_part);
        vt_buf_free(&num_part);
        data = docx.data;
        len = docx.len;
        if (rc == VT_OK && !len) {
            vt_diags_addf(d, "%s: the document has no text; there is nothing "
                             "to import", name);
            rc = VT_ERR_PLAN;
        }
    }
    int from_docx = data == docx.data && docx.data;
    if (rc == VT_OK)
        rc = vt_text_decode(name, data, len, &text, &enc, d);
    /* only the DOCX reader may mark spanned cells (VT_DOCX_SPAN) */
    if (rc == VT_OK && !from_docx && text.data && vt_docx_scrub_span(text.data))
        vt_diags_addf(d, "%s: the text holds the private character U+E000, "
                         "which vanthu reserves; it was replaced by U+FFFD",
                      name);
    vt_buf_free(&docx);
    if (rc == VT_OK && (enc == VT_ENC_TCVN3 || enc == VT_ENC_VNI ||
                        enc == VT_ENC_TCVN3_IN_UTF8 || enc == VT_ENC_VNI_IN_UTF8))
        vt_diags_addf(d, "%s: the text is in %s; converted to Unicode (check "
                         "the letters of the result)", name, vt_encoding_name(enc));
    if (rc == VT_OK)
        rc = vt_import_text(name, text.data, xml, d);
    vt_buf_free(&text);
    if (rc != VT_OK)
        return rc;
    /* the plan must be one vanthu accepts; say so if the import fell short */
    vt_limits lim = vt_limits_default();
    vt_plan *plan = NULL;
    vt_diags v;
    vt_diags_init(&v);
    rc = vt_plan_load_mem(name, xml->data, xml->len, &lim, &plan, &v);
    vt_plan_free(plan);
    /* the validator's positions are in the plan, not in the text */
    size_t plen = strlen(name);
    for (size_t i = 0; i < v.count; i++) {
        const char *m = v.msgs[i];
        if (strncmp(m, name, plen) == 0 && m[plen] == ':')
            m += plen + 1;
        vt_diags_addf(d, "%s: the imported plan does not validate (at plan "
                         "line:col) %s", name, m);
    }
    vt_diags_free(&v);
    return rc;
}

