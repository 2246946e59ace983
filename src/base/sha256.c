/*
 * sha256.c - SHA-256 as FIPS 180-4 specifies it.
 *
 * The portable compression function is written for clarity.  On x86 CPUs
 * with the SHA extensions (most since 2017) the same rounds run on the
 * sha256rnds2/msg1/msg2 instructions, about six times faster: in a batch
 * of invitations hashing was a fifth of the time per letter.  Which one is
 * used is decided once per process (pthread_once) and never changes.
 */
#include "base/sha256.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define VT_SHA_X86 1
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void compress_c(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5],
             g = h[6], k = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
                      ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
                      ((a & b) ^ (a & c) ^ (b & c));
        k = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d;
    h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

#ifdef VT_SHA_X86
/* The rounds four at a time: msg[] holds W[4g..4g+3] and is refilled with
 * W[4g+16..4g+19] = W[t-16] + s0(W[t-15]) + W[t-7] + s1(W[t-2]). */
__attribute__((target("sha,sse4.1,ssse3")))
static void compress_x86(uint32_t h[8], const unsigned char *p)
{
    const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL,
                                        0x0405060700010203ULL);
    __m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xB1);
    __m128i s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1B);
    __m128i s0 = _mm_alignr_epi8(t, s1, 8);  /* ABEF */
    s1 = _mm_blend_epi16(s1, t, 0xF0);       /* CDGH */
    __m128i abef = s0, cdgh = s1, msg[4];
    for (int i = 0; i < 4; i++)
        msg[i] = _mm_shuffle_epi8(
            _mm_loadu_si128((const __m128i *)(p + 16 * i)), swap);
    for (int g = 0; g < 16; g++) {
        __m128i k = _mm_add_epi32(msg[g & 3],
                                  _mm_loadu_si128((const __m128i *)&K[4 * g]));
        s1 = _mm_sha256rnds2_epu32(s1, s0, k);
        s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(k, 0x0E));
        if (g < 12) {
            __m128i x = _mm_sha256msg1_epu32(msg[g & 3], msg[(g + 1) & 3]);
            x = _mm_add_epi32(x, _mm_alignr_epi8(msg[(g + 3) & 3],
                                                 msg[(g + 2) & 3], 4));
            msg[g & 3] = _mm_sha256msg2_epu32(x, msg[(g + 3) & 3]);
        }
    }
    s0 = _mm_add_epi32(s0, abef);
    s1 = _mm_add_epi32(s1, cdgh);
    t = _mm_shuffle_epi32(s0, 0x1B);          /* FEBA */
    s1 = _mm_shuffle_epi32(s1, 0xB1);         /* DCHG */
    _mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(t, s1, 0xF0));
    _mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(s1, t, 8));
}

static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static int have_sha_ni; /* written once, under probe_once */

static void probe(void)
{
    unsigned a, b, c, d;
    int ssse3_sse41 = __get_cpuid(1, &a, &b, &c, &d) &&
                      (c & (1u << 9)) && (c & (1u << 19));
    have_sha_ni = ssse3_sse41 && __get_cpuid_count(7, 0, &a, &b, &c, &d) &&
                  (b & (1u << 29));
}
#endif

static void compress(uint32_t h[8], const unsigned char *p)
{
#ifdef VT_SHA_X86
    pthread_once(&probe_once, probe);
    if (have_sha_ni) {
        compress_x86(h, p);
        return;
    }
#endif
    compress_c(h, p);
}

/* For the tests: the portable rounds alone, to check them against the
 * instructions on the same input. */
void vt_sha256_compress_portable(uint32_t h[8], const unsigned char block[64])
{
    compress_c(h, block);
}

void vt_sha256_compress(uint32_t h[8], const unsigned char block[64])
{
    compress(h, block);
}

void vt_sha256_init(vt_sha256 *s)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                   0xa54ff53a, 0x510e527f, 0x9b05688c,
                                   0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, iv, sizeof iv);
    s->total = 0;
    s->used = 0;
}

void vt_sha256_update(vt_sha256 *s, const void *data, size_t len)
{
    const unsigned char *p = data;
    s->total += len;
    if (s->used) {
        size_t take = 64 - s->used < len ? 64 - s->used : len;
        memcpy(s->block + s->used, p, take);
        s->used += take;
        p += take;
        len -= take;
        if (s->used < 64)
            return;
        compress(s->h, s->block);
        s->used = 0;
    }
    for (; len >= 64; p += 64, len -= 64)
        compress(s->h, p);
    memcpy(s->block, p, len);
    s->used = len;
}

void vt_sha256_final(vt_sha256 *s, unsigned char digest[32])
{
    uint64_t bits = s->total * 8;
    unsigned char pad[72] = {0x80};
    size_t n = (s->used < 56 ? 56 : 120) - s->used;
    vt_sha256_update(s, pad, n);
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(bits >> (56 - 8 * i));
    vt_sha256_update(s, len, 8);
    for (int i = 0; i < 8; i++) {
        digest[4 * i] = (unsigned char)(s->h[i] >> 24);
        digest[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
        digest[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
        digest[4 * i + 3] = (unsigned char)s->h[i];
    }
}

void vt_sha256_hex(const void *data, size_t len, char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    vt_sha256 s;
    unsigned char d[32];
    vt_sha256_init(&s);
    vt_sha256_update(&s, data, len);
    vt_sha256_final(&s, d);
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[64] = '\0';
}

uint64_t vt_hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}
