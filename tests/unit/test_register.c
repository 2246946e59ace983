/* Unit tests for register.c against a real SQLite file: consecutive
 * numbers, the year boundary, backdating, numbers never given twice, a
 * failed write that gives the number back, and files that are not a
 * vanthu register. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "register.h"
#include "sha256.h"

typedef struct {
    char dir[64];
    int calls;
    int fail;
} writer;

static vt_error write_file(void *ctx, int number, char **path, char sha[65],
                           vt_diags *d)
{
    writer *w = ctx;
    w->calls++;
    if (w->fail) {
        vt_diags_addf(d, "disk full");
        return VT_ERR_IO;
    }
    if (asprintf(path, "%s/%d.docx", w->dir, number) < 0)
        return VT_ERR_NOMEM;
    FILE *fp = fopen(*path, "w");
    fprintf(fp, "document %d", number);
    fclose(fp);
    char text[32];
    int n = snprintf(text, sizeof text, "document %d", number);
    vt_sha256_hex(text, (size_t)n, sha);
    return VT_OK;
}

static vt_reg_request request(int year, int month, int day)
{
    vt_reg_request q = {
        .agency_abbr = "PGDĐT", .agency_name = "Phòng Giáo dục và Đào tạo",
        .type_abbr = "KH", .type_name = "Kế hoạch", .year = year,
        .month = month, .day = day, .subject = "Sinh hoạt chuyên môn",
        .signer = "Nguyễn Văn A", .recipients = "Các trường",
        .archive_unit = "VT, GDTH", .copies = 2};
    return q;
}

static char *new_dir(writer *w)
{
    snprintf(w->dir, sizeof w->dir, "/tmp/vt-register-XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    return w->dir;
}

static void test_numbers_years_and_backdating(void **state)
{
    (void)state;
    writer w = {0};
    new_dir(&w);
    char db[128];
    snprintf(db, sizeof db, "%s/register.sqlite", w.dir);
    vt_diags d;
    vt_diags_init(&d);
    vt_register *r;
    assert_int_equal(vt_register_open(db, 1000, &r, &d), VT_OK);
    int n = 0;
    vt_reg_request q = request(2020, 3, 5);
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(vt_register_issue(r, &q, write_file, &w, &n, &d), VT_OK);
        assert_int_equal(n, i);
    }
    /* a failed write gives the number back and leaves no entry */
    w.fail = 1;
    assert_int_equal(vt_register_issue(r, &q, write_file, &w, &n, &d), VT_ERR_IO);
    w.fail = 0;
    assert_int_equal(vt_register_issue(r, &q, write_file, &w, &n, &d), VT_OK);
    assert_int_equal(n, 4);
    /* earlier than the last in the series: refused, nothing written */
    vt_reg_request early = request(2020, 3, 4);
    int calls = w.calls;
    assert_int_equal(vt_register_issue(r, &early, write_file, &w, &n, &d), VT_ERR_USAGE);
    assert_int_equal(w.calls, calls);
    assert_non_null(strstr(d.msgs[d.count - 1], "earlier than the last document"));
    early.allow_backdate = 1;
    assert_int_equal(vt_register_issue(r, &early, write_file, &w, &n, &d), VT_OK);
    assert_int_equal(n, 5);
    /* a number already given is refused */
    vt_reg_request dup = request(2020, 3, 6);
    dup.number = 2;
    assert_int_equal(vt_register_issue(r, &dup, write_file, &w, &n, &d), VT_ERR_PLAN);
    /* a new year starts at 1 */
    vt_reg_request next_year = request(2021, 1, 2);
    assert_int_equal(vt_register_issue(r, &next_year, write_file, &w, &n, &d), VT_OK);
    assert_int_equal(n, 1);
    /* secret documents have their own series */
    vt_reg_request secret = request(2021, 1, 3);
    secret.secret = 1;
    assert_int_equal(vt_register_issue(r, &secret, write_file, &w, &n, &d), VT_OK);
    assert_int_equal(n, 1);
    vt_register_close(r);

    /* what is on disk: WAL, the schema version, the entries and ký hiệu */
    sqlite3 *db3;
    assert_int_equal(sqlite3_open(db, &db3), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db3, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), vt_register_schema_version());
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db3, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db3, "SELECT count(*), group_concat(ky_hieu, ' ') "
                                             "FROM entry WHERE year = 2020", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 5);
    assert_string_equal((const char *)sqlite3_column_text(st, 1),
                        "01/KH-PGDĐT 02/KH-PGDĐT 03/KH-PGDĐT 04/KH-PGDĐT 05/KH-PGDĐT");
    sqlite3_finalize(st);
    sqlite3_close(db3);
    vt_diags_free(&d);
}

static void test_not_a_register(void **state)
{
    (void)state;
    writer w = {0};
    new_dir(&w);
    char path[128];
    vt_diags d;
    vt_diags_init(&d);
    vt_register *r = NULL;
    /* a text file */
    snprintf(path, sizeof path, "%s/notes.txt", w.dir);
    FILE *fp = fopen(path, "w");
    fputs("this is not a database, it is a clerk's notes\n", fp);
    fclose(fp);
    assert_int_equal(vt_register_open(path, 100, &r, &d), VT_ERR_USAGE);
    assert_null(r);
    assert_non_null(strstr(d.msgs[0], "not a vanthu register"));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 46);
    /* an SQLite file of another program */
    snprintf(path, sizeof path, "%s/other.sqlite", w.dir);
    sqlite3 *db3;
    assert_int_equal(sqlite3_open(path, &db3), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db3, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db3);
    assert_int_equal(vt_register_open(path, 100, &r, &d), VT_ERR_USAGE);
    assert_non_null(strstr(d.msgs[1], "not a vanthu register (an SQLite file with other data)"));
    vt_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_years_and_backdating),
        cmocka_unit_test(test_not_a_register),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
