/* tools_mcp.c - the adapter between skills/ and the MCP engine: every catalogue tool becomes
 * an MCP tool whose handler runs sk_call with the session as the caller, progress,
 * cancellation and log messages passed through, and confirmation asked by form-mode
 * elicitation when the client declares it. Layer: server/app. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/app/app.h"
#include "skills/skills.h"

/* ---- Hooks: what a running tool may do through the MCP call ------------------------------- */

static int hook_cancelled(void *ctx)
{
    return mcp_call_cancelled(ctx);
}

static void hook_progress(void *ctx, double progress, double total, const char *message)
{
    mcp_call_progress(ctx, progress, total, message);
}

static void hook_log(void *ctx, int level, const char *message)
{
    static const enum mcp_log_level levels[] = {MCP_LOG_DEBUG, MCP_LOG_INFO, MCP_LOG_WARNING,
                                                MCP_LOG_ERROR};
    enum mcp_log_level l = levels[level < 0 ? 0 : level > 3 ? 3 : level];
    mcp_call_log(ctx, l, "skilld.guardrails", "%s", message);
}

/* Ask the person through a form-mode elicitation. 1 accepted, 0 declined or cancelled, -1
 * when the client cannot be asked (then the tool answers with a plan and a token), -2 when
 * the question goes out with the answer to this call: a 2026-07-28 request, where the
 * engine answers InputRequired with this form and the client's retry of the same call
 * carries the answer, bound to these exact arguments by the sealed requestState. */
static int hook_confirm(void *ctx, const char *message)
{
    mcp_call *call = ctx;
    if (!mcp_call_client_supports(call, "elicitation"))
        return -1;
    cJSON *params = cJSON_CreateObject();
    cJSON_AddStringToObject(params, "mode", "form");
    cJSON_AddStringToObject(params, "message", message);
    cJSON *schema = cJSON_AddObjectToObject(params, "requestedSchema");
    cJSON_AddStringToObject(schema, "type", "object");
    cJSON *approve = cJSON_AddObjectToObject(cJSON_AddObjectToObject(schema, "properties"),
                                             "approve");
    cJSON_AddStringToObject(approve, "type", "boolean");
    cJSON_AddStringToObject(approve, "title", "Approve this change");
    cJSON_AddStringToObject(approve, "description",
                            "Yes sends the call shown above to Alibaba Cloud ECS now.");
    cJSON *req = cJSON_AddArrayToObject(schema, "required");
    cJSON_AddItemToArray(req, cJSON_CreateString("approve"));
    struct err e;
    err_clear(&e);
    cJSON *res = mcp_call_request(call, "elicitation/create", params, &e);
    if (!res && mcp_call_input_pending(call))
        return -2;
    if (!res)
        return e.code == ERR_UNSUPPORTED ? -1 : 0;
    const char *action = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "action"));
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(res, "content");
    int yes = action && strcmp(action, "accept") == 0 &&
              cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(content, "approve"));
    cJSON_Delete(res);
    return yes;
}

/* ---- The tool handler ----------------------------------------------------------------------- */

/* What each registered tool's handler gets as ud (one per tool, owned by the app). */
struct app_tool {
    sk_registry *reg;
    const struct sk_tool_info *info;
};

static err_code tool_fn(mcp_call *call, const cJSON *args, void *ud,
                        struct mcp_tool_result *out, struct err *e)
{
    const struct app_tool *t = ud;
    /* Tokens and the rate limit are per caller: the session, or (a 2026-07-28 request over
     * HTTP, which has none) every stateless caller together. */
    const char *sid = mcp_call_session_id(call);
    char caller[128];
    snprintf(caller, sizeof caller, "mcp:%.100s", sid ? sid : "stateless");
    struct sk_caller c = {caller};
    struct sk_hooks hooks = {
        .ctx = call,
        .cancelled = hook_cancelled,
        .progress = hook_progress,
        .log = hook_log,
        .confirm = hook_confirm,
    };
    struct sk_outcome o;
    err_code rc = sk_call(t->reg, &c, t->info->name, args, &hooks, &o, e);
    if (rc)
        return rc;
    out->structured = o.structured;
    out->text = o.text;
    out->is_error = o.is_error;
    return ERR_OK;
}

err_code tools_register_mcp(struct app *a, struct err *e)
{
    size_t n = sk_tool_count(a->skills);
    struct app_tool *tools = xcalloc(n ? n : 1, sizeof *tools);
    a->tools_ud = tools;
    for (size_t i = 0; i < n; i++) {
        const struct sk_tool_info *info = sk_tool_at(a->skills, i);
        tools[i].reg = a->skills;
        tools[i].info = info;
        char *in = cJSON_PrintUnformatted(info->input_schema);
        char *outs = cJSON_PrintUnformatted(info->output_schema);
        struct mcp_tool row = {
            .name = info->name,
            .title = info->title,
            .description = info->description,
            .input_schema = in,
            .output_schema = outs,
            .hints = (info->read_only ? MCP_HINT_READ_ONLY : 0) |
                     (info->destructive ? MCP_HINT_DESTRUCTIVE : 0) |
                     (info->idempotent ? MCP_HINT_IDEMPOTENT : 0) |
                     (info->open_world ? MCP_HINT_OPEN_WORLD : 0),
            .flags = MCP_TOOL_RAW_ARGS,
            .fn = tool_fn,
            .ud = &tools[i],
        };
        err_code rc = mcp_engine_add_tool(a->mcp, &row, e);
        free(in);
        free(outs);
        if (rc)
            return rc;
    }
    return ERR_OK;
}
