/* monitor.c - health, scheduled events and metrics (ecs-monitor-instance): reads only.
 * Layer: skills. */
#include "skills/sk_int.h"

const struct sk_handler sk_handlers_monitor[] = {
    {"ecs_describe_instances_full_status", NULL, NULL},
    {"ecs_describe_instance_history_events", NULL, NULL},
    {"ecs_describe_instance_monitor_data", NULL, NULL},
    {NULL, NULL, NULL},
};
