/* test_tools.c - every tool through the guardrails against the in-process simulator: the
 * cases in tool_cases.jsonl (status, denial rules, which requests reached the backend, the
 * confirmation round trip, the audit trail), then confirmation-token misuse and secrets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cloud/cloud.h"
#include "cloud/sim/sim.h"
#include "knowledge/kb.h"
#include "skills/skills.h"

struct rig {
    sim_server *sim;
    cloud_client *client;
    struct cloud_credentials creds;
    struct kb *kb;
    const struct kb_product *product;
    char dir[64];
};

static struct rig rig;

static int rig_setup(void **state)
{
    (void)state;
    struct sim_config sc = {0};
    sc.transition_ms = 300;
    struct err e;
    err_clear(&e);
    rig.sim = sim_start(&sc, &e);
    if (!rig.sim) {
        fprintf(stderr, "sim_start: %s\n", e.msg);
        return -1;
    }
    char ep[64];
    snprintf(ep, sizeof ep, "127.0.0.1:%u", sim_port(rig.sim));
    cloud_credentials_set(&rig.creds, sim_default_access_key_id(), sim_default_access_key_secret(),
                          NULL, "test");
    struct cloud_config cfg;
    cloud_config_defaults(&cfg);
    cfg.region = "cn-hangzhou";
    cfg.ecs_endpoint = ep;
    cfg.vpc_endpoint = ep;
    cfg.scheme = "http";
    cfg.credentials = &rig.creds;
    rig.client = cloud_client_new(&cfg, &e);
    if (!rig.client || kb_load_embedded(&rig.kb, &e)) {
        fprintf(stderr, "setup: %s\n", e.msg);
        return -1;
    }
    rig.product = kb_product_find(rig.kb, "ecs");
    snprintf(rig.dir, sizeof rig.dir, "/tmp/skilld-tools-XXXXXX");
    return mkdtemp(rig.dir) ? 0 : -1;
}

static int rig_teardown(void **state)
{
    (void)state;
    cloud_client_free(rig.client);
    sim_stop(rig.sim);
    cloud_credentials_release(&rig.creds);
    kb_free(rig.kb);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", rig.dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A registry for one case: mode, optional policy, audit log in the rig's folder. */
static sk_registry *registry(const char *mode, const cJSON *policy, const char *audit,
                             unsigned ttl)
{
    struct sk_config cfg = {0};
    cfg.product = rig.product;
    cfg.cloud = rig.client;
    cfg.backend = "sim";
    cfg.region = "cn-hangzhou";
    cfg.audit_file = audit;
    cfg.token_ttl_s = ttl;
    char keys[96];
    snprintf(keys, sizeof keys, "%s/keys", rig.dir);
    cfg.key_dir = keys;
    cfg.mode = SK_MODE_DEFAULT;
    if (mode && strcmp(mode, "read-only") == 0)
        cfg.mode = SK_MODE_READ_ONLY;
    else if (mode && strcmp(mode, "auto") == 0)
        cfg.mode = SK_MODE_AUTO;
    else if (mode && strcmp(mode, "confirm") == 0)
        cfg.mode = SK_MODE_CONFIRM;
    char path[96] = "";
    if (policy) {
        snprintf(path, sizeof path, "%s/policy.json", rig.dir);
        FILE *f = fopen(path, "w");
        char *text = cJSON_PrintUnformatted(policy);
        fputs(text, f);
        fclose(f);
        free(text);
        cfg.policy_file = path;
    }
    struct err e;
    err_clear(&e);
    sk_registry *r = sk_registry_new(&cfg, &e);
    if (!r)
        fail_msg("sk_registry_new: %s", e.msg);
    return r;
}

static const char *status_of(const struct sk_outcome *o)
{
    return cJSON_GetStringValue(cJSON_GetObjectItem(o->structured, "status"));
}

static int has_rule(const struct sk_outcome *o, const char *rule)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(o->structured, "reasons"))
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(r, "rule")), rule) == 0)
            return 1;
    return 0;
}

/* The decisions of an audit log, space-separated; checks every line parses and holds no
 * secret. */
static char *audit_decisions(const char *path)
{
    FILE *f = fopen(path, "r");
    struct buf b;
    buf_init(&b, 0);
    char *line = NULL;
    size_t cap = 0;
    while (f && getline(&line, &cap, f) > 0) {
        assert_null(strstr(line, sim_default_access_key_secret()));
        assert_null(strstr(line, "sk1."));
        cJSON *j = cJSON_Parse(line);
        assert_non_null(j);
        buf_printf(&b, "%s%s", b.len ? " " : "",
                   cJSON_GetStringValue(cJSON_GetObjectItem(j, "decision")));
        cJSON_Delete(j);
    }
    free(line);
    if (f)
        fclose(f);
    return buf_steal(&b, NULL);
}

static void test_cases(void **state)
{
    (void)state;
    FILE *f = fopen(CASES_DIR "/tool_cases.jsonl", "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    int n = 0, bad = 0;
    while (getline(&line, &cap, f) > 0) {
        if (line[0] != '{')
            continue;
        cJSON *c = cJSON_Parse(line);
        assert_non_null(c);
        n++;
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(c, "name"));
        const char *tool = cJSON_GetStringValue(cJSON_GetObjectItem(c, "tool"));
        const cJSON *args = cJSON_GetObjectItem(c, "args");
        char audit[128];
        snprintf(audit, sizeof audit, "%s/audit-%d.jsonl", rig.dir, n);
        sk_registry *r = registry(cJSON_GetStringValue(cJSON_GetObjectItem(c, "mode")),
                                  cJSON_GetObjectItem(c, "policy"), audit, 0);
        struct sk_caller caller = {"test"};
        unsigned long before = sim_requests_received(rig.sim, NULL);
        const char *not_sent = cJSON_GetStringValue(cJSON_GetObjectItem(c, "not_sent"));
        unsigned long sent_before = not_sent ? sim_requests_received(rig.sim, not_sent) : 0;
        struct sk_outcome o;
        struct err e;
        err_clear(&e);
        assert_int_equal(sk_call(r, &caller, tool, args, NULL, &o, &e), ERR_OK);
        const char *want = cJSON_GetStringValue(cJSON_GetObjectItem(c, "expect"));
        const char *got = status_of(&o);
        if (strcmp(got, want) != 0) {
            printf("case '%s': status %s, want %s\n%s\n", name, got, want, o.text);
            bad++;
        }
        const cJSON *x;
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(c, "rules")) if (!has_rule(&o, x->valuestring)) {
            printf("case '%s': no reason %s\n%s\n", name, x->valuestring, o.text);
            bad++;
        }
        if (cJSON_IsTrue(cJSON_GetObjectItem(c, "no_request")) &&
            sim_requests_received(rig.sim, NULL) != before) {
            printf("case '%s': %lu request(s) reached the backend\n", name,
                   sim_requests_received(rig.sim, NULL) - before);
            bad++;
        }
        if (not_sent && sim_requests_received(rig.sim, not_sent) != sent_before) {
            printf("case '%s': %s reached the backend\n", name, not_sent);
            bad++;
        }
        assert_int_equal(o.is_error, strcmp(got, "denied") == 0 || strcmp(got, "failed") == 0);
        struct sk_outcome last = o;
        const char *then = cJSON_GetStringValue(cJSON_GetObjectItem(c, "then"));
        if (then && strcmp(got, "planned") == 0) {
            cJSON *again = cJSON_Duplicate(args, 1);
            cJSON_AddStringToObject(again, "confirmation_token",
                                    cJSON_GetStringValue(cJSON_GetObjectItem(o.structured,
                                                                             "confirmation_token")));
            struct sk_outcome o2;
            assert_int_equal(sk_call(r, &caller, tool, again, NULL, &o2, &e), ERR_OK);
            if (strcmp(status_of(&o2), then) != 0) {
                printf("case '%s': confirmed status %s, want %s\n%s\n", name, status_of(&o2),
                       then, o2.text);
                bad++;
            }
            cJSON_Delete(again);
            sk_outcome_release(&o);
            last = o2;
        }
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(c, "result_has")) {
            const cJSON *res = cJSON_GetObjectItem(last.structured, "result");
            if (!cJSON_GetObjectItem(res, x->valuestring)) {
                printf("case '%s': result lacks %s\n%s\n", name, x->valuestring, last.text);
                bad++;
            }
        }
        const char *trail = cJSON_GetStringValue(cJSON_GetObjectItem(c, "audit"));
        char *decisions = audit_decisions(audit);
        if (trail && strcmp(decisions, trail) != 0) {
            printf("case '%s': audit \"%s\", want \"%s\"\n", name, decisions, trail);
            bad++;
        }
        free(decisions);
        sk_outcome_release(&last);
        sk_registry_free(r);
        cJSON_Delete(c);
    }
    free(line);
    fclose(f);
    printf("%d tool cases\n", n);
    assert_int_equal(bad, 0);
}

/* Plan once, then misuse the token every way; none of them may act. */
static void test_token_misuse(void **state)
{
    (void)state;
    char audit[128];
    snprintf(audit, sizeof audit, "%s/audit-misuse.jsonl", rig.dir);
    sk_registry *r = registry("confirm", NULL, audit, 2);
    struct sk_caller alice = {"mcp:alice"}, bob = {"mcp:bob"};
    cJSON *args = cJSON_Parse("{\"DiskId\":\"d-bp1spare010000000000\","
                              "\"SnapshotName\":\"misuse-check\"}");
    struct sk_outcome plan, o;
    struct err e;
    err_clear(&e);
    assert_int_equal(sk_call(r, &alice, "ecs_create_snapshot", args, NULL, &plan, &e), ERR_OK);
    assert_string_equal(status_of(&plan), "planned");
    const char *tok = cJSON_GetStringValue(cJSON_GetObjectItem(plan.structured, "confirmation_token"));
    unsigned long created = sim_requests_received(rig.sim, "CreateSnapshot");
    struct {
        const char *who;
        const char *args;
        const char *token;
        const char *rule;
    } misuse[] = {
        {"bob", NULL, NULL, "confirmation.other_caller"},
        {"alice", "{\"DiskId\":\"d-bp1spare020000000000\",\"SnapshotName\":\"misuse-check\"}", NULL,
         "confirmation.arguments_changed"},
        {"alice", NULL, "sk1.AAAA.BBBB", "confirmation.invalid"},
    };
    for (size_t i = 0; i < ARRAY_LEN(misuse); i++) {
        cJSON *a = misuse[i].args ? cJSON_Parse(misuse[i].args) : cJSON_Duplicate(args, 1);
        cJSON_AddStringToObject(a, "confirmation_token", misuse[i].token ? misuse[i].token : tok);
        assert_int_equal(sk_call(r, strcmp(misuse[i].who, "bob") == 0 ? &bob : &alice,
                                 "ecs_create_snapshot", a, NULL, &o, &e),
                         ERR_OK);
        assert_string_equal(status_of(&o), "denied");
        assert_true(has_rule(&o, misuse[i].rule));
        sk_outcome_release(&o);
        cJSON_Delete(a);
    }
    /* A forged token: the real one with one character of its MAC changed. */
    char forged[256];
    snprintf(forged, sizeof forged, "%s", tok);
    size_t len = strlen(forged);
    forged[len - 2] = forged[len - 2] == 'x' ? 'y' : 'x';
    cJSON *a = cJSON_Duplicate(args, 1);
    cJSON_AddStringToObject(a, "confirmation_token", forged);
    assert_int_equal(sk_call(r, &alice, "ecs_create_snapshot", a, NULL, &o, &e), ERR_OK);
    assert_true(has_rule(&o, "confirmation.invalid"));
    sk_outcome_release(&o);
    cJSON_Delete(a);
    assert_int_equal(sim_requests_received(rig.sim, "CreateSnapshot"), created);
    /* The right use executes once; a replay is refused. */
    a = cJSON_Duplicate(args, 1);
    cJSON_AddStringToObject(a, "confirmation_token", tok);
    assert_int_equal(sk_call(r, &alice, "ecs_create_snapshot", a, NULL, &o, &e), ERR_OK);
    assert_string_equal(status_of(&o), "executed");
    sk_outcome_release(&o);
    assert_int_equal(sk_call(r, &alice, "ecs_create_snapshot", a, NULL, &o, &e), ERR_OK);
    assert_true(has_rule(&o, "confirmation.used"));
    sk_outcome_release(&o);
    assert_int_equal(sim_requests_received(rig.sim, "CreateSnapshot"), created + 1);
    cJSON_Delete(a);
    /* Expired: a new plan, used after its 2 s life. */
    sk_outcome_release(&plan);
    assert_int_equal(sk_call(r, &alice, "ecs_create_snapshot", args, NULL, &plan, &e), ERR_OK);
    a = cJSON_Duplicate(args, 1);
    cJSON_AddStringToObject(a, "confirmation_token",
                            cJSON_GetStringValue(cJSON_GetObjectItem(plan.structured,
                                                                     "confirmation_token")));
    sleep(3);
    assert_int_equal(sk_call(r, &alice, "ecs_create_snapshot", a, NULL, &o, &e), ERR_OK);
    assert_true(has_rule(&o, "confirmation.expired"));
    sk_outcome_release(&o);
    assert_int_equal(sim_requests_received(rig.sim, "CreateSnapshot"), created + 1);
    cJSON_Delete(a);
    sk_outcome_release(&plan);
    cJSON_Delete(args);
    char *trail = audit_decisions(audit);
    assert_string_equal(trail, "planned denied denied denied denied executing executed denied "
                               "planned denied");
    free(trail);
    sk_registry_free(r);
}

/* The rate limit counts changes about to be sent, per caller; a refused one sends nothing. */
static void test_rate_limit(void **state)
{
    (void)state;
    cJSON *policy = cJSON_Parse("{\"rules\":[{\"pattern\":\"ecs:CreateSnapshot\",\"action\":"
                                "\"allow\"}],\"rate_limit\":{\"per_minute\":1,\"burst\":1}}");
    sk_registry *r = registry("auto", policy, NULL, 0);
    cJSON *args = cJSON_Parse("{\"DiskId\":\"d-bp1web01data00000000\"}");
    struct sk_caller a = {"mcp:a"}, b = {"mcp:b"};
    struct sk_outcome o;
    struct err e;
    err_clear(&e);
    unsigned long sent = sim_requests_received(rig.sim, "CreateSnapshot");
    assert_int_equal(sk_call(r, &a, "ecs_create_snapshot", args, NULL, &o, &e), ERR_OK);
    if (strcmp(status_of(&o), "executed") != 0)
        fail_msg("%s", o.text);
    sk_outcome_release(&o);
    assert_int_equal(sk_call(r, &a, "ecs_create_snapshot", args, NULL, &o, &e), ERR_OK);
    assert_true(has_rule(&o, "rate.limited"));
    sk_outcome_release(&o);
    cJSON *other = cJSON_Parse("{\"DiskId\":\"d-bp1web02sys000000000\"}");
    assert_int_equal(sk_call(r, &b, "ecs_create_snapshot", other, NULL, &o, &e), ERR_OK);
    cJSON_Delete(other);
    if (strcmp(status_of(&o), "executed") != 0) /* another caller has its own bucket */
        fail_msg("%s", o.text);
    sk_outcome_release(&o);
    assert_int_equal(sim_requests_received(rig.sim, "CreateSnapshot"), sent + 2);
    cJSON_Delete(args);
    cJSON_Delete(policy);
    sk_registry_free(r);
}

/* Unknown tools are a protocol error; the catalogue and the handlers pair up one to one. */
static void test_registry(void **state)
{
    (void)state;
    sk_registry *r = registry("confirm", NULL, NULL, 0);
    struct sk_outcome o;
    struct err e;
    err_clear(&e);
    struct sk_caller c = {"test"};
    assert_int_equal(sk_call(r, &c, "ecs_no_such_tool", NULL, NULL, &o, &e), ERR_NOT_FOUND);
    assert_int_equal(sk_tool_count(r), rig.product->ntools);
    for (size_t i = 0; i < sk_tool_count(r); i++) {
        const struct sk_tool_info *t = sk_tool_at(r, i);
        assert_non_null(t->input_schema);
        assert_non_null(t->output_schema);
        assert_true(t->open_world);
        /* changing tools take the confirmation token, reads do not */
        const cJSON *props = cJSON_GetObjectItem(t->input_schema, "properties");
        assert_int_equal(cJSON_GetObjectItem(props, "confirmation_token") != NULL, !t->read_only);
    }
    /* The client and the catalogue agree on ClientToken and on how each action names its
     * region (the catalogue's RegionId with wire "endpoint" means none). */
    for (size_t i = 0; i < rig.product->ntools; i++) {
        const struct kb_tool *k = &rig.product->tools[i];
        if (!k->action)
            continue;
        if (k->client_token != cloud_action_takes_client_token(k->action))
            fail_msg("%s: catalogue client_token %d, client %d", k->action, k->client_token,
                     cloud_action_takes_client_token(k->action));
        const cJSON *props = cJSON_GetObjectItem((const cJSON *)k->input_schema, "properties");
        const char *want = cJSON_GetObjectItemCaseSensitive(props, "regionId") ? "regionId" : "RegionId";
        if (!cJSON_GetObjectItemCaseSensitive(props, want))
            want = NULL;
        for (size_t w = 0; w < k->nwire; w++)
            if (strcmp(k->wire[w].arg, "RegionId") == 0 && k->wire[w].mode == KB_WIRE_ENDPOINT)
                want = NULL;
        const char *got = cloud_action_region_param(k->action);
        if ((want == NULL) != (got == NULL) || (want && strcmp(want, got) != 0))
            fail_msg("%s: catalogue region parameter %s, client %s", k->action,
                     want ? want : "(none)", got ? got : "(none)");
    }
    sk_registry_free(r);
}

/* Start-up refuses a catalogue entry without a handler, and a handler without an entry. */
static void test_pairing(void **state)
{
    (void)state;
    char dir[128], cmd[1024];
    snprintf(dir, sizeof dir, "%s/kb-pairing", rig.dir);
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s/ecs && cp %s/knowledge/ecs/*.json %s/ecs/ && "
             "sed -i 's/\"ecs_describe_zones\"/\"ecs_describe_zones_x\"/g' %s/ecs/*.json",
             dir, SOURCE_DIR, dir, dir);
    assert_int_equal(system(cmd), 0);
    struct kb *kb = NULL;
    struct err e;
    err_clear(&e);
    if (kb_load_dir(dir, &kb, &e))
        fail_msg("kb_load_dir: %s", e.msg);
    struct sk_config cfg = {.product = kb_product_find(kb, "ecs"), .cloud = rig.client,
                            .backend = "sim", .region = "cn-hangzhou"};
    sk_registry *r = sk_registry_new(&cfg, &e);
    assert_null(r);
    printf("refused: %s\n", e.msg);
    assert_non_null(strstr(e.msg, "ecs_describe_zones_x"));
    kb_free(kb);
    /* A smaller catalogue (the knowledge tests' own) leaves handlers without entries. */
    err_clear(&e);
    kb = NULL;
    if (kb_load_dir(SOURCE_DIR "/tests/unit/knowledge/data/good", &kb, &e))
        fail_msg("kb_load_dir: %s", e.msg);
    cfg.product = kb_product_find(kb, "ecs");
    assert_null(sk_registry_new(&cfg, &e));
    printf("refused: %s\n", e.msg);
    assert_non_null(strstr(e.msg, "has a handler for"));
    kb_free(kb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_pairing),
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_token_misuse),
        cmocka_unit_test(test_rate_limit),
    };
    return cmocka_run_group_tests(tests, rig_setup, rig_teardown);
}
