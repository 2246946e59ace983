/*
 * accounts.c - the web desk's accounts and audit trail in the register's
 * SQLite file (tables users and audit, schema 4 of register.c).
 *
 * Each function is one statement in its own implicit transaction: an
 * account or an audit row is written at once, independently of any
 * number being issued, and the register's busy timeout applies.
 */
#include "register/accounts.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

/* The message for a failed statement, in the register's words. */
static vt_error fail(sqlite3 *db, vt_diags *d, const char *what)
{
    int code = sqlite3_extended_errcode(db) & 0xff;
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
        vt_diags_addf(d, "%s: %s: the register stayed locked by another "
                         "process past the timeout",
                      sqlite3_db_filename(db, "main"), what);
    else
        vt_diags_addf(d, "%s: %s: %s", sqlite3_db_filename(db, "main"), what,
                      sqlite3_errmsg(db));
    return VT_ERR_IO;
}

/* Prepare sql and bind n text parameters. */
static sqlite3_stmt *prepare(sqlite3 *db, const char *sql, int n,
                             const char *const *args)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    for (int i = 0; i < n; i++) {
        if (sqlite3_bind_text(st, i + 1, args[i] ? args[i] : "", -1,
                              SQLITE_TRANSIENT) != SQLITE_OK) {
            sqlite3_finalize(st);
            return NULL;
        }
    }
    return st;
}

/* Run a statement that returns no rows; SQLITE_DONE or the error. */
static int run(sqlite3 *db, const char *sql, int n, const char *const *args)
{
    sqlite3_stmt *st = prepare(db, sql, n, args);
    if (!st)
        return SQLITE_ERROR;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc;
}

vt_error vt_register_user_put(vt_register *r, const char *name,
                              const char *role, const char *hash,
                              const char *created, vt_diags *d)
{
    sqlite3 *db = vt_register_sqlite(r);
    const char *args[] = {name, role, hash, created};
    if (run(db,
            "INSERT INTO users(name, role, hash, created) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET role = excluded.role, "
            "hash = excluded.hash",
            4, args) != SQLITE_DONE)
        return fail(db, d, "cannot save the account");
    return VT_OK;
}

int vt_register_user_get(vt_register *r, const char *name, char *role,
                         size_t role_size, char *hash, size_t hash_size)
{
    sqlite3_stmt *st = prepare(vt_register_sqlite(r),
                               "SELECT role, hash FROM users WHERE name = ?",
                               1, &name);
    if (!st)
        return -1;
    int rc = sqlite3_step(st), found = -1;
    if (rc == SQLITE_ROW) {
        snprintf(role, role_size, "%s", sqlite3_column_text(st, 0));
        snprintf(hash, hash_size, "%s", sqlite3_column_text(st, 1));
        found = 1;
    } else if (rc == SQLITE_DONE) {
        found = 0;
    }
    sqlite3_finalize(st);
    return found;
}

int vt_register_user_remove(vt_register *r, const char *name)
{
    sqlite3 *db = vt_register_sqlite(r);
    if (run(db, "DELETE FROM users WHERE name = ?", 1, &name) != SQLITE_DONE)
        return -1;
    return sqlite3_changes(db) > 0;
}

vt_error vt_register_users(vt_register *r, vt_reg_user_fn fn, void *ctx,
                           vt_diags *d)
{
    sqlite3 *db = vt_register_sqlite(r);
    sqlite3_stmt *st = prepare(
        db, "SELECT name, role, created FROM users ORDER BY name", 0, NULL);
    if (!st)
        return fail(db, d, "cannot read the accounts");
    int rc;
    vt_error result = VT_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (fn(ctx, (const char *)sqlite3_column_text(st, 0),
               (const char *)sqlite3_column_text(st, 1),
               (const char *)sqlite3_column_text(st, 2))) {
            result = VT_ERR_USAGE;
            break;
        }
    }
    if (result == VT_OK && rc != SQLITE_DONE)
        result = fail(db, d, "cannot read the accounts");
    sqlite3_finalize(st);
    return result;
}

vt_error vt_register_audit(vt_register *r, const char *at, const char *user,
                           const char *action, const char *detail,
                           vt_diags *d)
{
    sqlite3 *db = vt_register_sqlite(r);
    const char *args[] = {at, user, action, detail};
    if (run(db,
            "INSERT INTO audit(at, user, action, detail) VALUES (?, ?, ?, ?)",
            4, args) != SQLITE_DONE)
        return fail(db, d, "cannot write the audit trail");
    return VT_OK;
}
