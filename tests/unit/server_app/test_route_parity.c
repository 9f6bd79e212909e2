/* test_route_parity.c - the same bad inputs through /api/route (route_api_handle, POST and,
 * where a query string can carry them, GET) and through the MCP tool `route`
 * (mcp_engine_handle, tools/call) must give the same error: the same code name and message,
 * with the HTTP status and the tool result the error table (srv_err) gives that code. Also:
 * route_register_mcp names the row the engine refuses. Layer: tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "router/router.h"
#include "server/app/app.h"

static struct app app;
static mcp_session *session;

/* A sink that keeps the last message sent (the response). */
struct last {
    char *json;
};

static int keep_last(void *ctx, const char *json, size_t len, int final)
{
    struct last *l = ctx;
    free(l->json);
    l->json = xstrndup(json, len);
    return 0;
}

/* Handle msg on the test session; returns the parsed response (caller deletes). */
static cJSON *mcp(const char *msg)
{
    struct last l = {0};
    struct mcp_sink sink = {.ctx = &l, .send = keep_last};
    mcp_engine_handle(app.mcp, session, msg, strlen(msg), &sink);
    assert_non_null(l.json);
    cJSON *m = cJSON_Parse(l.json);
    free(l.json);
    assert_non_null(m);
    return m;
}

static int setup(void **state)
{
    (void)state;
    struct err e;
    err_clear(&e);
    if (route_app_load(&app, TEST_DATA "/good", &e) != ERR_OK)
        return -1;
    struct mcp_config cfg = {.name = "parity", .version = "0"};
    app.mcp = mcp_engine_new(&cfg);
    if (route_register_mcp(&app, &e) != ERR_OK) {
        fprintf(stderr, "%s\n", e.msg);
        return -1;
    }
    session = mcp_session_open(app.mcp);
    cJSON_Delete(mcp("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
                     "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                     "\"clientInfo\":{\"name\":\"parity\",\"version\":\"0\"}}}"));
    const char *initialized = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";
    mcp_engine_handle(app.mcp, session, initialized, strlen(initialized), NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mcp_session_release(session);
    mcp_engine_free(app.mcp);
    route_app_release(&app);
    return 0;
}

/* The row of the error table with this name. */
static const struct srv_err_row *row_named(const char *name)
{
    for (int c = ERR_OK; c <= ERR_INTERNAL; c++)
        if (strcmp(srv_err((err_code)c)->name, name) == 0)
            return srv_err((err_code)c);
    fail_msg("no error table row named '%s'", name);
    return NULL;
}

/* What one road answered: status (HTTP) or is_error (MCP), code name, message. */
struct answer {
    int status;
    int is_error;
    char name[64];
    char message[1024];
};

static void from_api(int status, char *json, struct answer *out)
{
    cJSON *o = cJSON_Parse(json);
    free(json);
    const cJSON *er = cJSON_GetObjectItemCaseSensitive(o, "error");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(er, "code");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(er, "message");
    if (!cJSON_IsString(code) || !cJSON_IsString(msg))
        fail_msg("/api/route answered %d without an error object", status);
    out->status = status;
    snprintf(out->name, sizeof out->name, "%s", code->valuestring);
    snprintf(out->message, sizeof out->message, "%s", msg->valuestring);
    cJSON_Delete(o);
}

static void post_api(const char *body, struct answer *out)
{
    int status = 0;
    char *json = NULL;
    route_api_handle(&app, "POST", NULL, NULL, body, strlen(body), "application/json", &status,
                     &json);
    from_api(status, json, out);
}

static void get_api(const char *q, const char *product, struct answer *out)
{
    int status = 0;
    char *json = NULL;
    route_api_handle(&app, "GET", q, product, "", 0, NULL, &status, &json);
    from_api(status, json, out);
}

static void call_route(const char *arguments, struct answer *out)
{
    char *msg = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\","
                          "\"params\":{\"name\":\"route\",\"arguments\":%s}}",
                          arguments);
    cJSON *m = mcp(msg);
    free(msg);
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(m, "result");
    if (!r)
        fail_msg("MCP route answered a protocol error for %s", arguments);
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "content"), 0), "text");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(r, "_meta"), MCP_META_ERROR_CODE);
    out->is_error = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "isError"));
    snprintf(out->name, sizeof out->name, "%s", cJSON_IsString(name) ? name->valuestring : "");
    snprintf(out->message, sizeof out->message, "%s",
             cJSON_IsString(text) ? text->valuestring : "");
    cJSON_Delete(m);
}

/* Both answers name the same error, and each road answers it as the table says. */
static void same_error(const char *what, const struct answer *api, const struct answer *tool,
                       const char *want_name, const char *needle)
{
    if (strcmp(api->name, want_name) != 0)
        fail_msg("%s: /api/route code %s, want %s", what, api->name, want_name);
    if (strcmp(api->name, tool->name) != 0 || strcmp(api->message, tool->message) != 0)
        fail_msg("%s: /api/route {%s, %s} but MCP route {%s, %s}", what, api->name,
                 api->message, tool->name, tool->message);
    if (!strstr(api->message, needle))
        fail_msg("%s: message '%s' lacks '%s'", what, api->message, needle);
    const struct srv_err_row *row = row_named(api->name);
    assert_int_equal(api->status, (int)row->http_status);
    assert_int_equal(tool->is_error, row->tool_error);
    assert_true(tool->is_error);
}

static void test_same_bad_input_same_error(void **state)
{
    (void)state;
    char *long_query = xmalloc(RT_QUERY_MAX + 64);
    memcpy(long_query, "{\"query\":\"", 10);
    memset(long_query + 10, 'a', RT_QUERY_MAX + 1);
    memcpy(long_query + 10 + RT_QUERY_MAX + 1, "\"}", 3);
    /* Each row: the fields (a POST body and the tool's arguments alike), the error. */
    const struct {
        const char *what, *fields, *name, *needle;
    } rows[] = {
        {"empty query", "{\"query\":\"\"}", "invalid_request", "field 'query' is empty"},
        {"blank query", "{\"query\":\" \\t \"}", "invalid_request", "field 'query' is empty"},
        {"query too long", long_query, "too_big", "the limit is 4096 characters"},
        {"unknown product", "{\"query\":\"disk\",\"product\":\"rds\"}", "not_found",
         "unknown product 'rds'; known products: ecs"},
        {"query a number", "{\"query\":5}", "invalid_request", "field 'query' must be a string"},
        {"query null", "{\"query\":null}", "invalid_request", "field 'query' must be a string"},
        {"query an array", "{\"query\":[\"a\"]}", "invalid_request",
         "field 'query' must be a string"},
        {"product a number", "{\"query\":\"disk\",\"product\":7}", "invalid_request",
         "field 'product' must be a string"},
        {"query missing", "{\"product\":\"ecs\"}", "invalid_request", "missing field 'query'"},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        struct answer api = {0}, tool = {0};
        post_api(rows[i].fields, &api);
        call_route(rows[i].fields, &tool);
        same_error(rows[i].what, &api, &tool, rows[i].name, rows[i].needle);
    }
    free(long_query);

    /* GET carries the value errors too: same name and message as POST and MCP. */
    char *q = xmalloc(RT_QUERY_MAX + 2);
    memset(q, 'a', RT_QUERY_MAX + 1);
    q[RT_QUERY_MAX + 1] = '\0';
    const struct {
        const char *what, *q, *product, *fields, *name;
    } gets[] = {
        {"GET empty query", "", NULL, "{\"query\":\"\"}", "invalid_request"},
        {"GET query too long", q, NULL, NULL, "too_big"},
        {"GET unknown product", "disk", "rds", "{\"query\":\"disk\",\"product\":\"rds\"}",
         "not_found"},
    };
    for (size_t i = 0; i < ARRAY_LEN(gets); i++) {
        struct answer api = {0}, tool = {0};
        get_api(gets[i].q, gets[i].product, &api);
        if (gets[i].fields) {
            call_route(gets[i].fields, &tool);
        } else {
            char *args = xasprintf("{\"query\":\"%s\"}", q);
            call_route(args, &tool);
            free(args);
        }
        same_error(gets[i].what, &api, &tool, gets[i].name, "");
    }
    free(q);
}

/* Good input still routes on both roads; the tool takes only its two fields. */
static void test_good_input_and_unknown_field(void **state)
{
    (void)state;
    int status = 0;
    char *json = NULL;
    const char *body = "{\"query\":\"roll back a disk to a snapshot\",\"product\":\"\"}";
    route_api_handle(&app, "POST", NULL, NULL, body, strlen(body), "application/json", &status,
                     &json);
    assert_int_equal(status, 200);
    assert_non_null(strstr(json, "ecs-manage-recovery"));
    free(json);
    struct answer tool = {0};
    call_route(body, &tool);
    assert_false(tool.is_error);
    call_route("{\"query\":\"disk\",\"lang\":\"en\"}", &tool);
    assert_true(tool.is_error);
    assert_string_equal(tool.name, "invalid_request");
    assert_string_equal(tool.message, "unknown field 'lang'; the fields are query and product");

    /* The limit counts characters, as the tool's schema (maxLength) does: 4096 Chinese
     * characters (12288 bytes) route on both roads; one more is too big on both. */
    for (int extra = 0; extra < 2; extra++) {
        struct buf b;
        buf_init(&b, 0);
        buf_puts(&b, "{\"query\":\"");
        for (int i = 0; i < RT_QUERY_MAX + extra; i++)
            buf_puts(&b, i % 2 ? "\xe7\xa3\x81" : "\xe7\x9b\x98"); /* 磁盘 */
        buf_puts(&b, "\"}");
        route_api_handle(&app, "POST", NULL, NULL, b.data, b.len, "application/json", &status,
                         &json);
        assert_int_equal(status, extra ? 413 : 200);
        free(json);
        struct answer t = {0};
        call_route(b.data, &t);
        assert_int_equal(t.is_error, extra);
        buf_release(&b);
    }
}

static err_code squat(mcp_call *call, const cJSON *args, void *ud, struct mcp_tool_result *out,
                      struct err *e)
{
    return err_set(e, ERR_INTERNAL, "never called");
}

/* A refused registration stops route_register_mcp and names the row. */
static void test_register_refusal_names_the_row(void **state)
{
    (void)state;
    struct app other = app;
    struct mcp_config cfg = {.name = "taken", .version = "0"};
    other.mcp = mcp_engine_new(&cfg);
    struct mcp_tool squatter = {.name = "get_skill", .description = "already here", .fn = squat};
    struct err e;
    err_clear(&e);
    assert_int_equal(mcp_engine_add_tool(other.mcp, &squatter, &e), ERR_OK);
    assert_int_equal(route_register_mcp(&other, &e), ERR_EXISTS);
    assert_string_equal(e.msg, "tool 'get_skill' is registered already");
    mcp_engine_free(other.mcp);
}

int main(void)
{
    cJSON_Hooks hooks = {.malloc_fn = xmalloc, .free_fn = xfree};
    cJSON_InitHooks(&hooks);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_bad_input_same_error),
        cmocka_unit_test(test_good_input_and_unknown_field),
        cmocka_unit_test(test_register_refusal_names_the_row),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
