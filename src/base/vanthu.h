/*
 * vanthu.h - render Vietnamese administrative documents (Decree 30/2020/ND-CP)
 * from XML plans into DOCX files.
 *
 * This is the library's whole public surface; the command-line tool in cli.c
 * is a thin layer over it.  The flow is always the same:
 *
 *     vt_diags d; vt_diags_init(&d);
 *     vt_plan *plan = NULL;  vt_template *tpl = NULL;
 *     if (vt_plan_load("plans/ke-hoach.xml", &plan, &d) == VT_OK &&
 *         vt_template_open("templates/mau-1.4.docx", &tpl, &d) == VT_OK)
 *         vt_render(plan, tpl, "out/x.docx", &d);
 *     vt_diags_print(&d, stderr);
 *     vt_template_free(tpl); vt_plan_free(plan); vt_diags_free(&d);
 *
 * Every function that can fail returns a vt_error and, for problems with the
 * user's files, adds "file:line:col: message" lines to a vt_diags list, so a
 * clerk sees every problem at once rather than one per run.
 */
#ifndef VANTHU_H
#define VANTHU_H

#include <stddef.h>
#include <stdio.h>

#define VT_VERSION "0.1.0"

/* One error enum for the whole library; vt_strerror() gives its message. */
typedef enum {
    VT_OK = 0,
    VT_ERR_NOMEM,     /* out of memory */
    VT_ERR_IO,        /* a file could not be read or written */
    VT_ERR_XML,       /* a plan or template part is not well-formed XML */
    VT_ERR_PLAN,      /* a plan breaks the schema or the decree's rules */
    VT_ERR_TEMPLATE,  /* a template is not usable (placeholders, parts) */
    VT_ERR_ZIP,       /* a file is not a readable DOCX (zip) package */
    VT_ERR_LIMIT,     /* input exceeds a safety limit */
    VT_ERR_USAGE,     /* the caller asked for something impossible */
    VT_ERR_MISMATCH,  /* archived files differ from the register */
    VT_ERR_PDF,       /* a PDF vanthu cannot read or sign */
    VT_ERR_SIGNATURE, /* a signature cannot be made, or does not verify */
    VT_ERR__COUNT
} vt_error;

const char *vt_strerror(vt_error err);

/* Exit codes of the command-line tool, documented in the README. */
enum { VT_EXIT_OK = 0, VT_EXIT_INPUT = 1, VT_EXIT_USAGE = 2, VT_EXIT_ENV = 3 };
int vt_exit_code(vt_error err);

/* A list of user-facing problems, each one line. */
typedef struct {
    char **msgs;
    size_t count, cap;
} vt_diags;

void vt_diags_init(vt_diags *d);
void vt_diags_free(vt_diags *d);
void vt_diags_addf(vt_diags *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void vt_diags_print(const vt_diags *d, FILE *fp);

/* Safety limits; vt_limits_default() gives the documented defaults. */
typedef struct {
    size_t max_plan_bytes;     /* size of a plan file */
    size_t max_part_bytes;     /* inflated size of one template part */
    size_t max_parts;          /* number of entries in a template package */
    size_t max_depth;          /* nesting of sections and items in a plan */
    size_t max_table_cells;    /* cells in one table */
    size_t max_elements;       /* XML elements, attributes, namespace
                                  declarations and comments in all the
                                  parsed parts of a template */
    size_t spill_schools;      /* schools a batch plan keeps in memory; past
                                  this they go to a temporary file
                                  (docs/memory.md); not a limit on the plan */
} vt_limits;

vt_limits vt_limits_default(void);

typedef struct vt_plan vt_plan;
typedef struct vt_template vt_template;

/* Parse and validate a plan.  On VT_ERR_PLAN or VT_ERR_XML, *out is NULL and
 * every problem found is in d. */
vt_error vt_plan_load(const char *path, const vt_limits *lim, vt_plan **out,
                      vt_diags *d);
vt_error vt_plan_load_mem(const char *name, const char *data, size_t len,
                          const vt_limits *lim, vt_plan **out, vt_diags *d);
void vt_plan_free(vt_plan *plan);

/* vt_plan_load, plus lint: text that repeats what vanthu prints (a typed
 * "- " before an item, a number before a title, "KT." in a signature
 * title, "V/v" before a công văn subject, "Lưu:" in a Nơi nhận entry)
 * adds "file:line:col: warning: …" lines to d among the errors.  Warnings
 * never change the result. */
vt_error vt_plan_lint(const char *path, const vt_limits *lim, vt_plan **out,
                      vt_diags *d);
vt_error vt_plan_lint_mem(const char *name, const char *data, size_t len,
                          const vt_limits *lim, vt_plan **out, vt_diags *d);

/* The template family a plan's document type uses by default: "mau-1.4",
 * "mau-1.5" or "mau-1.7". */
const char *vt_plan_template_family(const vt_plan *plan);

/* The default output file name for a plan, e.g. "KH-05-2020-03-05.docx"
 * (a draft gives "KH-du-thao-2023-10.docx"). Caller frees. */
char *vt_plan_output_name(const vt_plan *plan);

/* Open a DOCX template once; it can then fill any number of documents. */
vt_error vt_template_open(const char *path, const vt_limits *lim,
                          vt_template **out, vt_diags *d);
vt_error vt_template_open_mem(const char *name, const void *data, size_t len,
                              const vt_limits *lim, vt_template **out,
                              vt_diags *d);
void vt_template_free(vt_template *tpl);

/* Render plan through tpl into out_path, atomically: the file appears
 * complete or not at all. */
vt_error vt_render(const vt_plan *plan, const vt_template *tpl,
                   const char *out_path, vt_diags *d);

/* ---- batches of invitations (vanthu invite) ----------------------------- */

typedef enum { VT_PER_CLUSTER, VT_PER_SCHOOL } vt_invite_per;

typedef struct {
    vt_invite_per per; /* one letter per cluster, or per member school */
    unsigned jobs;     /* threads; 0 means one per core */
    int dry_run;       /* render in memory and list, write nothing */
    int force;         /* write into a folder that is not empty */
    int progress;      /* draw a progress bar on stderr (a terminal) */
    const int *numbers; /* one number per cluster, e.g. from the register;
                           NULL: the plan's <number>, +1 per cluster */
    /* Called once the batch is in place, for every file written: the
     * cluster's index (SIZE_MAX for the manifests), its path and SHA-256
     * (hex, "" for the manifests).  Non-zero fails the batch; the
     * register uses it to record each letter under its number. */
    int (*on_file)(void *ctx, size_t cluster, const char *path,
                   const char *sha256);
    void *on_file_ctx;
    /* invite --pdf: a PDF beside each letter (pdf.h), NULL for none */
    const struct vt_pdf_opts *pdf;
    /* Set (non-zero) by a SIGINT or SIGTERM handler: the batch stops,
     * removes what it wrote and fails; NULL: never stopped.  A
     * volatile sig_atomic_t, which glibc defines as int: spelled int so
     * that this header need not include <signal.h>, which with
     * _GNU_SOURCE declares all of <unistd.h> into every module. */
    const volatile int *stop;
    /* Called about ten times a second while the letters are written, and
     * once at the end, with the letters done and their total, from the
     * thread that called vt_invite (the web desk's progress bar); NULL:
     * none. */
    void (*on_progress)(void *ctx, size_t done, size_t total);
    void *on_progress_ctx;
} vt_invite_opts;

/* -j: at most this many threads (more only cost memory: a batch is bound
 * by the disk past a few cores). */
#define VT_INVITE_MAX_JOBS 64
/* The threads a batch uses for asked (0: one per online core), capped at
 * VT_INVITE_MAX_JOBS. */
unsigned vt_invite_jobs(unsigned asked);

typedef struct {
    size_t letters, clusters, bytes;
    unsigned jobs;
    double seconds;
} vt_invite_result;

/* Check that a plan can make a batch: clusters with a date, a venue and
 * schools, an <invitation>, and (when tpl is given) a template with the
 * invitation placeholders.  Every problem goes to d. */
vt_error vt_invite_check(const vt_plan *plan, const vt_template *tpl,
                         vt_invite_per per, vt_diags *d);

/* Write the batch into dir: one DOCX per letter, then manifest.csv and
 * manifest.json (file, cluster, recipient, number, ký hiệu, date,
 * SHA-256).  Nothing is written unless the whole batch checks out; on a
 * failure midway the letters of this run are removed.  With dry_run the
 * letters are listed on listing instead. */
vt_error vt_invite(const vt_plan *plan, const vt_template *tpl,
                   const char *dir, const vt_invite_opts *o, FILE *listing,
                   vt_invite_result *res, vt_diags *d);

/* Pack unpacked template folders (as kept in git) into one DOCX file,
 * deterministically; a part in a later folder replaces the same part in an
 * earlier one, so families share templates/common/. */
vt_error vt_pack_dirs(const char *const *dirs, size_t ndirs,
                      const char *out_path, vt_diags *d);

#endif
