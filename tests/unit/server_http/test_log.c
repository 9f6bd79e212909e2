/* test_log.c - unit tests for server/http/log.c: a message quoting client input stays on one
 * line with no control bytes, and the level filter holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/http/http.h"

/* Run log_write(level, "%s", msg) with stderr sent to a temporary file; returns what was
 * written (caller frees). */
static char *capture(enum log_level level, const char *msg)
{
    char path[] = "/tmp/skilld-test-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);
    log_write(level, "GET %s 404", msg);
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    off_t size = lseek(fd, 0, SEEK_END);
    assert_true(size >= 0);
    char *text = calloc(1, (size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(pread(fd, text, (size_t)size, 0), size);
    close(fd);
    return text;
}

static void test_control_bytes_cannot_forge_lines(void **state)
{
    (void)state;
    log_set_level(LOG_LEVEL_INFO);
    char *text = capture(LOG_LEVEL_INFO, "/x\n2026-01-01T00:00:00.000Z error forged\r\x1b[31m\x7f");
    char *nl = strchr(text, '\n');
    assert_non_null(nl);
    assert_string_equal(nl + 1, ""); /* exactly one line */
    for (const char *c = text; c < nl; c++)
        assert_false((unsigned char)*c < 0x20 || *c == 0x7f);
    assert_non_null(strstr(text, "GET /x?2026-01-01T00:00:00.000Z error forged??[31m? 404"));
    free(text);
}

static void test_utf8_is_kept(void **state)
{
    (void)state;
    log_set_level(LOG_LEVEL_INFO);
    char *text = capture(LOG_LEVEL_INFO, "/\xe5\x9c\xb0\xe5\x9f\x9f");
    assert_non_null(strstr(text, "GET /\xe5\x9c\xb0\xe5\x9f\x9f 404\n"));
    free(text);
}

static void test_level_filter(void **state)
{
    (void)state;
    log_set_level(LOG_LEVEL_WARN);
    char *text = capture(LOG_LEVEL_INFO, "/quiet");
    assert_string_equal(text, "");
    free(text);
    log_set_level(LOG_LEVEL_INFO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_control_bytes_cannot_forge_lines),
        cmocka_unit_test(test_utf8_is_kept),
        cmocka_unit_test(test_level_filter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
