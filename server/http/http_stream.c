/* http_stream.c - the streams behind /mcp responses: per-request frame queues, the engine's
 * sink, worker threads, the SSE reader libmicrohttpd pulls from, keep-alives and expiry of
 * streams nobody resumed. Layer: server/http. The request rules live in http_mcp.c.
 *
 * Threads: MHD's pool threads run the access handler and the SSE reader; one worker thread
 * per running request runs mcp_engine_handle and pushes messages through the sink; a ticker
 * thread sends keep-alives and expires streams nobody resumed. A stream is the meeting point:
 * the worker appends frames under the stream's lock and resumes the suspended connection,
 * the reader drains frames and suspends the connection when there is nothing to send
 * (MHD's internal polling must never be made to busy-wait). Lock order: transport, then
 * stream; MHD_suspend/resume_connection are only called with the stream lock held, and the
 * connection pointer is cleared (under the same lock) by the completion callback. */
#include "server/http/http_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>


/* ---- Streams --------------------------------------------------------------------------------*/

struct mcp_stream *http_stream_new(http_mcp *t, mcp_session *sess, unsigned accept,
                                   int priming_ok)
{
    struct mcp_stream *st = xcalloc(1, sizeof *st);
    unsigned char raw[MCP_STREAM_ID_HEX / 2];
    pthread_mutex_init(&st->lock, NULL);
    st->refs = 1;
    st->t = t;
    random_bytes(raw, sizeof raw);
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(st->id + 2 * i, 3, "%02x", raw[i]);
    if (sess) {
        mcp_session_retain(sess);
        snprintf(st->sid, sizeof st->sid, "%s", mcp_session_id(sess));
    }
    st->sess = sess;
    st->modern = sess == NULL;
    st->accept = accept;
    st->priming_ok = priming_ok;
    st->last_io_ns = now_ns();
    buf_init(&st->out, 0);
    return st;
}

void http_stream_ref(struct mcp_stream *st)
{
    pthread_mutex_lock(&st->lock);
    st->refs++;
    pthread_mutex_unlock(&st->lock);
}

void http_stream_unref(struct mcp_stream *st)
{
    if (!st)
        return;
    pthread_mutex_lock(&st->lock);
    int last = --st->refs == 0;
    pthread_mutex_unlock(&st->lock);
    if (!last)
        return;
    for (struct frame *f = st->head, *next; f; f = next) {
        next = f->next;
        free(f);
    }
    free(st->final_json);
    buf_release(&st->out);
    mcp_session_release(st->sess);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

/* Add to the transport's list (taking a reference); 0 if the list is full. */
int http_stream_list(http_mcp *t, struct mcp_stream *st)
{
    pthread_mutex_lock(&t->lock);
    int ok = t->nstreams < MCP_MAX_STREAMS && !t->stopping &&
             (!st->legacy || t->nlegacy < MCP_LEGACY_STREAMS_MAX);
    if (ok) {
        t->nlegacy += st->legacy != 0;
        http_stream_ref(st);
        st->listed = 1;
        st->next = t->streams;
        if (t->streams)
            t->streams->prev = st;
        t->streams = st;
        t->nstreams++;
    }
    pthread_mutex_unlock(&t->lock);
    return ok;
}

/* Remove from the list with t->lock held; returns 1 if the caller must drop the list's
 * reference (after unlocking). */
int http_stream_unlist_locked(http_mcp *t, struct mcp_stream *st)
{
    if (!st->listed)
        return 0;
    if (st->prev)
        st->prev->next = st->next;
    else
        t->streams = st->next;
    if (st->next)
        st->next->prev = st->prev;
    st->prev = st->next = NULL;
    st->listed = 0;
    t->nstreams--;
    t->nlegacy -= st->legacy != 0;
    return 1;
}

void http_stream_unlist(http_mcp *t, struct mcp_stream *st)
{
    pthread_mutex_lock(&t->lock);
    int drop = http_stream_unlist_locked(t, st);
    pthread_mutex_unlock(&t->lock);
    if (drop)
        http_stream_unref(st);
}

/* With st->lock held: let a suspended reader run again. */
void http_stream_wake(struct mcp_stream *st)
{
    if (st->conn && st->suspended) {
        st->suspended = 0;
        MHD_resume_connection(st->conn);
    }
}

/* With st->lock held: append a chunk. ERR_TOO_BIG past the queue limits. */
static err_code stream_push(struct mcp_stream *st, const char *text, size_t len, int end)
{
    if (st->queued + len > MCP_STREAM_QUEUE_MAX || st->nframes >= MCP_STREAM_FRAMES_MAX)
        return ERR_TOO_BIG;
    st->nframes++;
    struct frame *f = xmalloc(sizeof *f + len);
    f->next = NULL;
    f->seq = st->seq;
    f->end_response = end;
    f->len = len;
    memcpy(f->text, text, len);
    if (st->tail)
        st->tail->next = f;
    else
        st->head = f;
    st->tail = f;
    st->queued += len;
    return ERR_OK;
}

err_code http_stream_push(struct mcp_stream *st, const char *text, size_t len)
{
    return stream_push(st, text, len, 0);
}

/* With st->lock held: queue one SSE event (json NULL: the priming event). Legacy streams are
 * never resumed, so their events carry no id. */
static err_code stream_event(struct mcp_stream *st, const char *json, size_t len)
{
    char id[MCP_STREAM_ID_HEX + 24];
    struct buf ev;
    if (json)
        st->seq++;
    snprintf(id, sizeof id, "%s-%lu", st->id, st->seq);
    buf_init(&ev, MCP_STREAM_QUEUE_MAX);
    int ids = !st->legacy && !st->modern; /* only 2025-era streams may be resumed */
    err_code rc = http_sse_event(&ev, ids ? id : NULL, json, len);
    if (rc == ERR_OK)
        rc = stream_push(st, ev.data, ev.len, 0);
    if (rc == ERR_OK && ids)
        st->ids_sent = 1;
    buf_release(&ev);
    return rc;
}

/* With st->lock held: switch a pending stream to SSE, priming it for 2025-11-25 sessions. */
static void stream_start_sse(struct mcp_stream *st)
{
    st->mode = MODE_SSE;
    if (st->priming_ok)
        stream_event(st, NULL, 0);
}

/* ---- The engine's sink ----------------------------------------------------------------------*/

static int stream_sink_send(void *ctx, const char *json, size_t len, int final)
{
    struct mcp_stream *st = ctx;
    int rc = 0;
    pthread_mutex_lock(&st->lock);
    if (st->aborted || st->peer_gone) {
        rc = -1;
    } else if (st->mode == MODE_PENDING && final && (st->accept & HTTP_ACCEPT_JSON)) {
        free(st->final_json);
        st->final_json = xstrndup(json, len);
        st->final_len = len;
    } else if (st->mode == MODE_PENDING && (st->accept & HTTP_ACCEPT_SSE)) {
        stream_start_sse(st);
        rc = stream_event(st, json, len) == ERR_OK ? 0 : -1;
        http_stream_wake(st);
    } else if (st->mode == MODE_SSE) {
        rc = stream_event(st, json, len) == ERR_OK ? 0 : -1;
        http_stream_wake(st);
    }
    /* else: a progress or log message for a client that accepts only JSON is dropped */
    if (rc < 0 && st->legacy && !st->peer_gone) {
        /* The reader of a whole session fell behind: end its stream (and so the session). */
        st->closing = 1;
        http_stream_wake(st);
    }
    if (rc < 0)
        st->peer_gone = 1;
    pthread_mutex_unlock(&st->lock);
    return rc;
}

static void stream_sink_close(void *ctx, unsigned retry_ms)
{
    struct mcp_stream *st = ctx;
    char line[48];
    pthread_mutex_lock(&st->lock);
    /* Only resumable streams may be closed: ids (priming) and a reader that speaks SSE. */
    if (st->priming_ok && (st->accept & HTTP_ACCEPT_SSE) && !st->aborted && !st->peer_gone &&
        st->mode != MODE_JSON) {
        if (st->mode == MODE_PENDING)
            stream_start_sse(st);
        int n = snprintf(line, sizeof line, "retry: %u\n\n", retry_ms);
        stream_push(st, line, (size_t)n, 1);
        http_stream_wake(st);
    }
    pthread_mutex_unlock(&st->lock);
}

/* 0 once nobody reads st: the client closed the response, or the server is stopping. */
static int stream_sink_alive(void *ctx)
{
    struct mcp_stream *st = ctx;
    pthread_mutex_lock(&st->lock);
    int alive = !st->peer_gone && !st->aborted;
    pthread_mutex_unlock(&st->lock);
    return alive;
}

struct mcp_sink http_stream_sink(struct mcp_stream *st)
{
    struct mcp_sink sink = {.ctx = st, .send = stream_sink_send, .close_stream = stream_sink_close,
                            .alive = stream_sink_alive};
    return sink;
}

/* ---- Headers ----------------------------------------------------------------------------------*/

#define PARAM_PREFIX "Mcp-Param-"

/* A copy of a field value without the optional whitespace around it (RFC 9110 §5.5: it is
 * not part of the value). */
static char *field_value(const char *v)
{
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    return xstrndup(v, n);
}

static enum MHD_Result param_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    struct http_mcp_headers *x = cls;
    (void)kind;
    size_t pl = strlen(PARAM_PREFIX);
    if (!key || !value || strncasecmp(key, PARAM_PREFIX, pl) != 0 || !key[pl] ||
        x->h.nparams >= MCP_HTTP_PARAMS_MAX)
        return MHD_YES;
    x->owned[x->nowned++] = xstrdup(key + pl);
    x->owned[x->nowned++] = field_value(value);
    x->h.params[2 * x->h.nparams] = x->owned[x->nowned - 2];
    x->h.params[2 * x->h.nparams + 1] = x->owned[x->nowned - 1];
    x->h.nparams++;
    return MHD_YES;
}

/* Copy header name of c into x; returns the copy or NULL. */
static const char *copy_header(struct MHD_Connection *c, const char *name,
                               struct http_mcp_headers *x)
{
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
    if (!v)
        return NULL;
    x->owned[x->nowned++] = field_value(v);
    return x->owned[x->nowned - 1];
}

void http_mcp_headers_read(struct MHD_Connection *c, struct http_mcp_headers *x)
{
    memset(x, 0, sizeof *x);
    x->h.protocol_version = copy_header(c, "MCP-Protocol-Version", x);
    x->h.method = copy_header(c, "Mcp-Method", x);
    x->h.name = copy_header(c, "Mcp-Name", x);
    MHD_get_connection_values(c, MHD_HEADER_KIND, param_header, x);
}

void http_mcp_headers_release(struct http_mcp_headers *x)
{
    for (size_t i = 0; i < x->nowned; i++)
        free(x->owned[i]);
    memset(x, 0, sizeof *x);
}

/* ---- Workers ----------------------------------------------------------------------------------*/

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct mcp_stream *st = w->st;
    struct mcp_sink sink = http_stream_sink(st);
    enum mcp_outcome out =
        mcp_engine_handle_http(w->t->srv->engine, w->sess, w->body, w->len, &w->hdr.h, &sink);
    mcp_session_release(w->sess);
    http_mcp_headers_release(&w->hdr);
    pthread_mutex_lock(&st->lock);
    if (!st->legacy) { /* a legacy stream outlives each of its requests */
        st->outcome = out;
        st->worker_done = 1;
    }
    http_stream_wake(st);
    pthread_mutex_unlock(&st->lock);
    http_stream_unref(st);
    http_mcp *t = w->t;
    free(w->body);
    free(w);
    pthread_mutex_lock(&t->lock);
    t->workers--;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

/* Start a worker for one request; 0 when the worker cap is reached. */
int http_worker_start(http_mcp *t, struct mcp_stream *st, mcp_session *sess, const char *body,
                        size_t len, struct http_mcp_headers *hdr)
{
    pthread_mutex_lock(&t->lock);
    int ok = t->workers < t->max_workers && !t->stopping;
    if (ok)
        t->workers++;
    pthread_mutex_unlock(&t->lock);
    if (!ok) {
        if (hdr)
            http_mcp_headers_release(hdr);
        return 0;
    }
    struct worker *w = xcalloc(1, sizeof *w);
    w->t = t;
    w->st = st;
    w->sess = sess;
    w->body = xstrndup(body, len);
    w->len = len;
    if (hdr) {
        w->hdr = *hdr; /* taken: the pointers move with the copies */
        memset(hdr, 0, sizeof *hdr);
    }
    http_stream_ref(st);
    pthread_attr_t attr;
    pthread_t tid;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, MCP_WORKER_STACK);
    int rc = pthread_create(&tid, &attr, worker_main, w);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        http_stream_unref(st);
        free(w->body);
        http_mcp_headers_release(&w->hdr);
        free(w);
        pthread_mutex_lock(&t->lock);
        t->workers--;
        pthread_mutex_unlock(&t->lock);
        return 0;
    }
    return 1;
}

/* ---- Responses ----------------------------------------------------------------------------------*/

static ssize_t sse_read(void *cls, uint64_t pos, char *dst, size_t max)
{
    struct mcp_stream *st = cls;
    ssize_t ret;
    pthread_mutex_lock(&st->lock);
    for (;;) {
        if (st->out_off < st->out.len) {
            size_t n = st->out.len - st->out_off;
            n = n < max ? n : max;
            memcpy(dst, st->out.data + st->out_off, n);
            st->out_off += n;
            st->last_io_ns = now_ns();
            ret = (ssize_t)n;
            break;
        }
        buf_reset(&st->out);
        st->out_off = 0;
        if (st->aborted || st->end_after_out || st->closing) {
            st->end_after_out = 0;
            ret = MHD_CONTENT_READER_END_OF_STREAM;
            break;
        }
        if (st->head) {
            while (st->head && !st->end_after_out) {
                struct frame *f = st->head;
                st->head = f->next;
                if (!st->head)
                    st->tail = NULL;
                st->queued -= f->len;
                buf_append(&st->out, f->text, f->len);
                st->end_after_out = f->end_response;
                st->nframes--;
                free(f);
            }
            continue;
        }
        if (st->worker_done) {
            st->ended = 1;
            ret = MHD_CONTENT_READER_END_OF_STREAM;
            break;
        }
        if (st->keepalive_due) {
            st->keepalive_due = 0;
            buf_puts(&st->out, ": keepalive\n\n");
            continue;
        }
        st->suspended = 1;
        MHD_suspend_connection(st->conn);
        ret = 0;
        break;
    }
    pthread_mutex_unlock(&st->lock);
    return ret;
}

static void sse_free(void *cls)
{
    http_stream_unref(cls);
}

/* Queue the SSE response that reads st (called with st->lock held). */
enum MHD_Result http_reply_sse(struct http_req *r, struct MHD_Connection *c,
                                 struct mcp_stream *st)
{
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, MCP_SSE_BLOCK, sse_read, st, sse_free);
    if (!resp)
        return MHD_NO;
    st->refs++; /* the response's reference, dropped by sse_free */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    if (!st->legacy && st->sess) {
        char sid[MCP_SESSION_ID_MAX];
        mcp_session_token(st->sess, sid, sizeof sid);
        MHD_add_response_header(resp, "Mcp-Session-Id", sid);
    }
    http_cors_headers(r, resp);
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    r->status = MHD_HTTP_OK;
    r->responded = 1;
    return ret;
}

struct mcp_stream *http_stream_find(http_mcp *t, const char *id, const char *sid)
{
    struct mcp_stream *found = NULL;
    pthread_mutex_lock(&t->lock);
    for (struct mcp_stream *st = t->streams; st; st = st->next) {
        if (!st->legacy && strcmp(st->id, id) == 0 && strcmp(st->sid, sid) == 0) {
            http_stream_ref(st);
            found = st;
            break;
        }
    }
    pthread_mutex_unlock(&t->lock);
    return found;
}

struct mcp_stream *http_stream_find_legacy(http_mcp *t, const char *sid)
{
    struct mcp_stream *found = NULL;
    pthread_mutex_lock(&t->lock);
    for (struct mcp_stream *st = t->streams; st && !found; st = st->next)
        if (st->legacy && strlen(sid) == strlen(st->sid) &&
            ct_memcmp(st->sid, sid, strlen(sid)) == 0) {
            http_stream_ref(st);
            found = st;
        }
    pthread_mutex_unlock(&t->lock);
    return found;
}

/* ---- Ticker, start and stop -----------------------------------------------------------------*/

static void *ticker_main(void *arg)
{
    http_mcp *t = arg;
    pthread_mutex_lock(&t->lock);
    while (!t->ticker_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&t->cond, &t->lock, &ts);
        uint64_t now = now_ns();
        struct mcp_stream *expired[32];
        size_t n = 0;
        for (struct mcp_stream *st = t->streams, *next; st; st = next) {
            next = st->next;
            pthread_mutex_lock(&st->lock);
            if (st->conn && st->suspended && st->mode == MODE_SSE &&
                now - st->last_io_ns >= MCP_KEEPALIVE_S * 1000000000ull) {
                st->keepalive_due = 1;
                http_stream_wake(st);
            }
            if (st->legacy && st->conn && !st->closing &&
                now - st->last_post_ns >= MCP_LEGACY_IDLE_S * 1000000000ull) {
                st->closing = 1; /* ends the response; the completion ends the session */
                http_stream_wake(st);
            }
            int expire = !st->conn && st->detached_ns &&
                         now - st->detached_ns >= MCP_DETACHED_TTL_S * 1000000000ull;
            if (expire)
                st->peer_gone = 1;
            pthread_mutex_unlock(&st->lock);
            if (expire && n < ARRAY_LEN(expired) && http_stream_unlist_locked(t, st))
                expired[n++] = st;
        }
        pthread_mutex_unlock(&t->lock);
        for (size_t i = 0; i < n; i++)
            http_stream_unref(expired[i]);
        pthread_mutex_lock(&t->lock);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

http_mcp *http_mcp_new(struct http_server *srv)
{
    http_mcp *t = xcalloc(1, sizeof *t);
    t->srv = srv;
    t->max_workers = srv->opts.max_workers ? srv->opts.max_workers : MCP_WORKERS_DEFAULT;
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->cond, NULL);
    if (pthread_create(&t->ticker, NULL, ticker_main, t) != 0) {
        fprintf(stderr, "skilld: cannot start a thread\n");
        abort();
    }
    return t;
}

void http_mcp_end_legacy(http_mcp *t)
{
    pthread_mutex_lock(&t->lock);
    for (struct mcp_stream *st = t->streams; st; st = st->next) {
        pthread_mutex_lock(&st->lock);
        if (st->legacy) {
            st->closing = 1;
            http_stream_wake(st);
        }
        pthread_mutex_unlock(&st->lock);
    }
    pthread_mutex_unlock(&t->lock);
}

void http_mcp_abort_streams(http_mcp *t)
{
    pthread_mutex_lock(&t->lock);
    t->stopping = 1;
    for (struct mcp_stream *st = t->streams; st; st = st->next) {
        pthread_mutex_lock(&st->lock);
        st->aborted = 1;
        http_stream_wake(st);
        pthread_mutex_unlock(&st->lock);
    }
    pthread_mutex_unlock(&t->lock);
}

/* Wait for the workers until deadline_ns (0: no deadline); 1 if none is left. */
static int wait_workers(http_mcp *t, uint64_t deadline_ns)
{
    pthread_mutex_lock(&t->lock);
    while (t->workers > 0 && (!deadline_ns || now_ns() < deadline_ns)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&t->cond, &t->lock, &ts);
    }
    int done = t->workers == 0;
    pthread_mutex_unlock(&t->lock);
    return done;
}

void http_mcp_free(http_mcp *t, unsigned grace_ms)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    t->stopping = 1;
    t->ticker_stop = 1;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->ticker, NULL);
    if (!wait_workers(t, now_ns() + (uint64_t)grace_ms * 1000000ull)) {
        /* Cancel what is still running by ending its session, then wait for it. The session
         * leaves this process only: a sealed id is rebuilt by the next one. */
        log_write(LOG_LEVEL_WARN, "cancelling MCP requests still running at shutdown");
        pthread_mutex_lock(&t->lock);
        for (struct mcp_stream *st = t->streams; st; st = st->next) {
            pthread_mutex_lock(&st->lock);
            int running = !st->worker_done;
            if (running && !st->sess)
                st->peer_gone = 1; /* a modern request: a gone peer is its cancellation */
            pthread_mutex_unlock(&st->lock);
            if (running && st->sess)
                mcp_session_end(t->srv->engine, st->sess);
        }
        pthread_mutex_unlock(&t->lock);
        wait_workers(t, 0);
    }
    pthread_mutex_lock(&t->lock);
    while (t->streams) {
        struct mcp_stream *st = t->streams;
        http_stream_unlist_locked(t, st);
        pthread_mutex_unlock(&t->lock);
        http_stream_unref(st);
        pthread_mutex_lock(&t->lock);
    }
    pthread_mutex_unlock(&t->lock);
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->cond);
    free(t);
}
