/*
 * sheet_splice.c - a plan's <clusters> replaced by those of a school list,
 * touching no other byte of the plan: `vanthu import --clusters --into`
 * and the web desk's giấy mời from an uploaded spreadsheet.
 */
#include <string.h>

#include "plan/sheet.h"
#include "plan/sheet_splice.h"

vt_error vt_plan_splice_clusters(const char *name, const char *plan,
                                 size_t len, const vt_sheet *s, vt_buf *out,
                                 size_t *nc, size_t *ns, vt_diags *d)
{
    size_t start = 0, end = 0;
    vt_buf indent, frag;
    vt_buf_init(&indent);
    vt_buf_init(&frag);
    vt_error rc = VT_OK;
    int where = vt_plan_clusters_span(plan, len, &start, &end, &indent);
    vt_buf_putc(&indent, '\0');
    if (where < 0) {
        vt_diags_addf(d, "%s: not a vanthu plan (its root element is not "
                         "<plan>)", name);
        rc = VT_ERR_PLAN;
    }
    if (rc == VT_OK)
        rc = indent.oom ? VT_ERR_NOMEM
                        : vt_sheet_clusters(s, indent.data, &frag, nc, ns, d);
    if (rc == VT_OK) {
        /* a plan saved on Windows keeps its CRLF line ends throughout */
        const char *nl = memmem(plan, len, "\r\n", 2) ? "\r\n" : "\n";
        vt_buf_put(out, plan, start);
        if (where == 1)
            vt_buf_puts(out, indent.data);
        for (size_t i = 0; i < frag.len; i++)
            if (frag.data[i] == '\n')
                vt_buf_puts(out, nl);
            else
                vt_buf_putc(out, frag.data[i]);
        if (where == 1)
            vt_buf_puts(out, nl);
        vt_buf_put(out, plan + end, len - end);
        rc = out->oom ? VT_ERR_NOMEM : VT_OK;
    }
    vt_buf_free(&indent);
    vt_buf_free(&frag);
    return rc;
}
