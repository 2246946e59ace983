/*
 * pages_soan.c - the first job: compose a document, keep it as a draft,
 * preview it as PDF, and (văn thư) give it its number from the register.
 *
 * The form's fields are put together as the text a clerk would type (the
 * header, the type name, trích yếu, Kính gửi, Căn cứ, the body, Nơi nhận,
 * the signature) and read by `vanthu import`'s reader: one reader, so the
 * desk and the command line agree on what a typed body means, and its
 * warnings point at the line of the body the clerk typed.  A draft is the
 * plan XML in the data folder, under a checked id, which the CLI can
 * render, validate or issue too.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/vn_text.h"
#include "doc/render.h"
#include "pdf/pdf.h"
#include "plan/import_file.h"
#include "plan/import_text.h"
#include "plan/model.h"
#include "register/issue.h"
#include "web/desk.h"

/* The name warnings of a typed form carry: "soan:LINE: …". */
#define FORM_NAME "soan"

/* ---- drafts on disk ------------------------------------------------------ */

static char *draft_path(const vt_desk *k, const char *id, const char *suffix)
{
    char *path = NULL;
    if (!vt_id_ok(id) ||
        asprintf(&path, "%s/%s%s", k->o.data_dir, id, suffix) < 0)
        return NULL;
    return path;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void vt_drafts_list(vt_desk *k, vt_buf *b, int as_options)
{
    DIR *dir = opendir(k->o.data_dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while (dir && (e = readdir(dir)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".xml") != 0)
            continue;
        char id[80];
        if (len - 4 >= sizeof id)
            continue;
        memcpy(id, e->d_name, len - 4);
        id[len - 4] = '\0';
        if (!vt_id_ok(id))
            continue; /* issued drafts ("x.da-cap-so.xml") and others */
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **v = realloc(names, nc * sizeof *v);
            if (!v)
                break;
            names = v;
            cap = nc;
        }
        if (!(names[n] = strdup(id)))
            break;
        n++;
    }
    if (dir)
        closedir(dir);
    if (n)
        qsort(names, n, sizeof *names, name_cmp);
    if (!as_options && !n)
        vt_buf_puts(b, "<p>Chưa có bản nháp nào.</p>");
    if (!as_options && n)
        vt_buf_puts(b, "<ul id=\"ban-nhap\">");
    for (size_t i = 0; i < n; i++) {
        if (as_options) {
            vt_buf_puts(b, "<option value=\"");
            vt_html(b, names[i]);
            vt_buf_puts(b, "\">");
            vt_html(b, names[i]);
            vt_buf_puts(b, "</option>");
        } else {
            vt_buf_printf(b, "<li><a href=\"/ban-nhap/%s\">%s</a></li>",
                          names[i], names[i]);
        }
        free(names[i]);
    }
    if (!as_options && n)
        vt_buf_puts(b, "</ul>");
    free(names);
}

/* ---- the form as typed text ------------------------------------------- */

/* Each non-blank line of s through fn, trimmed. */
static void put_lines(vt_buf *t, const char *s, const char *prefix,
                      const char *suffix, int *line)
{
    while (s && *s) {
        const char *e = strchr(s, '\n');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        const char *a = s;
        while (n && (*a == ' ' || *a == '\t' || *a == '\r')) {
            a++;
            n--;
        }
        while (n && (a[n - 1] == ' ' || a[n - 1] == '\t' || a[n - 1] == '\r'))
            n--;
        if (n) {
            vt_buf_puts(t, prefix);
            vt_buf_put(t, a, n);
            vt_buf_puts(t, suffix);
            vt_buf_putc(t, '\n');
            (*line)++;
        }
        s = e ? e + 1 : NULL;
    }
}

static void put_line(vt_buf *t, const char *s, int *line)
{
    vt_buf_puts(t, s);
    vt_buf_putc(t, '\n');
    (*line)++;
}

/* Capitals of s (allocated; NULL out of memory). */
static char *upper(const char *s)
{
    vt_buf u;
    vt_buf_init(&u);
    vt_buf_puts(&u, "");
    if (vt_text_upper(s, &u) != 0 || u.oom) {
        vt_buf_free(&u);
        return NULL;
    }
    return vt_buf_take(&u);
}

/* Capitals of s, as the decree prints the agency names and type, on one
 * line (a newline in the field folds to a space). */
static void put_upper(vt_buf *t, const char *s, int *line)
{
    char *u = upper(s);
    for (char *c = u; c && *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    put_line(t, u ? u : s, line);
    free(u);
}

/* The body's lines start at body_first and run for body_count. */
typedef struct {
    int body_first, body_count;
} text_map;

/* The document the form describes, as the text `vanthu import` reads;
 * newlines in single-line fields are folded so they cannot add lines. */
static void form_text(const vt_req *r, vt_buf *t, text_map *m)
{
    int line = 0;
    const vt_doctype *type = vt_doctype_find(vt_req_get(r, "loai"));
    if (!type)
        type = vt_doctype_find("ke-hoach");
    const char *parent = vt_req_get(r, "co_quan_chu_quan");
    if (*parent)
        put_upper(t, parent, &line);
    put_upper(t, *vt_req_get(r, "co_quan") ? vt_req_get(r, "co_quan")
                                          : "[THIẾU: tên cơ quan]",
              &line);
    put_line(t, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", &line);
    put_line(t, "Độc lập - Tự do - Hạnh phúc", &line);
    const char *abbr = vt_req_get(r, "viet_tat");
    if (*type->abbr)
        vt_buf_printf(t, "Số:     /%s-%s\n", type->abbr, abbr);
    else
        vt_buf_printf(t, "Số:     /%s\n", abbr);
    line++;
    int y = 0, mo = 0, d = 0;
    const char *date = vt_req_get(r, "ngay");
    const char *place = vt_req_get(r, "dia_danh");
    if (sscanf(date, "%4d-%2d-%2d", &y, &mo, &d) == 3)
        vt_buf_printf(t, "%s, ngày %02d tháng %02d năm %04d\n", place, d, mo,
                      y);
    else {
        char today[16];
        vt_today(today);
        vt_buf_printf(t, "%s, ngày     tháng %.2s năm %.4s\n", place,
                      today + 5, today);
    }
    line++;
    const char *subject = vt_req_get(r, "trich_yeu");
    if (vt_doctype_is_cong_van(type)) {
        vt_buf_puts(t, "V/v ");
        put_lines(t, subject, "", "", &line);
    } else {
        put_upper(t, type->name, &line);
        put_lines(t, subject, "", "", &line);
    }
    const char *to = vt_req_get(r, "kinh_gui");
    if (*to && !strchr(to, '\n')) {
        vt_buf_puts(t, "Kính gửi: ");
        put_lines(t, to, "", "", &line);
    } else if (*to) {
        put_line(t, "Kính gửi:", &line);
        put_lines(t, to, "- ", "", &line);
    }
    put_lines(t, vt_req_get(r, "can_cu"), "", "", &line);
    m->body_first = line + 1;
    int before = line;
    /* the body keeps its blank lines, so its line numbers are the
     * textarea's */
    const char *body = vt_req_get(r, "noi_dung");
    while (*body) {
        const char *e = strchr(body, '\n');
        size_t n = e ? (size_t)(e - body) : strlen(body);
        if (n && body[n - 1] == '\r')
            n--;
        vt_buf_put(t, body, n);
        vt_buf_putc(t, '\n');
        line++;
        body = e ? e + 1 : "";
    }
    m->body_count = line - before;
    put_line(t, "Nơi nhận:", &line);
    put_lines(t, vt_req_get(r, "noi_nhan"), "- ", ";", &line);
    const char *luu = vt_req_get(r, "luu");
    vt_buf_printf(t, "- Lưu: %s.\n", *luu ? luu : "VT");
    line++;
    const char *auth = vt_req_get(r, "tham_quyen");
    static const char *const auths[] = {"KT.", "TM.", "Q.", "TL.", "TUQ."};
    int known = 0;
    for (size_t i = 0; i < 5; i++)
        known |= strcmp(auth, auths[i]) == 0;
    const char *title1 = vt_req_get(r, "chuc_vu");
    char *u1 = upper(title1);
    vt_buf_printf(t, "%s%s%s\n", known ? auth : "", known ? " " : "",
                  u1 ? u1 : title1);
    line++;
    free(u1);
    const char *title2 = vt_req_get(r, "chuc_vu_2");
    if (*title2)
        put_upper(t, title2, &line);
    put_lines(t, vt_req_get(r, "nguoi_ky"), "", "", &line);
}

/* Import the form's text; the plan XML into xml, every warning and error
 * into d. */
static vt_error form_plan(const vt_req *r, vt_buf *xml, text_map *m,
                          vt_diags *d)
{
    vt_buf t;
    vt_buf_init(&t);
    form_text(r, &t, m);
    if (t.oom) {
        vt_buf_free(&t);
        return VT_ERR_NOMEM;
    }
    vt_error rc = vt_import_data(FORM_NAME, t.data, t.len, xml, d);
    vt_buf_free(&t);
    return rc;
}

/* One message as {line, col, message}: a warning on a body line points
 * at that line of the textarea; the rest concern the form as a whole. */
static void json_diag(vt_buf *b, const char *msg, const text_map *m)
{
    int line = 0, col = 0;
    const char *text = msg;
    size_t pl = strlen(FORM_NAME);
    if (strncmp(msg, FORM_NAME ":", pl + 1) == 0) {
        char *end;
        long l = strtol(msg + pl + 1, &end, 10);
        if (end != msg + pl + 1 && *end == ':') {
            text = end + 1;
            if (l >= m->body_first && l < m->body_first + m->body_count)
                line = (int)(l - m->body_first + 1);
            long c = strtol(text, &end, 10);
            if (end != text && *end == ':') {
                col = (int)c;
                text = end + 1;
            }
        } else {
            text = msg + pl + 1;
        }
        while (*text == ' ')
            text++;
    }
    vt_buf_printf(b, "{\"line\":%d,\"col\":%d,\"message\":\"", line, col);
    vt_json_text(b, text);
    vt_buf_puts(b, "\"}");
}

void vt_page_soan_check(vt_desk *k, vt_req *r, vt_resp *p)
{
    (void)k;
    vt_buf xml;
    vt_buf_init(&xml);
    vt_diags d;
    vt_diags_init(&d);
    text_map m;
    vt_error rc = form_plan(r, &xml, &m, &d);
    p->ctype = "application/json; charset=utf-8";
    vt_buf_putc(&p->body, '[');
    for (size_t i = 0; i < d.count; i++) {
        if (i)
            vt_buf_putc(&p->body, ',');
        json_diag(&p->body, d.msgs[i], &m);
    }
    if (rc == VT_ERR_NOMEM)
        p->status = 500;
    vt_buf_putc(&p->body, ']');
    vt_diags_free(&d);
    vt_buf_free(&xml);
}

/* ---- the compose page ---------------------------------------------------- */

typedef struct {
    vt_buf *b;
    int done;
} agency_ctx;

/* The first agency of the register fills the header fields. */
static int first_agency(void *ctx, const vt_reg_agency *a)
{
    agency_ctx *c = ctx;
    vt_buf *b = c->b;
    vt_buf_puts(b, "co_quan_chu_quan\n");
    vt_buf_puts(b, a->parent ? a->parent : "");
    vt_buf_puts(b, "\nco_quan\n");
    vt_buf_puts(b, a->name ? a->name : "");
    vt_buf_puts(b, "\nviet_tat\n");
    vt_buf_puts(b, a->abbr ? a->abbr : "");
    vt_buf_putc(b, '\n');
    c->done = 1;
    return 1;
}

/* The value a field starts with: the form as sent back, else the
 * register's agency, else empty. */
static const char *start_value(const vt_req *r, const vt_buf *agency,
                               const char *name, char *tmp, size_t size)
{
    const vt_form_field *f = vt_req_field(r, name);
    if (f)
        return f->data.data ? f->data.data : "";
    const char *s = agency->data;
    size_t nl = strlen(name);
    while (s && *s) {
        const char *e = strchr(s, '\n');
        if (!e)
            break;
        if ((size_t)(e - s) == nl && strncmp(s, name, nl) == 0) {
            const char *v = e + 1;
            const char *ve = strchr(v, '\n');
            size_t n = ve ? (size_t)(ve - v) : strlen(v);
            snprintf(tmp, size, "%.*s", (int)n, v);
            return tmp;
        }
        s = e + 1;
    }
    return "";
}

static void input(vt_buf *b, const char *name, const char *label,
                  const char *value, const char *extra)
{
    vt_buf_printf(b, "<div><label for=\"%s\">%s</label><input id=\"%s\" "
                     "name=\"%s\" value=\"",
                  name, label, name, name);
    vt_html(b, value);
    vt_buf_printf(b, "\"%s></div>", extra ? extra : "");
}

static void textarea(vt_buf *b, const char *name, const char *label,
                     const char *value, int rows, const char *hint)
{
    vt_buf_printf(b, "<div><label for=\"%s\">%s</label><textarea id=\"%s\" "
                     "name=\"%s\" rows=\"%d\" spellcheck=\"false\"%s%s%s>",
                  name, label, name, name, rows, hint ? " placeholder=\"" : "",
                  hint ? hint : "", hint ? "\"" : "");
    vt_html(b, value);
    vt_buf_puts(b, "</textarea></div>");
}

static void compose_form(vt_desk *k, vt_req *r, vt_resp *p,
                         const vt_diags *errors)
{
    vt_buf agency;
    vt_buf_init(&agency);
    vt_register *reg = NULL;
    vt_diags d;
    vt_diags_init(&d);
    if (vt_register_open(k->o.register_path, 2000, 1, &reg, &d) == VT_OK) {
        agency_ctx c = {&agency, 0};
        vt_register_agencies(reg, first_agency, &c, &d);
        vt_register_close(reg);
    }
    vt_diags_free(&d);
    char tmp[512];
    vt_page_begin(p, r, "Soạn văn bản");
    vt_buf *b = &p->body;
    if (errors && errors->count) {
        vt_buf_puts(b, "<div class=\"khung\" role=\"alert\"><p class=\"loi\">"
                       "Chưa lưu được bản nháp:</p>");
        vt_html_list(b, errors);
        vt_buf_puts(b, "</div>");
    }
    vt_buf_puts(b, "<form id=\"soan\" method=\"post\" action=\"/soan/luu\">");
    vt_csrf_field(b, r);
    vt_buf_puts(b, "<div class=\"cot\"><div class=\"khung\">"
                   "<div class=\"ba\"><div><label for=\"loai\">Loại văn bản"
                   "</label><select id=\"loai\" name=\"loai\">");
    const char *loai = start_value(r, &agency, "loai", tmp, sizeof tmp);
    if (!*loai)
        loai = "ke-hoach";
    for (size_t i = 0; i < vt_doctype_count(); i++) {
        const vt_doctype *t = vt_doctype_at(i);
        vt_buf_printf(b, "<option value=\"%s\"%s>", t->slug,
                      strcmp(t->slug, loai) == 0 ? " selected" : "");
        vt_html(b, t->name);
        vt_buf_puts(b, "</option>");
    }
    vt_buf_puts(b, "</select></div>");
    input(b, "ngay", "Ngày (để trống: văn thư ghi khi cấp số)",
          start_value(r, &agency, "ngay", tmp, sizeof tmp),
          " type=\"date\"");
    input(b, "dia_danh", "Địa danh",
          start_value(r, &agency, "dia_danh", tmp, sizeof tmp), NULL);
    vt_buf_puts(b, "</div>");
    input(b, "co_quan_chu_quan", "Cơ quan chủ quản",
          start_value(r, &agency, "co_quan_chu_quan", tmp, sizeof tmp), NULL);
    vt_buf_puts(b, "<div class=\"cot\">");
    input(b, "co_quan", "Cơ quan ban hành",
          start_value(r, &agency, "co_quan", tmp, sizeof tmp), NULL);
    input(b, "viet_tat", "Viết tắt (ký hiệu)",
          start_value(r, &agency, "viet_tat", tmp, sizeof tmp), NULL);
    vt_buf_puts(b, "</div><p>Số: để trống, văn thư cấp từ sổ.</p>");
    textarea(b, "trich_yeu", "Trích yếu",
             start_value(r, &agency, "trich_yeu", tmp, sizeof tmp), 2, NULL);
    textarea(b, "kinh_gui", "Kính gửi (mỗi nơi một dòng)",
             vt_req_get(r, "kinh_gui"), 2, NULL);
    textarea(b, "can_cu", "Căn cứ (mỗi căn cứ một dòng)",
             vt_req_get(r, "can_cu"), 3, NULL);
    vt_buf_puts(b, "</div><div class=\"khung\">");
    textarea(b, "noi_dung", "Nội dung (gõ như trong Word: I. 1. a) - +)",
             vt_req_get(r, "noi_dung"), 16,
             "I. Mục đích, yêu cầu&#10;1. Mục đích&#10;- …");
    vt_buf_puts(b, "<p id=\"trang-thai-kiem-tra\" aria-live=\"polite\"></p>"
                   "<ul id=\"loi-noi-dung\"></ul></div></div>"
                   "<div class=\"cot\"><div class=\"khung\">");
    textarea(b, "noi_nhan", "Nơi nhận (mỗi nơi một dòng)",
             vt_req_get(r, "noi_nhan"), 3, NULL);
    input(b, "luu", "Lưu", *vt_req_get(r, "luu") ? vt_req_get(r, "luu")
                                                  : "VT",
          NULL);
    vt_buf_puts(b, "</div><div class=\"khung\"><div class=\"ba\"><div><label "
                   "for=\"tham_quyen\">Thẩm quyền</label><select "
                   "id=\"tham_quyen\" name=\"tham_quyen\">");
    static const char *const auths[] = {"", "KT.", "TM.", "Q.", "TL.",
                                        "TUQ."};
    const char *auth = vt_req_get(r, "tham_quyen");
    for (size_t i = 0; i < 6; i++)
        vt_buf_printf(b, "<option value=\"%s\"%s>%s</option>", auths[i],
                      strcmp(auth, auths[i]) == 0 ? " selected" : "",
                      *auths[i] ? auths[i] : "(ký trực tiếp)");
    vt_buf_puts(b, "</select></div>");
    input(b, "chuc_vu", "Chức vụ", vt_req_get(r, "chuc_vu"), NULL);
    input(b, "chuc_vu_2", "Chức vụ người ký (khi ký thay)",
          vt_req_get(r, "chuc_vu_2"), NULL);
    vt_buf_puts(b, "</div>");
    input(b, "nguoi_ky", "Người ký", vt_req_get(r, "nguoi_ky"), NULL);
    input(b, "ten", "Tên bản nháp (chữ thường, số, gạch nối; để trống: tự "
                    "đặt)",
          vt_req_get(r, "ten"), " pattern=\"[a-z0-9][a-z0-9-]{0,63}\"");
    vt_buf_puts(b, "<p><button type=\"submit\" id=\"luu-ban-nhap\">Lưu bản "
                   "nháp và xem trước</button></p></div></div></form>"
                   "<form class=\"khung\" method=\"post\" "
                   "action=\"/soan/tai-len\" enctype=\"multipart/form-data\">");
    vt_csrf_field(b, r);
    vt_buf_printf(b, "<label for=\"tep\">Hoặc bắt đầu từ một tệp DOCX/TXT "
                     "(tối đa %zu MB)</label><input id=\"tep\" name=\"tep\" "
                     "type=\"file\" accept=\".docx,.txt\" required>"
                     "<p><button type=\"submit\">Tải lên</button></p></form>",
                  k->o.max_upload >> 20);
    vt_page_end(p);
    vt_buf_free(&agency);
}

void vt_page_soan(vt_desk *k, vt_req *r, vt_resp *p)
{
    compose_form(k, r, p, NULL);
}

/* Write the plan as draft id (or a new id), then to its page. */
static void save_draft(vt_desk *k, vt_req *r, vt_resp *p, const char *want,
                       const char *slug, const vt_buf *xml)
{
    char id[80];
    if (*want) {
        if (!vt_id_ok(want)) {
            vt_page_error(p, r, 400, "Tên bản nháp chỉ gồm chữ thường không "
                                     "dấu, số và gạch nối (tối đa 64).");
            return;
        }
        snprintf(id, sizeof id, "%s", want);
    } else if (vt_temp_name(slug, id, sizeof id) != 0) {
        vt_page_error(p, r, 500, "Không đặt được tên bản nháp.");
        return;
    }
    for (char *c = id; *c; c++) /* vt_temp_name's hex is lower-case */
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    char *path = draft_path(k, id, ".xml");
    vt_diags d;
    vt_diags_init(&d);
    vt_error rc = path ? vt_write_atomic(path, xml->data, xml->len,
                                         VT_WRITE_SYNC, &d)
                       : VT_ERR_NOMEM;
    free(path);
    if (rc != VT_OK) {
        vt_page_diags(p, r, 500, "Không lưu được bản nháp.", &d);
    } else {
        char url[128];
        snprintf(url, sizeof url, "/ban-nhap/%s", id);
        vt_redirect(p, url);
    }
    vt_diags_free(&d);
}

void vt_page_soan_save(vt_desk *k, vt_req *r, vt_resp *p)
{
    vt_buf xml;
    vt_buf_init(&xml);
    vt_diags d;
    vt_diags_init(&d);
    text_map m;
    vt_error rc = form_plan(r, &xml, &m, &d);
    if (rc != VT_OK) {
        compose_form(k, r, p, &d);
        p->status = vt_http_status(rc);
    } else {
        const vt_doctype *t = vt_doctype_find(vt_req_get(r, "loai"));
        save_draft(k, r, p, vt_req_get(r, "ten"), t ? t->slug : "van-ban",
                   &xml);
    }
    vt_diags_free(&d);
    vt_buf_free(&xml);
}

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

void vt_page_soan_upload(vt_desk *k, vt_req *r, vt_resp *p)
{
    const vt_form_field *f = vt_req_field(r, "tep");
    if (!f || !f->filename || !f->data.len) {
        vt_page_error(p, r, 400, "Chưa chọn tệp để tải lên.");
        return;
    }
    if (!ends_with_ci(f->filename, ".docx") &&
        !ends_with_ci(f->filename, ".txt")) {
        vt_page_error(p, r, 415, "Chỉ nhận tệp .docx hoặc .txt.");
        return;
    }
    vt_buf xml;
    vt_buf_init(&xml);
    vt_diags d;
    vt_diags_init(&d);
    /* the name in messages is the upload's base name, never a path */
    const char *name = strrchr(f->filename, '/');
    name = name ? name + 1 : f->filename;
    vt_error rc = vt_import_data(name, f->data.data, f->data.len, &xml, &d);
    if (rc != VT_OK)
        vt_page_diags(p, r, vt_http_status(rc), "Không đọc được tệp.", &d);
    else
        save_draft(k, r, p, "", "tai-len", &xml);
    vt_diags_free(&d);
    vt_buf_free(&xml);
}

/* ---- one draft ----------------------------------------------------------- */

static void fields_row(vt_buf *b, const char *label, const char *value)
{
    vt_buf_puts(b, "<tr><th>");
    vt_html(b, label);
    vt_buf_puts(b, "</th><td>");
    vt_html(b, value);
    vt_buf_puts(b, "</td></tr>");
}

/* The "[THIẾU: …]" fields the importer wrote where the form or the file
 * left something out, each once, into d; how many. */
static size_t missing_fields(const vt_desk *k, const char *id, vt_diags *d)
{
    char *path = draft_path(k, id, ".xml");
    char *xml = NULL;
    size_t len = 0, n = 0;
    vt_limits lim = vt_limits_default();
    if (!path || vt_read_file(path, lim.max_plan_bytes, &xml, &len) != 0) {
        free(path);
        return 0;
    }
    free(path);
    /* past the comment the importer writes at the top, which names it */
    const char *s = strstr(xml, "<plan");
    while (s && (s = strstr(s, VT_MISSING)) != NULL) {
        const char *e = strchr(s, ']');
        if (!e)
            break;
        char msg[256];
        snprintf(msg, sizeof msg, "còn thiếu: %.*s", (int)(e - s + 1), s);
        int seen = 0;
        for (size_t i = 0; i < d->count && !seen; i++)
            seen = strcmp(d->msgs[i], msg) == 0;
        if (!seen) {
            vt_diags_addf(d, "%s", msg);
            n++;
        }
        s = e + 1;
    }
    free(xml);
    return n;
}

void vt_page_draft(vt_desk *k, vt_req *r, vt_resp *p, const char *id)
{
    char *path = draft_path(k, id, ".xml");
    vt_limits lim = vt_limits_default();
    vt_plan *plan = NULL;
    vt_diags d;
    vt_diags_init(&d);
    struct stat st;
    if (!path || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        free(path);
        vt_page_error(p, r, 404, "Không có bản nháp này.");
        return;
    }
    vt_error rc = vt_plan_lint(path, &lim, &plan, &d);
    free(path);
    size_t missing = missing_fields(k, id, &d);
    char title[160];
    snprintf(title, sizeof title, "Bản nháp %s", id);
    vt_page_begin(p, r, title);
    vt_buf *b = &p->body;
    if (d.count) {
        vt_buf_printf(b, "<div class=\"khung\"><p class=\"%s\">%s</p>",
                      rc == VT_OK ? "canh-bao" : "loi",
                      rc == VT_OK ? "Cần xem lại:" : "Bản nháp có lỗi:");
        vt_html_list(b, &d);
        vt_buf_puts(b, "</div>");
    }
    if (rc == VT_OK) {
        vt_buf_puts(b, "<div class=\"cot\"><div><table id=\"tom-tat\">");
        fields_row(b, "Loại", plan->type->name);
        fields_row(b, "Cơ quan", plan->agency);
        vt_buf sub;
        vt_buf_init(&sub);
        vt_buf_join(&sub, plan->subject, plan->nsubject, " ");
        fields_row(b, "Trích yếu", sub.data ? sub.data : "");
        vt_buf_free(&sub);
        fields_row(b, "Người ký", plan->signer ? plan->signer : "");
        fields_row(b, "Số", plan->number ? "đã ghi trong bản nháp"
                                         : "để trống (văn thư cấp)");
        vt_buf_puts(b, "</table>");
        if (vt_plan_is_batch(plan))
            vt_buf_puts(b, "<p>Bản nháp có các cụm trường: làm giấy mời ở "
                           "<a href=\"/giay-moi\">Giấy mời</a>.</p>");
        else if (missing)
            vt_buf_puts(b, "<p class=\"canh-bao\" id=\"con-thieu\">Bản nháp "
                           "còn chỗ [THIẾU: …]: soạn lại hoặc sửa tệp "
                           "trước khi cấp số.</p>");
        else if (r->s.role == VT_ROLE_VAN_THU) {
            vt_buf_printf(b, "<form class=\"khung\" method=\"post\" "
                             "action=\"/ban-nhap/%s/cap-so\" "
                             "data-hoi=\"Cấp số cho văn bản này? Số đã cấp "
                             "không lấy lại được.\">", id);
            vt_csrf_field(b, r);
            vt_buf_puts(b, "<label for=\"ngay_cap\">Ngày ban hành (để "
                           "trống: ngày trong bản nháp, hoặc hôm nay)"
                           "</label><input id=\"ngay_cap\" name=\"ngay_cap\" "
                           "type=\"date\"><p><label><input type=\"checkbox\" "
                           "name=\"kem_pdf\" value=\"1\" checked> Lưu kèm "
                           "bản PDF</label></p>");
            if (k->o.sign)
                vt_buf_puts(b, "<p><label><input type=\"checkbox\" "
                               "name=\"ky_so\" value=\"1\" id=\"ky_so\"> "
                               "Ký số bản PDF</label></p>");
            vt_buf_puts(b, "<p><button type=\"submit\" "
                           "id=\"cap-so\">Cấp số và phát hành</button></p>"
                           "</form>");
        } else {
            vt_buf_puts(b, "<p>Văn thư sẽ cấp số cho bản nháp này.</p>");
        }
        vt_buf_printf(b, "<form class=\"khung\" method=\"post\" "
                         "action=\"/ban-nhap/%s/anh\" "
                         "enctype=\"multipart/form-data\">", id);
        vt_csrf_field(b, r);
        vt_buf_puts(b, "<div class=\"cot\"><div><label for=\"chu_ky\">Ảnh "
                       "chữ ký (PNG nền trong)</label><input id=\"chu_ky\" "
                       "name=\"chu_ky\" type=\"file\" accept=\".png\"></div>"
                       "<div><label for=\"dau\">Ảnh con dấu (PNG)</label>"
                       "<input id=\"dau\" name=\"dau\" type=\"file\" "
                       "accept=\".png\"></div></div><p><button "
                       "type=\"submit\" class=\"phu\" id=\"them-anh\">Thêm "
                       "ảnh vào chữ ký</button></p></form>");
        vt_buf_printf(b, "<p><a href=\"/ban-nhap/%s/xem-truoc.pdf\" "
                         "target=\"_blank\">Mở bản xem trước (PDF)</a></p>"
                         "</div><div><iframe class=\"xem\" id=\"xem-truoc\" "
                         "title=\"Xem trước\" "
                         "src=\"/ban-nhap/%s/xem-truoc.pdf\"></iframe></div>"
                         "</div>", id, id);
    }
    vt_page_end(p);
    vt_plan_free(plan);
    vt_diags_free(&d);
}

/* 1 if draft id is a regular file in the data folder. */
static int draft_exists(const vt_desk *k, const char *id)
{
    char *path = draft_path(k, id, ".xml");
    struct stat st;
    int ok = path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
    free(path);
    return ok;
}

static vt_error load_draft(vt_desk *k, const char *id, vt_plan **plan,
                           vt_template **tpl, vt_diags *d)
{
    char *path = draft_path(k, id, ".xml");
    vt_limits lim = vt_limits_default();
    if (!path)
        return VT_ERR_NOMEM;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        free(path);
        vt_diags_addf(d, "%s: không có bản nháp này", id);
        return VT_ERR_USAGE;
    }
    vt_error rc = vt_plan_load(path, &lim, plan, d);
    free(path);
    if (rc != VT_OK)
        return rc;
    char *tp = vt_desk_template(k, vt_plan_template_family(*plan));
    rc = tp ? vt_template_open(tp, &lim, tpl, d) : VT_ERR_NOMEM;
    free(tp);
    return rc;
}

void vt_page_preview(vt_desk *k, vt_req *r, vt_resp *p, const char *id)
{
    vt_plan *plan = NULL;
    vt_template *tpl = NULL;
    vt_diags d;
    vt_diags_init(&d);
    vt_buf docx;
    vt_buf_init(&docx);
    char *pdf = NULL;
    vt_error rc = load_draft(k, id, &plan, &tpl, &d);
    if (rc == VT_OK)
        rc = vt_render_check_single(plan, &d);
    if (rc == VT_OK)
        rc = vt_render_mem(plan, tpl, &docx, &d);
    if (rc == VT_OK && !(pdf = vt_scratch_path(k, ".pdf")))
        rc = VT_ERR_IO;
    vt_pdf_opts po;
    vt_pdf_opts_init(&po);
    if (rc == VT_OK)
        rc = vt_pdf_from_mem(docx.data, docx.len, pdf, &po, &d);
    if (rc == VT_OK) {
        vt_send_file(p, r, pdf, "application/pdf", NULL);
        snprintf(p->disposition, sizeof p->disposition,
                 "inline; filename=\"%s.pdf\"", id);
    } else {
        vt_page_diags(p, r, rc == VT_ERR_USAGE ? 404 : vt_http_status(rc),
                      "Không tạo được bản xem trước.", &d);
    }
    if (pdf)
        unlink(pdf);
    free(pdf);
    vt_buf_free(&docx);
    vt_template_free(tpl);
    vt_plan_free(plan);
    vt_diags_free(&d);
}

/* ---- signature and seal images -------------------------------------- */

/* Write one uploaded PNG as <id><suffix> beside the draft; 1 if written,
 * 0 if the field was empty, -1 (with a message) if refused. */
static int save_image(vt_desk *k, const vt_req *r, const char *field,
                      const char *id, const char *suffix, vt_diags *d)
{
    const vt_form_field *f = vt_req_field(r, field);
    if (!f || !f->filename || !f->data.len)
        return 0;
    size_t n = strlen(f->filename);
    if (n < 4 || strcasecmp(f->filename + n - 4, ".png") != 0) {
        vt_diags_addf(d, "%s: chỉ nhận ảnh PNG", field);
        return -1;
    }
    char *path = draft_path(k, id, suffix);
    vt_error rc = path ? vt_write_atomic(path, f->data.data, f->data.len,
                                         VT_WRITE_SYNC, d)
                       : VT_ERR_NOMEM;
    free(path);
    return rc == VT_OK ? 1 : -1;
}

/* The plan's text with <image>/<seal> naming the draft's own files just
 * before </signature> (an earlier one of the same kind is replaced). */
static int add_image_elements(const char *xml, const char *id, int sig,
                              int seal, vt_buf *out)
{
    const char *end = strstr(xml, "</signature>");
    if (!end)
        return -1;
    /* drop what an earlier upload added: lines naming this draft's files */
    char mine_sig[96], mine_seal[96];
    snprintf(mine_sig, sizeof mine_sig, "<image src=\"%s-chu-ky.png\"/>", id);
    snprintf(mine_seal, sizeof mine_seal, "<seal src=\"%s-dau.png\"/>", id);
    const char *s = xml;
    int had_sig = strstr(xml, mine_sig) != NULL;
    int had_seal = strstr(xml, mine_seal) != NULL;
    if ((sig || had_sig) && !had_sig && strstr(xml, "<image "))
        return -2; /* an image the plan names itself: leave it to the CLI */
    if ((seal || had_seal) && !had_seal && strstr(xml, "<seal "))
        return -2;
    while (s < end) {
        const char *nl = strchr(s, '\n');
        const char *e = nl && nl < end ? nl + 1 : end;
        int drop = (strstr(s, mine_sig) && strstr(s, mine_sig) < e) ||
                   (strstr(s, mine_seal) && strstr(s, mine_seal) < e);
        if (!drop)
            vt_buf_put(out, s, (size_t)(e - s));
        s = e;
    }
    if (sig || had_sig)
        vt_buf_printf(out, "  %s\n  ", mine_sig);
    if (seal || had_seal)
        vt_buf_printf(out, "  %s\n  ", mine_seal);
    vt_buf_puts(out, end);
    return out->oom ? -1 : 0;
}

void vt_page_draft_images(vt_desk *k, vt_req *r, vt_resp *p, const char *id)
{
    if (!draft_exists(k, id)) {
        vt_page_error(p, r, 404, "Không có bản nháp này.");
        return;
    }
    vt_diags d;
    vt_diags_init(&d);
    int sig = save_image(k, r, "chu_ky", id, "-chu-ky.png", &d);
    int seal = sig < 0 ? 0 : save_image(k, r, "dau", id, "-dau.png", &d);
    if (sig < 0 || seal < 0 || (!sig && !seal)) {
        if (!sig && !seal && !d.count)
            vt_diags_addf(&d, "Chưa chọn ảnh chữ ký hay ảnh con dấu.");
        vt_page_diags(p, r, 400, "Không thêm được ảnh.", &d);
        vt_diags_free(&d);
        return;
    }
    char *path = draft_path(k, id, ".xml");
    char *xml = NULL;
    size_t len = 0;
    vt_buf out;
    vt_buf_init(&out);
    vt_limits lim = vt_limits_default();
    vt_error rc = path && vt_read_file(path, lim.max_plan_bytes, &xml, &len) == 0
                      ? VT_OK : VT_ERR_IO;
    int added = rc == VT_OK ? add_image_elements(xml, id, sig, seal, &out) : -1;
    if (rc == VT_OK && added != 0) {
        vt_diags_addf(&d, added == -2 ? "the plan already names its own "
                                        "images: change them with the CLI"
                                      : "the plan has no signature");
        rc = VT_ERR_PLAN;
    }
    /* the plan, with the PNGs checked by the plan reader, must load */
    vt_plan *plan = NULL;
    if (rc == VT_OK)
        rc = vt_plan_load_mem(path, out.data, out.len, &lim, &plan, &d);
    vt_plan_free(plan);
    if (rc == VT_OK)
        rc = vt_write_atomic(path, out.data, out.len, VT_WRITE_SYNC, &d);
    if (rc == VT_OK) {
        char url[128];
        snprintf(url, sizeof url, "/ban-nhap/%s", id);
        vt_redirect(p, url);
    } else {
        vt_page_diags(p, r, vt_http_status(rc), "Không thêm được ảnh.", &d);
    }
    free(path);
    free(xml);
    vt_buf_free(&out);
    vt_diags_free(&d);
}

/* ---- issuing --------------------------------------------------------- */

typedef struct {
    const char *ky_hieu;
    long long id;
} find_ctx;

static int find_entry(void *ctx, const vt_reg_entry *e)
{
    find_ctx *c = ctx;
    if (strcmp(e->ky_hieu, c->ky_hieu) == 0)
        c->id = e->id;
    return 0;
}

void vt_page_issue(vt_desk *k, vt_req *r, vt_resp *p, const char *id)
{
    vt_plan *plan = NULL;
    vt_template *tpl = NULL;
    vt_register *reg = NULL;
    vt_diags d;
    vt_diags_init(&d);
    vt_issue_result res;
    memset(&res, 0, sizeof res);
    vt_issue_opts io;
    memset(&io, 0, sizeof io);
    vt_pdf_opts po;
    vt_pdf_opts_init(&po);
    int sign = *vt_req_get(r, "ky_so") != '\0';
    if (sign && !k->o.sign) {
        vt_page_error(p, r, 400, "Máy chủ này không được cấu hình ký số "
                                 "(vanthu serve --sign).");
        return;
    }
    /* a signature is on the PDF: signing implies it */
    if (*vt_req_get(r, "kem_pdf") || sign)
        io.pdf = &po;
    if (sign)
        io.sign = k->o.sign;
    if (!draft_exists(k, id)) {
        vt_page_error(p, r, 404, "Không có bản nháp này (có thể đã được "
                                 "cấp số).");
        return;
    }
    vt_diags miss;
    vt_diags_init(&miss);
    if (missing_fields(k, id, &miss)) {
        vt_page_diags(p, r, 422, "Bản nháp còn chỗ thiếu; sửa trước khi cấp "
                                 "số.", &miss);
        vt_diags_free(&miss);
        return;
    }
    vt_diags_free(&miss);
    const char *when = vt_req_get(r, "ngay_cap");
    if (*when && sscanf(when, "%4d-%2d-%2d", &io.year, &io.month, &io.day) !=
                     3) {
        vt_page_error(p, r, 400, "Ngày ban hành không đúng dạng.");
        return;
    }
    vt_error rc = load_draft(k, id, &plan, &tpl, &d);
    if (rc == VT_OK)
        rc = vt_register_open(k->o.register_path, VT_DESK_ISSUE_WAIT_MS, 0,
                              &reg, &d);
    if (rc == VT_OK)
        rc = vt_issue(reg, plan, tpl, &io, &res, &d);
    find_ctx fc = {res.ky_hieu, 0};
    if (rc == VT_OK) {
        vt_reg_filter f = {0};
        sscanf(res.date, "%4d", &f.year);
        f.ky_hieu = res.ky_hieu;
        vt_register_list(reg, &f, find_entry, &fc, &d);
        vt_diags ad;
        vt_diags_init(&ad);
        vt_audit(k->auth, r->s.user, "issue", res.ky_hieu, &ad);
        vt_diags_free(&ad);
        /* the draft has its number now: keep it, out of the list, so it
         * is not issued twice by a second click */
        char *from = draft_path(k, id, ".xml");
        char *to = draft_path(k, id, ".da-cap-so.xml");
        if (from && to)
            rename(from, to);
        free(from);
        free(to);
    }
    vt_register_close(reg);
    if (rc != VT_OK) {
        vt_page_diags(p, r, rc == VT_ERR_USAGE ? 409 : vt_http_status(rc),
                      "Không cấp được số.", &d);
    } else {
        vt_page_begin(p, r, "Đã cấp số và phát hành");
        vt_buf *b = &p->body;
        vt_buf_puts(b, "<p class=\"ok\">Số, ký hiệu: <b id=\"so-ky-hieu\">");
        vt_html(b, res.ky_hieu);
        vt_buf_puts(b, "</b>, ngày <span id=\"ngay-ban-hanh\">");
        vt_html_date(b, res.date);
        vt_buf_puts(b, "</span>");
        if (io.sign)
            vt_buf_puts(b, " <span id=\"da-ky-so\">· bản PDF đã ký số</span>");
        vt_buf_puts(b, "</p>");
        vt_buf_printf(b, "<p><a class=\"nut\" id=\"tai-docx\" "
                         "href=\"/van-ban/%lld/tai.docx\">Tải DOCX</a> ",
                      fc.id);
        if (res.pdf_path)
            vt_buf_printf(b, "<a class=\"nut\" id=\"tai-pdf\" "
                             "href=\"/van-ban/%lld/tai.pdf\">Tải PDF</a> ",
                          fc.id);
        vt_buf_printf(b, "<a href=\"/so-van-ban-di/%lld\">Xem trong sổ</a>"
                         "</p>", fc.id);
        vt_page_end(p);
    }
    free(res.path);
    free(res.pdf_path);
    vt_template_free(tpl);
    vt_plan_free(plan);
    vt_diags_free(&d);
}
