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
#include "register/register.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/buf.h"
#include "doc/docx.h"
#include "base/vn_text.h"

/* "VTRG" */
#define VT_REGISTER_APP_ID 0x56545247

struct vt_register {
    sqlite3 *db;
    char *path;
    char *dir; /* the register's folder, resolved: archive paths under it
                  are stored relative to it, so the folder can be moved */
    int busy_ms;
    int version; /* the schema version of the file as opened */
    char id[40]; /* the register's random id; "" before schema 3 */
};

/* Each step takes the schema from version i to i + 1.  A step is never
 * edited once released: a register made by an older vanthu is brought
 * forward by running the steps it has not had. */
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
    /* 2: a giấy mời sent per school has several files under one number,
     * so archived files get their own table; the cover page needs the
     * parent agency and the book number; a ký hiệu is unique in its year
     * across series (ND30 3.4), which a change of series policy mid-year
     * would otherwise allow twice; voiding records its date; the
     * document type is kept for filtering */
    "ALTER TABLE agency ADD COLUMN parent TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE agency ADD COLUMN book INTEGER NOT NULL DEFAULT 1;"
    "ALTER TABLE entry ADD COLUMN type_slug TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE entry ADD COLUMN voided_on TEXT;"
    "CREATE TABLE archive_file ("
    "  id INTEGER PRIMARY KEY,"
    "  entry_id INTEGER NOT NULL REFERENCES entry(id),"
    "  path TEXT NOT NULL UNIQUE,"
    "  sha256 TEXT NOT NULL);"
    "INSERT INTO archive_file(entry_id, path, sha256)"
    "  SELECT id, path, coalesce(sha256, '') FROM entry"
    "  WHERE path IS NOT NULL AND path <> '';"
    "ALTER TABLE entry DROP COLUMN path;"
    "ALTER TABLE entry DROP COLUMN sha256;"
    "CREATE INDEX archive_file_entry ON archive_file(entry_id);"
    "CREATE UNIQUE INDEX entry_ky_hieu"
    "  ON entry(agency_id, year, series = 'mat', ky_hieu);",
    /* 3: the register's own random id, which the marker file of each
     * archive folder names, so that a second register never writes into
     * (and replaces the files of) the first one's folder; and the archive
     * folders in use, so that verify can find files no entry owns */
    "CREATE TABLE meta ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL);"
    "INSERT INTO meta(key, value) VALUES ('id', lower(hex(randomblob(16))));"
    "CREATE TABLE archive_dir ("
    "  id INTEGER PRIMARY KEY,"
    "  path TEXT NOT NULL UNIQUE);",
    /* 4: the web desk's accounts and its audit trail live with the
     * register, so one backup keeps the numbers, who may give them and
     * who gave them (src/register/accounts.c) */
    "CREATE TABLE users ("
    "  name TEXT PRIMARY KEY,"
    "  role TEXT NOT NULL CHECK (role IN ('van-thu', 'chuyen-vien')),"
    "  hash TEXT NOT NULL,"
    "  created TEXT NOT NULL);"
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY,"
    "  at TEXT NOT NULL,"
    "  user TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  detail TEXT NOT NULL DEFAULT '');",
};

/* The oldest schema the reading commands understand without a migration:
 * a register on read-only media (last year's, burnt to a disc) cannot be
 * brought forward, and version 2 has every column they show. */
enum { MIN_READ_VERSION = 2 };

int vt_register_schema_version(void)
{
    return (int)(sizeof migrations / sizeof migrations[0]);
}

const char *vt_register_dir(const vt_register *r)
{
    return r->dir;
}

/* The connection, for the accounts of the same SQLite backend
 * (accounts.c) only. */
struct sqlite3 *vt_register_sqlite(vt_register *r)
{
    return r->db;
}

static vt_error db_fail(vt_register *r, vt_diags *d, const char *what)
{
    int code = sqlite3_extended_errcode(r->db) & 0xff;
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
        vt_diags_addf(d, "%s: %s: the register stayed locked by another "
                         "process past the timeout (--wait); nothing was "
                         "changed",
                      r->path, what);
    } else if (code == SQLITE_READONLY || code == SQLITE_CANTOPEN ||
               code == SQLITE_PERM) {
        vt_diags_addf(d, "%s: %s: the register (or its folder, where the "
                         "journal lives) is read-only; nothing was changed",
                      r->path, what);
    } else {
        vt_diags_addf(d, "%s: %s: %s", r->path, what, sqlite3_errmsg(r->db));
    }
    return VT_ERR_IO;
}

/* The shape of a database as one text: every object (table, index,
 * trigger, view) with its table, and every table's columns with their
 * type, constraints and default.  sqlite_stat tables (ANALYZE, run by a
 * database browser) are not part of it. */
static char *schema_text(sqlite3 *db)
{
    static const char sql[] =
        "SELECT m.type || ' ' || m.name || ' ' || m.tbl_name || "
        "  CASE m.type WHEN 'table' THEN coalesce((SELECT group_concat(c, "
        "  ';') FROM (SELECT p.name || ' ' || p.type || ' ' || p.\"notnull\" "
        "  || ' ' || p.pk || ' ' || coalesce(p.dflt_value, '') AS c FROM "
        "  pragma_table_info(m.name) p ORDER BY p.cid)), '') ELSE '' END "
        "FROM sqlite_schema m WHERE m.name NOT LIKE 'sqlite_stat%' "
        "ORDER BY m.type, m.name";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    vt_buf b;
    vt_buf_init(&b);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        vt_buf_printf(&b, "%s\n", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    vt_buf_putc(&b, '\0');
    if (rc != SQLITE_DONE || b.oom) {
        vt_buf_free(&b);
        return NULL;
    }
    return vt_buf_take(&b);
}

/* The shape a register of schema version has: the migrations up to it
 * run on an empty database in memory, so the check can never disagree
 * with the steps themselves. */
static char *expected_schema(int version)
{
    sqlite3 *mem = NULL;
    char *text = NULL;
    int ok = sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE, NULL) ==
             SQLITE_OK;
    for (int v = 0; ok && v < version; v++)
        ok = sqlite3_exec(mem, migrations[v], NULL, NULL, NULL) == SQLITE_OK;
    if (ok)
        text = schema_text(mem);
    sqlite3_close(mem);
    return text;
}

/* 1 if the register's tables are exactly those of its version: a file
 * with our application_id but other tables (or extra ones) would fail in
 * the middle of an issue, after the archive folder was made. */
static int schema_matches(vt_register *r, int version, int *failed)
{
    char *have = schema_text(r->db);
    char *want = have ? expected_schema(version) : NULL;
    *failed = !have || !want;
    int same = have && want && strcmp(have, want) == 0;
    free(have);
    free(want);
    return same;
}

/* The register's id (schema 3 on), for the archive folders' marker. */
static int read_id(vt_register *r)
{
    r->id[0] = '\0';
    if (r->version < 3)
        return 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db, "SELECT value FROM meta WHERE key = 'id'",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        snprintf(r->id, sizeof r->id, "%s", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* The file is ours when it carries our application_id and exactly our
 * tables, or is empty.  Called inside a transaction (or with one taken
 * here), so the version and the tables are read from one snapshot: read
 * separately, they could straddle another process's first migration and
 * look foreign. */
static vt_error check_identity(vt_register *r, int read_only, int *version,
                               vt_diags *d)
{
    int app = 0, tables = 0, own_txn = sqlite3_get_autocommit(r->db);
    sqlite3_stmt *st = NULL;
    if (own_txn)
        sqlite3_exec(r->db, "BEGIN", NULL, NULL, NULL);
    int rc = sqlite3_prepare_v2(r->db,
                                "SELECT (SELECT application_id FROM "
                                "pragma_application_id), (SELECT user_version "
                                "FROM pragma_user_version), (SELECT count(*) "
                                "FROM sqlite_schema)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        app = sqlite3_column_int(st, 0);
        *version = sqlite3_column_int(st, 1);
        tables = sqlite3_column_int(st, 2);
    }
    sqlite3_finalize(st);
    const char *why = NULL;
    int failed = 0;
    if (rc != SQLITE_ROW) {
        failed = 1;
    } else if (app != VT_REGISTER_APP_ID && (tables > 0 || *version > 0)) {
        why = "not a vanthu register (an SQLite file with other data)";
    } else if (*version > vt_register_schema_version()) {
        why = "the register was written by a newer vanthu";
    } else if ((tables > 0 || *version > 0) &&
               !schema_matches(r, *version, &failed) && !failed) {
        why = "not a vanthu register (it has vanthu's application id, but "
              "its tables are not those of a register)";
    } else if (!failed && read_only && *version < MIN_READ_VERSION) {
        why = tables ? "the register has an older schema; any writing "
                       "command (issue, void) brings it up to date"
                     : "no register here yet; \"vanthu issue\" creates it";
    }
    r->version = *version;
    if (!why && !failed && read_id(r) != 0)
        failed = 1;
    vt_error result = VT_OK;
    if (failed && (sqlite3_extended_errcode(r->db) & 0xff) == SQLITE_NOTADB) {
        vt_diags_addf(d, "%s: not a vanthu register (not an SQLite "
                         "file); nothing was changed",
                      r->path);
        result = VT_ERR_USAGE;
    } else if (failed) {
        result = db_fail(r, d, "cannot read the register");
    } else if (why) {
        vt_diags_addf(d, "%s: %s; nothing was changed", r->path, why);
        result = VT_ERR_USAGE;
    }
    if (own_txn)
        sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
    return result;
}

/* Bring the schema up to date in one transaction. */
static vt_error migrate(vt_register *r, vt_diags *d)
{
    int version = 0;
    if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(r, d, "cannot open the register");
    vt_error rc = check_identity(r, 0, &version, d);
    if (rc != VT_OK || version == vt_register_schema_version())
        goto rollback;
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d",
             VT_REGISTER_APP_ID, vt_register_schema_version());
    for (int v = version; v < vt_register_schema_version(); v++)
        if (sqlite3_exec(r->db, migrations[v], NULL, NULL, NULL) != SQLITE_OK)
            goto failed;
    if (sqlite3_exec(r->db, sql, NULL, NULL, NULL) == SQLITE_OK &&
        sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) {
        r->version = vt_register_schema_version();
        return read_id(r) == 0 ? VT_OK : db_fail(r, d, "cannot read the register");
    }
failed:
    rc = db_fail(r, d, "cannot update the register's schema");
rollback:
    sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* vt_fold(text): the search form of text (vt_text_fold), so that a filter
 * finds "Kế hoạch" when the clerk types "ke hoach". */
static void sql_fold(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const unsigned char *s = sqlite3_value_text(argv[0]);
    if (!s) {
        sqlite3_result_null(ctx);
        return;
    }
    vt_buf b;
    vt_buf_init(&b);
    vt_text_fold((const char *)s, &b);
    vt_buf_putc(&b, '\0');
    if (b.oom)
        sqlite3_result_error_nomem(ctx);
    else
        sqlite3_result_text(ctx, b.data, (int)b.len - 1, SQLITE_TRANSIENT);
    vt_buf_free(&b);
}

/* "file:" and path with every byte a URI could misread escaped. */
static char *file_uri(const char *path, const char *query)
{
    vt_buf b;
    vt_buf_init(&b);
    vt_buf_puts(&b, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9') || strchr("/._-~", *p))
            vt_buf_putc(&b, (char)*p);
        else
            vt_buf_printf(&b, "%%%02X", *p);
    }
    vt_buf_puts(&b, query);
    vt_buf_putc(&b, '\0');
    if (b.oom) {
        vt_buf_free(&b);
        return NULL;
    }
    return vt_buf_take(&b);
}

/* A register in WAL mode is read through its -shm file, which SQLite
 * must be able to create beside it; on read-only media (last year's
 * register burnt to a disc) it cannot, and the file is opened as
 * immutable instead: nobody can be writing it there.  A -wal file with
 * entries not yet copied into the register would be ignored that way,
 * so it is refused with what to do. */
static vt_error open_immutable(vt_register *r, vt_diags *d)
{
    char *wal = NULL;
    struct stat st;
    if (asprintf(&wal, "%s-wal", r->path) < 0)
        return VT_ERR_NOMEM;
    int pending = stat(wal, &st) == 0 && st.st_size > 0;
    free(wal);
    if (pending) {
        vt_diags_addf(d, "%s: the register is on read-only media and its "
                         "journal (%s-wal) holds entries not yet written "
                         "into it: copy both files to a writable folder and "
                         "read the copy",
                      r->path, r->path);
        return VT_ERR_IO;
    }
    char *uri = file_uri(r->path, "?immutable=1");
    if (!uri)
        return VT_ERR_NOMEM;
    sqlite3_close(r->db);
    r->db = NULL;
    int rc = sqlite3_open_v2(uri, &r->db,
                             SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
                                 SQLITE_OPEN_NOMUTEX,
                             NULL);
    free(uri);
    return rc == SQLITE_OK ? VT_OK : db_fail(r, d, "cannot open the register");
}

/* 1 if reading failed only because SQLite could not set up its shared
 * memory beside a read-only register. */
static int needs_immutable(vt_register *r)
{
    int rc = sqlite3_exec(r->db, "SELECT count(*) FROM sqlite_schema", NULL,
                          NULL, NULL);
    int code = rc & 0xff;
    return (code == SQLITE_CANTOPEN || code == SQLITE_READONLY ||
            code == SQLITE_PERM) &&
           access(r->path, R_OK) == 0;
}

static vt_error open_db(vt_register *r, int read_only, int busy_ms,
                        vt_diags *d)
{
    int flags = SQLITE_OPEN_NOMUTEX |
                (read_only ? SQLITE_OPEN_READONLY
                           : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (sqlite3_open_v2(r->path, &r->db, flags, NULL) != SQLITE_OK) {
        if (read_only && access(r->path, F_OK) != 0) {
            vt_diags_addf(d, "%s: no register here yet; \"vanthu issue\" "
                             "creates it",
                          r->path);
            return VT_ERR_USAGE;
        }
        return db_fail(r, d, "cannot open the register");
    }
    sqlite3_extended_result_codes(r->db, 1);
    if (read_only && needs_immutable(r)) {
        vt_error rc = open_immutable(r, d);
        if (rc != VT_OK)
            return rc;
        sqlite3_extended_result_codes(r->db, 1);
    }
    sqlite3_busy_timeout(r->db, busy_ms);
    r->busy_ms = busy_ms;
    if (!read_only && sqlite3_db_readonly(r->db, "main") == 1) {
        vt_diags_addf(d, "%s: the register is read-only (file permissions "
                         "or read-only media); nothing was changed",
                      r->path);
        return VT_ERR_IO;
    }
    if (sqlite3_exec(r->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) !=
            SQLITE_OK ||
        sqlite3_create_function_v2(r->db, "vt_fold", 1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                   sql_fold, NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(r, d, "cannot open the register");
    return VT_OK;
}

/* WAL lets list and export read while a clerk issues; the check that the
 * mode took also tells a file that is not a database (SQLITE_NOTADB). */
static vt_error set_wal(vt_register *r, vt_diags *d)
{
    char mode[16] = "";
    /* the switch needs the file to itself and SQLite does not call the
     * busy handler for it: while another process creates the register,
     * retry within the wait the clerk allowed */
    for (int waited = 0;; waited += 10) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(r->db, "PRAGMA journal_mode = WAL", -1, &st,
                               NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW)
                snprintf(mode, sizeof mode, "%s", sqlite3_column_text(st, 0));
            sqlite3_finalize(st);
        }
        if (strcmp(mode, "wal") == 0)
            return VT_OK;
        if ((sqlite3_extended_errcode(r->db) & 0xff) != SQLITE_BUSY ||
            waited >= r->busy_ms)
            break;
        sqlite3_sleep(10);
    }
    if ((sqlite3_extended_errcode(r->db) & 0xff) == SQLITE_NOTADB) {
        vt_diags_addf(d, "%s: not a vanthu register (not an SQLite file); "
                         "nothing was changed",
                      r->path);
        return VT_ERR_USAGE;
    }
    return db_fail(r, d, "cannot open the register for writing");
}

vt_error vt_register_open(const char *path, int busy_ms, int read_only,
                          vt_register **out, vt_diags *d)
{
    *out = NULL;
    vt_register *r = calloc(1, sizeof *r);
    char *dir = vt_path_dir(path);
    if (!r || !dir || !(r->path = strdup(path))) {
        free(dir);
        free(r);
        return VT_ERR_NOMEM;
    }
    r->dir = realpath(dir, NULL);
    free(dir);
    if (!r->dir) {
        vt_diags_addf(d, "%s: the register's folder does not exist", path);
        vt_register_close(r);
        return VT_ERR_IO;
    }
    /* the identity is checked before anything is set: switching another
     * program's database to WAL would already change its header */
    int version = 0;
    vt_error rc = open_db(r, read_only, busy_ms, d);
    if (rc == VT_OK)
        rc = check_identity(r, read_only, &version, d);
    if (rc == VT_OK && !read_only)
        rc = set_wal(r, d);
    if (rc == VT_OK && !read_only)
        rc = migrate(r, d);
    if (rc != VT_OK) {
        vt_register_close(r);
        return rc;
    }
    *out = r;
    return VT_OK;
}

void vt_register_close(vt_register *r)
{
    if (!r)
        return;
    sqlite3_close(r->db);
    free(r->path);
    free(r->dir);
    free(r);
}

int vt_reg_files_add(vt_reg_files *f, int request, const char *path,
                     const char *sha256)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 8;
        vt_reg_file *v = realloc(f->v, cap * sizeof *v);
        if (!v)
            return -1;
        f->v = v;
        f->cap = cap;
    }
    vt_reg_file *x = &f->v[f->n];
    if (!(x->path = strdup(path)))
        return -1;
    x->request = request;
    snprintf(x->sha256, sizeof x->sha256, "%s", sha256 ? sha256 : "");
    f->n++;
    return 0;
}

void vt_reg_files_free(vt_reg_files *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->v[i].path);
    free(f->v);
    memset(f, 0, sizeof *f);
}

static int exec_text(vt_register *r, const char *sql, int n, ...);

/* How a resolved folder is stored: relative to the register's folder
 * when it lies inside it ("" for that folder itself), else absolute. */
static const char *relative_dir(const vt_register *r, const char *real)
{
    size_t n = strlen(r->dir);
    if (strcmp(real, r->dir) == 0)
        return "";
    if (strncmp(real, r->dir, n) == 0 && (real[n] == '/' || n == 1))
        return real + n + (n > 1);
    return real;
}

/* How path is stored: relative to the register's folder when it lies
 * inside it, else absolute.  The file need not exist, its folder must. */
static char *stored_path(const vt_register *r, const char *path)
{
    char *dir = vt_path_dir(path);
    char *real = dir ? realpath(dir, NULL) : NULL;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char *out = NULL;
    if (real) {
        const char *rel = relative_dir(r, real);
        if (asprintf(&out, "%s%s%s", rel, *rel ? "/" : "", base) < 0)
            out = NULL;
    }
    free(dir);
    free(real);
    return out;
}

const char *vt_register_id(const vt_register *r)
{
    return r->id;
}

vt_error vt_register_add_dir(vt_register *r, const char *dir, vt_diags *d)
{
    char *real = realpath(dir, NULL);
    if (!real) {
        vt_diags_addf(d, "%s: cannot open the archive folder: %s", dir,
                      strerror(errno));
        return VT_ERR_IO;
    }
    const char *rel = *relative_dir(r, real) ? relative_dir(r, real) : ".";
    vt_error rc = VT_OK;
    /* known already (every issue but a folder's first): no write */
    sqlite3_stmt *st;
    int known = 0;
    if (sqlite3_prepare_v2(r->db, "SELECT 1 FROM archive_dir WHERE path = ?1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, rel, -1, SQLITE_STATIC);
        known = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
    }
    /* committed on its own, before the issue's transaction: a file left
     * by an issue killed before its commit is then still in a folder
     * verify looks at */
    if (!known &&
        (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
         exec_text(r, "INSERT INTO archive_dir(path) VALUES (?1) ON "
                      "CONFLICT(path) DO NOTHING",
                   1, rel) != 0 ||
         sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)) {
        rc = db_fail(r, d, "cannot record the archive folder");
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
    }
    free(real);
    return rc;
}

void vt_register_forget_dir(vt_register *r, const char *dir)
{
    char *real = realpath(dir, NULL);
    if (!real)
        return;
    const char *rel = relative_dir(r, real);
    exec_text(r, "DELETE FROM archive_dir WHERE path = ?1", 1,
              *rel ? rel : ".");
    free(real);
}

vt_error vt_register_archive_dirs(vt_register *r, vt_reg_dir_fn fn,
                                  void *ctx, vt_diags *d)
{
    if (r->version < 3)
        return VT_OK; /* older registers recorded no folders */
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db, "SELECT path FROM archive_dir ORDER BY path",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(r, d, "cannot read the register");
    vt_error rc = VT_OK;
    int step = SQLITE_DONE;
    while (rc == VT_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *p = (const char *)sqlite3_column_text(st, 0);
        char *full = NULL;
        if (!p || (p[0] == '/' ? !(full = strdup(p))
                               : asprintf(&full, "%s/%s", r->dir, p) < 0)) {
            rc = VT_ERR_NOMEM;
            break;
        }
        if (fn(ctx, full) != 0)
            rc = VT_ERR_USAGE;
        free(full);
    }
    if (rc == VT_OK && step != SQLITE_DONE)
        rc = db_fail(r, d, "cannot read the register");
    sqlite3_finalize(st);
    return rc;
}

const char *vt_register_protected(vt_register *r, const char *path)
{
    static const char *const own[] = {"", "-wal", "-shm", "-journal"};
    const char *base = strrchr(path, '/');
    if (strcmp(base ? base + 1 : path, VT_REGISTER_MARKER) == 0)
        return "the marker of an archive folder";
    char *mine = stored_path(r, r->path), *it = stored_path(r, path);
    const char *why = NULL;
    size_t n = mine ? strlen(mine) : 0;
    for (size_t i = 0; mine && it && !why && i < sizeof own / sizeof *own; i++)
        if (strncmp(it, mine, n) == 0 && strcmp(it + n, own[i]) == 0)
            why = "the register itself, or its journal";
    free(mine);
    free(it);
    if (!why && vt_register_file_taken(r, path) > 0)
        why = "an archived document of the register";
    return why;
}

int vt_register_file_taken(vt_register *r, const char *path)
{
    char *stored = stored_path(r, path);
    if (!stored)
        return 0; /* no such folder: nothing archived there */
    sqlite3_stmt *st;
    int taken = -1;
    if (sqlite3_prepare_v2(r->db, "SELECT 1 FROM archive_file WHERE path = ?1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, stored, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        taken = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
        sqlite3_finalize(st);
    }
    free(stored);
    return taken;
}

/* ---- issuing ------------------------------------------------------------ */

static const char *str_or_empty(const char *s)
{
    return s ? s : "";
}

/* Run sql with text parameters (NULL binds NULL); 0 when it completes. */
static int exec_text(vt_register *r, const char *sql, int n, ...)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    va_list ap;
    va_start(ap, n);
    for (int i = 1; i <= n; i++)
        sqlite3_bind_text(st, i, va_arg(ap, const char *), -1, SQLITE_STATIC);
    va_end(ap);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* 1 if a and b are the same name however they are cased or marked. */
static int same_name(const char *a, const char *b)
{
    vt_buf fa, fb;
    vt_buf_init(&fa);
    vt_buf_init(&fb);
    vt_text_fold(a, &fa);
    vt_text_fold(b, &fb);
    int same = fa.len == fb.len && (fa.len == 0 || memcmp(fa.data, fb.data, fa.len) == 0);
    vt_buf_free(&fa);
    vt_buf_free(&fb);
    return same;
}

/* The agency's row, added on its first document.  Abbreviations repeat
 * across the country (every district has its "PGDĐT"), so a plan whose
 * agency or parent differs from the register's is another office's
 * document: -2, with a message, rather than a number from the wrong
 * series. */
static sqlite3_int64 agency_id(vt_register *r, const vt_reg_request *q,
                               char *policy, size_t policy_len, vt_diags *d)
{
    sqlite3_stmt *st;
    sqlite3_int64 id = -1;
    if (exec_text(r,
                  "INSERT INTO agency(abbr, name, parent) VALUES (?1, ?2, ?3) "
                  "ON CONFLICT(abbr) DO UPDATE SET "
                  "parent = CASE parent WHEN '' THEN excluded.parent ELSE parent END, "
                  "name = CASE name WHEN '' THEN excluded.name ELSE name END",
                  3, q->agency_abbr, q->agency_name, str_or_empty(q->parent)) != 0 ||
        sqlite3_prepare_v2(r->db,
                           "SELECT id, series_policy, name, parent FROM agency "
                           "WHERE abbr = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, q->agency_abbr, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        snprintf(policy, policy_len, "%s", sqlite3_column_text(st, 1));
        const char *name = (const char *)sqlite3_column_text(st, 2);
        const char *parent = (const char *)sqlite3_column_text(st, 3);
        if (!same_name(name, q->agency_name) ||
            (q->parent && *q->parent && !same_name(parent, q->parent))) {
            vt_diags_addf(d, "%s: this register's %s is \"%s\" (%s); the plan "
                             "is from \"%s\" (%s): issue it from that "
                             "office's register (--register), or correct "
                             "the plan's agency",
                          r->path, q->agency_abbr, name, parent,
                          q->agency_name, str_or_empty(q->parent));
            id = -2;
        }
    }
    sqlite3_finalize(st);
    return id;
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

/* The last number and date in the series, 0 and "" if none; voided
 * numbers count, since a number is never given twice.  A number beyond
 * VT_REGISTER_MAX_NUMBER (a file edited by hand) reads as that maximum,
 * so the series is full rather than overflowing. */
static int series_last(vt_register *r, sqlite3_int64 agency, int year,
                       const char *series, char *date, size_t date_len)
{
    sqlite3_stmt *st;
    int last = -1;
    date[0] = '\0';
    if (sqlite3_prepare_v2(r->db,
                           "SELECT number, date FROM entry WHERE agency_id = "
                           "?1 AND year = ?2 AND series = ?3 ORDER BY number "
                           "DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, agency);
    sqlite3_bind_int(st, 2, year);
    sqlite3_bind_text(st, 3, series, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        sqlite3_int64 n = sqlite3_column_int64(st, 0);
        last = n > VT_REGISTER_MAX_NUMBER ? VT_REGISTER_MAX_NUMBER
               : n < 0                    ? 0
                                          : (int)n;
        snprintf(date, date_len, "%s", sqlite3_column_text(st, 1));
    } else if (rc == SQLITE_DONE) {
        last = 0;
    }
    sqlite3_finalize(st);
    return last;
}

/* 1 if the number, or the ký hiệu, is already in the agency's year. */
static int taken(vt_register *r, sqlite3_int64 agency, int year,
                 const char *series, int number, const char *ky_hieu)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db,
                           "SELECT 1 FROM entry WHERE agency_id = ?1 AND year "
                           "= ?2 AND ((series = ?3 AND number = ?4) OR "
                           "((series = 'mat') = (?3 = 'mat') AND ky_hieu = ?5))",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, agency);
    sqlite3_bind_int(st, 2, year);
    sqlite3_bind_text(st, 3, series, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, number);
    sqlite3_bind_text(st, 5, ky_hieu, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* What the transaction decided for one request. */
typedef struct {
    sqlite3_int64 agency, entry;
    const char *series;
    char date[16];
    int number;
    char *ky_hieu;
} slot;

/* Give request i its number: the series' last (in the register or
 * earlier in this batch) plus one, or its own number if free. */
static vt_error allocate(vt_register *r, const vt_reg_request *q, size_t i,
                         slot *s, vt_diags *d)
{
    char policy[32] = "shared", last_date[32];
    const vt_reg_request *x = &q[i];
    snprintf(s[i].date, sizeof s[i].date, "%04d-%02d-%02d", x->year,
             x->month, x->day);
    s[i].agency = agency_id(r, x, policy, sizeof policy, d);
    if (s[i].agency == -2)
        return VT_ERR_USAGE;
    s[i].series = series_of(x, policy);
    int last = s[i].agency < 0 ? -1
                               : series_last(r, s[i].agency, x->year,
                                             s[i].series, last_date,
                                             sizeof last_date);
    if (last < 0)
        return db_fail(r, d, "cannot read the register");
    for (size_t j = 0; j < i; j++)
        if (s[j].agency == s[i].agency && q[j].year == x->year &&
            strcmp(s[j].series, s[i].series) == 0 && s[j].number > last)
            last = s[j].number;
    if (!x->allow_backdate && last_date[0] && strcmp(s[i].date, last_date) < 0) {
        vt_diags_addf(d, "%s: the date %s is earlier than the last document "
                         "in this series (số %d, %s); give --allow-backdate "
                         "if that is intended",
                      r->path, s[i].date, last, last_date);
        return VT_ERR_USAGE;
    }
    if (x->number > VT_REGISTER_MAX_NUMBER ||
        (!x->number && last >= VT_REGISTER_MAX_NUMBER)) {
        vt_diags_addf(d, "%s: số %d%s is beyond the largest number the "
                         "register gives in a year (%d)",
                      r->path, x->number ? x->number : last,
                      x->number ? "" : " + 1", VT_REGISTER_MAX_NUMBER);
        return VT_ERR_PLAN;
    }
    s[i].number = x->number ? x->number : last + 1;
    vt_buf kh;
    vt_buf_init(&kh);
    vt_ky_hieu(s[i].number, x->type_abbr, x->agency_abbr, x->unit, &kh);
    if (kh.oom)
        return VT_ERR_NOMEM;
    s[i].ky_hieu = vt_buf_take(&kh);
    int t = taken(r, s[i].agency, x->year, s[i].series, s[i].number,
                  s[i].ky_hieu);
    for (size_t j = 0; j < i && t == 0; j++)
        t = strcmp(s[j].ky_hieu, s[i].ky_hieu) == 0 && q[j].year == x->year;
    if (t < 0)
        return db_fail(r, d, "cannot read the register");
    if (t > 0) {
        vt_diags_addf(d, "%s: số %s of %d is already in the register; a "
                         "number is never given twice",
                      r->path, s[i].ky_hieu, x->year);
        return VT_ERR_PLAN;
    }
    return VT_OK;
}

static int insert_entry(vt_register *r, const vt_reg_request *q, slot *s)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(
            r->db,
            "INSERT INTO entry(agency_id, year, series, number, ky_hieu, "
            "date, type_subject, signer, recipients, archive_unit, copies, "
            "type_slug) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7 || ': ' || ?8, "
            "?9, ?10, ?11, ?12, ?13)",
            -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, s->agency);
    sqlite3_bind_int(st, 2, q->year);
    sqlite3_bind_text(st, 3, s->series, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, s->number);
    sqlite3_bind_text(st, 5, s->ky_hieu, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, s->date, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, str_or_empty(q->type_name), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, str_or_empty(q->subject), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, str_or_empty(q->signer), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, str_or_empty(q->recipients), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, str_or_empty(q->archive_unit), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 12, q->copies > 0 ? q->copies : 1);
    sqlite3_bind_text(st, 13, str_or_empty(q->type_slug), -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    s->entry = sqlite3_last_insert_rowid(r->db);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int insert_file(vt_register *r, sqlite3_int64 entry,
                       const vt_reg_file *f)
{
    char *stored = stored_path(r, f->path);
    sqlite3_stmt *st;
    int rc = -1;
    if (stored && sqlite3_prepare_v2(r->db,
                                     "INSERT INTO archive_file(entry_id, "
                                     "path, sha256) VALUES (?1, ?2, ?3)",
                                     -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, entry);
        sqlite3_bind_text(st, 2, stored, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, f->sha256, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
        sqlite3_finalize(st);
    }
    free(stored);
    return rc;
}

/* Record every entry and its files; 0 on success. */
static int record(vt_register *r, const vt_reg_request *q, size_t nq,
                  slot *s, const vt_reg_files *files)
{
    for (size_t i = 0; i < nq; i++)
        if (insert_entry(r, &q[i], &s[i]) != 0)
            return -1;
    for (size_t k = 0; k < files->n; k++) {
        const vt_reg_file *f = &files->v[k];
        if (f->request >= 0 && (size_t)f->request < nq &&
            insert_file(r, s[f->request].entry, f) != 0)
            return -1;
    }
    return 0;
}

vt_error vt_register_issue(vt_register *r, const vt_reg_request *q,
                           size_t nq, vt_reg_write_fn write, void *ctx,
                           int *numbers, vt_diags *d)
{
    slot *s = calloc(nq ? nq : 1, sizeof *s);
    const char **kh = calloc(nq ? nq : 1, sizeof *kh);
    vt_reg_files files = {0};
    if (!s || !kh) {
        free(s);
        free(kh);
        return VT_ERR_NOMEM;
    }
    vt_error rc = VT_OK;
    if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        rc = db_fail(r, d, "cannot take a number");
        goto done;
    }
    for (size_t i = 0; i < nq && rc == VT_OK; i++) {
        rc = allocate(r, q, i, s, d);
        numbers[i] = s[i].number;
        kh[i] = s[i].ky_hieu;
    }
    if (rc == VT_OK)
        rc = write(ctx, numbers, kh, &files, d);
    if (rc == VT_OK && record(r, q, nq, s, &files) != 0)
        rc = db_fail(r, d, "cannot record the document");
    if (rc == VT_OK && sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = db_fail(r, d, "cannot record the document");
    if (rc != VT_OK) {
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
        /* no entry, so no file: the numbers were never given */
        for (size_t k = 0; k < files.n; k++)
            unlink(files.v[k].path);
    }
done:
    for (size_t i = 0; i < nq; i++)
        free(s[i].ky_hieu);
    free(s);
    free(kh);
    vt_reg_files_free(&files);
    return rc;
}

/* ---- reading ------------------------------------------------------------ */

/* The entries matching a filter; ?1 year, ?2 number, ?3 type, ?4 folded
 * text, ?5 ký hiệu, each ignored when 0 or NULL. */
static const char LIST_SQL[] =
    "SELECT e.id, a.abbr, a.name, a.parent, e.year, e.number, e.series, "
    "  e.type_slug, e.ky_hieu, e.date, e.type_subject, e.signer, "
    "  e.recipients, e.archive_unit, e.copies, coalesce(e.sent_date, ''), "
    "  coalesce(e.received_by, ''), coalesce(e.note, ''), "
    "  coalesce(e.voided, ''), coalesce(e.voided_on, ''), "
    "  coalesce((SELECT group_concat(path, char(10)) FROM (SELECT path FROM "
    "    archive_file f WHERE f.entry_id = e.id ORDER BY f.id)), '') "
    "FROM entry e JOIN agency a ON a.id = e.agency_id "
    "WHERE (?1 = 0 OR e.year = ?1) AND (?2 = 0 OR e.number = ?2) "
    "  AND (?3 IS NULL OR e.type_slug = ?3) "
    "  AND (?4 IS NULL OR instr(vt_fold(e.type_subject), ?4) > 0) "
    "  AND (?5 IS NULL OR e.ky_hieu = ?5) "
    "ORDER BY a.abbr, e.year, e.series = 'mat', e.series, e.number";

static const char *col(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? s : "";
}

static sqlite3_stmt *list_stmt(vt_register *r, const vt_reg_filter *f,
                               vt_buf *folded)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db, LIST_SQL, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int(st, 1, f ? f->year : 0);
    sqlite3_bind_int(st, 2, f ? f->number : 0);
    if (f && f->type_slug)
        sqlite3_bind_text(st, 3, f->type_slug, -1, SQLITE_STATIC);
    if (f && f->text) {
        vt_text_fold(f->text, folded);
        vt_buf_putc(folded, '\0');
        sqlite3_bind_text(st, 4, folded->oom ? "" : folded->data, -1,
                          SQLITE_STATIC);
    }
    if (f && f->ky_hieu)
        sqlite3_bind_text(st, 5, f->ky_hieu, -1, SQLITE_STATIC);
    return st;
}

static void entry_of(sqlite3_stmt *st, vt_reg_entry *e)
{
    e->id = sqlite3_column_int64(st, 0);
    e->agency_abbr = col(st, 1);
    e->agency_name = col(st, 2);
    e->parent = col(st, 3);
    e->year = sqlite3_column_int(st, 4);
    e->number = sqlite3_column_int(st, 5);
    e->series = col(st, 6);
    e->type_slug = col(st, 7);
    e->ky_hieu = col(st, 8);
    e->date = col(st, 9);
    e->type_subject = col(st, 10);
    e->signer = col(st, 11);
    e->recipients = col(st, 12);
    e->archive_unit = col(st, 13);
    e->copies = sqlite3_column_int(st, 14);
    e->sent_date = col(st, 15);
    e->received_by = col(st, 16);
    e->note = col(st, 17);
    e->voided = col(st, 18);
    e->voided_on = col(st, 19);
    e->files = col(st, 20);
}

/* Step st to the end, handing each row to row(); a non-zero return stops
 * early with VT_ERR_USAGE.  st is finalized. */
static vt_error each_row(vt_register *r, sqlite3_stmt *st,
                         int (*row)(sqlite3_stmt *, void *), void *ctx,
                         vt_diags *d)
{
    if (!st)
        return db_fail(r, d, "cannot read the register");
    vt_error rc = VT_OK;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if (row(st, ctx) != 0) {
            rc = VT_ERR_USAGE;
            break;
        }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = db_fail(r, d, "cannot read the register");
    sqlite3_finalize(st);
    return rc;
}

typedef struct {
    vt_reg_entry_fn fn;
    vt_reg_agency_fn afn;
    void *ctx;
} row_fn;

static int entry_row(sqlite3_stmt *st, void *ctx)
{
    row_fn *f = ctx;
    vt_reg_entry e;
    entry_of(st, &e);
    return f->fn(f->ctx, &e);
}

static int agency_row(sqlite3_stmt *st, void *ctx)
{
    row_fn *f = ctx;
    vt_reg_agency a = {col(st, 0), col(st, 1), col(st, 2), col(st, 3),
                       sqlite3_column_int(st, 4)};
    return f->afn(f->ctx, &a);
}

vt_error vt_register_list(vt_register *r, const vt_reg_filter *f,
                          vt_reg_entry_fn fn, void *ctx, vt_diags *d)
{
    vt_buf folded;
    vt_buf_init(&folded);
    row_fn rf = {fn, NULL, ctx};
    vt_error rc = each_row(r, list_stmt(r, f, &folded), entry_row, &rf, d);
    vt_buf_free(&folded);
    return rc;
}

typedef struct {
    vt_register *r;
    vt_reg_file_fn fn;
    void *ctx;
    int failed;
} files_walk;

static int walk_files(void *ctx, const vt_reg_entry *e)
{
    files_walk *w = ctx;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(w->r->db,
                           "SELECT path, sha256 FROM archive_file WHERE "
                           "entry_id = ?1 ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return w->failed = 1;
    sqlite3_bind_int64(st, 1, e->id);
    int rc = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW)
        rc = w->fn(w->ctx, e, col(st, 0), col(st, 1));
    sqlite3_finalize(st);
    return rc;
}

vt_error vt_register_files(vt_register *r, const vt_reg_filter *f,
                           vt_reg_file_fn fn, void *ctx, vt_diags *d)
{
    files_walk w = {r, fn, ctx, 0};
    vt_error rc = vt_register_list(r, f, walk_files, &w, d);
    if (w.failed)
        rc = db_fail(r, d, "cannot read the register");
    return rc;
}

/* Collects the ids and ký hiệu of the entries a void names. */
typedef struct {
    long long id;
    size_t count;
    vt_buf names;
    char voided[512];
} void_match;

static int match_entry(void *ctx, const vt_reg_entry *e)
{
    void_match *m = ctx;
    m->id = e->id;
    vt_buf_printf(&m->names, "%s%s (%s)", m->count ? ", " : "", e->ky_hieu,
                  e->agency_abbr);
    snprintf(m->voided, sizeof m->voided, "%s%s%s", e->voided,
             *e->voided ? ", " : "", e->voided_on);
    m->count++;
    return 0;
}

vt_error vt_register_update(vt_register *r, const vt_reg_filter *f,
                            const vt_reg_update *u, vt_diags *d)
{
    void_match m = {0};
    vt_buf_init(&m.names);
    if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(r, d, "cannot change the entry");
    vt_error rc = vt_register_list(r, f, match_entry, &m, d);
    char id[32];
    snprintf(id, sizeof id, "%lld", m.id);
    if (rc != VT_OK)
        goto rollback;
    rc = VT_ERR_USAGE;
    const char *names = m.names.oom ? "" : m.names.data;
    if (m.count == 0)
        vt_diags_addf(d, "%s: no entry số %d/%d in the register", r->path,
                      f->number, f->year);
    else if (m.count > 1)
        vt_diags_addf(d, "%s: số %d/%d names %zu entries: %s; give the ký "
                         "hiệu instead (e.g. \"%.*s --year %d\")",
                      r->path, f->number, f->year, m.count, names,
                      (int)strcspn(names, " "), names, f->year);
    else if (u->void_reason && m.voided[0])
        vt_diags_addf(d, "%s: %s is already void (%s)", r->path, names,
                      m.voided);
    else if (exec_text(r, "UPDATE entry SET voided = coalesce(?1, voided), "
                          "voided_on = coalesce(?2, voided_on), sent_date = "
                          "coalesce(?3, sent_date), received_by = "
                          "coalesce(?4, received_by), note = coalesce(?5, "
                          "note) WHERE id = ?6",
                       6, u->void_reason, u->void_reason ? u->void_date : NULL,
                       u->sent_date, u->received_by, u->note, id) != 0 ||
             sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = db_fail(r, d, "cannot change the entry");
    else
        rc = VT_OK;
rollback:
    if (rc != VT_OK)
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
    vt_buf_free(&m.names);
    return rc;
}

vt_error vt_register_set_agency(vt_register *r, const vt_reg_agency *a,
                                vt_diags *d)
{
    char book[16];
    snprintf(book, sizeof book, "%d", a->book);
    if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(r, d, "cannot change the agency");
    if (exec_text(r, "INSERT INTO agency(abbr, name) VALUES (?1, ?2) ON "
                     "CONFLICT(abbr) DO NOTHING",
                  2, a->abbr, a->name ? a->name : "") != 0 ||
        exec_text(r, "UPDATE agency SET name = coalesce(?2, name), parent = "
                     "coalesce(?3, parent), series_policy = coalesce(?4, "
                     "series_policy), book = CASE WHEN CAST(?5 AS INTEGER) > 0 "
                     "THEN CAST(?5 AS INTEGER) ELSE book END WHERE abbr = ?1",
                  5, a->abbr, a->name, a->parent, a->series_policy, book) != 0 ||
        sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        vt_error rc = db_fail(r, d, "cannot change the agency");
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return VT_OK;
}

vt_error vt_register_agencies(vt_register *r, vt_reg_agency_fn fn, void *ctx,
                              vt_diags *d)
{
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(r->db,
                       "SELECT abbr, name, parent, series_policy, book "
                       "FROM agency ORDER BY abbr",
                       -1, &st, NULL);
    row_fn rf = {NULL, fn, ctx};
    return each_row(r, st, agency_row, &rf, d);
}
