/* Unit tests for subscriptions/listen (mcp_listen.c) and the skills extension
 * (mcp_skills.c): acknowledgement, tagged updates, the filter, cancellation by a closed
 * stream and by notifications/cancelled (stdio), graceful shutdown; skill registration
 * refusals, skills/list, skills/get, resources/directory/read, the files through resources
 * read and list, and the capability in both eras. Layer: tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcp_test_util.h"

#define META                                                                                   \
    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","                \
    "\"io.modelcontextprotocol/clientCapabilities\":{}}"

static cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* ---- subscriptions/listen --------------------------------------------------------------------*/

struct listen_run {
    mcp_engine *e;
    mcp_session *s; /* NULL over "HTTP", the process session over "stdio" */
    struct cap *c;
    enum mcp_outcome out;
};

static void *listen_main(void *arg)
{
    struct listen_run *r = arg;
    r->out = run(r->e, r->s,
                 "{\"jsonrpc\":\"2.0\",\"id\":\"sub-1\",\"method\":\"subscriptions/listen\","
                 "\"params\":{\"notifications\":{\"toolsListChanged\":true,"
                 "\"resourceSubscriptions\":[\"test://a\",\"test://b\"]}," META "}}",
                 r->c);
    return NULL;
}

static void test_listen(void **state)
{
    (void)state;
    mcp_engine *e = test_engine(0, 0);
    struct cap c;
    cap_init(&c);
    struct listen_run r = {.e = e, .c = &c};
    pthread_t t;
    pthread_create(&t, NULL, listen_main, &r);
    cJSON *ack = cap_wait_method(&c, "notifications/subscriptions/acknowledged");
    const cJSON *f = get(get(ack, "params"), "notifications");
    assert_null(get(f, "toolsListChanged")); /* the catalogue never changes: not honoured */
    assert_int_equal(cJSON_GetArraySize(get(f, "resourceSubscriptions")), 2);
    assert_string_equal(get(get(get(ack, "params"), "_meta"),
                            "io.modelcontextprotocol/subscriptionId")->valuestring, "sub-1");
    mcp_engine_resource_updated(e, "test://b");
    mcp_engine_resource_updated(e, "test://not-subscribed");
    cJSON *up = cap_wait_method(&c, "notifications/resources/updated");
    assert_string_equal(get(get(up, "params"), "uri")->valuestring, "test://b");
    assert_string_equal(get(get(get(up, "params"), "_meta"),
                            "io.modelcontextprotocol/subscriptionId")->valuestring, "sub-1");
    /* The engine stops: the subscription ends with its result. */
    mcp_engine_shutdown(e);
    pthread_join(t, NULL);
    assert_int_equal(r.out, MCP_OUT_RESPONSE);
    const cJSON *last = cap_msg(&c, cap_count(&c) - 1);
    assert_string_equal(get(get(get(last, "result"), "_meta"),
                            "io.modelcontextprotocol/subscriptionId")->valuestring, "sub-1");
    assert_int_equal(cap_count_method(&c, "notifications/resources/updated"), 1);
    /* Once stopping, no new subscription opens. */
    int code = run_error(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"subscriptions/"
                                  "listen\",\"params\":{\"notifications\":{}," META "}}", &c);
    assert_int_equal(code, MCP_SERVER_ERROR);
    /* A filter that is not one: -32602. */
    code = run_error(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"subscriptions/listen\","
                              "\"params\":{" META "}}", &c);
    assert_int_equal(code, MCP_INVALID_PARAMS);
    cap_release(&c);
    mcp_engine_free(e);
}

static void test_listen_cancelled(void **state)
{
    (void)state;
    mcp_engine *e = test_engine(0, 0);
    struct cap c;
    cap_init(&c);
    /* HTTP: the client closes the stream. */
    struct listen_run r = {.e = e, .c = &c};
    pthread_t t;
    pthread_create(&t, NULL, listen_main, &r);
    cap_wait_method(&c, "notifications/subscriptions/acknowledged");
    pthread_mutex_lock(&c.mu);
    c.gone = 1;
    pthread_mutex_unlock(&c.mu);
    pthread_join(t, NULL);
    assert_int_equal(r.out, MCP_OUT_CANCELLED);
    assert_int_equal(cap_count(&c), 1); /* the acknowledgement only */
    cap_release(&c);
    /* stdio: notifications/cancelled names the subscription's request id. */
    cap_init(&c);
    mcp_session *s = mcp_session_open(e);
    r = (struct listen_run){.e = e, .s = s, .c = &c};
    pthread_create(&t, NULL, listen_main, &r);
    cap_wait_method(&c, "notifications/subscriptions/acknowledged");
    struct cap c2;
    cap_init(&c2);
    assert_int_equal(run(e, s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                               "\"params\":{\"requestId\":\"sub-1\"}}", &c2),
                     MCP_OUT_ACCEPTED);
    pthread_join(t, NULL);
    assert_int_equal(r.out, MCP_OUT_CANCELLED);
    cap_release(&c2);
    cap_release(&c);
    mcp_session_end(e, s);
    mcp_session_release(s);
    mcp_engine_free(e);
}

/* ---- Skills -------------------------------------------------------------------------------------*/

#define DIGEST_A "sha256:" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct mcp_skill_file files[] = {
    {"SKILL.md", "text/markdown", "---\nname: \"demo-skill\"\ndescription: \"Does demos\"\n---\nBody\n",
     DIGEST_A},
    {"references/faq.md", "text/markdown", "# FAQ\n", DIGEST_A},
    {"references/deep/more.md", "text/markdown", "more\n", DIGEST_A},
};

static const struct mcp_skill demo = {
    .name = "demo-skill",
    .title = "Demo",
    .description = "Does demos",
    .frontmatter = "{\"name\":\"demo-skill\",\"description\":\"Does demos\"}",
    .files = files,
    .nfiles = ARRAY_LEN(files),
};

static void test_skill_registration(void **state)
{
    (void)state;
    mcp_engine *e = test_engine(0, 0);
    struct err er = {0};
    assert_int_equal(mcp_engine_add_skill(e, &demo, &er), ERR_OK);
    assert_int_equal(mcp_engine_add_skill(e, &demo, &er), ERR_EXISTS);
    struct mcp_skill bad = demo;
    bad.name = "Demo--x";
    assert_int_equal(mcp_engine_add_skill(e, &bad, &er), ERR_INVALID);
    bad = demo;
    bad.name = "other";
    assert_int_equal(mcp_engine_add_skill(e, &bad, &er), ERR_INVALID); /* frontmatter name */
    struct mcp_skill_file f2[2] = {files[0], files[1]};
    bad = demo;
    bad.name = "demo-two";
    bad.frontmatter = "{\"name\":\"demo-two\",\"description\":\"Does demos\"}";
    bad.files = f2;
    bad.nfiles = 2;
    f2[1].path = "references/../x.md";
    assert_int_equal(mcp_engine_add_skill(e, &bad, &er), ERR_INVALID);
    f2[1].path = "SKILL.md";
    assert_int_equal(mcp_engine_add_skill(e, &bad, &er), ERR_EXISTS);
    f2[1] = files[1];
    f2[1].digest = "sha256:XYZ";
    assert_int_equal(mcp_engine_add_skill(e, &bad, &er), ERR_INVALID);
    bad.files = &files[1];
    bad.nfiles = 1;
    assert_int_equal(mcp_engine_add_skill(e, &bad, &er), ERR_INVALID); /* no SKILL.md */
    mcp_engine_free(e);
}

static void test_skill_methods(void **state)
{
    (void)state;
    mcp_engine *e = test_engine(0, 0);
    struct err er = {0};
    struct cap c;
    cap_init(&c);
    /* Without skills the methods do not exist. */
    assert_int_equal(run(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"skills/list\","
                                  "\"params\":{" META "}}", &c),
                     MCP_OUT_NO_METHOD);
    assert_int_equal(mcp_engine_add_skill(e, &demo, &er), ERR_OK);
    cJSON *r = run_result(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"skills/list\","
                                   "\"params\":{" META "}}", &c);
    const cJSON *entry = cJSON_GetArrayItem(get(r, "skills"), 0);
    assert_string_equal(get(entry, "uri")->valuestring, "skill://demo-skill/SKILL.md");
    assert_string_equal(get(get(entry, "frontmatter"), "description")->valuestring, "Does demos");
    const cJSON *res = get(entry, "resources");
    assert_int_equal(cJSON_GetArraySize(res), 3);
    assert_string_equal(get(cJSON_GetArrayItem(res, 0), "digest")->valuestring, DIGEST_A);
    assert_int_equal(get(cJSON_GetArrayItem(res, 1), "size")->valueint, 6);
    assert_true(cJSON_IsNumber(get(r, "ttlMs")));
    r = run_result(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"skills/get\",\"params\":{"
                            "\"uri\":\"skill://demo-skill/SKILL.md\"," META "}}", &c);
    assert_string_equal(get(get(r, "skill"), "uri")->valuestring, "skill://demo-skill/SKILL.md");
    assert_int_equal(run_error(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"skills/get\","
                                        "\"params\":{\"uri\":\"skill://nope/SKILL.md\"," META "}}",
                               &c),
                     MCP_INVALID_PARAMS);
    /* Directories: direct children only, subdirectories as inode/directory. */
    r = run_result(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/directory/read\","
                            "\"params\":{\"uri\":\"skill://demo-skill\"," META "}}", &c);
    const cJSON *kids = get(r, "resources");
    assert_int_equal(cJSON_GetArraySize(kids), 2);
    assert_string_equal(get(cJSON_GetArrayItem(kids, 1), "uri")->valuestring,
                        "skill://demo-skill/references");
    assert_string_equal(get(cJSON_GetArrayItem(kids, 1), "mimeType")->valuestring,
                        "inode/directory");
    r = run_result(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"resources/directory/read\","
                            "\"params\":{\"uri\":\"skill://demo-skill/references/\"," META "}}", &c);
    assert_int_equal(cJSON_GetArraySize(get(r, "resources")), 2);
    assert_int_equal(run_error(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":"
                                        "\"resources/directory/read\",\"params\":{\"uri\":"
                                        "\"skill://demo-skill/SKILL.md\"," META "}}", &c),
                     MCP_INVALID_PARAMS);
    /* Files are resources; each SKILL.md is listed. */
    r = run_result(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"resources/read\",\"params\":{"
                            "\"uri\":\"skill://demo-skill/references/faq.md\"," META "}}", &c);
    assert_string_equal(get(cJSON_GetArrayItem(get(r, "contents"), 0), "text")->valuestring,
                        "# FAQ\n");
    r = run_result(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"resources/list\","
                            "\"params\":{" META "}}", &c);
    const cJSON *listed = cJSON_GetArrayItem(get(r, "resources"), 0);
    assert_string_equal(get(listed, "name")->valuestring, "demo-skill");
    assert_string_equal(get(listed, "description")->valuestring, "Does demos");
    /* The capability: modern discover, legacy 2025-11-25, not older versions. */
    r = run_result(e, NULL, "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"server/discover\","
                            "\"params\":{" META "}}", &c);
    assert_true(cJSON_IsTrue(get(get(get(get(r, "capabilities"), "extensions"),
                                     "io.modelcontextprotocol/skills"), "directoryRead")));
    mcp_session *s = test_session(e, "2025-06-18", NULL);
    r = run_result(e, s, "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"skills/list\"}", &c);
    assert_non_null(get(r, "skills")); /* the methods answer in every era */
    assert_null(get(r, "ttlMs"));
    mcp_session_release(s);
    cap_release(&c);
    mcp_engine_free(e);
}

int main(void)
{
    cJSON_Hooks hooks = {.malloc_fn = xmalloc, .free_fn = xfree};
    cJSON_InitHooks(&hooks);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listen),
        cmocka_unit_test(test_listen_cancelled),
        cmocka_unit_test(test_skill_registration),
        cmocka_unit_test(test_skill_methods),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
