/*
 * register.c - the register of outgoing documents in SQLite.
 *
 * One file, WAL journal (readers never block the clerk issuing a number),
 * foreign keys on, schema versioned by PRAGMA user_version and migrated
 * forward one step at a time.  A number is allocated with BEGIN IMMEDIATE,
 * which takes the write lock before reading the last number, so two
 * processes can never read the same "last" and hand out one number twice.
 * The application_id marks the file as a vanthu register, so a stray
 * SQLite file is refused rather than altered.
 */
#include "register.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "vn_text.h"

/* "VTRG" */
#define VT_REGISTER_APP_ID 0x56545247

struct vt_register {
    sqlite3 *db;
    char *path;
};

/* Each step takes the schema from version i to i + 1. */
static const char *const migrations[] = {
    /* 1: agencies with their series policy, and the entries with the ten
     * columns of Phụ lục IV plus the archived file */
    "CREATE TABLE agency ("
    "  id INTEGER PRIMARY KEY,"
    "  abbr TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL,"
    "  series_policy TEXT NOT NULL DEFAULT 'shared'"
    "    CHECK (series_policy IN ('shared', 'per-type')));"
    "CREATE TABLE entry ("
    "  id INTEGER PRIMARY KEY,"
    "  agency_id INTEGER NOT NULL REFERENCES agency(id),"
    "  year INTEGER NOT NULL,"
    "  series TEXT NOT NULL,"
    "  number INTEGER NOT NULL CHECK (number > 0),"
    "  ky_hieu TEXT NOT NULL,"
    "  date TEXT NOT NULL,"
    "  type_subject TEXT NOT NULL,"
    "  signer TEXT NOT NULL,"
    "  recipients TEXT NOT NULL,"
    "  archive_unit TEXT NOT NULL,"
    "  copies INTEGER NOT NULL DEFAULT 1,"
    "  sent_date TEXT,"
    "  received_by TEXT,"
    "  note TEXT,"
    "  path TEXT,"
    "  sha256 TEXT,"
    "  voided TEXT,"
    "  UNIQUE (agency_id, year, series, number),"
    "  UNIQUE (agency_id, year, series, ky_hieu));",
};

int vt_register_schema_version(void)
{
    return (int)(sizeof migrations / sizeof migrations[0]);
}

static vt_error db_fail(vt_register *r, vt_diags *d, const char *what)
{
    int code = sqlite3_extended_errcode(r->db);
    vt_diags_addf(d, "%s: %s: %s", r->path, what, sqlite3_errmsg(r->db));
    if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
        vt_diags_addf(d, "%s: the register stayed locked by another process "
                         "past the timeout; nothing was changed",
                      r->path);
    return VT_ERR_IO;
}

static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

/* Check the file is ours (or new), then bring the schema up to date in
 * one transaction. */
static vt_error migrate(vt_register *r, vt_diags *d)
{
    int app = 0, version = 0, tables = 0;
    if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(r, d, "cannot open the register");
    vt_error rc = VT_OK;
    if (pragma_int(r->db, "PRAGMA application_id", &app) != 0 ||
        pragma_int(r->db, "PRAGMA user_version", &version) != 0 ||
        pragma_int(r->db, "SELECT count(*) FROM sqlite_schema", &tables) != 0) {
        rc = db_fail(r, d, "cannot read the register");
        goto rollback;
    }
    if ((app != VT_REGISTER_APP_ID && (tables > 0 || version > 0)) ||
        version > vt_register_schema_version()) {
        vt_diags_addf(d, app != VT_REGISTER_APP_ID
                             ? "%s: not a vanthu register (an SQLite file "
                               "with other data); nothing was changed"
                             : "%s: the register was written by a newer "
                               "vanthu (schema %d); nothing was changed",
                      r->path, version);
        rc = VT_ERR_USAGE;
        goto rollback;
    }
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d",
             VT_REGISTER_APP_ID, vt_register_schema_version());
    for (int v = version; v < vt_register_schema_version(); v++)
        if (sqlite3_exec(r->db, migrations[v], NULL, NULL, NULL) != SQLITE_OK)
            goto failed;
    if (sqlite3_exec(r->db, sql, NULL, NULL, NULL) == SQLITE_OK &&
        sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
        return VT_OK;
failed:
    rc = db_fail(r, d, "cannot update the register's schema");
rollback:
    sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

vt_error vt_register_open(const char *path, int busy_ms, vt_register **out,
                          vt_diags *d)
{
    *out = NULL;
    vt_register *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        return VT_ERR_NOMEM;
    }
    vt_error rc = VT_OK;
    if (sqlite3_open_v2(path, &r->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                            SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        rc = db_fail(r, d, "cannot open the register");
        goto fail;
    }
    sqlite3_busy_timeout(r->db, busy_ms);
    sqlite3_extended_result_codes(r->db, 1);
    if (sqlite3_exec(r->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) !=
        SQLITE_OK) {
        rc = db_fail(r, d, "cannot open the register");
        goto fail;
    }
    char *mode = NULL;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) ==
        SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            mode = strdup((const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    int notadb = (sqlite3_extended_errcode(r->db) & 0xff) == SQLITE_NOTADB;
    if (!mode || strcmp(mode, "wal") != 0) {
        free(mode);
        if (notadb) {
            vt_diags_addf(d, "%s: not a vanthu register (not an SQLite "
                             "file); nothing was changed",
                          path);
            rc = VT_ERR_USAGE;
        } else {
            rc = db_fail(r, d, "cannot open the register for writing");
        }
        goto fail;
    }
    free(mode);
    rc = migrate(r, d);
    if (rc != VT_OK)
        goto fail;
    *out = r;
    return VT_OK;
fail:
    vt_register_close(r);
    return rc;
}

void vt_register_close(vt_register *r)
{
    if (!r)
        return;
    sqlite3_close(r->db);
    free(r->path);
    free(r);
}

static sqlite3_int64 agency_id(vt_register *r, const vt_reg_request *q,
                               char *policy, size_t policy_len)
{
    sqlite3_stmt *st;
    sqlite3_int64 id = -1;
    if (sqlite3_prepare_v2(r->db,
                           "INSERT INTO agency(abbr, name) VALUES (?1, ?2) "
                           "ON CONFLICT(abbr) DO NOTHING",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, q->agency_abbr, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, q->agency_name, -1, SQLITE_STATIC);
    int ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    if (!ok || sqlite3_prepare_v2(r->db,
                                  "SELECT id, series_policy FROM agency "
                                  "WHERE abbr = ?1",
                                  -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, q->agency_abbr, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        snprintf(policy, policy_len, "%s", sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    return id;
}

/* A statement about one series: ?1 agency, ?2 year, ?3 series. */
static sqlite3_stmt *series_stmt(vt_register *r, const char *sql,
                                 sqlite3_int64 agency, int year,
                                 const char *series)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(st, 1, agency);
    sqlite3_bind_int(st, 2, year);
    sqlite3_bind_text(st, 3, series, -1, SQLITE_STATIC);
    return st;
}

/* The last number and date in the series, 0 and "" if none. */
static int series_last(vt_register *r, sqlite3_int64 agency, int year,
                       const char *series, char *date, size_t date_len)
{
    int last = -1;
    date[0] = '\0';
    sqlite3_stmt *st = series_stmt(r,
                                   "SELECT number, date FROM entry WHERE "
                                   "agency_id = ?1 AND year = ?2 AND series = "
                                   "?3 ORDER BY number DESC LIMIT 1",
                                   agency, year, series);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        last = sqlite3_column_int(st, 0);
        snprintf(date, date_len, "%s", sqlite3_column_text(st, 1));
    } else if (rc == SQLITE_DONE) {
        last = 0;
    }
    sqlite3_finalize(st);
    return last;
}

static int number_taken(vt_register *r, sqlite3_int64 agency, int year,
                        const char *series, int number)
{
    sqlite3_stmt *st = series_stmt(r,
                                   "SELECT 1 FROM entry WHERE agency_id = ?1 "
                                   "AND year = ?2 AND series = ?3 AND "
                                   "number = ?4",
                                   agency, year, series);
    if (!st)
        return -1;
    sqlite3_bind_int(st, 4, number);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int insert_entry(vt_register *r, sqlite3_int64 agency,
                        const vt_reg_request *q, const char *series,
                        int number, const char *ky_hieu, const char *date,
                        const char *path, const char *sha)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(
            r->db,
            "INSERT INTO entry(agency_id, year, series, number, ky_hieu, "
            "date, type_subject, signer, recipients, archive_unit, copies, "
            "path, sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
            "?11, ?12, ?13)",
            -1, &st, NULL) != SQLITE_OK)
        return -1;
    char subject[4096];
    snprintf(subject, sizeof subject, "%s: %s", q->type_name,
             q->subject ? q->subject : "");
    sqlite3_bind_int64(st, 1, agency);
    sqlite3_bind_int(st, 2, q->year);
    sqlite3_bind_text(st, 3, series, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, number);
    sqlite3_bind_text(st, 5, ky_hieu, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, date, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, q->signer ? q->signer : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, q->recipients ? q->recipients : "", -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, 10, q->archive_unit ? q->archive_unit : "", -1,
                      SQLITE_STATIC);
    sqlite3_bind_int(st, 11, q->copies > 0 ? q->copies : 1);
    sqlite3_bind_text(st, 12, path, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 13, sha, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Secret documents have their own series (ND30 3.4); otherwise the
 * agency's policy decides between one shared series and one per type. */
static const char *series_of(const vt_reg_request *q, const char *policy)
{
    if (q->secret)
        return "mat";
    if (strcmp(policy, "per-type") == 0)
        return q->type_abbr && *q->type_abbr ? q->type_abbr : "CV";
    return "chung";
}

vt_error vt_register_issue(vt_register *r, const vt_reg_request *q,
                           vt_reg_write_fn write, void *ctx, int *number,
                           vt_diags *d)
{
    char date[16], last_date[32], policy[32] = "shared";
    snprintf(date, sizeof date, "%04d-%02d-%02d", q->year, q->month, q->day);
    if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(r, d, "cannot take a number");
    vt_error rc = VT_OK;
    char *path = NULL;
    char sha[65] = "";
    vt_buf kh;
    vt_buf_init(&kh);
    sqlite3_int64 agency = agency_id(r, q, policy, sizeof policy);
    const char *series = series_of(q, policy);
    int last = agency < 0 ? -1
                          : series_last(r, agency, q->year, series, last_date,
                                        sizeof last_date);
    if (last < 0) {
        rc = db_fail(r, d, "cannot read the register");
        goto rollback;
    }
    if (!q->allow_backdate && last_date[0] && strcmp(date, last_date) < 0) {
        vt_diags_addf(d, "%s: the date %s is earlier than the last document "
                         "in this series (số %d, %s); give --allow-backdate "
                         "if that is intended",
                      r->path, date, last, last_date);
        rc = VT_ERR_USAGE;
        goto rollback;
    }
    int n = q->number ? q->number : last + 1;
    if (q->number) {
        int taken = number_taken(r, agency, q->year, series, q->number);
        if (taken != 0) {
            if (taken < 0)
                rc = db_fail(r, d, "cannot read the register");
            else {
                vt_diags_addf(d, "%s: số %d of %d is already in the register; "
                                 "a number is never given twice",
                              r->path, q->number, q->year);
                rc = VT_ERR_PLAN;
            }
            goto rollback;
        }
    }
    vt_ky_hieu(n, q->type_abbr, q->agency_abbr, q->unit, &kh);
    if (kh.oom) {
        rc = VT_ERR_NOMEM;
        goto rollback;
    }
    rc = write(ctx, n, &path, sha, d);
    if (rc != VT_OK)
        goto rollback;
    if (insert_entry(r, agency, q, series, n, kh.data, date, path, sha) != 0) {
        rc = db_fail(r, d, "cannot record the document");
        goto rollback;
    }
    if (sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        rc = db_fail(r, d, "cannot record the document");
        goto rollback;
    }
    *number = n;
    free(path);
    vt_buf_free(&kh);
    return VT_OK;
rollback:
    sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
    if (path)
        unlink(path); /* no entry, so no file: the number was never given */
    free(path);
    vt_buf_free(&kh);
    return rc;
}
