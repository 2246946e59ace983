/*
 * xml.h - escaping for XML text and attribute values: the only two paths
 * by which data reaches the XML vanthu writes.
 */
#ifndef VT_XML_H
#define VT_XML_H

#include "base/buf.h"

/* Escape element text; characters XML 1.0 forbids are dropped. */
void vt_xml_text(vt_buf *b, const char *s);
/* Escape an attribute value (quotes, and white space as references). */
void vt_xml_attr(vt_buf *b, const char *s);

#endif
