/* mcp_test_util.h - helpers shared by the MCP engine unit tests: a capturing sink that
 * keeps every message the engine sends (parsed), and shortcuts to open and initialize a
 * session. Layer: tests. */
#ifndef SKILLD_TESTS_MCP_TEST_UTIL_H
#define SKILLD_TESTS_MCP_TEST_UTIL_H

#include <pthread.h>

#include "server/mcp/mcp.h"
#include "server/mcp/mcp_internal.h"

/* Everything sent through one sink, in order. Thread-safe: handlers send from their own
 * threads while the test thread waits for a message. */
struct cap {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    cJSON *msgs;       /* array of the parsed messages (owned) */
    int finals;        /* messages sent with final = 1 */
    int last_final;    /* final flag of the last message */
    int closes;        /* close_stream calls */
    unsigned retry_ms; /* the last close_stream's retry */
    int refuse;        /* 1: send() answers -1 (peer gone) */
    int gone;          /* 1: alive() answers 0 (the stream was closed) */
};

void cap_init(struct cap *c);
void cap_release(struct cap *c);
struct mcp_sink cap_sink(struct cap *c);
int cap_count(struct cap *c);
/* Message i (borrowed; valid until cap_release). */
cJSON *cap_msg(struct cap *c, int i);
/* Block until some message has "method" == method; returns it (borrowed). */
cJSON *cap_wait_method(struct cap *c, const char *method);
/* How many captured messages have "method" == method. */
int cap_count_method(struct cap *c, const char *method);

/* mcp_engine_handle on a NUL-terminated string with a fresh capture. */
enum mcp_outcome run(mcp_engine *e, mcp_session *s, const char *json, struct cap *c);
/* Handle json and return the single response's "result" (NULL if an error); *ret_msg gets
 * the response message (borrowed from c). */
cJSON *run_result(mcp_engine *e, mcp_session *s, const char *json, struct cap *c);
/* Handle json and return the response's error.code (0 if it is a result). */
int run_error(mcp_engine *e, mcp_session *s, const char *json, struct cap *c);

/* A new engine with small limits for tests. */
mcp_engine *test_engine(size_t max_sessions, size_t page_size);
/* A keyed mixing function standing in for HMAC-SHA256 (ud is the key string). */
void test_mac(void *ud, const void *data, size_t len, unsigned char out[MCP_MAC_LEN]);
/* A test engine that seals with test_mac under key (requestStates, session ids), with
 * input_ttl_s (0: the default). */
mcp_engine *test_engine_sealed(const char *key, unsigned input_ttl_s);
/* mcp_engine_handle_http on a NUL-terminated string with these headers. */
enum mcp_outcome run_http(mcp_engine *e, const char *json, const struct mcp_http_headers *h,
                          struct cap *c);
/* Open a session and initialize it with this version and client capabilities JSON. */
mcp_session *test_session(mcp_engine *e, const char *version, const char *caps_json);

#endif
