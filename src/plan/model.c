/*
 * model.c - the document types of Decree 30 and the table grid.
 *
 * The type table is the decree's own (Phụ lục III, Mục I) plus the two
 * types without an abbreviation, công văn and thư công (Điều 7).
 */
#include "plan/model.h"

#include <stdio.h>
#include <string.h>

static const vt_doctype types[] = {
    {"nghi-quyet", "Nghị quyết", "NQ", "mau-1.4"},
    {"quyet-dinh", "Quyết định", "QĐ", "mau-1.4"},
    {"chi-thi", "Chỉ thị", "CT", "mau-1.4"},
    {"quy-che", "Quy chế", "QC", "mau-1.4"},
    {"quy-dinh", "Quy định", "QyĐ", "mau-1.4"},
    {"thong-cao", "Thông cáo", "TC", "mau-1.4"},
    {"thong-bao", "Thông báo", "TB", "mau-1.4"},
    {"huong-dan", "Hướng dẫn", "HD", "mau-1.4"},
    {"chuong-trinh", "Chương trình", "CTr", "mau-1.4"},
    {"ke-hoach", "Kế hoạch", "KH", "mau-1.4"},
    {"phuong-an", "Phương án", "PA", "mau-1.4"},
    {"de-an", "Đề án", "ĐA", "mau-1.4"},
    {"du-an", "Dự án", "DA", "mau-1.4"},
    {"bao-cao", "Báo cáo", "BC", "mau-1.4"},
    {"bien-ban", "Biên bản", "BB", "mau-1.4"},
    {"to-trinh", "Tờ trình", "TTr", "mau-1.4"},
    {"hop-dong", "Hợp đồng", "HĐ", "mau-1.4"},
    {"cong-dien", "Công điện", "CĐ", "mau-1.4"},
    {"ban-ghi-nho", "Bản ghi nhớ", "BGN", "mau-1.4"},
    {"ban-thoa-thuan", "Bản thỏa thuận", "BTT", "mau-1.4"},
    {"giay-uy-quyen", "Giấy ủy quyền", "GUQ", "mau-1.4"},
    {"giay-moi", "Giấy mời", "GM", "mau-1.7"},
    {"giay-gioi-thieu", "Giấy giới thiệu", "GGT", "mau-1.4"},
    {"giay-nghi-phep", "Giấy nghỉ phép", "GNP", "mau-1.4"},
    {"phieu-gui", "Phiếu gửi", "PG", "mau-1.4"},
    {"phieu-chuyen", "Phiếu chuyển", "PC", "mau-1.4"},
    {"phieu-bao", "Phiếu báo", "PB", "mau-1.4"},
    {"cong-van", "Công văn", "", "mau-1.5"},
    {"thu-cong", "Thư công", "", "mau-1.5"},
};

size_t vt_doctype_count(void) { return sizeof types / sizeof types[0]; }

const vt_doctype *vt_doctype_at(size_t i)
{
    return i < vt_doctype_count() ? &types[i] : NULL;
}

/* A clerk may write the slug ("ke-hoach") or the decree's abbreviation
 * ("KH"); abbreviations are matched exactly because "QĐ" and "QyĐ" differ
 * only in case. */
const vt_doctype *vt_doctype_find(const char *s)
{
    for (size_t i = 0; i < vt_doctype_count(); i++) {
        if (strcmp(types[i].slug, s) == 0)
            return &types[i];
        if (types[i].abbr[0] && strcmp(types[i].abbr, s) == 0)
            return &types[i];
    }
    return NULL;
}

int vt_doctype_is_cong_van(const vt_doctype *t)
{
    return t && strcmp(t->family, "mau-1.5") == 0;
}

const char *vt_authority_prefix(vt_authority a)
{
    switch (a) {
    case VT_AUTH_TM:
        return "TM. ";
    case VT_AUTH_KT:
        return "KT. ";
    case VT_AUTH_Q:
        return "Q. ";
    case VT_AUTH_TL:
        return "TL. ";
    case VT_AUTH_TUQ:
        return "TUQ. ";
    default:
        return "";
    }
}

int vt_table_layout(const vt_table *t, long *grid, char *err, size_t errlen)
{
    size_t nc = t->ncols;
    for (size_t i = 0; i < t->nrows * nc; i++)
        grid[i] = -1;
    for (size_t r = 0; r < t->nrows; r++) {
        size_t col = 0;
        const vt_row *row = &t->rows[r];
        for (size_t c = 0; c < row->count; c++) {
            const vt_cell *cell = &row->cells[c];
            while (col < nc && grid[r * nc + col] != -1)
                col++;
            if (col + (size_t)cell->colspan > nc) {
                snprintf(err, errlen,
                         "row %zu has more cells than the table's %zu columns",
                         r + 1, nc);
                return -1;
            }
            if (r + (size_t)cell->rowspan > t->nrows) {
                snprintf(err, errlen,
                         "a cell in row %zu spans %d rows but only %zu rows "
                         "follow",
                         r + 1, cell->rowspan, t->nrows - r);
                return -1;
            }
            for (int dr = 0; dr < cell->rowspan; dr++)
                for (int dc = 0; dc < cell->colspan; dc++) {
                    long *slot = &grid[(r + (size_t)dr) * nc + col + (size_t)dc];
                    if (*slot != -1) {
                        snprintf(err, errlen,
                                 "a cell in row %zu overlaps a cell spanning "
                                 "from above",
                                 r + 1 + (size_t)dr);
                        return -1;
                    }
                    *slot = (long)(r * nc + c); /* c < nc: see model.h */
                }
            col += (size_t)cell->colspan;
        }
        for (size_t k = 0; k < nc; k++)
            if (grid[r * nc + k] == -1) {
                snprintf(err, errlen,
                         "row %zu has fewer cells than the table's %zu columns",
                         r + 1, nc);
                return -1;
            }
    }
    return 0;
}
