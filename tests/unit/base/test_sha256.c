/* Unit tests for sha256.c against the FIPS 180-4 examples, fed in pieces
 * of every awkward size so the block buffering is exercised. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/sha256.h"

static void hex_of(vt_sha256 *s, char out[65])
{
    unsigned char d[32];
    vt_sha256_final(s, d);
    for (int i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_known_vectors(void **state)
{
    (void)state;
    char hex[65];
    vt_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    vt_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    vt_sha256_hex(m, strlen(m), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_pieces_of_every_size(void **state)
{
    (void)state;
    /* one million 'a', fed in chunks of 1..127 bytes */
    char chunk[128];
    memset(chunk, 'a', sizeof chunk);
    vt_sha256 s;
    vt_sha256_init(&s);
    size_t left = 1000000, k = 1;
    while (left) {
        size_t n = k < left ? k : left;
        vt_sha256_update(&s, chunk, n);
        left -= n;
        k = k % 127 + 1;
    }
    char hex[65];
    hex_of(&s, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_padding_boundaries(void **state)
{
    (void)state;
    /* lengths around the 55/56/64-byte padding edges agree whether fed at
     * once or one byte at a time */
    unsigned char buf[130];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 7 + 3);
    for (size_t len = 50; len < sizeof buf; len++) {
        char a[65], b[65];
        vt_sha256_hex(buf, len, a);
        vt_sha256 s;
        vt_sha256_init(&s);
        for (size_t i = 0; i < len; i++)
            vt_sha256_update(&s, buf + i, 1);
        hex_of(&s, b);
        assert_string_equal(a, b);
    }
    char hex[65];
    vt_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_fast_rounds_match_portable(void **state)
{
    (void)state;
    /* whichever rounds this CPU uses must equal the portable ones */
    uint32_t a[8] = {1, 2, 3, 4, 5, 6, 7, 8}, b[8];
    memcpy(b, a, sizeof a);
    unsigned char block[64];
    for (int round = 0; round < 1000; round++) {
        for (int i = 0; i < 64; i++)
            block[i] = (unsigned char)(round * 31 + i * 17 + (round >> 3));
        vt_sha256_compress(a, block);
        vt_sha256_compress_portable(b, block);
        assert_memory_equal(a, b, sizeof a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_vectors),
        cmocka_unit_test(test_pieces_of_every_size),
        cmocka_unit_test(test_padding_boundaries),
        cmocka_unit_test(test_fast_rounds_match_portable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
