/* fixture_server.c - `skilld-fixture`: the skilld HTTP front end over a fresh MCP engine that
 * holds only the conformance suite's fixtures (tests/conformance/fixtures.h). Layer: tests.
 * Usage: skilld-fixture [--listen HOST:PORT] (default 127.0.0.1:0; the bound address is
 * logged as "listening on http://HOST:PORT"; stops cleanly on SIGTERM or SIGINT), or
 * skilld-fixture --stdio (the same fixtures over the stdio transport, until EOF). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "server/http/http.h"
#include "server/http/log.h"
#include "tests/conformance/fixtures.h"

#define FIXTURE_GRACE_MS 5000

int main(int argc, char **argv)
{
    char host[256] = "127.0.0.1";
    unsigned port = 0;
    cJSON_Hooks hooks = {.malloc_fn = xmalloc, .free_fn = xfree};
    cJSON_InitHooks(&hooks);
    if (argc == 2 && strcmp(argv[1], "--stdio") == 0) {
        struct mcp_config sc = {.name = "skilld-fixture", .version = "0.0.0"};
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
                            .description = "skilld HTTP front end with conformance fixtures"};
    struct app app = {.backend = "fixtures", .region = "none"};
    app.mcp = mcp_engine_new(&mc);
    conformance_fixtures_register(app.mcp);
    struct http_options ho = {.host = host, .port = port, .version = "fixture"};
    http_server *srv = http_start(&ho, &app, &e);
    if (!srv) {
        fprintf(stderr, "skilld-fixture: %s\n", e.msg);
        mcp_engine_free(app.mcp);
        return 1;
    }
    int v6 = strchr(host, ':') != NULL;
    log_write(LOG_LEVEL_INFO, "listening on http://%s%s%s:%u", v6 ? "[" : "", host,
              v6 ? "]" : "", http_port(srv));
    int sig = http_signals_wait();
    log_write(LOG_LEVEL_INFO, "shutting down (signal %d)", sig);
    http_stop(srv, FIXTURE_GRACE_MS);
    mcp_engine_free(app.mcp);
    log_write(LOG_LEVEL_INFO, "stopped");
    return 0;
}
