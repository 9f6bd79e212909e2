/* Unit tests for router/skillpack.c: every skill of the product's own (embedded) knowledge as
 * an Agent Skill. The YAML frontmatter reads back as exactly the JSON frontmatter, names and
 * descriptions follow the Agent Skills rules, SKILL.md links every reference file, the
 * Chinese file is Chinese, and the same knowledge gives the same bytes. Layer: tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knowledge/kb.h"
#include "router/router.h"

static struct kb *kb;

static int setup(void **state)
{
    (void)state;
    struct err e;
    err_clear(&e);
    return kb_load_embedded(&kb, &e) == ERR_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    kb_free(kb);
    return 0;
}

/* Read the frontmatter block of a SKILL.md the way its writer promises it is shaped
 * ("key: <JSON string>" lines, "key:" opening a two-space-indented map). */
static cJSON *read_frontmatter(const char *md)
{
    assert_true(strncmp(md, "---\n", 4) == 0);
    const char *end = strstr(md + 4, "\n---\n");
    assert_non_null(end);
    cJSON *root = cJSON_CreateObject(), *cur = root;
    for (const char *line = md + 4; line < end + 1;) {
        const char *nl = strchr(line, '\n');
        char *l = xstrndup(line, (size_t)(nl - line));
        int nested = strncmp(l, "  ", 2) == 0;
        if (!nested)
            cur = root;
        char *colon = strchr(l, ':');
        assert_non_null(colon);
        *colon = '\0';
        const char *key = l + (nested ? 2 : 0);
        if (!colon[1]) {
            cur = cJSON_AddObjectToObject(root, key);
        } else {
            assert_int_equal(colon[1], ' ');
            cJSON *v = cJSON_Parse(colon + 2);
            assert_true(cJSON_IsString(v));
            cJSON_AddItemToObject(cur, key, v);
        }
        free(l);
        line = nl + 1;
    }
    return root;
}

static int name_ok(const char *n)
{
    size_t len = strlen(n);
    if (len == 0 || len > 64 || n[0] == '-' || n[len - 1] == '-' || strstr(n, "--"))
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= '0' && n[i] <= '9') || n[i] == '-'))
            return 0;
    return 1;
}

static void test_every_skill(void **state)
{
    (void)state;
    const struct kb_product *p = kb_product_find(kb, "ecs");
    assert_non_null(p);
    assert_true(p->nskills >= 9);
    for (size_t i = 0; i < p->nskills; i++) {
        const struct kb_skill *s = &p->skills[i];
        struct rt_skill_file f[RT_SKILL_FILES_MAX], g[RT_SKILL_FILES_MAX];
        size_t n = rt_skill_files(p, s, f);
        assert_int_equal(n, 6);
        assert_string_equal(f[0].path, "SKILL.md");
        cJSON *fm = rt_skill_frontmatter(p, s);
        cJSON *yaml = read_frontmatter(f[0].text);
        assert_true(cJSON_Compare(fm, yaml, 1));
        const char *name = cJSON_GetObjectItemCaseSensitive(fm, "name")->valuestring;
        const char *desc = cJSON_GetObjectItemCaseSensitive(fm, "description")->valuestring;
        assert_string_equal(name, s->id);
        assert_true(name_ok(name));
        assert_true(desc[0] && strlen(desc) <= 1024);
        for (size_t k = 0; k < n; k++) {
            assert_true(utf8_valid(f[k].text, strlen(f[k].text)));
            assert_string_equal(f[k].mime_type, "text/markdown");
            if (k) { /* SKILL.md links every reference file */
                char *link = xasprintf("](%s)", f[k].path);
                assert_non_null(strstr(f[0].text, link));
                free(link);
            }
        }
        assert_string_equal(f[5].path, "references/zh.md");
        if (s->title_zh[0])
            assert_non_null(strstr(f[5].text, s->title_zh));
        /* The same knowledge gives the same bytes (digests stay put across runs). */
        assert_int_equal(rt_skill_files(p, s, g), n);
        for (size_t k = 0; k < n; k++)
            assert_string_equal(f[k].text, g[k].text);
        rt_skill_files_free(f, n);
        rt_skill_files_free(g, n);
        cJSON_Delete(fm);
        cJSON_Delete(yaml);
    }
}

int main(void)
{
    cJSON_Hooks hooks = {.malloc_fn = xmalloc, .free_fn = xfree};
    cJSON_InitHooks(&hooks);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_skill),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
