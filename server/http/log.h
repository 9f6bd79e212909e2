/* log.h - private to server/: the one stderr logger of the skilld process. Layer: server.
 * Libraries never log; server/ does, only here, only on stderr (stdout may carry MCP). */
#ifndef SKILLD_SERVER_LOG_H
#define SKILLD_SERVER_LOG_H

enum log_level {
    LOG_LEVEL_DEBUG,
    LOG_LEVEL_INFO,
    LOG_LEVEL_WARN,
    LOG_LEVEL_ERROR,
    LOG_LEVEL_OFF, /* nothing is written */
};

/* Parse "debug", "info", "warn", "error" or "off" into *ret; -1 if unknown, else 0. */
int log_parse_level(const char *s, enum log_level *ret);

/* Only messages at or above this level are written (default: info). */
void log_set_level(enum log_level level);

/* 1 if a message at this level would be written. */
int log_enabled(enum log_level level);

/* Write one line "<time> <LEVEL> <message>\n" to stderr. Lines from concurrent threads never
 * interleave. Callers never pass request bodies or secrets here. */
void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
