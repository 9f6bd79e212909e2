/* guard.c - the guardrails engine: every tool call goes through sk_call. Static checks first
 * (schema, policy, mode, documented limits, posture, command content) with no backend
 * request; then, for changes, state checks by reads and the backend's DryRun; then a plan
 * with a confirmation token, or — with the token, an accepted confirmation, or auto mode for a
 * tool the policy allows — execution; an audit record for every decision.
 * Layer: skills. */
#include "skills/sk_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "skills/audit.h"
#include "skills/ratelimit.h"
#include "skills/token.h"

/* Everything one call accumulates on its way through. */
struct call {
    sk_registry *r;
    const struct sk_tool *tool;   /* the tool called */
    const struct sk_tool *exec;   /* the tool whose action runs (differs for composite tools) */
    const char *caller;
    const char *action;           /* the API action, or NULL (a composite read) */
    cJSON *args;                  /* the arguments after defaults, without our own */
    cJSON *api_args;              /* what the action is sent (args, or a composite's expansion) */
    char *canon;                  /* canonical text of args: what a token binds */
    const char *token;            /* confirmation_token, or NULL (borrowed from args_in) */
    struct sk_findings f;
    cJSON *checks;                /* plan.checks: [{check, result, message?}] */
    uint64_t t0;
};

/* ---- Outcomes -------------------------------------------------------------------------------- */

static cJSON *findings_json(const struct sk_findings *f, enum sk_severity only, int with_sev)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < f->n; i++) {
        if (f->v[i].severity != only)
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "rule", f->v[i].rule);
        if (with_sev)
            cJSON_AddStringToObject(o, "severity", only == SK_DENY ? "deny" : "warn");
        cJSON_AddStringToObject(o, "message", f->v[i].message);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static cJSON *envelope(const struct call *c, const char *status)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", status);
    cJSON_AddStringToObject(o, "backend", c->r->backend);
    cJSON_AddStringToObject(o, "tool", c->tool->info.name);
    if (c->action)
        cJSON_AddStringToObject(o, "action", c->action);
    else
        cJSON_AddNullToObject(o, "action");
    cJSON_AddItemToObject(o, "arguments", sk_redact(c->args, &c->tool->entry->secret));
    return o;
}

static void iso_time(uint64_t s, char out[32])
{
    time_t t = (time_t)s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The audit record of a decision. Returns the write's result: a change must not go ahead when
 * its intent could not be recorded. */
static err_code audit(const struct call *c, const char *decision, const char *request_id,
                      const char *error)
{
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "caller", c->caller);
    cJSON_AddStringToObject(rec, "tool", c->tool->info.name);
    if (c->action)
        cJSON_AddStringToObject(rec, "action", c->action);
    cJSON_AddItemToObject(rec, "arguments", sk_redact(c->api_args ? c->api_args : c->args,
                                                      &c->exec->entry->secret));
    cJSON_AddStringToObject(rec, "decision", decision);
    cJSON_AddStringToObject(rec, "mode", sk_mode_name(c->r->mode));
    cJSON_AddStringToObject(rec, "backend", c->r->backend);
    if (c->f.n) {
        cJSON *reasons = cJSON_CreateArray();
        for (size_t i = 0; i < c->f.n; i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "rule", c->f.v[i].rule);
            cJSON_AddStringToObject(o, "severity", c->f.v[i].severity == SK_DENY ? "deny" : "warn");
            cJSON_AddStringToObject(o, "message", c->f.v[i].message);
            cJSON_AddItemToArray(reasons, o);
        }
        cJSON_AddItemToObject(rec, "reasons", reasons);
    }
    if (request_id && *request_id)
        cJSON_AddStringToObject(rec, "request_id", request_id);
    if (error)
        cJSON_AddStringToObject(rec, "error", error);
    cJSON_AddNumberToObject(rec, "duration_ms", round((double)(now_ns() - c->t0) / 1e5) / 10);
    err_code rc = sk_audit_write(c->r->audit, rec);
    cJSON_Delete(rec);
    return rc;
}

static void deny_outcome(struct call *c, struct sk_outcome *out)
{
    cJSON *o = envelope(c, "denied");
    cJSON_AddItemToObject(o, "reasons", findings_json(&c->f, SK_DENY, 0));
    cJSON *warn = findings_json(&c->f, SK_WARN, 0);
    if (cJSON_GetArraySize(warn))
        cJSON_AddItemToObject(o, "warnings", warn);
    else
        cJSON_Delete(warn);
    struct buf b;
    buf_init(&b, 0);
    buf_printf(&b, "Denied: %s was not %s.\n", c->tool->info.name,
               c->exec->entry->effect == KB_EFFECT_READ ? "run" : "planned or executed");
    for (size_t i = 0; i < c->f.n; i++)
        if (c->f.v[i].severity == SK_DENY)
            buf_printf(&b, "- %s: %s\n", c->f.v[i].rule, c->f.v[i].message);
    out->structured = o;
    out->text = buf_steal(&b, NULL);
    out->is_error = 1;
    audit(c, "denied", NULL, NULL);
}

static void failed_outcome(struct call *c, struct sk_exec *x, const struct err *e,
                           struct sk_outcome *out)
{
    cJSON *o = envelope(c, "failed");
    cJSON *err = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(err, "code", x->last.code_str[0] ? x->last.code_str : err_name(e->code));
    cJSON_AddStringToObject(err, "message", e->msg[0] ? e->msg : err_name(e->code));
    if (x->last.request_id[0])
        cJSON_AddStringToObject(err, "request_id", x->last.request_id);
    out->structured = o;
    out->text = xasprintf("Failed: %s: %s%s%s", c->tool->info.name, e->msg,
                          x->last.request_id[0] ? " (RequestId " : "",
                          x->last.request_id[0] ? x->last.request_id : "");
    if (x->last.request_id[0]) {
        char *t = xasprintf("%s)", out->text);
        free(out->text);
        out->text = t;
    }
    out->is_error = 1;
    audit(c, "failed", x->last.request_id, e->msg);
}

/* ---- Preparing the arguments ----------------------------------------------------------------- */

/* skilld's own arguments: never bound into a token nor sent. */
static const char *const own_args[] = {"confirmation_token", "wait", NULL};

/* The default region, and each schema "default", for properties the caller left out. */
static void apply_defaults(const sk_registry *r, const struct sk_tool *t, cJSON *args)
{
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(t->schema_json, "properties");
    const char *region_names[] = {"RegionId", "regionId"};
    for (size_t i = 0; i < ARRAY_LEN(region_names); i++)
        if (cJSON_GetObjectItemCaseSensitive(props, region_names[i]) &&
            !cJSON_GetObjectItemCaseSensitive(args, region_names[i]) && r->region)
            cJSON_AddStringToObject(args, region_names[i], r->region);
    for (const cJSON *p = props ? props->child : NULL; p; p = p->next) {
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(p, "default");
        if (d && !cJSON_GetObjectItemCaseSensitive(args, p->string))
            cJSON_AddItemToObject(args, p->string, cJSON_Duplicate(d, 1));
    }
}

static int is_own(const char *name)
{
    for (size_t i = 0; own_args[i]; i++)
        if (strcmp(own_args[i], name) == 0)
            return 1;
    return 0;
}

/* Resource ids in the arguments (values of *Id / *Ids arguments, lists included). */
static cJSON *resource_ids(const cJSON *args)
{
    cJSON *out = cJSON_CreateArray();
    for (const cJSON *a = args ? args->child : NULL; a; a = a->next) {
        size_t n = strlen(a->string);
        int idish = (n > 2 && strcmp(a->string + n - 2, "Id") == 0) ||
                    (n > 3 && strcmp(a->string + n - 3, "Ids") == 0) ||
                    (n > 3 && strcmp(a->string + n - 3, "Id.") == 0);
        if (!idish || strcasecmp(a->string, "RegionId") == 0 || strcmp(a->string, "ZoneId") == 0 ||
            strcmp(a->string, "DestinationRegionId") == 0)
            continue;
        cJSON *ids = sk_args_ids(args, a->string);
        const cJSON *id;
        cJSON_ArrayForEach(id, ids) cJSON_AddItemToArray(out, cJSON_CreateString(id->valuestring));
        cJSON_Delete(ids);
    }
    return out;
}

/* 1 when an argument has the value that makes this write destructive (ForceStop=true). */
static int destructive_now(const struct sk_tool *t, const cJSON *args)
{
    for (size_t i = 0; i < t->entry->ndestructive_when; i++) {
        const struct kb_tool_when *w = &t->entry->destructive_when[i];
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, w->arg);
        char *text = v ? cJSON_PrintUnformatted(v) : NULL;
        int hit = text && strcasecmp(text, w->value) == 0;
        free(text);
        if (hit)
            return 1;
    }
    return 0;
}

static void check_verdict(struct call *c, const char *check, size_t before)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "check", check);
    size_t denials = 0;
    for (size_t i = before; i < c->f.n; i++)
        denials += c->f.v[i].severity == SK_DENY;
    cJSON_AddStringToObject(o, "result", denials ? "failed" : "passed");
    cJSON_AddItemToArray(c->checks, o);
}

/* Denials that only say a required argument is missing. */
static size_t only_missing(const struct sk_findings *f)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++)
        n += f->v[i].severity == SK_DENY && strcmp(f->v[i].rule, "schema.required") == 0;
    return n;
}

/* The static phase: nothing here talks to the backend. */
static void static_checks(struct call *c, enum sk_rule_action *ret_rule)
{
    sk_registry *r = c->r;
    const char *region = sk_args_region(c->api_args);
    if (region && !sk_policy_region_allowed(r->policy, region))
        sk_findings_add(&c->f, SK_DENY, "policy.region_not_allowed",
                        "region %s is not on the policy's list of regions", region);
    const char *pattern = NULL;
    *ret_rule = c->action ? sk_policy_match(r->policy, c->exec->entry->product, c->action, &pattern)
                          : SK_RULE_NONE;
    if (*ret_rule == SK_RULE_DENY)
        sk_findings_add(&c->f, SK_DENY, "policy.deny",
                        "the policy (%s) denies %s:%s by the rule \"%s\"", r->policy->source,
                        c->exec->entry->product, c->action, pattern);
    if (c->exec->entry->effect != KB_EFFECT_READ && r->mode == SK_MODE_READ_ONLY)
        sk_findings_add(&c->f, SK_DENY, "mode.read_only",
                        "skilld runs in read-only mode, so %s cannot change anything; start it "
                        "with --mode confirm (or \"mode\": \"confirm\" in the policy) to plan "
                        "changes",
                        c->tool->info.name);
    if (c->exec->entry->effect != KB_EFFECT_READ && sk_policy_restricts_resources(r->policy) &&
        !r->policy->ntags) {
        /* An id allow-list alone is decided here; tags need a read (state phase). */
        cJSON *ids = resource_ids(c->api_args);
        const cJSON *id;
        cJSON_ArrayForEach(id, ids) if (!sk_policy_resource_listed(r->policy, id->valuestring))
            sk_findings_add(&c->f, SK_DENY, "policy.resource_not_allowed",
                            "%s is not on the policy's list of resources skilld may change",
                            id->valuestring);
        cJSON_Delete(ids);
    }
    sk_limits_run(r, c->exec->entry, c->api_args, &c->f);
    sk_checks_run(r->policy, &c->exec->entry->checks, c->api_args, &c->f);
}

/* The state phase: reads, the tag allow-list and DryRun. */
static void state_checks(struct call *c, struct sk_exec *x)
{
    sk_registry *r = c->r;
    if (c->exec->entry->effect != KB_EFFECT_READ && r->policy->ntags) {
        size_t before = c->f.n;
        cJSON *ids = resource_ids(c->api_args);
        sk_state_allowlist(x, c->api_args, ids, &c->f);
        cJSON_Delete(ids);
        check_verdict(c, "allow_list", before);
    }
    for (size_t i = 0; i < c->exec->nstate; i++) {
        size_t before = c->f.n;
        c->exec->state[i].fn(x, c->api_args, &c->exec->state[i].args, &c->f);
        check_verdict(c, c->exec->state[i].id, before);
    }
    if (c->exec->entry->dry_run && c->action && sk_findings_denials(&c->f) == 0) {
        size_t before = c->f.n;
        cloud_params *p = cloud_params_new();
        struct err e;
        err_clear(&e);
        err_code rc = sk_wire_params(c->api_args, c->exec->entry, p, &e);
        if (!rc)
            rc = cloud_params_add(p, "DryRun", "true");
        cJSON *resp = NULL;
        struct cloud_error ce;
        memset(&ce, 0, sizeof ce);
        if (!rc) {
            size_t n = 0;
            const struct cloud_kv *kv = cloud_params_items(p, &n);
            rc = cloud_call_in(r->cloud, sk_args_region(c->api_args), c->exec->entry->product,
                               c->action, kv, n, &resp, &ce);
        }
        cJSON_Delete(resp);
        cloud_params_free(p);
        if (rc && !cloud_error_is_dry_run_ok(&ce)) {
            char rule[SK_RULE_MAX];
            snprintf(rule, sizeof rule, "dry_run.%.50s", ce.code_str[0] ? ce.code_str : err_name(rc));
            sk_findings_add(&c->f, SK_DENY, rule, "the backend's DryRun of %s refused it: %s%s%s%s",
                            c->action, ce.message[0] ? ce.message : e.msg,
                            ce.request_id[0] ? " (RequestId " : "", ce.request_id,
                            ce.request_id[0] ? ")" : "");
        }
        check_verdict(c, "dry_run", before);
    }
}

/* ---- Planning and executing ------------------------------------------------------------------ */

static void planned_outcome(struct call *c, struct sk_outcome *out)
{
    sk_registry *r = c->r;
    uint64_t now = now_wall_ms() / 1000, exp = 0;
    char token[SK_TOKEN_MAX], when[32];
    sk_token_issue(r->tokens, c->tool->info.name, c->canon, c->caller, now, r->token_ttl_s, token,
                   &exp);
    iso_time(exp, when);
    cJSON *o = envelope(c, "planned");
    cJSON *plan = cJSON_AddObjectToObject(o, "plan");
    cJSON_AddStringToObject(plan, "product", c->exec->entry->product);
    if (c->action)
        cJSON_AddStringToObject(plan, "action", c->action);
    cJSON_AddItemToObject(plan, "parameters", sk_redact(c->api_args, &c->exec->entry->secret));
    cloud_params *p = cloud_params_new();
    struct err e;
    err_clear(&e);
    char *cli = NULL;
    if (c->action && sk_wire_params(c->api_args, c->exec->entry, p, &e) == ERR_OK)
        cli = sk_cli_line(c->exec->entry->product, c->action, p, &c->exec->entry->secret);
    cloud_params_free(p);
    if (cli)
        cJSON_AddStringToObject(plan, "cli", cli);
    cJSON_AddItemToObject(plan, "checks", c->checks);
    c->checks = NULL;
    cJSON_AddStringToObject(plan, "effect",
                            c->exec->entry->effect == KB_EFFECT_DESTRUCTIVE || destructive_now(c->exec, c->api_args)
                                ? "destructive"
                                : "write");
    cJSON_AddItemToObject(o, "findings", findings_json(&c->f, SK_WARN, 1));
    cJSON_AddStringToObject(o, "confirmation_token", token);
    cJSON_AddStringToObject(o, "expires_at", when);
    struct buf b;
    buf_init(&b, 0);
    buf_printf(&b, "Planned, not executed: %s%s%s.\n", c->tool->info.name, c->action ? " -> " : "",
               c->action ? c->action : "");
    if (cli)
        buf_printf(&b, "Equivalent CLI: %s\n", cli);
    for (size_t i = 0; i < c->f.n; i++)
        buf_printf(&b, "Warning %s: %s\n", c->f.v[i].rule, c->f.v[i].message);
    buf_printf(&b,
               "To execute, call %s again with the same arguments plus \"confirmation_token\": "
               "\"%s\" before %s. Show the plan to the person first.",
               c->tool->info.name, token, when);
    free(cli);
    out->structured = o;
    out->text = buf_steal(&b, NULL);
    out->is_error = 0;
    /* The audit record says a plan was made; the token itself never appears in it. */
    audit(c, "planned", NULL, NULL);
}

/* The confirmation question went out with the transport's answer; the caller's retry brings
 * the person's answer and runs the call again from the start. Nothing ran and no token was
 * issued. */
static void asked_outcome(struct call *c, struct sk_outcome *out)
{
    out->structured = envelope(c, "asked");
    out->text = xasprintf("Asked the person to confirm %s; nothing runs until their answer "
                          "comes back with the retried call.", c->tool->info.name);
    out->is_error = 0;
    audit(c, "asked", NULL, NULL);
}

static err_code execute(struct call *c, struct sk_exec *x, int change, struct sk_outcome *out,
                        struct err *e)
{
    if (change && audit(c, "executing", NULL, NULL) != ERR_OK) {
        struct err ae;
        err_clear(&ae);
        err_set(&ae, ERR_IO, "the audit log could not be written, so nothing was sent");
        failed_outcome(c, x, &ae, out);
        return ERR_OK;
    }
    /* A composite tool that expanded into another tool's action runs that tool's handler. */
    const struct sk_handler *h = c->exec != c->tool ? c->exec->handler : c->tool->handler;
    sk_handler_fn fn = h->fn ? h->fn : sk_api_call;
    cJSON *result = NULL;
    struct err he;
    err_clear(&he);
    err_code rc = fn(x, c->exec == c->tool ? c->args : c->api_args, &result, &he);
    if (rc == ERR_CANCELLED) {
        audit(c, "cancelled", x->last.request_id, NULL);
        return err_set(e, ERR_CANCELLED, "cancelled");
    }
    if (rc) {
        failed_outcome(c, x, &he, out);
        return ERR_OK;
    }
    cJSON *o = envelope(c, change ? "executed" : "ok");
    if (x->last.request_id[0])
        cJSON_AddStringToObject(o, "request_id", x->last.request_id);
    cJSON_AddItemToObject(o, "result", result ? result : cJSON_CreateObject());
    if (c->f.n)
        cJSON_AddItemToObject(o, "findings", findings_json(&c->f, SK_WARN, 1));
    char *res = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(o, "result"));
    size_t len = strlen(res);
    out->text = xasprintf("%s: %s%s%s\n%.*s%s", change ? "Executed" : "OK", c->tool->info.name,
                          x->last.request_id[0] ? " RequestId " : "", x->last.request_id,
                          (int)(len > 4000 ? 4000 : len), res, len > 4000 ? " ..." : "");
    free(res);
    out->structured = o;
    out->is_error = 0;
    audit(c, change ? "executed" : "ok", x->last.request_id, NULL);
    return ERR_OK;
}

err_code sk_call(sk_registry *r, const struct sk_caller *caller, const char *name,
                 const cJSON *args_in, const struct sk_hooks *hooks, struct sk_outcome *out,
                 struct err *e)
{
    memset(out, 0, sizeof *out);
    const struct sk_tool *tool = NULL;
    for (size_t i = 0; name && i < r->ntools && !tool; i++)
        if (strcmp(r->tools[i].info.name, name) == 0)
            tool = &r->tools[i];
    if (!tool)
        return err_set(e, ERR_NOT_FOUND, "unknown tool");
    static const struct sk_hooks no_hooks = {0};
    struct call c = {.r = r, .tool = tool, .exec = tool, .t0 = now_ns()};
    c.caller = caller && caller->id && *caller->id ? caller->id : "anonymous";
    sk_findings_init(&c.f);
    c.checks = cJSON_CreateArray();
    err_code rc = ERR_OK;

    /* 1. Schema, on the arguments exactly as sent (duplicate keys included). */
    cJSON *given = args_in ? cJSON_Duplicate(args_in, 1) : cJSON_CreateObject();
    sk_schema_validate(tool->schema, given, &c.f);
    const cJSON *tok = cJSON_GetObjectItemCaseSensitive(args_in, "confirmation_token");
    c.token = cJSON_IsString(tok) ? tok->valuestring : NULL;
    /* 2. Our own arguments out, defaults in; composite tools expand to the call they make. */
    c.args = cJSON_CreateObject();
    /* Arguments that are not an object were denied by the schema; keep none of them. */
    for (const cJSON *a = cJSON_IsObject(given) ? given->child : NULL; a; a = a->next)
        if (strcmp(a->string, "confirmation_token") != 0 &&
            !cJSON_GetObjectItemCaseSensitive(c.args, a->string))
            cJSON_AddItemToObject(c.args, a->string, cJSON_Duplicate(a, 1));
    cJSON_Delete(given);
    apply_defaults(r, tool, c.args);
    c.action = tool->entry->action;
    if (sk_findings_denials(&c.f) == 0 && tool->handler->expand) {
        struct err xe;
        err_clear(&xe);
        const char *act = NULL;
        if (tool->handler->expand(tool, c.args, &act, &c.api_args, &xe)) {
            sk_findings_add(&c.f, SK_DENY, "arguments.invalid", "%s", xe.msg);
        } else {
            c.action = act;
            for (size_t i = 0; i < r->ntools; i++)
                if (r->tools[i].entry->action && strcmp(r->tools[i].entry->action, act) == 0)
                    c.exec = &r->tools[i];
        }
    }
    if (!c.api_args) {
        c.api_args = cJSON_CreateObject();
        for (const cJSON *a = c.args->child; a; a = a->next)
            if (!is_own(a->string))
                cJSON_AddItemToObject(c.api_args, a->string, cJSON_Duplicate(a, 1));
    }
    c.canon = sk_canonical_json(c.api_args);

    /* 3. Static checks: no request leaves skilld before they pass. */
    enum sk_rule_action rule = SK_RULE_NONE;
    /* A schema failure is reported alone (the other checks would read values of the wrong
     * type) unless all that fails is a missing argument: then what is there is still judged,
     * so "open 22 to the world" is denied for its posture even before the group is named. */
    if (sk_findings_denials(&c.f) == only_missing(&c.f))
        static_checks(&c, &rule);
    int change = tool->entry->effect != KB_EFFECT_READ || rule == SK_RULE_CONFIRM;
    struct sk_exec x = {.reg = r, .tool = c.exec, .hooks = hooks ? hooks : &no_hooks,
                        .action = c.action};
    if (sk_findings_denials(&c.f)) {
        deny_outcome(&c, out);
        goto done;
    }
    if (!change) {
        rc = execute(&c, &x, 0, out, e);
        goto done;
    }

    /* 4. A token must match before anything is read for it. */
    char client_token[SK_CLIENT_TOKEN_LEN + 1] = "";
    uint64_t now_s = now_wall_ms() / 1000;
    /* ECS deduplicates a repeat of an action that takes a ClientToken (derived from the
     * token); for the others, replicas sharing a spent-token directory refuse a token another
     * replica spent (token.h). */
    int shared_spend = c.token && c.action && !cloud_action_takes_client_token(c.action);
    if (c.token && (sk_token_redeem(r->tokens, c.token, tool->info.name, c.canon, c.caller, now_s,
                                    0, client_token, &c.f) ||
                    (shared_spend && sk_token_spend_shared(r->tokens, c.token, now_s, 1, &c.f)))) {
        deny_outcome(&c, out);
        goto done;
    }
    /* 5. State: reads and DryRun. */
    state_checks(&c, &x);
    if (sk_findings_denials(&c.f)) {
        deny_outcome(&c, out);
        goto done;
    }
    /* 6. Confirmation: a token, an accepted question, or auto mode for an allowed, non-
     * destructive change. */
    int destructive = c.exec->entry->effect == KB_EFFECT_DESTRUCTIVE || tool->entry->effect == KB_EFFECT_DESTRUCTIVE ||
                      destructive_now(c.exec, c.api_args);
    int automatic = r->mode == SK_MODE_AUTO && rule == SK_RULE_ALLOW && !destructive;
    if (!c.token && !automatic) {
        int answer = -1;
        if (x.hooks->confirm) {
            char *q = NULL;
            cloud_params *p = cloud_params_new();
            struct err we;
            err_clear(&we);
            char *cli = c.action && sk_wire_params(c.api_args, c.exec->entry, p, &we) == ERR_OK
                            ? sk_cli_line(c.exec->entry->product, c.action, p, &c.exec->entry->secret)
                            : NULL;
            cloud_params_free(p);
            q = xasprintf("skilld is about to %s %s%s%s. Approve?",
                          destructive ? "run the DESTRUCTIVE call" : "run", tool->info.name,
                          cli ? ": " : "", cli ? cli : "");
            answer = x.hooks->confirm(x.hooks->ctx, q);
            free(q);
            free(cli);
        }
        if (answer == 0) {
            sk_findings_add(&c.f, SK_DENY, "confirmation.declined",
                            "the person declined the confirmation request");
            deny_outcome(&c, out);
            goto done;
        }
        if (answer == -2) {
            asked_outcome(&c, out);
            goto done;
        }
        if (answer < 0) {
            planned_outcome(&c, out);
            goto done;
        }
        /* Accepted: spend a fresh token of our own so the ClientToken derives the same way. */
        char fresh[SK_TOKEN_MAX];
        uint64_t exp = 0;
        sk_token_issue(r->tokens, tool->info.name, c.canon, c.caller, now_s, r->token_ttl_s, fresh,
                       &exp);
        sk_token_redeem(r->tokens, fresh, tool->info.name, c.canon, c.caller, now_s, 1,
                        client_token, &c.f);
    }
    /* 7. The rate limit counts changes that are about to be sent, before a token is spent. */
    double wait = sk_rate_take(r->rate, c.caller, now_ns());
    if (wait > 0) {
        sk_findings_add(&c.f, SK_DENY, "rate.limited",
                        "too many changes from this caller; try again in %.0f seconds%s",
                        ceil(wait), c.token ? " with the same confirmation_token" : "");
        deny_outcome(&c, out);
        goto done;
    }
    if (c.token) {
        /* 8. Spend the token: of two concurrent uses exactly one passes here. */
        if (sk_token_redeem(r->tokens, c.token, tool->info.name, c.canon, c.caller, now_s, 1,
                            client_token, &c.f) ||
            (shared_spend && sk_token_spend_shared(r->tokens, c.token, now_s, 0, &c.f))) {
            deny_outcome(&c, out);
            goto done;
        }
    }
    x.client_token = client_token[0] ? client_token : NULL;
    rc = execute(&c, &x, 1, out, e);

done:
    /* Tell the client's log what was decided (MCP notifications/message at its level). */
    if (x.hooks->log && out->text) {
        const char *nl = strchr(out->text, '\n');
        char line[256];
        snprintf(line, sizeof line, "%.*s", nl ? (int)(nl - out->text) : (int)strlen(out->text),
                 out->text);
        x.hooks->log(x.hooks->ctx, out->is_error ? 2 : 1, line);
    }
    cJSON_Delete(c.checks);
    cJSON_Delete(c.args);
    cJSON_Delete(c.api_args);
    free(c.canon);
    return rc;
}

void sk_outcome_release(struct sk_outcome *o)
{
    if (!o)
        return;
    cJSON_Delete(o->structured);
    free(o->text);
    memset(o, 0, sizeof *o);
}
