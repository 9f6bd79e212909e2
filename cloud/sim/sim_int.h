/* sim_int.h - private interfaces of the ECS simulator: request parameters, the state store,
 * the operation table and the helpers operation handlers share. Layer: cloud (private). */
#ifndef SKILLD_CLOUD_SIM_INT_H
#define SKILLD_CLOUD_SIM_INT_H

#include "base/base.h"
#include "cloud/sim/sim.h"

#include <cjson/cJSON.h>
#include <stdint.h>

/* ---- Named limits (every user-controlled size is checked before work) ---------------- */
#define SIM_MAX_BODY (512u * 1024u)     /* request body bytes */
#define SIM_MAX_PARAMS 1024u            /* parameters in one request */
#define SIM_MAX_PARAM_KEY 128u          /* bytes in one parameter name */
#define SIM_MAX_PER_KIND 2000u          /* resources of one kind in the whole state */
#define SIM_MAX_TOKENS 1000u            /* remembered ClientTokens (oldest dropped) */
#define SIM_MAX_TOKEN_LEN 64u           /* ClientToken length */
#define SIM_MAX_OUTPUT 24576u           /* bytes of simulated command output kept per instance */
#define SIM_MAX_STATE_FILE (64u << 20)  /* bytes of a seed or state file */
#define SIM_DEFAULT_TRANSITION_MS 3000u /* one timed transition (Stopping -> Stopped, ...) */
#define SIM_MAX_TAGS 20u                /* Tag.N of one call; tags on one resource */
#define SIM_MAX_TAG_LEN 128u            /* characters of a tag key or value */
#define SIM_MAX_FILTERS 10u             /* Filter.N of one Describe call */
#define SIM_MAX_BANDWIDTH_OUT 100       /* InternetMaxBandwidthOut, Mbit/s */
#define SIM_MAX_BANDWIDTH_IN 200        /* InternetMaxBandwidthIn, Mbit/s */
#define SIM_VCPU_QUOTA 500              /* vCPUs of the instances of one region */

/* ---- Parameters ------------------------------------------------------------------------ */
struct sim_param {
    char *key; /* decoded name, e.g. "InstanceId.1" */
    char *val; /* decoded value */
};

/* The decoded parameters of one request (query string and/or form body). */
struct sim_params {
    struct sim_param *v; /* owned array */
    size_t n;            /* used entries */
    size_t cap;          /* allocated entries */
};

void sim_params_init(struct sim_params *p);
void sim_params_release(struct sim_params *p);
/* Add one decoded pair; a repeated name replaces the earlier value. ERR_TOO_BIG past the limits. */
err_code sim_params_add(struct sim_params *p, const char *key, const char *val);
/* Decode `k=v&k2=v2` (percent-encoding, '+' = space) and add every pair. */
err_code sim_params_parse_form(struct sim_params *p, const char *s, size_t len);
/* The value of `key` or NULL. */
const char *sim_params_get(const struct sim_params *p, const char *key);
/* Sort by name (byte order), the order of the V3 canonical query string. */
void sim_params_sort(struct sim_params *p);

/* ---- Signature verification (auth.c) ---------------------------------------------------- */
/* What the HTTP layer hands to the verifier: the request line, headers and body. */
struct sim_http_req {
    const char *method;             /* "POST" or "GET" */
    const char **hdr_names;         /* every request header, names lowercased */
    const char **hdr_values;        /* their values */
    size_t hdr_n;                   /* count of headers */
    const struct sim_params *query; /* decoded query parameters (not the body's) */
    const char *body;               /* raw body bytes (may be empty) */
    size_t body_len;
};

/* A protocol-level failure: HTTP status, error Code and Message for the JSON error body. */
struct sim_fail {
    int status;
    char code[96];
    char msg[384];
};

struct sim_auth;
struct sim_auth *sim_auth_new(const char *key_id, const char *secret);
void sim_auth_free(struct sim_auth *a);
/* Verify the V3 signature, the date window (±15 min of now_ms) and the nonce. ERR_OK, or
 * ERR_DENIED with *f filled with the code a real gateway answers. */
err_code sim_auth_verify(struct sim_auth *a, const struct sim_http_req *r, uint64_t now_ms,
                         struct sim_fail *f);
/* The value of header `name` (lowercase) or NULL. */
const char *sim_http_header(const struct sim_http_req *r, const char *name);

/* ---- State ------------------------------------------------------------------------------- *
 * The whole simulated account is one cJSON tree in the same shape as the seed and state
 * files (see demo-region.json). Resources keep their fields under the names the real API
 * answers with; fields that start with '_' are internal and never leave the simulator.
 * A resource may carry "_Transitions": [{"At": ms, "Set": {...}}, ...]; sim_state_tick applies
 * every due entry, which is how timed transitions (Stopping -> Stopped ...) happen. */
struct sim_state;

/* Parse a seed or state document (json[len] must be its terminating NUL). ERR_PARSE with a message naming `what` when it is not a
 * valid simulator state. */
err_code sim_state_new(const char *json, size_t len, const char *what, unsigned transition_ms,
                       struct sim_state **ret, struct err *e);
void sim_state_free(struct sim_state *st);
/* The state tree (borrowed; replaced by sim_state_call after each successful write). */
cJSON *sim_state_root(struct sim_state *st);
unsigned sim_state_transition_ms(const struct sim_state *st);
/* Install `root` as the new state tree and return the old one (the caller deletes it). */
cJSON *sim_state_swap_root(struct sim_state *st, cJSON *root);
/* Serialise the whole state (caller frees). */
char *sim_state_dump(const struct sim_state *st);
/* The embedded demo region (cloud/sim/demo-region.json, built in). */
extern const char sim_demo_region_json[];
extern const size_t sim_demo_region_json_len;
/* Write `data` to `path` atomically: temp file in the same directory, fsync, rename, fsync dir. */
err_code sim_write_atomic(const char *path, const char *data, size_t len, struct err *e);
/* Read a whole file up to `max` bytes (caller frees). ERR_NOT_FOUND when it does not exist. */
err_code sim_read_file(const char *path, size_t max, char **ret, size_t *ret_len, struct err *e);

/* The result of one operation call. */
struct sim_reply {
    int status;   /* HTTP status */
    cJSON *body;  /* response object (RequestId first); owned by the caller */
    int mutated;  /* 1 when the state changed and should be persisted */
};

/* Run one operation against the state: the transport-free core of the simulator. `version`
 * selects the product (ECS 2014-05-26, VPC 2016-04-28); `host` names the endpoint in HostId.
 * Always fills *ret (errors are replies too). */
void sim_state_call(struct sim_state *st, const char *action, const char *version,
                    const struct sim_params *p, const char *host, uint64_t now_ms,
                    struct sim_reply *ret);

/* ---- Operation handlers ------------------------------------------------------------------ */
struct sim_ctx {
    struct sim_state *st;
    cJSON *root;                 /* the state tree */
    const struct sim_params *p;  /* request parameters */
    uint64_t now;                /* wall clock, ms */
    unsigned transition_ms;      /* duration of one timed transition */
    const char *region;          /* RegionId parameter (validated when present) or NULL */
    cJSON *out;                  /* the response object handlers add fields to */
    struct sim_fail fail;        /* set by sim_fail */
    int dry_run;                 /* 1 while a DryRun check runs (on a scratch copy) */
};

typedef err_code (*sim_op_fn)(struct sim_ctx *c);

/* DryRun support of an operation (§3.7 of the notes). */
enum sim_dry { SIM_DRY_NONE, SIM_DRY_OP, SIM_DRY_BATCH };

/* One row of the operation table.
 *
 * `params` lists, separated by spaces, every request parameter the operation accepts besides
 * the common ones (RegionId, DryRun, the owner parameters, and ClientToken when `token` is
 * set); "N" stands for a list index ("Tag.N.Key" accepts "Tag.3.Key"). The dispatcher refuses
 * any other parameter by name before the handler runs: a filter or option of the real API that
 * the simulator does not implement is answered InvalidParameter "... is not supported by the
 * simulator", never silently ignored (a Describe that ignored a filter would return
 * everything, and an action on what it returned would reach too far). A parameter is listed
 * only when the handler implements it or when it has no effect the simulated state could
 * show (ForceStop, AcceptLanguage, ...). */
struct sim_op {
    const char *action;  /* x-acs-action */
    const char *version; /* x-acs-version (selects ECS or VPC) */
    sim_op_fn fn;        /* handler */
    int mutating;        /* 1 = changes state (persist after success) */
    enum sim_dry dry;    /* DryRun support */
    int token;           /* 1 = honours ClientToken */
    int region;          /* 1 = RegionId required */
    const char *params;  /* accepted parameters (see above) */
};

extern const struct sim_op sim_ops_instances[];
extern const struct sim_op sim_ops_network[];
extern const struct sim_op sim_ops_rules[];
extern const struct sim_op sim_ops_eni[];
extern const struct sim_op sim_ops_assist[];
extern const struct sim_op sim_ops_images[];
extern const struct sim_op sim_ops_disks[];
extern const struct sim_op sim_ops_volumes[];
extern const struct sim_op sim_ops_policies[];
extern const struct sim_op sim_ops_launch[];
extern const struct sim_op sim_ops_modify[];
extern const struct sim_op sim_ops_health[];
extern const struct sim_op sim_ops_keypairs[];
extern const struct sim_op sim_ops_tags[];
extern const struct sim_op sim_ops_files[];

/* Every operation table, NULL-terminated (dispatch.c); tests walk it. */
extern const struct sim_op *const sim_op_tables[];

/* Record a failure and return the matching err_code. */
err_code sim_fail(struct sim_ctx *c, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Parameter readers: each fails with the real error code (MissingParameter, InvalidParameter). */
const char *sim_opt(struct sim_ctx *c, const char *name);
err_code sim_req(struct sim_ctx *c, const char *name, const char **ret);
err_code sim_bool(struct sim_ctx *c, const char *name, int def, int *ret);
err_code sim_long(struct sim_ctx *c, const char *name, long min, long max, long def, long *ret);
/* A boolean filter: *ret = -1 when `name` is absent, else 0 or 1. */
err_code sim_tristate(struct sim_ctx *c, const char *name, int *ret);
/* 1 when a boolean filter read by sim_tristate admits obj[field] (a JSON bool; absent = false). */
int sim_tristate_ok(int want, const cJSON *obj, const char *field);
/* Repeat list `name.1 .. name.N` (contiguous from 1); at most max entries, else `limit_code`
 * with HTTP `limit_status`. *ret is a new array of borrowed strings the caller frees. */
err_code sim_list(struct sim_ctx *c, const char *name, size_t max, int limit_status,
                  const char *limit_code, const char ***ret, size_t *ret_n);
/* A JSON-array-of-strings parameter; NULL *ret when absent. Caller deletes *ret. */
err_code sim_json_list(struct sim_ctx *c, const char *name, size_t max, cJSON **ret);

/* Cloud Assistant helpers shared by ops_assist.c and ops_files.c: the InstanceId.N targets of
 * a call (1..max; each must exist in the region, be Running and have a running agent; *ret is
 * a new array of borrowed strings the caller frees), and Base64 sizes and checks. */
err_code sim_assist_targets(struct sim_ctx *c, size_t max, const char ***ret, size_t *ret_n);
size_t sim_b64_len(size_t n);
int sim_b64_valid(const char *s);

/* Instance inputs RunInstances and the Modify* operations check alike (checks.c). */
/* Instance names: 2-128 characters, a letter or Chinese character first, then letters, digits,
 * '.', '_', ':' and '-'. */
int sim_instance_name_ok(const char *s);
/* Host names (Linux 2-64 characters, Windows 2-15 without '.'): letters, digits, '.' and '-',
 * neither first nor last nor doubled. */
int sim_host_name_ok(const char *s, int windows);
/* The Password parameter, when given, is 8-30 characters of at least three classes
 * (InvalidPassword.Malformed otherwise). Nothing keeps it. */
err_code sim_password_arg(struct sim_ctx *c);
/* The UserData parameter, when given, is Base64 of at most 16 KiB (InvalidUserData.*). */
err_code sim_user_data_arg(struct sim_ctx *c);
/* The security groups of a call (SecurityGroupId when `one`, else SecurityGroupIds.N): each in
 * the region and, when `vpc` is given, in that VPC. *ret is a new array of ids (maybe empty). */
err_code sim_groups_arg(struct sim_ctx *c, int one, const char *vpc, cJSON **ret);
/* vCPUs of the instances of a region (for SIM_VCPU_QUOTA). */
int sim_vcpus_in_region(struct sim_ctx *c, const char *region);
/* An unused public address (47.98.x.y) into out. */
#define SIM_IP_TEXT 46 /* bytes of an address in text form (INET6_ADDRSTRLEN) */
void sim_public_ip(struct sim_ctx *c, char out[SIM_IP_TEXT]);

/* State helpers. */
cJSON *sim_kind(cJSON *root, const char *kind);              /* array of a kind (created) */
cJSON *sim_find(cJSON *root, const char *kind, const char *id_field, const char *id);
const char *sim_gets(const cJSON *obj, const char *field);   /* string field or "" */
double sim_getn(const cJSON *obj, const char *field);        /* number field or 0 */
void sim_sets(cJSON *obj, const char *field, const char *v); /* replace or add */
void sim_setn(cJSON *obj, const char *field, double v);
void sim_setb(cJSON *obj, const char *field, int v);
/* A new id such as "i-bp1...": prefix + 20 lowercase letters and digits. */
void sim_new_id(const char *prefix, char out[40]);
/* ISO 8601 UTC "yyyy-MM-ddTHH:mm:ssZ". */
void sim_iso_time(uint64_t ms, char out[32]);
/* Schedule obj[field] = value (a string) after `delay` ms (0 = apply at the next tick). */
void sim_schedule(struct sim_ctx *c, cJSON *obj, uint64_t delay, const char *field,
                  const char *value);
/* Apply due transitions everywhere in the state. */
void sim_state_tick(struct sim_state *st, uint64_t now_ms);
/* Deep copy of a resource without the internal '_' fields (what Describe* answers). */
cJSON *sim_public(const cJSON *obj);
/* The SecurityGroupIds.SecurityGroupId array of an instance or ENI (created when missing). */
cJSON *sim_group_ids(cJSON *obj);
/* A security group by id, in the request's region when one was given; NULL if absent. */
cJSON *sim_find_group(struct sim_ctx *c, const char *id);
/* Check the per-kind resource limit before creating; fails with QuotaExceed.<what>. */
err_code sim_room(struct sim_ctx *c, const char *kind, const char *what);
/* Add a paged, double-wrapped list to c->out: out[outer][inner] = items[page]. Reads
 * PageNumber/PageSize or MaxResults/NextToken (token scheme when `token_ok` is 1 and one of
 * those is given, always when it is SIM_PAGE_TOKENS), sets TotalCount and the page fields.
 * Takes ownership of `items` (an array of public copies). */
#define SIM_PAGE_TOKENS 2 /* token_ok value of operations that page by MaxResults/NextToken only */
err_code sim_page(struct sim_ctx *c, cJSON *items, const char *outer, const char *inner,
                  long def_size, long max_size, int token_ok);
/* 1 when a name is 2..max chars, starts with a letter or a CJK character and does not start
 * with http:// or https:// (the rule names of images, groups, snapshots follow). */
int sim_name_ok(const char *s, size_t max);
/* 1 when a description is empty or min..max chars and not starting with http(s)://. */
int sim_desc_ok(const char *s, size_t min, size_t max);

/* Parse "yyyy-MM-ddTHH:mm:ssZ" or "yyyy-MM-ddTHH:mmZ" (UTC) into ms since the epoch. */
err_code sim_time_parse(const char *s, uint64_t *ret_ms);
/* One instance type of the simulated catalogue (ops_health.c). */
struct sim_instance_type {
    const char *id;         /* InstanceTypeId, e.g. "ecs.g7.large" */
    const char *family;     /* InstanceTypeFamily, e.g. "ecs.g7" */
    const char *category;   /* InstanceCategory */
    const char *level;      /* InstanceFamilyLevel: EnterpriseLevel, CreditEntryLevel, EntryLevel */
    const char *arch;       /* CpuArchitecture: X86 or ARM */
    const char *cpu_model;  /* PhysicalProcessorModel */
    int cpu;                /* CpuCoreCount (vCPUs) */
    double memory_gib;      /* MemorySize */
    int eni;                /* EniQuantity */
    int eni_ips;            /* EniPrivateIpAddressQuantity */
    int eni_ipv6;           /* EniIpv6AddressQuantity */
    int bandwidth_kbps;     /* InstanceBandwidthRx/Tx */
    long pps;               /* InstancePpsRx/Tx */
    int baseline_credit;    /* BaselineCredit (burstable types), else 0 */
};
/* Mark the Scheduled *.Reboot system events of an instance Avoided: the owner restarted it
 * before the maintenance window, as the API documents (ops_health.c). */
void sim_events_avoid(struct sim_ctx *c, const char *instance_id);
/* An instance type of the simulated catalogue by id ("ecs.g7.large"), or NULL. */
const struct sim_instance_type *sim_instance_type(const char *id);

/* ---- Tags (tags.c) -------------------------------------------------------------------------
 * Resources keep their tags as "Tags": {"Tag": [{"TagKey", "TagValue"}]}, the shape every
 * Describe answers with. */

/* The Tag.N.Key / Tag.N.Value filter of a Describe call: a resource matches when it carries
 * every listed key (with the listed value, when one is given). */
struct sim_tag_filter {
    size_t n;                        /* pairs given; 0 = no filter */
    const char *key[SIM_MAX_TAGS];   /* borrowed from the request */
    const char *value[SIM_MAX_TAGS]; /* NULL = any value */
};
/* Read Tag.N of the request (N from 1, at most 20; a Value without its Key is refused). */
err_code sim_tag_filter(struct sim_ctx *c, struct sim_tag_filter *ret);
/* 1 when `res` satisfies every pair of `f` (always when f->n == 0). */
int sim_tags_match(const struct sim_tag_filter *f, const cJSON *res);
/* Read Tag.N.Key/Value of a create or TagResources call into a new array of {TagKey,
 * TagValue} (caller deletes), checking the documented rules: keys 1..128 characters, not
 * starting with aliyun or acs:, no http(s)://, no duplicates; at most 20. */
err_code sim_tags_read(struct sim_ctx *c, cJSON **ret);
/* Add or replace the tags of `tags` on `res`; fails with OperationDenied.QuotaExceed when the
 * resource would carry more than 20 tags (and changes nothing). */
err_code sim_tags_add(struct sim_ctx *c, cJSON *res, const cJSON *tags);
/* The Tags.Tag array of a resource (created when missing). */
cJSON *sim_tags_of(cJSON *res);

/* ---- Creation-time filters (Filter.N.Key / Filter.N.Value) ---------------------------------- */
struct sim_time_filter {
    size_t n;                            /* conditions; 0 = no filter */
    const char *field[SIM_MAX_FILTERS];  /* resource field compared: CreationTime, ExpiredTime */
    int upper[SIM_MAX_FILTERS];          /* 1 = the field must be <= at, 0 = >= at */
    uint64_t at[SIM_MAX_FILTERS];        /* the bound, ms */
};
/* Read Filter.N of the request. Keys: CreationStartTime and CreationEndTime, plus
 * ExpiredStartTime and ExpiredEndTime when `with_expiry`; any other key is
 * InvalidFilterKey.NotFound, a value that is not a UTC time InvalidFilterValue. */
err_code sim_time_filter(struct sim_ctx *c, int with_expiry, struct sim_time_filter *ret);
int sim_time_match(const struct sim_time_filter *f, const cJSON *res);

/* ---- Request log (reqlog.c) ------------------------------------------------------------------
 * A bounded in-memory record of the requests the simulator received, for tests that must
 * prove what did (or did not) reach the backend. Secret-looking parameter values never enter
 * it. Not thread-safe: the server holds its mutex around every call. */
struct sim_reqlog;
struct sim_reqlog *sim_reqlog_new(void);
void sim_reqlog_free(struct sim_reqlog *l);
/* Record one request and return its sequence number (1, 2, ...). `action` and `version` may be
 * NULL (header missing); `p` may be NULL (not parsed); `code` is the error Code answered or
 * NULL for a success. Values are copied, secrets replaced by "<redacted>", long values cut. */
unsigned long sim_reqlog_add(struct sim_reqlog *l, uint64_t now_ms, const char *action,
                             const char *version, const struct sim_params *p, int status,
                             const char *code);
/* The entries with a sequence number above `since`, oldest first, as a new cJSON array the
 * caller deletes; *ret_next (may be NULL) gets the newest sequence number assigned so far. */
cJSON *sim_reqlog_since(const struct sim_reqlog *l, unsigned long since, unsigned long *ret_next);
/* 1 when an IPv4 listen address is a loopback one (127.0.0.0/8 or "localhost"): only then is
 * the unsigned /_sim/requests page served (server.c). */
int sim_host_is_loopback(const char *host);
/* 1 when a parameter's value must never be logged or echoed: names containing Password,
 * PrivateKey, Secret or Token (any case), except ClientToken and NextToken. */
int sim_param_is_secret(const char *name);

#endif
