/*
 * import_text.h - read a document typed as plain text into a plan.
 *
 * A clerk's text file has the whole document in the order the decree
 * prints it: header, type name and trích yếu (or the V/v line), Kính gửi,
 * Căn cứ, the body with its typed numbering, Nơi nhận, the signature and
 * any appendices.  The importer classifies each line, places it, and
 * writes a plan whose numbering vanthu regenerates.  It never drops a line
 * with words on it: what it cannot place becomes a paragraph and a
 * warning; what is missing becomes a "[THIẾU: …]" field and a warning.
 */
#ifndef VT_IMPORT_TEXT_H
#define VT_IMPORT_TEXT_H

#include "base/buf.h"
#include "base/vanthu.h"

/* The text a missing field gets, e.g. "[THIẾU: tên cơ quan ban hành]". */
#define VT_MISSING "[THIẾU: "

typedef enum {
    VT_L_BLANK,
    VT_L_RULE,      /* ------, _____ (the decree's short rules) */
    VT_L_QUOCHIEU,  /* CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM */
    VT_L_TIEUNGU,   /* Độc lập - Tự do - Hạnh phúc */
    VT_L_SO,        /* Số: 394/GDĐT, Số:   /KH-PGDĐT */
    VT_L_DATE,      /* Kim Thành, ngày 26 tháng 02 năm 2018 */
    VT_L_VV,        /* V/v …, Về việc … */
    VT_L_KINHGUI,   /* Kính gửi: … */
    VT_L_CANCU,     /* Căn cứ … */
    VT_L_ROMAN,     /* I. … */
    VT_L_DECIMAL,   /* 1. … */
    VT_L_DOTTED,    /* 1.1. … (also the slip "1. 1.") */
    VT_L_LETTER,    /* a) … đ) … */
    VT_L_DASH,      /* - … */
    VT_L_PLUS,      /* + … */
    VT_L_NOINHAN,   /* Nơi nhận: */
    VT_L_LUU,       /* - Lưu: VT, … */
    VT_L_DAKY,      /* (Đã ký) */
    VT_L_AUTHORITY, /* KT. TRƯỞNG PHÒNG, TM. …, Q. …, TL. …, TUQ. … */
    VT_L_KEMTHEO,   /* (Kèm theo …) */
    VT_L_PHULUC,    /* Phụ lục I */
    VT_L_UPPER,     /* a line in capitals */
    VT_L_TEXT,      /* anything else */
} vt_line_kind;

typedef struct {
    vt_line_kind kind;
    const char *rest; /* the text after the typed prefix, in the line */
    int num, num2;    /* 1. → 1; 1.2. → 1, 2; I. → 1; a) → 1; authority */
} vt_line_info;

/* Classify one line (no tabs, trimmed). */
vt_line_kind vt_import_classify(const char *line, vt_line_info *info);

/* "Số: 82/PGDĐT-GDTH" → number 82 (0: a draft's blank), the type
 * abbreviation ("" when the ký hiệu has none), agency and unit (""), into
 * the buffers given (each at least 64 bytes).  -1 if not a Số line. */
int vt_import_parse_so(const char *line, int *number, char *type_abbr,
                       char *agency, char *unit, size_t size);

/* "Kim Thành, ngày 26 tháng 02 năm 2018" → place (at least 128 bytes) and
 * y, m, d (0 where a draft left a blank).  -1 if not a date line. */
int vt_import_parse_date(const char *line, char *place, size_t size, int *y,
                         int *m, int *d);

/* Import text (UTF-8 NFC, LF lines) into a plan's XML.  name is used in
 * warnings, which go to warn as "name:line: …" and never stop the
 * import.  Returns VT_ERR_NOMEM or VT_OK. */
vt_error vt_import_text(const char *name, const char *text, vt_buf *xml,
                        vt_diags *warn);

#endif
