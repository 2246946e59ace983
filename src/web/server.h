/*
 * server.h - `vanthu serve`: the clerk's desk in a browser.
 *
 * One HTTP server (libmicrohttpd) inside the vanthu binary serves
 * Vietnamese pages rendered here, with a little plain JavaScript, for the
 * clerk's three jobs: drafting and issuing a document, a batch of giấy mời,
 * and keeping the register.  Every job calls the same library functions as
 * the command line (import, render, PDF, vt_issue, vt_invite, the book), so
 * the browser can do nothing the CLI would refuse, and drafts are plan XML
 * files in the data folder that both share.
 */
#ifndef VT_SERVER_H
#define VT_SERVER_H

#include <stddef.h>
#include <stdio.h>

#include "base/vanthu.h"
#include "pdf/sign.h"

/* Defaults: what a clerk's own machine needs and no more. */
#define VT_SERVE_MAX_UPLOAD (10u << 20)  /* an uploaded DOCX, TXT, XLSX */
#define VT_SERVE_MAX_FORM (2u << 20)     /* a form typed in the browser */
#define VT_SERVE_CONNECTIONS 64
#define VT_SERVE_PER_IP 32
#define VT_SERVE_TIMEOUT 30              /* seconds a connection may idle */

typedef struct {
    const char *host;          /* numeric IPv4 or IPv6 address */
    unsigned port;             /* 0: any free port (the URL printed says) */
    const char *register_path; /* the register file */
    const char *data_dir;      /* drafts and batches */
    const char *templates_dir; /* mau-1.4.docx, … */
    const char *tls_cert, *tls_key; /* PEM files, both or neither */
    size_t max_upload;         /* request body with a file */
    unsigned max_connections, per_ip, timeout_s;
    int require_login;         /* logins even on loopback (behind a proxy) */
    /* serve --sign: the key issue may sign the PDF with (its password
     * from a file: a server has no terminal to ask on); NULL: no signing */
    const vt_sign_opts *sign;
} vt_serve_opts;

void vt_serve_opts_init(vt_serve_opts *o);

/* 1 if host is a loopback address (127.0.0.0/8, ::1): the only place the
 * desk may run without logins. */
int vt_serve_is_loopback(const char *host);

/* Serve until *stop becomes non-zero (a signal handler sets it), then
 * finish the requests and batches under way and return.  The URL is
 * printed on out once the socket listens. */
vt_error vt_serve(const vt_serve_opts *o, const volatile int *stop, FILE *out,
                  vt_diags *d);

#endif
