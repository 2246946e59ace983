/*
 * cli.h - what the command files share.
 *
 * The vanthu binary is src/cli.c (dispatch, the original commands) plus
 * one src/cli_<command>.c per later command, so that commands can grow
 * without one file holding every option of every job.  Each command is
 * int vt_cmd_<name>(int argc, char **argv), argv[0] being the command's
 * own name, returning an exit code (VT_EXIT_*).
 */
#ifndef VT_CLI_H
#define VT_CLI_H

#include <signal.h>

#include "register/book.h"
#include "pdf/sign.h"
#include "base/vanthu.h"

/* Print the diagnostics to stderr, free them, and map rc to an exit
 * code: the last step of every command. */
int vt_cli_finish(vt_error rc, vt_diags *d);

/* vanthu clusters / import --clusters: a batch plan's clusters from a
 * spreadsheet (cli_clusters.c). */
int vt_cmd_clusters(int argc, char **argv);
/* vanthu import FILE.txt: cli_import.c */
int vt_cmd_import(int argc, char **argv);

int vt_cmd_check(int argc, char **argv);
/* cli_flags.c.  The value of flag at argv[*i] ("--flag V" or
 * "--flag=V"), advancing *i past it; NULL when argv[*i] is another
 * argument; *missing set when the flag has no value. */
const char *vt_cli_flag_value(int argc, char **argv, int *i,
                              const char *flag, int *missing);
/* Inside a getopt_long loop: 1 if the option just read was typed as the
 * whole name (getopt also takes prefixes), so "--password X" cannot pass
 * for --password-file. */
int vt_cli_spelled_out(char **argv, const char *name);
/* --max-part-bytes N, --max-parts N and --max-elements N (also as
 * --flag=N) into lim, taken out of argv for the commands that read a DOCX
 * the clerk brings (import, check); -1 after a usage message. */
int vt_cli_limit_flags(int *argc, char **argv, vt_limits *lim);
/* vanthu serve: the web desk (cli_serve.c, src/web/) */
int vt_cmd_serve(int argc, char **argv);
/* PDF (cli_pdf.c): `vanthu pdf`, and render's flags -o FILE.pdf, --pdf
 * and --pdf-timeout S, taken out of argv before render parses the rest. */
typedef struct {
    int beside;         /* --pdf: the PDF beside the DOCX */
    unsigned timeout_s; /* --pdf-timeout; 0: the default */
} vt_cli_pdf;
int vt_cmd_pdf(int argc, char **argv);
int vt_cli_pdf_flags(int *argc, char **argv, vt_cli_pdf *f);
/* SIGINT and SIGTERM stop a PDF conversion cleanly (vt_pdf_opts.stop);
 * vt_cli_pdf_exit turns a failed exit code into 128 + that signal. */
volatile sig_atomic_t *vt_cli_pdf_stop(void);
int vt_cli_pdf_exit(int code);
/* Write the rendered plan to out: a DOCX, a DOCX and its PDF (--pdf), or
 * only a PDF when out ends in ".pdf". */
vt_error vt_cli_render_out(const vt_plan *plan, const vt_template *tpl,
                           const char *out, const vt_cli_pdf *f, vt_diags *d);

/* register export --format pdf: the DOCX book through the converter. */
vt_error vt_cli_book_pdf(vt_register *reg, const vt_book_opts *b,
                         const char *out, vt_diags *d);
/* cli_sign.c: vanthu sign, vanthu verify-signature */
int vt_cmd_sign(int argc, char **argv);
int vt_cmd_verify_signature(int argc, char **argv);
/* issue's flags --sign, --nss-dir DIR, --nick NAME, --password-file FILE
 * and --etsi, taken out of argv before issue parses the rest (like
 * vt_cli_pdf_flags); -1 after a usage message. */
int vt_cli_sign_flags(int *argc, char **argv, vt_sign_opts *o, int *sign);
/* register verify's --nss-dir DIR (trust for the archived PDFs'
 * signatures), taken out of argv the same way. */
int vt_cli_nss_flag(int *argc, char **argv, const char **nss_dir);
/* vanthu user add|list|remove: the web desk's accounts (cli_user.c) */
int vt_cmd_user(int argc, char **argv);

#endif
