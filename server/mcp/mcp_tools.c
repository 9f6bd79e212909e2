/* mcp_tools.c - tools/list and tools/call: the tool rows rendered per protocol version,
 * argument checks against the tool's inputSchema (duplicate keys, unknown properties,
 * required properties, basic JSON types), the handler call and the CallToolResult.
 * Layer: server/mcp.
 *
 * Argument problems are answered as isError results naming the field (2025-11-25: input
 * validation errors are tool execution errors, so the model can correct itself); only an
 * unknown tool or a malformed request is a JSON-RPC error (-32602). Tools flagged
 * MCP_TOOL_RAW_ARGS skip the schema checks and validate their arguments themselves. */
#include "server/mcp/mcp_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- tools/list ---------------------------------------------------------------------------*/

static cJSON *tool_json(const mcp_call *c, const struct mcp_tool_row *t)
{
    int v0618 = mcp_call_at_least(c, "2025-06-18");
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "name", t->name);
    if (v0618)
        mcp_add_opt_string(j, "title", t->title);
    mcp_add_opt_string(j, "description", t->description);
    cJSON_AddItemToObject(j, "inputSchema", cJSON_Duplicate(t->input_schema, 1));
    if (v0618 && t->output_schema)
        cJSON_AddItemToObject(j, "outputSchema", cJSON_Duplicate(t->output_schema, 1));
    if (!mcp_call_at_least(c, "2025-03-26"))
        return j; /* 2024-11-05 tools have name, description and inputSchema only */
    cJSON *ann = cJSON_AddObjectToObject(j, "annotations");
    if (!v0618)
        mcp_add_opt_string(ann, "title", t->title); /* 2025-03-26 has no top-level title */
    cJSON_AddBoolToObject(ann, "readOnlyHint", (t->hints & MCP_HINT_READ_ONLY) != 0);
    cJSON_AddBoolToObject(ann, "destructiveHint", (t->hints & MCP_HINT_DESTRUCTIVE) != 0);
    cJSON_AddBoolToObject(ann, "idempotentHint", (t->hints & MCP_HINT_IDEMPOTENT) != 0);
    cJSON_AddBoolToObject(ann, "openWorldHint", (t->hints & MCP_HINT_OPEN_WORLD) != 0);
    return j;
}

void mcp_m_tools_list(mcp_call *c, const cJSON *params, struct mcp_answer *a)
{
    const mcp_engine *e = c->engine;
    size_t start;
    if (mcp_page_start(params, 't', e->tools.n, a, &start) < 0)
        return;
    size_t end = start + e->cfg.page_size < e->tools.n ? start + e->cfg.page_size : e->tools.n;
    cJSON *r = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(r, "tools");
    for (size_t i = start; i < end; i++)
        cJSON_AddItemToArray(list, tool_json(c, &e->tools.v[i]));
    mcp_page_finish(r, 't', end, e->tools.n);
    a->result = r;
}

/* ---- Argument checks ----------------------------------------------------------------------*/

/* Every finite double at or past 2^53 in magnitude is an integer; below it the cast to long
 * long is exact for integers and drops a fraction otherwise. (No libm: this room links base
 * and cJSON only.) */
static int is_integer(const cJSON *v)
{
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return 0;
    double d = v->valuedouble;
    return d >= 9007199254740992.0 || d <= -9007199254740992.0 || (double)(long long)d == d;
}

static int is_number(const cJSON *v)
{
    return cJSON_IsNumber(v) != 0;
}
static int is_string(const cJSON *v)
{
    return cJSON_IsString(v) != 0;
}
static int is_bool(const cJSON *v)
{
    return cJSON_IsBool(v) != 0;
}
static int is_object(const cJSON *v)
{
    return cJSON_IsObject(v) != 0;
}
static int is_array(const cJSON *v)
{
    return cJSON_IsArray(v) != 0;
}
static int is_null(const cJSON *v)
{
    return cJSON_IsNull(v) != 0;
}

/* JSON Schema type names and the test for each. Unknown names are not checked. */
static const struct {
    const char *name;
    int (*test)(const cJSON *v);
} json_types[] = {
    {"string", is_string}, {"number", is_number}, {"integer", is_integer},
    {"boolean", is_bool},  {"object", is_object}, {"array", is_array},
    {"null", is_null},
};

/* 1 if v matches the type name (or the name is not one we check). */
static int type_matches(const char *type, const cJSON *v)
{
    for (size_t i = 0; i < ARRAY_LEN(json_types); i++)
        if (strcmp(json_types[i].name, type) == 0)
            return json_types[i].test(v);
    return 1;
}

/* "type" is a string or an array of strings (any may match). */
static int schema_type_ok(const cJSON *type, const cJSON *v)
{
    if (cJSON_IsString(type))
        return type_matches(type->valuestring, v);
    if (!cJSON_IsArray(type))
        return 1;
    const cJSON *t;
    cJSON_ArrayForEach(t, type)
    {
        if (cJSON_IsString(t) && type_matches(t->valuestring, v))
            return 1;
    }
    return cJSON_GetArraySize(type) == 0;
}

/* Duplicate keys anywhere in the arguments (cJSON keeps both; a guardrail reading the
 * first could approve a value other than the one a handler reads). Objects are bounded by
 * MCP_MAX_ARG_KEYS, which also bounds the pairwise comparison. */
static int find_duplicates(const cJSON *v, char *why, size_t n)
{
    if (cJSON_IsObject(v)) {
        size_t count = 0;
        for (const cJSON *a = v->child; a; a = a->next) {
            if (++count > MCP_MAX_ARG_KEYS) {
                snprintf(why, n, "an object in the arguments has more than %d properties",
                         MCP_MAX_ARG_KEYS);
                return 1;
            }
            for (const cJSON *b = a->next; b; b = b->next)
                if (strcmp(a->string, b->string) == 0) {
                    snprintf(why, n, "argument '%.128s' is given more than once", a->string);
                    return 1;
                }
        }
    }
    for (const cJSON *ch = v->child; ch; ch = ch->next)
        if (find_duplicates(ch, why, n))
            return 1;
    return 0;
}

/* Checks args against the top level of schema; 0 if fine, else 1 with why filled. */
static int check_arguments(const cJSON *schema, const cJSON *args, char *why, size_t n)
{
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(schema, "required");
    const cJSON *addl = cJSON_GetObjectItemCaseSensitive(schema, "additionalProperties");
    if (find_duplicates(args, why, n))
        return 1;
    for (const cJSON *a = args->child; a; a = a->next) {
        const cJSON *ps = cJSON_IsObject(props)
                              ? cJSON_GetObjectItemCaseSensitive(props, a->string)
                              : NULL;
        if (!ps && cJSON_IsFalse(addl)) {
            snprintf(why, n, "unknown argument '%.128s'", a->string);
            return 1;
        }
    }
    const cJSON *r;
    cJSON_ArrayForEach(r, (cJSON_IsArray(req) ? req : NULL))
    {
        if (cJSON_IsString(r) && !cJSON_GetObjectItemCaseSensitive(args, r->valuestring)) {
            snprintf(why, n, "missing required argument '%.128s'", r->valuestring);
            return 1;
        }
    }
    for (const cJSON *a = args->child; a; a = a->next) {
        const cJSON *ps = cJSON_IsObject(props)
                              ? cJSON_GetObjectItemCaseSensitive(props, a->string)
                              : NULL;
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(ps, "type");
        if (type && !schema_type_ok(type, a)) {
            char *want = cJSON_PrintUnformatted(type);
            snprintf(why, n, "argument '%.128s' must be of type %.64s", a->string,
                     want ? want : "?");
            cJSON_free(want);
            return 1;
        }
    }
    return 0;
}

/* ---- tools/call ---------------------------------------------------------------------------*/

static cJSON *text_block(const char *text)
{
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "type", "text");
    cJSON_AddStringToObject(b, "text", text);
    return b;
}

/* An isError result for a failure of kind code: the text explains it, _meta carries the
 * code's name from the error table. */
static cJSON *error_result(err_code code, const char *text)
{
    cJSON *r = cJSON_CreateObject();
    cJSON *content = cJSON_AddArrayToObject(r, "content");
    cJSON_AddItemToArray(content, text_block(text && *text ? text : srv_err(code)->name));
    cJSON_AddBoolToObject(r, "isError", 1);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "_meta"), MCP_META_ERROR_CODE,
                            srv_err(code)->name);
    return r;
}

/* 2025-03-26 clients do not know resource_link blocks: give them the link as text. */
static void downgrade_links(cJSON *content)
{
    cJSON *next;
    for (cJSON *b = content->child; b; b = next) {
        next = b->next; /* b is replaced (freed) below */
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(b, "type");
        if (!cJSON_IsString(type) || strcmp(type->valuestring, "resource_link") != 0)
            continue;
        const cJSON *uri = cJSON_GetObjectItemCaseSensitive(b, "uri");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(b, "name");
        char *text = xasprintf("%s: %s", cJSON_IsString(name) ? name->valuestring : "resource",
                               cJSON_IsString(uri) ? uri->valuestring : "");
        cJSON_ReplaceItemViaPointer(content, b, text_block(text));
        free(text);
    }
}

/* Turn a handler's result (members taken) into a CallToolResult for this call's version. */
static cJSON *call_result(const mcp_call *c, struct mcp_tool_result *out)
{
    cJSON *r = cJSON_CreateObject();
    cJSON *content = out->content;
    out->content = NULL;
    if (!cJSON_IsArray(content)) {
        cJSON_Delete(content);
        content = cJSON_CreateArray();
        if (out->text) {
            cJSON_AddItemToArray(content, text_block(out->text));
        } else if (out->structured) {
            char *json = cJSON_PrintUnformatted(out->structured);
            cJSON_AddItemToArray(content, text_block(json ? json : "{}"));
            cJSON_free(json);
        }
    }
    if (!mcp_call_at_least(c, "2025-06-18"))
        downgrade_links(content);
    cJSON_AddItemToObject(r, "content", content);
    if (out->structured && mcp_call_at_least(c, "2025-06-18")) {
        cJSON_AddItemToObject(r, "structuredContent", out->structured);
        out->structured = NULL;
    }
    cJSON_AddBoolToObject(r, "isError", out->is_error != 0);
    return r;
}

void mcp_m_tools_call(mcp_call *c, const cJSON *params, struct mcp_answer *a)
{
    struct mcp_tool_result out = {0};
    struct err e;
    cJSON *empty = NULL;
    char why[ERR_MSG_MAX];
    err_clear(&e);

    const cJSON *name = cJSON_GetObjectItemCaseSensitive(params, "name");
    if (!cJSON_IsString(name)) {
        mcp_answer_error(a, MCP_INVALID_PARAMS, "Invalid params: name must be a string");
        goto cleanup;
    }
    const struct mcp_tool_row *t = mcp_find_tool(c->engine, name->valuestring);
    if (!t) {
        mcp_answer_error(a, MCP_INVALID_PARAMS, "Unknown tool: %.*s", MCP_MAX_NAME_LEN,
                         name->valuestring);
        goto cleanup;
    }
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(params, "arguments");
    if (cJSON_IsNull(args))
        args = NULL;
    if (args && !cJSON_IsObject(args)) {
        mcp_answer_error(a, MCP_INVALID_PARAMS, "Invalid params: arguments must be an object");
        goto cleanup;
    }
    int raw = (t->flags & MCP_TOOL_RAW_ARGS) != 0;
    if (!args && !raw)
        args = empty = cJSON_CreateObject();
    if (args && (raw ? find_duplicates(args, why, sizeof why)
                     : check_arguments(t->input_schema, args, why, sizeof why))) {
        char *text = xasprintf("Invalid arguments for tool %s: %s", t->name, why);
        a->result = error_result(ERR_INVALID, text);
        free(text);
        goto cleanup;
    }

    err_code rc = t->fn(c, args, t->ud, &out, &e); /* no lock held */
    const struct srv_err_row *row = srv_err(rc);
    if (rc == ERR_CANCELLED || mcp_call_cancelled(c) || (rc != ERR_OK && !row->tool_error &&
                                                         !row->rpc_code)) {
        a->silent = 1;
        goto cleanup;
    }
    if (rc == ERR_UNSUPPORTED && c->modern && c->missing_caps) {
        /* A question needed a capability the client did not declare: -32021, not a tool
         * error (mcp_serve_modern names the capabilities). */
        mcp_answer_error(a, MCP_MISSING_CAPABILITY, "%s", e.msg);
        goto cleanup;
    }
    if (rc != ERR_OK && row->tool_error) {
        a->result = error_result(rc, e.msg);
        goto cleanup;
    }
    if (rc != ERR_OK) {
        mcp_answer_from_err(a, rc, e.msg);
        goto cleanup;
    }
    a->result = call_result(c, &out);
cleanup:
    cJSON_Delete(out.content);
    free(out.text);
    cJSON_Delete(out.structured);
    cJSON_Delete(empty);
}
