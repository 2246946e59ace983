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

#include "base/buf.h"
#include "register/register.h"
#include "base/sha256.h"

typedef struct {
    char dir[64];
    int calls;
    int fail;
} writer;

/* Writes "document N" for each number, as issue writes a DOCX. */
static vt_error write_file(void *ctx, const int *numbers,
                           const char *const *ky_hieu, vt_reg_files *files,
                           vt_diags *d)
{
    writer *w = ctx;
    (void)ky_hieu;
    w->calls++;
    if (w->fail) {
        vt_diags_addf(d, "disk full");
        return VT_ERR_IO;
    }
    char path[128], text[32], sha[65];
    snprintf(path, sizeof path, "%s/%d-%d.docx", w->dir, numbers[0], w->calls);
    int n = snprintf(text, sizeof text, "document %d", numbers[0]);
    FILE *fp = fopen(path, "w");
    fputs(text, fp);
    fclose(fp);
    vt_sha256_hex(text, (size_t)n, sha);
    assert_int_equal(vt_reg_files_add(files, 0, path, sha), 0);
    return VT_OK;
}

static vt_error issue1(vt_register *r, const vt_reg_request *q, writer *w,
                       int *n, vt_diags *d)
{
    return vt_register_issue(r, q, 1, write_file, w, n, d);
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
    assert_int_equal(vt_register_open(db, 1000, 0, &r, &d), VT_OK);
    int n = 0;
    vt_reg_request q = request(2020, 3, 5);
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(issue1(r, &q, &w, &n, &d), VT_OK);
        assert_int_equal(n, i);
    }
    /* a failed write gives the number back and leaves no entry */
    w.fail = 1;
    assert_int_equal(issue1(r, &q, &w, &n, &d), VT_ERR_IO);
    w.fail = 0;
    assert_int_equal(issue1(r, &q, &w, &n, &d), VT_OK);
    assert_int_equal(n, 4);
    /* earlier than the last in the series: refused, nothing written */
    vt_reg_request early = request(2020, 3, 4);
    int calls = w.calls;
    assert_int_equal(issue1(r, &early, &w, &n, &d), VT_ERR_USAGE);
    assert_int_equal(w.calls, calls);
    assert_non_null(strstr(d.msgs[d.count - 1], "earlier than the last document"));
    early.allow_backdate = 1;
    assert_int_equal(issue1(r, &early, &w, &n, &d), VT_OK);
    assert_int_equal(n, 5);
    /* a number already given is refused */
    vt_reg_request dup = request(2020, 3, 6);
    dup.number = 2;
    assert_int_equal(issue1(r, &dup, &w, &n, &d), VT_ERR_PLAN);
    /* a new year starts at 1 */
    vt_reg_request next_year = request(2021, 1, 2);
    assert_int_equal(issue1(r, &next_year, &w, &n, &d), VT_OK);
    assert_int_equal(n, 1);
    /* secret documents have their own series */
    vt_reg_request secret = request(2021, 1, 3);
    secret.secret = 1;
    assert_int_equal(issue1(r, &secret, &w, &n, &d), VT_OK);
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
    assert_int_equal(vt_register_open(path, 100, 0, &r, &d), VT_ERR_USAGE);
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
    assert_int_equal(vt_register_open(path, 100, 0, &r, &d), VT_ERR_USAGE);
    assert_non_null(strstr(d.msgs[1], "not a vanthu register (an SQLite file with other data)"));
    vt_diags_free(&d);
}

/* Opens a fresh register in a new folder. */
static vt_register *fresh(writer *w, char *db, size_t dblen, vt_diags *d)
{
    new_dir(w);
    snprintf(db, dblen, "%s/register.sqlite", w->dir);
    vt_register *r = NULL;
    assert_int_equal(vt_register_open(db, 1000, 0, &r, d), VT_OK);
    return r;
}

/* Two files under one number, and files that are not recorded. */
typedef struct {
    writer *w;
    int dup; /* give two files the same path: the record step fails */
} batch_writer;

static vt_error write_batch(void *ctx, const int *numbers,
                            const char *const *ky_hieu, vt_reg_files *files,
                            vt_diags *d)
{
    batch_writer *b = ctx;
    (void)d;
    char path[160];
    for (int i = 0; i < 3; i++) {
        for (int copy = 0; copy < 2; copy++) {
            snprintf(path, sizeof path, "%s/b%d-%d.docx", b->w->dir,
                     numbers[i], b->dup ? 0 : copy);
            FILE *fp = fopen(path, "w");
            fputs(ky_hieu[i], fp);
            fclose(fp);
            assert_int_equal(vt_reg_files_add(files, i, path, "00"), 0);
        }
    }
    snprintf(path, sizeof path, "%s/manifest.csv", b->w->dir);
    fclose(fopen(path, "w"));
    assert_int_equal(vt_reg_files_add(files, -1, path, ""), 0);
    return VT_OK;
}

typedef struct {
    int count;
    char seen[512];
} lister;

static vt_error void_it(vt_register *r, const vt_reg_filter *f,
                        const char *reason, const char *date, vt_diags *d)
{
    vt_reg_update u = {.void_reason = reason, .void_date = date};
    return vt_register_update(r, f, &u, d);
}

static int collect(void *ctx, const vt_reg_entry *e)
{
    lister *l = ctx;
    size_t n = strlen(l->seen);
    snprintf(l->seen + n, sizeof l->seen - n, "%s%s[%s]%s", l->count ? " " : "",
             e->ky_hieu, e->files, *e->voided ? "(void)" : "");
    l->count++;
    return 0;
}

static void test_batch_files_list_and_void(void **state)
{
    (void)state;
    writer w = {0};
    char db[128];
    vt_diags d;
    vt_diags_init(&d);
    vt_register *r = fresh(&w, db, sizeof db, &d);
    vt_reg_request q[3];
    for (int i = 0; i < 3; i++)
        q[i] = request(2024, 5, 2);
    q[0].subject = "Giấy mời họp cụm 1";
    q[1].subject = "Giấy mời họp cụm 2";
    q[2].subject = "Kế hoạch KIỂM TRA";
    int numbers[3];
    /* the record step fails (one path twice): nothing stays, files gone */
    batch_writer bw = {&w, 1};
    assert_int_not_equal(vt_register_issue(r, q, 3, write_batch, &bw, numbers, &d), VT_OK);
    char path[160];
    snprintf(path, sizeof path, "%s/b1-0.docx", w.dir);
    assert_int_equal(access(path, F_OK), -1);
    snprintf(path, sizeof path, "%s/manifest.csv", w.dir);
    assert_int_equal(access(path, F_OK), -1);
    bw.dup = 0;
    assert_int_equal(vt_register_issue(r, q, 3, write_batch, &bw, numbers, &d), VT_OK);
    assert_int_equal(numbers[0], 1);
    assert_int_equal(numbers[2], 3);
    snprintf(path, sizeof path, "%s/b2-1.docx", w.dir);
    assert_int_equal(vt_register_file_taken(r, path), 1);
    snprintf(path, sizeof path, "%s/manifest.csv", w.dir);
    assert_int_equal(vt_register_file_taken(r, path), 0);

    /* text search ignores case and marks; files are stored relative */
    lister l = {0};
    vt_reg_filter f = {.year = 2024, .text = "giay moi"};
    assert_int_equal(vt_register_list(r, &f, collect, &l, &d), VT_OK);
    assert_int_equal(l.count, 2);
    assert_string_equal(l.seen, "01/KH-PGDĐT[b1-0.docx\nb1-1.docx] "
                                "02/KH-PGDĐT[b2-0.docx\nb2-1.docx]");
    memset(&l, 0, sizeof l);
    f.text = "kiem tra";
    assert_int_equal(vt_register_list(r, &f, collect, &l, &d), VT_OK);
    assert_int_equal(l.count, 1);

    /* a voided number stays in the register and is never given again */
    vt_reg_filter two = {.year = 2024, .number = 2};
    assert_int_equal(void_it(r, &two, "ký nhầm", "2024-05-03", &d), VT_OK);
    assert_int_equal(void_it(r, &two, "again", "2024-05-03", &d), VT_ERR_USAGE);
    assert_non_null(strstr(d.msgs[d.count - 1], "already void (ký nhầm, 2024-05-03)"));
    vt_reg_filter none = {.year = 2024, .number = 9};
    assert_int_equal(void_it(r, &none, "x", "2024-05-03", &d), VT_ERR_USAGE);
    assert_non_null(strstr(d.msgs[d.count - 1], "no entry số 9/2024"));
    vt_reg_filter all = {.year = 2024};
    memset(&l, 0, sizeof l);
    assert_int_equal(vt_register_list(r, &all, collect, &l, &d), VT_OK);
    assert_int_equal(l.count, 3);
    assert_non_null(strstr(l.seen, "02/KH-PGDĐT[b2-0.docx\nb2-1.docx](void)"));
    int n;
    vt_reg_request next = request(2024, 5, 3);
    assert_int_equal(issue1(r, &next, &w, &n, &d), VT_OK);
    assert_int_equal(n, 4);
    vt_register_close(r);
    vt_diags_free(&d);
}

static void test_series_policy(void **state)
{
    (void)state;
    writer w = {0};
    char db[128];
    vt_diags d;
    vt_diags_init(&d);
    vt_register *r = fresh(&w, db, sizeof db, &d);
    vt_reg_agency a = {.abbr = "PGDĐT", .series_policy = "per-type",
                       .parent = "UBND HUYỆN KIM THÀNH", .book = 2};
    assert_int_equal(vt_register_set_agency(r, &a, &d), VT_OK);
    int n;
    vt_reg_request kh = request(2024, 1, 5);
    vt_reg_request tb = request(2024, 1, 5);
    tb.type_abbr = "TB";
    tb.type_name = "Thông báo";
    vt_reg_request cv = request(2024, 1, 6);
    cv.type_abbr = "";
    assert_int_equal(issue1(r, &kh, &w, &n, &d), VT_OK);
    assert_int_equal(n, 1);
    assert_int_equal(issue1(r, &tb, &w, &n, &d), VT_OK);
    assert_int_equal(n, 1); /* each type its own series */
    assert_int_equal(issue1(r, &kh, &w, &n, &d), VT_OK);
    assert_int_equal(n, 2);
    assert_int_equal(issue1(r, &cv, &w, &n, &d), VT_OK);
    assert_int_equal(n, 1);
    /* back to one series mid-year: the new series would start again at
     * 01/KH-PGDĐT, which is taken; it is refused, never given twice */
    a.series_policy = "shared";
    a.book = 0;
    assert_int_equal(vt_register_set_agency(r, &a, &d), VT_OK);
    vt_reg_request kh2 = request(2024, 1, 7);
    int calls = w.calls;
    assert_int_equal(issue1(r, &kh2, &w, &n, &d), VT_ERR_PLAN);
    assert_int_equal(w.calls, calls);
    assert_non_null(strstr(d.msgs[d.count - 1], "01/KH-PGDĐT of 2024 is already"));
    /* an ambiguous number asks for the ký hiệu */
    vt_reg_filter one = {.year = 2024, .number = 1};
    assert_int_equal(void_it(r, &one, "x", "2024-01-08", &d), VT_ERR_USAGE);
    assert_non_null(strstr(d.msgs[d.count - 1], "give the ký hiệu"));
    vt_reg_filter byk = {.year = 2024, .ky_hieu = "01/TB-PGDĐT"};
    assert_int_equal(void_it(r, &byk, "x", "2024-01-08", &d), VT_OK);
    vt_register_close(r);
    vt_diags_free(&d);
}

static int count_agency(void *ctx, const vt_reg_agency *a)
{
    lister *l = ctx;
    snprintf(l->seen, sizeof l->seen, "%s|%s|%s|%d", a->abbr, a->parent,
             a->series_policy, a->book);
    l->count++;
    return 0;
}

/* A register made by schema 1 (path and sha256 on the entry) is brought
 * forward: its file moves to archive_file, nothing is lost. */
static void test_migration_from_v1(void **state)
{
    (void)state;
    writer w = {0};
    new_dir(&w);
    char db[128];
    snprintf(db, sizeof db, "%s/register.sqlite", w.dir);
    sqlite3 *db3;
    assert_int_equal(sqlite3_open(db, &db3), SQLITE_OK);
    const char *v1 =
        "PRAGMA application_id = 1448366663; PRAGMA user_version = 1;"
        "CREATE TABLE agency (id INTEGER PRIMARY KEY, abbr TEXT NOT NULL "
        "UNIQUE, name TEXT NOT NULL, series_policy TEXT NOT NULL DEFAULT "
        "'shared' CHECK (series_policy IN ('shared', 'per-type')));"
        "CREATE TABLE entry (id INTEGER PRIMARY KEY, agency_id INTEGER NOT "
        "NULL REFERENCES agency(id), year INTEGER NOT NULL, series TEXT NOT "
        "NULL, number INTEGER NOT NULL CHECK (number > 0), ky_hieu TEXT NOT "
        "NULL, date TEXT NOT NULL, type_subject TEXT NOT NULL, signer TEXT "
        "NOT NULL, recipients TEXT NOT NULL, archive_unit TEXT NOT NULL, "
        "copies INTEGER NOT NULL DEFAULT 1, sent_date TEXT, received_by "
        "TEXT, note TEXT, path TEXT, sha256 TEXT, voided TEXT, UNIQUE "
        "(agency_id, year, series, number), UNIQUE (agency_id, year, "
        "series, ky_hieu));"
        "INSERT INTO agency(abbr, name) VALUES ('PGDĐT', 'PHÒNG GIÁO DỤC VÀ ĐÀO TẠO');"
        "INSERT INTO entry(agency_id, year, series, number, ky_hieu, date, "
        "type_subject, signer, recipients, archive_unit, path, sha256) "
        "VALUES (1, 2023, 'chung', 7, '07/KH-PGDĐT', '2023-04-01', "
        "'Kế hoạch: x', 'A', 'B', 'VT', 'archive/2023/07.docx', 'ab');";
    assert_int_equal(sqlite3_exec(db3, v1, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db3);
    vt_diags d;
    vt_diags_init(&d);
    vt_register *r = NULL;
    /* reading an old register asks for a writing command first */
    assert_int_equal(vt_register_open(db, 100, 1, &r, &d), VT_ERR_USAGE);
    assert_non_null(strstr(d.msgs[0], "older schema"));
    assert_int_equal(vt_register_open(db, 100, 0, &r, &d), VT_OK);
    lister l = {0};
    assert_int_equal(vt_register_list(r, NULL, collect, &l, &d), VT_OK);
    assert_string_equal(l.seen, "07/KH-PGDĐT[archive/2023/07.docx]");
    memset(&l, 0, sizeof l);
    assert_int_equal(vt_register_agencies(r, count_agency, &l, &d), VT_OK);
    assert_string_equal(l.seen, "PGDĐT||shared|1");
    int n;
    vt_reg_request q = request(2023, 4, 2);
    assert_int_equal(issue1(r, &q, &w, &n, &d), VT_OK);
    assert_int_equal(n, 8);
    vt_register_close(r);
    /* and now it opens read-only */
    assert_int_equal(vt_register_open(db, 100, 1, &r, &d), VT_OK);
    vt_register_close(r);
    vt_diags_free(&d);
}

/* Runs sql on the register file behind vanthu's back. */
static void sql_on(const char *db, const char *sql)
{
    sqlite3 *db3;
    assert_int_equal(sqlite3_open(db, &db3), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db3, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db3);
}

/* A number at INT_MAX (a file edited by hand) makes the series full, it
 * does not overflow; an explicit number past the maximum is refused. */
static void test_number_limit(void **state)
{
    (void)state;
    writer w = {0};
    char db[128];
    vt_diags d;
    vt_diags_init(&d);
    vt_register *r = fresh(&w, db, sizeof db, &d);
    int n;
    vt_reg_request q = request(2024, 5, 2);
    q.number = VT_REGISTER_MAX_NUMBER;
    assert_int_equal(issue1(r, &q, &w, &n, &d), VT_OK);
    assert_int_equal(n, VT_REGISTER_MAX_NUMBER);
    q.number = 0;
    int calls = w.calls;
    assert_int_equal(issue1(r, &q, &w, &n, &d), VT_ERR_PLAN);
    assert_non_null(strstr(d.msgs[d.count - 1], "số 999999 + 1 is beyond the largest number"));
    q.number = VT_REGISTER_MAX_NUMBER + 1;
    assert_int_equal(issue1(r, &q, &w, &n, &d), VT_ERR_PLAN);
    assert_non_null(strstr(d.msgs[d.count - 1], "số 1000000 is beyond"));
    vt_register_close(r);
    sql_on(db, "UPDATE entry SET number = 2147483647");
    assert_int_equal(vt_register_open(db, 1000, 0, &r, &d), VT_OK);
    q.number = 0;
    assert_int_equal(issue1(r, &q, &w, &n, &d), VT_ERR_PLAN);
    assert_int_equal(w.calls, calls); /* nothing was written */
    /* another year is another series */
    vt_reg_request next = request(2025, 1, 2);
    assert_int_equal(issue1(r, &next, &w, &n, &d), VT_OK);
    assert_int_equal(n, 1);
    vt_register_close(r);
    vt_diags_free(&d);
}

/* Copies the register at from to a new file to, with sql run on it. */
static void altered_copy(const char *from, const char *to, const char *sql)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
    assert_int_equal(system(cmd), 0);
    if (sql)
        sql_on(to, sql);
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Our application id on tables that are not exactly a register's is
 * refused as not a register (VT_ERR_USAGE), for reading and writing,
 * and the file is left as it was. */
static void test_foreign_schema(void **state)
{
    (void)state;
    writer w = {0};
    char db[128], path[160];
    vt_diags d;
    vt_diags_init(&d);
    vt_register *r = fresh(&w, db, sizeof db, &d);
    vt_register_close(r);
    static const char *const changes[] = {
        "CREATE TABLE extra(x)",
        "CREATE INDEX extra ON entry(note)",
        "CREATE VIEW v AS SELECT 1",
        "CREATE TRIGGER t AFTER INSERT ON entry BEGIN SELECT 1; END",
        "DROP TABLE archive_dir",
        "ALTER TABLE entry DROP COLUMN note",
        "ALTER TABLE agency ADD COLUMN x TEXT",
        "PRAGMA user_version = 2",
    };
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        snprintf(path, sizeof path, "%s/changed-%zu.sqlite", w.dir, i);
        altered_copy(db, path, changes[i]);
        long size = file_size(path);
        for (int ro = 0; ro < 2; ro++) {
            size_t before = d.count;
            assert_int_equal(vt_register_open(path, 100, ro, &r, &d), VT_ERR_USAGE);
            assert_null(r);
            assert_int_equal(d.count, before + 1);
            assert_non_null(strstr(d.msgs[before], "its tables are not those of a register"));
        }
        assert_int_equal(file_size(path), size);
    }
    /* a freshly made file with our id and a foreign table, version 0 */
    snprintf(path, sizeof path, "%s/version0.sqlite", w.dir);
    sql_on(path, "PRAGMA application_id = 1448366663; CREATE TABLE agency(x)");
    assert_int_equal(vt_register_open(path, 100, 0, &r, &d), VT_ERR_USAGE);
    /* ANALYZE (a database browser may run it) is not foreign */
    snprintf(path, sizeof path, "%s/analyzed.sqlite", w.dir);
    altered_copy(db, path, "ANALYZE");
    assert_int_equal(vt_register_open(path, 100, 0, &r, &d), VT_OK);
    vt_register_close(r);
    vt_diags_free(&d);
}

static int list_dir(void *ctx, const char *dir)
{
    lister *l = ctx;
    size_t n = strlen(l->seen);
    snprintf(l->seen + n, sizeof l->seen - n, "%s%s", l->count++ ? "|" : "",
             dir);
    return 0;
}

/* Schema 3: the register's own id, and the archive folders it records;
 * a schema-2 register still opens for reading (last year's, on a disc),
 * without id or folders, and is brought forward by a writing open. */
static void test_id_folders_and_schema2(void **state)
{
    (void)state;
    writer w = {0};
    char db[128], sub[160];
    vt_diags d;
    vt_diags_init(&d);
    vt_register *r = fresh(&w, db, sizeof db, &d);
    const char *id = vt_register_id(r);
    assert_int_equal(strlen(id), 32);
    assert_int_equal(strspn(id, "0123456789abcdef"), 32);
    snprintf(sub, sizeof sub, "%s/archive", w.dir);
    assert_int_equal(mkdir(sub, 0777), 0);
    assert_int_equal(vt_register_add_dir(r, sub, &d), VT_OK);
    assert_int_equal(vt_register_add_dir(r, sub, &d), VT_OK); /* once */
    assert_int_equal(vt_register_add_dir(r, "/tmp", &d), VT_OK);
    lister l = {0};
    assert_int_equal(vt_register_archive_dirs(r, list_dir, &l, &d), VT_OK);
    char want[256];
    snprintf(want, sizeof want, "/tmp|%s/archive", w.dir);
    assert_string_equal(l.seen, want);
    assert_int_equal(vt_register_add_dir(r, "/no/such/folder", &d), VT_ERR_IO);
    vt_register_close(r);

    /* the same register as schema 2 left it */
    sql_on(db, "DROP TABLE meta; DROP TABLE archive_dir; DROP TABLE users; "
              "DROP TABLE audit; PRAGMA user_version = 2");
    assert_int_equal(vt_register_open(db, 100, 1, &r, &d), VT_OK);
    assert_string_equal(vt_register_id(r), "");
    memset(&l, 0, sizeof l);
    assert_int_equal(vt_register_archive_dirs(r, list_dir, &l, &d), VT_OK);
    assert_int_equal(l.count, 0);
    vt_register_close(r);
    assert_int_equal(vt_register_open(db, 100, 0, &r, &d), VT_OK);
    assert_int_equal(strlen(vt_register_id(r)), 32);
    assert_string_not_equal(vt_register_id(r), want);
    vt_register_close(r);
    vt_diags_free(&d);
}

/* The book's CSV guard: a cell a spreadsheet could run as a formula gets
 * an apostrophe, whatever blanks come first; other cells are as given. */
static void test_csv_guard(void **state)
{
    (void)state;
    static const char *const guarded[] = {
        "=1+1", "+1", "-2", "@SUM(A1)", "\t=1", "\tx", "\rx", "  =1",
        "\xE3\x80\x80=1",          /* U+3000 ideographic space */
        "\xC2\xA0-1",              /* no-break space */
        "\xE2\x80\x83@x",          /* em space */
        "\xE2\x80\x8B\xE2\x80\xAE=1", /* zero-width space, RLO */
        "\xEF\xBB\xBF+1",          /* BOM */
        "\xEF\xBC\x9D" "1",        /* full-width = */
    };
    static const char *const plain[] = {"", "01/KH-PGDĐT", "a=1", " x",
                                        "\xE3\x80\x80x", "Đ-1", "\xC2"};
    vt_buf b;
    vt_buf_init(&b);
    for (size_t i = 0; i < sizeof guarded / sizeof *guarded; i++) {
        vt_buf_reset(&b);
        vt_buf_csv_cell(&b, guarded[i], 0);
        assert_true(b.len >= 2 && memcmp(b.data, "\"'", 2) == 0);
    }
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++) {
        vt_buf_reset(&b);
        vt_buf_csv_cell(&b, plain[i], 1);
        assert_true(b.len >= 1 && b.data[0] == '"' &&
                    (b.len < 2 || b.data[1] != '\''));
    }
    vt_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_years_and_backdating),
        cmocka_unit_test(test_not_a_register),
        cmocka_unit_test(test_batch_files_list_and_void),
        cmocka_unit_test(test_series_policy),
        cmocka_unit_test(test_migration_from_v1),
        cmocka_unit_test(test_number_limit),
        cmocka_unit_test(test_foreign_schema),
        cmocka_unit_test(test_id_folders_and_schema2),
        cmocka_unit_test(test_csv_guard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
