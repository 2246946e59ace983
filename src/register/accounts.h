/*
 * accounts.h - the web desk's accounts and audit trail, stored in the
 * register (schema 4: tables users and audit).
 *
 * They are part of the storage interface, like register.h, so that a
 * second backend replaces register.c and accounts.c together and the
 * desk (src/web/auth.c) does not change.  Only password hashes are ever
 * stored; hashing and checking them is the desk's business.
 */
#ifndef VT_ACCOUNTS_H
#define VT_ACCOUNTS_H

#include <stddef.h>

#include "register/register.h"

/* The connection of the SQLite backend, for accounts.c only. */
struct sqlite3 *vt_register_sqlite(vt_register *r);

/* Add the account name, or replace its role and hash; created is kept
 * from the first time.  role is "van-thu" or "chuyen-vien". */
vt_error vt_register_user_put(vt_register *r, const char *name,
                              const char *role, const char *hash,
                              const char *created, vt_diags *d);

/* 1 and role and hash copied (truncated to their sizes) if the account
 * exists, 0 if not, -1 on a database error. */
int vt_register_user_get(vt_register *r, const char *name, char *role,
                         size_t role_size, char *hash, size_t hash_size);

/* 1 if an account was removed, 0 if there was none, -1 on an error. */
int vt_register_user_remove(vt_register *r, const char *name);

/* Call fn for every account in order of name; stops early (VT_ERR_USAGE)
 * when fn returns non-zero. */
typedef int (*vt_reg_user_fn)(void *ctx, const char *name, const char *role,
                              const char *created);
vt_error vt_register_users(vt_register *r, vt_reg_user_fn fn, void *ctx,
                           vt_diags *d);

/* Append one row to the audit trail. */
vt_error vt_register_audit(vt_register *r, const char *at, const char *user,
                           const char *action, const char *detail,
                           vt_diags *d);

#endif
