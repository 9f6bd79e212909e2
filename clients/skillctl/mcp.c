/* mcp.c - skillctl's MCP client over Streamable HTTP (protocol 2025-11-25): the session,
 * JSON-RPC requests answered as JSON or as an SSE stream (resumed with GET + Last-Event-ID when
 * it ends early), progress and log notifications, answers to server requests, cancellation on
 * Ctrl-C, tools/list and tools/call. Layer: clients. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clients/skillctl/skillctl.h"

#ifndef SKILLD_VERSION
#define SKILLD_VERSION "0.0.0"
#endif

#define ACCEPT_BOTH "application/json, text/event-stream"

/* The versions skillctl can speak, newest first: skilld answers with the one asked for. */
static const char *const versions[] = {"2025-11-25", "2025-06-18", "2025-03-26"};

struct skc_mcp {
    skc_conn *conn;
    char sid[SKC_HEADER_MAX]; /* Mcp-Session-Id, "" before initialize answered */
    char version[32];         /* negotiated protocol version, "" before */
    long next_id;
    cJSON *tools; /* tools/list, every page; NULL until asked */
};

/* What one request waits for while its stream is read. */
struct wait {
    skc_mcp *m;
    long id;
    char progress_token[48]; /* "" when the request asked for no progress */
    const struct skc_call_hooks *hooks;
    cJSON *answer;  /* the response message, once it came */
    struct err bad; /* a malformed message stopped the stream */
};

static void sleep_ms(long ms)
{
    /* Short steps so that Ctrl-C is noticed at once. */
    for (long left = ms; left > 0 && !skc_interrupted; left -= 50) {
        struct timespec ts = {0, (left < 50 ? left : 50) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* ---- Messages ---------------------------------------------------------------------------------*/

static char *request_json(long id, const char *method, cJSON *params)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "jsonrpc", "2.0");
    if (id >= 0)
        cJSON_AddNumberToObject(m, "id", (double)id);
    cJSON_AddStringToObject(m, "method", method);
    if (params)
        cJSON_AddItemToObject(m, "params", params);
    char *s = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    return s;
}

/* Send one message that expects no answer but 202 (a notification or our reply to a server
 * request). Best effort: failures are ignored, as nothing can be done about them. */
static void post_quietly(skc_mcp *m, const char *json, int ignore_interrupt)
{
    struct skc_request rq = {.method = "POST",
                             .path = "/mcp",
                             .body = json,
                             .body_len = strlen(json),
                             .accept = ACCEPT_BOTH,
                             .session_id = m->sid[0] ? m->sid : NULL,
                             .protocol = m->version[0] ? m->version : NULL,
                             .timeout_ms = SKC_CANCEL_TIMEOUT_MS,
                             .ignore_interrupt = ignore_interrupt};
    struct skc_reply r;
    struct err e;
    err_clear(&e);
    skc_reply_init(&r);
    skc_http(m->conn, &rq, &r, &e);
    skc_reply_release(&r);
}

/* A server->client request: ping is answered, anything else is not supported (skillctl declares
 * no client capabilities, so skilld has no reason to ask for more). */
static void answer_server_request(skc_mcp *m, const cJSON *msg)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(msg, "method");
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "jsonrpc", "2.0");
    cJSON_AddItemToObject(r, "id", cJSON_Duplicate(id, 1));
    if (cJSON_IsString(method) && strcmp(method->valuestring, "ping") == 0) {
        cJSON_AddItemToObject(r, "result", cJSON_CreateObject());
    } else {
        cJSON *err = cJSON_AddObjectToObject(r, "error");
        cJSON_AddNumberToObject(err, "code", -32601);
        cJSON_AddStringToObject(err, "message", "skillctl does not support this request");
    }
    char *s = cJSON_PrintUnformatted(r);
    cJSON_Delete(r);
    post_quietly(m, s, 0);
    free(s);
}

static void notification(struct wait *w, const char *method, const cJSON *params)
{
    const struct skc_call_hooks *h = w->hooks;
    if (!h)
        return;
    if (strcmp(method, "notifications/progress") == 0 && h->progress && w->progress_token[0]) {
        const cJSON *tok = cJSON_GetObjectItemCaseSensitive(params, "progressToken");
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(params, "progress");
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(params, "total");
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(params, "message");
        if (cJSON_IsString(tok) && strcmp(tok->valuestring, w->progress_token) == 0 &&
            cJSON_IsNumber(p))
            h->progress(h->ctx, p->valuedouble, cJSON_IsNumber(t) ? t->valuedouble : -1,
                        cJSON_IsString(msg) ? msg->valuestring : NULL);
    } else if (strcmp(method, "notifications/message") == 0 && h->log) {
        const cJSON *level = cJSON_GetObjectItemCaseSensitive(params, "level");
        const cJSON *logger = cJSON_GetObjectItemCaseSensitive(params, "logger");
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(params, "data");
        char *text = cJSON_IsString(data) ? NULL : cJSON_PrintUnformatted(data);
        h->log(h->ctx, cJSON_IsString(level) ? level->valuestring : "info",
               cJSON_IsString(logger) ? logger->valuestring : NULL,
               cJSON_IsString(data) ? data->valuestring
               : text               ? text
                                    : "");
        free(text);
    }
}

/* Handle one message of a stream; 1 once the awaited response came (or the stream is bad). */
static int on_message(struct wait *w, cJSON *msg)
{
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(msg, "method");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
    if (cJSON_IsString(method)) {
        if (id)
            answer_server_request(w->m, msg);
        else
            notification(w, method->valuestring, cJSON_GetObjectItemCaseSensitive(msg, "params"));
        cJSON_Delete(msg);
        return 0;
    }
    if (cJSON_IsNumber(id) && (long)id->valuedouble == w->id) {
        w->answer = msg;
        return 1;
    }
    cJSON_Delete(msg); /* an answer to something else: not ours to handle */
    return 0;
}

static int on_event(void *ctx, const struct skc_sse_event *ev)
{
    struct wait *w = ctx;
    if (ev->data_len == 0 || strcmp(ev->type, "message") != 0)
        return 0;
    struct err e;
    err_clear(&e);
    cJSON *msg = skc_json_parse(ev->data, ev->data_len, "an SSE event from skilld", &e);
    if (!msg) {
        err_set(&w->bad, ERR_PARSE, "%s", e.msg);
        return 1;
    }
    return on_message(w, msg);
}

/* ---- Requests ---------------------------------------------------------------------------------*/

static void send_cancel(skc_mcp *m, long id)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddNumberToObject(p, "requestId", (double)id);
    cJSON_AddStringToObject(p, "reason", "interrupted by the user (Ctrl-C in skillctl)");
    char *s = request_json(-1, "notifications/cancelled", p);
    post_quietly(m, s, 1);
    free(s);
}

/* Read the answer of a POSTed request from r (JSON or a stream) into w, resuming a stream that
 * ended early. */
static err_code read_answer(skc_mcp *m, const char *method, struct wait *w, struct skc_reply *r,
                            struct err *e)
{
    const char *url = skc_conn_url(m->conn);
    for (int resumes = 0;; resumes++) {
        if (w->bad.code)
            return err_set(e, w->bad.code, "%s", w->bad.msg);
        if (w->answer)
            return ERR_OK;
        if (!r->sse) {
            if (r->status == 202 || r->body.len == 0)
                return err_set(e, ERR_REMOTE,
                               "skilld at %s answered %s with HTTP %ld and no "
                               "message",
                               url, method, r->status);
            cJSON *msg = skc_json_parse(r->body.data, r->body.len, "skilld's /mcp", e);
            if (!msg)
                return ERR_PARSE;
            on_message(w, msg);
            if (!w->answer)
                return err_set(e, ERR_REMOTE,
                               "skilld at %s answered %s with a message that is "
                               "not its response",
                               url, method);
            return ERR_OK;
        }
        /* The stream ended without the response: come back with the last event id. */
        if (!r->last_event_id[0])
            return err_set(e, ERR_REMOTE,
                           "the event stream from skilld at %s ended before the "
                           "answer to %s (and carried no event id to resume "
                           "from)",
                           url, method);
        if (resumes >= SKC_RECONNECTS_MAX)
            return err_set(e, ERR_REMOTE,
                           "the event stream from skilld at %s ended %d times "
                           "before the answer to %s",
                           url, resumes + 1, method);
        char last[SKC_HEADER_MAX];
        snprintf(last, sizeof last, "%s", r->last_event_id);
        long wait_ms = r->retry_ms < 0 ? 0 : r->retry_ms;
        sleep_ms(wait_ms < SKC_RETRY_MS_MAX ? wait_ms : SKC_RETRY_MS_MAX);
        if (skc_interrupted)
            return err_set(e, ERR_CANCELLED, "interrupted");
        struct skc_request rq = {.method = "GET",
                                 .path = "/mcp",
                                 .accept = "text/event-stream",
                                 .session_id = m->sid,
                                 .protocol = m->version,
                                 .last_event_id = last,
                                 .on_event = on_event,
                                 .ctx = w};
        skc_reply_release(r);
        skc_reply_init(r);
        err_code rc = skc_http(m->conn, &rq, r, e);
        if (rc)
            return rc;
        if (r->status != 200 || !r->sse)
            return skc_http_fail(m->conn, "resuming the event stream of /mcp", r, e);
    }
}

/* One JSON-RPC request: params is taken. On success *ret_result is the result (caller owns). */
static err_code rpc(skc_mcp *m, const char *method, cJSON *params,
                    const struct skc_call_hooks *hooks, cJSON **ret_result, struct err *e)
{
    *ret_result = NULL;
    struct wait w = {.m = m, .id = ++m->next_id, .hooks = hooks};
    err_clear(&w.bad);
    if (hooks && hooks->progress && params) {
        snprintf(w.progress_token, sizeof w.progress_token, "skillctl-%ld", w.id);
        cJSON *meta = cJSON_AddObjectToObject(params, "_meta");
        cJSON_AddStringToObject(meta, "progressToken", w.progress_token);
    }
    char *body = request_json(w.id, method, params);
    struct skc_request rq = {.method = "POST",
                             .path = "/mcp",
                             .body = body,
                             .body_len = strlen(body),
                             .accept = ACCEPT_BOTH,
                             .session_id = m->sid[0] ? m->sid : NULL,
                             .protocol = m->version[0] ? m->version : NULL,
                             .on_event = on_event,
                             .ctx = &w};
    struct skc_reply r;
    skc_reply_init(&r);
    err_code rc = skc_http(m->conn, &rq, &r, e);
    free(body);
    if (rc == ERR_OK && strcmp(method, "initialize") == 0 && r.session_id[0])
        snprintf(m->sid, sizeof m->sid, "%s", r.session_id);
    if (rc == ERR_OK && r.status == 404 && m->sid[0] && strcmp(method, "initialize") != 0)
        rc = err_set(e, ERR_REMOTE,
                     "the MCP session at %s/mcp is gone (expired, or skilld "
                     "restarted); run the command again",
                     skc_conn_url(m->conn));
    else if (rc == ERR_OK && r.status != 200)
        rc = skc_http_fail(m->conn, method, &r, e);
    else if (rc == ERR_OK)
        rc = read_answer(m, method, &w, &r, e);
    skc_reply_release(&r);
    if (rc == ERR_CANCELLED && strcmp(method, "initialize") != 0)
        send_cancel(m, w.id);
    if (rc) {
        cJSON_Delete(w.answer);
        return rc;
    }
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(w.answer, "error");
    cJSON *result = cJSON_DetachItemFromObjectCaseSensitive(w.answer, "result");
    if (err || !cJSON_IsObject(result)) {
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(err, "message");
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(err, "code");
        struct buf clean;
        buf_init(&clean, 0);
        if (cJSON_IsString(msg))
            skc_text_clean(&clean, msg->valuestring, strlen(msg->valuestring));
        rc = err ? err_set(e, ERR_REMOTE, "skilld refused %s: %s (JSON-RPC error %d)", method,
                           clean.len ? clean.data : "no message",
                           cJSON_IsNumber(code) ? code->valueint : 0)
                 : err_set(e, ERR_REMOTE, "skilld answered %s without a result object", method);
        buf_release(&clean);
        cJSON_Delete(result);
        cJSON_Delete(w.answer);
        return rc;
    }
    cJSON_Delete(w.answer);
    *ret_result = result;
    return ERR_OK;
}

static err_code notify(skc_mcp *m, const char *method, struct err *e)
{
    char *body = request_json(-1, method, NULL);
    struct skc_request rq = {.method = "POST",
                             .path = "/mcp",
                             .body = body,
                             .body_len = strlen(body),
                             .accept = ACCEPT_BOTH,
                             .session_id = m->sid,
                             .protocol = m->version};
    struct skc_reply r;
    skc_reply_init(&r);
    err_code rc = skc_http(m->conn, &rq, &r, e);
    free(body);
    if (rc == ERR_OK && r.status != 202 && r.status != 200)
        rc = skc_http_fail(m->conn, method, &r, e);
    skc_reply_release(&r);
    return rc;
}

/* ---- Session ----------------------------------------------------------------------------------*/

static int visible_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

err_code skc_mcp_open(skc_conn *c, skc_mcp **ret, struct err *e)
{
    *ret = NULL;
    skc_mcp *m = xcalloc(1, sizeof *m);
    m->conn = c;
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "protocolVersion", SKC_MCP_VERSION);
    cJSON_AddObjectToObject(p, "capabilities");
    cJSON *info = cJSON_AddObjectToObject(p, "clientInfo");
    cJSON_AddStringToObject(info, "name", "skillctl");
    cJSON_AddStringToObject(info, "title", "skillctl (skilld's terminal client)");
    cJSON_AddStringToObject(info, "version", SKILLD_VERSION);
    cJSON *result = NULL;
    err_code rc = rpc(m, "initialize", p, NULL, &result, e);
    if (rc) {
        m->sid[0] = '\0'; /* nothing to DELETE for a session that never was */
        goto fail;
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(result, "protocolVersion");
    for (size_t i = 0; cJSON_IsString(v) && i < ARRAY_LEN(versions) && !m->version[0]; i++)
        if (strcmp(v->valuestring, versions[i]) == 0)
            snprintf(m->version, sizeof m->version, "%s", versions[i]);
    cJSON_Delete(result);
    if (!m->version[0]) {
        rc = err_set(e, ERR_UNSUPPORTED,
                     "skilld at %s speaks MCP %.32s; skillctl speaks %s, %s "
                     "and %s",
                     skc_conn_url(c), cJSON_IsString(v) ? v->valuestring : "(no version)",
                     versions[0], versions[1], versions[2]);
        goto fail;
    }
    if (!m->sid[0] || !visible_ascii(m->sid)) {
        rc = err_set(e, ERR_REMOTE, "skilld at %s gave no usable Mcp-Session-Id on initialize",
                     skc_conn_url(c));
        goto fail;
    }
    rc = notify(m, "notifications/initialized", e);
    if (rc)
        goto fail;
    *ret = m;
    return ERR_OK;
fail:
    if (!visible_ascii(m->sid))
        m->sid[0] = '\0'; /* never echoed back in a header */
    skc_mcp_close(m);
    return rc;
}

void skc_mcp_close(skc_mcp *m)
{
    if (!m)
        return;
    if (m->sid[0]) {
        struct skc_request rq = {.method = "DELETE",
                                 .path = "/mcp",
                                 .session_id = m->sid,
                                 .protocol = m->version,
                                 .timeout_ms = SKC_CANCEL_TIMEOUT_MS,
                                 .ignore_interrupt = 1};
        struct skc_reply r;
        struct err e;
        err_clear(&e);
        skc_reply_init(&r);
        skc_http(m->conn, &rq, &r, &e);
        skc_reply_release(&r);
    }
    cJSON_Delete(m->tools);
    free(m);
}

const char *skc_mcp_version(const skc_mcp *m)
{
    return m->version;
}

/* ---- Tools ------------------------------------------------------------------------------------*/

err_code skc_mcp_tools(skc_mcp *m, const cJSON **ret_tools, struct err *e)
{
    if (m->tools) {
        *ret_tools = m->tools;
        return ERR_OK;
    }
    cJSON *all = cJSON_CreateArray();
    char *cursor = NULL;
    int count = 0;
    err_code rc = ERR_OK;
    for (int page = 0;; page++) {
        if (page == SKC_TOOL_PAGES_MAX) {
            rc = err_set(e, ERR_LIMIT, "tools/list from skilld went on past %d pages",
                         SKC_TOOL_PAGES_MAX);
            break;
        }
        cJSON *p = NULL;
        if (cursor) {
            p = cJSON_CreateObject();
            cJSON_AddStringToObject(p, "cursor", cursor);
        }
        cJSON *result = NULL;
        rc = rpc(m, "tools/list", p, NULL, &result, e);
        if (rc)
            break;
        cJSON *tools = cJSON_GetObjectItemCaseSensitive(result, "tools");
        if (!cJSON_IsArray(tools)) {
            cJSON_Delete(result);
            rc = err_set(e, ERR_PARSE, "tools/list from skilld has no tools array");
            break;
        }
        for (cJSON *t = tools->child, *next; t; t = next) {
            next = t->next;
            const cJSON *name = cJSON_GetObjectItemCaseSensitive(t, "name");
            if (!cJSON_IsString(name) || !cJSON_IsObject(t))
                continue; /* a tool without a name cannot be called */
            if (++count > SKC_TOOLS_MAX) {
                rc = err_set(e, ERR_LIMIT, "skilld offers more than %d tools", SKC_TOOLS_MAX);
                break;
            }
            cJSON_AddItemToArray(all, cJSON_DetachItemViaPointer(tools, t));
        }
        const cJSON *nc = cJSON_GetObjectItemCaseSensitive(result, "nextCursor");
        free(cursor);
        cursor = cJSON_IsString(nc) && *nc->valuestring ? xstrdup(nc->valuestring) : NULL;
        cJSON_Delete(result);
        if (rc || !cursor)
            break;
    }
    free(cursor);
    if (rc) {
        cJSON_Delete(all);
        return rc;
    }
    m->tools = all;
    *ret_tools = all;
    return ERR_OK;
}

const cJSON *skc_mcp_tool(skc_mcp *m, const char *name, struct err *e)
{
    const cJSON *tools = NULL;
    if (skc_mcp_tools(m, &tools, e))
        return NULL;
    const cJSON *t;
    cJSON_ArrayForEach(t, tools)
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(t, "name");
        if (strcmp(n->valuestring, name) == 0)
            return t;
    }
    /* Near names: one contains the other, or they share a word-sized prefix. */
    struct buf near;
    buf_init(&near, 1024);
    int shown = 0;
    cJSON_ArrayForEach(t, tools)
    {
        const char *n = cJSON_GetObjectItemCaseSensitive(t, "name")->valuestring;
        size_t common = 0;
        while (n[common] && n[common] == name[common])
            common++;
        if (shown < 5 && (strstr(n, name) || strstr(name, n) || common >= 6)) {
            buf_printf(&near, "%s%s", shown ? ", " : "", n);
            shown++;
        }
    }
    err_set(e, ERR_NOT_FOUND,
            "skilld at %s offers no tool named '%.128s'%s%s%s; `skillctl tools` "
            "lists them",
            skc_conn_url(m->conn), name, shown ? " (did you mean " : "", shown ? near.data : "",
            shown ? "?)" : "");
    buf_release(&near);
    return NULL;
}

err_code skc_mcp_call(skc_mcp *m, const char *tool, const cJSON *args,
                      const struct skc_call_hooks *hooks, cJSON **ret_result, struct err *e)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "name", tool);
    cJSON_AddItemToObject(p, "arguments", args ? cJSON_Duplicate(args, 1) : cJSON_CreateObject());
    static const struct skc_call_hooks none = {0};
    return rpc(m, "tools/call", p, hooks ? hooks : &none, ret_result, e);
}
