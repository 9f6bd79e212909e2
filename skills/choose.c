/* choose.c - instance types (ecs-choose-instance): list them, change an instance's type.
 * Layer: skills. */
#include "skills/sk_int.h"

const struct sk_handler sk_handlers_choose[] = {
    {"ecs_modify_instance_spec", NULL, NULL},
    {"ecs_describe_instance_types", NULL, NULL},
    {NULL, NULL, NULL},
};
