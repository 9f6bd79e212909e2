/* sim_test.c - test helper (tests layer): the simulator's operations called without HTTP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/cloud_sim/sim_test.h"

struct sim_state *sim_test_fresh(void)
{
    struct sim_state *st = NULL;
    struct err e = {0};
    assert_int_equal(sim_state_new(sim_demo_region_json, sim_demo_region_json_len, "demo", TR, &st, &e),
                     ERR_OK);
    return st;
}

cJSON *sim_test_call(struct sim_state *st, const char *action, const char *form, uint64_t now,
                     int *ret_status)
{
    struct sim_params p;
    sim_params_init(&p);
    assert_int_equal(sim_params_parse_form(&p, form, strlen(form)), ERR_OK);
    const char *version = "2014-05-26";
    char name[128];
    snprintf(name, sizeof name, "%s", action);
    char *at = strchr(name, '@');
    if (at) {
        *at = '\0';
        version = "2016-04-28";
    }
    struct sim_reply r;
    sim_state_call(st, name, version, &p, "ecs.cn-hangzhou.aliyuncs.com", now, &r);
    sim_params_release(&p);
    assert_non_null(r.body);
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(r.body, "RequestId")));
    if (ret_status)
        *ret_status = r.status;
    return r.body;
}

const char *sim_test_code(const cJSON *body)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(body, "Code");
    return cJSON_IsString(c) ? c->valuestring : "OK";
}

cJSON *sim_test_expect(struct sim_state *st, const char *action, const char *form, uint64_t now,
                       const char *code)
{
    int status = 0;
    cJSON *b = sim_test_call(st, action, form, now, &status);
    if (strcmp(sim_test_code(b), code) != 0)
        fail_msg("%s %s: want %s, got %s (%s)", action, form, code, sim_test_code(b),
                 cJSON_IsString(cJSON_GetObjectItemCaseSensitive(b, "Message"))
                     ? cJSON_GetObjectItemCaseSensitive(b, "Message")->valuestring : "");
    assert_int_equal(status == 200, strcmp(code, "OK") == 0);
    return b;
}

const cJSON *sim_test_at(const cJSON *body, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *cur = body;
    for (char *part = buf, *dot; part && cur; part = dot ? dot + 1 : NULL) {
        dot = strchr(part, '.');
        if (dot)
            *dot = '\0';
        long idx = 0;
        if (cJSON_IsArray(cur) && parse_long(part, 0, 100000, &idx) == ERR_OK)
            cur = cJSON_GetArrayItem(cur, (int)idx);
        else
            cur = cJSON_GetObjectItemCaseSensitive(cur, part);
    }
    return cur;
}

const char *sim_test_str(const cJSON *body, const char *path)
{
    const cJSON *v = sim_test_at(body, path);
    return cJSON_IsString(v) ? v->valuestring : "";
}
