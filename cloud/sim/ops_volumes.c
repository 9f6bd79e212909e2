/* ops_volumes.c - simulator operations on the life of a data disk: create (Creating ->
 * Available), attach (Available -> Attaching -> In_use), detach (In_use -> Detaching ->
 * Available), delete, and category / performance level changes. Resizing, resetting and
 * snapshots live in ops_disks.c. Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_MAX_DATA_DISKS 16 /* data disks one instance holds */

/* Data disk categories: the size range (GiB) a new data disk of each may have. To add a
 * category, add a row. */
static const struct {
    const char *name;
    long min, max;
    int changeable; /* 1 = ModifyDiskSpec may change a disk to or from it */
} categories[] = {
    {"cloud", 5, 2000, 0},
    {"cloud_efficiency", 20, 32768, 1},
    {"cloud_ssd", 20, 32768, 1},
    {"cloud_essd", 1, 65536, 1},
    {"cloud_auto", 1, 65536, 1},
    {"cloud_essd_entry", 10, 32768, 1},
};

/* ESSD performance levels and the smallest disk (GiB) each needs. */
static const struct {
    const char *name;
    long min_gib;
    int rank;
} levels[] = {{"PL0", 1, 0}, {"PL1", 20, 1}, {"PL2", 461, 2}, {"PL3", 1261, 3}};

static int category_row(const char *name)
{
    for (size_t i = 0; name && i < ARRAY_LEN(categories); i++)
        if (strcmp(categories[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int level_row(const char *name)
{
    for (size_t i = 0; name && i < ARRAY_LEN(levels); i++)
        if (strcmp(levels[i].name, name) == 0)
            return (int)i;
    return -1;
}

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
    const cJSON *l = NULL;
    cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(
                              cJSON_GetObjectItemCaseSensitive(*ret, "OperationLocks"), "LockReason")) {
        if (strcmp(sim_gets(l, "LockReason"), "security") == 0)
            return sim_fail(c, 403, "InstanceLockedForSecurity", "The instance is locked due to security.");
    }
    return ERR_OK;
}

static int snapshotting(struct sim_ctx *c, const char *disk)
{
    const cJSON *s = NULL;
    cJSON_ArrayForEach(s, sim_kind(c->root, "Snapshots")) {
        if (strcmp(sim_gets(s, "SourceDiskId"), disk) == 0 &&
            strcmp(sim_gets(s, "Status"), "progressing") == 0)
            return 1;
    }
    return 0;
}

/* Disk names: 2-128 characters, a letter or Chinese character first, then letters, digits,
 * '.', '_', '-' and ':'; not starting with http(s)://. */
static int disk_name_ok(const char *s)
{
    if (!sim_name_ok(s, 128))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x80 && !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:", *p))
            return 0;
    return 1;
}

static err_code op_create_disk(struct sim_ctx *c)
{
    const char *zone = NULL, *cat = sim_opt(c, "DiskCategory"), *pl = sim_opt(c, "PerformanceLevel");
    const char *name = sim_opt(c, "DiskName"), *desc = sim_opt(c, "Description");
    const char *snap_id = sim_opt(c, "SnapshotId");
    long size = 0;
    int encrypted = 0;
    cJSON *tags = NULL;
    err_code rc = sim_req(c, "ZoneId", &zone);
    if (!rc)
        rc = sim_long(c, "Size", 1, 65536, 0, &size);
    if (!rc)
        rc = sim_bool(c, "Encrypted", 0, &encrypted);
    if (!rc)
        rc = sim_room(c, "Disks", "QuotaExceed.PostPaidDisk");
    if (rc)
        return rc;
    const cJSON *region = sim_find(c->root, "Regions", "RegionId", c->region);
    int zone_ok = 0;
    const cJSON *z = NULL;
    cJSON_ArrayForEach(z, cJSON_GetObjectItemCaseSensitive(region, "Zones"))
        zone_ok |= cJSON_IsString(z) && strcmp(z->valuestring, zone) == 0;
    if (!zone_ok)
        return sim_fail(c, 404, "InvalidZoneId.NotFound", "The specified zone does not exist.");
    if (!cat)
        cat = "cloud";
    int row = category_row(cat);
    if (row < 0)
        return sim_fail(c, 400, "InvalidDataDiskCategory.ValueNotSupported",
                        "The specified DiskCategory \"%s\" is not valid.", cat);
    if (pl && level_row(pl) < 0)
        return sim_fail(c, 400, "InvalidPerformanceLevel.Malformed",
                        "The specified parameter PerformanceLevel is not valid (PL0 to PL3).");
    if (pl && strcmp(cat, "cloud_essd") != 0)
        return sim_fail(c, 400, "InvalidParameter.Conflict",
                        "PerformanceLevel applies to cloud_essd disks only.");
    if (name && !disk_name_ok(name))
        return sim_fail(c, 400, "InvalidDiskName.Malformed", "The specified disk name is wrongly formed.");
    if (!sim_desc_ok(desc, 2, 256))
        return sim_fail(c, 400, "InvalidDescription.Malformed",
                        "The specified description is wrongly formed.");
    if (!snap_id && !size)
        return sim_fail(c, 400, "MissingParameter",
                        "The input parameter either \"SnapshotId\" or \"Size\" should be specified.");
    const cJSON *snap = NULL;
    if (snap_id) {
        snap = sim_find(c->root, "Snapshots", "SnapshotId", snap_id);
        if (!snap || strcmp(sim_gets(snap, "RegionId"), c->region) != 0)
            return sim_fail(c, 404, "InvalidSnapshotId.NotFound", "The specified SnapshotId does not exist.");
        if (strcmp(sim_gets(snap, "Status"), "accomplished") != 0)
            return sim_fail(c, 403, "InvalidSnapshotId.NotReady",
                            "The specified snapshot has not completed yet.");
        long snap_size = 0;
        parse_long(sim_gets(snap, "SourceDiskSize"), 0, 65536, &snap_size);
        if (!size)
            size = snap_size;
        if (size < snap_size)
            return sim_fail(c, 403, "InvalidDiskSize.TooSmall",
                            "Specified disk size (%ld GiB) is less than the size of snapshot (%ld GiB).",
                            size, snap_size);
    }
    if (size < categories[row].min || size > categories[row].max)
        return sim_fail(c, 400, "InvalidDataDiskSize.ValueNotSupported",
                        "A %s data disk is %ld to %ld GiB.", cat, categories[row].min,
                        categories[row].max);
    if (!pl && strcmp(cat, "cloud_essd") == 0)
        pl = "PL1";
    if (pl && size < levels[level_row(pl)].min_gib)
        return sim_fail(c, 403, "OperationDenied.PerformanceLevelNotMatch",
                        "The specified PerformanceLevel and disk size do not match (%s needs at "
                        "least %ld GiB).", pl, levels[level_row(pl)].min_gib);
    rc = sim_tags_read(c, &tags);
    if (rc)
        return rc;
    char id[40], when[32];
    sim_new_id("d-", id);
    sim_iso_time(c->now, when);
    const char *rg = sim_opt(c, "ResourceGroupId");
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "DiskId", id);
    cJSON_AddStringToObject(d, "DiskName", name ? name : "");
    cJSON_AddStringToObject(d, "Description", desc ? desc : "");
    cJSON_AddStringToObject(d, "RegionId", c->region);
    cJSON_AddStringToObject(d, "ZoneId", zone);
    cJSON_AddStringToObject(d, "Type", "data");
    cJSON_AddStringToObject(d, "Category", cat);
    cJSON_AddStringToObject(d, "PerformanceLevel", pl ? pl : "");
    cJSON_AddNumberToObject(d, "Size", (double)size);
    cJSON_AddStringToObject(d, "Status", "Creating");
    cJSON_AddStringToObject(d, "InstanceId", "");
    cJSON_AddStringToObject(d, "Device", "");
    cJSON_AddStringToObject(d, "ImageId", "");
    cJSON_AddStringToObject(d, "SourceSnapshotId", snap_id ? snap_id : "");
    cJSON_AddBoolToObject(d, "Portable", 1);
    cJSON_AddBoolToObject(d, "DeleteWithInstance", 0);
    cJSON_AddBoolToObject(d, "DeleteAutoSnapshot", 1);
    cJSON_AddBoolToObject(d, "Encrypted", encrypted);
    cJSON_AddStringToObject(d, "MultiAttach", "Disabled");
    cJSON_AddStringToObject(d, "AutoSnapshotPolicyId", "");
    cJSON_AddBoolToObject(d, "EnableAutomatedSnapshotPolicy", 0);
    cJSON_AddStringToObject(d, "DiskChargeType", "PostPaid");
    cJSON_AddStringToObject(d, "CreationTime", when);
    cJSON_AddStringToObject(d, "ResourceGroupId", rg ? rg : "");
    cJSON_AddItemToObject(cJSON_AddObjectToObject(d, "Tags"), "Tag", tags);
    cJSON_AddBoolToObject(d, "_EverAttached", 0);
    sim_schedule(c, d, c->transition_ms, "Status", "Available");
    cJSON_AddItemToArray(sim_kind(c->root, "Disks"), d);
    cJSON_AddStringToObject(c->out, "DiskId", id);
    return ERR_OK;
}

/* The first free /dev/xvd<letter> of an instance (b..z); "" when none is left. */
static void free_device(struct sim_ctx *c, const char *inst, char out[16])
{
    for (char l = 'b'; l <= 'z'; l++) {
        snprintf(out, 16, "/dev/xvd%c", l);
        int used = 0;
        const cJSON *d = NULL;
        cJSON_ArrayForEach(d, sim_kind(c->root, "Disks"))
            used |= strcmp(sim_gets(d, "InstanceId"), inst) == 0 && strcmp(sim_gets(d, "Device"), out) == 0;
        if (!used)
            return;
    }
    out[0] = '\0';
}

static err_code op_attach_disk(struct sim_ctx *c)
{
    cJSON *d = NULL, *inst = NULL;
    int del = -1;
    err_code rc = disk_arg(c, &d);
    if (!rc)
        rc = instance_arg(c, &inst);
    if (!rc)
        rc = sim_tristate(c, "DeleteWithInstance", &del);
    if (rc)
        return rc;
    const char *ist = sim_gets(inst, "Status"), *dst = sim_gets(d, "Status");
    const char *iid = sim_gets(inst, "InstanceId");
    if (strcmp(ist, "Running") != 0 && strcmp(ist, "Stopped") != 0)
        return sim_fail(c, 400, "IncorrectInstanceStatus",
                        "The instance is %s; attaching a disk needs Running or Stopped.", ist);
    if (strcmp(dst, "In_use") == 0 || strcmp(dst, "Attaching") == 0)
        return sim_fail(c, 404, "InvalidDisk.InUse", "The specified disk has been occupied.");
    if (strcmp(dst, "Available") != 0)
        return sim_fail(c, 403, "IncorrectDiskStatus", "The disk is %s; it must be Available.", dst);
    if (strcmp(sim_gets(d, "Type"), "system") == 0)
        return sim_fail(c, 403, "DiskTypeViolation",
                        "The simulator attaches data disks only (a system disk goes back with its "
                        "logon credential, which it does not model).");
    if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "Portable")))
        return sim_fail(c, 403, "DiskNotPortable", "The specified disk is not a portable disk.");
    if (strcmp(sim_gets(d, "ZoneId"), sim_gets(inst, "ZoneId")) != 0)
        return sim_fail(c, 403, "ResourcesNotInSameZone",
                        "The specified instance and disk are not in the same zone (%s, %s).",
                        sim_gets(inst, "ZoneId"), sim_gets(d, "ZoneId"));
    int data = 0;
    const cJSON *o = NULL;
    cJSON_ArrayForEach(o, sim_kind(c->root, "Disks"))
        data += strcmp(sim_gets(o, "InstanceId"), iid) == 0 && strcmp(sim_gets(o, "Type"), "data") == 0;
    char dev[16];
    free_device(c, iid, dev);
    if (data >= SIM_MAX_DATA_DISKS || !dev[0])
        return sim_fail(c, 403, "InstanceDiskLimitExceeded",
                        "The instance already has %d data disks, the limit.", SIM_MAX_DATA_DISKS);
    sim_sets(d, "Status", "Attaching");
    sim_sets(d, "InstanceId", iid);
    sim_sets(d, "Device", dev);
    sim_setb(d, "_EverAttached", 1);
    if (del >= 0)
        sim_setb(d, "DeleteWithInstance", del);
    char when[32];
    sim_iso_time(c->now, when);
    sim_sets(d, "AttachedTime", when);
    sim_schedule(c, d, c->transition_ms, "Status", "In_use");
    return ERR_OK;
}

static err_code op_detach_disk(struct sim_ctx *c)
{
    cJSON *d = NULL, *inst = NULL;
    int del = -1;
    err_code rc = disk_arg(c, &d);
    if (!rc)
        rc = instance_arg(c, &inst);
    if (!rc)
        rc = sim_tristate(c, "DeleteWithInstance", &del);
    if (rc)
        return rc;
    if (strcmp(sim_gets(d, "InstanceId"), sim_gets(inst, "InstanceId")) != 0)
        return sim_fail(c, 403, "DependencyViolation",
                        "The specified disk has not been attached on the specified instance.");
    if (strcmp(sim_gets(d, "Type"), "system") == 0)
        return sim_fail(c, 403, "DiskTypeViolation",
                        "The specified disk is a system disk and cannot support the operation.");
    if (strcmp(sim_gets(d, "Status"), "In_use") != 0)
        return sim_fail(c, 403, "IncorrectDiskStatus", "The disk is %s; it must be In_use.",
                        sim_gets(d, "Status"));
    const char *ist = sim_gets(inst, "Status");
    if (strcmp(ist, "Running") != 0 && strcmp(ist, "Stopped") != 0)
        return sim_fail(c, 403, "IncorrectInstanceStatus",
                        "The instance is %s; detaching a disk needs Running or Stopped.", ist);
    if (del >= 0)
        sim_setb(d, "DeleteWithInstance", del);
    sim_sets(d, "Status", "Detaching");
    char when[32];
    sim_iso_time(c->now + c->transition_ms, when);
    sim_schedule(c, d, c->transition_ms, "Status", "Available");
    sim_schedule(c, d, c->transition_ms, "InstanceId", "");
    sim_schedule(c, d, c->transition_ms, "Device", "");
    sim_schedule(c, d, c->transition_ms, "DetachedTime", when);
    return ERR_OK;
}

/* DeleteDisk: an Available disk goes (a missing one is ignored, as the API does); its manual
 * snapshots stay. */
static err_code op_delete_disk(struct sim_ctx *c)
{
    const char *id = NULL;
    err_code rc = sim_req(c, "DiskId", &id);
    if (rc)
        return rc;
    cJSON *d = find_disk(c, id);
    if (!d)
        return ERR_OK;
    const char *st = sim_gets(d, "Status");
    if (strcmp(st, "In_use") == 0 || strcmp(st, "Attaching") == 0)
        return sim_fail(c, 403, "DiskStillAttached", "The disk is still attached to instance %s.",
                        sim_gets(d, "InstanceId"));
    if (strcmp(st, "Available") != 0)
        return sim_fail(c, 403, "IncorrectDiskStatus", "The disk is %s; it must be Available.", st);
    if (snapshotting(c, id))
        return sim_fail(c, 403, "DiskCreatingSnapshot",
                        "The operation is denied due to a snapshot of the specified disk is not "
                        "completed yet.");
    cJSON_Delete(cJSON_DetachItemViaPointer(sim_kind(c->root, "Disks"), d));
    return ERR_OK;
}

/* ModifyDiskSpec: a new category and/or ESSD performance level, applied after one transition
 * (the change is asynchronous); answers a TaskId. */
static err_code op_modify_disk_spec(struct sim_ctx *c)
{
    cJSON *d = NULL;
    err_code rc = disk_arg(c, &d);
    if (rc)
        return rc;
    const char *cat = sim_opt(c, "DiskCategory"), *pl = sim_opt(c, "PerformanceLevel");
    if (!cat && !pl)
        return sim_fail(c, 400, "MissingParameter",
                        "One of DiskCategory and PerformanceLevel is required.");
    const char *old_cat = sim_gets(d, "Category"), *new_cat = cat ? cat : old_cat;
    if (cat && category_row(cat) < 0)
        return sim_fail(c, 400, "InvalidDiskCategory.ValueNotSupported",
                        "The specified parameter \"DiskCategory\" is not valid.");
    if (pl && level_row(pl) < 0)
        return sim_fail(c, 400, "InvalidPerformanceLevel.Malformed",
                        "The specified parameter PerformanceLevel is not valid (PL0 to PL3).");
    if (!categories[category_row(old_cat) < 0 ? 0 : category_row(old_cat)].changeable ||
        !categories[category_row(new_cat)].changeable)
        return sim_fail(c, 403, "OperationDenied", "The type of the disk does not support the operation.");
    if (pl && strcmp(new_cat, "cloud_essd") != 0)
        return sim_fail(c, 403, "OperationDenied",
                        "PerformanceLevel applies to cloud_essd disks only.");
    if (!pl && strcmp(new_cat, "cloud_essd") == 0 && strcmp(old_cat, "cloud_essd") != 0)
        pl = "PL1";
    const char *st = sim_gets(d, "Status");
    if (strcmp(st, "In_use") != 0 && strcmp(st, "Available") != 0)
        return sim_fail(c, 403, "IncorrectDiskStatus",
                        "The current disk status (%s) does not support this operation.", st);
    const cJSON *inst = sim_find(c->root, "Instances", "InstanceId", sim_gets(d, "InstanceId"));
    if (inst && strcmp(sim_gets(inst, "Status"), "Running") != 0 &&
        strcmp(sim_gets(inst, "Status"), "Stopped") != 0)
        return sim_fail(c, 403, "IncorrectInstanceStatus",
                        "The instance of the disk is %s; it must be Running or Stopped.",
                        sim_gets(inst, "Status"));
    if (snapshotting(c, sim_gets(d, "DiskId")))
        return sim_fail(c, 403, "DiskCreatingSnapshot",
                        "The operation is denied due to a snapshot of the specified disk is not "
                        "completed yet.");
    if (pl) {
        int old_level = level_row(sim_gets(d, "PerformanceLevel"));
        if (strcmp(pl, "PL0") == 0 && old_level > 0)
            return sim_fail(c, 403, "OperationDenied",
                            "A pay-as-you-go ESSD cannot be downgraded to PL0.");
        if ((long)sim_getn(d, "Size") < levels[level_row(pl)].min_gib)
            return sim_fail(c, 403, "OperationDenied.PerformanceLevelNotMatch",
                            "The specified PerformanceLevel and disk size do not match (%s needs at "
                            "least %ld GiB; resize the disk first).", pl,
                            levels[level_row(pl)].min_gib);
    }
    sim_schedule(c, d, c->transition_ms, "Category", new_cat);
    sim_schedule(c, d, c->transition_ms, "PerformanceLevel",
                 pl ? pl : (strcmp(new_cat, "cloud_essd") == 0 ? sim_gets(d, "PerformanceLevel") : ""));
    char task[40];
    sim_new_id("t-", task);
    cJSON_AddStringToObject(c->out, "TaskId", task);
    return ERR_OK;
}

/* action, version, handler, mutating, DryRun, ClientToken, RegionId required, parameters. */
const struct sim_op sim_ops_volumes[] = {
    {"CreateDisk", "2014-05-26", op_create_disk, 1, SIM_DRY_NONE, 1, 1,
     "ZoneId DiskCategory Size SnapshotId DiskName Description PerformanceLevel Encrypted "
     "ResourceGroupId Tag.N.Key Tag.N.Value"},
    {"AttachDisk", "2014-05-26", op_attach_disk, 1, SIM_DRY_NONE, 0, 0,
     "DiskId InstanceId DeleteWithInstance"},
    {"DetachDisk", "2014-05-26", op_detach_disk, 1, SIM_DRY_NONE, 0, 0,
     "DiskId InstanceId DeleteWithInstance"},
    {"DeleteDisk", "2014-05-26", op_delete_disk, 1, SIM_DRY_NONE, 0, 0, "DiskId"},
    {"ModifyDiskSpec", "2014-05-26", op_modify_disk_spec, 1, SIM_DRY_OP, 0, 0,
     "DiskId DiskCategory PerformanceLevel"},
    {NULL, NULL, NULL, 0, SIM_DRY_NONE, 0, 0, NULL},
};
