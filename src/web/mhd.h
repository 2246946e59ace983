/*
 * mhd.h - libmicrohttpd, loaded when the desk starts rather than linked.
 *
 * libmicrohttpd brings GnuTLS and eight more shared libraries; linked into
 * vanthu, every command would load and start them, which cost a single
 * `vanthu render` about a millisecond of its five (docs/benchmark.md,
 * Start-up).  Only `vanthu serve` needs them, so server.c calls
 * libmicrohttpd through this table, filled by dlopen when the desk
 * starts.  The header still comes from libmicrohttpd-dev, so the types
 * and constants are checked by the compiler as before.
 */
#ifndef VT_MHD_H
#define VT_MHD_H

#include <microhttpd.h>

#include "base/vanthu.h"

typedef struct vt_mhd {
    void *so;
    __typeof__(&MHD_start_daemon) start_daemon;
    __typeof__(&MHD_stop_daemon) stop_daemon;
    __typeof__(&MHD_get_daemon_info) get_daemon_info;
    __typeof__(&MHD_is_feature_supported) is_feature_supported;
    __typeof__(&MHD_get_connection_info) get_connection_info;
    __typeof__(&MHD_get_connection_values) get_connection_values;
    __typeof__(&MHD_lookup_connection_value) lookup_connection_value;
    __typeof__(&MHD_create_post_processor) create_post_processor;
    __typeof__(&MHD_post_process) post_process;
    __typeof__(&MHD_destroy_post_processor) destroy_post_processor;
    __typeof__(&MHD_create_response_from_buffer) create_response_from_buffer;
    __typeof__(&MHD_add_response_header) add_response_header;
    __typeof__(&MHD_queue_response) queue_response;
    __typeof__(&MHD_destroy_response) destroy_response;
} vt_mhd;

/* Load libmicrohttpd (its soname as the build found it) and every
 * function above.  VT_OK, or VT_ERR_IO with what is missing in d. */
vt_error vt_mhd_load(vt_mhd *m, vt_diags *d);
void vt_mhd_unload(vt_mhd *m);

#endif
