/*
 * fuzz.h - what the libFuzzer targets share: where the shipped templates
 * are, reading one part out of a DOCX package, and the oracle every
 * target applies to what vanthu produces.
 *
 * The targets do more than look for crashes: whenever vanthu accepts an
 * input and produces a document, its word/document.xml must be well-formed
 * XML, because a value that breaks the XML is exactly the injection issue 5
 * forbids, and its drawings must have distinct ids, which Word requires.
 * A broken document aborts the run like a crash does.
 *
 * The same target files are built twice: by clang with -fsanitize=fuzzer
 * (tests/fuzz/run), and by the normal compiler with replay.c as main, so
 * ctest replays the seeds and every kept crash on each build, sanitized
 * build included.
 */
#ifndef VT_FUZZ_H
#define VT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/vanthu.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An oracle's promise: abort (a finding for libFuzzer, a failure for the
 * replays) with what was broken, unless cond holds. */
#define CHECK(cond, what)                                                    \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "fuzz: %s\n", what);                             \
            abort();                                                         \
        }                                                                    \
    } while (0)

/* Limits for fuzzing: the defaults, except that one inflated part may not
 * pass 8 MiB, so a zip bomb costs milliseconds rather than a timeout (the
 * 64 MiB default limit itself is tested by tests/bad/). */
vt_limits fz_limits(void);

/* Open the shipped template family ("mau-1.4") from the build folder
 * (VT_BUILD_DIR, else the folder CMake compiled in); aborts if missing,
 * because a fuzzer without its template would test nothing. */
vt_template *fz_template(const char *family);

/* The shipped template of p's family (opened once, kept for the run);
 * aborts for a family vanthu does not ship. */
const vt_template *fz_template_for(const vt_plan *p);

/* Load a shipped plan from plans/ (VT_SOURCE_DIR, else the source folder
 * CMake compiled in); aborts if it does not load.  Both loaders then
 * silence libxml2's own error printing for the run. */
vt_plan *fz_plan(const char *file);

/* Read entry name of a DOCX package into out; 0 on success. */
int fz_part(const void *pkg, size_t len, const char *name, vt_buf *out);

/* Abort unless xml is well-formed (no DTD, no entities, no network) and
 * its drawings have distinct ids, as Word requires. */
void fz_check_xml(const char *what, const char *xml, size_t len);

/* Abort unless pkg is a package whose word/document.xml is well-formed. */
void fz_check_docx(const char *what, const void *pkg, size_t len);

/* Render plan through tpl in memory and, when vanthu accepts, check that
 * every entry of the result inflates with a matching CRC (unzip -t) and
 * that every part the template filled is well-formed XML. */
void fz_render_check(const char *what, const vt_plan *plan,
                     const vt_template *tpl, vt_diags *d);

/* The text oracle: a set of Unicode characters.  Whatever vanthu writes
 * into a w:t must be made of characters the template or the values hold;
 * a forged slot number that read past the values, or any other bytes from
 * memory, would show up as characters from nowhere. */
typedef struct {
    unsigned char *bits; /* 0x40000 bytes: one bit per code point < 2^21 */
} fz_chars;

void fz_chars_add(fz_chars *c, const char *s, size_t len);
/* Add every text and attribute value of an XML part (parsed as libxml2
 * reads it, so character references count as what they stand for). */
void fz_chars_add_xml(fz_chars *c, const char *xml, size_t len);
/* fz_check_xml, and every character in the w:t (any "t") texts of xml
 * must be in c. */
void fz_check_text_within(const char *what, const char *xml, size_t len,
                          const fz_chars *c);

/* fz_render_check, and every character of the filled parts' w:t texts
 * must be in allowed. */
void fz_render_check_text(const char *what, const vt_plan *plan,
                          const vt_template *tpl, const fz_chars *allowed,
                          vt_diags *d);

/* Abort when an input was refused without a word to the clerk. */
void fz_check_refusal(const char *what, const vt_diags *d);

#endif
