/* Unit tests for multi round-trip requests (mcp_input.c): questions asked by key, the
 * InputRequiredResult, answers through inputResponses, the sealed requestState (tampered,
 * foreign, expired, replayed), bound questions, several rounds, missing capabilities
 * (-32021), prompts, and mcp_call_request on a modern request. Layer: tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcp_test_util.h"
#include "tests/conformance/fixtures.h"

#define CAPS_ALL "{\"elicitation\":{},\"sampling\":{},\"roots\":{}}"
#define META_CAPS(caps)                                                                        \
    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","                \
    "\"io.modelcontextprotocol/clientCapabilities\":" caps "}"

static cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static mcp_engine *engine(unsigned ttl)
{
    mcp_engine *e = test_engine_sealed("input-key", ttl);
    conformance_fixtures_register(e);
    return e;
}

/* tools/call name with args (JSON text) and extra params (", ..." or ""), all capabilities.
 * Returns the response message (borrowed from c). */
static cJSON *call(mcp_engine *e, const char *name, const char *args, const char *extra,
                   struct cap *c)
{
    char *msg = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{"
                          "\"name\":\"%s\",\"arguments\":%s%s," META_CAPS(CAPS_ALL) "}}",
                          name, args, extra);
    run(e, NULL, msg, c);
    free(msg);
    return cap_msg(c, cap_count(c) - 1);
}

static const char *result_type(const cJSON *m)
{
    const cJSON *t = get(get(m, "result"), "resultType");
    return cJSON_IsString(t) ? t->valuestring : "(none)";
}

static const char *text_of(const cJSON *m)
{
    return get(cJSON_GetArrayItem(get(get(m, "result"), "content"), 0), "text")->valuestring;
}

/* ", \"inputResponses\": {key: answer}, \"requestState\": state" for the last answer. */
static char *retry(const char *key, const char *answer, const cJSON *last)
{
    const cJSON *st = get(get(last, "result"), "requestState");
    return xasprintf(",\"inputResponses\":{\"%s\":%s}%s%s%s", key, answer,
                     st ? ",\"requestState\":\"" : "", st ? st->valuestring : "", st ? "\"" : "");
}

#define ACCEPT(content) "{\"action\":\"accept\",\"content\":" content "}"

static void test_round_trip(void **state)
{
    (void)state;
    mcp_engine *e = engine(0);
    struct cap c;
    cap_init(&c);
    cJSON *m = call(e, "test_input_required_result_elicitation", "{}", "", &c);
    assert_string_equal(result_type(m), "input_required");
    const cJSON *q = get(get(get(m, "result"), "inputRequests"), "user_name");
    assert_string_equal(get(q, "method")->valuestring, "elicitation/create");
    assert_true(cJSON_IsString(get(get(m, "result"), "requestState")));
    assert_null(get(get(m, "result"), "ttlMs")); /* input_required is never cacheable */
    char *x = retry("user_name", ACCEPT("{\"name\":\"Ada\"}"), m);
    m = call(e, "test_input_required_result_elicitation", "{}", x, &c);
    free(x);
    assert_string_equal(result_type(m), "complete");
    assert_string_equal(text_of(m), "Hello, Ada!");
    /* An unbound question also takes an answer given ahead, without a requestState. */
    m = call(e, "test_input_required_result_elicitation", "{}",
             ",\"inputResponses\":{\"user_name\":" ACCEPT("{\"name\":\"Bo\"}") "}", &c);
    assert_string_equal(text_of(m), "Hello, Bo!");
    /* An answer of the wrong shape is no answer: asked again. */
    m = call(e, "test_input_required_result_elicitation", "{}",
             ",\"inputResponses\":{\"user_name\":12}", &c);
    assert_string_equal(result_type(m), "input_required");
    /* inputResponses that are not an object: -32602. */
    m = call(e, "test_input_required_result_elicitation", "{}", ",\"inputResponses\":[1]", &c);
    assert_int_equal(get(get(m, "error"), "code")->valueint, MCP_INVALID_PARAMS);
    cap_release(&c);
    mcp_engine_free(e);
}

static void test_bound_state(void **state)
{
    (void)state;
    mcp_engine *e = engine(0);
    struct cap c;
    cap_init(&c);
    const char *tool = "test_input_required_result_request_state";
    cJSON *first = cJSON_Duplicate(call(e, tool, "{}", "", &c), 1);
    assert_string_equal(result_type(first), "input_required");
    const char *st = get(get(first, "result"), "requestState")->valuestring;
    /* A bound question takes no answer without the state that asked it. */
    cJSON *m = call(e, tool, "{}", ",\"inputResponses\":{\"confirm\":" ACCEPT("{\"ok\":true}") "}",
                    &c);
    assert_string_equal(result_type(m), "input_required");
    /* The state for other arguments: refused. Reordered arguments are the same arguments. */
    char *x = retry("confirm", ACCEPT("{\"ok\":true}"), first);
    m = call(e, tool, "{\"other\":1}", x, &c);
    assert_int_equal(get(get(m, "error"), "code")->valueint, MCP_INVALID_PARAMS);
    assert_non_null(strstr(get(get(m, "error"), "message")->valuestring, "another request"));
    /* Tampered: one character of the payload changed. */
    char *bad = xstrdup(x);
    char *p = strstr(bad, "requestState\":\"") + strlen("requestState\":\"") + 3;
    *p = *p == 'A' ? 'B' : 'A';
    m = call(e, tool, "{}", bad, &c);
    assert_int_equal(get(get(m, "error"), "code")->valueint, MCP_INVALID_PARAMS);
    assert_non_null(strstr(get(get(m, "error"), "message")->valuestring, "integrity"));
    free(bad);
    /* The real retry: the handler's own state came back too. */
    m = call(e, tool, "{}", x, &c);
    assert_string_equal(result_type(m), "complete");
    assert_non_null(strstr(text_of(m), "state-ok"));
    /* Replayed: a bound state is good for one use. */
    m = call(e, tool, "{}", x, &c);
    assert_non_null(strstr(get(get(m, "error"), "message")->valuestring, "already used"));
    /* Another engine (another key) does not take it. */
    mcp_engine *e2 = test_engine_sealed("other-key", 0);
    conformance_fixtures_register(e2);
    m = call(e2, tool, "{}", x, &c);
    assert_int_equal(get(get(m, "error"), "code")->valueint, MCP_INVALID_PARAMS);
    mcp_engine_free(e2);
    free(x);
    (void)st;
    cJSON_Delete(first);
    cap_release(&c);
    mcp_engine_free(e);
}

static void test_expiry(void **state)
{
    (void)state;
    mcp_engine *e = engine(1);
    struct cap c;
    cap_init(&c);
    cJSON *first = cJSON_Duplicate(call(e, "test_input_required_result_elicitation", "{}", "", &c), 1);
    char *x = retry("user_name", ACCEPT("{\"name\":\"Ada\"}"), first);
    sleep(2);
    cJSON *m = call(e, "test_input_required_result_elicitation", "{}", x, &c);
    assert_non_null(strstr(get(get(m, "error"), "message")->valuestring, "expired"));
    free(x);
    cJSON_Delete(first);
    cap_release(&c);
    mcp_engine_free(e);
}

static void test_rounds_and_many(void **state)
{
    (void)state;
    mcp_engine *e = engine(0);
    struct cap c;
    cap_init(&c);
    const char *tool = "test_input_required_result_multi_round";
    cJSON *r1 = cJSON_Duplicate(call(e, tool, "{}", "", &c), 1);
    assert_non_null(get(get(get(r1, "result"), "inputRequests"), "step1"));
    char *x = retry("step1", ACCEPT("{\"name\":\"Ada\"}"), r1);
    cJSON *r2 = cJSON_Duplicate(call(e, tool, "{}", x, &c), 1);
    free(x);
    assert_non_null(get(get(get(r2, "result"), "inputRequests"), "step2"));
    assert_string_not_equal(get(get(r2, "result"), "requestState")->valuestring,
                            get(get(r1, "result"), "requestState")->valuestring);
    /* Round 3 answers only step2: step1's answer travels in the state. */
    x = retry("step2", ACCEPT("{\"color\":\"blue\"}"), r2);
    cJSON *m = call(e, tool, "{}", x, &c);
    free(x);
    assert_string_equal(text_of(m), "Ada likes blue.");
    cJSON_Delete(r1);
    cJSON_Delete(r2);
    /* Three kinds of question in one round. */
    m = call(e, "test_input_required_result_multiple_inputs", "{}", "", &c);
    const cJSON *qs = get(get(m, "result"), "inputRequests");
    assert_int_equal(cJSON_GetArraySize(qs), 3);
    assert_string_equal(get(get(qs, "client_roots"), "method")->valuestring, "roots/list");
    /* A prompt asks too. */
    run(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"prompts/get\",\"params\":{\"name\":"
                 "\"test_input_required_result_prompt\"," META_CAPS(CAPS_ALL) "}}", &c);
    m = cap_msg(&c, cap_count(&c) - 1);
    assert_string_equal(result_type(m), "input_required");
    cap_release(&c);
    mcp_engine_free(e);
}

static void test_capabilities(void **state)
{
    (void)state;
    mcp_engine *e = engine(0);
    struct cap c;
    cap_init(&c);
    /* Only what the client declared is asked. */
    run(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"test_input_required_result_capabilities\"," META_CAPS("{\"sampling\":{}}") "}}",
        &c);
    const cJSON *qs = get(get(cap_msg(&c, cap_count(&c) - 1), "result"), "inputRequests");
    assert_string_equal(get(qs->child, "method")->valuestring, "sampling/createMessage");
    /* A question the client cannot answer fails the request with -32021 (HTTP 400). */
    assert_int_equal(run(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\","
                                  "\"params\":{\"name\":\"test_missing_capability\","
                                  META_CAPS("{}") "}}", &c),
                     MCP_OUT_REJECTED);
    const cJSON *err = get(cap_msg(&c, cap_count(&c) - 1), "error");
    assert_int_equal(get(err, "code")->valueint, MCP_MISSING_CAPABILITY);
    assert_true(cJSON_IsObject(get(get(get(err, "data"), "requiredCapabilities"), "sampling")));
    cap_release(&c);
    mcp_engine_free(e);
}

/* mcp_call_request on a modern request asks bound questions "input-1", "input-2". */
static err_code t_two_requests(mcp_call *c, const cJSON *args, void *ud,
                               struct mcp_tool_result *out, struct err *e)
{
    cJSON *a = mcp_call_request(c, "roots/list", NULL, e);
    if (!a)
        return e->code;
    cJSON *b = mcp_call_request(c, "roots/list", NULL, e);
    if (!b) {
        cJSON_Delete(a);
        return e->code;
    }
    out->text = xstrdup("both answered");
    cJSON_Delete(a);
    cJSON_Delete(b);
    return ERR_OK;
}

static void test_call_request_is_bound(void **state)
{
    (void)state;
    mcp_engine *e = engine(0);
    struct err er = {0};
    struct mcp_tool t = {.name = "two_requests", .description = "d", .fn = t_two_requests};
    assert_int_equal(mcp_engine_add_tool(e, &t, &er), ERR_OK);
    struct cap c;
    cap_init(&c);
    cJSON *r1 = cJSON_Duplicate(call(e, "two_requests", "{}", "", &c), 1);
    assert_non_null(get(get(get(r1, "result"), "inputRequests"), "input-1"));
    char *x = retry("input-1", "{\"roots\":[]}", r1);
    cJSON *r2 = cJSON_Duplicate(call(e, "two_requests", "{}", x, &c), 1);
    free(x);
    assert_non_null(get(get(get(r2, "result"), "inputRequests"), "input-2"));
    x = retry("input-2", "{\"roots\":[]}", r2);
    assert_string_equal(text_of(call(e, "two_requests", "{}", x, &c)), "both answered");
    free(x);
    cJSON_Delete(r1);
    cJSON_Delete(r2);
    cap_release(&c);
    mcp_engine_free(e);
    /* Without a MAC no state can be issued: a bound question cannot be asked. */
    e = test_engine(0, 0);
    assert_int_equal(mcp_engine_add_tool(e, &t, &er), ERR_OK);
    cap_init(&c);
    cJSON *m = call(e, "two_requests", "{}", "", &c);
    assert_true(cJSON_IsTrue(get(get(m, "result"), "isError")));
    cap_release(&c);
    mcp_engine_free(e);
}

static void test_canonical_json(void **state)
{
    (void)state;
    cJSON *a = cJSON_Parse("{\"b\":[1,{\"y\":2,\"x\":\"\\u00e9\"}],\"a\":null}");
    cJSON *b = cJSON_Parse("{\"a\":null,\"b\":[1,{\"x\":\"\xc3\xa9\",\"y\":2}]}");
    struct buf x, y;
    buf_init(&x, 0);
    buf_init(&y, 0);
    mcp_canonical_json(a, &x);
    mcp_canonical_json(b, &y);
    assert_string_equal(x.data, y.data);
    assert_string_equal(x.data, "{\"a\":null,\"b\":[1,{\"x\":\"\xc3\xa9\",\"y\":2}]}");
    buf_release(&x);
    buf_release(&y);
    cJSON_Delete(a);
    cJSON_Delete(b);
}

int main(void)
{
    cJSON_Hooks hooks = {.malloc_fn = xmalloc, .free_fn = xfree};
    cJSON_InitHooks(&hooks);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_bound_state),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_rounds_and_many),
        cmocka_unit_test(test_capabilities),
        cmocka_unit_test(test_call_request_is_bound),
        cmocka_unit_test(test_canonical_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
