/*
 * png.h - check a PNG's structure before it goes into a document.
 *
 * A plan's signature and seal images come from the clerk's disk; vanthu
 * only copies their bytes into the package, so it never decompresses
 * them.  It still reads the header and every chunk's frame and CRC, so a
 * renamed JPEG, a truncated file or a 20,000 x 20,000 picture (a
 * decompression bomb for Word and LibreOffice) is refused with a reason.
 */
#ifndef VT_PNG_H
#define VT_PNG_H

#include <stddef.h>

#define VT_PNG_MAX_BYTES (2u << 20)      /* 2 MiB file */
#define VT_PNG_MAX_SIDE 4000u            /* pixels, each side */
#define VT_PNG_MAX_PIXEL_BYTES (64u << 20) /* width*height*4 */

typedef struct {
    unsigned width, height;
    double dpmm_x, dpmm_y; /* pixels per mm from pHYs, 0 when absent */
} vt_png_info;

/* 0 when data is a whole PNG within the limits, with its size in *info;
 * -1 with the reason (no file name) in err otherwise. */
int vt_png_check(const unsigned char *data, size_t len, vt_png_info *info,
                 char *err, size_t errlen);

#endif
