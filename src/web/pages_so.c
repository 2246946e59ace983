/*
 * pages_so.c - the register of outgoing documents in the browser: list,
 * search and filter, one entry with its files, void with a reason, the
 * columns filled after issuing (ngày chuyển, ký nhận, ghi chú), the book
 * as CSV/XLSX/DOCX/PDF, and the check of the archive.
 *
 * Every request opens the register itself (as each CLI command does), so
 * SQLite's locking, not a lock of the server, orders the writers.  An
 * entry is named in URLs by its row id; what reaches the disk is only the
 * path the register recorded, never anything from the request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdf/pdf.h"
#include "plan/model.h"
#include "register/book.h"
#include "register/register.h"
#include "web/desk.h"

/* The rows one page of the register shows; past it the clerk narrows
 * the filter (a year's book is a few hundred to a few thousand). */
#define VT_DESK_LIST_MAX 500

static vt_error open_reg(vt_desk *k, int read_only, vt_register **reg,
                         vt_diags *d)
{
    return vt_register_open(k->o.register_path, 60000, read_only, reg, d);
}

/* ---- the list ------------------------------------------------------------ */

/* The rows of the list, the newest first: the register gives them oldest
 * first, so the last VT_DESK_LIST_MAX are kept in a ring. */
typedef struct {
    int state; /* 0 all, 1 standing, 2 voided */
    size_t matched;
    char *ring[VT_DESK_LIST_MAX];
    int oom;
} list_ctx;

static int list_row(void *ctx, const vt_reg_entry *e)
{
    list_ctx *c = ctx;
    if ((c->state == 1 && *e->voided) || (c->state == 2 && !*e->voided))
        return 0;
    vt_buf row;
    vt_buf_init(&row);
    vt_buf *b = &row;
    vt_buf_printf(b, "<tr%s><td><a href=\"/so-van-ban-di/%lld\">",
                  *e->voided ? " class=\"huy\"" : "", e->id);
    vt_html(b, e->ky_hieu);
    vt_buf_puts(b, "</a></td><td>");
    vt_html_date(b, e->date);
    vt_buf_puts(b, "</td><td>");
    vt_html(b, e->type_subject);
    vt_buf_puts(b, "</td><td>");
    vt_html(b, e->signer);
    vt_buf_puts(b, "</td><td>");
    if (*e->voided) {
        vt_buf_puts(b, "Đã hủy: ");
        vt_html(b, e->voided);
    } else {
        vt_buf_puts(b, "Còn hiệu lực");
    }
    vt_buf_puts(b, "</td></tr>");
    char *html = vt_buf_take(&row);
    if (!html) {
        c->oom = 1;
        return 1;
    }
    size_t slot = c->matched++ % VT_DESK_LIST_MAX;
    free(c->ring[slot]);
    c->ring[slot] = html;
    return 0;
}

/* The kept rows onto b, newest first, freeing them; how many. */
static size_t list_flush(list_ctx *c, vt_buf *b)
{
    size_t shown = c->matched < VT_DESK_LIST_MAX ? c->matched
                                                 : VT_DESK_LIST_MAX;
    for (size_t i = 0; i < shown; i++) {
        size_t slot = (c->matched - 1 - i) % VT_DESK_LIST_MAX;
        vt_buf_puts(b, c->ring[slot]);
    }
    for (size_t i = 0; i < VT_DESK_LIST_MAX; i++) {
        free(c->ring[i]);
        c->ring[i] = NULL;
    }
    return shown;
}

static void filter_input(vt_buf *b, const vt_req *r, const char *name,
                         const char *label, const char *extra)
{
    vt_buf_printf(b, "<div><label for=\"%s\">%s</label><input id=\"%s\" "
                     "name=\"%s\"%s value=\"",
                  name, label, name, name, extra);
    vt_html(b, vt_req_get(r, name));
    vt_buf_puts(b, "\"></div>");
}

void vt_page_so(vt_desk *k, vt_req *r, vt_resp *p)
{
    vt_reg_filter f = {0};
    const char *q = vt_req_get(r, "q"), *loai = vt_req_get(r, "loai");
    const char *nam = vt_req_get(r, "nam"), *tt = vt_req_get(r, "trang_thai");
    if (*q)
        f.text = q;
    if (*loai) {
        const vt_doctype *t = vt_doctype_find(loai);
        if (!t) {
            vt_page_error(p, r, 400, "Loại văn bản không có.");
            return;
        }
        f.type_slug = t->slug;
    }
    if (*nam && (sscanf(nam, "%4d", &f.year) != 1 || f.year < 1900 ||
                 f.year > 9999)) {
        vt_page_error(p, r, 400, "Năm không đúng.");
        return;
    }
    vt_page_begin(p, r, "Sổ văn bản đi");
    vt_buf *b = &p->body;
    vt_buf_puts(b, "<form class=\"loc khung\" method=\"get\" "
                   "action=\"/so-van-ban-di\">");
    filter_input(b, r, "q", "Tìm trong trích yếu", " type=\"search\"");
    vt_buf_puts(b, "<div><label for=\"loai\">Loại</label><select id=\"loai\" "
                   "name=\"loai\"><option value=\"\">Tất cả</option>");
    for (size_t i = 0; i < vt_doctype_count(); i++) {
        const vt_doctype *t = vt_doctype_at(i);
        vt_buf_printf(b, "<option value=\"%s\"%s>", t->slug,
                      strcmp(loai, t->slug) == 0 ? " selected" : "");
        vt_html(b, t->name);
        vt_buf_puts(b, "</option>");
    }
    vt_buf_puts(b, "</select></div>");
    filter_input(b, r, "nam", "Năm", " inputmode=\"numeric\" size=\"4\"");
    vt_buf_printf(b, "<div><label for=\"trang_thai\">Trạng thái</label>"
                     "<select id=\"trang_thai\" name=\"trang_thai\">"
                     "<option value=\"\">Tất cả</option>"
                     "<option value=\"hieu-luc\"%s>Còn hiệu lực</option>"
                     "<option value=\"da-huy\"%s>Đã hủy</option></select>"
                     "</div><div><button type=\"submit\">Lọc</button></div>"
                     "</form>",
                  strcmp(tt, "hieu-luc") == 0 ? " selected" : "",
                  strcmp(tt, "da-huy") == 0 ? " selected" : "");
    list_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        vt_page_error(p, r, 500, "Máy chủ hết bộ nhớ.");
        return;
    }
    c->state = strcmp(tt, "hieu-luc") == 0 ? 1
               : strcmp(tt, "da-huy") == 0 ? 2
                                           : 0;
    vt_register *reg = NULL;
    vt_diags d;
    vt_diags_init(&d);
    vt_buf_puts(b, "<table id=\"so\"><thead><tr><th>Số, ký hiệu</th>"
                   "<th>Ngày</th><th>Tên loại và trích yếu</th>"
                   "<th>Người ký</th><th>Trạng thái</th></tr></thead>"
                   "<tbody>");
    vt_error rc = open_reg(k, 1, &reg, &d);
    if (rc == VT_OK)
        rc = vt_register_list(reg, &f, list_row, c, &d);
    vt_register_close(reg);
    if (c->oom)
        rc = VT_ERR_NOMEM;
    size_t shown = list_flush(c, b);
    size_t matched = c->matched;
    free(c);
    vt_buf_puts(b, "</tbody></table>");
    if (rc != VT_OK) {
        vt_buf_puts(b, "<p class=\"loi\">Không đọc được sổ:</p>");
        vt_html_list(b, &d);
    } else if (!matched) {
        vt_buf_puts(b, "<p>Không có văn bản nào.</p>");
    } else if (matched > shown) {
        vt_buf_printf(b, "<p class=\"canh-bao\" id=\"qua-nhieu\">Hiện %zu "
                         "văn bản mới nhất trên %zu: thu hẹp bộ lọc (năm, "
                         "loại, từ khóa) để xem các văn bản cũ hơn.</p>",
                      shown, matched);
    }
    vt_diags_free(&d);
    if (r->s.role == VT_ROLE_VAN_THU) {
        vt_buf_puts(b, "<div class=\"khung\"><p>Xuất sổ (năm ");
        vt_buf_puts(b, *nam ? "đã chọn" : "gần nhất");
        vt_buf_puts(b, "):");
        static const char *const fmts[] = {"csv", "xlsx", "docx", "pdf"};
        for (size_t i = 0; i < 4; i++) {
            vt_buf_printf(b, " <a class=\"nut\" id=\"xuat-%s\" "
                             "href=\"/so-van-ban-di/xuat.%s%s",
                          fmts[i], fmts[i], *nam ? "?nam=" : "");
            if (*nam)
                vt_buf_printf(b, "%04d", f.year);
            vt_buf_printf(b, "\">%s</a>", fmts[i]);
        }
        vt_buf_puts(b, "</p><form method=\"post\" "
                       "action=\"/so-van-ban-di/kiem-tra\">");
        vt_csrf_field(b, r);
        vt_buf_puts(b, "<button type=\"submit\" class=\"phu\" "
                       "id=\"kiem-tra-so\">Kiểm tra tệp lưu trữ</button>"
                       "</form></div>");
    }
    vt_page_end(p);
}

/* ---- one entry ----------------------------------------------------------- */

/* What the pages need of one entry, copied out of the callback. */
typedef struct {
    long long id;
    int found, year;
    char ky_hieu[128];
    char voided[16];
} entry_key;

typedef struct {
    long long id;
    vt_buf *b;     /* the show page, or NULL */
    const vt_req *r;
    entry_key key;
} show_ctx;

static void row(vt_buf *b, const char *label, const char *value)
{
    vt_buf_puts(b, "<tr><th>");
    vt_html(b, label);
    vt_buf_puts(b, "</th><td>");
    vt_html(b, value);
    vt_buf_puts(b, "</td></tr>");
}

static void date_row(vt_buf *b, const char *label, const char *iso)
{
    vt_buf_puts(b, "<tr><th>");
    vt_html(b, label);
    vt_buf_puts(b, "</th><td>");
    vt_html_date(b, iso);
    vt_buf_puts(b, "</td></tr>");
}

static void show_entry(vt_buf *b, const vt_req *r, const vt_reg_entry *e)
{
    char num[32];
    vt_buf_puts(b, "<table id=\"van-ban\">");
    row(b, "Số, ký hiệu", e->ky_hieu);
    date_row(b, "Ngày tháng", e->date);
    row(b, "Tên loại và trích yếu", e->type_subject);
    row(b, "Người ký", e->signer);
    row(b, "Nơi nhận", e->recipients);
    row(b, "Đơn vị, người nhận bản lưu", e->archive_unit);
    snprintf(num, sizeof num, "%d", e->copies);
    row(b, "Số lượng bản", num);
    date_row(b, "Ngày chuyển", e->sent_date);
    row(b, "Ký nhận", e->received_by);
    row(b, "Ghi chú", e->note);
    row(b, "Cơ quan", e->agency_name);
    if (*e->voided) {
        vt_buf_puts(b, "<tr class=\"huy-ly-do\"><th>Đã hủy</th><td "
                       "id=\"da-huy\">");
        vt_html_date(b, e->voided_on);
        vt_buf_puts(b, ": ");
        vt_html(b, e->voided);
        vt_buf_puts(b, "</td></tr>");
    }
    vt_buf_puts(b, "</table><p>");
    if (strstr(e->files, ".docx"))
        vt_buf_printf(b, "<a class=\"nut\" id=\"tai-docx\" "
                         "href=\"/van-ban/%lld/tai.docx\">Tải DOCX</a> ",
                      e->id);
    if (strstr(e->files, ".pdf"))
        vt_buf_printf(b, "<a class=\"nut\" id=\"tai-pdf\" "
                         "href=\"/van-ban/%lld/tai.pdf\">Tải PDF</a>",
                      e->id);
    vt_buf_puts(b, "</p>");
    if (r->s.role != VT_ROLE_VAN_THU)
        return;
    vt_buf_printf(b, "<div class=\"cot\"><form class=\"khung\" method=\"post\" "
                     "action=\"/so-van-ban-di/%lld/ghi-chu\"><h2>Ghi sổ sau "
                     "khi phát hành</h2>", e->id);
    vt_csrf_field(b, r);
    vt_buf_puts(b, "<label for=\"ngay_chuyen\">Ngày chuyển</label><input "
                   "id=\"ngay_chuyen\" name=\"ngay_chuyen\" type=\"date\" "
                   "value=\"");
    vt_html(b, e->sent_date);
    vt_buf_puts(b, "\"><label for=\"ky_nhan\">Ký nhận</label><input "
                   "id=\"ky_nhan\" name=\"ky_nhan\" value=\"");
    vt_html(b, e->received_by);
    vt_buf_puts(b, "\"><label for=\"ghi_chu\">Ghi chú</label><input "
                   "id=\"ghi_chu\" name=\"ghi_chu\" value=\"");
    vt_html(b, e->note);
    vt_buf_puts(b, "\"><p><button type=\"submit\" id=\"luu-ghi-chu\">Lưu"
                   "</button></p></form>");
    if (!*e->voided) {
        vt_buf_printf(b, "<form class=\"khung\" method=\"post\" "
                         "action=\"/so-van-ban-di/%lld/huy\" "
                         "data-hoi=\"Hủy số này? Số đã hủy không dùng lại "
                         "được.\"><h2>Hủy số</h2>", e->id);
        vt_csrf_field(b, r);
        vt_buf_puts(b, "<label for=\"ly_do\">Lý do hủy</label><input "
                       "id=\"ly_do\" name=\"ly_do\" required><p><button "
                       "type=\"submit\" id=\"huy-so\">Hủy số</button></p>"
                       "</form>");
    }
    vt_buf_puts(b, "</div>");
}

static int find_by_id(void *ctx, const vt_reg_entry *e)
{
    show_ctx *c = ctx;
    if (e->id != c->id)
        return 0;
    c->key.found = 1;
    c->key.id = e->id;
    c->key.year = e->year;
    snprintf(c->key.ky_hieu, sizeof c->key.ky_hieu, "%s", e->ky_hieu);
    snprintf(c->key.voided, sizeof c->key.voided, "%s",
             *e->voided ? "yes" : "");
    if (c->b)
        show_entry(c->b, c->r, e);
    return 1; /* found: stop */
}

/* Look entry id up; with b, its page is written there. */
static vt_error lookup(vt_register *reg, long long id, const vt_req *r,
                       vt_buf *b, entry_key *key, vt_diags *d)
{
    show_ctx c;
    memset(&c, 0, sizeof c);
    c.id = id;
    c.b = b;
    c.r = r;
    vt_reg_filter f = {0};
    vt_error rc = vt_register_list(reg, &f, find_by_id, &c, d);
    if (rc == VT_ERR_USAGE && c.key.found)
        rc = VT_OK; /* stopped early on purpose */
    *key = c.key;
    return rc;
}

void vt_page_so_entry(vt_desk *k, vt_req *r, vt_resp *p, long long id)
{
    vt_register *reg = NULL;
    vt_diags d;
    vt_diags_init(&d);
    vt_buf page;
    vt_buf_init(&page);
    entry_key key;
    memset(&key, 0, sizeof key);
    vt_error rc = open_reg(k, 1, &reg, &d);
    if (rc == VT_OK)
        rc = lookup(reg, id, r, &page, &key, &d);
    vt_register_close(reg);
    if (rc != VT_OK)
        vt_page_diags(p, r, 500, "Không đọc được sổ.", &d);
    else if (!key.found)
        vt_page_error(p, r, 404, "Không có số văn bản này.");
    else {
        char title[200];
        snprintf(title, sizeof title, "Văn bản số %s", key.ky_hieu);
        vt_page_begin(p, r, title);
        vt_buf_put(&p->body, page.data, page.len);
        vt_buf_puts(&p->body, "<p><a href=\"/so-van-ban-di\">Về sổ văn bản "
                              "đi</a></p>");
        vt_page_end(p);
    }
    vt_buf_free(&page);
    vt_diags_free(&d);
}

/* Change entry id with u (void or note), audit it, back to its page. */
static void update(vt_desk *k, vt_req *r, vt_resp *p, long long id,
                   vt_reg_update *u, const char *action, const char *detail)
{
    vt_register *reg = NULL;
    vt_diags d;
    vt_diags_init(&d);
    entry_key key;
    memset(&key, 0, sizeof key);
    vt_error rc = open_reg(k, 0, &reg, &d);
    if (rc == VT_OK)
        rc = lookup(reg, id, r, NULL, &key, &d);
    if (rc == VT_OK && !key.found) {
        vt_register_close(reg);
        vt_page_error(p, r, 404, "Không có số văn bản này.");
        vt_diags_free(&d);
        return;
    }
    vt_reg_filter f = {0};
    f.year = key.year;
    f.ky_hieu = key.ky_hieu;
    if (rc == VT_OK)
        rc = vt_register_update(reg, &f, u, &d);
    vt_register_close(reg);
    if (rc == VT_OK) {
        char what[512];
        snprintf(what, sizeof what, "%s: %s", key.ky_hieu, detail);
        vt_diags ad;
        vt_diags_init(&ad);
        vt_audit(k->auth, r->s.user, action, what, &ad);
        vt_diags_free(&ad);
        char url[64];
        snprintf(url, sizeof url, "/so-van-ban-di/%lld", id);
        vt_redirect(p, url);
    } else {
        vt_page_diags(p, r, rc == VT_ERR_USAGE ? 409 : vt_http_status(rc),
                      "Không ghi được vào sổ.", &d);
    }
    vt_diags_free(&d);
}

/* A field typed into one line of the book: no control characters. */
static int one_line(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20)
            return 0;
    return 1;
}

void vt_page_so_void(vt_desk *k, vt_req *r, vt_resp *p, long long id)
{
    const char *reason = vt_req_get(r, "ly_do");
    if (!*reason || !one_line(reason) || strlen(reason) > 500) {
        vt_page_error(p, r, 400, "Ghi lý do hủy số (một dòng, tối đa 500 "
                                 "ký tự).");
        return;
    }
    char today[16];
    vt_today(today);
    vt_reg_update u = {0};
    u.void_reason = reason;
    u.void_date = today;
    update(k, r, p, id, &u, "void", reason);
}

void vt_page_so_note(vt_desk *k, vt_req *r, vt_resp *p, long long id)
{
    const char *sent = vt_req_get(r, "ngay_chuyen");
    const char *by = vt_req_get(r, "ky_nhan"), *note = vt_req_get(r, "ghi_chu");
    int y, m, d;
    if ((*sent && (strlen(sent) != 10 ||
                   sscanf(sent, "%4d-%2d-%2d", &y, &m, &d) != 3)) ||
        !one_line(by) || !one_line(note) || strlen(by) > 500 ||
        strlen(note) > 500) {
        vt_page_error(p, r, 400, "Ngày chuyển là một ngày; ký nhận và ghi "
                                 "chú mỗi thứ một dòng.");
        return;
    }
    vt_reg_update u = {0};
    u.sent_date = *sent ? sent : NULL;
    u.received_by = vt_req_field(r, "ky_nhan") ? by : NULL;
    u.note = vt_req_field(r, "ghi_chu") ? note : NULL;
    update(k, r, p, id, &u, "note", note);
}

/* ---- files: downloads, the book, the check ------------------------------ */

typedef struct {
    long long id;
    const char *ext;
    char *path;
    char ky_hieu[128];
} file_ctx;

static int find_file(void *ctx, const vt_reg_entry *e, const char *path,
                     const char *sha)
{
    (void)sha;
    file_ctx *c = ctx;
    size_t n = strlen(path), m = strlen(c->ext);
    if (e->id != c->id || c->path || n < m ||
        strcmp(path + n - m, c->ext) != 0)
        return 0;
    c->path = strdup(path);
    snprintf(c->ky_hieu, sizeof c->ky_hieu, "%s", e->ky_hieu);
    return 0;
}

/* A download name from a ký hiệu: "05/KH-PGDĐT" → "05-KH-PGDDT"-like,
 * ASCII only so that the header needs no encoding. */
static void file_name(const char *ky_hieu, const char *ext, char *out,
                      size_t size)
{
    size_t j = 0;
    for (const char *s = ky_hieu; *s && j + 1 < size; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9'))
            out[j++] = (char)c;
        else if ((c == '/' || c == '-') && j && out[j - 1] != '-')
            out[j++] = '-';
    }
    out[j] = '\0';
    snprintf(out + j, size - j, ".%s", ext);
}

void vt_page_download(vt_desk *k, vt_req *r, vt_resp *p, long long id,
                      const char *ext)
{
    vt_register *reg = NULL;
    vt_diags d;
    vt_diags_init(&d);
    file_ctx c = {id, strcmp(ext, "pdf") == 0 ? ".pdf" : ".docx", NULL, ""};
    vt_reg_filter f = {0};
    vt_error rc = open_reg(k, 1, &reg, &d);
    if (rc == VT_OK)
        rc = vt_register_files(reg, &f, find_file, &c, &d);
    char *full = NULL;
    if (rc == VT_OK && c.path) {
        if (c.path[0] == '/')
            full = strdup(c.path);
        else if (asprintf(&full, "%s/%s", vt_register_dir(reg), c.path) < 0)
            full = NULL;
    }
    vt_register_close(reg);
    if (rc != VT_OK)
        vt_page_diags(p, r, 500, "Không đọc được sổ.", &d);
    else if (!full)
        vt_page_error(p, r, 404, "Văn bản này không có tệp ấy.");
    else {
        char name[160];
        file_name(c.ky_hieu, ext, name, sizeof name);
        vt_send_file(p, r, full,
                     strcmp(ext, "pdf") == 0
                         ? "application/pdf"
                         : "application/vnd.openxmlformats-officedocument."
                           "wordprocessingml.document",
                     name);
    }
    free(full);
    free(c.path);
    vt_diags_free(&d);
}

void vt_page_so_export(vt_desk *k, vt_req *r, vt_resp *p, const char *fmt)
{
    static const char *const fmts[] = {"csv", "xlsx", "docx", "pdf"};
    static const char *const types[] = {
        "text/csv; charset=utf-8",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        /* one literal: clang warns of a missing comma otherwise */
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/pdf"};
    size_t i = 0;
    while (i < 4 && strcmp(fmt, fmts[i]) != 0)
        i++;
    if (i == 4) {
        vt_page_error(p, r, 404, "Không có định dạng xuất này.");
        return;
    }
    int year = 0;
    const char *nam = vt_req_get(r, "nam");
    if (*nam && (sscanf(nam, "%4d", &year) != 1 || year < 1900)) {
        vt_page_error(p, r, 400, "Năm không đúng.");
        return;
    }
    vt_book_opts b = {i == 0 ? VT_BOOK_CSV : i == 1 ? VT_BOOK_XLSX
                                                    : VT_BOOK_DOCX,
                      year, NULL, NULL};
    vt_template *tpl = NULL;
    vt_register *reg = NULL;
    vt_diags d;
    vt_diags_init(&d);
    char ext[8];
    snprintf(ext, sizeof ext, ".%s", i == 3 ? "docx" : fmts[i]);
    char *out = vt_scratch_path(k, ext);
    char *pdf = i == 3 ? vt_scratch_path(k, ".pdf") : NULL;
    vt_error rc = out && (i != 3 || pdf) ? VT_OK : VT_ERR_IO;
    if (rc == VT_OK && b.format == VT_BOOK_DOCX) {
        vt_limits lim = vt_limits_default();
        char *tp = vt_desk_template(k, "mau-1.4");
        rc = tp ? vt_template_open(tp, &lim, &tpl, &d) : VT_ERR_NOMEM;
        free(tp);
        b.tpl = tpl;
    }
    if (rc == VT_OK)
        rc = open_reg(k, 1, &reg, &d);
    if (rc == VT_OK)
        rc = vt_book_export(reg, &b, out, &d);
    vt_register_close(reg);
    if (rc == VT_OK && i == 3) {
        vt_pdf_opts po;
        vt_pdf_opts_init(&po);
        const char *in[1] = {out}, *to[1] = {pdf};
        rc = vt_pdf_convert(in, to, 1, &po, &d);
    }
    if (rc == VT_OK) {
        char name[64];
        snprintf(name, sizeof name, "so-van-ban-di%s%s.%s", year ? "-" : "",
                 year ? nam : "", fmts[i]);
        for (char *c = name; *c; c++) /* only what the year check let in */
            if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-.", *c))
                *c = '-';
        vt_send_file(p, r, i == 3 ? pdf : out, types[i], name);
        vt_diags ad;
        vt_diags_init(&ad);
        vt_audit(k->auth, r->s.user, "export", name, &ad);
        vt_diags_free(&ad);
    } else {
        vt_page_diags(p, r, vt_http_status(rc), "Không xuất được sổ.", &d);
    }
    if (out)
        unlink(out);
    if (pdf)
        unlink(pdf);
    free(out);
    free(pdf);
    vt_template_free(tpl);
    vt_diags_free(&d);
}

void vt_page_so_verify(vt_desk *k, vt_req *r, vt_resp *p)
{
    vt_register *reg = NULL;
    vt_diags d;
    vt_diags_init(&d);
    char *report = NULL;
    size_t rlen = 0, checked = 0, pdfs[2] = {0, 0};
    FILE *fp = open_memstream(&report, &rlen);
    vt_error rc = fp ? open_reg(k, 1, &reg, &d) : VT_ERR_NOMEM;
    if (rc == VT_OK)
        rc = vt_book_verify(reg, 0, NULL, fp, &checked, pdfs, &d);
    vt_register_close(reg);
    if (fp)
        fclose(fp);
    vt_page_begin(p, r, "Kiểm tra tệp lưu trữ");
    vt_buf *b = &p->body;
    if (rc == VT_OK)
        vt_buf_printf(b, "<p class=\"ok\" id=\"ket-qua\">%zu tệp lưu trữ "
                         "khớp với sổ.</p>", checked);
    else
        vt_buf_puts(b, "<p class=\"loi\" id=\"ket-qua\">Có tệp thiếu, bị "
                       "sửa hoặc không thuộc sổ:</p>");
    if (report && rlen) {
        vt_buf_puts(b, "<pre>");
        vt_html(b, report);
        vt_buf_puts(b, "</pre>");
    }
    vt_html_list(b, &d);
    vt_buf_puts(b, "<p><a href=\"/so-van-ban-di\">Về sổ văn bản đi</a></p>");
    vt_page_end(p);
    free(report);
    vt_diags_free(&d);
}
