/* Unit tests for what runs inside a call: progress, log messages, cancellation from another
 * thread, server->client requests (elicitation) answered through a second mcp_engine_handle,
 * timeouts, refused capabilities, closing the session mid-call and close_stream.
 * Layer: tests. Handlers run on a second thread, as they do under the HTTP transport. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcp_test_util.h"

/* One tool whose behaviour is chosen by its "mode" argument. */
static err_code mode_tool(mcp_call *c, const cJSON *args, void *ud, struct mcp_tool_result *out,
                          struct err *e)
{
    (void)ud;
    const char *mode = cJSON_GetObjectItemCaseSensitive(args, "mode")->valuestring;
    if (strcmp(mode, "progress") == 0) {
        mcp_call_progress(c, 0, 100, "start");
        mcp_call_progress(c, 0, 100, "not an increase");
        mcp_call_progress(c, 50, 100, NULL);
        mcp_call_progress(c, 25, 100, "backwards");
        mcp_call_progress(c, 100, -1, "done");
        mcp_call_log(c, MCP_LOG_DEBUG, "t", "debug %d", 1);
        mcp_call_log(c, MCP_LOG_INFO, NULL, "info %s", "two");
        mcp_call_log(c, MCP_LOG_ERROR, "t", "error %d", 3);
        out->text = xstrdup("progressed");
        return ERR_OK;
    }
    if (strcmp(mode, "wait_cancel") == 0) {
        mcp_call_log(c, MCP_LOG_INFO, "t", "started");
        while (!mcp_call_cancelled(c))
            usleep(1000);
        return err_set(e, ERR_CANCELLED, "cancelled");
    }
    if (strcmp(mode, "elicit") == 0) {
        cJSON *params = cJSON_Parse("{\"mode\":\"form\",\"message\":\"who?\",\"requestedSchema\":"
                                    "{\"type\":\"object\",\"properties\":{\"username\":"
                                    "{\"type\":\"string\"}}}}");
        cJSON *r = mcp_call_request(c, "elicitation/create", params, e);
        if (!r)
            return e->code;
        out->text = cJSON_PrintUnformatted(r);
        cJSON_Delete(r);
        return ERR_OK;
    }
    if (strcmp(mode, "url") == 0) {
        cJSON *r = mcp_call_request(c, "elicitation/create",
                                    cJSON_Parse("{\"mode\":\"url\",\"url\":\"https://x\"}"), e);
        cJSON_Delete(r);
        return r ? ERR_OK : e->code;
    }
    if (strcmp(mode, "close") == 0) {
        mcp_call_close_stream(c, 500);
        out->text = xstrdup(mcp_call_protocol_version(c));
        return ERR_OK;
    }
    return err_set(e, ERR_INVALID, "unknown mode");
}

static mcp_engine *calls_engine(unsigned timeout_ms, size_t max_inflight)
{
    struct mcp_config cfg = {.name = "t", .version = "1", .request_timeout_ms = timeout_ms,
                             .max_inflight = max_inflight};
    mcp_engine *e = mcp_engine_new(&cfg);
    struct mcp_tool t = {.name = "mode", .description = "does what mode says",
                         .input_schema = "{\"type\":\"object\",\"properties\":{\"mode\":"
                                         "{\"type\":\"string\"}},\"required\":[\"mode\"]}",
                         .fn = mode_tool};
    assert_int_equal(mcp_engine_add_tool(e, &t, NULL), ERR_OK);
    return e;
}

static char *call_msg(int id, const char *mode, int progress)
{
    return xasprintf("{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"mode\",\"arguments\":{\"mode\":\"%s\"}%s}}",
                     id, mode, progress ? ",\"_meta\":{\"progressToken\":\"tok-1\"}" : "");
}

/* mcp_engine_handle on its own thread. */
struct job {
    pthread_t th;
    mcp_engine *e;
    mcp_session *s;
    char *msg;
    struct cap cap;
    enum mcp_outcome outcome;
};

static void *job_main(void *arg)
{
    struct job *j = arg;
    j->outcome = run(j->e, j->s, j->msg, &j->cap);
    return NULL;
}

static void job_start_sink(struct job *j, mcp_engine *e, mcp_session *s, char *msg, int refuse)
{
    j->e = e;
    j->s = s;
    j->msg = msg;
    cap_init(&j->cap);
    j->cap.refuse = refuse;
    assert_int_equal(pthread_create(&j->th, NULL, job_main, j), 0);
}

static void job_start(struct job *j, mcp_engine *e, mcp_session *s, char *msg)
{
    job_start_sink(j, e, s, msg, 0);
}

static void job_finish(struct job *j)
{
    pthread_join(j->th, NULL);
    free(j->msg);
}

/* The text of the final response's first content block, or NULL. */
static const char *final_text(struct cap *c, int *ret_is_error)
{
    cJSON *m = cap_msg(c, cap_count(c) - 1);
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(m, "result");
    *ret_is_error = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "isError"));
    const cJSON *b = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "content"), 0);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(b, "text");
    return cJSON_IsString(t) ? t->valuestring : NULL;
}

static void test_progress_and_logs(void **state)
{
    (void)state;
    mcp_engine *e = calls_engine(0, 0);
    mcp_session *s = test_session(e, "2025-11-25", NULL);
    struct job j;
    job_start(&j, e, s, call_msg(1, "progress", 1));
    job_finish(&j);
    assert_int_equal(j.outcome, MCP_OUT_RESPONSE);
    /* 3 progress (increasing only) + 3 logs (no setLevel yet: all levels) + the response */
    assert_int_equal(cap_count(&j.cap), 7);
    assert_int_equal(j.cap.finals, 1);
    assert_true(j.cap.last_final);
    static const double want[] = {0, 50, 100};
    for (int i = 0; i < 3; i++) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(cap_msg(&j.cap, i), "params");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(p, "progressToken")->valuestring,
                            "tok-1");
        assert_true(cJSON_GetObjectItemCaseSensitive(p, "progress")->valuedouble == want[i]);
        assert_int_equal(cJSON_HasObjectItem(p, "total"), i < 2);
    }
    const cJSON *log = cJSON_GetObjectItemCaseSensitive(cap_msg(&j.cap, 4), "params");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(log, "level")->valuestring, "info");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(log, "data")->valuestring, "info two");
    assert_false(cJSON_HasObjectItem(log, "logger"));
    cap_release(&j.cap);

    /* after setLevel warning only the error log passes; no token means no progress */
    struct cap c;
    cap_init(&c);
    run(e, s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"logging/setLevel\",\"params\":"
              "{\"level\":\"warning\"}}",
        &c);
    cap_release(&c);
    job_start(&j, e, s, call_msg(3, "progress", 0));
    job_finish(&j);
    assert_int_equal(cap_count(&j.cap), 2);
    assert_int_equal(cap_count_method(&j.cap, "notifications/message"), 1);
    assert_int_equal(cap_count_method(&j.cap, "notifications/progress"), 0);
    cap_release(&j.cap);
    mcp_session_release(s);

    /* progress "message" is 2025-03-26's: a 2024-11-05 session gets progress without it */
    static const char *const versions[] = {"2025-03-26", "2024-11-05"};
    for (size_t v = 0; v < ARRAY_LEN(versions); v++) {
        s = test_session(e, versions[v], NULL);
        job_start(&j, e, s, call_msg(4, "progress", 1));
        job_finish(&j);
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(cap_msg(&j.cap, 0), "params");
        assert_int_equal(cJSON_HasObjectItem(p, "message"), v == 0);
        cap_release(&j.cap);
        mcp_session_release(s);
    }
    mcp_engine_free(e);
}

static void test_cancel_from_another_thread(void **state)
{
    (void)state;
    mcp_engine *e = calls_engine(0, 0);
    mcp_session *s = test_session(e, "2025-11-25", NULL);
    struct job j;
    job_start(&j, e, s, call_msg(42, "wait_cancel", 0));
    cap_wait_method(&j.cap, "notifications/message"); /* the handler is running */
    struct cap c;
    cap_init(&c);
    /* unknown ids and a string "42" (not the integer 42) are ignored */
    assert_int_equal(run(e, s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                               "\"params\":{\"requestId\":\"42\"}}",
                         &c),
                     MCP_OUT_ACCEPTED);
    assert_int_equal(run(e, s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                               "\"params\":{\"requestId\":7,\"reason\":\"x\"}}",
                         &c),
                     MCP_OUT_ACCEPTED);
    /* while it runs, its id is taken */
    assert_int_equal(run_error(e, s, "{\"jsonrpc\":\"2.0\",\"id\":42,\"method\":\"ping\"}", &c),
                     MCP_INVALID_REQUEST);
    assert_int_equal(run(e, s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                               "\"params\":{\"requestId\":42}}",
                         &c),
                     MCP_OUT_ACCEPTED);
    job_finish(&j);
    assert_int_equal(j.outcome, MCP_OUT_CANCELLED);
    assert_int_equal(cap_count(&j.cap), 1); /* the log line only: no response */
    assert_int_equal(j.cap.finals, 0);
    /* the id is free again */
    assert_non_null(run_result(e, s, "{\"jsonrpc\":\"2.0\",\"id\":42,\"method\":\"ping\"}", &c));
    cap_release(&c);
    cap_release(&j.cap);
    mcp_session_release(s);
    mcp_engine_free(e);
}

static void test_elicitation_round_trip(void **state)
{
    (void)state;
    mcp_engine *e = calls_engine(0, 1);
    mcp_session *s = test_session(e, "2025-11-25", "{\"elicitation\":{}}");
    struct cap c;
    cap_init(&c);
    for (int round = 0; round < 2; round++) {
        struct job j;
        job_start(&j, e, s, call_msg(5, "elicit", 0));
        cJSON *req = cap_wait_method(&j.cap, "elicitation/create");
        assert_false(j.cap.last_final);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(req, "id");
        assert_true(cJSON_IsString(id));
        assert_non_null(strstr(id->valuestring, "srv-"));
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(
                                cJSON_GetObjectItemCaseSensitive(req, "params"), "message")
                                ->valuestring,
                            "who?");
        /* the session allows one request in flight: another one is refused meanwhile */
        assert_int_equal(run_error(e, s, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\"}", &c),
                         MCP_SERVER_ERROR);
        char *answer =
            round == 0
                ? xasprintf("{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"result\":{\"action\":\"accept\","
                            "\"content\":{\"username\":\"ann\"}}}",
                            id->valuestring)
                : xasprintf("{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"error\":{\"code\":-1,"
                            "\"message\":\"user walked away\"}}",
                            id->valuestring);
        int before = cap_count(&c);
        assert_int_equal(run(e, s, answer, &c), MCP_OUT_ACCEPTED);
        assert_int_equal(cap_count(&c), before);
        free(answer);
        job_finish(&j);
        assert_int_equal(j.outcome, MCP_OUT_RESPONSE);
        int is_error;
        const char *text = final_text(&j.cap, &is_error);
        assert_non_null(text);
        if (round == 0) {
            assert_false(is_error);
            assert_non_null(strstr(text, "\"username\":\"ann\""));
        } else {
            assert_true(is_error);
            assert_non_null(strstr(text, "user walked away"));
        }
        cap_release(&j.cap);
    }
    cap_release(&c);
    mcp_session_release(s);
    mcp_engine_free(e);
}

static void test_request_refusals(void **state)
{
    (void)state;
    mcp_engine *e = calls_engine(20, 0);
    mcp_session *plain = test_session(e, "2025-11-25", "{\"sampling\":{}}");
    mcp_session *form = test_session(e, "2025-11-25", "{\"elicitation\":{\"form\":{}}}");
    const struct {
        mcp_session **s;
        const char *mode, *text;
    } rows[] = {
        {&plain, "elicit", "did not declare the 'elicitation' capability"},
        {&form, "url", "did not declare the 'elicitation.url' capability"},
        {&form, "elicit", "no answer to elicitation/create within 20 ms"},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        struct job j;
        job_start(&j, e, *rows[i].s, call_msg(1, rows[i].mode, 0));
        job_finish(&j);
        int is_error;
        const char *text = final_text(&j.cap, &is_error);
        assert_true(is_error);
        if (!strstr(text, rows[i].text))
            fail_msg("row %zu: %s", i, text);
        cap_release(&j.cap);
    }
    /* a peer that is gone: the request cannot be sent */
    struct job j;
    job_start_sink(&j, e, form, call_msg(2, "elicit", 0), 1);
    job_finish(&j);
    assert_int_equal(cap_count(&j.cap), 1); /* the request went out; nothing after */
    cap_release(&j.cap);
    mcp_session_release(plain);
    mcp_session_release(form);
    mcp_engine_free(e);
}

static void test_close_session_mid_call(void **state)
{
    (void)state;
    mcp_engine *e = calls_engine(0, 0);
    mcp_session *s = test_session(e, "2025-11-25", "{\"elicitation\":{}}");
    struct job j1, j2;
    job_start(&j1, e, s, call_msg(1, "elicit", 0));
    job_start(&j2, e, s, call_msg(2, "wait_cancel", 0));
    cap_wait_method(&j1.cap, "elicitation/create");
    cap_wait_method(&j2.cap, "notifications/message");
    char id[40];
    snprintf(id, sizeof id, "%s", mcp_session_id(s));
    mcp_session_release(s); /* the jobs still hold it */
    assert_int_equal(mcp_session_close(e, id), ERR_OK);
    job_finish(&j1);
    job_finish(&j2);
    assert_int_equal(j1.outcome, MCP_OUT_CANCELLED);
    assert_int_equal(j2.outcome, MCP_OUT_CANCELLED);
    assert_null(mcp_session_find(e, id));
    cap_release(&j1.cap);
    cap_release(&j2.cap);
    mcp_engine_free(e);
}

static void test_close_stream_and_version(void **state)
{
    (void)state;
    mcp_engine *e = calls_engine(0, 0);
    mcp_session *s = test_session(e, "2025-06-18", NULL);
    struct cap c;
    cap_init(&c);
    char *msg = call_msg(1, "close", 0);
    assert_int_equal(run(e, s, msg, &c), MCP_OUT_RESPONSE);
    assert_int_equal(c.closes, 1);
    assert_int_equal(c.retry_ms, 500);
    int is_error;
    assert_string_equal(final_text(&c, &is_error), "2025-06-18");
    /* a sink without close_stream is fine */
    struct mcp_sink sink = cap_sink(&c);
    sink.close_stream = NULL;
    assert_int_equal(mcp_engine_handle(e, s, msg, strlen(msg), &sink), MCP_OUT_RESPONSE);
    assert_int_equal(c.closes, 1);
    free(msg);
    cap_release(&c);
    mcp_session_release(s);
    mcp_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_progress_and_logs),
        cmocka_unit_test(test_cancel_from_another_thread),
        cmocka_unit_test(test_elicitation_round_trip),
        cmocka_unit_test(test_request_refusals),
        cmocka_unit_test(test_close_session_mid_call),
        cmocka_unit_test(test_close_stream_and_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
