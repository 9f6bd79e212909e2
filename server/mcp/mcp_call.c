/* mcp_call.c - what a handler can do inside a call: cancellation checks, progress, log
 * messages, server->client requests (elicitation, sampling, roots) and closing the SSE
 * stream. Layer: server/mcp. Everything here sends through the call's own sink, from the
 * handler's thread; waits happen on the session's condition variable. */
#include "server/mcp/mcp_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Syslog levels in order, indexed by enum mcp_log_level. */
static const char *const level_names[] = {
    [MCP_LOG_DEBUG] = "debug",         [MCP_LOG_INFO] = "info",
    [MCP_LOG_NOTICE] = "notice",       [MCP_LOG_WARNING] = "warning",
    [MCP_LOG_ERROR] = "error",         [MCP_LOG_CRITICAL] = "critical",
    [MCP_LOG_ALERT] = "alert",         [MCP_LOG_EMERGENCY] = "emergency",
};

int mcp_log_level_parse(const char *name)
{
    for (size_t i = 0; name && i < ARRAY_LEN(level_names); i++)
        if (strcmp(level_names[i], name) == 0)
            return (int)i;
    return -1;
}

const char *mcp_call_version(const mcp_call *c)
{
    if (c->modern)
        return c->version;
    const char *v = c->session ? mcp_session_version(c->session) : NULL;
    return v ? v : MCP_LATEST_VERSION;
}

int mcp_call_is_modern(const mcp_call *c)
{
    return c->modern;
}

int mcp_call_has_caps(const mcp_call *c, unsigned bits)
{
    if (c->modern)
        return (c->caps & bits) == bits;
    return c->session && mcp_session_has_caps(c->session, bits);
}

int mcp_call_at_least(const mcp_call *c, const char *v)
{
    /* Versions are ISO dates, so text order is time order. */
    return strcmp(mcp_call_version(c), v) >= 0;
}

const char *mcp_call_protocol_version(const mcp_call *c)
{
    return mcp_call_version(c);
}

const char *mcp_call_session_id(const mcp_call *c)
{
    return c->session ? mcp_session_id(c->session) : NULL;
}

int mcp_call_cancelled(const mcp_call *c)
{
    if (atomic_load(&((mcp_call *)c)->cancelled) != 0)
        return 1;
    /* A modern request over HTTP is cancelled by closing its stream. */
    const struct mcp_sink *k = c->out ? c->out->sink : NULL;
    if (c->modern && k && k->alive && !k->alive(k->ctx)) {
        atomic_store(&((mcp_call *)c)->cancelled, 1);
        return 1;
    }
    return 0;
}

void mcp_call_close_stream(mcp_call *c, unsigned retry_ms)
{
    if (c->out && c->out->sink && c->out->sink->close_stream && !c->out->gone)
        c->out->sink->close_stream(c->out->sink->ctx, retry_ms);
}

void mcp_call_progress(mcp_call *c, double progress, double total, const char *message)
{
    if (!c->progress_token || mcp_call_cancelled(c))
        return;
    /* The spec wants progress to increase with every notification: drop any that would not. */
    if (c->sent_progress && !(progress > c->last_progress))
        return;
    c->sent_progress = 1;
    c->last_progress = progress;
    cJSON *p = cJSON_CreateObject();
    cJSON_AddItemToObject(p, "progressToken", mcp_id_copy(c->progress_token));
    cJSON_AddNumberToObject(p, "progress", progress);
    if (total >= 0)
        cJSON_AddNumberToObject(p, "total", total);
    if (message && mcp_call_at_least(c, "2025-03-26")) /* 2024-11-05 has no message */
        cJSON_AddStringToObject(p, "message", message);
    mcp_send(c->out, mcp_notification("notifications/progress", p), 0);
}

void mcp_call_log(mcp_call *c, enum mcp_log_level level, const char *logger, const char *fmt, ...)
{
    if ((int)level < 0 || (size_t)level >= ARRAY_LEN(level_names) || mcp_call_cancelled(c))
        return;
    int min = c->modern ? c->log_level : c->session ? mcp_session_log_level(c->session) : -1;
    if (c->modern && min < 0)
        return; /* a modern request without _meta logLevel gets no log messages */
    if ((int)level < min)
        return;
    char text[MCP_MAX_LOG_TEXT];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "level", level_names[level]);
    if (logger)
        cJSON_AddStringToObject(p, "logger", logger);
    cJSON_AddStringToObject(p, "data", text);
    mcp_send(c->out, mcp_notification("notifications/message", p), 0);
}

int mcp_call_client_supports(const mcp_call *c, const char *capability)
{
    /* Only the capabilities a session keeps (and seals in its id) can be asked about. */
    unsigned bit = mcp_cap_bit(capability);
    return bit && mcp_call_has_caps(c, bit);
}

/* The client capability each server->client request needs. To add one: a row. */
static const struct {
    const char *method;
    const char *capability;
} request_caps[] = {
    {"elicitation/create", "elicitation"},
    {"sampling/createMessage", "sampling"},
    {"roots/list", "roots"},
};

const char *mcp_capability_for(const char *method, const cJSON *params)
{
    const cJSON *mode = cJSON_GetObjectItemCaseSensitive(params, "mode");
    if (strcmp(method, "elicitation/create") == 0 && cJSON_IsString(mode) &&
        strcmp(mode->valuestring, "url") == 0)
        return "elicitation.url";
    for (size_t i = 0; i < ARRAY_LEN(request_caps); i++)
        if (strcmp(request_caps[i].method, method) == 0)
            return request_caps[i].capability;
    return NULL;
}

static struct timespec deadline_after(unsigned ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* Take p off the session's pending list (session mutex held). */
static void unlist(mcp_session *s, struct mcp_pending *p)
{
    for (struct mcp_pending **pp = &s->pending; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            break;
        }
}

cJSON *mcp_call_request(mcp_call *c, const char *method, cJSON *params, struct err *e)
{
    cJSON *result = NULL;
    mcp_session *s = c->session;
    struct mcp_pending p = {0};
    int listed = 0;
    if (c->modern && method) {
        /* No server->client requests in the modern era: ask by key, bound to this request. */
        char key[32];
        snprintf(key, sizeof key, "input-%u", ++c->nauto);
        return mcp_call_input(c, key, method, params, MCP_INPUT_BOUND, e);
    }
    const char *cap = method ? mcp_capability_for(method, params) : NULL;
    if (!method || !s) {
        err_set(e, ERR_UNSUPPORTED, "server requests need a session");
        goto cleanup;
    }
    if (cap && !mcp_call_client_supports(c, cap)) {
        err_set(e, ERR_UNSUPPORTED, "the client did not declare the '%s' capability", cap);
        goto cleanup;
    }
    snprintf(p.id, sizeof p.id, "srv-%llu",
             (unsigned long long)atomic_fetch_add(&c->engine->next_request, 1));
    pthread_mutex_lock(&s->mu);
    if (!s->closed && !mcp_call_cancelled(c)) {
        p.next = s->pending;
        s->pending = &p;
        listed = 1;
    }
    pthread_mutex_unlock(&s->mu);
    if (!listed) {
        err_set(e, ERR_CANCELLED, "the request was cancelled");
        goto cleanup;
    }

    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "jsonrpc", "2.0");
    cJSON_AddStringToObject(m, "id", p.id);
    cJSON_AddStringToObject(m, "method", method);
    cJSON_AddItemToObject(m, "params", params ? params : cJSON_CreateObject());
    params = NULL;
    mcp_send(c->out, m, 0);
    if (c->out->gone) {
        err_set(e, ERR_IO, "the client is gone");
        goto cleanup;
    }

    struct timespec until = deadline_after(c->engine->cfg.request_timeout_ms);
    int timed_out = 0;
    pthread_mutex_lock(&s->mu);
    while (!p.done && !mcp_call_cancelled(c) && !s->closed && !timed_out)
        timed_out = pthread_cond_timedwait(&s->cond, &s->mu, &until) == ETIMEDOUT;
    int closed = s->closed;
    unlist(s, &p);
    listed = 0;
    pthread_mutex_unlock(&s->mu);

    if (p.done && !p.failed && p.result) {
        result = p.result;
        p.result = NULL;
    } else if (p.done && !p.failed) {
        err_set(e, ERR_REMOTE, "the client answered %s without a result", method);
    } else if (p.done) {
        err_set(e, ERR_REMOTE, "%s", p.msg);
    } else if (mcp_call_cancelled(c) || closed) {
        err_set(e, ERR_CANCELLED, "the request was cancelled");
    } else {
        err_set(e, ERR_TIMEOUT, "no answer to %s within %u ms", method,
                c->engine->cfg.request_timeout_ms);
    }
cleanup:
    if (listed) {
        pthread_mutex_lock(&s->mu);
        unlist(s, &p);
        pthread_mutex_unlock(&s->mu);
    }
    cJSON_Delete(p.result);
    cJSON_Delete(params);
    return result;
}
