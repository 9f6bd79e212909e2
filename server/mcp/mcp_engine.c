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
    "2024-11-05", /* served like 2025-03-26, less what 2025-03-26 added (mcp_call_at_least) */
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
    return mcp_version_canonical(v) != NULL || mcp_version_is_modern(v);
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
        e->cfg.idle_ttl_s = MCP_IDLE_TTL_DEFAULT;
    if (!e->cfg.page_size)
        e->cfg.page_size = 50;
    if (!e->cfg.max_inflight)
        e->cfg.max_inflight = 32;
    if (!e->cfg.max_batch)
        e->cfg.max_batch = 64;
    if (!e->cfg.request_timeout_ms)
        e->cfg.request_timeout_ms = 60000;
    if (!e->cfg.input_ttl_s)
        e->cfg.input_ttl_s = 300;
    if (!e->cfg.cache_ttl_ms)
        e->cfg.cache_ttl_ms = MCP_CACHE_TTL_DEFAULT;

    /* Twice as many buckets as sessions allowed, rounded up to a power of two. */
    e->nbuckets = 16;
    while (e->nbuckets < 2 * e->cfg.max_sessions && e->nbuckets < (1u << 20))
        e->nbuckets <<= 1;
    e->buckets = xcalloc(e->nbuckets, sizeof *e->buckets);
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->listen_cond, NULL);
    e->spent = xcalloc(MCP_SPENT_MAX, sizeof *e->spent);
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
    mcp_skills_free(e);
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
    free(e->spent);
    free((char *)e->cfg.name);
    free((char *)e->cfg.title);
    free((char *)e->cfg.version);
    free((char *)e->cfg.description);
    free((char *)e->cfg.instructions);
    pthread_mutex_destroy(&e->mu);
    pthread_cond_destroy(&e->listen_cond);
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

/* ---- Registration checks --------------------------------------------------------------------
 * Every check names the row it refuses ("tool 'x': ..."), so a server that fails to start
 * says which of its registrations is wrong. Names are echoed at most MCP_MAX_NAME_LEN bytes,
 * URIs at most 200. */

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

/* Parse a schema given as text into *ret (caller owns). ERR_PARSE when it is not JSON,
 * ERR_INVALID when it is not an object schema: a JSON object with "type": "object", whose
 * "properties" (if any) is an object and whose "required" (if any) is an array of strings.
 * which is "input_schema" or "output_schema", for the message. */
static err_code parse_schema(const char *text, const char *kind, const char *which,
                             const char *name, cJSON **ret, struct err *e)
{
    *ret = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(text, strlen(text) + 1, NULL, 1);
    if (!j)
        return err_set(e, ERR_PARSE, "%s '%.*s': %s is not valid JSON", kind, MCP_MAX_NAME_LEN,
                       name, which);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(j, "type");
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(j, "properties");
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(j, "required");
    int ok = cJSON_IsObject(j) && cJSON_IsString(type) && strcmp(type->valuestring, "object") == 0 &&
             (!props || cJSON_IsObject(props)) && (!req || cJSON_IsArray(req));
    const cJSON *r;
    cJSON_ArrayForEach(r, (ok && req ? req : NULL))
    {
        if (!cJSON_IsString(r))
            ok = 0;
    }
    if (!ok) {
        cJSON_Delete(j);
        return err_set(e, ERR_INVALID,
                       "%s '%.*s': %s is not an object schema (want {\"type\":\"object\"} with "
                       "\"properties\" an object and \"required\" an array of names)",
                       kind, MCP_MAX_NAME_LEN, name, which);
    }
    *ret = j;
    return ERR_OK;
}

/* RFC 3986 characters that never appear unescaped in a URI: controls, space, "<>\^`{|}. */
static int uri_char_ok(unsigned char ch)
{
    return ch > 0x20 && ch < 0x7f && !strchr("\"<>\\^`{|}", ch);
}

/* 1 if s is an absolute URI (scheme ":" rest) of allowed characters; for a template (RFC
 * 6570 level 1), "{name}" expressions are also allowed and at least one must appear. */
static int uri_ok(const char *s, int is_template)
{
    size_t i = 0, vars = 0;
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return 0;
    while (s[i] && s[i] != ':') {
        char ch = s[i++];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '+' || ch == '-' || ch == '.'))
            return 0;
    }
    if (s[i] != ':')
        return 0;
    for (i++; s[i]; i++) {
        if (is_template && s[i] == '{') {
            size_t start = ++i;
            while ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                   (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.')
                i++;
            if (s[i] != '}' || i == start)
                return 0;
            vars++;
            continue;
        }
        if (!uri_char_ok((unsigned char)s[i]))
            return 0;
    }
    return !is_template || vars > 0;
}

/* The checks a resource and a template share. kind is "resource" or "resource template". */
static err_code resource_check(const mcp_engine *engine, const char *kind, const char *uri,
                               const char *name, mcp_read_fn fn, int is_template, struct err *e)
{
    if (!uri || !*uri)
        return err_set(e, ERR_INVALID, "%s (no uri): the uri is missing", kind);
    if (strlen(uri) > MCP_MAX_URI_LEN)
        return err_set(e, ERR_INVALID, "%s '%.200s...': the uri is longer than %d bytes", kind,
                       uri, MCP_MAX_URI_LEN);
    if (!uri_ok(uri, is_template))
        return err_set(e, ERR_INVALID,
                       is_template ? "%s '%.200s': not a URI template (scheme:rest of URI "
                                     "characters with at least one {name})"
                                   : "%s '%.200s': not a URI (scheme:rest, no spaces, controls "
                                     "or any of \"<>\\^`{|})",
                       kind, uri);
    if (!name || !*name)
        return err_set(e, ERR_INVALID, "%s '%.200s': the name is missing", kind, uri);
    if (!fn)
        return err_set(e, ERR_INVALID, "%s '%.200s': no read handler (fn is NULL)", kind, uri);
    if (is_template ? mcp_find_template(engine, uri) != NULL : mcp_find_resource(engine, uri) != NULL)
        return err_set(e, ERR_EXISTS, "%s '%.200s' is registered already", kind, uri);
    return ERR_OK;
}

/* ---- Registration ----------------------------------------------------------------------------*/

err_code mcp_engine_add_tool(mcp_engine *engine, const struct mcp_tool *t, struct err *e)
{
    err_code rc = ERR_OK;
    cJSON *in = NULL, *out = NULL;
    if (!t || !t->name || !*t->name) {
        rc = err_set(e, ERR_INVALID, "tool (unnamed): the name is missing");
        goto cleanup;
    }
    if (!tool_name_ok(t->name)) {
        rc = err_set(e, ERR_INVALID,
                     "tool '%.*s': a name is 1 to %d characters of A-Z a-z 0-9 _ . -",
                     MCP_MAX_NAME_LEN, t->name, MCP_MAX_NAME_LEN);
        goto cleanup;
    }
    if (!t->fn) {
        rc = err_set(e, ERR_INVALID, "tool '%s': no handler (fn is NULL)", t->name);
        goto cleanup;
    }
    if (t->flags & ~(unsigned)MCP_TOOL_RAW_ARGS) {
        rc = err_set(e, ERR_INVALID, "tool '%s': unknown flags 0x%x", t->name,
                     t->flags & ~(unsigned)MCP_TOOL_RAW_ARGS);
        goto cleanup;
    }
    if (mcp_find_tool(engine, t->name)) {
        rc = err_set(e, ERR_EXISTS, "tool '%s' is registered already", t->name);
        goto cleanup;
    }
    rc = parse_schema(t->input_schema ? t->input_schema : "{\"type\":\"object\"}", "tool",
                      "input_schema", t->name, &in, e);
    if (rc == ERR_OK && t->output_schema)
        rc = parse_schema(t->output_schema, "tool", "output_schema", t->name, &out, e);
    if (rc != ERR_OK)
        goto cleanup;
    struct mcp_tool_row *row = VEC_PUSH(engine->tools);
    row->name = xstrdup(t->name);
    row->title = dup_or_null(t->title);
    row->description = dup_or_null(t->description);
    row->input_schema = in;
    row->output_schema = out;
    row->hints = t->hints;
    row->flags = t->flags;
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

err_code mcp_engine_add_resource(mcp_engine *engine, const struct mcp_resource *r, struct err *e)
{
    if (!r)
        return err_set(e, ERR_INVALID, "resource (no row): nothing to register");
    err_code rc = resource_check(engine, "resource", r->uri, r->name, r->fn, 0, e);
    if (rc != ERR_OK)
        return rc;
    fill_resource_row(VEC_PUSH(engine->resources), r->uri, r->name, r->title, r->description,
                      r->mime_type, r->fn, r->ud);
    return ERR_OK;
}

err_code mcp_engine_add_resource_template(mcp_engine *engine,
                                          const struct mcp_resource_template *t, struct err *e)
{
    if (!t)
        return err_set(e, ERR_INVALID, "resource template (no row): nothing to register");
    err_code rc = resource_check(engine, "resource template", t->uri_template, t->name, t->fn,
                                 1, e);
    if (rc != ERR_OK)
        return rc;
    fill_resource_row(VEC_PUSH(engine->templates), t->uri_template, t->name, t->title,
                      t->description, t->mime_type, t->fn, t->ud);
    return ERR_OK;
}

err_code mcp_engine_add_prompt(mcp_engine *engine, const struct mcp_prompt *p, struct err *e)
{
    if (!p || !p->name || !*p->name)
        return err_set(e, ERR_INVALID, "prompt (unnamed): the name is missing");
    if (strlen(p->name) > MCP_MAX_NAME_LEN)
        return err_set(e, ERR_INVALID, "prompt '%.*s...': the name is longer than %d bytes",
                       MCP_MAX_NAME_LEN, p->name, MCP_MAX_NAME_LEN);
    if (!p->fn)
        return err_set(e, ERR_INVALID, "prompt '%s': no handler (fn is NULL)", p->name);
    if (p->nargs && !p->args)
        return err_set(e, ERR_INVALID, "prompt '%s': nargs is %zu but args is NULL", p->name,
                       p->nargs);
    for (size_t i = 0; i < p->nargs; i++) {
        const char *an = p->args[i].name;
        if (!an || !*an)
            return err_set(e, ERR_INVALID, "prompt '%s': argument %zu has no name", p->name, i);
        for (size_t k = 0; k < i; k++)
            if (strcmp(p->args[k].name, an) == 0)
                return err_set(e, ERR_EXISTS, "prompt '%s': argument '%.*s' is listed twice",
                               p->name, MCP_MAX_NAME_LEN, an);
    }
    if (mcp_find_prompt(engine, p->name))
        return err_set(e, ERR_EXISTS, "prompt '%s' is registered already", p->name);
    struct mcp_prompt_row *row = VEC_PUSH(engine->prompts);
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
