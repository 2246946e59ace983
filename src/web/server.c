/*
 * server.c - the HTTP side of `vanthu serve`: libmicrohttpd, one thread per
 * connection, each request read into a vt_req (form fields through MHD's
 * post processor, with a size limit), then the gate (session, login,
 * CSRF, role) and the route to a page, whose vt_resp becomes the answer.
 *
 * Why one thread per connection: issuing, previewing and a register
 * export call LibreOffice and take seconds; a blocked thread then holds
 * only its own client.  The connection limits and the idle timeout keep a
 * slow or greedy client from holding the others.  Nothing here serialises
 * issuing: every request opens the register itself, as the CLI does, and
 * the register's transaction gives consecutive numbers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libxml/parser.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/buf.h"
#include "web/desk.h"
#include "web/mhd.h"
#include "web/server.h"

void vt_serve_opts_init(vt_serve_opts *o)
{
    memset(o, 0, sizeof *o);
    o->host = "127.0.0.1";
    o->port = 8080;
    o->max_upload = VT_SERVE_MAX_UPLOAD;
    o->max_connections = VT_SERVE_CONNECTIONS;
    o->per_ip = VT_SERVE_PER_IP;
    o->timeout_s = VT_SERVE_TIMEOUT;
}

int vt_serve_is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return 0;
}

/* ---- request fields ------------------------------------------------------ */

const vt_form_field *vt_req_field(const vt_req *r, const char *name)
{
    for (size_t i = 0; i < r->nfields; i++)
        if (strcmp(r->fields[i].name, name) == 0)
            return &r->fields[i];
    return NULL;
}

const char *vt_req_get(const vt_req *r, const char *name)
{
    const vt_form_field *f = vt_req_field(r, name);
    return f && f->data.data ? f->data.data : "";
}

int vt_req_add(vt_req *r, const char *name, const char *filename,
               const char *data, size_t len)
{
    if (r->nfields == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        vt_form_field *v = realloc(r->fields, cap * sizeof *v);
        if (!v)
            return -1;
        r->fields = v;
        r->cap = cap;
    }
    vt_form_field *f = &r->fields[r->nfields];
    memset(f, 0, sizeof *f);
    f->name = strdup(name ? name : "");
    f->filename = filename ? strdup(filename) : NULL;
    vt_buf_init(&f->data);
    vt_buf_put(&f->data, data ? data : "", len);
    vt_buf_reserve(&f->data, 1); /* always NUL-terminated */
    if (!f->name || (filename && !f->filename) || f->data.oom) {
        free(f->name);
        free(f->filename);
        vt_buf_free(&f->data);
        return -1;
    }
    r->nfields++;
    return 0;
}

void vt_req_free(vt_req *r)
{
    for (size_t i = 0; i < r->nfields; i++) {
        free(r->fields[i].name);
        free(r->fields[i].filename);
        vt_buf_free(&r->fields[i].data);
    }
    free(r->fields);
    r->fields = NULL;
    r->nfields = r->cap = 0;
}

void vt_resp_init(vt_resp *p)
{
    memset(p, 0, sizeof *p);
    p->status = 200;
    p->ctype = "text/html; charset=utf-8";
    vt_buf_init(&p->body);
}

void vt_resp_free(vt_resp *p) { vt_buf_free(&p->body); }

/* ---- the gate: session, login, CSRF, role ------------------------------ */

static void set_cookie(const vt_desk *k, vt_resp *p, int slot,
                       const char *name, const char *value, int expire)
{
    snprintf(p->cookie[slot], sizeof p->cookie[slot],
             "%s=%s; HttpOnly; SameSite=Strict; Path=/%s%s", name, value,
             k->tls ? "; Secure" : "", expire ? "; Max-Age=0" : "");
}

/* Find the request's session, or (without logins) give the browser one.
 * 0 to go on; else p holds the answer (to the login page, or 401). */
static int gate(vt_desk *k, vt_req *r, vt_resp *p, int post)
{
    if (r->cookie_sid && strlen(r->cookie_sid) < VT_TOKEN_LEN &&
        vt_auth_session(k->auth, r->cookie_sid, &r->s)) {
        strcpy(r->sid, r->cookie_sid);
        r->has_session = 1;
        return 0;
    }
    if (vt_auth_requires_login(k->auth)) {
        if (post || r->wants_json)
            vt_page_error(p, r, 401, "Cần đăng nhập trước.");
        else
            vt_redirect(p, "/dang-nhap");
        return -1;
    }
    vt_diags d;
    vt_diags_init(&d);
    vt_error rc = vt_auth_anonymous(k->auth, r->sid, &d);
    vt_diags_free(&d);
    if (rc != VT_OK || !vt_auth_session(k->auth, r->sid, &r->s)) {
        vt_page_error(p, r, 500, "Không tạo được phiên làm việc.");
        return -1;
    }
    r->has_session = 1;
    set_cookie(k, p, 0, "vt_sid", r->sid, 0);
    /* a POST with no session of its own cannot carry its token */
    return 0;
}

static int csrf_ok(vt_desk *k, const vt_req *r)
{
    const char *t = r->csrf_header;
    const vt_form_field *f = vt_req_field(r, "csrf");
    if (f && !f->filename)
        t = f->data.data;
    return t && *t && vt_auth_check_csrf(k->auth, r->sid, t);
}

/* The login form carries the CSRF token of a guest session (auth.h), so
 * a login cannot be posted from another site either. */
static void page_login(vt_desk *k, vt_req *r, vt_resp *p, const char *msg)
{
    char sid[VT_TOKEN_LEN], tok[VT_TOKEN_LEN];
    if (!(r->cookie_sid && strlen(r->cookie_sid) < VT_TOKEN_LEN &&
          vt_auth_guest_csrf(k->auth, r->cookie_sid, tok))) {
        if (vt_auth_guest(k->auth, sid, tok) != VT_OK) {
            vt_page_error(p, r, 500, "Không tạo được phiên đăng nhập.");
            return;
        }
        set_cookie(k, p, 0, "vt_sid", sid, 0);
    }
    vt_page_begin(p, r, "Đăng nhập");
    vt_buf *b = &p->body;
    if (msg) {
        vt_buf_puts(b, "<p class=\"loi\" role=\"alert\">");
        vt_html(b, msg);
        vt_buf_puts(b, "</p>");
    }
    vt_buf_puts(b, "<form method=\"post\" action=\"/dang-nhap\" "
                   "class=\"khung\"><input type=\"hidden\" name=\"csrf\" "
                   "value=\"");
    vt_html(b, tok);
    vt_buf_puts(b, "\"><label for=\"ten\">Tên đăng nhập</label>"
        "<input id=\"ten\" name=\"ten\" autocomplete=\"username\" required>"
        "<label for=\"mat_khau\">Mật khẩu</label>"
        "<input id=\"mat_khau\" name=\"mat_khau\" type=\"password\" "
        "autocomplete=\"current-password\" required>"
        "<p><button type=\"submit\">Đăng nhập</button></p></form>");
    vt_page_end(p);
}

static void login_post(vt_desk *k, vt_req *r, vt_resp *p)
{
    const char *tok = vt_req_get(r, "csrf");
    if (!r->cookie_sid || !*tok ||
        !vt_auth_check_csrf(k->auth, r->cookie_sid, tok)) {
        vt_page_error(p, r, 403, "Biểu mẫu đã hết hạn hoặc không hợp lệ "
                                 "(CSRF); hãy tải lại trang đăng nhập.");
        return;
    }
    vt_diags d;
    vt_diags_init(&d);
    char sid[VT_TOKEN_LEN];
    vt_error rc = vt_auth_login(k->auth, r->client, vt_req_get(r, "ten"),
                                vt_req_get(r, "mat_khau"), sid, &d);
    if (rc == VT_OK) {
        /* a fresh id: a planted one never becomes a logged-in one */
        vt_auth_logout(k->auth, r->cookie_sid);
        set_cookie(k, p, 0, "vt_sid", sid, 0);
        vt_redirect(p, "/");
    } else {
        page_login(k, r, p, d.count ? d.msgs[0]
                                    : "Sai tên đăng nhập hoặc mật khẩu.");
        p->status = rc == VT_ERR_LIMIT ? 429 : 403;
    }
    vt_diags_free(&d);
}

/* ---- routing ------------------------------------------------------------- */

/* Split "/a/b/c" into at most 4 parts; -1 for an empty part, a part too
 * long, or more parts ("/" gives 0). */
static int split(const char *path, char parts[4][80])
{
    if (path[0] != '/')
        return -1;
    if (path[1] == '\0')
        return 0;
    int n = 0;
    const char *s = path + 1;
    for (;;) {
        const char *e = strchr(s, '/');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == 0 || len >= 80 || n == 4)
            return -1;
        memcpy(parts[n], s, len);
        parts[n++][len] = '\0';
        if (!e)
            return n;
        s = e + 1;
    }
}

/* A register entry's id in a URL: 1 to 18 digits. */
static int entry_id(const char *s, long long *id)
{
    size_t n = strspn(s, "0123456789");
    if (n == 0 || n > 18 || s[n] || s[0] == '0')
        return -1;
    *id = strtoll(s, NULL, 10);
    return 0;
}

static int van_thu(const vt_req *r, vt_resp *p)
{
    if (r->s.role == VT_ROLE_VAN_THU)
        return 1;
    vt_page_error(p, r, 403, "Chỉ văn thư được cấp số, hủy số, ghi sổ và "
                             "xuất sổ; tài khoản của bạn là chuyên viên.");
    return 0;
}

void vt_desk_handle(vt_desk *k, vt_req *r, vt_resp *p)
{
    int get = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
    int post = strcmp(r->method, "POST") == 0;
    char a[4][80];
    int n = split(r->path, a);
    if (!get && !post) {
        vt_page_error(p, r, 405, "Phương thức không được hỗ trợ.");
        return;
    }
    if (n < 0) {
        vt_page_error(p, r, 404, "Không có trang này.");
        return;
    }
    if (get && n == 2 && strcmp(a[0], "static") == 0) {
        if (strcmp(a[1], "desk.css") == 0)
            vt_static_css(p);
        else if (strcmp(a[1], "desk.js") == 0)
            vt_static_js(p);
        else
            vt_page_error(p, r, 404, "Không có trang này.");
        return;
    }
    if (n == 1 && strcmp(a[0], "dang-nhap") == 0) {
        if (get)
            page_login(k, r, p, NULL);
        else
            login_post(k, r, p);
        return;
    }
    if (gate(k, r, p, post) != 0)
        return;
    if (post && !csrf_ok(k, r)) {
        vt_page_error(p, r, 403, "Yêu cầu bị từ chối: thiếu hoặc sai mã bảo "
                                 "vệ biểu mẫu (CSRF). Hãy tải lại trang.");
        return;
    }
    long long id;
    if (n == 0 && get) {
        vt_page_home(k, r, p);
    } else if (n == 1 && post && strcmp(a[0], "dang-xuat") == 0) {
        vt_auth_logout(k->auth, r->sid);
        set_cookie(k, p, 0, "vt_sid", "", 1);
        vt_redirect(p, vt_auth_requires_login(k->auth) ? "/dang-nhap" : "/");
    } else if (n >= 1 && strcmp(a[0], "soan") == 0) {
        if (n == 1 && get)
            vt_page_soan(k, r, p);
        else if (n == 2 && post && strcmp(a[1], "kiem-tra") == 0)
            vt_page_soan_check(k, r, p);
        else if (n == 2 && post && strcmp(a[1], "luu") == 0)
            vt_page_soan_save(k, r, p);
        else if (n == 2 && post && strcmp(a[1], "tai-len") == 0)
            vt_page_soan_upload(k, r, p);
        else
            vt_page_error(p, r, 404, "Không có trang này.");
    } else if (n >= 2 && strcmp(a[0], "ban-nhap") == 0) {
        if (!vt_id_ok(a[1]))
            vt_page_error(p, r, 404, "Không có bản nháp này.");
        else if (n == 2 && get)
            vt_page_draft(k, r, p, a[1]);
        else if (n == 3 && get && strcmp(a[2], "xem-truoc.pdf") == 0)
            vt_page_preview(k, r, p, a[1]);
        else if (n == 3 && post && strcmp(a[2], "anh") == 0)
            vt_page_draft_images(k, r, p, a[1]);
        else if (n == 3 && post && strcmp(a[2], "cap-so") == 0) {
            if (van_thu(r, p))
                vt_page_issue(k, r, p, a[1]);
        } else
            vt_page_error(p, r, 404, "Không có trang này.");
    } else if (n == 3 && get && strcmp(a[0], "van-ban") == 0 &&
               entry_id(a[1], &id) == 0 &&
               (strcmp(a[2], "tai.docx") == 0 ||
                strcmp(a[2], "tai.pdf") == 0)) {
        vt_page_download(k, r, p, id, a[2] + 4);
    } else if (n >= 1 && strcmp(a[0], "giay-moi") == 0) {
        if (n == 1 && get)
            vt_page_moi(k, r, p);
        else if (n == 1 && post)
            vt_page_moi_start(k, r, p);
        else if (!vt_id_ok(a[1]))
            vt_page_error(p, r, 404, "Không có đợt giấy mời này.");
        else if (n == 2 && get)
            vt_page_moi_job(k, r, p, a[1]);
        else if (n == 3 && get && strcmp(a[2], "tien-do") == 0)
            vt_page_moi_progress(k, r, p, a[1]);
        else if (n == 3 && get && strcmp(a[2], "tai.zip") == 0)
            vt_page_moi_zip(k, r, p, a[1]);
        else
            vt_page_error(p, r, 404, "Không có trang này.");
    } else if (n >= 1 && strcmp(a[0], "so-van-ban-di") == 0) {
        if (n == 1 && get)
            vt_page_so(k, r, p);
        else if (n == 2 && get && strncmp(a[1], "xuat.", 5) == 0) {
            if (van_thu(r, p))
                vt_page_so_export(k, r, p, a[1] + 5);
        } else if (n == 2 && post && strcmp(a[1], "kiem-tra") == 0) {
            if (van_thu(r, p))
                vt_page_so_verify(k, r, p);
        } else if (entry_id(a[1], &id) != 0)
            vt_page_error(p, r, 404, "Không có số văn bản này.");
        else if (n == 2 && get)
            vt_page_so_entry(k, r, p, id);
        else if (n == 3 && post && strcmp(a[2], "huy") == 0) {
            if (van_thu(r, p))
                vt_page_so_void(k, r, p, id);
        } else if (n == 3 && post && strcmp(a[2], "ghi-chu") == 0) {
            if (van_thu(r, p))
                vt_page_so_note(k, r, p, id);
        } else
            vt_page_error(p, r, 404, "Không có trang này.");
    } else {
        vt_page_error(p, r, 404, "Không có trang này.");
    }
}

/* ---- libmicrohttpd ------------------------------------------------------- */

typedef struct {
    vt_desk *k;
    vt_req req;
    char *method, *path, *client;
    struct MHD_PostProcessor *pp;
    size_t bytes, limit;
    int too_big, bad, answered;
} conn_state;

static enum MHD_Result on_post_field(void *cls, enum MHD_ValueKind kind,
                                     const char *key, const char *filename,
                                     const char *ctype, const char *enc,
                                     const char *data, uint64_t off,
                                     size_t size)
{
    (void)kind;
    (void)ctype;
    (void)enc;
    conn_state *st = cls;
    vt_req *r = &st->req;
    /* a field arrives in pieces: the first has offset 0 */
    if (off == 0 || r->nfields == 0 ||
        strcmp(r->fields[r->nfields - 1].name, key ? key : "") != 0)
        return vt_req_add(r, key, filename, data, size) == 0 ? MHD_YES
                                                             : MHD_NO;
    vt_buf *b = &r->fields[r->nfields - 1].data;
    vt_buf_put(b, data, size);
    vt_buf_reserve(b, 1);
    return b->oom ? MHD_NO : MHD_YES;
}

static enum MHD_Result on_query(void *cls, enum MHD_ValueKind kind,
                                const char *key, const char *value)
{
    (void)kind;
    vt_req *r = cls;
    vt_req_add(r, key, NULL, value ? value : "", value ? strlen(value) : 0);
    return MHD_YES;
}

/* Queue p as the answer; its body is handed to libmicrohttpd, not
 * copied (a downloaded batch may be large). */
static enum MHD_Result answer(const vt_mhd *m, struct MHD_Connection *c,
                              vt_resp *p)
{
    size_t len = p->body.len;
    char *body = len ? vt_buf_take(&p->body) : NULL;
    struct MHD_Response *mr =
        body ? m->create_response_from_buffer(len, body,
                                               MHD_RESPMEM_MUST_FREE)
             : m->create_response_from_buffer(0, (void *)"",
                                               MHD_RESPMEM_PERSISTENT);
    if (!mr) {
        free(body);
        return MHD_NO;
    }
    m->add_response_header(mr, "Content-Type", p->ctype);
    m->add_response_header(mr, "Cache-Control", "no-store");
    m->add_response_header(mr, "X-Content-Type-Options", "nosniff");
    m->add_response_header(mr, "X-Frame-Options", "SAMEORIGIN");
    m->add_response_header(mr, "Referrer-Policy", "same-origin");
    m->add_response_header(mr, "Content-Security-Policy",
                            "default-src 'self'; frame-ancestors 'self'; "
                            "form-action 'self'; base-uri 'none'");
    if (p->location[0])
        m->add_response_header(mr, "Location", p->location);
    if (p->disposition[0])
        m->add_response_header(mr, "Content-Disposition", p->disposition);
    for (int i = 0; i < 2; i++)
        if (p->cookie[i][0])
            m->add_response_header(mr, "Set-Cookie", p->cookie[i]);
    enum MHD_Result ret = m->queue_response(c, (unsigned)p->status, mr);
    m->destroy_response(mr);
    return ret;
}

static enum MHD_Result answer_error(conn_state *st, struct MHD_Connection *c,
                                    int status, const char *msg)
{
    vt_resp p;
    vt_resp_init(&p);
    vt_page_error(&p, &st->req, status, msg);
    st->answered = 1;
    enum MHD_Result ret = answer(st->k->mhd, c, &p);
    vt_resp_free(&p);
    return ret;
}

/* The first call for a request: what it is, and whether its body may
 * come at all. */
static enum MHD_Result start_request(vt_desk *k, struct MHD_Connection *c,
                                     const char *url, const char *method,
                                     conn_state *st)
{
    st->k = k;
    st->method = strdup(method);
    st->path = strdup(url);
    const union MHD_ConnectionInfo *ci =
        k->mhd->get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char addr[INET6_ADDRSTRLEN] = "?";
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
                      addr, sizeof addr);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                      addr, sizeof addr);
    }
    st->client = strdup(addr);
    if (!st->method || !st->path || !st->client)
        return MHD_NO;
    vt_req *r = &st->req;
    r->method = st->method;
    r->path = st->path;
    r->client = st->client;
    r->conn = c;
    /* DNS rebinding: a web page whose own name now points at 127.0.0.1
     * would otherwise get the loopback desk's văn thư session; without a
     * login only the loopback names may reach it */
    if (!vt_auth_host_ok(k->auth, k->mhd->lookup_connection_value(
                                      c, MHD_HEADER_KIND, "Host")))
        return answer_error(st, c, 421, "Địa chỉ không đúng: hãy mở bàn văn "
                                        "thư bằng http://127.0.0.1 hoặc "
                                        "http://localhost.");
    r->csrf_header = k->mhd->lookup_connection_value(c, MHD_HEADER_KIND,
                                                 "X-CSRF-Token");
    r->cookie_sid = k->mhd->lookup_connection_value(c, MHD_COOKIE_KIND, "vt_sid");
    const char *accept = k->mhd->lookup_connection_value(c, MHD_HEADER_KIND,
                                                     "Accept");
    r->wants_json = accept && strstr(accept, "application/json") != NULL;
    if (strcmp(method, "POST") != 0) {
        k->mhd->get_connection_values(c, MHD_GET_ARGUMENT_KIND, on_query, r);
        return MHD_YES;
    }
    const char *ct = k->mhd->lookup_connection_value(c, MHD_HEADER_KIND,
                                                 "Content-Type");
    int multipart = ct && strncasecmp(ct, "multipart/form-data", 19) == 0;
    int form = ct && strncasecmp(ct, "application/x-www-form-urlencoded",
                                 33) == 0;
    st->limit = multipart ? k->o.max_upload : VT_SERVE_MAX_FORM;
    const char *cl = k->mhd->lookup_connection_value(c, MHD_HEADER_KIND,
                                                 "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > st->limit) {
        char msg[160];
        snprintf(msg, sizeof msg, "Dữ liệu gửi lên quá lớn (giới hạn %zu "
                                  "byte).", st->limit);
        return answer_error(st, c, 413, msg);
    }
    if (!multipart && !form)
        return answer_error(st, c, 415, "Kiểu dữ liệu gửi lên không được "
                                        "chấp nhận (chỉ biểu mẫu).");
    st->pp = k->mhd->create_post_processor(c, 64 * 1024, on_post_field, st);
    if (!st->pp)
        return answer_error(st, c, 400, "Biểu mẫu gửi lên không đọc được.");
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version,
                                  const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    vt_desk *k = cls;
    conn_state *st = *con_cls;
    if (!st) {
        if (!(st = calloc(1, sizeof *st)))
            return MHD_NO;
        *con_cls = st;
        return start_request(k, c, url, method, st);
    }
    if (*upload_size) {
        st->bytes += *upload_size;
        if (st->bytes > st->limit)
            st->too_big = 1;
        else if (!st->answered && !st->bad && st->pp &&
                 k->mhd->post_process(st->pp, upload_data, *upload_size) !=
                     MHD_YES)
            st->bad = 1;
        *upload_size = 0;
        return MHD_YES;
    }
    if (st->answered)
        return MHD_YES;
    if (st->too_big) {
        char msg[160];
        snprintf(msg, sizeof msg, "Dữ liệu gửi lên quá lớn (giới hạn %zu "
                                  "byte).", st->limit);
        return answer_error(st, c, 413, msg);
    }
    if (st->pp && k->mhd->destroy_post_processor(st->pp) != MHD_YES)
        st->bad = 1;
    st->pp = NULL;
    if (st->bad)
        return answer_error(st, c, 400, "Biểu mẫu gửi lên bị hỏng hoặc "
                                        "không đúng định dạng.");
    vt_resp p;
    vt_resp_init(&p);
    vt_desk_handle(k, &st->req, &p);
    if (p.body.oom) {
        vt_resp_free(&p);
        vt_resp_init(&p);
        vt_page_error(&p, &st->req, 500, "Máy chủ hết bộ nhớ.");
    }
    st->answered = 1;
    enum MHD_Result ret = answer(k->mhd, c, &p);
    vt_resp_free(&p);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    conn_state *st = *con_cls;
    if (!st)
        return;
    if (st->pp)
        st->k->mhd->destroy_post_processor(st->pp);
    vt_req_free(&st->req);
    free(st->method);
    free(st->path);
    free(st->client);
    free(st);
    *con_cls = NULL;
}

/* The address to bind: IPv4 or IPv6, numeric only (no name lookups). */
static int make_addr(const vt_serve_opts *o, struct sockaddr_storage *ss,
                     int *v6)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, o->host, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((unsigned short)o->port);
        *v6 = 0;
        return 0;
    }
    if (inet_pton(AF_INET6, o->host, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((unsigned short)o->port);
        *v6 = 1;
        return 0;
    }
    return -1;
}

static vt_error read_pem(const char *path, char **out, vt_diags *d)
{
    size_t len;
    int r = vt_read_file(path, 1u << 20, out, &len);
    if (r == 0)
        return VT_OK;
    if (r == -2)
        vt_diags_addf(d, "%s: larger than 1 MiB; not a PEM file", path);
    else
        vt_diags_addf(d, "%s: cannot read the file: %s", path,
                      strerror(errno));
    return r == -2 ? VT_ERR_USAGE : VT_ERR_IO;
}

static vt_error check_data_dir(const char *dir, vt_diags *d)
{
    struct stat st;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        vt_diags_addf(d, "%s: cannot create the data folder: %s", dir,
                      strerror(errno));
        return VT_ERR_IO;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        vt_diags_addf(d, "%s: not a folder (--data names the folder of the "
                         "drafts)", dir);
        return VT_ERR_USAGE;
    }
    return VT_OK;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

vt_error vt_serve(const vt_serve_opts *o, const volatile int *stop, FILE *out,
                  vt_diags *d)
{
    vt_desk k;
    memset(&k, 0, sizeof k);
    k.o = *o;
    k.tls = o->tls_cert != NULL;
    struct sockaddr_storage ss;
    int v6 = 0;
    char *cert = NULL, *key = NULL;
    struct MHD_Daemon *mhd = NULL;
    vt_mhd m;
    if (make_addr(o, &ss, &v6) != 0) {
        vt_diags_addf(d, "--listen %s: give a numeric address and port, such "
                         "as 127.0.0.1:8080 or [::1]:8080", o->host);
        return VT_ERR_USAGE;
    }
    if (!!o->tls_cert != !!o->tls_key) {
        vt_diags_addf(d, "--tls-cert and --tls-key go together");
        return VT_ERR_USAGE;
    }
    vt_error rc = vt_mhd_load(&m, d);
    if (rc != VT_OK)
        return rc;
    k.mhd = &m;
    if (k.tls && m.is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        vt_diags_addf(d, "--tls-cert: this libmicrohttpd was built without "
                         "TLS; run the desk behind a reverse proxy with TLS "
                         "(docs/web.md)");
        vt_mhd_unload(&m);
        return VT_ERR_USAGE;
    }
    rc = check_data_dir(o->data_dir, d);
    if (rc == VT_OK && k.tls)
        rc = read_pem(o->tls_cert, &cert, d);
    if (rc == VT_OK && k.tls)
        rc = read_pem(o->tls_key, &key, d);
    if (rc == VT_OK)
        rc = vt_auth_open(o->register_path,
                          o->require_login || !vt_serve_is_loopback(o->host),
                          &k.auth, d);
    if (rc != VT_OK) {
        free(cert);
        free(key);
        vt_mhd_unload(&m);
        return rc;
    }
    /* libxml2 sets up its globals once, here, before the threads that
     * parse plans and templates side by side (its rule for threads) */
    xmlInitParser();
    pthread_mutex_init(&k.lock, NULL);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_THREAD_PER_CONNECTION |
                     (v6 ? MHD_USE_IPv6 : 0) | (k.tls ? MHD_USE_TLS : 0);
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, key},
        {MHD_OPTION_END, 0, NULL}};
    mhd = m.start_daemon(
        flags, (uint16_t)o->port, NULL, NULL, on_request, &k,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)o->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)o->per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o->timeout_s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_ARRAY, k.tls ? tls_opts : tls_opts + 2,
        MHD_OPTION_END);
    if (!mhd) {
        vt_diags_addf(d, "%s:%u: cannot listen there (%s; the port may be "
                         "taken, or the TLS certificate and key unusable)",
                      o->host, o->port, strerror(errno));
        rc = VT_ERR_IO;
    } else {
        const union MHD_DaemonInfo *di =
            m.get_daemon_info(mhd, MHD_DAEMON_INFO_BIND_PORT);
        unsigned port = di ? di->port : o->port;
        fprintf(out, "vanthu serve: %s://%s%s%s:%u/ (%s; Ctrl-C dừng)\n",
                k.tls ? "https" : "http", v6 ? "[" : "", o->host,
                v6 ? "]" : "", port,
                vt_auth_requires_login(k.auth) ? "cần đăng nhập"
                                               : "máy này, không cần "
                                                 "đăng nhập");
        fflush(out);
        while (!*stop)
            sleep_ms(100);
        m.stop_daemon(mhd);
    }
    vt_jobs_finish(&k);
    pthread_mutex_destroy(&k.lock);
    vt_auth_close(k.auth);
    free(cert);
    free(key);
    vt_mhd_unload(&m);
    return rc;
}
