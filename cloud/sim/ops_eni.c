/* ops_eni.c - simulator operations on elastic network interfaces: create, attach
 * (Available -> Attaching -> InUse), detach (InUse -> Detaching -> Available), modify, delete.
 * Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_MAX_ENI_PER_INSTANCE 8 /* ENIs one simulated instance may hold (primary included) */
#define SIM_MAX_ENI_GROUPS 5       /* security groups of one ENI */
#define SIM_MAX_ENI_IPV6 10        /* IPv6 addresses of an unattached ENI (AssignIpv6Addresses) */

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
    cJSON *groups = NULL, *tags = NULL;
    int del = 0;
    err_code rc = sim_req(c, "VSwitchId", &vsw_id);
    if (!rc)
        rc = sim_room(c, "NetworkInterfaces", "MaxEniCountExceeded");
    if (!rc)
        rc = sim_bool(c, "DeleteOnRelease", 0, &del);
    if (!rc)
        rc = sim_tags_read(c, &tags);
    if (rc)
        return rc;
    /* Tags are checked now, so that a bad one creates nothing; read again below to attach. */
    cJSON_Delete(tags);
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
    cJSON_AddBoolToObject(e, "DeleteOnRelease", del);
    cJSON_AddStringToObject(e, "CreationTime", when);
    const char *rg = sim_opt(c, "ResourceGroupId");
    cJSON_AddStringToObject(e, "ResourceGroupId", rg ? rg : "");
    cJSON_AddItemToArray(sim_kind(c->root, "NetworkInterfaces"), e);
    rc = sim_tags_read(c, &tags);
    if (!rc)
        rc = sim_tags_add(c, e, tags);
    cJSON_Delete(tags);
    if (rc)
        return rc;
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
    int del = -1;
    if (name && !sim_name_ok(name, 128))
        return sim_fail(c, 400, "InvalidName.Malformed", "NetworkInterfaceName is not valid.");
    if (!sim_desc_ok(desc, 2, 255))
        return sim_fail(c, 400, "InvalidDescription.Malformed", "Description is not valid.");
    rc = sim_tristate(c, "DeleteOnRelease", &del);
    if (rc)
        return rc;
    if (del >= 0)
        sim_setb(eni, "DeleteOnRelease", del);
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

/* 1 when one of the ENI's addresses (outer.inner[].field) is among want[0..n). */
static int has_address(const cJSON *e, const char *outer, const char *inner, const char *field,
                       const char **want, size_t n)
{
    const cJSON *a = NULL;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(
                              cJSON_GetObjectItemCaseSensitive(e, outer), inner)) {
        for (size_t i = 0; i < n; i++)
            if (strcmp(sim_gets(a, field), want[i]) == 0)
                return 1;
    }
    return 0;
}

/* ---- IPv6 ------------------------------------------------------------------------------------ */

/* Parse the vSwitch's IPv6 /64 prefix into its first 8 bytes; 0 when it has none. */
static int v6_prefix(const cJSON *vsw, unsigned char out[16])
{
    char addr[64];
    const char *cidr = sim_gets(vsw, "Ipv6CidrBlock"), *slash = strchr(cidr, '/');
    size_t len = slash ? (size_t)(slash - cidr) : 0;
    if (!slash || len == 0 || len >= sizeof addr)
        return 0;
    memcpy(addr, cidr, len);
    addr[len] = '\0';
    return inet_pton(AF_INET6, addr, out) == 1;
}

/* 1 when any ENI already holds the IPv6 address `ip` (text form compared canonically). */
static int ipv6_taken(struct sim_ctx *c, const unsigned char ip[16])
{
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, sim_kind(c->root, "NetworkInterfaces")) {
        const cJSON *a = NULL;
        cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(
                                  cJSON_GetObjectItemCaseSensitive(e, "Ipv6Sets"), "Ipv6Set")) {
            unsigned char have[16];
            if (inet_pton(AF_INET6, sim_gets(a, "Ipv6Address"), have) == 1 &&
                memcmp(have, ip, 16) == 0)
                return 1;
        }
    }
    return 0;
}

/* AssignIpv6Addresses: Ipv6AddressCount new addresses, or the listed Ipv6Address.N, from the
 * vSwitch's IPv6 block; at most 10 on an unattached ENI, the instance type's quota on an
 * attached one. Synchronous. */
static err_code op_assign_ipv6_addresses(struct sim_ctx *c)
{
    cJSON *eni = NULL;
    const char **want = NULL;
    size_t n_want = 0;
    long count = 0;
    err_code rc = eni_arg(c, &eni);
    if (!rc)
        rc = sim_list(c, "Ipv6Address", 1000, 403, "MaxEniIpv6IpsCountExceeded", &want, &n_want);
    if (!rc)
        rc = sim_long(c, "Ipv6AddressCount", 1, 1000, 0, &count);
    if (rc)
        goto cleanup;
    if ((n_want > 0) == (count > 0)) {
        rc = sim_fail(c, 400, "InvalidParameter",
                      "Exactly one of Ipv6AddressCount and Ipv6Address.N is required.");
        goto cleanup;
    }
    const char *st = sim_gets(eni, "Status");
    if (strcmp(st, "Available") != 0 && strcmp(st, "InUse") != 0) {
        rc = sim_fail(c, 400, "InvalidOperation.InvalidEniState",
                      "The network interface is %s; it must be Available or InUse.", st);
        goto cleanup;
    }
    long quota = SIM_MAX_ENI_IPV6;
    const cJSON *inst = sim_find(c->root, "Instances", "InstanceId", sim_gets(eni, "InstanceId"));
    if (inst) {
        const char *ist = sim_gets(inst, "Status");
        if (strcmp(sim_gets(eni, "Type"), "Primary") == 0 && strcmp(ist, "Running") != 0 &&
            strcmp(ist, "Stopped") != 0) {
            rc = sim_fail(c, 400, "InvalidOperation.InvalidEcsState",
                          "The instance of the primary network interface is %s.", ist);
            goto cleanup;
        }
        const struct sim_instance_type *t = sim_instance_type(sim_gets(inst, "InstanceType"));
        quota = t ? t->eni_ipv6 : 1;
    }
    const cJSON *vsw = sim_find(c->root, "VSwitches", "VSwitchId", sim_gets(eni, "VSwitchId"));
    unsigned char prefix[16];
    if (!v6_prefix(vsw, prefix)) {
        rc = sim_fail(c, 403, "InvalidVSwitch.Ipv6NotTurnOn",
                      "The vSwitch %s of the network interface has no IPv6 CIDR block.",
                      sim_gets(eni, "VSwitchId"));
        goto cleanup;
    }
    cJSON *wrap = cJSON_GetObjectItemCaseSensitive(eni, "Ipv6Sets");
    if (!wrap)
        wrap = cJSON_AddObjectToObject(eni, "Ipv6Sets");
    cJSON *have = cJSON_GetObjectItemCaseSensitive(wrap, "Ipv6Set");
    if (!have)
        have = cJSON_AddArrayToObject(wrap, "Ipv6Set");
    size_t adding = n_want ? n_want : (size_t)count;
    if ((long)((size_t)cJSON_GetArraySize(have) + adding) > quota) {
        rc = sim_fail(c, 403, "MaxEniIpv6IpsCountExceeded",
                      "The network interface may hold %ld IPv6 addresses; it has %d.", quota,
                      cJSON_GetArraySize(have));
        goto cleanup;
    }
    cJSON *out = cJSON_AddArrayToObject(cJSON_AddObjectToObject(c->out, "Ipv6Sets"), "Ipv6Address");
    for (size_t i = 0; i < adding; i++) {
        unsigned char ip[16];
        char text[INET6_ADDRSTRLEN];
        if (n_want) {
            if (inet_pton(AF_INET6, want[i], ip) != 1 || memcmp(ip, prefix, 8) != 0) {
                rc = sim_fail(c, 403, "InvalidVSwitchId.IpInvalid",
                              "The IPv6 address %s is not in the vSwitch's IPv6 CIDR block %s.",
                              want[i], sim_gets(vsw, "Ipv6CidrBlock"));
                goto cleanup;
            }
        } else {
            /* A free host address: random low 64 bits under the vSwitch prefix. */
            memcpy(ip, prefix, 8);
            do
                random_bytes(ip + 8, 8);
            while (ipv6_taken(c, ip));
        }
        if (ipv6_taken(c, ip)) {
            rc = sim_fail(c, 403, "InvalidIp.IpAssigned", "The IPv6 address %s is already in use.",
                          want[i]);
            goto cleanup;
        }
        inet_ntop(AF_INET6, ip, text, sizeof text);
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "Ipv6Address", text);
        cJSON_AddItemToArray(have, a);
        cJSON_AddItemToArray(out, cJSON_CreateString(text));
    }
    cJSON_AddStringToObject(c->out, "NetworkInterfaceId", sim_gets(eni, "NetworkInterfaceId"));
    cJSON_AddArrayToObject(cJSON_AddObjectToObject(c->out, "Ipv6PrefixSets"), "Ipv6Prefix");
cleanup:
    free(want);
    return rc;
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
        {"NetworkInterfaceName", "NetworkInterfaceName"}, {"ResourceGroupId", "ResourceGroupId"},
    };
    const char *sg = sim_opt(c, "SecurityGroupId");
    const char **ips = NULL, **ip6s = NULL;
    size_t n_ips = 0, n_ip6s = 0;
    struct sim_tag_filter tags;
    int managed = -1;
    rc = sim_list(c, "PrivateIpAddress", 100, 400, "InvalidParameter.PrivateIpAddressCount", &ips,
                  &n_ips);
    if (!rc)
        rc = sim_list(c, "Ipv6Address", 100, 400, "InvalidParameter.Ipv6AddressCount", &ip6s,
                      &n_ip6s);
    if (!rc)
        rc = sim_tag_filter(c, &tags);
    if (!rc)
        rc = sim_tristate(c, "ServiceManaged", &managed);
    if (rc) {
        free(ids);
        free(ips);
        free(ip6s);
        return rc;
    }
    cJSON *items = cJSON_CreateArray();
    cJSON *e = NULL;
    cJSON_ArrayForEach(e, sim_kind(c->root, "NetworkInterfaces")) {
        if (strcmp(sim_gets(e, "RegionId"), c->region) != 0 || !sim_tags_match(&tags, e) ||
            !sim_tristate_ok(managed, e, "ServiceManaged") ||
            (n_ips && !has_address(e, "PrivateIpSets", "PrivateIpSet", "PrivateIpAddress", ips, n_ips)) ||
            (n_ip6s && !has_address(e, "Ipv6Sets", "Ipv6Set", "Ipv6Address", ip6s, n_ip6s)))
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
    free(ips);
    free(ip6s);
    return sim_page(c, items, "NetworkInterfaceSets", "NetworkInterfaceSet", 10, 500, 1);
}

/* action, version, handler, mutating, DryRun, ClientToken, RegionId required, parameters. */
const struct sim_op sim_ops_eni[] = {
    {"DescribeNetworkInterfaces", "2014-05-26", op_describe_network_interfaces, 0, SIM_DRY_NONE, 0, 1,
     "NetworkInterfaceId.N InstanceId VpcId VSwitchId Type Status PrimaryIpAddress "
     "NetworkInterfaceName ResourceGroupId SecurityGroupId PrivateIpAddress.N Ipv6Address.N "
     "ServiceManaged Tag.N.Key Tag.N.Value PageNumber PageSize MaxResults NextToken"},
    {"CreateNetworkInterface", "2014-05-26", op_create_network_interface, 1, SIM_DRY_NONE, 1, 1,
     "VSwitchId SecurityGroupId SecurityGroupIds.N NetworkInterfaceName Description "
     "PrimaryIpAddress DeleteOnRelease ResourceGroupId Tag.N.Key Tag.N.Value"},
    {"AttachNetworkInterface", "2014-05-26", op_attach_network_interface, 1, SIM_DRY_NONE, 0, 1,
     "InstanceId NetworkInterfaceId"},
    {"DetachNetworkInterface", "2014-05-26", op_detach_network_interface, 1, SIM_DRY_NONE, 0, 1,
     "InstanceId NetworkInterfaceId"},
    {"ModifyNetworkInterfaceAttribute", "2014-05-26", op_modify_network_interface_attribute, 1,
     SIM_DRY_NONE, 0, 1,
     "NetworkInterfaceId SecurityGroupId.N NetworkInterfaceName Description DeleteOnRelease"},
    {"DeleteNetworkInterface", "2014-05-26", op_delete_network_interface, 1, SIM_DRY_NONE, 0, 1,
     "NetworkInterfaceId"},
    {"AssignIpv6Addresses", "2014-05-26", op_assign_ipv6_addresses, 1, SIM_DRY_NONE, 1, 1,
     "NetworkInterfaceId Ipv6AddressCount Ipv6Address.N"},
    {NULL, NULL, NULL, 0, SIM_DRY_NONE, 0, 0, NULL},
};
