/*
 * register.h - the register of outgoing documents (sổ đăng ký văn bản đi).
 *
 * This is the storage interface: the commands (issue, invite --register,
 * register list|show|void|export|verify) only call these functions, so a
 * second backend (a province-wide PostgreSQL register) replaces register.c
 * and nothing else.  The SQLite backend keeps one file; its schema is in
 * docs/register.md.
 *
 * A number is handed out and recorded in one transaction, with the
 * archived file written in between: the caller's write function gets the
 * numbers, writes and syncs the files, and the entry is committed only
 * after that.  If anything fails (or the process dies) before the commit,
 * the numbers were never given and the files are removed (after a
 * crash, a file may stay that no entry owns: verify lists it, and it is
 * never replaced).
 */
#ifndef VT_REGISTER_H
#define VT_REGISTER_H

#include <stddef.h>

#include "base/vanthu.h"

typedef struct vt_register vt_register;

/* The largest number the register gives in a series and year, the same
 * bound a plan's <number> has: a file edited by hand with a number past
 * it makes the series full (refused) rather than overflow. */
#define VT_REGISTER_MAX_NUMBER 999999

/* The marker file in each archive folder: it names the register whose
 * folder it is, so that a second register is refused there instead of
 * writing over the first one's files. */
#define VT_REGISTER_MARKER ".vanthu-register"

/* Open (creating if missing) the register at path.  busy_ms is how long
 * to wait for another process holding the register before giving up with
 * a clear error.  A file that is not a vanthu register (a text file,
 * another program's SQLite database, a newer schema) is refused with
 * VT_ERR_USAGE and left untouched, as is a file with vanthu's
 * application id whose tables are not exactly a register's.  read_only
 * opens without any write (list, show, export, verify), and on read-only
 * media (where SQLite cannot make the WAL's shared memory file) opens the
 * file as immutable. */
vt_error vt_register_open(const char *path, int busy_ms, int read_only,
                          vt_register **out, vt_diags *d);
void vt_register_close(vt_register *r);
int vt_register_schema_version(void);
/* The folder the register's relative archive paths are relative to. */
const char *vt_register_dir(const vt_register *r);

/* One document to number and record. */
typedef struct {
    const char *agency_abbr, *agency_name; /* "PGDĐT", "PHÒNG GIÁO DỤC …" */
    const char *parent;      /* cơ quan chủ quản, for the register's cover */
    const char *type_slug;   /* "ke-hoach", "cong-van" */
    const char *type_abbr;   /* "KH"; "" or NULL for công văn */
    const char *type_name;   /* "Kế hoạch" */
    const char *unit;        /* công văn: drafting unit, "GDTH" */
    int secret;              /* own series (ND30 3.4) */
    int year, month, day;
    int number;              /* 0: allocate the next; else check it is free */
    const char *subject;     /* trích yếu */
    const char *signer;
    const char *recipients;  /* nơi nhận, one line */
    const char *archive_unit; /* đơn vị, người nhận bản lưu: "VT, GDTH" */
    int copies;              /* số lượng bản */
    int allow_backdate;      /* accept a date before the series' last */
} vt_reg_request;

/* The files a write function produced.  request is the index of the
 * request whose entry the file belongs to, or -1 for a file that goes
 * with the batch but is not recorded (a manifest): all of them are
 * removed if the transaction does not commit. */
typedef struct {
    int request;
    char *path;
    char sha256[65];
} vt_reg_file;

typedef struct {
    vt_reg_file *v;
    size_t n, cap;
} vt_reg_files;

int vt_reg_files_add(vt_reg_files *f, int request, const char *path,
                     const char *sha256);
void vt_reg_files_free(vt_reg_files *f);

/* Called inside the transaction with the numbers (and ký hiệu) given to
 * the nq requests; writes every file completely (synced) before
 * returning. */
typedef vt_error (*vt_reg_write_fn)(void *ctx, const int *numbers,
                                    const char *const *ky_hieu,
                                    vt_reg_files *files, vt_diags *d);

/* Give nq documents their numbers in one transaction, consecutive within
 * their series, write them through write, and record them.  numbers gets
 * the nq numbers given.  A request's explicit number that is already in
 * the register (voided ones included), a ký hiệu already used that year,
 * or a date before the series' last document is refused with nothing
 * written. */
vt_error vt_register_issue(vt_register *r, const vt_reg_request *q,
                           size_t nq, vt_reg_write_fn write, void *ctx,
                           int *numbers, vt_diags *d);

/* The register's random id (32 hex digits), which the marker of its
 * archive folders names; "" for a register older than schema 3 opened
 * read-only. */
const char *vt_register_id(const vt_register *r);

/* Record dir as one of the register's archive folders (committed at
 * once, so it is known even if the issue that follows is killed). */
vt_error vt_register_add_dir(vt_register *r, const char *dir, vt_diags *d);

/* Forget dir again, when the issue that made it was refused and the
 * folder is taken away (best effort: a folder recorded but gone is
 * skipped by verify anyway). */
void vt_register_forget_dir(vt_register *r, const char *dir);

/* Call fn with the full path of every archive folder recorded; stops
 * early (VT_ERR_USAGE) when fn returns non-zero. */
typedef int (*vt_reg_dir_fn)(void *ctx, const char *dir);
vt_error vt_register_archive_dirs(vt_register *r, vt_reg_dir_fn fn,
                                  void *ctx, vt_diags *d);

/* What path is, if it is something no output may replace: the register
 * file (or its -wal, -shm, -journal), an archive folder's marker, or an
 * archived file; NULL otherwise. */
const char *vt_register_protected(vt_register *r, const char *path);

/* 1 if path is the archived file of an entry (so must not be overwritten),
 * 0 if not, -1 on a database error. */
int vt_register_file_taken(vt_register *r, const char *path);

/* ---- reading the register ------------------------------------------- */

/* One entry as the register shows it: the ten columns of Phụ lục IV plus
 * where it is filed.  The strings are valid during the callback only. */
typedef struct {
    long long id;
    const char *agency_abbr, *agency_name, *parent;
    int year, number;
    const char *series;    /* "chung", a type abbreviation, or "mat" */
    const char *type_slug;
    const char *ky_hieu;   /* "05/KH-PGDĐT" */
    const char *date;      /* YYYY-MM-DD */
    const char *type_subject; /* "Kế hoạch: Sinh hoạt chuyên môn …" */
    const char *signer, *recipients, *archive_unit;
    int copies;
    const char *sent_date, *received_by, *note; /* "" when not filled */
    const char *voided;    /* the reason, "" when the number stands */
    const char *voided_on;
    const char *files;     /* archived paths, one per line */
} vt_reg_entry;

typedef struct {
    int year;            /* 0: every year */
    int number;          /* 0: every number */
    const char *type_slug; /* NULL: every type */
    const char *text;    /* NULL: no text search; else found in the
                            trích yếu ignoring case and marks */
    const char *ky_hieu; /* NULL: any */
} vt_reg_filter;

typedef int (*vt_reg_entry_fn)(void *ctx, const vt_reg_entry *e);

/* Call fn for each entry matching f, in order of agency, year, series and
 * number; stops early (VT_ERR_USAGE) if fn returns non-zero. */
vt_error vt_register_list(vt_register *r, const vt_reg_filter *f,
                          vt_reg_entry_fn fn, void *ctx, vt_diags *d);

/* Call fn for each archived file of the entries matching f, with its
 * path as stored (relative to vt_register_dir() unless absolute) and the
 * SHA-256 recorded when it was written. */
typedef int (*vt_reg_file_fn)(void *ctx, const vt_reg_entry *e,
                              const char *path, const char *sha256);
vt_error vt_register_files(vt_register *r, const vt_reg_filter *f,
                           vt_reg_file_fn fn, void *ctx, vt_diags *d);

/* Change the single entry matching f (number/year, or ký hiệu/year):
 * what the clerk writes in the book after issuing.  NULL leaves a column
 * as it is.  void_reason cancels the number on void_date: it stays taken
 * forever, and an entry is voided once. */
typedef struct {
    const char *void_reason, *void_date;
    const char *sent_date;   /* ngày chuyển, YYYY-MM-DD */
    const char *received_by; /* ký nhận */
    const char *note;        /* ghi chú */
} vt_reg_update;

vt_error vt_register_update(vt_register *r, const vt_reg_filter *f,
                            const vt_reg_update *u, vt_diags *d);

/* The settings of one agency: its name, the name of its parent agency
 * (for the register's cover), its series policy ("shared" or
 * "per-type") and the register book number (quyển số).  NULL/0 leaves a
 * setting as it is; an agency not yet in the register is added. */
typedef struct {
    const char *abbr, *name, *parent, *series_policy;
    int book;
} vt_reg_agency;

vt_error vt_register_set_agency(vt_register *r, const vt_reg_agency *a,
                                vt_diags *d);
typedef int (*vt_reg_agency_fn)(void *ctx, const vt_reg_agency *a);
vt_error vt_register_agencies(vt_register *r, vt_reg_agency_fn fn, void *ctx,
                              vt_diags *d);

#endif
