/* http_mcp.c - the Streamable HTTP transport on /mcp (MCP 2025-11-25 §Transports): header
 * and session rules, POST handled inline (initialize, notifications, malformed input) or on
 * a worker (requests) with the JSON-or-SSE choice made lazily from the first message the
 * engine sends, GET + Last-Event-ID resume, DELETE; every answer inside a session names it
 * (Mcp-Session-Id, the id as last sealed). Layer: server/http. Streams, workers and the SSE
 * reader are in http_stream.c; the 2024-11-05 HTTP+SSE transport in http_legacy.c. */
#include "server/http/http_stream.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct collect {
    char *json;
    size_t len;
};

static int collect_send(void *ctx, const char *json, size_t len, int final)
{
    struct collect *k = ctx;
    if (final) {
        free(k->json);
        k->json = xstrndup(json, len);
        k->len = len;
    }
    return 0;
}

static enum MHD_Result reply_message(struct http_req *r, struct MHD_Connection *c,
                                     unsigned status, const struct collect *k, unsigned accept,
                                     const char *const *headers)
{
    if (!k->json)
        return http_reply(r, c, MHD_HTTP_ACCEPTED, NULL, "", 0, headers);
    if ((accept & HTTP_ACCEPT_JSON) || status != MHD_HTTP_OK)
        return http_reply(r, c, status, "application/json", k->json, k->len, headers);
    struct buf ev;
    buf_init(&ev, 0);
    http_sse_event(&ev, NULL, k->json, k->len);
    enum MHD_Result ret = http_reply(r, c, status, "text/event-stream", ev.data, ev.len, headers);
    buf_release(&ev);
    return ret;
}

/* The response header naming the session by the id its client should send from now on (it
 * changes when the session's sealed state does: logging/setLevel). headers gets the pair. */
static void session_header(mcp_session *s, char sid[MCP_SESSION_ID_MAX], const char *headers[3])
{
    mcp_session_token(s, sid, MCP_SESSION_ID_MAX);
    headers[0] = "Mcp-Session-Id";
    headers[1] = sid;
    headers[2] = NULL;
}

/* The status of a JSON answer to an engine outcome (the modern era's refusals are 400 and
 * 404; every answer that ran a handler is 200). */
static unsigned outcome_status(enum mcp_outcome out)
{
    return out == MCP_OUT_REJECTED ? MHD_HTTP_BAD_REQUEST
           : out == MCP_OUT_NO_METHOD ? MHD_HTTP_NOT_FOUND
                                      : MHD_HTTP_OK;
}

/* Answer a request whose worker runs: suspend until there is something to say. */
static enum MHD_Result stream_respond(struct http_req *r, struct MHD_Connection *c)
{
    struct mcp_stream *st = r->stream;
    enum MHD_Result ret = MHD_YES;
    pthread_mutex_lock(&st->lock);
    if (st->mode == MODE_SSE) {
        ret = http_reply_sse(r, c, st);
    } else if (st->aborted && !st->worker_done) {
        st->peer_gone = 1;
        pthread_mutex_unlock(&st->lock);
        return http_error(r, c, ERR_UNAVAILABLE, "server is shutting down");
    } else if (!st->worker_done) {
        st->suspended = 1;
        MHD_suspend_connection(c);
    } else {
        struct collect k = {.json = st->final_json, .len = st->final_len};
        unsigned status = outcome_status(st->outcome);
        char sid[MCP_SESSION_ID_MAX];
        const char *headers[3] = {NULL};
        if (st->sess) /* modern requests have no session to name */
            session_header(st->sess, sid, headers);
        st->mode = MODE_JSON;
        ret = reply_message(r, c, status, &k, HTTP_ACCEPT_JSON, headers);
    }
    pthread_mutex_unlock(&st->lock);
    return ret;
}

/* ---- POST ----------------------------------------------------------------------------------------*/

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* Look up the session named by the request; queues 400/404 and returns NULL on failure. */
static mcp_session *session_of(struct http_req *r, struct MHD_Connection *c,
                               enum MHD_Result *ret)
{
    const char *sid = header(c, "Mcp-Session-Id");
    mcp_session *s = NULL;
    if (!sid || !*sid)
        *ret = http_error(r, c, ERR_INVALID, "Bad Request: Mcp-Session-Id header is required");
    else if (strlen(sid) >= MCP_SID_MAX || !(s = mcp_session_find(r->srv->engine, sid)))
        *ret = http_session_not_found(r, c);
    return s;
}

/* initialize runs on a session outside the table, which enters it only when initialize
 * succeeded: a failed initialize creates no session and evicts none. A session header on an
 * initialize is ignored (a client that starts over gets a fresh session). */
static enum MHD_Result post_initialize(struct http_req *r, struct MHD_Connection *c,
                                       unsigned accept)
{
    mcp_engine *e = r->srv->engine;
    struct collect k = {0};
    struct mcp_sink sink = {.ctx = &k, .send = collect_send};
    mcp_session *s = mcp_session_new(e);
    enum mcp_outcome out = mcp_engine_handle(e, s, r->body.data, r->body.len, &sink);
    char sid[MCP_SESSION_ID_MAX];
    const char *headers[3];
    int ok = mcp_session_version(s) != NULL;
    if (ok) {
        mcp_session_publish(e, s);
        session_header(s, sid, headers);
    }
    mcp_session_release(s);
    unsigned status = out == MCP_OUT_REJECTED ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_OK;
    enum MHD_Result ret = reply_message(r, c, status, &k, accept, ok ? headers : NULL);
    free(k.json);
    return ret;
}

/* Start a worker for a request (sess: its session, a reference the worker takes over; NULL
 * for a modern request) and answer from its stream. */
static enum MHD_Result post_request(struct http_req *r, struct MHD_Connection *c,
                                    unsigned accept, mcp_session *s)
{
    http_mcp *t = r->srv->mcp;
    const char *body = r->body.data ? r->body.data : "";
    const char *version = s ? mcp_session_version(s) : NULL;
    int priming = version && strcmp(version, MCP_LATEST_VERSION) >= 0;
    struct http_mcp_headers hdr;
    http_mcp_headers_read(c, &hdr);
    struct mcp_stream *st = http_stream_new(t, s, accept, priming);
    if (!http_stream_list(t, st) || !http_worker_start(t, st, s, body, r->body.len, &hdr)) {
        http_mcp_headers_release(&hdr);
        http_stream_unlist(t, st);
        http_stream_unref(st);
        mcp_session_release(s);
        return http_error(r, c, ERR_UNAVAILABLE, "server is busy or stopping; retry later");
    }
    pthread_mutex_lock(&st->lock);
    st->conn = c;
    pthread_mutex_unlock(&st->lock);
    r->stream = st; /* the request's reference */
    return stream_respond(r, c);
}

/* A modern request: served without a session (an Mcp-Session-Id header is ignored, as the
 * 2026-07-28 transport says), each on its own worker and stream. subscriptions/listen only
 * makes sense as an event stream: a client that cannot take one gets 406. */
static enum MHD_Result post_modern(struct http_req *r, struct MHD_Connection *c,
                                   unsigned accept)
{
    const char *method = header(c, "Mcp-Method");
    if (method && strcmp(method, "subscriptions/listen") == 0 && !(accept & HTTP_ACCEPT_SSE))
        return http_refuse(r, c, MHD_HTTP_NOT_ACCEPTABLE,
                           "Not Acceptable: subscriptions/listen needs Accept: text/event-stream");
    return post_request(r, c, accept, NULL);
}

static enum MHD_Result post_message(struct http_req *r, struct MHD_Connection *c,
                                    unsigned accept)
{
    mcp_engine *e = r->srv->engine;
    const char *body = r->body.data ? r->body.data : "";
    enum mcp_kind kind = mcp_classify(body, r->body.len);
    enum MHD_Result ret = MHD_YES;
    const char *version = header(c, "MCP-Protocol-Version");
    int modern_header = version && mcp_version_is_modern(version);
    /* The era: a body that claims a version, or a request whose header names a modern one
     * (the engine then refuses it for its missing _meta), is modern; the rest is legacy and
     * answered exactly as before the modern era existed. */
    if (kind == MCP_KIND_MODERN ||
        (modern_header && (kind == MCP_KIND_REQUEST || kind == MCP_KIND_INITIALIZE)))
        return post_modern(r, c, accept);
    if (modern_header && kind == MCP_KIND_NOTIFY && !header(c, "Mcp-Session-Id"))
        return http_reply(r, c, MHD_HTTP_ACCEPTED, NULL, "", 0, NULL); /* none is defined */
    if (version && !mcp_version_supported(version))
        return http_error(r, c, ERR_INVALID, "Bad Request: unsupported MCP-Protocol-Version");
    if (kind == MCP_KIND_INVALID) {
        struct collect k = {0};
        struct mcp_sink sink = {.ctx = &k, .send = collect_send};
        mcp_engine_handle(e, NULL, body, r->body.len, &sink);
        ret = reply_message(r, c, MHD_HTTP_BAD_REQUEST, &k, accept, NULL);
        free(k.json);
        return ret;
    }
    if (kind == MCP_KIND_INITIALIZE)
        return post_initialize(r, c, accept);
    mcp_session *s = session_of(r, c, &ret);
    if (!s)
        return ret;
    if (kind == MCP_KIND_NOTIFY) {
        struct collect k = {0};
        struct mcp_sink sink = {.ctx = &k, .send = collect_send};
        enum mcp_outcome out = mcp_engine_handle(e, s, body, r->body.len, &sink);
        char sid[MCP_SESSION_ID_MAX];
        const char *headers[3];
        session_header(s, sid, headers);
        mcp_session_release(s);
        ret = reply_message(r, c, out == MCP_OUT_REJECTED ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_OK,
                            &k, accept, headers);
        free(k.json);
        return ret;
    }
    return post_request(r, c, accept, s);
}

/* ---- GET (resume) and DELETE -------------------------------------------------------------------*/

static enum MHD_Result get_resume(struct http_req *r, struct MHD_Connection *c)
{
    enum MHD_Result ret = MHD_YES;
    const char *last = header(c, "Last-Event-ID");
    char id[MCP_STREAM_ID_HEX + 1];
    unsigned long seq;
    /* A GET without a session that asks for an event stream is a 2024-11-05 client (or
     * mcp-remote's SSE fallback) at this URL: it gets the HTTP+SSE transport, as the
     * specification's backwards-compatibility section suggests. */
    const char *accept = header(c, "Accept");
    if (!last && !header(c, "Mcp-Session-Id") && accept &&
        (http_accept_parse(accept) & HTTP_ACCEPT_SSE))
        return http_legacy_open(r, c);
    /* No standalone server->client stream is offered: 405 tells SDK clients "not offered". */
    if (!last)
        return http_refuse(r, c, MHD_HTTP_METHOD_NOT_ALLOWED,
                           "Method Not Allowed: no standalone SSE stream");
    if (!(http_accept_parse(header(c, "Accept")) & HTTP_ACCEPT_SSE))
        return http_refuse(r, c, MHD_HTTP_NOT_ACCEPTABLE,
                           "Not Acceptable: GET needs Accept: text/event-stream");
    mcp_session *s = session_of(r, c, &ret);
    if (!s)
        return ret;
    struct mcp_stream *st = NULL;
    if (http_parse_event_id(last, id, sizeof id, &seq) == ERR_OK)
        st = http_stream_find(r->srv->mcp, id, mcp_session_id(s));
    mcp_session_release(s);
    if (!st)
        return http_refuse(r, c, MHD_HTTP_METHOD_NOT_ALLOWED,
                           "no stream to resume for that Last-Event-ID");
    pthread_mutex_lock(&st->lock);
    if (st->conn || st->ended || st->aborted) {
        pthread_mutex_unlock(&st->lock);
        http_stream_unref(st);
        return http_error(r, c, ERR_WRONG_STATE, "that stream is being read already or has ended");
    }
    while (st->head && st->head->seq <= seq) {
        struct frame *f = st->head;
        st->head = f->next;
        st->queued -= f->len;
        free(f);
    }
    if (!st->head)
        st->tail = NULL;
    buf_reset(&st->out);
    st->out_off = 0;
    st->end_after_out = 0;
    st->conn = c;
    st->detached_ns = 0;
    st->last_io_ns = now_ns();
    r->stream = st; /* the request's reference (from http_stream_find) */
    ret = http_reply_sse(r, c, st);
    pthread_mutex_unlock(&st->lock);
    return ret;
}

static enum MHD_Result delete_session(struct http_req *r, struct MHD_Connection *c)
{
    http_mcp *t = r->srv->mcp;
    const char *token = header(c, "Mcp-Session-Id");
    char sid[MCP_SID_MAX];
    if (!token || !*token)
        return http_error(r, c, ERR_INVALID, "Bad Request: Mcp-Session-Id header is required");
    if (strlen(token) >= MCP_SID_MAX || mcp_session_key(r->srv->engine, token, sid, sizeof sid) ||
        mcp_session_close(r->srv->engine, token) != ERR_OK)
        return http_session_not_found(r, c);
    /* Streams waiting to be resumed in that session will never be. */
    struct mcp_stream *drop[64];
    size_t n = 0;
    pthread_mutex_lock(&t->lock);
    for (struct mcp_stream *st = t->streams, *next; st && n < ARRAY_LEN(drop); st = next) {
        next = st->next;
        pthread_mutex_lock(&st->lock);
        int idle = strcmp(st->sid, sid) == 0 && !st->conn;
        if (idle)
            st->peer_gone = 1;
        pthread_mutex_unlock(&st->lock);
        if (idle && http_stream_unlist_locked(t, st))
            drop[n++] = st;
    }
    pthread_mutex_unlock(&t->lock);
    for (size_t i = 0; i < n; i++)
        http_stream_unref(drop[i]);
    return http_reply(r, c, MHD_HTTP_OK, NULL, "", 0, NULL);
}

/* ---- Entry points from http.c ---------------------------------------------------------------*/

enum MHD_Result http_mcp_begin(struct http_req *r, struct MHD_Connection *c)
{
    const char *method = r->method;
    if (r->route->kind == ROUTE_SSE)
        return http_legacy_open(r, c);
    if (r->route->kind == ROUTE_MESSAGES)
        return http_legacy_begin(r, c);
    if (strcmp(method, "GET") == 0)
        return get_resume(r, c);
    if (strcmp(method, "DELETE") == 0)
        return delete_session(r, c);
    if (!http_accept_parse(header(c, "Accept")))
        return http_refuse(r, c, MHD_HTTP_NOT_ACCEPTABLE,
                           "Not Acceptable: Accept must allow application/json or "
                           "text/event-stream");
    if (!http_content_type_is_json(header(c, MHD_HTTP_HEADER_CONTENT_TYPE)))
        return http_error(r, c, ERR_UNSUPPORTED,
                          "Unsupported Media Type: Content-Type must be application/json");
    /* MCP-Protocol-Version is judged with the body (http_mcp_finish): an unsupported version
     * is -32022 for a modern request and a plain 400 for a legacy one. */
    return MHD_YES;
}

enum MHD_Result http_mcp_finish(struct http_req *r, struct MHD_Connection *c)
{
    if (r->route->kind == ROUTE_MESSAGES)
        return http_legacy_post(r, c);
    if (r->stream)
        return stream_respond(r, c); /* resumed: the worker has something to say */
    pthread_mutex_lock(&r->srv->mcp->lock);
    int stopping = r->srv->mcp->stopping;
    pthread_mutex_unlock(&r->srv->mcp->lock);
    if (stopping)
        return http_error(r, c, ERR_UNAVAILABLE, "server is shutting down");
    return post_message(r, c, http_accept_parse(header(c, "Accept")));
}

void http_mcp_done(struct http_req *r)
{
    struct mcp_stream *st = r->stream;
    if (r->route->kind == ROUTE_MESSAGES) { /* a POST's hold on its session's stream */
        r->stream = NULL;
        http_stream_unref(st);
        return;
    }
    if (st->legacy) { /* an event stream of the 2024-11-05 transport (/sse, or GET /mcp) */
        http_legacy_done(r);
        return;
    }
    r->stream = NULL;
    pthread_mutex_lock(&st->lock);
    st->conn = NULL;
    st->suspended = 0;
    st->detached_ns = now_ns();
    int complete = st->ended || st->mode != MODE_SSE || st->aborted ||
                   (st->worker_done && !st->head);
    int resumable = !complete && st->ids_sent;
    if (!resumable)
        st->peer_gone = 1;
    pthread_mutex_unlock(&st->lock);
    if (!resumable)
        http_stream_unlist(st->t, st);
    http_stream_unref(st);
}
