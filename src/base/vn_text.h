/*
 * vn_text.h - Vietnamese text rules of Decree 30: NFC, upper case, the
 * numbering sequences, dates and numbers as the decree writes them, and an
 * estimate of printed width used to size the decree's short rules.
 */
#ifndef VT_VN_TEXT_H
#define VT_VN_TEXT_H

#include <stddef.h>

#include "base/buf.h"

typedef struct {
    int year, month, day; /* month or day 0: left blank (a draft) */
} vt_date;

/* Append s normalised for a document: NFC, C0 controls, bidirectional marks
 * and other invisible format characters removed, white space folded to one
 * space.  Returns -1 on invalid UTF-8 (nothing appended), -2 when memory
 * ran out. */
int vt_text_clean(const char *s, size_t n, vt_buf *out);

/* Append the NFC upper-case form of s (ư -> Ư, đ -> Đ, ạ -> Ạ). */
int vt_text_upper(const char *s, vt_buf *out);

/* Upper-case only the first letter (for "Kế hoạch" from "kế hoạch"). */
int vt_text_capitalize(const char *s, vt_buf *out);

/* Roman numeral for 1..3999 into out (at least 16 bytes); 0 on success. */
int vt_roman(int n, char *out, size_t size);

/* Roman numeral of any n >= 1: I … MMMCMXCIX, then with the vinculum
 * (U+0305 over each letter multiplies by 1000): 4000 is I̅V̅, 4001 I̅V̅I. */
void vt_roman_label(int n, vt_buf *out);

/* The n-th (0-based) điểm letter with no end: a … y, then aa ab … ay,
 * ba …, in the decree's alphabet. */
void vt_vn_letter_label(int n, vt_buf *out);

/* The n-th (0-based) letter of the decree's điểm sequence
 * a b c d đ e g h i k l m n o p q r s t u v x y; NULL past the end. */
const char *vt_vn_letter(int n);
int vt_vn_letter_count(void);

/* 1 if the date exists (blank day/month allowed when allow_blank). */
int vt_date_valid(const vt_date *d, int allow_blank);
int vt_days_in_month(int year, int month);

/* "ngày 05 tháng 3 năm 2020"; blank parts become spaces for the clerk. */
void vt_date_long(const vt_date *d, vt_buf *out);

/* The time of a meeting as a giấy mời writes it: "7 giờ 30 phút, ngày 14
 * tháng 3 năm 2018" when hhmm ("07:30") is given, else "buổi sáng, ngày …"
 * when session is, else "ngày …". */
void vt_time_long(const vt_date *d, const char *session, const char *hhmm,
                  vt_buf *out);

/* "05/3/2020" style used in references ("ngày 26/02/2018"). */
void vt_date_short(const vt_date *d, vt_buf *out);

/* Number padded as the decree wants: 1 -> "01", 125 -> "125". */
void vt_number_pad(int n, vt_buf *out);

/* "05/KH-PGDĐT" (typed) or "394/GDĐT" / "05/PGDĐT-GDTH" (công văn).
 * number 0 gives the draft form with blank space before the slash.
 * type_abbr NULL or "" means công văn: agency[-unit]. */
void vt_ky_hieu(int number, const char *type_abbr, const char *agency_abbr,
                const char *unit_abbr, vt_buf *out);

/* Printed width of s in twips (1/20 pt) in Times New Roman at size_pt,
 * from the Times metrics; Vietnamese letters are measured by their base
 * letter, which is what the stacked diacritics sit on. */
long vt_text_width_twips(const char *s, double size_pt, int bold);

/* Append s folded for search: lower case, tone and vowel marks removed,
 * đ as d ("Kế hoạch" and "KE HOACH" both give "ke hoach"), so a clerk
 * finds a document however the query was typed. */
void vt_text_fold(const char *s, vt_buf *out);
/* ASCII slug for file names: "Cụm 1: TH Lai Vu" -> "cum-1-th-lai-vu". */
void vt_slug(const char *s, size_t max_len, vt_buf *out);

#endif
