/* Unit tests for buf.c's printf: the direct path must write exactly what
 * snprintf writes, for the conversions it takes and for those it hands
 * on to vsnprintf, mixed in one format. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "base/buf.h"

/* vt_buf_printf and snprintf on the same arguments agree. */
#define SAME(...)                                                            \
    do {                                                                     \
        char want[512];                                                      \
        int n = snprintf(want, sizeof want, __VA_ARGS__);                    \
        vt_buf b;                                                            \
        vt_buf_init(&b);                                                     \
        vt_buf_puts(&b, "pre:");                                             \
        vt_buf_printf(&b, __VA_ARGS__);                                      \
        assert_false(b.oom);                                                 \
        assert_int_equal(b.len, (size_t)n + 4);                              \
        assert_memory_equal(b.data + 4, want, (size_t)n);                    \
        assert_int_equal(b.data[b.len], '\0');                               \
        vt_buf_free(&b);                                                     \
    } while (0)

static void test_direct_conversions(void **state)
{
    (void)state;
    SAME("plain text");
    SAME("%s", "Kính gửi");
    SAME("<w:ind w:left=\"%d\" w:hanging=\"%d\"/>", 567, -283);
    SAME("%d %d %d", 0, INT_MAX, INT_MIN);
    SAME("%u %lu %llu %zu", 0u, ULONG_MAX, ULLONG_MAX, (size_t)SIZE_MAX);
    SAME("%ld %lld %zd", LONG_MIN, LLONG_MIN, (ssize_t)-5);
    SAME("%02d/%02d/%04d", 5, 3, 2020);
    SAME("%02d %05d %3d %-4d|", -5, -42, 7, 9);
    SAME("%0*d-", 4, 101);
    SAME("%*d|%*d|", 6, -12, -6, 12);
    SAME("%.*s|%.3s|%.0s|", 4, "abcdefg", "xy", "zzz");
    SAME("100%% %c%c", 'o', 'k');
    SAME("%s%d%s", "a", 1, "");
    SAME("%i", -7);
}

static void test_handed_on(void **state)
{
    (void)state;
    SAME("%04x %s", 0xbeefu, "after");
    SAME("%d then %.2f then %s", 3, 2.5, "text");
    SAME("%5s|%-5s|", "ab", "cd");
    SAME("%+d %.3d", 5, 7);
    SAME("%s %p", "x", (void *)0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_direct_conversions),
        cmocka_unit_test(test_handed_on),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
