/* Unit tests for cloud/params.c and cloud/actions.c: flattening parameters the three ways the
 * ECS API expects, the builder's limits, and the read / ClientToken tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "cloud/cloud.h"

/* All parameters as "a=1&b=2" in insertion order, for compact comparisons. */
static void joined(const cloud_params *p, char *out, size_t cap)
{
    size_t n, off = 0;
    const struct cloud_kv *kv = cloud_params_items(p, &n);
    out[0] = '\0';
    for (size_t i = 0; i < n && off < cap; i++)
        off += (size_t)snprintf(out + off, cap - off, "%s%s=%s", i ? "&" : "", kv[i].name,
                                kv[i].value);
}

static void test_lists_and_fields(void **state)
{
    (void)state;
    cloud_params *p = cloud_params_new();
    const char *ids[] = {"i-1", "i-2", "i-3"};
    assert_int_equal(cloud_params_add(p, "RegionId", "cn-hangzhou"), ERR_OK);
    assert_int_equal(cloud_params_add_list(p, "InstanceId", ids, 3), ERR_OK);
    assert_int_equal(cloud_params_add_field(p, "Tag", 1, "Key", "env"), ERR_OK);
    assert_int_equal(cloud_params_add_field(p, "Tag", 1, "Value", "prod"), ERR_OK);
    assert_int_equal(cloud_params_add_field(p, "Tag", 0, "Key", "x"), ERR_INVALID);
    char s[1024];
    joined(p, s, sizeof s);
    assert_string_equal(s,
                        "RegionId=cn-hangzhou&InstanceId.1=i-1&InstanceId.2=i-2&InstanceId.3=i-3&"
                        "Tag.1.Key=env&Tag.1.Value=prod");
    assert_string_equal(cloud_params_get(p, "InstanceId.2"), "i-2");
    assert_null(cloud_params_get(p, "InstanceId.4"));
    /* Duplicates and bad names are refused. */
    assert_int_equal(cloud_params_add(p, "RegionId", "x"), ERR_INVALID);
    assert_int_equal(cloud_params_add(p, "", "x"), ERR_INVALID);
    assert_int_equal(cloud_params_add(p, "a b", "x"), ERR_INVALID);
    assert_int_equal(cloud_params_add(p, "a=b", "x"), ERR_INVALID);
    assert_int_equal(cloud_params_add(p, "a", NULL), ERR_INVALID);
    cloud_params_free(p);
    cloud_params_free(NULL);
}

static void test_json_and_flat(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *json;
        int flat; /* 1: cloud_params_add_flat, 0: cloud_params_add_json */
        const char *want;
    } cases[] = {
        {"InstanceIds", "[\"i-abc\",\"i-def\"]", 0, "InstanceIds=[\"i-abc\",\"i-def\"]"},
        {"Parameters", "{\"name\":\"Jack\",\"n\":2}", 0, "Parameters={\"name\":\"Jack\",\"n\":2}"},
        {"DiskIds", "[]", 0, "DiskIds=[]"},
        {"InstanceId", "[\"i-1\",\"i-2\"]", 1, "InstanceId.1=i-1&InstanceId.2=i-2"},
        {"Tag", "[{\"Key\":\"k\",\"Value\":\"v\"},{\"Key\":\"k2\"}]", 1,
         "Tag.1.Key=k&Tag.1.Value=v&Tag.2.Key=k2"},
        {"SystemDisk", "{\"Category\":\"cloud_essd\",\"Size\":40}", 1,
         "SystemDisk.Category=cloud_essd&SystemDisk.Size=40"},
        {"Permissions", "[{\"PortRange\":\"-1/-1\",\"Priority\":1,\"Ipv6\":false}]", 1,
         "Permissions.1.PortRange=-1/-1&Permissions.1.Priority=1&Permissions.1.Ipv6=false"},
        {"DryRun", "true", 1, "DryRun=true"},
        {"Amount", "-3", 1, "Amount=-3"},
        {"Ratio", "0.5", 1, "Ratio=0.5"},
        {"Big", "12345678901", 1, "Big=12345678901"},
        {"Skip", "{\"A\":null,\"B\":\"b\"}", 1, "Skip.B=b"},
        {"DataDisk", "[{\"Size\":20,\"Tags\":[{\"Key\":\"a\"}]}]", 1,
         "DataDisk.1.Size=20&DataDisk.1.Tags.1.Key=a"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cloud_params *p = cloud_params_new();
        cJSON *j = cJSON_Parse(cases[i].json);
        assert_non_null(j);
        err_code rc = cases[i].flat ? cloud_params_add_flat(p, cases[i].name, j)
                                    : cloud_params_add_json(p, cases[i].name, j);
        assert_int_equal(rc, ERR_OK);
        char s[1024];
        joined(p, s, sizeof s);
        print_message("case %s -> %s\n", cases[i].name, s);
        assert_string_equal(s, cases[i].want);
        cJSON_Delete(j);
        cloud_params_free(p);
    }
    /* A key that is not a valid parameter name is refused, not sent. */
    cloud_params *p = cloud_params_new();
    cJSON *j = cJSON_Parse("{\"a b\":1}");
    assert_int_equal(cloud_params_add_flat(p, "X", j), ERR_INVALID);
    cJSON_Delete(j);
    cloud_params_free(p);
}

static void test_limits(void **state)
{
    (void)state;
    cloud_params *p = cloud_params_new();
    char name[32];
    for (int i = 0; i < CLOUD_MAX_PARAMS; i++) {
        snprintf(name, sizeof name, "P%d", i);
        assert_int_equal(cloud_params_add(p, name, "v"), ERR_OK);
    }
    assert_int_equal(cloud_params_add(p, "OneMore", "v"), ERR_TOO_BIG);
    size_t n;
    cloud_params_items(p, &n);
    assert_int_equal(n, CLOUD_MAX_PARAMS);
    cloud_params_free(p);

    p = cloud_params_new();
    char long_name[CLOUD_MAX_PARAM_NAME + 2];
    memset(long_name, 'A', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_int_equal(cloud_params_add(p, long_name, "v"), ERR_TOO_BIG);
    static char big[CLOUD_MAX_PARAM_VALUE + 2];
    memset(big, 'v', sizeof big - 1);
    assert_int_equal(cloud_params_add(p, "V", big), ERR_TOO_BIG);
    /* Deep nesting stops at the name limit instead of recursing without bound. */
    struct buf deep;
    buf_init(&deep, 0);
    for (int i = 0; i < 200; i++)
        buf_puts(&deep, "[");
    for (int i = 0; i < 200; i++)
        buf_puts(&deep, "]");
    cJSON *j = cJSON_Parse(deep.data);
    assert_non_null(j);
    assert_int_equal(cloud_params_add_flat(p, "D", j), ERR_TOO_BIG);
    cJSON_Delete(j);
    buf_release(&deep);
    cloud_params_free(p);
}

static void test_action_tables(void **state)
{
    (void)state;
    static const struct {
        const char *action;
        int read, token;
    } cases[] = {
        {"DescribeInstances", 1, 0}, {"ListTagResources", 1, 0}, {"GetInstanceScreenshot", 1, 0},
        {"RunInstances", 0, 1},      {"DeleteInstances", 0, 1},  {"DeleteInstance", 0, 0},
        {"StartInstance", 0, 0},     {"CreateSnapshot", 0, 1},   {"AuthorizeSecurityGroup", 0, 1},
        {"Describe", 0, 0},          {"Describer", 0, 0},        {"Listen", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        print_message("action %s\n", cases[i].action);
        assert_int_equal(cloud_action_is_read(cases[i].action), cases[i].read);
        assert_int_equal(cloud_action_takes_client_token(cases[i].action), cases[i].token);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lists_and_fields),
        cmocka_unit_test(test_json_and_flat),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_action_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
