/* mcp_test_util.c - the capturing sink and session shortcuts of the MCP unit tests.
 * Layer: tests. */
#include "mcp_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cap_send(void *ctx, const char *json, size_t len, int final)
{
    struct cap *c = ctx;
    assert_int_equal(strlen(json), len);
    cJSON *m = cJSON_ParseWithLengthOpts(json, len + 1, NULL, 1);
    assert_non_null(m); /* the engine only ever sends valid JSON */
    pthread_mutex_lock(&c->mu);
    int refuse = c->refuse;
    cJSON_AddItemToArray(c->msgs, m);
    c->finals += final ? 1 : 0;
    c->last_final = final;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->mu);
    return refuse ? -1 : 0;
}

static void cap_close(void *ctx, unsigned retry_ms)
{
    struct cap *c = ctx;
    pthread_mutex_lock(&c->mu);
    c->closes++;
    c->retry_ms = retry_ms;
    pthread_mutex_unlock(&c->mu);
}

void cap_init(struct cap *c)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cond, NULL);
    c->msgs = cJSON_CreateArray();
}

void cap_release(struct cap *c)
{
    cJSON_Delete(c->msgs);
    pthread_cond_destroy(&c->cond);
    pthread_mutex_destroy(&c->mu);
}

static int cap_alive(void *ctx)
{
    struct cap *c = ctx;
    pthread_mutex_lock(&c->mu);
    int alive = !c->gone;
    pthread_mutex_unlock(&c->mu);
    return alive;
}

struct mcp_sink cap_sink(struct cap *c)
{
    struct mcp_sink s = {.ctx = c, .send = cap_send, .close_stream = cap_close,
                         .alive = cap_alive};
    return s;
}

enum mcp_outcome run_http(mcp_engine *e, const char *json, const struct mcp_http_headers *h,
                          struct cap *c)
{
    struct mcp_sink sink = cap_sink(c);
    return mcp_engine_handle_http(e, NULL, json, strlen(json), h, &sink);
}

void test_mac(void *ud, const void *data, size_t len, unsigned char out[MCP_MAC_LEN])
{
    const char *key = ud;
    uint64_t h = 1469598103934665603ull;
    for (const char *k = key; *k; k++)
        h = (h ^ (unsigned char)*k) * 1099511628211ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ ((const unsigned char *)data)[i]) * 1099511628211ull;
    for (size_t i = 0; i < MCP_MAC_LEN; i++) {
        h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ull;
        out[i] = (unsigned char)(h >> 56);
    }
}

mcp_engine *test_engine_sealed(const char *key, unsigned input_ttl_s)
{
    struct mcp_config cfg = {.name = "test-server", .version = "9.9.9",
                             .request_timeout_ms = 30000, .input_ttl_s = input_ttl_s,
                             .mac = test_mac, .mac_ud = (void *)key};
    return mcp_engine_new(&cfg);
}

int cap_count(struct cap *c)
{
    pthread_mutex_lock(&c->mu);
    int n = cJSON_GetArraySize(c->msgs);
    pthread_mutex_unlock(&c->mu);
    return n;
}

cJSON *cap_msg(struct cap *c, int i)
{
    pthread_mutex_lock(&c->mu);
    cJSON *m = cJSON_GetArrayItem(c->msgs, i);
    pthread_mutex_unlock(&c->mu);
    return m;
}

static cJSON *find_method_locked(struct cap *c, const char *method, int *count)
{
    cJSON *hit = NULL, *m;
    *count = 0;
    cJSON_ArrayForEach(m, c->msgs)
    {
        const cJSON *mm = cJSON_GetObjectItemCaseSensitive(m, "method");
        if (cJSON_IsString(mm) && strcmp(mm->valuestring, method) == 0) {
            if (!hit)
                hit = m;
            (*count)++;
        }
    }
    return hit;
}

cJSON *cap_wait_method(struct cap *c, const char *method)
{
    int n;
    pthread_mutex_lock(&c->mu);
    cJSON *hit;
    while (!(hit = find_method_locked(c, method, &n)))
        pthread_cond_wait(&c->cond, &c->mu);
    pthread_mutex_unlock(&c->mu);
    return hit;
}

int cap_count_method(struct cap *c, const char *method)
{
    int n;
    pthread_mutex_lock(&c->mu);
    find_method_locked(c, method, &n);
    pthread_mutex_unlock(&c->mu);
    return n;
}

enum mcp_outcome run(mcp_engine *e, mcp_session *s, const char *json, struct cap *c)
{
    struct mcp_sink sink = cap_sink(c);
    return mcp_engine_handle(e, s, json, strlen(json), &sink);
}

cJSON *run_result(mcp_engine *e, mcp_session *s, const char *json, struct cap *c)
{
    int before = cap_count(c);
    run(e, s, json, c);
    assert_int_equal(cap_count(c), before + 1);
    cJSON *m = cap_msg(c, before);
    return cJSON_GetObjectItemCaseSensitive(m, "result");
}

int run_error(mcp_engine *e, mcp_session *s, const char *json, struct cap *c)
{
    int before = cap_count(c);
    run(e, s, json, c);
    assert_int_equal(cap_count(c), before + 1);
    cJSON *m = cap_msg(c, before);
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(m, "error"), "code");
    return cJSON_IsNumber(code) ? code->valueint : 0;
}

mcp_engine *test_engine(size_t max_sessions, size_t page_size)
{
    struct mcp_config cfg = {
        .name = "test-server",
        .title = "Test Server",
        .version = "9.9.9",
        .description = "an engine under test",
        .instructions = "be nice",
        .max_sessions = max_sessions,
        .page_size = page_size,
        .request_timeout_ms = 30000,
    };
    return mcp_engine_new(&cfg);
}

mcp_session *test_session(mcp_engine *e, const char *version, const char *caps_json)
{
    mcp_session *s = mcp_session_open(e);
    char *msg = NULL;
    struct cap c;
    cap_init(&c);
    msg = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":"
                    "{\"protocolVersion\":\"%s\",\"capabilities\":%s,\"clientInfo\":"
                    "{\"name\":\"t\",\"version\":\"1\"}}}",
                    version, caps_json ? caps_json : "{}");
    assert_int_equal(run(e, s, msg, &c), MCP_OUT_RESPONSE);
    assert_int_equal(run(e, s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", &c),
                     MCP_OUT_ACCEPTED);
    free(msg);
    cap_release(&c);
    return s;
}
