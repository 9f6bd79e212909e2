/* limits.c - the documented limits a tool checks before any request: counts of list items,
 * Base64 sizes of content, name lengths, numeric ranges and accepted values, read from the
 * knowledge (never restated here) and raised by the policy's quota overrides. Layer: skills. */
#include "skills/sk_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

/* Collect the values at path ("Name" or "List[].Field") into out (borrowed pointers). */
static size_t collect(const cJSON *args, const char *path, const cJSON **out, size_t max)
{
    const char *br = strstr(path, "[].");
    if (!br) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, path);
        if (v && max) {
            out[0] = v;
            return 1;
        }
        return 0;
    }
    char list[128];
    snprintf(list, sizeof list, "%.*s", (int)(br - path), path);
    size_t n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(args, list)) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, br + 3);
        if (v && n < max)
            out[n++] = v;
    }
    return n;
}

static double items(const cJSON *v)
{
    if (cJSON_IsArray(v))
        return cJSON_GetArraySize(v);
    if (cJSON_IsString(v) && v->valuestring[0] == '[') {
        cJSON *a = cJSON_Parse(v->valuestring);
        double n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 1;
        cJSON_Delete(a);
        return n;
    }
    return 1;
}

/* Content already in Base64 counts as it is; plain text counts as its encoding. */
static double base64_bytes(const cJSON *args, const cJSON *v)
{
    if (!cJSON_IsString(v))
        return 0;
    const char *enc[] = {"ContentEncoding", "ContentType"};
    for (size_t i = 0; i < ARRAY_LEN(enc); i++) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(args, enc[i]);
        if (cJSON_IsString(e) && strcasecmp(e->valuestring, "Base64") == 0)
            return (double)strlen(v->valuestring);
    }
    /* UserData travels Base64-encoded already (the API says so). */
    return (double)sk_base64_len(strlen(v->valuestring));
}

static int number_of(const cJSON *v, double *ret)
{
    if (cJSON_IsNumber(v)) {
        *ret = v->valuedouble;
        return 1;
    }
    if (cJSON_IsString(v)) {
        char *end = NULL;
        double d = strtod(v->valuestring, &end);
        if (end != v->valuestring && *end == '\0' && isfinite(d)) {
            *ret = d;
            return 1;
        }
    }
    return 0;
}

static const char *unit_word(const struct kb_limit *l, enum sk_measure m)
{
    switch (m) {
    case SK_MEASURE_ITEMS: return "items";
    case SK_MEASURE_BASE64: return "bytes in Base64";
    case SK_MEASURE_CHARS: return "characters";
    default: return l->unit;
    }
}

void sk_limits_run(const sk_registry *r, const struct sk_tool *t, const cJSON *args,
                   struct sk_findings *f)
{
    for (size_t i = 0; i < t->nlimits; i++) {
        const struct sk_tool_limit *tl = &t->limits[i];
        const struct kb_limit *l = tl->limit;
        const cJSON *vals[64];
        size_t nv = collect(args, tl->arg, vals, ARRAY_LEN(vals));
        char rule[SK_RULE_MAX];
        snprintf(rule, sizeof rule, "limit.%s", l->id);
        for (size_t k = 0; k < nv; k++) {
            const cJSON *v = vals[k];
            if (tl->measure == SK_MEASURE_ENUM) {
                if (!cJSON_IsString(v))
                    continue;
                int ok = 0;
                for (size_t j = 0; j < l->values.n && !ok; j++)
                    ok = strcasecmp(l->values.v[j], v->valuestring) == 0;
                if (!ok)
                    sk_findings_add(f, SK_DENY, rule, "%s is \"%.40s\"; %s", tl->arg,
                                    v->valuestring, l->text);
                continue;
            }
            double got = 0;
            switch (tl->measure) {
            case SK_MEASURE_ITEMS: got = items(v); break;
            case SK_MEASURE_BASE64: got = base64_bytes(args, v); break;
            case SK_MEASURE_CHARS:
                if (!cJSON_IsString(v))
                    continue;
                got = (double)utf8_count(v->valuestring, strlen(v->valuestring));
                break;
            case SK_MEASURE_VALUE:
                if (!number_of(v, &got))
                    continue;
                break;
            case SK_MEASURE_ENUM: break;
            }
            /* A range [value, max]; otherwise value is the most allowed. The policy may raise
             * the upper bound to the account's quota. */
            double lo = l->has_max ? l->value : -INFINITY;
            double hi = sk_policy_limit(r->policy, l->id, l->has_max ? l->max : l->value);
            if (tl->measure == SK_MEASURE_VALUE && got == -1 && strstr(l->text, "-1"))
                continue; /* the documented "forever" */
            if (got < lo || got > hi) {
                if (l->has_max)
                    sk_findings_add(f, SK_DENY, rule, "%s is %g %s, outside %g-%g; %s", tl->arg,
                                    got, unit_word(l, tl->measure), lo, hi, l->text);
                else
                    sk_findings_add(f, SK_DENY, rule, "%s is %g %s, over %g; %s", tl->arg, got,
                                    unit_word(l, tl->measure), hi, l->text);
            }
        }
    }
}
