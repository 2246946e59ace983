/*
 * sha256.h - SHA-256 (FIPS 180-4) for the checksums in batch manifests and
 * the register.  Small and self-contained: the stack has no crypto library
 * and a checksum does not justify adding one.
 */
#ifndef VT_SHA256_H
#define VT_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];
    uint64_t total;
    unsigned char block[64];
    size_t used;
} vt_sha256;

void vt_sha256_init(vt_sha256 *s);
void vt_sha256_update(vt_sha256 *s, const void *data, size_t len);
void vt_sha256_final(vt_sha256 *s, unsigned char digest[32]);

/* One 64-byte block, with the fastest rounds this CPU has, or with the
 * portable ones; the tests check that both agree. */
void vt_sha256_compress(uint32_t h[8], const unsigned char block[64]);
void vt_sha256_compress_portable(uint32_t h[8], const unsigned char block[64]);

/* The lower-case hex digest of data (65 bytes with the NUL). */
void vt_sha256_hex(const void *data, size_t len, char hex[65]);

/* FNV-1a, 64 bits, of a string: the fast hash behind the sets of names a
 * batch checks (schools in two clusters, unique file names); not for
 * anything an attacker could aim at. */
uint64_t vt_hash_str(const char *s);

#endif
