/* Unit tests for knowledge/: loading a folder into the model, lookups by id (skills, paths,
 * limits, catalogue tools), the embedded copy, and the checker's problems on a deliberately
 * broken folder (one broken catalogue row per rule). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "knowledge/kb.h"

static const char *good_dir = TEST_DATA "/good";
static const char *bad_dir = TEST_DATA "/bad";

static void test_load_folder_of_products(void **state)
{
    (void)state;
    struct kb *kb = NULL;
    struct err e;
    err_clear(&e);
    assert_int_equal(kb_load_dir(good_dir, &kb, &e), ERR_OK);
    assert_int_equal(kb_product_count(kb), 1);
    const struct kb_product *p = kb_product_find(kb, "ecs");
    assert_non_null(p);
    assert_null(kb_product_find(kb, "rds"));
    assert_int_equal(p->nskills, 4);
    /* Skills are sorted by id. */
    assert_string_equal(p->skills[0].id, "ecs-configure-instance");
    const struct kb_skill *s = kb_skill_find(p, "ecs-manage-images");
    assert_non_null(s);
    assert_int_equal(s->npaths, 3);
    assert_string_equal(s->default_path->id, "console");
    assert_non_null(kb_path_find(s, "troubleshoot"));
    assert_null(kb_path_find(s, "nope"));
    assert_int_equal(p->nsyns, 4);
    assert_int_equal(p->noos, 2);
    kb_free(kb);
}

static void test_load_one_product_folder(void **state)
{
    (void)state;
    struct kb *kb = NULL;
    struct err e;
    err_clear(&e);
    char *dir = xasprintf("%s/ecs/", good_dir);
    assert_int_equal(kb_load_dir(dir, &kb, &e), ERR_OK);
    assert_non_null(kb_product_find(kb, "ecs"));
    free(dir);
    kb_free(kb);
}

static void test_limits_by_id(void **state)
{
    (void)state;
    struct kb *kb = NULL;
    struct err e;
    err_clear(&e);
    assert_int_equal(kb_load_dir(good_dir, &kb, &e), ERR_OK);
    const struct kb_product *p = kb_product_find(kb, "ecs");
    const struct kb_limit *l = kb_limit_find(p, "image_system_disk");
    assert_non_null(l);
    assert_true(l->has_max);
    assert_true(l->value == 40 && l->max == 500);
    assert_string_equal(l->unit, "GiB");
    assert_string_equal(l->skill_id, "ecs-manage-images");
    l = kb_limit_find(p, "image_import_formats");
    assert_non_null(l);
    assert_int_equal(l->values.n, 3);
    assert_string_equal(l->entity, "image_format");
    l = kb_limit_find(p, "invoke_instances");
    assert_true(l->value == 50 && !l->has_max);
    assert_null(kb_limit_find(p, "no_such_limit"));
    /* A limit scoped to paths lists them; an unscoped one lists none. */
    l = kb_limit_find(p, "image_share_accounts");
    assert_non_null(l);
    assert_int_equal(l->paths.n, 1);
    assert_string_equal(l->paths.v[0], "api");
    assert_int_equal(kb_limit_find(p, "image_system_disk")->paths.n, 0);
    /* The judgement lists of _product.json. */
    assert_int_equal(p->other_clouds.n, 3);
    assert_int_equal(p->injection.n, 2);
    assert_string_equal(p->requests.v[0], "translate");
    assert_string_equal(p->failure_paths.v[0], "troubleshoot");
    assert_string_equal(p->programmatic_paths.v[0], "api");
    assert_true(p->migration.n > 0 && p->failure.n > 0 && p->how_to.n > 0);
    kb_free(kb);
}

static void test_load_errors(void **state)
{
    (void)state;
    struct kb *kb = NULL;
    struct err e;
    err_clear(&e);
    assert_int_equal(kb_load_dir(bad_dir, &kb, &e), ERR_PARSE);
    assert_null(kb);
    assert_non_null(strstr(e.msg, "problem"));
    err_clear(&e);
    assert_int_equal(kb_load_dir(TEST_DATA "/missing", &kb, &e), ERR_IO);
    kb_free(NULL);
}

static void test_check_good_folder(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out, 0);
    size_t n = 99;
    assert_int_equal(kb_check(good_dir, &out, &n), ERR_OK);
    /* The test folder has 4 of the 9 labelled skills: the 5 others are reported. */
    assert_int_equal(n, 5);
    assert_non_null(strstr(out.data, "\"ecs-launch-instance\" of LABELS.md has no file"));
    buf_release(&out);
}

static void test_check_reports_each_problem(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out, 0);
    size_t n = 0;
    assert_int_equal(kb_check(bad_dir, &out, &n), ERR_OK);
    const char *want[] = {
        "ecs/ecs-manage-recovery.json: byte",         /* not valid JSON */
        "ecs/ecs-manage-images.json: id: must equal the file name",
        "unknown tool \"drop_database\"",
        "(console): unreachable: 1 cue(s), need 3",
        "duplicate limit id \"command_content_size\"",
        "\"y\" is also in groups[0]",
        "paths names \"no-such-path\", not a path of this skill",
        "scheduling_paths[0]: \"ecs-execute-instances/no-such-path\" is not a skill-id/path-id",
        "scheduling_paths[1]: \"no-slash\" is not a skill-id/path-id",
        "steps_zh (api): 3 item(s), but steps has 2", /* Chinese texts match item for item */
        /* route and get_skill are the server's own tools, not catalogue entries */
        "paths[0].tools[1]: unknown tool \"get_skill\"",
        /* one broken catalogue row per rule, each named by file, tool and field */
        "_tools.json: tools[7] (ecs_results_of_run): name: must be "
        "\"ecs_describe_invocation_results\"",
        "_tools.json: tools[8] (ecs_describe_invocations): name: duplicate of tools[2]",
        "tools[9] (ecs_describe_commands): skill: \"ecs-no-such-skill\" is not a skill",
        "tools[10] (ecs_describe_send_file_results).effect: unknown value \"dangerous\"",
        "tools[11] (ecs_delete_command): annotations.destructiveHint: must be true",
        "tools[12] (ecs_create_command): limits[0].limit: \"no_such_limit\" is not a limit",
        "tools[13] (ecs_stop_invocation).limits[0].measure: unknown value \"bytes\"",
        "tools[14] (ecs_send_file): limits[0] (command_content_size): measure \"items\" cannot be "
        "compared with a limit in \"bytes\"",
        "tools[14] (ecs_send_file): limits[1] (invoke_instances): arg \"NoSuchArg\" names no property",
        "tools[15] (ecs_describe_cloud_assistant_status).route.fill.InvokeId.from: unknown value "
        "\"favourite_colour\"",
        "tools[16] (ecs_describe_regions).route.fill.InvokeId.as: unknown value \"csv\"",
        "tools[17] (ecs_describe_zones): route.fill.NoSuchArg: names no property",
        "tools[17] (ecs_describe_zones): checks[0]: \"vibe_check\" is not a static check",
        "tools[17] (ecs_describe_zones): checks[1]: \"agent_online\" is not a static check (it is a "
        "state check",
        "tools[17] (ecs_describe_zones): state[0] (instances_running): args: \"Nope\" names no "
        "property",
        "tools[17] (ecs_describe_zones): secret: \"Hidden\" names no property",
        "tools[18] (ecs_describe_key_pairs): inputSchema.additionalProperties: must be false",
        "tools[18] (ecs_describe_key_pairs): inputSchema.required: \"Ghost\" is not a property",
        "tools[18] (ecs_describe_key_pairs): inputSchema.required: the region is optional",
        "tools[18] (ecs_describe_key_pairs): inputSchema.properties: \"ClientToken\" is managed by "
        "skilld",
        "tools[19] (ecs_install_cloud_assistant): route.cues: a tool that changes something needs cues",
        "tools[20] (ecs_describe_disks): unknown key \"destructive_When\"",
        "tools[21] (ecs_explain_everything): api.calls: a composite tool lists the actions it calls",
        "tools[22] (ecs_describe_instance_status): route.fill.InvokeId: as \"list\" cannot fill a "
        "property of type \"string\"",
        "(ecs_delete_command): skill: no path of ecs-execute-instances lists the tool",
    };
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        if (!strstr(out.data, want[i]))
            fail_msg("missing problem '%s' in:\n%s", want[i], out.data);
    }
    assert_true(n >= ARRAY_LEN(want));
    buf_release(&out);
}

static void test_tool_catalogue(void **state)
{
    (void)state;
    struct kb *kb = NULL;
    struct err e;
    err_clear(&e);
    assert_int_equal(kb_load_dir(good_dir, &kb, &e), ERR_OK);
    const struct kb_product *p = kb_product_find(kb, "ecs");
    assert_int_equal(p->ntools, 12);
    assert_null(kb_tool_find(p, "route"));
    assert_null(kb_tool_find(p, "authorize_security_group"));
    assert_null(kb_tool_find(p, NULL));

    /* Every field of an entry is typed. */
    const struct kb_tool *t = kb_tool_find(p, "ecs_authorize_security_group");
    assert_non_null(t);
    assert_ptr_equal(kb_tool_by_action(p, "AuthorizeSecurityGroup"), t);
    assert_string_equal(t->skill_id, "ecs-configure-instance");
    assert_string_equal(t->product, "ecs");
    assert_int_equal(t->effect, KB_EFFECT_WRITE);
    assert_true(t->client_token && !t->dry_run);
    assert_true(!t->read_only_hint && !t->destructive_hint && t->idempotent_hint &&
                t->open_world_hint);
    assert_non_null(t->input_schema);
    assert_non_null(strstr(t->input_schema_text, "\"additionalProperties\":false"));
    assert_int_equal(t->checks.n, 2);
    assert_string_equal(t->checks.v[0], "ingress_posture");
    assert_int_equal(t->nstate, 1);
    assert_string_equal(t->state[0].check, "sg_rule_room");
    assert_int_equal(t->state[0].args.n, 2);
    assert_true(t->cues.n > 0);
    int port = 0;
    for (size_t i = 0; i < t->nfill; i++)
        if (strcmp(t->fill[i].arg.text, "Permissions[].PortRange") == 0) {
            assert_string_equal(t->fill[i].arg.name, "Permissions");
            assert_string_equal(t->fill[i].arg.field, "PortRange");
            assert_false(t->fill[i].arg.first_only);
            assert_int_equal(t->fill[i].from, KB_SRC_PORT_RANGE);
            assert_int_equal(t->fill[i].as, KB_AS_PORT_RANGE);
            port = 1;
        }
    assert_true(port);

    /* Limits resolve to the skill files' limits; wire modes are typed. */
    t = kb_tool_find(p, "ecs_run_command");
    assert_int_equal(t->nlimits, 2);
    assert_ptr_equal(t->limits[0].limit, kb_limit_find(p, "invoke_instances"));
    assert_string_equal(t->limits[0].arg.name, "InstanceId");
    assert_int_equal(t->limits[0].measure, KB_MEASURE_ITEMS);
    assert_int_equal(t->limits[1].measure, KB_MEASURE_BASE64_BYTES);
    assert_int_equal(t->nwire, 2);
    assert_string_equal(t->wire[0].arg, "Parameters");
    assert_int_equal(t->wire[0].mode, KB_WIRE_JSON);
    assert_int_equal(t->wire[1].mode, KB_WIRE_LOCAL);
    t = kb_tool_find(p, "ecs_import_image");
    assert_string_equal(t->limits[1].arg.text, "DiskDeviceMapping[0].DiskImageSize");
    assert_true(t->limits[1].arg.first_only);
    assert_int_equal(t->limits[0].measure, KB_MEASURE_ENUM);

    /* A path's tool names point at their entries. */
    const struct kb_path *api = kb_path_find(kb_skill_find(p, "ecs-execute-instances"), "api");
    assert_ptr_equal(api->tool_entries[0], kb_tool_find(p, "ecs_invoke_command"));

    /* The vocabularies. */
    assert_string_equal(kb_source_name(KB_SRC_SNAPSHOT_POLICY_ID), "snapshot_policy_id");
    assert_string_equal(kb_source_name(KB_SRC__COUNT), "");
    assert_string_equal(kb_measure_name(KB_MEASURE_DECODED_BYTES), "decoded_bytes");
    assert_string_equal(kb_fill_as_name(KB_AS_JSON_LIST), "json_list");
    assert_string_equal(kb_wire_name(KB_WIRE_ENDPOINT), "endpoint");
    assert_string_equal(kb_effect_name(KB_EFFECT_DESTRUCTIVE), "destructive");
    assert_int_equal(kb_check_kind("ingress_posture"), 1);
    assert_int_equal(kb_check_kind("disk_grows"), 2);
    assert_int_equal(kb_check_kind("vibe_check"), 0);
    kb_free(kb);
}

static void test_embedded_matches_tree(void **state)
{
    (void)state;
    struct kb *kb = NULL;
    struct err e;
    err_clear(&e);
    err_code rc = kb_load_embedded(&kb, &e);
    /* Either nothing was embedded yet, or the embedded copy loads like the tree does. */
    if (rc == ERR_NOT_FOUND) {
        assert_null(kb);
        return;
    }
    if (rc != ERR_OK)
        fail_msg("embedded knowledge does not load: %s", e.msg);
    const struct kb_product *p = kb_product_find(kb, "ecs");
    assert_non_null(p);
    /* The real catalogue: every path's tool is an entry, every entry's limits resolve. */
    assert_true(p->ntools >= 80);
    for (size_t s = 0; s < p->nskills; s++)
        for (size_t k = 0; k < p->skills[s].npaths; k++)
            for (size_t i = 0; i < p->skills[s].paths[k].tools.n; i++)
                if (!p->skills[s].paths[k].tool_entries[i])
                    fail_msg("%s/%s: %s is not in the catalogue", p->skills[s].id,
                             p->skills[s].paths[k].id, p->skills[s].paths[k].tools.v[i]);
    for (size_t i = 0; i < p->ntools; i++)
        for (size_t k = 0; k < p->tools[i].nlimits; k++)
            assert_non_null(p->tools[i].limits[k].limit);
    const struct kb_tool *t = kb_tool_find(p, "ecs_reset_disk");
    assert_non_null(t);
    assert_int_equal(t->effect, KB_EFFECT_DESTRUCTIVE);
    assert_int_equal(t->nwire, 1);
    assert_int_equal(t->wire[0].mode, KB_WIRE_ENDPOINT);
    t = kb_tool_find(p, "ecs_stop_instance");
    assert_int_equal(t->ndestructive_when, 1);
    assert_string_equal(t->destructive_when[0].arg, "ForceStop");
    assert_string_equal(t->destructive_when[0].value, "true");
    t = kb_tool_find(p, "ecs_run_os_fix");
    assert_null(t->action);
    assert_true(t->nfixes >= 4 && t->calls.n >= 1);
    t = kb_tool_find(p, "ecs_create_auto_snapshot_policy");
    assert_int_equal(t->limits[0].nexcept, 1);
    assert_true(t->limits[0].except[0] == -1);
    kb_free(kb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_folder_of_products),
        cmocka_unit_test(test_load_one_product_folder),
        cmocka_unit_test(test_limits_by_id),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_check_good_folder),
        cmocka_unit_test(test_check_reports_each_problem),
        cmocka_unit_test(test_tool_catalogue),
        cmocka_unit_test(test_embedded_matches_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
