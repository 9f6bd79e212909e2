/* internal.h - private to cloud/: what the client needs from the action table.
 * Layer: cloud. Not for other folders (they include cloud/cloud.h only). */
#ifndef SKILLD_CLOUD_INTERNAL_H
#define SKILLD_CLOUD_INTERNAL_H

#include <stddef.h>

#include "base/base.h"


/* ---- transport.c: one HTTP exchange ---- */
struct cloud_pool;

/* A pool of `size` reused curl handles; calls wait while all are busy. */
struct cloud_pool *cloud_pool_new(int size);
void cloud_pool_free(struct cloud_pool *p);

/* What to send: always a POST. Strings borrowed. */
struct cloud_http_request {
    const char *url;            /* full URL, query included */
    const char *const *headers; /* "Name: value" lines */
    size_t nheaders;
    const char *body; /* may be NULL when body_len is 0 */
    size_t body_len;
    long connect_timeout_ms;
    long timeout_ms;
    int fresh_connection; /* 1: never reuse a connection. libcurl silently resends a request
                           * when a reused connection dies before answering; a write that
                           * must not run twice (no ClientToken) cannot allow that. */
};

/* What came back. The caller buf_init()s body with the response limit before the call. */
struct cloud_http_response {
    struct buf body;     /* bounded by its max */
    int status;          /* HTTP status, 0 without an answer */
    int failed;          /* the transfer did not complete */
    int timed_out;       /* ... because a timeout expired */
    int too_big;         /* ... because the body or headers passed their limit */
    int retryable;       /* ... in a way where the request may not have been processed */
    long retry_after_ms; /* x-acs-retry-after, 0 if absent or invalid */
    char content_type[128];
    char errbuf[256]; /* transport failure description (no secrets: libcurl's text) */
};

void cloud_http_perform(struct cloud_pool *pool, const struct cloud_http_request *req,
                        struct cloud_http_response *res);

#endif
