/* mcp_engine.c - the MCP engine object: configuration, protocol versions and the
 * registries of tools, resources, templates, prompts and completion. Layer: server/mcp. */
#include "server/mcp/mcp_internal.h"

#include <stdlib.h>
#include <string.h>

/* The versions this engine speaks, newest first. Sessions point at these strings, so a
 * negotiated version can be read without copying. To add one: a row here, then gate the
 * features it changes on mcp_call_at_least(). */
static const char *const versions[] = {
    "2025-11-25",
    "2025-06-18",
    "2025-03-26",
};

const char *mcp_version_canonical(const char *v)
{
    if (!v)
        return NULL;
    for (size_t i = 0; i < ARRAY_LEN(versions); i++)
        if (strcmp(v, versions[i]) == 0)
            return versions[i];
    return NULL;
}

int mcp_version_supported(const char *v)
{
    return mcp_version_canonical(v) != NULL;
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static uint64_t monotonic_ms(void *ctx)
{
    (void)ctx;
    return now_ns() / 1000000u;
}

mcp_engine *mcp_engine_new(const struct mcp_config *cfg)
{
    mcp_engine *e = xcalloc(1, sizeof *e);
    struct mcp_config zero = {0};
    if (!cfg)
        cfg = &zero;
    e->cfg = *cfg;
    e->cfg.name = xstrdup(cfg->name ? cfg->name : "skilld");
    e->cfg.title = dup_or_null(cfg->title);
    e->cfg.version = xstrdup(cfg->version ? cfg->version : "0.0.0");
    e->cfg.description = dup_or_null(cfg->description);
    e->cfg.instructions = dup_or_null(cfg->instructions);
    if (!e->cfg.max_sessions)
        e->cfg.max_sessions = 1024;
    if (!e->cfg.idle_ttl_s)
        e->cfg.idle_ttl_s = 1800;
    if (!e->cfg.page_size)
        e->cfg.page_size = 50;
    if (!e->cfg.max_inflight)
        e->cfg.max_inflight = 32;
    if (!e->cfg.max_batch)
        e->cfg.max_batch = 64;
    if (!e->cfg.request_timeout_ms)
        e->cfg.request_timeout_ms = 60000;

    /* Twice as many buckets as sessions allowed, rounded up to a power of two. */
    e->nbuckets = 16;
    while (e->nbuckets < 2 * e->cfg.max_sessions && e->nbuckets < (1u << 20))
        e->nbuckets <<= 1;
    e->buckets = xcalloc(e->nbuckets, sizeof *e->buckets);
    pthread_mutex_init(&e->mu, NULL);
    atomic_init(&e->next_request, 1);
    e->clock = monotonic_ms;
    return e;
}

void mcp_engine_set_clock(mcp_engine *e, mcp_clock_fn fn, void *ctx)
{
    pthread_mutex_lock(&e->mu);
    e->clock = fn ? fn : monotonic_ms;
    e->clock_ctx = fn ? ctx : NULL;
    pthread_mutex_unlock(&e->mu);
}

static void resource_row_free(struct mcp_resource_row *r)
{
    free(r->uri);
    free(r->name);
    free(r->title);
    free(r->description);
    free(r->mime_type);
}

void mcp_engine_free(mcp_engine *e)
{
    if (!e)
        return;
    mcp_sessions_free_all(e);
    for (size_t i = 0; i < e->tools.n; i++) {
        struct mcp_tool_row *t = &e->tools.v[i];
        free(t->name);
        free(t->title);
        free(t->description);
        cJSON_Delete(t->input_schema);
        cJSON_Delete(t->output_schema);
    }
    for (size_t i = 0; i < e->resources.n; i++)
        resource_row_free(&e->resources.v[i]);
    for (size_t i = 0; i < e->templates.n; i++)
        resource_row_free(&e->templates.v[i]);
    for (size_t i = 0; i < e->prompts.n; i++) {
        struct mcp_prompt_row *p = &e->prompts.v[i];
        free(p->name);
        free(p->title);
        free(p->description);
        for (size_t j = 0; j < p->nargs; j++) {
            free((char *)p->args[j].name);
            free((char *)p->args[j].title);
            free((char *)p->args[j].description);
        }
        free(p->args);
    }
    free(e->tools.v);
    free(e->resources.v);
    free(e->templates.v);
    free(e->prompts.v);
    free(e->buckets);
    free((char *)e->cfg.name);
    free((char *)e->cfg.title);
    free((char *)e->cfg.version);
    free((char *)e->cfg.description);
    free((char *)e->cfg.instructions);
    pthread_mutex_destroy(&e->mu);
    free(e);
}

/* Grow a vector by one row and return a pointer to the new, zeroed row. */
#define VEC_PUSH(vec)                                                                          \
    ((vec).n == (vec).cap                                                                      \
         ? ((vec).cap = (vec).cap ? 2 * (vec).cap : 8,                                         \
            (vec).v = xrealloc((vec).v, (vec).cap * sizeof *(vec).v))                          \
         : (vec).v,                                                                            \
     memset(&(vec).v[(vec).n], 0, sizeof *(vec).v), &(vec).v[(vec).n++])

const struct mcp_tool_row *mcp_find_tool(const mcp_engine *e, const char *name)
{
    for (size_t i = 0; i < e->tools.n; i++)
        if (strcmp(e->tools.v[i].name, name) == 0)
            return &e->tools.v[i];
    return NULL;
}

const struct mcp_prompt_row *mcp_find_prompt(const mcp_engine *e, const char *name)
{
    for (size_t i = 0; i < e->prompts.n; i++)
        if (strcmp(e->prompts.v[i].name, name) == 0)
            return &e->prompts.v[i];
    return NULL;
}

const struct mcp_resource_row *mcp_find_resource(const mcp_engine *e, const char *uri)
{
    for (size_t i = 0; i < e->resources.n; i++)
        if (strcmp(e->resources.v[i].uri, uri) == 0)
            return &e->resources.v[i];
    return NULL;
}

const struct mcp_resource_row *mcp_find_template(const mcp_engine *e, const char *uri)
{
    for (size_t i = 0; i < e->templates.n; i++)
        if (strcmp(e->templates.v[i].uri, uri) == 0)
            return &e->templates.v[i];
    return NULL;
}

/* Tool names follow the 2025-11-25 guidance: 1..128 of [A-Za-z0-9_.-]. */
static int tool_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > MCP_MAX_NAME_LEN)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '_' || ch == '.' || ch == '-';
        if (!ok)
            return 0;
    }
    return 1;
}

/* Parse a schema given as text; NULL unless it is a JSON object. Caller owns the tree. */
static cJSON *parse_schema(const char *text)
{
    if (!text)
        return NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(text, strlen(text) + 1, NULL, 1);
    if (j && !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        j = NULL;
    }
    return j;
}

err_code mcp_engine_add_tool(mcp_engine *e, const struct mcp_tool *t)
{
    err_code rc = ERR_OK;
    cJSON *in = NULL, *out = NULL;
    if (!t || !tool_name_ok(t->name) || !t->fn) {
        rc = ERR_INVALID;
        goto cleanup;
    }
    if (mcp_find_tool(e, t->name)) {
        rc = ERR_EXISTS;
        goto cleanup;
    }
    in = parse_schema(t->input_schema ? t->input_schema : "{\"type\":\"object\"}");
    out = parse_schema(t->output_schema);
    if (!in || (t->output_schema && !out)) {
        rc = ERR_INVALID;
        goto cleanup;
    }
    struct mcp_tool_row *row = VEC_PUSH(e->tools);
    row->name = xstrdup(t->name);
    row->title = dup_or_null(t->title);
    row->description = dup_or_null(t->description);
    row->input_schema = in;
    row->output_schema = out;
    row->hints = t->hints;
    row->fn = t->fn;
    row->ud = t->ud;
    in = out = NULL;
cleanup:
    cJSON_Delete(in);
    cJSON_Delete(out);
    return rc;
}

static void fill_resource_row(struct mcp_resource_row *row, const char *uri, const char *name,
                              const char *title, const char *description,
                              const char *mime_type, mcp_read_fn fn, void *ud)
{
    row->uri = xstrdup(uri);
    row->name = xstrdup(name);
    row->title = dup_or_null(title);
    row->description = dup_or_null(description);
    row->mime_type = dup_or_null(mime_type);
    row->prefix_len = strcspn(uri, "{");
    row->fn = fn;
    row->ud = ud;
}

err_code mcp_engine_add_resource(mcp_engine *e, const struct mcp_resource *r)
{
    if (!r || !r->uri || !*r->uri || !r->name || !r->fn || strlen(r->uri) > MCP_MAX_URI_LEN)
        return ERR_INVALID;
    if (mcp_find_resource(e, r->uri))
        return ERR_EXISTS;
    fill_resource_row(VEC_PUSH(e->resources), r->uri, r->name, r->title, r->description,
                      r->mime_type, r->fn, r->ud);
    return ERR_OK;
}

err_code mcp_engine_add_resource_template(mcp_engine *e, const struct mcp_resource_template *t)
{
    if (!t || !t->uri_template || !*t->uri_template || !t->name || !t->fn ||
        strlen(t->uri_template) > MCP_MAX_URI_LEN)
        return ERR_INVALID;
    if (mcp_find_template(e, t->uri_template))
        return ERR_EXISTS;
    fill_resource_row(VEC_PUSH(e->templates), t->uri_template, t->name, t->title,
                      t->description, t->mime_type, t->fn, t->ud);
    return ERR_OK;
}

err_code mcp_engine_add_prompt(mcp_engine *e, const struct mcp_prompt *p)
{
    if (!p || !p->name || !*p->name || !p->fn || (p->nargs && !p->args))
        return ERR_INVALID;
    for (size_t i = 0; i < p->nargs; i++)
        if (!p->args[i].name || !*p->args[i].name)
            return ERR_INVALID;
    if (mcp_find_prompt(e, p->name))
        return ERR_EXISTS;
    struct mcp_prompt_row *row = VEC_PUSH(e->prompts);
    row->name = xstrdup(p->name);
    row->title = dup_or_null(p->title);
    row->description = dup_or_null(p->description);
    row->nargs = p->nargs;
    row->args = xcalloc(p->nargs ? p->nargs : 1, sizeof *row->args);
    for (size_t i = 0; i < p->nargs; i++) {
        row->args[i].name = xstrdup(p->args[i].name);
        row->args[i].title = dup_or_null(p->args[i].title);
        row->args[i].description = dup_or_null(p->args[i].description);
        row->args[i].required = p->args[i].required;
    }
    row->fn = p->fn;
    row->ud = p->ud;
    return ERR_OK;
}

void mcp_engine_set_completion(mcp_engine *e, mcp_complete_fn fn, void *ud)
{
    e->complete = fn;
    e->complete_ud = ud;
}
