/* policy.h - private to skills/: the guardrail policy. The file speaks the aliyun CLI's
 * safety-policy grammar ({"enabled", "rules": [{"pattern", "action"}]}, case-insensitive
 * `*` wildcards over "product:Action", first match wins) so an existing policy works
 * unchanged; skilld's own settings sit beside the rules as further top-level keys.
 * Layer: skills. */
#ifndef SKILLD_SKILLS_POLICY_H
#define SKILLD_SKILLS_POLICY_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>

#include "base/base.h"
#include "skills/skills.h"

/* Named limits on what a policy file may hold. */
#define SK_POLICY_FILE_MAX (256 * 1024) /* bytes */
#define SK_POLICY_RULES_MAX 512
#define SK_POLICY_LIST_MAX 1024         /* regions, resources, tags, ports, patterns, limits */
#define SK_POLICY_STRING_MAX 512        /* bytes of one string */

enum sk_rule_action {
    SK_RULE_NONE,    /* no rule matched (or the rules are disabled) */
    SK_RULE_ALLOW,   /* "allow" (or an empty action) */
    SK_RULE_DENY,    /* "deny" */
    SK_RULE_CONFIRM, /* "confirm" or its alias "forbid" */
};

struct sk_policy_rule {
    char *pattern;              /* "ecs:Delete*", as written */
    enum sk_rule_action action;
};

/* A pattern that command content must not match (or, with fleet = 1, must not match when
 * the command targets more than one instance). */
struct sk_cmd_pattern {
    char *id;              /* rule id, e.g. "command.recursive_delete" */
    char *message;         /* why, for a person */
    enum sk_severity severity;
    int fleet;             /* 1: only when more than one instance is targeted */
    pcre2_code *re;        /* compiled, caseless */
};

struct sk_tag {
    char *key;
    char *value; /* NULL: any value */
};

struct sk_limit_override {
    char *id;     /* a documented limit id (sk_registry_new checks it exists) */
    double value; /* the account's quota, replacing the documented value */
};

/* A loaded policy: built-in defaults merged with the file. Read-only once loaded. */
struct sk_policy {
    char *source;                       /* "built-in defaults" or the file's path */
    int enabled;                        /* rules apply only when 1 */
    struct sk_policy_rule *rules;
    size_t nrules;
    enum sk_mode mode;                  /* SK_MODE_DEFAULT unless the file says */
    char **regions;                     /* allowed RegionIds; none: any */
    size_t nregions;
    char **resources;                   /* allowed resource ids, '*' wildcards; none: any */
    size_t nresources;
    struct sk_tag *tags;                /* resources carrying one of these tags are allowed */
    size_t ntags;
    int *admin_ports;                   /* ports never opened to the world */
    size_t nadmin_ports;
    struct sk_cmd_pattern *commands;    /* defaults first, then the file's */
    size_t ncommands;
    struct sk_limit_override *limits;   /* quotas the account has raised */
    size_t nlimits;
    int require_description;            /* 1: a rule without Description is denied, not warned */
    double rate_per_minute;             /* changing calls per caller per minute (0: unlimited) */
    double rate_burst;                  /* bucket size */
    unsigned token_ttl_s;               /* 0: the registry's default */
};

/* Load a policy: the built-in defaults, then `path` (NULL: defaults only) merged over them —
 * rules, regions, resources, tags and limits come from the file; admin_ports replaces the
 * default list when given; command_patterns are added to the defaults. Unknown top-level keys,
 * wrong types, bad patterns and out-of-range numbers are ERR_INVALID with e naming the key
 * (and the index); an unreadable file ERR_IO; malformed JSON ERR_PARSE. */
err_code sk_policy_load(const char *path, struct sk_policy **ret, struct err *e);
void sk_policy_free(struct sk_policy *p);

/* The first rule matching "product:action" (case-insensitive, '*' = any run of characters),
 * or SK_RULE_NONE. *ret_pattern (may be NULL) gets the matching rule's pattern. */
enum sk_rule_action sk_policy_match(const struct sk_policy *p, const char *product,
                                    const char *action, const char **ret_pattern);

/* 1 if the wildcard pattern (case-insensitive, '*' = any run) matches the whole of s. */
int sk_wildcard_match(const char *pattern, const char *s);

/* 1 if region may be acted on (no list means any). */
int sk_policy_region_allowed(const struct sk_policy *p, const char *region);
/* 1 if the resource id is on the allow-list by id (no id list and no tag list means any). */
int sk_policy_resource_listed(const struct sk_policy *p, const char *id);
/* 1 if resources must be checked (an id or tag allow-list exists). */
int sk_policy_restricts_resources(const struct sk_policy *p);
/* 1 if port is an administrative or database port. */
int sk_policy_admin_port(const struct sk_policy *p, long port);
/* The account's quota for a documented limit, or `fallback` when not raised. */
double sk_policy_limit(const struct sk_policy *p, const char *id, double fallback);


#endif
