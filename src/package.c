/*
 * package.c - reading and parsing the parts of a DOCX held in memory,
 * with the limits a file from outside needs (see package.h).
 */
#include "package.h"

#include <libxml/parser.h>
#include <string.h>

zip_t *vt_package_open(const char *name, const char *data, size_t len, vt_diags *d)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze) : NULL;
    if (!z) {
        vt_diags_addf(d, "%s: not a readable DOCX (zip) package: %s", name,
                      zip_error_strerror(&ze));
        zip_source_free(src);
    }
    zip_error_fini(&ze);
    return z;
}

vt_error vt_package_read_part(const char *name, zip_t *z, const char *part,
                              int required, size_t max, vt_buf *out, vt_diags *d)
{
    zip_int64_t i = zip_name_locate(z, part, 0);
    if (i < 0) {
        if (!required)
            return VT_OK;
        vt_diags_addf(d, "%s: a zip package without %s is not a DOCX", name, part);
        return VT_ERR_ZIP;
    }
    zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)i, 0);
    if (!f) {
        vt_diags_addf(d, "%s: %s cannot be read: %s", name, part, zip_strerror(z));
        return VT_ERR_ZIP;
    }
    vt_error rc = VT_OK;
    char chunk[16384];
    zip_int64_t got;
    /* count what inflates, not what the header says: a bomb lies there */
    while ((got = zip_fread(f, chunk, sizeof chunk)) > 0) {
        if (out->len + (size_t)got > max) {
            vt_diags_addf(d, "%s: %s inflates past the limit of %zu bytes", name,
                          part, max);
            rc = VT_ERR_LIMIT;
            break;
        }
        vt_buf_put(out, chunk, (size_t)got);
    }
    if (rc == VT_OK && got < 0) {
        vt_diags_addf(d, "%s: %s is damaged: %s", name, part, zip_file_strerror(f));
        rc = VT_ERR_ZIP;
    }
    if (rc == VT_OK && out->oom)
        rc = VT_ERR_NOMEM;
    zip_fclose(f);
    return rc;
}

vt_error vt_package_parse_part(const char *name, const char *part, const char *xml,
                               size_t len, xmlDocPtr *out, vt_diags *d)
{
    *out = NULL;
    if (!len)
        return VT_OK;
    if (memmem(xml, len, "<!DOCTYPE", 9)) {
        vt_diags_addf(d, "%s: %s has a DOCTYPE, which a DOCX never needs; "
                         "refusing it", name, part);
        return VT_ERR_XML;
    }
    if (len > 0x7fffffff) {
        vt_diags_addf(d, "%s: %s is too large to parse", name, part);
        return VT_ERR_LIMIT;
    }
    *out = xmlReadMemory(xml, (int)len, part, NULL,
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!*out) {
        vt_diags_addf(d, "%s: %s is not well-formed XML", name, part);
        return VT_ERR_XML;
    }
    return VT_OK;
}
