/*
 * model.h - the in-memory form of a plan.
 *
 * plan.c builds it from XML and checks it; ooxml.c and render.c only read
 * it.  Everything is allocated from the plan's arena, so the model has no
 * ownership rules: it all goes when the plan goes.
 */
#ifndef VT_MODEL_H
#define VT_MODEL_H

#include <stddef.h>

#include "base/buf.h"
#include "base/vanthu.h"
#include "base/vn_text.h"

/* One Decree-30 administrative document type (Điều 7, Phụ lục III). */
typedef struct {
    const char *slug;   /* "ke-hoach": the value of <plan type="…"> */
    const char *name;   /* "Kế hoạch" */
    const char *abbr;   /* "KH"; "" for công văn and thư công */
    const char *family; /* template family: "mau-1.4", "mau-1.5", "mau-1.7" */
} vt_doctype;

const vt_doctype *vt_doctype_find(const char *slug_or_abbr);
const vt_doctype *vt_doctype_at(size_t i);
size_t vt_doctype_count(void);
int vt_doctype_is_cong_van(const vt_doctype *t);

/* A run of inline text: plan text is plain, with <b> and <i> the only
 * markup, so a paragraph is a list of runs. */
typedef struct {
    const char *text;
    unsigned char bold, italic;
} vt_run;

typedef struct {
    vt_run *runs;
    size_t count;
} vt_inline;

typedef enum {
    VT_NUM_AUTO = 0,
    VT_NUM_ROMAN,   /* I. II. III. - uppercase bold titles */
    VT_NUM_DECIMAL, /* 1. 2. 3. */
    VT_NUM_DOTTED,  /* 1.1. 1.2. - appended to the parent's number */
    VT_NUM_LETTER   /* a) b) c) d) đ) e) */
} vt_numbering;

typedef struct {
    vt_inline text;
    int rowspan, colspan;
    int line;
} vt_cell;

typedef struct {
    vt_cell *cells;
    size_t count;
    int line;
} vt_row;

typedef struct {
    size_t ncols;
    int *widths;      /* relative widths, one per column */
    vt_inline *heads; /* column headings */
    vt_row *rows;
    size_t nrows;
    int repeat_header;
} vt_table;

typedef enum { VT_B_PARA, VT_B_SECTION, VT_B_ITEM, VT_B_TABLE,
               VT_B_LIST } vt_block_kind;

/* A paragraph's children are "+" items under it; an item's are its
 * sub-items; a list's are its numbered items (1. 2. 3. or a) b) c)),
 * which are body text, not headings. */
typedef struct vt_block {
    vt_block_kind kind;
    vt_inline text;    /* paragraph, item, or section title */
    vt_numbering subs; /* section: how its subsections are numbered;
                          list: VT_NUM_DECIMAL or VT_NUM_LETTER */
    vt_table *table;
    struct vt_block *first, *next; /* children: section contents, sub-items */
} vt_block;

/* Where an element starts in the plan file, for messages. */
typedef struct {
    int line, col;
} vt_pos;

typedef struct {
    const char *name;    /* "Cụm số 1" */
    const char *host;    /* cụm trưởng */
    const char *venue;
    const char *topic;
    const char *session; /* "sáng" / "chiều" */
    const char *time;    /* "07:30" or NULL */
    vt_date date;
    /* The schools: read them with vt_cluster_schools, which works whether
     * they are here or were spilled to disk (a batch plan of more than
     * vt_limits.spill_schools schools; then these two are NULL). */
    const char **schools;
    vt_pos *school_pos;
    size_t nschools;
    unsigned long long spill_off; /* where its schools start in the spill */
    size_t spill_len;             /* and how many bytes they take */
    vt_pos pos;
} vt_cluster;

/* A cluster's schools as a caller sees them.  A province's batch plan
 * (a million schools) would not fit the memory vanthu promises if every
 * name stayed in the model, so past vt_limits.spill_schools the plan
 * reader writes the schools to a temporary file and keeps only each
 * cluster's place in it; this reads them back, one cluster at a time.
 * Init once, fill for any cluster (the list is reused), free once.  Each
 * thread uses its own list; the plan is only read. */
typedef struct {
    const char **names;
    const vt_pos *pos;
    size_t n;
    /* private: what a spilled cluster is read into */
    char *text;
    size_t text_cap;
    const char **names_buf;
    vt_pos *pos_buf;
    size_t cap;
} vt_school_list;

void vt_school_list_init(vt_school_list *s);
void vt_school_list_free(vt_school_list *s);
/* The schools of p->clusters[cluster] into s.  VT_OK; VT_ERR_NOMEM; or
 * VT_ERR_IO (the spill file could not be read back) with a message in d. */
vt_error vt_cluster_schools(const vt_plan *p, size_t cluster,
                            vt_school_list *s, vt_diags *d);
/* Append one school (its position, its cleaned name of len bytes) to a
 * cluster's block of the spill, in the form vt_cluster_schools reads. */
void vt_school_spill_put(vt_buf *b, vt_pos at, const char *name, size_t len);

typedef struct {
    const char *title;
    const char *ref; /* overrides the generated "(Kèm theo …)" line */
    vt_block *body;
} vt_appendix;

typedef struct {
    const char *invitee, *event, *chair, *time, *venue;
} vt_invitation;

/* A signature or seal image (Phụ lục I, ô 7b and 7c): the PNG's bytes,
 * checked by png.c, and its printed size in EMU (1 mm = 36,000 EMU). */
typedef struct {
    const char *src;            /* as the plan wrote it */
    const unsigned char *data;  /* the file's bytes, in the plan's arena */
    size_t len;
    long cx, cy;                /* printed width and height, EMU */
    vt_pos pos;
} vt_image;

typedef enum { VT_AUTH_NONE, VT_AUTH_TM, VT_AUTH_KT, VT_AUTH_Q, VT_AUTH_TL,
               VT_AUTH_TUQ } vt_authority;

struct vt_plan {
    vt_arena arena;
    const char *path;
    const vt_doctype *type;
    const char *parent, *agency, *agency_abbr, *agency_short, *place;
    int number;       /* 0: a draft, left blank for the văn thư */
    const char *unit; /* công văn: drafting unit or field abbreviation */
    vt_date date;
    const char **subject;
    size_t nsubject;
    const char **to; /* Kính gửi */
    size_t nto;
    vt_inline *grounds;
    size_t ngrounds;
    vt_block *body;
    vt_invitation inv;
    vt_cluster *clusters;
    size_t nclusters;
    vt_cluster *clusters_heap; /* clusters when read from XML: grown one
                                  <cluster> at a time, outside the arena */
    int spilled;  /* some clusters' schools are in spill_fd */
    int spill_fd; /* the schools' temporary file: vt_cluster_schools */
    vt_pos pos, invitation_pos, clusters_pos; /* <plan>, <invitation>, <clusters> */
    const char **copies; /* Nơi nhận; "X; (remark)" keeps a remark */
    size_t ncopies;
    const char *archive; /* "VT, GDTH" of the "- Lưu: VT, GDTH." line */
    vt_authority authority;
    const char **titles;
    size_t ntitles;
    const char *signer;
    int signed_copy; /* "(Đã ký)" instead of room for a signature */
    vt_image *sig_image, *seal_image; /* <signature><image/><seal/>, or NULL */
    vt_appendix *appendices;
    size_t nappendices;
    const char *urgency, *secrecy, *circulation;
    const char *drafter;
    int drafter_copies;
};

const char *vt_authority_prefix(vt_authority a);

/* A batch plan, one that vanthu invite turns into letters: <clusters> and
 * <invitation>, or a giấy mời with <clusters>. */
int vt_plan_is_batch(const vt_plan *p);
/* Report every school listed in two clusters (a copy-paste slip: it would
 * get two letters); 1 if any, 0 if none, -1 out of memory, -2 the spill
 * could not be read back (with a message in d).  In schools.c. */
int vt_check_schools(const vt_plan *p, vt_diags *d);

/* Lay a table's cells on its grid.  grid gets nrows*ncols entries: the
 * index (row*ncols+cell) of the cell covering each slot: a cell's index
 * in its row is below ncols, since each cell takes a column of its own
 * (a fixed 1,000,000 here once sent a row of a million cells to the next
 * row, past the table's end).  Returns 0, or
 * -1 with a message in err naming the row (1-based) that does not fit. */
int vt_table_layout(const vt_table *t, long *grid, char *err, size_t errlen);

#endif
