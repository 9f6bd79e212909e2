/* mock_http.c - the loopback HTTP/1.1 server of the cloud client tests (see mock_http.h).
 * One connection at a time, keep-alive honoured, requests recorded before they are answered. */
#include "mock_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/base.h"

#define MOCK_MAX_REQUESTS 64
#define MOCK_MAX_REPLIES 64
#define MOCK_MAX_HEAD (64 * 1024)

struct reply_copy {
    struct mock_reply r;
    char *headers, *body;
};

struct mock {
    int listen_fd;
    int port;
    pthread_t thread;
    pthread_mutex_t lock;
    atomic_int stop;
    struct reply_copy replies[MOCK_MAX_REPLIES];
    size_t nreplies, next_reply;
    struct mock_request requests[MOCK_MAX_REQUESTS];
    size_t nrequests;
    int accepts;
};

/* Wait up to 50 ms for fd to be readable; 1 readable, 0 not yet, -1 stop requested. */
static int wait_readable(struct mock *m, int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, 50);
    if (m->stop)
        return -1;
    return r > 0;
}

/* Read one request from fd into *req; 0 on success, -1 on EOF/error/stop. */
static int read_request(struct mock *m, int fd, struct mock_request *req)
{
    struct buf in;
    buf_init(&in, MOCK_MAX_HEAD + 1024 * 1024);
    char *head_end = NULL;
    char chunk[4096];
    for (;;) {
        if (in.data && (head_end = strstr(in.data, "\r\n\r\n")))
            break;
        int w = wait_readable(m, fd);
        if (w < 0)
            goto fail;
        if (w == 0)
            continue;
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n <= 0 || buf_append(&in, chunk, (size_t)n))
            goto fail;
    }
    size_t head_len = (size_t)(head_end - in.data) + 4;
    *head_end = '\0';
    char *save = NULL;
    char *line = strtok_r(in.data, "\r\n", &save);
    char *sp1 = line ? strchr(line, ' ') : NULL;
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp2)
        goto fail;
    req->method = xstrndup(line, (size_t)(sp1 - line));
    req->target = xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
    long content_length = 0;
    while ((line = strtok_r(NULL, "\r\n", &save)) && req->nheaders < MOCK_MAX_HEADERS) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        char *v = colon + 1;
        while (*v == ' ')
            v++;
        req->names[req->nheaders] = xstrndup(line, (size_t)(colon - line));
        req->values[req->nheaders] = xstrdup(v);
        if (strcasecmp(req->names[req->nheaders], "content-length") == 0)
            parse_long(v, 0, 1024 * 1024, &content_length);
        req->nheaders++;
    }
    /* The body: what followed the head, then more reads until Content-Length bytes. */
    struct buf body;
    buf_init(&body, 0);
    buf_append(&body, in.data + head_len, in.len - head_len);
    while (body.len < (size_t)content_length) {
        int w = wait_readable(m, fd);
        if (w < 0) {
            buf_release(&body);
            goto fail;
        }
        ssize_t n = w ? read(fd, chunk, sizeof chunk) : 0;
        if (w && n <= 0) {
            buf_release(&body);
            goto fail;
        }
        buf_append(&body, chunk, (size_t)(n > 0 ? n : 0));
    }
    buf_puts(&body, "");
    req->body = buf_steal(&body, &req->body_len);
    buf_release(&in);
    return 0;

fail:
    buf_release(&in);
    return -1;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* Serve one connection until the client closes it. */
static void serve(struct mock *m, int fd)
{
    for (;;) {
        struct mock_request req = {0};
        if (read_request(m, fd, &req) != 0) {
            free(req.method);
            free(req.target);
            for (size_t i = 0; i < req.nheaders; i++) {
                free(req.names[i]);
                free(req.values[i]);
            }
            return;
        }
        pthread_mutex_lock(&m->lock);
        struct mock_reply r = {500, NULL, "{\"Code\":\"MockQueueEmpty\",\"RequestId\":\"mock\"}", 0,
                               0};
        if (m->next_reply < m->nreplies)
            r = m->replies[m->next_reply++].r;
        if (m->nrequests < MOCK_MAX_REQUESTS)
            m->requests[m->nrequests++] = req;
        pthread_mutex_unlock(&m->lock);
        if (r.hang) {
            char c;
            int w;
            while ((w = wait_readable(m, fd)) == 0) {
            }
            if (w < 0 || read(fd, &c, 1) <= 0)
                return;
            continue;
        }
        const char *body = r.body ? r.body : "";
        char *head = r.no_length
                         ? xasprintf("HTTP/1.1 %d Mock\r\nContent-Type: application/json\r\n%s"
                                     "Connection: close\r\n\r\n",
                                     r.status, r.headers ? r.headers : "")
                         : xasprintf("HTTP/1.1 %d Mock\r\nContent-Type: application/json\r\n%s"
                                     "Content-Length: %zu\r\n\r\n",
                                     r.status, r.headers ? r.headers : "", strlen(body));
        write_all(fd, head, strlen(head));
        write_all(fd, body, strlen(body));
        free(head);
        if (r.no_length)
            return;
    }
}

static void *run(void *arg)
{
    struct mock *m = arg;
    while (!m->stop) {
        if (wait_readable(m, m->listen_fd) <= 0)
            continue;
        int fd = accept(m->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        pthread_mutex_lock(&m->lock);
        m->accepts++;
        pthread_mutex_unlock(&m->lock);
        serve(m, fd);
        close(fd);
    }
    return NULL;
}

struct mock *mock_start(void)
{
    struct mock *m = xcalloc(1, sizeof *m);
    pthread_mutex_init(&m->lock, NULL);
    m->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(m->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (bind(m->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(m->listen_fd, 16) != 0 ||
        getsockname(m->listen_fd, (struct sockaddr *)&a, &alen) != 0) {
        fprintf(stderr, "mock: cannot listen: %s\n", strerror(errno));
        abort();
    }
    m->port = ntohs(a.sin_port);
    pthread_create(&m->thread, NULL, run, m);
    return m;
}

void mock_stop(struct mock *m)
{
    if (!m)
        return;
    m->stop = 1;
    pthread_join(m->thread, NULL);
    close(m->listen_fd);
    for (size_t i = 0; i < m->nreplies; i++) {
        free(m->replies[i].headers);
        free(m->replies[i].body);
    }
    for (size_t i = 0; i < m->nrequests; i++) {
        struct mock_request *r = &m->requests[i];
        free(r->method);
        free(r->target);
        free(r->body);
        for (size_t j = 0; j < r->nheaders; j++) {
            free(r->names[j]);
            free(r->values[j]);
        }
    }
    pthread_mutex_destroy(&m->lock);
    free(m);
}

int mock_port(const struct mock *m)
{
    return m->port;
}

void mock_push(struct mock *m, struct mock_reply r)
{
    pthread_mutex_lock(&m->lock);
    if (m->nreplies < MOCK_MAX_REPLIES) {
        struct reply_copy *c = &m->replies[m->nreplies++];
        c->headers = r.headers ? xstrdup(r.headers) : NULL;
        c->body = r.body ? xstrdup(r.body) : NULL;
        c->r = r;
        c->r.headers = c->headers;
        c->r.body = c->body;
    }
    pthread_mutex_unlock(&m->lock);
}

size_t mock_count(struct mock *m)
{
    pthread_mutex_lock(&m->lock);
    size_t n = m->nrequests;
    pthread_mutex_unlock(&m->lock);
    return n;
}

const struct mock_request *mock_get(struct mock *m, size_t i)
{
    pthread_mutex_lock(&m->lock);
    const struct mock_request *r = i < m->nrequests ? &m->requests[i] : NULL;
    pthread_mutex_unlock(&m->lock);
    return r;
}

int mock_accepts(struct mock *m)
{
    pthread_mutex_lock(&m->lock);
    int n = m->accepts;
    pthread_mutex_unlock(&m->lock);
    return n;
}

const char *mock_header(const struct mock_request *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->names[i], name) == 0)
            return r->values[i];
    return NULL;
}
