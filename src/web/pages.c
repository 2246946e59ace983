/*
 * pages.c - what every page of the desk shares: the frame (head, menu,
 * <h1>), escaping, error pages, the CSS and the one small script, and the
 * home page with the jobs.  The look is plain on purpose: it must read on
 * a 1366×768 laptop, load with nothing from the internet, and print.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/fileio.h"
#include "web/desk.h"

void vt_html_n(vt_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        switch (s[i]) {
        case '&': vt_buf_puts(b, "&amp;"); break;
        case '<': vt_buf_puts(b, "&lt;"); break;
        case '>': vt_buf_puts(b, "&gt;"); break;
        case '"': vt_buf_puts(b, "&quot;"); break;
        case '\'': vt_buf_puts(b, "&#39;"); break;
        default: vt_buf_putc(b, s[i]);
        }
    }
}

void vt_html(vt_buf *b, const char *s)
{
    if (s)
        vt_html_n(b, s, strlen(s));
}

void vt_html_date(vt_buf *b, const char *iso)
{
    int y, m, d;
    char tail;
    if (iso && strlen(iso) == 10 &&
        sscanf(iso, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3)
        vt_buf_printf(b, "%02d/%02d/%04d", d, m, y);
    else
        vt_html(b, iso);
}

void vt_csrf_field(vt_buf *b, const vt_req *r)
{
    vt_buf_puts(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
    vt_html(b, r->s.csrf);
    vt_buf_puts(b, "\">");
}

void vt_page_begin(vt_resp *p, const vt_req *r, const char *title)
{
    vt_buf *b = &p->body;
    vt_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"vi\"><head>"
                   "<meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width, "
                   "initial-scale=1\">");
    if (r->has_session) {
        vt_buf_puts(b, "<meta name=\"csrf\" content=\"");
        vt_html(b, r->s.csrf);
        vt_buf_puts(b, "\">");
    }
    vt_buf_puts(b, "<title>");
    vt_html(b, title);
    vt_buf_puts(b, " · vanthu</title>"
                   "<link rel=\"stylesheet\" href=\"/static/desk.css\">"
                   "<script src=\"/static/desk.js\" defer></script>"
                   "</head><body><header><a class=\"ten\" href=\"/\">Bàn "
                   "văn thư</a><nav>"
                   "<a href=\"/soan\">Soạn văn bản</a>"
                   "<a href=\"/giay-moi\">Giấy mời</a>"
                   "<a href=\"/so-van-ban-di\">Sổ văn bản đi</a></nav>");
    if (r->has_session) {
        vt_buf_puts(b, "<span class=\"ai\">");
        if (r->s.user[0]) {
            vt_html(b, r->s.user);
            vt_buf_puts(b, r->s.role == VT_ROLE_VAN_THU ? " (văn thư)"
                                                        : " (chuyên viên)");
            vt_buf_puts(b, "<form method=\"post\" action=\"/dang-xuat\">");
            vt_csrf_field(b, r);
            vt_buf_puts(b, "<button type=\"submit\">Đăng xuất</button>"
                           "</form>");
        } else {
            vt_buf_puts(b, "Máy này (văn thư)");
        }
        vt_buf_puts(b, "</span>");
    }
    vt_buf_puts(b, "</header><main><h1>");
    vt_html(b, title);
    vt_buf_puts(b, "</h1>");
}

void vt_page_end(vt_resp *p)
{
    vt_buf_puts(&p->body, "</main></body></html>\n");
}

void vt_json_text(vt_buf *b, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            vt_buf_printf(b, "\\%c", c);
        else if (c < 0x20)
            vt_buf_printf(b, "\\u%04x", c);
        else
            vt_buf_putc(b, (char)c);
    }
}

static void json_str(vt_buf *b, const char *s)
{
    vt_buf_putc(b, '"');
    vt_json_text(b, s);
    vt_buf_putc(b, '"');
}

void vt_html_list(vt_buf *b, const vt_diags *d)
{
    if (!d || !d->count)
        return;
    vt_buf_puts(b, "<ul class=\"chi-tiet\">");
    for (size_t i = 0; i < d->count; i++) {
        vt_buf_puts(b, "<li>");
        vt_html(b, d->msgs[i]);
        vt_buf_puts(b, "</li>");
    }
    vt_buf_puts(b, "</ul>");
}

void vt_page_diags(vt_resp *p, const vt_req *r, int status, const char *msg,
                   const vt_diags *d)
{
    vt_buf_reset(&p->body);
    p->status = status;
    p->location[0] = '\0';
    p->disposition[0] = '\0';
    if (r->wants_json) {
        p->ctype = "application/json; charset=utf-8";
        vt_buf_puts(&p->body, "{\"loi\":");
        json_str(&p->body, msg);
        vt_buf_puts(&p->body, ",\"chi_tiet\":[");
        for (size_t i = 0; d && i < d->count; i++) {
            if (i)
                vt_buf_putc(&p->body, ',');
            json_str(&p->body, d->msgs[i]);
        }
        vt_buf_puts(&p->body, "]}");
        return;
    }
    p->ctype = "text/html; charset=utf-8";
    const char *title = status == 404   ? "Không tìm thấy"
                        : status == 403 ? "Không được phép"
                        : status == 401 ? "Cần đăng nhập"
                        : status == 413 ? "Dữ liệu quá lớn"
                        : status >= 500 ? "Lỗi máy chủ"
                                        : "Không thực hiện được";
    vt_page_begin(p, r, title);
    vt_buf_puts(&p->body, "<p class=\"loi\" role=\"alert\">");
    vt_html(&p->body, msg);
    vt_buf_puts(&p->body, "</p>");
    vt_html_list(&p->body, d);
    vt_buf_puts(&p->body, "<p><a href=\"/\">Về trang đầu</a></p>");
    vt_page_end(p);
}

void vt_page_error(vt_resp *p, const vt_req *r, int status, const char *msg)
{
    vt_page_diags(p, r, status, msg, NULL);
}

void vt_redirect(vt_resp *p, const char *url)
{
    p->status = 303;
    snprintf(p->location, sizeof p->location, "%s", url);
    vt_buf_reset(&p->body);
}

int vt_id_ok(const char *id)
{
    size_t n = strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789-");
    return n >= 1 && n <= 64 && id[n] == '\0' && id[0] != '-';
}

int vt_http_status(vt_error rc)
{
    switch (rc) {
    case VT_OK: return 200;
    case VT_ERR_NOMEM: case VT_ERR_IO: return 500;
    case VT_ERR_LIMIT: return 413;
    default: return 422;
    }
}

char *vt_desk_template(const vt_desk *k, const char *family)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s.docx", k->o.templates_dir, family) < 0)
        return NULL;
    return path;
}

void vt_send_file(vt_resp *p, const vt_req *r, const char *path,
                  const char *ctype, const char *download_name)
{
    char *data = NULL;
    size_t len = 0;
    if (vt_read_file(path, 512u << 20, &data, &len) != 0) {
        vt_page_error(p, r, 404, "Không đọc được tệp đã lưu.");
        return;
    }
    vt_buf_reset(&p->body);
    vt_buf_put(&p->body, data, len);
    free(data);
    p->ctype = ctype;
    if (download_name)
        snprintf(p->disposition, sizeof p->disposition,
                 "attachment; filename=\"%s\"", download_name);
}

/* A private scratch file in the data folder's .tam/ (never a name from
 * the request). */
char *vt_scratch_path(const vt_desk *k, const char *ext)
{
    char dir[4096], name[64];
    snprintf(dir, sizeof dir, "%s/.tam", k->o.data_dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return NULL;
    if (vt_temp_name("xem", name, sizeof name) != 0)
        return NULL;
    char *path = NULL;
    if (asprintf(&path, "%s/%s%s", dir, name, ext) < 0)
        return NULL;
    return path;
}

void vt_today(char out[16])
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

void vt_page_home(vt_desk *k, vt_req *r, vt_resp *p)
{
    vt_page_begin(p, r, "Bàn văn thư");
    vt_buf *b = &p->body;
    vt_buf_puts(b,
        "<div class=\"viec\">"
        "<a href=\"/soan\"><b>Soạn văn bản</b><span>Gõ hoặc tải lên một kế "
        "hoạch, công văn…, xem trước bản PDF</span></a>"
        "<a href=\"#danh-sach-ban-nhap\"><b>Cấp số và phát hành</b><span>Văn thư "
        "mở một bản nháp, cấp số từ sổ, tải DOCX và PDF</span></a>"
        "<a href=\"/giay-moi\"><b>Giấy mời</b><span>Một đợt giấy mời theo "
        "cụm trường hoặc từ danh sách trường</span></a>"
        "<a href=\"/so-van-ban-di\"><b>Sổ văn bản đi</b><span>Tìm, xem, "
        "hủy số, ghi chú, xuất sổ, kiểm tra</span></a></div>"
        "<h2 id=\"danh-sach-ban-nhap\">Bản nháp</h2>");
    vt_drafts_list(k, b, 0);
    vt_page_end(p);
}

static const char DESK_CSS[] =
    "*{box-sizing:border-box}"
    "body{margin:0;font:15px/1.45 'Liberation Sans',Arial,sans-serif;"
    "color:#1b1b1b;background:#f4f5f7}"
    "header{display:flex;gap:1.2em;align-items:center;background:#7a1f1f;"
    "color:#fff;padding:.5em 1em}"
    "header a{color:#fff;text-decoration:none}header .ten{font-weight:bold}"
    "header nav{display:flex;gap:1em}header nav a:hover{text-decoration:"
    "underline}"
    "header .ai{margin-left:auto;display:flex;gap:.6em;align-items:center}"
    "header form{margin:0}"
    "main{max-width:1300px;margin:0 auto;padding:.6em 1em 2em}"
    "h1{font-size:1.35em;margin:.3em 0 .6em}h2{font-size:1.1em}"
    ".viec{display:grid;grid-template-columns:repeat(4,1fr);gap:.8em}"
    ".viec a{background:#fff;border:1px solid #ccd;border-radius:6px;"
    "padding:1em;color:inherit;text-decoration:none}"
    ".viec a span{display:block;color:#555;font-size:.9em;margin-top:.3em}"
    "label{display:block;font-weight:bold;margin:.5em 0 .15em}"
    "input,select,textarea{font:inherit;width:100%;padding:.3em;border:1px "
    "solid #aab;border-radius:4px;background:#fff}"
    "textarea{font-family:'Liberation Mono',monospace;font-size:14px}"
    "input[type=checkbox]{width:auto}"
    "button,.nut{font:inherit;background:#7a1f1f;color:#fff;border:0;"
    "border-radius:4px;padding:.4em 1em;cursor:pointer;text-decoration:none;"
    "display:inline-block}"
    "button.phu{background:#556}"
    ".cot{display:grid;grid-template-columns:1fr 1fr;gap:1em}"
    ".ba{display:grid;grid-template-columns:1fr 1fr 1fr;gap:.8em}"
    ".khung{background:#fff;border:1px solid #ccd;border-radius:6px;"
    "padding:.8em 1em;margin-bottom:1em}"
    ".loi{color:#a00;font-weight:bold}.ok{color:#060;font-weight:bold}"
    ".canh-bao{color:#8a5a00}"
    "#loi-noi-dung li{cursor:pointer}"
    "table{border-collapse:collapse;width:100%;background:#fff}"
    "th,td{border:1px solid #ccd;padding:.3em .5em;text-align:left;"
    "vertical-align:top}th{background:#eef}"
    "tr.huy td{color:#888;text-decoration:line-through}"
    "iframe.xem{width:100%;height:560px;border:1px solid #aab;background:"
    "#fff}"
    "progress{width:100%;height:1.4em}"
    ".loc{display:flex;gap:.6em;align-items:end;flex-wrap:wrap}"
    ".loc div{flex:1}"
    "@media print{header,form{display:none}}";

static const char DESK_JS[] =
    "/* desk.js - the desk's only script: check the body as it is typed,\n"
    " * and follow a batch's progress.  Pages work without it. */\n"
    "'use strict';\n"
    "function csrf(){var m=document.querySelector('meta[name=csrf]');"
    "return m?m.content:'';}\n"
    "function kiemTra(){var f=document.getElementById('soan');if(!f)return;"
    "var out=document.getElementById('loi-noi-dung');"
    "var body=new URLSearchParams(new FormData(f));"
    "fetch('/soan/kiem-tra',{method:'POST',body:body,headers:{'Accept':"
    "'application/json','X-CSRF-Token':csrf()}}).then(function(r){return "
    "r.json();}).then(function(j){out.textContent='';"
    "var ls=Array.isArray(j)?j:[];"
    "var st=document.getElementById('trang-thai-kiem-tra');"
    "st.textContent=ls.length?ls.length+' chỗ cần xem lại':'Không thấy lỗi';"
    "st.className=ls.length?'canh-bao':'ok';"
    "ls.forEach(function(e){var li=document.createElement('li');"
    "li.textContent=(e.line?'Dòng '+e.line+': ':'')+e.message;"
    "li.dataset.line=e.line;li.addEventListener('click',function(){"
    "chonDong(+this.dataset.line);});out.appendChild(li);});})"
    ".catch(function(){});}\n"
    "function chonDong(n){var t=document.getElementById('noi_dung');"
    "if(!t||!n)return;var ls=t.value.split('\\n');var s=0;"
    "for(var i=0;i<n-1&&i<ls.length;i++)s+=ls[i].length+1;t.focus();"
    "t.setSelectionRange(s,s+(ls[n-1]||'').length);}\n"
    "var hen=null;\n"
    "function henKiemTra(){clearTimeout(hen);hen=setTimeout(kiemTra,400);}\n"
    "function tienDo(){var p=document.getElementById('tien-do');if(!p||"
    "p.dataset.xong)return;var url=p.dataset.url;fetch(url,{headers:{'Accept':"
    "'application/json'}}).then(function(r){return r.json();}).then("
    "function(j){p.max=j.tong||1;p.value=j.xong;"
    "document.getElementById('tien-do-chu').textContent=j.thong_bao;"
    "if(j.trang_thai==='dang-chay')setTimeout(tienDo,300);else "
    "location.reload();}).catch(function(){setTimeout(tienDo,1000);});}\n"
    "document.addEventListener('DOMContentLoaded',function(){"
    "var f=document.getElementById('soan');if(f){f.addEventListener("
    "'input',henKiemTra);kiemTra();}"
    "document.querySelectorAll('form[data-hoi]').forEach(function(x){"
    "x.addEventListener('submit',function(e){if(!confirm(x.dataset.hoi))"
    "e.preventDefault();});});"
    "tienDo();});\n";

void vt_static_css(vt_resp *p)
{
    p->ctype = "text/css; charset=utf-8";
    vt_buf_puts(&p->body, DESK_CSS);
}

void vt_static_js(vt_resp *p)
{
    p->ctype = "text/javascript; charset=utf-8";
    vt_buf_puts(&p->body, DESK_JS);
}
