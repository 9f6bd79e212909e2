/* mcp_jsonrpc.c - JSON-RPC 2.0 for the MCP engine: parsing with limits, message shape
 * checks, classification for the transport, batches, the method table and dispatch, and
 * routing of the client's answers to server->client requests. Layer: server/mcp.
 *
 * cJSON ownership: mcp_engine_handle owns the parsed tree for the whole call; handlers
 * borrow params (and everything under it) and hand back a new result tree in their
 * mcp_answer, which this file sends and frees. Messages given to mcp_send are taken. */
#include "server/mcp/mcp_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Method table ------------------------------------------------------------------------
 * One row per request method. To add a method: write `void mcp_m_x(mcp_call *, const cJSON
 * *params, struct mcp_answer *)` next to its siblings, declare it in mcp_internal.h, add a
 * row. Flags say whether it needs an initialized session and whether it can be cancelled. */
enum {
    M_NEEDS_INIT = 1u << 0, /* refused with -32600 on a session that never initialized */
    M_NO_CANCEL = 1u << 1,  /* not entered in the in-flight table (initialize) */
    M_NO_BATCH = 1u << 2,   /* not allowed inside a batch (initialize) */
};

static const struct method_row {
    const char *name;
    mcp_method_fn fn;
    unsigned flags;
} methods[] = {
    {"initialize", mcp_m_initialize, M_NO_CANCEL | M_NO_BATCH},
    {"ping", mcp_m_ping, 0},
    {"logging/setLevel", mcp_m_set_level, M_NEEDS_INIT},
    {"tools/list", mcp_m_tools_list, M_NEEDS_INIT},
    {"tools/call", mcp_m_tools_call, M_NEEDS_INIT},
    {"resources/list", mcp_m_resources_list, M_NEEDS_INIT},
    {"resources/templates/list", mcp_m_templates_list, M_NEEDS_INIT},
    {"resources/read", mcp_m_resources_read, M_NEEDS_INIT},
    {"resources/subscribe", mcp_m_subscribe, M_NEEDS_INIT},
    {"resources/unsubscribe", mcp_m_unsubscribe, M_NEEDS_INIT},
    {"prompts/list", mcp_m_prompts_list, M_NEEDS_INIT},
    {"prompts/get", mcp_m_prompts_get, M_NEEDS_INIT},
    {"completion/complete", mcp_m_complete, M_NEEDS_INIT},
    /* The skills extension (answered -32601 while no skill is registered). */
    {"skills/list", mcp_m_skills_list, M_NEEDS_INIT},
    {"skills/get", mcp_m_skills_get, M_NEEDS_INIT},
    {"resources/directory/read", mcp_m_directory_read, M_NEEDS_INIT},
};

/* Notifications the engine acts on; every other notification is ignored, never answered. */
static void n_initialized(mcp_engine *e, mcp_session *s, const cJSON *params);
static void n_cancelled(mcp_engine *e, mcp_session *s, const cJSON *params);

static const struct notify_row {
    const char *name;
    void (*fn)(mcp_engine *e, mcp_session *s, const cJSON *params);
} notifications[] = {
    {"notifications/initialized", n_initialized},
    {"notifications/cancelled", n_cancelled},
};

/* ---- Small helpers -------------------------------------------------------------------------*/

void mcp_answer_error(struct mcp_answer *a, int code, const char *fmt, ...)
{
    if (a->code || a->result)
        return;
    a->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->msg, sizeof a->msg, fmt, ap);
    va_end(ap);
}

void mcp_answer_from_err(struct mcp_answer *a, err_code code, const char *msg)
{
    const struct srv_err_row *row = srv_err(code);
    mcp_answer_error(a, row->rpc_code ? row->rpc_code : MCP_INTERNAL_ERROR, "%s",
                     msg && *msg ? msg : row->name);
}

void mcp_send(struct mcp_out *out, cJSON *msg, int final)
{
    char *text = NULL;
    if (!out || !out->sink || !out->sink->send || out->gone)
        goto cleanup;
    text = cJSON_PrintUnformatted(msg);
    if (!text)
        goto cleanup;
    if (out->sink->send(out->sink->ctx, text, strlen(text), final) != 0)
        out->gone = 1;
cleanup:
    cJSON_free(text);
    cJSON_Delete(msg);
}

cJSON *mcp_notification(const char *method, cJSON *params)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "jsonrpc", "2.0");
    cJSON_AddStringToObject(m, "method", method);
    if (params)
        cJSON_AddItemToObject(m, "params", params);
    return m;
}

/* Request ids are strings (up to MCP_MAX_ID_LEN bytes) or integers; never null or 1.5. */
static int id_valid(const cJSON *id)
{
    if (cJSON_IsString(id))
        return strlen(id->valuestring) <= MCP_MAX_ID_LEN;
    if (cJSON_IsNumber(id)) {
        double d = id->valuedouble;
        return d <= 9007199254740991.0 && d >= -9007199254740991.0 && d == (double)(long long)d;
    }
    return 0;
}

cJSON *mcp_id_copy(const cJSON *id)
{
    /* cJSON prints large integers in exponent form, which would change the id: print
     * integral numbers ourselves (ids are within +-2^53, so the conversion is exact). */
    if (cJSON_IsNumber(id) && id_valid(id)) {
        char text[32];
        snprintf(text, sizeof text, "%lld", (long long)id->valuedouble);
        return cJSON_CreateRaw(text);
    }
    return cJSON_Duplicate(id, 1);
}

/* A response message for a (NULL when unknown: then "id" is omitted, as the 2025-11-25
 * schema allows and SDK clients require). Takes a's result and data. */
cJSON *mcp_response_for(const cJSON *id, struct mcp_answer *a)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "jsonrpc", "2.0");
    if (id)
        cJSON_AddItemToObject(m, "id", mcp_id_copy(id));
    if (a->result) {
        cJSON_AddItemToObject(m, "result", a->result);
    } else {
        cJSON *err = cJSON_AddObjectToObject(m, "error");
        cJSON_AddNumberToObject(err, "code", a->code ? a->code : MCP_INTERNAL_ERROR);
        cJSON_AddStringToObject(err, "message", a->msg[0] ? a->msg : "Internal error");
        if (a->data)
            cJSON_AddItemToObject(err, "data", a->data);
    }
    a->result = NULL;
    a->data = NULL;
    return m;
}

static cJSON *error_message(const cJSON *id, int code, const char *msg)
{
    struct mcp_answer a = {0};
    mcp_answer_error(&a, code, "%s", msg);
    return mcp_response_for(id, &a);
}

/* The in-flight table key of a valid id: strings and numbers never collide. */
void mcp_id_key(const cJSON *id, char *out, size_t n)
{
    if (cJSON_IsString(id))
        snprintf(out, n, "s:%s", id->valuestring);
    else
        snprintf(out, n, "n:%lld", (long long)id->valuedouble);
}

/* 1 if the text nests objects/arrays deeper than max. Runs before cJSON sees the text. */
static int too_deep(const char *s, size_t len, int max)
{
    int depth = 0, in_str = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (in_str) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_str = 0;
        } else if (ch == '"') {
            in_str = 1;
        } else if (ch == '{' || ch == '[') {
            if (++depth > max)
                return 1;
        } else if (ch == '}' || ch == ']') {
            depth--;
        }
    }
    return 0;
}

/* Parse one incoming message. Returns the tree (caller owns), or NULL with *ret_code set to
 * -32700 (not UTF-8 JSON) or -32600 (nested past MCP_MAX_DEPTH). */
static cJSON *parse_message(const char *msg, size_t len, int *ret_code, const char **ret_why)
{
    cJSON *root = NULL;
    char *copy = NULL;
    *ret_code = MCP_PARSE_ERROR;
    *ret_why = "Parse error";
    if (!msg || !utf8_valid(msg, len))
        goto cleanup;
    if (too_deep(msg, len, MCP_MAX_DEPTH)) {
        *ret_code = MCP_INVALID_REQUEST;
        *ret_why = "Invalid Request: JSON nested too deeply";
        goto cleanup;
    }
    /* cJSON's require_null_terminated wants the NUL inside the given length. */
    copy = xmalloc(len + 1);
    memcpy(copy, msg, len);
    copy[len] = '\0';
    root = cJSON_ParseWithLengthOpts(copy, len + 1, NULL, 1);
cleanup:
    free(copy);
    return root;
}

/* ---- Classification ------------------------------------------------------------------------*/

enum shape {
    SHAPE_INVALID,
    SHAPE_REQUEST,
    SHAPE_NOTIFICATION,
    SHAPE_RESPONSE,
};

/* What one array element or single message is; *ret_why explains SHAPE_INVALID. */
static enum shape shape_of(const cJSON *m, const char **ret_why)
{
    *ret_why = "Invalid Request";
    if (!cJSON_IsObject(m)) {
        *ret_why = "Invalid Request: a message must be a JSON object";
        return SHAPE_INVALID;
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "jsonrpc");
    if (!cJSON_IsString(v) || strcmp(v->valuestring, "2.0") != 0) {
        *ret_why = "Invalid Request: jsonrpc must be \"2.0\"";
        return SHAPE_INVALID;
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(m, "id");
    if (id && !id_valid(id)) {
        *ret_why = "Invalid Request: id must be a string or an integer";
        return SHAPE_INVALID;
    }
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(m, "method");
    if (!method) {
        int has_result = cJSON_GetObjectItemCaseSensitive(m, "result") != NULL;
        int has_error = cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(m, "error"));
        if (id && has_result != has_error)
            return SHAPE_RESPONSE;
        *ret_why = "Invalid Request: no method";
        return SHAPE_INVALID;
    }
    if (!cJSON_IsString(method) || !method->valuestring[0]) {
        *ret_why = "Invalid Request: method must be a non-empty string";
        return SHAPE_INVALID;
    }
    return id ? SHAPE_REQUEST : SHAPE_NOTIFICATION;
}

enum mcp_kind mcp_classify(const char *msg, size_t len)
{
    int code;
    const char *why;
    enum mcp_kind kind = MCP_KIND_INVALID;
    cJSON *root = parse_message(msg, len, &code, &why);
    if (!root)
        goto cleanup;
    if (cJSON_IsArray(root)) {
        if (cJSON_GetArraySize(root) == 0)
            goto cleanup;
        kind = MCP_KIND_NOTIFY;
        const cJSON *it;
        cJSON_ArrayForEach(it, root)
        {
            enum shape sh = shape_of(it, &why);
            if (sh == SHAPE_INVALID) {
                kind = MCP_KIND_INVALID;
                break;
            }
            if (sh == SHAPE_REQUEST)
                kind = MCP_KIND_REQUEST;
        }
        goto cleanup;
    }
    switch (shape_of(root, &why)) {
    case SHAPE_INVALID:
        break;
    case SHAPE_REQUEST: {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "method");
        if (mcp_modern_claim(cJSON_GetObjectItemCaseSensitive(root, "params")))
            kind = MCP_KIND_MODERN; /* the claim wins, initialize included (it is unknown) */
        else if (strcmp(m->valuestring, "initialize") == 0)
            kind = MCP_KIND_INITIALIZE;
        else
            kind = MCP_KIND_REQUEST;
        break;
    }
    case SHAPE_NOTIFICATION:
    case SHAPE_RESPONSE:
        kind = MCP_KIND_NOTIFY;
        break;
    }
cleanup:
    cJSON_Delete(root);
    return kind;
}

/* ---- Notifications ---------------------------------------------------------------------*/

static void n_initialized(mcp_engine *e, mcp_session *s, const cJSON *params)
{
    (void)e;
    (void)params;
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    if (s->st.version)
        s->initialized = 1;
    pthread_mutex_unlock(&s->mu);
}

static void n_cancelled(mcp_engine *e, mcp_session *s, const cJSON *params)
{
    (void)e;
    const cJSON *rid = cJSON_GetObjectItemCaseSensitive(params, "requestId");
    char key[MCP_MAX_ID_LEN + 8];
    if (!s || !id_valid(rid))
        return;
    mcp_id_key(rid, key, sizeof key);
    mcp_session_cancel_key(s, key);
}

/* ---- Dispatch --------------------------------------------------------------------------*/

static const struct method_row *find_method(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(methods); i++)
        if (strcmp(methods[i].name, name) == 0)
            return &methods[i];
    return NULL;
}

static int session_ready(mcp_session *s)
{
    return s && mcp_session_version(s) != NULL;
}

/* Serve one request: checks, in-flight registration, the handler, the answer. */
static enum one_result serve_request(mcp_engine *e, mcp_session *s, const cJSON *m,
                                     struct mcp_out *out, int in_batch, cJSON **ret_reply)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(m, "id");
    const char *name = cJSON_GetObjectItemCaseSensitive(m, "method")->valuestring;
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(m, "params");
    struct mcp_answer a = {0};
    mcp_call c = {.engine = e, .session = s, .out = out, .id = id, .method = name,
                  .log_level = -1};
    atomic_init(&c.cancelled, 0);
    int registered = 0;

    const struct method_row *row = find_method(name);
    if (!row) {
        mcp_answer_error(&a, MCP_METHOD_NOT_FOUND, "Method not found: %.*s", MCP_MAX_NAME_LEN,
                         name);
        goto cleanup;
    }
    if (params && cJSON_IsNull(params))
        params = NULL;
    if (params && !cJSON_IsObject(params)) {
        mcp_answer_error(&a, MCP_INVALID_PARAMS, "Invalid params: params must be an object");
        goto cleanup;
    }
    if ((row->flags & M_NO_BATCH) && in_batch) {
        mcp_answer_error(&a, MCP_INVALID_REQUEST, "Invalid Request: %s cannot be batched", name);
        goto cleanup;
    }
    if ((row->flags & M_NEEDS_INIT) && !session_ready(s)) {
        mcp_answer_error(&a, MCP_INVALID_REQUEST, "Invalid Request: not initialized");
        goto cleanup;
    }
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(params, "_meta");
    const cJSON *tok = cJSON_GetObjectItemCaseSensitive(meta, "progressToken");
    if (cJSON_IsString(tok) || cJSON_IsNumber(tok))
        c.progress_token = tok;
    c.params = params;

    if (s && !(row->flags & M_NO_CANCEL)) {
        mcp_id_key(id, c.key, sizeof c.key);
        err_code rc = mcp_session_add_call(s, &c, e->cfg.max_inflight);
        if (rc != ERR_OK) {
            int code = srv_err(rc)->rpc_code;
            if (rc == ERR_EXISTS)
                mcp_answer_error(&a, code, "Invalid Request: id already in use");
            else if (rc == ERR_RATE_LIMITED)
                mcp_answer_error(&a, code, "Too many requests in flight (limit %zu)",
                                 e->cfg.max_inflight);
            else
                mcp_answer_error(&a, code, "Session closed");
            goto cleanup;
        }
        registered = 1;
    }
    row->fn(&c, params, &a); /* no lock is held here */
cleanup:
    if (registered)
        mcp_session_remove_call(s, &c);
    if (a.silent || atomic_load(&c.cancelled)) {
        cJSON_Delete(a.result);
        cJSON_Delete(a.data);
        *ret_reply = NULL;
        return ONE_CANCELLED;
    }
    *ret_reply = mcp_response_for(id, &a);
    return ONE_ANSWERED;
}

/* 1 if a request is to be served as modern: its _meta claims a version, or (HTTP) its
 * MCP-Protocol-Version header names a modern one. */
static int is_modern(const cJSON *m, const struct mcp_http_headers *h)
{
    return mcp_modern_claim(cJSON_GetObjectItemCaseSensitive(m, "params")) ||
           (h && h->protocol_version && mcp_version_is_modern(h->protocol_version));
}

static enum one_result handle_one(mcp_engine *e, mcp_session *s, cJSON *m, struct mcp_out *out,
                                  int in_batch, const struct mcp_http_headers *h,
                                  cJSON **ret_reply)
{
    const char *why;
    *ret_reply = NULL;
    switch (shape_of(m, &why)) {
    case SHAPE_INVALID: {
        const cJSON *id = cJSON_IsObject(m) ? cJSON_GetObjectItemCaseSensitive(m, "id") : NULL;
        *ret_reply = error_message(id_valid(id) ? id : NULL, MCP_INVALID_REQUEST, why);
        return ONE_REJECTED;
    }
    case SHAPE_RESPONSE: {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(m, "id");
        if (s && cJSON_IsString(id))
            mcp_session_deliver(s, id->valuestring, m);
        return ONE_SILENT;
    }
    case SHAPE_NOTIFICATION: {
        const char *name = cJSON_GetObjectItemCaseSensitive(m, "method")->valuestring;
        const cJSON *params = cJSON_GetObjectItemCaseSensitive(m, "params");
        for (size_t i = 0; i < ARRAY_LEN(notifications); i++)
            if (strcmp(notifications[i].name, name) == 0)
                notifications[i].fn(e, s, cJSON_IsObject(params) ? params : NULL);
        return ONE_SILENT;
    }
    case SHAPE_REQUEST:
        break;
    }
    if (is_modern(m, h))
        return mcp_serve_modern(e, s, m, out, h, in_batch, ret_reply);
    return serve_request(e, s, m, out, in_batch, ret_reply);
}

/* A batch (2025-03-26 and 2024-11-05 sessions only; 2025-06-18 removed batching, 2024-11-05
 * inherits JSON-RPC 2.0's and is served like 2025-03-26): every element in order, the
 * answers as one array. */
static enum mcp_outcome handle_batch(mcp_engine *e, mcp_session *s, cJSON *root,
                                     struct mcp_out *out)
{
    const char *v = s ? mcp_session_version(s) : NULL;
    int n = cJSON_GetArraySize(root);
    const char *why = NULL;
    if (!v || strcmp(v, "2025-03-26") > 0)
        why = "Invalid Request: batches are only accepted on 2025-03-26 and 2024-11-05 sessions";
    else if (n == 0)
        why = "Invalid Request: empty batch";
    else if ((size_t)n > e->cfg.max_batch)
        why = "Invalid Request: batch too large";
    if (why) {
        mcp_send(out, error_message(NULL, MCP_INVALID_REQUEST, why), 1);
        return MCP_OUT_REJECTED;
    }
    cJSON *answers = cJSON_CreateArray();
    int requests = 0;
    cJSON *it;
    cJSON_ArrayForEach(it, root)
    {
        cJSON *reply = NULL;
        enum one_result r = handle_one(e, s, it, out, 1, NULL, &reply);
        if (r == ONE_ANSWERED || r == ONE_CANCELLED)
            requests++;
        if (reply)
            cJSON_AddItemToArray(answers, reply);
    }
    if (cJSON_GetArraySize(answers) > 0) {
        mcp_send(out, answers, 1);
        return MCP_OUT_RESPONSE;
    }
    cJSON_Delete(answers);
    return requests ? MCP_OUT_CANCELLED : MCP_OUT_ACCEPTED;
}

/* 1 if m is a request other than initialize (the message makes a session "used"). */
static int is_work(const cJSON *m)
{
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(m, "method");
    return cJSON_GetObjectItemCaseSensitive(m, "id") && cJSON_IsString(method) &&
           strcmp(method->valuestring, "initialize") != 0;
}

static int has_work(const cJSON *root)
{
    if (!cJSON_IsArray(root))
        return is_work(root);
    const cJSON *it;
    cJSON_ArrayForEach(it, root)
    {
        if (is_work(it))
            return 1;
    }
    return 0;
}

enum mcp_outcome mcp_engine_handle(mcp_engine *e, mcp_session *s, const char *msg, size_t len,
                                   const struct mcp_sink *sink)
{
    return mcp_engine_handle_http(e, s, msg, len, NULL, sink);
}

enum mcp_outcome mcp_engine_handle_http(mcp_engine *e, mcp_session *s, const char *msg,
                                        size_t len, const struct mcp_http_headers *h,
                                        const struct mcp_sink *sink)
{
    int work = 0;
    struct mcp_out out = {.sink = sink};
    enum mcp_outcome outcome = MCP_OUT_ACCEPTED;
    int code;
    const char *why;
    if (s)
        mcp_session_retain(s); /* held for the whole call, whatever the transport does */
    cJSON *root = parse_message(msg, len, &code, &why);
    if (!root) {
        mcp_send(&out, error_message(NULL, code, why), 1);
        outcome = MCP_OUT_REJECTED;
        goto cleanup;
    }
    work = has_work(root);
    if (cJSON_IsArray(root)) {
        outcome = handle_batch(e, s, root, &out);
        goto cleanup;
    }
    cJSON *reply = NULL;
    switch (handle_one(e, s, root, &out, 0, h, &reply)) {
    case ONE_ANSWERED:
        outcome = MCP_OUT_RESPONSE;
        break;
    case ONE_REJECTED:
        outcome = MCP_OUT_REJECTED;
        break;
    case ONE_NO_METHOD:
        outcome = MCP_OUT_NO_METHOD;
        break;
    case ONE_SILENT:
        outcome = MCP_OUT_ACCEPTED;
        break;
    case ONE_CANCELLED:
        outcome = MCP_OUT_CANCELLED;
        break;
    }
    if (reply)
        mcp_send(&out, reply, 1);
cleanup:
    cJSON_Delete(root);
    if (s) {
        mcp_session_touch(e, s, work);
        mcp_session_release(s);
    }
    return outcome;
}
