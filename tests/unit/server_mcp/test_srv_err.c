/* Unit tests for server/mcp/srv_err.c, the error table: a row per err_code in enum order,
 * names unique and lowercase, statuses and JSON-RPC codes in their ranges, the rows the
 * guardrails rely on, and the JSON error body. Layer: tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "server/mcp/mcp.h"

static void test_one_row_per_code(void **state)
{
    (void)state;
    for (int c = ERR_OK; c <= ERR_INTERNAL; c++) {
        const struct srv_err_row *row = srv_err((err_code)c);
        assert_int_equal(row->code, c);
        assert_non_null(row->name);
        for (const char *p = row->name; *p; p++)
            assert_true((*p >= 'a' && *p <= 'z') || *p == '_');
        for (int k = ERR_OK; k < c; k++)
            if (strcmp(srv_err((err_code)k)->name, row->name) == 0)
                fail_msg("codes %d and %d share the name %s", k, c, row->name);
        assert_true(row->http_status >= 200 && row->http_status <= 599);
        /* JSON-RPC codes: none, the spec's reserved ones, or MCP's -32002 / server errors */
        assert_true(row->rpc_code == 0 || (row->rpc_code >= -32768 && row->rpc_code <= -32000));
        if (c == ERR_OK)
            assert_int_equal(row->http_status, 200);
        else
            assert_true(row->http_status >= 400);
    }
    /* Outside the enum: the internal row, never NULL. */
    assert_int_equal(srv_err((err_code)999)->code, ERR_INTERNAL);
    assert_int_equal(srv_err((err_code)-1)->code, ERR_INTERNAL);
}

/* The rows other modules (guardrails, /api/route, the transports) depend on. */
static void test_contract_rows(void **state)
{
    (void)state;
    static const struct {
        err_code code;
        unsigned status;
        const char *name;
        int rpc;
        int tool_error;
    } want[] = {
        {ERR_INVALID, 400, "invalid_request", MCP_INVALID_PARAMS, 1},
        {ERR_PARSE, 400, "invalid_json", MCP_PARSE_ERROR, 1},
        {ERR_TOO_BIG, 413, "too_big", MCP_INVALID_REQUEST, 1},
        {ERR_NOT_FOUND, 404, "not_found", MCP_RESOURCE_NOT_FOUND, 1},
        {ERR_WRONG_STATE, 409, "wrong_state", MCP_SERVER_ERROR, 1},
        {ERR_DENIED, 403, "denied", MCP_SERVER_ERROR, 1},
        {ERR_LIMIT, 422, "limit_exceeded", MCP_INVALID_PARAMS, 1},
        {ERR_RATE_LIMITED, 429, "rate_limited", MCP_SERVER_ERROR, 1},
        {ERR_UNSUPPORTED, 415, "unsupported_media_type", MCP_SERVER_ERROR, 1},
        {ERR_UNAVAILABLE, 503, "unavailable", MCP_SERVER_ERROR, 1},
        {ERR_CANCELLED, 499, "cancelled", 0, 0},
        {ERR_INTERNAL, 500, "internal", MCP_INTERNAL_ERROR, 1},
    };
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        const struct srv_err_row *row = srv_err(want[i].code);
        assert_int_equal(row->http_status, want[i].status);
        assert_string_equal(row->name, want[i].name);
        assert_int_equal(row->rpc_code, want[i].rpc);
        assert_int_equal(row->tool_error, want[i].tool_error);
    }
}

static void test_json_body(void **state)
{
    (void)state;
    char *body = srv_err_body(ERR_DENIED, "policy \"no-public-ssh\" refused it");
    assert_string_equal(body, "{\"error\":{\"code\":\"denied\",\"message\":"
                              "\"policy \\\"no-public-ssh\\\" refused it\"}}");
    free(body);
    /* No message: the name stands in, so the body never has an empty message. */
    cJSON *o = srv_err_json(ERR_LIMIT, NULL);
    const cJSON *er = cJSON_GetObjectItemCaseSensitive(o, "error");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(er, "code")->valuestring,
                        "limit_exceeded");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(er, "message")->valuestring,
                        "limit_exceeded");
    cJSON_Delete(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_row_per_code),
        cmocka_unit_test(test_contract_rows),
        cmocka_unit_test(test_json_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
