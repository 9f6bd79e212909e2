/* Unit tests for the modern era (2026-07-28) of the engine: the _meta envelope, the HTTP
 * header rules (-32020), versions (-32022), removed methods (-32601, 404), server/discover,
 * what every modern result carries, per-request log level and progress, and the legacy era
 * left as it was next to it. Driven over the conformance fixtures. Layer: tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_test_util.h"
#include "tests/conformance/fixtures.h"

#define META(extra)                                                                            \
    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","                \
    "\"io.modelcontextprotocol/clientCapabilities\":{}" extra "}"

static mcp_engine *engine(void)
{
    mcp_engine *e = test_engine_sealed("k1", 0);
    conformance_fixtures_register(e);
    return e;
}

static cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* The last message captured, its error code (0 for a result). */
static int last_code(struct cap *c)
{
    const cJSON *code = get(get(cap_msg(c, cap_count(c) - 1), "error"), "code");
    return cJSON_IsNumber(code) ? code->valueint : 0;
}

static void test_envelope(void **state)
{
    (void)state;
    mcp_engine *e = engine();
    struct cap c;
    cap_init(&c);
    /* A request naming a version is modern: no session is needed. */
    cJSON *r = run_result(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\","
                                   "\"params\":{" META("") "}}", &c);
    assert_non_null(r);
    assert_string_equal(get(r, "resultType")->valuestring, "complete");
    assert_true(cJSON_IsNumber(get(r, "ttlMs")));
    assert_string_equal(get(r, "cacheScope")->valuestring, "public");
    assert_string_equal(get(get(get(r, "_meta"), "io.modelcontextprotocol/serverInfo"), "name")
                            ->valuestring, "test-server");
    /* A malformed envelope is -32602, refused before any handler (HTTP 400), with the id. */
    static const char *const bad[] = {
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\",\"params\":{\"_meta\":{"
        "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}",
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\",\"params\":{\"_meta\":{"
        "\"io.modelcontextprotocol/protocolVersion\":5,"
        "\"io.modelcontextprotocol/clientCapabilities\":{}}}}",
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\",\"params\":{"
        META(",\"io.modelcontextprotocol/clientInfo\":\"me\"") "}}",
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\",\"params\":{"
        META(",\"io.modelcontextprotocol/logLevel\":\"loud\"") "}}",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        assert_int_equal(run(e, NULL, bad[i], &c), MCP_OUT_REJECTED);
        assert_int_equal(last_code(&c), MCP_INVALID_PARAMS);
        assert_int_equal(get(cap_msg(&c, cap_count(&c) - 1), "id")->valueint, 7);
    }
    /* An unknown version: -32022 naming what is served and what was asked. */
    assert_int_equal(run(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"server/discover\","
                                  "\"params\":{\"_meta\":{\"io.modelcontextprotocol/"
                                  "protocolVersion\":\"v9\",\"io.modelcontextprotocol/"
                                  "clientCapabilities\":{}}}}", &c),
                     MCP_OUT_REJECTED);
    const cJSON *data = get(get(cap_msg(&c, cap_count(&c) - 1), "error"), "data");
    assert_int_equal(last_code(&c), MCP_UNSUPPORTED_VERSION);
    assert_string_equal(get(data, "requested")->valuestring, "v9");
    assert_string_equal(cJSON_GetArrayItem(get(data, "supported"), 0)->valuestring, "2026-07-28");
    /* Methods the era removed, and unknown ones: -32601 (HTTP 404). */
    static const char *const gone[] = {"initialize", "ping", "logging/setLevel",
                                       "resources/subscribe", "nope/nope"};
    for (size_t i = 0; i < ARRAY_LEN(gone); i++) {
        char *msg = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"%s\",\"params\":{"
                              META("") "}}", gone[i]);
        assert_int_equal(run(e, NULL, msg, &c), MCP_OUT_NO_METHOD);
        assert_int_equal(last_code(&c), MCP_METHOD_NOT_FOUND);
        free(msg);
    }
    /* No modern request inside a batch. */
    mcp_session *s = test_session(e, "2025-03-26", NULL);
    run(e, s, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{" META("")
              "}}]", &c);
    const cJSON *arr = cap_msg(&c, cap_count(&c) - 1);
    assert_int_equal(get(get(cJSON_GetArrayItem(arr, 0), "error"), "code")->valueint,
                     MCP_INVALID_REQUEST);
    mcp_session_release(s);
    cap_release(&c);
    mcp_engine_free(e);
}

static void test_discover_and_resources(void **state)
{
    (void)state;
    mcp_engine *e = engine();
    struct cap c;
    cap_init(&c);
    cJSON *r = run_result(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\","
                                   "\"params\":{" META("") "}}", &c);
    assert_string_equal(cJSON_GetArrayItem(get(r, "supportedVersions"), 0)->valuestring,
                        "2026-07-28");
    assert_true(cJSON_IsObject(get(get(r, "capabilities"), "tools")));
    assert_true(cJSON_IsTrue(get(get(get(r, "capabilities"), "resources"), "subscribe")));
    assert_null(get(get(r, "capabilities"), "extensions")); /* no skills registered */
    /* An unknown resource is -32602 with the URI (the legacy era keeps -32002). */
    assert_int_equal(run(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/read\","
                                  "\"params\":{\"uri\":\"test://none\"," META("") "}}", &c),
                     MCP_OUT_RESPONSE);
    assert_int_equal(last_code(&c), MCP_INVALID_PARAMS);
    assert_string_equal(get(get(get(cap_msg(&c, cap_count(&c) - 1), "error"), "data"), "uri")
                            ->valuestring, "test://none");
    mcp_session *s = test_session(e, "2025-11-25", NULL);
    assert_int_equal(run_error(e, s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\","
                                     "\"params\":{\"uri\":\"test://none\"}}", &c),
                     MCP_RESOURCE_NOT_FOUND);
    /* Legacy results carry none of the modern fields; initialize never negotiates 2026. */
    r = run_result(e, s, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\"}", &c);
    assert_null(get(r, "resultType"));
    assert_null(get(r, "ttlMs"));
    mcp_session *s2 = mcp_session_open(e);
    r = run_result(e, s2, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
                          "\"protocolVersion\":\"2026-07-28\",\"capabilities\":{},"
                          "\"clientInfo\":{\"name\":\"x\",\"version\":\"1\"}}}", &c);
    assert_string_equal(get(r, "protocolVersion")->valuestring, "2025-11-25");
    /* Cacheable reads carry hints; the modern read of a resource too. */
    r = run_result(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/read\","
                            "\"params\":{\"uri\":\"test://static-text\"," META("") "}}", &c);
    assert_true(cJSON_IsNumber(get(r, "ttlMs")));
    mcp_session_release(s);
    mcp_session_release(s2);
    cap_release(&c);
    mcp_engine_free(e);
}

/* Headers with the standard values of a tools/call of name. */
static struct mcp_http_headers call_headers(const char *name)
{
    struct mcp_http_headers h = {.protocol_version = "2026-07-28", .method = "tools/call",
                                 .name = name};
    return h;
}

#define CALL(name, args)                                                                       \
    "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"tools/call\",\"params\":{\"name\":\"" name  \
    "\",\"arguments\":" args "," META("") "}}"

static void test_headers(void **state)
{
    (void)state;
    mcp_engine *e = engine();
    struct cap c;
    cap_init(&c);
    const char *simple = CALL("test_simple_text", "{}");
    struct mcp_http_headers h = call_headers("test_simple_text");
    assert_int_equal(run_http(e, simple, &h, &c), MCP_OUT_RESPONSE);
    assert_int_equal(last_code(&c), 0);
    /* The name may travel Base64-encoded ("test_simple_text"). */
    h.name = "=?base64?dGVzdF9zaW1wbGVfdGV4dA==?=";
    assert_int_equal(run_http(e, simple, &h, &c), MCP_OUT_RESPONSE);
    /* Each disagreement or absence is -32020 (HTTP 400). */
    struct mcp_http_headers bad[] = {
        {.protocol_version = NULL, .method = "tools/call", .name = "test_simple_text"},
        {.protocol_version = "2025-11-25", .method = "tools/call", .name = "test_simple_text"},
        {.protocol_version = "2026-07-28", .method = NULL, .name = "test_simple_text"},
        {.protocol_version = "2026-07-28", .method = "TOOLS/CALL", .name = "test_simple_text"},
        {.protocol_version = "2026-07-28", .method = "tools/call", .name = NULL},
        {.protocol_version = "2026-07-28", .method = "tools/call", .name = "test_error_handling"},
        {.protocol_version = "2026-07-28", .method = "tools/call", .name = "=?base64?!!?="},
        {.protocol_version = "2026-07-28", .method = "tools/call", .name = "test_simple\ttext\x01"},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        assert_int_equal(run_http(e, simple, &bad[i], &c), MCP_OUT_REJECTED);
        assert_int_equal(last_code(&c), MCP_HEADER_MISMATCH);
    }
    /* A modern header on a body without the claim: -32602. */
    h = call_headers("test_simple_text");
    assert_int_equal(run_http(e, "{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"tools/call\","
                                 "\"params\":{\"name\":\"test_simple_text\"}}", &h, &c),
                     MCP_OUT_REJECTED);
    assert_int_equal(last_code(&c), MCP_INVALID_PARAMS);
    /* Mcp-Param-*: present exactly when the argument is, equal to it (numbers numerically). */
    const char *custom = CALL("test_custom_headers",
                              "{\"region\":\"us-west1\",\"priority\":42,\"query\":\"q\"}");
    h = call_headers("test_custom_headers");
    h.params[0] = "Region";
    h.params[1] = "us-west1";
    h.params[2] = "priority"; /* header names are case-insensitive */
    h.params[3] = "42.0";
    h.nparams = 2;
    assert_int_equal(run_http(e, custom, &h, &c), MCP_OUT_RESPONSE);
    assert_int_equal(last_code(&c), 0);
    h.params[3] = "43";
    assert_int_equal(run_http(e, custom, &h, &c), MCP_OUT_REJECTED);
    h.nparams = 1; /* priority in the body, no header */
    assert_int_equal(run_http(e, custom, &h, &c), MCP_OUT_REJECTED);
    h.params[2] = "Verbose"; /* a header for an argument the body does not have */
    h.params[3] = "true";
    h.nparams = 2;
    h.params[0] = "Region";
    const char *no_priority = CALL("test_custom_headers", "{\"region\":\"us-west1\",\"query\":\"q\"}");
    assert_int_equal(run_http(e, no_priority, &h, &c), MCP_OUT_REJECTED);
    assert_int_equal(last_code(&c), MCP_HEADER_MISMATCH);
    /* A non-ASCII value travels Base64-encoded. */
    const char *zh = CALL("test_custom_headers", "{\"region\":\"\xe4\xb8\x96\",\"query\":\"q\"}");
    h.params[1] = "=?base64?5LiW?=";
    h.nparams = 1;
    assert_int_equal(run_http(e, zh, &h, &c), MCP_OUT_RESPONSE);
    assert_int_equal(last_code(&c), 0);
    cap_release(&c);
    mcp_engine_free(e);
}

static void test_logs_and_progress(void **state)
{
    (void)state;
    mcp_engine *e = engine();
    struct cap c;
    cap_init(&c);
    /* No logLevel: no notifications/message at all. */
    run(e, NULL, CALL("test_logging_tool", "{}"), &c);
    assert_int_equal(cap_count_method(&c, "notifications/message"), 0);
    run(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"test_logging_tool\"," META(",\"io.modelcontextprotocol/logLevel\":\"warning\"")
                 "}}", &c);
    assert_int_equal(cap_count_method(&c, "notifications/message"), 0);
    run(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"test_logging_tool\"," META(",\"io.modelcontextprotocol/logLevel\":\"info\"")
                 "}}", &c);
    assert_int_equal(cap_count_method(&c, "notifications/message"), 3);
    run(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"test_tool_with_progress\"," META(",\"progressToken\":\"p1\"") "}}", &c);
    assert_int_equal(cap_count_method(&c, "notifications/progress"), 3);
    cap_release(&c);
    mcp_engine_free(e);
}

/* A closed HTTP stream cancels a modern request (alive() answers 0): nothing is sent. */
static err_code t_wait_cancel(mcp_call *c, const cJSON *args, void *ud,
                              struct mcp_tool_result *out, struct err *e)
{
    struct cap *cp = ud;
    pthread_mutex_lock(&cp->mu);
    cp->gone = 1;
    pthread_mutex_unlock(&cp->mu);
    return mcp_call_cancelled(c) ? err_set(e, ERR_CANCELLED, "gone") : ERR_OK;
}

static void test_closed_stream_cancels(void **state)
{
    (void)state;
    mcp_engine *e = engine();
    struct cap c;
    cap_init(&c);
    struct err er = {0};
    struct mcp_tool t = {.name = "wait_cancel", .description = "d", .fn = t_wait_cancel,
                         .ud = &c};
    assert_int_equal(mcp_engine_add_tool(e, &t, &er), ERR_OK);
    assert_int_equal(run(e, NULL, CALL("wait_cancel", "{}"), &c), MCP_OUT_CANCELLED);
    assert_int_equal(cap_count(&c), 0);
    /* A legacy request never asks alive(): a closed stream is not its cancellation. */
    mcp_session *s = test_session(e, "2025-11-25", NULL);
    c.gone = 0;
    assert_int_equal(run(e, s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\","
                               "\"params\":{\"name\":\"wait_cancel\"}}", &c),
                     MCP_OUT_RESPONSE);
    mcp_session_release(s);
    cap_release(&c);
    mcp_engine_free(e);
}

int main(void)
{
    cJSON_Hooks hooks = {.malloc_fn = xmalloc, .free_fn = xfree};
    cJSON_InitHooks(&hooks);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_envelope),
        cmocka_unit_test(test_discover_and_resources),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_logs_and_progress),
        cmocka_unit_test(test_closed_stream_cancels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
