/* ops_assist.c - simulated Cloud Assistant: agent status and installation, saved commands,
 * invocations with timed per-instance progress (Pending -> Running -> Success) and
 * deterministic output that says it is simulated, stopping them. Nothing is ever executed.
 * SendFile lives in ops_files.c. Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Cloud Assistant limits. The skill documentation gives 50 instances per operation and 32 KB
 * of Base64 content through the API, and that is what skilld's users are told, so the
 * simulator enforces those. (The API reference quotes 100 targets and 18 KB / 24 KB for
 * saved / one-off commands; a real account may accept more than the simulator does.) */
#define SIM_MAX_RUN_TARGETS 50    /* RunCommand / InvokeCommand InstanceId.N */
#define SIM_MAX_CMD_SAVED 32768   /* CreateCommand / RunCommand+KeepCommand, Base64 bytes */
#define SIM_MAX_CMD_ONCE 32768    /* RunCommand without KeepCommand, Base64 bytes */
#define SIM_MAX_PARAMS_KEYS 10    /* Parameters pairs */
#define SIM_MAX_INSTALL 50        /* InstallCloudAssistant InstanceId.N */
#define SIM_AGENT_VERSION "2.2.3.398" /* the agent version InstallCloudAssistant installs */

static const char *const cmd_types[] = {"RunShellScript", "RunBatScript", "RunPowerShellScript"};

size_t sim_b64_len(size_t n) { return 4 * ((n + 2) / 3); }

static char *b64_encode(const char *s, size_t n)
{
    char *out = xmalloc(sim_b64_len(n) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
    return out;
}

/* 1 when s is well-formed Base64 (length a multiple of 4, valid alphabet). */
int sim_b64_valid(const char *s)
{
    size_t n = strlen(s);
    if (n % 4 != 0)
        return 0;
    unsigned char *tmp = xmalloc(n / 4 * 3 + 1);
    int got = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)n);
    free(tmp);
    return got >= 0;
}

static err_code type_arg(struct sim_ctx *c, const char **ret)
{
    err_code rc = sim_req(c, "Type", ret);
    if (rc)
        return rc;
    for (size_t i = 0; i < ARRAY_LEN(cmd_types); i++)
        if (strcmp(*ret, cmd_types[i]) == 0)
            return ERR_OK;
    return sim_fail(c, 403, "InvalidCmdType.NotFound", "The command type \"%s\" is not supported.",
                    *ret);
}

err_code sim_assist_targets(struct sim_ctx *c, size_t max, const char ***ret, size_t *ret_n)
{
    err_code rc = sim_list(c, "InstanceId", max, 403, "InstanceIds.ExceedLimit", ret, ret_n);
    if (rc)
        return rc;
    if (*ret_n == 0)
        return sim_req(c, "InstanceId.1", &(const char *){NULL});
    for (size_t i = 0; i < *ret_n; i++) {
        const cJSON *inst = sim_find(c->root, "Instances", "InstanceId", (*ret)[i]);
        if (!inst || strcmp(sim_gets(inst, "RegionId"), c->region) != 0)
            return sim_fail(c, 404, "InvalidInstance.NotFound",
                            "The instance \"%s\" does not exist.", (*ret)[i]);
        if (strcmp(sim_gets(inst, "Status"), "Running") != 0)
            return sim_fail(c, 403, "IncorrectInstanceStatus",
                            "The instance \"%s\" is %s; Cloud Assistant needs Running.", (*ret)[i],
                            sim_gets(inst, "Status"));
        const cJSON *agent = cJSON_GetObjectItemCaseSensitive(inst, "_Agent");
        if (strcmp(sim_gets(agent, "Status"), "true") != 0)
            return sim_fail(c, 400, "InvalidInstance.NoClient",
                            "The Cloud Assistant agent is not running on \"%s\".", (*ret)[i]);
    }
    return ERR_OK;
}

/* A copy of tags (an array of {TagKey, TagValue}) set as the resource's Tags. */
static void set_tags(cJSON *res, const cJSON *tags)
{
    cJSON_DeleteItemFromObjectCaseSensitive(res, "Tags");
    cJSON_AddItemToObject(cJSON_AddObjectToObject(res, "Tags"), "Tag",
                          tags ? cJSON_Duplicate(tags, 1) : cJSON_CreateArray());
}

/* Record an invocation (tagged with `tags`, which may be NULL) and schedule its per-instance
 * progress. */
static void start_invocation(struct sim_ctx *c, const char *invoke_id, const cJSON *cmd,
                             const char **ids, size_t n, const char *what, long timeout,
                             const cJSON *tags)
{
    char when[32];
    sim_iso_time(c->now, when);
    cJSON *inv = cJSON_CreateObject();
    cJSON_AddStringToObject(inv, "InvokeId", invoke_id);
    cJSON_AddStringToObject(inv, "RegionId", c->region);
    cJSON_AddStringToObject(inv, "CommandId", sim_gets(cmd, "CommandId"));
    cJSON_AddStringToObject(inv, "CommandName", sim_gets(cmd, "Name"));
    cJSON_AddStringToObject(inv, "CommandType", sim_gets(cmd, "Type"));
    cJSON_AddStringToObject(inv, "CommandContent", sim_gets(cmd, "CommandContent"));
    const char *params = sim_opt(c, "Parameters");
    cJSON_AddStringToObject(inv, "Parameters", params ? params : "{}");
    cJSON_AddStringToObject(inv, "RepeatMode", "Once");
    cJSON_AddBoolToObject(inv, "Timed", 0);
    cJSON_AddNumberToObject(inv, "Timeout", (double)timeout);
    const char *user = sim_opt(c, "Username");
    cJSON_AddStringToObject(inv, "Username", user ? user : "root");
    const char *dir = sim_opt(c, "WorkingDir");
    cJSON_AddStringToObject(inv, "WorkingDir", dir ? dir : sim_gets(cmd, "WorkingDir"));
    cJSON_AddStringToObject(inv, "CreationTime", when);
    const char *rg = sim_opt(c, "ResourceGroupId");
    cJSON_AddStringToObject(inv, "ResourceGroupId", rg ? rg : "");
    set_tags(inv, tags);
    cJSON *arr = cJSON_AddArrayToObject(cJSON_AddObjectToObject(inv, "InvokeInstances"),
                                        "InvokeInstance");
    for (size_t i = 0; i < n; i++) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "InstanceId", ids[i]);
        cJSON_AddStringToObject(r, "InvocationStatus", "Pending");
        cJSON_AddStringToObject(r, "InstanceInvokeStatus", "Pending");
        cJSON_AddStringToObject(r, "InvokeRecordStatus", "Running");
        cJSON_AddNumberToObject(r, "ExitCode", 0);
        cJSON_AddStringToObject(r, "Output", "");
        cJSON_AddNumberToObject(r, "Dropped", 0);
        cJSON_AddStringToObject(r, "ErrorCode", "");
        cJSON_AddStringToObject(r, "ErrorInfo", "");
        cJSON_AddStringToObject(r, "StartTime", "");
        cJSON_AddStringToObject(r, "FinishedTime", "");
        cJSON_AddNumberToObject(r, "Repeats", 1);
        char *text = xasprintf("[skilld simulator] %s on %s: nothing was executed; this output is "
                               "simulated.\n", what, ids[i]);
        if (strlen(text) > SIM_MAX_OUTPUT)
            text[SIM_MAX_OUTPUT] = '\0';
        char *enc = b64_encode(text, strlen(text));
        char end[32];
        sim_iso_time(c->now + c->transition_ms, end);
        uint64_t half = c->transition_ms / 2;
        sim_schedule(c, r, half, "InvocationStatus", "Running");
        sim_schedule(c, r, half, "InstanceInvokeStatus", "Running");
        sim_schedule(c, r, half, "StartTime", when);
        sim_schedule(c, r, c->transition_ms, "InvocationStatus", "Success");
        sim_schedule(c, r, c->transition_ms, "InstanceInvokeStatus", "Finished");
        sim_schedule(c, r, c->transition_ms, "InvokeRecordStatus", "Finished");
        sim_schedule(c, r, c->transition_ms, "Output", enc);
        sim_schedule(c, r, c->transition_ms, "FinishedTime", end);
        free(enc);
        free(text);
        cJSON_AddItemToArray(arr, r);
    }
    cJSON_AddItemToArray(sim_kind(c->root, "Invocations"), inv);
}

/* Size of the content once Base64-encoded (the unit the documented limits use). */
static size_t encoded_size(struct sim_ctx *c, const char *content)
{
    const char *enc = sim_opt(c, "ContentEncoding");
    if (enc && strcmp(enc, "Base64") == 0)
        return strlen(content);
    return sim_b64_len(strlen(content));
}

static cJSON *new_command(struct sim_ctx *c, const char *name, const char *type,
                          const char *content_b64, long timeout, int hidden, const cJSON *tags)
{
    char id[40], when[32];
    sim_new_id("c-hz0", id);
    sim_iso_time(c->now, when);
    const char *desc = sim_opt(c, "Description"), *dir = sim_opt(c, "WorkingDir");
    cJSON *cmd = cJSON_CreateObject();
    cJSON_AddStringToObject(cmd, "CommandId", id);
    cJSON_AddStringToObject(cmd, "RegionId", c->region);
    cJSON_AddStringToObject(cmd, "Name", name);
    cJSON_AddStringToObject(cmd, "Description", desc ? desc : "");
    cJSON_AddStringToObject(cmd, "Type", type);
    cJSON_AddStringToObject(cmd, "CommandContent", content_b64);
    cJSON_AddStringToObject(cmd, "WorkingDir", dir ? dir : "");
    cJSON_AddNumberToObject(cmd, "Timeout", (double)timeout);
    cJSON_AddStringToObject(cmd, "CreationTime", when);
    cJSON_AddBoolToObject(cmd, "EnableParameter", 0);
    cJSON_AddArrayToObject(cJSON_AddObjectToObject(cmd, "ParameterNames"), "ParameterName");
    const char *rg = sim_opt(c, "ResourceGroupId");
    cJSON_AddStringToObject(cmd, "ResourceGroupId", rg ? rg : "");
    set_tags(cmd, tags);
    if (hidden)
        cJSON_AddBoolToObject(cmd, "_Hidden", 1);
    cJSON_AddItemToArray(sim_kind(c->root, "Commands"), cmd);
    return cmd;
}

static err_code op_create_command(struct sim_ctx *c)
{
    const char *name = NULL, *type = NULL, *content = NULL;
    long timeout = 60;
    cJSON *tags = NULL;
    err_code rc = sim_req(c, "Name", &name);
    if (!rc)
        rc = type_arg(c, &type);
    if (!rc)
        rc = sim_req(c, "CommandContent", &content);
    if (!rc)
        rc = sim_long(c, "Timeout", 10, 86400, 60, &timeout);
    if (!rc)
        rc = sim_room(c, "Commands", "CmdCount.ExceedQuota");
    if (rc)
        return rc;
    if (strlen(name) > 128)
        return sim_fail(c, 403, "CmdName.ExceedLimit", "The command name exceeds 128 characters.");
    /* CreateCommand's content is Base64 unless ContentEncoding says PlainText (the API's
     * default differs from RunCommand's). */
    const char *enc = sim_opt(c, "ContentEncoding");
    if (enc && strcmp(enc, "Base64") != 0 && strcmp(enc, "PlainText") != 0)
        return sim_fail(c, 400, "InvalidParam.ContentEncoding",
                        "ContentEncoding must be PlainText or Base64.");
    int plain = enc && strcmp(enc, "PlainText") == 0;
    size_t size = plain ? sim_b64_len(strlen(content)) : strlen(content);
    if (size > SIM_MAX_CMD_SAVED)
        return sim_fail(c, 403, "CmdContent.ExceedLimit",
                        "CommandContent is %zu Base64 bytes; the limit is %u.", size,
                        SIM_MAX_CMD_SAVED);
    if (!plain && !sim_b64_valid(content))
        return sim_fail(c, 400, "InvalidCommandContent.Malformed",
                        "CommandContent must be Base64-encoded.");
    rc = sim_tags_read(c, &tags);
    if (rc)
        return rc;
    char *b64 = plain ? b64_encode(content, strlen(content)) : xstrdup(content);
    cJSON *cmd = new_command(c, name, type, b64, timeout, 0, tags);
    free(b64);
    cJSON_Delete(tags);
    cJSON_AddStringToObject(c->out, "CommandId", sim_gets(cmd, "CommandId"));
    return ERR_OK;
}

static err_code check_parameters(struct sim_ctx *c)
{
    const char *p = sim_opt(c, "Parameters");
    if (!p)
        return ERR_OK;
    cJSON *obj = cJSON_ParseWithLengthOpts(p, strlen(p) + 1, NULL, 1);
    int ok = cJSON_IsObject(obj) && cJSON_GetArraySize(obj) <= SIM_MAX_PARAMS_KEYS;
    cJSON_Delete(obj);
    return ok ? ERR_OK
              : sim_fail(c, 403, "ParameterCount.ExceedLimit",
                         "Parameters must be a JSON object with at most %d keys.",
                         SIM_MAX_PARAMS_KEYS);
}

/* What RunCommand and InvokeCommand check alike: Parameters, the target instances (written to
 * *ret and *ret_n; the caller frees *ret), the tags (*ret_tags, new; the caller deletes) and
 * the room for one more invocation. */
static err_code invocation_args(struct sim_ctx *c, const char ***ret, size_t *ret_n,
                                cJSON **ret_tags)
{
    *ret_tags = NULL;
    err_code rc = check_parameters(c);
    if (!rc)
        rc = sim_assist_targets(c, SIM_MAX_RUN_TARGETS, ret, ret_n);
    if (!rc)
        rc = sim_room(c, "Invocations", "InvocationCount.ExceedQuota");
    if (!rc)
        rc = sim_tags_read(c, ret_tags);
    return rc;
}

static err_code op_run_command(struct sim_ctx *c)
{
    const char *type = NULL, *content = NULL, **ids = NULL;
    cJSON *tags = NULL;
    size_t n = 0;
    int keep = 0;
    long timeout = 60;
    err_code rc = type_arg(c, &type);
    if (!rc)
        rc = sim_req(c, "CommandContent", &content);
    if (!rc)
        rc = sim_bool(c, "KeepCommand", 0, &keep);
    if (!rc)
        rc = sim_long(c, "Timeout", 10, 86400, 60, &timeout);
    if (rc)
        return rc;
    size_t limit = keep ? SIM_MAX_CMD_SAVED : SIM_MAX_CMD_ONCE;
    if (encoded_size(c, content) > limit)
        return sim_fail(c, 403, "CmdContent.ExceedLimit",
                        "CommandContent is %zu bytes once Base64-encoded; the limit is %zu.",
                        encoded_size(c, content), limit);
    const char *enc = sim_opt(c, "ContentEncoding");
    int is_b64 = enc && strcmp(enc, "Base64") == 0;
    if (is_b64 && !sim_b64_valid(content))
        return sim_fail(c, 400, "InvalidCommandContent.Malformed", "CommandContent is not Base64.");
    rc = invocation_args(c, &ids, &n, &tags);
    if (!rc) {
        const char *mode = sim_opt(c, "RepeatMode");
        if (mode && strcmp(mode, "DryRun") == 0)
            rc = sim_fail(c, 400, "DryRunOperation",
                          "Request validation has been passed with RepeatMode=DryRun.");
        else if (mode && strcmp(mode, "Once") != 0)
            rc = sim_fail(c, 400, "InvalidParam.RepeatMode",
                          "The simulator runs commands with RepeatMode Once only.");
    }
    if (rc)
        goto cleanup;
    char *b64 = is_b64 ? xstrdup(content) : b64_encode(content, strlen(content));
    const char *name = sim_opt(c, "Name");
    cJSON *cmd = new_command(c, name ? name : "", type, b64, timeout, !keep, tags);
    free(b64);
    char invoke[40];
    sim_new_id("t-hz0", invoke);
    start_invocation(c, invoke, cmd, ids, n, type, timeout, tags);
    cJSON_AddStringToObject(c->out, "CommandId", sim_gets(cmd, "CommandId"));
    cJSON_AddStringToObject(c->out, "InvokeId", invoke);
cleanup:
    cJSON_Delete(tags);
    free(ids);
    return rc;
}

/* A saved command of the region by id (hidden one-off commands of RunCommand excluded). */
static cJSON *find_command(struct sim_ctx *c, const char *id)
{
    cJSON *cmd = sim_find(c->root, "Commands", "CommandId", id);
    if (!cmd || strcmp(sim_gets(cmd, "RegionId"), c->region) != 0 ||
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cmd, "_Hidden")))
        return NULL;
    return cmd;
}

static err_code op_invoke_command(struct sim_ctx *c)
{
    const char *id = NULL, **ids = NULL;
    cJSON *tags = NULL;
    size_t n = 0;
    long timeout = 0;
    err_code rc = sim_req(c, "CommandId", &id);
    if (!rc)
        rc = sim_long(c, "Timeout", 10, 86400, 0, &timeout);
    if (rc)
        return rc;
    const cJSON *cmd = find_command(c, id);
    if (!cmd)
        return sim_fail(c, 404, "InvalidCmdId.NotFound", "The command \"%s\" does not exist.", id);
    const char *mode = sim_opt(c, "RepeatMode");
    if (mode && strcmp(mode, "Once") != 0)
        return sim_fail(c, 400, "InvalidParam.RepeatMode",
                        "The simulator runs commands with RepeatMode Once only.");
    rc = invocation_args(c, &ids, &n, &tags);
    if (!rc) {
        char invoke[40];
        sim_new_id("t-hz0", invoke);
        start_invocation(c, invoke, cmd, ids, n, sim_gets(cmd, "Name"),
                         timeout ? timeout : (long)sim_getn(cmd, "Timeout"), tags);
        cJSON_AddStringToObject(c->out, "InvokeId", invoke);
    }
    cJSON_Delete(tags);
    free(ids);
    return rc;
}

/* ---- Describe ------------------------------------------------------------------------------ */

/* The overall status of an invocation from its per-instance statuses. */
static const char *overall_status(const cJSON *inv)
{
    int pending = 0, running = 0, ok = 0, failed = 0, stopped = 0;
    const cJSON *r = NULL;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(
                              cJSON_GetObjectItemCaseSensitive(inv, "InvokeInstances"), "InvokeInstance")) {
        const char *s = sim_gets(r, "InvocationStatus");
        pending += strcmp(s, "Pending") == 0;
        running += strcmp(s, "Running") == 0;
        ok += strcmp(s, "Success") == 0;
        failed += strcmp(s, "Failed") == 0;
        stopped += strcmp(s, "Cancelled") == 0 || strcmp(s, "Terminated") == 0;
    }
    if (running || (pending && (ok || failed || stopped)))
        return "Running";
    if (pending)
        return "Pending";
    if (stopped)
        return "Stopped";
    if (failed)
        return ok ? "PartialFailed" : "Failed";
    return "Success";
}

/* Base64 text decoded into a new string (invalid input gives ""). */
static char *b64_decode(const char *in)
{
    size_t n = strlen(in);
    unsigned char *dec = xmalloc(n / 4 * 3 + 1);
    int got = EVP_DecodeBlock(dec, (const unsigned char *)in, (int)n);
    if (got < 0 || n % 4 != 0)
        got = 0;
    while (got > 0 && n > 0 && in[n - 1] == '=') {
        got--;
        n--;
    }
    dec[got] = '\0';
    return (char *)dec;
}

/* Replace obj[field] (Base64) by its plain text when the caller asked for PlainText. */
static void plain_field(cJSON *obj, const char *field, int plain)
{
    const char *v = sim_gets(obj, field);
    if (!plain || !*v)
        return;
    char *dec = b64_decode(v);
    sim_sets(obj, field, dec);
    free(dec);
}

/* ContentEncoding: PlainText or Base64 (default); *ret_plain = 1 for PlainText. */
static err_code encoding_arg(struct sim_ctx *c, int *ret_plain)
{
    const char *enc = sim_opt(c, "ContentEncoding");
    *ret_plain = enc && strcmp(enc, "PlainText") == 0;
    if (enc && !*ret_plain && strcmp(enc, "Base64") != 0)
        return sim_fail(c, 400, "InvalidParam.ContentEncoding",
                        "ContentEncoding must be PlainText or Base64.");
    return ERR_OK;
}

static int has_instance(const cJSON *inv, const char *id)
{
    const cJSON *r = NULL;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(
                              cJSON_GetObjectItemCaseSensitive(inv, "InvokeInstances"), "InvokeInstance")) {
        if (strcmp(sim_gets(r, "InstanceId"), id) == 0)
            return 1;
    }
    return 0;
}

static err_code op_describe_invocations(struct sim_ctx *c)
{
    const char *invoke = sim_opt(c, "InvokeId"), *cmd = sim_opt(c, "CommandId");
    const char *inst = sim_opt(c, "InstanceId"), *status = sim_opt(c, "InvokeStatus");
    const char *cname = sim_opt(c, "CommandName"), *ctype = sim_opt(c, "CommandType");
    const char *mode = sim_opt(c, "RepeatMode"), *rg = sim_opt(c, "ResourceGroupId");
    int plain = 0, with_output = 0, timed = -1;
    struct sim_tag_filter tags;
    err_code rc = encoding_arg(c, &plain);
    if (!rc)
        rc = sim_bool(c, "IncludeOutput", 0, &with_output);
    if (!rc)
        rc = sim_tristate(c, "Timed", &timed);
    if (!rc)
        rc = sim_tag_filter(c, &tags);
    if (rc)
        return rc;
    cJSON *items = cJSON_CreateArray();
    const cJSON *inv = NULL;
    cJSON_ArrayForEach(inv, sim_kind(c->root, "Invocations")) {
        if (strcmp(sim_gets(inv, "RegionId"), c->region) != 0 ||
            (invoke && strcmp(invoke, sim_gets(inv, "InvokeId")) != 0) ||
            (cmd && strcmp(cmd, sim_gets(inv, "CommandId")) != 0) ||
            (inst && !has_instance(inv, inst)) ||
            (status && strcmp(status, overall_status(inv)) != 0) ||
            (cname && strcmp(cname, sim_gets(inv, "CommandName")) != 0) ||
            (ctype && strcmp(ctype, sim_gets(inv, "CommandType")) != 0) ||
            (mode && strcmp(mode, sim_gets(inv, "RepeatMode")) != 0) ||
            (rg && strcmp(rg, sim_gets(inv, "ResourceGroupId")) != 0) ||
            !sim_tristate_ok(timed, inv, "Timed") || !sim_tags_match(&tags, inv))
            continue;
        cJSON *o = sim_public(inv);
        sim_sets(o, "InvocationStatus", overall_status(inv));
        sim_sets(o, "InvokeStatus", strcmp(overall_status(inv), "Success") == 0 ? "Finished"
                                                                                : overall_status(inv));
        cJSON *r = NULL;
        cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(
                                  cJSON_GetObjectItemCaseSensitive(o, "InvokeInstances"), "InvokeInstance")) {
            if (with_output)
                plain_field(r, "Output", plain);
            else
                cJSON_DeleteItemFromObjectCaseSensitive(r, "Output");
        }
        plain_field(o, "CommandContent", plain);
        cJSON_AddItemToArray(items, o);
    }
    return sim_page(c, items, "Invocations", "Invocation", 10, 50, 1);
}

static err_code op_describe_invocation_results(struct sim_ctx *c)
{
    const char *invoke = sim_opt(c, "InvokeId"), *cmd = sim_opt(c, "CommandId");
    const char *inst = sim_opt(c, "InstanceId"), *rec = sim_opt(c, "InvokeRecordStatus");
    const char *rg = sim_opt(c, "ResourceGroupId");
    int plain = 0, history = 0;
    struct sim_tag_filter tags;
    err_code rc = encoding_arg(c, &plain);
    if (!rc)
        rc = sim_bool(c, "IncludeHistory", 0, &history); /* Once-only runs have no history */
    if (!rc)
        rc = sim_tag_filter(c, &tags);
    if (rc)
        return rc;
    cJSON *items = cJSON_CreateArray();
    const cJSON *inv = NULL;
    cJSON_ArrayForEach(inv, sim_kind(c->root, "Invocations")) {
        if (strcmp(sim_gets(inv, "RegionId"), c->region) != 0 ||
            (invoke && strcmp(invoke, sim_gets(inv, "InvokeId")) != 0) ||
            (cmd && strcmp(cmd, sim_gets(inv, "CommandId")) != 0) ||
            (rg && strcmp(rg, sim_gets(inv, "ResourceGroupId")) != 0) || !sim_tags_match(&tags, inv))
            continue;
        const cJSON *r = NULL;
        cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(
                                  cJSON_GetObjectItemCaseSensitive(inv, "InvokeInstances"), "InvokeInstance")) {
            if ((inst && strcmp(inst, sim_gets(r, "InstanceId")) != 0) ||
                (rec && strcmp(rec, sim_gets(r, "InvokeRecordStatus")) != 0))
                continue;
            cJSON *o = sim_public(r);
            cJSON_AddStringToObject(o, "InvokeId", sim_gets(inv, "InvokeId"));
            cJSON_AddStringToObject(o, "CommandId", sim_gets(inv, "CommandId"));
            cJSON_AddStringToObject(o, "Username", sim_gets(inv, "Username"));
            cJSON_AddItemToObject(o, "Tags", cJSON_Duplicate(
                                                 cJSON_GetObjectItemCaseSensitive(inv, "Tags"), 1));
            plain_field(o, "Output", plain);
            cJSON_AddItemToArray(items, o);
        }
    }
    /* The real answer nests the page inside "Invocation". */
    cJSON *saved = c->out;
    c->out = cJSON_CreateObject();
    rc = sim_page(c, items, "InvocationResults", "InvocationResult", 10, 50, 1);
    cJSON *inner = c->out;
    c->out = saved;
    if (rc) {
        cJSON_Delete(inner);
        return rc;
    }
    cJSON_AddItemToObject(c->out, "Invocation", inner);
    return ERR_OK;
}

static err_code op_describe_commands(struct sim_ctx *c)
{
    const char *id = sim_opt(c, "CommandId"), *name = sim_opt(c, "Name");
    const char *type = sim_opt(c, "Type"), *desc = sim_opt(c, "Description");
    const char *rg = sim_opt(c, "ResourceGroupId");
    int plain = 0;
    struct sim_tag_filter tags;
    err_code rc = encoding_arg(c, &plain);
    if (!rc)
        rc = sim_tag_filter(c, &tags);
    if (rc)
        return rc;
    cJSON *items = cJSON_CreateArray();
    const cJSON *cmd = NULL;
    cJSON_ArrayForEach(cmd, sim_kind(c->root, "Commands")) {
        if (strcmp(sim_gets(cmd, "RegionId"), c->region) != 0 ||
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cmd, "_Hidden")) ||
            (id && strcmp(id, sim_gets(cmd, "CommandId")) != 0) ||
            (name && strcmp(name, sim_gets(cmd, "Name")) != 0) ||
            (type && strcmp(type, sim_gets(cmd, "Type")) != 0) ||
            (desc && strcmp(desc, sim_gets(cmd, "Description")) != 0) ||
            (rg && strcmp(rg, sim_gets(cmd, "ResourceGroupId")) != 0) || !sim_tags_match(&tags, cmd))
            continue;
        cJSON *o = sim_public(cmd);
        int times = 0;
        const cJSON *inv = NULL;
        cJSON_ArrayForEach(inv, sim_kind(c->root, "Invocations")) {
            times += strcmp(sim_gets(inv, "CommandId"), sim_gets(cmd, "CommandId")) == 0;
        }
        cJSON_AddNumberToObject(o, "InvokeTimes", times);
        plain_field(o, "CommandContent", plain);
        cJSON_AddItemToArray(items, o);
    }
    return sim_page(c, items, "Commands", "Command", 10, 50, 1);
}

static err_code op_describe_cloud_assistant_status(struct sim_ctx *c)
{
    const char **ids = NULL;
    size_t n = 0;
    err_code rc = sim_list(c, "InstanceId", 50, 400, "InvalidParameter.InstanceIdCount", &ids, &n);
    if (rc)
        return rc;
    const char *os = sim_opt(c, "OSType");
    if (os && strcasecmp(os, "linux") != 0 && strcasecmp(os, "windows") != 0 &&
        strcasecmp(os, "freebsd") != 0) {
        free(ids);
        return sim_fail(c, 400, "InvalidParam.OSType", "OSType must be Windows, Linux or FreeBSD.");
    }
    cJSON *items = cJSON_CreateArray();
    const cJSON *inst = NULL;
    cJSON_ArrayForEach(inst, sim_kind(c->root, "Instances")) {
        const char *iid = sim_gets(inst, "InstanceId");
        int wanted = n == 0;
        for (size_t i = 0; i < n; i++)
            wanted |= strcmp(ids[i], iid) == 0;
        if (!wanted || strcmp(sim_gets(inst, "RegionId"), c->region) != 0 ||
            (os && strcasecmp(os, sim_gets(inst, "OSType")) != 0))
            continue;
        const cJSON *agent = cJSON_GetObjectItemCaseSensitive(inst, "_Agent");
        int count = 0, active = 0;
        const cJSON *inv = NULL;
        cJSON_ArrayForEach(inv, sim_kind(c->root, "Invocations")) {
            if (has_instance(inv, iid)) {
                count++;
                active += strcmp(overall_status(inv), "Running") == 0 ||
                          strcmp(overall_status(inv), "Pending") == 0;
            }
        }
        /* A stopped instance's agent does not answer. */
        int online = strcmp(sim_gets(agent, "Status"), "true") == 0 &&
                     strcmp(sim_gets(inst, "Status"), "Running") == 0;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "InstanceId", iid);
        cJSON_AddStringToObject(o, "CloudAssistantStatus", online ? "true" : "false");
        cJSON_AddStringToObject(o, "CloudAssistantVersion", sim_gets(agent, "Version"));
        cJSON_AddStringToObject(o, "OSType", strcmp(sim_gets(inst, "OSType"), "windows") == 0 ? "Windows" : "Linux");
        cJSON_AddNumberToObject(o, "ActiveTaskCount", active);
        cJSON_AddNumberToObject(o, "InvocationCount", count);
        cJSON_AddStringToObject(o, "LastHeartbeatTime", sim_gets(agent, "LastHeartbeatTime"));
        cJSON_AddBoolToObject(o, "SupportSessionManager", online);
        cJSON_AddItemToArray(items, o);
    }
    free(ids);
    return sim_page(c, items, "InstanceCloudAssistantStatusSet", "InstanceCloudAssistantStatus",
                    10, 50, 1);
}

/* ---- Stop, delete, install ------------------------------------------------------------------- */

/* StopInvocation: target instances whose run has not started are cancelled (their pending
 * transitions dropped); runs already under way or finished go on as they were. */
static err_code op_stop_invocation(struct sim_ctx *c)
{
    const char *id = NULL, **ids = NULL;
    size_t n = 0;
    err_code rc = sim_req(c, "InvokeId", &id);
    if (!rc)
        rc = sim_list(c, "InstanceId", SIM_MAX_RUN_TARGETS, 403, "InstanceIds.ExceedLimit", &ids, &n);
    if (rc)
        return rc;
    cJSON *inv = sim_find(c->root, "Invocations", "InvokeId", id);
    if (!inv || strcmp(sim_gets(inv, "RegionId"), c->region) != 0) {
        free(ids);
        return sim_fail(c, 404, "InvalidInvokeId.NotFound", "The specified invoke ID does not exist.");
    }
    for (size_t i = 0; i < n && !rc; i++)
        if (!has_instance(inv, ids[i]))
            rc = sim_fail(c, 404, "InvalidInstance.NotFound",
                          "Instance %s is not a target of invocation %s.", ids[i], id);
    char when[32];
    sim_iso_time(c->now, when);
    cJSON *r = NULL;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(
                              cJSON_GetObjectItemCaseSensitive(inv, "InvokeInstances"), "InvokeInstance")) {
        int chosen = n == 0;
        for (size_t i = 0; i < n; i++)
            chosen |= strcmp(ids[i], sim_gets(r, "InstanceId")) == 0;
        if (rc || !chosen || strcmp(sim_gets(r, "InvocationStatus"), "Pending") != 0)
            continue;
        cJSON_DeleteItemFromObjectCaseSensitive(r, "_Transitions");
        sim_sets(r, "InvocationStatus", "Cancelled");
        sim_sets(r, "InstanceInvokeStatus", "Stopped");
        sim_sets(r, "InvokeRecordStatus", "Stopped");
        sim_sets(r, "StopTime", when);
    }
    free(ids);
    return rc;
}

static err_code op_delete_command(struct sim_ctx *c)
{
    const char *id = NULL;
    err_code rc = sim_req(c, "CommandId", &id);
    if (rc)
        return rc;
    cJSON *cmd = find_command(c, id);
    if (!cmd)
        return sim_fail(c, 404, "InvalidCmdId.NotFound", "The command \"%s\" does not exist.", id);
    const cJSON *inv = NULL;
    cJSON_ArrayForEach(inv, sim_kind(c->root, "Invocations")) {
        const char *st = overall_status(inv);
        if (strcmp(sim_gets(inv, "CommandId"), id) == 0 &&
            (strcmp(st, "Pending") == 0 || strcmp(st, "Running") == 0))
            return sim_fail(c, 403, "Operation.Forbidden",
                            "The command is being run by invocation %s and cannot be deleted.",
                            sim_gets(inv, "InvokeId"));
    }
    cJSON_Delete(cJSON_DetachItemViaPointer(sim_kind(c->root, "Commands"), cmd));
    return ERR_OK;
}

/* InstallCloudAssistant: the agent of each instance (Running, in the region) comes up after one
 * transition; one already installed is left as it is. */
static err_code op_install_cloud_assistant(struct sim_ctx *c)
{
    const char **ids = NULL;
    size_t n = 0;
    err_code rc = sim_list(c, "InstanceId", SIM_MAX_INSTALL, 403, "InstanceIds.ExceedLimit", &ids, &n);
    if (!rc && n == 0)
        rc = sim_req(c, "InstanceId.1", &(const char *){NULL});
    for (size_t i = 0; !rc && i < n; i++) {
        cJSON *inst = sim_find(c->root, "Instances", "InstanceId", ids[i]);
        if (!inst || strcmp(sim_gets(inst, "RegionId"), c->region) != 0) {
            rc = sim_fail(c, 404, "InvalidInstance.NotFound", "The specified instance does not exist.");
            break;
        }
        if (strcmp(sim_gets(inst, "Status"), "Running") != 0) {
            rc = sim_fail(c, 403, "IncorrectInstanceStatus",
                          "The instance \"%s\" is %s; installing the agent needs Running.", ids[i],
                          sim_gets(inst, "Status"));
            break;
        }
        cJSON *agent = cJSON_GetObjectItemCaseSensitive(inst, "_Agent");
        if (!agent)
            agent = cJSON_AddObjectToObject(inst, "_Agent");
        if (strcmp(sim_gets(agent, "Status"), "true") == 0)
            continue;
        char when[32];
        sim_iso_time(c->now + c->transition_ms, when);
        sim_schedule(c, agent, c->transition_ms, "Status", "true");
        sim_schedule(c, agent, c->transition_ms, "Version", SIM_AGENT_VERSION);
        sim_schedule(c, agent, c->transition_ms, "LastHeartbeatTime", when);
    }
    free(ids);
    return rc;
}

/* action, version, handler, mutating, DryRun, ClientToken, RegionId required, parameters. */
const struct sim_op sim_ops_assist[] = {
    {"DescribeCloudAssistantStatus", "2014-05-26", op_describe_cloud_assistant_status, 0,
     SIM_DRY_NONE, 0, 1, "InstanceId.N OSType PageNumber PageSize MaxResults NextToken"},
    {"CreateCommand", "2014-05-26", op_create_command, 1, SIM_DRY_NONE, 1, 1,
     "Name Type CommandContent ContentEncoding Timeout Description WorkingDir ResourceGroupId "
     "Tag.N.Key Tag.N.Value"},
    {"DescribeCommands", "2014-05-26", op_describe_commands, 0, SIM_DRY_NONE, 0, 1,
     "CommandId Name Type Description ContentEncoding ResourceGroupId Tag.N.Key Tag.N.Value "
     "PageNumber PageSize MaxResults NextToken"},
    {"DeleteCommand", "2014-05-26", op_delete_command, 1, SIM_DRY_NONE, 0, 1, "CommandId"},
    {"InvokeCommand", "2014-05-26", op_invoke_command, 1, SIM_DRY_NONE, 1, 1,
     "CommandId InstanceId.N Parameters Timeout Username WorkingDir RepeatMode ResourceGroupId "
     "Tag.N.Key Tag.N.Value"},
    {"RunCommand", "2014-05-26", op_run_command, 1, SIM_DRY_NONE, 1, 1,
     "Type CommandContent ContentEncoding InstanceId.N KeepCommand Timeout Name Description "
     "WorkingDir Username Parameters RepeatMode ResourceGroupId Tag.N.Key Tag.N.Value"},
    {"StopInvocation", "2014-05-26", op_stop_invocation, 1, SIM_DRY_NONE, 0, 1,
     "InvokeId InstanceId.N"},
    {"DescribeInvocations", "2014-05-26", op_describe_invocations, 0, SIM_DRY_NONE, 0, 1,
     "InvokeId CommandId CommandName CommandType InstanceId InvokeStatus RepeatMode Timed "
     "ContentEncoding IncludeOutput ResourceGroupId Tag.N.Key Tag.N.Value PageNumber PageSize "
     "MaxResults NextToken"},
    {"DescribeInvocationResults", "2014-05-26", op_describe_invocation_results, 0, SIM_DRY_NONE, 0,
     1, "InvokeId CommandId InstanceId InvokeRecordStatus IncludeHistory ContentEncoding "
     "ResourceGroupId Tag.N.Key Tag.N.Value PageNumber PageSize MaxResults NextToken"},
    {"InstallCloudAssistant", "2014-05-26", op_install_cloud_assistant, 1, SIM_DRY_NONE, 0, 1,
     "InstanceId.N"},
    {NULL, NULL, NULL, 0, SIM_DRY_NONE, 0, 0, NULL},
};
