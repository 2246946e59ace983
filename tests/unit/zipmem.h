/*
 * zipmem.h - build a zip package in memory for unit tests (template and
 * package tests share it).  Header-only: each test is one program.
 */
#ifndef VT_TEST_ZIPMEM_H
#define VT_TEST_ZIPMEM_H

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

/* A package with the given entries (name, content pairs, NULL-ended; a
 * name ending in '/' makes a folder entry and its content is ignored);
 * the entry named link, if not NULL, is marked as a Unix symbolic link.
 * Caller frees. */
static inline void *zipmem(size_t *len, const char *const *entries,
                           const char *link)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *mem = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_source_keep(mem);
    zip_t *z = zip_open_from_source(mem, ZIP_TRUNCATE, &ze);
    for (const char *const *e = entries; *e; e += 2) {
        if (e[0][strlen(e[0]) - 1] == '/') {
            zip_dir_add(z, e[0], 0);
            continue;
        }
        zip_source_t *s = zip_source_buffer(z, e[1], strlen(e[1]), 0);
        zip_int64_t i = zip_file_add(z, e[0], s, 0);
        if (link && strcmp(e[0], link) == 0)
            zip_file_set_external_attributes(z, (zip_uint64_t)i, 0,
                                             ZIP_OPSYS_UNIX,
                                             (zip_uint32_t)(S_IFLNK | 0777) << 16);
    }
    zip_close(z);
    zip_stat_t st;
    zip_source_stat(mem, &st);
    void *data = malloc(st.size);
    zip_source_open(mem);
    zip_source_read(mem, data, st.size);
    zip_source_close(mem);
    zip_source_free(mem);
    zip_error_fini(&ze);
    *len = st.size;
    return data;
}

#endif
