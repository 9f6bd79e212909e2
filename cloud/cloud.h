/* cloud.h - the Alibaba Cloud OpenAPI client: credentials, RPC calls signed with
 * ACS3-HMAC-SHA256 over libcurl (timeouts, bounded responses, retries, idempotency tokens),
 * parameter flattening and pagination. Layer: cloud (uses base/ only). */
#ifndef SKILLD_CLOUD_H
#define SKILLD_CLOUD_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "base/base.h"
#include "cloud/sign.h"

/* ---- Limits ------------------------------------------------------------------------ */
#define CLOUD_MAX_PARAMS 512                  /* parameters in one call */
#define CLOUD_MAX_PARAM_NAME 128              /* bytes in one parameter name */
#define CLOUD_MAX_PARAM_VALUE (256 * 1024)    /* bytes in one parameter value */
#define CLOUD_MAX_REQUEST (1024 * 1024)       /* bytes of the encoded query string */
#define CLOUD_MAX_RESPONSE_DEFAULT (8u << 20) /* default bound on one response body */
#define CLOUD_MAX_CRED_FILE (1024 * 1024)     /* bytes of a credentials file */
#define CLOUD_MAX_PAGES 1000                  /* pages cloud_paginate fetches at most */
#define CLOUD_MAX_ACTION 64                   /* bytes in an action name */

/* ---- Credentials ---------------------------------------------------------------------- */

/* An AccessKey pair, optionally with an STS token. All strings owned. */
struct cloud_credentials {
    char *access_key_id;     /* "LTAI..." or "STS...." */
    char *access_key_secret; /* never logged, returned or put in an error; wiped on release */
    char *security_token;    /* STS token, or NULL for a long-term AccessKey */
    char *source;            /* where they came from, for humans, e.g. "environment variables"
                              * or "/home/u/.aliyun/config.json profile 'default' (StsToken)" */
};

/* Load credentials with the official default chain (notes ecs-api.md §4), first hit wins:
 *   1. ALIBABA_CLOUD_ACCESS_KEY_ID + ALIBABA_CLOUD_ACCESS_KEY_SECRET (+
 * ALIBABA_CLOUD_SECURITY_TOKEN);
 *   2. the aliyun CLI file ($ALIBABA_CLOUD_CONFIG_FILE or $HOME/.aliyun/config.json), profile
 *      $ALIBABA_CLOUD_PROFILE or the file's "current", modes AK and StsToken;
 *   3. the INI file ($ALIBABA_CLOUD_CREDENTIALS_FILE or $HOME/.alibabacloud/credentials),
 *      section $ALIBABA_CLOUD_PROFILE or "default", types access_key and sts.
 * A source we recognise but cannot use (OIDC environment, RamRoleArn, EcsRamRole, External,
 * CredentialsURI, ...) stops the chain with ERR_UNSUPPORTED naming the mode and the file;
 * half-set variables or profiles are ERR_INVALID; a file that does not parse is ERR_PARSE;
 * nothing anywhere is ERR_NOT_FOUND with a message listing what was looked at. On success
 * *ret is filled (release it with cloud_credentials_release); on failure it is zeroed. */
err_code cloud_credentials_load(struct cloud_credentials *ret, struct err *e);

/* Fill *ret from explicit strings (copied; token may be NULL or ""). ERR_INVALID when the id
 * or the secret is empty. source may be NULL ("explicit"). */
err_code cloud_credentials_set(struct cloud_credentials *ret, const char *access_key_id,
                               const char *access_key_secret, const char *security_token,
                               const char *source);

/* Wipe the secret and the token, free everything and zero *c. NULL is fine. */
void cloud_credentials_release(struct cloud_credentials *c);

/* ---- Parameters ------------------------------------------------------------------------
 * RPC parameters travel flattened: `X.N` repeat lists, `X.N.Field` lists of objects,
 * `X.Field` nested singletons, or a JSON text in one parameter, depending on the operation
 * (notes §3.2). The builder owns its strings and keeps the insertion order. */
typedef struct cloud_params cloud_params;

cloud_params *cloud_params_new(void);
void cloud_params_free(cloud_params *p);

/* Add name=value (copied). ERR_TOO_BIG past CLOUD_MAX_PARAMS, CLOUD_MAX_PARAM_NAME or
 * CLOUD_MAX_PARAM_VALUE; ERR_INVALID for an empty name, a name with characters outside
 * [A-Za-z0-9._-], or a name already present. */
err_code cloud_params_add(cloud_params *p, const char *name, const char *value);

/* Add a repeat list: name.1=values[0] ... name.n=values[n-1]. */
err_code cloud_params_add_list(cloud_params *p, const char *name, const char *const *values,
                               size_t n);

/* Add one field of the index-th (from 1) object of a list: name.index.field=value. */
err_code cloud_params_add_field(cloud_params *p, const char *name, size_t index, const char *field,
                                const char *value);

/* Add value (any JSON) as its compact JSON text in one parameter, e.g.
 * InstanceIds=["i-1","i-2"] or Parameters={"name":"x"}. */
err_code cloud_params_add_json(cloud_params *p, const char *name, const cJSON *value);

/* Flatten value the way the SDK does for RepeatList/object parameters: a string, number or
 * boolean becomes name=value ("true"/"false", integers without a fraction); an array becomes
 * name.1, name.2, ...; an object becomes name.Field; nesting composes (Tag.1.Key). null is
 * skipped. ERR_INVALID for a number that is not finite. */
err_code cloud_params_add_flat(cloud_params *p, const char *name, const cJSON *value);

/* The value of a parameter, or NULL. */
const char *cloud_params_get(const cloud_params *p, const char *name);

/* The parameters as an array for cloud_call (borrowed: valid until the next add or free). */
const struct cloud_kv *cloud_params_items(const cloud_params *p, size_t *ret_n);

/* ---- Client ----------------------------------------------------------------------------- */
typedef struct cloud_client cloud_client;

/* How to reach the API. Start from cloud_config_defaults(), then set what you need. */
struct cloud_config {
    const char *region;       /* required, e.g. "cn-hangzhou"; added as RegionId */
    const char *ecs_endpoint; /* "host[:port]"; NULL: "ecs.<region>.aliyuncs.com" */
    const char *vpc_endpoint; /* "host[:port]"; NULL: "vpc.<region>.aliyuncs.com" */
    const char *scheme;       /* "https" (default); "http" only for loopback endpoints */
    const struct cloud_credentials *credentials; /* required; copied by cloud_client_new */
    long connect_timeout_ms;                     /* per attempt; default 5000 */
    long timeout_ms;                             /* whole transfer, per attempt; default 30000 */
    int max_retries;           /* attempts after the first; default 3, 0 disables */
    long retry_base_ms;        /* first backoff ceiling, doubled per retry; default 200 */
    long retry_max_ms;         /* cap on any wait, x-acs-retry-after included; default 20000 */
    size_t max_response_bytes; /* bound on one response body; default 8 MiB */
    int max_connections;       /* pooled curl handles (parallel calls); default 4 */
    /* Optional debug hook: one line per attempt (product, action, parameters, with values of
     * password/secret/private-key-like parameters redacted) and one per answer (status, Code,
     * RequestId). Never headers, signatures, the secret or the token. Called on the thread
     * making the call; the line is only valid during the call. */
    void (*trace)(void *trace_data, const char *line);
    void *trace_data;
};

/* Fill *cfg with the defaults above (region, credentials and endpoints left NULL). */
void cloud_config_defaults(struct cloud_config *cfg);

/* Create a client; NULL with *e set (ERR_INVALID: missing region or credentials, bad endpoint,
 * http to a non-loopback host). The client is safe to use from several threads. */
cloud_client *cloud_client_new(const struct cloud_config *cfg, struct err *e);
void cloud_client_free(cloud_client *c);

/* What went wrong with a call, and the RequestId in every case. */
struct cloud_error {
    err_code code;       /* ERR_OK on success; else the class of failure (see cloud_call) */
    int http_status;     /* last HTTP status, 0 when no answer arrived */
    char code_str[128];  /* API error Code, e.g. "InvalidInstanceId.NotFound"; "" if none */
    char message[512];   /* API Message, or a description of a transport failure */
    char request_id[96]; /* RequestId of the last answer, success included; "" if none */
    char recommend[256]; /* the API's troubleshooting URL, "" if none */
    int attempts;        /* requests sent, retries included */
};

/* Call one RPC action. product is "ecs" (version 2014-05-26) or "vpc" (2016-04-28); params are
 * already flattened (see cloud_params) and sent in the query of an empty-bodied POST signed with
 * V3. RegionId is added when the action takes one and params lack it; a ClientToken (UUIDv4) is
 * added to actions that accept one when params lack it.
 * Retries (exponential backoff with full jitter, x-acs-retry-after honoured, each attempt
 * re-signed with a fresh date and nonce) happen on Throttling*, ServiceUnavailable*,
 * InternalError, HTTP 5xx and transport failures; reads (Describe*, List*, Get*) always, writes
 * only when they carry a ClientToken.
 * On success returns ERR_OK and *ret_response is the parsed answer (caller frees with
 * cJSON_Delete). On failure *ret_response is NULL and the code is: ERR_REMOTE/ERR_NOT_FOUND/
 * ERR_DENIED/ERR_INVALID/ERR_LIMIT/ERR_WRONG_STATE for API errors (details in *ret_error),
 * ERR_TIMEOUT, ERR_IO for transport failures, ERR_TOO_BIG for an oversized request or answer,
 * ERR_PARSE for an answer that is not JSON. ret_error may be NULL. */
err_code cloud_call(cloud_client *c, const char *product, const char *action,
                    const struct cloud_kv *params, size_t nparams, cJSON **ret_response,
                    struct cloud_error *ret_error);

/* cloud_call for a resource in region_id (NULL: the client's region): the request goes to that
 * region's endpoint (<product>.<region>.aliyuncs.com) unless the client was given fixed
 * endpoints (the simulator), and a region parameter the action takes but params lack gets
 * region_id. ERR_INVALID for a malformed region id. */
err_code cloud_call_in(cloud_client *c, const char *region_id, const char *product,
                       const char *action, const struct cloud_kv *params, size_t nparams,
                       cJSON **ret_response, struct cloud_error *ret_error);

/* Call a list action repeatedly and collect the items found at list_path (dotted, e.g.
 * "Instances.Instance") into one new cJSON array (*ret_items, caller frees). The paging style
 * follows the answers: a non-empty NextToken is sent back (MaxResults/NextToken style);
 * otherwise, when the answer has TotalCount, PageNumber is advanced until TotalCount items were
 * seen or a page comes back empty. Stops after max_items items (0: no limit besides
 * CLOUD_MAX_PAGES pages); ret_error describes the last call. A NextToken repeated by the
 * server is ERR_REMOTE. */
err_code cloud_paginate(cloud_client *c, const char *product, const char *action,
                        const struct cloud_kv *params, size_t nparams, const char *list_path,
                        size_t max_items, cJSON **ret_items, struct cloud_error *ret_error);

/* 1 if the error is the API's way of saying a DryRun passed (DryRunOperation, DRYRUN.SUCCESS). */
int cloud_error_is_dry_run_ok(const struct cloud_error *e);

/* 1 if action is a read (Describe*, List*, Get*, ...), which may always be retried. */
int cloud_action_is_read(const char *action);

/* 1 if the action accepts a ClientToken (notes §3.8), so cloud_call adds one. */
int cloud_action_takes_client_token(const char *action);

/* The name of the action's region parameter: "RegionId", "regionId" (the automatic snapshot
 * policy calls), or NULL when the action has none and the endpoint alone picks the region. */
const char *cloud_action_region_param(const char *action);

#endif
