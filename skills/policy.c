/* policy.c - the guardrail policy: built-in defaults (administrative ports, destructive
 * command patterns), the aliyun CLI safety-policy rules and skilld's own settings from
 * --policy FILE. Layer: skills. */
#include "skills/policy.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Built-in defaults -------------------------------------------------------------------
 * Ports a rule must never open to 0.0.0.0/0 or ::/0: remote administration, databases,
 * caches, search engines, container and cluster control planes. To add one: a number. */
static const int default_admin_ports[] = {
    20,   21,   22,   23,   135,  139,   445,   1433,  1521,  2375,  2376,  2379,
    2380, 3306, 3389, 5432, 5601, 5900,  5984,  6379,  6443,  7001,  8500,  9200,
    9300, 10250, 11211, 27017, 27018, 50070,
};

/* Command content that is refused (or, as "warn", reported) whatever the policy file says.
 * To add a row: a stable id, a PCRE2 pattern (matched caseless, multi-line), why, severity,
 * and fleet = 1 when it is only refused on more than one instance at a time. */
static const struct {
    const char *id;
    const char *pattern;
    const char *message;
    enum sk_severity severity;
    int fleet;
} default_commands[] = {
    {"command.recursive_delete",
     "\\brm\\s+(?:-{1,2}[\\w-]+\\s+)*(?:-[a-z]*r[a-z]*|--recursive)\\s+(?:-{1,2}[\\w-]+\\s+)*"
     "[\"']?(?:/|/\\*|~/?\\*?|\\$HOME/?|/(?:bin|boot|dev|etc|home|lib|lib64|opt|root|sbin|srv|"
     "sys|usr|var)/?\\*?)[\"']?(?=\\s|;|&|\\||$)",
     "recursively deletes the root file system, a home directory or a system directory",
     SK_DENY, 0},
    {"command.recursive_delete",
     "\\b(?:remove-item|rm|del|erase|rd|rmdir)\\b[^\\n;|&]*(?:-recurse|/s)\\b[^\\n;|&]*"
     "[\"']?[a-z]:[\\\\/]?(?:windows[\\\\/]?)?\\*?[\"']?(?=\\s|;|$)",
     "recursively deletes a Windows system drive or directory", SK_DENY, 0},
    {"command.format_filesystem",
     "\\b(?:mkfs(?:\\.\\w+)?|mke2fs|mkswap|mkfs\\.xfs)\\b|\\bformat(?:-volume)?\\s+[a-z]:|"
     "\\bformat-volume\\b|\\bclear-disk\\b",
     "formats a file system or a disk, destroying what is on it", SK_DENY, 0},
    {"command.wipe_signatures", "\\bwipefs\\b|\\bsgdisk\\s+(?:-Z|--zap-all)\\b",
     "erases file system or partition signatures from a disk", SK_DENY, 0},
    {"command.block_device_write",
     "\\bdd\\b[^\\n;|&]*\\bof=/dev/(?:sd|vd|xvd|hd|nvme|mapper/|disk/)|"
     ">\\s*/dev/(?:sd|vd|xvd|hd|nvme)[a-z0-9]*\\b|\\bshred\\b[^\\n;|&]*/dev/|"
     "\\bblkdiscard\\b",
     "writes directly onto a block device, destroying its data", SK_DENY, 0},
    {"command.fork_bomb",
     "(\\b\\w+|:)\\s*\\(\\)\\s*\\{\\s*\\1\\s*\\|\\s*\\1\\s*&\\s*\\}\\s*;?\\s*\\1|"
     "%0\\|%0",
     "is a fork bomb: it exhausts the instance until it stops responding", SK_DENY, 0},
    {"command.kill_everything", "\\bkill\\s+-(?:9|KILL|SIGKILL)\\s+-1\\b|\\bkillall5\\b",
     "kills every process on the instance", SK_DENY, 0},
    {"command.power_off_fleet",
     "\\b(?:poweroff|halt|shutdown|init\\s+0|systemctl\\s+(?:poweroff|halt)|stop-computer)\\b",
     "powers off several instances at once; stop them through the API one by one instead",
     SK_DENY, 1},
    {"command.credential_access",
     "/etc/(?:shadow|gshadow)\\b|\\.ssh/id_(?:rsa|dsa|ecdsa|ed25519)\\b(?!\\.pub)|"
     "\\.aliyun/config\\.json|\\.alibabacloud/credentials|\\.aws/credentials|"
     "100\\.100\\.100\\.200/latest/meta-data/ram/security-credentials|"
     "ALIBABA_CLOUD_ACCESS_KEY_SECRET|ACCESS_KEY_SECRET",
     "reads credentials (password hashes, private keys, cloud access keys); their contents "
     "would leave the instance in the command output",
     SK_DENY, 0},
    {"command.exfiltration",
     "\\b(?:curl|wget)\\b[^\\n;]*(?:--data(?:-binary)?|-d|-F|--upload-file|-T)\\s*[\"']?@?"
     "(?:/etc/|/root/|~/\\.ssh|\\$HOME/\\.ssh)|"
     "\\b(?:nc|ncat|netcat)\\b[^\\n;]*<\\s*/etc/|"
     "\\b(?:env|printenv|set)\\b\\s*\\|\\s*(?:curl|wget|nc|ncat)\\b",
     "sends local files or the environment to another host", SK_DENY, 0},
    {"command.reverse_shell",
     "/dev/tcp/\\d|\\b(?:nc|ncat|netcat)\\b[^\\n;]*\\s-e\\s|\\bsocat\\b[^\\n;]*exec:",
     "opens a reverse shell to another host", SK_DENY, 0},
    {"command.history_wipe",
     "\\bhistory\\s+-c\\b|\\bunset\\s+HISTFILE\\b|\\bHISTSIZE=0\\b|"
     "(?:\\brm\\b|\\bshred\\b|\\btruncate\\b|>)[^\\n;|&]*(?:\\.bash_history|\\.zsh_history|"
     "/var/log/(?:wtmp|btmp|lastlog|secure|auth\\.log|messages|audit/))|"
     "\\bjournalctl\\b[^\\n;]*--vacuum|\\bwevtutil\\s+cl\\b|\\bclear-eventlog\\b",
     "erases shell history or system logs, which hides what was done", SK_DENY, 0},
    {"command.world_writable_root", "\\bchmod\\s+(?:-R|--recursive)\\s+0?777\\s+/(?=\\s|;|$)",
     "makes the whole file system writable by everyone", SK_DENY, 0},
    {"command.obfuscated",
     "\\bbase64\\s+(?:-d|--decode)\\b[^\\n;]*\\|\\s*(?:ba|z|da)?sh\\b|"
     "\\b(?:eval|iex|invoke-expression)\\b[^\\n;]*(?:base64|frombase64string)",
     "runs content that is encoded so it cannot be checked before it runs", SK_DENY, 0},
    {"command.pipe_to_shell", "\\b(?:curl|wget)\\b[^\\n;]*\\|\\s*(?:sudo\\s+)?(?:ba|z|da)?sh\\b",
     "runs a script downloaded at run time; its content cannot be checked beforehand",
     SK_WARN, 0},
    {"command.power_off", "\\b(?:poweroff|halt|shutdown|init\\s+0|reboot|stop-computer|restart-computer)\\b",
     "stops or restarts the instance from inside; the command will not report completion",
     SK_WARN, 0},
};

/* ---- Small helpers -------------------------------------------------------------------------*/

static char *str_dup_bounded(const cJSON *v)
{
    return xstrdup(v->valuestring);
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

const char *sk_mode_name(enum sk_mode m)
{
    switch (m) {
    case SK_MODE_READ_ONLY: return "read-only";
    case SK_MODE_CONFIRM: return "confirm";
    case SK_MODE_AUTO: return "auto";
    case SK_MODE_DEFAULT: break;
    }
    return "default";
}

err_code sk_mode_parse(const char *s, enum sk_mode *ret)
{
    static const struct { const char *name; enum sk_mode mode; } modes[] = {
        {"read-only", SK_MODE_READ_ONLY}, {"readonly", SK_MODE_READ_ONLY},
        {"confirm", SK_MODE_CONFIRM},     {"auto", SK_MODE_AUTO},
        {"default", SK_MODE_DEFAULT},
    };
    for (size_t i = 0; s && i < ARRAY_LEN(modes); i++)
        if (strcmp(s, modes[i].name) == 0) {
            *ret = modes[i].mode;
            return ERR_OK;
        }
    return ERR_INVALID;
}

static err_code compile_pattern(struct sk_cmd_pattern *c, const char *pattern, struct err *e,
                                const char *where)
{
    int errcode = 0;
    PCRE2_SIZE off = 0;
    c->re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                          PCRE2_CASELESS | PCRE2_MULTILINE | PCRE2_UTF | PCRE2_UCP, &errcode,
                          &off, NULL);
    if (!c->re) {
        char msg[160];
        pcre2_get_error_message(errcode, (PCRE2_UCHAR *)msg, sizeof msg);
        return err_set(e, ERR_INVALID, "%s: pattern does not compile at offset %zu: %s", where,
                       (size_t)off, msg);
    }
    return ERR_OK;
}

static void add_command(struct sk_policy *p, struct sk_cmd_pattern *c)
{
    p->commands = xrealloc(p->commands, (p->ncommands + 1) * sizeof *p->commands);
    p->commands[p->ncommands++] = *c;
}

static struct sk_policy *policy_defaults(void)
{
    struct sk_policy *p = xcalloc(1, sizeof *p);
    p->source = xstrdup("built-in defaults");
    p->enabled = 1;
    p->mode = SK_MODE_DEFAULT;
    p->nadmin_ports = ARRAY_LEN(default_admin_ports);
    p->admin_ports = xmalloc(sizeof default_admin_ports);
    memcpy(p->admin_ports, default_admin_ports, sizeof default_admin_ports);
    for (size_t i = 0; i < ARRAY_LEN(default_commands); i++) {
        struct sk_cmd_pattern c = {0};
        if (compile_pattern(&c, default_commands[i].pattern, NULL, default_commands[i].id)) {
            /* A built-in pattern that does not compile is a bug caught by the unit tests. */
            fprintf(stderr, "skilld: built-in command pattern %s does not compile\n",
                    default_commands[i].id);
            abort();
        }
        c.id = xstrdup(default_commands[i].id);
        c.message = xstrdup(default_commands[i].message);
        c.severity = default_commands[i].severity;
        c.fleet = default_commands[i].fleet;
        add_command(p, &c);
    }
    p->rate_per_minute = 60;
    p->rate_burst = 20;
    return p;
}

void sk_policy_free(struct sk_policy *p)
{
    if (!p)
        return;
    free(p->source);
    for (size_t i = 0; i < p->nrules; i++)
        free(p->rules[i].pattern);
    free(p->rules);
    strv_free(p->regions, p->nregions);
    strv_free(p->resources, p->nresources);
    for (size_t i = 0; i < p->ntags; i++) {
        free(p->tags[i].key);
        free(p->tags[i].value);
    }
    free(p->tags);
    free(p->admin_ports);
    for (size_t i = 0; i < p->ncommands; i++) {
        free(p->commands[i].id);
        free(p->commands[i].message);
        pcre2_code_free(p->commands[i].re);
    }
    free(p->commands);
    for (size_t i = 0; i < p->nlimits; i++)
        free(p->limits[i].id);
    free(p->limits);
    free(p);
}

/* ---- The file ------------------------------------------------------------------------------*/

/* A member named twice would let a reader and the policy see different values. */
static err_code no_duplicates(const cJSON *obj, const char *where, struct err *e)
{
    for (const cJSON *a = obj ? obj->child : NULL; a; a = a->next)
        for (const cJSON *b = a->next; b; b = b->next)
            if (a->string && b->string && strcmp(a->string, b->string) == 0)
                return err_set(e, ERR_INVALID, "%s: key \"%s\" appears twice", where, a->string);
    return ERR_OK;
}

static err_code want_string(const cJSON *v, const char *where, struct err *e)
{
    if (!cJSON_IsString(v) || !v->valuestring[0])
        return err_set(e, ERR_INVALID, "%s: must be a non-empty string", where);
    size_t len = strlen(v->valuestring);
    if (len > SK_POLICY_STRING_MAX)
        return err_set(e, ERR_INVALID, "%s: longer than %d bytes", where, SK_POLICY_STRING_MAX);
    if (!utf8_valid(v->valuestring, len))
        return err_set(e, ERR_INVALID, "%s: not valid UTF-8", where);
    return ERR_OK;
}

static err_code want_array(const cJSON *v, const char *key, size_t max, struct err *e)
{
    if (!cJSON_IsArray(v))
        return err_set(e, ERR_INVALID, "\"%s\": must be an array", key);
    if ((size_t)cJSON_GetArraySize(v) > max)
        return err_set(e, ERR_INVALID, "\"%s\": more than %zu entries", key, max);
    return ERR_OK;
}

static err_code parse_rules(struct sk_policy *p, const cJSON *v, struct err *e)
{
    err_code rc = want_array(v, "rules", SK_POLICY_RULES_MAX, e);
    if (rc)
        return rc;
    static const struct { const char *name; enum sk_rule_action action; } actions[] = {
        {"allow", SK_RULE_ALLOW}, {"", SK_RULE_ALLOW},     {"deny", SK_RULE_DENY},
        {"confirm", SK_RULE_CONFIRM}, {"forbid", SK_RULE_CONFIRM},
    };
    size_t i = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, v) {
        char where[64];
        snprintf(where, sizeof where, "rules[%zu]", i++);
        if (!cJSON_IsObject(r))
            return err_set(e, ERR_INVALID, "%s: must be an object {\"pattern\", \"action\"}", where);
        if ((rc = no_duplicates(r, where, e)))
            return rc;
        for (const cJSON *k = r->child; k; k = k->next)
            if (strcmp(k->string, "pattern") != 0 && strcmp(k->string, "action") != 0)
                return err_set(e, ERR_INVALID, "%s: unknown key \"%s\" (expected pattern, action)",
                               where, k->string);
        const cJSON *pat = cJSON_GetObjectItemCaseSensitive(r, "pattern");
        char w2[80];
        snprintf(w2, sizeof w2, "%s.pattern", where);
        if ((rc = want_string(pat, w2, e)))
            return rc;
        const cJSON *act = cJSON_GetObjectItemCaseSensitive(r, "action");
        enum sk_rule_action a = SK_RULE_ALLOW;
        if (act) {
            if (!cJSON_IsString(act))
                return err_set(e, ERR_INVALID, "%s.action: must be a string", where);
            size_t k = 0;
            for (; k < ARRAY_LEN(actions); k++) {
                size_t n = strlen(actions[k].name);
                if (strlen(act->valuestring) == n &&
                    strncasecmp(act->valuestring, actions[k].name, n) == 0)
                    break;
            }
            if (k == ARRAY_LEN(actions))
                return err_set(e, ERR_INVALID,
                               "%s.action: \"%.40s\" is not one of allow, deny, confirm, forbid",
                               where, act->valuestring);
            a = actions[k].action;
        }
        p->rules = xrealloc(p->rules, (p->nrules + 1) * sizeof *p->rules);
        p->rules[p->nrules].pattern = str_dup_bounded(pat);
        p->rules[p->nrules++].action = a;
    }
    return ERR_OK;
}

static err_code parse_strings(const cJSON *v, const char *key, char ***ret, size_t *ret_n,
                              struct err *e)
{
    err_code rc = want_array(v, key, SK_POLICY_LIST_MAX, e);
    size_t i = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, v) {
        if (rc)
            break;
        char where[64];
        snprintf(where, sizeof where, "%s[%zu]", key, i++);
        if ((rc = want_string(s, where, e)))
            break;
        *ret = xrealloc(*ret, (*ret_n + 1) * sizeof **ret);
        (*ret)[(*ret_n)++] = str_dup_bounded(s);
    }
    return rc;
}

static err_code parse_tags(struct sk_policy *p, const cJSON *v, struct err *e)
{
    err_code rc = want_array(v, "tags", SK_POLICY_LIST_MAX, e);
    size_t i = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, v) {
        if (rc)
            break;
        char where[64];
        snprintf(where, sizeof where, "tags[%zu]", i++);
        if (!cJSON_IsObject(t))
            return err_set(e, ERR_INVALID, "%s: must be an object {\"key\", \"value\"}", where);
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(t, "key");
        const cJSON *val = cJSON_GetObjectItemCaseSensitive(t, "value");
        char w2[80];
        snprintf(w2, sizeof w2, "%s.key", where);
        if ((rc = no_duplicates(t, where, e)) || (rc = want_string(k, w2, e)))
            break;
        if (val && !cJSON_IsString(val))
            return err_set(e, ERR_INVALID, "%s.value: must be a string", where);
        if (cJSON_GetArraySize(t) != 1 + (val != NULL))
            return err_set(e, ERR_INVALID, "%s: only \"key\" and \"value\" are allowed", where);
        p->tags = xrealloc(p->tags, (p->ntags + 1) * sizeof *p->tags);
        p->tags[p->ntags].key = str_dup_bounded(k);
        p->tags[p->ntags++].value = val ? xstrdup(val->valuestring) : NULL;
    }
    return rc;
}

static err_code parse_ports(struct sk_policy *p, const cJSON *v, struct err *e)
{
    err_code rc = want_array(v, "admin_ports", SK_POLICY_LIST_MAX, e);
    if (rc)
        return rc;
    int *ports = xmalloc(((size_t)cJSON_GetArraySize(v) + 1) * sizeof *ports);
    size_t n = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, v) {
        if (!cJSON_IsNumber(x) || x->valuedouble != floor(x->valuedouble) || x->valuedouble < 1 ||
            x->valuedouble > 65535) {
            free(ports);
            return err_set(e, ERR_INVALID, "admin_ports[%zu]: must be a port number 1-65535", n);
        }
        ports[n++] = (int)x->valuedouble;
    }
    free(p->admin_ports);
    p->admin_ports = ports;
    p->nadmin_ports = n;
    return ERR_OK;
}

static err_code parse_commands(struct sk_policy *p, const cJSON *v, struct err *e)
{
    err_code rc = want_array(v, "command_patterns", SK_POLICY_LIST_MAX, e);
    size_t i = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, v) {
        if (rc)
            break;
        char where[64], w2[96];
        snprintf(where, sizeof where, "command_patterns[%zu]", i++);
        if (!cJSON_IsObject(c))
            return err_set(e, ERR_INVALID,
                           "%s: must be an object {\"id\", \"pattern\", \"message\"}", where);
        if ((rc = no_duplicates(c, where, e)))
            break;
        static const char *const keys[] = {"id", "pattern", "message", "severity", "fleet"};
        for (const cJSON *k = c->child; k; k = k->next) {
            size_t j = 0;
            while (j < ARRAY_LEN(keys) && strcmp(keys[j], k->string) != 0)
                j++;
            if (j == ARRAY_LEN(keys))
                return err_set(e, ERR_INVALID, "%s: unknown key \"%s\"", where, k->string);
        }
        const char *req[] = {"id", "pattern", "message"};
        for (size_t j = 0; j < ARRAY_LEN(req) && !rc; j++) {
            snprintf(w2, sizeof w2, "%s.%s", where, req[j]);
            rc = want_string(cJSON_GetObjectItemCaseSensitive(c, req[j]), w2, e);
        }
        if (rc)
            break;
        const char *id = cJSON_GetObjectItemCaseSensitive(c, "id")->valuestring;
        if (strncmp(id, "command.", 8) != 0)
            return err_set(e, ERR_INVALID, "%s.id: must start with \"command.\"", where);
        struct sk_cmd_pattern cp = {0};
        cp.severity = SK_DENY;
        const cJSON *sev = cJSON_GetObjectItemCaseSensitive(c, "severity");
        if (sev) {
            if (!cJSON_IsString(sev) ||
                (strcmp(sev->valuestring, "deny") != 0 && strcmp(sev->valuestring, "warn") != 0))
                return err_set(e, ERR_INVALID, "%s.severity: must be \"deny\" or \"warn\"", where);
            cp.severity = strcmp(sev->valuestring, "warn") == 0 ? SK_WARN : SK_DENY;
        }
        const cJSON *fleet = cJSON_GetObjectItemCaseSensitive(c, "fleet");
        if (fleet && !cJSON_IsBool(fleet))
            return err_set(e, ERR_INVALID, "%s.fleet: must be true or false", where);
        cp.fleet = cJSON_IsTrue(fleet);
        snprintf(w2, sizeof w2, "%s.pattern", where);
        if ((rc = compile_pattern(&cp, cJSON_GetObjectItemCaseSensitive(c, "pattern")->valuestring,
                                  e, w2)))
            break;
        cp.id = xstrdup(id);
        cp.message = xstrdup(cJSON_GetObjectItemCaseSensitive(c, "message")->valuestring);
        add_command(p, &cp);
    }
    return rc;
}

static err_code parse_limits(struct sk_policy *p, const cJSON *v, struct err *e)
{
    if (!cJSON_IsObject(v))
        return err_set(e, ERR_INVALID, "\"limits\": must be an object {\"limit-id\": number}");
    if ((size_t)cJSON_GetArraySize(v) > SK_POLICY_LIST_MAX)
        return err_set(e, ERR_INVALID, "\"limits\": too many entries");
    err_code rc = no_duplicates(v, "limits", e);
    for (const cJSON *x = v->child; x && !rc; x = x->next) {
        if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble) || x->valuedouble < 0)
            return err_set(e, ERR_INVALID, "limits.%.64s: must be a non-negative number", x->string);
        p->limits = xrealloc(p->limits, (p->nlimits + 1) * sizeof *p->limits);
        p->limits[p->nlimits].id = xstrdup(x->string);
        p->limits[p->nlimits++].value = x->valuedouble;
    }
    return rc;
}

static err_code parse_rate(struct sk_policy *p, const cJSON *v, struct err *e)
{
    if (!cJSON_IsObject(v))
        return err_set(e, ERR_INVALID,
                       "\"rate_limit\": must be an object {\"per_minute\", \"burst\"}");
    err_code rc = no_duplicates(v, "rate_limit", e);
    for (const cJSON *x = v->child; x && !rc; x = x->next) {
        double *dst = strcmp(x->string, "per_minute") == 0 ? &p->rate_per_minute
                      : strcmp(x->string, "burst") == 0    ? &p->rate_burst
                                                           : NULL;
        if (!dst)
            return err_set(e, ERR_INVALID, "rate_limit: unknown key \"%.64s\"", x->string);
        if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble) || x->valuedouble < 0 ||
            x->valuedouble > 1e6)
            return err_set(e, ERR_INVALID, "rate_limit.%s: must be a number 0-1000000", x->string);
        *dst = x->valuedouble;
    }
    return rc;
}

static err_code parse_bool(const cJSON *v, const char *key, int *ret, struct err *e)
{
    if (!cJSON_IsBool(v))
        return err_set(e, ERR_INVALID, "\"%s\": must be true or false", key);
    *ret = cJSON_IsTrue(v);
    return ERR_OK;
}

static err_code parse_file(struct sk_policy *p, const cJSON *root, struct err *e)
{
    if (!cJSON_IsObject(root))
        return err_set(e, ERR_INVALID, "the policy must be a JSON object");
    err_code rc = no_duplicates(root, "policy", e);
    for (const cJSON *v = root->child; v && !rc; v = v->next) {
        const char *k = v->string;
        if (strcmp(k, "enabled") == 0)
            rc = parse_bool(v, k, &p->enabled, e);
        else if (strcmp(k, "rules") == 0)
            rc = parse_rules(p, v, e);
        else if (strcmp(k, "mode") == 0) {
            if (!cJSON_IsString(v) || sk_mode_parse(v->valuestring, &p->mode) ||
                p->mode == SK_MODE_DEFAULT)
                rc = err_set(e, ERR_INVALID, "\"mode\": must be \"read-only\", \"confirm\" or \"auto\"");
        } else if (strcmp(k, "regions") == 0)
            rc = parse_strings(v, k, &p->regions, &p->nregions, e);
        else if (strcmp(k, "resources") == 0)
            rc = parse_strings(v, k, &p->resources, &p->nresources, e);
        else if (strcmp(k, "tags") == 0)
            rc = parse_tags(p, v, e);
        else if (strcmp(k, "admin_ports") == 0)
            rc = parse_ports(p, v, e);
        else if (strcmp(k, "command_patterns") == 0)
            rc = parse_commands(p, v, e);
        else if (strcmp(k, "limits") == 0)
            rc = parse_limits(p, v, e);
        else if (strcmp(k, "require_rule_description") == 0)
            rc = parse_bool(v, k, &p->require_description, e);
        else if (strcmp(k, "rate_limit") == 0)
            rc = parse_rate(p, v, e);
        else if (strcmp(k, "confirmation_ttl_s") == 0) {
            if (!cJSON_IsNumber(v) || v->valuedouble < 30 || v->valuedouble > 3600 ||
                v->valuedouble != floor(v->valuedouble))
                rc = err_set(e, ERR_INVALID, "\"confirmation_ttl_s\": must be an integer 30-3600");
            else
                p->token_ttl_s = (unsigned)v->valuedouble;
        } else if (strcmp(k, "description") == 0 || strcmp(k, "$comment") == 0) {
            if (!cJSON_IsString(v))
                rc = err_set(e, ERR_INVALID, "\"%s\": must be a string", k);
        } else
            rc = err_set(e, ERR_INVALID,
                         "unknown key \"%.64s\" (known: enabled, rules, mode, regions, resources, "
                         "tags, admin_ports, command_patterns, limits, require_rule_description, "
                         "rate_limit, confirmation_ttl_s, description)",
                         k);
    }
    return rc;
}

static err_code read_file(const char *path, char **ret, size_t *ret_len, struct err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, ERR_IO, "cannot open policy file %s: %s", path, strerror(errno));
    struct buf b;
    buf_init(&b, SK_POLICY_FILE_MAX);
    char chunk[8192];
    size_t n;
    err_code rc = ERR_OK;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(&b, chunk, n)) {
            rc = err_set(e, ERR_TOO_BIG, "policy file %s is larger than %d bytes", path,
                         SK_POLICY_FILE_MAX);
            break;
        }
    if (!rc && ferror(f))
        rc = err_set(e, ERR_IO, "cannot read policy file %s", path);
    fclose(f);
    if (rc) {
        buf_release(&b);
        return rc;
    }
    *ret = buf_steal(&b, ret_len);
    return ERR_OK;
}

err_code sk_policy_load(const char *path, struct sk_policy **ret, struct err *e)
{
    *ret = NULL;
    struct sk_policy *p = policy_defaults();
    if (!path) {
        *ret = p;
        return ERR_OK;
    }
    char *text = NULL;
    size_t len = 0;
    err_code rc = read_file(path, &text, &len, e);
    if (rc) {
        sk_policy_free(p);
        return rc;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
    if (!root) {
        rc = err_set(e, ERR_PARSE, "policy file %s is not valid JSON (near byte %zu)", path,
                     end ? (size_t)(end - text) : 0);
    } else {
        struct err inner;
        err_clear(&inner);
        rc = parse_file(p, root, &inner);
        if (rc)
            err_set(e, rc, "policy file %s: %s", path, inner.msg);
    }
    cJSON_Delete(root);
    free(text);
    if (rc) {
        sk_policy_free(p);
        return rc;
    }
    free(p->source);
    p->source = xstrdup(path);
    *ret = p;
    return ERR_OK;
}

/* ---- Queries -------------------------------------------------------------------------------*/

int sk_wildcard_match(const char *pattern, const char *s)
{
    /* Iterative glob with one backtrack point: linear in practice, no recursion. */
    const char *star = NULL, *mark = NULL;
    while (*s) {
        if (*pattern == '*') {
            star = pattern++;
            mark = s;
        } else if (*pattern && tolower((unsigned char)*pattern) == tolower((unsigned char)*s)) {
            pattern++;
            s++;
        } else if (star) {
            pattern = star + 1;
            s = ++mark;
        } else
            return 0;
    }
    while (*pattern == '*')
        pattern++;
    return *pattern == '\0';
}

enum sk_rule_action sk_policy_match(const struct sk_policy *p, const char *product,
                                    const char *action, const char **ret_pattern)
{
    if (ret_pattern)
        *ret_pattern = NULL;
    if (!p->enabled)
        return SK_RULE_NONE;
    char subject[160];
    snprintf(subject, sizeof subject, "%s:%s", product, action);
    for (size_t i = 0; i < p->nrules; i++) {
        /* The aliyun CLI trims the pattern before matching; so do we. */
        const char *pat = p->rules[i].pattern;
        while (*pat == ' ' || *pat == '\t')
            pat++;
        char trimmed[SK_POLICY_STRING_MAX + 1];
        snprintf(trimmed, sizeof trimmed, "%s", pat);
        size_t n = strlen(trimmed);
        while (n && (trimmed[n - 1] == ' ' || trimmed[n - 1] == '\t'))
            trimmed[--n] = '\0';
        if (n && sk_wildcard_match(trimmed, subject)) {
            if (ret_pattern)
                *ret_pattern = p->rules[i].pattern;
            return p->rules[i].action;
        }
    }
    return SK_RULE_NONE;
}

int sk_policy_region_allowed(const struct sk_policy *p, const char *region)
{
    if (p->nregions == 0)
        return 1;
    for (size_t i = 0; region && i < p->nregions; i++)
        if (sk_wildcard_match(p->regions[i], region))
            return 1;
    return 0;
}

int sk_policy_restricts_resources(const struct sk_policy *p)
{
    return p->nresources > 0 || p->ntags > 0;
}

int sk_policy_resource_listed(const struct sk_policy *p, const char *id)
{
    if (!sk_policy_restricts_resources(p))
        return 1;
    for (size_t i = 0; id && i < p->nresources; i++)
        if (sk_wildcard_match(p->resources[i], id))
            return 1;
    return 0;
}

int sk_policy_admin_port(const struct sk_policy *p, long port)
{
    for (size_t i = 0; i < p->nadmin_ports; i++)
        if (p->admin_ports[i] == port)
            return 1;
    return 0;
}

double sk_policy_limit(const struct sk_policy *p, const char *id, double fallback)
{
    for (size_t i = 0; i < p->nlimits; i++)
        if (strcmp(p->limits[i].id, id) == 0)
            return p->limits[i].value;
    return fallback;
}
