/* ops_instances.c - simulator operations on regions and instances: describe, the lifecycle
 * state machine (Stopped -> Starting -> Running -> Stopping -> Stopped) and release.
 * Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#define SIM_MAX_BATCH 100 /* InstanceId.N of the batch operations */

static const char *const instance_statuses[] = {"Pending", "Starting", "Running", "Stopping",
                                                "Stopped"};

/* One lifecycle verb: which status it needs, the status it shows at once, and the status it
 * reaches after one transition. To add a verb: add a row and a handler that calls run_verb. */
struct verb {
    const char *name;      /* "start", "stop", "reboot" */
    const char *from;      /* required current status */
    const char *now;       /* status right after the call */
    const char *then;      /* status after transition_ms */
};

static const struct verb verb_start = {"start", "Stopped", "Starting", "Running"};
static const struct verb verb_stop = {"stop", "Running", "Stopping", "Stopped"};
static const struct verb verb_reboot = {"reboot", "Running", "Starting", "Running"};

static cJSON *find_instance(struct sim_ctx *c, const char *id)
{
    cJSON *inst = sim_find(c->root, "Instances", "InstanceId", id);
    if (inst && c->region && strcmp(sim_gets(inst, "RegionId"), c->region) != 0)
        return NULL;
    return inst;
}

static err_code instance_not_found(struct sim_ctx *c, const char *id)
{
    return sim_fail(c, 404, "InvalidInstanceId.NotFound",
                    "The specified InstanceId \"%s\" does not exist.", id ? id : "");
}

/* 1 when the instance's OperationLocks list `reason` ("security" forbids every operation). */
static int locked_for(const cJSON *inst, const char *reason)
{
    const cJSON *locks = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(inst, "OperationLocks"), "LockReason");
    const cJSON *l = NULL;
    cJSON_ArrayForEach(l, locks) {
        if (strcmp(sim_gets(l, "LockReason"), reason) == 0)
            return 1;
    }
    return 0;
}

/* Check and apply one verb to one instance. */
static err_code run_verb(struct sim_ctx *c, cJSON *inst, const struct verb *v)
{
    if (locked_for(inst, "security"))
        return sim_fail(c, 403, "InstanceLockedForSecurity",
                        "The instance is locked for security reasons.");
    if (strcmp(sim_gets(inst, "Status"), v->from) != 0)
        return sim_fail(c, 403, "IncorrectInstanceStatus",
                        "The current status of the instance (%s) does not support this operation; "
                        "%s needs %s.", sim_gets(inst, "Status"), v->name, v->from);
    char when[32];
    sim_iso_time(c->now, when);
    sim_sets(inst, "Status", v->now);
    sim_schedule(c, inst, c->transition_ms, "Status", v->then);
    if (v != &verb_start)
        sim_events_avoid(c, sim_gets(inst, "InstanceId"));
    if (v == &verb_stop) {
        const char *mode = sim_opt(c, "StoppedMode");
        sim_sets(inst, "StoppedMode", mode ? mode : "KeepCharging");
    } else {
        sim_sets(inst, "StartTime", when);
        sim_sets(inst, "StoppedMode", "Not-applicable");
    }
    return ERR_OK;
}

static err_code single_verb(struct sim_ctx *c, const struct verb *v)
{
    const char *id = NULL;
    err_code rc = sim_req(c, "InstanceId", &id);
    if (rc)
        return rc;
    cJSON *inst = find_instance(c, id);
    if (!inst)
        return instance_not_found(c, id);
    return run_verb(c, inst, v);
}

static err_code op_start_instance(struct sim_ctx *c) { return single_verb(c, &verb_start); }
static err_code op_stop_instance(struct sim_ctx *c) { return single_verb(c, &verb_stop); }
static err_code op_reboot_instance(struct sim_ctx *c) { return single_verb(c, &verb_reboot); }

/* The batch form: AllTogether (default) fails the whole call on the first error (the caller
 * discards the scratch state); SuccessFirst reports a result per instance. */
static err_code batch_verb(struct sim_ctx *c, const struct verb *v)
{
    const char **ids = NULL;
    size_t n = 0;
    err_code rc = sim_list(c, "InstanceId", SIM_MAX_BATCH, 400, "InvalidParameter.InstanceIdCount",
                           &ids, &n);
    if (rc)
        goto cleanup;
    if (n == 0) {
        rc = sim_req(c, "InstanceId.1", &(const char *){NULL});
        goto cleanup;
    }
    const char *mode = sim_opt(c, "BatchOptimization");
    int success_first = mode && strcmp(mode, "SuccessFirst") == 0;
    if (mode && !success_first && strcmp(mode, "AllTogether") != 0) {
        rc = sim_fail(c, 400, "InvalidBatchOptimization.ValueNotSupported",
                      "BatchOptimization must be AllTogether or SuccessFirst.");
        goto cleanup;
    }
    cJSON *wrap = cJSON_AddObjectToObject(c->out, "InstanceResponses");
    cJSON *arr = cJSON_AddArrayToObject(wrap, "InstanceResponse");
    for (size_t i = 0; i < n; i++) {
        cJSON *inst = find_instance(c, ids[i]);
        const char *prev = inst ? sim_gets(inst, "Status") : "";
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "InstanceId", ids[i]);
        cJSON_AddStringToObject(r, "PreviousStatus", prev);
        cJSON_AddItemToArray(arr, r);
        rc = inst ? run_verb(c, inst, v) : instance_not_found(c, ids[i]);
        if (rc && !success_first)
            goto cleanup;
        cJSON_AddStringToObject(r, "CurrentStatus", inst ? sim_gets(inst, "Status") : "");
        cJSON_AddStringToObject(r, "Code", rc ? c->fail.code : "200");
        cJSON_AddStringToObject(r, "Message", rc ? c->fail.msg : "success");
        rc = ERR_OK;
    }
cleanup:
    free(ids);
    return rc;
}

static err_code op_start_instances(struct sim_ctx *c) { return batch_verb(c, &verb_start); }
static err_code op_stop_instances(struct sim_ctx *c) { return batch_verb(c, &verb_stop); }
static err_code op_reboot_instances(struct sim_ctx *c) { return batch_verb(c, &verb_reboot); }

/* Release one instance: Stopped unless Force; its primary ENI goes with it, system disks and
 * DeleteWithInstance disks are deleted, other disks become Available. */
static err_code release_instance(struct sim_ctx *c, const char *id, int force)
{
    cJSON *inst = find_instance(c, id);
    if (!inst)
        return instance_not_found(c, id);
    if (locked_for(inst, "security"))
        return sim_fail(c, 403, "InstanceLockedForSecurity",
                        "The instance is locked for security reasons.");
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(inst, "DeletionProtection")))
        return sim_fail(c, 403, "InvalidOperation.DeletionProtection",
                        "The instance has deletion protection enabled.");
    const char *st = sim_gets(inst, "Status");
    if (strcmp(st, "Stopped") != 0 && !(force && strcmp(st, "Running") == 0))
        return sim_fail(c, 403, "IncorrectInstanceStatus",
                        "The instance is %s; it must be Stopped (or Running with Force=true).", st);
    cJSON *enis = sim_kind(c->root, "NetworkInterfaces");
    cJSON *e = NULL;
    cJSON_ArrayForEach(e, enis) {
        if (strcmp(sim_gets(e, "InstanceId"), id) == 0 &&
            strcmp(sim_gets(e, "Type"), "Primary") != 0)
            return sim_fail(c, 403, "InvalidOperation.EniLinked",
                            "A secondary network interface (%s) is still attached to the instance.",
                            sim_gets(e, "NetworkInterfaceId"));
    }
    for (e = enis->child; e;) {
        cJSON *next = e->next;
        if (strcmp(sim_gets(e, "InstanceId"), id) == 0)
            cJSON_Delete(cJSON_DetachItemViaPointer(enis, e));
        e = next;
    }
    cJSON *disks = sim_kind(c->root, "Disks");
    for (cJSON *d = disks->child; d;) {
        cJSON *next = d->next;
        if (strcmp(sim_gets(d, "InstanceId"), id) == 0) {
            if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "DeleteWithInstance"))) {
                cJSON_Delete(cJSON_DetachItemViaPointer(disks, d));
            } else {
                sim_sets(d, "Status", "Available");
                sim_sets(d, "InstanceId", "");
                sim_sets(d, "Device", "");
            }
        }
        d = next;
    }
    cJSON_Delete(cJSON_DetachItemViaPointer(sim_kind(c->root, "Instances"), inst));
    return ERR_OK;
}

static err_code op_delete_instance(struct sim_ctx *c)
{
    const char *id = NULL;
    int force = 0;
    err_code rc = sim_req(c, "InstanceId", &id);
    if (!rc)
        rc = sim_bool(c, "Force", 0, &force);
    return rc ? rc : release_instance(c, id, force);
}

static err_code op_delete_instances(struct sim_ctx *c)
{
    const char **ids = NULL;
    size_t n = 0;
    int force = 0;
    err_code rc = sim_list(c, "InstanceId", SIM_MAX_BATCH, 400, "InvalidParameter.InstanceIdCount",
                           &ids, &n);
    if (!rc && n == 0)
        rc = sim_req(c, "InstanceId.1", &(const char *){NULL});
    if (!rc)
        rc = sim_bool(c, "Force", 0, &force);
    for (size_t i = 0; !rc && i < n; i++)
        rc = release_instance(c, ids[i], force);
    free(ids);
    return rc;
}

/* ---- Describe ------------------------------------------------------------------------------ */

static int in_list(const cJSON *list, const char *s)
{
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, list) {
        if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0)
            return 1;
    }
    return 0;
}

static int has_group(const cJSON *inst, const char *sg)
{
    return in_list(cJSON_GetObjectItemCaseSensitive(
                       cJSON_GetObjectItemCaseSensitive(inst, "SecurityGroupIds"), "SecurityGroupId"),
                   sg);
}

/* An instance as DescribeInstances shows it: public fields plus its ENIs. */
static cJSON *render_instance(struct sim_ctx *c, const cJSON *inst)
{
    cJSON *o = sim_public(inst);
    cJSON *wrap = cJSON_AddObjectToObject(o, "NetworkInterfaces");
    cJSON *arr = cJSON_AddArrayToObject(wrap, "NetworkInterface");
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, sim_kind(c->root, "NetworkInterfaces")) {
        if (strcmp(sim_gets(e, "InstanceId"), sim_gets(inst, "InstanceId")) != 0)
            continue;
        cJSON *n = cJSON_CreateObject();
        cJSON_AddStringToObject(n, "NetworkInterfaceId", sim_gets(e, "NetworkInterfaceId"));
        cJSON_AddStringToObject(n, "Type", sim_gets(e, "Type"));
        cJSON_AddStringToObject(n, "MacAddress", sim_gets(e, "MacAddress"));
        cJSON_AddStringToObject(n, "PrimaryIpAddress", sim_gets(e, "PrivateIpAddress"));
        cJSON_AddItemToArray(arr, n);
    }
    return o;
}

/* Simple equality filters: request parameter -> instance field (dotted = nested object). */
static const struct {
    const char *param;
    const char *field;
    const char *sub;
} instance_filters[] = {
    {"ZoneId", "ZoneId", NULL},
    {"ImageId", "ImageId", NULL},
    {"InstanceType", "InstanceType", NULL},
    {"InstanceTypeFamily", "InstanceTypeFamily", NULL},
    {"InstanceNetworkType", "InstanceNetworkType", NULL},
    {"InstanceChargeType", "InstanceChargeType", NULL},
    {"InternetChargeType", "InternetChargeType", NULL},
    {"KeyPairName", "KeyPairName", NULL},
    {"ResourceGroupId", "ResourceGroupId", NULL},
    {"VpcId", "VpcAttributes", "VpcId"},
    {"VSwitchId", "VpcAttributes", "VSwitchId"},
};

/* JSON-array address filters: parameter -> the instance's address list (object, inner array;
 * EipAddress holds one string). An instance matches when one of its addresses is listed. */
static const struct {
    const char *param;
    const char *outer;
    const char *mid;   /* nested object or NULL */
    const char *inner; /* array of strings, or the string field of EipAddress */
} address_filters[] = {
    {"PrivateIpAddresses", "VpcAttributes", "PrivateIpAddress", "IpAddress"},
    {"PublicIpAddresses", "PublicIpAddress", NULL, "IpAddress"},
    {"InnerIpAddresses", "InnerIpAddress", NULL, "IpAddress"},
    {"EipAddresses", "EipAddress", NULL, "IpAddress"},
};

static int address_listed(const cJSON *inst, size_t f, const cJSON *want)
{
    const cJSON *holder = cJSON_GetObjectItemCaseSensitive(inst, address_filters[f].outer);
    if (address_filters[f].mid)
        holder = cJSON_GetObjectItemCaseSensitive(holder, address_filters[f].mid);
    const cJSON *have = cJSON_GetObjectItemCaseSensitive(holder, address_filters[f].inner);
    if (cJSON_IsString(have))
        return *have->valuestring && in_list(want, have->valuestring);
    const cJSON *a = NULL;
    cJSON_ArrayForEach(a, have) {
        if (cJSON_IsString(a) && in_list(want, a->valuestring))
            return 1;
    }
    return 0;
}

static err_code op_describe_instances(struct sim_ctx *c)
{
    cJSON *ids = NULL, *addrs[ARRAY_LEN(address_filters)] = {0};
    struct sim_tag_filter tags;
    struct sim_time_filter times;
    err_code rc = sim_json_list(c, "InstanceIds", 100, &ids);
    for (size_t f = 0; !rc && f < ARRAY_LEN(address_filters); f++)
        rc = sim_json_list(c, address_filters[f].param, 100, &addrs[f]);
    if (!rc)
        rc = sim_tag_filter(c, &tags);
    if (!rc)
        rc = sim_time_filter(c, 1, &times);
    if (rc)
        goto cleanup;
    const char *status = sim_opt(c, "Status");
    if (status) {
        int known = 0;
        for (size_t i = 0; i < ARRAY_LEN(instance_statuses); i++)
            known |= strcmp(status, instance_statuses[i]) == 0;
        if (!known) {
            rc = sim_fail(c, 404, "InvalidStatus.NotFound",
                          "The specified Status \"%s\" is not valid.", status);
            goto cleanup;
        }
    }
    const char *name = sim_opt(c, "InstanceName");
    const char *sg = sim_opt(c, "SecurityGroupId"), *lock = sim_opt(c, "LockReason");
    cJSON *items = cJSON_CreateArray();
    const cJSON *inst = NULL;
    cJSON_ArrayForEach(inst, sim_kind(c->root, "Instances")) {
        if (strcmp(sim_gets(inst, "RegionId"), c->region) != 0)
            continue;
        if (ids && !in_list(ids, sim_gets(inst, "InstanceId")))
            continue;
        if (status && strcmp(sim_gets(inst, "Status"), status) != 0)
            continue;
        if (name && fnmatch(name, sim_gets(inst, "InstanceName"), 0) != 0)
            continue;
        if ((sg && !has_group(inst, sg)) || (lock && !locked_for(inst, lock)) ||
            !sim_tags_match(&tags, inst) || !sim_time_match(&times, inst))
            continue;
        int ok = 1;
        for (size_t f = 0; ok && f < ARRAY_LEN(address_filters); f++)
            ok = !addrs[f] || address_listed(inst, f, addrs[f]);
        for (size_t f = 0; ok && f < ARRAY_LEN(instance_filters); f++) {
            const char *want = sim_opt(c, instance_filters[f].param);
            const cJSON *holder = inst;
            if (instance_filters[f].sub)
                holder = cJSON_GetObjectItemCaseSensitive(inst, instance_filters[f].field);
            const char *have = sim_gets(holder, instance_filters[f].sub ? instance_filters[f].sub
                                                                        : instance_filters[f].field);
            ok = !want || strcmp(want, have) == 0;
        }
        if (ok)
            cJSON_AddItemToArray(items, render_instance(c, inst));
    }
    rc = sim_page(c, items, "Instances", "Instance", 10, 100, 1);
cleanup:
    cJSON_Delete(ids);
    for (size_t f = 0; f < ARRAY_LEN(address_filters); f++)
        cJSON_Delete(addrs[f]);
    return rc;
}

static err_code op_describe_instance_status(struct sim_ctx *c)
{
    const char **ids = NULL;
    size_t n = 0;
    err_code rc = sim_list(c, "InstanceId", 100, 400, "InvalidParameter.InstanceIdCount", &ids, &n);
    if (rc)
        return rc;
    const char *zone = sim_opt(c, "ZoneId");
    cJSON *items = cJSON_CreateArray();
    const cJSON *inst = NULL;
    cJSON_ArrayForEach(inst, sim_kind(c->root, "Instances")) {
        if (strcmp(sim_gets(inst, "RegionId"), c->region) != 0)
            continue;
        if (zone && strcmp(sim_gets(inst, "ZoneId"), zone) != 0)
            continue;
        int wanted = n == 0;
        for (size_t i = 0; i < n; i++)
            wanted |= strcmp(ids[i], sim_gets(inst, "InstanceId")) == 0;
        if (!wanted)
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "InstanceId", sim_gets(inst, "InstanceId"));
        cJSON_AddStringToObject(o, "Status", sim_gets(inst, "Status"));
        cJSON_AddItemToArray(items, o);
    }
    free(ids);
    return sim_page(c, items, "InstanceStatuses", "InstanceStatus", 10, 50, 0);
}

static err_code op_describe_regions(struct sim_ctx *c)
{
    cJSON *wrap = cJSON_AddObjectToObject(c->out, "Regions");
    cJSON *arr = cJSON_AddArrayToObject(wrap, "Region");
    const cJSON *r = NULL;
    cJSON_ArrayForEach(r, sim_kind(c->root, "Regions")) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "RegionId", sim_gets(r, "RegionId"));
        cJSON_AddStringToObject(o, "LocalName", sim_gets(r, "LocalName"));
        cJSON_AddStringToObject(o, "RegionEndpoint", sim_gets(r, "RegionEndpoint"));
        cJSON_AddItemToArray(arr, o);
    }
    return ERR_OK;
}

static err_code op_describe_zones(struct sim_ctx *c)
{
    const cJSON *region = sim_find(c->root, "Regions", "RegionId", c->region);
    cJSON *wrap = cJSON_AddObjectToObject(c->out, "Zones");
    cJSON *arr = cJSON_AddArrayToObject(wrap, "Zone");
    const cJSON *z = NULL;
    cJSON_ArrayForEach(z, cJSON_GetObjectItemCaseSensitive(region, "Zones")) {
        if (!cJSON_IsString(z))
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "ZoneId", z->valuestring);
        cJSON_AddStringToObject(o, "LocalName", z->valuestring);
        cJSON_AddItemToArray(arr, o);
    }
    return ERR_OK;
}

/* action, version, handler, mutating, DryRun, ClientToken, RegionId required, parameters. */
const struct sim_op sim_ops_instances[] = {
    {"DescribeRegions", "2014-05-26", op_describe_regions, 0, SIM_DRY_NONE, 0, 0, "AcceptLanguage"},
    {"DescribeZones", "2014-05-26", op_describe_zones, 0, SIM_DRY_NONE, 0, 1, "AcceptLanguage"},
    {"DescribeInstances", "2014-05-26", op_describe_instances, 0, SIM_DRY_OP, 0, 1,
     "InstanceIds Status InstanceName SecurityGroupId LockReason ZoneId ImageId InstanceType "
     "InstanceTypeFamily InstanceNetworkType InstanceChargeType InternetChargeType KeyPairName "
     "ResourceGroupId VpcId VSwitchId PrivateIpAddresses PublicIpAddresses InnerIpAddresses "
     "EipAddresses Tag.N.Key Tag.N.Value Filter.N.Key Filter.N.Value PageNumber PageSize "
     "MaxResults NextToken"},
    {"DescribeInstanceStatus", "2014-05-26", op_describe_instance_status, 0, SIM_DRY_NONE, 0, 1,
     "InstanceId.N ZoneId PageNumber PageSize"},
    {"StartInstance", "2014-05-26", op_start_instance, 1, SIM_DRY_OP, 0, 0,
     "InstanceId InitLocalDisk"},
    {"StopInstance", "2014-05-26", op_stop_instance, 1, SIM_DRY_OP, 0, 0,
     "InstanceId ForceStop StoppedMode ConfirmStop"},
    {"RebootInstance", "2014-05-26", op_reboot_instance, 1, SIM_DRY_OP, 0, 0, "InstanceId ForceStop"},
    {"StartInstances", "2014-05-26", op_start_instances, 1, SIM_DRY_BATCH, 0, 1,
     "InstanceId.N BatchOptimization"},
    {"StopInstances", "2014-05-26", op_stop_instances, 1, SIM_DRY_BATCH, 0, 1,
     "InstanceId.N ForceStop StoppedMode BatchOptimization"},
    {"RebootInstances", "2014-05-26", op_reboot_instances, 1, SIM_DRY_BATCH, 0, 1,
     "InstanceId.N ForceReboot BatchOptimization"},
    {"DeleteInstance", "2014-05-26", op_delete_instance, 1, SIM_DRY_OP, 0, 0,
     "InstanceId Force ForceStop TerminateSubscription"},
    {"DeleteInstances", "2014-05-26", op_delete_instances, 1, SIM_DRY_BATCH, 1, 1,
     "InstanceId.N Force ForceStop TerminateSubscription"},
    {NULL, NULL, NULL, 0, SIM_DRY_NONE, 0, 0, NULL},
};
