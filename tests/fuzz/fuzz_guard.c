/* fuzz_guard.c - fuzz target: the guardrails' static phase (sk_call) over any tool name and
 * any arguments. Input: a tool name, a newline, then the arguments as JSON text (a name of one
 * byte picks catalogue tool number byte % count, so short inputs reach every tool). The
 * registry runs in confirm mode under a policy whose first rule denies every action, with
 * region, resource, port and command settings beside it so that each static check has
 * something to compare; its cloud client points at a closed loopback port, so nothing can be
 * sent anywhere. Oracles: no crash; an unknown name is ERR_NOT_FOUND and nothing else; a tool
 * with an API action is always denied (static checks refuse before any backend request), with
 * policy.deny among its reasons; every reason has a dotted rule and a message that is valid
 * UTF-8 without control characters; no argument whose name says it is secret (password,
 * secret, private key, token) is shown in the result other than as "<redacted>", at any depth;
 * the structured result prints and parses back. Layer: tests. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cloud/cloud.h"
#include "knowledge/kb.h"
#include "skills/skills.h"

#define NAME_MAX_FUZZ 256 /* bytes of a tool name taken from the input */

static const char policy_text[] =
    "{\"enabled\": true,"
    " \"rules\": [{\"pattern\": \"*\", \"action\": \"deny\"},"
    "            {\"pattern\": \"ecs:Describe*\", \"action\": \"allow\"}],"
    " \"regions\": [\"cn-hangzhou\", \"cn-shanghai\"],"
    " \"resources\": [\"i-bp1web*\", \"sg-bp1web00000000000000\", \"d-*\"],"
    " \"admin_ports\": [22, 3389, 3306, 6379, 8443],"
    " \"command_patterns\": [{\"id\": \"command.no_docker_prune\","
    "   \"pattern\": \"docker\\\\s+system\\\\s+prune\", \"message\": \"removes every unused image\","
    "   \"severity\": \"deny\"},"
    "  {\"id\": \"command.fleet_reboot\", \"pattern\": \"\\\\breboot\\\\b\", \"message\": \"reboots\","
    "   \"severity\": \"warn\", \"fleet\": true}],"
    " \"require_rule_description\": true,"
    " \"rate_limit\": {\"per_minute\": 600, \"burst\": 100}}";

static struct {
    struct kb *kb;
    cloud_client *cloud;
    sk_registry *reg;
    char dir[64];
} rig;

static void fini(void)
{
    sk_registry_free(rig.reg);
    cloud_client_free(rig.cloud);
    kb_free(rig.kb);
    char path[128];
    snprintf(path, sizeof path, "%s/policy.json", rig.dir);
    unlink(path);
    rmdir(rig.dir);
}

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_guard: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

static void setup(void)
{
    cJSON_Hooks hooks = {.malloc_fn = xmalloc, .free_fn = xfree};
    cJSON_InitHooks(&hooks);
    struct err e = {0};
    if (kb_load_embedded(&rig.kb, &e) != ERR_OK)
        die("knowledge", e.msg);
    snprintf(rig.dir, sizeof rig.dir, "/tmp/skilld-fuzz-guard-XXXXXX");
    if (!mkdtemp(rig.dir))
        die("mkdtemp", NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/policy.json", rig.dir);
    FILE *f = fopen(path, "w");
    if (!f || fputs(policy_text, f) < 0 || fclose(f) != 0)
        die("cannot write the policy", path);
    /* Port 1 on loopback: refused at once, no retries. Only a composite read without an API
     * action of its own could try it, and it fails fast. */
    struct cloud_credentials creds = {0};
    cloud_credentials_set(&creds, "fuzz-key", "fuzz-secret", NULL, "fuzz");
    struct cloud_config cc;
    cloud_config_defaults(&cc);
    cc.region = "cn-hangzhou";
    cc.ecs_endpoint = cc.vpc_endpoint = "127.0.0.1:1";
    cc.scheme = "http";
    cc.credentials = &creds;
    cc.max_retries = 0;
    cc.connect_timeout_ms = 200;
    cc.timeout_ms = 500;
    rig.cloud = cloud_client_new(&cc, &e);
    cloud_credentials_release(&creds);
    if (!rig.cloud)
        die("cloud client", e.msg);
    struct sk_config sc = {
        .product = kb_product_find(rig.kb, "ecs"),
        .cloud = rig.cloud,
        .backend = "sim",
        .region = "cn-hangzhou",
        .policy_file = path,
        .mode = SK_MODE_CONFIRM,
        .audit_file = "/dev/null",
        .replica_id = "fuzz",
        .key_dir = rig.dir,
    };
    rig.reg = sk_registry_new(&sc, &e);
    if (!rig.reg)
        die("registry", e.msg);
    atexit(fini);
}

/* The redaction rule of skills/plan.c, restated independently: the whole name is examined. */
static int secret_name(const char *name)
{
    if (strcmp(name, "NextToken") == 0 || strcmp(name, "ClientToken") == 0)
        return 0;
    static const char *const words[] = {"password", "secret", "privatekey", "token"};
    size_t len = strlen(name);
    char *low = xmalloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (name[i] != '_' && name[i] != '-')
            low[n++] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
    low[n] = '\0';
    int hit = 0;
    for (size_t i = 0; i < ARRAY_LEN(words) && !hit; i++)
        hit = strstr(low, words[i]) != NULL;
    free(low);
    return hit;
}

/* Every member named like a secret holds "<redacted>", at any depth. */
static void check_redacted(const cJSON *v, const char *where)
{
    for (const cJSON *c = v ? v->child : NULL; c; c = c->next) {
        if (cJSON_IsObject(v) && c->string && secret_name(c->string) &&
            !(cJSON_IsString(c) && strcmp(c->valuestring, "<redacted>") == 0))
            die("a secret-named argument is shown unredacted in", where);
        check_redacted(c, where);
    }
}

static void check_text(const char *s, const char *what)
{
    if (!s || !*s)
        die("empty", what);
    if (!utf8_valid(s, strlen(s)))
        die("not UTF-8", what);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            die("control character in", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rig.reg)
        setup();
    const uint8_t *nl = memchr(data, '\n', size);
    size_t nlen = nl ? (size_t)(nl - data) : size;
    if (nlen > NAME_MAX_FUZZ)
        return 0;
    char name[NAME_MAX_FUZZ + 1];
    memcpy(name, data, nlen);
    name[nlen] = '\0';
    if (strlen(name) != nlen)
        return 0; /* a NUL inside: not a name a transport can deliver */
    if (nlen == 1)
        snprintf(name, sizeof name, "%s",
                 sk_tool_at(rig.reg, (unsigned char)data[0] % sk_tool_count(rig.reg))->name);
    const char *json = nl ? (const char *)nl + 1 : "";
    size_t jlen = nl ? size - nlen - 1 : 0;
    cJSON *args = jlen ? cJSON_ParseWithLength(json, jlen) : NULL;
    if (jlen && !args)
        return 0;

    const struct sk_tool_info *info = sk_tool_find(rig.reg, name);
    struct sk_caller caller = {"fuzz"};
    struct sk_outcome out;
    struct err e = {0};
    err_code rc = sk_call(rig.reg, &caller, name, args, NULL, &out, &e);
    if (!info) {
        if (rc != ERR_NOT_FOUND || out.structured || out.text)
            die("an unknown tool was not refused as unknown", name);
        cJSON_Delete(args);
        return 0;
    }
    if (rc != ERR_OK || !cJSON_IsObject(out.structured) || !out.text)
        die("a known tool gave no outcome", name);
    const char *status = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(out.structured, "status"));
    const char *action = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(out.structured, "action"));
    if (!status)
        die("no status", name);
    if (action && strcmp(status, "denied") != 0) {
        fprintf(stderr, "%s -> %s: %s\n", name, status, out.text);
        die("a call with an API action got past a policy that denies every action", name);
    }
    if (strcmp(status, "denied") == 0) {
        const cJSON *reasons = cJSON_GetObjectItemCaseSensitive(out.structured, "reasons");
        const cJSON *r;
        int policy_deny = 0;
        if (!out.is_error || cJSON_GetArraySize(reasons) < 1)
            die("a denial without reasons", name);
        cJSON_ArrayForEach(r, reasons) {
            const char *rule = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "rule"));
            check_text(rule, "a rule id");
            if (!strchr(rule, '.'))
                die("a rule id without a dot", rule);
            check_text(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "message")),
                       "a reason's message");
            policy_deny |= strcmp(rule, "policy.deny") == 0;
        }
        /* A schema failure is reported alone; otherwise the deny-all rule must be there. */
        int schema_only = 0;
        cJSON_ArrayForEach(r, reasons) {
            const char *rule = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "rule"));
            schema_only |= strncmp(rule, "schema.", 7) == 0 && strcmp(rule, "schema.required") != 0;
        }
        if (action && !policy_deny && !schema_only)
            die("denied without policy.deny", name);
    }
    check_redacted(cJSON_GetObjectItemCaseSensitive(out.structured, "arguments"), "arguments");
    char *printed = cJSON_PrintUnformatted(out.structured);
    cJSON *again = printed ? cJSON_Parse(printed) : NULL;
    if (!again)
        die("the structured result does not print as JSON", name);
    cJSON_Delete(again);
    free(printed);
    sk_outcome_release(&out);
    cJSON_Delete(args);
    return 0;
}
