/* mcp_catalog.c - resources (list, templates, read, subscribe), prompts (list, get) and
 * completion/complete. Layer: server/mcp. Callbacks are called without any lock held; the
 * trees they return are owned here and moved into the answer. */
#include "server/mcp/mcp_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Resources ------------------------------------------------------------------------------*/

static cJSON *resource_json(const mcp_call *c, const struct mcp_resource_row *r, int is_template)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, is_template ? "uriTemplate" : "uri", r->uri);
    cJSON_AddStringToObject(j, "name", r->name);
    if (mcp_call_at_least(c, "2025-06-18"))
        mcp_add_opt_string(j, "title", r->title);
    mcp_add_opt_string(j, "description", r->description);
    mcp_add_opt_string(j, "mimeType", r->mime_type);
    return j;
}

static void list_resources(mcp_call *c, const cJSON *params, struct mcp_answer *a,
                           int is_template)
{
    const mcp_engine *e = c->engine;
    /* resources/list: the static resources, then each skill's SKILL.md. */
    size_t nrows = is_template ? e->templates.n : e->resources.n;
    size_t n = is_template ? nrows : nrows + e->skills.n;
    const struct mcp_resource_row *rows = is_template ? e->templates.v : e->resources.v;
    char kind = is_template ? 'u' : 'r';
    size_t start;
    if (mcp_page_start(params, kind, n, a, &start) < 0)
        return;
    size_t end = start + e->cfg.page_size < n ? start + e->cfg.page_size : n;
    cJSON *r = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(r, is_template ? "resourceTemplates" : "resources");
    for (size_t i = start; i < end; i++)
        cJSON_AddItemToArray(list, i < nrows ? resource_json(c, &rows[i], is_template)
                                             : mcp_skill_resource(c, i - nrows));
    mcp_page_finish(r, kind, end, n);
    a->result = r;
}

void mcp_m_resources_list(mcp_call *c, const cJSON *params, struct mcp_answer *a)
{
    list_resources(c, params, a, 0);
}

void mcp_m_templates_list(mcp_call *c, const cJSON *params, struct mcp_answer *a)
{
    list_resources(c, params, a, 1);
}

/* params.uri as a bounded string, or NULL with a -32602 error set. */
static const char *uri_param(const cJSON *params, struct mcp_answer *a)
{
    const cJSON *uri = cJSON_GetObjectItemCaseSensitive(params, "uri");
    if (!cJSON_IsString(uri) || !uri->valuestring[0]) {
        mcp_answer_error(a, MCP_INVALID_PARAMS, "Invalid params: uri must be a non-empty string");
        return NULL;
    }
    if (strlen(uri->valuestring) > MCP_MAX_URI_LEN) {
        mcp_answer_error(a, MCP_INVALID_PARAMS, "Invalid params: uri longer than %d bytes",
                         MCP_MAX_URI_LEN);
        return NULL;
    }
    return uri->valuestring;
}

/* Offer uri to one row. 1 if answered (a set), 0 if the row said ERR_NOT_FOUND. */
static int read_with(mcp_call *c, const struct mcp_resource_row *row, const char *uri,
                     struct mcp_answer *a)
{
    struct err e;
    err_clear(&e);
    cJSON *contents = row->fn(c, uri, row->ud, &e);
    if (!contents && e.code == ERR_NOT_FOUND)
        return 0;
    if (e.code == ERR_CANCELLED || mcp_call_cancelled(c)) {
        cJSON_Delete(contents);
        a->silent = 1;
        return 1;
    }
    if (!cJSON_IsArray(contents)) {
        /* A failure other than "not mine": answered with its row's code (a callback that
         * returns nothing without saying why is our bug: internal). */
        cJSON_Delete(contents);
        mcp_answer_from_err(a, e.code != ERR_OK ? e.code : ERR_INTERNAL,
                       e.msg[0] ? e.msg : "the resource could not be read");
        return 1;
    }
    a->result = cJSON_CreateObject();
    cJSON_AddItemToObject(a->result, "contents", contents);
    return 1;
}

void mcp_m_resources_read(mcp_call *c, const cJSON *params, struct mcp_answer *a)
{
    const char *uri = uri_param(params, a);
    if (!uri)
        return;
    const mcp_engine *e = c->engine;
    if (mcp_skills_read(c, uri, a))
        return;
    const struct mcp_resource_row *row = mcp_find_resource(e, uri);
    if (row && read_with(c, row, uri, a))
        return;
    for (size_t i = 0; i < e->templates.n; i++) {
        row = &e->templates.v[i];
        if (strncmp(row->uri, uri, row->prefix_len) == 0 && read_with(c, row, uri, a))
            return;
    }
    /* 2026-07-28 (SEP-2164) answers an unknown resource as invalid params. */
    mcp_answer_error(a, c->modern ? MCP_INVALID_PARAMS : MCP_RESOURCE_NOT_FOUND,
                     "Resource not found");
    a->data = cJSON_CreateObject();
    cJSON_AddStringToObject(a->data, "uri", uri);
}

static void subscription(mcp_call *c, const cJSON *params, struct mcp_answer *a, int on)
{
    const char *uri = uri_param(params, a);
    if (!uri)
        return;
    err_code rc = c->session ? mcp_session_subscribe(c->session, uri, on) : ERR_OK;
    if (rc != ERR_OK) { /* ERR_LIMIT: -32602 */
        char msg[96];
        snprintf(msg, sizeof msg, "Invalid params: more than %d subscriptions",
                 MCP_MAX_SUBSCRIPTIONS);
        mcp_answer_from_err(a, rc, msg);
        return;
    }
    a->result = cJSON_CreateObject();
}

void mcp_m_subscribe(mcp_call *c, const cJSON *params, struct mcp_answer *a)
{
    subscription(c, params, a, 1);
}

void mcp_m_unsubscribe(mcp_call *c, const cJSON *params, struct mcp_answer *a)
{
    subscription(c, params, a, 0);
}

/* ---- Prompts ---------------------------------------------------------------------------------*/

static cJSON *prompt_json(const mcp_call *c, const struct mcp_prompt_row *p)
{
    int v0618 = mcp_call_at_least(c, "2025-06-18");
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "name", p->name);
    if (v0618)
        mcp_add_opt_string(j, "title", p->title);
    mcp_add_opt_string(j, "description", p->description);
    cJSON *args = cJSON_AddArrayToObject(j, "arguments");
    for (size_t i = 0; i < p->nargs; i++) {
        cJSON *arg = cJSON_CreateObject();
        cJSON_AddStringToObject(arg, "name", p->args[i].name);
        if (v0618)
            mcp_add_opt_string(arg, "title", p->args[i].title);
        mcp_add_opt_string(arg, "description", p->args[i].description);
        cJSON_AddBoolToObject(arg, "required", p->args[i].required != 0);
        cJSON_AddItemToArray(args, arg);
    }
    return j;
}

void mcp_m_prompts_list(mcp_call *c, const cJSON *params, struct mcp_answer *a)
{
    const mcp_engine *e = c->engine;
    size_t start;
    if (mcp_page_start(params, 'p', e->prompts.n, a, &start) < 0)
        return;
    size_t end = start + e->cfg.page_size < e->prompts.n ? start + e->cfg.page_size : e->prompts.n;
    cJSON *r = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(r, "prompts");
    for (size_t i = start; i < end; i++)
        cJSON_AddItemToArray(list, prompt_json(c, &e->prompts.v[i]));
    mcp_page_finish(r, 'p', end, e->prompts.n);
    a->result = r;
}

void mcp_m_prompts_get(mcp_call *c, const cJSON *params, struct mcp_answer *a)
{
    struct err e;
    err_clear(&e);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(params, "name");
    if (!cJSON_IsString(name)) {
        mcp_answer_error(a, MCP_INVALID_PARAMS, "Invalid params: name must be a string");
        return;
    }
    const struct mcp_prompt_row *p = mcp_find_prompt(c->engine, name->valuestring);
    if (!p) {
        mcp_answer_error(a, MCP_INVALID_PARAMS, "Unknown prompt: %.*s", MCP_MAX_NAME_LEN,
                         name->valuestring);
        return;
    }
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(params, "arguments");
    if (cJSON_IsNull(args))
        args = NULL;
    if (args && !cJSON_IsObject(args)) {
        mcp_answer_error(a, MCP_INVALID_PARAMS, "Invalid params: arguments must be an object");
        return;
    }
    const cJSON *v;
    cJSON_ArrayForEach(v, args)
    {
        if (!cJSON_IsString(v)) {
            mcp_answer_error(a, MCP_INVALID_PARAMS,
                             "Invalid params: argument '%.128s' must be a string", v->string);
            return;
        }
    }
    for (size_t i = 0; i < p->nargs; i++)
        if (p->args[i].required && !cJSON_GetObjectItemCaseSensitive(args, p->args[i].name)) {
            mcp_answer_error(a, MCP_INVALID_PARAMS,
                             "Invalid params: missing required argument '%s'", p->args[i].name);
            return;
        }
    cJSON *r = p->fn(c, p->name, args, p->ud, &e); /* no lock held */
    if (e.code == ERR_CANCELLED || mcp_call_cancelled(c)) {
        cJSON_Delete(r);
        a->silent = 1;
        return;
    }
    if (!cJSON_IsObject(r)) {
        cJSON_Delete(r);
        mcp_answer_from_err(a, e.code != ERR_OK ? e.code : ERR_INTERNAL,
                       e.msg[0] ? e.msg : "the prompt could not be built");
        return;
    }
    a->result = r;
}

/* ---- Completion ------------------------------------------------------------------------------*/

/* 1 if ref names a registered prompt or resource (template). */
static int ref_known(const mcp_engine *e, const cJSON *ref)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(ref, "type");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(ref, "name");
    const cJSON *uri = cJSON_GetObjectItemCaseSensitive(ref, "uri");
    if (!cJSON_IsString(type))
        return 0;
    if (strcmp(type->valuestring, "ref/prompt") == 0)
        return cJSON_IsString(name) && mcp_find_prompt(e, name->valuestring);
    if (strcmp(type->valuestring, "ref/resource") == 0)
        return cJSON_IsString(uri) && (mcp_find_template(e, uri->valuestring) ||
                                       mcp_find_resource(e, uri->valuestring));
    return 0;
}

void mcp_m_complete(mcp_call *c, const cJSON *params, struct mcp_answer *a)
{
    const mcp_engine *e = c->engine;
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(params, "ref");
    const cJSON *arg = cJSON_GetObjectItemCaseSensitive(params, "argument");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(arg, "name");
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(arg, "value");
    const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(params, "context");
    const cJSON *ctx_args = cJSON_GetObjectItemCaseSensitive(ctx, "arguments");
    cJSON *got = NULL;
    if (!cJSON_IsObject(ref) || !cJSON_IsString(name) || !cJSON_IsString(value)) {
        mcp_answer_error(a, MCP_INVALID_PARAMS,
                         "Invalid params: ref, argument.name and argument.value are required");
        return;
    }
    if (e->complete && ref_known(e, ref))
        got = e->complete(ref, name->valuestring, value->valuestring,
                          cJSON_IsObject(ctx_args) ? ctx_args : NULL, e->complete_ud);

    cJSON *values = cJSON_CreateArray();
    int total = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, (cJSON_IsArray(got) ? got : NULL))
    {
        if (!cJSON_IsString(v))
            continue;
        if (total < MCP_MAX_COMPLETIONS)
            cJSON_AddItemToArray(values, cJSON_CreateString(v->valuestring));
        total++;
    }
    cJSON_Delete(got);
    cJSON *r = cJSON_CreateObject();
    cJSON *comp = cJSON_AddObjectToObject(r, "completion");
    cJSON_AddItemToObject(comp, "values", values);
    cJSON_AddNumberToObject(comp, "total", total);
    cJSON_AddBoolToObject(comp, "hasMore", total > MCP_MAX_COMPLETIONS);
    a->result = r;
}
