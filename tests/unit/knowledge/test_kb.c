/* Unit tests for knowledge/: loading a folder into the model, lookups by id (skills, paths,
 * limits), the embedded copy, and the checker's problems on a deliberately broken folder. */
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
    assert_true(kb_tool_known("authorize_security_group"));
    assert_true(kb_tool_known("route"));
    assert_false(kb_tool_known("drop_database"));
    assert_false(kb_tool_known(NULL));
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
    assert_non_null(kb_product_find(kb, "ecs"));
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
