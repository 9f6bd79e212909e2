/* fuzz_policy.c - fuzz target: the policy file parser (skills/policy.c, --policy FILE). The
 * input is the file's content, written to a temporary file and loaded. Oracles: no crash;
 * a refused file has an error code from the documented set and a message, and loading it
 * again gives the same code and message; a loaded policy keeps its named limits (rules,
 * lists, string sizes, rate and token settings in range), its rule matching agrees with the
 * rules as written (sk_wildcard_match over each pattern, first match wins) for a few actions,
 * and the same file loads to the same rules twice. Layer: tests. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "skills/policy.h"

static char path[64];

static void fini(void)
{
    unlink(path);
}

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_policy: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

/* Actions to match every loaded policy against (with the product "ecs"). */
static const char *const actions[] = {
    "DeleteInstance", "DescribeInstances", "RunCommand", "AuthorizeSecurityGroup",
    "CreateSnapshot", "", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
};

/* The first rule whose pattern matches "ecs:<action>", by the documented semantics. */
static enum sk_rule_action expected(const struct sk_policy *p, const char *action)
{
    if (!p->enabled)
        return SK_RULE_NONE;
    char subject[160];
    snprintf(subject, sizeof subject, "ecs:%s", action);
    for (size_t i = 0; i < p->nrules; i++)
        if (sk_wildcard_match(p->rules[i].pattern, subject))
            return p->rules[i].action;
    return SK_RULE_NONE;
}

static void check_loaded(const struct sk_policy *p)
{
    if (p->nrules > SK_POLICY_RULES_MAX || p->nregions > SK_POLICY_LIST_MAX ||
        p->nresources > SK_POLICY_LIST_MAX || p->ntags > SK_POLICY_LIST_MAX ||
        p->nlimits > SK_POLICY_LIST_MAX || p->nadmin_ports > SK_POLICY_LIST_MAX)
        die("a list past its limit", NULL);
    for (size_t i = 0; i < p->nrules; i++)
        if (!p->rules[i].pattern || strlen(p->rules[i].pattern) > SK_POLICY_STRING_MAX)
            die("a rule pattern past its limit", NULL);
    for (size_t i = 0; i < p->nadmin_ports; i++)
        if (p->admin_ports[i] < 0 || p->admin_ports[i] > 65535)
            die("an admin port out of range", NULL);
    for (size_t i = 0; i < p->ncommands; i++)
        if (!p->commands[i].re || !p->commands[i].id || !p->commands[i].message)
            die("a command pattern half loaded", NULL);
    if (p->rate_per_minute < 0 || p->rate_burst < 0 || p->rate_per_minute != p->rate_per_minute)
        die("a negative or NaN rate", NULL);
    if (p->token_ttl_s && (p->token_ttl_s < 30 || p->token_ttl_s > 3600))
        die("confirmation_ttl_s out of 30..3600", NULL);
    for (size_t i = 0; i < ARRAY_LEN(actions); i++) {
        const char *pat = NULL;
        enum sk_rule_action got = sk_policy_match(p, "ecs", actions[i], &pat);
        if (got != expected(p, actions[i]))
            die("sk_policy_match disagrees with the rules as written", actions[i]);
        if ((got == SK_RULE_NONE) != (pat == NULL))
            die("a match without its pattern (or a pattern without a match)", actions[i]);
    }
    sk_policy_region_allowed(p, "cn-hangzhou");
    sk_policy_resource_listed(p, "i-bp1web01000000000000");
    sk_policy_admin_port(p, 22);
    sk_policy_limit(p, "ca_instances_per_run", 50);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/skilld-fuzz-policy-%ld.json", (long)getpid());
        atexit(fini);
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        die("cannot write", path);
    struct sk_policy *a = NULL, *b = NULL;
    struct err ea = {0}, eb = {0};
    err_code ra = sk_policy_load(path, &a, &ea);
    err_code rb = sk_policy_load(path, &b, &eb);
    if (ra != rb)
        die("the same file loaded twice gave two answers", NULL);
    if (ra != ERR_OK) {
        if (a || b)
            die("a refused policy was returned", NULL);
        if (ra != ERR_INVALID && ra != ERR_PARSE && ra != ERR_IO && ra != ERR_TOO_BIG)
            die("an error code outside the documented set", err_name(ra));
        if (!ea.msg[0] || strcmp(ea.msg, eb.msg) != 0)
            die("a refusal without a stable message", ea.msg);
        return 0;
    }
    check_loaded(a);
    if (a->nrules != b->nrules || a->enabled != b->enabled || a->mode != b->mode)
        die("the same file loaded to two policies", NULL);
    for (size_t i = 0; i < a->nrules; i++)
        if (strcmp(a->rules[i].pattern, b->rules[i].pattern) != 0 ||
            a->rules[i].action != b->rules[i].action)
            die("the same file loaded to two rule lists", NULL);
    sk_policy_free(a);
    sk_policy_free(b);
    return 0;
}
