/* Unit tests for registration (server/mcp/mcp_engine.c): every refused tool, resource,
 * template and prompt row gets its error code and a message naming the row, and changes
 * nothing; good rows at the limits are accepted. Cases are rows. Layer: tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_test_util.h"

static err_code tool_fn(mcp_call *call, const cJSON *args, void *ud, struct mcp_tool_result *out,
                        struct err *e)
{
    out->text = xstrdup("ok");
    return ERR_OK;
}

static cJSON *read_fn(mcp_call *call, const char *uri, void *ud, struct err *e)
{
    return cJSON_CreateArray();
}

static cJSON *prompt_fn(mcp_call *call, const char *name, const cJSON *args, void *ud,
                        struct err *e)
{
    return cJSON_CreateObject();
}

/* Assert the code and that e holds it with a message containing needle. */
static void expect(err_code got, const struct err *e, err_code want, const char *what,
                   const char *needle)
{
    if (got != want)
        fail_msg("%s: got %s, want %s (%s)", what, err_name(got), err_name(want), e->msg);
    if (want != ERR_OK && !strstr(e->msg, needle))
        fail_msg("%s: message '%s' lacks '%s'", what, e->msg, needle);
    if (want != ERR_OK && e->code != want)
        fail_msg("%s: e->code is %s", what, err_name(e->code));
}

static size_t tools_listed(mcp_engine *engine)
{
    mcp_session *s = test_session(engine, "2025-11-25", NULL);
    struct cap c;
    cap_init(&c);
    cJSON *r = run_result(engine, s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", &c);
    size_t n = (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "tools"));
    cap_release(&c);
    mcp_session_release(s);
    return n;
}

static void test_tool_rows(void **state)
{
    (void)state;
    mcp_engine *engine = test_engine(0, 0);
    struct err e;
    err_clear(&e);
    struct mcp_tool first = {.name = "taken", .description = "d", .fn = tool_fn};
    assert_int_equal(mcp_engine_add_tool(engine, &first, &e), ERR_OK);
    char long_name[MCP_MAX_NAME_LEN + 2];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    static const char *const obj = "{\"type\":\"object\"}";
    const struct {
        const char *what;
        struct mcp_tool t;
        err_code rc;
        const char *needle;
    } rows[] = {
        {"no name", {.fn = tool_fn}, ERR_INVALID, "tool (unnamed): the name is missing"},
        {"empty name", {.name = "", .fn = tool_fn}, ERR_INVALID, "the name is missing"},
        {"space in name", {.name = "has space", .fn = tool_fn}, ERR_INVALID, "tool 'has space': a name"},
        {"slash in name", {.name = "a/b", .fn = tool_fn}, ERR_INVALID, "tool 'a/b'"},
        {"name too long", {.name = long_name, .fn = tool_fn}, ERR_INVALID, "1 to 128 characters"},
        {"no handler", {.name = "nofn"}, ERR_INVALID, "tool 'nofn': no handler"},
        {"duplicate", {.name = "taken", .fn = tool_fn}, ERR_EXISTS, "tool 'taken' is registered already"},
        {"input not JSON", {.name = "broken", .input_schema = "{", .fn = tool_fn}, ERR_PARSE,
         "tool 'broken': input_schema is not valid JSON"},
        {"input an array", {.name = "arr", .input_schema = "[1]", .fn = tool_fn}, ERR_INVALID,
         "tool 'arr': input_schema is not an object schema"},
        {"input without type", {.name = "untyped", .input_schema = "{}", .fn = tool_fn},
         ERR_INVALID, "tool 'untyped': input_schema is not an object schema"},
        {"input of another type", {.name = "str", .input_schema = "{\"type\":\"string\"}", .fn = tool_fn},
         ERR_INVALID, "input_schema is not an object schema"},
        {"properties not an object",
         {.name = "props", .input_schema = "{\"type\":\"object\",\"properties\":[]}", .fn = tool_fn},
         ERR_INVALID, "tool 'props': input_schema"},
        {"required not names",
         {.name = "req", .input_schema = "{\"type\":\"object\",\"required\":[1]}", .fn = tool_fn},
         ERR_INVALID, "tool 'req': input_schema"},
        {"output not JSON", {.name = "outbad", .input_schema = obj, .output_schema = "{\"type\":", .fn = tool_fn},
         ERR_PARSE, "tool 'outbad': output_schema is not valid JSON"},
        {"output not an object schema", {.name = "outarr", .output_schema = "[]", .fn = tool_fn},
         ERR_INVALID, "tool 'outarr': output_schema is not an object schema"},
        {"good at the limits", {.name = "ok.name-1_x", .input_schema = obj, .output_schema = obj, .fn = tool_fn},
         ERR_OK, ""},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        err_clear(&e);
        expect(mcp_engine_add_tool(engine, &rows[i].t, &e), &e, rows[i].rc, rows[i].what,
               rows[i].needle);
    }
    /* A NULL row, and a name of exactly 128 characters. */
    err_clear(&e);
    expect(mcp_engine_add_tool(engine, NULL, &e), &e, ERR_INVALID, "NULL row", "tool (unnamed)");
    long_name[MCP_MAX_NAME_LEN] = '\0';
    struct mcp_tool longest = {.name = long_name, .fn = tool_fn};
    err_clear(&e);
    expect(mcp_engine_add_tool(engine, &longest, &e), &e, ERR_OK, "128 characters", "");
    /* Refused rows changed nothing: taken, ok.name-1_x and the long one. */
    assert_int_equal(tools_listed(engine), 3);
    mcp_engine_free(engine);
}

static void test_resource_and_template_rows(void **state)
{
    (void)state;
    mcp_engine *engine = test_engine(0, 0);
    struct err e;
    char long_uri[MCP_MAX_URI_LEN + 2];
    memset(long_uri, 'a', sizeof long_uri - 1);
    memcpy(long_uri, "x://", 4);
    long_uri[sizeof long_uri - 1] = '\0';
    const struct {
        const char *what;
        struct mcp_resource r;
        err_code rc;
        const char *needle;
    } rows[] = {
        {"first", {.uri = "x://a", .name = "a", .fn = read_fn}, ERR_OK, ""},
        {"no uri", {.name = "n", .fn = read_fn}, ERR_INVALID, "resource (no uri)"},
        {"uri too long", {.uri = long_uri, .name = "n", .fn = read_fn}, ERR_INVALID,
         "the uri is longer than 2048 bytes"},
        {"no scheme", {.uri = "just-a-path", .name = "n", .fn = read_fn}, ERR_INVALID,
         "resource 'just-a-path': not a URI"},
        {"space", {.uri = "x://my product/a", .name = "n", .fn = read_fn}, ERR_INVALID,
         "resource 'x://my product/a': not a URI"},
        {"brace", {.uri = "x://{id}", .name = "n", .fn = read_fn}, ERR_INVALID, "not a URI"},
        {"no name", {.uri = "x://b", .fn = read_fn}, ERR_INVALID, "resource 'x://b': the name is missing"},
        {"no handler", {.uri = "x://c", .name = "c"}, ERR_INVALID, "resource 'x://c': no read handler"},
        {"duplicate", {.uri = "x://a", .name = "again", .fn = read_fn}, ERR_EXISTS,
         "resource 'x://a' is registered already"},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        err_clear(&e);
        expect(mcp_engine_add_resource(engine, &rows[i].r, &e), &e, rows[i].rc, rows[i].what,
               rows[i].needle);
    }
    const struct {
        const char *what;
        struct mcp_resource_template t;
        err_code rc;
        const char *needle;
    } trows[] = {
        {"first", {.uri_template = "x://t/{id}/data", .name = "t", .fn = read_fn}, ERR_OK, ""},
        {"no variable", {.uri_template = "x://t/plain", .name = "t", .fn = read_fn}, ERR_INVALID,
         "resource template 'x://t/plain': not a URI template"},
        {"unclosed", {.uri_template = "x://t/{id", .name = "t", .fn = read_fn}, ERR_INVALID,
         "not a URI template"},
        {"empty variable", {.uri_template = "x://t/{}", .name = "t", .fn = read_fn}, ERR_INVALID,
         "not a URI template"},
        {"space", {.uri_template = "x://a b/{id}", .name = "t", .fn = read_fn}, ERR_INVALID,
         "not a URI template"},
        {"no name", {.uri_template = "x://u/{id}", .fn = read_fn}, ERR_INVALID,
         "resource template 'x://u/{id}': the name is missing"},
        {"no handler", {.uri_template = "x://u/{id}", .name = "u"}, ERR_INVALID, "no read handler"},
        {"duplicate", {.uri_template = "x://t/{id}/data", .name = "t2", .fn = read_fn}, ERR_EXISTS,
         "resource template 'x://t/{id}/data' is registered already"},
    };
    for (size_t i = 0; i < ARRAY_LEN(trows); i++) {
        err_clear(&e);
        expect(mcp_engine_add_resource_template(engine, &trows[i].t, &e), &e, trows[i].rc,
               trows[i].what, trows[i].needle);
    }
    err_clear(&e);
    expect(mcp_engine_add_resource(engine, NULL, &e), &e, ERR_INVALID, "NULL", "no row");
    err_clear(&e);
    expect(mcp_engine_add_resource_template(engine, NULL, &e), &e, ERR_INVALID, "NULL", "no row");
    mcp_engine_free(engine);
}

static void test_prompt_rows(void **state)
{
    (void)state;
    mcp_engine *engine = test_engine(0, 0);
    struct err e;
    static const struct mcp_prompt_arg good[] = {{"topic", NULL, NULL, 1}, {"tone", NULL, NULL, 0}};
    static const struct mcp_prompt_arg unnamed[] = {{"topic", NULL, NULL, 1}, {NULL, NULL, NULL, 0}};
    static const struct mcp_prompt_arg twice[] = {{"topic", NULL, NULL, 1}, {"topic", NULL, NULL, 0}};
    const struct {
        const char *what;
        struct mcp_prompt p;
        err_code rc;
        const char *needle;
    } rows[] = {
        {"first", {.name = "ask", .args = good, .nargs = 2, .fn = prompt_fn}, ERR_OK, ""},
        {"no name", {.fn = prompt_fn}, ERR_INVALID, "prompt (unnamed)"},
        {"no handler", {.name = "nofn"}, ERR_INVALID, "prompt 'nofn': no handler"},
        {"args missing", {.name = "a1", .nargs = 1, .fn = prompt_fn}, ERR_INVALID,
         "prompt 'a1': nargs is 1 but args is NULL"},
        {"argument without name", {.name = "a2", .args = unnamed, .nargs = 2, .fn = prompt_fn},
         ERR_INVALID, "prompt 'a2': argument 1 has no name"},
        {"argument twice", {.name = "a3", .args = twice, .nargs = 2, .fn = prompt_fn}, ERR_EXISTS,
         "prompt 'a3': argument 'topic' is listed twice"},
        {"duplicate", {.name = "ask", .fn = prompt_fn}, ERR_EXISTS,
         "prompt 'ask' is registered already"},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        err_clear(&e);
        expect(mcp_engine_add_prompt(engine, &rows[i].p, &e), &e, rows[i].rc, rows[i].what,
               rows[i].needle);
    }
    mcp_engine_free(engine);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tool_rows),
        cmocka_unit_test(test_resource_and_template_rows),
        cmocka_unit_test(test_prompt_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
