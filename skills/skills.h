/* skills.h - the ECS tools: the handlers of the catalogue's tools (knowledge/ecs/_tools.json,
 * one file per skill), the JSON Schema validator, and the guardrails engine every call goes
 * through (policy, limits, posture, state checks, plans, confirmations, audit log).
 * Layer: skills (uses cloud, knowledge, base). Knows no MCP and no HTTP: server/app adapts it. */
#ifndef SKILLD_SKILLS_H
#define SKILLD_SKILLS_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "base/base.h"

struct kb_product;
typedef struct cloud_client cloud_client;

/* ---- Findings ------------------------------------------------------------------------
 * Every check (schema, policy, limit, posture, state, DryRun) reports what it found as
 * findings with a stable rule id ("schema.required", "limit.ca_instances_per_run",
 * "posture.admin_port_open", "command.recursive_delete", "state.instance_not_running", ...)
 * and a message a person understands. All findings are reported, not only the first. */
#define SK_FINDINGS_MAX 64 /* findings kept per call; past it one "findings.truncated" */
#define SK_RULE_MAX 64     /* bytes of a rule id */
#define SK_FINDING_MSG_MAX 384

enum sk_severity {
    SK_DENY, /* the call must not go ahead */
    SK_WARN, /* reported in the plan; does not block */
};

struct sk_finding {
    enum sk_severity severity;
    char rule[SK_RULE_MAX];          /* stable id, lowercase, dotted */
    char message[SK_FINDING_MSG_MAX]; /* one sentence, valid UTF-8, names the field */
};

struct sk_findings {
    struct sk_finding v[SK_FINDINGS_MAX];
    size_t n;
};

void sk_findings_init(struct sk_findings *f);
/* Append a finding (message printf-style, cut at a UTF-8 boundary). Past SK_FINDINGS_MAX the
 * last slot becomes "findings.truncated". */
void sk_findings_add(struct sk_findings *f, enum sk_severity sev, const char *rule,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Number of SK_DENY findings. */
size_t sk_findings_denials(const struct sk_findings *f);

/* ---- JSON Schema ---------------------------------------------------------------------
 * A validator for the keywords the catalogue uses (2020-12 semantics): type, properties,
 * required, additionalProperties, patternProperties, enum, const, pattern (PCRE2, UTF mode),
 * minLength/maxLength (code points), minimum/maximum/exclusiveMinimum/exclusiveMaximum,
 * multipleOf, items, prefixItems, minItems/maxItems, uniqueItems, minProperties/maxProperties,
 * anyOf/allOf/oneOf/not, and the annotations title, description, default, examples, $comment,
 * format (annotation only), readOnly, writeOnly, deprecated, and $schema (the 2020-12 dialect
 * only, at the root). Any other keyword makes compilation fail, naming it. Patterns search
 * unanchored, '$' matches only at the very end (as in ECMA-262), and every match runs under
 * PCRE2 match limits. Schemas and instances may nest objects and arrays 64 deep. */
typedef struct sk_schema sk_schema;

/* Compile a schema (borrowed; copied as needed). ERR_UNSUPPORTED names an unknown keyword
 * and where it is ("properties.Port: keyword 'dependentRequired' is not supported");
 * ERR_INVALID a malformed schema, a member name given twice, or a pattern PCRE2 refuses;
 * ERR_TOO_BIG a schema nested too deep. A compiled schema is read-only: any number of
 * threads may validate with it at once. */
err_code sk_schema_compile(const cJSON *schema, sk_schema **ret, struct err *e);
void sk_schema_free(sk_schema *s);

/* Validate instance; appends one SK_DENY finding per violation, rule "schema.<keyword>"
 * (schema.required, schema.type, schema.additional_properties, schema.duplicate_key ...),
 * message naming the field path and the rule ("InstanceId[2]: \"x-1\" does not match
 * pattern ^i-[a-z0-9]+$"); quoted values are cut to 60 characters and escaped, so messages
 * stay valid UTF-8 without control characters. Objects with the same member name twice fail
 * with schema.duplicate_key (a guardrail must see the value that will be sent), at any depth;
 * an instance nested too deep fails with schema.depth and is not checked further; a NULL
 * instance fails with schema.type. Returns the number added. */
size_t sk_schema_validate(const sk_schema *s, const cJSON *instance, struct sk_findings *out);

/* ---- The registry ---------------------------------------------------------------------*/
typedef struct sk_registry sk_registry;

/* Guardrail modes (the policy file's "mode", or --mode). */
enum sk_mode {
    SK_MODE_DEFAULT,   /* read-only on a real account, confirm on the simulator */
    SK_MODE_READ_ONLY, /* reads only; every changing tool is denied */
    SK_MODE_CONFIRM,   /* changing tools plan first and execute with a confirmation token */
    SK_MODE_AUTO,      /* tools the policy allows execute at once (destructive ones still confirm) */
};

struct sk_config {
    const struct kb_product *product; /* the catalogue and the documented limits (borrowed) */
    cloud_client *cloud;              /* the backend client (borrowed; thread-safe) */
    const char *backend;              /* "sim" or "aliyun", copied into every result */
    const char *region;               /* default RegionId for tools that take one */
    const char *policy_file;          /* --policy FILE, or NULL for the built-in defaults */
    enum sk_mode mode;                /* --mode; SK_MODE_DEFAULT lets the policy file decide */
    const char *audit_file;           /* append-only JSON lines; NULL: no audit log */
    const char *key_file;             /* confirmation key shared by replicas; NULL: random */
    const char *spent_dir;            /* tokens spent on actions without a ClientToken,
                                       * shared by replicas (created 0700); NULL: per process */
    const char *replica_id;           /* written into audit records; NULL: hostname:pid */
    const char *key_dir;              /* where ecs_create_key_pair saves private keys (0700);
                                       * NULL: $HOME/.skilld/keys */
    unsigned token_ttl_s;             /* confirmation token lifetime; 0: 300 */
};

/* Build the registry: load the catalogue from product, pair every entry with its handler,
 * compile every schema, load the policy. Fails (NULL, e naming the bad row or line) when an
 * entry has no handler, a handler no entry, a schema does not compile, a limit or check id
 * is unknown, or the policy file is invalid. */
sk_registry *sk_registry_new(const struct sk_config *cfg, struct err *e);
void sk_registry_free(sk_registry *r);

/* The mode the registry resolved (never SK_MODE_DEFAULT) and where its policy came from
 * ("built-in defaults" or the file's path). */
enum sk_mode sk_registry_mode(const sk_registry *r);
const char *sk_registry_policy_source(const sk_registry *r);
/* The name of a mode ("read-only", "confirm", "auto") and the reverse (ERR_INVALID). */
const char *sk_mode_name(enum sk_mode m);
err_code sk_mode_parse(const char *s, enum sk_mode *ret);

/* What tools/list shows of one tool. Strings and trees are borrowed from the registry. */
struct sk_tool_info {
    const char *name;          /* ecs_<snake action> */
    const char *title;
    const char *description;
    const cJSON *input_schema;
    const cJSON *output_schema;
    int read_only, destructive, idempotent, open_world; /* annotations */
};
size_t sk_tool_count(const sk_registry *r);
const struct sk_tool_info *sk_tool_at(const sk_registry *r, size_t i);
const struct sk_tool_info *sk_tool_find(const sk_registry *r, const char *name);

/* Who is calling: confirmation tokens are bound to it and the rate limit counts by it. */
struct sk_caller {
    const char *id; /* "mcp:<session>", "http:<address>", "stdio", "cli"; never a secret */
};

/* What the transport offers a running call; every member may be NULL. */
struct sk_hooks {
    void *ctx;
    int (*cancelled)(void *ctx); /* 1 once the caller cancelled */
    void (*progress)(void *ctx, double progress, double total, const char *message);
    void (*log)(void *ctx, int level, const char *message); /* 0 debug .. 3 error */
    /* Ask the person to confirm a plan (MCP elicitation, form mode). Returns 1 accepted,
     * 0 declined or cancelled, -1 not available (the call then returns a planned result),
     * -2 asked: the question travels back in the transport's answer to this call and the
     * person's answer comes with the caller's retry of the same call (MCP 2026-07-28
     * multi round-trip requests); nothing is decided now, the call returns an "asked"
     * result and the transport answers with the question instead. */
    int (*confirm)(void *ctx, const char *message);
};

/* The result of one call: structured is the envelope every tool returns:
 *   status   "ok" (reads), "planned", "executed", "denied", "failed"; "asked" when the
 *            confirmation went out with the transport's answer (hooks.confirm returned -2):
 *            the transport sends the question, never this result
 *   backend  "sim" | "aliyun"
 *   tool, action, arguments (canonical, secrets redacted)
 *   planned:  plan {action, parameters, cli, checks}, confirmation_token, expires_at, findings
 *   executed: request_id, result
 *   denied:   reasons [{rule, message}]
 *   failed:   error {code, message, request_id}
 * text is a short human summary; is_error is 1 for denied and failed. */
struct sk_outcome {
    cJSON *structured; /* owned by the caller */
    char *text;        /* owned by the caller */
    int is_error;
};
void sk_outcome_release(struct sk_outcome *o);

/* Run one tool call through the guardrails. args is borrowed (an object, or NULL for none).
 * Always fills *out unless it returns ERR_NOT_FOUND (no such tool: a protocol error) or
 * ERR_CANCELLED (the caller cancelled; nothing to send). Thread-safe. */
err_code sk_call(sk_registry *r, const struct sk_caller *caller, const char *tool,
                 const cJSON *args, const struct sk_hooks *hooks, struct sk_outcome *out,
                 struct err *e);

#endif
