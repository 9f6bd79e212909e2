/* server.c - the simulator's HTTP front: libmicrohttpd on loopback, bounded bodies, signature
 * verification, fault injection, one mutex around the state, atomic persistence after each
 * write, the request log and its /_sim/requests view. The operations themselves are
 * transport-free (dispatch.c). Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SIM_DEFAULT_KEY_ID "skilld-sim-key"
#define SIM_DEFAULT_SECRET "skilld-sim-secret"
#define SIM_MAX_HEADERS 100u            /* request headers looked at */
#define SIM_MAX_ACTION 64u              /* bytes of a counted action name */
#define SIM_MAX_COUNTED_ACTIONS 256u    /* distinct actions counted by sim_requests_received */
#define SIM_MAX_LATENCY_MS 60000u       /* --faults latency ceiling */
#define SIM_CONN_MEMORY (2u << 20)      /* per-connection memory: long query strings fit */
#define SIM_LOG_PATH "/_sim/requests"    /* the request log over HTTP (loopback only) */

/* Fault injection settings (all shares in [0, 1]). */
struct sim_faults {
    unsigned latency_ms; /* added before every answer */
    double throttle;     /* share answered Throttling.User (400) before any work */
    double unavailable;  /* share answered ServiceUnavailable (503) before any work */
    double drop;         /* share whose connection is closed after the work, without answer */
    uint64_t rng;        /* splitmix64 state: the same seed gives the same fault sequence */
};

struct sim_server {
    struct MHD_Daemon *daemon;
    pthread_mutex_t mu;        /* guards everything below */
    struct sim_state *st;
    struct sim_auth *auth;
    char *state_file;          /* or NULL */
    struct sim_faults faults;
    unsigned port;
    struct {
        char action[SIM_MAX_ACTION];
        unsigned long n;
    } counts[SIM_MAX_COUNTED_ACTIONS];
    size_t ncounts;
    unsigned long total;
    struct sim_reqlog *log;    /* every API request received */
    int loopback;              /* 1 when listening on 127.0.0.0/8 */
};

/* Per-request state, allocated on the first callback and freed on completion. */
struct sim_conn {
    struct buf body;
    int too_big;
};

const char *sim_default_access_key_id(void) { return SIM_DEFAULT_KEY_ID; }
const char *sim_default_access_key_secret(void) { return SIM_DEFAULT_SECRET; }

unsigned sim_port(const sim_server *s) { return s->port; }

/* ---- Faults ---------------------------------------------------------------------------- */

static double next_unit(struct sim_faults *f)
{
    uint64_t z = (f->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}

static err_code parse_share(const char *v, double *ret)
{
    char *end = NULL;
    double d = strtod(v, &end);
    if (end == v || *end || !(d >= 0.0 && d <= 1.0))
        return ERR_INVALID;
    *ret = d;
    return ERR_OK;
}

/* Parse "latency=50ms,throttle=0.2,unavailable=0.1,drop=0.05,seed=42". */
static err_code parse_faults(const char *spec, struct sim_faults *f, struct err *e)
{
    memset(f, 0, sizeof *f);
    f->rng = 1;
    if (!spec || !*spec)
        return ERR_OK;
    char *copy = xstrdup(spec), *save = NULL;
    err_code rc = ERR_OK;
    for (char *tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq) {
            rc = err_set(e, ERR_INVALID, "--faults: \"%s\" is not key=value", tok);
            break;
        }
        *eq = '\0';
        const char *k = tok, *v = eq + 1;
        long n = 0;
        if (strcmp(k, "latency") == 0) {
            size_t len = strlen(v);
            char num[32];
            if (len > 2 && strcmp(v + len - 2, "ms") == 0 && len - 2 < sizeof num) {
                memcpy(num, v, len - 2);
                num[len - 2] = '\0';
                v = num;
            }
            rc = parse_long(v, 0, SIM_MAX_LATENCY_MS, &n);
            f->latency_ms = (unsigned)n;
        } else if (strcmp(k, "throttle") == 0) {
            rc = parse_share(v, &f->throttle);
        } else if (strcmp(k, "unavailable") == 0) {
            rc = parse_share(v, &f->unavailable);
        } else if (strcmp(k, "drop") == 0) {
            rc = parse_share(v, &f->drop);
        } else if (strcmp(k, "seed") == 0) {
            rc = parse_long(v, 0, 0x7fffffffL, &n);
            f->rng = (uint64_t)n + 1;
        } else {
            rc = ERR_INVALID;
        }
        if (rc)
            err_set(e, ERR_INVALID, "--faults: bad \"%s\" (latency=MSms, throttle/unavailable/drop "
                    "= share 0..1, seed=N)", k);
    }
    free(copy);
    return rc;
}

/* ---- HTTP ------------------------------------------------------------------------------ */

struct collect {
    const char **names;
    const char **values;
    char **owned; /* lowercased names we allocated */
    size_t n;
};

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    struct collect *c = cls;
    if (c->n >= SIM_MAX_HEADERS)
        return MHD_NO;
    char *low = xstrdup(key);
    for (char *p = low; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    c->owned[c->n] = low;
    c->names[c->n] = low;
    c->values[c->n] = value ? value : "";
    c->n++;
    return MHD_YES;
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    return sim_params_add(cls, key, value ? value : "") == ERR_OK ? MHD_YES : MHD_NO;
}

static enum MHD_Result send_json(struct MHD_Connection *conn, int status, const cJSON *body,
                                 int throttled)
{
    char *text = cJSON_PrintUnformatted(body);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", "application/json;charset=utf-8");
    if (throttled)
        MHD_add_response_header(resp, "x-acs-retry-after", "50");
    enum MHD_Result r = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return r;
}

static enum MHD_Result send_fail(struct MHD_Connection *conn, const struct sim_fail *f,
                                 const char *host, int throttled)
{
    char rid[37];
    uuid4(rid);
    for (char *p = rid; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "RequestId", rid);
    cJSON_AddStringToObject(b, "HostId", host ? host : "ecs.aliyuncs.com");
    cJSON_AddStringToObject(b, "Code", f->code);
    cJSON_AddStringToObject(b, "Message", f->msg);
    char *rec = xasprintf("https://api.aliyun.com/troubleshoot?q=%s&product=Ecs&requestId=%s",
                          f->code, rid);
    cJSON_AddStringToObject(b, "Recommend", rec);
    free(rec);
    enum MHD_Result r = send_json(conn, f->status, b, throttled);
    cJSON_Delete(b);
    return r;
}

static void count_request(sim_server *s, const char *action)
{
    s->total++;
    if (!action)
        return;
    for (size_t i = 0; i < s->ncounts; i++) {
        if (strcmp(s->counts[i].action, action) == 0) {
            s->counts[i].n++;
            return;
        }
    }
    if (s->ncounts < SIM_MAX_COUNTED_ACTIONS && strlen(action) < SIM_MAX_ACTION) {
        snprintf(s->counts[s->ncounts].action, SIM_MAX_ACTION, "%s", action);
        s->counts[s->ncounts++].n = 1;
    }
}

unsigned long sim_requests_received(sim_server *s, const char *action)
{
    pthread_mutex_lock(&s->mu);
    unsigned long n = action ? 0 : s->total;
    for (size_t i = 0; action && i < s->ncounts; i++)
        if (strcmp(s->counts[i].action, action) == 0)
            n = s->counts[i].n;
    pthread_mutex_unlock(&s->mu);
    return n;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000u, (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* GET /_sim/requests?since=N: the request log, unsigned. Only ever served on loopback, where
 * the simulator exists for local testing; on any other address it is refused. */
static enum MHD_Result handle_log(sim_server *s, struct MHD_Connection *conn, const char *url,
                                  const char *method)
{
    struct sim_fail f = {0};
    if (strcmp(url, SIM_LOG_PATH) != 0) {
        f = (struct sim_fail){404, "InvalidAction.NotFound", "No such simulator page."};
        return send_fail(conn, &f, NULL, 0);
    }
    if (strcmp(method, "GET") != 0) {
        f = (struct sim_fail){405, "UnsupportedHTTPMethod", "Use GET for " SIM_LOG_PATH "."};
        return send_fail(conn, &f, NULL, 0);
    }
    if (!s->loopback) {
        f = (struct sim_fail){403, "Forbidden.NotLoopback",
                              "The request log is served only when the simulator listens on a "
                              "loopback address."};
        return send_fail(conn, &f, NULL, 0);
    }
    const char *since_s = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "since");
    long since = 0;
    if (since_s && parse_long(since_s, 0, 0x7fffffffL, &since) != ERR_OK) {
        f = (struct sim_fail){400, "InvalidParameter",
                              "The parameter \"since\" must be a sequence number (0 or more)."};
        return send_fail(conn, &f, NULL, 0);
    }
    unsigned long next = 0;
    pthread_mutex_lock(&s->mu);
    cJSON *arr = sim_reqlog_since(s->log, (unsigned long)since, &next);
    pthread_mutex_unlock(&s->mu);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, "requests", arr);
    cJSON_AddNumberToObject(body, "next", (double)next);
    enum MHD_Result r = send_json(conn, 200, body, 0);
    cJSON_Delete(body);
    return r;
}

cJSON *sim_request_log(sim_server *s, unsigned long since_seq)
{
    pthread_mutex_lock(&s->mu);
    cJSON *arr = sim_reqlog_since(s->log, since_seq, NULL);
    pthread_mutex_unlock(&s->mu);
    return arr;
}

/* One complete request: everything after the body has arrived. */
static enum MHD_Result handle(sim_server *s, struct MHD_Connection *conn, const char *url,
                              const char *method, struct sim_conn *sc)
{
    if (strncmp(url, "/_sim/", 6) == 0)
        return handle_log(s, conn, url, method);
    const char *names[SIM_MAX_HEADERS], *values[SIM_MAX_HEADERS];
    char *owned[SIM_MAX_HEADERS];
    struct collect hc = {names, values, owned, 0};
    struct sim_params query, all;
    sim_params_init(&query);
    sim_params_init(&all);
    struct sim_fail f = {0};
    enum MHD_Result result = MHD_YES;
    struct sim_reply reply = {0};
    int drop = 0, throttled = 0;
    uint64_t now = now_wall_ms();
    int log_status = 0;
    char log_code[96] = "";

    MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header, &hc);
    struct sim_http_req req = {method, names, values, hc.n, &query, sc->body.data, sc->body.len};
    const char *host = sim_http_header(&req, "host");
    const char *action = sim_http_header(&req, "x-acs-action");

    /* Collected before anything can fail, so that the request log shows what was asked. */
    int too_many = MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg, &query) < 0 ||
                   query.n >= SIM_MAX_PARAMS;
    for (size_t i = 0; i < query.n; i++)
        sim_params_add(&all, query.v[i].key, query.v[i].val);

    pthread_mutex_lock(&s->mu);
    count_request(s, action);
    double u_throttle = next_unit(&s->faults), u_unavail = next_unit(&s->faults);
    double u_drop = next_unit(&s->faults);
    unsigned latency = s->faults.latency_ms;
    pthread_mutex_unlock(&s->mu);
    if (latency) {
        sleep_ms(latency);
        now = now_wall_ms();
    }
    drop = u_drop < s->faults.drop;

    if (u_throttle < s->faults.throttle) {
        throttled = 1;
        f = (struct sim_fail){400, "Throttling.User", "Request was denied due to user flow control."};
        goto failed;
    }
    if (u_unavail < s->faults.unavailable) {
        f = (struct sim_fail){503, "ServiceUnavailable",
                              "The request has failed due to a temporary failure of the server."};
        goto failed;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0) {
        f = (struct sim_fail){403, "UnsupportedHTTPMethod", "Use GET or POST."};
        goto failed;
    }
    if (sc->too_big) {
        snprintf(f.msg, sizeof f.msg, "The request body exceeds %u bytes.", SIM_MAX_BODY);
        f.status = 413;
        snprintf(f.code, sizeof f.code, "InvalidParameter.BodyTooLarge");
        goto failed;
    }
    if (too_many) {
        f = (struct sim_fail){400, "InvalidParameter", "Too many query parameters."};
        goto failed;
    }
    pthread_mutex_lock(&s->mu);
    err_code rc = sim_auth_verify(s->auth, &req, now, &f);
    pthread_mutex_unlock(&s->mu);
    if (rc)
        goto failed;
    const char *ctype = sim_http_header(&req, "content-type");
    if (sc->body.len > 0 && ctype &&
        strncasecmp(ctype, "application/x-www-form-urlencoded", 33) == 0 &&
        sim_params_parse_form(&all, sc->body.data, sc->body.len) != ERR_OK) {
        f = (struct sim_fail){400, "InvalidParameter", "The form body is malformed or too large."};
        goto failed;
    }

    pthread_mutex_lock(&s->mu);
    sim_state_call(s->st, action, sim_http_header(&req, "x-acs-version"), &all, host, now, &reply);
    if (reply.mutated && s->state_file) {
        char *dump = sim_state_dump(s->st);
        struct err e = {0};
        if (sim_write_atomic(s->state_file, dump, strlen(dump), &e) != ERR_OK) {
            cJSON_Delete(reply.body);
            reply.body = NULL;
            f = (struct sim_fail){500, "InternalError", "The simulator could not save its state."};
        }
        free(dump);
    }
    pthread_mutex_unlock(&s->mu);
    if (!reply.body)
        goto failed;
    log_status = reply.status;
    if (reply.status != 200) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(reply.body, "Code");
        snprintf(log_code, sizeof log_code, "%s", cJSON_IsString(code) ? code->valuestring : "");
    }
    /* A dropped connection loses the answer of work that was done: what ClientToken is for. */
    result = drop ? MHD_NO : send_json(conn, reply.status, reply.body, 0);
    goto cleanup;

failed:
    log_status = f.status;
    snprintf(log_code, sizeof log_code, "%s", f.code);
    result = drop ? MHD_NO : send_fail(conn, &f, host, throttled);
cleanup:
    /* The log says what the client was answered: status 0 when the connection was dropped. */
    pthread_mutex_lock(&s->mu);
    sim_reqlog_add(s->log, now, action, sim_http_header(&req, "x-acs-version"), &all,
                   drop ? 0 : log_status, log_code[0] ? log_code : NULL);
    pthread_mutex_unlock(&s->mu);
    cJSON_Delete(reply.body);
    for (size_t i = 0; i < hc.n; i++)
        free(owned[i]);
    sim_params_release(&query);
    sim_params_release(&all);
    return result;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    sim_server *s = cls;
    struct sim_conn *sc = *con_cls;
    if (!sc) {
        sc = xcalloc(1, sizeof *sc);
        buf_init(&sc->body, SIM_MAX_BODY);
        *con_cls = sc;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!sc->too_big && buf_append(&sc->body, upload, *upload_size) != ERR_OK)
            sc->too_big = 1;
        *upload_size = 0;
        return MHD_YES;
    }
    return handle(s, conn, url, method, sc);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct sim_conn *sc = *con_cls;
    if (!sc)
        return;
    buf_release(&sc->body);
    free(sc);
    *con_cls = NULL;
}

/* ---- Lifecycle --------------------------------------------------------------------------- */

static err_code load_state(const struct sim_config *cfg, struct sim_state **ret, struct err *e)
{
    char *text = NULL;
    size_t len = 0;
    const char *what = NULL;
    err_code rc = ERR_NOT_FOUND;
    if (cfg->state_file) {
        struct err probe = {0};
        rc = sim_read_file(cfg->state_file, SIM_MAX_STATE_FILE, &text, &len, &probe);
        if (rc != ERR_OK && rc != ERR_NOT_FOUND)
            return err_set(e, rc, "%s", probe.msg);
        what = cfg->state_file;
    }
    if (rc == ERR_NOT_FOUND && cfg->seed_file) {
        rc = sim_read_file(cfg->seed_file, SIM_MAX_STATE_FILE, &text, &len, e);
        if (rc)
            return rc;
        what = cfg->seed_file;
    }
    if (rc == ERR_NOT_FOUND) {
        rc = sim_state_new(sim_demo_region_json, sim_demo_region_json_len, "embedded demo region",
                           cfg->transition_ms, ret, e);
        return rc;
    }
    rc = sim_state_new(text, len, what, cfg->transition_ms, ret, e);
    free(text);
    return rc;
}

int sim_host_is_loopback(const char *host)
{
    struct in_addr a;
    if (strcmp(host, "localhost") == 0)
        return 1;
    return inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

static void *sim_cjson_malloc(size_t n) { return xmalloc(n); }

sim_server *sim_start(const struct sim_config *cfg, struct err *e)
{
    cJSON_Hooks hooks = {sim_cjson_malloc, free};
    cJSON_InitHooks(&hooks);
    sim_server *s = xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    const char *host = cfg->host ? cfg->host : "127.0.0.1";
    if (strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)cfg->port);
    if (cfg->port > 65535 || inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        err_set(e, ERR_INVALID, "listen address %s:%u is not an IPv4 address and port", host, cfg->port);
        goto fail;
    }
    s->loopback = sim_host_is_loopback(host);
    s->log = sim_reqlog_new();
    if (parse_faults(cfg->faults, &s->faults, e) != ERR_OK)
        goto fail;
    if (load_state(cfg, &s->st, e) != ERR_OK)
        goto fail;
    s->auth = sim_auth_new(cfg->access_key_id ? cfg->access_key_id : SIM_DEFAULT_KEY_ID,
                           cfg->access_key_secret ? cfg->access_key_secret : SIM_DEFAULT_SECRET);
    s->state_file = cfg->state_file ? xstrdup(cfg->state_file) : NULL;
    if (s->state_file) {
        /* Write at once: a fresh state file exists from the start, and an unwritable path is
         * reported now rather than on the first write. */
        char *dump = sim_state_dump(s->st);
        err_code rc = sim_write_atomic(s->state_file, dump, strlen(dump), e);
        free(dump);
        if (rc)
            goto fail;
    }
    s->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, (uint16_t)cfg->port, NULL,
        NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)SIM_CONN_MEMORY, MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT,
        30u, MHD_OPTION_END);
    if (!s->daemon) {
        err_set(e, ERR_IO, "cannot listen on %s:%u (in use or not permitted)", host, cfg->port);
        goto fail;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : cfg->port;
    return s;
fail:
    sim_stop(s);
    return NULL;
}

void sim_stop(sim_server *s)
{
    if (!s)
        return;
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    sim_state_free(s->st);
    sim_auth_free(s->auth);
    sim_reqlog_free(s->log);
    free(s->state_file);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
