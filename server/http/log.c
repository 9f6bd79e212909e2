/* log.c - the stderr logger: level filter, one locked write per line. Layer: server/http. */
#include "server/http/http.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/base.h"

#define LOG_LINE_MAX 2048

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static enum log_level log_threshold = LOG_LEVEL_INFO;

/* Level names, indexed by enum log_level; the parser reads the same rows. */
static const char *const log_names[] = {"debug", "info", "warn", "error", "off"};

int log_parse_level(const char *s, enum log_level *ret)
{
    for (size_t i = 0; i < ARRAY_LEN(log_names); i++) {
        if (s && strcmp(s, log_names[i]) == 0) {
            *ret = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

void log_set_level(enum log_level level)
{
    pthread_mutex_lock(&log_lock);
    log_threshold = level;
    pthread_mutex_unlock(&log_lock);
}

int log_enabled(enum log_level level)
{
    pthread_mutex_lock(&log_lock);
    int on = level >= log_threshold && level != LOG_LEVEL_OFF;
    pthread_mutex_unlock(&log_lock);
    return on;
}

void log_write(enum log_level level, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    char line[LOG_LINE_MAX];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000L, log_names[level]);
    if (n < 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    /* Messages quote client input (request paths, tool arguments): a control byte could
     * forge a second log line or drive the terminal, so each one is shown as '?'. */
    for (char *c = line + n; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    }
    pthread_mutex_lock(&log_lock);
    fputs(line, stderr);
    fputc('\n', stderr);
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
}
