/* test_guard_parts.c - the guardrails' building blocks: static checks (cases in
 * check_cases.jsonl), the policy file, confirmation tokens, the audit log, the rate limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "skills/audit.h"
#include "skills/policy.h"
#include "skills/ratelimit.h"
#include "skills/sk_int.h"
#include "skills/token.h"

static char *write_temp(const char *text)
{
    char *path = xstrdup("/tmp/skilld-test-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static struct sk_policy *policy_from(const cJSON *obj)
{
    struct sk_policy *p = NULL;
    struct err e;
    err_clear(&e);
    if (!obj) {
        assert_int_equal(sk_policy_load(NULL, &p, &e), ERR_OK);
        return p;
    }
    char *text = cJSON_PrintUnformatted(obj);
    char *path = write_temp(text);
    err_code rc = sk_policy_load(path, &p, &e);
    if (rc)
        fail_msg("policy: %s", e.msg);
    unlink(path);
    free(path);
    free(text);
    return p;
}

static int has(const struct sk_findings *f, const char *rule, enum sk_severity sev)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->v[i].rule, rule) == 0 && f->v[i].severity == sev)
            return 1;
    return 0;
}

static int listed(const cJSON *arr, const char *rule)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, arr) if (strcmp(x->valuestring, rule) == 0) return 1;
    return 0;
}

static void test_check_cases(void **state)
{
    (void)state;
    FILE *f = fopen(CASES_DIR "/check_cases.jsonl", "r");
    assert_non_null(f);
    char line[8192];
    int n = 0, bad = 0;
    while (fgets(line, sizeof line, f)) {
        cJSON *c = cJSON_Parse(line);
        assert_non_null(c);
        const char *name = cJSON_GetObjectItem(c, "name")->valuestring;
        struct sk_policy *p = policy_from(cJSON_GetObjectItem(c, "policy"));
        struct kb_strs ids = {0};
        const cJSON *x;
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(c, "checks")) {
            ids.v = xrealloc(ids.v, (ids.n + 1) * sizeof *ids.v);
            ids.v[ids.n++] = x->valuestring;
        }
        struct sk_findings fs;
        sk_findings_init(&fs);
        sk_checks_run(p, &ids, cJSON_GetObjectItem(c, "args"), &fs);
        const cJSON *deny = cJSON_GetObjectItem(c, "deny"), *warn = cJSON_GetObjectItem(c, "warn");
        cJSON_ArrayForEach(x, deny) if (!has(&fs, x->valuestring, SK_DENY)) {
            printf("case '%s': missing denial %s\n", name, x->valuestring);
            bad++;
        }
        cJSON_ArrayForEach(x, warn) if (!has(&fs, x->valuestring, SK_WARN)) {
            printf("case '%s': missing warning %s\n", name, x->valuestring);
            bad++;
        }
        for (size_t i = 0; i < fs.n; i++) {
            const cJSON *want = fs.v[i].severity == SK_DENY ? deny : warn;
            if (!listed(want, fs.v[i].rule)) {
                printf("case '%s': unexpected %s %s: %s\n", name,
                       fs.v[i].severity == SK_DENY ? "denial" : "warning", fs.v[i].rule,
                       fs.v[i].message);
                bad++;
            }
            assert_true(utf8_valid(fs.v[i].message, strlen(fs.v[i].message)));
        }
        free(ids.v);
        sk_policy_free(p);
        cJSON_Delete(c);
        n++;
    }
    fclose(f);
    printf("%d check cases\n", n);
    assert_true(n >= 40);
    assert_int_equal(bad, 0);
}

static void expect_policy_error(const char *text, const char *needle)
{
    char *path = write_temp(text);
    struct sk_policy *p = NULL;
    struct err e;
    err_clear(&e);
    err_code rc = sk_policy_load(path, &p, &e);
    unlink(path);
    free(path);
    if (rc == ERR_OK) {
        sk_policy_free(p);
        fail_msg("policy accepted: %s", text);
    }
    if (!strstr(e.msg, needle))
        fail_msg("message '%s' lacks '%s'", e.msg, needle);
    assert_null(p);
}

static void test_policy_file(void **state)
{
    (void)state;
    /* An aliyun CLI safety policy works unchanged, first match wins, case-insensitive. */
    char *path = write_temp("{\"enabled\": true, \"rules\": ["
                            "{\"pattern\": \"ecs:DeleteInstance\", \"action\": \"allow\"},"
                            "{\"pattern\": \"*:Delete*\", \"action\": \"deny\"},"
                            "{\"pattern\": \"ecs:Run*\", \"action\": \"forbid\"},"
                            "{\"pattern\": \" ecs:describe* \", \"action\": \"\"}]}");
    struct sk_policy *p = NULL;
    struct err e;
    err_clear(&e);
    assert_int_equal(sk_policy_load(path, &p, &e), ERR_OK);
    const char *pat = NULL;
    assert_int_equal(sk_policy_match(p, "ecs", "DeleteInstance", &pat), SK_RULE_ALLOW);
    assert_int_equal(sk_policy_match(p, "ecs", "DeleteImage", &pat), SK_RULE_DENY);
    assert_string_equal(pat, "*:Delete*");
    assert_int_equal(sk_policy_match(p, "ecs", "RunCommand", NULL), SK_RULE_CONFIRM);
    assert_int_equal(sk_policy_match(p, "ecs", "DescribeInstances", NULL), SK_RULE_ALLOW);
    assert_int_equal(sk_policy_match(p, "ecs", "StopInstance", NULL), SK_RULE_NONE);
    sk_policy_free(p);
    unlink(path);
    free(path);
    /* Disabled rules never match. */
    path = write_temp("{\"enabled\": false, \"rules\": [{\"pattern\": \"*\", \"action\": \"deny\"}],"
                      " \"mode\": \"read-only\", \"regions\": [\"cn-hangzhou\"]}");
    assert_int_equal(sk_policy_load(path, &p, &e), ERR_OK);
    assert_int_equal(sk_policy_match(p, "ecs", "DeleteImage", NULL), SK_RULE_NONE);
    assert_int_equal(p->mode, SK_MODE_READ_ONLY);
    assert_true(sk_policy_region_allowed(p, "cn-hangzhou"));
    assert_false(sk_policy_region_allowed(p, "cn-beijing"));
    sk_policy_free(p);
    unlink(path);
    free(path);

    expect_policy_error("{\"rules\": [{\"pattern\": \"ecs:*\", \"action\": \"maybe\"}]}",
                        "rules[0].action");
    expect_policy_error("{\"rules\": [{\"pattern\": 3}]}", "rules[0].pattern");
    expect_policy_error("{\"modes\": \"auto\"}", "unknown key \"modes\"");
    expect_policy_error("{\"mode\": \"yolo\"}", "\"mode\"");
    expect_policy_error("{\"admin_ports\": [22, 70000]}", "admin_ports[1]");
    expect_policy_error("{\"command_patterns\": [{\"id\": \"command.x\", \"pattern\": \"(\", "
                        "\"message\": \"m\"}]}",
                        "command_patterns[0].pattern");
    expect_policy_error("{\"enabled\": true, \"enabled\": false}", "appears twice");
    expect_policy_error("{\"rules\": ", "not valid JSON");
    expect_policy_error("{\"limits\": {\"ca_instances_per_run\": -1}}", "limits.ca_instances_per_run");

    struct sk_policy *q = NULL;
    assert_int_equal(sk_policy_load("/nonexistent/policy.json", &q, &e), ERR_IO);
    assert_null(q);
}

static void test_wildcards(void **state)
{
    (void)state;
    assert_true(sk_wildcard_match("ecs:*", "ecs:RunCommand"));
    assert_true(sk_wildcard_match("*:delete*", "ECS:DeleteImage"));
    assert_true(sk_wildcard_match("i-bp1*", "i-bp1web01"));
    assert_false(sk_wildcard_match("i-bp1*", "i-bp2web01"));
    assert_true(sk_wildcard_match("*a*b*c", "xxaxxbxxc"));
    assert_false(sk_wildcard_match("*a*b*c", "xxaxxbxx"));
    assert_true(sk_wildcard_match("*", ""));
}

static struct sk_tokens *t_book;
static char t_tok[SK_TOKEN_MAX], t_ct[SK_CLIENT_TOKEN_LEN + 1];

/* Redeem t_tok in t_book and expect a given denial rule (NULL: success). */
static void redeem(const char *tool, const char *args, const char *caller, uint64_t now,
                   int consume, const char *want_rule)
{
    struct sk_findings f;
    sk_findings_init(&f);
    err_code rc = sk_token_redeem(t_book, t_tok, tool, args, caller, now, consume, t_ct, &f);
    if (want_rule) {
        assert_int_equal(rc, ERR_DENIED);
        assert_string_equal(f.v[0].rule, want_rule);
    } else {
        assert_int_equal(rc, ERR_OK);
    }
}
#define REDEEM redeem

static void test_tokens(void **state)
{
    (void)state;
    struct sk_tokens *t = NULL;
    struct err e;
    err_clear(&e);
    assert_int_equal(sk_tokens_new(NULL, &t, &e), ERR_OK);
    t_book = t;
    char *tok = t_tok, *ct = t_ct, ct2[SK_CLIENT_TOKEN_LEN + 1];
    uint64_t exp = 0;
    const char *args = "{\"InstanceId\":\"i-1\"}";
    sk_token_issue(t, "ecs_stop_instance", args, "mcp:a", 1000, 300, tok, &exp);
    assert_int_equal(exp, 1300);
    REDEEM("ecs_start_instance", args, "mcp:a", 1001, 1, "confirmation.other_tool");
    REDEEM("ecs_stop_instance", "{\"InstanceId\":\"i-2\"}", "mcp:a", 1001, 1,
           "confirmation.arguments_changed");
    REDEEM("ecs_stop_instance", args, "mcp:b", 1001, 1, "confirmation.other_caller");
    REDEEM("ecs_stop_instance", args, "mcp:a", 1301, 1, "confirmation.expired");
    REDEEM("ecs_stop_instance", args, "mcp:a", 1001, 0, NULL); /* a check does not spend it */
    memcpy(ct2, ct, sizeof ct2);
    REDEEM("ecs_stop_instance", args, "mcp:a", 1001, 1, NULL);
    assert_string_equal(ct, ct2); /* the ClientToken is a function of the token */
    assert_int_equal(strlen(ct), SK_CLIENT_TOKEN_LEN);
    REDEEM("ecs_stop_instance", args, "mcp:a", 1002, 1, "confirmation.used");
    /* Forged: one character of the MAC changed; and garbage. */
    size_t len = strlen(tok);
    tok[len - 1] = tok[len - 1] == 'A' ? 'B' : 'A';
    REDEEM("ecs_stop_instance", args, "mcp:a", 1001, 1, "confirmation.invalid");
    snprintf(tok, SK_TOKEN_MAX, "sk1.notatoken");
    REDEEM("ecs_stop_instance", args, "mcp:a", 1001, 1, "confirmation.invalid");
    sk_tokens_free(t);

    /* Two books sharing a key file verify each other's tokens and derive the same ClientToken. */
    char dir[] = "/tmp/skilld-key-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char key[64];
    snprintf(key, sizeof key, "%s/key", dir);
    struct sk_tokens *a = NULL, *b = NULL;
    assert_int_equal(sk_tokens_new(key, &a, &e), ERR_OK);
    assert_int_equal(sk_tokens_new(key, &b, &e), ERR_OK);
    sk_token_issue(a, "ecs_stop_instance", args, "mcp:a", 1000, 300, tok, &exp);
    t_book = b;
    REDEEM("ecs_stop_instance", args, "mcp:a", 1001, 1, NULL);
    memcpy(ct2, ct, sizeof ct2);
    t_book = a;
    REDEEM("ecs_stop_instance", args, "mcp:a", 1001, 1, NULL);
    assert_string_equal(ct, ct2);
    sk_tokens_free(a);
    sk_tokens_free(b);
    /* A key file too short is refused without echoing it. */
    FILE *kf = fopen(key, "w");
    fputs("short", kf);
    fclose(kf);
    assert_int_equal(sk_tokens_new(key, &a, &e), ERR_INVALID);
    assert_null(strstr(e.msg, "short"));
    unlink(key);
    rmdir(dir);
}

static void test_audit(void **state)
{
    (void)state;
    char dir[] = "/tmp/skilld-audit-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/audit.jsonl", dir);
    /* A torn last record from an earlier kill is cut off when the log is opened. */
    FILE *f = fopen(path, "w");
    fputs("{\"whole\":1}\n{\"torn\":", f);
    fclose(f);
    struct sk_audit *a = NULL;
    struct err e;
    err_clear(&e);
    assert_int_equal(sk_audit_open(path, "r1", &a, &e), ERR_OK);
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "caller", "stdio");
    cJSON_AddStringToObject(rec, "decision", "denied");
    assert_int_equal(sk_audit_write(a, rec), ERR_OK);
    cJSON_Delete(rec);
    sk_audit_close(a);
    f = fopen(path, "r");
    char line[1024];
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "{\"whole\":1}\n");
    assert_non_null(fgets(line, sizeof line, f));
    cJSON *got = cJSON_Parse(line);
    assert_non_null(got);
    assert_string_equal(cJSON_GetObjectItem(got, "replica")->valuestring, "r1");
    assert_string_equal(cJSON_GetObjectItem(got, "decision")->valuestring, "denied");
    assert_non_null(cJSON_GetObjectItem(got, "time"));
    cJSON_Delete(got);
    fclose(f);

    /* kill -9 at any moment: a child writes as fast as it can, the parent kills it at
     * staggered times and opens the log as the next process would; every line must parse and
     * every record the child's write acknowledged must be there. */
    for (int round = 0; round < 5; round++) {
        pid_t pid = fork();
        if (pid == 0) {
            struct sk_audit *c = NULL;
            struct err ce;
            if (sk_audit_open(path, "child", &c, &ce))
                _exit(1);
            cJSON *r = cJSON_CreateObject();
            char big[2048];
            memset(big, 'x', sizeof big - 1);
            big[sizeof big - 1] = '\0';
            cJSON_AddStringToObject(r, "arguments", big);
            cJSON *seq = cJSON_AddNumberToObject(r, "seq", 0);
            for (double i = 0;; i++) {
                cJSON_SetNumberValue(seq, i);
                sk_audit_write(c, r);
            }
        }
        usleep(2000 + (useconds_t)round * 3000);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        struct sk_audit *next = NULL;
        assert_int_equal(sk_audit_open(path, "next", &next, &e), ERR_OK);
        sk_audit_close(next);
    }
    f = fopen(path, "r");
    size_t lines = 0;
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;
    fgets(line, sizeof line, f); /* the whole line we planted */
    double prev = -1;
    while ((n = getline(&buf, &cap, f)) > 0) {
        lines++;
        assert_int_equal(buf[n - 1], '\n');
        cJSON *j = cJSON_Parse(buf);
        if (!j)
            fail_msg("line %zu of the audit log does not parse", lines);
        /* Each child numbers its records from 0: within a run none may be missing. */
        const cJSON *sj = cJSON_GetObjectItem(j, "seq");
        double seq = cJSON_IsNumber(sj) ? sj->valuedouble : 0;
        if (cJSON_IsNumber(sj) && seq != 0 && seq != prev + 1)
            fail_msg("line %zu: record %g follows %g", lines, seq, prev);
        prev = seq;
        cJSON_Delete(j);
    }
    free(buf);
    fclose(f);
    printf("%zu audit records survived 5 kills, all whole\n", lines);
    assert_true(lines > 5);
    unlink(path);
    rmdir(dir);
}

static void test_rate(void **state)
{
    (void)state;
    struct sk_rate *r = sk_rate_new(60, 3); /* one a second, bursts of 3 */
    uint64_t t0 = 1000000000ull;
    for (int i = 0; i < 3; i++)
        assert_true(sk_rate_take(r, "a", t0) == 0);
    double wait = sk_rate_take(r, "a", t0);
    assert_true(wait > 0.9 && wait <= 1.0);
    assert_true(sk_rate_take(r, "b", t0) == 0); /* per caller */
    assert_true(sk_rate_take(r, "a", t0 + 1000000000ull) == 0);
    sk_rate_free(r);
    struct sk_rate *off = sk_rate_new(0, 0);
    for (int i = 0; i < 100; i++)
        assert_true(sk_rate_take(off, "a", t0) == 0);
    sk_rate_free(off);
}

static void test_base64(void **state)
{
    (void)state;
    char *out = NULL;
    size_t n = 0;
    assert_int_equal(sk_base64_decode("aGVsbG8=", &out, &n), ERR_OK);
    assert_int_equal(n, 5);
    assert_string_equal(out, "hello");
    free(out);
    assert_int_equal(sk_base64_decode("aGVsbG8", &out, &n), ERR_OK);
    free(out);
    assert_int_equal(sk_base64_decode("aGV$bG8=", &out, &n), ERR_PARSE);
    assert_int_equal(sk_base64_decode("a===", &out, &n), ERR_PARSE);
    assert_int_equal(sk_base64_len(5), 8);
    assert_int_equal(sk_base64_len(6), 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_cases), cmocka_unit_test(test_policy_file),
        cmocka_unit_test(test_wildcards),   cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_audit),       cmocka_unit_test(test_rate),
        cmocka_unit_test(test_base64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
