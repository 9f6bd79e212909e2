/* compose.c - the parts of an answer that come from entities: limit warnings (an entity
 * that collides with a documented limit) and suggested tools with arguments filled from
 * the entities. Layer: router. */
#include "router/rt_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Which entity kind a limit's "entity" field names. To add one: a row. */
static const struct {
    const char *name;
    enum rt_entity_kind kind;
} limit_entities[] = {
    {"size_bytes", RT_ENT_SIZE},          {"size_gib", RT_ENT_SIZE},
    {"size_tib", RT_ENT_SIZE},            {"size", RT_ENT_SIZE},
    {"count_instances", RT_ENT_COUNT_INSTANCES}, {"count_disks", RT_ENT_COUNT_DISKS},
    {"count_accounts", RT_ENT_COUNT_ACCOUNTS},   {"count_regions", RT_ENT_COUNT_REGIONS},
    {"image_format", RT_ENT_IMAGE_FORMAT}, {"port", RT_ENT_PORT},
};

/* A limit's unit in the entity's scale (sizes are in bytes). */
static double unit_scale(const char *unit)
{
    if (strcmp(unit, "GiB") == 0)
        return 1073741824.0;
    if (strcmp(unit, "TiB") == 0)
        return 1099511627776.0;
    return 1.0;
}

static int entity_kind_of(const char *name, enum rt_entity_kind *ret)
{
    for (size_t i = 0; name && i < ARRAY_LEN(limit_entities); i++)
        if (strcmp(limit_entities[i].name, name) == 0) {
            *ret = limit_entities[i].kind;
            return 1;
        }
    return 0;
}

static void fmt_num(char *out, size_t cap, double v, const char *unit)
{
    if (strcmp(unit, "count") == 0)
        unit = "";
    if (v == (double)(long long)v)
        snprintf(out, cap, "%lld%s%s", (long long)v, *unit ? " " : "", unit);
    else
        snprintf(out, cap, "%.2f%s%s", v, *unit ? " " : "", unit);
}

/* How an entity collides with a limit, and the words for it per language. A question asked
 * in Chinese (or mixed) gets the Chinese sentence when the limit has one (kb_limit.text_zh). */
enum why { WHY_ABOVE_MAX, WHY_BELOW_MIN, WHY_EXCEEDS, WHY_NOT_ACCEPTED };
static const struct {
    const char *en, *zh;
} why_words[] = {
    [WHY_ABOVE_MAX] = {"is above the maximum of", "超过上限"},
    [WHY_BELOW_MIN] = {"is below the minimum of", "低于下限"},
    [WHY_EXCEEDS] = {"exceeds the limit of", "超出限制"},
    [WHY_NOT_ACCEPTED] = {"is not an accepted value", "不是允许的取值"},
};

static void warn(struct rt_result *res, const struct kb_limit *l, const struct rt_entity *en,
                 enum why why, const char *lim)
{
    if (res->nwarnings == RT_WARNINGS_MAX)
        return;
    struct rt_warning *w = &res->warnings[res->nwarnings++];
    w->limit = l;
    w->entity = en;
    int zh = (strcmp(res->lang, "zh") == 0 || strcmp(res->lang, "mixed") == 0) && l->text_zh &&
             l->text_zh[0];
    if (zh)
        snprintf(w->text, sizeof w->text, "%s %s%s%s：%s", en->text, why_words[why].zh,
                 lim[0] ? " " : "", lim, l->text_zh);
    else
        snprintf(w->text, sizeof w->text, "%s %s%s%s: %s", en->text, why_words[why].en,
                 lim[0] ? " " : "", lim, l->text);
}

/* Compare one entity with one limit. */
static void check_limit(struct rt_result *res, const struct kb_limit *l,
                        const struct rt_entity *en)
{
    char lim[64];
    if (l->values.n > 0) {
        for (size_t i = 0; i < l->values.n; i++)
            if (strcasecmp(l->values.v[i], en->value) == 0)
                return;
        warn(res, l, en, WHY_NOT_ACCEPTED, "");
        return;
    }
    if (strcmp(l->unit, "count") != 0 && strcmp(l->unit, "bytes") != 0 &&
        strcmp(l->unit, "GiB") != 0 && strcmp(l->unit, "TiB") != 0)
        return;
    double scale = unit_scale(l->unit);
    double v = en->number / scale;
    if (l->has_max) {
        if (v > l->max) {
            fmt_num(lim, sizeof lim, l->max, l->unit);
            warn(res, l, en, WHY_ABOVE_MAX, lim);
        } else if (v < l->value) {
            fmt_num(lim, sizeof lim, l->value, l->unit);
            warn(res, l, en, WHY_BELOW_MIN, lim);
        }
    } else if (v > l->value) {
        fmt_num(lim, sizeof lim, l->value, l->unit);
        warn(res, l, en, WHY_EXCEEDS, lim);
    }
}

/* 1 if limit l is worth a warning on path p: it lists no paths, or lists p. */
static int limit_on_path(const struct kb_limit *l, const struct kb_path *p)
{
    if (l->paths.n == 0)
        return 1;
    for (size_t i = 0; p && i < l->paths.n; i++)
        if (strcmp(l->paths.v[i], p->id) == 0)
            return 1;
    return 0;
}

void rt_compose_warnings(struct rt_result *res)
{
    const struct kb_skill *s = res->skill;
    if (!s)
        return;
    for (size_t i = 0; i < s->nlimits; i++) {
        const struct kb_limit *l = &s->limits[i];
        enum rt_entity_kind k;
        if (!entity_kind_of(l->entity, &k) || !limit_on_path(l, res->path))
            continue;
        for (size_t j = 0; j < res->nentities; j++)
            if (res->entities[j].kind == k)
                check_limit(res, l, &res->entities[j]);
    }
}

/* ---- Tools ------------------------------------------------------------------------- */

enum arg_fmt {
    ARG_STRING,     /* the first entity's value as a JSON string */
    ARG_LIST,       /* every entity of the kind, as a JSON array of strings */
    ARG_PORT_RANGE, /* a port or a range as "from/to" */
    ARG_TCP,        /* "tcp" when a port is present */
};

/* How a tool's arguments are filled. To add an argument: a row (tool, name, kind, format). */
static const struct {
    const char *tool;
    const char *arg;
    enum rt_entity_kind kind;
    enum arg_fmt fmt;
} tool_args[] = {
    {"describe_instances", "InstanceIds", RT_ENT_INSTANCE_ID, ARG_LIST},
    {"start_instance", "InstanceId", RT_ENT_INSTANCE_ID, ARG_STRING},
    {"stop_instance", "InstanceId", RT_ENT_INSTANCE_ID, ARG_STRING},
    {"reboot_instance", "InstanceId", RT_ENT_INSTANCE_ID, ARG_STRING},
    {"modify_instance_spec", "InstanceId", RT_ENT_INSTANCE_ID, ARG_STRING},
    {"describe_security_groups", "SecurityGroupIds", RT_ENT_SG_ID, ARG_LIST},
    {"describe_security_group_rules", "SecurityGroupId", RT_ENT_SG_ID, ARG_STRING},
    {"authorize_security_group", "SecurityGroupId", RT_ENT_SG_ID, ARG_STRING},
    {"authorize_security_group", "IpProtocol", RT_ENT_PORT, ARG_TCP},
    {"authorize_security_group", "PortRange", RT_ENT_PORT, ARG_PORT_RANGE},
    {"authorize_security_group", "SourceCidrIp", RT_ENT_CIDR, ARG_STRING},
    {"revoke_security_group", "SecurityGroupId", RT_ENT_SG_ID, ARG_STRING},
    {"revoke_security_group", "IpProtocol", RT_ENT_PORT, ARG_TCP},
    {"revoke_security_group", "PortRange", RT_ENT_PORT, ARG_PORT_RANGE},
    {"revoke_security_group", "SourceCidrIp", RT_ENT_CIDR, ARG_STRING},
    {"join_security_group", "InstanceId", RT_ENT_INSTANCE_ID, ARG_STRING},
    {"join_security_group", "SecurityGroupId", RT_ENT_SG_ID, ARG_STRING},
    {"leave_security_group", "InstanceId", RT_ENT_INSTANCE_ID, ARG_STRING},
    {"leave_security_group", "SecurityGroupId", RT_ENT_SG_ID, ARG_STRING},
    {"describe_network_interfaces", "NetworkInterfaceIds", RT_ENT_ENI_ID, ARG_LIST},
    {"attach_network_interface", "NetworkInterfaceId", RT_ENT_ENI_ID, ARG_STRING},
    {"attach_network_interface", "InstanceId", RT_ENT_INSTANCE_ID, ARG_STRING},
    {"detach_network_interface", "NetworkInterfaceId", RT_ENT_ENI_ID, ARG_STRING},
    {"detach_network_interface", "InstanceId", RT_ENT_INSTANCE_ID, ARG_STRING},
    {"modify_network_interface", "NetworkInterfaceId", RT_ENT_ENI_ID, ARG_STRING},
    {"describe_cloud_assistant_status", "InstanceIds", RT_ENT_INSTANCE_ID, ARG_LIST},
    {"run_command", "InstanceIds", RT_ENT_INSTANCE_ID, ARG_LIST},
    {"invoke_command", "CommandId", RT_ENT_COMMAND_ID, ARG_STRING},
    {"invoke_command", "InstanceIds", RT_ENT_INSTANCE_ID, ARG_LIST},
    {"describe_invocations", "InvokeId", RT_ENT_INVOCATION_ID, ARG_STRING},
    {"describe_invocation_results", "InvokeId", RT_ENT_INVOCATION_ID, ARG_STRING},
    {"send_file", "InstanceIds", RT_ENT_INSTANCE_ID, ARG_LIST},
    {"describe_images", "ImageId", RT_ENT_IMAGE_ID, ARG_STRING},
    {"create_image", "InstanceId", RT_ENT_INSTANCE_ID, ARG_STRING},
    {"create_image", "SnapshotId", RT_ENT_SNAPSHOT_ID, ARG_STRING},
    {"copy_image", "ImageId", RT_ENT_IMAGE_ID, ARG_STRING},
    {"share_image", "ImageId", RT_ENT_IMAGE_ID, ARG_STRING},
    {"delete_image", "ImageId", RT_ENT_IMAGE_ID, ARG_STRING},
    {"describe_disks", "DiskIds", RT_ENT_DISK_ID, ARG_LIST},
    {"describe_disks", "InstanceId", RT_ENT_INSTANCE_ID, ARG_STRING},
    {"resize_disk", "DiskId", RT_ENT_DISK_ID, ARG_STRING},
    {"reset_disk", "DiskId", RT_ENT_DISK_ID, ARG_STRING},
    {"reset_disk", "SnapshotId", RT_ENT_SNAPSHOT_ID, ARG_STRING},
    {"describe_snapshots", "DiskId", RT_ENT_DISK_ID, ARG_STRING},
    {"create_snapshot", "DiskId", RT_ENT_DISK_ID, ARG_STRING},
    {"create_snapshot_group", "InstanceId", RT_ENT_INSTANCE_ID, ARG_STRING},
    {"apply_auto_snapshot_policy", "AutoSnapshotPolicyId", RT_ENT_POLICY_ID, ARG_STRING},
    {"apply_auto_snapshot_policy", "DiskIds", RT_ENT_DISK_ID, ARG_LIST},
};

/* The ECS operation behind each tool, so an API name in the query picks its tool. */
static const struct {
    const char *tool;
    const char *api;
} tool_apis[] = {
    {"describe_instances", "DescribeInstances"}, {"start_instance", "StartInstance"},
    {"stop_instance", "StopInstance"}, {"reboot_instance", "RebootInstance"},
    {"modify_instance_spec", "ModifyInstanceSpec"},
    {"describe_security_groups", "DescribeSecurityGroups"},
    {"describe_security_group_rules", "DescribeSecurityGroupAttribute"},
    {"create_security_group", "CreateSecurityGroup"},
    {"authorize_security_group", "AuthorizeSecurityGroup"},
    {"revoke_security_group", "RevokeSecurityGroup"},
    {"join_security_group", "JoinSecurityGroup"}, {"leave_security_group", "LeaveSecurityGroup"},
    {"describe_network_interfaces", "DescribeNetworkInterfaces"},
    {"create_network_interface", "CreateNetworkInterface"},
    {"attach_network_interface", "AttachNetworkInterface"},
    {"detach_network_interface", "DetachNetworkInterface"},
    {"modify_network_interface", "ModifyNetworkInterfaceAttribute"},
    {"describe_cloud_assistant_status", "DescribeCloudAssistantStatus"},
    {"run_command", "RunCommand"}, {"invoke_command", "InvokeCommand"},
    {"describe_invocations", "DescribeInvocations"},
    {"describe_invocation_results", "DescribeInvocationResults"}, {"send_file", "SendFile"},
    {"describe_images", "DescribeImages"}, {"create_image", "CreateImage"},
    {"copy_image", "CopyImage"}, {"share_image", "ModifyImageSharePermission"},
    {"import_image", "ImportImage"}, {"delete_image", "DeleteImage"},
    {"describe_disks", "DescribeDisks"}, {"resize_disk", "ResizeDisk"},
    {"reset_disk", "ResetDisk"}, {"describe_snapshots", "DescribeSnapshots"},
    {"create_snapshot", "CreateSnapshot"}, {"create_snapshot_group", "CreateSnapshotGroup"},
    {"create_auto_snapshot_policy", "CreateAutoSnapshotPolicy"},
    {"apply_auto_snapshot_policy", "ApplyAutoSnapshotPolicy"},
};

static const struct rt_entity *first_of(const struct rt_result *res, enum rt_entity_kind k)
{
    for (size_t i = 0; i < res->nentities; i++)
        if (res->entities[i].kind == k)
            return &res->entities[i];
    return NULL;
}

/* Fill the arguments of tool t from the entities; returns how many were filled. */
static size_t fill_tool(const struct rt_result *res, struct rt_tool *t)
{
    t->nargs = 0;
    for (size_t r = 0; r < ARRAY_LEN(tool_args) && t->nargs < RT_TOOL_ARGS_MAX; r++) {
        if (strcmp(tool_args[r].tool, t->name) != 0)
            continue;
        char *out = t->arg_values[t->nargs];
        const struct rt_entity *en = first_of(res, tool_args[r].kind);
        if (tool_args[r].fmt == ARG_PORT_RANGE || tool_args[r].fmt == ARG_TCP) {
            if (!en)
                en = first_of(res, RT_ENT_PORT_RANGE);
        }
        if (!en)
            continue;
        switch (tool_args[r].fmt) {
        case ARG_STRING:
        case ARG_PORT_RANGE:
            snprintf(out, RT_ARG_MAX, "\"%s\"", en->value);
            break;
        case ARG_TCP:
            snprintf(out, RT_ARG_MAX, "\"tcp\"");
            break;
        case ARG_LIST: {
            size_t o = 0;
            out[o++] = '[';
            for (size_t i = 0; i < res->nentities; i++) {
                if (res->entities[i].kind != tool_args[r].kind)
                    continue;
                int n = snprintf(out + o, RT_ARG_MAX - o, "%s\"%s\"", o > 1 ? "," : "",
                                 res->entities[i].value);
                if (n < 0 || (size_t)n >= RT_ARG_MAX - o - 1)
                    break;
                o += (size_t)n;
            }
            out[o++] = ']';
            out[o] = '\0';
            break;
        }
        }
        t->arg_names[t->nargs++] = tool_args[r].arg;
    }
    /* A region entity fills RegionId for every tool. */
    const struct rt_entity *reg = first_of(res, RT_ENT_REGION);
    if (reg && t->nargs < RT_TOOL_ARGS_MAX) {
        snprintf(t->arg_values[t->nargs], RT_ARG_MAX, "\"%s\"", reg->value);
        t->arg_names[t->nargs++] = "RegionId";
    }
    return t->nargs;
}

static int api_named(const struct rt_result *res, const char *tool)
{
    for (size_t i = 0; i < ARRAY_LEN(tool_apis); i++) {
        if (strcmp(tool_apis[i].tool, tool) != 0)
            continue;
        for (size_t j = 0; j < res->nentities; j++)
            if (res->entities[j].kind == RT_ENT_API &&
                strcmp(res->entities[j].value, tool_apis[i].api) == 0)
                return 1;
    }
    return 0;
}

void rt_compose_tools(struct rt_result *res)
{
    if (!res->path)
        return;
    const struct kb_strs *names = &res->path->tools;
    if (names->n == 0)
        names = &res->skill->tools;
    /* Rank: named by an API entity first, then by filled arguments; stable otherwise. */
    struct rt_tool cand[32];
    int rank[32];
    size_t n = 0;
    for (size_t i = 0; i < names->n && n < ARRAY_LEN(cand); i++) {
        if (strcmp(names->v[i], "route") == 0 || strcmp(names->v[i], "get_skill") == 0)
            continue;
        memset(&cand[n], 0, sizeof cand[n]);
        cand[n].name = names->v[i];
        size_t filled = fill_tool(res, &cand[n]);
        rank[n] = api_named(res, names->v[i]) * 100 + (int)filled;
        n++;
    }
    for (size_t k = 0; k < RT_TOOLS_MAX && n > 0; k++) {
        size_t best = 0;
        for (size_t i = 1; i < n; i++)
            if (rank[i] > rank[best])
                best = i;
        if (rank[best] < 0)
            break;
        res->tools[res->ntools++] = cand[best];
        rank[best] = -1;
    }
}
