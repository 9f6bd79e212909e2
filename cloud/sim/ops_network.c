/* ops_network.c - simulator operations on security groups and their rules, group membership
 * (Join/Leave) and the VPC product's read calls. ENIs live in ops_eni.c.
 * Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SIM_MAX_RULES_PER_GROUP 200  /* 2021 doc: rules per security group */
#define SIM_MAX_GROUPS_PER_INSTANCE 5 /* groups one instance or ENI may join */
#define SIM_MAX_PERMISSIONS 100       /* Permissions.N in one call */

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
    err_code rc = sim_json_list(c, "SecurityGroupIds", 100, &ids);
    if (rc)
        return rc;
    const char *vpc = sim_opt(c, "VpcId"), *one = sim_opt(c, "SecurityGroupId");
    const char *name = sim_opt(c, "SecurityGroupName"), *type = sim_opt(c, "SecurityGroupType");
    cJSON *items = cJSON_CreateArray();
    cJSON *g = NULL;
    cJSON_ArrayForEach(g, sim_kind(c->root, "SecurityGroups")) {
        const char *id = sim_gets(g, "SecurityGroupId");
        if (strcmp(sim_gets(g, "RegionId"), c->region) != 0 || (ids && !array_has(ids, id)) ||
            (vpc && strcmp(vpc, sim_gets(g, "VpcId")) != 0) || (one && strcmp(one, id) != 0) ||
            (name && strcmp(name, sim_gets(g, "SecurityGroupName")) != 0) ||
            (type && strcmp(type, sim_gets(g, "SecurityGroupType")) != 0))
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
    err_code rc = sim_room(c, "SecurityGroups", "QuotaExceed.SecurityGroup");
    if (rc)
        return rc;
    const cJSON *v = vpc ? sim_find(c->root, "Vpcs", "VpcId", vpc) : NULL;
    if (vpc && (!v || strcmp(sim_gets(v, "RegionId"), c->region) != 0))
        return sim_fail(c, 404, "InvalidVpcId.NotFound", "The specified VpcId does not exist.");
    if (name && !sim_name_ok(name, 128))
        return sim_fail(c, 400, "InvalidSecurityGroupName.Malformed",
                        "The security group name must be 2 to 128 characters, start with a letter "
                        "or a Chinese character and not start with http:// or https://.");
    if (!sim_desc_ok(desc, 2, 256))
        return sim_fail(c, 400, "InvalidDescription.Malformed",
                        "The description must be 2 to 256 characters and not start with http(s)://.");
    if (type && strcmp(type, "normal") != 0 && strcmp(type, "enterprise") != 0)
        return sim_fail(c, 400, "InvalidSecurityGroupType.ValueNotSupported",
                        "SecurityGroupType must be normal or enterprise.");
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
    cJSON_AddStringToObject(g, "ResourceGroupId", "");
    cJSON_AddBoolToObject(g, "ServiceManaged", 0);
    cJSON_AddArrayToObject(g, "Permissions");
    cJSON_AddItemToArray(sim_kind(c->root, "SecurityGroups"), g);
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
            if (other != g && strcmp(sim_gets(r, "SourceGroupId"), id) == 0)
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
    const char *dir = sim_opt(c, "Direction");
    if (dir && strcmp(dir, "ingress") != 0 && strcmp(dir, "egress") != 0 && strcmp(dir, "all") != 0)
        return sim_fail(c, 400, "InvalidDirection.Malformed",
                        "Direction must be ingress, egress or all.");
    static const char *const fields[] = {"SecurityGroupId", "SecurityGroupName", "Description",
                                         "VpcId", "RegionId", "InnerAccessPolicy"};
    for (size_t i = 0; i < ARRAY_LEN(fields); i++)
        cJSON_AddStringToObject(c->out, fields[i], sim_gets(g, fields[i]));
    cJSON *wrap = cJSON_AddObjectToObject(c->out, "Permissions");
    cJSON *arr = cJSON_AddArrayToObject(wrap, "Permission");
    const cJSON *r = NULL;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(g, "Permissions")) {
        if (dir && strcmp(dir, "all") != 0 && strcmp(dir, sim_gets(r, "Direction")) != 0)
            continue;
        cJSON_AddItemToArray(arr, sim_public(r));
    }
    return ERR_OK;
}

/* ---- Rules -------------------------------------------------------------------------------- */

static int cidr_ok(const char *s, int v6)
{
    char addr[64];
    const char *slash = strchr(s, '/');
    size_t len = slash ? (size_t)(slash - s) : strlen(s);
    if (len == 0 || len >= sizeof addr)
        return 0;
    memcpy(addr, s, len);
    addr[len] = '\0';
    unsigned char tmp[16];
    if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, tmp) != 1)
        return 0;
    long bits = 0;
    return !slash || parse_long(slash + 1, 0, v6 ? 128 : 32, &bits) == ERR_OK;
}

static int port_range_ok(const char *proto, const char *range)
{
    long a = 0, b = 0;
    const char *slash = strchr(range, '/');
    if (!slash)
        return 0;
    char first[16];
    size_t len = (size_t)(slash - range);
    if (len == 0 || len >= sizeof first)
        return 0;
    memcpy(first, range, len);
    first[len] = '\0';
    if (parse_long(first, -1, 65535, &a) != ERR_OK || parse_long(slash + 1, -1, 65535, &b) != ERR_OK)
        return 0;
    if (strcasecmp(proto, "tcp") == 0 || strcasecmp(proto, "udp") == 0)
        return a >= 1 && b >= a;
    return a == -1 && b == -1;
}

static const char *const protocols[] = {"TCP", "UDP", "ICMP", "ICMPv6", "GRE", "ALL"};

/* Read rule `prefix` ("Permissions.3." or "" for the legacy flat form) into a new object. */
static err_code read_rule(struct sim_ctx *c, const char *prefix, int need_ports, cJSON **ret)
{
    char k[SIM_MAX_PARAM_KEY + 32];
#define RULE_PARAM(name) (snprintf(k, sizeof k, "%s%s", prefix, name), sim_opt(c, k))
    const char *proto = RULE_PARAM("IpProtocol");
    const char *ports = RULE_PARAM("PortRange");
    const char *cidr = RULE_PARAM("SourceCidrIp");
    const char *cidr6 = RULE_PARAM("Ipv6SourceCidrIp");
    const char *src_group = RULE_PARAM("SourceGroupId");
    const char *prefix_list = RULE_PARAM("SourcePrefixListId");
    const char *policy = RULE_PARAM("Policy");
    const char *prio = RULE_PARAM("Priority");
    const char *desc = RULE_PARAM("Description");
    const char *dest = RULE_PARAM("DestCidrIp");
    const char *sport = RULE_PARAM("SourcePortRange");
#undef RULE_PARAM
    *ret = NULL;
    const char *canon = NULL;
    for (size_t i = 0; proto && i < ARRAY_LEN(protocols); i++)
        if (strcasecmp(proto, protocols[i]) == 0)
            canon = protocols[i];
    if (!canon)
        return sim_fail(c, 400, "InvalidIpProtocol.Malformed",
                        "IpProtocol must be one of TCP, UDP, ICMP, ICMPv6, GRE, ALL.");
    if (need_ports && !ports)
        return sim_fail(c, 400, "MissingParameter", "The input parameter \"PortRange\" that is "
                        "mandatory for processing this request is not supplied.");
    if (ports && !port_range_ok(canon, ports))
        return sim_fail(c, 400, "InvalidIpPortRange.Malformed",
                        "PortRange \"%s\" is not valid for %s (TCP/UDP 1-65535 as start/end, "
                        "others -1/-1).", ports, canon);
    if (!cidr && !cidr6 && !src_group && !prefix_list)
        return sim_fail(c, 400, "MissingParameter.Source",
                        "One of SourceCidrIp, Ipv6SourceCidrIp, SourceGroupId or "
                        "SourcePrefixListId is required.");
    if ((cidr && !cidr_ok(cidr, 0)) || (dest && !cidr_ok(dest, 0)))
        return sim_fail(c, 400, "InvalidSourceCidrIp.Malformed", "The CIDR block is not valid.");
    if (cidr6 && !cidr_ok(cidr6, 1))
        return sim_fail(c, 400, "InvalidIpv6SourceCidrIp.Malformed", "The IPv6 CIDR is not valid.");
    if (src_group && !sim_find_group(c, src_group))
        return sim_fail(c, 404, "InvalidSourceGroupId.NotFound",
                        "The specified SourceGroupId does not exist.");
    if (policy && strcasecmp(policy, "accept") != 0 && strcasecmp(policy, "drop") != 0)
        return sim_fail(c, 400, "InvalidPolicy.Malformed", "Policy must be accept or drop.");
    long priority = 1;
    if (prio && parse_long(prio, 1, 100, &priority) != ERR_OK)
        return sim_fail(c, 400, "InvalidPriority.ValueNotSupported", "Priority must be 1 to 100.");
    if (desc && strlen(desc) > 512)
        return sim_fail(c, 400, "InvalidDescription.Malformed", "Description is at most 512 characters.");
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "Direction", "ingress");
    cJSON_AddStringToObject(r, "IpProtocol", canon);
    cJSON_AddStringToObject(r, "PortRange", ports ? ports : "-1/-1");
    cJSON_AddStringToObject(r, "SourceCidrIp", cidr ? cidr : "");
    cJSON_AddStringToObject(r, "Ipv6SourceCidrIp", cidr6 ? cidr6 : "");
    cJSON_AddStringToObject(r, "SourceGroupId", src_group ? src_group : "");
    cJSON_AddStringToObject(r, "SourcePrefixListId", prefix_list ? prefix_list : "");
    cJSON_AddStringToObject(r, "SourcePortRange", sport ? sport : "");
    cJSON_AddStringToObject(r, "DestCidrIp", dest ? dest : "");
    cJSON_AddStringToObject(r, "Policy", policy && strcasecmp(policy, "drop") == 0 ? "Drop" : "Accept");
    cJSON_AddNumberToObject(r, "Priority", (double)priority);
    cJSON_AddStringToObject(r, "NicType", "intranet");
    cJSON_AddStringToObject(r, "Description", desc ? desc : "");
    *ret = r;
    return ERR_OK;
}

/* Two rules are the same when their protocol, ports, source, destination and policy match. */
static int same_rule(const cJSON *a, const cJSON *b)
{
    static const char *const keys[] = {"Direction", "IpProtocol", "PortRange", "SourceCidrIp",
                                       "Ipv6SourceCidrIp", "SourceGroupId", "SourcePrefixListId",
                                       "DestCidrIp", "Policy"};
    for (size_t i = 0; i < ARRAY_LEN(keys); i++)
        if (strcmp(sim_gets(a, keys[i]), sim_gets(b, keys[i])) != 0)
            return 0;
    return 1;
}

/* The rules of a call: Permissions.N.* or, when none, the legacy flat parameters. */
static err_code read_rules(struct sim_ctx *c, int need_ports, cJSON **ret)
{
    cJSON *rules = cJSON_CreateArray();
    err_code rc = ERR_OK;
    char k[64];
    size_t n = 0;
    for (;;) {
        snprintf(k, sizeof k, "Permissions.%zu.IpProtocol", n + 1);
        if (!sim_opt(c, k))
            break;
        if (++n > SIM_MAX_PERMISSIONS) {
            rc = sim_fail(c, 400, "InvalidParameter.PermissionsCount",
                          "At most %d Permissions entries are allowed in one call.",
                          SIM_MAX_PERMISSIONS);
            goto cleanup;
        }
        char prefix[32];
        snprintf(prefix, sizeof prefix, "Permissions.%zu.", n);
        cJSON *r = NULL;
        rc = read_rule(c, prefix, need_ports, &r);
        if (rc)
            goto cleanup;
        cJSON_AddItemToArray(rules, r);
    }
    if (n == 0 && sim_opt(c, "IpProtocol")) {
        cJSON *r = NULL;
        rc = read_rule(c, "", 1, &r);
        if (rc)
            goto cleanup;
        cJSON_AddItemToArray(rules, r);
    }
cleanup:
    if (rc) {
        cJSON_Delete(rules);
        rules = NULL;
    }
    *ret = rules;
    return rc;
}

static err_code op_authorize_security_group(struct sim_ctx *c)
{
    cJSON *g = NULL, *rules = NULL;
    err_code rc = group_arg(c, &g);
    if (!rc)
        rc = read_rules(c, 1, &rules);
    if (rc)
        goto cleanup;
    if (cJSON_GetArraySize(rules) == 0) {
        rc = sim_fail(c, 400, "MissingParameter", "The input parameter \"Permissions\" that is "
                      "mandatory for processing this request is not supplied.");
        goto cleanup;
    }
    cJSON *have = cJSON_GetObjectItemCaseSensitive(g, "Permissions");
    if (!have)
        have = cJSON_AddArrayToObject(g, "Permissions");
    char when[32];
    sim_iso_time(c->now, when);
    cJSON *r = NULL;
    cJSON_ArrayForEach(r, rules) {
        const cJSON *old = NULL;
        int dup = 0;
        cJSON_ArrayForEach(old, have)
            dup |= same_rule(old, r);
        if (dup)
            continue; /* adding an existing rule succeeds as a no-op */
        if (cJSON_GetArraySize(have) >= SIM_MAX_RULES_PER_GROUP) {
            rc = sim_fail(c, 403, "AuthorizationLimitExceed",
                          "The number of rules in security group %s would exceed %d.",
                          sim_gets(g, "SecurityGroupId"), SIM_MAX_RULES_PER_GROUP);
            goto cleanup;
        }
        char id[40];
        sim_new_id("sgr-", id);
        cJSON *copy = cJSON_Duplicate(r, 1);
        cJSON_AddStringToObject(copy, "SecurityGroupRuleId", id);
        cJSON_AddStringToObject(copy, "CreateTime", when);
        cJSON_AddItemToArray(have, copy);
    }
cleanup:
    cJSON_Delete(rules);
    return rc;
}

static err_code op_revoke_security_group(struct sim_ctx *c)
{
    cJSON *g = NULL, *rules = NULL;
    const char **ids = NULL;
    size_t n = 0;
    err_code rc = group_arg(c, &g);
    if (!rc)
        rc = sim_list(c, "SecurityGroupRuleId", 100, 400, "InvalidParameter.RuleIdCount", &ids, &n);
    if (!rc)
        rc = read_rules(c, 0, &rules);
    if (rc)
        goto cleanup;
    if (n > 0 && cJSON_GetArraySize(rules) > 0) {
        rc = sim_fail(c, 400, "InvalidParameter.Conflict",
                      "SecurityGroupRuleId.N and Permissions.N cannot be used together.");
        goto cleanup;
    }
    cJSON *have = cJSON_GetObjectItemCaseSensitive(g, "Permissions");
    for (size_t i = 0; i < n; i++) {
        cJSON *hit = sim_find(g, "Permissions", "SecurityGroupRuleId", ids[i]);
        if (!hit) {
            rc = sim_fail(c, 400, "InvalidParam.SecurityGroupRuleId",
                          "The security group rule \"%s\" does not exist.", ids[i]);
            goto cleanup;
        }
        cJSON_Delete(cJSON_DetachItemViaPointer(have, hit));
    }
    const cJSON *r = NULL;
    cJSON_ArrayForEach(r, rules) {
        for (cJSON *old = have ? have->child : NULL; old;) {
            cJSON *next = old->next;
            if (same_rule(old, r))
                cJSON_Delete(cJSON_DetachItemViaPointer(have, old));
            old = next;
        }
    }
cleanup:
    free(ids);
    cJSON_Delete(rules);
    return rc;
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

static err_code op_describe_vpcs(struct sim_ctx *c)
{
    const char *want = sim_opt(c, "VpcId");
    cJSON *items = cJSON_CreateArray();
    const cJSON *v = NULL;
    cJSON_ArrayForEach(v, sim_kind(c->root, "Vpcs")) {
        if (strcmp(sim_gets(v, "RegionId"), c->region) != 0 ||
            (want && strcmp(want, sim_gets(v, "VpcId")) != 0))
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
    const char *want = sim_opt(c, "VSwitchId");
    cJSON *items = cJSON_CreateArray();
    const cJSON *s = NULL;
    cJSON_ArrayForEach(s, sim_kind(c->root, "VSwitches")) {
        if (strcmp(sim_gets(s, "RegionId"), c->region) != 0 ||
            (vpc && strcmp(vpc, sim_gets(s, "VpcId")) != 0) ||
            (zone && strcmp(zone, sim_gets(s, "ZoneId")) != 0) ||
            (want && strcmp(want, sim_gets(s, "VSwitchId")) != 0))
            continue;
        cJSON_AddItemToArray(items, sim_public(s));
    }
    return sim_page(c, items, "VSwitches", "VSwitch", 10, 50, 0);
}

/* action, version, handler, mutating, DryRun, ClientToken, RegionId required. */
const struct sim_op sim_ops_network[] = {
    {"DescribeSecurityGroups", "2014-05-26", op_describe_security_groups, 0, SIM_DRY_OP, 0, 1},
    {"CreateSecurityGroup", "2014-05-26", op_create_security_group, 1, SIM_DRY_NONE, 1, 1},
    {"DeleteSecurityGroup", "2014-05-26", op_delete_security_group, 1, SIM_DRY_NONE, 0, 1},
    {"DescribeSecurityGroupAttribute", "2014-05-26", op_describe_security_group_attribute, 0,
     SIM_DRY_NONE, 0, 1},
    {"AuthorizeSecurityGroup", "2014-05-26", op_authorize_security_group, 1, SIM_DRY_NONE, 1, 1},
    {"RevokeSecurityGroup", "2014-05-26", op_revoke_security_group, 1, SIM_DRY_NONE, 1, 1},
    {"JoinSecurityGroup", "2014-05-26", op_join_security_group, 1, SIM_DRY_NONE, 0, 0},
    {"LeaveSecurityGroup", "2014-05-26", op_leave_security_group, 1, SIM_DRY_NONE, 0, 0},
    {"DescribeVpcs", "2016-04-28", op_describe_vpcs, 0, SIM_DRY_NONE, 0, 1},
    {"DescribeVSwitches", "2016-04-28", op_describe_vswitches, 0, SIM_DRY_NONE, 0, 1},
    {NULL, NULL, NULL, 0, SIM_DRY_NONE, 0, 0},
};
