/* mock_http.h - a tiny loopback HTTP/1.1 server for the cloud client tests: a thread with a
 * plain socket that records every request and answers from a queue of canned replies. */
#ifndef SKILLD_TEST_MOCK_HTTP_H
#define SKILLD_TEST_MOCK_HTTP_H

#include <stddef.h>

#define MOCK_MAX_HEADERS 64

/* One canned answer. */
struct mock_reply {
    int status;          /* HTTP status */
    const char *headers; /* extra header lines, each ending "\r\n"; may be NULL */
    const char *body;    /* may be NULL (empty) */
    int no_length;       /* send without Content-Length and close the connection after */
    int hang;            /* never answer: wait until the client gives up and closes */
};

/* One recorded request; strings owned by the mock. */
struct mock_request {
    char *method;
    char *target;                   /* "/?a=b" */
    char *names[MOCK_MAX_HEADERS];  /* header names as sent */
    char *values[MOCK_MAX_HEADERS]; /* header values, trimmed */
    size_t nheaders;
    char *body;
    size_t body_len;
};

struct mock;

/* Start listening on 127.0.0.1 with an ephemeral port. */
struct mock *mock_start(void);
/* Stop the thread and free everything (recorded requests included). */
void mock_stop(struct mock *m);
int mock_port(const struct mock *m);
/* Queue a reply (copied). Without one queued the mock answers 500 Code=MockQueueEmpty. */
void mock_push(struct mock *m, struct mock_reply r);
/* Number of requests received so far, and the i-th of them. */
size_t mock_count(struct mock *m);
const struct mock_request *mock_get(struct mock *m, size_t i);
/* Number of TCP connections accepted so far. */
int mock_accepts(struct mock *m);
/* Value of header `name` (any case) in request r, or NULL. */
const char *mock_header(const struct mock_request *r, const char *name);

#endif
