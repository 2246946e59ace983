/*
 * moi_sheet.c - the plan of a giấy mời batch from the web form: a draft,
 * and the clusters of an uploaded school list (CSV or XLSX, read from
 * memory by the same sheet reader as `vanthu import --clusters`).  Apart
 * from pages_moi.c because the sheet reader's cell type and the plan
 * model's share a name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan/sheet.h"
#include "plan/sheet_splice.h"
#include "web/desk.h"

/* The draft's text, with the uploaded list's clusters if one came. */
vt_error vt_moi_plan(vt_desk *k, const vt_req *r, vt_buf *out, vt_diags *d)
{
    const char *id = vt_req_get(r, "ban_nhap");
    vt_limits lim = vt_limits_default();
    char *path = NULL, *text = NULL;
    size_t len = 0;
    if (!vt_id_ok(id)) {
        vt_diags_addf(d, "Chưa chọn bản nháp.");
        return VT_ERR_USAGE;
    }
    if (asprintf(&path, "%s/%s.xml", k->o.data_dir, id) < 0)
        return VT_ERR_NOMEM;
    int rd = vt_read_file(path, lim.max_plan_bytes, &text, &len);
    free(path);
    if (rd != 0) {
        vt_diags_addf(d, "%s: không đọc được bản nháp", id);
        return VT_ERR_USAGE;
    }
    const vt_form_field *f = vt_req_field(r, "danh_sach");
    vt_error rc = VT_OK;
    if (f && f->filename && f->data.len) {
        const char *name = strrchr(f->filename, '/');
        name = name ? name + 1 : f->filename;
        size_t n = strlen(name);
        vt_sheet_limits sl = vt_sheet_limits_default();
        vt_sheet *s = NULL;
        if (n > 4 && strcasecmp(name + n - 4, ".csv") == 0)
            rc = vt_sheet_csv_mem(name, f->data.data, f->data.len, &sl, &s,
                                  d);
        else if (n > 5 && strcasecmp(name + n - 5, ".xlsx") == 0)
            rc = vt_sheet_xlsx_mem(name, f->data.data, f->data.len, NULL,
                                   &sl, &s, d);
        else {
            vt_diags_addf(d, "%s: chỉ nhận danh sách .xlsx hoặc .csv", name);
            rc = VT_ERR_USAGE;
        }
        size_t nc = 0, ns = 0;
        if (rc == VT_OK)
            rc = vt_plan_splice_clusters(id, text, len, s, out, &nc, &ns, d);
        vt_sheet_free(s);
    } else {
        vt_buf_put(out, text, len);
        rc = out->oom ? VT_ERR_NOMEM : VT_OK;
    }
    free(text);
    if (rc != VT_OK)
        return rc;
    /* checked here, so a batch that cannot run is refused at once */
    vt_plan *plan = NULL;
    rc = vt_plan_load_mem(id, out->data, out->len, &lim, &plan, d);
    if (rc == VT_OK)
        rc = vt_invite_check(plan, NULL, VT_PER_CLUSTER, d);
    vt_plan_free(plan);
    return rc;
}

