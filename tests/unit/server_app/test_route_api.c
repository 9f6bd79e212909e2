/* Unit tests for server/app/route_api.c: /api/route through route_api_handle, transport-free:
 * a routed answer for GET and POST, and each error status (400, 413, 404, 415). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "server/app/app.h"
#include <cjson/cJSON.h>

static struct app app;

static int setup(void **state)
{
    (void)state;
    struct err e;
    err_clear(&e);
    return route_app_load(&app, TEST_DATA "/good", &e) == ERR_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    route_app_release(&app);
    return 0;
}

/* POST body with content type; returns the status and the parsed answer (caller deletes). */
static int post(const char *body, const char *ct, cJSON **ret)
{
    int status = 0;
    char *json = NULL;
    route_api_handle(&app, "POST", NULL, NULL, body, strlen(body), ct, &status, &json);
    assert_non_null(json);
    *ret = cJSON_Parse(json);
    assert_non_null(*ret);
    free(json);
    return status;
}

static void expect_error(int status, cJSON *o, int want, const char *needle)
{
    assert_int_equal(status, want);
    const cJSON *er = cJSON_GetObjectItemCaseSensitive(o, "error");
    assert_true(cJSON_IsObject(er));
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(er, "code")));
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(er, "message");
    if (!strstr(msg->valuestring, needle))
        fail_msg("message '%s' lacks '%s'", msg->valuestring, needle);
    cJSON_Delete(o);
}

/* POST and expect an error status whose message contains needle. */
static void check(const char *body, const char *ct, int want, const char *needle)
{
    cJSON *o = NULL;
    int st = post(body, ct, &o);
    expect_error(st, o, want, needle);
}

static void test_post_routes(void **state)
{
    (void)state;
    cJSON *o;
    int st = post("{\"query\":\"open port 22 in my security group\"}", "application/json", &o);
    assert_int_equal(st, 200);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "product")->valuestring, "ecs");
    const cJSON *skill = cJSON_GetObjectItemCaseSensitive(o, "skill");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(skill, "id")->valuestring,
                        "ecs-configure-instance");
    cJSON_Delete(o);
    /* What `curl -d '{"query":...}'` sends. */
    st = post("{\"query\":\"open port 22 in my security group\"}",
              "application/x-www-form-urlencoded", &o);
    assert_int_equal(st, 200);
    cJSON_Delete(o);
    st = post("{\"query\":\"你好\",\"product\":\"ecs\"}", "application/json; charset=utf-8", &o);
    assert_int_equal(st, 200);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "skill")));
    cJSON_Delete(o);
}

static void test_get_routes(void **state)
{
    (void)state;
    int status = 0;
    char *json = NULL;
    route_api_handle(&app, "GET", "roll back a disk to a snapshot", NULL, "", 0, NULL, &status,
                     &json);
    assert_int_equal(status, 200);
    assert_non_null(strstr(json, "ecs-manage-recovery"));
    free(json);
    /* Tool arguments are plain JSON values filled from the entities by the catalogue's
     * route.fill, under the API's own names: the rule goes in Permissions[0]. */
    route_api_handle(&app, "GET", "open port 443 on sg-bp1abc000000000001", NULL, "", 0, NULL,
                     &status, &json);
    assert_int_equal(status, 200);
    cJSON *o = cJSON_Parse(json);
    free(json);
    const cJSON *tool = NULL, *tools = cJSON_GetObjectItemCaseSensitive(o, "tools");
    cJSON_ArrayForEach(tool, tools)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(tool, "name");
        if (strcmp(name->valuestring, "ecs_authorize_security_group") != 0)
            continue;
        const cJSON *args = cJSON_GetObjectItemCaseSensitive(tool, "arguments");
        const cJSON *perms = cJSON_GetObjectItemCaseSensitive(args, "Permissions");
        const cJSON *sg = cJSON_GetObjectItemCaseSensitive(args, "SecurityGroupId");
        assert_true(cJSON_IsArray(perms) && cJSON_GetArraySize(perms) == 1 && cJSON_IsString(sg));
        const cJSON *pr = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(perms, 0), "PortRange");
        assert_true(cJSON_IsString(pr));
        assert_string_equal(pr->valuestring, "443/443");
        assert_string_equal(sg->valuestring, "sg-bp1abc000000000001");
        break;
    }
    assert_non_null(tool);
    cJSON_Delete(o);
    route_api_handle(&app, "GET", NULL, "ecs", "", 0, NULL, &status, &json);
    expect_error(status, cJSON_Parse(json), 400, "'q'");
    free(json);
}

static void test_errors(void **state)
{
    (void)state;
    check("{}", "application/json", 400, "missing field 'query'");
    check("{\"query\":\"\"}", "application/json", 400, "empty");
    check("{\"query\":\"  \"}", "application/json", 400, "empty");
    check("{\"query\":5}", "application/json", 400, "must be a string");
    check("{\"query\":\"x\",\"product\":7}", "application/json", 400,
                 "'product'");
    check("[1,2]", "application/json", 400, "object");
    check("{\"query\":", "application/json", 400, "not valid JSON");
    check("query=hello", "application/x-www-form-urlencoded", 415, "JSON");
    check("query=hello", NULL, 415, "JSON");
    check("<q>hello</q>", "text/xml", 415, "JSON");
    /* curl -d sends JSON labelled as a form: a body that parses as JSON is JSON. */
    check("{\"query\":\"\"}", "application/x-www-form-urlencoded", 400, "empty");
    check("{\"query\":\"\"}", NULL, 400, "empty");
    check("{\"query\":\"disk\",\"product\":\"rds\"}", "application/json", 404,
          "known products: ecs");
    /* 413: a query over 4 KB. */
    size_t n = 5000;
    char *body = xmalloc(n + 32);
    memcpy(body, "{\"query\":\"", 10);
    memset(body + 10, 'a', n);
    memcpy(body + 10 + n, "\"}", 3);
    check(body, "application/json", 413, "limit");
    free(body);
}

static void page(const char *url, int want, const char *ctype_prefix, const char *needle)
{
    int status = 0;
    const char *ctype = NULL;
    char *body = NULL;
    route_page_handle(&app, url, &status, &ctype, &body);
    assert_int_equal(status, want);
    assert_non_null(body);
    assert_int_equal(strncmp(ctype, ctype_prefix, strlen(ctype_prefix)), 0);
    assert_non_null(strstr(body, needle));
    free(body);
}

static void test_skill_pages(void **state)
{
    (void)state;
    page("/skills/ecs/", 200, "text/markdown", "/skills/ecs/ecs-manage-images");
    page("/skills/ecs/ecs-manage-images", 200, "text/markdown", "# ");
    page("/skills/ecs/ecs-manage-images.json", 200, "application/json",
         "\"id\":\"ecs-manage-images\"");
    page("/skills/ecs/limits.json", 200, "application/json", "image_share_accounts");
    page("/skills/ecs/nope", 404, "application/json", "known skills");
    page("/skills/rds/", 404, "application/json", "not_found");
    page("/skills/ecs/a/b", 404, "application/json", "not_found");
    page("/skills/", 404, "application/json", "not_found");
}

int main(void)
{
    cJSON_Hooks hooks = {.malloc_fn = xmalloc, .free_fn = xfree};
    cJSON_InitHooks(&hooks);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_post_routes),
        cmocka_unit_test(test_get_routes),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_skill_pages),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
