/* actions.c - what the client must know per action: read or write, whether it takes a
 * ClientToken, and how it names its region parameter (notes ecs-api.md §3.8, §5.7). Layer: cloud.
 * Each fact is a table; to teach the client a new action, add it to the tables it belongs to. */
#include "cloud/cloud.h"
#include "cloud/internal.h"

#include <string.h>

/* Name prefixes of actions that only read. Every other action is a write: it is retried only
 * when it carries a ClientToken. */
static const char *const read_prefixes[] = {"Describe", "List", "Get"};

/* Actions that accept a ClientToken (notes §3.8 and §8 fact 7); cloud_call adds one. */
static const char *const client_token_actions[] = {
    "RunInstances",          "DeleteInstances",           "ModifyInstanceSpec",
    "CreateSecurityGroup",   "AuthorizeSecurityGroup",    "RevokeSecurityGroup",
    "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupEgress",
    "CreateNetworkInterface", "AssignIpv6Addresses",
    "RunCommand",            "InvokeCommand",             "CreateCommand",
    "SendFile",              "CreateImage",               "CopyImage",
    "ImportImage",           "CreateSnapshot",            "CreateSnapshotGroup",
    "CreateDisk",            "ResizeDisk",
};

/* Actions whose region parameter is not "RegionId" (notes §3.1, §3.2, §5.7): region NULL means
 * the action has none and the endpoint alone selects the region. */
static const struct {
    const char *action;
    const char *region; /* parameter name, or NULL */
} region_exceptions[] = {
    {"StartInstance", NULL},          {"StopInstance", NULL},
    {"RebootInstance", NULL},         {"DeleteInstance", NULL},
    {"ModifyInstanceAttribute", NULL}, {"ModifyInstanceSpec", NULL},
    {"DescribeRegions", NULL},        {"DescribeInstanceTypes", NULL},
    {"DescribeInstanceMonitorData", NULL},
    {"CreateSnapshot", NULL},         {"DeleteSnapshot", NULL},
    {"ResetDisk", NULL},              {"ResizeDisk", NULL},
    {"AttachDisk", NULL},             {"DetachDisk", NULL},
    {"ModifyDiskSpec", NULL},         {"DeleteDisk", NULL},
    {"CreateAutoSnapshotPolicy", "regionId"}, {"ApplyAutoSnapshotPolicy", "regionId"},
    {"CancelAutoSnapshotPolicy", "regionId"}, {"DeleteAutoSnapshotPolicy", "regionId"},
};

int cloud_action_is_read(const char *action)
{
    for (size_t i = 0; i < ARRAY_LEN(read_prefixes); i++) {
        size_t n = strlen(read_prefixes[i]);
        if (strncmp(action, read_prefixes[i], n) == 0 && action[n] >= 'A' && action[n] <= 'Z')
            return 1;
    }
    return 0;
}

int cloud_action_takes_client_token(const char *action)
{
    for (size_t i = 0; i < ARRAY_LEN(client_token_actions); i++)
        if (strcmp(action, client_token_actions[i]) == 0)
            return 1;
    return 0;
}

const char *cloud_action_region_param(const char *action)
{
    for (size_t i = 0; i < ARRAY_LEN(region_exceptions); i++)
        if (strcmp(action, region_exceptions[i].action) == 0)
            return region_exceptions[i].region;
    return "RegionId";
}
