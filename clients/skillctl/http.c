/* http.c - skillctl's HTTP transport: one libcurl handle kept alive across requests (a second
 * one for messages sent while a stream is being read), bounded bodies, SSE streams handed to
 * the parser as they arrive, Ctrl-C checked while waiting, and errors that say what failed and
 * what to do. Layer: clients. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clients/skillctl/skillctl.h"

#ifndef SKILLD_VERSION
#define SKILLD_VERSION "0.0.0"
#endif

struct skc_conn {
    char url[SKC_URL_MAX]; /* base URL without a trailing slash */
    char *auth;            /* "Authorization: Bearer ..." or NULL; never printed */
    long timeout_ms;
    CURL *h[2]; /* [0] requests, [1] messages sent while [0] streams */
    int busy;   /* handles in use (nesting depth) */
};

/* ---- Connection ------------------------------------------------------------------------------*/

static int visible_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

/* Check a base URL: http(s), a host, no credentials, query or fragment. */
static err_code check_url(const char *url, struct err *e)
{
    size_t n = strlen(url);
    const char *rest = NULL;
    if (n == 0)
        return err_set(e, ERR_INVALID, "the skilld URL is empty (--url or SKILLD_URL)");
    if (n >= SKC_URL_MAX)
        return err_set(e, ERR_INVALID, "the skilld URL is longer than %d bytes", SKC_URL_MAX - 1);
    if (!visible_ascii(url))
        return err_set(e, ERR_INVALID,
                       "the skilld URL '%.200s' contains spaces or control "
                       "characters",
                       url);
    if (strncasecmp(url, "http://", 7) == 0)
        rest = url + 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        rest = url + 8;
    else
        return err_set(e, ERR_INVALID,
                       "the skilld URL '%.200s' must start with http:// or "
                       "https://",
                       url);
    size_t host_len = strcspn(rest, "/");
    if (host_len == 0)
        return err_set(e, ERR_INVALID, "the skilld URL '%.200s' names no host", url);
    if (memchr(rest, '@', host_len))
        return err_set(e, ERR_INVALID,
                       "the skilld URL must not carry a user name or password; "
                       "put a bearer token in SKILLD_TOKEN instead");
    if (strpbrk(url, "?#"))
        return err_set(e, ERR_INVALID,
                       "the skilld URL '%.200s' must not have a query or "
                       "fragment",
                       url);
    return ERR_OK;
}

err_code skc_conn_new(const struct skc_conn_config *cfg, skc_conn **ret, struct err *e)
{
    *ret = NULL;
    err_code rc = check_url(cfg->url ? cfg->url : "", e);
    if (rc)
        return rc;
    if (cfg->token && *cfg->token) {
        if (strlen(cfg->token) > SKC_BEARER_MAX)
            return err_set(e, ERR_INVALID, "SKILLD_TOKEN is longer than %d bytes", SKC_BEARER_MAX);
        if (!visible_ascii(cfg->token))
            return err_set(e, ERR_INVALID,
                           "SKILLD_TOKEN contains spaces or control characters, "
                           "which cannot go in an Authorization header");
    }
    skc_conn *c = xcalloc(1, sizeof *c);
    snprintf(c->url, sizeof c->url, "%s", cfg->url);
    for (size_t n = strlen(c->url); n > 0 && c->url[n - 1] == '/'; n--)
        c->url[n - 1] = '\0';
    if (cfg->token && *cfg->token)
        c->auth = xasprintf("Authorization: Bearer %s", cfg->token);
    long s = cfg->timeout_s > 0 ? cfg->timeout_s : SKC_TIMEOUT_S_DEFAULT;
    c->timeout_ms = s * 1000;
    *ret = c;
    return ERR_OK;
}

void skc_conn_free(skc_conn *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < ARRAY_LEN(c->h); i++)
        if (c->h[i])
            curl_easy_cleanup(c->h[i]);
    if (c->auth) {
        memset(c->auth, 0, strlen(c->auth)); /* the token leaves memory with us */
        free(c->auth);
    }
    free(c);
}

const char *skc_conn_url(const skc_conn *c)
{
    return c->url;
}

void skc_reply_init(struct skc_reply *r)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->body, SKC_RESPONSE_MAX);
    r->retry_ms = -1;
}

void skc_reply_release(struct skc_reply *r)
{
    buf_release(&r->body);
}

/* ---- One transfer ----------------------------------------------------------------------------*/

struct xfer {
    const struct skc_request *rq;
    struct skc_reply *r;
    skc_sse *sse; /* once the response is known to be an event stream */
    size_t sse_bytes;
    int too_big;    /* the body passed SKC_RESPONSE_MAX */
    int sse_failed; /* the parser refused the stream (e set) */
    struct err *e;
};

/* Copy a header's value (trimmed, at most cap-1 bytes) when the line is "name: value". */
static int header_value(const char *line, size_t len, const char *name, char *out, size_t cap)
{
    size_t nlen = strlen(name);
    if (len <= nlen || strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
        return 0;
    const char *v = line + nlen + 1;
    size_t vlen = len - nlen - 1;
    while (vlen && (*v == ' ' || *v == '\t')) {
        v++;
        vlen--;
    }
    while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
        vlen--;
    if (vlen >= cap)
        vlen = cap - 1;
    memcpy(out, v, vlen);
    out[vlen] = '\0';
    return 1;
}

static size_t on_header(char *line, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * n;
    if (len > 5 && strncmp(line, "HTTP/", 5) == 0) { /* a new answer (after 100 Continue) */
        x->r->content_type[0] = '\0';
        x->r->session_id[0] = '\0';
        return len;
    }
    char *ct = x->r->content_type;
    if (header_value(line, len, "content-type", ct, sizeof x->r->content_type)) {
        ct[strcspn(ct, "; \t")] = '\0';
        for (char *p = ct; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
    } else {
        header_value(line, len, "mcp-session-id", x->r->session_id, sizeof x->r->session_id);
    }
    return len;
}

static int on_event(void *ctx, const struct skc_sse_event *ev)
{
    struct xfer *x = ctx;
    return x->rq->on_event(x->rq->ctx, ev);
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * n;
    if (!x->sse && x->rq->on_event && strcmp(x->r->content_type, "text/event-stream") == 0) {
        x->sse = skc_sse_new(SKC_SSE_EVENT_MAX);
        x->r->sse = 1;
    }
    if (x->sse) {
        if (len > SKC_SSE_STREAM_MAX - x->sse_bytes) {
            err_set(x->e, ERR_TOO_BIG, "the event stream from skilld passed %u MiB; refused",
                    SKC_SSE_STREAM_MAX >> 20);
            x->sse_failed = 1;
            return 0;
        }
        x->sse_bytes += len;
        err_code rc = skc_sse_feed(x->sse, data, len, on_event, x, x->e);
        if (rc == ERR_CANCELLED) {
            x->r->stopped = 1;
            return 0; /* the awaited message came: stop reading */
        }
        if (rc) {
            x->sse_failed = 1;
            return 0;
        }
        return len;
    }
    if (buf_append(&x->r->body, data, len) != ERR_OK) {
        x->too_big = 1;
        return 0;
    }
    return len;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    const struct xfer *x = ud;
    return skc_interrupted && !x->rq->ignore_interrupt;
}

/* The message for a failed transfer. */
static err_code transfer_error(const skc_conn *c, const struct skc_request *rq, CURLcode cc,
                               const char *errbuf, long timeout_ms, struct err *e)
{
    const char *why = errbuf[0] ? errbuf : curl_easy_strerror(cc);
    switch (cc) {
    case CURLE_COULDNT_CONNECT:
        return err_set(e, ERR_IO,
                       "cannot connect to skilld at %s: %s - is skilld running at "
                       "%s? (start it with `skilld serve`, or set --url / "
                       "SKILLD_URL)",
                       c->url, why, c->url);
    case CURLE_COULDNT_RESOLVE_HOST:
        return err_set(e, ERR_IO,
                       "cannot resolve the host of %s: %s (check --url or "
                       "SKILLD_URL)",
                       c->url, why);
    case CURLE_OPERATION_TIMEDOUT:
        return err_set(e, ERR_TIMEOUT,
                       "skilld at %s did not answer %s %s within %ld s (%s; "
                       "--timeout changes the limit)",
                       c->url, rq->method, rq->path, timeout_ms / 1000, why);
    case CURLE_GOT_NOTHING:
        return err_set(e, ERR_IO, "skilld at %s closed the connection without answering %s %s",
                       c->url, rq->method, rq->path);
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
        return err_set(e, ERR_IO, "TLS with %s failed: %s", c->url, why);
    default:
        return err_set(e, ERR_IO, "%s %s%s failed: %s", rq->method, c->url, rq->path, why);
    }
}

err_code skc_http(skc_conn *c, const struct skc_request *rq, struct skc_reply *r, struct err *e)
{
    if (skc_interrupted && !rq->ignore_interrupt)
        return err_set(e, ERR_CANCELLED, "interrupted");
    if (c->busy >= (int)ARRAY_LEN(c->h))
        return err_set(e, ERR_INTERNAL, "too many nested requests");
    CURL **slot = &c->h[c->busy];
    if (!*slot && !(*slot = curl_easy_init())) {
        fputs("skillctl: out of memory\n", stderr);
        abort();
    }
    CURL *h = *slot;
    c->busy++;
    char url[SKC_URL_MAX + 64];
    snprintf(url, sizeof url, "%s%s", c->url, rq->path);
    struct curl_slist *hd = NULL;
    char line[SKC_HEADER_MAX + 64];
    const char *fixed[] = {"Content-Type: application/json", "Expect:", c->auth};
    for (size_t i = 0; i < ARRAY_LEN(fixed); i++)
        if (fixed[i] && (i > 0 || rq->body))
            hd = curl_slist_append(hd, fixed[i]);
    snprintf(line, sizeof line, "Accept: %s", rq->accept ? rq->accept : "application/json");
    hd = curl_slist_append(hd, line);
    const struct {
        const char *name, *value;
    } opt[] = {{"Mcp-Session-Id", rq->session_id},
               {"MCP-Protocol-Version", rq->protocol},
               {"Last-Event-ID", rq->last_event_id}};
    for (size_t i = 0; i < ARRAY_LEN(opt); i++) {
        if (!opt[i].value)
            continue;
        snprintf(line, sizeof line, "%s: %s", opt[i].name, opt[i].value);
        hd = curl_slist_append(hd, line);
    }
    if (!hd) {
        fputs("skillctl: out of memory\n", stderr);
        abort();
    }

    struct xfer x = {.rq = rq, .r = r, .e = e};
    char errbuf[CURL_ERROR_SIZE] = "";
    long timeout_ms = rq->timeout_ms > 0 ? rq->timeout_ms : c->timeout_ms;
    curl_easy_reset(h); /* keeps the live connection */
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "skillctl/" SKILLD_VERSION);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)SKC_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &x);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    if (strcmp(rq->method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
    } else if (strcmp(rq->method, "DELETE") == 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
    }

    CURLcode cc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(hd);
    c->busy--;
    if (x.sse) {
        snprintf(r->last_event_id, sizeof r->last_event_id, "%s", skc_sse_last_id(x.sse));
        r->retry_ms = skc_sse_retry_ms(x.sse);
        skc_sse_free(x.sse);
    }

    if (cc == CURLE_OK || (cc == CURLE_WRITE_ERROR && r->stopped))
        return ERR_OK;
    if (cc == CURLE_ABORTED_BY_CALLBACK && skc_interrupted)
        return err_set(e, ERR_CANCELLED, "interrupted");
    if (x.sse_failed)
        return e && e->code ? e->code : ERR_PARSE;
    if (x.too_big || cc == CURLE_FILESIZE_EXCEEDED)
        return err_set(e, ERR_TOO_BIG, "the answer of %s%s is larger than %u MiB; refused", c->url,
                       rq->path, SKC_RESPONSE_MAX >> 20);
    /* A stream the server ended abruptly after some events is left to the caller to resume. */
    if (x.sse && (cc == CURLE_PARTIAL_FILE || cc == CURLE_RECV_ERROR))
        return ERR_OK;
    return transfer_error(c, rq, cc, errbuf, timeout_ms, e);
}

/* ---- Bodies -----------------------------------------------------------------------------------*/

cJSON *skc_json_parse(const char *body, size_t len, const char *what, struct err *e)
{
    if (!body || len == 0) {
        err_set(e, ERR_PARSE, "%s answered with an empty body", what);
        return NULL;
    }
    if (!utf8_valid(body, len)) {
        err_set(e, ERR_PARSE, "%s answered with text that is not valid UTF-8", what);
        return NULL;
    }
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(body, len, &end, 0);
    if (!j || !cJSON_IsObject(j)) {
        err_set(e, ERR_PARSE, "%s answered with something that is not a JSON object", what);
        cJSON_Delete(j);
        return NULL;
    }
    for (; end && end < body + len; end++)
        if (*end != ' ' && *end != '\n' && *end != '\r' && *end != '\t') {
            err_set(e, ERR_PARSE, "%s answered with text after its JSON object", what);
            cJSON_Delete(j);
            return NULL;
        }
    return j;
}

err_code skc_http_fail(const skc_conn *c, const char *what, const struct skc_reply *r,
                       struct err *e)
{
    const char *msg = NULL;
    cJSON *j = NULL;
    if (r->body.len && utf8_valid(r->body.data, r->body.len))
        j = cJSON_ParseWithLength(r->body.data, r->body.len);
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(j, "error");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(err, "message");
    if (cJSON_IsString(m))
        msg = m->valuestring;
    struct buf clean;
    buf_init(&clean, 0);
    if (msg)
        skc_text_clean(&clean, msg, strlen(msg));
    const char *hint = "";
    if (r->status == 401)
        hint = " (skilld wants a bearer token: set SKILLD_TOKEN)";
    else if (r->status == 403)
        hint = " (refused: check SKILLD_TOKEN, and that --url names a loopback host the server "
               "accepts)";
    err_set(e, ERR_REMOTE, "%s at %s answered HTTP %ld%s%s%s", what, c->url, r->status,
            clean.len ? ": " : "", clean.len ? clean.data : "", hint);
    buf_release(&clean);
    cJSON_Delete(j);
    return ERR_REMOTE;
}
