/*
 * png.c - PNG header and chunk-frame checks (see png.h for why).
 *
 * Only the container is read: signature, IHDR first, every chunk's length
 * inside the file and its CRC right, IDAT present, IEND last.  The pixel
 * data is never inflated; the size limits come from IHDR alone.
 */
#include "base/png.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

/* IHDR's bit depth must be one its colour type allows (PNG spec 11.2.2). */
static int depth_ok(unsigned type, unsigned depth)
{
    switch (type) {
    case 0: return depth == 1 || depth == 2 || depth == 4 || depth == 8 ||
                   depth == 16;
    case 3: return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case 2: case 4: case 6: return depth == 8 || depth == 16;
    default: return 0;
    }
}

static int check_ihdr(const unsigned char *c, vt_png_info *info, char *err,
                      size_t errlen)
{
    uint32_t w = be32(c), h = be32(c + 4);
    if (w == 0 || h == 0) {
        snprintf(err, errlen, "the PNG header gives a size of %lu x %lu pixels",
                 (unsigned long)w, (unsigned long)h);
        return -1;
    }
    if (w > VT_PNG_MAX_SIDE || h > VT_PNG_MAX_SIDE ||
        (uint64_t)w * h * 4 > VT_PNG_MAX_PIXEL_BYTES) {
        snprintf(err, errlen,
                 "the image is %lu x %lu pixels; at most %u x %u and %u MiB "
                 "of pixels: scan the signature or seal at 300 dpi or less",
                 (unsigned long)w, (unsigned long)h, VT_PNG_MAX_SIDE,
                 VT_PNG_MAX_SIDE, VT_PNG_MAX_PIXEL_BYTES >> 20);
        return -1;
    }
    if (!depth_ok(c[9], c[8]) || c[10] != 0 || c[11] != 0 || c[12] > 1) {
        snprintf(err, errlen, "the PNG header is damaged (colour type %u, "
                              "bit depth %u)", c[9], c[8]);
        return -1;
    }
    info->width = w;
    info->height = h;
    return 0;
}

int vt_png_check(const unsigned char *data, size_t len, vt_png_info *info,
                 char *err, size_t errlen)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a,
                                         0x1a, 0x0a};
    memset(info, 0, sizeof *info);
    if (len < 8 || memcmp(data, sig, 8) != 0) {
        snprintf(err, errlen, "not a PNG image (save the picture as PNG)");
        return -1;
    }
    if (len > VT_PNG_MAX_BYTES) {
        snprintf(err, errlen, "the file is %zu bytes; at most %u MiB", len,
                 VT_PNG_MAX_BYTES >> 20);
        return -1;
    }
    size_t off = 8;
    int n = 0, idat = 0;
    for (;;) {
        if (len - off < 12) {
            snprintf(err, errlen, "the PNG is truncated at byte %zu", off);
            return -1;
        }
        uint32_t clen = be32(data + off);
        const unsigned char *type = data + off + 4;
        if (clen > len - off - 12) {
            snprintf(err, errlen, "the PNG is truncated: chunk \"%.4s\" at "
                                  "byte %zu runs past the end", type, off);
            return -1;
        }
        uint32_t crc = (uint32_t)crc32(0L, type, clen + 4);
        if (crc != be32(type + 4 + clen)) {
            snprintf(err, errlen, "the PNG is damaged: chunk \"%.4s\" at "
                                  "byte %zu has a wrong CRC", type, off);
            return -1;
        }
        if (n == 0 && (memcmp(type, "IHDR", 4) != 0 || clen != 13)) {
            snprintf(err, errlen, "the PNG is damaged: it does not start "
                                  "with its IHDR header");
            return -1;
        }
        if (n == 0 && check_ihdr(type + 4, info, err, errlen) != 0)
            return -1;
        if (memcmp(type, "IDAT", 4) == 0)
            idat = 1;
        if (memcmp(type, "pHYs", 4) == 0 && clen == 9 && type[12] == 1) {
            info->dpmm_x = be32(type + 4) / 1000.0; /* per metre */
            info->dpmm_y = be32(type + 8) / 1000.0;
        }
        off += 12 + (size_t)clen;
        n++;
        if (memcmp(type, "IEND", 4) == 0)
            break;
    }
    if (!idat) {
        snprintf(err, errlen, "the PNG has no image data (IDAT)");
        return -1;
    }
    return 0;
}
