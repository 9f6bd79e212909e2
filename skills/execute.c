/* execute.c - the Cloud Assistant tools (ecs-execute-instances): run a command, invoke a saved
 * one, send a file, and read invocations. A run waits, when asked, until every instance has
 * finished, reporting progress and stopping early when the caller cancels. Layer: skills. */
#include "skills/sk_int.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define POLL_MS 1000 /* between two reads of an invocation */

/* Invocation states after which nothing changes on an instance. */
static const char *const terminal[] = {"Success", "Failed",     "Error",   "Timeout",
                                       "Cancelled", "Terminated", "Aborted", "Invalid",
                                       "Stopped", "Finished", "PartialFailed"};

static int is_terminal(const char *s)
{
    for (size_t i = 0; i < ARRAY_LEN(terminal); i++)
        if (strcmp(terminal[i], s) == 0)
            return 1;
    return 0;
}

/* Sleep ms in small steps; 1 if the caller cancelled meanwhile. */
static int nap(struct sk_exec *x, unsigned ms)
{
    for (unsigned slept = 0; slept < ms; slept += 100) {
        if (x->hooks->cancelled && x->hooks->cancelled(x->hooks->ctx))
            return 1;
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return x->hooks->cancelled && x->hooks->cancelled(x->hooks->ctx);
}

/* Per-instance results of an invocation, outputs decoded (and cut at SK_OUTPUT_MAX). */
static cJSON *summarise(const cJSON *resp, size_t *ret_done, size_t *ret_total)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(resp, "Invocation"), "InvocationResults"),
        "InvocationResult");
    cJSON *out = cJSON_CreateArray();
    size_t done = 0, total = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, list) {
        total++;
        const char *st = sk_str(r, "InvocationStatus");
        if (!*st)
            st = sk_str(r, "InvokeRecordStatus");
        done += is_terminal(st);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "InstanceId", sk_str(r, "InstanceId"));
        cJSON_AddStringToObject(o, "InvocationStatus", st);
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(r, "ExitCode");
        if (cJSON_IsNumber(code))
            cJSON_AddNumberToObject(o, "ExitCode", code->valuedouble);
        char *text = NULL;
        size_t n = 0;
        if (*sk_str(r, "Output") && sk_base64_decode(sk_str(r, "Output"), &text, &n) == ERR_OK) {
            while (n > SK_OUTPUT_MAX || (n && !utf8_valid(text, n)))
                text[--n] = '\0';
            cJSON_AddStringToObject(o, "Output", text);
        }
        free(text);
        if (*sk_str(r, "ErrorCode"))
            cJSON_AddStringToObject(o, "ErrorCode", sk_str(r, "ErrorCode"));
        if (*sk_str(r, "ErrorInfo"))
            cJSON_AddStringToObject(o, "ErrorInfo", sk_str(r, "ErrorInfo"));
        cJSON_AddItemToArray(out, o);
    }
    *ret_done = done;
    *ret_total = total;
    return out;
}

/* Run the tool's action (RunCommand, InvokeCommand or SendFile), then, unless wait is false,
 * read its results until every instance has finished or SK_WAIT_MAX_S passed. */
static err_code run_and_wait(struct sk_exec *x, const cJSON *args, cJSON **ret, struct err *e)
{
    err_code rc = sk_api_call(x, args, ret, e);
    const cJSON *wait = cJSON_GetObjectItemCaseSensitive(args, "wait");
    if (rc || cJSON_IsFalse(wait))
        return rc;
    const char *invoke = sk_str(*ret, "InvokeId");
    if (!*invoke)
        return ERR_OK;
    char request_id[sizeof x->last.request_id];
    memcpy(request_id, x->last.request_id, sizeof request_id);
    cJSON *p = cJSON_CreateObject();
    const char *region = sk_args_region(args);
    if (region)
        cJSON_AddStringToObject(p, "RegionId", region);
    cJSON_AddStringToObject(p, "InvokeId", invoke);
    cJSON_AddNumberToObject(p, "PageSize", 50);
    int is_file = strcmp(x->action, "SendFile") == 0;
    uint64_t deadline = now_ns() + (uint64_t)SK_WAIT_MAX_S * 1000000000ull;
    cJSON *instances = NULL;
    size_t done = 0, total = 0;
    if (x->hooks->log) {
        char line[160];
        snprintf(line, sizeof line, "%s %.64s started; waiting up to %d s for it to finish",
                 x->action, invoke, SK_WAIT_MAX_S);
        x->hooks->log(x->hooks->ctx, 1, line);
    }
    while (!rc) {
        cJSON *resp = NULL;
        struct err re;
        err_clear(&re);
        if (is_file) {
            /* SendFile answers per instance through DescribeSendFileResults. */
            rc = sk_read(x, "DescribeSendFileResults", p, &resp, &re);
            const cJSON *inv = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(resp, "Invocations"), "Invocation");
            const cJSON *first = cJSON_IsArray(inv) ? inv->child : NULL;
            cJSON *shaped = cJSON_CreateObject();
            cJSON *in = cJSON_AddObjectToObject(shaped, "Invocation");
            cJSON *rs = cJSON_AddObjectToObject(in, "InvocationResults");
            const cJSON *list = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(first, "InvokeInstances"), "InvokeInstance");
            cJSON_AddItemToObject(rs, "InvocationResult", cJSON_Duplicate(list, 1));
            cJSON_Delete(resp);
            resp = shaped;
        } else {
            rc = sk_read(x, "DescribeInvocationResults", p, &resp, &re);
        }
        if (rc) {
            err_set(e, rc, "%s", re.msg);
            cJSON_Delete(resp);
            break;
        }
        cJSON_Delete(instances);
        instances = summarise(resp, &done, &total);
        cJSON_Delete(resp);
        /* Until the first results name the instances, the total is unknown. */
        if (x->hooks->progress)
            x->hooks->progress(x->hooks->ctx, (double)done, total ? (double)total : -1,
                               "instances finished");
        if (total && done == total)
            break;
        if (now_ns() > deadline)
            break;
        if (nap(x, POLL_MS))
            rc = ERR_CANCELLED;
    }
    cJSON_Delete(p);
    memcpy(x->last.request_id, request_id, sizeof request_id);
    if (!rc && x->hooks->log) {
        char line[160];
        snprintf(line, sizeof line, "%.64s: %zu of %zu instances finished%s", invoke, done, total,
                 total && done == total ? "" : " (stopped waiting)");
        x->hooks->log(x->hooks->ctx, total && done == total ? 1 : 2, line);
    }
    if (rc) {
        cJSON_Delete(instances);
        return rc;
    }
    cJSON_AddBoolToObject(*ret, "Finished", total && done == total);
    cJSON_AddItemToObject(*ret, "Instances", instances ? instances : cJSON_CreateArray());
    return ERR_OK;
}

const struct sk_handler sk_handlers_execute[] = {
    {"ecs_run_command", run_and_wait, NULL},
    {"ecs_invoke_command", run_and_wait, NULL},
    {"ecs_send_file", run_and_wait, NULL},
    {"ecs_create_command", NULL, NULL},
    {"ecs_describe_commands", NULL, NULL},
    {"ecs_delete_command", NULL, NULL},
    {"ecs_describe_invocations", NULL, NULL},
    {"ecs_describe_invocation_results", NULL, NULL},
    {"ecs_stop_invocation", NULL, NULL},
    {"ecs_describe_send_file_results", NULL, NULL},
    {"ecs_describe_cloud_assistant_status", NULL, NULL},
    {"ecs_install_cloud_assistant", NULL, NULL},
    {NULL, NULL, NULL},
};
