/*
 * import.c - a file a clerk already has (typed text in any of the encodings
 * Vietnamese offices used, or a DOCX) turned into a plan, and checked.
 *
 * `vanthu import`, the web desk's upload and the fuzzer all start from the
 * bytes of a file, so the whole path lives here once: a DOCX is read as
 * the lines its paragraphs and tables make, text is decoded to UTF-8 NFC,
 * the lines are classified into a plan, and the plan is validated with
 * the same checks as `vanthu validate`, so a plan that would not render is
 * reported rather than handed over silently.
 */
#include "plan/import.h"

#include <stdlib.h>
#include <string.h>

#include "base/legacy_enc.h"
#include "plan/import_docx.h"
#include "plan/import_text.h"

/* Decode, import and validate; data is the file's bytes (not kept). */
vt_error vt_import_mem(const char *path, const char *src, size_t src_len,
                       const vt_limits *limits, vt_buf *xml, vt_diags *d)
{
    vt_limits lim = limits ? *limits : vt_limits_default();
    /* the bytes being imported: the file's, or a DOCX's text lines */
    const char *data = src ? src : "";
    size_t len = src_len;
    int from_docx = 0;
    vt_buf text, docx;
    vt_buf_init(&text);
    vt_buf_init(&docx);
    vt_encoding enc;
    vt_error rc = VT_OK;
    if (vt_is_zip(data, len)) {
        /* a DOCX: its paragraphs and tables as typed lines, then the same
         * importer as for text */
        vt_buf xml_part, num_part;
        vt_buf_init(&xml_part);
        vt_buf_init(&num_part);
        rc = vt_docx_read_document(path, data, len, lim.max_part_bytes,
                                   lim.max_parts, &xml_part, &num_part, d);
        if (rc == VT_OK)
            rc = vt_docx_to_text(path, xml_part.data ? xml_part.data : "",
                                 xml_part.len, num_part.data, num_part.len,
                                 lim.max_elements, &docx, d);
        vt_buf_free(&xml_part);
        vt_buf_free(&num_part);
        data = docx.data ? docx.data : "";
        len = docx.len;
        from_docx = 1;
        if (rc == VT_OK && !len) {
            vt_diags_addf(d, "%s: the document has no text; there is nothing "
                             "to import", path);
            rc = VT_ERR_PLAN;
        }
    }
    if (rc == VT_OK)
        rc = vt_text_decode(path, data, len, &text, &enc, d);
    /* only the DOCX reader may mark spanned cells (VT_DOCX_SPAN) */
    if (rc == VT_OK && !from_docx && text.data && vt_docx_scrub_span(text.data))
        vt_diags_addf(d, "%s: the text holds the private character U+E000, "
                         "which vanthu reserves; it was replaced by U+FFFD",
                      path);
    vt_buf_free(&docx);
    if (rc == VT_OK && (enc == VT_ENC_TCVN3 || enc == VT_ENC_VNI ||
                        enc == VT_ENC_TCVN3_IN_UTF8 || enc == VT_ENC_VNI_IN_UTF8))
        vt_diags_addf(d, "%s: the text is in %s; converted to Unicode (check "
                         "the letters of the result)", path, vt_encoding_name(enc));
    if (rc == VT_OK)
        rc = vt_import_text(path, text.data, xml, d);
    vt_buf_free(&text);
    if (rc != VT_OK)
        return rc;
    /* the plan must be one vanthu accepts; say so if the import fell short */
    vt_plan *plan = NULL;
    vt_diags v;
    vt_diags_init(&v);
    rc = vt_plan_load_mem(path, xml->data, xml->len, &lim, &plan, &v);
    vt_plan_free(plan);
    /* the validator's positions are in the plan, not in the text */
    size_t plen = strlen(path);
    for (size_t i = 0; i < v.count; i++) {
        const char *m = v.msgs[i];
        if (strncmp(m, path, plen) == 0 && m[plen] == ':')
            m += plen + 1;
        vt_diags_addf(d, "%s: the imported plan does not validate (at plan "
                         "line:col) %s", path, m);
    }
    vt_diags_free(&v);
    return rc;
}

