/* Unit tests for tools/list (pagination, version gating, annotations) and tools/call
 * (argument checks from tools_call_cases.jsonl, results, structured content). Layer: tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_test_util.h"

static const char *echo_schema =
    "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},"
    "\"count\":{\"type\":\"integer\"},\"ratio\":{\"type\":\"number\"},"
    "\"flag\":{\"type\":\"boolean\"},\"tags\":{\"type\":\"array\"},"
    "\"opts\":{\"type\":\"object\"},\"maybe\":{\"type\":[\"string\",\"null\"]}},"
    "\"required\":[\"name\"],\"additionalProperties\":false}";

/* Echoes its arguments as text and as structured content; some names make it fail. */
static err_code echo_tool(mcp_call *call, const cJSON *args, void *ud, struct mcp_tool_result *out,
                          struct err *e)
{
    (void)call;
    (void)ud;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(args, "name");
    const char *n = cJSON_IsString(name) ? name->valuestring : "";
    if (strcmp(n, "fail-hard") == 0)
        return err_set(e, ERR_INVALID, "value '%s' is not allowed", n);
    if (strcmp(n, "fail-bare") == 0)
        return ERR_DENIED;
    if (strcmp(n, "fail-soft") == 0) {
        out->text = xstrdup("soft failure");
        out->is_error = 1;
        return ERR_OK;
    }
    out->text = cJSON_PrintUnformatted(args);
    out->structured = cJSON_CreateObject();
    cJSON_AddItemToObject(out->structured, "echo", cJSON_Duplicate(args, 1));
    return ERR_OK;
}

/* Returns only structured content, and a resource_link block when asked. */
static err_code link_tool(mcp_call *call, const cJSON *args, void *ud, struct mcp_tool_result *out,
                          struct err *e)
{
    (void)call;
    (void)e;
    (void)args;
    if (ud) {
        out->content = cJSON_Parse("[{\"type\":\"resource_link\",\"uri\":\"x://r\",\"name\":\"r\"}]");
        return ERR_OK;
    }
    out->structured = cJSON_Parse("{\"n\":1}");
    return ERR_OK;
}

/* Reports the arguments it was handed: their JSON, or "NULL". */
static err_code raw_tool(mcp_call *call, const cJSON *args, void *ud, struct mcp_tool_result *out,
                         struct err *e)
{
    out->text = args ? cJSON_PrintUnformatted(args) : xstrdup("NULL");
    return ERR_OK;
}

/* Answers with the id of the session the call belongs to. */
static err_code whoami_tool(mcp_call *call, const cJSON *args, void *ud,
                            struct mcp_tool_result *out, struct err *e)
{
    const char *sid = mcp_call_session_id(call);
    out->text = xstrdup(sid ? sid : "(none)");
    return ERR_OK;
}

static mcp_engine *tools_engine(size_t page_size)
{
    mcp_engine *e = test_engine(0, page_size);
    struct mcp_tool echo = {.name = "echo", .title = "Echo", .description = "echoes",
                            .input_schema = echo_schema,
                            .output_schema = "{\"type\":\"object\"}",
                            .hints = MCP_HINT_READ_ONLY | MCP_HINT_IDEMPOTENT, .fn = echo_tool};
    struct mcp_tool free_tool = {.name = "free", .description = "no schema", .fn = echo_tool};
    struct mcp_tool structured = {.name = "structured", .description = "structured only",
                                  .input_schema = "{\"type\":\"object\"}", .fn = link_tool};
    struct mcp_tool link = {.name = "link", .description = "a link", .fn = link_tool, .ud = e};
    assert_int_equal(mcp_engine_add_tool(e, &echo, NULL), ERR_OK);
    assert_int_equal(mcp_engine_add_tool(e, &free_tool, NULL), ERR_OK);
    assert_int_equal(mcp_engine_add_tool(e, &structured, NULL), ERR_OK);
    assert_int_equal(mcp_engine_add_tool(e, &link, NULL), ERR_OK);
    return e;
}

static void test_list_pages_and_versions(void **state)
{
    (void)state;
    mcp_engine *e = tools_engine(3);
    static const char *const versions[] = {"2025-11-25", "2025-06-18", "2025-03-26",
                                           "2024-11-05"};
    for (size_t v = 0; v < ARRAY_LEN(versions); v++) {
        mcp_session *s = test_session(e, versions[v], NULL);
        int modern = strcmp(versions[v], "2025-06-18") >= 0;
        int annotated = strcmp(versions[v], "2025-03-26") >= 0; /* 2024-11-05 has none */
        struct cap c;
        cap_init(&c);
        cJSON *r = run_result(e, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", &c);
        const cJSON *tools = cJSON_GetObjectItemCaseSensitive(r, "tools");
        assert_int_equal(cJSON_GetArraySize(tools), 3);
        const cJSON *next = cJSON_GetObjectItemCaseSensitive(r, "nextCursor");
        assert_true(cJSON_IsString(next));
        const cJSON *echo = cJSON_GetArrayItem(tools, 0);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(echo, "name")->valuestring, "echo");
        assert_int_equal(cJSON_HasObjectItem(echo, "title"), modern);
        assert_int_equal(cJSON_HasObjectItem(echo, "outputSchema"), modern);
        const cJSON *ann = cJSON_GetObjectItemCaseSensitive(echo, "annotations");
        assert_int_equal(ann != NULL, annotated);
        if (annotated) {
            assert_int_equal(cJSON_HasObjectItem(ann, "title"), !modern);
            assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ann, "readOnlyHint")));
            assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(ann, "destructiveHint")));
            assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ann, "idempotentHint")));
            assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(ann, "openWorldHint")));
        }
        const cJSON *schema = cJSON_GetObjectItemCaseSensitive(echo, "inputSchema");
        assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(schema, "additionalProperties")));
        /* the default schema of a tool registered without one is an object schema */
        const cJSON *free_schema =
            cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(tools, 1), "inputSchema");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(free_schema, "type")->valuestring,
                            "object");

        char *msg = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\","
                              "\"params\":{\"cursor\":\"%s\"}}",
                              next->valuestring);
        r = run_result(e, s, msg, &c);
        free(msg);
        tools = cJSON_GetObjectItemCaseSensitive(r, "tools");
        assert_int_equal(cJSON_GetArraySize(tools), 1);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(tools, 0), "name")
                                ->valuestring,
                            "link");
        assert_false(cJSON_HasObjectItem(r, "nextCursor"));
        static const char *const bad[] = {"\"zzz\"", "\"t99\"", "\"t0\"", "\"r3\"", "5", "\"\""};
        for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
            msg = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\","
                            "\"params\":{\"cursor\":%s}}",
                            bad[i]);
            assert_int_equal(run_error(e, s, msg, &c), MCP_INVALID_PARAMS);
            free(msg);
        }
        cap_release(&c);
        mcp_session_release(s);
    }
    mcp_engine_free(e);
}

static const cJSON *first_text(const cJSON *result)
{
    const cJSON *b = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(result, "content"), 0);
    return cJSON_GetObjectItemCaseSensitive(b, "text");
}

/* tools/call name with arguments (JSON text, or NULL for none) on s; returns the first text
 * block's text (a new string) and sets *ret_is_error, or NULL with *ret_rpc set for a
 * JSON-RPC error. */
static char *call_text(mcp_engine *e, mcp_session *s, const char *name, const char *arguments,
                       int *ret_is_error, int *ret_rpc)
{
    char *msg = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                          "\"params\":{\"name\":\"%s\"%s%s}}",
                          name, arguments ? ",\"arguments\":" : "", arguments ? arguments : "");
    struct cap c;
    cap_init(&c);
    *ret_rpc = run_error(e, s, msg, &c);
    char *text = NULL;
    if (!*ret_rpc) {
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(cap_msg(&c, 0), "result");
        *ret_is_error = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "isError"));
        text = xstrdup(first_text(r)->valuestring);
    }
    cap_release(&c);
    free(msg);
    return text;
}

static void test_raw_arguments(void **state)
{
    (void)state;
    mcp_engine *e = test_engine(0, 0);
    struct err er = {0};
    struct mcp_tool raw = {.name = "raw", .description = "unchecked", .input_schema = echo_schema,
                           .fn = raw_tool, .flags = MCP_TOOL_RAW_ARGS};
    struct mcp_tool checked = {.name = "checked", .description = "checked",
                               .input_schema = echo_schema, .fn = raw_tool};
    assert_int_equal(mcp_engine_add_tool(e, &raw, &er), ERR_OK);
    assert_int_equal(mcp_engine_add_tool(e, &checked, &er), ERR_OK);
    struct mcp_tool odd = {.name = "odd", .fn = raw_tool, .flags = 1u << 7};
    assert_int_equal(mcp_engine_add_tool(e, &odd, &er), ERR_INVALID);
    assert_non_null(strstr(er.msg, "tool 'odd': unknown flags 0x80"));
    mcp_session *s = test_session(e, "2025-11-25", NULL);
    /* Each row: arguments, what the raw tool is handed, whether the checked one refuses. */
    static const struct {
        const char *arguments, *raw_gets;
        int checked_refuses;
    } rows[] = {
        {NULL, "NULL", 1},                                    /* required 'name' missing */
        {"null", "NULL", 1},
        {"{}", "{}", 1},
        {"{\"name\":5}", "{\"name\":5}", 1},                  /* wrong type */
        {"{\"name\":\"a\",\"extra\":1}", "{\"name\":\"a\",\"extra\":1}", 1}, /* unknown */
        {"{\"name\":\"a\"}", "{\"name\":\"a\"}", 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        int is_error = -1, rpc = 0;
        char *text = call_text(e, s, "raw", rows[i].arguments, &is_error, &rpc);
        assert_int_equal(rpc, 0);
        assert_int_equal(is_error, 0);
        assert_string_equal(text, rows[i].raw_gets);
        free(text);
        text = call_text(e, s, "checked", rows[i].arguments, &is_error, &rpc);
        assert_int_equal(is_error, rows[i].checked_refuses);
        free(text);
    }
    /* Still refused with RAW_ARGS: arguments that are not an object, duplicate keys. */
    int is_error = -1, rpc = 0;
    char *text = call_text(e, s, "raw", "[1]", &is_error, &rpc);
    assert_null(text);
    assert_int_equal(rpc, MCP_INVALID_PARAMS);
    text = call_text(e, s, "raw", "{\"name\":\"a\",\"name\":\"b\"}", &is_error, &rpc);
    assert_int_equal(is_error, 1);
    assert_non_null(strstr(text, "'name' is given more than once"));
    free(text);
    mcp_session_release(s);
    mcp_engine_free(e);
}

static void test_call_session_id(void **state)
{
    (void)state;
    mcp_engine *e = test_engine(0, 0);
    struct mcp_tool who = {.name = "whoami", .description = "session id", .fn = whoami_tool};
    assert_int_equal(mcp_engine_add_tool(e, &who, NULL), ERR_OK);
    mcp_session *a = test_session(e, "2025-11-25", NULL);
    mcp_session *b = test_session(e, "2025-03-26", NULL);
    int is_error = -1, rpc = 0;
    char *ta = call_text(e, a, "whoami", NULL, &is_error, &rpc);
    char *tb = call_text(e, b, "whoami", NULL, &is_error, &rpc);
    assert_string_equal(ta, mcp_session_id(a));
    assert_string_equal(tb, mcp_session_id(b));
    assert_int_equal(strlen(ta), 32);
    assert_string_not_equal(ta, tb);
    free(ta);
    free(tb);
    mcp_session_release(a);
    mcp_session_release(b);
    mcp_engine_free(e);
}

static void run_call_case(mcp_engine *e, mcp_session *s, const cJSON *tc)
{
    const char *name = cJSON_GetObjectItemCaseSensitive(tc, "name")->valuestring;
    const char *params = cJSON_GetObjectItemCaseSensitive(tc, "params")->valuestring;
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(tc, "code");
    const cJSON *result = cJSON_GetObjectItemCaseSensitive(tc, "result");
    const cJSON *contains = cJSON_GetObjectItemCaseSensitive(tc, "contains");
    char *msg = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":%s}",
                          params);
    struct cap c;
    cap_init(&c);
    assert_int_equal(run(e, s, msg, &c), MCP_OUT_RESPONSE);
    cJSON *m = cap_msg(&c, 0);
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(m, "error");
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(m, "result");
    if (code) {
        if (!err || cJSON_GetObjectItemCaseSensitive(err, "code")->valueint != code->valueint)
            fail_msg("%s: expected JSON-RPC error %d", name, code->valueint);
    } else {
        if (!r)
            fail_msg("%s: expected a result", name);
        int want_error = strcmp(result->valuestring, "isError") == 0;
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "isError")) != want_error)
            fail_msg("%s: isError is not %d", name, want_error);
        const cJSON *text = first_text(r);
        if (contains && (!cJSON_IsString(text) || !strstr(text->valuestring, contains->valuestring)))
            fail_msg("%s: text does not contain %s", name, contains->valuestring);
        /* "error_code": the error table's name under _meta; null: no _meta name at all */
        const cJSON *want = cJSON_GetObjectItemCaseSensitive(tc, "error_code");
        const cJSON *got = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(r, "_meta"), MCP_META_ERROR_CODE);
        if (cJSON_IsString(want) &&
            (!cJSON_IsString(got) || strcmp(got->valuestring, want->valuestring) != 0))
            fail_msg("%s: _meta error code is not %s", name, want->valuestring);
        if (cJSON_IsNull(want) && got)
            fail_msg("%s: a soft failure carries no error code", name);
    }
    free(msg);
    cap_release(&c);
}

static void test_call_cases_file(void **state)
{
    (void)state;
    mcp_engine *e = tools_engine(0);
    mcp_session *s = test_session(e, "2025-11-25", NULL);
    FILE *f = fopen(CASES_DIR "/tools_call_cases.jsonl", "r");
    assert_non_null(f);
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        cJSON *tc = cJSON_Parse(line);
        assert_non_null(tc);
        run_call_case(e, s, tc);
        cJSON_Delete(tc);
        n++;
    }
    fclose(f);
    assert_true(n >= 20);
    mcp_session_release(s);
    mcp_engine_free(e);
}

static void test_result_shapes_by_version(void **state)
{
    (void)state;
    mcp_engine *e = tools_engine(0);
    mcp_session *modern = test_session(e, "2025-06-18", NULL);
    mcp_session *old = test_session(e, "2025-03-26", NULL);
    struct cap c;
    cap_init(&c);
    const char *call = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
                       "\"params\":{\"name\":\"structured\"}}";
    cJSON *r = run_result(e, modern, call, &c);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(
                         cJSON_GetObjectItemCaseSensitive(r, "structuredContent"), "n")
                         ->valueint,
                     1);
    /* the structured value is also given as text for older clients */
    assert_string_equal(first_text(r)->valuestring, "{\"n\":1}");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r, "isError")));
    r = run_result(e, old, call, &c);
    assert_false(cJSON_HasObjectItem(r, "structuredContent"));
    assert_string_equal(first_text(r)->valuestring, "{\"n\":1}");

    const char *link = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\","
                       "\"params\":{\"name\":\"link\"}}";
    r = run_result(e, modern, link, &c);
    const cJSON *b = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "content"), 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(b, "type")->valuestring, "resource_link");
    r = run_result(e, old, link, &c);
    b = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "content"), 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(b, "type")->valuestring, "text");
    assert_non_null(strstr(cJSON_GetObjectItemCaseSensitive(b, "text")->valuestring, "x://r"));
    cap_release(&c);
    mcp_session_release(modern);
    mcp_session_release(old);
    mcp_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_pages_and_versions),
        cmocka_unit_test(test_call_cases_file),
        cmocka_unit_test(test_result_shapes_by_version),
        cmocka_unit_test(test_raw_arguments),
        cmocka_unit_test(test_call_session_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
