/* ops_policies.c - automatic snapshot policies: create, apply to disks, cancel, delete,
 * describe. Four of these take camelCase parameters on the wire (regionId, diskIds, ...), as the
 * real API does. Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_MAX_POLICIES_PER_REGION 100 /* automatic snapshot policies */

static cJSON *find_disk(struct sim_ctx *c, const char *id)
{
    cJSON *d = sim_find(c->root, "Disks", "DiskId", id);
    if (d && c->region && strcmp(sim_gets(d, "RegionId"), c->region) != 0)
        return NULL;
    return d;
}

/* A JSON array of decimal strings each within [lo, hi]; at most max entries. */
static err_code number_list(struct sim_ctx *c, const char *name, long lo, long hi, size_t max)
{
    cJSON *arr = NULL;
    const char *v = NULL;
    err_code rc = sim_req(c, name, &v);
    if (!rc)
        rc = sim_json_list(c, name, max, &arr);
    if (rc)
        return rc;
    const cJSON *it = NULL;
    long tmp = 0;
    cJSON_ArrayForEach(it, arr) {
        if (parse_long(it->valuestring, lo, hi, &tmp) != ERR_OK) {
            rc = sim_fail(c, 400, "InvalidParameter",
                          "Every entry of %s must be a number from %ld to %ld.", name, lo, hi);
            break;
        }
    }
    if (!rc && cJSON_GetArraySize(arr) == 0)
        rc = sim_fail(c, 400, "InvalidParameter", "%s must not be empty.", name);
    cJSON_Delete(arr);
    return rc;
}

static err_code op_create_auto_snapshot_policy(struct sim_ctx *c)
{
    long days = 0;
    cJSON *tags = NULL;
    err_code rc = number_list(c, "repeatWeekdays", 1, 7, 7);
    if (!rc)
        rc = number_list(c, "timePoints", 0, 23, 24);
    if (!rc && !sim_opt(c, "retentionDays"))
        rc = sim_req(c, "retentionDays", &(const char *){NULL});
    if (!rc)
        rc = sim_long(c, "retentionDays", -1, 65535, -1, &days);
    if (rc)
        return rc;
    if (days == 0)
        return sim_fail(c, 400, "InvalidParameter", "retentionDays is -1 or 1 to 65535.");
    rc = sim_tags_read(c, &tags);
    if (rc)
        return rc;
    int count = 0;
    const cJSON *p = NULL;
    cJSON_ArrayForEach(p, sim_kind(c->root, "AutoSnapshotPolicies"))
        count += strcmp(sim_gets(p, "RegionId"), c->region) == 0;
    if (count >= SIM_MAX_POLICIES_PER_REGION) {
        cJSON_Delete(tags);
        return sim_fail(c, 403, "QuotaExceed.AutoSnapshotPolicy",
                        "A region holds at most %d automatic snapshot policies.",
                        SIM_MAX_POLICIES_PER_REGION);
    }
    const char *name = sim_opt(c, "autoSnapshotPolicyName");
    char id[40], when[32];
    sim_new_id("sp-", id);
    sim_iso_time(c->now, when);
    cJSON *pol = cJSON_CreateObject();
    cJSON_AddStringToObject(pol, "AutoSnapshotPolicyId", id);
    cJSON_AddStringToObject(pol, "AutoSnapshotPolicyName", name ? name : "");
    cJSON_AddStringToObject(pol, "RegionId", c->region);
    cJSON_AddStringToObject(pol, "RepeatWeekdays", sim_opt(c, "repeatWeekdays"));
    cJSON_AddStringToObject(pol, "TimePoints", sim_opt(c, "timePoints"));
    cJSON_AddNumberToObject(pol, "RetentionDays", (double)days);
    cJSON_AddStringToObject(pol, "Status", "Normal");
    cJSON_AddNumberToObject(pol, "DiskNums", 0);
    cJSON_AddNumberToObject(pol, "VolumeNums", 0);
    cJSON_AddStringToObject(pol, "Type", "Custom");
    cJSON_AddBoolToObject(pol, "EnableCrossRegionCopy", 0);
    cJSON_AddStringToObject(pol, "TargetCopyRegions", "");
    cJSON_AddNumberToObject(pol, "CopiedSnapshotsRetentionDays", -1);
    cJSON_AddStringToObject(pol, "CreationTime", when);
    const char *rg = sim_opt(c, "ResourceGroupId");
    cJSON_AddStringToObject(pol, "ResourceGroupId", rg ? rg : "");
    cJSON_AddItemToObject(cJSON_AddObjectToObject(pol, "Tags"), "Tag", tags);
    tags = NULL;
    cJSON_AddItemToArray(sim_kind(c->root, "AutoSnapshotPolicies"), pol);
    cJSON_AddStringToObject(c->out, "AutoSnapshotPolicyId", id);
    return ERR_OK;
}

/* Recount the disks a policy is applied to. */
static void count_policy_disks(struct sim_ctx *c, cJSON *pol)
{
    int nums = 0;
    const cJSON *d = NULL;
    cJSON_ArrayForEach(d, sim_kind(c->root, "Disks"))
        nums += strcmp(sim_gets(d, "AutoSnapshotPolicyId"), sim_gets(pol, "AutoSnapshotPolicyId")) == 0;
    sim_setn(pol, "DiskNums", nums);
}

static err_code op_apply_auto_snapshot_policy(struct sim_ctx *c)
{
    const char *pid = NULL;
    cJSON *ids = NULL;
    err_code rc = sim_req(c, "autoSnapshotPolicyId", &pid);
    if (!rc && !sim_opt(c, "diskIds"))
        rc = sim_req(c, "diskIds", &(const char *){NULL});
    if (!rc)
        rc = sim_json_list(c, "diskIds", 1000, &ids);
    if (rc)
        return rc;
    cJSON *pol = sim_find(c->root, "AutoSnapshotPolicies", "AutoSnapshotPolicyId", pid);
    if (!pol || strcmp(sim_gets(pol, "RegionId"), c->region) != 0) {
        rc = sim_fail(c, 404, "InvalidAutoSnapshotPolicyId.NotFound",
                      "The automatic snapshot policy \"%s\" does not exist.", pid);
        goto cleanup;
    }
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, ids) {
        cJSON *d = find_disk(c, it->valuestring);
        if (!d) {
            rc = sim_fail(c, 404, "InvalidDiskId.NotFound", "The disk \"%s\" does not exist.",
                          it->valuestring);
            goto cleanup;
        }
        if (strcmp(sim_gets(d, "Category"), "cloud") == 0) {
            rc = sim_fail(c, 400, "DiskCategory.OperationNotSupported",
                          "Basic disks do not support automatic snapshot policies.");
            goto cleanup;
        }
        sim_sets(d, "AutoSnapshotPolicyId", pid);
        sim_setb(d, "EnableAutomatedSnapshotPolicy", 1);
    }
    cJSON *p = NULL;
    cJSON_ArrayForEach(p, sim_kind(c->root, "AutoSnapshotPolicies"))
        count_policy_disks(c, p);
cleanup:
    cJSON_Delete(ids);
    return rc;
}

/* CancelAutoSnapshotPolicy (camelCase): the disks of diskIds lose their policy (only the one
 * named by autoSnapshotPolicyId, when given). */
static err_code op_cancel_auto_snapshot_policy(struct sim_ctx *c)
{
    cJSON *ids = NULL;
    const char *pid = sim_opt(c, "autoSnapshotPolicyId");
    err_code rc = ERR_OK;
    if (!sim_opt(c, "diskIds"))
        rc = sim_req(c, "diskIds", &(const char *){NULL});
    if (!rc)
        rc = sim_json_list(c, "diskIds", 1000, &ids);
    if (rc)
        return rc;
    if (cJSON_GetArraySize(ids) == 0) {
        cJSON_Delete(ids);
        return sim_fail(c, 400, "InvalidParameter", "diskIds must list at least one disk.");
    }
    cJSON *pol = pid ? sim_find(c->root, "AutoSnapshotPolicies", "AutoSnapshotPolicyId", pid) : NULL;
    if (pid && (!pol || strcmp(sim_gets(pol, "RegionId"), c->region) != 0)) {
        cJSON_Delete(ids);
        return sim_fail(c, 404, "InvalidAutoSnapshotPolicyId.NotFound",
                        "The automatic snapshot policy \"%s\" does not exist.", pid);
    }
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, ids) {
        cJSON *d = find_disk(c, it->valuestring);
        if (!d) {
            rc = sim_fail(c, 404, "InvalidDiskId.NotFound", "The disk \"%s\" does not exist.",
                          it->valuestring);
            break;
        }
        if (pid && strcmp(sim_gets(d, "AutoSnapshotPolicyId"), pid) != 0)
            continue;
        sim_sets(d, "AutoSnapshotPolicyId", "");
        sim_setb(d, "EnableAutomatedSnapshotPolicy", 0);
    }
    cJSON *p = NULL;
    cJSON_ArrayForEach(p, sim_kind(c->root, "AutoSnapshotPolicies"))
        count_policy_disks(c, p);
    cJSON_Delete(ids);
    return rc;
}

/* DeleteAutoSnapshotPolicy (camelCase): the policy goes and no disk keeps it. */
static err_code op_delete_auto_snapshot_policy(struct sim_ctx *c)
{
    const char *pid = NULL;
    err_code rc = sim_req(c, "autoSnapshotPolicyId", &pid);
    if (rc)
        return rc;
    cJSON *pol = sim_find(c->root, "AutoSnapshotPolicies", "AutoSnapshotPolicyId", pid);
    if (!pol || strcmp(sim_gets(pol, "RegionId"), c->region) != 0)
        return sim_fail(c, 404, "ParameterInvalid",
                        "The specified automatic snapshot policy does not exist in the region.");
    cJSON *d = NULL;
    cJSON_ArrayForEach(d, sim_kind(c->root, "Disks")) {
        if (strcmp(sim_gets(d, "AutoSnapshotPolicyId"), pid) == 0) {
            sim_sets(d, "AutoSnapshotPolicyId", "");
            sim_setb(d, "EnableAutomatedSnapshotPolicy", 0);
        }
    }
    cJSON_Delete(cJSON_DetachItemViaPointer(sim_kind(c->root, "AutoSnapshotPolicies"), pol));
    return ERR_OK;
}

static err_code op_describe_auto_snapshot_policy_ex(struct sim_ctx *c)
{
    const char *pid = sim_opt(c, "AutoSnapshotPolicyId");
    const char *name = sim_opt(c, "AutoSnapshotPolicyName"), *rg = sim_opt(c, "ResourceGroupId");
    struct sim_tag_filter tags;
    err_code rc = sim_tag_filter(c, &tags);
    if (rc)
        return rc;
    cJSON *items = cJSON_CreateArray();
    const cJSON *p = NULL;
    cJSON_ArrayForEach(p, sim_kind(c->root, "AutoSnapshotPolicies")) {
        if (strcmp(sim_gets(p, "RegionId"), c->region) != 0 ||
            (pid && strcmp(pid, sim_gets(p, "AutoSnapshotPolicyId")) != 0) ||
            (name && strcmp(name, sim_gets(p, "AutoSnapshotPolicyName")) != 0) ||
            (rg && strcmp(rg, sim_gets(p, "ResourceGroupId")) != 0) || !sim_tags_match(&tags, p))
            continue;
        cJSON_AddItemToArray(items, sim_public(p));
    }
    return sim_page(c, items, "AutoSnapshotPolicies", "AutoSnapshotPolicy", 10, 100, 0);
}

/* action, version, handler, mutating, DryRun, ClientToken, RegionId required, parameters. */
const struct sim_op sim_ops_policies[] = {
    {"CreateAutoSnapshotPolicy", "2014-05-26", op_create_auto_snapshot_policy, 1, SIM_DRY_NONE, 0, 1,
     "regionId repeatWeekdays timePoints retentionDays autoSnapshotPolicyName ResourceGroupId "
     "Tag.N.Key Tag.N.Value"},
    {"ApplyAutoSnapshotPolicy", "2014-05-26", op_apply_auto_snapshot_policy, 1, SIM_DRY_NONE, 0, 1,
     "regionId autoSnapshotPolicyId diskIds"},
    {"CancelAutoSnapshotPolicy", "2014-05-26", op_cancel_auto_snapshot_policy, 1, SIM_DRY_NONE, 0, 1,
     "regionId autoSnapshotPolicyId diskIds"},
    {"DeleteAutoSnapshotPolicy", "2014-05-26", op_delete_auto_snapshot_policy, 1, SIM_DRY_NONE, 0, 1,
     "regionId autoSnapshotPolicyId"},
    {"DescribeAutoSnapshotPolicyEx", "2014-05-26", op_describe_auto_snapshot_policy_ex, 0,
     SIM_DRY_NONE, 0, 1,
     "AutoSnapshotPolicyId AutoSnapshotPolicyName ResourceGroupId Tag.N.Key Tag.N.Value PageNumber "
     "PageSize"},
    {NULL, NULL, NULL, 0, SIM_DRY_NONE, 0, 0, NULL},
};
