/* stdio.c - the MCP stdio transport: newline-delimited JSON-RPC on stdin/stdout, one
 * session per process. Layer: server/http. Requests run on worker threads so that a
 * notifications/cancelled or an elicitation answer on a later line reaches them; stdout
 * carries nothing but MCP messages, one compact JSON per line, written under a mutex. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/http/http.h"

#define STDIO_READ_CHUNK 65536 /* bytes read from stdin at a time */

struct stdio_io {
    mcp_engine *engine;
    mcp_session *session;
    int out_fd;
    pthread_mutex_t out_lock; /* one message per write, never interleaved */
    int out_broken;           /* stdout failed (EPIPE): later writes are skipped */
    pthread_mutex_t lock;
    pthread_cond_t cond;      /* a worker finished */
    unsigned workers;
};

struct stdio_job {
    struct stdio_io *io;
    char *line;
    size_t len;
};

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int out_send(void *ctx, const char *json, size_t len, int final)
{
    struct stdio_io *io = ctx;
    int rc = 0;
    pthread_mutex_lock(&io->out_lock);
    if (io->out_broken || write_all(io->out_fd, json, len) != 0 ||
        write_all(io->out_fd, "\n", 1) != 0) {
        io->out_broken = 1;
        rc = -1;
    }
    pthread_mutex_unlock(&io->out_lock);
    return rc;
}

/* A JSON-RPC error without id, for input the engine never sees (an over-long line). */
static void out_error(struct stdio_io *io, int code, const char *message)
{
    char line[256];
    int n = snprintf(line, sizeof line,
                     "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":%d,\"message\":\"%s\"}}", code,
                     message);
    out_send(io, line, (size_t)n, 1);
}

/* A JSON-RPC error echoing the request's id (when it has one), for requests refused here. */
static void out_error_for(struct stdio_io *io, const char *line, size_t len, int code,
                          const char *message)
{
    cJSON *req = cJSON_ParseWithLengthOpts(line, len, NULL, 0);
    cJSON *id = cJSON_IsObject(req) ? cJSON_GetObjectItemCaseSensitive(req, "id") : NULL;
    cJSON *resp = cJSON_CreateObject();
    cJSON_AddStringToObject(resp, "jsonrpc", "2.0");
    if (cJSON_IsString(id) || cJSON_IsNumber(id))
        cJSON_AddItemToObject(resp, "id", cJSON_Duplicate(id, 1));
    cJSON *err = cJSON_AddObjectToObject(resp, "error");
    cJSON_AddNumberToObject(err, "code", code);
    cJSON_AddStringToObject(err, "message", message);
    char *text = cJSON_PrintUnformatted(resp);
    out_send(io, text, strlen(text), 1);
    free(text);
    cJSON_Delete(resp);
    cJSON_Delete(req);
}

static void handle(struct stdio_io *io, const char *line, size_t len)
{
    struct mcp_sink sink = {.ctx = io, .send = out_send, .close_stream = NULL};
    mcp_engine_handle(io->engine, io->session, line, len, &sink);
}

static void *job_main(void *arg)
{
    struct stdio_job *job = arg;
    struct stdio_io *io = job->io;
    handle(io, job->line, job->len);
    free(job->line);
    free(job);
    pthread_mutex_lock(&io->lock);
    io->workers--;
    pthread_cond_broadcast(&io->cond);
    pthread_mutex_unlock(&io->lock);
    return NULL;
}

/* Run a request on a worker thread; refused as ERR_UNAVAILABLE (-32000) when
 * STDIO_MAX_WORKERS are busy. */
static void dispatch_request(struct stdio_io *io, const char *line, size_t len)
{
    pthread_mutex_lock(&io->lock);
    int ok = io->workers < STDIO_MAX_WORKERS;
    if (ok)
        io->workers++;
    pthread_mutex_unlock(&io->lock);
    if (!ok) {
        out_error_for(io, line, len, srv_err(ERR_UNAVAILABLE)->rpc_code,
                      "server busy: too many requests running");
        return;
    }
    struct stdio_job *job = xcalloc(1, sizeof *job);
    job->io = io;
    job->line = xstrndup(line, len);
    job->len = len;
    pthread_t tid;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&tid, &attr, job_main, job);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        free(job->line);
        free(job);
        pthread_mutex_lock(&io->lock);
        io->workers--;
        pthread_mutex_unlock(&io->lock);
        out_error_for(io, line, len, srv_err(ERR_INTERNAL)->rpc_code,
                      "cannot start a worker thread");
    }
}

/* One complete line (without its newline). Blank lines are ignored. Initialize,
 * notifications, responses and malformed input are handled in order on this thread; only
 * requests go to workers, so an initialize always completes before what follows it. The era
 * is the message's own: a request whose _meta claims a version (a modern client, which
 * probes with server/discover) is served statelessly, anything else as the legacy session
 * of this process; old and new clients share the one binary. */
static void on_line(struct stdio_io *io, char *line, size_t len)
{
    if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i == len)
        return;
    enum mcp_kind kind = mcp_classify(line, len);
    if (kind == MCP_KIND_REQUEST || kind == MCP_KIND_MODERN)
        dispatch_request(io, line, len);
    else
        handle(io, line, len);
}

int stdio_serve(mcp_engine *engine, int in_fd, int out_fd)
{
    struct stdio_io io = {.engine = engine, .out_fd = out_fd};
    struct buf line;
    char *chunk = xmalloc(STDIO_READ_CHUNK);
    int discarding = 0; /* inside a line past STDIO_MAX_LINE: skip to its newline */
    int status = 0;
    signal(SIGPIPE, SIG_IGN);
    pthread_mutex_init(&io.out_lock, NULL);
    pthread_mutex_init(&io.lock, NULL);
    pthread_cond_init(&io.cond, NULL);
    io.session = mcp_session_open(engine);
    buf_init(&line, (size_t)STDIO_MAX_LINE);
    for (;;) {
        ssize_t n = read(in_fd, chunk, STDIO_READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            log_write(LOG_LEVEL_ERROR, "stdin: %s", strerror(errno));
            status = 1;
            break;
        }
        if (n == 0)
            break;
        const char *p = chunk, *end = chunk + n;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t take = (size_t)((nl ? nl : end) - p);
            if (!discarding && buf_append(&line, p, take) != ERR_OK) {
                discarding = 1;
                buf_reset(&line);
                out_error(&io, srv_err(ERR_TOO_BIG)->rpc_code, "message too large");
                log_write(LOG_LEVEL_WARN, "stdin: a line over %ld bytes was dropped",
                          (long)STDIO_MAX_LINE);
            }
            if (!nl)
                break;
            if (!discarding && line.len > 0)
                on_line(&io, line.data, line.len);
            discarding = 0;
            buf_reset(&line);
            p = nl + 1;
        }
    }
    if (!discarding && line.len > 0)
        on_line(&io, line.data, line.len); /* a last line without newline */
    /* EOF: let running requests finish (server->client waits are bounded by the engine);
     * open subscriptions/listen requests end now. */
    mcp_engine_shutdown(engine);
    pthread_mutex_lock(&io.lock);
    while (io.workers > 0)
        pthread_cond_wait(&io.cond, &io.lock);
    pthread_mutex_unlock(&io.lock);
    mcp_session_end(engine, io.session);
    mcp_session_release(io.session);
    buf_release(&line);
    free(chunk);
    pthread_mutex_destroy(&io.out_lock);
    pthread_mutex_destroy(&io.lock);
    pthread_cond_destroy(&io.cond);
    return status;
}
