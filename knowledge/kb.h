/* kb.h - the knowledge base: a typed, read-only model of the knowledge/<product> JSON files (skills,
 * paths, cues, steps, facts, limits, FAQ, synonyms) and the product's one tool catalogue
 * (_tools.json). Layer: knowledge (uses base only).
 * The files are embedded in the binary at build time; a directory may replace them. */
#ifndef SKILLD_KNOWLEDGE_KB_H
#define SKILLD_KNOWLEDGE_KB_H

#include <stddef.h>

#include "base/base.h"

/* Named limits on what the loader accepts (checked before work). */
#define KB_FILE_MAX (1024 * 1024)   /* bytes in one knowledge file */
#define KB_FILES_MAX 256            /* files in one product folder */
#define KB_PRODUCTS_MAX 32          /* product folders */
#define KB_STRING_MAX 4096          /* bytes in one string of a file */
#define KB_JSON_DEPTH_MAX 16        /* nesting of a file */
#define KB_TOOLS_MAX 512            /* entries in one product's tool catalogue */
#define KB_ARG_PATH_MAX 128         /* bytes of an argument path ("Permissions[].PortRange") */

struct cJSON;
struct kb_tool;

/* A list of strings (owned by the model). */
struct kb_strs {
    char **v; /* v[0..n) NUL-terminated UTF-8 */
    size_t n; /* number of strings */
};

/* One documented limit. A range has has_max = 1; an enum has values. */
struct kb_limit {
    const char *id;         /* unique across the product, e.g. "sg_per_instance" */
    const char *name;       /* human name */
    double value;           /* the number, or the minimum of a range (0 for an enum) */
    double max;             /* the maximum of a range (valid when has_max) */
    int has_max;            /* 1 when the limit is a range [value, max] */
    const char *unit;       /* count, bytes, GiB, TiB, chars, days, state, scope, enum */
    const char *applies_to; /* the thing limited (instance, command, image, ...) or "" */
    const char *entity;     /* extracted entity compared with it (size_bytes, ...) or NULL */
    const char *text;       /* one sentence stating the limit */
    const char *text_zh;    /* the same in Chinese, or "" */
    struct kb_strs values;  /* accepted values of an enum limit (empty otherwise) */
    struct kb_strs paths;   /* path ids the limit is worth a warning on (empty: every path) */
    const char *skill_id;   /* id of the skill file that defines it */
};

/* One path of a skill's decision tree. */
struct kb_path {
    const char *id;             /* path id from LABELS.md, e.g. "console" */
    const char *title;          /* English title */
    const char *title_zh;       /* Chinese title, or "" */
    const char *best_for;       /* one sentence, or "" */
    struct kb_strs cues;        /* words and phrases that pick this path */
    struct kb_strs steps;       /* imperative steps, in order */
    struct kb_strs facts;       /* key facts */
    struct kb_strs limitations; /* known limitations */
    struct kb_strs tools;       /* catalogue tool names */
    const struct kb_tool **tool_entries; /* [tools.n] the catalogue entry of each name, or
                                          * NULL for a name the catalogue lacks */
    /* Chinese versions for answers to Chinese questions: "" or empty when absent, else item
     * for item the same as the English lists (the checker enforces it). Never indexed for
     * routing: they only change the language of the answer. */
    const char *best_for_zh;
    struct kb_strs steps_zh;
    struct kb_strs facts_zh;
    struct kb_strs limitations_zh;
};

/* One FAQ entry. */
struct kb_faq {
    const char *q; /* question */
    const char *a; /* answer */
};

/* One skill (one file). */
struct kb_skill {
    const char *id;                 /* e.g. "ecs-configure-instance" */
    const char *title;              /* English title */
    const char *title_zh;           /* Chinese title, or "" */
    const char *summary;            /* two or three sentences */
    const char *summary_zh;         /* the summary in Chinese, or "" */
    struct kb_strs use_when;        /* when to use it */
    struct kb_strs not_when;        /* when not to (naming the other skill) */
    struct kb_strs keywords;        /* skill-level cues, English and Chinese */
    struct kb_strs typical_questions; /* example questions */
    const struct kb_path *default_path; /* one of paths */
    struct kb_path *paths;          /* paths[0..npaths) */
    size_t npaths;
    struct kb_limit *limits;        /* limits[0..nlimits) defined in this file */
    size_t nlimits;
    struct kb_faq *faq;             /* faq[0..nfaq) */
    size_t nfaq;
    struct kb_strs tools;           /* tool names used by the skill as a whole */
};

/* An out-of-scope topic: another product or cloud, with where it belongs. */
struct kb_oos {
    const char *topic;    /* e.g. "Managed databases (RDS, PolarDB)" */
    const char *redirect; /* one sentence: what to use instead */
    const char *redirect_zh; /* the same in Chinese, or "" */
    struct kb_strs cues;  /* words that mean this topic */
};

/* A synonym group: every term stands for the canonical token. */
struct kb_syn {
    const char *canonical; /* e.g. "security-group" */
    struct kb_strs terms;  /* phrases, matched after normalisation */
};

/* ---- The tool catalogue (knowledge/<product>/_tools.json) -------------------------
 * One entry per MCP tool: its name, the API action behind it, its input schema under the
 * API's own parameter names, how arguments travel on the wire, which documented limits and
 * guardrail checks apply, and how the router fills its arguments from a query. tools/list,
 * tools/call, the guardrails and the router's suggestions all read these entries. */

/* What a call does to the account. */
enum kb_effect {
    KB_EFFECT_READ,        /* reads only */
    KB_EFFECT_WRITE,       /* changes something that can be changed back or is additive */
    KB_EFFECT_DESTRUCTIVE, /* deletes, releases or overwrites: cannot be undone */
};

/* How a limit measures the argument it points at. */
enum kb_measure {
    KB_MEASURE_ITEMS,         /* array length, or the length of a JSON-array string */
    KB_MEASURE_BASE64_BYTES,  /* bytes after Base64 encoding; the value's own length when a
                               * sibling ContentEncoding or ContentType is "Base64" */
    KB_MEASURE_DECODED_BYTES, /* bytes of a value the API always takes in Base64, once decoded
                               * (UserData) */
    KB_MEASURE_CHARS,         /* code points of a string */
    KB_MEASURE_VALUE,         /* the number, compared with value (or [value, max]) */
    KB_MEASURE_ENUM,          /* case-insensitive membership in the limit's values */
};

/* How one argument travels to the API. */
enum kb_wire {
    KB_WIRE_FLAT,     /* default: arrays -> Name.N, objects -> Name.Field, scalars as text */
    KB_WIRE_JSON,     /* the whole value as one JSON text (RunCommand Parameters) */
    KB_WIRE_ENDPOINT, /* not a parameter of the action: picks the regional endpoint only
                       * (RegionId of StartInstance, ResetDisk ...) */
    KB_WIRE_LOCAL,    /* skilld's own argument, never sent (wait) */
};

/* The router's entity vocabulary for route.fill ("from"). The first group is extracted by
 * the router today; the rest are named now so the catalogue is complete and are filled
 * once the router extracts them. kb_source_name() gives the JSON spelling. */
enum kb_source {
    KB_SRC_INSTANCE_ID, KB_SRC_SECURITY_GROUP_ID, KB_SRC_ENI_ID, KB_SRC_DISK_ID,
    KB_SRC_SNAPSHOT_ID, KB_SRC_IMAGE_ID, KB_SRC_SNAPSHOT_POLICY_ID, KB_SRC_COMMAND_ID,
    KB_SRC_INVOCATION_ID, KB_SRC_REGION, KB_SRC_ZONE, KB_SRC_PORT, KB_SRC_PORT_RANGE,
    KB_SRC_PROTOCOL, KB_SRC_CIDR, KB_SRC_SIZE_GIB, KB_SRC_COUNT, KB_SRC_IMAGE_FORMAT,
    /* named for the next round of extraction */
    KB_SRC_COMMAND_CONTENT, KB_SRC_COMMAND_TYPE, KB_SRC_FILE_NAME, KB_SRC_FILE_CONTENT,
    KB_SRC_TARGET_DIR, KB_SRC_ACCOUNT_ID, KB_SRC_INSTANCE_TYPE, KB_SRC_KEY_PAIR_NAME,
    KB_SRC_NAME, KB_SRC_DESCRIPTION, KB_SRC_RETENTION_DAYS, KB_SRC_TIME_POINTS,
    KB_SRC_WEEKDAYS, KB_SRC_PERFORMANCE_LEVEL, KB_SRC_TIMEOUT_S, KB_SRC_FREQUENCY,
    KB_SRC_VSWITCH_ID, KB_SRC_VPC_ID, KB_SRC_IP_ADDRESS, KB_SRC_STOPPED_MODE, KB_SRC_FORCE,
    KB_SRC_AMOUNT, KB_SRC_DEST_REGION, KB_SRC_BUCKET, KB_SRC_EVENT_TYPE,
    KB_SRC__COUNT
};

/* How a filled value is written (route.fill "as"). */
enum kb_fill_as {
    KB_AS_STRING,     /* the first value, as a JSON string */
    KB_AS_NUMBER,     /* the first value's number */
    KB_AS_INTEGER,    /* the first value's number, rounded */
    KB_AS_BOOLEAN,    /* true unless the value says false/no/0 */
    KB_AS_LIST,       /* a JSON array of every value */
    KB_AS_JSON_LIST,  /* the same array as JSON text inside a string (InstanceIds) */
    KB_AS_PORT_RANGE, /* "443/443" from a port, "8000/8080" from a range */
    KB_AS_PROTOCOL,   /* "tcp" unless the query says udp, icmp or all */
};

/* A path to an argument: "Name" (the argument), "Name[].Field" (Field of every item of the
 * array Name), "Name[0].Field" (Field of the first item only). */
struct kb_arg_path {
    const char *text;  /* as written */
    const char *name;  /* the top-level argument */
    const char *field; /* the field inside an item, or NULL */
    int first_only;    /* 1 for "[0]" */
};

/* A documented limit applied to one argument. */
struct kb_tool_limit {
    const struct kb_limit *limit; /* resolved; never NULL in a loaded model */
    const char *limit_id;         /* the id as written */
    struct kb_arg_path arg;
    enum kb_measure measure;
    double *except;  /* except[0..nexcept): values the API documents as sentinels (-1 =
                      * keep forever) that pass whatever the limit says */
    size_t nexcept;
};

/* A guardrail check that reads state through the API before a call. */
struct kb_tool_state {
    const char *check;   /* instances_running, disk_grows, ... */
    struct kb_strs args; /* the arguments it reads, in order */
};

/* "Name=value": the call becomes destructive when argument Name has this value. */
struct kb_tool_when {
    const char *arg;   /* argument name */
    const char *value; /* its value as JSON text ("true", "\"StopCharging\"") */
};

/* How the router fills one argument. */
struct kb_tool_fill {
    struct kb_arg_path arg;  /* "SecurityGroupId", "Permissions[].PortRange" */
    enum kb_source from;
    enum kb_fill_as as;
};

/* How one argument travels, when not flattened. */
struct kb_tool_wire {
    const char *arg;
    enum kb_wire mode;
};

/* A scripted fix of a composite tool (ecs_run_os_fix): data, run through RunCommand. */
struct kb_tool_fix {
    const char *id;           /* the value of the tool's Fix argument */
    const char *title;
    const char *os;           /* "linux" or "windows" */
    const char *command_type; /* RunShellScript, RunPowerShellScript, RunBatScript */
    const char *script;       /* plain text */
};

/* One catalogue entry. Strings and trees are owned by the model. */
struct kb_tool {
    const char *name;        /* "ecs_" + snake_case action, or a composite's own name */
    size_t file_index;       /* position in _tools.json (for messages) */
    const char *title;
    const char *description; /* written for a model */
    const char *skill_id;    /* the skill that owns the tool */
    const char *product;     /* api.product: "ecs" */
    const char *action;      /* api.action ("AuthorizeSecurityGroup"), NULL for a composite */
    struct kb_strs calls;    /* api.calls: the actions a composite makes (empty otherwise) */
    int dry_run;             /* api.dry_run: plan with DryRun=true first */
    int client_token;        /* api.client_token: skilld sends a ClientToken */
    enum kb_effect effect;
    struct kb_tool_when *destructive_when; /* [ndestructive_when] */
    size_t ndestructive_when;
    int read_only_hint, destructive_hint, idempotent_hint, open_world_hint; /* annotations */
    const struct cJSON *input_schema; /* JSON Schema 2020-12 object schema (owned by the kb) */
    const char *input_schema_text;    /* the same, compact */
    struct kb_tool_wire *wire; /* [nwire] arguments not flattened */
    size_t nwire;
    struct kb_strs secret;     /* arguments redacted in plans, logs and audit records */
    struct kb_tool_limit *limits; /* [nlimits] */
    size_t nlimits;
    struct kb_strs checks;     /* static guardrail checks by id */
    struct kb_tool_state *state; /* [nstate] state checks */
    size_t nstate;
    struct kb_strs cues;       /* route.cues: phrases naming this action (en and zh) */
    struct kb_tool_fill *fill; /* [nfill] route.fill */
    size_t nfill;
    struct kb_tool_fix *fixes; /* [nfixes] composite fixes, empty otherwise */
    size_t nfixes;
};

/* One product (one folder). */
struct kb_product {
    const char *id;           /* folder / "product" value, e.g. "ecs" */
    const char *title;        /* "Elastic Compute Service (ECS)" */
    const char *summary;      /* one paragraph */
    struct kb_strs terms;     /* words that say "this is about the product" */
    struct kb_strs names;     /* the product's own names ("ecs", "云服务器"): evidence alone */
    struct kb_strs ordinary;  /* everyday words of the knowledge ("image", "stop", "端口"):
                                 never evidence of the product on their own */
    struct kb_oos *oos;       /* oos[0..noos) */
    size_t noos;
    struct kb_strs chit_chat; /* greetings and small talk */
    struct kb_strs requests;  /* request types that are not questions: translate, write, poem */
    struct kb_strs other_clouds; /* names of other cloud providers and their products */
    struct kb_strs injection; /* phrases that try to instruct the router itself */
    struct kb_strs migration; /* cues of moving to the product ("migrate", "迁移") */
    struct kb_strs failure;   /* failure signals: "fails", "报错", "doesn't work" */
    struct kb_strs failure_paths; /* path ids that answer failures ("troubleshoot", "fix") */
    struct kb_strs programmatic; /* "sdk", "terraform", "脚本": the asker works through code */
    struct kb_strs programmatic_paths; /* path ids that answer through code ("api") */
    struct kb_strs how_to;    /* "how do I", "在哪": questions a skill's default path answers */
    struct kb_strs scheduling; /* "every # minutes", "每隔": runs on a schedule ('#' = a number) */
    struct kb_strs scheduling_paths; /* "skill-id/path-id" refs that answer scheduled runs */
    struct kb_strs bulk;      /* "all instances", "所有实例": work on many resources at once */
    struct kb_strs bulk_paths; /* "skill-id/path-id" refs that answer work on many resources */
    struct kb_syn *syns;      /* syns[0..nsyns) */
    size_t nsyns;
    struct kb_skill *skills;  /* skills[0..nskills), sorted by id */
    size_t nskills;
    struct kb_tool *tools;    /* tools[0..ntools): the catalogue, in file order */
    size_t ntools;
};

/* The whole model; opaque. Read-only once loaded, so any number of threads may read it. */
struct kb;

/* Load the knowledge embedded at build time into *ret (caller frees with kb_free).
 * ERR_NOT_FOUND when nothing was embedded; ERR_PARSE / ERR_INVALID with e naming the file
 * and field when a file is malformed. */
err_code kb_load_embedded(struct kb **ret, struct err *e);

/* Load from a directory: either a folder of product folders (knowledge/) or one product
 * folder (knowledge/ecs/, recognised by its _product.json). Same errors as above, plus
 * ERR_IO for an unreadable folder and ERR_TOO_BIG past the KB_* limits. */
err_code kb_load_dir(const char *dir, struct kb **ret, struct err *e);

/* Free the model. Accepts NULL. */
void kb_free(struct kb *kb);

/* Products, in folder-name order. */
size_t kb_product_count(const struct kb *kb);
const struct kb_product *kb_product_at(const struct kb *kb, size_t i);
/* The product with this id, or NULL. */
const struct kb_product *kb_product_find(const struct kb *kb, const char *id);
/* The skill with this id in p, or NULL. */
const struct kb_skill *kb_skill_find(const struct kb_product *p, const char *id);
/* The path with this id in s, or NULL. */
const struct kb_path *kb_path_find(const struct kb_skill *s, const char *id);
/* The limit with this id anywhere in p, or NULL (the guardrails read limits this way). */
const struct kb_limit *kb_limit_find(const struct kb_product *p, const char *id);

/* Validate knowledge: dir (as for kb_load_dir), or the embedded files when dir is NULL.
 * Appends one line per problem to out ("ecs/ecs-x.json: paths[1]: ...") and writes the
 * number of problems to *ret_count. Checks the schema, ids against the routing labels,
 * duplicate ids, tool names against the catalogue, the catalogue's own rules (names, effects,
 * schemas, limits, checks, fill rows; knowledge/SCHEMA.md), reachability of every path and
 * string hygiene.
 * Returns ERR_OK when the check ran (whatever it found), ERR_IO if dir is unreadable. */
err_code kb_check(const char *dir, struct buf *out, size_t *ret_count);

/* The catalogue entry named name in p, or NULL. */
const struct kb_tool *kb_tool_find(const struct kb_product *p, const char *name);
/* The first catalogue entry whose api.action is action (composites never match), or NULL. */
const struct kb_tool *kb_tool_by_action(const struct kb_product *p, const char *action);
/* The JSON spelling of a route.fill source ("instance_id"); "" past KB_SRC__COUNT. */
const char *kb_source_name(enum kb_source s);
/* The JSON spellings of the other catalogue enums. */
const char *kb_effect_name(enum kb_effect e);
const char *kb_measure_name(enum kb_measure m);
const char *kb_fill_as_name(enum kb_fill_as a);
const char *kb_wire_name(enum kb_wire w);
/* 1 if id names a static guardrail check (ingress_posture ...), 2 a state check
 * (instances_running ...), 0 neither. The guardrails implement exactly these. */
int kb_check_kind(const char *id);

#endif
