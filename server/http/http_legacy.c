/* http_legacy.c - the HTTP+SSE transport of MCP 2024-11-05, for clients that predate
 * Streamable HTTP (SDK 1.0.x, `mcp-remote --transport sse-only`): GET /sse opens an event
 * stream whose first event, `endpoint`, names /messages?sessionId=ID; the client POSTs each
 * JSON-RPC message there and gets 202, and every answer travels on the stream. Layer:
 * server/http.
 *
 * A legacy session lives exactly as long as its stream: it is never entered in the engine's
 * table (so it is never found by id, rebuilt, expired or evicted), and it ends when the
 * client goes away, the stream falls MCP_STREAM_FRAMES_MAX messages (or
 * MCP_STREAM_QUEUE_MAX bytes) behind, no POST arrives for MCP_LEGACY_IDLE_S, or the server
 * stops. At most MCP_LEGACY_STREAMS_MAX streams are open at once. The stream is an
 * mcp_stream marked legacy: the same queue, reader, keep-alives and workers as /mcp. */
#include "server/http/http_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

enum MHD_Result http_legacy_open(struct http_req *r, struct MHD_Connection *c)
{
    http_mcp *t = r->srv->mcp;
    char event[MCP_SID_MAX + 64];
    if (!(http_accept_parse(header(c, "Accept")) & HTTP_ACCEPT_SSE))
        return http_refuse(r, c, MHD_HTTP_NOT_ACCEPTABLE,
                           "Not Acceptable: " HTTP_LEGACY_SSE_PATH " needs Accept: "
                           "text/event-stream");
    mcp_session *sess = mcp_session_new(r->srv->engine);
    struct mcp_stream *st = http_stream_new(t, sess, HTTP_ACCEPT_SSE, 0);
    mcp_session_release(sess); /* the stream holds it */
    st->legacy = 1;
    st->mode = MODE_SSE;
    st->last_post_ns = now_ns();
    if (!http_stream_list(t, st)) {
        http_stream_unref(st);
        return http_error(r, c, ERR_UNAVAILABLE,
                          "too many open " HTTP_LEGACY_SSE_PATH " streams, or stopping; retry "
                          "later");
    }
    int n = snprintf(event, sizeof event, "event: endpoint\ndata: %s?sessionId=%s\n\n",
                     HTTP_LEGACY_MESSAGES_PATH, st->sid);
    pthread_mutex_lock(&st->lock);
    http_stream_push(st, event, (size_t)n);
    st->conn = c;
    r->stream = st; /* the request's reference (from http_stream_new) */
    enum MHD_Result ret = http_reply_sse(r, c, st);
    pthread_mutex_unlock(&st->lock);
    return ret;
}

enum MHD_Result http_legacy_begin(struct http_req *r, struct MHD_Connection *c)
{
    const char *sid = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "sessionId");
    if (!sid || !*sid)
        return http_error(r, c, ERR_INVALID,
                          "Bad Request: the sessionId query parameter is required");
    if (!http_content_type_is_json(header(c, MHD_HTTP_HEADER_CONTENT_TYPE)))
        return http_error(r, c, ERR_UNSUPPORTED,
                          "Unsupported Media Type: Content-Type must be application/json");
    struct mcp_stream *st = strlen(sid) < MCP_SID_MAX
                                ? http_stream_find_legacy(r->srv->mcp, sid)
                                : NULL;
    if (!st)
        return http_session_not_found(r, c);
    r->stream = st; /* this POST's reference, dropped in http_mcp_done */
    return MHD_YES;
}

struct collect_one {
    char *json;
};

static int collect_send(void *ctx, const char *json, size_t len, int final)
{
    struct collect_one *k = ctx;
    if (final && !k->json)
        k->json = xstrndup(json, len);
    return 0;
}

enum MHD_Result http_legacy_post(struct http_req *r, struct MHD_Connection *c)
{
    http_mcp *t = r->srv->mcp;
    mcp_engine *e = r->srv->engine;
    struct mcp_stream *st = r->stream;
    const char *body = r->body.data ? r->body.data : "";
    pthread_mutex_lock(&st->lock);
    int gone = st->peer_gone || st->closing || st->aborted;
    st->last_post_ns = now_ns();
    pthread_mutex_unlock(&st->lock);
    if (gone)
        return http_session_not_found(r, c);
    enum mcp_kind kind = mcp_classify(body, r->body.len);
    if (kind == MCP_KIND_INVALID) {
        /* Not JSON-RPC: the client hears it on this POST (there is no id to answer on the
         * stream with). */
        struct collect_one k = {0};
        struct mcp_sink sink = {.ctx = &k, .send = collect_send};
        mcp_engine_handle(e, NULL, body, r->body.len, &sink);
        enum MHD_Result ret = http_reply(r, c, MHD_HTTP_BAD_REQUEST, "application/json",
                                         k.json ? k.json : "", k.json ? strlen(k.json) : 0, NULL);
        free(k.json);
        return ret;
    }
    if (kind == MCP_KIND_REQUEST || kind == MCP_KIND_MODERN) {
        /* A request may run long or wait for the client (elicitation): a worker serves it
         * while this POST is answered at once. */
        mcp_session_retain(st->sess);
        if (!http_worker_start(t, st, st->sess, body, r->body.len, NULL)) {
            mcp_session_release(st->sess);
            return http_error(r, c, ERR_UNAVAILABLE, "server is busy or stopping; retry later");
        }
    } else {
        /* initialize, notifications and the client's answers: in order, here. */
        struct mcp_sink sink = http_stream_sink(st);
        mcp_engine_handle(e, st->sess, body, r->body.len, &sink);
    }
    return http_reply(r, c, MHD_HTTP_ACCEPTED, "text/plain", "Accepted", 8, NULL);
}

void http_legacy_done(struct http_req *r)
{
    struct mcp_stream *st = r->stream;
    r->stream = NULL;
    pthread_mutex_lock(&st->lock);
    st->conn = NULL;
    st->suspended = 0;
    st->peer_gone = 1;
    pthread_mutex_unlock(&st->lock);
    http_stream_unlist(st->t, st);
    mcp_session_end(r->srv->engine, st->sess); /* cancels what still runs for it */
    http_stream_unref(st);
}
