/* fuzz_sim.c - fuzz target: the simulator's transport-free core. Input: an action name, a
 * newline, then a form body (a=b&c=d) parsed as the simulator parses requests, run against
 * the demo region. Oracle: no crash, and every reply is a JSON object carrying a RequestId with
 * an HTTP status in 200..599. Layer: tests. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/sim/sim_int.h"

static struct sim_state *state;

static void fini(void)
{
    sim_state_free(state);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!state) {
        cJSON_Hooks hooks = {.malloc_fn = xmalloc, .free_fn = xfree};
        cJSON_InitHooks(&hooks);
        struct err e = {0};
        if (sim_state_new(sim_demo_region_json, sim_demo_region_json_len, "demo region", 10,
                          &state, &e) != ERR_OK) {
            fprintf(stderr, "demo region: %s\n", e.msg);
            abort();
        }
        atexit(fini);
    }
    const char *nl = memchr(data, '\n', size);
    size_t alen = nl ? (size_t)(nl - (const char *)data) : size;
    if (alen == 0 || alen > 64)
        return 0;
    char action[65];
    memcpy(action, data, alen);
    action[alen] = '\0';
    if (strlen(action) != alen)
        return 0;
    struct sim_params p;
    sim_params_init(&p);
    const char *form = nl ? nl + 1 : "";
    size_t flen = nl ? size - alen - 1 : 0;
    if (sim_params_parse_form(&p, form, flen) == ERR_OK) {
        struct sim_reply r = {0};
        /* Alternate the two products by the first byte of the form. */
        const char *version = flen && (form[0] & 1) ? "2016-04-28" : "2014-05-26";
        sim_state_call(state, action, version, &p, "ecs.cn-hangzhou.aliyuncs.com",
                       1700000000000ull + (uint64_t)size, &r);
        if (!cJSON_IsObject(r.body) || !cJSON_GetObjectItemCaseSensitive(r.body, "RequestId") ||
            r.status < 200 || r.status > 599) {
            fprintf(stderr, "bad reply %d for %s\n", r.status, action);
            abort();
        }
        cJSON_Delete(r.body);
    }
    sim_params_release(&p);
    return 0;
}
