/* http.h - private to server/ (and the conformance fixture server): the libmicrohttpd front
 * end, its Streamable HTTP /mcp transport, the stdio transport, and the small pure helpers
 * they share (Host/Origin/Accept checks, SSE framing), which unit tests call directly.
 * Layer: server. */
#ifndef SKILLD_SERVER_HTTP_H
#define SKILLD_SERVER_HTTP_H

#include <stddef.h>

#include "base/base.h"
#include "server/app/app.h"

/* ---- Limits ------------------------------------------------------------------------------*/

#define HTTP_MAX_BODY_DEFAULT (1024 * 1024) /* bytes of a request body (--max-body) */
#define HTTP_MAX_BODY_LIMIT (64L * 1024 * 1024) /* the largest --max-body accepted */
#define HTTP_MAX_ALLOW_ORIGINS 16           /* --allow-origin entries */
#define HTTP_MAX_THREADS 64                 /* --threads */

/* ---- The server --------------------------------------------------------------------------*/

typedef struct http_server http_server;

/* The /api/route handler (route_api_handle in skilld; NULL answers 404 there). */
typedef void (*http_route_fn)(const struct app *a, const char *method, const char *q,
                              const char *product, const char *body, size_t len,
                              const char *content_type, int *ret_status, char **ret_json);

/* The /skills/ pages handler (route_page_handle in skilld; NULL answers 404 there). */
typedef void (*http_page_fn)(const struct app *a, const char *url, int *ret_status,
                             const char **ret_content_type, char **ret_body);

struct http_options {
    const char *host;          /* address to bind, e.g. "127.0.0.1", "::1", "0.0.0.0" */
    unsigned port;             /* 0 picks a free port (see http_port) */
    size_t max_body;           /* request body cap in bytes (0: HTTP_MAX_BODY_DEFAULT) */
    unsigned threads;          /* MHD thread pool size (0: the number of cores) */
    unsigned max_connections;  /* open connections (0: 1024) */
    unsigned conn_timeout_s;   /* idle connection timeout (0: 60) */
    unsigned max_workers;      /* MCP requests running at once (0: 64) */
    const char *const *allow_origins; /* extra allowed Origin hosts or origins */
    size_t nallow_origins;
    const char *version;       /* reported by /healthz */
    http_route_fn route;       /* /api/route handler, or NULL */
    http_page_fn page;         /* /skills/ pages handler, or NULL */
};

/* Start serving app (borrowed: it must outlive the server) in MHD's own threads. Returns
 * NULL with e set when the address cannot be bound or an option is out of range. */
http_server *http_start(const struct http_options *o, struct app *a, struct err *e);

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

/* Serve MCP on in/out (newline-delimited JSON-RPC, one session) until EOF on in and every
 * running request has finished. Returns the process exit code. */
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
