/* storage.c - block storage (ecs-manage-storage): disks created, attached, detached, grown
 * (never shrunk), re-levelled and deleted. Layer: skills. */
#include "skills/sk_int.h"

const struct sk_handler sk_handlers_storage[] = {
    {"ecs_describe_disks", NULL, NULL},
    {"ecs_create_disk", NULL, NULL},
    {"ecs_attach_disk", NULL, NULL},
    {"ecs_detach_disk", NULL, NULL},
    {"ecs_resize_disk", NULL, NULL},
    {"ecs_modify_disk_spec", NULL, NULL},
    {"ecs_delete_disk", NULL, NULL},
    {NULL, NULL, NULL},
};
