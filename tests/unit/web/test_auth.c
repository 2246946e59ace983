/* Unit tests for web/auth.c against a real register file in a temporary
 * folder: accounts and their Argon2id hashes, logins right and wrong, the
 * login wait, session expiry on an injected clock, CSRF tokens, the audit
 * rows, and a register of schema 3 brought forward. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "register/register.h"
#include "web/auth.h"

typedef struct {
    char dir[64];
    char db[96];
    long long clock; /* the injected clock, in seconds */
} fixture;

static long long fake_clock(void *ctx)
{
    return ((fixture *)ctx)->clock;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/vt-auth-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/register.sqlite", f->dir);
    f->clock = 1000;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* One value of a query on the register, as text ("" for none). */
static void query(const char *db, const char *sql, char *out, size_t n)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    out[0] = '\0';
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, n, "%s", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
}

static void exec(const char *db, const char *sql)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
}

/* An auth on the fixture's register with the fixture's clock. */
static vt_auth *open_auth(fixture *f, int require_login)
{
    vt_diags d;
    vt_diags_init(&d);
    vt_auth *a = NULL;
    assert_int_equal(vt_auth_open(f->db, require_login, &a, &d), VT_OK);
    vt_diags_free(&d);
    vt_auth_set_clock(a, fake_clock, f);
    return a;
}

static void add(fixture *f, const char *name, vt_role role, const char *pw)
{
    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(vt_user_add(f->db, name, role, pw, &d), VT_OK);
    assert_int_equal(d.count, 0);
    vt_diags_free(&d);
}

static void test_roles_and_names(void **state)
{
    (void)state;
    assert_int_equal(vt_role_parse("van-thu"), VT_ROLE_VAN_THU);
    assert_int_equal(vt_role_parse("chuyen-vien"), VT_ROLE_CHUYEN_VIEN);
    assert_int_equal(vt_role_parse("Van-thu"), VT_ROLE_NONE);
    assert_int_equal(vt_role_parse("admin"), VT_ROLE_NONE);
    assert_int_equal(vt_role_parse(""), VT_ROLE_NONE);
    assert_int_equal(vt_role_parse(NULL), VT_ROLE_NONE);
    assert_string_equal(vt_role_name(VT_ROLE_VAN_THU), "van-thu");
    assert_string_equal(vt_role_name(VT_ROLE_CHUYEN_VIEN), "chuyen-vien");
    assert_string_equal(vt_role_name(VT_ROLE_NONE), "");
    assert_true(vt_user_name_ok("lan.nguyen_2-a"));
    assert_false(vt_user_name_ok(""));
    assert_false(vt_user_name_ok("lan nguyen"));
    assert_false(vt_user_name_ok("a/b"));
    assert_false(vt_user_name_ok("a\nb"));
    assert_false(vt_user_name_ok("Lân"));
    char long_name[70];
    memset(long_name, 'a', 65);
    long_name[65] = '\0';
    assert_false(vt_user_name_ok(long_name));
    long_name[64] = '\0';
    assert_true(vt_user_name_ok(long_name));
}

/* An account is stored with an Argon2id hash, never the password, and
 * replaced (role and password) when added again. */
static void test_add_user(void **state)
{
    fixture *f = *state;
    add(f, "lan", VT_ROLE_VAN_THU, "mật khẩu dài");
    char v[256];
    query(f->db, "SELECT role FROM users WHERE name = 'lan'", v, sizeof v);
    assert_string_equal(v, "van-thu");
    query(f->db, "SELECT hash FROM users WHERE name = 'lan'", v, sizeof v);
    assert_memory_equal(v, "$argon2id$", 10);
    assert_null(strstr(v, "mật khẩu"));
    query(f->db, "SELECT created FROM users WHERE name = 'lan'", v, sizeof v);
    assert_int_equal(strlen(v), 25); /* 2026-11-23T08:05:00+07:00 */

    add(f, "lan", VT_ROLE_CHUYEN_VIEN, "mật khẩu khác");
    query(f->db, "SELECT count(*) || role FROM users", v, sizeof v);
    assert_string_equal(v, "1chuyen-vien");

    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(vt_user_add(f->db, "a b", VT_ROLE_VAN_THU, "12345678", &d),
                     VT_ERR_USAGE);
    assert_int_equal(vt_user_add(f->db, "b", VT_ROLE_NONE, "12345678", &d),
                     VT_ERR_USAGE);
    assert_int_equal(vt_user_add(f->db, "b", VT_ROLE_VAN_THU, "1234567", &d),
                     VT_ERR_LIMIT);
    assert_int_equal(d.count, 3);
    assert_non_null(strstr(d.msgs[2], "8 to 1024 characters"));
    vt_diags_free(&d);
}

static void test_login(void **state)
{
    fixture *f = *state;
    add(f, "lan", VT_ROLE_VAN_THU, "đúng mật khẩu");
    add(f, "minh", VT_ROLE_CHUYEN_VIEN, "mật khẩu của Minh");
    vt_auth *a = open_auth(f, 1);
    assert_true(vt_auth_requires_login(a));
    char sid[VT_TOKEN_LEN], sid2[VT_TOKEN_LEN];
    vt_diags d;
    vt_diags_init(&d);

    assert_int_equal(vt_auth_login(a, "10.0.0.5", "lan", "sai", sid, &d),
                     VT_ERR_USAGE);
    assert_string_equal(d.msgs[0], "Tên đăng nhập hoặc mật khẩu không đúng.");
    assert_int_equal(vt_auth_login(a, "10.0.0.5", "ai-do", "x", sid, &d),
                     VT_ERR_USAGE);
    assert_string_equal(d.msgs[1], d.msgs[0]); /* no hint a name exists */

    assert_int_equal(vt_auth_login(a, "10.0.0.5", "lan", "đúng mật khẩu", sid, &d),
                     VT_OK);
    assert_int_equal(strlen(sid), VT_TOKEN_LEN - 1);
    vt_session_info info;
    assert_true(vt_auth_session(a, sid, &info));
    assert_string_equal(info.user, "lan");
    assert_int_equal(info.role, VT_ROLE_VAN_THU);
    assert_int_equal(strlen(info.csrf), VT_TOKEN_LEN - 1);
    assert_string_not_equal(info.csrf, sid);

    assert_int_equal(vt_auth_login(a, "10.0.0.6", "minh", "mật khẩu của Minh",
                                   sid2, &d),
                     VT_OK);
    assert_string_not_equal(sid, sid2);
    vt_session_info info2;
    assert_true(vt_auth_session(a, sid2, &info2));
    assert_int_equal(info2.role, VT_ROLE_CHUYEN_VIEN);
    assert_string_not_equal(info.csrf, info2.csrf);

    /* no anonymous sessions when login is required */
    assert_int_equal(vt_auth_anonymous(a, sid2, &d), VT_ERR_USAGE);

    /* logged out: the id is worth nothing any more */
    vt_auth_logout(a, sid);
    assert_false(vt_auth_session(a, sid, &info));
    assert_false(vt_auth_session(a, "", &info));
    assert_false(vt_auth_session(a, NULL, &info));
    char bad[VT_TOKEN_LEN + 8];
    memset(bad, 'A', sizeof bad - 1);
    bad[sizeof bad - 1] = '\0';
    assert_false(vt_auth_session(a, bad, &info));
    vt_diags_free(&d);
    vt_auth_close(a);
}

/* Five failures for a name (from any address) or from an address (for
 * any name) make it wait, whatever the password; the wait doubles. */
static void test_rate_limit(void **state)
{
    fixture *f = *state;
    add(f, "lan", VT_ROLE_VAN_THU, "đúng mật khẩu");
    vt_auth *a = open_auth(f, 1);
    char sid[VT_TOKEN_LEN];
    vt_diags d;
    vt_diags_init(&d);
    char addr[32];
    for (int i = 0; i < 5; i++) {
        snprintf(addr, sizeof addr, "10.0.0.%d", i + 1);
        assert_int_equal(vt_auth_login(a, addr, "lan", "sai", sid, &d),
                         VT_ERR_USAGE);
    }
    /* the right password from a sixth address: still refused */
    assert_int_equal(vt_auth_login(a, "10.0.0.9", "lan", "đúng mật khẩu", sid, &d),
                     VT_ERR_LIMIT);
    assert_string_equal(d.msgs[d.count - 1],
                        "Đăng nhập sai quá nhiều lần: hãy thử lại sau 30 giây.");
    f->clock += 29;
    assert_int_equal(vt_auth_login(a, "10.0.0.9", "lan", "đúng mật khẩu", sid, &d),
                     VT_ERR_LIMIT);
    assert_string_equal(d.msgs[d.count - 1],
                        "Đăng nhập sai quá nhiều lần: hãy thử lại sau 1 giây.");
    /* after the wait, one more failure doubles it */
    f->clock += 1;
    assert_int_equal(vt_auth_login(a, "10.0.0.9", "lan", "sai", sid, &d),
                     VT_ERR_USAGE);
    assert_int_equal(vt_auth_login(a, "10.0.0.9", "lan", "đúng mật khẩu", sid, &d),
                     VT_ERR_LIMIT);
    assert_string_equal(d.msgs[d.count - 1],
                        "Đăng nhập sai quá nhiều lần: hãy thử lại sau 60 giây.");
    f->clock += 60;
    assert_int_equal(vt_auth_login(a, "10.0.0.9", "lan", "đúng mật khẩu", sid, &d),
                     VT_OK);
    /* success forgets the name's failures */
    for (int i = 0; i < 4; i++)
        assert_int_equal(vt_auth_login(a, "10.0.1.1", "lan", "sai", sid, &d),
                         VT_ERR_USAGE);
    assert_int_equal(vt_auth_login(a, "10.0.1.2", "lan", "đúng mật khẩu", sid, &d),
                     VT_OK);

    /* one address trying many names is stopped too */
    for (int i = 0; i < 5; i++) {
        char name[16];
        snprintf(name, sizeof name, "ten%d", i);
        assert_int_equal(vt_auth_login(a, "192.0.2.7", name, "x", sid, &d),
                         VT_ERR_USAGE);
    }
    assert_int_equal(vt_auth_login(a, "192.0.2.7", "lan", "đúng mật khẩu", sid, &d),
                     VT_ERR_LIMIT);
    /* and other addresses are not */
    assert_int_equal(vt_auth_login(a, "192.0.2.8", "lan", "đúng mật khẩu", sid, &d),
                     VT_OK);
    vt_diags_free(&d);
    vt_auth_close(a);
}

/* A session unused for the idle timeout is gone; using it keeps it. */
static void test_session_expiry(void **state)
{
    fixture *f = *state;
    vt_auth *a = open_auth(f, 0);
    assert_false(vt_auth_requires_login(a));
    vt_auth_set_idle(a, 600);
    char sid[VT_TOKEN_LEN];
    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(vt_auth_anonymous(a, sid, &d), VT_OK);
    vt_session_info info;
    assert_true(vt_auth_session(a, sid, &info));
    assert_string_equal(info.user, "");
    assert_int_equal(info.role, VT_ROLE_VAN_THU);
    f->clock += 599;
    assert_true(vt_auth_session(a, sid, &info)); /* used: idle from now */
    f->clock += 599;
    assert_true(vt_auth_session(a, sid, &info));
    assert_true(vt_auth_check_csrf(a, sid, info.csrf));
    f->clock += 600;
    assert_false(vt_auth_session(a, sid, &info));
    assert_false(vt_auth_check_csrf(a, sid, info.csrf));
    vt_diags_free(&d);
    vt_auth_close(a);
}

static void test_csrf(void **state)
{
    fixture *f = *state;
    vt_auth *a = open_auth(f, 1);
    char sid[VT_TOKEN_LEN], other[VT_TOKEN_LEN], gcsrf[VT_TOKEN_LEN];
    char ocsrf[VT_TOKEN_LEN], again[VT_TOKEN_LEN];
    /* guest sessions (the login form) carry a token but are no way in */
    assert_int_equal(vt_auth_guest(a, sid, gcsrf), VT_OK);
    assert_int_equal(vt_auth_guest(a, other, ocsrf), VT_OK);
    vt_session_info info;
    assert_false(vt_auth_session(a, sid, &info));
    assert_true(vt_auth_guest_csrf(a, sid, again));
    assert_string_equal(again, gcsrf);
    assert_true(vt_auth_check_csrf(a, sid, gcsrf));
    /* another session's token, a changed one, a short one, none */
    assert_false(vt_auth_check_csrf(a, sid, ocsrf));
    char forged[VT_TOKEN_LEN];
    memcpy(forged, gcsrf, sizeof forged);
    forged[10] = forged[10] == 'A' ? 'B' : 'A';
    assert_false(vt_auth_check_csrf(a, sid, forged));
    forged[10] = gcsrf[10];
    forged[VT_TOKEN_LEN - 2] = '\0';
    assert_false(vt_auth_check_csrf(a, sid, forged));
    assert_false(vt_auth_check_csrf(a, sid, ""));
    assert_false(vt_auth_check_csrf(a, sid, NULL));
    assert_false(vt_auth_check_csrf(a, "nope", gcsrf));
    /* the session's id is not its token */
    assert_false(vt_auth_check_csrf(a, sid, sid));
    vt_auth_logout(a, sid);
    assert_false(vt_auth_check_csrf(a, sid, gcsrf));
    assert_false(vt_auth_guest_csrf(a, sid, again));
    vt_auth_close(a);
}

static void test_audit(void **state)
{
    fixture *f = *state;
    add(f, "lan", VT_ROLE_VAN_THU, "đúng mật khẩu");
    vt_auth *a = open_auth(f, 1);
    char sid[VT_TOKEN_LEN];
    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(vt_auth_login(a, "10.0.0.5", "lan", "sai", sid, &d),
                     VT_ERR_USAGE);
    assert_int_equal(vt_auth_login(a, "10.0.0.5", "lan", "đúng mật khẩu", sid, &d),
                     VT_OK);
    assert_int_equal(vt_audit(a, "lan", "issue", "05/KH-PGDĐT", &d), VT_OK);
    assert_int_equal(vt_audit(a, "lan", "void", "05/KH-PGDĐT: nhầm", &d), VT_OK);
    vt_auth_close(a);
    char v[512];
    query(f->db,
          "SELECT group_concat(user || ' ' || action || ' ' || detail, '|') "
          "FROM (SELECT * FROM audit ORDER BY id)",
          v, sizeof v);
    assert_string_equal(v, "lan login-failed 10.0.0.5|lan login 10.0.0.5|"
                           "lan issue 05/KH-PGDĐT|lan void 05/KH-PGDĐT: nhầm");
    query(f->db, "SELECT at FROM audit ORDER BY id DESC LIMIT 1", v, sizeof v);
    assert_int_equal(strlen(v), 25);
    assert_int_equal(v[4], '-');
    assert_int_equal(v[10], 'T');
    vt_diags_free(&d);
}

/* A register written before schema 4 (no users, no audit) gets both when
 * the desk opens it; its entries stay. */
static void test_migration(void **state)
{
    fixture *f = *state;
    vt_diags d;
    vt_diags_init(&d);
    vt_register *r = NULL;
    assert_int_equal(vt_register_open(f->db, 100, 0, &r, &d), VT_OK);
    vt_reg_agency ag = {.abbr = "PGDĐT", .name = "Phòng Giáo dục"};
    assert_int_equal(vt_register_set_agency(r, &ag, &d), VT_OK);
    vt_register_close(r);
    exec(f->db, "DROP TABLE users; DROP TABLE audit; PRAGMA user_version = 3");
    char v[64];
    /* read-only opens leave the older register as it is */
    assert_int_equal(vt_register_open(f->db, 100, 1, &r, &d), VT_OK);
    vt_register_close(r);
    query(f->db, "PRAGMA user_version", v, sizeof v);
    assert_string_equal(v, "3");

    vt_auth *a = open_auth(f, 1);
    query(f->db, "PRAGMA user_version", v, sizeof v);
    assert_int_equal(atoi(v), vt_register_schema_version());
    assert_int_equal(vt_register_schema_version(), 4);
    query(f->db, "SELECT count(*) FROM users", v, sizeof v);
    assert_string_equal(v, "0");
    query(f->db, "SELECT name FROM agency", v, sizeof v);
    assert_string_equal(v, "Phòng Giáo dục");
    assert_int_equal(vt_audit(a, "", "export", "so.csv", &d), VT_OK);
    vt_auth_close(a);
    add(f, "lan", VT_ROLE_VAN_THU, "đúng mật khẩu");

    /* an extra table is still refused as a foreign file */
    exec(f->db, "CREATE TABLE extra(x)");
    assert_int_equal(vt_auth_open(f->db, 1, &a, &d), VT_ERR_USAGE);
    assert_null(a);
    assert_non_null(strstr(d.msgs[d.count - 1], "not a vanthu register"));
    vt_diags_free(&d);
}

/* A desk without logins answers only requests addressed to loopback by
 * name (DNS rebinding); a desk with logins any. */
static void test_host(void **state)
{
    fixture *f = *state;
    vt_auth *a = open_auth(f, 0);
    const char *good[] = {"127.0.0.1", "127.0.0.1:8080", "127.1.2.3:1",
                          "localhost", "LOCALHOST:8080", "[::1]", "[::1]:8080"};
    const char *bad[] = {NULL, "", "evil.example", "evil.example:8080",
                         "127.0.0.1.evil.example", "localhost.evil.example",
                         "192.0.2.2:8080", "[::2]:80", "[::1]x", "127.0.0.1:",
                         "127.0.0.1:123456", "127.0.0.1:80:80", "0x7f.1:80",
                         "127.0.0.1 evil", "localhost:8080/x"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_true(vt_auth_host_ok(a, good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(vt_auth_host_ok(a, bad[i]));
    vt_auth_close(a);
    a = open_auth(f, 1);
    assert_true(vt_auth_host_ok(a, "vanthu.pgd.example.vn"));
    assert_true(vt_auth_host_ok(a, "192.0.2.2:8080"));
    vt_auth_close(a);
}

/* Twelve wrong logins at once from one address: the attempt counts before
 * the (slow) password check, so exactly five are checked and seven wait;
 * meanwhile other threads make, check and end sessions. */
typedef struct {
    vt_auth *a;
    int rc;
    int ok; /* session threads: 1 when every round held */
} racer;

static void *wrong_login(void *arg)
{
    racer *x = arg;
    char sid[VT_TOKEN_LEN];
    vt_diags d;
    vt_diags_init(&d);
    x->rc = vt_auth_login(x->a, "10.9.9.9", "lan", "sai mật khẩu", sid, &d);
    vt_diags_free(&d);
    return NULL;
}

static void *session_rounds(void *arg)
{
    racer *x = arg;
    x->ok = 1;
    for (int i = 0; i < 300; i++) {
        char sid[VT_TOKEN_LEN], csrf[VT_TOKEN_LEN], again[VT_TOKEN_LEN];
        vt_auth_guest(x->a, sid, csrf);
        x->ok &= vt_auth_check_csrf(x->a, sid, csrf) &&
                 vt_auth_guest_csrf(x->a, sid, again) &&
                 strcmp(again, csrf) == 0;
        vt_auth_logout(x->a, sid);
        x->ok &= !vt_auth_check_csrf(x->a, sid, csrf);
    }
    return NULL;
}

static void test_threads(void **state)
{
    fixture *f = *state;
    add(f, "lan", VT_ROLE_VAN_THU, "đúng mật khẩu");
    vt_auth *a = open_auth(f, 1);
    enum { LOGINS = 12, ROUNDS = 4 };
    racer x[LOGINS + ROUNDS];
    pthread_t t[LOGINS + ROUNDS];
    for (int i = 0; i < LOGINS + ROUNDS; i++) {
        x[i] = (racer){a, -1, 0};
        assert_int_equal(pthread_create(&t[i], NULL,
                                        i < LOGINS ? wrong_login : session_rounds,
                                        &x[i]),
                         0);
    }
    int checked = 0, waited = 0;
    for (int i = 0; i < LOGINS + ROUNDS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        if (i < LOGINS) {
            checked += x[i].rc == VT_ERR_USAGE;
            waited += x[i].rc == VT_ERR_LIMIT;
        } else {
            assert_true(x[i].ok);
        }
    }
    assert_int_equal(checked, 5);
    assert_int_equal(waited, LOGINS - 5);
    vt_auth_close(a);
    char v[32];
    query(f->db, "SELECT count(*) FROM audit WHERE action = 'login-failed'", v,
          sizeof v);
    assert_string_equal(v, "5");
}

/* While another process holds the register (an issue converting its PDF),
 * an audit row waits for it, and sessions are served meanwhile. */
static void *audit_one(void *arg)
{
    racer *x = arg;
    vt_diags d;
    vt_diags_init(&d);
    x->rc = vt_audit(x->a, "lan", "issue", "07/KH-PGDĐT", &d);
    vt_diags_free(&d);
    return NULL;
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_register_busy(void **state)
{
    fixture *f = *state;
    vt_auth *a = open_auth(f, 0);
    sqlite3 *other;
    assert_int_equal(sqlite3_open(f->db, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
                     SQLITE_OK);
    racer x = {a, -1, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, audit_one, &x), 0);
    usleep(300 * 1000); /* the audit row is now waiting for the register */
    double t0 = seconds();
    char sid[VT_TOKEN_LEN];
    vt_diags d;
    vt_diags_init(&d);
    for (int i = 0; i < 50; i++) {
        vt_session_info info;
        assert_int_equal(vt_auth_anonymous(a, sid, &d), VT_OK);
        assert_true(vt_auth_session(a, sid, &info));
        assert_true(vt_auth_check_csrf(a, sid, info.csrf));
    }
    assert_true(seconds() - t0 < 1.0);
    assert_int_equal(x.rc, -1); /* still waiting */
    sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(other);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(x.rc, VT_OK);
    vt_diags_free(&d);
    vt_auth_close(a);
    char v[64];
    query(f->db, "SELECT detail FROM audit WHERE action = 'issue'", v, sizeof v);
    assert_string_equal(v, "07/KH-PGDĐT");
}

/* list and remove; neither creates a register where there is none. */
typedef struct {
    char seen[256];
} lister;

static int list_one(void *ctx, const char *name, const char *role,
                    const char *created)
{
    lister *l = ctx;
    size_t n = strlen(l->seen);
    snprintf(l->seen + n, sizeof l->seen - n, "%s:%s:%zu;", name, role,
             strlen(created));
    return 0;
}

static void test_list_remove(void **state)
{
    fixture *f = *state;
    vt_diags d;
    vt_diags_init(&d);
    lister l = {{0}};
    assert_int_equal(vt_user_list(f->db, list_one, &l, &d), VT_ERR_USAGE);
    assert_int_equal(access(f->db, F_OK), -1);
    add(f, "minh", VT_ROLE_CHUYEN_VIEN, "mật khẩu của Minh");
    add(f, "lan", VT_ROLE_VAN_THU, "đúng mật khẩu");
    assert_int_equal(vt_user_list(f->db, list_one, &l, &d), VT_OK);
    assert_string_equal(l.seen, "lan:van-thu:25;minh:chuyen-vien:25;");
    assert_int_equal(vt_user_remove(f->db, "minh", &d), VT_OK);
    assert_int_equal(vt_user_remove(f->db, "minh", &d), VT_ERR_USAGE);
    memset(&l, 0, sizeof l);
    assert_int_equal(vt_user_list(f->db, list_one, &l, &d), VT_OK);
    assert_string_equal(l.seen, "lan:van-thu:25;");
    vt_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles_and_names),
        cmocka_unit_test_setup_teardown(test_add_user, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csrf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_busy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
