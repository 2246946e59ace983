/*
 * register.h - the register of outgoing documents (sổ đăng ký văn bản
 * đi), Decree 30 section 3.4 and Phụ lục IV.
 *
 * The register hands out numbers and records each document with its
 * archived file.  Allocation and record are one transaction: the caller's
 * write function puts the complete file on disk inside it, and the file
 * is removed again if the transaction cannot commit, so a crash leaves a
 * complete entry or nothing.  Storage sits behind this small interface so
 * that a second backend (a shared PostgreSQL register) can follow.
 */
#ifndef VT_REGISTER_H
#define VT_REGISTER_H

#include "vanthu.h"

typedef struct vt_register vt_register;

/* Open (creating and migrating as needed) the register at path.  A file
 * that is not a vanthu register, cannot be written or stays locked for
 * busy_ms is refused with a message and left untouched. */
vt_error vt_register_open(const char *path, int busy_ms, vt_register **out,
                          vt_diags *d);
void vt_register_close(vt_register *r);

/* What a document brings to the register. */
typedef struct {
    const char *agency_abbr, *agency_name;
    const char *type_abbr;   /* "KH"; "" for công văn */
    const char *type_name;   /* "Kế hoạch" */
    const char *unit;        /* công văn: "GDTH" or NULL */
    int secret;              /* secret documents have their own series */
    int year, month, day;
    int number;              /* 0: allocate the next; else check it is free */
    const char *subject, *signer, *recipients, *archive_unit;
    int copies;
    int allow_backdate;
} vt_reg_request;

/* Called inside the transaction once the number is known: write the
 * complete file, return its path (malloc'd) and SHA-256. */
typedef vt_error (*vt_reg_write_fn)(void *ctx, int number, char **path,
                                    char sha[65], vt_diags *d);

vt_error vt_register_issue(vt_register *r, const vt_reg_request *q,
                           vt_reg_write_fn write, void *ctx, int *number,
                           vt_diags *d);

/* The schema version this build writes (PRAGMA user_version). */
int vt_register_schema_version(void);

#endif
