/* fuzz_mcp.c - fuzz target: any bytes as one incoming MCP message, on a 2025-03-26 session
 * (batches allowed) or a 2025-11-25 one (a message whose _meta claims a version is served as
 * 2026-07-28 on either), against an engine carrying the conformance fixtures and one skill,
 * sealing with a keyed MAC so requestStates are read. Oracle: the engine never crashes, and
 * everything it sends is one JSON-RPC 2.0 object or, for a batch, an array of them.
 * Layer: tests. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/mcp/mcp.h"
#include "tests/conformance/fixtures.h"

static mcp_engine *engine;
static mcp_session *sessions[2];

static void check_message(const cJSON *m)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "jsonrpc");
    if (!cJSON_IsObject(m) || !cJSON_IsString(v) || strcmp(v->valuestring, "2.0") != 0)
        abort();
}

static int check_sink(void *ctx, const char *json, size_t len, int final)
{
    (void)ctx;
    (void)final;
    cJSON *m = cJSON_ParseWithLengthOpts(json, len + 1, NULL, 1);
    if (!m) {
        fprintf(stderr, "engine sent invalid JSON: %.200s\n", json);
        abort();
    }
    if (cJSON_IsArray(m)) {
        const cJSON *x = NULL;
        cJSON_ArrayForEach(x, m) check_message(x);
    } else {
        check_message(m);
    }
    cJSON_Delete(m);
    return 0;
}

static const struct mcp_sink sink = {.ctx = NULL, .send = check_sink};

/* A keyed mixing function in place of HMAC (the engine only sees a callback). */
static void fuzz_mac(void *ud, const void *data, size_t len, unsigned char out[MCP_MAC_LEN])
{
    (void)ud;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ ((const unsigned char *)data)[i]) * 1099511628211ull;
    for (size_t i = 0; i < MCP_MAC_LEN; i++) {
        h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ull;
        out[i] = (unsigned char)(h >> 56);
    }
}

static const struct mcp_skill_file skill_files[] = {
    {"SKILL.md", "text/markdown", "---\nname: \"fuzz-skill\"\ndescription: \"d\"\n---\n",
     "sha256:0000000000000000000000000000000000000000000000000000000000000000"},
    {"references/a.md", "text/markdown", "a",
     "sha256:0000000000000000000000000000000000000000000000000000000000000000"},
};

static void init(void)
{
    cJSON_Hooks hooks = {.malloc_fn = xmalloc, .free_fn = xfree};
    cJSON_InitHooks(&hooks);
    struct mcp_config cfg = {.name = "fuzz", .version = "0", .request_timeout_ms = 1,
                             .max_sessions = 4, .mac = fuzz_mac};
    engine = mcp_engine_new(&cfg);
    conformance_fixtures_register(engine);
    struct mcp_skill skill = {.name = "fuzz-skill", .description = "d",
                              .frontmatter = "{\"name\":\"fuzz-skill\",\"description\":\"d\"}",
                              .files = skill_files, .nfiles = 2};
    struct err e = {0};
    if (mcp_engine_add_skill(engine, &skill, &e) != ERR_OK)
        abort();
    /* A subscriptions/listen that passed its checks would stay open until the engine stops:
     * stop it now, so the filter is still read and every listen ends at once. */
    mcp_engine_shutdown(engine);
    static const char *const versions[2] = {"2025-03-26", "2025-11-25"};
    for (int i = 0; i < 2; i++) {
        sessions[i] = mcp_session_open(engine);
        char init_msg[256];
        snprintf(init_msg, sizeof init_msg,
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
                 "{\"protocolVersion\":\"%s\",\"capabilities\":{},"
                 "\"clientInfo\":{\"name\":\"fuzz\",\"version\":\"0\"}}}",
                 versions[i]);
        mcp_engine_handle(engine, sessions[i], init_msg, strlen(init_msg), &sink);
    }
}

static void fini(void)
{
    for (int i = 0; i < 2; i++)
        mcp_session_release(sessions[i]);
    mcp_engine_free(engine);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!engine) {
        init();
        atexit(fini);
    }
    if (size == 0)
        return 0;
    mcp_session *s = sessions[data[0] & 1];
    const char *msg = (const char *)data + 1;
    size_t len = size - 1;
    mcp_classify(msg, len);
    mcp_engine_handle(engine, s, msg, len, &sink);
    return 0;
}
