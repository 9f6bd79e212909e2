/* ops_rules.c - simulator operations on security group rules: inbound (Authorize/Revoke
 * SecurityGroup) and outbound (Authorize/RevokeSecurityGroupEgress) rules given as
 * Permissions.N.* or the legacy flat parameters, and ModifySecurityGroupRule. Rules are
 * synchronous. Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SIM_MAX_RULES_PER_GROUP 200 /* 2021 doc: rules per security group */
#define SIM_MAX_PERMISSIONS 100     /* Permissions.N in one call */
#define SIM_MAX_RULE_IDS 100        /* SecurityGroupRuleId.N in one call */

/* Every field a rule has, as the request names it (Permissions.N.<field> or flat). */
static const char *const rule_fields[] = {
    "IpProtocol",       "PortRange",        "SourceCidrIp",  "Ipv6SourceCidrIp",
    "SourceGroupId",    "SourcePrefixListId", "SourcePortRange", "DestCidrIp",
    "Ipv6DestCidrIp",   "DestGroupId",      "DestPrefixListId", "Policy",
    "Priority",         "Description",      "NicType",
};

/* Two rules are the same when direction, protocol, ports, source, destination and policy
 * match (what the API uses to recognise an existing rule). */
static const char *const identity_fields[] = {
    "Direction",     "IpProtocol",       "PortRange",      "SourceCidrIp",
    "Ipv6SourceCidrIp", "SourceGroupId", "SourcePrefixListId", "DestCidrIp",
    "Ipv6DestCidrIp", "DestGroupId",     "DestPrefixListId", "Policy",
};

static const char *const protocols[] = {"TCP", "UDP", "ICMP", "ICMPv6", "GRE", "ALL"};

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

/* The given fields of rule `prefix` ("Permissions.3." or "" for the flat form) as strings;
 * NULL when none of them is present. */
static cJSON *raw_rule(struct sim_ctx *c, const char *prefix)
{
    cJSON *raw = NULL;
    char k[SIM_MAX_PARAM_KEY + 32];
    for (size_t i = 0; i < ARRAY_LEN(rule_fields); i++) {
        snprintf(k, sizeof k, "%s%s", prefix, rule_fields[i]);
        const char *v = sim_opt(c, k);
        if (!v)
            continue;
        if (!raw)
            raw = cJSON_CreateObject();
        cJSON_AddStringToObject(raw, rule_fields[i], v);
    }
    return raw;
}

/* Check one rule given as strings and return it in the stored form (*ret, new). `egress`
 * selects which side names the peer: the source of an inbound rule, the destination of an
 * outbound one. `need_ports` is set when adding (a revoke may leave PortRange out). */
static err_code canon_rule(struct sim_ctx *c, const cJSON *raw, int egress, int need_ports,
                           cJSON **ret)
{
    const char *proto = cJSON_GetObjectItemCaseSensitive(raw, "IpProtocol") ? sim_gets(raw, "IpProtocol") : NULL;
#define F(name) (*sim_gets(raw, name) ? sim_gets(raw, name) : NULL)
    const char *ports = F("PortRange"), *cidr = F("SourceCidrIp"), *cidr6 = F("Ipv6SourceCidrIp");
    const char *src_group = F("SourceGroupId"), *src_list = F("SourcePrefixListId");
    const char *dest = F("DestCidrIp"), *dest6 = F("Ipv6DestCidrIp"), *dest_group = F("DestGroupId");
    const char *dest_list = F("DestPrefixListId"), *policy = F("Policy"), *prio = F("Priority");
    const char *desc = F("Description"), *sport = F("SourcePortRange"), *nic = F("NicType");
#undef F
    *ret = NULL;
    const char *canon = NULL;
    for (size_t i = 0; proto && i < ARRAY_LEN(protocols); i++)
        if (strcasecmp(proto, protocols[i]) == 0)
            canon = protocols[i];
    if (!canon)
        return sim_fail(c, 400, "InvalidIpProtocol.Malformed",
                        "The parameter IpProtocol must be specified with case insensitive TCP, UDP, "
                        "ICMP, ICMPv6, GRE or All.");
    if (need_ports && !ports)
        return sim_fail(c, 400, "MissingParameter", "The input parameter \"PortRange\" that is "
                        "mandatory for processing this request is not supplied.");
    if (ports && !port_range_ok(canon, ports))
        return sim_fail(c, 400, "InvalidIpPortRange.Malformed",
                        "PortRange \"%s\" is not valid for %s (TCP/UDP 1-65535 as start/end, "
                        "others -1/-1).", ports, canon);
    if (sport && !port_range_ok("tcp", sport))
        return sim_fail(c, 400, "InvalidSourcePortRange.Malformed",
                        "The specified parameter \"SourcePortRange\" is not valid.");
    if (!egress && !cidr && !cidr6 && !src_group && !src_list)
        return sim_fail(c, 400, "MissingParameter.Source",
                        "Either SourceCidrIp, Ipv6SourceCidrIp, SourceGroupId or SourcePrefixListId "
                        "must be specified.");
    if (egress && !dest && !dest6 && !dest_group && !dest_list)
        return sim_fail(c, 400, "MissingParameter.Dest",
                        "Either DestCidrIp, Ipv6DestCidrIp, DestGroupId or DestPrefixListId must "
                        "be specified.");
    if (cidr && !cidr_ok(cidr, 0))
        return sim_fail(c, 400, "InvalidSourceCidrIp.Malformed",
                        "The specified parameter \"SourceCidrIp\" is not valid.");
    if (dest && !cidr_ok(dest, 0))
        return sim_fail(c, 400, "InvalidDestCidrIp.Malformed",
                        "The specified parameter \"DestCidrIp\" is not valid.");
    if (cidr6 && !cidr_ok(cidr6, 1))
        return sim_fail(c, 400, "InvalidParam.Ipv6SourceCidrIp",
                        "The specified parameter \"Ipv6SourceCidrIp\" is not valid.");
    if (dest6 && !cidr_ok(dest6, 1))
        return sim_fail(c, 400, "InvalidParam.Ipv6DestCidrIp",
                        "The specified parameter \"Ipv6DestCidrIp\" is not valid.");
    if (src_group && !sim_find_group(c, src_group))
        return sim_fail(c, 404, "InvalidSourceGroupId.NotFound",
                        "The SourceGroupId provided does not exist in our records.");
    if (dest_group && !sim_find_group(c, dest_group))
        return sim_fail(c, 404, "InvalidDestGroupId.NotFound",
                        "The DestGroupId provided does not exist in our records.");
    if (policy && strcasecmp(policy, "accept") != 0 && strcasecmp(policy, "drop") != 0)
        return sim_fail(c, 400, "InvalidPolicy.Malformed",
                        "The specified parameter \"Policy\" is not valid (accept or drop).");
    long priority = 1;
    if (prio && parse_long(prio, 1, 100, &priority) != ERR_OK)
        return sim_fail(c, 400, "InvalidPriority.ValueNotSupported",
                        "The parameter Priority is invalid (1 to 100).");
    if (desc && utf8_count(desc, strlen(desc)) > 512)
        return sim_fail(c, 400, "InvalidSecurityGroupDiscription.Malformed",
                        "The specified security group rule description is not valid (at most 512 "
                        "characters).");
    if (nic && strcmp(nic, "intranet") != 0 && strcmp(nic, "internet") != 0)
        return sim_fail(c, 400, "InvalidNicType.ValueNotSupported",
                        "The parameter NicType is not valid (internet or intranet).");
    if (nic && strcmp(nic, "internet") == 0)
        return sim_fail(c, 400, "InvalidNicType.Mismatch",
                        "Rules of a VPC security group apply to the intranet NIC only.");
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "Direction", egress ? "egress" : "ingress");
    cJSON_AddStringToObject(r, "IpProtocol", canon);
    cJSON_AddStringToObject(r, "PortRange", ports ? ports : "-1/-1");
    cJSON_AddStringToObject(r, "SourceCidrIp", cidr ? cidr : "");
    cJSON_AddStringToObject(r, "Ipv6SourceCidrIp", cidr6 ? cidr6 : "");
    cJSON_AddStringToObject(r, "SourceGroupId", src_group ? src_group : "");
    cJSON_AddStringToObject(r, "SourcePrefixListId", src_list ? src_list : "");
    cJSON_AddStringToObject(r, "SourcePortRange", sport ? sport : "");
    cJSON_AddStringToObject(r, "DestCidrIp", dest ? dest : "");
    cJSON_AddStringToObject(r, "Ipv6DestCidrIp", dest6 ? dest6 : "");
    cJSON_AddStringToObject(r, "DestGroupId", dest_group ? dest_group : "");
    cJSON_AddStringToObject(r, "DestPrefixListId", dest_list ? dest_list : "");
    cJSON_AddStringToObject(r, "Policy", policy && strcasecmp(policy, "drop") == 0 ? "Drop" : "Accept");
    cJSON_AddNumberToObject(r, "Priority", (double)priority);
    cJSON_AddStringToObject(r, "NicType", "intranet");
    cJSON_AddStringToObject(r, "Description", desc ? desc : "");
    *ret = r;
    return ERR_OK;
}

/* 1 when rules a and b agree on every field of `fields` (n of them). */
static int same_fields(const cJSON *a, const cJSON *b, const char *const *fields, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(sim_gets(a, fields[i]), sim_gets(b, fields[i])) != 0)
            return 0;
    return 1;
}

static int same_rule(const cJSON *a, const cJSON *b)
{
    return same_fields(a, b, identity_fields, ARRAY_LEN(identity_fields));
}

/* The rules of a call: Permissions.N.* or, when none, the legacy flat parameters. */
static err_code read_rules(struct sim_ctx *c, int egress, int need_ports, cJSON **ret)
{
    cJSON *rules = cJSON_CreateArray();
    err_code rc = ERR_OK;
    char prefix[48];
    size_t n = 0;
    for (;;) {
        snprintf(prefix, sizeof prefix, "Permissions.%zu.", n + 1);
        cJSON *raw = raw_rule(c, prefix);
        if (!raw)
            break;
        if (++n > SIM_MAX_PERMISSIONS) {
            cJSON_Delete(raw);
            rc = sim_fail(c, 400, "InvalidParameter.PermissionsCount",
                          "At most %d Permissions entries are allowed in one call.",
                          SIM_MAX_PERMISSIONS);
            goto cleanup;
        }
        cJSON *r = NULL;
        rc = canon_rule(c, raw, egress, need_ports, &r);
        cJSON_Delete(raw);
        if (rc)
            goto cleanup;
        cJSON_AddItemToArray(rules, r);
    }
    cJSON *flat = raw_rule(c, "");
    if (n > 0 && flat) {
        cJSON_Delete(flat);
        rc = sim_fail(c, 400, "InvalidParameter.Conflict",
                      "Give the rules either as Permissions.N.* or as the flat parameters, not both.");
        goto cleanup;
    }
    cJSON_Delete(flat);
    if (n == 0 && sim_opt(c, "IpProtocol")) {
        cJSON *raw = raw_rule(c, ""), *r = NULL;
        rc = canon_rule(c, raw, egress, 1, &r);
        cJSON_Delete(raw);
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

static cJSON *rules_of(cJSON *g)
{
    cJSON *have = cJSON_GetObjectItemCaseSensitive(g, "Permissions");
    if (!have)
        have = cJSON_AddArrayToObject(g, "Permissions");
    return have;
}

/* Add a checked rule unless an identical one exists (then the call is a no-op). */
static err_code add_rule(struct sim_ctx *c, cJSON *g, const cJSON *r)
{
    cJSON *have = rules_of(g);
    const cJSON *old = NULL;
    cJSON_ArrayForEach(old, have) {
        if (same_rule(old, r))
            return ERR_OK;
    }
    if (cJSON_GetArraySize(have) >= SIM_MAX_RULES_PER_GROUP)
        return sim_fail(c, 403, "AuthorizationLimitExceed",
                        "The number of rules in security group %s would exceed %d.",
                        sim_gets(g, "SecurityGroupId"), SIM_MAX_RULES_PER_GROUP);
    char id[40], when[32];
    sim_new_id("sgr-", id);
    sim_iso_time(c->now, when);
    cJSON *copy = cJSON_Duplicate(r, 1);
    cJSON_AddStringToObject(copy, "SecurityGroupRuleId", id);
    cJSON_AddStringToObject(copy, "CreateTime", when);
    cJSON_AddItemToArray(have, copy);
    return ERR_OK;
}

static err_code authorize(struct sim_ctx *c, int egress)
{
    cJSON *g = NULL, *rules = NULL;
    err_code rc = group_arg(c, &g);
    if (!rc)
        rc = read_rules(c, egress, 1, &rules);
    if (!rc && cJSON_GetArraySize(rules) == 0)
        rc = sim_fail(c, 400, "MissingParameter", "The input parameter \"Permissions\" that is "
                      "mandatory for processing this request is not supplied.");
    const cJSON *r = NULL;
    cJSON_ArrayForEach(r, rules) {
        if (!rc && (strcmp(sim_gets(r, "SourceGroupId"), sim_gets(g, "SecurityGroupId")) == 0 ||
                    strcmp(sim_gets(r, "DestGroupId"), sim_gets(g, "SecurityGroupId")) == 0))
            rc = sim_fail(c, 403, "InvalidParamter.Conflict",
                          "The specified SecurityGroupId should be different from the %s.",
                          egress ? "DestGroupId" : "SourceGroupId");
        if (!rc)
            rc = add_rule(c, g, r);
    }
    cJSON_Delete(rules);
    return rc;
}

static err_code revoke(struct sim_ctx *c, int egress)
{
    cJSON *g = NULL, *rules = NULL;
    const char **ids = NULL;
    size_t n = 0;
    err_code rc = group_arg(c, &g);
    if (!rc)
        rc = sim_list(c, "SecurityGroupRuleId", SIM_MAX_RULE_IDS, 400,
                      "InvalidParameter.RuleIdCount", &ids, &n);
    if (!rc)
        rc = read_rules(c, egress, 0, &rules);
    if (rc)
        goto cleanup;
    if (n > 0 && cJSON_GetArraySize(rules) > 0) {
        rc = sim_fail(c, 400, "InvalidParameter.Conflict",
                      "SecurityGroupRuleId.N and Permissions.N cannot be used together.");
        goto cleanup;
    }
    if (n == 0 && cJSON_GetArraySize(rules) == 0) {
        rc = sim_fail(c, 400, "MissingParameter", "One of SecurityGroupRuleId.N and "
                      "Permissions.N is required.");
        goto cleanup;
    }
    cJSON *have = rules_of(g);
    for (size_t i = 0; i < n; i++) {
        cJSON *hit = sim_find(g, "Permissions", "SecurityGroupRuleId", ids[i]);
        if (!hit || strcmp(sim_gets(hit, "Direction"), egress ? "egress" : "ingress") != 0) {
            rc = sim_fail(c, 400, "InvalidParam.SecurityGroupRuleId",
                          "The %s security group rule \"%s\" does not exist.",
                          egress ? "outbound" : "inbound", ids[i]);
            goto cleanup;
        }
        cJSON_Delete(cJSON_DetachItemViaPointer(have, hit));
    }
    /* A Permissions tuple that matches nothing succeeds as a no-op (notes §5.2). */
    const cJSON *r = NULL;
    cJSON_ArrayForEach(r, rules) {
        for (cJSON *old = have->child; old;) {
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

static err_code op_authorize_security_group(struct sim_ctx *c) { return authorize(c, 0); }
static err_code op_authorize_security_group_egress(struct sim_ctx *c) { return authorize(c, 1); }
static err_code op_revoke_security_group(struct sim_ctx *c) { return revoke(c, 0); }
static err_code op_revoke_security_group_egress(struct sim_ctx *c) { return revoke(c, 1); }

/* ModifySecurityGroupRule changes an inbound rule in place: the rule named by
 * SecurityGroupRuleId takes every field given; without an id, the rule with the given
 * protocol, ports, source and destination gets the given Policy, Priority and Description. */
static err_code op_modify_security_group_rule(struct sim_ctx *c)
{
    cJSON *g = NULL, *given = NULL, *merged = NULL, *r = NULL;
    err_code rc = group_arg(c, &g);
    if (rc)
        return rc;
    const char *rule_id = sim_opt(c, "SecurityGroupRuleId");
    given = raw_rule(c, "");
    if (!given)
        given = cJSON_CreateObject();
    cJSON *hit = NULL;
    if (rule_id) {
        hit = sim_find(g, "Permissions", "SecurityGroupRuleId", rule_id);
        if (hit && strcmp(sim_gets(hit, "Direction"), "ingress") != 0)
            hit = NULL;
    } else {
        cJSON *probe = NULL;
        rc = canon_rule(c, given, 0, 0, &probe);
        const char *const loose[] = {"IpProtocol", "PortRange", "SourceCidrIp",
                                     "Ipv6SourceCidrIp", "SourceGroupId", "SourcePrefixListId",
                                     "DestCidrIp", "Direction"};
        cJSON *old = NULL;
        cJSON_ArrayForEach(old, rules_of(g)) {
            if (!rc && !hit && same_fields(old, probe, loose, ARRAY_LEN(loose)))
                hit = old;
        }
        cJSON_Delete(probe);
        if (rc)
            goto cleanup;
    }
    if (!hit) {
        rc = sim_fail(c, 404, "SecurityGroupRule.NotFound", "The target security group rule not exist.");
        goto cleanup;
    }
    /* The old rule as strings, overlaid with what was given, checked like a new rule. */
    merged = cJSON_CreateObject();
    for (size_t i = 0; i < ARRAY_LEN(rule_fields); i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(given, rule_fields[i]);
        if (!rule_id && v && strcmp(rule_fields[i], "Policy") != 0 &&
            strcmp(rule_fields[i], "Priority") != 0 && strcmp(rule_fields[i], "Description") != 0)
            v = NULL; /* without an id only these three change */
        if (cJSON_IsString(v)) {
            cJSON_AddStringToObject(merged, rule_fields[i], v->valuestring);
        } else if (strcmp(rule_fields[i], "Priority") == 0) {
            char prio[16];
            snprintf(prio, sizeof prio, "%.0f", sim_getn(hit, "Priority"));
            cJSON_AddStringToObject(merged, "Priority", prio);
        } else if (strcmp(rule_fields[i], "NicType") != 0) {
            cJSON_AddStringToObject(merged, rule_fields[i], sim_gets(hit, rule_fields[i]));
        }
    }
    rc = canon_rule(c, merged, 0, 1, &r);
    if (rc)
        goto cleanup;
    cJSON *other = NULL;
    cJSON_ArrayForEach(other, rules_of(g)) {
        if (other != hit && same_rule(other, r)) {
            rc = sim_fail(c, 400, "InvalidParameter",
                          "The modified rule would duplicate rule %s of the group.",
                          sim_gets(other, "SecurityGroupRuleId"));
            goto cleanup;
        }
    }
    cJSON_AddStringToObject(r, "SecurityGroupRuleId", sim_gets(hit, "SecurityGroupRuleId"));
    cJSON_AddStringToObject(r, "CreateTime", sim_gets(hit, "CreateTime"));
    cJSON_ReplaceItemViaPointer(rules_of(g), hit, r);
    r = NULL;
cleanup:
    cJSON_Delete(given);
    cJSON_Delete(merged);
    cJSON_Delete(r);
    return rc;
}

#define RULE_PARAMS(p)                                                                          \
    p "IpProtocol " p "PortRange " p "SourceCidrIp " p "Ipv6SourceCidrIp " p "SourceGroupId "  \
    p "SourcePrefixListId " p "SourcePortRange " p "DestCidrIp " p "Ipv6DestCidrIp "           \
    p "DestGroupId " p "DestPrefixListId " p "Policy " p "Priority " p "Description " p "NicType "

/* action, version, handler, mutating, DryRun, ClientToken, RegionId required, parameters. */
const struct sim_op sim_ops_rules[] = {
    {"AuthorizeSecurityGroup", "2014-05-26", op_authorize_security_group, 1, SIM_DRY_NONE, 1, 1,
     "SecurityGroupId " RULE_PARAMS("Permissions.N.") RULE_PARAMS("")},
    {"RevokeSecurityGroup", "2014-05-26", op_revoke_security_group, 1, SIM_DRY_NONE, 1, 1,
     "SecurityGroupId SecurityGroupRuleId.N " RULE_PARAMS("Permissions.N.") RULE_PARAMS("")},
    {"AuthorizeSecurityGroupEgress", "2014-05-26", op_authorize_security_group_egress, 1,
     SIM_DRY_NONE, 1, 1, "SecurityGroupId " RULE_PARAMS("Permissions.N.") RULE_PARAMS("")},
    {"RevokeSecurityGroupEgress", "2014-05-26", op_revoke_security_group_egress, 1, SIM_DRY_NONE,
     1, 1, "SecurityGroupId SecurityGroupRuleId.N " RULE_PARAMS("Permissions.N.") RULE_PARAMS("")},
    {"ModifySecurityGroupRule", "2014-05-26", op_modify_security_group_rule, 1, SIM_DRY_NONE, 1, 1,
     "SecurityGroupId SecurityGroupRuleId " RULE_PARAMS("")},
    {NULL, NULL, NULL, 0, SIM_DRY_NONE, 0, 0, NULL},
};
