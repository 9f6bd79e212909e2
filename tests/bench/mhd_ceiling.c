/* mhd_ceiling.c - the bare libmicrohttpd ceiling for scripts/bench-compare.sh: a server that
 * reads any request (its body included) and answers 200 with a fixed JSON body of a given size,
 * started the way skilld's front end starts libmicrohttpd (epoll internal thread, a thread pool
 * of one thread per core, the same per-connection memory). Whatever skilld adds on top of this
 * — routing, JSON, MCP — is the difference between the two. It prints numbers nothing asserts.
 * Usage: skilld-mhd-ceiling [--listen PORT] [--body-bytes N] [--threads N]
 * Logs "listening on http://127.0.0.1:PORT" and runs until SIGINT or SIGTERM. Layer: tests. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"

#define CEILING_CONN_MEMORY (64 * 1024) /* as server/http/http.c's HTTP_CONN_MEMORY */
#define CEILING_BODY_MAX (1 << 20)

static char *body;
static size_t body_len;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **state)
{
    (void)cls, (void)url, (void)method, (void)version, (void)upload;
    if (!*state) { /* first call: headers only */
        *state = c;
        return MHD_YES;
    }
    if (*upload_size) { /* a body chunk: read and drop it, as a server must */
        *upload_size = 0;
        return MHD_YES;
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(body_len, body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv)
{
    long port = 0, bytes = 4700, threads = sysconf(_SC_NPROCESSORS_ONLN);
    for (int i = 1; i + 1 < argc; i += 2) {
        long *dst = strcmp(argv[i], "--listen") == 0       ? &port
                    : strcmp(argv[i], "--body-bytes") == 0 ? &bytes
                    : strcmp(argv[i], "--threads") == 0    ? &threads
                                                           : NULL;
        long max = dst == &port ? 65535 : dst == &bytes ? CEILING_BODY_MAX : 64;
        if (!dst || parse_long(argv[i + 1], dst == &port ? 0 : 1, max, dst) != ERR_OK) {
            fprintf(stderr, "usage: %s [--listen PORT] [--body-bytes N] [--threads N]\n", argv[0]);
            return 2;
        }
    }
    /* A JSON string of exactly `bytes` bytes: "xxxx...". */
    body_len = (size_t)bytes < 2 ? 2 : (size_t)bytes;
    body = xmalloc(body_len);
    memset(body, 'x', body_len);
    body[0] = body[body_len - 1] = '"';
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL,
        on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)CEILING_CONN_MEMORY, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "cannot start libmicrohttpd on port %ld\n", port);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    fprintf(stderr, "listening on http://127.0.0.1:%u (%zu-byte answers, %ld threads)\n",
            info ? info->port : (unsigned)port, body_len, threads);
    int sig = 0;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    free(body);
    return 0;
}
