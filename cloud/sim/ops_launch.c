/* ops_launch.c - RunInstances: each new instance goes Pending -> Starting -> Running over one
 * transition, with a system disk, its data disks, a primary ENI, an address in its vSwitch and
 * a Cloud Assistant agent. Passwords and user data are checked (checks.c), never kept.
 * Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_MAX_AMOUNT 100          /* RunInstances Amount */
#define SIM_MAX_RUN_DATA_DISKS 16   /* DataDisk.N */
#define SIM_AGENT_VERSION "2.2.3.398"

/* System and data disk categories RunInstances accepts, with data disk sizes (GiB). */
static const struct {
    const char *name;
    long min, max;
} disk_categories[] = {
    {"cloud", 5, 2000},         {"cloud_efficiency", 20, 32768}, {"cloud_ssd", 20, 32768},
    {"cloud_essd", 1, 65536},   {"cloud_auto", 1, 65536},        {"cloud_essd_entry", 10, 32768},
};

static const struct {
    const char *name;
    long min_gib;
} levels[] = {{"PL0", 1}, {"PL1", 20}, {"PL2", 461}, {"PL3", 1261}};

/* Month periods a subscription may be bought for (PeriodUnit=Month); weeks are 1-4. */
static const long month_periods[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 24, 36, 48, 60};

static int category_row(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(disk_categories); i++)
        if (strcmp(disk_categories[i].name, name) == 0)
            return (int)i;
    return -1;
}

static long level_min(const char *pl)
{
    for (size_t i = 0; i < ARRAY_LEN(levels); i++)
        if (strcmp(levels[i].name, pl) == 0)
            return levels[i].min_gib;
    return -1;
}

/* ---- Addresses -------------------------------------------------------------------------------- */

static int ip_in_use(struct sim_ctx *c, const char *ip)
{
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, sim_kind(c->root, "NetworkInterfaces")) {
        const cJSON *p = NULL;
        cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(
                                  cJSON_GetObjectItemCaseSensitive(e, "PrivateIpSets"), "PrivateIpSet")) {
            if (strcmp(sim_gets(p, "PrivateIpAddress"), ip) == 0)
                return 1;
        }
    }
    const cJSON *inst = NULL;
    cJSON_ArrayForEach(inst, sim_kind(c->root, "Instances")) {
        const cJSON *a = NULL;
        cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(
                                  cJSON_GetObjectItemCaseSensitive(
                                      cJSON_GetObjectItemCaseSensitive(inst, "VpcAttributes"),
                                      "PrivateIpAddress"),
                                  "IpAddress")) {
            if (cJSON_IsString(a) && strcmp(a->valuestring, ip) == 0)
                return 1;
        }
    }
    return 0;
}

/* The vSwitch's IPv4 block as (network, host count); 0 when it has none. */
static int block_of(const cJSON *vsw, uint32_t *net, uint32_t *hosts)
{
    char addr[32];
    const char *cidr = sim_gets(vsw, "CidrBlock"), *slash = strchr(cidr, '/');
    long bits = 0;
    struct in_addr a;
    size_t len = slash ? (size_t)(slash - cidr) : 0;
    if (!slash || len == 0 || len >= sizeof addr || parse_long(slash + 1, 8, 30, &bits) != ERR_OK)
        return 0;
    memcpy(addr, cidr, len);
    addr[len] = '\0';
    if (inet_pton(AF_INET, addr, &a) != 1)
        return 0;
    *hosts = 1u << (32 - bits);
    *net = ntohl(a.s_addr) & ~(*hosts - 1);
    return 1;
}

/* A free private address of the vSwitch (the first from .10 up; the API reserves the first
 * and last few); "" when the block is full. */
static void free_ip(struct sim_ctx *c, const cJSON *vsw, const cJSON *taken, char out[INET_ADDRSTRLEN])
{
    uint32_t net = 0, hosts = 0;
    out[0] = '\0';
    if (!block_of(vsw, &net, &hosts))
        return;
    for (uint32_t h = 10; h + 4 < hosts; h++) {
        struct in_addr a = {htonl(net + h)};
        inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
        int dup = ip_in_use(c, out);
        const cJSON *t = NULL;
        cJSON_ArrayForEach(t, taken)
            dup |= strcmp(t->valuestring, out) == 0;
        if (!dup)
            return;
    }
    out[0] = '\0';
}

static int ip_in_block(const cJSON *vsw, const char *ip)
{
    uint32_t net = 0, hosts = 0;
    struct in_addr a;
    if (!block_of(vsw, &net, &hosts) || inet_pton(AF_INET, ip, &a) != 1)
        return 0;
    uint32_t v = ntohl(a.s_addr);
    return v > net && v < net + hosts - 1;
}

/* ---- RunInstances ------------------------------------------------------------------------------ */

/* Everything RunInstances checked, ready to build instances from. */
struct launch {
    long amount;
    const struct sim_instance_type *type;
    const cJSON *image;
    const cJSON *vsw;
    const char *zone;
    cJSON *groups;            /* owned: security group ids */
    cJSON *tags;              /* owned: Tag.N */
    const char *sys_cat, *sys_pl;
    long sys_size;
    long bw_out, bw_in;
    const char *charge, *net_charge;
    long period;              /* months (or weeks) of a subscription */
    int weekly, protect, unique, windows;
    size_t n_data;            /* DataDisk.N given */
};

static void launch_release(struct launch *l)
{
    cJSON_Delete(l->groups);
    cJSON_Delete(l->tags);
}

static err_code check_level(struct sim_ctx *c, const char *what, const char *cat, const char *pl,
                            long size)
{
    if (!pl)
        return ERR_OK;
    if (level_min(pl) < 0)
        return sim_fail(c, 400, "InvalidPerformanceLevel.Malformed",
                        "The specified parameter %s.PerformanceLevel is not valid (PL0 to PL3).", what);
    if (strcmp(cat, "cloud_essd") != 0)
        return sim_fail(c, 400, "InvalidParameter.Conflict",
                        "%s.PerformanceLevel applies to cloud_essd disks only.", what);
    if (size < level_min(pl))
        return sim_fail(c, 403, "OperationDenied.PerformanceLevelNotMatch",
                        "The specified PerformanceLevel and disk size do not match (%s needs at least "
                        "%ld GiB).", pl, level_min(pl));
    return ERR_OK;
}

/* DataDisk.N: check every entry (N 1..16, contiguous). */
static err_code data_disks_arg(struct sim_ctx *c, struct launch *l)
{
    char k[64];
    for (size_t i = 1;; i++) {
        int any = 0;
        static const char *const fields[] = {"Size", "Category", "SnapshotId", "DeleteWithInstance",
                                             "Encrypted", "PerformanceLevel", "DiskName",
                                             "Description"};
        for (size_t f = 0; f < ARRAY_LEN(fields); f++) {
            snprintf(k, sizeof k, "DataDisk.%zu.%s", i, fields[f]);
            any |= sim_opt(c, k) != NULL;
        }
        if (!any)
            break;
        if (i > SIM_MAX_RUN_DATA_DISKS)
            return sim_fail(c, 400, "InvalidParameter.DataDiskCount",
                            "At most %d data disks (DataDisk.1 to DataDisk.%d) can be created.",
                            SIM_MAX_RUN_DATA_DISKS, SIM_MAX_RUN_DATA_DISKS);
        l->n_data = i;
        snprintf(k, sizeof k, "DataDisk.%zu.Category", i);
        const char *cat = sim_opt(c, k) ? sim_opt(c, k) : "cloud_efficiency";
        int row = category_row(cat);
        if (row < 0)
            return sim_fail(c, 400, "InvalidDataDiskCategory.ValueNotSupported",
                            "The specified parameter \"DataDisk.%zu.Category\" is not valid.", i);
        long size = 0, snap_size = 0;
        snprintf(k, sizeof k, "DataDisk.%zu.Size", i);
        err_code rc = sim_long(c, k, 1, 65536, 0, &size);
        if (rc)
            return rc;
        snprintf(k, sizeof k, "DataDisk.%zu.SnapshotId", i);
        const char *snap_id = sim_opt(c, k);
        if (snap_id) {
            const cJSON *s = sim_find(c->root, "Snapshots", "SnapshotId", snap_id);
            if (!s || strcmp(sim_gets(s, "RegionId"), c->region) != 0)
                return sim_fail(c, 404, "InvalidSnapshotId.NotFound",
                                "The specified DataDisk.%zu.SnapshotId does not exist.", i);
            if (strcmp(sim_gets(s, "Status"), "accomplished") != 0)
                return sim_fail(c, 403, "InvalidSnapshotId.NotReady",
                                "The specified snapshot has not completed yet.");
            parse_long(sim_gets(s, "SourceDiskSize"), 0, 65536, &snap_size);
            if (!size)
                size = snap_size;
        } else if (!size) {
            return sim_fail(c, 400, "MissingParameter",
                            "The input parameter \"DataDisk.%zu.Size\" that is mandatory for "
                            "processing this request is not supplied.", i);
        }
        if (size < disk_categories[row].min || size > disk_categories[row].max || size < snap_size)
            return sim_fail(c, 400, "InvalidDataDiskSize.ValueNotSupported",
                            "DataDisk.%zu.Size beyond the permitted range (%s: %ld to %ld GiB, at "
                            "least the snapshot's size).", i, cat, disk_categories[row].min,
                            disk_categories[row].max);
        snprintf(k, sizeof k, "DataDisk.%zu.PerformanceLevel", i);
        char what[32];
        snprintf(what, sizeof what, "DataDisk.%zu", i);
        rc = check_level(c, what, cat, sim_opt(c, k), size);
        int flag = 0;
        snprintf(k, sizeof k, "DataDisk.%zu.DeleteWithInstance", i);
        if (!rc)
            rc = sim_bool(c, k, 1, &flag);
        snprintf(k, sizeof k, "DataDisk.%zu.Encrypted", i);
        if (!rc)
            rc = sim_bool(c, k, 0, &flag);
        if (rc)
            return rc;
        snprintf(k, sizeof k, "DataDisk.%zu.DiskName", i);
        const char *name = sim_opt(c, k);
        if (name && !sim_name_ok(name, 128))
            return sim_fail(c, 400, "InvalidDiskName.Malformed",
                            "The specified parameter \"DataDisk.%zu.DiskName\" is not valid.", i);
        snprintf(k, sizeof k, "DataDisk.%zu.Description", i);
        if (!sim_desc_ok(sim_opt(c, k), 2, 256))
            return sim_fail(c, 400, "InvalidDiskDescription.Malformed",
                            "The specified parameter \"DataDisk.%zu.Description\" is not valid.", i);
    }
    return ERR_OK;
}

/* Network: the vSwitch (required: every simulated security group is a VPC group), its zone,
 * the groups in its VPC, and the private address. */
static err_code network_arg(struct sim_ctx *c, struct launch *l)
{
    const char *vsw_id = sim_opt(c, "VSwitchId"), *zone = sim_opt(c, "ZoneId");
    if (zone) {
        const cJSON *region = sim_find(c->root, "Regions", "RegionId", c->region);
        int ok = 0;
        const cJSON *z = NULL;
        cJSON_ArrayForEach(z, cJSON_GetObjectItemCaseSensitive(region, "Zones"))
            ok |= cJSON_IsString(z) && strcmp(z->valuestring, zone) == 0;
        if (!ok)
            return sim_fail(c, 404, "InvalidZoneId.NotFound", "The specified zone does not exist.");
    }
    if (!vsw_id)
        return sim_fail(c, 400, "InvalidVSwitchId.Necessary",
                        "The VSwitchId is necessary: the security groups of this account are VPC "
                        "groups.");
    l->vsw = sim_find(c->root, "VSwitches", "VSwitchId", vsw_id);
    if (!l->vsw || strcmp(sim_gets(l->vsw, "RegionId"), c->region) != 0)
        return sim_fail(c, 404, "InvalidVSwitchId.NotFound", "The specified VSwitchId does not exist.");
    if (zone && strcmp(zone, sim_gets(l->vsw, "ZoneId")) != 0)
        return sim_fail(c, 400, "InvalidParameter.Mismatch",
                        "Specified virtual switch is not in the specified zone.");
    l->zone = sim_gets(l->vsw, "ZoneId");
    err_code rc = sim_groups_arg(c, 1, sim_gets(l->vsw, "VpcId"), &l->groups);
    if (rc)
        return rc;
    if (cJSON_GetArraySize(l->groups) == 0)
        return sim_fail(c, 400, "MissingParameter", "The input parameter \"SecurityGroupId\" that "
                        "is mandatory for processing this request is not supplied.");
    const char *ip = sim_opt(c, "PrivateIpAddress");
    if (ip) {
        struct in_addr a;
        if (inet_pton(AF_INET, ip, &a) != 1)
            return sim_fail(c, 400, "InvalidPrivateIpAddress.Malformed",
                            "The specified parameter PrivateIpAddress is not valid.");
        if (l->amount != 1)
            return sim_fail(c, 400, "InvalidParameter.Conflict",
                            "PrivateIpAddress can be given only when Amount is 1.");
        if (!ip_in_block(l->vsw, ip))
            return sim_fail(c, 400, "InvalidPrivateIpAddress",
                            "Specified private IP address is not in the CIDR block of virtual switch.");
        if (ip_in_use(c, ip))
            return sim_fail(c, 400, "InvalidPrivateIpAddress.Duplicated",
                            "Specified private IP address is duplicated.");
    }
    return ERR_OK;
}

static err_code image_arg(struct sim_ctx *c, struct launch *l)
{
    const char *id = NULL;
    err_code rc = sim_req(c, "ImageId", &id);
    if (rc)
        return rc;
    l->image = sim_find(c->root, "Images", "ImageId", id);
    if (l->image && strcmp(sim_gets(l->image, "ImageOwnerAlias"), "system") != 0 &&
        strcmp(sim_gets(l->image, "RegionId"), c->region) != 0)
        l->image = NULL;
    if (!l->image || strcmp(sim_gets(l->image, "Status"), "Available") != 0)
        return sim_fail(c, 404, "InvalidImageId.NotFound",
                        "The specified ImageId \"%s\" does not exist or is not Available.", id);
    l->windows = strcmp(sim_gets(l->image, "OSType"), "windows") == 0;
    return ERR_OK;
}

static err_code type_arg(struct sim_ctx *c, const cJSON *image, const struct sim_instance_type **ret)
{
    const char *id = NULL;
    err_code rc = sim_req(c, "InstanceType", &id);
    if (rc)
        return rc;
    *ret = sim_instance_type(id);
    if (!*ret)
        return sim_fail(c, 400, "InvalidInstanceType.ValueNotSupported",
                        "The specified InstanceType \"%s\" does not exist or beyond the permitted "
                        "range (DescribeInstanceTypes lists the simulated ones).", id);
    int arm_image = strcmp(sim_gets(image, "Architecture"), "arm64") == 0;
    int arm_type = strcmp((*ret)->arch, "ARM") == 0;
    if (arm_image != arm_type)
        return sim_fail(c, 403, "ImageNotSupportInstanceType",
                        "The specified image (%s) does not support the InstanceType %s (%s).",
                        sim_gets(image, "Architecture"), id, (*ret)->arch);
    return ERR_OK;
}

/* Billing: InstanceChargeType PostPaid (default) or PrePaid with Period and PeriodUnit, and
 * InternetChargeType. */
static err_code charge_arg(struct sim_ctx *c, struct launch *l)
{
    l->charge = sim_opt(c, "InstanceChargeType") ? sim_opt(c, "InstanceChargeType") : "PostPaid";
    l->net_charge = sim_opt(c, "InternetChargeType") ? sim_opt(c, "InternetChargeType") : "PayByTraffic";
    if (strcmp(l->charge, "PostPaid") != 0 && strcmp(l->charge, "PrePaid") != 0)
        return sim_fail(c, 400, "InvalidParameter",
                        "The specified parameter \"InstanceChargeType\" is not valid (PostPaid or PrePaid).");
    if (strcmp(l->net_charge, "PayByTraffic") != 0 && strcmp(l->net_charge, "PayByBandwidth") != 0)
        return sim_fail(c, 400, "InvalidInternetChargeType.ValueNotSupported",
                        "The specified InternetChargeType is not valid (PayByTraffic or PayByBandwidth).");
    const char *unit = sim_opt(c, "PeriodUnit");
    l->weekly = unit && strcmp(unit, "Week") == 0;
    if (unit && !l->weekly && strcmp(unit, "Month") != 0)
        return sim_fail(c, 400, "InvalidPeriodType.ValueNotSupported",
                        "The specified parameter PeriodUnit is invalid (Week or Month).");
    err_code rc = sim_long(c, "Period", 1, 60, 0, &l->period);
    if (rc)
        return rc;
    if (strcmp(l->charge, "PostPaid") == 0)
        return ERR_OK;
    if (!l->period)
        return sim_fail(c, 400, "MissingParameter",
                        "The specified parameter \"Period\" is mandatory for PrePaid instances.");
    int ok = l->weekly && l->period <= 4;
    for (size_t i = 0; !l->weekly && i < ARRAY_LEN(month_periods); i++)
        ok |= month_periods[i] == l->period;
    if (!ok)
        return sim_fail(c, 400, "InvalidPeriod", "The specified period is not valid.");
    return ERR_OK;
}

static err_code system_disk_arg(struct sim_ctx *c, struct launch *l)
{
    l->sys_cat = sim_opt(c, "SystemDisk.Category") ? sim_opt(c, "SystemDisk.Category") : "cloud_essd";
    if (category_row(l->sys_cat) < 0 || strcmp(l->sys_cat, "cloud") == 0)
        return sim_fail(c, 400, "InvalidSystemDiskCategory.ValueNotSupported",
                        "The specified parameter \"SystemDisk.Category\" is not valid.");
    long image_gib = (long)sim_getn(l->image, "Size"), min = image_gib > 20 ? image_gib : 20;
    err_code rc = sim_long(c, "SystemDisk.Size", 1, 100000, min > 40 ? min : 40, &l->sys_size);
    if (rc)
        return rc;
    if (l->sys_size < min || l->sys_size > 2048)
        return sim_fail(c, 400, "InvalidSystemDiskSize.ValueNotSupported",
                        "SystemDisk.Size must be %ld to 2048 GiB (at least the image's size).", min);
    l->sys_pl = sim_opt(c, "SystemDisk.PerformanceLevel");
    if (!l->sys_pl && strcmp(l->sys_cat, "cloud_essd") == 0)
        l->sys_pl = "PL1";
    rc = check_level(c, "SystemDisk", l->sys_cat, l->sys_pl, l->sys_size);
    const char *name = sim_opt(c, "SystemDisk.DiskName");
    if (!rc && name && !sim_name_ok(name, 128))
        rc = sim_fail(c, 400, "InvalidDiskName.Malformed",
                      "The specified parameter \"SystemDisk.DiskName\" is not valid.");
    if (!rc && !sim_desc_ok(sim_opt(c, "SystemDisk.Description"), 2, 256))
        rc = sim_fail(c, 400, "InvalidDiskDescription.Malformed",
                      "The specified parameter \"SystemDisk.Description\" is not valid.");
    return rc;
}

/* Names, credentials and user data. */
static err_code identity_arg(struct sim_ctx *c, struct launch *l)
{
    const char *name = sim_opt(c, "InstanceName"), *host = sim_opt(c, "HostName");
    const char *key = sim_opt(c, "KeyPairName");
    err_code rc = sim_bool(c, "UniqueSuffix", 0, &l->unique);
    if (rc)
        return rc;
    if (name && !sim_instance_name_ok(name))
        return sim_fail(c, 400, "InvalidInstanceName.Malformed",
                        "The specified parameter \"InstanceName\" is not valid: 2 to 128 characters, "
                        "a letter first, then letters, digits, '.', '_', ':' and '-'.");
    if (name && l->unique && l->amount > 1 && utf8_count(name, strlen(name)) > 125)
        return sim_fail(c, 403, "InvalidParams.InstanceNameExceed",
                        "The uniqueSuffix takes three naming places, please shorten your InstanceName.");
    if (host && !sim_host_name_ok(host, l->windows))
        return sim_fail(c, 400, "InvalidHostName.Malformed",
                        "The specified parameter \"HostName\" is not valid.");
    if (host && l->unique && l->amount > 1 && strlen(host) > (l->windows ? 12u : 61u))
        return sim_fail(c, 403, "InvalidParams.HostnameExceed",
                        "The uniqueSuffix takes three naming places, please shorten your Hostname.");
    if (!sim_desc_ok(sim_opt(c, "Description"), 2, 256))
        return sim_fail(c, 400, "InvalidDescription.Malformed",
                        "The specified parameter \"Description\" is not valid.");
    rc = sim_password_arg(c);
    if (!rc)
        rc = sim_user_data_arg(c);
    if (rc)
        return rc;
    if (key) {
        const cJSON *k = NULL;
        int found = 0;
        cJSON_ArrayForEach(k, sim_kind(c->root, "KeyPairs"))
            found |= strcmp(sim_gets(k, "KeyPairName"), key) == 0 &&
                     strcmp(sim_gets(k, "RegionId"), c->region) == 0;
        if (!found)
            return sim_fail(c, 400, "InvalidKeyPairName.NotFound",
                            "The specified KeyPairName \"%s\" does not exist in our records.", key);
    }
    return ERR_OK;
}

static err_code launch_arg(struct sim_ctx *c, struct launch *l)
{
    memset(l, 0, sizeof *l);
    err_code rc = sim_long(c, "Amount", -1000000, 1000000, 1, &l->amount);
    if (!rc && (l->amount < 1 || l->amount > SIM_MAX_AMOUNT))
        rc = sim_fail(c, 403, "InvalidParam.Amount", "Amount must be 1 to %d.", SIM_MAX_AMOUNT);
    if (!rc)
        rc = image_arg(c, l);
    if (!rc)
        rc = type_arg(c, l->image, &l->type);
    if (!rc)
        rc = network_arg(c, l);
    if (!rc)
        rc = charge_arg(c, l);
    if (!rc)
        rc = system_disk_arg(c, l);
    if (!rc)
        rc = data_disks_arg(c, l);
    if (!rc)
        rc = identity_arg(c, l);
    if (!rc)
        rc = sim_long(c, "InternetMaxBandwidthOut", 0, 1000000, 0, &l->bw_out);
    if (!rc && l->bw_out > SIM_MAX_BANDWIDTH_OUT)
        rc = sim_fail(c, 400, "InvalidInternetMaxBandwidthOut.Malformed",
                      "The specified parameter internetMaxBandwidthOut is not valid (0 to %d).",
                      SIM_MAX_BANDWIDTH_OUT);
    if (!rc)
        rc = sim_long(c, "InternetMaxBandwidthIn", 0, 1000000, l->bw_out ? SIM_MAX_BANDWIDTH_IN : 0,
                      &l->bw_in);
    if (!rc && l->bw_in > SIM_MAX_BANDWIDTH_IN)
        rc = sim_fail(c, 400, "InvalidInternetMaxBandwidthIn.Malformed",
                      "The specified parameter internetMaxBandwidthIn is not valid (0 to %d).",
                      SIM_MAX_BANDWIDTH_IN);
    if (!rc)
        rc = sim_bool(c, "DeletionProtection", 0, &l->protect);
    if (!rc)
        rc = sim_tags_read(c, &l->tags);
    /* Quotas last, as the API checks them once the request itself is sound. */
    if (!rc && (size_t)cJSON_GetArraySize(sim_kind(c->root, "Instances")) + (size_t)l->amount >
                   SIM_MAX_PER_KIND)
        rc = sim_fail(c, 400, "QuotaExceed.AfterpayInstance", "Living afterpay instances quota exceeded.");
    if (!rc && sim_vcpus_in_region(c, c->region) + l->amount * l->type->cpu > SIM_VCPU_QUOTA)
        rc = sim_fail(c, 403, "QuotaExceed.ElasticQuota",
                      "The number of vCPUs assigned to the ECS instances has exceeded the quota in "
                      "the region (%d in the simulator).", SIM_VCPU_QUOTA);
    return rc;
}

static void add_ip_list(cJSON *obj, const char *outer, const char *ip)
{
    cJSON *arr = cJSON_AddArrayToObject(cJSON_AddObjectToObject(obj, outer), "IpAddress");
    if (ip && *ip)
        cJSON_AddItemToArray(arr, cJSON_CreateString(ip));
}

/* "yyyy-MM-ddTHH:mmZ": how DescribeInstances writes instance times. */
static void minute_time(uint64_t ms, char out[32])
{
    sim_iso_time(ms, out);
    memcpy(out + 16, "Z", 2);
}

static cJSON *new_disk(struct sim_ctx *c, const struct launch *l, const char *inst, int system,
                       size_t n, const char *device, const char *when)
{
    char id[40], k[64];
    sim_new_id("d-", id);
    cJSON *d = cJSON_CreateObject();
    const char *cat = l->sys_cat, *pl = l->sys_pl, *snap = NULL, *name = NULL, *desc = NULL;
    long size = l->sys_size;
    int del = 1, enc = 0;
    if (!system) {
        snprintf(k, sizeof k, "DataDisk.%zu.Category", n);
        cat = sim_opt(c, k) ? sim_opt(c, k) : "cloud_efficiency";
        snprintf(k, sizeof k, "DataDisk.%zu.PerformanceLevel", n);
        pl = sim_opt(c, k) ? sim_opt(c, k) : (strcmp(cat, "cloud_essd") == 0 ? "PL1" : NULL);
        snprintf(k, sizeof k, "DataDisk.%zu.SnapshotId", n);
        snap = sim_opt(c, k);
        snprintf(k, sizeof k, "DataDisk.%zu.Size", n);
        size = 0;
        sim_long(c, k, 1, 65536, 0, &size);
        if (!size && snap)
            parse_long(sim_gets(sim_find(c->root, "Snapshots", "SnapshotId", snap), "SourceDiskSize"),
                       0, 65536, &size);
        snprintf(k, sizeof k, "DataDisk.%zu.DeleteWithInstance", n);
        sim_bool(c, k, 1, &del);
        snprintf(k, sizeof k, "DataDisk.%zu.Encrypted", n);
        sim_bool(c, k, 0, &enc);
        snprintf(k, sizeof k, "DataDisk.%zu.DiskName", n);
        name = sim_opt(c, k);
        snprintf(k, sizeof k, "DataDisk.%zu.Description", n);
        desc = sim_opt(c, k);
    } else {
        name = sim_opt(c, "SystemDisk.DiskName");
        desc = sim_opt(c, "SystemDisk.Description");
    }
    cJSON_AddStringToObject(d, "DiskId", id);
    cJSON_AddStringToObject(d, "DiskName", name ? name : "");
    cJSON_AddStringToObject(d, "Description", desc ? desc : "");
    cJSON_AddStringToObject(d, "RegionId", c->region);
    cJSON_AddStringToObject(d, "ZoneId", l->zone);
    cJSON_AddStringToObject(d, "Type", system ? "system" : "data");
    cJSON_AddStringToObject(d, "Category", cat);
    cJSON_AddStringToObject(d, "PerformanceLevel", pl ? pl : "");
    cJSON_AddNumberToObject(d, "Size", (double)size);
    cJSON_AddStringToObject(d, "Status", "In_use");
    cJSON_AddStringToObject(d, "InstanceId", inst);
    cJSON_AddStringToObject(d, "Device", device);
    cJSON_AddStringToObject(d, "ImageId", system ? sim_gets(l->image, "ImageId") : "");
    cJSON_AddStringToObject(d, "SourceSnapshotId", snap ? snap : "");
    cJSON_AddBoolToObject(d, "Portable", !system && strcmp(l->charge, "PostPaid") == 0);
    cJSON_AddBoolToObject(d, "DeleteWithInstance", del);
    cJSON_AddBoolToObject(d, "DeleteAutoSnapshot", 1);
    cJSON_AddBoolToObject(d, "Encrypted", enc);
    cJSON_AddStringToObject(d, "MultiAttach", "Disabled");
    cJSON_AddStringToObject(d, "AutoSnapshotPolicyId", "");
    cJSON_AddBoolToObject(d, "EnableAutomatedSnapshotPolicy", 0);
    cJSON_AddStringToObject(d, "DiskChargeType", l->charge);
    cJSON_AddStringToObject(d, "CreationTime", when);
    cJSON_AddStringToObject(d, "AttachedTime", when);
    const char *rg = sim_opt(c, "ResourceGroupId");
    cJSON_AddStringToObject(d, "ResourceGroupId", rg ? rg : "");
    cJSON_AddItemToObject(cJSON_AddObjectToObject(d, "Tags"), "Tag", cJSON_Duplicate(l->tags, 1));
    cJSON_AddBoolToObject(d, "_EverAttached", 1);
    cJSON_AddItemToArray(sim_kind(c->root, "Disks"), d);
    return d;
}

static void new_primary_eni(struct sim_ctx *c, const struct launch *l, const char *inst,
                            const char *ip, const char *when)
{
    char id[40], mac[24];
    unsigned char r[3];
    sim_new_id("eni-", id);
    random_bytes(r, sizeof r);
    snprintf(mac, sizeof mac, "00:16:3e:%02x:%02x:%02x", r[0], r[1], r[2]);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "NetworkInterfaceId", id);
    cJSON_AddStringToObject(e, "NetworkInterfaceName", "");
    cJSON_AddStringToObject(e, "Description", "");
    cJSON_AddStringToObject(e, "RegionId", c->region);
    cJSON_AddStringToObject(e, "Status", "InUse");
    cJSON_AddStringToObject(e, "Type", "Primary");
    cJSON_AddStringToObject(e, "InstanceId", inst);
    cJSON_AddStringToObject(e, "VpcId", sim_gets(l->vsw, "VpcId"));
    cJSON_AddStringToObject(e, "VSwitchId", sim_gets(l->vsw, "VSwitchId"));
    cJSON_AddStringToObject(e, "ZoneId", l->zone);
    cJSON_AddStringToObject(e, "MacAddress", mac);
    cJSON_AddStringToObject(e, "PrivateIpAddress", ip);
    cJSON *set = cJSON_AddArrayToObject(cJSON_AddObjectToObject(e, "PrivateIpSets"), "PrivateIpSet");
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "PrivateIpAddress", ip);
    cJSON_AddBoolToObject(p, "Primary", 1);
    cJSON_AddItemToArray(set, p);
    cJSON_AddItemToObject(cJSON_AddObjectToObject(e, "SecurityGroupIds"), "SecurityGroupId",
                          cJSON_Duplicate(l->groups, 1));
    cJSON_AddBoolToObject(e, "DeleteOnRelease", 1);
    cJSON_AddStringToObject(e, "CreationTime", when);
    const char *rg = sim_opt(c, "ResourceGroupId");
    cJSON_AddStringToObject(e, "ResourceGroupId", rg ? rg : "");
    cJSON_AddItemToObject(cJSON_AddObjectToObject(e, "Tags"), "Tag", cJSON_Duplicate(l->tags, 1));
    cJSON *att = cJSON_AddObjectToObject(e, "Attachment");
    cJSON_AddStringToObject(att, "InstanceId", inst);
    cJSON_AddNumberToObject(att, "DeviceIndex", 0);
    cJSON_AddItemToArray(sim_kind(c->root, "NetworkInterfaces"), e);
}

/* Build instance number `i` (0-based) of a checked launch; its private address is `ip`. */
static cJSON *new_instance(struct sim_ctx *c, const struct launch *l, long i, const char *ip)
{
    char id[40], when[32], start[32], expire[32], name[200], host[80];
    sim_new_id("i-", id);
    minute_time(c->now, when);
    minute_time(c->now + c->transition_ms, start);
    const char *given_name = sim_opt(c, "InstanceName"), *given_host = sim_opt(c, "HostName");
    /* UniqueSuffix numbers the names of a batch 001, 002, ... */
    char suffix[24] = "";
    if (l->unique && l->amount > 1)
        snprintf(suffix, sizeof suffix, "%03ld", i + 1);
    snprintf(name, sizeof name, "%s%s", given_name ? given_name : id, suffix);
    if (given_host)
        snprintf(host, sizeof host, "%s%s", given_host, suffix);
    else
        snprintf(host, sizeof host, "iZ%sZ", id + 2);
    if (strcmp(l->charge, "PrePaid") == 0) {
        uint64_t days = (uint64_t)l->period * (l->weekly ? 7u : 30u);
        minute_time(c->now + days * 86400000ull, expire);
    } else {
        snprintf(expire, sizeof expire, "2099-12-31T15:59Z");
    }
    const char *desc = sim_opt(c, "Description"), *key = l->windows ? NULL : sim_opt(c, "KeyPairName");
    const char *rg = sim_opt(c, "ResourceGroupId");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "InstanceId", id);
    cJSON_AddStringToObject(o, "InstanceName", name);
    cJSON_AddStringToObject(o, "HostName", host);
    cJSON_AddStringToObject(o, "Description", desc ? desc : "");
    cJSON_AddStringToObject(o, "RegionId", c->region);
    cJSON_AddStringToObject(o, "ZoneId", l->zone);
    cJSON_AddStringToObject(o, "Status", "Pending");
    cJSON_AddStringToObject(o, "InstanceType", l->type->id);
    cJSON_AddStringToObject(o, "InstanceTypeFamily", l->type->family);
    cJSON_AddNumberToObject(o, "Cpu", l->type->cpu);
    cJSON_AddNumberToObject(o, "Memory", l->type->memory_gib * 1024);
    cJSON_AddStringToObject(o, "ImageId", sim_gets(l->image, "ImageId"));
    cJSON_AddStringToObject(o, "OSType", l->windows ? "windows" : "linux");
    cJSON_AddStringToObject(o, "OSName", sim_gets(l->image, "OSName"));
    cJSON_AddStringToObject(o, "InstanceNetworkType", "vpc");
    cJSON *va = cJSON_AddObjectToObject(o, "VpcAttributes");
    cJSON_AddStringToObject(va, "VpcId", sim_gets(l->vsw, "VpcId"));
    cJSON_AddStringToObject(va, "VSwitchId", sim_gets(l->vsw, "VSwitchId"));
    add_ip_list(va, "PrivateIpAddress", ip);
    cJSON_AddStringToObject(va, "NatIpAddress", "");
    char pub[SIM_IP_TEXT] = "";
    if (l->bw_out > 0)
        sim_public_ip(c, pub);
    add_ip_list(o, "PublicIpAddress", pub);
    add_ip_list(o, "InnerIpAddress", NULL);
    cJSON *eip = cJSON_AddObjectToObject(o, "EipAddress");
    cJSON_AddStringToObject(eip, "IpAddress", "");
    cJSON_AddStringToObject(eip, "AllocationId", "");
    cJSON_AddStringToObject(eip, "InternetChargeType", "");
    cJSON_AddItemToObject(cJSON_AddObjectToObject(o, "SecurityGroupIds"), "SecurityGroupId",
                          cJSON_Duplicate(l->groups, 1));
    cJSON_AddStringToObject(o, "InstanceChargeType", l->charge);
    cJSON_AddStringToObject(o, "InternetChargeType", l->net_charge);
    cJSON_AddNumberToObject(o, "InternetMaxBandwidthOut", (double)l->bw_out);
    cJSON_AddNumberToObject(o, "InternetMaxBandwidthIn", (double)l->bw_in);
    cJSON_AddBoolToObject(o, "DeletionProtection", l->protect);
    cJSON_AddArrayToObject(cJSON_AddObjectToObject(o, "OperationLocks"), "LockReason");
    cJSON_AddItemToObject(cJSON_AddObjectToObject(o, "Tags"), "Tag", cJSON_Duplicate(l->tags, 1));
    cJSON_AddStringToObject(o, "CreationTime", when);
    cJSON_AddStringToObject(o, "StartTime", "");
    cJSON_AddStringToObject(o, "ExpiredTime", expire);
    cJSON_AddStringToObject(o, "StoppedMode", "Not-applicable");
    cJSON_AddStringToObject(o, "KeyPairName", key ? key : "");
    cJSON_AddStringToObject(o, "ResourceGroupId", rg ? rg : "");
    /* Public images carry the Cloud Assistant agent; it answers once the instance runs. */
    cJSON *agent = cJSON_AddObjectToObject(o, "_Agent");
    cJSON_AddStringToObject(agent, "Status", "true");
    cJSON_AddStringToObject(agent, "Version", SIM_AGENT_VERSION);
    cJSON_AddStringToObject(agent, "LastHeartbeatTime", "");
    char beat[32];
    sim_iso_time(c->now + c->transition_ms, beat);
    sim_schedule(c, agent, c->transition_ms, "LastHeartbeatTime", beat);
    if (sim_opt(c, "Password"))
        cJSON_AddBoolToObject(o, "_PasswordSet", 1); /* that one was given, never what it is */
    sim_schedule(c, o, c->transition_ms / 2, "Status", "Starting");
    sim_schedule(c, o, c->transition_ms, "Status", "Running");
    sim_schedule(c, o, c->transition_ms, "StartTime", start);
    cJSON_AddItemToArray(sim_kind(c->root, "Instances"), o);
    return o;
}

static err_code op_run_instances(struct sim_ctx *c)
{
    struct launch l;
    err_code rc = launch_arg(c, &l);
    if (rc) {
        launch_release(&l);
        return rc;
    }
    /* Addresses first: a launch that does not fit the vSwitch creates nothing. */
    cJSON *ips = cJSON_CreateArray();
    for (long i = 0; i < l.amount; i++) {
        char ip[INET_ADDRSTRLEN];
        if (i == 0 && sim_opt(c, "PrivateIpAddress"))
            snprintf(ip, sizeof ip, "%s", sim_opt(c, "PrivateIpAddress"));
        else
            free_ip(c, l.vsw, ips, ip);
        if (!ip[0]) {
            rc = sim_fail(c, 400, "QuotaExceeded.PrivateIpAddress",
                          "Don't have enough private IPs in this switch.");
            goto cleanup;
        }
        cJSON_AddItemToArray(ips, cJSON_CreateString(ip));
    }
    char when[32];
    sim_iso_time(c->now, when);
    cJSON *set = cJSON_AddArrayToObject(cJSON_AddObjectToObject(c->out, "InstanceIdSets"),
                                        "InstanceIdSet");
    for (long i = 0; i < l.amount; i++) {
        const char *ip = cJSON_GetArrayItem(ips, (int)i)->valuestring;
        cJSON *inst = new_instance(c, &l, i, ip);
        const char *iid = sim_gets(inst, "InstanceId");
        new_disk(c, &l, iid, 1, 0, "/dev/xvda", when);
        for (size_t n = 1; n <= l.n_data; n++) {
            char dev[16];
            snprintf(dev, sizeof dev, "/dev/xvd%c", (char)('a' + n));
            new_disk(c, &l, iid, 0, n, dev, when);
        }
        new_primary_eni(c, &l, iid, ip, when);
        cJSON_AddItemToArray(set, cJSON_CreateString(iid));
    }
    if (strcmp(l.charge, "PrePaid") == 0) {
        char order[40];
        unsigned char r[6];
        random_bytes(r, sizeof r);
        snprintf(order, sizeof order, "2%02u%02u%02u%02u%02u%02u", r[0] % 100, r[1] % 100,
                 r[2] % 100, r[3] % 100, r[4] % 100, r[5] % 100);
        cJSON_AddStringToObject(c->out, "OrderId", order);
    }
cleanup:
    cJSON_Delete(ips);
    launch_release(&l);
    return rc;
}

/* action, version, handler, mutating, DryRun, ClientToken, RegionId required, parameters. */
const struct sim_op sim_ops_launch[] = {
    {"RunInstances", "2014-05-26", op_run_instances, 1, SIM_DRY_OP, 1, 1,
     "Amount ImageId InstanceType VSwitchId ZoneId SecurityGroupId SecurityGroupIds.N "
     "PrivateIpAddress InstanceName HostName UniqueSuffix Description Password KeyPairName "
     "UserData SystemDisk.Category SystemDisk.Size SystemDisk.PerformanceLevel SystemDisk.DiskName "
     "SystemDisk.Description DataDisk.N.Size DataDisk.N.Category DataDisk.N.SnapshotId "
     "DataDisk.N.DeleteWithInstance DataDisk.N.Encrypted DataDisk.N.PerformanceLevel "
     "DataDisk.N.DiskName DataDisk.N.Description InternetMaxBandwidthOut InternetMaxBandwidthIn "
     "InternetChargeType InstanceChargeType Period PeriodUnit DeletionProtection "
     "SecurityEnhancementStrategy ResourceGroupId Tag.N.Key Tag.N.Value"},
    {NULL, NULL, NULL, 0, SIM_DRY_NONE, 0, 0, NULL},
};
