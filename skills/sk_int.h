/* sk_int.h - private to skills/: what the guardrails, the checks and the skill files share.
 * Layer: skills. */
#ifndef SKILLD_SKILLS_SK_INT_H
#define SKILLD_SKILLS_SK_INT_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "base/base.h"
#include "cloud/cloud.h"
#include "knowledge/kb.h"
#include "skills/policy.h"
#include "skills/skills.h"

#define SK_CONTENT_MAX (1024 * 1024) /* bytes of decoded command or file content examined */
#define SK_DEFAULT_TOKEN_TTL_S 300    /* a plan's confirmation_token lives five minutes */
#define SK_WAIT_MAX_S 600             /* longest a tool waits for a command, image or snapshot */
#define SK_OUTPUT_MAX (24 * 1024)     /* bytes of one instance's command output returned */

struct sk_tokens;
struct sk_audit;
struct sk_rate;
struct sk_tool;
struct sk_exec;

/* ---- Tools ---------------------------------------------------------------------------------*/

/* A state check by reads (state.c): fills findings, may call the backend. */
typedef void (*sk_state_fn)(struct sk_exec *x, const cJSON *args, const struct kb_strs *argn,
                            struct sk_findings *f);
struct sk_tool_state {
    const char *id;      /* catalogue id, e.g. "instances_running" */
    sk_state_fn fn;
    struct kb_strs args; /* the argument names it reads (borrowed from the knowledge) */
};

/* A handler turns validated arguments into a cloud call and its result. It returns ERR_OK
 * with *ret_result (a new object the caller owns), or an error with e describing it; x->last
 * holds the last cloud call's RequestId and API error. */
typedef err_code (*sk_handler_fn)(struct sk_exec *x, const cJSON *args, cJSON **ret_result,
                                  struct err *e);
/* An expander turns a composite tool's arguments into the one API call it plans and runs
 * (ecs_run_os_fix -> RunCommand with the fix's script), so plans, checks and the CLI line show
 * what will really be sent. *ret_args is new. */
typedef err_code (*sk_expand_fn)(const struct sk_tool *t, const cJSON *args, const char **ret_action,
                                 cJSON **ret_args, struct err *e);

/* One row of a skill file's table: the tool it serves and how. */
struct sk_handler {
    const char *tool;     /* catalogue name */
    sk_handler_fn fn;     /* NULL: sk_api_call (the tool's API action with its arguments) */
    sk_expand_fn expand;  /* NULL: the tool calls its own action */
};

/* The skill files' tables (NULL-terminated), one per file. */
extern const struct sk_handler sk_handlers_configure[];
extern const struct sk_handler sk_handlers_execute[];
extern const struct sk_handler sk_handlers_images[];
extern const struct sk_handler sk_handlers_recovery[];
extern const struct sk_handler sk_handlers_launch[];
extern const struct sk_handler sk_handlers_choose[];
extern const struct sk_handler sk_handlers_storage[];
extern const struct sk_handler sk_handlers_monitor[];
extern const struct sk_handler sk_handlers_troubleshoot[];

/* A tool as the registry holds it: the catalogue entry, compiled. Effects, limits, static
 * checks, secrets and wire modes are read from the entry itself. */
struct sk_tool {
    const struct kb_tool *entry;   /* the catalogue row (borrowed from the knowledge) */
    struct sk_tool_info info;      /* what tools/list shows */
    cJSON *schema_json;            /* inputSchema + confirmation_token for changing tools */
    sk_schema *schema;             /* compiled */
    struct sk_tool_state *state;   /* the entry's state checks, resolved */
    size_t nstate;
    const struct sk_handler *handler;
};

/* The registry (registry.c builds it; guard.c runs calls through it). */
struct sk_registry {
    const struct kb_product *product;
    cloud_client *cloud;
    char *backend;
    char *region;
    char *key_dir;              /* private keys of created key pairs go here */
    enum sk_mode mode;          /* resolved: never SK_MODE_DEFAULT */
    unsigned token_ttl_s;
    struct sk_policy *policy;
    struct sk_tokens *tokens;
    struct sk_audit *audit;
    struct sk_rate *rate;
    struct sk_tool *tools;
    size_t ntools;
    cJSON *output_schema;       /* the envelope every tool returns */
};

/* One call in flight: what handlers and state checks see. */
struct sk_exec {
    sk_registry *reg;
    const struct sk_tool *tool;
    const struct sk_hooks *hooks;
    const char *client_token;  /* derived from the confirmation token, or NULL */
    const char *action;        /* the API action this call runs (an expander may change it) */
    struct cloud_error last;   /* the last cloud call: its RequestId, and its error if any */
};

/* The generic handler: the tool's action with its arguments (skilld's own removed), the
 * ClientToken when the action takes one; the response without RequestId as the result. */
err_code sk_api_call(struct sk_exec *x, const cJSON *args, cJSON **ret_result, struct err *e);
/* One read for checks and composite tools: action with params (flattened as given), the
 * answer in *ret (caller frees). Errors as cloud_call, described in e. */
err_code sk_read(struct sk_exec *x, const char *action, const cJSON *params, cJSON **ret,
                 struct err *e);
/* The RegionId (or regionId) argument, or NULL. */
const char *sk_args_region(const cJSON *args);
/* The ids an argument holds (a string, an array, or a JSON-array string): a new array. */
cJSON *sk_args_ids(const cJSON *args, const char *name);
/* Deny every id in ids (an array of strings) that the policy's allow-list does not cover by
 * id or, after one read per resource, by tag. */
void sk_state_allowlist(struct sk_exec *x, const cJSON *args, const cJSON *ids,
                        struct sk_findings *f);
/* The state check with this catalogue id, or NULL. */
sk_state_fn sk_state_find(const char *id);
/* The handler row for a tool name across every skill file, or NULL. */
const struct sk_handler *sk_handler_find(const char *tool);
/* Every handler row of every skill file, for the "handler without an entry" check. */
size_t sk_handler_count(void);
const struct sk_handler *sk_handler_at(size_t i);

/* Check the documented limits of a catalogue entry over args (limits.c). */
void sk_limits_run(const sk_registry *r, const struct kb_tool *t, const cJSON *args,
                   struct sk_findings *f);

/* ---- Static checks (checks.c) -------------------------------------------------------------*/
struct sk_check_ctx {
    const struct sk_policy *policy;
    int want_description; /* the tool lists rule_description */
    int has_posture;      /* the tool lists ingress_posture or egress_posture */
};
typedef void (*sk_check_fn)(const struct sk_check_ctx *c, const cJSON *args,
                            struct sk_findings *f);

/* The static check with this catalogue id, or NULL. */
sk_check_fn sk_check_find(const char *id);
/* Run the static checks named in ids over args, appending findings. */
void sk_checks_run(const struct sk_policy *policy, const struct kb_strs *ids, const cJSON *args,
                   struct sk_findings *f);
/* Scan text for the policy's command patterns: one finding per pattern that matches, quoting
 * the match; fleet patterns only when targets > 1; severities capped at `cap`. subject starts
 * the message ("the command"). */
void sk_scan_content(const struct sk_policy *pol, const char *content, size_t targets,
                     const char *subject, enum sk_severity cap, struct sk_findings *f);

/* ---- Plans (plan.c) ------------------------------------------------------------------------ */

/* Compact JSON with object members sorted by name at every depth: the text a confirmation
 * token is bound to. New string. */
char *sk_canonical_json(const cJSON *v);
/* A deep copy of args with the values of secret arguments (the catalogue's `secret` list, and
 * any name containing "password", "secret", "privatekey" or "token" in any case) replaced by
 * "<redacted>". New tree. */
cJSON *sk_redact(const cJSON *args, const struct kb_strs *secret);
/* 1 if the argument name is secret by the rule above. */
int sk_secret_name(const char *name, const struct kb_strs *secret);
/* Flatten args into RPC parameters the way the entry's action takes them: wire "json"
 * arguments as one JSON text, "endpoint" and "local" ones and skilld's own
 * (confirmation_token, wait) left out, everything else flattened (arrays Name.N, objects
 * Name.Field). entry NULL flattens everything. ERR_INVALID / ERR_TOO_BIG naming the argument. */
err_code sk_wire_params(const cJSON *args, const struct kb_tool *entry, cloud_params *p,
                        struct err *e);
/* The equivalent aliyun CLI command line for product/action and the flattened parameters,
 * secret values shown as <redacted>, every value shell-quoted. New string. */
char *sk_cli_line(const char *product, const char *action, const cloud_params *p,
                  const struct kb_strs *secret);

/* ---- Helpers (util.c) -------------------------------------------------------------------- */
/* The string member k of o, or "" when absent or not a string. */
const char *sk_str(const cJSON *o, const char *k);
/* Standard Base64 (with or without padding, whitespace ignored) into a new NUL-terminated
 * buffer; ERR_PARSE on anything else, ERR_TOO_BIG past SK_CONTENT_MAX. */
err_code sk_base64_decode(const char *s, char **ret, size_t *ret_len);
/* Bytes of the Base64 encoding of n bytes. */
size_t sk_base64_len(size_t n);

#endif
