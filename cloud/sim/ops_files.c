/* ops_files.c - simulated Cloud Assistant file delivery: SendFile records a delivery per target
 * instance (Pending -> Running -> Success over one transition; nothing is written anywhere)
 * and DescribeSendFileResults reports them. Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The skill documentation's limits (see ops_assist.c on why these, not the API's larger
 * figures, are enforced). */
#define SIM_MAX_SEND_TARGETS 50 /* SendFile InstanceId.N */
#define SIM_MAX_FILE 32768      /* SendFile Content, Base64 bytes */

static const char *const file_statuses[] = {"Pending", "Running", "Success", "Failed",
                                            "PartialFailed", "Invalid", "Aborted", "Timeout"};

/* The settings of the file as the request gives them, with the documented defaults. */
static void add_file_fields(struct sim_ctx *c, cJSON *inv, const char *name, const char *dir,
                            const char *content, const char *ctype, int overwrite)
{
    static const struct {
        const char *param;
        const char *def;
    } fields[] = {
        {"FileMode", "0644"}, {"FileOwner", "root"}, {"FileGroup", "root"}, {"Description", ""},
    };
    cJSON_AddStringToObject(inv, "Name", name);
    cJSON_AddStringToObject(inv, "TargetDir", dir);
    cJSON_AddStringToObject(inv, "Content", content);
    cJSON_AddStringToObject(inv, "ContentType", ctype);
    cJSON_AddStringToObject(inv, "Overwrite", overwrite ? "true" : "false");
    for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
        const char *v = sim_opt(c, fields[i].param);
        cJSON_AddStringToObject(inv, fields[i].param, v ? v : fields[i].def);
    }
}

static err_code op_send_file(struct sim_ctx *c)
{
    const char *name = NULL, *dir = NULL, *content = NULL, **ids = NULL;
    size_t n = 0;
    int overwrite = 0;
    long timeout = 60;
    cJSON *tags = NULL;
    err_code rc = sim_req(c, "Name", &name);
    if (!rc)
        rc = sim_req(c, "TargetDir", &dir);
    if (!rc)
        rc = sim_req(c, "Content", &content);
    if (!rc)
        rc = sim_bool(c, "Overwrite", 0, &overwrite);
    if (!rc)
        rc = sim_long(c, "Timeout", 10, 86400, 60, &timeout);
    if (rc)
        return rc;
    const char *ctype = sim_opt(c, "ContentType"), *mode = sim_opt(c, "FileMode");
    if (ctype && strcmp(ctype, "Base64") != 0 && strcmp(ctype, "PlainText") != 0)
        return sim_fail(c, 400, "InvalidParameter.ContentType",
                        "ContentType must be PlainText or Base64.");
    int is_b64 = ctype && strcmp(ctype, "Base64") == 0;
    size_t size = is_b64 ? strlen(content) : sim_b64_len(strlen(content));
    if (strlen(name) > 255 || strlen(dir) > 255 || dir[0] != '/')
        return sim_fail(c, 403, "FileTargetDir.Invalid",
                        "TargetDir must be an absolute path and Name/TargetDir at most 255 bytes.");
    if (size > SIM_MAX_FILE)
        return sim_fail(c, 403, "FileSize.ExceedLimit",
                        "Content is %zu bytes once Base64-encoded; the limit is %u.", size,
                        SIM_MAX_FILE);
    if (is_b64 && !sim_b64_valid(content))
        return sim_fail(c, 403, "FileContent.DecodeError", "Content is not valid Base64.");
    long m = 0;
    if (mode && (strlen(mode) < 3 || strlen(mode) > 4 || strspn(mode, "01234567") != strlen(mode) ||
                 parse_long(mode, 0, 7777, &m) != ERR_OK))
        return sim_fail(c, 403, "FileMode.Invalid", "FileMode must be an octal mode such as 0644.");
    rc = sim_assist_targets(c, SIM_MAX_SEND_TARGETS, &ids, &n);
    if (!rc)
        rc = sim_room(c, "SendFiles", "InvocationCount.ExceedQuota");
    if (!rc)
        rc = sim_tags_read(c, &tags);
    if (rc)
        goto cleanup;
    char invoke[40], when[32], end[32];
    sim_new_id("f-hz0", invoke);
    sim_iso_time(c->now, when);
    sim_iso_time(c->now + c->transition_ms, end);
    cJSON *inv = cJSON_CreateObject();
    cJSON_AddStringToObject(inv, "InvokeId", invoke);
    cJSON_AddStringToObject(inv, "RegionId", c->region);
    add_file_fields(c, inv, name, dir, content, is_b64 ? "Base64" : "PlainText", overwrite);
    cJSON_AddNumberToObject(inv, "Timeout", (double)timeout);
    cJSON_AddStringToObject(inv, "CreationTime", when);
    const char *rg = sim_opt(c, "ResourceGroupId");
    cJSON_AddStringToObject(inv, "ResourceGroupId", rg ? rg : "");
    cJSON_AddNumberToObject(inv, "VmCount", (double)n);
    cJSON *arr = cJSON_AddArrayToObject(cJSON_AddObjectToObject(inv, "InvokeInstances"),
                                        "InvokeInstance");
    for (size_t i = 0; i < n; i++) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "InstanceId", ids[i]);
        cJSON_AddStringToObject(r, "InvocationStatus", "Pending");
        cJSON_AddStringToObject(r, "CreationTime", when);
        cJSON_AddStringToObject(r, "UpdateTime", when);
        cJSON_AddStringToObject(r, "StartTime", "");
        cJSON_AddStringToObject(r, "FinishTime", "");
        cJSON_AddStringToObject(r, "ErrorCode", "");
        cJSON_AddStringToObject(r, "ErrorInfo", "");
        sim_schedule(c, r, c->transition_ms / 2, "InvocationStatus", "Running");
        sim_schedule(c, r, c->transition_ms / 2, "StartTime", when);
        sim_schedule(c, r, c->transition_ms, "InvocationStatus", "Success");
        sim_schedule(c, r, c->transition_ms, "FinishTime", end);
        sim_schedule(c, r, c->transition_ms, "UpdateTime", end);
        cJSON_AddItemToArray(arr, r);
    }
    cJSON_AddItemToArray(sim_kind(c->root, "SendFiles"), inv);
    rc = sim_tags_add(c, inv, tags);
    if (!rc)
        cJSON_AddStringToObject(c->out, "InvokeId", invoke);
cleanup:
    cJSON_Delete(tags);
    free(ids);
    return rc;
}

/* The overall status of a delivery from its per-instance statuses. */
static const char *file_overall(const cJSON *inv)
{
    int pending = 0, running = 0, ok = 0, bad = 0;
    const cJSON *r = NULL;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(
                              cJSON_GetObjectItemCaseSensitive(inv, "InvokeInstances"), "InvokeInstance")) {
        const char *s = sim_gets(r, "InvocationStatus");
        pending += strcmp(s, "Pending") == 0;
        running += strcmp(s, "Running") == 0;
        ok += strcmp(s, "Success") == 0;
        bad += strcmp(s, "Pending") != 0 && strcmp(s, "Running") != 0 && strcmp(s, "Success") != 0;
    }
    if (running || (pending && (ok || bad)))
        return "Running";
    if (pending)
        return "Pending";
    if (bad)
        return ok ? "PartialFailed" : "Failed";
    return "Success";
}

static int file_has_instance(const cJSON *inv, const char *id)
{
    const cJSON *r = NULL;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(
                              cJSON_GetObjectItemCaseSensitive(inv, "InvokeInstances"), "InvokeInstance")) {
        if (strcmp(sim_gets(r, "InstanceId"), id) == 0)
            return 1;
    }
    return 0;
}

static err_code op_describe_send_file_results(struct sim_ctx *c)
{
    const char *invoke = sim_opt(c, "InvokeId"), *inst = sim_opt(c, "InstanceId");
    const char *name = sim_opt(c, "Name"), *status = sim_opt(c, "InvocationStatus");
    const char *rg = sim_opt(c, "ResourceGroupId");
    struct sim_tag_filter tags;
    err_code rc = sim_tag_filter(c, &tags);
    if (rc)
        return rc;
    int known = !status;
    for (size_t i = 0; status && i < ARRAY_LEN(file_statuses); i++)
        known |= strcmp(status, file_statuses[i]) == 0;
    if (!known)
        return sim_fail(c, 400, "InvalidParameter.InvocationStatus",
                        "The InvocationStatus \"%s\" is not valid.", status);
    cJSON *items = cJSON_CreateArray();
    const cJSON *inv = NULL;
    cJSON_ArrayForEach(inv, sim_kind(c->root, "SendFiles")) {
        if (strcmp(sim_gets(inv, "RegionId"), c->region) != 0 ||
            (invoke && strcmp(invoke, sim_gets(inv, "InvokeId")) != 0) ||
            (inst && !file_has_instance(inv, inst)) ||
            (name && strcmp(name, sim_gets(inv, "Name")) != 0) ||
            (status && strcmp(status, file_overall(inv)) != 0) ||
            (rg && strcmp(rg, sim_gets(inv, "ResourceGroupId")) != 0) || !sim_tags_match(&tags, inv))
            continue;
        cJSON *o = sim_public(inv);
        cJSON_DeleteItemFromObjectCaseSensitive(o, "RegionId");
        cJSON_DeleteItemFromObjectCaseSensitive(o, "Timeout");
        sim_sets(o, "InvocationStatus", file_overall(inv));
        cJSON_AddItemToArray(items, o);
    }
    return sim_page(c, items, "Invocations", "Invocation", 10, 50, 1);
}

/* action, version, handler, mutating, DryRun, ClientToken, RegionId required, parameters. */
const struct sim_op sim_ops_files[] = {
    {"SendFile", "2014-05-26", op_send_file, 1, SIM_DRY_NONE, 1, 1,
     "InstanceId.N Name TargetDir Content ContentType FileMode FileOwner FileGroup Overwrite "
     "Timeout Description ResourceGroupId Tag.N.Key Tag.N.Value"},
    {"DescribeSendFileResults", "2014-05-26", op_describe_send_file_results, 0, SIM_DRY_NONE, 0, 1,
     "InvokeId InstanceId Name InvocationStatus ResourceGroupId Tag.N.Key Tag.N.Value PageNumber "
     "PageSize MaxResults NextToken"},
    {NULL, NULL, NULL, 0, SIM_DRY_NONE, 0, 0, NULL},
};
