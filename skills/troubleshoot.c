/* troubleshoot.c - the documented OS fixes (ecs-troubleshoot-issues) as planned Cloud
 * Assistant runs: ecs_run_os_fix expands to RunCommand with the fix's script from the
 * catalogue, so the plan, the command checks and the Running/agent checks all see exactly
 * what will run. Layer: skills. */
#include "skills/sk_int.h"

#include <stdio.h>
#include <string.h>

static err_code expand_fix(const struct sk_tool *t, const cJSON *args, const char **ret_action,
                           cJSON **ret_args, struct err *e)
{
    *ret_args = NULL;
    const cJSON *fix = cJSON_GetObjectItemCaseSensitive(args, "Fix");
    const struct kb_tool_fix *f = NULL;
    for (size_t i = 0; cJSON_IsString(fix) && i < t->entry->nfixes; i++)
        if (strcmp(t->entry->fixes[i].id, fix->valuestring) == 0)
            f = &t->entry->fixes[i];
    if (!f)
        return err_set(e, ERR_INVALID, "Fix must name one of the documented fixes");
    cJSON *out = cJSON_CreateObject();
    for (const cJSON *a = args->child; a; a = a->next)
        if (strcmp(a->string, "Fix") != 0)
            cJSON_AddItemToObject(out, a->string, cJSON_Duplicate(a, 1));
    cJSON_AddStringToObject(out, "CommandContent", f->script);
    cJSON_AddStringToObject(out, "Type", f->command_type);
    char name[128];
    snprintf(name, sizeof name, "skilld-fix-%.100s", f->id);
    cJSON_AddStringToObject(out, "Name", name);
    *ret_action = "RunCommand";
    *ret_args = out;
    return ERR_OK;
}

const struct sk_handler sk_handlers_troubleshoot[] = {
    {"ecs_run_os_fix", NULL, expand_fix},
    {NULL, NULL, NULL},
};
