/* http_stream.h - private to server/http/http_mcp.c and http_stream.c: the stream that
 * carries one /mcp response (JSON or SSE) from a worker thread to libmicrohttpd, and the
 * transport state that owns streams and workers. Layer: server/http. */
#ifndef SKILLD_SERVER_HTTP_STREAM_H
#define SKILLD_SERVER_HTTP_STREAM_H

#include "server/http/http_internal.h"

#define MCP_STREAM_QUEUE_MAX (4 * 1024 * 1024) /* bytes queued for one slow or absent reader */
#define MCP_MAX_STREAMS 1024                    /* live streams, resumable ones included */
#define MCP_WORKERS_DEFAULT 64                  /* requests running at once */
#define MCP_DETACHED_TTL_S 300                  /* a stream waits this long to be resumed */
#define MCP_KEEPALIVE_S 15                      /* idle SSE streams get a comment this often */
#define MCP_SID_MAX MCP_SESSION_ID_MAX          /* bytes of an Mcp-Session-Id we look up */
#define MCP_STREAM_FRAMES_MAX 1024              /* messages queued for one slow reader */
#define MCP_LEGACY_STREAMS_MAX 128              /* open /sse streams (2024-11-05 transport) */
#define MCP_LEGACY_IDLE_S (8 * 3600)            /* an /sse stream without a POST this long ends */
#define MCP_STREAM_ID_HEX 16                    /* hex digits of a stream id */
#define MCP_SSE_BLOCK 4096                      /* MHD's block size for SSE responses */
#define MCP_WORKER_STACK (1024 * 1024)          /* stack of a worker thread */

enum stream_mode {
    MODE_PENDING, /* nothing sent yet: the response type is still open */
    MODE_JSON,    /* answered with one application/json body */
    MODE_SSE,     /* answering with text/event-stream */
};

/* One queued SSE chunk: an event, or the `retry:` line that ends the current response. */
struct frame {
    struct frame *next;
    unsigned long seq;  /* event sequence number (the last one before it for retry lines) */
    int end_response;   /* after this chunk the current response ends (close_stream) */
    size_t len;
    char text[];
};

struct mcp_stream {
    pthread_mutex_t lock;
    unsigned refs;                 /* request, response, worker and transport list */
    http_mcp *t;
    struct mcp_stream *prev, *next; /* t->streams, under t->lock */
    int listed;                    /* in t->streams (under t->lock) */
    char id[MCP_STREAM_ID_HEX + 1];
    mcp_session *sess;             /* the session (a reference) */
    char sid[MCP_SID_MAX];         /* its stable name (mcp_session_id) */
    int legacy;                    /* an /sse stream: carries a whole session, never resumed */
    int modern;                    /* answers a modern request: no session, no event ids (never
                                      resumed), and its closing cancels the request */
    int closing;                   /* end the SSE response now (legacy: idle, overflow) */
    uint64_t last_post_ns;         /* legacy: the last POST to /messages */
    unsigned accept;               /* HTTP_ACCEPT_* of the POST */
    int priming_ok;                /* session negotiated 2025-11-25 or later */
    enum stream_mode mode;
    struct frame *head, *tail;     /* frames not yet handed to a reader */
    size_t queued;                 /* bytes in the queue */
    size_t nframes;                /* frames in the queue */
    unsigned long seq;             /* last event sequence number used */
    char *final_json;              /* MODE_PENDING: the final message, held for a JSON answer */
    size_t final_len;
    enum mcp_outcome outcome;      /* valid once worker_done */
    int worker_done;               /* mcp_engine_handle returned */
    int ids_sent;                  /* an event id was queued: the client may resume */
    int ended;                     /* the SSE response ended after the last message */
    int peer_gone;                 /* nobody will read: the sink answers -1 */
    int aborted;                   /* the server is stopping */
    int keepalive_due;             /* the ticker asks for a keep-alive comment */
    struct MHD_Connection *conn;   /* the connection reading this stream, or NULL */
    int suspended;                 /* conn is suspended by us */
    uint64_t last_io_ns;           /* last bytes handed to MHD */
    uint64_t detached_ns;          /* when the last reader left (0 while attached) */
    struct buf out;                /* bytes being handed to MHD */
    size_t out_off;
    int end_after_out;             /* end the response once out is drained */
};

struct http_mcp {
    struct http_server *srv;
    pthread_mutex_t lock;
    pthread_cond_t cond;           /* workers finished, or the ticker must stop */
    struct mcp_stream *streams;    /* live streams (each holds a reference) */
    size_t nstreams;
    size_t nlegacy;                /* of which /sse streams */
    unsigned workers;              /* running worker threads */
    unsigned max_workers;
    int stopping;                  /* refuse new requests */
    int ticker_stop;
    pthread_t ticker;
};

/* The MCP headers of one POST, copied for the worker that serves it (the modern era's
 * header rules compare them with the body). */
struct http_mcp_headers {
    struct mcp_http_headers h;                    /* points into owned */
    char *owned[3 + 2 * MCP_HTTP_PARAMS_MAX];     /* the copies */
    size_t nowned;
};
/* Copy the MCP headers of c into x (x is zeroed first). */
void http_mcp_headers_read(struct MHD_Connection *c, struct http_mcp_headers *x);
void http_mcp_headers_release(struct http_mcp_headers *x);

struct worker {
    http_mcp *t;
    struct mcp_stream *st; /* reference */
    mcp_session *sess;     /* reference, or NULL (a modern request) */
    char *body;
    size_t len;
    struct http_mcp_headers hdr; /* owned */
};

/* A new stream for session sess (a reference is taken; NULL for a modern request; one
 * reference on the stream, the caller's). */
struct mcp_stream *http_stream_new(http_mcp *t, mcp_session *sess, unsigned accept,
                                   int priming_ok);
void http_stream_ref(struct mcp_stream *st);
/* Drop a reference; the last one frees. Accepts NULL. */
void http_stream_unref(struct mcp_stream *st);
/* Add to the transport's list (taking a reference); 0 if full (MCP_MAX_STREAMS, or
 * MCP_LEGACY_STREAMS_MAX for legacy streams) or stopping. */
int http_stream_list(http_mcp *t, struct mcp_stream *st);
/* Remove with t->lock held; 1 if the caller must drop the list's reference after unlocking. */
int http_stream_unlist_locked(http_mcp *t, struct mcp_stream *st);
void http_stream_unlist(http_mcp *t, struct mcp_stream *st);
/* With st->lock held: resume the reader's connection if we suspended it. */
void http_stream_wake(struct mcp_stream *st);
/* The listed stream with this id in session sid, with a reference taken; or NULL. */
struct mcp_stream *http_stream_find(http_mcp *t, const char *id, const char *sid);
/* The listed legacy (/sse) stream of the session named sid, with a reference; or NULL. */
struct mcp_stream *http_stream_find_legacy(http_mcp *t, const char *sid);
/* With st->lock held: queue a raw chunk (an SSE event already framed). ERR_TOO_BIG past the
 * queue limits. */
err_code http_stream_push(struct mcp_stream *st, const char *text, size_t len);
/* The sink that sends a worker's messages to st. */
struct mcp_sink http_stream_sink(struct mcp_stream *st);
/* Run mcp_engine_handle_http(body) for sess (NULL: a modern request) on a worker thread that
 * answers through st; takes over the session reference and the headers (hdr, may be NULL;
 * taken even on failure) on success. 0 when the worker cap is reached. */
int http_worker_start(http_mcp *t, struct mcp_stream *st, mcp_session *sess, const char *body,
                      size_t len, struct http_mcp_headers *hdr);
/* Queue the text/event-stream response that reads st (st->lock held), naming the session
 * (Mcp-Session-Id, except on legacy streams) and carrying CORS headers for r. */
enum MHD_Result http_reply_sse(struct http_req *r, struct MHD_Connection *c,
                               struct mcp_stream *st);

/* ---- The 2024-11-05 HTTP+SSE transport (http_legacy.c) ---------------------------------*/

/* GET /sse: open a session and its event stream; the first event names the endpoint. */
enum MHD_Result http_legacy_open(struct http_req *r, struct MHD_Connection *c);
/* POST /messages?sessionId=...: checks before the body (Content-Type, the session). */
enum MHD_Result http_legacy_begin(struct http_req *r, struct MHD_Connection *c);
/* The body is complete: hand the message to the engine (answers travel on the stream) and
 * answer 202, or 400 for a message that is not JSON-RPC. */
enum MHD_Result http_legacy_post(struct http_req *r, struct MHD_Connection *c);
/* The /sse request ended: the client is gone, so its session ends. */
void http_legacy_done(struct http_req *r);

#endif
