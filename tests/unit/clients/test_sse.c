/* Unit tests for clients/skillctl/sse.c: the event-stream parser, fed whole and byte by byte,
 * with every line ending, comments, ids, retry, limits and a callback that stops it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "clients/skillctl/skillctl.h"

volatile sig_atomic_t skc_interrupted = 0;

/* Events as "type|id|data" lines, one per event, into a buffer. */
struct seen {
    struct buf log;
    int stop_after; /* stop once this many events came (0: never) */
    int count;
};

static int collect(void *ctx, const struct skc_sse_event *ev)
{
    struct seen *s = ctx;
    buf_printf(&s->log, "%s|%s|%.*s\n", ev->type, ev->id, (int)ev->data_len, ev->data);
    s->count++;
    return s->stop_after && s->count >= s->stop_after;
}

/* Feed text in pieces of `step` bytes (0: all at once); returns the parser's code. */
static err_code feed(const char *text, size_t step, size_t max, struct seen *s, char *ret_id,
                     long *ret_retry)
{
    skc_sse *p = skc_sse_new(max);
    struct err e;
    err_clear(&e);
    size_t n = strlen(text);
    err_code rc = ERR_OK;
    for (size_t i = 0; i < n && rc == ERR_OK;) {
        size_t k = step && step < n - i ? step : n - i;
        rc = skc_sse_feed(p, text + i, k, collect, s, &e);
        i += k;
    }
    if (ret_id)
        snprintf(ret_id, 64, "%s", skc_sse_last_id(p));
    if (ret_retry)
        *ret_retry = skc_sse_retry_ms(p);
    skc_sse_free(p);
    return rc;
}

static const char stream[] =
    ": keep-alive comment\r\n"
    "id: s1-0\r\n"
    "data:\r\n"
    "\r\n" /* the priming event: an id and empty data; not dispatched, its id is kept */
    "event: message\n"
    "id: s1-1\n"
    "data: {\"a\":1}\n"
    "\n"
    "data: line one\r"
    "data:line two\r"
    "\r"
    "retry: 500\n"
    "id: s1-2\n"
    "event: other\n"
    "data: x\n"
    "\n"
    "data: no end yet";

static const char want[] = "message|s1-1|{\"a\":1}\n"
                           "message|s1-1|line one\nline two\n"
                           "other|s1-2|x\n";

static void test_whole_and_bytewise(void **state)
{
    (void)state;
    for (size_t step = 0; step <= 3; step++) {
        struct seen s = {0};
        buf_init(&s.log, 0);
        char id[64];
        long retry = 0;
        assert_int_equal(feed(stream, step, 1024, &s, id, &retry), ERR_OK);
        assert_string_equal(s.log.data, want);
        assert_string_equal(id, "s1-2");
        assert_int_equal(retry, 500);
        buf_release(&s.log);
    }
}

static void test_bom_and_field_rules(void **state)
{
    (void)state;
    struct seen s = {0};
    buf_init(&s.log, 0);
    char id[64];
    long retry = 0;
    /* BOM skipped; a field without a colon is a field with an empty value; a bad retry is
     * ignored; unknown fields are ignored; "data" without a space keeps its first byte. */
    assert_int_equal(feed("\xEF\xBB\xBF"
                          "data\nretry: 12x\nfoo: bar\ndata:  two\n\n",
                          0, 1024, &s, id, &retry),
                     ERR_OK);
    assert_string_equal(s.log.data, "message||\n two\n");
    assert_int_equal(retry, -1);
    assert_string_equal(id, "");
    buf_release(&s.log);
}

static void test_limits(void **state)
{
    (void)state;
    struct seen s = {0};
    buf_init(&s.log, 0);
    /* Data one byte over the limit, lines that add up past it, and a long comment line. */
    assert_int_equal(feed("data: 0123456789abcdefg\n\n", 1, 16, &s, NULL, NULL), ERR_TOO_BIG);
    assert_int_equal(feed("data: 0123456789\ndata: 0123456789\n\n", 0, 16, &s, NULL, NULL),
                     ERR_TOO_BIG);
    char comment[256];
    memset(comment, 'x', sizeof comment - 2);
    comment[0] = ':';
    comment[sizeof comment - 2] = '\n';
    comment[sizeof comment - 1] = '\0';
    assert_int_equal(feed(comment, 7, 16, &s, NULL, NULL), ERR_TOO_BIG);
    assert_int_equal(s.count, 0);
    /* Exactly at the limit is fine. */
    assert_int_equal(feed("data: 0123456789abcdef\n\n", 0, 16, &s, NULL, NULL), ERR_OK);
    assert_int_equal(s.count, 1);
    buf_release(&s.log);
}

static void test_stop(void **state)
{
    (void)state;
    struct seen s = {.stop_after = 1};
    buf_init(&s.log, 0);
    assert_int_equal(feed("data: a\n\ndata: b\n\n", 0, 64, &s, NULL, NULL), ERR_CANCELLED);
    assert_string_equal(s.log.data, "message||a\n");
    buf_release(&s.log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_and_bytewise),
        cmocka_unit_test(test_bom_and_field_rules),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
