/* err.c - the error type: a code plus the first, most precise, message. Layer: base. */
#include "base/base.h"

#include <stdio.h>
#include <string.h>

void err_clear(struct err *e)
{
    if (!e)
        return;
    e->code = ERR_OK;
    e->msg[0] = '\0';
}

err_code err_set(struct err *e, err_code code, const char *fmt, ...)
{
    if (!e || e->code != ERR_OK)
        return code;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return code;
}

/* One row per code; the names are part of JSON error bodies, so they never change. */
static const char *const err_names[] = {
    [ERR_OK] = "ok",
    [ERR_INVALID] = "invalid",
    [ERR_PARSE] = "parse",
    [ERR_TOO_BIG] = "too_big",
    [ERR_NOT_FOUND] = "not_found",
    [ERR_EXISTS] = "exists",
    [ERR_WRONG_STATE] = "wrong_state",
    [ERR_DENIED] = "denied",
    [ERR_LIMIT] = "limit",
    [ERR_RATE_LIMITED] = "rate_limited",
    [ERR_UNSUPPORTED] = "unsupported",
    [ERR_TIMEOUT] = "timeout",
    [ERR_UNAVAILABLE] = "unavailable",
    [ERR_CANCELLED] = "cancelled",
    [ERR_IO] = "io",
    [ERR_REMOTE] = "remote",
    [ERR_INTERNAL] = "internal",
};

const char *err_name(err_code code)
{
    if ((size_t)code < ARRAY_LEN(err_names) && err_names[code])
        return err_names[code];
    return "unknown";
}
