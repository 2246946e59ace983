/*
 * quote.h - show text from an input file inside a message.
 *
 * A placeholder name, a part name or an element name comes from a file a
 * clerk received from anywhere; printed raw, a control character could
 * rewrite the terminal line and a bidirectional override could make the
 * message read differently from what it says.  Every message that quotes
 * input passes it through vt_quote first.
 */
#ifndef VT_QUOTE_H
#define VT_QUOTE_H

#include <stddef.h>

/* Write s[0..len) into out (size bytes, NUL-terminated) with control
 * characters, invalid UTF-8 and bidirectional controls shown as \xNN or
 * <U+XXXX>; text past size is cut with "...".  Returns out. */
const char *vt_quote(char *out, size_t size, const char *s, size_t len);

/* The same for a NUL-terminated string (NULL shows as ""). */
const char *vt_quotes(char *out, size_t size, const char *s);

#endif
