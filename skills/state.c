/* state.c - the state checks: reads that decide whether a change can go ahead now (instances
 * Running with an agent for commands, Stopped for a roll back, an ENI Available in the same
 * VPC and zone, a disk that only grows, room for rules and groups), and the resource
 * allow-list by tag. Each failure is a finding naming the resource and what it needs.
 * Layer: skills. */
#include "skills/sk_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATE_IDS_MAX 100 /* ids one check reads at once (DescribeInstances takes 100) */

/* ---- Argument helpers ---------------------------------------------------------------------- */

const char *sk_args_region(const cJSON *args)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(args, "RegionId");
    if (!cJSON_IsString(r))
        r = cJSON_GetObjectItemCaseSensitive(args, "regionId");
    return cJSON_IsString(r) ? r->valuestring : NULL;
}

/* The ids an argument holds: a string, an array of strings, or a JSON-array string. Returns a
 * new array of strings (possibly empty). */
cJSON *sk_args_ids(const cJSON *args, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
    cJSON *out = cJSON_CreateArray();
    if (cJSON_IsString(v)) {
        cJSON *parsed = v->valuestring[0] == '[' ? cJSON_Parse(v->valuestring) : NULL;
        if (cJSON_IsArray(parsed)) {
            const cJSON *x;
            cJSON_ArrayForEach(x, parsed) if (cJSON_IsString(x))
                cJSON_AddItemToArray(out, cJSON_CreateString(x->valuestring));
        } else
            cJSON_AddItemToArray(out, cJSON_CreateString(v->valuestring));
        cJSON_Delete(parsed);
    } else if (cJSON_IsArray(v)) {
        const cJSON *x;
        cJSON_ArrayForEach(x, v) if (cJSON_IsString(x))
            cJSON_AddItemToArray(out, cJSON_CreateString(x->valuestring));
    }
    return out;
}

static const char *arg_name(const struct kb_strs *argn, size_t i, const char *fallback)
{
    return argn && argn->n > i ? argn->v[i] : fallback;
}

static cJSON *region_params(const cJSON *args)
{
    cJSON *p = cJSON_CreateObject();
    const char *r = sk_args_region(args);
    if (r)
        cJSON_AddStringToObject(p, "RegionId", r);
    return p;
}

/* A read failed: the check cannot vouch for the change. */
static void read_failed(struct sk_findings *f, const char *check, const struct err *e)
{
    sk_findings_add(f, SK_DENY, "state.unverified", "%s could not be checked: %s", check, e->msg);
}

static const cJSON *path_get(const cJSON *o, const char *a, const char *b)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, a), b);
}

/* Describe instances by id: returns the Instances.Instance array (owned by *ret_resp). */
static const cJSON *describe_instances(struct sk_exec *x, const cJSON *args, const cJSON *ids,
                                       cJSON **ret_resp, struct err *e)
{
    cJSON *p = region_params(args);
    char *list = cJSON_PrintUnformatted(ids);
    cJSON_AddStringToObject(p, "InstanceIds", list);
    cJSON_AddNumberToObject(p, "PageSize", STATE_IDS_MAX);
    free(list);
    err_code rc = sk_read(x, "DescribeInstances", p, ret_resp, e);
    cJSON_Delete(p);
    return rc ? NULL : path_get(*ret_resp, "Instances", "Instance");
}

static const cJSON *find_by(const cJSON *arr, const char *field, const char *id)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) if (strcmp(sk_str(it, field), id) == 0) return it;
    return NULL;
}

/* ---- Instances ------------------------------------------------------------------------------ */

/* Every instance named by the argument must exist and be in `want` ("Running", "Stopped"),
 * or merely exist when want is NULL. */
static void instances_in(struct sk_exec *x, const cJSON *args, const struct kb_strs *argn,
                         const char *want, const char *rule, const char *why,
                         struct sk_findings *f)
{
    cJSON *ids = sk_args_ids(args, arg_name(argn, 0, "InstanceId"));
    size_t n = (size_t)cJSON_GetArraySize(ids);
    if (n == 0 || n > STATE_IDS_MAX) {
        cJSON_Delete(ids);
        return; /* nothing named, or more than one read covers: the limits speak to that */
    }
    struct err e;
    err_clear(&e);
    cJSON *resp = NULL;
    const cJSON *found = describe_instances(x, args, ids, &resp, &e);
    if (!found && !resp) {
        read_failed(f, "the instances' state", &e);
    } else {
        const cJSON *id;
        cJSON_ArrayForEach(id, ids) {
            const cJSON *inst = find_by(found, "InstanceId", id->valuestring);
            if (!inst)
                sk_findings_add(f, SK_DENY, "state.instance_not_found",
                                "instance %s does not exist in %s", id->valuestring,
                                sk_args_region(args) ? sk_args_region(args) : "this region");
            else if (want && strcmp(sk_str(inst, "Status"), want) != 0)
                sk_findings_add(f, SK_DENY, rule, "instance %s is %s; %s", id->valuestring,
                                sk_str(inst, "Status"), why);
        }
    }
    cJSON_Delete(resp);
    cJSON_Delete(ids);
}

static void instances_running(struct sk_exec *x, const cJSON *args, const struct kb_strs *argn,
                              struct sk_findings *f)
{
    instances_in(x, args, argn, "Running", "state.instance_not_running",
                 "Cloud Assistant runs commands and delivers files only on Running instances",
                 f);
}

static void instance_stopped(struct sk_exec *x, const cJSON *args, const struct kb_strs *argn,
                             struct sk_findings *f)
{
    instances_in(x, args, argn, "Stopped", "state.instance_not_stopped",
                 "stop it first (this change needs a Stopped instance)", f);
}

static void instance_exists(struct sk_exec *x, const cJSON *args, const struct kb_strs *argn,
                            struct sk_findings *f)
{
    instances_in(x, args, argn, NULL, NULL, NULL, f);
}

static void agent_online(struct sk_exec *x, const cJSON *args, const struct kb_strs *argn,
                         struct sk_findings *f)
{
    cJSON *ids = sk_args_ids(args, arg_name(argn, 0, "InstanceId"));
    size_t n = (size_t)cJSON_GetArraySize(ids);
    if (n == 0 || n > STATE_IDS_MAX) {
        cJSON_Delete(ids);
        return;
    }
    cJSON *p = region_params(args);
    cJSON_AddItemToObject(p, "InstanceId", cJSON_Duplicate(ids, 1));
    cJSON_AddNumberToObject(p, "PageSize", 50);
    cJSON *resp = NULL;
    struct err e;
    err_clear(&e);
    if (sk_read(x, "DescribeCloudAssistantStatus", p, &resp, &e)) {
        read_failed(f, "the Cloud Assistant agent", &e);
    } else {
        const cJSON *st = path_get(resp, "InstanceCloudAssistantStatusSet",
                                   "InstanceCloudAssistantStatus");
        const cJSON *id;
        cJSON_ArrayForEach(id, ids) {
            const cJSON *s = find_by(st, "InstanceId", id->valuestring);
            if (s && strcmp(sk_str(s, "CloudAssistantStatus"), "true") == 0)
                continue;
            sk_findings_add(f, SK_DENY, "state.agent_unavailable",
                            "the Cloud Assistant agent on %s is not running or not installed; "
                            "install it (ecs_install_cloud_assistant) or start the instance",
                            id->valuestring);
        }
    }
    cJSON_Delete(resp);
    cJSON_Delete(p);
    cJSON_Delete(ids);
}

/* Room for one more security group on an instance (5 at most). */
static void instance_sg_room(struct sk_exec *x, const cJSON *args, const struct kb_strs *argn,
                             struct sk_findings *f)
{
    cJSON *ids = sk_args_ids(args, arg_name(argn, 0, "InstanceId"));
    if (cJSON_GetArraySize(ids) != 1) {
        cJSON_Delete(ids);
        return;
    }
    struct err e;
    err_clear(&e);
    cJSON *resp = NULL;
    const cJSON *found = describe_instances(x, args, ids, &resp, &e);
    const cJSON *inst = found ? found->child : NULL;
    const struct kb_limit *lim = kb_limit_find(x->reg->product, "sg_per_instance");
    double max = sk_policy_limit(x->reg->policy, "sg_per_instance", lim ? lim->value : 5);
    if (!resp)
        read_failed(f, "the instance's security groups", &e);
    else if (!inst)
        sk_findings_add(f, SK_DENY, "state.instance_not_found", "instance %s does not exist",
                        ids->child->valuestring);
    else {
        int have = cJSON_GetArraySize(path_get(inst, "SecurityGroupIds", "SecurityGroupId"));
        if (have + 1 > max)
            sk_findings_add(f, SK_DENY, "limit.sg_per_instance",
                            "instance %s is already in %d security groups; %s",
                            ids->child->valuestring, have, lim ? lim->text : "");
    }
    cJSON_Delete(resp);
    cJSON_Delete(ids);
}

/* ---- Disks ---------------------------------------------------------------------------------- */

static const cJSON *describe_disk(struct sk_exec *x, const cJSON *args, const char *id,
                                  cJSON **ret_resp, struct err *e)
{
    cJSON *p = region_params(args);
    char list[160];
    snprintf(list, sizeof list, "[\"%.100s\"]", id);
    cJSON_AddStringToObject(p, "DiskIds", list);
    err_code rc = sk_read(x, "DescribeDisks", p, ret_resp, e);
    cJSON_Delete(p);
    return rc ? NULL : find_by(path_get(*ret_resp, "Disks", "Disk"), "DiskId", id);
}

static void disk_instance_stopped(struct sk_exec *x, const cJSON *args,
                                  const struct kb_strs *argn, struct sk_findings *f)
{
    const char *id = sk_str(args, arg_name(argn, 0, "DiskId"));
    if (!*id)
        return;
    struct err e;
    err_clear(&e);
    cJSON *resp = NULL;
    const cJSON *disk = describe_disk(x, args, id, &resp, &e);
    if (!resp) {
        read_failed(f, "the disk", &e);
    } else if (!disk) {
        sk_findings_add(f, SK_DENY, "state.disk_not_found", "disk %s does not exist", id);
    } else if (*sk_str(disk, "InstanceId")) {
        cJSON *ids = cJSON_CreateArray();
        cJSON_AddItemToArray(ids, cJSON_CreateString(sk_str(disk, "InstanceId")));
        cJSON *iresp = NULL;
        const cJSON *found = describe_instances(x, args, ids, &iresp, &e);
        const cJSON *inst = found ? found->child : NULL;
        if (!iresp)
            read_failed(f, "the disk's instance", &e);
        else if (inst && strcmp(sk_str(inst, "Status"), "Stopped") != 0)
            sk_findings_add(f, SK_DENY, "state.instance_not_stopped",
                            "disk %s belongs to instance %s, which is %s; a disk rolls back only "
                            "while its instance is Stopped (stop it first; everything written "
                            "after the snapshot is lost)",
                            id, sk_str(inst, "InstanceId"), sk_str(inst, "Status"));
        cJSON_Delete(iresp);
        cJSON_Delete(ids);
    }
    cJSON_Delete(resp);
}

static void disk_grows(struct sk_exec *x, const cJSON *args, const struct kb_strs *argn,
                       struct sk_findings *f)
{
    const char *id = sk_str(args, arg_name(argn, 0, "DiskId"));
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(args, arg_name(argn, 1, "NewSize"));
    if (!*id || !cJSON_IsNumber(size))
        return;
    struct err e;
    err_clear(&e);
    cJSON *resp = NULL;
    const cJSON *disk = describe_disk(x, args, id, &resp, &e);
    if (!resp)
        read_failed(f, "the disk's size", &e);
    else if (!disk)
        sk_findings_add(f, SK_DENY, "state.disk_not_found", "disk %s does not exist", id);
    else {
        double have = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(disk, "Size"));
        if (size->valuedouble <= have)
            sk_findings_add(f, SK_DENY, "state.disk_shrink",
                            "disk %s is %g GiB and NewSize is %g GiB; disks can only grow, "
                            "never shrink or stay the same",
                            id, have, size->valuedouble);
    }
    cJSON_Delete(resp);
}

static void disk_attachable(struct sk_exec *x, const cJSON *args, const struct kb_strs *argn,
                            struct sk_findings *f)
{
    const char *id = sk_str(args, arg_name(argn, 0, "DiskId"));
    const char *iid = sk_str(args, arg_name(argn, 1, "InstanceId"));
    if (!*id || !*iid)
        return;
    struct err e;
    err_clear(&e);
    cJSON *resp = NULL, *iresp = NULL, *ids = cJSON_CreateArray();
    cJSON_AddItemToArray(ids, cJSON_CreateString(iid));
    const cJSON *disk = describe_disk(x, args, id, &resp, &e);
    const cJSON *found = resp ? describe_instances(x, args, ids, &iresp, &e) : NULL;
    const cJSON *inst = found ? found->child : NULL;
    if (!resp || !iresp)
        read_failed(f, "the disk and the instance", &e);
    else if (!disk)
        sk_findings_add(f, SK_DENY, "state.disk_not_found", "disk %s does not exist", id);
    else if (!inst)
        sk_findings_add(f, SK_DENY, "state.instance_not_found", "instance %s does not exist", iid);
    else {
        if (strcmp(sk_str(disk, "Status"), "Available") != 0)
            sk_findings_add(f, SK_DENY, "state.disk_not_available",
                            "disk %s is %s; only an Available (detached) disk can be attached", id,
                            sk_str(disk, "Status"));
        if (strcmp(sk_str(disk, "ZoneId"), sk_str(inst, "ZoneId")) != 0)
            sk_findings_add(f, SK_DENY, "state.zone_mismatch",
                            "disk %s is in zone %s and instance %s in zone %s; a disk attaches only "
                            "to an instance in its own zone",
                            id, sk_str(disk, "ZoneId"), iid, sk_str(inst, "ZoneId"));
    }
    cJSON_Delete(resp);
    cJSON_Delete(iresp);
    cJSON_Delete(ids);
}

/* At most 16 disks and 32 TiB in one snapshot-consistent group. */
static void snapshot_group_capacity(struct sk_exec *x, const cJSON *args,
                                    const struct kb_strs *argn, struct sk_findings *f)
{
    const char *iid = sk_str(args, arg_name(argn, 0, "InstanceId"));
    cJSON *disk_ids = sk_args_ids(args, arg_name(argn, 1, "DiskId"));
    cJSON *p = region_params(args);
    if (cJSON_GetArraySize(disk_ids) > 0) {
        char *list = cJSON_PrintUnformatted(disk_ids);
        cJSON_AddStringToObject(p, "DiskIds", list);
        free(list);
    } else if (*iid) {
        cJSON_AddStringToObject(p, "InstanceId", iid);
    } else {
        cJSON_Delete(p);
        cJSON_Delete(disk_ids);
        return;
    }
    cJSON_AddNumberToObject(p, "PageSize", 100);
    struct err e;
    err_clear(&e);
    cJSON *resp = NULL;
    if (sk_read(x, "DescribeDisks", p, &resp, &e)) {
        read_failed(f, "the disks of the group", &e);
    } else {
        const cJSON *disks = path_get(resp, "Disks", "Disk");
        const struct kb_limit *ln = kb_limit_find(x->reg->product, "snapshot_group_disks");
        const struct kb_limit *lc = kb_limit_find(x->reg->product, "snapshot_group_capacity");
        double max_n = sk_policy_limit(x->reg->policy, "snapshot_group_disks", ln ? ln->value : 16);
        double max_tib =
            sk_policy_limit(x->reg->policy, "snapshot_group_capacity", lc ? lc->value : 32);
        int n = cJSON_GetArraySize(disks);
        double gib = 0;
        const cJSON *d;
        cJSON_ArrayForEach(d, disks) gib += cJSON_GetNumberValue(cJSON_GetObjectItem(d, "Size"));
        if (n > max_n)
            sk_findings_add(f, SK_DENY, "limit.snapshot_group_disks",
                            "the group would hold %d disks; %s", n, ln ? ln->text : "");
        if (gib > max_tib * 1024)
            sk_findings_add(f, SK_DENY, "limit.snapshot_group_capacity",
                            "the disks total %g GiB; %s", gib, lc ? lc->text : "");
        if (n == 0)
            sk_findings_add(f, SK_DENY, "state.disk_not_found",
                            "no disk matches; name an instance with disks or existing disk ids");
    }
    cJSON_Delete(resp);
    cJSON_Delete(p);
    cJSON_Delete(disk_ids);
}

/* ---- Networking ------------------------------------------------------------------------------ */

static void eni_attachable(struct sk_exec *x, const cJSON *args, const struct kb_strs *argn,
                           struct sk_findings *f)
{
    const char *eni = sk_str(args, arg_name(argn, 0, "NetworkInterfaceId"));
    const char *iid = sk_str(args, arg_name(argn, 1, "InstanceId"));
    if (!*eni || !*iid)
        return;
    cJSON *p = region_params(args);
    cJSON *one = cJSON_CreateArray();
    cJSON_AddItemToArray(one, cJSON_CreateString(eni));
    cJSON_AddItemToObject(p, "NetworkInterfaceId", one);
    struct err e;
    err_clear(&e);
    cJSON *resp = NULL, *iresp = NULL, *ids = cJSON_CreateArray();
    cJSON_AddItemToArray(ids, cJSON_CreateString(iid));
    const cJSON *found = NULL;
    if (sk_read(x, "DescribeNetworkInterfaces", p, &resp, &e) == ERR_OK)
        found = describe_instances(x, args, ids, &iresp, &e);
    const cJSON *inst = found ? found->child : NULL;
    const cJSON *n = resp ? find_by(path_get(resp, "NetworkInterfaceSets", "NetworkInterfaceSet"),
                                    "NetworkInterfaceId", eni)
                          : NULL;
    if (!resp || !iresp)
        read_failed(f, "the ENI and the instance", &e);
    else if (!n)
        sk_findings_add(f, SK_DENY, "state.eni_not_found", "ENI %s does not exist", eni);
    else if (!inst)
        sk_findings_add(f, SK_DENY, "state.instance_not_found", "instance %s does not exist", iid);
    else {
        if (strcmp(sk_str(n, "Status"), "Available") != 0)
            sk_findings_add(f, SK_DENY, "state.eni_not_available",
                            "ENI %s is %s; only an Available ENI can be attached", eni,
                            sk_str(n, "Status"));
        const char *ivpc = sk_str(cJSON_GetObjectItem(inst, "VpcAttributes"), "VpcId");
        if (strcmp(sk_str(n, "VpcId"), ivpc) != 0)
            sk_findings_add(f, SK_DENY, "state.vpc_mismatch",
                            "ENI %s is in %s and instance %s in %s; they must share a VPC", eni,
                            sk_str(n, "VpcId"), iid, ivpc);
        if (strcmp(sk_str(n, "ZoneId"), sk_str(inst, "ZoneId")) != 0)
            sk_findings_add(f, SK_DENY, "state.zone_mismatch",
                            "ENI %s is in zone %s and instance %s in zone %s; they must share a "
                            "zone",
                            eni, sk_str(n, "ZoneId"), iid, sk_str(inst, "ZoneId"));
    }
    cJSON_Delete(resp);
    cJSON_Delete(iresp);
    cJSON_Delete(ids);
    cJSON_Delete(p);
}

/* Room for the new rules in the group (200 rules in all). */
static void sg_rule_room(struct sk_exec *x, const cJSON *args, const struct kb_strs *argn,
                         struct sk_findings *f)
{
    const char *sg = sk_str(args, arg_name(argn, 0, "SecurityGroupId"));
    if (!*sg)
        return;
    const cJSON *perms = cJSON_GetObjectItemCaseSensitive(args, "Permissions");
    int adding = cJSON_IsArray(perms) && cJSON_GetArraySize(perms) ? cJSON_GetArraySize(perms) : 1;
    cJSON *p = region_params(args);
    cJSON_AddStringToObject(p, "SecurityGroupId", sg);
    struct err e;
    err_clear(&e);
    cJSON *resp = NULL;
    const struct kb_limit *lim = kb_limit_find(x->reg->product, "sg_rules_per_group");
    double max = sk_policy_limit(x->reg->policy, "sg_rules_per_group", lim ? lim->value : 200);
    if (sk_read(x, "DescribeSecurityGroupAttribute", p, &resp, &e)) {
        if (x->last.code_str[0] && strstr(x->last.code_str, "NotFound"))
            sk_findings_add(f, SK_DENY, "state.security_group_not_found",
                            "security group %s does not exist", sg);
        else
            read_failed(f, "the security group's rules", &e);
    } else {
        int have = cJSON_GetArraySize(path_get(resp, "Permissions", "Permission"));
        if (have + adding > max)
            sk_findings_add(f, SK_DENY, "limit.sg_rules_per_group",
                            "security group %s has %d rules and this adds %d; %s", sg, have,
                            adding, lim ? lim->text : "");
    }
    cJSON_Delete(resp);
    cJSON_Delete(p);
}

static void image_available(struct sk_exec *x, const cJSON *args, const struct kb_strs *argn,
                            struct sk_findings *f)
{
    const char *id = sk_str(args, arg_name(argn, 0, "ImageId"));
    if (!*id)
        return;
    cJSON *p = region_params(args);
    cJSON_AddStringToObject(p, "ImageId", id);
    cJSON_AddStringToObject(p, "Status", "Creating,Waiting,Available,UnAvailable,CreateFailed");
    struct err e;
    err_clear(&e);
    cJSON *resp = NULL;
    if (sk_read(x, "DescribeImages", p, &resp, &e)) {
        read_failed(f, "the image", &e);
    } else {
        const cJSON *img = find_by(path_get(resp, "Images", "Image"), "ImageId", id);
        if (!img)
            sk_findings_add(f, SK_DENY, "state.image_not_found", "image %s does not exist in %s",
                            id, sk_args_region(args) ? sk_args_region(args) : "this region");
        else if (strcmp(sk_str(img, "Status"), "Available") != 0)
            sk_findings_add(f, SK_DENY, "state.image_not_available",
                            "image %s is %s; it must be Available", id, sk_str(img, "Status"));
    }
    cJSON_Delete(resp);
    cJSON_Delete(p);
}

/* A saved command (InvokeCommand): its content gets the same scan as RunCommand's. */
static void command_saved_content(struct sk_exec *x, const cJSON *args,
                                  const struct kb_strs *argn, struct sk_findings *f)
{
    const char *id = sk_str(args, arg_name(argn, 0, "CommandId"));
    if (!*id)
        return;
    cJSON *p = region_params(args);
    cJSON_AddStringToObject(p, "CommandId", id);
    struct err e;
    err_clear(&e);
    cJSON *resp = NULL;
    if (sk_read(x, "DescribeCommands", p, &resp, &e)) {
        read_failed(f, "the saved command", &e);
    } else {
        const cJSON *cmd = find_by(path_get(resp, "Commands", "Command"), "CommandId", id);
        char *text = NULL;
        size_t n = 0;
        if (!cmd)
            sk_findings_add(f, SK_DENY, "state.command_not_found", "command %s does not exist", id);
        else if (sk_base64_decode(sk_str(cmd, "CommandContent"), &text, &n) == ERR_OK &&
                 utf8_valid(text, n)) {
            cJSON *ids = sk_args_ids(args, arg_name(argn, 1, "InstanceId"));
            sk_scan_content(x->reg->policy, text, (size_t)cJSON_GetArraySize(ids),
                            "the saved command", SK_DENY, f);
            cJSON_Delete(ids);
        }
        free(text);
    }
    cJSON_Delete(resp);
    cJSON_Delete(p);
}

/* The state checks by the id the catalogue uses. To add one: a function and a row. */
static const struct {
    const char *id;
    sk_state_fn fn;
} states[] = {
    {"instances_running", instances_running},
    {"agent_online", agent_online},
    {"instance_stopped", instance_stopped},
    {"instance_exists", instance_exists},
    {"instance_sg_room", instance_sg_room},
    {"disk_instance_stopped", disk_instance_stopped},
    {"disk_grows", disk_grows},
    {"disk_attachable", disk_attachable},
    {"snapshot_group_capacity", snapshot_group_capacity},
    {"eni_attachable", eni_attachable},
    {"sg_rule_room", sg_rule_room},
    {"image_available", image_available},
    {"command_saved_content", command_saved_content},
};

sk_state_fn sk_state_find(const char *id)
{
    for (size_t i = 0; i < ARRAY_LEN(states); i++)
        if (strcmp(states[i].id, id) == 0)
            return states[i].fn;
    return NULL;
}

/* ---- Allow-list by tag ------------------------------------------------------------------------
 * A resource id not on the policy's id list may still be allowed by one of its tags: one read
 * per kind tells. To add a kind: its id prefix, the Describe action, how it takes ids and
 * where the answer lists resources. */
static const struct {
    const char *prefix;
    const char *action;
    const char *param;    /* the ids parameter */
    int json_list;        /* 1: a JSON-array string; 0: the id itself */
    const char *outer, *inner, *id_field;
} kinds[] = {
    {"i-", "DescribeInstances", "InstanceIds", 1, "Instances", "Instance", "InstanceId"},
    {"d-", "DescribeDisks", "DiskIds", 1, "Disks", "Disk", "DiskId"},
    {"sg-", "DescribeSecurityGroups", "SecurityGroupIds", 1, "SecurityGroups", "SecurityGroup",
     "SecurityGroupId"},
    {"s-", "DescribeSnapshots", "SnapshotIds", 1, "Snapshots", "Snapshot", "SnapshotId"},
    {"m-", "DescribeImages", "ImageId", 0, "Images", "Image", "ImageId"},
    {"eni-", "DescribeNetworkInterfaces", "NetworkInterfaceId.1", 0, "NetworkInterfaceSets",
     "NetworkInterfaceSet", "NetworkInterfaceId"},
};

static int tag_allowed(const struct sk_policy *pol, const cJSON *res)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, path_get(res, "Tags", "Tag")) {
        const char *k = sk_str(t, "TagKey"), *v = sk_str(t, "TagValue");
        if (!*k)
            k = sk_str(t, "Key"), v = sk_str(t, "Value");
        for (size_t i = 0; i < pol->ntags; i++)
            if (strcmp(pol->tags[i].key, k) == 0 &&
                (!pol->tags[i].value || strcmp(pol->tags[i].value, v) == 0))
                return 1;
    }
    return 0;
}

void sk_state_allowlist(struct sk_exec *x, const cJSON *args, const cJSON *ids,
                        struct sk_findings *f)
{
    const struct sk_policy *pol = x->reg->policy;
    const cJSON *id;
    cJSON_ArrayForEach(id, ids) {
        const char *s = id->valuestring;
        if (sk_policy_resource_listed(pol, s))
            continue;
        size_t k = 0;
        while (k < ARRAY_LEN(kinds) && strncmp(s, kinds[k].prefix, strlen(kinds[k].prefix)) != 0)
            k++;
        /* "sg-" also starts with "s": kinds lists sg- before s- so the longer prefix wins. */
        int allowed = 0;
        if (k < ARRAY_LEN(kinds) && pol->ntags) {
            cJSON *p = region_params(args);
            if (kinds[k].json_list) {
                char list[160];
                snprintf(list, sizeof list, "[\"%.100s\"]", s);
                cJSON_AddStringToObject(p, kinds[k].param, list);
            } else
                cJSON_AddStringToObject(p, kinds[k].param, s);
            cJSON *resp = NULL;
            struct err e;
            err_clear(&e);
            if (sk_read(x, kinds[k].action, p, &resp, &e) == ERR_OK) {
                const cJSON *res = find_by(path_get(resp, kinds[k].outer, kinds[k].inner),
                                           kinds[k].id_field, s);
                allowed = res && tag_allowed(pol, res);
            }
            cJSON_Delete(resp);
            cJSON_Delete(p);
        }
        if (!allowed)
            sk_findings_add(f, SK_DENY, "policy.resource_not_allowed",
                            "%s is not on the policy's list of resources skilld may change "
                            "(by id or tag)",
                            s);
    }
}
