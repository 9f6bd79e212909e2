/* ops_images.c - simulator operations on images: describe, create (from an instance or a
 * snapshot), copy to another region, import from OSS, sharing, delete. New images go
 * Creating -> Available after one transition. Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SIM_MAX_SHARE_PER_CALL 10   /* AddAccount.N / RemoveAccount.N */
#define SIM_MAX_SHARE_PER_IMAGE 50  /* accounts one image may be shared with */
#define SIM_MAX_IMPORT_DISKS 17     /* DiskDeviceMapping.N of ImportImage (1 system + 16 data) */
#define SIM_IMPORT_MIN_GIB 40       /* system disk image size range of ImportImage */
#define SIM_IMPORT_MAX_GIB 500

static const char *const import_formats[] = {"RAW", "VHD", "QCOW2"};

/* The region an image is visible in: public (system) images are visible everywhere. */
static int image_visible(const cJSON *img, const char *region)
{
    return strcmp(sim_gets(img, "ImageOwnerAlias"), "system") == 0 ||
           strcmp(sim_gets(img, "RegionId"), region) == 0;
}

static err_code image_arg(struct sim_ctx *c, int own_only, cJSON **ret)
{
    const char *id = NULL;
    err_code rc = sim_req(c, "ImageId", &id);
    if (rc)
        return rc;
    *ret = sim_find(c->root, "Images", "ImageId", id);
    if (!*ret || !image_visible(*ret, c->region))
        return sim_fail(c, 404, "InvalidImageId.NotFound", "The specified ImageId \"%s\" does not exist.", id);
    if (own_only && strcmp(sim_gets(*ret, "ImageOwnerAlias"), "self") != 0)
        return sim_fail(c, 403, "OperationDenied",
                        "Only custom images of this account support this operation.");
    return ERR_OK;
}

/* Image names: 2-128 characters, a letter or Chinese character first, no http(s)://, and not
 * the reserved aliyun / acs: prefixes. */
static err_code check_name_desc(struct sim_ctx *c, const char *name, const char *desc)
{
    if (name && (!sim_name_ok(name, 128) || strncmp(name, "aliyun", 6) == 0 ||
                 strncmp(name, "acs:", 4) == 0))
        return sim_fail(c, 400, "InvalidImageName.Malformed",
                        "The image name must be 2 to 128 characters, start with a letter or a "
                        "Chinese character, and not start with http://, https://, aliyun or acs:.");
    if (!sim_desc_ok(desc, 2, 256))
        return sim_fail(c, 400, "InvalidDescription.Malformed",
                        "The description must be 2 to 256 characters and not start with http(s)://.");
    const cJSON *img = NULL;
    cJSON_ArrayForEach(img, sim_kind(c->root, "Images")) {
        if (name && strcmp(sim_gets(img, "ImageName"), name) == 0 &&
            strcmp(sim_gets(img, "RegionId"), c->region) == 0)
            return sim_fail(c, 400, "InvalidImageName.Duplicated",
                            "An image named \"%s\" already exists.", name);
    }
    return ERR_OK;
}

/* The tags of the create call being served (set by the op_* wrappers, read by new_image). */
struct image_call {
    cJSON *tags; /* Tag.N of the request, checked; owned by the wrapper */
};

/* A new custom image in `region`, Creating now and Available after one transition, tagged
 * with the request's Tag.N. */
static cJSON *new_image(struct sim_ctx *c, const struct image_call *ic, const char *region,
                        const char *name, const char *desc, const cJSON *like)
{
    char id[40], when[32];
    sim_new_id("m-", id);
    sim_iso_time(c->now, when);
    cJSON *img = cJSON_CreateObject();
    cJSON_AddStringToObject(img, "ImageId", id);
    cJSON_AddStringToObject(img, "ImageName", name ? name : id);
    cJSON_AddStringToObject(img, "Description", desc ? desc : "");
    cJSON_AddStringToObject(img, "RegionId", region);
    cJSON_AddStringToObject(img, "Status", "Creating");
    cJSON_AddStringToObject(img, "Progress", "0%");
    static const char *const inherit[] = {"OSType", "OSName", "Platform", "Architecture", "BootMode"};
    for (size_t i = 0; i < ARRAY_LEN(inherit); i++)
        cJSON_AddStringToObject(img, inherit[i], like ? sim_gets(like, inherit[i]) : "");
    cJSON_AddNumberToObject(img, "Size", like ? sim_getn(like, "Size") : 40);
    cJSON_AddStringToObject(img, "ImageOwnerAlias", "self");
    cJSON_AddBoolToObject(img, "IsPublic", 0);
    cJSON_AddBoolToObject(img, "IsCopied", 0);
    cJSON_AddStringToObject(img, "Usage", "none");
    cJSON_AddStringToObject(img, "CreationTime", when);
    cJSON_AddArrayToObject(cJSON_AddObjectToObject(img, "DiskDeviceMappings"), "DiskDeviceMapping");
    const char *family = sim_opt(c, "ImageFamily"), *version = sim_opt(c, "ImageVersion");
    cJSON_AddStringToObject(img, "ImageFamily", family ? family : "");
    cJSON_AddStringToObject(img, "ImageVersion", version ? version : "");
    const char *rg = sim_opt(c, "ResourceGroupId");
    cJSON_AddStringToObject(img, "ResourceGroupId", rg ? rg : "");
    cJSON_AddItemToObject(cJSON_AddObjectToObject(img, "Tags"), "Tag",
                          ic->tags ? cJSON_Duplicate(ic->tags, 1) : cJSON_CreateArray());
    sim_schedule(c, img, c->transition_ms, "Status", "Available");
    sim_schedule(c, img, c->transition_ms, "Progress", "100%");
    cJSON_AddItemToArray(sim_kind(c->root, "Images"), img);
    return img;
}

static void add_mapping(cJSON *img, const char *snap, double size, const char *dev, const char *type,
                        const char *format)
{
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(img, "DiskDeviceMappings"), "DiskDeviceMapping");
    cJSON *m = cJSON_CreateObject();
    char size_s[24];
    snprintf(size_s, sizeof size_s, "%.0f", size);
    cJSON_AddStringToObject(m, "SnapshotId", snap);
    cJSON_AddStringToObject(m, "Size", size_s);
    cJSON_AddStringToObject(m, "Device", dev);
    cJSON_AddStringToObject(m, "Type", type);
    cJSON_AddStringToObject(m, "Format", format);
    cJSON_AddItemToArray(arr, m);
}

static err_code op_describe_images(struct sim_ctx *c)
{
    const char *ids = sim_opt(c, "ImageId"), *name = sim_opt(c, "ImageName");
    const char *owner = sim_opt(c, "ImageOwnerAlias"), *status = sim_opt(c, "Status");
    const char *os = sim_opt(c, "OSType"), *arch = sim_opt(c, "Architecture");
    const char *snap = sim_opt(c, "SnapshotId"), *family = sim_opt(c, "ImageFamily");
    const char *usage = sim_opt(c, "Usage"), *rg = sim_opt(c, "ResourceGroupId");
    struct sim_tag_filter tags;
    struct sim_time_filter times;
    int pub = -1, cloudinit = -1, io_opt = -1;
    err_code rc = sim_tag_filter(c, &tags);
    if (!rc)
        rc = sim_time_filter(c, 0, &times);
    if (!rc)
        rc = sim_tristate(c, "IsPublic", &pub);
    if (!rc)
        rc = sim_tristate(c, "IsSupportCloudinit", &cloudinit);
    if (!rc)
        rc = sim_tristate(c, "IsSupportIoOptimized", &io_opt);
    if (rc)
        return rc;
    static const char *const owners[] = {"system", "self", "others", "marketplace"};
    int owner_ok = !owner;
    for (size_t i = 0; owner && i < ARRAY_LEN(owners); i++)
        owner_ok |= strcmp(owner, owners[i]) == 0;
    if (!owner_ok)
        return sim_fail(c, 400, "InvalidImageOwnerAlias.ValueNotSupported",
                        "ImageOwnerAlias must be system, self, others or marketplace.");
    if (!status)
        status = "Available";
    cJSON *items = cJSON_CreateArray();
    const cJSON *img = NULL;
    cJSON_ArrayForEach(img, sim_kind(c->root, "Images")) {
        const char *id = sim_gets(img, "ImageId");
        if (!image_visible(img, c->region))
            continue;
        /* ImageId and Status take comma-separated lists. */
        if (ids) {
            char *copy = xasprintf(",%s,", ids), *key = xasprintf(",%s,", id);
            int hit = strstr(copy, key) != NULL;
            free(copy);
            free(key);
            if (!hit)
                continue;
        }
        char *st_list = xasprintf(",%s,", status), *st_key = xasprintf(",%s,", sim_gets(img, "Status"));
        int st_hit = strstr(st_list, st_key) != NULL;
        free(st_list);
        free(st_key);
        if (!st_hit || (name && !strstr(sim_gets(img, "ImageName"), name)) ||
            (owner && strcmp(owner, sim_gets(img, "ImageOwnerAlias")) != 0) ||
            (os && strcasecmp(os, sim_gets(img, "OSType")) != 0) ||
            (arch && strcmp(arch, sim_gets(img, "Architecture")) != 0) ||
            (family && strcmp(family, sim_gets(img, "ImageFamily")) != 0) ||
            (usage && strcmp(usage, sim_gets(img, "Usage")) != 0) ||
            (rg && strcmp(rg, sim_gets(img, "ResourceGroupId")) != 0) ||
            !sim_tristate_ok(pub, img, "IsPublic") ||
            !sim_tristate_ok(cloudinit, img, "IsSupportCloudinit") ||
            !sim_tristate_ok(io_opt, img, "IsSupportIoOptimized") || !sim_tags_match(&tags, img) ||
            !sim_time_match(&times, img))
            continue;
        if (snap) {
            int uses = 0;
            const cJSON *m = NULL;
            cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(
                                      cJSON_GetObjectItemCaseSensitive(img, "DiskDeviceMappings"),
                                      "DiskDeviceMapping"))
                uses |= strcmp(sim_gets(m, "SnapshotId"), snap) == 0;
            if (!uses)
                continue;
        }
        cJSON *o = sim_public(img);
        cJSON_AddStringToObject(o, "IsSelfShared",
                                cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(img, "_SharedAccounts")) > 0
                                    ? "True" : "False");
        cJSON_AddItemToArray(items, o);
    }
    rc = sim_page(c, items, "Images", "Image", 10, 100, 0);
    if (!rc)
        cJSON_AddStringToObject(c->out, "RegionId", c->region);
    return rc;
}

static err_code create_image(struct sim_ctx *c, const struct image_call *ic)
{
    const char *inst_id = sim_opt(c, "InstanceId"), *snap_id = sim_opt(c, "SnapshotId");
    const char *name = sim_opt(c, "ImageName"), *desc = sim_opt(c, "Description");
    err_code rc = check_name_desc(c, name, desc);
    if (!rc)
        rc = sim_room(c, "Images", "QuotaExceed.Image");
    if (rc)
        return rc;
    if (inst_id) {
        cJSON *inst = sim_find(c->root, "Instances", "InstanceId", inst_id);
        if (!inst || strcmp(sim_gets(inst, "RegionId"), c->region) != 0)
            return sim_fail(c, 404, "InvalidInstanceId.NotFound", "The specified InstanceId does not exist.");
        const char *st = sim_gets(inst, "Status");
        if (strcmp(st, "Running") != 0 && strcmp(st, "Stopped") != 0)
            return sim_fail(c, 400, "IncorrectInstanceStatus",
                            "The instance is %s; it must be Running or Stopped.", st);
        const cJSON *base = sim_find(c->root, "Images", "ImageId", sim_gets(inst, "ImageId"));
        cJSON *img = new_image(c, ic, c->region, name, desc, base);
        /* Imaging an instance takes a snapshot of each of its disks. */
        char when[32];
        sim_iso_time(c->now, when);
        cJSON *d = NULL;
        cJSON_ArrayForEach(d, sim_kind(c->root, "Disks")) {
            if (strcmp(sim_gets(d, "InstanceId"), inst_id) != 0)
                continue;
            char sid[40];
            sim_new_id("s-", sid);
            cJSON *s = cJSON_CreateObject();
            cJSON_AddStringToObject(s, "SnapshotId", sid);
            cJSON_AddStringToObject(s, "SnapshotName", "");
            cJSON_AddStringToObject(s, "RegionId", c->region);
            cJSON_AddStringToObject(s, "Status", "accomplished");
            cJSON_AddStringToObject(s, "Progress", "100%");
            cJSON_AddStringToObject(s, "SourceDiskId", sim_gets(d, "DiskId"));
            char size[24];
            snprintf(size, sizeof size, "%.0f", sim_getn(d, "Size"));
            cJSON_AddStringToObject(s, "SourceDiskSize", size);
            cJSON_AddStringToObject(s, "SourceDiskType", sim_gets(d, "Type"));
            cJSON_AddStringToObject(s, "SnapshotType", "user");
            cJSON_AddStringToObject(s, "Usage", "image");
            cJSON_AddStringToObject(s, "CreationTime", when);
            cJSON_AddItemToArray(sim_kind(c->root, "Snapshots"), s);
            add_mapping(img, sid, sim_getn(d, "Size"), sim_gets(d, "Device"), sim_gets(d, "Type"), "");
        }
        cJSON_AddStringToObject(c->out, "ImageId", sim_gets(img, "ImageId"));
        return ERR_OK;
    }
    if (!snap_id)
        return sim_fail(c, 400, "MissingParameter", "One of InstanceId, DiskDeviceMapping.N or "
                        "SnapshotId is required.");
    cJSON *snap = sim_find(c->root, "Snapshots", "SnapshotId", snap_id);
    if (!snap || strcmp(sim_gets(snap, "RegionId"), c->region) != 0)
        return sim_fail(c, 404, "InvalidSnapshotId.NotFound", "The specified SnapshotId does not exist.");
    if (strcmp(sim_gets(snap, "Status"), "accomplished") != 0)
        return sim_fail(c, 403, "InvalidSnapshotId.NotReady", "The snapshot is not ready yet.");
    if (strcmp(sim_gets(snap, "SourceDiskType"), "system") != 0)
        return sim_fail(c, 400, "InvalidSnapshotId.NotSystemDisk",
                        "An image is created from a system-disk snapshot.");
    cJSON *img = new_image(c, ic, c->region, name, desc, NULL);
    long size = 40;
    parse_long(sim_gets(snap, "SourceDiskSize"), 1, 65536, &size);
    sim_setn(img, "Size", (double)size);
    add_mapping(img, snap_id, (double)size, "/dev/xvda", "system", "");
    sim_sets(snap, "Usage", "image");
    cJSON_AddStringToObject(c->out, "ImageId", sim_gets(img, "ImageId"));
    return ERR_OK;
}

static err_code copy_image(struct sim_ctx *c, const struct image_call *ic)
{
    cJSON *src = NULL;
    err_code rc = image_arg(c, 1, &src);
    if (rc)
        return rc;
    const char *dest = sim_opt(c, "DestinationRegionId");
    if (!dest)
        dest = c->region;
    if (!sim_find(c->root, "Regions", "RegionId", dest))
        return sim_fail(c, 400, "DestinationRegion.NotFound", "The destination region does not exist.");
    if (strcmp(sim_gets(src, "Status"), "Available") != 0)
        return sim_fail(c, 400, "IncorrectImageStatus", "Only Available images can be copied.");
    const char *name = sim_opt(c, "DestinationImageName"), *desc = sim_opt(c, "DestinationDescription");
    rc = check_name_desc(c, name, desc);
    if (!rc)
        rc = sim_room(c, "Images", "QuotaExceed.Image");
    if (rc)
        return rc;
    cJSON *img = new_image(c, ic, dest, name ? name : sim_gets(src, "ImageName"), desc, src);
    sim_setb(img, "IsCopied", 1);
    cJSON_AddStringToObject(c->out, "ImageId", sim_gets(img, "ImageId"));
    return ERR_OK;
}

static err_code import_image(struct sim_ctx *c, const struct image_call *ic)
{
    const char *name = sim_opt(c, "ImageName"), *desc = sim_opt(c, "Description");
    const char *arch = sim_opt(c, "Architecture"), *os = sim_opt(c, "OSType");
    char k[64];
    size_t n = 0;
    for (;; n++) {
        snprintf(k, sizeof k, "DiskDeviceMapping.%zu.OSSObject", n + 1);
        if (!sim_opt(c, k))
            break;
        if (n + 1 > SIM_MAX_IMPORT_DISKS)
            return sim_fail(c, 400, "InvalidParameter.DiskDeviceMappingCount",
                            "At most %d disk images can be imported at once.", SIM_MAX_IMPORT_DISKS);
    }
    if (n == 0)
        return sim_fail(c, 400, "MissingParameter", "The input parameter \"DiskDeviceMapping.1."
                        "OSSObject\" that is mandatory for processing this request is not supplied.");
    err_code rc = check_name_desc(c, name, desc);
    if (rc)
        return rc;
    if (arch && strcmp(arch, "i386") != 0 && strcmp(arch, "x86_64") != 0 && strcmp(arch, "arm64") != 0)
        return sim_fail(c, 400, "InvalidArchitecture.ValueNotSupported",
                        "Architecture must be i386, x86_64 or arm64.");
    if (os && strcasecmp(os, "linux") != 0 && strcasecmp(os, "windows") != 0)
        return sim_fail(c, 400, "InvalidOSType.ValueNotSupported", "OSType must be linux or windows.");
    long sizes[SIM_MAX_IMPORT_DISKS];
    for (size_t i = 0; i < n; i++) {
        snprintf(k, sizeof k, "DiskDeviceMapping.%zu.OSSBucket", i + 1);
        if (!sim_opt(c, k))
            return sim_fail(c, 400, "MissingParameter", "The input parameter \"%s\" that is "
                            "mandatory for processing this request is not supplied.", k);
        snprintf(k, sizeof k, "DiskDeviceMapping.%zu.Format", i + 1);
        const char *fmt = sim_opt(c, k);
        int known = !fmt; /* empty = detected from the file */
        for (size_t f = 0; fmt && f < ARRAY_LEN(import_formats); f++)
            known |= strcasecmp(fmt, import_formats[f]) == 0;
        if (!known)
            return sim_fail(c, 400, "InvalidParameter.Format",
                            "Image format \"%s\" is not supported; use RAW, VHD or QCOW2.", fmt);
        snprintf(k, sizeof k, "DiskDeviceMapping.%zu.DiskImageSize", i + 1);
        const char *sz = sim_opt(c, k);
        if (!sz) {
            snprintf(k, sizeof k, "DiskDeviceMapping.%zu.DiskImSize", i + 1);
            sz = sim_opt(c, k);
        }
        sizes[i] = i == 0 ? SIM_IMPORT_MIN_GIB : 20;
        long lo = i == 0 ? SIM_IMPORT_MIN_GIB : 5, hi = i == 0 ? SIM_IMPORT_MAX_GIB : 32768;
        if (sz && parse_long(sz, lo, hi, &sizes[i]) != ERR_OK)
            return sim_fail(c, 400, "InvalidParameter.DiskImageSize",
                            "The %s disk image size must be %ld to %ld GiB.",
                            i == 0 ? "system" : "data", lo, hi);
    }
    rc = sim_room(c, "Images", "QuotaExceed.Image");
    if (rc)
        return rc;
    cJSON *img = new_image(c, ic, c->region, name, desc, NULL);
    sim_sets(img, "Status", "Waiting");
    sim_sets(img, "OSType", os ? os : "linux");
    sim_sets(img, "Architecture", arch ? arch : "x86_64");
    if (sim_opt(c, "Platform"))
        sim_sets(img, "Platform", sim_opt(c, "Platform"));
    sim_setn(img, "Size", (double)sizes[0]);
    for (size_t i = 0; i < n; i++) {
        snprintf(k, sizeof k, "DiskDeviceMapping.%zu.Format", i + 1);
        const char *fmt = sim_opt(c, k);
        add_mapping(img, "", (double)sizes[i], i == 0 ? "/dev/xvda" : "", i == 0 ? "system" : "data",
                    fmt ? fmt : "");
    }
    char task[40];
    sim_new_id("t-", task);
    cJSON_AddStringToObject(c->out, "ImageId", sim_gets(img, "ImageId"));
    cJSON_AddStringToObject(c->out, "TaskId", task);
    cJSON_AddStringToObject(c->out, "RegionId", c->region);
    return ERR_OK;
}

/* Run a create-style handler with the request's tags checked first (nothing is created when
 * one is malformed). */
static err_code with_tags(struct sim_ctx *c, err_code (*fn)(struct sim_ctx *, const struct image_call *))
{
    struct image_call ic = {NULL};
    err_code rc = sim_tags_read(c, &ic.tags);
    if (!rc)
        rc = fn(c, &ic);
    cJSON_Delete(ic.tags);
    return rc;
}

static err_code op_create_image(struct sim_ctx *c) { return with_tags(c, create_image); }
static err_code op_copy_image(struct sim_ctx *c) { return with_tags(c, copy_image); }
static err_code op_import_image(struct sim_ctx *c) { return with_tags(c, import_image); }

static err_code op_modify_image_share_permission(struct sim_ctx *c)
{
    cJSON *img = NULL;
    const char **add = NULL, **del = NULL;
    size_t n_add = 0, n_del = 0;
    int pub = 0;
    err_code rc = image_arg(c, 1, &img);
    if (!rc)
        rc = sim_list(c, "AddAccount", SIM_MAX_SHARE_PER_CALL, 400, "InvalidParameter.AddAccountCount",
                      &add, &n_add);
    if (!rc)
        rc = sim_list(c, "RemoveAccount", SIM_MAX_SHARE_PER_CALL, 400,
                      "InvalidParameter.RemoveAccountCount", &del, &n_del);
    if (!rc)
        rc = sim_bool(c, "IsPublic", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(img, "IsPublic")), &pub);
    if (rc)
        goto cleanup;
    cJSON *shared = cJSON_GetObjectItemCaseSensitive(img, "_SharedAccounts");
    if (!shared)
        shared = cJSON_AddArrayToObject(img, "_SharedAccounts");
    for (size_t i = 0; i < n_add; i++) {
        long tmp = 0;
        if (strlen(add[i]) < 10 || strlen(add[i]) > 20 || strspn(add[i], "0123456789") != strlen(add[i]) ||
            parse_long(add[i], 0, 0x7fffffffffffffffL, &tmp) != ERR_OK) {
            rc = sim_fail(c, 404, "InvalidAccount.NotFound", "The account \"%s\" does not exist.", add[i]);
            goto cleanup;
        }
        if (sim_find(img, "_SharedAccounts", "AliyunId", add[i]))
            continue;
        if (cJSON_GetArraySize(shared) >= SIM_MAX_SHARE_PER_IMAGE) {
            rc = sim_fail(c, 403, "QuotaExceed.ShareImageUser",
                          "An image can be shared with at most %d accounts.", SIM_MAX_SHARE_PER_IMAGE);
            goto cleanup;
        }
        char when[32];
        sim_iso_time(c->now, when);
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "AliyunId", add[i]);
        cJSON_AddStringToObject(a, "SharedTime", when);
        cJSON_AddItemToArray(shared, a);
    }
    for (size_t i = 0; i < n_del; i++) {
        cJSON *a = sim_find(img, "_SharedAccounts", "AliyunId", del[i]);
        if (a)
            cJSON_Delete(cJSON_DetachItemViaPointer(shared, a));
    }
    sim_setb(img, "IsPublic", pub);
cleanup:
    free(add);
    free(del);
    return rc;
}

static err_code op_describe_image_share_permission(struct sim_ctx *c)
{
    cJSON *img = NULL;
    err_code rc = image_arg(c, 1, &img);
    if (rc)
        return rc;
    cJSON_AddStringToObject(c->out, "ImageId", sim_gets(img, "ImageId"));
    cJSON_AddStringToObject(c->out, "RegionId", c->region);
    cJSON *groups = cJSON_AddArrayToObject(cJSON_AddObjectToObject(c->out, "ShareGroups"), "ShareGroup");
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(img, "IsPublic"))) {
        cJSON *g = cJSON_CreateObject();
        cJSON_AddStringToObject(g, "Group", "all");
        cJSON_AddItemToArray(groups, g);
    }
    cJSON *items = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(img, "_SharedAccounts"), 1);
    if (!items)
        items = cJSON_CreateArray();
    return sim_page(c, items, "Accounts", "Account", 10, 100, 0);
}

static err_code op_delete_image(struct sim_ctx *c)
{
    const char *id = NULL;
    int force = 0;
    err_code rc = sim_req(c, "ImageId", &id);
    if (!rc)
        rc = sim_bool(c, "Force", 0, &force);
    if (rc)
        return rc;
    cJSON *img = sim_find(c->root, "Images", "ImageId", id);
    if (!img || strcmp(sim_gets(img, "RegionId"), c->region) != 0)
        return ERR_OK; /* a nonexistent image is ignored */
    if (strcmp(sim_gets(img, "ImageOwnerAlias"), "self") != 0)
        return sim_fail(c, 403, "OperationDenied", "Public images cannot be deleted.");
    const char *st = sim_gets(img, "Status");
    if (strcmp(st, "Waiting") == 0)
        return sim_fail(c, 403, "ImageIsImporting", "The image is still being imported.");
    if (strcmp(sim_gets(img, "_Exporting"), "true") == 0)
        return sim_fail(c, 403, "ImageIsExporting", "The image is being exported.");
    if (strcmp(st, "Creating") == 0)
        return sim_fail(c, 403, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(img, "IsCopied"))
                                    ? "OperationDenied.ImageCopying" : "IncorrectImageStatus",
                        "The image is still being created.");
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(img, "_SharedAccounts")) > 0)
        return sim_fail(c, 403, "ImageUseShared", "The image is shared; unshare it first.");
    const cJSON *inst = NULL;
    cJSON_ArrayForEach(inst, sim_kind(c->root, "Instances")) {
        if (!force && strcmp(sim_gets(inst, "ImageId"), id) == 0)
            return sim_fail(c, 403, "ImageUsingByInstance",
                            "Instance %s uses the image; pass Force=true to delete anyway.",
                            sim_gets(inst, "InstanceId"));
    }
    cJSON_Delete(cJSON_DetachItemViaPointer(sim_kind(c->root, "Images"), img));
    return ERR_OK;
}

/* ExportImage: an Available custom image is copied to an OSS bucket of the region (nothing
 * leaves the simulator); the export is a task that ends after one transition. */
static err_code op_export_image(struct sim_ctx *c)
{
    const char *id = NULL, *bucket = NULL;
    err_code rc = sim_req(c, "ImageId", &id);
    if (!rc)
        rc = sim_req(c, "OSSBucket", &bucket);
    if (rc)
        return rc;
    const char *prefix = sim_opt(c, "OSSPrefix"), *format = sim_opt(c, "ImageFormat");
    if (prefix && (strlen(prefix) > 30 ||
                   strspn(prefix, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") !=
                       strlen(prefix)))
        return sim_fail(c, 400, "InvalidOSSPrefix.Malformed",
                        "OSSPrefix must be 1 to 30 letters and digits.");
    static const char *const formats[] = {"raw", "vhd", "qcow2", "vmdk", "vdi"};
    int known = !format;
    for (size_t i = 0; format && i < ARRAY_LEN(formats); i++)
        known |= strcasecmp(format, formats[i]) == 0;
    if (!known)
        return sim_fail(c, 400, "InvalidImageFormat.Malformed",
                        "ImageFormat must be raw, vhd, qcow2, vmdk or vdi.");
    size_t blen = strlen(bucket);
    if (blen < 3 || blen > 63 || strspn(bucket, "abcdefghijklmnopqrstuvwxyz0123456789-") != blen ||
        bucket[0] == '-' || bucket[blen - 1] == '-')
        return sim_fail(c, 400, "InvalidOSSBucket.NotFound",
                        "The specified OSS bucket does not exist in this region (bucket names are "
                        "3 to 63 lowercase letters, digits and hyphens).");
    cJSON *img = sim_find(c->root, "Images", "ImageId", id);
    if (!img || !image_visible(img, c->region))
        return sim_fail(c, 404, "InvalidImageId.NotFound", "The specified ImageId does not exist.");
    if (strcmp(sim_gets(img, "ImageOwnerAlias"), "self") != 0)
        return sim_fail(c, 403, "ImageNotSupported",
                        "Only custom images of this account can be exported.");
    if (strcmp(sim_gets(img, "Status"), "Available") != 0)
        return sim_fail(c, 400, "IncorrectImageStatus", "The specified Image is not available.");
    if (strcmp(sim_gets(img, "_Exporting"), "true") == 0)
        return sim_fail(c, 403, "ImageIsExporting", "The specified Image is exporting.");
    sim_sets(img, "_Exporting", "true");
    sim_schedule(c, img, c->transition_ms, "_Exporting", "false");
    char task[40];
    sim_new_id("t-", task);
    cJSON_AddStringToObject(c->out, "TaskId", task);
    cJSON_AddStringToObject(c->out, "RegionId", c->region);
    return ERR_OK;
}

/* action, version, handler, mutating, DryRun, ClientToken, RegionId required, parameters. */
const struct sim_op sim_ops_images[] = {
    {"DescribeImages", "2014-05-26", op_describe_images, 0, SIM_DRY_OP, 0, 1,
     "ImageId ImageName ImageOwnerAlias Status OSType Architecture SnapshotId ImageFamily Usage "
     "IsPublic IsSupportCloudinit IsSupportIoOptimized ResourceGroupId Tag.N.Key Tag.N.Value "
     "Filter.N.Key Filter.N.Value PageNumber PageSize"},
    {"CreateImage", "2014-05-26", op_create_image, 1, SIM_DRY_OP, 1, 1,
     "InstanceId SnapshotId ImageName Description ImageFamily ImageVersion ResourceGroupId "
     "Tag.N.Key Tag.N.Value"},
    {"CopyImage", "2014-05-26", op_copy_image, 1, SIM_DRY_OP, 1, 1,
     "ImageId DestinationRegionId DestinationImageName DestinationDescription ResourceGroupId "
     "Tag.N.Key Tag.N.Value"},
    {"ImportImage", "2014-05-26", op_import_image, 1, SIM_DRY_OP, 1, 1,
     "ImageName Description Architecture OSType Platform RoleName ResourceGroupId "
     "DiskDeviceMapping.N.OSSBucket DiskDeviceMapping.N.OSSObject DiskDeviceMapping.N.Format "
     "DiskDeviceMapping.N.DiskImageSize DiskDeviceMapping.N.DiskImSize DiskDeviceMapping.N.Device "
     "Tag.N.Key Tag.N.Value"},
    {"ExportImage", "2014-05-26", op_export_image, 1, SIM_DRY_OP, 0, 1,
     "ImageId OSSBucket OSSPrefix ImageFormat RoleName"},
    {"ModifyImageSharePermission", "2014-05-26", op_modify_image_share_permission, 1, SIM_DRY_OP, 0,
     1, "ImageId AddAccount.N RemoveAccount.N IsPublic"},
    {"DescribeImageSharePermission", "2014-05-26", op_describe_image_share_permission, 0,
     SIM_DRY_NONE, 0, 1, "ImageId PageNumber PageSize"},
    {"DeleteImage", "2014-05-26", op_delete_image, 1, SIM_DRY_OP, 0, 1, "ImageId Force"},
    {NULL, NULL, NULL, 0, SIM_DRY_NONE, 0, 0, NULL},
};
