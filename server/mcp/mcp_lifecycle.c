/* mcp_lifecycle.c - initialize (version negotiation, capabilities, serverInfo), ping,
 * logging/setLevel, and the cursor pagination the list methods share. Layer: server/mcp. */
#include "server/mcp/mcp_internal.h"

#include <stdio.h>
#include <string.h>

void mcp_add_opt_string(cJSON *obj, const char *key, const char *s)
{
    if (s)
        cJSON_AddStringToObject(obj, key, s);
}

/* What this engine offers. Nothing changes the catalogue at runtime, so listChanged is
 * false; subscribe is accepted for any URI (legacy: recorded per session; modern: a
 * subscriptions/listen filter). Skills add the skills extension (2025-11-25 and later, whose
 * schemas have capabilities.extensions). */
cJSON *mcp_server_capabilities(const mcp_engine *e, const char *version)
{
    cJSON *caps = cJSON_CreateObject();
    cJSON_AddBoolToObject(cJSON_AddObjectToObject(caps, "tools"), "listChanged", 0);
    cJSON *res = cJSON_AddObjectToObject(caps, "resources");
    cJSON_AddBoolToObject(res, "subscribe", 1);
    cJSON_AddBoolToObject(res, "listChanged", 0);
    cJSON_AddBoolToObject(cJSON_AddObjectToObject(caps, "prompts"), "listChanged", 0);
    cJSON_AddObjectToObject(caps, "logging");
    if (strcmp(version, "2025-03-26") >= 0) /* 2024-11-05 has completion but no capability */
        cJSON_AddObjectToObject(caps, "completions");
    if (e->skills.n && strcmp(version, "2025-11-25") >= 0) {
        cJSON *ext = cJSON_AddObjectToObject(caps, "extensions");
        cJSON *sk = cJSON_AddObjectToObject(ext, "io.modelcontextprotocol/skills");
        cJSON_AddBoolToObject(sk, "directoryRead", 1);
    }
    return caps;
}

cJSON *mcp_server_info(const mcp_engine *e, const char *version)
{
    const struct mcp_config *cfg = &e->cfg;
    cJSON *info = cJSON_CreateObject();
    cJSON_AddStringToObject(info, "name", cfg->name);
    cJSON_AddStringToObject(info, "version", cfg->version);
    if (strcmp(version, "2025-06-18") >= 0)
        mcp_add_opt_string(info, "title", cfg->title);
    if (strcmp(version, "2025-11-25") >= 0)
        mcp_add_opt_string(info, "description", cfg->description);
    return info;
}

void mcp_m_initialize(mcp_call *c, const cJSON *params, struct mcp_answer *a)
{
    const cJSON *pv = cJSON_GetObjectItemCaseSensitive(params, "protocolVersion");
    const char *version = mcp_version_canonical(cJSON_IsString(pv) ? pv->valuestring : NULL);
    if (!version || mcp_version_is_modern(version))
        version = MCP_LATEST_VERSION; /* the client decides whether it can live with it; a
                                         modern version is never negotiated by initialize */
    if (c->session)
        mcp_session_reset(c->engine, c->session, version, params);

    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "protocolVersion", version);
    cJSON_AddItemToObject(r, "capabilities", mcp_server_capabilities(c->engine, version));
    cJSON_AddItemToObject(r, "serverInfo", mcp_server_info(c->engine, version));
    mcp_add_opt_string(r, "instructions", c->engine->cfg.instructions);
    a->result = r;
}

/* server/discover (modern): the versions served statelessly, the capabilities, the
 * instructions; serverInfo goes in _meta like on every modern result. */
void mcp_m_discover(mcp_call *c, const cJSON *params, struct mcp_answer *a)
{
    (void)params;
    cJSON *r = cJSON_CreateObject();
    cJSON *v = cJSON_AddArrayToObject(r, "supportedVersions");
    cJSON_AddItemToArray(v, cJSON_CreateString(MCP_MODERN_VERSION));
    cJSON_AddItemToObject(r, "capabilities", mcp_server_capabilities(c->engine, c->version));
    mcp_add_opt_string(r, "instructions", c->engine->cfg.instructions);
    a->result = r;
}

void mcp_m_ping(mcp_call *c, const cJSON *params, struct mcp_answer *a)
{
    (void)c;
    (void)params;
    a->result = cJSON_CreateObject();
}

void mcp_m_set_level(mcp_call *c, const cJSON *params, struct mcp_answer *a)
{
    const cJSON *level = cJSON_GetObjectItemCaseSensitive(params, "level");
    int l = mcp_log_level_parse(cJSON_IsString(level) ? level->valuestring : NULL);
    if (l < 0) {
        mcp_answer_error(a, MCP_INVALID_PARAMS,
                         "Invalid params: level must be one of debug, info, notice, warning, "
                         "error, critical, alert, emergency");
        return;
    }
    if (c->session)
        mcp_session_set_log_level(c->engine, c->session, l);
    a->result = cJSON_CreateObject();
}

/* ---- Pagination ---------------------------------------------------------------------------
 * A cursor is the list's kind letter followed by the decimal offset of the next item. It is
 * opaque to clients; anything not produced here (wrong kind, not a number, out of range)
 * is an invalid cursor (-32602). */

int mcp_page_start(const cJSON *params, char kind, size_t n, struct mcp_answer *a,
                   size_t *ret_start)
{
    const cJSON *cur = cJSON_GetObjectItemCaseSensitive(params, "cursor");
    long off = 0;
    *ret_start = 0;
    if (!cur || cJSON_IsNull(cur))
        return 0;
    if (!cJSON_IsString(cur) || cur->valuestring[0] != kind ||
        parse_long(cur->valuestring + 1, 1, (long)(n ? n - 1 : 0), &off) != ERR_OK ||
        off < 1) {
        mcp_answer_error(a, MCP_INVALID_PARAMS, "Invalid params: invalid cursor");
        return -1;
    }
    *ret_start = (size_t)off;
    return 0;
}

void mcp_page_finish(cJSON *result, char kind, size_t end, size_t n)
{
    char cursor[32];
    if (end >= n)
        return;
    snprintf(cursor, sizeof cursor, "%c%zu", kind, end);
    cJSON_AddStringToObject(result, "nextCursor", cursor);
}
