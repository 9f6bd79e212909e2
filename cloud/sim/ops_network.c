/* ops_network.c - simulator operations on security groups, group membership (Join/Leave) and
 * the VPC product's read calls. Rules live in ops_rules.c, ENIs in ops_eni.c.
 * Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SIM_MAX_GROUPS_PER_INSTANCE 5 /* groups one instance or ENI may join */

/* The SecurityGroupIds.SecurityGroupId array of an instance or ENI (created when missing). */
cJSON *sim_group_ids(cJSON *obj)
{
    cJSON *wrap = cJSON_GetObjectItemCaseSensitive(obj, "SecurityGroupIds");
    if (!wrap)
        wrap = cJSON_AddObjectToObject(obj, "SecurityGroupIds");
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(wrap, "SecurityGroupId");
    if (!arr)
        arr = cJSON_AddArrayToObject(wrap, "SecurityGroupId");
    return arr;
}

static int array_has(const cJSON *arr, const char *s)
{
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, arr) {
        if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0)
            return 1;
    }
    return 0;
}

cJSON *sim_find_group(struct sim_ctx *c, const char *id)
{
    cJSON *g = sim_find(c->root, "SecurityGroups", "SecurityGroupId", id);
    if (g && c->region && strcmp(sim_gets(g, "RegionId"), c->region) != 0)
        return NULL;
    return g;
}

static err_code group_arg(struct sim_ctx *c, cJSON **ret)
{
    const char *id = NULL;
    err_code rc = sim_req(c, "SecurityGroupId", &id);
    if (rc)
        return rc;
    *ret = sim_find_group(c, id);
    if (!*ret)
        return sim_fail(c, 404, "InvalidSecurityGroupId.NotFound",
                        "The specified SecurityGroupId \"%s\" does not exist.", id);
    return ERR_OK;
}

/* ---- Describe / create / delete groups ------------------------------------------------------ */

static int group_members(struct sim_ctx *c, const char *sg)
{
    int n = 0;
    cJSON *inst = NULL;
    cJSON_ArrayForEach(inst, sim_kind(c->root, "Instances"))
        n += array_has(sim_group_ids(inst), sg);
    return n;
}

static err_code op_describe_security_groups(struct sim_ctx *c)
{
    cJSON *ids = NULL;
    struct sim_tag_filter tags;
    int managed = -1, fuzzy = 0, with_count = 0;
    err_code rc = sim_json_list(c, "SecurityGroupIds", 100, &ids);
    if (!rc)
        rc = sim_tag_filter(c, &tags);
    if (!rc)
        rc = sim_tristate(c, "ServiceManaged", &managed);
    if (!rc)
        rc = sim_bool(c, "FuzzyQuery", 0, &fuzzy);
    if (!rc)
        rc = sim_bool(c, "IsQueryEcsCount", 0, &with_count);
    const char *net = sim_opt(c, "NetworkType");
    if (!rc && net && strcmp(net, "vpc") != 0 && strcmp(net, "classic") != 0)
        rc = sim_fail(c, 400, "InvalidNetworkType.ValueNotSupported",
                      "NetworkType must be vpc or classic.");
    if (rc) {
        cJSON_Delete(ids);
        return rc;
    }
    const char *vpc = sim_opt(c, "VpcId"), *one = sim_opt(c, "SecurityGroupId");
    const char *name = sim_opt(c, "SecurityGroupName"), *type = sim_opt(c, "SecurityGroupType");
    const char *rg = sim_opt(c, "ResourceGroupId");
    cJSON *items = cJSON_CreateArray();
    cJSON *g = NULL;
    cJSON_ArrayForEach(g, sim_kind(c->root, "SecurityGroups")) {
        const char *id = sim_gets(g, "SecurityGroupId"), *gname = sim_gets(g, "SecurityGroupName");
        int name_ok = !name || (fuzzy ? strstr(gname, name) != NULL : strcmp(name, gname) == 0);
        /* Every simulated group is a VPC group: NetworkType=classic matches none. */
        if (strcmp(sim_gets(g, "RegionId"), c->region) != 0 || (ids && !array_has(ids, id)) ||
            (vpc && strcmp(vpc, sim_gets(g, "VpcId")) != 0) || (one && strcmp(one, id) != 0) ||
            !name_ok || (type && strcmp(type, sim_gets(g, "SecurityGroupType")) != 0) ||
            (rg && strcmp(rg, sim_gets(g, "ResourceGroupId")) != 0) ||
            (net && strcmp(net, "vpc") != 0) || !sim_tristate_ok(managed, g, "ServiceManaged") ||
            !sim_tags_match(&tags, g))
            continue;
        cJSON *o = sim_public(g);
        cJSON_DeleteItemFromObjectCaseSensitive(o, "Permissions");
        cJSON_AddNumberToObject(o, "EcsCount", group_members(c, id));
        cJSON_AddNumberToObject(o, "AvailableInstanceAmount", 2000 - group_members(c, id));
        cJSON_AddNumberToObject(o, "RuleCount",
                                cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(g, "Permissions")));
        cJSON_AddNumberToObject(o, "GroupToGroupRuleCount", 0);
        cJSON_AddItemToArray(items, o);
    }
    cJSON_Delete(ids);
    return sim_page(c, items, "SecurityGroups", "SecurityGroup", 10, 100, 1);
}

static err_code op_create_security_group(struct sim_ctx *c)
{
    const char *vpc = sim_opt(c, "VpcId"), *name = sim_opt(c, "SecurityGroupName");
    const char *desc = sim_opt(c, "Description"), *type = sim_opt(c, "SecurityGroupType");
    cJSON *tags = NULL;
    err_code rc = sim_room(c, "SecurityGroups", "QuotaExceed.SecurityGroup");
    if (!rc)
        rc = sim_tags_read(c, &tags);
    if (rc)
        return rc;
    const cJSON *v = vpc ? sim_find(c->root, "Vpcs", "VpcId", vpc) : NULL;
    rc = ERR_OK;
    if (vpc && (!v || strcmp(sim_gets(v, "RegionId"), c->region) != 0))
        rc = sim_fail(c, 404, "InvalidVpcId.NotFound", "The specified VpcId does not exist.");
    else if (name && !sim_name_ok(name, 128))
        rc = sim_fail(c, 400, "InvalidSecurityGroupName.Malformed",
                      "The security group name must be 2 to 128 characters, start with a letter "
                      "or a Chinese character and not start with http:// or https://.");
    else if (!sim_desc_ok(desc, 2, 256))
        rc = sim_fail(c, 400, "InvalidDescription.Malformed",
                      "The description must be 2 to 256 characters and not start with http(s)://.");
    else if (type && strcmp(type, "normal") != 0 && strcmp(type, "enterprise") != 0)
        rc = sim_fail(c, 400, "InvalidSecurityGroupType.ValueNotSupported",
                      "SecurityGroupType must be normal or enterprise.");
    if (rc) {
        cJSON_Delete(tags);
        return rc;
    }
    char id[40], when[32];
    sim_new_id("sg-", id);
    sim_iso_time(c->now, when);
    cJSON *g = cJSON_CreateObject();
    cJSON_AddStringToObject(g, "SecurityGroupId", id);
    cJSON_AddStringToObject(g, "RegionId", c->region);
    cJSON_AddStringToObject(g, "SecurityGroupName", name ? name : "");
    cJSON_AddStringToObject(g, "Description", desc ? desc : "");
    cJSON_AddStringToObject(g, "VpcId", vpc ? vpc : "");
    cJSON_AddStringToObject(g, "SecurityGroupType", type ? type : "normal");
    cJSON_AddStringToObject(g, "InnerAccessPolicy", type && strcmp(type, "enterprise") == 0 ? "Drop" : "Accept");
    cJSON_AddStringToObject(g, "CreationTime", when);
    cJSON_AddStringToObject(g, "ResourceGroupId", sim_opt(c, "ResourceGroupId") ? sim_opt(c, "ResourceGroupId") : "");
    cJSON_AddBoolToObject(g, "ServiceManaged", 0);
    cJSON_AddArrayToObject(g, "Permissions");
    cJSON_AddItemToArray(sim_kind(c->root, "SecurityGroups"), g);
    rc = sim_tags_add(c, g, tags);
    cJSON_Delete(tags);
    if (rc)
        return rc;
    cJSON_AddStringToObject(c->out, "SecurityGroupId", id);
    return ERR_OK;
}

static err_code op_delete_security_group(struct sim_ctx *c)
{
    cJSON *g = NULL;
    err_code rc = group_arg(c, &g);
    if (rc)
        return rc;
    const char *id = sim_gets(g, "SecurityGroupId");
    if (group_members(c, id) > 0)
        return sim_fail(c, 403, "DependencyViolation",
                        "There is still instance(s) in the specified security group.");
    cJSON *e = NULL;
    cJSON_ArrayForEach(e, sim_kind(c->root, "NetworkInterfaces")) {
        if (array_has(sim_group_ids(e), id))
            return sim_fail(c, 403, "DependencyViolation",
                            "The security group is still used by network interface %s.",
                            sim_gets(e, "NetworkInterfaceId"));
    }
    cJSON *other = NULL;
    cJSON_ArrayForEach(other, sim_kind(c->root, "SecurityGroups")) {
        const cJSON *r = NULL;
        cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(other, "Permissions")) {
            if (other != g && (strcmp(sim_gets(r, "SourceGroupId"), id) == 0 ||
                               strcmp(sim_gets(r, "DestGroupId"), id) == 0))
                return sim_fail(c, 403, "DependencyViolation",
                                "The security group is referenced by a rule of %s.",
                                sim_gets(other, "SecurityGroupId"));
        }
    }
    cJSON_Delete(cJSON_DetachItemViaPointer(sim_kind(c->root, "SecurityGroups"), g));
    return ERR_OK;
}

static err_code op_describe_security_group_attribute(struct sim_ctx *c)
{
    cJSON *g = NULL;
    err_code rc = group_arg(c, &g);
    if (rc)
        return rc;
    const char *dir = sim_opt(c, "Direction"), *nic = sim_opt(c, "NicType");
    if (dir && strcmp(dir, "ingress") != 0 && strcmp(dir, "egress") != 0 && strcmp(dir, "all") != 0)
        return sim_fail(c, 400, "InvalidDirection.Malformed",
                        "Direction must be ingress, egress or all.");
    if (nic && strcmp(nic, "intranet") != 0 && strcmp(nic, "internet") != 0)
        return sim_fail(c, 400, "InvalidNicType.ValueNotSupported",
                        "NicType must be internet or intranet.");
    long max = 500, start = 0;
    rc = sim_long(c, "MaxResults", 10, 1000, 500, &max);
    const char *tok = sim_opt(c, "NextToken");
    if (!rc && tok &&
        (strncmp(tok, "sim-", 4) != 0 || parse_long(tok + 4, 0, 1000000, &start) != ERR_OK))
        rc = sim_fail(c, 400, "InvalidParameter.NextToken", "The specified NextToken is not valid.");
    if (rc)
        return rc;
    static const char *const fields[] = {"SecurityGroupId", "SecurityGroupName", "Description",
                                         "VpcId", "RegionId", "InnerAccessPolicy"};
    for (size_t i = 0; i < ARRAY_LEN(fields); i++)
        cJSON_AddStringToObject(c->out, fields[i], sim_gets(g, fields[i]));
    cJSON *wrap = cJSON_AddObjectToObject(c->out, "Permissions");
    cJSON *arr = cJSON_AddArrayToObject(wrap, "Permission");
    long i = 0;
    const cJSON *r = NULL;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(g, "Permissions")) {
        /* Rules of a VPC group are intranet rules: NicType=internet lists none. */
        if ((dir && strcmp(dir, "all") != 0 && strcmp(dir, sim_gets(r, "Direction")) != 0) ||
            (nic && strcmp(nic, "intranet") != 0))
            continue;
        if (i >= start && i < start + max)
            cJSON_AddItemToArray(arr, sim_public(r));
        i++;
    }
    char next[32] = "";
    if (start + max < i)
        snprintf(next, sizeof next, "sim-%ld", start + max);
    cJSON_AddStringToObject(c->out, "NextToken", next);
    return ERR_OK;
}

/* ---- Join / Leave ------------------------------------------------------------------------- */

/* The resource whose groups change: an instance (its primary ENI follows) or an ENI. */
static err_code member_arg(struct sim_ctx *c, cJSON **ret, cJSON **ret_primary)
{
    const char *inst_id = sim_opt(c, "InstanceId"), *eni_id = sim_opt(c, "NetworkInterfaceId");
    *ret = *ret_primary = NULL;
    if ((inst_id != NULL) == (eni_id != NULL))
        return sim_fail(c, 400, "InvalidParameter",
                        "Exactly one of InstanceId and NetworkInterfaceId is required.");
    if (inst_id) {
        cJSON *inst = sim_find(c->root, "Instances", "InstanceId", inst_id);
        if (!inst || (c->region && strcmp(sim_gets(inst, "RegionId"), c->region) != 0))
            return sim_fail(c, 404, "InvalidInstanceId.NotFound",
                            "The specified InstanceId \"%s\" does not exist.", inst_id);
        const char *st = sim_gets(inst, "Status");
        if (strcmp(st, "Running") != 0 && strcmp(st, "Stopped") != 0)
            return sim_fail(c, 403, "IncorrectInstanceStatus",
                            "The instance is %s; it must be Running or Stopped.", st);
        cJSON *e = NULL;
        cJSON_ArrayForEach(e, sim_kind(c->root, "NetworkInterfaces")) {
            if (strcmp(sim_gets(e, "InstanceId"), inst_id) == 0 &&
                strcmp(sim_gets(e, "Type"), "Primary") == 0)
                *ret_primary = e;
        }
        *ret = inst;
        return ERR_OK;
    }
    cJSON *eni = sim_find(c->root, "NetworkInterfaces", "NetworkInterfaceId", eni_id);
    if (!eni || (c->region && strcmp(sim_gets(eni, "RegionId"), c->region) != 0))
        return sim_fail(c, 404, "InvalidEniId.NotFound",
                        "The specified NetworkInterfaceId \"%s\" does not exist.", eni_id);
    *ret = eni;
    return ERR_OK;
}

static const char *vpc_of(const cJSON *obj)
{
    const cJSON *va = cJSON_GetObjectItemCaseSensitive(obj, "VpcAttributes");
    return va ? sim_gets(va, "VpcId") : sim_gets(obj, "VpcId");
}

static err_code op_join_security_group(struct sim_ctx *c)
{
    cJSON *g = NULL, *m = NULL, *primary = NULL;
    err_code rc = group_arg(c, &g);
    if (!rc)
        rc = member_arg(c, &m, &primary);
    if (rc)
        return rc;
    const char *sg = sim_gets(g, "SecurityGroupId");
    cJSON *ids = sim_group_ids(m);
    if (strcmp(vpc_of(m), sim_gets(g, "VpcId")) != 0)
        return sim_fail(c, 403, "InvalidOperation.VpcMismatch",
                        "The security group and the resource are not in the same VPC.");
    if (array_has(ids, sg))
        return sim_fail(c, 403, "InvalidInstanceId.AlreadyExists",
                        "The resource is already in security group %s.", sg);
    if (cJSON_GetArraySize(ids) >= SIM_MAX_GROUPS_PER_INSTANCE)
        return sim_fail(c, 403, "InstanceSecurityGroupLimitExceeded",
                        "A resource can be in at most %d security groups.",
                        SIM_MAX_GROUPS_PER_INSTANCE);
    cJSON_AddItemToArray(ids, cJSON_CreateString(sg));
    if (primary && !array_has(sim_group_ids(primary), sg))
        cJSON_AddItemToArray(sim_group_ids(primary), cJSON_CreateString(sg));
    return ERR_OK;
}

static void array_remove(cJSON *arr, const char *s)
{
    for (cJSON *it = arr ? arr->child : NULL; it;) {
        cJSON *next = it->next;
        if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0)
            cJSON_Delete(cJSON_DetachItemViaPointer(arr, it));
        it = next;
    }
}

static err_code op_leave_security_group(struct sim_ctx *c)
{
    cJSON *g = NULL, *m = NULL, *primary = NULL;
    err_code rc = group_arg(c, &g);
    if (!rc)
        rc = member_arg(c, &m, &primary);
    if (rc)
        return rc;
    const char *sg = sim_gets(g, "SecurityGroupId");
    cJSON *ids = sim_group_ids(m);
    if (!array_has(ids, sg))
        return sim_fail(c, 404, "InvalidSecurityGroupAssociation.NotFound",
                        "The resource is not in security group %s.", sg);
    if (cJSON_GetArraySize(ids) <= 1)
        return sim_fail(c, 403, "InstanceLastSecurityGroup",
                        "The resource must stay in at least one security group.");
    array_remove(ids, sg);
    if (primary)
        array_remove(sim_group_ids(primary), sg);
    return ERR_OK;
}

/* ---- VPC product (2016-04-28), read only --------------------------------------------------- */

/* 1 when `id` is one of the comma-separated ids of `list` (the VPC API's list form). */
static int comma_listed(const char *list, const char *id)
{
    size_t n = strlen(id);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, id, n) == 0)
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

/* The filters DescribeVpcs and DescribeVSwitches share. */
struct vpc_filter {
    struct sim_tag_filter tags;
    int is_default;  /* -1 = any */
    const char *rg;  /* ResourceGroupId or NULL */
};

static err_code vpc_filter(struct sim_ctx *c, struct vpc_filter *f)
{
    f->rg = sim_opt(c, "ResourceGroupId");
    err_code rc = sim_tag_filter(c, &f->tags);
    if (!rc)
        rc = sim_tristate(c, "IsDefault", &f->is_default);
    return rc;
}

static int vpc_filter_ok(const struct vpc_filter *f, const cJSON *res)
{
    return sim_tags_match(&f->tags, res) && sim_tristate_ok(f->is_default, res, "IsDefault") &&
           (!f->rg || strcmp(f->rg, sim_gets(res, "ResourceGroupId")) == 0);
}

static err_code op_describe_vpcs(struct sim_ctx *c)
{
    const char *want = sim_opt(c, "VpcId"), *name = sim_opt(c, "VpcName");
    struct vpc_filter f;
    err_code rc = vpc_filter(c, &f);
    if (rc)
        return rc;
    cJSON *items = cJSON_CreateArray();
    const cJSON *v = NULL;
    cJSON_ArrayForEach(v, sim_kind(c->root, "Vpcs")) {
        if (strcmp(sim_gets(v, "RegionId"), c->region) != 0 ||
            (want && !comma_listed(want, sim_gets(v, "VpcId"))) ||
            (name && strcmp(name, sim_gets(v, "VpcName")) != 0) || !vpc_filter_ok(&f, v))
            continue;
        cJSON *o = sim_public(v);
        cJSON *arr = cJSON_AddArrayToObject(cJSON_AddObjectToObject(o, "VSwitchIds"), "VSwitchId");
        const cJSON *s = NULL;
        cJSON_ArrayForEach(s, sim_kind(c->root, "VSwitches")) {
            if (strcmp(sim_gets(s, "VpcId"), sim_gets(v, "VpcId")) == 0)
                cJSON_AddItemToArray(arr, cJSON_CreateString(sim_gets(s, "VSwitchId")));
        }
        cJSON_AddItemToArray(items, o);
    }
    return sim_page(c, items, "Vpcs", "Vpc", 10, 50, 0);
}

static err_code op_describe_vswitches(struct sim_ctx *c)
{
    const char *vpc = sim_opt(c, "VpcId"), *zone = sim_opt(c, "ZoneId");
    const char *want = sim_opt(c, "VSwitchId"), *name = sim_opt(c, "VSwitchName");
    struct vpc_filter f;
    err_code rc = vpc_filter(c, &f);
    if (rc)
        return rc;
    cJSON *items = cJSON_CreateArray();
    const cJSON *s = NULL;
    cJSON_ArrayForEach(s, sim_kind(c->root, "VSwitches")) {
        if (strcmp(sim_gets(s, "RegionId"), c->region) != 0 ||
            (vpc && strcmp(vpc, sim_gets(s, "VpcId")) != 0) ||
            (zone && strcmp(zone, sim_gets(s, "ZoneId")) != 0) ||
            (want && !comma_listed(want, sim_gets(s, "VSwitchId"))) ||
            (name && strcmp(name, sim_gets(s, "VSwitchName")) != 0) || !vpc_filter_ok(&f, s))
            continue;
        cJSON_AddItemToArray(items, sim_public(s));
    }
    return sim_page(c, items, "VSwitches", "VSwitch", 10, 50, 0);
}

/* action, version, handler, mutating, DryRun, ClientToken, RegionId required, parameters. */
const struct sim_op sim_ops_network[] = {
    {"DescribeSecurityGroups", "2014-05-26", op_describe_security_groups, 0, SIM_DRY_OP, 0, 1,
     "SecurityGroupIds SecurityGroupId SecurityGroupName SecurityGroupType VpcId NetworkType "
     "ResourceGroupId ServiceManaged FuzzyQuery IsQueryEcsCount Tag.N.Key Tag.N.Value PageNumber "
     "PageSize MaxResults NextToken"},
    {"CreateSecurityGroup", "2014-05-26", op_create_security_group, 1, SIM_DRY_NONE, 1, 1,
     "VpcId SecurityGroupName Description SecurityGroupType ResourceGroupId Tag.N.Key Tag.N.Value"},
    {"DeleteSecurityGroup", "2014-05-26", op_delete_security_group, 1, SIM_DRY_NONE, 0, 1,
     "SecurityGroupId"},
    {"DescribeSecurityGroupAttribute", "2014-05-26", op_describe_security_group_attribute, 0,
     SIM_DRY_NONE, 0, 1, "SecurityGroupId Direction NicType MaxResults NextToken"},
    {"JoinSecurityGroup", "2014-05-26", op_join_security_group, 1, SIM_DRY_NONE, 0, 0,
     "SecurityGroupId InstanceId NetworkInterfaceId"},
    {"LeaveSecurityGroup", "2014-05-26", op_leave_security_group, 1, SIM_DRY_NONE, 0, 0,
     "SecurityGroupId InstanceId NetworkInterfaceId"},
    {"DescribeVpcs", "2016-04-28", op_describe_vpcs, 0, SIM_DRY_NONE, 0, 1,
     "VpcId VpcName IsDefault ResourceGroupId Tag.N.Key Tag.N.Value PageNumber PageSize"},
    {"DescribeVSwitches", "2016-04-28", op_describe_vswitches, 0, SIM_DRY_NONE, 0, 1,
     "VpcId VSwitchId VSwitchName ZoneId IsDefault ResourceGroupId Tag.N.Key Tag.N.Value "
     "PageNumber PageSize"},
    {NULL, NULL, NULL, 0, SIM_DRY_NONE, 0, 0, NULL},
};
