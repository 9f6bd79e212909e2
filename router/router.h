/* router.h - query -> (skill, path, confidence, entities, answer). Layer: router (uses
 * knowledge and base; no HTTP, no MCP, no cloud). A router is built once from a loaded
 * knowledge base and is read-only afterwards: any number of threads may call rt_route. */
#ifndef SKILLD_ROUTER_ROUTER_H
#define SKILLD_ROUTER_ROUTER_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "base/base.h"
#include "knowledge/kb.h"

/* Named limits. */
#define RT_QUERY_MAX 4096   /* characters (Unicode code points, what JSON Schema's maxLength
                               counts) in one query; the API answers 413 above it */
#define RT_QUERY_MAX_BYTES (4 * RT_QUERY_MAX) /* the most bytes RT_QUERY_MAX characters take */
#define RT_ENTITIES_MAX 32  /* entities kept per query */
#define RT_WARNINGS_MAX 8   /* limit warnings per answer */
#define RT_ALTS_MAX 3       /* alternatives per answer */
#define RT_TOOLS_MAX 4      /* suggested tools per answer */
#define RT_TOOL_ARGS_MAX 8  /* filled arguments per suggested tool */
#define RT_TEXT_MAX 96      /* bytes kept of an entity's text and value */
#define RT_ARG_MAX 512      /* bytes of one filled tool argument (JSON text) */

typedef struct rt_router rt_router;

/* What an extracted entity is. The names (rt_entity_kind_name) are API values. */
enum rt_entity_kind {
    RT_ENT_INSTANCE_ID,   /* i-...  */
    RT_ENT_SG_ID,         /* sg-... */
    RT_ENT_ENI_ID,        /* eni-... */
    RT_ENT_DISK_ID,       /* d-...  */
    RT_ENT_SNAPSHOT_ID,   /* s-...  */
    RT_ENT_IMAGE_ID,      /* m-...  */
    RT_ENT_POLICY_ID,     /* sp-... (automatic snapshot policy) */
    RT_ENT_COMMAND_ID,    /* c-...  */
    RT_ENT_INVOCATION_ID, /* t-...  */
    RT_ENT_REGION,        /* cn-hangzhou, ap-southeast-1 */
    RT_ENT_ZONE,          /* cn-hangzhou-h */
    RT_ENT_PORT,          /* 22, "port 443"; number = port */
    RT_ENT_PORT_RANGE,    /* 8000-8080; number, number2 = ends */
    RT_ENT_CIDR,          /* 10.0.0.0/8 */
    RT_ENT_SIZE,          /* 100KB, 2 TB, 40 GiB; number = bytes */
    RT_ENT_COUNT_INSTANCES, /* "60 instances", "20 台"; number = count */
    RT_ENT_COUNT_DISKS,   /* "20 块盘" */
    RT_ENT_COUNT_ACCOUNTS, /* "15 个账号" */
    RT_ENT_COUNT_REGIONS, /* "5 regions" */
    RT_ENT_API,           /* InvokeCommand, DescribeInstances */
    RT_ENT_IMAGE_FORMAT,  /* RAW, VHD, QCOW2, VMDK, ISO, OVA (value upper case) */
    RT_ENT_OS,            /* "Ubuntu 22.04", "Windows Server 2019" */
    RT_ENT_ERROR_CODE,    /* InvalidOperation.DeletionProtection, "ErrorCode ClientNotResponse" */
    RT_ENT_VSWITCH_ID,    /* vsw-... */
    RT_ENT_VPC_ID,        /* vpc-... */
    RT_ENT_SG_RULE_ID,    /* sgr-... */
    RT_ENT_EIP_ID,        /* eip-... */
    RT_ENT_INSTANCE_TYPE, /* ecs.g7.large */
    RT_ENT__COUNT
};

/* One entity found in the query. */
struct rt_entity {
    enum rt_entity_kind kind;
    char text[RT_TEXT_MAX];  /* as written in the query (truncated) */
    char value[RT_TEXT_MAX]; /* canonical form: the id, "443/443", "VMDK", "Ubuntu 22.04" */
    double number;           /* bytes, count or port; 0 when not numeric */
    double number2;          /* upper end of a port range; 0 otherwise */
};

/* A documented limit the query's entities collide with. */
struct rt_warning {
    const struct kb_limit *limit;     /* the limit (borrowed from the knowledge) */
    const struct rt_entity *entity;   /* the entity that collides (points into the result) */
    char text[384];                   /* one sentence for the user */
};

/* The next best (skill, path). */
struct rt_alt {
    const struct kb_skill *skill; /* borrowed */
    const struct kb_path *path;   /* borrowed */
    double confidence;            /* 0..1, on the same scale as the result's */
};

/* A catalogue tool worth calling, with arguments filled from the entities by its route.fill,
 * under the API's own names. */
struct rt_tool {
    const char *name;                      /* the entry's name (borrowed from the knowledge) */
    const struct kb_tool *entry;           /* the catalogue entry (borrowed) */
    size_t nargs;
    const char *arg_names[RT_TOOL_ARGS_MAX]; /* argument names (borrowed from the entry) */
    char arg_values[RT_TOOL_ARGS_MAX][RT_ARG_MAX]; /* values as JSON text: "\"443/443\"",
                                                    * [{"IpProtocol":"tcp",...}] */
};

/* Why a query was judged out of scope. */
enum rt_oos_reason {
    RT_OOS_NONE,         /* in scope */
    RT_OOS_NO_EVIDENCE,  /* nothing in it is about the product (gibberish, general questions) */
    RT_OOS_OTHER_TOPIC,  /* another product or cloud on its own terms */
    RT_OOS_CHIT_CHAT,    /* greetings, small talk, writing or translation requests */
    RT_OOS_INSTRUCTION,  /* an attempt to instruct the router itself */
};

/* Signals seen in a query (also when in scope): bits of rt_result.signals. */
enum {
    RT_SIG_TOPIC = 1u << 0,   /* a cue of another product's topic */
    RT_SIG_CHIT = 1u << 1,    /* chit-chat */
    RT_SIG_VETO = 1u << 2,    /* another cloud provider */
    RT_SIG_INSTR = 1u << 3,   /* an instruction to the router (its clause is ignored) */
    RT_SIG_REQUEST = 1u << 4, /* a request type that is not a question (translate, write) */
    RT_SIG_MIGRATE = 1u << 5, /* moving to the product from elsewhere */
    RT_SIG_FAIL = 1u << 6,    /* a failure signal (error, fails, 报错, an error code) */
    RT_SIG_HOWTO = 1u << 7,   /* a how/where question */
    RT_SIG_PROG = 1u << 8,    /* a programmatic method named (api, sdk, script) */
    RT_SIG_SCHED = 1u << 9,   /* a schedule ("every 5 minutes") */
    RT_SIG_BULK = 1u << 10,   /* many resources ("all instances", 40 disks) */
    RT_SIG_CAMEL = 1u << 11,  /* a CamelCase field or status name (InvocationStatus) */
    RT_SIG_OWN_API = 1u << 12, /* an API operation that a path of the product owns */
    RT_SIG_COMMAND = 1u << 13, /* an imperative on named resources: act now */
    RT_SIG_PAYLOAD = 1u << 14, /* shell text, file content or names to pass on (masked) */
    RT_SIG_CONSOLE = 1u << 15, /* the console named as the way to do it */
};

/* Evidence classes: what in a query says it is about the product (bits of
 * rt_debug.anchors). Ordinary words shared with a skill are not among them. */
enum {
    RT_EV_ID = 1u << 0,      /* a resource id (i-, sg-, d-, ...) or instance type */
    RT_EV_API = 1u << 1,     /* an API operation of the product */
    RT_EV_NAME = 1u << 2,    /* the product's own name (ECS, 云服务器) */
    RT_EV_VOCAB = 1u << 3,   /* skill vocabulary (security group, 快照策略, ESSD) */
    RT_EV_REGION = 1u << 4,  /* a region or zone id (cn-hangzhou) */
};

/* The answer to one query. Pointers borrow from the router's knowledge, which must
 * outlive the result. Plain data: copy it, keep it on the stack, no free needed. Each
 * array holds valid items only up to its count (entities[0..nentities), ...). */
struct rt_result {
    const struct kb_product *product; /* the product asked about */
    const struct kb_skill *skill;     /* chosen skill, or NULL when out of scope */
    const struct kb_path *path;       /* chosen path, or NULL when out of scope */
    double confidence;                /* 0..1: how sure the router is of this answer */
    enum rt_oos_reason oos;           /* RT_OOS_NONE when in scope */
    const struct kb_oos *oos_topic;   /* the matched out-of-scope topic, or NULL */
    int typos;                        /* words corrected by the typo index */
    unsigned signals;                 /* RT_SIG_* seen (also when out of scope) */
    size_t payload_off, payload_len;  /* the payload's bytes in the query (len 0: none):
                                         shell text to run or file content, as written */
    const char *action;               /* the API action a command names ("CreateSnapshot",
                                         static string), or NULL; RT_SIG_COMMAND is set */
    char lang[8];                     /* "en", "zh" or "mixed" */
    struct rt_entity entities[RT_ENTITIES_MAX];
    size_t nentities;
    struct rt_warning warnings[RT_WARNINGS_MAX];
    size_t nwarnings;
    struct rt_alt alts[RT_ALTS_MAX];
    size_t nalts;
    struct rt_tool tools[RT_TOOLS_MAX];
    size_t ntools;
};

/* Diagnostics of one routing decision (rt_route_debug); not part of any response. */
#define RT_DEBUG_SKILLS 16
struct rt_debug {
    double evidence;          /* product evidence outside masked spans */
    double evidence_all;      /* product evidence of the whole query */
    double evidence_specific; /* evidence outside masks, without generic terms */
    unsigned anchors;         /* RT_EV_* classes seen outside masked spans */
    char anchor[64];          /* the first vocabulary or name phrase that is an anchor */
    int vocab;                /* spans of skill vocabulary, ordinary words included */
    int nanchor;              /* vocabulary or name phrases that are anchors */
    const char *action;       /* the API action a command names, or NULL */
    double raw;               /* the confidence score before calibration */
    double skill_margin;      /* (best - second) / best skill score */
    double path_margin;       /* (best - second) / |best| path score in the chosen skill */
    int agree;                /* 1 if a command's action belongs to the chosen skill */
    int path_from_cues;       /* 1 if the path came from the query, 0 if the default */
    size_t nskills;
    double skill_score[RT_DEBUG_SKILLS]; /* each skill's score, in knowledge order */
};

/* Tuning knobs; rt_router_new uses rt_default_options(). */
struct rt_options {
    double oos_min_evidence; /* below this evidence a query is out of scope */
    double oos_min_specific; /* ... and below this specific (non-generic) evidence */
    double oos_request_margin; /* a request type needs this much specific evidence */
    double oos_topic_margin; /* an OOS cue wins unless evidence beyond it exceeds this */
    double oos_chit_margin;  /* chit-chat wins unless evidence beyond it exceeds this */
    double oos_veto_override; /* evidence beyond an other-cloud name that keeps it in scope */
    double path_margin;      /* a non-default path needs this much more than the default */
};
struct rt_options rt_default_options(void);

/* Build a router over every product of kb (borrowed: it must outlive the router).
 * opts may be NULL for the defaults. ERR_INVALID with e set if the knowledge is unusable;
 * ERR_INTERNAL if a pattern fails to compile. */
err_code rt_router_new(const struct kb *kb, const struct rt_options *opts, rt_router **ret,
                       struct err *e);
/* Free the router. Accepts NULL. */
void rt_router_free(rt_router *r);
/* The knowledge the router was built over. */
const struct kb *rt_router_kb(const rt_router *r);

/* Route one query (len bytes of UTF-8) for product (NULL means "ecs"). Fills *ret.
 * ERR_INVALID: empty query or invalid UTF-8; ERR_TOO_BIG: over RT_QUERY_MAX
 * characters;
 * ERR_NOT_FOUND: unknown product. Thread-safe. */
err_code rt_route(const rt_router *r, const char *product, const char *query, size_t len,
                  struct rt_result *ret, struct err *e);
/* rt_route, and when dbg is not NULL the diagnostics of the decision into *dbg. */
err_code rt_route_debug(const rt_router *r, const char *product, const char *query, size_t len,
                        struct rt_result *ret, struct rt_debug *dbg, struct err *e);

/* The /api/route response object for a result (new tree, caller deletes): product, skill,
 * path, confidence, answer, facts, warnings, alternatives, tools, entities. */
cJSON *rt_result_json(const struct rt_result *res);
/* The answer as Markdown (new string, caller frees). */
char *rt_result_markdown(const struct rt_result *res);
/* A short plain-text rendering for terminals (new string, caller frees). */
char *rt_result_text(const struct rt_result *res);

/* A skill's whole page as Markdown (new string) and as JSON (new tree). */
char *rt_skill_markdown(const struct kb_product *p, const struct kb_skill *s);
cJSON *rt_skill_json(const struct kb_product *p, const struct kb_skill *s);
/* Every limit of the product as a JSON array (new tree). */
cJSON *rt_limits_json(const struct kb_product *p);

/* ---- A skill as an Agent Skill (skillpack.c) ------------------------------------------
 * SKILL.md (YAML frontmatter: name = the skill id, description = its summary, metadata;
 * then the page an agent reads first) and reference files beside it: references/paths.md,
 * limits.md, faq.md, tools.md and zh.md (the skill in Chinese). The same knowledge always
 * gives the same bytes. */
#define RT_SKILL_FILES_MAX 8
struct rt_skill_file {
    char *path;            /* "SKILL.md", "references/paths.md", ... (owned) */
    const char *mime_type; /* static: "text/markdown" */
    char *text;            /* UTF-8 (owned) */
};
/* Fill out with s's files (SKILL.md first); returns how many. Free with rt_skill_files_free. */
size_t rt_skill_files(const struct kb_product *p, const struct kb_skill *s,
                      struct rt_skill_file out[RT_SKILL_FILES_MAX]);
void rt_skill_files_free(struct rt_skill_file *f, size_t n);
/* SKILL.md's frontmatter as JSON, equal field for field to its YAML (new tree). */
cJSON *rt_skill_frontmatter(const struct kb_product *p, const struct kb_skill *s);

/* The API name of an entity kind ("instance_id", "size", ...). */
const char *rt_entity_kind_name(enum rt_entity_kind k);

/* ---- Exposed for tests and tools ---------------------------------------------------- */

/* Normalise text: full-width to half-width, ASCII lower case, punctuation to spaces,
 * runs of spaces collapsed. Returns a new string. */
char *rt_normalize(const char *s, size_t len);
/* The query's tokens after normalisation, typo correction, stemming, stop words and
 * synonym expansion, space-separated (synonym canonicals as "=canonical"). New string. */
char *rt_debug_tokens(const rt_router *r, const char *product, const char *query);
/* Extract entities from s into out (at most max); returns how many. Thread-safe. */
size_t rt_extract(const rt_router *r, const char *s, size_t len, struct rt_entity *out,
                  size_t max);

#endif
