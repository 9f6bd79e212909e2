/* test_http_guard.c - unit tests for server/http/http_guard.c: Host/Origin cases from a data
 * file, Accept and Content-Type parsing, SSE framing and Last-Event-ID parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/http/http.h"

static const char *cases_path;
static const char *const allow[] = {"app.example.com", "https://ui.example.org:8443"};

static void test_host_origin_cases(void **state)
{
    (void)state;
    FILE *f = fopen(cases_path, "r");
    assert_non_null(f);
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        line[strcspn(line, "\r\n")] = '\0';
        char *save = NULL;
        char *kind = strtok_r(line, "\t", &save);
        char *value = strtok_r(NULL, "\t", &save);
        char *expect = strtok_r(NULL, "\t", &save);
        assert_non_null(expect);
        const char *v = strcmp(value, "-") == 0 ? NULL : value;
        int got;
        if (strcmp(kind, "host") == 0)
            got = http_host_header_ok(v);
        else if (strcmp(kind, "origin") == 0)
            got = http_origin_ok(v, 1, allow, ARRAY_LEN(allow));
        else
            got = http_origin_ok(v, 0, allow, ARRAY_LEN(allow));
        if (got != (expect[0] == '1'))
            fail_msg("%s '%s': expected %s, got %d", kind, value, expect, got);
        n++;
    }
    fclose(f);
    assert_true(n >= 30);
}

static void test_accept(void **state)
{
    (void)state;
    static const struct {
        const char *accept;
        unsigned want;
    } rows[] = {
        {NULL, HTTP_ACCEPT_JSON | HTTP_ACCEPT_SSE},
        {"", HTTP_ACCEPT_JSON | HTTP_ACCEPT_SSE},
        {"application/json, text/event-stream", HTTP_ACCEPT_JSON | HTTP_ACCEPT_SSE},
        {"text/event-stream", HTTP_ACCEPT_SSE},
        {"application/json;q=0.9", HTTP_ACCEPT_JSON},
        {" Application/JSON ; charset=utf-8", HTTP_ACCEPT_JSON},
        {"*/*", HTTP_ACCEPT_JSON | HTTP_ACCEPT_SSE},
        {"text/html, application/*", HTTP_ACCEPT_JSON},
        {"text/html", 0},
        {"application/jsonx", 0},
        {"text/event-streams, image/png", 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        if (http_accept_parse(rows[i].accept) != rows[i].want)
            fail_msg("Accept '%s': want %u", rows[i].accept ? rows[i].accept : "(none)",
                     rows[i].want);
    }
}

static void test_content_type(void **state)
{
    (void)state;
    assert_true(http_content_type_is_json("application/json"));
    assert_true(http_content_type_is_json("application/json; charset=utf-8"));
    assert_true(http_content_type_is_json("APPLICATION/JSON"));
    assert_false(http_content_type_is_json(NULL));
    assert_false(http_content_type_is_json("text/plain"));
    assert_false(http_content_type_is_json("application/json-patch+json"));
    assert_false(http_content_type_is_json("application/x-www-form-urlencoded"));
}

static void test_split_host_port(void **state)
{
    (void)state;
    char host[16];
    unsigned port;
    assert_int_equal(http_split_host_port("127.0.0.1:8080", host, sizeof host, &port), ERR_OK);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 8080);
    assert_int_equal(http_split_host_port("[::1]:0", host, sizeof host, &port), ERR_OK);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 0);
    assert_int_equal(http_split_host_port("example", host, sizeof host, &port), ERR_OK);
    assert_int_equal(port, 0);
    assert_int_equal(http_split_host_port("a-very-long-host-name.example", host, sizeof host, &port),
                     ERR_INVALID);
    assert_int_equal(http_split_host_port("[::1", host, sizeof host, &port), ERR_INVALID);
    assert_int_equal(http_split_host_port(":80", host, sizeof host, &port), ERR_INVALID);
    assert_int_equal(http_split_host_port("h:x", host, sizeof host, &port), ERR_INVALID);
}

static void test_sse_event(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(http_sse_event(&b, "abc-0", NULL, 0), ERR_OK);
    assert_string_equal(b.data, "id: abc-0\ndata:\n\n");
    buf_reset(&b);
    assert_int_equal(http_sse_event(&b, "abc-1", "{\"a\":1}", 7), ERR_OK);
    assert_string_equal(b.data, "id: abc-1\nevent: message\ndata: {\"a\":1}\n\n");
    buf_reset(&b);
    assert_int_equal(http_sse_event(&b, NULL, "{}", 2), ERR_OK);
    assert_string_equal(b.data, "event: message\ndata: {}\n\n");
    buf_release(&b);
    struct buf small;
    buf_init(&small, 8);
    assert_int_equal(http_sse_event(&small, NULL, "{\"long\":true}", 13), ERR_TOO_BIG);
    buf_release(&small);
}

static void test_event_id(void **state)
{
    (void)state;
    char stream[17];
    unsigned long seq;
    assert_int_equal(http_parse_event_id("0123abcd0123abcd-42", stream, sizeof stream, &seq),
                     ERR_OK);
    assert_string_equal(stream, "0123abcd0123abcd");
    assert_int_equal(seq, 42);
    assert_int_equal(http_parse_event_id("abc-0", stream, sizeof stream, &seq), ERR_OK);
    assert_int_equal(seq, 0);
    static const char *const bad[] = {NULL, "", "abc", "-1", "abc-", "abc-x", "a/b-1",
                                      "0123abcd0123abcd0-1", "abc--1"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        if (http_parse_event_id(bad[i], stream, sizeof stream, &seq) != ERR_INVALID)
            fail_msg("event id '%s' should be refused", bad[i] ? bad[i] : "(null)");
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_http_guard guard_cases.tsv\n");
        return 2;
    }
    cases_path = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_origin_cases), cmocka_unit_test(test_accept),
        cmocka_unit_test(test_content_type),      cmocka_unit_test(test_split_host_port),
        cmocka_unit_test(test_sse_event),         cmocka_unit_test(test_event_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
