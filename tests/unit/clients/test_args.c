/* Unit tests for clients/skillctl/args.c: NAME=VALUE words typed by an inputSchema. The cases
 * are data (args_cases.jsonl): a schema, the words, optional --args, and the JSON wanted or the
 * error message expected (a substring). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clients/skillctl/skillctl.h"

volatile sig_atomic_t skc_interrupted = 0;

#define LINE_MAX_BYTES 65536

static int run_case(const cJSON *c, int lineno)
{
    const char *name = cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring;
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(c, "schema");
    const cJSON *words = cJSON_GetObjectItemCaseSensitive(c, "words");
    const cJSON *base = cJSON_GetObjectItemCaseSensitive(c, "args");
    const cJSON *want = cJSON_GetObjectItemCaseSensitive(c, "want");
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(c, "error");
    size_t n = (size_t)cJSON_GetArraySize(words);
    char **w = calloc(n + 1, sizeof *w);
    for (size_t i = 0; i < n; i++)
        w[i] = cJSON_GetArrayItem(words, (int)i)->valuestring;
    struct err e;
    err_clear(&e);
    cJSON *got = NULL;
    err_code rc = skc_args_build(cJSON_IsNull(schema) ? NULL : schema,
                                 cJSON_IsString(base) ? base->valuestring : NULL, w, n, &got, &e);
    free(w);
    int ok = 1;
    if (error) {
        if (rc == ERR_OK || !strstr(e.msg, error->valuestring)) {
            char *g = got ? cJSON_PrintUnformatted(got) : NULL;
            fprintf(stderr, "line %d (%s): want error '%s', got rc %d '%s' %s\n", lineno, name,
                    error->valuestring, rc, e.msg, g ? g : "");
            free(g);
            ok = 0;
        }
        if (rc != ERR_OK && got) {
            fprintf(stderr, "line %d (%s): a result came with an error\n", lineno, name);
            ok = 0;
        }
    } else if (rc != ERR_OK || !cJSON_Compare(got, want, 1)) {
        char *g = got ? cJSON_PrintUnformatted(got) : NULL;
        char *wt = cJSON_PrintUnformatted(want);
        fprintf(stderr, "line %d (%s): want %s, got %s (%s)\n", lineno, name, wt, g ? g : "null",
                e.msg);
        free(g);
        free(wt);
        ok = 0;
    }
    cJSON_Delete(got);
    return ok;
}

static void test_cases(void **state)
{
    (void)state;
    FILE *f = fopen(CASES_DIR "/args_cases.jsonl", "r");
    assert_non_null(f);
    char *line = malloc(LINE_MAX_BYTES);
    int lineno = 0, failed = 0, count = 0;
    while (fgets(line, LINE_MAX_BYTES, f)) {
        lineno++;
        if (line[0] == '\n' || line[0] == '#')
            continue;
        cJSON *c = cJSON_Parse(line);
        assert_non_null(c);
        failed += !run_case(c, lineno);
        count++;
        cJSON_Delete(c);
    }
    free(line);
    fclose(f);
    assert_true(count >= 40);
    assert_int_equal(failed, 0);
}

/* Words that are not valid UTF-8, and too many words, are refused before anything is built. */
static void test_bounds(void **state)
{
    (void)state;
    struct err e;
    err_clear(&e);
    cJSON *got = NULL;
    char bad[] = "Name=\xff\xfe";
    char *w[] = {bad};
    assert_int_equal(skc_args_build(NULL, NULL, w, 1, &got, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "not valid UTF-8"));
    assert_null(got);
    err_clear(&e);
    char **many = calloc(SKC_ARGS_MAX + 1, sizeof *many);
    for (size_t i = 0; i <= SKC_ARGS_MAX; i++)
        many[i] = "A=1";
    assert_int_equal(skc_args_build(NULL, NULL, many, SKC_ARGS_MAX + 1, &got, &e), ERR_TOO_BIG);
    free(many);
    assert_null(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
