/*
 * auth.c - accounts, sessions, CSRF tokens, login rate limits and the
 * audit trail of the web desk (auth.h says what each call promises).
 *
 * Accounts and the audit trail are rows in the register's file
 * (register/accounts.h); sessions and the counts of failed logins are in
 * memory, in one vt_auth guarded by one mutex, so a restart logs
 * everybody out and forgets the counts.  The register connection has a
 * mutex of its own, so a write waiting for the register never holds up a
 * session lookup.  Password hashing (Argon2id, about 64 MiB and a tenth
 * of a second) runs outside the sessions' mutex, so a login never holds
 * up the other clerks' pages, but under a third one, so that twenty
 * logins at once cannot take 1.3 GB of memory.
 */
#include "web/auth.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "register/accounts.h"
#include "register/register.h"

/* A session nobody used for this long is gone (the clerk logs in again). */
#define VT_AUTH_IDLE_DEFAULT (30 * 60)
/* Sessions kept at most: past it the one idle longest is dropped. */
#define VT_AUTH_MAX_SESSIONS 4096
/* Failed logins allowed before a wait, the first wait, and the longest. */
#define VT_AUTH_FREE_FAILURES 5
#define VT_AUTH_FIRST_WAIT 30
#define VT_AUTH_MAX_WAIT 3600
/* Addresses and names whose failures are counted at most; past it the
 * one that failed longest ago is forgotten. */
#define VT_AUTH_MAX_COUNTERS 4096
/* How long vt_auth waits for a register another process is writing. */
#define VT_AUTH_BUSY_MS 5000
/* The desk's own connection waits as long as an issue does (ten
 * minutes): an audit row must not be lost because twenty issues with
 * their PDFs hold the register in turn.  It waits under its own mutex,
 * never the sessions' one, so pages go on being served meanwhile. */
#define VT_AUTH_DESK_BUSY_MS (10 * 60 * 1000)
/* A password is checked only if it is at most this long, so a huge form
 * field cannot make the hash expensive. */
#define VT_PASSWORD_MAX 1024
#define VT_PASSWORD_MIN 8

/* An Argon2id hash of a random password nobody knows: a login with a name
 * that has no account is checked against it, so it takes as long as one
 * with a wrong password and does not tell which names exist. */
static const char DUMMY_HASH[] =
    "$argon2id$v=19$m=65536,t=2,p=1$MIzfpFMd3JvL9AIXDr9gsQ$"
    "iWCwa4jwdAF4sAk9ce7vxjh33b2e1JRBzpB6tuyi9FU";

typedef struct {
    char sid[VT_TOKEN_LEN];
    char csrf[VT_TOKEN_LEN];
    char user[VT_USER_NAME_MAX + 1];
    vt_role role; /* VT_ROLE_NONE: before login (it only carries a token) */
    long long used; /* last use, on the vt_auth clock */
} vt_session;

/* Failed logins of one client address ('a') or one account name ('n'). */
typedef struct {
    char kind;
    char key[VT_USER_NAME_MAX + 48];
    int failures;
    long long last, until; /* last failure; no attempt before until */
} vt_counter;

struct vt_auth {
    pthread_mutex_t lock;
    pthread_mutex_t hashing; /* one password hash at a time */
    pthread_mutex_t db;      /* the register connection (reg) */
    int mutexes; /* how many of the three are initialised */
    vt_register *reg;
    int require_login;
    int idle; /* seconds */
    vt_auth_clock clock;
    void *clock_ctx;
    vt_session *sessions;
    size_t nsessions;
    vt_counter *counters;
    size_t ncounters;
};

vt_role vt_role_parse(const char *s)
{
    if (s && strcmp(s, "van-thu") == 0)
        return VT_ROLE_VAN_THU;
    if (s && strcmp(s, "chuyen-vien") == 0)
        return VT_ROLE_CHUYEN_VIEN;
    return VT_ROLE_NONE;
}

const char *vt_role_name(vt_role r)
{
    switch (r) {
    case VT_ROLE_VAN_THU:
        return "van-thu";
    case VT_ROLE_CHUYEN_VIEN:
        return "chuyen-vien";
    default:
        return "";
    }
}

int vt_user_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n < 1 || n > VT_USER_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

/* Seconds on a clock that never jumps back (NTP, the clerk fixing the
 * date), so a session or a wait cannot be stretched or cut by it. */
static long long monotonic_now(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec;
}

static long long now(const vt_auth *a)
{
    return a->clock(a->clock_ctx);
}

/* The wall-clock time of the server as the audit trail and the accounts
 * record it: local time with its offset, "2026-11-23T08:05:00+07:00". */
static void wall_time(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    char z[8] = "";
    if (!localtime_r(&t, &tm) ||
        strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm) == 0 ||
        strftime(z, sizeof z, "%z", &tm) != 5) {
        snprintf(out, 32, "%lld", (long long)t);
        return;
    }
    size_t n = strlen(out);
    snprintf(out + n, 32 - n, "%.3s:%s", z, z + 3);
}

/* libsodium's setup; idempotent and thread-safe, so every entry point
 * that needs it calls it instead of relying on a global flag. */
static vt_error crypto_ready(vt_diags *d)
{
    if (sodium_init() < 0) {
        vt_diags_addf(d, "cannot initialise libsodium (no source of "
                         "random numbers?)");
        return VT_ERR_IO;
    }
    return VT_OK;
}

/* A fresh 256-bit random token as 43 base64url characters. */
static void new_token(char out[VT_TOKEN_LEN])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, VT_TOKEN_LEN, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

/* 1 if s has the shape of a token (43 base64url characters): anything
 * else from a cookie or a form is refused before any comparison. */
static int token_shape(const char *s)
{
    if (!s)
        return 0;
    size_t n = 0;
    for (; s[n] && n < VT_TOKEN_LEN; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return n == VT_TOKEN_LEN - 1;
}

vt_error vt_auth_open(const char *register_path, int require_login,
                      vt_auth **out, vt_diags *d)
{
    *out = NULL;
    vt_error rc = crypto_ready(d);
    if (rc != VT_OK)
        return rc;
    vt_auth *a = calloc(1, sizeof *a);
    if (!a)
        return VT_ERR_NOMEM;
    a->sessions = calloc(VT_AUTH_MAX_SESSIONS, sizeof *a->sessions);
    a->counters = calloc(VT_AUTH_MAX_COUNTERS, sizeof *a->counters);
    if (a->sessions && a->counters && pthread_mutex_init(&a->lock, NULL) == 0)
        a->mutexes = 1;
    if (a->mutexes == 1 && pthread_mutex_init(&a->hashing, NULL) == 0)
        a->mutexes = 2;
    if (a->mutexes == 2 && pthread_mutex_init(&a->db, NULL) == 0)
        a->mutexes = 3;
    if (a->mutexes != 3) {
        vt_auth_close(a);
        return VT_ERR_NOMEM;
    }
    a->require_login = require_login;
    a->idle = VT_AUTH_IDLE_DEFAULT;
    a->clock = monotonic_now;
    rc = vt_register_open(register_path, VT_AUTH_DESK_BUSY_MS, 0, &a->reg, d);
    if (rc != VT_OK) {
        vt_auth_close(a);
        return rc;
    }
    *out = a;
    return VT_OK;
}

void vt_auth_close(vt_auth *a)
{
    if (!a)
        return;
    vt_register_close(a->reg);
    if (a->sessions)
        sodium_memzero(a->sessions, VT_AUTH_MAX_SESSIONS * sizeof *a->sessions);
    free(a->sessions);
    free(a->counters);
    if (a->mutexes == 3)
        pthread_mutex_destroy(&a->db);
    if (a->mutexes >= 2)
        pthread_mutex_destroy(&a->hashing);
    if (a->mutexes >= 1)
        pthread_mutex_destroy(&a->lock);
    free(a);
}

int vt_auth_requires_login(const vt_auth *a)
{
    return a->require_login;
}

void vt_auth_set_idle(vt_auth *a, int seconds)
{
    pthread_mutex_lock(&a->lock);
    a->idle = seconds > 0 ? seconds : VT_AUTH_IDLE_DEFAULT;
    pthread_mutex_unlock(&a->lock);
}

void vt_auth_set_clock(vt_auth *a, vt_auth_clock clock, void *ctx)
{
    pthread_mutex_lock(&a->lock);
    a->clock = clock ? clock : monotonic_now;
    a->clock_ctx = clock ? ctx : NULL;
    pthread_mutex_unlock(&a->lock);
}

/* 1 if s is empty or ":" and 1 to 5 digits (a Host header's port). */
static int port_part(const char *s)
{
    if (!*s)
        return 1;
    size_t n = strspn(s + 1, "0123456789");
    return s[0] == ':' && n >= 1 && n <= 5 && s[1 + n] == '\0';
}

int vt_auth_host_ok(const vt_auth *a, const char *host)
{
    if (a->require_login)
        return 1;
    if (!host)
        return 0;
    if (strncmp(host, "[::1]", 5) == 0)
        return port_part(host + 5);
    size_t n = strcspn(host, ":");
    char name[16];
    if (n >= sizeof name)
        return 0;
    memcpy(name, host, n);
    name[n] = '\0';
    if (!port_part(host + n))
        return 0;
    if (strcasecmp(name, "localhost") == 0)
        return 1;
    struct in_addr v4;
    return inet_pton(AF_INET, name, &v4) == 1 &&
           (ntohl(v4.s_addr) >> 24) == 127;
}

/* ---- sessions (called with the lock held) -------------------------- */

static int expired(const vt_auth *a, const vt_session *s, long long t)
{
    return t - s->used >= a->idle;
}

/* The live session whose id is sid, or NULL; an expired one found on the
 * way is dropped.  Every slot is compared, in constant time each, so the
 * time taken does not tell how much of a guessed id was right. */
static vt_session *find_session(vt_auth *a, const char *sid)
{
    if (!token_shape(sid))
        return NULL;
    long long t = now(a);
    vt_session *hit = NULL;
    for (size_t i = 0; i < a->nsessions; i++) {
        vt_session *s = &a->sessions[i];
        if (sodium_memcmp(s->sid, sid, VT_TOKEN_LEN - 1) == 0 && !hit)
            hit = s;
    }
    if (hit && expired(a, hit, t)) {
        sodium_memzero(hit, sizeof *hit);
        a->sessions[hit - a->sessions] = a->sessions[--a->nsessions];
        return NULL;
    }
    return hit;
}

/* A free slot: the table grows up to its cap; then expired sessions are
 * dropped, and failing that the one idle longest. */
static vt_session *new_session(vt_auth *a)
{
    long long t = now(a);
    if (a->nsessions == VT_AUTH_MAX_SESSIONS) {
        size_t keep = 0;
        for (size_t i = 0; i < a->nsessions; i++)
            if (!expired(a, &a->sessions[i], t))
                a->sessions[keep++] = a->sessions[i];
        a->nsessions = keep;
    }
    if (a->nsessions == VT_AUTH_MAX_SESSIONS) {
        size_t oldest = 0;
        for (size_t i = 1; i < a->nsessions; i++)
            if (a->sessions[i].used < a->sessions[oldest].used)
                oldest = i;
        a->sessions[oldest] = a->sessions[--a->nsessions];
    }
    vt_session *s = &a->sessions[a->nsessions++];
    memset(s, 0, sizeof *s);
    new_token(s->sid);
    new_token(s->csrf);
    s->used = t;
    return s;
}

static void start_session(vt_auth *a, const char *user, vt_role role,
                          char sid[VT_TOKEN_LEN])
{
    pthread_mutex_lock(&a->lock);
    vt_session *s = new_session(a);
    snprintf(s->user, sizeof s->user, "%s", user);
    s->role = role;
    memcpy(sid, s->sid, VT_TOKEN_LEN);
    pthread_mutex_unlock(&a->lock);
}

vt_error vt_auth_anonymous(vt_auth *a, char sid[VT_TOKEN_LEN], vt_diags *d)
{
    if (a->require_login) {
        vt_diags_addf(d, "Cần đăng nhập: máy chủ nhận kết nối từ máy khác");
        return VT_ERR_USAGE;
    }
    start_session(a, "", VT_ROLE_VAN_THU, sid);
    return VT_OK;
}

vt_error vt_auth_guest(vt_auth *a, char sid[VT_TOKEN_LEN],
                       char csrf[VT_TOKEN_LEN])
{
    pthread_mutex_lock(&a->lock);
    vt_session *s = new_session(a);
    s->role = VT_ROLE_NONE;
    memcpy(sid, s->sid, VT_TOKEN_LEN);
    memcpy(csrf, s->csrf, VT_TOKEN_LEN);
    pthread_mutex_unlock(&a->lock);
    return VT_OK;
}

int vt_auth_session(vt_auth *a, const char *sid, vt_session_info *out)
{
    pthread_mutex_lock(&a->lock);
    vt_session *s = find_session(a, sid);
    int ok = s && s->role != VT_ROLE_NONE;
    if (ok) {
        s->used = now(a);
        memcpy(out->user, s->user, sizeof out->user);
        out->role = s->role;
        memcpy(out->csrf, s->csrf, sizeof out->csrf);
    }
    pthread_mutex_unlock(&a->lock);
    return ok;
}

int vt_auth_guest_csrf(vt_auth *a, const char *sid, char csrf[VT_TOKEN_LEN])
{
    pthread_mutex_lock(&a->lock);
    vt_session *s = find_session(a, sid);
    if (s) {
        s->used = now(a);
        memcpy(csrf, s->csrf, VT_TOKEN_LEN);
    }
    pthread_mutex_unlock(&a->lock);
    return s != NULL;
}

void vt_auth_logout(vt_auth *a, const char *sid)
{
    pthread_mutex_lock(&a->lock);
    vt_session *s = find_session(a, sid);
    if (s) {
        sodium_memzero(s, sizeof *s);
        a->sessions[s - a->sessions] = a->sessions[--a->nsessions];
    }
    pthread_mutex_unlock(&a->lock);
}

int vt_auth_check_csrf(vt_auth *a, const char *sid, const char *token)
{
    if (!token_shape(token))
        return 0;
    pthread_mutex_lock(&a->lock);
    vt_session *s = find_session(a, sid);
    int ok = s && sodium_memcmp(s->csrf, token, VT_TOKEN_LEN - 1) == 0;
    pthread_mutex_unlock(&a->lock);
    return ok;
}

/* ---- login rate limits (called with the lock held) ----------------- */

static vt_counter *counter(vt_auth *a, char kind, const char *key, int make)
{
    for (size_t i = 0; i < a->ncounters; i++)
        if (a->counters[i].kind == kind && strcmp(a->counters[i].key, key) == 0)
            return &a->counters[i];
    if (!make)
        return NULL;
    if (a->ncounters == VT_AUTH_MAX_COUNTERS) {
        size_t oldest = 0;
        for (size_t i = 1; i < a->ncounters; i++)
            if (a->counters[i].last < a->counters[oldest].last)
                oldest = i;
        a->counters[oldest] = a->counters[--a->ncounters];
    }
    vt_counter *c = &a->counters[a->ncounters++];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    snprintf(c->key, sizeof c->key, "%s", key);
    return c;
}

/* Count one more failure: past the free ones, the wait doubles from
 * VT_AUTH_FIRST_WAIT up to VT_AUTH_MAX_WAIT. */
static void count_failure(vt_counter *c, long long t)
{
    c->failures++;
    c->last = t;
    if (c->failures >= VT_AUTH_FREE_FAILURES) {
        long long wait = VT_AUTH_FIRST_WAIT;
        for (int i = VT_AUTH_FREE_FAILURES; i < c->failures && wait < VT_AUTH_MAX_WAIT; i++)
            wait *= 2;
        c->until = t + (wait < VT_AUTH_MAX_WAIT ? wait : VT_AUTH_MAX_WAIT);
    }
}

static void forget(vt_auth *a, char kind, const char *key)
{
    vt_counter *c = counter(a, kind, key, 0);
    if (c)
        a->counters[c - a->counters] = a->counters[--a->ncounters];
}

/* Seconds until the address or the name may try again, 0 if now; when
 * they may, the attempt is counted as a failure at once (and forgotten
 * on success), so that logins in flight together cannot all slip under
 * the limit. */
static long long admit(vt_auth *a, const char *addr, const char *name)
{
    long long t = now(a), wait = 0;
    vt_counter *ca = counter(a, 'a', addr, 0), *cn = counter(a, 'n', name, 0);
    if (ca && ca->until > t)
        wait = ca->until - t;
    if (cn && cn->until - t > wait)
        wait = cn->until - t;
    if (wait > 0)
        return wait;
    ca = counter(a, 'a', addr, 1);
    if (ca)
        count_failure(ca, t);
    cn = counter(a, 'n', name, 1);
    if (cn)
        count_failure(cn, t);
    return 0;
}

/* ---- logins --------------------------------------------------------- */

/* 1 if password matches hash; one hash at a time (memory), and never
 * with the session lock held (time). */
static int password_matches(vt_auth *a,
                            const char hash[crypto_pwhash_STRBYTES],
                            const char *password)
{
    pthread_mutex_lock(&a->hashing);
    int ok = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
    pthread_mutex_unlock(&a->hashing);
    return ok;
}

static void audit_quietly(vt_auth *a, const char *user, const char *action,
                          const char *detail)
{
    vt_diags ignored;
    vt_diags_init(&ignored);
    vt_audit(a, user, action, detail, &ignored);
    vt_diags_free(&ignored);
}

vt_error vt_auth_login(vt_auth *a, const char *client_addr, const char *name,
                       const char *password, char sid[VT_TOKEN_LEN],
                       vt_diags *d)
{
    const char *addr = client_addr ? client_addr : "";
    const char *who = vt_user_name_ok(name) ? name : "";
    pthread_mutex_lock(&a->lock);
    long long wait = admit(a, addr, who);
    pthread_mutex_unlock(&a->lock);
    if (wait > 0) {
        vt_diags_addf(d, "Đăng nhập sai quá nhiều lần: hãy thử lại sau %lld "
                         "giây.",
                      wait);
        return VT_ERR_LIMIT;
    }
    char role[16] = "", hash[crypto_pwhash_STRBYTES] = "";
    int found = 0;
    if (*who) {
        pthread_mutex_lock(&a->db);
        found = vt_register_user_get(a->reg, who, role, sizeof role, hash,
                                     sizeof hash);
        pthread_mutex_unlock(&a->db);
    }
    if (found < 0) {
        vt_diags_addf(d, "Không đọc được danh sách tài khoản trong sổ.");
        return VT_ERR_IO;
    }
    if (!found)
        snprintf(hash, sizeof hash, "%s", DUMMY_HASH);
    size_t plen = password ? strlen(password) : 0;
    int ok = password_matches(a, hash,
                              plen <= VT_PASSWORD_MAX && password ? password
                                                                  : "") &&
             found && plen <= VT_PASSWORD_MAX &&
             vt_role_parse(role) != VT_ROLE_NONE;
    sodium_memzero(hash, sizeof hash);
    if (!ok) {
        audit_quietly(a, who, "login-failed", addr);
        vt_diags_addf(d, "Tên đăng nhập hoặc mật khẩu không đúng.");
        return VT_ERR_USAGE;
    }
    pthread_mutex_lock(&a->lock);
    forget(a, 'a', addr);
    forget(a, 'n', who);
    pthread_mutex_unlock(&a->lock);
    start_session(a, who, vt_role_parse(role), sid);
    audit_quietly(a, who, "login", addr);
    return VT_OK;
}

vt_error vt_audit(vt_auth *a, const char *user, const char *action,
                  const char *detail, vt_diags *d)
{
    char at[32];
    wall_time(at);
    pthread_mutex_lock(&a->db);
    vt_error rc = vt_register_audit(a->reg, at, user ? user : "", action,
                                    detail ? detail : "", d);
    pthread_mutex_unlock(&a->db);
    return rc;
}

/* ---- accounts (vanthu user) ----------------------------------------- */

/* Number of UTF-8 characters in s (continuation bytes not counted). */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

vt_error vt_user_add(const char *register_path, const char *name,
                     vt_role role, const char *password, vt_diags *d)
{
    if (!vt_user_name_ok(name)) {
        vt_diags_addf(d, "%s: an account name is 1 to %d letters, digits, "
                         "'.', '-' or '_'",
                      name ? name : "", VT_USER_NAME_MAX);
        return VT_ERR_USAGE;
    }
    if (role == VT_ROLE_NONE) {
        vt_diags_addf(d, "%s: the role is van-thu or chuyen-vien", name);
        return VT_ERR_USAGE;
    }
    if (!password || utf8_chars(password) < VT_PASSWORD_MIN ||
        strlen(password) > VT_PASSWORD_MAX) {
        vt_diags_addf(d, "%s: a password has %d to %d characters", name,
                      VT_PASSWORD_MIN, VT_PASSWORD_MAX);
        return VT_ERR_LIMIT;
    }
    vt_error rc = crypto_ready(d);
    if (rc != VT_OK)
        return rc;
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(hash, password, strlen(password),
                              crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        vt_diags_addf(d, "%s: not enough memory to hash the password", name);
        return VT_ERR_NOMEM;
    }
    vt_register *reg = NULL;
    rc = vt_register_open(register_path, VT_AUTH_BUSY_MS, 0, &reg, d);
    if (rc == VT_OK) {
        char at[32];
        wall_time(at);
        rc = vt_register_user_put(reg, name, vt_role_name(role), hash, at, d);
    }
    vt_register_close(reg);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

/* list and remove never create a register where there was none. */
static vt_error open_existing(const char *register_path, vt_register **reg,
                              vt_diags *d)
{
    if (access(register_path, F_OK) != 0) {
        vt_diags_addf(d, "%s: no register here yet; \"vanthu user add\" or "
                         "\"vanthu issue\" creates it",
                      register_path);
        return VT_ERR_USAGE;
    }
    return vt_register_open(register_path, VT_AUTH_BUSY_MS, 0, reg, d);
}

vt_error vt_user_remove(const char *register_path, const char *name,
                        vt_diags *d)
{
    vt_register *reg = NULL;
    vt_error rc = open_existing(register_path, &reg, d);
    if (rc != VT_OK)
        return rc;
    int gone = vt_register_user_remove(reg, name);
    if (gone < 0) {
        vt_diags_addf(d, "%s: cannot remove the account", register_path);
        rc = VT_ERR_IO;
    } else if (gone == 0) {
        vt_diags_addf(d, "%s: no account named \"%s\"", register_path, name);
        rc = VT_ERR_USAGE;
    }
    vt_register_close(reg);
    return rc;
}

vt_error vt_user_list(const char *register_path, vt_user_fn fn, void *ctx,
                      vt_diags *d)
{
    vt_register *reg = NULL;
    vt_error rc = open_existing(register_path, &reg, d);
    if (rc == VT_OK)
        rc = vt_register_users(reg, fn, ctx, d);
    vt_register_close(reg);
    return rc;
}
