/* http.c - the libmicrohttpd front end: daemon set-up, the route table built from the
 * caller's endpoint rows, bounded request bodies, Host/Origin checks, JSON errors, the
 * access log, metrics and graceful stop. Layer: server/http. /mcp lives in http_mcp.c. */
#include "server/http/http_internal.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>


#define HTTP_CONN_MEMORY (64 * 1024)  /* per-connection memory: bounds request headers */
#define HTTP_MAX_CONNECTIONS 1024     /* default connection limit */
#define HTTP_CONN_TIMEOUT_S 60        /* default idle connection timeout */
#define HTTP_STOP_DRAIN_MS 2000       /* wait for ended streams to close during stop */

/* ---- Routes --------------------------------------------------------------------------------
 * The route table is built at start from the caller's endpoint rows, followed by /mcp when
 * an engine is served. Plain rows are answered by endpoint_finish once the bounded body is
 * complete; /mcp has its own begin (checks before the body) and finish. */

static const struct {
    const char *name;
    unsigned bit;
} http_methods[] = {{"GET", HTTP_GET}, {"POST", HTTP_POST}, {"DELETE", HTTP_DELETE}};

/* The row for url. The MCP transports also answer their path with a trailing slash
 * ("/mcp/"), which clients configured by hand often carry. */
static const struct http_route *route_find(const struct http_server *s, const char *url)
{
    for (size_t i = 0; i < s->nroutes; i++) {
        const char *path = s->routes[i].path;
        size_t n = strlen(path);
        if (path[n - 1] == '/' ? strncmp(path, url, n) == 0 : strcmp(path, url) == 0)
            return &s->routes[i];
        if (s->routes[i].is_mcp && strncmp(path, url, n) == 0 && strcmp(url + n, "/") == 0)
            return &s->routes[i];
    }
    return NULL;
}

static unsigned method_bit(const char *method)
{
    for (size_t i = 0; i < ARRAY_LEN(http_methods); i++) {
        if (strcmp(http_methods[i].name, method) == 0)
            return http_methods[i].bit;
    }
    return 0;
}

static void allow_header(unsigned methods, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < ARRAY_LEN(http_methods); i++) {
        if (methods & http_methods[i].bit) {
            int w = snprintf(out + n, cap - n, "%s%s", n ? ", " : "", http_methods[i].name);
            if (w < 0 || (size_t)w >= cap - n)
                return;
            n += (size_t)w;
        }
    }
}

/* The MCP transports, served when an engine is given. To add one: a route_kind, a row, and
 * its begin/finish/done in http_mcp.c. */
static const struct {
    const char *path;
    unsigned methods;
    enum route_kind kind;
} mcp_routes[] = {
    {HTTP_MCP_PATH, HTTP_GET | HTTP_POST | HTTP_DELETE, ROUTE_MCP},
    {HTTP_LEGACY_SSE_PATH, HTTP_GET, ROUTE_SSE},
    {HTTP_LEGACY_MESSAGES_PATH, HTTP_POST, ROUTE_MESSAGES},
};

/* Check one caller row; the message names it by index and path. */
static err_code endpoint_check(const struct http_endpoint *ep, size_t i, const mcp_engine *engine,
                               const struct http_route *before, size_t nbefore, struct err *e)
{
    const char *path = ep->path ? ep->path : "";
    unsigned all = HTTP_GET | HTTP_POST | HTTP_DELETE;
    if (path[0] != '/' || strlen(path) > HTTP_MAX_ROUTE_PATH)
        return err_set(e, ERR_INVALID,
                       "endpoint %zu ('%.64s'): path must start with '/' and be at most %d bytes",
                       i, path, HTTP_MAX_ROUTE_PATH);
    if (!ep->fn)
        return err_set(e, ERR_INVALID, "endpoint %zu ('%s'): no handler", i, path);
    if (!ep->methods || (ep->methods & ~all))
        return err_set(e, ERR_INVALID, "endpoint %zu ('%s'): methods must be HTTP_GET, "
                       "HTTP_POST and/or HTTP_DELETE", i, path);
    for (size_t k = 0; engine && k < ARRAY_LEN(mcp_routes); k++)
        if (strcmp(path, mcp_routes[k].path) == 0)
            return err_set(e, ERR_EXISTS, "endpoint %zu ('%s'): the path is an MCP transport's",
                           i, path);
    for (size_t k = 0; k < nbefore; k++)
        if (strcmp(before[k].path, path) == 0)
            return err_set(e, ERR_EXISTS, "endpoint %zu ('%s'): the path is given twice", i,
                           path);
    return ERR_OK;
}

/* Build s->routes from the caller's rows and the engine. */
static err_code routes_build(struct http_server *s, const struct http_endpoint *eps, size_t n,
                             struct err *e)
{
    if (n > HTTP_MAX_ENDPOINTS || (n && !eps))
        return err_set(e, ERR_INVALID, "at most %d endpoint rows (got %zu)", HTTP_MAX_ENDPOINTS,
                       n);
    s->routes = xcalloc(n + ARRAY_LEN(mcp_routes), sizeof *s->routes);
    for (size_t i = 0; i < n; i++) {
        err_code rc = endpoint_check(&eps[i], i, s->engine, s->routes, s->nroutes, e);
        if (rc != ERR_OK)
            return rc;
        struct http_route *r = &s->routes[s->nroutes++];
        r->path = xstrdup(eps[i].path);
        r->methods = eps[i].methods;
        r->fn = eps[i].fn;
        r->ud = eps[i].ud;
    }
    for (size_t k = 0; s->engine && k < ARRAY_LEN(mcp_routes); k++) {
        struct http_route *r = &s->routes[s->nroutes++];
        r->path = xstrdup(mcp_routes[k].path);
        r->methods = mcp_routes[k].methods;
        r->is_mcp = 1;
        r->kind = mcp_routes[k].kind;
    }
    return ERR_OK;
}

/* ---- Responses -------------------------------------------------------------------------------*/

void http_cors_headers(const struct http_req *r, struct MHD_Response *resp)
{
    if (!r->cors_origin)
        return;
    MHD_add_response_header(resp, "Access-Control-Allow-Origin", r->cors_origin);
    MHD_add_response_header(resp, "Access-Control-Expose-Headers", HTTP_CORS_EXPOSE_HEADERS);
    MHD_add_response_header(resp, "Vary", "Origin");
}

enum MHD_Result http_reply(struct http_req *r, struct MHD_Connection *c, unsigned status,
                           const char *content_type, const char *body, size_t len,
                           const char *const *extra_headers)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)(body ? body : ""), MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    if (content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    for (size_t i = 0; extra_headers && extra_headers[i]; i += 2)
        MHD_add_response_header(resp, extra_headers[i], extra_headers[i + 1]);
    http_cors_headers(r, resp);
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    r->status = status;
    r->responded = 1;
    return ret;
}

/* Queue {"error":{"code":name,"message"}}, or on /mcp a JSON-RPC error (rpc_code) without
 * id; 405 answers also carry Allow. */
static enum MHD_Result error_reply(struct http_req *r, struct MHD_Connection *c, unsigned status,
                                   const char *name, int rpc_code, const char *message)
{
    cJSON *root;
    if (r->route && r->route->is_mcp) {
        root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "jsonrpc", "2.0");
        cJSON *err = cJSON_AddObjectToObject(root, "error");
        cJSON_AddNumberToObject(err, "code", rpc_code);
        cJSON_AddStringToObject(err, "message", message);
    } else {
        root = cJSON_CreateObject();
        cJSON *err = cJSON_AddObjectToObject(root, "error");
        cJSON_AddStringToObject(err, "code", name);
        cJSON_AddStringToObject(err, "message", message);
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    char allow[64];
    const char *headers[3] = {NULL};
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED && r->route) {
        allow_header(r->route->methods, allow, sizeof allow);
        headers[0] = MHD_HTTP_HEADER_ALLOW;
        headers[1] = allow;
    }
    enum MHD_Result ret = http_reply(r, c, status, "application/json", text, strlen(text), headers);
    free(text);
    return ret;
}

enum MHD_Result http_error(struct http_req *r, struct MHD_Connection *c, err_code code,
                           const char *message)
{
    const struct srv_err_row *row = srv_err(code);
    int rpc = row->rpc_code == MCP_PARSE_ERROR || row->rpc_code == MCP_INVALID_REQUEST
                  ? row->rpc_code
                  : MCP_SERVER_ERROR;
    return error_reply(r, c, row->http_status, row->name, rpc, message);
}

enum MHD_Result http_session_not_found(struct http_req *r, struct MHD_Connection *c)
{
    const struct srv_err_row *row = srv_err(ERR_NOT_FOUND);
    return error_reply(r, c, row->http_status, row->name, HTTP_RPC_SESSION_NOT_FOUND,
                       "Session not found");
}

enum MHD_Result http_refuse(struct http_req *r, struct MHD_Connection *c, unsigned status,
                            const char *message)
{
    const char *name = status == MHD_HTTP_METHOD_NOT_ALLOWED ? "method_not_allowed"
                                                             : "not_acceptable";
    return error_reply(r, c, status, name, MCP_SERVER_ERROR, message);
}

/* ---- Plain endpoints -------------------------------------------------------------------------*/

const char *http_request_arg(const struct http_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_request_header(const struct http_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

static enum MHD_Result endpoint_finish(struct http_req *r, struct MHD_Connection *c)
{
    if (!r->url) /* no row has a path this long */
        return http_error(r, c, ERR_NOT_FOUND, "no such endpoint");
    struct http_request req = {
        .method = r->method,
        .path = r->url,
        .content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                    MHD_HTTP_HEADER_CONTENT_TYPE),
        .body = r->body.data ? r->body.data : "",
        .body_len = r->body.len,
        .conn = c,
    };
    struct http_response resp = {.status = MHD_HTTP_INTERNAL_SERVER_ERROR};
    r->route->fn(&req, r->route->ud, &resp);
    if (!resp.body)
        return http_error(r, c, ERR_INTERNAL, "the endpoint produced no answer");
    enum MHD_Result ret =
        http_reply(r, c, resp.status, resp.content_type ? resp.content_type : "application/json",
                   resp.body, strlen(resp.body), NULL);
    free(resp.body);
    return ret;
}

/* ---- The access handler ------------------------------------------------------------------*/

/* A CORS preflight (OPTIONS) on a known route: 204 with Allow and, for an --allow-origin
 * origin, the Access-Control-Allow-* headers (other origins get none, so the browser stops). */
static enum MHD_Result preflight(struct http_req *r, struct MHD_Connection *c)
{
    char allow[64];
    allow_header(r->route->methods, allow, sizeof allow);
    const char *headers[] = {MHD_HTTP_HEADER_ALLOW, allow,
                             "Access-Control-Allow-Methods", allow,
                             "Access-Control-Allow-Headers", HTTP_CORS_ALLOW_HEADERS,
                             "Access-Control-Max-Age", HTTP_CORS_MAX_AGE,
                             NULL};
    if (!r->cors_origin)
        headers[2] = NULL; /* Allow only */
    return http_reply(r, c, MHD_HTTP_NO_CONTENT, NULL, "", 0, headers);
}

/* Checks every route shares, made on the first call before any body is read. Returns 1
 * when a response was queued (*ret holds MHD's answer). */
static int precheck(struct http_req *r, struct MHD_Connection *c, const char *method,
                    enum MHD_Result *ret)
{
    struct http_server *s = r->srv;
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    const char *length =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    long n;
    if (s->loopback && !http_host_header_ok(host))
        *ret = http_error(r, c, ERR_DENIED, "Host header is not a loopback name");
    else if (!http_origin_ok(origin, s->loopback, s->opts.allow_origins, s->opts.nallow_origins))
        *ret = http_error(r, c, ERR_DENIED, "Origin is not allowed");
    else if (!r->route)
        *ret = http_error(r, c, ERR_NOT_FOUND, "no such endpoint");
    else if (strcmp(method, "OPTIONS") == 0)
        *ret = preflight(r, c);
    else if (!(r->route->methods & method_bit(method)))
        *ret = http_refuse(r, c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed on this endpoint");
    else if (length && (parse_long(length, 0, HTTP_MAX_BODY_LIMIT, &n) != ERR_OK ||
                        (size_t)n > s->opts.max_body))
        *ret = http_error(r, c, ERR_TOO_BIG, "request body is larger than the server accepts");
    else
        return 0;
    return 1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct http_server *s = cls;
    struct http_req *r = *con_cls;
    enum MHD_Result ret = MHD_YES;
    if (!r) {
        r = xcalloc(1, sizeof *r);
        r->srv = s;
        r->start_ns = now_ns();
        r->route = route_find(s, url);
        snprintf(r->method, sizeof r->method, "%s", strlen(method) < sizeof r->method ? method : "OTHER");
        snprintf(r->path, sizeof r->path, "%s", url);
        r->url = strlen(url) <= HTTP_MAX_PATH ? xstrdup(url) : NULL;
        buf_init(&r->body, s->opts.max_body);
        const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
        if (origin && s->opts.nallow_origins &&
            http_origin_ok(origin, 0, s->opts.allow_origins, s->opts.nallow_origins))
            r->cors_origin = xstrdup(origin); /* listed: not merely a loopback origin */
        *con_cls = r;
        pthread_mutex_lock(&s->lock);
        s->active++;
        pthread_mutex_unlock(&s->lock);
        if (precheck(r, c, method, &ret))
            return ret;
        if (r->route->is_mcp)
            return http_mcp_begin(r, c);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (!r->body_too_big && !r->responded &&
            buf_append(&r->body, upload_data, *upload_data_size) != ERR_OK) {
            r->body_too_big = 1; /* keep discarding; answer 413 once the body is over */
            buf_release(&r->body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->responded)
        return MHD_YES;
    if (r->body_too_big)
        return http_error(r, c, ERR_TOO_BIG, "request body is larger than the server accepts");
    return r->route->is_mcp ? http_mcp_finish(r, c) : endpoint_finish(r, c);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_server *s = cls;
    struct http_req *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    if (r->stream)
        http_mcp_done(r);
    uint64_t ns = now_ns() - r->start_ns;
    if (s->opts.metrics)
        metrics_observe(s->opts.metrics, r->route ? r->route->path : "other", r->status, ns);
    log_write(LOG_LEVEL_INFO, "%s %s %u %lluus%s", r->method, r->path, r->status,
              (unsigned long long)(ns / 1000),
              toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection ended early)");
    buf_release(&r->body);
    free(r->url);
    free(r->cors_origin);
    free(r);
    pthread_mutex_lock(&s->lock);
    s->active--;
    pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->lock);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    log_write(LOG_LEVEL_DEBUG, "libmicrohttpd: %s", line);
}

/* ---- Start and stop -----------------------------------------------------------------------*/

static int addr_is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a);
    }
    return 0;
}

static unsigned cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > HTTP_MAX_THREADS ? HTTP_MAX_THREADS : (unsigned)n;
}

static void server_free(struct http_server *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->opts.nallow_origins; i++)
        free(s->origins[i]);
    free(s->origins);
    for (size_t i = 0; i < s->nroutes; i++)
        free(s->routes[i].path);
    free(s->routes);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->idle);
    free(s);
}

http_server *http_start(const struct http_options *o, mcp_engine *engine,
                        const struct http_endpoint *endpoints, size_t nendpoints,
                        struct err *e)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE};
    struct addrinfo *ai = NULL;
    struct http_server *s = NULL;
    if (o->max_body > (size_t)HTTP_MAX_BODY_LIMIT || o->threads > HTTP_MAX_THREADS ||
        o->nallow_origins > HTTP_MAX_ALLOW_ORIGINS || o->port > 65535) {
        err_set(e, ERR_INVALID, "an HTTP option is out of range");
        goto cleanup;
    }
    int gai = getaddrinfo(o->host ? o->host : "127.0.0.1", NULL, &hints, &ai);
    if (gai != 0 || !ai) {
        err_set(e, ERR_INVALID, "cannot resolve listen address '%s': %s", o->host,
                gai_strerror(gai));
        goto cleanup;
    }
    s = xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->idle, NULL);
    s->engine = engine;
    s->opts = *o;
    s->opts.max_body = o->max_body ? o->max_body : HTTP_MAX_BODY_DEFAULT;
    s->opts.threads = o->threads ? o->threads : cores();
    s->opts.max_connections = o->max_connections ? o->max_connections : HTTP_MAX_CONNECTIONS;
    s->opts.conn_timeout_s = o->conn_timeout_s ? o->conn_timeout_s : HTTP_CONN_TIMEOUT_S;
    s->origins = xcalloc(o->nallow_origins + 1, sizeof *s->origins);
    for (size_t i = 0; i < o->nallow_origins; i++)
        s->origins[i] = xstrdup(o->allow_origins[i]);
    s->opts.allow_origins = (const char *const *)s->origins;
    if (routes_build(s, endpoints, nendpoints, e) != ERR_OK) {
        server_free(s);
        s = NULL;
        goto cleanup;
    }
    s->loopback = addr_is_loopback(ai->ai_addr);

    struct sockaddr_storage ss;
    memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6) {
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)o->port);
        flags |= MHD_USE_IPv6;
    } else {
        ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)o->port);
    }
    s->mcp = engine ? http_mcp_new(s) : NULL;
    s->daemon = MHD_start_daemon(
        flags, (uint16_t)o->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->opts.threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->opts.max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->opts.conn_timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log,
        s, MHD_OPTION_END);
    if (!s->daemon) {
        err_set(e, ERR_IO, "cannot listen on %s port %u (address in use or not local?)",
                o->host ? o->host : "127.0.0.1", o->port);
        http_mcp_free(s->mcp, 0);
        server_free(s);
        s = NULL;
        goto cleanup;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : o->port;
cleanup:
    if (ai)
        freeaddrinfo(ai);
    return s;
}

unsigned http_port(const http_server *s)
{
    return s->port;
}

/* Wait until no request is active or the deadline (monotonic ns) passes. */
static void wait_idle(struct http_server *s, uint64_t deadline_ns)
{
    pthread_mutex_lock(&s->lock);
    while (s->active > 0 && now_ns() < deadline_ns) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50 * 1000000L; /* re-check the monotonic deadline every 50 ms */
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->idle, &s->lock, &ts);
    }
    pthread_mutex_unlock(&s->lock);
}

void http_stop(http_server *s, unsigned grace_ms)
{
    if (!s)
        return;
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    if (s->mcp)
        http_mcp_end_legacy(s->mcp);
    if (s->engine) /* open subscriptions/listen streams answer their final result and end */
        mcp_engine_shutdown(s->engine);
    wait_idle(s, now_ns() + (uint64_t)grace_ms * 1000000ull);
    if (s->mcp)
        http_mcp_abort_streams(s->mcp);
    wait_idle(s, now_ns() + (uint64_t)HTTP_STOP_DRAIN_MS * 1000000ull);
    MHD_stop_daemon(s->daemon);
    http_mcp_free(s->mcp, grace_ms);
    server_free(s);
}
