/* images.c - the custom image tools (ecs-manage-images): each calls its own API action; the
 * guardrails check names, formats, sizes, accounts and regions per call, and sharing
 * posture. Layer: skills. */
#include "skills/sk_int.h"

const struct sk_handler sk_handlers_images[] = {
    {"ecs_describe_images", NULL, NULL},
    {"ecs_create_image", NULL, NULL},
    {"ecs_copy_image", NULL, NULL},
    {"ecs_modify_image_share_permission", NULL, NULL},
    {"ecs_describe_image_share_permission", NULL, NULL},
    {"ecs_import_image", NULL, NULL},
    {"ecs_export_image", NULL, NULL},
    {"ecs_delete_image", NULL, NULL},
    {NULL, NULL, NULL},
};
