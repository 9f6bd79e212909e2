/* Unit tests for clients/skillctl/render.c and show.c: Markdown for the terminal (cases in
 * md_cases.jsonl: source, width, colour, the exact text wanted), cleaning and widths, and what
 * skillctl prints for a routed question, the tool list, ECS envelopes and plain results. */
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

static const struct skc_style plain = {.color = 0, .width = 0};

/* Show the bytes of a mismatch readably. */
static void dump(const char *label, const char *s)
{
    fprintf(stderr, "%s: \"", label);
    for (; *s; s++) {
        if (*s == '\n')
            fputs("\\n", stderr);
        else if (*s == '\x1b')
            fputs("\\e", stderr);
        else
            fputc(*s, stderr);
    }
    fputs("\"\n", stderr);
}

static void test_md_cases(void **state)
{
    (void)state;
    FILE *f = fopen(CASES_DIR "/md_cases.jsonl", "r");
    assert_non_null(f);
    char *line = malloc(LINE_MAX_BYTES);
    int lineno = 0, failed = 0, count = 0;
    while (fgets(line, LINE_MAX_BYTES, f)) {
        lineno++;
        cJSON *c = cJSON_Parse(line);
        assert_non_null(c);
        const char *md = cJSON_GetObjectItemCaseSensitive(c, "md")->valuestring;
        const char *want = cJSON_GetObjectItemCaseSensitive(c, "want")->valuestring;
        struct skc_style st = {
            .color = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "color")),
            .width = cJSON_GetObjectItemCaseSensitive(c, "width")->valueint,
        };
        struct buf out;
        buf_init(&out, 0);
        skc_md_render(&out, md, strlen(md), &st);
        const char *got = out.data ? out.data : "";
        if (strcmp(got, want) != 0) {
            fprintf(stderr, "line %d (%s):\n", lineno,
                    cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring);
            dump("  want", want);
            dump("  got ", got);
            failed++;
        }
        if (!utf8_valid(got, strlen(got))) {
            fprintf(stderr, "line %d: output is not valid UTF-8\n", lineno);
            failed++;
        }
        count++;
        buf_release(&out);
        cJSON_Delete(c);
    }
    free(line);
    fclose(f);
    assert_true(count >= 30);
    assert_int_equal(failed, 0);
}

static void test_clean_and_width(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    /* Invalid bytes become U+FFFD; an overlong NUL and a truncated sequence too. */
    static const char bad[] = "ok\xff-\xc0\x80-\xe4\xb8";
    skc_text_clean(&b, bad, sizeof bad - 1);
    assert_string_equal(b.data, "ok\xEF\xBF\xBD-\xEF\xBF\xBD\xEF\xBF\xBD-\xEF\xBF\xBD\xEF\xBF\xBD");
    assert_true(utf8_valid(b.data, b.len));
    buf_reset(&b);
    static const char controls[] = "tab\tand\nnewline\x7f\x01";
    skc_text_clean(&b, controls, sizeof controls - 1);
    assert_string_equal(b.data, "tab\tand\nnewline");
    buf_release(&b);

    assert_int_equal(skc_display_width("abc", 3), 3);
    assert_int_equal(skc_display_width("实例", 6), 4);
    assert_int_equal(skc_display_width("\x1b[0;1mab\x1b[0m", 12), 2);
    assert_int_equal(skc_display_width("e\xcc\x81", 3), 1);    /* e + combining acute */
    assert_int_equal(skc_display_width("\xef\xbc\xa1", 3), 2); /* fullwidth A */
}

static cJSON *parse(const char *json)
{
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    return j;
}

static char *render_route(const char *json, const struct skc_style *st)
{
    cJSON *j = parse(json);
    struct buf b;
    buf_init(&b, 0);
    skc_route_render(&b, j, st);
    cJSON_Delete(j);
    return buf_steal(&b, NULL);
}

static void test_route(void **state)
{
    (void)state;
    char *out = render_route(
        "{\"product\":\"ecs\",\"skill\":{\"id\":\"ecs-manage-images\",\"title\":\"Manage custom "
        "images\"},\"path\":{\"id\":\"api\",\"title\":\"Use the API\"},\"confidence\":0.873,"
        "\"answer\":\"## Steps\\n\\n1. Share it\",\"warnings\":[{\"limit\":"
        "\"image_share_accounts_per_call\",\"entity\":\"15 accounts\",\"message\":\"15 accounts "
        "exceeds the limit of 10\"}]}",
        &plain);
    assert_string_equal(out, "Skill        ecs-manage-images \xC2\xB7 Manage custom images\n"
                             "Path         api \xC2\xB7 Use the API\n"
                             "Confidence   0.87\n"
                             "Warning      15 accounts exceeds the limit of 10 "
                             "[image_share_accounts_per_call]\n"
                             "\n"
                             "Steps\n"
                             "=====\n"
                             "\n"
                             "  1. Share it\n");
    free(out);
    cJSON *in = parse("{\"skill\":{\"id\":\"x\"}}");
    assert_int_equal(skc_route_out_of_scope(in), 0);
    cJSON_Delete(in);

    cJSON *oos = parse("{\"product\":\"ecs\",\"skill\":null,\"path\":null,\"confidence\":0.9,"
                       "\"answer\":\"Not ECS.\",\"out_of_scope\":{\"reason\":\"chit_chat\"}}");
    assert_int_equal(skc_route_out_of_scope(oos), 1);
    struct buf b;
    buf_init(&b, 0);
    skc_route_render(&b, oos, &plain);
    assert_string_equal(b.data, "Out of scope this question is not about ecs (chit_chat)\n"
                                "\n"
                                "Not ECS.\n");
    /* In colour the warning label is yellow and nothing else changes. */
    buf_reset(&b);
    struct skc_style colour = {.color = 1, .width = 0};
    skc_route_render(&b, oos, &colour);
    assert_non_null(strstr(b.data, "\x1b[0;1;33mOut of scope\x1b[0m"));
    buf_release(&b);
    cJSON_Delete(oos);
}

static const char tools_json[] =
    "[{\"name\":\"route\",\"title\":\"Route an ECS question\",\"annotations\":{\"readOnlyHint\":"
    "true,\"destructiveHint\":false,\"idempotentHint\":true,\"openWorldHint\":false}},"
    "{\"name\":\"ecs_delete_instance\",\"description\":\"Delete an instance. It is gone.\","
    "\"annotations\":{\"readOnlyHint\":false,\"destructiveHint\":true,\"idempotentHint\":true,"
    "\"openWorldHint\":true}},"
    "{\"name\":\"ecs_start_instance\",\"title\":\"Start\",\"annotations\":{\"destructiveHint\":"
    "false}},"
    "{\"name\":\"bare\"}]";

static void test_tools(void **state)
{
    (void)state;
    cJSON *tools = parse(tools_json);
    struct buf b;
    buf_init(&b, 0);
    skc_tools_render(&b, tools, &plain);
    /* Absent hints take MCP's defaults: not read-only, destructive, not idempotent, open. */
    assert_string_equal(b.data,
                        "route                read-only, idempotent                Route an ECS "
                        "question\n"
                        "ecs_delete_instance  DESTRUCTIVE, idempotent, open-world  Delete an "
                        "instance\n"
                        "ecs_start_instance   changes, open-world                  Start\n"
                        "bare                 DESTRUCTIVE, open-world              \n");
    buf_release(&b);
    cJSON_Delete(tools);

    cJSON *tool = parse("{\"name\":\"ecs_x\",\"title\":\"X\",\"inputSchema\":{\"type\":"
                        "\"object\",\"properties\":{\"Id\":{\"type\":\"string\",\"description\":"
                        "\"The id\"},\"N\":{\"type\":\"integer\",\"default\":1},\"Ids\":{\"type\":"
                        "\"array\",\"items\":{\"type\":\"string\"}},\"Dir\":{\"enum\":[\"in\","
                        "\"out\"]}},\"required\":[\"Id\"]},\"annotations\":{\"readOnlyHint\":"
                        "true}}");
    buf_init(&b, 0);
    skc_tool_render(&b, tool, &plain);
    assert_string_equal(b.data, "ecs_x \xE2\x80\x94 X\n"
                                "Kind         read-only, open-world\n"
                                "\n"
                                "Arguments (* required)\n"
                                "  Id* (string) The id\n"
                                "  N (integer, default 1)\n"
                                "  Ids (array of string)\n"
                                "  Dir (any: in | out)\n"
                                "\n"
                                "Call it      skillctl call ecs_x Id=...\n");
    buf_release(&b);
    cJSON_Delete(tool);
}

static char *render_outcome(const char *json)
{
    cJSON *j = parse(json);
    struct buf b;
    buf_init(&b, 0);
    skc_outcome_render(&b, j, &plain);
    cJSON_Delete(j);
    return buf_steal(&b, NULL);
}

static void test_outcomes(void **state)
{
    (void)state;
    char *out = render_outcome(
        "{\"status\":\"planned\",\"backend\":\"sim\",\"tool\":\"ecs_authorize_security_group\","
        "\"action\":\"AuthorizeSecurityGroup\",\"arguments\":{\"SecurityGroupId\":\"sg-1\"},"
        "\"plan\":{\"product\":\"ecs\",\"action\":\"AuthorizeSecurityGroup\",\"parameters\":{"
        "\"SecurityGroupId\":\"sg-1\",\"Priority\":1},\"cli\":\"aliyun ecs "
        "AuthorizeSecurityGroup --SecurityGroupId sg-1\",\"checks\":[{\"check\":\"dry_run\","
        "\"result\":\"passed\"},{\"check\":\"quota\",\"result\":\"failed\"}],\"effect\":"
        "\"write\"},\"findings\":[{\"rule\":\"posture.admin_port_open\",\"severity\":\"warn\","
        "\"message\":\"port 22 is open to the world\"}],\"confirmation_token\":\"SECRET-TOKEN\","
        "\"expires_at\":\"2026-12-04T17:00:00Z\"}");
    assert_string_equal(out,
                        "Plan         ecs_authorize_security_group -> AuthorizeSecurityGroup (not "
                        "executed)\n"
                        "Effect       changes resources\n"
                        "Backend      sim\n"
                        "Expires      2026-12-04T17:00:00Z\n"
                        "Parameters\n"
                        "  SecurityGroupId: sg-1\n"
                        "  Priority: 1\n"
                        "CLI\n"
                        "  aliyun ecs AuthorizeSecurityGroup --SecurityGroupId sg-1\n"
                        "Checks\n"
                        "  \xE2\x9C\x93 dry_run passed\n"
                        "  \xE2\x9C\x97 quota failed\n"
                        "Findings\n"
                        "  ! posture.admin_port_open: port 22 is open to the world\n");
    assert_null(strstr(out, "SECRET-TOKEN"));
    free(out);

    out = render_outcome("{\"status\":\"planned\",\"tool\":\"ecs_delete_instance\",\"plan\":{"
                         "\"action\":\"DeleteInstance\",\"effect\":\"destructive\"}}");
    assert_non_null(strstr(out, "Plan         ecs_delete_instance -> DeleteInstance (not "
                                "executed)\nEffect       DESTRUCTIVE"));
    free(out);

    out =
        render_outcome("{\"status\":\"denied\",\"backend\":\"sim\",\"tool\":\"ecs_stop_instance\","
                       "\"action\":\"StopInstance\",\"reasons\":[{\"rule\":\"policy.deny\","
                       "\"message\":\"the policy denies ecs:StopInstance\"}]}");
    assert_string_equal(out, "Denied       ecs_stop_instance -> StopInstance\n"
                             "Backend      sim\n"
                             "Reasons\n"
                             "  \xE2\x9C\x97 policy.deny: the policy denies ecs:StopInstance\n");
    free(out);

    out = render_outcome("{\"status\":\"executed\",\"backend\":\"sim\",\"tool\":\"ecs_x\","
                         "\"action\":\"X\",\"request_id\":\"R-1\",\"result\":{\"a\":[1]}}");
    assert_string_equal(out, "Executed     ecs_x -> X\n"
                             "Backend      sim\n"
                             "RequestId    R-1\n"
                             "Result\n"
                             "  {\n"
                             "    \"a\": [1]\n"
                             "  }\n");
    free(out);

    out = render_outcome("{\"status\":\"failed\",\"tool\":\"ecs_x\",\"error\":{\"code\":"
                         "\"InvalidInstanceId.NotFound\",\"message\":\"no such instance\","
                         "\"request_id\":\"R-2\"}}");
    assert_string_equal(out, "Failed       ecs_x\n"
                             "Error        InvalidInstanceId.NotFound: no such instance "
                             "(RequestId R-2)\n");
    free(out);

    out = render_outcome("{\"status\":\"incomplete\",\"tool\":\"ecs_reboot_instance\","
                         "\"arguments\":{},\"missing\":[\"InstanceId\",{\"name\":\"RegionId\"}]}");
    assert_string_equal(out, "Incomplete   ecs_reboot_instance\n"
                             "Missing      InstanceId, RegionId\n");
    free(out);

    /* A server string cannot smuggle escape sequences through a plan. */
    out = render_outcome("{\"status\":\"planned\",\"tool\":\"t\\u001b[2J\",\"plan\":{\"cli\":"
                         "\"aliyun \\u001b]0;title\\u0007x\"}}");
    assert_null(strchr(out, '\x1b'));
    assert_null(strchr(out, '\x07'));
    free(out);
}

static void test_result(void **state)
{
    (void)state;
    cJSON *r = parse("{\"content\":[{\"type\":\"text\",\"text\":\"# Hi\\n\\n- a\"},{\"type\":"
                     "\"image\",\"mimeType\":\"image/png\",\"data\":\"QUJD\"},{\"type\":"
                     "\"resource\",\"resource\":{\"uri\":\"skill://ecs/x\",\"text\":\"body\"}},"
                     "{\"type\":\"resource_link\",\"name\":\"page\",\"uri\":\"skill://ecs/y\"}]}");
    struct buf b;
    buf_init(&b, 0);
    skc_result_render(&b, r, &plain);
    assert_string_equal(b.data, "Hi\n==\n\n  \xE2\x80\xA2 a\n"
                                "\n[image image/png, 4 bytes of base64]\n"
                                "\n[resource skill://ecs/x]\nbody\n"
                                "\n[link page: skill://ecs/y]\n");
    buf_release(&b);
    cJSON_Delete(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md_cases), cmocka_unit_test(test_clean_and_width),
        cmocka_unit_test(test_route),    cmocka_unit_test(test_tools),
        cmocka_unit_test(test_outcomes), cmocka_unit_test(test_result),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
