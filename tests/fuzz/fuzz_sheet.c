/*
 * fuzz_sheet.c - a school list as it arrives from a clerk or the web desk:
 * a CSV or XLSX file read into a batch plan's clusters.
 *
 * Input: the first byte picks the reader (even: CSV, odd: XLSX), the rest
 * is the file.  The reader must refuse with a message or produce a sheet;
 * the clusters made from a sheet must be refused with a message or be XML
 * that is well-formed inside a <clusters> element, since `vanthu clusters`
 * splices exactly that into a plan.
 */
#include <string.h>

#include "fuzz.h"
#include "plan/sheet.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int xlsx = data[0] & 1;
    vt_sheet_limits lim = vt_sheet_limits_default();
    lim.max_part_bytes = 8u << 20; /* as fz_limits: a bomb costs ms */
    vt_diags d;
    vt_diags_init(&d);
    vt_sheet *s = NULL;
    vt_error rc = xlsx ? vt_sheet_xlsx_mem("fuzz.xlsx", data + 1, size - 1,
                                           NULL, &lim, &s, &d)
                       : vt_sheet_csv_mem("fuzz.csv", (const char *)data + 1,
                                          size - 1, &lim, &s, &d);
    if (rc != VT_OK) {
        fz_check_refusal(xlsx ? "xlsx" : "csv", &d);
    } else {
        vt_buf xml;
        vt_buf_init(&xml);
        vt_buf_puts(&xml, "<clusters>\n");
        size_t nc = 0, ns = 0;
        rc = vt_sheet_clusters(s, "  ", &xml, &nc, &ns, &d);
        vt_buf_puts(&xml, "</clusters>\n");
        if (rc == VT_OK && !xml.oom)
            fz_check_xml("clusters from a sheet", xml.data, xml.len);
        else if (rc != VT_OK)
            fz_check_refusal("clusters", &d);
        vt_buf_free(&xml);
    }
    vt_sheet_free(s);
    vt_diags_free(&d);
    return 0;
}
