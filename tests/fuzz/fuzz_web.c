/*
 * fuzz_web.c - the clerk's desk behind the HTTP parser: whatever a browser
 * (or anything else that reaches the port) sends as a route, query or form
 * fields, uploads included, handed to vt_desk_handle as the server would.
 *
 * libmicrohttpd parses HTTP; everything after that is vanthu's: the
 * router, id checks, forms, uploads through the import, sheet and PNG
 * readers, drafts written into --data, the register.  The input is
 *   byte 0      bit 0: POST (else GET); bit 1: forge the CSRF token;
 *               bit 2: append the markup probe "<vtx>" to every value
 *   path        up to a NUL
 *   fields      name NUL value NUL ...; a name "@file.ext" is an upload
 * Routes that start LibreOffice (previews, PDFs) or batch threads are left
 * to the integration tests: they cost seconds, not microseconds.
 *
 * Oracles: a status the desk is documented to give; an HTML page never
 * carries input markup unescaped ("<vtx>", from the probe or the input
 * itself, must come out as "&lt;vtx&gt;"); nothing is written outside --data and the
 * register's folder.
 */
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "web/desk.h"

static vt_desk desk;
static char root[64], reg[128], data[128], sid[VT_TOKEN_LEN];

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* The desk's folder goes when the run ends, replays under ctest included. */
static void cleanup(void)
{
    vt_jobs_finish(&desk);
    vt_auth_close(desk.auth);
    pthread_mutex_destroy(&desk.lock);
    nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    strcpy(root, "/tmp/vt-fuzz-web-XXXXXX");
    if (!mkdtemp(root))
        abort();
    snprintf(reg, sizeof reg, "%s/register.sqlite", root);
    snprintf(data, sizeof data, "%s/data", root);
    if (mkdir(data, 0700) != 0)
        abort();
    vt_serve_opts_init(&desk.o);
    desk.o.register_path = reg;
    desk.o.data_dir = data;
    static char tpl[512];
    const char *build = getenv("VT_BUILD_DIR");
    snprintf(tpl, sizeof tpl, "%s/templates", build ? build : VT_FUZZ_BUILD_DIR);
    desk.o.templates_dir = tpl;
    vt_diags d;
    vt_diags_init(&d);
    if (vt_auth_open(reg, 0, &desk.auth, &d) != VT_OK ||
        vt_auth_anonymous(desk.auth, sid, &d) != VT_OK)
        abort();
    vt_diags_free(&d);
    pthread_mutex_init(&desk.lock, NULL);
    atexit(cleanup);
    return 0;
}

/* Routes whose cost is a LibreOffice run or a batch thread. */
static int slow(const char *path, int post)
{
    return strstr(path, "pdf") || strstr(path, "xem-truoc") ||
           (post && strstr(path, "giay-moi"));
}

static int known_status(int s)
{
    static const int ok[] = {200, 303, 400, 401, 403, 404, 405, 409,
                             413, 415, 421, 422, 429, 500, 503};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (s == ok[i])
            return 1;
    return 0;
}

/* Only the register, its journal and --data may appear under root. */
static void check_root(void)
{
    DIR *dir = opendir(root);
    CHECK(dir != NULL, "the fuzz root vanished");
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        const char *n = e->d_name;
        if (n[0] == '.' || strcmp(n, "data") == 0 ||
            strncmp(n, "register.sqlite", 15) == 0)
            continue;
        /* the register's archive folder, named after the register */
        if (strncmp(n, "register", 8) == 0)
            continue;
        fprintf(stderr, "fuzz: unexpected file %s/%s\n", root, n);
        abort();
    }
    closedir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
    if (size < 2)
        return 0;
    int post = in[0] & 1, forge = in[0] & 2, probe = in[0] & 4;
    const char *p = (const char *)in + 1, *end = (const char *)in + size;
    const char *nul = memchr(p, '\0', (size_t)(end - p));
    if (!nul)
        return 0;
    char *path = strndup(p, (size_t)(nul - p));
    if (!path || path[0] != '/' || slow(path, post)) {
        free(path);
        return 0;
    }
    vt_req r;
    memset(&r, 0, sizeof r);
    r.method = post ? "POST" : "GET";
    r.path = path;
    r.client = "127.0.0.1";
    r.cookie_sid = sid;
    vt_buf val;
    vt_buf_init(&val);
    for (p = nul + 1; p < end;) {
        const char *n_end = memchr(p, '\0', (size_t)(end - p));
        if (!n_end)
            break;
        const char *v = n_end + 1;
        const char *v_end = v < end ? memchr(v, '\0', (size_t)(end - v)) : NULL;
        if (!v_end)
            v_end = end;
        char *name = strndup(p, (size_t)(n_end - p));
        if (!name)
            break;
        /* the choices that start LibreOffice are left out */
        if (strcmp(name, "kem_pdf") == 0 || strcmp(name, "ky_so") == 0) {
            free(name);
            p = v_end + (v_end < end);
            continue;
        }
        vt_buf_reset(&val);
        vt_buf_put(&val, v, (size_t)(v_end - v));
        if (probe && name[0] != '@')
            vt_buf_puts(&val, "<vtx>");
        int file = name[0] == '@';
        vt_req_add(&r, file ? "tep" : name, file ? name + 1 : NULL,
                   val.data ? val.data : "", val.len);
        free(name);
        p = v_end + (v_end < end);
    }
    vt_session_info s;
    if (post && vt_auth_session(desk.auth, sid, &s))
        vt_req_add(&r, "csrf", NULL, forge ? "forged" : s.csrf,
                   forge ? 6 : strlen(s.csrf));
    vt_resp resp;
    vt_resp_init(&resp);
    vt_desk_handle(&desk, &r, &resp);
    if (getenv("VT_FUZZ_VERBOSE"))
        fprintf(stderr, "%s %s -> %d\n", r.method, path, resp.status);
    CHECK(known_status(resp.status), "a status the desk does not document");
    if (forge && post)
        CHECK(resp.status == 403 || resp.status == 404 || resp.status == 405,
              "a POST with a forged CSRF token was not refused");
    if (resp.ctype && strncmp(resp.ctype, "text/html", 9) == 0 &&
        resp.body.len && memmem(resp.body.data, resp.body.len, "<vtx>", 5))
        CHECK(0, "input markup reached an HTML page unescaped");
    vt_resp_free(&resp);
    vt_req_free(&r);
    vt_buf_free(&val);
    free(path);
    check_root();
    return 0;
}
