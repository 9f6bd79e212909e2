/* http_internal.h - private to server/http/: the server and per-request state and the
 * helpers the front end (http.c) shares with the Streamable HTTP transport (http_mcp.c).
 * Layer: server/http. */
#ifndef SKILLD_SERVER_HTTP_INTERNAL_H
#define SKILLD_SERVER_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>

#include "server/http/http.h"

#define HTTP_PATH_LOG_MAX 128 /* bytes of a path kept for the access log */

typedef struct http_mcp http_mcp;
struct mcp_stream;

/* What answers a route: a caller's endpoint or one of the built-in MCP transports. */
enum route_kind {
    ROUTE_PLAIN,    /* a caller's endpoint row */
    ROUTE_MCP,      /* /mcp: Streamable HTTP */
    ROUTE_SSE,      /* /sse: the 2024-11-05 HTTP+SSE transport's event stream */
    ROUTE_MESSAGES, /* /messages: where that transport's client POSTs */
};

/* One row of the route table: a caller's endpoint, or a built-in MCP transport. */
struct http_route {
    char *path;           /* owned; exact, or a prefix when it ends in '/' */
    unsigned methods;     /* HTTP_* bits */
    int is_mcp;           /* 1: an MCP transport (kind != ROUTE_PLAIN; errors are JSON-RPC) */
    enum route_kind kind;
    http_endpoint_fn fn;  /* plain endpoints */
    void *ud;
};

struct http_server {
    struct MHD_Daemon *daemon;
    mcp_engine *engine;             /* borrowed, or NULL (no /mcp) */
    struct http_route *routes;      /* the caller's rows, then /mcp (owned) */
    size_t nroutes;
    http_mcp *mcp;                  /* the /mcp transport, or NULL */
    struct http_options opts;       /* copied; allow_origins points into origins */
    char **origins;                 /* owned copies of --allow-origin */
    int loopback;                   /* bound to a loopback address: Host is checked */
    unsigned port;                  /* the port actually bound */
    pthread_mutex_t lock;
    pthread_cond_t idle;            /* signalled when active drops */
    unsigned active;                /* requests between first callback and completion */
};

/* One HTTP request, from the access handler's first call to the completion callback. */
struct http_req {
    struct http_server *srv;
    const struct http_route *route; /* NULL: unknown path (404) */
    uint64_t start_ns;              /* first callback */
    char method[8];                 /* for the access log ("OTHER" if longer) */
    char path[HTTP_PATH_LOG_MAX];   /* for the access log, truncated */
    char *url;                      /* the whole path (owned), or NULL past HTTP_MAX_PATH */
    struct buf body;                /* the request body, bounded by max_body */
    int body_too_big;               /* the body passed max_body: answer 413 at the end */
    unsigned status;                /* status queued, for the log and metrics */
    int responded;                  /* a response was queued */
    struct mcp_stream *stream;      /* /mcp request being answered by a worker, or the /sse
                                       stream this request reads, or NULL */
    char *cors_origin;              /* the request's Origin when it is an --allow-origin
                                       origin (owned): responses carry CORS headers for it */
};

/* CORS (browsers): preflights are answered for --allow-origin origins only; every response
 * to such an origin names it. */
#define HTTP_CORS_MAX_AGE "600" /* seconds a browser may cache a preflight answer */
#define HTTP_CORS_ALLOW_HEADERS                                                                 \
    "Content-Type, Accept, Authorization, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID"
#define HTTP_CORS_EXPOSE_HEADERS "Mcp-Session-Id"

/* Add Access-Control-Allow-Origin (r->cors_origin), Expose-Headers and Vary to a response
 * when the request came from an allowed origin. */
void http_cors_headers(const struct http_req *r, struct MHD_Response *resp);

/* Queue a response with a body (copied) and record its status. extra_headers is a
 * NULL-terminated list of name, value pairs, or NULL. */
enum MHD_Result http_reply(struct http_req *r, struct MHD_Connection *c, unsigned status,
                           const char *content_type, const char *body, size_t len,
                           const char *const *extra_headers);

/* Queue an error answer for code with the status and name of its row in the error table
 * (srv_err): {"error":{"code","message"}} on plain endpoints; on /mcp a JSON-RPC error
 * without id whose code is the row's when it is one of JSON-RPC's request-level codes
 * (-32700, -32600) and -32000 (MCP_SERVER_ERROR) otherwise, as the SDK transports answer
 * what they refuse before the engine sees a message. */
enum MHD_Result http_error(struct http_req *r, struct MHD_Connection *c, err_code code,
                           const char *message);

/* What SDK clients read as "this session is gone: initialize again" (404 on /mcp). */
#define HTTP_RPC_SESSION_NOT_FOUND (-32001)
/* 404 not_found for an unknown Mcp-Session-Id, with HTTP_RPC_SESSION_NOT_FOUND. */
enum MHD_Result http_session_not_found(struct http_req *r, struct MHD_Connection *c);

/* HTTP's own refusals, which no err_code names because the request may be fine for skilld
 * and only the HTTP exchange is not: 405 Method Not Allowed (with Allow) and 406 Not
 * Acceptable. status is MHD_HTTP_METHOD_NOT_ALLOWED or MHD_HTTP_NOT_ACCEPTABLE; the name is
 * "method_not_allowed" or "not_acceptable"; on /mcp the code is -32000. */
enum MHD_Result http_refuse(struct http_req *r, struct MHD_Connection *c, unsigned status,
                            const char *message);

/* ---- /mcp (http_mcp.c) --------------------------------------------------------------------*/

http_mcp *http_mcp_new(struct http_server *srv);
/* End the /sse streams (each is a whole session that never finishes by itself), so that
 * stopping need not wait out the grace period for them. */
void http_mcp_end_legacy(http_mcp *t);
/* End every stream (resuming suspended connections) so the daemon can stop. */
void http_mcp_abort_streams(http_mcp *t);
/* Wait for running workers (cancelling their sessions after grace_ms), then free. */
void http_mcp_free(http_mcp *t, unsigned grace_ms);

/* Checks made before the body is read (Host/Origin are checked by http.c for every route):
 * Accept, Content-Type, MCP-Protocol-Version and, for GET and DELETE, the whole request;
 * on /sse the whole request, on /messages the session. Returns MHD_YES with r->responded = 0
 * to go on reading the body. */
enum MHD_Result http_mcp_begin(struct http_req *r, struct MHD_Connection *c);
/* The body is complete (called again after each resume until a response is queued). */
enum MHD_Result http_mcp_finish(struct http_req *r, struct MHD_Connection *c);
/* The request ended (completion callback): detach the connection from its stream. */
void http_mcp_done(struct http_req *r);

#endif
