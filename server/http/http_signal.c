/* http_signal.c - stop signals for the long-running front ends: SIGINT and SIGTERM are
 * turned into a byte on a self-pipe that the main thread waits on. Layer: server/http.
 * A handler (rather than sigwait with blocked signals) is used because threads we do not
 * create (sanitizer runtimes, libraries) would otherwise receive the signal unblocked and
 * die by its default action. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "server/http/http.h"

static int stop_pipe[2] = {-1, -1};

static void on_stop_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    ssize_t w = write(stop_pipe[1], &b, 1); /* a full pipe already holds a stop request */
    (void)w;
    errno = saved;
}

err_code http_signals_install(struct err *e)
{
    if (stop_pipe[0] < 0 && pipe(stop_pipe) != 0)
        return err_set(e, ERR_IO, "pipe: %s", strerror(errno));
    fcntl(stop_pipe[1], F_SETFL, O_NONBLOCK);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return ERR_OK;
}

int http_signals_wait(void)
{
    unsigned char b = 0;
    for (;;) {
        ssize_t n = read(stop_pipe[0], &b, 1);
        if (n == 1)
            return b;
        if (n < 0 && errno == EINTR)
            continue;
        return 0;
    }
}
