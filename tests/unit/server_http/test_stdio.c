/* test_stdio.c - unit tests for server/http/stdio.c over pipes: one session per process, so
 * a tool call sees that session's id through mcp_call_session_id; the transport ends with
 * status 0 at EOF once running requests finished. Layer: tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/http/http.h"

static err_code whoami(mcp_call *call, const cJSON *args, void *ud, struct mcp_tool_result *out,
                       struct err *e)
{
    const char *sid = mcp_call_session_id(call);
    out->text = xstrdup(sid ? sid : "(none)");
    return ERR_OK;
}

struct serve_job {
    mcp_engine *engine;
    int in_fd, out_fd;
    int status;
};

static void *serve_main(void *arg)
{
    struct serve_job *j = arg;
    j->status = stdio_serve(j->engine, j->in_fd, j->out_fd);
    close(j->out_fd); /* EOF for the reader */
    return NULL;
}

/* The text of the first content block of the response with this id in the output lines. */
static char *result_text(const char *out, int id)
{
    char *copy = xstrdup(out), *save = NULL, *text = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line && !text; line = strtok_r(NULL, "\n", &save)) {
        cJSON *m = cJSON_Parse(line);
        const cJSON *mid = cJSON_GetObjectItemCaseSensitive(m, "id");
        if (cJSON_IsNumber(mid) && mid->valueint == id) {
            const cJSON *r = cJSON_GetObjectItemCaseSensitive(m, "result");
            const cJSON *b = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "content"), 0);
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(b, "text");
            text = xstrdup(cJSON_IsString(t) ? t->valuestring : "(no text)");
        }
        cJSON_Delete(m);
    }
    free(copy);
    return text;
}

static void test_one_session_per_process(void **state)
{
    (void)state;
    struct mcp_config cfg = {.name = "stdio-test", .version = "0"};
    mcp_engine *engine = mcp_engine_new(&cfg);
    struct mcp_tool t = {.name = "whoami", .description = "session id", .fn = whoami};
    assert_int_equal(mcp_engine_add_tool(engine, &t, NULL), ERR_OK);
    int in_p[2], out_p[2];
    assert_int_equal(pipe(in_p), 0);
    assert_int_equal(pipe(out_p), 0);
    struct serve_job job = {.engine = engine, .in_fd = in_p[0], .out_fd = out_p[1], .status = -1};
    pthread_t tid;
    assert_int_equal(pthread_create(&tid, NULL, serve_main, &job), 0);
    static const char input[] =
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
        "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"0\"}}}\n"
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"whoami\"}}\n"
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"whoami\"}}\n";
    assert_int_equal(write(in_p[1], input, sizeof input - 1), (ssize_t)(sizeof input - 1));
    close(in_p[1]);
    struct buf out;
    buf_init(&out, 1 << 20);
    char chunk[4096];
    ssize_t n;
    while ((n = read(out_p[0], chunk, sizeof chunk)) > 0)
        assert_int_equal(buf_append(&out, chunk, (size_t)n), ERR_OK);
    pthread_join(tid, NULL);
    assert_int_equal(job.status, 0);
    char *a = result_text(out.data, 2), *b = result_text(out.data, 3);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(strlen(a), 32);
    assert_int_equal(strspn(a, "0123456789abcdef"), 32);
    assert_string_equal(a, b); /* the same session for every line */
    /* The session is closed once stdin ends. */
    assert_int_equal(mcp_engine_session_count(engine), 0);
    free(a);
    free(b);
    buf_release(&out);
    close(in_p[0]);
    close(out_p[0]);
    mcp_engine_free(engine);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_session_per_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
