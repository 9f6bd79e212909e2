/* Unit tests for the MCP lifecycle: version negotiation, capabilities, serverInfo gating,
 * re-initialize, ping and logging/setLevel. Layer: tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_test_util.h"

static cJSON *initialize(mcp_engine *e, mcp_session *s, const char *version, struct cap *c)
{
    char *msg = version ? xasprintf("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
                                    "\"params\":{\"protocolVersion\":\"%s\",\"capabilities\":{},"
                                    "\"clientInfo\":{\"name\":\"x\",\"version\":\"1\"}}}",
                                    version)
                        : xstrdup("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"}");
    cJSON *r = run_result(e, s, msg, c);
    free(msg);
    assert_non_null(r);
    return r;
}

static void test_version_negotiation(void **state)
{
    (void)state;
    /* offered -> answered; title and description appear only where the version has them */
    static const struct {
        const char *offered, *answered;
        int title, description, completions;
    } rows[] = {
        {"2025-11-25", "2025-11-25", 1, 1, 1}, {"2025-06-18", "2025-06-18", 1, 0, 1},
        {"2025-03-26", "2025-03-26", 0, 0, 1}, {"2024-11-05", "2024-11-05", 0, 0, 0},
        {"2024-10-07", "2025-11-25", 1, 1, 1}, {"2026-07-28", "2025-11-25", 1, 1, 1},
        {NULL, "2025-11-25", 1, 1, 1},
    };
    mcp_engine *e = test_engine(0, 0);
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        struct cap c;
        cap_init(&c);
        mcp_session *s = mcp_session_open(e);
        assert_null(mcp_session_version(s));
        cJSON *r = initialize(e, s, rows[i].offered, &c);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(r, "protocolVersion")->valuestring,
                            rows[i].answered);
        assert_string_equal(mcp_session_version(s), rows[i].answered);
        const cJSON *info = cJSON_GetObjectItemCaseSensitive(r, "serverInfo");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(info, "name")->valuestring,
                            "test-server");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(info, "version")->valuestring, "9.9.9");
        assert_int_equal(cJSON_HasObjectItem(info, "title"), rows[i].title);
        assert_int_equal(cJSON_HasObjectItem(info, "description"), rows[i].description);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(r, "instructions")->valuestring,
                            "be nice");
        const cJSON *caps = cJSON_GetObjectItemCaseSensitive(r, "capabilities");
        static const char *const want[] = {"tools", "resources", "prompts", "logging"};
        for (size_t k = 0; k < ARRAY_LEN(want); k++)
            assert_true(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(caps, want[k])));
        /* 2024-11-05 has completion/complete but no capability for it */
        assert_int_equal(cJSON_HasObjectItem(caps, "completions"), rows[i].completions);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(caps, "resources"), "subscribe")));
        cap_release(&c);
        mcp_session_release(s);
    }
    assert_true(mcp_version_supported("2025-06-18"));
    assert_true(mcp_version_supported("2024-11-05"));
    assert_false(mcp_version_supported("2025-06-19"));
    assert_false(mcp_version_supported(NULL));
    mcp_engine_free(e);
}

static void test_requests_right_after_initialize(void **state)
{
    (void)state;
    mcp_engine *e = test_engine(0, 0);
    mcp_session *s = mcp_session_open(e);
    struct cap c;
    cap_init(&c);
    assert_int_equal(run_error(e, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", &c),
                     MCP_INVALID_REQUEST);
    initialize(e, s, "2025-11-25", &c);
    /* no notifications/initialized yet: HTTP clients race it with their first request */
    assert_non_null(run_result(e, s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}", &c));
    cap_release(&c);
    mcp_session_release(s);
    mcp_engine_free(e);
}

static void test_reinitialize_starts_over(void **state)
{
    (void)state;
    mcp_engine *e = test_engine(0, 0);
    mcp_session *s = test_session(e, "2025-03-26", "{\"sampling\":{}}");
    struct cap c;
    cap_init(&c);
    assert_non_null(run_result(e, s,
                               "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/subscribe\","
                               "\"params\":{\"uri\":\"x://a\"}}",
                               &c));
    assert_non_null(run_result(e, s,
                               "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"logging/setLevel\","
                               "\"params\":{\"level\":\"error\"}}",
                               &c));
    assert_true(mcp_session_subscribed(s, "x://a"));
    assert_int_equal(mcp_session_log_level(s), MCP_LOG_ERROR);
    initialize(e, s, "2025-06-18", &c);
    assert_string_equal(mcp_session_version(s), "2025-06-18");
    assert_false(mcp_session_subscribed(s, "x://a"));
    assert_int_equal(mcp_session_log_level(s), -1);
    cap_release(&c);
    mcp_session_release(s);
    mcp_engine_free(e);
}

static void test_ping_and_set_level(void **state)
{
    (void)state;
    mcp_engine *e = test_engine(0, 0);
    mcp_session *s = test_session(e, "2025-11-25", NULL);
    struct cap c;
    cap_init(&c);
    cJSON *r = run_result(e, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", &c);
    assert_true(cJSON_IsObject(r) && r->child == NULL);
    static const char *const levels[] = {"debug", "info",     "notice", "warning",
                                         "error", "critical", "alert",  "emergency"};
    for (size_t i = 0; i < ARRAY_LEN(levels); i++) {
        char *msg = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"logging/setLevel\","
                              "\"params\":{\"level\":\"%s\"}}",
                              levels[i]);
        r = run_result(e, s, msg, &c);
        assert_true(cJSON_IsObject(r) && r->child == NULL); /* conformance wants {} exactly */
        assert_int_equal(mcp_session_log_level(s), (int)i);
        free(msg);
    }
    assert_int_equal(run_error(e, s,
                               "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"logging/setLevel\","
                               "\"params\":{\"level\":\"loud\"}}",
                               &c),
                     MCP_INVALID_PARAMS);
    assert_int_equal(run_error(e, s,
                               "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"logging/setLevel\"}", &c),
                     MCP_INVALID_PARAMS);
    assert_int_equal(mcp_session_log_level(s), MCP_LOG_EMERGENCY);
    cap_release(&c);
    mcp_session_release(s);
    mcp_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_negotiation),
        cmocka_unit_test(test_requests_right_after_initialize),
        cmocka_unit_test(test_reinitialize_starts_over),
        cmocka_unit_test(test_ping_and_set_level),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
