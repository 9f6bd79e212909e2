/* Unit tests for the conformance fixtures (tests/conformance/fixtures.c) driven through the
 * engine the way the conformance suite drives them over HTTP: what each scenario of
 * notes/mcp.md §5.2 checks is asserted here on the JSON the engine sends. Layer: tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_test_util.h"
#include "tests/conformance/fixtures.h"

static mcp_engine *fixture_engine(void)
{
    mcp_engine *e = test_engine(0, 0);
    conformance_fixtures_register(e);
    return e;
}

static cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static void test_tools_list(void **state)
{
    (void)state;
    mcp_engine *e = fixture_engine();
    mcp_session *s = test_session(e, "2025-11-25", NULL);
    struct cap c;
    cap_init(&c);
    cJSON *r = run_result(e, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", &c);
    const cJSON *tools = get(r, "tools"), *t;
    assert_int_equal(cJSON_GetArraySize(tools), 14 + 12); /* 2025-era and 2026-07-28 fixtures */
    assert_false(cJSON_HasObjectItem(r, "nextCursor"));
    const cJSON *schema2020 = NULL;
    cJSON_ArrayForEach(t, tools)
    {
        assert_true(cJSON_IsString(get(t, "description")) && get(t, "description")->valuestring[0]);
        assert_string_equal(get(get(t, "inputSchema"), "type")->valuestring, "object");
        if (strcmp(get(t, "name")->valuestring, "json_schema_2020_12_tool") == 0)
            schema2020 = get(t, "inputSchema");
    }
    assert_non_null(schema2020);
    assert_string_equal(get(schema2020, "$schema")->valuestring,
                        "https://json-schema.org/draft/2020-12/schema");
    assert_true(cJSON_IsObject(get(get(schema2020, "$defs"), "address")));
    assert_true(cJSON_IsFalse(get(schema2020, "additionalProperties")));
    r = run_result(e, s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"prompts/list\"}", &c);
    cJSON_ArrayForEach(t, get(r, "prompts"))
    assert_true(cJSON_IsString(get(t, "description")));
    assert_int_equal(cJSON_GetArraySize(get(r, "prompts")), 4 + 1);
    cap_release(&c);
    mcp_session_release(s);
    mcp_engine_free(e);
}

static cJSON *call_tool(mcp_engine *e, mcp_session *s, const char *name, const char *args,
                        struct cap *c)
{
    char *msg = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":"
                          "{\"name\":\"%s\"%s%s,\"_meta\":{\"progressToken\":\"progress-test-1\"}}}",
                          name, args ? ",\"arguments\":" : "", args ? args : "");
    run(e, s, msg, c);
    free(msg);
    return get(cap_msg(c, cap_count(c) - 1), "result");
}

/* Does some content block have this type (and, for media, data and mimeType)? */
static int has_block(const cJSON *result, const char *type)
{
    const cJSON *b;
    cJSON_ArrayForEach(b, get(result, "content"))
    {
        if (strcmp(get(b, "type")->valuestring, type) != 0)
            continue;
        if (strcmp(type, "text") == 0)
            return cJSON_IsString(get(b, "text")) && get(b, "text")->valuestring[0];
        if (strcmp(type, "resource") == 0) {
            const cJSON *res = get(b, "resource");
            return get(res, "uri") && get(res, "mimeType") && (get(res, "text") || get(res, "blob"));
        }
        return cJSON_IsString(get(b, "data")) && cJSON_IsString(get(b, "mimeType"));
    }
    return 0;
}

static void test_content_tools(void **state)
{
    (void)state;
    static const struct {
        const char *tool, *args;
        const char *types[3];
        int is_error, progress, logs;
    } rows[] = {
        {"test_simple_text", NULL, {"text"}, 0, 0, 0},
        {"test_image_content", "{}", {"image"}, 0, 0, 0},
        {"test_audio_content", "{}", {"audio"}, 0, 0, 0},
        {"test_embedded_resource", "{}", {"resource"}, 0, 0, 0},
        {"test_multiple_content_types", "{}", {"text", "image", "resource"}, 0, 0, 0},
        {"test_error_handling", "{}", {"text"}, 1, 0, 0},
        {"test_tool_with_progress", "{}", {"text"}, 0, 3, 0},
        {"test_tool_with_logging", "{}", {"text"}, 0, 0, 3},
        {"test_reconnection", "{}", {"text"}, 0, 0, 0},
        {"json_schema_2020_12_tool", "{\"name\":\"n\"}", {"text"}, 0, 0, 0},
    };
    mcp_engine *e = fixture_engine();
    mcp_session *s = test_session(e, "2025-11-25", NULL);
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        struct cap c;
        cap_init(&c);
        if (rows[i].logs)
            run(e, s, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"logging/setLevel\","
                      "\"params\":{\"level\":\"debug\"}}",
                &c);
        cJSON *r = call_tool(e, s, rows[i].tool, rows[i].args, &c);
        assert_non_null(r);
        for (int k = 0; k < 3 && rows[i].types[k]; k++)
            if (!has_block(r, rows[i].types[k]))
                fail_msg("%s: no %s block", rows[i].tool, rows[i].types[k]);
        assert_int_equal(cJSON_IsTrue(get(r, "isError")), rows[i].is_error);
        assert_int_equal(cap_count_method(&c, "notifications/progress"), rows[i].progress);
        assert_int_equal(cap_count_method(&c, "notifications/message"), rows[i].logs);
        if (strcmp(rows[i].tool, "test_audio_content") == 0)
            assert_string_equal(get(cJSON_GetArrayItem(get(r, "content"), 0), "mimeType")->valuestring,
                                "audio/wav");
        if (strcmp(rows[i].tool, "test_image_content") == 0)
            /* base64 of the PNG signature 89 50 4E 47 0D 0A 1A 0A */
            assert_memory_equal(get(cJSON_GetArrayItem(get(r, "content"), 0), "data")->valuestring,
                                "iVBORw0KGgo", 11);
        if (strcmp(rows[i].tool, "test_reconnection") == 0)
            assert_int_equal(c.closes, 1);
        cap_release(&c);
    }
    /* the unknown-property rule of the 2020-12 schema is enforced */
    struct cap c;
    cap_init(&c);
    cJSON *r = call_tool(e, s, "json_schema_2020_12_tool", "{\"zip\":1}", &c);
    assert_true(cJSON_IsTrue(get(r, "isError")));
    cap_release(&c);
    mcp_session_release(s);
    mcp_engine_free(e);
}

struct job {
    pthread_t th;
    mcp_engine *e;
    mcp_session *s;
    const char *tool, *args;
    struct cap cap;
    cJSON *result;
};

static void *job_main(void *arg)
{
    struct job *j = arg;
    j->result = call_tool(j->e, j->s, j->tool, j->args, &j->cap);
    return NULL;
}

/* Run tool on a thread, answer its server->client request with answer, return the request's
 * params (a copy the caller frees) and the tool result's first text in *ret_text. */
static cJSON *round_trip(mcp_engine *e, mcp_session *s, const char *tool, const char *args,
                         const char *method, const char *answer, char **ret_text)
{
    struct job j = {.e = e, .s = s, .tool = tool, .args = args};
    cap_init(&j.cap);
    assert_int_equal(pthread_create(&j.th, NULL, job_main, &j), 0);
    cJSON *req = cap_wait_method(&j.cap, method);
    cJSON *params = cJSON_Duplicate(get(req, "params"), 1);
    char *msg = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"result\":%s}",
                          get(req, "id")->valuestring, answer);
    struct cap c;
    cap_init(&c);
    assert_int_equal(run(e, s, msg, &c), MCP_OUT_ACCEPTED);
    cap_release(&c);
    free(msg);
    pthread_join(j.th, NULL);
    assert_false(cJSON_IsTrue(get(j.result, "isError")));
    *ret_text = xstrdup(get(cJSON_GetArrayItem(get(j.result, "content"), 0), "text")->valuestring);
    cap_release(&j.cap);
    return params;
}

static void test_client_requests(void **state)
{
    (void)state;
    mcp_engine *e = fixture_engine();
    mcp_session *s = test_session(e, "2025-11-25", "{\"sampling\":{},\"elicitation\":{}}");
    char *text;
    cJSON *p = round_trip(e, s, "test_sampling", "{\"prompt\":\"hi\"}", "sampling/createMessage",
                          "{\"role\":\"assistant\",\"content\":{\"type\":\"text\",\"text\":\"yo\"},"
                          "\"model\":\"m\"}",
                          &text);
    assert_string_equal(get(get(cJSON_GetArrayItem(get(p, "messages"), 0), "content"), "text")
                            ->valuestring,
                        "hi");
    assert_non_null(strstr(text, "yo"));
    cJSON_Delete(p);
    free(text);

    p = round_trip(e, s, "test_elicitation", "{\"message\":\"who\"}", "elicitation/create",
                   "{\"action\":\"accept\",\"content\":{\"username\":\"u\",\"email\":\"u@x\"}}",
                   &text);
    assert_string_equal(get(p, "mode")->valuestring, "form");
    assert_int_equal(cJSON_GetArraySize(get(get(p, "requestedSchema"), "required")), 2);
    assert_non_null(strstr(text, "u@x"));
    cJSON_Delete(p);
    free(text);

    /* SEP-1034: a default on every primitive type */
    p = round_trip(e, s, "test_elicitation_sep1034_defaults", "{}", "elicitation/create",
                   "{\"action\":\"decline\"}", &text);
    const cJSON *props = get(get(p, "requestedSchema"), "properties");
    assert_string_equal(get(get(props, "name"), "default")->valuestring, "John Doe");
    assert_int_equal(get(get(props, "age"), "default")->valueint, 30);
    assert_true(get(get(props, "score"), "default")->valuedouble == 95.5);
    assert_string_equal(get(get(props, "status"), "default")->valuestring, "active");
    assert_string_equal(cJSON_GetArrayItem(get(get(props, "status"), "enum"), 0)->valuestring,
                        "active");
    assert_true(cJSON_IsTrue(get(get(props, "verified"), "default")));
    cJSON_Delete(p);
    free(text);

    /* SEP-1330: the five enum forms */
    p = round_trip(e, s, "test_elicitation_sep1330_enums", "{}", "elicitation/create",
                   "{\"action\":\"cancel\"}", &text);
    props = get(get(p, "requestedSchema"), "properties");
    const cJSON *us = get(props, "untitledSingle");
    assert_true(get(us, "enum") && !get(us, "oneOf") && !get(us, "enumNames"));
    assert_string_equal(get(cJSON_GetArrayItem(get(get(props, "titledSingle"), "oneOf"), 0), "const")
                            ->valuestring,
                        "value1");
    assert_int_equal(cJSON_GetArraySize(get(get(props, "legacyEnum"), "enumNames")), 3);
    assert_string_equal(get(get(props, "untitledMulti"), "type")->valuestring, "array");
    assert_non_null(get(get(get(props, "untitledMulti"), "items"), "enum"));
    assert_non_null(get(get(get(props, "titledMulti"), "items"), "anyOf"));
    cJSON_Delete(p);
    free(text);
    mcp_session_release(s);
    mcp_engine_free(e);
}

static void test_resources_and_prompts(void **state)
{
    (void)state;
    mcp_engine *e = fixture_engine();
    mcp_session *s = test_session(e, "2025-11-25", NULL);
    struct cap c;
    cap_init(&c);
    static const struct {
        const char *uri, *mime, *key, *contains;
    } reads[] = {
        {"test://static-text", "text/plain", "text", "static text resource"},
        {"test://static-binary", "image/png", "blob", "iVBORw0KGgo"},
        {"test://template/123/data", "application/json", "text", "\"123\""},
    };
    for (size_t i = 0; i < ARRAY_LEN(reads); i++) {
        char *msg = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\","
                              "\"params\":{\"uri\":\"%s\"}}",
                              reads[i].uri);
        cJSON *r = run_result(e, s, msg, &c);
        free(msg);
        const cJSON *c0 = cJSON_GetArrayItem(get(r, "contents"), 0);
        assert_string_equal(get(c0, "uri")->valuestring, reads[i].uri);
        assert_string_equal(get(c0, "mimeType")->valuestring, reads[i].mime);
        assert_non_null(strstr(get(c0, reads[i].key)->valuestring, reads[i].contains));
    }
    assert_int_equal(run_error(e, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\","
                                     "\"params\":{\"uri\":\"test://template/123/other\"}}",
                               &c),
                     MCP_RESOURCE_NOT_FOUND);
    assert_non_null(run_result(e, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/subscribe\","
                                     "\"params\":{\"uri\":\"test://watched-resource\"}}",
                               &c));
    cJSON *r = run_result(e, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/get\",\"params\":"
                                "{\"name\":\"test_prompt_with_arguments\",\"arguments\":"
                                "{\"arg1\":\"testValue1\",\"arg2\":\"testValue2\"}}}",
                          &c);
    char *json = cJSON_PrintUnformatted(get(r, "messages"));
    assert_non_null(strstr(json, "testValue1"));
    assert_non_null(strstr(json, "testValue2"));
    cJSON_free(json);
    r = run_result(e, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/get\",\"params\":"
                         "{\"name\":\"test_prompt_with_embedded_resource\",\"arguments\":"
                         "{\"resourceUri\":\"test://example-resource\"}}}",
                   &c);
    assert_string_equal(get(get(cJSON_GetArrayItem(get(r, "messages"), 0), "content"), "type")
                            ->valuestring,
                        "resource");
    r = run_result(e, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/get\",\"params\":"
                         "{\"name\":\"test_prompt_with_image\"}}",
                   &c);
    const cJSON *img = get(cJSON_GetArrayItem(get(r, "messages"), 0), "content");
    assert_true(get(img, "data") && get(img, "mimeType"));
    r = run_result(e, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/get\",\"params\":"
                         "{\"name\":\"test_simple_prompt\"}}",
                   &c);
    assert_true(get(cJSON_GetArrayItem(get(r, "messages"), 0), "role") != NULL);
    r = run_result(e, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"completion/complete\",\"params\":"
                         "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"test_prompt_with_arguments\"},"
                         "\"argument\":{\"name\":\"arg1\",\"value\":\"test\"}}}",
                   &c);
    assert_true(cJSON_IsArray(get(get(r, "completion"), "values")));
    cap_release(&c);
    mcp_session_release(s);
    mcp_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tools_list),
        cmocka_unit_test(test_content_tools),
        cmocka_unit_test(test_client_requests),
        cmocka_unit_test(test_resources_and_prompts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
