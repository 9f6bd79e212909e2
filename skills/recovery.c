/* recovery.c - snapshots, snapshot-consistent groups, automatic snapshot policies and roll
 * back (ecs-manage-recovery): each calls its own API action; roll back needs a Stopped
 * instance and a confirmation in every mode. Layer: skills. */
#include "skills/sk_int.h"

const struct sk_handler sk_handlers_recovery[] = {
    {"ecs_describe_snapshots", NULL, NULL},
    {"ecs_create_snapshot", NULL, NULL},
    {"ecs_delete_snapshot", NULL, NULL},
    {"ecs_create_snapshot_group", NULL, NULL},
    {"ecs_describe_snapshot_groups", NULL, NULL},
    {"ecs_delete_snapshot_group", NULL, NULL},
    {"ecs_create_auto_snapshot_policy", NULL, NULL},
    {"ecs_apply_auto_snapshot_policy", NULL, NULL},
    {"ecs_cancel_auto_snapshot_policy", NULL, NULL},
    {"ecs_describe_auto_snapshot_policy_ex", NULL, NULL},
    {"ecs_delete_auto_snapshot_policy", NULL, NULL},
    {"ecs_reset_disk", NULL, NULL},
    {NULL, NULL, NULL},
};
