/* registry.c - builds the registry: every catalogue entry paired with its handler, its schema
 * compiled, its checks resolved; the policy, the token book, the audit log and the rate limit.
 * Start-up fails, naming the row, when an entry has no handler, a handler no entry, or a
 * schema, check or limit does not resolve. Layer: skills. */
#include "skills/sk_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "skills/audit.h"
#include "skills/ratelimit.h"
#include "skills/token.h"

/* Every skill file's table. To add a skill file: its table here. */
static const struct sk_handler *const tables[] = {
    sk_handlers_configure, sk_handlers_execute, sk_handlers_images,
    sk_handlers_recovery,  sk_handlers_launch,  sk_handlers_choose,
    sk_handlers_storage,   sk_handlers_monitor, sk_handlers_troubleshoot,
};

size_t sk_handler_count(void)
{
    size_t n = 0;
    for (size_t t = 0; t < ARRAY_LEN(tables); t++)
        for (const struct sk_handler *h = tables[t]; h->tool; h++)
            n++;
    return n;
}

const struct sk_handler *sk_handler_at(size_t i)
{
    for (size_t t = 0; t < ARRAY_LEN(tables); t++)
        for (const struct sk_handler *h = tables[t]; h->tool; h++)
            if (i-- == 0)
                return h;
    return NULL;
}

const struct sk_handler *sk_handler_find(const char *tool)
{
    for (size_t t = 0; t < ARRAY_LEN(tables); t++)
        for (const struct sk_handler *h = tables[t]; h->tool; h++)
            if (strcmp(h->tool, tool) == 0)
                return h;
    return NULL;
}

/* The envelope every ECS tool returns as structuredContent. */
static const char output_schema[] =
    "{\"type\":\"object\",\"required\":[\"status\",\"backend\",\"tool\"],\"properties\":{"
    "\"status\":{\"type\":\"string\",\"enum\":[\"ok\",\"planned\",\"executed\",\"denied\","
    "\"failed\"],\"description\":\"ok: a read's data; planned: nothing changed yet, see plan and "
    "confirmation_token; executed: the change was sent; denied: refused by a guardrail, see "
    "reasons; failed: the backend answered an error\"},"
    "\"backend\":{\"type\":\"string\",\"enum\":[\"sim\",\"aliyun\"]},"
    "\"tool\":{\"type\":\"string\"},"
    "\"action\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]},"
    "\"arguments\":{\"type\":\"object\",\"description\":\"the arguments as understood, defaults "
    "filled, secrets redacted\"},"
    "\"plan\":{\"type\":\"object\",\"properties\":{\"product\":{\"type\":\"string\"},"
    "\"action\":{\"type\":\"string\"},\"parameters\":{\"type\":\"object\"},"
    "\"cli\":{\"type\":\"string\",\"description\":\"the equivalent aliyun CLI command\"},"
    "\"checks\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
    "\"check\":{\"type\":\"string\"},\"result\":{\"type\":\"string\"}}}},"
    "\"effect\":{\"type\":\"string\",\"enum\":[\"write\",\"destructive\"]}}},"
    "\"findings\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
    "\"rule\":{\"type\":\"string\"},\"severity\":{\"type\":\"string\"},"
    "\"message\":{\"type\":\"string\"}}}},"
    "\"confirmation_token\":{\"type\":\"string\",\"description\":\"pass it back with the same "
    "arguments to execute the plan, once, before expires_at\"},"
    "\"expires_at\":{\"type\":\"string\"},"
    "\"reasons\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"rule\","
    "\"message\"],\"properties\":{\"rule\":{\"type\":\"string\"},\"message\":{\"type\":"
    "\"string\"}}}},"
    "\"warnings\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},"
    "\"request_id\":{\"type\":\"string\"},"
    "\"result\":{\"type\":\"object\"},"
    "\"error\":{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\"},"
    "\"message\":{\"type\":\"string\"},\"request_id\":{\"type\":\"string\"}}}}}";

static void tool_release(struct sk_tool *t)
{
    cJSON_Delete(t->schema_json);
    sk_schema_free(t->schema);
    free(t->state);
}

void sk_registry_free(sk_registry *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->ntools; i++)
        tool_release(&r->tools[i]);
    free(r->tools);
    cJSON_Delete(r->output_schema);
    sk_policy_free(r->policy);
    sk_tokens_free(r->tokens);
    sk_audit_close(r->audit);
    sk_rate_free(r->rate);
    free(r->backend);
    free(r->region);
    free(r->key_dir);
    free(r);
}

/* Compile one entry into t; e names the entry on failure. */
static err_code build_tool(sk_registry *r, const struct kb_tool *k, struct sk_tool *t,
                           struct err *e)
{
    memset(t, 0, sizeof *t);
    t->entry = k;
    t->handler = sk_handler_find(k->name);
    if (!t->handler)
        return err_set(e, ERR_INVALID,
                       "tool '%s' is in the catalogue but no skill file has a handler for it",
                       k->name);
    if (!k->action && !t->handler->fn && !t->handler->expand)
        return err_set(e, ERR_INVALID, "tool '%s' has no API action and no handler of its own",
                       k->name);
    t->schema_json = cJSON_Duplicate((const cJSON *)k->input_schema, 1);
    if (k->effect != KB_EFFECT_READ) {
        cJSON *props = cJSON_GetObjectItemCaseSensitive(t->schema_json, "properties");
        if (!props)
            props = cJSON_AddObjectToObject(t->schema_json, "properties");
        cJSON *tok = cJSON_AddObjectToObject(props, "confirmation_token");
        cJSON_AddStringToObject(tok, "type", "string");
        cJSON_AddStringToObject(tok, "description",
                                "skilld's own argument: the token from this tool's planned "
                                "result; send it with the same arguments to execute the plan");
    }
    struct err se;
    err_clear(&se);
    if (sk_schema_compile(t->schema_json, &t->schema, &se))
        return err_set(e, ERR_INVALID, "tool '%s': inputSchema: %s", k->name, se.msg);
    for (size_t i = 0; i < k->checks.n; i++)
        if (!sk_check_find(k->checks.v[i]))
            return err_set(e, ERR_INVALID, "tool '%s': unknown guardrail check '%s'", k->name,
                           k->checks.v[i]);
    t->state = xcalloc(k->nstate ? k->nstate : 1, sizeof *t->state);
    for (size_t i = 0; i < k->nstate; i++) {
        t->state[i].id = k->state[i].check;
        t->state[i].fn = sk_state_find(k->state[i].check);
        t->state[i].args = k->state[i].args;
        if (!t->state[i].fn)
            return err_set(e, ERR_INVALID, "tool '%s': unknown state check '%s'", k->name,
                           k->state[i].check);
    }
    t->nstate = k->nstate;
    t->info.name = k->name;
    t->info.title = k->title;
    t->info.description = k->description;
    t->info.input_schema = t->schema_json;
    t->info.output_schema = r->output_schema;
    t->info.read_only = k->read_only_hint;
    t->info.destructive = k->destructive_hint;
    t->info.idempotent = k->idempotent_hint;
    t->info.open_world = k->open_world_hint;
    return ERR_OK;
}

sk_registry *sk_registry_new(const struct sk_config *cfg, struct err *e)
{
    if (!cfg->product || !cfg->cloud || !cfg->backend) {
        err_set(e, ERR_INVALID, "skills: product, cloud client and backend are required");
        return NULL;
    }
    sk_registry *r = xcalloc(1, sizeof *r);
    r->product = cfg->product;
    r->cloud = cfg->cloud;
    r->backend = xstrdup(cfg->backend);
    r->region = cfg->region ? xstrdup(cfg->region) : NULL;
    const char *home = getenv("HOME");
    r->key_dir = cfg->key_dir ? xstrdup(cfg->key_dir)
                 : home && *home ? xasprintf("%s/.skilld/keys", home)
                                 : NULL;
    r->output_schema = cJSON_Parse(output_schema);
    if (!r->output_schema) {
        err_set(e, ERR_INTERNAL, "skills: the output schema does not parse");
        goto fail;
    }
    if (sk_policy_load(cfg->policy_file, &r->policy, e))
        goto fail;
    for (size_t i = 0; i < r->policy->nlimits; i++)
        if (!kb_limit_find(r->product, r->policy->limits[i].id)) {
            err_set(e, ERR_INVALID, "policy %s: limits.%s is not a documented limit id",
                    r->policy->source, r->policy->limits[i].id);
            goto fail;
        }
    r->mode = cfg->mode != SK_MODE_DEFAULT    ? cfg->mode
              : r->policy->mode != SK_MODE_DEFAULT ? r->policy->mode
              : strcmp(cfg->backend, "sim") == 0   ? SK_MODE_CONFIRM
                                                   : SK_MODE_READ_ONLY;
    r->token_ttl_s = cfg->token_ttl_s ? cfg->token_ttl_s
                     : r->policy->token_ttl_s ? r->policy->token_ttl_s
                                              : SK_DEFAULT_TOKEN_TTL_S;
    if (sk_tokens_new(cfg->key_file, &r->tokens, e))
        goto fail;
    if (cfg->spent_dir && sk_tokens_share(r->tokens, cfg->spent_dir, e))
        goto fail;
    if (cfg->audit_file) {
        char replica[300];
        if (cfg->replica_id)
            snprintf(replica, sizeof replica, "%s", cfg->replica_id);
        else {
            char host[256] = "";
            gethostname(host, sizeof host - 1);
            snprintf(replica, sizeof replica, "%s:%ld", host, (long)getpid());
        }
        if (sk_audit_open(cfg->audit_file, replica, &r->audit, e))
            goto fail;
    }
    r->rate = sk_rate_new(r->policy->rate_per_minute, r->policy->rate_burst);
    r->tools = xcalloc(r->product->ntools ? r->product->ntools : 1, sizeof *r->tools);
    for (size_t i = 0; i < r->product->ntools; i++) {
        r->ntools = i + 1;
        if (build_tool(r, &r->product->tools[i], &r->tools[i], e))
            goto fail;
    }
    for (size_t i = 0; i < sk_handler_count(); i++) {
        const struct sk_handler *h = sk_handler_at(i);
        if (!kb_tool_find(r->product, h->tool)) {
            err_set(e, ERR_INVALID,
                    "a skill file has a handler for '%s' but the catalogue has no such tool",
                    h->tool);
            goto fail;
        }
    }
    return r;
fail:
    sk_registry_free(r);
    return NULL;
}

size_t sk_tool_count(const sk_registry *r)
{
    return r->ntools;
}

const struct sk_tool_info *sk_tool_at(const sk_registry *r, size_t i)
{
    return i < r->ntools ? &r->tools[i].info : NULL;
}

const struct sk_tool_info *sk_tool_find(const sk_registry *r, const char *name)
{
    for (size_t i = 0; name && i < r->ntools; i++)
        if (strcmp(r->tools[i].info.name, name) == 0)
            return &r->tools[i].info;
    return NULL;
}

enum sk_mode sk_registry_mode(const sk_registry *r)
{
    return r->mode;
}

const char *sk_registry_policy_source(const sk_registry *r)
{
    return r->policy->source;
}
