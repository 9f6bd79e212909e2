/* Unit tests for base/: errors, bounded buffers, UTF-8, parsing helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"

static void test_err_first_detail_wins(void **state)
{
    (void)state;
    struct err e;
    err_clear(&e);
    assert_int_equal(err_set(&e, ERR_INVALID, "field '%s' is empty", "query"), ERR_INVALID);
    assert_int_equal(err_set(&e, ERR_INTERNAL, "outer"), ERR_INTERNAL);
    assert_int_equal(e.code, ERR_INVALID);
    assert_string_equal(e.msg, "field 'query' is empty");
    assert_string_equal(err_name(ERR_TOO_BIG), "too_big");
    assert_string_equal(err_name((err_code)999), "unknown");
    assert_int_equal(err_set(NULL, ERR_IO, "x"), ERR_IO);
}

static void test_buf_bounded(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_puts(&b, "abcd"), ERR_OK);
    assert_int_equal(buf_printf(&b, "%d", 123), ERR_OK);
    assert_string_equal(b.data, "abcd123");
    assert_int_equal(buf_puts(&b, "xy"), ERR_TOO_BIG);
    assert_string_equal(b.data, "abcd123"); /* unchanged on failure */
    assert_int_equal(buf_putc(&b, 'z'), ERR_OK);
    assert_int_equal(b.len, 8);
    size_t n;
    char *s = buf_steal(&b, &n);
    assert_int_equal(n, 8);
    assert_string_equal(s, "abcd123z");
    free(s);
    assert_null(b.data);
    s = buf_steal(&b, &n); /* empty buffer still yields a string */
    assert_string_equal(s, "");
    free(s);
    buf_release(&b);
}

static void test_utf8(void **state)
{
    (void)state;
    const char *zh = "弹性网卡";
    assert_true(utf8_valid(zh, strlen(zh)));
    assert_int_equal(utf8_count(zh, strlen(zh)), 4);
    size_t i = 0;
    uint32_t cp;
    assert_int_equal(utf8_decode(zh, strlen(zh), &i, &cp), 0);
    assert_true(utf8_is_cjk(cp));
    char out[4];
    assert_int_equal(utf8_encode(cp, out), 3);
    assert_memory_equal(out, zh, 3);
    assert_false(utf8_valid("\xc0\xaf", 2));        /* overlong */
    assert_false(utf8_valid("\xed\xa0\x80", 3));    /* surrogate */
    assert_false(utf8_valid("a\0b", 3));            /* NUL */
    assert_false(utf8_valid("\xe5\xbc", 2));        /* truncated */
    i = 0;
    assert_int_equal(utf8_decode("\xff", 1, &i, &cp), -1);
    assert_int_equal(cp, 0xfffd);
    assert_int_equal(i, 1);
}

static void test_parse_long(void **state)
{
    (void)state;
    long v = 0;
    assert_int_equal(parse_long("8080", 0, 65535, &v), ERR_OK);
    assert_int_equal(v, 8080);
    assert_int_equal(parse_long("65536", 0, 65535, &v), ERR_INVALID);
    assert_int_equal(parse_long("12x", 0, 100, &v), ERR_INVALID);
    assert_int_equal(parse_long("", 0, 100, &v), ERR_INVALID);
    assert_int_equal(ct_memcmp("abc", "abc", 3), 0);
    assert_int_not_equal(ct_memcmp("abc", "abd", 3), 0);
    char u[37];
    uuid4(u);
    assert_int_equal(strlen(u), 36);
    assert_int_equal(u[14], '4');
}

static void test_key_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/skilld-keyfile-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/key", dir);
    unsigned char a[256], b[256];
    size_t na = 0, nb = 0;
    int flags = 0;
    struct err e;
    err_clear(&e);
    assert_int_equal(key_file_load(path, "test key", a, sizeof a, 32, &na, &flags, &e), ERR_OK);
    assert_int_equal(flags, KEY_FILE_CREATED);
    assert_int_equal(na, 64);
    assert_int_equal(key_file_load(path, "test key", b, sizeof b, 32, &nb, &flags, &e), ERR_OK);
    assert_int_equal(flags, 0);
    assert_memory_equal(a, b, 64); /* a second reader gets the same key */
    chmod(path, 0644);
    assert_int_equal(key_file_load(path, "test key", b, sizeof b, 32, &nb, &flags, &e), ERR_OK);
    assert_int_equal(flags, KEY_FILE_LOOSE);
    FILE *f = fopen(path, "w");
    fputs("too-short-secret\n", f);
    fclose(f);
    assert_int_equal(key_file_load(path, "test key", b, sizeof b, 32, &nb, &flags, &e), ERR_INVALID);
    assert_null(strstr(e.msg, "too-short-secret"));
    assert_int_equal(key_file_load(path, "test key", b, 8, 4, &nb, &flags, &e), ERR_INVALID);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_file),
        cmocka_unit_test(test_err_first_detail_wins),
        cmocka_unit_test(test_buf_bounded),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_parse_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
