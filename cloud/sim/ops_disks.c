/* ops_disks.c - simulator operations on disks (describe, resize, reset), snapshots
 * (progressing -> accomplished) and snapshot-consistent groups. Disk life (create, attach ...)
 * lives in ops_volumes.c, automatic snapshot policies in ops_policies.c.
 * Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_MAX_GROUP_DISKS 16           /* disks in one snapshot-consistent group */
#define SIM_MAX_GROUP_GIB (32L * 1024L)  /* their total size (32 TiB) */

static cJSON *find_disk(struct sim_ctx *c, const char *id)
{
    cJSON *d = sim_find(c->root, "Disks", "DiskId", id);
    if (d && c->region && strcmp(sim_gets(d, "RegionId"), c->region) != 0)
        return NULL;
    return d;
}

static err_code disk_arg(struct sim_ctx *c, cJSON **ret)
{
    const char *id = NULL;
    err_code rc = sim_req(c, "DiskId", &id);
    if (rc)
        return rc;
    *ret = find_disk(c, id);
    if (!*ret)
        return sim_fail(c, 404, "InvalidDiskId.NotFound", "The specified DiskId \"%s\" does not exist.", id);
    return ERR_OK;
}

static int disk_snapshotting(struct sim_ctx *c, const char *disk)
{
    const cJSON *s = NULL;
    cJSON_ArrayForEach(s, sim_kind(c->root, "Snapshots")) {
        if (strcmp(sim_gets(s, "SourceDiskId"), disk) == 0 &&
            strcmp(sim_gets(s, "Status"), "progressing") == 0)
            return 1;
    }
    return 0;
}

/* A disk can be snapshotted when In_use on a Running/Stopped instance, or Available but
 * attached at some time before. */
static err_code snapshot_ready(struct sim_ctx *c, const cJSON *d)
{
    const char *st = sim_gets(d, "Status");
    if (strcmp(st, "Available") == 0 &&
        !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "_EverAttached")))
        return sim_fail(c, 403, "IncorrectDiskStatus.NeverAttached",
                        "Disk %s has never been attached to an instance.", sim_gets(d, "DiskId"));
    if (strcmp(st, "In_use") == 0) {
        const cJSON *inst = sim_find(c->root, "Instances", "InstanceId", sim_gets(d, "InstanceId"));
        const char *ist = sim_gets(inst, "Status");
        if (strcmp(ist, "Running") != 0 && strcmp(ist, "Stopped") != 0)
            return sim_fail(c, 400, "IncorrectInstanceStatus",
                            "The instance of disk %s is %s; it must be Running or Stopped.",
                            sim_gets(d, "DiskId"), ist);
    } else if (strcmp(st, "Available") != 0) {
        return sim_fail(c, 403, "IncorrectDiskStatus", "Disk %s is %s.", sim_gets(d, "DiskId"), st);
    }
    if (disk_snapshotting(c, sim_gets(d, "DiskId")))
        return sim_fail(c, 403, "IncorrectDiskStatus.CreatingSnapshot",
                        "A snapshot of disk %s is still being created.", sim_gets(d, "DiskId"));
    return ERR_OK;
}

static cJSON *new_snapshot(struct sim_ctx *c, const cJSON *d, const char *name, const char *desc,
                           const cJSON *tags)
{
    char id[40], when[32], size[24];
    sim_new_id("s-", id);
    sim_iso_time(c->now, when);
    snprintf(size, sizeof size, "%.0f", sim_getn(d, "Size"));
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "SnapshotId", id);
    cJSON_AddStringToObject(s, "SnapshotName", name ? name : "");
    cJSON_AddStringToObject(s, "Description", desc ? desc : "");
    cJSON_AddStringToObject(s, "RegionId", sim_gets(d, "RegionId"));
    cJSON_AddStringToObject(s, "Status", "progressing");
    cJSON_AddStringToObject(s, "Progress", "0%");
    cJSON_AddStringToObject(s, "SourceDiskId", sim_gets(d, "DiskId"));
    cJSON_AddStringToObject(s, "SourceDiskSize", size);
    cJSON_AddStringToObject(s, "SourceDiskType", sim_gets(d, "Type"));
    cJSON_AddStringToObject(s, "SnapshotType", "user");
    cJSON_AddStringToObject(s, "Usage", "none");
    cJSON_AddNumberToObject(s, "RetentionDays", 0);
    cJSON_AddStringToObject(s, "CreationTime", when);
    cJSON_AddBoolToObject(s, "Available", 1);
    cJSON_AddBoolToObject(s, "Encrypted", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "Encrypted")));
    cJSON_AddStringToObject(s, "Category", "standard");
    const char *rg = sim_opt(c, "ResourceGroupId");
    cJSON_AddStringToObject(s, "ResourceGroupId", rg ? rg : "");
    cJSON_AddItemToObject(cJSON_AddObjectToObject(s, "Tags"), "Tag",
                          tags ? cJSON_Duplicate(tags, 1) : cJSON_CreateArray());
    sim_schedule(c, s, c->transition_ms, "Status", "accomplished");
    sim_schedule(c, s, c->transition_ms, "Progress", "100%");
    cJSON_AddItemToArray(sim_kind(c->root, "Snapshots"), s);
    return s;
}

static err_code create_snapshot(struct sim_ctx *c, cJSON *d, const char *name, const char *desc,
                                long keep, const cJSON *tags)
{
    if (name && (!sim_name_ok(name, 128) || strncmp(name, "auto", 4) == 0))
        return sim_fail(c, 400, "InvalidSnapshotName.Malformed",
                        "The snapshot name must be 2 to 128 characters, start with a letter and "
                        "not start with http://, https:// or auto.");
    if (!sim_desc_ok(desc, 2, 256))
        return sim_fail(c, 400, "InvalidDescription.Malformed", "The description is not valid.");
    err_code rc = snapshot_ready(c, d);
    if (rc)
        return rc;
    cJSON *s = new_snapshot(c, d, name, desc, tags);
    sim_setn(s, "RetentionDays", (double)keep);
    cJSON_AddStringToObject(c->out, "SnapshotId", sim_gets(s, "SnapshotId"));
    return ERR_OK;
}

static err_code op_create_snapshot(struct sim_ctx *c)
{
    cJSON *d = NULL, *tags = NULL;
    const char *name = sim_opt(c, "SnapshotName"), *desc = sim_opt(c, "Description");
    long keep = 0;
    err_code rc = disk_arg(c, &d);
    if (!rc)
        rc = sim_long(c, "RetentionDays", 1, 65536, 0, &keep);
    if (!rc)
        rc = sim_room(c, "Snapshots", "QuotaExceed.Snapshot");
    if (!rc)
        rc = sim_tags_read(c, &tags);
    if (rc)
        return rc;
    rc = create_snapshot(c, d, name, desc, keep, tags);
    cJSON_Delete(tags);
    return rc;
}

static err_code op_describe_snapshots(struct sim_ctx *c)
{
    cJSON *ids = NULL;
    err_code rc = sim_json_list(c, "SnapshotIds", 100, &ids);
    if (rc)
        return rc;
    const char *disk = sim_opt(c, "DiskId"), *inst = sim_opt(c, "InstanceId");
    const char *status = sim_opt(c, "Status"), *type = sim_opt(c, "SnapshotType");
    const char *src_type = sim_opt(c, "SourceDiskType"), *usage = sim_opt(c, "Usage");
    const char *name = sim_opt(c, "SnapshotName"), *cat = sim_opt(c, "Category");
    const char *rg = sim_opt(c, "ResourceGroupId");
    struct sim_tag_filter tags;
    struct sim_time_filter times;
    int enc = -1;
    rc = sim_tag_filter(c, &tags);
    if (!rc)
        rc = sim_time_filter(c, 0, &times);
    if (!rc)
        rc = sim_tristate(c, "Encrypted", &enc);
    if (rc) {
        cJSON_Delete(ids);
        return rc;
    }
    cJSON *items = cJSON_CreateArray();
    const cJSON *s = NULL;
    cJSON_ArrayForEach(s, sim_kind(c->root, "Snapshots")) {
        if (strcmp(sim_gets(s, "RegionId"), c->region) != 0 || !sim_tags_match(&tags, s) ||
            !sim_time_match(&times, s) || !sim_tristate_ok(enc, s, "Encrypted") ||
            (cat && strcmp(cat, sim_gets(s, "Category")) != 0) ||
            (rg && strcmp(rg, sim_gets(s, "ResourceGroupId")) != 0))
            continue;
        int ok = !ids;
        const cJSON *it = NULL;
        cJSON_ArrayForEach(it, ids)
            ok |= strcmp(it->valuestring, sim_gets(s, "SnapshotId")) == 0;
        if (inst) {
            const cJSON *d = sim_find(c->root, "Disks", "DiskId", sim_gets(s, "SourceDiskId"));
            ok = ok && d && strcmp(sim_gets(d, "InstanceId"), inst) == 0;
        }
        if (!ok || (disk && strcmp(disk, sim_gets(s, "SourceDiskId")) != 0) ||
            (status && strcmp(status, "all") != 0 && strcmp(status, sim_gets(s, "Status")) != 0) ||
            (type && strcmp(type, "all") != 0 && strcmp(type, sim_gets(s, "SnapshotType")) != 0) ||
            (src_type && strcmp(src_type, sim_gets(s, "SourceDiskType")) != 0) ||
            (usage && strcmp(usage, sim_gets(s, "Usage")) != 0) ||
            (name && strcmp(name, sim_gets(s, "SnapshotName")) != 0))
            continue;
        cJSON_AddItemToArray(items, sim_public(s));
    }
    cJSON_Delete(ids);
    return sim_page(c, items, "Snapshots", "Snapshot", 10, 100, 1);
}

static err_code op_delete_snapshot(struct sim_ctx *c)
{
    const char *id = NULL;
    int force = 0;
    err_code rc = sim_req(c, "SnapshotId", &id);
    if (!rc)
        rc = sim_bool(c, "Force", 0, &force);
    if (rc)
        return rc;
    cJSON *s = sim_find(c->root, "Snapshots", "SnapshotId", id);
    if (!s)
        return ERR_OK; /* a nonexistent snapshot is ignored */
    const cJSON *img = NULL;
    cJSON_ArrayForEach(img, sim_kind(c->root, "Images")) {
        const cJSON *m = NULL;
        cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(
                                  cJSON_GetObjectItemCaseSensitive(img, "DiskDeviceMappings"),
                                  "DiskDeviceMapping")) {
            if (strcmp(sim_gets(m, "SnapshotId"), id) == 0)
                return sim_fail(c, 403, "SnapshotCreatedImage",
                                "Image %s was created from this snapshot; delete the image first.",
                                sim_gets(img, "ImageId"));
        }
    }
    const cJSON *d = NULL;
    cJSON_ArrayForEach(d, sim_kind(c->root, "Disks")) {
        if (!force && strcmp(sim_gets(d, "SourceSnapshotId"), id) == 0)
            return sim_fail(c, 403, "SnapshotCreatedDisk",
                            "Disk %s was created from this snapshot; pass Force=true.",
                            sim_gets(d, "DiskId"));
    }
    cJSON_Delete(cJSON_DetachItemViaPointer(sim_kind(c->root, "Snapshots"), s));
    return ERR_OK;
}

/* ---- Disks --------------------------------------------------------------------------------- */

static err_code op_describe_disks(struct sim_ctx *c)
{
    cJSON *ids = NULL;
    err_code rc = sim_json_list(c, "DiskIds", 100, &ids);
    if (rc)
        return rc;
    static const char *const filters[][2] = {
        {"ZoneId", "ZoneId"}, {"InstanceId", "InstanceId"}, {"Category", "Category"},
        {"DiskName", "DiskName"}, {"AutoSnapshotPolicyId", "AutoSnapshotPolicyId"},
        {"SnapshotId", "SourceSnapshotId"}, {"MultiAttach", "MultiAttach"},
        {"DiskChargeType", "DiskChargeType"}, {"ResourceGroupId", "ResourceGroupId"},
    };
    /* boolean filters: parameter = disk field */
    static const char *const flags[] = {"Portable", "DeleteWithInstance", "DeleteAutoSnapshot",
                                        "EnableAutomatedSnapshotPolicy", "Encrypted"};
    int flag_want[ARRAY_LEN(flags)];
    struct sim_tag_filter tags;
    struct sim_time_filter times;
    rc = sim_tag_filter(c, &tags);
    if (!rc)
        rc = sim_time_filter(c, 0, &times);
    for (size_t f = 0; !rc && f < ARRAY_LEN(flags); f++)
        rc = sim_tristate(c, flags[f], &flag_want[f]);
    if (rc) {
        cJSON_Delete(ids);
        return rc;
    }
    const char *type = sim_opt(c, "DiskType"), *status = sim_opt(c, "Status");
    cJSON *items = cJSON_CreateArray();
    const cJSON *d = NULL;
    cJSON_ArrayForEach(d, sim_kind(c->root, "Disks")) {
        if (strcmp(sim_gets(d, "RegionId"), c->region) != 0 || !sim_tags_match(&tags, d) ||
            !sim_time_match(&times, d))
            continue;
        int flags_ok = 1;
        for (size_t f = 0; f < ARRAY_LEN(flags); f++)
            flags_ok &= sim_tristate_ok(flag_want[f], d, flags[f]);
        if (!flags_ok)
            continue;
        int ok = !ids;
        const cJSON *it = NULL;
        cJSON_ArrayForEach(it, ids)
            ok |= strcmp(it->valuestring, sim_gets(d, "DiskId")) == 0;
        for (size_t f = 0; ok && f < ARRAY_LEN(filters); f++) {
            const char *want = sim_opt(c, filters[f][0]);
            ok = !want || strcmp(want, sim_gets(d, filters[f][1])) == 0;
        }
        if (!ok || (type && strcmp(type, "all") != 0 && strcmp(type, sim_gets(d, "Type")) != 0) ||
            (status && strcmp(status, "All") != 0 && strcmp(status, sim_gets(d, "Status")) != 0))
            continue;
        cJSON_AddItemToArray(items, sim_public(d));
    }
    cJSON_Delete(ids);
    return sim_page(c, items, "Disks", "Disk", 10, 500, 1);
}

/* Largest size (GiB) per category and disk type: ESSD data disks go to 64 TiB. */
static long max_disk_gib(const cJSON *d)
{
    if (strcmp(sim_gets(d, "Type"), "system") == 0)
        return 2048;
    return strncmp(sim_gets(d, "Category"), "cloud_essd", 10) == 0 ? 65536 : 32768;
}

static err_code op_resize_disk(struct sim_ctx *c)
{
    cJSON *d = NULL;
    long size = 0;
    err_code rc = disk_arg(c, &d);
    if (!rc && !sim_opt(c, "NewSize"))
        rc = sim_req(c, "NewSize", &(const char *){NULL});
    if (!rc)
        rc = sim_long(c, "NewSize", 1, 1L << 30, 0, &size);
    if (rc)
        return rc;
    const char *type = sim_opt(c, "Type");
    if (type && strcmp(type, "offline") != 0 && strcmp(type, "online") != 0)
        return sim_fail(c, 400, "InvalidType.ValueNotSupported", "Type must be offline or online.");
    if (size <= (long)sim_getn(d, "Size"))
        return sim_fail(c, 403, "InvalidDiskSize.TooSmall",
                        "NewSize (%ld GiB) must be larger than the current size (%.0f GiB); disks only grow.",
                        size, sim_getn(d, "Size"));
    if (size > max_disk_gib(d))
        return sim_fail(c, 403, "InvalidDiskSize.TooLarge", "NewSize exceeds %ld GiB for this disk.",
                        max_disk_gib(d));
    const char *st = sim_gets(d, "Status");
    if (strcmp(st, "In_use") != 0 && strcmp(st, "Available") != 0)
        return sim_fail(c, 403, "IncorrectDiskStatus", "The disk is %s.", st);
    if (disk_snapshotting(c, sim_gets(d, "DiskId")))
        return sim_fail(c, 403, "DiskCreatingSnapshot", "A snapshot of the disk is being created.");
    sim_setn(d, "Size", (double)size);
    return ERR_OK;
}

static err_code op_reset_disk(struct sim_ctx *c)
{
    cJSON *d = NULL;
    const char *snap_id = NULL;
    err_code rc = disk_arg(c, &d);
    if (!rc)
        rc = sim_req(c, "SnapshotId", &snap_id);
    if (rc)
        return rc;
    const cJSON *s = sim_find(c->root, "Snapshots", "SnapshotId", snap_id);
    if (!s)
        return sim_fail(c, 404, "InvalidSnapshotId.NotFound", "The specified SnapshotId does not exist.");
    if (strcmp(sim_gets(s, "SourceDiskId"), sim_gets(d, "DiskId")) != 0)
        return sim_fail(c, 403, "InvalidParameter.Mismatch",
                        "Snapshot %s was not taken from disk %s.", snap_id, sim_gets(d, "DiskId"));
    if (strcmp(sim_gets(s, "Status"), "accomplished") != 0)
        return sim_fail(c, 403, "InvalidSnapshotId.NotReady", "The snapshot is not ready yet.");
    const char *st = sim_gets(d, "Status");
    if (strcmp(st, "In_use") != 0 && strcmp(st, "Available") != 0)
        return sim_fail(c, 403, "IncorrectDiskStatus", "The disk is %s.", st);
    if (strcmp(st, "In_use") == 0) {
        const cJSON *inst = sim_find(c->root, "Instances", "InstanceId", sim_gets(d, "InstanceId"));
        if (strcmp(sim_gets(inst, "Status"), "Stopped") != 0)
            return sim_fail(c, 403, "IncorrectInstanceStatus",
                            "The instance of the disk is %s; ResetDisk needs it Stopped.",
                            sim_gets(inst, "Status"));
    }
    char prev[16];
    snprintf(prev, sizeof prev, "%s", st);
    sim_sets(d, "Status", "ReIniting");
    sim_schedule(c, d, c->transition_ms, "Status", prev);
    return ERR_OK;
}

/* ---- Snapshot-consistent groups ------------------------------------------------------------ */

static err_code op_create_snapshot_group(struct sim_ctx *c)
{
    const char **ids = NULL, **excl = NULL;
    size_t n = 0, n_excl = 0;
    cJSON *disks = cJSON_CreateArray(); /* borrowed references to the chosen disks */
    cJSON *tags = NULL;
    const char *inst = sim_opt(c, "InstanceId");
    err_code rc = sim_list(c, "DiskId", SIM_MAX_GROUP_DISKS, 400, "InvalidParameter.DiskCount",
                           &ids, &n);
    if (!rc)
        rc = sim_list(c, "ExcludeDiskId", SIM_MAX_GROUP_DISKS, 400, "InvalidParameter.DiskCount",
                      &excl, &n_excl);
    if (rc)
        goto cleanup;
    if (!inst && n == 0) {
        rc = sim_fail(c, 400, "MissingParameter", "InstanceId or DiskId.N is required.");
        goto cleanup;
    }
    if (inst && !sim_find(c->root, "Instances", "InstanceId", inst)) {
        rc = sim_fail(c, 404, "InvalidInstanceId.NotFound", "The specified InstanceId does not exist.");
        goto cleanup;
    }
    cJSON *d = NULL;
    cJSON_ArrayForEach(d, sim_kind(c->root, "Disks")) {
        const char *id = sim_gets(d, "DiskId");
        int chosen = 0;
        for (size_t i = 0; i < n; i++)
            chosen |= strcmp(ids[i], id) == 0;
        if (inst && strcmp(sim_gets(d, "InstanceId"), inst) == 0 && n == 0)
            chosen = 1;
        for (size_t i = 0; i < n_excl; i++)
            chosen &= strcmp(excl[i], id) != 0;
        if (chosen && strcmp(sim_gets(d, "RegionId"), c->region) == 0)
            cJSON_AddItemReferenceToArray(disks, d);
    }
    if ((size_t)cJSON_GetArraySize(disks) < n) {
        rc = sim_fail(c, 404, "InvalidDiskId.NotFound", "A specified DiskId does not exist.");
        goto cleanup;
    }
    if (cJSON_GetArraySize(disks) > SIM_MAX_GROUP_DISKS) {
        rc = sim_fail(c, 400, "InvalidParameter.DiskCount",
                      "A snapshot-consistent group holds at most %d disks.", SIM_MAX_GROUP_DISKS);
        goto cleanup;
    }
    long total = 0;
    const char *zone = NULL;
    cJSON_ArrayForEach(d, disks) {
        total += (long)sim_getn(d, "Size");
        if (strncmp(sim_gets(d, "Category"), "cloud_essd", 10) != 0) {
            rc = sim_fail(c, 400, "InvalidParameter.DiskCategory",
                          "Disk %s is not an ESSD; snapshot-consistent groups need ESSDs.",
                          sim_gets(d, "DiskId"));
            goto cleanup;
        }
        if (zone && strcmp(zone, sim_gets(d, "ZoneId")) != 0) {
            rc = sim_fail(c, 400, "InvalidParameter.ZoneMismatch",
                          "All disks of a snapshot-consistent group must be in one zone.");
            goto cleanup;
        }
        zone = sim_gets(d, "ZoneId");
        rc = snapshot_ready(c, d);
        if (rc)
            goto cleanup;
    }
    if (total > SIM_MAX_GROUP_GIB) {
        rc = sim_fail(c, 400, "InvalidParameter.TotalSize",
                      "The disks total %ld GiB; a snapshot-consistent group holds at most 32 TiB.", total);
        goto cleanup;
    }
    rc = sim_room(c, "SnapshotGroups", "QuotaExceed.SnapshotGroup");
    if (!rc)
        rc = sim_tags_read(c, &tags);
    if (rc)
        goto cleanup;
    char id[40], when[32];
    sim_new_id("ssg-", id);
    sim_iso_time(c->now, when);
    const char *name = sim_opt(c, "Name"), *desc = sim_opt(c, "Description");
    cJSON *g = cJSON_CreateObject();
    cJSON_AddStringToObject(g, "SnapshotGroupId", id);
    cJSON_AddStringToObject(g, "Name", name ? name : "");
    cJSON_AddStringToObject(g, "Description", desc ? desc : "");
    cJSON_AddStringToObject(g, "RegionId", c->region);
    cJSON_AddStringToObject(g, "InstanceId", inst ? inst : "");
    cJSON_AddStringToObject(g, "Status", "progressing");
    cJSON_AddStringToObject(g, "ProgressStatus", "");
    cJSON_AddStringToObject(g, "CreationTime", when);
    const char *rg = sim_opt(c, "ResourceGroupId");
    cJSON_AddStringToObject(g, "ResourceGroupId", rg ? rg : "");
    /* Snapshot-consistent groups name their tag parts Key/Value. */
    cJSON *gtags = cJSON_AddArrayToObject(cJSON_AddObjectToObject(g, "Tags"), "Tag");
    const cJSON *t = NULL;
    cJSON_ArrayForEach(t, tags) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "Key", sim_gets(t, "TagKey"));
        cJSON_AddStringToObject(o, "Value", sim_gets(t, "TagValue"));
        cJSON_AddItemToArray(gtags, o);
    }
    cJSON *snaps = cJSON_AddArrayToObject(cJSON_AddObjectToObject(g, "Snapshots"), "Snapshot");
    cJSON_ArrayForEach(d, disks) {
        cJSON *s = new_snapshot(c, d, NULL, NULL, tags);
        cJSON *ref = cJSON_CreateObject();
        cJSON_AddStringToObject(ref, "SnapshotId", sim_gets(s, "SnapshotId"));
        cJSON_AddStringToObject(ref, "SourceDiskId", sim_gets(d, "DiskId"));
        cJSON_AddStringToObject(ref, "SourceDiskType", sim_gets(d, "Type"));
        cJSON_AddStringToObject(ref, "Progress", "0%");
        cJSON_AddBoolToObject(ref, "Available", 1);
        sim_schedule(c, ref, c->transition_ms, "Progress", "100%");
        cJSON_AddItemToArray(snaps, ref);
    }
    sim_schedule(c, g, c->transition_ms, "Status", "accomplished");
    cJSON_AddItemToArray(sim_kind(c->root, "SnapshotGroups"), g);
    cJSON_AddStringToObject(c->out, "SnapshotGroupId", id);
cleanup:
    cJSON_Delete(tags);
    cJSON_Delete(disks);
    free(ids);
    free(excl);
    return rc;
}

static err_code op_describe_snapshot_groups(struct sim_ctx *c)
{
    const char **ids = NULL;
    size_t n = 0;
    err_code rc = sim_list(c, "SnapshotGroupId", 10, 400, "InvalidParameter.SnapshotGroupIdCount", &ids, &n);
    if (rc)
        return rc;
    const char *inst = sim_opt(c, "InstanceId"), *name = sim_opt(c, "Name");
    const char *rg = sim_opt(c, "ResourceGroupId"), **statuses = NULL;
    size_t n_st = 0;
    struct sim_tag_filter tags;
    rc = sim_list(c, "Status", 3, 400, "InvalidParameter.StatusCount", &statuses, &n_st);
    if (!rc)
        rc = sim_tag_filter(c, &tags);
    for (size_t i = 0; !rc && i < n_st; i++)
        if (strcmp(statuses[i], "progressing") != 0 && strcmp(statuses[i], "accomplished") != 0 &&
            strcmp(statuses[i], "failed") != 0)
            rc = sim_fail(c, 400, "InvalidStatus.ValueNotSupported",
                          "Status.N must be progressing, accomplished or failed.");
    if (rc) {
        free(ids);
        free(statuses);
        return rc;
    }
    cJSON *items = cJSON_CreateArray();
    const cJSON *g = NULL;
    cJSON_ArrayForEach(g, sim_kind(c->root, "SnapshotGroups")) {
        int ok = n == 0, st_ok = n_st == 0;
        for (size_t i = 0; i < n; i++)
            ok |= strcmp(ids[i], sim_gets(g, "SnapshotGroupId")) == 0;
        for (size_t i = 0; i < n_st; i++)
            st_ok |= strcmp(statuses[i], sim_gets(g, "Status")) == 0;
        if (!ok || !st_ok || strcmp(sim_gets(g, "RegionId"), c->region) != 0 ||
            (inst && strcmp(inst, sim_gets(g, "InstanceId")) != 0) ||
            (name && strcmp(name, sim_gets(g, "Name")) != 0) ||
            (rg && strcmp(rg, sim_gets(g, "ResourceGroupId")) != 0) || !sim_tags_match(&tags, g))
            continue;
        cJSON *o = sim_public(g);
        cJSON_DeleteItemFromObjectCaseSensitive(o, "RegionId");
        cJSON_AddItemToArray(items, o);
    }
    free(ids);
    free(statuses);
    return sim_page(c, items, "SnapshotGroups", "SnapshotGroup", 10, 100, SIM_PAGE_TOKENS);
}

/* 1 when a custom image was made from the snapshot (then it cannot be deleted). */
static const cJSON *image_of_snapshot(struct sim_ctx *c, const char *snap)
{
    const cJSON *img = NULL;
    cJSON_ArrayForEach(img, sim_kind(c->root, "Images")) {
        const cJSON *m = NULL;
        cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(
                                  cJSON_GetObjectItemCaseSensitive(img, "DiskDeviceMappings"),
                                  "DiskDeviceMapping")) {
            if (strcmp(sim_gets(m, "SnapshotId"), snap) == 0)
                return img;
        }
    }
    return NULL;
}

/* DeleteSnapshotGroup: the group and its snapshots go, except snapshots a custom image was
 * made from (kept, reported as failed items of the answer). */
static err_code op_delete_snapshot_group(struct sim_ctx *c)
{
    const char *id = NULL;
    err_code rc = sim_req(c, "SnapshotGroupId", &id);
    if (rc)
        return rc;
    cJSON *g = sim_find(c->root, "SnapshotGroups", "SnapshotGroupId", id);
    if (!g || strcmp(sim_gets(g, "RegionId"), c->region) != 0)
        return sim_fail(c, 404, "InvalidSnapshotGroupId.NotFound",
                        "The specified snapshot-consistent group \"%s\" does not exist.", id);
    cJSON *set = cJSON_AddArrayToObject(cJSON_AddObjectToObject(c->out, "OperationProgressSet"),
                                        "OperationProgress");
    const cJSON *ref = NULL;
    cJSON_ArrayForEach(ref, cJSON_GetObjectItemCaseSensitive(
                                cJSON_GetObjectItemCaseSensitive(g, "Snapshots"), "Snapshot")) {
        const char *sid = sim_gets(ref, "SnapshotId");
        const cJSON *img = image_of_snapshot(c, sid);
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "OperationStatus", img ? "Failed" : "Success");
        cJSON_AddStringToObject(p, "ErrorCode", img ? "SnapshotCreatedImage" : "");
        cJSON_AddStringToObject(p, "ErrorMsg", img ? "A custom image was created from the snapshot." : "");
        cJSON *items = cJSON_AddArrayToObject(cJSON_AddObjectToObject(p, "RelatedItemSet"),
                                              "RelatedItem");
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "Name", "SnapshotId");
        cJSON_AddStringToObject(item, "Value", sid);
        cJSON_AddItemToArray(items, item);
        cJSON_AddItemToArray(set, p);
        cJSON *snap = sim_find(c->root, "Snapshots", "SnapshotId", sid);
        if (snap && !img)
            cJSON_Delete(cJSON_DetachItemViaPointer(sim_kind(c->root, "Snapshots"), snap));
    }
    cJSON_Delete(cJSON_DetachItemViaPointer(sim_kind(c->root, "SnapshotGroups"), g));
    return ERR_OK;
}

/* action, version, handler, mutating, DryRun, ClientToken, RegionId required, parameters. */
const struct sim_op sim_ops_disks[] = {
    {"DescribeDisks", "2014-05-26", op_describe_disks, 0, SIM_DRY_OP, 0, 1,
     "DiskIds ZoneId InstanceId Category DiskName AutoSnapshotPolicyId SnapshotId DiskType Status "
     "MultiAttach DiskChargeType ResourceGroupId Portable DeleteWithInstance DeleteAutoSnapshot "
     "EnableAutomatedSnapshotPolicy Encrypted Tag.N.Key Tag.N.Value Filter.N.Key Filter.N.Value "
     "PageNumber PageSize MaxResults NextToken"},
    {"ResizeDisk", "2014-05-26", op_resize_disk, 1, SIM_DRY_NONE, 1, 0, "DiskId NewSize Type"},
    {"ResetDisk", "2014-05-26", op_reset_disk, 1, SIM_DRY_OP, 0, 0, "DiskId SnapshotId"},
    {"CreateSnapshot", "2014-05-26", op_create_snapshot, 1, SIM_DRY_NONE, 1, 0,
     "DiskId SnapshotName Description RetentionDays ResourceGroupId Tag.N.Key Tag.N.Value"},
    {"DescribeSnapshots", "2014-05-26", op_describe_snapshots, 0, SIM_DRY_OP, 0, 1,
     "SnapshotIds DiskId InstanceId Status SnapshotType SourceDiskType Usage SnapshotName Category "
     "Encrypted ResourceGroupId Tag.N.Key Tag.N.Value Filter.N.Key Filter.N.Value MaxResults "
     "NextToken PageNumber PageSize"},
    {"DeleteSnapshot", "2014-05-26", op_delete_snapshot, 1, SIM_DRY_NONE, 0, 0, "SnapshotId Force"},
    {"CreateSnapshotGroup", "2014-05-26", op_create_snapshot_group, 1, SIM_DRY_NONE, 1, 1,
     "InstanceId DiskId.N ExcludeDiskId.N Name Description ResourceGroupId Tag.N.Key Tag.N.Value"},
    {"DescribeSnapshotGroups", "2014-05-26", op_describe_snapshot_groups, 0, SIM_DRY_NONE, 0, 1,
     "SnapshotGroupId.N InstanceId Name Status.N ResourceGroupId Tag.N.Key Tag.N.Value MaxResults "
     "NextToken"},
    {"DeleteSnapshotGroup", "2014-05-26", op_delete_snapshot_group, 1, SIM_DRY_NONE, 0, 1,
     "SnapshotGroupId"},
    {NULL, NULL, NULL, 0, SIM_DRY_NONE, 0, 0, NULL},
};
