/* ops_eni.c - simulator operations on elastic network interfaces: create, attach
 * (Available -> Attaching -> InUse), detach (InUse -> Detaching -> Available), modify, delete.
 * Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_MAX_ENI_PER_INSTANCE 8 /* ENIs one simulated instance may hold (primary included) */
#define SIM_MAX_ENI_GROUPS 5       /* security groups of one ENI */

static cJSON *find_eni(struct sim_ctx *c, const char *id)
{
    cJSON *e = sim_find(c->root, "NetworkInterfaces", "NetworkInterfaceId", id);
    if (e && c->region && strcmp(sim_gets(e, "RegionId"), c->region) != 0)
        return NULL;
    return e;
}

static err_code eni_arg(struct sim_ctx *c, cJSON **ret)
{
    const char *id = NULL;
    err_code rc = sim_req(c, "NetworkInterfaceId", &id);
    if (rc)
        return rc;
    *ret = find_eni(c, id);
    if (!*ret)
        return sim_fail(c, 404, "InvalidEniId.NotFound",
                        "The specified NetworkInterfaceId \"%s\" does not exist.", id);
    return ERR_OK;
}

static err_code ecs_arg(struct sim_ctx *c, cJSON **ret)
{
    const char *id = NULL;
    err_code rc = sim_req(c, "InstanceId", &id);
    if (rc)
        return rc;
    *ret = sim_find(c->root, "Instances", "InstanceId", id);
    if (!*ret || strcmp(sim_gets(*ret, "RegionId"), c->region) != 0)
        return sim_fail(c, 404, "InvalidEcsId.NotFound",
                        "The specified InstanceId \"%s\" does not exist.", id);
    return ERR_OK;
}

/* Security groups for an ENI: all must exist and sit in `vpc`. Returns a new string array. */
static err_code read_groups(struct sim_ctx *c, const char *list_name, const char *vpc,
                            cJSON **ret)
{
    const char **ids = NULL;
    size_t n = 0;
    *ret = NULL;
    err_code rc = sim_list(c, list_name, SIM_MAX_ENI_GROUPS, 403,
                           "InvalidSecurityGroupId.ExceedLimit", &ids, &n);
    if (rc)
        return rc;
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n && !rc; i++) {
        const cJSON *g = sim_find_group(c, ids[i]);
        if (!g)
            rc = sim_fail(c, 404, "InvalidSecurityGroupId.NotFound",
                          "The specified SecurityGroupId \"%s\" does not exist.", ids[i]);
        else if (strcmp(sim_gets(g, "VpcId"), vpc) != 0)
            rc = sim_fail(c, 403, "InvalidOperation.VpcMismatch",
                          "Security group %s is not in VPC %s.", ids[i], vpc);
        else
            cJSON_AddItemToArray(arr, cJSON_CreateString(ids[i]));
    }
    free(ids);
    if (rc)
        cJSON_Delete(arr);
    else
        *ret = arr;
    return rc;
}

static err_code op_create_network_interface(struct sim_ctx *c)
{
    const char *vsw_id = NULL, *name = sim_opt(c, "NetworkInterfaceName");
    const char *desc = sim_opt(c, "Description"), *one_group = sim_opt(c, "SecurityGroupId");
    const char *ip = sim_opt(c, "PrimaryIpAddress");
    cJSON *groups = NULL;
    err_code rc = sim_req(c, "VSwitchId", &vsw_id);
    if (!rc)
        rc = sim_room(c, "NetworkInterfaces", "MaxEniCountExceeded");
    if (rc)
        return rc;
    const cJSON *vsw = sim_find(c->root, "VSwitches", "VSwitchId", vsw_id);
    if (!vsw || strcmp(sim_gets(vsw, "RegionId"), c->region) != 0)
        return sim_fail(c, 404, "InvalidVSwitchId.NotFound", "The specified VSwitchId does not exist.");
    if (name && !sim_name_ok(name, 128))
        return sim_fail(c, 400, "InvalidName.Malformed", "NetworkInterfaceName is not valid.");
    if (!sim_desc_ok(desc, 2, 256))
        return sim_fail(c, 400, "InvalidDescription.Malformed", "Description is not valid.");
    const char *vpc = sim_gets(vsw, "VpcId");
    rc = read_groups(c, "SecurityGroupIds", vpc, &groups);
    if (rc)
        return rc;
    if (one_group && cJSON_GetArraySize(groups) > 0) {
        cJSON_Delete(groups);
        return sim_fail(c, 400, "InvalidParameter.Conflict",
                        "SecurityGroupId and SecurityGroupIds.N cannot both be set.");
    }
    if (one_group) {
        const cJSON *g = sim_find_group(c, one_group);
        if (!g || strcmp(sim_gets(g, "VpcId"), vpc) != 0) {
            cJSON_Delete(groups);
            return g ? sim_fail(c, 403, "InvalidOperation.VpcMismatch",
                                "The security group is not in the vSwitch's VPC.")
                     : sim_fail(c, 404, "InvalidSecurityGroupId.NotFound",
                                "The specified SecurityGroupId does not exist.");
        }
        cJSON_AddItemToArray(groups, cJSON_CreateString(one_group));
    }
    if (cJSON_GetArraySize(groups) == 0) {
        cJSON_Delete(groups);
        return sim_fail(c, 400, "MissingParameter", "The input parameter \"SecurityGroupId\" that "
                        "is mandatory for processing this request is not supplied.");
    }
    char id[40], when[32], mac[24], ipbuf[48];
    sim_new_id("eni-", id);
    sim_iso_time(c->now, when);
    unsigned char r[4];
    random_bytes(r, sizeof r);
    snprintf(mac, sizeof mac, "00:16:3e:%02x:%02x:%02x", r[0], r[1], r[2]);
    if (!ip) {
        /* A host address in the vSwitch's /24-style block: keep the first three octets. */
        const char *cidr = sim_gets(vsw, "CidrBlock");
        const char *dot = strrchr(cidr, '.');
        int prefix_len = dot ? (int)(dot - cidr) : 0;
        snprintf(ipbuf, sizeof ipbuf, "%.*s.%d", prefix_len, cidr, 100 + r[3] % 150);
        ip = ipbuf;
    }
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "NetworkInterfaceId", id);
    cJSON_AddStringToObject(e, "NetworkInterfaceName", name ? name : "");
    cJSON_AddStringToObject(e, "Description", desc ? desc : "");
    cJSON_AddStringToObject(e, "RegionId", c->region);
    cJSON_AddStringToObject(e, "Status", "Available");
    cJSON_AddStringToObject(e, "Type", "Secondary");
    cJSON_AddStringToObject(e, "InstanceId", "");
    cJSON_AddStringToObject(e, "VpcId", vpc);
    cJSON_AddStringToObject(e, "VSwitchId", vsw_id);
    cJSON_AddStringToObject(e, "ZoneId", sim_gets(vsw, "ZoneId"));
    cJSON_AddStringToObject(e, "MacAddress", mac);
    cJSON_AddStringToObject(e, "PrivateIpAddress", ip);
    cJSON *set = cJSON_AddArrayToObject(cJSON_AddObjectToObject(e, "PrivateIpSets"), "PrivateIpSet");
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "PrivateIpAddress", ip);
    cJSON_AddBoolToObject(p, "Primary", 1);
    cJSON_AddItemToArray(set, p);
    cJSON_AddItemToObject(cJSON_AddObjectToObject(e, "SecurityGroupIds"), "SecurityGroupId", groups);
    cJSON_AddBoolToObject(e, "DeleteOnRelease", 0);
    cJSON_AddStringToObject(e, "CreationTime", when);
    cJSON_AddItemToArray(sim_kind(c->root, "NetworkInterfaces"), e);
    /* Synchronous: the answer already carries the Available ENI. */
    cJSON *pub = sim_public(e);
    cJSON *f = NULL;
    cJSON_ArrayForEach(f, pub)
        cJSON_AddItemToObject(c->out, f->string, cJSON_Duplicate(f, 1));
    cJSON_Delete(pub);
    return ERR_OK;
}

static int eni_count(struct sim_ctx *c, const char *inst)
{
    int n = 0;
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, sim_kind(c->root, "NetworkInterfaces"))
        n += strcmp(sim_gets(e, "InstanceId"), inst) == 0;
    return n;
}

static err_code op_attach_network_interface(struct sim_ctx *c)
{
    cJSON *inst = NULL, *eni = NULL;
    err_code rc = ecs_arg(c, &inst);
    if (!rc)
        rc = eni_arg(c, &eni);
    if (rc)
        return rc;
    const char *ist = sim_gets(inst, "Status");
    if (strcmp(sim_gets(eni, "Status"), "Available") != 0)
        return sim_fail(c, 400, "InvalidOperation.InvalidEniState",
                        "The network interface is %s; it must be Available.", sim_gets(eni, "Status"));
    if (strcmp(ist, "Running") != 0 && strcmp(ist, "Stopped") != 0)
        return sim_fail(c, 400, "InvalidOperation.InvalidEcsState",
                        "The instance is %s; it must be Running or Stopped.", ist);
    if (strcmp(sim_gets(eni, "ZoneId"), sim_gets(inst, "ZoneId")) != 0)
        return sim_fail(c, 403, "InvalidOperation.AvailabilityZoneMismatch",
                        "The network interface is in %s but the instance is in %s.",
                        sim_gets(eni, "ZoneId"), sim_gets(inst, "ZoneId"));
    const cJSON *va = cJSON_GetObjectItemCaseSensitive(inst, "VpcAttributes");
    if (strcmp(sim_gets(eni, "VpcId"), sim_gets(va, "VpcId")) != 0)
        return sim_fail(c, 403, "InvalidOperation.VpcMismatch",
                        "The network interface and the instance are in different VPCs.");
    const char *iid = sim_gets(inst, "InstanceId");
    if (eni_count(c, iid) >= SIM_MAX_ENI_PER_INSTANCE)
        return sim_fail(c, 403, "EniPerInstanceLimitExceeded",
                        "The instance already has %d network interfaces.", SIM_MAX_ENI_PER_INSTANCE);
    sim_sets(eni, "Status", "Attaching");
    sim_sets(eni, "InstanceId", iid);
    cJSON_DeleteItemFromObjectCaseSensitive(eni, "Attachment");
    cJSON *att = cJSON_AddObjectToObject(eni, "Attachment");
    cJSON_AddStringToObject(att, "InstanceId", iid);
    cJSON_AddNumberToObject(att, "DeviceIndex", eni_count(c, iid) - 1);
    sim_schedule(c, eni, c->transition_ms, "Status", "InUse");
    return ERR_OK;
}

static err_code op_detach_network_interface(struct sim_ctx *c)
{
    cJSON *inst = NULL, *eni = NULL;
    err_code rc = ecs_arg(c, &inst);
    if (!rc)
        rc = eni_arg(c, &eni);
    if (rc)
        return rc;
    if (strcmp(sim_gets(eni, "InstanceId"), sim_gets(inst, "InstanceId")) != 0)
        return sim_fail(c, 403, "InvalidOperation.InvalidEniState",
                        "The network interface is not attached to this instance.");
    if (strcmp(sim_gets(eni, "Type"), "Primary") == 0)
        return sim_fail(c, 403, "InvalidOperation.DetachPrimaryEniNotAllowed",
                        "The primary network interface cannot be detached.");
    if (strcmp(sim_gets(eni, "Status"), "InUse") != 0)
        return sim_fail(c, 400, "InvalidOperation.InvalidEniState",
                        "The network interface is %s; it must be InUse.", sim_gets(eni, "Status"));
    sim_sets(eni, "Status", "Detaching");
    cJSON_DeleteItemFromObjectCaseSensitive(eni, "Attachment");
    sim_schedule(c, eni, c->transition_ms, "Status", "Available");
    sim_schedule(c, eni, c->transition_ms, "InstanceId", "");
    return ERR_OK;
}

static err_code op_modify_network_interface_attribute(struct sim_ctx *c)
{
    cJSON *eni = NULL, *groups = NULL;
    err_code rc = eni_arg(c, &eni);
    if (rc)
        return rc;
    if (strcmp(sim_gets(eni, "Status"), "Available") != 0)
        return sim_fail(c, 403, "InvalidOperation.InvalidEniState",
                        "The network interface is %s; the simulator modifies only Available ones.",
                        sim_gets(eni, "Status"));
    const char *name = sim_opt(c, "NetworkInterfaceName"), *desc = sim_opt(c, "Description");
    if (name && !sim_name_ok(name, 128))
        return sim_fail(c, 400, "InvalidName.Malformed", "NetworkInterfaceName is not valid.");
    if (!sim_desc_ok(desc, 2, 255))
        return sim_fail(c, 400, "InvalidDescription.Malformed", "Description is not valid.");
    rc = read_groups(c, "SecurityGroupId", sim_gets(eni, "VpcId"), &groups);
    if (rc)
        return rc;
    if (cJSON_GetArraySize(groups) > 0) {
        cJSON *wrap = cJSON_GetObjectItemCaseSensitive(eni, "SecurityGroupIds");
        cJSON_DeleteItemFromObjectCaseSensitive(wrap, "SecurityGroupId");
        cJSON_AddItemToObject(wrap, "SecurityGroupId", groups);
        groups = NULL;
    }
    cJSON_Delete(groups);
    if (name)
        sim_sets(eni, "NetworkInterfaceName", name);
    if (desc)
        sim_sets(eni, "Description", desc);
    return ERR_OK;
}

static err_code op_delete_network_interface(struct sim_ctx *c)
{
    cJSON *eni = NULL;
    err_code rc = eni_arg(c, &eni);
    if (rc)
        return rc;
    if (strcmp(sim_gets(eni, "Type"), "Primary") == 0 ||
        strcmp(sim_gets(eni, "Status"), "Available") != 0)
        return sim_fail(c, 403, "InvalidOperation.InvalidEniState",
                        "Only an Available secondary network interface can be deleted (it is %s).",
                        sim_gets(eni, "Status"));
    cJSON_Delete(cJSON_DetachItemViaPointer(sim_kind(c->root, "NetworkInterfaces"), eni));
    return ERR_OK;
}

static err_code op_describe_network_interfaces(struct sim_ctx *c)
{
    const char **ids = NULL;
    size_t n = 0;
    err_code rc = sim_list(c, "NetworkInterfaceId", 100, 400, "InvalidParameter.EniIdCount", &ids, &n);
    if (rc)
        return rc;
    /* parameter -> field equality filters */
    static const char *const filters[][2] = {
        {"InstanceId", "InstanceId"}, {"VpcId", "VpcId"}, {"VSwitchId", "VSwitchId"},
        {"Type", "Type"}, {"Status", "Status"}, {"PrimaryIpAddress", "PrivateIpAddress"},
        {"NetworkInterfaceName", "NetworkInterfaceName"},
    };
    const char *sg = sim_opt(c, "SecurityGroupId");
    cJSON *items = cJSON_CreateArray();
    cJSON *e = NULL;
    cJSON_ArrayForEach(e, sim_kind(c->root, "NetworkInterfaces")) {
        if (strcmp(sim_gets(e, "RegionId"), c->region) != 0)
            continue;
        int ok = n == 0;
        for (size_t i = 0; i < n; i++)
            ok |= strcmp(ids[i], sim_gets(e, "NetworkInterfaceId")) == 0;
        for (size_t f = 0; ok && f < ARRAY_LEN(filters); f++) {
            const char *want = sim_opt(c, filters[f][0]);
            ok = !want || strcmp(want, sim_gets(e, filters[f][1])) == 0;
        }
        if (ok && sg) {
            int in = 0;
            const cJSON *g = NULL;
            cJSON_ArrayForEach(g, sim_group_ids(e))
                in |= cJSON_IsString(g) && strcmp(g->valuestring, sg) == 0;
            ok = in;
        }
        if (ok)
            cJSON_AddItemToArray(items, sim_public(e));
    }
    free(ids);
    return sim_page(c, items, "NetworkInterfaceSets", "NetworkInterfaceSet", 10, 500, 1);
}

/* action, version, handler, mutating, DryRun, ClientToken, RegionId required. */
const struct sim_op sim_ops_eni[] = {
    {"DescribeNetworkInterfaces", "2014-05-26", op_describe_network_interfaces, 0, SIM_DRY_NONE, 0, 1},
    {"CreateNetworkInterface", "2014-05-26", op_create_network_interface, 1, SIM_DRY_NONE, 1, 1},
    {"AttachNetworkInterface", "2014-05-26", op_attach_network_interface, 1, SIM_DRY_NONE, 0, 1},
    {"DetachNetworkInterface", "2014-05-26", op_detach_network_interface, 1, SIM_DRY_NONE, 0, 1},
    {"ModifyNetworkInterfaceAttribute", "2014-05-26", op_modify_network_interface_attribute, 1,
     SIM_DRY_NONE, 0, 1},
    {"DeleteNetworkInterface", "2014-05-26", op_delete_network_interface, 1, SIM_DRY_NONE, 0, 1},
    {NULL, NULL, NULL, 0, SIM_DRY_NONE, 0, 0},
};
