/* http.c - the libmicrohttpd front end: daemon set-up, the route table, bounded request
 * bodies, Host/Origin checks, JSON errors, /healthz, /metrics, /api/route, the access log
 * and graceful stop. Layer: server. /mcp lives in http_mcp.c. */
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

#include "server/http/log.h"

#define HTTP_CONN_MEMORY (64 * 1024)  /* per-connection memory: bounds request headers */
#define HTTP_MAX_CONNECTIONS 1024     /* default connection limit */
#define HTTP_CONN_TIMEOUT_S 60        /* default idle connection timeout */
#define HTTP_STOP_DRAIN_MS 2000       /* wait for ended streams to close during stop */

/* ---- Routes --------------------------------------------------------------------------------
 * One row per path. To add an endpoint: write a finish function (called once the bounded
 * body is complete; it must queue a response or suspend), add a row with its methods, and,
 * if it must refuse requests before their body is read, a begin function. */

enum { M_GET = 1u << 0, M_POST = 1u << 1, M_DELETE = 1u << 2 };

struct http_route {
    const char *path;     /* exact path, or a prefix when it ends in '/'; the metrics label */
    unsigned methods;     /* M_* bits */
    enum MHD_Result (*begin)(struct http_req *r, struct MHD_Connection *c);
    enum MHD_Result (*finish)(struct http_req *r, struct MHD_Connection *c);
};

static enum MHD_Result healthz_finish(struct http_req *r, struct MHD_Connection *c);
static enum MHD_Result metrics_finish(struct http_req *r, struct MHD_Connection *c);
static enum MHD_Result api_route_finish(struct http_req *r, struct MHD_Connection *c);
static enum MHD_Result skill_page_finish(struct http_req *r, struct MHD_Connection *c);

static const struct http_route http_routes[] = {
    {"/healthz", M_GET, NULL, healthz_finish},
    {"/metrics", M_GET, NULL, metrics_finish},
    {"/api/route", M_GET | M_POST, NULL, api_route_finish},
    {"/skills/", M_GET, NULL, skill_page_finish},
    {"/mcp", M_GET | M_POST | M_DELETE, http_mcp_begin, http_mcp_finish},
};

static const struct {
    const char *name;
    unsigned bit;
} http_methods[] = {{"GET", M_GET}, {"POST", M_POST}, {"DELETE", M_DELETE}};

static const struct http_route *route_find(const char *url)
{
    for (size_t i = 0; i < ARRAY_LEN(http_routes); i++) {
        const char *path = http_routes[i].path;
        size_t n = strlen(path);
        if (path[n - 1] == '/' ? strncmp(path, url, n) == 0 : strcmp(path, url) == 0)
            return &http_routes[i];
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

/* ---- Responses -------------------------------------------------------------------------------*/

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
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    r->status = status;
    r->responded = 1;
    return ret;
}

enum MHD_Result http_error(struct http_req *r, struct MHD_Connection *c, unsigned status,
                           const char *code, int rpc_code, const char *message)
{
    int rpc = r->route && strcmp(r->route->path, "/mcp") == 0;
    cJSON *root = cJSON_CreateObject();
    cJSON *err;
    if (rpc) {
        cJSON_AddStringToObject(root, "jsonrpc", "2.0");
        err = cJSON_AddObjectToObject(root, "error");
        cJSON_AddNumberToObject(err, "code", rpc_code);
    } else {
        err = cJSON_AddObjectToObject(root, "error");
        cJSON_AddStringToObject(err, "code", code);
    }
    cJSON_AddStringToObject(err, "message", message);
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

static enum MHD_Result reply_json_tree(struct http_req *r, struct MHD_Connection *c,
                                       unsigned status, cJSON *root)
{
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    enum MHD_Result ret = http_reply(r, c, status, "application/json", text, strlen(text), NULL);
    free(text);
    return ret;
}

/* ---- Plain endpoints -------------------------------------------------------------------------*/

static enum MHD_Result healthz_finish(struct http_req *r, struct MHD_Connection *c)
{
    const struct app *a = r->srv->app;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "status", "ok");
    cJSON_AddStringToObject(root, "backend", a->backend ? a->backend : "none");
    if (a->backend_status[0])
        cJSON_AddStringToObject(root, "backend_status", a->backend_status);
    cJSON_AddStringToObject(root, "version", r->srv->version);
    return reply_json_tree(r, c, MHD_HTTP_OK, root);
}

static enum MHD_Result metrics_finish(struct http_req *r, struct MHD_Connection *c)
{
    struct buf out;
    buf_init(&out, 0);
    size_t sessions = r->srv->app->mcp ? mcp_engine_session_count(r->srv->app->mcp) : 0;
    enum MHD_Result ret;
    if (metrics_render(r->srv->metrics, sessions, &out) != ERR_OK)
        ret = http_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", MCP_INTERNAL_ERROR,
                         "metrics could not be rendered");
    else
        ret = http_reply(r, c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                         out.data, out.len, NULL);
    buf_release(&out);
    return ret;
}

static enum MHD_Result api_route_finish(struct http_req *r, struct MHD_Connection *c)
{
    http_route_fn fn = r->srv->opts.route;
    if (!fn)
        return http_error(r, c, MHD_HTTP_NOT_FOUND, "not_found", 0,
                          "routing is not enabled on this server");
    const char *method = strcmp(r->method, "GET") == 0 ? "GET" : "POST";
    const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "q");
    const char *product = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "product");
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    int status = 500;
    char *json = NULL;
    fn(r->srv->app, method, q, product, r->body.data ? r->body.data : "", r->body.len, ct,
       &status, &json);
    if (!json)
        return http_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", 0,
                          "the route handler produced no answer");
    enum MHD_Result ret = http_reply(r, c, (unsigned)status, "application/json", json,
                                     strlen(json), NULL);
    free(json);
    return ret;
}

static enum MHD_Result skill_page_finish(struct http_req *r, struct MHD_Connection *c)
{
    http_page_fn fn = r->srv->opts.page;
    if (!fn)
        return http_error(r, c, MHD_HTTP_NOT_FOUND, "not_found", 0,
                          "skill pages are not enabled on this server");
    int status = 500;
    const char *ctype = "application/json";
    char *body = NULL;
    if (r->path_truncated) /* no page has a name this long */
        return http_error(r, c, MHD_HTTP_NOT_FOUND, "not_found", 0, "no such skill page");
    fn(r->srv->app, r->path, &status, &ctype, &body);
    if (!body)
        return http_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", 0,
                          "the page handler produced no answer");
    enum MHD_Result ret = http_reply(r, c, (unsigned)status, ctype, body, strlen(body), NULL);
    free(body);
    return ret;
}

/* ---- The access handler ------------------------------------------------------------------*/

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
        *ret = http_error(r, c, MHD_HTTP_FORBIDDEN, "forbidden", MCP_SERVER_ERROR,
                          "Host header is not a loopback name");
    else if (!http_origin_ok(origin, s->loopback, s->opts.allow_origins, s->opts.nallow_origins))
        *ret = http_error(r, c, MHD_HTTP_FORBIDDEN, "forbidden", MCP_SERVER_ERROR,
                          "Origin is not allowed");
    else if (!r->route)
        *ret = http_error(r, c, MHD_HTTP_NOT_FOUND, "not_found", MCP_SERVER_ERROR,
                          "no such endpoint");
    else if (!(r->route->methods & method_bit(method)))
        *ret = http_error(r, c, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                          MCP_SERVER_ERROR, "method not allowed on this endpoint");
    else if (length && (parse_long(length, 0, HTTP_MAX_BODY_LIMIT, &n) != ERR_OK ||
                        (size_t)n > s->opts.max_body))
        *ret = http_error(r, c, MHD_HTTP_CONTENT_TOO_LARGE, "too_big", MCP_INVALID_REQUEST,
                          "request body is larger than the server accepts");
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
        r->route = route_find(url);
        snprintf(r->method, sizeof r->method, "%s", strlen(method) < sizeof r->method ? method : "OTHER");
        snprintf(r->path, sizeof r->path, "%s", url);
        r->path_truncated = strlen(url) >= sizeof r->path;
        buf_init(&r->body, s->opts.max_body);
        *con_cls = r;
        pthread_mutex_lock(&s->lock);
        s->active++;
        pthread_mutex_unlock(&s->lock);
        if (precheck(r, c, method, &ret))
            return ret;
        if (r->route->begin)
            return r->route->begin(r, c);
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
        return http_error(r, c, MHD_HTTP_CONTENT_TOO_LARGE, "too_big", MCP_INVALID_REQUEST,
                          "request body is larger than the server accepts");
    return r->route->finish(r, c);
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
    metrics_observe(s->metrics, r->route ? r->route->path : "other", r->status, ns);
    log_write(LOG_LEVEL_INFO, "%s %s %u %lluus%s", r->method, r->path, r->status,
              (unsigned long long)(ns / 1000),
              toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection ended early)");
    buf_release(&r->body);
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
    free(s->version);
    metrics_free(s->metrics);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->idle);
    free(s);
}

http_server *http_start(const struct http_options *o, struct app *a, struct err *e)
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
    s->app = a;
    s->opts = *o;
    s->opts.max_body = o->max_body ? o->max_body : HTTP_MAX_BODY_DEFAULT;
    s->opts.threads = o->threads ? o->threads : cores();
    s->opts.max_connections = o->max_connections ? o->max_connections : HTTP_MAX_CONNECTIONS;
    s->opts.conn_timeout_s = o->conn_timeout_s ? o->conn_timeout_s : HTTP_CONN_TIMEOUT_S;
    s->origins = xcalloc(o->nallow_origins + 1, sizeof *s->origins);
    for (size_t i = 0; i < o->nallow_origins; i++)
        s->origins[i] = xstrdup(o->allow_origins[i]);
    s->opts.allow_origins = (const char *const *)s->origins;
    s->version = xstrdup(o->version ? o->version : "unknown");
    s->opts.version = s->version;
    s->metrics = metrics_new();
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
    s->mcp = http_mcp_new(s);
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
    wait_idle(s, now_ns() + (uint64_t)grace_ms * 1000000ull);
    http_mcp_abort_streams(s->mcp);
    wait_idle(s, now_ns() + (uint64_t)HTTP_STOP_DRAIN_MS * 1000000ull);
    MHD_stop_daemon(s->daemon);
    http_mcp_free(s->mcp, grace_ms);
    server_free(s);
}
