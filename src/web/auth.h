/*
 * auth.h - who may use the web desk, and the record of what they did.
 *
 * The desk (`vanthu serve`) listens on 127.0.0.1 without a login by
 * default: the clerk's own machine.  On any other address every request
 * but the login page needs an account.  Accounts and the audit trail live
 * in the register's own SQLite file (tables added by a register schema
 * migration), so the register, its users and what they did travel
 * together and one backup keeps them all.  Sessions live in memory: a
 * restart logs everybody out, which is what a clerk expects of a desk.
 *
 * Passwords are hashed with Argon2id (libsodium crypto_pwhash_str);
 * session ids and CSRF tokens are 256-bit random values (randombytes_buf)
 * in base64url; comparisons of secrets are constant-time.  Login attempts
 * are rate-limited per client address and per account name.
 *
 * Every vt_auth function is safe to call from several server threads at
 * once (one mutex inside; nothing global).
 */
#ifndef VT_AUTH_H
#define VT_AUTH_H

#include <stddef.h>

#include "base/vanthu.h"

typedef enum {
    VT_ROLE_NONE = 0,
    VT_ROLE_CHUYEN_VIEN = 1, /* drafts, previews, reads the register */
    VT_ROLE_VAN_THU = 2      /* also issues, voids, notes, exports */
} vt_role;

/* "chuyen-vien" / "van-thu" as typed on the command line; VT_ROLE_NONE
 * for anything else. */
vt_role vt_role_parse(const char *s);
const char *vt_role_name(vt_role r); /* "chuyen-vien", "van-thu", "" */

typedef struct vt_auth vt_auth;

/* Length of a session id or CSRF token as text (43 base64url chars),
 * plus the terminating NUL. */
enum { VT_TOKEN_LEN = 44, VT_USER_NAME_MAX = 64 };

typedef struct {
    char user[VT_USER_NAME_MAX + 1]; /* account name, or "" when no login */
    vt_role role;
    char csrf[VT_TOKEN_LEN];         /* the token every form must echo */
} vt_session_info;

/* Open the accounts and audit trail of a register file (creating the
 * register if needed, as `vanthu issue` does).  require_login is 1 when the
 * server listens on anything but loopback: then anonymous sessions are
 * refused and vt_auth_login is the only way in. */
vt_error vt_auth_open(const char *register_path, int require_login,
                      vt_auth **out, vt_diags *d);
void vt_auth_close(vt_auth *a);
int vt_auth_requires_login(const vt_auth *a);

/* `vanthu user add`: add an account or replace its password and role.
 * The name is checked with vt_user_name_ok (VT_ERR_USAGE), the password
 * must have 8 to 1024 characters (VT_ERR_LIMIT). */
vt_error vt_user_add(const char *register_path, const char *name,
                     vt_role role, const char *password, vt_diags *d);

/* 1 if name is 1 to VT_USER_NAME_MAX ASCII letters, digits, '.', '-' or
 * '_', else 0. */
int vt_user_name_ok(const char *name);

/* `vanthu user remove`: VT_ERR_USAGE when there is no such account.
 * Sessions of a running server are not touched (they expire). */
vt_error vt_user_remove(const char *register_path, const char *name,
                        vt_diags *d);

/* `vanthu user list`: fn for every account in order of name (role as
 * "van-thu"/"chuyen-vien", created as local ISO 8601 time). */
typedef int (*vt_user_fn)(void *ctx, const char *name, const char *role,
                          const char *created);
vt_error vt_user_list(const char *register_path, vt_user_fn fn, void *ctx,
                      vt_diags *d);

/* Check a name and password; on success create a session and write its
 * id to sid.  Failed attempts count against the client address and the
 * name; past the limit the answer is VT_ERR_LIMIT with a message that
 * says when to try again, whatever the password (5 failures, then a wait
 * of 30 s that doubles with each further failure, up to an hour).  A
 * wrong name or password is VT_ERR_USAGE, one message for both.  The
 * messages are Vietnamese, for the login page.  Logins and failed ones
 * go to the audit trail (detail: the client address). */
vt_error vt_auth_login(vt_auth *a, const char *client_addr, const char *name,
                       const char *password, char sid[VT_TOKEN_LEN],
                       vt_diags *d);

/* A session for a browser on the clerk's own machine when no login is
 * required (role văn thư, user ""): it still carries a CSRF token.
 * VT_ERR_USAGE when login is required. */
vt_error vt_auth_anonymous(vt_auth *a, char sid[VT_TOKEN_LEN], vt_diags *d);

/* A session before login for the login form (role VT_ROLE_NONE): it
 * carries the CSRF token the form echoes, so a login cannot be posted
 * from another site either.  vt_auth_session does not accept it (it is
 * no way into the desk); vt_auth_check_csrf and vt_auth_guest_csrf do.
 * After a successful vt_auth_login the server drops it with
 * vt_auth_logout and sets the new session's cookie (a fresh id, so a
 * planted id never becomes a logged-in one). */
vt_error vt_auth_guest(vt_auth *a, char sid[VT_TOKEN_LEN],
                       char csrf[VT_TOKEN_LEN]);
/* 1 and the CSRF token of any live session, guest ones included. */
int vt_auth_guest_csrf(vt_auth *a, const char *sid, char csrf[VT_TOKEN_LEN]);

/* Look a session up; 1 and *out filled if it exists and has not expired
 * (idle timeout), else 0. */
int vt_auth_session(vt_auth *a, const char *sid, vt_session_info *out);
void vt_auth_logout(vt_auth *a, const char *sid);

/* 1 if token is the session's CSRF token (constant-time), else 0. */
int vt_auth_check_csrf(vt_auth *a, const char *sid, const char *token);

/* 1 if a request whose Host header is host may use this desk.  A desk
 * without logins (loopback) answers only requests addressed to the
 * loopback by name: 127.x.y.z, [::1] or localhost, with or without a
 * port.  Any other name reaching it means a web page re-pointed its own
 * domain at 127.0.0.1 (DNS rebinding) to use the clerk's desk as its own
 * origin, where SameSite and CSRF tokens no longer help; the server
 * answers those 421 before anything else.  A desk with logins accepts
 * any Host (a proxy's name, the LAN address): it has its password. */
int vt_auth_host_ok(const vt_auth *a, const char *host);

/* For tests and settings: the idle timeout of sessions in seconds (30
 * minutes by default; 0 or less restores it), and the clock sessions and
 * login waits are measured on (seconds that never go back; NULL restores
 * CLOCK_MONOTONIC).  The audit trail always has the wall-clock time. */
void vt_auth_set_idle(vt_auth *a, int seconds);
typedef long long (*vt_auth_clock)(void *ctx);
void vt_auth_set_clock(vt_auth *a, vt_auth_clock clock, void *ctx);

/* Append to the audit trail: who (user, "" without login), what
 * ("issue", "void", "note", "export", "login", "login-failed", ...) and a
 * detail such as "05/KH-PGDĐT".  The time is the server's clock. */
vt_error vt_audit(vt_auth *a, const char *user, const char *action,
                  const char *detail, vt_diags *d);

#endif
