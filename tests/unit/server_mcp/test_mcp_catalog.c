/* Unit tests for resources (list, templates, read order and errors, subscriptions), prompts
 * (list, get, argument checks) and completion/complete (caps and lenient refs). Layer: tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_test_util.h"

static cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* Answers with the URI and which row answered (ud); "x://fail" fails; URIs with "missing",
 * and every URI offered to the row "first", are not found. */
static cJSON *reader(mcp_call *c, const char *uri, void *ud, struct err *e)
{
    if (strstr(uri, "missing") || strcmp((const char *)ud, "first") == 0) {
        err_set(e, ERR_NOT_FOUND, "not here");
        return NULL;
    }
    if (strcmp(uri, "x://fail") == 0) {
        err_set(e, ERR_IO, "disk on fire");
        return NULL;
    }
    cJSON *arr = cJSON_CreateArray();
    cJSON *item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "uri", uri);
    cJSON_AddStringToObject(item, "text", (const char *)ud);
    cJSON_AddItemToArray(arr, item);
    return arr;
}

static cJSON *prompt_fn(mcp_call *c, const char *name, const cJSON *args, void *ud, struct err *e)
{
    const cJSON *topic = get(args, "topic");
    if (topic && strcmp(topic->valuestring, "bad") == 0) {
        err_set(e, ERR_INVALID, "topic 'bad' is not allowed");
        return NULL;
    }
    return cJSON_Parse("{\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\","
                       "\"text\":\"hi\"}}]}");
}

static int completions_asked;

/* Offers n values where n is the number in the typed value. */
static cJSON *complete_fn(const cJSON *ref, const char *arg, const char *value,
                          const cJSON *context_args, void *ud)
{
    completions_asked++;
    long n = 0;
    if (parse_long(value, 0, 1000, &n) != ERR_OK)
        return NULL;
    cJSON *arr = cJSON_CreateArray();
    for (long i = 0; i < n; i++) {
        char v[32];
        snprintf(v, sizeof v, "%s-%ld%s", arg, i, context_args ? "-ctx" : "");
        cJSON_AddItemToArray(arr, cJSON_CreateString(v));
    }
    cJSON_AddItemToArray(arr, cJSON_CreateNumber(1)); /* non-strings are skipped */
    return arr;
}

static mcp_engine *catalog_engine(void)
{
    mcp_engine *e = test_engine(0, 2);
    static const char *const uris[] = {"x://a", "x://b", "x://c", "x://fail"};
    for (size_t i = 0; i < ARRAY_LEN(uris); i++) {
        struct mcp_resource r = {.uri = uris[i], .name = uris[i] + 4, .title = "T",
                                 .mime_type = "text/plain", .fn = reader, .ud = "static"};
        assert_int_equal(mcp_engine_add_resource(e, &r, NULL), ERR_OK);
    }
    struct mcp_resource dup = {.uri = "x://a", .name = "a", .fn = reader};
    assert_int_equal(mcp_engine_add_resource(e, &dup, NULL), ERR_EXISTS);
    struct mcp_resource_template t1 = {.uri_template = "x://t/{missing}", .name = "t1",
                                       .fn = reader, .ud = "first"};
    struct mcp_resource_template t2 = {.uri_template = "x://t/{id}", .name = "t2",
                                       .fn = reader, .ud = "second"};
    struct mcp_resource_template t3 = {.uri_template = "y://{id}", .name = "t3",
                                       .fn = reader, .ud = "third"};
    assert_int_equal(mcp_engine_add_resource_template(e, &t1, NULL), ERR_OK);
    assert_int_equal(mcp_engine_add_resource_template(e, &t2, NULL), ERR_OK);
    assert_int_equal(mcp_engine_add_resource_template(e, &t3, NULL), ERR_OK);
    static const struct mcp_prompt_arg args[] = {{"topic", "Topic", "what about", 1},
                                                 {"tone", NULL, NULL, 0}};
    struct mcp_prompt p = {.name = "ask", .description = "asks", .args = args, .nargs = 2,
                           .fn = prompt_fn};
    struct mcp_prompt q = {.name = "plain", .description = "no args", .fn = prompt_fn};
    assert_int_equal(mcp_engine_add_prompt(e, &p, NULL), ERR_OK);
    assert_int_equal(mcp_engine_add_prompt(e, &q, NULL), ERR_OK);
    assert_int_equal(mcp_engine_add_prompt(e, &q, NULL), ERR_EXISTS);
    return e;
}

static void test_resource_lists(void **state)
{
    (void)state;
    mcp_engine *e = catalog_engine();
    mcp_session *s = test_session(e, "2025-11-25", NULL);
    struct cap c;
    cap_init(&c);
    /* page size 2: four resources in two pages */
    cJSON *r = run_result(e, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/list\"}", &c);
    assert_int_equal(cJSON_GetArraySize(get(r, "resources")), 2);
    const cJSON *first = cJSON_GetArrayItem(get(r, "resources"), 0);
    assert_string_equal(get(first, "uri")->valuestring, "x://a");
    assert_string_equal(get(first, "name")->valuestring, "a");
    assert_string_equal(get(first, "mimeType")->valuestring, "text/plain");
    char *msg = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/list\","
                          "\"params\":{\"cursor\":\"%s\"}}",
                          get(r, "nextCursor")->valuestring);
    r = run_result(e, s, msg, &c);
    free(msg);
    assert_int_equal(cJSON_GetArraySize(get(r, "resources")), 2);
    assert_false(cJSON_HasObjectItem(r, "nextCursor"));
    /* a cursor of another list is refused */
    assert_int_equal(run_error(e, s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/list\","
                                     "\"params\":{\"cursor\":\"t2\"}}",
                               &c),
                     MCP_INVALID_PARAMS);
    r = run_result(e, s, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/templates/list\"}",
                   &c);
    assert_string_equal(get(cJSON_GetArrayItem(get(r, "resourceTemplates"), 0), "uriTemplate")
                            ->valuestring,
                        "x://t/{missing}");
    assert_true(cJSON_HasObjectItem(r, "nextCursor"));
    cap_release(&c);
    mcp_session_release(s);
    mcp_engine_free(e);
}

static void test_resource_read(void **state)
{
    (void)state;
    mcp_engine *e = catalog_engine();
    mcp_session *s = test_session(e, "2025-11-25", NULL);
    static const struct {
        const char *uri;
        int code;
        const char *answered_by;
    } rows[] = {
        {"x://a", 0, "static"},
        {"x://t/7", 0, "second"}, /* t1 matches the prefix but says not found */
        {"y://z", 0, "third"},
        {"x://t/missing", MCP_RESOURCE_NOT_FOUND, NULL},
        {"z://nothing", MCP_RESOURCE_NOT_FOUND, NULL},
        {"x://fail", MCP_INTERNAL_ERROR, NULL},
    };
    struct cap c;
    cap_init(&c);
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        char *msg = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\","
                              "\"params\":{\"uri\":\"%s\"}}",
                              rows[i].uri);
        int before = cap_count(&c);
        run(e, s, msg, &c);
        free(msg);
        cJSON *m = cap_msg(&c, before);
        if (rows[i].code) {
            assert_int_equal(get(get(m, "error"), "code")->valueint, rows[i].code);
            if (rows[i].code == MCP_RESOURCE_NOT_FOUND)
                assert_string_equal(get(get(get(m, "error"), "data"), "uri")->valuestring,
                                    rows[i].uri);
        } else {
            const cJSON *c0 = cJSON_GetArrayItem(get(get(m, "result"), "contents"), 0);
            assert_string_equal(get(c0, "text")->valuestring, rows[i].answered_by);
        }
    }
    assert_int_equal(run_error(e, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\","
                                     "\"params\":{}}",
                               &c),
                     MCP_INVALID_PARAMS);
    /* subscriptions: any URI, recorded per session, unsubscribe of an unknown one is fine */
    assert_non_null(run_result(e, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/subscribe\","
                                     "\"params\":{\"uri\":\"q://anything\"}}",
                               &c));
    assert_true(mcp_session_subscribed(s, "q://anything"));
    assert_non_null(run_result(e, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/unsubscribe\","
                                     "\"params\":{\"uri\":\"q://anything\"}}",
                               &c));
    assert_false(mcp_session_subscribed(s, "q://anything"));
    assert_non_null(run_result(e, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/unsubscribe\","
                                     "\"params\":{\"uri\":\"q://never\"}}",
                               &c));
    for (int i = 0; i < MCP_MAX_SUBSCRIPTIONS; i++) {
        char *msg = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/subscribe\","
                              "\"params\":{\"uri\":\"q://%d\"}}",
                              i);
        assert_non_null(run_result(e, s, msg, &c));
        free(msg);
    }
    assert_int_equal(run_error(e, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/subscribe\","
                                     "\"params\":{\"uri\":\"q://one-too-many\"}}",
                               &c),
                     MCP_INVALID_PARAMS);
    cap_release(&c);
    mcp_session_release(s);
    mcp_engine_free(e);
}

static void test_prompts(void **state)
{
    (void)state;
    mcp_engine *e = catalog_engine();
    mcp_session *s = test_session(e, "2025-03-26", NULL);
    struct cap c;
    cap_init(&c);
    cJSON *r = run_result(e, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/list\"}", &c);
    const cJSON *ask = cJSON_GetArrayItem(get(r, "prompts"), 0);
    const cJSON *a0 = cJSON_GetArrayItem(get(ask, "arguments"), 0);
    assert_string_equal(get(a0, "name")->valuestring, "topic");
    assert_true(cJSON_IsTrue(get(a0, "required")));
    assert_false(cJSON_HasObjectItem(a0, "title")); /* 2025-03-26 has no titles */
    static const struct {
        const char *params;
        int code;
        const char *msg;
    } rows[] = {
        {"{\"name\":\"ask\",\"arguments\":{\"topic\":\"x\"}}", 0, NULL},
        {"{\"name\":\"plain\"}", 0, NULL},
        {"{\"name\":\"nope\"}", MCP_INVALID_PARAMS, "Unknown prompt: nope"},
        {"{\"name\":\"ask\"}", MCP_INVALID_PARAMS, "'topic'"},
        {"{\"name\":\"ask\",\"arguments\":{\"tone\":\"dry\"}}", MCP_INVALID_PARAMS, "'topic'"},
        {"{\"name\":\"ask\",\"arguments\":{\"topic\":1}}", MCP_INVALID_PARAMS, "must be a string"},
        {"{\"name\":\"ask\",\"arguments\":[]}", MCP_INVALID_PARAMS, "must be an object"},
        {"{\"name\":\"ask\",\"arguments\":{\"topic\":\"bad\"}}", MCP_INVALID_PARAMS, "not allowed"},
        {"{}", MCP_INVALID_PARAMS, "name"},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        char *msg = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/get\","
                              "\"params\":%s}",
                              rows[i].params);
        int before = cap_count(&c);
        run(e, s, msg, &c);
        free(msg);
        cJSON *m = cap_msg(&c, before);
        if (!rows[i].code) {
            assert_non_null(get(get(m, "result"), "messages"));
            continue;
        }
        assert_int_equal(get(get(m, "error"), "code")->valueint, rows[i].code);
        if (!strstr(get(get(m, "error"), "message")->valuestring, rows[i].msg))
            fail_msg("row %zu: %s", i, get(get(m, "error"), "message")->valuestring);
    }
    cap_release(&c);
    mcp_session_release(s);
    mcp_engine_free(e);
}

static cJSON *complete(mcp_engine *e, mcp_session *s, const char *ref, const char *value,
                       struct cap *c)
{
    char *msg = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"completion/complete\","
                          "\"params\":{\"ref\":%s,\"argument\":{\"name\":\"topic\",\"value\":\"%s\"},"
                          "\"context\":{\"arguments\":{\"tone\":\"x\"}}}}",
                          ref, value);
    cJSON *r = run_result(e, s, msg, c);
    free(msg);
    return get(r, "completion");
}

static void test_completion(void **state)
{
    (void)state;
    mcp_engine *e = catalog_engine();
    mcp_session *s = test_session(e, "2025-11-25", NULL);
    struct cap c;
    cap_init(&c);
    const char *prompt_ref = "{\"type\":\"ref/prompt\",\"name\":\"ask\"}";
    /* no completion function yet: empty */
    cJSON *comp = complete(e, s, prompt_ref, "3", &c);
    assert_int_equal(cJSON_GetArraySize(get(comp, "values")), 0);
    assert_int_equal(get(comp, "total")->valueint, 0);
    assert_true(cJSON_IsFalse(get(comp, "hasMore")));

    mcp_engine_set_completion(e, complete_fn, NULL);
    comp = complete(e, s, prompt_ref, "3", &c);
    assert_int_equal(cJSON_GetArraySize(get(comp, "values")), 3);
    assert_string_equal(cJSON_GetArrayItem(get(comp, "values"), 0)->valuestring, "topic-0-ctx");
    comp = complete(e, s, "{\"type\":\"ref/resource\",\"uri\":\"x://t/{id}\"}", "150", &c);
    assert_int_equal(cJSON_GetArraySize(get(comp, "values")), 100);
    assert_int_equal(get(comp, "total")->valueint, 150);
    assert_true(cJSON_IsTrue(get(comp, "hasMore")));
    /* unknown refs are answered empty without asking the function */
    int asked = completions_asked;
    static const char *const unknown[] = {"{\"type\":\"ref/prompt\",\"name\":\"nope\"}",
                                          "{\"type\":\"ref/resource\",\"uri\":\"q://x\"}",
                                          "{\"type\":\"ref/other\"}"};
    for (size_t i = 0; i < ARRAY_LEN(unknown); i++) {
        comp = complete(e, s, unknown[i], "3", &c);
        assert_int_equal(cJSON_GetArraySize(get(comp, "values")), 0);
    }
    assert_int_equal(completions_asked, asked);
    assert_int_equal(run_error(e, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"completion/complete\","
                                     "\"params\":{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"ask\"}}}",
                               &c),
                     MCP_INVALID_PARAMS);
    cap_release(&c);
    mcp_session_release(s);
    mcp_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resource_lists),
        cmocka_unit_test(test_resource_read),
        cmocka_unit_test(test_prompts),
        cmocka_unit_test(test_completion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
