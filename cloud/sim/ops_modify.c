/* ops_modify.c - ModifyInstanceAttribute (names, password, protection, security groups, user
 * data) and ModifyInstanceSpec (instance type of a stopped pay-as-you-go instance, or its
 * public bandwidth). Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static err_code instance_arg(struct sim_ctx *c, cJSON **ret)
{
    const char *id = NULL;
    err_code rc = sim_req(c, "InstanceId", &id);
    if (rc)
        return rc;
    *ret = sim_find(c->root, "Instances", "InstanceId", id);
    if (!*ret || (c->region && strcmp(sim_gets(*ret, "RegionId"), c->region) != 0))
        return sim_fail(c, 404, "InvalidInstanceId.NotFound",
                        "The specified InstanceId \"%s\" does not exist.", id);
    const cJSON *lock = NULL;
    cJSON_ArrayForEach(lock, cJSON_GetObjectItemCaseSensitive(
                                 cJSON_GetObjectItemCaseSensitive(*ret, "OperationLocks"), "LockReason")) {
        if (strcmp(sim_gets(lock, "LockReason"), "security") == 0)
            return sim_fail(c, 403, "InstanceLockedForSecurity",
                            "The specified operation is denied as your instance is locked for "
                            "security reasons.");
    }
    return ERR_OK;
}

static int settled(const cJSON *inst)
{
    const char *st = sim_gets(inst, "Status");
    return strcmp(st, "Running") == 0 || strcmp(st, "Stopped") == 0;
}

/* ModifyInstanceAttribute: name, description, host name, password (checked and never kept),
 * deletion protection, the security groups (replaced, primary ENI too) and user data. */
static err_code op_modify_instance_attribute(struct sim_ctx *c)
{
    cJSON *inst = NULL, *groups = NULL;
    int protect = -1;
    err_code rc = instance_arg(c, &inst);
    if (!rc)
        rc = sim_tristate(c, "DeletionProtection", &protect);
    if (!rc)
        rc = sim_password_arg(c);
    if (!rc)
        rc = sim_user_data_arg(c);
    if (rc)
        return rc;
    const char *name = sim_opt(c, "InstanceName"), *desc = sim_opt(c, "Description");
    const char *host = sim_opt(c, "HostName");
    int windows = strcmp(sim_gets(inst, "OSType"), "windows") == 0;
    if (name && !sim_instance_name_ok(name))
        return sim_fail(c, 400, "InvalidInstanceName.Malformed",
                        "The specified parameter \"InstanceName\" is not valid.");
    if (!sim_desc_ok(desc, 2, 256))
        return sim_fail(c, 400, "InvalidDescription.Malformed",
                        "The specified parameter \"Description\" is not valid.");
    if (host && !sim_host_name_ok(host, windows))
        return sim_fail(c, 400, "InvalidHostName.Malformed",
                        "The specified parameter \"HostName\" is not valid.");
    if ((host || sim_opt(c, "Password") || sim_opt(c, "UserData")) && !settled(inst))
        return sim_fail(c, 403, "IncorrectInstanceStatus",
                        "The instance is %s; HostName, Password and UserData change on a Running or "
                        "Stopped instance.", sim_gets(inst, "Status"));
    const cJSON *va = cJSON_GetObjectItemCaseSensitive(inst, "VpcAttributes");
    rc = sim_groups_arg(c, 0, sim_gets(va, "VpcId"), &groups);
    if (rc)
        return rc;
    if (cJSON_GetArraySize(groups) > 0) {
        cJSON *wrap = cJSON_GetObjectItemCaseSensitive(inst, "SecurityGroupIds");
        cJSON_DeleteItemFromObjectCaseSensitive(wrap, "SecurityGroupId");
        cJSON_AddItemToObject(wrap, "SecurityGroupId", cJSON_Duplicate(groups, 1));
        cJSON *e = NULL;
        cJSON_ArrayForEach(e, sim_kind(c->root, "NetworkInterfaces")) {
            if (strcmp(sim_gets(e, "InstanceId"), sim_gets(inst, "InstanceId")) == 0 &&
                strcmp(sim_gets(e, "Type"), "Primary") == 0) {
                sim_group_ids(e); /* makes sure the wrapper exists */
                cJSON *wrap_e = cJSON_GetObjectItemCaseSensitive(e, "SecurityGroupIds");
                cJSON_DeleteItemFromObjectCaseSensitive(wrap_e, "SecurityGroupId");
                cJSON_AddItemToObject(wrap_e, "SecurityGroupId", cJSON_Duplicate(groups, 1));
            }
        }
    }
    cJSON_Delete(groups);
    if (name)
        sim_sets(inst, "InstanceName", name);
    if (desc)
        sim_sets(inst, "Description", desc);
    if (host)
        sim_sets(inst, "HostName", host);
    if (protect >= 0)
        sim_setb(inst, "DeletionProtection", protect);
    if (sim_opt(c, "Password"))
        sim_setb(inst, "_PasswordSet", 1);
    return ERR_OK;
}

/* ModifyInstanceSpec: one change per call - the instance type (pay-as-you-go, Stopped) or the
 * public bandwidth (Running or Stopped). */
static err_code op_modify_instance_spec(struct sim_ctx *c)
{
    cJSON *inst = NULL;
    long bw_out = -1, bw_in = -1;
    int async = 0;
    err_code rc = instance_arg(c, &inst);
    if (!rc)
        rc = sim_long(c, "InternetMaxBandwidthOut", 0, 1000000, -1, &bw_out);
    if (!rc)
        rc = sim_long(c, "InternetMaxBandwidthIn", 0, 1000000, -1, &bw_in);
    if (!rc)
        rc = sim_bool(c, "Async", 0, &async);
    if (rc)
        return rc;
    const char *type_id = sim_opt(c, "InstanceType");
    if (type_id && (bw_out >= 0 || bw_in >= 0))
        return sim_fail(c, 400, "InvalidParameter.Mismatch",
                        "Too many parameters in one request: change the instance type or the "
                        "bandwidth, not both.");
    if (!type_id && bw_out < 0 && bw_in < 0)
        return sim_fail(c, 400, "MissingParameter",
                        "One of InstanceType, InternetMaxBandwidthOut and InternetMaxBandwidthIn is "
                        "required.");
    if (type_id) {
        if (strcmp(sim_gets(inst, "InstanceChargeType"), "PostPaid") != 0)
            return sim_fail(c, 403, "ChargeTypeViolation",
                            "The operation is not permitted due to charge type of the instance "
                            "(subscription instances change type with ModifyPrepayInstanceSpec).");
        const struct sim_instance_type *t = sim_instance_type(type_id);
        if (!t)
            return sim_fail(c, 400, "InvalidInstanceType.ValueNotSupported",
                            "The specified InstanceType \"%s\" does not exist or beyond the permitted "
                            "range.", type_id);
        if (strcmp(type_id, sim_gets(inst, "InstanceType")) == 0)
            return sim_fail(c, 400, "DependencyViolation.InstanceType",
                            "The instance is already of type %s.", type_id);
        if (strcmp(sim_gets(inst, "Status"), "Stopped") != 0)
            return sim_fail(c, 400, "InvalidInstanceStatus.NotStopped",
                            "The specified Instance status is not stopped (it is %s); stop a "
                            "pay-as-you-go instance before changing its type.",
                            sim_gets(inst, "Status"));
        const cJSON *img = sim_find(c->root, "Images", "ImageId", sim_gets(inst, "ImageId"));
        const struct sim_instance_type *old = sim_instance_type(sim_gets(inst, "InstanceType"));
        int old_arm = old ? strcmp(old->arch, "ARM") == 0
                          : strcmp(sim_gets(img, "Architecture"), "arm64") == 0;
        if (old_arm != (strcmp(t->arch, "ARM") == 0))
            return sim_fail(c, 403, "ImageNotSupportInstanceType",
                            "The specified image does not support the InstanceType %s (%s).", type_id,
                            t->arch);
        if (sim_vcpus_in_region(c, sim_gets(inst, "RegionId")) - (int)sim_getn(inst, "Cpu") + t->cpu > SIM_VCPU_QUOTA)
            return sim_fail(c, 403, "QuotaExceed.ElasticQuota",
                            "The number of vCPUs assigned to the ECS instances has exceeded the "
                            "quota in the region.");
        sim_sets(inst, "InstanceType", t->id);
        sim_sets(inst, "InstanceTypeFamily", t->family);
        sim_setn(inst, "Cpu", t->cpu);
        sim_setn(inst, "Memory", t->memory_gib * 1024);
        return ERR_OK;
    }
    if (!settled(inst))
        return sim_fail(c, 403, "IncorrectInstanceStatus",
                        "The instance is %s; the bandwidth changes on a Running or Stopped instance.",
                        sim_gets(inst, "Status"));
    if (bw_out > SIM_MAX_BANDWIDTH_OUT)
        return sim_fail(c, 400, "InvalidInternetMaxBandwidthOut.Malformed",
                        "The specified parameter internetMaxBandwidthOut is not valid (0 to %d).",
                        SIM_MAX_BANDWIDTH_OUT);
    if (bw_in > SIM_MAX_BANDWIDTH_IN)
        return sim_fail(c, 400, "InvalidInternetMaxBandwidthIn.Malformed",
                        "The specified parameter internetMaxBandwidthIn is not valid (0 to %d).",
                        SIM_MAX_BANDWIDTH_IN);
    if (bw_in >= 0)
        sim_setn(inst, "InternetMaxBandwidthIn", (double)bw_in);
    if (bw_out >= 0) {
        sim_setn(inst, "InternetMaxBandwidthOut", (double)bw_out);
        cJSON *ips = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(inst, "PublicIpAddress"), "IpAddress");
        if (bw_out > 0 && cJSON_IsArray(ips) && cJSON_GetArraySize(ips) == 0) {
            char pub[SIM_IP_TEXT];
            sim_public_ip(c, pub);
            cJSON_AddItemToArray(ips, cJSON_CreateString(pub));
        }
    }
    return ERR_OK;
}

/* action, version, handler, mutating, DryRun, ClientToken, RegionId required, parameters. */
const struct sim_op sim_ops_modify[] = {
    {"ModifyInstanceAttribute", "2014-05-26", op_modify_instance_attribute, 1, SIM_DRY_NONE, 0, 0,
     "InstanceId InstanceName Description HostName Password DeletionProtection SecurityGroupIds.N "
     "UserData"},
    {"ModifyInstanceSpec", "2014-05-26", op_modify_instance_spec, 1, SIM_DRY_OP, 1, 0,
     "InstanceId InstanceType InternetMaxBandwidthOut InternetMaxBandwidthIn Async"},
    {NULL, NULL, NULL, 0, SIM_DRY_NONE, 0, 0, NULL},
};
