/* transport.c - one HTTP exchange over libcurl for the client: a small pool of reused easy
 * handles (connection reuse), timeouts, TLS verification always on, no redirects, bounded
 * headers and body. Layer: cloud. Knows nothing of signing or of the API's JSON. */
#include "cloud/internal.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HEADER_BYTES_MAX (64 * 1024) /* all response header lines of one answer */

struct cloud_pool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    CURL **handles; /* created lazily; NULL until first needed */
    int *busy;      /* 1 while a call uses handles[i] */
    int size;       /* slots */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct cloud_pool *cloud_pool_new(int size)
{
    pthread_once(&curl_once, curl_init_once);
    struct cloud_pool *p = xcalloc(1, sizeof *p);
    p->size = size > 0 ? size : 1;
    p->handles = xcalloc((size_t)p->size, sizeof *p->handles);
    p->busy = xcalloc((size_t)p->size, sizeof *p->busy);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->freed, NULL);
    return p;
}

void cloud_pool_free(struct cloud_pool *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->size; i++)
        if (p->handles[i])
            curl_easy_cleanup(p->handles[i]);
    free(p->handles);
    free(p->busy);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->freed);
    free(p);
}

/* Take a free slot, waiting while all are busy; returns its index. */
static int pool_acquire(struct cloud_pool *p)
{
    pthread_mutex_lock(&p->lock);
    int slot = -1;
    for (;;) {
        for (int i = 0; i < p->size && slot < 0; i++)
            if (!p->busy[i])
                slot = i;
        if (slot >= 0)
            break;
        pthread_cond_wait(&p->freed, &p->lock);
    }
    p->busy[slot] = 1;
    if (!p->handles[slot])
        p->handles[slot] = curl_easy_init();
    pthread_mutex_unlock(&p->lock);
    if (!p->handles[slot]) {
        fprintf(stderr, "skilld: curl_easy_init failed\n");
        abort(); /* only happens out of memory */
    }
    return slot;
}

static void pool_release(struct cloud_pool *p, int slot)
{
    pthread_mutex_lock(&p->lock);
    p->busy[slot] = 0;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->lock);
}

/* Per-transfer state seen by the callbacks. */
struct xfer {
    struct cloud_http_response *res;
    size_t header_bytes;
};

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * n;
    if (buf_append(&x->res->body, data, len)) {
        x->res->too_big = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    return len;
}

/* Copy a header's value (trimmed) into out when the line is "name: value". */
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
    x->header_bytes += len;
    if (x->header_bytes > HEADER_BYTES_MAX) {
        x->res->too_big = 1;
        return 0;
    }
    if (len > 5 && strncmp(line, "HTTP/", 5) == 0) { /* a new answer: forget the last one's */
        x->res->retry_after_ms = 0;
        x->res->content_type[0] = '\0';
        return len;
    }
    char value[64];
    if (header_value(line, len, "x-acs-retry-after", value, sizeof value)) {
        long ms;
        if (parse_long(value, 1, 24L * 3600 * 1000, &ms) == ERR_OK)
            x->res->retry_after_ms = ms;
    } else {
        header_value(line, len, "content-type", x->res->content_type, sizeof x->res->content_type);
    }
    return len;
}

void cloud_http_perform(struct cloud_pool *pool, const struct cloud_http_request *req,
                        struct cloud_http_response *res)
{
    int slot = pool_acquire(pool);
    CURL *h = pool->handles[slot];
    struct curl_slist *headers = NULL;
    struct xfer x = {.res = res};
    res->errbuf[0] = '\0';

    curl_easy_reset(h); /* keeps the live connections, which is the point of the pool */
    for (size_t i = 0; i < req->nheaders; i++) {
        struct curl_slist *next = curl_slist_append(headers, req->headers[i]);
        if (!next) {
            fprintf(stderr, "skilld: out of memory\n");
            abort();
        }
        headers = next;
    }
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)res->body.max);
    if (req->fresh_connection) {
        curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
    }
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, res->errbuf);

    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(headers);
    pool_release(pool, slot);

    res->status = (int)status;
    res->failed = cc != CURLE_OK;
    if (cc == CURLE_FILESIZE_EXCEEDED)
        res->too_big = 1;
    res->timed_out = cc == CURLE_OPERATION_TIMEDOUT;
    /* Failures where the request may not have been processed, so a retry is sensible. */
    res->retryable = cc == CURLE_OPERATION_TIMEDOUT || cc == CURLE_COULDNT_CONNECT ||
                     cc == CURLE_COULDNT_RESOLVE_HOST || cc == CURLE_SEND_ERROR ||
                     cc == CURLE_RECV_ERROR || cc == CURLE_GOT_NOTHING ||
                     cc == CURLE_PARTIAL_FILE || cc == CURLE_SSL_CONNECT_ERROR;
    if (res->failed && !res->errbuf[0])
        snprintf(res->errbuf, sizeof res->errbuf, "%s", curl_easy_strerror(cc));
}
