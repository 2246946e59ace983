/*
 * mhd.c - load libmicrohttpd when the desk starts (see mhd.h for why).
 */
#include "web/mhd.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#ifndef VT_MHD_SONAME
#define VT_MHD_SONAME "libmicrohttpd.so.12"
#endif

/* Each function of the table by name, and where it goes. */
static const struct {
    const char *name;
    size_t offset;
} SYMBOLS[] = {
    {"MHD_start_daemon", offsetof(vt_mhd, start_daemon)},
    {"MHD_stop_daemon", offsetof(vt_mhd, stop_daemon)},
    {"MHD_get_daemon_info", offsetof(vt_mhd, get_daemon_info)},
    {"MHD_is_feature_supported", offsetof(vt_mhd, is_feature_supported)},
    {"MHD_get_connection_info", offsetof(vt_mhd, get_connection_info)},
    {"MHD_get_connection_values", offsetof(vt_mhd, get_connection_values)},
    {"MHD_lookup_connection_value", offsetof(vt_mhd, lookup_connection_value)},
    {"MHD_create_post_processor", offsetof(vt_mhd, create_post_processor)},
    {"MHD_post_process", offsetof(vt_mhd, post_process)},
    {"MHD_destroy_post_processor", offsetof(vt_mhd, destroy_post_processor)},
    {"MHD_create_response_from_buffer",
     offsetof(vt_mhd, create_response_from_buffer)},
    {"MHD_add_response_header", offsetof(vt_mhd, add_response_header)},
    {"MHD_queue_response", offsetof(vt_mhd, queue_response)},
    {"MHD_destroy_response", offsetof(vt_mhd, destroy_response)},
};

vt_error vt_mhd_load(vt_mhd *m, vt_diags *d)
{
    memset(m, 0, sizeof *m);
    m->so = dlopen(VT_MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!m->so) {
        vt_diags_addf(d, "vanthu serve: cannot load libmicrohttpd, which the "
                         "desk needs (%s); install the package "
                         "libmicrohttpd12",
                      dlerror());
        return VT_ERR_IO;
    }
    for (size_t i = 0; i < sizeof SYMBOLS / sizeof SYMBOLS[0]; i++) {
        void *f = dlsym(m->so, SYMBOLS[i].name);
        if (!f) {
            vt_diags_addf(d, "vanthu serve: %s has no %s; it is not the "
                             "libmicrohttpd vanthu was built with",
                          VT_MHD_SONAME, SYMBOLS[i].name);
            vt_mhd_unload(m);
            return VT_ERR_IO;
        }
        /* a function pointer stored through its bytes, as POSIX's dlsym
         * example does: C has no conversion from void * to one */
        memcpy((char *)m + SYMBOLS[i].offset, &f, sizeof f);
    }
    return VT_OK;
}

void vt_mhd_unload(vt_mhd *m)
{
    if (m->so)
        dlclose(m->so);
    memset(m, 0, sizeof *m);
}
