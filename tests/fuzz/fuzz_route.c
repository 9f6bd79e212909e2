/* fuzz_route.c - fuzz target: any bytes as a POST /api/route body (and, when short enough,
 * as a raw query to the router), over the embedded knowledge. Oracle: no crash, the answer is
 * always one JSON object, with a status from the documented set. Layer: tests. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knowledge/kb.h"
#include "router/router.h"
#include "server/app/app.h"

static struct app app;
static int loaded;

static void fini(void)
{
    route_app_release(&app);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!loaded) {
        cJSON_Hooks hooks = {.malloc_fn = xmalloc, .free_fn = xfree};
        cJSON_InitHooks(&hooks);
        struct err e = {0};
        if (route_app_load(&app, NULL, &e) != ERR_OK) {
            fprintf(stderr, "knowledge: %s\n", e.msg);
            abort();
        }
        loaded = 1;
        atexit(fini);
    }
    int status = 0;
    char *json = NULL;
    route_api_handle(&app, "POST", NULL, NULL, (const char *)data, size, "application/json",
                     &status, &json);
    cJSON *o = json ? cJSON_Parse(json) : NULL;
    if (!cJSON_IsObject(o) ||
        (status != 200 && status != 400 && status != 404 && status != 413 && status != 415)) {
        fprintf(stderr, "bad answer %d: %.200s\n", status, json ? json : "(null)");
        abort();
    }
    cJSON_Delete(o);
    free(json);
    if (size <= RT_QUERY_MAX) {
        struct rt_result *res = xmalloc(sizeof *res);
        struct err e = {0};
        if (rt_route(app.router, "ecs", (const char *)data, size, res, &e) == ERR_OK) {
            cJSON *r = rt_result_json(res);
            char *text = rt_result_text(res);
            cJSON_Delete(r);
            free(text);
        }
        free(res);
    }
    return 0;
}
