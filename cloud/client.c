/* client.c - cloud_call: builds the RPC request (parameters, RegionId, ClientToken, V3
 * headers and signature), sends it through transport.c, classifies the answer and retries
 * with backoff when that is safe. Layer: cloud. */
#include "cloud/cloud.h"
#include "cloud/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#ifndef SKILLD_VERSION
#define SKILLD_VERSION "0"
#endif

struct cloud_client {
    char *region;
    char *scheme;
    char *ecs_host; /* host[:port] */
    char *vpc_host;
    int fixed_hosts; /* 1: the endpoints were given (a simulator, a proxy): every region
                      * goes there; 0: each region has its own <product>.<region> host */
    struct cloud_credentials creds; /* own copy */
    struct cloud_config cfg;        /* numbers and trace; its pointers are not used */
    struct cloud_pool *pool;
};

/* The products we call: one row each. To add one, give its API version and its host field. */
static const struct {
    const char *name;
    const char *version;
    size_t host_offset; /* of the char * in struct cloud_client */
} products[] = {
    {"ecs", "2014-05-26", offsetof(struct cloud_client, ecs_host)},
    {"vpc", "2016-04-28", offsetof(struct cloud_client, vpc_host)},
};

void cloud_config_defaults(struct cloud_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->scheme = "https";
    cfg->connect_timeout_ms = 5000;
    cfg->timeout_ms = 30000;
    cfg->max_retries = 3;
    cfg->retry_base_ms = 200;
    cfg->retry_max_ms = 20000;
    cfg->max_response_bytes = CLOUD_MAX_RESPONSE_DEFAULT;
    cfg->max_connections = 4;
}

/* host[:port] with a conservative character set, so it is safe in a URL and a header. */
static int endpoint_ok(const char *ep)
{
    size_t len = strlen(ep);
    if (len == 0 || len > 255)
        return 0;
    return strspn(ep, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") == len;
}

/* 1 for 127.0.0.0/8, localhost and [::1], with or without a port. */
static int endpoint_is_loopback(const char *ep)
{
    if (strncmp(ep, "[::1]", 5) == 0)
        return ep[5] == '\0' || ep[5] == ':';
    size_t host_len = strcspn(ep, ":");
    if (host_len == 9 && strncasecmp(ep, "localhost", 9) == 0)
        return 1;
    unsigned a, b, c, d;
    char rest = '\0';
    char host[64];
    if (host_len >= sizeof host)
        return 0;
    memcpy(host, ep, host_len);
    host[host_len] = '\0';
    return sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &rest) == 4 && a == 127 && b < 256 &&
           c < 256 && d < 256;
}

/* 1 when s is non-empty ASCII without control bytes (and, for the AccessKey ID, without the
 * space and comma that delimit the Authorization fields). The ID and the STS token travel in
 * header lines, where a CR or LF would break the request or inject a header into it. */
static int header_value_ok(const char *s, const char *also_banned)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e || strchr(also_banned, *s))
            return 0;
    return 1;
}

void cloud_client_free(cloud_client *c)
{
    if (!c)
        return;
    cloud_pool_free(c->pool);
    cloud_credentials_release(&c->creds);
    free(c->region);
    free(c->scheme);
    free(c->ecs_host);
    free(c->vpc_host);
    free(c);
}

cloud_client *cloud_client_new(const struct cloud_config *cfg, struct err *e)
{
    const struct cloud_credentials *cr = cfg->credentials;
    const char *scheme = cfg->scheme ? cfg->scheme : "https";
    if (!cfg->region || !*cfg->region || !endpoint_ok(cfg->region)) {
        err_set(e, ERR_INVALID, "cloud: a region such as cn-hangzhou is required");
        return NULL;
    }
    if (!cr || !cr->access_key_id || !cr->access_key_secret) {
        err_set(e, ERR_INVALID, "cloud: credentials are required");
        return NULL;
    }
    if (!header_value_ok(cr->access_key_id, " ,") ||
        (cr->security_token && *cr->security_token && !header_value_ok(cr->security_token, ""))) {
        /* The values themselves stay out of the message: the token is a secret. */
        err_set(e, ERR_INVALID, "cloud: the AccessKey ID or the STS token contains a character a "
                                "header cannot carry (a stray newline from a file?)");
        return NULL;
    }
    if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) {
        err_set(e, ERR_INVALID, "cloud: scheme must be https or http");
        return NULL;
    }
    if (cfg->max_response_bytes == 0 || cfg->max_retries < 0 || cfg->connect_timeout_ms <= 0 ||
        cfg->timeout_ms <= 0) {
        err_set(e, ERR_INVALID, "cloud: timeouts and the response limit must be positive");
        return NULL;
    }
    cloud_client *c = xcalloc(1, sizeof *c);
    c->cfg = *cfg;
    c->region = xstrdup(cfg->region);
    c->scheme = xstrdup(scheme);
    c->fixed_hosts = cfg->ecs_endpoint != NULL;
    c->ecs_host = cfg->ecs_endpoint ? xstrdup(cfg->ecs_endpoint)
                                    : xasprintf("ecs.%s.aliyuncs.com", cfg->region);
    c->vpc_host = cfg->vpc_endpoint ? xstrdup(cfg->vpc_endpoint)
                                    : xasprintf("vpc.%s.aliyuncs.com", cfg->region);
    for (size_t i = 0; i < ARRAY_LEN(products); i++) {
        const char *host = *(char **)((char *)c + products[i].host_offset);
        if (!endpoint_ok(host)) {
            err_set(e, ERR_INVALID, "cloud: %s endpoint '%.100s' is not host[:port]",
                    products[i].name, host);
            goto fail;
        }
        if (strcmp(scheme, "http") == 0 && !endpoint_is_loopback(host)) {
            err_set(e, ERR_INVALID,
                    "cloud: plain http is allowed only to loopback hosts, not '%.100s'", host);
            goto fail;
        }
    }
    cloud_credentials_set(&c->creds, cr->access_key_id, cr->access_key_secret, cr->security_token,
                          cr->source);
    c->pool = cloud_pool_new(cfg->max_connections);
    return c;

fail:
    cloud_client_free(c);
    return NULL;
}

/* ---- Error classification ---------------------------------------------------------------- */

enum match { EXACT, PREFIX, SUFFIX };

static int code_matches(const char *code, enum match how, const char *pat)
{
    size_t cl = strlen(code), pl = strlen(pat);
    switch (how) {
    case EXACT:
        return strcmp(code, pat) == 0;
    case PREFIX:
        return cl >= pl && strncmp(code, pat, pl) == 0;
    case SUFFIX:
        return cl >= pl && strcmp(code + cl - pl, pat) == 0;
    }
    return 0;
}

/* API error Code -> our err_code, first match wins (notes §3.5). Unlisted codes: ERR_REMOTE. */
static const struct {
    enum match how;
    const char *pattern;
    err_code code;
} code_map[] = {
    {SUFFIX, ".NotFound", ERR_NOT_FOUND},
    {PREFIX, "Throttling", ERR_LIMIT},
    {PREFIX, "Rejected.Throttling", ERR_LIMIT},
    {PREFIX, "QuotaExceed", ERR_LIMIT},
    {PREFIX, "Forbidden", ERR_DENIED},
    {PREFIX, "InvalidAccessKeyId", ERR_DENIED},
    {PREFIX, "InvalidSecurityToken", ERR_DENIED},
    {EXACT, "SignatureDoesNotMatch", ERR_DENIED},
    {EXACT, "IncompleteSignature", ERR_DENIED},
    {EXACT, "NoPermission", ERR_DENIED},
    {PREFIX, "Incorrect", ERR_WRONG_STATE}, /* IncorrectInstanceStatus, IncorrectDiskStatus, ... */
    {EXACT, "OperationConflict", ERR_WRONG_STATE},
    {EXACT, "LastTokenProcessing", ERR_WRONG_STATE},
    {PREFIX, "InstanceLockedForSecurity", ERR_WRONG_STATE},
    {PREFIX, "MissingParameter", ERR_INVALID},
    {PREFIX, "Invalid", ERR_INVALID},
    {PREFIX, "UnsupportedParameter", ERR_INVALID},
    {EXACT, "IdempotentParameterMismatch", ERR_INVALID},
};

/* Codes worth retrying (notes §3.5, §3.6); HTTP 5xx and x-acs-retry-after are retried too. */
static const struct {
    enum match how;
    const char *pattern;
} retry_codes[] = {
    {PREFIX, "Throttling"},
    {PREFIX, "Rejected.Throttling"},
    {PREFIX, "ServiceUnavailable"},
    {PREFIX, "InternalError"},
    /* libcurl resends a request whose reused connection died unanswered, nonce and all; the
     * server refuses that copy without acting on it, so a re-signed attempt is safe. */
    {EXACT, "SignatureNonceUsed"},
};

/* Codes that mean "the DryRun checks passed" (notes §3.7). */
static const char *const dry_run_ok_codes[] = {"DryRunOperation", "DRYRUN.SUCCESS"};

static err_code map_code(const char *code)
{
    for (size_t i = 0; i < ARRAY_LEN(code_map); i++)
        if (code_matches(code, code_map[i].how, code_map[i].pattern))
            return code_map[i].code;
    return ERR_REMOTE;
}

static int code_is_retryable(const char *code)
{
    for (size_t i = 0; i < ARRAY_LEN(retry_codes); i++)
        if (code_matches(code, retry_codes[i].how, retry_codes[i].pattern))
            return 1;
    return 0;
}

int cloud_error_is_dry_run_ok(const struct cloud_error *e)
{
    for (size_t i = 0; e && i < ARRAY_LEN(dry_run_ok_codes); i++)
        if (strcmp(e->code_str, dry_run_ok_codes[i]) == 0)
            return 1;
    return 0;
}

/* ---- Answers ----------------------------------------------------------------------------- */

/* Parse a whole NUL-terminated buffer as JSON. cJSON's require_null_terminated check looks at
 * the byte after the value, so the length passed includes the terminator; an embedded NUL
 * would end the text early, hence the memchr. */
static cJSON *parse_json(const struct buf *b)
{
    if (!b->data || memchr(b->data, '\0', b->len))
        return NULL;
    return cJSON_ParseWithLengthOpts(b->data, b->len + 1, NULL, 1);
}

static void copy_field(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static const char *json_string(const cJSON *obj, const char *a, const char *b)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, a);
    if (!cJSON_IsString(v) && b)
        v = cJSON_GetObjectItemCaseSensitive(obj, b);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The text of <tag>...</tag> in an XML error body into dst (no entities decoded: these fields
 * are plain ASCII in practice). The XML form is rare; a JSON parser is used otherwise. */
static void xml_field(const char *body, const char *tag, char *dst, size_t cap)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *s = strstr(body, open);
    const char *end = s ? strstr(s, close) : NULL;
    if (!s || !end)
        return;
    s += strlen(open);
    size_t n = (size_t)(end - s) < cap - 1 ? (size_t)(end - s) : cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* Fill the API fields of *ce from an error body (JSON, or XML when the server chose that). */
static void parse_error_body(const struct buf *body, const char *content_type,
                             struct cloud_error *ce)
{
    if (!body->data)
        return;
    if (strstr(content_type, "xml") || body->data[0] == '<') {
        xml_field(body->data, "Code", ce->code_str, sizeof ce->code_str);
        xml_field(body->data, "Message", ce->message, sizeof ce->message);
        xml_field(body->data, "RequestId", ce->request_id, sizeof ce->request_id);
        xml_field(body->data, "Recommend", ce->recommend, sizeof ce->recommend);
        return;
    }
    cJSON *j = parse_json(body);
    if (cJSON_IsObject(j)) {
        copy_field(ce->code_str, sizeof ce->code_str, json_string(j, "Code", "code"));
        copy_field(ce->message, sizeof ce->message, json_string(j, "Message", "message"));
        copy_field(ce->request_id, sizeof ce->request_id, json_string(j, "RequestId", "requestId"));
        copy_field(ce->recommend, sizeof ce->recommend, json_string(j, "Recommend", NULL));
    }
    cJSON_Delete(j);
}

/* ---- Requests ---------------------------------------------------------------------------- */

/* The parameters actually sent: the caller's, plus RegionId and ClientToken when missing. */
struct call_params {
    struct cloud_kv *kv;
    size_t n;
    char token[37]; /* generated ClientToken, if any */
    int has_token;  /* the request carries a ClientToken (given or generated) */
};

static const char *kv_get(const struct cloud_kv *kv, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(kv[i].name, name) == 0)
            return kv[i].value;
    return NULL;
}

static err_code build_params(const cloud_client *c, const char *region_id, const char *action,
                             const struct cloud_kv *params, size_t n, struct call_params *out)
{
    if (n > CLOUD_MAX_PARAMS)
        return ERR_TOO_BIG;
    out->kv = xcalloc(n + 2, sizeof *out->kv);
    for (size_t i = 0; i < n; i++) {
        if (!params[i].name || !params[i].value || !*params[i].name)
            return ERR_INVALID;
        out->kv[out->n++] = params[i];
    }
    const char *region = cloud_action_region_param(action);
    if (region && !kv_get(params, n, region))
        out->kv[out->n++] = (struct cloud_kv){region, region_id ? region_id : c->region};
    const char *given = kv_get(params, n, "ClientToken");
    out->has_token = given && *given;
    if (!given && cloud_action_takes_client_token(action)) {
        uuid4(out->token);
        out->kv[out->n++] = (struct cloud_kv){"ClientToken", out->token};
        out->has_token = 1;
    }
    return ERR_OK;
}

/* Parameter names whose values are secrets: never traced. Matched as substrings, any case. */
static const char *const secret_param_words[] = {"password", "secret", "privatekey",
                                                 "securitytoken"};

static int param_is_secret(const char *name)
{
    char lower[CLOUD_MAX_PARAM_NAME + 1];
    size_t n = 0;
    for (; name[n] && n < CLOUD_MAX_PARAM_NAME; n++)
        lower[n] = (name[n] >= 'A' && name[n] <= 'Z') ? (char)(name[n] - 'A' + 'a') : name[n];
    lower[n] = '\0';
    for (size_t i = 0; i < ARRAY_LEN(secret_param_words); i++)
        if (strstr(lower, secret_param_words[i]))
            return 1;
    return 0;
}

static void trace(const cloud_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void trace(const cloud_client *c, const char *fmt, ...)
{
    if (!c->cfg.trace)
        return;
    struct buf line;
    buf_init(&line, 16 * 1024);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&line, fmt, ap);
    va_end(ap);
    if (line.data)
        c->cfg.trace(c->cfg.trace_data, line.data);
    buf_release(&line);
}

/* The parameters for a trace line, secret values replaced. */
static void trace_params(const struct call_params *p, struct buf *out)
{
    for (size_t i = 0; i < p->n; i++)
        buf_printf(out, "%s%s=%s", i ? " " : "", p->kv[i].name,
                   param_is_secret(p->kv[i].name) ? "<redacted>" : p->kv[i].value);
}

/* Everything one signed attempt needs; released by attempt_release. */
struct attempt {
    struct buf canonical, signed_headers, auth, url;
    char *lines[16];
    size_t nlines;
};

static void attempt_release(struct attempt *a)
{
    buf_release(&a->canonical);
    buf_release(&a->signed_headers);
    buf_release(&a->auth);
    buf_release(&a->url);
    for (size_t i = 0; i < a->nlines; i++)
        free(a->lines[i]);
    a->nlines = 0;
}

/* Sign the request with a fresh date and nonce, producing the URL and the header lines. */
static err_code attempt_build(const cloud_client *c, const char *host, const char *version,
                              const char *action, const struct call_params *p, struct attempt *a)
{
    buf_init(&a->canonical, CLOUD_MAX_REQUEST * 2);
    buf_init(&a->signed_headers, 4096);
    buf_init(&a->auth, 8192);
    buf_init(&a->url, CLOUD_MAX_REQUEST + 512);
    a->nlines = 0;

    char date[32], nonce[37];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    uuid4(nonce);
    const struct cloud_credentials *cr = &c->creds;
    struct cloud_kv signed_h[8] = {
        {"host", host},
        {"x-acs-action", action},
        {"x-acs-version", version},
        {"x-acs-date", date},
        {"x-acs-signature-nonce", nonce},
        {"x-acs-content-sha256", CLOUD_EMPTY_SHA256},
    };
    size_t nh = 6;
    if (cr->security_token) {
        signed_h[nh++] = (struct cloud_kv){"x-acs-security-token", cr->security_token};
        signed_h[nh++] = (struct cloud_kv){"x-acs-accesskey-id", cr->access_key_id};
    }
    err_code rc = cloud_canonical_request("POST", "/", p->kv, p->n, signed_h, nh,
                                          CLOUD_EMPTY_SHA256, &a->canonical, &a->signed_headers);
    if (rc)
        return rc;
    char sig[65];
    cloud_sign_v3(a->canonical.data, a->canonical.len, cr->access_key_secret, sig);
    rc = cloud_authorization(cr->access_key_id, a->signed_headers.data, sig, &a->auth);
    if (rc)
        return rc;
    /* The wire query is the canonical query string (third line): same encoding, same order. */
    const char *q = strchr(strchr(a->canonical.data, '\n') + 1, '\n') + 1;
    size_t qlen = strcspn(q, "\n");
    rc = buf_printf(&a->url, "%s://%s/%s%.*s", c->scheme, host, qlen ? "?" : "", (int)qlen, q);
    if (rc)
        return rc;
    for (size_t i = 0; i < nh; i++)
        a->lines[a->nlines++] = xasprintf("%s: %s", signed_h[i].name, signed_h[i].value);
    a->lines[a->nlines++] = xstrdup("accept: application/json");
    a->lines[a->nlines++] = xstrdup("user-agent: skilld/" SKILLD_VERSION);
    a->lines[a->nlines++] = xasprintf("authorization: %s", a->auth.data);
    a->lines[a->nlines++] = xstrdup("Content-Type:"); /* no body: drop libcurl's default */
    a->lines[a->nlines++] = xstrdup("Expect:");
    return ERR_OK;
}

/* Sleep for ms milliseconds (restarted when a signal interrupts it). */
static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Full-jitter exponential backoff, or the server's x-acs-retry-after; both capped. */
static long backoff_ms(const cloud_client *c, int retry, long retry_after_ms)
{
    long cap = c->cfg.retry_max_ms > 0 ? c->cfg.retry_max_ms : 20000;
    if (retry_after_ms > 0)
        return retry_after_ms < cap ? retry_after_ms : cap;
    long ceiling = c->cfg.retry_base_ms > 0 ? c->cfg.retry_base_ms : 1;
    for (int i = 0; i < retry && ceiling < cap; i++)
        ceiling *= 2;
    if (ceiling > cap)
        ceiling = cap;
    uint32_t r;
    random_bytes(&r, sizeof r);
    return (long)(r % (uint32_t)(ceiling + 1));
}

/* Decide on one answer. Returns the call's code; *retry says whether another attempt helps. */
static err_code classify(const struct cloud_http_response *res, struct cloud_error *ce,
                         cJSON **ret_response, int *retry)
{
    *retry = 0;
    ce->http_status = res->status;
    if (res->too_big) {
        copy_field(ce->message, sizeof ce->message, "the answer is larger than the response limit");
        return ERR_TOO_BIG;
    }
    if (res->failed) {
        snprintf(ce->message, sizeof ce->message, "transport: %s", res->errbuf);
        *retry = res->retryable;
        return res->timed_out ? ERR_TIMEOUT : ERR_IO;
    }
    if (res->status >= 200 && res->status < 300) {
        cJSON *j = parse_json(&res->body);
        if (!cJSON_IsObject(j)) {
            cJSON_Delete(j);
            copy_field(ce->message, sizeof ce->message, "the answer is not a JSON object");
            return ERR_PARSE;
        }
        copy_field(ce->request_id, sizeof ce->request_id, json_string(j, "RequestId", "requestId"));
        *ret_response = j;
        return ERR_OK;
    }
    parse_error_body(&res->body, res->content_type, ce);
    if (!ce->message[0])
        snprintf(ce->message, sizeof ce->message, "HTTP status %d", res->status);
    *retry = res->status >= 500 || res->retry_after_ms > 0 || code_is_retryable(ce->code_str);
    if (!ce->code_str[0])
        return res->status >= 500 ? ERR_REMOTE : res->status == 404 ? ERR_NOT_FOUND : ERR_REMOTE;
    return map_code(ce->code_str);
}

err_code cloud_call(cloud_client *c, const char *product, const char *action,
                    const struct cloud_kv *params, size_t nparams, cJSON **ret_response,
                    struct cloud_error *ret_error)
{
    return cloud_call_in(c, NULL, product, action, params, nparams, ret_response, ret_error);
}

err_code cloud_call_in(cloud_client *c, const char *region_id, const char *product,
                       const char *action, const struct cloud_kv *params, size_t nparams,
                       cJSON **ret_response, struct cloud_error *ret_error)
{
    struct cloud_error local;
    struct cloud_error *ce = ret_error ? ret_error : &local;
    memset(ce, 0, sizeof *ce);
    cJSON *response = NULL;
    struct call_params p = {0};
    const char *host = NULL, *version = NULL;
    err_code rc = ERR_OK;
    char region_host[128];
    if (region_id && (!*region_id || !endpoint_ok(region_id) || strlen(region_id) > 64)) {
        copy_field(ce->message, sizeof ce->message, "malformed region id");
        rc = ERR_INVALID;
        goto cleanup;
    }
    for (size_t i = 0; product && i < ARRAY_LEN(products); i++) {
        if (strcmp(product, products[i].name) == 0) {
            host = *(char **)((char *)c + products[i].host_offset);
            version = products[i].version;
            /* Another region's resources live behind that region's endpoint. */
            if (region_id && !c->fixed_hosts && strcmp(region_id, c->region) != 0) {
                snprintf(region_host, sizeof region_host, "%s.%s.aliyuncs.com", product,
                         region_id);
                host = region_host;
            }
        }
    }
    size_t alen = action ? strlen(action) : 0;
    if (!host || alen == 0 || alen > CLOUD_MAX_ACTION ||
        strspn(action, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") != alen) {
        copy_field(ce->message, sizeof ce->message, "unknown product or malformed action name");
        rc = ERR_INVALID;
        goto cleanup;
    }
    rc = build_params(c, region_id, action, params, nparams, &p);
    if (rc) {
        copy_field(ce->message, sizeof ce->message,
                   rc == ERR_TOO_BIG ? "too many parameters" : "a parameter has no name or value");
        goto cleanup;
    }
    int may_retry = cloud_action_is_read(action) || p.has_token;
    int max_attempts = 1 + (may_retry ? c->cfg.max_retries : 0);
    for (int attempt = 1;; attempt++) {
        struct attempt a;
        rc = attempt_build(c, host, version, action, &p, &a);
        if (rc) {
            attempt_release(&a);
            copy_field(ce->message, sizeof ce->message,
                       rc == ERR_TOO_BIG ? "the request is larger than its limit"
                                         : "the request cannot be signed (a malformed header value)");
            goto cleanup;
        }
        struct buf shown;
        buf_init(&shown, 16 * 1024);
        trace_params(&p, &shown);
        trace(c, "cloud: -> POST %s://%s/ %s %s (attempt %d of %d) %s", c->scheme, host, product,
              action, attempt, max_attempts, shown.data ? shown.data : "");
        buf_release(&shown);
        struct cloud_http_request req = {
            .url = a.url.data,
            .headers = (const char *const *)a.lines,
            .nheaders = a.nlines,
            .connect_timeout_ms = c->cfg.connect_timeout_ms,
            .timeout_ms = c->cfg.timeout_ms,
            .fresh_connection = !may_retry,
        };
        struct cloud_http_response res = {0};
        buf_init(&res.body, c->cfg.max_response_bytes);
        cloud_http_perform(c->pool, &req, &res);
        attempt_release(&a);
        ce->attempts = attempt;
        memset(ce->code_str, 0, sizeof ce->code_str);
        ce->message[0] = ce->request_id[0] = ce->recommend[0] = '\0';
        int retry = 0;
        rc = classify(&res, ce, &response, &retry);
        long wait =
            retry && attempt < max_attempts ? backoff_ms(c, attempt - 1, res.retry_after_ms) : -1;
        trace(c, "cloud: <- %d %s %s RequestId=%s%s", res.status, err_name(rc),
              ce->code_str[0] ? ce->code_str : "-", ce->request_id[0] ? ce->request_id : "-",
              wait >= 0 ? " (will retry)" : "");
        buf_release(&res.body);
        if (wait < 0)
            break;
        sleep_ms(wait);
    }

cleanup:
    ce->code = rc;
    free(p.kv);
    if (ret_response)
        *ret_response = response;
    else
        cJSON_Delete(response);
    return rc;
}
