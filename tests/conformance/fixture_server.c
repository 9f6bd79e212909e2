/* fixture_server.c - `skilld-fixture`: the skilld HTTP front end over a fresh MCP engine that
 * holds only the conformance suite's fixtures (tests/conformance/fixtures.h), with its own
 * /healthz and /metrics rows: no application behind it. Layer: tests.
 * Usage: skilld-fixture [--listen HOST:PORT] (default 127.0.0.1:0; the bound address is
 * logged as "listening on http://HOST:PORT"; stops cleanly on SIGTERM or SIGINT), or
 * skilld-fixture --stdio (the same fixtures over the stdio transport, until EOF). */
#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/http/http.h"
#include "tests/conformance/fixtures.h"

#define FIXTURE_GRACE_MS 5000

/* What the endpoint handlers read. */
struct fixture {
    mcp_engine *engine;
    metrics *metrics;
};

/* HMAC-SHA256 under a key drawn at start: the fixture seals session ids and modern
 * requestStates as skilld does (server/app/session_key.c), so the suite's tampered-state
 * scenario has a MAC to break. */
static unsigned char fixture_key[32];

static void fixture_mac(void *ud, const void *data, size_t len, unsigned char out[MCP_MAC_LEN])
{
    unsigned int n = MCP_MAC_LEN;
    (void)ud;
    HMAC(EVP_sha256(), fixture_key, sizeof fixture_key, data, len, out, &n);
}

static void ep_healthz(const struct http_request *req, void *ud, struct http_response *resp)
{
    resp->status = 200;
    resp->body = xstrdup("{\"status\":\"ok\",\"backend\":\"fixtures\",\"version\":\"fixture\"}");
}

static void ep_metrics(const struct http_request *req, void *ud, struct http_response *resp)
{
    struct fixture *f = ud;
    struct buf out;
    buf_init(&out, 0);
    if (metrics_render(f->metrics, mcp_engine_session_count(f->engine), &out) == ERR_OK) {
        resp->status = 200;
        resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
        resp->body = buf_steal(&out, NULL);
    }
    buf_release(&out);
}

int main(int argc, char **argv)
{
    char host[256] = "127.0.0.1";
    unsigned port = 0;
    cJSON_Hooks hooks = {.malloc_fn = xmalloc, .free_fn = xfree};
    cJSON_InitHooks(&hooks);
    random_bytes(fixture_key, sizeof fixture_key);
    if (argc == 2 && strcmp(argv[1], "--stdio") == 0) {
        struct mcp_config sc = {.name = "skilld-fixture", .version = "0.0.0", .mac = fixture_mac};
        mcp_engine *engine = mcp_engine_new(&sc);
        conformance_fixtures_register(engine);
        int status = stdio_serve(engine, STDIN_FILENO, STDOUT_FILENO);
        mcp_engine_free(engine);
        return status;
    }
    if (argc == 3 && strcmp(argv[1], "--listen") == 0) {
        if (http_split_host_port(argv[2], host, sizeof host, &port) != ERR_OK) {
            fprintf(stderr, "skilld-fixture: bad --listen '%s'\n", argv[2]);
            return 2;
        }
    } else if (argc != 1) {
        fprintf(stderr, "usage: skilld-fixture [--listen HOST:PORT | --stdio]\n");
        return 2;
    }
    struct err e = {0};
    if (http_signals_install(&e) != ERR_OK) {
        fprintf(stderr, "skilld-fixture: %s\n", e.msg);
        return 1;
    }
    struct mcp_config mc = {.name = "skilld-fixture", .version = "0.0.0",
                            .description = "skilld HTTP front end with conformance fixtures",
                            .mac = fixture_mac};
    struct fixture f = {.engine = mcp_engine_new(&mc), .metrics = metrics_new()};
    conformance_fixtures_register(f.engine);
    const struct http_endpoint rows[] = {
        {"/healthz", HTTP_GET, ep_healthz, &f},
        {"/metrics", HTTP_GET, ep_metrics, &f},
    };
    struct http_options ho = {.host = host, .port = port, .metrics = f.metrics};
    http_server *srv = http_start(&ho, f.engine, rows, ARRAY_LEN(rows), &e);
    if (!srv) {
        fprintf(stderr, "skilld-fixture: %s\n", e.msg);
        mcp_engine_free(f.engine);
        metrics_free(f.metrics);
        return 1;
    }
    int v6 = strchr(host, ':') != NULL;
    log_write(LOG_LEVEL_INFO, "listening on http://%s%s%s:%u", v6 ? "[" : "", host,
              v6 ? "]" : "", http_port(srv));
    int sig = http_signals_wait();
    log_write(LOG_LEVEL_INFO, "shutting down (signal %d)", sig);
    http_stop(srv, FIXTURE_GRACE_MS);
    mcp_engine_free(f.engine);
    metrics_free(f.metrics);
    log_write(LOG_LEVEL_INFO, "stopped");
    return 0;
}
