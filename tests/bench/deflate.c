/*
 * deflate.c - what deflating one generated part costs: zlib (raw deflate,
 * as libzip calls it) against libdeflate at a few levels, on the same
 * bytes, best of several rounds of many repetitions, in CPU time (the
 * thread's own, so other processes on a busy machine do not count).  The parts vanthu
 * generates per letter are a few KB, so a fixed cost per call (building
 * Huffman trees, initialising state) matters as much as speed per byte.
 *
 * usage: deflate PART.xml [REPS]
 */
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t zlib_once(const unsigned char *in, size_t n, unsigned char *out,
                        size_t cap, int level)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    size_t got = rc == Z_STREAM_END ? cap - z.avail_out : 0;
    deflateEnd(&z);
    (void)crc32(0, in, (uInt)n);
    return got;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: deflate PART.xml [REPS]\n");
        return 2;
    }
    FILE *fp = fopen(argv[1], "rb");
    if (!fp) {
        perror(argv[1]);
        return 1;
    }
    static unsigned char in[1 << 22], out[1 << 23];
    size_t n = fread(in, 1, sizeof in, fp);
    fclose(fp);
    int reps = argc > 2 ? atoi(argv[2]) : 2000;
    printf("%s: %zu bytes, best of 5 x %d\n", argv[1], n, reps);
    printf("%-28s %8s %10s\n", "", "bytes", "us/part");
    for (int level = 1; level <= 6; level += 5) {
        double best = 1e9;
        size_t got = 0;
        for (int round = 0; round < 5; round++) {
            double t0 = now();
            for (int i = 0; i < reps; i++)
                got = zlib_once(in, n, out, sizeof out, level);
            double t = (now() - t0) / reps;
            best = t < best ? t : best;
        }
        printf("zlib level %d (+crc32)        %8zu %10.1f\n", level, got, best * 1e6);
    }
    for (int level = 1; level <= 6; level += 5) {
        struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
        double best = 1e9;
        size_t got = 0;
        for (int round = 0; round < 5; round++) {
            double t0 = now();
            for (int i = 0; i < reps; i++) {
                got = libdeflate_deflate_compress(c, in, n, out, sizeof out);
                (void)libdeflate_crc32(0, in, n);
            }
            double t = (now() - t0) / reps;
            best = t < best ? t : best;
        }
        libdeflate_free_compressor(c);
        printf("libdeflate level %d (+crc32)  %8zu %10.1f\n", level, got, best * 1e6);
    }
    return 0;
}
