/* http.h - the transports of skilld: the libmicrohttpd front end (Streamable HTTP on /mcp and
 * the caller's table of plain endpoints), the stdio transport, the process logger, request
 * metrics, and the small pure helpers they share (Host/Origin/Accept checks, SSE framing),
 * which unit tests call directly. Layer: server/http (uses server/mcp and base). It takes
 * an engine and endpoint rows; it knows nothing of the application behind them. */
#ifndef SKILLD_SERVER_HTTP_H
#define SKILLD_SERVER_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "server/mcp/mcp.h"

/* ---- Limits ------------------------------------------------------------------------------*/

#define HTTP_MAX_BODY_DEFAULT (1024 * 1024) /* bytes of a request body (--max-body) */
#define HTTP_MAX_BODY_LIMIT (64L * 1024 * 1024) /* the largest --max-body accepted */
#define HTTP_MAX_ALLOW_ORIGINS 16           /* --allow-origin entries */
#define HTTP_MAX_THREADS 64                 /* --threads */
#define HTTP_MAX_ENDPOINTS 32               /* rows in the endpoint table */
#define HTTP_MAX_PATH 2048                  /* bytes of a URL path handed to an endpoint */
#define HTTP_MAX_ROUTE_PATH 63              /* bytes of an endpoint row's path (a metrics label) */
#define HTTP_MCP_PATH "/mcp"                /* where the engine is served (Streamable HTTP) */
#define HTTP_LEGACY_SSE_PATH "/sse"         /* the 2024-11-05 HTTP+SSE transport: event stream */
#define HTTP_LEGACY_MESSAGES_PATH "/messages" /* ... and where its client POSTs */

/* ---- Logging ----------------------------------------------------------------------------
 * The one stderr logger of the process. Libraries never log; server/ does, only here, only
 * on stderr (stdout may carry MCP). */

enum log_level {
    LOG_LEVEL_DEBUG,
    LOG_LEVEL_INFO,
    LOG_LEVEL_WARN,
    LOG_LEVEL_ERROR,
    LOG_LEVEL_OFF, /* nothing is written */
};

/* Parse "debug", "info", "warn", "error" or "off" into *ret; -1 if unknown, else 0. */
int log_parse_level(const char *s, enum log_level *ret);

/* Only messages at or above this level are written (default: info). */
void log_set_level(enum log_level level);

/* 1 if a message at this level would be written. */
int log_enabled(enum log_level level);

/* Write one line "<time> <LEVEL> <message>\n" to stderr. Lines from concurrent threads never
 * interleave. Callers never pass request bodies or secrets here. */
void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- Metrics ----------------------------------------------------------------------------
 * Request counters and latency histograms in the Prometheus text format. The front end
 * records every request into the set given in http_options; whoever serves /metrics renders
 * it (skilld's server/app does). */

typedef struct metrics metrics;

/* A new, empty set of metrics. Never NULL. */
metrics *metrics_new(void);
/* Accepts NULL. */
void metrics_free(metrics *m);

/* Count one finished HTTP request: endpoint is a route pattern such as "/mcp" (a bounded
 * set chosen by the server, never a raw client path), status its HTTP status, duration_ns
 * its wall time. At most 127 (endpoint, status) pairs are kept; later new pairs are counted
 * under {endpoint="overflow",status="0"}. Histograms exist for the first 16 endpoints. */
void metrics_observe(metrics *m, const char *endpoint, unsigned status, uint64_t duration_ns);

/* Append the Prometheus text exposition (version 0.0.4) of every metric to out:
 * skilld_http_requests_total{endpoint,status}, skilld_http_request_duration_seconds
 * (histogram per endpoint) and the gauge skilld_mcp_sessions_open = sessions_open. */
err_code metrics_render(metrics *m, size_t sessions_open, struct buf *out);

/* ---- Endpoints ----------------------------------------------------------------------------
 * Plain (non-MCP) endpoints are rows the caller hands to http_start. The front end does
 * everything around a row: Host/Origin checks, the method check (405 with Allow), the
 * bounded body (413), the access log and metrics; the handler only turns a complete request
 * into a response. To add an endpoint: write a handler and add a row to the caller's table. */

enum { HTTP_GET = 1u << 0, HTTP_POST = 1u << 1, HTTP_DELETE = 1u << 2 };

/* What a handler sees of one request. Everything is borrowed and valid during the call. */
struct http_request {
    const char *method;       /* "GET", "POST" or "DELETE" (one the row allows) */
    const char *path;         /* URL path without the query string, percent-decoded by MHD,
                                 at most HTTP_MAX_PATH bytes (longer paths answer 404) */
    const char *content_type; /* the Content-Type header, or NULL */
    const char *body;         /* the whole body, NUL-terminated, "" when there is none */
    size_t body_len;          /* bytes of body (bounded by http_options.max_body) */
    void *conn;               /* the front end's handle, for http_request_arg/_header */
};

/* A query-string argument (decoded), or NULL when absent. */
const char *http_request_arg(const struct http_request *r, const char *name);
/* A request header (case-insensitive name), or NULL when absent. */
const char *http_request_header(const struct http_request *r, const char *name);

/* What a handler answers. */
struct http_response {
    unsigned status;          /* HTTP status */
    const char *content_type; /* a static string; NULL means application/json */
    char *body;               /* new NUL-terminated body, freed by the front end; NULL makes
                                 the front end answer 500 (internal) instead */
};

typedef void (*http_endpoint_fn)(const struct http_request *req, void *ud,
                                  struct http_response *resp);

struct http_endpoint {
    const char *path;    /* exact path, or a prefix when it ends in '/'; also the metrics
                            label. Must start with '/' and differ from the MCP transports'
                            paths (HTTP_MCP_PATH, HTTP_LEGACY_SSE_PATH, ..._MESSAGES_PATH) */
    unsigned methods;    /* HTTP_GET | HTTP_POST | HTTP_DELETE */
    http_endpoint_fn fn; /* called on an MHD thread, possibly concurrently */
    void *ud;            /* handed to fn; must outlive the server */
};

/* ---- The server --------------------------------------------------------------------------*/

typedef struct http_server http_server;

struct http_options {
    const char *host;          /* address to bind, e.g. "127.0.0.1", "::1", "0.0.0.0" */
    unsigned port;             /* 0 picks a free port (see http_port) */
    size_t max_body;           /* request body cap in bytes (0: HTTP_MAX_BODY_DEFAULT) */
    unsigned threads;          /* MHD thread pool size (0: the number of cores) */
    unsigned max_connections;  /* open connections (0: 1024) */
    unsigned conn_timeout_s;   /* idle connection timeout (0: 60) */
    unsigned max_workers;      /* MCP requests running at once (0: 64) */
    const char *const *allow_origins; /* extra allowed Origin hosts or origins; browsers on
                                         these (only) get CORS headers and preflights */
    size_t nallow_origins;
    metrics *metrics;          /* every request is recorded here (borrowed), or NULL */
};

/* Start serving in MHD's own threads: the engine (borrowed; NULL serves no MCP) on
 * HTTP_MCP_PATH (Streamable HTTP) and HTTP_LEGACY_SSE_PATH + HTTP_LEGACY_MESSAGES_PATH (the
 * 2024-11-05 HTTP+SSE transport), each also with a trailing slash, and the endpoint rows (copied; their ud and the engine must outlive the
 * server). Returns NULL with e set when a row is bad (the message names it), the address
 * cannot be bound or an option is out of range. */
http_server *http_start(const struct http_options *o, mcp_engine *engine,
                        const struct http_endpoint *endpoints, size_t nendpoints,
                        struct err *e);

/* The port actually bound (useful with port 0). */
unsigned http_port(const http_server *s);

/* Graceful stop: stop accepting, let in-flight requests finish for at most grace_ms, end
 * open streams, wait for MCP workers, free everything. Accepts NULL. */
void http_stop(http_server *s, unsigned grace_ms);

/* Route SIGINT and SIGTERM to http_signals_wait (and ignore SIGPIPE). Call once, before
 * starting threads. */
err_code http_signals_install(struct err *e);
/* Block until SIGINT or SIGTERM arrives; returns its number. */
int http_signals_wait(void);

/* ---- stdio transport -----------------------------------------------------------------------*/

#define STDIO_MAX_LINE (16L * 1024 * 1024) /* bytes of one incoming line */
#define STDIO_MAX_WORKERS 64               /* requests running at once */

/* Serve MCP on in/out (newline-delimited JSON-RPC) until EOF on in and every running
 * request has finished. The process is one session: it is opened before the first line, so
 * mcp_call_session_id() gives its id in every call. Returns the process exit code. */
int stdio_serve(mcp_engine *engine, int in_fd, int out_fd);

/* ---- Pure helpers (http_guard.c) -----------------------------------------------------------*/

/* What an Accept header allows: bit flags. A missing header or any "*" range allows both. */
enum { HTTP_ACCEPT_JSON = 1u << 0, HTTP_ACCEPT_SSE = 1u << 1 };
unsigned http_accept_parse(const char *accept);

/* 1 if the media type of a Content-Type value is application/json (parameters ignored). */
int http_content_type_is_json(const char *content_type);

/* 1 if a host name (no port, IPv6 without brackets) is a loopback name: localhost,
 * 127.0.0.0/8 in dotted form, or ::1. */
int http_host_name_is_loopback(const char *name);

/* Split "host[:port]" or "[v6][:port]" into host (brackets removed) and port (0 if none).
 * ERR_INVALID for malformed input or a host longer than host_cap - 1. */
err_code http_split_host_port(const char *s, char *host, size_t host_cap, unsigned *ret_port);

/* 1 if a Host header is acceptable for a server bound to loopback (a loopback name, any
 * port). A NULL header is refused (HTTP/1.1 requires it). */
int http_host_header_ok(const char *host);

/* 1 if an Origin header value is acceptable: NULL (non-browser clients) is; otherwise it is
 * parsed as scheme://host[:port] and its host must be a loopback name (when loopback is
 * set), or match an allow entry (an entry with "://" compares the whole origin, else only
 * the host, case-insensitively). "null" and anything malformed are refused. */
int http_origin_ok(const char *origin, int loopback, const char *const *allow, size_t nallow);

/* Append one SSE event: "id: ID\n" when id is non-NULL, "event: message\n" when json is
 * non-NULL, then "data: JSON\n" (or an empty "data:" line for a priming event) and a blank
 * line. json must hold no newline (compact JSON never does). */
err_code http_sse_event(struct buf *out, const char *id, const char *json, size_t len);

/* Parse a Last-Event-ID "<stream>-<seq>" into the stream part (up to cap - 1 bytes) and the
 * sequence number. ERR_INVALID if malformed. */
err_code http_parse_event_id(const char *s, char *stream, size_t cap, unsigned long *ret_seq);

#endif
