/* Unit tests for the MCP engine's JSON-RPC layer: every error path (cases in
 * jsonrpc_cases.jsonl), nesting and size limits, batches, and mcp_classify. Layer: tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_test_util.h"

static const struct {
    const char *name;
    enum mcp_outcome outcome;
} outcomes[] = {
    {"response", MCP_OUT_RESPONSE},
    {"accepted", MCP_OUT_ACCEPTED},
    {"rejected", MCP_OUT_REJECTED},
    {"cancelled", MCP_OUT_CANCELLED},
};

static enum mcp_outcome outcome_named(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(outcomes); i++)
        if (strcmp(outcomes[i].name, name) == 0)
            return outcomes[i].outcome;
    fail_msg("unknown outcome %s", name);
    return MCP_OUT_REJECTED;
}

static int code_of(const cJSON *m)
{
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(m, "error"), "code");
    return cJSON_IsNumber(code) ? code->valueint : 0;
}

/* Runs one case line; the case names the session state, the message and what must come out. */
static void run_case(mcp_engine *e, const cJSON *tc)
{
    const char *name = cJSON_GetObjectItemCaseSensitive(tc, "name")->valuestring;
    const char *sess = cJSON_GetObjectItemCaseSensitive(tc, "session")->valuestring;
    const cJSON *raw = cJSON_GetObjectItemCaseSensitive(tc, "raw");
    const cJSON *send = cJSON_GetObjectItemCaseSensitive(tc, "send");
    const cJSON *want_code = cJSON_GetObjectItemCaseSensitive(tc, "code");
    const cJSON *want_id = cJSON_GetObjectItemCaseSensitive(tc, "id");
    const cJSON *want_batch = cJSON_GetObjectItemCaseSensitive(tc, "batch");
    enum mcp_outcome want =
        outcome_named(cJSON_GetObjectItemCaseSensitive(tc, "outcome")->valuestring);

    mcp_session *s = NULL;
    if (strcmp(sess, "new") == 0)
        s = mcp_session_open(e);
    else if (strcmp(sess, "none") != 0)
        s = test_session(e, sess, NULL);
    char *text = raw ? strdup(raw->valuestring) : cJSON_PrintUnformatted(send);
    struct cap c;
    cap_init(&c);
    enum mcp_outcome got = run(e, s, text, &c);
    if (got != want)
        fail_msg("%s: outcome %d, want %d", name, got, want);

    if (want == MCP_OUT_ACCEPTED || want == MCP_OUT_CANCELLED) {
        if (cap_count(&c) != 0)
            fail_msg("%s: something was sent", name);
    } else {
        if (cap_count(&c) != 1 || c.finals != 1)
            fail_msg("%s: %d messages, %d final", name, cap_count(&c), c.finals);
        cJSON *m = cap_msg(&c, 0);
        if (want_batch) {
            if (!cJSON_IsArray(m) || cJSON_GetArraySize(m) != cJSON_GetArraySize(want_batch))
                fail_msg("%s: batch answer has the wrong size", name);
            for (int i = 0; i < cJSON_GetArraySize(want_batch); i++)
                if (code_of(cJSON_GetArrayItem(m, i)) !=
                    cJSON_GetArrayItem(want_batch, i)->valueint)
                    fail_msg("%s: batch answer %d has the wrong code", name, i);
        } else {
            int code = code_of(m);
            int wc = want_code ? want_code->valueint : 0;
            if (code != wc)
                fail_msg("%s: code %d, want %d", name, code, wc);
            if (!wc && !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(m, "result")))
                fail_msg("%s: no result object", name);
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(m, "id");
            if (!want_id && id)
                fail_msg("%s: id present though unknown", name);
            if (want_id && !cJSON_Compare(id, want_id, 1))
                fail_msg("%s: id not echoed", name);
        }
    }
    free(text);
    cap_release(&c);
    if (s) {
        mcp_session_close(e, mcp_session_id(s));
        mcp_session_release(s);
    }
}

static void test_cases_file(void **state)
{
    (void)state;
    FILE *f = fopen(CASES_DIR "/jsonrpc_cases.jsonl", "r");
    assert_non_null(f);
    mcp_engine *e = test_engine(0, 0);
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '\n' || line[0] == '#')
            continue;
        cJSON *tc = cJSON_Parse(line);
        assert_non_null(tc);
        run_case(e, tc);
        cJSON_Delete(tc);
        n++;
    }
    fclose(f);
    assert_true(n >= 20);
    mcp_engine_free(e);
}

/* {"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":{"a":...{}}}} nested depth deep. */
static char *nested_ping(int depth)
{
    size_t cap = (size_t)depth * 8 + 128;
    char *s = malloc(cap);
    size_t n = (size_t)snprintf(s, cap, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":");
    for (int i = 1; i < depth - 1; i++)
        n += (size_t)snprintf(s + n, cap - n, "{\"a\":");
    n += (size_t)snprintf(s + n, cap - n, "{}");
    for (int i = 1; i < depth - 1; i++)
        s[n++] = '}';
    snprintf(s + n, cap - n, "}");
    return s;
}

static void test_depth_limit(void **state)
{
    (void)state;
    mcp_engine *e = test_engine(0, 0);
    mcp_session *s = test_session(e, "2025-11-25", NULL);
    struct cap c;
    cap_init(&c);
    char *ok = nested_ping(64), *deep = nested_ping(65);
    assert_int_equal(run(e, s, ok, &c), MCP_OUT_RESPONSE);
    assert_int_equal(code_of(cap_msg(&c, 0)), 0);
    assert_int_equal(run(e, s, deep, &c), MCP_OUT_REJECTED);
    assert_int_equal(code_of(cap_msg(&c, 1)), MCP_INVALID_REQUEST);
    assert_null(cJSON_GetObjectItemCaseSensitive(cap_msg(&c, 1), "id"));
    /* brackets inside strings do not count */
    assert_int_equal(run(e, s,
                         "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\",\"params\":{\"x\":"
                         "\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"\"}}",
                         &c),
                     MCP_OUT_RESPONSE);
    assert_int_equal(mcp_classify(deep, strlen(deep)), MCP_KIND_INVALID);
    free(ok);
    free(deep);
    cap_release(&c);
    mcp_session_release(s);
    mcp_engine_free(e);
}

static void test_bytes_and_ids(void **state)
{
    (void)state;
    mcp_engine *e = test_engine(0, 0);
    mcp_session *s = test_session(e, "2025-11-25", NULL);
    struct cap c;
    cap_init(&c);
    /* invalid UTF-8 and embedded NUL are parse errors */
    const char bad[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\xffng\"}";
    struct mcp_sink sink = cap_sink(&c);
    assert_int_equal(mcp_engine_handle(e, s, bad, strlen(bad), &sink), MCP_OUT_REJECTED);
    assert_int_equal(code_of(cap_msg(&c, 0)), MCP_PARSE_ERROR);
    const char nul[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\0";
    assert_int_equal(mcp_engine_handle(e, s, nul, sizeof nul - 1, &sink), MCP_OUT_REJECTED);
    /* the length is honoured: no terminator needed */
    const char part[] = "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}GARBAGE";
    assert_int_equal(mcp_engine_handle(e, s, part, sizeof part - 8, &sink), MCP_OUT_RESPONSE);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(cap_msg(&c, 2), "id")->valueint, 9);
    /* string ids past MCP's limit are refused */
    char big[600];
    memset(big, 'x', sizeof big);
    big[sizeof big - 1] = '\0';
    char *msg = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"method\":\"ping\"}", big);
    assert_int_equal(run(e, s, msg, &c), MCP_OUT_REJECTED);
    free(msg);
    /* a large integer id is echoed exactly */
    cJSON *r = run_result(e, s, "{\"jsonrpc\":\"2.0\",\"id\":9007199254740991,\"method\":\"ping\"}", &c);
    assert_non_null(r);
    assert_true(cJSON_GetObjectItemCaseSensitive(cap_msg(&c, 4), "id")->valuedouble ==
                9007199254740991.0);
    cap_release(&c);
    mcp_session_release(s);
    mcp_engine_free(e);
}

static void test_batch_limit(void **state)
{
    (void)state;
    struct mcp_config cfg = {.name = "t", .version = "1", .max_batch = 2};
    mcp_engine *e = mcp_engine_new(&cfg);
    mcp_session *s = test_session(e, "2025-03-26", NULL);
    struct cap c;
    cap_init(&c);
    const char *three = "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
                        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"},"
                        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}]";
    assert_int_equal(run(e, s, three, &c), MCP_OUT_REJECTED);
    assert_int_equal(code_of(cap_msg(&c, 0)), MCP_INVALID_REQUEST);
    const char *two = "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
                      "{\"jsonrpc\":\"2.0\",\"id\":\"b\",\"method\":\"ping\"}]";
    assert_int_equal(run(e, s, two, &c), MCP_OUT_RESPONSE);
    cJSON *answers = cap_msg(&c, 1);
    assert_int_equal(cJSON_GetArraySize(answers), 2);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(answers, 1), "id")
                            ->valuestring,
                        "b");
    assert_int_equal(c.finals, 2);
    cap_release(&c);
    mcp_session_release(s);
    mcp_engine_free(e);
}

static void test_classify(void **state)
{
    (void)state;
    static const struct {
        const char *msg;
        enum mcp_kind kind;
    } rows[] = {
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}", MCP_KIND_INITIALIZE},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", MCP_KIND_REQUEST},
        {"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", MCP_KIND_NOTIFY},
        {"{\"jsonrpc\":\"2.0\",\"method\":\"initialize\"}", MCP_KIND_NOTIFY},
        {"{\"jsonrpc\":\"2.0\",\"id\":\"srv-1\",\"result\":{}}", MCP_KIND_NOTIFY},
        {"{\"jsonrpc\":\"2.0\",\"id\":\"srv-1\",\"error\":{\"code\":1,\"message\":\"x\"}}", MCP_KIND_NOTIFY},
        {"[{\"jsonrpc\":\"2.0\",\"method\":\"a\"},{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"b\"}]", MCP_KIND_REQUEST},
        {"[{\"jsonrpc\":\"2.0\",\"method\":\"a\"}]", MCP_KIND_NOTIFY},
        {"[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"}]", MCP_KIND_REQUEST},
        {"[]", MCP_KIND_INVALID},
        {"[1]", MCP_KIND_INVALID},
        {"{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}", MCP_KIND_INVALID},
        {"{\"jsonrpc\":\"2.0\",\"id\":1}", MCP_KIND_INVALID},
        {"{\"id\":1,\"method\":\"ping\"}", MCP_KIND_INVALID},
        {"nope", MCP_KIND_INVALID},
        {"", MCP_KIND_INVALID},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++)
        if (mcp_classify(rows[i].msg, strlen(rows[i].msg)) != rows[i].kind)
            fail_msg("classify row %zu: %s", i, rows[i].msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases_file),  cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_bytes_and_ids), cmocka_unit_test(test_batch_limit),
        cmocka_unit_test(test_classify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
