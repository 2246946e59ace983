/*
 * test_server.c - the desk's routing, gate and forms without a socket:
 * vt_desk_handle on hand-made requests, with a real register (accounts
 * from auth.c) in a temporary folder.  Why here and not only in the
 * browser: each refusal (unknown page, bad id, missing CSRF, a chuyên
 * viên on a văn thư route) is one line to check, and the body checker's
 * line numbers are the textarea's, which is easy to get off by one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "web/desk.h"

typedef struct {
    char dir[64], reg[128], data[128];
    vt_desk k;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    strcpy(f->dir, "/tmp/vt-test-server-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->reg, sizeof f->reg, "%s/register.sqlite", f->dir);
    snprintf(f->data, sizeof f->data, "%s/data", f->dir);
    assert_int_equal(mkdir(f->data, 0700), 0);
    vt_serve_opts_init(&f->k.o);
    f->k.o.register_path = f->reg;
    f->k.o.data_dir = f->data;
    f->k.o.templates_dir = "/nonexistent";
    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(vt_auth_open(f->reg, 0, &f->k.auth, &d), VT_OK);
    vt_diags_free(&d);
    pthread_mutex_init(&f->k.lock, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    vt_jobs_finish(&f->k);
    vt_auth_close(f->k.auth);
    pthread_mutex_destroy(&f->k.lock);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* One request: method, path, the session cookie, then name/value pairs
 * up to NULL; the status, and the body into body (may be NULL). */
static int request(fixture *f, const char *method, const char *path,
                   const char *sid, vt_buf *body, vt_session_info *s, ...)
{
    vt_req r;
    memset(&r, 0, sizeof r);
    r.method = method;
    r.path = path;
    r.client = "127.0.0.1";
    r.cookie_sid = sid;
    va_list ap;
    va_start(ap, s);
    const char *name;
    while ((name = va_arg(ap, const char *)) != NULL) {
        const char *value = va_arg(ap, const char *);
        assert_int_equal(vt_req_add(&r, name, NULL, value, strlen(value)), 0);
    }
    va_end(ap);
    vt_resp p;
    vt_resp_init(&p);
    vt_desk_handle(&f->k, &r, &p);
    int status = p.status;
    if (body) {
        vt_buf_reset(body);
        vt_buf_put(body, p.body.data ? p.body.data : "", p.body.len);
        vt_buf_putc(body, '\0');
    }
    if (s && r.has_session)
        *s = r.s;
    vt_req_free(&r);
    vt_resp_free(&p);
    return status;
}

/* A session for the tests: a GET without a cookie makes one. */
static void anonymous(fixture *f, char sid[VT_TOKEN_LEN], vt_session_info *s)
{
    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(vt_auth_anonymous(f->k.auth, sid, &d), VT_OK);
    vt_diags_free(&d);
    assert_true(vt_auth_session(f->k.auth, sid, s));
}

static void test_ids(void **state)
{
    (void)state;
    assert_true(vt_id_ok("ke-hoach-0123456789ab"));
    assert_true(vt_id_ok("a"));
    assert_false(vt_id_ok(""));
    assert_false(vt_id_ok("-a"));
    assert_false(vt_id_ok(".."));
    assert_false(vt_id_ok("a/b"));
    assert_false(vt_id_ok("KH"));
    assert_false(vt_id_ok("a.xml"));
    char long_id[66];
    memset(long_id, 'a', 65);
    long_id[65] = '\0';
    assert_false(vt_id_ok(long_id));
    long_id[64] = '\0';
    assert_true(vt_id_ok(long_id));
}

static void test_routes(void **state)
{
    fixture *f = *state;
    vt_buf b;
    vt_buf_init(&b);
    vt_session_info s;
    assert_int_equal(request(f, "GET", "/", NULL, &b, &s, NULL), 200);
    assert_non_null(strstr(b.data, "<h1>Bàn văn thư</h1>"));
    assert_int_equal(s.role, VT_ROLE_VAN_THU); /* loopback: no login */
    static const char *const missing[] = {
        "/khong-co", "//soan", "/soan/", "/ban-nhap/..", "/ban-nhap/A",
        "/ban-nhap/a/b/c/d", "/van-ban/0/tai.docx", "/van-ban/1/tai.zip",
        "/so-van-ban-di/x", "/so-van-ban-di/xuat.txt", "/giay-moi/khong-co",
        "/static/khac.js", "/ban-nhap/khong-co"};
    for (size_t i = 0; i < sizeof missing / sizeof *missing; i++) {
        int st = request(f, "GET", missing[i], NULL, &b, NULL, NULL);
        if (st != 404)
            fail_msg("%s gave %d, not 404", missing[i], st);
    }
    assert_int_equal(request(f, "PUT", "/", NULL, &b, NULL, NULL), 405);
    assert_int_equal(request(f, "GET", "/static/desk.js", NULL, &b, NULL,
                             NULL), 200);
    vt_buf_free(&b);
}

static void test_csrf_and_save(void **state)
{
    fixture *f = *state;
    vt_buf b;
    vt_buf_init(&b);
    char sid[VT_TOKEN_LEN];
    vt_session_info s;
    anonymous(f, sid, &s);
    /* without the token, with another token, with no session */
    assert_int_equal(request(f, "POST", "/soan/luu", sid, &b, NULL, "loai",
                             "ke-hoach", NULL), 403);
    assert_int_equal(request(f, "POST", "/soan/luu", sid, &b, NULL, "csrf",
                             "forged", NULL), 403);
    assert_int_equal(request(f, "POST", "/soan/luu", NULL, &b, NULL, "csrf",
                             s.csrf, NULL), 403);
    assert_int_equal(request(f, "POST", "/soan/luu", sid, &b, NULL, "csrf",
                             s.csrf, "co_quan", "Phòng Giáo dục và Đào tạo",
                             "viet_tat", "PGDĐT", "dia_danh", "Kim Thành",
                             "trich_yeu", "Hội thi", "noi_dung",
                             "I. Mục đích\n- Nâng cao chất lượng.",
                             "chuc_vu", "Trưởng phòng", "nguoi_ky",
                             "Nguyễn Văn An", "ten", "hoi-thi", NULL),
                     303);
    char path[256];
    snprintf(path, sizeof path, "%s/hoi-thi.xml", f->data);
    assert_int_equal(access(path, R_OK), 0);
    vt_plan *plan = NULL;
    vt_diags d;
    vt_diags_init(&d);
    vt_limits lim = vt_limits_default();
    assert_int_equal(vt_plan_load(path, &lim, &plan, &d), VT_OK);
    vt_plan_free(plan);
    vt_diags_free(&d);
    /* a name that is not an id is refused, and nothing is written */
    assert_int_equal(request(f, "POST", "/soan/luu", sid, &b, NULL, "csrf",
                             s.csrf, "ten", "../x", NULL), 400);
    assert_int_equal(request(f, "GET", "/ban-nhap/hoi-thi", sid, &b, NULL,
                             NULL), 200);
    assert_non_null(strstr(b.data, "Hội thi"));
    vt_buf_free(&b);
}

static void test_check_lines(void **state)
{
    fixture *f = *state;
    vt_buf b;
    vt_buf_init(&b);
    char sid[VT_TOKEN_LEN];
    vt_session_info s;
    anonymous(f, sid, &s);
    /* the slip is on line 3 of the body, whatever comes before it */
    assert_int_equal(request(f, "POST", "/soan/kiem-tra", sid, &b, NULL,
                             "csrf", s.csrf, "kinh_gui", "Các trường\nCác "
                             "phòng", "can_cu", "Căn cứ A;\nCăn cứ B;",
                             "noi_dung", "I. Mục đích\n1. Mục đích\n3.1. "
                             "Lạc số\n- Một ý.", NULL),
                     200);
    assert_non_null(strstr(b.data, "{\"line\":3,"));
    assert_null(strstr(b.data, "{\"line\":4,"));
    assert_true(b.data[0] == '[');
    vt_buf_free(&b);
}

static void test_roles(void **state)
{
    fixture *f = *state;
    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(vt_user_add(f->reg, "lan", VT_ROLE_CHUYEN_VIEN,
                                 "mat-khau-cua-lan-1", &d), VT_OK);
    char sid[VT_TOKEN_LEN];
    assert_int_equal(vt_auth_login(f->k.auth, "127.0.0.1", "lan",
                                   "mat-khau-cua-lan-1", sid, &d), VT_OK);
    vt_diags_free(&d);
    vt_session_info s;
    assert_true(vt_auth_session(f->k.auth, sid, &s));
    vt_buf b;
    vt_buf_init(&b);
    static const char *const vanthu_only[] = {
        "/ban-nhap/x/cap-so", "/so-van-ban-di/1/huy",
        "/so-van-ban-di/1/ghi-chu", "/so-van-ban-di/kiem-tra"};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(request(f, "POST", vanthu_only[i], sid, &b, NULL,
                                 "csrf", s.csrf, "ly_do", "x", NULL),
                         403);
    assert_int_equal(request(f, "GET", "/so-van-ban-di/xuat.csv", sid, &b,
                             NULL, NULL), 403);
    assert_non_null(strstr(b.data, "Chỉ văn thư"));
    /* a chuyên viên reads the register and drafts */
    assert_int_equal(request(f, "GET", "/so-van-ban-di", sid, &b, NULL, NULL),
                     200);
    assert_null(strstr(b.data, "xuat.csv"));
    assert_int_equal(request(f, "GET", "/soan", sid, &b, NULL, NULL), 200);
    vt_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids),
        cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csrf_and_save, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roles, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
