/*
 * desk.h - what the server and its pages share: the state of a running
 * desk, one request as the pages see it (method, path, form fields,
 * session) and the response they build.  The pages never touch
 * libmicrohttpd; server.c turns a vt_resp into an HTTP answer, so the
 * routing and the forms can be tested without a socket.
 */
#ifndef VT_DESK_H
#define VT_DESK_H

#include <pthread.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/vanthu.h"
#include "web/auth.h"
#include "web/server.h"

typedef struct vt_job vt_job;

/* How long an issue waits for the register while others hold it: each
 * issue with its PDF holds it for two or three seconds (LibreOffice runs
 * inside the transaction), so twenty clerks clicking at once queue for
 * about a minute; a wait is better than a refused number. */
#define VT_DESK_ISSUE_WAIT_MS (10 * 60 * 1000) /* a giấy mời batch (pages_moi.c) */

struct vt_mhd;

typedef struct {
    vt_serve_opts o;
    vt_auth *auth;
    const struct vt_mhd *mhd; /* libmicrohttpd, loaded by vt_serve */
    int tls;
    pthread_mutex_t lock; /* the job list */
    vt_job *jobs;
} vt_desk;

/* One form field; a file upload has filename set and data its bytes. */
typedef struct {
    char *name, *filename;
    vt_buf data;
} vt_form_field;

typedef struct {
    const char *method; /* "GET", "POST", "HEAD" */
    const char *path;   /* without the query */
    const char *client; /* the client's address, for the login limit */
    /* query parameters (GET) and form fields (POST) */
    vt_form_field *fields;
    size_t nfields, cap;
    /* from headers */
    const char *csrf_header; /* X-CSRF-Token */
    const char *cookie_sid; /* vt_sid */
    int wants_json;        /* a fetch request (Accept: application/json) */
    /* the session, once the server found or made it */
    int has_session;
    char sid[VT_TOKEN_LEN];
    vt_session_info s;
    /* found by a query's lookup of the query string */
    void *conn;
} vt_req;

typedef struct {
    int status;
    const char *ctype;
    vt_buf body;
    char location[512];
    char disposition[256];
    char cookie[2][256]; /* Set-Cookie values */
} vt_resp;

/* A field's value ("" when absent; files are fields too) and its length. */
const char *vt_req_get(const vt_req *r, const char *name);
const vt_form_field *vt_req_field(const vt_req *r, const char *name);
int vt_req_add(vt_req *r, const char *name, const char *filename,
               const char *data, size_t len);
void vt_req_free(vt_req *r);

void vt_resp_init(vt_resp *p);
void vt_resp_free(vt_resp *p);

/* Route one request to its page (server.c does the session and CSRF
 * checks first, see vt_desk_handle). */
void vt_desk_handle(vt_desk *k, vt_req *r, vt_resp *p);

/* ---- pages.c: the shared look and the small helpers ---------------- */

/* HTML-escape s onto b. */
void vt_html(vt_buf *b, const char *s);
void vt_html_n(vt_buf *b, const char *s, size_t n);
/* A YYYY-MM-DD date as the clerk reads it, DD/MM/YYYY (anything else
 * escaped as it is). */
void vt_html_date(vt_buf *b, const char *iso);
/* JSON-escape s onto b (no quotes around it). */
void vt_json_text(vt_buf *b, const char *s);
/* Every diagnostic as an HTML list (nothing when there is none). */
void vt_html_list(vt_buf *b, const vt_diags *d);
/* Start and end a page: the head, the menu, <h1>title</h1>. */
void vt_page_begin(vt_resp *p, const vt_req *r, const char *title);
void vt_page_end(vt_resp *p);
/* The hidden CSRF field of every form. */
void vt_csrf_field(vt_buf *b, const vt_req *r);
/* A small page saying what went wrong, with status; JSON when the request
 * came from fetch. */
void vt_page_error(vt_resp *p, const vt_req *r, int status, const char *msg);
/* The same with every diagnostic listed. */
void vt_page_diags(vt_resp *p, const vt_req *r, int status, const char *msg,
                   const vt_diags *d);
/* 303 to url. */
void vt_redirect(vt_resp *p, const char *url);
/* 1 if id is a draft's or job's id: [a-z0-9-]{1,64}, not starting "-". */
int vt_id_ok(const char *id);
/* The HTTP status a library error deserves. */
int vt_http_status(vt_error rc);
/* The template of a family ("mau-1.4"): a path in templates_dir. */
char *vt_desk_template(const vt_desk *k, const char *family);
/* Send a file from disk as the answer (read whole; files here are small). */
void vt_send_file(vt_resp *p, const vt_req *r, const char *path,
                  const char *ctype, const char *download_name);
/* A new private scratch file name in the data folder's .tam/ (never a
 * name from the request); caller frees and unlinks. */
char *vt_scratch_path(const vt_desk *k, const char *ext);
/* Text of 'now' for a file name: YYYY-MM-DD. */
void vt_today(char out[16]);
/* The menu and home page, the static CSS and JS. */
void vt_page_home(vt_desk *k, vt_req *r, vt_resp *p);
void vt_static_css(vt_resp *p);
void vt_static_js(vt_resp *p);

/* ---- pages_soan.c: compose, drafts, preview, issue ------------------ */
void vt_page_soan(vt_desk *k, vt_req *r, vt_resp *p);
void vt_page_soan_check(vt_desk *k, vt_req *r, vt_resp *p);
void vt_page_soan_save(vt_desk *k, vt_req *r, vt_resp *p);
void vt_page_soan_upload(vt_desk *k, vt_req *r, vt_resp *p);
void vt_page_draft(vt_desk *k, vt_req *r, vt_resp *p, const char *id);
void vt_page_preview(vt_desk *k, vt_req *r, vt_resp *p, const char *id);
void vt_page_issue(vt_desk *k, vt_req *r, vt_resp *p, const char *id);
/* The signer's signature and the seal as PNGs beside the draft, named in
 * its <signature> (docs/images.md). */
void vt_page_draft_images(vt_desk *k, vt_req *r, vt_resp *p, const char *id);
/* The list of drafts (for the home page and the giấy mời form). */
void vt_drafts_list(vt_desk *k, vt_buf *b, int as_options);

/* ---- pages_so.c: the register ----------------------------------------- */
void vt_page_so(vt_desk *k, vt_req *r, vt_resp *p);
void vt_page_so_entry(vt_desk *k, vt_req *r, vt_resp *p, long long id);
void vt_page_so_void(vt_desk *k, vt_req *r, vt_resp *p, long long id);
void vt_page_so_note(vt_desk *k, vt_req *r, vt_resp *p, long long id);
void vt_page_so_export(vt_desk *k, vt_req *r, vt_resp *p, const char *fmt);
void vt_page_so_verify(vt_desk *k, vt_req *r, vt_resp *p);
void vt_page_download(vt_desk *k, vt_req *r, vt_resp *p, long long id,
                      const char *ext);

/* ---- pages_moi.c: giấy mời batches ------------------------------------ */
void vt_page_moi(vt_desk *k, vt_req *r, vt_resp *p);
void vt_page_moi_start(vt_desk *k, vt_req *r, vt_resp *p);
void vt_page_moi_job(vt_desk *k, vt_req *r, vt_resp *p, const char *job);
void vt_page_moi_progress(vt_desk *k, vt_req *r, vt_resp *p,
                          const char *job);
void vt_page_moi_zip(vt_desk *k, vt_req *r, vt_resp *p, const char *job);
/* moi_sheet.c: the batch's plan text from the form (a draft, and the
 * uploaded list's clusters), loaded and checked as a batch. */
vt_error vt_moi_plan(vt_desk *k, const vt_req *r, vt_buf *out, vt_diags *d);
/* Wait for every batch still running, and free the list (at shutdown). */
void vt_jobs_finish(vt_desk *k);

#endif
