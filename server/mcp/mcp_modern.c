/* mcp_modern.c - the modern era (2026-07-28): requests served without a session from what
 * their _meta says. The ladder a request climbs before its handler (envelope, HTTP headers
 * against the body, version, method), the method table, and what every modern result
 * carries (resultType, serverInfo in _meta, caching hints). Layer: server/mcp.
 *
 * Refusals on the ladder name the request's id and tell the transport to answer HTTP 400
 * (ONE_REJECTED), or 404 for a method this era does not have (ONE_NO_METHOD); errors of a
 * handler are answered in-band like any legacy error, except a missing client capability
 * (-32021), which the specification gives a 400 too. */
#include "server/mcp/mcp_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Method table ---------------------------------------------------------------------------
 * One row per method of the modern era. To add one: a handler (shared with the legacy table
 * in mcp_jsonrpc.c where the method exists in both), a row. initialize, ping,
 * logging/setLevel and resources/(un)subscribe are gone in this era: -32601. */
enum {
    MM_CACHEABLE = 1u << 0, /* a complete result carries ttlMs and cacheScope */
    MM_INPUT = 1u << 1,     /* may be answered with an InputRequiredResult */
    MM_SKILLS = 1u << 2,    /* exists only while skills are registered */
};

static const struct modern_row {
    const char *name;
    mcp_method_fn fn;
    unsigned flags;
} modern_methods[] = {
    {"server/discover", mcp_m_discover, MM_CACHEABLE},
    {"tools/list", mcp_m_tools_list, MM_CACHEABLE},
    {"tools/call", mcp_m_tools_call, MM_INPUT},
    {"resources/list", mcp_m_resources_list, MM_CACHEABLE},
    {"resources/templates/list", mcp_m_templates_list, MM_CACHEABLE},
    {"resources/read", mcp_m_resources_read, MM_CACHEABLE | MM_INPUT},
    {"prompts/list", mcp_m_prompts_list, MM_CACHEABLE},
    {"prompts/get", mcp_m_prompts_get, MM_INPUT},
    {"completion/complete", mcp_m_complete, 0},
    {"subscriptions/listen", mcp_m_listen, 0},
    {"skills/list", mcp_m_skills_list, MM_CACHEABLE | MM_SKILLS},
    {"skills/get", mcp_m_skills_get, MM_CACHEABLE | MM_SKILLS},
    {"resources/directory/read", mcp_m_directory_read, MM_CACHEABLE | MM_SKILLS},
};

/* The modern versions this engine speaks, newest first (static strings). */
static const char *const modern_versions[] = {MCP_MODERN_VERSION};

static const char *modern_canonical(const char *v)
{
    for (size_t i = 0; v && i < ARRAY_LEN(modern_versions); i++)
        if (strcmp(v, modern_versions[i]) == 0)
            return modern_versions[i];
    return NULL;
}

int mcp_version_is_modern(const char *v)
{
    return modern_canonical(v) != NULL;
}

int mcp_modern_claim(const cJSON *params)
{
    const cJSON *meta = cJSON_IsObject(params) ? cJSON_GetObjectItemCaseSensitive(params, "_meta")
                                               : NULL;
    return cJSON_IsObject(meta) &&
           cJSON_GetObjectItemCaseSensitive(meta, MCP_META_PROTOCOL_VERSION) != NULL;
}

/* ---- The ladder -------------------------------------------------------------------------------*/

/* a's -32602 for a malformed envelope, with data {"field": key, "problem": why}. */
static void envelope_error(struct mcp_answer *a, const char *key, const char *problem)
{
    mcp_answer_error(a, MCP_INVALID_PARAMS, "Invalid params: _meta %s %s", key, problem);
    a->data = cJSON_CreateObject();
    cJSON_AddStringToObject(a->data, "field", key);
    cJSON_AddStringToObject(a->data, "problem", problem);
}

/* Check params._meta of a modern request and fill c from it; 0, or -1 with a set. */
static int read_envelope(mcp_call *c, const cJSON *params, struct mcp_answer *a)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(params, "_meta");
    if (!cJSON_IsObject(meta)) {
        envelope_error(a, "_meta", meta ? "must be an object" : "is missing");
        return -1;
    }
    const cJSON *pv = cJSON_GetObjectItemCaseSensitive(meta, MCP_META_PROTOCOL_VERSION);
    const cJSON *caps = cJSON_GetObjectItemCaseSensitive(meta, MCP_META_CLIENT_CAPABILITIES);
    const cJSON *info = cJSON_GetObjectItemCaseSensitive(meta, MCP_META_CLIENT_INFO);
    const cJSON *level = cJSON_GetObjectItemCaseSensitive(meta, MCP_META_LOG_LEVEL);
    if (!cJSON_IsString(pv) || !pv->valuestring[0]) {
        envelope_error(a, MCP_META_PROTOCOL_VERSION, pv ? "must be a version string" : "is missing");
        return -1;
    }
    if (!cJSON_IsObject(caps)) {
        envelope_error(a, MCP_META_CLIENT_CAPABILITIES, caps ? "must be an object" : "is missing");
        return -1;
    }
    if (info && !(cJSON_IsObject(info) &&
                  cJSON_IsString(cJSON_GetObjectItemCaseSensitive(info, "name")) &&
                  cJSON_IsString(cJSON_GetObjectItemCaseSensitive(info, "version")))) {
        envelope_error(a, MCP_META_CLIENT_INFO, "must be an object with name and version strings");
        return -1;
    }
    if (level) {
        c->log_level = mcp_log_level_parse(cJSON_IsString(level) ? level->valuestring : NULL);
        if (c->log_level < 0) {
            envelope_error(a, MCP_META_LOG_LEVEL,
                           "must be one of debug, info, notice, warning, error, critical, "
                           "alert, emergency");
            return -1;
        }
    }
    c->caps = mcp_caps_from_json(caps);
    const cJSON *tok = cJSON_GetObjectItemCaseSensitive(meta, "progressToken");
    if (cJSON_IsString(tok) || cJSON_IsNumber(tok))
        c->progress_token = tok;
    return 0;
}

/* 1 if a header value holds only visible ASCII, space and tab (RFC 9110 field values). */
static int header_chars_ok(const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (!((*p >= 0x20 && *p < 0x7f) || *p == '\t'))
            return 0;
    return 1;
}

static int b64_val(unsigned char ch)
{
    static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = ch ? strchr(std, ch) : NULL;
    return p ? (int)(p - std) : -1;
}

#define SENTINEL_HEAD "=?base64?"
#define SENTINEL_TAIL "?="

/* A header value as the client meant it: "=?base64?...?=" decoded (standard Base64 with
 * padding, UTF-8 inside), anything else as it is. A new string, or NULL when the sentinel
 * is malformed. */
static char *header_decode(const char *v)
{
    size_t n = strlen(v), hl = strlen(SENTINEL_HEAD), tl = strlen(SENTINEL_TAIL);
    if (n < hl + tl || strncmp(v, SENTINEL_HEAD, hl) != 0 || strcmp(v + n - tl, SENTINEL_TAIL) != 0)
        return xstrdup(v);
    const char *b = v + hl;
    size_t bn = n - hl - tl;
    if (bn % 4 != 0)
        return NULL;
    char *out = xmalloc(bn / 4 * 3 + 1);
    size_t len = 0;
    for (size_t i = 0; i < bn; i += 4) {
        int q[4], pad = 0;
        for (int k = 0; k < 4; k++) {
            unsigned char ch = (unsigned char)b[i + k];
            if (ch == '=' && i + 4 == bn && k >= 2) {
                q[k] = 0;
                pad++;
            } else if (pad || (q[k] = b64_val(ch)) < 0) {
                free(out);
                return NULL;
            }
        }
        unsigned w = (unsigned)q[0] << 18 | (unsigned)q[1] << 12 | (unsigned)q[2] << 6 |
                     (unsigned)q[3];
        out[len++] = (char)(w >> 16);
        if (pad < 2)
            out[len++] = (char)(w >> 8);
        if (pad < 1)
            out[len++] = (char)w;
    }
    out[len] = '\0';
    if (strlen(out) != len || !utf8_valid(out, len)) {
        free(out);
        return NULL;
    }
    return out;
}

/* a's -32020: "Header mismatch: " what and detail. */
static void mismatch(struct mcp_answer *a, const char *what, const char *detail)
{
    mcp_answer_error(a, MCP_HEADER_MISMATCH, "Header mismatch: %s%s", what, detail ? detail : "");
}

/* Compare a decoded header with a body value (strings exactly; integers numerically). */
static int header_equals(const char *decoded, const cJSON *body)
{
    if (cJSON_IsString(body))
        return strcmp(decoded, body->valuestring) == 0;
    if (cJSON_IsBool(body))
        return strcmp(decoded, cJSON_IsTrue(body) ? "true" : "false") == 0;
    if (cJSON_IsNumber(body)) {
        char *end = NULL;
        double d = strtod(decoded, &end);
        return end && end != decoded && *end == '\0' && d == body->valuedouble;
    }
    return 0;
}

/* The Mcp-Param-<name> header of h, or NULL (names compare case-insensitively). */
static const char *param_header(const struct mcp_http_headers *h, const char *name)
{
    for (size_t i = 0; i < h->nparams; i++) {
        const char *n = h->params[2 * i];
        size_t k = 0;
        while (n[k] && name[k] && (n[k] | 0x20) == (name[k] | 0x20))
            k++;
        if (!n[k] && !name[k])
            return h->params[2 * i + 1];
    }
    return NULL;
}

/* Mcp-Param-* checks of one schema level: every property annotated with x-mcp-header must
 * have its header exactly when the argument has a (non-null) value, and they must agree.
 * Nested object properties are followed through "properties". 0, or -1 with a set. */
static int check_param_headers(const cJSON *schema, const cJSON *args,
                               const struct mcp_http_headers *h, struct mcp_answer *a,
                               int depth)
{
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    if (!cJSON_IsObject(props) || depth > 8)
        return 0;
    for (const cJSON *p = props->child; p; p = p->next) {
        const cJSON *value = cJSON_IsObject(args) ? cJSON_GetObjectItemCaseSensitive(args, p->string)
                                                  : NULL;
        if (cJSON_IsNull(value))
            value = NULL;
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "x-mcp-header");
        if (cJSON_IsString(name) && name->valuestring[0]) {
            const char *hv = param_header(h, name->valuestring);
            if (!hv && !value)
                continue;
            if (!hv || !value) {
                char what[160];
                snprintf(what, sizeof what, "Mcp-Param-%.64s ", name->valuestring);
                mismatch(a, what, hv ? "is sent for an argument the body does not have"
                                     : "is missing for an argument the body has");
                return -1;
            }
            char *dec = header_chars_ok(hv) ? header_decode(hv) : NULL;
            int same = dec && header_equals(dec, value);
            free(dec);
            if (!same) {
                char what[200];
                snprintf(what, sizeof what, "Mcp-Param-%.64s does not match argument '%.64s'",
                         name->valuestring, p->string);
                mismatch(a, what, NULL);
                return -1;
            }
        }
        if (cJSON_IsObject(value) && check_param_headers(p, value, h, a, depth + 1) < 0)
            return -1;
    }
    return 0;
}

/* The body value Mcp-Name mirrors for method, or NULL for a method without one. *ret_named
 * says whether the method has one. */
static const cJSON *named_value(const char *method, const cJSON *params, int *ret_named)
{
    static const struct {
        const char *method, *field;
    } named[] = {{"tools/call", "name"}, {"prompts/get", "name"}, {"resources/read", "uri"}};
    *ret_named = 0;
    for (size_t i = 0; i < ARRAY_LEN(named); i++)
        if (strcmp(named[i].method, method) == 0) {
            *ret_named = 1;
            return cJSON_GetObjectItemCaseSensitive(params, named[i].field);
        }
    return NULL;
}

/* The standard headers against the body (HTTP only); 0, or -1 with a's -32020 set. */
static int check_headers(const mcp_engine *e, const struct mcp_http_headers *h,
                         const char *method, const cJSON *params, struct mcp_answer *a)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(params, "_meta");
    const char *pv = cJSON_GetObjectItemCaseSensitive(meta, MCP_META_PROTOCOL_VERSION)->valuestring;
    if (!h->protocol_version || !header_chars_ok(h->protocol_version)) {
        mismatch(a, "the MCP-Protocol-Version header is ",
                 h->protocol_version ? "malformed" : "missing");
        return -1;
    }
    if (strcmp(h->protocol_version, pv) != 0) {
        char what[200];
        snprintf(what, sizeof what, "MCP-Protocol-Version '%.64s' does not match _meta '%.64s'",
                 h->protocol_version, pv);
        mismatch(a, what, NULL);
        return -1;
    }
    if (!h->method || strcmp(h->method, method) != 0) {
        char what[200];
        snprintf(what, sizeof what, "Mcp-Method '%.64s' does not match method '%.64s'",
                 h->method ? h->method : "(missing)", method);
        mismatch(a, what, NULL);
        return -1;
    }
    int named;
    const cJSON *body = named_value(method, params, &named);
    if (named && (h->name || body)) {
        char *dec = h->name && header_chars_ok(h->name) ? header_decode(h->name) : NULL;
        int same = dec && cJSON_IsString(body) && strcmp(dec, body->valuestring) == 0;
        free(dec);
        if (!same) {
            mismatch(a, "Mcp-Name ", h->name ? "does not match the body's name or uri" : "is missing");
            return -1;
        }
    }
    if (strcmp(method, "tools/call") == 0 && cJSON_IsString(body)) {
        const struct mcp_tool_row *t = mcp_find_tool(e, body->valuestring);
        if (t && check_param_headers(t->input_schema,
                                     cJSON_GetObjectItemCaseSensitive(params, "arguments"), h, a,
                                     0) < 0)
            return -1;
    }
    return 0;
}

/* a's -32022 naming the versions served and the one asked for. */
static void unsupported_version(struct mcp_answer *a, const char *requested)
{
    mcp_answer_error(a, MCP_UNSUPPORTED_VERSION, "Unsupported protocol version: %.64s",
                     requested);
    a->data = cJSON_CreateObject();
    cJSON *sup = cJSON_AddArrayToObject(a->data, "supported");
    for (size_t i = 0; i < ARRAY_LEN(modern_versions); i++)
        cJSON_AddItemToArray(sup, cJSON_CreateString(modern_versions[i]));
    cJSON_AddStringToObject(a->data, "requested", requested);
}

static const struct modern_row *find_modern(const mcp_engine *e, const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(modern_methods); i++)
        if (strcmp(modern_methods[i].name, name) == 0)
            return (modern_methods[i].flags & MM_SKILLS) && !e->skills.n ? NULL
                                                                         : &modern_methods[i];
    return NULL;
}

/* ---- Results ----------------------------------------------------------------------------------*/

/* Every modern result says what it is and who answered; cacheable ones how long to keep. */
static void decorate(const mcp_call *c, const struct modern_row *row, cJSON *r)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(r, "resultType");
    if (!type)
        cJSON_AddStringToObject(r, "resultType", "complete");
    int complete = !type || (cJSON_IsString(type) && strcmp(type->valuestring, "complete") == 0);
    if (row && (row->flags & MM_CACHEABLE) && complete) {
        if (!cJSON_GetObjectItemCaseSensitive(r, "ttlMs"))
            cJSON_AddNumberToObject(r, "ttlMs", c->engine->cfg.cache_ttl_ms);
        if (!cJSON_GetObjectItemCaseSensitive(r, "cacheScope"))
            cJSON_AddStringToObject(r, "cacheScope", "public");
    }
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(r, "_meta");
    if (!cJSON_IsObject(meta)) {
        cJSON_DeleteItemFromObjectCaseSensitive(r, "_meta");
        meta = cJSON_AddObjectToObject(r, "_meta");
    }
    if (!cJSON_GetObjectItemCaseSensitive(meta, MCP_META_SERVER_INFO))
        cJSON_AddItemToObject(meta, MCP_META_SERVER_INFO, mcp_server_info(c->engine, c->version));
}

/* a's -32021 naming the capabilities a question needed (as a ClientCapabilities object). */
static void missing_capability(struct mcp_answer *a, unsigned bits)
{
    static const struct {
        unsigned bit;
        const char *cap, *sub;
    } names[] = {
        {MCP_CAP_ELICIT, "elicitation", NULL},   {MCP_CAP_ELICIT_URL, "elicitation", "url"},
        {MCP_CAP_SAMPLING, "sampling", NULL},    {MCP_CAP_ROOTS, "roots", NULL},
    };
    cJSON_Delete(a->result);
    cJSON_Delete(a->data);
    a->result = NULL;
    a->code = 0;
    mcp_answer_error(a, MCP_MISSING_CAPABILITY,
                     "Missing required client capability: the request needs what the client "
                     "did not declare in _meta");
    a->data = cJSON_CreateObject();
    cJSON *req = cJSON_AddObjectToObject(a->data, "requiredCapabilities");
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        if (!(bits & names[i].bit))
            continue;
        cJSON *cap = cJSON_GetObjectItemCaseSensitive(req, names[i].cap);
        if (!cap)
            cap = cJSON_AddObjectToObject(req, names[i].cap);
        if (names[i].sub && !cJSON_GetObjectItemCaseSensitive(cap, names[i].sub))
            cJSON_AddObjectToObject(cap, names[i].sub);
    }
}

/* ---- Serving ----------------------------------------------------------------------------------*/

enum one_result mcp_serve_modern(mcp_engine *e, mcp_session *s, const cJSON *m,
                                 struct mcp_out *out, const struct mcp_http_headers *h,
                                 int in_batch, cJSON **ret_reply)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(m, "id");
    const char *name = cJSON_GetObjectItemCaseSensitive(m, "method")->valuestring;
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(m, "params");
    struct mcp_answer a = {0};
    mcp_call c = {.engine = e, .session = s, .out = out, .id = id, .method = name,
                  .modern = 1, .version = MCP_MODERN_VERSION, .log_level = -1};
    atomic_init(&c.cancelled, 0);
    enum one_result kind = ONE_REJECTED;
    int registered = 0;
    const struct modern_row *row = NULL;

    if (in_batch) {
        mcp_answer_error(&a, MCP_INVALID_REQUEST,
                         "Invalid Request: a 2026-07-28 request cannot be part of a batch");
        goto reply;
    }
    if (params && !cJSON_IsObject(params)) {
        mcp_answer_error(&a, MCP_INVALID_PARAMS, "Invalid params: params must be an object");
        goto reply;
    }
    if (read_envelope(&c, params, &a) < 0)
        goto reply;
    if (h && check_headers(e, h, name, params, &a) < 0)
        goto reply;
    const char *requested =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(params, "_meta"),
                                         MCP_META_PROTOCOL_VERSION)->valuestring;
    c.version = modern_canonical(requested);
    if (!c.version) {
        unsupported_version(&a, requested);
        goto reply;
    }
    row = find_modern(e, name);
    if (!row) {
        mcp_answer_error(&a, MCP_METHOD_NOT_FOUND, "Method not found: %.*s", MCP_MAX_NAME_LEN,
                         name);
        kind = ONE_NO_METHOD;
        goto reply;
    }
    kind = ONE_ANSWERED;
    c.params = params;
    if (s) { /* stdio: notifications/cancelled finds the call in the process's session */
        mcp_id_key(id, c.key, sizeof c.key);
        err_code rc = mcp_session_add_call(s, &c, e->cfg.max_inflight);
        if (rc != ERR_OK) {
            mcp_answer_error(&a, srv_err(rc)->rpc_code,
                             rc == ERR_EXISTS ? "Invalid Request: id already in use"
                                              : "Too many requests in flight");
            goto reply;
        }
        registered = 1;
    }
    if ((row->flags & MM_INPUT) && mcp_input_begin(&c, &a) < 0)
        goto done;
    row->fn(&c, params, &a); /* no lock is held here */
done:
    if (row->flags & MM_INPUT)
        mcp_input_end(&c, &a);
    if (!a.result && a.code == MCP_UNSUPPORTED_VERSION) /* never from a handler */
        a.code = MCP_INTERNAL_ERROR;
    if (!a.result && c.missing_caps && !a.silent) {
        missing_capability(&a, c.missing_caps);
        kind = ONE_REJECTED;
    }
    if (registered)
        mcp_session_remove_call(s, &c);
    if (a.silent || mcp_call_cancelled(&c)) {
        cJSON_Delete(a.result);
        cJSON_Delete(a.data);
        free(c.app_state);
        *ret_reply = NULL;
        return ONE_CANCELLED;
    }
reply:
    free(c.app_state);
    if (a.result)
        decorate(&c, row, a.result);
    else if (a.code == MCP_RESOURCE_NOT_FOUND || a.code == 0)
        a.code = a.code ? MCP_INVALID_PARAMS : MCP_INTERNAL_ERROR; /* -32002 is legacy only */
    *ret_reply = mcp_response_for(id, &a);
    return kind;
}
