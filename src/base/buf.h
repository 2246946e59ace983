/*
 * buf.h - growable byte buffers and a bump arena.
 *
 * Every module builds strings and XML into a vt_buf.  Allocation failure is
 * sticky (buf->oom) so that long chains of appends need one check at the end
 * instead of one per call.  The arena holds a parsed plan: everything in a
 * plan lives exactly as long as the plan, so one free releases it all and
 * nothing can leak on an error path.
 */
#ifndef VT_BUF_H
#define VT_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct {
    char *data;
    size_t len, cap;
    int oom;
} vt_buf;

void vt_buf_init(vt_buf *b);
void vt_buf_free(vt_buf *b);
void vt_buf_reset(vt_buf *b);
int vt_buf_reserve(vt_buf *b, size_t extra);
void vt_buf_put(vt_buf *b, const char *s, size_t n);
void vt_buf_puts(vt_buf *b, const char *s);
void vt_buf_putc(vt_buf *b, char c);
void vt_buf_printf(vt_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void vt_buf_vprintf(vt_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Append v[0..n) separated by sep. */
void vt_buf_join(vt_buf *b, const char *const *v, size_t n, const char *sep);
/* Append one CSV cell as Excel reads it: quoted, quotes doubled, a
 * formula-like start neutralised; last ends the row with CRLF. */
void vt_buf_csv_cell(vt_buf *b, const char *s, int last);
/* Hand the NUL-terminated contents to the caller; the buffer is reset. */
char *vt_buf_take(vt_buf *b);

typedef struct vt_arena_block vt_arena_block;
typedef struct {
    vt_arena_block *head;
    int oom;
} vt_arena;

void vt_arena_init(vt_arena *a);
void vt_arena_free(vt_arena *a);
void *vt_arena_alloc(vt_arena *a, size_t n); /* zeroed */
char *vt_arena_strndup(vt_arena *a, const char *s, size_t n);
char *vt_arena_strdup(vt_arena *a, const char *s);

/* Read a whole file, refusing files larger than max_bytes. Returns 0 on
 * success, -1 with errno set on I/O failure, -2 when the file is too big. */
int vt_read_file(const char *path, size_t max_bytes, char **data, size_t *len);

#endif
