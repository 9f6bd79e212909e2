/* route_act.c - route and act: the router's first suggested tool, with the arguments the query
 * stated, run through the guardrails exactly as an MCP tools/call would, and reported as the
 * `action` object of /api/route and `skilld route --execute`. Layer: server/app. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "router/router.h"
#include "server/app/app.h"
#include "skills/skills.h"

/* The names in `required` that args lacks, appended to missing (once each). */
static void add_missing(const cJSON *required, const cJSON *args, cJSON *missing)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, required) {
        if (!cJSON_IsString(r) || cJSON_GetObjectItemCaseSensitive(args, r->valuestring))
            continue;
        int seen = 0;
        const cJSON *m;
        cJSON_ArrayForEach(m, missing) seen |= strcmp(m->valuestring, r->valuestring) == 0;
        if (!seen)
            cJSON_AddItemToArray(missing, cJSON_CreateString(r->valuestring));
    }
}

/* Required arguments the query did not state: the schema's `required`, and of an `anyOf` of
 * alternatives the one closest to being complete. */
static cJSON *missing_args(const cJSON *schema, const cJSON *args)
{
    cJSON *missing = cJSON_CreateArray();
    add_missing(cJSON_GetObjectItemCaseSensitive(schema, "required"), args, missing);
    const cJSON *any = cJSON_GetObjectItemCaseSensitive(schema, "anyOf");
    if (cJSON_IsArray(any)) {
        cJSON *best = NULL;
        const cJSON *alt;
        cJSON_ArrayForEach(alt, any) {
            cJSON *m = cJSON_CreateArray();
            add_missing(cJSON_GetObjectItemCaseSensitive(alt, "required"), args, m);
            if (!best || cJSON_GetArraySize(m) < cJSON_GetArraySize(best)) {
                cJSON_Delete(best);
                best = m;
            } else {
                cJSON_Delete(m);
            }
        }
        add_missing(best, args, missing);
        cJSON_Delete(best);
    }
    return missing;
}

/* 1 when every denial is a missing required argument. */
static int only_missing(const cJSON *reasons)
{
    const cJSON *r;
    int n = 0;
    cJSON_ArrayForEach(r, reasons) {
        const char *rule = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "rule"));
        if (!rule || strcmp(rule, "schema.required") != 0)
            return 0;
        n++;
    }
    return n > 0;
}

static void move_item(cJSON *from, cJSON *to, const char *name)
{
    cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(from, name);
    if (v)
        cJSON_AddItemToObject(to, name, v);
}

static cJSON *no_action(const struct app *a, const char *rule, const char *message)
{
    cJSON *act = cJSON_CreateObject();
    cJSON_AddNullToObject(act, "tool");
    cJSON_AddItemToObject(act, "arguments", cJSON_CreateObject());
    cJSON_AddStringToObject(act, "status", "incomplete");
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "rule", rule);
    cJSON_AddStringToObject(r, "message", message);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(act, "reasons"), r);
    cJSON_AddItemToObject(act, "missing", cJSON_CreateArray());
    cJSON_AddStringToObject(act, "backend", a->backend ? a->backend : "none");
    return act;
}

cJSON *route_act(const struct app *a, const struct rt_result *res, const char *token,
                 const char *caller)
{
    const struct sk_tool_info *info =
        res->skill && res->ntools && a->skills ? sk_tool_find(a->skills, res->tools[0].name) : NULL;
    if (!info)
        return no_action(a, "route.no_action",
                         res->skill ? "the answer suggests no tool that carries this out"
                                    : "the query is not about ECS, so there is nothing to carry "
                                      "out");
    /* The arguments the query stated, under the API's names (JSON text per value). */
    const struct rt_tool *t = &res->tools[0];
    cJSON *args = cJSON_CreateObject();
    for (size_t i = 0; i < t->nargs; i++) {
        cJSON *v = cJSON_Parse(t->arg_values[i]);
        if (v)
            cJSON_AddItemToObject(args, t->arg_names[i], v);
    }
    cJSON *missing = missing_args(info->input_schema, args);
    if (token)
        cJSON_AddStringToObject(args, "confirmation_token", token);
    struct sk_caller c = {caller};
    struct sk_outcome o;
    struct err e;
    err_clear(&e);
    if (sk_call(a->skills, &c, info->name, args, NULL, &o, &e) != ERR_OK) {
        /* Only an unknown tool or a cancellation end here; neither has an outcome. */
        cJSON_Delete(args);
        cJSON_Delete(missing);
        return no_action(a, "route.tool_unavailable", e.msg);
    }
    cJSON *act = cJSON_CreateObject();
    cJSON_AddStringToObject(act, "tool", info->name);
    cJSON *s = o.structured;
    const char *status = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "status"));
    cJSON *reasons = cJSON_DetachItemFromObjectCaseSensitive(s, "reasons");
    move_item(s, act, "arguments");
    cJSON_AddStringToObject(act, "status",
                            status && strcmp(status, "denied") == 0 && only_missing(reasons)
                                ? "incomplete"
                                : status ? status : "failed");
    move_item(s, act, "action");
    move_item(s, act, "plan");
    move_item(s, act, "confirmation_token");
    move_item(s, act, "expires_at");
    cJSON_AddItemToObject(act, "reasons", reasons ? reasons : cJSON_CreateArray());
    move_item(s, act, "findings");
    move_item(s, act, "warnings");
    cJSON_AddItemToObject(act, "missing", missing);
    move_item(s, act, "request_id");
    move_item(s, act, "result");
    move_item(s, act, "error");
    cJSON_AddStringToObject(act, "backend", a->backend ? a->backend : "none");
    /* The tool's text tells an MCP client how to confirm; here the way is another POST. */
    const cJSON *tok = cJSON_GetObjectItemCaseSensitive(act, "confirmation_token");
    const char *text = o.text ? o.text : "";
    const char *cut = cJSON_IsString(tok) ? strstr(text, "To execute, call ") : NULL;
    char *summary = cut ? xasprintf("%.*sTo execute, send the same request again with "
                                    "\"confirmation_token\": \"%s\" (once, before %s). Show "
                                    "the plan to the person first.",
                                    (int)(cut - text), text, tok->valuestring,
                                    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                                        act, "expires_at")))
                        : xstrdup(text);
    cJSON_AddStringToObject(act, "summary", summary);
    free(summary);
    sk_outcome_release(&o);
    cJSON_Delete(args);
    return act;
}
